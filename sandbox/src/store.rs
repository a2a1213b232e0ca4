//! The records a sandbox holds: leads, opportunities, activities and tasks, with the indexes
//! the endpoints find them by, within fixed limits.
//!
//! Each kind is kept in creation order and by id. Leads are also indexed by the normalised
//! values of their unique fields. Every record counts against [`StoreLimits`]: at most
//! `records` of each kind and `bytes` for all of them together (measured as the length of their
//! JSON), so that no client can grow the sandbox's memory without bound. A lean store counts
//! created opportunities instead of keeping them.
//!
//! The store knows nothing of HTTP or of the wire schema: the behaviour modules read requests
//! and write answers, and call these methods under the sandbox's one lock.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::{Activity, Lead, Opportunity, SandboxError, Task};

/// The most records of each kind, and the most bytes of record data in all, a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoreLimits {
    /// Records of each kind (leads, opportunities, activities, tasks).
    pub(crate) records: usize,
    /// Bytes of record data, measured as JSON text, over every kind.
    pub(crate) bytes: usize,
}

/// A kind of record, for limits and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Lead,
    Opportunity,
    Activity,
    Task,
}

impl Kind {
    pub(crate) fn plural(self) -> &'static str {
        match self {
            Kind::Lead => "leads",
            Kind::Opportunity => "opportunities",
            Kind::Activity => "activities",
            Kind::Task => "tasks",
        }
    }
}

/// Why the store refused a change; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// Another lead already has this value of a unique field.
    Duplicate { field: String, value: String },
    /// The store holds as many records (or bytes) as it may.
    Full { kind: Kind, limits: StoreLimits },
}

impl StoreError {
    pub(crate) fn message(&self) -> String {
        match self {
            StoreError::Duplicate { field, value } => {
                format!("A lead with {field} = '{value}' already exists; {field} is a unique field")
            }
            StoreError::Full { kind, limits } => format!(
                "The sandbox holds at most {} {} and {} bytes of records; this one would exceed that. \
                 Reset the sandbox, delete records, or start it with a higher limit (SandboxBuilder::max_records)",
                limits.records,
                kind.plural(),
                limits.bytes
            ),
        }
    }
}

impl From<StoreError> for SandboxError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Duplicate { field, value } => SandboxError::DuplicateLead { field, value },
            StoreError::Full { .. } => SandboxError::StoreFull(error.message()),
        }
    }
}

/// Records of one kind, in creation order and by id.
#[derive(Clone)]
struct Records<T> {
    by_seq: BTreeMap<u64, (T, usize)>,
    seq_of: HashMap<String, u64>,
}

impl<T> Default for Records<T> {
    fn default() -> Self {
        Self {
            by_seq: BTreeMap::new(),
            seq_of: HashMap::new(),
        }
    }
}

impl<T> Records<T> {
    fn len(&self) -> usize {
        self.by_seq.len()
    }

    fn contains(&self, id: &str) -> bool {
        self.seq_of.contains_key(id)
    }

    fn get(&self, id: &str) -> Option<&T> {
        let seq = self.seq_of.get(id)?;
        self.by_seq.get(seq).map(|(record, _)| record)
    }

    /// The record `id` and its counted size.
    fn get_mut(&mut self, id: &str) -> Option<&mut (T, usize)> {
        let seq = self.seq_of.get(id)?;
        self.by_seq.get_mut(seq)
    }

    fn insert(&mut self, seq: u64, id: String, record: T, size: usize) {
        self.seq_of.insert(id, seq);
        self.by_seq.insert(seq, (record, size));
    }

    /// Removes `id`; the record and its counted size.
    fn remove(&mut self, id: &str) -> Option<(T, usize)> {
        let seq = self.seq_of.remove(id)?;
        self.by_seq.remove(&seq)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.by_seq.values().map(|(record, _)| record)
    }

    /// The ids of the records that `matches`.
    fn ids_where(&self, mut matches: impl FnMut(&T) -> bool, id: impl Fn(&T) -> &str) -> Vec<String> {
        self.iter()
            .filter(|record| matches(record))
            .map(|record| id(record).to_string())
            .collect()
    }
}

/// Unique values compare without regard to case and surrounding spaces, as LeadSquared's
/// database collation does for email addresses.
pub(crate) fn normalise(value: &str) -> String {
    value.trim().to_lowercase()
}

