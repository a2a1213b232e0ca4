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
//! The event pass runs first and is also the gate: it holds each file to [`MAX_FILE_BYTES`],
//! [`MAX_DEPTH`] and the alias limits ([`MAX_ALIAS_NODES`], [`MAX_ALIAS_FACTOR`]) and reports
//! every duplicate key, each at its line, before `serde_yaml` reads anything. Its work is
//! linear in the text; `serde_yaml`'s parser takes quadratic time in the nesting of flow
//! collections and `yaml-rust2`'s `load` recurses per level, so neither sees unbounded input.
//!
//! A successor to `serde_yaml` replaces this module and nothing else.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, ScanError};

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

/// `path_string` of `path` followed by the key `key`, from `path_string(path)`.
fn key_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The largest spec file accepted, in bytes (16 MiB): a spec is split by group into files far
/// smaller than this, and the check keeps a runaway file from being parsed at all.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The deepest nesting of mappings and sequences accepted. The spec format itself needs about
/// ten levels; the rest is room for JSON examples. Every later phase (serde, the JSON of
/// examples, the emitted expressions) recurses at most this deep.
pub const MAX_DEPTH: usize = 64;

/// At most this many nodes may be repeated by aliases (`*name`) in one file.
pub const MAX_ALIAS_NODES: u64 = 1_000_000;

/// Aliases may repeat at most this many times as many nodes as the file has written before
/// them. `serde_yaml` gives up at 100 alias jumps per event; this keeps its limit unreachable.
pub const MAX_ALIAS_FACTOR: u64 = 10;

/// The byte offset of every line start, for turning a line number into its text in O(1).
#[derive(Debug, Default)]
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(newline_ends(text));
        Lines { starts }
    }

    /// The text of the 1-based `line`, without its line break; empty past the end.
    fn text<'t>(&self, text: &'t str, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).map_or(text.len(), |next| next - 1);
        let line = text.get(start..end).unwrap_or("");
        line.strip_suffix('\r').unwrap_or(line)
    }

    /// The 1-based line holding byte `offset`.
    fn of_byte(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }
}

/// The offsets just after each `\n`.
fn newline_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, byte)| *byte == b'\n')
        .map(|(at, _)| at + 1)
}

/// Where each node of a document starts.
#[derive(Debug, Default)]
pub struct PositionIndex {
    /// Position of the node (the value) at each path.
    values: HashMap<String, Pos>,
    /// Position of the key that introduces the node at each path, for mapping entries.
    keys: HashMap<String, Pos>,
    /// Position of the first key of the mapping at each path.
    first_keys: HashMap<String, Pos>,
    /// Line starts of the text, for the excerpts of diagnostics.
    lines: Lines,
}

impl PositionIndex {
    /// Indexes `text`. A syntax error or a broken limit leaves the index partial; [`parse`]
    /// reports them.
    pub fn build(text: &str) -> PositionIndex {
        scan(text).index
    }

    /// The position of the value at `path`, or of its closest indexed ancestor.
    pub fn value(&self, path: &[Seg]) -> Pos {
        self.lookup(&self.values, path)
    }

