//! The bulk engine against the sandbox, with faults injected: every input row gets exactly one
//! outcome, no retry creates an opportunity twice, the sandbox never sees more calls than the
//! limit in any window, 401 stops the job, and ambiguous failures are reported as unknown.
//! Add Opportunities in Bulk is in the `standard` rate-limit class, so both sides get that
//! class's limit; windows are scaled down (a few calls per 100–300 ms) so the file stays fast.

use std::collections::BTreeMap;
use std::time::Duration;

use leadsquared::bulk::{BulkOptions, RowOutcome, RowReport};
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, OpportunityRowResult, SearchBy};
use leadsquared::{Client, ExceptionType, RateLimitClass};
use leadsquared_sandbox::{Fault, Lead, Sandbox, SandboxBuilder};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const LEADS: usize = 20;

/// Row `i`: for lead `i % LEADS` (unknown when `i % 17 == 16`), marked `row-i` in `mx_Custom_1`.
fn row(i: usize) -> OpportunityByLeadField {
    let email = if i % 17 == 16 {
        format!("nobody{i}@example.com")
    } else {
        format!("lead{}@example.com", i % LEADS)
    };
    OpportunityByLeadField::new(email, 12114)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("row-{i}"))])
}

fn sandbox(calls: u32, per: Duration) -> SandboxBuilder {
    Sandbox::builder()
        .leads((0..LEADS).map(|i| Lead::new().with_email(format!("lead{i}@example.com"))))
        .class_rate_limit("standard", calls, per)
}

fn client(sandbox: &Sandbox, calls: u32, per: Duration) -> Result<Client, leadsquared::Error> {
    sandbox
        .client_builder()
        .rate_limit_for(RateLimitClass::Standard, calls, per)
        .timeout(Duration::from_secs(5))
        .build()
}

async fn run(client: &Client, count: usize, options: &BulkOptions) -> Vec<RowReport<OpportunityRowResult>> {
    let mut job = client
        .add_opportunities_in_bulk_all(SearchBy::EmailAddress, (0..count).map(row))
        .options(options.clone());
    let mut reports = Vec::new();
    while let Some(report) = job.next().await {
        reports.push(report);
    }
    reports
}

fn kind<R>(outcome: &RowOutcome<R>) -> &'static str {
    outcome.kind().as_str()
}

/// The invariants every job must keep, whatever happened: one outcome per input row; each row's
/// opportunity created at most once; created exactly when reported applied (or unknown); the
/// reported id is the created one.
fn check_invariants(
    sandbox: &Sandbox,
    count: usize,
    reports: &[RowReport<OpportunityRowResult>],
) -> BTreeMap<&'static str, usize> {
    let mut seen = vec![0; count];
    for report in reports {
        seen[report.index] += 1;
    }
    assert!(
        seen.iter().all(|&times| times == 1),
        "every row has exactly one outcome"
    );
    let mut created: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for opportunity in sandbox.opportunities() {
        let marker = opportunity.field("mx_Custom_1").expect("marked");
        let index: usize = marker.trim_start_matches("row-").parse().expect("a row index");
        created.entry(index).or_default().push(opportunity.id);
    }
    assert!(
        created.values().all(|ids| ids.len() == 1),
        "no row was created twice: {created:?}"
    );
    let mut kinds = BTreeMap::new();
    for report in reports {
        *kinds.entry(kind(&report.outcome)).or_insert(0) += 1;
        let ids = created.get(&report.index);
        match &report.outcome {
            RowOutcome::Applied { id, .. } => assert_eq!(ids.map(|ids| &ids[0]), id.as_ref(), "row {}", report.index),
            RowOutcome::Unknown(_) => {}
            other => assert!(ids.is_none(), "row {} is {} but was created", report.index, kind(other)),
        }
    }
    kinds
}

