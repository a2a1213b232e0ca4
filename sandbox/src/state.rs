//! The sandbox's state: keys, rate limiter, lead and opportunity store, faults and request log.
//!
//! One mutex guards it all; it is never held across an `.await`, and every critical section is a
//! few map operations, so contention is not a concern at the rates the API allows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use leadsquared::Credentials;

use crate::schema::{RateLimit, Schema};
use crate::{Fault, Lead, Opportunity, RecordedRequest, SandboxBuilder, SandboxError};

pub(super) struct Shared {
    pub(super) started: Instant,
    pub(super) schema: &'static Schema,
    /// Whether to keep counts rather than contents (see `SandboxBuilder::lean`).
    pub(super) lean: bool,
    access_key: String,
    secret_key: String,
    inner: Mutex<Inner>,
}

struct Inner {
    limiter: Limiter,
    latency: Duration,
    unique_fields: Vec<String>,
    mandatory_fields: Vec<String>,
    leads: Vec<Lead>,
    /// (unique field, normalised value) → index into `leads`.
    index: HashMap<(String, String), usize>,
    opportunities: Vec<Opportunity>,
    faults: VecDeque<(Fault, usize)>,
    log: Vec<RecordedRequest>,
    next_lead: u64,
}

/// A sliding-window log: admits a call when fewer than `calls` were admitted in the `per`
/// before it, so no window of that length ever holds more than `calls` admitted calls. (A token
/// bucket would allow up to twice the limit in some windows.)
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
        if self.admitted.len() < limit.calls as usize {
            self.admitted.push_back(now);
            true
        } else {
            false
        }
    }
}

/// Unique values compare without regard to case and surrounding spaces, as LeadSquared's
/// database collation does for email addresses.
fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The outcome of looking up a lead for a row.
pub(super) enum LeadLookup {
    Found(String),
    NoSuchField,
    NotFound,
}

