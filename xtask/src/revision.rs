//! Git for `cargo xtask diff`: revisions, merge-bases, the spec and manifest at a revision, and
//! the last release tag. Every failure is an error that says what to do, never an empty spec.

use std::path::Path;
use std::process::Command;

/// Git commands run in the workspace.
pub struct Git<'a> {
    /// The workspace root.
    pub root: &'a Path,
}

impl Git<'_> {
    fn run(&self, args: &[&str]) -> Result<String, String> {
        let output = Command::new("git")
            .current_dir(self.root)
            .args(args)
            .output()
            .map_err(|error| format!("could not run git ({error}); `cargo xtask diff` needs git on the PATH"))?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_string())
        }
    }

    /// The full commit id of `rev`.
    pub fn commit(&self, rev: &str) -> Result<String, String> {
        if rev.starts_with('-') {
            return Err(format!("`{rev}` is not a revision"));
        }
        self.run(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map(|id| id.trim().to_string())
            .map_err(|_| {
                format!(
                    "git does not know the revision `{rev}`{}; fetch it, or name a commit, branch or tag that exists here (before the first commit, use `--base empty`)",
                    self.shallow_hint()
                )
            })
    }

    /// Whether `rev` names a local or remote-tracking branch (not a tag or a commit id).
    pub fn is_branch(&self, rev: &str) -> bool {
        self.run(&["rev-parse", "--symbolic-full-name", rev])
            .map(|name| {
                let name = name.trim();
                name.starts_with("refs/heads/") || name.starts_with("refs/remotes/")
            })
            .unwrap_or(false)
    }

    /// The best common ancestor of two commits.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<String, String> {
        self.run(&["merge-base", a, b])
            .map(|id| id.trim().to_string())
            .map_err(|_| {
                format!(
                    "`{a}` and `{b}` have no common commit in this clone{}; fetch more history (`git fetch --unshallow`), or pass a commit with `--base`",
                    self.shallow_hint()
                )
            })
    }

    fn shallow_hint(&self) -> &'static str {
        match self.run(&["rev-parse", "--is-shallow-repository"]) {
            Ok(answer) if answer.trim() == "true" => " (this is a shallow clone)",
            _ => "",
        }
    }

    /// The contents of `path` at `rev`, or `None` when the revision has no such file.
    pub fn show(&self, rev: &str, path: &str) -> Result<Option<String>, String> {
        let listed = self.run(&["ls-tree", "--name-only", rev, "--", path])?;
        if listed.trim().is_empty() {
            return Ok(None);
        }
        self.run(&["show", &format!("{rev}:{path}")])
            .map(Some)
            .map_err(|error| format!("could not read {path} at {rev}: {error}"))
    }

    /// The spec files (`spec/**/*.yaml`) at `rev`, sorted by path.
    pub fn spec_files(&self, rev: &str) -> Result<Vec<codegen::SourceFile>, String> {
        let listed = self
            .run(&["ls-tree", "-r", "--name-only", rev, "--", "spec"])
            .map_err(|error| format!("could not list spec/ at {rev}: {error}"))?;
        let mut paths: Vec<&str> = listed
            .lines()
            .filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
            .collect();
        paths.sort_unstable();
        let mut files = Vec::new();
        for path in paths {
            let text = self
                .show(rev, path)?
                .ok_or_else(|| format!("{path} is listed at {rev} but cannot be read"))?;
            files.push(codegen::SourceFile {
                name: path.to_string(),
                text,
            });
        }
        Ok(files)
    }

    /// The most recent release tag (`v` and a digit, e.g. `v0.1.0`) reachable from `rev`.
    pub fn last_release(&self, rev: &str) -> Option<String> {
        self.run(&["describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", rev])
            .ok()
            .map(|tag| tag.trim().to_string())
            .filter(|tag| !tag.is_empty())
    }
}
