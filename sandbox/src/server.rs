//! The sandbox's HTTP side: the accept loop, and the pipeline every call goes through.
//!
//! Pipeline, in the order the real API is assumed to apply it: route (404), authenticate (401),
//! rate-limit (429), read the body, apply an injected fault, validate the query and body against
//! the wire schema (400), then run the endpoint's behaviour. Everything about the API's shapes
//! comes from the served schema ([`crate::SCHEMA`] unless told otherwise); only the behaviour of
//! stateful endpoints is written by hand (`behaviour` and the modules it dispatches to). Paths
//! below `/_sandbox/` are the sandbox's own API (`admin`).
//!
//! Connections: at most `max_connections` at once (a semaphore; further ones wait in the
//! kernel's backlog), hyper's header-read timeout (which also closes idle keep-alive
//! connections) and the same timeout on reading a body, heads of at most 64 KiB, bodies of at
//! most 8 MiB. A failing `accept` is retried after a growing pause.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};

use leadsquared::ExceptionType;

use crate::schema::{BodySchema, EndpointSchema, FieldSchema, Method, RateLimit, Schema, Shape, TypeSchema};
use crate::state::Shared;
use crate::{Fault, RecordedRequest, admin, behaviour};

/// The largest body the sandbox reads (25 rows are a few kilobytes).
pub(super) const MAX_BODY: usize = 8 * 1024 * 1024;
/// The largest request head (request line and headers) the sandbox reads; a larger one gets
/// `431` from hyper.
const MAX_HEAD: usize = 64 * 1024;
/// Where the sandbox's own API lives.
pub(super) const ADMIN_PREFIX: &str = "/_sandbox/";
/// The most query parameters, and the longest path or value, the request log keeps of a call.
const LOGGED_PARAMS: usize = 64;
const LOGGED_TEXT: usize = 1024;

/// Shown instead of a key in the request log.
const REDACTED: &str = "<redacted>";

/// Accepts connections until `stopped` turns true, serving at most `shared.max_connections` at
/// once.
pub(super) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(shared.max_connections));
    let mut backoff = AcceptBackoff::default();
    loop {
        let slot = tokio::select! {
            _ = stopped.changed() => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, _)) => {
                backoff.succeeded();
                tokio::spawn(connection(stream, Arc::clone(&shared), stopped.clone(), slot));
            }
            Err(error) => {
                drop(slot);
                let Some(pause) = backoff.failed(&error) else { continue };
                tracing::warn!(target: "leadsquared::sandbox", %error, pause_ms = pause.as_millis() as u64, "accept failed; pausing");
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
        }
    }
}

/// The pause after a failed `accept`. Errors of one connection (reset or aborted before it was
/// accepted) are retried at once; others (no file descriptors or memory left) repeat until
/// something is released, so retrying at once would spin: the pause starts at 5 ms and doubles
/// up to 1 s while failures continue.
#[derive(Debug, Default)]
struct AcceptBackoff {
    next: Option<Duration>,
}

impl AcceptBackoff {
    const FIRST: Duration = Duration::from_millis(5);
    const LONGEST: Duration = Duration::from_secs(1);

    /// How long to pause after `error`, if at all.
    fn failed(&mut self, error: &io::Error) -> Option<Duration> {
        if matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
        ) {
            return None;
        }
        let pause = self.next.unwrap_or(Self::FIRST);
        self.next = Some((pause * 2).min(Self::LONGEST));
        Some(pause)
    }

    fn succeeded(&mut self) {
        self.next = None;
    }
}

