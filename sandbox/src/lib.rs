//! An offline emulator of the LeadSquared API, for tests and examples.
//!
//! The sandbox serves every endpoint of the spec on loopback HTTP, with the real paths and
//! methods, and behaves like the real API as far as it is documented:
//!
//! - **Authentication** with the access key and secret key, in headers or in the query; wrong or
//!   missing keys get `401`.
//! - **Validation** of every request against the spec's wire schema ([`crate::SCHEMA`]): content
//!   type, JSON syntax, attribute names (case-sensitive) and types, required attributes, unknown
//!   query parameters, item limits (0 or more than 25 rows get `400`), unknown paths (`404`). It
//!   reads the JSON itself instead of decoding it with the client's serde types, so a wrong name,
//!   casing or type in the client fails a test.
//! - **Rate limiting**: at most 25 calls in any 5-second window by default
//!   ([`SandboxBuilder::rate_limit`] scales it down for fast tests), `429` with the documented
//!   message past it.
//! - **State** for Add Opportunities in Bulk: a store of [`Lead`]s with unique fields
//!   (`EmailAddress`, `Phone`, `Mobile`, plus [`SandboxBuilder::unique_field`]); each row's lead is
//!   found by `SearchBy` + `SearchByValue`, an opportunity is created with a fresh id, and the
//!   answer has one result per row. The created [`Opportunity`]s can be read back.
//! - **Example answers** for every other endpoint of the spec: the request is validated and the
//!   spec's response example is returned.
//! - **Fault injection** ([`Sandbox::inject`]) and a log of every request ([`Sandbox::requests`])
//!   that tells which were processed.
//!
//! # What is not documented, and what the sandbox does instead
//!
//! LeadSquared documents only the shape of a created row. A row that is not created is answered
//! here as `{"RowNumber":2,"OpportunityCreated":false,"ExceptionType":"MX…","ExceptionMessage":"…"}`,
//! the shape sibling bulk endpoints use. The exception types are
//! `MXInvalidLeadException` (no lead has that `SearchByValue`),
//! `MXInvalidActivityException` (event code `0` or less) and `MXInvalidActivityFieldsException`
//! (a mandatory field is missing; by default `mx_Custom_1`, see
//! [`SandboxBuilder::mandatory_fields`]). The bodies of `401` and `404` are not documented either:
//! they carry `Status` and `ExceptionMessage` but no `ExceptionType`, so that no test comes to rely
//! on an invented name. An unknown `SearchBy` field is a logical error and gets `500` with
//! `MXInvalidInputException: Invalid SearchBy value provided`, as observed on the real API. No
//! duplicate-detection rules exist in the sandbox: every valid row creates a new opportunity.
//!
//! # Example
//!
//! ```
//! use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
//! use leadsquared_sandbox::{Lead, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder()
//!     .lead(Lead::new().with_email("ana@example.com"))
//!     .start()
//!     .await?;
//! let client = sandbox.client()?;
//!
//! let row = OpportunityByLeadField::new("ana@example.com", 12114)
//!     .with_fields(vec![OpportunityField::new("mx_Custom_1", "Website redesign")]);
//! let answer = client.add_opportunities_in_bulk(SearchBy::EmailAddress, [row]).await?;
//!
//! assert_eq!(answer[0].opportunity_created, Some(true));
//! assert_eq!(sandbox.opportunities().len(), 1);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The same server runs standalone: `cargo run -p leadsquared-sandbox -- --addr
//! 127.0.0.1:8080` (or `cargo sandbox --addr …` in this repository) prints its base URL on the
//! first line.

#[rustfmt::skip]
mod generated;
mod opportunities;
pub mod schema;
mod server;
mod state;

pub use generated::schema::SCHEMA;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use leadsquared::{Client, ClientBuilder, Credentials};

use crate::schema::{RateLimit, Schema};

use state::Shared;

/// The access key a sandbox accepts unless told otherwise.
pub const DEFAULT_ACCESS_KEY: &str = "sandbox-access-key";
/// The secret key a sandbox accepts unless told otherwise.
pub const DEFAULT_SECRET_KEY: &str = "sandbox-secret-key";
/// The lead fields that are unique in every LeadSquared account.
pub const DEFAULT_UNIQUE_FIELDS: [&str; 3] = ["EmailAddress", "Phone", "Mobile"];
/// The endpoints (by method name) with hand-written, stateful behaviour; every other endpoint of
/// the spec is validated and answered with its spec example.
pub const STATEFUL_ENDPOINTS: &[&str] = &[opportunities::ENDPOINT];

/// The opportunity fields a row must carry to be created unless told otherwise: the opportunity
/// name, which is mandatory in most accounts.
pub const DEFAULT_MANDATORY_FIELDS: [&str; 1] = ["mx_Custom_1"];

