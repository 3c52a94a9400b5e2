//! Client configuration: endpoint, timeouts, retry policy, user agent, TLS.
//!
//! Defaults are versioned ([`Defaults::V1`]) so that a later change of a default
//! never surprises a user who pinned a version.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::{Error, Result};
use crate::transport::Transport;

/// A named set of defaults. Only `V1` exists today; new versions will be added
/// rather than changing what `V1` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Defaults {
    /// connect 3.1 s, attempt 30 s, operation 120 s; 3 attempts with full-jitter
    /// backoff from 100 ms up to 20 s; retry budget 500 tokens.
    #[default]
    V1,
}

/// Timeouts applied to every request. `#[non_exhaustive]`: start from
/// [`Timeouts::defaults`] and change fields with the `with_*` methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// One attempt: from sending until the response is read (headers only for
    /// streamed downloads). Must exceed the agent-event long poll (~10 s).
    pub attempt: Duration,
    /// The whole operation including retries and backoff.
    pub operation: Duration,
    /// Streamed downloads: the longest wait for the next chunk of the file
    /// (the attempt timeout stops at the headers, so a stalled download would
    /// otherwise wait forever).
    pub read_idle: Duration,
    /// Streamed downloads: the lowest average rate accepted, in bytes per
    /// second, checked once the download has run for 10 s. `None`: no floor.
    pub min_download_rate: Option<u64>,
}

impl Timeouts {
    /// The timeouts of a defaults version.
    pub fn defaults(v: Defaults) -> Self {
        match v {
            Defaults::V1 => Timeouts {
                connect: Duration::from_millis(3100),
                attempt: Duration::from_secs(30),
                operation: Duration::from_secs(120),
                read_idle: Duration::from_secs(30),
                min_download_rate: None,
            },
        }
    }
    /// TCP + TLS connect.
    pub fn with_connect(mut self, d: Duration) -> Self {
        self.connect = d;
        self
    }
    /// One attempt.
    pub fn with_attempt(mut self, d: Duration) -> Self {
        self.attempt = d;
        self
    }
    /// The whole operation, retries included.
    pub fn with_operation(mut self, d: Duration) -> Self {
        self.operation = d;
        self
    }
    /// Streamed downloads: the longest wait for the next chunk.
    pub fn with_read_idle(mut self, d: Duration) -> Self {
        self.read_idle = d;
        self
    }
    /// Streamed downloads: the lowest average rate (bytes per second), or none.
    pub fn with_min_download_rate(mut self, bytes_per_sec: Option<u64>) -> Self {
        self.min_download_rate = bytes_per_sec;
        self
    }
}

/// When and how to retry. Only interfaces whose spec says `safe` are retried
/// after the request may have reached the NE; a request that certainly never
/// left (connection refused) may be retried for any interface.
///
/// `#[non_exhaustive]`: start from [`RetryPolicy::defaults`] (or
/// [`RetryPolicy::disabled`]) and change fields with the `with_*` methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in total (1 = no retry).
    pub max_attempts: u32,
    /// First backoff ceiling; doubles each retry (full jitter below the ceiling).
    pub initial_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
    /// Retry budget (token bucket): a retry costs 5 tokens, a retry after a
    /// timeout 10; each success returns 1.
    pub budget: u32,
}

impl RetryPolicy {
    /// The policy of a defaults version.
    pub fn defaults(v: Defaults) -> Self {
        match v {
            Defaults::V1 => RetryPolicy {
                max_attempts: 3,
                initial_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(20),
                budget: 500,
            },
        }
    }

    /// Never retry.
    pub fn disabled() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::defaults(Defaults::V1) }
    }
    /// Attempts in total (1 = no retry).
    pub fn with_max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }
    /// First backoff ceiling.
    pub fn with_initial_backoff(mut self, d: Duration) -> Self {
        self.initial_backoff = d;
        self
    }
    /// Largest backoff ceiling.
    pub fn with_max_backoff(mut self, d: Duration) -> Self {
        self.max_backoff = d;
        self
    }
    /// Retry budget (tokens).
    pub fn with_budget(mut self, tokens: u32) -> Self {
        self.budget = tokens;
        self
    }
}

/// TLS settings. rustls with the ring provider; verification always on unless
/// [`ConfigBuilder::danger_accept_invalid_certs`] is used.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsConfig {
    pub(crate) extra_roots_pem: Vec<Vec<u8>>,
    pub(crate) no_system_roots: bool,
    pub(crate) insecure: bool,
}

