//! # cec-isales
//!
//! Client for the Huawei Cloud CEC **CC-iSales** (outbound campaigns, call data and blocklists). Authentication is C2: an
//! AK/SK request signature ([`cec_auth::AkSkSigner`]) or, for SaaS tenants, a C1
//! Bearer token ([`cec_auth::C2Auth::Bearer`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_isales::Error> {
//! use cec_auth::{AkSkSigner, C2Auth};
//! let config = cec_core::Config::builder("https://isales.example.com:28443").build()?;
//! let client = cec_isales::Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk")?))?;
//! let campaigns = client.campaign_query_all().vdn_id(1).status(0).device_type(0).cur_page(1).rows_per_page(10).send().await?;
//! println!("{:?} campaigns", campaigns.total_size);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

use std::sync::Arc;

use cec_auth::C2Auth;
use cec_core::Config;

#[allow(missing_docs)]
pub mod generated;

cec_core::define_ne_error!(
    /// An error of a CC-iSales call: the core error with `resultCode`, message, HTTP
    /// status and request id.
    Error,
    "CC-iSales"
);

/// A CC-iSales client. Cheap to clone.
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
