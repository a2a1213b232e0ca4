//! `spec/COVERAGE.md`: every documented LeadSquared endpoint and where the spec stands on it.
//!
//! The list of documented endpoints is data, `spec/documented.json` (its format is in
//! `spec/README.md`): one entry per documentation page, with its title, URL and module, and,
//! for a page the spec does not describe, whether it is "not yet" or "not expressible" and why.
//! [`render`] joins that list with the spec's endpoints (matched by `docs_url`) into a Markdown
//! table per module; [`plan`] says whether the committed file is stale, so `cargo xtask
//! generate` writes it and `cargo xtask check` (and its test) fail when it is out of date.
//!
//! The list is JSON rather than YAML because the generator reads every `*.yaml` file under
//! `spec/` as a spec file.
//!
//! The join is strict, so that the table cannot drift from the spec: every endpoint of the spec
//! must have its page in the list, a page the spec describes must not carry a reason, and a
//! page it does not describe must carry one.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::fresh::Change;

/// The list of documented endpoints, relative to the workspace root.
pub const DOCUMENTED_FILE: &str = "spec/documented.json";
/// The generated coverage table, relative to the workspace root.
pub const COVERAGE_FILE: &str = "spec/COVERAGE.md";

/// The keys an entry of the list may have.
const KEYS: [&str; 9] = [
    "title",
    "docs_url",
    "module",
    "method",
    "path",
    "status",
    "reason",
    "covered_by",
    "note",
];

/// Where the spec stands on a page it does not describe.
const STATUSES: [&str; 2] = ["not yet", "not expressible"];

/// One documentation page of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Documented {
    title: String,
    docs_url: String,
    module: String,
    method: Option<String>,
    path: Option<String>,
    status: Option<String>,
    reason: Option<String>,
    covered_by: Option<String>,
    note: Option<String>,
}

/// What the spec says about one endpoint, as the table needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecEndpoint {
    /// The method name on `Client`.
    pub name: String,
    /// The documentation page, as the spec gives it.
    pub docs_url: Option<String>,
    /// `GET` or `POST`.
    pub method: String,
    /// The path below the base URL.
    pub path: String,
}

/// The coverage change to apply: `None` when `spec/COVERAGE.md` is up to date, or when there
/// is no `spec/documented.json` and no generated `spec/COVERAGE.md`.
pub fn plan(root: &Path) -> Result<Option<Change>, String> {
    let path = Path::new(COVERAGE_FILE).to_path_buf();
    let old = std::fs::read_to_string(root.join(&path)).ok();
    let documented = match std::fs::read_to_string(root.join(DOCUMENTED_FILE)) {
        Ok(text) => text,
        Err(_) => {
            // Without a list there is nothing to cover; a generated table left behind goes.
            return Ok(old
                .filter(|old| old.starts_with(MARKER))
                .map(|old| Change::Removed { path, old }));
        }
    };
    let sources = codegen::read_spec_dir(&root.join("spec"), root).map_err(|error| error.to_string())?;
    let spec = codegen::load(&sources).map_err(|diagnostics| diagnostics.to_string())?;
    let endpoints: Vec<SpecEndpoint> = spec
        .endpoints
        .iter()
        .map(|endpoint| SpecEndpoint {
            name: endpoint.name.clone(),
            docs_url: endpoint.docs_url.clone(),
            method: match endpoint.method {
                codegen::model::Method::Get => "GET".into(),
                codegen::model::Method::Post => "POST".into(),
            },
            path: endpoint.path.clone(),
        })
        .collect();
    let new = render(&documented, &endpoints)?;
    Ok(match old {
        Some(old) if old == new => None,
        Some(old) => Some(Change::Modified { path, old, new }),
        None => Some(Change::Added { path, new }),
    })
}

/// The first line of the generated table.
const MARKER: &str = "<!-- @generated";

