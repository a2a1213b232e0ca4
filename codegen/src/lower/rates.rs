//! Rate limits: the API's plans, its rate-limit classes and the class each endpoint names.
//!
//! A class is a limit of its own (LeadSquared counts bulk calls against a lower limit than the
//! rest): a default figure for when no plan is chosen, and a figure per plan, all in the class's
//! window. The older single `api.rate_limit` still loads, as one class named `standard` with
//! no plans, so that `cargo xtask diff` can read revisions written before classes existed; an
//! endpoint's numeric `rate_limit:` of that time is refused with what to write instead.

use super::*;

/// The class an API in the older shape (`api.rate_limit`) has.
const LEGACY_CLASS: &str = "standard";

/// The names of the classes `raw` declares, in order: what endpoints may name before the API
/// section itself is lowered.
pub(super) fn class_names(raw: &raw::Api) -> Vec<String> {
    if raw.rate_limits.is_empty() {
        raw.rate_limit.iter().map(|_| LEGACY_CLASS.to_string()).collect()
    } else {
        raw.rate_limits.iter().map(|class| class.name.clone()).collect()
    }
}

impl Lowerer<'_> {
    /// The plans and rate-limit classes of the API section at `at`.
    pub(super) fn lower_rate_limits(
        &mut self,
        at: &At<'_>,
        raw: &raw::Api,
    ) -> Option<(Vec<String>, Vec<model::RateClass>)> {
        let plans = self.lower_plans(&at.child("plans"), &raw.plans);
        match (&raw.rate_limit, raw.rate_limits.is_empty()) {
            (Some(_), false) => {
                let message = "both `rate_limit` and `rate_limits` are given";
                let help = "`rate_limits` replaces `rate_limit`: keep its figures as a class \
                            (`- { name: standard, calls: 25, per_seconds: 5 }`) and remove `rate_limit`"
                    .to_string();
                at.child("rate_limit")
                    .error(message)
                    .help(help)
                    .at_key()
                    .push(self.diags);
                None
            }
            (None, true) => {
                let message = "the API declares no rate limit";
                let help = "declare the rate-limit classes under `api.rate_limits`, the first being the one \
                            endpoints are in unless they name another, e.g. \
                            `rate_limits: [ { name: standard, calls: 25, per_seconds: 5 } ]`"
                    .to_string();
                at.error(message).help(help).at_key().push(self.diags);
                None
            }
            (Some(legacy), true) => {
                if !raw.plans.is_empty() {
                    let message = "plans without rate-limit classes to give their figures";
                    let help =
                        "replace `rate_limit` with `rate_limits`, whose classes give a figure per plan".to_string();
                    at.child("plans").error(message).help(help).at_key().push(self.diags);
                    return None;
                }
                let default = self.lower_rate_limit(&at.child("rate_limit"), legacy)?;
                let class = model::RateClass {
                    name: LEGACY_CLASS.to_string(),
                    rust: LEGACY_CLASS.to_upper_camel_case(),
                    description: None,
                    default,
                    plans: Vec::new(),
                };
                Some((plans?, vec![class]))
            }
            (None, false) => {
                // The classes are checked against the plans as written, valid or not, so that
                // one run reports the errors of both.
                let classes = self.lower_classes(&at.child("rate_limits"), &raw.rate_limits, &raw.plans);
                Some((plans?, classes?))
            }
        }
    }

    fn lower_plans(&mut self, at: &At<'_>, raw: &[String]) -> Option<Vec<String>> {
        let mut ok = true;
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (i, plan) in raw.iter().enumerate() {
            let plan_at = at.child(i);
            if !self.check_type_like_name(&plan_at, plan, "plan") {
                ok = false;
                continue;
            }
            if let Some(first) = seen.insert(plan.to_ascii_lowercase(), plan) {
                let message = format!("duplicate plan `{plan}`");
                let help = format!(
                    "plan names must differ in more than case (the command line and the sandbox read them in any case); the first is `{first}`"
                );
                plan_at.error(message).help(help).push(self.diags);
                ok = false;
            }
        }
        ok.then(|| raw.to_vec())
    }

    fn lower_classes(
        &mut self,
        at: &At<'_>,
        raw: &[raw::RateClass],
        plans: &[String],
    ) -> Option<Vec<model::RateClass>> {
        let mut ok = true;
        let mut classes = Vec::new();
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (i, class) in raw.iter().enumerate() {
            let class_at = at.child(i);
            let name_at = class_at.child("name");
            if !self.check_snake_name(&name_at, &class.name, "rate-limit class", None) {
                ok = false;
                continue;
            }
            let rust = class.name.to_upper_camel_case();
            if let Some(first) = seen.insert(rust.clone(), &class.name) {
                let message = format!("duplicate rate-limit class `{}`", class.name);
                let help = format!(
                    "class names must be unique (they become variants of `RateLimitClass`); the first is `{first}`"
                );
                name_at.error(message).help(help).push(self.diags);
                ok = false;
                continue;
            }
            let figures = raw::RateLimit {
                calls: class.calls,
                per_seconds: class.per_seconds,
            };
            let Some(default) = self.lower_rate_limit(&class_at, &figures) else {
                ok = false;
                continue;
            };
            let mut by_plan = vec![None; plans.len()];
            for (plan, &calls) in &class.plans {
                let plan_at = class_at.child("plans").child(plan.as_str());
                let Some(index) = plans.iter().position(|known| known == plan) else {
                    let message = format!("unknown plan `{plan}`");
                    let help = match did_you_mean(plan, plans.iter().map(String::as_str)) {
                        _ if plans.is_empty() => {
                            "declare the plans once under `api.plans`, e.g. `plans: [Lite, Pro]`".to_string()
                        }
                        Some(best) => format!(
                            "did you mean `{best}`? the plans: {}",
                            one_of(plans.iter().map(String::as_str))
                        ),
                        None => format!("the plans (`api.plans`): {}", one_of(plans.iter().map(String::as_str))),
                    };
                    plan_at.error(message).help(help).at_key().push(self.diags);
                    ok = false;
                    continue;
                };
                if calls == 0 {
                    let message = format!("a limit of 0 calls on the plan `{plan}` allows nothing");
                    let help = format!(
                        "give the calls the plan allows in {} seconds, at least 1",
                        class.per_seconds
                    );
                    plan_at.error(message).help(help).push(self.diags);
                    ok = false;
                    continue;
                }
                by_plan[index] = Some(model::RateLimit {
                    calls,
                    per_millis: default.per_millis,
                });
            }
            classes.push(model::RateClass {
                name: class.name.clone(),
                rust,
                description: class.description.clone(),
                default,
                plans: by_plan,
            });
        }
        ok.then_some(classes)
    }

    pub(super) fn lower_rate_limit(&mut self, at: &At<'_>, raw: &raw::RateLimit) -> Option<model::RateLimit> {
        if raw.calls == 0 || raw.per_seconds == 0 {
            let message = format!(
                "rate limit of {} calls per {} seconds allows nothing",
                raw.calls, raw.per_seconds
            );
            let help = "both `calls` and `per_seconds` must be at least 1";
            at.error(message).help(help).push(self.diags);
            return None;
        }
        Some(model::RateLimit {
            calls: raw.calls,
            per_millis: u64::from(raw.per_seconds) * 1000,
        })
    }

    /// The class the `rate_limit:` of the endpoint at `at` names, or the first class when it
    /// names none. `classes` are the names the API declares (none when its section is missing,
    /// which is reported on its own).
    pub(super) fn lower_endpoint_class(
        &mut self,
        at: &At<'_>,
        raw: Option<&YamlValue>,
        classes: &[String],
    ) -> Option<String> {
        let at = at.child("rate_limit");
        let listed = || one_of(classes.iter().map(String::as_str));
        match raw {
            None => classes.first().cloned(),
            Some(YamlValue::String(name)) if classes.contains(name) => Some(name.clone()),
            Some(YamlValue::String(name)) => {
                let message = format!("unknown rate-limit class `{name}`");
                let help = match did_you_mean(name, classes.iter().map(String::as_str)) {
                    Some(best) => format!("did you mean `{best}`? the classes (`api.rate_limits`): {}", listed()),
                    None => format!("the classes (`api.rate_limits`): {}", listed()),
                };
                at.error(message).help(help).push(self.diags);
                None
            }
            Some(YamlValue::Mapping(_)) => {
                let message =
                    "an endpoint's `rate_limit` names a rate-limit class; figures belong to the class".to_string();
                let help = format!(
                    "declare a class with these figures under `api.rate_limits` (`- {{ name: <class>, calls: N, per_seconds: S }}`) and write `rate_limit: <class>`; the classes: {}",
                    listed()
                );
                at.error(message).help(help).push(self.diags);
                None
            }
            Some(_) => {
                let message = "`rate_limit` must name a rate-limit class".to_string();
                let help = format!("the classes (`api.rate_limits`): {}", listed());
                at.error(message).help(help).push(self.diags);
                None
            }
        }
    }
}