    /// Where the node at `path` starts: its value's position, or its first key's when that
    /// comes first (the value of a block mapping is placed at its first key's `:`); the closest
    /// indexed ancestor's value when the node is absent.
    pub fn start(&self, path: &[Seg]) -> Pos {
        let value = self.value(path);
        match self.first_keys.get(&path_string(path)) {
            Some(key) => value.min(*key),
            None => value,
        }
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

/// Something wrong with a file that stops it from being deserialized: a syntax error, a
/// broken limit, a duplicate key.
struct Problem {
    pos: Pos,
    message: String,
    help: String,
    /// For a syntax error, the character index where the event parser stopped.
    syntax_at: Option<usize>,
}

/// The outcome of reading a file with the event parser.
struct Scan {
    index: PositionIndex,
    problems: Vec<Problem>,
}

enum Frame {
    Mapping {
        /// The mapping's path, as `path_string` writes it.
        path: String,
        /// The key of the entry being read, once read.
        key: Option<String>,
        /// The scalar keys seen so far, with their positions, for duplicates.
        seen: HashMap<String, Pos>,
        /// The anchor on this mapping and the expanded node count at its start.
        anchor: Option<(usize, u64)>,
    },
    Sequence {
        path: String,
        next: usize,
        anchor: Option<(usize, u64)>,
    },
}

/// Reads `text` event by event with `yaml-rust2`'s pull parser (no recursion: its `load`
/// recurses once per nesting level, which a deep file turns into a stack overflow), indexing
/// positions and checking, as it goes, the nesting depth, the nodes aliases repeat, and keys
/// given twice. It stops at the first syntax error or broken limit, so its work is linear in
/// the text whatever the text is; `serde_yaml` only sees files that passed.
fn scan(text: &str) -> Scan {
    let mut scanner = Scanner {
        index: PositionIndex {
            lines: Lines::new(text),
            ..PositionIndex::default()
        },
        text,
        problems: Vec::new(),
        stack: Vec::new(),
        anchor_sizes: HashMap::new(),
        written: 0,
        repeated: 0,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((event, mark)) => {
                if !scanner.on_event(event, mark) {
                    break;
                }
            }
            Err(error) => {
                scanner.problems.push(syntax_problem(&error));
                break;
            }
        }
    }
    Scan {
        index: scanner.index,
        problems: scanner.problems,
    }
}

fn syntax_problem(error: &ScanError) -> Problem {
    let mark = error.marker();
    let pos = Pos {
        line: mark.line().max(1),
        column: mark.col() + 1,
    };
    if error.info().contains("recursion limit") {
        return depth_problem(pos);
    }
    if error.info().contains("indentation") {
        // YAML 1.2 (and the editors' YAML language server) want every line of a flow
        // collection indented deeper than the block it is in; some parsers let it pass.
        return Problem {
            pos,
            message: error.info().to_string(),
            help: "indent this line deeper: a block entry's lines go right of its key or `-`, and so do all lines of a `[...]` or `{...}` written over several lines, closing bracket included".to_string(),
            syntax_at: None,
        };
    }
    Problem {
        pos,
        message: error.info().to_string(),
        help: SYNTAX_HELP.to_string(),
        syntax_at: Some(mark.index()),
    }
}

fn depth_problem(pos: Pos) -> Problem {
    Problem {
        pos,
        message: format!("the YAML nests deeper than {MAX_DEPTH} levels here"),
        help: format!(
            "a spec needs about ten levels of mappings and sequences, examples included; look for an unclosed `[` or `{{`, or lines indented ever deeper (the limit is {MAX_DEPTH})"
        ),
        syntax_at: None,
    }
}

struct Scanner<'t> {
    index: PositionIndex,
    text: &'t str,
    problems: Vec<Problem>,
    stack: Vec<Frame>,
    /// The expanded node count of each anchored node that has ended.
    anchor_sizes: HashMap<usize, u64>,
    /// Nodes written out (aliases count one each).
    written: u64,
    /// Nodes repeated by aliases.
    repeated: u64,
}

