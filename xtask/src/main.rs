//! `cargo xtask`: project automation, kept to few dependencies so it builds fast.
//!
//! - `cargo xtask generate [--stat]` regenerates the client from `spec/`, writes only files
//!   that changed, removes generated files the spec no longer produces, and prints what
//!   changed (a unified diff, or a summary with `--stat`).
//! - `cargo xtask check` changes nothing and fails when any committed generated file is
//!   stale, printing the diff and the command that fixes it.
//! - `cargo xtask diff [--base REV | A...B] [--head REV] [--format text|markdown|json]
//!   [--fail-on-breaking] [--check-version] [--allow-unloadable-base] [--no-merge-base]`
//!   compares the spec at a git revision (default `HEAD`; a branch means its merge-base with
//!   the head) with the working tree through the generator's model and reports what the change
//!   means for users of the client: each change breaking, behaviour changed, compatible,
//!   documentation or unclassified (see `apidiff` and `codediff`), the version bump it calls
//!   for from the last release tag, and the size of the generated-code diff.
//! - `cargo xtask bench` runs the client's benchmark (`cargo bench -p leadsquared --bench
//!   bulk`, release build) and passes its output through; the last line is a machine-readable
//!   summary.
//! - `cargo xtask scale [--base REV]` measures what the spec's size costs (generation, clean
//!   and incremental builds of the client crate) at two revisions, as ratios (see `scale`).
//!
//! Every command works on the workspace that contains the current directory (found by walking
//! up to the `Cargo.toml` with `[workspace]`), not on a path fixed when xtask was built, so a
//! target directory shared by two checkouts cannot make one read or write the other.
//! `generate` and `check` go through [`fresh::plan`], which a `#[test]` also runs, so
//! `cargo test` catches stale generated code too.

