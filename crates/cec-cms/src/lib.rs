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
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

#[allow(missing_docs)]
pub mod generated;
pub mod indicators;
#[cfg(feature = "monitor")]
#[cfg_attr(docsrs, doc(cfg(feature = "monitor")))]
pub mod monitor;

pub use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, C2Auth};
pub use cec_core::{AgentId, SkillId, VdnId};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
pub use generated::TenantDefaults;
/// The service trait ([`CmsService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, CmsService};
pub use indicators::{Indicator, IndicatorValue, Unit};
#[cfg(feature = "monitor")]
pub use monitor::{AgentRow, AgentsByState, Day, HistoryRow, QueueStatus, ServiceLevel, TeamStatus, TimeGrain};

cec_core::define_ne_error!(
    /// An error of a CC-CMS call: the core error with `resultCode`, message, HTTP
    /// status and request id.
    Error,
    "CC-CMS",
    codes = generated::ResultCode
);

/// A CC-CMS client. Cheap to clone.
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

    /// The same client with tenant defaults (`ccId`, `vdn`): every call that leaves them unset
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
    /// (`CEC_CONFIG`, `CEC_PROFILE`), then the `CEC_CMS_*` variables (endpoint, ak, sk).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.cms]`: endpoint, ak, sk, c2_dialect,
    /// and `vdn`, which becomes the tenant default of every call).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        let settings = profile.ne("cms");
        let signer = AkSkSigner::from_settings("cms", &settings)?;
        let mut tenant = TenantDefaults::new();
        if let Some(v) = settings.vdn {
            tenant = tenant.vdn(v);
        }
        Ok(Self::new(profile.config("cms")?, C2Auth::Signature(signer))?.with_tenant(tenant))
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }
}
