//! A typed async client for the [LeadSquared](https://www.leadsquared.com) CRM REST API (v2).
//!
//! The endpoint methods, request and response types, regions and exception types are generated
//! from the YAML spec in the repository's `spec/` folder; the transport, authentication and
//! error decoding are a small hand-written runtime. What the client takes care of:
//!
//! - **Regional hosts.** Keys only work on their account's host; pick it with
//!   [`ClientBuilder::region`] or [`ClientBuilder::host`] (a wrong host answers 401).
//! - **Authentication** with the access key and secret key, in headers (the default, as
//!   LeadSquared recommends) or in the query string. Keys never appear in errors or logs.
//! - **Errors inside HTTP 200.** LeadSquared may answer `200` (or `429`, or `500`) with
//!   `{"Status":"Error",…}`; every body is checked, and failures become a typed [`Error`].
//!   [`Error::processed`] tells whether a failed call may have been acted on.
//! - **Checks before sending.** Batch sizes (e.g. at most 25 opportunities per call) and
//!   cross-field rules (e.g. `OverwriteFields` and `UpdateEmptyFields` are exclusive) are
//!   checked before anything is sent.
//! - **Rate limits per plan and class.** LeadSquared limits calls per account by plan, with a
//!   lower limit for its bulk APIs; [`ClientBuilder::plan`] picks the figures and the client
//!   keeps one limiter per [`RateLimitClass`], which bulk jobs and page walks wait on (single
//!   calls when asked: [`ClientBuilder::wait_for_rate_limit`]).
//! - **Lenient responses.** Numbers and booleans LeadSquared sometimes sends as strings
//!   (`"RowNumber":"3"`) are accepted.
//!
//! # Example
//!
//! ```no_run
//! use leadsquared::{Client, Credentials, Region};
//! use leadsquared::opportunities::{OpportunityByLeadField, OpportunityField, SearchBy};
//!
//! # async fn run() -> Result<(), leadsquared::Error> {
//! let client = Client::builder()
//!     .region(Region::Singapore)
//!     .credentials(Credentials::new("your access key", "your secret key"))
//!     .build()?;
//!
//! let rows = [OpportunityByLeadField::new("john@example.com", 12114)
//!     .with_opportunity_note("Website redesign")
//!     .with_fields(vec![
//!         OpportunityField::new("mx_Custom_1", "Website redesign"),
//!         OpportunityField::new("Status", "Open"),
//!     ])];
//!
//! match client.add_opportunities_in_bulk(SearchBy::EmailAddress, rows).await {
//!     Ok(answer) => {
//!         for row in &answer {
//!             println!("row {:?}: created {:?}", row.row_number, row.opportunity_created);
//!         }
//!     }
//!     Err(error) if error.is_rate_limit() => eprintln!("slow down: {error}"),
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! [`Client::from_env`] reads `LSQ_ACCESS_KEY`, `LSQ_SECRET_KEY` and optionally `LSQ_HOST` or
//! `LSQ_BASE_URL`, and `LSQ_AUTH_PLACEMENT` (`header` or `query`) instead.
//!
//! # How the API is laid out
//!
//! - [`Client`] has one method per endpoint, named after it in snake_case. Required inputs are
//!   its arguments; the method returns a request builder (in [`requests`]) with one method per
//!   optional query parameter, and the call is sent when the builder is awaited. Adding an
//!   optional parameter to an endpoint therefore never breaks a caller.
//! - Batch endpoints also have `<name>_all` (any number of rows; see [`bulk`]) and paged ones
//!   `<name>_pages` (every page as a stream; see [`pages`]). Both own a clone of the client and
//!   their arguments, so they can be returned, stored or spawned.
//! - Types live in the module of their group ([`opportunities`], [`leads`], [`activities`],
//!   [`search`]); the crate root keeps the client, its configuration, errors and what all
//!   groups share ([`ExceptionType`]).
//! - [`Client::call`] sends a request to an endpoint the spec does not describe yet, with the same
//!   authentication, error decoding, scrubbing, size limit and deadline.
//!
//! # Testing without LeadSquared
//!
//! The `leadsquared-sandbox` crate is an emulator of the API on loopback that validates every
//! request against the spec independently of this crate's types, keeps leads and created
//! opportunities, enforces the keys and the rate limit, and injects faults. Add it under
//! `[dev-dependencies]`; this crate has no server code or dependencies.
//!
//! # Logging
//!
//! Each call runs in a `debug`-level [`tracing`](https://docs.rs/tracing) span named
//! `leadsquared` (endpoint, method and path) and logs its status and elapsed time. Query strings,
//! headers and keys are never logged, and errors in log lines are scrubbed like their `Display`.
//!
//! # Bounds
//!
//! Every call has one deadline ([`ClientBuilder::timeout`], 60 s by default) covering the
//! connection, the answer and its decoding, and a size limit on the answer
//! ([`ClientBuilder::max_response_bytes`], 64 MiB by default), enforced while reading.

