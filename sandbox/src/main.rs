//! The LeadSquared sandbox as a standalone server, for curl, other languages' tests, and
//! benchmarks that keep the server out of the client's process.
//!
//! ```text
//! cargo run -p leadsquared-sandbox -- \
//!     --addr 127.0.0.1:8080 --rate-limit 25/5 --leads leads.json
//! ```
//!
//! The first line on stdout is the base URL (e.g. `http://127.0.0.1:8080/v2`); every call is
//! then logged on stderr. Stop it with Ctrl-C. The options are parsed by hand: there are a few
//! flags with one value each, and the sandbox feature should not pull an argument parser into the
//! dependency tree of users who enable it for their tests.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Lead, Sandbox, SandboxBuilder};

const USAGE: &str = "\
leadsquared-sandbox: an offline emulator of the LeadSquared API

Usage: leadsquared-sandbox [OPTIONS]

Options:
  --addr HOST:PORT          Address to listen on [default: 127.0.0.1:0, an ephemeral port]
  --access-key KEY          Access key to accept [default: sandbox-access-key]
  --secret-key KEY          Secret key to accept [default: sandbox-secret-key]
  --rate-limit CALLS/SECS   At most CALLS calls in any SECS seconds, e.g. 25/5 or 25/0.25;
                            `off` disables it [default: 25/5]
  --leads FILE              Leads to store: a JSON array of objects keyed by field schema name,
                            e.g. [{\"EmailAddress\":\"a@example.com\",\"Phone\":\"+91-2543456794\"}]
  --unique-field NAME       Another unique lead field usable as SearchBy (repeatable)
  --mandatory-field NAME    An opportunity field every row must carry; replaces the default
                            mx_Custom_1 (repeatable; `none` requires none)
  --latency MILLIS          Wait this long before every answer [default: 0]
  --lean                    Keep counts, not contents (created rows, request bodies): for long runs
  -h, --help                Print this help

The first line of stdout is the base URL to give the client. The sandbox's state is readable at
GET /_sandbox/opportunities and GET /_sandbox/requests (with the same keys).";

fn main() -> ExitCode {
    let builder = match parse(std::env::args().skip(1)) {
        Ok(Some(builder)) => builder,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // Two workers, so that taking a call's headers (where the rate limit is counted) does not wait
    // behind another call's processing.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(builder))
}

async fn run(builder: SandboxBuilder) -> ExitCode {
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", sandbox.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "leadsquared-sandbox: serving {} leads; stop with Ctrl-C",
        sandbox.leads().len()
    );
    let mut shown = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let requests = sandbox.requests();
        for request in requests
            .iter()
            .skip(shown)
            .take_while(|r| r.status.is_some() || r.dropped)
        {
            let status = request
                .status
                .map_or("dropped".to_string(), |status| status.to_string());
            let rows = request.rows().map(|rows| format!(" rows={rows}")).unwrap_or_default();
            eprintln!(
                "{:>8.3}s {} {} -> {status}{rows}{}",
                request.at.as_secs_f64(),
                request.method,
                request.path,
                if request.processed { " processed" } else { "" },
            );
            shown += 1;
        }
    }
}

/// The builder the arguments describe, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<SandboxBuilder>, String> {
    let mut builder = Sandbox::builder();
    let (mut access_key, mut secret_key) = (DEFAULT_ACCESS_KEY.to_string(), DEFAULT_SECRET_KEY.to_string());
    let mut mandatory: Option<Vec<String>> = None;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--addr" => {
                let text = value()?;
                let addr: SocketAddr = text
                    .parse()
                    .map_err(|_| format!("--addr: `{text}` is not HOST:PORT, e.g. 127.0.0.1:8080"))?;
                builder = builder.addr(addr);
            }
            "--access-key" => access_key = value()?,
            "--secret-key" => secret_key = value()?,
            "--rate-limit" => {
                let text = value()?;
                builder = match parse_rate_limit(&text)? {
                    Some((calls, per)) => builder.rate_limit(calls, per),
                    None => builder.no_rate_limit(),
                };
            }
            "--leads" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(&path).map_err(|error| format!("--leads: cannot read {path}: {error}"))?;
                let leads = Lead::list_from_json(&text).map_err(|error| format!("--leads {path}: {error}"))?;
                builder = builder.leads(leads);
            }
            "--unique-field" => builder = builder.unique_field(value()?),
            "--mandatory-field" => {
                let name = value()?;
                let list = mandatory.get_or_insert_with(Vec::new);
                if name != "none" {
                    list.push(name);
                }
            }
            "--latency" => {
                let text = value()?;
                let millis: u64 = text
                    .parse()
                    .map_err(|_| format!("--latency: `{text}` is not a whole number of milliseconds"))?;
                builder = builder.latency(Duration::from_millis(millis));
            }
            "--lean" => builder = builder.lean(true),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if let Some(list) = mandatory {
        builder = builder.mandatory_fields(list);
    }
    Ok(Some(builder.credentials(access_key, secret_key)))
}

/// `25/5` → 25 calls per 5 s; `off` → no limit.
fn parse_rate_limit(text: &str) -> Result<Option<(u32, Duration)>, String> {
    if text == "off" {
        return Ok(None);
    }
    let invalid = || format!("--rate-limit: `{text}` is not CALLS/SECONDS, e.g. 25/5 or 25/0.25");
    let (calls, seconds) = text.split_once('/').ok_or_else(invalid)?;
    let calls: u32 = calls.trim().parse().map_err(|_| invalid())?;
    let seconds: f64 = seconds.trim().parse().map_err(|_| invalid())?;
    if calls == 0 || !(seconds > 0.0 && seconds.is_finite()) {
        return Err(invalid());
    }
    Ok(Some((calls, Duration::from_secs_f64(seconds))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn rate_limits_parse_as_calls_per_seconds() {
        assert_eq!(parse_rate_limit("25/5"), Ok(Some((25, Duration::from_secs(5)))));
        assert_eq!(parse_rate_limit("25/0.25"), Ok(Some((25, Duration::from_millis(250)))));
        assert_eq!(parse_rate_limit("off"), Ok(None));
        for bad in ["25", "0/5", "25/0", "x/5", "25/-1"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_are_checked_and_help_is_recognised() {
        assert!(
            parse(args("--addr 127.0.0.1:0 --rate-limit=5/1 --latency 3"))
                .unwrap()
                .is_some()
        );
        assert!(parse(args("--help")).unwrap().is_none());
        assert_eq!(parse(args("--addr")).unwrap_err(), "--addr needs a value");
        assert!(parse(args("--addr localhost")).unwrap_err().contains("HOST:PORT"));
        assert_eq!(parse(args("--port 1")).unwrap_err(), "unknown option `--port`");
        assert!(
            parse(args("--leads /nonexistent/leads.json"))
                .unwrap_err()
                .contains("cannot read")
        );
    }
}
