//! # cec-gateway
//!
//! Client for the Huawei Cloud CEC **CC-Gateway** (agent gateway): agent sign-in and
//! sign-out, skill queues, agent events, call control, and the configuration
//! interfaces. Authentication is C4 (agent GUID, static or rotating) or C5
//! (configuration login); the client keeps the GUID and replaces it from every
//! `Set-GUID` answer.
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_gateway::Error> {
//! let config = cec_core::Config::builder("https://cc-gateway.example.com:8043").build()?;
//! let gw = cec_gateway::Client::new(config)?;
//! gw.onlineagent_login().agentid("1001").password("secret").phonenum("70001").send().await?;
//! gw.onlineagent_resetskill().agentid("1001").autoflag(true).send().await?;
//! let event = gw.agentevent_poll().agentid("1001").send().await?;
//! println!("{:?}", event.event);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

use std::sync::Arc;

use cec_auth::{GuidAuth, GuidMode};
use cec_core::{Config, Secret};

#[allow(missing_docs)]
pub mod generated;

mod session;

pub use generated::AgentEvent;
pub use session::{AgentSession, AgentState, AgentView, CallState, CallView, EventItem, SignIn, Skills};

impl generated::AgenteventPollResponseEvent {
    /// The typed event (unknown types and mismatched contents become `AgentEvent::Unknown`).
    pub fn agent_event(&self) -> AgentEvent {
        AgentEvent::from_raw(
            self.event_type.as_deref().unwrap_or_default(),
            self.content.clone().unwrap_or(serde_json::Value::Null),
        )
    }
}

cec_core::define_ne_error!(
    /// An error of a CC-Gateway call: the core error with `retcode`, message,
    /// HTTP status and request id.
    Error,
    "CC-Gateway"
);

/// A CC-Gateway client for one agent (C4) or one configuration administrator (C5).
/// Cheap to clone; clones share the GUID.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    auth: Arc<GuidAuth>,
}

impl Client {
    /// A client for a server in dynamic GUID mode (the default `AUTHMODE = 2`).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_mode(config, GuidMode::Dynamic)
    }

    /// A client for a server in the given GUID mode.
    pub fn with_mode(config: Config, mode: GuidMode) -> Result<Self, Error> {
        let auth = Arc::new(GuidAuth::new(mode));
        let core = cec_core::Client::new(config, auth.clone())?;
        Ok(Client { core, auth })
    }

    /// The core client (for generated code and raw calls).
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// The GUID store.
    pub fn guid_auth(&self) -> &GuidAuth {
        &self.auth
    }

    /// The current GUID, if signed in.
    pub fn guid(&self) -> Option<Secret<String>> {
        self.auth.guid()
    }

    /// Restores a GUID (after `updateGuid` or a restart).
    pub fn set_guid(&self, guid: impl Into<Secret<String>>) {
        self.auth.set_guid(guid);
    }
}
