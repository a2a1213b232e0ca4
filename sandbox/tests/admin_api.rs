//! The sandbox's own HTTP API (`/_sandbox/...`), sent raw as curl would, and the standalone
//! binary's flags for the same things: faults, leads, settings, reset, the state, and the
//! per-call log line on stderr. Everything on loopback.

#[path = "../../generated-client/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{RawReply, add, raw_http, raw_send, rows};
use leadsquared::{Error, ExceptionType, Processed};
use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Fault, Lead, Sandbox, SandboxBuilder};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The standalone sandbox, built by cargo for the integration tests.
const BIN: &str = env!("CARGO_BIN_EXE_leadsquared-sandbox");

/// The leads `common::row(n)` refers to, for `n` in `1..=count`.
fn with_leads(count: usize) -> SandboxBuilder {
    Sandbox::builder().leads((1..=count).map(|n| Lead::new().with_email(format!("lead{n}@example.com"))))
}

/// The sandbox's own API at `origin` (`http://127.0.0.1:PORT`), with the default keys.
struct Admin {
    origin: String,
}

impl Admin {
    fn of(sandbox: &Sandbox) -> Self {
        Admin {
            origin: format!("http://{}", sandbox.addr()),
        }
    }

    fn request(&self, method: reqwest::Method, what: &str) -> reqwest::RequestBuilder {
        raw_http()
            .request(method, format!("{}/_sandbox/{what}", self.origin))
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
    }

    async fn get(&self, what: &str) -> RawReply {
        raw_send(self.request(reqwest::Method::GET, what)).await
    }

    /// A POST the way `curl -d` sends it: no JSON content type.
    async fn post(&self, what: &str, body: &Value) -> RawReply {
        raw_send(self.request(reqwest::Method::POST, what).body(body.to_string())).await
    }

    async fn delete(&self, what: &str) -> RawReply {
        raw_send(self.request(reqwest::Method::DELETE, what)).await
    }
}

fn message(reply: &RawReply) -> &str {
    reply.str("ExceptionMessage").unwrap_or_default()
}

/// A child process killed (and reaped) when dropped, so a failing assertion leaks no process.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the standalone sandbox with `args` and returns it with its base URL and stderr.
fn standalone(
    args: &[&str],
) -> Result<(KillOnDrop, String, BufReader<std::process::ChildStderr>), Box<dyn std::error::Error>> {
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?,
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().ok_or("stdout is piped")?).read_line(&mut line)?;
    let stderr = BufReader::new(child.0.stderr.take().ok_or("stderr is piped")?);
    Ok((child, line.trim().to_string(), stderr))
}

#[tokio::test]
async fn faults_posted_over_http_apply_like_injected_ones() -> TestResult {
    let sandbox = with_leads(2).start().await?;
    let admin = Admin::of(&sandbox);
    let client = sandbox.client()?;

    let posted = admin
        .post(
            "faults",
            &json!([
                { "Fault": "Status", "Status": 500 },
                { "Fault": "DropAfterProcessing", "Times": 1 },
                { "Fault": "Exception", "Status": 200, "ExceptionType": "MXAPIRateLimitExceededException",
                  "ExceptionMessage": "API calls exceeded the limit of 25 in 5 second(s)" },
            ]),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(posted.body.as_array().map(Vec::len), Some(3), "{}", posted.text);
    assert_eq!(admin.get("summary").await.body["PendingFaults"], 3);

    let unprocessed = add(&client, &rows(1)).await.expect_err("a forced 500");
    assert!(matches!(unprocessed, Error::ServerError(_)), "{unprocessed:?}");
    assert_eq!(unprocessed.status(), Some(500));
    let dropped = add(&client, &rows(1)).await.expect_err("a dropped connection");
    assert_eq!(dropped.processed(), Processed::Unknown, "{dropped:?}");
    let refused = add(&client, &rows(1)).await.expect_err("a refusal under 200");
    assert!(refused.is_rate_limit(), "{refused:?}");
    add(&client, &rows(1)).await?;

    let processed: Vec<bool> = sandbox.requests().iter().map(|r| r.processed).collect();
    assert_eq!(processed, [false, true, false, true]);
    let faults: Vec<Option<Fault>> = sandbox.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults[0], Some(Fault::Status(500)));
    assert_eq!(faults[1], Some(Fault::DropAfterProcessing));
    assert_eq!(admin.get("faults").await.body, json!([]));

    // The log over HTTP names each call's fault in the same JSON.
    let log = admin.get("requests?since=1&limit=1").await;
    assert_eq!(log.body.as_array().map(Vec::len), Some(1), "{}", log.text);
    assert_eq!(log.body[0]["Seq"], 1);
    assert_eq!(log.body[0]["Fault"]["Fault"], "DropAfterProcessing");
    Ok(())
}

