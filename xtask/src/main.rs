//! `cargo xtask`: project automation, kept to few dependencies so it builds fast.
//!
//! - `cargo xtask generate [--stat]` regenerates the client from `spec/`, writes only files
//!   that changed, removes generated files the spec no longer produces, and prints what
//!   changed (a unified diff, or a summary with `--stat`).
//! - `cargo xtask check` changes nothing and fails when any committed generated file is
//!   stale, printing the diff and the command that fixes it.
//!
//! - `cargo xtask bench` runs the client's benchmark (`cargo bench -p leadsquared --bench
//!   bulk`, release build) and passes its output through; the last line is a machine-readable
//!   summary.
//!
//! `generate` and `check` go through [`fresh::plan`], which a `#[test]` also runs, so
//! `cargo test` catches stale generated code too.

mod fresh;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate [--stat]   regenerate generated-client/src/generated from spec/ and show what changed
  check               fail if the generated code is stale (nothing is written)
  bench               run the client's benchmark (CPU, bulk throughput, rate limits, memory)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = fresh::workspace_root();
    let result = match args.as_slice() {
        ["generate"] => generate(&root, false),
        ["generate", "--stat"] => generate(&root, true),
        ["check"] => check(&root),
        ["bench"] => bench(&root),
        ["help" | "--help" | "-h"] | [] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

fn generate(root: &std::path::Path, stat: bool) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let changes = fresh::plan(root)?;
    if changes.is_empty() {
        println!("generated code is up to date ({})", fresh::GENERATED_DIR);
        return Ok(ExitCode::SUCCESS);
    }
    fresh::apply(root, &changes)?;
    for change in &changes {
        println!("{}", change.summary());
    }
    if !stat {
        for change in &changes {
            print!("{}", change.diff());
        }
    }
    println!(
        "{} generated file(s) changed; review them with the spec diff and commit both",
        changes.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(root: &std::path::Path) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let changes = fresh::plan(root)?;
    if changes.is_empty() {
        println!("generated code is fresh");
        return Ok(ExitCode::SUCCESS);
    }
    for change in &changes {
        print!("{}", change.diff());
    }
    eprintln!(
        "error: {} generated file(s) are stale or edited by hand:\n{}\nrun `cargo xtask generate` and commit the result",
        changes.len(),
        changes
            .iter()
            .map(|c| format!("  {}", c.summary()))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(ExitCode::FAILURE)
}

/// Runs the benchmark in release mode with this workspace's cargo.
fn bench(root: &std::path::Path) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(root)
        .args(["bench", "--quiet", "--package", "leadsquared", "--bench", "bulk"])
        .status()?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
