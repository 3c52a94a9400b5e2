//! Push mode: CC-Gateway POSTs agent events to a URL the customer hosts
//! (`agentevent.push_callback`) when sign-in carried `callBackUri` and
//! `serviceToken`.
//!
//! [`PushInbox`] is the framework-neutral part: it checks a delivery's
//! `service_token` and `Guid` headers against the signed-in session, parses
//! the body, and feeds each event to that session's stream, in order. Any web
//! server can call [`PushInbox::handle`]; with the `push` feature,
//! `PushReceiver` is a ready axum server for it.
//!
//! ## CEC's push mode only
//!
//! This is the push mode of CEC's CC-Gateway: sign-in carries `callBackUri`
//! and `serviceToken`, the session sends `POST onlineagent/{agentid}/handshake`
//! as its heartbeat (every 30 s by default), and each delivery is
//! `{"workNo", "eventList": [...]}` with `service_token` and `Guid` headers.
//! The older CloudIPCC agent gateway (the one Huawei's
//! `CloudIPCC_AgentServerDemo_Java` talks to) does it differently: a push
//! address configured as `pushUrl`, a `PUT onlineagent/{agentid}/heartbeat`
//! every 60 s, and one `{"retcode", "event": {...}}` per push (with its token
//! in the query string, as reported). That form is not supported: against
//! such a gateway the `handshake` heartbeat is not the one it expects, so it
//! signs the agent out after 2 minutes, and `PushInbox` refuses its deliveries
//! (no `workNo`/`eventList`). Use polling there (the default
//! [`crate::EventMode::Poll`]): `GET agentevent/{agentid}` is what that demo
//! polls too. See `docs/agent-sessions.md`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, Weak};

use cec_core::{Error as CoreError, Secret};
use serde_json::{Value, json};

use crate::generated::{AgentEvent, AgenteventPushCallbackReceiver};
use crate::session::SessionCore;
use crate::{Client, Error};

/// The reference path of the push callback.
pub const DEFAULT_PATH: &str = "/service-cloud/rest/cc-ai/v1/agentevent/pushresult";

#[derive(Debug)]
struct Entry {
    token: Secret<String>,
    client: Client,
    session: Weak<SessionCore>,
    /// Digest of the last delivery applied: a byte-identical re-delivery (the
    /// platform retries when it missed our answer) is acknowledged, not applied twice.
    last_batch: Option<u64>,
    /// Deliveries that arrived before the sign-in answer brought the GUID to
    /// check them against (the first events race the answer); checked then.
    early: Vec<(String, Vec<AgentEvent>)>,
}

/// Routes pushed deliveries to the sessions signed in with push mode. Cheap
/// to clone; one inbox serves any number of agents.
#[derive(Debug, Clone, Default)]
pub struct PushInbox {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

/// What to answer CC-Gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct PushAnswer {
    /// HTTP status.
    pub status: u16,
    /// JSON body (`{"retcode":"0","message":"success"}` on success).
    pub body: Value,
}

impl PushAnswer {
    fn refused(status: u16, retcode: &str, message: &str) -> Self {
        PushAnswer { status, body: json!({ "retcode": retcode, "message": message }) }
    }
}

