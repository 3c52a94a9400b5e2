//! `AgentSession`: an agent signed in on CC-Gateway, with its event poll loop
//! (which is also its heartbeat), a typed event stream, and the agent's state
//! and calls tracked from those events.
//!
//! Transports: polling (this module). Push delivery is received with
//! [`crate::generated::AgenteventPushCallbackReceiver`]; the public reference
//! documents no agent WebSocket protocol (see `docs/ARCHITECTURE.md`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cec_core::{Error as CoreError, Secret};
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::generated::AgentEvent;
use crate::{Client, Error};

/// What the agent is doing, as the session has seen it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AgentState {
    /// Not signed in (before sign-in, after sign-out, or signed out by the platform).
    #[default]
    SignedOut,
    /// Signed in, state not reported yet.
    SignedIn,
    /// Idle: ready for calls.
    Idle,
    /// Busy (not ready).
    Busy,
    /// Resting.
    Rest,
    /// After-call work.
    Work,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallState {
    /// Offered to the agent.
    Ringing,
    /// Connected.
    Talking,
    /// Held by the agent.
    Held,
}

/// A call the agent holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    /// Call id.
    pub call_id: String,
    /// Calling number.
    pub caller: Option<String>,
    /// Called number.
    pub called: Option<String>,
    /// State.
    pub state: CallState,
}

/// The agent and its calls: enough to draw a connection bar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentView {
    /// Agent state.
    pub state: AgentState,
    /// Calls, oldest first.
    pub calls: Vec<CallView>,
    /// Events applied so far.
    pub events_seen: u64,
}

impl AgentView {
    /// Updates the view from one event.
    pub fn apply(&mut self, event: &AgentEvent) {
        use AgentEvent as E;
        self.events_seen += 1;
        match event {
            E::InService => self.state = AgentState::SignedIn,
            E::ShutdownService(_) => {
                self.state = AgentState::SignedOut;
                self.calls.clear();
            }
            E::StateReady | E::StateCancelNotReadySuccess | E::StateCancelRestSuccess | E::StateCancelWorkSuccess => {
                self.state = AgentState::Idle
            }
            E::StateBusy | E::StateSetNotReadySuccess(_) => self.state = AgentState::Busy,
            E::StateSetRestSuccess(_) => self.state = AgentState::Rest,
            E::StateWork | E::StateSetWorkSuccess => self.state = AgentState::Work,
            E::Ringing(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, c.caller.clone(), c.called.clone(), CallState::Ringing);
                }
            }
            E::Talking(c) => {
                if let Some(id) = &c.callid {
                    self.upsert(id, c.caller.clone(), c.called.clone(), CallState::Talking);
                }
            }
            E::Hold { call_id } => self.set_call_state(call_id, CallState::Held),
            E::CallRelease { call_id } => self.calls.retain(|c| &c.call_id != call_id),
            E::CustomerRelease(c) => {
                if let Some(id) = &c.callid {
                    self.calls.retain(|x| &x.call_id != id);
                }
            }
            _ => {}
        }
    }

    fn upsert(&mut self, id: &str, caller: Option<String>, called: Option<String>, state: CallState) {
        match self.calls.iter_mut().find(|c| c.call_id == id) {
            Some(c) => {
                c.state = state;
                c.caller = caller.or(c.caller.take());
                c.called = called.or(c.called.take());
            }
            None => self.calls.push(CallView { call_id: id.to_owned(), caller, called, state }),
        }
    }

    fn set_call_state(&mut self, id: &str, state: CallState) {
        if let Some(c) = self.calls.iter_mut().find(|c| c.call_id == id) {
            c.state = state;
        }
    }

    /// The call ringing at the agent, if any.
    pub fn ringing(&self) -> Option<&CallView> {
        self.calls.iter().find(|c| c.state == CallState::Ringing)
    }
}

/// Which skill queues to sign in to after sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Skills {
    /// Every queue configured for the agent.
    #[default]
    All,
    /// These queue ids.
    Only(Vec<u32>),
    /// None (do not call resetskill).
    Skip,
}

/// How to sign in.
#[derive(Debug, Clone)]
pub struct SignIn {
    /// Agent id, 101–999999.
    pub agent_id: String,
    /// Agent password.
    pub password: Secret<String>,
    /// Softphone number.
    pub phone: String,
    /// Sign in with `forcelogin` when the agent is signed in elsewhere (`100-002`).
    pub force: bool,
    /// Skill queues.
    pub skills: Skills,
    /// Pause between two polls (the reference asks for 200–500 ms).
    pub poll_pause: Duration,
    /// When the platform reports the session gone (`100-006`, `000-003`), sign in
    /// again (with `forcelogin`) and go on polling, up to 3 times in a row, instead
    /// of ending the stream with that error.
    pub resign_in: bool,
}

