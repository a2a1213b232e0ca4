//! Shared set-up for the integration tests: a local wiremock server and a client pointed at it,
//! and a plain HTTP client for sending requests by hand (to the sandbox, `leadsquared_sandbox`).
//!
//! Everything runs on loopback; no test reaches LeadSquared. The keys are recognisable sentinels
//! so that `secrets.rs` can search every error and log line for them.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use leadsquared::AuthPlacement;
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, OpportunityRowResult, SearchBy};
use leadsquared::{Client, ClientBuilder, Credentials, Error};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The access key every test client uses.
pub const ACCESS_KEY: &str = "AK-SENTINEL-1234";
/// The secret key every test client uses.
pub const SECRET_KEY: &str = "SK-SENTINEL-5678";
/// The path Add Opportunities in Bulk is served at, below the mock server's `/v2`.
pub const PATH: &str = "/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField";

/// Both placements, for tests that must hold for each.
pub const PLACEMENTS: [AuthPlacement; 2] = [AuthPlacement::Header, AuthPlacement::Query];

/// A builder aimed at `server` (its `/v2`), with the sentinel keys in `placement`.
pub fn builder(server: &MockServer, placement: AuthPlacement) -> ClientBuilder {
    builder_for(&server.uri(), placement)
}

/// A builder aimed at `origin` (e.g. `http://127.0.0.1:PORT`), with the sentinel keys.
pub fn builder_for(origin: &str, placement: AuthPlacement) -> ClientBuilder {
    Client::builder()
        .base_url(format!("{origin}/v2"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY))
        .auth_placement(placement)
        .timeout(Duration::from_secs(10))
}

/// A fresh wiremock server and a client for it.
pub async fn mock(placement: AuthPlacement) -> Result<(MockServer, Client), Error> {
    let server = MockServer::start().await;
    let client = builder(&server, placement).build()?;
    Ok((server, client))
}

/// Makes `server` answer every request with `response`.
pub async fn answer(server: &MockServer, response: ResponseTemplate) {
    Mock::given(any()).respond_with(response).mount(server).await;
}

/// One valid row, distinct per `n`.
pub fn row(n: usize) -> OpportunityByLeadField {
    OpportunityByLeadField::new(format!("lead{n}@example.com"), 12114)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("Deal {n}"))])
}

/// `count` valid rows.
pub fn rows(count: usize) -> Vec<OpportunityByLeadField> {
    (1..=count).map(row).collect()
}

/// Calls Add Opportunities in Bulk, searching leads by email address.
pub async fn add(client: &Client, rows: &[OpportunityByLeadField]) -> Result<Vec<OpportunityRowResult>, Error> {
    client.add_opportunities_in_bulk(SearchBy::EmailAddress, rows).await
}

/// LeadSquared's error envelope.
pub fn error_body(exception_type: &str, message: &str) -> Value {
    json!({ "Status": "Error", "ExceptionType": exception_type, "ExceptionMessage": message })
}

/// How many requests `server` has received.
pub async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |requests| requests.len())
}

/// A plain HTTP client for requests built by hand, the way curl sends them: no keys added, no
/// checks, nothing decoded.
///
/// `reqwest::Client::new()` panics in this crate's build (reqwest is built with
/// `rustls-no-provider`), so TLS is configured explicitly, like the crate's own client does. The
/// tests speak plain HTTP on loopback only, hence no root certificates.
pub fn raw_http() -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a plain HTTP client can be built")
}

/// A raw answer: the status and the body parsed as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct RawReply {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON, or `Value::Null`.
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl RawReply {
    /// The string at `key` of an object body (e.g. `ExceptionMessage`).
    pub fn str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }
}

/// Sends a hand-built request and reads the whole answer.
pub async fn raw_send(request: reqwest::RequestBuilder) -> RawReply {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("the answer has a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    RawReply { status, body, text }
}