/// `spec/COVERAGE.md` for the list `documented` (the text of `spec/documented.json`) and the
/// spec's endpoints, or every problem found, one per line, each saying what to change.
pub fn render(documented: &str, endpoints: &[SpecEndpoint]) -> Result<String, String> {
    let entries = parse(documented)?;
    let mut errors = Vec::new();
    let by_url: BTreeMap<String, &SpecEndpoint> = endpoints
        .iter()
        .filter_map(|endpoint| endpoint.docs_url.as_deref().map(|url| (normalize(url), endpoint)))
        .collect();
    let names: BTreeSet<&str> = endpoints.iter().map(|endpoint| endpoint.name.as_str()).collect();

    // Every endpoint of the spec has its page in the list.
    let listed: BTreeSet<String> = entries.iter().map(|entry| normalize(&entry.docs_url)).collect();
    for endpoint in endpoints {
        match &endpoint.docs_url {
            None => errors.push(format!(
                "endpoint `{}` has no docs_url; give it its documentation page and list the page in {DOCUMENTED_FILE}",
                endpoint.name
            )),
            Some(url) if !listed.contains(&normalize(url)) => errors.push(format!(
                "endpoint `{}` documents {url}, which {DOCUMENTED_FILE} does not list; add an entry for it",
                endpoint.name
            )),
            Some(_) => {}
        }
    }

    let mut modules: Vec<(String, Vec<Row>)> = Vec::new();
    let mut seen = BTreeSet::new();
    for entry in &entries {
        let at = format!("{DOCUMENTED_FILE}: `{}`", entry.title);
        if !seen.insert(normalize(&entry.docs_url)) {
            errors.push(format!(
                "{at}: {} is listed twice; keep one entry per page",
                entry.docs_url
            ));
        }
        let row = match by_url.get(&normalize(&entry.docs_url)) {
            Some(endpoint) => {
                for (key, value) in [
                    ("status", &entry.status),
                    ("reason", &entry.reason),
                    ("covered_by", &entry.covered_by),
                ] {
                    if value.is_some() {
                        errors.push(format!(
                            "{at}: the spec describes this page (endpoint `{}`); remove its `{key}`",
                            endpoint.name
                        ));
                    }
                }
                if let Some(method) = entry.method.as_deref().filter(|method| *method != endpoint.method) {
                    errors.push(format!(
                        "{at}: the list says {method} but endpoint `{}` is {}; correct one of them",
                        endpoint.name, endpoint.method
                    ));
                }
                if let Some(path) = entry.path.as_deref().filter(|path| *path != endpoint.path) {
                    errors.push(format!(
                        "{at}: the list says {path} but endpoint `{}` is at {}; correct one of them",
                        endpoint.name, endpoint.path
                    ));
                }
                Row {
                    entry: entry.clone(),
                    request: Some(format!("{} {}", endpoint.method, endpoint.path)),
                    state: State::InSpec(endpoint.name.clone()),
                }
            }
            None => {
                let state = match (&entry.covered_by, &entry.status) {
                    (Some(name), None) => {
                        if !names.contains(name.as_str()) {
                            errors.push(format!(
                                "{at}: `covered_by: {name}` names no endpoint of the spec; use an endpoint's name"
                            ));
                        }
                        if entry.reason.is_some() {
                            errors.push(format!(
                                "{at}: a page covered by `{name}` has no reason; say how in `note`"
                            ));
                        }
                        State::Through(name.clone())
                    }
                    (Some(_), Some(_)) => {
                        errors.push(format!(
                            "{at}: give either `covered_by` (another endpoint describes the page) or `status`, not both"
                        ));
                        continue;
                    }
                    (None, None) => {
                        errors.push(format!(
                            "{at}: the spec does not describe this page; give `status` ({}) and `reason`, or `covered_by`",
                            STATUSES.join(" or ")
                        ));
                        continue;
                    }
                    (None, Some(status)) => {
                        if !STATUSES.contains(&status.as_str()) {
                            errors.push(format!("{at}: status `{status}` is not {}", STATUSES.join(" or ")));
                        }
                        if entry.reason.as_deref().is_none_or(|reason| reason.trim().is_empty()) {
                            errors.push(format!("{at}: status `{status}` needs a `reason`"));
                        }
                        State::Missing(status.clone())
                    }
                };
                let request = match (&entry.method, &entry.path) {
                    (Some(method), Some(path)) => Some(format!("{method} {path}")),
                    (Some(method), None) => Some(method.clone()),
                    (None, Some(path)) => Some(path.clone()),
                    (None, None) => None,
                };
                Row {
                    entry: entry.clone(),
                    request,
                    state,
                }
            }
        };
        match modules.iter_mut().find(|(module, _)| *module == entry.module) {
            Some((_, rows)) => rows.push(row),
            None => modules.push((entry.module.clone(), vec![row])),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\n"));
    }
    Ok(table(&modules, endpoints.len()))
}

/// One line of the table.
struct Row {
    entry: Documented,
    request: Option<String>,
    state: State,
}

/// Where the spec stands on a page.
enum State {
    /// The endpoint of this name documents the page.
    InSpec(String),
    /// Another endpoint, of this name, covers the page.
    Through(String),
    /// `not yet` or `not expressible`.
    Missing(String),
}

fn table(modules: &[(String, Vec<Row>)], spec_endpoints: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{MARKER} by `cargo xtask generate` from {DOCUMENTED_FILE} and the spec; edit those, not this file. -->"
    );
    out.push_str("# Coverage of LeadSquared's documented endpoints\n\n");
    out.push_str(
        "Every documentation page of the core modules found so far, and where the spec stands on it: \
         described by an endpoint (its method on `Client`), covered by another endpoint's method, \
         not described yet, or not expressible with the generator's constructs, with the reason. \
         The list is `spec/documented.json` (format: `spec/README.md`).\n\n",
    );
    let total: usize = modules.iter().map(|(_, rows)| rows.len()).sum();
    let count = |rows: &[Row], want: &dyn Fn(&State) -> bool| rows.iter().filter(|row| want(&row.state)).count();
    let in_spec = |state: &State| matches!(state, State::InSpec(_) | State::Through(_));
    let missing = |which: &'static str| move |state: &State| matches!(state, State::Missing(status) if status == which);
    let all: Vec<&Row> = modules.iter().flat_map(|(_, rows)| rows).collect();
    let covered = all.iter().filter(|row| in_spec(&row.state)).count();
    let _ = writeln!(
        out,
        "{total} documented pages: {covered} covered by the spec's {spec_endpoints} endpoints, \
         {} not yet, {} not expressible.\n",
        all.iter().filter(|row| missing("not yet")(&row.state)).count(),
        all.iter().filter(|row| missing("not expressible")(&row.state)).count(),
    );
    out.push_str("| module | pages | in the spec | not yet | not expressible |\n|---|---|---|---|---|\n");
    for (module, rows) in modules {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(module),
            rows.len(),
            count(rows, &in_spec),
            count(rows, &missing("not yet")),
            count(rows, &missing("not expressible")),
        );
    }
    for (module, rows) in modules {
        let _ = write!(out, "\n## {module}\n\n| page | request | status |\n|---|---|---|\n");
        for row in rows {
            let status = match &row.state {
                State::InSpec(name) => format!("in the spec: `{name}`"),
                State::Through(name) => format!("in the spec through `{name}`"),
                State::Missing(status) => format!("{status}: {}", row.entry.reason.as_deref().unwrap_or_default()),
            };
            let status = match &row.entry.note {
                Some(note) => format!("{status}. {note}"),
                None => status,
            };
            let request = row
                .request
                .as_deref()
                .map_or_else(|| "not read".to_string(), |request| format!("`{request}`"));
            let _ = writeln!(
                out,
                "| [{}]({}) | {} | {} |",
                cell(&row.entry.title),
                row.entry.docs_url,
                cell(&request),
                cell(&status)
            );
        }
    }
    out
}

