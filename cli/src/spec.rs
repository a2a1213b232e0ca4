//! What the command line knows of the spec's endpoints, as the generated `dispatch.rs` states it,
//! and the conversions its arms call: query parameters from text, the body from JSON, the typed
//! answer back to JSON.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Failure;
use crate::dispatch::ENDPOINTS;

/// One endpoint: the client's description of it, its query parameters and its body.
#[derive(Debug)]
pub struct EndpointInfo {
    /// Name, title, method, path, documentation link, limits.
    pub describe: &'static leadsquared::endpoints::Endpoint,
    /// Query parameters, required ones first.
    pub params: &'static [FieldInfo],
    /// The request body.
    pub body: BodyInfo,
}

impl EndpointInfo {
    /// The method name, e.g. `add_opportunities_in_bulk`.
    pub fn name(&self) -> &'static str {
        self.describe.name
    }

    /// The bulk job's rows, when the endpoint has a bulk job.
    pub fn rows(&self) -> Option<&RowsInfo> {
        match &self.body {
            BodyInfo::Array { rows: Some(rows), .. } => Some(rows),
            _ => None,
        }
    }

    /// Whether `text` names this endpoint: its method name, the same in kebab case, or its
    /// title, without regard to ASCII case.
    pub fn is_named(&self, text: &str) -> bool {
        let text = text.trim();
        text.eq_ignore_ascii_case(self.describe.name)
            || text.replace('-', "_").eq_ignore_ascii_case(self.describe.name)
            || text.eq_ignore_ascii_case(self.describe.title)
    }
}

/// A query parameter or a field of a row.
#[derive(Debug)]
pub struct FieldInfo {
    /// The name on the wire, e.g. `SearchBy`.
    pub wire: &'static str,
    /// The Rust name, e.g. `search_by`; the command-line flag is its kebab case.
    pub rust: &'static str,
    /// Whether it must be given.
    pub required: bool,
    /// What kind of value it holds.
    pub kind: Kind,
    /// The spec's description.
    pub description: &'static str,
}

impl FieldInfo {
    /// The flag that sets it on the command line, e.g. `search-by`.
    pub fn flag(&self) -> String {
        self.rust.replace('_', "-")
    }
}

/// The kind of a value, as it is read from text (a flag, a CSV cell).
///
/// Every kind the spec format has; the generated table may not use them all.
#[derive(Debug)]
#[allow(dead_code)]
pub enum Kind {
    /// Text.
    String,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any JSON value, written as JSON.
    Json,
    /// A UTC date-time, written `YYYY-MM-DD HH:MM:SS`.
    DateTime,
    /// One of the listed values (or, when `open`, any other text).
    Enum {
        /// The documented values.
        values: &'static [&'static str],
        /// Whether other values are accepted.
        open: bool,
    },
    /// An object of the named type, written as JSON.
    Object(&'static str),
    /// An array, written as JSON.
    Array,
}

/// A request body.
#[derive(Debug)]
pub enum BodyInfo {
    /// No body.
    None,
    /// One object of the named type.
    Object {
        /// The type's name.
        type_name: &'static str,
        /// Whether the endpoint needs it (an optional body may be left out).
        required: bool,
    },
    /// An array of the named type.
    Array {
        /// The item type's name.
        items: &'static str,
        /// The bulk job's rows, when the endpoint has one.
        rows: Option<RowsInfo>,
    },
}

/// The rows of a bulk job: the row type's fields, and its name/value list if it has one.
#[derive(Debug)]
pub struct RowsInfo {
    /// The row type's name, e.g. `OpportunityByLeadField`.
    pub type_name: &'static str,
    /// Its fields, in spec order.
    pub fields: &'static [FieldInfo],
    /// The field holding a list of name/value pairs (custom fields by schema name), if any.
    pub pairs: Option<PairsInfo>,
}

/// A field of a row that holds name/value pairs, e.g. `Fields: [{"SchemaName":…,"Value":…}]`.
#[derive(Debug)]
pub struct PairsInfo {
    /// The list's wire name, e.g. `Fields`.
    pub field: &'static str,
    /// The wire name of a pair's name, e.g. `SchemaName`.
    pub name: &'static str,
    /// The wire name of a pair's value, e.g. `Value`.
    pub value: &'static str,
}

