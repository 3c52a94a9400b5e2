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

use std::sync::Arc;

use cec_auth::{OiapAuth, OiapCredentials};
use cec_core::Config;

#[allow(missing_docs)]
pub mod generated;

cec_core::define_ne_error!(
    /// An error of an OIAP call.
    Error,
    "OIAP"
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

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// The token provider.
    pub fn auth(&self) -> &Arc<OiapAuth> {
        &self.auth
    }
}
