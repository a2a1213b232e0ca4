//! The client against servers that misbehave on purpose, on loopback: bodies larger than the
//! limit (declared or not), a body that drips past the deadline, headers that never come,
//! invalid UTF-8, deep nesting, an HTML 502, a truncated body, a redirect carrying the keys, a
//! 429 without a body, a 200 saying `"Status":"Error"`, and a bulk job meeting them.
//!
//! Every server echoes what it received (the URL with the keys in query placement, the key
//! headers in header placement) in one of many spellings: as received, decoded, re-encoded,
//! encoded twice, JSON- and HTML-escaped, cut short. Each scenario runs with plain, hostile
//! (`$ + / = % & "`, a space) and non-ASCII keys in every placement they can use, and every
//! rendering of every error, and every log line at TRACE, must hold no spelling of a key
//! (`leaks.rs` computes them independently of the client).
//!
//! Memory is measured as the growth of the process's peak resident set (`VmHWM`, reset through
//! `/proc/self/clear_refs`) on Linux; elsewhere only the bytes the server managed to send are
//! checked. The tests share a lock so that one test's allocations never count for another.

mod leaks;

use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use leadsquared::AuthPlacement;
use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
use leadsquared::{Client, Error, Processed};
use leaks::Keys;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Serialises the tests of this file (see the module docs).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// No call in this file may take longer; a hang fails the test instead of stalling the run.
const HANG_GUARD: Duration = Duration::from_secs(60);

const MIB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// A scripted HTTP/1.1 server.

/// What the server does once it has read a request.
enum Behaviour {
    /// Writes these bytes and closes the connection.
    Bytes(Vec<u8>),
    /// The same, for a large answer built once before the test measures anything.
    Shared(Arc<Vec<u8>>),
    /// Writes `head`, then up to `total` bytes of JSON-ish filler, stopping when the client goes.
    Stream { head: Vec<u8>, total: usize },
    /// Writes `head`, then one byte every `every`, `count` times.
    Drip {
        head: Vec<u8>,
        every: Duration,
        count: usize,
    },
    /// Writes nothing, holding the connection open for a while.
    Silent,
}

type Script = Arc<dyn Fn(&str) -> Behaviour + Send + Sync>;

struct Server {
    origin: String,
    /// The head of every request received (lossy UTF-8).
    requests: Arc<Mutex<Vec<String>>>,
    /// Body bytes the server managed to write, over all connections.
    written: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    async fn start(script: impl Fn(&str) -> Behaviour + Send + Sync + 'static) -> std::io::Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let origin = format!("http://{}", listener.local_addr()?);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let written = Arc::new(AtomicUsize::new(0));
        let script: Script = Arc::new(script);
        let (log, count) = (Arc::clone(&requests), Arc::clone(&written));
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (script, log, count) = (Arc::clone(&script), Arc::clone(&log), Arc::clone(&count));
                connections.spawn(async move {
                    let _ = serve(stream, &*script, &log, &count).await;
                });
            }
        });
        Ok(Server {
            origin,
            requests,
            written,
            task,
        })
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn written(&self) -> usize {
        self.written.load(Ordering::Relaxed)
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &(dyn Fn(&str) -> Behaviour + Send + Sync),
    log: &Mutex<Vec<String>>,
    written: &AtomicUsize,
) -> std::io::Result<()> {
    // The head, then as many body bytes as it declares (bounded: requests here are small).
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            return Ok(());
        }
        request.extend_from_slice(&buf[..read]);
        if let Some(at) = request.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
        if request.len() > 64 * 1024 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let declared = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
        .min(MIB);
    while request.len() < head_end + declared {
        let read = stream.read(&mut buf).await?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&buf[..read]);
    }
    log.lock().unwrap_or_else(PoisonError::into_inner).push(head.clone());

    match script(&head) {
        Behaviour::Bytes(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Behaviour::Shared(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await?;
        }
        Behaviour::Stream { head, total } => {
            stream.write_all(&head).await?;
            let chunk = vec![b'0'; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                let size = chunk.len().min(total - sent);
                stream.write_all(&chunk[..size]).await?;
                sent += size;
                written.fetch_add(size, Ordering::Relaxed);
            }
        }
        Behaviour::Drip { head, every, count } => {
            stream.write_all(&head).await?;
            for _ in 0..count {
                tokio::time::sleep(every).await;
                stream.write_all(b" ").await?;
                written.fetch_add(1, Ordering::Relaxed);
            }
        }
        Behaviour::Silent => tokio::time::sleep(Duration::from_secs(30)).await,
    }
    Ok(())
}