impl Shared {
    /// The state a sandbox starts with: its keys and settings, no leads yet.
    pub(super) fn new(config: &SandboxBuilder) -> Self {
        Self {
            started: Instant::now(),
            schema: config.schema,
            lean: config.lean,
            access_key: config.access_key.clone(),
            secret_key: config.secret_key.clone(),
            inner: Mutex::new(Inner {
                limiter: Limiter {
                    limit: config.rate_limit,
                    admitted: VecDeque::new(),
                },
                latency: config.latency,
                unique_fields: config.unique_fields.clone(),
                mandatory_fields: config.mandatory_fields.clone(),
                leads: Vec::new(),
                index: HashMap::new(),
                opportunities: Vec::new(),
                faults: VecDeque::new(),
                log: Vec::new(),
                next_lead: 1,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is one push or
        // insert), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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

    pub(super) fn add_lead(&self, mut lead: Lead) -> Result<String, SandboxError> {
        let mut inner = self.lock();
        let keys: Vec<(String, String)> = inner
            .unique_fields
            .iter()
            .filter_map(|field| lead.field(field).map(|value| (field.clone(), normalise(value))))
            .filter(|(_, value)| !value.is_empty())
            .collect();
        if let Some(id) = lead
            .id
            .as_deref()
            .filter(|id| inner.leads.iter().any(|other| other.id.as_deref() == Some(*id)))
        {
            return Err(SandboxError::DuplicateLead {
                field: "ProspectID".into(),
                value: id.to_string(),
            });
        }
        if let Some((field, _)) = keys.iter().find(|key| inner.index.contains_key(key)) {
            let value = lead.field(field).unwrap_or_default().to_string();
            return Err(SandboxError::DuplicateLead {
                field: field.clone(),
                value,
            });
        }
        let id = match lead.id.clone() {
            Some(id) => id,
            None => {
                let id = format!("00000000-0000-4000-b000-{:012x}", inner.next_lead);
                inner.next_lead += 1;
                id
            }
        };
        lead.id = Some(id.clone());
        let position = inner.leads.len();
        inner.leads.push(lead);
        for key in keys {
            inner.index.insert(key, position);
        }
        Ok(id)
    }

    pub(super) fn leads(&self) -> Vec<Lead> {
        self.lock().leads.clone()
    }

    pub(super) fn find_lead(&self, field: &str, value: &str) -> LeadLookup {
        let inner = self.lock();
        let Some(field) = inner.unique_fields.iter().find(|f| f.eq_ignore_ascii_case(field)) else {
            return LeadLookup::NoSuchField;
        };
        match inner.index.get(&(field.clone(), normalise(value))) {
            Some(&position) => LeadLookup::Found(inner.leads[position].id.clone().unwrap_or_default()),
            None => LeadLookup::NotFound,
        }
    }

    pub(super) fn is_unique_field(&self, field: &str) -> bool {
        self.lock().unique_fields.iter().any(|f| f.eq_ignore_ascii_case(field))
    }

    pub(super) fn mandatory_fields(&self) -> Vec<String> {
        self.lock().mandatory_fields.clone()
    }

    /// Stores an opportunity and returns its fresh id.
    pub(super) fn create_opportunity(
        &self,
        lead_id: String,
        event_code: i64,
        row: serde_json::Value,
        request_seq: u64,
        row_number: usize,
    ) -> String {
        let mut inner = self.lock();
        let id = format!("00000000-0000-4000-a000-{:012x}", inner.opportunities.len() + 1);
        let row = if self.lean { serde_json::Value::Null } else { row };
        inner.opportunities.push(Opportunity {
            id: id.clone(),
            lead_id,
            event_code,
            row,
            request_seq,
            row_number,
        });
        id
    }

    pub(super) fn opportunities(&self) -> Vec<Opportunity> {
        self.lock().opportunities.clone()
    }

    /// Counts a call if the rate limit allows it now; the time it was counted at, or `None`.
    /// The clock is read under the lock, so the limiter's log is in time order.
    pub(super) fn admit(&self) -> Option<Instant> {
        let mut inner = self.lock();
        let now = Instant::now();
        inner.limiter.admit(now).then_some(now)
    }

    pub(super) fn rate_limit(&self) -> Option<RateLimit> {
        self.lock().limiter.limit
    }

    pub(super) fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.lock().limiter.limit = limit;
    }

    pub(super) fn latency(&self) -> Duration {
        self.lock().latency
    }

    pub(super) fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    pub(super) fn inject(&self, fault: Fault, times: usize) {
        if times > 0 {
            self.lock().faults.push_back((fault, times));
        }
    }

    pub(super) fn clear_faults(&self) {
        self.lock().faults.clear();
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
    pub(super) fn record(&self, mut request: RecordedRequest) -> u64 {
        let mut inner = self.lock();
        request.seq = inner.log.len() as u64;
        inner.log.push(request);
        inner.log.len() as u64 - 1
    }

    /// Updates the logged call `seq`.
    pub(super) fn update(&self, seq: u64, change: impl FnOnce(&mut RecordedRequest)) {
        if let Some(request) = self.lock().log.get_mut(seq as usize) {
            change(request);
        }
    }

    pub(super) fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().log.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn unique_values_are_found_without_regard_to_case_and_duplicates_are_refused() {
        let shared = Shared::new(
            &SandboxBuilder::default()
                .no_rate_limit()
                .mandatory_fields(Vec::<String>::new()),
        );
        let id = shared.add_lead(Lead::new().with_email("Ana@Example.com")).unwrap();
        assert!(
            matches!(shared.find_lead("EmailAddress", " ana@example.COM"), LeadLookup::Found(found) if found == id)
        );
        assert!(matches!(
            shared.find_lead("EmailAddress", "bob@example.com"),
            LeadLookup::NotFound
        ));
        assert!(matches!(shared.find_lead("mx_Code", "x"), LeadLookup::NoSuchField));
        let duplicate = shared.add_lead(Lead::new().with_email("ana@example.com")).unwrap_err();
        assert!(matches!(duplicate, SandboxError::DuplicateLead { field, .. } if field == "EmailAddress"));
        let same_id = shared
            .add_lead(Lead::new().with_id(id).with_email("other@example.com"))
            .unwrap_err();
        assert!(matches!(same_id, SandboxError::DuplicateLead { field, .. } if field == "ProspectID"));
    }
}
