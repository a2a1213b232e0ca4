//! `leadsquared sandbox`: the standalone sandbox (`cargo sandbox`), with the same options.
//!
//! The options are those of the sandbox crate's binary (`sandbox/src/main.rs`) and are read the
//! same way; the server is the sandbox crate's [`Sandbox`], started through its public builder.
//! When the sandbox crate offers its command line as a library function, this module becomes a
//! call to it.

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Lead, Sandbox, SandboxBuilder};

use crate::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};

const USAGE: &str = "\
leadsquared sandbox: an offline emulator of the LeadSquared API

Usage: leadsquared sandbox [OPTIONS]

Options:
  --addr HOST:PORT          Address to listen on [default: 127.0.0.1:0, an ephemeral port]
  --access-key KEY          Access key to accept [default: sandbox-access-key]
  --secret-key KEY          Secret key to accept [default: sandbox-secret-key]
  --rate-limit CALLS/SECS   At most CALLS calls in any SECS seconds, e.g. 25/5 or 25/0.25;
                            `off` disables it [default: 25/5]
  --leads FILE              Leads to store: a JSON array of objects keyed by field schema name,
                            e.g. [{\"EmailAddress\":\"a@example.com\",\"Phone\":\"+91-2543456794\"}]
  --unique-field NAME       Another unique lead field usable as SearchBy (repeatable)
  --mandatory-field NAME    An opportunity field every row must carry; replaces the default
                            mx_Custom_1 (repeatable; `none` requires none)
  --latency MILLIS          Wait this long before every answer [default: 0]
  --lean                    Keep counts, not contents (created rows, request bodies): for long runs
  -h, --help                Print this help

The first line of stdout is the base URL; give it to the command line as LSQ_BASE_URL with the
sandbox's keys as LSQ_ACCESS_KEY and LSQ_SECRET_KEY. Each call is logged on stderr. Stop it with
Ctrl-C.";

/// Runs the sandbox with `args` until Ctrl-C; the exit code.
pub async fn run(args: Vec<String>) -> u8 {
    let builder = match parse(args.into_iter()) {
        Ok(Some(builder)) => builder,
        Ok(None) => {
            println!("{USAGE}");
            return EXIT_OK;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return EXIT_USAGE;
        }
    };
    let sandbox = match builder.start().await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            eprintln!("error: {error}");
            return EXIT_FAILED;
        }
    };
    println!("{}", sandbox.base_url());
    let _ = std::io::stdout().flush();
    eprintln!(
        "leadsquared sandbox: serving {} leads; stop with Ctrl-C",
        sandbox.leads().len()
    );
    let mut shown = 0;
    let mut interrupted = std::pin::pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            _ = &mut interrupted => return EXIT_OK,
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let requests = sandbox.requests();
        for request in requests
            .iter()
            .skip(shown)
            .take_while(|r| r.status.is_some() || r.dropped)
        {
            let status = request
                .status
                .map_or("dropped".to_string(), |status| status.to_string());
            let rows = request.rows().map(|rows| format!(" rows={rows}")).unwrap_or_default();
            eprintln!(
                "{:>8.3}s {} {} -> {status}{rows}{}",
                request.at.as_secs_f64(),
                request.method,
                request.path,
                if request.processed { " processed" } else { "" },
            );
            shown += 1;
        }
    }
}

/// The builder the arguments describe, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<SandboxBuilder>, String> {
    let mut builder = Sandbox::builder();
    let (mut access_key, mut secret_key) = (DEFAULT_ACCESS_KEY.to_string(), DEFAULT_SECRET_KEY.to_string());
    let mut mandatory: Option<Vec<String>> = None;
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
                builder = if text == "off" {
                    builder.no_rate_limit()
                } else {
                    let limit =
                        crate::args::parse_rate_limit(&text).map_err(|error| format!("--rate-limit: {error}"))?;
                    builder.rate_limit(limit.calls, limit.per)
                };
            }
            "--leads" => {
                let path = value()?;
                let text =
                    std::fs::read_to_string(&path).map_err(|error| format!("--leads: cannot read {path}: {error}"))?;
                let leads = Lead::list_from_json(&text).map_err(|error| format!("--leads {path}: {error}"))?;
                builder = builder.leads(leads);
            }
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
                let millis: u64 = text
                    .parse()
                    .map_err(|_| format!("--latency: `{text}` is not a whole number of milliseconds"))?;
                builder = builder.latency(Duration::from_millis(millis));
            }
            "--lean" => builder = builder.lean(true),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    if let Some(list) = mandatory {
        builder = builder.mandatory_fields(list);
    }
    Ok(Some(builder.credentials(access_key, secret_key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> impl Iterator<Item = String> {
        text.split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn options_are_those_of_the_standalone_sandbox() {
        assert!(
            parse(args(
                "--addr 127.0.0.1:0 --rate-limit=5/1 --latency 3 --lean --mandatory-field none"
            ))
            .unwrap()
            .is_some()
        );
        assert!(parse(args("--rate-limit off")).unwrap().is_some());
        assert!(parse(args("--help")).unwrap().is_none());
        assert_eq!(parse(args("--addr")).unwrap_err(), "--addr needs a value");
        assert_eq!(parse(args("--port 1")).unwrap_err(), "unknown option `--port`");
        assert!(parse(args("--rate-limit 0/5")).unwrap_err().contains("CALLS/SECONDS"));
    }
}
