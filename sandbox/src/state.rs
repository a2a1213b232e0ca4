//! The sandbox's state: keys, rate limiters (one per rate-limit class), the record store
//! (`store.rs`), faults and request log.
//!
//! One mutex guards it all; it is never held across an `.await`, and every critical section is a
//! few map operations (or, for `GET /_sandbox/...`, one pass writing JSON), so contention is not
//! a concern at the rates the API allows.
//!
//! Everything that grows with the number of calls is bounded: the request log is a ring of
//! [`SandboxBuilder::request_log`] entries, request bodies are kept only with
//! [`SandboxBuilder::keep_bodies`] and never for refused calls, the record store holds at most
//! [`SandboxBuilder::max_records`] records of each kind and [`SandboxBuilder::max_store_bytes`]
//! bytes of them, and a [lean](SandboxBuilder::lean) sandbox counts created opportunities
//! instead of keeping them.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use leadsquared::Credentials;

use crate::schema::{RateLimit, Schema};
use crate::store::{Store, StoreLimits, UnknownSearchBy};
use crate::{
    Activity, CallHook, Fault, Lead, Opportunity, RateLimitRefusal, RecordedRequest, SandboxBuilder, SandboxError,
    Summary, Task,
};

/// The settings that can change while the sandbox runs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Settings {
    pub(super) latency: Duration,
    /// A network between client and sandbox whose delay varies per call, from the first to
    /// the second bound: a random part of it before the call arrives (so arrivals bunch as on
    /// a real network), the rest before the answer leaves.
    pub(super) jitter: Option<(Duration, Duration)>,
    /// The plan whose figures the classes' limits were last set from, if any (a position in
    /// the schema's plans).
    pub(super) plan: Option<usize>,
    /// Each rate-limit class's limit (`None`: not limited), by position in the schema's
    /// classes.
    pub(super) rate_limits: Vec<Option<RateLimit>>,
    pub(super) rate_limit_refusal: RateLimitRefusal,
    pub(super) search_by_ignore_case: bool,
}

pub(super) struct Shared {
    pub(super) started: Instant,
    pub(super) schema: &'static Schema,
    /// Whether to keep the bodies of processed calls in the log (`SandboxBuilder::keep_bodies`).
    pub(super) keep_bodies: bool,
    /// The most connections served at once.
    pub(super) max_connections: usize,
    /// The longest a client may take to send a request's head, and then its body.
    pub(super) read_timeout: Duration,
    /// Called with every finished call.
    pub(super) on_call: Option<CallHook>,
    access_key: String,
    secret_key: String,
    /// The state right after start, which `reset` goes back to.
    initial: Inner,
    inner: Mutex<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// One per rate-limit class, by position in the schema's classes: each counts its own
    /// windows.
    limiters: Vec<Limiter>,
    plan: Option<usize>,
    latency: Duration,
    jitter: Option<(Duration, Duration)>,
    refusal: RateLimitRefusal,
    search_by_ignore_case: bool,
    /// The leads, opportunities, activities and tasks.
    store: Store,
    faults: VecDeque<(Fault, usize)>,
    log: RequestLog,
    /// How many calls took effect.
    processed: u64,
}

/// The most recent calls, in arrival order: a ring of at most `capacity` entries. Sequence
/// numbers keep counting when old entries are dropped.
#[derive(Clone)]
struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    capacity: usize,
    next_seq: u64,
}

impl RequestLog {
    fn new(capacity: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            capacity,
            next_seq: 0,
        }
    }

    fn push(&mut self, mut request: RecordedRequest) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.capacity == 0 {
            return seq;
        }
        if self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        request.seq = seq;
        self.entries.push_back(request);
        seq
    }

    fn get_mut(&mut self, seq: u64) -> Option<&mut RecordedRequest> {
        let first = self.entries.front()?.seq;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.entries.get_mut(index)
    }

    /// The entries from `since` on (by sequence number).
    fn since(&self, since: u64) -> impl Iterator<Item = &RecordedRequest> {
        let skip = self.entries.front().map_or(0, |first| {
            usize::try_from(since.saturating_sub(first.seq)).unwrap_or(usize::MAX)
        });
        self.entries.iter().skip(skip)
    }
}

/// A sliding-window log: admits a call when fewer than `calls` were admitted in the `per`
/// before it, so no window of that length ever holds more than `calls` admitted calls. (A token
/// bucket would allow up to twice the limit in some windows.)
#[derive(Clone)]
struct Limiter {
    limit: Option<RateLimit>,
    admitted: VecDeque<Instant>,
}