impl SignIn {
    /// Sign-in options with defaults: no forced sign-in, all skills, 300 ms pause.
    pub fn new(agent_id: impl Into<String>, password: impl Into<Secret<String>>, phone: impl Into<String>) -> Self {
        SignIn {
            agent_id: agent_id.into(),
            password: password.into(),
            phone: phone.into(),
            force: false,
            skills: Skills::All,
            poll_pause: Duration::from_millis(300),
            resign_in: false,
        }
    }
}

/// An item of the event stream.
pub type EventItem = Result<AgentEvent, Error>;

/// A signed-in agent. Dropping it stops the poll loop (the platform signs the
/// agent out two minutes later); call [`AgentSession::sign_out`] to sign out now.
#[derive(Debug)]
pub struct AgentSession {
    client: Client,
    agent_id: String,
    view: Arc<Mutex<AgentView>>,
    events: Mutex<Option<mpsc::UnboundedReceiver<EventItem>>>,
    poller: tokio::task::JoinHandle<()>,
    /// Set while signing out, so the poll loop does not take the sign-out for a lost session.
    stopping: Arc<AtomicBool>,
}

impl AgentSession {
    /// Signs in (then `forcelogin` if asked and needed), signs in to the skill
    /// queues, and starts polling. The poll is the heartbeat: it runs until
    /// sign-out or drop.
    pub async fn sign_in(client: Client, opts: SignIn) -> Result<AgentSession, Error> {
        establish(&client, &opts, opts.force).await?;
        let view = Arc::new(Mutex::new(AgentView { state: AgentState::SignedIn, ..AgentView::default() }));
        let (tx, rx) = mpsc::unbounded_channel();
        let agent_id = opts.agent_id.clone();
        let stopping = Arc::new(AtomicBool::new(false));
        let poller = tokio::spawn(poll_loop(client.clone(), opts, view.clone(), tx, stopping.clone()));
        Ok(AgentSession { client, agent_id, view, events: Mutex::new(Some(rx)), poller, stopping })
    }

    /// The agent id.
    pub fn agent_id(&self) -> &str {
        &self.agent_id
    }

    /// The client (its GUID follows rotations).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The agent's state and calls as of the last event.
    pub fn view(&self) -> AgentView {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The typed event stream, in the order the platform delivered the events.
    /// Available once; `None` afterwards. It ends with an error when the
    /// session is gone (e.g. `100-006`: signed out by the platform).
    pub fn events(&self) -> Option<impl Stream<Item = EventItem> + Send + 'static> {
        let rx = self.events.lock().ok()?.take()?;
        Some(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
    }

    /// Answers the ringing call; fails locally when nothing rings.
    pub async fn answer(&self) -> Result<(), Error> {
        let call = self.view().ringing().map(|c| c.call_id.clone());
        let Some(call_id) = call else {
            return Err(CoreError::usage("no ringing call to answer").with_operation("voicecall.answer").into());
        };
        self.client.voicecall_answer().agentid(self.agent_id.as_str()).callid(call_id).send().await.map(|_| ())
    }

    /// Hangs up the current call; fails locally when the agent holds none.
    pub async fn release(&self) -> Result<(), Error> {
        if self.view().calls.is_empty() {
            return Err(CoreError::usage("no call to release").with_operation("voicecall.release").into());
        }
        self.client.voicecall_release().agentid(self.agent_id.as_str()).send().await.map(|_| ())
    }

    /// Signs out and stops polling. When the platform refuses (e.g. `100-007`
    /// during a call), the session goes on as before.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.stopping.store(true, Ordering::SeqCst);
        let r = self.client.onlineagent_logout().agentid(self.agent_id.as_str()).send().await.map(|_| ());
        match &r {
            Ok(()) => {
                self.poller.abort();
                if let Ok(mut v) = self.view.lock() {
                    v.state = AgentState::SignedOut;
                    v.calls.clear();
                }
            }
            Err(_) => self.stopping.store(false, Ordering::SeqCst),
        }
        r
    }
}

impl Drop for AgentSession {
    fn drop(&mut self) {
        self.poller.abort();
    }
}

