//! The sandbox under abuse, and its fidelity switches: bodies kept only for processed calls and
//! only when asked, a bounded request log, slow and stalled clients cut off, too many
//! connections queued, the open-file limit survived; rate-limit refusals as 429 or 200,
//! `SearchBy` case, duplicate-detection flags. Loopback only; no assertion on elapsed time (a
//! call that should be answered is given the client's generous timeout).

#[path = "../../generated-client/tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{RawReply, add, raw_http, raw_send, row, rows};
use leadsquared::opportunities::SearchBy;
use leadsquared::{Error, ExceptionType, Processed};
use leadsquared_sandbox::{
    DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Fault, Lead, RateLimitRefusal, Sandbox, SandboxBuilder,
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The path of Add Opportunities in Bulk below the sandbox's origin.
const PATH: &str = "/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField";

/// The leads `common::row(n)` refers to, for `n` in `1..=count`.
fn with_leads(count: usize) -> SandboxBuilder {
    Sandbox::builder().leads((1..=count).map(|n| Lead::new().with_email(format!("lead{n}@example.com"))))
}

/// A raw POST of `body` to Add Opportunities in Bulk with `SearchBy=search_by` and `secret`.
fn post(sandbox: &Sandbox, search_by: &str, secret: &str, body: String) -> reqwest::RequestBuilder {
    raw_http()
        .post(format!("http://{}{PATH}?SearchBy={search_by}", sandbox.addr()))
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("x-LSQ-SecretKey", secret)
        .header("content-type", "application/json")
        .body(body)
}

fn rows_json(count: usize) -> String {
    serde_json::to_string(&rows(count)).unwrap_or_default()
}

/// A connection that sent part of a request head and stalls; its socket reads time out after
/// 10 s so that a test never hangs.
fn stalled_connection(sandbox: &Sandbox) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(sandbox.addr())?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(format!("POST {PATH}?SearchBy=EmailAddress HTTP/1.1\r\nHost: x\r\n").as_bytes())?;
    Ok(stream)
}

/// Whether the server closed `stream` (end of file, or a reset), after at most an error answer
/// (hyper answers a late head with `408`), rather than leaving it open or answering a call.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut received = Vec::new();
    let closed = match stream.read_to_end(&mut received) {
        Ok(_) => true,
        Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
    };
    closed && (received.is_empty() || received.starts_with(b"HTTP/1.1 4"))
}

// ---------------------------------------------------------------------------------------------
// Memory: bodies and the request log
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn bodies_are_kept_only_for_processed_or_faulted_calls_and_only_when_asked() -> TestResult {
    for keep in [true, false] {
        let sandbox = with_leads(2)
            .keep_bodies(keep)
            .class_rate_limit("standard", 4, Duration::from_secs(60))
            .start()
            .await?;
        sandbox.inject(Fault::Status(500), 1);
        let faulted = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
        let unauthorized = raw_send(post(&sandbox, "EmailAddress", "wrong", rows_json(1))).await;
        let invalid = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(26))).await;
        let processed = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(2))).await;
        let refused_by_the_row = raw_send(post(&sandbox, "Phone", DEFAULT_SECRET_KEY, rows_json(1))).await;
        let limited = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
        let statuses: Vec<u16> = [
            &faulted,
            &unauthorized,
            &invalid,
            &processed,
            &refused_by_the_row,
            &limited,
        ]
        .iter()
        .map(|reply| reply.status)
        .collect();
        assert_eq!(statuses, [500, 401, 400, 200, 200, 429]);

        let requests = sandbox.requests();
        let kept: Vec<bool> = requests.iter().map(|r| r.body.is_some()).collect();
        // The faulted call keeps its body as a processed one would: tests that script answers
        // with faults check what was sent.
        assert_eq!(kept, [keep, false, false, keep, keep, false], "keep_bodies({keep})");
        if keep {
            let sent: Value = serde_json::from_str(&rows_json(2))?;
            assert_eq!(requests[3].body.as_ref(), Some(&sent));
        }
        // The row count is known once the body was read, kept or not.
        let counted: Vec<Option<usize>> = requests.iter().map(|r| r.rows()).collect();
        assert_eq!(counted, [Some(1), None, Some(26), Some(2), Some(1), None]);
    }
    Ok(())
}

