//! Plain-data descriptions of the API and its endpoints.
//!
//! The generator turns `spec/*.yaml` into `const` values of these types (`generated::api::API`,
//! `generated::endpoints::*`), and the hand-written client reads them at run time. Keeping the
//! facts in data rather than in generated control flow means one transport implementation serves
//! every endpoint, and a spec change never needs a runtime change.
//!
//! Architecture invariant: every type here is constructible in `const` context (plain `pub`
//! fields, `&'static` strings and slices) and is `Copy`, so generated code can emit them as
//! literals and the runtime can pass them around by value.

use std::fmt;

/// What every endpoint of the API shares: base URL, authentication, error envelope, plans and
/// rate-limit classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Api {
    /// The API's name, e.g. `LeadSquared`.
    pub name: &'static str,
    /// The base URL template; `{host}` is replaced by the regional host.
    pub base_url: &'static str,
    /// Where and under which names the access key and secret key are sent.
    pub auth: Auth,
    /// The JSON shape LeadSquared uses to report an error, whatever the HTTP status.
    pub error_envelope: ErrorEnvelope,
    /// The subscription plans, by their documented names, in the order of each class's
    /// [`RateClass::plans`].
    pub plans: &'static [&'static str],
    /// The rate-limit classes; the first is the class of every endpoint that names none (and of
    /// calls through `Client::call` unless told otherwise).
    pub rate_classes: &'static [RateClass],
}

/// How the access key and secret key are sent.
///
/// LeadSquared accepts both forms on every endpoint; it recommends headers because a query
/// string tends to end up in proxy and server logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Auth {
    /// The placement a client uses unless told otherwise.
    pub preferred: AuthPlacement,
    /// The header carrying the access key, e.g. `x-LSQ-AccessKey`.
    pub header_access_key: &'static str,
    /// The header carrying the secret key, e.g. `x-LSQ-SecretKey`.
    pub header_secret_key: &'static str,
    /// The query parameter carrying the access key, e.g. `accessKey`.
    pub query_access_key: &'static str,
    /// The query parameter carrying the secret key, e.g. `secretKey`.
    pub query_secret_key: &'static str,
}

/// Where the keys go on each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum AuthPlacement {
    /// In two request headers (recommended by LeadSquared; keeps the keys out of URLs).
    #[default]
    Header,
    /// In the query string, as every endpoint page's URL template shows.
    Query,
}

/// The field names of LeadSquared's error body,
/// e.g. `{"Status":"Error","ExceptionType":"MX…","ExceptionMessage":"…"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorEnvelope {
    /// The field whose value marks an error, e.g. `Status`.
    pub status_field: &'static str,
    /// The value of `status_field` that marks an error (compared without regard to ASCII case).
    pub error_value: &'static str,
    /// The field naming the exception type, e.g. `ExceptionType`.
    pub type_field: &'static str,
    /// The field carrying the human-readable message, e.g. `ExceptionMessage`.
    pub message_field: &'static str,
}

/// A rate limit: at most `calls` calls per `per_millis` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateLimit {
    /// How many calls the window allows.
    pub calls: u32,
    /// The window's length in milliseconds.
    pub per_millis: u64,
}

/// A rate-limit class: endpoints whose calls count against one limit of their own (LeadSquared
/// gives its bulk endpoints a lower one). The typed form is the crate's `RateLimitClass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateClass {
    /// The class's name in the spec, e.g. `bulk`.
    pub name: &'static str,
    /// Its position in `Api::rate_classes`: which of the client's limiters it uses.
    pub index: usize,
    /// The limit when no plan is chosen.
    pub default: RateLimit,
    /// The limit on each plan, in the order of `Api::plans` (the default where the spec
    /// gives no figure for a plan).
    pub plans: &'static [RateLimit],
}

/// One endpoint: everything the runtime needs to send a call and to interpret the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The Rust method name, e.g. `add_opportunities_in_bulk`; used in errors and logs.
    pub name: &'static str,
    /// The title of the endpoint's documentation page.
    pub title: &'static str,
    /// The spec group the endpoint belongs to, e.g. `opportunities`.
    pub group: &'static str,
    /// The endpoint's documentation page, when known.
    pub docs_url: Option<&'static str>,
    /// The HTTP method.
    pub method: Method,
    /// The path below the base URL, starting with `/` and without a query.
    pub path: &'static str,
    /// Whether sending the same call twice has the same effect as sending it once. Callers (and a
    /// future retry layer) must not resend non-idempotent calls whose outcome is unknown.
    pub idempotent: bool,
    /// Whether the call is a GET that changes state on the server (LeadSquared deletes with
    /// GETs, e.g. Delete a Lead). Such a call is never idempotent, so nothing resends it when
    /// its outcome is unknown; a tool that treats GETs as safe (to repeat, cache or prefetch)
    /// must check this.
    pub changes_state: bool,
    /// For an array body, how many items one call takes.
    pub items: Option<ItemLimit>,
    /// The rate-limit class the endpoint's calls count against.
    pub rate_class: &'static RateClass,
    /// The documented HTTP statuses and what each means.
    pub statuses: &'static [StatusSpec],
}

impl Endpoint {
    /// The documentation of `code`, if the endpoint documents that status.
    pub fn status(&self, code: u16) -> Option<&'static StatusSpec> {
        self.statuses.iter().find(|spec| spec.code == code)
    }
}

/// How many items an array body may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ItemLimit {
    /// The fewest items one call takes.
    pub min: usize,
    /// The most items one call takes, if limited.
    pub max: Option<usize>,
}

impl ItemLimit {
    /// Whether a body of `count` items is within the limit.
    pub fn allows(&self, count: usize) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl fmt::Display for ItemLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "exactly {max}"),
            Some(max) => write!(f, "{} to {max}", self.min),
            None => write!(f, "at least {}", self.min),
        }
    }
}

/// The HTTP methods LeadSquared uses; it has no PUT or DELETE (deleting is a GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

impl Method {
    /// The method as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One documented HTTP status of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusSpec {
    /// The HTTP status code.
    pub code: u16,
    /// What the documentation says the status means.
    pub meaning: &'static str,
    /// Whether the server acted on a call answered with this status.
    pub processed: Processed,
}

/// Whether the server acted on a call (created records, posted activities…).
///
/// This is what decides if resending is safe: `Never` can be resent as is, `Always` must not be,
/// and `Unknown` needs a check (e.g. a search) before a non-idempotent call is resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Processed {
    /// The server processed the call.
    Always,
    /// The server did not process the call, or the call was never sent.
    Never,
    /// The call may or may not have been processed.
    Unknown,
}

impl fmt::Display for Processed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Processed::Always => "processed",
            Processed::Never => "not processed",
            Processed::Unknown => "possibly processed",
        })
    }
}
