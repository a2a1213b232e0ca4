//! The standalone sandbox's command line, as library functions, so that another binary (e.g. a
//! command-line tool with a `sandbox` subcommand) runs the same server with the same options:
//!
//! ```no_run
//! use std::process::ExitCode;
//!
//! fn main() -> ExitCode {
//!     // e.g. `mytool sandbox --addr 127.0.0.1:8080`: pass what follows the subcommand.
//!     leadsquared_sandbox::cli::run(std::env::args().skip(2))
//! }
//! ```
//!
//! The options are parsed by hand: a few flags with one value each, and the sandbox should not
//! pull an argument parser into the dependency tree of users who depend on it for their tests.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::{
    DEFAULT_ACCESS_KEY, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_RECORDS, DEFAULT_MAX_STORE_BYTES, DEFAULT_READ_TIMEOUT,
    DEFAULT_REQUEST_LOG, DEFAULT_SECRET_KEY, Fault, Lead, RateLimitRefusal, RecordedRequest, Sandbox, SandboxBuilder,
};

/// The help text of the standalone sandbox.
pub const USAGE: &str = "\
leadsquared-sandbox: an offline emulator of the LeadSquared API

Usage: leadsquared-sandbox [OPTIONS]

Options:
  --addr HOST:PORT          Address to listen on [default: 127.0.0.1:0, an ephemeral port]
  --access-key KEY          Access key to accept [default: sandbox-access-key]
  --secret-key KEY          Secret key to accept [default: sandbox-secret-key]
  --plan NAME               The account's plan (Lite, Pro, Super, Basic, Standard, Enterprise,
                            in any case): every rate-limit class keeps to the plan's figure
                            [default: no plan, the classes' defaults: standard 25/5, bulk 1/5]
  --rate-limit CALLS/SECS   At most CALLS calls in any SECS seconds for the standard class
                            (every endpoint but the bulk ones), e.g. 25/5 or 25/0.25; `off`
                            disables rate limiting for every class
  --rate-limit-class CLASS=CALLS/SECS
                            The same for one class, e.g. bulk=1/5 or bulk=off (repeatable)
  --rate-limit-status CODE  The HTTP status of a rate-limit refusal, 429 or 200; the body always
                            carries MXAPIRateLimitExceededException [default: 429]
  --search-by-ignore-case   Accept a SearchBy value in another case than the field's schema name
                            [default: the exact schema name, as the API documents it]
  --leads FILE              Leads to store: a JSON array of objects keyed by field schema name,
                            e.g. [{\"EmailAddress\":\"a@example.com\",\"Phone\":\"+91-2543456794\"}]
  --documented-records      Start with the records the spec's examples name, so that every
                            documented request finds what it addresses
  --max-records N           Hold at most N leads, N opportunities, N activities and N tasks
                            [default: 100000]
  --max-store-bytes N       Hold at most N bytes of records, as JSON [default: 67108864]
  --unique-field NAME       Another unique lead field usable as SearchBy (repeatable)
  --mandatory-field NAME    An opportunity field every row must carry; replaces the default
                            mx_Custom_1 (repeatable; `none` requires none)
  --latency MILLIS          Wait this long before every answer [default: 0]
  --jitter MIN..MAX         A network delay per call drawn from MIN..MAX milliseconds, part
                            before the call arrives and part before its answer [default: none]
  --fault JSON              A fault for the first calls, in the JSON of POST /_sandbox/faults,
                            e.g. '{\"Fault\":\"Status\",\"Status\":500,\"Times\":2}' (repeatable)
  --lean                    Count created opportunities instead of keeping them: for long runs
  --keep-bodies             Keep the JSON body of every processed call in the request log
  --request-log CALLS       Keep the most recent CALLS calls in the request log [default: 10000]
  --max-connections N       Serve at most N connections at once [default: 512]
  --read-timeout SECS       Close connections whose request head (or idle wait) takes longer;
                            answer 408 to a body that does [default: 30]
  --quiet                   Do not log each call on stderr
  -h, --help                Print this help

The first line of stdout is the base URL to give the client; then each call is logged on stderr.
Stop it with Ctrl-C. The sandbox's own API, with the same keys, is below /_sandbox/: GET summary,
requests, opportunities, leads, faults, settings; POST leads, faults, settings, reset; DELETE
faults. Leads, opportunities, activities and tasks created through the API are found, changed
and deleted through it (see the crate docs for the stateful endpoints).";

/// Runs the standalone sandbox with `args` (the options, without the program name) until
/// Ctrl-C, on a runtime of its own; the process's exit code. Call [`run_async`] instead from
/// inside a tokio runtime.
pub fn run<I, S>(args: I) -> ExitCode
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let options = match parse(args.into_iter().map(Into::into)) {
        Ok(Some(options)) => options,
        Ok(None) => return help(),
        Err(message) => return usage_error(&message),
    };
    // Two workers, so that taking a call's headers (where the rate limit is counted) does not wait
    // behind another call's processing.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(options))
}

/// [`run`] on the current tokio runtime (which must have its time and I/O drivers enabled).
pub async fn run_async<I, S>(args: I) -> ExitCode
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    match parse(args.into_iter().map(Into::into)) {
        Ok(Some(options)) => serve(options).await,
        Ok(None) => help(),
        Err(message) => usage_error(&message),
    }
}

fn help() -> ExitCode {
    println!("{USAGE}");
    ExitCode::SUCCESS
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

/// What the command line asks for.
struct Options {
    builder: SandboxBuilder,
    faults: Vec<(Fault, usize)>,
    quiet: bool,
}

async fn serve(options: Options) -> ExitCode {
    let mut builder = options.builder;
    if !options.quiet {
        builder = builder.on_call(|request| eprintln!("{}", call_line(request)));
    }
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (fault, times) in options.faults {
        sandbox.inject(fault, times);
    }
    println!("{}", sandbox.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "leadsquared-sandbox: serving {} leads; stop with Ctrl-C",
        sandbox.summary().leads
    );
    if tokio::signal::ctrl_c().await.is_err() {
        // No signal handler could be installed: serve until the process is killed.
        std::future::pending::<()>().await;
    }
    sandbox.shutdown().await;
    ExitCode::SUCCESS
}

/// One line per call: `   0.123s POST /v2/… -> 200 rows=25 processed`.
fn call_line(request: &RecordedRequest) -> String {
    let status = request
        .status
        .map_or("dropped".to_string(), |status| status.to_string());
    let rows = request.rows().map(|rows| format!(" rows={rows}")).unwrap_or_default();
    format!(
        "{:>8.3}s {} {} -> {status}{rows}{}",
        request.at.as_secs_f64(),
        request.method,
        request.path,
        if request.processed { " processed" } else { "" },
    )
}

/// The options the arguments describe, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut builder = Sandbox::builder();
    let (mut access_key, mut secret_key) = (DEFAULT_ACCESS_KEY.to_string(), DEFAULT_SECRET_KEY.to_string());
    let mut mandatory: Option<Vec<String>> = None;
    let mut faults = Vec::new();
    let mut quiet = false;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match flag.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (flag, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        let whole = |text: &str, what: &str| {
            text.parse::<usize>()
                .map_err(|_| format!("{flag}: `{text}` is not a whole number of {what}"))
        };
        match flag.as_str() {
            "--addr" => {
                let text = value()?;
                let addr: SocketAddr = text
                    .parse()
                    .map_err(|_| format!("--addr: `{text}` is not HOST:PORT, e.g. 127.0.0.1:8080"))?;
                builder = builder.addr(addr);
            }
            "--access-key" => access_key = value()?,
            "--secret-key" => secret_key = value()?,
            "--rate-limit" => {
                let text = value()?;
                builder = match parse_rate_limit(&text)? {
                    Some((calls, per)) => builder.rate_limit(calls, per),
                    None => builder.no_rate_limit(),
                };
            }
            "--plan" => {
                let plan = value()?;
                crate::plan_index(&crate::SCHEMA, &plan).map_err(|error| format!("--plan: {error}"))?;
                builder = builder.plan(plan);
            }
            "--rate-limit-class" => {
                let text = value()?;
                let (class, limit) = text.split_once('=').ok_or(format!(
                    "--rate-limit-class takes CLASS=CALLS/SECS, e.g. bulk=5/1, not {text:?}"
                ))?;
                let class = class.trim();
                crate::class_index(&crate::SCHEMA, class).map_err(|error| format!("--rate-limit-class: {error}"))?;
                let limit = parse_rate_limit(limit)?.map(|(calls, per)| crate::rate_limit(calls, per));
                builder = builder.limit_classes(crate::Classes::Named(class.to_string()), limit);
            }
            "--rate-limit-status" => {
                let text = value()?;
                let refusal = text
                    .parse::<u16>()
                    .ok()
                    .and_then(RateLimitRefusal::from_status)
                    .ok_or(format!("--rate-limit-status: `{text}` is not 429 or 200"))?;
                builder = builder.rate_limit_refusal(refusal);
            }
            "--search-by-ignore-case" => builder = builder.search_by_ignore_case(true),
            "--leads" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(&path).map_err(|error| format!("--leads: cannot read {path}: {error}"))?;
                let leads = Lead::list_from_json(&text).map_err(|error| format!("--leads {path}: {error}"))?;
                builder = builder.leads(leads);
            }
            "--documented-records" => builder = builder.documented_records(true),
            "--max-records" => builder = builder.max_records(whole(&value()?, "records")?),
            "--max-store-bytes" => builder = builder.max_store_bytes(whole(&value()?, "bytes")?),
            "--unique-field" => builder = builder.unique_field(value()?),
            "--mandatory-field" => {
                let name = value()?;
                let list = mandatory.get_or_insert_with(Vec::new);
                if name != "none" {
                    list.push(name);
                }
            }
            "--latency" => {
                let text = value()?;
                let millis = whole(&text, "milliseconds")?;
                builder = builder.latency(Duration::from_millis(millis as u64));
            }
            "--jitter" => {
                let text = value()?;
                let (min, max) = text
                    .split_once("..")
                    .ok_or_else(|| format!("--jitter takes MIN..MAX milliseconds, e.g. 50..300, not {text:?}"))?;
                let (min, max) = (whole(min, "milliseconds")?, whole(max, "milliseconds")?);
                builder = builder.jitter(Duration::from_millis(min as u64), Duration::from_millis(max as u64));
            }
            "--fault" => {
                let text = value()?;
                let json: serde_json::Value =
                    serde_json::from_str(&text).map_err(|error| format!("--fault: `{text}` is not JSON: {error}"))?;
                let fault = crate::admin::fault_from_json(&json).map_err(|message| format!("--fault: {message}"))?;
                faults.push(fault);
            }
            "--lean" => builder = builder.lean(true),
            "--keep-bodies" => builder = builder.keep_bodies(true),
            "--request-log" => builder = builder.request_log(whole(&value()?, "calls")?),
            "--max-connections" => {
                let connections = whole(&value()?, "connections")?;
                if connections == 0 {
                    return Err("--max-connections: at least 1".into());
                }
                builder = builder.max_connections(connections);
            }
            "--read-timeout" => {
                let text = value()?;
                let seconds: f64 = text
                    .parse()
                    .ok()
                    .filter(|seconds: &f64| *seconds > 0.0 && seconds.is_finite() && *seconds < 1e9)
                    .ok_or(format!("--read-timeout: `{text}` is not a positive number of seconds"))?;
                builder = builder.read_timeout(Duration::from_secs_f64(seconds));
            }
            "--quiet" => quiet = true,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if let Some(list) = mandatory {
        builder = builder.mandatory_fields(list);
    }
    Ok(Some(Options {
        builder: builder.credentials(access_key, secret_key),
        faults,
        quiet,
    }))
}

/// `25/5` → 25 calls per 5 s; `off` → no limit.
pub(crate) fn parse_rate_limit(text: &str) -> Result<Option<(u32, Duration)>, String> {
    if text == "off" {
        return Ok(None);
    }
    let invalid = || format!("--rate-limit: `{text}` is not CALLS/SECONDS, e.g. 25/5 or 25/0.25, or off");
    let (calls, seconds) = text.split_once('/').ok_or_else(invalid)?;
    let calls: u32 = calls.trim().parse().map_err(|_| invalid())?;
    let seconds: f64 = seconds.trim().parse().map_err(|_| invalid())?;
    if calls == 0 || !(seconds > 0.0 && seconds.is_finite() && seconds < 1e9) {
        return Err(invalid());
    }
    Ok(Some((calls, Duration::from_secs_f64(seconds))))
}

// The defaults the help text states.
const _: () = assert!(DEFAULT_REQUEST_LOG == 10_000 && DEFAULT_MAX_CONNECTIONS == 512);
const _: () = assert!(DEFAULT_READ_TIMEOUT.as_secs() == 30);
const _: () = assert!(DEFAULT_MAX_RECORDS == 100_000 && DEFAULT_MAX_STORE_BYTES == 67_108_864);

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    fn debug(text: &str) -> String {
        match parse(args(text)) {
            Ok(Some(options)) => format!("{:?}", options.builder),
            other => panic!("{text}: {:?}", other.err()),
        }
    }

    #[test]
    fn rate_limits_parse_as_calls_per_seconds() {
        assert_eq!(parse_rate_limit("25/5"), Ok(Some((25, Duration::from_secs(5)))));
        assert_eq!(parse_rate_limit("25/0.25"), Ok(Some((25, Duration::from_millis(250)))));
        assert_eq!(parse_rate_limit("off"), Ok(None));
        for bad in ["25", "0/5", "25/0", "x/5", "25/-1", "25/inf", "25/1e300"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn options_are_checked_and_help_is_recognised() {
        assert!(
            parse(args("--addr 127.0.0.1:0 --rate-limit=5/1 --latency 3"))
                .unwrap()
                .is_some()
        );
        assert!(parse(args("--help")).unwrap().is_none());
        let error = |text: &str| parse(args(text)).err().unwrap_or_default();
        assert_eq!(error("--addr"), "--addr needs a value");
        assert!(error("--addr localhost").contains("HOST:PORT"));
        assert_eq!(error("--port 1"), "unknown option `--port`");
        assert!(error("--leads /nonexistent/leads.json").contains("cannot read"));
        assert!(error("--rate-limit-status 500").contains("not 429 or 200"));
        assert!(error("--request-log -1").contains("not a whole number of calls"));
        assert!(error("--max-connections 0").contains("at least 1"));
        assert!(error("--read-timeout 0").contains("positive number of seconds"));
        assert!(error("--fault {").contains("is not JSON"));
        assert!(error(r#"--fault {"Fault":"Nope"}"#).contains("unknown fault `Nope`"));
        assert_eq!(
            error("--plan gold"),
            "--plan: no plan is named `gold`; the plans are Lite, Pro, Super, Basic, Standard, Enterprise"
        );
        assert!(error("--rate-limit-class bulk").contains("CLASS=CALLS/SECS"));
        assert!(error("--rate-limit-class bluk=1/5").contains("the classes are standard, bulk"));
        assert!(error("--rate-limit-class bulk=fast").contains("not CALLS/SECONDS"));
    }

    #[test]
    fn the_plan_and_the_limits_per_class_reach_the_builder() -> Result<(), crate::SandboxError> {
        let options = parse(args("--plan standard --rate-limit-class bulk=5/1 --rate-limit 20/5"))
            .unwrap()
            .unwrap();
        let (plan, limits) = options.builder.rate_limits()?;
        let calls: Vec<Option<u32>> = limits.iter().map(|limit| limit.map(|limit| limit.calls)).collect();
        assert_eq!((plan, calls), (Some(4), vec![Some(20), Some(5)]));
        let options = parse(args("--plan pro --rate-limit off --rate-limit-class bulk=2/5"))
            .unwrap()
            .unwrap();
        let (_, limits) = options.builder.rate_limits()?;
        let calls: Vec<Option<u32>> = limits.iter().map(|limit| limit.map(|limit| limit.calls)).collect();
        assert_eq!(
            calls,
            [None, Some(2)],
            "`off` turns every class off; a later class limit wins"
        );
        Ok(())
    }

    #[test]
    fn options_reach_the_builder() {
        let text = debug(
            "--rate-limit-status 200 --search-by-ignore-case --keep-bodies --lean --request-log 7 \
             --max-connections 9 --read-timeout 1.5 --documented-records --max-records 5 --max-store-bytes 4096",
        );
        for expected in [
            "rate_limit_refusal: Status200",
            "search_by_ignore_case: true",
            "keep_bodies: true",
            "lean: true",
            "request_log: 7",
            "max_connections: 9",
            "read_timeout: 1.5s",
            "documented_records: true",
            "max_records: 5",
            "max_store_bytes: 4096",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
        let defaults = debug("");
        for expected in [
            "rate_limit_refusal: Status429",
            "search_by_ignore_case: false",
            "keep_bodies: false",
            "request_log: 10000",
            "max_connections: 512",
            "read_timeout: 30s",
            "documented_records: false",
            "max_records: 100000",
            "max_store_bytes: 67108864",
        ] {
            assert!(defaults.contains(expected), "{expected} in {defaults}");
        }
        let faults = parse(args(
            r#"--fault {"Fault":"Status","Status":500,"Times":2} --fault {"Fault":"MalformedBody"} --quiet"#,
        ))
        .unwrap()
        .unwrap();
        assert_eq!(faults.faults, [(Fault::Status(500), 2), (Fault::MalformedBody, 1)]);
        assert!(faults.quiet);
    }
}
