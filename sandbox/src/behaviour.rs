//! The stateful endpoints: which endpoint runs which hand-written behaviour, how each one
//! names the record it works on, and the documented records a sandbox can start with.
//!
//! One table ([`BEHAVIOURS`]) drives both the dispatch and the seeding. An endpoint that
//! addresses one record by id says where the id is (a query parameter or a body attribute) and
//! what kind of record it is; with [`crate::SandboxBuilder::documented_records`], the record
//! each documented request addresses exists from the start, as do the records documented read
//! answers show, so that every request of the documentation works as it does on its page.
//!
//! Every other endpoint of the served schema has no entry and is answered with its example.

use serde_json::Value;

use leadsquared::ExceptionType;

use crate::schema::{EndpointSchema, Schema};
use crate::state::Shared;
use crate::store::{Kind, Store, StoreError};
use crate::{Lead, Opportunity, Task, activities, leads, opportunities, tasks};

/// A whole-call failure: HTTP status, exception type, message.
pub(crate) type CallError = (u16, ExceptionType, String);

/// What a behaviour answers: the body of a `200`, or a failure.
pub(crate) type Answer = Result<Value, CallError>;

/// One call to a stateful endpoint, its query and body already checked against the schema.
pub(crate) struct Call<'a> {
    /// The call's sequence number in the request log.
    pub(crate) seq: u64,
    query: &'a [(String, String)],
    /// The parsed body (`null` for an endpoint without one).
    pub(crate) body: &'a Value,
}

impl<'a> Call<'a> {
    pub(crate) fn new(seq: u64, query: &'a [(String, String)], body: &'a Value) -> Self {
        Self { seq, query, body }
    }

    /// The query parameter `name`, as sent.
    pub(crate) fn param(&self, name: &str) -> Option<&'a str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The string attribute `name` of the body.
    pub(crate) fn text(&self, name: &str) -> Option<&'a str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// The id at `at`, when the call names one (an empty id names none).
    fn id(&self, at: At) -> Option<&'a str> {
        match at {
            At::Query(name) => self.param(name),
            At::Body(name) => self.text(name),
        }
        .filter(|id| !id.is_empty())
    }
}

/// Where an endpoint's request names the record it works on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At {
    /// A query parameter, by wire name.
    Query(&'static str),
    /// An attribute of the body object, by wire name.
    Body(&'static str),
}

/// A stateful endpoint.
pub(crate) struct Behaviour {
    /// The endpoint's name in the spec.
    pub(crate) endpoint: &'static str,
    /// Handles one call.
    pub(crate) run: fn(&Shared, &Call<'_>) -> Answer,
    /// The record the endpoint works on, when it names one by id; a call that names an id the
    /// store does not hold is refused with [`unknown`].
    pub(crate) addresses: Option<(Kind, At)>,
    /// Records that the endpoint's documented answer shows, stored by
    /// [`seed_documented_records`].
    pub(crate) documented: Option<fn(&mut Store, &EndpointSchema)>,
}

const fn plain(endpoint: &'static str, run: fn(&Shared, &Call<'_>) -> Answer) -> Behaviour {
    Behaviour {
        endpoint,
        run,
        addresses: None,
        documented: None,
    }
}

const fn addressing(endpoint: &'static str, run: fn(&Shared, &Call<'_>) -> Answer, kind: Kind, at: At) -> Behaviour {
    Behaviour {
        endpoint,
        run,
        addresses: Some((kind, at)),
        documented: None,
    }
}