#[tokio::test]
async fn a_clean_run_creates_every_row_once_within_the_limit() -> TestResult {
    let window = Duration::from_millis(200);
    let sandbox = sandbox(5, window).start().await?;
    // Client and sandbox share this test's one thread, so a call can reach the sandbox's
    // limiter late; the limiter frees a slot a window after the answer, which comes after the
    // arrival however late, so the default margin holds.
    let client = sandbox
        .client_builder()
        .rate_limit_for(RateLimitClass::Standard, 5, window)
        .build()?;
    let count = 400; // 16 calls: a bit more than three windows
    let options = BulkOptions::default().concurrency(4);
    let mut job = client
        .add_opportunities_in_bulk_all(SearchBy::EmailAddress, (0..count).map(row))
        .options(options);
    let progress = job.progress();
    let mut reports = Vec::new();
    while let Some(report) = job.next().await {
        reports.push(report);
    }
    let kinds = check_invariants(&sandbox, count, &reports);
    let unknown_leads = (0..count).filter(|i| i % 17 == 16).count();
    assert_eq!(kinds.get("refused"), Some(&unknown_leads));
    assert_eq!(kinds.get("applied"), Some(&(count - unknown_leads)));
    let refused = reports.iter().find_map(|r| match &r.outcome {
        RowOutcome::Refused { exception_type, .. } => Some(exception_type.clone()),
        _ => None,
    });
    assert_eq!(refused, Some(Some(ExceptionType::InvalidLead)));
    assert!(sandbox.max_admitted_in_window(window) <= 5);
    assert!(
        sandbox.requests().iter().all(|r| r.status == Some(200)),
        "no call was refused for its rate"
    );
    let snapshot = progress.snapshot();
    assert_eq!(
        (snapshot.rows_done, snapshot.requests, snapshot.throttled),
        (count as u64, 16, 0)
    );
    assert_eq!(snapshot.applied + snapshot.refused, count as u64);
    Ok(())
}

#[tokio::test]
async fn faults_of_every_kind_keep_one_outcome_per_row_and_never_duplicate() -> TestResult {
    let window = Duration::from_millis(100);
    let sandbox = sandbox(10, window).start().await?;
    let client = client(&sandbox, 10, window)?;
    // In the order the calls will meet them (concurrency 1 makes the order deterministic).
    sandbox.inject(Fault::Status(429), 2); // call 1 twice: retried
    sandbox.inject(Fault::DropAfterProcessing, 1); // call 1 again: created, answer lost -> unknown
    sandbox.inject(
        Fault::Exception {
            status: 500,
            exception_type: "MXInvalidInputException".into(),
            message: "bad".into(),
        },
        1,
    ); // call 2: a 500 may or may not have been processed, exception or not -> unknown
    sandbox.inject(Fault::Status(500), 1); // call 3: 5xx without an exception -> unknown, not created
    sandbox.inject(Fault::DropBeforeProcessing, 1); // call 4: unknown, not created
    sandbox.inject(
        Fault::Exception {
            status: 200,
            exception_type: "MXAPIRateLimitExceededException".into(),
            message: "slow".into(),
        },
        1,
    ); // call 5: retried
    sandbox.inject(Fault::MalformedBody, 1); // call 5 again: created, unreadable -> unknown
    let count = 200; // 8 calls
    let options = BulkOptions::default()
        .concurrency(1)
        .backoff(Duration::from_millis(5), Duration::from_millis(50));
    let reports = run(&client, count, &options).await;
    let kinds = check_invariants(&sandbox, count, &reports);
    let by_index = |index: usize| kind(&reports.iter().find(|r| r.index == index).expect("reported").outcome);
    assert_eq!(
        [
            by_index(0),
            by_index(25),
            by_index(50),
            by_index(75),
            by_index(100),
            by_index(125)
        ],
        ["unknown", "unknown", "unknown", "unknown", "unknown", "applied"]
    );
    assert_eq!(kinds.get("unknown"), Some(&125));
    // Created: the rows with a known lead of calls 1 and 5 (processed, answers lost), and the
    // applied rows of calls 6 to 8.
    let known_lead = |i: &usize| i % 17 != 16;
    let lost_answers = (0..25).chain(100..125).filter(known_lead).count();
    let succeeded = kinds.get("applied").copied().unwrap_or(0);
    assert_eq!(succeeded, (125..200).filter(known_lead).count());
    assert_eq!(sandbox.opportunities().len(), lost_answers + succeeded);
    let sent = sandbox.requests().len();
    assert_eq!(
        sent,
        8 + 3,
        "three resends (two 429s, one rate-limit exception), nothing else"
    );
    Ok(())
}

#[tokio::test]
async fn a_401_stops_the_job_and_the_rest_is_not_attempted() -> TestResult {
    let sandbox = sandbox(100, Duration::from_millis(100)).start().await?;
    let client = client(&sandbox, 100, Duration::from_millis(100))?;
    let ok = run(&client, 50, &BulkOptions::default().concurrency(1)).await;
    assert_eq!(check_invariants(&sandbox, 50, &ok).get("not_applied"), None);

    let wrong = sandbox
        .client_builder()
        .credentials(leadsquared::Credentials::new("a", "b"))
        .build()?;
    let count = 500;
    let reports = run(&wrong, count, &BulkOptions::default().concurrency(2)).await;
    let mut seen = vec![0; count];
    for report in &reports {
        seen[report.index] += 1;
    }
    assert!(seen.iter().all(|&times| times == 1));
    let failed = reports
        .iter()
        .filter(|r| matches!(r.outcome, RowOutcome::NotApplied(_)))
        .count();
    let not_attempted = reports
        .iter()
        .filter(|r| matches!(r.outcome, RowOutcome::NotAttempted))
        .count();
    assert_eq!(failed + not_attempted, count);
    assert!(
        failed <= 2 * 25,
        "at most the calls already in flight are refused: {failed}"
    );
    assert!(
        sandbox.requests().len() <= 2 + 2,
        "the job stopped sending: {}",
        sandbox.requests().len()
    );
    Ok(())
}

