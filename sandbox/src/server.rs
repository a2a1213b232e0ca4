//! The sandbox's HTTP side: the accept loop, and the pipeline every call goes through.
//!
//! Pipeline, in the order the real API is assumed to apply it: route (404), authenticate (401),
//! rate-limit (429), apply an injected fault, validate the query and body against the wire
//! schema (400), then run the endpoint's behaviour. Everything about the API's shapes comes from
//! the served schema ([`crate::SCHEMA`] unless told otherwise); only the behaviour of stateful endpoints is written here
//! (`opportunities`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use leadsquared::ExceptionType;

use crate::schema::{BodySchema, EndpointSchema, FieldSchema, Method, Schema, Shape, TypeSchema};
use crate::state::Shared;
use crate::{Fault, RecordedRequest, opportunities};

/// The largest body the sandbox reads (25 rows are a few kilobytes).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Where the sandbox's own state can be read, for tests in other processes and languages.
const ADMIN_PREFIX: &str = "/_sandbox/";

/// `GET /_sandbox/opportunities` and `GET /_sandbox/requests`: the state as JSON.
fn admin(shared: &Shared, method: &str, what: &str) -> Outcome {
    let body = match (method, what) {
        ("GET", "opportunities") => Value::Array(
            shared
                .opportunities()
                .into_iter()
                .map(|o| {
                    json!({ "Id": o.id, "LeadId": o.lead_id, "EventCode": o.event_code,
                            "RequestSeq": o.request_seq, "RowNumber": o.row_number, "Row": o.row })
                })
                .collect(),
        ),
        ("GET", "requests") => Value::Array(
            shared
                .requests()
                .into_iter()
                .map(|r| {
                    json!({ "Seq": r.seq, "AtMs": r.at.as_secs_f64() * 1000.0,
                            "AdmittedAtMs": r.admitted_at.map(|at| at.as_secs_f64() * 1000.0),
                            "Method": r.method, "Path": r.path, "Endpoint": r.endpoint, "Status": r.status,
                            "Processed": r.processed, "Rows": r.row_count })
                })
                .collect(),
        ),
        _ => {
            let message = format!(
                "No sandbox API at {ADMIN_PREFIX}{what}; there are GET {ADMIN_PREFIX}opportunities and GET {ADMIN_PREFIX}requests"
            );
            return Outcome::error(404, None, &message);
        }
    };
    Outcome::json(200, &body, false)
}

/// Shown instead of a key in the request log.
const REDACTED: &str = "<redacted>";

/// Accepts connections until `stopped` turns true.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    tokio::spawn(connection(stream, Arc::clone(&shared), stopped.clone()));
                }
            }
        }
    }
}

/// Serves one keep-alive connection. A call that must be dropped wakes `kill`, and dropping
/// the connection future closes the socket without an answer.
async fn connection(stream: TcpStream, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        service_fn(move |request| {
            let (shared, kill) = (Arc::clone(&shared), Arc::clone(&kill));
            async move { handle(request, &shared, &kill).await }
        })
    };
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = stopped.changed() => {}
    }
}

/// What the pipeline decided for one call.
struct Outcome {
    status: u16,
    body: String,
    processed: bool,
    drop_connection: bool,
    delay: Duration,
}

impl Outcome {
    fn json(status: u16, body: &Value, processed: bool) -> Self {
        Outcome {
            status,
            body: body.to_string(),
            processed,
            drop_connection: false,
            delay: Duration::ZERO,
        }
    }

