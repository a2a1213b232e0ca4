//! A call ready to send: endpoint, query pairs and a checked, serialized body.
//!
//! Generated methods build a [`Request`] and hand it to `Client::execute`. Every check that can
//! be made without the server happens while the request is built (item counts, the spec's rules),
//! so by the time the client sees a `Request` it is known to be sendable. This is why the body is
//! stored already serialized: a request that exists has passed serialization too, and the client
//! cannot fail for a reason that could have been found before any I/O.

use std::borrow::Cow;

use serde::Serialize;

use super::{Endpoint, QueryValue, RateClass, Validate};
use crate::Error;

/// One call to one endpoint, built by the generated methods.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until the client executes it"]
pub struct Request<'a> {
    pub(crate) endpoint: &'static Endpoint,
    /// The rate-limit class the call counts against: the endpoint's, unless a `Client::call`
    /// names another.
    pub(crate) rate_class: &'static RateClass,
    /// The path below the base URL when it is not the endpoint's (calls to endpoints the spec
    /// does not describe, through `Client::call`).
    pub(crate) path: Option<Cow<'a, str>>,
    pub(crate) query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl<'a> Request<'a> {
    /// Starts a call to `endpoint` with no query parameters and no body.
    pub fn new(endpoint: &'static Endpoint) -> Self {
        Request {
            endpoint,
            rate_class: endpoint.rate_class,
            path: None,
            query: Vec::new(),
            body: None,
        }
    }

    /// The path below the base URL.
    pub(crate) fn path(&self) -> &str {
        self.path.as_deref().unwrap_or(self.endpoint.path)
    }

    /// Adds the query parameter `name=value`; the client percent-encodes it when sending.
    pub fn query(mut self, name: &'static str, value: &'a (impl QueryValue + ?Sized)) -> Self {
        self.query.push((Cow::Borrowed(name), value.to_query()));
        self
    }

    /// Adds the query parameter `name=value` when `value` is set.
    pub fn query_opt(self, name: &'static str, value: Option<&'a (impl QueryValue + ?Sized)>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    /// Sets an object body whose type has no rules to check.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when serialization fails; nothing is sent.
    pub fn json_body<T: Serialize>(mut self, body: &T) -> Result<Self, Error> {
        let endpoint = self.endpoint.name;
        self.body = Some(to_json(body, OBJECT_BODY_CAPACITY).map_err(|source| Error::Serialize { endpoint, source })?);
        Ok(self)
    }

    /// Sets an object body, after checking the spec's rules on it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBody`] when a rule is broken, [`Error::Serialize`] when serialization
    /// fails; in both cases nothing is sent.
    pub fn checked_json_body<T: Serialize + Validate>(self, body: &T) -> Result<Self, Error> {
        let endpoint = self.endpoint.name;
        body.validate()
            .map_err(|violation| Error::InvalidBody { endpoint, violation })?;
        self.json_body(body)
    }

    /// Sets an object body, when the endpoint's optional body is given; without it, the call
    /// has no body.
    ///
    /// # Errors
    ///
    /// [`Error::Serialize`] when serialization fails; nothing is sent.
    pub fn json_body_opt<T: Serialize>(self, body: Option<&T>) -> Result<Self, Error> {
        match body {
            Some(body) => self.json_body(body),
            None => Ok(self),
        }
    }

    /// Sets an object body after checking the spec's rules on it, when the endpoint's optional
    /// body is given; without it, the call has no body.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidBody`] or [`Error::Serialize`]; nothing is sent.
    pub fn checked_json_body_opt<T: Serialize + Validate>(self, body: Option<&T>) -> Result<Self, Error> {
        match body {
            Some(body) => self.checked_json_body(body),
            None => Ok(self),
        }
    }

    /// Sets an array body whose items have no rules to check, after checking the endpoint's
    /// item limit: a wrong count is [`Error::ItemCount`], so a batch LeadSquared would refuse
    /// is never sent.
    ///
    /// # Errors
    ///
    /// [`Error::ItemCount`] or [`Error::Serialize`]; nothing is sent.
    pub fn array_body<T: Serialize>(self, items: &[T]) -> Result<Self, Error> {
        self.check_item_count(items.len())?;
        self.serialize_items(items)
    }

    /// Sets an array body, after checking the endpoint's item limit and each item's rules: the
    /// first item breaking a rule is [`Error::InvalidItem`] with its 0-based index.
    ///
    /// # Errors
    ///
    /// [`Error::ItemCount`], [`Error::InvalidItem`] or [`Error::Serialize`]; nothing is sent.
    pub fn checked_array_body<T: Serialize + Validate>(self, items: &[T]) -> Result<Self, Error> {
        self.check_item_count(items.len())?;
        let endpoint = self.endpoint.name;
        for (index, item) in items.iter().enumerate() {
            item.validate().map_err(|violation| Error::InvalidItem {
                endpoint,
                index,
                violation,
            })?;
        }
        self.serialize_items(items)
    }

    /// [`Error::ItemCount`] when `count` items are outside the endpoint's item limit.
    fn check_item_count(&self, count: usize) -> Result<(), Error> {
        match self.endpoint.items {
            Some(limit) if !limit.allows(count) => Err(Error::ItemCount {
                endpoint: self.endpoint.name,
                count,
                limit,
            }),
            _ => Ok(()),
        }
    }

    fn serialize_items<T: Serialize>(mut self, items: &[T]) -> Result<Self, Error> {
        let endpoint = self.endpoint.name;
        let capacity = items.len().saturating_mul(ITEM_BODY_CAPACITY).min(MAX_BODY_CAPACITY);
        self.body = Some(to_json(items, capacity).map_err(|source| Error::Serialize { endpoint, source })?);
        Ok(self)
    }
}

/// The first capacity of an object body's buffer, and of an array body's per item (up to
/// [`MAX_BODY_CAPACITY`]): the JSON is written into a buffer of about its size from the start,
/// instead of one that doubles from a few bytes (a 25-row body of 4 KiB would otherwise be
/// moved about ten times on the way). A body longer than the guess grows as usual.
const OBJECT_BODY_CAPACITY: usize = 512;
const ITEM_BODY_CAPACITY: usize = 192;
const MAX_BODY_CAPACITY: usize = 64 * 1024;

/// `value` as JSON, written into a buffer of `capacity` bytes to start with.
fn to_json<T: Serialize + ?Sized>(value: &T, capacity: usize) -> Result<Vec<u8>, serde_json::Error> {
    let mut buffer = Vec::with_capacity(capacity);
    serde_json::to_writer(&mut buffer, value)?;
    Ok(buffer)
}
