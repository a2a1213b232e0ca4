//! The API's wire schema as plain data, and a JSON checker that reads it.
//!
//! The generator writes the spec's shapes a second time, as data rather than as Rust types:
//! every type by wire name, every endpoint's query, body and response, and the spec's examples
//! ([`crate::SCHEMA`], generated into this crate). [`Schema::check`] walks a
//! `serde_json::Value` against it. The sandbox validates requests this way, so it checks the
//! client independently: a wrong wire name, casing or type in the generated serde types fails a
//! test instead of being decoded by the same mistake.
//!
//! The types have public fields and no `#[non_exhaustive]`: generated code builds them as
//! `static` data, in this crate and in any crate that generates a schema of its own (the golden
//! tests do). They change only together with the generator.
//!
//! Checking rules, stricter than serde and as strict as the documentation allows:
//! unknown object keys are errors (with a suggestion when only the case differs), required keys
//! must be present and not `null`, optional keys may be `null`, `integer` takes only whole JSON
//! numbers, a `lenient` field also takes the string form the API itself sometimes sends, an
//! `as_string` number must come as a string in a request (either form in an answer), and a
//! date-time is exactly `YYYY-MM-DD HH:MM:SS` of a real day in a request (an answer may add a
//! fraction of a second, as LeadSquared's do).

use std::fmt;

use serde_json::Value;

/// Every type and endpoint of the spec, by wire name.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// What the API shares: base URL, key names, error envelope, plans and rate-limit classes.
    pub api: ApiSchema,
    /// Named types, in spec order; the API's exception types are the enum `ExceptionType`.
    pub types: &'static [TypeSchema],
    /// Endpoints, in spec order.
    pub endpoints: &'static [EndpointSchema],
}

/// A named type.
#[derive(Debug, Clone, Copy)]
pub enum TypeSchema {
    /// A JSON object.
    Object(ObjectSchema),
    /// A JSON string from a list of values.
    Enum(EnumSchema),
    /// A JSON array of attribute/value pairs.
    Attributes(AttributesSchema),
}

/// A record sent as attribute/value pairs: `[{"Attribute": "EmailAddress", "Value": "…"}, …]`.
#[derive(Debug, Clone, Copy)]
pub struct AttributesSchema {
    /// The type's name in the spec.
    pub name: &'static str,
    /// The key of an entry's attribute name.
    pub attribute: &'static str,
    /// The key of an entry's value (a string).
    pub value: &'static str,
    /// The key of an entry's own pairs (a custom field set), when entries may have them.
    pub fields: Option<&'static str>,
}

impl TypeSchema {
    /// The type's name in the spec.
    pub fn name(&self) -> &'static str {
        match self {
            TypeSchema::Object(object) => object.name,
            TypeSchema::Enum(def) => def.name,
            TypeSchema::Attributes(def) => def.name,
        }
    }
}

/// A JSON object type.
#[derive(Debug, Clone, Copy)]
pub struct ObjectSchema {
    /// The type's name in the spec.
    pub name: &'static str,
    /// The object's keys.
    pub fields: &'static [FieldSchema],
    /// What must hold across the object's keys.
    pub rules: &'static [RuleSchema],
    /// Whether keys the schema does not name are allowed (e.g. an account's custom fields).
    pub additional_fields: bool,
}

/// A rule across an object's keys; a key is *set* when present, not `null` and not `false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSchema {
    /// At most one of these keys may be set.
    AtMostOneOf(&'static [&'static str]),
    /// At least one of these keys must be set.
    AtLeastOneOf(&'static [&'static str]),
    /// Exactly one of these keys must be set.
    ExactlyOneOf(&'static [&'static str]),
    /// The array at `field`, when present, holds `min` to `max` items.
    ItemCount {
        /// The array's key.
        field: &'static str,
        /// The fewest items.
        min: usize,
        /// The most items, if limited.
        max: Option<usize>,
    },
}

/// One key of an object, or one query parameter.
#[derive(Debug, Clone, Copy)]
pub struct FieldSchema {
    /// The name on the wire, exactly as the API spells it.
    pub wire: &'static str,
    /// The value's shape.
    pub shape: Shape,
    /// Whether the key must be present.
    pub required: bool,
    /// How the value is written beyond its shape.
    pub encoding: Encoding,
}

/// How a field's value is written on the wire beyond its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As its shape says.
    Plain,
    /// A number or boolean that may also come as a string (`"3"`, `"true"`).
    Lenient,
    /// A value that travels as a string holding its JSON.
    JsonString,
    /// A number that a request must send as a string holding it (`"12003"`); an answer may
    /// carry either form.
    AsString,
}

