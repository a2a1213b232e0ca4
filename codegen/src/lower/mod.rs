//! Lowering: from the serde mirror of each file to one validated [`model::Spec`].
//!
//! All checks live here: names, type references, limits, rules, statuses. Every problem is
//! pushed as a diagnostic with its file, position and spec path, and lowering goes on, so
//! one run reports every error; `crate::generate` stops at the boundary when any was found.
//! Nothing here panics on any input.
//!
//! This module drives the lowering (the order: the API, every type name, the types, then the
//! endpoints, then what needs them all); one child module per concern holds the rest of
//! `Lowerer`'s methods: `names` (identifiers, reserved names, groups), `api`, `rates` (plans
//! and rate-limit classes), `types`, `endpoints` and `paths` (attribute paths for pages and
//! per-row results).
//!
//! Each method takes the node it lowers as an `At` (`cursor`): the file and the path to the
//! node, from which its children are reached and at which errors are written:
//! `at.child("name").error(message).help(help).push(self.diags)`.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::cycles;
use crate::diag::{Diagnostics, did_you_mean, one_of};
use crate::model::{self, Body, EnumDef, EnumValue, Field, ObjectDef, Processed, Rule, Spec, TypeDef, TypeRef};
use crate::raw;
use crate::reserved::{self, Place};
use crate::yaml::{Parsed, Seg, YamlValue, to_json};

const PRIMITIVES: &[&str] = &[
    "string",
    "integer",
    "number",
    "boolean",
    "json",
    "json_text",
    "datetime",
];

/// The deepest `array<…>` nesting a type expression may have. Real APIs need two; the limit
/// keeps the lowering and the emitters (which recurse once per level) off the stack's end.
pub(crate) const MAX_TYPE_NESTING: usize = 8;

mod api;
mod cursor;
mod endpoints;
mod names;
mod paths;
mod rates;
#[cfg(test)]
mod tests;
mod types;

