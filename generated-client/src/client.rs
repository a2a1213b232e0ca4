//! The HTTP client: configuration, authentication, sending, and turning answers into results.
//!
//! [`Client`] is a cheap handle (an `Arc` around one `reqwest::Client` and the resolved
//! configuration), so it can be cloned into every task that makes calls and they share one
//! connection pool. Everything spec-specific arrives through a [`Request`] built by generated
//! code; this module only knows how LeadSquared authenticates and how to move bytes. Decoding
//! the answer is `runtime::response`'s job.
//!
//! Keys are the one thing here that must never leak, and the design keeps them in as few places
//! as possible: [`Credentials`] prints as `<redacted>`; the header values are marked sensitive;
//! the full URL (which holds the secret key in query mode) exists only inside `send`, is never
//! logged, and every `reqwest::Error` is stripped of it with `without_url` before it is stored or
//! printed. Redirects are not followed, because following one would forward the key headers to
//! wherever the `Location` points.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::Error;
use crate::generated::api::{API, Region};
use crate::runtime::limiter::{RateLimiter, default_margin};
use crate::runtime::{AuthPlacement, Method, RateLimit, Request, response};

/// The environment variable [`Client::from_env`] reads the full base URL from (it wins over the
/// host), e.g. `http://127.0.0.1:8080/v2` for a local sandbox.
pub const ENV_BASE_URL: &str = "LSQ_BASE_URL";
/// The environment variable [`Client::from_env`] reads the host name from, e.g.
/// `api-in21.leadsquared.com`.
pub const ENV_HOST: &str = "LSQ_HOST";
/// The environment variable [`Client::from_env`] reads the access key from.
pub const ENV_ACCESS_KEY: &str = "LSQ_ACCESS_KEY";
/// The environment variable [`Client::from_env`] reads the secret key from.
pub const ENV_SECRET_KEY: &str = "LSQ_SECRET_KEY";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const JSON: &str = "application/json";

/// A LeadSquared user's access key and secret key.
///
/// Every call runs with that user's permissions. Both keys are shown in LeadSquared under
/// My Account > Settings > API and Webhooks. `Debug` never prints them.
#[derive(Clone)]
pub struct Credentials {
    access_key: String,
    secret_key: String,
}

