//! The sandbox (`leadsquared_sandbox`) end to end: the generated client, raw HTTP requests sent
//! the way curl sends them, and the standalone `leadsquared-sandbox` binary, all on loopback.
//!
//! What the sandbox does is read back from it (`Sandbox::requests`, `Sandbox::opportunities`), so
//! each test checks both sides: what the caller got, and what the server did. That is what the
//! wiremock tests in `client.rs` cannot tell, e.g. whether a call that timed out was processed.
//! Rate limits are scaled down (3 calls per 300 ms) to keep the file fast; Add Opportunities in
//! Bulk is in the `standard` rate-limit class, whose limit the tests set where they need to.

#[path = "../../generated-client/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{ACCESS_KEY, PLACEMENTS, RawReply, SECRET_KEY, add, raw_http, raw_send, row, rows};
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
use leadsquared::{AuthPlacement, Client, Credentials, Error, ExceptionType, Processed, endpoints};
use leadsquared_sandbox::{
    DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Fault, Lead, SCHEMA, Sandbox, SandboxBuilder, SandboxError,
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const ENDPOINT: &str = "add_opportunities_in_bulk";
/// The `SearchByValue`s of the API page's request example.
const EXAMPLE_PHONES: [&str; 2] = ["+91-2543456794", "+91-2543456791"];
/// The standalone sandbox, built by cargo for the integration tests.
const BIN: &str = env!("CARGO_BIN_EXE_leadsquared-sandbox");

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The API page's request example, as JSON text.
fn request_example() -> &'static str {
    SCHEMA
        .endpoint_named(ENDPOINT)
        .and_then(|schema| schema.request_example)
        .expect("the spec has a request example")
}

/// The API page's response example.
fn response_example() -> Value {
    let text = SCHEMA
        .endpoint_named(ENDPOINT)
        .and_then(|schema| schema.response_example)
        .expect("the spec has a response example");
    serde_json::from_str(text).expect("the response example is JSON")
}

/// The leads the request example refers to, by phone.
fn example_leads() -> Vec<Lead> {
    EXAMPLE_PHONES
        .iter()
        .map(|phone| Lead::new().with_phone(*phone))
        .collect()
}

/// The lead `common::row(n)` refers to: `lead{n}@example.com`.
fn email_lead(n: usize) -> Lead {
    Lead::new().with_email(format!("lead{n}@example.com"))
}

/// A sandbox builder holding the leads of `common::rows(count)`.
fn with_leads(count: usize) -> SandboxBuilder {
    Sandbox::builder().leads((1..=count).map(email_lead))
}

async fn start(builder: SandboxBuilder) -> Sandbox {
    builder.start().await.expect("the sandbox starts")
}

/// The URL of Add Opportunities in Bulk below `base_url`, with `query`.
fn url(base_url: &str, query: &[(&str, &str)]) -> reqwest::Url {
    let url = format!("{base_url}{}", endpoints::ADD_OPPORTUNITIES_IN_BULK.path);
    reqwest::Url::parse_with_params(&url, query).expect("a valid URL")
}

/// `SearchBy=<search_by>` and the default keys, all in the query, as curl users often send them.
fn query_with_keys(search_by: &str) -> [(&str, &str); 3] {
    [
        ("SearchBy", search_by),
        ("accessKey", DEFAULT_ACCESS_KEY),
        ("secretKey", DEFAULT_SECRET_KEY),
    ]
}

/// A raw POST to Add Opportunities in Bulk with the default keys in the documented headers;
/// no content type, no body yet.
fn keyed_post(sandbox: &Sandbox, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
    raw_http()
        .post(url(sandbox.base_url(), query))
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
}

/// [`keyed_post`] with a JSON body.
fn json_post(sandbox: &Sandbox, query: &[(&str, &str)], body: impl Into<String>) -> reqwest::RequestBuilder {
    keyed_post(sandbox, query)
        .header("content-type", "application/json")
        .body(body.into())
}

/// The top-level keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Checks that `reply` is the LeadSquared error envelope with `status` and, when given, the
/// `ExceptionType`; returns the message.
fn assert_envelope(what: &str, reply: &RawReply, status: u16, exception: Option<&str>) -> String {
    assert_eq!(reply.status, status, "{what}: {}", reply.text);
    assert_eq!(reply.str("Status"), Some("Error"), "{what}: {}", reply.text);
    assert_eq!(reply.str("ExceptionType"), exception, "{what}: {}", reply.text);
    let message = reply.str("ExceptionMessage").unwrap_or_default();
    assert!(!message.is_empty(), "{what}: no ExceptionMessage in {}", reply.text);
    message.to_string()
}

/// Checks that the sandbox received calls but acted on none of them.
fn assert_nothing_processed(sandbox: &Sandbox) {
    let requests = sandbox.requests();
    assert!(!requests.is_empty(), "the calls reached the sandbox");
    for request in &requests {
        assert!(!request.processed, "processed: {request:?}");
    }
    let opportunities = sandbox.opportunities();
    assert!(opportunities.is_empty(), "created: {opportunities:?}");
}

