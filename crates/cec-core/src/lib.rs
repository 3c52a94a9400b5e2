//! # cec-core
//!
//! The hand-written runtime of cec-rs, the Rust SDK for Huawei Cloud Customer
//! Engagement Center (CEC/AICC): configuration, the HTTP transport (reqwest over
//! rustls with the ring provider), the one error type, retries with jittered
//! backoff and a budget, [`Secret`] redaction, envelope decoding, validation
//! helpers for generated code, the C2 signer ([`sign`]) and, written apart from
//! it, the C2 verifier for servers ([`verify`]).
//!
//! NE crates (`cec-gateway`, `cec-cms`, …) build on this; most users never use
//! it directly except for [`Config`] and [`Error`].

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
pub mod callback;
pub mod client;
pub mod code_enum;
pub mod config;
pub mod de;
pub mod download;
pub mod envelope;
pub mod error;
pub mod ids;
pub mod operation;
pub mod paginate;
pub mod profile;
pub mod retry;
pub mod secret;
pub mod sign;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod time;
pub mod transport;
pub mod validate;
pub mod verify;
pub mod waiter;

pub use auth::{Authorizer, NoAuth, PreparedRequest};
pub use client::{BinaryResponse, Call, CallOptions, Client};
pub use config::{Config, ConfigBuilder, Defaults, RetryPolicy, Timeouts};
pub use download::{Download, Downloaded};
pub use error::{Error, ErrorKind, Result, Sent};
pub use http;
pub use ids::{AgentId, CallId, CampaignId, SkillId, VdnId};
pub use operation::{AuthKind, Envelope, OperationMeta, ResponseKind, RetryClass, TokenPlacement};
pub use secret::Secret;
pub use transport::{BodyStream, HttpRequest, HttpResponse, ReqwestTransport, Transport};
pub use waiter::Waiter;

/// Re-exports for generated code.
#[doc(hidden)]
pub mod __private {
    pub use bytes::Bytes;
    pub use serde;
    pub use serde_json;
}
