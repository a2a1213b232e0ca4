//! The LeadSquared sandbox as a standalone server, for curl, other languages' tests, and
//! benchmarks that keep the server out of the client's process.
//!
//! ```text
//! cargo run -p leadsquared-sandbox -- \
//!     --addr 127.0.0.1:8080 --rate-limit 25/5 --leads leads.json
//! ```
//!
//! The first line on stdout is the base URL (e.g. `http://127.0.0.1:8080/v2`); every call is
//! then logged on stderr. Stop it with Ctrl-C. The options are those of
//! [`leadsquared_sandbox::cli::run`] (`--help` lists them).

use std::process::ExitCode;

fn main() -> ExitCode {
    leadsquared_sandbox::cli::run(std::env::args().skip(1))
}
