//! An offline emulator of the LeadSquared API, for tests and examples.
//!
//! The sandbox serves every endpoint of the spec on loopback HTTP, with the real paths and
//! methods, and behaves like the real API as far as it is documented:
//!
//! - **Authentication** with the access key and secret key, in headers or in the query; wrong or
//!   missing keys get `401`.
//! - **Validation** of every request against the spec's wire schema ([`crate::SCHEMA`]): content
//!   type, JSON syntax, attribute names (case-sensitive) and types, required attributes, unknown
//!   query parameters, item limits (0 or more than 25 rows get `400`), unknown paths (`404`). It
//!   reads the JSON itself instead of decoding it with the client's serde types, so a wrong name,
//!   casing or type in the client fails a test.
//! - **Rate limiting** per rate-limit class of the spec, each counted in windows of its own:
//!   by default the classes' figures for an unknown plan (in LeadSquared's spec, 25 calls in any
//!   5-second window, and 1 for the bulk endpoints), or a plan's ([`SandboxBuilder::plan`]);
//!   [`SandboxBuilder::rate_limit`] and [`SandboxBuilder::class_rate_limit`] scale them down for
//!   fast tests. Past a limit, the documented message with `MXAPIRateLimitExceededException`,
//!   under HTTP `429` or `200` ([`RateLimitRefusal`]).
//! - **State**: a store of [`Lead`]s, [`Opportunity`]s, [`Activity`]s and [`Task`]s that the
//!   stateful endpoints ([`STATEFUL_ENDPOINTS`], below) share: what one creates, the others
//!   find, change and delete. Leads have unique fields (`EmailAddress`, `Phone`, `Mobile`, plus
//!   [`SandboxBuilder::unique_field`]). The records can be read back ([`Sandbox::leads`],
//!   [`Sandbox::opportunities`], …).
//! - **Example answers** for every other endpoint of the spec: the request is validated and the
//!   spec's response example is returned.
//! - **Fault injection** ([`Sandbox::inject`]) and a log of the most recent requests
//!   ([`Sandbox::requests`]) that tells which were processed.
//! - **Its own HTTP API** under `/_sandbox/`, guarded by the same keys, so that clients in any
//!   language (and the standalone server's users) can read the state, inject faults, add leads,
//!   change settings and reset it; the README lists it with `curl` examples.
//!
//! # Stateful endpoints
//!
//! | module | endpoint | behaviour |
//! |---|---|---|
//! | leads | `create_lead` | stores a lead of the attributes passed (at least one of `FirstName`, `LastName`, `EmailAddress`, `Phone`); `{"Status":"Success","Message":{"Id":…}}` |
//! | leads | `create_or_update_lead` | updates the lead the `SearchBy` element's field finds (without one: by `EmailAddress`, then `Phone`), or creates one; `{"Id":…,"AffectedRows":1}` |
//! | leads | `update_lead` | sets the attributes passed; `{"AffectedRows":1}` |
//! | leads | `get_lead_by_email` | `[lead]`, or `[]` when no lead has the address, as documented |
//! | leads | `get_lead_by_phone` | `[lead]` whose `Phone` or `Mobile` is the number with or without a country code; of several, the one with the latest activity |
//! | leads | `get_leads_by_ids` | the leads found, in the order of the ids, with the columns of `Include_CSV`, one page; `RecordCount` counts those found |
//! | leads | `delete_lead` | deletes the lead and its opportunities, activities and tasks; `{"Status":"Success"}` |
//! | opportunities | `add_opportunities_in_bulk` | one opportunity per row on the lead `SearchBy` = `SearchByValue` finds |
//! | opportunities | `capture_opportunity` | finds (and updates) or creates the lead, then adds the opportunity |
//! | opportunities | `get_opportunities_by_lead_id` | the lead's opportunities (of `opportunityType`), one page |
//! | opportunities | `get_opportunity_by_id` | the opportunity's fields as stored, its note as `ActivityEvent_Note` |
//! | opportunities | `update_opportunity` | sets the note and the fields passed; `{"Id":…}` |
//! | opportunities | `delete_opportunity` | `{"IsSuccessful":true}` |
//! | activities | `post_activity_on_lead` | stores the activity on the lead `RelatedProspectId` names, or on the lead with `EmailAddress` (created when none has it) |
//! | activities | `get_activities_of_lead` | the lead's activities (of `Parameter.ActivityEvent`), most recent first, `Paging.RowCount` (25) from `Paging.Offset` |
//! | tasks | `create_task` | stores the task; `RelatedEntity` `1` or `5` must name a lead or opportunity the sandbox holds |
//! | tasks | `get_tasks_by_lead_id` | the tasks on the lead, `Status` `Pending` |
//! | tasks | `update_task` | sets the attributes passed |
//! | tasks | `delete_tasks_in_bulk` | deletes the tasks found at once; `TasksCount` asked for, `DeletedTasksCount` found |
//!
//! Lists of a lead the sandbox does not hold are empty (like Get a Lead by Email's `[]`).
//! Answers keep the documented shapes; paging follows `Paging.PageIndex`/`PageSize` where the
//! body has it, and sorting is not emulated (creation order). Every other endpoint answers its
//! example whatever the store holds, e.g. Get Leads by Date Range and Bulk Update Opportunities
//! neither read nor change records.
//!
//! A fresh sandbox holds only the leads it is given. With
//! [`SandboxBuilder::documented_records`] it also holds the records the spec's examples name, so
//! that each documented request finds what it addresses; the generated methods' doc examples
//! run that way.
//!
//! # Fidelity switches, and their sources
//!
//! - **Rate-limit refusals** come as HTTP `429` by default, or as `200` with
//!   `MXAPIRateLimitExceededException` ([`SandboxBuilder::rate_limit_refusal`],
//!   `--rate-limit-status`); [`RateLimitRefusal`] gives the sources.
//! - **`SearchBy` is case-sensitive** by default: its value must be the unique field's schema
//!   name exactly (`EmailAddress`, not `emailaddress`); any other value is an unknown field, which
//!   the real API answers with `500` and `MXInvalidInputException: Invalid SearchBy value
//!   provided` (observed). The evidence is the [Add Opportunities in Bulk
//!   page](https://apidocs.leadsquared.com/add-opportunities-in-bulk/), which asks for "the field
//!   schema name in the SearchBy parameter" ("The schema name of the unique lead field. E.g.,
//!   EmailAddress, Phone"), and this sandbox's record that the real API rejects names in a wrong
//!   case; no source says that another case is accepted, so `SearchBy` is treated like attribute
//!   names, query parameters and paths. [`SandboxBuilder::search_by_ignore_case`]
//!   (`--search-by-ignore-case`) relaxes it. `SearchByValue`, a field's value, is compared without
//!   regard to case (see [`Lead`]).
//! - **Duplicate detection is not emulated.** The Add Opportunities in Bulk page shows the row
//!   flags `UpdateEmptyFields` and `DoNotChangeOwner` in its example (the spec adds
//!   `OverwriteFields` and `DoNotPostDuplicateActivity`) but does not say what the call answers
//!   for a duplicate. The [Capture Opportunities
//!   page](https://apidocs.leadsquared.com/capture-opportunities/) describes duplicate detection
//!   as rules "you've set up … in your account", which an account may not have. The sandbox is
//!   an account without such rules: the flags are checked (type, and at most one of
//!   `OverwriteFields` and `UpdateEmptyFields`) and have no other effect; every valid row
//!   creates a new opportunity.
//!
//! # What is not documented, and what the sandbox does instead
//!
//! LeadSquared documents only the shape of a created row. A row that is not created is answered
//! here as `{"RowNumber":2,"OpportunityCreated":false,"ExceptionType":"MX…","ExceptionMessage":"…"}`,
//! the shape sibling bulk endpoints use. The exception types are
//! `MXInvalidLeadException` (no lead has that `SearchByValue`),
//! `MXInvalidActivityException` (event code `0` or less) and `MXInvalidActivityFieldsException`
//! (a mandatory field is missing; by default `mx_Custom_1`, see
//! [`SandboxBuilder::mandatory_fields`]). The bodies of `401` and `404` are not documented either:
//! they carry `Status` and `ExceptionMessage` but no `ExceptionType`, so that no test comes to rely
//! on an invented name. An unknown `SearchBy` field is a logical error and gets `500` with
//! `MXInvalidInputException: Invalid SearchBy value provided`, as observed on the real API.
//!
//! The stateful endpoints' refusals are the sandbox's own too: LeadSquared's pages show none.
//! They come in the API's error envelope, `{"Status":"Error","ExceptionType":…,"ExceptionMessage":…}`,
//! with HTTP `500` (as LeadSquared answers logical errors) and an exception type the spec lists:
//!
//! - an id the sandbox does not hold: `MXInvalidLeadException` (a lead),
//!   `MXUnknownProspectActivityException` (an opportunity), `MXInvalidInputException` (a task);
//! - a unique value another lead has: `MXDuplicateEntryException` (named for Create a Lead in
//!   the spec);
//! - a lead without the attributes a call needs (Create a Lead without `FirstName`,
//!   `LastName`, `EmailAddress` or `Phone`; a capture without a unique field):
//!   `MXMandatoryAttributeMissingException`;
//! - a full store (see below): `MXSandboxLimitException`, an exception type of the sandbox
//!   alone.
//!
//! Some answers are not shown on their pages either, and are the sandbox's: Post an Activity on
//! a Lead answers `{"Status":"Success","Message":{"Id":…,"RelatedId":…}}` (the activity's id and
//! the lead's, as the sibling Post an Activity on an Opportunity page documents); Create an
//! Appointment answers `{"Status":"Success","Message":{"Id":…}}`; Update a Task answers
//! `{"Status":"Success","Message":{"AffectedRows":1}}` (its page is cut after `AffectedRows`).
//! Get Opportunities by Lead Id names each opportunity's id `ProspectActivityId`, as Get
//! Opportunities in Bulk by Ids does, and gives `RelatedProspectId`, `OpportunityEvent` and the
//! fields by schema name. Get Activities of a Lead gives each activity's `Id`, `EventCode`,
//! `CreatedOn` (the posted `ActivityDateTime`), `ActivityNote`, and its non-empty fields in
//! `Data`. The records carry no timestamps the caller did not send.
//!
//! # Bounded under abuse
//!
//! Nothing grows with the number of calls: the request log is a ring
//! ([`SandboxBuilder::request_log`]), bodies are kept only with [`SandboxBuilder::keep_bodies`]
//! and only for processed calls (or calls a fault answered), never for refused ones, and a
//! [lean](SandboxBuilder::lean) sandbox counts opportunities instead of keeping them. The store
//! holds at most [`DEFAULT_MAX_RECORDS`] (100,000) records of each kind and
//! [`DEFAULT_MAX_STORE_BYTES`] (64 MiB, measured as JSON) of them in all
//! ([`SandboxBuilder::max_records`], [`SandboxBuilder::max_store_bytes`]): a call that would
//! store more is refused with `MXSandboxLimitException` (a bulk row, in its row result), and
//! deleting records makes room. Request heads are limited to 64 KiB and bodies to
//! 8 MiB; a body is read only once the call is routed, authenticated and admitted. Slow clients
//! are cut off after [`SandboxBuilder::read_timeout`], at most
//! [`SandboxBuilder::max_connections`] connections are served at once, and a failing `accept`
//! (e.g. at the open-file limit) is retried after a growing pause instead of at once.
//!
//! # Example
//!
//! ```
//! use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
//! use leadsquared_sandbox::{Lead, Sandbox};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::builder()
//!     .lead(Lead::new().with_email("ana@example.com"))
//!     .start()
//!     .await?;
//! let client = sandbox.client()?;
//!
//! let row = OpportunityByLeadField::new("ana@example.com", 12114)
//!     .with_fields(vec![OpportunityField::new("mx_Custom_1", "Website redesign")]);
//! let answer = client.add_opportunities_in_bulk(SearchBy::EmailAddress, [row]).await?;
//!
//! assert_eq!(answer[0].opportunity_created, Some(true));
//! assert_eq!(sandbox.opportunities().len(), 1);
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! The same server runs standalone: `cargo run -p leadsquared-sandbox -- --addr
//! 127.0.0.1:8080` (or `cargo sandbox --addr …` in this repository) prints its base URL on the
//! first line. Its options are parsed by [`cli::run`], which another binary can call.