/// The endpoint `text` names (method name, kebab case or title), or a usage error that lists
/// them.
pub fn find(text: &str) -> Result<&'static EndpointInfo, Failure> {
    ENDPOINTS
        .iter()
        .find(|endpoint| endpoint.is_named(text))
        .ok_or_else(|| {
            let names: Vec<&str> = ENDPOINTS.iter().map(EndpointInfo::name).collect();
            Failure::usage(format!(
                "no endpoint is named `{text}`; `leadsquared endpoints` lists them: {}",
                names.join(", ")
            ))
        })
}

/// The inputs of one call, as text: query parameters by wire name, and the body's JSON.
#[derive(Debug)]
pub struct Input {
    endpoint: &'static EndpointInfo,
    query: BTreeMap<&'static str, String>,
    body: Option<Value>,
}

impl Input {
    /// The inputs for `endpoint`: `query` pairs are matched to its parameters by wire name, Rust
    /// name or flag name (a name it does not have is a usage error), and `body` is the JSON body.
    pub fn new(
        endpoint: &'static EndpointInfo,
        query: &[(String, String)],
        body: Option<Value>,
    ) -> Result<Self, Failure> {
        let query = parse_query(endpoint, query)?;
        match (&endpoint.body, &body) {
            (BodyInfo::None, Some(_)) => {
                return Err(Failure::usage(format!(
                    "{} takes no body; leave out --body",
                    endpoint.name()
                )));
            }
            (
                BodyInfo::Object {
                    type_name,
                    required: true,
                },
                None,
            )
            | (BodyInfo::Array { items: type_name, .. }, None) => {
                let shape = match endpoint.body {
                    BodyInfo::Array { .. } => format!("a JSON array of {type_name}"),
                    _ => format!("a JSON {type_name} object"),
                };
                return Err(Failure::usage(format!(
                    "{} needs a body ({shape}): pass --body FILE, or --body - to read it from standard input",
                    endpoint.name()
                )));
            }
            _ => {}
        }
        Ok(Self { endpoint, query, body })
    }

    /// The query parameters of a bulk job, whose rows come from a file rather than a body.
    pub fn new_for_rows(endpoint: &'static EndpointInfo, query: &[(String, String)]) -> Result<Self, Failure> {
        Ok(Self {
            endpoint,
            query: parse_query(endpoint, query)?,
            body: None,
        })
    }

    /// The required query parameter `wire`, converted to its type.
    pub fn required<T: DeserializeOwned>(&self, wire: &str) -> Result<T, Failure> {
        match self.optional(wire)? {
            Some(value) => Ok(value),
            None => {
                let flag = self
                    .endpoint
                    .params
                    .iter()
                    .find(|param| param.wire == wire)
                    .map(|param| format!("--{} VALUE, or ", param.flag()))
                    .unwrap_or_default();
                Err(Failure::usage(format!(
                    "{} needs the query parameter `{wire}` ({flag}--query {wire}=VALUE)",
                    self.endpoint.name()
                )))
            }
        }
    }

    /// The optional query parameter `wire`, converted to its type, if it was given.
    pub fn optional<T: DeserializeOwned>(&self, wire: &str) -> Result<Option<T>, Failure> {
        let Some(text) = self.query.get(wire) else {
            return Ok(None);
        };
        from_text(text)
            .map(Some)
            .map_err(|error| Failure::usage(format!("the query parameter `{wire}`: `{text}` is not valid: {error}")))
    }

    /// The body, converted to its type, if one was given (for an endpoint whose body is optional).
    #[allow(
        dead_code,
        reason = "the generated dispatch calls it for endpoints whose body is optional"
    )]
    pub fn optional_body<T: DeserializeOwned>(&self) -> Result<Option<T>, Failure> {
        match self.body {
            Some(_) => self.body().map(Some),
            None => Ok(None),
        }
    }

    /// The body, converted to its type.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        let body = self.body.clone().unwrap_or(Value::Null);
        serde_json::from_value(body).map_err(|error| {
            Failure::usage(format!(
                "the body does not fit {}: {error}; its shape is on the endpoint's documentation page (`leadsquared endpoints`)",
                self.endpoint.name()
            ))
        })
    }
}