/// Why `SearchBy` names no unique field: the field it may have meant (a case mismatch).
pub(crate) struct UnknownSearchBy {
    pub(crate) did_you_mean: Option<String>,
}

/// The length of `value` as JSON text, without writing it.
pub(crate) fn json_size(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(_) => 5,
        Value::Number(_) => 8,
        Value::String(text) => text.len() + 2,
        Value::Array(items) => 2 + items.iter().map(|item| json_size(item) + 1).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(key, value)| key.len() + 4 + json_size(value))
                .sum::<usize>()
        }
    }
}

fn lead_size(lead: &Lead) -> usize {
    let fields: usize = lead
        .fields()
        .iter()
        .map(|(name, value)| name.len() + value.len() + 6)
        .sum();
    lead.id().map_or(0, str::len) + fields + 16
}

/// The leads, opportunities, activities and tasks of a sandbox.
#[derive(Clone)]
pub(crate) struct Store {
    /// The lead fields whose values no two leads share (and that `SearchBy` may name).
    unique_fields: Vec<String>,
    /// The opportunity fields a new opportunity must carry.
    mandatory_fields: Vec<String>,
    /// Whether to count created opportunities instead of keeping them.
    lean: bool,
    limits: StoreLimits,
    leads: Records<Lead>,
    /// (unique field, normalised value) → lead id.
    index: HashMap<(String, String), String>,
    opportunities: Records<Opportunity>,
    activities: Records<Activity>,
    tasks: Records<Task>,
    /// Bytes of record data held, as counted against `limits.bytes`.
    bytes: usize,
    /// The next record's place in creation order (one sequence for every kind).
    next_seq: u64,
    /// Counters of the ids the store makes up, per kind.
    next_lead: u64,
    /// Opportunities created (kept or, when lean, only counted).
    created: u64,
    next_activity: u64,
    next_task: u64,
}

impl Store {
    pub(crate) fn new(
        unique_fields: Vec<String>,
        mandatory_fields: Vec<String>,
        lean: bool,
        limits: StoreLimits,
    ) -> Self {
        Self {
            unique_fields,
            mandatory_fields,
            lean,
            limits,
            leads: Records::default(),
            index: HashMap::new(),
            opportunities: Records::default(),
            activities: Records::default(),
            tasks: Records::default(),
            bytes: 0,
            next_seq: 0,
            next_lead: 1,
            created: 0,
            next_activity: 1,
            next_task: 1,
        }
    }

    pub(crate) fn unique_fields(&self) -> &[String] {
        &self.unique_fields
    }

    pub(crate) fn mandatory_fields(&self) -> &[String] {
        &self.mandatory_fields
    }

    /// How many records of each kind the store holds, and how many opportunities were created.
    pub(crate) fn counts(&self) -> (usize, usize, usize, usize, u64) {
        (
            self.leads.len(),
            self.opportunities.len(),
            self.activities.len(),
            self.tasks.len(),
            self.created,
        )
    }

    /// Refuses a record of `size` bytes of kind `kind` when the store is full; `replacing` bytes
    /// of the same record leave the store with the change.
    fn room(&self, kind: Kind, held: usize, adding: usize, size: usize, replacing: usize) -> Result<(), StoreError> {
        let full = held + adding > self.limits.records || self.bytes - replacing + size > self.limits.bytes;
        if full {
            return Err(StoreError::Full {
                kind,
                limits: self.limits,
            });
        }
        Ok(())
    }

    fn seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    // --- leads ---

    /// The unique field `SearchBy` names: exactly, or (with `ignore_case`) in any case.
    pub(crate) fn search_field(&self, search_by: &str, ignore_case: bool) -> Result<&str, UnknownSearchBy> {
        if let Some(field) = self.unique_fields.iter().find(|f| *f == search_by) {
            return Ok(field);
        }
        let other_case = self.unique_fields.iter().find(|f| f.eq_ignore_ascii_case(search_by));
        match other_case {
            Some(field) if ignore_case => Ok(field),
            other => Err(UnknownSearchBy {
                did_you_mean: other.cloned(),
            }),
        }
    }

    /// The (field, normalised value) keys of `lead`'s non-empty unique fields.
    fn keys_of(&self, lead: &Lead) -> Vec<(String, String)> {
        self.unique_fields
            .iter()
            .filter_map(|field| lead.field(field).map(|value| (field.clone(), normalise(value))))
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }

