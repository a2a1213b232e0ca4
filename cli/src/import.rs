//! `leadsquared import`: an endpoint's bulk job over the rows of a file.
//!
//! Two passes over the file, so that memory stays flat whatever its size:
//!
//! 1. Every record is converted to the endpoint's row type and checked against the spec's
//!    rules; each invalid record is printed with its line number and reason, and only counts
//!    are kept (plus the file's digest, which names the job in its journal). `--dry-run` stops
//!    here.
//! 2. The records are read again on a thread of their own and the valid rows streamed into the
//!    bulk job through a bounded channel. The job numbers the rows it is given from 0; the reader
//!    notes each row's record and line until its outcome arrives, so only the rows between the
//!    reader and the job's answers are held. Outcomes are written to the report in the file's
//!    order (each waits only for the earlier rows still in flight).
//!
//! The job keeps a journal ([`leadsquared::bulk::FileJournal`]), so a run that dies (a crash,
//! SIGKILL, a second Ctrl-C) is continued with `--resume`: rows with a known outcome are not
//! sent again, rows sent without an answer are reported unknown. The first Ctrl-C stops sending,
//! lets the calls in flight answer, and writes the journal and the report.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadsquared::Client;
use leadsquared::bulk::{Bulk, BulkOptions, FileJournal, OutcomeKind, RowOutcome, RowRecord};
use leadsquared::rules::RuleViolation;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::args::{Global, ImportArgs, InputFormat};
use crate::rows::{Mapping, Reader};
use crate::spec::{self, EndpointInfo, RowsInfo};
use crate::{EXIT_FAILED, EXIT_OK, EXIT_UNKNOWN, Failure, config, dispatch};

/// The rows a bulk job is given.
pub type RowStream<T> = futures_util::stream::BoxStream<'static, T>;

/// Rows read ahead of the job: enough to fill the calls in flight.
const READ_AHEAD: usize = 512;

/// An import, ready to start once the generated code knows the row type.
pub struct Run {
    global: Global,
    connection: crate::args::Connection,
    endpoint: &'static EndpointInfo,
    rows: &'static RowsInfo,
    file: PathBuf,
    format: InputFormat,
    mapping: Mapping,
    report: Option<PathBuf>,
    journal: PathBuf,
    resume: bool,
    resend_unknown: bool,
    dry_run: bool,
    quiet: bool,
    concurrency: Option<usize>,
    progress_every: Duration,
    job_args: String,
    /// The journal is removed at the end (an embedded sandbox's).
    throwaway: bool,
}

/// `leadsquared import …`: the exit code.
pub async fn command(global: &Global, args: ImportArgs, flags: Vec<(String, String)>) -> Result<u8, Failure> {
    let endpoint = spec::find(&args.endpoint)?;
    let Some(rows) = endpoint.rows() else {
        return Err(spec::no_bulk_job(endpoint.name()));
    };
    let mut query = flags;
    query.extend(args.query.iter().cloned());
    let input = spec::Input::new_for_rows(endpoint, &query)?;
    // An embedded sandbox's store ends with the process, so its journal cannot be resumed
    // against it: unless one is named, it lives in the temporary folder and goes at the end.
    let throwaway = args.connection.sandbox.is_some() && args.journal.is_none();
    let journal = match (&args.journal, &args.report) {
        (Some(journal), _) => journal.clone(),
        _ if throwaway => std::env::temp_dir().join(format!("leadsquared-sandbox-{}.journal", std::process::id())),
        (None, Some(report)) => with_suffix(report, ".journal"),
        (None, None) => with_suffix(&args.file, ".journal"),
    };
    if args.report.as_ref().is_some_and(|report| same_file(report, &args.file))
        || same_file(&journal, &args.file)
        || args.report.as_ref().is_some_and(|report| same_file(report, &journal))
    {
        return Err(Failure::usage(
            "the input, the report and the journal must be three different files",
        ));
    }
    if !args.dry_run {
        match (journal.exists(), args.resume) {
            (true, false) => {
                return Err(Failure::usage(format!(
                    "{} exists: an earlier import of this file may have stopped part way, or finished. Pass --resume to continue it without sending again what it sent, or delete the journal to import the file again",
                    journal.display()
                )));
            }
            (false, true) => {
                return Err(Failure::usage(format!(
                    "--resume: there is no journal at {}; give the same --report or --journal as the run to continue",
                    journal.display()
                )));
            }
            _ => {}
        }
    }
    let mut job_args: Vec<String> = query.iter().map(|(name, value)| format!("{name}={value}")).collect();
    job_args.sort();
    let mapping = Mapping {
        fields: args.fields.clone(),
        sets: args.sets.clone(),
        skip: args.skip_columns.clone(),
    };
    let run = Run {
        global: global.clone(),
        connection: args.connection,
        endpoint,
        rows,
        format: crate::rows::format_of(&args.file, args.format),
        file: args.file,
        mapping,
        report: args.report,
        journal: journal.clone(),
        resume: args.resume,
        resend_unknown: args.resend_unknown,
        dry_run: args.dry_run,
        quiet: args.quiet,
        concurrency: args.concurrency,
        progress_every: Duration::from_secs_f64(args.progress_every),
        job_args: job_args.join(" "),
        throwaway,
    };
    let finished = dispatch::import(endpoint.name(), &input, run).await;
    if throwaway {
        let _ = std::fs::remove_file(&journal);
    }
    Ok(finished?.exit_code())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// How many rows ended each way.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Applied (or accepted, for endpoints that do not answer per row).
    pub applied: u64,
    /// Refused by the server, with a reason.
    pub refused: u64,
    /// Not sent: the row is invalid.
    pub invalid: u64,
    /// Provably not processed.
    pub not_applied: u64,
    /// Not sent: the job stopped first.
    pub not_attempted: u64,
    /// May or may not have been applied.
    pub unknown: u64,
    /// Of the above, rows an earlier run settled (from the journal).
    pub recorded: u64,
}

