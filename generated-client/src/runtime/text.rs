//! The one scrubber: every text the client keeps or prints passes through [`scrub`].
//!
//! A server or proxy may echo the request back: its URL (which carries the keys in query mode),
//! its headers (which carry them in header mode), or pieces of either, in whatever encoding the
//! echoing code used. So the scrubber does not look for the keys as typed but for any spelling
//! of them, character by character, where each character may appear
//!
//! - as itself;
//! - percent-encoded, once or twice (`%2B`, `%252B`, hex digits in either case), as `%uXXXX`, or
//!   as `+` for a space (and a space for `+`, when the echo decoded a form);
//! - JSON-escaped, once or nested (`\"`, `\\\"`, `\/`, `\u00fc`, `\\u00FC`, surrogate pairs);
//! - HTML-escaped (`&amp;`, `&quot;`, `&#43;`, `&#x2b;`), or as Rust's `Debug` escapes it.
//!
//! A key is removed when it is found whole, when at least [`PREFIX_MIN`] of its characters are
//! found in a row (a key cut short), and, in text that was itself cut, when the cut falls
//! inside it. Independently of the keys, the value after any `accessKey`/`secretKey` query
//! parameter or `x-LSQ-…Key` header name (the names come from the spec) is blanked, so an echo
//! cut short, or of keys this process does not know, still shows no key material.
//!
//! Which keys: those of the client whose call produced the text (passed explicitly), and those
//! of every live client (a registry of weak references, filled by `ClientBuilder::build`), so
//! that rendering an error (`Display`, `Debug`, `{:#?}`) scrubs it again without the error
//! having to carry the keys. Keys shorter than [`PREFIX_MIN`] characters are only removed from
//! their own client's answers: searched for in every text, they would erase ordinary words.
//!
//! Hand-written because no crate matches one string under a set of mixed encodings; a regex
//! per key would need the same per-character alternatives built by hand, plus the regex
//! engine in every user's build.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::generated::api::API;

/// The most bytes of a body an error keeps.
pub(crate) const SNIPPET_MAX: usize = 512;

/// How much of a body is examined at all. Bounding this keeps an error on a huge body cheap; the
/// margin over [`SNIPPET_MAX`] leaves room for redaction to shorten the text.
const SCAN_MAX: usize = 64 * 1024;

/// What replaces a secret in any text the client keeps or prints.
pub(crate) const REDACTED: &str = "<redacted>";

/// How many characters of a key in a row count as a leak of that key.
pub(crate) const PREFIX_MIN: usize = 8;

/// One byte of a spelling: the byte, and whether it matches either ASCII case (hex digits and
/// the letters of `%u` and `&#x`).
type Pattern = Vec<(u8, bool)>;

/// One key, as the spellings of each of its characters.
struct Key {
    chars: Vec<Vec<Pattern>>,
    /// Which bytes can begin a spelling of the first character, to skip most positions fast.
    first: [bool; 256],
}

impl Key {
    fn new(key: &str) -> Option<Key> {
        let chars: Vec<Vec<Pattern>> = key.chars().map(spellings).collect();
        let mut first = [false; 256];
        for pattern in chars.first()? {
            if let Some(&(byte, fold)) = pattern.first() {
                first[usize::from(byte)] = true;
                if fold {
                    first[usize::from(byte.to_ascii_lowercase())] = true;
                    first[usize::from(byte.to_ascii_uppercase())] = true;
                }
            }
        }
        Some(Key { chars, first })
    }
}

/// The keys of one client, prepared for searching.
pub(crate) struct Secrets {
    keys: Vec<Key>,
    /// Whether every key is long enough to be searched for in any text (see the module docs).
    shared: Vec<bool>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

/// Every live client's keys.
static LIVE: Mutex<Vec<Weak<Secrets>>> = Mutex::new(Vec::new());

impl Secrets {
    /// Prepares `keys` and registers them for the scrubbing of every rendered error, for as long
    /// as the returned value lives.
    pub(crate) fn register(keys: &[&str]) -> Arc<Secrets> {
        let secrets = Arc::new(Secrets::unregistered(keys));
        let mut live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        live.retain(|weak| weak.strong_count() > 0);
        live.push(Arc::downgrade(&secrets));
        secrets
    }

