//! The meaning of a spec change for code that uses the generated client.
//!
//! Both specs are lowered through the same model as the generator (`codegen::load`), then
//! compared node by node: endpoints by method name, parameters and fields by wire name (then by
//! Rust name, to recognise a wire rename), types by name, enum values by wire value. Each
//! difference is one [`ApiChange`] with an [`Impact`] and one line of reasoning.
//!
//! | change | impact | why |
//! |---|---|---|
//! | endpoint, type, enum value, region, exception added | compatible | new items; generated enums and structs are `#[non_exhaustive]` |
//! | endpoint, type, enum value, region, exception removed | breaking | code naming it stops compiling |
//! | required query parameter added | breaking | the method gains a positional argument |
//! | optional query parameter added | compatible, or breaking for the first one | it joins the `…Options` struct; the first one adds the `options` argument |
//! | parameter or field removed, retyped, renamed in Rust, required ↔ optional | breaking | signatures and field types change |
//! | field added, optional | compatible | a new `Option` field and setter |
//! | field added, required | breaking | the `new(…)` constructor gains an argument |
//! | wire name changed, Rust name kept | compatible | the same Rust API sends a different name |
//! | lenient removed, rule added, item limit lowered | breaking | values or batches accepted before are refused |
//! | lenient added, rule removed, item limit raised | compatible | more is accepted |
//! | body, response or `unwrap` changed | breaking | the method's argument or result changes |
//! | `pagination`, `bulk` added / removed | compatible / breaking | a method or result type appears / disappears |
//! | path, method, statuses, rate limit, idempotence, hosts' default | compatible | same Rust API; behaviour on the wire changes (listed) |
//! | descriptions, titles, links, examples | documentation | never breaking |

use std::collections::BTreeMap;
use std::fmt::Write as _;

use codegen::model::{Body, Endpoint, EnumDef, Field, ObjectDef, Spec, TypeDef};

/// How a change affects code that uses the generated client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Documentation only.
    Documentation,
    /// Existing code compiles and works; new things are available or behaviour on the wire changes.
    Compatible,
    /// Existing code may stop compiling or behave differently in a way it must handle.
    Breaking,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Documentation => "documentation",
            Impact::Compatible => "compatible",
            Impact::Breaking => "breaking",
        }
    }
}

/// One difference between two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    pub impact: Impact,
    /// What kind of change, e.g. `field added`.
    pub kind: &'static str,
    /// Where, e.g. `type OpportunityField, field Value`.
    pub subject: String,
    /// Why it has this impact, or what changed.
    pub reason: String,
}

struct Report {
    changes: Vec<ApiChange>,
}

impl Report {
    fn push(&mut self, impact: Impact, kind: &'static str, subject: impl Into<String>, reason: impl Into<String>) {
        self.changes.push(ApiChange {
            impact,
            kind,
            subject: subject.into(),
            reason: reason.into(),
        });
    }
}

/// Every difference from `old` to `new`; `old` is `None` when the base has no spec.
pub fn compare(old: Option<&Spec>, new: &Spec) -> Vec<ApiChange> {
    let mut report = Report { changes: Vec::new() };
    let Some(old) = old else {
        for endpoint in &new.endpoints {
            report.push(
                Impact::Compatible,
                "endpoint added",
                format!("endpoint {}", endpoint.name),
                format!("new method `Client::{}`", endpoint.name),
            );
        }
        for ty in &new.types {
            report.push(
                Impact::Compatible,
                "type added",
                format!("type {}", ty.name()),
                "a new type",
            );
        }
        return report.changes;
    };
    compare_api(&mut report, old, new);
    let old_types: BTreeMap<&str, &TypeDef> = old.types.iter().map(|ty| (ty.name(), ty)).collect();
    let new_types: BTreeMap<&str, &TypeDef> = new.types.iter().map(|ty| (ty.name(), ty)).collect();
    for (name, old_ty) in &old_types {
        match new_types.get(name) {
            None => report.push(
                Impact::Breaking,
                "type removed",
                format!("type {name}"),
                "code naming the type stops compiling",
            ),
            Some(new_ty) => compare_type(&mut report, old_ty, new_ty),
        }
    }
    for name in new_types.keys().filter(|name| !old_types.contains_key(*name)) {
        report.push(Impact::Compatible, "type added", format!("type {name}"), "a new type");
    }
    let old_endpoints: BTreeMap<&str, &Endpoint> = old.endpoints.iter().map(|e| (e.name.as_str(), e)).collect();
    let new_endpoints: BTreeMap<&str, &Endpoint> = new.endpoints.iter().map(|e| (e.name.as_str(), e)).collect();
    for (name, old_endpoint) in &old_endpoints {
        match new_endpoints.get(name) {
            None => report.push(
                Impact::Breaking,
                "endpoint removed",
                format!("endpoint {name}"),
                format!("`Client::{name}` and its companions disappear"),
            ),
            Some(new_endpoint) => compare_endpoint(&mut report, old_endpoint, new_endpoint, (&old.api, &new.api)),
        }
    }
    for name in new_endpoints.keys().filter(|name| !old_endpoints.contains_key(*name)) {
        report.push(
            Impact::Compatible,
            "endpoint added",
            format!("endpoint {name}"),
            format!("new method `Client::{name}`"),
        );
    }
    report.changes
}

