//! `leadsquared`: the LeadSquared API from the shell.
//!
//! - `leadsquared import <endpoint> <FILE>` runs an endpoint's bulk job over a CSV or JSONL file,
//!   with a progress bar, a report per row and a journal to resume after a crash.
//! - `leadsquared call <endpoint>` calls any endpoint and prints its typed answer as JSON.
//! - `leadsquared endpoints` lists the endpoints; `leadsquared sandbox` runs the offline
//!   emulator; `leadsquared config show` shows the profiles; `leadsquared completions` prints
//!   shell completions.
//!
//! The endpoints, their parameters, their calls and their bulk jobs come from the generated
//! `generated/dispatch.rs`, so an endpoint added to the spec appears here with no change.
//!
//! Exit codes: 0 everything applied, 1 some rows refused or failed (or the call failed), 2 some
//! rows (or the call) with an unknown outcome, 3 a usage or configuration error.

mod args;
mod config;
#[rustfmt::skip]
#[path = "generated/dispatch.rs"]
mod dispatch;
mod import;
mod rows;
mod spec;

use std::fmt;
use std::io::Read as _;
use std::process::ExitCode;

use clap::FromArgMatches as _;

use crate::args::{Cli, Command, ConfigCommand};

/// Exit code: every row applied (or the call succeeded).
pub const EXIT_OK: u8 = 0;
/// Exit code: some rows were refused, invalid or not applied (or the call failed).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: some rows (or the call) have an unknown outcome: check before sending them again.
pub const EXIT_UNKNOWN: u8 = 2;
/// Exit code: a usage or configuration error; nothing was sent.
pub const EXIT_USAGE: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The command line, a file or the configuration is wrong; nothing was sent.
    Usage(String),
    /// The call failed; the error says what is known about whether it was processed.
    Api(leadsquared::Error),
    /// Something else failed after the command started.
    Other(String),
}

impl Failure {
    /// A usage or configuration error.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// The process's exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Api(leadsquared::Error::Config { .. }) => EXIT_USAGE,
            Failure::Api(error) => match error.processed() {
                leadsquared::Processed::Never => EXIT_FAILED,
                _ => EXIT_UNKNOWN,
            },
            Failure::Other(_) => EXIT_FAILED,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(message) | Failure::Other(message) => f.write_str(message),
            Failure::Api(error) => write!(f, "{error}"),
        }
    }
}

fn main() -> ExitCode {
    let command = args::command();
    let matches = match command.try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            // Help and version go to stdout and succeed; every other parse error is a usage error.
            return ExitCode::from(if error.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let import_flags = matches
        .subcommand_matches("import")
        .map(args::endpoint_flags)
        .unwrap_or_default();
    // Two workers: the job's calls, and the reader, report and progress bar beside them.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: could not start the async runtime: {error}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let code = runtime.block_on(run(cli, import_flags));
    // Calls in flight were awaited; nothing left on the runtime needs to finish.
    runtime.shutdown_background();
    code
}

async fn run(cli: Cli, import_flags: Vec<(String, String)>) -> ExitCode {
    let result = match cli.command {
        Command::Import(import) => import::command(&cli.global, import, import_flags).await,
        Command::Call(call) => call_command(&cli.global, call).await,
        Command::Endpoints(options) => {
            print!("{}", args::endpoints_listing(options.json));
            Ok(EXIT_OK)
        }
        // The standalone sandbox's own command line, options and exit codes included.
        Command::Sandbox(options) => return leadsquared_sandbox::cli::run_async(options.args).await,
        Command::Config(ConfigCommand::Show(options)) => {
            config::show(&cli.global, options.profile.as_deref()).map(|text| {
                print!("{text}");
                EXIT_OK
            })
        }
        Command::Config(ConfigCommand::Path) => config::path(&cli.global).map(|path| {
            println!("{}", path.display());
            EXIT_OK
        }),
        Command::Completions(options) => {
            let mut command = args::command();
            clap_complete::generate(options.shell, &mut command, "leadsquared", &mut std::io::stdout());
            Ok(EXIT_OK)
        }
    };
    ExitCode::from(match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    })
}

async fn call_command(global: &args::Global, call: args::CallArgs) -> Result<u8, Failure> {
    let endpoint = spec::find(&call.endpoint)?;
    let body = match &call.body {
        None => None,
        Some(source) => {
            let text = if source == "-" {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|error| Failure::usage(format!("--body -: cannot read standard input: {error}")))?;
                text
            } else {
                std::fs::read_to_string(source)
                    .map_err(|error| Failure::usage(format!("--body: cannot read {source}: {error}")))?
            };
            let value = serde_json::from_str(&text)
                .map_err(|error| Failure::usage(format!("--body {source}: not JSON: {error}")))?;
            Some(value)
        }
    };
    let input = spec::Input::new(endpoint, &call.query, body)?;
    let connection = config::connect(global, &call.connection).await?;
    let answer = dispatch::call(&connection.client, endpoint.name(), &input).await?;
    let text = serde_json::to_string_pretty(&answer)
        .map_err(|error| Failure::Other(format!("the answer could not be printed: {error}")))?;
    println!("{text}");
    drop(connection);
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        args::command().debug_assert();
    }

    #[test]
    fn exit_codes_follow_what_is_known() {
        assert_eq!(Failure::usage("x").exit_code(), EXIT_USAGE);
        let config = leadsquared::Client::builder().build().unwrap_err();
        assert_eq!(Failure::Api(config).exit_code(), EXIT_USAGE);
    }
}