mod activities;
mod admin;
mod behaviour;
pub mod cli;
#[rustfmt::skip]
mod generated;
mod leads;
mod opportunities;
pub mod schema;
mod server;
mod state;
mod store;
mod tasks;

pub use generated::schema::SCHEMA;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use leadsquared::{Client, ClientBuilder, Credentials};

use crate::schema::{RateLimit, Schema};

use state::Shared;

/// The access key a sandbox accepts unless told otherwise.
pub const DEFAULT_ACCESS_KEY: &str = "sandbox-access-key";
/// The secret key a sandbox accepts unless told otherwise.
pub const DEFAULT_SECRET_KEY: &str = "sandbox-secret-key";
/// The lead fields that are unique in every LeadSquared account.
pub const DEFAULT_UNIQUE_FIELDS: [&str; 3] = ["EmailAddress", "Phone", "Mobile"];
/// The endpoints (by method name) with hand-written, stateful behaviour (see the crate docs);
/// every other endpoint of the spec is validated and answered with its spec example.
pub const STATEFUL_ENDPOINTS: &[&str] = behaviour::NAMES;

/// The most records of each kind (leads, opportunities, activities, tasks) a sandbox holds
/// unless told otherwise (see [`SandboxBuilder::max_records`]).
pub const DEFAULT_MAX_RECORDS: usize = 100_000;
/// The most bytes of record data (measured as JSON text) a sandbox holds over every kind unless
/// told otherwise (see [`SandboxBuilder::max_store_bytes`]): 64 MiB.
pub const DEFAULT_MAX_STORE_BYTES: usize = 64 * 1024 * 1024;

