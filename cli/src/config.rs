//! Where the credentials come from: the `LSQ_*` variables as the client reads them, a profile
//! of the config file, or an embedded sandbox.
//!
//! The config file is TOML, `leadsquared/config.toml` in the user's config directory (or
//! `--config FILE`), and must not be readable by others (mode 0600 on Unix): it holds keys.
//!
//! ```toml
//! [profiles.default]
//! host = "api-in21.leadsquared.com"   # or base_url = "https://…/v2"
//! access_key = "…"
//! secret_key = "…"
//! auth_placement = "header"           # optional: header or query
//! plan = "standard"                   # optional: lite, pro, super, basic, standard, enterprise
//! rate_limit = "15/5"                 # optional: the standard class's limit; wins over plan
//! ```
//!
//! A command uses `--profile NAME` (or `LSQ_PROFILE`) when given; otherwise the `LSQ_*`
//! variables when any key variable is set; otherwise the profile `default` when the file has it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use leadsquared::{
    AuthPlacement, Client, ClientBuilder, Credentials, ENV_ACCESS_KEY, ENV_SECRET_KEY, Plan, RateLimitClass,
};
use leadsquared_sandbox::{Lead, Sandbox};
use serde::Deserialize;

use crate::Failure;
use crate::args::{self, Global, RateLimit};

/// The profile used when no other source of credentials is given.
const DEFAULT_PROFILE: &str = "default";

/// The config file. No `Debug`: it holds keys.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// One account. No `Debug`: it holds keys.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    host: Option<String>,
    base_url: Option<String>,
    access_key: Option<String>,
    secret_key: Option<String>,
    auth_placement: Option<String>,
    plan: Option<String>,
    rate_limit: Option<String>,
}

/// A client, and the embedded sandbox it calls, if any (kept alive as long as the client).
pub struct Connection {
    /// The client.
    pub client: Client,
    /// The embedded sandbox, when `--sandbox` asked for one: held so that it serves as long as
    /// the client is used, and stops when the connection is dropped.
    #[allow(dead_code)]
    pub sandbox: Option<Sandbox>,
    /// Where the calls go, for a person.
    pub target: String,
}

/// The config file's path: `--config`, `LEADSQUARED_CONFIG`, or the user's config directory.
pub fn path(global: &Global) -> Result<PathBuf, Failure> {
    if let Some(path) = &global.config {
        return Ok(path.clone());
    }
    dirs::config_dir()
        .map(|dir| dir.join("leadsquared").join("config.toml"))
        .ok_or_else(|| Failure::usage("the user's config directory is not known here (no HOME?); pass --config FILE"))
}

/// Reads the config file; `None` when it does not exist.
fn load(global: &Global) -> Result<Option<(PathBuf, ConfigFile)>, Failure> {
    let path = path(global)?;
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Failure::usage(format!("cannot read {}: {error}", path.display()))),
    };
    check_mode(&path)?;
    let file: ConfigFile = toml::from_str(&text).map_err(|error| {
        // The parser's message quotes the offending line, which may hold a key: keep its first
        // line only, which names the place.
        let first = error.message().lines().next().unwrap_or_default().to_owned();
        let place = error
            .span()
            .map(|span| format!(" (at byte {})", span.start))
            .unwrap_or_default();
        Failure::usage(format!("{} is not a valid config file{place}: {first}", path.display()))
    })?;
    Ok(Some((path, file)))
}

