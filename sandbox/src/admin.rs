//! The sandbox's own HTTP API, below `/_sandbox/`: its state, faults, leads and settings, for
//! clients in any language and for the standalone server. Guarded by the sandbox's keys, sent
//! as to the API (headers or query). Answers are JSON; errors use the API's envelope without an
//! `ExceptionType`.
//!
//! | call | does |
//! |---|---|
//! | `GET summary` | counts: requests, processed, opportunities, leads, activities, tasks, pending faults |
//! | `GET requests[?since=SEQ][&limit=N]` | the request log from sequence number `SEQ` on |
//! | `GET opportunities[?since=I][&limit=N]` | the opportunities created, from position `I` on |
//! | `GET leads`, `POST leads` | the lead store; add leads (the `--leads` format), all or none |
//! | `GET faults`, `POST faults`, `DELETE faults` | pending faults; inject (see `Fault`); clear |
//! | `GET settings`, `POST settings` | latency, plan, rate limits per class, refusal status, `SearchBy` case |
//! | `POST reset` | back to the state right after start |
//!
//! Reads serialize straight from the live store under its lock (one pass, no copy of the log).
//! The sandbox's own calls are not logged.

use std::time::Duration;

use hyper::body::Incoming;
use hyper::http::request::Parts;
use serde_json::{Map, Value, json};

use crate::leads::lead_json;
use crate::server::{ADMIN_PREFIX, Outcome, authenticate, read_body};
use crate::state::Shared;
use crate::{Fault, Lead, Opportunity, RateLimitRefusal, RecordedRequest, SandboxError, Summary};

/// The calls, for the 404 message.
const CALLS: &str = "GET summary, GET requests, GET opportunities, GET/POST leads, GET/POST/DELETE faults, \
                     GET/POST settings, POST reset";

/// Answers one call to the sandbox's own API.
pub(super) async fn handle(shared: &Shared, parts: &Parts, query: &[(String, String)], body: Incoming) -> Outcome {
    if let Err(message) = authenticate(shared, &parts.headers, query) {
        return Outcome::error(401, None, &message);
    }
    let what = parts.uri.path().strip_prefix(ADMIN_PREFIX).unwrap_or_default();
    let method = parts.method.as_str();
    let input = if method == "POST" {
        match read_body(body, shared.read_timeout).await {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Value::Null,
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(value) => value,
                Err(error) => return bad_request(&format!("The body is not valid JSON: {error}")),
            },
            Err(outcome) => return outcome,
        }
    } else {
        Value::Null
    };
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let window = match (number(param("since")), number(param("limit"))) {
        (Ok(since), Ok(limit)) => (since.unwrap_or(0), limit.unwrap_or(usize::MAX)),
        (Err(message), _) | (_, Err(message)) => return bad_request(&message),
    };
    match (method, what) {
        ("GET", "summary") => ok(&summary_json(&shared.summary())),
        ("GET", "requests") => ok_text(shared.with_requests(window.0 as u64, |requests| {
            json_array(requests.take(window.1).map(request_json))
        })),
        ("GET", "opportunities") => ok_text(shared.with_opportunities(|opportunities| {
            json_array(opportunities.skip(window.0).take(window.1).map(opportunity_json))
        })),
        ("GET", "leads") => ok_text(shared.with_leads(|leads| json_array(leads.map(lead_json)))),
        ("POST", "leads") => add_leads(shared, input),
        ("GET", "faults") => ok(&Value::Array(
            shared
                .faults()
                .iter()
                .map(|(fault, times)| fault_json(fault, *times))
                .collect(),
        )),
        ("POST", "faults") => inject(shared, &input),
        ("DELETE", "faults") => {
            shared.clear_faults();
            ok(&json!([]))
        }
        ("GET", "settings") => ok(&settings_json(shared)),
        ("POST", "settings") => change_settings(shared, &input),
        ("POST", "reset") => {
            shared.reset();
            ok(&summary_json(&shared.summary()))
        }
        _ => Outcome::error(
            404,
            None,
            &format!("No sandbox API at {method} {ADMIN_PREFIX}{what}; there are {CALLS}, below {ADMIN_PREFIX}"),
        ),
    }
}

fn ok(value: &Value) -> Outcome {
    Outcome::json(200, value, false)
}

fn ok_text(body: String) -> Outcome {
    Outcome {
        body,
        ..Outcome::json(200, &Value::Null, false)
    }
}

fn bad_request(message: &str) -> Outcome {
    Outcome::error(400, None, message)
}

/// A JSON array of `items`, written in one pass.
fn json_array(items: impl Iterator<Item = Value>) -> String {
    let mut out = String::from("[");
    for (index, item) in items.enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&item.to_string());
    }
    out.push(']');
    out
}