fn compare_api(report: &mut Report, old: &Spec, new: &Spec) {
    let (old_api, new_api) = (&old.api, &new.api);
    for host in &old_api.hosts {
        match new_api.hosts.iter().find(|h| h.region == host.region) {
            None => report.push(
                Impact::Breaking,
                "region removed",
                format!("region {}", host.region),
                "code naming `Region::` variant stops compiling",
            ),
            Some(new_host) if new_host.host != host.host => report.push(
                Impact::Compatible,
                "host changed",
                format!("region {}", host.region),
                format!("calls go to `{}` instead of `{}`", new_host.host, host.host),
            ),
            Some(_) => {}
        }
    }
    for host in new_api
        .hosts
        .iter()
        .filter(|h| !old_api.hosts.iter().any(|o| o.region == h.region))
    {
        report.push(
            Impact::Compatible,
            "region added",
            format!("region {}", host.region),
            "a new `Region` variant (the enum is non-exhaustive)",
        );
    }
    let default = |spec: &Spec| spec.api.hosts.iter().find(|h| h.default).map(|h| h.region.clone());
    if default(old) != default(new) {
        report.push(
            Impact::Compatible,
            "default region changed",
            "api",
            format!(
                "clients without a region now call {:?}",
                default(new).unwrap_or_default()
            ),
        );
    }
    if old_api.rate_limit != new_api.rate_limit {
        report.push(
            Impact::Compatible,
            "rate limit changed",
            "api",
            format!(
                "bulk jobs pace to {} calls per {} ms instead of {} per {} ms",
                new_api.rate_limit.calls,
                new_api.rate_limit.per_millis,
                old_api.rate_limit.calls,
                old_api.rate_limit.per_millis
            ),
        );
    }
    if old_api.auth != new_api.auth || old_api.error_envelope != new_api.error_envelope {
        report.push(
            Impact::Compatible,
            "wire convention changed",
            "api",
            "authentication or error-envelope names on the wire change; the Rust API does not",
        );
    }
    compare_enum(report, &old_api.exceptions, &new_api.exceptions);
    if old_api.description != new_api.description || old_api.name != new_api.name {
        report.push(
            Impact::Documentation,
            "description changed",
            "api",
            "the API's name or description",
        );
    }
}

fn compare_type(report: &mut Report, old: &TypeDef, new: &TypeDef) {
    match (old, new) {
        (TypeDef::Object(old), TypeDef::Object(new)) => compare_object(report, old, new),
        (TypeDef::Enum(old), TypeDef::Enum(new)) => compare_enum(report, old, new),
        _ => report.push(
            Impact::Breaking,
            "type kind changed",
            format!("type {}", old.name()),
            "an object became an enum or the reverse",
        ),
    }
}

