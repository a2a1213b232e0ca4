//! The keys never leak: not into any error (`Display`, `Debug`, `{:#?}`, the source chain), not
//! into the `Debug` of the client types, and not into logs.
//!
//! The test drives every error path in both auth placements with recognisable sentinel keys,
//! against a mock server that echoes the keys back in its bodies (as a misbehaving server or proxy
//! might), and captures every log line of the process at TRACE level, `log` records of reqwest
//! and its stack included, bridged through `tracing-log`.
//!
//! Nothing is filtered out of the capture, not even the mock server's own lines. That is safe only
//! because every mock server here answers every request (`common::answer` mounts an `any()` mock):
//! wiremock logs a request in full only when no mock matches it.

mod common;

use std::io;
use std::sync::{Mutex, Once, PoisonError};
use std::time::Duration;

use common::{ACCESS_KEY, PLACEMENTS, SECRET_KEY, add, answer, builder, builder_for, mock, rows};
use leadsquared::AuthPlacement;
use leadsquared::{Client, Credentials, Error};
use serde_json::json;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, fmt};
use wiremock::{MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Appends everything it is given to [`LOGS`].
struct Capture;

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber for the whole test process, once.
fn capture_logs() {
    INSTALL.call_once(|| {
        let layer = fmt::layer()
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_filter(LevelFilter::TRACE);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other subscriber is installed in this test binary");
        tracing_log::LogTracer::init().expect("no other logger is installed in this test binary");
    });
}

fn captured() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}

/// Fails naming `what` if `text` holds either key, or a long-enough piece of one.
fn assert_secret_free(what: &str, text: &str) {
    for key in [ACCESS_KEY, SECRET_KEY] {
        assert!(!text.contains(key), "{what} leaks {key}:\n{text}");
        assert!(!text.contains(&key[..9]), "{what} leaks a prefix of {key}:\n{text}");
    }
}

/// Checks every rendering of `error` and of each error in its source chain.
fn assert_error_secret_free(scenario: &str, error: &Error) {
    assert_secret_free(scenario, &error.to_string());
    assert_secret_free(scenario, &format!("{error:?}"));
    assert_secret_free(scenario, &format!("{error:#?}"));
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        assert_secret_free(scenario, &format!("{inner} / {inner:?} / {inner:#?}"));
        source = inner.source();
    }
}

/// A body that repeats the keys, the way a server echoing the request URL would.
fn echo() -> String {
    format!("bad credentials ?accessKey={ACCESS_KEY}&secretKey={SECRET_KEY} x-LSQ-SecretKey: {SECRET_KEY}")
}

/// Whether an error is the variant a scenario must produce.
type IsExpected = fn(&Error) -> bool;

/// Every server-side scenario: the answer, and the error variant it must produce.
fn answers() -> Vec<(&'static str, ResponseTemplate, IsExpected)> {
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
            ResponseTemplate::new(302).insert_header("location", format!("http://127.0.0.1:9/?secretKey={SECRET_KEY}")),
            |e| matches!(e, Error::UnexpectedStatus { .. }),
        ),
    ]
}

async fn no_error_path_leaks(placement: AuthPlacement) -> TestResult {
    capture_logs();
    let mut errors: Vec<(String, Error)> = Vec::new();

    for (name, response, is_expected) in answers() {
        let (server, client) = mock(placement).await?;
        answer(&server, response).await;
        let error = add(&client, &rows(1)).await.expect_err(name);
        assert!(is_expected(&error), "{name}: {error:?}");
        assert_server_got_the_keys(&server, placement).await;
        errors.push((name.to_owned(), error));
    }

    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_delay(Duration::from_secs(5))).await;
    let client = builder(&server, placement)
        .timeout(Duration::from_millis(200))
        .build()?;
    let error = add(&client, &rows(1)).await.expect_err("timeout");
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    errors.push(("timeout".to_owned(), error));

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = builder_for(&format!("http://127.0.0.1:{port}"), placement).build()?;
    let error = add(&client, &rows(1)).await.expect_err("refused");
    assert!(matches!(error, Error::Connect { .. }), "{error:?}");
    errors.push(("connection refused".to_owned(), error));

    let (server, client) = mock(placement).await?;
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
        .credentials(Credentials::new(ACCESS_KEY, format!("{SECRET_KEY}\n")))
        .auth_placement(placement)
        .build();
    errors.push((
        "key with a line break".to_owned(),
        with_newline.expect_err("not a header value"),
    ));
    let key_in_url = builder_for(&format!("http://127.0.0.1:9/v2?accessKey={ACCESS_KEY}#"), placement).build();
    errors.push((
        "keys in the base URL".to_owned(),
        key_in_url.expect_err("query in base URL"),
    ));

    for (scenario, error) in &errors {
        assert_error_secret_free(&format!("{placement:?} {scenario}"), error);
    }

    let logs = captured();
    assert!(
        logs.contains("add_opportunities_in_bulk"),
        "the client's own events are captured:\n{logs}"
    );
    assert!(logs.contains("reqwest"), "reqwest's log records are captured:\n{logs}");
    assert_secret_free("the captured logs", &logs);
    Ok(())
}

/// Guards against a vacuous pass: the keys did reach the server, in the chosen placement.
async fn assert_server_got_the_keys(server: &MockServer, placement: AuthPlacement) {
    let requests = server.received_requests().await.unwrap_or_default();
    let request = requests.first().expect("the server got the call");
    let query = request.url.query().unwrap_or_default();
    let header = request
        .headers
        .get("x-lsq-secretkey")
        .map(|value| value.as_bytes().to_vec());
    match placement {
        AuthPlacement::Header => assert_eq!(header.as_deref(), Some(SECRET_KEY.as_bytes())),
        AuthPlacement::Query => assert!(query.contains(SECRET_KEY), "{query}"),
        other => panic!("no test for {other:?}"),
    }
}

#[tokio::test]
async fn no_error_path_leaks_the_keys_in_header_mode() -> TestResult {
    no_error_path_leaks(AuthPlacement::Header).await
}

#[tokio::test]
async fn no_error_path_leaks_the_keys_in_query_mode() -> TestResult {
    no_error_path_leaks(AuthPlacement::Query).await
}

#[tokio::test]
async fn successful_calls_log_no_keys() -> TestResult {
    capture_logs();
    for placement in PLACEMENTS {
        let (server, client) = mock(placement).await?;
        answer(
            &server,
            ResponseTemplate::new(200).set_body_json(json!({ "Response": [] })),
        )
        .await;
        add(&client, &rows(1)).await?;
    }
    let logs = captured();
    assert!(logs.contains("response received"), "{logs}");
    assert_secret_free("the captured logs", &logs);
    Ok(())
}

#[test]
fn debug_output_of_the_client_types_holds_no_keys() -> TestResult {
    let credentials = Credentials::new(ACCESS_KEY, SECRET_KEY);
    assert_eq!(
        format!("{credentials:?}"),
        r#"Credentials { access_key: "<redacted>", secret_key: "<redacted>" }"#
    );
    for placement in PLACEMENTS {
        let builder = builder_for("http://127.0.0.1:9", placement);
        let client = builder.clone().build()?;
        for text in [
            format!("{credentials:?} {credentials:#?}"),
            format!("{builder:?} {builder:#?}"),
            format!("{client:?} {client:#?}"),
        ] {
            assert_secret_free("Debug", &text);
        }
        let debug = format!("{client:?}");
        assert!(
            debug.contains("http://127.0.0.1:9/v2") && debug.contains(&format!("{placement:?}")),
            "{debug}"
        );
    }
    Ok(())
}