    /// Checks `leads` against the store and each other, then stores them all, or none; their
    /// ids, made up for leads without one.
    pub(crate) fn add_leads(&mut self, leads: Vec<Lead>) -> Result<Vec<String>, StoreError> {
        let mut keys_of = Vec::with_capacity(leads.len());
        let mut seen_keys: HashMap<&(String, String), ()> = HashMap::new();
        let mut seen_ids: Vec<&str> = Vec::new();
        let duplicate = |field: &str, value: &str| StoreError::Duplicate {
            field: field.to_string(),
            value: value.to_string(),
        };
        let size: usize = leads.iter().map(lead_size).sum::<usize>() + 40 * leads.len();
        self.room(Kind::Lead, self.leads.len(), leads.len(), size, 0)?;
        for lead in &leads {
            keys_of.push(self.keys_of(lead));
            if let Some(id) = lead.id() {
                if seen_ids.contains(&id) || self.leads.contains(id) {
                    return Err(duplicate("ProspectID", id));
                }
                seen_ids.push(id);
            }
        }
        for (lead, keys) in leads.iter().zip(&keys_of) {
            if let Some((field, _)) = keys
                .iter()
                .find(|key| self.index.contains_key(key) || seen_keys.contains_key(key))
            {
                return Err(duplicate(field, lead.field(field).unwrap_or_default()));
            }
            seen_keys.extend(keys.iter().map(|key| (key, ())));
        }
        let mut ids = Vec::with_capacity(leads.len());
        for (mut lead, keys) in leads.into_iter().zip(keys_of) {
            let id = match lead.id() {
                Some(id) => id.to_string(),
                None => {
                    let id = format!("00000000-0000-4000-b000-{:012x}", self.next_lead);
                    self.next_lead += 1;
                    id
                }
            };
            lead = lead.with_id(id.clone());
            for key in keys {
                self.index.insert(key, id.clone());
            }
            let size = lead_size(&lead) + 40;
            self.bytes += size;
            let seq = self.seq();
            self.leads.insert(seq, id.clone(), lead, size);
            ids.push(id);
        }
        Ok(ids)
    }

    pub(crate) fn lead(&self, id: &str) -> Option<&Lead> {
        self.leads.get(id)
    }

    /// Every lead, in creation order.
    pub(crate) fn leads(&self) -> impl DoubleEndedIterator<Item = &Lead> {
        self.leads.iter()
    }

    /// The lead whose `field` (a schema name) has `value`, compared as unique values are; by
    /// the index when the field is unique.
    pub(crate) fn find_lead(&self, field: &str, value: &str) -> Option<&Lead> {
        let value = normalise(value);
        if value.is_empty() {
            return None;
        }
        if self.unique_fields.iter().any(|unique| unique == field) {
            let id = self.index.get(&(field.to_string(), value))?;
            return self.leads.get(id);
        }
        self.leads
            .iter()
            .find(|lead| lead.field(field).is_some_and(|v| normalise(v) == value))
    }

    /// Sets the fields `changes` names on lead `id` (other fields keep their values), unless
    /// another lead has one of the new unique values; `None` when there is no such lead.
    pub(crate) fn update_lead(&mut self, id: &str, changes: &[(String, String)]) -> Option<Result<(), StoreError>> {
        let old = self.leads.get(id)?.clone();
        let mut new = old.clone();
        for (name, value) in changes {
            new = new.with_field(name.clone(), value.clone());
        }
        let (old_keys, new_keys) = (self.keys_of(&old), self.keys_of(&new));
        if let Some((field, _)) = new_keys
            .iter()
            .find(|key| self.index.get(*key).is_some_and(|owner| owner != id))
        {
            return Some(Err(StoreError::Duplicate {
                field: field.clone(),
                value: new.field(field).unwrap_or_default().to_string(),
            }));
        }
        let size = lead_size(&new) + 40;
        let replacing = self.leads.get_mut(id).map_or(0, |(_, size)| *size);
        if let Err(error) = self.room(Kind::Lead, 0, 0, size, replacing) {
            return Some(Err(error));
        }
        for key in old_keys {
            self.index.remove(&key);
        }
        for key in new_keys {
            self.index.insert(key, id.to_string());
        }
        if let Some(slot) = self.leads.get_mut(id) {
            *slot = (new, size);
        }
        self.bytes = self.bytes - replacing + size;
        Some(Ok(()))
    }