#[tokio::test]
async fn bad_faults_are_refused_whole_and_say_what_to_write() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let admin = Admin::of(&sandbox);
    let cases = [
        (json!({ "Fault": "Status" }), "fault 0: `Status` must be an HTTP status"),
        (
            json!([{ "Fault": "MalformedBody" }, { "Fault": "Explode" }]),
            "fault 1: unknown fault `Explode`",
        ),
        (
            json!({ "Fault": "Delay", "Millis": 10, "Status": 5 }),
            "unknown attribute `Status`",
        ),
    ];
    for (body, expected) in cases {
        let reply = admin.post("faults", &body).await;
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert!(message(&reply).contains(expected), "{body}: {}", reply.text);
    }
    let not_json = raw_send(admin.request(reqwest::Method::POST, "faults").body("{")).await;
    assert_eq!(not_json.status, 400);
    assert!(message(&not_json).contains("not valid JSON"), "{}", not_json.text);
    assert_eq!(
        sandbox.summary().pending_faults,
        0,
        "nothing injected from a refused list"
    );

    sandbox.inject(Fault::Status(503), 4);
    assert_eq!(admin.delete("faults").await.status, 200);
    assert_eq!(sandbox.summary().pending_faults, 0);
    add(&sandbox.client()?, &rows(1)).await?;
    Ok(())
}

#[tokio::test]
async fn the_sandbox_api_needs_the_keys_and_names_its_calls() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let admin = Admin::of(&sandbox);
    let origin = &admin.origin;
    for (method, what) in [
        ("GET", "requests"),
        ("POST", "faults"),
        ("POST", "reset"),
        ("POST", "leads"),
    ] {
        let request = raw_http().request(method.parse()?, format!("{origin}/_sandbox/{what}"));
        let reply = raw_send(request.body(r#"{"Fault":"Status","Status":500}"#)).await;
        assert_eq!(reply.status, 401, "{method} {what}: {}", reply.text);
    }
    let wrong = raw_http()
        .post(format!("{origin}/_sandbox/reset"))
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("x-LSQ-SecretKey", "wrong");
    assert_eq!(raw_send(wrong).await.status, 401);
    let in_query = raw_http().get(format!(
        "{origin}/_sandbox/summary?accessKey={DEFAULT_ACCESS_KEY}&secretKey={DEFAULT_SECRET_KEY}"
    ));
    assert_eq!(raw_send(in_query).await.status, 200);
    assert_eq!(sandbox.summary().pending_faults, 0);

    let unknown = admin.get("nothing").await;
    assert_eq!(unknown.status, 404);
    assert!(message(&unknown).contains("GET/POST/DELETE faults"), "{}", unknown.text);
    let wrong_method = admin.delete("leads").await;
    assert_eq!(wrong_method.status, 404);
    assert!(
        message(&wrong_method).contains("GET/POST leads"),
        "{}",
        wrong_method.text
    );
    let bad_window = admin.get("requests?since=-1").await;
    assert_eq!(bad_window.status, 400, "{}", bad_window.text);
    // The sandbox's own calls are not in its request log.
    assert_eq!(sandbox.summary().requests, 0);
    assert!(sandbox.requests().is_empty());
    Ok(())
}

#[tokio::test]
async fn leads_posted_over_http_are_stored_whole_or_not_at_all() -> TestResult {
    let sandbox = Sandbox::builder().start().await?;
    let admin = Admin::of(&sandbox);

    let one = admin
        .post("leads", &json!({ "EmailAddress": "lead1@example.com" }))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.body["Ids"], json!(["00000000-0000-4000-b000-000000000001"]));
    let list = admin
        .post(
            "leads",
            &json!([{ "EmailAddress": "lead2@example.com", "Phone": "+91-2" }, { "ProspectID": "p-3", "Mobile": 98 }]),
        )
        .await;
    assert_eq!(
        list.body["Ids"],
        json!(["00000000-0000-4000-b000-000000000002", "p-3"]),
        "{}",
        list.text
    );
    add(&sandbox.client()?, &rows(2)).await?;
    assert_eq!(sandbox.summary().opportunities, 2);

    let duplicate = admin
        .post(
            "leads",
            &json!([{ "EmailAddress": "lead9@example.com" }, { "EmailAddress": "LEAD1@example.com" }]),
        )
        .await;
    assert_eq!(duplicate.status, 409, "{}", duplicate.text);
    assert!(message(&duplicate).contains("EmailAddress"), "{}", duplicate.text);
    let invalid = admin.post("leads", &json!([{ "EmailAddress": ["a"] }])).await;
    assert_eq!(invalid.status, 400, "{}", invalid.text);

    let stored = admin.get("leads").await;
    let emails: Vec<&str> = stored
        .body
        .as_array()
        .ok_or("a list")?
        .iter()
        .filter_map(|lead| lead["EmailAddress"].as_str())
        .collect();
    assert_eq!(
        emails,
        ["lead1@example.com", "lead2@example.com"],
        "nothing of the refused lists"
    );
    assert_eq!(stored.body[2], json!({ "ProspectID": "p-3", "Mobile": "98" }));
    Ok(())
}