/// An enum: strings, or integers, from a list of values.
#[derive(Debug, Clone, Copy)]
pub struct EnumSchema {
    /// The type's name in the spec.
    pub name: &'static str,
    /// Whether values outside `values` are allowed.
    pub open: bool,
    /// Whether the values are JSON integers (`"Direction": 1`) rather than strings; `values`
    /// then holds their decimal text. An answer may quote them, a request may not.
    pub integer: bool,
    /// The documented values.
    pub values: &'static [&'static str],
}

/// The shape of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A JSON string.
    String,
    /// A whole JSON number that fits in an `i64`.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any JSON value.
    Json,
    /// A string holding a UTC date-time, `YYYY-MM-DD HH:MM:SS`; an answer may add a fraction
    /// of a second (`.000`), a request may not.
    DateTime,
    /// A named type of [`Schema::types`].
    Named(&'static str),
    /// A JSON array of the inner shape.
    Array(&'static Shape),
}

/// What every endpoint of the API shares.
#[derive(Debug, Clone, Copy)]
pub struct ApiSchema {
    /// The API's name, e.g. `LeadSquared`.
    pub name: &'static str,
    /// The base URL template, e.g. `https://{host}/v2`; the sandbox serves below its path.
    pub base_url: &'static str,
    /// The header that carries the access key.
    pub header_access_key: &'static str,
    /// The header that carries the secret key.
    pub header_secret_key: &'static str,
    /// The query parameter that carries the access key.
    pub query_access_key: &'static str,
    /// The query parameter that carries the secret key.
    pub query_secret_key: &'static str,
    /// The error envelope's status attribute, e.g. `Status`.
    pub status_field: &'static str,
    /// The status attribute's value that marks an error, e.g. `Error`.
    pub error_value: &'static str,
    /// The attribute holding the exception type, e.g. `ExceptionType`.
    pub type_field: &'static str,
    /// The attribute holding the exception message, e.g. `ExceptionMessage`.
    pub message_field: &'static str,
    /// The subscription plans, by their documented names, in the order of each class's
    /// [`RateClassSchema::plans`].
    pub plans: &'static [&'static str],
    /// The rate-limit classes, each counted in windows of its own; the first is the class of
    /// every endpoint that names none.
    pub rate_classes: &'static [RateClassSchema],
}

impl ApiSchema {
    /// The position of the plan named `name` (in any ASCII case) in [`ApiSchema::plans`].
    pub fn plan(&self, name: &str) -> Option<usize> {
        self.plans.iter().position(|plan| plan.eq_ignore_ascii_case(name))
    }

    /// The position of the class named `name` (in any ASCII case) in
    /// [`ApiSchema::rate_classes`].
    pub fn rate_class(&self, name: &str) -> Option<usize> {
        self.rate_classes
            .iter()
            .position(|class| class.name.eq_ignore_ascii_case(name))
    }
}

/// A rate-limit class: its name, its limit without a plan and its limit on each plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateClassSchema {
    /// The class's name in the spec, e.g. `bulk`.
    pub name: &'static str,
    /// The limit when no plan is chosen.
    pub default: RateLimit,
    /// The limit on each plan of [`ApiSchema::plans`], in that order.
    pub plans: &'static [RateLimit],
}

impl RateClassSchema {
    /// The limit on the plan at `plan` (of [`ApiSchema::plans`]), or the default without one.
    pub fn limit(&self, plan: Option<usize>) -> RateLimit {
        plan.and_then(|plan| self.plans.get(plan).copied())
            .unwrap_or(self.default)
    }
}

/// A rate limit: at most `calls` calls in any window of `per_millis` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub calls: u32,
    /// The window, in milliseconds.
    pub per_millis: u64,
}

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

