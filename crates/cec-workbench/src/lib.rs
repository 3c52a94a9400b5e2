//! # cec-workbench
//!
//! The two integration solutions of Huawei Cloud CEC that call *out* to the
//! enterprise, as typed helpers:
//!
//! - **Screen pop-up** ([`popup`]): when a call rings, the agent workbench
//!   opens the enterprise's page (embedded or in its own window) and hands the
//!   call's data to it in the URL query (GET) or in a submitted form (POST).
//!   [`PopupParser`] turns that into a [`PopupContext`] — caller and called
//!   numbers, call id, media and call type, agent work number and name, skill
//!   and skill id, the workbench `origin` — with the parameter names the
//!   tenant configured, keeping unknown parameters and refusing malformed
//!   values with an error that names the parameter. The workbench does **not**
//!   authenticate the page it opens: [`PageToken`] lets the tenant put a signed,
//!   expiring token into the configured URL that the parser checks.
//! - **Workbench messages** ([`message`]): what an embedded page posts to the
//!   workbench, e.g. the one-click outbound call ([`Callout`]).
//! - **IVR business interfaces** ([`ivr`]): an IVR flow's *Interface Invoking*
//!   element calls the enterprise's RESTful interface with a JSON body built
//!   from the tenant's template and maps fields of the JSON object it answers
//!   (dotted paths such as `result.name`) into `FLOW`/`GLOBAL` variables.
//!   [`BusinessInterface`] receives such a call and builds the [`Answer`].
//!
//! Every helper is a plain function over headers and bytes, so it plugs into
//! any web framework; the `axum` feature adds ready-made handlers
//! (module `server`). Without that feature the crate pulls neither axum nor tokio.
//!
//! ```
//! use cec_workbench::{Field, PopupParser};
//!
//! # fn main() -> Result<(), cec_workbench::Error> {
//! // The tenant renamed `callerNum` to `ani` in its pop-up configuration.
//! let parser = PopupParser::new().rename(Field::CallerNum, "ani")?;
//! let ctx = parser.parse_query("ani=13800000001&callid=1700000001-1&mediaType=1&callType=0&workNo=1001&crm=7")?;
//! assert_eq!(ctx.caller_num.as_deref(), Some("13800000001"));
//! assert!(ctx.media_type.is_some_and(|m| m.is_voice()));
//! assert_eq!(ctx.extra, vec![("crm".to_string(), "7".to_string())]);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod ivr;
pub mod message;
pub mod popup;
mod query;
#[cfg(feature = "axum")]
pub mod server;
pub mod token;

pub use ivr::{Answer, BusinessInterface, Failure, HttpAnswer, SignatureCheck};
pub use message::{CallMode, Callout, ClickToOutbound, OutboundMedia};
pub use popup::{CallType, Field, MediaType, PopupContext, PopupParser};
pub use token::{PageClaims, PageToken, PageTokenKey};

cec_core::define_ne_error!(
    /// The error of this crate: cec-core's [`cec_core::Error`] with the
    /// parameter or field at fault ([`cec_core::Error::field`]).
    ///
    /// Malformed input is [`cec_core::ErrorKind::Decode`]; a missing, invalid
    /// or expired page token and a foreign `origin` are
    /// [`cec_core::ErrorKind::Auth`]; a message or answer that breaks a rule
    /// before it is sent is [`cec_core::ErrorKind::Validation`].
    Error,
    "workbench"
);

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Input that is not what the workbench or the flow sends, naming the parameter.
pub(crate) fn decode_error(what: &'static str, field: &str, rule: impl std::fmt::Display) -> Error {
    Error(cec_core::Error::validation(what, field, rule).with_kind(cec_core::ErrorKind::Decode))
}

/// A check of the page's protection failed.
pub(crate) fn auth_error(what: &'static str, message: impl Into<String>) -> Error {
    Error(cec_core::Error::new(cec_core::ErrorKind::Auth, message).with_operation(what))
}

/// Something the caller asked for breaks a rule; nothing was produced.
pub(crate) fn validation_error(what: &'static str, field: &str, rule: impl std::fmt::Display) -> Error {
    Error(cec_core::Error::validation(what, field, rule))
}
