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

use std::fmt;
use std::io;

use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tokio::time::Instant;

use super::text::{Secrets, scrub, snippet};
use super::{Endpoint, Processed};
use crate::error::{ApiError, Error};
use crate::generated::api::API;
use crate::generated::types::ExceptionType;

/// Bodies up to this size are decoded in one go; larger ones through a reader that checks the
/// call's deadline every [`DEADLINE_STRIDE`] bytes, so decoding cannot outlast it by much.
const DECODE_IN_ONE_GO: usize = 1024 * 1024;
const DEADLINE_STRIDE: usize = 64 * 1024;

/// Decodes one response of `endpoint`. `secrets` are the calling client's keys, scrubbed (with
/// every live client's) from any text an error keeps. Past `deadline`, decoding stops with
/// [`Error::Timeout`].
pub(crate) fn decode<R: DeserializeOwned>(
    endpoint: &'static Endpoint,
    status: u16,
    body: &[u8],
    secrets: &Secrets,
    deadline: Option<Instant>,
) -> Result<R, Error> {
    let spec = endpoint.status(status);
    let timeout = || Error::Timeout {
        endpoint: endpoint.name,
        source: None,
    };
    // The common case, in one pass: a documented success whose body never mentions the
    // envelope's status field cannot be an error envelope, so it decodes straight into `R`.
    // Anything else (and a body that does not fit `R`) takes the full path below.
    if is_success(status) && spec.is_some() && !mentions_status_field(body) {
        match parse::<R>(body, deadline) {
            Ok(decoded) => return Ok(decoded),
            Err(Failure::Deadline) => return Err(timeout()),
            Err(Failure::Json(_)) => {}
        }
    }

    // The envelope's three fields are read without building the rest of the document, so an
    // error body costs no more memory than its own bytes.
    let envelope = match parse::<Envelope>(body, deadline) {
        Err(Failure::Deadline) => return Err(timeout()),
        parsed => parsed.ok(),
    };
    if let Some(envelope) = envelope.filter(Envelope::is_error) {
        let exception_type = envelope
            .exception_type
            .filter(|name| !name.is_empty())
            .map(|name| ExceptionType::from(name.as_str()));
        let rate_limited = exception_type.as_ref().is_some_and(ExceptionType::is_rate_limit);
        // What the spec says of the exception wins (a rate-limit refusal: never processed);
        // otherwise the status decides. The docs say nothing about an error inside a success
        // status, so then nothing is known about what the server did.
        let processed = match (exception_type.as_ref().and_then(ExceptionType::processed), spec) {
            (Some(processed), _) => processed,
            (None, Some(spec)) if !is_success(status) => spec.processed,
            (None, _) => Processed::Unknown,
        };
        let error = ApiError {
            endpoint: endpoint.name,
            status,
            exception_type,
            // Bounded like any excerpt: a hostile server can put megabytes in the message.
            message: envelope
                .message
                .map(|message| snippet(message.as_bytes(), Some(secrets))),
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

    if is_error_status(status) {
        let error = ApiError {
            endpoint: endpoint.name,
            status,
            exception_type: None,
            message: None,
            meaning: spec.map(|spec| spec.meaning),
            processed: spec.map_or(Processed::Unknown, |spec| spec.processed),
            snippet: Some(snippet(body, Some(secrets))),
        };
        return Err(by_status(error));
    }

    match spec {
        Some(spec) if is_success(status) => match parse::<R>(body, deadline) {
            Ok(decoded) => Ok(decoded),
            Err(Failure::Deadline) => Err(timeout()),
            Err(Failure::Json(error)) => Err(Error::Decode {
                endpoint: endpoint.name,
                status,
                snippet: snippet(body, Some(secrets)),
                processed: spec.processed,
                message: scrub(&error.to_string(), Some(secrets)).into_owned(),
            }),
        },
        _ => Err(Error::UnexpectedStatus {
            endpoint: endpoint.name,
            status,
            body: snippet(body, Some(secrets)),
        }),
    }
}

/// Why a body did not decode.
enum Failure {
    Json(serde_json::Error),
    Deadline,
}

/// Decodes `body`, in one go when it is small or there is no deadline, otherwise through a
/// reader that gives up once the deadline has passed.
fn parse<T: DeserializeOwned>(body: &[u8], deadline: Option<Instant>) -> Result<T, Failure> {
    match deadline {
        Some(deadline) if body.len() > DECODE_IN_ONE_GO => {
            let reader = DeadlineReader {
                rest: body,
                deadline,
                until_check: 0,
            };
            serde_json::from_reader(reader).map_err(|error| {
                if error.is_io() {
                    Failure::Deadline
                } else {
                    Failure::Json(error)
                }
            })
        }
        _ => serde_json::from_slice(body).map_err(Failure::Json),
    }
}

/// Reads a byte slice, failing once `deadline` has passed (checked every [`DEADLINE_STRIDE`]
/// bytes, so the clock is read rarely).
struct DeadlineReader<'a> {
    rest: &'a [u8],
    deadline: Instant,
    until_check: usize,
}

impl io::Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.until_check == 0 {
            if Instant::now() >= self.deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "the call's deadline passed"));
            }
            self.until_check = DEADLINE_STRIDE;
        }
        let count = buf.len().min(self.rest.len()).min(self.until_check);
        let (now, rest) = self.rest.split_at(count);
        buf[..count].copy_from_slice(now);
        self.rest = rest;
        self.until_check -= count;
        Ok(count)
    }
}

