//! The meaning of a spec change for code that uses the generated client: the rules.
//!
//! Both specs are lowered through the same model as the generator (`codegen::load`), then
//! compared node by node: endpoints by method name, parameters and fields by wire name (then by
//! Rust name, to recognise a wire rename), types by name, enum values by wire value. Every model
//! struct is destructured without `..`, so a field added to the model does not compile here
//! until it has a rule. Each difference is one [`ApiChange`] with an [`Impact`], a reason that
//! says what a caller must do, and the [`Anchor`]s (generated names) it explains; `codediff`
//! then checks that every change in the generated code is explained by a change of at least
//! the impact that code change calls for, and reports the rest as unclassified.
//!
//! | change | impact | why |
//! |---|---|---|
//! | endpoint, type, enum value, region, exception, plan, rate-limit class, optional field or query parameter added | compatible | new items; generated structs and enums are `#[non_exhaustive]`; an optional query parameter is a setter of the request builder, never a new argument |
//! | endpoint, type, enum value, region, plan, rate-limit class, parameter or field removed | breaking | code naming it stops compiling |
//! | required field or required query parameter added | breaking | `new(…)` or the method gains a positional argument |
//! | required fields or required query parameters reordered | breaking | positional arguments change places; calls may still compile and send each value as the other |
//! | field or parameter retyped, renamed in Rust, required ↔ optional, boxed | breaking | signatures and field types change |
//! | enum's values made integers, or strings again (`integer: true`) | breaking | `as_str` and `as_i64` trade places, and the wire form changes |
//! | closed enum made open, or open made closed | breaking | `Copy` and the serde derives go, or `Other(String)` goes |
//! | closed enum reachable from a response gains a value | breaking | clients built before it fail to decode responses carrying it |
//! | named field added to an `additional_fields` type | breaking | the attribute leaves the map: code reading it there gets `None` |
//! | `additional_fields` removed, per-row results added to a bulk endpoint | breaking | a field disappears; the bulk job's result type changes |
//! | lenient removed, JSON-in-a-string toggled, rule added, item limit (a body's or a field's) added or lowered | breaking | values, responses or batches accepted before are refused |
//! | type kind (object ↔ enum), body, response or `unwrap` changed; the item type of pages or the row type of bulk results changed | breaking | the method's argument or result changes |
//! | `pagination`, bulk method (`max_items`) added / removed | compatible / breaking | a method appears / disappears |
//! | base URL, host, default region, region order, method, path, an endpoint's group, wire name, authentication and error-envelope names, a rate-limit class's figures (default or per plan), an endpoint moving to another rate-limit class, plans or classes reordered, statuses (an endpoint's, or the API's defaults), idempotence, a GET declared to change state, rate-limit flags, an exception's `processed`, enum value or field order, a type gaining rules to check (`Validate`) and the calls that now check their body, a rule's message, the attributes pages or bulk results are read from | behaviour changed | the Rust API is the same; what goes on the wire or how errors are retried changes (at least a minor release) |
//! | a type becoming only ever sent (it then refuses unknown attributes when read from JSON) / no longer only sent | behaviour changed / compatible | files with a misspelt attribute are refused / accepted |
//! | a type losing its last rule | breaking | it no longer implements `Validate`: calls to `validate()` stop compiling |
//! | lenient added, rule removed, item limit raised or removed | behaviour changed | more is accepted: limits loosened |
//! | `as_string` added (or removed from a field that becomes lenient) / removed | behaviour changed / breaking | the number goes out quoted or bare; removing it refuses quoted numbers in answers |
//! | descriptions, titles, links, examples, the API's name, the crate name in examples, type or endpoint order, whether the spec gives a plan's figure that equals the class's default | documentation | no code a caller writes changes |
//! | a type moving to another group module | breaking | its path `crate::<group>::Type` changes |
//! | anything else the generated code shows | unclassified | review by hand; counted as breaking |

use std::collections::{BTreeMap, BTreeSet};

use codegen::model::{
    Api, AttributesDef, Auth, Body, Encoding, Endpoint, EnumDef, EnumValue, ErrorEnvelope, Field, Host, KeyNames,
    Method, ObjectDef, PageStyle, Pagination, RateClass, RateLimit, RowResults, Rule, Spec, Status, TypeDef,
};
use heck::ToSnakeCase;

/// How a change affects code that uses the generated client, from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Documentation only: no code a caller writes changes.
    Documentation,
    /// Something new is available; existing code compiles and behaves the same.
    Compatible,
    /// The Rust API is the same but what happens on the wire changes: at least a minor release.
    Behaviour,
    /// Existing code stops compiling or decoding, or compiles and does something else.
    Breaking,
    /// The generated code changes and no rule explains it: review by hand; counted as breaking.
    Unclassified,
}

impl Impact {
    /// The impact as a word for the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Documentation => "documentation",
            Impact::Compatible => "compatible",
            Impact::Behaviour => "behaviour",
            Impact::Breaking => "breaking",
            Impact::Unclassified => "unclassified",
        }
    }

    /// The section title in the report.
    pub fn title(self) -> &'static str {
        match self {
            Impact::Documentation => "Documentation",
            Impact::Compatible => "Compatible",
            Impact::Behaviour => "Behaviour changed",
            Impact::Breaking => "Breaking",
            Impact::Unclassified => "Unclassified: review by hand",
        }
    }

    /// Whether the version must announce a breaking release for it.
    pub fn is_breaking(self) -> bool {
        self >= Impact::Breaking
    }
}

/// A name in the generated code that a change explains: any generated item or member whose
/// path or tokens mention it may change because of that change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// A named type (`Row`): its struct or enum, and every item that names it.
    Type(String),
    /// An endpoint (`add_rows`): every identifier derived from it (`add_rows_pages`,
    /// `ADD_ROWS`, `AddRowsOptions`, …).
    Endpoint(String),
    /// One exact word (`API`, `Region`, a crate name).
    Word(String),
}

impl Anchor {
    /// Whether one of `words` (identifiers and words of string literals) names this anchor.
    pub fn mentioned_in(&self, words: &BTreeSet<String>) -> bool {
        match self {
            Anchor::Type(name) | Anchor::Word(name) => words.contains(name),
            Anchor::Endpoint(name) => {
                let prefix = format!("{name}_");
                words.iter().any(|word| {
                    let snake = word.to_snake_case();
                    snake == *name || snake.starts_with(&prefix)
                })
            }
        }
    }
}

/// One difference between two specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiChange {
    /// How it affects callers.
    pub impact: Impact,
    /// What kind of change, e.g. `field added`.
    pub kind: &'static str,
    /// Where, e.g. ``type `OpportunityField`, field `Value` ``.
    pub subject: String,
    /// What it means for a caller, and what the caller must change.
    pub reason: String,
    /// The generated names this change explains.
    pub anchors: Vec<Anchor>,
}

struct Report {
    changes: Vec<ApiChange>,
}

impl Report {
    fn push(
        &mut self,
        impact: Impact,
        kind: &'static str,
        subject: impl Into<String>,
        reason: impl Into<String>,
        anchors: &[Anchor],
    ) {
        self.changes.push(ApiChange {
            impact,
            kind,
            subject: subject.into(),
            reason: reason.into(),
            anchors: anchors.to_vec(),
        });
    }
}

fn ty(name: &str) -> Anchor {
    Anchor::Type(name.to_string())
}

fn ep(name: &str) -> Anchor {
    Anchor::Endpoint(name.to_string())
}

fn word(text: &str) -> Anchor {
    Anchor::Word(text.to_string())
}

/// What a type's presence explains: the type, and its group's module (which appears with the
/// group's first type and goes with its last); for an attribute list, the sandbox schema's
/// import of `AttributesSchema` (which appears with the first attribute list).
fn type_anchors(def: &TypeDef) -> Vec<Anchor> {
    let mut anchors = vec![ty(def.name())];
    anchors.extend(def.group().map(word));
    if matches!(def, TypeDef::Attributes(_)) {
        anchors.push(word("AttributesSchema"));
    }
    anchors
}

/// What the API section becomes: the client's `API` constant and the `api` part of the
/// sandbox's `SCHEMA`.
fn api_anchors() -> [Anchor; 2] {
    [word("API"), word("api")]
}

/// Every difference from `old` to `new`; `old` is `None` when the base has no spec.
pub fn compare(old: Option<&Spec>, new: &Spec) -> Vec<ApiChange> {
    let mut report = Report { changes: Vec::new() };
    match old {
        None => {
            for def in &new.types {
                report.push(
                    Impact::Compatible,
                    "type added",
                    format!("type `{}`", def.name()),
                    "a new type",
                    &type_anchors(def),
                );
            }
            for endpoint in &new.endpoints {
                report.push(
                    Impact::Compatible,
                    "endpoint added",
                    format!("endpoint `{}`", endpoint.name),
                    format!("a new method `Client::{}`", endpoint.name),
                    &[ep(&endpoint.name)],
                );
            }
        }
        Some(old) => compare_specs(&mut report, old, new),
    }
    report.changes
}

