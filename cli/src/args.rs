//! The command line's options: clap's derive for what every endpoint shares, and, from the
//! generated endpoint table, the endpoint names and each bulk endpoint's query parameters as
//! `import` flags (e.g. `--search-by`), so a new endpoint needs no change here.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
use clap::{Arg, ArgAction, ArgMatches, Args, CommandFactory as _, Parser, Subcommand, ValueEnum};

use leadsquared::{Plan, RateLimitClass};

use crate::dispatch::ENDPOINTS;
use crate::spec::{BodyInfo, EndpointInfo, FieldInfo, Kind};

const EXIT_CODES: &str = "\
Exit codes:
  0  every row applied (import), or the call succeeded (call)
  1  some rows refused, invalid, not applied or not attempted; or the call failed
  2  some rows (or the call) have an unknown outcome: check them before sending them again
  3  a usage or configuration error: nothing was sent

Credentials: LSQ_ACCESS_KEY, LSQ_SECRET_KEY, LSQ_HOST or LSQ_BASE_URL, LSQ_AUTH_PLACEMENT, as the
leadsquared crate reads them; or --profile NAME from the config file (`leadsquared config path`).";

/// The LeadSquared API from the shell: import files of rows through bulk endpoints with a
/// progress bar and a crash-safe journal, call any endpoint, run the offline sandbox.
#[derive(Debug, Parser)]
#[command(name = "leadsquared", version, after_help = EXIT_CODES, max_term_width = 100)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The config file holding profiles [default: leadsquared/config.toml in the user's config
    /// directory]
    #[arg(long, global = true, env = "LEADSQUARED_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send every row of a CSV or JSONL file through an endpoint's bulk job
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Call one endpoint and print its answer as JSON
    Call(CallArgs),
    /// List the endpoints, with method, path, inputs and documentation link
    Endpoints(EndpointsArgs),
    /// Run the offline sandbox, an emulator of the API on loopback, with the options and exit
    /// codes of `cargo sandbox` (`leadsquared sandbox --help`)
    Sandbox(SandboxArgs),
    /// Show the config file and its profiles (keys masked)
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print shell completions: `leadsquared completions bash > ~/.local/share/bash-completion/completions/leadsquared`
    Completions(CompletionsArgs),
}

const IMPORT_HELP: &str = "\
Columns: a column named like a field of the row (its wire name, e.g. SearchByValue) sets that
field; a column named like a custom field (mx_...) or mapped with --field COLUMN=SCHEMA_NAME adds a
{SchemaName, Value} pair. Empty cells are not sent. JSONL lines are objects with the same names.

Before anything is sent every row is checked; invalid rows are listed with their line number and
are not sent. A journal (beside the report, or --journal) records each call before it is sent and
each outcome after it, on disk; after a crash or Ctrl-C, run the same command with --resume: rows
with a known outcome are not sent again, rows sent without an answer are reported unknown.";