impl Credentials {
    /// Wraps an access key and a secret key.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Credentials {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
        }
    }

    /// Both keys, for removing them from any text the client keeps.
    fn secrets(&self) -> [&str; 2] {
        [&self.access_key, &self.secret_key]
    }

    /// Checks both keys and builds the two sensitive header values.
    fn header_values(&self) -> Result<[HeaderValue; 2], Error> {
        let check = |name: &str, key: &str| -> Result<HeaderValue, Error> {
            if key.is_empty() {
                return Err(Error::config(format!(
                    "the {name} is empty; copy it from LeadSquared (My Account > Settings > API and Webhooks)"
                )));
            }
            if key.trim() != key {
                return Err(Error::config(format!(
                    "the {name} starts or ends with whitespace; copy it again without the spaces"
                )));
            }
            let mut value = HeaderValue::from_str(key).map_err(|_| {
                Error::config(format!(
                    "the {name} contains characters that cannot be sent in an HTTP header (e.g. a line break); copy it again"
                ))
            })?;
            value.set_sensitive(true);
            Ok(value)
        };
        Ok([
            check("access key", &self.access_key)?,
            check("secret key", &self.secret_key)?,
        ])
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &"<redacted>")
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Configures and builds a [`Client`]; start with [`Client::builder`].
///
/// The host is chosen, from strongest to weakest, by [`base_url`](Self::base_url), then the last
/// of [`region`](Self::region) and [`host`](Self::host), then the default region (Singapore).
/// Keys only work on their account's regional host: another region's host answers 401.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder {
    host: Option<String>,
    base_url: Option<String>,
    credentials: Option<Credentials>,
    auth_placement: AuthPlacement,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: Option<String>,
    rate_limit: RateLimit,
    rate_limit_margin: Option<Duration>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            host: None,
            base_url: None,
            credentials: None,
            auth_placement: API.auth.preferred,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: None,
            rate_limit: API.rate_limit,
            rate_limit_margin: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults: default region, keys in headers, 10 s to connect, 60 s per
    /// call, no credentials yet.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// Reads the configuration from the environment: [`ENV_BASE_URL`] (wins) or [`ENV_HOST`]
    /// (both optional; the default region otherwise), [`ENV_ACCESS_KEY`] and [`ENV_SECRET_KEY`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the key variables that are missing or empty.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) over any source of variables, so it can be tested without
    /// touching the process environment.
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let (access_key, secret_key) = (get(ENV_ACCESS_KEY), get(ENV_SECRET_KEY));
        let (Some(access_key), Some(secret_key)) = (access_key.clone(), secret_key.clone()) else {
            let missing: Vec<&str> = [(ENV_ACCESS_KEY, &access_key), (ENV_SECRET_KEY, &secret_key)]
                .into_iter()
                .filter_map(|(name, value)| value.is_none().then_some(name))
                .collect();
            return Err(Error::config(format!(
                "{} not set; set {ENV_ACCESS_KEY} and {ENV_SECRET_KEY} to your LeadSquared access key and secret key",
                missing.join(" and ")
            )));
        };
        let mut builder = ClientBuilder::new().credentials(Credentials::new(access_key, secret_key));
        if let Some(base_url) = get(ENV_BASE_URL) {
            builder = builder.base_url(base_url);
        } else if let Some(host) = get(ENV_HOST) {
            builder = builder.host(host);
        }
        Ok(builder)
    }

    /// Sends calls to `region`'s host.
    pub fn region(mut self, region: Region) -> Self {
        self.host = Some(region.host().to_owned());
        self
    }

    /// Sends calls to `host`, a bare host name such as `api-in21.leadsquared.com`, which replaces
    /// `{host}` in `https://{host}/v2`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sends calls below `base_url` instead (e.g. `http://127.0.0.1:8080/v2` for a local
    /// sandbox); the endpoint paths are appended to it. Overrides the region and host.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The account's rate limit, which bulk jobs (the `<endpoint>_all` methods) keep to: at most
    /// `calls` calls in any window of `per`. The documented default is 25 calls in 5 seconds;
    /// plans differ (from 2 to 25 calls per 5 s), so set yours. All clones of the client share
    /// one limiter; single calls (the plain endpoint methods) are not held back by it.
    pub fn rate_limit(mut self, calls: u32, per: Duration) -> Self {
        let per_millis = u64::try_from(per.as_millis()).unwrap_or(u64::MAX).max(1);
        self.rate_limit = RateLimit {
            calls: calls.max(1),
            per_millis,
        };
        self
    }

    /// Extra time added to the rate-limit window so that network jitter cannot make the server
    /// count more calls in one window than the client sent: 3% of the window by default, at least
    /// 20 ms and at most 250 ms.
    pub fn rate_limit_margin(mut self, margin: Duration) -> Self {
        self.rate_limit_margin = Some(margin);
        self
    }

    /// The access key and secret key to authenticate with (required).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Where to send the keys; headers by default, as LeadSquared recommends.
    pub fn auth_placement(mut self, placement: AuthPlacement) -> Self {
        self.auth_placement = placement;
        self
    }

    /// How long to wait for a connection (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a whole call may take, from connecting to the last byte of the answer (60 s by
    /// default). A call that times out may still have been processed.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `User-Agent` header; `leadsquared-rust/<version>` by default.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the credentials are missing or unusable, the host or base URL is
    /// not valid, or the HTTP client cannot be set up; the message says what to change.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.clone().ok_or_else(|| {
            Error::config(
                "no credentials; call ClientBuilder::credentials(Credentials::new(access_key, secret_key)), \
                 or use Client::from_env with LSQ_ACCESS_KEY and LSQ_SECRET_KEY set",
            )
        })?;
        let [access_value, secret_value] = credentials.header_values()?;
        let mut auth_headers = HeaderMap::with_capacity(2);
        auth_headers.insert(header_name(API.auth.header_access_key)?, access_value);
        auth_headers.insert(header_name(API.auth.header_secret_key)?, secret_value);

        // Headers every call sends (the keys marked sensitive), set once on the HTTP client
        // rather than per call.
        let mut default_headers = HeaderMap::with_capacity(3);
        default_headers.insert(ACCEPT, HeaderValue::from_static(JSON));
        if self.auth_placement == AuthPlacement::Header {
            default_headers.extend(auth_headers);
        }

        Ok(Client {
            inner: Arc::new(Inner {
                http: self.http_client(default_headers)?,
                base_url: self.resolve_base_url()?,
                auth_placement: self.auth_placement,
                credentials,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                limiter: Arc::new(RateLimiter::new(
                    self.rate_limit,
                    self.rate_limit_margin
                        .unwrap_or_else(|| default_margin(Duration::from_millis(self.rate_limit.per_millis))),
                )),
            }),
        })
    }

    /// The base URL the options select, checked. Error messages never repeat the URL, since a
    /// caller may have put keys in it.
    fn resolve_base_url(&self) -> Result<Url, Error> {
        let text = match (&self.base_url, &self.host) {
            (Some(base_url), _) => base_url.trim().to_owned(),
            (None, Some(host)) => {
                let host = host.trim();
                let bare = !host.is_empty() && !host.contains(|c: char| c.is_whitespace() || "/?#@".contains(c));
                if !bare {
                    return Err(Error::config(
                        "the host must be a bare host name such as api-in21.leadsquared.com; \
                         to pass a full URL use ClientBuilder::base_url",
                    ));
                }
                API.base_url.replace("{host}", host)
            }
            (None, None) => API.base_url.replace("{host}", Region::default().host()),
        };
        let url = Url::parse(&text).map_err(|error| {
            Error::config(format!(
                "the base URL is not valid ({error}); pass an absolute URL such as https://api.leadsquared.com/v2"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
            return Err(Error::config(
                "the base URL must be an http or https URL with a host, such as https://api.leadsquared.com/v2",
            ));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
            return Err(Error::config(
                "the base URL must not contain a query, fragment, user name or password; \
                 pass the keys with ClientBuilder::credentials",
            ));
        }
        Ok(url)
    }

    /// The one place the HTTP stack is set up, with TLS from [`tls_config`]: rustls, so the
    /// crate needs no system OpenSSL.
    fn http_client(&self, default_headers: HeaderMap) -> Result<reqwest::Client, Error> {
        let user_agent = self
            .user_agent
            .clone()
            .unwrap_or_else(|| concat!("leadsquared-rust/", env!("CARGO_PKG_VERSION")).to_owned());
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(user_agent)
            .default_headers(default_headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| Error::config(format!("could not set up the HTTP client: {}", error.without_url())))
    }
}

/// TLS: rustls with the *ring* crypto provider and the operating system's trust store.
///
/// The provider is passed explicitly rather than installed process-wide, so the client never
/// fights an application over rustls's global default. ring instead of aws-lc-rs keeps the
/// build free of a C library build step beyond ring's own small one, and free of OpenSSL.
pub(crate) fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map(|builder| builder.with_no_client_auth())
        .map_err(|error| Error::config(format!("could not set up TLS: {error}")))
}

fn header_name(name: &'static str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        Error::config(format!(
            "the spec's auth header name {name:?} is not a valid header name"
        ))
    })
}

