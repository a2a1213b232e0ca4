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
//! rate_limit = "15/5"                 # optional: wins over plan
//! ```
//!
//! A command uses `--profile NAME` (or `LSQ_PROFILE`) when given; otherwise the `LSQ_*`
//! variables when any key variable is set; otherwise the profile `default` when the file has it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use leadsquared::{AuthPlacement, Client, ClientBuilder, Credentials, ENV_ACCESS_KEY, ENV_SECRET_KEY};
use leadsquared_sandbox::{Lead, Sandbox};
use serde::Deserialize;

use crate::Failure;
use crate::args::{self, Global, Plan, RateLimit};

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
    plan: Option<Plan>,
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

fn profile_rate_limit(name: &str, profile: &Profile) -> Result<Option<RateLimit>, Failure> {
    match &profile.rate_limit {
        Some(text) => args::parse_rate_limit(text)
            .map(Some)
            .map_err(|error| Failure::usage(format!("the profile `{name}`: rate_limit: {error}"))),
        None => Ok(profile.plan.map(Plan::rate_limit)),
    }
}

fn env_is_set() -> bool {
    [ENV_ACCESS_KEY, ENV_SECRET_KEY]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// The client the options describe, and the embedded sandbox it calls, if any.
pub async fn connect(global: &Global, options: &args::Connection) -> Result<Connection, Failure> {
    let flag_limit = options.rate_limit.or(options.plan.map(Plan::rate_limit));
    if let Some(leads) = &options.sandbox {
        let text = std::fs::read_to_string(leads)
            .map_err(|error| Failure::usage(format!("--sandbox: cannot read {}: {error}", leads.display())))?;
        let leads = Lead::list_from_json(&text)
            .map_err(|error| Failure::usage(format!("--sandbox {}: {error}", leads.display())))?;
        let mut builder = Sandbox::builder().leads(leads);
        if let Some(limit) = flag_limit {
            builder = builder.rate_limit(limit.calls, limit.per);
        }
        let sandbox = builder
            .start()
            .await
            .map_err(|error| Failure::Other(format!("the embedded sandbox did not start: {error}")))?;
        let mut client = sandbox.client_builder();
        if let Some(limit) = flag_limit {
            client = client.rate_limit(limit.calls, limit.per);
        }
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
            None,
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
    let builder = match flag_limit.or(profile_limit) {
        Some(limit) => builder.rate_limit(limit.calls, limit.per),
        None => builder,
    };
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
                if let Some(plan) = profile.plan {
                    let limit = plan.rate_limit();
                    let _ = writeln!(
                        out,
                        "plan = {plan:?} ({} calls per {} s)",
                        limit.calls,
                        limit.per.as_secs()
                    );
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