/// A whole HTTP/1.1 answer with a correct `Content-Length`.
fn answer(status: &str, content_type: &str, extra: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    answer_declaring(status, content_type, extra, body, body.len())
}

/// A whole HTTP/1.1 answer declaring `length` body bytes, whatever `body` holds.
fn answer_declaring(status: &str, content_type: &str, extra: &[(&str, &str)], body: &[u8], length: usize) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n");
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// A head without `Content-Length` (the body runs until the connection closes).
fn open_head(status: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n").into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Echoes: what a server sends back of the request, spelled in different ways.

/// The parts of a request head that carry the keys: the request target (the keys in query
/// placement, percent-encoded) and the key header lines (header placement, as typed).
struct Material {
    target: String,
    headers: String,
}

impl Material {
    fn of(head: &str) -> Material {
        let mut lines = head.lines();
        let target = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .unwrap_or_default()
            .to_owned();
        let headers: Vec<&str> = lines
            .filter(|line| line.to_ascii_lowercase().starts_with("x-lsq-"))
            .collect();
        Material {
            target,
            headers: headers.join("\n"),
        }
    }

    /// As received.
    fn wire(&self) -> String {
        format!("{}\n{}", self.target, self.headers)
    }

    /// With the target decoded as a form decodes it (the keys as typed, in both placements).
    fn plain(&self) -> String {
        format!("{}\n{}", percent_decode(&self.target, true), self.headers)
    }
}

fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                at += 1;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(text: &str, lower: bool) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(byte).to_string(),
            _ if lower => format!("%{byte:02x}"),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// The values after each key name in `text`, cut to their first nine characters, with the name
/// (`cut URL`) and without (`bare prefix`).
fn cut_values(text: &str, with_name: bool) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for name in ["accesskey=", "secretkey=", "x-lsq-accesskey: ", "x-lsq-secretkey: "] {
        if let Some(at) = lower.find(name) {
            let start = at + name.len();
            let value: String = text[start..].chars().take(9).collect();
            out.push(if with_name {
                format!("{}{value}…", &text[..start])
            } else {
                format!("token {value}…")
            });
        }
    }
    out.join(" | ")
}

/// Each way of spelling the echo: a name and the transformation of the request's material.
type Spelling = (&'static str, fn(&Material) -> String);

fn json_ascii(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_default()
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|unit| format!("\\u{unit:04X}"))
                    .collect()
            }
        })
        .collect()
}

const SPELLINGS: [Spelling; 11] = [
    ("as received", Material::wire),
    ("percent-decoded", |m| {
        format!("{}\n{}", percent_decode(&m.target, false), m.headers)
    }),
    ("form-decoded", Material::plain),
    ("JSON-escaped", |m| {
        serde_json::to_string(&m.plain()).unwrap_or_default()
    }),
    ("JSON ASCII-escaped", |m| json_ascii(&m.plain())),
    ("HTML-escaped", |m| {
        m.plain()
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    }),
    ("re-encoded in lower case", |m| percent_encode(&m.plain(), true)),
    ("encoded twice", |m| percent_encode(&m.wire(), false)),
    ("cut URL", |m| cut_values(&m.wire(), true)),
    ("cut and decoded", |m| cut_values(&m.plain(), true)),
    ("bare prefix", |m| cut_values(&m.plain(), false)),
];