fn compare_specs(report: &mut Report, old: &Spec, new: &Spec) {
    // `sources` only names the spec files in the generated files' header comments.
    let Spec {
        api: old_api,
        types: old_types,
        endpoints: old_endpoints,
        sources: _,
    } = old;
    let Spec {
        api: new_api,
        types: new_types,
        endpoints: new_endpoints,
        sources: _,
    } = new;
    compare_api(report, old_api, new_api, (old_endpoints, new_endpoints));

    // A closed enum that responses can carry breaks old clients when it gains a value.
    let mut in_responses = response_types(old);
    in_responses.extend(response_types(new));
    let old_by_name: BTreeMap<&str, &TypeDef> = old_types.iter().map(|def| (def.name(), def)).collect();
    let new_by_name: BTreeMap<&str, &TypeDef> = new_types.iter().map(|def| (def.name(), def)).collect();
    for (name, old_def) in &old_by_name {
        match new_by_name.get(name) {
            None => report.push(
                Impact::Breaking,
                "type removed",
                format!("type `{name}`"),
                format!("code naming `{name}` stops compiling: use what replaces it"),
                &type_anchors(old_def),
            ),
            Some(new_def) => compare_type(report, old_def, new_def, &in_responses),
        }
    }
    for (name, def) in new_by_name.iter().filter(|(name, _)| !old_by_name.contains_key(*name)) {
        report.push(
            Impact::Compatible,
            "type added",
            format!("type `{name}`"),
            "a new type; nothing to change",
            &type_anchors(def),
        );
    }
    let names = |defs: &[TypeDef]| defs.iter().map(|def| def.name().to_string()).collect::<Vec<_>>();
    if let Some(moved) = reordered(&names(old_types), &names(new_types)) {
        report.push(
            Impact::Documentation,
            "types reordered",
            "types",
            "the generated files list the types in another order; nothing a caller uses changes",
            &moved.iter().map(|name| ty(name)).collect::<Vec<_>>(),
        );
    }

    let old_by_name: BTreeMap<&str, &Endpoint> = old_endpoints.iter().map(|e| (e.name.as_str(), e)).collect();
    let new_by_name: BTreeMap<&str, &Endpoint> = new_endpoints.iter().map(|e| (e.name.as_str(), e)).collect();
    for (name, old_endpoint) in &old_by_name {
        match new_by_name.get(name) {
            None => report.push(
                Impact::Breaking,
                "endpoint removed",
                format!("endpoint `{name}`"),
                format!("`Client::{name}` and its companions disappear: remove the calls"),
                &[ep(name)],
            ),
            Some(new_endpoint) => compare_endpoint(report, old_endpoint, new_endpoint, (old_api, new_api)),
        }
    }
    for name in new_by_name.keys().filter(|name| !old_by_name.contains_key(*name)) {
        report.push(
            Impact::Compatible,
            "endpoint added",
            format!("endpoint `{name}`"),
            format!("a new method `Client::{name}`; nothing to change"),
            &[ep(name)],
        );
    }
    // Types only ever sent refuse unknown attributes when read from JSON; which ones those are
    // follows from the endpoints that use them.
    let (old_strict, new_strict) = (old.request_only_types(), new.request_only_types());
    let in_both =
        |name: &str| old_types.iter().any(|def| def.name() == name) && new_types.iter().any(|def| def.name() == name);
    for name in old_strict
        .symmetric_difference(&new_strict)
        .filter(|name| in_both(name))
    {
        let (impact, reason) = if new_strict.contains(name) {
            (
                Impact::Behaviour,
                "the type is now only ever sent, so reading it from JSON refuses attributes it does not know (a misspelt attribute in a file is an error instead of being dropped)",
            )
        } else {
            (
                Impact::Compatible,
                "the type is no longer only ever sent, so reading it from JSON ignores attributes it does not know",
            )
        };
        report.push(
            impact,
            "unknown attributes",
            format!("type `{name}`"),
            reason,
            &[ty(name)],
        );
    }
    for (name, old_endpoint) in &old_by_name {
        let Some(new_endpoint) = new_by_name.get(name) else {
            continue;
        };
        let (was, is) = (body_checked(old, old_endpoint), body_checked(new, new_endpoint));
        // A body of another type is reported as such; this is about the same body's rules.
        if was != is && old_endpoint.body == new_endpoint.body {
            let reason = if is {
                "the body's rules are now checked before each call is sent; a body that breaks them is refused with an error instead of reaching the server"
            } else {
                "the body has no rules left, so calls no longer check it before sending"
            };
            report.push(
                Impact::Behaviour,
                "body checks changed",
                format!("endpoint `{name}`"),
                reason,
                &[ep(name)],
            );
        }
    }
    let names = |endpoints: &[Endpoint]| endpoints.iter().map(|e| e.name.clone()).collect::<Vec<_>>();
    if let Some(moved) = reordered(&names(old_endpoints), &names(new_endpoints)) {
        report.push(
            Impact::Documentation,
            "endpoints reordered",
            "endpoints",
            "the generated files list the endpoints in another order; nothing a caller uses changes",
            &moved.iter().map(|name| ep(name)).collect::<Vec<_>>(),
        );
    }
}

/// Whether an endpoint's requests check the body's rules before sending (its body type, or its
/// items' type, has rules of its own or in what it contains).
fn body_checked(spec: &Spec, endpoint: &Endpoint) -> bool {
    let ty = match &endpoint.body {
        Body::None => return false,
        Body::Object { ty, .. } | Body::Array { items: ty, .. } => ty,
    };
    let codegen::model::TypeRef::Named(name) = ty else {
        return false;
    };
    spec.types
        .iter()
        .any(|def| matches!(def, TypeDef::Object(object) if &object.name == name && object.needs_validation))
}

/// When the items common to both lists are not in the same relative order: those items.
fn reordered(old: &[String], new: &[String]) -> Option<Vec<String>> {
    let common_old: Vec<&String> = old.iter().filter(|name| new.contains(name)).collect();
    let common_new: Vec<&String> = new.iter().filter(|name| old.contains(name)).collect();
    (common_old != common_new).then(|| {
        common_old
            .iter()
            .zip(&common_new)
            .filter(|(a, b)| a != b)
            .map(|(a, _)| (*a).clone())
            .collect()
    })
}

/// The named types a response can carry, directly or through fields and arrays.
fn response_types(spec: &Spec) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = spec
        .endpoints
        .iter()
        .filter_map(|e| e.response.named().map(str::to_string))
        .collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        for def in &spec.types {
            if let TypeDef::Object(object) = def {
                if object.name == name {
                    stack.extend(object.fields.iter().filter_map(|f| f.ty.named().map(str::to_string)));
                }
            }
        }
    }
    seen
}

fn compare_api(report: &mut Report, old: &Api, new: &Api, endpoints: (&[Endpoint], &[Endpoint])) {
    // `site` is where the section is written; its file only names the spec in a generated
    // file's header comment.
    let Api {
        name: old_name,
        crate_name: old_crate,
        description: old_description,
        base_url: old_base_url,
        hosts: old_hosts,
        auth: old_auth,
        error_envelope: old_envelope,
        plans: old_plans,
        rate_classes: old_classes,
        statuses: old_statuses,
        exceptions: old_exceptions,
        group_features: old_features,
        site: _,
    } = old;
    let Api {
        name: new_name,
        crate_name: new_crate,
        description: new_description,
        base_url: new_base_url,
        hosts: new_hosts,
        auth: new_auth,
        error_envelope: new_envelope,
        plans: new_plans,
        rate_classes: new_classes,
        statuses: new_statuses,
        exceptions: new_exceptions,
        group_features: new_features,
        site: _,
    } = new;
    let api = word("API");
    match (old_features, new_features) {
        (false, true) => report.push(
            Impact::Breaking,
            "group features added",
            "the API",
            "each group becomes a cargo feature of the client, on by default: nothing changes for a default build, but one with `default-features = false` loses every group until it lists those it uses",
            &[word("feature"), word("cfg")],
        ),
        (true, false) => report.push(
            Impact::Compatible,
            "group features removed",
            "the API",
            "every group is always compiled; the group features are gone (listing them becomes an error only for builds that name them)",
            &[word("feature"), word("cfg")],
        ),
        _ => {}
    }
    if let Some(reason) = compare_statuses(old_statuses, new_statuses) {
        // Endpoints without their own list share the API's (`DEFAULT_STATUSES`); each endpoint's
        // statuses are compared on their own too.
        report.push(
            Impact::Behaviour,
            "default statuses changed",
            "the API",
            format!("{reason} for every endpoint that does not list its own"),
            &[api.clone(), word("DEFAULT_STATUSES")],
        );
    }
    if old_base_url != new_base_url {
        report.push(
            Impact::Behaviour,
            "base URL changed",
            "the API",
            format!(
                "every call goes to `{new_base_url}` instead of `{old_base_url}`; check firewalls, proxies and mocks that expect the old URLs"
            ),
            &api_anchors(),
        );
    }
    if old_crate != new_crate {
        report.push(
            Impact::Documentation,
            "crate name changed",
            "the API",
            format!("doc examples import `{new_crate}` instead of `{old_crate}`"),
            // Doc examples name the crate, and run against its sandbox crate (`<crate>_sandbox`).
            &[
                word(old_crate),
                word(new_crate),
                word(&format!("{old_crate}_sandbox")),
                word(&format!("{new_crate}_sandbox")),
            ],
        );
    }
    if old_name != new_name {
        report.push(
            Impact::Documentation,
            "API name changed",
            "the API",
            format!("docs and `API.name` say `{new_name}` instead of `{old_name}`"),
            &[api.clone(), word(old_name), word(new_name)],
        );
    }
    if old_description != new_description {
        report.push(
            Impact::Documentation,
            "description changed",
            "the API",
            "rustdoc of `API` changes",
            std::slice::from_ref(&api),
        );
    }
    compare_hosts(report, old_hosts, new_hosts);
    compare_auth(report, old_auth, new_auth);
    compare_envelope(report, old_envelope, new_envelope);
    compare_plans(report, old_plans, new_plans);
    compare_rate_classes(report, (old_plans, new_plans), (old_classes, new_classes), endpoints);
    compare_enum(report, old_exceptions, new_exceptions, &BTreeSet::new());
}

