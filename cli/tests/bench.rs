//! The command line's benchmark, ignored by default (it takes a minute or more); run it in
//! release mode and read the figures it prints:
//!
//! ```text
//! cargo test --release -p leadsquared-cli --test bench -- --ignored --nocapture
//! ```
//!
//! - Throughput over the rate ceiling: the same rows through `leadsquared import` (a process of
//!   its own, journal on, synced to disk) and through the library's `_all` job (in this process,
//!   no journal), each against a fresh sandbox with the same limit and latency, alternated; the
//!   figure is the ratio of rows per second.
//! - Peak memory: the import of a 1,000,000-row file and of a 10,000-row file (peak resident
//!   size of the child process); the figure is the ratio.

mod common;

use std::time::{Duration, Instant};

use common::*;
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
use leadsquared_sandbox::Sandbox;

const LEADS: usize = 50;
/// The sandbox's limit of the standard class (Add Opportunities in Bulk's): 25 calls in any 250 ms
/// (2,500 rows/s), a 20 ms latency, as in the library's benchmark.
const CALLS: u32 = 25;
const WINDOW: Duration = Duration::from_millis(250);
const LATENCY: Duration = Duration::from_millis(20);

async fn limited_sandbox() -> Sandbox {
    Sandbox::builder()
        .leads(leads(LEADS))
        .class_rate_limit("standard", CALLS, WINDOW)
        .latency(LATENCY)
        .lean(true)
        .start()
        .await
        .unwrap()
}

async fn library_rows_per_second(rows: usize) -> f64 {
    let sandbox = limited_sandbox().await;
    let client = sandbox
        .client_builder()
        .rate_limit_for(leadsquared::RateLimitClass::Standard, CALLS, WINDOW)
        .build()
        .unwrap();
    let deals = (0..rows).map(|i| {
        OpportunityByLeadField::new(format!("lead-{}@example.com", i % LEADS), 12114)
            .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("deal-{i}"))])
    });
    let started = Instant::now();
    let mut job = client.add_opportunities_in_bulk_all(SearchBy::EmailAddress, deals);
    let mut applied = 0;
    while let Some(report) = job.next().await {
        applied += usize::from(report.outcome.is_applied());
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(applied, rows);
    rows as f64 / seconds
}

/// Rows per second of the whole process (start to exit), and of its job as it reports.
async fn cli_rows_per_second(rows: usize, input: &std::path::Path, dir: &std::path::Path) -> (f64, f64) {
    let sandbox = limited_sandbox().await;
    let journal = dir.join(format!("throughput-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let started = Instant::now();
    let output = run(command(Some(&sandbox))
        .args(["import", "add_opportunities_in_bulk"])
        .arg(input)
        .args([
            "--search-by",
            "EmailAddress",
            "--rate-limit-class",
            "bulk=25/0.25",
            "--journal",
        ])
        .arg(&journal));
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let job = stdout
        .split("; ")
        .nth(1)
        .and_then(|rest| rest.split(" rows/s").next())
        .and_then(|rate| rate.parse::<f64>().ok())
        .unwrap_or(0.0);
    let _ = std::fs::remove_file(&journal);
    (rows as f64 / seconds, job)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it with --release --ignored --nocapture"]
async fn benchmark() {
    let dir = scratch("bench");
    const ROWS: usize = 10_000;
    let input = dir.join("throughput.csv");
    deals_csv(&input, ROWS, LEADS);
    let ceiling = f64::from(CALLS) * 25.0 / WINDOW.as_secs_f64();
    let mut ratios = Vec::new();
    let shm = std::path::Path::new("/dev/shm");
    for round in 1..=2 {
        let library = library_rows_per_second(ROWS).await;
        let (cli, job) = cli_rows_per_second(ROWS, &input, &dir).await;
        println!(
            "round {round}: library {library:.0} rows/s ({:.3} of the ceiling); import {cli:.0} rows/s whole process, {job:.0} rows/s its job; ratio {:.3} (job {:.3})",
            library / ceiling,
            cli / library,
            job / library
        );
        ratios.push((cli / library, job / library));
        if shm.is_dir() {
            // The same with the journal on a memory file system: what the disk's syncs cost.
            let (cli, job) = cli_rows_per_second(ROWS, &input, shm).await;
            println!(
                "round {round}: import with the journal in memory {cli:.0} rows/s whole process, {job:.0} rows/s its job; ratio {:.3} (job {:.3})",
                cli / library,
                job / library
            );
        }
    }

    // Peak memory: 10,000 rows first, then 1,000,000 (the children's peak only grows).
    let unlimited = Sandbox::builder()
        .leads(leads(LEADS))
        .no_rate_limit()
        .lean(true)
        .start()
        .await
        .unwrap();
    // The journal on a memory file system: this measures memory, not the disk's syncs.
    let journal_dir = if shm.is_dir() { shm.to_path_buf() } else { dir.clone() };
    let mut peaks = Vec::new();
    for rows in [10_000usize, 1_000_000] {
        let input = dir.join(format!("memory-{rows}.csv"));
        deals_csv(&input, rows, LEADS);
        let journal = journal_dir.join(format!("lsq-cli-bench-{rows}-{}.journal", std::process::id()));
        let _ = std::fs::remove_file(&journal);
        let started = Instant::now();
        let output = run(command(Some(&unlimited))
            .args(["import", "add_opportunities_in_bulk"])
            .arg(&input)
            .args([
                "--search-by",
                "EmailAddress",
                "--rate-limit-class",
                "bulk=100000/1",
                "--quiet",
                "--journal",
            ])
            .arg(&journal));
        assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
        let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).unwrap();
        let peak_kib = usage.max_rss();
        println!(
            "{rows} rows: {:.1} s, peak resident {:.1} MiB",
            started.elapsed().as_secs_f64(),
            peak_kib as f64 / 1024.0
        );
        peaks.push(peak_kib as f64);
        let _ = std::fs::remove_file(&journal);
        let _ = std::fs::remove_file(&input);
    }
    let memory_ratio = peaks[1] / peaks[0];
    let range = |pick: fn(&(f64, f64)) -> f64| {
        let values: Vec<f64> = ratios.iter().map(pick).collect();
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        format!("{low:.3}-{high:.3}")
    };
    println!(
        "summary throughput_ratio={} job_throughput_ratio={} memory_ratio={memory_ratio:.3}",
        range(|r| r.0),
        range(|r| r.1)
    );
    assert!(memory_ratio < 1.5, "peak memory grows with the file: {memory_ratio:.3}");
}