impl PushInbox {
    /// An empty inbox.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sessions registered.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// No session registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn register(
        &self,
        agent: &str,
        token: Secret<String>,
        client: Client,
        session: Weak<SessionCore>,
    ) -> Result<(), Error> {
        let mut e = self.entries.lock().map_err(|_| Error::from(CoreError::usage("push inbox poisoned")))?;
        if e.get(agent).is_some_and(|x| x.session.strong_count() > 0) {
            return Err(CoreError::usage(format!("agent {agent} already has a push session in this inbox"))
                .with_operation("onlineagent.login")
                .into());
        }
        e.insert(agent.to_owned(), Entry { token, client, session, last_batch: None, early: Vec::new() });
        Ok(())
    }

    /// Sign-in has answered: deliveries that came before it are checked
    /// against the GUID now known, and applied (or dropped) in arrival order.
    pub(crate) fn settle(&self, agent: &str) {
        let Ok(mut entries) = self.entries.lock() else { return };
        let Some(entry) = entries.get_mut(agent) else { return };
        let Some(session) = entry.session.upgrade() else { return };
        for (guid, events) in std::mem::take(&mut entry.early) {
            if entry.client.guid_auth().matches(&guid) {
                events.into_iter().for_each(|e| session.deliver(e));
            } else {
                tracing::warn!(agent = %agent, "early pushed events with a foreign Guid dropped");
            }
        }
    }

    pub(crate) fn unregister(&self, agent: &str) {
        if let Ok(mut e) = self.entries.lock() {
            e.remove(agent);
        }
    }

    /// Handles one delivery: checks `service_token` (constant time) and `Guid`
    /// (the agent's current GUID or the one its last rotation replaced), then
    /// feeds the events, oldest first, to the agent's session. Never panics.
    pub fn handle(&self, headers: &cec_core::http::HeaderMap, body: &[u8]) -> PushAnswer {
        // Parse without a token first to learn the agent, then check its token.
        let parsed = match AgenteventPushCallbackReceiver::receive(headers, body, None) {
            Ok(p) => p,
            Err(e) => return PushAnswer::refused(400, "000-002", e.message()),
        };
        let Some(agent) = parsed.work_no.clone().filter(|a| !a.is_empty()) else {
            return PushAnswer::refused(400, "000-002", "workNo is missing");
        };
        let Ok(mut entries) = self.entries.lock() else {
            return PushAnswer::refused(500, "000-000", "inbox unavailable");
        };
        let Some(entry) = entries.get_mut(&agent) else {
            return PushAnswer::refused(404, "100-006", "no push session for this agent");
        };
        let token = headers.get("service_token").map(|v| v.as_bytes()).unwrap_or_default();
        if !cec_core::sign::constant_time_eq(token, entry.token.expose_str().as_bytes()) {
            tracing::warn!(agent = %agent, "pushed events with a wrong service_token");
            return PushAnswer::refused(401, "100-001", "service_token does not match");
        }
        let guid = headers.get("guid").and_then(|v| v.to_str().ok()).unwrap_or("");
        let pending = entry.client.guid().is_none();
        if !pending && !entry.client.guid_auth().matches(guid) {
            tracing::warn!(agent = %agent, "pushed events with a stale or foreign Guid");
            return PushAnswer::refused(401, "000-003", "Guid does not match the session");
        }
        let Some(session) = entry.session.upgrade() else {
            entries.remove(&agent);
            return PushAnswer::refused(404, "100-006", "the session has ended");
        };
        let digest = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            body.hash(&mut h);
            h.finish()
        };
        if entry.last_batch == Some(digest) {
            tracing::debug!(agent = %agent, "re-delivered push batch ignored");
            return PushAnswer { status: 200, body: AgenteventPushCallbackReceiver::ack() };
        }
        entry.last_batch = Some(digest);
        let events = parsed.event_list.unwrap_or_default().into_iter().map(|ev| {
            AgentEvent::from_raw(ev.event_type.as_deref().unwrap_or_default(), ev.content.unwrap_or(Value::Null))
        });
        if pending {
            entry.early.push((guid.to_owned(), events.collect()));
        } else {
            // Delivering under the inbox lock keeps two deliveries for one agent in order.
            events.for_each(|e| session.deliver(e));
        }
        PushAnswer { status: 200, body: AgenteventPushCallbackReceiver::ack() }
    }
}

#[cfg(feature = "push")]
mod server {
    use std::net::SocketAddr;

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;

    use super::{DEFAULT_PATH, PushInbox};

    /// An axum router that serves `path` (POST) for the inbox: mount it in your
    /// own server, behind TLS (CC-Gateway pushes over HTTPS, TLS 1.2+).
    pub fn router(inbox: PushInbox, path: &str) -> axum::Router {
        axum::Router::new().route(path, axum::routing::post(handle)).with_state(inbox)
    }

    async fn handle(State(inbox): State<PushInbox>, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
        let answer = inbox.handle(&headers, &body);
        let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(answer.body))
    }

    /// A push receiver listening on its own socket (plain HTTP: put TLS in front
    /// of it, or mount [`router`] in a TLS server).
    #[derive(Debug)]
    pub struct PushReceiver {
        addr: SocketAddr,
        path: String,
        inbox: PushInbox,
        shutdown: Option<tokio::sync::oneshot::Sender<()>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl PushReceiver {
        /// Binds `addr` and serves the reference path.
        pub async fn start(addr: SocketAddr) -> std::io::Result<PushReceiver> {
            Self::start_at(addr, DEFAULT_PATH).await
        }

        /// Binds `addr` and serves `path`.
        pub async fn start_at(addr: SocketAddr, path: &str) -> std::io::Result<PushReceiver> {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let addr = listener.local_addr()?;
            let inbox = PushInbox::new();
            let app = router(inbox.clone(), path);
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = rx.await;
                });
                if let Err(e) = serve.await {
                    tracing::error!(error = %e, "push receiver stopped");
                }
            });
            Ok(PushReceiver { addr, path: path.to_owned(), inbox, shutdown: Some(tx), task })
        }

        /// The inbox to give [`crate::SignIn::push`].
        pub fn inbox(&self) -> &PushInbox {
            &self.inbox
        }

        /// The bound address.
        pub fn addr(&self) -> SocketAddr {
            self.addr
        }

        /// `http://<addr><path>`: the `callBackUri` when nothing sits in front.
        pub fn url(&self) -> String {
            format!("http://{}{}", self.addr, self.path)
        }

        /// Stops serving.
        pub async fn shutdown(mut self) {
            if let Some(tx) = self.shutdown.take() {
                let _ = tx.send(());
            }
            let _ = (&mut self.task).await;
        }
    }

    impl Drop for PushReceiver {
        fn drop(&mut self) {
            if let Some(tx) = self.shutdown.take() {
                let _ = tx.send(());
            }
        }
    }
}

#[cfg(feature = "push")]
pub use server::{PushReceiver, router};