/// The opportunity fields a row must carry to be created unless told otherwise: the opportunity
/// name, which is mandatory in most accounts.
pub const DEFAULT_MANDATORY_FIELDS: [&str; 1] = ["mx_Custom_1"];

/// Why a sandbox could not start or take a lead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listening socket could not be bound.
    #[error("the sandbox could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Two leads have the same value of a unique field.
    #[error("a lead with {field} = {value:?} already exists; unique fields must differ between leads")]
    DuplicateLead {
        /// The unique field.
        field: String,
        /// The value both leads have.
        value: String,
    },
    /// A lead list (e.g. the `--leads` file) is not a JSON array of objects of strings.
    #[error("the lead list is not valid: {0}")]
    InvalidLeads(String),
    /// The store holds as many records as it may (see [`SandboxBuilder::max_records`]).
    #[error("{0}")]
    StoreFull(String),
    /// A plan the served schema does not have.
    #[error("no plan is named `{name}`; the plans are {}", .plans.join(", "))]
    UnknownPlan {
        /// The name given.
        name: String,
        /// The schema's plans.
        plans: Vec<&'static str>,
    },
    /// The last call the sandbox recorded is not an endpoint's documented request (see
    /// [`Sandbox::check_documented_request`]).
    #[error("the last call is not the documented request of `{endpoint}`: {reason}")]
    UndocumentedRequest {
        /// The endpoint's Rust method name.
        endpoint: String,
        /// What differs.
        reason: String,
    },
    /// A rate-limit class the served schema does not have.
    #[error("no rate-limit class is named `{name}`; the classes are {}", .classes.join(", "))]
    UnknownRateClass {
        /// The name given.
        name: String,
        /// The schema's classes.
        classes: Vec<&'static str>,
    },
}

/// Which rate-limit classes a limit given to the builder is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Classes {
    /// The first class (every endpoint that names none).
    First,
    /// The class of this name.
    Named(String),
    /// Every class.
    All,
}

/// The position of the plan `name` in `schema`, or the error naming the plans.
fn plan_index(schema: &Schema, name: &str) -> Result<usize, SandboxError> {
    schema.api.plan(name).ok_or_else(|| SandboxError::UnknownPlan {
        name: name.to_string(),
        plans: schema.api.plans.to_vec(),
    })
}

/// The position of the rate-limit class `name` in `schema`, or the error naming the classes.
fn class_index(schema: &Schema, name: &str) -> Result<usize, SandboxError> {
    schema
        .api
        .rate_class(name)
        .ok_or_else(|| SandboxError::UnknownRateClass {
            name: name.to_string(),
            classes: schema.api.rate_classes.iter().map(|class| class.name).collect(),
        })
}

/// Each class's limit on `plan` (its default without one).
fn plan_limits(schema: &Schema, plan: Option<usize>) -> Vec<Option<RateLimit>> {
    schema
        .api
        .rate_classes
        .iter()
        .map(|class| Some(class.limit(plan)))
        .collect()
}

fn rate_limit(calls: u32, per: Duration) -> RateLimit {
    RateLimit {
        calls,
        per_millis: per.as_millis().try_into().unwrap_or(u64::MAX),
    }
}

/// A lead in the sandbox's store: field values by schema name.
///
/// ```
/// use leadsquared_sandbox::Lead;
///
/// let lead = Lead::new().with_email("ana@example.com").with_field("mx_Customer_Code", "C-17");
/// assert_eq!(lead.field("EmailAddress"), Some("ana@example.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lead {
    id: Option<String>,
    fields: BTreeMap<String, String>,
}

impl Lead {
    /// A lead with no fields yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the field `schema_name` (e.g. `EmailAddress`, `mx_City`).
    pub fn with_field(mut self, schema_name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(schema_name.into(), value.into());
        self
    }

    /// Sets `EmailAddress`.
    pub fn with_email(self, email: impl Into<String>) -> Self {
        self.with_field("EmailAddress", email)
    }

    /// Sets `Phone`, e.g. `+91-2543456794`.
    pub fn with_phone(self, phone: impl Into<String>) -> Self {
        self.with_field("Phone", phone)
    }

    /// Sets `Mobile`.
    pub fn with_mobile(self, mobile: impl Into<String>) -> Self {
        self.with_field("Mobile", mobile)
    }

    /// Sets the lead's id (`ProspectID`); the sandbox assigns one when none is set.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The lead's id (`ProspectID`), once it is in a sandbox or when set with [`Lead::with_id`].
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The value of the field `schema_name`.
    pub fn field(&self, schema_name: &str) -> Option<&str> {
        self.fields.get(schema_name).map(String::as_str)
    }

    /// Every field, by schema name.
    pub fn fields(&self) -> &BTreeMap<String, String> {
        &self.fields
    }

    /// Leads from a JSON array of objects keyed by field schema name, the format of the
    /// standalone sandbox's `--leads` file: `[{"EmailAddress":"a@example.com","Phone":"+91-1"}]`.
    /// Numbers are taken as their text, `null` as absent; `ProspectID` sets the id.
    pub fn list_from_json(text: &str) -> Result<Vec<Lead>, SandboxError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|error| SandboxError::InvalidLeads(error.to_string()))?;
        Self::list_from_value(value)
    }

    /// [`Lead::list_from_json`] on parsed JSON.
    pub(crate) fn list_from_value(value: serde_json::Value) -> Result<Vec<Lead>, SandboxError> {
        let serde_json::Value::Array(items) = value else {
            return Err(SandboxError::InvalidLeads(
                "expected a JSON array of lead objects".into(),
            ));
        };
        let mut leads = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let serde_json::Value::Object(map) = item else {
                return Err(SandboxError::InvalidLeads(format!("lead {index} is not a JSON object")));
            };
            let mut lead = Lead::new();
            for (key, value) in map {
                let text = match value {
                    serde_json::Value::String(text) => text,
                    serde_json::Value::Number(number) => number.to_string(),
                    serde_json::Value::Bool(flag) => flag.to_string(),
                    serde_json::Value::Null => continue,
                    _ => {
                        let message = format!("lead {index}: `{key}` must be a string, a number or a boolean");
                        return Err(SandboxError::InvalidLeads(message));
                    }
                };
                lead = if key.eq_ignore_ascii_case("ProspectID") {
                    lead.with_id(text)
                } else {
                    lead.with_field(key, text)
                };
            }
            leads.push(lead);
        }
        Ok(leads)
    }
}