impl Counts {
    fn add(&mut self, kind: OutcomeKind, recorded: bool) {
        match kind {
            OutcomeKind::Applied | OutcomeKind::Accepted => self.applied += 1,
            OutcomeKind::Refused => self.refused += 1,
            OutcomeKind::Invalid => self.invalid += 1,
            OutcomeKind::NotApplied => self.not_applied += 1,
            OutcomeKind::Unknown => self.unknown += 1,
            _ => self.not_attempted += 1,
        }
        if recorded {
            self.recorded += 1;
        }
    }

    fn total(&self) -> u64 {
        self.applied + self.refused + self.invalid + self.not_applied + self.not_attempted + self.unknown
    }

    /// `applied 3 · refused 1 · …`, for the progress bar and log lines.
    fn line(&self) -> String {
        format!(
            "applied {} · refused {} · invalid {} · failed {} · unknown {}",
            self.applied,
            self.refused,
            self.invalid,
            self.not_applied + self.not_attempted,
            self.unknown
        )
    }
}

/// What an import did.
#[derive(Debug)]
pub struct Finished {
    /// Rows by outcome.
    pub counts: Counts,
}

impl Finished {
    /// 2 when some row's outcome is unknown, else 1 when some row was not applied, else 0.
    pub fn exit_code(&self) -> u8 {
        let c = &self.counts;
        if c.unknown > 0 {
            EXIT_UNKNOWN
        } else if c.refused + c.invalid + c.not_applied + c.not_attempted > 0 {
            EXIT_FAILED
        } else {
            EXIT_OK
        }
    }
}

/// One line of the report.
struct Outcome {
    line: u64,
    record: RowRecord,
}

enum ReportWriter {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Jsonl(BufWriter<File>),
}

impl ReportWriter {
    fn create(path: &Path) -> Result<Self, Failure> {
        let file = File::create(path)
            .map_err(|error| Failure::usage(format!("--report: cannot write {}: {error}", path.display())))?;
        let file = BufWriter::new(file);
        let jsonl = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "jsonl" | "ndjson" | "json"));
        if jsonl {
            return Ok(ReportWriter::Jsonl(file));
        }
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record(["line", "outcome", "id", "exception_type", "message"])
            .map_err(|error| Failure::usage(format!("--report: cannot write {}: {error}", path.display())))?;
        Ok(ReportWriter::Csv(Box::new(writer)))
    }

    fn write(&mut self, outcome: &Outcome) -> std::io::Result<()> {
        let record = &outcome.record;
        match self {
            ReportWriter::Csv(writer) => writer
                .write_record([
                    outcome.line.to_string().as_str(),
                    record.outcome.as_str(),
                    record.id.as_deref().unwrap_or_default(),
                    record.exception_type.as_deref().unwrap_or_default(),
                    record.message.as_deref().unwrap_or_default(),
                ])
                .map_err(std::io::Error::other),
            ReportWriter::Jsonl(writer) => {
                let line = serde_json::json!({
                    "line": outcome.line,
                    "outcome": record.outcome.as_str(),
                    "id": record.id,
                    "exception_type": record.exception_type,
                    "message": record.message,
                });
                serde_json::to_writer(&mut *writer, &line)?;
                writer.write_all(b"\n")
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            ReportWriter::Csv(writer) => writer.flush(),
            ReportWriter::Jsonl(writer) => writer.flush(),
        }
    }
}