#[tokio::test]
async fn settings_change_over_http_and_refuse_bad_values_whole() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let admin = Admin::of(&sandbox);
    let initial = admin.get("settings").await.body;
    assert_eq!(
        initial,
        json!({
            "LatencyMs": 0, "Plan": null, "RateLimit": "25/5", "RateLimits": { "standard": "25/5", "bulk": "1/5" },
            "RateLimitStatus": 429, "SearchByIgnoreCase": false
        })
    );

    let bad = admin
        .post("settings", &json!({ "LatencyMs": 5, "RateLimitStatus": 500 }))
        .await;
    assert_eq!(bad.status, 400);
    assert!(message(&bad).contains("429 or 200"), "{}", bad.text);
    let unknown = admin.post("settings", &json!({ "Latency": 5 })).await;
    assert!(
        message(&unknown).contains("unknown setting `Latency`"),
        "{}",
        unknown.text
    );
    let class = admin
        .post("settings", &json!({ "LatencyMs": 5, "RateLimits": { "bluk": "1/60" } }))
        .await;
    assert!(
        message(&class).contains("no rate-limit class is named `bluk`; the classes are standard, bulk"),
        "{}",
        class.text
    );
    let plan = admin.post("settings", &json!({ "Plan": "Platinum" })).await;
    assert!(
        message(&plan).contains("the plans are Lite, Pro, Super, Basic, Standard, Enterprise"),
        "{}",
        plan.text
    );
    assert_eq!(admin.get("settings").await.body, initial, "nothing changed");

    // A plan sets every class's figure; the limits given win over it.
    let planned = admin
        .post(
            "settings",
            &json!({ "Plan": "lite", "RateLimits": { "standard": "3/5" } }),
        )
        .await;
    assert_eq!(planned.body["Plan"], "Lite", "{}", planned.text);
    assert_eq!(planned.body["RateLimits"], json!({ "standard": "3/5", "bulk": "1/5" }));
    assert_eq!(planned.body["RateLimit"], "3/5");

    let changed = admin
        .post(
            "settings",
            &json!({ "RateLimits": { "standard": "1/60" }, "RateLimitStatus": 200 }),
        )
        .await;
    assert_eq!(changed.body["RateLimits"]["standard"], "1/60", "{}", changed.text);
    let client = sandbox.client()?;
    add(&client, &rows(1)).await?;
    let refused = add(&client, &rows(1)).await.expect_err("past the new limit");
    assert!(matches!(refused, Error::RateLimited(_)), "{refused:?}");
    assert_eq!(refused.status(), Some(200));
    assert_eq!(
        refused.api_error().and_then(|api| api.message.as_deref()),
        Some("API calls exceeded the limit of 1 in 60 second(s)")
    );
    admin
        .post("settings", &json!({ "RateLimits": { "standard": "off" } }))
        .await;
    add(&client, &rows(1)).await?;
    Ok(())
}

