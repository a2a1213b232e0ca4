//! Freshness of the generated code: what `generate` would change, and applying it.
//!
//! One function, [`plan`], compares what the spec produces with what is on disk. `cargo xtask
//! generate` applies the plan, `cargo xtask check` fails when it is not empty, and a test
//! fails the same way, so stale generated code cannot pass `cargo test`.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where the client crate's generated files live, relative to the workspace root.
pub const GENERATED_DIR: &str = "generated-client/src/generated";
/// Where the sandbox crate's generated files (its wire schema) live.
pub const SANDBOX_GENERATED_DIR: &str = "sandbox/src/generated";
/// Where the command-line crate's generated file (each endpoint's inputs, call and bulk job)
/// lives.
pub const CLI_GENERATED_DIR: &str = "cli/src/generated";

/// The folder, relative to the workspace root, that holds generated files of `target`.
pub fn generated_dir(target: codegen::Target) -> &'static str {
    match target {
        codegen::Target::Client => GENERATED_DIR,
        codegen::Target::Sandbox => SANDBOX_GENERATED_DIR,
        codegen::Target::Cli => CLI_GENERATED_DIR,
    }
}

/// A generated file's path relative to the workspace root.
pub fn generated_path(file: &codegen::GeneratedFile) -> PathBuf {
    Path::new(generated_dir(file.target)).join(&file.path)
}
/// The JSON Schema of the spec format, generated, referenced by every spec file.
pub const SCHEMA_FILE: &str = "spec/schema.json";

/// The marker every generated file starts with; files without it are never removed.
const MARKER: &str = "// @generated";

/// The workspace that contains the current directory: see [`find_workspace_root`].
pub fn workspace_root() -> Result<PathBuf, String> {
    let here = std::env::current_dir().map_err(|error| format!("cannot read the current directory: {error}"))?;
    find_workspace_root(&here)
}

/// The nearest folder at or above `start` whose `Cargo.toml` has a `[workspace]` table and
/// that holds `spec/`: the checkout to read and write, wherever xtask's binary was built.
pub fn find_workspace_root(start: &Path) -> Result<PathBuf, String> {
    for dir in start.ancestors() {
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        if manifest.lines().any(|line| line.trim() == "[workspace]") {
            if !dir.join("spec").is_dir() {
                return Err(format!(
                    "the workspace at {} has no spec/ folder; run cargo xtask inside the leadsquared checkout",
                    dir.display()
                ));
            }
            return Ok(dir.to_path_buf());
        }
    }
    Err(format!(
        "no cargo workspace contains {}; run cargo xtask inside the leadsquared checkout",
        start.display()
    ))
}

/// One difference between the generated code on disk and what the spec produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A file the spec now produces.
    Added { path: PathBuf, new: String },
    /// A file whose contents differ.
    Modified { path: PathBuf, old: String, new: String },
    /// A generated file the spec no longer produces.
    Removed { path: PathBuf, old: String },
}

impl Change {
    fn path(&self) -> &Path {
        match self {
            Change::Added { path, .. } | Change::Modified { path, .. } | Change::Removed { path, .. } => path,
        }
    }

    fn texts(&self) -> (&str, &str) {
        match self {
            Change::Added { new, .. } => ("", new),
            Change::Modified { old, new, .. } => (old, new),
            Change::Removed { old, .. } => (old, ""),
        }
    }

    /// One line: what happened to which file, and how many lines changed.
    pub fn summary(&self) -> String {
        let (old, new) = self.texts();
        let (added, removed) = line_counts(old, new);
        let verb = match self {
            Change::Added { .. } => "added",
            Change::Modified { .. } => "modified",
            Change::Removed { .. } => "removed",
        };
        format!("{verb:>8} {} (+{added} -{removed})", self.path().display())
    }

    /// A unified diff of the change.
    pub fn diff(&self) -> String {
        let (old, new) = self.texts();
        let name = self.path().display().to_string();
        similar::TextDiff::from_lines(old, new)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())
    }
}