#[tokio::test]
async fn the_request_log_keeps_the_most_recent_calls_and_the_summary_counts_them_all() -> TestResult {
    let sandbox = with_leads(1).request_log(3).no_rate_limit().start().await?;
    let client = sandbox.client()?;
    for _ in 0..5 {
        add(&client, &rows(1)).await?;
    }
    let seqs: Vec<u64> = sandbox.requests().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [2, 3, 4]);
    let summary = sandbox.summary();
    assert_eq!(
        (summary.requests, summary.logged_requests, summary.processed),
        (5, 3, 5)
    );
    assert_eq!(summary.opportunities, 5);

    let none = with_leads(1).request_log(0).start().await?;
    add(&none.client()?, &rows(1)).await?;
    assert!(none.requests().is_empty());
    assert_eq!(none.summary().processed, 1);
    Ok(())
}

#[tokio::test]
async fn the_log_keeps_a_bounded_part_of_a_huge_query() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let long = "x".repeat(5000);
    let many: String = (0..200).map(|i| format!("&p{i}=v")).collect();
    let target = format!("http://{}{PATH}?SearchBy={long}{many}", sandbox.addr());
    let reply = raw_send(
        raw_http()
            .post(target)
            .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
            .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY)
            .header("content-type", "application/json")
            .body(rows_json(1)),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    let logged = &sandbox.requests()[0].query;
    assert_eq!(logged.len(), 65, "64 parameters and a note of the rest");
    assert!(logged[0].1.len() <= 1024 + "…".len(), "{}", logged[0].1.len());
    assert_eq!(logged[64], ("…".to_string(), "137 more".to_string()));
    Ok(())
}

