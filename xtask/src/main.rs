//! `cargo xtask`: project automation, kept to few dependencies so it builds fast.
//!
//! - `cargo xtask generate [--stat]` regenerates the client from `spec/`, writes only files
//!   that changed, removes generated files the spec no longer produces, and prints what
//!   changed (a unified diff, or a summary with `--stat`).
//! - `cargo xtask check` changes nothing and fails when any committed generated file is
//!   stale, printing the diff and the command that fixes it.
//!
//! - `cargo xtask diff [--base REV] [--format text|markdown|json] [--fail-on-breaking]
//!   [--check-version]` compares the spec at a git revision (default `HEAD`) with the working
//!   tree through the generator's model and reports what the change means for users of the
//!   client: each change classified breaking, compatible or documentation (see `apidiff`), the
//!   version bump it calls for, and the size of the generated-code diff.
//! - `cargo xtask bench` runs the client's benchmark (`cargo bench -p leadsquared --bench
//!   bulk`, release build) and passes its output through; the last line is a machine-readable
//!   summary.
//!
//! `generate` and `check` go through [`fresh::plan`], which a `#[test]` also runs, so
//! `cargo test` catches stale generated code too.

mod apidiff;
mod fresh;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  generate [--stat]   regenerate generated-client/src/generated from spec/ and show what changed
  check               fail if the generated code is stale (nothing is written)
  diff [--base REV] [--head REV] [--format text|markdown|json] [--fail-on-breaking] [--check-version]
                      what the spec change from --base (default HEAD; `empty` for no spec) to
                      --head (default: the working tree) means for the client's users
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
        ["diff", rest @ ..] => match DiffArgs::parse(rest) {
            Ok(args) => diff(&root, &args),
            Err(message) => {
                eprintln!("{message}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        },
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
}

impl DiffArgs {
    fn parse(args: &[&str]) -> Result<DiffArgs, String> {
        let mut parsed = DiffArgs {
            base: "HEAD".into(),
            head: None,
            format: "text".into(),
            fail_on_breaking: false,
            check_version: false,
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
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        Ok(parsed)
    }
}

/// `git show REV:path`, or `None` when the file is not there.
fn git_show(root: &std::path::Path, rev: &str, path: &str) -> Option<String> {
    let output = std::process::Command::new("git")
        .current_dir(root)
        .args(["show", &format!("{rev}:{path}")])
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The spec files at `rev`, or an error when the revision does not exist.
fn spec_at(root: &std::path::Path, rev: &str) -> Result<Vec<codegen::SourceFile>, String> {
    if rev == "empty" {
        return Ok(Vec::new());
    }
    let output = std::process::Command::new("git")
        .current_dir(root)
        .args(["ls-tree", "-r", "--name-only", rev, "--", "spec"])
        .output()
        .map_err(|error| format!("could not run git: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "git does not know the revision `{rev}`: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let mut files = Vec::new();
    for path in String::from_utf8_lossy(&output.stdout).lines() {
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            let text = git_show(root, rev, path).unwrap_or_default();
            files.push(codegen::SourceFile {
                name: path.to_string(),
                text,
            });
        }
    }
    Ok(files)
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

fn package_version(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        line.trim()
            .strip_prefix("version = ")
            .map(|v| v.trim_matches('"').to_string())
    })
}

fn diff(root: &std::path::Path, args: &DiffArgs) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let base_files = spec_at(root, &args.base)?;
    let new_files = match &args.head {
        Some(rev) => spec_at(root, rev)?,
        None => codegen::read_spec_dir(&root.join("spec"), root)?,
    };
    let new_spec = match codegen::load(&new_files) {
        Ok(spec) => spec,
        Err(diagnostics) => {
            eprintln!("{diagnostics}");
            eprintln!(
                "error: the spec at {} does not load; fix it first",
                args.head.as_deref().unwrap_or("the working tree")
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let (base_spec, note) = if base_files.is_empty() {
        (
            None,
            Some(format!("The spec at `{}` has no files: everything is new.", args.base)),
        )
    } else {
        match codegen::load(&base_files) {
            Ok(spec) => (Some(spec), None),
            Err(diagnostics) => {
                let first = diagnostics.to_string().lines().next().unwrap_or_default().to_string();
                let note = format!(
                    "The spec at `{}` does not load ({first}); the working tree is compared with an empty spec.",
                    args.base
                );
                (None, Some(note))
            }
        }
    };
    let changes = apidiff::compare(base_spec.as_ref(), &new_spec);
    let old_code = if base_spec.is_some() {
        codegen::generate(&base_files).unwrap_or_default()
    } else {
        Vec::new()
    };
    let new_code = codegen::generate(&new_files)?;
    let code = code_changes(&old_code, &new_code);
    print!("{}", apidiff::render(&changes, &code, note.as_deref(), &args.format));
    let bump = apidiff::required_bump(&changes);
    let mut failed = false;
    if args.fail_on_breaking && bump == Some(apidiff::Impact::Breaking) {
        eprintln!("error: the spec change is breaking (--fail-on-breaking)");
        failed = true;
    }
    if args.check_version {
        let manifest = "generated-client/Cargo.toml";
        let old = git_show(root, &args.base, manifest).and_then(|text| package_version(&text));
        let new = match &args.head {
            Some(rev) => git_show(root, rev, manifest),
            None => std::fs::read_to_string(root.join(manifest)).ok(),
        }
        .and_then(|text| package_version(&text));
        match (old, new) {
            (Some(old), Some(new)) if !apidiff::version_bumped_enough(&old, &new, bump) => {
                eprintln!(
                    "error: {manifest} is at {new} (was {old}); the change calls for {}",
                    apidiff::bump_advice(bump)
                );
                failed = true;
            }
            (Some(_), Some(_)) => {}
            _ => eprintln!("note: could not read the package version of {manifest} at both revisions"),
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
