//! The hand-written runtime that generated code builds on.
//!
//! The split follows one question: does this depend on the spec? What does not (transport,
//! authentication, error decoding, lenient parsing, rule checking) is written once here; what
//! does (types, endpoint descriptions, one thin method per endpoint) is generated into
//! `crate::generated`. Generated code uses only the items re-exported from this module, by
//! their full paths (`crate::runtime::…`); those names and shapes are the contract with the
//! generator and change only together with it.
//!
//! - Plain data ([`Api`], [`Endpoint`], [`StatusSpec`]…) carries the spec's facts into the
//!   runtime as `const` values.
//! - [`Request`] collects a call's query and body, checking limits and rules before anything is
//!   sent.
//! - [`Validate`] and [`RuleViolation`] express the spec's cross-field rules.
//! - [`QueryValue`], [`open_enum`], [`integer_enum`], [`lenient`], [`as_string`] and
//!   [`json_string`] convert values to and from the wire; [`DateTime`] and [`JsonText`]
//!   (public, re-exported at the crate root) are the spec's `datetime` and `json_text`.
//! - [`Entries`] hold the attribute/value pairs of the `kind: attributes` types ([`attributes`]).
//! - [`Bulk`] runs any number of rows through a batch endpoint under the rate limit ([`bulk`]).
//! - [`Pages`] walks the pages of a paged endpoint for its generated `…_pages` method.
//! - `response` (crate-private) turns a status and body into a typed result or error; the
//!   client in `crate::client` only moves bytes.

pub mod as_string;
pub mod attributes;
pub mod bulk;
pub mod datetime;
mod describe;
pub mod integer_enum;
pub mod json_string;
mod json_text;
pub mod lenient;
pub(crate) mod limiter;
pub mod open_enum;
pub mod pages;
mod query;
mod request;
pub(crate) mod response;
pub(crate) mod text;
mod validate;

#[allow(
    unused_imports,
    reason = "generated code names them for each `kind: attributes` type"
)]
pub use attributes::{Entries, PairNames};
#[allow(
    unused_imports,
    reason = "generated code names them; a build without the groups that use them does not"
)]
pub(crate) use bulk::{Bulk, IntoRows, RowResult};
pub use datetime::{DateTime, DateTimeError};
pub use describe::{
    Api, Auth, AuthPlacement, Endpoint, ErrorEnvelope, ItemLimit, Method, Processed, RateClass, RateLimit, StatusSpec,
};
pub use json_text::JsonText;
#[allow(
    unused_imports,
    reason = "generated code names them; a build without the groups that use them does not"
)]
pub use pages::{Page, Pages};
#[allow(
    unused_imports,
    reason = "generated code names them; a build without the groups that use them does not"
)]
pub(crate) use pages::{PageAt, PageStyle};
pub use query::QueryValue;
pub use request::Request;
pub use validate::{Rule, RuleViolation, UnknownAttribute, Validate, unknown_attributes};
// Called by generated `Validate` impls of types with item limits on fields (none, in some specs).
#[allow(unused_imports)]
pub use validate::check_item_count;

/// What awaiting a request builder gives: the call, boxed so that the builder's `IntoFuture`
/// names one type.
pub type ResponseFuture<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, crate::Error>> + Send + 'static>>;
