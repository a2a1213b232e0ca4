//! Bounded, redacted excerpts of response bodies for error values.
//!
//! Errors keep part of an unexpected body because it is usually the only clue to what went wrong
//! (an HTML proxy page, a truncated JSON document). Two constraints shape the excerpt:
//!
//! - It is bounded ([`SNIPPET_MAX`] bytes, cut on a `char` boundary), so an error stays cheap to
//!   log even when the body is a megabyte of HTML.
//! - It never carries the caller's keys. A server or proxy may echo the request back (the query
//!   string holds the secret key in query mode), so every known secret is replaced before the
//!   excerpt is cut; cutting first could leave a prefix of a key that no longer matches.

use std::borrow::Cow;

/// The most bytes of a body an error keeps.
pub(crate) const SNIPPET_MAX: usize = 512;

/// How much of a body is examined at all. Bounding this keeps an error on a huge body cheap; the
/// margin over [`SNIPPET_MAX`] leaves room for redaction to shorten the text.
const SCAN_MAX: usize = 64 * 1024;

/// What replaces a secret in any text the client keeps or prints.
pub(crate) const REDACTED: &str = "<redacted>";

/// The start of `body` as text: lossy UTF-8, secrets replaced, trimmed, at most [`SNIPPET_MAX`]
/// bytes; `…` marks a cut.
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    let scanned = &body[..floor_boundary(body, SCAN_MAX)];
    let text = redact(&String::from_utf8_lossy(scanned), secrets).into_owned();
    let text = text.trim();
    let end = floor_boundary(text.as_bytes(), SNIPPET_MAX);
    let cut = end < text.len() || scanned.len() < body.len();
    let mut out = String::with_capacity(end + 3);
    out.push_str(&text[..end]);
    if cut {
        out.push('…');
    }
    out
}

/// `text` with every non-empty secret replaced by [`REDACTED`]; borrowed when nothing matched.
pub(crate) fn redact<'t>(text: &'t str, secrets: &[&str]) -> Cow<'t, str> {
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        if text.contains(secret) {
            text = Cow::Owned(text.replace(secret, REDACTED));
        }
    }
    text
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

    #[test]
    fn short_bodies_are_kept_whole_and_trimmed() {
        assert_eq!(snippet(b"  <html>oops</html>\n", &[]), "<html>oops</html>");
        assert_eq!(snippet(b"", &[]), "");
    }

    #[test]
    fn long_bodies_are_cut_to_the_bound() {
        let body = "x".repeat(2000);
        let cut = snippet(body.as_bytes(), &[]);
        assert_eq!(cut, format!("{}…", "x".repeat(SNIPPET_MAX)));
    }

    #[test]
    fn cuts_never_split_a_character() {
        // 'é' is two bytes, so byte 512 falls in the middle of the 256th character when the text
        // starts with one ASCII byte.
        let body = format!("a{}", "é".repeat(600));
        let cut = snippet(body.as_bytes(), &[]);
        let kept = cut.trim_end_matches('…');
        assert!(kept.len() <= SNIPPET_MAX);
        assert_eq!(kept, format!("a{}", "é".repeat(255)));
        // A four-byte character straddling the bound.
        let body = format!("{}😀😀", "a".repeat(SNIPPET_MAX - 2));
        assert_eq!(
            snippet(body.as_bytes(), &[]),
            format!("{}…", "a".repeat(SNIPPET_MAX - 2))
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_not_an_error() {
        assert_eq!(snippet(&[b'o', 0xFF, b'k'], &[]), "o\u{FFFD}k");
    }

    #[test]
    fn secrets_are_redacted_before_cutting() {
        let secret = "SK-SECRET-0123456789";
        let body = format!("{}{secret}", "x".repeat(SNIPPET_MAX - 5));
        let cut = snippet(body.as_bytes(), &[secret]);
        assert!(!cut.contains("SK-SE"), "{cut}");
        assert!(cut.contains("<red"), "{cut}");
        assert_eq!(redact("a SK b SK", &["SK", ""]), "a <redacted> b <redacted>");
        assert!(matches!(redact("nothing here", &["SK"]), Cow::Borrowed(_)));
    }
}