/// Serves one keep-alive connection, holding one of the server's connection slots. A call that
/// must be dropped wakes `kill`, and dropping the connection future closes the socket without an
/// answer.
async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let read_timeout = shared.read_timeout.max(Duration::from_millis(1));
    let service = {
        let kill = Arc::clone(&kill);
        service_fn(move |request| {
            let (shared, kill) = (Arc::clone(&shared), Arc::clone(&kill));
            async move { handle(request, &shared, &kill).await }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .max_header_size(MAX_HEAD)
        .max_buf_size(MAX_HEAD);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
        _ = stopped.changed() => {}
    }
}

/// What the pipeline decided for one call.
pub(super) struct Outcome {
    pub(super) status: u16,
    pub(super) body: String,
    pub(super) processed: bool,
    pub(super) drop_connection: bool,
    /// Whether to close the connection after answering (the body was not read to its end).
    pub(super) close: bool,
    pub(super) delay: Duration,
}

impl Outcome {
    pub(super) fn json(status: u16, body: &Value, processed: bool) -> Self {
        Outcome {
            status,
            body: body.to_string(),
            processed,
            drop_connection: false,
            close: false,
            delay: Duration::ZERO,
        }
    }

    /// The LeadSquared error envelope, field names from the spec.
    pub(super) fn error(status: u16, exception: Option<&ExceptionType>, message: &str) -> Self {
        let names = crate::SCHEMA.api;
        let mut body = Map::new();
        body.insert(names.status_field.into(), Value::from(names.error_value));
        if let Some(exception) = exception {
            body.insert(names.type_field.into(), Value::from(exception.as_str()));
        }
        body.insert(names.message_field.into(), Value::from(message));
        Outcome::json(status, &Value::Object(body), false)
    }

    fn respond(self) -> Response<Full<Bytes>> {
        let mut response = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header("content-type", "application/json; charset=utf-8");
        if self.close {
            response = response.header("connection", "close");
        }
        response
            .body(Full::new(Bytes::from(self.body)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

/// Reads a whole body of at most [`MAX_BODY`] bytes within `timeout`; the bytes, or the answer
/// (`400` too large or unreadable, `408` too slow), which closes the connection.
pub(super) async fn read_body(body: Incoming, timeout: Duration) -> Result<Bytes, Outcome> {
    let read = Limited::new(body, MAX_BODY).collect();
    let outcome = match tokio::time::timeout(timeout.max(Duration::from_millis(1)), read).await {
        Ok(Ok(body)) => return Ok(body.to_bytes()),
        Ok(Err(_)) => Outcome::error(
            400,
            Some(&ExceptionType::InvalidInput),
            &format!("The request body could not be read or is larger than {MAX_BODY} bytes"),
        ),
        Err(_) => Outcome::error(
            408,
            None,
            &format!(
                "The request body did not arrive within {} ms; the connection is closed",
                timeout.as_millis()
            ),
        ),
    };
    Err(Outcome { close: true, ..outcome })
}

/// The call being handled: its place in the log, and a copy for the `on_call` hook when there is
/// one (the log may drop the call before it ends, or keep none).
struct Call<'a> {
    shared: &'a Shared,
    seq: u64,
    copy: Option<RecordedRequest>,
}

impl Call<'_> {
    fn set(&mut self, change: impl Fn(&mut RecordedRequest)) {
        if let Some(copy) = &mut self.copy {
            change(copy);
        }
        self.shared.update(self.seq, &change);
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: &Shared,
    kill: &Notify,
) -> Result<Response<Full<Bytes>>, Infallible> {
    // The request's leg of a jittered network: the call arrives (and counts) only after it.
    let answer_leg = match shared.jitter() {
        Some((min, max)) => {
            let (request_leg, answer_leg) = network_legs(min, max);
            tokio::time::sleep(request_leg).await;
            answer_leg
        }
        None => Duration::ZERO,
    };
    let arrived = Instant::now();
    let (parts, body) = request.into_parts();
    let query: Vec<(String, String)> = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    if parts.uri.path().starts_with(ADMIN_PREFIX) {
        return Ok(admin::handle(shared, &parts, &query, body).await.respond());
    }
    let record = RecordedRequest {
        seq: 0,
        at: arrived.duration_since(shared.started),
        method: parts.method.to_string(),
        path: clip(parts.uri.path()),
        query: logged_query(shared, &query),
        endpoint: None,
        body: None,
        row_count: None,
        admitted_at: None,
        status: None,
        dropped: false,
        processed: false,
        admitted: false,
        fault: None,
    };
    let copy = shared.on_call.is_some().then(|| record.clone());
    // Logged at arrival, so the log is in arrival order; routing, keys and the rate limit are
    // decided on the headers, as a gateway would, before the body is read.
    let seq = shared.record(record);
    let mut call = Call { shared, seq, copy };
    let (outcome, parsed, faulted) = match gate(shared, &mut call, &parts, &query) {
        Err(outcome) => (outcome, None, false),
        Ok(schema) => match read_body(body, shared.read_timeout).await {
            Err(outcome) => (outcome, None, false),
            Ok(bytes) => pipeline(shared, &mut call, schema, &parts, &query, &bytes),
        },
    };
    let row_count = parsed.as_ref().and_then(Value::as_array).map(Vec::len);
    let ended = |logged: &mut RecordedRequest| {
        logged.status = (!outcome.drop_connection).then_some(outcome.status);
        logged.dropped = outcome.drop_connection;
        logged.processed = outcome.processed;
        logged.row_count = row_count;
    };
    // Refused calls (400, 401, 404, 408, 429) never keep their body.
    let kept = parsed.filter(|_| shared.keep_bodies && (outcome.processed || faulted));
    shared.finish(seq, outcome.processed, |logged| {
        ended(logged);
        logged.body = kept;
    });
    if let (Some(hook), Some(copy)) = (&shared.on_call, &mut call.copy) {
        ended(copy);
        hook.call(copy);
    }
    tracing::debug!(target: "leadsquared::sandbox", seq, method = %parts.method, path = parts.uri.path(), status = outcome.status, processed = outcome.processed, "sandbox call");
    let wait = shared.latency() + outcome.delay + answer_leg;
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    if outcome.drop_connection {
        kill.notify_one();
        std::future::pending::<()>().await;
    }
    Ok(outcome.respond())
}

/// One call's trip over a jittered network: a delay drawn from `min..=max`, split at a random
/// point into the request's leg and the answer's.
fn network_legs(min: Duration, max: Duration) -> (Duration, Duration) {
    use std::sync::atomic::{AtomicU64, Ordering};
    // A shared xorshift generator: the draws need no quality beyond spreading, and no crate.
    static STATE: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
    let next = || {
        let mut x = STATE.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        STATE.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let total = min + (max - min).mul_f64(next());
    let request = total.mul_f64(next());
    (request, total - request)
}

/// The query as logged: keys redacted, at most [`LOGGED_PARAMS`] parameters of at most
/// [`LOGGED_TEXT`] bytes each.
fn logged_query(shared: &Shared, query: &[(String, String)]) -> Vec<(String, String)> {
    let mut logged: Vec<(String, String)> = query
        .iter()
        .take(LOGGED_PARAMS)
        .map(|(name, value)| {
            let secret = shared.is_secret(value) || is_auth_param(shared.schema, name);
            (clip(name), if secret { REDACTED.into() } else { clip(value) })
        })
        .collect();
    if query.len() > LOGGED_PARAMS {
        logged.push(("…".into(), format!("{} more", query.len() - LOGGED_PARAMS)));
    }
    logged
}

/// `text`, cut to at most [`LOGGED_TEXT`] bytes (on a character boundary) with `…` when cut.
fn clip(text: &str) -> String {
    if text.len() <= LOGGED_TEXT {
        return text.to_string();
    }
    let mut cut = LOGGED_TEXT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}

fn is_auth_param(schema: &Schema, name: &str) -> bool {
    name == schema.api.query_access_key || name == schema.api.query_secret_key
}

/// Route, authenticate and count the call against its rate-limit class's limit: the endpoint,
/// or the final answer (404, 401, or the rate-limit refusal).
fn gate(
    shared: &Shared,
    call: &mut Call<'_>,
    parts: &hyper::http::request::Parts,
    query: &[(String, String)],
) -> Result<&'static EndpointSchema, Outcome> {
    let schema = route(shared.schema, parts.method.as_str(), parts.uri.path())
        .map_err(|message| Outcome::error(404, None, &message))?;
    call.set(|logged| logged.endpoint = Some(schema.name));
    authenticate(shared, &parts.headers, query).map_err(|message| Outcome::error(401, None, &message))?;
    let now = shared.admit(schema.rate_class).map_err(|limit| {
        Outcome::error(
            shared.refusal().status(),
            rate_limit_exception(),
            &rate_limit_message(limit),
        )
    })?;
    let admitted_at = now.duration_since(shared.started);
    call.set(|logged| {
        logged.admitted = true;
        logged.admitted_at = Some(admitted_at);
    });
    Ok(schema)
}

/// Everything after the gate: an injected fault, validation, then the endpoint's behaviour. The
/// answer, the body parsed as JSON when it was, and whether a fault answered in the call's place.
fn pipeline(
    shared: &Shared,
    call: &mut Call<'_>,
    schema: &'static EndpointSchema,
    parts: &hyper::http::request::Parts,
    query: &[(String, String)],
    body: &Bytes,
) -> (Outcome, Option<Value>, bool) {
    let fault = shared.next_fault();
    call.set(|logged| logged.fault = fault.clone());
    // A fault that answers in the call's place: the body, if JSON, is kept like a processed
    // call's (with `keep_bodies`), for tests that script answers and check what was sent.
    let answered = |outcome: Outcome| (outcome, serde_json::from_slice::<Value>(body).ok(), true);
    let unprocessed = |status: u16, body: String, drop_connection: bool| Outcome {
        status,
        body,
        processed: false,
        drop_connection,
        close: false,
        delay: Duration::ZERO,
    };
    match &fault {
        Some(Fault::Status(429)) => {
            let class = shared.schema.api.rate_classes.get(schema.rate_class);
            let limit = shared
                .rate_limit(schema.rate_class)
                .or(class.map(|class| class.default));
            let message = limit.map_or_else(|| "API calls exceeded the limit".to_string(), rate_limit_message);
            return answered(Outcome::error(429, rate_limit_exception(), &message));
        }
        Some(Fault::Status(status)) => return answered(Outcome::error(*status, None, &forced(*status))),
        Some(Fault::Exception {
            status,
            exception_type,
            message,
        }) => {
            let exception = ExceptionType::from(exception_type.as_str());
            return answered(Outcome::error(*status, Some(&exception), message));
        }
        Some(Fault::Response { status, body }) => return answered(unprocessed(*status, body.clone(), false)),
        Some(Fault::DropBeforeProcessing) => return answered(unprocessed(0, String::new(), true)),
        _ => {}
    }
    let content_type = parts.headers.get("content-type").and_then(|value| value.to_str().ok());
    let (parsed, checked) = validate(shared.schema, schema, query, content_type, body);
    if let Err(outcome) = checked {
        return (outcome, parsed, false);
    }
    let mut outcome = behave(shared, call.seq, schema, query, parsed.as_ref().unwrap_or(&Value::Null));
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
    (outcome, parsed, false)
}

fn forced(status: u16) -> String {
    format!("Sandbox fault: status {status} injected by the test")
}

fn rate_limit_exception() -> Option<&'static ExceptionType> {
    ExceptionType::KNOWN.iter().find(|exception| exception.is_rate_limit())
}

/// The documented message for `limit`: "API calls exceeded the limit of 25 in 5 second(s)".
fn rate_limit_message(limit: RateLimit) -> String {
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

pub(super) fn authenticate(
    shared: &Shared,
    headers: &hyper::HeaderMap,
    query: &[(String, String)],
) -> Result<(), String> {
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

/// Checks the query and body against the wire schema: the body parsed as JSON (when it was), and
/// whether it passed (else the 400 answer).
fn validate(
    api: &Schema,
    schema: &EndpointSchema,
    query: &[(String, String)],
    content_type: Option<&str>,
    body: &Bytes,
) -> (Option<Value>, Result<(), Outcome>) {
    if let Err(outcome) = validate_query(api, schema, query) {
        return (None, Err(outcome));
    }
    if matches!(schema.body, BodySchema::None) {
        return (None, Ok(()));
    }
    // An optional body may be left out altogether: no content, whatever the Content-Type.
    if matches!(schema.body, BodySchema::Object { required: false, .. }) && body.is_empty() {
        return (None, Ok(()));
    }
    let is_json = content_type
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        let got = content_type.map_or("none".to_string(), |value| format!("`{value}`"));
        return (
            None,
            Err(invalid(format!("The Content-Type must be application/json; got {got}"))),
        );
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(error) => return (None, Err(invalid(format!("The body is not valid JSON: {error}")))),
    };
    let mismatches = api.check_body(&schema.body, &value);
    let Some(first) = mismatches.first() else {
        return (Some(value), Ok(()));
    };
    let message = mismatches
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let message = format!("The body does not match the API: {message}");
    let outcome = if first.missing {
        missing(message)
    } else {
        invalid(message)
    };
    (Some(value), Err(outcome))
}

/// `400` with `MXInvalidInputException`.
fn invalid(message: String) -> Outcome {
    Outcome::error(400, Some(&ExceptionType::InvalidInput), &message)
}

/// `400` with `MXMandatoryAttributeMissingException`.
fn missing(message: String) -> Outcome {
    Outcome::error(400, Some(&ExceptionType::MandatoryAttributeMissing), &message)
}

/// Checks the query parameters: known names, required ones present, values of the right shape.
fn validate_query(api: &Schema, schema: &EndpointSchema, query: &[(String, String)]) -> Result<(), Outcome> {
    for (name, _) in query {
        if is_auth_param(api, name) || schema.query.iter().any(|field| field.wire == name) {
            continue;
        }
        let hint = match schema.query.iter().find(|field| field.wire.eq_ignore_ascii_case(name)) {
            Some(field) => format!("; did you mean `{}`? Names are case-sensitive", field.wire),
            None => String::new(),
        };
        return Err(invalid(format!("Unknown query parameter `{}`{hint}", clip(name))));
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
                if let Some(mismatch) = api.check_sent(&field.shape, &query_value(field, value)).first() {
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
    Ok(())
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

/// Runs the endpoint: the hand-written behaviour where there is one (`behaviour`), else the
/// spec's example.
fn behave(shared: &Shared, seq: u64, schema: &EndpointSchema, query: &[(String, String)], body: &Value) -> Outcome {
    match behaviour::run(shared, schema.name, &behaviour::Call::new(seq, query, body)) {
        Some(Ok(answer)) => Outcome::json(200, &answer, true),
        Some(Err((status, exception, message))) => Outcome::error(status, Some(&exception), &message),
        None => Outcome::json(200, &example_page(shared.schema, schema, body), true),
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
        .and_then(|example| at(&example, pages.position))
        .unwrap_or(Value::from(1));
    let asked = at(body, pages.position);
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
        Shape::DateTime => Value::from("1970-01-01 00:00:00"),
        Shape::Array(_) => json!([]),
        Shape::Named(name) => match api.type_named(name) {
            Some(TypeSchema::Enum(def)) => Value::from(def.values.first().copied().unwrap_or("")),
            Some(TypeSchema::Attributes(_)) => json!([]),
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

    #[test]
    fn a_jittered_trip_splits_a_delay_within_the_bounds_into_two_legs() {
        let (min, max) = (Duration::from_millis(50), Duration::from_millis(300));
        let trips: Vec<_> = (0..1000).map(|_| network_legs(min, max)).collect();
        assert!(trips.iter().all(|(to, back)| (min..=max).contains(&(*to + *back))));
        // Spread over the range, and split at varying points: arrivals bunch.
        let totals: Vec<_> = trips.iter().map(|(to, back)| *to + *back).collect();
        assert!(
            totals.iter().any(|t| *t < Duration::from_millis(100))
                && totals.iter().any(|t| *t > Duration::from_millis(250))
        );
        assert!(
            trips.iter().any(|(to, _)| *to < Duration::from_millis(20))
                && trips.iter().any(|(to, _)| *to > Duration::from_millis(200))
        );
    }
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
    fn accept_failures_pause_longer_and_longer_until_one_succeeds() {
        let mut backoff = AcceptBackoff::default();
        let no_files = io::Error::from_raw_os_error(24); // EMFILE on Linux and macOS
        let pauses: Vec<u64> = (0..10)
            .filter_map(|_| backoff.failed(&no_files))
            .map(|pause| pause.as_millis() as u64)
            .collect();
        assert_eq!(pauses, [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
        // Ten failures in a row spend 3.3 s pausing: a loop at the open-file limit sleeps.
        assert!(pauses.iter().sum::<u64>() > 3000);
        backoff.succeeded();
        assert_eq!(backoff.failed(&no_files), Some(Duration::from_millis(5)));
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            backoff.failed(&reset),
            None,
            "one connection's error is retried at once"
        );
    }

    #[test]
    fn logged_text_is_cut_on_a_character_boundary() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(LOGGED_TEXT);
        let clipped = clip(&long);
        assert!(clipped.len() <= LOGGED_TEXT + "…".len(), "{}", clipped.len());
        assert!(clipped.ends_with('…'));
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
