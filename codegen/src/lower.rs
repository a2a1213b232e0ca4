//! Lowering: from the serde mirror of each file to one validated [`model::Spec`].
//!
//! All checks live here: names, type references, limits, rules, statuses. Every problem is
//! pushed as a diagnostic with its file, position and spec path, and lowering goes on, so
//! one run reports every error; `crate::generate` stops at the boundary when any was found.
//! Nothing here panics on any input.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::cycles;
use crate::diag::{Diagnostics, did_you_mean, one_of};
use crate::model::{self, Body, EnumDef, EnumValue, Field, ObjectDef, Processed, Rule, Spec, TypeDef, TypeRef};
use crate::raw;
use crate::reserved::{self, Place};
use crate::yaml::{Parsed, Seg, YamlValue, to_json};

const PRIMITIVES: &[&str] = &["string", "integer", "number", "boolean", "json"];

/// The deepest `array<…>` nesting a type expression may have. Real APIs need two; the limit
/// keeps the lowering and the emitters (which recurse once per level) off the stack's end.
pub(crate) const MAX_TYPE_NESTING: usize = 8;

/// Builds a path from keys and indices: `p!["endpoints", 0, "body"]`.
macro_rules! p {
    ($($seg:expr),* $(,)?) => { [$(Seg::from($seg)),*] };
}

impl From<&str> for Seg {
    fn from(key: &str) -> Seg {
        Seg::Key(key.to_string())
    }
}

impl From<usize> for Seg {
    fn from(index: usize) -> Seg {
        Seg::Index(index)
    }
}

fn child(path: &[Seg], seg: impl Into<Seg>) -> Vec<Seg> {
    let mut out = path.to_vec();
    out.push(seg.into());
    out
}

/// Lowers parsed files into a spec, or reports every error found.
pub fn lower(files: &[Parsed<raw::File>], diags: &mut Diagnostics) -> Option<Spec> {
    let mut lowerer = Lowerer {
        diags,
        type_kinds: BTreeMap::new(),
    };
    lowerer.lower(files)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Object,
    Enum,
}

struct Lowerer<'d> {
    diags: &'d mut Diagnostics,
    /// Every named type and its kind, filled before any type expression is resolved.
    type_kinds: BTreeMap<String, Kind>,
}

