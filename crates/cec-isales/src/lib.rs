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
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

#[allow(missing_docs)]
pub mod generated;
pub mod import;

pub use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, C2Auth};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
pub use generated::TenantDefaults;
pub use import::{CallDataRow, ImportOptions, RowOutcome, RowResult};

cec_core::define_ne_error!(
    /// An error of a CC-iSales call: the core error with `resultCode`, message, HTTP
    /// status and request id.
    Error,
    "CC-iSales",
    codes = generated::ResultCode
);

/// A CC-iSales client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    tenant: generated::TenantDefaults,
}

impl Client {
    /// A client with C2 authentication (signature or Bearer).
    pub fn new(config: Config, auth: C2Auth) -> Result<Self, Error> {
        Ok(Client { core: cec_core::Client::new(config, Arc::new(auth))?, tenant: Default::default() })
    }

    /// The same client with tenant defaults (`vdnId`): every call that leaves them unset
    /// sends these; a call's own setter overrides them.
    pub fn with_tenant(mut self, tenant: TenantDefaults) -> Self {
        self.tenant = tenant;
        self
    }

    /// The tenant defaults.
    pub fn tenant(&self) -> &TenantDefaults {
        &self.tenant
    }

    /// A client from the environment: the default profile of the config file
    /// (`CEC_CONFIG`, `CEC_PROFILE`), then the `CEC_ISALES_*` variables (endpoint, ak, sk).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.isales]`: endpoint, ak, sk, c2_dialect).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        let signer = AkSkSigner::from_settings("isales", &profile.ne("isales"))?;
        Self::new(profile.config("isales")?, C2Auth::Signature(signer))
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }
}