    /// Deletes lead `id` and everything attached to it: its opportunities, its activities, and
    /// the tasks on it or on its opportunities. Whether there was such a lead.
    pub(crate) fn delete_lead(&mut self, id: &str) -> bool {
        let Some((lead, size)) = self.leads.remove(id) else {
            return false;
        };
        self.bytes -= size;
        for key in self.keys_of(&lead) {
            self.index.remove(&key);
        }
        let opportunities = self.opportunities.ids_where(|o| o.lead_id == id, |o| o.id.as_str());
        let activities = self.activities.ids_where(|a| a.lead_id == id, |a| a.id.as_str());
        let tasks = self.tasks.ids_where(
            |t| t.lead_id() == Some(id) || t.opportunity_id().is_some_and(|o| opportunities.iter().any(|x| x == o)),
            |t| t.id.as_str(),
        );
        for opportunity in opportunities {
            self.delete_opportunity(&opportunity);
        }
        for activity in activities {
            if let Some((_, size)) = self.activities.remove(&activity) {
                self.bytes -= size;
            }
        }
        for task in tasks {
            self.delete_task(&task);
        }
        true
    }

    // --- opportunities ---

    /// Stores an opportunity (a lean store only counts it); its fresh id.
    pub(crate) fn create_opportunity(
        &mut self,
        lead_id: String,
        event_code: i64,
        row: &Value,
        request_seq: u64,
        row_number: usize,
    ) -> Result<String, StoreError> {
        let size = lead_id.len() + json_size(row) + 80;
        if !self.lean {
            self.room(Kind::Opportunity, self.opportunities.len(), 1, size, 0)?;
        }
        self.created += 1;
        let id = format!("00000000-0000-4000-a000-{:012x}", self.created);
        if !self.lean {
            self.insert_opportunity(
                Opportunity {
                    id: id.clone(),
                    lead_id,
                    event_code,
                    row: row.clone(),
                    request_seq,
                    row_number,
                },
                size,
            );
        }
        Ok(id)
    }

    fn insert_opportunity(&mut self, opportunity: Opportunity, size: usize) {
        self.bytes += size;
        let seq = self.seq();
        self.opportunities
            .insert(seq, opportunity.id.clone(), opportunity, size);
    }

    /// Stores a documented opportunity as it is, unless one has its id or the store is full.
    pub(crate) fn seed_opportunity(&mut self, opportunity: Opportunity) {
        let size = opportunity.lead_id.len() + json_size(&opportunity.row) + 80;
        if !self.opportunities.contains(&opportunity.id)
            && self
                .room(Kind::Opportunity, self.opportunities.len(), 1, size, 0)
                .is_ok()
        {
            self.insert_opportunity(opportunity, size);
        }
    }

    pub(crate) fn opportunity(&self, id: &str) -> Option<&Opportunity> {
        self.opportunities.get(id)
    }

    /// Every opportunity kept, in creation order.
    pub(crate) fn opportunities(&self) -> impl DoubleEndedIterator<Item = &Opportunity> {
        self.opportunities.iter()
    }

