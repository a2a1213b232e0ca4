//! Every endpoint of the spec, sent as its documentation shows it: the documented query values
//! and request body go to the sandbox raw (as curl would send them), the sandbox must accept
//! them, and its answer must match the endpoint's response schema. The sandbox holds the
//! documented records, so that a stateful endpoint finds the record its documented request
//! names. Nothing here names an endpoint, so an endpoint added to `spec/` is covered without a
//! line of test code; the typed side of the same check is each method's doc example, which runs
//! as a doctest.

#[path = "../../generated-client/tests/common/mod.rs"]
mod common;

use common::{RawReply, raw_http, raw_send};
use leadsquared_sandbox::schema::{BodySchema, EndpointSchema, FieldSchema, Method, Shape, TypeSchema};
use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, SCHEMA, STATEFUL_ENDPOINTS, Sandbox};
use serde_json::Value;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A value for a required query parameter the spec gives no example of.
fn placeholder(field: &FieldSchema) -> String {
    match field.shape {
        Shape::Integer | Shape::Number => "1".into(),
        Shape::Boolean => "true".into(),
        Shape::Named(name) => match SCHEMA.type_named(name) {
            Some(TypeSchema::Enum(def)) => def.values.first().copied().unwrap_or("x").into(),
            _ => "x".into(),
        },
        _ => "x".into(),
    }
}

async fn send_documented(sandbox: &Sandbox, schema: &EndpointSchema) -> Result<RawReply, Box<dyn std::error::Error>> {
    let mut query: Vec<(String, String)> = schema
        .query_example
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    for field in schema.query.iter().filter(|field| field.required) {
        if !query.iter().any(|(name, _)| name == field.wire) {
            query.push((field.wire.to_string(), placeholder(field)));
        }
    }
    let url = reqwest::Url::parse_with_params(&format!("{}{}", sandbox.base_url(), schema.path), &query)?;
    let http = raw_http();
    let request = match schema.method {
        Method::Get => http.get(url),
        Method::Post => http.post(url),
    };
    let mut request = request
        .header("x-LSQ-AccessKey", DEFAULT_ACCESS_KEY)
        .header("x-LSQ-SecretKey", DEFAULT_SECRET_KEY);
    if let Some(body) = schema.request_example {
        request = request.header("content-type", "application/json").body(body);
    }
    Ok(raw_send(request).await)
}

#[tokio::test]
async fn every_documented_request_is_accepted_and_answered_in_the_documented_shape() -> TestResult {
    assert!(!SCHEMA.endpoints.is_empty());
    for schema in SCHEMA.endpoints {
        let name = schema.name;
        if !matches!(schema.body, BodySchema::None) {
            assert!(
                schema.request_example.is_some(),
                "{name}: the spec has no request example"
            );
        }
        let sandbox = Sandbox::builder()
            .no_rate_limit()
            .documented_records(true)
            .start()
            .await?;
        let reply = send_documented(&sandbox, schema).await?;
        assert_eq!(reply.status, 200, "{name}: {}", reply.text);
        let answer: Value = serde_json::from_str(&reply.text)?;
        assert_eq!(SCHEMA.check_response(schema, &answer), [], "{name}: {answer}");
        let logged = sandbox.requests();
        assert_eq!(logged.len(), 1, "{name}");
        assert_eq!((logged[0].endpoint, logged[0].processed), (Some(name), true), "{name}");
        sandbox.shutdown().await;
    }
    Ok(())
}

#[tokio::test]
async fn every_endpoint_without_behaviour_answers_its_documented_response() -> TestResult {
    for schema in SCHEMA
        .endpoints
        .iter()
        .filter(|schema| !STATEFUL_ENDPOINTS.contains(&schema.name))
    {
        let Some(documented) = schema.response_example else {
            continue;
        };
        let sandbox = Sandbox::builder().no_rate_limit().start().await?;
        let reply = send_documented(&sandbox, schema).await?;
        let answer: Value = serde_json::from_str(&reply.text)?;
        assert_eq!(answer, serde_json::from_str::<Value>(documented)?, "{}", schema.name);
        sandbox.shutdown().await;
    }
    Ok(())
}
