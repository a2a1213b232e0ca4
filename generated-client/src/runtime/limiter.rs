//! The client's side of the account's rate limit, shared by every clone of a [`crate::Client`].
//!
//! A sliding-window log over the calls' *answers*, not their sends. The server counts a call
//! when it arrives, somewhere between the moment the client sent it and the moment its answer
//! came back; network jitter moves arrivals around inside that interval, so spacing the sends
//! is not enough (calls sent evenly can arrive bunched). A call therefore holds its slot from
//! its send until one window after its answer (or indefinitely while it has none). A new call
//! may start when fewer than `calls` slots are held. For any window on the server's clock, every
//! call that arrived in it was answered after the window began, so it still held its slot when
//! any later call in that window was sent: the server never counts more than `calls` arrivals
//! in any window, whatever the latency and its spread. The price is the latency itself: a slot
//! is held for `window + latency`, so with LeadSquared's 5 s window and answers in 50 to 300 ms
//! the client runs at about 95 to 99% of the ceiling.
//!
//! Unlike a token bucket (which, with a burst of 25 and a refill of 25 per 5 s, lets close to 50
//! calls into some 5-second window), no window ever holds more than `calls` starts. A small
//! margin is added to the window for the clocks' granularity.
//!
//! When the server still refuses a call for its rate (another process shares the account, or
//! the plan's limit is lower than configured), the limiter lowers its own limit by one call per
//! refusal, down to one, and raises it again by one after each full window without a refusal.
//! Hand-written rather than taken from a crate: the common rate-limit crates (`governor`,
//! `leaky-bucket`) are token buckets or GCRA, which allow the double burst described above, and
//! none frees a slot on an answer.
//!
//! Time is `tokio::time::Instant`, so tests run on a paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use super::RateLimit;

/// The default margin: 1% of the window, at least 5 ms and at most 50 ms. Slots are freed a
/// window after the answer, which already covers the network's jitter; the margin only absorbs
/// timer granularity.
pub(crate) fn default_margin(window: Duration) -> Duration {
    (window / 100).clamp(Duration::from_millis(5), Duration::from_millis(50))
}

/// A sliding-window rate limiter; see the module docs.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    margin: Duration,
    state: Mutex<State>,
    /// Woken when a call is answered, for callers waiting while every slot is in flight.
    answered: Notify,
}

#[derive(Debug)]
struct State {
    /// The slots held: calls in flight (`None`) and the answer times of recent calls.
    held: Vec<Option<Instant>>,
    /// Identifies each held slot, parallel to `held`.
    ids: Vec<u64>,
    next_id: u64,
    /// The limit in force: `limit.calls`, lowered after refusals.
    effective: usize,
    /// When the last refusal (or raise) happened; the limit is raised a window after it.
    last_change: Instant,
}

/// A slot held by one call. Report the answer with [`Permit::answered`]; dropping the permit
/// without it (a cancelled call) counts the drop as the answer.
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<RateLimiter>,
    id: u64,
    done: bool,
}

impl Permit {
    /// The call's answer (or failure) arrived now: its slot frees one window later.
    pub(crate) fn answered(mut self) {
        self.release();
    }

    fn release(&mut self) {
        if !self.done {
            self.done = true;
            self.limiter.answer(self.id, Instant::now());
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.release();
    }
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit, margin: Duration) -> Self {
        Self {
            limit,
            margin,
            state: Mutex::new(State {
                held: Vec::new(),
                ids: Vec::new(),
                next_id: 0,
                effective: limit.calls.max(1) as usize,
                last_change: Instant::now(),
            }),
            answered: Notify::new(),
        }
    }

    /// The configured limit.
    pub(crate) fn limit(&self) -> RateLimit {
        self.limit
    }

