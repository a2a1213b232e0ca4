//! The crate's error type.
//!
//! One enum, [`Error`], so callers can `?` every call, with variants fine-grained enough to act
//! on: a rate limit is retried after a pause, a bad key is fixed in configuration, a rule broken
//! before sending is fixed in the data. [`Error::processed`] answers the question that decides
//! whether a non-idempotent call may be resent: did the server act on it?
//!
//! Architecture invariant: no error ever contains the access key or the secret key, in
//! `Display` or `Debug`. Errors hold only endpoint names (never URLs, which carry the keys in
//! query mode), `reqwest` errors stripped of their URL, and server text from which the keys have
//! been removed. `tests/secrets.rs` drives every error path to check this.

use std::fmt;

use crate::generated::types::ExceptionType;
use crate::runtime::{ItemLimit, Processed, RuleViolation};

/// Everything that can go wrong building, sending or decoding a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client could not be built; the message says what to change.
    #[error("invalid client configuration: {message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// An array body had too few or too many items; nothing was sent.
    #[error("{}", item_count_message(endpoint, *count, limit))]
    ItemCount {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// How many items were given.
        count: usize,
        /// How many items one call takes.
        limit: ItemLimit,
    },

    /// An item of an array body broke one of the spec's rules; nothing was sent.
    #[error(
        "item {index} (0-based) of the {endpoint} call is invalid: {violation}; fix it and call again (nothing was sent)"
    )]
    InvalidItem {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The 0-based position of the first invalid item.
        index: usize,
        /// The rule it breaks.
        violation: RuleViolation,
    },

    /// An object body broke one of the spec's rules; nothing was sent.
    #[error("the {endpoint} request body is invalid: {violation}; fix it and call again (nothing was sent)")]
    InvalidBody {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The rule it breaks.
        violation: RuleViolation,
    },

    /// The body could not be serialized to JSON (e.g. a non-finite float); nothing was sent.
    #[error("could not serialize the {endpoint} request body to JSON (nothing was sent)")]
    Serialize {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },

    /// HTTP 400: the body is not as the API specifies.
    #[error("{0}; check the request's attribute names and structure")]
    BadRequest(ApiError),

    /// HTTP 401: the keys are wrong, the user is inactive, or the call went to another region.
    #[error("{0}; check the access key and secret key, and that the client uses your account's regional host")]
    Unauthorized(ApiError),

    /// HTTP 404: the path does not exist on this host.
    #[error("{0}; check the base URL (it normally ends in /v2)")]
    NotFound(ApiError),

    /// The account's rate limit was hit: HTTP 429, or an `MXAPIRateLimitExceededException` body
    /// under any status. The call was not processed and can be resent after a pause.
    #[error("{0}; wait a few seconds before calling again (LeadSquared counts calls per account in 5-second windows)")]
    RateLimited(ApiError),

    /// HTTP 500: LeadSquared reports most logical errors (missing fields, duplicates) this way.
    #[error("{0}; with an MX exception the failure is deterministic, so fix the input instead of retrying")]
    ServerError(ApiError),

    /// An error body under a status that has no variant of its own, typically HTTP 200.
    #[error("{0}; the server refused the call, so fix the input instead of retrying")]
    Rejected(ApiError),

    /// A status the endpoint does not document; the server or a proxy in between behaves in a
    /// way this client does not know.
    #[error("{endpoint}: undocumented HTTP status {status}; the body starts with: {body}")]
    UnexpectedStatus {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body, bounded and with the keys removed.
        body: String,
    },

    /// A success status whose body is not JSON or does not have the expected shape.
    #[error("{endpoint}: could not decode the HTTP {status} response; the body starts with: {snippet}")]
    Decode {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body, bounded and with the keys removed.
        snippet: String,
        /// Whether the server acted on the call (for a success status it usually did).
        processed: Processed,
        /// What the JSON decoder objected to.
        source: serde_json::Error,
    },

    /// No complete answer came in time (see `ClientBuilder::timeout`).
    #[error("{endpoint} timed out; the call may or may not have been processed, so check before resending it")]
    Timeout {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL.
        source: reqwest::Error,
    },

    /// No connection could be made; nothing was sent.
    #[error(
        "could not connect to LeadSquared for {endpoint}; check the host or base URL and the network (nothing was sent)"
    )]
    Connect {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL.
        source: reqwest::Error,
    },

    /// Another transport failure, e.g. the connection dropped while the answer was read.
    #[error("{endpoint}: the HTTP exchange failed; the call may or may not have been processed")]
    Transport {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL.
        source: reqwest::Error,
    },

    /// A bulk answer did not account for a row exactly once (no result for it, several, or one
    /// that does not say whether it was applied). Reported for that row by bulk jobs.
    #[error("{endpoint}: {detail}; the row may or may not have been applied")]
    ResultMismatch {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// What did not match.
        detail: String,
    },
}

