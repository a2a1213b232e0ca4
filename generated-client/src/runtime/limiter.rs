//! The client's side of the account's rate limit, shared by every clone of a [`crate::Client`].
//!
//! A sliding-window log: a call may start when fewer than `calls` calls started in the last
//! `window + margin`. Unlike a token bucket (which, with a burst of 25 and a refill of 25 per 5 s,
//! lets close to 50 calls into some 5-second window), no window of that length ever holds more
//! than `calls` starts. The margin absorbs the jitter between the moment the client starts a
//! call and the moment the server counts it, so the server, too, never sees more than `calls`
//! in any `window`.
//!
//! When the server still refuses a call for its rate (another process shares the account, or
//! the plan's limit is lower than configured), the limiter lowers its own limit by one call per
//! refusal, down to one, and raises it again by one after each full window without a refusal.
//! Hand-written rather than taken from a crate: the common rate-limit crates (`governor`,
//! `leaky-bucket`) are token buckets or GCRA, which allow the double burst described above.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::RateLimit;

/// The default margin: 3% of the window, at least 20 ms (a busy machine can stall a call's
/// arrival that long) and at most 250 ms.
pub(crate) fn default_margin(window: Duration) -> Duration {
    (window * 3 / 100).clamp(Duration::from_millis(20), Duration::from_millis(250))
}

/// A sliding-window rate limiter; see the module docs.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    margin: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Start times of the calls in the current window, oldest first.
    started: VecDeque<Instant>,
    /// The limit in force: `limit.calls`, lowered after refusals.
    effective: usize,
    /// When the last refusal (or raise) happened; the limit is raised a window after it.
    last_change: Instant,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit, margin: Duration) -> Self {
        Self {
            limit,
            margin,
            state: Mutex::new(State {
                started: VecDeque::new(),
                effective: limit.calls.max(1) as usize,
                last_change: Instant::now(),
            }),
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

    /// Waits until a call may start and counts it; returns how long it waited.
    pub(crate) async fn acquire(&self) -> Duration {
        let began = Instant::now();
        loop {
            match self.try_acquire(Instant::now()) {
                Ok(()) => return began.elapsed(),
                Err(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Counts a call starting at `now`, or says how long to wait before trying again.
    fn try_acquire(&self, now: Instant) -> Result<(), Duration> {
        let window = self.window();
        let mut state = self.lock();
        while state
            .started
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= window)
        {
            state.started.pop_front();
        }
        if state.effective < self.limit.calls as usize && now.saturating_duration_since(state.last_change) >= window {
            state.effective += 1;
            state.last_change = now;
        }
        if state.started.len() < state.effective {
            state.started.push_back(now);
            return Ok(());
        }
        // The call that frees a slot is the one `effective` places from the end.
        let index = state.started.len() - state.effective;
        let frees_at = state.started[index] + window;
        Err(frees_at.saturating_duration_since(now).max(Duration::from_millis(1)))
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

    fn limiter(calls: u32, millis: u64) -> RateLimiter {
        RateLimiter::new(
            RateLimit {
                calls,
                per_millis: millis,
            },
            Duration::from_millis(10),
        )
    }

    #[test]
    fn a_burst_fills_the_window_and_the_next_call_waits_for_the_oldest_plus_the_margin() {
        let limiter = limiter(3, 100);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.try_acquire(start), Ok(()));
        }
        assert_eq!(limiter.try_acquire(start), Err(Duration::from_millis(110)));
        assert_eq!(
            limiter.try_acquire(start + Duration::from_millis(109)),
            Err(Duration::from_millis(1))
        );
        assert_eq!(limiter.try_acquire(start + Duration::from_millis(110)), Ok(()));
    }

    #[test]
    fn no_window_ever_holds_more_than_the_limit() {
        // Calls try to start every 7 ms for 2 s; check every window of 100 ms.
        let limiter = limiter(5, 100);
        let start = Instant::now();
        let mut started = Vec::new();
        for step in 0..300u64 {
            let now = start + Duration::from_millis(step * 7);
            if limiter.try_acquire(now).is_ok() {
                started.push(now);
            }
        }
        for (i, &at) in started.iter().enumerate() {
            let in_window = started[i..]
                .iter()
                .take_while(|&&later| later - at < Duration::from_millis(100))
                .count();
            assert!(in_window <= 5, "{in_window} calls within 100 ms of {i}");
        }
        assert!(
            started.len() >= 5 * 2000 / 110 - 5,
            "the limiter should not be much slower than the limit: {}",
            started.len()
        );
    }

    #[test]
    fn refusals_lower_the_limit_and_quiet_windows_raise_it_again() {
        let limiter = limiter(4, 100);
        limiter.throttled();
        limiter.throttled();
        assert_eq!(limiter.effective_calls(), 2);
        for _ in 0..10 {
            limiter.throttled();
        }
        assert_eq!(limiter.effective_calls(), 1, "never below one");
        let later = Instant::now() + Duration::from_millis(120);
        assert_eq!(limiter.try_acquire(later), Ok(()));
        assert_eq!(limiter.effective_calls(), 2);
    }
}
