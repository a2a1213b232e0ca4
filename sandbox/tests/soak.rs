//! Soak figures for the standalone sandbox, printed rather than asserted (they depend on the
//! machine). Ignored by default; run them, preferably in release mode, with
//!
//! ```text
//! cargo test -p leadsquared-sandbox --release --test soak -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - `a_long_lean_run_stays_flat`: 500,000 processed 25-row calls (`LSQ_SOAK_REQUESTS` changes
//!   the number) to the standalone server in lean mode, 8 at a time on loopback. It prints the
//!   server's resident memory after 10% and after 100% of the calls (target ratio < 1.1), the
//!   throughput of the first and last tenth, and the server's CPU while idle afterwards (target
//!   about 0).
//! - `the_open_file_limit_costs_no_cpu`: the server at its open-file limit (`ulimit -n 48`, 80
//!   connections held) for 3 s: its CPU over that time (target about 0: `accept` backs off).
//!
//! Linux only (`/proc`). The only assertions are about correctness: every call answered `200`
//! and counted.

#![cfg(target_os = "linux")]

#[path = "../../generated-client/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{raw_http, rows};
use futures_util::StreamExt;
use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const BIN: &str = env!("CARGO_BIN_EXE_leadsquared-sandbox");

/// A child process killed (and reaped) when dropped.
struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start(shell_prefix: Option<&str>, args: &[&str]) -> Result<Server, Box<dyn std::error::Error>> {
        let mut command = match shell_prefix {
            Some(prefix) => {
                let mut command = Command::new("sh");
                command
                    .args(["-c", &format!("{prefix} && exec \"$0\" \"$@\"")])
                    .arg(BIN);
                command
            }
            None => Command::new(BIN),
        };
        let mut child = command
            .args(["--addr", "127.0.0.1:0", "--quiet"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("stdout is piped")?;
        let mut server = Server {
            child,
            base_url: String::new(),
        };
        BufReader::new(stdout).read_line(&mut line)?;
        server.base_url = line.trim().to_string();
        Ok(server)
    }

    fn origin(&self) -> &str {
        self.base_url.trim_end_matches("/v2")
    }

    /// A line of `/proc/PID/status`, e.g. `VmRSS`, in KiB.
    fn status_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// User + system CPU time so far.
    fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // After the command name (in parentheses) come the state, then numbers: utime and
        // stime are the 12th and 13th fields after the name (the 14th and 15th of the line).
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let ticks = field(11) + field(12);
        Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
    }

    /// The CPU the server spends over `period`, as a share of one core.
    fn cpu_share_over(&self, period: Duration) -> f64 {
        let before = self.cpu();
        std::thread::sleep(period);
        (self.cpu() - before).as_secs_f64() / period.as_secs_f64()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clock ticks per second, for `/proc/PID/stat`.
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100)
}

