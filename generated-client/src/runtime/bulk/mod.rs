//! The bulk engine: any number of rows through an endpoint that takes a limited batch per call.
//!
//! Every endpoint whose spec declares an array body with `max_items` gets a generated
//! `<name>_all` method that returns a [`Bulk`]: a stream of one [`RowReport`] per input row,
//! tied to the row's index in the input. Rows are read lazily from anything iterable (a `Vec`,
//! an array, an iterator) or from a [`Stream`] (see [`IntoRows`]), checked one by one against
//! the spec's rules, gathered into calls of at most the spec's item limit, and sent with
//! bounded concurrency under the limiter of the endpoint's rate-limit class (the client keeps
//! one per class, shared by all its clones). Memory is bounded by the concurrency, not by the
//! number of rows. A job owns a clone of the client and its rows, so it is `Send + 'static`: it
//! can be returned from a function, kept in a struct or run on `tokio::spawn`.
//!
//! What each outcome means is on [`RowOutcome`]. What is retried, and what is not (the default
//! never sends a row twice):
//!
//! - A row that breaks a rule of the spec is [`RowOutcome::Invalid`] and never sent; the rows
//!   around it are.
//! - Rate limiting (HTTP 429, or `MXAPIRateLimitExceededException` under any status) and
//!   failures before the request was sent (connection refused, DNS) are retried with backoff,
//!   up to [`BulkOptions::max_attempts`]; the limiter also lowers its own limit on each refusal.
//! - 401 and 404 stop the job: that call's rows are [`RowOutcome::NotApplied`], and every row
//!   not yet sent is [`RowOutcome::NotAttempted`].
//! - Any other failure is judged by [`crate::Error::processed`], the one place that reads the
//!   spec's statuses: a call that provably was not processed makes its rows `NotApplied`; one
//!   that may have been makes them [`RowOutcome::Unknown`], resent only when
//!   [`BulkOptions::retry_ambiguous`] allows it (by default, only for endpoints the spec
//!   declares idempotent).
//! - Per-row answers are checked: exactly one result per row, each `RowNumber` a distinct row
//!   of the call. An answer that cannot be matched one to one makes every row of its call
//!   `Unknown`, with the answer's beginning in the error, rather than guessed.
//!
//! A [`Journal`] (see [`journal`]) makes a job survive the process dying: resumed with the same
//! journal, it neither resends a settled row nor forgets one sent without an answer.

pub mod journal;

pub use journal::{FileJournal, Journal, OutcomeKind, RowRecord};

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::StreamExt;
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use super::limiter::RateLimiter;
use super::{Endpoint, RuleViolation};
use crate::error::Error;
use crate::generated::types::ExceptionType;

/// How a bulk job runs; `BulkOptions::default()` suits the documented limits.
#[derive(Clone)]
pub struct BulkOptions {
    concurrency: usize,
    max_attempts: u32,
    backoff: Duration,
    max_backoff: Duration,
    retry_ambiguous: Option<bool>,
    journal: Option<Arc<dyn Journal>>,
    resend_unknown: bool,
}

impl std::fmt::Debug for BulkOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkOptions")
            .field("concurrency", &self.concurrency)
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .field("max_backoff", &self.max_backoff)
            .field("retry_ambiguous", &self.retry_ambiguous)
            .field("journal", &self.journal.is_some())
            .field("resend_unknown", &self.resend_unknown)
            .finish()
    }
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_attempts: 8,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            retry_ambiguous: None,
            journal: None,
            resend_unknown: false,
        }
    }
}

impl BulkOptions {
    /// How many calls may be in flight at once (8 by default; at least 1). With the rate
    /// limiter in charge of pacing, this only needs to cover the latency: `limit × latency /
    /// window` calls.
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// How many times one call is tried when it is refused for its rate or could not be sent
    /// (8 by default; at least 1). Rows still refused after that are `NotApplied`.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first wait before resending a call that could not be sent (doubled on each attempt,
    /// up to `max`); 250 ms and 30 s by default.
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max.max(first);
        self
    }

    /// Whether to resend calls whose outcome is unknown (a timeout after sending, a dropped
    /// connection, a 5xx). By default only for idempotent endpoints: resending a
    /// non-idempotent call can apply it twice (e.g. create a duplicate opportunity).
    pub fn retry_ambiguous(mut self, retry: bool) -> Self {
        self.retry_ambiguous = Some(retry);
        self
    }

    /// Records every call and outcome in `journal`, and skips the rows an earlier run with the
    /// same journal settled (see [`journal`]).
    pub fn journal(mut self, journal: impl Journal + 'static) -> Self {
        self.journal = Some(Arc::new(journal));
        self
    }

    /// With a journal: also send again the rows an earlier run sent without recording an
    /// answer (their outcome is unknown: resending may apply them twice). Off by default.
    pub fn resend_unknown(mut self, resend: bool) -> Self {
        self.resend_unknown = resend;
        self
    }
}

/// What happened to one input row. Each outcome means exactly one thing:
///
/// | outcome | meaning | may it be sent again? |
/// |---|---|---|
/// | [`Applied`](RowOutcome::Applied) | the answer says this row was applied | no |
/// | [`Accepted`](RowOutcome::Accepted) | the server accepted the call holding the row; the endpoint does not answer per row, so whether this row was applied is not known | no |
/// | [`Refused`](RowOutcome::Refused) | the answer says this row was not applied, and why | after fixing it |
/// | [`NotApplied`](RowOutcome::NotApplied) | the call holding the row was provably not processed | yes |
/// | [`Unknown`](RowOutcome::Unknown) | anything else: the row may or may not have been applied | check first |
/// | [`NotAttempted`](RowOutcome::NotAttempted) | not sent: the job stopped first | yes |
/// | [`Invalid`](RowOutcome::Invalid) | not sent: the row breaks a rule of the spec | after fixing it |
/// | [`Recorded`](RowOutcome::Recorded) | not sent: an earlier run settled it, as its journal records | as the record says |
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RowOutcome<R> {
    /// The answer says the row was applied (for Add Opportunities in Bulk: the opportunity was
    /// created).
    Applied {
        /// The id of the record created, when the answer names one.
        id: Option<String>,
        /// The row's own result.
        result: Option<R>,
    },
    /// The server accepted the call holding the row. The endpoint does not answer per row, so
    /// a row it refused inside a successful answer would not be seen.
    Accepted,
    /// The answer says the row was not applied (e.g. its lead does not exist).
    Refused {
        /// The server's exception type for the row, when it gave one.
        exception_type: Option<ExceptionType>,
        /// The server's message for the row, when it gave one.
        message: Option<String>,
        /// The row's own result.
        result: Option<R>,
    },
    /// The call holding the row was provably not processed: the error says why.
    NotApplied(Arc<Error>),
    /// The row may or may not have been applied: the call's outcome is unknown, or its answer
    /// could not be matched to its rows. Check before resending it.
    Unknown(Arc<Error>),
    /// The job stopped (after a 401 or 404, a journal failure, or [`Stopper::stop`]) before the
    /// row was sent.
    NotAttempted,
    /// The row breaks a rule of the spec and was not sent.
    Invalid(RuleViolation),
    /// An earlier run of the job settled the row, as its journal records; it was not sent.
    Recorded(RowRecord),
}