/// A query parameter that must be a whole number, when given.
fn number(text: Option<&str>) -> Result<Option<usize>, String> {
    text.map(|text| {
        text.parse::<usize>()
            .map_err(|_| format!("`{text}` is not a whole number (since and limit count calls or items)"))
    })
    .transpose()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn summary_json(summary: &Summary) -> Value {
    json!({
        "Requests": summary.requests,
        "LoggedRequests": summary.logged_requests,
        "Processed": summary.processed,
        "Opportunities": summary.opportunities,
        "Leads": summary.leads,
        "Activities": summary.activities,
        "Tasks": summary.tasks,
        "PendingFaults": summary.pending_faults,
    })
}

fn request_json(request: &RecordedRequest) -> Value {
    let query: Map<String, Value> = request
        .query
        .iter()
        .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
        .collect();
    let mut value = json!({
        "Seq": request.seq,
        "AtMs": millis(request.at),
        "AdmittedAtMs": request.admitted_at.map(millis),
        "Method": request.method,
        "Path": request.path,
        "Query": query,
        "Endpoint": request.endpoint,
        "Status": request.status,
        "Dropped": request.dropped,
        "Admitted": request.admitted,
        "Processed": request.processed,
        "Rows": request.row_count,
        "Fault": request.fault.as_ref().map(|fault| fault_json(fault, 1)),
    });
    if let (Some(body), Value::Object(map)) = (&request.body, &mut value) {
        map.insert("Body".into(), body.clone());
    }
    value
}

fn opportunity_json(opportunity: &Opportunity) -> Value {
    json!({
        "Id": opportunity.id,
        "LeadId": opportunity.lead_id,
        "EventCode": opportunity.event_code,
        "RequestSeq": opportunity.request_seq,
        "RowNumber": opportunity.row_number,
        "Row": opportunity.row,
    })
}

/// `POST /_sandbox/leads`: one lead object or an array of them.
fn add_leads(shared: &Shared, input: Value) -> Outcome {
    let list = match input {
        Value::Object(_) => Value::Array(vec![input]),
        other => other,
    };
    let leads = match Lead::list_from_value(list) {
        Ok(leads) => leads,
        Err(error) => return bad_request(&error.to_string()),
    };
    match shared.add_leads(leads) {
        Ok(ids) => ok(&json!({ "Ids": ids })),
        Err(error @ (SandboxError::DuplicateLead { .. } | SandboxError::StoreFull(_))) => {
            Outcome::error(409, None, &error.to_string())
        }
        Err(error) => bad_request(&error.to_string()),
    }
}

/// `POST /_sandbox/faults`: one fault object or an array of them, all valid or none injected.
fn inject(shared: &Shared, input: &Value) -> Outcome {
    let items = match input {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    };
    let faults: Result<Vec<(Fault, usize)>, String> = items
        .iter()
        .enumerate()
        .map(|(index, item)| fault_from_json(item).map_err(|message| format!("fault {index}: {message}")))
        .collect();
    match faults {
        Ok(faults) => {
            for (fault, times) in faults {
                shared.inject(fault, times);
            }
            ok(&Value::Array(
                shared
                    .faults()
                    .iter()
                    .map(|(fault, times)| fault_json(fault, *times))
                    .collect(),
            ))
        }
        Err(message) => bad_request(&message),
    }
}

/// The JSON form of `fault` (see [`Fault`]).
pub(crate) fn fault_json(fault: &Fault, times: usize) -> Value {
    let mut value = match fault {
        Fault::Status(status) => json!({ "Fault": "Status", "Status": status }),
        Fault::StatusAfterProcessing(status) => json!({ "Fault": "StatusAfterProcessing", "Status": status }),
        Fault::Exception {
            status,
            exception_type,
            message,
        } => {
            json!({ "Fault": "Exception", "Status": status, "ExceptionType": exception_type, "ExceptionMessage": message })
        }
        Fault::Response { status, body } => json!({ "Fault": "Response", "Status": status, "Body": body }),
        Fault::Delay(delay) => json!({ "Fault": "Delay", "Millis": delay.as_millis() as u64 }),
        Fault::DropBeforeProcessing => json!({ "Fault": "DropBeforeProcessing" }),
        Fault::DropAfterProcessing => json!({ "Fault": "DropAfterProcessing" }),
        Fault::MalformedBody => json!({ "Fault": "MalformedBody" }),
    };
    if let Value::Object(map) = &mut value {
        map.insert("Times".into(), Value::from(times));
    }
    value
}

/// A fault and how many calls it applies to, from its JSON form (see [`Fault`]).
pub(crate) fn fault_from_json(value: &Value) -> Result<(Fault, usize), String> {
    const KINDS: &str = "Status, StatusAfterProcessing, Exception, Response, Delay, DropBeforeProcessing, \
                         DropAfterProcessing, MalformedBody";
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a JSON object such as {{\"Fault\":\"Status\",\"Status\":500,\"Times\":1}}, found {value}"
        ));
    };
    let kind = match map.get("Fault") {
        Some(Value::String(kind)) => kind.as_str(),
        _ => return Err(format!("`Fault` must name the fault: one of {KINDS}")),
    };
    let (keys, fault): (&[&str], _) = match kind {
        "Status" => (&["Status"], Fault::Status(status(map)?)),
        "StatusAfterProcessing" => (&["Status"], Fault::StatusAfterProcessing(status(map)?)),
        "Exception" => (
            &["Status", "ExceptionType", "ExceptionMessage"],
            Fault::Exception {
                status: status(map)?,
                exception_type: text(map, "ExceptionType")?,
                message: text(map, "ExceptionMessage")?,
            },
        ),
        "Response" => (
            &["Status", "Body"],
            Fault::Response {
                status: status(map)?,
                body: text(map, "Body")?,
            },
        ),
        "Delay" => {
            let millis = map
                .get("Millis")
                .and_then(Value::as_u64)
                .ok_or("`Millis` must be a whole number of milliseconds")?;
            (&["Millis"], Fault::Delay(Duration::from_millis(millis)))
        }
        "DropBeforeProcessing" => (&[], Fault::DropBeforeProcessing),
        "DropAfterProcessing" => (&[], Fault::DropAfterProcessing),
        "MalformedBody" => (&[], Fault::MalformedBody),
        other => return Err(format!("unknown fault `{other}`; the faults are {KINDS}")),
    };
    if let Some(key) = map
        .keys()
        .find(|key| !matches!(key.as_str(), "Fault" | "Times") && !keys.contains(&key.as_str()))
    {
        let allowed = ["Fault", "Times"]
            .iter()
            .chain(keys)
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "unknown attribute `{key}` for the fault {kind}; it takes {allowed}"
        ));
    }
    let times = match map.get("Times") {
        None => 1,
        Some(times) => times
            .as_u64()
            .filter(|&times| times >= 1)
            .and_then(|times| usize::try_from(times).ok())
            .ok_or("`Times` must be a whole number of calls, at least 1")?,
    };
    Ok((fault, times))
}

