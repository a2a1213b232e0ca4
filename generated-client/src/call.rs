//! Calls to endpoints the spec does not describe yet: [`Client::call`].
//!
//! The escape hatch sends any method, path, query and JSON body through the same machinery as
//! the generated methods: the client's base URL and keys (in headers or query, as configured),
//! the error envelope decoded into a typed [`Error`] (a `200` carrying `"Status":"Error"`
//! included), the API's documented statuses for what was processed, the scrubber on every
//! rendering, the response size limit and the deadline. What it cannot know is what the spec
//! would say: the answer is JSON (or any type you decode it into), nothing is validated before
//! sending, and the call is treated as not idempotent. It counts against the API's first
//! rate-limit class unless told otherwise ([`Call::rate_limit_class`]).

use std::future::IntoFuture;

use serde::de::DeserializeOwned;

use crate::generated::api::{API, RateLimitClass};
use crate::generated::endpoints::DEFAULT_STATUSES;
use crate::runtime::{Endpoint, Method, Request, ResponseFuture};
use crate::{Client, Error};

/// What errors and logs name a call through [`Client::call`] by.
const NAME: &str = "call";

fn endpoint(method: Method) -> &'static Endpoint {
    static GET: Endpoint = Endpoint {
        name: NAME,
        title: "A call to an endpoint the spec does not describe",
        group: "",
        docs_url: None,
        method: Method::Get,
        path: "",
        idempotent: false,
        // Unknown; not idempotent is what keeps such a call from being resent.
        changes_state: false,
        items: None,
        rate_class: &API.rate_classes[0],
        statuses: DEFAULT_STATUSES,
    };
    static POST: Endpoint = Endpoint {
        method: Method::Post,
        ..GET
    };
    match method {
        Method::Post => &POST,
        _ => &GET,
    }
}

impl Client {
    /// A call to an endpoint the spec does not describe yet: `method` and `path` below the base
    /// URL (e.g. `/LeadManagement.svc/Lead.Create`), with query parameters and a JSON body set
    /// on the returned [`Call`]. Await it for the answer as JSON, or use [`Call::send`] to
    /// decode it into your own type.
    ///
    /// The call has the client's authentication, error decoding ([`Error::Rejected`] for a `200`
    /// that says `"Status":"Error"`, typed errors for the API's documented statuses), scrubbing
    /// of keys, response size limit and deadline. Nothing is checked before sending, and a
    /// failure whose outcome is unknown is reported as such: whether to resend is yours to
    /// decide.
    ///
    /// ```no_run
    /// use leadsquared::Client;
    /// use leadsquared::endpoints::Method;
    ///
    /// # async fn run(client: Client) -> Result<(), leadsquared::Error> {
    /// let lead = client
    ///     .call(Method::Get, "/LeadManagement.svc/Leads.GetById")
    ///     .query("id", "6f75b09d-0187-45d6-86dd-f848bd5a0aca")
    ///     .await?;
    /// println!("{lead:#}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn call(&self, method: Method, path: impl Into<String>) -> Call {
        Call {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            rate_class: RateLimitClass::default(),
        }
    }
}

/// A call to an endpoint the spec does not describe, made by [`Client::call`]: add query
/// parameters and a body, then `.await` it (the answer as JSON) or [`Call::send`] it.
#[derive(Debug, Clone)]
#[must_use = "a call does nothing until it is awaited"]
pub struct Call {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    rate_class: RateLimitClass,
}

impl Call {
    /// Adds the query parameter `name=value` (percent-encoded when sent). The keys are the
    /// client's to add: `accessKey` and `secretKey` are refused when the call is sent.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body (sent with `Content-Type: application/json`).
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Counts the call against `class` instead of the first class ([`RateLimitClass::default`],
    /// `standard`): for an endpoint LeadSquared lists among its bulk APIs, say. It decides
    /// which limiter the call waits on when it waits
    /// ([`ClientBuilder::wait_for_rate_limit`](crate::ClientBuilder::wait_for_rate_limit)).
    pub fn rate_limit_class(mut self, class: RateLimitClass) -> Self {
        self.rate_class = class;
        self
    }

    /// Sends the call and decodes a successful answer as `T`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the path does not start with `/` or holds a query or fragment, or
    /// a query parameter carries a key; otherwise the errors of any generated method.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        let endpoint = endpoint(self.method);
        if !self.path.starts_with('/') || self.path.contains(['?', '#']) {
            return Err(Error::config(
                "a call's path starts with `/` and is below the base URL (e.g. `/LeadManagement.svc/Lead.Create`); give query parameters with `Call::query`",
            ));
        }
        let auth = API.auth;
        if let Some((name, _)) = self.query.iter().find(|(name, _)| {
            [auth.query_access_key, auth.query_secret_key]
                .iter()
                .any(|key| name.eq_ignore_ascii_case(key))
        }) {
            return Err(Error::config(format!(
                "the query parameter `{name}` carries a key; the client adds the keys itself (see `ClientBuilder::auth_placement`)"
            )));
        }
        let mut request = Request::new(endpoint);
        request.rate_class = self.rate_class.describe();
        request.path = Some(self.path.as_str().into());
        request.query = self
            .query
            .iter()
            .map(|(name, value)| (name.as_str().into(), value.as_str().into()))
            .collect();
        if let Some(body) = &self.body {
            request = request.json_body(body)?;
        }
        self.client.execute(request).await
    }
}

impl IntoFuture for Call {
    type Output = Result<serde_json::Value, Error>;
    type IntoFuture = ResponseFuture<serde_json::Value>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
