//! Spec diagnostics: what went wrong, where, and what would be valid.
//!
//! Every check in the loader and the lowering pushes a [`Diagnostic`] into a [`Diagnostics`]
//! list instead of returning early, so that one run of the generator reports every error in
//! the spec. The list is checked once, at the phase boundary (see `crate::generate`). The
//! rendering is part of the user interface and is pinned by snapshot tests.

use std::fmt;

/// A position in a spec file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

/// One error in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The spec file, as given to the generator (e.g. `spec/opportunities.yaml`).
    pub file: String,
    /// Where in the file the offending node starts.
    pub pos: Pos,
    /// The path of the offending node inside the file, e.g. `endpoints[0].body.max_items`.
    pub path: String,
    /// What is wrong, in a short lowercase sentence.
    pub message: String,
    /// What would be valid, or what to do, when there is something to say.
    pub help: Option<String>,
    /// The text of the offending line, for the excerpt.
    pub line_text: String,
}

/// Lines longer than this are shown as a window around the caret.
const EXCERPT_WIDTH: usize = 100;

impl Diagnostic {
    /// The width of the caret: the token starting at the position, at least one character.
    fn caret_width(&self) -> usize {
        let rest: String = self.line_text.chars().skip(self.pos.column.saturating_sub(1)).collect();
        let token = rest
            .split(|c: char| c.is_whitespace() || c == ':' || c == ',' || c == ']' || c == '}')
            .next()
            .unwrap_or("");
        token.chars().count().max(1)
    }

    /// The excerpt of the line and the caret's padding and width in it: the whole line, or
    /// for a long line (a minified example, a runaway bracket) a window of it around the
    /// position, marked with `…` where it was cut.
    fn excerpt(&self) -> (String, usize, usize) {
        let column = self.pos.column.saturating_sub(1);
        let length = self.line_text.chars().count();
        if length <= EXCERPT_WIDTH {
            return (self.line_text.clone(), column, self.caret_width());
        }
        let start = column
            .saturating_sub(EXCERPT_WIDTH * 2 / 5)
            .min(length.saturating_sub(EXCERPT_WIDTH));
        let mut shown: String = self.line_text.chars().skip(start).take(EXCERPT_WIDTH).collect();
        let mut pad = column.saturating_sub(start);
        if start > 0 {
            shown.insert(0, '…');
            pad += 1;
        }
        if start + EXCERPT_WIDTH < length {
            shown.push('…');
        }
        let width = self.caret_width().min(EXCERPT_WIDTH.saturating_sub(pad).max(1));
        (shown, pad, width)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line_no = self.pos.line.to_string();
        let gutter = " ".repeat(line_no.len());
        writeln!(f, "error: {}", self.message)?;
        writeln!(f, "{gutter}--> {}:{}:{}", self.file, self.pos.line, self.pos.column)?;
        if !self.line_text.is_empty() {
            let (shown, pad, width) = self.excerpt();
            writeln!(f, "{gutter} |")?;
            writeln!(f, "{line_no} | {shown}")?;
            writeln!(f, "{gutter} | {}{}", " ".repeat(pad), "^".repeat(width))?;
        }
        if !self.path.is_empty() {
            writeln!(f, "{gutter} = at: {}", self.path)?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "{gutter} = help: {help}")?;
        }
        Ok(())
    }
}

/// Every error found in a spec, in file and position order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one error.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Whether no error was found.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The errors, sorted by file and position.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Ends a phase: `Err` with every error found so far, sorted, or `Ok` when there is none.
    pub fn check(mut self) -> Result<(), Diagnostics> {
        if self.items.is_empty() {
            return Ok(());
        }
        self.items
            .sort_by(|a, b| (&a.file, a.pos, &a.message).cmp(&(&b.file, b.pos, &b.message)));
        self.items.dedup();
        Err(self)
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.items {
            writeln!(f, "{diagnostic}")?;
        }
        let n = self.items.len();
        write!(
            f,
            "{n} error{} in the spec; nothing was generated",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// How similar a candidate must be to be suggested: the normalized Damerau–Levenshtein
/// similarity of the lower-cased names (1 − edits / length of the longer). 0.7 lets through
/// one edit in four letters (`nme` → `name`, a swap in `idempotnet`) and about one in three in
/// longer names, and keeps out names that merely share letters (`auth` is two edits from
/// `path`: no suggestion).
pub const SUGGESTION_THRESHOLD: f64 = 0.7;

/// The closest candidate to `input`, when one is close enough to be a likely typo (see
/// [`SUGGESTION_THRESHOLD`]).
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Names this long are not typed by hand, and comparing them costs the product of the
    // lengths; lengths too far apart cannot reach the threshold.
    const LONGEST: usize = 64;
    let input = input.to_lowercase();
    let length = input.chars().count();
    if length > LONGEST {
        return None;
    }
    let close_in_length = move |candidate: &str| {
        let other = candidate.chars().count();
        let longer = length.max(other) as f64;
        other <= LONGEST && (length.abs_diff(other) as f64) <= (1.0 - SUGGESTION_THRESHOLD) * longer
    };
    candidates
        .into_iter()
        .filter(move |candidate| close_in_length(candidate))
        .map(|candidate| {
            (
                strsim::normalized_damerau_levenshtein(&input, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= SUGGESTION_THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// Formats a list of valid choices as `` `a`, `b`, `c` ``.
pub fn one_of<'a>(choices: impl IntoIterator<Item = &'a str>) -> String {
    choices
        .into_iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
