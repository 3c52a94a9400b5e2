//! # cec-oiap
//!
//! Client for the Huawei Cloud CEC **OIAP** (intelligent chatbot / IVR flow
//! engine, `/oifde/rest/...`): dialogs, intelligent recognition, assistant.
//! Authentication is C3 (`gettoken`) or C6 (`getAppCubeToken`); the token is
//! cached, refreshed, and placed where each interface expects it (a body field,
//! `inparams.auth_token` in the dialog API, or `username`/`token` headers for
//! system-level integrations).
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_oiap::Error> {
//! use cec_auth::OiapCredentials;
//! let config = cec_core::Config::builder("https://oiap.example.com:8443").build()?;
//! let oiap = cec_oiap::Client::new(config, OiapCredentials::tenant("tenant001", "api-password"))?;
//! let answer = oiap
//!     .dialog_process()
//!     .userid("call-1")
//!     .inaction(8)
//!     .inparams(serde_json::json!({"flowaccesscode": "1001"}))
//!     .send()
//!     .await?;
//! println!("next action {:?}", answer.outaction);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

#[allow(missing_docs)]
pub mod generated;

mod dialog;
pub use dialog::{Dialog, DialogTurn, DialogVersion, TransferKind};

pub use cec_auth::{OiapAuth, OiapCredentials};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
/// The service trait ([`OiapService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, OiapService};

cec_core::define_ne_error!(
    /// An error of an OIAP call.
    Error,
    "OIAP",
    codes = generated::ResultCode
);

/// An OIAP client. Cheap to clone; clones share the token cache.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    auth: Arc<OiapAuth>,
}

impl Client {
    /// A client whose token comes from the same host, through the same
    /// connection pool as the business calls.
    pub fn new(config: Config, creds: OiapCredentials) -> Result<Self, Error> {
        let config = config.pooled()?;
        let auth = Arc::new(OiapAuth::new(config.clone(), creds)?);
        let core = cec_core::Client::new(config, auth.clone())?;
        Ok(Client { core, auth })
    }

    /// A client from the environment: the default profile of the config file, then the
    /// `CEC_OIAP_*` variables (endpoint, app_key, app_secret).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.oiap]`: a tenant-level app key and secret).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        use cec_core::profile::{required, required_secret};
        let s = profile.ne("oiap");
        let creds = OiapCredentials::tenant(
            required("oiap", &s.app_key, "app_key")?,
            required_secret("oiap", &s.app_secret, "app_secret")?,
        );
        Self::new(profile.config("oiap")?, creds)
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// The token provider.
    pub fn auth(&self) -> &Arc<OiapAuth> {
        &self.auth
    }
}
