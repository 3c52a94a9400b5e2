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
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::{Arc, Mutex};

use cec_auth::GuidAuth;

pub use cec_auth::GuidMode;
pub use cec_core::{AgentId, CallId, SkillId};
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use generated::ResultCode;
/// The service trait ([`GatewayService`]) for mocking in unit tests, and its request types.
pub use generated::stub::{self, GatewayService};

#[allow(missing_docs)]
pub mod generated;

pub mod push;
mod session;
mod view;

pub use generated::AgentEvent;
pub use push::PushInbox;
#[cfg(feature = "push")]
#[cfg_attr(docsrs, doc(cfg(feature = "push")))]
pub use push::PushReceiver;
pub use session::chat::{
    CHAT_MEDIA_TYPES, ChatEvent, ChatFile, ChatFileLimits, ChatMedia, ChatOffer, ChatPhase, ChatTracker,
    ChatTransferTarget, FILE_MEDIA_TYPES, MAX_CHAT_MESSAGE_BYTES, chat_events, media_of,
};
pub use session::desk::{Chat, ChatSender, Chats};
pub use session::{
    AgentSession, DEFAULT_EVENT_BUFFER, EventItem, EventMode, SessionEvent, SignIn, Skills, TransferMode,
    TransferTarget,
};
pub use view::{AgentState, AgentView, CallState, CallView};

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
    "CC-Gateway",
    codes = generated::ResultCode
);

/// A CC-Gateway client for one agent (C4) or one configuration administrator (C5).
/// Cheap to clone; clones share the GUID.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    auth: Arc<GuidAuth>,
    /// The agent whose session this client (and its clones) carries, if any.
    slot: Arc<Mutex<Option<String>>>,
}

impl Client {
    /// A client for a server in dynamic GUID mode (the default `AUTHMODE = 2`).
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_mode(config, GuidMode::Dynamic)
    }

    /// A client from the environment: the default profile of the config file, then the
    /// `CEC_GATEWAY_*` variables (endpoint, optional guid).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.gateway]`: endpoint, optional guid).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        let c = Self::new(profile.config("gateway")?)?;
        if let Some(g) = profile.ne("gateway").guid {
            c.set_guid(g);
        }
        Ok(c)
    }

    /// A client for a server in the given GUID mode.
    pub fn with_mode(config: Config, mode: GuidMode) -> Result<Self, Error> {
        let auth = Arc::new(GuidAuth::new(mode));
        let core = cec_core::Client::new(config, auth.clone())?;
        Ok(Client { core, auth, slot: Arc::default() })
    }

    /// A client for another agent on the same endpoint and connection pool
    /// (own GUID): how one process runs many agent sessions cheaply.
    pub fn for_agent(&self) -> Client {
        let auth = Arc::new(GuidAuth::new(self.auth.mode()));
        Client { core: self.core.with_authorizer(auth.clone()), auth, slot: Arc::default() }
    }

    /// Reserves this client for one agent's session (one GUID per client).
    pub(crate) fn claim_slot(&self, agent: &str) -> Result<(), Error> {
        let mut slot = self.slot.lock().map_err(|_| Error::from(cec_core::Error::usage("client slot poisoned")))?;
        if let Some(other) = slot.as_deref() {
            let why = if other == agent {
                format!("agent {agent} already has a session (or a sign-in in progress) on this client")
            } else {
                format!("this client carries agent {other}'s session; use Client::for_agent for another agent")
            };
            return Err(cec_core::Error::usage(why).with_operation("onlineagent.login").into());
        }
        *slot = Some(agent.to_owned());
        Ok(())
    }

    pub(crate) fn release_slot(&self) {
        if let Ok(mut s) = self.slot.lock() {
            *s = None;
        }
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