fn rate(limit: &RateLimit) -> String {
    let RateLimit { calls, per_millis } = limit;
    let per = if per_millis % 1000 == 0 {
        format!("{} s", per_millis / 1000)
    } else {
        format!("{per_millis} ms")
    };
    let calls = if *calls == 1 {
        "1 call".to_string()
    } else {
        format!("{calls} calls")
    };
    format!("{calls} per {per}")
}

/// What the plans explain: the `Plan` enum, and the API's data (`API.plans`, each class's
/// figures per plan).
fn plan_anchors() -> Vec<Anchor> {
    let mut anchors = api_anchors().to_vec();
    anchors.extend([word("Plan"), word("RateLimitClass")]);
    anchors
}

fn compare_plans(report: &mut Report, old: &[String], new: &[String]) {
    let anchors = plan_anchors();
    for plan in old.iter().filter(|plan| !new.contains(plan)) {
        report.push(
            Impact::Breaking,
            "plan removed",
            format!("plan `{plan}`"),
            format!("`Plan::{plan}` disappears: code naming it stops compiling"),
            &anchors,
        );
    }
    for plan in new.iter().filter(|plan| !old.contains(plan)) {
        report.push(
            Impact::Compatible,
            "plan added",
            format!("plan `{plan}`"),
            format!("a new variant `Plan::{plan}` (`Plan` is `#[non_exhaustive]`)"),
            &anchors,
        );
    }
    let kept = |from: &[String], other: &[String]| -> Vec<String> {
        from.iter().filter(|plan| other.contains(plan)).cloned().collect()
    };
    if kept(old, new) != kept(new, old) {
        report.push(
            Impact::Behaviour,
            "plans reordered",
            "the plans",
            "`Plan::ALL` and `Plan::index` give the plans in another order",
            &anchors,
        );
    }
}

/// The endpoints of `class` in `endpoints`: their docs state the class's figure.
fn class_endpoints<'e>(endpoints: &'e [Endpoint], class: &'e str) -> impl Iterator<Item = Anchor> + 'e {
    endpoints
        .iter()
        .filter(move |endpoint| endpoint.rate_class == class)
        .map(|endpoint| ep(&endpoint.name))
}

fn compare_rate_classes(
    report: &mut Report,
    plans: (&[String], &[String]),
    (old, new): (&[RateClass], &[RateClass]),
    endpoints: (&[Endpoint], &[Endpoint]),
) {
    let subject = |name: &str| format!("rate-limit class `{name}`");
    for old_class in old {
        let RateClass {
            name,
            rust: old_rust,
            description: old_description,
            default: old_default,
            plans: _,
        } = old_class;
        let mut anchors = plan_anchors();
        anchors.extend(class_endpoints(endpoints.0, name));
        anchors.extend(class_endpoints(endpoints.1, name));
        let Some(new_class) = new.iter().find(|class| class.name == *name) else {
            report.push(
                Impact::Breaking,
                "rate-limit class removed",
                subject(name),
                format!("`RateLimitClass::{old_rust}` disappears: code naming it stops compiling"),
                &anchors,
            );
            continue;
        };
        let RateClass {
            name: _,
            rust: _,
            description: new_description,
            default: new_default,
            plans: _,
        } = new_class;
        let mut figures = Vec::new();
        let mut documented = Vec::new();
        if old_default != new_default {
            figures.push(format!(
                "without a plan {} instead of {}",
                rate(new_default),
                rate(old_default)
            ));
        }
        for (index, plan) in plans.1.iter().enumerate() {
            let Some(old_index) = plans.0.iter().position(|old_plan| old_plan == plan) else {
                continue;
            };
            let (before, after) = (old_class.on_plan(old_index), new_class.on_plan(index));
            let given = |class: &RateClass, index: usize| class.plans.get(index).copied().flatten().is_some();
            if before != after {
                figures.push(format!("on {plan} {} instead of {}", rate(&after), rate(&before)));
            } else if given(old_class, old_index) != given(new_class, index) {
                documented.push(plan.as_str());
            }
        }
        if !documented.is_empty() {
            report.push(
                Impact::Documentation,
                "plan figure documented",
                subject(name),
                format!(
                    "the docs of `Plan` and `RateLimitClass` say whether the spec gives the class's figure on {} (the figure, the class's default, is the same)",
                    documented.join(", ")
                ),
                &[word("Plan"), word("RateLimitClass")],
            );
        }
        if !figures.is_empty() {
            report.push(
                Impact::Behaviour,
                "rate limit changed",
                subject(name),
                format!(
                    "{}: bulk jobs, page walks and waiting calls of its endpoints pace to it",
                    figures.join(", ")
                ),
                &anchors,
            );
        }
        if old_description != new_description {
            report.push(
                Impact::Documentation,
                "description changed",
                subject(name),
                format!("rustdoc of `RateLimitClass::{old_rust}` changes"),
                &[word("RateLimitClass")],
            );
        }
    }
    for class in new.iter().filter(|class| !old.iter().any(|old| old.name == class.name)) {
        let mut anchors = plan_anchors();
        anchors.extend(class_endpoints(endpoints.1, &class.name));
        report.push(
            Impact::Compatible,
            "rate-limit class added",
            subject(&class.name),
            format!(
                "a new variant `RateLimitClass::{}` (`RateLimitClass` is `#[non_exhaustive]`), and a limiter of its own in each client",
                class.rust
            ),
            &anchors,
        );
    }
    let order = |from: &[RateClass], other: &[RateClass]| -> Vec<String> {
        from.iter()
            .filter(|class| other.iter().any(|o| o.name == class.name))
            .map(|class| class.name.clone())
            .collect()
    };
    // A new first class moves the endpoints that name none: each endpoint reports its move.
    if order(old, new) != order(new, old) {
        let mut anchors = plan_anchors();
        anchors.extend(endpoints.0.iter().chain(endpoints.1).map(|endpoint| ep(&endpoint.name)));
        report.push(
            Impact::Behaviour,
            "rate-limit classes reordered",
            "the rate-limit classes",
            "`RateLimitClass::ALL` changes order, and the first class (of endpoints that name none, and of `Client::call`) may be another",
            &anchors,
        );
    }
}

fn compare_hosts(report: &mut Report, old: &[Host], new: &[Host]) {
    let anchors = [word("Region")];
    for old_host in old {
        let Host {
            region,
            host: old_name,
            description: old_description,
            default: _,
        } = old_host;
        let Some(new_host) = new.iter().find(|h| h.region == *region) else {
            report.push(
                Impact::Breaking,
                "region removed",
                format!("region `{region}`"),
                format!("code naming `Region::{region}` stops compiling: choose another region or set the host"),
                &anchors,
            );
            continue;
        };
        let Host {
            region: _,
            host: new_name,
            description: new_description,
            default: _,
        } = new_host;
        if old_name != new_name {
            report.push(
                Impact::Behaviour,
                "host changed",
                format!("region `{region}`"),
                format!("calls for `Region::{region}` go to `{new_name}` instead of `{old_name}`"),
                &anchors,
            );
        }
        if old_description != new_description {
            report.push(
                Impact::Documentation,
                "description changed",
                format!("region `{region}`"),
                "rustdoc changes",
                &anchors,
            );
        }
    }
    for host in new.iter().filter(|h| !old.iter().any(|o| o.region == h.region)) {
        report.push(
            Impact::Compatible,
            "region added",
            format!("region `{}`", host.region),
            "a new `Region` variant (the enum is non-exhaustive); nothing to change",
            &anchors,
        );
    }
    let default = |hosts: &[Host]| {
        hosts
            .iter()
            .find(|h| h.default)
            .map(|h| (h.region.clone(), h.host.clone()))
    };
    if let (Some(old_default), Some(new_default)) = (default(old), default(new)) {
        if old_default != new_default {
            report.push(
            Impact::Behaviour,
            "default region changed",
            "the API",
            format!(
                "clients built without a region or host call `{}` (`Region::{}`) instead of `{}` (`Region::{}`), where keys of other accounts are refused: set the region explicitly to keep the old one",
                new_default.1, new_default.0, old_default.1, old_default.0
            ),
            &anchors,
            );
        }
    }
    let regions = |hosts: &[Host]| hosts.iter().map(|h| h.region.clone()).collect::<Vec<_>>();
    if reordered(&regions(old), &regions(new)).is_some() {
        report.push(
            Impact::Behaviour,
            "regions reordered",
            "the API",
            "`Region::ALL` lists the regions in another order",
            &anchors,
        );
    }
}