impl<R> RowOutcome<R> {
    /// Whether the answer says the row was applied.
    pub fn is_applied(&self) -> bool {
        matches!(self, RowOutcome::Applied { .. })
    }

    /// The outcome's kind, as a journal records it (`Recorded` gives the recorded kind).
    pub fn kind(&self) -> OutcomeKind {
        match self {
            RowOutcome::Applied { .. } => OutcomeKind::Applied,
            RowOutcome::Accepted => OutcomeKind::Accepted,
            RowOutcome::Refused { .. } => OutcomeKind::Refused,
            RowOutcome::NotApplied(_) => OutcomeKind::NotApplied,
            RowOutcome::Unknown(_) => OutcomeKind::Unknown,
            RowOutcome::NotAttempted => OutcomeKind::NotAttempted,
            RowOutcome::Invalid(_) => OutcomeKind::Invalid,
            RowOutcome::Recorded(record) => record.outcome,
        }
    }

    /// What a journal keeps of this outcome for the row at `index`.
    pub fn record(&self, index: usize) -> RowRecord {
        if let RowOutcome::Recorded(record) = self {
            return record.clone();
        }
        let mut record = RowRecord::new(index, self.kind());
        match self {
            RowOutcome::Applied { id, .. } => record.id = id.clone(),
            RowOutcome::Refused {
                exception_type,
                message,
                ..
            } => {
                record.exception_type = exception_type.as_ref().map(|e| e.as_str().to_owned());
                record.message = message.clone();
            }
            RowOutcome::NotApplied(error) | RowOutcome::Unknown(error) => {
                record.exception_type = error.exception_type().map(|e| e.as_str().to_owned());
                record.message = Some(error.to_string());
            }
            RowOutcome::Invalid(violation) => record.message = Some(violation.to_string()),
            _ => {}
        }
        record
    }
}

/// One input row's outcome, by the row's 0-based position in the input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RowReport<R> {
    /// The row's position in the input, from 0.
    pub index: usize,
    /// What happened to it.
    pub outcome: RowOutcome<R>,
}

/// A per-row result of a bulk endpoint, as the spec's `bulk:` section maps it.
pub(crate) trait RowResult {
    /// The 1-based position of the row the result is for.
    fn row_number(&self) -> Option<i64>;
    /// Whether the row was applied, when the result says.
    fn succeeded(&self) -> Option<bool>;
    /// The id of the record created, when the result names one.
    fn id(&self) -> Option<&str>;
    /// The server's exception type for the row, as sent (e.g. `MXInvalidLeadException`).
    fn exception_type(&self) -> Option<&str>;
    /// The server's message for the row.
    fn message(&self) -> Option<&str>;
}

/// How much of an answer an error quotes.
const SNIPPET_CHARS: usize = 300;

/// Matches per-row results to the `rows` rows of one call by `RowNumber`. Called by generated
/// code. Unless every row has exactly one result and every result names a distinct row of the
/// call, every row is `Unknown`: a result attributed to the wrong row is worse than none.
pub(crate) fn per_row<R: RowResult + Serialize>(
    endpoint: &'static str,
    results: Vec<R>,
    rows: usize,
) -> Vec<RowOutcome<R>> {
    let mut slots: Vec<Option<R>> = (0..rows).map(|_| None).collect();
    let mut problem = None;
    if results.len() != rows {
        problem = Some(format!("the answer has {} results for {rows} rows", results.len()));
    }
    let mut results = results.into_iter();
    if problem.is_none() {
        for result in results.by_ref() {
            let number = result.row_number();
            let slot = number
                .and_then(|number| usize::try_from(number).ok())
                .and_then(|number| number.checked_sub(1))
                .filter(|&index| index < rows);
            match (number, slot) {
                (None, _) => problem = Some("a result has no row number".to_owned()),
                (Some(number), None) => {
                    problem = Some(format!(
                        "a result names row {number}, outside rows 1 to {rows} of the call"
                    ))
                }
                (Some(number), Some(index)) if slots[index].is_some() => {
                    problem = Some(format!("two results name row {number}"))
                }
                (Some(_), Some(index)) => slots[index] = Some(result),
            }
            if problem.is_some() {
                break;
            }
        }
    }
    if let Some(problem) = problem {
        let answer: Vec<&R> = slots.iter().flatten().collect();
        let mut snippet = serde_json::to_string(&answer).unwrap_or_default();
        if let Some((cut, _)) = snippet.char_indices().nth(SNIPPET_CHARS) {
            snippet.truncate(cut);
            snippet.push('…');
        }
        let detail = format!(
            "{problem}, so no result can be tied to a row; every row of the call is unknown (results read before the mismatch: {snippet})"
        );
        let error = Arc::new(Error::ResultMismatch { endpoint, detail });
        return (0..rows).map(|_| RowOutcome::Unknown(Arc::clone(&error))).collect();
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            let Some(result) = result else {
                unreachable!("every slot is filled when the counts match and no result repeats a row")
            };
            match result.succeeded() {
                Some(true) => RowOutcome::Applied {
                    id: result.id().map(str::to_owned),
                    result: Some(result),
                },
                Some(false) => RowOutcome::Refused {
                    exception_type: result.exception_type().map(ExceptionType::from),
                    // The server's text, scrubbed of any key it may echo.
                    message: result.message().map(|text| super::text::scrub(text, None).into_owned()),
                    result: Some(result),
                },
                None => {
                    let detail = format!("the result for row {} does not say whether it was applied", index + 1);
                    RowOutcome::Unknown(Arc::new(Error::ResultMismatch { endpoint, detail }))
                }
            }
        })
        .collect()
}

