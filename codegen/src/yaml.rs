//! The YAML boundary: the only module that knows which YAML libraries the generator uses.
//!
//! `serde_yaml` (asked for by the project, and marked deprecated upstream) deserializes each
//! spec file into the serde mirror in `raw`. It reports positions only for its own errors, so
//! the lowering's errors (an undefined type, a duplicate name, ...) need positions from
//! elsewhere: [`PositionIndex`] walks the same text with `yaml-rust2`'s marked event parser and
//! records where every node starts, keyed by its path (`endpoints[0].body.max_items`). Keys
//! the mirror does not know are collected with `serde_ignored` instead of
//! `deny_unknown_fields`, so that every unknown key is reported, not only the first.
//!
//! A successor to `serde_yaml` replaces this module and nothing else.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diag::{Diagnostic, Diagnostics, Pos, did_you_mean, one_of};

/// Any YAML value, kept as written (the spec's request and response examples).
pub type YamlValue = serde_yaml::Value;

/// The JSON a YAML value stands for, pretty-printed with keys in the order written, or why
/// there is none (a non-string key, a tag).
pub fn to_json(value: &YamlValue) -> Result<String, String> {
    fn has_tag(value: &YamlValue) -> bool {
        match value {
            YamlValue::Tagged(_) => true,
            YamlValue::Sequence(items) => items.iter().any(has_tag),
            YamlValue::Mapping(map) => map.iter().any(|(key, value)| has_tag(key) || has_tag(value)),
            _ => false,
        }
    }
    if has_tag(value) {
        return Err("YAML tags have no JSON meaning".to_string());
    }
    serde_json::to_string_pretty(value).map_err(|error| error.to_string())
}

/// One spec file: its name as shown in diagnostics and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The name shown in diagnostics and in generated headers, e.g. `spec/api.yaml`.
    pub name: String,
    /// The file's contents.
    pub text: String,
}

/// One step of a path inside a YAML document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Formats a path the way diagnostics show it: `endpoints[0].body.max_items`.
pub fn path_string(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Seg::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Where each node of a document starts.
#[derive(Debug, Default)]
pub struct PositionIndex {
    /// Position of the node (the value) at each path.
    values: HashMap<String, Pos>,
    /// Position of the key that introduces the node at each path, for mapping entries.
    keys: HashMap<String, Pos>,
}

impl PositionIndex {
    /// Indexes `text`. A syntax error leaves the index partial; `serde_yaml` reports it.
    pub fn build(text: &str) -> PositionIndex {
        let mut builder = IndexBuilder::default();
        let _ = Parser::new_from_str(text).load(&mut builder, false);
        builder.index
    }

    /// The position of the value at `path`, or of its closest indexed ancestor.
    pub fn value(&self, path: &[Seg]) -> Pos {
        self.lookup(&self.values, path)
    }

    /// The position of the key at `path` (the value's when there is no key), or of the
    /// closest indexed ancestor.
    pub fn key(&self, path: &[Seg]) -> Pos {
        match self.keys.get(&path_string(path)) {
            Some(pos) => *pos,
            None => self.value(path),
        }
    }

    fn lookup(&self, map: &HashMap<String, Pos>, path: &[Seg]) -> Pos {
        (0..=path.len())
            .rev()
            .find_map(|len| map.get(&path_string(&path[..len])).copied())
            .unwrap_or(Pos { line: 1, column: 1 })
    }
}

enum Frame {
    Mapping { path: Vec<Seg>, key: Option<String> },
    Sequence { path: Vec<Seg>, next: usize },
}

#[derive(Default)]
struct IndexBuilder {
    index: PositionIndex,
    stack: Vec<Frame>,
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let pos = Pos {
            line: mark.line(),
            column: mark.col() + 1,
        };
        let starts_node = matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(..)
        );
        if starts_node {
            let path = match self.stack.last_mut() {
                None => Vec::new(),
                Some(Frame::Mapping { path, key }) => match key.take() {
                    None => {
                        // This node is a key. Only scalar keys are addressable.
                        if let Event::Scalar(text, ..) = &event {
                            let mut key_path = path.clone();
                            key_path.push(Seg::Key(text.clone()));
                            self.index.keys.insert(path_string(&key_path), pos);
                            *key = Some(text.clone());
                        } else {
                            *key = Some(String::new());
                        }
                        if matches!(event, Event::Scalar(..) | Event::Alias(..)) {
                            return;
                        }
                        // A complex key: index nothing inside it.
                        Vec::new()
                    }
                    Some(name) => {
                        let mut child = path.clone();
                        child.push(Seg::Key(name));
                        child
                    }
                },
                Some(Frame::Sequence { path, next }) => {
                    let mut child = path.clone();
                    child.push(Seg::Index(*next));
                    *next += 1;
                    child
                }
            };
            self.index.values.entry(path_string(&path)).or_insert(pos);
            match event {
                Event::MappingStart(..) => self.stack.push(Frame::Mapping { path, key: None }),
                Event::SequenceStart(..) => self.stack.push(Frame::Sequence { path, next: 0 }),
                _ => {}
            }
        } else if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
            self.stack.pop();
        }
    }
}