/// Query pairs by the wire name of the parameter they set.
fn parse_query(endpoint: &EndpointInfo, query: &[(String, String)]) -> Result<BTreeMap<&'static str, String>, Failure> {
    let mut known = BTreeMap::new();
    for (name, value) in query {
        let Some(param) = endpoint
            .params
            .iter()
            .find(|p| p.wire == name || p.rust == name || p.flag() == *name)
        else {
            let names: Vec<&str> = endpoint.params.iter().map(|p| p.wire).collect();
            return Err(Failure::usage(format!(
                "{} has no query parameter `{name}`; its parameters: {}",
                endpoint.name(),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        };
        if known.insert(param.wire, value.clone()).is_some() {
            return Err(Failure::usage(format!(
                "the query parameter `{}` is given twice",
                param.wire
            )));
        }
    }
    Ok(known)
}

/// A value from text: as a JSON string first (text, enums), then as JSON (numbers, booleans).
pub fn from_text<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(Value::String(text.to_owned()))
        .or_else(|first| serde_json::from_str(text.trim()).map_err(|_| first))
}

/// The typed answer as JSON, or the call's error.
pub fn answer<T: Serialize>(result: Result<T, leadsquared::Error>) -> Result<Value, Failure> {
    let answer = result.map_err(Failure::Api)?;
    serde_json::to_value(&answer)
        .map_err(|error| Failure::Other(format!("the answer could not be printed as JSON: {error}")))
}

/// The error for a name no generated arm knows.
pub fn unknown_endpoint(name: &str) -> Failure {
    Failure::usage(format!(
        "no endpoint is named `{name}`; `leadsquared endpoints` lists them"
    ))
}

/// The error for an endpoint without a bulk job.
pub fn no_bulk_job(name: &str) -> Failure {
    let bulk: Vec<&str> = ENDPOINTS
        .iter()
        .filter(|endpoint| endpoint.rows().is_some())
        .map(EndpointInfo::name)
        .collect();
    Failure::usage(format!(
        "{name} has no bulk job (its body is not a limited array of rows); `leadsquared import` works with: {}",
        bulk.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_found_by_name_kebab_case_or_title() {
        for text in [
            "add_opportunities_in_bulk",
            "add-opportunities-in-bulk",
            "Add Opportunities in Bulk",
            "ADD OPPORTUNITIES IN BULK",
        ] {
            assert_eq!(find(text).unwrap().name(), "add_opportunities_in_bulk", "{text}");
        }
        let error = find("add_opportunity").unwrap_err().to_string();
        assert!(error.contains("get_lead_by_email"), "{error}");
    }

    #[test]
    fn query_values_are_read_as_their_types() {
        assert_eq!(from_text::<String>("123").unwrap(), "123");
        assert_eq!(from_text::<i64>("123").unwrap(), 123);
        assert!(from_text::<bool>("true").unwrap());
        assert!(from_text::<i64>("twelve").is_err());
        let search: leadsquared::opportunities::SearchBy = from_text("Phone").unwrap();
        assert_eq!(search, leadsquared::opportunities::SearchBy::Phone);
    }

    #[test]
    fn unknown_and_missing_inputs_are_usage_errors() {
        let endpoint = find("get_opportunity_by_id").unwrap();
        let error = Input::new(endpoint, &[("Nope".into(), "1".into())], None).unwrap_err();
        assert!(error.to_string().contains("OpportunityId, getFileURL"), "{error}");
        let input = Input::new(endpoint, &[("get-file-url".into(), "yes".into())], None).unwrap();
        assert!(input.optional::<bool>("getFileURL").is_err());
        assert!(input.required::<String>("OpportunityId").is_err());
        let error = Input::new(find("update_opportunity").unwrap(), &[], None).unwrap_err();
        assert!(error.to_string().contains("--body"), "{error}");
    }

    #[test]
    fn every_bulk_endpoint_of_the_client_has_rows() {
        // The client's `_all` jobs are the endpoints with an item limit; each has rows here.
        for endpoint in leadsquared::endpoints::ALL {
            let info = find(endpoint.name).unwrap();
            let limited = endpoint.items.is_some_and(|items| items.max.is_some());
            assert_eq!(info.rows().is_some(), limited, "{}", endpoint.name);
        }
    }
}
