//! Turning a status and a body into the typed result or a typed error.
//!
//! LeadSquared's status codes do not say reliably whether a call failed: the same failure comes
//! back as HTTP 200, 429 or 500 depending on the endpoint and the day (reference §0, §4.2). The
//! body does say, through the error envelope `{"Status":"Error","ExceptionType":…,
//! "ExceptionMessage":…}`. So the order of questions is:
//!
//! 1. Is the body an error envelope? Then it is an error, whatever the status: a rate-limit
//!    exception is [`Error::RateLimited`]; otherwise the status picks the variant (2xx and
//!    statuses without a variant of their own become [`Error::Rejected`]).
//! 2. Is the status one of LeadSquared's error statuses (400, 401, 404, 429, 500, which its
//!    error-handling page documents for every endpoint)? Then that variant, keeping an excerpt
//!    of the body when it is not an envelope (an HTML page from a proxy, say).
//! 3. Is the status one the endpoint documents as success? Then the body must decode as `R`,
//!    or it is [`Error::Decode`].
//! 4. Anything else is [`Error::UnexpectedStatus`].
//!
//! Every piece of server text the error keeps (message, excerpt) has the caller's keys removed,
//! in case a server or proxy echoes the request.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::text::{redact, snippet};
use super::{Endpoint, Processed};
use crate::error::{ApiError, Error};
use crate::generated::api::API;
use crate::generated::types::ExceptionType;

/// Decodes one response of `endpoint`. `secrets` are removed from any text an error keeps.
pub(crate) fn decode<R: DeserializeOwned>(
    endpoint: &'static Endpoint,
    status: u16,
    body: &[u8],
    secrets: &[&str],
) -> Result<R, Error> {
    let spec = endpoint.status(status);
    // The common case, without building a `Value` first: a documented success whose body never
    // mentions the envelope's status field cannot be an error envelope, so it decodes straight
    // into `R`. Anything else (and a body that does not fit `R`) takes the full path below.
    if is_success(status) && spec.is_some() && !mentions(body, API.error_envelope.status_field) {
        if let Ok(decoded) = serde_json::from_slice::<R>(body) {
            return Ok(decoded);
        }
    }
    let parsed: Result<Value, serde_json::Error> = serde_json::from_slice(body);

    if let Ok(value) = &parsed {
        if let Some((exception_type, message)) = error_envelope(value) {
            let rate_limited = exception_type.as_ref().is_some_and(ExceptionType::is_rate_limit);
            let processed = match spec {
                // A rate-limited call is refused before LeadSquared does anything with it.
                _ if rate_limited => Processed::Never,
                // The docs say nothing about an error inside a success status, so nothing is
                // known about what the server did.
                Some(spec) if !is_success(status) => spec.processed,
                _ => Processed::Unknown,
            };
            let error = ApiError {
                endpoint: endpoint.name,
                status,
                exception_type,
                message: message.map(|message| redact(message, secrets).into_owned()),
                meaning: spec.map(|spec| spec.meaning),
                processed,
                snippet: None,
            };
            return Err(if rate_limited {
                Error::RateLimited(error)
            } else {
                by_status(error)
            });
        }
    }

    if is_error_status(status) {
        let error = ApiError {
            endpoint: endpoint.name,
            status,
            exception_type: None,
            message: None,
            meaning: spec.map(|spec| spec.meaning),
            processed: spec.map_or(Processed::Unknown, |spec| spec.processed),
            snippet: Some(snippet(body, secrets)),
        };
        return Err(by_status(error));
    }

    match spec {
        Some(spec) if is_success(status) => {
            let decoded = parsed.and_then(R::deserialize);
            decoded.map_err(|source| Error::Decode {
                endpoint: endpoint.name,
                status,
                snippet: snippet(body, secrets),
                processed: spec.processed,
                source,
            })
        }
        _ => Err(Error::UnexpectedStatus {
            endpoint: endpoint.name,
            status,
            body: snippet(body, secrets),
        }),
    }
}

/// The exception type and message of an error envelope, or `None` when `value` is not one.
///
/// Only an object whose status field is a string equal to the error value (ignoring ASCII case)
/// counts: some success bodies carry a numeric or `"Success"` status in the same field.
fn error_envelope(value: &Value) -> Option<(Option<ExceptionType>, Option<&str>)> {
    let envelope = API.error_envelope;
    let object = value.as_object()?;
    let status = object.get(envelope.status_field)?.as_str()?;
    if !status.trim().eq_ignore_ascii_case(envelope.error_value) {
        return None;
    }
    let exception_type = object
        .get(envelope.type_field)
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty())
        .map(ExceptionType::from);
    let message = object.get(envelope.message_field).and_then(Value::as_str);
    Some((exception_type, message))
}