/// Outcomes on their way to the report, in the file's order.
struct Sink {
    /// The record whose outcome is written next.
    next: u64,
    /// Outcomes that wait for an earlier record's.
    waiting: BTreeMap<u64, Outcome>,
    /// The record and line of each row given to the job whose outcome has not come.
    in_flight: HashMap<usize, (u64, u64)>,
    report: Option<ReportWriter>,
    counts: Counts,
    failed: Option<String>,
}

impl Sink {
    fn settle(&mut self, ordinal: u64, outcome: Outcome, recorded: bool) {
        self.counts.add(outcome.record.outcome, recorded);
        self.waiting.insert(ordinal, outcome);
        while let Some(outcome) = self.waiting.remove(&self.next) {
            if let (Some(report), None) = (&mut self.report, &self.failed) {
                if let Err(error) = report.write(&outcome) {
                    self.failed = Some(format!("the report could not be written: {error}"));
                }
            }
            self.next += 1;
        }
    }

    fn job_report(&mut self, index: usize, record: RowRecord, recorded: bool) {
        match self.in_flight.remove(&index) {
            Some((ordinal, line)) => self.settle(ordinal, Outcome { line, record }, recorded),
            None => {
                self.failed = Some(format!("the job reported row {index}, which it was not given"));
            }
        }
    }
}

/// What the first pass found.
struct Checked {
    records: u64,
    valid: u64,
    invalid: u64,
    digest: String,
}