fn compare_auth(report: &mut Report, old: &Auth, new: &Auth) {
    let Auth {
        preferred: old_preferred,
        header: old_header,
        query: old_query,
    } = old;
    let Auth {
        preferred: new_preferred,
        header: new_header,
        query: new_query,
    } = new;
    let mut what = Vec::new();
    if old_preferred != new_preferred {
        what.push("the placement the client uses by default".to_string());
    }
    for (placement, old_names, new_names) in [("header", old_header, new_header), ("query", old_query, new_query)] {
        let KeyNames {
            access_key: old_access,
            secret_key: old_secret,
        } = old_names;
        let KeyNames {
            access_key: new_access,
            secret_key: new_secret,
        } = new_names;
        if old_access != new_access {
            what.push(format!(
                "the access key's {placement} name `{new_access}` (was `{old_access}`)"
            ));
        }
        if old_secret != new_secret {
            what.push(format!(
                "the secret key's {placement} name `{new_secret}` (was `{old_secret}`)"
            ));
        }
    }
    if !what.is_empty() {
        report.push(
            Impact::Behaviour,
            "authentication changed",
            "the API",
            format!("credentials are sent differently: {}", what.join("; ")),
            &api_anchors(),
        );
    }
}

fn compare_envelope(report: &mut Report, old: &ErrorEnvelope, new: &ErrorEnvelope) {
    let ErrorEnvelope {
        status_field: old_status,
        error_value: old_error,
        type_field: old_type,
        message_field: old_message,
    } = old;
    let ErrorEnvelope {
        status_field: new_status,
        error_value: new_error,
        type_field: new_type,
        message_field: new_message,
    } = new;
    let mut what = Vec::new();
    for (role, old_name, new_name) in [
        ("status attribute", old_status, new_status),
        ("error value", old_error, new_error),
        ("exception type attribute", old_type, new_type),
        ("message attribute", old_message, new_message),
    ] {
        if old_name != new_name {
            what.push(format!("the {role} `{new_name}` (was `{old_name}`)"));
        }
    }
    if !what.is_empty() {
        report.push(
            Impact::Behaviour,
            "error envelope changed",
            "the API",
            format!("errors are recognised by {}", what.join("; ")),
            &api_anchors(),
        );
    }
}

fn compare_type(report: &mut Report, old: &TypeDef, new: &TypeDef, in_responses: &BTreeSet<String>) {
    match (old, new) {
        (TypeDef::Object(old), TypeDef::Object(new)) => compare_object(report, old, new),
        (TypeDef::Enum(old), TypeDef::Enum(new)) => compare_enum(report, old, new, in_responses),
        (TypeDef::Attributes(old), TypeDef::Attributes(new)) => compare_attributes(report, old, new),
        _ => report.push(
            Impact::Breaking,
            "type kind changed",
            format!("type `{}`", old.name()),
            "the type became another kind (object, enum, attribute list): code building or matching it stops compiling",
            &[ty(old.name())],
        ),
    }
}

/// The rules for an attribute list: its setters are its API; its pair names are its wire form.
fn compare_attributes(report: &mut Report, old: &AttributesDef, new: &AttributesDef) {
    let AttributesDef {
        name,
        group: old_group,
        description: old_description,
        attribute: old_attribute,
        value: old_value,
        fields: old_fields,
        attributes: old_attributes,
        // A node's position in its file is not part of the API.
        site: _,
    } = old;
    let AttributesDef {
        name: _,
        group: new_group,
        description: new_description,
        attribute: new_attribute,
        value: new_value,
        fields: new_fields,
        attributes: new_attributes,
        site: _,
    } = new;
    compare_module(report, name, old_group.as_deref(), new_group.as_deref());
    let anchors = [ty(name)];
    let subject = format!("attribute list `{name}`");
    if (old_attribute, old_value) != (new_attribute, new_value) {
        report.push(
            Impact::Behaviour,
            "pair names changed",
            subject.clone(),
            format!(
                "entries are sent as `{{\"{new_attribute}\": …, \"{new_value}\": …}}` instead of `{{\"{old_attribute}\": …, \"{old_value}\": …}}`"
            ),
            &anchors,
        );
    }
    match (old_fields, new_fields) {
        (None, Some(key)) => report.push(
            Impact::Compatible,
            "nested fields added",
            subject.clone(),
            format!("`set_with_fields` sends an attribute with its own pairs in `{key}`"),
            &anchors,
        ),
        (Some(_), None) => report.push(
            Impact::Breaking,
            "nested fields removed",
            subject.clone(),
            "`set_with_fields` disappears: custom field sets cannot be sent".to_string(),
            &anchors,
        ),
        (Some(old_key), Some(new_key)) if old_key != new_key => report.push(
            Impact::Behaviour,
            "pair names changed",
            subject.clone(),
            format!("a custom field set's own pairs are sent in `{new_key}` instead of `{old_key}`"),
            &anchors,
        ),
        _ => {}
    }
    if old_description != new_description {
        report.push(
            Impact::Documentation,
            "description changed",
            subject.clone(),
            "rustdoc changes",
            &anchors,
        );
    }
    for old_field in old_attributes {
        let attribute = format!("attribute list `{name}`, attribute `{}`", old_field.wire);
        match new_attributes.iter().find(|field| field.wire == old_field.wire) {
            None => report.push(
                Impact::Breaking,
                "attribute setter removed",
                attribute,
                format!(
                    "`{name}::{}` disappears: call `.set(\"{}\", …)` instead",
                    old_field.rust, old_field.wire
                ),
                &anchors,
            ),
            Some(new_field) if new_field.rust != old_field.rust => report.push(
                Impact::Breaking,
                "attribute setter renamed",
                attribute,
                format!("`{name}::{}` is now `{name}::{}`", old_field.rust, new_field.rust),
                &anchors,
            ),
            Some(new_field) if new_field.description != old_field.description => report.push(
                Impact::Documentation,
                "description changed",
                attribute,
                "rustdoc changes",
                &anchors,
            ),
            Some(_) => {}
        }
    }
    for new_field in new_attributes
        .iter()
        .filter(|field| !old_attributes.iter().any(|old| old.wire == field.wire))
    {
        report.push(
            Impact::Compatible,
            "attribute setter added",
            format!("attribute list `{name}`, attribute `{}`", new_field.wire),
            format!("`{name}::{}` sets `{}`", new_field.rust, new_field.wire),
            &anchors,
        );
    }
}

/// A type moving between group modules: its path `crate::<group>::Type` changes.
///
/// The rule for the group of objects and enums: a type without a group lives at the crate root.
fn compare_module(report: &mut Report, name: &str, old: Option<&str>, new: Option<&str>) {
    if old == new {
        return;
    }
    let place = |group: Option<&str>| match group {
        Some(group) => format!("the module `{group}`"),
        None => "the crate root".to_string(),
    };
    report.push(
        Impact::Breaking,
        "module changed",
        format!("type `{name}`"),
        format!(
            "the type moves from {} to {}: change the `use` lines and paths that name it",
            place(old),
            place(new)
        ),
        // The group's module appears or goes with its types.
        &[Some(name), old, new]
            .into_iter()
            .flatten()
            .map(word)
            .chain([ty(name)])
            .collect::<Vec<_>>(),
    );
}