/// `leadsquared import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The endpoint: its method name or its title (`leadsquared endpoints` marks those with a
    /// bulk job)
    // Positions are explicit: setting the endpoint's values below moves it among the arguments.
    #[arg(index = 1)]
    pub endpoint: String,
    /// The rows: CSV with a header row, or JSON lines (one object per line)
    #[arg(index = 2)]
    pub file: PathBuf,
    /// The file's format [default: by extension: .jsonl, .ndjson or .json for JSON lines, else
    /// CSV]
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// Map a column to a custom field: its values go in the row's name/value list under
    /// SCHEMA_NAME (repeatable)
    #[arg(long = "field", value_name = "COLUMN=SCHEMA_NAME", value_parser = parse_pair)]
    pub fields: Vec<(String, String)>,
    /// A value for every row: a field by wire name, or a custom field (mx_...) (repeatable)
    #[arg(long = "set", value_name = "FIELD=VALUE", value_parser = parse_pair)]
    pub sets: Vec<(String, String)>,
    /// A column to leave out (repeatable)
    #[arg(long = "skip-column", value_name = "COLUMN")]
    pub skip_columns: Vec<String>,
    /// A query parameter of the endpoint by wire name, as an alternative to its flag (repeatable)
    #[arg(long = "query", value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub query: Vec<(String, String)>,
    /// Write one line per input row (line, outcome, id, exception type, message); CSV, or JSON
    /// lines when FILE ends in .jsonl, .ndjson or .json
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The journal [default: the report's path, or else the input's, with .journal added]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Continue an import from its journal: rows with a known outcome are not sent again
    #[arg(long)]
    pub resume: bool,
    /// With --resume: send again the rows sent without an answer (they may be applied twice)
    #[arg(long, requires = "resume")]
    pub resend_unknown: bool,
    /// Check every row and stop: nothing is sent, no journal or report is written
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bar or progress lines, no summary
    #[arg(long, short)]
    pub quiet: bool,
    /// Seconds between progress lines when standard error is not a terminal (logs, CI)
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0, value_parser = parse_seconds)]
    pub progress_every: f64,
    /// Calls in flight at once [default: 8]
    #[arg(long, value_name = "CALLS")]
    pub concurrency: Option<usize>,
    /// How to reach the API.
    #[command(flatten)]
    pub connection: Connection,
}

/// `leadsquared call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The endpoint: its method name or its title (`leadsquared endpoints` lists them)
    #[arg(index = 1)]
    pub endpoint: String,
    /// A query parameter by wire name (or Rust name), e.g. --query SearchBy=EmailAddress
    /// (repeatable)
    #[arg(long = "query", short = 'q', value_name = "NAME=VALUE", value_parser = parse_pair)]
    pub query: Vec<(String, String)>,
    /// The JSON body, from FILE or, with -, from standard input
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<String>,
    /// How to reach the API.
    #[command(flatten)]
    pub connection: Connection,
}

/// How to reach the API: credentials and rate limit.
#[derive(Debug, Args, Clone)]
pub struct Connection {
    /// A profile of the config file instead of the LSQ_* variables
    #[arg(long, env = "LSQ_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// The account's plan, for the rate limits documented for it (each rate-limit class has its
    /// own: bulk endpoints a lower one) [default: the profile's, else the classes' defaults]
    #[arg(long, value_parser = plan_parser(), ignore_case = true)]
    pub plan: Option<Plan>,
    /// The limit of the standard rate-limit class (every endpoint but the bulk ones),
    /// CALLS/SECONDS; wins over the plan's [default: the profile's, else the plan's]
    #[arg(long, value_name = "CALLS/SECONDS", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,
    /// The limit of one rate-limit class, CLASS=CALLS/SECONDS, e.g. bulk=5/5 for an account
    /// whose bulk limit was raised; wins over the plan's (repeatable)
    #[arg(long, value_name = "CLASS=CALLS/SECONDS", value_parser = parse_class_rate_limit)]
    pub rate_limit_class: Vec<(RateLimitClass, RateLimit)>,
    /// Call an embedded sandbox seeded with these leads (a JSON array of objects keyed by schema
    /// name), not LeadSquared: nothing leaves this machine
    #[arg(long, value_name = "LEADS_FILE")]
    pub sandbox: Option<PathBuf>,
}

/// `leadsquared endpoints`.
#[derive(Debug, Args)]
pub struct EndpointsArgs {
    /// One JSON object per endpoint instead of text
    #[arg(long)]
    pub json: bool,
}

/// `leadsquared sandbox`: the options go to the sandbox as they are.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct SandboxArgs {
    /// The sandbox's options (`leadsquared sandbox --help` lists them)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// `leadsquared config`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the config file's path, its profiles and which credentials a command would use,
    /// with every key masked
    Show(ConfigShowArgs),
    /// Print the config file's path
    Path,
}

/// `leadsquared config show`.
#[derive(Debug, Args)]
pub struct ConfigShowArgs {
    /// Only this profile
    #[arg(long, env = "LSQ_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
}

/// `leadsquared completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// A rate limit: at most `calls` calls in any window of `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls per window.
    pub calls: u32,
    /// The window.
    pub per: Duration,
}