mod call;
mod client;
mod error;
#[rustfmt::skip]
mod generated;
#[cfg(test)]
#[rustfmt::skip]
mod golden;
// The README's examples are compiled as doctests, so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
// The contract between generated code and the hand-written runtime: crate-private, so that it
// can change with the generator without breaking users. What users read of it is re-exported
// below (`bulk`, `pages`, `endpoints`). It serves every spec the generator accepts, so the
// current spec need not use all of it (the golden tests compile the rest).
#[allow(dead_code)]
pub(crate) mod runtime;
// The golden outputs' wire schemas are data for the sandbox crate; its types are named
// `crate::schema` in generated code.
#[cfg(test)]
use leadsquared_sandbox::schema;

pub use call::Call;
pub use client::{
    Client, ClientBuilder, Credentials, DEFAULT_MAX_RESPONSE_BYTES, ENV_ACCESS_KEY, ENV_AUTH_PLACEMENT, ENV_BASE_URL,
    ENV_HOST, ENV_SECRET_KEY,
};
pub use error::{ApiError, Error};
pub use generated::api::{Plan, RateLimitClass, Region};
// The modules of the spec's groups (`opportunities`, `leads`, …), `requests` (one request
// builder per endpoint) and `endpoints` (their descriptions).
pub use generated::*;
// The types of no group, e.g. `ExceptionType`.
pub use generated::types::*;
// Re-exported because callers configure (`ClientBuilder::auth_placement`) and inspect
// (`Error::processed`) them.
pub use runtime::{AuthPlacement, Processed};

// The spec's `datetime`: LeadSquared's UTC `YYYY-MM-DD HH:MM:SS`, an instant to the second.
/// The date-time library [`DateTime`] is built on, so that callers need no dependency of their
/// own to build or convert one (`jiff::Timestamp`, `jiff::civil::date`, `jiff::SignedDuration`).
pub use jiff;
pub use runtime::{DateTime, DateTimeError};
// The spec's `json_text`: a JSON document kept as written, key order included.
pub use runtime::JsonText;

// Bulk jobs (`<name>_all`) and page walks (`<name>_pages`): what callers hold and read.
pub use runtime::{bulk, pages};

pub mod rules {
    //! The spec's cross-field rules, checked before anything is sent.
    //!
    //! A type whose spec states a rule (e.g. "at most one of `OverwriteFields` and
    //! `UpdateEmptyFields`") implements [`Validate`]; the client runs it on every body, and a
    //! broken rule is [`Error::InvalidBody`](crate::Error::InvalidBody) or
    //! [`Error::InvalidItem`](crate::Error::InvalidItem) carrying a [`RuleViolation`]. Call it
    //! yourself to check rows read from a file before a bulk job starts, with
    //! [`unknown_attributes`] to name a misspelt attribute first.
    pub use crate::runtime::{Rule, RuleViolation, UnknownAttribute, Validate, unknown_attributes};
}

/// What the spec says of each endpoint, as data: method, path, limits, rate-limit class, statuses.
///
/// One constant per endpoint (e.g. `endpoints::ADD_OPPORTUNITIES_IN_BULK`), for logs, metrics
/// and tools; the calls themselves are methods of [`Client`].
pub mod endpoints {
    pub use crate::generated::endpoints::*;
    pub use crate::runtime::{Endpoint, ItemLimit, Method, Processed, RateClass, RateLimit, StatusSpec};
}