impl Error {
    /// The API error, for the variants that carry one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::BadRequest(error)
            | Error::Unauthorized(error)
            | Error::NotFound(error)
            | Error::RateLimited(error)
            | Error::ServerError(error)
            | Error::Rejected(error) => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::UnexpectedStatus { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => self.api_error().map(|error| error.status),
        }
    }

    /// The exception type LeadSquared named, if any.
    pub fn exception_type(&self) -> Option<&ExceptionType> {
        self.api_error().and_then(|error| error.exception_type.as_ref())
    }

    /// Whether the account's rate limit was hit; such a call can be resent after a pause.
    pub fn is_rate_limit(&self) -> bool {
        matches!(self, Error::RateLimited(_))
    }

    /// Whether the server acted on the call; decides whether a non-idempotent call may be resent.
    ///
    /// `Never` for everything caught before sending and for failed connections; `Unknown` for
    /// timeouts, dropped connections and undocumented answers; for API errors, what the endpoint
    /// documents for the status.
    pub fn processed(&self) -> Processed {
        match self {
            Error::Config { .. }
            | Error::ItemCount { .. }
            | Error::InvalidItem { .. }
            | Error::InvalidBody { .. }
            | Error::Serialize { .. }
            | Error::Connect { .. } => Processed::Never,
            Error::Decode { processed, .. } => *processed,
            Error::UnexpectedStatus { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::ResultMismatch { .. } => Processed::Unknown,
            Error::BadRequest(error)
            | Error::Unauthorized(error)
            | Error::NotFound(error)
            | Error::RateLimited(error)
            | Error::ServerError(error)
            | Error::Rejected(error) => error.processed,
        }
    }

    /// The method name of the endpoint the call was for, when there was one.
    pub fn endpoint(&self) -> Option<&'static str> {
        match self {
            Error::Config { .. } => None,
            Error::ItemCount { endpoint, .. }
            | Error::InvalidItem { endpoint, .. }
            | Error::InvalidBody { endpoint, .. }
            | Error::Serialize { endpoint, .. }
            | Error::UnexpectedStatus { endpoint, .. }
            | Error::Decode { endpoint, .. }
            | Error::Timeout { endpoint, .. }
            | Error::Connect { endpoint, .. }
            | Error::Transport { endpoint, .. }
            | Error::ResultMismatch { endpoint, .. } => Some(endpoint),
            Error::BadRequest(error)
            | Error::Unauthorized(error)
            | Error::NotFound(error)
            | Error::RateLimited(error)
            | Error::ServerError(error)
            | Error::Rejected(error) => Some(error.endpoint),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

fn item_count_message(endpoint: &str, count: usize, limit: &ItemLimit) -> String {
    let advice = match limit.max {
        Some(max) if count > max => format!("split the rows into calls of at most {max}"),
        _ => format!("send at least {}", limit.min),
    };
    format!("{endpoint} takes {limit} items per call but was given {count}; {advice} (nothing was sent)")
}

/// What LeadSquared said about a failed call.
///
/// `exception_type` and `message` come from the error envelope
/// (`{"Status":"Error","ExceptionType":…,"ExceptionMessage":…}`); when the body was something
/// else (an HTML page from a proxy, say) they are `None` and `snippet` keeps its start.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The endpoint's method name, e.g. `add_opportunities_in_bulk`.
    pub endpoint: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The exception type, e.g. `MXInvalidInputException`, when the body named one.
    pub exception_type: Option<ExceptionType>,
    /// The exception message, when the body had one (with the keys removed).
    pub message: Option<String>,
    /// What the endpoint's documentation says the status means, when it documents it.
    pub meaning: Option<&'static str>,
    /// Whether the server acted on the call.
    pub processed: Processed,
    /// The start of a body that was not an error envelope, bounded and with the keys removed.
    pub snippet: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.endpoint, self.status)?;
        match (&self.exception_type, &self.message) {
            (Some(kind), Some(message)) => write!(f, ": {kind}: {message}")?,
            (Some(kind), None) => write!(f, ": {kind}")?,
            (None, Some(message)) => write!(f, ": {message}")?,
            (None, None) => match (&self.snippet, self.meaning) {
                (Some(snippet), _) if !snippet.is_empty() => write!(f, "; the body starts with: {snippet}")?,
                (_, Some(meaning)) => write!(f, " ({})", meaning.trim_end_matches('.'))?,
                _ => {}
            },
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}
