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
//!
//! The event stream is bounded ([`SignIn::event_buffer`]): a consumer that
//! falls behind gets [`SessionEvent::Lagged`] with the number of events it
//! missed, then the newest ones, while the session keeps its heartbeat and its
//! view of the agent (which sees every event) up to date.
//!
//! Ending a session: [`AgentSession::shutdown`] signs out, retrying until a
//! deadline; [`AgentSession::sign_out`] tries once. Dropping a session that is
//! still signed in stops its keeper and, inside a Tokio runtime, sends one
//! best-effort sign-out from a spawned task (a runtime that is shutting down
//! may cancel it); outside a runtime nothing is sent and the platform signs
//! the agent out about two minutes after the last poll or heartbeat.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cec_core::{Error as CoreError, ErrorKind, Secret};
use futures_util::Stream;

use crate::generated::AgentEvent;
use crate::push::PushInbox;
use crate::view::{AgentState, AgentView, CallState};
use crate::{Client, Error};

pub(crate) mod chat;
pub(crate) mod desk;

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
    /// Events kept for a consumer that has not read them yet (at least 1;
    /// default 256). When it is full the oldest is dropped and the stream
    /// reports [`SessionEvent::Lagged`]; memory stays bounded whatever the
    /// consumer does.
    pub event_buffer: usize,
}

/// Default of [`SignIn::event_buffer`].
pub const DEFAULT_EVENT_BUFFER: usize = 256;

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
            event_buffer: DEFAULT_EVENT_BUFFER,
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

/// What the event stream carries.
// Items pass through the stream one at a time (the queue keeps events boxed),
// so the size of the event variant costs nothing worth a box in every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// An event of the agent, in the order the platform delivered it.
    Event(AgentEvent),
    /// The consumer fell behind: this many events (the oldest unread ones)
    /// were dropped from the queue. The session's view saw them all; the
    /// events that follow are the newest.
    Lagged(u64),
}

impl SessionEvent {
    /// The agent event, unless this is [`SessionEvent::Lagged`].
    pub fn event(&self) -> Option<&AgentEvent> {
        match self {
            SessionEvent::Event(e) => Some(e),
            SessionEvent::Lagged(_) => None,
        }
    }

    /// The agent event, unless this is [`SessionEvent::Lagged`].
    pub fn into_event(self) -> Option<AgentEvent> {
        match self {
            SessionEvent::Event(e) => Some(e),
            SessionEvent::Lagged(_) => None,
        }
    }
}

/// An item of the event stream: an event, a lag report, or the error that
/// ends the stream (the session is gone).
pub type EventItem = Result<SessionEvent, Error>;

/// The bounded queue between the session's keeper (and push receiver) and the
/// consumer of the event stream. Pushing never waits.
#[derive(Debug)]
pub(crate) struct EventQueue {
    inner: Mutex<QueueInner>,
    ready: tokio::sync::Notify,
    capacity: usize,
}

#[derive(Debug, Default)]
struct QueueInner {
    /// Boxed: an event is hundreds of bytes, a slot of an idle queue 8.
    events: VecDeque<Box<AgentEvent>>,
    /// Events dropped since the consumer was last told.
    lagged: u64,
    /// The error that ends the stream, after the queued events.
    end: Option<Error>,
    /// Nothing more comes: the stream ends once drained.
    closed: bool,
    /// The consumer dropped its stream: nothing is kept any more.
    abandoned: bool,
}

impl EventQueue {
    pub(crate) fn new(capacity: usize) -> Self {
        EventQueue { inner: Mutex::default(), ready: tokio::sync::Notify::new(), capacity: capacity.max(1) }
    }

    fn push(&self, event: AgentEvent) {
        let Ok(mut q) = self.inner.lock() else { return };
        if q.closed || q.abandoned {
            return;
        }
        if q.events.len() >= self.capacity {
            q.events.pop_front();
            q.lagged += 1;
        }
        q.events.push_back(Box::new(event));
        drop(q);
        self.ready.notify_one();
    }

    /// Ends the stream, with `end` as its last item when given (the first end wins).
    fn finish(&self, end: Option<Error>) {
        if let Ok(mut q) = self.inner.lock()
            && !q.closed
        {
            q.closed = true;
            q.end = end;
        }
        self.ready.notify_one();
    }

    fn abandon(&self) {
        if let Ok(mut q) = self.inner.lock() {
            q.abandoned = true;
            q.events = VecDeque::new();
            q.lagged = 0;
        }
    }

