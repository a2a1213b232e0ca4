//! The report of `cargo xtask diff`: what was compared, the changes by section, the version the
//! change calls for, and the size of the generated-code change; as text, Markdown or JSON.

use std::fmt::Write as _;

use crate::apidiff::{ApiChange, Impact};

/// One side of the comparison, as the report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// What the user asked for, e.g. `origin/main`, or `the working tree`.
    pub label: String,
    /// The commit compared (for the working tree: the commit it is on), if any.
    pub commit: Option<String>,
    /// How the commit was chosen, e.g. `merge-base of origin/main and HEAD`.
    pub how: Option<String>,
}

impl Side {
    /// E.g. `origin/main (commit 0123456789ab, the merge-base of origin/main and HEAD)`.
    fn describe(&self) -> String {
        let parts: Vec<String> = self
            .commit
            .iter()
            .map(|commit| format!("commit {}", short(commit)))
            .chain(self.how.clone())
            .collect();
        // A commit id given as the revision is not repeated.
        let id_only = self.how.is_none()
            && self.label.len() >= 7
            && self
                .commit
                .as_deref()
                .is_some_and(|commit| commit.starts_with(self.label.as_str()));
        if id_only {
            parts.join(", ")
        } else if parts.is_empty() {
            self.label.clone()
        } else {
            format!("{} ({})", self.label, parts.join(", "))
        }
    }
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// The crate's version and what it is measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versions {
    /// The version at the head, if readable.
    pub current: Option<String>,
    /// The version to measure from and where it comes from (`release tag v0.1.0`, or `the
    /// base revision`), if there is one.
    pub reference: Option<(String, String)>,
}

/// What the changes call for: the most severe impact, if any.
pub fn required_bump(changes: &[ApiChange]) -> Option<Impact> {
    changes.iter().map(|change| change.impact).max()
}

type Semver = (u64, u64, u64);

fn parse_version(version: &str) -> Option<Semver> {
    let core = version.trim().split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|part| part.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// Whether the change from `old` to `new` (e.g. `0.1.4` to `0.2.0`) is a release of the kind
/// `bump` calls for under Cargo's rules (for 0.x the minor version is the breaking one);
/// documentation needs no release. `None` when a version does not parse.
pub fn version_bumped_enough(old: &str, new: &str, bump: Option<Impact>) -> Option<bool> {
    let (old, new) = (parse_version(old)?, parse_version(new)?);
    Some(match bump {
        None | Some(Impact::Documentation) => new >= old,
        Some(Impact::Compatible | Impact::Behaviour) => new > old,
        Some(Impact::Breaking | Impact::Unclassified) => new >= next(old, Impact::Breaking),
    })
}

fn next(version: Semver, bump: Impact) -> Semver {
    let (major, minor, patch) = version;
    match (bump.is_breaking(), major, minor) {
        (true, 0, 0) => (0, 0, patch + 1),
        (true, 0, _) => (0, minor + 1, 0),
        (true, _, _) => (major + 1, 0, 0),
        (false, 0, _) => (0, minor, patch + 1),
        (false, _, _) => (major, minor + 1, 0),
    }
}

/// The smallest version after `version` that announces `bump`.
pub fn next_version(version: &str, bump: Impact) -> Option<String> {
    let (major, minor, patch) = next(parse_version(version)?, bump);
    Some(format!("{major}.{minor}.{patch}"))
}

/// Whether the crate's version announces what the changes call for: `None` when it cannot tell.
pub fn version_ok(versions: &Versions, bump: Option<Impact>) -> Option<bool> {
    match (bump, &versions.current, &versions.reference) {
        (None | Some(Impact::Documentation), _, _) => Some(true),
        (_, Some(current), Some((reference, _))) => version_bumped_enough(reference, current, bump),
        _ => None,
    }
}

/// One line: the release the change calls for, with the real versions.
pub fn advice(versions: &Versions, bump: Option<Impact>) -> String {
    let kind = match bump {
        None => return "no API change; no release needed".into(),
        Some(Impact::Documentation) => return "documentation only; no version bump needed".into(),
        Some(Impact::Compatible | Impact::Behaviour) => "a compatible release",
        Some(Impact::Breaking | Impact::Unclassified) => "a breaking release",
    };
    let Some(current) = versions.current.as_deref() else {
        return format!("{kind}: the crate's version cannot be read from generated-client/Cargo.toml at the head");
    };
    match (&versions.reference, bump) {
        (Some((reference, from)), Some(bump)) => {
            let target = next_version(reference, bump).unwrap_or_else(|| "a higher version".into());
            match version_ok(versions, Some(bump)) {
                Some(true) => format!("{kind}: the crate is at {current} ({reference} at {from}), which announces it"),
                Some(false) => format!(
                    "{kind}: bump generated-client/Cargo.toml from {current} to {target} ({reference} at {from})"
                ),
                None => format!("{kind}: the version {current} or {reference} (at {from}) does not parse"),
            }
        }
        _ => format!(
            "{kind}: the crate is at {current}; there is no release tag `v*` and no base version to measure from"
        ),
    }
}

/// Everything the report shows.
pub struct Summary<'a> {
    /// The base of the comparison.
    pub base: &'a Side,
    /// The head of the comparison.
    pub head: &'a Side,
    /// Every change, unclassified ones included.
    pub changes: &'a [ApiChange],
    /// Lines added and removed per generated file.
    pub code: &'a [(String, usize, usize)],
    /// Notes on how the comparison was made (an unloadable base, a base without a spec).
    pub notes: &'a [String],
    /// The crate's versions.
    pub versions: &'a Versions,
}

