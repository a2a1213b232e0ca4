//! The escape hatch, `Client::call`: an endpoint the spec does not describe, sent with the
//! client's keys, error decoding and limits.

mod common;

use common::{ACCESS_KEY, SECRET_KEY, answer, builder, error_body};
use leadsquared::endpoints::Method;
use leadsquared::{AuthPlacement, Error};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[tokio::test]
async fn a_call_sends_the_method_path_query_body_and_keys_and_returns_json() -> TestResult {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/LeadManagement.svc/Lead.Create"))
        .and(query_param("Owner", "a b&c"))
        .and(header("x-LSQ-AccessKey", ACCESS_KEY))
        .and(header("x-LSQ-SecretKey", SECRET_KEY))
        .and(header("Content-Type", "application/json"))
        .and(body_json(
            json!([{ "Attribute": "EmailAddress", "Value": "ana@example.com" }]),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "Status": "Success", "Message": { "Id": "l-1" } })),
        )
        .mount(&server)
        .await;
    let client = builder(&server, AuthPlacement::Header).build()?;
    let answer = client
        .call(Method::Post, "/LeadManagement.svc/Lead.Create")
        .query("Owner", "a b&c")
        .body(json!([{ "Attribute": "EmailAddress", "Value": "ana@example.com" }]))
        .await?;
    assert_eq!(answer["Message"]["Id"], "l-1");

    // Decoded into the caller's own type.
    #[derive(serde::Deserialize)]
    struct Created {
        #[serde(rename = "Message")]
        message: serde_json::Value,
    }
    let created: Created = client
        .call(Method::Post, "/LeadManagement.svc/Lead.Create")
        .query("Owner", "a b&c")
        .body(json!([{ "Attribute": "EmailAddress", "Value": "ana@example.com" }]))
        .send()
        .await?;
    assert_eq!(created.message["Id"], "l-1");
    Ok(())
}

#[tokio::test]
async fn errors_are_decoded_like_any_endpoint_and_say_the_call_s_name() -> TestResult {
    let server = MockServer::start().await;
    let client = builder(&server, AuthPlacement::Query).build()?;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(error_body("MXInvalidInputException", "bad")),
    )
    .await;
    let error = client.call(Method::Get, "/Anything.svc/Get").await.unwrap_err();
    assert!(matches!(error, Error::Rejected(_)), "{error:?}");
    assert_eq!(error.endpoint(), Some("call"));
    assert!(error.to_string().contains("bad"), "{error}");

    let server = MockServer::start().await;
    let client = builder(&server, AuthPlacement::Query).build()?;
    answer(
        &server,
        ResponseTemplate::new(429).set_body_json(error_body("MXAPIRateLimitExceededException", "slow")),
    )
    .await;
    let error = client.call(Method::Get, "/Anything.svc/Get").await.unwrap_err();
    assert!(error.is_rate_limit(), "{error:?}");
    Ok(())
}

#[tokio::test]
async fn a_path_with_a_query_and_a_key_in_the_query_are_refused_before_sending() -> TestResult {
    let server = MockServer::start().await;
    let client = builder(&server, AuthPlacement::Header).build()?;
    for call in [
        client.call(Method::Get, "LeadManagement.svc/Leads.GetById"),
        client.call(Method::Get, "/LeadManagement.svc/Leads.GetById?id=1"),
        client
            .call(Method::Get, "/LeadManagement.svc/Leads.GetById")
            .query("secretKey", "x"),
    ] {
        let error = call.await.unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
    }
    assert!(server.received_requests().await.unwrap_or_default().is_empty());
    Ok(())
}

#[tokio::test]
async fn the_sandbox_answers_a_described_endpoint_the_same_through_the_escape_hatch() -> TestResult {
    let sandbox = leadsquared_sandbox::Sandbox::builder()
        .documented_records(true)
        .start()
        .await?;
    let client = sandbox.client()?;
    let typed = client.get_lead_by_email("george@example.com").await?;
    let raw = client
        .call(Method::Get, "/LeadManagement.svc/Leads.GetByEmailaddress")
        .query("emailaddress", "george@example.com")
        .await?;
    // The same lead; the raw answer keeps the wire's spelling (`"DoNotEmail": "0"`), which the
    // typed one decodes.
    let typed = serde_json::to_value(&typed)?;
    assert_eq!(raw[0]["ProspectID"], typed[0]["ProspectID"]);
    assert_eq!(
        (&raw[0]["DoNotEmail"], &typed[0]["DoNotEmail"]),
        (&json!("0"), &json!(false))
    );
    let missing = client.call(Method::Get, "/Nothing.svc/Here").await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    Ok(())
}