impl Run {
    /// Checks every row, then runs the job `start` makes over the valid ones.
    ///
    /// Called by the generated `import` with the endpoint's row type: `check` is its rules,
    /// `start` calls its `_all` method.
    pub async fn start<T, R, C, S>(self, check: C, start: S) -> Result<Finished, Failure>
    where
        T: DeserializeOwned + Send + Sync + 'static,
        R: Send + 'static,
        C: Fn(&T) -> Result<(), RuleViolation> + Send + Sync + 'static,
        S: FnOnce(&Client, RowStream<T>) -> Bulk<R>,
    {
        let check = Arc::new(check);
        let convert = move |value: Value| -> Result<T, String> {
            let row: T = serde_json::from_value(value).map_err(|error| error.to_string())?;
            check(&row).map_err(|violation| violation.to_string())?;
            Ok(row)
        };
        let convert = Arc::new(convert);

        // Pass 1: check every row.
        let reader = Reader::open(&self.file, self.format, self.rows, &self.mapping)?;
        let first = {
            let convert = Arc::clone(&convert);
            tokio::task::spawn_blocking(move || check_all(reader, &*convert))
                .await
                .map_err(|error| Failure::Other(format!("checking the rows failed: {error}")))??
        };
        let file_name = self.file.display().to_string();
        if self.dry_run {
            if !self.quiet {
                println!(
                    "{}: {} rows checked for {}: {} valid, {} invalid. Nothing was sent (--dry-run).",
                    file_name, first.records, self.endpoint.describe.title, first.valid, first.invalid
                );
            }
            let counts = Counts {
                invalid: first.invalid,
                ..Counts::default()
            };
            return Ok(Finished { counts });
        }
        // Connected only once the file is known to be readable and mapped.
        let connection = config::connect(&self.global, &self.connection).await?;

        // The journal names the job: the endpoint, its arguments, the mapping and the file's
        // digest, so it is never resumed against other rows.
        let job = format!(
            "import {} [{}] [{}] {} sha256:{}",
            self.endpoint.name(),
            self.job_args,
            self.mapping.describe(),
            self.file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(),
            first.digest
        );
        let journal = FileJournal::open(&self.journal, &job)
            .map_err(|error| Failure::usage(format!("the journal {}: {error}", self.journal.display())))?;
        let settled_before = journal.settled_rows();
        let report = match &self.report {
            Some(path) => Some(ReportWriter::create(path)?),
            None => None,
        };
        let sink = Arc::new(Mutex::new(Sink {
            next: 0,
            waiting: BTreeMap::new(),
            in_flight: HashMap::new(),
            report,
            counts: Counts::default(),
            failed: None,
        }));

        // Pass 2: stream the valid rows into the job.
        let (sender, receiver) = tokio::sync::mpsc::channel::<T>(READ_AHEAD);
        let reader = Reader::open(&self.file, self.format, self.rows, &self.mapping)?;
        let feeder = {
            let sink = Arc::clone(&sink);
            let convert = Arc::clone(&convert);
            tokio::task::spawn_blocking(move || feed(reader, &*convert, &sink, &sender))
        };
        let rows: RowStream<T> = futures_util::stream::unfold(receiver, |mut receiver| async move {
            receiver.recv().await.map(|row| (row, receiver))
        })
        .boxed();
        let mut options = BulkOptions::default()
            .journal(journal)
            .resend_unknown(self.resend_unknown);
        if let Some(concurrency) = self.concurrency {
            options = options.concurrency(concurrency);
        }
        let mut job = start(&connection.client, rows).options(options);
        let progress = job.progress();
        let stopper = job.stopper();

        let display = Display::new(self.quiet, first.valid, self.progress_every);
        if !self.quiet {
            let resumed = if self.resume {
                format!(", resuming: {settled_before} rows settled by the earlier run")
            } else {
                String::new()
            };
            display.println(&format!(
                "Importing {} rows of {file_name} into {} on {}{resumed}{}",
                first.valid,
                self.endpoint.describe.title,
                connection.target,
                if first.invalid > 0 {
                    format!("; {} invalid rows are not sent", first.invalid)
                } else {
                    String::new()
                }
            ));
        }
        let interrupted = Arc::new(AtomicBool::new(false));
        let interrupt = {
            let (interrupted, display) = (Arc::clone(&interrupted), display.clone());
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                interrupted.store(true, Ordering::SeqCst);
                stopper.stop();
                display.println(
                    "Stopping: no more calls are sent; waiting for the calls in flight, then writing the report and the journal. Press Ctrl-C again to quit at once (the journal keeps what was sent: --resume continues).",
                );
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(i32::from(EXIT_UNKNOWN));
                }
            })
        };
        let ticker = {
            let (display, sink) = (display.clone(), Arc::clone(&sink));
            let progress = progress.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(display.interval()).await;
                    let counts = lock(&sink).counts;
                    display.update(&progress.snapshot(), &counts);
                }
            })
        };

        let started = Instant::now();
        while let Some(report) = job.next().await {
            let recorded = matches!(report.outcome, RowOutcome::Recorded(_));
            let record = report.outcome.record(report.index);
            lock(&sink).job_report(report.index, record, recorded);
        }
        let elapsed = started.elapsed();
        ticker.abort();
        interrupt.abort();
        let fed = feeder
            .await
            .map_err(|error| Failure::Other(format!("reading the rows failed: {error}")))?;
        let snapshot = progress.snapshot();
        let mut guard = lock(&sink);
        let sink = &mut *guard;
        display.finish(&snapshot, &sink.counts);
        if let Some(report) = &mut sink.report {
            if let Err(error) = report.flush() {
                sink.failed
                    .get_or_insert(format!("the report could not be written: {error}"));
            }
        }
        let digest = fed?;
        if digest != first.digest {
            sink.failed.get_or_insert(format!(
                "{file_name} changed while it was imported: the report and the journal describe the rows as they were read the second time"
            ));
        }
        if sink.next != first.records || !sink.in_flight.is_empty() {
            sink.failed
                .get_or_insert(format!("{} of {} rows have an outcome", sink.next, first.records));
        }
        let finished = Finished { counts: sink.counts };
        let failed = sink.failed.take();
        drop(guard);
        if !self.quiet {
            print_summary(&SummaryFacts {
                title: self.endpoint.describe.title,
                file: &file_name,
                counts: &finished.counts,
                elapsed,
                sent_rows: snapshot.rows_done.saturating_sub(snapshot.recorded),
                calls: snapshot.requests,
                retries: snapshot.retries,
                throttled: snapshot.throttled,
                report: self.report.as_deref(),
                journal: &self.journal,
                throwaway: self.throwaway,
                interrupted: interrupted.load(Ordering::SeqCst),
            });
        }
        if let Some(problem) = failed {
            eprintln!("error: {problem}");
        }
        drop(connection);
        Ok(finished)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Pass 1: every record converted and checked; invalid ones printed on standard error.