fn leads_file(count: usize) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let leads: Vec<Value> = (1..=count)
        .map(|n| serde_json::json!({ "EmailAddress": format!("lead{n}@example.com") }))
        .collect();
    let path = std::env::temp_dir().join(format!("leadsquared-soak-leads-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&leads)?)?;
    Ok(path)
}

#[test]
#[ignore = "a soak benchmark: run with --release --ignored --nocapture"]
fn a_long_lean_run_stays_flat() -> TestResult {
    let total: usize = std::env::var("LSQ_SOAK_REQUESTS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(500_000);
    let concurrency = 8;
    let leads = leads_file(25)?;
    let server = Server::start(
        None,
        &["--lean", "--rate-limit", "off", "--leads", &leads.to_string_lossy()],
    )?;
    let _ = std::fs::remove_file(&leads);
    let url = format!(
        "{}/OpportunityManagement.svc/Bulk/Add/ByLeadField?SearchBy=EmailAddress",
        server.base_url
    );
    let body = bytes_of(&rows(25))?;
    let http = raw_http();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let tenth = (total / 10).max(1);
    let started = Instant::now();
    let mut marks: Vec<(usize, Duration, u64)> = vec![(0, Duration::ZERO, server.status_kib("VmRSS"))];
    let failed = runtime.block_on(async {
        let calls = futures_util::stream::iter(0..total)
            .map(|_| {
                let request = http
                    .post(&url)
                    .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
                    .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
                    .header("content-type", "application/json")
                    .body(body.clone());
                async move {
                    match request.send().await {
                        Ok(response) => {
                            let ok = response.status().as_u16() == 200;
                            let _ = response.bytes().await;
                            ok
                        }
                        Err(_) => false,
                    }
                }
            })
            .buffer_unordered(concurrency);
        futures_util::pin_mut!(calls);
        let (mut done, mut failed) = (0usize, 0usize);
        while let Some(ok) = calls.next().await {
            done += 1;
            failed += usize::from(!ok);
            if done % tenth == 0 || done == total {
                marks.push((done, started.elapsed(), server.status_kib("VmRSS")));
            }
        }
        failed
    });
    let elapsed = started.elapsed();
    let idle_cpu = server.cpu_share_over(Duration::from_secs(5));

    let summary: Value = runtime.block_on(async {
        raw_http()
            .get(format!("{}/_sandbox/summary", server.origin()))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .send()
            .await?
            .json()
            .await
    })?;
    assert_eq!(failed, 0, "every call answered 200");
    assert_eq!(summary["Processed"], total as u64, "{summary}");
    assert_eq!(summary["Opportunities"], (total * 25) as u64, "{summary}");

    let at = |fraction: usize| marks.iter().find(|(done, _, _)| *done >= fraction).copied();
    let (first, last) = (at(tenth).ok_or("a mark at 10%")?, at(total).ok_or("a mark at 100%")?);
    let before_last = at(total - tenth).ok_or("a mark at 90%")?;
    let rate = |calls: usize, time: Duration| calls as f64 / time.as_secs_f64();
    println!(
        "soak: {total} lean calls of 25 rows, {concurrency} at a time, in {:.1} s ({:.0} calls/s)",
        elapsed.as_secs_f64(),
        rate(total, elapsed)
    );
    println!(
        "soak: server RSS at start {} KiB, at 10% {} KiB, at 100% {} KiB; ratio 100%/10% {:.3} (target < 1.1); peak {} KiB",
        marks[0].2,
        first.2,
        last.2,
        last.2 as f64 / first.2 as f64,
        server.status_kib("VmHWM")
    );
    println!(
        "soak: throughput first tenth {:.0} calls/s, last tenth {:.0} calls/s, ratio {:.3}",
        rate(first.0, first.1),
        rate(last.0 - before_last.0, last.1 - before_last.1),
        rate(last.0 - before_last.0, last.1 - before_last.1) / rate(first.0, first.1)
    );
    println!(
        "soak: server CPU while idle for 5 s after the run: {:.2}% of a core (target ~0)",
        idle_cpu * 100.0
    );
    Ok(())
}

#[test]
#[ignore = "a soak benchmark: run with --release --ignored --nocapture"]
fn the_open_file_limit_costs_no_cpu() -> TestResult {
    let server = Server::start(Some("ulimit -n 48"), &["--max-connections", "1000"])?;
    let addr = server
        .origin()
        .trim_start_matches("http://")
        .parse::<std::net::SocketAddr>()?;
    let held: Vec<TcpStream> = (0..80).filter_map(|_| TcpStream::connect(addr).ok()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let open = std::fs::read_dir(format!("/proc/{}/fd", server.child.id()))?.count();
    let busy = server.cpu_share_over(Duration::from_secs(3));
    let held_len = held.len();
    drop(held);
    println!(
        "open-file limit: {} connections held, the server with {open} descriptors open (limit 48); its CPU over 3 s: {:.2}% of a core (target ~0)",
        held_len,
        busy * 100.0
    );
    Ok(())
}

/// The JSON of `rows`, as the body bytes every call reuses.
fn bytes_of(rows: &[leadsquared::opportunities::OpportunityByLeadField]) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(rows)
}
