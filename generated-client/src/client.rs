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
//! wherever the `Location` points. Plain `http://` is refused except to loopback addresses, so a
//! mistyped URL cannot send the keys in clear. A built client registers its keys with the
//! scrubber (`runtime::text`), which every error rendering goes through.
//!
//! Rate limits are per class (`RateLimitClass`: LeadSquared counts bulk calls against a lower
//! limit of their own): the client keeps one limiter per class, shared by its clones, with the
//! figures of the chosen [`Plan`] or the classes' defaults. Bulk jobs and page walks wait on
//! their endpoint's limiter before each call; a single call waits only when asked
//! ([`ClientBuilder::wait_for_rate_limit`]), so by default it costs nothing more than sending.
//!
//! Answers are bounded in size and time: the body is read chunk by chunk and refused as soon as
//! it passes [`ClientBuilder::max_response_bytes`], and one deadline
//! ([`ClientBuilder::timeout`]) covers connecting, sending, waiting for the headers, reading
//! the body and decoding it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use crate::Error;
use crate::generated::api::{API, Plan, RateLimitClass, Region};
use crate::runtime::limiter::{RateLimiter, default_margin};
use crate::runtime::text::Secrets;
use crate::runtime::{AuthPlacement, Method, RateClass, RateLimit, Request, response};

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
/// The environment variable [`Client::from_env`] reads where to send the keys from: `header`
/// (the default) or `query`.
pub const ENV_AUTH_PLACEMENT: &str = "LSQ_AUTH_PLACEMENT";