/// An opportunity in the sandbox's store, created through Add Opportunities in Bulk or Capture
/// Opportunities (or one of the [documented records](SandboxBuilder::documented_records)).
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// Its id, as answered in `ProspectOpportunityId` (or a capture's `ActivityId`).
    pub id: String,
    /// The id of the lead it belongs to.
    pub lead_id: String,
    /// `OpportunityEventCode`, the opportunity type.
    pub event_code: i64,
    /// The row exactly as it was sent (a capture's `Opportunity` object), with the note and
    /// fields of later Update an Opportunity calls set.
    pub row: serde_json::Value,
    /// The sequence number of the request that created it (see [`RecordedRequest::seq`]).
    pub request_seq: u64,
    /// The row's 1-based position in that request (`1` for a capture).
    pub row_number: usize,
}

impl Opportunity {
    /// The value of the opportunity field `schema_name` as sent in the row's `Fields`.
    pub fn field(&self, schema_name: &str) -> Option<&str> {
        self.row
            .get("Fields")?
            .as_array()?
            .iter()
            .find(|field| field.get("SchemaName").and_then(|name| name.as_str()) == Some(schema_name))?
            .get("Value")?
            .as_str()
    }
}

/// An activity posted on a lead through the sandbox (Post an Activity on a Lead).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Activity {
    /// Its id, as answered in `Message.Id`.
    pub id: String,
    /// The id of the lead it is posted on.
    pub lead_id: String,
    /// `ActivityEvent`, the activity type's event code.
    pub event_code: i64,
    /// The body that posted it, exactly as sent.
    pub post: serde_json::Value,
}

impl Activity {
    /// The value of the activity field `schema_name` as posted in `Fields`.
    pub fn field(&self, schema_name: &str) -> Option<&str> {
        self.post
            .get("Fields")?
            .as_array()?
            .iter()
            .find(|field| field.get("SchemaName").and_then(|name| name.as_str()) == Some(schema_name))?
            .get("Value")?
            .as_str()
    }
}

/// A task created through the sandbox (Create an Appointment or a To-Do).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Task {
    /// Its id (`TaskID` in Get Tasks by Lead Id, `UserTaskId` in Update a Task).
    pub id: String,
    /// Its attributes: the body that created it, with the attributes of later updates set.
    pub task: serde_json::Value,
}

impl Task {
    /// The lead the task is on: its `RelatedEntityId` when `RelatedEntity` is `1`.
    pub fn lead_id(&self) -> Option<&str> {
        self.related(1)
    }

    /// The opportunity the task is on: its `RelatedEntityId` when `RelatedEntity` is `5`.
    pub fn opportunity_id(&self) -> Option<&str> {
        self.related(5)
    }

    fn related(&self, entity: i64) -> Option<&str> {
        let kind = match self.task.get("RelatedEntity")? {
            serde_json::Value::Number(number) => number.as_i64(),
            serde_json::Value::String(text) => text.trim().parse().ok(),
            _ => None,
        };
        (kind == Some(entity))
            .then(|| self.task.get("RelatedEntityId")?.as_str())
            .flatten()
    }

    /// The string attribute `name`, e.g. `Name` or `DueDate`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.task.get(name)?.as_str()
    }
}

/// A misbehaviour for [`Sandbox::inject`] to apply to upcoming calls.
///
/// Faults apply to authenticated calls to known endpoints, after the rate limiter has counted
/// them, in the order they were injected.
///
/// Over HTTP (`POST /_sandbox/faults`) and on the standalone server's command line (`--fault`),
/// a fault is a JSON object named by `Fault`, with `Times` (how many calls, 1 by default):
///
/// | variant | JSON |
/// |---|---|
/// | `Status(500)` | `{"Fault":"Status","Status":500,"Times":2}` |
/// | `StatusAfterProcessing(500)` | `{"Fault":"StatusAfterProcessing","Status":500}` |
/// | `Exception { .. }` | `{"Fault":"Exception","Status":200,"ExceptionType":"MXAPIRateLimitExceededException","ExceptionMessage":"…"}` |
/// | `Response { .. }` | `{"Fault":"Response","Status":502,"Body":"<html>Bad gateway</html>"}` |
/// | `Delay(3 s)` | `{"Fault":"Delay","Millis":3000}` |
/// | `DropBeforeProcessing` | `{"Fault":"DropBeforeProcessing"}` |
/// | `DropAfterProcessing` | `{"Fault":"DropAfterProcessing"}` |
/// | `MalformedBody` | `{"Fault":"MalformedBody"}` |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status without processing the call. The body is a LeadSquared error
    /// envelope: `MXAPIRateLimitExceededException` for `429`, and no `ExceptionType` otherwise
    /// (for `500` that is the ambiguous kind: the client cannot know whether it was processed).
    Status(u16),
    /// Process the call, then answer with this status and an envelope without `ExceptionType`.
    StatusAfterProcessing(u16),
    /// Answer without processing with `{"Status":"Error","ExceptionType":…,"ExceptionMessage":…}`
    /// and this status, e.g. `200` with `MXAPIRateLimitExceededException`, or a deterministic `500`.
    Exception {
        /// The HTTP status.
        status: u16,
        /// The `ExceptionType`, e.g. `MXInvalidInputException`.
        exception_type: String,
        /// The `ExceptionMessage`.
        message: String,
    },
    /// Answer without processing with this status and this exact body.
    Response {
        /// The HTTP status.
        status: u16,
        /// The body, sent as `application/json` whatever it holds.
        body: String,
    },
    /// Process the call normally, but wait this long before answering.
    Delay(Duration),
    /// Close the connection without answering and without processing the call.
    DropBeforeProcessing,
    /// Process the call, then close the connection without answering.
    DropAfterProcessing,
    /// Process the call and answer `200` with a body that is not valid JSON.
    MalformedBody,
}

