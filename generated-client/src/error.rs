//! The crate's error type.
//!
//! One enum, [`Error`], so callers can `?` every call, with variants fine-grained enough to act
//! on: a rate limit is retried after a pause, a bad key is fixed in configuration, a rule broken
//! before sending is fixed in the data. [`Error::processed`] answers the question that decides
//! whether a non-idempotent call may be resent: did the server act on it, and every message
//! says what is known about that rather than guessing.
//!
//! Architecture invariant: no error ever contains the access key or the secret key, in any
//! spelling, in `Display` or `Debug`. Errors hold only endpoint names (never URLs, which carry
//! the keys in query mode), `reqwest` errors stripped of their URL, and server text that went
//! through the scrubber (`runtime::text::scrub`) when it was kept. `Display` and `Debug` (and
//! so `{:#?}` and every log line that prints an error) pass through the same scrubber again as
//! they are rendered, so no future field or variant can bypass it. `tests/secrets.rs` and
//! `tests/hostile.rs` drive every error path to check this.

use std::fmt::{self, Write as _};

use crate::generated::api::API;
use crate::generated::types::ExceptionType;
use crate::runtime::text::scrub;
use crate::runtime::{ItemLimit, Processed, RuleViolation};

/// Everything that can go wrong building, sending or decoding a call.
///
/// `Display` is one sentence for a person: what happened, what is known about whether the call
/// was processed, and what to do. `Debug` shows every field. Both are scrubbed of the keys.
#[non_exhaustive]
pub enum Error {
    /// The client could not be built; the message says what to change.
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },

    /// An array body had too few or too many items; nothing was sent.
    ItemCount {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// How many items were given.
        count: usize,
        /// How many items one call takes.
        limit: ItemLimit,
    },

    /// An item of an array body broke one of the spec's rules; nothing was sent.
    InvalidItem {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The 0-based position of the first invalid item.
        index: usize,
        /// The rule it breaks.
        violation: RuleViolation,
    },

    /// An object body broke one of the spec's rules; nothing was sent.
    InvalidBody {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The rule it breaks.
        violation: RuleViolation,
    },

    /// The body could not be serialized to JSON (e.g. a non-finite float); nothing was sent.
    Serialize {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The serializer's error.
        source: serde_json::Error,
    },

    /// HTTP 400: the body is not as the API specifies.
    BadRequest(ApiError),

    /// HTTP 401: the keys are wrong, the user is inactive, or the call went to another region.
    Unauthorized(ApiError),

    /// HTTP 404: the path does not exist on this host.
    NotFound(ApiError),

    /// The account's rate limit was hit: HTTP 429, or an `MXAPIRateLimitExceededException` body
    /// under any status. The call was not processed and can be resent after a pause.
    RateLimited(ApiError),

    /// HTTP 500: LeadSquared reports most logical errors (missing fields, duplicates) this way,
    /// with an MX exception in the body; without one, a gateway or proxy may have answered.
    ServerError(ApiError),

    /// An error body under a status that has no variant of its own: a success status (HTTP 200
    /// with `"Status":"Error"`), another client error (403, 409…) or a server error (502, 503…).
    Rejected(ApiError),

    /// A status the endpoint does not document, without an error body; the server or a proxy in
    /// between behaves in a way this client does not know.
    UnexpectedStatus {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body, bounded and scrubbed.
        body: String,
    },

    /// A success status whose body is not JSON or does not have the expected shape.
    Decode {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the body, bounded and scrubbed.
        snippet: String,
        /// Whether the server acted on the call (for a success status it usually did).
        processed: Processed,
        /// What the JSON decoder objected to, scrubbed (the decoder quotes the offending value,
        /// which may be an echoed key).
        message: String,
    },

    /// The answer's body is larger than the client accepts (`ClientBuilder::max_response_bytes`);
    /// it was refused as soon as that was known, without reading the rest.
    ResponseTooLarge {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },

    /// No complete answer came in time (see `ClientBuilder::timeout`): no connection, no
    /// headers, a body that did not finish, or decoding that did not finish.
    Timeout {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL, when the HTTP client reported the timeout;
        /// `None` when the client's own deadline ran out.
        source: Option<reqwest::Error>,
    },

    /// No connection could be made; nothing was sent.
    Connect {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL.
        source: reqwest::Error,
    },

    /// Another transport failure, e.g. the connection dropped while the answer was read.
    Transport {
        /// The endpoint's method name.
        endpoint: &'static str,
        /// The transport's error, without the URL.
        source: reqwest::Error,
    },

    /// A bulk answer did not account for a row exactly once (no result for it, several, or one
    /// that does not say whether it was applied). Reported for that row by bulk jobs.
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
            Error::UnexpectedStatus { status, .. }
            | Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
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
    /// timeouts, dropped connections, answers too large to read and undocumented answers; for
    /// API errors, what the endpoint documents for the status.
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
            | Error::ResponseTooLarge { .. }
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
            | Error::ResponseTooLarge { endpoint, .. }
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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_unscrubbed(&mut text)?;
        f.write_str(&scrub(&text, None))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() {
            format!("{:#?}", Unscrubbed(self))
        } else {
            format!("{:?}", Unscrubbed(self))
        };
        f.write_str(&scrub(&text, None))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Serialize { source, .. } => Some(source),
            Error::Connect { source, .. } | Error::Transport { source, .. } => Some(source),
            Error::Timeout { source, .. } => source.as_ref().map(|source| source as _),
            _ => None,
        }
    }
}