const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default of [`ClientBuilder::max_response_bytes`]: 64 MiB, far above any documented answer.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// The most bytes reserved for a body before any arrives, whatever its `Content-Length` claims.
const INITIAL_BODY_CAPACITY: usize = 1024 * 1024;
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

    /// Both keys, for registering them with the scrubber.
    fn secrets(&self) -> [&str; 2] {
        [&self.access_key, &self.secret_key]
    }

    /// Checks both keys: not empty, no surrounding whitespace, no control characters. Messages
    /// never quote a key or a piece of one.
    fn check(&self) -> Result<(), Error> {
        for (name, key) in [("access key", &self.access_key), ("secret key", &self.secret_key)] {
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
            if key.chars().any(char::is_control) {
                return Err(Error::config(format!(
                    "the {name} contains a control character (e.g. a line break); copy it again"
                )));
            }
        }
        Ok(())
    }

    /// The two sensitive header values, for header placement.
    fn header_values(&self) -> Result<[HeaderValue; 2], Error> {
        let value = |name: &str, key: &str| -> Result<HeaderValue, Error> {
            if !key.is_ascii() {
                return Err(Error::config(format!(
                    "the {name} contains non-ASCII characters, which an HTTP header cannot carry; copy it again \
                     (a typographic quote or a non-breaking space may have slipped in), or send the keys in the \
                     query string with AuthPlacement::Query"
                )));
            }
            let mut value = HeaderValue::from_str(key).map_err(|_| {
                Error::config(format!(
                    "the {name} contains characters that cannot be sent in an HTTP header; copy it again"
                ))
            })?;
            value.set_sensitive(true);
            Ok(value)
        };
        Ok([
            value("access key", &self.access_key)?,
            value("secret key", &self.secret_key)?,
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
    plan: Option<Plan>,
    /// Figures given per class, in the order given (the last for a class wins).
    rate_limits: Vec<(RateLimitClass, RateLimit)>,
    rate_limit_margin: Option<Duration>,
    wait_for_rate_limit: bool,
    max_response_bytes: usize,
    allow_insecure_http: bool,
    http: Option<reqwest::Client>,
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
            plan: None,
            rate_limits: Vec::new(),
            rate_limit_margin: None,
            wait_for_rate_limit: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            http: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with the defaults: default region, keys in headers, 10 s to connect, 60 s per
    /// call, answers up to 64 MiB, no credentials yet.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// Reads the configuration from the environment: [`ENV_BASE_URL`] (wins) or [`ENV_HOST`]
    /// (both optional; the default region otherwise), [`ENV_ACCESS_KEY`] and [`ENV_SECRET_KEY`],
    /// and [`ENV_AUTH_PLACEMENT`] (`header` or `query`, any case; optional, headers by default).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the key variables that are missing or empty, or when
    /// [`ENV_AUTH_PLACEMENT`] is neither `header` nor `query`.
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
        if let Some(placement) = get(ENV_AUTH_PLACEMENT) {
            builder = builder.auth_placement(match placement.trim().to_ascii_lowercase().as_str() {
                "header" => AuthPlacement::Header,
                "query" => AuthPlacement::Query,
                // The value is not repeated: a key pasted into the wrong variable must not be.
                _ => {
                    return Err(Error::config(format!(
                        "{ENV_AUTH_PLACEMENT} must be `header` (keys in the x-LSQ-AccessKey and x-LSQ-SecretKey \
                         headers) or `query` (keys in the query string); unset it for the default, header"
                    )));
                }
            });
        }
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
    ///
    /// `https://` is required except for loopback addresses (`127.0.0.0/8`, `::1`,
    /// `localhost`), because the keys travel with every call; see
    /// [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Allows a plain `http://` base URL to a host that is not a loopback address (refused by
    /// default, since the keys would cross the network unencrypted). Only for a trusted network,
    /// e.g. a test server on another container.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest response body accepted, in bytes; 64 MiB by default
    /// ([`DEFAULT_MAX_RESPONSE_BYTES`]). The body is read as it arrives and the call fails with
    /// [`Error::ResponseTooLarge`] as soon as it is known to be larger (from `Content-Length`,
    /// or when the bytes read pass the limit), so memory per call stays near the limit whatever
    /// the server sends.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sends calls through `client` instead of an HTTP client built here, e.g. to share a
    /// connection pool or to add a proxy.
    ///
    /// The client's own settings then apply, and this builder's do not:
    ///
    /// - **TLS**: whatever `client` was built with (this builder uses rustls with the operating
    ///   system's trust store).
    /// - **Redirects**: build `client` with `reqwest::redirect::Policy::none()`. reqwest follows
    ///   redirects by default and would forward the key headers (or the keys in the query
    ///   string) to wherever a `Location` points.
    /// - **Timeouts and default headers**: `client`'s; [`connect_timeout`](Self::connect_timeout)
    ///   and the default `User-Agent` are not applied ([`user_agent`](Self::user_agent) still is,
    ///   per request).
    ///
    /// What still applies: the keys, `Accept` and `Content-Type` headers are set on every
    /// request; [`timeout`](Self::timeout) still bounds each call (as the client's own deadline,
    /// on top of any timeout of `client`); [`max_response_bytes`](Self::max_response_bytes)
    /// and the `https` requirement still hold.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The account's plan, for the rate limits documented for it: each rate-limit class keeps
    /// to the plan's figure (each [`Plan`] variant lists them). Without a plan, each class
    /// keeps to its default ([`RateLimitClass::default_limit`]). Figures set with
    /// [`rate_limit`](Self::rate_limit) or [`rate_limit_for`](Self::rate_limit_for) win over
    /// the plan's.
    ///
    /// ```
    /// use leadsquared::{Client, Credentials, Plan, RateLimitClass};
    ///
    /// # fn main() -> Result<(), leadsquared::Error> {
    /// let client = Client::builder()
    ///     .credentials(Credentials::new("access key", "secret key"))
    ///     .plan(Plan::Standard)
    ///     .build()?;
    /// assert_eq!(client.rate_limit_for(RateLimitClass::Standard), RateLimitClass::Standard.limit(Plan::Standard));
    /// # Ok(())
    /// # }
    /// ```
    pub fn plan(mut self, plan: Plan) -> Self {
        self.plan = Some(plan);
        self
    }

    /// The limit of the first rate-limit class ([`RateLimitClass::default`]: in LeadSquared's
    /// spec `standard`, every endpoint but the bulk ones): at most `calls` calls in any window
    /// of `per`. The same as `rate_limit_for(RateLimitClass::default(), calls, per)`; the other
    /// classes keep their own limits (set them with [`rate_limit_for`](Self::rate_limit_for)).
    pub fn rate_limit(self, calls: u32, per: Duration) -> Self {
        self.rate_limit_for(RateLimitClass::default(), calls, per)
    }

    /// The limit of `class`: at most `calls` calls (at least 1) in any window of `per`; wins
    /// over the [`plan`](Self::plan)'s figure. All clones of the client share one limiter per
    /// class. Bulk jobs (the `<endpoint>_all` methods) and page walks (`<endpoint>_pages`) keep
    /// to the limit of their endpoint's class; single calls only when they wait
    /// ([`wait_for_rate_limit`](Self::wait_for_rate_limit)).
    pub fn rate_limit_for(mut self, class: RateLimitClass, calls: u32, per: Duration) -> Self {
        let per_millis = u64::try_from(per.as_millis()).unwrap_or(u64::MAX).max(1);
        self.rate_limits.push((
            class,
            RateLimit {
                calls: calls.max(1),
                per_millis,
            },
        ));
        self
    }

    /// Whether single calls (an endpoint method's request builder awaited, or a
    /// [`Call`](crate::Call)) wait for a slot of their rate-limit class's limiter before they
    /// are sent; `false` by default.
    ///
    /// Off, a call is sent at once: past the account's limit LeadSquared refuses it (HTTP 429,
    /// or an `MXAPIRateLimitExceededException` body), and it fails with
    /// [`Error::RateLimited`], which means it was not processed: send it again a few seconds
    /// later. On, each call first waits until its class's limiter has room, counts against it
    /// (with the bulk jobs and page walks of every clone), and a refusal lowers the limiter's
    /// figure as it does for a bulk job. [`Client::wait_for_rate_limit`] sets it for some calls
    /// only. Bulk jobs and page walks always wait.
    pub fn wait_for_rate_limit(mut self, wait: bool) -> Self {
        self.wait_for_rate_limit = wait;
        self
    }

    /// The limit `class` keeps to: the figure given for it, else the plan's, else its default.
    fn class_limit(&self, class: RateLimitClass) -> RateLimit {
        let given = self.rate_limits.iter().rev().find(|(of, _)| *of == class);
        match (given, self.plan) {
            (Some((_, limit)), _) => *limit,
            (None, Some(plan)) => class.limit(plan),
            (None, None) => class.default_limit(),
        }
    }

    /// Extra time added to every class's rate-limit window, for the clocks' granularity: 1% of
    /// the window by default, at least 5 ms and at most 50 ms. Network jitter needs none: a call holds its
    /// slot until a window after its answer, which comes after the server counted it.
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

    /// How long a whole call may take, from connecting to the last byte of the answer and its
    /// decoding (60 s by default). A call that times out may still have been processed.
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
    /// not valid (or plain `http://` to a host that is not loopback), or the HTTP client cannot
    /// be set up; the message says what to change.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.clone().ok_or_else(|| {
            Error::config(
                "no credentials; call ClientBuilder::credentials(Credentials::new(access_key, secret_key)), \
                 or use Client::from_env with LSQ_ACCESS_KEY and LSQ_SECRET_KEY set",
            )
        })?;
        credentials.check()?;

        // Headers every call sends (the keys marked sensitive): the HTTP client's defaults when
        // the client builds it (set once), set on each request with a caller's HTTP client.
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(ACCEPT, HeaderValue::from_static(JSON));
        if self.auth_placement == AuthPlacement::Header {
            let [access_value, secret_value] = credentials.header_values()?;
            headers.insert(header_name(API.auth.header_access_key)?, access_value);
            headers.insert(header_name(API.auth.header_secret_key)?, secret_value);
        }
        let http = match &self.http {
            Some(http) => {
                if let Some(user_agent) = &self.user_agent {
                    let value = HeaderValue::from_str(user_agent).map_err(|_| {
                        Error::config("the user agent contains characters that cannot be sent in an HTTP header")
                    })?;
                    headers.insert(USER_AGENT, value);
                }
                (http.clone(), Some(headers))
            }
            None => (self.build_http_client(headers)?, None),
        };
        let (http, headers) = http;
        let base_url = self.resolve_base_url()?;
        let endpoint_urls = crate::endpoints::ALL
            .iter()
            .map(|endpoint| (endpoint.name, join_path(&base_url, endpoint.path)))
            .collect();
        // One limiter per class, in the order of `API.rate_classes` (a class's `index`).
        let limiters = RateLimitClass::ALL
            .iter()
            .map(|&class| {
                let limit = self.class_limit(class);
                let margin = self
                    .rate_limit_margin
                    .unwrap_or_else(|| default_margin(Duration::from_millis(limit.per_millis)));
                Arc::new(RateLimiter::new(limit, margin))
            })
            .collect();

        Ok(Client {
            wait: self.wait_for_rate_limit,
            inner: Arc::new(Inner {
                http,
                headers,
                base_url,
                endpoint_urls,
                auth_placement: self.auth_placement,
                secrets: Secrets::register(&credentials.secrets()),
                credentials,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                limiters,
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
        if url.scheme() == "http" && !self.allow_insecure_http && !is_loopback(&url) {
            return Err(Error::config(
                "the base URL uses plain http:// to a host that is not a loopback address, which would send \
                 the keys unencrypted; use https://, or call ClientBuilder::allow_insecure_http(true) \
                 if the network is trusted",
            ));
        }
        Ok(url)
    }

    /// The one place the HTTP stack is set up, with TLS from [`tls_config`]: rustls, so the
    /// crate needs no system OpenSSL. The whole-call deadline is the client's own (in `send`),
    /// so it also covers decoding and a caller's HTTP client.
    fn build_http_client(&self, default_headers: HeaderMap) -> Result<reqwest::Client, Error> {
        let user_agent = self
            .user_agent
            .clone()
            .unwrap_or_else(|| concat!("leadsquared-rust/", env!("CARGO_PKG_VERSION")).to_owned());
        reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .connect_timeout(self.connect_timeout)
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

/// Whether `url`'s host is a loopback address, where plain HTTP never leaves the machine.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(address)) => address.is_loopback(),
        Ok(std::net::IpAddr::V6(address)) => {
            address.is_loopback() || address.to_ipv4_mapped().is_some_and(|mapped| mapped.is_loopback())
        }
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
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
/// Cloning is cheap and clones share one connection pool and one rate limiter per class, so
/// build one client and clone it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Whether single calls wait for their class's limiter ([`ClientBuilder::wait_for_rate_limit`]).
    wait: bool,
}

struct Inner {
    http: reqwest::Client,
    /// `Accept`, and the keys in header placement, to set on every request when the HTTP client is
    /// the caller's (the client's own has them as its defaults).
    headers: Option<HeaderMap>,
    base_url: Url,
    /// Each described endpoint's URL without its query, built once: a call clones it instead of
    /// joining the base URL and the path again.
    endpoint_urls: std::collections::HashMap<&'static str, Url>,
    auth_placement: AuthPlacement,
    credentials: Credentials,
    /// The keys as the scrubber searches for them; registered while the client lives.
    secrets: Arc<Secrets>,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_bytes: usize,
    /// One limiter per rate-limit class, in the order of `API.rate_classes`; shared by every
    /// clone.
    limiters: Box<[Arc<RateLimiter>]>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("Client")
            .field("base_url", &inner.base_url.as_str())
            .field("auth_placement", &inner.auth_placement)
            .field("connect_timeout", &inner.connect_timeout)
            .field("timeout", &inner.timeout)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("wait_for_rate_limit", &self.wait)
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

    /// The limit of the first rate-limit class (see [`ClientBuilder::rate_limit`]).
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit_for(RateLimitClass::default())
    }

    /// The limit `class` keeps to (see [`ClientBuilder::rate_limit_for`]).
    pub fn rate_limit_for(&self, class: RateLimitClass) -> RateLimit {
        self.limiter(class.describe()).limit()
    }

    /// A clone of this client whose single calls wait for their rate-limit class's limiter, or
    /// not (see [`ClientBuilder::wait_for_rate_limit`]); it shares the connection pool and the
    /// limiters. For waiting on some calls only:
    ///
    /// ```no_run
    /// # async fn run(client: leadsquared::Client) -> Result<(), leadsquared::Error> {
    /// let lead = client.wait_for_rate_limit(true).get_lead_by_email("john@example.com").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn wait_for_rate_limit(&self, wait: bool) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            wait,
        }
    }

    /// A clone whose calls do not wait for the rate limit themselves: for bulk jobs and page
    /// walks, which hold a slot of their endpoint's limiter around each call (a call waiting
    /// too would need a second slot of the same limiter).
    #[allow(
        dead_code,
        reason = "generated code calls it; a build without the groups that use it does not"
    )]
    pub(crate) fn for_job(&self) -> Client {
        self.wait_for_rate_limit(false)
    }

    /// The limiter of `class`, shared by every clone.
    pub(crate) fn rate_limiter(&self, class: &RateClass) -> Arc<RateLimiter> {
        Arc::clone(self.limiter(class))
    }

    /// The limiter of `class`; the first class's for a class of another spec (the golden
    /// tests run other specs' endpoints through this client).
    fn limiter(&self, class: &RateClass) -> &Arc<RateLimiter> {
        let limiters = &self.inner.limiters;
        // The spec has at least one class, so there is at least one limiter.
        limiters.get(class.index).unwrap_or(&limiters[0])
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
            path = request.path(),
        );
        if self.wait {
            return self.send_in_turn(request).instrument(span).await;
        }
        self.send(request).instrument(span).await
    }

    /// [`send`](Self::send), after waiting for a slot of the call's rate-limit class; a refusal
    /// for the rate lowers the limiter's figure, as in a bulk job.
    async fn send_in_turn<R: DeserializeOwned>(&self, request: Request<'_>) -> Result<R, Error> {
        let limiter = self.limiter(request.rate_class);
        let (permit, waited) = limiter.acquire().await;
        tracing::debug!(
            waited_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            "rate limit slot acquired"
        );
        let result = self.send(request).await;
        if matches!(result, Err(Error::RateLimited(_))) {
            limiter.throttled();
        }
        permit.answered();
        result
    }

    async fn send<R: DeserializeOwned>(&self, request: Request<'_>) -> Result<R, Error> {
        let inner = &*self.inner;
        let endpoint = request.endpoint;
        // One deadline for the whole call, decoding included; none when the timeout is too
        // large to represent (`Duration::MAX` means "no limit").
        let started = Instant::now();
        let deadline = started.checked_add(inner.timeout);
        let method = match endpoint.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut http = inner.http.request(method, self.url(&request));
        if let Some(headers) = &inner.headers {
            http = http.headers(headers.clone());
        }
        if let Some(body) = request.body {
            http = http.header(CONTENT_TYPE, JSON).body(body);
        }

        let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let failed = |error: Error| {
            // The error's `Display` is scrubbed, like every rendering of an error.
            tracing::debug!(elapsed_ms = elapsed_ms(), error = %error, "call failed");
            error
        };
        let exchange = async {
            let response = http
                .send()
                .await
                .map_err(|error| transport_error(endpoint.name, error))?;
            let status = response.status().as_u16();
            let body = read_body(response, endpoint.name, status, inner.max_response_bytes).await?;
            Ok::<_, Error>((status, body))
        };
        let exchanged = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, exchange)
                .await
                .unwrap_or(Err(Error::Timeout {
                    endpoint: endpoint.name,
                    source: None,
                })),
            None => exchange.await,
        };
        let (status, body) = exchanged.map_err(failed)?;
        tracing::debug!(
            status,
            elapsed_ms = elapsed_ms(),
            body_bytes = body.len(),
            "response received"
        );
        response::decode(endpoint, status, &body, &inner.secrets, deadline).map_err(|error| match error {
            Error::Timeout { .. } => failed(error),
            error => error,
        })
    }

    /// The full URL of `request`: base URL, endpoint path, query pairs and, in query mode, the
    /// keys. It holds the secret key, so it must not outlive `send` or reach a log or error.
    fn url(&self, request: &Request<'_>) -> Url {
        let inner = &*self.inner;
        let mut url = match (&request.path, inner.endpoint_urls.get(request.endpoint.name)) {
            (None, Some(url)) => url.clone(),
            _ => join_path(&inner.base_url, request.path()),
        };
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

/// `base` with `path` below its own path.
fn join_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(&format!("{}{}", base.path().trim_end_matches('/'), path));
    url
}