fn check_all<T>(mut reader: Reader, convert: &dyn Fn(Value) -> Result<T, String>) -> Result<Checked, Failure> {
    let (mut records, mut valid, mut invalid) = (0, 0, 0);
    let stderr = std::io::stderr();
    while let Some(record) = reader.next_record()? {
        records += 1;
        match record.row.and_then(convert) {
            Ok(_) => valid += 1,
            Err(reason) => {
                invalid += 1;
                let _ = writeln!(stderr.lock(), "line {}: invalid, not sent: {reason}", record.line);
            }
        }
    }
    Ok(Checked {
        records,
        valid,
        invalid,
        digest: reader.digest(),
    })
}

/// Pass 2: the valid rows into the job, the invalid ones straight to the report; the digest of
/// the file as read this time.
fn feed<T>(
    mut reader: Reader,
    convert: &dyn Fn(Value) -> Result<T, String>,
    sink: &Mutex<Sink>,
    sender: &tokio::sync::mpsc::Sender<T>,
) -> Result<String, Failure> {
    let mut index = 0usize;
    while let Some(record) = reader.next_record()? {
        match record.row.and_then(convert) {
            Ok(row) => {
                lock(sink).in_flight.insert(index, (record.ordinal, record.line));
                index += 1;
                if sender.blocking_send(row).is_err() {
                    return Err(Failure::Other("the job stopped reading rows".into()));
                }
            }
            Err(reason) => {
                let mut record_of = RowRecord::new(0, OutcomeKind::Invalid);
                record_of.message = Some(reason);
                lock(sink).settle(
                    record.ordinal,
                    Outcome {
                        line: record.line,
                        record: record_of,
                    },
                    false,
                );
            }
        }
    }
    Ok(reader.digest())
}

/// The progress display: a bar on a terminal, lines every few seconds otherwise, or nothing.
#[derive(Clone)]
enum Display {
    Bar(ProgressBar),
    Log(Arc<Mutex<Instant>>, u64, Duration),
    Quiet,
}