/// Every row of a call the server accepted, for endpoints without per-row answers. Called by
/// generated code.
pub(crate) fn whole_request<R>(rows: usize) -> Vec<RowOutcome<R>> {
    (0..rows).map(|_| RowOutcome::Accepted).collect()
}

/// The rows of a bulk job: anything iterable (a `Vec`, an array, an iterator) or a [`Stream`].
///
/// `M` only tells the two kinds apart ([`Iterable`] or [`FromStream`]); it is inferred, so
/// callers never name it. Rows are owned: to send rows kept in a slice, pass
/// `slice.iter().cloned()` or `slice.to_vec()`.
///
/// ```
/// # async fn run(client: leadsquared::Client, stream: impl futures_core::Stream<Item = leadsquared::opportunities::OpportunityByLeadField> + Send + 'static) {
/// use leadsquared::opportunities::{OpportunityByLeadField, SearchBy};
///
/// let rows = vec![OpportunityByLeadField::new("ana@example.com", 12114)];
/// let from_a_vec = client.add_opportunities_in_bulk_all(SearchBy::EmailAddress, rows);
/// let from_a_stream = client.add_opportunities_in_bulk_all(SearchBy::EmailAddress, stream);
/// # }
/// ```
pub trait IntoRows<T, M>: Send + 'static {
    /// The stream the job reads.
    type Rows: Stream<Item = T> + Send + 'static;

    /// The rows as a stream.
    fn into_rows(self) -> Self::Rows;
}

/// Marks rows given as an iterable value (see [`IntoRows`]).
#[derive(Debug)]
pub enum Iterable {}

/// Marks rows given as a [`Stream`] (see [`IntoRows`]).
#[derive(Debug)]
pub enum FromStream {}

impl<I> IntoRows<I::Item, Iterable> for I
where
    I: IntoIterator + Send + 'static,
    I::IntoIter: Send + 'static,
{
    type Rows = futures_util::stream::Iter<I::IntoIter>;

    fn into_rows(self) -> Self::Rows {
        futures_util::stream::iter(self)
    }
}

impl<S> IntoRows<S::Item, FromStream> for S
where
    S: Stream + Send + 'static,
{
    type Rows = S;

    fn into_rows(self) -> Self::Rows {
        self
    }
}

/// Live counters of a bulk job; clone it to watch the job from elsewhere (a progress bar).
#[derive(Debug, Clone)]
pub struct Progress(Arc<Counters>);

#[derive(Debug)]
struct Counters {
    started: Instant,
    read: AtomicU64,
    done: AtomicU64,
    applied: AtomicU64,
    accepted: AtomicU64,
    refused: AtomicU64,
    not_applied: AtomicU64,
    unknown: AtomicU64,
    not_attempted: AtomicU64,
    invalid: AtomicU64,
    recorded: AtomicU64,
    requests: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
}

/// A bulk job's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ProgressSnapshot {
    /// Rows read from the input so far.
    pub rows_read: u64,
    /// Rows with an outcome.
    pub rows_done: u64,
    /// Rows the answer says were applied.
    pub applied: u64,
    /// Rows whose call the server accepted (endpoints without per-row answers).
    pub accepted: u64,
    /// Rows the answer says were not applied.
    pub refused: u64,
    /// Rows whose call was provably not processed.
    pub not_applied: u64,
    /// Rows that may or may not have been applied.
    pub unknown: u64,
    /// Rows not sent because the job stopped.
    pub not_attempted: u64,
    /// Rows not sent because they break a rule.
    pub invalid: u64,
    /// Rows an earlier run settled (from the journal), not sent.
    pub recorded: u64,
    /// Calls sent, retries included.
    pub requests: u64,
    /// Calls sent again (after a refusal for the rate, a failure to connect, or an ambiguous
    /// failure the options allow resending).
    pub retries: u64,
    /// Calls the server refused for its rate limit.
    pub throttled: u64,
    /// Time since the job was created.
    pub elapsed: Duration,
}

impl ProgressSnapshot {
    /// Rows with an outcome per second so far.
    pub fn rows_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.rows_done as f64 / seconds
        } else {
            0.0
        }
    }
}

