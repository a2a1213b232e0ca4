//! What a key leak looks like, for the tests that hunt for one (`secrets.rs`, `hostile.rs`).
//!
//! Keys are searched for in every spelling a server, proxy or log could give them, computed
//! here independently of the client's scrubber (a test of the scrubber must not share its
//! encoders): as typed; percent-encoded with `%20` or `+` for a space, hex in either case, and
//! twice; JSON-escaped, minimally and ASCII-only; HTML-escaped; as Rust's `Debug` prints it. The
//! same for the first nine characters of each key, since a key cut short still leaks.
//!
//! Logs: one subscriber for the whole test binary at TRACE, with `log` records (reqwest, hyper)
//! bridged in, writing into memory.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::io;
use std::sync::{Mutex, Once, PoisonError};

use leadsquared::AuthPlacement;
use leadsquared::{Client, ClientBuilder, Credentials, Error};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, fmt};

/// A pair of keys and the placements they can be sent in.
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    /// A short name for messages.
    pub name: &'static str,
    /// The access key.
    pub access: &'static str,
    /// The secret key.
    pub secret: &'static str,
    /// Where these keys can be sent (non-ASCII keys cannot go in a header).
    pub placements: &'static [AuthPlacement],
}

impl Keys {
    /// Both keys.
    pub fn both(&self) -> [&'static str; 2] {
        [self.access, self.secret]
    }

    /// A builder for `origin` (e.g. `http://127.0.0.1:PORT`) with these keys in `placement`.
    pub fn builder(&self, origin: &str, placement: AuthPlacement) -> ClientBuilder {
        Client::builder()
            .base_url(format!("{origin}/v2"))
            .credentials(Credentials::new(self.access, self.secret))
            .auth_placement(placement)
    }
}

const BOTH: &[AuthPlacement] = &[AuthPlacement::Header, AuthPlacement::Query];

/// URL-safe sentinels.
pub const PLAIN: Keys = Keys {
    name: "plain",
    access: "AK-SENTINEL-1234",
    secret: "SK-SENTINEL-5678",
    placements: BOTH,
};

/// Keys with every character that URL-encoding, form-encoding, JSON or HTML changes, a space,
/// and a `%` followed by hex digits (which a careless decoder turns into another character).
pub const HOSTILE: Keys = Keys {
    name: "hostile",
    access: "u$r+AK/9=%2&\"q z",
    secret: "SK+x/y==%41&\"$ tail+/=",
    placements: BOTH,
};

/// Non-ASCII keys (two- and three-byte characters and one outside the BMP), with the same
/// special characters; an HTTP header cannot carry them, so they go in the query string only.
pub const UNICODE: Keys = Keys {
    name: "unicode",
    access: "ü$r+Ä/=%2&\"Ωk-1",
    secret: "秘密+/=%&\"$ Ключ-2😀",
    placements: &[AuthPlacement::Query],
};

/// Every key pair the leak tests use.
pub const ALL: [Keys; 3] = [PLAIN, HOSTILE, UNICODE];

fn percent(text: &str, space: &str, lower: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            b' ' => out.push_str(space),
            _ if lower => out.push_str(&format!("%{byte:02x}")),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn json_ascii(text: &str, lower: bool) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units).iter() {
                    if lower {
                        out.push_str(&format!("\\u{unit:04x}"));
                    } else {
                        out.push_str(&format!("\\u{unit:04X}"));
                    }
                }
            }
        }
    }
    out
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every spelling of `text` a leak could take.
pub fn spellings(text: &str) -> Vec<String> {
    let quoted = |rendered: String| rendered.trim_matches('"').to_owned();
    let mut out = vec![
        text.to_owned(),
        percent(text, "%20", false),
        percent(text, "%20", true),
        percent(text, "+", false),
        percent(text, "+", true),
        percent(&percent(text, "+", false), "+", false),
        quoted(serde_json::to_string(text).unwrap_or_default()),
        json_ascii(text, false),
        json_ascii(text, true),
        html(text),
        quoted(format!("{text:?}")),
        // Escaped twice: a JSON string inside a JSON string, or printed with `Debug`.
        quoted(format!("{:?}", quoted(serde_json::to_string(text).unwrap_or_default()))),
        quoted(format!("{:?}", json_ascii(text, false))),
        quoted(format!("{:?}", json_ascii(text, true))),
    ];
    out.sort();
    out.dedup();
    out
}

/// The spellings of both keys and of their first nine characters.
pub fn leaks(keys: &Keys) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys.both() {
        out.extend(spellings(key));
        let prefix: String = key.chars().take(9).collect();
        out.extend(spellings(&prefix));
    }
    out
}

/// Fails naming `what` if `text` holds any spelling of the keys or of a prefix of one.
pub fn assert_clean(what: &str, text: &str, keys: &Keys) {
    for leak in leaks(keys) {
        assert!(
            !text.contains(&leak),
            "{what} leaks {leak:?} of the {} keys:\n{text}",
            keys.name
        );
    }
}

/// Every rendering of `error` and of each error in its source chain.
pub fn renderings(error: &Error) -> String {
    let mut out = format!("{error}\n{error:?}\n{error:#?}\n");
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        out.push_str(&format!("{inner}\n{inner:?}\n{inner:#?}\n"));
        source = inner.source();
    }
    out
}

/// Checks every rendering of `error`.
pub fn assert_error_clean(scenario: &str, error: &Error, keys: &Keys) {
    assert_clean(scenario, &renderings(error), keys);
}

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// Appends everything it is given to [`LOGS`].
struct Capture;

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        LOGS.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber for the whole test process, once.
pub fn capture_logs() {
    INSTALL.call_once(|| {
        let layer = fmt::layer()
            .with_writer(|| Capture)
            .with_ansi(false)
            .with_filter(LevelFilter::TRACE);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other subscriber is installed in this test binary");
        tracing_log::LogTracer::init().expect("no other logger is installed in this test binary");
    });
}

/// Everything logged so far.
pub fn captured() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}