impl TlsConfig {
    /// True when certificate verification is switched off.
    pub fn is_insecure(&self) -> bool {
        self.insecure
    }
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("extra_roots", &self.extra_roots_pem.len())
            .field("system_roots", &!self.no_system_roots)
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// Configuration of one NE client.
#[derive(Clone)]
pub struct Config {
    pub(crate) endpoint: Url,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: String,
    pub(crate) tls: TlsConfig,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) transport: Option<Arc<dyn Transport>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("endpoint", &self.endpoint.as_str())
            .field("timeouts", &self.timeouts)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("tls", &self.tls)
            .field("custom_http_client", &self.http_client.is_some())
            .field("custom_transport", &self.transport.is_some())
            .finish()
    }
}

impl Config {
    /// Starts a configuration for an endpoint such as `https://cc-gateway.example.com:8043`.
    pub fn builder(endpoint: &str) -> ConfigBuilder {
        ConfigBuilder::new(endpoint)
    }
    /// The endpoint (scheme, host, port, optional path prefix).
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }
    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }
    /// The retry policy.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }
    /// The user agent.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Builds the transport (connection pool) now, unless the configuration
    /// already has one: every client made from the result, or from a clone of
    /// it, then sends through that one pool.
    pub fn pooled(mut self) -> Result<Config> {
        if self.transport.is_none() {
            let t: Arc<dyn Transport> = Arc::new(crate::transport::ReqwestTransport::from_config(&self)?);
            self.transport = Some(t);
            self.http_client = None;
        }
        Ok(self)
    }

    /// This configuration sending through `t` instead of its own transport (a
    /// recording transport for a dry run, a test double).
    pub fn with_transport(mut self, t: Arc<dyn Transport>) -> Config {
        self.transport = Some(t);
        self.http_client = None;
        self
    }

    /// This configuration sending through `other`'s transport, when `other`
    /// has one (see [`Config::pooled`]) and this one would only build an
    /// equivalent transport: no transport or `reqwest::Client` of its own, and
    /// the same TLS settings, connect timeout and user agent. Otherwise this
    /// configuration unchanged (it builds its own, as asked). How a token
    /// client shares the connection pool of the NE client it serves.
    pub fn sharing_transport_of(mut self, other: &Config) -> Config {
        let same = self.transport.is_none()
            && self.http_client.is_none()
            && self.tls == other.tls
            && self.timeouts.connect == other.timeouts.connect
            && self.user_agent == other.user_agent;
        if same && let Some(t) = &other.transport {
            self.transport = Some(t.clone());
        }
        self
    }

    /// Whether both configurations send through the same transport object.
    pub fn shares_transport_with(&self, other: &Config) -> bool {
        match (&self.transport, &other.transport) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The TLS settings (for [`crate::transport::rustls_config`]).
    pub fn tls(&self) -> &TlsConfig {
        &self.tls
    }
}

/// Builder of [`Config`].
#[derive(Debug)]
pub struct ConfigBuilder {
    endpoint: String,
    timeouts: Timeouts,
    retry: RetryPolicy,
    user_agent: String,
    tls: TlsConfig,
    http_client: Option<reqwest::Client>,
    transport: Option<Arc<dyn Transport>>,
}

impl ConfigBuilder {
    /// A builder with [`Defaults::V1`].
    pub fn new(endpoint: &str) -> Self {
        Self::with_defaults(endpoint, Defaults::V1)
    }

    /// A builder with a named defaults version.
    pub fn with_defaults(endpoint: &str, v: Defaults) -> Self {
        ConfigBuilder {
            endpoint: endpoint.to_owned(),
            timeouts: Timeouts::defaults(v),
            retry: RetryPolicy::defaults(v),
            user_agent: format!("cec-rs/{}", env!("CARGO_PKG_VERSION")),
            tls: TlsConfig::default(),
            http_client: None,
            transport: None,
        }
    }