fn status(map: &Map<String, Value>) -> Result<u16, String> {
    map.get("Status")
        .and_then(Value::as_u64)
        .filter(|status| (100..=599).contains(status))
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(|| "`Status` must be an HTTP status between 100 and 599".to_string())
}

fn text(map: &Map<String, Value>, key: &str) -> Result<String, String> {
    match map.get(key) {
        Some(Value::String(text)) => Ok(text.clone()),
        _ => Err(format!("`{key}` must be a string")),
    }
}

fn settings_json(shared: &Shared) -> Value {
    let settings = shared.settings();
    let schema = shared.schema;
    let text = |limit: Option<crate::schema::RateLimit>| {
        limit.map_or("off".to_string(), |limit| {
            format!("{}/{}", limit.calls, limit.per_millis as f64 / 1000.0)
        })
    };
    let classes: Map<String, Value> = schema
        .api
        .rate_classes
        .iter()
        .zip(&settings.rate_limits)
        .map(|(class, limit)| (class.name.to_string(), Value::String(text(*limit))))
        .collect();
    json!({
        "LatencyMs": settings.latency.as_millis() as u64,
        "Plan": settings.plan.and_then(|plan| schema.api.plans.get(plan)),
        "RateLimit": text(settings.rate_limits.first().copied().flatten()),
        "RateLimits": classes,
        "RateLimitStatus": settings.rate_limit_refusal.status(),
        "SearchByIgnoreCase": settings.search_by_ignore_case,
    })
}

/// A limit as the settings write it: `"25/5"` (calls per seconds), or `"off"` or `null`.
fn limit_setting(key: &str, value: &Value) -> Result<Option<crate::schema::RateLimit>, String> {
    let limit = match value {
        Value::Null => None,
        Value::String(text) => crate::cli::parse_rate_limit(text)?,
        _ => return Err(format!("`{key}` must be a string such as \"25/5\", or \"off\"")),
    };
    Ok(limit.map(|(calls, per)| crate::schema::RateLimit {
        calls,
        per_millis: per.as_millis().try_into().unwrap_or(u64::MAX),
    }))
}