/// The file holds keys: refuse it when others may read or write it.
#[cfg(unix)]
fn check_mode(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path)
        .map_err(|error| Failure::usage(format!("cannot read {}: {error}", path.display())))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(Failure::usage(format!(
            "{} holds keys and is open to other users (mode {mode:04o}); run `chmod 600 {}`",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_path: &Path) -> Result<(), Failure> {
    Ok(())
}

fn profile_builder(name: &str, profile: &Profile, path: &Path) -> Result<ClientBuilder, Failure> {
    let missing = |what: &str| {
        Failure::usage(format!(
            "the profile `{name}` in {} has no {what}; add `{what} = \"…\"` under [profiles.{name}]",
            path.display()
        ))
    };
    let access_key = profile.access_key.clone().ok_or_else(|| missing("access_key"))?;
    let secret_key = profile.secret_key.clone().ok_or_else(|| missing("secret_key"))?;
    let mut builder = Client::builder().credentials(Credentials::new(access_key, secret_key));
    if let Some(base_url) = &profile.base_url {
        builder = builder.base_url(base_url.clone());
    } else if let Some(host) = &profile.host {
        builder = builder.host(host.clone());
    }
    if let Some(placement) = &profile.auth_placement {
        builder = builder.auth_placement(match placement.to_ascii_lowercase().as_str() {
            "header" => AuthPlacement::Header,
            "query" => AuthPlacement::Query,
            _ => {
                return Err(Failure::usage(format!(
                    "the profile `{name}` in {}: auth_placement must be `header` or `query`",
                    path.display()
                )));
            }
        });
    }
    Ok(builder)
}

/// The profile's plan and standard-class limit.
fn profile_rate_limit(name: &str, profile: &Profile) -> Result<(Option<Plan>, Option<RateLimit>), Failure> {
    let plan = profile
        .plan
        .as_deref()
        .map(|plan| profile_plan(name, plan))
        .transpose()?;
    let limit = profile
        .rate_limit
        .as_deref()
        .map(|text| {
            args::parse_rate_limit(text)
                .map_err(|error| Failure::usage(format!("the profile `{name}`: rate_limit: {error}")))
        })
        .transpose()?;
    Ok((plan, limit))
}

fn profile_plan(name: &str, plan: &str) -> Result<Plan, Failure> {
    Plan::from_name(plan).ok_or_else(|| {
        let plans: Vec<String> = Plan::ALL.iter().map(|plan| plan.name().to_ascii_lowercase()).collect();
        Failure::usage(format!(
            "the profile `{name}`: plan: no plan is named `{plan}`; the plans: {}",
            plans.join(", ")
        ))
    })
}

/// `builder` with the plan and the limits: the plan sets every class's figures, the limits
/// given win over them.
fn limited(
    mut builder: ClientBuilder,
    plan: Option<Plan>,
    standard: Option<RateLimit>,
    classes: &[(RateLimitClass, RateLimit)],
) -> ClientBuilder {
    if let Some(plan) = plan {
        builder = builder.plan(plan);
    }
    if let Some(limit) = standard {
        builder = builder.rate_limit(limit.calls, limit.per);
    }
    for (class, limit) in classes {
        builder = builder.rate_limit_for(*class, limit.calls, limit.per);
    }
    builder
}

fn env_is_set() -> bool {
    [ENV_ACCESS_KEY, ENV_SECRET_KEY]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// The client the options describe, and the embedded sandbox it calls, if any.
pub async fn connect(global: &Global, options: &args::Connection) -> Result<Connection, Failure> {
    let classes = &options.rate_limit_class;
    if let Some(leads) = &options.sandbox {
        let text = std::fs::read_to_string(leads)
            .map_err(|error| Failure::usage(format!("--sandbox: cannot read {}: {error}", leads.display())))?;
        let leads = Lead::list_from_json(&text)
            .map_err(|error| Failure::usage(format!("--sandbox {}: {error}", leads.display())))?;
        // The embedded sandbox enforces what the client keeps to: the plan's figures, or the
        // limits given.
        let mut builder = Sandbox::builder().leads(leads);
        if let Some(plan) = options.plan {
            builder = builder.plan(plan.name());
        }
        if let Some(limit) = options.rate_limit {
            builder = builder.rate_limit(limit.calls, limit.per);
        }
        for (class, limit) in classes {
            builder = builder.class_rate_limit(class.name(), limit.calls, limit.per);
        }
        let sandbox = builder
            .start()
            .await
            .map_err(|error| Failure::Other(format!("the embedded sandbox did not start: {error}")))?;
        let client = limited(sandbox.client_builder(), options.plan, options.rate_limit, classes);
        let client = client.build().map_err(Failure::Api)?;
        let target = format!(
            "the embedded sandbox at {} (nothing leaves this machine)",
            sandbox.base_url()
        );
        return Ok(Connection {
            client,
            sandbox: Some(sandbox),
            target,
        });
    }
    let (builder, profile_limit, source) = if let Some(name) = &options.profile {
        let Some((path, file)) = load(global)? else {
            return Err(Failure::usage(format!(
                "--profile {name}: there is no config file at {}; create it (see `leadsquared config show`) or use the LSQ_* variables",
                path(global)?.display()
            )));
        };
        let Some(profile) = file.profiles.get(name) else {
            let names: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
            return Err(Failure::usage(format!(
                "{} has no profile `{name}`; it has: {}",
                path.display(),
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        };
        (
            profile_builder(name, profile, &path)?,
            profile_rate_limit(name, profile)?,
            format!("profile `{name}`"),
        )
    } else if env_is_set() {
        (
            ClientBuilder::from_env().map_err(Failure::Api)?,
            (None, None),
            "the LSQ_* variables".to_owned(),
        )
    } else {
        match load(global)? {
            Some((path, file)) if file.profiles.contains_key(DEFAULT_PROFILE) => {
                let profile = &file.profiles[DEFAULT_PROFILE];
                (
                    profile_builder(DEFAULT_PROFILE, profile, &path)?,
                    profile_rate_limit(DEFAULT_PROFILE, profile)?,
                    format!("profile `{DEFAULT_PROFILE}`"),
                )
            }
            _ => {
                return Err(Failure::usage(format!(
                    "no credentials: set {ENV_ACCESS_KEY} and {ENV_SECRET_KEY} (and LSQ_HOST for your region), or add a profile to {} and pass --profile NAME; to rehearse offline, pass --sandbox LEADS_FILE",
                    path(global)?.display()
                )));
            }
        }
    };
    let (profile_plan, profile_limit) = profile_limit;
    // A flag wins over the profile; the profile's standard limit wins over the flag's plan
    // only when no flag gives one.
    let builder = limited(
        builder,
        options.plan.or(profile_plan),
        options.rate_limit.or(profile_limit),
        classes,
    );
    let client = builder.build().map_err(Failure::Api)?;
    let target = format!("{} ({source})", client.base_url());
    Ok(Connection {
        client,
        sandbox: None,
        target,
    })
}

/// `leadsquared config show`: the file, its profiles with every key masked, and which source
/// a command would use.
pub fn show(global: &Global, only: Option<&str>) -> Result<String, Failure> {
    let mut out = String::new();
    let masked = |value: &Option<String>| match value {
        Some(value) => format!("set, masked ({} characters)", value.chars().count()),
        None => "not set".to_owned(),
    };
    match load(global)? {
        None => {
            let path = path(global)?;
            let _ = writeln!(out, "config file: {} (does not exist)", path.display());
            let _ = writeln!(
                out,
                "To add a profile, create it with mode 0600:\n\n[profiles.default]\nhost = \"api-in21.leadsquared.com\"\naccess_key = \"…\"\nsecret_key = \"…\"\nplan = \"standard\"\n"
            );
        }
        Some((path, file)) => {
            let _ = writeln!(out, "config file: {}", path.display());
            if let Some(name) = only {
                if !file.profiles.contains_key(name) {
                    return Err(Failure::usage(format!("{} has no profile `{name}`", path.display())));
                }
            }
            for (name, profile) in file
                .profiles
                .iter()
                .filter(|(name, _)| only.is_none_or(|only| only == *name))
            {
                let _ = writeln!(out, "\n[profiles.{name}]");
                if let Some(host) = &profile.host {
                    let _ = writeln!(out, "host = {host}");
                }
                if let Some(base_url) = &profile.base_url {
                    let _ = writeln!(out, "base_url = {base_url}");
                }
                let _ = writeln!(out, "access_key: {}", masked(&profile.access_key));
                let _ = writeln!(out, "secret_key: {}", masked(&profile.secret_key));
                if let Some(placement) = &profile.auth_placement {
                    let _ = writeln!(out, "auth_placement = {placement}");
                }
                if let Some(plan) = &profile.plan {
                    let _ = match Plan::from_name(plan) {
                        Some(plan) => {
                            let figures: Vec<String> = RateLimitClass::ALL
                                .iter()
                                .map(|class| {
                                    let limit = class.limit(plan);
                                    let calls = if limit.calls == 1 { "call" } else { "calls" };
                                    format!(
                                        "{} {} {calls} per {} s",
                                        class.name(),
                                        limit.calls,
                                        limit.per_millis as f64 / 1000.0
                                    )
                                })
                                .collect();
                            writeln!(out, "plan = {} ({})", plan.name(), figures.join(", "))
                        }
                        None => writeln!(out, "plan = {plan} (not a plan)"),
                    };
                }
                if let Some(limit) = &profile.rate_limit {
                    let _ = writeln!(out, "rate_limit = {limit}");
                }
            }
        }
    }
    let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let _ = writeln!(out, "\nenvironment:");
    let _ = writeln!(out, "{ENV_ACCESS_KEY}: {}", masked(&env(ENV_ACCESS_KEY)));
    let _ = writeln!(out, "{ENV_SECRET_KEY}: {}", masked(&env(ENV_SECRET_KEY)));
    for name in [
        leadsquared::ENV_HOST,
        leadsquared::ENV_BASE_URL,
        leadsquared::ENV_AUTH_PLACEMENT,
    ] {
        if let Some(value) = env(name) {
            let _ = writeln!(out, "{name} = {value}");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use leadsquared::{Plan, RateLimitClass};

    use super::*;

    fn connection(
        plan: Option<Plan>,
        rate_limit: Option<&str>,
        classes: &[&str],
        sandbox: PathBuf,
    ) -> args::Connection {
        args::Connection {
            profile: None,
            plan,
            rate_limit: rate_limit.map(|text| args::parse_rate_limit(text).unwrap()),
            rate_limit_class: classes
                .iter()
                .map(|text| args::parse_class_rate_limit(text).unwrap())
                .collect(),
            sandbox: Some(sandbox),
        }
    }

    /// `--plan` is `ClientBuilder::plan` (every class's figure), the limits given win over it,
    /// and the embedded sandbox enforces the same.
    #[tokio::test]
    async fn the_plan_and_the_limits_reach_the_client_and_the_embedded_sandbox() {
        let leads = std::env::temp_dir().join(format!("lsq-cli-plan-{}.json", std::process::id()));
        std::fs::write(&leads, r#"[{"EmailAddress":"ana@example.com"}]"#).unwrap();
        let global = Global { config: None };
        let calls = |client: &Client| {
            RateLimitClass::ALL
                .iter()
                .map(|&class| client.rate_limit_for(class).calls)
                .collect::<Vec<_>>()
        };

        let lite = connect(&global, &connection(Some(Plan::Lite), None, &[], leads.clone()))
            .await
            .unwrap();
        assert_eq!(calls(&lite.client), [2, 1]);
        for _ in 0..2 {
            lite.client.get_lead_by_email("ana@example.com").await.unwrap();
        }
        let third = lite.client.get_lead_by_email("ana@example.com").await.unwrap_err();
        assert!(
            third.is_rate_limit(),
            "the embedded sandbox keeps to the plan too: {third:?}"
        );

        let given = connect(
            &global,
            &connection(Some(Plan::Pro), Some("9/5"), &["bulk=3/5"], leads.clone()),
        )
        .await
        .unwrap();
        assert_eq!(calls(&given.client), [9, 3]);
        assert_eq!(
            given.client.rate_limit_for(RateLimitClass::Bulk).per_millis,
            Duration::from_secs(5).as_millis() as u64
        );
        let _ = std::fs::remove_file(&leads);
    }
}