/// Sign-in (then `forcelogin` when `force` and the agent is signed in elsewhere) and skills.
async fn establish(client: &Client, opts: &SignIn, force: bool) -> Result<(), Error> {
    let login = client
        .onlineagent_login()
        .agentid(opts.agent_id.as_str())
        .password(opts.password.clone())
        .phonenum(opts.phone.as_str())
        .send()
        .await;
    match login {
        Ok(_) => {}
        Err(e) if force && e.code() == Some("100-002") => {
            client
                .onlineagent_forcelogin()
                .agentid(opts.agent_id.as_str())
                .password(opts.password.clone())
                .phonenum(opts.phone.as_str())
                .send()
                .await?;
        }
        Err(e) => return Err(e),
    }
    match &opts.skills {
        Skills::All => {
            client.onlineagent_resetskill().agentid(opts.agent_id.as_str()).autoflag(true).send().await?;
        }
        Skills::Only(ids) => {
            let list = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(";");
            client
                .onlineagent_resetskill()
                .agentid(opts.agent_id.as_str())
                .autoflag(false)
                .skillid(list)
                .send()
                .await?;
        }
        Skills::Skip => {}
    }
    Ok(())
}

async fn poll_loop(
    client: Client,
    opts: SignIn,
    view: Arc<Mutex<AgentView>>,
    tx: mpsc::UnboundedSender<EventItem>,
    stopping: Arc<AtomicBool>,
) {
    let agent = opts.agent_id.clone();
    let pause = opts.poll_pause;
    let mut failures = 0u32;
    let mut resigned = 0u32;
    loop {
        match client.agentevent_poll().agentid(agent.as_str()).send().await {
            Ok(resp) => {
                failures = 0;
                resigned = 0;
                if let Some(ev) = resp.event {
                    let event = ev.agent_event();
                    if let Ok(mut v) = view.lock() {
                        v.apply(&event);
                    }
                    if tx.send(Ok(event)).is_err() {
                        // Nobody listens; keep polling: the poll is the heartbeat.
                    }
                }
                tokio::time::sleep(pause).await;
            }
            Err(_) if stopping.load(Ordering::SeqCst) => {
                // Signing out: the platform has forgotten the agent on purpose.
                tokio::time::sleep(pause).await;
            }
            Err(e) if e.is_auth() && opts.resign_in && resigned < 3 => {
                resigned += 1;
                tracing::info!(agent = %agent, code = e.code().unwrap_or(""), "session gone; signing in again");
                match establish(&client, &opts, true).await {
                    Ok(()) => {
                        if let Ok(mut v) = view.lock() {
                            v.state = AgentState::SignedIn;
                            v.calls.clear();
                        }
                    }
                    Err(e) => {
                        tracing::warn!(agent = %agent, error = %e, "re-sign-in failed");
                        tokio::time::sleep(pause).await;
                    }
                }
            }
            Err(e) if e.is_auth() || e.is_validation() => {
                // The session is gone (100-006 / 000-003) and cannot be recovered: a terminal error.
                if let Ok(mut v) = view.lock() {
                    v.state = AgentState::SignedOut;
                    v.calls.clear();
                }
                let _ = tx.send(Err(e));
                return;
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(agent = %agent, error = %e, failures, "event poll failed; retrying");
                if failures >= 10 {
                    let _ = tx.send(Err(e));
                    return;
                }
                tokio::time::sleep(pause * failures.min(5)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn view_follows_a_call() {
        let mut v = AgentView::default();
        v.apply(&AgentEvent::from_raw("AgentOther_InService", serde_json::Value::Null));
        v.apply(&AgentEvent::from_raw("AgentState_Ready", serde_json::Value::Null));
        assert_eq!(v.state, AgentState::Idle);
        v.apply(&AgentEvent::from_raw("AgentEvent_Ringing", json!({"callid": "c1", "caller": "139"})));
        assert_eq!(v.ringing().map(|c| c.call_id.as_str()), Some("c1"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Talking", json!({"callid": "c1"})));
        assert_eq!(v.calls[0].state, CallState::Talking);
        assert_eq!(v.calls[0].caller.as_deref(), Some("139"));
        v.apply(&AgentEvent::from_raw("AgentEvent_Hold", json!("c1")));
        assert_eq!(v.calls[0].state, CallState::Held);
        v.apply(&AgentEvent::from_raw("AgentEvent_Call_Release", json!("c1")));
        assert!(v.calls.is_empty());
        v.apply(&AgentEvent::from_raw("AgentState_SetRest_Success", json!({"reason": "4"})));
        assert_eq!(v.state, AgentState::Rest);
        v.apply(&AgentEvent::from_raw("AgentEvent_FromTheFuture", json!({})));
        assert_eq!(v.events_seen, 8);
    }
}
