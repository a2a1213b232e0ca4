//! The validated, typed model of a spec: what the emitter reads.
//!
//! Everything here has been checked by `lower`: names are valid Rust identifiers, every type
//! reference resolves, limits are consistent. The emitter can therefore not fail. Each node
//! keeps both its Rust name and its wire name, because the two are chosen independently (the
//! wire name is whatever the API page spells, casing included). The nodes a reader may want
//! to find in the spec (the API section, types, fields and parameters, enum values,
//! endpoints) keep their [`Site`], which their equality ignores.

/// A whole, valid spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// API-level facts.
    pub api: Api,
    /// Named types, in spec order (files sorted by name, then order within the file).
    pub types: Vec<TypeDef>,
    /// Endpoints, in spec order.
    pub endpoints: Vec<Endpoint>,
    /// Every spec file, sorted: the files a generated file that draws on all of them names.
    pub sources: Vec<String>,
}

/// Where a node of the model is written, for pointing a reader at the spec: the file and the
/// path as diagnostics show them, and where the node starts.
#[derive(Debug, Clone)]
pub struct Site {
    /// The spec file, as diagnostics show it, e.g. `spec/opportunities.yaml`.
    pub file: String,
    /// The node's path in the file, as diagnostics show it, e.g. `endpoints[3]`.
    pub path: String,
    /// Where the node starts in the file.
    pub pos: crate::diag::Pos,
}

/// Every site equals every other. The model's equality says whether two nodes describe the
/// same API, and where a node is written (its file, its place among its siblings, its line)
/// is not part of that: specs are compared across revisions (`cargo xtask diff`), and a
/// comment or a blank line above an endpoint must not make it another endpoint. Code that
/// wants the positions compares the fields.
impl PartialEq for Site {
    fn eq(&self, _other: &Site) -> bool {
        true
    }
}

/// API-level facts shared by every endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// The API's name, e.g. `LeadSquared`.
    pub name: String,
    /// The name of the generated crate as users import it, for doc examples.
    pub crate_name: String,
    /// Prose for the generated module docs.
    pub description: Option<String>,
    /// Base URL template with a `{host}` placeholder.
    pub base_url: String,
    /// Documented regional hosts; exactly one is the default.
    pub hosts: Vec<Host>,
    /// Where credentials go.
    pub auth: Auth,
    /// The JSON error body.
    pub error_envelope: ErrorEnvelope,
    /// The subscription plans, in spec order: their names as documented (UpperCamelCase), the
    /// variants of the generated `Plan`.
    pub plans: Vec<String>,
    /// The rate-limit classes, in spec order (at least one). The first is the class of every
    /// endpoint that names none, and of calls to endpoints the spec does not describe.
    pub rate_classes: Vec<RateClass>,
    /// The statuses of endpoints that do not list their own (may be empty).
    pub statuses: Vec<Status>,
    /// The exception types, as an open enum named `ExceptionType`.
    pub exceptions: EnumDef,
    /// Whether each group is a cargo feature of the client crate (all on by default), so that
    /// users compile only the groups they use.
    pub group_features: bool,
    /// Where the API section is written (its file is named in the header of the generated
    /// file drawn from it).
    pub site: Site,
}

impl Api {
    /// The rate-limit class named `name`, and its position.
    pub fn rate_class(&self, name: &str) -> Option<(usize, &RateClass)> {
        self.rate_classes
            .iter()
            .enumerate()
            .find(|(_, class)| class.name == name)
    }
}

/// One regional host.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Variant name of the `Region` enum.
    pub region: String,
    /// Host name, e.g. `api.leadsquared.com`.
    pub host: String,
    /// Prose for the variant's docs.
    pub description: Option<String>,
    /// Whether this is `Region::default()`.
    pub default: bool,
}

/// Where credentials can go, and which way is preferred.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    /// The placement the client uses unless told otherwise.
    pub preferred: AuthPlacement,
    /// Header names for the access key and the secret key.
    pub header: KeyNames,
    /// Query parameter names for the access key and the secret key.
    pub query: KeyNames,
}

/// Header or query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthPlacement {
    /// In request headers.
    Header,
    /// In the query string.
    Query,
}

/// Names of the two credentials in one placement.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyNames {
    /// The access key's name.
    pub access_key: String,
    /// The secret key's name.
    pub secret_key: String,
}