    /// Prepares `keys` without registering them.
    pub(crate) fn unregistered(keys: &[&str]) -> Secrets {
        let keys: Vec<(Key, bool)> = keys
            .iter()
            .filter_map(|key| Some((Key::new(key)?, key.chars().count() >= PREFIX_MIN)))
            .collect();
        let (keys, shared) = keys.into_iter().unzip();
        Secrets { keys, shared }
    }
}

/// `text` without any spelling of a known key and with the values of key parameters blanked;
/// borrowed when nothing was found. `own` are the keys of the client whose call produced the
/// text, if known; the keys of every live client are removed too.
pub(crate) fn scrub<'t>(text: &'t str, own: Option<&Secrets>) -> Cow<'t, str> {
    scrub_text(text, own, false)
}

fn scrub_text<'t>(text: &'t str, own: Option<&Secrets>, cut: bool) -> Cow<'t, str> {
    let live: Vec<Arc<Secrets>> = {
        let live = LIVE.lock().unwrap_or_else(PoisonError::into_inner);
        live.iter().filter_map(Weak::upgrade).collect()
    };
    let mut text = Cow::Borrowed(text);
    let own_keys = own.into_iter().flat_map(|secrets| secrets.keys.iter());
    let live_keys = live.iter().flat_map(|secrets| {
        secrets
            .keys
            .iter()
            .zip(&secrets.shared)
            .filter_map(|(key, shared)| shared.then_some(key))
    });
    let keys: Vec<&Key> = own_keys.chain(live_keys).collect();
    // Whole keys first, so that a key sharing a long prefix with another cannot leave the other's
    // tail behind; then prefixes and cuts.
    for pieces in [false, true] {
        for key in &keys {
            if let Some(replaced) = remove_key(&text, key, cut, pieces) {
                text = Cow::Owned(replaced);
            }
        }
    }
    if let Some(replaced) = blank_parameters(&text) {
        text = Cow::Owned(replaced);
    }
    text
}

/// The start of `body` as text: lossy UTF-8, scrubbed, trimmed, at most [`SNIPPET_MAX`] bytes;
/// `…` marks a cut. Scrubbing comes before cutting (a cut could leave a piece of a key that no
/// longer matches), and the scanned window's own cut is treated as a possible cut inside a key.
pub(crate) fn snippet(body: &[u8], own: Option<&Secrets>) -> String {
    let scanned = &body[..floor_boundary(body, SCAN_MAX)];
    let window_cut = scanned.len() < body.len();
    let text = scrub_text(&String::from_utf8_lossy(scanned), own, window_cut).into_owned();
    let text = text.trim();
    let end = floor_boundary(text.as_bytes(), SNIPPET_MAX);
    let cut = end < text.len() || window_cut;
    let mut out = String::with_capacity(end + 3);
    out.push_str(text.get(..end).unwrap_or_default());
    if cut {
        out.push('…');
    }
    out
}

/// `text` with every spelling of `key` replaced, or `None` when there was none; with `pieces`,
/// long enough prefixes and (in a cut text) a key cut by the end count too.
fn remove_key(text: &str, key: &Key, cut: bool, pieces: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut search = Search::new(bytes, key, cut && pieces, pieces);
    let mut out: Option<Vec<u8>> = None;
    let (mut copied, mut at) = (0, 0);
    while at < bytes.len() {
        if key.first[usize::from(bytes[at])] {
            if let Some(end) = search.at(at) {
                let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                copied = end;
                at = end;
                continue;
            }
        }
        at += 1;
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied..]);
    // Matches begin and end on character boundaries (every spelling starts with an ASCII byte
    // or a whole character and ends after one), so this never replaces anything.
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// A search for one key in one text. States (characters matched, position) from which the
/// rest of the key was not found are remembered across start positions, so the work is bounded
/// by the key's length times the text's, whatever the text.
struct Search<'a> {
    text: &'a [u8],
    key: &'a Key,
    cut: bool,
    prefixes: bool,
    /// One bit per state (characters matched × position), allocated on first use.
    dead: Vec<u64>,
}

/// How a spelling lies at a position of the text.
enum Fit {
    /// Whole, ending at the given position.
    Whole(usize),
    /// Cut off by the end of the text.
    Cut,
}

impl<'a> Search<'a> {
    fn new(text: &'a [u8], key: &'a Key, cut: bool, prefixes: bool) -> Self {
        Search {
            text,
            key,
            cut,
            prefixes,
            dead: Vec::new(),
        }
    }

