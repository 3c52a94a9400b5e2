//! `AgentSession`: an agent signed in on CC-Gateway, with the task that keeps
//! the session alive (the event poll, or the `handshake` heartbeat in push
//! mode), a typed event stream, the agent's state and calls tracked from those
//! events, and state-change and call-control actions checked against that state
//! before anything is sent.
//!
//! Event transports: polling (`GET agentevent/{agentid}`, which is also the
//! heartbeat) and push (events POSTed by CC-Gateway to a receiver, see
//! [`crate::push`]). The public reference documents no agent WebSocket
//! protocol, so there is no WebSocket transport (see `docs/ARCHITECTURE.md`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cec_core::{Error as CoreError, Secret};
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::generated::AgentEvent;
use crate::push::PushInbox;
use crate::view::{AgentState, AgentView, CallState};
use crate::{Client, Error};

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

/// How events reach the session.
#[derive(Debug, Clone, Default)]
pub enum EventMode {
    /// Long-poll `agentevent/{agentid}` (the poll is the heartbeat).
    #[default]
    Poll,
    /// CC-Gateway POSTs events to `callback_url`, served by a receiver that
    /// feeds `inbox`; the session sends the `handshake` heartbeat.
    Push {
        /// Where the receiver hands deliveries to sessions.
        inbox: PushInbox,
        /// The URL CC-Gateway calls (`callBackUri`, at most 200 characters).
        callback_url: String,
        /// The token CC-Gateway sends back as `service_token` (at most 50 letters and digits).
        service_token: Secret<String>,
    },
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
    /// Push mode: interval of the `handshake` heartbeat (the reference asks for about 30 s;
    /// 2 minutes without one signs the agent out).
    pub heartbeat_every: Duration,
    /// When the platform reports the session gone (`100-006`, `000-003`), sign in
    /// again (with `forcelogin`) and go on, up to 3 times in a row, instead of
    /// ending the stream with that error.
    pub resign_in: bool,
    /// Polling or push.
    pub events: EventMode,
}

impl SignIn {
    /// Sign-in options with defaults: polling, no forced sign-in, all skills, 300 ms pause.
    pub fn new(agent_id: impl Into<String>, password: impl Into<Secret<String>>, phone: impl Into<String>) -> Self {
        SignIn {
            agent_id: agent_id.into(),
            password: password.into(),
            phone: phone.into(),
            force: false,
            skills: Skills::All,
            poll_pause: Duration::from_millis(300),
            heartbeat_every: Duration::from_secs(30),
            resign_in: false,
            events: EventMode::Poll,
        }
    }

    /// Push mode: events arrive at `callback_url`, whose receiver feeds `inbox`.
    pub fn push(
        mut self,
        inbox: &PushInbox,
        callback_url: impl Into<String>,
        service_token: impl Into<Secret<String>>,
    ) -> Self {
        self.events = EventMode::Push {
            inbox: inbox.clone(),
            callback_url: callback_url.into(),
            service_token: service_token.into(),
        };
        self
    }
}

/// An item of the event stream.
pub type EventItem = Result<AgentEvent, Error>;

/// Where a transfer goes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferTarget {
    /// A skill queue (devicetype 1).
    Queue(u32),
    /// Another agent (devicetype 2).
    Agent(String),
    /// An IVR flow access code (devicetype 3).
    Ivr(String),
    /// A system access code (devicetype 4).
    AccessCode(String),
    /// An external number (devicetype 5).
    Number(String),
}

/// How a transfer completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TransferMode {
    /// Release transfer (mode 0): the agent leaves at once.
    #[default]
    Release,
    /// Success transfer (mode 2): the agent stays until the target answers
    /// (`AgentEvent_SuccTransResult`); [`AgentSession::cancel_transfer`] withdraws it.
    Success,
}

/// State shared by the session, its keeper task and a push receiver.
#[derive(Debug)]
pub(crate) struct SessionCore {
    pub(crate) agent_id: String,
    pub(crate) view: Mutex<AgentView>,
    /// Items are boxed: the channel allocates its slots in blocks of 32, and
    /// an unboxed event is hundreds of bytes (kilobytes per idle session).
    pub(crate) tx: mpsc::UnboundedSender<Box<EventItem>>,
    /// Set while signing out, so the keeper does not take the sign-out for a lost session.
    stopping: AtomicBool,
    /// Sign-in, re-sign-in and sign-out never overlap (the reference forbids it).
    control: tokio::sync::Mutex<()>,
}