/// Every stateful endpoint, by name.
pub(crate) const BEHAVIOURS: &[Behaviour] = &[
    // Leads.
    plain("create_lead", leads::create),
    plain("create_or_update_lead", leads::create_or_update),
    addressing("update_lead", leads::update, Kind::Lead, At::Query("leadId")),
    Behaviour {
        documented: Some(leads::seed_from_answer),
        ..plain("get_lead_by_email", leads::by_email)
    },
    Behaviour {
        documented: Some(leads::seed_from_answer),
        ..plain("get_lead_by_phone", leads::by_phone)
    },
    plain("get_leads_by_ids", leads::by_ids),
    addressing("delete_lead", leads::delete, Kind::Lead, At::Query("leadId")),
    // Opportunities.
    plain(opportunities::ENDPOINT, opportunities::add_in_bulk),
    plain("capture_opportunity", opportunities::capture),
    plain("get_opportunities_by_lead_id", opportunities::of_lead),
    Behaviour {
        documented: Some(opportunities::seed_from_answer),
        ..addressing(
            "get_opportunity_by_id",
            opportunities::by_id,
            Kind::Opportunity,
            At::Query("OpportunityId"),
        )
    },
    addressing(
        "update_opportunity",
        opportunities::update,
        Kind::Opportunity,
        At::Body("ProspectOpportunityId"),
    ),
    addressing(
        "delete_opportunity",
        opportunities::delete,
        Kind::Opportunity,
        At::Query("Id"),
    ),
    // Activities.
    addressing(
        "post_activity_on_lead",
        activities::post,
        Kind::Lead,
        At::Body("RelatedProspectId"),
    ),
    plain("get_activities_of_lead", activities::of_lead),
    // Tasks.
    plain("create_task", tasks::create),
    plain("get_tasks_by_lead_id", tasks::of_lead),
    addressing("update_task", tasks::update, Kind::Task, At::Body("UserTaskId")),
    plain("delete_tasks_in_bulk", tasks::delete_in_bulk),
];

/// The names of [`BEHAVIOURS`], for the crate's public list.
pub(crate) const NAMES: &[&str] = &[
    "create_lead",
    "create_or_update_lead",
    "update_lead",
    "get_lead_by_email",
    "get_lead_by_phone",
    "get_leads_by_ids",
    "delete_lead",
    opportunities::ENDPOINT,
    "capture_opportunity",
    "get_opportunities_by_lead_id",
    "get_opportunity_by_id",
    "update_opportunity",
    "delete_opportunity",
    "post_activity_on_lead",
    "get_activities_of_lead",
    "create_task",
    "get_tasks_by_lead_id",
    "update_task",
    "delete_tasks_in_bulk",
];

/// Runs the behaviour of `endpoint` on `call`, if it has one.
pub(crate) fn run(shared: &Shared, endpoint: &str, call: &Call<'_>) -> Option<Answer> {
    let behaviour = BEHAVIOURS.iter().find(|b| b.endpoint == endpoint)?;
    if let Some((kind, id)) = behaviour.addresses.and_then(|(kind, at)| Some((kind, call.id(at)?))) {
        if !shared.with_store(|store, _| exists(store, kind, id)) {
            return Some(Err(unknown(kind, id)));
        }
    }
    Some((behaviour.run)(shared, call))
}

fn exists(store: &Store, kind: Kind, id: &str) -> bool {
    match kind {
        Kind::Lead => store.lead(id).is_some(),
        Kind::Opportunity => store.opportunity(id).is_some(),
        Kind::Activity => store.activities().any(|a| a.id == id),
        Kind::Task => store.task(id).is_some(),
    }
}

/// The refusal of a call that names a record the sandbox does not hold. LeadSquared documents
/// none of these answers; they are the sandbox's own, in the API's error envelope with the
/// exception types the spec lists, under `500` as LeadSquared answers logical errors.
pub(crate) fn unknown(kind: Kind, id: &str) -> CallError {
    match kind {
        Kind::Lead => (
            500,
            ExceptionType::InvalidLead,
            format!("No lead has the id '{id}'; it does not exist or was deleted"),
        ),
        Kind::Opportunity => (
            500,
            ExceptionType::UnknownProspectActivity,
            format!("No opportunity has the id '{id}'; it does not exist or was deleted"),
        ),
        Kind::Activity => (
            500,
            ExceptionType::UnknownProspectActivity,
            format!("No activity has the id '{id}'; it does not exist or was deleted"),
        ),
        Kind::Task => (
            500,
            ExceptionType::InvalidInput,
            format!("No task has the id '{id}'; it does not exist or was deleted"),
        ),
    }
}