/// The plans of the spec (`leadsquared::Plan`), by name in lower case (any case is accepted).
fn plan_parser() -> impl clap::builder::TypedValueParser<Value = Plan> {
    PossibleValuesParser::new(
        Plan::ALL
            .iter()
            .map(|plan| PossibleValue::new(plan.name().to_ascii_lowercase())),
    )
    .try_map(|name: String| Plan::from_name(&name).ok_or_else(|| format!("no plan is named `{name}`")))
}

/// `bulk=5/5` → the `bulk` class, 5 calls per 5 s.
pub fn parse_class_rate_limit(text: &str) -> Result<(RateLimitClass, RateLimit), String> {
    let names = || {
        RateLimitClass::ALL
            .iter()
            .map(|class| class.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (class, limit) = text.split_once('=').ok_or_else(|| {
        format!(
            "`{text}` is not CLASS=CALLS/SECONDS, e.g. bulk=5/5; the classes: {}",
            names()
        )
    })?;
    let class = RateLimitClass::from_name(class.trim()).ok_or_else(|| {
        format!(
            "no rate-limit class is named `{}`; the classes: {}",
            class.trim(),
            names()
        )
    })?;
    Ok((class, parse_rate_limit(limit)?))
}

/// A positive number of seconds.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds < 86_400.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a number of seconds between 0 and 86400")),
    }
}

/// `NAME=VALUE`.
fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

/// `25/5` → 25 calls per 5 s.
pub fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    let invalid = || format!("`{text}` is not CALLS/SECONDS, e.g. 25/5 or 25/0.25");
    let (calls, seconds) = text.split_once('/').ok_or_else(invalid)?;
    let calls: u32 = calls.trim().parse().map_err(|_| invalid())?;
    let seconds: f64 = seconds.trim().parse().map_err(|_| invalid())?;
    if calls == 0 || !(seconds > 0.0 && seconds.is_finite() && seconds < 86_400.0) {
        return Err(invalid());
    }
    Ok(RateLimit {
        calls,
        per: Duration::from_secs_f64(seconds),
    })
}

/// The id under which an endpoint flag is stored in the matches.
fn flag_id(wire: &str) -> String {
    format!("query:{wire}")
}

/// The command line, with the endpoints and the bulk endpoints' query parameters from the
/// generated table.
pub fn command() -> clap::Command {
    let names = |bulk_only: bool| {
        let values: Vec<PossibleValue> = ENDPOINTS
            .iter()
            .filter(|endpoint| !bulk_only || endpoint.rows().is_some())
            .map(|endpoint| {
                PossibleValue::new(endpoint.name())
                    .alias(endpoint.name().replace('_', "-"))
                    .alias(endpoint.describe.title)
                    .help(endpoint.describe.title)
            })
            .collect();
        PossibleValuesParser::new(values)
    };
    let mut command = Cli::command();
    command = command.mut_subcommand("call", |call| {
        call.mut_arg("endpoint", |arg| arg.value_parser(names(false)).ignore_case(true))
    });
    command.mut_subcommand("import", |import| {
        let taken: Vec<String> = import
            .get_arguments()
            .filter_map(|arg| arg.get_long().map(str::to_owned))
            .collect();
        let mut import = import.mut_arg("endpoint", |arg| arg.value_parser(names(true)).ignore_case(true));
        // One flag per query parameter of any bulk endpoint, e.g. `--search-by`; a name shared by
        // several endpoints is one flag, and one that would shadow an option is left to --query.
        let mut added: Vec<(String, Vec<&'static str>, &'static FieldInfo)> = Vec::new();
        for endpoint in ENDPOINTS.iter().filter(|endpoint| endpoint.rows().is_some()) {
            for param in endpoint.params {
                match added.iter_mut().find(|(flag, ..)| *flag == param.flag()) {
                    Some((_, users, _)) => users.push(endpoint.name()),
                    None if taken.contains(&param.flag()) => {}
                    None => added.push((param.flag(), vec![endpoint.name()], param)),
                }
            }
        }
        for (flag, users, param) in added {
            let mut help = format!(
                "{} The query parameter {} of {}.",
                param.description.trim_end_matches('.').to_owned() + ".",
                param.wire,
                users.join(", ")
            );
            let mut arg = Arg::new(flag_id(param.wire))
                .long(flag)
                .value_name(param.wire)
                .action(ArgAction::Set)
                .help_heading("Endpoint parameters");
            if let Kind::Enum { values, open } = param.kind {
                if open {
                    let _ = write!(help, " Known values: {} (others are sent as given).", values.join(", "));
                } else {
                    arg = arg.value_parser(PossibleValuesParser::new(values.iter().copied()));
                }
            }
            import = import.arg(arg.help(help));
        }
        import
    })
}

