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
//! - **Lenient responses.** Numbers and booleans LeadSquared sometimes sends as strings
//!   (`"RowNumber":"3"`) are accepted.
//!
//! # Example
//!
//! ```no_run
//! use leadsquared::{Client, Credentials, OpportunityByLeadField, OpportunityField, Region, SearchBy};
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
//! match client.add_opportunities_in_bulk(&SearchBy::EmailAddress, &rows).await {
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
//! # Testing without LeadSquared
//!
//! The `sandbox` feature adds `leadsquared::sandbox`: an emulator of the API on loopback
//! that validates every request against the spec independently of this crate's types, keeps
//! leads and created opportunities, enforces the keys and the rate limit, and injects faults.
//! Enable it in `[dev-dependencies]`; without it the crate has no server code or dependencies.
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
pub mod runtime;
#[cfg(feature = "sandbox")]
#[cfg_attr(docsrs, doc(cfg(feature = "sandbox")))]
pub mod sandbox;

pub use client::{
    Client, ClientBuilder, Credentials, DEFAULT_MAX_RESPONSE_BYTES, ENV_ACCESS_KEY, ENV_AUTH_PLACEMENT, ENV_BASE_URL,
    ENV_HOST, ENV_SECRET_KEY,
};
pub use error::{ApiError, Error};
pub use generated::api::{API, Region};
pub use generated::endpoints;
pub use generated::schema::SCHEMA;
pub use generated::types::*;
// Re-exported from `runtime` because callers configure (`ClientBuilder::auth_placement`) and
// inspect (`Error::processed`) them.
pub use runtime::{AuthPlacement, Processed};
