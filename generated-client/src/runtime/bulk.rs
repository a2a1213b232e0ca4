//! The bulk engine: any number of rows through an endpoint that takes a limited batch per call.
//!
//! Every endpoint whose spec declares an array body with `max_items` gets a generated
//! `<name>_all` method that returns a [`Bulk`]: a stream of one [`RowReport`] per input row,
//! tied to the row's index in the input. Rows are read lazily from anything iterable (a `Vec`,
//! an array, an iterator) or from a [`Stream`] (see [`IntoRows`]), split into calls of at most
//! the spec's item limit, and sent with bounded concurrency under the client's rate limiter
//! (shared by all its clones). Memory is bounded by the concurrency, not by the number of rows.
//! A job owns a clone of the client and its rows, so it is `Send + 'static`: it can be returned
//! from a function, kept in a struct or run on `tokio::spawn`.
//!
//! What is retried, and what is not (the default never sends a row twice):
//!
//! - Rate limiting (HTTP 429, or `MXAPIRateLimitExceededException` under any status) and
//!   failures before the request was sent (connection refused, DNS) are retried with backoff,
//!   up to [`BulkOptions::max_attempts`]; the limiter also lowers its own limit on each refusal.
//! - 401 and 404 stop the job: that call's rows fail, and every row not yet sent is
//!   [`RowOutcome::NotAttempted`].
//! - 400, and 500 or 200 bodies carrying an `MX…Exception`, are deterministic: the call's rows
//!   fail and are not retried.
//! - A timeout after sending, a dropped connection, a 5xx without a LeadSquared exception, or an
//!   answer that cannot be read leaves the rows [`RowOutcome::Unknown`]: the server may or may
//!   not have acted. They are resent only when [`BulkOptions::retry_ambiguous`] allows it, which
//!   by default it does only for endpoints the spec declares idempotent.
//! - Per-row answers are checked: exactly one result per row, `RowNumber` within range. A row
//!   without exactly one matching result is `Unknown` rather than guessed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::StreamExt;
use tracing::Instrument;

use super::Endpoint;
use super::limiter::RateLimiter;
use crate::error::Error;
use crate::generated::types::ExceptionType;

/// How a bulk job runs; `BulkOptions::default()` suits the documented limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOptions {
    concurrency: usize,
    max_attempts: u32,
    backoff: Duration,
    max_backoff: Duration,
    retry_ambiguous: Option<bool>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            max_attempts: 8,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            retry_ambiguous: None,
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
    /// (8 by default; at least 1). Rows still refused after that fail with the last error.
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
    /// connection, a 5xx without an exception). By default only for idempotent endpoints:
    /// resending a non-idempotent call can apply it twice (e.g. create a duplicate opportunity).
    pub fn retry_ambiguous(mut self, retry: bool) -> Self {
        self.retry_ambiguous = Some(retry);
        self
    }
}

/// What happened to one input row.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RowOutcome<R> {
    /// The server applied the row (for Add Opportunities in Bulk: the opportunity was created).
    Succeeded {
        /// The id of the record created, when the answer names one.
        id: Option<String>,
        /// The row's own result, when the endpoint answers per row.
        result: Option<R>,
    },
    /// The server answered for the row and did not apply it (e.g. its lead does not exist).
    Refused {
        /// The server's exception type for the row, when it gave one.
        exception_type: Option<ExceptionType>,
        /// The server's message for the row, when it gave one.
        message: Option<String>,
        /// The row's own result.
        result: Option<R>,
    },
    /// The call holding the row failed and the row was not applied.
    Failed(Arc<Error>),
    /// The row may or may not have been applied: the call's outcome is unknown, or the answer
    /// did not account for the row exactly once. Check before resending it.
    Unknown(Arc<Error>),
    /// The job stopped (after a 401 or 404) before the row was sent.
    NotAttempted,
}