impl Scanner<'_> {
    /// Takes one event; `false` when scanning must stop.
    fn on_event(&mut self, event: Event, mark: Marker) -> bool {
        let pos = Pos {
            line: mark.line().max(1),
            column: mark.col() + 1,
        };
        let anchor = match &event {
            Event::Scalar(_, _, anchor, _) | Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                *anchor
            }
            _ => 0,
        };
        match event {
            Event::MappingEnd | Event::SequenceEnd => {
                let anchor = match self.stack.pop() {
                    Some(Frame::Mapping { anchor, .. } | Frame::Sequence { anchor, .. }) => anchor,
                    None => None,
                };
                if let Some((id, start)) = anchor {
                    self.anchor_sizes.insert(id, self.expanded() - start);
                }
                true
            }
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(..) => {
                self.on_node(event, pos, anchor)
            }
            _ => true,
        }
    }

    fn expanded(&self) -> u64 {
        self.written.saturating_add(self.repeated)
    }

    fn on_node(&mut self, event: Event, pos: Pos, anchor: usize) -> bool {
        let path = match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Mapping { path, key, seen, .. }) => match key.take() {
                None => {
                    // This node is a key. Only scalar keys are addressable.
                    if seen.is_empty() {
                        self.index.first_keys.entry(path.clone()).or_insert(pos);
                    }
                    if let Event::Scalar(text, ..) = &event {
                        self.index.keys.entry(key_path(path, text)).or_insert(pos);
                        if let Some(first) = seen.get(text) {
                            self.problems.push(Problem {
                                pos,
                                message: format!("duplicate key `{text}`"),
                                help: format!(
                                    "`{text}` is already given on line {}; a key appears once in a mapping (YAML would keep only one of the values), so remove or rename one",
                                    first.line
                                ),
                                syntax_at: None,
                            });
                        } else {
                            seen.insert(text.clone(), pos);
                        }
                        *key = Some(text.clone());
                    } else {
                        *key = Some(String::new());
                    }
                    if matches!(event, Event::Scalar(..) | Event::Alias(..)) {
                        return self.count(&event, pos, anchor);
                    }
                    // A complex key: index nothing inside it.
                    String::new()
                }
                Some(name) => key_path(path, &name),
            },
            Some(Frame::Sequence { path, next, .. }) => {
                let child = format!("{path}[{next}]");
                *next += 1;
                child
            }
        };
        self.index.values.entry(path.clone()).or_insert(pos);
        if !self.count(&event, pos, anchor) {
            return false;
        }
        let anchor = (anchor > 0).then(|| (anchor, self.expanded() - 1));
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.problems.push(depth_problem(pos));
                false
            }
            Event::MappingStart(..) => {
                self.stack.push(Frame::Mapping {
                    path,
                    key: None,
                    seen: HashMap::new(),
                    anchor,
                });
                true
            }
            Event::SequenceStart(..) => {
                self.stack.push(Frame::Sequence { path, next: 0, anchor });
                true
            }
            _ => true,
        }
    }

    /// Counts a node, and what an alias repeats; `false` when the aliases repeat too much.
    fn count(&mut self, event: &Event, pos: Pos, anchor: usize) -> bool {
        self.written += 1;
        match event {
            Event::Scalar(..) if anchor > 0 => {
                self.anchor_sizes.insert(anchor, 1);
            }
            Event::Alias(id) => {
                let name = self.alias_name(pos);
                let Some(&size) = self.anchor_sizes.get(id) else {
                    self.problems.push(Problem {
                        pos,
                        message: format!("the alias `*{name}` refers to a node that contains it"),
                        help: format!(
                            "an alias repeats a finished node; `*{name}` inside `&{name}` would repeat forever. Write the nested value out"
                        ),
                        syntax_at: None,
                    });
                    return false;
                };
                // The alias itself was counted as one written node; it stands for `size`.
                self.repeated = self.repeated.saturating_add(size.saturating_sub(1));
                let limit = MAX_ALIAS_NODES.min(self.written.saturating_mul(MAX_ALIAS_FACTOR));
                if self.repeated > limit {
                    self.problems.push(Problem {
                        pos,
                        message: format!(
                            "with `*{name}`, aliases repeat {} nodes, more than the {limit} allowed here",
                            self.repeated
                        ),
                        help: format!(
                            "an alias repeats every node of its anchor, and aliases of aliases multiply (an alias bomb); a file's aliases may repeat at most {MAX_ALIAS_FACTOR} times the nodes written before them, and at most {MAX_ALIAS_NODES} nodes in all. Write the values out, or share less"
                        ),
                        syntax_at: None,
                    });
                    return false;
                }
            }
            _ => {}
        }
        true
    }

    /// The name of the alias at `pos`, read from the text (the events carry only an id).
    fn alias_name(&self, pos: Pos) -> String {
        let line = self.index.lines.text(self.text, pos.line);
        let rest: String = line.chars().skip(pos.column.saturating_sub(1)).collect();
        let rest = rest.strip_prefix('*').unwrap_or(&rest);
        rest.chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | '[' | ']' | '{' | '}'))
            .take(40)
            .collect()
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
        make_diagnostic(&self.file, &self.index.lines, pos, path_string(path), message, help)
    }
}

