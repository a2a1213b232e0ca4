//! The client against a local wiremock server: exactly what goes on the wire, and how answers
//! with exact, hand-written bodies (and non-answers) become results.
//!
//! Where it matters what the server did with the call, the tests run against the sandbox
//! instead (`tests/sandbox.rs`): timeouts, decode failures, item limits, rate-limit bodies and
//! concurrent calls.

mod common;

use common::{ACCESS_KEY, PATH, SECRET_KEY, add, answer, builder_for, error_body, mock, received, rows};
use leadsquared::opportunities::SearchBy;
use leadsquared::{AuthPlacement, Processed};
use leadsquared::{Client, Error, ExceptionType};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const DOC_RESPONSE: &str = r#"{ "Response":[ { "ProspectOpportunityId":"001ea287-b311-4b05-8d7f-2f398379801f", "RowNumber":1, "OpportunityCreated":true }, { "ProspectOpportunityId":"189eddf1-3bc6-4580-96b8-dc57e49eab12", "RowNumber":2, "OpportunityCreated":true } ] }"#;

#[tokio::test]
async fn happy_path_sends_exactly_the_documented_request() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    let expected_body = json!([
        { "SearchByValue": "lead1@example.com", "OpportunityEventCode": 12114,
          "Fields": [ { "SchemaName": "mx_Custom_1", "Value": "Deal 1" } ] },
        { "SearchByValue": "lead2@example.com", "OpportunityEventCode": 12114,
          "Fields": [ { "SchemaName": "mx_Custom_1", "Value": "Deal 2" } ] }
    ]);
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(query_param("SearchBy", "EmailAddress"))
        .and(header("x-LSQ-AccessKey", ACCESS_KEY))
        .and(header("x-LSQ-SecretKey", SECRET_KEY))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(&expected_body))
        .respond_with(ResponseTemplate::new(200).set_body_raw(DOC_RESPONSE, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let response = add(&client, &rows(2)).await?;

    let created: Vec<_> = response
        .iter()
        .map(|row| (row.row_number, row.opportunity_created))
        .collect();
    assert_eq!(created, [(Some(1), Some(true)), (Some(2), Some(true))]);
    assert_eq!(
        response[0].prospect_opportunity_id.as_deref(),
        Some("001ea287-b311-4b05-8d7f-2f398379801f")
    );

    let requests = server.received_requests().await.unwrap_or_default();
    let [request] = &requests[..] else {
        panic!("one request expected, got {}", requests.len())
    };
    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), PATH);
    assert_eq!(
        request.url.query(),
        Some("SearchBy=EmailAddress"),
        "nothing but SearchBy in header mode"
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&request.body)?,
        expected_body
    );
    Ok(())
}

#[tokio::test]
async fn query_mode_puts_the_keys_in_the_query_and_no_key_headers() -> TestResult {
    let (server, client) = mock(AuthPlacement::Query).await?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(DOC_RESPONSE, "application/json"),
    )
    .await;

    add(&client, &rows(1)).await?;

    let requests = server.received_requests().await.unwrap_or_default();
    let [request] = &requests[..] else {
        panic!("one request expected, got {}", requests.len())
    };
    assert_eq!(request.url.path(), PATH);
    assert_eq!(
        request.url.query(),
        Some(format!("SearchBy=EmailAddress&accessKey={ACCESS_KEY}&secretKey={SECRET_KEY}").as_str())
    );
    assert!(request.headers.get("x-lsq-accesskey").is_none());
    assert!(request.headers.get("x-lsq-secretkey").is_none());
    assert_eq!(
        request.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    Ok(())
}

#[tokio::test]
async fn custom_search_fields_go_in_the_query() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(DOC_RESPONSE, "application/json"),
    )
    .await;

    client
        .add_opportunities_in_bulk(SearchBy::Other("mx_Unique".into()), rows(1))
        .await?;

    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.first().and_then(|r| r.url.query()), Some("SearchBy=mx_Unique"));
    Ok(())
}

