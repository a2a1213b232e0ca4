//! The LeadSquared client generator: spec in, formatted Rust files out.
//!
//! ```text
//! spec/*.yaml ──yaml──▶ raw mirror ──lower──▶ model::Spec ──emit──▶ tokens ──format──▶ files
//! ```
//!
//! Three phases, each a module: `yaml` + `raw` parse each file into a serde mirror with no
//! logic; `lower` checks everything and builds the typed [`model`]; `emit` turns the model
//! into tokens and cannot fail. Errors of the first two phases are collected, not returned
//! early, and checked at the boundary, so one run reports every problem in the spec. Nothing
//! in this crate knows any endpoint: the spec is the only place endpoints are described.

mod cycles;
pub mod diag;
mod emit;
mod lower;
pub mod model;
mod raw;
pub mod reserved;
pub mod yaml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diag::{Diagnostic, Diagnostics};
pub use yaml::SourceFile;

/// The crate a generated file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The client crate users depend on: types, endpoint methods, request builders.
    Client,
    /// The sandbox crate: the wire schema as data, which it validates requests against.
    Sandbox,
    /// The command-line crate: each endpoint's inputs, its call and its bulk job, for the
    /// `leadsquared` command.
    Cli,
}

/// One generated file: the crate it belongs to, its path relative to that crate's generated
/// folder, and its full contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The crate the file belongs to.
    pub target: Target,
    /// Path relative to the folder that holds the crate's generated code, e.g. `types.rs`.
    pub path: PathBuf,
    /// The file's contents, header included.
    pub contents: String,
}

/// Why generation failed.
#[derive(Debug)]
pub enum Error {
    /// The spec has errors; every one found is listed.
    Spec(Diagnostics),
    /// A spec file or folder could not be read.
    Io {
        /// The path that could not be read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The emitter produced tokens that do not parse: a bug in the generator, not the spec.
    Internal(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Spec(diagnostics) => write!(f, "{diagnostics}"),
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::Internal(message) => {
                write!(
                    f,
                    "internal generator error (please report it with the spec that caused it): {message}"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

/// Reads every `*.yaml` file under `spec_dir` (recursively, in sorted order) and generates.
///
/// File names in diagnostics and headers are shown relative to `display_root`
/// (normally the workspace root, so they read `spec/api.yaml`).
pub fn generate_dir(spec_dir: &Path, display_root: &Path) -> Result<Vec<GeneratedFile>, Error> {
    let sources = read_spec_dir(spec_dir, display_root)?;
    generate(&sources)
}

/// Reads the spec files under `spec_dir`, sorted by path.
pub fn read_spec_dir(spec_dir: &Path, display_root: &Path) -> Result<Vec<SourceFile>, Error> {
    let mut paths = Vec::new();
    collect_yaml(spec_dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            let shown = path.strip_prefix(display_root).unwrap_or(&path);
            let name = shown
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Ok(SourceFile { name, text })
        })
        .collect()
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_dir() {
            collect_yaml(&path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
    Ok(())
}

/// Generates the client code for a spec given as files in memory, in the order given.
pub fn generate(sources: &[SourceFile]) -> Result<Vec<GeneratedFile>, Error> {
    let spec = load(sources).map_err(Error::Spec)?;
    emit::emit(&spec).into_iter().map(format_file).collect()
}

/// The client crate's cargo features, one per group with the groups it needs, as the lines of
/// a `[features]` table, when the spec's `api.group_features` asks for them.
pub fn cargo_features(sources: &[SourceFile]) -> Result<Option<String>, Error> {
    let spec = load(sources).map_err(Error::Spec)?;
    Ok(emit::cargo_features(&spec))
}

/// The JSON Schema of a spec file, for editors (referenced from each file's first line,
/// `# yaml-language-server: $schema=./schema.json`). It is derived from the same serde mirror
/// the loader uses, so it cannot list a key the loader refuses; `cargo xtask check` keeps the
/// committed `spec/schema.json` fresh. It checks keys and value types; everything that needs
/// the whole spec (names resolve, limits agree) is the loader's.
pub fn spec_json_schema() -> String {
    let mut schema = schemars::schema_for!(raw::File);
    schema.insert("title".into(), "Spec file of a generated API client".into());
    schema.insert(
        "$comment".into(),
        "@generated by `cargo xtask generate` from codegen/src/raw.rs. Do not edit by hand.".into(),
    );
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// Parses and validates a spec without emitting anything.
pub fn load(sources: &[SourceFile]) -> Result<model::Spec, Diagnostics> {
    let mut diags = Diagnostics::default();
    let parsed: Vec<_> = sources
        .iter()
        .filter_map(|file| yaml::parse::<raw::File>(file, raw::valid_keys, &mut diags))
        .collect();
    let spec = lower::lower(&parsed, &mut diags);
    if let Some(spec) = &spec {
        check_examples(spec, &parsed, &mut diags);
    }
    diags.check()?;
    spec.ok_or_else(|| {
        // Lowering only returns nothing after reporting why; keep the promise of an error list.
        let mut diags = Diagnostics::default();
        diags.push(Diagnostic {
            file: sources.first().map(|s| s.name.clone()).unwrap_or_default(),
            pos: diag::Pos { line: 1, column: 1 },
            path: String::new(),
            message: "the spec could not be lowered".into(),
            help: None,
            line_text: String::new(),
        });
        diags
    })
}

/// Reports each documented example the generated API cannot write, at the value that cannot be
/// written (`endpoints[2].examples.request[0].Shade`): its method would otherwise lose its doc
/// example without a word.
fn check_examples(spec: &model::Spec, parsed: &[yaml::Parsed<raw::File>], diags: &mut Diagnostics) {
    for (endpoint, problem) in emit::inexpressible_examples(spec) {
        let Some(file) = parsed.iter().find(|file| file.file.name == endpoint.site.file) else {
            continue;
        };
        let Some(index) = file.value.endpoints.iter().position(|raw| raw.name == endpoint.name) else {
            continue;
        };
        let mut path = vec![yaml::Seg::from("endpoints"), yaml::Seg::from(index)];
        let help = match problem.example {
            Some(example) => {
                path.extend([yaml::Seg::from("examples"), yaml::Seg::from(example)]);
                path.extend(problem.at);
                format!(
                    "{}; the method's doc example is written from `examples.{example}`",
                    problem.help
                )
            }
            None if file.value.endpoints[index].examples.is_some() => {
                path.push(yaml::Seg::from("examples"));
                problem.help
            }
            None => {
                path.push(yaml::Seg::from("name"));
                problem.help
            }
        };
        let diagnostic = if problem.key {
            file.error_at_key(&path, problem.message, Some(help))
        } else {
            file.error_at(&path, problem.message, Some(help))
        };
        diags.push(diagnostic);
    }
}

fn format_file(emitted: emit::Emitted) -> Result<GeneratedFile, Error> {
    let file: syn::File = syn::parse2(emitted.tokens).map_err(|e| Error::Internal(format!("{}: {e}", emitted.name)))?;
    let body = prettyplease::unparse(&file);
    let header = format!(
        "// @generated by `cargo xtask generate` from {}.\n// Do not edit by hand: edit the spec and run `cargo xtask generate`.\n\n",
        emitted.sources.join(", ")
    );
    Ok(GeneratedFile {
        target: emitted.target,
        path: PathBuf::from(emitted.name),
        contents: header + &body,
    })
}