/// The error envelope's fields of a body, read without keeping anything else.
#[derive(Default)]
struct Envelope {
    status: Option<String>,
    exception_type: Option<String>,
    message: Option<String>,
}

impl Envelope {
    /// Only an object whose status field is a string equal to the error value (ignoring ASCII
    /// case) counts: some success bodies carry a numeric or `"Success"` status in the same field.
    fn is_error(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|status| status.trim().eq_ignore_ascii_case(API.error_envelope.error_value))
    }
}

impl<'de> serde::Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor;
        impl<'de> Visitor<'de> for EnvelopeVisitor {
            type Value = Envelope;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
                let names = API.error_envelope;
                let mut envelope = Envelope::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = if key == names.status_field {
                        &mut envelope.status
                    } else if key == names.type_field {
                        &mut envelope.exception_type
                    } else if key == names.message_field {
                        &mut envelope.message
                    } else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    *slot = map.next_value::<MaybeString>()?.0;
                }
                Ok(envelope)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Envelope, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Envelope::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
            fn visit_unit<E>(self) -> Result<Envelope, E> {
                Ok(Envelope::default())
            }
        }
        deserializer.deserialize_any(EnvelopeVisitor)
    }
}

/// A string value, or `None` for any other value (skipped without being kept).
struct MaybeString(Option<String>);

impl<'de> serde::Deserialize<'de> for MaybeString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MaybeStringVisitor;
        impl<'de> Visitor<'de> for MaybeStringVisitor {
            type Value = MaybeString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, value: &str) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(value.to_owned())))
            }
            fn visit_string<E>(self, value: String) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(value)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MaybeString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_unit<E>(self) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
        }
        deserializer.deserialize_any(MaybeStringVisitor)
    }
}