#[tokio::test]
async fn documented_error_statuses_map_to_their_own_variants() -> TestResult {
    type Check = fn(&Error) -> bool;
    let cases: [(u16, &str, Check, Processed, &str); 5] = [
        (
            400,
            "MXInvalidInputException",
            |e| matches!(e, Error::BadRequest(_)),
            Processed::Never,
            "attribute names",
        ),
        (
            401,
            "MXInvalidInputException",
            |e| matches!(e, Error::Unauthorized(_)),
            Processed::Never,
            "check the access key and secret key, and that the client uses your account's regional host",
        ),
        (
            404,
            "MXInvalidInputException",
            |e| matches!(e, Error::NotFound(_)),
            Processed::Never,
            "base URL",
        ),
        (
            429,
            "MXAPIRateLimitExceededException",
            |e| matches!(e, Error::RateLimited(_)),
            Processed::Never,
            "wait",
        ),
        (
            500,
            "MXInvalidActivityException",
            |e| matches!(e, Error::ServerError(_)),
            Processed::Unknown,
            "fix the input",
        ),
    ];
    for (status, exception, is_variant, processed, advice) in cases {
        let (server, client) = mock(AuthPlacement::Header).await?;
        let message = format!("message for {status}");
        answer(
            &server,
            ResponseTemplate::new(status).set_body_json(error_body(exception, &message)),
        )
        .await;

        let error = add(&client, &rows(1)).await.expect_err("an error status");

        assert!(is_variant(&error), "{status}: {error:?}");
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.exception_type(), Some(&ExceptionType::from(exception)));
        assert_eq!(error.processed(), processed, "{status}");
        assert_eq!(error.is_rate_limit(), status == 429);
        let api = error.api_error().expect("an API error");
        assert_eq!(api.endpoint, "add_opportunities_in_bulk");
        assert_eq!(api.message.as_deref(), Some(message.as_str()));
        assert!(api.meaning.is_some(), "{status} is documented");
        assert_eq!(api.snippet, None);
        let display = error.to_string();
        assert!(display.contains(&message) && display.contains(exception), "{display}");
        assert!(display.contains(advice), "{display}");
    }
    Ok(())
}

#[tokio::test]
async fn an_error_body_under_200_is_rejected() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    let body = json!({ "Status": "error", "ExceptionType": "MXDuplicateEntryException",
                       "ExceptionMessage": "A Lead with same Phone Number already exists." });
    answer(&server, ResponseTemplate::new(200).set_body_json(body)).await;

    let error = add(&client, &rows(1)).await.expect_err("the body says Error");

    let Error::Rejected(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 200);
    assert_eq!(api.exception_type, Some(ExceptionType::DuplicateEntry));
    assert_eq!(
        api.message.as_deref(),
        Some("A Lead with same Phone Number already exists.")
    );
    assert_eq!(error.processed(), Processed::Unknown);
    Ok(())
}

#[tokio::test]
async fn a_json_success_body_of_the_wrong_shape_is_a_decode_error() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({ "Status": "Success" })),
    )
    .await;

    let error = add(&client, &rows(1)).await.expect_err("no Response list");

    assert!(
        matches!(&error, Error::Decode { snippet, .. } if snippet == r#"{"Status":"Success"}"#),
        "{error:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_non_json_500_is_a_server_error_with_a_snippet() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(500).set_body_string("Internal Server Error"),
    )
    .await;

    let error = add(&client, &rows(1)).await.expect_err("500");

    let Error::ServerError(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((api.status, &api.exception_type, &api.message), (500, &None, &None));
    assert_eq!(api.snippet.as_deref(), Some("Internal Server Error"));
    assert_eq!(error.processed(), Processed::Unknown);
    Ok(())
}

#[tokio::test]
async fn an_undocumented_status_is_unexpected() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(&server, ResponseTemplate::new(418).set_body_string("I'm a teapot")).await;

    let error = add(&client, &rows(1)).await.expect_err("418");

    let Error::UnexpectedStatus { endpoint, status, body } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(
        (*endpoint, *status, body.as_str()),
        ("add_opportunities_in_bulk", 418, "I'm a teapot")
    );
    assert_eq!(error.processed(), Processed::Unknown);
    Ok(())
}

#[tokio::test]
async fn redirects_are_not_followed() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(302).insert_header("location", "http://127.0.0.1:9/elsewhere"),
    )
    .await;

    let error = add(&client, &rows(1)).await.expect_err("302");

    assert!(
        matches!(error, Error::UnexpectedStatus { status: 302, .. }),
        "{error:?}"
    );
    assert_eq!(received(&server).await, 1);
    Ok(())
}

#[tokio::test]
async fn a_rule_violation_is_never_sent() -> TestResult {
    let (server, client) = mock(AuthPlacement::Header).await?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(DOC_RESPONSE, "application/json"),
    )
    .await;
    let mut batch = rows(3);
    batch[2] = batch[2]
        .clone()
        .with_overwrite_fields(true)
        .with_update_empty_fields(true);

    let error = add(&client, &batch).await.expect_err("row 2 breaks the rule");

    assert!(matches!(error, Error::InvalidItem { index: 2, .. }), "{error:?}");
    assert_eq!(error.processed(), Processed::Never);
    assert_eq!(received(&server).await, 0);
    Ok(())
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() -> TestResult {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.local_addr()?.port()
    };
    let client = builder_for(&format!("http://127.0.0.1:{port}"), AuthPlacement::Header).build()?;

    let error = add(&client, &rows(1)).await.expect_err("nothing listens");

    assert!(
        matches!(
            error,
            Error::Connect {
                endpoint: "add_opportunities_in_bulk",
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.processed(), Processed::Never);
    assert_eq!(error.status(), None);
    Ok(())
}

#[test]
fn the_client_and_its_errors_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Client>();
    assert_send_sync::<Error>();
}