/// What is known about whether the call was processed, as the end of a sentence.
fn processed_clause(processed: Processed) -> &'static str {
    match processed {
        Processed::Never => "the call was not processed",
        Processed::Unknown => "the call may or may not have been processed, so check before resending it",
        Processed::Always => "the status says the call was processed, so check its result before resending it",
    }
}

impl Error {
    /// The message before scrubbing; only `Display` calls this.
    fn write_unscrubbed(&self, out: &mut String) -> fmt::Result {
        match self {
            Error::Config { message } => write!(out, "invalid client configuration: {message}"),
            Error::ItemCount { endpoint, count, limit } => {
                let advice = match limit.max {
                    Some(max) if *count > max => format!("split the rows into calls of at most {max}"),
                    _ => format!("send at least {}", limit.min),
                };
                write!(
                    out,
                    "{endpoint} takes {limit} items per call but was given {count}; {advice} (nothing was sent)"
                )
            }
            Error::InvalidItem {
                endpoint,
                index,
                violation,
            } => write!(
                out,
                "item {index} (0-based) of the {endpoint} call is invalid: {violation}; fix it and call again (nothing was sent)"
            ),
            Error::InvalidBody { endpoint, violation } => write!(
                out,
                "the {endpoint} request body is invalid: {violation}; fix it and call again (nothing was sent)"
            ),
            Error::Serialize { endpoint, .. } => {
                write!(
                    out,
                    "could not serialize the {endpoint} request body to JSON (nothing was sent)"
                )
            }
            Error::BadRequest(error)
            | Error::Unauthorized(error)
            | Error::NotFound(error)
            | Error::RateLimited(error)
            | Error::ServerError(error)
            | Error::Rejected(error) => {
                error.write_unscrubbed(out)?;
                write!(out, "; {}; {}", self.advice(error), processed_clause(error.processed))
            }
            Error::UnexpectedStatus { endpoint, status, body } => {
                write!(out, "{endpoint}: undocumented HTTP status {status}")?;
                match status {
                    100..=299 => out.push_str(" (a success status the endpoint does not document)"),
                    300..=399 => out.push_str(
                        " (a redirect, which the client does not follow because it would carry the keys elsewhere; \
                         check the host or base URL)",
                    ),
                    400..=499 => out.push_str(" (the server or a proxy refused the call)"),
                    _ => out.push_str(" (the server or a gateway failed; try again later)"),
                }
                if body.is_empty() {
                    out.push_str("; the body is empty");
                } else {
                    write!(out, "; the body starts with: {body}")?;
                }
                write!(out, "; {}", processed_clause(Processed::Unknown))
            }
            Error::Decode {
                endpoint,
                status,
                snippet,
                processed,
                message,
            } => {
                write!(
                    out,
                    "{endpoint}: could not decode the HTTP {status} response ({message})"
                )?;
                if snippet.is_empty() {
                    out.push_str("; the body is empty");
                } else {
                    write!(out, "; the body starts with: {snippet}")?;
                }
                write!(out, "; {}", processed_clause(*processed))
            }
            Error::ResponseTooLarge {
                endpoint,
                status,
                limit,
            } => write!(
                out,
                "{endpoint}: the HTTP {status} answer is larger than the {limit}-byte limit, so it was not read \
                 (ClientBuilder::max_response_bytes raises the limit); {}",
                processed_clause(Processed::Unknown)
            ),
            Error::Timeout { endpoint, .. } => write!(
                out,
                "{endpoint} timed out (ClientBuilder::timeout sets the limit); {}",
                processed_clause(Processed::Unknown)
            ),
            Error::Connect { endpoint, .. } => write!(
                out,
                "could not connect to LeadSquared for {endpoint}; check the host or base URL and the network (nothing was sent)"
            ),
            Error::Transport { endpoint, .. } => write!(
                out,
                "{endpoint}: the HTTP exchange failed; {}",
                processed_clause(Processed::Unknown)
            ),
            Error::ResultMismatch { endpoint, detail } => {
                write!(out, "{endpoint}: {detail}; the row may or may not have been applied")
            }
        }
    }