/// Whether `body` holds the error envelope's status field as a JSON string (`"Status"`), with a
/// searcher built once: every successful call scans its body for it.
fn mentions_status_field(body: &[u8]) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(API.error_envelope.status_field));
    let name = API.error_envelope.status_field.as_bytes();
    FINDER
        .find_iter(body)
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
    use serde_json::Value;

    use super::*;
    use crate::runtime::{ItemLimit, Method, StatusSpec};

    static ENDPOINT: Endpoint = Endpoint {
        name: "test_endpoint",
        title: "Test",
        group: "tests",
        docs_url: None,
        method: Method::Post,
        path: "/Test",
        idempotent: false,
        changes_state: false,
        items: Some(ItemLimit { min: 1, max: Some(2) }),
        rate_class: &crate::generated::api::API.rate_classes[0],
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
        decode(
            &ENDPOINT,
            status,
            body.as_bytes(),
            &Secrets::unregistered(&["SECRET"]),
            None,
        )
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

    /// Every `Display` an answer can produce: each status the spec documents (for the first
    /// endpoint documenting it that way) and some it does not, under each kind of body.
    #[test]
    fn every_answer_displays_what_is_known() {
        let mut documented: Vec<(&'static Endpoint, u16)> = Vec::new();
        let mut seen: Vec<(u16, Processed)> = Vec::new();
        for &endpoint in crate::generated::endpoints::ALL {
            for spec in endpoint.statuses {
                if !seen.contains(&(spec.code, spec.processed)) {
                    seen.push((spec.code, spec.processed));
                    documented.push((endpoint, spec.code));
                }
            }
        }
        let endpoint = documented
            .first()
            .map(|(endpoint, _)| *endpoint)
            .expect("the spec has endpoints");
        let undocumented = [201, 204, 302, 403, 409, 502, 503, 504]
            .into_iter()
            .filter(|code| endpoint.status(*code).is_none())
            .map(|code| (endpoint, code));
        let bodies = [
            (
                "MX exception",
                r#"{"Status":"Error","ExceptionType":"MXInvalidInputException","ExceptionMessage":"The input is not valid."}"#,
            ),
            (
                "rate-limit exception",
                r#"{"Status":"Error","ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"Too many calls."}"#,
            ),
            ("error without exception", r#"{"Status":"Error"}"#),
            ("other JSON", r#"{"Message":"An error has occurred."}"#),
            ("HTML page", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
            ("empty", ""),
        ];
        let secrets = Secrets::unregistered(&[]);
        let mut out = String::new();
        for (endpoint, status) in documented.into_iter().chain(undocumented) {
            let documented = if endpoint.status(status).is_some() {
                "documented"
            } else {
                "undocumented"
            };
            out.push_str(&format!("## {status} ({documented})\n"));
            for (kind, body) in bodies {
                let line = match decode::<Value>(endpoint, status, body.as_bytes(), &secrets, None) {
                    Ok(_) => "Ok".to_owned(),
                    Err(error) => format!("[{}] {error}", error.processed()),
                };
                out.push_str(&format!("{kind}: {line}\n"));
            }
            out.push('\n');
        }
        // The documented meaning of 200 describes a success, which an error answer is not.
        assert!(!out.contains("The call succeeded"), "{out}");
        insta::assert_snapshot!(out);
    }

    /// The errors that do not come from an answer's body.
    #[test]
    fn other_errors_display_what_is_known() {
        let errors = [
            Error::Timeout {
                endpoint: "add_opportunities_in_bulk",
                source: None,
            },
            Error::ResponseTooLarge {
                endpoint: "add_opportunities_in_bulk",
                status: 200,
                limit: 1024,
            },
            Error::ResultMismatch {
                endpoint: "add_opportunities_in_bulk",
                detail: "the answer has 2 results for row 1 of 3".to_owned(),
            },
            Error::config("the access key is empty"),
        ];
        let out: Vec<String> = errors
            .iter()
            .map(|error| format!("[{}] {error}", error.processed()))
            .collect();
        insta::assert_snapshot!(out.join("\n"));
    }

    #[test]
    fn decode_errors_keep_a_scrubbed_message_not_the_decoder() {
        // The decoder quotes the offending value; here an echoed key in a field typed as number.
        let error = decode::<Vec<u32>>(
            &ENDPOINT,
            200,
            br#"["SECRET"]"#,
            &Secrets::unregistered(&["SECRET"]),
            None,
        );
        let Err(error @ Error::Decode { message, .. }) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            message,
            "invalid type: string \"<redacted>\", expected u32 at line 1 column 9"
        );
        assert!(std::error::Error::source(error).is_none());
    }

    #[test]
    fn deep_nesting_is_a_decode_error_not_a_crash() {
        let body = "[".repeat(100_000);
        let error = run(200, &body);
        let Err(Error::Decode { message, .. }) = &error else {
            panic!("{error:?}")
        };
        assert!(message.starts_with("recursion limit exceeded"), "{message}");
        let body = format!(
            r#"{{"Status":"Error","ExceptionMessage":{}}}"#,
            "{\"a\":".repeat(100_000)
        );
        assert!(matches!(run(500, &body), Err(Error::ServerError(_))));
    }

    #[test]
    fn decoding_stops_at_the_deadline() {
        // A body large enough to be decoded through the deadline-checking reader, and a deadline
        // that has already passed: decoding gives up at its first check.
        let body = format!("[{}0]", "0,".repeat(DECODE_IN_ONE_GO));
        let secrets = Secrets::unregistered(&[]);
        let past = Some(Instant::now());
        for status in [200, 500] {
            let error = decode::<Vec<u8>>(&ENDPOINT, status, body.as_bytes(), &secrets, past);
            assert!(
                matches!(error, Err(Error::Timeout { source: None, .. })),
                "{status}: {error:?}"
            );
        }
        let decoded = decode::<Vec<u8>>(&ENDPOINT, 200, body.as_bytes(), &secrets, None);
        assert_eq!(decoded.map(|items| items.len()).ok(), Some(DECODE_IN_ONE_GO + 1));
        // With time left, the same reader decodes the whole body.
        let later = Instant::now().checked_add(std::time::Duration::from_secs(3600));
        let decoded = decode::<Vec<u8>>(&ENDPOINT, 200, body.as_bytes(), &secrets, later);
        assert_eq!(decoded.map(|items| items.len()).ok(), Some(DECODE_IN_ONE_GO + 1));
    }
}