/// A LeadSquared API client; one method per endpoint (see [`crate::endpoints`]).
///
/// Cloning is cheap and clones share one connection pool, so build one client and clone it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    auth_placement: AuthPlacement,
    credentials: Credentials,
    connect_timeout: Duration,
    timeout: Duration,
    /// The account's rate limit, shared by every clone; used by bulk jobs.
    limiter: Arc<RateLimiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url.as_str())
            .field("auth_placement", &inner.auth_placement)
            .field("connect_timeout", &inner.connect_timeout)
            .field("timeout", &inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; [`ClientBuilder::credentials`] is the one required setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment; see [`ClientBuilder::from_env`].
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when a key variable is missing or the configuration is not valid.
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// The base URL calls are sent below, e.g. `https://api.leadsquared.com/v2`.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Where the keys are sent.
    pub fn auth_placement(&self) -> AuthPlacement {
        self.inner.auth_placement
    }

    /// The rate limit bulk jobs keep to (see [`ClientBuilder::rate_limit`]).
    pub fn rate_limit(&self) -> RateLimit {
        self.inner.limiter.limit()
    }

    pub(crate) fn rate_limiter(&self) -> Arc<RateLimiter> {
        Arc::clone(&self.inner.limiter)
    }

    /// Sends `request` and decodes the answer as `R`; called by the generated endpoint methods.
    ///
    /// Logs a `debug` span per call (endpoint name, method, path without query) and one event
    /// with the status and elapsed time; never the query, headers or keys.
    pub(crate) async fn execute<R: DeserializeOwned>(&self, request: Request<'_>) -> Result<R, Error> {
        let endpoint = request.endpoint;
        let span = tracing::debug_span!(
            "leadsquared",
            endpoint = endpoint.name,
            method = endpoint.method.as_str(),
            path = endpoint.path,
        );
        self.send(request).instrument(span).await
    }

    async fn send<R: DeserializeOwned>(&self, request: Request<'_>) -> Result<R, Error> {
        let inner = &*self.inner;
        let endpoint = request.endpoint;
        let method = match endpoint.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        // `Accept` and, in header mode, the keys are the HTTP client's default headers.
        let mut http = inner.http.request(method, self.url(&request));
        if let Some(body) = request.body {
            http = http.header(CONTENT_TYPE, JSON).body(body);
        }

        // The clock is read only when the events below are logged.
        let started = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let elapsed_ms = || {
            started.map_or(0, |started| {
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
            })
        };
        let fail = |error: reqwest::Error| {
            let error = transport_error(endpoint.name, error);
            tracing::debug!(elapsed_ms = elapsed_ms(), error = %error, "call failed");
            error
        };
        let response = http.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(fail)?;
        tracing::debug!(
            status,
            elapsed_ms = elapsed_ms(),
            body_bytes = body.len(),
            "response received"
        );

        response::decode(endpoint, status, &body, &inner.credentials.secrets())
    }

    /// The full URL of `request`: base URL, endpoint path, query pairs and, in query mode, the
    /// keys. It holds the secret key, so it must not outlive `send` or reach a log or error.
    fn url(&self, request: &Request<'_>) -> Url {
        let inner = &*self.inner;
        let mut url = inner.base_url.clone();
        let path = format!(
            "{}{}",
            inner.base_url.path().trim_end_matches('/'),
            request.endpoint.path
        );
        url.set_path(&path);
        let keys_in_query = inner.auth_placement == AuthPlacement::Query;
        if !request.query.is_empty() || keys_in_query {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &request.query {
                pairs.append_pair(name, value);
            }
            if keys_in_query {
                pairs.append_pair(API.auth.query_access_key, &inner.credentials.access_key);
                pairs.append_pair(API.auth.query_secret_key, &inner.credentials.secret_key);
            }
        }
        url
    }
}