    /// A search frame: the spellings of character `depth` that begin with the byte at
    /// `position` (spellings are sorted, and their first byte is always matched exactly).
    fn frame(&self, depth: usize, position: usize) -> (usize, usize, usize, usize) {
        let spellings = &self.key.chars[depth];
        let Some(&byte) = self.text.get(position) else {
            return (depth, position, 0, 0);
        };
        let first = |pattern: &Pattern| pattern.first().map_or(0, |&(first, _)| first);
        let from = spellings.partition_point(|pattern| first(pattern) < byte);
        let to = spellings.partition_point(|pattern| first(pattern) <= byte);
        (depth, position, from, to)
    }

    fn bit(&self, depth: usize, position: usize) -> usize {
        depth * (self.text.len() + 1) + position
    }

    fn is_dead(&self, depth: usize, position: usize) -> bool {
        let bit = self.bit(depth, position);
        self.dead
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0)
    }

    fn mark_dead(&mut self, depth: usize, position: usize) {
        if self.dead.is_empty() {
            let states = (self.key.chars.len() + 1) * (self.text.len() + 1);
            self.dead = vec![0; states.div_ceil(64)];
        }
        let bit = self.bit(depth, position);
        if let Some(word) = self.dead.get_mut(bit / 64) {
            *word |= 1 << (bit % 64);
        }
    }

    /// The end of the text to redact when a spelling of the key (whole, a long enough prefix,
    /// or cut by the end of a cut text) starts at `start`.
    fn at(&mut self, start: usize) -> Option<usize> {
        let length = self.key.chars.len();
        let enough = length.min(PREFIX_MIN);
        // Depth-first over (characters matched, position, next spelling to try, end of the
        // spellings that begin with the byte at the position).
        let mut stack = vec![self.frame(0, start)];
        let mut best: Option<(usize, usize)> = None;
        while let Some(top) = stack.last_mut() {
            let (depth, position, next, stop) = *top;
            if next >= stop {
                self.mark_dead(depth, position);
                stack.pop();
                continue;
            }
            top.2 += 1;
            let pattern = &self.key.chars[depth][next];
            match fit(pattern, self.text, position) {
                Some(Fit::Cut) if self.cut => return Some(self.text.len()),
                None | Some(Fit::Cut) => {}
                Some(Fit::Whole(end)) => {
                    let matched = depth + 1;
                    if matched == length {
                        return Some(end);
                    }
                    if self.prefixes && matched >= enough && best.is_none_or(|(most, _)| matched > most) {
                        best = Some((matched, end));
                    }
                    if end == self.text.len() && self.cut {
                        return Some(end);
                    }
                    if !self.is_dead(matched, end) {
                        stack.push(self.frame(matched, end));
                    }
                }
            }
        }
        best.map(|(_, end)| end)
    }
}

fn fit(pattern: &[(u8, bool)], text: &[u8], at: usize) -> Option<Fit> {
    let rest = text.get(at..)?;
    for (index, &(want, fold)) in pattern.iter().enumerate() {
        let Some(&got) = rest.get(index) else {
            return Some(Fit::Cut);
        };
        let same = if fold {
            got.eq_ignore_ascii_case(&want)
        } else {
            got == want
        };
        if !same {
            return None;
        }
    }
    Some(Fit::Whole(at + pattern.len()))
}

