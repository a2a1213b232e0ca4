//! `cargo xtask diff` end to end on small git repositories: merge-bases, `A...B`, a base that
//! does not load, and versions measured from release tags or the base.

use super::*;
use std::path::PathBuf;

#[test]
fn the_package_version_is_read_from_the_package_table() {
    let manifest =
        "[package]\nname = \"leadsquared\"\nversion = \"0.3.1\"\n\n[dependencies]\nserde = { version = \"1\" }\n";
    assert_eq!(package_version(manifest).as_deref(), Some("0.3.1"));
    let later = "[dependencies]\nversion = \"9\"\n[package]\nname = \"x\"\nversion=\"1.2.3\"\n";
    assert_eq!(package_version(later).as_deref(), Some("1.2.3"));
    assert_eq!(package_version("[workspace]\nmembers = []\n"), None);
}

#[test]
fn diff_arguments_parse_and_refuse_unknown_ones() {
    let args = DiffArgs::parse(&["--base", "origin/main...", "--allow-unloadable-base", "--no-merge-base"]).unwrap();
    assert_eq!(args.base, "origin/main...");
    assert!(args.allow_unloadable_base && !args.merge_base);
    assert!(DiffArgs::parse(&["--format", "yaml"]).is_err());
    assert!(DiffArgs::parse(&["--frobnicate"]).is_err());
}

const API: &str = "api:
  name: Example
  crate_name: example
  base_url: \"https://{host}/v1\"
  hosts:
    - { region: Primary, host: api.example.com, default: true }
  auth:
    preferred: header
    header: { access_key: x-Key, secret_key: x-Secret }
    query: { access_key: key, secret_key: secret }
  error_envelope: { status_field: Status, error_value: Error, type_field: ExceptionType, message_field: ExceptionMessage }
  rate_limit: { calls: 25, per_seconds: 5 }
  statuses:
    - { code: 200, meaning: OK., processed: always }
  exceptions:
    - { wire: MXOne, rust: One }
";

const ROWS: &str = "types:
  - name: Row
    kind: object
    fields:
      - { wire: Name, type: string, required: true }
endpoints:
  - name: add_rows
    title: Add Rows
    group: rows
    method: POST
    path: /Rows/Add
    idempotent: false
    body: { kind: array, items: Row, min_items: 1, max_items: 25 }
    response: json
";

const LIST: &str = "  - name: list_rows
    title: List Rows
    group: rows
    method: GET
    path: /Rows
    idempotent: true
    response: array<Row>
";

/// A throwaway repository shaped like the workspace: a `[workspace]` manifest, `spec/`, and
/// `generated-client/Cargo.toml` for the version.
struct Repo {
    dir: PathBuf,
}