/// A server answer built around an echo, and the error it must produce.
type Scenario = (&'static str, fn(&str) -> Vec<u8>, fn(&Error) -> bool);

fn envelope(exception: &str, message: &str) -> Vec<u8> {
    json!({ "Status": "Error", "ExceptionType": exception, "ExceptionMessage": message })
        .to_string()
        .into_bytes()
}

const JSON: &str = "application/json";

const ECHO_SCENARIOS: [Scenario; 12] = [
    (
        "400 envelope",
        |echo| answer("400 Bad Request", JSON, &[], &envelope("MXInvalidInputException", echo)),
        |e| matches!(e, Error::BadRequest(_)),
    ),
    (
        "401 text",
        |echo| answer("401 Unauthorized", "text/plain", &[], echo.as_bytes()),
        |e| matches!(e, Error::Unauthorized(_)),
    ),
    (
        "404 HTML",
        |echo| {
            let page = format!("<html><body><h1>Not Found</h1><pre>{echo}</pre></body></html>");
            answer("404 Not Found", "text/html", &[], page.as_bytes())
        },
        |e| matches!(e, Error::NotFound(_)),
    ),
    (
        "500 envelope",
        |echo| {
            answer(
                "500 Internal Server Error",
                JSON,
                &[],
                &envelope("MXDuplicateEntryException", echo),
            )
        },
        |e| matches!(e, Error::ServerError(api) if api.exception_type.is_some()),
    ),
    (
        "500 invalid UTF-8",
        |echo| {
            let mut body = vec![0xFF, 0xFE, b' '];
            body.extend_from_slice(echo.as_bytes());
            body.extend_from_slice(&[b' ', 0xC3]);
            answer("500 Internal Server Error", "text/plain", &[], &body)
        },
        |e| matches!(e, Error::ServerError(api) if api.snippet.as_deref().is_some_and(|s| s.starts_with('\u{FFFD}'))),
    ),
    (
        "200 with Status:Error",
        |echo| answer("200 OK", JSON, &[], &envelope("MXInvalidLeadException", echo)),
        |e| matches!(e, Error::Rejected(api) if api.status == 200) && !e.to_string().contains("The call succeeded"),
    ),
    (
        "200 not JSON",
        |echo| answer("200 OK", "text/plain", &[], echo.as_bytes()),
        |e| matches!(e, Error::Decode { status: 200, .. }),
    ),
    (
        "200 mistyped field",
        |echo| answer("200 OK", JSON, &[], json!({ "Response": echo }).to_string().as_bytes()),
        |e| matches!(e, Error::Decode { message, .. } if message.starts_with("invalid type: string")),
    ),
    (
        "502 HTML",
        |echo| {
            let page = format!("<html><head><title>502 Bad Gateway</title></head><body>{echo}</body></html>");
            answer("502 Bad Gateway", "text/html", &[], page.as_bytes())
        },
        |e| matches!(e, Error::UnexpectedStatus { status: 502, .. }),
    ),
    (
        "redirect carrying the keys",
        |echo| {
            // The Location is the echo's first line (the request target, with the keys in query
            // placement); a header value cannot hold the other lines.
            let location = echo.lines().next().unwrap_or_default();
            let location = if location.bytes().all(|byte| (0x21..0x7F).contains(&byte)) {
                location
            } else {
                "/v2/elsewhere"
            };
            answer("302 Found", "text/plain", &[("Location", location)], echo.as_bytes())
        },
        |e| matches!(e, Error::UnexpectedStatus { status: 302, .. }),
    ),
    (
        "503 envelope",
        |echo| {
            answer(
                "503 Service Unavailable",
                JSON,
                &[],
                &envelope("MXInvalidInputException", echo),
            )
        },
        |e| matches!(e, Error::Rejected(api) if api.status == 503) && e.to_string().contains("try again later"),
    ),
    (
        "truncated body",
        |echo| answer_declaring("200 OK", JSON, &[], echo.as_bytes(), echo.len() + 1000),
        |e| matches!(e, Error::Transport { .. }) && e.processed() == Processed::Unknown,
    ),
];

// ---------------------------------------------------------------------------------------------
// Calls.

fn row(n: usize) -> OpportunityByLeadField {
    OpportunityByLeadField::new(format!("lead{n}@example.com"), 12114)
        .with_fields(vec![OpportunityField::new("mx_Custom_1", format!("Deal {n}"))])
}

async fn call(client: &Client) -> Result<Vec<leadsquared::opportunities::OpportunityRowResult>, Error> {
    match tokio::time::timeout(
        HANG_GUARD,
        client
            .add_opportunities_in_bulk(SearchBy::EmailAddress, [row(1)])
            .into_future(),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => panic!("the call did not finish within {HANG_GUARD:?}"),
    }
}

/// Every key pair with every placement it can use.
fn key_placements() -> Vec<(Keys, AuthPlacement)> {
    leaks::ALL
        .iter()
        .flat_map(|keys| keys.placements.iter().map(move |placement| (*keys, *placement)))
        .collect()
}

/// Guards against a vacuous pass: the server got the keys, in the placement asked for.
fn assert_keys_arrived(server: &Server, keys: &Keys, placement: AuthPlacement) {
    let requests = server.requests();
    let head = requests.first().expect("the server got the call");
    let target = head.lines().next().unwrap_or_default();
    match placement {
        AuthPlacement::Query => {
            let query = percent_decode(target.split_once('?').map_or("", |(_, query)| query), true);
            assert!(query.contains(&format!("secretKey={}", keys.secret)), "{target}");
        }
        _ => assert!(
            head.lines()
                .any(|line| line.eq_ignore_ascii_case(&format!("x-lsq-secretkey: {}", keys.secret))),
            "{head}"
        ),
    }
}

/// Checks that `error` is the one `is_expected` describes and that every rendering of it is clean.
fn expect(scenario: &str, error: &Error, keys: &Keys, is_expected: fn(&Error) -> bool) {
    assert!(is_expected(error), "{scenario}: unexpected {error:?}");
    leaks::assert_error_clean(scenario, error, keys);
}

/// The tally printed at the end of the echo test.
#[derive(Default)]
struct Tally {
    calls: usize,
    renderings_bytes: usize,
}

#[tokio::test]
async fn every_echo_in_every_spelling_is_scrubbed_from_every_error_and_log_line() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    let mut tally = Tally::default();
    for (keys, placement) in key_placements() {
        for (scenario, respond, is_expected) in ECHO_SCENARIOS {
            for (spelling, spell) in SPELLINGS {
                let server = Server::start(move |head| Behaviour::Bytes(respond(&spell(&Material::of(head))))).await?;
                let client = keys.builder(&server.origin, placement).build()?;
                let error = call(&client).await.expect_err(scenario);
                let name = format!("{} keys, {placement:?}, {scenario}, {spelling}", keys.name);
                expect(&name, &error, &keys, is_expected);
                assert_keys_arrived(&server, &keys, placement);
                assert_eq!(
                    server.requests().len(),
                    1,
                    "{name}: the client sent one request and followed nothing"
                );
                tally.calls += 1;
                tally.renderings_bytes += leaks::renderings(&error).len();
            }
        }
        leaks::assert_clean(&format!("the logs ({} keys)", keys.name), &leaks::captured(), &keys);
    }
    let logs = leaks::captured();
    assert!(logs.contains("call failed"), "the client's own events are captured");
    assert!(
        logs.contains("hyper") || logs.contains("reqwest"),
        "the HTTP stack's events are captured"
    );
    println!(
        "{} calls ({} key placements x {} scenarios x {} spellings), {} bytes of renderings, {} bytes of logs: no key in any spelling",
        tally.calls,
        key_placements().len(),
        ECHO_SCENARIOS.len(),
        SPELLINGS.len(),
        tally.renderings_bytes,
        logs.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_429_without_a_body_is_a_rate_limit_and_not_processed() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        let server = Server::start(|_| Behaviour::Bytes(answer("429 Too Many Requests", "", &[], b""))).await?;
        let error = call(&keys.builder(&server.origin, placement).build()?)
            .await
            .expect_err("429");
        expect("429 without a body", &error, &keys, |e| {
            matches!(e, Error::RateLimited(api) if api.snippet.as_deref() == Some(""))
                && e.processed() == Processed::Never
                && e.to_string().contains("wait a few seconds")
        });
    }
    Ok(())
}