/// The bulk endpoints' query parameters given as flags, by wire name.
pub fn endpoint_flags(matches: &ArgMatches) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut seen = Vec::new();
    for endpoint in ENDPOINTS.iter().filter(|endpoint| endpoint.rows().is_some()) {
        for param in endpoint.params {
            let id = flag_id(param.wire);
            if seen.contains(&id) {
                continue;
            }
            if let Ok(Some(value)) = matches.try_get_one::<String>(&id) {
                found.push((param.wire.to_owned(), value.clone()));
            }
            seen.push(id);
        }
    }
    found
}

/// `leadsquared endpoints`: every endpoint, as text or JSON lines.
pub fn endpoints_listing(json: bool) -> String {
    let mut out = String::new();
    for endpoint in ENDPOINTS {
        if json {
            let _ = writeln!(out, "{}", endpoint_json(endpoint));
        } else {
            out.push_str(&endpoint_text(endpoint));
        }
    }
    out
}

fn method(endpoint: &EndpointInfo) -> &'static str {
    match endpoint.describe.method {
        leadsquared::endpoints::Method::Get => "GET",
        _ => "POST",
    }
}

fn kind_text(kind: &Kind) -> String {
    match kind {
        Kind::String => "text".into(),
        Kind::Integer => "integer".into(),
        Kind::Number => "number".into(),
        Kind::Boolean => "true/false".into(),
        Kind::Json => "JSON".into(),
        Kind::DateTime => "UTC date-time YYYY-MM-DD HH:MM:SS".into(),
        Kind::Array => "JSON array".into(),
        Kind::Object(name) => format!("JSON {name}"),
        Kind::Enum { values, open } => {
            format!("{}{}", values.join(" | "), if *open { " | …" } else { "" })
        }
    }
}

fn endpoint_text(endpoint: &EndpointInfo) -> String {
    let describe = endpoint.describe;
    let mut out = format!("{}  {}", describe.name, describe.title);
    if endpoint.rows().is_some() {
        out.push_str("  [import]");
    }
    if describe.changes_state {
        out.push_str("  [a GET that changes state]");
    }
    let _ = writeln!(out, "\n    {} {}", method(endpoint), describe.path);
    let class = describe.rate_class;
    if class.index > 0 {
        // The first class is every endpoint's that names none: only the others are shown.
        let calls = class.default.calls;
        let _ = writeln!(
            out,
            "    rate-limit class: {} ({calls} call{} per {} s without a plan)",
            class.name,
            if calls == 1 { "" } else { "s" },
            class.default.per_millis as f64 / 1000.0
        );
    }
    for param in endpoint.params {
        let _ = writeln!(
            out,
            "    query {}{}: {}",
            param.wire,
            if param.required { "" } else { " (optional)" },
            kind_text(&param.kind)
        );
    }
    match &endpoint.body {
        BodyInfo::None => {}
        BodyInfo::Object { type_name, required } => {
            let optional = if *required { "" } else { " (optional)" };
            let _ = writeln!(out, "    body: {type_name}{optional}");
        }
        BodyInfo::Array { items, .. } => {
            let limit = describe
                .items
                .map(|items| match items.max {
                    Some(max) => format!(" ({} to {max} per call)", items.min),
                    None => format!(" (at least {})", items.min),
                })
                .unwrap_or_default();
            let _ = writeln!(out, "    body: array of {items}{limit}");
        }
    }
    if let Some(rows) = endpoint.rows() {
        let columns: Vec<String> = rows
            .fields
            .iter()
            .map(|field| format!("{}{}", field.wire, if field.required { "*" } else { "" }))
            .collect();
        let pairs = rows
            .pairs
            .as_ref()
            .map(|pairs| format!(", mx_… (into {})", pairs.field))
            .unwrap_or_default();
        let _ = writeln!(out, "    import columns: {}{pairs}", columns.join(", "));
    }
    if let Some(url) = describe.docs_url {
        let _ = writeln!(out, "    docs: {url}");
    }
    out.push('\n');
    out
}