impl Method {
    /// The method as sent, e.g. `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// An endpoint's wire shapes and examples.
#[derive(Debug, Clone, Copy)]
pub struct EndpointSchema {
    /// The endpoint's name in the spec (the client's method name).
    pub name: &'static str,
    /// Its HTTP method.
    pub method: Method,
    /// Its path below the base URL, e.g. `/OpportunityManagement.svc/Bulk/Add/ByLeadField`.
    pub path: &'static str,
    /// Query parameters, with their wire names.
    pub query: &'static [FieldSchema],
    /// The request body.
    pub body: BodySchema,
    /// The shape of what a successful call returns: the whole body, or its attribute `unwrap`.
    pub response: Shape,
    /// The body attribute holding the result when the body is an envelope such as
    /// `{"Status":"Success","Message":{...}}`.
    pub unwrap: Option<&'static str>,
    /// Where a paged endpoint's body holds the page index, and its answer the page's items.
    pub pages: Option<PagesSchema>,
    /// The rate-limit class its calls count against: a position in [`ApiSchema::rate_classes`].
    pub rate_class: usize,
    /// Documented example values of query parameters, by wire name, as sent.
    pub query_example: &'static [(&'static str, &'static str)],
    /// The documented request body example, as JSON, when the spec has one.
    pub request_example: Option<&'static str>,
    /// The documented response body example, as JSON, when the spec has one.
    pub response_example: Option<&'static str>,
}

/// Where a paged endpoint keeps its page index and items, as wire paths.
#[derive(Debug, Clone, Copy)]
pub struct PagesSchema {
    /// The page index or offset in the request body, e.g. `["Paging", "PageIndex"]`.
    pub position: &'static [&'static str],
    /// The items in the answer (below its `unwrap` attribute, if any); empty when the answer
    /// is the array of items itself.
    pub items: &'static [&'static str],
}

/// The shape of a request body.
#[derive(Debug, Clone, Copy)]
pub enum BodySchema {
    /// No body.
    None,
    /// A JSON object; an optional one may be left out (no content at all).
    Object {
        /// The object's shape.
        shape: Shape,
        /// Whether a call must send it.
        required: bool,
    },
    /// A JSON array of between `min_items` and `max_items` items.
    Array {
        /// The items' shape.
        items: Shape,
        /// The fewest items a call takes.
        min_items: usize,
        /// The most items a call takes, if limited.
        max_items: Option<usize>,
    },
}

/// One mismatch between a JSON value and the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Where, as a path from the root: `$[2].Fields[0].Value`.
    pub path: String,
    /// What is wrong, e.g. "expected a string, found the number 5".
    pub problem: String,
    /// Whether the problem is a required key that is missing (LeadSquared reports those with
    /// `MXMandatoryAttributeMissingException`).
    pub missing: bool,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// How many mismatches one check reports before it stops looking.
const MAX_MISMATCHES: usize = 10;

impl Schema {
    /// The named type `name`.
    pub fn type_named(&self, name: &str) -> Option<&'static TypeSchema> {
        self.types.iter().find(|ty| ty.name() == name)
    }

    /// The endpoint served at `path` (below the base URL) with `method`.
    pub fn endpoint_at(&self, method: Method, path: &str) -> Option<&'static EndpointSchema> {
        self.endpoints
            .iter()
            .find(|schema| schema.method == method && schema.path == path)
    }

    /// The endpoint whose Rust method name is `name`.
    pub fn endpoint_named(&self, name: &str) -> Option<&'static EndpointSchema> {
        self.endpoints.iter().find(|schema| schema.name == name)
    }

    /// Checks `value` against `shape`; the first few mismatches, empty when it conforms.
    pub fn check(&self, shape: &Shape, value: &Value) -> Vec<Mismatch> {
        let mut checker = Checker {
            schema: self,
            found: Vec::new(),
            request: false,
        };
        checker.value(shape, false, value, &mut String::from("$"));
        checker.found
    }

    /// Checks a value a client sent (a query parameter) against `shape`, as strictly as a
    /// request is held: a date-time takes exactly `YYYY-MM-DD HH:MM:SS`.
    pub fn check_sent(&self, shape: &Shape, value: &Value) -> Vec<Mismatch> {
        let mut checker = Checker {
            schema: self,
            found: Vec::new(),
            request: true,
        };
        checker.value(shape, false, value, &mut String::from("$"));
        checker.found
    }

    /// Checks a successful response body against an endpoint's response schema, envelope included.
    pub fn check_response(&self, endpoint: &EndpointSchema, value: &Value) -> Vec<Mismatch> {
        let Some(field) = endpoint.unwrap else {
            return self.check(&endpoint.response, value);
        };
        let mut checker = Checker {
            schema: self,
            found: Vec::new(),
            request: false,
        };
        match value.get(field) {
            Some(inner) if value.is_object() => {
                checker.value(&endpoint.response, false, inner, &mut format!("$.{field}"))
            }
            _ => checker.report(
                "$",
                format!("expected an object with `{field}`, found {}", describe(value)),
                true,
            ),
        }
        checker.found
    }

    /// Checks a request body against an endpoint's body schema, item limits included.
    pub fn check_body(&self, body: &BodySchema, value: &Value) -> Vec<Mismatch> {
        match body {
            BodySchema::None => Vec::new(),
            BodySchema::Object { shape, .. } => self.check_sent(shape, value),
            BodySchema::Array {
                items,
                min_items,
                max_items,
            } => {
                let Value::Array(rows) = value else {
                    return vec![Mismatch {
                        path: "$".into(),
                        problem: format!("expected a JSON array of rows, found {}", describe(value)),
                        missing: false,
                    }];
                };
                let limit = match max_items {
                    Some(max) if rows.len() > *max => Some(format!("at most {max}")),
                    _ if rows.len() < *min_items => Some(format!("at least {min_items}")),
                    _ => None,
                };
                if let Some(limit) = limit {
                    let problem = format!("the array has {} items; one call takes {limit}", rows.len());
                    return vec![Mismatch {
                        path: "$".into(),
                        problem,
                        missing: false,
                    }];
                }
                let mut checker = Checker {
                    schema: self,
                    found: Vec::new(),
                    request: true,
                };
                for (index, row) in rows.iter().enumerate() {
                    checker.value(items, false, row, &mut format!("$[{index}]"));
                }
                checker.found
            }
        }
    }
}