    /// The next item if one is ready: `Some(None)` when the stream has ended.
    fn try_next(&self) -> Option<Option<EventItem>> {
        let Ok(mut q) = self.inner.lock() else { return Some(None) };
        if q.lagged > 0 {
            return Some(Some(Ok(SessionEvent::Lagged(std::mem::take(&mut q.lagged)))));
        }
        if let Some(e) = q.events.pop_front() {
            return Some(Some(Ok(SessionEvent::Event(*e))));
        }
        if let Some(e) = q.end.take() {
            return Some(Some(Err(e)));
        }
        q.closed.then_some(None)
    }

    async fn next(&self) -> Option<EventItem> {
        loop {
            if let Some(item) = self.try_next() {
                return item;
            }
            // `notify_one` keeps a permit when nobody waits: no wake-up is lost.
            self.ready.notified().await;
        }
    }
}

/// The consumer's end of the queue; dropping it stops the queueing.
struct Consumer(Arc<EventQueue>);

impl Drop for Consumer {
    fn drop(&mut self) {
        self.0.abandon();
    }
}

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
    pub(crate) queue: Arc<EventQueue>,
    /// Set while signing out, so the keeper does not take the sign-out for a lost session.
    stopping: AtomicBool,
    /// The agent is signed out: by us, or the platform said the session is gone.
    gone: AtomicBool,
    /// Sign-in, re-sign-in and sign-out never overlap (the reference forbids it).
    control: tokio::sync::Mutex<()>,
    /// The agent's chats, one stream each, once [`AgentSession::chats`] is taken.
    desk: Mutex<desk::Desk>,
}

impl SessionCore {
    /// Applies an event to the view and hands it to the stream, in that order.
    pub(crate) fn deliver(&self, event: AgentEvent) {
        if let Ok(mut v) = self.view.lock() {
            v.apply(&event);
        }
        if let Ok(mut d) = self.desk.lock() {
            d.route(&event);
        }
        // Nobody listening is fine: the view still follows.
        self.queue.push(event);
    }

    /// The view, when the agent is signed in and not signing out.
    fn live(&self, op: &'static str) -> Result<AgentView, Error> {
        let v = self.view();
        if self.stopping.load(Ordering::SeqCst) || !v.signed_in() {
            return Err(refuse(op, "the agent is not signed in"));
        }
        Ok(v)
    }

    /// The session is over: every chat stream and the stream of chats end.
    fn close_desk(&self) {
        if let Ok(mut d) = self.desk.lock() {
            d.close();
        }
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

/// A signed-in agent.
///
/// End it with [`AgentSession::shutdown`] (signs out, retrying until a
/// deadline) or [`AgentSession::sign_out`]. Dropping a session that is still
/// signed in stops its keeper task and, when a Tokio runtime is running,
/// spawns one best-effort sign-out (bounded to 10 s; a runtime that is shutting
/// down may cancel it, so call `shutdown` before a process exits). Outside a
/// runtime nothing is sent: the platform signs the agent out about two minutes
/// after its last poll or heartbeat. The client's agent slot is free again
/// once that sign-out has finished.
#[derive(Debug)]
pub struct AgentSession {
    client: Client,
    core: Arc<SessionCore>,
    agent: cec_core::AgentId,
    events_taken: AtomicBool,
    keeper: tokio::task::JoinHandle<()>,
    inbox: Option<PushInbox>,
}

/// The longest a sign-out sent from `Drop` may take.
const DROP_SIGN_OUT: Duration = Duration::from_secs(10);

/// Clears the `stopping` mark unless the sign-out completed (cancel safety).
struct Stopping<'a> {
    flag: &'a AtomicBool,
    done: bool,
}

impl Drop for Stopping<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.flag.store(false, Ordering::SeqCst);
        }
    }
}