fn compare_object(report: &mut Report, old: &ObjectDef, new: &ObjectDef) {
    let ObjectDef {
        name,
        group: old_group,
        description: old_description,
        fields: old_fields,
        rules: old_rules,
        needs_validation: old_validation,
        additional_fields: old_additional,
        // A node's position in its file is not part of the API.
        site: _,
    } = old;
    let ObjectDef {
        name: _,
        group: new_group,
        description: new_description,
        fields: new_fields,
        rules: new_rules,
        needs_validation: new_validation,
        additional_fields: new_additional,
        site: _,
    } = new;
    compare_module(report, name, old_group.as_deref(), new_group.as_deref());
    let anchors = [ty(name)];
    let subject = format!("type `{name}`");
    compare_fields(
        report,
        &FieldsAt {
            owner: name,
            role: Role::Object {
                additional_fields: *old_additional,
            },
            anchors: &anchors,
        },
        old_fields,
        new_fields,
    );
    compare_rules(
        report,
        &subject,
        &anchors,
        (old_rules, old_fields),
        (new_rules, new_fields),
    );
    match (old_validation, new_validation) {
        (false, true) => report.push(
            Impact::Behaviour,
            "validation changed",
            subject.clone(),
            "the type gains `Validate`: values are now checked against rules before sending, and requests that break them fail with `Error::InvalidBody` or `Error::InvalidItem` instead of reaching the server",
            &anchors,
        ),
        (true, false) => report.push(
            Impact::Breaking,
            "validation removed",
            subject.clone(),
            "the type no longer implements `Validate` (it has no rules left to check): remove calls to `validate()` on it",
            &anchors,
        ),
        _ => {}
    }
    match (old_additional, new_additional) {
        (false, true) => report.push(
            Impact::Compatible,
            "additional fields added",
            subject.clone(),
            "attributes the spec does not name are now kept in `additional_fields`; nothing to change",
            &anchors,
        ),
        (true, false) => report.push(
            Impact::Breaking,
            "additional fields removed",
            subject.clone(),
            "the `additional_fields` map disappears and unnamed attributes are dropped: remove code that reads or fills it",
            &anchors,
        ),
        (false, false) | (true, true) => {}
    }
    if old_description != new_description {
        report.push(
            Impact::Documentation,
            "description changed",
            subject,
            "rustdoc changes",
            &anchors,
        );
    }
}

fn compare_rules(
    report: &mut Report,
    subject: &str,
    anchors: &[Anchor],
    old: (&[Rule], &[Field]),
    new: (&[Rule], &[Field]),
) {
    // Rules point at fields by index; compare them by the fields' wire names.
    let wire = |fields: &[Field], index: usize| fields.get(index).map(|f| f.wire.clone()).unwrap_or_default();
    let groups = |(rules, fields): (&[Rule], &[Field])| -> Vec<(&'static str, Vec<String>, String)> {
        rules
            .iter()
            .filter_map(|rule| {
                let (kind, indices, description) = rule.group()?;
                let mut names: Vec<String> = indices.iter().map(|&i| wire(fields, i)).collect();
                names.sort();
                Some((kind, names, description.to_owned()))
            })
            .collect()
    };
    let limits = |(rules, fields): (&[Rule], &[Field])| -> Vec<(String, usize, Option<usize>)> {
        rules
            .iter()
            .filter_map(|rule| match rule {
                Rule::ItemCount { field, min, max } => Some((wire(fields, *field), *min, *max)),
                _ => None,
            })
            .collect()
    };
    // What a group rule refuses, e.g. "values setting more than one of `A`, `B`".
    let refused = |kind: &str, fields: &[String]| match kind {
        "at_least_one_of" => format!("values setting none of {}", quoted(fields)),
        "exactly_one_of" => format!("values setting none or several of {}", quoted(fields)),
        _ => format!("values setting more than one of {}", quoted(fields)),
    };
    let (old_limits, new_limits) = (limits(old), limits(new));
    let (old, new) = (groups(old), groups(new));
    for (kind, fields, description) in &old {
        match new.iter().find(|(k, f, _)| k == kind && f == fields) {
            None => report.push(
                Impact::Behaviour,
                "rule removed",
                subject,
                format!("{} are no longer refused before sending", refused(kind, fields)),
                anchors,
            ),
            Some((_, _, new_description)) if new_description != description => report.push(
                Impact::Behaviour,
                "rule changed",
                subject,
                format!("the error for `{kind}` {} says: {new_description}", quoted(fields)),
                anchors,
            ),
            Some(_) => {}
        }
    }
    for (kind, fields, _) in new
        .iter()
        .filter(|(k, f, _)| !old.iter().any(|(ok, of, _)| ok == k && of == f))
    {
        report.push(
            Impact::Breaking,
            "rule added",
            subject,
            format!(
                "{} are refused before sending (`Error::InvalidBody`, `Error::InvalidItem`): follow `{kind}`",
                refused(kind, fields)
            ),
            anchors,
        );
    }
    // An item limit on a field: a new or tighter one refuses values accepted before.
    for (field, old_min, old_max) in &old_limits {
        let before = items(*old_min, *old_max);
        match new_limits.iter().find(|(f, _, _)| f == field) {
            None => report.push(
                Impact::Behaviour,
                "item limit removed",
                subject,
                format!("`{field}` is no longer held to {before} before sending"),
                anchors,
            ),
            Some((_, new_min, new_max)) if (new_min, new_max) != (old_min, old_max) => {
                let after = items(*new_min, *new_max);
                let lowered = match (old_max, new_max) {
                    (None, Some(_)) => true,
                    (Some(old), Some(new)) => new < old,
                    (_, None) => false,
                };
                if lowered || new_min > old_min {
                    report.push(
                        Impact::Breaking,
                        "item limit tightened",
                        subject,
                        format!(
                            "`{field}` takes {after} instead of {before}: values accepted before are refused before sending; split them"
                        ),
                        anchors,
                    );
                } else {
                    report.push(
                        Impact::Behaviour,
                        "item limit loosened",
                        subject,
                        format!("`{field}` takes {after} instead of {before}"),
                        anchors,
                    );
                }
            }
            Some(_) => {}
        }
    }
    for (field, min, max) in new_limits
        .iter()
        .filter(|(f, _, _)| !old_limits.iter().any(|(o, _, _)| o == f))
    {
        report.push(
            Impact::Breaking,
            "item limit added",
            subject,
            format!(
                "`{field}` takes {} and is checked before sending: values outside it are refused with `Error::InvalidBody` or `Error::InvalidItem`",
                items(*min, *max)
            ),
            anchors,
        );
    }
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// Whose fields are compared: an object's, or an endpoint's query parameters.
#[derive(Clone, Copy)]
enum Role {
    Object {
        /// Whether the old type kept unnamed attributes in `additional_fields`.
        additional_fields: bool,
    },
    Query,
}

struct FieldsAt<'a> {
    owner: &'a str,
    role: Role,
    anchors: &'a [Anchor],
}

impl FieldsAt<'_> {
    fn subject(&self, wire: &str) -> String {
        match self.role {
            Role::Object { .. } => format!("type `{}`, field `{wire}`", self.owner),
            Role::Query => format!("endpoint `{}`, query parameter `{wire}`", self.owner),
        }
    }

    fn kind(&self, object: &'static str, query: &'static str) -> &'static str {
        match self.role {
            Role::Object { .. } => object,
            Role::Query => query,
        }
    }

    /// `Row::new` or `Client::add_rows`: what takes the required ones as positional arguments.
    fn positional(&self) -> String {
        match self.role {
            Role::Object { .. } => format!("`{}::new`", self.owner),
            Role::Query => format!("`Client::{}`", self.owner),
        }
    }

    fn push(
        &self,
        report: &mut Report,
        impact: Impact,
        kind: (&'static str, &'static str),
        wire: &str,
        reason: String,
    ) {
        report.push(
            impact,
            self.kind(kind.0, kind.1),
            self.subject(wire),
            reason,
            self.anchors,
        );
    }
}