fn compare_object(report: &mut Report, old: &ObjectDef, new: &ObjectDef) {
    let subject = |field: &str| format!("type {}, field {field}", old.name);
    compare_fields(report, &old.fields, &new.fields, subject, FieldRole::Object);
    if old.rules != new.rules {
        let added = new.rules.iter().any(|rule| !old.rules.contains(rule));
        let (impact, kind, reason) = if added {
            (
                Impact::Breaking,
                "rule added",
                "values accepted before are refused before sending",
            )
        } else {
            (Impact::Compatible, "rule removed", "values refused before are accepted")
        };
        report.push(impact, kind, format!("type {}", old.name), reason);
    }
    if old.additional_fields != new.additional_fields {
        let (impact, reason) = if new.additional_fields {
            (
                Impact::Compatible,
                "unnamed attributes are now kept in `additional_fields`",
            )
        } else {
            (Impact::Breaking, "the `additional_fields` field disappears")
        };
        report.push(
            impact,
            "additional fields changed",
            format!("type {}", old.name),
            reason,
        );
    }
    if old.description != new.description {
        report.push(
            Impact::Documentation,
            "description changed",
            format!("type {}", old.name),
            "rustdoc changes",
        );
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldRole {
    Object,
    /// Query parameters; `had_optional` tells whether the endpoint already had an options struct.
    Query {
        had_optional: bool,
    },
}

fn compare_fields(
    report: &mut Report,
    old: &[Field],
    new: &[Field],
    subject: impl Fn(&str) -> String,
    role: FieldRole,
) {
    let mut matched = Vec::new();
    for old_field in old {
        let by_wire = new.iter().position(|f| f.wire == old_field.wire);
        let by_rust = new.iter().position(|f| f.rust == old_field.rust);
        let Some(index) = by_wire.or(by_rust) else {
            report.push(
                Impact::Breaking,
                "field removed",
                subject(&old_field.wire),
                "code reading or setting it stops compiling",
            );
            continue;
        };
        matched.push(index);
        let new_field = &new[index];
        let at = subject(&old_field.wire);
        if new_field.wire != old_field.wire {
            report.push(
                Impact::Compatible,
                "wire name changed",
                at.clone(),
                format!(
                    "the same Rust field `{}` is sent as `{}`",
                    new_field.rust, new_field.wire
                ),
            );
        }
        if new_field.rust != old_field.rust {
            report.push(
                Impact::Breaking,
                "Rust name changed",
                at.clone(),
                format!("`{}` becomes `{}`", old_field.rust, new_field.rust),
            );
        }
        if new_field.ty != old_field.ty {
            report.push(
                Impact::Breaking,
                "type changed",
                at.clone(),
                format!("`{}` becomes `{}`", old_field.ty, new_field.ty),
            );
        }
        if new_field.required != old_field.required {
            let reason = if new_field.required {
                "optional becomes required"
            } else {
                "required becomes optional"
            };
            report.push(
                Impact::Breaking,
                "optionality changed",
                at.clone(),
                format!("{reason}: its Rust type and the constructor change"),
            );
        }
        if new_field.lenient != old_field.lenient || new_field.json_string != old_field.json_string {
            let (impact, reason) = if new_field.lenient && !old_field.lenient {
                (
                    Impact::Compatible,
                    "numbers or booleans sent as strings are now accepted",
                )
            } else if old_field.lenient && !new_field.lenient {
                (Impact::Breaking, "values sent as strings are now refused when decoding")
            } else {
                (Impact::Breaking, "the value is now encoded differently on the wire")
            };
            report.push(impact, "decoding changed", at.clone(), reason);
        }
        if new_field.description != old_field.description {
            report.push(Impact::Documentation, "description changed", at, "rustdoc changes");
        }
    }
    let had_optional = match role {
        FieldRole::Query { had_optional } => had_optional,
        FieldRole::Object => true,
    };
    for (index, field) in new.iter().enumerate().filter(|(index, _)| !matched.contains(index)) {
        let at = subject(&field.wire);
        let _ = index;
        match (field.required, role) {
            (true, FieldRole::Object) => report.push(
                Impact::Breaking,
                "field added",
                at,
                "required: `new(…)` gains an argument",
            ),
            (true, FieldRole::Query { .. }) => report.push(
                Impact::Breaking,
                "parameter added",
                at,
                "required: the method gains an argument",
            ),
            (false, FieldRole::Object) => report.push(
                Impact::Compatible,
                "field added",
                at,
                "optional: a new `Option` field and `with_` setter",
            ),
            (false, FieldRole::Query { .. }) if had_optional => report.push(
                Impact::Compatible,
                "parameter added",
                at,
                "optional: a new field of the `…Options` struct",
            ),
            (false, FieldRole::Query { .. }) => report.push(
                Impact::Breaking,
                "parameter added",
                at,
                "the endpoint's first optional parameter: the method gains an `options` argument",
            ),
        }
    }
}

fn compare_enum(report: &mut Report, old: &EnumDef, new: &EnumDef) {
    let subject = |value: &str| format!("enum {}, value {value:?}", old.name);
    for value in &old.values {
        match new.values.iter().find(|v| v.wire == value.wire) {
            None => report.push(
                Impact::Breaking,
                "enum value removed",
                subject(&value.wire),
                format!("`{}::{}` disappears", old.name, value.rust),
            ),
            Some(new_value) if new_value.rust != value.rust => report.push(
                Impact::Breaking,
                "enum variant renamed",
                subject(&value.wire),
                format!("`{}` becomes `{}`", value.rust, new_value.rust),
            ),
            Some(new_value) if new_value.description != value.description => report.push(
                Impact::Documentation,
                "description changed",
                subject(&value.wire),
                "rustdoc changes",
            ),
            Some(_) => {}
        }
    }
    for value in new
        .values
        .iter()
        .filter(|v| !old.values.iter().any(|o| o.wire == v.wire))
    {
        report.push(
            Impact::Compatible,
            "enum value added",
            subject(&value.wire),
            "a new variant (generated enums are non-exhaustive)",
        );
    }
    if old.open != new.open {
        let (impact, reason) = if new.open {
            (
                Impact::Compatible,
                "unknown values are now kept in `Other(String)` instead of failing",
            )
        } else {
            (
                Impact::Breaking,
                "the `Other(String)` variant disappears and unknown values fail to decode",
            )
        };
        report.push(impact, "enum openness changed", format!("enum {}", old.name), reason);
    }
    if old.description != new.description {
        report.push(
            Impact::Documentation,
            "description changed",
            format!("enum {}", old.name),
            "rustdoc changes",
        );
    }
}

fn compare_endpoint(
    report: &mut Report,
    old: &Endpoint,
    new: &Endpoint,
    apis: (&codegen::model::Api, &codegen::model::Api),
) {
    let at = format!("endpoint {}", old.name);
    if old.method != new.method || old.path != new.path {
        report.push(
            Impact::Compatible,
            "path changed",
            at.clone(),
            format!(
                "same method signature; calls go to {:?} {} instead of {:?} {}",
                new.method, new.path, old.method, old.path
            ),
        );
    }
    let had_optional = old.query.iter().any(|f| !f.required);
    compare_fields(
        report,
        &old.query,
        &new.query,
        |wire| format!("endpoint {}, query {wire}", old.name),
        FieldRole::Query { had_optional },
    );
    match (&old.body, &new.body) {
        (
            Body::Array {
                items: old_items,
                min_items: old_min,
                max_items: old_max,
            },
            Body::Array {
                items,
                min_items,
                max_items,
            },
        ) if old_items == items => {
            let lowered = match (old_max, max_items) {
                (None, Some(_)) => true,
                (Some(old), Some(new)) => new < old,
                _ => false,
            };
            if lowered || min_items > old_min {
                report.push(Impact::Breaking, "item limit tightened", at.clone(), format!("batches of {old_min}..{old_max:?} items become {min_items}..{max_items:?}: some accepted before are refused"));
            } else if (old_min, old_max) != (min_items, max_items) {
                report.push(
                    Impact::Compatible,
                    "item limit widened",
                    at.clone(),
                    format!("batches of {old_min}..{old_max:?} items become {min_items}..{max_items:?}"),
                );
            }
        }
        (old_body, new_body) if old_body != new_body => report.push(
            Impact::Breaking,
            "body changed",
            at.clone(),
            "the method's body argument changes",
        ),
        _ => {}
    }
    if old.response != new.response || old.unwrap != new.unwrap {
        report.push(
            Impact::Breaking,
            "response changed",
            at.clone(),
            format!("the method returns `{}` instead of `{}`", new.response, old.response),
        );
    }
    match (&old.pagination, &new.pagination) {
        (None, Some(_)) => report.push(
            Impact::Compatible,
            "pagination added",
            at.clone(),
            format!("new method `Client::{}_pages`", old.name),
        ),
        (Some(_), None) => report.push(
            Impact::Breaking,
            "pagination removed",
            at.clone(),
            format!("`Client::{}_pages` disappears", old.name),
        ),
        (Some(a), Some(b)) if a != b => report.push(
            Impact::Breaking,
            "pagination changed",
            at.clone(),
            "the page walker reads other attributes",
        ),
        _ => {}
    }
    match (&old.row_results, &new.row_results) {
        (None, Some(_)) => report.push(
            Impact::Breaking,
            "per-row results added",
            at.clone(),
            "the bulk job's result type changes from `()` to the row type",
        ),
        (Some(_), None) => report.push(
            Impact::Breaking,
            "per-row results removed",
            at.clone(),
            "the bulk job's rows lose their own results",
        ),
        (Some(a), Some(b)) if a != b => report.push(
            Impact::Compatible,
            "per-row results changed",
            at.clone(),
            "bulk jobs read other attributes of each row's result",
        ),
        _ => {}
    }
    // An endpoint that inherits the API's limit on both sides is covered by the API's change.
    let inherited = old.rate_limit == apis.0.rate_limit && new.rate_limit == apis.1.rate_limit;
    if old.rate_limit != new.rate_limit && !inherited {
        report.push(
            Impact::Compatible,
            "rate limit changed",
            at.clone(),
            format!("{} calls per {} ms", new.rate_limit.calls, new.rate_limit.per_millis),
        );
    }
    if old.idempotent != new.idempotent {
        report.push(
            Impact::Compatible,
            "idempotence changed",
            at.clone(),
            "bulk jobs resend ambiguous calls by default only for idempotent endpoints",
        );
    }
    if old.statuses != new.statuses {
        report.push(
            Impact::Compatible,
            "statuses changed",
            at.clone(),
            "errors carry other documented meanings or `processed` values",
        );
    }
    let docs = |e: &Endpoint| {
        (
            e.title.clone(),
            e.description.clone(),
            e.docs_url.clone(),
            e.query_example.clone(),
            e.request_example.clone(),
            e.response_example.clone(),
        )
    };
    if docs(old) != docs(new) {
        report.push(
            Impact::Documentation,
            "documentation changed",
            at,
            "title, description, link or examples",
        );
    }
}

/// What the changes mean for the crate's version, under Cargo's 0.x conventions.
pub fn required_bump(changes: &[ApiChange]) -> Option<Impact> {
    changes.iter().map(|change| change.impact).max()
}

pub fn bump_advice(bump: Option<Impact>) -> &'static str {
    match bump {
        Some(Impact::Breaking) => "breaking: a major release (for 0.x, bump the minor version: 0.1.4 -> 0.2.0)",
        Some(Impact::Compatible) => "compatible: a minor release (for 0.x, bump the patch version: 0.1.4 -> 0.1.5)",
        Some(Impact::Documentation) => "documentation only: a patch release",
        None => "no API change",
    }
}

/// Whether going from `old` to `new` (e.g. `0.1.4`, `0.2.0`) is a big enough version bump.
pub fn version_bumped_enough(old: &str, new: &str, bump: Option<Impact>) -> bool {
    let parse = |v: &str| -> (u64, u64, u64) {
        let mut parts = v.split(['.', '-', '+']).map(|p| p.parse().unwrap_or(0));
        (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        )
    };
    let (old, new) = (parse(old), parse(new));
    let Some(bump) = bump else { return true };
    // The position Cargo treats as breaking: the first non-zero one.
    let breaking_slot = if old.0 > 0 {
        0
    } else if old.1 > 0 {
        1
    } else {
        2
    };
    let raised = |slot: usize| match slot {
        0 => new.0 > old.0,
        1 => new.0 > old.0 || (new.0 == old.0 && new.1 > old.1),
        _ => new > old,
    };
    match bump {
        Impact::Breaking => raised(breaking_slot),
        Impact::Compatible | Impact::Documentation => new > old,
    }
}

/// The report as text, Markdown or JSON.
pub fn render(changes: &[ApiChange], code: &[(String, usize, usize)], base_note: Option<&str>, format: &str) -> String {
    let bump = required_bump(changes);
    let count = |impact: Impact| changes.iter().filter(|c| c.impact == impact).count();
    match format {
        "json" => {
            let list: Vec<serde_json::Value> = changes
                .iter()
                .map(|c| serde_json::json!({ "impact": c.impact.as_str(), "kind": c.kind, "subject": c.subject, "reason": c.reason }))
                .collect();
            let files: Vec<serde_json::Value> = code
                .iter()
                .map(|(path, added, removed)| serde_json::json!({ "path": path, "added": added, "removed": removed }))
                .collect();
            let value = serde_json::json!({
                "base": base_note,
                "impact": bump.map(Impact::as_str),
                "advice": bump_advice(bump),
                "changes": list,
                "generated_code": files,
            });
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        markdown_or_text => {
            let markdown = markdown_or_text == "markdown";
            let mut out = String::new();
            let heading = |out: &mut String, text: &str| {
                if markdown {
                    let _ = writeln!(out, "\n### {text}\n");
                } else {
                    let _ = writeln!(out, "\n{text}:");
                }
            };
            if markdown {
                let _ = writeln!(out, "## API change report");
            } else {
                let _ = writeln!(out, "API change report");
            }
            if let Some(note) = base_note {
                let _ = writeln!(out, "\n{note}");
            }
            let _ = writeln!(
                out,
                "\n{} breaking, {} compatible, {} documentation. Version: {}.",
                count(Impact::Breaking),
                count(Impact::Compatible),
                count(Impact::Documentation),
                bump_advice(bump)
            );
            for (impact, title) in [
                (Impact::Breaking, "Breaking"),
                (Impact::Compatible, "Compatible"),
                (Impact::Documentation, "Documentation only"),
            ] {
                let listed: Vec<&ApiChange> = changes.iter().filter(|c| c.impact == impact).collect();
                if listed.is_empty() {
                    continue;
                }
                heading(&mut out, title);
                for change in listed {
                    let _ = if markdown {
                        writeln!(out, "- **{}**: {} — {}", change.kind, change.subject, change.reason)
                    } else {
                        writeln!(out, "  {}: {} ({})", change.kind, change.subject, change.reason)
                    };
                }
            }
            heading(&mut out, "Generated code");
            if code.is_empty() {
                let _ = writeln!(out, "{}no generated file changes", if markdown { "" } else { "  " });
            }
            let (added, removed) = code.iter().fold((0, 0), |(a, r), (_, add, rem)| (a + add, r + rem));
            for (path, add, rem) in code {
                let _ = writeln!(out, "{}{path}: +{add} -{rem}", if markdown { "- " } else { "  " });
            }
            if !code.is_empty() {
                let _ = writeln!(
                    out,
                    "{}{} files, +{added} -{removed} lines",
                    if markdown { "\n" } else { "  " },
                    code.len()
                );
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use codegen::SourceFile;

    const API: &str = "
api:
  name: Example
  crate_name: example
  base_url: \"https://{host}/v1\"
  hosts:
    - region: Primary
      host: api.example.com
      default: true
  auth:
    preferred: header
    header: { access_key: x-Key, secret_key: x-Secret }
    query: { access_key: key, secret_key: secret }
  error_envelope: { status_field: Status, error_value: Error, type_field: ExceptionType, message_field: ExceptionMessage }
  rate_limit: { calls: 25, per_seconds: 5 }
  statuses:
    - { code: 200, meaning: OK., processed: always }
  exceptions:
    - { wire: MXOne, rust: One, description: One. }
";

    const BASE: &str = "
types:
  - name: Row
    kind: object
    fields:
      - { wire: Name, type: string, required: true }
      - { wire: Count, type: integer, lenient: true }
  - name: Color
    kind: enum
    values: [ { wire: red }, { wire: blue } ]
endpoints:
  - name: add_rows
    title: Add Rows
    group: rows
    method: POST
    path: /Rows/Add
    idempotent: false
    query:
      - { wire: color, type: Color, required: true }
    body: { kind: array, items: Row, min_items: 1, max_items: 25 }
    response: json
";

    fn spec(types_and_endpoints: &str) -> Spec {
        let sources = [
            SourceFile {
                name: "spec/api.yaml".into(),
                text: API.into(),
            },
            SourceFile {
                name: "spec/rows.yaml".into(),
                text: types_and_endpoints.into(),
            },
        ];
        codegen::load(&sources).unwrap_or_else(|diags| panic!("{diags}"))
    }

    /// The (impact, kind) pairs of changing BASE by `edit` (find, replace).
    fn changes(edits: &[(&str, &str)]) -> Vec<(Impact, &'static str)> {
        let mut text = BASE.to_string();
        for (find, replace) in edits {
            assert!(text.contains(find), "{find}");
            text = text.replacen(find, replace, 1);
        }
        let mut found: Vec<_> = compare(Some(&spec(BASE)), &spec(&text))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        found.sort();
        found
    }

    use Impact::{Breaking, Compatible, Documentation};

    #[test]
    fn no_change_is_no_change() {
        assert_eq!(changes(&[]), []);
        assert_eq!(required_bump(&compare(Some(&spec(BASE)), &spec(BASE))), None);
    }

    #[test]
    fn fields_added_removed_retyped_and_renamed() {
        assert_eq!(
            changes(&[(
                "- { wire: Count, type: integer, lenient: true }",
                "- { wire: Count, type: integer, lenient: true }\n      - { wire: Note, type: string }"
            )]),
            [(Compatible, "field added")]
        );
        assert_eq!(
            changes(&[(
                "- { wire: Count, type: integer, lenient: true }",
                "- { wire: Count, type: integer, lenient: true }\n      - { wire: Note, type: string, required: true }"
            )]),
            [(Breaking, "field added")]
        );
        assert_eq!(
            changes(&[("      - { wire: Count, type: integer, lenient: true }\n", "")]),
            [(Breaking, "field removed")]
        );
        assert_eq!(
            changes(&[("wire: Count, type: integer", "wire: Count, type: number")]),
            [(Breaking, "type changed")]
        );
        assert_eq!(
            changes(&[("wire: Count, type: integer", "wire: Total, rust: count, type: integer")]),
            [(Compatible, "wire name changed")]
        );
        assert_eq!(
            changes(&[("wire: Count, type: integer", "wire: Count, rust: total, type: integer")]),
            [(Breaking, "Rust name changed")]
        );
        assert_eq!(
            changes(&[(
                "{ wire: Name, type: string, required: true }",
                "{ wire: Name, type: string }"
            )]),
            [(Breaking, "optionality changed")]
        );
        assert_eq!(
            changes(&[("integer, lenient: true }", "integer }")]),
            [(Breaking, "decoding changed")]
        );
    }

    #[test]
    fn enum_values_and_openness() {
        assert_eq!(
            changes(&[("{ wire: blue } ]", "{ wire: blue }, { wire: green } ]")]),
            [(Compatible, "enum value added")]
        );
        assert_eq!(
            changes(&[(", { wire: blue } ]", " ]")]),
            [(Breaking, "enum value removed")]
        );
        assert_eq!(
            changes(&[("kind: enum\n", "kind: enum\n    open: false\n")]),
            [(Breaking, "enum openness changed")]
        );
    }

    #[test]
    fn endpoints_parameters_limits_and_responses() {
        let endpoint_b = "\n  - name: list_rows\n    title: List Rows\n    group: rows\n    method: GET\n    path: /Rows/List\n    idempotent: true\n    response: json\n";
        let with_b = format!("{BASE}{endpoint_b}");
        let added = compare(Some(&spec(BASE)), &spec(&with_b));
        assert_eq!(
            added.iter().map(|c| (c.impact, c.kind)).collect::<Vec<_>>(),
            [(Compatible, "endpoint added")]
        );
        let removed = compare(Some(&spec(&with_b)), &spec(BASE));
        assert_eq!(
            removed.iter().map(|c| (c.impact, c.kind)).collect::<Vec<_>>(),
            [(Breaking, "endpoint removed")]
        );

        assert_eq!(
            changes(&[("max_items: 25", "max_items: 10")]),
            [(Breaking, "item limit tightened")]
        );
        assert_eq!(
            changes(&[("max_items: 25", "max_items: 50")]),
            [(Compatible, "item limit widened")]
        );
        assert_eq!(
            changes(&[("response: json", "response: array<string>")]),
            [(Breaking, "response changed")]
        );
        assert_eq!(
            changes(&[(
                "- { wire: color, type: Color, required: true }",
                "- { wire: color, type: Color, required: true }\n      - { wire: limit, type: integer }"
            )]),
            [(Breaking, "parameter added")]
        );
        assert_eq!(
            changes(&[(
                "- { wire: color, type: Color, required: true }",
                "- { wire: color, type: Color, required: true }\n      - { wire: limit, type: integer, required: true }"
            )]),
            [(Breaking, "parameter added")]
        );
        assert_eq!(
            changes(&[("path: /Rows/Add", "path: /Rows/Bulk/Add")]),
            [(Compatible, "path changed")]
        );
        assert_eq!(
            changes(&[("idempotent: false", "idempotent: true")]),
            [(Compatible, "idempotence changed")]
        );
        assert_eq!(
            changes(&[("title: Add Rows", "title: Add Many Rows")]),
            [(Documentation, "documentation changed")]
        );
    }

    #[test]
    fn a_second_optional_parameter_is_compatible_and_rules_tighten() {
        let two = BASE.replace(
            "- { wire: color, type: Color, required: true }",
            "- { wire: color, type: Color, required: true }\n      - { wire: limit, type: integer }",
        );
        let three = two.replace(
            "- { wire: limit, type: integer }",
            "- { wire: limit, type: integer }\n      - { wire: page, type: integer }",
        );
        let found: Vec<_> = compare(Some(&spec(&two)), &spec(&three))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert_eq!(found, [(Compatible, "parameter added")]);
        let ruled = BASE.replace(
            "      - { wire: Count, type: integer, lenient: true }\n",
            "      - { wire: Count, type: integer, lenient: true }\n      - { wire: A, type: boolean }\n      - { wire: B, type: boolean }\n",
        );
        let with_rule = ruled.replace(
            "  - name: Color",
            "    rules:\n      - at_most_one_of: [A, B]\n        description: Not both.\n  - name: Color",
        );
        let found: Vec<_> = compare(Some(&spec(&ruled)), &spec(&with_rule))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert_eq!(found, [(Breaking, "rule added")]);
    }

    fn with_api(api: &str, rest: &str) -> Spec {
        let sources = [
            SourceFile {
                name: "spec/api.yaml".into(),
                text: api.into(),
            },
            SourceFile {
                name: "spec/rows.yaml".into(),
                text: rest.into(),
            },
        ];
        codegen::load(&sources).unwrap_or_else(|diags| panic!("{diags}"))
    }

    #[test]
    fn api_level_changes_regions_exceptions_and_limits() {
        let kinds = |api: &str| -> Vec<(Impact, &'static str)> {
            let mut found: Vec<_> = compare(Some(&spec(BASE)), &with_api(api, BASE))
                .into_iter()
                .map(|c| (c.impact, c.kind))
                .collect();
            found.sort();
            found
        };
        let region = API.replace(
            "      default: true\n",
            "      default: true\n    - region: Second\n      host: api2.example.com\n",
        );
        assert_eq!(kinds(&region), [(Compatible, "region added")]);
        assert_eq!(
            kinds(&API.replace(
                "    - { wire: MXOne, rust: One, description: One. }\n",
                "    - { wire: MXTwo, rust: Two }\n"
            )),
            [(Compatible, "enum value added"), (Breaking, "enum value removed"),]
        );
        assert_eq!(
            kinds(&API.replace("calls: 25", "calls: 10")),
            [(Compatible, "rate limit changed")]
        );
        assert_eq!(
            kinds(&API.replace("x-Secret", "x-Secret-Key")),
            [(Compatible, "wire convention changed")]
        );
    }

    #[test]
    fn paging_and_per_row_results_appear_and_disappear() {
        let paged_types = "
types:
  - name: Paging
    kind: object
    fields:
      - { wire: PageIndex, type: integer, required: true }
      - { wire: PageSize, type: integer, required: true }
  - name: Search
    kind: object
    fields:
      - { wire: Paging, type: Paging, required: true }
endpoints:
  - name: search
    title: Search
    group: rows
    method: POST
    path: /Search
    idempotent: true
    body: { kind: object, type: Search }
    response: array<string>
";
        let paged =
            format!("{paged_types}    pagination: {{ page_index: Paging.PageIndex, page_size: Paging.PageSize }}\n");
        let found: Vec<_> = compare(Some(&spec(paged_types)), &spec(&paged))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert_eq!(found, [(Compatible, "pagination added")]);
        let found: Vec<_> = compare(Some(&spec(&paged)), &spec(paged_types))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert_eq!(found, [(Breaking, "pagination removed")]);
    }

    #[test]
    fn every_other_kind_of_change_on_small_pairs() {
        // (edits to BASE, expected (impact, kind) pairs), one concern per row.
        type Edits = &'static [(&'static str, &'static str)];
        type Expected = &'static [(Impact, &'static str)];
        let table: &[(Edits, Expected)] = &[
            (
                &[(
                    "  - name: Color\n    kind: enum\n    values: [ { wire: red }, { wire: blue } ]\n",
                    "  - name: Color\n    kind: enum\n    values: [ { wire: red }, { wire: blue } ]\n  - name: Extra\n    kind: enum\n    values: [ { wire: x } ]\n",
                )],
                &[(Compatible, "type added")],
            ),
            (
                &[("{ wire: red }", "{ wire: red, rust: Crimson }")],
                &[(Breaking, "enum variant renamed")],
            ),
            (
                &[("    kind: enum\n", "    kind: enum\n    description: Colors.\n")],
                &[(Documentation, "description changed")],
            ),
            (
                &[(
                    "  - name: Row\n    kind: object\n",
                    "  - name: Row\n    kind: object\n    additional_fields: true\n",
                )],
                &[(Compatible, "additional fields changed")],
            ),
            (
                &[(
                    "{ wire: Name, type: string, required: true }",
                    "{ wire: Name, type: string, required: true, description: The name. }",
                )],
                &[(Documentation, "description changed")],
            ),
            (
                &[(
                    "body: { kind: array, items: Row, min_items: 1, max_items: 25 }",
                    "body: { kind: object, type: Row }",
                )],
                &[(Breaking, "body changed")],
            ),
            (
                &[(
                    "    response: json\n",
                    "    response: json\n    statuses:\n      - { code: 200, meaning: Done., processed: always }\n      - { code: 500, meaning: Failed., processed: unknown }\n",
                )],
                &[(Compatible, "statuses changed")],
            ),
            (
                &[("min_items: 1", "min_items: 2")],
                &[(Breaking, "item limit tightened")],
            ),
            (
                &[(
                    "    response: json\n",
                    "    response: json\n    rate_limit: { calls: 1, per_seconds: 5 }\n",
                )],
                &[(Compatible, "rate limit changed")],
            ),
        ];
        for (edits, expected) in table {
            let mut expected = expected.to_vec();
            expected.sort();
            assert_eq!(changes(edits), expected, "{edits:?}");
        }
    }

    #[test]
    fn a_type_that_changes_kind_or_disappears_is_breaking() {
        let object = BASE.replace(
            "kind: enum\n    values: [ { wire: red }, { wire: blue } ]",
            "kind: object\n    fields: [ { wire: Red, type: string } ]",
        );
        let object = object.replace(
            "{ wire: color, type: Color, required: true }",
            "{ wire: color, type: string, required: true }",
        );
        let found: Vec<_> = compare(Some(&spec(BASE)), &spec(&object))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert!(found.contains(&(Breaking, "type kind changed")), "{found:?}");
        let without = object.replace(
            "  - name: Color\n    kind: object\n    fields: [ { wire: Red, type: string } ]\n",
            "",
        );
        let found: Vec<_> = compare(Some(&spec(&object)), &spec(&without))
            .into_iter()
            .map(|c| (c.impact, c.kind))
            .collect();
        assert_eq!(found, [(Breaking, "type removed")]);
    }

    #[test]
    fn moving_definitions_between_files_changes_nothing() {
        let split = [
            SourceFile {
                name: "spec/api.yaml".into(),
                text: API.into(),
            },
            SourceFile {
                name: "spec/types.yaml".into(),
                text: BASE.split("endpoints:").next().unwrap_or_default().into(),
            },
            SourceFile {
                name: "spec/zz/endpoints.yaml".into(),
                text: format!("endpoints:{}", BASE.split("endpoints:").nth(1).unwrap_or_default()),
            },
        ];
        let moved = codegen::load(&split).unwrap_or_else(|diags| panic!("{diags}"));
        assert_eq!(compare(Some(&spec(BASE)), &moved), []);
    }

    #[test]
    fn a_base_without_a_spec_makes_everything_new() {
        let found = compare(None, &spec(BASE));
        assert!(found.iter().all(|c| c.impact == Compatible));
        assert!(
            found
                .iter()
                .any(|c| c.kind == "endpoint added" && c.subject == "endpoint add_rows")
        );
    }

    #[test]
    fn versions_must_be_bumped_as_cargo_reads_them() {
        assert!(version_bumped_enough("0.1.4", "0.2.0", Some(Breaking)));
        assert!(!version_bumped_enough("0.1.4", "0.1.5", Some(Breaking)));
        assert!(version_bumped_enough("0.1.4", "0.1.5", Some(Compatible)));
        assert!(!version_bumped_enough("0.1.4", "0.1.4", Some(Documentation)));
        assert!(version_bumped_enough("1.2.3", "2.0.0", Some(Breaking)));
        assert!(!version_bumped_enough("1.2.3", "1.3.0", Some(Breaking)));
        assert!(version_bumped_enough("0.1.4", "0.1.4", None));
    }

    #[test]
    fn reports_render_in_each_format() {
        let found = compare(
            Some(&spec(BASE)),
            &spec(&BASE.replace("max_items: 25", "max_items: 10")),
        );
        let code = [("generated-client/src/generated/endpoints.rs".to_string(), 3, 3)];
        let text = render(&found, &code, None, "text");
        assert!(text.contains("1 breaking, 0 compatible, 0 documentation"), "{text}");
        assert!(text.contains("item limit tightened: endpoint add_rows"), "{text}");
        assert!(render(&found, &code, None, "markdown").contains("- **item limit tightened**"));
        let json: serde_json::Value = serde_json::from_str(&render(&found, &code, None, "json")).unwrap();
        assert_eq!(json["impact"], "breaking");
        assert_eq!(json["generated_code"][0]["added"], 3);
    }
}