/// What regenerating from the spec under `root` would change, in path order.
pub fn plan(root: &Path) -> Result<Vec<Change>, Box<dyn std::error::Error>> {
    let files = codegen::generate_dir(&root.join("spec"), root)?;
    let mut changes = Vec::new();
    for file in &files {
        let path = generated_path(file);
        match std::fs::read_to_string(root.join(&path)) {
            Ok(old) if old == file.contents => {}
            Ok(old) => changes.push(Change::Modified {
                path,
                old,
                new: file.contents.clone(),
            }),
            Err(_) => changes.push(Change::Added {
                path,
                new: file.contents.clone(),
            }),
        }
    }
    // The spec format's JSON Schema, for editors, lives next to the spec.
    let schema_path = Path::new(SCHEMA_FILE);
    let schema = codegen::spec_json_schema();
    match std::fs::read_to_string(root.join(schema_path)) {
        Ok(old) if old == schema => {}
        Ok(old) => changes.push(Change::Modified {
            path: schema_path.to_path_buf(),
            old,
            new: schema,
        }),
        Err(_) => changes.push(Change::Added {
            path: schema_path.to_path_buf(),
            new: schema,
        }),
    }
    // spec/COVERAGE.md, joined from spec/documented.json and the spec.
    changes.extend(crate::coverage::plan(root)?);
    // The client's cargo features, one per group, between markers in its manifest.
    changes.extend(plan_features(root)?);
    let produced: Vec<PathBuf> = files.iter().map(generated_path).collect();
    for dir in [GENERATED_DIR, SANDBOX_GENERATED_DIR, CLI_GENERATED_DIR] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut stale: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok()?.file_name().to_str().map(|name| Path::new(dir).join(name)))
            .filter(|path| path.extension().is_some_and(|e| e == "rs"))
            .filter(|path| !produced.contains(path))
            .collect();
        stale.sort();
        for path in stale {
            let Ok(old) = std::fs::read_to_string(root.join(&path)) else {
                continue;
            };
            if old.starts_with(MARKER) {
                changes.push(Change::Removed { path, old });
            }
        }
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(changes)
}

/// The client crate's manifest, whose `[features]` table is generated between markers.
pub const CLIENT_MANIFEST: &str = "generated-client/Cargo.toml";
const FEATURES_BEGIN: &str = "# @generated features: one per group of the spec (api.group_features), by `cargo xtask generate`; do not edit by hand";
const FEATURES_END: &str = "# @generated end";

/// The change to the client's manifest that puts the spec's group features between the
/// markers, if any.
fn plan_features(root: &Path) -> Result<Option<Change>, Box<dyn std::error::Error>> {
    let sources = codegen::read_spec_dir(&root.join("spec"), root)?;
    let Some(features) = codegen::cargo_features(&sources)? else {
        return Ok(None);
    };
    let path = Path::new(CLIENT_MANIFEST);
    let old = std::fs::read_to_string(root.join(path))?;
    let new = splice_features(&old, &features).ok_or_else(|| {
        format!(
            "{CLIENT_MANIFEST} needs a `[features]` table holding the line\n  {FEATURES_BEGIN}\nand, below it, the line\n  {FEATURES_END}\nbetween which `cargo xtask generate` writes one feature per group"
        )
    })?;
    Ok((new != old).then(|| Change::Modified {
        path: path.to_path_buf(),
        old,
        new,
    }))
}

/// `manifest` with the lines between the feature markers replaced by `features`.
fn splice_features(manifest: &str, features: &str) -> Option<String> {
    let begin = manifest.find(FEATURES_BEGIN)? + FEATURES_BEGIN.len();
    let begin = begin + manifest[begin..].find('\n')? + 1;
    let end = begin + manifest[begin..].find(FEATURES_END)?;
    Some(format!("{}{features}{}", &manifest[..begin], &manifest[end..]))
}

/// Writes added and modified files and deletes removed ones.
pub fn apply(root: &Path, changes: &[Change]) -> std::io::Result<()> {
    for change in changes {
        let path = root.join(change.path());
        match change {
            Change::Added { new, .. } | Change::Modified { new, .. } => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, new)?;
            }
            Change::Removed { .. } => std::fs::remove_file(&path)?,
        }
    }
    Ok(())
}