#[tokio::test]
async fn deep_nesting_is_a_decode_error() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        for status in ["200 OK", "500 Internal Server Error"] {
            let server = Server::start(move |_| {
                // Objects inside an unknown field: skipped, not decoded, yet still nesting.
                Behaviour::Bytes(answer(status, JSON, &[], r#"{"a":"#.repeat(200_000).as_bytes()))
            })
            .await?;
            let error = call(&keys.builder(&server.origin, placement).build()?)
                .await
                .expect_err("nesting");
            expect("deep nesting", &error, &keys, |e| match e {
                // serde_json skips unknown fields without recursing, so it reads to the end.
                Error::Decode { message, .. } => message.starts_with("EOF while parsing"),
                Error::ServerError(api) => api.snippet.as_deref().is_some_and(|s| s.starts_with(r#"{"a":{"a":"#)),
                _ => false,
            });
        }
    }
    Ok(())
}

#[tokio::test]
async fn bodies_past_the_limit_are_refused_while_reading() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        // Declared too large: refused before a byte of the body is read.
        let server = Server::start(|_| Behaviour::Stream {
            head: answer_declaring("200 OK", JSON, &[], b"", 512 * MIB),
            total: 512 * MIB,
        })
        .await?;
        let client = keys
            .builder(&server.origin, placement)
            .max_response_bytes(MIB)
            .build()?;
        let error = call(&client).await.expect_err("declared too large");
        expect("declared too large", &error, &keys, |e| {
            matches!(e, Error::ResponseTooLarge { status: 200, limit, .. } if *limit == MIB)
                && e.processed() == Processed::Unknown
        });
        drop(client);

        // Not declared: refused once the bytes read pass the limit.
        let server_open = Server::start(|_| Behaviour::Stream {
            head: open_head("200 OK"),
            total: 512 * MIB,
        })
        .await?;
        let client = keys
            .builder(&server_open.origin, placement)
            .max_response_bytes(MIB)
            .build()?;
        let error = call(&client).await.expect_err("too large");
        expect("streamed too large", &error, &keys, |e| {
            matches!(e, Error::ResponseTooLarge { .. })
        });
        drop(client);
        // Let the server notice the closed connection.
        for _ in 0..100 {
            let before = server_open.written();
            tokio::time::sleep(Duration::from_millis(20)).await;
            if server_open.written() == before {
                break;
            }
        }
        // What the server could write is the limit plus the sockets' buffers, not the 512 MiB.
        let sent = server.written().max(server_open.written());
        assert!(sent < 48 * MIB, "the server wrote {} MiB", sent / MIB);
    }
    Ok(())
}