/// The platform no longer knows the agent (`100-006`): it is signed out.
fn not_signed_in(e: &Error) -> bool {
    e.code() == Some("100-006")
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
        // The typed id adds the documented gap (60000-69999) no agent id takes.
        let agent: cec_core::AgentId = opts
            .agent_id
            .parse()
            .map_err(|e: cec_core::Error| cec_core::Error::validation("onlineagent.login", "agentid", e.message()))?;
        client.claim_slot(&opts.agent_id)?;
        let mut guard = SlotGuard { client: client.clone(), done: false };
        let core = Arc::new(SessionCore {
            agent_id: opts.agent_id.clone(),
            view: Mutex::new(AgentView::default()),
            queue: Arc::new(EventQueue::new(opts.event_buffer)),
            stopping: AtomicBool::new(false),
            gone: AtomicBool::new(false),
            control: tokio::sync::Mutex::new(()),
            desk: Mutex::new(desk::Desk::new(opts.event_buffer)),
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
        Ok(AgentSession { client, core, agent, events_taken: AtomicBool::new(false), keeper, inbox })
    }

    /// The agent id, typed (checked at sign-in).
    pub fn agent(&self) -> cec_core::AgentId {
        self.agent
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
    /// Available once; `None` afterwards. Events that came before it was taken
    /// are in it (up to [`SignIn::event_buffer`]). A consumer that falls behind
    /// gets [`SessionEvent::Lagged`]`(n)`, then the newest events. It ends with
    /// an error when the session is gone (e.g. `100-006`: signed out by the
    /// platform), and ends without one after sign-out or when the session is
    /// dropped. Dropping the stream stops the queueing (the view still follows).
    ///
    /// The stream is `Unpin`: `.next().await` works on it as it is, in any task.
    pub fn events(&self) -> Option<impl Stream<Item = EventItem> + Send + Unpin + 'static> {
        if self.events_taken.swap(true, Ordering::SeqCst) {
            return None;
        }
        let consumer = Consumer(self.core.queue.clone());
        Some(Box::pin(futures_util::stream::unfold(consumer, |c| async move {
            let item = c.0.next().await?;
            Some((item, c))
        })))
    }

    fn live(&self, op: &'static str) -> Result<AgentView, Error> {
        self.core.live(op)
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

    /// Signs out (one attempt) and stops the keeper; the event stream ends.
    /// Waits for a re-sign-in in progress (the two must not overlap). An
    /// agent the platform reports as not signed in (`100-006`) counts as
    /// signed out. When the platform refuses (e.g. `100-007` during a call),
    /// the session goes on as before. Cancelling it (e.g. with a timeout)
    /// leaves the session as it was.
    pub async fn sign_out(&self) -> Result<(), Error> {
        let _control = self.core.control.lock().await;
        self.core.stopping.store(true, Ordering::SeqCst);
        let mut stopping = Stopping { flag: &self.core.stopping, done: false };
        let r = match self.client.onlineagent_logout().agentid(self.id()).send().await {
            Ok(_) => Ok(()),
            Err(e) if not_signed_in(&e) => Ok(()),
            Err(e) => Err(e),
        };
        if r.is_ok() {
            stopping.done = true;
            self.end_session();
        }
        r
    }

    /// Signs out before `deadline`: a sign-out that fails on the way (network,
    /// timeout, HTTP 5xx) is sent again, with a growing pause, until it succeeds
    /// or the deadline passes. A refusal of the platform (e.g. `100-007`: the
    /// agent is in a call — release or wait for it first) is returned at once,
    /// and the session goes on. The error after the deadline is a timeout that
    /// says so; the agent may then still be signed in (the platform signs it
    /// out about two minutes after its last poll or heartbeat).
    pub async fn shutdown(&self, deadline: impl Into<tokio::time::Instant>) -> Result<(), Error> {
        let deadline = deadline.into();
        let mut pause = Duration::from_millis(100);
        let mut last: Option<Error> = None;
        loop {
            match tokio::time::timeout_at(deadline, self.sign_out()).await {
                Ok(Ok(())) => return Ok(()),
                Ok(Err(e)) if e.is_retryable() => {
                    if tokio::time::Instant::now() + pause >= deadline {
                        last = Some(e);
                        break;
                    }
                    tracing::debug!(agent = %self.id(), error = %e, "sign-out failed; trying again");
                    last = Some(e);
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => break,
            }
        }
        let last = last.map(|e| format!(" (last attempt: {e})")).unwrap_or_default();
        let why = format!(
            "sign-out did not succeed before the deadline{last}: the agent may still be signed in \
             (the platform signs it out about 2 minutes after its last poll or heartbeat)"
        );
        Err(CoreError::new(ErrorKind::Timeout, why).with_operation("onlineagent.logout").into())
    }

    /// After a sign-out: the keeper stops, the stream ends, the slot is free.
    fn end_session(&self) {
        self.core.gone.store(true, Ordering::SeqCst);
        self.keeper.abort();
        if let Some(i) = &self.inbox {
            i.unregister(self.id());
        }
        self.core.update(|v| {
            v.state = AgentState::SignedOut;
            v.calls.clear();
        });
        self.core.close_desk();
        self.core.queue.finish(None);
        self.client.release_slot();
    }

    /// Whether the agent is known to be signed out (by this session, or the
    /// platform reported the session gone).
    pub fn is_signed_out(&self) -> bool {
        self.core.gone.load(Ordering::SeqCst)
    }
}

impl Drop for AgentSession {
    fn drop(&mut self) {
        self.keeper.abort();
        if let Some(i) = &self.inbox {
            i.unregister(&self.core.agent_id);
        }
        self.core.close_desk();
        // Chat handles that outlive the session refuse to act.
        self.core.stopping.store(true, Ordering::SeqCst);
        self.core.queue.finish(None);
        if self.core.gone.load(Ordering::SeqCst) {
            self.client.release_slot();
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                agent = %self.core.agent_id,
                "agent session dropped outside a Tokio runtime: not signed out (the platform signs the agent out \
                 about 2 minutes after its last poll or heartbeat)"
            );
            self.client.release_slot();
            return;
        };
        let client = self.client.clone();
        let agent = self.core.agent_id.clone();
        tracing::debug!(agent = %agent, "agent session dropped while signed in: signing out");
        rt.spawn(async move {
            let logout = client.onlineagent_logout().agentid(agent.as_str()).send();
            match tokio::time::timeout(DROP_SIGN_OUT, logout).await {
                Ok(Ok(_)) => tracing::debug!(agent = %agent, "dropped session signed out"),
                Ok(Err(e)) if not_signed_in(&e) => {}
                Ok(Err(e)) => tracing::warn!(agent = %agent, error = %e, "dropped session: sign-out failed"),
                Err(_) => tracing::warn!(agent = %agent, "dropped session: sign-out timed out"),
            }
            client.release_slot();
        });
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
                    Ok(()) => {
                        core.update(|v| {
                            v.state = AgentState::SignedIn;
                            v.calls.clear();
                        });
                        // The platform forgot the old session's chats: their streams end.
                        if let Ok(mut d) = core.desk.lock() {
                            d.end_chats();
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
                core.gone.store(true, Ordering::SeqCst);
                core.update(|v| {
                    v.state = AgentState::SignedOut;
                    v.calls.clear();
                });
                core.close_desk();
                core.queue.finish(Some(e));
                return;
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(agent = %agent, error = %e, failures, "keeping the session failed; retrying");
                if failures >= 10 {
                    core.close_desk();
                    core.queue.finish(Some(e));
                    return;
                }
                tokio::time::sleep(pause * failures.min(5)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ev(n: u64) -> AgentEvent {
        AgentEvent::from_raw("AgentEvent_Test", serde_json::json!({ "n": n }))
    }

    fn n_of(item: Option<Option<EventItem>>) -> SessionEvent {
        item.unwrap().unwrap().unwrap()
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_reports_the_lag() {
        let q = EventQueue::new(3);
        assert!(q.try_next().is_none(), "empty and open: wait");
        for n in 0..10 {
            q.push(ev(n));
        }
        assert_eq!(q.inner.lock().unwrap().events.len(), 3, "bounded");
        assert_eq!(n_of(q.try_next()), SessionEvent::Lagged(7));
        for n in 7..10 {
            assert_eq!(n_of(q.try_next()), SessionEvent::Event(ev(n)));
        }
        // A second lag is reported on its own, before the events that follow it.
        q.push(ev(10));
        q.push(ev(11));
        assert_eq!(n_of(q.try_next()), SessionEvent::Event(ev(10)));
        for n in 12..16 {
            q.push(ev(n));
        }
        assert_eq!(n_of(q.try_next()), SessionEvent::Lagged(2));
        assert_eq!(n_of(q.try_next()), SessionEvent::Event(ev(13)));
        // The terminal error is never dropped and comes last.
        q.finish(Some(Error::from(CoreError::service("100-006", "gone"))));
        q.push(ev(99));
        assert_eq!(n_of(q.try_next()), SessionEvent::Event(ev(14)));
        assert_eq!(n_of(q.try_next()), SessionEvent::Event(ev(15)));
        let end = q.try_next().unwrap().unwrap().unwrap_err();
        assert_eq!(end.code(), Some("100-006"));
        assert!(matches!(q.try_next(), Some(None)), "then the stream ends");
    }

    #[test]
    fn an_abandoned_queue_keeps_nothing() {
        let q = EventQueue::new(8);
        q.push(ev(1));
        q.abandon();
        for n in 0..100 {
            q.push(ev(n));
        }
        assert!(q.inner.lock().unwrap().events.is_empty());
    }

    #[tokio::test]
    async fn the_consumer_wakes_for_each_push() {
        let q = Arc::new(EventQueue::new(4));
        let reader = {
            let q = q.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(item) = q.next().await {
                    got.push(item.unwrap());
                }
                got
            })
        };
        for n in 0..3 {
            tokio::task::yield_now().await;
            q.push(ev(n));
        }
        q.finish(None);
        let got = reader.await.unwrap();
        assert_eq!(got.last(), Some(&SessionEvent::Event(ev(2))));
    }
}