use cursor::At;

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
            let at = At::root(file).child("types");
            for (i, raw) in file.value.types.iter().enumerate() {
                if let Some(def) = self.lower_type(&at.child(i), raw) {
                    types.push(def);
                }
            }
        }

        let mut endpoints = Vec::new();
        // Where each lowered endpoint is, for the collisions of its generated items.
        let mut sites: Vec<At<'_>> = Vec::new();
        let mut endpoint_names: BTreeMap<String, (String, usize)> = BTreeMap::new();
        let mut row_result_types: BTreeMap<String, String> = BTreeMap::new();
        let class_names = api.as_ref().map(|(_, api)| rates::class_names(api)).unwrap_or_default();
        let api_statuses = api.as_ref().map(|(at, api)| (at.child("statuses"), &api.statuses));
        for file in files {
            let all = At::root(file).child("endpoints");
            for (i, raw) in file.value.endpoints.iter().enumerate() {
                let at = all.child(i);
                if let Some((first_file, first_line)) = endpoint_names.get(&raw.name) {
                    let help = format!(
                        "endpoint names become method names and must be unique; the first `{}` is at {first_file}:{first_line}",
                        raw.name
                    );
                    let message = format!("duplicate endpoint name `{}`", raw.name);
                    at.child("name").error(message).help(help).push(self.diags);
                    continue;
                }
                let line = at.child("name").line();
                endpoint_names.insert(raw.name.clone(), (at.file_name().to_string(), line));
                let api_defaults = api_statuses
                    .as_ref()
                    .map(|(statuses_at, statuses)| (class_names.as_slice(), statuses_at, statuses.as_slice()));
                if let Some(endpoint) = self.lower_endpoint(&at, raw, api_defaults, &types) {
                    let mapped = endpoint.row_results.as_ref().map(|results| results.type_name.clone());
                    if let Some(first) = mapped.and_then(|name| row_result_types.insert(name, endpoint.name.clone())) {
                        let help = format!(
                            "`{first}` already reads this result type; give each bulk endpoint its own result type"
                        );
                        let message = "two bulk endpoints read the same per-row result type";
                        at.child("bulk").error(message).help(help).at_key().push(self.diags);
                        continue;
                    }
                    endpoints.push(endpoint);
                    sites.push(at);
                }
            }
        }
        self.check_endpoint_items(&endpoints, &sites);

        let api_at = api.as_ref().map(|(at, _)| at.clone());
        let api = match &api {
            Some((at, raw)) => self.lower_api(at, raw),
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
        if spec.api.group_features {
            if let Some(at) = api_at {
                let at = at.child("group_features");
                for (owner, used) in spec.ungrouped_uses_of_groups() {
                    let help = format!(
                        "give `{owner}` a `group:` (types of no group are always compiled, `{used}` only with its group's feature), or drop `group_features`"
                    );
                    at.error(format!(
                        "type `{owner}` of no group uses `{used}`, which belongs to a group"
                    ))
                    .help(help)
                    .at_key()
                    .push(self.diags);
                }
            }
        }
        Some(spec)
    }

    /// Reports endpoints whose generated items (`<name>_all`, the request builder, ...) collide
    /// with another endpoint's or with a hand-written name (see `reserved::collisions`).
    fn check_endpoint_items(&mut self, endpoints: &[model::Endpoint], sites: &[At<'_>]) {
        let shapes: Vec<(&str, bool, bool)> = endpoints
            .iter()
            .map(|endpoint| {
                let bulk = matches!(endpoint.body, Body::Array { max_items: Some(_), .. });
                (endpoint.name.as_str(), bulk, endpoint.pagination.is_some())
            })
            .collect();
        for collision in reserved::collisions(&shapes) {
            let (Some(endpoint), Some(at)) = (endpoints.get(collision.endpoint), sites.get(collision.endpoint)) else {
                continue;
            };
            let origin = match collision
                .other
                .and_then(|other| Some((endpoints.get(other)?, sites.get(other)?)))
            {
                Some((other, other_at)) => format!(
                    " of endpoint `{}` ({}:{})",
                    other.name,
                    other_at.file_name(),
                    other_at.child("name").line()
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
            at.child("name").error(message).help(help).push(self.diags);
        }
    }

    /// The `api` section, at its node.
    fn find_api<'f>(&mut self, files: &'f [Parsed<raw::File>]) -> Option<(At<'f>, &'f raw::Api)> {
        let mut found: Option<(At<'f>, &raw::Api)> = None;
        for file in files {
            if let Some(api) = &file.value.api {
                let at = At::root(file).child("api");
                if let Some((first, _)) = &found {
                    let help = format!("keep one `api` section; the first is in {}", first.file_name());
                    at.error("a second `api` section").help(help).at_key().push(self.diags);
                } else {
                    found = Some((at, api));
                }
            }
        }
        if found.is_none() {
            if let Some(file) = files.first() {
                let help = "add a file (e.g. spec/api.yaml) with an `api:` section: name, base_url, hosts, auth, error_envelope, rate_limits";
                At::root(file)
                    .error("no spec file has an `api` section")
                    .help(help)
                    .push(self.diags);
            }
        }
        found
    }

    fn collect_type_names(&mut self, files: &[Parsed<raw::File>]) {
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for file in files {
            let all = At::root(file).child("types");
            for (i, raw) in file.value.types.iter().enumerate() {
                // An unknown kind is reported by `lower_type`; the name is still registered so
                // that references to it do not cascade into more errors.
                let kind = if raw.kind == "enum" { Kind::Enum } else { Kind::Object };
                if let Some(first) = seen.get(&raw.name) {
                    let help = format!(
                        "type names must be unique across the spec; the first `{}` is in {first}",
                        raw.name
                    );
                    all.child(i)
                        .child("name")
                        .error(format!("duplicate type name `{}`", raw.name))
                        .help(help)
                        .push(self.diags);
                    continue;
                }
                seen.insert(raw.name.clone(), file.file.name.clone());
                self.type_kinds.insert(raw.name.clone(), kind);
            }
        }
        // The API's exception types are a type like any other.
        self.type_kinds.insert("ExceptionType".into(), Kind::Enum);
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