impl<R> RowOutcome<R> {
    /// Whether the row was applied.
    pub fn is_success(&self) -> bool {
        matches!(self, RowOutcome::Succeeded { .. })
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

/// Matches per-row results to the `rows` rows of one call by `RowNumber`. Called by generated
/// code. A row with no result, or with more than one, is `Unknown`.
pub(crate) fn per_row<R: RowResult + Clone>(
    endpoint: &'static str,
    results: Vec<R>,
    rows: usize,
) -> Vec<RowOutcome<R>> {
    let mut slots: Vec<Vec<R>> = (0..rows).map(|_| Vec::new()).collect();
    for result in results {
        let slot = result
            .row_number()
            .and_then(|number| usize::try_from(number).ok())
            .and_then(|number| number.checked_sub(1))
            .and_then(|index| slots.get_mut(index));
        if let Some(slot) = slot {
            slot.push(result);
        }
    }
    slots
        .into_iter()
        .enumerate()
        .map(|(index, mut found)| {
            let result = match found.len() {
                1 => found.remove(0),
                count => {
                    let detail = format!("the answer has {count} results for row {} of {rows}", index + 1);
                    return RowOutcome::Unknown(Arc::new(Error::ResultMismatch { endpoint, detail }));
                }
            };
            match result.succeeded() {
                Some(true) => RowOutcome::Succeeded {
                    id: result.id().map(str::to_owned),
                    result: Some(result),
                },
                Some(false) => RowOutcome::Refused {
                    exception_type: result.exception_type().map(ExceptionType::from),
                    message: result.message().map(str::to_owned),
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

/// Every row of a call that succeeded as a whole, for endpoints without per-row answers.
/// Called by generated code.
pub(crate) fn whole_request<R>(rows: usize) -> Vec<RowOutcome<R>> {
    (0..rows)
        .map(|_| RowOutcome::Succeeded { id: None, result: None })
        .collect()
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
    done: AtomicU64,
    succeeded: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
    unknown: AtomicU64,
    not_attempted: AtomicU64,
    requests: AtomicU64,
    throttled: AtomicU64,
}

/// A bulk job's counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct ProgressSnapshot {
    /// Rows with an outcome.
    pub rows_done: u64,
    /// Rows applied.
    pub succeeded: u64,
    /// Rows the server answered for and did not apply.
    pub refused: u64,
    /// Rows whose call failed.
    pub failed: u64,
    /// Rows that may or may not have been applied.
    pub unknown: u64,
    /// Rows not sent because the job stopped.
    pub not_attempted: u64,
    /// Calls sent, retries included.
    pub requests: u64,
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
    /// The counters now.
    pub fn snapshot(&self) -> ProgressSnapshot {
        let c = &*self.0;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ProgressSnapshot {
            rows_done: get(&c.done),
            succeeded: get(&c.succeeded),
            refused: get(&c.refused),
            failed: get(&c.failed),
            unknown: get(&c.unknown),
            not_attempted: get(&c.not_attempted),
            requests: get(&c.requests),
            throttled: get(&c.throttled),
            elapsed: c.started.elapsed(),
        }
    }

    fn count<R>(&self, outcome: &RowOutcome<R>) {
        let c = &*self.0;
        let counter = match outcome {
            RowOutcome::Succeeded { .. } => &c.succeeded,
            RowOutcome::Refused { .. } => &c.refused,
            RowOutcome::Failed(_) => &c.failed,
            RowOutcome::Unknown(_) => &c.unknown,
            RowOutcome::NotAttempted => &c.not_attempted,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        c.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// A bulk job: a stream of one [`RowReport`] per input row, in completion order.
///
/// Nothing is sent until the stream is first polled, so [`Bulk::options`] can still tune the
/// job; dropping it cancels the calls in flight (their rows' outcomes are then not known to the
/// caller). See the [module docs](self) for what is retried.
pub struct Bulk<R> {
    state: State<R>,
    progress: Progress,
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
    stopped: AtomicBool,
    progress: Progress,
}

/// What to do after a failed call.
enum Next {
    RetryAfter(Duration),
    Fail,
    Unknown,
    Stop,
}

impl Job {
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
                if more { Next::RetryAfter(slot) } else { Next::Fail }
            }
            Error::Connect { .. } if more => Next::RetryAfter(exponential()),
            Error::Unauthorized(_) | Error::NotFound(_) => Next::Stop,
            Error::ServerError(api) | Error::Rejected(api) if api.exception_type.is_some() => Next::Fail,
            error if error.processed() == crate::Processed::Never => Next::Fail,
            _ if self.retry_ambiguous && more => Next::RetryAfter(exponential()),
            _ => Next::Unknown,
        }
    }
}

impl<R: Send + 'static> Bulk<R> {
    /// A job over `rows` for `endpoint`; `send` makes one call for a batch and returns one
    /// outcome per row. Called by the generated `<name>_all` methods.
    pub(crate) fn new<T, S, F, Fut>(client: &crate::Client, endpoint: &'static Endpoint, rows: S, send: F) -> Self
    where
        T: Send + Sync + 'static,
        S: Stream<Item = T> + Send + 'static,
        F: Fn(Arc<[T]>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>> + Send + 'static,
    {
        let progress = Progress(Arc::new(Counters {
            started: Instant::now(),
            done: AtomicU64::new(0),
            succeeded: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            not_attempted: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
        }));
        let limiter = client.rate_limiter();
        let counters = progress.clone();
        let start = move |options: BulkOptions| -> Reports<R> {
            let job = Arc::new(Job {
                endpoint,
                limiter,
                retry_ambiguous: options.retry_ambiguous.unwrap_or(endpoint.idempotent),
                stopped: AtomicBool::new(false),
                progress: counters,
                options,
            });
            let batch_size = endpoint.items.and_then(|items| items.max).unwrap_or(1).max(1);
            let send = Arc::new(send);
            let concurrency = job.options.concurrency;
            let reports = rows
                .chunks(batch_size)
                .scan(0usize, |next, batch| {
                    let first = *next;
                    *next += batch.len();
                    std::future::ready(Some((first, batch)))
                })
                .map(move |(first, batch)| run_batch(Arc::clone(&job), Arc::clone(&send), first, batch))
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

async fn run_batch<T, R, F, Fut>(job: Arc<Job>, send: Arc<F>, first: usize, batch: Vec<T>) -> Vec<RowReport<R>>
where
    F: Fn(Arc<[T]>) -> Fut,
    Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>>,
{
    let count = batch.len();
    let batch: Arc<[T]> = batch.into();
    let outcomes = attempts(&job, &*send, first, batch).await;
    debug_assert_eq!(outcomes.len(), count);
    outcomes
        .into_iter()
        .enumerate()
        .map(|(offset, outcome)| {
            job.progress.count(&outcome);
            RowReport {
                index: first + offset,
                outcome,
            }
        })
        .collect()
}

async fn attempts<T, R, F, Fut>(job: &Job, send: &F, first: usize, batch: Arc<[T]>) -> Vec<RowOutcome<R>>
where
    F: Fn(Arc<[T]>) -> Fut,
    Fut: Future<Output = Result<Vec<RowOutcome<R>>, Error>>,
{
    let count = batch.len();
    let all = |make: &dyn Fn() -> RowOutcome<R>| (0..count).map(|_| make()).collect::<Vec<_>>();
    let mut attempt = 0;
    loop {
        attempt += 1;
        if job.stopped.load(Ordering::Acquire) {
            return all(&|| RowOutcome::NotAttempted);
        }
        let waited = job.limiter.acquire().await;
        if job.stopped.load(Ordering::Acquire) {
            return all(&|| RowOutcome::NotAttempted);
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
        let result = send(Arc::clone(&batch)).instrument(span.clone()).await;
        let error = match result {
            Ok(outcomes) if outcomes.len() == count => return outcomes,
            Ok(outcomes) => {
                let detail = format!("{} outcomes for {count} rows", outcomes.len());
                let error = Arc::new(Error::ResultMismatch {
                    endpoint: job.endpoint.name,
                    detail,
                });
                return all(&|| RowOutcome::Unknown(Arc::clone(&error)));
            }
            Err(error) => error,
        };
        let next = job.classify(&error, attempt);
        tracing::debug!(parent: &span, status = error.status(), error = %error, "bulk call failed");
        let error = Arc::new(error);
        match next {
            Next::RetryAfter(wait) => tokio::time::sleep(wait).await,
            Next::Fail => return all(&|| RowOutcome::Failed(Arc::clone(&error))),
            Next::Unknown => return all(&|| RowOutcome::Unknown(Arc::clone(&error))),
            Next::Stop => {
                job.stopped.store(true, Ordering::Release);
                return all(&|| RowOutcome::Failed(Arc::clone(&error)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
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

    fn kinds(outcomes: &[RowOutcome<Row>]) -> Vec<&'static str> {
        outcomes
            .iter()
            .map(|outcome| match outcome {
                RowOutcome::Succeeded { .. } => "succeeded",
                RowOutcome::Refused { .. } => "refused",
                RowOutcome::Failed(_) => "failed",
                RowOutcome::Unknown(_) => "unknown",
                RowOutcome::NotAttempted => "not attempted",
            })
            .collect()
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
        assert_eq!(kinds(&outcomes), ["refused", "succeeded", "succeeded"]);
    }

    #[test]
    fn missing_duplicate_and_out_of_range_results_leave_their_rows_unknown() {
        let results = vec![
            row(1, true),
            row(1, true),
            row(3, true),
            row(9, true),
            Row {
                number: None,
                ok: Some(true),
            },
        ];
        assert_eq!(
            kinds(&per_row("e", results, 4)),
            ["unknown", "unknown", "succeeded", "unknown"]
        );
        let silent = Row {
            number: Some(1),
            ok: None,
        };
        assert_eq!(kinds(&per_row("e", vec![silent], 1)), ["unknown"]);
    }
}