    /// The LeadSquared error envelope, field names from the spec.
    fn error(status: u16, exception: Option<&ExceptionType>, message: &str) -> Self {
        let names = crate::SCHEMA.api;
        let mut body = Map::new();
        body.insert(names.status_field.into(), Value::from(names.error_value));
        if let Some(exception) = exception {
            body.insert(names.type_field.into(), Value::from(exception.as_str()));
        }
        body.insert(names.message_field.into(), Value::from(message));
        Outcome::json(status, &Value::Object(body), false)
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: &Shared,
    kill: &Notify,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let query: Vec<(String, String)> = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let logged_query = query
        .iter()
        .map(|(name, value)| {
            let secret = shared.is_secret(value) || is_auth_param(shared.schema, name);
            (name.clone(), if secret { REDACTED.into() } else { value.clone() })
        })
        .collect();
    let seq = shared.record(RecordedRequest {
        seq: 0,
        at: arrived.duration_since(shared.started),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: logged_query,
        endpoint: None,
        body: None,
        row_count: None,
        admitted_at: None,
        status: None,
        dropped: false,
        processed: false,
        admitted: false,
        fault: None,
    });
    // Logged at arrival, so the log is in arrival order; routing, keys and the rate limit are
    // decided on the headers, as a gateway would, before the body is read.
    let gate = gate(shared, seq, &parts, &query);
    let bytes = Limited::new(body, MAX_BODY).collect().await.map(|body| body.to_bytes());
    if let Ok(bytes) = &bytes {
        let body: Option<Value> = serde_json::from_slice(bytes).ok();
        let row_count = body.as_ref().and_then(Value::as_array).map(Vec::len);
        let body = if shared.lean { None } else { body };
        shared.update(seq, |logged| {
            logged.body = body;
            logged.row_count = row_count;
        });
    }
    let outcome = match (gate, bytes) {
        (Err(outcome), _) => outcome,
        (Ok(_), Err(_)) => Outcome::error(
            400,
            Some(&ExceptionType::InvalidInput),
            "The request body could not be read or is too large",
        ),
        (Ok(schema), Ok(bytes)) => pipeline(shared, seq, schema, &parts, &query, &bytes),
    };
    shared.update(seq, |logged| {
        logged.status = (!outcome.drop_connection).then_some(outcome.status);
        logged.dropped = outcome.drop_connection;
        logged.processed = outcome.processed;
    });
    tracing::debug!(target: "leadsquared::sandbox", seq, method = %parts.method, path = parts.uri.path(), status = outcome.status, processed = outcome.processed, "sandbox call");
    let wait = shared.latency() + outcome.delay;
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if outcome.drop_connection {
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    let response = Response::builder()
        .status(StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json; charset=utf-8")
        .body(Full::new(Bytes::from(outcome.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}

fn is_auth_param(schema: &Schema, name: &str) -> bool {
    name == schema.api.query_access_key || name == schema.api.query_secret_key
}

/// Route, authenticate and count the call against the rate limit: the endpoint, or the final
/// answer (404, 401, 429, or an answer of the sandbox's own API).
fn gate(
    shared: &Shared,
    seq: u64,
    parts: &hyper::http::request::Parts,
    query: &[(String, String)],
) -> Result<&'static EndpointSchema, Outcome> {
    if let Some(what) = parts.uri.path().strip_prefix(ADMIN_PREFIX) {
        return Err(match authenticate(shared, &parts.headers, query) {
            Ok(()) => admin(shared, parts.method.as_str(), what),
            Err(message) => Outcome::error(401, None, &message),
        });
    }
    let schema = route(shared.schema, parts.method.as_str(), parts.uri.path())
        .map_err(|message| Outcome::error(404, None, &message))?;
    shared.update(seq, |logged| logged.endpoint = Some(schema.name));
    authenticate(shared, &parts.headers, query).map_err(|message| Outcome::error(401, None, &message))?;
    let Some(now) = shared.admit() else {
        return Err(Outcome::error(429, rate_limit_exception(), &rate_limit_message(shared)));
    };
    let admitted_at = now.duration_since(shared.started);
    shared.update(seq, |logged| {
        logged.admitted = true;
        logged.admitted_at = Some(admitted_at);
    });
    Ok(schema)
}

/// Everything after the gate: an injected fault, validation, then the endpoint's behaviour.
fn pipeline(
    shared: &Shared,
    seq: u64,
    schema: &'static EndpointSchema,
    parts: &hyper::http::request::Parts,
    query: &[(String, String)],
    body: &Bytes,
) -> Outcome {
    let fault = shared.next_fault();
    shared.update(seq, |logged| logged.fault = fault.clone());
    match &fault {
        Some(Fault::Status(429)) => return Outcome::error(429, rate_limit_exception(), &rate_limit_message(shared)),
        Some(Fault::Status(status)) => return Outcome::error(*status, None, &forced(*status)),
        Some(Fault::Exception {
            status,
            exception_type,
            message,
        }) => {
            let exception = ExceptionType::from(exception_type.as_str());
            return Outcome::error(*status, Some(&exception), message);
        }
        Some(Fault::Response { status, body }) => {
            return Outcome {
                status: *status,
                body: body.clone(),
                processed: false,
                drop_connection: false,
                delay: Duration::ZERO,
            };
        }
        Some(Fault::DropBeforeProcessing) => {
            return Outcome {
                status: 0,
                body: String::new(),
                processed: false,
                drop_connection: true,
                delay: Duration::ZERO,
            };
        }
        _ => {}
    }
    let content_type = parts.headers.get("content-type").and_then(|value| value.to_str().ok());
    let body = match validate(shared.schema, schema, query, content_type, body) {
        Ok(body) => body,
        Err(outcome) => return outcome,
    };
    let mut outcome = behave(shared, seq, schema, query, body);
    if outcome.processed {
        match fault {
            Some(Fault::StatusAfterProcessing(status)) => {
                let processed = Outcome::error(status, None, &forced(status));
                outcome = Outcome {
                    processed: true,
                    ..processed
                };
            }
            Some(Fault::DropAfterProcessing) => outcome.drop_connection = true,
            Some(Fault::MalformedBody) => {
                let mut cut = outcome.body.len() / 2;
                while !outcome.body.is_char_boundary(cut) {
                    cut -= 1;
                }
                outcome.body = format!("{}<!-- truncated by a sandbox fault", &outcome.body[..cut]);
            }
            Some(Fault::Delay(delay)) => outcome.delay = delay,
            _ => {}
        }
    } else if let Some(Fault::Delay(delay)) = fault {
        outcome.delay = delay;
    }
    outcome
}

fn forced(status: u16) -> String {
    format!("Sandbox fault: status {status} injected by the test")
}

fn rate_limit_exception() -> Option<&'static ExceptionType> {
    ExceptionType::KNOWN.iter().find(|exception| exception.is_rate_limit())
}

/// The documented message: "API calls exceeded the limit of 25 in 5 second(s)".
fn rate_limit_message(shared: &Shared) -> String {
    let limit = shared.rate_limit().unwrap_or(shared.schema.api.rate_limit);
    let seconds = if limit.per_millis % 1000 == 0 {
        (limit.per_millis / 1000).to_string()
    } else {
        format!("{}", limit.per_millis as f64 / 1000.0)
    };
    format!("API calls exceeded the limit of {} in {seconds} second(s)", limit.calls)
}

/// The endpoint at `path`, or the 404 message.
fn route(api: &'static Schema, method: &str, path: &str) -> Result<&'static EndpointSchema, String> {
    let base = base_path(api);
    let below = path.strip_prefix(base).filter(|rest| rest.starts_with('/'));
    let method = match method {
        "GET" => Some(Method::Get),
        "POST" => Some(Method::Post),
        _ => None,
    };
    if let Some(schema) = below
        .zip(method)
        .and_then(|(below, method)| api.endpoint_at(method, below))
    {
        return Ok(schema);
    }
    let Some(below) = below else {
        let hint = match api.endpoints.iter().find(|s| s.path.eq_ignore_ascii_case(path)) {
            Some(schema) => format!("; did you mean {base}{}? Every path is below {base}", schema.path),
            None => format!("; every path is below {base}"),
        };
        return Err(format!("The API could not be found: no API at {path}{hint}"));
    };
    let same_path = api.endpoints.iter().find(|s| s.path == below);
    let other_case = api.endpoints.iter().find(|s| s.path.eq_ignore_ascii_case(below));
    Err(match (same_path, other_case) {
        (Some(schema), _) => format!(
            "The API could not be found: {base}{below} is served with {}, not {}",
            schema.method.as_str(),
            method.map_or("this method", Method::as_str),
        ),
        (None, Some(schema)) => format!(
            "The API could not be found: no API at {path}; did you mean {base}{}? Paths are case-sensitive",
            schema.path
        ),
        (None, None) => format!("The API could not be found: no API at {path}; check the API signature"),
    })
}

/// The path part of the API's base URL, e.g. `/v2`.
fn base_path(schema: &'static Schema) -> &'static str {
    let base_url = schema.api.base_url;
    let rest = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    rest.find('/').map_or("", |slash| &rest[slash..])
}

fn authenticate(shared: &Shared, headers: &hyper::HeaderMap, query: &[(String, String)]) -> Result<(), String> {
    let auth = shared.schema.api;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let keys = match (header(auth.header_access_key), header(auth.header_secret_key)) {
        (Some(access), Some(secret)) => Some((access, secret)),
        _ => param(auth.query_access_key).zip(param(auth.query_secret_key)),
    };
    match keys {
        None => Err(format!(
            "The access key and secret key are missing: send them in the {} and {} headers, or in the {} and {} query parameters",
            auth.header_access_key, auth.header_secret_key, auth.query_access_key, auth.query_secret_key
        )),
        Some((access, secret)) if shared.keys_match(&access, &secret) => Ok(()),
        Some(_) => Err("Invalid access key or secret key, or the keys belong to another region's host".into()),
    }
}

/// Checks the query and body against the wire schema; the parsed body, or the 400 answer.
fn validate(
    api: &Schema,
    schema: &EndpointSchema,
    query: &[(String, String)],
    content_type: Option<&str>,
    body: &Bytes,
) -> Result<Value, Outcome> {
    let invalid = |message: String| Outcome::error(400, Some(&ExceptionType::InvalidInput), &message);
    let missing = |message: String| Outcome::error(400, Some(&ExceptionType::MandatoryAttributeMissing), &message);
    for (name, _) in query {
        if is_auth_param(api, name) || schema.query.iter().any(|field| field.wire == name) {
            continue;
        }
        let hint = match schema.query.iter().find(|field| field.wire.eq_ignore_ascii_case(name)) {
            Some(field) => format!("; did you mean `{}`? Names are case-sensitive", field.wire),
            None => String::new(),
        };
        return Err(invalid(format!("Unknown query parameter `{name}`{hint}")));
    }
    for field in schema.query {
        let values: Vec<&str> = query
            .iter()
            .filter(|(k, _)| k == field.wire)
            .map(|(_, v)| v.as_str())
            .collect();
        match values.as_slice() {
            [] if field.required => return Err(missing(format!("'{}' is mandatory in the query string", field.wire))),
            [] => {}
            [value] => {
                if let Some(mismatch) = api.check(&field.shape, &query_value(field, value)).first() {
                    return Err(invalid(format!(
                        "Query parameter `{}`: {}",
                        field.wire, mismatch.problem
                    )));
                }
            }
            _ => {
                return Err(invalid(format!(
                    "Query parameter `{}` is given more than once",
                    field.wire
                )));
            }
        }
    }
    if matches!(schema.body, BodySchema::None) {
        return Ok(Value::Null);
    }
    let is_json = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        let got = content_type.map_or("none".to_string(), |value| format!("`{value}`"));
        return Err(invalid(format!("The Content-Type must be application/json; got {got}")));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|error| invalid(format!("The body is not valid JSON: {error}")))?;
    let mismatches = api.check_body(&schema.body, &value);
    if let Some(first) = mismatches.first() {
        let message = mismatches
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let message = format!("The body does not match the API: {message}");
        return Err(if first.missing {
            missing(message)
        } else {
            invalid(message)
        });
    }
    Ok(value)
}

/// A query value as the JSON value it stands for, so that the schema check can judge it.
fn query_value(field: &FieldSchema, text: &str) -> Value {
    match field.shape {
        Shape::Integer => text.parse::<i64>().map_or_else(|_| Value::from(text), Value::from),
        Shape::Number => text.parse::<f64>().map_or_else(|_| Value::from(text), Value::from),
        Shape::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::from(text),
        },
        _ => Value::from(text),
    }
}

/// Runs the endpoint: the hand-written behaviour where there is one, else the spec's example.
fn behave(shared: &Shared, seq: u64, schema: &EndpointSchema, query: &[(String, String)], body: Value) -> Outcome {
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match schema.name {
        opportunities::ENDPOINT => {
            match opportunities::add_in_bulk(shared, seq, param("SearchBy").unwrap_or(""), &body) {
                Ok(answer) => Outcome::json(200, &answer, true),
                Err((status, exception, message)) => Outcome::error(status, Some(&exception), &message),
            }
        }
        _ => Outcome::json(200, &example_page(shared.schema, schema, &body), true),
    }
}

/// The example answer, for the page the request asks for: a paged endpoint's example is its
/// first page (the page its request example asks for), so any other page is answered with the
/// example's envelope and no items, as the last page of a real walk would be.
fn example_page(api: &Schema, schema: &EndpointSchema, body: &Value) -> Value {
    let mut answer = example_response(api, schema);
    let Some(pages) = &schema.pages else {
        return answer;
    };
    let at = |value: &Value, path: &[&str]| path.iter().try_fold(value, |value, key| value.get(*key)).cloned();
    let documented = schema
        .request_example
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|example| at(&example, pages.page_index))
        .unwrap_or(Value::from(1));
    let asked = at(body, pages.page_index);
    if asked.is_none() || asked == Some(documented) {
        return answer;
    }
    let mut items = &mut answer;
    for key in schema.unwrap.iter().chain(pages.items) {
        match items.get_mut(*key) {
            Some(inner) => items = inner,
            None => return answer,
        }
    }
    *items = json!([]);
    answer
}

/// The spec's response example, or a minimal value of the response shape when it has none.
pub(super) fn example_response(api: &Schema, schema: &EndpointSchema) -> Value {
    schema
        .response_example
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(|| {
            let value = minimal(api, &schema.response, 0);
            match schema.unwrap {
                Some(field) => json!({ field: value }),
                None => value,
            }
        })
}

/// The smallest value of `shape`: required fields only, empty arrays, first enum values.
fn minimal(api: &Schema, shape: &Shape, depth: usize) -> Value {
    match shape {
        Shape::String => Value::from(""),
        Shape::Integer | Shape::Number => Value::from(0),
        Shape::Boolean => Value::Bool(false),
        Shape::Json => Value::Null,
        Shape::Array(_) => json!([]),
        Shape::Named(name) => match api.type_named(name) {
            Some(TypeSchema::Enum(def)) => Value::from(def.values.first().copied().unwrap_or("")),
            Some(TypeSchema::Object(object)) if depth < 8 => Value::Object(
                object
                    .fields
                    .iter()
                    .filter(|field| field.required)
                    .map(|field| (field.wire.to_string(), minimal(api, &field.shape, depth + 1)))
                    .collect(),
            ),
            _ => json!({}),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SCHEMA;

    #[test]
    fn routes_by_method_and_exact_path_below_the_base() {
        let path = "/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField";
        assert_eq!(route(&SCHEMA, "POST", path).unwrap().name, "add_opportunities_in_bulk");
        assert!(
            route(&SCHEMA, "GET", path)
                .unwrap_err()
                .contains("is served with POST, not GET")
        );
        let lower = "/v2/opportunitymanagement.svc/Bulk/Add/ByLeadField";
        assert!(
            route(&SCHEMA, "POST", lower)
                .unwrap_err()
                .contains("did you mean /v2/OpportunityManagement.svc")
        );
        let no_base = route(&SCHEMA, "POST", "/OpportunityManagement.svc/Bulk/Add/ByLeadField").unwrap_err();
        assert!(
            no_base.contains("did you mean /v2/OpportunityManagement.svc/Bulk/Add/ByLeadField"),
            "{no_base}"
        );
        assert!(
            route(&SCHEMA, "POST", "/v2/Nope")
                .unwrap_err()
                .contains("no API at /v2/Nope")
        );
    }

    #[test]
    fn every_spec_example_conforms_to_its_endpoint_schema() {
        for schema in SCHEMA.endpoints {
            if let Some(text) = schema.request_example {
                let value: Value = serde_json::from_str(text).unwrap();
                assert_eq!(
                    SCHEMA.check_body(&schema.body, &value),
                    [],
                    "{} request example",
                    schema.name
                );
            }
            let response = example_response(&SCHEMA, schema);
            assert_eq!(
                SCHEMA.check_response(schema, &response),
                [],
                "{} response example",
                schema.name
            );
        }
    }
}
