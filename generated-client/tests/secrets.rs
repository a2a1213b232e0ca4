//! The keys never leak: not into any error (`Display`, `Debug`, `{:#?}`, the source chain), not
//! into the `Debug` of the client types, and not into logs.
//!
//! The test drives every error path in every auth placement with three pairs of keys (plain
//! sentinels; keys with `$ + / = % & "` and a space; non-ASCII keys, query placement only; see
//! `leaks.rs`), against a mock server that echoes the keys back in its bodies (as a misbehaving
//! server or proxy might), and captures every log line of the process at TRACE level, `log`
//! records of reqwest and its stack included, bridged through `tracing-log`. Every spelling of
//! a key counts as a leak; `hostile.rs` covers many more echoes and broken servers.
//!
//! Nothing is filtered out of the capture, not even the mock server's own lines. That is safe only
//! because every mock server here answers every request (`common::answer` mounts an `any()` mock):
//! wiremock logs a request in full only when no mock matches it.

mod common;
mod leaks;

use std::time::Duration;

use common::{add, answer, rows};
use leadsquared::AuthPlacement;
use leadsquared::{Client, Credentials, Error};
use leaks::Keys;
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Every key pair with every placement it can use.
fn key_placements() -> Vec<(Keys, AuthPlacement)> {
    leaks::ALL
        .iter()
        .flat_map(|keys| keys.placements.iter().map(move |placement| (*keys, *placement)))
        .collect()
}

/// A fresh mock server and a client for it with `keys` in `placement`.
async fn mock(keys: &Keys, placement: AuthPlacement) -> Result<(MockServer, Client), Error> {
    let server = MockServer::start().await;
    let client = keys
        .builder(&server.uri(), placement)
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok((server, client))
}

/// A body that repeats the keys, the way a server echoing the request would: the URL as sent
/// (percent-encoded) and the headers as typed.
fn echo(keys: &Keys) -> String {
    let encode = |key: &str| -> String { url_encode(key) };
    format!(
        "bad credentials ?accessKey={}&secretKey={} x-LSQ-AccessKey: {} x-LSQ-SecretKey: {}",
        encode(keys.access),
        encode(keys.secret),
        keys.access,
        keys.secret
    )
}

/// Form encoding, as a query string carries the keys.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => char::from(byte).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Whether an error is the variant a scenario must produce.
type IsExpected = fn(&Error) -> bool;

/// Every server-side scenario: the answer, and the error variant it must produce.
fn answers(keys: &Keys) -> Vec<(&'static str, ResponseTemplate, IsExpected)> {
    let echo = || echo(keys);
    let envelope =
        |exception: &str| json!({ "Status": "Error", "ExceptionType": exception, "ExceptionMessage": echo() });
    vec![
        (
            "400",
            ResponseTemplate::new(400).set_body_json(envelope("MXInvalidInputException")),
            |e| matches!(e, Error::BadRequest(_)),
        ),
        (
            "401",
            ResponseTemplate::new(401).set_body_json(envelope("MXInvalidInputException")),
            |e| matches!(e, Error::Unauthorized(_)),
        ),
        ("404", ResponseTemplate::new(404).set_body_string(echo()), |e| {
            matches!(e, Error::NotFound(_))
        }),
        (
            "429",
            ResponseTemplate::new(429).set_body_json(envelope("MXAPIRateLimitExceededException")),
            |e| matches!(e, Error::RateLimited(_)),
        ),
        (
            "500",
            ResponseTemplate::new(500).set_body_json(envelope("MXDuplicateEntryException")),
            |e| matches!(e, Error::ServerError(_)),
        ),
        ("500 text", ResponseTemplate::new(500).set_body_string(echo()), |e| {
            matches!(e, Error::ServerError(_))
        }),
        (
            "200 error",
            ResponseTemplate::new(200).set_body_json(envelope("MXInvalidLeadException")),
            |e| matches!(e, Error::Rejected(_)),
        ),
        (
            "200 rate",
            ResponseTemplate::new(200).set_body_json(envelope("MXAPIRateLimitExceededException")),
            |e| matches!(e, Error::RateLimited(_)),
        ),
        ("200 text", ResponseTemplate::new(200).set_body_string(echo()), |e| {
            matches!(e, Error::Decode { .. })
        }),
        ("418", ResponseTemplate::new(418).set_body_string(echo()), |e| {
            matches!(e, Error::UnexpectedStatus { .. })
        }),
        (
            "302",
            ResponseTemplate::new(302).insert_header(
                "location",
                format!("http://127.0.0.1:9/?secretKey={}", url_encode(keys.secret)),
            ),
            |e| matches!(e, Error::UnexpectedStatus { .. }),
        ),
    ]
}

