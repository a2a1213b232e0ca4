//! Rate-limit classes against the sandbox, which counts each class in windows of its own: a bulk
//! job keeps to its endpoint's class while calls of another class go on beside it, single calls
//! wait for their class's limiter only when asked, and an escape-hatch call can name its class.
//! Add Opportunities in Bulk is in the standard class, Create Leads in Bulk in the bulk class. Windows are scaled down (a few calls per 300 ms) so the file stays fast; the limits
//! are set alike on both sides, as a plan would set them.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use leadsquared::bulk::BulkOptions;
use leadsquared::endpoints::Method;
use leadsquared::leads::LeadAttributes;
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
use leadsquared::{Client, RateLimitClass};
use leadsquared_sandbox::{Lead, Sandbox, SandboxBuilder};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const WINDOW: Duration = Duration::from_millis(300);
const LEADS: usize = 10;

/// A sandbox with `LEADS` leads, the standard class at `standard` calls and the bulk class at
/// `bulk` calls per window.
fn sandbox(standard: u32, bulk: u32) -> SandboxBuilder {
    Sandbox::builder()
        .leads((1..=LEADS).map(|n| Lead::new().with_email(format!("lead{n}@example.com"))))
        .rate_limit(standard, WINDOW)
        .class_rate_limit("bulk", bulk, WINDOW)
}

/// A client of `sandbox` with the same limits.
fn client(sandbox: &Sandbox, standard: u32, bulk: u32) -> Result<Client, leadsquared::Error> {
    sandbox
        .client_builder()
        .rate_limit(standard, WINDOW)
        .rate_limit_for(RateLimitClass::Bulk, bulk, WINDOW)
        .timeout(Duration::from_secs(10))
        .build()
}

fn refusals(sandbox: &Sandbox) -> usize {
    sandbox.requests().iter().filter(|r| r.status == Some(429)).count()
}

/// A lookup of the standard class, by lead.
async fn lookup(client: &Client, n: usize) -> Result<(), leadsquared::Error> {
    client.get_lead_by_email(format!("lead{n}@example.com")).await.map(drop)
}

/// A call of the bulk class: one new lead through Create Leads in Bulk.
async fn create_leads(client: &Client, n: usize) -> Result<(), leadsquared::Error> {
    let lead = LeadAttributes::new().email_address(format!("new{n}@example.com"));
    client.create_leads_in_bulk([lead]).await.map(drop)
}

#[tokio::test]
async fn a_bulk_job_keeps_its_class_figure_while_calls_of_another_class_go_on_beside_it() -> TestResult {
    let sandbox = sandbox(2, 10).start().await?;
    let client = client(&sandbox, 2, 10)?;
    assert_eq!(
        RateLimitClass::of(&leadsquared::endpoints::ADD_OPPORTUNITIES_IN_BULK),
        Some(RateLimitClass::Standard)
    );
    assert_eq!(
        RateLimitClass::of(&leadsquared::endpoints::CREATE_LEADS_IN_BULK),
        Some(RateLimitClass::Bulk)
    );
    let count = 200; // 8 calls of 25 rows: at 2 per window, at least 4 windows
    let rows = (0..count).map(|i| {
        OpportunityByLeadField::new(format!("lead{}@example.com", i % LEADS + 1), 12114)
            .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("row-{i}"))])
    });
    let started = Instant::now();
    let job = client
        .add_opportunities_in_bulk_all(SearchBy::EmailAddress, rows)
        .options(BulkOptions::default().concurrency(8));
    let job = tokio::spawn(futures_util::StreamExt::collect::<Vec<_>>(job));
    // Bulk-class calls from a clone that waits, all through the job: none is held back by it.
    let waiting = client.wait_for_rate_limit(true);
    for n in 0..12 {
        create_leads(&waiting, n).await?;
    }
    let lookups_done = started.elapsed();
    let reports = job.await?;
    let elapsed = started.elapsed();

    assert_eq!(reports.len(), count);
    assert!(reports.iter().all(|report| report.outcome.kind().as_str() == "applied"));
    assert_eq!(refusals(&sandbox), 0, "neither class was refused");
    assert!(sandbox.max_admitted_in_class_window("standard", WINDOW) <= 2);
    assert!(sandbox.max_admitted_in_class_window("bulk", WINDOW) <= 10);
    // 8 job calls at 2 per window take at least 3 full windows; the 12 bulk-class calls at 10 per
    // window only one, while the job is still running.
    assert!(elapsed >= WINDOW * 3, "{elapsed:?}");
    assert!(lookups_done < elapsed, "{lookups_done:?} of {elapsed:?}");
    Ok(())
}

#[tokio::test]
async fn single_calls_wait_for_their_class_only_when_asked() -> TestResult {
    let sandbox = sandbox(3, 1).start().await?;
    // Not waiting (the default): a burst past the limit is refused, and the caller is told.
    let client = client(&sandbox, 3, 1)?;
    let burst = futures_util::future::join_all((1..=6).map(|n| lookup(&client, n))).await;
    let refused = burst
        .iter()
        .filter(|result| result.as_ref().is_err_and(|e| e.is_rate_limit()))
        .count();
    assert!(refused >= 3, "{burst:?}");
    assert_eq!(refused, refusals(&sandbox));

    // Waiting, for every call of a client: the same burst passes, at the class's pace.
    tokio::time::sleep(WINDOW * 2).await;
    let before = sandbox.requests().len();
    let waiting = sandbox
        .client_builder()
        .rate_limit(3, WINDOW)
        .wait_for_rate_limit(true)
        .build()?;
    let started = Instant::now();
    let burst = futures_util::future::join_all((1..=6).map(|n| lookup(&waiting, n))).await;
    assert!(burst.iter().all(Result::is_ok), "{burst:?}");
    assert!(started.elapsed() >= WINDOW, "the 4th call waited for a slot");
    assert_eq!(sandbox.requests().len() - before, 6, "nothing refused, nothing resent");
    assert!(sandbox.max_admitted_in_class_window("standard", WINDOW) <= 3);

    // And for some calls only: the waiting clone shares the limiter, the plain client does not
    // wait on it. A bulk-class call waits on the bulk class, which the lookups did not touch.
    create_leads(&client.wait_for_rate_limit(true), 1).await?;
    Ok(())
}

#[tokio::test]
async fn an_escape_hatch_call_waits_on_the_class_it_names() -> TestResult {
    let sandbox = sandbox(10, 1).start().await?;
    let client = client(&sandbox, 10, 1)?.wait_for_rate_limit(true);
    let path = leadsquared::endpoints::CREATE_LEADS_IN_BULK.path;
    let body = serde_json::json!([[{ "Attribute": "EmailAddress", "Value": "new@example.com" }]]);
    let call = |class: Option<RateLimitClass>| {
        let call = client.call(Method::Post, path).body(body.clone());
        match class {
            Some(class) => call.rate_limit_class(class),
            None => call,
        }
    };
    // Named: the second call waits a window for the bulk class's one slot.
    let started = Instant::now();
    call(Some(RateLimitClass::Bulk)).await?;
    call(Some(RateLimitClass::Bulk)).await?;
    assert!(started.elapsed() >= WINDOW);
    assert_eq!(refusals(&sandbox), 0);
    // Not named: the standard class's limiter lets it go, and the sandbox refuses it.
    let error = call(None).await.expect_err("the bulk class's slot is taken");
    assert!(error.is_rate_limit(), "{error:?}");
    Ok(())
}