/// Every spelling of `c` the scrubber recognises (see the module docs).
fn spellings(c: char) -> Vec<Pattern> {
    let exact = |text: &str| -> Pattern { text.bytes().map(|byte| (byte, false)).collect() };
    // Upper-case hex digits and marker letters, matched in either case.
    let folded = |text: &str| -> Pattern { text.bytes().map(|byte| (byte, byte.is_ascii_alphanumeric())).collect() };
    let mut utf8 = [0u8; 4];
    let raw = c.encode_utf8(&mut utf8).as_bytes();
    let mut utf16 = [0u16; 2];
    let units = c.encode_utf16(&mut utf16);
    let code = u32::from(c);

    let mut out: Vec<Pattern> = vec![raw.iter().map(|&byte| (byte, false)).collect()];
    // Percent-encoding, once and twice, and the old `%uXXXX` form.
    for prefix in ["%", "%25"] {
        let mut pattern = Pattern::new();
        for byte in raw {
            pattern.extend(exact(prefix));
            pattern.extend(folded(&format!("{byte:02X}")));
        }
        out.push(pattern);
    }
    let mut percent_u = exact("%");
    for unit in units.iter() {
        percent_u.extend(folded(&format!("U{unit:04X}")));
    }
    out.push(percent_u);
    // Form encoding (and decoding).
    match c {
        ' ' => out.push(exact("+")),
        '+' => out.push(exact(" ")),
        _ => {}
    }
    // JSON escapes, as one level of escaping and nested inside another JSON string.
    for backslashes in [1, 2, 4] {
        let mut pattern = Pattern::new();
        for unit in units.iter() {
            pattern.extend(exact(&"\\".repeat(backslashes)));
            pattern.push((b'u', false));
            pattern.extend(folded(&format!("{unit:04X}")));
        }
        out.push(pattern);
    }
    let short = match c {
        '"' => Some('"'),
        '/' => Some('/'),
        '\u{8}' => Some('b'),
        '\u{c}' => Some('f'),
        '\n' => Some('n'),
        '\r' => Some('r'),
        '\t' => Some('t'),
        _ => None,
    };
    if let Some(letter) = short {
        for backslashes in [1, 3, 7] {
            out.push(exact(&format!("{}{letter}", "\\".repeat(backslashes))));
        }
    }
    if c == '\\' {
        for backslashes in [2, 4, 8] {
            out.push(exact(&"\\".repeat(backslashes)));
        }
    }
    if c == '\'' {
        out.push(exact("\\'"));
    }
    // Rust's `Debug` escape of characters it does not print.
    out.push(folded(&format!("\\U{{{code:X}}}")));
    // HTML character references.
    let named = match c {
        '&' => &["&amp;"][..],
        '"' => &["&quot;"][..],
        '<' => &["&lt;"][..],
        '>' => &["&gt;"][..],
        '\'' => &["&apos;"][..],
        _ => &[][..],
    };
    out.extend(named.iter().map(|name| exact(name)));
    out.push(exact(&format!("&#{code};")));
    out.push(folded(&format!("&#X{code:X};")));
    out.push(folded(&format!("&#X{code:04X};")));
    out.sort();
    out.dedup();
    out
}