/// The process's resident set and its peak since the last reset, in KiB (Linux only).
fn memory_kib() -> Option<(usize, usize)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Resets the peak resident set to the current one; false where that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Calls once against `server` with the default limit and returns the error and how far the
/// peak resident set rose above the resident set before the call, in MiB (when measurable).
async fn peak_growth(server: &Server) -> Result<(Error, Option<f64>), Box<dyn std::error::Error>> {
    let client = leaks::HOSTILE.builder(&server.origin, AuthPlacement::Header).build()?;
    let baseline = reset_peak().then(memory_kib).flatten();
    let error = call(&client).await.expect_err("an error");
    let growth = baseline
        .zip(memory_kib())
        .map(|((rss, _), (_, peak))| peak.saturating_sub(rss) as f64 / 1024.0);
    Ok((error, growth))
}

#[tokio::test]
async fn peak_memory_stays_near_the_limit_whatever_the_server_sends() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    let limit = leadsquared::DEFAULT_MAX_RESPONSE_BYTES;

    // 1 GiB without a length, against the default 64 MiB limit.
    let server = Server::start(|_| Behaviour::Stream {
        head: open_head("200 OK"),
        total: 1024 * MIB,
    })
    .await?;
    let (error, growth) = peak_growth(&server).await?;
    expect("1 GiB body", &error, &leaks::HOSTILE, |e| {
        matches!(e, Error::ResponseTooLarge { .. })
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = server.written();
    assert!(sent < limit + 32 * MIB, "the server wrote {} MiB", sent / MIB);
    if let Some(growth) = growth {
        assert!(growth < (limit / MIB + 16) as f64, "peak grew by {growth:.1} MiB");
    }
    println!(
        "1 GiB offered, {} MiB sent before the client stopped reading, peak resident set +{} MiB (limit {} MiB)",
        sent / MIB,
        growth.map_or("unmeasured".to_owned(), |growth| format!("{growth:.1}")),
        limit / MIB
    );

    // A 32 MiB error body under the limit: kept as an excerpt, never expanded into a document.
    let size = 32 * MIB;
    let mut body = Vec::with_capacity(size);
    body.push(b'[');
    while body.len() < size - 2 {
        body.extend_from_slice(b"0,");
    }
    body.extend_from_slice(b"0]");
    let response = Arc::new(answer("500 Internal Server Error", JSON, &[], &body));
    drop(body);
    let server = Server::start(move |_| Behaviour::Shared(Arc::clone(&response))).await?;
    let (error, growth) = peak_growth(&server).await?;
    expect(
        "32 MiB error body",
        &error,
        &leaks::HOSTILE,
        |e| matches!(e, Error::ServerError(api) if api.snippet.as_deref().is_some_and(|s| s.len() < 1024)),
    );
    if let Some(growth) = growth {
        // The client's buffer plus slack; a parsed document of 16 million numbers would take
        // several hundred MiB.
        assert!(growth < (size / MIB + 16) as f64, "peak grew by {growth:.1} MiB");
    }
    println!(
        "32 MiB error body: peak resident set +{} MiB",
        growth.map_or("unmeasured".to_owned(), |growth| format!("{growth:.1}"))
    );
    Ok(())
}

#[tokio::test]
async fn the_deadline_covers_headers_and_a_dripping_body() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    // A caller's HTTP client with no timeout of its own: only the client's deadline can stop it.
    let bare = || -> Result<reqwest::Client, reqwest::Error> {
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .build()
    };
    for (keys, placement) in key_placements() {
        for own_client in [false, true] {
            let drip = Server::start(|_| Behaviour::Drip {
                head: answer_declaring("200 OK", JSON, &[], b"", 10_000),
                every: Duration::from_millis(20),
                // Far longer than the deadline: 20 s if nothing stops it.
                count: 1000,
            })
            .await?;
            let silent = Server::start(|_| Behaviour::Silent).await?;
            for (scenario, server) in [("slow drip", &drip), ("headers never sent", &silent)] {
                let mut builder = keys
                    .builder(&server.origin, placement)
                    .timeout(Duration::from_millis(100));
                if own_client {
                    builder = builder.http_client(bare()?);
                }
                let error = call(&builder.build()?).await.expect_err(scenario);
                expect(scenario, &error, &keys, |e| {
                    matches!(e, Error::Timeout { source: None, .. }) && e.processed() == Processed::Unknown
                });
                // The caller's client still sends the keys.
                assert_keys_arrived(server, &keys, placement);
            }
            assert!(
                drip.written() < 1000,
                "the drip was cut short ({} bytes)",
                drip.written()
            );
        }
    }
    Ok(())
}