impl Display {
    fn new(quiet: bool, total: u64, every: Duration) -> Self {
        if quiet {
            return Display::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            return Display::Log(Arc::new(Mutex::new(Instant::now())), total, every);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner:.green} {elapsed_precise} [{bar:40.cyan/blue}] {pos}/{len} rows · {rate} · ETA {eta}\n  {msg}",
        )
        .map(|style| {
            style.progress_chars("=> ").with_key(
                "rate",
                |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{:.0} rows/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Display::Bar(bar)
    }

    fn interval(&self) -> Duration {
        match self {
            Display::Log(_, _, every) => (*every).min(Duration::from_millis(500)),
            _ => Duration::from_millis(100),
        }
    }

    fn println(&self, text: &str) {
        match self {
            Display::Bar(bar) => bar.suspend(|| eprintln!("{text}")),
            Display::Log(..) => eprintln!("{text}"),
            Display::Quiet => {}
        }
    }

    fn message(snapshot: &leadsquared::bulk::ProgressSnapshot, counts: &Counts) -> String {
        format!(
            "{} · {} calls · {} retries · {} refused for the rate",
            counts.line(),
            snapshot.requests,
            snapshot.retries,
            snapshot.throttled
        )
    }

    fn update(&self, snapshot: &leadsquared::bulk::ProgressSnapshot, counts: &Counts) {
        match self {
            Display::Bar(bar) => {
                bar.set_position(snapshot.rows_done);
                bar.set_message(Self::message(snapshot, counts));
            }
            Display::Log(last, total, every) => {
                let mut last = lock(last);
                if last.elapsed() < *every {
                    return;
                }
                *last = Instant::now();
                let percent = if *total > 0 {
                    snapshot.rows_done * 100 / total
                } else {
                    100
                };
                eprintln!(
                    "progress: {}/{total} rows ({percent}%), {:.0} rows/s; {}",
                    snapshot.rows_done,
                    snapshot.rows_per_second(),
                    Self::message(snapshot, counts)
                );
            }
            Display::Quiet => {}
        }
    }

    fn finish(&self, snapshot: &leadsquared::bulk::ProgressSnapshot, counts: &Counts) {
        if let Display::Bar(bar) = self {
            bar.set_position(snapshot.rows_done);
            bar.set_message(Self::message(snapshot, counts));
            bar.finish();
        }
    }
}

struct SummaryFacts<'a> {
    title: &'a str,
    file: &'a str,
    counts: &'a Counts,
    elapsed: Duration,
    sent_rows: u64,
    calls: u64,
    retries: u64,
    throttled: u64,
    report: Option<&'a Path>,
    journal: &'a Path,
    throwaway: bool,
    interrupted: bool,
}

/// `1 call`, `2 calls`, `3 retries`.
fn plural(count: u64, noun: &str) -> String {
    match (count, noun.strip_suffix('y')) {
        (1, _) => format!("{count} {noun}"),
        (_, Some(stem)) => format!("{count} {stem}ies"),
        _ => format!("{count} {noun}s"),
    }
}

fn print_summary(facts: &SummaryFacts<'_>) {
    let c = facts.counts;
    let seconds = facts.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        facts.sent_rows as f64 / seconds
    } else {
        0.0
    };
    let mut out = format!(
        "{}{}: {} of {} in {seconds:.1} s ({}, {}, {} refused for the rate; {rate:.0} rows/s)\n",
        facts.title,
        if facts.interrupted { " (interrupted)" } else { "" },
        plural(c.total(), "row"),
        facts.file,
        plural(facts.calls, "call"),
        plural(facts.retries, "retry"),
        facts.throttled,
    );
    let lines = [
        ("applied", c.applied, ""),
        ("refused", c.refused, "the server gave a reason; see the report"),
        ("invalid", c.invalid, "not sent; see the lines above or the report"),
        ("not applied", c.not_applied, "not processed: safe to send again"),
        ("not attempted", c.not_attempted, "not sent: --resume sends them"),
        (
            "unknown",
            c.unknown,
            "may or may not be applied: check before sending again",
        ),
    ];
    for (name, count, note) in lines {
        if count == 0 && name != "applied" {
            continue;
        }
        let note = if note.is_empty() {
            String::new()
        } else {
            format!("  {note}")
        };
        out.push_str(&format!("  {name:<14}{count:>9}{note}\n"));
    }
    if c.recorded > 0 {
        out.push_str(&format!(
            "  ({} of these were settled by the earlier run, as its journal records, and not sent again)\n",
            c.recorded
        ));
    }
    if let Some(report) = facts.report {
        out.push_str(&format!("report: {}\n", report.display()));
    }
    if !facts.throwaway {
        out.push_str(&format!(
            "journal: {} (--resume continues this import; delete the journal to import the file again)\n",
            facts.journal.display()
        ));
    }
    print!("{out}");
    let _ = std::io::stdout().flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(line: u64, kind: OutcomeKind) -> Outcome {
        Outcome {
            line,
            record: RowRecord::new(0, kind),
        }
    }

    #[test]
    fn outcomes_are_written_in_the_files_order() {
        let path = std::env::temp_dir().join(format!("lsq-cli-sink-{}.csv", std::process::id()));
        let mut sink = Sink {
            next: 0,
            waiting: BTreeMap::new(),
            in_flight: HashMap::from([(0, (0, 2)), (1, (2, 4))]),
            report: Some(ReportWriter::create(&path).unwrap()),
            counts: Counts::default(),
            failed: None,
        };
        sink.job_report(1, RowRecord::new(1, OutcomeKind::Applied), false);
        sink.settle(1, outcome(3, OutcomeKind::Invalid), false);
        assert_eq!(sink.next, 0, "row 0 is still in flight");
        sink.job_report(0, RowRecord::new(0, OutcomeKind::Unknown), true);
        assert_eq!(sink.next, 3);
        sink.job_report(7, RowRecord::new(7, OutcomeKind::Applied), false);
        assert!(sink.failed.is_some());
        sink.report.as_mut().unwrap().flush().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            "line,outcome,id,exception_type,message\n2,unknown,,,\n3,invalid,,,\n4,applied,,,\n"
        );
        assert_eq!(
            (
                sink.counts.applied,
                sink.counts.unknown,
                sink.counts.invalid,
                sink.counts.recorded
            ),
            (1, 1, 1, 1)
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn the_exit_code_says_the_worst_outcome() {
        let finished = |counts| Finished { counts }.exit_code();
        assert_eq!(
            finished(Counts {
                applied: 3,
                ..Counts::default()
            }),
            EXIT_OK
        );
        assert_eq!(
            finished(Counts {
                applied: 3,
                invalid: 1,
                ..Counts::default()
            }),
            EXIT_FAILED
        );
        assert_eq!(
            finished(Counts {
                not_attempted: 1,
                unknown: 1,
                ..Counts::default()
            }),
            EXIT_UNKNOWN
        );
    }
}