#[tokio::test]
async fn a_request_head_over_64_kib_never_reaches_the_pipeline() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let addr = sandbox.addr();
    let answer = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let head = format!(
            "GET {PATH} HTTP/1.1\r\nHost: x\r\nx-padding: {}\r\n\r\n",
            "y".repeat(100 * 1024)
        );
        // The server may close before taking it all; what matters is what it answers.
        let _ = stream.write_all(head.as_bytes());
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        Ok(answer)
    })
    .await??;
    // `431` when the answer arrives before the reset the unread rest of the head causes.
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert!(sandbox.requests().is_empty(), "never logged as a call");
    add(&sandbox.client()?, &rows(1)).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Connections: slow clients, limits, the open-file limit
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_do_not_keep_a_normal_call_waiting() -> TestResult {
    // Many stalled clients below the connection limit: each has its own task, so a normal call
    // is served beside them.
    let sandbox = with_leads(1).start().await?;
    let stalled: Vec<TcpStream> = (0..50)
        .map(|_| stalled_connection(&sandbox))
        .collect::<std::io::Result<_>>()?;
    add(&sandbox.client()?, &rows(1)).await?;
    drop(stalled);

    // As many stalled clients as the connection limit: the read timeout closes them, so the
    // normal call gets a connection and an answer.
    let sandbox = with_leads(1)
        .max_connections(4)
        .read_timeout(Duration::from_millis(300))
        .start()
        .await?;
    let mut stalled: Vec<TcpStream> = (0..4)
        .map(|_| stalled_connection(&sandbox))
        .collect::<std::io::Result<_>>()?;
    let client = sandbox.client_builder().timeout(Duration::from_secs(20)).build()?;
    add(&client, &rows(1)).await?;
    let closed = tokio::task::spawn_blocking(move || stalled.iter_mut().all(closed_by_server)).await?;
    assert!(closed, "the server closed the stalled connections");
    assert_eq!(sandbox.summary().processed, 1);
    assert_eq!(sandbox.summary().requests, 1, "a stalled head is never a call");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_gets_408_and_an_idle_connection_is_closed() -> TestResult {
    let sandbox = with_leads(1).read_timeout(Duration::from_millis(300)).start().await?;
    let addr = sandbox.addr();
    let answer = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let head = format!(
            "POST {PATH}?SearchBy=EmailAddress HTTP/1.1\r\nHost: x\r\nx-LSQ-AccessKey: {DEFAULT_ACCESS_KEY}\r\n\
             x-LSQ-SecretKey: {DEFAULT_SECRET_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{{"
        );
        stream.write_all(head.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    })
    .await??;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let logged = &sandbox.requests()[0];
    assert_eq!((logged.status, logged.processed), (Some(408), false), "{logged:?}");

    // A keep-alive connection left idle after its call is closed after the same timeout.
    let idle = tokio::task::spawn_blocking(move || -> std::io::Result<(String, bool)> {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.write_all(
            format!("GET /_sandbox/summary?accessKey={DEFAULT_ACCESS_KEY}&secretKey={DEFAULT_SECRET_KEY} HTTP/1.1\r\nHost: x\r\n\r\n")
                .as_bytes(),
        )?;
        let mut buffer = [0u8; 4096];
        let read = stream.read(&mut buffer)?;
        let answer = String::from_utf8_lossy(&buffer[..read]).to_string();
        Ok((answer, closed_by_server(&mut stream)))
    })
    .await??;
    assert!(idle.0.starts_with("HTTP/1.1 200"), "{}", idle.0);
    assert!(idle.1, "the idle connection was closed");
    Ok(())
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standalone_binary_at_its_open_file_limit_answers_again_once_connections_close() -> TestResult {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    // 48 descriptors, a connection limit above it: accepting fails with EMFILE while the test
    // holds 80 connections.
    let bin = env!("CARGO_BIN_EXE_leadsquared-sandbox");
    let mut child = Command::new("sh")
        .args(["-c", "ulimit -n 48 && exec \"$0\" \"$@\""])
        .arg(bin)
        .args([
            "--addr",
            "127.0.0.1:0",
            "--max-connections",
            "1000",
            "--quiet",
            "--rate-limit",
            "off",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let mut line = String::new();
    let read = child
        .stdout
        .take()
        .map(|stdout| BufReader::new(stdout).read_line(&mut line));
    let result = async {
        read.ok_or("stdout is piped")??;
        let base_url = line.trim().to_string();
        let addr: std::net::SocketAddr = base_url.trim_start_matches("http://").trim_end_matches("/v2").parse()?;
        let held: Vec<TcpStream> = (0..80).filter_map(|_| TcpStream::connect(addr).ok()).collect();
        assert!(held.len() > 48, "the backlog takes what the server cannot accept");
        drop(held);
        let summary = raw_send(
            raw_http()
                .get(format!("http://{addr}/_sandbox/summary"))
                .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
                .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY),
        )
        .await;
        assert_eq!(summary.status, 200, "{}", summary.text);
        Ok::<_, Box<dyn std::error::Error>>(())
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}

// ---------------------------------------------------------------------------------------------
// Fidelity switches
// ---------------------------------------------------------------------------------------------

fn assert_refusal(reply: &RawReply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.str("Status"), Some("Error"), "{}", reply.text);
    assert_eq!(
        reply.str("ExceptionType"),
        Some("MXAPIRateLimitExceededException"),
        "{}",
        reply.text
    );
    assert_eq!(
        reply.str("ExceptionMessage"),
        Some("API calls exceeded the limit of 1 in 60 second(s)"),
        "{}",
        reply.text
    );
}

#[tokio::test]
async fn rate_limit_refusals_come_as_429_by_default_or_as_200_when_asked() -> TestResult {
    for (refusal, status) in [(None, 429), (Some(RateLimitRefusal::Status200), 200)] {
        let mut builder = with_leads(1).class_rate_limit("standard", 1, Duration::from_secs(60));
        if let Some(refusal) = refusal {
            builder = builder.rate_limit_refusal(refusal);
        }
        let sandbox = builder.start().await?;
        let admitted = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
        assert_eq!(admitted.status, 200);
        let refused = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
        assert_refusal(&refused, status);

        // The client reads both as a refusal, never as a success.
        let error = add(&sandbox.client()?, &rows(1)).await.expect_err("refused");
        assert!(matches!(error, Error::RateLimited(_)), "{error:?}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.processed(), Processed::Never);
        assert_eq!(sandbox.summary().processed, 1);
    }
    // And switched while running.
    let sandbox = with_leads(1)
        .class_rate_limit("standard", 1, Duration::from_secs(60))
        .start()
        .await?;
    sandbox.set_rate_limit_refusal(RateLimitRefusal::Status200);
    raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
    assert_refusal(
        &raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, rows_json(1))).await,
        200,
    );
    Ok(())
}

#[tokio::test]
async fn search_by_must_be_the_schema_name_in_its_exact_case_unless_told_otherwise() -> TestResult {
    let strict = with_leads(1).start().await?;
    for wrong in ["emailaddress", "EMAILADDRESS", "emailAddress"] {
        let reply = raw_send(post(&strict, wrong, DEFAULT_SECRET_KEY, rows_json(1))).await;
        assert_eq!(reply.status, 500, "{wrong}: {}", reply.text);
        assert_eq!(reply.str("ExceptionType"), Some("MXInvalidInputException"));
        let message = reply.str("ExceptionMessage").unwrap_or_default();
        assert!(message.starts_with("Invalid SearchBy value provided"), "{message}");
        assert!(message.contains("did you mean `EmailAddress`?"), "{message}");
    }
    let error = strict
        .client()?
        .add_opportunities_in_bulk(SearchBy::Other("phone".into()), rows(1))
        .await
        .expect_err("a wrong case");
    assert_eq!(error.exception_type(), Some(&ExceptionType::InvalidInput), "{error:?}");
    assert_eq!(strict.summary().processed, 0);
    assert!(strict.opportunities().is_empty());

    let lenient = with_leads(1).search_by_ignore_case(true).start().await?;
    let reply = raw_send(post(&lenient, "emailaddress", DEFAULT_SECRET_KEY, rows_json(1))).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["Response"][0]["OpportunityCreated"], true, "{}", reply.text);
    Ok(())
}