/// Why a sandbox could not start or take a lead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("the sandbox could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Two leads have the same value of a unique field.
    #[error("a lead with {field} = {value:?} already exists; unique fields must differ between leads")]
    DuplicateLead {
        /// The unique field.
        field: String,
        /// The value both leads have.
        value: String,
    },
    /// A lead list (e.g. the `--leads` file) is not a JSON array of objects of strings.
    #[error("the lead list is not valid: {0}")]
    InvalidLeads(String),
}

/// A lead in the sandbox's store: field values by schema name.
///
/// ```
/// use leadsquared_sandbox::Lead;
///
/// let lead = Lead::new().with_email("ana@example.com").with_field("mx_Customer_Code", "C-17");
/// assert_eq!(lead.field("EmailAddress"), Some("ana@example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lead {
    id: Option<String>,
    fields: BTreeMap<String, String>,
}

impl Lead {
    /// A lead with no fields yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field `schema_name` (e.g. `EmailAddress`, `mx_City`).
    pub fn with_field(mut self, schema_name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(schema_name.into(), value.into());
        self
    }

    /// Sets `EmailAddress`.
    pub fn with_email(self, email: impl Into<String>) -> Self {
        self.with_field("EmailAddress", email)
    }

    /// Sets `Phone`, e.g. `+91-2543456794`.
    pub fn with_phone(self, phone: impl Into<String>) -> Self {
        self.with_field("Phone", phone)
    }

    /// Sets `Mobile`.
    pub fn with_mobile(self, mobile: impl Into<String>) -> Self {
        self.with_field("Mobile", mobile)
    }

    /// Sets the lead's id (`ProspectID`); the sandbox assigns one when none is set.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The lead's id (`ProspectID`), once it is in a sandbox or when set with [`Lead::with_id`].
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The value of the field `schema_name`.
    pub fn field(&self, schema_name: &str) -> Option<&str> {
        self.fields.get(schema_name).map(String::as_str)
    }

    /// Every field, by schema name.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    /// Leads from a JSON array of objects keyed by field schema name, the format of the
    /// standalone sandbox's `--leads` file: `[{"EmailAddress":"a@example.com","Phone":"+91-1"}]`.
    /// Numbers are taken as their text, `null` as absent; `ProspectID` sets the id.
    pub fn list_from_json(text: &str) -> Result<Vec<Lead>, SandboxError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| SandboxError::InvalidLeads(error.to_string()))?;
        let serde_json::Value::Array(items) = value else {
            return Err(SandboxError::InvalidLeads(
                "expected a JSON array of lead objects".into(),
            ));
        };
        let mut leads = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let serde_json::Value::Object(map) = item else {
                return Err(SandboxError::InvalidLeads(format!("lead {index} is not a JSON object")));
            };
            let mut lead = Lead::new();
            for (key, value) in map {
                let text = match value {
                    serde_json::Value::String(text) => text,
                    serde_json::Value::Number(number) => number.to_string(),
                    serde_json::Value::Bool(flag) => flag.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        let message = format!("lead {index}: `{key}` must be a string, a number or a boolean");
                        return Err(SandboxError::InvalidLeads(message));
                    }
                };
                lead = if key.eq_ignore_ascii_case("ProspectID") {
                    lead.with_id(text)
                } else {
                    lead.with_field(key, text)
                };
            }
            leads.push(lead);
        }
        Ok(leads)
    }
}

/// An opportunity created through the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// Its id, as answered in `ProspectOpportunityId`.
    pub id: String,
    /// The id of the lead it belongs to.
    pub lead_id: String,
    /// `OpportunityEventCode`, the opportunity type.
    pub event_code: i64,
    /// The row exactly as it was sent.
    pub row: serde_json::Value,
    /// The sequence number of the request that created it (see [`RecordedRequest::seq`]).
    pub request_seq: u64,
    /// The row's 1-based position in that request.
    pub row_number: usize,
}

impl Opportunity {
    /// The value of the opportunity field `schema_name` as sent in the row's `Fields`.
    pub fn field(&self, schema_name: &str) -> Option<&str> {
        self.row
            .get("Fields")?
            .as_array()?
            .iter()
            .find(|field| field.get("SchemaName").and_then(|name| name.as_str()) == Some(schema_name))?
            .get("Value")?
            .as_str()
    }
}