fn endpoint_json(endpoint: &EndpointInfo) -> serde_json::Value {
    let describe = endpoint.describe;
    let field = |field: &FieldInfo| {
        serde_json::json!({
            "wire": field.wire,
            "required": field.required,
            "kind": kind_text(&field.kind),
            "description": field.description,
        })
    };
    let body = match &endpoint.body {
        BodyInfo::None => serde_json::Value::Null,
        BodyInfo::Object { type_name, required } => serde_json::json!({ "object": type_name, "required": required }),
        BodyInfo::Array { items, .. } => serde_json::json!({ "array": items }),
    };
    serde_json::json!({
        "name": describe.name,
        "title": describe.title,
        "method": method(endpoint),
        "path": describe.path,
        "docs_url": describe.docs_url,
        "rate_limit_class": describe.rate_class.name,
        "idempotent": describe.idempotent,
        "changes_state": describe.changes_state,
        "query": endpoint.params.iter().map(field).collect::<Vec<_>>(),
        "body": body,
        "import": endpoint.rows().map(|rows| rows.fields.iter().map(field).collect::<Vec<_>>()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_pairs_parse() {
        assert_eq!(
            parse_rate_limit("25/0.25"),
            Ok(RateLimit {
                calls: 25,
                per: Duration::from_millis(250)
            })
        );
        for bad in ["25", "0/5", "25/0", "x/5", "25/-1", "25/inf"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_pair("A=b=c"), Ok(("A".into(), "b=c".into())));
        assert!(parse_pair("=x").is_err());
        let (class, limit) = parse_class_rate_limit("BULK=5/5").unwrap();
        assert_eq!((class, limit.calls), (RateLimitClass::Bulk, 5));
        let unknown = parse_class_rate_limit("bluk=5/5").unwrap_err();
        assert!(unknown.contains("standard, bulk"), "{unknown}");
    }

    #[test]
    fn bulk_parameters_are_import_flags_and_endpoints_are_found_by_title() {
        let matches = command()
            .try_get_matches_from([
                "leadsquared",
                "import",
                "Add Opportunities in Bulk",
                "deals.csv",
                "--search-by",
                "Phone",
            ])
            .unwrap();
        let (_, import) = matches.subcommand().unwrap();
        let endpoint = import.get_one::<String>("endpoint").unwrap();
        assert_eq!(crate::spec::find(endpoint).unwrap().name(), "add_opportunities_in_bulk");
        assert_eq!(endpoint_flags(import), [("SearchBy".to_owned(), "Phone".to_owned())]);
        let error = command()
            .try_get_matches_from(["leadsquared", "import", "get_lead_by_email", "x.csv"])
            .unwrap_err();
        assert!(error.to_string().contains("add_opportunities_in_bulk"), "{error}");
    }

    #[test]
    fn the_listing_names_every_endpoint_with_its_link() {
        let text = endpoints_listing(false);
        for endpoint in leadsquared::endpoints::ALL {
            assert!(text.contains(endpoint.name), "{}", endpoint.name);
            if let Some(url) = endpoint.docs_url {
                assert!(text.contains(url));
            }
        }
        assert_eq!(
            endpoints_listing(true).lines().count(),
            leadsquared::endpoints::ALL.len()
        );
    }
}
