//! # cec-cms
//!
//! Client for the Huawei Cloud CEC **CC-CMS** (real-time monitoring and statistics). Authentication is C2: an
//! AK/SK request signature ([`cec_auth::AkSkSigner`]) or, for SaaS tenants, a C1
//! Bearer token ([`cec_auth::C2Auth::Bearer`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_cms::Error> {
//! use cec_auth::{AkSkSigner, C2Auth};
//! let config = cec_core::Config::builder("https://cms.example.com:28443").build()?;
//! let client = cec_cms::Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk")?))?;
//! let states = client.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![1001]).send().await?;
//! println!("{:?}", states.result_desc);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

use std::sync::Arc;

use cec_auth::C2Auth;
use cec_core::Config;

#[allow(missing_docs)]
pub mod generated;

cec_core::define_ne_error!(
    /// An error of a CC-CMS call: the core error with `resultCode`, message, HTTP
    /// status and request id.
    Error,
    "CC-CMS"
);

/// A CC-CMS client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
}

impl Client {
    /// A client with C2 authentication (signature or Bearer).
    pub fn new(config: Config, auth: C2Auth) -> Result<Self, Error> {
        Ok(Client { core: cec_core::Client::new(config, Arc::new(auth))? })
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }
}