/// A misbehaviour for [`Sandbox::inject`] to apply to upcoming calls.
///
/// Faults apply to authenticated calls to known endpoints, after the rate limiter has counted
/// them, in the order they were injected.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status without processing the call. The body is a LeadSquared error
    /// envelope: `MXAPIRateLimitExceededException` for `429`, and no `ExceptionType` otherwise
    /// (for `500` that is the ambiguous kind: the client cannot know whether it was processed).
    Status(u16),
    /// Process the call, then answer with this status and an envelope without `ExceptionType`.
    StatusAfterProcessing(u16),
    /// Answer without processing with `{"Status":"Error","ExceptionType":…,"ExceptionMessage":…}`
    /// and this status, e.g. `200` with `MXAPIRateLimitExceededException`, or a deterministic `500`.
    Exception {
        /// The HTTP status.
        status: u16,
        /// The `ExceptionType`, e.g. `MXInvalidInputException`.
        exception_type: String,
        /// The `ExceptionMessage`.
        message: String,
    },
    /// Answer without processing with this status and this exact body.
    Response {
        /// The HTTP status.
        status: u16,
        /// The body, sent as `application/json` whatever it holds.
        body: String,
    },
    /// Process the call normally, but wait this long before answering.
    Delay(Duration),
    /// Close the connection without answering and without processing the call.
    DropBeforeProcessing,
    /// Process the call, then close the connection without answering.
    DropAfterProcessing,
    /// Process the call and answer `200` with a body that is not valid JSON.
    MalformedBody,
}

/// One call the sandbox received, for tests to inspect.
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// Position in arrival order, from 0.
    pub seq: u64,
    /// When it arrived, measured from the sandbox's start.
    pub at: Duration,
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField`.
    pub path: String,
    /// The query parameters in order, with the access key and secret key values redacted.
    pub query: Vec<(String, String)>,
    /// The endpoint's Rust method name, when the path and method are known.
    pub endpoint: Option<&'static str>,
    /// The parsed JSON body, when there was one (not kept by a [lean](SandboxBuilder::lean) sandbox).
    pub body: Option<serde_json::Value>,
    /// The number of rows of an array body.
    pub row_count: Option<usize>,
    /// The status answered; `None` while the call is in progress or when it was dropped.
    pub status: Option<u16>,
    /// Whether the connection was closed instead of answering (a fault).
    pub dropped: bool,
    /// Whether the call took effect (e.g. created opportunities).
    pub processed: bool,
    /// Whether the rate limiter counted it (it passed authentication and was not refused with 429).
    pub admitted: bool,
    /// When the rate limiter counted it, measured from the sandbox's start: the time the
    /// limit applies to (when its headers arrived, before its body was read).
    pub admitted_at: Option<Duration>,
    /// The fault applied to it, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// The number of rows of an array body.
    pub fn rows(&self) -> Option<usize> {
        self.row_count
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("seq", &self.seq)
            .field("at", &self.at)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("endpoint", &self.endpoint)
            .field("rows", &self.rows())
            .field("status", &self.status)
            .field("dropped", &self.dropped)
            .field("processed", &self.processed)
            .field("admitted", &self.admitted)
            .field("admitted_at", &self.admitted_at)
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Sandbox`]; start with [`Sandbox::builder`].
#[derive(Clone)]
pub struct SandboxBuilder {
    schema: &'static Schema,
    addr: SocketAddr,
    access_key: String,
    secret_key: String,
    rate_limit: Option<RateLimit>,
    unique_fields: Vec<String>,
    mandatory_fields: Vec<String>,
    leads: Vec<Lead>,
    latency: Duration,
    lean: bool,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("addr", &self.addr)
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .field("rate_limit", &self.rate_limit)
            .field("unique_fields", &self.unique_fields)
            .field("mandatory_fields", &self.mandatory_fields)
            .field("leads", &self.leads.len())
            .field("latency", &self.latency)
            .field("lean", &self.lean)
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            schema: &crate::SCHEMA,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key: DEFAULT_ACCESS_KEY.into(),
            secret_key: DEFAULT_SECRET_KEY.into(),
            rate_limit: Some(crate::SCHEMA.api.rate_limit),
            unique_fields: DEFAULT_UNIQUE_FIELDS.iter().map(|f| f.to_string()).collect(),
            mandatory_fields: DEFAULT_MANDATORY_FIELDS.iter().map(|f| f.to_string()).collect(),
            leads: Vec::new(),
            latency: Duration::ZERO,
            lean: false,
        }
    }
}

impl SandboxBuilder {
    /// Serves another wire schema instead of [`crate::SCHEMA`], e.g. one generated from a test
    /// spec. Endpoints are matched by path; those without hand-written behaviour answer with
    /// their spec example.
    pub fn schema(mut self, schema: &'static Schema) -> Self {
        self.schema = schema;
        self
    }

    /// The address to listen on; `127.0.0.1:0` (an ephemeral loopback port) by default.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The keys the sandbox accepts; [`DEFAULT_ACCESS_KEY`] and [`DEFAULT_SECRET_KEY`] by default.
    pub fn credentials(mut self, access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.access_key = access_key.into();
        self.secret_key = secret_key.into();
        self
    }