struct Checker<'s> {
    schema: &'s Schema,
    found: Vec<Mismatch>,
    /// Whether the value is a request's (held to the exact wire formats) or an answer's.
    request: bool,
}

impl Checker<'_> {
    fn report(&mut self, path: &str, problem: String, missing: bool) {
        if self.found.len() < MAX_MISMATCHES {
            self.found.push(Mismatch {
                path: path.to_string(),
                problem,
                missing,
            });
        }
    }

    fn value(&mut self, shape: &Shape, lenient: bool, value: &Value, path: &mut String) {
        if self.found.len() >= MAX_MISMATCHES {
            return;
        }
        let ok = match (shape, value) {
            (Shape::Json, _) => true,
            (Shape::String, Value::String(_)) => true,
            (Shape::DateTime, Value::String(text)) => is_datetime(text, !self.request),
            (Shape::Integer, Value::Number(number)) => number.is_i64(),
            (Shape::Integer, Value::String(text)) if lenient => text.trim().parse::<i64>().is_ok(),
            (Shape::Number, Value::Number(_)) => true,
            (Shape::Number, Value::String(text)) if lenient => text.trim().parse::<f64>().is_ok(),
            (Shape::Boolean, Value::Bool(_)) => true,
            (Shape::Boolean, Value::String(text)) if lenient => ["true", "false", "0", "1"]
                .iter()
                .any(|word| text.eq_ignore_ascii_case(word)),
            (Shape::Boolean, Value::Number(number)) if lenient => matches!(number.as_u64(), Some(0 | 1)),
            (Shape::Array(inner), Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    self.value(inner, lenient, item, path);
                    path.truncate(len);
                }
                true
            }
            (Shape::Named(name), _) => {
                match self.schema.type_named(name) {
                    Some(TypeSchema::Object(object)) => self.object(object, value, path),
                    Some(TypeSchema::Enum(def)) => self.enumeration(def, value, path),
                    Some(TypeSchema::Attributes(def)) => self.attributes(def, value, path),
                    None => self.report(path, format!("the schema has no type `{name}`"), false),
                }
                true
            }
            _ => false,
        };
        if !ok {
            let expected = expected(shape, lenient);
            self.report(path, format!("expected {expected}, found {}", describe(value)), false);
        }
    }

    /// An array of `{attribute: string, value: string}` entries, each attribute once, with
    /// nothing else but the nested pairs of a custom field set.
    fn attributes(&mut self, def: &AttributesSchema, value: &Value, path: &mut String) {
        let Value::Array(entries) = value else {
            let problem = format!(
                "expected a {} list of {{\"{}\": …, \"{}\": …}} pairs, found {}",
                def.name,
                def.attribute,
                def.value,
                describe(value)
            );
            self.report(path, problem, false);
            return;
        };
        let mut seen = std::collections::BTreeSet::new();
        for (index, entry) in entries.iter().enumerate() {
            let len = path.len();
            path.push_str(&format!("[{index}]"));
            match entry {
                Value::Object(map) => {
                    for key in map.keys() {
                        if key != def.attribute && key != def.value && Some(key.as_str()) != def.fields {
                            let mut names = vec![def.attribute, def.value];
                            names.extend(def.fields);
                            let problem = format!("unknown attribute `{key}`; a pair has `{}`", names.join("`, `"));
                            self.report(path, problem, false);
                        }
                    }
                    match map.get(def.attribute) {
                        Some(Value::String(name)) if !seen.insert(name.clone()) => {
                            self.report(path, format!("the attribute `{name}` is given twice"), false);
                        }
                        Some(Value::String(_)) => {}
                        Some(other) => {
                            let problem = format!("`{}` must be a string, found {}", def.attribute, describe(other));
                            self.report(path, problem, false);
                        }
                        None => self.report(path, format!("`{}` is mandatory", def.attribute), true),
                    }
                    match map.get(def.value) {
                        Some(Value::String(_)) => {}
                        Some(other) => {
                            let problem = format!("`{}` must be a string, found {}", def.value, describe(other));
                            self.report(path, problem, false);
                        }
                        None => self.report(path, format!("`{}` is mandatory", def.value), true),
                    }
                    if let Some(nested) = def.fields.and_then(|key| map.get(key)) {
                        self.attributes(def, nested, path);
                    }
                }
                other => self.report(
                    path,
                    format!("expected a {} pair object, found {}", def.name, describe(other)),
                    false,
                ),
            }
            path.truncate(len);
        }
    }

    fn enumeration(&mut self, def: &EnumSchema, value: &Value, path: &str) {
        if def.integer {
            return self.integer_enumeration(def, value, path);
        }
        match value {
            Value::String(text) if def.open || def.values.contains(&text.as_str()) => {}
            Value::String(text) => {
                let known = def
                    .values
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                self.report(
                    path,
                    format!("`{text}` is not a valid {}; expected one of {known}", def.name),
                    false,
                );
            }
            other => self.report(
                path,
                format!("expected a {} string, found {}", def.name, describe(other)),
                false,
            ),
        }
    }

    /// An enum of integers: a JSON integer the enum lists (or any, when open); an answer may
    /// hold it as a string.
    fn integer_enumeration(&mut self, def: &EnumSchema, value: &Value, path: &str) {
        let number = match value {
            Value::Number(number) => number.as_i64(),
            Value::String(text) if !self.request => text.trim().parse::<i64>().ok(),
            _ => None,
        };
        let Some(number) = number else {
            let quoted = if self.request { "" } else { ", or a string holding one" };
            return self.report(
                path,
                format!("expected a {} integer{quoted}, found {}", def.name, describe(value)),
                false,
            );
        };
        if !def.open && !def.values.contains(&number.to_string().as_str()) {
            let known = def.values.join(", ");
            self.report(
                path,
                format!("{number} is not a valid {}; expected one of {known}", def.name),
                false,
            );
        }
    }

    fn object(&mut self, object: &ObjectSchema, value: &Value, path: &mut String) {
        let Value::Object(map) = value else {
            self.report(
                path,
                format!("expected a {} object, found {}", object.name, describe(value)),
                false,
            );
            return;
        };
        for key in map.keys() {
            if object.additional_fields || object.fields.iter().any(|field| field.wire == key) {
                continue;
            }
            let hint = match object.fields.iter().find(|field| field.wire.eq_ignore_ascii_case(key)) {
                Some(field) => format!("; did you mean `{}`? Names are case-sensitive", field.wire),
                None => {
                    let names = object
                        .fields
                        .iter()
                        .map(|f| format!("`{}`", f.wire))
                        .collect::<Vec<_>>();
                    format!("; {} has {}", object.name, names.join(", "))
                }
            };
            self.report(path, format!("unknown attribute `{key}`{hint}"), false);
        }
        for field in object.fields {
            let len = path.len();
            path.push('.');
            path.push_str(field.wire);
            match map.get(field.wire) {
                None if field.required => self.report(path, format!("`{}` is mandatory", field.wire), true),
                Some(Value::Null) if field.required => self.report(
                    path,
                    format!("`{}` is mandatory and must not be null", field.wire),
                    true,
                ),
                None | Some(Value::Null) => {}
                Some(Value::String(text)) if field.encoding == Encoding::JsonString => {
                    match serde_json::from_str::<Value>(text) {
                        Ok(inner) => self.value(&field.shape, false, &inner, path),
                        Err(_) if !field.required && text.trim().is_empty() => {}
                        Err(error) => self.report(path, format!("expected a string holding JSON: {error}"), false),
                    }
                }
                Some(other) if field.encoding == Encoding::JsonString => self.report(
                    path,
                    format!("expected a string holding JSON, found {}", describe(other)),
                    false,
                ),
                Some(Value::Number(number)) if field.encoding == Encoding::AsString && self.request => self.report(
                    path,
                    format!("expected the number as a string, e.g. \"{number}\"; found the number {number}"),
                    false,
                ),
                Some(inner) => {
                    let lenient = matches!(field.encoding, Encoding::Lenient | Encoding::AsString);
                    self.value(&field.shape, lenient, inner, path)
                }
            }
            path.truncate(len);
        }
        let set = |group: &[&'static str]| -> Vec<&'static str> {
            group
                .iter()
                .copied()
                .filter(|key| {
                    map.get(*key)
                        .is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false)))
                })
                .collect()
        };
        let names =
            |keys: &[&str], word: &str| keys.iter().map(|key| format!("`{key}`")).collect::<Vec<_>>().join(word);
        for rule in object.rules {
            match *rule {
                RuleSchema::AtMostOneOf(group) => {
                    let set = set(group);
                    if set.len() > 1 {
                        self.report(path, format!("{} cannot both be set", names(&set, " and ")), false);
                    }
                }
                RuleSchema::AtLeastOneOf(group) if set(group).is_empty() => {
                    // LeadSquared reports a missing attribute as mandatory.
                    let problem = format!("one of {} is mandatory", names(group, ", "));
                    self.report(path, problem, true);
                }
                RuleSchema::ExactlyOneOf(group) => match set(group).as_slice() {
                    [_] => {}
                    [] => self.report(path, format!("one of {} is mandatory", names(group, ", ")), true),
                    several => {
                        let problem = format!("{} cannot both be set", names(several, " and "));
                        self.report(path, problem, false);
                    }
                },
                RuleSchema::AtLeastOneOf(_) => {}
                RuleSchema::ItemCount { field, min, max } => {
                    let Some(Value::Array(items)) = map.get(field) else {
                        continue;
                    };
                    let limit = match max {
                        Some(max) if items.len() > max => Some(format!("at most {max}")),
                        _ if items.len() < min => Some(format!("at least {min}")),
                        _ => None,
                    };
                    if let Some(limit) = limit {
                        let at = format!("{path}.{field}");
                        self.report(
                            &at,
                            format!("`{field}` has {} items; it takes {limit}", items.len()),
                            false,
                        );
                    }
                }
            }
        }
    }
}