    /// What to do about an API error, from the variant, the status class and whether the body
    /// named a LeadSquared exception.
    fn advice(&self, error: &ApiError) -> String {
        let named = error.exception_type.is_some();
        match self {
            Error::BadRequest(_) => "check the request's attribute names and structure".to_owned(),
            Error::Unauthorized(_) => {
                "check the access key and secret key, and that the client uses your account's regional host".to_owned()
            }
            Error::NotFound(_) => "check the base URL (it normally ends in /v2)".to_owned(),
            Error::RateLimited(_) => {
                // The spec has at least one class; its first is the account's general limit.
                let millis = API.rate_classes.first().map_or(5000, |class| class.default.per_millis);
                let window = if millis % 1000 == 0 {
                    format!("{}-second", millis / 1000)
                } else {
                    format!("{millis} ms")
                };
                format!(
                    "wait a few seconds before calling again (LeadSquared counts calls per account in {window} windows)"
                )
            }
            Error::ServerError(_) if named => {
                "LeadSquared named the failure, which a resend would repeat, so fix the input instead of retrying"
                    .to_owned()
            }
            Error::ServerError(_) => {
                "the body names no LeadSquared exception, so a gateway or proxy may have answered; try again later"
                    .to_owned()
            }
            _ => match (error.status, named) {
                (200..=299, true) => {
                    "LeadSquared reported an error inside a success status; fix the input instead of retrying"
                        .to_owned()
                }
                (200..=299, false) => "LeadSquared reported an error inside a success status".to_owned(),
                (300..=399, _) => "an error body under a redirect status; check the host or base URL".to_owned(),
                (400..=499, true) => "LeadSquared refused the call; fix the input instead of retrying".to_owned(),
                (400..=499, false) => "the server or a proxy refused the call".to_owned(),
                (500..=599, _) => "the server or a gateway failed; try again later".to_owned(),
                _ => "the server answered with an error this client does not know".to_owned(),
            },
        }
    }
}

/// An [`Error`] rendered field by field, before scrubbing; only `Debug` uses this.
struct Unscrubbed<'a>(&'a Error);

impl fmt::Debug for Unscrubbed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Config { message } => f.debug_struct("Config").field("message", message).finish(),
            Error::ItemCount { endpoint, count, limit } => f
                .debug_struct("ItemCount")
                .field("endpoint", endpoint)
                .field("count", count)
                .field("limit", limit)
                .finish(),
            Error::InvalidItem {
                endpoint,
                index,
                violation,
            } => f
                .debug_struct("InvalidItem")
                .field("endpoint", endpoint)
                .field("index", index)
                .field("violation", violation)
                .finish(),
            Error::InvalidBody { endpoint, violation } => f
                .debug_struct("InvalidBody")
                .field("endpoint", endpoint)
                .field("violation", violation)
                .finish(),
            Error::Serialize { endpoint, source } => f
                .debug_struct("Serialize")
                .field("endpoint", endpoint)
                .field("source", source)
                .finish(),
            Error::BadRequest(error) => f.debug_tuple("BadRequest").field(&UnscrubbedApi(error)).finish(),
            Error::Unauthorized(error) => f.debug_tuple("Unauthorized").field(&UnscrubbedApi(error)).finish(),
            Error::NotFound(error) => f.debug_tuple("NotFound").field(&UnscrubbedApi(error)).finish(),
            Error::RateLimited(error) => f.debug_tuple("RateLimited").field(&UnscrubbedApi(error)).finish(),
            Error::ServerError(error) => f.debug_tuple("ServerError").field(&UnscrubbedApi(error)).finish(),
            Error::Rejected(error) => f.debug_tuple("Rejected").field(&UnscrubbedApi(error)).finish(),
            Error::UnexpectedStatus { endpoint, status, body } => f
                .debug_struct("UnexpectedStatus")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("body", body)
                .finish(),
            Error::Decode {
                endpoint,
                status,
                snippet,
                processed,
                message,
            } => f
                .debug_struct("Decode")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("snippet", snippet)
                .field("processed", processed)
                .field("message", message)
                .finish(),
            Error::ResponseTooLarge {
                endpoint,
                status,
                limit,
            } => f
                .debug_struct("ResponseTooLarge")
                .field("endpoint", endpoint)
                .field("status", status)
                .field("limit", limit)
                .finish(),
            Error::Timeout { endpoint, source } => f
                .debug_struct("Timeout")
                .field("endpoint", endpoint)
                .field("source", source)
                .finish(),
            Error::Connect { endpoint, source } => f
                .debug_struct("Connect")
                .field("endpoint", endpoint)
                .field("source", source)
                .finish(),
            Error::Transport { endpoint, source } => f
                .debug_struct("Transport")
                .field("endpoint", endpoint)
                .field("source", source)
                .finish(),
            Error::ResultMismatch { endpoint, detail } => f
                .debug_struct("ResultMismatch")
                .field("endpoint", endpoint)
                .field("detail", detail)
                .finish(),
        }
    }
}