/// Classifies a transport failure, dropping its URL first (it holds the secret key in query
/// mode). A connect error is checked before a timeout: a connection that timed out was never
/// made, so nothing was sent.
fn transport_error(endpoint: &'static str, error: reqwest::Error) -> Error {
    let source = error.without_url();
    if source.is_connect() {
        Error::Connect { endpoint, source }
    } else if source.is_timeout() {
        Error::Timeout { endpoint, source }
    } else {
        Error::Transport { endpoint, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    fn config_message(result: Result<impl fmt::Debug, Error>) -> String {
        match result {
            Err(Error::Config { message }) => message,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn env_keys_are_required_and_named() {
        let message = config_message(ClientBuilder::from_lookup(lookup(&[])));
        assert!(
            message.starts_with("LSQ_ACCESS_KEY and LSQ_SECRET_KEY not set"),
            "{message}"
        );
        let message = config_message(ClientBuilder::from_lookup(lookup(&[("LSQ_ACCESS_KEY", "a")])));
        assert!(message.starts_with("LSQ_SECRET_KEY not set"), "{message}");
    }

    #[test]
    fn env_base_url_wins_over_host() -> Result<(), Error> {
        let keys = [("LSQ_ACCESS_KEY", "a"), ("LSQ_SECRET_KEY", "s")];
        let client = ClientBuilder::from_lookup(lookup(&keys))?.build()?;
        assert_eq!(client.base_url(), "https://api.leadsquared.com/v2");
        let vars = [keys[0], keys[1], ("LSQ_HOST", "api-in21.leadsquared.com")];
        let client = ClientBuilder::from_lookup(lookup(&vars))?.build()?;
        assert_eq!(client.base_url(), "https://api-in21.leadsquared.com/v2");
        let vars = [
            keys[0],
            keys[1],
            ("LSQ_HOST", "api-in21.leadsquared.com"),
            ("LSQ_BASE_URL", "http://127.0.0.1:9/v2"),
        ];
        let client = ClientBuilder::from_lookup(lookup(&vars))?.build()?;
        assert_eq!(client.base_url(), "http://127.0.0.1:9/v2");
        Ok(())
    }

    #[test]
    fn region_and_host_select_the_base_url() -> Result<(), Error> {
        let builder = Client::builder().credentials(Credentials::new("a", "s"));
        let client = builder.clone().region(Region::UnitedStates).build()?;
        assert_eq!(client.base_url(), "https://api-us11.leadsquared.com/v2");
        let client = builder
            .clone()
            .region(Region::UnitedStates)
            .host("api-in22.leadsquared.com")
            .build()?;
        assert_eq!(client.base_url(), "https://api-in22.leadsquared.com/v2");
        assert_eq!(client.auth_placement(), AuthPlacement::Header);
        Ok(())
    }

    #[test]
    fn bad_configuration_says_what_to_do() {
        let message = config_message(Client::builder().build());
        assert!(message.contains("ClientBuilder::credentials"), "{message}");
        let builder = Client::builder().credentials(Credentials::new("a", "s"));
        let message = config_message(builder.clone().host("https://api.leadsquared.com").build());
        assert!(message.contains("bare host name"), "{message}");
        let message = config_message(builder.clone().base_url("not a url").build());
        assert!(message.contains("absolute URL"), "{message}");
        let message = config_message(builder.clone().base_url("ftp://example.com/v2").build());
        assert!(message.contains("http or https"), "{message}");
        let message = config_message(builder.base_url("https://h/v2?accessKey=K").build());
        assert!(
            message.contains("must not contain a query") && !message.contains("accessKey=K"),
            "{message}"
        );
        let message = config_message(Client::builder().credentials(Credentials::new("", "s")).build());
        assert!(message.contains("access key is empty"), "{message}");
        let message = config_message(Client::builder().credentials(Credentials::new("a", " s")).build());
        assert!(
            message.contains("secret key starts or ends with whitespace"),
            "{message}"
        );
    }

    #[test]
    fn urls_carry_path_query_and_keys_only_in_query_mode() -> Result<(), Error> {
        let builder = Client::builder()
            .base_url("http://127.0.0.1:9/v2/")
            .credentials(Credentials::new("a k", "s&k"));
        let value = "Email Address&x=1";
        let request = Request::new(&crate::endpoints::ADD_OPPORTUNITIES_IN_BULK).query("SearchBy", value);
        let client = builder.clone().build()?;
        assert_eq!(
            client.url(&request).as_str(),
            "http://127.0.0.1:9/v2/OpportunityManagement.svc/Bulk/Add/ByLeadField?SearchBy=Email+Address%26x%3D1"
        );
        let client = builder.auth_placement(AuthPlacement::Query).build()?;
        assert_eq!(
            client.url(&request).query(),
            Some("SearchBy=Email+Address%26x%3D1&accessKey=a+k&secretKey=s%26k")
        );
        Ok(())
    }
}