    fn window(&self) -> Duration {
        Duration::from_millis(self.limit.per_millis) + self.margin
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until a call may start and holds a slot for it; returns the permit and how long
    /// it waited.
    pub(crate) async fn acquire(self: &Arc<Self>) -> (Permit, Duration) {
        let began = Instant::now();
        loop {
            // Registered before the check, so an answer between the check and the wait wakes it.
            let answered = self.answered.notified();
            match self.try_acquire(Instant::now()) {
                Ok(id) => {
                    let permit = Permit {
                        limiter: Arc::clone(self),
                        id,
                        done: false,
                    };
                    return (permit, began.elapsed());
                }
                Err(Some(wait)) => {
                    let sleep = std::pin::pin!(tokio::time::sleep(wait));
                    let answered = std::pin::pin!(answered);
                    futures_util::future::select(sleep, answered).await;
                }
                Err(None) => answered.await,
            }
        }
    }

    /// Holds a slot for a call starting at `now`, or says how long to wait before trying again
    /// (`None`: until a call in flight is answered).
    fn try_acquire(&self, now: Instant) -> Result<u64, Option<Duration>> {
        let window = self.window();
        let mut guard = self.lock();
        let state = &mut *guard;
        let mut kept = 0;
        for i in 0..state.held.len() {
            let expired = state.held[i].is_some_and(|at| now.saturating_duration_since(at) >= window);
            if !expired {
                state.held.swap(kept, i);
                state.ids.swap(kept, i);
                kept += 1;
            }
        }
        state.held.truncate(kept);
        state.ids.truncate(kept);
        if state.effective < self.limit.calls as usize && now.saturating_duration_since(state.last_change) >= window {
            state.effective += 1;
            state.last_change = now;
        }
        if state.held.len() < state.effective {
            let id = state.next_id;
            state.next_id += 1;
            state.held.push(None);
            state.ids.push(id);
            return Ok(id);
        }
        // The slot that frees next is the one `effective` places from the latest answer; calls
        // in flight free nothing until they are answered.
        let mut answers: Vec<Instant> = state.held.iter().flatten().copied().collect();
        let excess = state.held.len() + 1 - state.effective;
        if answers.len() < excess {
            return Err(None);
        }
        answers.sort_unstable();
        let frees_at = answers[excess - 1] + window;
        Err(Some(
            frees_at.saturating_duration_since(now).max(Duration::from_millis(1)),
        ))
    }

    /// Records the answer of the call holding slot `id`.
    fn answer(&self, id: u64, at: Instant) {
        {
            let mut state = self.lock();
            if let Some(i) = state.ids.iter().position(|&held| held == id) {
                state.held[i] = Some(at);
            }
        }
        self.answered.notify_waiters();
    }

    /// The server refused a call for its rate: lower the limit in force by one (not below one).
    pub(crate) fn throttled(&self) {
        let mut state = self.lock();
        state.effective = state.effective.saturating_sub(1).max(1);
        state.last_change = Instant::now();
    }

    /// The limit in force now.
    #[cfg(test)]
    pub(crate) fn effective_calls(&self) -> usize {
        self.lock().effective
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(calls: u32, millis: u64) -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(
            RateLimit {
                calls,
                per_millis: millis,
            },
            Duration::from_millis(10),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_frees_a_window_after_its_answer_not_its_send() {
        let limiter = limiter(3, 100);
        let start = Instant::now();
        let mut permits = Vec::new();
        for _ in 0..3 {
            permits.push(limiter.acquire().await.0);
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "a burst up to the limit does not wait");
        assert_eq!(
            limiter.try_acquire(Instant::now()),
            Err(None),
            "all in flight: wait for an answer"
        );
        tokio::time::advance(Duration::from_millis(40)).await;
        permits.remove(0).answered();
        // The first call was sent at 0 and answered at 40: its slot frees at 40 + 110.
        assert_eq!(
            limiter.try_acquire(Instant::now()),
            Err(Some(Duration::from_millis(110)))
        );
        let (_fourth, waited) = limiter.acquire().await;
        assert_eq!(waited, Duration::from_millis(110));
        assert_eq!(start.elapsed(), Duration::from_millis(150));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_call_wakes_when_an_answer_arrives() {
        let limiter = limiter(1, 100);
        let (first, _) = limiter.acquire().await;
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move { limiter.acquire().await.1 })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        first.answered();
        assert_eq!(waiter.await.unwrap(), Duration::from_millis(30 + 110));
    }

    /// Calls whose latency varies from 5 to 60 ms (of a 100 ms window) are started as fast as
    /// the limiter allows; the server counts their arrivals, at a random point between send and
    /// answer. No window of the server's clock may hold more than the limit.
    #[tokio::test(start_paused = true)]
    async fn arrivals_never_exceed_the_limit_under_jitter() {
        let limiter = limiter(5, 100);
        let arrivals = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut calls = Vec::new();
        for _ in 0..200 {
            let (permit, _) = limiter.acquire().await;
            let latency = Duration::from_millis(5 + next() % 56);
            let arrival = latency.mul_f64((next() % 1000) as f64 / 1000.0);
            let arrivals = Arc::clone(&arrivals);
            calls.push(tokio::spawn(async move {
                tokio::time::sleep(arrival).await;
                arrivals.lock().unwrap().push(Instant::now());
                tokio::time::sleep(latency - arrival).await;
                permit.answered();
            }));
        }
        for call in calls {
            call.await.unwrap();
        }
        let mut arrivals = arrivals.lock().unwrap().clone();
        arrivals.sort();
        for (i, &at) in arrivals.iter().enumerate() {
            let in_window = arrivals[i..]
                .iter()
                .take_while(|&&later| later - at < Duration::from_millis(100))
                .count();
            assert!(in_window <= 5, "{in_window} arrivals within 100 ms of arrival {i}");
        }
        // 200 calls at 5 per (100 ms window + 10 ms margin + up to 60 ms latency).
        let elapsed = start.elapsed();
        assert!(elapsed < Duration::from_millis(200 / 5 * 170), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn refusals_lower_the_limit_and_quiet_windows_raise_it_again() {
        let limiter = limiter(4, 100);
        limiter.throttled();
        limiter.throttled();
        assert_eq!(limiter.effective_calls(), 2);
        for _ in 0..10 {
            limiter.throttled();
        }
        assert_eq!(limiter.effective_calls(), 1, "never below one");
        tokio::time::advance(Duration::from_millis(120)).await;
        let (permit, _) = limiter.acquire().await;
        drop(permit);
        assert_eq!(limiter.effective_calls(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_permit_counts_as_answered() {
        let limiter = limiter(1, 100);
        let (permit, _) = limiter.acquire().await;
        tokio::time::advance(Duration::from_millis(20)).await;
        drop(permit);
        assert_eq!(
            limiter.try_acquire(Instant::now()),
            Err(Some(Duration::from_millis(110)))
        );
    }
}