fn make_diagnostic(
    file: &SourceFile,
    lines: &Lines,
    pos: Pos,
    path: String,
    message: String,
    help: Option<String>,
) -> Diagnostic {
    Diagnostic {
        file: file.name.clone(),
        pos,
        path,
        message,
        help,
        line_text: lines.text(&file.text, pos.line).to_string(),
    }
}

/// Parses `file` into `T`, reporting syntax errors, type errors and every unknown key.
///
/// The file is first held to the limits ([`MAX_FILE_BYTES`], [`MAX_DEPTH`], the aliases'
/// [`MAX_ALIAS_NODES`] and [`MAX_ALIAS_FACTOR`]) and checked for duplicate keys, with
/// `yaml-rust2`'s event parser; only a file that passes is deserialized. `valid_keys` tells,
/// for the path of a mapping, which keys the mirror accepts there; it is used for "did you
/// mean" suggestions.
pub fn parse<T: DeserializeOwned + Default>(
    file: &SourceFile,
    valid_keys: fn(&[Seg]) -> &'static [&'static str],
    diags: &mut Diagnostics,
) -> Option<Parsed<T>> {
    if file.text.len() > MAX_FILE_BYTES {
        let lines = Lines::new(&file.text);
        let pos = Pos {
            line: lines.of_byte(MAX_FILE_BYTES),
            column: 1,
        };
        let message = format!(
            "the file is {} bytes, more than the {MAX_FILE_BYTES} a spec file may have (16 MiB)",
            file.text.len()
        );
        let help = "split it: any file under spec/ may hold `types:` and `endpoints:`, and names are global across files (this line is where the limit is reached)".to_string();
        diags.push(make_diagnostic(file, &lines, pos, String::new(), message, Some(help)));
        return None;
    }
    let Scan { index, problems } = scan(&file.text);
    if !problems.is_empty() {
        for mut problem in problems {
            if let Some(at) = problem.syntax_at {
                serde_syntax_error(&file.text, at, &mut problem);
            }
            diags.push(make_diagnostic(
                file,
                &index.lines,
                problem.pos,
                String::new(),
                problem.message,
                Some(problem.help),
            ));
        }
        return None;
    }
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
                &index.lines,
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

const SYNTAX_HELP: &str = "fix the YAML syntax at this position (indentation, a missing `:` or an unclosed quote)";

/// Replaces the event parser's wording of a syntax error with `serde_yaml`'s, which points at
/// the token that breaks the structure rather than where the scanner noticed. `serde_yaml`
/// reads only the text before the error, which the event parser has checked: its own parser
/// takes quadratic time in the nesting of flow collections, so it never sees unchecked text.
fn serde_syntax_error(text: &str, at: usize, problem: &mut Problem) {
    let end = text.char_indices().nth(at).map_or(text.len(), |(offset, _)| offset);
    let Err(error) = serde_yaml::from_str::<serde::de::IgnoredAny>(&text[..end]) else {
        return;
    };
    let Some(location) = error.location() else { return };
    let pos = Pos {
        line: location.line(),
        column: location.column(),
    };
    if pos <= problem.pos {
        let (_, message) = split_serde_message(&error.to_string());
        problem.pos = pos;
        problem.message = message;
    }
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
    } else if text.contains("duplicate") {
        "a key appears once in a mapping; remove or rename one of the two".to_string()
    } else if text.contains("recursion limit") {
        format!("the YAML nests too deep; a spec needs about ten levels (the limit is {MAX_DEPTH})")
    } else if text.contains("repetition limit") {
        "aliases (`*name`) repeat their anchors' nodes too many times; write the values out".to_string()
    } else if text.contains("more than one document") {
        "keep one YAML document per file: remove the `---` separators after the first".to_string()
    } else {
        SYNTAX_HELP.to_string()
    }
}