/// A parsed file, ready for the lowering to report errors against.
#[derive(Debug)]
pub struct Parsed<T> {
    /// The serde mirror of the file.
    pub value: T,
    /// The file it came from.
    pub file: SourceFile,
    /// Where each node starts.
    pub index: PositionIndex,
}

impl<T> Parsed<T> {
    /// A diagnostic pointing at the value at `path`.
    pub fn error_at(&self, path: &[Seg], message: String, help: Option<String>) -> Diagnostic {
        self.diagnostic(self.index.value(path), path, message, help)
    }

    /// A diagnostic pointing at the key of the entry at `path`.
    pub fn error_at_key(&self, path: &[Seg], message: String, help: Option<String>) -> Diagnostic {
        self.diagnostic(self.index.key(path), path, message, help)
    }

    fn diagnostic(&self, pos: Pos, path: &[Seg], message: String, help: Option<String>) -> Diagnostic {
        make_diagnostic(&self.file, pos, path_string(path), message, help)
    }
}

fn make_diagnostic(file: &SourceFile, pos: Pos, path: String, message: String, help: Option<String>) -> Diagnostic {
    let line_text = file
        .text
        .lines()
        .nth(pos.line.saturating_sub(1))
        .unwrap_or("")
        .to_string();
    Diagnostic {
        file: file.name.clone(),
        pos,
        path,
        message,
        help,
        line_text,
    }
}

/// Parses `file` into `T`, reporting syntax errors, type errors and every unknown key.
///
/// `valid_keys` tells, for the path of a mapping, which keys the mirror accepts there; it
/// is used for "did you mean" suggestions.
pub fn parse<T: DeserializeOwned + Default>(
    file: &SourceFile,
    valid_keys: fn(&[Seg]) -> &'static [&'static str],
    diags: &mut Diagnostics,
) -> Option<Parsed<T>> {
    let index = PositionIndex::build(&file.text);
    if file.text.trim().is_empty() || only_comments(&file.text) {
        return Some(Parsed {
            value: T::default(),
            file: file.clone(),
            index,
        });
    }
    let mut unknown: Vec<Vec<Seg>> = Vec::new();
    let deserializer = serde_yaml::Deserializer::from_str(&file.text);
    let result: Result<T, _> = serde_ignored::deserialize(deserializer, |path| unknown.push(segments(&path)));
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            let pos = error
                .location()
                .map(|loc| Pos {
                    line: loc.line(),
                    column: loc.column(),
                })
                .unwrap_or(Pos { line: 1, column: 1 });
            let (path, message) = split_serde_message(&error.to_string());
            diags.push(make_diagnostic(
                file,
                pos,
                path,
                message,
                Some(serde_help(&error.to_string())),
            ));
            return None;
        }
    };
    let parsed = Parsed {
        value,
        file: file.clone(),
        index,
    };
    for path in unknown {
        let Some(Seg::Key(key)) = path.last() else { continue };
        let valid = valid_keys(&path[..path.len() - 1]);
        let help = match did_you_mean(key, valid.iter().copied()) {
            Some(best) => format!(
                "did you mean `{best}`? valid keys here: {}",
                one_of(valid.iter().copied())
            ),
            None => format!("valid keys here: {}", one_of(valid.iter().copied())),
        };
        diags.push(parsed.error_at_key(&path, format!("unknown key `{key}`"), Some(help)));
    }
    Some(parsed)
}

fn only_comments(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    })
}

fn segments(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut segs = segments(parent);
            segs.push(Seg::Index(*index));
            segs
        }
        Path::Map { parent, key } => {
            let mut segs = segments(parent);
            segs.push(Seg::Key(key.clone()));
            segs
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => segments(parent),
    }
}

/// Splits serde_yaml's `path: message at line L column C` into the path and the message.
fn split_serde_message(text: &str) -> (String, String) {
    let text = match text.find(" at line ") {
        Some(at) => &text[..at],
        None => text,
    };
    match text.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (path.to_string(), message.to_string()),
        _ => (String::new(), text.to_string()),
    }
}

fn serde_help(text: &str) -> String {
    if text.contains("invalid type") || text.contains("invalid value") {
        "give the value the type this key expects; spec/README.md lists every key and its type".to_string()
    } else if text.contains("missing field") {
        "add the missing key; spec/README.md lists the keys each entry needs".to_string()
    } else {
        "fix the YAML syntax at this position (indentation, a missing `:` or an unclosed quote)".to_string()
    }
}
