//! The serde mirror of a spec file: exactly what the YAML says, with no logic.
//!
//! Every key is kept as written (strings for methods, kinds and type expressions), so that
//! the lowering in `lower` can report a wrong value with its position and the list of valid
//! ones. Defaults here are only "absent"; meaning is given in `lower`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::yaml::{Seg, YamlValue};

/// One spec file. Exactly one file of a spec has `api`; any file may have types and endpoints.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct File {
    pub api: Option<Api>,
    pub group: Option<String>,
    #[serde(default)]
    pub types: Vec<Type>,
    #[serde(default)]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Api {
    pub name: String,
    pub crate_name: Option<String>,
    pub description: Option<String>,
    pub base_url: String,
    pub hosts: Vec<Host>,
    pub auth: Auth,
    pub error_envelope: ErrorEnvelope,
    /// The older shape: one limit for every endpoint. `rate_limits` replaces it.
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub plans: Vec<String>,
    #[serde(default)]
    pub rate_limits: Vec<RateClass>,
    #[serde(default)]
    pub exceptions: Vec<EnumValue>,
    #[serde(default)]
    pub statuses: Vec<Status>,
    #[serde(default)]
    pub group_features: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Host {
    pub region: String,
    pub host: String,
    pub description: Option<String>,
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    #[schemars(extend("enum" = ["header", "query"]))]
    pub preferred: String,
    pub header: KeyNames,
    pub query: KeyNames,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct KeyNames {
    pub access_key: String,
    pub secret_key: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorEnvelope {
    pub status_field: String,
    pub error_value: String,
    pub type_field: String,
    pub message_field: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RateLimit {
    pub calls: u32,
    pub per_seconds: u32,
}

/// A rate-limit class: a name, its limit without a plan, and its limit on each plan (calls in
/// the same window).
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RateClass {
    pub name: String,
    pub description: Option<String>,
    pub calls: u32,
    pub per_seconds: u32,
    #[serde(default)]
    pub plans: BTreeMap<String, u32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Type {
    pub name: String,
    pub group: Option<String>,
    #[schemars(extend("enum" = ["object", "enum", "attributes"]))]
    pub kind: String,
    pub description: Option<String>,
    pub pair: Option<Pair>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub values: Vec<EnumValue>,
    pub open: Option<bool>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub additional_fields: bool,
    #[serde(default)]
    pub integer: bool,
}

/// The wire names of an attribute list's entries: `{"Attribute": …, "Value": …}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Pair {
    pub attribute: String,
    pub value: String,
    pub fields: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Field {
    pub wire: String,
    pub rust: Option<String>,
    #[serde(rename = "type")]
    pub ty: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub lenient: bool,
    #[serde(default)]
    pub json_string: bool,
    #[serde(default)]
    pub as_string: bool,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EnumValue {
    /// A string, or an integer for an enum of integers (`wire: 1`), kept as its text.
    #[serde(deserialize_with = "text_or_integer")]
    #[schemars(extend("type" = ["string", "integer"]))]
    pub wire: String,
    pub rust: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub rate_limited: bool,
    #[schemars(extend("enum" = ["always", "never", "unknown"]))]
    pub processed: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Rule {
    pub at_most_one_of: Option<Vec<String>>,
    pub at_least_one_of: Option<Vec<String>>,
    pub exactly_one_of: Option<Vec<String>>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Endpoint {
    pub name: String,
    pub title: String,
    pub group: Option<String>,
    pub description: Option<String>,
    pub docs_url: Option<String>,
    #[schemars(extend("enum" = ["GET", "POST"]))]
    pub method: String,
    pub path: String,
    pub idempotent: bool,
    #[serde(default)]
    pub changes_state: bool,
    #[serde(default)]
    pub query: Vec<Field>,
    pub body: Option<Body>,
    pub response: String,
    pub unwrap: Option<String>,
    /// The name of a rate-limit class; any other value is reported with what to write.
    #[schemars(with = "Option<String>")]
    pub rate_limit: Option<YamlValue>,
    pub statuses: Option<Vec<Status>>,
    pub examples: Option<Examples>,
    pub pagination: Option<Pagination>,
    pub bulk: Option<BulkResults>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BulkResults {
    pub row_number: String,
    pub succeeded: String,
    pub id: Option<String>,
    pub exception_type: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Pagination {
    pub page_index: Option<String>,
    pub page_size: Option<String>,
    pub offset: Option<String>,
    pub row_count: Option<String>,
    pub items: Option<String>,
    pub total: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Examples {
    #[schemars(with = "Option<serde_json::Value>")]
    pub query: Option<YamlValue>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub request: Option<YamlValue>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub response: Option<YamlValue>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Body {
    #[schemars(extend("enum" = ["none", "object", "array"]))]
    pub kind: String,
    #[serde(rename = "type")]
    pub ty: Option<String>,
    pub items: Option<String>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub required: Option<bool>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Status {
    pub code: u16,
    pub meaning: String,
    #[schemars(extend("enum" = ["always", "never", "unknown"]))]
    pub processed: String,
}

/// A string as it is, or an integer as its decimal text.
fn text_or_integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Integer(i64),
    }
    Ok(match Text::deserialize(deserializer)? {
        Text::Text(text) => text,
        Text::Integer(number) => number.to_string(),
    })
}

const FILE: &[&str] = &["api", "group", "types", "endpoints"];
const API: &[&str] = &[
    "name",
    "crate_name",
    "description",
    "base_url",
    "hosts",
    "auth",
    "error_envelope",
    "rate_limit",
    "plans",
    "rate_limits",
    "exceptions",
    "statuses",
    "group_features",
];
const HOST: &[&str] = &["region", "host", "description", "default"];
const AUTH: &[&str] = &["preferred", "header", "query"];
const KEY_NAMES: &[&str] = &["access_key", "secret_key"];
const ERROR_ENVELOPE: &[&str] = &["status_field", "error_value", "type_field", "message_field"];
const RATE_LIMIT: &[&str] = &["calls", "per_seconds"];
const PAIR: &[&str] = &["attribute", "value", "fields"];
const RATE_CLASS: &[&str] = &["name", "description", "calls", "per_seconds", "plans"];
const TYPE: &[&str] = &[
    "name",
    "group",
    "kind",
    "description",
    "pair",
    "fields",
    "values",
    "open",
    "rules",
    "additional_fields",
    "integer",
];
const FIELD: &[&str] = &[
    "wire",
    "rust",
    "type",
    "required",
    "lenient",
    "json_string",
    "as_string",
    "min_items",
    "max_items",
    "description",
];
const ENUM_VALUE: &[&str] = &["wire", "rust", "description", "rate_limited", "processed"];
const RULE: &[&str] = &["at_most_one_of", "at_least_one_of", "exactly_one_of", "description"];
const ENDPOINT: &[&str] = &[
    "name",
    "title",
    "group",
    "description",
    "docs_url",
    "method",
    "path",
    "idempotent",
    "changes_state",
    "query",
    "body",
    "response",
    "unwrap",
    "rate_limit",
    "statuses",
    "examples",
    "pagination",
    "bulk",
];
const BULK: &[&str] = &["row_number", "succeeded", "id", "exception_type", "message"];
const PAGINATION: &[&str] = &["page_index", "page_size", "offset", "row_count", "items", "total"];
const EXAMPLES: &[&str] = &["query", "request", "response"];
const BODY: &[&str] = &["kind", "type", "items", "min_items", "max_items", "required"];
const STATUS: &[&str] = &["code", "meaning", "processed"];

/// The keys the mirror accepts in the mapping at `path`, for "did you mean" suggestions.
pub fn valid_keys(path: &[Seg]) -> &'static [&'static str] {
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|seg| match seg {
            Seg::Key(key) => Some(key.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        [] => FILE,
        ["api"] => API,
        ["api", "hosts"] => HOST,
        ["api", "auth"] => AUTH,
        ["api", "auth", _] => KEY_NAMES,
        ["api", "error_envelope"] => ERROR_ENVELOPE,
        ["api", "rate_limit"] => RATE_LIMIT,
        ["api", "rate_limits"] => RATE_CLASS,
        ["api", "exceptions"] | ["types", "values"] => ENUM_VALUE,
        ["api", "statuses"] | ["endpoints", "statuses"] => STATUS,
        ["types"] => TYPE,
        ["types", "pair"] => PAIR,
        ["types", "fields"] | ["endpoints", "query"] => FIELD,
        ["types", "rules"] => RULE,
        ["endpoints"] => ENDPOINT,
        ["endpoints", "body"] => BODY,
        ["endpoints", "examples"] => EXAMPLES,
        ["endpoints", "pagination"] => PAGINATION,
        ["endpoints", "bulk"] => BULK,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    //! The key lists above must match the structs; serde tells us the struct's fields.

    use super::*;

    /// Asks serde for the field names of a struct by deserializing from a probe.
    fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
        struct Probe(Option<&'static [&'static str]>);
        impl<'de> serde::Deserializer<'de> for &mut Probe {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(serde::de::Error::custom("probe"))
            }
            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                self.0 = Some(fields);
                Err(serde::de::Error::custom("probe"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
                unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        let mut probe = Probe(None);
        let _ = T::deserialize(&mut probe);
        probe.0.expect("a struct")
    }

    fn same(listed: &[&str], actual: &[&str]) {
        let mut listed = listed.to_vec();
        let mut actual = actual.to_vec();
        listed.sort_unstable();
        actual.sort_unstable();
        assert_eq!(listed, actual);
    }

    #[test]
    fn key_lists_match_the_structs() {
        same(FILE, fields_of::<File>());
        same(API, fields_of::<Api>());
        same(HOST, fields_of::<Host>());
        same(AUTH, fields_of::<Auth>());
        same(KEY_NAMES, fields_of::<KeyNames>());
        same(ERROR_ENVELOPE, fields_of::<ErrorEnvelope>());
        same(RATE_LIMIT, fields_of::<RateLimit>());
        same(RATE_CLASS, fields_of::<RateClass>());
        same(TYPE, fields_of::<Type>());
        same(PAIR, fields_of::<Pair>());
        same(FIELD, fields_of::<Field>());
        same(ENUM_VALUE, fields_of::<EnumValue>());
        same(RULE, fields_of::<Rule>());
        same(ENDPOINT, fields_of::<Endpoint>());
        same(BODY, fields_of::<Body>());
        same(EXAMPLES, fields_of::<Examples>());
        same(PAGINATION, fields_of::<Pagination>());
        same(BULK, fields_of::<BulkResults>());
        same(STATUS, fields_of::<Status>());
    }

    #[test]
    fn the_json_schema_lists_exactly_the_keys_the_loader_takes() {
        let schema: serde_json::Value = serde_json::from_str(&crate::spec_json_schema()).unwrap();
        let keys = |props: &serde_json::Value| {
            let mut keys: Vec<String> = props.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        };
        let sorted = |list: &[&str]| {
            let mut list: Vec<String> = list.iter().map(|k| k.to_string()).collect();
            list.sort();
            list
        };
        assert_eq!(keys(&schema["properties"]), sorted(FILE));
        assert_eq!(schema["additionalProperties"], false);
        for (name, list) in [
            ("Api", API),
            ("Host", HOST),
            ("Auth", AUTH),
            ("KeyNames", KEY_NAMES),
            ("ErrorEnvelope", ERROR_ENVELOPE),
            ("RateLimit", RATE_LIMIT),
            ("RateClass", RATE_CLASS),
            ("Type", TYPE),
            ("Pair", PAIR),
            ("Field", FIELD),
            ("EnumValue", ENUM_VALUE),
            ("Rule", RULE),
            ("Endpoint", ENDPOINT),
            ("Body", BODY),
            ("Status", STATUS),
            ("Examples", EXAMPLES),
            ("Pagination", PAGINATION),
            ("BulkResults", BULK),
        ] {
            let def = &schema["$defs"][name];
            assert_eq!(keys(&def["properties"]), sorted(list), "{name}");
            assert_eq!(def["additionalProperties"], false, "{name}");
        }
        assert_eq!(
            schema["$defs"]["Endpoint"]["properties"]["method"]["enum"],
            serde_json::json!(["GET", "POST"])
        );
    }

    #[test]
    fn every_path_shape_has_its_keys() {
        let key = |k: &str| Seg::Key(k.to_string());
        assert_eq!(valid_keys(&[key("endpoints"), Seg::Index(3), key("body")]), BODY);
        assert_eq!(
            valid_keys(&[key("types"), Seg::Index(0), key("fields"), Seg::Index(2)]),
            FIELD
        );
        assert_eq!(valid_keys(&[key("api"), key("auth"), key("query")]), KEY_NAMES);
    }
}