    /// TCP + TLS connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.timeouts.connect = d;
        self
    }
    /// Timeout of one attempt.
    pub fn attempt_timeout(mut self, d: Duration) -> Self {
        self.timeouts.attempt = d;
        self
    }
    /// Timeout of the whole operation, retries included.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.timeouts.operation = d;
        self
    }
    /// Streamed downloads: the longest wait for the next chunk.
    pub fn read_idle_timeout(mut self, d: Duration) -> Self {
        self.timeouts.read_idle = d;
        self
    }
    /// Streamed downloads: fail when the average rate stays below `bytes_per_sec`
    /// (checked after the first 10 s of the download).
    pub fn min_download_rate(mut self, bytes_per_sec: u64) -> Self {
        self.timeouts.min_download_rate = Some(bytes_per_sec);
        self
    }
    /// Retry policy.
    pub fn retry(mut self, r: RetryPolicy) -> Self {
        self.retry = r;
        self
    }
    /// User agent sent on every request.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }
    /// Trusts the CA certificates of a PEM bundle in addition to the system roots
    /// (CEC on-premises installations often use a private CA).
    pub fn ca_bundle_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls.extra_roots_pem.push(pem.into());
        self
    }
    /// Trusts only the CA bundles given with [`Self::ca_bundle_pem`], not the system roots.
    pub fn only_custom_roots(mut self) -> Self {
        self.tls.no_system_roots = true;
        self
    }
    /// **Disables TLS certificate verification.** Anyone on the network path can
    /// then read and change the traffic, credentials included. For a lab only;
    /// every client built with it logs a warning.
    pub fn danger_accept_invalid_certs(mut self, yes: bool) -> Self {
        self.tls.insecure = yes;
        self
    }
    /// Uses your own `reqwest::Client` (proxy, pool, TLS of your choice). The
    /// TLS and connect-timeout settings of this builder are then not used.
    ///
    /// **Versioned escape hatch**: this takes the `reqwest` 0.13 client type, so a
    /// major reqwest upgrade of cec-rs changes this signature (and is announced in
    /// the CHANGELOG as breaking). [`Self::transport`] is the stable way to bring
    /// your own HTTP stack.
    ///
    /// cec-rs builds reqwest with `rustls-no-provider`: give your client a TLS
    /// configuration (`use_preconfigured_tls(cec_core::transport::rustls_config(..))`,
    /// or your own) or install a rustls `CryptoProvider` for the process first.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
    /// Uses your own [`Transport`] (tests, capture/replay, another HTTP stack).
    pub fn transport(mut self, t: Arc<dyn Transport>) -> Self {
        self.transport = Some(t);
        self
    }

    /// Checks and builds the configuration.
    pub fn build(self) -> Result<Config> {
        let endpoint = Url::parse(self.endpoint.trim())
            .map_err(|e| Error::config(format!("endpoint `{}` is not a URL: {e}", self.endpoint)))?;
        match endpoint.scheme() {
            "https" | "http" => {}
            other => return Err(Error::config(format!("endpoint scheme `{other}` is not http(s)"))),
        }
        if endpoint.host_str().is_none() {
            return Err(Error::config("endpoint has no host"));
        }
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(Error::config("endpoint must not carry a query or fragment"));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::config("retry.max_attempts must be at least 1"));
        }
        if self.timeouts.attempt.is_zero() || self.timeouts.operation.is_zero() || self.timeouts.read_idle.is_zero() {
            return Err(Error::config("timeouts must be non-zero"));
        }
        Ok(Config {
            endpoint,
            timeouts: self.timeouts,
            retry: self.retry,
            user_agent: self.user_agent,
            tls: self.tls,
            http_client: self.http_client,
            transport: self.transport,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_configurations_share_one_transport() {
        let ne = Config::builder("https://ne.example.com").build().unwrap().pooled().unwrap();
        let token = Config::builder("https://token.example.com:28070").build().unwrap();
        assert!(!token.shares_transport_with(&ne));
        let token = token.sharing_transport_of(&ne);
        assert!(token.shares_transport_with(&ne), "same TLS settings: one pool");
        assert!(ne.clone().pooled().unwrap().shares_transport_with(&ne), "pooling twice keeps the pool");
        // A token endpoint with other TLS settings keeps its own transport.
        let other = Config::builder("https://token.example.com").danger_accept_invalid_certs(true).build().unwrap();
        assert!(!other.sharing_transport_of(&ne).shares_transport_with(&ne));
        let ua = Config::builder("https://token.example.com").user_agent("x").build().unwrap();
        assert!(!ua.sharing_transport_of(&ne).shares_transport_with(&ne));
    }

    #[test]
    fn rejects_bad_endpoints() {
        for bad in ["", "ftp://x", "not a url", "https://h/?q=1"] {
            assert!(Config::builder(bad).build().is_err(), "{bad}");
        }
        let c = Config::builder("https://cms.example.com:28443").build().unwrap();
        assert_eq!(c.timeouts(), Timeouts::defaults(Defaults::V1));
        assert_eq!(c.retry().max_attempts, 3);
    }
}