/// Lines added and removed from `old` to `new`.
pub fn line_counts(old: &str, new: &str) -> (usize, usize) {
    let diff = similar::TextDiff::from_lines(old, new);
    let (mut added, mut removed) = (0, 0);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    (added, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated code must be what the spec produces.
    #[test]
    fn generated_code_is_fresh() {
        let changes = plan(&workspace_root().unwrap()).unwrap_or_else(|e| panic!("the spec does not generate:\n{e}"));
        assert!(
            changes.is_empty(),
            "generated code is stale; run `cargo xtask generate` and commit the result:\n{}",
            changes.iter().map(Change::diff).collect::<String>()
        );
    }

    #[test]
    fn the_workspace_is_found_from_the_current_directory_upwards() {
        let root = workspace_root().unwrap();
        assert!(
            root.join("spec").is_dir() && root.join("xtask").is_dir(),
            "{}",
            root.display()
        );
        assert_eq!(find_workspace_root(&root.join("xtask").join("src")).unwrap(), root);
        let outside = std::env::temp_dir().join(format!("xtask-no-workspace-{}", std::process::id()));
        std::fs::create_dir_all(&outside).unwrap();
        let found = find_workspace_root(&outside);
        let _ = std::fs::remove_dir_all(&outside);
        // A temporary folder is in no workspace, or in one without this project's spec.
        let error = found.unwrap_err();
        assert!(
            error.contains("run cargo xtask inside the leadsquared checkout"),
            "{error}"
        );
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-fresh-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(GENERATED_DIR)).unwrap();
        let src = workspace_root().unwrap().join("spec");
        std::fs::create_dir_all(dir.join("spec")).unwrap();
        // The client's manifest, whose feature table is generated between its markers.
        std::fs::create_dir_all(dir.join("generated-client")).unwrap();
        std::fs::copy(
            workspace_root().unwrap().join(CLIENT_MANIFEST),
            dir.join(CLIENT_MANIFEST),
        )
        .unwrap();
        for entry in std::fs::read_dir(src).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.join("spec").join(path.file_name().unwrap())).unwrap();
            }
        }
        dir
    }

    #[test]
    fn the_feature_table_is_spliced_between_its_markers_and_a_manifest_without_them_is_an_error() {
        let manifest = format!(
            "[package]\nname = \"x\"\n\n[features]\n{FEATURES_BEGIN}\nold = []\n{FEATURES_END}\n\n[dependencies]\n"
        );
        let spliced = splice_features(&manifest, "default = [\"a\"]\na = []\n").unwrap();
        assert_eq!(
            spliced,
            format!(
                "[package]\nname = \"x\"\n\n[features]\n{FEATURES_BEGIN}\ndefault = [\"a\"]\na = []\n{FEATURES_END}\n\n[dependencies]\n"
            )
        );
        assert_eq!(splice_features("[package]\n", "a = []\n"), None);
    }

    #[test]
    fn plan_adds_modifies_and_removes_only_generated_files() {
        let root = scratch("plan");
        let generated = root.join(GENERATED_DIR);
        std::fs::write(generated.join("obsolete.rs"), "// @generated by an old spec\n").unwrap();
        std::fs::write(generated.join("handwritten.rs"), "// not generated\n").unwrap();
        let changes = plan(&root).unwrap();
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::Removed { path, .. } if path.ends_with("obsolete.rs")))
        );
        assert!(!changes.iter().any(|c| c.path().ends_with("handwritten.rs")));
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::Added { path, .. } if path.ends_with("types.rs")))
        );

        apply(&root, &changes).unwrap();
        assert!(
            plan(&root).unwrap().is_empty(),
            "applying the plan makes the code fresh"
        );
        assert!(!generated.join("obsolete.rs").exists());
        assert!(generated.join("handwritten.rs").exists());

        // A hand edit is detected as a modification and reverted by the next apply.
        let types = generated.join("requests.rs");
        let edited = std::fs::read_to_string(&types)
            .unwrap()
            .replace("pub struct", "pub(crate) struct");
        std::fs::write(&types, edited).unwrap();
        let changes = plan(&root).unwrap();
        assert_eq!(changes.len(), 1);
        assert!(changes[0].diff().contains("-pub(crate) struct"));
        assert!(changes[0].summary().contains("modified"));
        let _ = std::fs::remove_dir_all(root);
    }
}