#[tokio::test]
async fn reset_goes_back_to_the_state_right_after_start() -> TestResult {
    let sandbox = with_leads(2)
        .class_rate_limit("standard", 2, Duration::from_secs(60))
        .start()
        .await?;
    let admin = Admin::of(&sandbox);
    let client = sandbox.client()?;
    let first_ids: Vec<Option<String>> = sandbox.leads().iter().map(|l| l.id().map(String::from)).collect();
    add(&client, &rows(2)).await?;
    sandbox.add_lead(Lead::new().with_email("late@example.com"))?;
    admin
        .post("settings", &json!({ "LatencyMs": 1, "RateLimitStatus": 200 }))
        .await;
    admin
        .post("faults", &json!({ "Fault": "Status", "Status": 500, "Times": 5 }))
        .await;
    assert_eq!(sandbox.summary().leads, 3);

    let reset = admin.post("reset", &Value::Null).await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(
        reset.body,
        json!({ "Requests": 0, "LoggedRequests": 0, "Processed": 0, "Opportunities": 0, "Leads": 2, "Activities": 0, "Tasks": 0, "PendingFaults": 0 })
    );
    let ids: Vec<Option<String>> = sandbox.leads().iter().map(|l| l.id().map(String::from)).collect();
    assert_eq!(ids, first_ids, "the same leads with the same ids");
    assert!(sandbox.opportunities().is_empty() && sandbox.requests().is_empty());
    assert_eq!(admin.get("settings").await.body["RateLimitStatus"], 429);
    // The rate-limit window is empty again: two calls fit.
    add(&client, &rows(2)).await?;
    add(&client, &rows(1)).await?;
    let created = sandbox.opportunities();
    assert_eq!(created[0].id, "00000000-0000-4000-a000-000000000001", "ids start again");
    assert_eq!(sandbox.requests()[0].seq, 0);
    Ok(())
}

#[tokio::test]
async fn the_standalone_binary_takes_faults_and_the_refusal_status_as_flags_and_logs_each_call() -> TestResult {
    let (_child, base_url, mut stderr) = standalone(&[
        "--rate-limit-class",
        "standard=1/60",
        "--rate-limit-status",
        "200",
        "--fault",
        r#"{"Fault":"Status","Status":503}"#,
    ])?;
    let origin = base_url.trim_end_matches("/v2").to_string();
    let client = leadsquared::Client::builder()
        .base_url(&base_url)
        .credentials(leadsquared::Credentials::new(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY))
        .timeout(Duration::from_secs(10))
        .build()?;
    let admin = Admin { origin };
    admin
        .post("leads", &json!({ "EmailAddress": "lead1@example.com" }))
        .await;

    let faulted = add(&client, &rows(1)).await.expect_err("the --fault");
    assert_eq!(faulted.status(), Some(503), "{faulted:?}");
    let refused = add(&client, &rows(1)).await.expect_err("past 1 call a minute");
    assert!(refused.is_rate_limit(), "{refused:?}");
    assert_eq!(refused.status(), Some(200));
    assert_eq!(refused.exception_type(), Some(&ExceptionType::RateLimitExceeded));

    // One line per call on stderr, written as each call ends (no polling of the log).
    let mut lines = Vec::new();
    let mut line = String::new();
    while lines.len() < 2 && stderr.read_line(&mut line)? > 0 {
        if line.contains(" -> ") {
            lines.push(line.trim().to_string());
        }
        line.clear();
    }
    assert!(
        lines[0].ends_with("/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField -> 503 rows=1"),
        "{lines:?}"
    );
    assert!(lines[1].ends_with("-> 200"), "{lines:?}");

    let summary = admin.get("summary").await;
    assert_eq!(summary.body["Requests"], 2, "{}", summary.text);
    assert_eq!(summary.body["Processed"], 0, "{}", summary.text);
    Ok(())
}