#[tokio::test]
async fn ambiguous_failures_are_retried_only_when_asked() -> TestResult {
    let sandbox = sandbox(100, Duration::from_millis(100)).start().await?;
    let client = client(&sandbox, 100, Duration::from_millis(100))?;
    sandbox.inject(Fault::Status(502), 1);
    let reports = run(&client, 25, &BulkOptions::default()).await;
    assert!(reports.iter().all(|r| matches!(r.outcome, RowOutcome::Unknown(_))));
    assert_eq!(
        sandbox.requests().len(),
        1,
        "not resent by default: the endpoint is not idempotent"
    );

    sandbox.inject(Fault::Status(502), 1);
    let options = BulkOptions::default()
        .retry_ambiguous(true)
        .backoff(Duration::from_millis(5), Duration::from_millis(5));
    let reports = run(&client, 25, &options).await;
    assert!(
        reports
            .iter()
            .all(|r| r.outcome.is_applied() || matches!(r.outcome, RowOutcome::Refused { .. }))
    );
    assert_eq!(sandbox.requests().len(), 3, "resent once when asked");
    Ok(())
}

#[tokio::test]
async fn an_answer_that_does_not_account_for_each_row_leaves_every_row_of_the_call_unknown() -> TestResult {
    let sandbox = sandbox(100, Duration::from_millis(100)).start().await?;
    let client = client(&sandbox, 100, Duration::from_millis(100))?;
    let body = serde_json::json!({ "Response": [
        { "RowNumber": 1, "OpportunityCreated": true, "ProspectOpportunityId": "x" },
        { "RowNumber": 1, "OpportunityCreated": true, "ProspectOpportunityId": "y" },
        { "RowNumber": 3, "OpportunityCreated": false },
        { "RowNumber": 9, "OpportunityCreated": true }
    ]});
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: body.to_string(),
        },
        1,
    );
    let reports = run(&client, 4, &BulkOptions::default()).await;
    let mut kinds: Vec<_> = reports.iter().map(|r| (r.index, kind(&r.outcome))).collect();
    kinds.sort();
    // Row 3's result looks fine, but an answer that repeats row 1 and names a row 9 may be
    // numbered differently from what was sent: no result is tied to a row.
    assert_eq!(kinds, [(0, "unknown"), (1, "unknown"), (2, "unknown"), (3, "unknown")]);
    let RowOutcome::Unknown(error) = &reports[0].outcome else {
        unreachable!()
    };
    assert!(error.to_string().contains("two results name row 1"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() -> TestResult {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let client = Client::builder()
        .base_url(format!("http://{addr}/v2"))
        .credentials(leadsquared::Credentials::new(
            leadsquared_sandbox::DEFAULT_ACCESS_KEY,
            leadsquared_sandbox::DEFAULT_SECRET_KEY,
        ))
        .rate_limit_for(RateLimitClass::Standard, 100, Duration::from_millis(100))
        .build()?;
    let starter = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        sandbox(100, Duration::from_millis(100)).addr(addr).start().await
    });
    let options = BulkOptions::default()
        .backoff(Duration::from_millis(40), Duration::from_millis(200))
        .max_attempts(20);
    let reports = run(&client, 30, &options).await;
    let sandbox = starter.await??;
    let kinds = check_invariants(&sandbox, 30, &reports);
    assert_eq!(
        kinds.get("applied").copied().unwrap_or(0) + kinds.get("refused").copied().unwrap_or(0),
        30
    );
    Ok(())
}

#[tokio::test]
async fn a_server_limit_lower_than_the_clients_costs_retries_not_rows() -> TestResult {
    let window = Duration::from_millis(150);
    let sandbox = sandbox(3, window).start().await?;
    let client = client(&sandbox, 6, window)?;
    let count = 300; // 12 calls
    let reports = run(&client, count, &BulkOptions::default().concurrency(6)).await;
    let kinds = check_invariants(&sandbox, count, &reports);
    assert_eq!(
        kinds.get("applied").copied().unwrap_or(0) + kinds.get("refused").copied().unwrap_or(0),
        count
    );
    assert!(sandbox.max_admitted_in_window(window) <= 3);
    assert!(
        sandbox.requests().iter().any(|r| r.status == Some(429)),
        "the client believed a higher limit"
    );
    Ok(())
}