#[tokio::test]
async fn refused_connections_and_refused_keys_leak_nothing() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let client = keys.builder(&format!("http://127.0.0.1:{port}"), placement).build()?;
        let error = call(&client).await.expect_err("refused");
        expect("connection refused", &error, &keys, |e| {
            matches!(e, Error::Connect { .. }) && e.processed() == Processed::Never
        });
    }
    // Keys a header cannot carry, and keys with a line break: refused when building.
    for keys in leaks::ALL {
        let with_break = Client::builder()
            .credentials(leadsquared::Credentials::new(keys.access, format!("{}\n", keys.secret)))
            .build()
            .expect_err("a line break");
        expect("a key with a line break", &with_break, &keys, |e| {
            matches!(e, Error::Config { .. })
        });
    }
    let error = leaks::UNICODE
        .builder("http://127.0.0.1:9", AuthPlacement::Header)
        .build()
        .expect_err("non-ASCII in a header");
    expect(
        "non-ASCII keys in headers",
        &error,
        &leaks::UNICODE,
        |e| matches!(e, Error::Config { message } if message.contains("AuthPlacement::Query")),
    );
    Ok(())
}

#[tokio::test]
async fn a_bulk_job_against_an_echoing_server_leaks_nothing() -> TestResult {
    let _serial = SERIAL.lock().await;
    leaks::capture_logs();
    for (keys, placement) in key_placements() {
        for (spelling, spell) in SPELLINGS {
            // An MX exception under 500: the engine fails the batch without retrying.
            let server = Server::start(move |head| {
                let echo = spell(&Material::of(head));
                Behaviour::Bytes(answer(
                    "500 Internal Server Error",
                    JSON,
                    &[],
                    &envelope("MXInvalidInputException", &echo),
                ))
            })
            .await?;
            // The job is about what its reports and logs say, not its pace.
            let client = keys
                .builder(&server.origin, placement)
                .rate_limit_for(leadsquared::RateLimitClass::Standard, 1000, Duration::from_secs(1))
                .build()?;
            let mut job = client.add_opportunities_in_bulk_all(SearchBy::EmailAddress, (0..30).map(row));
            let mut reports = 0;
            while let Some(report) = tokio::time::timeout(HANG_GUARD, job.next()).await? {
                let name = format!("{} keys, {placement:?}, bulk, {spelling}", keys.name);
                leaks::assert_clean(&name, &format!("{report:?}\n{report:#?}"), &keys);
                reports += 1;
            }
            assert_eq!(reports, 30);
            assert_keys_arrived(&server, &keys, placement);
        }
        let logs = leaks::captured();
        assert!(
            logs.contains("bulk call failed"),
            "the engine's own events are captured"
        );
        leaks::assert_clean(&format!("the logs ({} keys)", keys.name), &logs, &keys);
    }
    Ok(())
}