#[tokio::test]
async fn duplicate_detection_flags_are_checked_and_otherwise_change_nothing() -> TestResult {
    let sandbox = with_leads(1).start().await?;
    let client = sandbox.client()?;
    let flagged = row(1)
        .with_update_empty_fields(true)
        .with_do_not_post_duplicate_activity(true)
        .with_do_not_change_owner(true);
    // The same row twice: an account without duplicate-detection rules creates two.
    add(&client, &[flagged.clone(), flagged.clone()]).await?;
    let overwrite = row(1).with_overwrite_fields(true);
    add(&client, &[overwrite]).await?;
    let ids: Vec<String> = sandbox.opportunities().into_iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");

    // Both update flags at once break the documented rule (sent raw; the client refuses it).
    let both = json!([{ "SearchByValue": "lead1@example.com", "OpportunityEventCode": 12114,
                        "OverwriteFields": true, "UpdateEmptyFields": true,
                        "Fields": [{ "SchemaName": "mx_Custom_1", "Value": "x" }] }]);
    let reply = raw_send(post(&sandbox, "EmailAddress", DEFAULT_SECRET_KEY, both.to_string())).await;
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.str("ExceptionType"), Some("MXInvalidInputException"));
    assert_eq!(sandbox.summary().opportunities, 3);
    Ok(())
}
