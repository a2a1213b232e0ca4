//! `leadsquared import` end to end: the built binary against an in-process sandbox, whose store
//! tells what was really created.

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::*;
use leadsquared_sandbox::{Fault, Sandbox};

/// Every opportunity in the store, by its `mx_Custom_1` (the deal's unique name), counted.
fn created(sandbox: &Sandbox) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for opportunity in sandbox.opportunities() {
        let name = opportunity.field("mx_Custom_1").unwrap_or_default().to_owned();
        *counts.entry(name).or_default() += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn valid_invalid_refused_and_unknown_rows_give_the_exact_report_and_exit_code() {
    let dir = scratch("mixed");
    let sandbox = Sandbox::builder()
        .leads(leads(3))
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    // The first call (rows 1-25 of the job) is processed and its answer lost.
    sandbox.inject(Fault::DropAfterProcessing, 1);
    let input = dir.join("deals.csv");
    let mut text = String::from("SearchByValue,OpportunityEventCode,mx_Custom_1,OverwriteFields,UpdateEmptyFields\n");
    for i in 0..25 {
        text.push_str(&format!("lead-{}@example.com,12114,deal-{i},,\n", i % 3));
    }
    text.push_str("lead-0@example.com,12114,deal-25,,\n"); // line 27: applied
    text.push_str("nobody@example.com,12114,deal-26,,\n"); // line 28: refused, no such lead
    text.push_str("lead-1@example.com,twelve,deal-27,,\n"); // line 29: invalid cell
    text.push_str("lead-2@example.com,12114,deal-28,true,true\n"); // line 30: breaks a rule
    text.push_str("lead-2@example.com,12114,,,\n"); // line 31: refused, mandatory field missing
    text.push_str("lead-1@example.com,12114,deal-30,,\n"); // line 32: applied
    std::fs::write(&input, text).unwrap();
    let report_path = dir.join("report.csv");

    let output = run(command(Some(&sandbox))
        .args(["import", "add_opportunities_in_bulk"])
        .arg(&input)
        .args(["--search-by", "EmailAddress", "--concurrency", "1"])
        // The bulk class's default is 1 call per 5 s; this sandbox has no limit.
        .args(["--rate-limit-class", "bulk=1000/1", "--report"])
        .arg(&report_path));
    assert_eq!(output.status.code(), Some(2), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 29: invalid, not sent: OpportunityEventCode: `twelve` is not a whole number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 30: invalid, not sent: OpportunityByLeadField: at most one of"),
        "{stderr}"
    );

    let report = report(&report_path);
    assert_eq!(report.len(), 31, "one line per input row");
    let ids: HashMap<String, String> = sandbox
        .opportunities()
        .into_iter()
        .map(|o| (o.field("mx_Custom_1").unwrap_or_default().to_owned(), o.id))
        .collect();
    for (i, line) in report.iter().take(25).enumerate() {
        assert_eq!(line[0], (i + 2).to_string());
        assert_eq!(line[1], "unknown", "{line:?}");
        assert_eq!((line[2].as_str(), line[3].as_str()), ("", ""));
        assert!(line[4].contains("may or may not have been processed"), "{line:?}");
    }
    let rest: Vec<Vec<String>> = report[25..].iter().map(|line| line.to_vec()).collect();
    let expected = [
        ["27", "applied", &ids["deal-25"], "", ""],
        [
            "28",
            "refused",
            "",
            "MXInvalidLeadException",
            "No lead found with EmailAddress = 'nobody@example.com'",
        ],
        [
            "29",
            "invalid",
            "",
            "",
            "OpportunityEventCode: `twelve` is not a whole number",
        ],
        [
            "30",
            "invalid",
            "",
            "",
            "OpportunityByLeadField: at most one of `OverwriteFields`, `UpdateEmptyFields` may be set (LeadSquared rejects a row where both are true (`MXInvalidInputException`))",
        ],
        [
            "31",
            "refused",
            "",
            "MXInvalidActivityFieldsException",
            "Field name : 'mx_Custom_1' of datatype : 'String' is mandatory.",
        ],
        ["32", "applied", &ids["deal-30"], "", ""],
    ];
    assert_eq!(rest, expected.map(|line| line.map(str::to_owned)));
    // The dropped call was processed: its 25 rows are in the store, once each.
    let created = created(&sandbox);
    assert_eq!(created.len(), 27);
    assert!(created.values().all(|count| *count == 1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(summary_line(&stdout, "unknown", 25), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_whose_answer_was_lost_are_unknown_and_not_resent_on_resume() {
    let dir = scratch("dropped");
    let sandbox = Sandbox::builder()
        .leads(leads(5))
        .no_rate_limit()
        .start()
        .await
        .unwrap();
    sandbox.inject(Fault::DropAfterProcessing, 1);
    let input = dir.join("deals.csv");
    deals_csv(&input, 100, 5);
    let import = |resume: bool| {
        let mut command = command(Some(&sandbox));
        command
            .args(["import", "add-opportunities-in-bulk"])
            .arg(&input)
            .args(["--search-by", "EmailAddress", "--concurrency", "1"])
            .args(["--rate-limit-class", "bulk=1000/1", "--report"])
            .arg(dir.join("report.csv"));
        if resume {
            command.arg("--resume");
        }
        run(&mut command)
    };
    let first = import(false);
    assert_eq!(first.status.code(), Some(2), "{}", shown(&first));
    let calls = sandbox.requests().len();
    // Without --resume, an existing journal stops a second import of the same file.
    let again = import(false);
    assert_eq!(again.status.code(), Some(3), "{}", shown(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));

    let resumed = import(true);
    assert_eq!(resumed.status.code(), Some(2), "{}", shown(&resumed));
    assert_eq!(sandbox.requests().len(), calls, "nothing is sent again");
    let report = report(&dir.join("report.csv"));
    let outcomes: Vec<&str> = report.iter().map(|line| line[1].as_str()).collect();
    assert_eq!(outcomes[..25], ["unknown"; 25]);
    assert_eq!(outcomes[25..], ["applied"; 75]);
    let created = created(&sandbox);
    assert_eq!(created.len(), 100);
    assert!(created.values().all(|count| *count == 1));
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        stdout.contains("100 of these were settled by the earlier run"),
        "{stdout}"
    );
}

/// Whether the summary has the line `name  count`.
fn summary_line(text: &str, name: &str, count: usize) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with(name) && line[name.len()..].split_whitespace().next() == Some(&count.to_string())
    })
}

/// Waits until the sandbox has processed `calls` calls.
fn wait_for_calls(sandbox: &Sandbox, calls: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sandbox.requests().iter().filter(|r| r.processed).count() < calls {
        assert!(Instant::now() < deadline, "the import did not make {calls} calls");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// After the process dies (SIGKILL) or is interrupted (SIGINT) midway, `--resume` finishes the
/// job: every row is in the store exactly once or reported unknown, and none is missing.
async fn interrupted_then_resumed(signal: &str) {
    const ROWS: usize = 5_000;
    let dir = scratch(&format!("crash-{signal}"));
    let sandbox = Sandbox::builder()
        .leads(leads(50))
        .class_rate_limit("standard", 25, Duration::from_millis(250))
        .lean(false)
        .start()
        .await
        .unwrap();
    let input = dir.join("deals.csv");
    deals_csv(&input, ROWS, 50);
    let report_path = dir.join("report.csv");
    let import = |resume: bool| {
        let mut command = command(Some(&sandbox));
        command
            .args(["import", "add_opportunities_in_bulk"])
            .arg(&input)
            .args([
                "--search-by",
                "EmailAddress",
                "--rate-limit-class",
                "bulk=25/0.25",
                "--report",
            ])
            .arg(&report_path);
        if resume {
            command.arg("--resume");
        }
        command
    };
    let mut child = import(false)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // 200 calls in all; stop it after 60.
    wait_for_calls(&sandbox, 60);
    if signal == "KILL" {
        child.kill().unwrap();
    } else {
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let status = child.wait().unwrap();
    let during = created(&sandbox).values().sum::<usize>();
    assert!(during < ROWS, "the import finished before it was stopped");
    if signal == "INT" {
        // Ctrl-C: the calls in flight answered, the rest were not sent; the report is whole.
        assert_eq!(status.code(), Some(1), "{status:?}");
        let report = report(&report_path);
        assert_eq!(report.len(), ROWS);
        let kinds: Vec<&str> = report.iter().map(|line| line[1].as_str()).collect();
        assert!(
            kinds.iter().all(|kind| matches!(*kind, "applied" | "not_attempted")),
            "{kinds:?}"
        );
        assert_eq!(kinds.iter().filter(|kind| **kind == "applied").count(), during);
    }

    let resumed = run(&mut import(true));
    let report = report(&report_path);
    assert_eq!(report.len(), ROWS, "{}", shown(&resumed));
    let created = created(&sandbox);
    for (i, line) in report.iter().enumerate() {
        let deal = format!("deal-{i}");
        let count = created.get(&deal).copied().unwrap_or_default();
        assert_eq!(line[0], (i + 2).to_string());
        match line[1].as_str() {
            "applied" => assert_eq!(count, 1, "{deal} is reported applied"),
            "unknown" => assert!(count <= 1, "{deal} was created {count} times"),
            other => panic!("{deal}: {other} ({line:?})"),
        }
    }
    assert_eq!(
        created.len(),
        created.values().sum::<usize>(),
        "a row was created twice"
    );
    let unknown = report.iter().filter(|line| line[1] == "unknown").count();
    assert_eq!(
        resumed.status.code(),
        Some(if unknown > 0 { 2 } else { 0 }),
        "{}",
        shown(&resumed)
    );
    // Only the calls in flight when the process died can be unknown.
    assert!(unknown <= 8 * 25, "{unknown} unknown rows");
    if signal == "INT" {
        assert_eq!(unknown, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_resumes_without_a_duplicate_or_a_missing_row() {
    interrupted_then_resumed("KILL").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_sending_writes_the_report_and_resumes() {
    interrupted_then_resumed("INT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_checks_every_row_and_sends_nothing() {
    let dir = scratch("dry");
    let sandbox = Sandbox::builder().leads(leads(2)).start().await.unwrap();
    let input = dir.join("deals.jsonl");
    std::fs::write(
        &input,
        "{\"SearchByValue\":\"lead-0@example.com\",\"OpportunityEventCode\":12114,\"mx_Custom_1\":\"a\"}\n\
         {\"SearchByValue\":\"lead-1@example.com\",\"OpportunityEventCode\":\"x\"}\n\
         \n\
         {\"OpportunityEventCode\":12114}\n",
    )
    .unwrap();
    let output = run(command(Some(&sandbox))
        .args(["import", "add_opportunities_in_bulk"])
        .arg(&input)
        .args(["--query", "SearchBy=EmailAddress", "--dry-run"]));
    assert_eq!(output.status.code(), Some(1), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2: invalid, not sent: OpportunityEventCode: `x` is not a whole number"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4: invalid, not sent: missing field `SearchByValue`"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 valid, 2 invalid"));
    assert!(sandbox.requests().is_empty());
    assert!(!dir.join("deals.jsonl.journal").exists());
}

#[test]
fn usage_errors_exit_3_before_anything_is_sent() {
    let dir = scratch("usage");
    let input = dir.join("deals.csv");
    std::fs::write(&input, "SearchByValue,OpportunityEventCode,Amount\na,1,2\n").unwrap();
    let cases: [(&[&str], &str); 6] = [
        (&["import", "get_lead_by_email"], "possible values"),
        (
            &[
                "import",
                "add_opportunities_in_bulk",
                "--search-by",
                "Phone",
                "--skip-column",
                "Amount",
                "--sandbox",
                "x",
            ],
            "--sandbox: cannot read x",
        ),
        (
            &["import", "add_opportunities_in_bulk"],
            "needs the query parameter `SearchBy` (--search-by",
        ),
        (
            &["import", "bulk_update_opportunities", "--search-by", "Phone"],
            "has no query parameter `SearchBy`",
        ),
        (
            &["import", "add_opportunities_in_bulk", "--search-by", "Phone"],
            "`Amount`",
        ),
        (
            &["import", "add_opportunities_in_bulk", "--resume"],
            "there is no journal",
        ),
    ];
    for (args, expected) in cases {
        let mut command = command(None);
        command.args(&args[..2]);
        if args.len() > 2 || args[1] != "get_lead_by_email" {
            command.arg(&input);
        }
        command.args(&args[2..]);
        let output = run(&mut command);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {}", shown(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let output = run(command(None)
        .args(["import", "add_opportunities_in_bulk"])
        .arg(&input)
        .args(["--search-by", "Phone", "--skip-column", "Amount"]));
    assert_eq!(output.status.code(), Some(3), "{}", shown(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no credentials"),
        "{}",
        shown(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_terminal_progress_comes_as_lines() {
    let dir = scratch("log");
    let sandbox = Sandbox::builder()
        .leads(leads(10))
        .class_rate_limit("standard", 10, Duration::from_millis(250))
        .start()
        .await
        .unwrap();
    let input = dir.join("deals.csv");
    deals_csv(&input, 1_000, 10);
    let output = run(command(Some(&sandbox))
        .args(["import", "add_opportunities_in_bulk"])
        .arg(&input)
        .args([
            "--search-by",
            "EmailAddress",
            "--rate-limit-class",
            "bulk=10/0.25",
            "--progress-every",
            "0.2",
        ]));
    assert_eq!(output.status.code(), Some(0), "{}", shown(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("progress: ")).collect();
    assert!(lines.len() >= 2, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|line| line.contains("/1000 rows (") && line.contains("applied ")),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "no terminal codes in logs: {stderr}");
    let quiet = run(command(Some(&sandbox))
        .args(["import", "add_opportunities_in_bulk"])
        .arg(&input)
        .args([
            "--search-by",
            "EmailAddress",
            "--rate-limit-class",
            "bulk=10/0.25",
            "--quiet",
            "--journal",
        ])
        .arg(dir.join("quiet.journal")));
    assert_eq!(quiet.status.code(), Some(0), "{}", shown(&quiet));
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty(), "{}", shown(&quiet));
}

/// The progress bar as a person sees it: the import runs under a pseudo-terminal (`script`),
/// and the screen it draws is read back.
#[test]
fn the_progress_bar_and_the_summary_appear_on_a_terminal() {
    let dir = scratch("pty");
    let input = dir.join("deals.csv");
    deals_csv(&input, 1_500, 10);
    let leads_file = dir.join("leads.json");
    let leads: Vec<String> = (0..10)
        .map(|i| format!("{{\"EmailAddress\":\"lead-{i}@example.com\"}}"))
        .collect();
    std::fs::write(&leads_file, format!("[{}]", leads.join(","))).unwrap();
    let inner = format!(
        "stty cols 120 rows 40; '{BIN}' import add_opportunities_in_bulk '{}' --search-by EmailAddress --sandbox '{}' --rate-limit-class bulk=10/0.25",
        input.display(),
        leads_file.display()
    );
    let script = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &inner, "/dev/null"])
        .env("TERM", "xterm-256color")
        .env("LEADSQUARED_CONFIG", dir.join("none.toml"))
        .env_remove("LSQ_ACCESS_KEY")
        .env_remove("LSQ_SECRET_KEY")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("`script` (util-linux) runs the import under a pseudo-terminal; install util-linux");
    let screen = String::from_utf8_lossy(&script.stdout);
    assert!(script.status.success(), "exit {:?}\n{screen}", script.status.code());
    // The bar, drawn while rows were still going (a position below the total)…
    let partial = (1..1_500).any(|done| screen.contains(&format!("] {done}/1500 rows")));
    assert!(partial, "no bar drawn before the end:\n{screen}");
    assert!(screen.contains(" rows/s · ETA "), "{screen}");
    assert!(screen.contains("applied"), "{screen}");
    // …its last state, and the summary.
    assert!(screen.contains("] 1500/1500 rows"), "{screen}");
    assert!(screen.contains("Add Opportunities in Bulk: 1500 rows of"), "{screen}");
    assert!(summary_line(&screen, "applied", 1_500), "{screen}");
}