fn compare_fields(report: &mut Report, at: &FieldsAt<'_>, old: &[Field], new: &[Field]) {
    // Pairs (old index, new index): by wire name, then by Rust name (a wire rename).
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for (i, old_field) in old.iter().enumerate() {
        let taken = |j: usize| pairs.iter().any(|&(_, t)| t == j);
        let found = new
            .iter()
            .enumerate()
            .find(|(j, f)| !taken(*j) && f.wire == old_field.wire)
            .or_else(|| {
                new.iter()
                    .enumerate()
                    .find(|(j, f)| !taken(*j) && f.rust == old_field.rust && !old.iter().any(|o| o.wire == f.wire))
            });
        match found {
            Some((j, _)) => pairs.push((i, j)),
            None => {
                let removed = &old[i];
                at.push(
                    report,
                    Impact::Breaking,
                    ("field removed", "parameter removed"),
                    &removed.wire,
                    match at.role {
                        Role::Object { .. } => format!(
                            "`{}` and its setter disappear: remove code that reads or sets it",
                            removed.rust
                        ),
                        Role::Query => format!(
                            "the method no longer takes `{}`: remove it from the calls",
                            removed.rust
                        ),
                    },
                );
            }
        }
    }
    for &(i, j) in &pairs {
        compare_field(report, at, &old[i], &new[j]);
    }
    for (j, added) in new
        .iter()
        .enumerate()
        .filter(|(j, _)| !pairs.iter().any(|&(_, t)| t == *j))
    {
        let position = new[..j].iter().filter(|f| f.required).count() + 1;
        match (at.role, added.required) {
            (Role::Object { additional_fields: true }, _) => at.push(
                report,
                Impact::Breaking,
                ("field added", "parameter added"),
                &added.wire,
                format!(
                    "the attribute `{}` is no longer kept in `additional_fields`: code reading it from the map gets `None`; read the field `{}` instead",
                    added.wire, added.rust
                ),
            ),
            (_, true) => at.push(
                report,
                Impact::Breaking,
                ("field added", "parameter added"),
                &added.wire,
                format!(
                    "required: {} takes a new argument `{}` at position {position}; add it to every call",
                    at.positional(),
                    added.rust
                ),
            ),
            (Role::Object { .. }, false) => at.push(
                report,
                Impact::Compatible,
                ("field added", "parameter added"),
                &added.wire,
                format!(
                    "optional: a new `Option` field `{}` and setter `with_{}`; nothing to change",
                    added.rust, added.rust
                ),
            ),
            (Role::Query, false) => at.push(
                report,
                Impact::Compatible,
                ("field added", "parameter added"),
                &added.wire,
                format!(
                    "optional: a new setter for `{}`; calls that do not set it send the same request",
                    added.rust
                ),
            ),
        }
    }
    // Order: required ones are positional arguments; the rest only orders the wire.
    let common: Vec<(usize, usize)> = {
        let mut common = pairs.clone();
        common.sort();
        common
    };
    let in_order = |list: &[(usize, usize)]| list.windows(2).all(|w| w[0].1 < w[1].1);
    let required: Vec<(usize, usize)> = common
        .iter()
        .copied()
        .filter(|&(i, j)| old[i].required && new[j].required)
        .collect();
    if !in_order(&required) {
        let names = |fields: &[Field]| {
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.rust.clone())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let call = at.positional();
        let call = call.trim_matches('`');
        report.push(
            Impact::Breaking,
            at.kind("required fields reordered", "required parameters reordered"),
            match at.role {
                Role::Object { .. } => format!("type `{}`", at.owner),
                Role::Query => format!("endpoint `{}`", at.owner),
            },
            format!(
                "`{call}({})` becomes `{call}({})`: calls whose arguments have the same types still compile and pass each value as the other; reorder the arguments of every call",
                names(old),
                names(new)
            ),
            at.anchors,
        );
    } else if !in_order(&common) {
        report.push(
            Impact::Behaviour,
            at.kind("fields reordered", "parameters reordered"),
            match at.role {
                Role::Object { .. } => format!("type `{}`", at.owner),
                Role::Query => format!("endpoint `{}`", at.owner),
            },
            match at.role {
                Role::Object { .. } => "attributes are serialized in another order; the Rust API is the same",
                Role::Query => "optional parameters are sent in another order; the Rust API is the same",
            },
            at.anchors,
        );
    }
}

fn compare_field(report: &mut Report, at: &FieldsAt<'_>, old: &Field, new: &Field) {
    let Field {
        wire: old_wire,
        rust: old_rust,
        ty: old_ty,
        required: old_required,
        encoding: old_encoding,
        boxed: old_boxed,
        description: old_description,
        // A node's position in its file is not part of the API.
        site: _,
    } = old;
    let Field {
        wire: new_wire,
        rust: new_rust,
        ty: new_ty,
        required: new_required,
        encoding: new_encoding,
        boxed: new_boxed,
        description: new_description,
        site: _,
    } = new;
    let (old_lenient, new_lenient) = (
        &(*old_encoding == Encoding::Lenient),
        &(*new_encoding == Encoding::Lenient),
    );
    let (old_json_string, new_json_string) = (
        &(*old_encoding == Encoding::JsonString),
        &(*new_encoding == Encoding::JsonString),
    );
    let (old_as_string, new_as_string) = (
        &(*old_encoding == Encoding::AsString),
        &(*new_encoding == Encoding::AsString),
    );
    let wire = old_wire.as_str();
    if old_wire != new_wire {
        at.push(
            report,
            Impact::Behaviour,
            ("wire name changed", "wire name changed"),
            wire,
            format!("the same Rust name `{new_rust}` is sent and read as `{new_wire}`"),
        );
    }
    if old_rust != new_rust {
        at.push(
            report,
            Impact::Breaking,
            ("field renamed in Rust", "parameter renamed in Rust"),
            wire,
            format!("`{old_rust}` becomes `{new_rust}`: rename it in code that uses it"),
        );
    }
    if old_ty != new_ty {
        at.push(
            report,
            Impact::Breaking,
            ("field type changed", "parameter type changed"),
            wire,
            format!("`{old_ty}` becomes `{new_ty}`: pass and read the new type"),
        );
    }
    if old_required != new_required {
        let reason = match (at.role, new_required) {
            (Role::Object { .. }, true) => format!(
                "optional becomes required: `{new_rust}` is no longer an `Option` and {} takes it; pass it there",
                at.positional()
            ),
            (Role::Object { .. }, false) => format!(
                "required becomes optional: `{new_rust}` becomes an `Option` and leaves {}; set it with `with_{new_rust}`",
                at.positional()
            ),
            (Role::Query, true) => format!(
                "optional becomes required: {} takes `{new_rust}` as an argument",
                at.positional()
            ),
            (Role::Query, false) => format!(
                "required becomes optional: {} no longer takes `{new_rust}`; set it with its builder method",
                at.positional()
            ),
        };
        at.push(
            report,
            Impact::Breaking,
            ("optionality changed", "optionality changed"),
            wire,
            reason,
        );
    }
    // Between `lenient` and `as_string` the `as_string` rule below speaks: both read either form.
    if old_lenient != new_lenient && !(*old_as_string || *new_as_string) {
        let (impact, reason) = if *new_lenient {
            (
                Impact::Behaviour,
                "numbers or booleans sent as strings are now accepted when decoding",
            )
        } else {
            (
                Impact::Breaking,
                "values sent as strings are now refused when decoding: responses that carry them fail",
            )
        };
        at.push(
            report,
            impact,
            ("decoding changed", "decoding changed"),
            wire,
            reason.into(),
        );
    }
    if old_json_string != new_json_string {
        at.push(
            report,
            Impact::Breaking,
            ("decoding changed", "decoding changed"),
            wire,
            "the value now travels differently (as JSON inside a string, or not): old clients cannot read the new form"
                .into(),
        );
    }
    if old_as_string != new_as_string {
        // `as_string` reads both forms, so adding it only loosens decoding; removing it refuses
        // the quoted form unless the field stays lenient.
        let (impact, reason) = match (*new_as_string, *new_encoding == Encoding::Lenient) {
            (true, _) => (
                Impact::Behaviour,
                "the number is now sent as a string holding it (`\"12003\"`), and read in either form",
            ),
            (false, true) => (
                Impact::Behaviour,
                "the number is now sent as a JSON number; it is still read in either form",
            ),
            (false, false) => (
                Impact::Breaking,
                "the number is now sent as a JSON number, and a string holding one is refused when decoding: responses that carry one fail",
            ),
        };
        at.push(
            report,
            impact,
            ("encoding changed", "encoding changed"),
            wire,
            reason.into(),
        );
    }
    if old_boxed != new_boxed {
        at.push(
            report,
            Impact::Breaking,
            ("boxing changed", "boxing changed"),
            wire,
            format!(
                "the field's type {} `Box`: code reading it changes",
                if *new_boxed { "gains" } else { "loses" }
            ),
        );
    }
    if old_description != new_description {
        at.push(
            report,
            Impact::Documentation,
            ("description changed", "description changed"),
            wire,
            "rustdoc changes".into(),
        );
    }
}

