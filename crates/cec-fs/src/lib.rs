//! # cec-fs
//!
//! Client for the Huawei Cloud CEC **CC-FS** (CDR and recording download). Authentication is C2: an
//! AK/SK request signature ([`cec_auth::AkSkSigner`]) or, for SaaS tenants, a C1
//! Bearer token ([`cec_auth::C2Auth::Bearer`]).
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_fs::Error> {
//! use cec_auth::{AkSkSigner, C2Auth};
//! let config = cec_core::Config::builder("https://fs.example.com:28443").build()?;
//! let client = cec_fs::Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk")?))?;
//! use cec_fs::generated::CcfsDownloadRecordBodyMsgBody;
//! let file = client.ccfs_download_record()
//!     .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
//!     .msg_body(CcfsDownloadRecordBodyMsgBody { call_id: Some("1700000000-1".into()), ..Default::default() })
//!     .send().await?;
//! println!("{:?} bytes", file.content_length());
//! # Ok(()) }
//! ```
//!
//! The hand-written layer does the nightly CDR and recording job:
//! [`Client::recording`] / [`Client::recording_file`] / [`Client::bill_file`] download
//! without ever leaving a partial file under a final name (resumed with `Range`);
//! [`Client::bills`] asks for a period's bill zips and waits for the CDR-ready
//! notices ([`NoticeInbox`], or the built-in axum [`receiver`] with feature
//! `receiver`); [`cdr`] reads the CSVs into typed rows; [`summary`] totals them.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

pub mod bills;
pub mod cdr;
pub mod files;
#[allow(missing_docs)]
pub mod generated;
pub mod notice;
#[cfg(feature = "receiver")]
pub mod receiver;
pub mod summary;
pub mod sync;
pub mod time;

pub use bills::{BillFile, Bills, Window};
pub use cdr::{AgentOperationRow, CallRow, CdrTime, RecordingRow, SkillChangeRow};
pub use files::FileDownload;
pub use notice::{Notice, NoticeInbox, NoticeKind};
#[cfg(feature = "receiver")]
pub use receiver::NoticeReceiver;
pub use sync::{Report, Sync, SyncEvent};

pub use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, C2Auth};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
/// The service trait ([`FsService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, FsService};

cec_core::define_ne_error!(
    /// An error of a CC-FS call: the core error with `resultCode`, message, HTTP
    /// status and request id.
    Error,
    "CC-FS",
    codes = generated::ResultCode
);

/// A CC-FS client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
}

impl Client {
    /// A client with C2 authentication (signature or Bearer).
    pub fn new(config: Config, auth: C2Auth) -> Result<Self, Error> {
        Ok(Client { core: cec_core::Client::new(config, Arc::new(auth))? })
    }

    /// A client from the environment: the default profile of the config file
    /// (`CEC_CONFIG`, `CEC_PROFILE`), then the `CEC_FS_*` variables (endpoint, ak, sk).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.fs]`: endpoint, ak, sk, c2_dialect).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        let signer = AkSkSigner::from_settings("fs", &profile.ne("fs"))?;
        Self::new(profile.config("fs")?, C2Auth::Signature(signer))
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }
}