/// The fields of the JSON error body.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEnvelope {
    /// Field holding the status, e.g. `Status`.
    pub status_field: String,
    /// Value of that field that marks an error, e.g. `Error`.
    pub error_value: String,
    /// Field holding the exception type.
    pub type_field: String,
    /// Field holding the message.
    pub message_field: String,
}

/// A rate-limit class: endpoints whose calls count against one limit of their own.
#[derive(Debug, Clone, PartialEq)]
pub struct RateClass {
    /// The name in the spec, snake_case, e.g. `bulk`.
    pub name: String,
    /// The variant of the generated `RateLimitClass`, e.g. `Bulk`.
    pub rust: String,
    /// Prose for the variant's docs.
    pub description: Option<String>,
    /// The limit when no plan is chosen.
    pub default: RateLimit,
    /// The limit on each plan of [`Api::plans`], in that order; `None` where the spec gives no
    /// figure for the plan (the default then applies). Every figure has the default's window.
    pub plans: Vec<Option<RateLimit>>,
}

impl RateClass {
    /// The limit on the plan at `index` of [`Api::plans`]: its own figure, else the default.
    pub fn on_plan(&self, index: usize) -> RateLimit {
        self.plans.get(index).copied().flatten().unwrap_or(self.default)
    }
}

/// At most `calls` calls in any window of `per_millis` milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed in one window.
    pub calls: u32,
    /// Window length in milliseconds.
    pub per_millis: u64,
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// A JSON object.
    Object(ObjectDef),
    /// A string enum.
    Enum(EnumDef),
    /// A record sent as a list of attribute/value pairs.
    Attributes(AttributesDef),
}

impl TypeDef {
    /// The Rust name of the type.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Object(object) => &object.name,
            TypeDef::Enum(def) => &def.name,
            TypeDef::Attributes(def) => &def.name,
        }
    }

    /// The type's group (the module it is emitted in), if any.
    pub fn group(&self) -> Option<&str> {
        match self {
            TypeDef::Object(object) => object.group.as_deref(),
            TypeDef::Enum(def) => def.group.as_deref(),
            TypeDef::Attributes(def) => def.group.as_deref(),
        }
    }
}

/// A record the API takes as a list of attribute/value pairs,
/// `[{"Attribute": "EmailAddress", "Value": "…"}, …]`: a setter per well-known attribute, and
/// any other attribute (an account's custom `mx_` fields) by name.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributesDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The module the type is emitted in (its group); `None` for the crate root.
    pub group: Option<String>,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// The wire name of an entry's attribute name, e.g. `Attribute`.
    pub attribute: String,
    /// The wire name of an entry's value, e.g. `Value`.
    pub value: String,
    /// The wire name of an entry's nested list (a custom field set's own fields), if entries
    /// may have one, e.g. `Fields`.
    pub fields: Option<String>,
    /// The well-known attributes, in spec order: each is a string-valued setter.
    pub attributes: Vec<Field>,
    /// Where the type is written.
    pub site: Site,
}

/// A JSON object type.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The module the type is emitted in (its group); `None` for the crate root.
    pub group: Option<String>,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// Fields in spec order.
    pub fields: Vec<Field>,
    /// Cross-field rules checked before sending.
    pub rules: Vec<Rule>,
    /// Whether validating a value needs to look inside it (it or a type it contains has rules).
    pub needs_validation: bool,
    /// Whether attributes the spec does not name are kept (in a map) rather than ignored.
    pub additional_fields: bool,
    /// Where the type is written.
    pub site: Site,
}

/// A field of an object, or a query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name on the wire, exactly as the API spells it.
    pub wire: String,
    /// Rust name (snake_case).
    pub rust: String,
    /// The field's type.
    pub ty: TypeRef,
    /// Whether the field must be present.
    pub required: bool,
    /// How the value is written on the wire beyond its type.
    pub encoding: Encoding,
    /// Whether the type is boxed because the field refers back to its own type directly.
    pub boxed: bool,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// Where the field or parameter is written.
    pub site: Site,
}

/// A type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// A string.
    String,
    /// A 64-bit signed integer.
    Integer,
    /// A 64-bit float.
    Number,
    /// A boolean.
    Boolean,
    /// Any JSON value.
    Json,
    /// A date-time, UTC, written `YYYY-MM-DD HH:MM:SS` on the wire.
    DateTime,
    /// Any JSON value, kept as its text (key order and spacing as written).
    JsonText,
    /// A named type, by Rust name.
    Named(String),
    /// An array of the inner type.
    Array(Box<TypeRef>),
}