fn expected(shape: &Shape, lenient: bool) -> String {
    let base = match shape {
        Shape::String => "a string",
        Shape::Integer => "a whole number",
        Shape::Number => "a number",
        Shape::Boolean => "true or false",
        Shape::Json => "any JSON value",
        Shape::DateTime => "a UTC date-time `YYYY-MM-DD HH:MM:SS`",
        Shape::Named(_) => "an object",
        Shape::Array(_) => "an array",
    };
    match shape {
        Shape::Integer | Shape::Number | Shape::Boolean if lenient => format!("{base} (or the same as a string)"),
        _ => base.to_string(),
    }
}

/// Whether `text` is a date-time as LeadSquared writes it, `YYYY-MM-DD HH:MM:SS` (UTC), of a
/// real day; with `fraction`, also followed by `.` and 1 to 9 digits, as some answers show.
fn is_datetime(text: &str, fraction: bool) -> bool {
    let (whole, digits) = match text.split_once('.') {
        Some((whole, digits)) if fraction => (whole, digits),
        Some(_) => return false,
        None => (text, "0"),
    };
    let bytes = whole.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        let part = bytes.get(from..to)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |sum, digit| sum * 10 + u32::from(digit - b'0')))
    };
    let separators = bytes.len() == 19
        && [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')]
            .iter()
            .all(|&(at, byte)| bytes[at] == byte);
    let fields = (
        number(0, 4),
        number(5, 7),
        number(8, 10),
        number(11, 13),
        number(14, 16),
        number(17, 19),
    );
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    separators
        && (1..=days).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
        && (1..=9).contains(&digits.len())
        && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// A short description of a JSON value for messages: its kind and, when short, the value.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(flag) => format!("the boolean {flag}"),
        Value::Number(number) => format!("the number {number}"),
        Value::String(text) if text.chars().count() <= 40 => format!("the string {text:?}"),
        Value::String(_) => "a string".into(),
        Value::Array(items) => format!("an array of {} items", items.len()),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const fn field(wire: &'static str, shape: Shape, required: bool, lenient: bool) -> FieldSchema {
        FieldSchema {
            wire,
            shape,
            required,
            encoding: if lenient { Encoding::Lenient } else { Encoding::Plain },
        }
    }

    const ROW: ObjectSchema = ObjectSchema {
        name: "Row",
        fields: &[
            field("Name", Shape::String, true, false),
            field("Count", Shape::Integer, false, false),
            field("Loose", Shape::Integer, false, true),
            field("A", Shape::Boolean, false, false),
            field("B", Shape::Boolean, false, false),
            field("Kind", Shape::Named("Kind"), false, false),
            field("Children", Shape::Array(&Shape::Named("Row")), false, false),
        ],
        rules: &[
            RuleSchema::AtMostOneOf(&["A", "B"]),
            RuleSchema::AtLeastOneOf(&["Name", "Count"]),
            RuleSchema::ItemCount {
                field: "Children",
                min: 0,
                max: Some(2),
            },
        ],
        additional_fields: false,
    };
    const OPEN: ObjectSchema = ObjectSchema {
        name: "Open",
        fields: &[FieldSchema {
            encoding: Encoding::JsonString,
            ..field("Options", Shape::Array(&Shape::Integer), false, false)
        }],
        rules: &[],
        additional_fields: true,
    };
    const SCHEMA: Schema = Schema {
        api: crate::SCHEMA.api,
        types: &[
            TypeSchema::Object(ROW),
            TypeSchema::Object(OPEN),
            TypeSchema::Enum(EnumSchema {
                name: "Kind",
                open: false,
                integer: false,
                values: &["x", "y"],
            }),
            TypeSchema::Enum(EnumSchema {
                name: "Order",
                open: false,
                integer: true,
                values: &["1", "0"],
            }),
        ],
        endpoints: &[],
    };

    fn problems(value: Value) -> Vec<String> {
        SCHEMA
            .check(&Shape::Named("Row"), &value)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_conforming_value_has_no_mismatch() {
        let value = json!({"Name": "n", "Count": 3, "Loose": "4", "A": true, "B": false, "Kind": "x",
            "Children": [{"Name": "c", "Count": null}]});
        assert_eq!(problems(value), Vec::<String>::new());
    }

    #[test]
    fn each_kind_of_mismatch_is_reported_with_its_path() {
        let value = json!({"name": "n", "Count": 1.5, "Loose": "four", "A": true, "B": true, "Kind": "z",
            "Children": [{"Name": 7}], "Extra": 1});
        assert_eq!(
            problems(value),
            [
                "$: unknown attribute `Extra`; Row has `Name`, `Count`, `Loose`, `A`, `B`, `Kind`, `Children`",
                "$: unknown attribute `name`; did you mean `Name`? Names are case-sensitive",
                "$.Name: `Name` is mandatory",
                "$.Count: expected a whole number, found the number 1.5",
                "$.Loose: expected a whole number (or the same as a string), found the string \"four\"",
                "$.Kind: `z` is not a valid Kind; expected one of `x`, `y`",
                "$.Children[0].Name: expected a string, found the number 7",
                "$: `A` and `B` cannot both be set",
            ]
        );
    }

    #[test]
    fn open_objects_take_any_key_and_json_strings_are_checked_inside() {
        let check = |value: Value| -> Vec<String> {
            SCHEMA
                .check(&Shape::Named("Open"), &value)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            check(json!({"Options": "[1, 2]", "mx_Custom_7": "x"})),
            Vec::<String>::new()
        );
        assert_eq!(check(json!({"Options": ""})), Vec::<String>::new());
        assert_eq!(
            check(json!({"Options": "[\"a\"]"})),
            ["$.Options[0]: expected a whole number, found the string \"a\""]
        );
        assert_eq!(
            check(json!({"Options": [1]})),
            ["$.Options: expected a string holding JSON, found an array of 1 items"]
        );
        assert!(
            check(json!({"Options": "[1,"}))
                .first()
                .is_some_and(|m| m.contains("expected a string holding JSON"))
        );
    }

    #[test]
    fn array_bodies_check_their_item_limits_first() {
        let body = BodySchema::Array {
            items: Shape::Named("Row"),
            min_items: 1,
            max_items: Some(2),
        };
        let many = json!([{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]);
        assert_eq!(
            SCHEMA.check_body(&body, &many)[0].problem,
            "the array has 3 items; one call takes at most 2"
        );
        assert_eq!(
            SCHEMA.check_body(&body, &json!([]))[0].problem,
            "the array has 0 items; one call takes at least 1"
        );
        assert!(
            SCHEMA.check_body(&body, &json!({"Name": "a"}))[0]
                .problem
                .starts_with("expected a JSON array")
        );
        assert!(SCHEMA.check_body(&body, &json!([{"Name": "a"}])).is_empty());
    }

    #[test]
    fn date_times_are_exact_in_requests_and_may_carry_a_fraction_in_answers() {
        let answer = |text: &str| SCHEMA.check(&Shape::DateTime, &json!(text)).is_empty();
        let request = |text: &str| SCHEMA.check_sent(&Shape::DateTime, &json!(text)).is_empty();
        for text in ["2016-03-26 14:15:00", "2024-02-29 23:59:59"] {
            assert!(answer(text) && request(text), "{text}");
        }
        assert!(answer("2017-11-30 07:38:00.000"));
        assert!(!request("2017-11-30 07:38:00.000"));
        for text in [
            "2021-06-08T10:30:00Z",
            "2021-06-08",
            "2023-02-29 10:00:00",
            "2021-04-31 10:00:00",
            "2021-06-08 24:00:00",
            "2021-06-08 10:60:00",
            "2021-6-8 10:30:00",
            "2021-06-08 10:30:00.",
            "2021-06-08 10:30:00+00:00",
        ] {
            assert!(!answer(text) && !request(text), "{text}");
        }
        assert_eq!(
            SCHEMA.check(&Shape::DateTime, &json!(1_623_148_200))[0].problem,
            "expected a UTC date-time `YYYY-MM-DD HH:MM:SS`, found the number 1623148200"
        );
    }

    #[test]
    fn integer_enums_take_integers_and_answers_may_quote_them() {
        let order = Shape::Named("Order");
        let answer =
            |value: Value| -> Vec<String> { SCHEMA.check(&order, &value).iter().map(ToString::to_string).collect() };
        let request = |value: Value| -> Vec<String> {
            SCHEMA
                .check_sent(&order, &value)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(answer(json!(1)).is_empty() && answer(json!("0")).is_empty() && request(json!(0)).is_empty());
        assert_eq!(
            request(json!("1")),
            ["$: expected a Order integer, found the string \"1\""]
        );
        assert_eq!(answer(json!(2)), ["$: 2 is not a valid Order; expected one of 1, 0"]);
        assert_eq!(
            answer(json!(true)),
            ["$: expected a Order integer, or a string holding one, found the boolean true"]
        );
    }

    #[test]
    fn at_least_one_and_exactly_one_of_a_group() {
        const PICK: ObjectSchema = ObjectSchema {
            name: "Pick",
            fields: &[
                field("Id", Shape::String, false, false),
                field("Email", Shape::String, false, false),
            ],
            rules: &[RuleSchema::ExactlyOneOf(&["Id", "Email"])],
            additional_fields: false,
        };
        let schema = Schema {
            types: &[TypeSchema::Object(PICK)],
            ..SCHEMA
        };
        let check = |value: Value| -> Vec<Mismatch> { schema.check(&Shape::Named("Pick"), &value) };
        assert!(check(json!({"Id": "a"})).is_empty());
        let none = check(json!({"Id": null}));
        assert_eq!(none[0].to_string(), "$: one of `Id`, `Email` is mandatory");
        assert!(none[0].missing);
        assert_eq!(
            check(json!({"Id": "a", "Email": "e"}))[0].to_string(),
            "$: `Id` and `Email` cannot both be set"
        );
        // `Row` needs `Name` or `Count`; `Name` is also required, so only `Count` can stand in.
        assert!(problems(json!({"Count": 1})).iter().all(|p| !p.contains("one of")));
    }

    #[test]
    fn array_keys_are_held_to_their_item_limits() {
        let three = json!({"Name": "n", "Children": [{"Name": "a"}, {"Name": "b"}, {"Name": "c"}]});
        assert_eq!(
            problems(three),
            ["$.Children: `Children` has 3 items; it takes at most 2"]
        );
        assert!(problems(json!({"Name": "n", "Children": [{"Name": "a"}, {"Name": "b"}]})).is_empty());
    }

    #[test]
    fn reports_stop_after_a_few() {
        let rows: Vec<Value> = (0..50).map(|_| json!({"Name": 1})).collect();
        assert_eq!(
            SCHEMA
                .check(&Shape::Array(&Shape::Named("Row")), &Value::Array(rows))
                .len(),
            MAX_MISMATCHES
        );
    }
}