/// Reads `response`'s body as it arrives, refusing it as soon as it is known to be larger than
/// `max` bytes: from `Content-Length` before reading anything, or when the bytes read pass it.
/// The buffer grows to at most `max` bytes.
async fn read_body(
    mut response: reqwest::Response,
    endpoint: &'static str,
    status: u16,
    max: usize,
) -> Result<Vec<u8>, Error> {
    let too_large = || Error::ResponseTooLarge {
        endpoint,
        status,
        limit: max,
    };
    let declared = response.content_length().map(usize::try_from);
    if let Some(declared) = declared {
        if declared.map_or(true, |declared| declared > max) {
            return Err(too_large());
        }
    }
    let initial = declared.and_then(Result::ok).unwrap_or(0).min(INITIAL_BODY_CAPACITY);
    let mut body: Vec<u8> = Vec::with_capacity(initial);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| transport_error(endpoint, error))?
    {
        if chunk.len() > max - body.len() {
            return Err(too_large());
        }
        if chunk.len() > body.capacity() - body.len() {
            // Double, but never past the limit, so a body at the limit needs no larger buffer.
            let wanted = (body.len() + chunk.len())
                .max(body.capacity().saturating_mul(2))
                .min(max);
            body.reserve_exact(wanted - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Classifies a transport failure, dropping its URL first (it holds the secret key in query
/// mode). A connect error is checked before a timeout: a connection that timed out was never
/// made, so nothing was sent.
fn transport_error(endpoint: &'static str, error: reqwest::Error) -> Error {
    let source = error.without_url();
    if source.is_connect() {
        Error::Connect { endpoint, source }
    } else if source.is_timeout() {
        Error::Timeout {
            endpoint,
            source: Some(source),
        }
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
    fn env_auth_placement_is_read_and_checked() -> Result<(), Error> {
        let keys = [("LSQ_ACCESS_KEY", "a"), ("LSQ_SECRET_KEY", "s")];
        let client = ClientBuilder::from_lookup(lookup(&keys))?.build()?;
        assert_eq!(client.auth_placement(), AuthPlacement::Header);
        for (value, placement) in [
            ("query", AuthPlacement::Query),
            (" Query ", AuthPlacement::Query),
            ("HEADER", AuthPlacement::Header),
            ("", AuthPlacement::Header),
        ] {
            let vars = [keys[0], keys[1], ("LSQ_AUTH_PLACEMENT", value)];
            let client = ClientBuilder::from_lookup(lookup(&vars))?.build()?;
            assert_eq!(client.auth_placement(), placement, "{value:?}");
        }
        let vars = [keys[0], keys[1], ("LSQ_AUTH_PLACEMENT", "u$r-pasted-key")];
        let message = config_message(ClientBuilder::from_lookup(lookup(&vars)));
        assert!(
            message.contains("LSQ_AUTH_PLACEMENT must be `header`") && !message.contains("pasted"),
            "{message}"
        );
        Ok(())
    }

    #[test]
    fn plain_http_is_refused_except_to_loopback() -> Result<(), Error> {
        let builder = Client::builder().credentials(Credentials::new("a", "s"));
        for base_url in [
            "http://127.0.0.1:9/v2",
            "http://127.9.9.9/v2",
            "http://[::1]:9/v2",
            "http://[::ffff:127.0.0.1]/v2",
            "http://localhost:9/v2",
            "http://LOCALHOST/v2",
            "https://api.leadsquared.com/v2",
        ] {
            builder.clone().base_url(base_url).build()?;
        }
        for base_url in [
            "http://api.leadsquared.com/v2",
            "http://10.0.0.1/v2",
            "http://[::2]/v2",
            "http://localhost.example.com/v2",
            "http://127.0.0.1.nip.io/v2",
        ] {
            let message = config_message(builder.clone().base_url(base_url).build());
            assert!(
                message.contains("plain http://") && message.contains("allow_insecure_http(true)"),
                "{base_url}: {message}"
            );
            builder.clone().base_url(base_url).allow_insecure_http(true).build()?;
        }
        Ok(())
    }

    #[test]
    fn non_ascii_keys_need_query_placement() -> Result<(), Error> {
        let builder = Client::builder().credentials(Credentials::new("ключ-доступа", "sécret"));
        let message = config_message(builder.clone().build());
        assert!(
            message.contains("access key contains non-ASCII") && message.contains("AuthPlacement::Query"),
            "{message}"
        );
        assert!(!message.contains("ключ"), "{message}");
        builder.auth_placement(AuthPlacement::Query).build()?;
        let message = config_message(
            Client::builder()
                .credentials(Credentials::new("a", "s\u{7}k"))
                .auth_placement(AuthPlacement::Query)
                .build(),
        );
        assert!(message.contains("secret key contains a control character"), "{message}");
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

    fn builder() -> ClientBuilder {
        Client::builder()
            .base_url("http://127.0.0.1:9/v2")
            .credentials(Credentials::new("a", "s"))
    }

    #[test]
    fn a_plan_sets_every_class_and_figures_given_win_over_it() -> Result<(), Error> {
        let (standard, bulk) = (RateLimitClass::Standard, RateLimitClass::Bulk);
        let calls = |client: &Client| (client.rate_limit_for(standard).calls, client.rate_limit_for(bulk).calls);
        let client = builder().build()?;
        assert_eq!(calls(&client), (25, 1), "no plan: the classes' defaults");
        assert_eq!(client.rate_limit(), client.rate_limit_for(standard));
        let lite = builder().plan(Plan::Lite);
        assert_eq!(calls(&lite.clone().build()?), (2, 1));
        assert_eq!(
            calls(&lite.clone().rate_limit(9, Duration::from_secs(5)).build()?),
            (9, 1)
        );
        let raised = lite
            .rate_limit_for(bulk, 5, Duration::from_secs(5))
            .plan(Plan::Enterprise);
        assert_eq!(calls(&raised.build()?), (25, 5), "the last plan, and the figure given");
        Ok(())
    }

    /// One limiter per class, the same for every clone (waiting or not): a call of one class
    /// waits for that class's slots only.
    #[tokio::test(start_paused = true)]
    async fn each_class_has_one_limiter_shared_by_every_clone() -> Result<(), Error> {
        let window = Duration::from_millis(100);
        let (standard, bulk) = (RateLimitClass::Standard.describe(), RateLimitClass::Bulk.describe());
        let client = builder()
            .rate_limit_for(RateLimitClass::Standard, 2, window)
            .rate_limit_for(RateLimitClass::Bulk, 1, window)
            .rate_limit_margin(Duration::ZERO)
            .build()?;
        let clone = client.clone();
        let waiting = client.wait_for_rate_limit(true);
        assert!(Arc::ptr_eq(
            &client.rate_limiter(standard),
            &waiting.rate_limiter(standard)
        ));
        assert!(!Arc::ptr_eq(&client.rate_limiter(standard), &clone.rate_limiter(bulk)));

        let (first, _) = client.rate_limiter(standard).acquire().await;
        let (second, _) = clone.rate_limiter(standard).acquire().await;
        let (bulk_call, waited) = waiting.rate_limiter(bulk).acquire().await;
        assert_eq!(
            waited,
            Duration::ZERO,
            "the standard class is full, the bulk class is not"
        );
        tokio::time::advance(Duration::from_millis(10)).await;
        first.answered();
        second.answered();
        bulk_call.answered();
        // Any clone's third standard call waits for a slot: a window after the first answer.
        let (_third, waited) = waiting.rate_limiter(standard).acquire().await;
        assert_eq!(waited, window);
        Ok(())
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