impl TypeRef {
    /// The named type this is, or holds through arrays.
    pub fn named(&self) -> Option<&str> {
        match self {
            TypeRef::Named(name) => Some(name),
            TypeRef::Array(inner) => inner.named(),
            _ => None,
        }
    }
}

/// A cross-field rule. A field counts as set when it is present and, for a boolean, `true`.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// At most one of these fields (by index into the object's fields) may be set.
    AtMostOneOf {
        /// Indices into the object's fields.
        fields: Vec<usize>,
        /// Why, for the error message.
        description: String,
    },
    /// At least one of these fields (by index into the object's fields) must be set.
    AtLeastOneOf {
        /// Indices into the object's fields.
        fields: Vec<usize>,
        /// Why, for the error message.
        description: String,
    },
    /// Exactly one of these fields (by index into the object's fields) must be set.
    ExactlyOneOf {
        /// Indices into the object's fields.
        fields: Vec<usize>,
        /// Why, for the error message.
        description: String,
    },
    /// An array field holds `min` to `max` items when it is set (the spec's `min_items` and
    /// `max_items` on the field).
    ItemCount {
        /// Index into the object's fields.
        field: usize,
        /// The fewest items.
        min: usize,
        /// The most items, if limited.
        max: Option<usize>,
    },
}

/// An enum: string values, or integer values.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The module the type is emitted in (its group); `None` for the crate root.
    pub group: Option<String>,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// Whether unknown values are kept in an `Other` variant.
    pub open: bool,
    /// Whether the wire values are JSON integers (`"Direction": 1`) rather than strings; each
    /// value's `wire` is then the integer's decimal text.
    pub integer: bool,
    /// The known values.
    pub values: Vec<EnumValue>,
    /// Where the type is written (the API's `exceptions` for `ExceptionType`).
    pub site: Site,
}

/// One known value of an enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Wire value.
    pub wire: String,
    /// Variant name (UpperCamelCase).
    pub rust: String,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// Whether this value means the rate limit was hit.
    pub rate_limited: bool,
    /// For an exception: whether a call answered with it took effect, whatever the status, as
    /// the spec declares it; `None` when the status decides (a rate-limit exception without a
    /// declaration is read as `Never`).
    pub processed: Option<Processed>,
    /// Where the value is written.
    pub site: Site,
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// One endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Method name (snake_case).
    pub name: String,
    /// Title as on the documentation page.
    pub title: String,
    /// Group, e.g. `opportunities`.
    pub group: String,
    /// Prose for rustdoc.
    pub description: Option<String>,
    /// Link to the documentation page.
    pub docs_url: Option<String>,
    /// HTTP method.
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    /// Whether sending the same request twice has the effect of sending it once.
    pub idempotent: bool,
    /// Whether a GET changes state on the server (LeadSquared deletes with GETs): never
    /// idempotent, and said so in its docs.
    pub changes_state: bool,
    /// Query parameters, required ones first in spec order, then optional ones.
    pub query: Vec<Field>,
    /// The request body.
    pub body: Body,
    /// The type of what the method returns: the whole body, or the attribute `unwrap` of it.
    pub response: TypeRef,
    /// The wire name of the body attribute that holds the useful part, when the body is an
    /// envelope such as `{"Status":"Success","Message":{...}}`.
    pub unwrap: Option<String>,
    /// The name of the endpoint's rate-limit class (the API's first class unless it names one).
    pub rate_class: String,
    /// Documented statuses.
    pub statuses: Vec<Status>,
    /// Example values of query parameters, by wire name, as they go on the wire.
    pub query_example: Vec<(String, String)>,
    /// The documented request body example, as pretty-printed JSON.
    pub request_example: Option<String>,
    /// The documented response body example, as pretty-printed JSON.
    pub response_example: Option<String>,
    /// How to walk the endpoint's pages, when it is paged.
    pub pagination: Option<Pagination>,
    /// How each row's result reads, for a bulk endpoint that answers per row.
    pub row_results: Option<RowResults>,
    /// Where the endpoint is written (its file is named in the headers of the generated files
    /// drawn from it).
    pub site: Site,
}

/// Where a paged endpoint keeps its position (page number or offset), page size, items and total.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// How pages are addressed.
    pub style: PageStyle,
    /// The page index or offset in the body, from the body down.
    pub position: FieldPath,
    /// The page size (or row count) in the body, an attribute of the same object as `position`.
    pub size: FieldPath,
    /// The page's items in the response; empty when the response is the array itself.
    pub items: FieldPath,
    /// The type of one item.
    pub item: TypeRef,
    /// The total count in the response, if it reports one.
    pub total: Option<FieldPath>,
    /// How the walker writes a page's position and size into the body: the objects on the way
    /// that the caller may leave out, and how to make them.
    pub writer: PageWriter,
}