/// What LeadSquared said about a failed call.
///
/// `exception_type` and `message` come from the error envelope
/// (`{"Status":"Error","ExceptionType":…,"ExceptionMessage":…}`); when the body was something
/// else (an HTML page from a proxy, say) they are `None` and `snippet` keeps its start.
/// `Display` and `Debug` are scrubbed of the keys, like [`Error`]'s.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The endpoint's method name, e.g. `add_opportunities_in_bulk`.
    pub endpoint: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// The exception type, e.g. `MXInvalidInputException`, when the body named one.
    pub exception_type: Option<ExceptionType>,
    /// The exception message, when the body had one (bounded like `snippet`, and scrubbed).
    pub message: Option<String>,
    /// What the endpoint's documentation says the status means, when it documents it.
    pub meaning: Option<&'static str>,
    /// Whether the server acted on the call.
    pub processed: Processed,
    /// The start of a body that was not an error envelope, bounded and scrubbed.
    pub snippet: Option<String>,
}

impl ApiError {
    fn write_unscrubbed(&self, out: &mut String) -> fmt::Result {
        write!(out, "{} failed with HTTP {}", self.endpoint, self.status)?;
        let success = (200..300).contains(&self.status);
        // The message is followed by more of the sentence, so its own final full stop goes.
        let message = self
            .message
            .as_deref()
            .map(|message| message.trim_end().trim_end_matches('.'));
        match (&self.exception_type, message) {
            (Some(kind), Some(message)) => write!(out, ": {kind}: {message}"),
            (Some(kind), None) => write!(out, ": {kind}"),
            (None, Some(message)) => write!(out, ": {message}"),
            (None, None) => match (self.snippet.as_deref(), self.meaning) {
                (Some(snippet), _) if !snippet.is_empty() => write!(out, "; the body starts with: {snippet}"),
                // The documented meaning of a success status describes success, which this
                // answer is not.
                (_, Some(meaning)) if !success => write!(out, " ({})", meaning.trim_end_matches('.')),
                (Some(_), _) => write!(out, "; the body is empty"),
                (None, _) => write!(
                    out,
                    "; the body says \"{}\":\"{}\" without an exception type or message",
                    API.error_envelope.status_field, API.error_envelope.error_value
                ),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::new();
        self.write_unscrubbed(&mut text)?;
        f.write_str(&scrub(&text, None))
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() {
            format!("{:#?}", UnscrubbedApi(self))
        } else {
            format!("{:?}", UnscrubbedApi(self))
        };
        f.write_str(&scrub(&text, None))
    }
}

/// An [`ApiError`] rendered field by field, before scrubbing.
struct UnscrubbedApi<'a>(&'a ApiError);

impl fmt::Debug for UnscrubbedApi<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error = self.0;
        f.debug_struct("ApiError")
            .field("endpoint", &error.endpoint)
            .field("status", &error.status)
            .field("exception_type", &error.exception_type)
            .field("message", &error.message)
            .field("meaning", &error.meaning)
            .field("processed", &error.processed)
            .field("snippet", &error.snippet)
            .finish()
    }
}

impl std::error::Error for ApiError {}