fn compare_enum(report: &mut Report, old: &EnumDef, new: &EnumDef, in_responses: &BTreeSet<String>) {
    let EnumDef {
        name,
        group: old_group,
        description: old_description,
        open: old_open,
        integer: old_integer,
        values: old_values,
        // A node's position in its file is not part of the API.
        site: _,
    } = old;
    let EnumDef {
        name: _,
        group: new_group,
        description: new_description,
        open: new_open,
        integer: new_integer,
        values: new_values,
        site: _,
    } = new;
    compare_module(report, name, old_group.as_deref(), new_group.as_deref());
    let anchors = [ty(name)];
    let subject = |value: &str| format!("enum `{name}`, value `{value}`");
    for old_value in old_values {
        let EnumValue {
            wire,
            rust: old_rust,
            description: old_value_description,
            rate_limited: old_limited,
            processed: old_processed,
            // A node's position in its file is not part of the API.
            site: _,
        } = old_value;
        let Some(new_value) = new_values.iter().find(|v| v.wire == *wire) else {
            report.push(
                Impact::Breaking,
                "enum value removed",
                subject(wire),
                format!("`{name}::{old_rust}` disappears: remove code that names it"),
                &anchors,
            );
            continue;
        };
        let EnumValue {
            wire: _,
            rust: new_rust,
            description: new_value_description,
            rate_limited: new_limited,
            processed: new_processed,
            site: _,
        } = new_value;
        if old_rust != new_rust {
            report.push(
                Impact::Breaking,
                "enum variant renamed",
                subject(wire),
                format!("`{name}::{old_rust}` becomes `{name}::{new_rust}`: rename it where it is used"),
                &anchors,
            );
        }
        if old_limited != new_limited {
            let reason = if *new_limited {
                format!(
                    "`{name}::{new_rust}` now means the rate limit was hit: `is_rate_limit()` is true for it and bulk jobs slow down and retry"
                )
            } else {
                format!("`{name}::{new_rust}` no longer means the rate limit was hit: bulk jobs stop retrying on it")
            };
            report.push(
                Impact::Behaviour,
                "rate-limit flag changed",
                subject(wire),
                reason,
                &anchors,
            );
        }
        if old_processed != new_processed {
            let say = |processed: &Option<codegen::model::Processed>| match processed {
                None => "as its status says",
                Some(codegen::model::Processed::Always) => "always",
                Some(codegen::model::Processed::Never) => "never",
                Some(codegen::model::Processed::Unknown) => "unknown",
            };
            report.push(
                Impact::Behaviour,
                "processed changed",
                subject(wire),
                format!(
                    "a call answered with `{name}::{new_rust}` now counts as processed: {} (was {}), which decides whether bulk jobs resend its rows",
                    say(new_processed),
                    say(old_processed)
                ),
                &anchors,
            );
        }
        if old_value_description != new_value_description {
            report.push(
                Impact::Documentation,
                "description changed",
                subject(wire),
                "rustdoc changes",
                &anchors,
            );
        }
    }
    for value in new_values
        .iter()
        .filter(|v| !old_values.iter().any(|o| o.wire == v.wire))
    {
        let decoded_closed = !*old_open && in_responses.contains(name);
        let (impact, reason) = if decoded_closed {
            (
                Impact::Breaking,
                format!(
                    "`{name}` is closed and responses carry it: clients built before this change fail to decode a response with `{}`; upgrade them before the server sends it",
                    value.wire
                ),
            )
        } else {
            (
                Impact::Compatible,
                format!(
                    "a new variant `{name}::{}` (the enum is non-exhaustive); nothing to change",
                    value.rust
                ),
            )
        };
        report.push(impact, "enum value added", subject(&value.wire), reason, &anchors);
    }
    let wires = |values: &[EnumValue]| values.iter().map(|v| v.wire.clone()).collect::<Vec<_>>();
    if reordered(&wires(old_values), &wires(new_values)).is_some() {
        report.push(
            Impact::Behaviour,
            "enum values reordered",
            format!("enum `{name}`"),
            format!("`{name}::KNOWN` lists the values in another order"),
            &anchors,
        );
    }
    if old_integer != new_integer {
        let reason = if *new_integer {
            format!(
                "`{name}`'s values now go on the wire as JSON integers, not strings: `as_str` becomes `as_i64`, and answers carrying them quoted only still decode"
            )
        } else {
            format!(
                "`{name}`'s values now go on the wire as strings, not JSON integers: `as_i64` becomes `as_str`, and answers carrying bare integers fail to decode"
            )
        };
        report.push(
            Impact::Breaking,
            "enum wire type changed",
            format!("enum `{name}`"),
            reason,
            &anchors,
        );
    }
    if old_open != new_open {
        let reason = if *new_open {
            format!(
                "unknown values are now kept in `{name}::Other(String)`: `{name}` is no longer `Copy`, and matches need the new variant; clone where values were copied"
            )
        } else {
            format!(
                "`{name}::Other(String)` disappears and unknown values fail to decode: remove code that matches `Other`"
            )
        };
        report.push(
            Impact::Breaking,
            "enum openness changed",
            format!("enum `{name}`"),
            reason,
            &anchors,
        );
    }
    if old_description != new_description {
        report.push(
            Impact::Documentation,
            "description changed",
            format!("enum `{name}`"),
            "rustdoc changes",
            &anchors,
        );
    }
}

fn method(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
    }
}

fn items(min: usize, max: Option<usize>) -> String {
    match max {
        Some(max) if min == 0 => format!("at most {max} items"),
        Some(max) => format!("{min} to {max} items"),
        None => format!("at least {min} items"),
    }
}

/// The bulk method `<name>_all` exists for array bodies with a maximum.
fn has_bulk(body: &Body) -> bool {
    match body {
        Body::Array { max_items, .. } => max_items.is_some(),
        Body::None | Body::Object { .. } => false,
    }
}

fn compare_endpoint(report: &mut Report, old: &Endpoint, new: &Endpoint, apis: (&Api, &Api)) {
    // `site` is where the endpoint is written; its file only names the spec in a generated
    // file's header comment.
    let Endpoint {
        name,
        title: old_title,
        group: old_group,
        description: old_description,
        docs_url: old_docs_url,
        method: old_method,
        path: old_path,
        idempotent: old_idempotent,
        changes_state: old_changes_state,
        query: old_query,
        body: old_body,
        response: old_response,
        unwrap: old_unwrap,
        rate_class: old_rate_class,
        statuses: old_statuses,
        query_example: old_query_example,
        request_example: old_request_example,
        response_example: old_response_example,
        pagination: old_pagination,
        row_results: old_row_results,
        site: _,
    } = old;
    let Endpoint {
        name: _,
        title: new_title,
        group: new_group,
        description: new_description,
        docs_url: new_docs_url,
        method: new_method,
        path: new_path,
        idempotent: new_idempotent,
        changes_state: new_changes_state,
        query: new_query,
        body: new_body,
        response: new_response,
        unwrap: new_unwrap,
        rate_class: new_rate_class,
        statuses: new_statuses,
        query_example: new_query_example,
        request_example: new_request_example,
        response_example: new_response_example,
        pagination: new_pagination,
        row_results: new_row_results,
        site: _,
    } = new;
    let anchors = [ep(name)];
    let at = format!("endpoint `{name}`");
    let mut push = |impact, kind, reason: String| report.push(impact, kind, at.clone(), reason, &anchors);
    if old_method != new_method {
        push(
            Impact::Behaviour,
            "HTTP method changed",
            format!(
                "`Client::{name}` sends `{} {new_path}` instead of `{} {old_path}`; the signature is the same",
                method(*new_method),
                method(*old_method)
            ),
        );
    } else if old_path != new_path {
        push(
            Impact::Behaviour,
            "path changed",
            format!("`Client::{name}` calls `{new_path}` instead of `{old_path}`; the signature is the same"),
        );
    }
    if old_group != new_group {
        push(
            Impact::Behaviour,
            "group changed",
            format!("the endpoint's descriptor names the group `{new_group}` instead of `{old_group}`"),
        );
    }
    if old_idempotent != new_idempotent {
        push(
            Impact::Behaviour,
            "idempotence changed",
            if *new_idempotent {
                "now idempotent: bulk jobs resend calls whose outcome is unknown by default".into()
            } else {
                "no longer idempotent: bulk jobs stop resending calls whose outcome is unknown by default".into()
            },
        );
    }
    if old_changes_state != new_changes_state {
        push(
            Impact::Behaviour,
            "state change declared",
            if *new_changes_state {
                "the GET is now declared to change state (`Endpoint::changes_state`, and its docs say so)".into()
            } else {
                "the GET is no longer declared to change state (`Endpoint::changes_state`)".into()
            },
        );
    }
    match (old_body, new_body) {
        (
            Body::Array {
                items: old_items,
                min_items: old_min,
                max_items: old_max,
            },
            Body::Array {
                items: new_items,
                min_items: new_min,
                max_items: new_max,
            },
        ) if old_items == new_items => {
            let lowered = match (old_max, new_max) {
                (None, Some(_)) => true,
                (Some(old), Some(new)) => new < old,
                (_, None) => false,
            };
            let (before, after) = (items(*old_min, *old_max), items(*new_min, *new_max));
            if lowered || new_min > old_min {
                push(
                    Impact::Breaking,
                    "item limit tightened",
                    format!(
                        "each call takes {after} instead of {before}: batches accepted before are refused with `Error::ItemCount`; split them"
                    ),
                );
            } else if (old_min, old_max) != (new_min, new_max) {
                push(
                    Impact::Behaviour,
                    "item limit loosened",
                    format!("each call takes {after} instead of {before}"),
                );
            }
        }
        (
            Body::Object {
                ty: old_ty,
                required: true,
            },
            Body::Object {
                ty: new_ty,
                required: false,
            },
        ) if old_ty == new_ty => push(
            Impact::Breaking,
            "body made optional",
            format!("`Client::{name}` no longer takes the body as an argument: set it with `.body(…)` on the request"),
        ),
        (
            Body::Object {
                ty: old_ty,
                required: false,
            },
            Body::Object {
                ty: new_ty,
                required: true,
            },
        ) if old_ty == new_ty => push(
            Impact::Breaking,
            "body made required",
            format!("`Client::{name}` takes the body as its last argument instead of `.body(…)`"),
        ),
        (Body::None, Body::Object { required: false, .. }) => push(
            Impact::Compatible,
            "optional body added",
            format!("the request of `Client::{name}` gains `.body(…)`; without it nothing changes"),
        ),
        (old_body, new_body) if old_body != new_body => push(
            Impact::Breaking,
            "body changed",
            format!("the body argument of `Client::{name}` changes: pass the new body"),
        ),
        _ => {}
    }
    match (has_bulk(old_body), has_bulk(new_body)) {
        (false, true) => push(
            Impact::Compatible,
            "bulk method added",
            format!("a new method `Client::{name}_all` for any number of rows"),
        ),
        (true, false) => push(
            Impact::Breaking,
            "bulk method removed",
            format!("`Client::{name}_all` disappears: send the rows in calls of `Client::{name}`"),
        ),
        (false, false) | (true, true) => {}
    }
    if old_response != new_response || old_unwrap != new_unwrap {
        let unwrap = |u: &Option<String>| {
            u.as_ref()
                .map(|u| format!(" (the `{u}` attribute)"))
                .unwrap_or_default()
        };
        push(
            Impact::Breaking,
            "response changed",
            format!(
                "`Client::{name}` returns `{new_response}`{} instead of `{old_response}`{}: adapt code that reads the result",
                unwrap(new_unwrap),
                unwrap(old_unwrap)
            ),
        );
    }
    compare_pagination(&mut push, name, old_pagination.as_ref(), new_pagination.as_ref());
    if old_rate_class != new_rate_class {
        let figure = |api: &Api, class: &str| {
            api.rate_class(class)
                .map(|(_, class)| rate(&class.default))
                .unwrap_or_default()
        };
        push(
            Impact::Behaviour,
            "rate-limit class changed",
            format!(
                "calls count against the class `{new_rate_class}` ({} without a plan) instead of `{old_rate_class}` ({}): bulk jobs, page walks and waiting calls pace to its limiter, and the server refuses calls past its limit",
                figure(apis.1, new_rate_class),
                figure(apis.0, old_rate_class)
            ),
        );
    }
    if let Some(reason) = compare_statuses(old_statuses, new_statuses) {
        push(Impact::Behaviour, "statuses changed", reason);
    }
    if (old_title, old_description, old_docs_url) != (new_title, new_description, new_docs_url) {
        push(
            Impact::Documentation,
            "documentation changed",
            "the title, description or documentation link changes".into(),
        );
    }
    if (old_query_example, old_request_example, old_response_example)
        != (new_query_example, new_request_example, new_response_example)
    {
        push(
            Impact::Documentation,
            "examples changed",
            "the doc example and the sandbox's canned answer change".into(),
        );
    }
    // The row type's `RowResult` impl changes with the results; it is named after the type.
    let mut row_anchors = vec![ep(name)];
    row_anchors.extend(old_row_results.iter().chain(new_row_results).map(|r| ty(&r.type_name)));
    compare_row_results(
        &mut |impact, kind, reason| report.push(impact, kind, at.clone(), reason, &row_anchors),
        name,
        has_bulk(new_body),
        old_row_results.as_ref(),
        new_row_results.as_ref(),
    );
    compare_fields(
        report,
        &FieldsAt {
            owner: name,
            role: Role::Query,
            anchors: &anchors,
        },
        old_query,
        new_query,
    );
}