/// The `SearchByValue` of each stored opportunity, in creation order.
fn stored_search_values(sandbox: &Sandbox) -> Vec<String> {
    sandbox
        .opportunities()
        .iter()
        .map(|opportunity| {
            opportunity.row["SearchByValue"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// A child process killed (and reaped) when dropped, so a failing assertion leaks no process.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A file removed when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A temporary file holding `contents`, with a name no other test run uses.
fn temp_file(name: &str, contents: &str) -> std::io::Result<RemoveOnDrop> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    let path = std::env::temp_dir().join(format!(
        "leadsquared-sandbox-test-{name}-{}-{nanos}.json",
        std::process::id()
    ));
    std::fs::write(&path, contents)?;
    Ok(RemoveOnDrop(path))
}

// ---------------------------------------------------------------------------------------------
// The documented example
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_documented_request_example_is_accepted_and_stored_exactly_as_documented() -> TestResult {
    let sandbox = start(Sandbox::builder().leads(example_leads()).keep_bodies(true)).await;
    let client = sandbox.client()?;
    let rows: Vec<OpportunityByLeadField> = serde_json::from_str(request_example())?;

    let answer = client
        .add_opportunities_in_bulk(SearchBy::Phone, rows.as_slice())
        .await?;

    let results: Vec<_> = answer
        .iter()
        .map(|row| (row.row_number, row.opportunity_created))
        .collect();
    assert_eq!(results, [(Some(1), Some(true)), (Some(2), Some(true))]);
    let ids: Vec<&str> = answer
        .iter()
        .map(|row| row.prospect_opportunity_id.as_deref().expect("a created row has an id"))
        .collect();
    assert_ne!(ids[0], ids[1], "each opportunity has its own id");

    // What the client put on the wire is the documentation's example, row for row.
    let example: Value = serde_json::from_str(request_example())?;
    let requests = sandbox.requests();
    let [request] = &requests[..] else {
        panic!("one call expected: {requests:?}")
    };
    assert_eq!(request.body.as_ref(), Some(&example));
    assert_eq!(request.query, [("SearchBy".to_string(), "Phone".to_string())]);
    assert!(request.processed && request.status == Some(200), "{request:?}");

    let leads = sandbox.leads();
    let opportunities = sandbox.opportunities();
    assert_eq!(opportunities.len(), 2);
    for (index, opportunity) in opportunities.iter().enumerate() {
        assert_eq!(opportunity.row, example[index], "row {}", index + 1);
        assert_eq!(opportunity.id, ids[index]);
        assert_eq!(opportunity.row_number, index + 1);
        assert_eq!(opportunity.event_code, 12114);
        assert_eq!(opportunity.request_seq, request.seq);
        let lead = leads
            .iter()
            .find(|lead| lead.field("Phone") == Some(EXAMPLE_PHONES[index]))
            .expect("the lead was seeded");
        assert_eq!(Some(opportunity.lead_id.as_str()), lead.id());
    }
    assert_eq!(opportunities[0].field("mx_Custom_1"), Some("XYZ"));

    // Each row of the answer has exactly the keys of the documented response example.
    let documented = response_example();
    let answered = serde_json::to_value(&answer)?;
    for index in 0..2 {
        assert_eq!(
            keys(&answered[index]),
            keys(&documented["Response"][index]),
            "row {}",
            index + 1
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_documented_example_sent_raw_with_keys_in_the_query_is_accepted() -> TestResult {
    let sandbox = start(Sandbox::builder().leads(example_leads())).await;

    let reply = raw_send(
        raw_http()
            .post(url(sandbox.base_url(), &query_with_keys("Phone")))
            .header("content-type", "application/json")
            .body(request_example()),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let documented = response_example();
    let answered = reply.body["Response"].as_array().expect("a Response list");
    assert_eq!(answered.len(), 2, "{}", reply.text);
    for (index, row) in answered.iter().enumerate() {
        assert_eq!(keys(row), keys(&documented["Response"][index]), "row {}", index + 1);
        assert_eq!(row["RowNumber"], json!(index + 1));
        assert_eq!(row["OpportunityCreated"], json!(true));
    }
    let ids: Vec<&str> = answered
        .iter()
        .map(|row| row["ProspectOpportunityId"].as_str().expect("an id"))
        .collect();
    assert_ne!(ids[0], ids[1]);

    let example: Value = serde_json::from_str(request_example())?;
    let stored: Vec<Value> = sandbox.opportunities().into_iter().map(|o| o.row).collect();
    assert_eq!(Value::Array(stored), example);
    let logged = &sandbox.requests()[0].query;
    let redacted = "<redacted>".to_string();
    assert_eq!(
        logged,
        &[
            ("SearchBy".to_string(), "Phone".to_string()),
            ("accessKey".to_string(), redacted.clone()),
            ("secretKey".to_string(), redacted),
        ]
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The standalone binary
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_standalone_binary_serves_the_example_to_leads_from_a_file() -> TestResult {
    let leads = json!([
        { "EmailAddress": "a@example.com", "Phone": EXAMPLE_PHONES[0] },
        { "Phone": EXAMPLE_PHONES[1] },
    ]);
    let file = temp_file("leads", &leads.to_string())?;
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["--addr", "127.0.0.1:0", "--leads"])
            .arg(&file.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let mut stdout = BufReader::new(child.0.stdout.take().expect("stdout is piped"));
    let mut first_line = String::new();
    stdout.read_line(&mut first_line)?;
    let base_url = first_line.trim();
    assert!(
        base_url.starts_with("http://127.0.0.1:") && base_url.ends_with("/v2"),
        "the first line is the base URL: {first_line:?}"
    );

    let reply = raw_send(
        raw_http()
            .post(url(base_url, &query_with_keys("Phone")))
            .header("content-type", "application/json")
            .body(request_example()),
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.text);
    let created: Vec<&Value> = reply.body["Response"]
        .as_array()
        .expect("a Response list")
        .iter()
        .map(|row| &row["OpportunityCreated"])
        .collect();
    assert_eq!(created, [&json!(true), &json!(true)], "{}", reply.text);
    Ok(())
}

#[test]
fn the_standalone_binary_prints_help_and_refuses_bad_options() -> TestResult {
    let help = Command::new(BIN).arg("--help").output()?;
    assert_eq!(help.status.code(), Some(0));
    let usage = String::from_utf8_lossy(&help.stdout);
    assert!(usage.contains("Usage: leadsquared-sandbox"), "{usage}");

    let unknown = Command::new(BIN).args(["--port", "8080"]).output()?;
    assert_eq!(unknown.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("unknown option `--port`"), "{stderr}");

    let not_a_list = temp_file("not-a-list", r#"{"Phone":"+91-1"}"#)?;
    let bad_leads = Command::new(BIN).arg("--leads").arg(&not_a_list.0).output()?;
    assert_eq!(bad_leads.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad_leads.stderr);
    assert!(stderr.contains("--leads") && stderr.contains("not valid"), "{stderr}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Item limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_client_refuses_0_and_26_rows_before_sending_and_25_are_all_created() -> TestResult {
    let sandbox = start(with_leads(25)).await;
    let client = sandbox.client()?;

    for count in [0, 26] {
        let error = add(&client, &rows(count)).await.expect_err("outside 1..=25");
        let Error::ItemCount {
            endpoint,
            count: got,
            limit,
        } = &error
        else {
            panic!("{error:?}")
        };
        assert_eq!((*endpoint, *got, limit.min, limit.max), (ENDPOINT, count, 1, Some(25)));
        assert_eq!(error.processed(), Processed::Never);
    }
    let too_many = add(&client, &rows(26)).await.expect_err("26 rows").to_string();
    assert_eq!(
        too_many,
        "add_opportunities_in_bulk takes 1 to 25 items per call but was given 26; \
         split the rows into calls of at most 25 (nothing was sent)"
    );
    assert!(sandbox.requests().is_empty(), "nothing reached the sandbox");

    let answer = add(&client, &rows(25)).await?;
    assert_eq!(answer.len(), 25);
    assert!(answer.iter().all(|row| row.opportunity_created == Some(true)));
    assert_eq!(sandbox.requests().len(), 1);
    assert_eq!(sandbox.opportunities().len(), 25);
    Ok(())
}

#[tokio::test]
async fn the_sandbox_refuses_26_and_0_rows_sent_raw() -> TestResult {
    let sandbox = start(with_leads(26)).await;
    let by_email = [("SearchBy", "EmailAddress")];

    let reply = raw_send(json_post(&sandbox, &by_email, serde_json::to_string(&rows(26))?)).await;
    let message = assert_envelope("26 rows", &reply, 400, Some("MXInvalidInputException"));
    assert!(message.contains("at most 25"), "{message}");

    let reply = raw_send(json_post(&sandbox, &by_email, "[]")).await;
    let message = assert_envelope("0 rows", &reply, 400, Some("MXInvalidInputException"));
    assert!(message.contains("at least 1"), "{message}");

    assert_eq!(sandbox.requests().len(), 2);
    assert_nothing_processed(&sandbox);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_secret_key_is_unauthorized_in_either_placement() -> TestResult {
    let sandbox = start(with_leads(1)).await;

    for placement in PLACEMENTS {
        let client = sandbox
            .client_builder()
            .credentials(Credentials::new(DEFAULT_ACCESS_KEY, "not-the-secret-key"))
            .auth_placement(placement)
            .build()?;
        let error = add(&client, &rows(1)).await.expect_err("a wrong key");
        assert!(matches!(error, Error::Unauthorized(_)), "{placement:?}: {error:?}");
        assert_eq!(error.status(), Some(401), "{placement:?}");
        assert_eq!(error.processed(), Processed::Never, "{placement:?}");
        let message = error
            .api_error()
            .and_then(|api| api.message.clone())
            .unwrap_or_default();
        assert!(!message.is_empty(), "{placement:?}: {error:?}");
    }
    assert_eq!(sandbox.requests().len(), 2);
    assert_nothing_processed(&sandbox);
    assert!(sandbox.requests().iter().all(|r| r.status == Some(401) && !r.admitted));

    // The right keys get through in either placement, so the refusals above were the keys'.
    for placement in PLACEMENTS {
        let client = sandbox.client_builder().auth_placement(placement).build()?;
        add(&client, &rows(1)).await?;
    }
    assert_eq!(sandbox.opportunities().len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_call_without_keys_gets_401_with_an_error_envelope() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let body = serde_json::to_string(&rows(1))?;
    let by_email = [("SearchBy", "EmailAddress")];

    let no_keys = raw_http()
        .post(url(sandbox.base_url(), &by_email))
        .header("content-type", "application/json")
        .body(body.clone());
    let reply = raw_send(no_keys).await;
    // The 401 body is not documented: Status and ExceptionMessage, but no invented ExceptionType.
    assert_envelope("no keys", &reply, 401, None);

    let access_key_only = raw_http()
        .post(url(sandbox.base_url(), &by_email))
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("content-type", "application/json")
        .body(body);
    let reply = raw_send(access_key_only).await;
    assert_envelope("the access key only", &reply, 401, None);

    assert_eq!(sandbox.requests().len(), 2);
    assert_nothing_processed(&sandbox);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rows: leads, event codes, mandatory fields, unique fields
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_lead_fails_only_its_own_row() -> TestResult {
    let sandbox = start(Sandbox::builder().leads([email_lead(1), email_lead(3)])).await;
    let client = sandbox.client()?;

    let answer = add(&client, &rows(3)).await?;

    let [first, second, third] = &answer[..] else {
        panic!("three results expected: {answer:?}")
    };
    for (row, number) in [(first, 1), (third, 3)] {
        assert_eq!(row.row_number, Some(number));
        assert_eq!(row.opportunity_created, Some(true));
        assert!(row.prospect_opportunity_id.is_some(), "{row:?}");
    }
    assert_eq!(second.row_number, Some(2));
    assert_eq!(second.opportunity_created, Some(false));
    assert_eq!(second.exception_type, Some(ExceptionType::InvalidLead));
    let message = second.exception_message.as_deref().unwrap_or_default();
    assert!(message.contains("lead2@example.com"), "{message}");
    assert_eq!(second.prospect_opportunity_id, None);

    let opportunities = sandbox.opportunities();
    let numbers: Vec<usize> = opportunities.iter().map(|o| o.row_number).collect();
    assert_eq!(numbers, [1, 3]);
    assert_eq!(
        Some(opportunities[1].id.as_str()),
        third.prospect_opportunity_id.as_deref()
    );
    Ok(())
}

#[tokio::test]
async fn an_event_code_of_zero_fails_its_row_with_invalid_activity() -> TestResult {
    let sandbox = start(with_leads(2)).await;
    let client = sandbox.client()?;
    let zero = OpportunityByLeadField::new("lead2@example.com", 0)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", "Deal 2")]);

    let answer = add(&client, &[row(1), zero]).await?;

    assert_eq!(answer[0].opportunity_created, Some(true));
    assert_eq!(answer[1].opportunity_created, Some(false));
    assert_eq!(answer[1].exception_type, Some(ExceptionType::InvalidActivity));
    assert_eq!(stored_search_values(&sandbox), ["lead1@example.com"]);
    Ok(())
}

#[tokio::test]
async fn a_row_without_a_mandatory_field_is_not_created_unless_none_are_required() -> TestResult {
    let missing = OpportunityByLeadField::new("lead1@example.com", 12114)
        .with_fields(vec![OpportunityField::new("Status", "Open")]);
    let blank = OpportunityByLeadField::new("lead1@example.com", 12114)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", "  ")]);
    let batch = [missing, blank];

    // By default `mx_Custom_1` is mandatory.
    let sandbox = start(with_leads(1)).await;
    let answer = add(&sandbox.client()?, &batch).await?;
    for result in &answer {
        assert_eq!(result.opportunity_created, Some(false), "{result:?}");
        assert_eq!(result.exception_type, Some(ExceptionType::InvalidActivityFields));
        let message = result.exception_message.as_deref().unwrap_or_default();
        assert!(message.contains("mx_Custom_1"), "{message}");
    }
    assert!(sandbox.opportunities().is_empty());

    // No mandatory fields: both rows are created.
    let sandbox = start(with_leads(1).mandatory_fields(Vec::<String>::new())).await;
    let answer = add(&sandbox.client()?, &batch).await?;
    assert!(answer.iter().all(|r| r.opportunity_created == Some(true)), "{answer:?}");
    assert_eq!(sandbox.opportunities().len(), 2);

    // The list replaces the default: `Status` instead of `mx_Custom_1`.
    let sandbox = start(with_leads(1).mandatory_fields(["Status"])).await;
    let answer = add(&sandbox.client()?, &[batch[0].clone(), row(1)]).await?;
    assert_eq!(answer[0].opportunity_created, Some(true));
    assert_eq!(answer[1].opportunity_created, Some(false));
    let message = answer[1].exception_message.as_deref().unwrap_or_default();
    assert!(message.contains("Status"), "{message}");
    Ok(())
}

#[tokio::test]
async fn a_custom_unique_field_finds_its_lead() -> TestResult {
    let sandbox = start(
        Sandbox::builder()
            .unique_field("mx_Customer_Code")
            .lead(
                Lead::new()
                    .with_email("ana@example.com")
                    .with_field("mx_Customer_Code", "C-17"),
            )
            .lead(
                Lead::new()
                    .with_email("bob@example.com")
                    .with_field("mx_Customer_Code", "C-18"),
            ),
    )
    .await;
    let client = sandbox.client()?;
    let by_code =
        OpportunityByLeadField::new("C-18", 12114).with_fields(vec![OpportunityField::new("mx_Custom_1", "Renewal")]);

    let answer = client
        .add_opportunities_in_bulk(SearchBy::Other("mx_Customer_Code".into()), [by_code])
        .await?;

    assert_eq!(answer[0].opportunity_created, Some(true), "{answer:?}");
    let bob = sandbox
        .leads()
        .into_iter()
        .find(|lead| lead.field("EmailAddress") == Some("bob@example.com"))
        .expect("seeded");
    assert_eq!(Some(sandbox.opportunities()[0].lead_id.as_str()), bob.id());
    assert_eq!(
        sandbox.requests()[0].query,
        [("SearchBy".to_string(), "mx_Customer_Code".to_string())]
    );
    Ok(())
}

#[tokio::test]
async fn a_search_by_field_that_is_not_unique_is_a_500_invalid_input() -> TestResult {
    let sandbox = start(with_leads(1).lead(Lead::new().with_field("mx_City", "Pune"))).await;
    let client = sandbox.client()?;

    for field in ["mx_Unknown_Field", "mx_City"] {
        let error = client
            .add_opportunities_in_bulk(SearchBy::Other(field.into()), rows(1))
            .await
            .expect_err("not a unique field");
        assert!(matches!(error, Error::ServerError(_)), "{field}: {error:?}");
        assert_eq!(error.status(), Some(500));
        assert_eq!(error.exception_type(), Some(&ExceptionType::InvalidInput));
        let message = error.api_error().and_then(|api| api.message.as_deref());
        assert_eq!(message, Some("Invalid SearchBy value provided"));
    }
    assert_nothing_processed(&sandbox);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_rate_limit_refuses_the_call_past_it_and_admits_calls_after_the_window() -> TestResult {
    let window = Duration::from_millis(300);
    let sandbox = start(with_leads(1).class_rate_limit("standard", 3, window)).await;
    let client = sandbox.client()?;

    for call in 1..=3 {
        add(&client, &rows(1))
            .await
            .unwrap_or_else(|error| panic!("call {call} is within the limit: {error}"));
    }
    let error = add(&client, &rows(1)).await.expect_err("the 4th call in the window");

    assert!(error.is_rate_limit(), "{error:?}");
    assert!(matches!(error, Error::RateLimited(_)), "{error:?}");
    assert_eq!(error.status(), Some(429));
    assert_eq!(error.exception_type(), Some(&ExceptionType::RateLimitExceeded));
    assert_eq!(
        error.api_error().and_then(|api| api.message.as_deref()),
        Some("API calls exceeded the limit of 3 in 0.3 second(s)")
    );
    assert_eq!(error.processed(), Processed::Never);
    assert_eq!(sandbox.max_admitted_in_window(window), 3);
    let refused = &sandbox.requests()[3];
    assert!(!refused.admitted && !refused.processed, "{refused:?}");
    assert_eq!(sandbox.opportunities().len(), 3);

    tokio::time::sleep(window + Duration::from_millis(50)).await;
    add(&client, &rows(1)).await?;
    assert!(sandbox.max_admitted_in_window(window) <= 3);
    assert_eq!(sandbox.opportunities().len(), 4);
    Ok(())
}

/// A call of the bulk class: one new lead through Create Leads in Bulk.
async fn bulk_call(client: &leadsquared::Client) -> Result<(), Error> {
    let lead = leadsquared::leads::LeadAttributes::new().email_address("new@example.com");
    client.create_leads_in_bulk([lead]).await.map(drop)
}

/// Each rate-limit class is counted in windows of its own: past the bulk figure a bulk call is
/// refused while calls of the standard class still pass, and a plan gives both their figures.
#[tokio::test]
async fn a_bulk_endpoint_is_refused_at_the_bulk_figure_while_standard_calls_pass() -> TestResult {
    let window = Duration::from_millis(300);
    // The documented defaults: no plan, 25 calls per 5 s, and 1 per 5 s for the bulk class.
    let sandbox = start(Sandbox::builder().lead(email_lead(1))).await;
    let client = sandbox.client()?;
    bulk_call(&client).await?;
    let refused = bulk_call(&client)
        .await
        .expect_err("the bulk class allows 1 call per 5 s");
    assert!(matches!(refused, Error::RateLimited(_)), "{refused:?}");
    assert_eq!(
        refused.api_error().and_then(|api| api.message.as_deref()),
        Some("API calls exceeded the limit of 1 in 5 second(s)")
    );
    for _ in 0..5 {
        client.get_lead_by_email("lead1@example.com").await?;
    }
    assert_eq!(sandbox.max_admitted_in_class_window("bulk", Duration::from_secs(5)), 1);
    assert_eq!(
        sandbox.max_admitted_in_class_window("standard", Duration::from_secs(5)),
        5
    );
    assert_eq!(
        sandbox.max_admitted_in_window(Duration::from_secs(5)),
        6,
        "both classes"
    );

    // Scaled down: the bulk class at 1 call and the standard one at 3 per window.
    let sandbox = start(
        Sandbox::builder()
            .lead(email_lead(1))
            .rate_limit(3, window)
            .class_rate_limit("BULK", 1, window),
    )
    .await;
    let client = sandbox.client()?;
    bulk_call(&client).await?;
    assert!(bulk_call(&client).await.is_err_and(|error| error.is_rate_limit()));
    for _ in 0..3 {
        client.get_lead_by_email("lead1@example.com").await?;
    }
    let fourth = client
        .get_lead_by_email("lead1@example.com")
        .await
        .expect_err("3 per window");
    assert!(fourth.is_rate_limit(), "{fourth:?}");
    tokio::time::sleep(window + Duration::from_millis(50)).await;
    bulk_call(&client).await?;

    // A plan's figures, in any case: Lite allows 2 standard calls and 1 bulk call per 5 s.
    let sandbox = start(Sandbox::builder().lead(email_lead(1)).plan("lite")).await;
    let client = sandbox.client()?;
    bulk_call(&client).await?;
    client.get_lead_by_email("lead1@example.com").await?;
    client.get_lead_by_email("lead1@example.com").await?;
    let third = client
        .get_lead_by_email("lead1@example.com")
        .await
        .expect_err("Lite: 2 per 5 s");
    assert_eq!(
        third.api_error().and_then(|api| api.message.as_deref()),
        Some("API calls exceeded the limit of 2 in 5 second(s)")
    );
    // Changed while running: every class to another plan's figures, or one class alone.
    sandbox.set_plan(Some("Enterprise"))?;
    client.get_lead_by_email("lead1@example.com").await?;
    sandbox.set_class_rate_limit("bulk", None)?;
    bulk_call(&client).await?;
    Ok(())
}

#[tokio::test]
async fn unknown_plans_and_classes_are_refused_with_the_names_there_are() -> TestResult {
    let plan = Sandbox::builder()
        .plan("Platinum")
        .start()
        .await
        .expect_err("no such plan");
    assert!(matches!(plan, SandboxError::UnknownPlan { .. }), "{plan:?}");
    assert_eq!(
        plan.to_string(),
        "no plan is named `Platinum`; the plans are Lite, Pro, Super, Basic, Standard, Enterprise"
    );
    let class = Sandbox::builder()
        .class_rate_limit("bluk", 1, Duration::from_secs(1))
        .start()
        .await
        .expect_err("no such class");
    assert_eq!(
        class.to_string(),
        "no rate-limit class is named `bluk`; the classes are standard, bulk"
    );
    let sandbox = start(Sandbox::builder()).await;
    assert!(sandbox.set_plan(Some("gold")).is_err());
    assert!(sandbox.set_class_rate_limit("gold", None).is_err());
    assert_eq!(sandbox.max_admitted_in_class_window("gold", Duration::from_secs(5)), 0);
    Ok(())
}

#[tokio::test]
async fn a_rate_limit_exception_under_200_is_rate_limited() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    let message = "API calls exceeded the limit of 20 in 5 second(s)";
    sandbox.inject(
        Fault::Exception {
            status: 200,
            exception_type: "MXAPIRateLimitExceededException".into(),
            message: message.into(),
        },
        1,
    );
    sandbox.inject(Fault::Status(429), 1);

    let under_200 = add(&client, &rows(1)).await.expect_err("rate limited");
    let under_429 = add(&client, &rows(1)).await.expect_err("rate limited");

    for (error, status) in [(&under_200, 200), (&under_429, 429)] {
        assert!(matches!(error, Error::RateLimited(_)), "{error:?}");
        assert!(error.is_rate_limit());
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.exception_type(), Some(&ExceptionType::RateLimitExceeded));
        assert_eq!(error.processed(), Processed::Never);
    }
    assert_eq!(
        under_200.api_error().and_then(|api| api.message.as_deref()),
        Some(message)
    );
    assert_nothing_processed(&sandbox);
    add(&client, &rows(1)).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Validation, independent of the client's serde types
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn requests_that_break_the_wire_schema_get_400_and_are_not_processed() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let by_email = [("SearchBy", "EmailAddress")];
    let field = json!([{ "SchemaName": "mx_Custom_1", "Value": "Deal 1" }]);
    let valid = json!([{ "SearchByValue": "lead1@example.com", "OpportunityEventCode": 12114, "Fields": field }]);
    let body = |row: Value| json!([row]).to_string();
    const INVALID: &str = "MXInvalidInputException";
    const MISSING: &str = "MXMandatoryAttributeMissingException";

    let cases: Vec<(&str, reqwest::RequestBuilder, &str, &str)> = vec![
        (
            "an attribute in the wrong case",
            json_post(
                &sandbox,
                &by_email,
                body(json!({ "searchByValue": "lead1@example.com", "OpportunityEventCode": 12114, "Fields": field })),
            ),
            INVALID,
            "did you mean `SearchByValue`",
        ),
        (
            "a number sent as a string",
            json_post(
                &sandbox,
                &by_email,
                body(json!({ "SearchByValue": "lead1@example.com", "OpportunityEventCode": "12114", "Fields": field })),
            ),
            INVALID,
            "OpportunityEventCode",
        ),
        (
            "a required attribute missing",
            json_post(
                &sandbox,
                &by_email,
                body(json!({ "OpportunityEventCode": 12114, "Fields": field })),
            ),
            MISSING,
            "SearchByValue",
        ),
        (
            "a text/plain body",
            keyed_post(&sandbox, &by_email)
                .header("content-type", "text/plain")
                .body(valid.to_string()),
            INVALID,
            "application/json",
        ),
        (
            "malformed JSON",
            json_post(&sandbox, &by_email, r#"[{"SearchByValue":"lead1@example.com","#),
            INVALID,
            "not valid JSON",
        ),
        (
            "an object instead of an array",
            json_post(&sandbox, &by_email, valid[0].to_string()),
            INVALID,
            "array",
        ),
        (
            "a query parameter in the wrong case",
            json_post(&sandbox, &[("searchBy", "EmailAddress")], valid.to_string()),
            INVALID,
            "did you mean `SearchBy`",
        ),
        (
            "SearchBy missing",
            json_post(&sandbox, &[], valid.to_string()),
            MISSING,
            "SearchBy",
        ),
    ];
    let count = cases.len();
    for (what, request, exception, hint) in cases {
        let reply = raw_send(request).await;
        let message = assert_envelope(what, &reply, 400, Some(exception));
        assert!(message.contains(hint), "{what}: {message}");
    }
    assert_eq!(sandbox.requests().len(), count);
    assert_nothing_processed(&sandbox);

    // The same request without the defect is accepted, so each 400 above was the defect's.
    let reply = raw_send(json_post(&sandbox, &by_email, valid.to_string())).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(sandbox.opportunities().len(), 1);
    Ok(())
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_404() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let origin = format!("http://{}", sandbox.addr());
    let keyed = |request: reqwest::RequestBuilder| {
        request
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
    };
    let json_body = |request: reqwest::RequestBuilder| {
        keyed(request)
            .header("content-type", "application/json")
            .body(serde_json::to_string(&rows(1)).unwrap_or_default())
    };

    let reply = raw_send(json_body(raw_http().post(format!("{origin}/v2/Nope")))).await;
    let message = assert_envelope("an unknown path", &reply, 404, None);
    assert!(message.contains("/v2/Nope"), "{message}");

    let get = keyed(raw_http().get(url(sandbox.base_url(), &[("SearchBy", "EmailAddress")])));
    let reply = raw_send(get).await;
    let message = assert_envelope("GET on the POST path", &reply, 404, None);
    assert!(message.contains("POST"), "{message}");

    let lower = format!("{origin}/v2/opportunitymanagement.svc/Bulk/Add/ByLeadField?SearchBy=EmailAddress");
    let reply = raw_send(json_body(raw_http().post(lower))).await;
    let message = assert_envelope("a path in the wrong case", &reply, 404, None);
    assert!(message.contains("/v2/OpportunityManagement.svc"), "{message}");

    // The client, aimed at the origin without `/v2`.
    let client = Client::builder()
        .base_url(origin)
        .credentials(sandbox.credentials())
        .build()?;
    let error = add(&client, &rows(1)).await.expect_err("no API there");
    assert!(matches!(error, Error::NotFound(_)), "{error:?}");
    assert_eq!(error.status(), Some(404));
    assert_eq!(error.processed(), Processed::Never);

    assert_eq!(sandbox.requests().len(), 4);
    assert!(sandbox.requests().iter().all(|r| r.status == Some(404)));
    assert_nothing_processed(&sandbox);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Faults: what the client gets, and what the sandbox did
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fault_status_500_fails_calls_without_processing_them() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(Fault::Status(500), 2);

    for call in 1..=2 {
        let error = add(&client, &rows(1)).await.expect_err("a forced 500");
        assert!(matches!(error, Error::ServerError(_)), "call {call}: {error:?}");
        assert_eq!(error.status(), Some(500));
        assert_eq!(error.exception_type(), None, "the ambiguous kind of 500");
        assert_eq!(error.processed(), Processed::Unknown);
    }
    assert!(sandbox.opportunities().is_empty());
    let answer = add(&client, &rows(1)).await?;
    assert_eq!(answer[0].opportunity_created, Some(true));

    let requests = sandbox.requests();
    let logged: Vec<_> = requests
        .iter()
        .map(|r| (r.status, r.processed, r.fault.clone()))
        .collect();
    assert_eq!(
        logged,
        [
            (Some(500), false, Some(Fault::Status(500))),
            (Some(500), false, Some(Fault::Status(500))),
            (Some(200), true, None),
        ]
    );
    let opportunities = sandbox.opportunities();
    assert_eq!(opportunities.len(), 1);
    assert_eq!(opportunities[0].request_seq, requests[2].seq);
    Ok(())
}

#[tokio::test]
async fn fault_drop_before_processing_is_a_transport_error_and_creates_nothing() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(Fault::DropBeforeProcessing, 1);

    let error = add(&client, &rows(1)).await.expect_err("the connection is dropped");

    assert!(
        matches!(error, Error::Transport { endpoint: ENDPOINT, .. }),
        "{error:?}"
    );
    assert_eq!(error.processed(), Processed::Unknown);
    assert_eq!(error.status(), None);
    let requests = sandbox.requests();
    assert!(
        requests[0].dropped && !requests[0].processed && requests[0].status.is_none(),
        "{:?}",
        requests[0]
    );
    assert!(sandbox.opportunities().is_empty());

    // The sandbox still serves the next call.
    add(&client, &rows(1)).await?;
    assert_eq!(sandbox.opportunities().len(), 1);
    Ok(())
}

#[tokio::test]
async fn fault_drop_after_processing_is_a_transport_error_but_the_opportunity_exists() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(Fault::DropAfterProcessing, 1);

    let error = add(&client, &rows(1)).await.expect_err("the connection is dropped");

    // The ambiguous case: the caller cannot tell, but the sandbox did create it.
    assert!(
        matches!(error, Error::Transport { endpoint: ENDPOINT, .. }),
        "{error:?}"
    );
    assert_eq!(error.processed(), Processed::Unknown);
    let requests = sandbox.requests();
    assert!(
        requests[0].dropped && requests[0].processed && requests[0].status.is_none(),
        "{:?}",
        requests[0]
    );
    assert_eq!(stored_search_values(&sandbox), ["lead1@example.com"]);
    Ok(())
}

#[tokio::test]
async fn fault_malformed_body_is_a_decode_error_but_the_opportunity_exists() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(Fault::MalformedBody, 1);

    let error = add(&client, &rows(1)).await.expect_err("not JSON");

    let Error::Decode {
        endpoint,
        status,
        snippet,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((*endpoint, *status), (ENDPOINT, 200));
    assert!(snippet.starts_with(r#"{"Response":[{"#), "{snippet}");
    assert!(snippet.contains("truncated by a sandbox fault"), "{snippet}");
    assert_eq!(error.processed(), Processed::Always);
    assert!(
        matches!(&error, Error::Decode { message, .. } if message.starts_with("EOF while parsing")),
        "the JSON decoder's complaint is kept as a message: {error:?}"
    );
    let requests = sandbox.requests();
    assert!(
        requests[0].processed && requests[0].status == Some(200),
        "{:?}",
        requests[0]
    );
    assert_eq!(sandbox.opportunities().len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_non_json_success_body_is_a_decode_error_with_a_snippet() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(
        Fault::Response {
            status: 200,
            body: "<html>maintenance</html>".into(),
        },
        1,
    );

    let error = add(&client, &rows(1)).await.expect_err("not JSON");

    let Error::Decode {
        endpoint,
        status,
        snippet,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*endpoint, *status, snippet.as_str()),
        (ENDPOINT, 200, "<html>maintenance</html>")
    );
    // The client assumes a 200 was processed, as it usually is; this answer was not (a proxy
    // page, say), which only the server side can tell.
    assert_eq!(error.processed(), Processed::Always);
    assert!(
        matches!(&error, Error::Decode { message, .. } if message.starts_with("expected value")),
        "{error:?}"
    );
    assert_nothing_processed(&sandbox);
    Ok(())
}

#[tokio::test]
async fn fault_delay_past_the_client_timeout_is_a_timeout_but_the_opportunity_exists() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client_builder().timeout(Duration::from_millis(200)).build()?;
    sandbox.inject(Fault::Delay(Duration::from_secs(5)), 1);

    let error = add(&client, &rows(1)).await.expect_err("times out");

    assert!(matches!(error, Error::Timeout { endpoint: ENDPOINT, .. }), "{error:?}");
    assert_eq!(error.processed(), Processed::Unknown);
    let requests = sandbox.requests();
    assert!(requests[0].processed, "{:?}", requests[0]);
    assert_eq!(requests[0].fault, Some(Fault::Delay(Duration::from_secs(5))));
    assert_eq!(sandbox.opportunities().len(), 1);
    Ok(())
}

#[tokio::test]
async fn fault_status_after_processing_is_a_server_error_but_the_opportunity_exists() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(Fault::StatusAfterProcessing(500), 1);

    let error = add(&client, &rows(1)).await.expect_err("a forced 500");

    assert!(matches!(error, Error::ServerError(_)), "{error:?}");
    assert_eq!(error.status(), Some(500));
    assert_eq!(error.exception_type(), None);
    assert_eq!(error.processed(), Processed::Unknown);
    let requests = sandbox.requests();
    assert!(
        requests[0].processed && requests[0].status == Some(500),
        "{:?}",
        requests[0]
    );
    assert_eq!(sandbox.opportunities().len(), 1);
    Ok(())
}

#[tokio::test]
async fn fault_html_500_is_a_server_error_with_a_snippet() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;
    sandbox.inject(
        Fault::Response {
            status: 500,
            body: "<html>oops</html>".into(),
        },
        1,
    );

    let error = add(&client, &rows(1)).await.expect_err("a 500 page");

    let Error::ServerError(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((api.status, &api.exception_type, &api.message), (500, &None, &None));
    assert_eq!(api.snippet.as_deref(), Some("<html>oops</html>"));
    assert_eq!(error.processed(), Processed::Unknown);
    assert_nothing_processed(&sandbox);
    Ok(())
}

#[tokio::test]
async fn faults_wait_for_an_authenticated_admitted_call_and_can_be_cleared() -> TestResult {
    let sandbox = start(with_leads(1).class_rate_limit("standard", 1, Duration::from_secs(60))).await;
    let client = sandbox.client()?;
    add(&client, &rows(1)).await?;
    sandbox.inject(Fault::Status(500), 1);

    let wrong_key = sandbox
        .client_builder()
        .credentials(Credentials::new(DEFAULT_ACCESS_KEY, "wrong"))
        .build()?;
    let error = add(&wrong_key, &rows(1)).await.expect_err("wrong key");
    assert_eq!(error.status(), Some(401), "the fault waits: {error:?}");
    let error = add(&client, &rows(1)).await.expect_err("over the limit");
    assert_eq!(error.status(), Some(429), "the fault waits: {error:?}");

    sandbox.set_class_rate_limit("standard", None)?;
    let error = add(&client, &rows(1)).await.expect_err("the fault applies now");
    assert_eq!(error.status(), Some(500), "{error:?}");
    let faults: Vec<_> = sandbox.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults, [None, None, None, Some(Fault::Status(500))]);

    sandbox.inject(Fault::Status(500), 3);
    sandbox.clear_faults();
    add(&client, &rows(1)).await?;
    assert_eq!(sandbox.opportunities().len(), 2);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Concurrency and shutdown
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_the_client_and_concurrent_calls_each_create_their_row() -> TestResult {
    let sandbox = start(with_leads(4)).await;
    let client = sandbox.client()?;

    let tasks: Vec<_> = (1..=4)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { add(&client, &[row(n)]).await })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        let answer = task.await??;
        assert_eq!(answer.len(), 1);
        ids.insert(answer[0].prospect_opportunity_id.clone().expect("created"));
    }

    assert_eq!(ids.len(), 4, "distinct ids: {ids:?}");
    let stored: BTreeSet<String> = sandbox.opportunities().into_iter().map(|o| o.id).collect();
    assert_eq!(stored, ids);
    let mut values = stored_search_values(&sandbox);
    values.sort();
    assert_eq!(
        values,
        (1..=4).map(|n| format!("lead{n}@example.com")).collect::<Vec<_>>()
    );
    assert_eq!(sandbox.requests().len(), 4);
    assert!(sandbox.requests().iter().all(|r| r.processed));
    Ok(())
}

#[tokio::test]
async fn a_shut_down_sandbox_refuses_connections() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    add(&sandbox.client()?, &rows(1)).await?;
    let client = sandbox.client()?;

    sandbox.shutdown().await;

    let error = add(&client, &rows(1)).await.expect_err("nothing listens");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    assert_eq!(error.processed(), Processed::Never);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Secrets
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_log_and_debug_output_hold_no_keys() -> TestResult {
    const WRONG_KEY: &str = "SK-WRONG-0000";
    let builder = with_leads(1).credentials(ACCESS_KEY, SECRET_KEY);
    let builder_debug = format!("{builder:?} {builder:#?}");
    let sandbox = start(builder).await;

    // Keys in the query, keys in headers, a wrong key in the query, and a key where none belongs.
    let query_client = sandbox.client_builder().auth_placement(AuthPlacement::Query).build()?;
    add(&query_client, &rows(1)).await?;
    add(&sandbox.client()?, &rows(1)).await?;
    let wrong = sandbox
        .client_builder()
        .credentials(Credentials::new(ACCESS_KEY, WRONG_KEY))
        .auth_placement(AuthPlacement::Query)
        .build()?;
    add(&wrong, &rows(1)).await.expect_err("a wrong key");
    let misplaced = raw_http()
        .post(url(sandbox.base_url(), &[("SearchBy", SECRET_KEY)]))
        .header("x-LSQ-AccessKey", ACCESS_KEY)
        .header("x-LSQ-SecretKey", SECRET_KEY)
        .header("content-type", "application/json")
        .body(serde_json::to_string(&rows(1))?);
    raw_send(misplaced).await;

    let requests = sandbox.requests();
    assert_eq!(requests.len(), 4);
    assert!(
        requests[0].processed && requests[1].processed,
        "the right keys were sent"
    );
    let pair = |name: &str, value: &str| (name.to_string(), value.to_string());
    let redacted_keys = [pair("accessKey", "<redacted>"), pair("secretKey", "<redacted>")];
    assert_eq!(requests[0].query[0], pair("SearchBy", "EmailAddress"));
    assert_eq!(requests[0].query[1..], redacted_keys);
    assert_eq!(requests[1].query, [pair("SearchBy", "EmailAddress")]);
    assert_eq!(requests[2].query[1..], redacted_keys);
    assert_eq!(requests[3].query, [pair("SearchBy", "<redacted>")]);

    for (what, text) in [
        ("SandboxBuilder", builder_debug),
        ("Sandbox", format!("{sandbox:?} {sandbox:#?}")),
        ("RecordedRequest", format!("{requests:?} {requests:#?}")),
        ("Credentials", format!("{:?}", sandbox.credentials())),
    ] {
        for key in [ACCESS_KEY, SECRET_KEY, WRONG_KEY] {
            assert!(!text.contains(key), "the Debug of {what} leaks {key}:\n{text}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Leads
// ---------------------------------------------------------------------------------------------

#[test]
fn lead_lists_take_the_documented_format_and_refuse_others() -> TestResult {
    let leads = Lead::list_from_json(
        r#"[{"EmailAddress":"a@example.com","Phone":"+91-2543456794"},
            {"ProspectID":"lead-2","Mobile":9876543210,"mx_City":null}]"#,
    )?;
    assert_eq!(leads.len(), 2);
    assert_eq!(leads[0].field("EmailAddress"), Some("a@example.com"));
    assert_eq!(leads[0].field("Phone"), Some("+91-2543456794"));
    assert_eq!(leads[0].id(), None);
    assert_eq!(leads[1].id(), Some("lead-2"));
    assert_eq!(
        leads[1].field("Mobile"),
        Some("9876543210"),
        "numbers are taken as text"
    );
    assert_eq!(leads[1].field("mx_City"), None, "null is absent");

    for bad in [
        r#"{"EmailAddress":"a@example.com"}"#,
        r#"[{"EmailAddress":{"Value":"a@example.com"}}]"#,
        r#"[{"Tags":["a"]}]"#,
        r#"["a@example.com"]"#,
        "not JSON",
    ] {
        let error = Lead::list_from_json(bad).expect_err(bad);
        assert!(matches!(error, SandboxError::InvalidLeads(_)), "{bad}: {error:?}");
    }
    Ok(())
}

#[tokio::test]
async fn duplicate_unique_values_are_refused() -> TestResult {
    let error = Sandbox::builder()
        .lead(Lead::new().with_email("ana@example.com").with_phone("+91-1"))
        .lead(Lead::new().with_email("bob@example.com").with_phone("+91-1"))
        .start()
        .await
        .expect_err("two leads with one phone");
    let SandboxError::DuplicateLead { field, value } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((field.as_str(), value.as_str()), ("Phone", "+91-1"));

    let error = Sandbox::builder()
        .lead(Lead::new().with_email("Ana@Example.com"))
        .lead(Lead::new().with_email("ana@example.com"))
        .start()
        .await
        .expect_err("emails differing only in case");
    assert!(matches!(error, SandboxError::DuplicateLead { .. }), "{error:?}");

    let sandbox = start(with_leads(1)).await;
    let error = sandbox.add_lead(email_lead(1)).expect_err("already there");
    assert!(matches!(error, SandboxError::DuplicateLead { .. }), "{error:?}");
    assert_eq!(sandbox.leads().len(), 1);
    Ok(())
}

#[tokio::test]
async fn email_lookups_ignore_case() -> TestResult {
    let sandbox = start(Sandbox::builder().lead(Lead::new().with_email("Ana@Example.com"))).await;
    let row = OpportunityByLeadField::new("aNA@example.COM", 12114)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", "Deal")]);

    let answer = add(&sandbox.client()?, &[row]).await?;

    assert_eq!(answer[0].opportunity_created, Some(true), "{answer:?}");
    let lead_id = sandbox.leads()[0].id().map(str::to_string);
    assert_eq!(Some(sandbox.opportunities()[0].lead_id.clone()), lead_id);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Edge cases: non-ASCII answers cut by a fault, slow bodies, empty windows, a missing base path
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fault_malformed_body_cuts_a_non_ascii_answer_without_panicking() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let client = sandbox.client()?;

    // One of two lengths differing by one character puts the cut inside a two-byte `é`.
    for extra in [0, 1] {
        let unknown = OpportunityByLeadField::new(format!("{}@example.com", "é".repeat(40 + extra)), 12114)
            .with_fields(vec![OpportunityField::new("mx_Custom_1", "Deal")]);
        sandbox.inject(Fault::MalformedBody, 1);
        let error = add(&client, &[row(1), unknown]).await.expect_err("a malformed body");
        assert!(
            matches!(error, Error::Decode { status: 200, .. }),
            "{} é: {error:?}",
            40 + extra
        );
    }
    assert_eq!(sandbox.opportunities().len(), 2);
    for request in sandbox.requests() {
        assert!(request.processed && request.status == Some(200), "{request:?}");
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_admitted_in_window_copes_with_a_slow_body() -> TestResult {
    let sandbox = start(with_leads(2)).await;
    let body = serde_json::to_string(&rows(1))?;
    let (first_half, second_half) = body.split_at(body.len() / 2);
    let target = url(sandbox.base_url(), &[("SearchBy", "EmailAddress")]);
    let head = format!(
        "POST {}?{} HTTP/1.1\r\nHost: {}\r\nx-LSQ-AccessKey: {DEFAULT_ACCESS_KEY}\r\n\
         x-LSQ-SecretKey: {DEFAULT_SECRET_KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{first_half}",
        target.path(),
        target.query().unwrap_or_default(),
        sandbox.addr(),
        body.len()
    );
    let second_half = second_half.to_string();
    let mut stream = std::net::TcpStream::connect(sandbox.addr())?;
    stream.write_all(head.as_bytes())?;
    let (resume, resumed) = std::sync::mpsc::channel::<()>();
    let slow = std::thread::spawn(move || -> std::io::Result<String> {
        let _ = resumed.recv();
        stream.write_all(second_half.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    });

    // Let the sandbox take the slow call's headers (its arrival), then send a whole call.
    tokio::time::sleep(Duration::from_millis(100)).await;
    add(&sandbox.client()?, &[row(2)]).await?;
    resume.send(())?;
    let answer = tokio::task::spawn_blocking(move || slow.join())
        .await?
        .map_err(|_| "the slow call's thread panicked")??;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let requests = sandbox.requests();
    assert!(requests.iter().all(|r| r.admitted), "{requests:?}");
    // The log is in arrival order, and the limiter counts a call when its headers arrive (as a
    // gateway would), not when its body is complete.
    assert!(requests.windows(2).all(|pair| pair[0].at <= pair[1].at), "{requests:?}");
    assert!(requests[0].admitted_at < requests[1].admitted_at, "{requests:?}");
    assert_eq!(sandbox.max_admitted_in_window(Duration::from_secs(5)), 2);
    Ok(())
}

#[tokio::test]
async fn max_admitted_in_window_of_zero_is_zero() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    add(&sandbox.client()?, &rows(1)).await?;

    assert_eq!(sandbox.max_admitted_in_window(Duration::ZERO), 0);
    assert_eq!(sandbox.max_admitted_in_window(Duration::from_secs(5)), 1);
    Ok(())
}

#[tokio::test]
async fn a_path_without_the_base_gets_a_404_that_names_the_base() -> TestResult {
    let sandbox = start(with_leads(1)).await;
    let path = endpoints::ADD_OPPORTUNITIES_IN_BULK.path;
    let request = raw_http()
        .post(format!("http://{}{path}?SearchBy=EmailAddress", sandbox.addr()))
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
        .header("content-type", "application/json")
        .body(serde_json::to_string(&rows(1))?);

    let reply = raw_send(request).await;

    let message = assert_envelope("no base", &reply, 404, None);
    assert!(!message.contains("not POST"), "{message}");
    assert!(message.contains(&format!("/v2{path}")), "{message}");
    Ok(())
}

#[tokio::test]
async fn the_state_is_readable_over_http_and_a_lean_sandbox_keeps_counts_only() -> TestResult {
    for lean in [false, true] {
        let sandbox = start(with_leads(2).lean(lean)).await;
        add(&sandbox.client()?, &rows(2)).await?;
        let base = format!("http://{}/_sandbox", sandbox.addr());
        let get = |what: &str| {
            raw_http()
                .get(format!("{base}/{what}"))
                .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
                .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
        };
        let opportunities = raw_send(get("opportunities")).await;
        assert_eq!(opportunities.status, 200, "{}", opportunities.text);
        let list = opportunities.body.as_array().expect("a list").clone();
        if lean {
            assert!(list.is_empty(), "a lean sandbox keeps no opportunities: {list:?}");
            assert!(sandbox.opportunities().is_empty());
        } else {
            assert_eq!(list.len(), 2);
            assert_eq!(list[0]["Row"]["SearchByValue"], "lead1@example.com");
            assert_eq!(sandbox.opportunities().len(), 2);
        }
        let summary = raw_send(get("summary")).await;
        assert_eq!(summary.body["Opportunities"], 2, "{}", summary.text);
        assert_eq!(summary.body["Processed"], 1, "{}", summary.text);
        assert_eq!(sandbox.summary().opportunities, 2);
        let requests = raw_send(get("requests")).await;
        assert_eq!(requests.body[0]["Rows"], 2);
        assert_eq!(requests.body[0]["Status"], 200);
        assert!(sandbox.requests()[0].body.is_none(), "bodies are kept only when asked");
        assert_eq!(raw_send(raw_http().get(format!("{base}/requests"))).await.status, 401);
        assert_eq!(raw_send(get("nothing")).await.status, 404);
    }
    Ok(())
}