mod apidiff;
mod codediff;
mod coverage;
mod fresh;
mod report;
mod revision;
mod scale;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate [--stat]   regenerate generated-client/src/generated from spec/ and show what changed
  check               fail if the generated code is stale (nothing is written)
  diff [--base REV | --base A...B] [--head REV] [--format text|markdown|json]
       [--fail-on-breaking] [--check-version] [--allow-unloadable-base] [--no-merge-base]
                      what the spec change from --base (default HEAD; a branch means its
                      merge-base with the head; `A...B` the merge-base of A and B, with B as
                      head; `empty` for no spec) to --head (default: the working tree) means
                      for the client's users. --fail-on-breaking: exit 1 on a breaking or
                      unclassified change the version does not announce; --check-version:
                      exit 1 when generated-client's version is not bumped as far as the
                      change calls for, from the last `v*` tag (or the base); a base whose
                      spec does not load is an error unless --allow-unloadable-base
  bench               run the client's benchmark (CPU, bulk throughput, rate limits, memory)
  scale [--base REV]  what the spec's size costs: generation time, the client crate's clean
                      debug/release build and an incremental rebuild after a one-endpoint spec
                      change, at REV (default: the nine-endpoint spec) and HEAD, as ratios";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let ["help" | "--help" | "-h"] | [] = args.as_slice() {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let root = match fresh::workspace_root() {
        Ok(root) => root,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = match args.as_slice() {
        ["generate"] => generate(&root, false),
        ["generate", "--stat"] => generate(&root, true),
        ["check"] => check(&root),
        ["bench"] => bench(&root),
        ["scale"] => scale::run(&root, None).map(|()| ExitCode::SUCCESS),
        ["scale", "--base", base] => scale::run(&root, Some(base)).map(|()| ExitCode::SUCCESS),
        ["diff", rest @ ..] => match DiffArgs::parse(rest) {
            Ok(args) => diff(&root, &args),
            Err(message) => {
                eprintln!("{message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("unknown arguments: {}\n\n{USAGE}", args.join(" "));
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
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

/// Runs the benchmark in release mode with this workspace's cargo, after building the
/// standalone sandbox it runs as its server (another package, so the benchmark cannot ask cargo
/// for it; it finds it beside itself in the target folder).
fn bench(root: &std::path::Path) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let built = std::process::Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release", "--package", "leadsquared-sandbox"])
        .status()?;
    if !built.success() {
        return Ok(ExitCode::FAILURE);
    }
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

struct DiffArgs {
    base: String,
    head: Option<String>,
    format: String,
    fail_on_breaking: bool,
    check_version: bool,
    allow_unloadable_base: bool,
    merge_base: bool,
}

impl DiffArgs {
    fn parse(args: &[&str]) -> Result<DiffArgs, String> {
        let mut parsed = DiffArgs {
            base: "HEAD".into(),
            head: None,
            format: "text".into(),
            fail_on_breaking: false,
            check_version: false,
            allow_unloadable_base: false,
            merge_base: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match *arg {
                "--base" => parsed.base = args.next().ok_or("--base needs a revision")?.to_string(),
                "--head" => parsed.head = Some(args.next().ok_or("--head needs a revision")?.to_string()),
                "--format" => {
                    parsed.format = args.next().ok_or("--format needs text, markdown or json")?.to_string();
                    if !["text", "markdown", "json"].contains(&parsed.format.as_str()) {
                        return Err(format!(
                            "unknown format `{}`; use text, markdown or json",
                            parsed.format
                        ));
                    }
                }
                "--fail-on-breaking" => parsed.fail_on_breaking = true,
                "--check-version" => parsed.check_version = true,
                "--allow-unloadable-base" => parsed.allow_unloadable_base = true,
                "--no-merge-base" => parsed.merge_base = false,
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(parsed)
    }
}

/// What is compared on one side: no spec, a commit, or the working tree.
enum Source {
    Empty,
    Commit(String),
    WorkingTree,
}

/// One side: what to read, and how the report names it.
type Compared = (Source, report::Side);

/// Resolves `--base` and `--head` into what to read and how the report names it.
fn resolve(git: &revision::Git<'_>, args: &DiffArgs) -> Result<(Compared, Compared), String> {
    let (base_arg, head_arg) = match args.base.split_once("...") {
        Some((base, head)) => {
            if base.is_empty() {
                return Err(format!("`--base {}` needs a revision before `...`", args.base));
            }
            if !head.is_empty() && args.head.is_some() {
                return Err(format!(
                    "`--base {}` already names the head; drop `--head` or write `--base {base}...`",
                    args.base
                ));
            }
            let head = if head.is_empty() {
                args.head.clone()
            } else {
                Some(head.to_string())
            };
            (Some(base), head)
        }
        None => (None, args.head.clone()),
    };
    let head = match &head_arg {
        Some(rev) => {
            let commit = git.commit(rev)?;
            let side = report::Side {
                label: rev.clone(),
                commit: Some(commit.clone()),
                how: None,
            };
            (Source::Commit(commit), side)
        }
        None => {
            let side = report::Side {
                label: "the working tree on HEAD".into(),
                commit: git.commit("HEAD").ok(),
                how: None,
            };
            (Source::WorkingTree, side)
        }
    };
    // The commit the head is on, for merge-bases.
    let head_commit = head.1.commit.clone().unwrap_or_else(|| "HEAD".into());
    let head_name = head_arg.clone().unwrap_or_else(|| "HEAD".into());
    let base = match base_arg {
        Some(rev) => {
            git.commit(rev)?;
            let commit = git.merge_base(rev, &head_commit)?;
            let side = report::Side {
                label: format!("{rev}...{}", head_arg.as_deref().unwrap_or("")),
                commit: Some(commit.clone()),
                how: Some(format!("the merge-base of {rev} and {head_name}")),
            };
            (Source::Commit(commit), side)
        }
        None if args.base == "empty" => (
            Source::Empty,
            report::Side {
                label: "`empty`".into(),
                commit: None,
                how: Some("no spec at all".into()),
            },
        ),
        None => {
            let rev = args.base.as_str();
            let tip = git.commit(rev)?;
            let (commit, how) = if args.merge_base && git.is_branch(rev) {
                let commit = git.merge_base(rev, &head_commit)?;
                let how = (commit != tip)
                    .then(|| format!("the merge-base of {rev} and {head_name}; --no-merge-base for its tip"));
                (commit, how)
            } else {
                (tip, None)
            };
            let side = report::Side {
                label: rev.to_string(),
                commit: Some(commit.clone()),
                how,
            };
            (Source::Commit(commit), side)
        }
    };
    Ok((base, head))
}

/// Lines added and removed per generated file between two sets of generated files.
fn code_changes(old: &[codegen::GeneratedFile], new: &[codegen::GeneratedFile]) -> Vec<(String, usize, usize)> {
    let mut paths: Vec<std::path::PathBuf> = old.iter().chain(new).map(fresh::generated_path).collect();
    paths.sort();
    paths.dedup();
    let text = |files: &[codegen::GeneratedFile], path: &std::path::Path| {
        files
            .iter()
            .find(|f| fresh::generated_path(f) == path)
            .map(|f| f.contents.clone())
            .unwrap_or_default()
    };
    paths
        .into_iter()
        .filter_map(|path| {
            let (added, removed) = fresh::line_counts(&text(old, &path), &text(new, &path));
            (added + removed > 0).then(|| (path.display().to_string(), added, removed))
        })
        .collect()
}

/// The `version` of a manifest's `[package]` table.
fn package_version(text: &str) -> Option<String> {
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("version") {
                let value = value.trim_start().strip_prefix('=')?.trim();
                return Some(value.trim_matches('"').to_string());
            }
        }
    }
    None
}

const MANIFEST: &str = "generated-client/Cargo.toml";

/// The crate's version at the head, and the version to measure it from: the last release tag
/// (`v*`) reachable from the head, or else the base revision's.
fn versions(
    root: &std::path::Path,
    git: &revision::Git<'_>,
    base: &Source,
    head: &Compared,
) -> Result<report::Versions, String> {
    let current = match &head.0 {
        Source::Commit(commit) => git.show(commit, MANIFEST)?,
        Source::WorkingTree => std::fs::read_to_string(root.join(MANIFEST)).ok(),
        Source::Empty => None,
    }
    .and_then(|text| package_version(&text));
    let head_commit = head.1.commit.as_deref().unwrap_or("HEAD");
    let reference = match git.last_release(head_commit) {
        Some(tag) => {
            let version = git
                .show(&tag, MANIFEST)?
                .and_then(|text| package_version(&text))
                .unwrap_or_else(|| tag.trim_start_matches('v').to_string());
            Some((version, format!("release tag {tag}")))
        }
        None => match base {
            Source::Commit(commit) => git
                .show(commit, MANIFEST)?
                .and_then(|text| package_version(&text))
                .map(|version| (version, "the base revision, no release tag `v*`".to_string())),
            Source::Empty | Source::WorkingTree => None,
        },
    };
    Ok(report::Versions { current, reference })
}

/// The report, and why the run fails (`--fail-on-breaking`, `--check-version`), if it does.
struct DiffOutcome {
    report: String,
    failures: Vec<String>,
}

fn diff(root: &std::path::Path, args: &DiffArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let outcome = run_diff(root, args)?;
    print!("{}", outcome.report);
    for failure in &outcome.failures {
        eprintln!("error: {failure}");
    }
    Ok(if outcome.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_diff(root: &std::path::Path, args: &DiffArgs) -> Result<DiffOutcome, Box<dyn std::error::Error>> {
    let git = revision::Git { root };
    let ((base_source, base_side), head) = resolve(&git, args)?;
    let new_files = match &head.0 {
        Source::Commit(commit) => git.spec_files(commit)?,
        Source::WorkingTree => codegen::read_spec_dir(&root.join("spec"), root)?,
        Source::Empty => Vec::new(),
    };
    let new_spec = codegen::load(&new_files).map_err(|diagnostics| {
        format!(
            "the spec at {} does not load; fix it first:\n{diagnostics}",
            head.1.label
        )
    })?;
    let base_files = match &base_source {
        Source::Commit(commit) => git.spec_files(commit)?,
        Source::Empty | Source::WorkingTree => Vec::new(),
    };
    let mut notes = Vec::new();
    let base_spec = if base_files.is_empty() {
        if matches!(base_source, Source::Commit(_)) {
            notes.push(format!(
                "The spec at {} has no files: everything is new.",
                base_side.label
            ));
        }
        None
    } else {
        match codegen::load(&base_files) {
            Ok(spec) => Some(spec),
            Err(diagnostics) => {
                let first = diagnostics.to_string().lines().next().unwrap_or_default().to_string();
                if !args.allow_unloadable_base {
                    return Err(format!(
                        "the spec at {} does not load with today's loader ({first}), so it cannot be compared; pick a later base, or pass --allow-unloadable-base to compare with an empty spec (everything then counts as new):\n{diagnostics}",
                        base_side.label
                    )
                    .into());
                }
                notes.push(format!(
                    "The spec at {} does not load ({first}); as --allow-unloadable-base asks, it is compared as an empty spec: everything counts as new.",
                    base_side.label
                ));
                None
            }
        }
    };
    let mut changes = apidiff::compare(base_spec.as_ref(), &new_spec);
    let new_code = codegen::generate(&new_files)?;
    let old_code = match base_spec {
        Some(_) => codegen::generate(&base_files)?,
        None => Vec::new(),
    };
    if base_spec.is_some() {
        let differences = codediff::differences(&old_code, &new_code)?;
        let unexplained = codediff::unexplained(&differences, &changes);
        changes.extend(unexplained);
    }
    let code = code_changes(&old_code, &new_code);
    let versions = versions(root, &git, &base_source, &head)?;
    let summary = report::Summary {
        base: &base_side,
        head: &head.1,
        changes: &changes,
        code: &code,
        notes: &notes,
        versions: &versions,
    };
    let report = report::render(&summary, &args.format);
    let bump = report::required_bump(&changes);
    let mut failures = Vec::new();
    if args.fail_on_breaking
        && bump.is_some_and(apidiff::Impact::is_breaking)
        && report::version_ok(&versions, bump) != Some(true)
    {
        failures.push(format!(
            "the spec change is breaking or unclassified and the version does not announce it (--fail-on-breaking): {}",
            report::advice(&versions, bump)
        ));
    }
    // A breaking change the version does not announce is reported once.
    if args.check_version && failures.is_empty() {
        match report::version_ok(&versions, bump) {
            Some(true) => {}
            Some(false) => failures.push(format!(
                "{MANIFEST}'s version is too low (--check-version): {}",
                report::advice(&versions, bump)
            )),
            None => failures.push(format!(
                "cannot check the version (--check-version): {}; it is read from {MANIFEST} at the head, and from the last `v*` tag or the base revision",
                report::advice(&versions, bump)
            )),
        }
    }
    Ok(DiffOutcome { report, failures })
}

#[cfg(test)]
mod tests;