impl SessionCore {
    /// Applies an event to the view and hands it to the stream, in that order.
    pub(crate) fn deliver(&self, event: AgentEvent) {
        if let Ok(mut v) = self.view.lock() {
            v.apply(&event);
        }
        // Nobody listening is fine: the view still follows.
        let _ = self.tx.send(Box::new(Ok(event)));
    }

    fn update(&self, f: impl FnOnce(&mut AgentView)) {
        if let Ok(mut v) = self.view.lock() {
            f(&mut v);
        }
    }

    fn view(&self) -> AgentView {
        self.view.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

/// A signed-in agent. Dropping it stops the keeper task (the platform signs
/// the agent out two minutes later); call [`AgentSession::sign_out`] to sign out now.
#[derive(Debug)]
pub struct AgentSession {
    client: Client,
    core: Arc<SessionCore>,
    events: Mutex<Option<mpsc::UnboundedReceiver<Box<EventItem>>>>,
    keeper: tokio::task::JoinHandle<()>,
    inbox: Option<PushInbox>,
}

fn refuse(op: &'static str, why: &str) -> Error {
    CoreError::usage(why).with_operation(op).into()
}

/// Marks the client's agent slot busy for the duration of a sign-in.
struct SlotGuard {
    client: Client,
    done: bool,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        if !self.done {
            self.client.release_slot();
        }
    }
}

impl AgentSession {
    /// Signs in (then `forcelogin` if asked and needed), signs in to the skill
    /// queues, and starts the keeper: the poll loop, or the heartbeat in push
    /// mode. It runs until sign-out or drop.
    ///
    /// A client serves one agent: a second sign-in through the same client (or
    /// its clones) while one is pending or active fails locally, without a request.
    pub async fn sign_in(client: Client, opts: SignIn) -> Result<AgentSession, Error> {
        cec_core::validate::numeric_range("onlineagent.login", "agentid", &opts.agent_id, 101, 999_999)?;
        client.claim_slot(&opts.agent_id)?;
        let mut guard = SlotGuard { client: client.clone(), done: false };
        let (tx, rx) = mpsc::unbounded_channel();
        let core = Arc::new(SessionCore {
            agent_id: opts.agent_id.clone(),
            view: Mutex::new(AgentView::default()),
            tx,
            stopping: AtomicBool::new(false),
            control: tokio::sync::Mutex::new(()),
        });
        let inbox = match &opts.events {
            EventMode::Push { inbox, service_token, .. } => {
                // Registered before sign-in: the first pushes may beat the sign-in answer.
                inbox.register(&opts.agent_id, service_token.clone(), client.clone(), Arc::downgrade(&core))?;
                Some(inbox.clone())
            }
            EventMode::Poll => None,
        };
        if let Err(e) = establish(&client, &opts, opts.force).await {
            if let Some(i) = &inbox {
                i.unregister(&opts.agent_id);
            }
            return Err(e);
        }
        if let Some(i) = &inbox {
            i.settle(&opts.agent_id);
        }
        core.update(|v| {
            if v.state == AgentState::SignedOut {
                v.state = AgentState::SignedIn;
            }
        });
        guard.done = true;
        let keeper = tokio::spawn(keep_alive(client.clone(), opts, core.clone()));
        Ok(AgentSession { client, core, events: Mutex::new(Some(rx)), keeper, inbox })
    }

    /// The agent id.
    pub fn agent_id(&self) -> &str {
        &self.core.agent_id
    }

    /// The client (its GUID follows rotations).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The agent's state and calls as of the last event.
    pub fn view(&self) -> AgentView {
        self.core.view()
    }