/// Whether `body` contains `"name"` (with its quotes) anywhere; a SIMD search, as this runs
/// on every answer.
fn mentions(body: &[u8], name: &str) -> bool {
    memchr::memmem::find_iter(body, name.as_bytes())
        .any(|at| at > 0 && body[at - 1] == b'"' && body.get(at + name.len()) == Some(&b'"'))
}

/// Wraps an API error in the variant its status calls for.
fn by_status(error: ApiError) -> Error {
    match error.status {
        400 => Error::BadRequest(error),
        401 => Error::Unauthorized(error),
        404 => Error::NotFound(error),
        429 => Error::RateLimited(error),
        500 => Error::ServerError(error),
        _ => Error::Rejected(error),
    }
}

/// The statuses LeadSquared's error-handling page documents API-wide, each with its own variant.
fn is_error_status(status: u16) -> bool {
    matches!(status, 400 | 401 | 404 | 429 | 500)
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{ItemLimit, Method, RateLimit, StatusSpec};

    static ENDPOINT: Endpoint = Endpoint {
        name: "test_endpoint",
        title: "Test",
        group: "tests",
        docs_url: None,
        method: Method::Post,
        path: "/Test",
        idempotent: false,
        items: Some(ItemLimit { min: 1, max: Some(2) }),
        rate_limit: RateLimit {
            calls: 25,
            per_millis: 5000,
        },
        statuses: &[
            StatusSpec {
                code: 200,
                meaning: "OK.",
                processed: Processed::Always,
            },
            StatusSpec {
                code: 500,
                meaning: "Failed.",
                processed: Processed::Unknown,
            },
        ],
    };

    fn run(status: u16, body: &str) -> Result<Value, Error> {
        decode(&ENDPOINT, status, body.as_bytes(), &["SECRET"])
    }

    #[test]
    fn success_bodies_decode() {
        assert!(matches!(run(200, r#"{"Status":"Success"}"#), Ok(Value::Object(_))));
        assert!(run(200, r#"{"Status":1}"#).is_ok());
    }

    #[test]
    fn the_envelope_wins_over_the_status() {
        let error = run(
            200,
            r#"{"Status":"error","ExceptionType":"MXX","ExceptionMessage":"m"}"#,
        );
        let Err(Error::Rejected(api)) = error else {
            panic!("{error:?}")
        };
        assert_eq!(api.exception_type, Some(ExceptionType::from("MXX")));
        assert_eq!(api.message.as_deref(), Some("m"));
        assert_eq!(api.processed, Processed::Unknown);
        assert_eq!(api.meaning, Some("OK."));
    }

    #[test]
    fn rate_limit_exceptions_are_rate_limited_at_any_status() {
        for status in [200, 500, 418] {
            let body = r#"{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException"}"#;
            let error = run(status, body);
            let Err(Error::RateLimited(api)) = &error else {
                panic!("{error:?}")
            };
            assert_eq!(api.status, status);
            assert_eq!(api.processed, Processed::Never);
            assert_eq!(api.message, None);
        }
    }

    #[test]
    fn undocumented_error_statuses_still_get_their_variant() {
        let error = run(401, "denied");
        let Err(Error::Unauthorized(api)) = &error else {
            panic!("{error:?}")
        };
        assert_eq!((api.meaning, api.processed), (None, Processed::Unknown));
        assert_eq!(api.snippet.as_deref(), Some("denied"));
    }

    #[test]
    fn other_statuses_are_unexpected() {
        assert!(matches!(run(302, ""), Err(Error::UnexpectedStatus { status: 302, .. })));
        assert!(matches!(run(204, ""), Err(Error::UnexpectedStatus { status: 204, .. })));
    }

    #[test]
    fn server_text_is_redacted() {
        let error = run(500, r#"{"Status":"Error","ExceptionMessage":"bad key SECRET"}"#);
        let Err(Error::ServerError(api)) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(api.message.as_deref(), Some("bad key <redacted>"));
        let error = run(200, "not json SECRET");
        let Err(Error::Decode { snippet, .. }) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(snippet, "not json <redacted>");
    }
}
