//! # cec-messaging
//!
//! Client for Huawei Cloud CEC **CC-Messaging** (the "Adapter Class Interface
//! Reference"):
//!
//! - the **web channel** interfaces a customer-side web client calls
//!   (`/service-cloud/rest/webadapter/v1/...`, `/social/on/{adapter}/resource/...`),
//!   authenticated by the `ccmessaging-token` cookie ([`MessagingCookieAuth`]: the
//!   token is sent as `Cookie` and replaced whenever an answer carries a new one);
//! - the **social-channel webhooks** CC-Messaging serves for Facebook, 5G, LINE,
//!   Twitter, WeChat and WhatsApp: an integrator calls them with a channel's
//!   [`webhook`] signer to test a channel configuration without the platform;
//! - the **push-message callback** AICC sends to the integrator
//!   (`{baseUrl}/webhooks/v1/messages`, auth-v2 signed): [`push`] verifies and
//!   parses it (the axum server behind feature `receiver`), and
//!   [`PushRouter`] hands the pushed messages to the [`ChatSession`] each addresses.
//!
//! ```no_run
//! # async fn run() -> Result<(), cec_messaging::Error> {
//! let config = cec_messaging::Config::builder("https://aicc.example.com:18446").build()?;
//! let web = cec_messaging::Client::new(config)?;
//! web.set_token("token-from-applyToken");
//! web.webchannel_send_message_for_web_channel()
//!     .control_type("CONNECT")
//!     .media_type("TEXT")
//!     .content("hello")
//!     .user_agent("cec-rs")
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

use std::sync::Arc;

use cec_core::{Authorizer, OperationMeta, PreparedRequest};

pub mod chat;
#[cfg(feature = "fabric")]
#[cfg_attr(docsrs, doc(cfg(feature = "fabric")))]
pub mod fabric;
#[allow(missing_docs)]
pub mod generated;
pub mod push;
pub mod webhook;

pub use cec_auth::MessagingCookieAuth;
pub use cec_core::{BinaryResponse, CallOptions, Config, ConfigBuilder, Defaults, RetryPolicy, Secret, Timeouts};
pub use chat::{CallMedia, CallSupport, ChatMessage, ChatSession, Control, CustomerAccess, FileLimits, Media, Source};
#[cfg(feature = "fabric")]
pub use fabric::FabricAccess;
pub use generated::ResultCode;
pub use generated::stub::{self, MessagingService};
#[cfg(feature = "receiver")]
pub use push::PushReceiver;
pub use push::{PushAnswer, PushFeed, PushRefusal, PushRouter, PushVerifier, Routed, RouterStats};
pub use webhook::{FacebookAlgorithm, FacebookSigner, FiveGSigner, LineSigner, TwitterSigner, WebhookPassword};

cec_core::define_ne_error!(
    /// An error of a CC-Messaging call: the core error with the result code,
    /// message, HTTP status and request id.
    Error,
    "CC-Messaging",
    codes = generated::ResultCode
);

/// Signs the final bytes of the webhook requests of one social channel (see [`webhook`]).
pub trait ChannelSigner: Send + Sync + std::fmt::Debug {
    /// Whether this signer signs interface `op` (by spec id, `line.receiveMessage`).
    fn signs(&self, op: &'static OperationMeta) -> bool;
    /// Adds the channel's signature headers to a request whose body is final.
    fn sign(&self, req: &mut cec_core::transport::HttpRequest) -> cec_core::Result<()>;
}

/// The client's authorizer: the web channel cookie, and the webhook signer if one is set.
#[derive(Debug)]
struct ClientAuth {
    cookie: Arc<MessagingCookieAuth>,
    signer: Option<Arc<dyn ChannelSigner>>,
}

#[async_trait::async_trait]
impl Authorizer for ClientAuth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> cec_core::Result<()> {
        self.cookie.prepare(op, req).await
    }

    fn sign(&self, op: &'static OperationMeta, req: &mut cec_core::transport::HttpRequest) -> cec_core::Result<()> {
        match &self.signer {
            Some(s) if s.signs(op) => s.sign(req),
            _ => Ok(()),
        }
    }

    fn observe(&self, op: &'static OperationMeta, headers: &http::HeaderMap, body: Option<&[u8]>) {
        self.cookie.observe(op, headers, body);
    }
}

/// A CC-Messaging client. Cheap to clone; clones share the token.
#[derive(Debug, Clone)]
pub struct Client {
    core: cec_core::Client,
    config: Config,
    auth: Arc<MessagingCookieAuth>,
}

impl Client {
    /// A client for the web channel (set the token with [`set_token`](Self::set_token))
    /// and for unsigned webhook calls.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::build(config, Arc::new(MessagingCookieAuth::new()), None)
    }

    fn build(
        config: Config,
        cookie: Arc<MessagingCookieAuth>,
        signer: Option<Arc<dyn ChannelSigner>>,
    ) -> Result<Self, Error> {
        let config = config.pooled()?;
        let auth = Arc::new(ClientAuth { cookie: cookie.clone(), signer });
        let core = cec_core::Client::new(config.clone(), auth)?;
        Ok(Client { core, config, auth: cookie })
    }

    /// A client whose webhook calls of one channel are signed by `signer`
    /// (sharing this client's connection pool and token).
    pub fn with_signer(&self, signer: impl ChannelSigner + 'static) -> Result<Self, Error> {
        Self::build(self.config.clone(), self.auth.clone(), Some(Arc::new(signer)))
    }

    /// A client from the environment: the default profile of the config file, then the
    /// `CEC_MESSAGING_*` variables (endpoint).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::from_env()?)
    }

    /// A client from profile `name` of the config file, then the environment.
    pub fn from_profile(name: &str) -> Result<Self, Error> {
        Self::from_settings(&cec_core::profile::Profile::named(name)?)
    }

    /// A client from loaded settings (`[profiles.<name>.messaging]`: the endpoint).
    pub fn from_settings(profile: &cec_core::profile::Profile) -> Result<Self, Error> {
        Self::new(profile.config("messaging")?)
    }

    /// Sets the web channel's `ccmessaging-token` (from API Fabric `ccmessaging.applyToken`).
    pub fn set_token(&self, token: impl Into<Secret<String>>) {
        self.auth.set_token(token);
    }

    /// The core client.
    pub fn core(&self) -> &cec_core::Client {
        &self.core
    }

    /// The token store.
    pub fn auth(&self) -> &Arc<MessagingCookieAuth> {
        &self.auth
    }
}