/// `text` with the value after every key parameter or header name blanked, or `None` when
/// there was none. The value ends at the first character that cannot be part of it in a query
/// string, header, JSON document or HTML page; after an encoded separator (`secretKey%3D…`, a
/// URL inside a URL) also at an encoded `&`.
fn blank_parameters(text: &str) -> Option<String> {
    let auth = API.auth;
    let names = [
        auth.query_access_key,
        auth.query_secret_key,
        auth.header_access_key,
        auth.header_secret_key,
    ];
    let bytes = text.as_bytes();
    let lower = text.to_ascii_lowercase();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for name in names {
        let name = name.to_ascii_lowercase();
        for found in memchr::memmem::find_iter(lower.as_bytes(), name.as_bytes()) {
            if let Some(span) = value_after(bytes, found + name.len()) {
                spans.push(span);
            }
        }
    }
    if spans.is_empty() {
        return None;
    }
    spans.sort_unstable();
    let mut out = Vec::with_capacity(bytes.len());
    let mut copied = 0;
    for (start, end) in spans {
        if start < copied {
            continue;
        }
        out.extend_from_slice(&bytes[copied..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = end;
    }
    out.extend_from_slice(&bytes[copied..]);
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// The span of a parameter's value when `at` (just after its name) is followed by a separator.
fn value_after(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let quoting = |byte: u8| matches!(byte, b'"' | b'\'' | b'\\' | b' ' | b'\t');
    let mut at = at;
    while bytes.get(at).copied().is_some_and(quoting) {
        at += 1;
    }
    let rest = bytes.get(at..)?;
    let starts =
        |prefix: &str| rest.len() >= prefix.len() && rest[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    let (separator, encoded) = if rest.first().is_some_and(|&byte| byte == b'=' || byte == b':') {
        (1, false)
    } else if let Some(prefix) = ["%3D", "%3A", "%253D", "%253A"]
        .into_iter()
        .find(|prefix| starts(prefix))
    {
        (prefix.len(), true)
    } else {
        return None;
    };
    let mut start = at + separator;
    while bytes.get(start).copied().is_some_and(quoting) {
        start += 1;
    }
    let mut end = start;
    while let Some(&byte) = bytes.get(end) {
        let delimiter = byte.is_ascii_whitespace()
            || byte.is_ascii_control()
            || b"&\"'\\<>#;,)]}".contains(&byte)
            || (encoded
                && bytes
                    .get(end..end + 3)
                    .is_some_and(|three| three.eq_ignore_ascii_case(b"%26") || three.eq_ignore_ascii_case(b"%22")));
        if delimiter {
            break;
        }
        end += 1;
    }
    // Continue to the end of a character cut by a delimiter test (they are all ASCII, so `end`
    // is always on a boundary); an empty value has nothing to blank.
    (end > start).then_some((start, end))
}

/// The largest index `<= max` that does not split a UTF-8 sequence of `bytes` (for valid UTF-8;
/// invalid bytes are replaced later anyway). A continuation byte has the form `0b10xx_xxxx`.
fn floor_boundary(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    let mut end = max;
    while end > 0 && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own(keys: &[&str]) -> Secrets {
        Secrets::unregistered(keys)
    }

    fn scrubbed(text: &str, keys: &[&str]) -> String {
        scrub(text, Some(&own(keys))).into_owned()
    }

    #[test]
    fn short_bodies_are_kept_whole_and_trimmed() {
        assert_eq!(snippet(b"  <html>oops</html>\n", None), "<html>oops</html>");
        assert_eq!(snippet(b"", None), "");
    }

    #[test]
    fn long_bodies_are_cut_to_the_bound() {
        let body = "x".repeat(2000);
        let cut = snippet(body.as_bytes(), None);
        assert_eq!(cut, format!("{}…", "x".repeat(SNIPPET_MAX)));
    }

    #[test]
    fn cuts_never_split_a_character() {
        // 'é' is two bytes, so byte 512 falls in the middle of the 256th character when the text
        // starts with one ASCII byte.
        let body = format!("a{}", "é".repeat(600));
        let cut = snippet(body.as_bytes(), None);
        let kept = cut.trim_end_matches('…');
        assert!(kept.len() <= SNIPPET_MAX);
        assert_eq!(kept, format!("a{}", "é".repeat(255)));
        // A four-byte character straddling the bound.
        let body = format!("{}😀😀", "a".repeat(SNIPPET_MAX - 2));
        assert_eq!(
            snippet(body.as_bytes(), None),
            format!("{}…", "a".repeat(SNIPPET_MAX - 2))
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_an_error() {
        assert_eq!(snippet(&[b'o', 0xFF, b'k'], None), "o\u{FFFD}k");
    }

    #[test]
    fn secrets_are_redacted_before_cutting() {
        let secret = "SK-SECRET-0123456789";
        let body = format!("{}{secret}", "x".repeat(SNIPPET_MAX - 5));
        let cut = snippet(body.as_bytes(), Some(&own(&[secret])));
        assert!(!cut.contains("SK-SE"), "{cut}");
        assert!(cut.contains("<red"), "{cut}");
        assert_eq!(scrubbed("a SK b SK", &["SK", ""]), "a <redacted> b <redacted>");
        assert!(matches!(scrub("nothing here", Some(&own(&["SK"]))), Cow::Borrowed(_)));
    }

    #[test]
    fn every_spelling_of_a_key_is_removed() {
        let key = "u$r+a/b=c%d&e\"f ü😀";
        let cases = [
            key.to_owned(),
            // Percent-encoded as a query value (+ for space), upper and lower hex.
            "u%24r%2Ba%2Fb%3Dc%25d%26e%22f+%C3%BC%F0%9F%98%80".to_owned(),
            "u%24r%2ba%2fb%3dc%25d%26e%22f%20%c3%bc%f0%9f%98%80".to_owned(),
            // Only some characters encoded, as a lenient encoder does.
            "u$r%2Ba/b%3Dc%25d%26e%22f%20ü😀".to_owned(),
            // Twice.
            "u%2524r%252Ba%252Fb%253Dc%2525d%2526e%2522f%2520%25C3%25BC%25F0%259F%2598%2580".to_owned(),
            // JSON, minimal and ASCII-only (surrogate pair), and nested.
            serde_json::to_string(key)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned(),
            "u$r+a\\/b=c%d&e\\\"f \\u00FC\\ud83d\\ude00".to_owned(),
            "u\\u0024r\\u002Ba/b=c%d\\u0026e\\\\\\\"f \\\\u00fc\\\\ud83d\\\\ude00".to_owned(),
            // HTML.
            "u$r&#43;a/b=c%d&amp;e&quot;f &#252;&#x1F600;".to_owned(),
            // Rust Debug.
            format!("{key:?}").trim_matches('"').to_owned(),
            format!("{:?}", "u$r+a/b=c%d&e\"f \u{301}").trim_matches('"').to_owned(),
            // A form-decoded echo: the + became a space.
            "u$r a/b=c%d&e\"f ü😀".to_owned(),
        ];
        let combining = "u$r+a/b=c%d&e\"f \u{301}";
        for spelling in cases {
            let text = format!("before {spelling} after");
            assert_eq!(
                scrubbed(&text, &[key, combining]),
                "before <redacted> after",
                "{spelling}"
            );
        }
    }

    #[test]
    fn a_long_enough_prefix_is_removed_and_a_short_one_is_not() {
        let key = "SK-SENTINEL-5678";
        assert_eq!(scrubbed("k=SK-SENTIN…", &[key]), "k=<redacted>…");
        assert_eq!(scrubbed("k=SK%2DSENTIN.", &[key]), "k=<redacted>.");
        assert_eq!(scrubbed("SK-SENT is fine", &[key]), "SK-SENT is fine");
    }

    #[test]
    fn a_cut_inside_a_key_removes_its_start() {
        let key = "abcdefghijklmnop";
        let body = format!("{}{}", " ".repeat(SCAN_MAX - 3), key);
        let cut = snippet(body.as_bytes(), Some(&own(&[key])));
        assert_eq!(cut, "<redacted>…");
        // Inside an escape.
        let body = format!("{}ab%63defg", " ".repeat(SCAN_MAX - 4));
        assert_eq!(snippet(body.as_bytes(), Some(&own(&[key]))), "<redacted>…");
        // Not a cut: the same text stays.
        assert_eq!(scrubbed("ab%6", &[key]), "ab%6");
    }

    #[test]
    fn parameter_values_are_blanked_even_when_cut_or_unknown() {
        for (text, expected) in [
            (
                "GET /v2/X?SearchBy=Phone&accessKey=u%24r12&secretKey=SK%2",
                "GET /v2/X?SearchBy=Phone&accessKey=<redacted>&secretKey=<redacted>",
            ),
            ("x-LSQ-SecretKey: abc def", "x-LSQ-SecretKey: <redacted> def"),
            (r#"{"secretKey":"abc","n":1}"#, r#"{"secretKey":"<redacted>","n":1}"#),
            (r#"{\"SECRETKEY\":\"abc\"}"#, r#"{\"SECRETKEY\":\"<redacted>\"}"#),
            (
                "next=%2Fv2%3FaccessKey%3Dab%2524c%26x%3D1",
                "next=%2Fv2%3FaccessKey%3D<redacted>%26x%3D1",
            ),
            ("<td>secretKey=abc</td>", "<td>secretKey=<redacted></td>"),
            ("the secretKey is missing", "the secretKey is missing"),
            ("secretKey=", "secretKey="),
        ] {
            assert_eq!(scrubbed(text, &[]), expected, "{text}");
        }
    }

    #[test]
    fn registered_keys_are_removed_from_any_text_while_their_client_lives() {
        let key = "REGISTERED-KEY-0001";
        let secrets = Secrets::register(&[key, "short"]);
        assert_eq!(scrub(&format!("x {key} y short"), None), "x <redacted> y short");
        drop(secrets);
        assert_eq!(scrub(&format!("x {key}"), None), format!("x {key}"));
    }

    #[test]
    fn pathological_texts_finish() {
        // A key of backslashes in a text of backslashes: many ways to read every position, none
        // of which completes the key. The remembered dead states keep this linear.
        let key = format!("{}X", "\\".repeat(39));
        let text = "\\".repeat(SCAN_MAX / 4);
        let out = scrubbed(&text, &[&key]);
        assert!(out.contains(REDACTED), "a long enough prefix of backslashes is removed");
        assert!(!out.contains(&key));
    }
}