impl Lowerer<'_> {
    fn lower(&mut self, files: &[Parsed<raw::File>]) -> Option<Spec> {
        let api = self.find_api(files);
        self.collect_type_names(files);

        let mut types = Vec::new();
        for file in files {
            for (i, raw) in file.value.types.iter().enumerate() {
                if let Some(def) = self.lower_type(file, &p!["types", i], raw) {
                    types.push(def);
                }
            }
        }

        let mut endpoints = Vec::new();
        // Where each lowered endpoint is, for the collisions of its generated items.
        let mut sites: Vec<(&Parsed<raw::File>, Vec<Seg>)> = Vec::new();
        let mut endpoint_names: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut row_result_types: BTreeMap<String, String> = BTreeMap::new();
        for file in files {
            for (i, raw) in file.value.endpoints.iter().enumerate() {
                let path = p!["endpoints", i];
                if let Some((first_file, first_line)) = endpoint_names.get(&raw.name) {
                    let help = format!(
                        "endpoint names become method names and must be unique; the first `{}` is at {first_file}:{first_line}",
                        raw.name
                    );
                    let message = format!("duplicate endpoint name `{}`", raw.name);
                    self.diags
                        .push(file.error_at(&child(&path, "name"), message, Some(help)));
                    continue;
                }
                let line = file.index.value(&child(&path, "name")).line;
                endpoint_names.insert(raw.name.clone(), (file.file.name.clone(), line));
                let api_defaults = api.map(|(file, api)| (&api.rate_limit, &api.statuses, file));
                if let Some(endpoint) = self.lower_endpoint(file, &path, raw, api_defaults, &types) {
                    let mapped = endpoint.row_results.as_ref().map(|results| results.type_name.clone());
                    if let Some(first) = mapped.and_then(|name| row_result_types.insert(name, endpoint.name.clone())) {
                        let help = format!(
                            "`{first}` already reads this result type; give each bulk endpoint its own result type"
                        );
                        let message = "two bulk endpoints read the same per-row result type".to_string();
                        self.diags
                            .push(file.error_at_key(&child(&path, "bulk"), message, Some(help)));
                        continue;
                    }
                    endpoints.push(endpoint);
                    sites.push((file, path.to_vec()));
                }
            }
        }
        self.check_endpoint_items(&endpoints, &sites);

        let api = match api {
            Some((file, raw)) => self.lower_api(file, raw),
            None => None,
        };
        let mut sources: Vec<String> = files.iter().map(|file| file.file.name.clone()).collect();
        sources.sort();
        sources.dedup();
        let mut spec = Spec {
            api: api?,
            types,
            endpoints,
            sources,
        };
        cycles::mark_boxed_fields(&mut spec.types);
        cycles::mark_needs_validation(&mut spec.types);
        Some(spec)
    }

    /// Reports endpoints whose generated items (`<name>_all`, the request builder, ...) collide
    /// with another endpoint's or with a hand-written name (see `reserved::collisions`).
    fn check_endpoint_items(&mut self, endpoints: &[model::Endpoint], sites: &[(&Parsed<raw::File>, Vec<Seg>)]) {
        let shapes: Vec<(&str, bool, bool)> = endpoints
            .iter()
            .map(|endpoint| {
                let bulk = matches!(endpoint.body, Body::Array { max_items: Some(_), .. });
                (endpoint.name.as_str(), bulk, endpoint.pagination.is_some())
            })
            .collect();
        for collision in reserved::collisions(&shapes) {
            let (Some(endpoint), Some((file, path))) =
                (endpoints.get(collision.endpoint), sites.get(collision.endpoint))
            else {
                continue;
            };
            let origin = match collision
                .other
                .and_then(|other| Some((endpoints.get(other)?, sites.get(other)?)))
            {
                Some((other, (other_file, other_path))) => format!(
                    " of endpoint `{}` ({}:{})",
                    other.name,
                    other_file.file.name,
                    other_file.index.value(&child(other_path, "name")).line
                ),
                None => String::new(),
            };
            let message = format!(
                "endpoint `{}` would generate {}, which collides with {}{origin}",
                endpoint.name, collision.item.describe, collision.with
            );
            let help = format!(
                "names in {} must be unique; rename one of the endpoints",
                collision.item.namespace
            );
            self.diags
                .push(file.error_at(&child(path, "name"), message, Some(help)));
        }
    }

    /// Reports `name` when the generator uses it at `place` (see `reserved::RESERVED`).
    fn check_reserved(&mut self, file: &Parsed<raw::File>, path: &[Seg], place: Place, name: &str, help: &str) -> bool {
        self.check_reserved_derived(file, path, place, (name, None), help)
    }

    /// Like `check_reserved`, for a Rust name that may be derived from a wire name (given).
    fn check_reserved_derived(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        place: Place,
        (name, derived_from): (&str, Option<&str>),
        help: &str,
    ) -> bool {
        let Some(entry) = reserved::reserved(place, name) else {
            return true;
        };
        let origin = derived_from
            .map(|wire| format!(" (derived from `{wire}`)"))
            .unwrap_or_default();
        let message = format!(
            "{} `{name}`{origin} collides with {}",
            place.describe(),
            entry.collides_with
        );
        let help = format!(
            "{help}; reserved {}s: {}",
            place.describe(),
            one_of(reserved::names_at(place))
        );
        self.diags.push(file.error_at(path, message, Some(help)));
        false
    }

    fn find_api<'f>(&mut self, files: &'f [Parsed<raw::File>]) -> Option<(&'f Parsed<raw::File>, &'f raw::Api)> {
        let mut found: Option<(&Parsed<raw::File>, &raw::Api)> = None;
        for file in files {
            if let Some(api) = &file.value.api {
                if let Some((first, _)) = found {
                    let help = format!("keep one `api` section; the first is in {}", first.file.name);
                    self.diags
                        .push(file.error_at_key(&p!["api"], "a second `api` section".into(), Some(help)));
                } else {
                    found = Some((file, api));
                }
            }
        }
        if found.is_none() {
            if let Some(file) = files.first() {
                let help = "add a file (e.g. spec/api.yaml) with an `api:` section: name, base_url, hosts, auth, error_envelope, rate_limit";
                self.diags
                    .push(file.error_at(&[], "no spec file has an `api` section".into(), Some(help.into())));
            }
        }
        found
    }

    fn collect_type_names(&mut self, files: &[Parsed<raw::File>]) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for file in files {
            for (i, raw) in file.value.types.iter().enumerate() {
                let path = p!["types", i, "name"];
                // An unknown kind is reported by `lower_type`; the name is still registered so
                // that references to it do not cascade into more errors.
                let kind = if raw.kind == "enum" { Kind::Enum } else { Kind::Object };
                if let Some(first) = seen.get(&raw.name) {
                    let help = format!(
                        "type names must be unique across the spec; the first `{}` is in {first}",
                        raw.name
                    );
                    self.diags
                        .push(file.error_at(&path, format!("duplicate type name `{}`", raw.name), Some(help)));
                    continue;
                }
                seen.insert(raw.name.clone(), file.file.name.clone());
                self.type_kinds.insert(raw.name.clone(), kind);
            }
        }
        // The API's exception types are a type like any other.
        self.type_kinds.insert("ExceptionType".into(), Kind::Enum);
    }

    fn lower_api(&mut self, file: &Parsed<raw::File>, raw: &raw::Api) -> Option<model::Api> {
        let path = p!["api"];
        // Optional, so that specs written before the key existed still load (`cargo xtask diff`
        // lowers old revisions): the API's name in lower case, letters and digits only.
        let crate_name = raw.crate_name.clone().unwrap_or_else(|| {
            raw.name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        });
        let mut ok = self.check_snake_name(file, &child(&path, "crate_name"), &crate_name, "crate", None);
        if raw.base_url.matches("{host}").count() != 1 || !raw.base_url.starts_with("https://") {
            let message = format!(
                "base URL `{}` must start with `https://` and contain `{{host}}` once",
                raw.base_url
            );
            let help = "write the template as on the API pages, e.g. `https://{host}/v2`".to_string();
            self.diags
                .push(file.error_at(&child(&path, "base_url"), message, Some(help)));
            ok = false;
        }
        let mut hosts = Vec::new();
        let mut regions = BTreeSet::new();
        for (i, host) in raw.hosts.iter().enumerate() {
            let host_path = child(&child(&path, "hosts"), i);
            ok &= self.check_type_like_name(file, &child(&host_path, "region"), &host.region, "region");
            if !regions.insert(host.region.clone()) {
                let message = format!("duplicate region `{}`", host.region);
                self.diags
                    .push(file.error_at(&child(&host_path, "region"), message, None));
                ok = false;
            }
            if host.host.is_empty() || host.host.contains(['/', ':', ' ', '{']) {
                let message = format!("`{}` is not a host name", host.host);
                let help = "give the bare host, e.g. `api-in21.leadsquared.com`".to_string();
                self.diags
                    .push(file.error_at(&child(&host_path, "host"), message, Some(help)));
                ok = false;
            }
            hosts.push(model::Host {
                region: host.region.clone(),
                host: host.host.clone(),
                description: host.description.clone(),
                default: host.default,
            });
        }
        let defaults = hosts.iter().filter(|h| h.default).count();
        if defaults != 1 {
            let message = format!("{defaults} hosts are marked `default: true`; exactly one must be");
            let help = "mark the region that `Region::default()` should return with `default: true`".to_string();
            self.diags
                .push(file.error_at(&child(&path, "hosts"), message, Some(help)));
            ok = false;
        }
        let preferred = match raw.auth.preferred.as_str() {
            "header" => model::AuthPlacement::Header,
            "query" => model::AuthPlacement::Query,
            other => {
                let message = format!("unknown auth placement `{other}`");
                let help = format!("valid placements: {}", one_of(["header", "query"]));
                self.diags
                    .push(file.error_at(&p!["api", "auth", "preferred"], message, Some(help)));
                ok = false;
                model::AuthPlacement::Header
            }
        };
        let rate_limit = self.lower_rate_limit(file, &child(&path, "rate_limit"), &raw.rate_limit);
        let exceptions = EnumDef {
            name: "ExceptionType".into(),
            group: None,
            description: Some(format!(
                "An exception type {} returns in `{}`.",
                raw.name, raw.error_envelope.type_field
            )),
            open: true,
            values: self.lower_enum_values(file, &child(&path, "exceptions"), &raw.exceptions, true, true),
        };
        let key_names = |names: &raw::KeyNames| model::KeyNames {
            access_key: names.access_key.clone(),
            secret_key: names.secret_key.clone(),
        };
        let envelope = &raw.error_envelope;
        let statuses = self.lower_statuses(file, &child(&path, "statuses"), &raw.statuses);
        let api = model::Api {
            name: raw.name.clone(),
            crate_name,
            description: raw.description.clone(),
            base_url: raw.base_url.clone(),
            hosts,
            auth: model::Auth {
                preferred,
                header: key_names(&raw.auth.header),
                query: key_names(&raw.auth.query),
            },
            error_envelope: model::ErrorEnvelope {
                status_field: envelope.status_field.clone(),
                error_value: envelope.error_value.clone(),
                type_field: envelope.type_field.clone(),
                message_field: envelope.message_field.clone(),
            },
            rate_limit: rate_limit?,
            statuses: statuses?,
            exceptions,
            source: file.file.name.clone(),
        };
        ok.then_some(api)
    }

    fn lower_rate_limit(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::RateLimit,
    ) -> Option<model::RateLimit> {
        if raw.calls == 0 || raw.per_seconds == 0 {
            let message = format!(
                "rate limit of {} calls per {} seconds allows nothing",
                raw.calls, raw.per_seconds
            );
            let help = "both `calls` and `per_seconds` must be at least 1".to_string();
            self.diags.push(file.error_at(path, message, Some(help)));
            return None;
        }
        Some(model::RateLimit {
            calls: raw.calls,
            per_millis: u64::from(raw.per_seconds) * 1000,
        })
    }

    /// Checks an UpperCamelCase Rust name (types, regions, variants).
    fn check_type_like_name(&mut self, file: &Parsed<raw::File>, path: &[Seg], name: &str, what: &str) -> bool {
        if let Some(problem) = ident_problem(name) {
            let help =
                format!("a {what} name becomes a Rust type or variant name; use UpperCamelCase letters and digits");
            self.diags
                .push(file.error_at(path, format!("{what} name `{name}` {problem}"), Some(help)));
            return false;
        }
        if name.to_upper_camel_case() != name {
            let message = format!("{what} name `{name}` is not UpperCamelCase");
            let help = format!("write it `{}`", name.to_upper_camel_case());
            self.diags.push(file.error_at(path, message, Some(help)));
            return false;
        }
        true
    }

    /// Checks a snake_case Rust name (methods, fields).
    fn check_snake_name(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        name: &str,
        what: &str,
        derived_from: Option<&str>,
    ) -> bool {
        let origin = derived_from
            .map(|wire| format!(" (derived from `{wire}`)"))
            .unwrap_or_default();
        if let Some(problem) = ident_problem(name) {
            let help = match derived_from {
                Some(_) => "set `rust:` to a name that is not a keyword, e.g. `kind` or `value_type`".to_string(),
                None => "use a snake_case name of letters, digits and `_` that is not a Rust keyword".to_string(),
            };
            self.diags
                .push(file.error_at(path, format!("{what} name `{name}`{origin} {problem}"), Some(help)));
            return false;
        }
        if name.to_snake_case() != name {
            let message = format!("{what} name `{name}`{origin} is not snake_case");
            let help = format!("write it `{}`", name.to_snake_case());
            self.diags.push(file.error_at(path, message, Some(help)));
            return false;
        }
        true
    }

    /// The module a type or endpoint belongs to: its own `group:`, else its file's. Checks the
    /// name it is given; `Err(())` after reporting a bad one.
    fn group(&mut self, file: &Parsed<raw::File>, path: &[Seg], own: Option<&String>) -> Result<Option<String>, ()> {
        let (name, path) = match (own, &file.value.group) {
            (Some(own), _) => (own, child(path, "group")),
            (None, Some(group)) => (group, p!["group"].to_vec()),
            (None, None) => return Ok(None),
        };
        // A group becomes a module of the client crate.
        let ok = self.check_snake_name(file, &path, name, "group", None)
            && self.check_reserved(file, &path, Place::Group, name, "rename the group");
        if ok { Ok(Some(name.clone())) } else { Err(()) }
    }

    fn lower_type(&mut self, file: &Parsed<raw::File>, path: &[Seg], raw: &raw::Type) -> Option<TypeDef> {
        let mut ok = self.check_type_like_name(file, &child(path, "name"), &raw.name, "type");
        let group = self.group(file, path, raw.group.as_ref());
        ok &= group.is_ok();
        let group = group.unwrap_or_default();
        ok &= self.check_reserved(
            file,
            &child(path, "name"),
            Place::Type,
            &raw.name,
            "choose another name",
        );
        match raw.kind.as_str() {
            "object" => {
                ok &= self.forbid(file, path, "values", !raw.values.is_empty(), "an object type");
                ok &= self.forbid(file, path, "open", raw.open.is_some(), "an object type");
                if raw.additional_fields {
                    for (i, field) in raw.fields.iter().enumerate() {
                        let rust = field.rust.clone().unwrap_or_else(|| field.wire.to_snake_case());
                        let at = child(&child(path, "fields"), i);
                        let at = child(&at, if field.rust.is_some() { "rust" } else { "wire" });
                        let help = "rename the field with `rust:`, or drop `additional_fields: true`";
                        let derived = field.rust.is_none().then_some(field.wire.as_str());
                        ok &= self.check_reserved_derived(file, &at, Place::OpenObjectField, (&rust, derived), help);
                    }
                }
                let fields = self.lower_fields(file, &child(path, "fields"), &raw.fields, false);
                let rules = self.lower_rules(file, &child(path, "rules"), &raw.rules, &fields);
                let (fields, rules) = (fields?, rules?);
                ok.then(|| {
                    TypeDef::Object(ObjectDef {
                        name: raw.name.clone(),
                        group,
                        description: raw.description.clone(),
                        fields,
                        rules,
                        needs_validation: false,
                        additional_fields: raw.additional_fields,
                    })
                })
            }
            "enum" => {
                ok &= self.forbid(file, path, "fields", !raw.fields.is_empty(), "an enum type");
                ok &= self.forbid(file, path, "rules", !raw.rules.is_empty(), "an enum type");
                if raw.values.is_empty() {
                    let help = "list the known values under `values:`, each with `wire:`".to_string();
                    self.diags.push(file.error_at(
                        &child(path, "name"),
                        format!("enum `{}` has no values", raw.name),
                        Some(help),
                    ));
                    ok = false;
                }
                let open = raw.open.unwrap_or(true);
                let values = self.lower_enum_values(file, &child(path, "values"), &raw.values, open, false);
                ok.then(|| {
                    TypeDef::Enum(EnumDef {
                        name: raw.name.clone(),
                        group,
                        description: raw.description.clone(),
                        open,
                        values,
                    })
                })
            }
            other => {
                let message = format!("unknown type kind `{other}`");
                let help = format!("valid kinds: {}", one_of(["object", "enum"]));
                self.diags
                    .push(file.error_at(&child(path, "kind"), message, Some(help)));
                None
            }
        }
    }

    fn forbid(&mut self, file: &Parsed<raw::File>, path: &[Seg], key: &str, present: bool, what: &str) -> bool {
        if present {
            let message = format!("`{key}` is not valid on {what}");
            self.diags
                .push(file.error_at_key(&child(path, key), message, Some(format!("remove `{key}`"))));
        }
        !present
    }

    fn lower_enum_values(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &[raw::EnumValue],
        open: bool,
        exceptions: bool,
    ) -> Vec<EnumValue> {
        let mut values = Vec::new();
        let mut wires = BTreeSet::new();
        let mut rusts = BTreeSet::new();
        for (i, value) in raw.iter().enumerate() {
            let value_path = child(path, i);
            let rust = value.rust.clone().unwrap_or_else(|| value.wire.to_upper_camel_case());
            let name_path = child(&value_path, if value.rust.is_some() { "rust" } else { "wire" });
            if value.rust.is_none() && ident_problem(&rust).is_some() {
                let message = format!("cannot derive a variant name from `{}`", value.wire);
                let help = "set `rust:` to an UpperCamelCase name for this value, e.g. `Eq` for `=`".to_string();
                self.diags.push(file.error_at(&name_path, message, Some(help)));
                continue;
            }
            if !self.check_type_like_name(file, &name_path, &rust, "variant") {
                continue;
            }
            let derived = value.rust.is_none().then_some(value.wire.as_str());
            let help = "set `rust:` to another name, or make the enum `open: false`";
            if open && !self.check_reserved_derived(file, &name_path, Place::OpenEnumVariant, (&rust, derived), help) {
                continue;
            }
            if !wires.insert(value.wire.clone()) {
                self.diags.push(file.error_at(
                    &child(&value_path, "wire"),
                    format!("duplicate value `{}`", value.wire),
                    None,
                ));
                continue;
            }
            if !rusts.insert(rust.clone()) {
                let help = "set `rust:` so that each value has its own variant name".to_string();
                self.diags
                    .push(file.error_at(&name_path, format!("duplicate variant name `{rust}`"), Some(help)));
                continue;
            }
            let Ok(processed) = self.lower_exception_processed(file, &value_path, value, exceptions) else {
                continue;
            };
            values.push(EnumValue {
                wire: value.wire.clone(),
                rust,
                description: value.description.clone(),
                rate_limited: value.rate_limited,
                processed,
            });
        }
        values
    }

    /// An exception's `processed:`: only exceptions have one, and a rate-limit exception means
    /// the call was refused before anything was done (`never`, declared or not: the emitter
    /// reads an undeclared one as `never`).
    fn lower_exception_processed(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        value: &raw::EnumValue,
        exceptions: bool,
    ) -> Result<Option<Processed>, ()> {
        let at = child(path, "processed");
        let declared = match value.processed.as_deref() {
            None => None,
            Some(_) if !exceptions => {
                let help =
                    "`processed:` belongs to the API's `exceptions:`; a type's enum values have none".to_string();
                self.diags.push(file.error_at_key(
                    &at,
                    "`processed` on a value that is not an exception".into(),
                    Some(help),
                ));
                return Err(());
            }
            Some("always") => Some(Processed::Always),
            Some("never") => Some(Processed::Never),
            Some("unknown") => Some(Processed::Unknown),
            Some(other) => {
                let message = format!("unknown `processed` value `{other}`");
                let help = format!(
                    "valid values: {} (whether a call answered with this exception took effect, whatever the status)",
                    one_of(["always", "never", "unknown"])
                );
                self.diags.push(file.error_at(&at, message, Some(help)));
                return Err(());
            }
        };
        match declared {
            Some(processed) if value.rate_limited && processed != Processed::Never => {
                let help =
                    "a rate-limit refusal means nothing was done: write `processed: never`, or drop it".to_string();
                let message = "a rate-limited exception that may have been processed".to_string();
                self.diags.push(file.error_at(&at, message, Some(help)));
                Err(())
            }
            declared => Ok(declared),
        }
    }

    /// Lowers object fields or query parameters (`params`: scalars and enums only).
    fn lower_fields(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &[raw::Field],
        params: bool,
    ) -> Option<Vec<Field>> {
        let mut ok = true;
        let mut fields = Vec::new();
        let mut wires = BTreeSet::new();
        let mut rusts = BTreeSet::new();
        for (i, field) in raw.iter().enumerate() {
            let field_path = child(path, i);
            let rust = field.rust.clone().unwrap_or_else(|| field.wire.to_snake_case());
            let name_path = child(&field_path, if field.rust.is_some() { "rust" } else { "wire" });
            let what = if params { "parameter" } else { "field" };
            if field.wire.is_empty() {
                self.diags
                    .push(file.error_at(&child(&field_path, "wire"), format!("empty {what} wire name"), None));
                ok = false;
                continue;
            }
            if !self.check_snake_name(
                file,
                &name_path,
                &rust,
                what,
                field.rust.is_none().then_some(field.wire.as_str()),
            ) {
                ok = false;
                continue;
            }
            if params {
                let help = format!("set `rust:` to another name (the wire name stays `{}`)", field.wire);
                let derived = field.rust.is_none().then_some(field.wire.as_str());
                if !self.check_reserved_derived(file, &name_path, Place::QueryParameter, (&rust, derived), &help) {
                    ok = false;
                    continue;
                }
            }
            if !wires.insert(field.wire.clone()) {
                self.diags.push(file.error_at(
                    &child(&field_path, "wire"),
                    format!("duplicate {what} `{}`", field.wire),
                    None,
                ));
                ok = false;
            }
            if !rusts.insert(rust.clone()) {
                let help = "set `rust:` so that each has its own name".to_string();
                self.diags
                    .push(file.error_at(&name_path, format!("duplicate Rust {what} name `{rust}`"), Some(help)));
                ok = false;
            }
            let Some(ty) = self.resolve_type(file, &child(&field_path, "type"), &field.ty) else {
                ok = false;
                continue;
            };
            if params
                && !matches!(
                    &ty,
                    TypeRef::String | TypeRef::Integer | TypeRef::Number | TypeRef::Boolean
                )
                && !matches!(&ty, TypeRef::Named(name) if self.type_kinds.get(name) == Some(&Kind::Enum))
            {
                let message = format!("query parameter `{}` has type `{}`", field.wire, field.ty);
                let help = "a query parameter is a string, integer, number, boolean or enum".to_string();
                self.diags
                    .push(file.error_at(&child(&field_path, "type"), message, Some(help)));
                ok = false;
            }
            if field.lenient && (params || !matches!(ty, TypeRef::Integer | TypeRef::Number | TypeRef::Boolean)) {
                let message = format!("`lenient` is not valid on `{}` of type `{}`", field.wire, field.ty);
                let help = "`lenient: true` is for integer, number and boolean fields that the API may send as strings"
                    .to_string();
                self.diags
                    .push(file.error_at_key(&child(&field_path, "lenient"), message, Some(help)));
                ok = false;
            }
            if field.json_string && (params || field.lenient) {
                let message = format!("`json_string` is not valid on `{}` here", field.wire);
                let help = "`json_string: true` is for body and response attributes whose value is JSON inside a string; it does not combine with `lenient`".to_string();
                self.diags
                    .push(file.error_at_key(&child(&field_path, "json_string"), message, Some(help)));
                ok = false;
            }
            fields.push(Field {
                wire: field.wire.clone(),
                rust,
                ty,
                required: field.required,
                encoding: match (field.lenient, field.json_string) {
                    (true, _) => model::Encoding::Lenient,
                    (false, true) => model::Encoding::JsonString,
                    (false, false) => model::Encoding::Plain,
                },
                boxed: false,
                description: field.description.clone(),
            });
        }
        ok.then_some(fields)
    }

    fn lower_rules(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &[raw::Rule],
        fields: &Option<Vec<Field>>,
    ) -> Option<Vec<Rule>> {
        let mut ok = true;
        let mut rules = Vec::new();
        for (i, rule) in raw.iter().enumerate() {
            let rule_path = child(path, i);
            let Some(names) = &rule.at_most_one_of else {
                let help = format!("valid rules: {}", one_of(["at_most_one_of"]));
                self.diags
                    .push(file.error_at(&rule_path, "rule names no kind".into(), Some(help)));
                ok = false;
                continue;
            };
            let list_path = child(&rule_path, "at_most_one_of");
            if names.len() < 2 {
                self.diags
                    .push(file.error_at(&list_path, "`at_most_one_of` needs at least two fields".into(), None));
                ok = false;
                continue;
            }
            let Some(fields) = fields else { continue };
            let mut indices = Vec::new();
            for (j, name) in names.iter().enumerate() {
                match fields.iter().position(|f| &f.wire == name) {
                    Some(index) if fields[index].required => {
                        let message = format!("rule names required field `{name}`");
                        let help = "a required field is always set, so only optional fields can be in `at_most_one_of`"
                            .to_string();
                        self.diags
                            .push(file.error_at(&child(&list_path, j), message, Some(help)));
                        ok = false;
                    }
                    Some(index) => indices.push(index),
                    None => {
                        let wires = fields.iter().map(|f| f.wire.as_str());
                        let help = match did_you_mean(name, wires.clone()) {
                            Some(best) => format!("did you mean `{best}`? fields: {}", one_of(wires)),
                            None => format!("fields: {}", one_of(wires)),
                        };
                        self.diags.push(file.error_at(
                            &child(&list_path, j),
                            format!("rule names unknown field `{name}`"),
                            Some(help),
                        ));
                        ok = false;
                    }
                }
            }
            let description = rule
                .description
                .clone()
                .unwrap_or_else(|| format!("at most one of {} may be set", names.join(", ")));
            rules.push(Rule::AtMostOneOf {
                fields: indices,
                description,
            });
        }
        ok.then_some(rules)
    }

    /// Parses a type expression: a primitive, `array<T>`, or a type name.
    fn resolve_type(&mut self, file: &Parsed<raw::File>, path: &[Seg], text: &str) -> Option<TypeRef> {
        let whole = text.trim();
        let mut text = whole;
        let mut depth = 0;
        while let Some(inner) = text.strip_prefix("array<").and_then(|rest| rest.strip_suffix('>')) {
            depth += 1;
            text = inner.trim();
            if depth > MAX_TYPE_NESTING {
                let help = format!(
                    "a type expression nests `array<…>` at most {MAX_TYPE_NESTING} deep; name an object type for the inner levels"
                );
                let message = format!("the type `{}` nests arrays too deep", shorten(whole));
                self.diags.push(file.error_at(path, message, Some(help)));
                return None;
            }
        }
        let mut resolved = self.resolve_base_type(file, path, text)?;
        for _ in 0..depth {
            resolved = TypeRef::Array(Box::new(resolved));
        }
        Some(resolved)
    }

    /// Resolves a type expression without `array<…>`: a primitive or a type name.
    fn resolve_base_type(&mut self, file: &Parsed<raw::File>, path: &[Seg], text: &str) -> Option<TypeRef> {
        match text {
            "string" => return Some(TypeRef::String),
            "integer" => return Some(TypeRef::Integer),
            "number" => return Some(TypeRef::Number),
            "boolean" => return Some(TypeRef::Boolean),
            "json" => return Some(TypeRef::Json),
            _ => {}
        }
        if self.type_kinds.contains_key(text) {
            return Some(TypeRef::Named(text.to_string()));
        }
        let candidates: Vec<&str> = self
            .type_kinds
            .keys()
            .map(String::as_str)
            .chain(PRIMITIVES.iter().copied())
            .collect();
        let valid = "valid types: `string`, `integer`, `number`, `boolean`, `json`, `array<T>`, or a type defined under `types:`";
        let help = match did_you_mean(text, candidates.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? {valid}"),
            None => valid.to_string(),
        };
        self.diags
            .push(file.error_at(path, format!("unknown type `{}`", shorten(text)), Some(help)));
        None
    }

    fn lower_endpoint(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::Endpoint,
        api: Option<(&raw::RateLimit, &Vec<raw::Status>, &Parsed<raw::File>)>,
        types: &[TypeDef],
    ) -> Option<model::Endpoint> {
        let mut ok = self.check_snake_name(file, &child(path, "name"), &raw.name, "endpoint", None)
            && self.check_reserved(
                file,
                &child(path, "name"),
                Place::Endpoint,
                &raw.name,
                "rename the endpoint",
            );
        let group = match self.group(file, path, raw.group.as_ref()) {
            Ok(Some(group)) => Some(group),
            Ok(None) => {
                let help = "set `group:` on the endpoint, or once for the file at its top level".to_string();
                let message = format!("endpoint `{}` has no group", raw.name);
                self.diags
                    .push(file.error_at(&child(path, "name"), message, Some(help)));
                None
            }
            Err(()) => None,
        };
        ok &= group.is_some();
        let method = match raw.method.as_str() {
            "GET" => Some(model::Method::Get),
            "POST" => Some(model::Method::Post),
            other => {
                let message = format!("unknown method `{other}`");
                let help = format!("valid methods: {}", one_of(["GET", "POST"]));
                self.diags
                    .push(file.error_at(&child(path, "method"), message, Some(help)));
                None
            }
        };
        if !raw.path.starts_with('/') || raw.path.contains(['?', '#', ' ', '{']) {
            let message = format!(
                "path `{}` must start with `/` and hold no query, fragment or placeholder",
                raw.path
            );
            let help = "give the path below the base URL, e.g. `/LeadManagement.svc/Lead.Create`; query parameters go under `query:`".to_string();
            self.diags
                .push(file.error_at(&child(path, "path"), message, Some(help)));
            ok = false;
        }
        let query = self.lower_fields(file, &child(path, "query"), &raw.query, true);
        let body = self.lower_body(file, &child(path, "body"), raw.body.as_ref());
        let response = self.resolve_type(file, &child(path, "response"), &raw.response);
        let bad_unwrap = raw
            .unwrap
            .as_ref()
            .filter(|field| field.is_empty() || field.contains(|c: char| c.is_whitespace() || c == '"'));
        if let Some(field) = bad_unwrap {
            let help = "give the wire name of the response attribute that holds the result, e.g. `Message`".to_string();
            self.diags.push(file.error_at(
                &child(path, "unwrap"),
                format!("`{field}` is not an attribute name"),
                Some(help),
            ));
            ok = false;
        }
        let rate_limit = match (&raw.rate_limit, api) {
            (Some(own), _) => self.lower_rate_limit(file, &child(path, "rate_limit"), own),
            (None, Some((api_limit, _, api_file))) => {
                self.lower_rate_limit(api_file, &p!["api", "rate_limit"], api_limit)
            }
            (None, None) => None,
        };
        let statuses = match (&raw.statuses, api) {
            (Some(own), _) => self.lower_statuses(file, &child(path, "statuses"), own),
            (None, Some((_, api_statuses, api_file))) if !api_statuses.is_empty() => {
                self.lower_statuses(api_file, &p!["api", "statuses"], api_statuses)
            }
            (None, _) => {
                let help = "list the documented status codes under the endpoint's `statuses:` or the API's".to_string();
                self.diags.push(file.error_at(
                    &child(path, "name"),
                    format!("endpoint `{}` documents no status codes", raw.name),
                    Some(help),
                ));
                None
            }
        };
        let examples = raw.examples.as_ref();
        let request_example = self.lower_example(file, path, "request", examples.and_then(|e| e.request.as_ref()));
        let response_example = self.lower_example(file, path, "response", examples.and_then(|e| e.response.as_ref()));
        let query_example = self.lower_query_example(file, path, raw, examples.and_then(|e| e.query.as_ref()));
        if matches!(body, Some(Body::None)) && examples.is_some_and(|e| e.request.is_some()) {
            let help = "remove `examples.request`, or declare the endpoint's `body:`".to_string();
            self.diags.push(file.error_at_key(
                &child(&child(path, "examples"), "request"),
                format!("endpoint `{}` has a request example but no body", raw.name),
                Some(help),
            ));
            ok = false;
        }
        let pagination = match (&raw.pagination, &body, &response) {
            (None, _, _) => Some(None),
            (Some(raw_pages), Some(body), Some(response)) => self
                .lower_pagination(file, &child(path, "pagination"), raw_pages, body, response, types)
                .map(Some),
            (Some(_), _, _) => None,
        };
        let row_results = match (&raw.bulk, &body, &response) {
            (None, _, _) => Some(None),
            (Some(raw_bulk), Some(body), Some(response)) => self
                .lower_row_results(file, &child(path, "bulk"), raw_bulk, body, response, types)
                .map(Some),
            (Some(_), _, _) => None,
        };
        let mut query = query?;
        // Required parameters become positional arguments, in spec order, before the options.
        query.sort_by_key(|field| !field.required);
        let endpoint = model::Endpoint {
            name: raw.name.clone(),
            title: raw.title.clone(),
            group: group?,
            description: raw.description.clone(),
            docs_url: raw.docs_url.clone(),
            method: method?,
            path: raw.path.clone(),
            idempotent: raw.idempotent,
            query,
            body: body?,
            response: response?,
            unwrap: raw.unwrap.clone(),
            pagination: pagination?,
            row_results: row_results?,
            rate_limit: rate_limit?,
            statuses: statuses?,
            query_example: query_example?,
            request_example: request_example?,
            response_example: response_example?,
            source: file.file.name.clone(),
        };
        ok.then_some(endpoint)
    }

    fn lower_pagination(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::Pagination,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::Pagination> {
        let Body::Object(body_type) = body else {
            let help = "pagination reads the page index and size from an object body; declare `body: { kind: object, type: ... }`".to_string();
            self.diags
                .push(file.error_at_key(path, "a paged endpoint needs an object body".to_string(), Some(help)));
            return None;
        };
        let integer = |ty: &TypeRef| *ty == TypeRef::Integer;
        let page_index = self.resolve_path(
            file,
            &child(path, "page_index"),
            body_type,
            &raw.page_index,
            types,
            false,
            "an integer",
            integer,
        );
        let page_size = self.resolve_path(
            file,
            &child(path, "page_size"),
            body_type,
            &raw.page_size,
            types,
            false,
            "an integer",
            integer,
        );
        let is_array = |ty: &TypeRef| matches!(ty, TypeRef::Array(_));
        let (items, item) = match &raw.items {
            Some(items) => {
                let resolved = self.resolve_path(
                    file,
                    &child(path, "items"),
                    response,
                    items,
                    types,
                    false,
                    "an array",
                    is_array,
                );
                match resolved {
                    Some((items, TypeRef::Array(item))) => (Some(items), Some(*item)),
                    _ => (None, None),
                }
            }
            None => match response {
                TypeRef::Array(item) => (Some(model::FieldPath::default()), Some((**item).clone())),
                other => {
                    let help = "name the response attribute holding the page's items, e.g. `items: List`".to_string();
                    self.diags.push(file.error_at_key(
                        path,
                        format!("the response `{other}` is not an array, and `pagination` has no `items`"),
                        Some(help),
                    ));
                    (None, None)
                }
            },
        };
        let total = raw.total.as_ref().map(|total| {
            self.resolve_path(
                file,
                &child(path, "total"),
                response,
                total,
                types,
                true,
                "an integer",
                integer,
            )
            .map(|(path, _)| path)
        });
        let total = match total {
            Some(None) => return None,
            Some(Some(total)) => Some(total),
            None => None,
        };
        Some(model::Pagination {
            page_index: page_index?.0,
            page_size: page_size?.0,
            items: items?,
            item: item?,
            total,
        })
    }

    fn lower_row_results(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::BulkResults,
        body: &Body,
        response: &TypeRef,
        types: &[TypeDef],
    ) -> Option<model::RowResults> {
        if !matches!(body, Body::Array { max_items: Some(_), .. }) {
            let help = "per-row results are for bulk endpoints: an array body with `max_items`".to_string();
            self.diags.push(file.error_at_key(
                path,
                "`bulk` needs an array body with `max_items`".to_string(),
                Some(help),
            ));
            return None;
        }
        let object = match response {
            TypeRef::Array(item) => object_of(types, item),
            _ => None,
        };
        let Some(object) = object else {
            let help = "the response (after `unwrap`) must be an array of objects, one per row".to_string();
            self.diags.push(file.error_at_key(
                path,
                format!("the response `{response}` is not an array of result objects"),
                Some(help),
            ));
            return None;
        };
        let mut find = |key: &str, wire: &str, want: &dyn Fn(&TypeRef) -> bool, expected: &str| -> Option<Field> {
            let at = child(path, key);
            match object.fields.iter().find(|field| field.wire == wire) {
                Some(field) if want(&field.ty) => Some(field.clone()),
                Some(field) => {
                    let help = format!("`{key}` must name {expected} attribute of `{}`", object.name);
                    self.diags.push(file.error_at(
                        &at,
                        format!("`{wire}` is `{}`, not {expected}", field.ty),
                        Some(help),
                    ));
                    None
                }
                None => {
                    let help = attribute_help(object, wire);
                    self.diags.push(file.error_at(
                        &at,
                        format!("`{}` has no attribute `{wire}`", object.name),
                        Some(help),
                    ));
                    None
                }
            }
        };
        let integer = |ty: &TypeRef| *ty == TypeRef::Integer;
        let boolean = |ty: &TypeRef| *ty == TypeRef::Boolean;
        let string = |ty: &TypeRef| *ty == TypeRef::String;
        let exception = |ty: &TypeRef| *ty == TypeRef::Named("ExceptionType".into());
        let row_number = find("row_number", &raw.row_number, &integer, "an integer");
        let succeeded = find("succeeded", &raw.succeeded, &boolean, "a boolean");
        let mut optional =
            |key: &str, wire: &Option<String>, want: &dyn Fn(&TypeRef) -> bool, expected: &str| match wire {
                Some(wire) => find(key, wire, want, expected).map(Some),
                None => Some(None),
            };
        let id = optional("id", &raw.id, &string, "a string");
        let exception_type = optional("exception_type", &raw.exception_type, &exception, "an `ExceptionType`");
        let message = optional("message", &raw.message, &string, "a string");
        Some(model::RowResults {
            type_name: object.name.clone(),
            row_number: row_number?,
            succeeded: succeeded?,
            id: id?,
            exception_type: exception_type?,
            message: message?,
        })
    }

    /// Follows a dotted wire path (`Paging.PageIndex`) from `start` through object fields. Every
    /// field but the last must be required; the last must be required too unless
    /// `optional_last`, and its type must pass `accept`.
    #[allow(clippy::too_many_arguments)]
    fn resolve_path(
        &mut self,
        file: &Parsed<raw::File>,
        at: &[Seg],
        start: &TypeRef,
        dotted: &str,
        types: &[TypeDef],
        optional_last: bool,
        expected: &str,
        accept: impl Fn(&TypeRef) -> bool,
    ) -> Option<(model::FieldPath, TypeRef)> {
        let segments: Vec<&str> = dotted.split('.').collect();
        let mut current = start.clone();
        let mut rust = Vec::new();
        let mut optional = false;
        for (i, segment) in segments.iter().enumerate() {
            let last = i + 1 == segments.len();
            let object = object_of(types, &current);
            let Some(object) = object else {
                let help = format!("`{dotted}` must lead through object types, attribute by attribute");
                self.diags
                    .push(file.error_at(at, format!("`{current}` has no attribute `{segment}`"), Some(help)));
                return None;
            };
            let Some(field) = object.fields.iter().find(|field| field.wire == *segment) else {
                let mut help = attribute_help(object, segment);
                if i == 0 {
                    help = format!("the path starts inside `{}`; {help}", object.name);
                }
                self.diags.push(file.error_at(
                    at,
                    format!("`{}` has no attribute `{segment}`", object.name),
                    Some(help),
                ));
                return None;
            };
            if !(field.required || last && optional_last) {
                let help = format!(
                    "make `{}` of `{}` required: a page walker sets and reads it on every page",
                    field.wire, object.name
                );
                self.diags.push(file.error_at(
                    at,
                    format!("`{dotted}` goes through the optional attribute `{}`", field.wire),
                    Some(help),
                ));
                return None;
            }
            optional = !field.required;
            rust.push(field.rust.clone());
            current = field.ty.clone();
        }
        if !accept(&current) {
            let help = format!("`{dotted}` must name {expected} attribute");
            self.diags
                .push(file.error_at(at, format!("`{dotted}` is `{current}`, not {expected}"), Some(help)));
            return None;
        }
        Some((
            model::FieldPath {
                rust,
                wire: dotted.to_string(),
                optional,
            },
            current,
        ))
    }

    /// The example query: a mapping from declared parameters to scalars, as wire text.
    fn lower_query_example(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &raw::Endpoint,
        example: Option<&YamlValue>,
    ) -> Option<Vec<(String, String)>> {
        let Some(example) = example else {
            return Some(Vec::new());
        };
        let at = child(&child(path, "examples"), "query");
        let Some(map) = example.as_mapping() else {
            let help = "write `query: { ParamName: value }` with the endpoint's query parameters".to_string();
            self.diags
                .push(file.error_at(&at, "the query example is not a mapping".to_string(), Some(help)));
            return None;
        };
        let mut values = Vec::new();
        let mut ok = true;
        for (key, value) in map {
            let Some(name) = key.as_str() else { continue };
            let at = child(&at, name);
            if !raw.query.iter().any(|param| param.wire == name) {
                let names = raw.query.iter().map(|param| param.wire.as_str());
                let help = match did_you_mean(name, names.clone()) {
                    Some(best) => format!(
                        "did you mean `{best}`? the endpoint's query parameters: {}",
                        one_of(names)
                    ),
                    None => format!("the endpoint's query parameters: {}", one_of(names)),
                };
                self.diags.push(file.error_at_key(
                    &at,
                    format!("`{name}` is not a query parameter of `{}`", raw.name),
                    Some(help),
                ));
                ok = false;
                continue;
            }
            let text = match value {
                YamlValue::String(text) => text.clone(),
                YamlValue::Number(number) => number.to_string(),
                YamlValue::Bool(flag) => flag.to_string(),
                _ => {
                    let help = "a query value is a string, number or boolean".to_string();
                    self.diags.push(file.error_at(
                        &at,
                        format!("the example value of `{name}` is not a scalar"),
                        Some(help),
                    ));
                    ok = false;
                    continue;
                }
            };
            values.push((name.to_string(), text));
        }
        ok.then_some(values)
    }

    /// An example as pretty JSON; `Some(None)` when absent, `None` when it is not JSON.
    fn lower_example(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        which: &str,
        raw: Option<&YamlValue>,
    ) -> Option<Option<String>> {
        let Some(raw) = raw else { return Some(None) };
        match to_json(raw) {
            Ok(text) => Some(Some(text)),
            Err(error) => {
                let help =
                    "write the example as JSON (JSON is valid YAML): string keys, no tags or anchors".to_string();
                self.diags.push(file.error_at(
                    &child(&child(path, "examples"), which),
                    format!("the {which} example is not JSON: {error}"),
                    Some(help),
                ));
                None
            }
        }
    }

    fn lower_body(&mut self, file: &Parsed<raw::File>, path: &[Seg], raw: Option<&raw::Body>) -> Option<Body> {
        let Some(raw) = raw else { return Some(Body::None) };
        let limit_help = |kind: &str| {
            format!(
                "item limits apply to array bodies only; remove it, or make the body `kind: array` (it is `{kind}`)"
            )
        };
        let mut ok = true;
        if raw.kind != "array" {
            for (key, present) in [
                ("min_items", raw.min_items.is_some()),
                ("max_items", raw.max_items.is_some()),
                ("items", raw.items.is_some()),
            ] {
                if present {
                    let message = format!("`{key}` on a body that is not an array");
                    self.diags
                        .push(file.error_at_key(&child(path, key), message, Some(limit_help(&raw.kind))));
                    ok = false;
                }
            }
        }
        match raw.kind.as_str() {
            "none" => ok.then_some(Body::None),
            "object" => {
                let Some(ty) = &raw.ty else {
                    let help = "name the body's object type with `type:`".to_string();
                    self.diags
                        .push(file.error_at(path, "object body without `type`".into(), Some(help)));
                    return None;
                };
                let resolved = self.resolve_type(file, &child(path, "type"), ty)?;
                if !matches!(&resolved, TypeRef::Named(name) if self.type_kinds.get(name) == Some(&Kind::Object)) {
                    let help = "an object body names a type of `kind: object`".to_string();
                    self.diags.push(file.error_at(
                        &child(path, "type"),
                        format!("object body of type `{ty}`"),
                        Some(help),
                    ));
                    return None;
                }
                ok.then_some(Body::Object(resolved))
            }
            "array" => {
                if raw.ty.is_some() {
                    let help = "an array body names its item type with `items:`".to_string();
                    self.diags.push(file.error_at_key(
                        &child(path, "type"),
                        "`type` on an array body".into(),
                        Some(help),
                    ));
                    ok = false;
                }
                let Some(items) = &raw.items else {
                    let help = "name the item type with `items:`".to_string();
                    self.diags
                        .push(file.error_at(path, "array body without `items`".into(), Some(help)));
                    return None;
                };
                let items = self.resolve_type(file, &child(path, "items"), items)?;
                let min_items = raw.min_items.unwrap_or(0);
                if let Some(max) = raw.max_items {
                    if max == 0 || max < min_items {
                        let message = format!("`max_items: {max}` is below `min_items: {min_items}` or zero");
                        self.diags.push(file.error_at(
                            &child(path, "max_items"),
                            message,
                            Some("`max_items` must be at least 1 and at least `min_items`".into()),
                        ));
                        ok = false;
                    }
                }
                ok.then_some(Body::Array {
                    items,
                    min_items,
                    max_items: raw.max_items,
                })
            }
            other => {
                let message = format!("unknown body kind `{other}`");
                let help = format!("valid kinds: {}", one_of(["none", "object", "array"]));
                self.diags
                    .push(file.error_at(&child(path, "kind"), message, Some(help)));
                None
            }
        }
    }

    fn lower_statuses(
        &mut self,
        file: &Parsed<raw::File>,
        path: &[Seg],
        raw: &[raw::Status],
    ) -> Option<Vec<model::Status>> {
        let mut ok = true;
        let mut statuses = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, status) in raw.iter().enumerate() {
            let status_path = child(path, i);
            if !(100..=599).contains(&status.code) {
                self.diags.push(file.error_at(
                    &child(&status_path, "code"),
                    format!("`{}` is not an HTTP status code", status.code),
                    None,
                ));
                ok = false;
            }
            if !seen.insert(status.code) {
                self.diags.push(file.error_at(
                    &child(&status_path, "code"),
                    format!("status {} is listed twice", status.code),
                    None,
                ));
                ok = false;
            }
            let processed = match status.processed.as_str() {
                "always" => Processed::Always,
                "never" => Processed::Never,
                "unknown" => Processed::Unknown,
                other => {
                    let message = format!("unknown `processed` value `{other}`");
                    let help = format!(
                        "valid values: {} (whether a request that got this status took effect)",
                        one_of(["always", "never", "unknown"])
                    );
                    self.diags
                        .push(file.error_at(&child(&status_path, "processed"), message, Some(help)));
                    ok = false;
                    continue;
                }
            };
            statuses.push(model::Status {
                code: status.code,
                meaning: status.meaning.clone(),
                processed,
            });
        }
        if ok && !statuses.iter().any(|status| (200..=299).contains(&status.code)) {
            let help = "list the success status the API page documents, e.g. `- { code: 200, meaning: Success., processed: always }`; a method whose every status is an error could never return".to_string();
            self.diags
                .push(file.error_at(path, "no success (2xx) status is documented".to_string(), Some(help)));
            ok = false;
        }
        ok.then_some(statuses)
    }
}