async fn no_error_path_leaks(keys: Keys, placement: AuthPlacement) -> TestResult {
    leaks::capture_logs();
    let mut errors: Vec<(String, Error)> = Vec::new();

    for (name, response, is_expected) in answers(&keys) {
        let (server, client) = mock(&keys, placement).await?;
        answer(&server, response).await;
        let error = add(&client, &rows(1)).await.expect_err(name);
        assert!(is_expected(&error), "{name}: {error:?}");
        assert_server_got_the_keys(&server, &keys, placement).await;
        errors.push((name.to_owned(), error));
    }

    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let client = keys
        .builder(&server.uri(), placement)
        .timeout(Duration::from_millis(200))
        .build()?;
    let error = add(&client, &rows(1)).await.expect_err("timeout");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    errors.push(("timeout".to_owned(), error));

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = keys.builder(&format!("http://127.0.0.1:{port}"), placement).build()?;
    let error = add(&client, &rows(1)).await.expect_err("refused");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    errors.push(("connection refused".to_owned(), error));

    let (server, client) = mock(&keys, placement).await?;
    for count in [0, 26] {
        errors.push((
            format!("{count} rows"),
            add(&client, &rows(count)).await.expect_err("item limit"),
        ));
    }
    let invalid = [rows(1)[0]
        .clone()
        .with_overwrite_fields(true)
        .with_update_empty_fields(true)];
    errors.push(("rule".to_owned(), add(&client, &invalid).await.expect_err("rule")));
    assert_eq!(server.received_requests().await.map_or(0, |r| r.len()), 0);

    let with_newline = Client::builder()
        .credentials(Credentials::new(keys.access, format!("{}\n", keys.secret)))
        .auth_placement(placement)
        .build();
    errors.push((
        "key with a line break".to_owned(),
        with_newline.expect_err("not a header value"),
    ));
    let in_url = format!(
        "http://127.0.0.1:9/v2?accessKey={}&secretKey={}#",
        url_encode(keys.access),
        url_encode(keys.secret)
    );
    let key_in_url = keys.builder("http://127.0.0.1:9", placement).base_url(in_url).build();
    errors.push((
        "keys in the base URL".to_owned(),
        key_in_url.expect_err("query in base URL"),
    ));

    for (scenario, error) in &errors {
        let name = format!("{} keys, {placement:?}, {scenario}", keys.name);
        leaks::assert_error_clean(&name, error, &keys);
    }

    let logs = leaks::captured();
    assert!(
        logs.contains("add_opportunities_in_bulk"),
        "the client's own events are captured:\n{logs}"
    );
    assert!(logs.contains("reqwest"), "reqwest's log records are captured:\n{logs}");
    leaks::assert_clean("the captured logs", &logs, &keys);
    Ok(())
}

/// Guards against a vacuous pass: the keys did reach the server, in the chosen placement.
async fn assert_server_got_the_keys(server: &MockServer, keys: &Keys, placement: AuthPlacement) {
    let requests = server.received_requests().await.unwrap_or_default();
    let request = requests.first().expect("the server got the call");
    let in_query = request
        .url
        .query_pairs()
        .find(|(name, _)| name == "secretKey")
        .map(|(_, value)| value.into_owned());
    let header = request
        .headers
        .get("x-lsq-secretkey")
        .map(|value| value.as_bytes().to_vec());
    match placement {
        AuthPlacement::Header => assert_eq!(header.as_deref(), Some(keys.secret.as_bytes())),
        AuthPlacement::Query => assert_eq!(in_query.as_deref(), Some(keys.secret)),
        other => panic!("no test for {other:?}"),
    }
}

#[tokio::test]
async fn no_error_path_leaks_the_keys_in_header_mode() -> TestResult {
    for (keys, placement) in key_placements() {
        if placement == AuthPlacement::Header {
            no_error_path_leaks(keys, placement).await?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn no_error_path_leaks_the_keys_in_query_mode() -> TestResult {
    for (keys, placement) in key_placements() {
        if placement == AuthPlacement::Query {
            no_error_path_leaks(keys, placement).await?;
        }
    }
    Ok(())
}

#[tokio::test]
async fn successful_calls_log_no_keys() -> TestResult {
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        let (server, client) = mock(&keys, placement).await?;
        answer(
            &server,
            ResponseTemplate::new(200).set_body_json(json!({ "Response": [] })),
        )
        .await;
        add(&client, &rows(1)).await?;
        let logs = leaks::captured();
        assert!(logs.contains("response received"), "{logs}");
        leaks::assert_clean("the captured logs", &logs, &keys);
    }
    Ok(())
}

#[test]
fn debug_output_of_the_client_types_holds_no_keys() -> TestResult {
    for (keys, placement) in key_placements() {
        let credentials = Credentials::new(keys.access, keys.secret);
        assert_eq!(
            format!("{credentials:?}"),
            r#"Credentials { access_key: "<redacted>", secret_key: "<redacted>" }"#
        );
        let builder = keys.builder("http://127.0.0.1:9", placement);
        let client = builder.clone().build()?;
        for text in [
            format!("{credentials:?} {credentials:#?}"),
            format!("{builder:?} {builder:#?}"),
            format!("{client:?} {client:#?}"),
        ] {
            leaks::assert_clean("Debug", &text, &keys);
        }
        let debug = format!("{client:?}");
        assert!(
            debug.contains("http://127.0.0.1:9/v2") && debug.contains(&format!("{placement:?}")),
            "{debug}"
        );
    }
    Ok(())
}