/// The refusal of a change the store cannot take: a duplicate unique value
/// (`MXDuplicateEntryException`, as the spec records for Create a Lead) or a full store (the
/// sandbox's own `MXSandboxLimitException`).
pub(crate) fn refused(error: &StoreError) -> CallError {
    let exception = match error {
        StoreError::Duplicate { .. } => ExceptionType::DuplicateEntry,
        StoreError::Full { .. } => ExceptionType::from(LIMIT_EXCEPTION),
    };
    (500, exception, error.message())
}

/// The exception type of a call refused because the store is full: the sandbox's own.
pub(crate) const LIMIT_EXCEPTION: &str = "MXSandboxLimitException";

/// `200` with `{"Status":"Success","Message":message}`, the answer of LeadSquared's calls that
/// change a record.
pub(crate) fn success(message: Value) -> Value {
    serde_json::json!({ "Status": "Success", "Message": message })
}

/// Stores the documented records of `schema`: for each stateful endpoint, the record its
/// documented request addresses (when the store has none with that id), and the records its
/// documented answer shows. Records that clash with the store (a unique value taken) are left
/// out.
pub(crate) fn seed_documented_records(store: &mut Store, schema: &Schema) {
    let served = || {
        BEHAVIOURS
            .iter()
            .filter_map(|behaviour| Some((behaviour, schema.endpoint_named(behaviour.endpoint)?)))
    };
    // The records of documented answers first: they have fields, and a request may name one.
    for (behaviour, endpoint) in served() {
        if let Some(seed) = behaviour.documented {
            seed(store, endpoint);
        }
    }
    for (behaviour, endpoint) in served() {
        let Some((kind, at)) = behaviour.addresses else {
            continue;
        };
        let id = match at {
            At::Query(name) => endpoint
                .query_example
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string()),
            At::Body(name) => endpoint
                .request_example
                .and_then(|text| serde_json::from_str::<Value>(text).ok())
                .and_then(|body| body.get(name).and_then(Value::as_str).map(String::from)),
        };
        let Some(id) = id.filter(|id| !exists(store, kind, id)) else {
            continue;
        };
        match kind {
            Kind::Lead => {
                let _ = store.add_leads(vec![Lead::new().with_id(id)]);
            }
            Kind::Opportunity => store.seed_opportunity(Opportunity {
                id,
                lead_id: String::new(),
                event_code: 0,
                row: serde_json::json!({}),
                request_seq: 0,
                row_number: 0,
            }),
            Kind::Task => store.seed_task(Task {
                id,
                task: serde_json::json!({}),
            }),
            Kind::Activity => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SCHEMA;

    #[test]
    fn every_behaviour_is_an_endpoint_of_the_spec_and_listed_once() {
        let names: Vec<&str> = BEHAVIOURS.iter().map(|b| b.endpoint).collect();
        assert_eq!(names, NAMES);
        for name in names {
            let endpoint = SCHEMA.endpoint_named(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(NAMES.iter().filter(|n| **n == name).count(), 1, "{name}");
            let Some((_, at)) = BEHAVIOURS.iter().find(|b| b.endpoint == name).and_then(|b| b.addresses) else {
                continue;
            };
            // The id is where the behaviour looks for it, and a documented request names one.
            match at {
                At::Query(param) => {
                    assert!(endpoint.query.iter().any(|f| f.wire == param), "{name}");
                    assert!(endpoint.query_example.iter().any(|(k, _)| *k == param), "{name}");
                }
                At::Body(attribute) => {
                    let body: Value = serde_json::from_str(endpoint.request_example.unwrap_or("{}")).unwrap();
                    assert!(body.get(attribute).is_some_and(Value::is_string), "{name}");
                }
            }
        }
    }
}