impl Limiter {
    fn admit(&mut self, now: Instant) -> bool {
        let Some(limit) = self.limit else { return true };
        let window = Duration::from_millis(limit.per_millis);
        while self
            .admitted
            .front()
            .is_some_and(|&at| now.duration_since(at) >= window)
        {
            self.admitted.pop_front();
        }
        // A lowered limit leaves older entries beyond it; they leave the window in time.
        if self.admitted.len() < limit.calls as usize {
            self.admitted.push_back(now);
            true
        } else {
            false
        }
    }
}

impl Inner {
    fn settings(&self) -> Settings {
        Settings {
            latency: self.latency,
            jitter: self.jitter,
            plan: self.plan,
            rate_limits: self.limiters.iter().map(|limiter| limiter.limit).collect(),
            rate_limit_refusal: self.refusal,
            search_by_ignore_case: self.search_by_ignore_case,
        }
    }
}

impl Shared {
    /// The state a sandbox starts with: its keys, settings and leads.
    pub(super) fn new(config: &SandboxBuilder) -> Result<Self, SandboxError> {
        let (plan, limits) = config.rate_limits()?;
        let mut initial = Inner {
            limiters: limits
                .into_iter()
                .map(|limit| Limiter {
                    limit,
                    admitted: VecDeque::new(),
                })
                .collect(),
            plan,
            latency: config.latency,
            jitter: config.jitter,
            refusal: config.rate_limit_refusal,
            search_by_ignore_case: config.search_by_ignore_case,
            store: Store::new(
                config.unique_fields.clone(),
                config.mandatory_fields.clone(),
                config.lean,
                StoreLimits {
                    records: config.max_records,
                    bytes: config.max_store_bytes,
                },
            ),
            faults: VecDeque::new(),
            log: RequestLog::new(config.request_log),
            processed: 0,
        };
        initial.store.add_leads(config.leads.clone())?;
        if config.documented_records {
            crate::behaviour::seed_documented_records(&mut initial.store, config.schema);
        }
        Ok(Self {
            started: Instant::now(),
            schema: config.schema,
            keep_bodies: config.keep_bodies,
            max_connections: config.max_connections.max(1),
            read_timeout: config.read_timeout,
            on_call: config.on_call.clone(),
            access_key: config.access_key.clone(),
            secret_key: config.secret_key.clone(),
            inner: Mutex::new(initial.clone()),
            initial,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is one push or
        // insert), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Back to the state right after start: the records and settings it started with, no
    /// faults or logged calls, an empty rate-limit window.
    pub(super) fn reset(&self) {
        *self.lock() = self.initial.clone();
    }

    pub(super) fn credentials(&self) -> Credentials {
        Credentials::new(self.access_key.clone(), self.secret_key.clone())
    }

    pub(super) fn keys_match(&self, access_key: &str, secret_key: &str) -> bool {
        access_key == self.access_key && secret_key == self.secret_key
    }

    pub(super) fn is_secret(&self, value: &str) -> bool {
        value == self.access_key || value == self.secret_key
    }

    /// Stores `leads` (all or none) and returns their ids.
    pub(super) fn add_leads(&self, leads: Vec<Lead>) -> Result<Vec<String>, SandboxError> {
        Ok(self.lock().store.add_leads(leads)?)
    }

    /// Runs `f` on the store, with whether `SearchBy` may name a unique field in another case
    /// (`SandboxBuilder::search_by_ignore_case`): one critical section, so that what `f` reads
    /// and changes is consistent.
    pub(super) fn with_store<T>(&self, f: impl FnOnce(&mut Store, bool) -> T) -> T {
        let mut inner = self.lock();
        let ignore_case = inner.search_by_ignore_case;
        f(&mut inner.store, ignore_case)
    }

    pub(super) fn leads(&self) -> Vec<Lead> {
        self.lock().store.leads().cloned().collect()
    }

    /// Runs `f` on the leads, in creation order, without copying them.
    pub(super) fn with_leads<T>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &Lead>) -> T) -> T {
        f(&mut self.lock().store.leads())
    }

    /// Whether `search_by` names a unique field (see `SandboxBuilder::search_by_ignore_case`).
    pub(super) fn check_search_by(&self, search_by: &str) -> Result<(), UnknownSearchBy> {
        self.with_store(|store, ignore_case| store.search_field(search_by, ignore_case).map(|_| ()))
    }

    pub(super) fn opportunities(&self) -> Vec<Opportunity> {
        self.lock().store.opportunities().cloned().collect()
    }

    /// Runs `f` on the opportunities, in creation order, without copying them.
    pub(super) fn with_opportunities<T>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &Opportunity>) -> T) -> T {
        f(&mut self.lock().store.opportunities())
    }

    pub(super) fn activities(&self) -> Vec<Activity> {
        self.lock().store.activities().cloned().collect()
    }

    pub(super) fn tasks(&self) -> Vec<Task> {
        self.lock().store.tasks().cloned().collect()
    }

    /// Counts a call of the rate-limit class `class` if its limit allows it now: the time it
    /// was counted at, or the limit that refused it. The clock is read under the lock, so each
    /// limiter's log is in time order. A class the schema does not have is not limited.
    pub(super) fn admit(&self, class: usize) -> Result<Instant, RateLimit> {
        let mut inner = self.lock();
        let now = Instant::now();
        match inner.limiters.get_mut(class) {
            Some(limiter) => match (limiter.admit(now), limiter.limit) {
                (false, Some(limit)) => Err(limit),
                _ => Ok(now),
            },
            None => Ok(now),
        }
    }

    /// The limit of the rate-limit class `class` now, if it is limited.
    pub(super) fn rate_limit(&self, class: usize) -> Option<RateLimit> {
        self.lock().limiters.get(class).and_then(|limiter| limiter.limit)
    }

    /// The wait before every answer.
    pub(super) fn latency(&self) -> Duration {
        self.lock().latency
    }

    /// The jittered network's bounds, if any.
    pub(super) fn jitter(&self) -> Option<(Duration, Duration)> {
        self.lock().jitter
    }

    /// How a call past the rate limit is answered.
    pub(super) fn refusal(&self) -> RateLimitRefusal {
        self.lock().refusal
    }

    pub(super) fn settings(&self) -> Settings {
        self.lock().settings()
    }

    /// Changes what `change` changes of the settings.
    pub(super) fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        let _ = self.try_update_settings(|settings| {
            change(settings);
            Ok(())
        });
    }

    /// Changes what `change` changes of the settings, unless it fails: then nothing changes.
    pub(super) fn try_update_settings(
        &self,
        change: impl FnOnce(&mut Settings) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut inner = self.lock();
        let mut settings = inner.settings();
        change(&mut settings)?;
        inner.latency = settings.latency;
        inner.jitter = settings.jitter;
        inner.plan = settings.plan;
        // A lowered limit leaves older entries beyond it; they leave the window in time.
        for (limiter, limit) in inner.limiters.iter_mut().zip(settings.rate_limits) {
            limiter.limit = limit;
        }
        inner.refusal = settings.rate_limit_refusal;
        inner.search_by_ignore_case = settings.search_by_ignore_case;
        Ok(())
    }

    pub(super) fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            self.lock().faults.push_back((fault, times));
        }
    }

    pub(super) fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// The faults not yet applied, with how many calls each has left.
    pub(super) fn faults(&self) -> Vec<(Fault, usize)> {
        self.lock().faults.iter().cloned().collect()
    }

    /// The fault for the call being handled, used up by one.
    pub(super) fn next_fault(&self) -> Option<Fault> {
        let mut inner = self.lock();
        let (fault, remaining) = inner.faults.front_mut()?;
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            inner.faults.pop_front();
        }
        Some(fault)
    }

    /// Logs a new call and returns its sequence number.
    pub(super) fn record(&self, request: RecordedRequest) -> u64 {
        self.lock().log.push(request)
    }

    /// Updates the logged call `seq`, if it is still in the log.
    pub(super) fn update(&self, seq: u64, change: impl FnOnce(&mut RecordedRequest)) {
        if let Some(request) = self.lock().log.get_mut(seq) {
            change(request);
        }
    }

    /// Records the end of call `seq`: `change` applies to the logged call, and `processed`
    /// counts it.
    pub(super) fn finish(&self, seq: u64, processed: bool, change: impl FnOnce(&mut RecordedRequest)) {
        let mut inner = self.lock();
        inner.processed += u64::from(processed);
        if let Some(request) = inner.log.get_mut(seq) {
            change(request);
        }
    }

    pub(super) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.entries.iter().cloned().collect()
    }

    /// Runs `f` on the logged calls from sequence number `since` on, without copying them.
    pub(super) fn with_requests<T>(
        &self,
        since: u64,
        f: impl FnOnce(&mut dyn Iterator<Item = &RecordedRequest>) -> T,
    ) -> T {
        let inner = self.lock();
        f(&mut inner.log.since(since))
    }

    /// Counts of what happened so far.
    pub(super) fn summary(&self) -> Summary {
        let inner = self.lock();
        let (leads, _, activities, tasks, created) = inner.store.counts();
        Summary {
            requests: inner.log.next_seq,
            logged_requests: inner.log.entries.len(),
            processed: inner.processed,
            opportunities: created,
            leads,
            activities,
            tasks,
            pending_faults: inner.faults.iter().map(|(_, times)| *times).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> RecordedRequest {
        RecordedRequest {
            seq: 0,
            at: Duration::ZERO,
            method: "POST".into(),
            path: "/".into(),
            query: Vec::new(),
            endpoint: None,
            body: None,
            row_count: None,
            status: None,
            dropped: false,
            processed: false,
            admitted: false,
            admitted_at: None,
            fault: None,
        }
    }

    #[test]
    fn the_limiter_never_admits_more_than_the_limit_in_any_window() {
        let mut limiter = Limiter {
            limit: Some(RateLimit {
                calls: 3,
                per_millis: 100,
            }),
            admitted: VecDeque::new(),
        };
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        // A burst takes the whole window; the fourth call must wait until the first call is
        // 100 ms old, not until a refill tick.
        let admitted: Vec<bool> = [0, 1, 2, 3, 99, 100, 101, 102, 103]
            .iter()
            .map(|&ms| limiter.admit(at(ms)))
            .collect();
        assert_eq!(admitted, [true, true, true, false, false, true, true, true, false]);
    }

    #[test]
    fn the_request_log_keeps_the_most_recent_calls_and_counts_on() {
        let mut log = RequestLog::new(3);
        let seqs: Vec<u64> = (0..5).map(|_| log.push(request())).collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4]);
        let kept: Vec<u64> = log.entries.iter().map(|r| r.seq).collect();
        assert_eq!(kept, [2, 3, 4]);
        assert!(log.get_mut(1).is_none(), "dropped from the ring");
        assert_eq!(log.get_mut(3).map(|r| r.seq), Some(3));
        assert!(log.get_mut(5).is_none(), "not yet received");
        let since: Vec<u64> = log.since(3).map(|r| r.seq).collect();
        assert_eq!(since, [3, 4]);
        assert_eq!(log.since(0).count(), 3);
        assert_eq!(log.since(9).count(), 0);

        let mut none = RequestLog::new(0);
        assert_eq!((none.push(request()), none.push(request())), (0, 1));
        assert!(none.entries.is_empty());
    }

    #[test]
    fn unique_values_are_found_without_regard_to_case_and_duplicates_are_refused() {
        let shared = Shared::new(
            &SandboxBuilder::default()
                .no_rate_limit()
                .mandatory_fields(Vec::<String>::new()),
        )
        .unwrap();
        let id = shared
            .add_leads(vec![Lead::new().with_email("Ana@Example.com")])
            .unwrap()
            .remove(0);
        let found = |field: &str, value: &str| {
            shared.with_store(|store, _| store.find_lead(field, value).and_then(Lead::id).map(String::from))
        };
        assert_eq!(found("EmailAddress", " ana@example.COM"), Some(id.clone()));
        assert_eq!(found("EmailAddress", "bob@example.com"), None);
        let duplicate = shared
            .add_leads(vec![Lead::new().with_email("ana@example.com")])
            .unwrap_err();
        assert!(matches!(duplicate, SandboxError::DuplicateLead { field, .. } if field == "EmailAddress"));
        let same_id = shared
            .add_leads(vec![Lead::new().with_id(id).with_email("other@example.com")])
            .unwrap_err();
        assert!(matches!(same_id, SandboxError::DuplicateLead { field, .. } if field == "ProspectID"));
    }

    #[test]
    fn a_lead_list_is_stored_whole_or_not_at_all() {
        let shared = Shared::new(&SandboxBuilder::default()).unwrap();
        let twice = vec![
            Lead::new().with_email("a@example.com"),
            Lead::new().with_email("b@example.com"),
            Lead::new().with_phone("+91-1").with_email("A@example.com"),
        ];
        let error = shared.add_leads(twice).unwrap_err();
        assert!(matches!(error, SandboxError::DuplicateLead { field, .. } if field == "EmailAddress"));
        assert!(shared.leads().is_empty(), "nothing stored");
        let ids = shared
            .add_leads(vec![Lead::new().with_email("a@example.com"), Lead::new().with_id("x")])
            .unwrap();
        assert_eq!(ids, ["00000000-0000-4000-b000-000000000001", "x"]);
    }

    #[test]
    fn search_by_names_a_unique_field_in_its_exact_case_unless_told_otherwise() {
        let strict = Shared::new(&SandboxBuilder::default()).unwrap();
        assert!(strict.check_search_by("EmailAddress").is_ok());
        let wrong_case = strict.check_search_by("emailaddress").unwrap_err();
        assert_eq!(wrong_case.did_you_mean.as_deref(), Some("EmailAddress"));
        assert!(strict.check_search_by("mx_Nope").unwrap_err().did_you_mean.is_none());
        let lenient = Shared::new(&SandboxBuilder::default().search_by_ignore_case(true)).unwrap();
        assert!(lenient.check_search_by("emailaddress").is_ok());
    }
}