impl Progress {
    fn new() -> Self {
        let zero = || AtomicU64::new(0);
        Progress(Arc::new(Counters {
            started: Instant::now(),
            read: zero(),
            done: zero(),
            applied: zero(),
            accepted: zero(),
            refused: zero(),
            not_applied: zero(),
            unknown: zero(),
            not_attempted: zero(),
            invalid: zero(),
            recorded: zero(),
            requests: zero(),
            retries: zero(),
            throttled: zero(),
        }))
    }

    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        let c = &*self.0;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ProgressSnapshot {
            rows_read: get(&c.read),
            rows_done: get(&c.done),
            applied: get(&c.applied),
            accepted: get(&c.accepted),
            refused: get(&c.refused),
            not_applied: get(&c.not_applied),
            unknown: get(&c.unknown),
            not_attempted: get(&c.not_attempted),
            invalid: get(&c.invalid),
            recorded: get(&c.recorded),
            requests: get(&c.requests),
            retries: get(&c.retries),
            throttled: get(&c.throttled),
            elapsed: c.started.elapsed(),
        }
    }

    fn count<R>(&self, outcome: &RowOutcome<R>) {
        let c = &*self.0;
        let counter = match outcome {
            RowOutcome::Applied { .. } => &c.applied,
            RowOutcome::Accepted => &c.accepted,
            RowOutcome::Refused { .. } => &c.refused,
            RowOutcome::NotApplied(_) => &c.not_applied,
            RowOutcome::Unknown(_) => &c.unknown,
            RowOutcome::NotAttempted => &c.not_attempted,
            RowOutcome::Invalid(_) => &c.invalid,
            RowOutcome::Recorded(_) => &c.recorded,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        c.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// Stops a bulk job from sending more calls: calls in flight finish and report, and every row
/// not yet sent is [`RowOutcome::NotAttempted`]. Cheap to clone; get it from [`Bulk::stopper`]
/// (e.g. to stop on Ctrl-C).
#[derive(Debug, Clone)]
pub struct Stopper(Arc<AtomicBool>);

impl Stopper {
    /// Sends no more calls.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the job was stopped (by this, or by a 401, a 404 or a journal failure).
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// A bulk job: a stream of one [`RowReport`] per input row, in completion order.
///
/// Nothing is read or sent until the stream is first polled, so [`Bulk::options`] can still
/// tune the job; dropping it cancels the calls in flight (their rows' outcomes are then not
/// known to the caller, though a [`Journal`] knows they were sent). See the
/// [module docs](self) for what is retried.
pub struct Bulk<R> {
    state: State<R>,
    progress: Progress,
    stopped: Arc<AtomicBool>,
}

type Reports<R> = Pin<Box<dyn Stream<Item = RowReport<R>> + Send>>;
type Start<R> = Box<dyn FnOnce(BulkOptions) -> Reports<R> + Send>;

enum State<R> {
    /// Not polled yet: the options can still change.
    Ready {
        options: BulkOptions,
        start: Start<R>,
    },
    Running(Reports<R>),
    /// Only while the job starts.
    Starting,
}

impl<R> std::fmt::Debug for Bulk<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bulk")
            .field("started", &matches!(self.state, State::Running(_)))
            .field("progress", &self.progress.snapshot())
            .finish_non_exhaustive()
    }
}

/// What one call of a job needs; shared by its batches.
struct Job {
    endpoint: &'static Endpoint,
    limiter: Arc<RateLimiter>,
    options: BulkOptions,
    retry_ambiguous: bool,
    stopped: Arc<AtomicBool>,
    progress: Progress,
}

/// What to do after a failed call.
enum Next {
    RetryAfter(Duration),
    NotApplied,
    Unknown,
    Stop,
}

impl Job {
    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
    }

    fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// What a failed call means for its rows; `Error::processed` decides what was processed.
    fn classify(&self, error: &Error, attempt: u32) -> Next {
        let more = attempt < self.options.max_attempts;
        let exponential = || {
            let factor = 1u32.checked_shl(attempt.saturating_sub(1).min(16)).unwrap_or(u32::MAX);
            self.options
                .backoff
                .saturating_mul(factor)
                .min(self.options.max_backoff)
        };
        match error {
            Error::RateLimited(_) => {
                self.limiter.throttled();
                self.progress.0.throttled.fetch_add(1, Ordering::Relaxed);
                let limit = self.limiter.limit();
                let slot = Duration::from_millis(limit.per_millis) / limit.calls.max(1);
                if more { Next::RetryAfter(slot) } else { Next::NotApplied }
            }
            Error::Connect { .. } if more => Next::RetryAfter(exponential()),
            Error::Unauthorized(_) | Error::NotFound(_) => Next::Stop,
            error => match error.processed() {
                crate::Processed::Never => Next::NotApplied,
                _ if self.retry_ambiguous && more => Next::RetryAfter(exponential()),
                _ => Next::Unknown,
            },
        }
    }

    /// Records outcomes in the journal, if any; a failure stops the job.
    fn settle<R>(&self, indexes: &[usize], outcomes: &[RowOutcome<R>]) {
        let Some(journal) = &self.options.journal else { return };
        if let Err(error) = journal.settled(&records(indexes, outcomes)) {
            self.journal_failed(&error);
        }
    }

    /// [`Self::settle`] for a call's rows, on the blocking pool: a journal waits for the disk,
    /// which must not hold up the tasks that read the other calls' answers.
    async fn settle_call(&self, records: Vec<RowRecord>) {
        let Some(journal) = &self.options.journal else { return };
        let journal = Arc::clone(journal);
        if let Err(error) = blocking(move || journal.settled(&records)).await {
            self.journal_failed(&error);
        }
    }

    fn journal_failed(&self, error: &std::io::Error) {
        tracing::error!(endpoint = self.endpoint.name, %error, "the journal could not record outcomes; the job sends nothing more");
        self.stop();
    }
}

/// What a journal keeps of each outcome.
fn records<R>(indexes: &[usize], outcomes: &[RowOutcome<R>]) -> Vec<RowRecord> {
    indexes
        .iter()
        .zip(outcomes)
        .map(|(&index, outcome)| outcome.record(index))
        .collect()
}

/// Runs a journal's write on the blocking pool and waits for it.
async fn blocking(write: impl FnOnce() -> std::io::Result<()> + Send + 'static) -> std::io::Result<()> {
    tokio::task::spawn_blocking(write).await.unwrap_or_else(|error| {
        Err(std::io::Error::other(format!(
            "the journal's write did not finish: {error}"
        )))
    })
}

/// A unit of work for the engine: rows to send as one call, or a report made without a call.
enum Work<T, R> {
    Call(Vec<(usize, T)>),
    Report(RowReport<R>),
}