/// `text` cut to a length a diagnostic can show.
fn shorten(text: &str) -> String {
    const SHOWN: usize = 60;
    if text.chars().count() <= SHOWN {
        return text.to_string();
    }
    let mut shown: String = text.chars().take(SHOWN).collect();
    shown.push('…');
    shown
}

/// The object type named `name`, if `ty` names one.
fn object_of<'t>(types: &'t [TypeDef], ty: &TypeRef) -> Option<&'t ObjectDef> {
    let TypeRef::Named(name) = ty else { return None };
    types.iter().find_map(|def| match def {
        TypeDef::Object(object) if &object.name == name => Some(object),
        _ => None,
    })
}

/// The help for an attribute `wire` that `object` does not have: the closest name, and the list.
fn attribute_help(object: &ObjectDef, wire: &str) -> String {
    let names = object.fields.iter().map(|f| f.wire.as_str());
    match did_you_mean(wire, names.clone()) {
        Some(best) => format!("did you mean `{best}`? {} has {}", object.name, one_of(names)),
        None => format!("{} has {}", object.name, one_of(names)),
    }
}

/// Why `name` cannot be a Rust identifier, if it cannot.
fn ident_problem(name: &str) -> Option<&'static str> {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if !plain {
        return Some("is not a valid Rust identifier");
    }
    if syn::parse_str::<syn::Ident>(name).is_err() || name == "_" {
        return Some("is a Rust keyword");
    }
    None
}