fn compare_pagination(
    push: &mut impl FnMut(Impact, &'static str, String),
    name: &str,
    old: Option<&Pagination>,
    new: Option<&Pagination>,
) {
    match (old, new) {
        (None, Some(_)) => push(
            Impact::Compatible,
            "pagination added",
            format!("a new method `Client::{name}_pages` walks every page"),
        ),
        (Some(_), None) => push(
            Impact::Breaking,
            "pagination removed",
            format!("`Client::{name}_pages` disappears: call `Client::{name}` page by page"),
        ),
        (Some(old), Some(new)) => {
            let Pagination {
                style: old_style,
                position: old_position,
                size: old_size,
                items: old_items,
                item: old_item,
                total: old_total,
                writer: old_writer,
            } = old;
            let Pagination {
                style: new_style,
                position: new_position,
                size: new_size,
                items: new_items,
                item: new_item,
                total: new_total,
                writer: new_writer,
            } = new;
            if old_item != new_item {
                push(
                    Impact::Breaking,
                    "pagination changed",
                    format!(
                        "`Client::{name}_pages` yields `{new_item}` instead of `{old_item}`: adapt code that reads the items"
                    ),
                );
            } else if old_style != new_style {
                push(
                    Impact::Breaking,
                    "pagination changed",
                    format!(
                        "pages of `Client::{name}` are addressed by {} instead of {}: the request's page setters change",
                        style_words(*new_style),
                        style_words(*old_style)
                    ),
                );
            } else if has_single_page_setters(old) && !has_single_page_setters(new) {
                push(
                    Impact::Breaking,
                    "pagination changed",
                    format!(
                        "the page attributes of `Client::{name}` may now be left out: the request keeps `.page(index, size)` but loses `.page_index(…)` and `.page_size(…)`"
                    ),
                );
            } else if (old_position, old_size, old_items, old_total, old_writer)
                != (new_position, new_size, new_items, new_total, new_writer)
            {
                push(
                    Impact::Behaviour,
                    "pagination changed",
                    format!(
                        "`Client::{name}_pages` reads other attributes for the page, its size, its items or the total"
                    ),
                );
            }
        }
        (None, None) => {}
    }
}

/// How pages are addressed, in words.
fn style_words(style: PageStyle) -> &'static str {
    match style {
        PageStyle::Index => "page index and size",
        PageStyle::Offset => "offset and row count",
    }
}

/// Whether the request builder has `page_index` and `page_size` (index paging through
/// attributes the body always has).
fn has_single_page_setters(pagination: &Pagination) -> bool {
    pagination.style == PageStyle::Index
        && pagination.writer.absent_body.is_none()
        && pagination.writer.steps.iter().all(|step| step.absent.is_none())
        && !pagination.position.optional
        && !pagination.size.optional
}

fn compare_row_results(
    push: &mut impl FnMut(Impact, &'static str, String),
    name: &str,
    bulk: bool,
    old: Option<&RowResults>,
    new: Option<&RowResults>,
) {
    match (old, new) {
        (None, Some(results)) if bulk => push(
            Impact::Breaking,
            "per-row results added",
            format!(
                "each row of `Client::{name}_all` carries its `{}` instead of `()`: adapt code that reads the outcomes",
                results.type_name
            ),
        ),
        (None, Some(results)) => push(
            Impact::Compatible,
            "per-row results added",
            format!("`{}` implements `RowResult`", results.type_name),
        ),
        (Some(_), None) => push(
            Impact::Breaking,
            "per-row results removed",
            format!("rows of `Client::{name}_all` lose their own results: adapt code that reads the outcomes"),
        ),
        (Some(old), Some(new)) => {
            let RowResults {
                type_name: old_type,
                row_number: old_row,
                succeeded: old_succeeded,
                id: old_id,
                exception_type: old_exception,
                message: old_message,
            } = old;
            let RowResults {
                type_name: new_type,
                row_number: new_row,
                succeeded: new_succeeded,
                id: new_id,
                exception_type: new_exception,
                message: new_message,
            } = new;
            if old_type != new_type {
                push(
                    Impact::Breaking,
                    "per-row results changed",
                    format!(
                        "each row's result is a `{new_type}` instead of a `{old_type}`: adapt code that reads the outcomes"
                    ),
                );
            } else if (old_row, old_succeeded, old_id, old_exception, old_message)
                != (new_row, new_succeeded, new_id, new_exception, new_message)
            {
                push(
                    Impact::Behaviour,
                    "per-row results changed",
                    "bulk jobs read other attributes of each row's result".into(),
                );
            }
        }
        (None, None) => {}
    }
}

/// What changed in the documented statuses, or `None`.
fn compare_statuses(old: &[Status], new: &[Status]) -> Option<String> {
    let processed = |status: &Status| match status.processed {
        codegen::model::Processed::Always => "processed",
        codegen::model::Processed::Never => "not processed",
        codegen::model::Processed::Unknown => "maybe processed",
    };
    let mut what = Vec::new();
    for old_status in old {
        let Status {
            code,
            meaning: old_meaning,
            processed: _,
        } = old_status;
        match new.iter().find(|s| s.code == *code) {
            None => what.push(format!("{code} is no longer documented")),
            Some(new_status) => {
                let Status {
                    code: _,
                    meaning: new_meaning,
                    processed: _,
                } = new_status;
                if processed(old_status) != processed(new_status) {
                    what.push(format!(
                        "{code} now counts as {} (was {}), which decides retries",
                        processed(new_status),
                        processed(old_status)
                    ));
                }
                if old_meaning != new_meaning {
                    what.push(format!("{code}'s meaning in error messages changes"));
                }
            }
        }
    }
    for status in new.iter().filter(|s| !old.iter().any(|o| o.code == s.code)) {
        what.push(format!("{} is documented ({})", status.code, processed(status)));
    }
    let order = |statuses: &[Status]| statuses.iter().map(|s| s.code.to_string()).collect::<Vec<_>>();
    if what.is_empty() && reordered(&order(old), &order(new)).is_some() {
        what.push("the statuses are listed in another order".into());
    }
    (!what.is_empty()).then(|| what.join("; "))
}

#[cfg(test)]
mod tests;