const SECTIONS: [Impact; 5] = [
    Impact::Breaking,
    Impact::Behaviour,
    Impact::Compatible,
    Impact::Documentation,
    Impact::Unclassified,
];

/// The report as `text`, `markdown` or `json`.
pub fn render(summary: &Summary<'_>, format: &str) -> String {
    let bump = required_bump(summary.changes);
    let count = |impact: Impact| summary.changes.iter().filter(|c| c.impact == impact).count();
    if format == "json" {
        let side = |side: &Side| serde_json::json!({ "label": side.label, "commit": side.commit, "how": side.how });
        let changes: Vec<serde_json::Value> = summary
            .changes
            .iter()
            .map(|c| serde_json::json!({ "impact": c.impact.as_str(), "kind": c.kind, "subject": c.subject, "reason": c.reason }))
            .collect();
        let files: Vec<serde_json::Value> = summary
            .code
            .iter()
            .map(|(path, added, removed)| serde_json::json!({ "path": path, "added": added, "removed": removed }))
            .collect();
        let counts: serde_json::Map<String, serde_json::Value> = SECTIONS
            .iter()
            .map(|impact| (impact.as_str().to_string(), count(*impact).into()))
            .collect();
        let value = serde_json::json!({
            "base": side(summary.base),
            "head": side(summary.head),
            "notes": summary.notes,
            "impact": bump.map(Impact::as_str),
            "counts": counts,
            "version": {
                "current": summary.versions.current,
                "reference": summary.versions.reference.as_ref().map(|(v, _)| v),
                "reference_from": summary.versions.reference.as_ref().map(|(_, from)| from),
                "announced": version_ok(summary.versions, bump),
                "advice": advice(summary.versions, bump),
            },
            "changes": changes,
            "generated_code": files,
        });
        return serde_json::to_string_pretty(&value).unwrap_or_default() + "\n";
    }
    let markdown = format == "markdown";
    let mut out = String::new();
    let heading = |out: &mut String, text: &str| {
        let _ = if markdown {
            writeln!(out, "\n### {text}\n")
        } else {
            writeln!(out, "\n{text}:")
        };
    };
    let _ = writeln!(out, "{}API change report", if markdown { "## " } else { "" });
    let _ = writeln!(
        out,
        "\nCompared the spec at {} with {}.",
        summary.base.describe(),
        summary.head.describe()
    );
    for note in summary.notes {
        let _ = writeln!(out, "\n{note}");
    }
    let _ = writeln!(
        out,
        "\n{} breaking, {} behaviour changed, {} compatible, {} documentation, {} unclassified.\nVersion: {}.",
        count(Impact::Breaking),
        count(Impact::Behaviour),
        count(Impact::Compatible),
        count(Impact::Documentation),
        count(Impact::Unclassified),
        advice(summary.versions, bump)
    );
    for impact in SECTIONS {
        let listed: Vec<&ApiChange> = summary.changes.iter().filter(|c| c.impact == impact).collect();
        if listed.is_empty() {
            continue;
        }
        heading(&mut out, impact.title());
        for change in listed {
            let _ = if markdown {
                writeln!(out, "- **{}**: {} — {}.", change.subject, change.kind, change.reason)
            } else {
                writeln!(out, "  - {}: {} — {}.", change.subject, change.kind, change.reason)
            };
        }
    }
    heading(&mut out, "Generated code");
    let indent = if markdown { "- " } else { "  " };
    if summary.code.is_empty() {
        let _ = writeln!(out, "{}no generated file changes", if markdown { "" } else { "  " });
    }
    for (path, added, removed) in summary.code {
        let _ = writeln!(out, "{indent}{path}: +{added} -{removed}");
    }
    if !summary.code.is_empty() {
        let (added, removed) = summary
            .code
            .iter()
            .fold((0, 0), |(a, r), (_, add, rem)| (a + add, r + rem));
        let _ = writeln!(
            out,
            "{}{} files, +{added} -{removed} lines",
            if markdown { "\n" } else { "  " },
            summary.code.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Impact::{Behaviour, Breaking, Compatible, Documentation, Unclassified};

    #[test]
    fn versions_must_be_bumped_as_cargo_reads_them() {
        let ok = |old: &str, new: &str, bump| version_bumped_enough(old, new, bump);
        assert_eq!(ok("0.1.4", "0.2.0", Some(Breaking)), Some(true));
        assert_eq!(ok("0.1.4", "0.1.5", Some(Breaking)), Some(false));
        assert_eq!(ok("0.1.4", "0.2.0", Some(Unclassified)), Some(true));
        assert_eq!(ok("0.1.4", "0.1.9", Some(Unclassified)), Some(false));
        assert_eq!(ok("0.1.4", "0.1.5", Some(Compatible)), Some(true));
        assert_eq!(ok("0.1.4", "0.1.4", Some(Behaviour)), Some(false));
        assert_eq!(ok("0.1.4", "0.1.4", Some(Documentation)), Some(true));
        assert_eq!(ok("1.2.3", "2.0.0", Some(Breaking)), Some(true));
        assert_eq!(ok("1.2.3", "1.3.0", Some(Breaking)), Some(false));
        assert_eq!(ok("0.0.3", "0.0.4", Some(Breaking)), Some(true));
        assert_eq!(ok("0.1.4", "0.1.4", None), Some(true));
        assert_eq!(ok("0.1", "0.2.0", Some(Breaking)), None);
        assert_eq!(next_version("0.1.0", Breaking).as_deref(), Some("0.2.0"));
        assert_eq!(next_version("0.1.0", Behaviour).as_deref(), Some("0.1.1"));
        assert_eq!(next_version("1.4.2", Compatible).as_deref(), Some("1.5.0"));
    }

    fn versions(current: &str, reference: &str) -> Versions {
        Versions {
            current: Some(current.into()),
            reference: Some((reference.into(), "release tag v0.1.0".into())),
        }
    }

    #[test]
    fn the_advice_uses_the_real_versions() {
        assert_eq!(
            advice(&versions("0.1.0", "0.1.0"), Some(Breaking)),
            "a breaking release: bump generated-client/Cargo.toml from 0.1.0 to 0.2.0 (0.1.0 at release tag v0.1.0)"
        );
        assert_eq!(
            advice(&versions("0.2.0", "0.1.0"), Some(Unclassified)),
            "a breaking release: the crate is at 0.2.0 (0.1.0 at release tag v0.1.0), which announces it"
        );
        assert_eq!(
            advice(&versions("0.3.1", "0.3.1"), Some(Behaviour)),
            "a compatible release: bump generated-client/Cargo.toml from 0.3.1 to 0.3.2 (0.3.1 at release tag v0.1.0)"
        );
        let unknown = Versions {
            current: Some("0.1.0".into()),
            reference: None,
        };
        assert_eq!(version_ok(&unknown, Some(Breaking)), None);
        assert_eq!(version_ok(&unknown, Some(Documentation)), Some(true));
    }

    #[test]
    fn reports_render_in_each_format_with_sections_and_revisions() {
        let change = |impact, kind: &'static str| ApiChange {
            impact,
            kind,
            subject: "endpoint `add_rows`".into(),
            reason: "each call takes 1 to 10 items instead of 1 to 25 items".into(),
            anchors: Vec::new(),
        };
        let changes = [
            change(Breaking, "item limit tightened"),
            change(Behaviour, "path changed"),
            change(Unclassified, "unclassified"),
        ];
        let base = Side {
            label: "origin/main".into(),
            commit: Some("0123456789abcdef0123".into()),
            how: Some("the merge-base of origin/main and HEAD".into()),
        };
        let head = Side {
            label: "the working tree on HEAD".into(),
            commit: Some("fedcba9876543210fedc".into()),
            how: None,
        };
        let code = [("generated-client/src/generated/endpoints.rs".to_string(), 3, 3)];
        let versions = versions("0.1.0", "0.1.0");
        let summary = Summary {
            base: &base,
            head: &head,
            changes: &changes,
            code: &code,
            notes: &[],
            versions: &versions,
        };
        let text = render(&summary, "text");
        assert!(
            text.contains(
                "Compared the spec at origin/main (commit 0123456789ab, the merge-base of origin/main and HEAD) with the working tree on HEAD (commit fedcba987654)."
            ),
            "{text}"
        );
        assert!(
            text.contains("1 breaking, 1 behaviour changed, 0 compatible, 0 documentation, 1 unclassified."),
            "{text}"
        );
        assert!(text.contains("from 0.1.0 to 0.2.0"), "{text}");
        let sections: Vec<usize> = ["Breaking:", "Behaviour changed:", "Unclassified: review by hand:"]
            .iter()
            .map(|title| text.find(title).unwrap_or_else(|| panic!("{title} in {text}")))
            .collect();
        assert!(sections.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(
            text.contains("  - endpoint `add_rows`: item limit tightened — each call takes 1 to 10 items"),
            "{text}"
        );
        assert!(!text.contains("Some("), "{text}");
        let markdown = render(&summary, "markdown");
        assert!(markdown.contains("### Behaviour changed"), "{markdown}");
        assert!(
            markdown.contains("- **endpoint `add_rows`**: item limit tightened"),
            "{markdown}"
        );
        let json: serde_json::Value = serde_json::from_str(&render(&summary, "json")).unwrap();
        assert_eq!(json["impact"], "unclassified");
        assert_eq!(json["counts"]["behaviour"], 1);
        assert_eq!(json["base"]["commit"], "0123456789abcdef0123");
        assert_eq!(json["version"]["announced"], false);
        assert_eq!(json["generated_code"][0]["added"], 3);
    }
}