    /// At most `calls` calls in any window of `per` (25 per 5 s, the documented default, unless
    /// set). Scaled-down windows such as 25 per 250 ms keep rate-limit tests fast.
    pub fn rate_limit(mut self, calls: u32, per: Duration) -> Self {
        self.rate_limit = Some(RateLimit {
            calls,
            per_millis: per.as_millis().try_into().unwrap_or(u64::MAX),
        });
        self
    }

    /// Turns rate limiting off.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = None;
        self
    }

    /// Makes another lead field unique (and so usable as `SearchBy`), e.g. `mx_Customer_Code`.
    pub fn unique_field(mut self, schema_name: impl Into<String>) -> Self {
        self.unique_fields.push(schema_name.into());
        self
    }

    /// The opportunity fields every row must carry (non-empty) to be created; replaces the
    /// default, [`DEFAULT_MANDATORY_FIELDS`]. Pass an empty list to require none.
    pub fn mandatory_fields<I, S>(mut self, schema_names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.mandatory_fields = schema_names.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a lead to the store.
    pub fn lead(mut self, lead: Lead) -> Self {
        self.leads.push(lead);
        self
    }

    /// Adds leads to the store.
    pub fn leads(mut self, leads: impl IntoIterator<Item = Lead>) -> Self {
        self.leads.extend(leads);
        self
    }

    /// Waits this long before every answer, like a network round trip (none by default).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Keeps counts rather than contents, for long runs (benchmarks): created opportunities keep
    /// their ids but not their rows (`Opportunity::row` is `null`), and the request log keeps no
    /// bodies. Off by default.
    pub fn lean(mut self, lean: bool) -> Self {
        self.lean = lean;
        self
    }

    /// Binds the socket, stores the leads and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let schema = self.schema;
        let shared = Arc::new(Shared::new(&self));
        for lead in self.leads {
            shared.add_lead(lead)?;
        }
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: self.addr,
            source,
        })?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
        Ok(Sandbox {
            addr,
            base_url: base_url(schema, addr),
            shared,
            stop,
            task: Some(task),
        })
    }
}

/// The base URL a client uses for a sandbox at `addr`: the API's path on plain HTTP.
fn base_url(schema: &Schema, addr: SocketAddr) -> String {
    let path = schema
        .api
        .base_url
        .split_once("://")
        .map_or("", |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    format!("http://{addr}{path}")
}

/// A running sandbox; stops when [`shut down`](Sandbox::shutdown) or dropped.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder with the defaults: loopback, an ephemeral port, the default keys, 25 calls per
    /// 5 s, no leads.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with the defaults.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::builder().start().await
    }

    /// The base URL to give [`ClientBuilder::base_url`], e.g. `http://127.0.0.1:41234/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The keys the sandbox accepts.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials()
    }

    /// A client builder aimed at this sandbox with its keys; add settings, then `build()`.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url.clone())
            .credentials(self.credentials())
    }

    /// A client for this sandbox.
    pub fn client(&self) -> Result<Client, leadsquared::Error> {
        self.client_builder().build()
    }

    /// Adds a lead to the store and returns its id.
    pub fn add_lead(&self, lead: Lead) -> Result<String, SandboxError> {
        self.shared.add_lead(lead)
    }

    /// Every lead in the store, with its id.
    pub fn leads(&self) -> Vec<Lead> {
        self.shared.leads()
    }

    /// Every opportunity created so far, in creation order.
    pub fn opportunities(&self) -> Vec<Opportunity> {
        self.shared.opportunities()
    }

    /// Every call received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// The most calls the rate limiter admitted in any window of length `window` (by
    /// [`RecordedRequest::admitted_at`]): what the server saw of a client's pacing.
    pub fn max_admitted_in_window(&self, window: Duration) -> usize {
        let mut times: Vec<Duration> = self.requests().iter().filter_map(|r| r.admitted_at).collect();
        times.sort_unstable();
        let mut most = 0;
        let mut start = 0;
        for end in 0..times.len() {
            // Half-open windows [t, t + window): a call `window` after another is in the next one.
            while start <= end && times[end] - times[start] >= window {
                start += 1;
            }
            most = most.max(end + 1 - start);
        }
        most
    }

    /// Applies `fault` to the next `times` calls (after any faults injected before it).
    pub fn inject(&self, fault: Fault, times: usize) {
        self.shared.inject(fault, times);
    }

    /// Removes every fault not yet applied.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Changes the wait before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.set_latency(latency);
    }

    /// Changes the rate limit (`None` turns it off); the calls already counted stay counted.
    pub fn set_rate_limit(&self, limit: Option<(u32, Duration)>) {
        self.shared.set_rate_limit(limit.map(|(calls, per)| RateLimit {
            calls,
            per_millis: per.as_millis().try_into().unwrap_or(u64::MAX),
        }));
    }

    /// Stops accepting calls, closes open connections and waits for the server to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