/// One call the sandbox received, for tests to inspect.
#[derive(Clone, PartialEq)]
pub struct RecordedRequest {
    /// Position in arrival order, from 0.
    pub seq: u64,
    /// When it arrived, measured from the sandbox's start.
    pub at: Duration,
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField`.
    pub path: String,
    /// The query parameters in order, with the access key and secret key values redacted.
    pub query: Vec<(String, String)>,
    /// The endpoint's Rust method name, when the path and method are known.
    pub endpoint: Option<&'static str>,
    /// The parsed JSON body of a processed call (or of one a fault answered), kept only by a
    /// sandbox built with [`SandboxBuilder::keep_bodies`].
    pub body: Option<serde_json::Value>,
    /// The number of rows of an array body, once the body was read.
    pub row_count: Option<usize>,
    /// The status answered; `None` while the call is in progress or when it was dropped.
    pub status: Option<u16>,
    /// Whether the connection was closed instead of answering (a fault).
    pub dropped: bool,
    /// Whether the call took effect (e.g. created opportunities).
    pub processed: bool,
    /// Whether the rate limiter counted it (it passed authentication and was not refused with 429).
    pub admitted: bool,
    /// When the rate limiter counted it, measured from the sandbox's start: the time the
    /// limit applies to (when its headers arrived, before its body was read).
    pub admitted_at: Option<Duration>,
    /// The fault applied to it, if any.
    pub fault: Option<Fault>,
}

impl RecordedRequest {
    /// The number of rows of an array body.
    pub fn rows(&self) -> Option<usize> {
        self.row_count
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("seq", &self.seq)
            .field("at", &self.at)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("endpoint", &self.endpoint)
            .field("rows", &self.rows())
            .field("status", &self.status)
            .field("dropped", &self.dropped)
            .field("processed", &self.processed)
            .field("admitted", &self.admitted)
            .field("admitted_at", &self.admitted_at)
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}

/// How the sandbox answers a call past the rate limit. The body is always LeadSquared's error
/// envelope with `MXAPIRateLimitExceededException` and the message "API calls exceeded the limit
/// of 25 in 5 second(s)"; only the HTTP status differs.
///
/// LeadSquared's [rate-limit page](https://apidocs.leadsquared.com/rate-limits/) says only that
/// the API "will throw an API rate limit exception"; it names no status. The spec lists `429`
/// for it (`spec/api.yaml`), and its description of `MXAPIRateLimitExceededException` records that
/// the exception also arrives in `200` bodies. A client must cope with both, so both can be
/// rehearsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitRefusal {
    /// HTTP `429 Too Many Requests` (the default).
    #[default]
    Status429,
    /// HTTP `200 OK` with the error envelope: a client that trusts the status alone takes the
    /// refusal for a success.
    Status200,
}

impl RateLimitRefusal {
    /// The HTTP status of a refusal.
    pub fn status(self) -> u16 {
        match self {
            RateLimitRefusal::Status429 => 429,
            RateLimitRefusal::Status200 => 200,
        }
    }

    /// The refusal answered with `status` (`429` or `200`).
    pub fn from_status(status: u16) -> Option<Self> {
        match status {
            429 => Some(RateLimitRefusal::Status429),
            200 => Some(RateLimitRefusal::Status200),
            _ => None,
        }
    }
}

/// Counts of what a sandbox has done since it started (or was [reset](Sandbox::reset)); see
/// [`Sandbox::summary`]. Unlike [`Sandbox::requests`], the counts cover calls that have left the
/// bounded request log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Calls received to the API (the sandbox's own `/_sandbox/...` calls are not counted).
    pub requests: u64,
    /// Calls still in the request log.
    pub logged_requests: usize,
    /// Calls that took effect.
    pub processed: u64,
    /// Opportunities created (a [lean](SandboxBuilder::lean) sandbox counts them without keeping
    /// them).
    pub opportunities: u64,
    /// Leads in the store.
    pub leads: usize,
    /// Activities in the store.
    pub activities: usize,
    /// Tasks in the store.
    pub tasks: usize,
    /// Calls the injected faults have yet to apply to.
    pub pending_faults: usize,
}

/// A function called with every finished call (see [`SandboxBuilder::on_call`]).
#[derive(Clone)]
pub(crate) struct CallHook(Arc<dyn Fn(&RecordedRequest) + Send + Sync>);

impl CallHook {
    pub(crate) fn call(&self, request: &RecordedRequest) {
        (self.0)(request);
    }
}

/// The request log's length unless told otherwise (see [`SandboxBuilder::request_log`]).
pub const DEFAULT_REQUEST_LOG: usize = 10_000;
/// The most connections a sandbox serves at once unless told otherwise (see
/// [`SandboxBuilder::max_connections`]).
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// How long a client may take to send a request's head, and then its body, unless told
/// otherwise (see [`SandboxBuilder::read_timeout`]).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Configures a [`Sandbox`]; start with [`Sandbox::builder`].
#[derive(Clone)]
pub struct SandboxBuilder {
    schema: &'static Schema,
    addr: SocketAddr,
    access_key: String,
    secret_key: String,
    plan: Option<String>,
    /// Limits given per class, applied in order over the plan's (`None`: not limited).
    rate_limits: Vec<(Classes, Option<RateLimit>)>,
    rate_limit_refusal: RateLimitRefusal,
    search_by_ignore_case: bool,
    unique_fields: Vec<String>,
    mandatory_fields: Vec<String>,
    leads: Vec<Lead>,
    documented_records: bool,
    max_records: usize,
    max_store_bytes: usize,
    latency: Duration,
    jitter: Option<(Duration, Duration)>,
    lean: bool,
    keep_bodies: bool,
    request_log: usize,
    max_connections: usize,
    read_timeout: Duration,
    on_call: Option<CallHook>,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("addr", &self.addr)
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .field("plan", &self.plan)
            .field("rate_limits", &self.rate_limits)
            .field("rate_limit_refusal", &self.rate_limit_refusal)
            .field("search_by_ignore_case", &self.search_by_ignore_case)
            .field("unique_fields", &self.unique_fields)
            .field("mandatory_fields", &self.mandatory_fields)
            .field("leads", &self.leads.len())
            .field("documented_records", &self.documented_records)
            .field("max_records", &self.max_records)
            .field("max_store_bytes", &self.max_store_bytes)
            .field("latency", &self.latency)
            .field("lean", &self.lean)
            .field("keep_bodies", &self.keep_bodies)
            .field("request_log", &self.request_log)
            .field("max_connections", &self.max_connections)
            .field("read_timeout", &self.read_timeout)
            .field("on_call", &self.on_call.is_some())
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            schema: &crate::SCHEMA,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            access_key: DEFAULT_ACCESS_KEY.into(),
            secret_key: DEFAULT_SECRET_KEY.into(),
            plan: None,
            rate_limits: Vec::new(),
            rate_limit_refusal: RateLimitRefusal::default(),
            search_by_ignore_case: false,
            unique_fields: DEFAULT_UNIQUE_FIELDS.iter().map(|f| f.to_string()).collect(),
            mandatory_fields: DEFAULT_MANDATORY_FIELDS.iter().map(|f| f.to_string()).collect(),
            leads: Vec::new(),
            documented_records: false,
            max_records: DEFAULT_MAX_RECORDS,
            max_store_bytes: DEFAULT_MAX_STORE_BYTES,
            latency: Duration::ZERO,
            jitter: None,
            lean: false,
            keep_bodies: false,
            request_log: DEFAULT_REQUEST_LOG,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            read_timeout: DEFAULT_READ_TIMEOUT,
            on_call: None,
        }
    }
}

impl SandboxBuilder {
    /// Serves another wire schema instead of [`crate::SCHEMA`], e.g. one generated from a test
    /// spec. Endpoints are matched by path; those without hand-written behaviour answer with
    /// their spec example.
    pub fn schema(mut self, schema: &'static Schema) -> Self {
        self.schema = schema;
        self
    }

    /// The address to listen on; `127.0.0.1:0` (an ephemeral loopback port) by default.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The keys the sandbox accepts; [`DEFAULT_ACCESS_KEY`] and [`DEFAULT_SECRET_KEY`] by default.
    /// They also guard the sandbox's own API (`/_sandbox/...`).
    pub fn credentials(mut self, access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.access_key = access_key.into();
        self.secret_key = secret_key.into();
        self
    }

    /// The account's plan, named as documented in any case (`standard`, `Enterprise`; the
    /// schema's `api.plans`): each rate-limit class starts from the plan's figure. Without a
    /// plan each class has its default, the spec's figure for an unknown plan (in LeadSquared's
    /// spec 25 calls per 5 s, and 1 per 5 s for the bulk endpoints). Limits set with
    /// [`rate_limit`](Self::rate_limit), [`class_rate_limit`](Self::class_rate_limit) or
    /// [`no_rate_limit`](Self::no_rate_limit) win over the plan's. An unknown plan makes
    /// [`start`](Self::start) fail with [`SandboxError::UnknownPlan`].
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// At most `calls` calls in any window of `per` for the first rate-limit class (in
    /// LeadSquared's spec `standard`: every endpoint but the bulk ones). The other classes
    /// keep their own limits ([`class_rate_limit`](Self::class_rate_limit)). Scaled-down
    /// windows such as 25 per 250 ms keep rate-limit tests fast.
    pub fn rate_limit(mut self, calls: u32, per: Duration) -> Self {
        self.rate_limits.push((Classes::First, Some(rate_limit(calls, per))));
        self
    }

    /// At most `calls` calls in any window of `per` for the rate-limit class named `class` (in
    /// any case), e.g. `bulk`, counted apart from the other classes' calls. An unknown class
    /// makes [`start`](Self::start) fail with [`SandboxError::UnknownRateClass`].
    pub fn class_rate_limit(mut self, class: impl Into<String>, calls: u32, per: Duration) -> Self {
        self.rate_limits
            .push((Classes::Named(class.into()), Some(rate_limit(calls, per))));
        self
    }

    /// Turns rate limiting off, for every class (a later [`rate_limit`](Self::rate_limit) or
    /// [`class_rate_limit`](Self::class_rate_limit) turns one class's back on).
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limits.push((Classes::All, None));
        self
    }

    /// Sets the limit of `classes` (`None`: not limited), over the plan's and earlier limits.
    pub(crate) fn limit_classes(mut self, classes: Classes, limit: Option<RateLimit>) -> Self {
        self.rate_limits.push((classes, limit));
        self
    }

    /// The plan, and each class's limit: the plan's (or the defaults), then the limits given,
    /// in order.
    pub(crate) fn rate_limits(&self) -> Result<(Option<usize>, Vec<Option<RateLimit>>), SandboxError> {
        let plan = self
            .plan
            .as_deref()
            .map(|name| plan_index(self.schema, name))
            .transpose()?;
        let mut limits = plan_limits(self.schema, plan);
        for (classes, limit) in &self.rate_limits {
            match classes {
                Classes::First => {
                    if let Some(first) = limits.first_mut() {
                        *first = *limit;
                    }
                }
                Classes::Named(name) => limits[class_index(self.schema, name)?] = *limit,
                Classes::All => limits.iter_mut().for_each(|each| *each = *limit),
            }
        }
        Ok((plan, limits))
    }

    /// How a call past the rate limit is answered: HTTP `429` (the default) or `200`, always
    /// with `MXAPIRateLimitExceededException` (see [`RateLimitRefusal`] for the sources).
    pub fn rate_limit_refusal(mut self, refusal: RateLimitRefusal) -> Self {
        self.rate_limit_refusal = refusal;
        self
    }

    /// Accepts a `SearchBy` value that names a unique field in another case (`emailaddress`).
    /// Off by default: the value must be the field's schema name exactly, as the crate docs
    /// explain.
    pub fn search_by_ignore_case(mut self, ignore_case: bool) -> Self {
        self.search_by_ignore_case = ignore_case;
        self
    }

    /// Makes another lead field unique (and so usable as `SearchBy`), e.g. `mx_Customer_Code`.
    pub fn unique_field(mut self, schema_name: impl Into<String>) -> Self {
        self.unique_fields.push(schema_name.into());
        self
    }

    /// The opportunity fields every row must carry (non-empty) to be created; replaces the
    /// default, [`DEFAULT_MANDATORY_FIELDS`]. Pass an empty list to require none.
    pub fn mandatory_fields<I, S>(mut self, schema_names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.mandatory_fields = schema_names.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a lead to the store.
    pub fn lead(mut self, lead: Lead) -> Self {
        self.leads.push(lead);
        self
    }

    /// Adds leads to the store.
    pub fn leads(mut self, leads: impl IntoIterator<Item = Lead>) -> Self {
        self.leads.extend(leads);
        self
    }

    /// Starts with the documented records: the leads, opportunities and tasks that the spec's
    /// examples name, so that every documented request finds what it addresses and every
    /// documented read finds a record (e.g. Get a Lead by Email's `george@example.com`, Get an
    /// Opportunity by Id's `4597c076-…`). The generated methods' doc examples run against such
    /// a sandbox. Off by default: a sandbox starts with the leads it is given and nothing else.
    ///
    /// Each stateful endpoint that names one record by id (Update a Lead, Delete an
    /// Opportunity, Update a Task, …) gets a record with the id its documented request names;
    /// Get a Lead by Email and Get a Lead by Phone Number add the leads of their documented
    /// answers, Get an Opportunity by Id the opportunity of its answer with its fields. Records
    /// whose unique values or ids the store already has are left out. Documented opportunities
    /// have no lead (`lead_id` is empty), event code `0`, and `request_seq` and `row_number`
    /// `0`.
    pub fn documented_records(mut self, documented: bool) -> Self {
        self.documented_records = documented;
        self
    }

    /// Holds at most `records` records of each kind (leads, opportunities, activities, tasks);
    /// [`DEFAULT_MAX_RECORDS`] by default. A call that would store one more is refused (see the
    /// crate docs), and so is a lead list that would not fit; deleting records makes room.
    pub fn max_records(mut self, records: usize) -> Self {
        self.max_records = records;
        self
    }

    /// Holds at most `bytes` of record data over every kind, measured as JSON text;
    /// [`DEFAULT_MAX_STORE_BYTES`] by default. With [`SandboxBuilder::max_records`] this bounds
    /// what any client can make the sandbox keep.
    pub fn max_store_bytes(mut self, bytes: usize) -> Self {
        self.max_store_bytes = bytes;
        self
    }

    /// Waits this long before every answer, like a network round trip (none by default).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Puts a network whose delay varies per call, uniformly from `min` to `max`, between the
    /// clients and the sandbox: a random part of each call's delay passes before the call
    /// arrives (and is counted against the rate limit), the rest before its answer leaves. Calls
    /// sent evenly then arrive bunched, as on a real network; a client that spaces its sends by
    /// the limit alone gets refused. None by default.
    pub fn jitter(mut self, min: Duration, max: Duration) -> Self {
        self.jitter = Some((min.min(max), max.max(min)));
        self
    }

    /// Counts created opportunities instead of keeping them, for long runs (benchmarks, soak
    /// tests): [`Sandbox::opportunities`] stays empty and [`Sandbox::summary`] has the count;
    /// the opportunity endpoints that name an opportunity by id find none.
    /// With the bounded request log, a lean sandbox's memory stays flat however many calls it
    /// serves. Off by default.
    pub fn lean(mut self, lean: bool) -> Self {
        self.lean = lean;
        self
    }

    /// Keeps the parsed JSON body of every processed call in the request log
    /// ([`RecordedRequest::body`]), for tests that check what a client sent; also of a call an
    /// injected [`Fault`] answered in its place (tests that script answers check what was sent).
    /// Off by default: bodies can be large. Refused calls (`400`, `401`, `404`, `408`, `429`)
    /// never keep theirs.
    pub fn keep_bodies(mut self, keep: bool) -> Self {
        self.keep_bodies = keep;
        self
    }

    /// Keeps the most recent `calls` calls in the request log ([`Sandbox::requests`]);
    /// [`DEFAULT_REQUEST_LOG`] by default, `0` to keep none. Older calls leave the log, while
    /// [`Sandbox::summary`] keeps counting.
    pub fn request_log(mut self, calls: usize) -> Self {
        self.request_log = calls;
        self
    }

    /// Serves at most this many connections at once ([`DEFAULT_MAX_CONNECTIONS`] by default;
    /// at least 1). Further connections wait in the operating system's backlog until one
    /// closes, so the sandbox never runs out of file descriptors because of its clients.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections;
        self
    }

    /// How long a client may take to send a request's head, and then its body
    /// ([`DEFAULT_READ_TIMEOUT`] by default). A connection whose head is late is closed (an idle
    /// keep-alive connection too, once it has waited this long for its next call); a late body
    /// gets `408`. Slow or stalled clients cannot hold connections forever.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Calls `hook` with every finished call (status decided, before the answer is written),
    /// e.g. to print a line per call as the standalone sandbox does. It runs on the server's
    /// task: keep it quick. The sandbox's own `/_sandbox/...` calls are not reported.
    pub fn on_call(mut self, hook: impl Fn(&RecordedRequest) + Send + Sync + 'static) -> Self {
        self.on_call = Some(CallHook(Arc::new(hook)));
        self
    }

    /// Binds the socket, stores the leads and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        let schema = self.schema;
        let shared = Arc::new(Shared::new(&self)?);
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: self.addr,
            source,
        })?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, Arc::clone(&shared), stopped));
        Ok(Sandbox {
            addr,
            base_url: base_url(schema, addr),
            shared,
            stop,
            task: Some(task),
        })
    }
}

/// The most of the sorted `times` within any window of length `window`.
fn most_in_window(times: &[Duration], window: Duration) -> usize {
    let mut most = 0;
    let mut start = 0;
    for end in 0..times.len() {
        // Half-open windows [t, t + window): a call `window` after another is in the next one.
        while start <= end && times[end] - times[start] >= window {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
}

/// The base URL a client uses for a sandbox at `addr`: the API's path on plain HTTP.
fn base_url(schema: &Schema, addr: SocketAddr) -> String {
    let path = schema
        .api
        .base_url
        .split_once("://")
        .map_or("", |(_, rest)| rest.find('/').map_or("", |i| &rest[i..]));
    format!("http://{addr}{path}")
}

/// A running sandbox; stops when [`shut down`](Sandbox::shutdown) or dropped.
pub struct Sandbox {
    addr: SocketAddr,
    base_url: String,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// A builder with the defaults: loopback, an ephemeral port, the default keys, each
    /// rate-limit class's default limit, no leads.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// Starts a sandbox with the defaults.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Self::builder().start().await
    }

    /// Starts the sandbox the endpoints' doc examples run against: it holds the records the
    /// documented examples name ([`SandboxBuilder::documented_records`]) and keeps request
    /// bodies ([`SandboxBuilder::keep_bodies`]) for [`check_documented_request`](Self::check_documented_request).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
    ///
    /// let sandbox = leadsquared_sandbox::Sandbox::with_documented_records().await?;
    /// let client = sandbox.client()?;
    /// let row = OpportunityByLeadField::new("+91-2543456794", 12114)
    ///     .with_opportunity_note("Add/ByEmailAddress")
    ///     .with_fields(vec![OpportunityField::new("mx_Custom_1", "XYZ")]);
    /// client.add_opportunities_in_bulk(SearchBy::Phone, [row]).await?;
    /// // One row of the two the documentation sends, and not all of their fields:
    /// assert!(sandbox.check_documented_request("add_opportunities_in_bulk").is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn with_documented_records() -> Result<Sandbox, SandboxError> {
        Self::builder().documented_records(true).keep_bodies(true).start().await
    }

    /// The base URL to give [`ClientBuilder::base_url`], e.g. `http://127.0.0.1:41234/v2`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The keys the sandbox accepts.
    pub fn credentials(&self) -> Credentials {
        self.shared.credentials()
    }

