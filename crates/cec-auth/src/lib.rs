//! # cec-auth
//!
//! The six authentication modes of Huawei Cloud CEC, as [`cec_core::Authorizer`]s:
//!
//! | mode | type | used by |
//! |---|---|---|
//! | C1 | [`ApiFabricAuth`] | API Fabric (`tokenByAkSk`, Bearer + `X-APP-Key`, web-chat `ccmessaging-token`) |
//! | C2 | [`C2Auth`] ([`AkSkSigner`] or a C1 Bearer token) | CC-CMS, CC-FS, CC-iSales |
//! | C3 / C6 | [`OiapAuth`] (`gettoken` / `getAppCubeToken`) | OIAP |
//! | C4 | [`GuidAuth`] (agent sign-in, `Set-GUID`, rotation) | CC-Gateway agent interfaces |
//! | C5 | [`GuidAuth`] (`config/login`, `result.guid`) | CC-Gateway configuration and ASR subscription |
//! | web channel | [`MessagingCookieAuth`] (`Cookie: ccmessaging-token=…`, renewed from answers) | CC-Messaging |
//!
//! Secrets are held in [`cec_core::Secret`] and never reach `Debug`, `Display` or logs.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod c1;
mod c2;
mod cookie;
mod guid;
mod oiap;
mod token;

#[allow(missing_docs)]
pub mod generated;

pub use c1::{ApiFabricAuth, ApiFabricCredentials};
pub use c2::{AkSkSigner, C2Auth};
pub use cec_core::sign::{C2Dialect, SignedHeaderSet, TimestampForm};
pub use cookie::{MESSAGING_COOKIE, MessagingCookieAuth, messaging_token_from_set_cookie};
pub use guid::{GuidAuth, GuidMode, parse_set_guid};
pub use oiap::{OiapAuth, OiapCredentials, OiapFlavor, OiapIntegration};
pub use token::CachedToken;