impl<R: Send + 'static> Bulk<R> {
    /// A job over `rows` for `endpoint`: `check` tells whether a row keeps the spec's rules,
    /// `send` makes one call for a batch and returns one outcome per row. Called by the
    /// generated `<name>_all` methods.
    pub(crate) fn new<T, S, C, F, Fut>(
        client: &crate::Client,
        endpoint: &'static Endpoint,
        rows: S,
        check: C,
        send: F,
    ) -> Self
    where
        T: Send + Sync + 'static,
        S: Stream<Item = T> + Send + 'static,
        C: Fn(&T) -> Result<(), RuleViolation> + Send + 'static,
        F: Fn(Arc<[T]>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>> + Send + 'static,
    {
        Self::with_limiter(client.rate_limiter(endpoint.rate_class), endpoint, rows, check, send)
    }

    fn with_limiter<T, S, C, F, Fut>(
        limiter: Arc<RateLimiter>,
        endpoint: &'static Endpoint,
        rows: S,
        check: C,
        send: F,
    ) -> Self
    where
        T: Send + Sync + 'static,
        S: Stream<Item = T> + Send + 'static,
        C: Fn(&T) -> Result<(), RuleViolation> + Send + 'static,
        F: Fn(Arc<[T]>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>> + Send + 'static,
    {
        let progress = Progress::new();
        let stopped = Arc::new(AtomicBool::new(false));
        let counters = progress.clone();
        let stop_flag = Arc::clone(&stopped);
        let start = move |options: BulkOptions| -> Reports<R> {
            let job = Arc::new(Job {
                endpoint,
                limiter,
                retry_ambiguous: options.retry_ambiguous.unwrap_or(endpoint.idempotent),
                stopped: stop_flag,
                progress: counters,
                options,
            });
            let limit = endpoint.items.unwrap_or(super::ItemLimit { min: 1, max: None });
            let batches = Batches {
                min: limit.min.max(1),
                max: limit.max.unwrap_or(usize::MAX).max(limit.min.max(1)),
                job: Arc::clone(&job),
                check,
                current: Vec::new(),
                held: None,
                _reports: std::marker::PhantomData,
            };
            let send = Arc::new(send);
            let concurrency = job.options.concurrency;
            let rows = Box::pin(rows.enumerate());
            let works = futures_util::stream::unfold(Some((rows, batches)), |state| async move {
                let (mut rows, mut batches) = state?;
                match rows.next().await {
                    Some((index, row)) => Some((batches.push(index, row), Some((rows, batches)))),
                    None => Some((batches.finish(), None)),
                }
            })
            .flat_map(futures_util::stream::iter);
            let reports = works
                .map(move |work| {
                    let (job, send) = (Arc::clone(&job), Arc::clone(&send));
                    async move {
                        match work {
                            Work::Report(report) => vec![report],
                            Work::Call(rows) => run_batch(job, send, rows).await,
                        }
                    }
                })
                .buffer_unordered(concurrency)
                .flat_map(futures_util::stream::iter);
            Box::pin(reports)
        };
        Bulk {
            state: State::Ready {
                options: BulkOptions::default(),
                start: Box::new(start),
            },
            progress,
            stopped,
        }
    }

    /// Runs the job with `options` instead of [`BulkOptions::default`].
    ///
    /// Call it before the job is first polled; once rows are being sent the options in force
    /// stay, and a warning is logged.
    pub fn options(mut self, options: BulkOptions) -> Self {
        match &mut self.state {
            State::Ready { options: current, .. } => *current = options,
            State::Running(_) | State::Starting => {
                tracing::warn!("bulk job options changed after it started; they are ignored")
            }
        }
        self
    }

    /// Live counters of the job; clone them to watch from another task.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// A handle that stops the job from sending more calls (e.g. on Ctrl-C); the calls in
    /// flight still report their rows.
    pub fn stopper(&self) -> Stopper {
        Stopper(Arc::clone(&self.stopped))
    }

    /// The next row's outcome, or `None` when every row has one.
    pub async fn next(&mut self) -> Option<RowReport<R>> {
        StreamExt::next(self).await
    }
}

impl<R> Stream for Bulk<R> {
    type Item = RowReport<R>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let State::Ready { .. } = this.state {
            if let State::Ready { options, start } = std::mem::replace(&mut this.state, State::Starting) {
                this.state = State::Running(start(options));
            }
        }
        match &mut this.state {
            State::Running(reports) => reports.as_mut().poll_next(cx),
            State::Ready { .. } | State::Starting => Poll::Ready(None),
        }
    }
}

/// Gathers rows into calls: each row is first checked against the journal (a row an earlier run
/// settled is reported, not sent) and the spec's rules (a row that breaks one is reported as
/// invalid, not sent); the rest fill calls of at most `max` rows. When the spec also sets a
/// minimum above one, the last full call is held back until the end shows whether the rest
/// reaches the minimum; if not, the two are split so that both do.
struct Batches<T, R, C> {
    min: usize,
    max: usize,
    job: Arc<Job>,
    check: C,
    current: Vec<(usize, T)>,
    held: Option<Vec<(usize, T)>>,
    _reports: std::marker::PhantomData<fn() -> R>,
}

impl<T, R, C> Batches<T, R, C>
where
    C: Fn(&T) -> Result<(), RuleViolation>,
{
    /// Takes the row at `index`: what can be sent or reported now.
    fn push(&mut self, index: usize, row: T) -> Vec<Work<T, R>> {
        let progress = &self.job.progress;
        progress.0.read.fetch_add(1, Ordering::Relaxed);
        if let Some(record) = self.previous(index) {
            let outcome = RowOutcome::Recorded(record);
            progress.count(&outcome);
            return vec![Work::Report(RowReport { index, outcome })];
        }
        if let Err(violation) = (self.check)(&row) {
            let outcome = RowOutcome::Invalid(violation);
            progress.count(&outcome);
            self.job.settle(&[index], std::slice::from_ref(&outcome));
            return vec![Work::Report(RowReport { index, outcome })];
        }
        self.current.push((index, row));
        if self.current.len() < self.max {
            return Vec::new();
        }
        let full = std::mem::take(&mut self.current);
        if self.min <= 1 {
            return vec![Work::Call(full)];
        }
        // Hold the full call back until the next one is full or the rows end.
        match self.held.replace(full) {
            Some(previous) => vec![Work::Call(previous)],
            None => Vec::new(),
        }
    }

    /// The rows have ended: the last calls, and any rows too few to make a call.
    fn finish(&mut self) -> Vec<Work<T, R>> {
        let rest = std::mem::take(&mut self.current);
        let held = self.held.take();
        let mut work = Vec::new();
        if rest.is_empty() || rest.len() >= self.min {
            work.extend(held.map(Work::Call));
            if !rest.is_empty() {
                work.push(Work::Call(rest));
            }
            return work;
        }
        let mut rows = held.unwrap_or_default();
        rows.extend(rest);
        if rows.len() >= 2 * self.min {
            // Both parts within the limits: the first at most `max`, the second `min`.
            let second = rows.split_off(rows.len() - self.min);
            return vec![Work::Call(rows), Work::Call(second)];
        }
        if rows.len() >= self.min {
            return vec![Work::Call(rows)];
        }
        // Fewer rows than one call takes: none can be sent.
        tracing::warn!(
            endpoint = self.job.endpoint.name,
            rows = rows.len(),
            min = self.min,
            "too few rows for one call; they are not sent"
        );
        rows.into_iter()
            .map(|(index, _)| {
                let outcome = RowOutcome::NotAttempted;
                self.job.progress.count(&outcome);
                Work::Report(RowReport { index, outcome })
            })
            .collect()
    }

    /// What the journal of an earlier run settles for the row at `index`, if the row is not to
    /// be sent again.
    fn previous(&self, index: usize) -> Option<RowRecord> {
        let record = self.job.options.journal.as_ref()?.previous(index)?;
        let resend = record.outcome == OutcomeKind::Unknown && self.job.options.resend_unknown;
        (record.settles() && !resend).then_some(record)
    }
}