/// How a paged endpoint addresses a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// A 1-based page number and a page size (`PageIndex`, `PageSize`).
    Index,
    /// How many items to skip and how many to return (`Offset`, `RowCount`).
    Offset,
}

impl PageStyle {
    /// The position of the first page when the caller gives none.
    pub fn first(self) -> i64 {
        match self {
            PageStyle::Index => 1,
            PageStyle::Offset => 0,
        }
    }
}

/// The objects between the body and the page attributes, for writing a page into a body the
/// caller may have left partly empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageWriter {
    /// How to make the body when the caller gave none; `None` when the body is required.
    pub absent_body: Option<Make>,
    /// The object attributes from the body down to the one holding the page attributes,
    /// outermost first.
    pub steps: Vec<PageStep>,
}

/// One object attribute on the way from the body to the page attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct PageStep {
    /// The attribute's Rust field name.
    pub rust: String,
    /// The attribute's object type.
    pub type_name: String,
    /// How to make the object when the caller left it out; `None` when it is required.
    pub absent: Option<Make>,
}

/// How the page walker makes an absent object.
#[derive(Debug, Clone, PartialEq)]
pub enum Make {
    /// `T::default()`: nothing is required.
    Default,
    /// `T::new(…)`: its required fields are the page's position and size, in constructor order.
    New(Vec<PageValue>),
}

/// One of the two values a page walker writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageValue {
    /// The page index or offset.
    Position,
    /// The page size or row count.
    Size,
}

/// The fields of a per-row result type that a bulk job reads.
#[derive(Debug, Clone, PartialEq)]
pub struct RowResults {
    /// The per-row result type (an object).
    pub type_name: String,
    /// The 1-based row number (integer).
    pub row_number: Field,
    /// Whether the row was applied (boolean).
    pub succeeded: Field,
    /// The id of the record created (string).
    pub id: Option<Field>,
    /// The row's exception type (the API's `ExceptionType`).
    pub exception_type: Option<Field>,
    /// The row's message (string).
    pub message: Option<Field>,
}

/// A chain of fields from a value down to one attribute.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FieldPath {
    /// Rust field names, outermost first.
    pub rust: Vec<String>,
    /// The dotted wire path as written in the spec, e.g. `Paging.PageIndex`.
    pub wire: String,
    /// Whether the last field is optional.
    pub optional: bool,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// A JSON object of a named type.
    Object {
        /// The object type.
        ty: TypeRef,
        /// Whether the caller must give it; an optional body is not sent when absent.
        required: bool,
    },
    /// A JSON array.
    Array {
        /// Item type.
        items: TypeRef,
        /// Fewest items per request.
        min_items: usize,
        /// Most items per request, if limited.
        max_items: Option<usize>,
    },
}

/// How a field's value is written on the wire beyond its type: the spec's `lenient`,
/// `json_string` and `as_string` flags, which exclude each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// As its type says.
    Plain,
    /// A number or boolean that may also arrive as a string holding one (`"3"` for 3).
    Lenient,
    /// A value that travels as a string holding its JSON (e.g. `"[{\"Value\":1}]"`).
    JsonString,
    /// A number sent as a string holding it (`"12003"`), and read in either form.
    AsString,
}

impl Rule {
    /// The fields a group rule is about, its kind as the spec writes it, and its description;
    /// `None` for an item limit.
    pub fn group(&self) -> Option<(&'static str, &[usize], &str)> {
        match self {
            Rule::AtMostOneOf { fields, description } => Some(("at_most_one_of", fields, description)),
            Rule::AtLeastOneOf { fields, description } => Some(("at_least_one_of", fields, description)),
            Rule::ExactlyOneOf { fields, description } => Some(("exactly_one_of", fields, description)),
            Rule::ItemCount { .. } => None,
        }
    }
}

impl Field {
    /// Whether the value may arrive as a string holding a number or boolean.
    pub fn lenient(&self) -> bool {
        self.encoding == Encoding::Lenient
    }

    /// Whether the value travels as a string holding its JSON.
    pub fn json_string(&self) -> bool {
        self.encoding == Encoding::JsonString
    }

    /// Whether the number is sent as a string holding it.
    pub fn as_string(&self) -> bool {
        self.encoding == Encoding::AsString
    }
}