    /// A client builder aimed at this sandbox with its keys; add settings, then `build()`.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url.clone())
            .credentials(self.credentials())
    }

    /// A client for this sandbox.
    pub fn client(&self) -> Result<Client, leadsquared::Error> {
        self.client_builder().build()
    }

    /// Adds a lead to the store and returns its id.
    pub fn add_lead(&self, lead: Lead) -> Result<String, SandboxError> {
        let mut ids = self.shared.add_leads(vec![lead])?;
        Ok(ids.pop().unwrap_or_default())
    }

    /// Adds leads to the store, all or none (a lead whose unique field or id another lead has
    /// already, in the store or in `leads`, refuses the whole list); their ids, in order.
    pub fn add_leads(&self, leads: impl IntoIterator<Item = Lead>) -> Result<Vec<String>, SandboxError> {
        self.shared.add_leads(leads.into_iter().collect())
    }

    /// Every lead in the store, with its id.
    pub fn leads(&self) -> Vec<Lead> {
        self.shared.leads()
    }

    /// Every opportunity in the store, in creation order: those created and not deleted (none
    /// for a [lean](SandboxBuilder::lean) sandbox, which only counts them), with the changes
    /// of Update an Opportunity applied to their rows.
    pub fn opportunities(&self) -> Vec<Opportunity> {
        self.shared.opportunities()
    }

    /// Every activity in the store, in the order they were posted.
    pub fn activities(&self) -> Vec<Activity> {
        self.shared.activities()
    }

    /// Every task in the store, in creation order.
    pub fn tasks(&self) -> Vec<Task> {
        self.shared.tasks()
    }

    /// The calls in the request log, in arrival order: the most recent
    /// [`request_log`](SandboxBuilder::request_log) calls.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Checks that the last call this sandbox recorded is the documented request of `endpoint`
    /// (a Rust method name, e.g. `add_opportunities_in_bulk`): a call of that endpoint whose body
    /// is the request example of its documentation (compared as JSON) and whose query holds each
    /// documented query value. Bodies are compared only when the sandbox keeps them
    /// ([`SandboxBuilder::keep_bodies`]; [`Sandbox::with_documented_records`] does).
    ///
    /// # Errors
    ///
    /// [`SandboxError::UndocumentedRequest`], saying what differs.
    pub fn check_documented_request(&self, endpoint: &str) -> Result<(), SandboxError> {
        let differs = |reason: String| SandboxError::UndocumentedRequest {
            endpoint: endpoint.to_string(),
            reason,
        };
        let documented = self
            .shared
            .schema
            .endpoint_named(endpoint)
            .ok_or_else(|| differs("the served schema has no endpoint of that name".into()))?;
        let sent = self
            .requests()
            .pop()
            .ok_or_else(|| differs("the sandbox has recorded no call".into()))?;
        if sent.endpoint != Some(documented.name) {
            return Err(differs(format!("it was `{} {}`", sent.method, sent.path)));
        }
        let body = documented
            .request_example
            .map(serde_json::from_str::<serde_json::Value>)
            .transpose()
            .map_err(|error| differs(format!("the documented request example is not JSON: {error}")))?;
        if sent.body != body {
            let shown = |body: &Option<serde_json::Value>| body.as_ref().map_or("none".to_string(), |b| b.to_string());
            return Err(differs(format!(
                "the body sent was {}, the documented one {}",
                shown(&sent.body),
                shown(&body)
            )));
        }
        for (name, value) in documented.query_example {
            if !sent
                .query
                .iter()
                .any(|(sent_name, sent_value)| sent_name == name && sent_value == value)
            {
                return Err(differs(format!("the query has no `{name}={value}`")));
            }
        }
        Ok(())
    }

    /// Counts of calls, processed calls, created opportunities, leads, activities, tasks and
    /// pending faults.
    pub fn summary(&self) -> Summary {
        self.shared.summary()
    }

    /// The most calls the rate limiter admitted in any window of length `window` (by
    /// [`RecordedRequest::admitted_at`]) among the calls in the request log: what the server saw
    /// of a client's pacing.
    pub fn max_admitted_in_window(&self, window: Duration) -> usize {
        let mut times: Vec<Duration> = self
            .shared
            .with_requests(0, |requests| requests.filter_map(|r| r.admitted_at).collect());
        times.sort_unstable();
        most_in_window(&times, window)
    }

    /// [`max_admitted_in_window`](Self::max_admitted_in_window) for the calls of one rate-limit
    /// class (named as in the spec, e.g. `bulk`): what the server saw of a client's pacing of
    /// that class. A class the schema does not have counts nothing.
    pub fn max_admitted_in_class_window(&self, class: &str, window: Duration) -> usize {
        let schema = self.shared.schema;
        let Some(class) = schema.api.rate_class(class) else {
            return 0;
        };
        let mut times: Vec<Duration> = self.shared.with_requests(0, |requests| {
            requests
                .filter(|request| {
                    request
                        .endpoint
                        .and_then(|name| schema.endpoint_named(name))
                        .is_some_and(|endpoint| endpoint.rate_class == class)
                })
                .filter_map(|request| request.admitted_at)
                .collect()
        });
        times.sort_unstable();
        most_in_window(&times, window)
    }

    /// Applies `fault` to the next `times` calls (after any faults injected before it).
    pub fn inject(&self, fault: Fault, times: usize) {
        self.shared.inject(fault, times);
    }

    /// Removes every fault not yet applied.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// Changes the wait before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.shared.update_settings(|settings| settings.latency = latency);
    }

    /// Changes the limit of the first rate-limit class (`None` turns it off); the calls already
    /// counted stay counted.
    pub fn set_rate_limit(&self, limit: Option<(u32, Duration)>) {
        let limit = limit.map(|(calls, per)| rate_limit(calls, per));
        self.shared.update_settings(|settings| {
            if let Some(first) = settings.rate_limits.first_mut() {
                *first = limit;
            }
        });
    }

    /// Changes the limit of the rate-limit class named `class` (`None` turns it off); the
    /// calls already counted stay counted.
    ///
    /// # Errors
    ///
    /// [`SandboxError::UnknownRateClass`] when the schema has no such class.
    pub fn set_class_rate_limit(&self, class: &str, limit: Option<(u32, Duration)>) -> Result<(), SandboxError> {
        let index = class_index(self.shared.schema, class)?;
        let limit = limit.map(|(calls, per)| rate_limit(calls, per));
        self.shared
            .update_settings(|settings| settings.rate_limits[index] = limit);
        Ok(())
    }

    /// Sets every class's limit to `plan`'s figure (to the defaults with `None`); the calls
    /// already counted stay counted.
    ///
    /// # Errors
    ///
    /// [`SandboxError::UnknownPlan`] when the schema has no such plan.
    pub fn set_plan(&self, plan: Option<&str>) -> Result<(), SandboxError> {
        let schema = self.shared.schema;
        let plan = plan.map(|name| plan_index(schema, name)).transpose()?;
        self.shared.update_settings(|settings| {
            settings.plan = plan;
            settings.rate_limits = plan_limits(schema, plan);
        });
        Ok(())
    }

    /// Changes how calls past the rate limit are answered.
    pub fn set_rate_limit_refusal(&self, refusal: RateLimitRefusal) {
        self.shared
            .update_settings(|settings| settings.rate_limit_refusal = refusal);
    }

    /// Goes back to the state right after start: the records and settings it started with (ids
    /// included; the documented records, if it had them), no other records, no pending
    /// faults, an empty request log (sequence numbers start again at 0) and an empty rate-limit
    /// window.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops accepting calls, closes open connections and waits for the server to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