async fn run_batch<T, R, F, Fut>(job: Arc<Job>, send: Arc<F>, rows: Vec<(usize, T)>) -> Vec<RowReport<R>>
where
    F: Fn(Arc<[T]>) -> Fut,
    Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>>,
{
    let (indexes, rows): (Vec<usize>, Vec<T>) = rows.into_iter().unzip();
    let rows: Arc<[T]> = rows.into();
    let (outcomes, journaled) = attempts(&job, &*send, &indexes, rows).await;
    debug_assert_eq!(outcomes.len(), indexes.len());
    // A call the journal never recorded was never sent: its rows need no record (a later run
    // finds none and sends them), so a job stopped early does not write one per remaining row.
    if journaled {
        job.settle_call(records(&indexes, &outcomes)).await;
    }
    indexes
        .into_iter()
        .zip(outcomes)
        .map(|(index, outcome)| {
            job.progress.count(&outcome);
            RowReport { index, outcome }
        })
        .collect()
}

/// The outcomes of one call's rows, and whether the journal recorded the call as sent (at any
/// attempt).
async fn attempts<T, R, F, Fut>(job: &Job, send: &F, indexes: &[usize], rows: Arc<[T]>) -> (Vec<RowOutcome<R>>, bool)
where
    F: Fn(Arc<[T]>) -> Fut,
    Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>>,
{
    let count = rows.len();
    let all = |make: &dyn Fn() -> RowOutcome<R>| (0..count).map(|_| make()).collect::<Vec<_>>();
    let first = indexes.first().copied().unwrap_or_default();
    let mut attempt = 0;
    let mut journaled = false;
    loop {
        attempt += 1;
        if job.is_stopped() {
            return (all(&|| RowOutcome::NotAttempted), journaled);
        }
        let (permit, waited) = job.limiter.acquire().await;
        if job.is_stopped() {
            return (all(&|| RowOutcome::NotAttempted), journaled);
        }
        if let Some(journal) = &job.options.journal {
            let (journal, sent) = (Arc::clone(journal), indexes.to_vec());
            if let Err(error) = blocking(move || journal.sending(&sent, attempt)).await {
                tracing::error!(endpoint = job.endpoint.name, %error, "the journal could not record a call; the job sends nothing more");
                job.stop();
                return (all(&|| RowOutcome::NotAttempted), journaled);
            }
            journaled = true;
        }
        let span = tracing::debug_span!(
            "leadsquared_bulk",
            endpoint = job.endpoint.name,
            first_row = first,
            rows = count,
            attempt
        );
        tracing::debug!(parent: &span, waited_ms = waited.as_millis() as u64, "rate limit slot acquired");
        job.progress.0.requests.fetch_add(1, Ordering::Relaxed);
        if attempt > 1 {
            job.progress.0.retries.fetch_add(1, Ordering::Relaxed);
        }
        let result = send(Arc::clone(&rows)).instrument(span.clone()).await;
        permit.answered();
        let error = match result {
            Ok(outcomes) if outcomes.len() == count => return (outcomes, journaled),
            Ok(outcomes) => {
                let detail = format!("{} outcomes for {count} rows", outcomes.len());
                let error = Arc::new(Error::ResultMismatch {
                    endpoint: job.endpoint.name,
                    detail,
                });
                return (all(&|| RowOutcome::Unknown(Arc::clone(&error))), journaled);
            }
            Err(error) => error,
        };
        let next = job.classify(&error, attempt);
        tracing::debug!(parent: &span, status = error.status(), error = %error, "bulk call failed");
        let error = Arc::new(error);
        let outcomes = match next {
            Next::RetryAfter(wait) => {
                tokio::time::sleep(wait).await;
                continue;
            }
            Next::NotApplied => all(&|| RowOutcome::NotApplied(Arc::clone(&error))),
            Next::Unknown => all(&|| RowOutcome::Unknown(Arc::clone(&error))),
            Next::Stop => {
                job.stop();
                all(&|| RowOutcome::NotApplied(Arc::clone(&error)))
            }
        };
        return (outcomes, journaled);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::runtime::{ItemLimit, Method, RateLimit, Rule};

    #[derive(Debug, Clone, PartialEq, Serialize)]
    struct Row {
        number: Option<i64>,
        ok: Option<bool>,
    }

    impl RowResult for Row {
        fn row_number(&self) -> Option<i64> {
            self.number
        }
        fn succeeded(&self) -> Option<bool> {
            self.ok
        }
        fn id(&self) -> Option<&str> {
            self.ok.filter(|ok| *ok).map(|_| "id")
        }
        fn exception_type(&self) -> Option<&str> {
            None
        }
        fn message(&self) -> Option<&str> {
            None
        }
    }

    fn kinds<R>(outcomes: &[RowOutcome<R>]) -> Vec<&'static str> {
        outcomes.iter().map(|outcome| outcome.kind().as_str()).collect()
    }

    fn row(number: i64, ok: bool) -> Row {
        Row {
            number: Some(number),
            ok: Some(ok),
        }
    }

    #[test]
    fn results_are_matched_by_row_number_not_by_position() {
        let outcomes = per_row("e", vec![row(3, true), row(1, false), row(2, true)], 3);
        assert_eq!(kinds(&outcomes), ["refused", "applied", "applied"]);
    }

    #[test]
    fn an_answer_that_cannot_be_matched_one_to_one_leaves_every_row_unknown() {
        let cases: [(&str, Vec<Row>); 5] = [
            ("missing", vec![row(1, true), row(2, true)]),
            ("duplicate", vec![row(1, true), row(1, true), row(3, true)]),
            ("out of range", vec![row(1, true), row(2, true), row(9, true)]),
            ("numbered from 0", vec![row(0, true), row(1, true), row(2, true)]),
            (
                "without a number",
                vec![
                    row(1, true),
                    row(2, true),
                    Row {
                        number: None,
                        ok: Some(true),
                    },
                ],
            ),
        ];
        for (case, results) in cases {
            let outcomes = per_row("e", results, 3);
            assert_eq!(kinds(&outcomes), ["unknown"; 3], "{case}");
            let RowOutcome::Unknown(error) = &outcomes[0] else {
                unreachable!()
            };
            assert!(
                error.to_string().contains("no result can be tied to a row"),
                "{case}: {error}"
            );
        }
        let silent = Row {
            number: Some(1),
            ok: None,
        };
        assert_eq!(kinds(&per_row("e", vec![silent], 1)), ["unknown"]);
    }

    const ENDPOINT: Endpoint = Endpoint {
        name: "test_rows",
        title: "Test",
        group: "test",
        docs_url: None,
        method: Method::Post,
        path: "/Test",
        idempotent: false,
        changes_state: false,
        items: Some(ItemLimit { min: 1, max: Some(3) }),
        rate_class: &crate::generated::api::API.rate_classes[0],
        statuses: &[],
    };

    fn limiter() -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(
            RateLimit {
                calls: 1000,
                per_millis: 1000,
            },
            Duration::ZERO,
        ))
    }

    fn even(value: &i64) -> Result<(), RuleViolation> {
        if value % 2 == 0 {
            Ok(())
        } else {
            Err(RuleViolation {
                type_name: "Number",
                rule: Rule::AtMostOneOf,
                fields: &["Value"],
                description: "odd",
            })
        }
    }

    /// Runs a job over `rows` whose calls record their batches and apply every row.
    async fn run(
        endpoint: &'static Endpoint,
        rows: Vec<i64>,
        options: BulkOptions,
    ) -> (Vec<(usize, &'static str)>, Vec<Vec<i64>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&calls);
        let job = Bulk::with_limiter(
            limiter(),
            endpoint,
            futures_util::stream::iter(rows),
            even,
            move |batch: Arc<[i64]>| {
                log.lock().unwrap().push(batch.to_vec());
                async move { Ok(whole_request::<()>(batch.len())) }
            },
        )
        .options(options);
        let mut reports: Vec<_> = job.map(|r| (r.index, r.outcome.kind().as_str())).collect().await;
        reports.sort();
        let calls = calls.lock().unwrap().clone();
        (reports, calls)
    }

    #[tokio::test(start_paused = true)]
    async fn an_invalid_row_is_reported_alone_and_its_neighbours_are_sent() {
        let (reports, calls) = run(
            &ENDPOINT,
            vec![0, 2, 3, 4, 6, 8, 9],
            BulkOptions::default().concurrency(1),
        )
        .await;
        assert_eq!(
            reports,
            [
                (0, "accepted"),
                (1, "accepted"),
                (2, "invalid"),
                (3, "accepted"),
                (4, "accepted"),
                (5, "accepted"),
                (6, "invalid")
            ]
        );
        assert_eq!(calls, [vec![0, 2, 4], vec![6, 8]]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_call_keeps_the_minimum() {
        static BETWEEN_2_AND_3: Endpoint = Endpoint {
            items: Some(ItemLimit { min: 2, max: Some(3) }),
            ..ENDPOINT
        };
        // Seven rows in calls of 2 to 3: 3 + 2 + 2, never a call of 1.
        let (reports, calls) = run(
            &BETWEEN_2_AND_3,
            vec![0, 2, 4, 6, 8, 10, 12],
            BulkOptions::default().concurrency(1),
        )
        .await;
        assert_eq!(reports.len(), 7);
        assert!(calls.iter().all(|call| (2..=3).contains(&call.len())), "{calls:?}");
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), 7);
        // One row alone cannot make a call.
        let (reports, calls) = run(&BETWEEN_2_AND_3, vec![0], BulkOptions::default()).await;
        assert_eq!((reports, calls), (vec![(0, "not_attempted")], vec![]));
    }

    #[tokio::test(start_paused = true)]
    async fn failures_are_judged_by_what_the_error_says_was_processed() {
        let attempts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&attempts);
        let job = Bulk::with_limiter(
            limiter(),
            &ENDPOINT,
            futures_util::stream::iter(vec![0_i64, 2]),
            even,
            move |batch: Arc<[i64]>| {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    match n {
                        0 => Err(Error::config("could not connect")),
                        _ => Ok(whole_request::<()>(batch.len())),
                    }
                }
            },
        );
        let reports: Vec<_> = job.collect().await;
        // A configuration error was never sent: not applied, and not retried.
        assert_eq!(
            kinds(&reports.into_iter().map(|r| r.outcome).collect::<Vec<_>>()),
            ["not_applied"; 2]
        );
        assert_eq!(attempts.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_job_sends_nothing_more() {
        let job = Bulk::with_limiter(
            limiter(),
            &ENDPOINT,
            futures_util::stream::iter(vec![0_i64; 9]),
            even,
            |batch: Arc<[i64]>| async move { Ok(whole_request::<()>(batch.len())) },
        )
        .options(BulkOptions::default().concurrency(1));
        let stopper = job.stopper();
        let mut job = job;
        let first = job.next().await.unwrap();
        assert_eq!(first.outcome.kind(), OutcomeKind::Accepted);
        stopper.stop();
        let rest: Vec<_> = job.map(|r| r.outcome.kind()).collect().await;
        assert_eq!(rest.len(), 8);
        assert!(
            rest.iter().filter(|kind| **kind == OutcomeKind::NotAttempted).count() >= 6,
            "{rest:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_job_journals_no_row_it_never_sent() {
        let path = std::env::temp_dir().join(format!("lsq-bulk-stopped-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let journal = FileJournal::open(&path, "job").unwrap();
        let job = Bulk::with_limiter(
            limiter(),
            &ENDPOINT,
            futures_util::stream::iter(vec![0_i64; 300]),
            even,
            |batch: Arc<[i64]>| async move { Ok(whole_request::<()>(batch.len())) },
        )
        .options(BulkOptions::default().concurrency(1).journal(journal));
        let stopper = job.stopper();
        let mut job = job;
        assert_eq!(job.next().await.unwrap().outcome.kind(), OutcomeKind::Accepted);
        stopper.stop();
        let rest: Vec<_> = job.map(|r| r.outcome.kind()).collect().await;
        assert_eq!(rest.len(), 299);
        let text = std::fs::read_to_string(&path).unwrap();
        let not_attempted = text.lines().filter(|line| line.contains("not_attempted")).count();
        let sent: usize = text.lines().filter(|line| line.contains("sending")).count();
        assert!(sent <= 2, "{text}");
        // Only rows of calls the journal recorded as sent get a record; the rest none.
        assert!(not_attempted <= 3, "{not_attempted} records of rows never sent");
        // A later run sends the rows that were never sent.
        let journal = FileJournal::open(&path, "job").unwrap();
        assert!(journal.settled_rows() <= 6, "{}", journal.settled_rows());
        std::fs::remove_file(path).unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_resumed_job_skips_settled_rows_and_keeps_unanswered_ones_unknown() {
        let path = std::env::temp_dir().join(format!("lsq-bulk-resume-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let journal = FileJournal::open(&path, "job").unwrap();
        // An earlier run: rows 0-2 applied, rows 3-5 sent and never answered, row 6 not applied.
        journal.sending(&[0, 1, 2], 1).unwrap();
        journal
            .settled(
                &(0..3)
                    .map(|i| RowRecord::new(i, OutcomeKind::Applied))
                    .collect::<Vec<_>>(),
            )
            .unwrap();
        journal.sending(&[3, 4, 5], 1).unwrap();
        journal.settled(&[RowRecord::new(6, OutcomeKind::NotApplied)]).unwrap();
        drop(journal);

        let rows: Vec<i64> = (0..8).map(|i| i * 2).collect();
        let journal = FileJournal::open(&path, "job").unwrap();
        let (reports, calls) = run(&ENDPOINT, rows.clone(), BulkOptions::default().journal(journal)).await;
        assert_eq!(
            reports,
            [
                (0, "applied"),
                (1, "applied"),
                (2, "applied"),
                (3, "unknown"),
                (4, "unknown"),
                (5, "unknown"),
                (6, "accepted"),
                (7, "accepted")
            ]
        );
        assert_eq!(calls, [vec![12, 14]], "only the rows no run settled are sent");

        // With `resend_unknown`, the unanswered rows go again; everything is now settled.
        let journal = FileJournal::open(&path, "job").unwrap();
        let (_, calls) = run(
            &ENDPOINT,
            rows.clone(),
            BulkOptions::default().journal(journal).resend_unknown(true),
        )
        .await;
        assert_eq!(calls, [vec![6, 8, 10]]);
        let journal = FileJournal::open(&path, "job").unwrap();
        let (_, calls) = run(&ENDPOINT, rows, BulkOptions::default().journal(journal)).await;
        assert!(calls.is_empty(), "{calls:?}");
        std::fs::remove_file(path).unwrap();
    }

    /// What a failed call means for its rows comes from one place, `Error::processed`, which
    /// reads the spec's statuses and exceptions: for every status every endpoint documents (and
    /// some it does not), under every known exception and none, the bulk engine's decision
    /// agrees with it.
    #[test]
    fn the_engine_and_error_processed_agree_for_every_status_and_exception() {
        let secrets = crate::runtime::text::Secrets::unregistered(&[]);
        let job = Job {
            endpoint: &ENDPOINT,
            limiter: limiter(),
            options: BulkOptions::default().max_attempts(1),
            retry_ambiguous: false,
            stopped: Arc::new(AtomicBool::new(false)),
            progress: Progress::new(),
        };
        let mut bodies = vec![
            r#"{"Status":"Error","ExceptionMessage":"no type"}"#.to_owned(),
            "<html>502</html>".to_owned(),
        ];
        for exception in ExceptionType::KNOWN {
            bodies.push(format!(
                r#"{{"Status":"Error","ExceptionType":"{}","ExceptionMessage":"m"}}"#,
                exception.as_str()
            ));
        }
        let mut checked = 0;
        for &endpoint in crate::generated::endpoints::ALL {
            let statuses = endpoint.statuses.iter().map(|s| s.code).chain([429, 502, 503]);
            for status in statuses {
                for body in &bodies {
                    let Err(error) = super::super::response::decode::<serde_json::Value>(
                        endpoint,
                        status,
                        body.as_bytes(),
                        &secrets,
                        None,
                    ) else {
                        continue;
                    };
                    let decided = match job.classify(&error, 1) {
                        Next::NotApplied | Next::Stop => crate::Processed::Never,
                        Next::Unknown => crate::Processed::Unknown,
                        Next::RetryAfter(_) => unreachable!("one attempt allows no retry"),
                    };
                    let said = match error.processed() {
                        crate::Processed::Always => crate::Processed::Unknown,
                        other => other,
                    };
                    assert_eq!(decided, said, "{} {status} {body}: {error}", endpoint.name);
                    checked += 1;
                }
            }
        }
        assert!(checked > 100, "{checked} answers checked");
    }
}
