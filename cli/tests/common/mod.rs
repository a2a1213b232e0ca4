//! What the command line's tests share: the built binary, a scratch folder, files of deals, and
//! an in-process sandbox whose store the tests read.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use leadsquared_sandbox::{DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, Lead, Sandbox};

/// The `leadsquared` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_leadsquared");

/// A fresh folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lsq-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The leads every file of deals names: `lead-0@example.com` … `lead-{n-1}@example.com`.
pub fn leads(n: usize) -> Vec<Lead> {
    (0..n)
        .map(|i| Lead::new().with_email(format!("lead-{i}@example.com")))
        .collect()
}

/// A CSV of `rows` deals, each with a unique name `deal-{i}` in `mx_Custom_1`, spread over
/// `leads` leads.
pub fn deals_csv(path: &Path, rows: usize, leads: usize) {
    use std::io::Write as _;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "SearchByValue,OpportunityEventCode,mx_Custom_1").unwrap();
    for i in 0..rows {
        writeln!(file, "lead-{}@example.com,12114,deal-{i}", i % leads).unwrap();
    }
    file.flush().unwrap();
}

/// A command running the binary against `sandbox` (or nothing), with no credentials or config
/// from the environment of the test run.
pub fn command(sandbox: Option<&Sandbox>) -> Command {
    let mut command = Command::new(BIN);
    for name in [
        "LSQ_ACCESS_KEY",
        "LSQ_SECRET_KEY",
        "LSQ_HOST",
        "LSQ_BASE_URL",
        "LSQ_AUTH_PLACEMENT",
        "LSQ_PROFILE",
    ] {
        command.env_remove(name);
    }
    command.env(
        "LEADSQUARED_CONFIG",
        std::env::temp_dir().join("lsq-cli-tests-no-config.toml"),
    );
    if let Some(sandbox) = sandbox {
        command
            .env("LSQ_BASE_URL", sandbox.base_url())
            .env("LSQ_ACCESS_KEY", DEFAULT_ACCESS_KEY)
            .env("LSQ_SECRET_KEY", DEFAULT_SECRET_KEY);
    }
    command
}

/// Runs `command` to the end, with no standard input.
pub fn run(command: &mut Command) -> Output {
    command.stdin(std::process::Stdio::null()).output().unwrap()
}

/// The exit code, standard output and standard error, for assertion messages.
pub fn shown(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The report's lines after its header, each cut into its five columns.
pub fn report(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