    /// The typed event stream, in the order the platform delivered the events.
    /// Available once; `None` afterwards. It ends with an error when the
    /// session is gone (e.g. `100-006`: signed out by the platform).
    pub fn events(&self) -> Option<impl Stream<Item = EventItem> + Send + 'static> {
        let rx = self.events.lock().ok()?.take()?;
        Some(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (*item, rx)) }))
    }

    fn live(&self, op: &'static str) -> Result<AgentView, Error> {
        let v = self.view();
        if self.core.stopping.load(Ordering::SeqCst) || !v.signed_in() {
            return Err(refuse(op, "the agent is not signed in"));
        }
        Ok(v)
    }

    fn id(&self) -> &str {
        &self.core.agent_id
    }

    // ---- agent states ----

    /// Ready for calls (`sayfree`): leaves busy, rest or after-call work.
    pub async fn ready(&self) -> Result<(), Error> {
        let v = self.live("onlineagent.sayfree")?;
        if v.active().is_some() || v.held().next().is_some() {
            return Err(refuse("onlineagent.sayfree", "the agent is in a call"));
        }
        self.client.onlineagent_sayfree().agentid(self.id()).send().await?;
        self.core.update(|v| v.state = AgentState::Idle);
        Ok(())
    }

    /// Busy (`saybusy`), with an optional reason code. Asked during a call, it
    /// takes effect when the call ends.
    pub async fn busy(&self, reason: Option<i64>) -> Result<(), Error> {
        let v = self.live("onlineagent.saybusy")?;
        let mut b = self.client.onlineagent_saybusy().agentid(self.id());
        if let Some(r) = reason {
            b = b.reason(r);
        }
        b.send().await?;
        if v.calls.is_empty() {
            self.core.update(|v| v.state = AgentState::Busy);
        }
        Ok(())
    }

    /// Leaves busy (`cancelbusy`).
    pub async fn cancel_busy(&self) -> Result<(), Error> {
        let v = self.live("onlineagent.cancelbusy")?;
        if v.state != AgentState::Busy && v.calls.is_empty() {
            return Err(refuse("onlineagent.cancelbusy", "the agent is not busy"));
        }
        self.client.onlineagent_cancelbusy().agentid(self.id()).send().await?;
        if v.calls.is_empty() {
            self.core.update(|v| v.state = AgentState::Idle);
        }
        Ok(())
    }

    /// Rest for `duration` (whole seconds, at least 1) with a rest reason code.
    /// `AgentState_Rest_Timeout` reminds when the time is up; the agent stays
    /// resting until [`AgentSession::cancel_rest`] or [`AgentSession::ready`].
    pub async fn rest(&self, duration: Duration, cause: i64) -> Result<(), Error> {
        let v = self.live("onlineagent.rest")?;
        let secs = duration.as_secs();
        if secs == 0 {
            return Err(CoreError::validation("onlineagent.rest", "time", "at least 1 second").into());
        }
        let secs = i64::try_from(secs)
            .map_err(|_| Error::from(CoreError::validation("onlineagent.rest", "time", "too long")))?;
        if v.state == AgentState::Rest {
            return Err(refuse("onlineagent.rest", "the agent is already resting"));
        }
        self.client.onlineagent_rest().agentid(self.id()).time(secs).restcause(cause).send().await?;
        if v.calls.is_empty() {
            self.core.update(|v| v.state = AgentState::Rest);
        }
        Ok(())
    }

    /// Ends a rest (`cancelrest`).
    pub async fn cancel_rest(&self) -> Result<(), Error> {
        let v = self.live("onlineagent.cancelrest")?;
        if v.state != AgentState::Rest {
            return Err(refuse("onlineagent.cancelrest", "the agent is not resting"));
        }
        self.client.onlineagent_cancelrest().agentid(self.id()).send().await?;
        self.core.update(|v| v.state = AgentState::Idle);
        Ok(())
    }

    /// After-call work (`work`).
    pub async fn work(&self) -> Result<(), Error> {
        let v = self.live("onlineagent.work")?;
        if !v.calls.is_empty() {
            return Err(refuse("onlineagent.work", "the agent is in a call"));
        }
        self.client.onlineagent_work().agentid(self.id()).send().await?;
        self.core.update(|v| v.state = AgentState::Work);
        Ok(())
    }

    /// Leaves after-call work (`cancelwork`).
    pub async fn cancel_work(&self) -> Result<(), Error> {
        let v = self.live("onlineagent.cancelwork")?;
        if v.state != AgentState::Work {
            return Err(refuse("onlineagent.cancelwork", "the agent is not in after-call work"));
        }
        self.client.onlineagent_cancelwork().agentid(self.id()).send().await?;
        self.core.update(|v| v.state = AgentState::Idle);
        Ok(())
    }

    // ---- call control ----

    fn talking(&self, op: &'static str) -> Result<String, Error> {
        let v = self.live(op)?;
        v.talking().map(|c| c.call_id.clone()).ok_or_else(|| refuse(op, "no connected call"))
    }

    /// Answers the ringing call; fails locally when nothing rings.
    pub async fn answer(&self) -> Result<(), Error> {
        let v = self.live("voicecall.answer")?;
        let Some(call_id) = v.ringing().map(|c| c.call_id.clone()) else {
            return Err(refuse("voicecall.answer", "no ringing call to answer"));
        };
        self.client.voicecall_answer().agentid(self.id()).callid(call_id.as_str()).send().await?;
        self.core.update(|v| v.set_call_state(&call_id, CallState::Talking));
        Ok(())
    }

    /// Hangs up the current call (held calls stay held); fails locally when the
    /// agent is on none.
    pub async fn release(&self) -> Result<(), Error> {
        let v = self.live("voicecall.release")?;
        if v.active().is_none() {
            let why =
                if v.held().next().is_some() { "only held calls: take one back first" } else { "no call to release" };
            return Err(refuse("voicecall.release", why));
        }
        // Call control is never retried: release is sent once.
        self.client.voicecall_release().agentid(self.id()).send().await?;
        Ok(())
    }

    /// Holds the connected call.
    pub async fn hold(&self) -> Result<(), Error> {
        let call_id = self.talking("voicecall.hold")?;
        self.client.voicecall_hold().agentid(self.id()).send().await?;
        self.core.update(|v| {
            v.set_call_state(&call_id, CallState::Held);
            v.muted = false;
        });
        Ok(())
    }

    /// Takes a held call back (`gethold`): the one named, else the last held.
    pub async fn unhold(&self, call_id: Option<&str>) -> Result<(), Error> {
        let v = self.live("voicecall.gethold")?;
        let held: Vec<&str> = v.held().map(|c| c.call_id.as_str()).collect();
        let Some(call_id) = call_id.or_else(|| held.last().copied()) else {
            return Err(refuse("voicecall.gethold", "no held call"));
        };
        if !held.contains(&call_id) {
            return Err(refuse("voicecall.gethold", "that call is not held"));
        }
        if v.active().is_some() {
            return Err(refuse("voicecall.gethold", "hold or release the current call first"));
        }
        let call_id = call_id.to_owned();
        self.client.voicecall_gethold().agentid(self.id()).callid(call_id.as_str()).send().await?;
        self.core.update(|v| v.set_call_state(&call_id, CallState::Talking));
        Ok(())
    }

    /// Mutes the agent's microphone on the connected call.
    pub async fn mute(&self) -> Result<(), Error> {
        self.talking("voicecall.beginmute")?;
        self.client.voicecall_beginmute().agentid(self.id()).send().await?;
        self.core.update(|v| v.muted = true);
        Ok(())
    }

    /// Unmutes.
    pub async fn unmute(&self) -> Result<(), Error> {
        self.talking("voicecall.endmute")?;
        self.client.voicecall_endmute().agentid(self.id()).send().await?;
        self.core.update(|v| v.muted = false);
        Ok(())
    }

    /// Sends digits on the connected call (second dialing, e.g. an extension).
    pub async fn second_dial(&self, digits: &str) -> Result<(), Error> {
        self.talking("voicecall.seconddialex")?;
        if digits.is_empty()
            || digits.len() > 24
            || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
        {
            return Err(CoreError::validation("voicecall.seconddialex", "number", "1-24 digits, * or #").into());
        }
        self.client.voicecall_seconddialex().agentid(self.id()).number(digits).send().await?;
        Ok(())
    }

    fn idle_for_call(&self, op: &'static str) -> Result<(), Error> {
        let v = self.live(op)?;
        if v.active().is_some() {
            return Err(refuse(op, "the agent is already on a call"));
        }
        Ok(())
    }

    /// Calls a customer number; the call shows up as [`CallState::Dialing`],
    /// then talking when answered (`AgentEvent_Call_Out_Fail` when it fails).
    pub async fn call_out(&self, number: &str) -> Result<(), Error> {
        self.idle_for_call("voicecall.callout")?;
        self.client.voicecall_callout().agentid(self.id()).called(number).send().await?;
        Ok(())
    }

    /// Calls another agent (internal call); returns the new call id when the platform gives it.
    pub async fn call_agent(&self, agent_id: &str) -> Result<Option<String>, Error> {
        self.idle_for_call("voicecall.callinner")?;
        if agent_id == self.id() {
            return Err(refuse("voicecall.callinner", "an agent cannot call itself"));
        }
        let r = self.client.voicecall_callinner().agentid(self.id()).called(agent_id).send().await?;
        Ok(r.result)
    }

    /// Consultation (`innerhelp`, two-party): holds the customer and calls
    /// another agent. Then [`AgentSession::conference`],
    /// [`AgentSession::connect_held`] (consult transfer), or release the
    /// consultation and [`AgentSession::unhold`].
    pub async fn consult(&self, agent_id: &str) -> Result<(), Error> {
        let call_id = self.talking("voicecall.innerhelp")?;
        if agent_id == self.id() {
            return Err(refuse("voicecall.innerhelp", "an agent cannot consult itself"));
        }
        self.client.voicecall_innerhelp().agentid(self.id()).dstaddress(agent_id).devicetype(2).mode(1).send().await?;
        self.core.update(|v| v.set_call_state(&call_id, CallState::Held));
        Ok(())
    }

    /// Three-party call: joins the held call `held_call_id` to the connected one.
    pub async fn conference(&self, held_call_id: &str) -> Result<(), Error> {
        let v = self.live("voicecall.confjoin")?;
        if v.talking().is_none() {
            return Err(refuse("voicecall.confjoin", "no connected call to join"));
        }
        if !v.held().any(|c| c.call_id == held_call_id) {
            return Err(refuse("voicecall.confjoin", "that call is not held"));
        }
        self.client.voicecall_confjoin().agentid(self.id()).callid(held_call_id).send().await?;
        Ok(())
    }

    /// Connects the held call with the connected one and leaves (transfer after consultation).
    pub async fn connect_held(&self, held_call_id: &str) -> Result<(), Error> {
        let v = self.live("voicecall.connecthold")?;
        if v.talking().is_none() {
            return Err(refuse("voicecall.connecthold", "no connected call"));
        }
        if !v.held().any(|c| c.call_id == held_call_id) {
            return Err(refuse("voicecall.connecthold", "that call is not held"));
        }
        self.client.voicecall_connecthold().agentid(self.id()).callid(held_call_id).send().await?;
        Ok(())
    }

    /// Transfers the connected call.
    pub async fn transfer(&self, to: TransferTarget, mode: TransferMode) -> Result<(), Error> {
        self.talking("voicecall.transfer")?;
        let (device, address) = match &to {
            TransferTarget::Queue(q) => (1, q.to_string()),
            TransferTarget::Agent(a) => (2, a.clone()),
            TransferTarget::Ivr(a) => (3, a.clone()),
            TransferTarget::AccessCode(a) => (4, a.clone()),
            TransferTarget::Number(n) => (5, n.clone()),
        };
        if matches!(&to, TransferTarget::Agent(a) if a == self.id()) {
            return Err(refuse("voicecall.transfer", "an agent cannot transfer to itself"));
        }
        let mode = match (mode, device) {
            (TransferMode::Success, 1 | 2 | 4) => 2,
            (TransferMode::Success, _) => {
                return Err(refuse(
                    "voicecall.transfer",
                    "success transfer goes to a queue, an agent or an access code",
                ));
            }
            (TransferMode::Release, _) => 0,
        };
        self.client
            .voicecall_transfer()
            .agentid(self.id())
            .devicetype(device)
            .address(address)
            .mode(mode)
            .send()
            .await?;
        Ok(())
    }

    /// Withdraws a success transfer the target has not answered yet.
    pub async fn cancel_transfer(&self) -> Result<(), Error> {
        self.talking("voicecall.canceltransfer")?;
        self.client.voicecall_canceltransfer().agentid(self.id()).send().await?;
        Ok(())
    }

    // ---- session ----

    /// Asks the platform for a new GUID (`updateGuid`, e.g. after a client
    /// restart restored an old one); the client uses it from then on.
    pub async fn update_guid(&self) -> Result<(), Error> {
        self.live("onlineagent.updateguid")?;
        let r = self.client.onlineagent_updateguid().agentid(self.id()).send().await?;
        if let Some(g) = r.result.and_then(|r| r.guid) {
            self.client.set_guid(g);
        }
        Ok(())
    }

    /// Signs out and stops the keeper. Waits for a re-sign-in in progress (the
    /// two must not overlap). When the platform refuses (e.g. `100-007` during
    /// a call), the session goes on as before.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let _control = self.core.control.lock().await;
        self.core.stopping.store(true, Ordering::SeqCst);
        let r = self.client.onlineagent_logout().agentid(self.id()).send().await.map(|_| ());
        match &r {
            Ok(()) => {
                self.keeper.abort();
                if let Some(i) = &self.inbox {
                    i.unregister(self.id());
                }
                self.client.release_slot();
                self.core.update(|v| {
                    v.state = AgentState::SignedOut;
                    v.calls.clear();
                });
            }
            Err(_) => self.core.stopping.store(false, Ordering::SeqCst),
        }
        r
    }
}