    /// Changes opportunity `id`'s row with `change`; `None` when there is no such opportunity.
    pub(crate) fn update_opportunity(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Value),
    ) -> Option<Result<(), StoreError>> {
        let (opportunity, replacing) = self
            .opportunities
            .get_mut(id)
            .map(|(opportunity, size)| (opportunity.clone(), *size))?;
        let mut row = opportunity.row;
        change(&mut row);
        let size = opportunity.lead_id.len() + json_size(&row) + 80;
        if let Err(error) = self.room(Kind::Opportunity, 0, 0, size, replacing) {
            return Some(Err(error));
        }
        if let Some((stored, counted)) = self.opportunities.get_mut(id) {
            stored.row = row;
            *counted = size;
        }
        self.bytes = self.bytes - replacing + size;
        Some(Ok(()))
    }

    /// Deletes opportunity `id`; whether there was one.
    pub(crate) fn delete_opportunity(&mut self, id: &str) -> bool {
        match self.opportunities.remove(id) {
            Some((_, size)) => {
                self.bytes -= size;
                true
            }
            None => false,
        }
    }

    // --- activities ---

    /// Stores an activity posted on lead `lead_id` (which must exist); its fresh id.
    pub(crate) fn post_activity(&mut self, lead_id: &str, event_code: i64, post: &Value) -> Result<String, StoreError> {
        let size = lead_id.len() + json_size(post) + 80;
        self.room(Kind::Activity, self.activities.len(), 1, size, 0)?;
        let id = format!("00000000-0000-4000-c000-{:012x}", self.next_activity);
        self.next_activity += 1;
        self.bytes += size;
        let seq = self.seq();
        let activity = Activity {
            id: id.clone(),
            lead_id: lead_id.to_string(),
            event_code,
            post: post.clone(),
        };
        self.activities.insert(seq, id.clone(), activity, size);
        Ok(id)
    }

    /// Every activity, in the order they were posted.
    pub(crate) fn activities(&self) -> impl DoubleEndedIterator<Item = &Activity> {
        self.activities.iter()
    }

    // --- tasks ---

    /// Stores a task, its attributes as `task`; its fresh id.
    pub(crate) fn create_task(&mut self, task: Value) -> Result<String, StoreError> {
        let size = json_size(&task) + 80;
        self.room(Kind::Task, self.tasks.len(), 1, size, 0)?;
        let id = format!("00000000-0000-4000-d000-{:012x}", self.next_task);
        self.next_task += 1;
        self.insert_task(Task { id: id.clone(), task }, size);
        Ok(id)
    }

    fn insert_task(&mut self, task: Task, size: usize) {
        self.bytes += size;
        let seq = self.seq();
        self.tasks.insert(seq, task.id.clone(), task, size);
    }

    /// Stores a documented task as it is, unless one has its id or the store is full.
    pub(crate) fn seed_task(&mut self, task: Task) {
        let size = json_size(&task.task) + 80;
        if !self.tasks.contains(&task.id) && self.room(Kind::Task, self.tasks.len(), 1, size, 0).is_ok() {
            self.insert_task(task, size);
        }
    }

    pub(crate) fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.get(id)
    }

    /// Every task, in creation order.
    pub(crate) fn tasks(&self) -> impl DoubleEndedIterator<Item = &Task> {
        self.tasks.iter()
    }

    /// Sets the attributes `changes` names on task `id`; `None` when there is no such task.
    pub(crate) fn update_task(
        &mut self,
        id: &str,
        changes: &serde_json::Map<String, Value>,
    ) -> Option<Result<(), StoreError>> {
        let (task, replacing) = self.tasks.get_mut(id).map(|(task, size)| (task.clone(), *size))?;
        let mut attributes = task.task;
        if let Value::Object(map) = &mut attributes {
            map.extend(changes.iter().map(|(name, value)| (name.clone(), value.clone())));
        }
        let size = json_size(&attributes) + 80;
        if let Err(error) = self.room(Kind::Task, 0, 0, size, replacing) {
            return Some(Err(error));
        }
        if let Some((stored, counted)) = self.tasks.get_mut(id) {
            stored.task = attributes;
            *counted = size;
        }
        self.bytes = self.bytes - replacing + size;
        Some(Ok(()))
    }

    /// Deletes task `id`; whether there was one.
    pub(crate) fn delete_task(&mut self, id: &str) -> bool {
        match self.tasks.remove(id) {
            Some((_, size)) => {
                self.bytes -= size;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_store(records: usize, bytes: usize) -> Store {
        Store::new(
            vec!["EmailAddress".into(), "Phone".into()],
            Vec::new(),
            false,
            StoreLimits { records, bytes },
        )
    }

    #[test]
    fn json_size_is_the_length_of_the_json_text_or_a_little_more() {
        for value in [
            json!(null),
            json!("text"),
            json!([1, "a", { "SchemaName": "mx_Custom_1", "Value": "x" }]),
            json!({ "a": { "b": [true, false] } }),
        ] {
            let text = value.to_string().len();
            let size = json_size(&value);
            assert!(size >= text && size <= text * 3 + 8, "{value}: {size} for {text}");
        }
    }

    #[test]
    fn updating_a_lead_moves_its_unique_values_and_refuses_another_leads() {
        let mut store = new_store(10, 1 << 20);
        let ids = store
            .add_leads(vec![
                Lead::new().with_email("a@example.com"),
                Lead::new().with_email("b@example.com"),
            ])
            .unwrap();
        let change = |field: &str, value: &str| vec![(field.to_string(), value.to_string())];
        assert_eq!(
            store.update_lead(&ids[0], &change("EmailAddress", "c@example.com")),
            Some(Ok(()))
        );
        assert!(store.find_lead("EmailAddress", "a@example.com").is_none());
        assert_eq!(
            store.find_lead("EmailAddress", "C@example.com").and_then(Lead::id),
            Some(ids[0].as_str())
        );
        let taken = store.update_lead(&ids[0], &change("EmailAddress", "B@example.com"));
        assert!(matches!(taken, Some(Err(StoreError::Duplicate { .. }))), "{taken:?}");
        assert_eq!(store.update_lead("nope", &change("FirstName", "X")), None);
        // A non-unique field is found by a scan.
        store.update_lead(&ids[1], &change("mx_City", "Pune")).unwrap().unwrap();
        assert_eq!(
            store.find_lead("mx_City", "pune").and_then(Lead::id),
            Some(ids[1].as_str())
        );
    }

    #[test]
    fn deleting_a_lead_deletes_what_is_attached_to_it() {
        let mut store = new_store(10, 1 << 20);
        let ids = store
            .add_leads(vec![
                Lead::new().with_email("a@example.com"),
                Lead::new().with_email("b@example.com"),
            ])
            .unwrap();
        let opportunity = store
            .create_opportunity(ids[0].clone(), 12000, &json!({}), 0, 1)
            .unwrap();
        store
            .create_opportunity(ids[1].clone(), 12000, &json!({}), 0, 2)
            .unwrap();
        store.post_activity(&ids[0], 201, &json!({})).unwrap();
        store
            .create_task(json!({ "RelatedEntity": 1, "RelatedEntityId": ids[0] }))
            .unwrap();
        store
            .create_task(json!({ "RelatedEntity": 5, "RelatedEntityId": opportunity }))
            .unwrap();
        store.create_task(json!({ "RelatedEntity": 0 })).unwrap();
        let before = store.bytes;
        assert!(store.delete_lead(&ids[0]));
        assert!(!store.delete_lead(&ids[0]), "gone");
        assert_eq!(store.counts(), (1, 1, 0, 1, 2));
        assert!(store.find_lead("EmailAddress", "a@example.com").is_none());
        assert!(store.bytes < before);
        // The email is free again.
        store.add_leads(vec![Lead::new().with_email("a@example.com")]).unwrap();
    }

    #[test]
    fn the_limits_refuse_records_past_them_and_deleting_makes_room() {
        let mut store = new_store(2, 1 << 20);
        let leads = store
            .add_leads(vec![Lead::new().with_email("a@example.com"), Lead::new()])
            .unwrap();
        let full = store.add_leads(vec![Lead::new()]).unwrap_err();
        assert!(matches!(full, StoreError::Full { kind: Kind::Lead, .. }), "{full:?}");
        assert!(full.message().contains("at most 2 leads"), "{}", full.message());
        store.delete_lead(&leads[1]);
        store.add_leads(vec![Lead::new()]).unwrap();

        let mut small = new_store(100, 600);
        let big = json!({ "Name": "x".repeat(400) });
        small.create_task(big.clone()).unwrap();
        let full = small.create_task(big).unwrap_err();
        assert!(matches!(full, StoreError::Full { kind: Kind::Task, .. }), "{full:?}");
        let id = small.tasks().next().map(|t| t.id.clone()).unwrap();
        let grown = serde_json::Map::from_iter([("Description".to_string(), json!("y".repeat(400)))]);
        assert!(matches!(
            small.update_task(&id, &grown),
            Some(Err(StoreError::Full { .. }))
        ));
        assert!(small.delete_task(&id));
        assert_eq!(small.bytes, 0);
    }

    #[test]
    fn a_lean_store_counts_opportunities_without_keeping_or_limiting_them() {
        let mut store = Store::new(Vec::new(), Vec::new(), true, StoreLimits { records: 1, bytes: 10 });
        for _ in 0..3 {
            store
                .create_opportunity("l".into(), 1, &json!({ "Fields": [] }), 0, 1)
                .unwrap();
        }
        assert_eq!(store.counts(), (0, 0, 0, 0, 3));
    }
}