impl Repo {
    fn new(name: &str) -> Repo {
        let dir = std::env::temp_dir().join(format!("xtask-diff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "--quiet", "--initial-branch=main"]);
        repo.git(&["config", "user.email", "xtask@example.com"]);
        repo.git(&["config", "user.name", "xtask"]);
        repo.write("Cargo.toml", "[workspace]\nmembers = []\n");
        repo.write("spec/api.yaml", API);
        repo.write("spec/rows.yaml", ROWS);
        repo.set_version("0.1.0");
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let output = std::process::Command::new("git")
            .current_dir(&self.dir)
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn set_version(&self, version: &str) {
        self.write(
            "generated-client/Cargo.toml",
            &format!("[package]\nname = \"example\"\nversion = \"{version}\"\n"),
        );
    }

    fn commit(&self, message: &str) -> String {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "--message", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn diff(&self, args: &[&str]) -> Result<DiffOutcome, String> {
        let args = DiffArgs::parse(args).unwrap();
        run_diff(&self.root(), &args).map_err(|error| error.to_string())
    }

    fn root(&self) -> PathBuf {
        fresh::find_workspace_root(&self.dir.join("spec")).unwrap()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn short(id: &str) -> &str {
    &id[..12]
}

fn has(outcome: &DiffOutcome, text: &str) -> bool {
    outcome.report.contains(text)
}

#[test]
fn a_branch_is_compared_from_its_merge_base_and_both_commits_are_named() {
    let repo = Repo::new("merge-base");
    assert_eq!(repo.root(), repo.dir.as_path());
    let fork = repo.commit("the spec");
    repo.git(&["checkout", "--quiet", "-b", "feature"]);
    repo.write(
        "spec/rows.yaml",
        &ROWS.replace("title: Add Rows", "title: Add Many Rows"),
    );
    let feature = repo.commit("feature: a title");
    repo.git(&["checkout", "--quiet", "main"]);
    repo.write("spec/rows.yaml", &format!("{ROWS}{LIST}"));
    repo.commit("main moves on: an endpoint");
    repo.git(&["checkout", "--quiet", "feature"]);

    let outcome = repo.diff(&["--base", "main"]).unwrap();
    assert!(!has(&outcome, "endpoint removed"), "{}", outcome.report);
    assert!(
        has(
            &outcome,
            "0 breaking, 0 behaviour changed, 0 compatible, 1 documentation"
        ),
        "{}",
        outcome.report
    );
    assert!(
        has(
            &outcome,
            &format!(
                "Compared the spec at main (commit {}, the merge-base of main and HEAD; --no-merge-base for its tip) with the working tree on HEAD (commit {})",
                short(&fork),
                short(&feature)
            )
        ),
        "{}",
        outcome.report
    );

    let tip = repo.diff(&["--base", "main", "--no-merge-base"]).unwrap();
    assert!(has(&tip, "endpoint `list_rows`: endpoint removed"), "{}", tip.report);

    let range = repo.diff(&["--base", "main...feature"]).unwrap();
    assert!(
        has(
            &range,
            &format!(
                "Compared the spec at main...feature (commit {}, the merge-base of main and feature) with feature (commit {})",
                short(&fork),
                short(&feature)
            )
        ),
        "{}",
        range.report
    );
    let error = repo
        .diff(&["--base", "main...feature", "--head", "feature"])
        .err()
        .unwrap();
    assert!(error.contains("already names the head"), "{error}");
    let error = repo.diff(&["--base", "nowhere"]).err().unwrap();
    assert!(error.contains("git does not know the revision `nowhere`"), "{error}");
}

#[test]
fn a_base_that_does_not_load_is_an_error_unless_allowed() {
    let repo = Repo::new("unloadable");
    repo.commit("the spec");
    repo.write("spec/api.yaml", &API.replace("  base_url:", "  base_urll:"));
    let broken = repo.commit("a spec today's loader refuses");
    repo.write("spec/api.yaml", API);
    repo.commit("fixed");

    let error = repo.diff(&["--base", &broken]).err().unwrap();
    assert!(error.contains("does not load with today's loader"), "{error}");
    assert!(error.contains("--allow-unloadable-base"), "{error}");

    let allowed = repo.diff(&["--base", &broken, "--allow-unloadable-base"]).unwrap();
    assert!(has(&allowed, "it is compared as an empty spec"), "{}", allowed.report);
    assert!(
        has(&allowed, "0 breaking, 0 behaviour changed, 2 compatible"),
        "{}",
        allowed.report
    );
}

#[test]
fn versions_are_measured_from_the_last_release_tag_or_else_the_base() {
    let repo = Repo::new("versions");
    let release = repo.commit("the spec");
    repo.write("spec/rows.yaml", &ROWS.replace("max_items: 25", "max_items: 10"));

    // No tag: measured from the base revision.
    let strict = ["--fail-on-breaking", "--check-version"];
    let outcome = repo.diff(&strict).unwrap();
    assert!(
        has(
            &outcome,
            "Version: a breaking release: bump generated-client/Cargo.toml from 0.1.0 to 0.2.0 (0.1.0 at the base revision, no release tag `v*`)."
        ),
        "{}",
        outcome.report
    );
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert!(
        outcome.failures[0].contains("--fail-on-breaking"),
        "{:?}",
        outcome.failures
    );

    // Bumped in the same change: the breaking change is announced.
    repo.set_version("0.2.0");
    let outcome = repo.diff(&strict).unwrap();
    assert_eq!(outcome.failures, Vec::<String>::new());
    let bumped = repo.commit("breaking, announced");

    // The next change measures from the base (0.2.0): a compatible change needs 0.2.1.
    repo.write(
        "spec/rows.yaml",
        &format!("{}{LIST}", ROWS.replace("max_items: 25", "max_items: 10")),
    );
    let outcome = repo.diff(&strict).unwrap();
    assert!(has(&outcome, "from 0.2.0 to 0.2.1"), "{}", outcome.report);
    assert_eq!(outcome.failures.len(), 1, "{:?}", outcome.failures);
    assert!(
        outcome.failures[0].contains("--check-version"),
        "{:?}",
        outcome.failures
    );

    // With a release tag, everything since the release is covered by one bump.
    repo.git(&["tag", "v0.1.0", &release]);
    let outcome = repo.diff(&strict).unwrap();
    assert!(
        has(
            &outcome,
            "Version: a compatible release: the crate is at 0.2.0 (0.1.0 at release tag v0.1.0), which announces it."
        ),
        "{}",
        outcome.report
    );
    assert_eq!(outcome.failures, Vec::<String>::new());
    assert!(
        has(&outcome, &format!("HEAD (commit {})", short(&bumped))),
        "{}",
        outcome.report
    );
}
