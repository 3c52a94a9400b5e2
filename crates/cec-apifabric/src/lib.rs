//! # cec-apifabric
//!
//! Client for Huawei Cloud CEC interfaces published through **API Fabric**
//! (`/apiaccess/...`): agent information, mobile two-way calls, web chat
//! (`ccmessaging`) and configuration. Authentication is C1: an AK/SK token from
//! `tokenByAkSk`, cached and refreshed before it expires, sent as
//! `Authorization: Bearer` with `X-APP-Key`; web-chat calls also carry the
//! `ccmessaging-token`, which the client replaces whenever the NE sends a new one.
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_apifabric::Error> {
//! use cec_auth::ApiFabricCredentials;
//! let config = cec_core::Config::builder("https://service.example.com").build()?;
//! let creds = ApiFabricCredentials::new("app-key", "app-secret");
//! let af = cec_apifabric::Client::new(config.clone(), config, creds)?;
//! let agents = af.agent_info_query_agent_info().send().await?;
//! println!("{} agents", agents.agents.map(|a| a.len()).unwrap_or(0));
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

#[allow(missing_docs)]
pub mod generated;

pub use cec_auth::{ApiFabricAuth, ApiFabricCredentials};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
/// The service trait ([`ApifabricService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, ApifabricService};

cec_core::define_ne_error!(
    /// An error of an API Fabric call.
    Error,
    "API Fabric",
    codes = generated::ResultCode
);

/// An API Fabric client. Cheap to clone; clones share the token cache.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    auth: Arc<ApiFabricAuth>,
}

impl Client {
    /// `config` points at the API Fabric host; `token_config` at the host serving
    /// `/apigovernance/api/oauth/tokenByAkSk` (often the same; some sites use port 28070).
    ///
    /// Token calls go through the same connection pool as business calls
    /// (unless `token_config` asks for other TLS settings, or brings its own
    /// transport or HTTP client: see [`Config::sharing_transport_of`]).
    pub fn new(config: Config, token_config: Config, creds: ApiFabricCredentials) -> Result<Self, Error> {
        let config = config.pooled()?;
        let auth = Arc::new(ApiFabricAuth::new(token_config.sharing_transport_of(&config), creds)?);
        Self::with_auth(config, auth)
    }

    /// A client from the environment: the default profile of the config file, then the
    /// `CEC_APIFABRIC_*` variables (endpoint, token_endpoint, app_key, app_secret).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.apifabric]`).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        use cec_core::profile::{required, required_secret};
        let s = profile.ne("apifabric");
        let endpoint = required("apifabric", &s.endpoint, "endpoint")?;
        let token = s.token_endpoint.as_deref().unwrap_or(endpoint);
        let creds = ApiFabricCredentials::new(
            required("apifabric", &s.app_key, "app_key")?,
            required_secret("apifabric", &s.app_secret, "app_secret")?,
        );
        Self::new(profile.config_for("apifabric", endpoint)?, profile.config_for("apifabric", token)?, creds)
    }

    /// A client sharing an existing token provider (e.g. with a C2 NE client in Bearer mode).
    pub fn with_auth(config: Config, auth: Arc<ApiFabricAuth>) -> Result<Self, Error> {
        let core = cec_core::Client::new(config, auth.clone())?;
        Ok(Client { core, auth })
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// The C1 token provider (token, `ccmessaging-token`).
    pub fn auth(&self) -> &Arc<ApiFabricAuth> {
        &self.auth
    }
}