/// A documented status code.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// HTTP status code.
    pub code: u16,
    /// What it means, per the documentation.
    pub meaning: String,
    /// Whether a request that got this status was processed.
    pub processed: Processed,
}

/// Whether a request that got a status was processed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processed {
    /// The request took effect.
    Always,
    /// The request did not take effect; sending it again is safe.
    Never,
    /// It may or may not have taken effect.
    Unknown,
}

impl Spec {
    /// Every group (of a type or an endpoint) and the other groups whose types its own types
    /// and endpoints name directly: what each group's cargo feature needs. Types of no group
    /// are not in it: they are always compiled.
    pub fn group_dependencies(&self) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
        let mut deps: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
        let group_of = |name: &str| {
            self.types
                .iter()
                .find(|def| def.name() == name)
                .and_then(TypeDef::group)
        };
        let mut note = |group: &str, ty: &TypeRef| {
            let needs = deps.entry(group.to_string()).or_default();
            if let Some(other) = ty.named().and_then(group_of) {
                if other != group {
                    needs.insert(other.to_string());
                }
            }
        };
        for def in &self.types {
            let Some(group) = def.group() else { continue };
            note(group, &TypeRef::Json);
            if let TypeDef::Object(object) = def {
                for field in &object.fields {
                    note(group, &field.ty);
                }
            }
        }
        for endpoint in &self.endpoints {
            let group = endpoint.group.as_str();
            note(group, &endpoint.response);
            for field in &endpoint.query {
                note(group, &field.ty);
            }
            if let Body::Object { ty, .. } | Body::Array { items: ty, .. } = &endpoint.body {
                note(group, ty);
            }
        }
        deps
    }

    /// Types of no group (always compiled) that name a type of a group (compiled with its
    /// feature): `(type, the grouped type it names)`.
    pub fn ungrouped_uses_of_groups(&self) -> Vec<(String, String)> {
        let mut uses = Vec::new();
        for def in &self.types {
            let TypeDef::Object(object) = def else { continue };
            if object.group.is_some() {
                continue;
            }
            for field in &object.fields {
                let Some(named) = field.ty.named() else { continue };
                let grouped = self
                    .types
                    .iter()
                    .any(|other| other.name() == named && other.group().is_some());
                if grouped {
                    uses.push((object.name.clone(), named.to_string()));
                }
            }
        }
        uses
    }

    /// The named types that appear in requests (bodies and query parameters, through fields and
    /// arrays) and never in responses: values only ever read from a caller, so the generated
    /// type refuses attributes it does not know.
    pub fn request_only_types(&self) -> std::collections::BTreeSet<String> {
        let mut sent = std::collections::BTreeSet::new();
        let mut received = std::collections::BTreeSet::new();
        for endpoint in &self.endpoints {
            match &endpoint.body {
                Body::None => {}
                Body::Object { ty, .. } | Body::Array { items: ty, .. } => self.reach(ty, &mut sent),
            }
            for field in &endpoint.query {
                self.reach(&field.ty, &mut sent);
            }
            self.reach(&endpoint.response, &mut received);
        }
        sent.retain(|name| !received.contains(name));
        sent
    }

    /// Adds the named types `ty` reaches, through fields and arrays, to `seen`.
    fn reach(&self, ty: &TypeRef, seen: &mut std::collections::BTreeSet<String>) {
        let mut stack = vec![ty];
        while let Some(ty) = stack.pop() {
            match ty {
                TypeRef::Array(inner) => stack.push(inner),
                TypeRef::Named(name) if seen.insert(name.clone()) => {
                    if let Some(TypeDef::Object(object)) = self.types.iter().find(|def| def.name() == name) {
                        stack.extend(object.fields.iter().map(|field| &field.ty));
                    }
                }
                _ => {}
            }
        }
    }
}

impl std::fmt::Display for TypeRef {
    /// The type expression as the spec writes it, e.g. `array<Item>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeRef::String => f.write_str("string"),
            TypeRef::Integer => f.write_str("integer"),
            TypeRef::Number => f.write_str("number"),
            TypeRef::Boolean => f.write_str("boolean"),
            TypeRef::Json => f.write_str("json"),
            TypeRef::DateTime => f.write_str("datetime"),
            TypeRef::JsonText => f.write_str("json_text"),
            TypeRef::Named(name) => f.write_str(name),
            TypeRef::Array(inner) => write!(f, "array<{inner}>"),
        }
    }
}