impl Drop for AgentSession {
    fn drop(&mut self) {
        self.keeper.abort();
        if let Some(i) = &self.inbox {
            i.unregister(&self.core.agent_id);
        }
        self.client.release_slot();
    }
}

/// Sign-in (then `forcelogin` when `force` and the agent is signed in elsewhere) and skills.
async fn establish(client: &Client, opts: &SignIn, force: bool) -> Result<(), Error> {
    match login(client, opts, false).await {
        Ok(()) => {}
        Err(e) if force && e.code() == Some("100-002") => login(client, opts, true).await?,
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

/// `login` or `forcelogin` (same body); in push mode with the callback URL and token.
async fn login(client: &Client, opts: &SignIn, forced: bool) -> Result<(), Error> {
    let push = match &opts.events {
        EventMode::Push { callback_url, service_token, .. } => Some((callback_url.as_str(), service_token.clone())),
        EventMode::Poll => None,
    };
    let id = opts.agent_id.as_str();
    if forced {
        let mut b = client.onlineagent_forcelogin().agentid(id).password(opts.password.clone()).phonenum(&*opts.phone);
        if let Some((url, token)) = push {
            b = b.call_back_uri(url).service_token(token);
        }
        b.send().await.map(|_| ())
    } else {
        let mut b = client.onlineagent_login().agentid(id).password(opts.password.clone()).phonenum(&*opts.phone);
        if let Some((url, token)) = push {
            b = b.call_back_uri(url).service_token(token);
        }
        b.send().await.map(|_| ())
    }
}

/// Keeps the session: polls (polling mode) or sends the heartbeat (push mode),
/// recovers a lost session when asked, and ends the stream with a terminal error otherwise.
async fn keep_alive(client: Client, opts: SignIn, core: Arc<SessionCore>) {
    let agent = opts.agent_id.clone();
    let push = matches!(opts.events, EventMode::Push { .. });
    let pause = opts.poll_pause;
    let mut failures = 0u32;
    let mut resigned = 0u32;
    loop {
        let result = if push {
            client.onlineagent_handshake().agentid(agent.as_str()).send().await.map(|_| None)
        } else {
            client.agentevent_poll().agentid(agent.as_str()).send().await.map(|r| r.event)
        };
        match result {
            Ok(event) => {
                failures = 0;
                resigned = 0;
                if let Some(ev) = event {
                    core.deliver(ev.agent_event());
                }
                tokio::time::sleep(if push { opts.heartbeat_every } else { pause }).await;
            }
            Err(_) if core.stopping.load(Ordering::SeqCst) => {
                // Signing out: the platform has forgotten the agent on purpose.
                tokio::time::sleep(pause).await;
            }
            Err(e) if e.is_auth() && opts.resign_in && resigned < 3 => {
                resigned += 1;
                tracing::info!(agent = %agent, code = e.code().unwrap_or(""), "session gone; signing in again");
                let control = core.control.lock().await;
                if core.stopping.load(Ordering::SeqCst) {
                    continue;
                }
                let r = Box::pin(establish(&client, &opts, true)).await;
                drop(control);
                match r {
                    Ok(()) => core.update(|v| {
                        v.state = AgentState::SignedIn;
                        v.calls.clear();
                    }),
                    Err(e) => {
                        tracing::warn!(agent = %agent, error = %e, "re-sign-in failed");
                        tokio::time::sleep(pause).await;
                    }
                }
            }
            Err(e) if e.is_auth() || e.is_validation() => {
                // The session is gone (100-006 / 000-003) and cannot be recovered: a terminal error.
                core.update(|v| {
                    v.state = AgentState::SignedOut;
                    v.calls.clear();
                });
                let _ = core.tx.send(Box::new(Err(e)));
                return;
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(agent = %agent, error = %e, failures, "keeping the session failed; retrying");
                if failures >= 10 {
                    let _ = core.tx.send(Box::new(Err(e)));
                    return;
                }
                tokio::time::sleep(pause * failures.min(5)).await;
            }
        }
    }
}