/// `POST /_sandbox/settings`: the keys of `GET settings`, each optional; all valid or none
/// applied. `Plan` applies first (it sets every class's limit), then the limits given.
fn change_settings(shared: &Shared, input: &Value) -> Outcome {
    let Value::Object(map) = input else {
        return bad_request(
            "expected a JSON object such as {\"LatencyMs\":20,\"Plan\":\"Standard\",\"RateLimits\":{\"bulk\":\"5/1\"},\"RateLimitStatus\":200,\"SearchByIgnoreCase\":false}",
        );
    };
    let schema = shared.schema;
    let changed = shared.try_update_settings(|settings| {
        if let Some(plan) = map.get("Plan") {
            let plan = match plan {
                Value::Null => None,
                Value::String(name) => Some(crate::plan_index(schema, name).map_err(|error| format!("`Plan`: {error}"))?),
                _ => return Err("`Plan` must be a plan's name, such as \"Standard\", or null".into()),
            };
            settings.plan = plan;
            settings.rate_limits = crate::plan_limits(schema, plan);
        }
        for (key, value) in map {
            match key.as_str() {
                "Plan" => {}
                "LatencyMs" => {
                    let ms = value
                        .as_u64()
                        .ok_or("`LatencyMs` must be a whole number of milliseconds")?;
                    settings.latency = Duration::from_millis(ms);
                }
                "RateLimit" => {
                    let limit = limit_setting(key, value)?;
                    if let Some(first) = settings.rate_limits.first_mut() {
                        *first = limit;
                    }
                }
                "RateLimits" => {
                    let Value::Object(classes) = value else {
                        return Err("`RateLimits` must be an object of limits by class, such as {\"bulk\":\"5/1\"}".into());
                    };
                    for (class, limit) in classes {
                        let index =
                            crate::class_index(schema, class).map_err(|error| format!("`RateLimits`: {error}"))?;
                        settings.rate_limits[index] = limit_setting(&format!("RateLimits.{class}"), limit)?;
                    }
                }
                "RateLimitStatus" => {
                    settings.rate_limit_refusal = value
                        .as_u64()
                        .and_then(|status| u16::try_from(status).ok())
                        .and_then(RateLimitRefusal::from_status)
                        .ok_or("`RateLimitStatus` must be 429 or 200")?;
                }
                "SearchByIgnoreCase" => {
                    settings.search_by_ignore_case = value
                        .as_bool()
                        .ok_or("`SearchByIgnoreCase` must be true or false")?;
                }
                other => {
                    return Err(format!(
                        "unknown setting `{other}`; the settings are LatencyMs, Plan, RateLimit, RateLimits, RateLimitStatus, SearchByIgnoreCase"
                    ));
                }
            }
        }
        Ok(())
    });
    if let Err(message) = changed {
        return bad_request(&message);
    }
    ok(&settings_json(shared))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_round_trips_through_its_json_form() {
        let faults = [
            Fault::Status(500),
            Fault::StatusAfterProcessing(502),
            Fault::Exception {
                status: 200,
                exception_type: "MXAPIRateLimitExceededException".into(),
                message: "API calls exceeded the limit of 25 in 5 second(s)".into(),
            },
            Fault::Response {
                status: 502,
                body: "<html>Bad gateway</html>".into(),
            },
            Fault::Delay(Duration::from_millis(1500)),
            Fault::DropBeforeProcessing,
            Fault::DropAfterProcessing,
            Fault::MalformedBody,
        ];
        for fault in faults {
            let json = fault_json(&fault, 3);
            assert_eq!(fault_from_json(&json), Ok((fault, 3)), "{json}");
        }
    }

    #[test]
    fn bad_faults_are_refused_with_what_to_write() {
        let cases = [
            (json!("Status"), "expected a JSON object"),
            (json!({ "Status": 500 }), "`Fault` must name the fault"),
            (json!({ "Fault": "Explode" }), "unknown fault `Explode`"),
            (json!({ "Fault": "Status" }), "`Status` must be an HTTP status"),
            (
                json!({ "Fault": "Status", "Status": 1000 }),
                "`Status` must be an HTTP status",
            ),
            (
                json!({ "Fault": "Status", "Status": 500, "Times": 0 }),
                "`Times` must be",
            ),
            (json!({ "Fault": "Delay", "Millis": -1 }), "`Millis` must be"),
            (
                json!({ "Fault": "MalformedBody", "Status": 500 }),
                "unknown attribute `Status` for the fault MalformedBody; it takes Fault, Times",
            ),
            (
                json!({ "Fault": "Exception", "Status": 200 }),
                "`ExceptionType` must be a string",
            ),
        ];
        for (json, expected) in cases {
            let message = fault_from_json(&json).unwrap_err();
            assert!(message.contains(expected), "{json}: {message}");
        }
        assert_eq!(
            fault_from_json(&json!({ "Fault": "DropBeforeProcessing" })),
            Ok((Fault::DropBeforeProcessing, 1))
        );
    }
}