/// Text fit for a Markdown table cell: no line breaks, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// A documentation URL compared without its scheme's case and trailing slash.
fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

fn parse(text: &str) -> Result<Vec<Documented>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("{DOCUMENTED_FILE} is not valid JSON: {error}"))?;
    let list = value
        .get("endpoints")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| format!("{DOCUMENTED_FILE} must be an object with an `endpoints` array"))?;
    let mut errors = Vec::new();
    let mut entries = Vec::new();
    for (index, item) in list.iter().enumerate() {
        let at = format!("{DOCUMENTED_FILE}: endpoints[{index}]");
        let Some(object) = item.as_object() else {
            errors.push(format!("{at} is not an object"));
            continue;
        };
        for key in object.keys() {
            if !KEYS.contains(&key.as_str()) {
                errors.push(format!("{at}: unknown key `{key}`; valid keys: {}", KEYS.join(", ")));
            }
        }
        let text = |key: &str| -> Result<Option<String>, String> {
            match object.get(key) {
                None => Ok(None),
                Some(serde_json::Value::String(text)) if !text.trim().is_empty() => Ok(Some(text.clone())),
                Some(_) => Err(format!("{at}: `{key}` must be a non-empty string")),
            }
        };
        let mut field = |key: &str, required: bool| match text(key) {
            Ok(None) if required => {
                errors.push(format!("{at}: `{key}` is missing"));
                None
            }
            Ok(value) => value,
            Err(message) => {
                errors.push(message);
                None
            }
        };
        let (title, docs_url, module) = (field("title", true), field("docs_url", true), field("module", true));
        let (method, path, status) = (field("method", false), field("path", false), field("status", false));
        let (reason, covered_by, note) = (field("reason", false), field("covered_by", false), field("note", false));
        if let Some(method) = method.as_deref().filter(|method| !["GET", "POST"].contains(method)) {
            errors.push(format!("{at}: method `{method}` is not GET or POST"));
        }
        if let Some(path) = path.as_deref().filter(|path| !path.starts_with('/')) {
            errors.push(format!("{at}: path `{path}` must start with `/` (below the base URL)"));
        }
        if let Some(url) = docs_url
            .as_deref()
            .filter(|url| !url.starts_with("https://apidocs.leadsquared.com/"))
        {
            errors.push(format!(
                "{at}: docs_url `{url}` is not a page of https://apidocs.leadsquared.com/"
            ));
        }
        if let (Some(title), Some(docs_url), Some(module)) = (title, docs_url, module) {
            entries.push(Documented {
                title,
                docs_url,
                module,
                method,
                path,
                status,
                reason,
                covered_by,
                note,
            });
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(name: &str, url: &str, method: &str, path: &str) -> SpecEndpoint {
        SpecEndpoint {
            name: name.into(),
            docs_url: Some(url.into()),
            method: method.into(),
            path: path.into(),
        }
    }

    const LIST: &str = r#"{ "endpoints": [
        { "title": "Create a Lead", "docs_url": "https://apidocs.leadsquared.com/create-a-lead/",
          "module": "Lead Management", "method": "POST", "path": "/LeadManagement.svc/Lead.Create" },
        { "title": "Get a Field", "docs_url": "https://apidocs.leadsquared.com/field",
          "module": "Lead Management", "covered_by": "create_lead", "note": "with `x`" },
        { "title": "Capture | Leads", "docs_url": "https://apidocs.leadsquared.com/capture/",
          "module": "Lead Management", "status": "not yet", "reason": "the example\nis cut" },
        { "title": "Async", "docs_url": "https://apidocs.leadsquared.com/async/",
          "module": "Async API", "status": "not expressible", "reason": "another host" }
    ] }"#;

    #[test]
    fn each_page_gets_its_status_by_module() {
        let spec = [endpoint(
            "create_lead",
            "https://apidocs.leadsquared.com/create-a-lead",
            "POST",
            "/LeadManagement.svc/Lead.Create",
        )];
        let table = render(LIST, &spec).unwrap();
        assert!(table.starts_with(MARKER), "{table}");
        assert!(
            table.contains("4 documented pages: 2 covered by the spec's 1 endpoints, 1 not yet, 1 not expressible."),
            "{table}"
        );
        assert!(table.contains("| Lead Management | 3 | 2 | 1 | 0 |"), "{table}");
        assert!(table.contains("| Async API | 1 | 0 | 0 | 1 |"), "{table}");
        assert!(
            table.contains(
                "| [Create a Lead](https://apidocs.leadsquared.com/create-a-lead/) | `POST /LeadManagement.svc/Lead.Create` | in the spec: `create_lead` |"
            ),
            "{table}"
        );
        assert!(
            table.contains("| not read | in the spec through `create_lead`. with `x` |"),
            "{table}"
        );
        assert!(table.contains("| [Capture \\| Leads]("), "{table}");
        assert!(table.contains("not yet: the example is cut |"), "{table}");
        assert!(table.find("## Lead Management").unwrap() < table.find("## Async API").unwrap());
    }

    #[test]
    fn the_list_and_the_spec_must_agree() {
        let spec = [
            endpoint(
                "create_lead",
                "https://apidocs.leadsquared.com/create-a-lead/",
                "GET",
                "/Other",
            ),
            endpoint("unlisted", "https://apidocs.leadsquared.com/unlisted/", "GET", "/X"),
        ];
        let error = render(LIST, &spec).unwrap_err();
        assert!(error.contains("endpoint `unlisted` documents"), "{error}");
        assert!(
            error.contains("the list says POST but endpoint `create_lead` is GET"),
            "{error}"
        );
        assert!(
            error.contains("the list says /LeadManagement.svc/Lead.Create but endpoint"),
            "{error}"
        );

        let described = LIST.replace(
            "\"module\": \"Async API\", \"status\": \"not expressible\"",
            "\"module\": \"Async API\", \"status\": \"maybe\"",
        );
        let error = render(&described, &spec[..1]).unwrap_err();
        assert!(
            error.contains("status `maybe` is not not yet or not expressible"),
            "{error}"
        );
    }

    #[test]
    fn entries_are_checked_one_by_one() {
        let list = r#"{ "endpoints": [
            { "title": "A", "docs_url": "https://example.com/a", "module": "M", "method": "PUT", "colour": "red" },
            { "title": "B", "docs_url": "https://apidocs.leadsquared.com/b", "module": "M" },
            { "title": "C", "docs_url": "https://apidocs.leadsquared.com/c", "module": "M", "status": "not yet" },
            { "title": "D", "docs_url": "https://apidocs.leadsquared.com/d", "module": "M", "covered_by": "nothing" },
            { "title": "D", "docs_url": "https://apidocs.leadsquared.com/d/", "module": "M", "status": "not yet", "reason": "r" },
            { "docs_url": "https://apidocs.leadsquared.com/e", "module": "M", "path": "Lead.Create" }
        ] }"#;
        let error = render(list, &[]).unwrap_err();
        for expected in [
            "unknown key `colour`",
            "method `PUT` is not GET or POST",
            "is not a page of https://apidocs.leadsquared.com/",
            "endpoints[5]: `title` is missing",
            "path `Lead.Create` must start with `/`",
        ] {
            assert!(error.contains(expected), "{expected}: {error}");
        }
        // Entries that parse are then joined with the spec.
        let list = list
            .replace(
                ", \"method\": \"PUT\", \"colour\": \"red\"",
                ", \"status\": \"not yet\", \"reason\": \"r\"",
            )
            .replace("https://example.com/a", "https://apidocs.leadsquared.com/a")
            .replace(", \"path\": \"Lead.Create\"", "");
        let list = list.replace("{ \"docs_url\"", "{ \"title\": \"E\", \"docs_url\"");
        let error = render(&list, &[]).unwrap_err();
        for expected in [
            "`B`: the spec does not describe this page",
            "`C`: status `not yet` needs a `reason`",
            "`covered_by: nothing` names no endpoint",
            "is listed twice",
        ] {
            assert!(error.contains(expected), "{expected}: {error}");
        }
        assert!(render("[]", &[]).unwrap_err().contains("an `endpoints` array"));
        assert!(render("{", &[]).unwrap_err().contains("is not valid JSON"));
    }
}
