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
pub use cec_core::{AgentId, CampaignId, VdnId};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
pub use generated::TenantDefaults;
/// The service trait ([`IsalesService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, IsalesService};
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
        let settings = profile.ne("isales");
        let signer = AkSkSigner::from_settings("isales", &settings)?;
        let mut tenant = TenantDefaults::new();
        if let Some(v) = settings.vdn {
            tenant = tenant.vdn_id(v);
        }
        Ok(Self::new(profile.config("isales")?, C2Auth::Signature(signer))?.with_tenant(tenant))
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// Waits until campaign `campaign` is in `status` (2 started, 3 suspended, 4
    /// completed), polling `campaign.query_all` (all statuses, every page) of the tenant's VDN (the client's tenant
    /// default, else `vdn_id`) with `waiter`'s backoff; returns the campaign as listed.
    /// A campaign missing from the list fails at once (`Usage`); the deadline, with a
    /// timeout error naming the campaign and the state.
    pub async fn wait_for_campaign_status(
        &self,
        campaign: CampaignId,
        status: i64,
        waiter: &cec_core::Waiter,
    ) -> Result<generated::CampaignQueryAllResponseData, Error> {
        let campaign_id = campaign.get();
        let what = format!("campaign {campaign_id} in status {status}");
        waiter
            .wait(&what, || async {
                // Every status and device type (0), paged through: the campaign may be
                // past the first page of a busy VDN.
                let items = self.campaign_query_all().status(0).device_type(0).into_paginator().page_size(100).items();
                let mut items = std::pin::pin!(items);
                let mut found = None;
                while let Some(c) = futures_util::StreamExt::next(&mut items).await {
                    let c = c?;
                    if c.id == Some(campaign_id) {
                        found = Some(c);
                        break;
                    }
                }
                match found {
                    None => Err(Error::from(cec_core::Error::new(
                        cec_core::ErrorKind::Usage,
                        format!("campaign {campaign_id} is not in the VDN's campaign list"),
                    ))),
                    Some(c) if c.status == Some(status) => Ok(Some(c)),
                    Some(_) => Ok(None),
                }
            })
            .await
    }
}
