//! `cargo xtask scale`: what the spec's size costs, measured at two revisions in one run.
//!
//! For the base revision (default: the spec before the core-API coverage work, nine endpoints)
//! and `HEAD`, each checked out in its own worktree under `target/scale/` with its own target
//! directory, it measures:
//!
//! - generation: the wall time of the revision's own `xtask check` binary (release), which
//!   loads the whole spec and generates every file in-process, median of five runs, and per
//!   endpoint;
//! - the client crate's build, with its dependencies already built (`cargo clean -p
//!   leadsquared`, then `cargo build -p leadsquared`), debug and release;
//! - an incremental debug rebuild after a one-endpoint spec change (a sentence added to one
//!   endpoint's description, then `xtask generate`).
//!
//! Figures are wall-clock seconds on this machine, so only the ratios between the two
//! revisions, measured back to back, mean anything; nothing here is a pass/fail check.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The revision before the coverage work: nine endpoints.
const DEFAULT_BASE: &str = "ccacd0f";

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub fn run(root: &Path, base: Option<&str>) -> Result<()> {
    let base = base.unwrap_or(DEFAULT_BASE);
    let dir = root.join("target/scale");
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    for (label, rev) in [("base", base), ("head", "HEAD")] {
        let tree = dir.join(label);
        checkout(root, &tree, rev)?;
        eprintln!("== {label} ({rev}) in {}", tree.display());
        rows.push((label, rev, measure(&tree)?));
    }
    println!(
        "| revision | endpoints | generate (s) | per endpoint (ms) | clean debug (s) | clean release (s) | incremental debug (s) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (label, rev, m) in &rows {
        println!(
            "| {label} `{rev}` | {} | {:.3} | {:.2} | {:.1} | {:.1} | {:.1} |",
            m.endpoints,
            m.generate.as_secs_f64(),
            m.generate.as_secs_f64() * 1000.0 / m.endpoints.max(1) as f64,
            m.debug.as_secs_f64(),
            m.release.as_secs_f64(),
            m.incremental.as_secs_f64()
        );
    }
    if let [(_, _, before), (_, _, after)] = rows.as_slice() {
        let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64().max(1e-9);
        println!(
            "\nratios head/base: endpoints {:.2}, generate {:.2}, per endpoint {:.2}, clean debug {:.2}, clean release {:.2}, incremental debug {:.2}",
            after.endpoints as f64 / before.endpoints.max(1) as f64,
            ratio(before.generate, after.generate),
            ratio(before.generate, after.generate) * before.endpoints as f64 / after.endpoints.max(1) as f64,
            ratio(before.debug, after.debug),
            ratio(before.release, after.release),
            ratio(before.incremental, after.incremental)
        );
    }
    Ok(())
}

struct Measured {
    endpoints: usize,
    generate: Duration,
    debug: Duration,
    release: Duration,
    incremental: Duration,
}

/// A detached worktree of `rev` at `tree`, reset to it if it exists.
fn checkout(root: &Path, tree: &Path, rev: &str) -> Result<()> {
    if tree.join(".git").exists() {
        git(tree, &["checkout", "--quiet", "--force", "--detach", rev])?;
        git(tree, &["clean", "--quiet", "-fd", "--exclude=target"])?;
    } else {
        git(
            root,
            &[
                "worktree",
                "add",
                "--quiet",
                "--force",
                "--detach",
                &tree.to_string_lossy(),
                rev,
            ],
        )?;
    }
    Ok(())
}

fn git(dir: &Path, args: &[&str]) -> Result<()> {
    let status = Command::new("git").arg("-C").arg(dir).args(args).status()?;
    if !status.success() {
        return Err(format!("git {} failed in {}", args.join(" "), dir.display()).into());
    }
    Ok(())
}

fn cargo(tree: &Path, args: &[&str]) -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(tree)
        .env("CARGO_TARGET_DIR", tree.join("target"))
        .args(args)
        .status()?;
    if !status.success() {
        return Err(format!("cargo {} failed in {}", args.join(" "), tree.display()).into());
    }
    Ok(started.elapsed())
}

