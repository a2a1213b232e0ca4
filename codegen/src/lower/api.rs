//! The `api` section: hosts, authentication, the error envelope and the default statuses (the
//! rate limits are `rates`').

use super::*;

impl Lowerer<'_> {
    /// The `api` section, at `at`.
    pub(super) fn lower_api(&mut self, at: &At<'_>, raw: &raw::Api) -> Option<model::Api> {
        // Optional, so that specs written before the key existed still load (`cargo xtask diff`
        // lowers old revisions): the API's name in lower case, letters and digits only.
        let crate_name = raw.crate_name.clone().unwrap_or_else(|| {
            raw.name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        });
        let mut ok = self.check_snake_name(&at.child("crate_name"), &crate_name, "crate", None);
        if raw.base_url.matches("{host}").count() != 1 || !raw.base_url.starts_with("https://") {
            let message = format!(
                "base URL `{}` must start with `https://` and contain `{{host}}` once",
                raw.base_url
            );
            let help = "write the template as on the API pages, e.g. `https://{host}/v2`".to_string();
            at.child("base_url").error(message).help(help).push(self.diags);
            ok = false;
        }
        let mut hosts = Vec::new();
        let mut regions = BTreeSet::new();
        for (i, host) in raw.hosts.iter().enumerate() {
            let host_at = at.child("hosts").child(i);
            ok &= self.check_type_like_name(&host_at.child("region"), &host.region, "region");
            if !regions.insert(host.region.clone()) {
                let message = format!("duplicate region `{}`", host.region);
                host_at.child("region").error(message).push(self.diags);
                ok = false;
            }
            if host.host.is_empty() || host.host.contains(['/', ':', ' ', '{']) {
                let message = format!("`{}` is not a host name", host.host);
                let help = "give the bare host, e.g. `api-in21.leadsquared.com`".to_string();
                host_at.child("host").error(message).help(help).push(self.diags);
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
            at.child("hosts").error(message).help(help).push(self.diags);
            ok = false;
        }
        let preferred = match raw.auth.preferred.as_str() {
            "header" => model::AuthPlacement::Header,
            "query" => model::AuthPlacement::Query,
            other => {
                let message = format!("unknown auth placement `{other}`");
                let help = format!("valid placements: {}", one_of(["header", "query"]));
                at.child("auth")
                    .child("preferred")
                    .error(message)
                    .help(help)
                    .push(self.diags);
                ok = false;
                model::AuthPlacement::Header
            }
        };
        let rate_limits = self.lower_rate_limits(at, raw);
        let exceptions = EnumDef {
            name: "ExceptionType".into(),
            group: None,
            description: Some(format!(
                "An exception type {} returns in `{}`.",
                raw.name, raw.error_envelope.type_field
            )),
            open: true,
            integer: false,
            values: self.lower_enum_values(&at.child("exceptions"), &raw.exceptions, true, true),
            site: at.child("exceptions").site(),
        };
        let key_names = |names: &raw::KeyNames| model::KeyNames {
            access_key: names.access_key.clone(),
            secret_key: names.secret_key.clone(),
        };
        let envelope = &raw.error_envelope;
        let statuses = self.lower_statuses(&at.child("statuses"), &raw.statuses);
        let (plans, rate_classes) = rate_limits?;
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
            plans,
            rate_classes,
            statuses: statuses?,
            exceptions,
            group_features: raw.group_features,
            site: at.site(),
        };
        ok.then_some(api)
    }

    pub(super) fn lower_statuses(&mut self, at: &At<'_>, raw: &[raw::Status]) -> Option<Vec<model::Status>> {
        let mut ok = true;
        let mut statuses = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, status) in raw.iter().enumerate() {
            let status_at = at.child(i);
            if !(100..=599).contains(&status.code) {
                status_at
                    .child("code")
                    .error(format!("`{}` is not an HTTP status code", status.code))
                    .push(self.diags);
                ok = false;
            }
            if !seen.insert(status.code) {
                status_at
                    .child("code")
                    .error(format!("status {} is listed twice", status.code))
                    .push(self.diags);
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
                    status_at.child("processed").error(message).help(help).push(self.diags);
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
            at.error("no success (2xx) status is documented")
                .help(help)
                .push(self.diags);
            ok = false;
        }
        ok.then_some(statuses)
    }
}