fn measure(tree: &Path) -> Result<Measured> {
    let endpoints = count_endpoints(&tree.join("spec"))?;
    // Dependencies and the generator, built once and not measured.
    cargo(tree, &["build", "--quiet", "--release", "-p", "xtask"])?;
    cargo(tree, &["build", "--quiet", "-p", "leadsquared"])?;
    cargo(tree, &["build", "--quiet", "--release", "-p", "leadsquared"])?;
    let xtask = tree.join("target/release/xtask");
    let mut runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let status = Command::new(&xtask).current_dir(tree).arg("check").output()?.status;
        runs.push(started.elapsed());
        if !status.success() {
            return Err(format!("xtask check failed in {}", tree.display()).into());
        }
    }
    runs.sort();
    let generate = runs[runs.len() / 2];
    cargo(tree, &["clean", "--quiet", "-p", "leadsquared"])?;
    let debug = cargo(tree, &["build", "--quiet", "-p", "leadsquared"])?;
    cargo(tree, &["clean", "--quiet", "--release", "-p", "leadsquared"])?;
    let release = cargo(tree, &["build", "--quiet", "--release", "-p", "leadsquared"])?;
    edit_one_endpoint(&tree.join("spec"))?;
    let status = Command::new(&xtask).current_dir(tree).arg("generate").output()?.status;
    if !status.success() {
        return Err(format!("xtask generate failed in {}", tree.display()).into());
    }
    let incremental = cargo(tree, &["build", "--quiet", "-p", "leadsquared"])?;
    Ok(Measured {
        endpoints,
        generate,
        debug,
        release,
        incremental,
    })
}

fn spec_files(spec: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(spec)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Endpoints: entries of an `endpoints:` list (`  - name:` after that key).
fn count_endpoints(spec: &Path) -> Result<usize> {
    let mut count = 0;
    for file in spec_files(spec)? {
        let text = std::fs::read_to_string(file)?;
        let mut in_endpoints = false;
        for line in text.lines() {
            if !line.starts_with(' ') && !line.is_empty() {
                in_endpoints = line.starts_with("endpoints:");
            } else if in_endpoints && line.starts_with("  - name: ") {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Adds a sentence to one endpoint's description, as a one-endpoint change a maintainer makes:
/// the first `    description: ` line after an `endpoints:` key (or the first line of its
/// folded block) gets a suffix.
fn edit_one_endpoint(spec: &Path) -> Result<()> {
    for file in spec_files(spec)? {
        let text = std::fs::read_to_string(&file)?;
        let Some(start) = text.find("\nendpoints:\n") else {
            continue;
        };
        let Some(at) = text[start..].find("\n    description: ") else {
            continue;
        };
        let at = start + at + 1;
        let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let line = &text[at..end];
        let edited = if line.trim_end().ends_with(">-") || line.trim_end().ends_with('>') {
            // A folded block: its first content line follows; append there.
            let next_end = text[end + 1..].find('\n').map_or(text.len(), |i| end + 1 + i);
            format!(
                "{} Edited for the build benchmark.{}",
                &text[..next_end],
                &text[next_end..]
            )
        } else if line.ends_with('"') || line.ends_with('\'') {
            // A quoted scalar: inside the quotes.
            format!(
                "{} Edited for the build benchmark.{}",
                &text[..end - 1],
                &text[end - 1..]
            )
        } else {
            format!("{} Edited for the build benchmark.{}", &text[..end], &text[end..])
        };
        std::fs::write(&file, edited)?;
        return Ok(());
    }
    Err("no endpoint description to edit".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_endpoint_description_is_edited_and_endpoints_are_counted() {
        let dir = std::env::temp_dir().join(format!("xtask-scale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = "types:\n  - name: T\n    kind: object\n    description: a type\nendpoints:\n  - name: a\n    description: \"First.\"\n  - name: b\n    description: >-\n      Second.\n";
        std::fs::write(dir.join("x.yaml"), spec).unwrap();
        assert_eq!(count_endpoints(&dir).unwrap(), 2);
        edit_one_endpoint(&dir).unwrap();
        let edited = std::fs::read_to_string(dir.join("x.yaml")).unwrap();
        assert!(
            edited.contains("description: \"First. Edited for the build benchmark.\""),
            "{edited}"
        );
        assert!(edited.contains("description: a type\n"), "types are left alone");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
