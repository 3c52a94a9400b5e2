//! One model of the call center that every simulated NE reads.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::api::{Reply, Req, Route, failure};
use crate::config::SimConfig;
use crate::scenario::Scenario;
use crate::wav;
use dispatch::Serve;

mod agentctl;
mod push;

pub(crate) use chat::messaging_cookie;
pub(crate) use push::push_loop;
// NE behaviours on the one model (queues, CMS, CDRs, dialer, web chat, intents).
mod cdr;
mod chat;
mod cms;
mod dialer;
pub(crate) mod dispatch;
mod effects;
mod gwquery;
mod history;
mod intents;
pub(crate) mod queues;

/// CTI agent states (CMS `cti_agent_state` code table), as the generated client types them.
pub(crate) use cec_cms::generated::CtiAgentState as Cti;

/// The token families the simulator issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKind {
    /// C1 API Fabric access token.
    ApiFabric,
    /// Web-chat `ccmessaging-token`.
    Messaging,
    /// C3/C6 OIAP token.
    Oiap,
}

/// The simulator's view of an agent.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgentSnapshot {
    /// Agent id.
    pub id: String,
    /// Signed in.
    pub signed_in: bool,
    /// CTI state.
    pub state: Cti,
    /// Events waiting to be polled.
    pub queued_events: usize,
    /// GUID rotations since sign-in.
    pub guid_rotations: u64,
    /// The call the agent holds (a voice call, or a call that is not a chat).
    pub call: Option<String>,
    /// The text chats the agent holds at once (ringing or connected), oldest
    /// first; up to its limit per chat media type (scenario `max_chats`,
    /// `mediacall.setCallNums`).
    pub chats: Vec<String>,
    /// Calls the agent has put on hold.
    pub held: Vec<String>,
    /// Microphone muted.
    pub muted: bool,
    /// Events are pushed to a callback URL (push mode) instead of polled.
    pub push_mode: bool,
    /// Offered calls are answered at once (`autoanswer`).
    pub auto_answer: bool,
    /// After a call the agent goes idle (`autoenteridle`), else into after-call work.
    pub auto_enter_idle: bool,
}

#[derive(Debug)]
struct AgentRt {
    signed_in: bool,
    guid: Option<String>,
    /// GUIDs replaced by a rotation or `updateGuid`, oldest first, with when each
    /// was replaced: each is accepted until `guid_timeout` after its own replacement.
    replaced: VecDeque<(String, Instant)>,
    guid_issued: Instant,
    rotations: u64,
    last_heartbeat: Instant,
    state: Cti,
    login_time_ms: u128,
    events: VecDeque<Value>,
    notify: Arc<Notify>,
    call: Option<String>,
    /// Chats (multimedia calls of a chat media type) held at once, oldest first.
    chats: Vec<String>,
    /// The most chats of one media type at once, where `mediacall.setCallNums`
    /// set it (else the scenario's `max_chats`).
    chat_limits: BTreeMap<i64, u32>,
    skills: Vec<u32>,
    auto_idle: bool,
    auto_answer: bool,
    /// Calls on hold (oldest first).
    held: Vec<String>,
    muted: bool,
    /// The state to enter when the current call ends (busy or rest asked for during a call).
    after_call: Option<AfterCall>,
    /// Push mode: where events go.
    push: Option<push::PushTarget>,
    /// Marks the current rest period (its expiry timer checks it).
    rest_since: Option<u64>,
    /// Stamps `eventGenTime` on queued events.
    clock: crate::clock::Clock,
}

/// Replaced GUIDs remembered per agent (valid or recently expired).
const REPLACED_KEPT: usize = 8;

/// A state asked for during a call, entered when the call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfterCall {
    Busy { reason: i64 },
    Rest { seconds: u64 },
}

/// The media types of chats (1 text chat, 51 web chat, 53 social chat): an
/// agent may hold several at once, up to its limit per media type.
pub(super) fn is_chat_media(media_type: i64) -> bool {
    matches!(media_type, 1 | 51 | 53)
}

impl AgentRt {
    /// On any call: a voice (or other non-chat) call, a chat, or a held call.
    fn in_call(&self) -> bool {
        self.call.is_some() || !self.chats.is_empty() || !self.held.is_empty()
    }

    /// The agent may be offered one more chat of `media`: idle or chatting only
    /// (no other call, nothing asked for after the calls), and below its limit
    /// for that media type (`mediacall.setCallNums`, else `default`).
    fn chat_room(&self, media: i64, records: &BTreeMap<String, queues::CallRecord>, default: u32) -> bool {
        let free = if self.chats.is_empty() { self.state == Cti::Idle } else { self.after_call.is_none() };
        if !free || self.call.is_some() || !self.held.is_empty() {
            return false;
        }
        let limit = self.chat_limits.get(&media).copied().unwrap_or(default);
        let same = self.chats.iter().filter(|c| records.get(*c).is_none_or(|r| r.media_type == media)).count();
        same < limit as usize
    }

    /// `call_id` is one of the agent's calls (its call, a chat, a held call).
    fn holds(&self, call_id: &str) -> bool {
        self.call.as_deref() == Some(call_id)
            || self.chats.iter().any(|c| c == call_id)
            || self.held.iter().any(|h| h == call_id)
    }

    /// Replaces the GUID; the old one stays valid for the grace period (each
    /// replaced GUID for its own). A few expired ones are kept to explain a refusal.
    fn rotate_guid(&mut self, guid: String) {
        if let Some(old) = self.guid.take() {
            self.replaced.push_back((old, Instant::now()));
            while self.replaced.len() > REPLACED_KEPT {
                self.replaced.pop_front();
            }
        }
        self.guid = Some(guid);
        self.guid_issued = Instant::now();
        self.rotations += 1;
    }

    /// Forgets the session: GUIDs, queued events; wakes a waiting poll.
    fn sign_out(&mut self) {
        self.signed_in = false;
        self.guid = None;
        self.replaced.clear();
        self.state = Cti::NotSignedIn;
        self.events.clear();
        self.held.clear();
        self.chats.clear();
        self.chat_limits.clear();
        self.muted = false;
        self.after_call = None;
        self.push = None;
        self.notify.notify_waiters();
    }
}

#[derive(Debug, Clone, Serialize)]
struct CallRt {
    id: String,
    caller: String,
    called: String,
    agent: String,
    state: &'static str,
    #[serde(skip)]
    answered: Option<Instant>,
    duration_ms: u64,
    /// Other agents on the call (internal call, consultation, conference, transfer target).
    peers: Vec<String>,
    /// `main` (customer), `inner` (agent to agent), `consult`, `callout`.
    kind: &'static str,
    /// The agent of a monitored transfer waiting for the target to answer.
    transfer_from: Option<String>,
}

/// How many issued tokens and GUIDs [`Shared::issued_credentials`] keeps.
pub(crate) const ISSUED_KEPT: usize = 1024;

/// A recording, made into a WAV file when downloaded (a busy day's worth stays small in memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Recording {
    millis: u64,
    tone: u64,
}

impl Recording {
    fn wav(&self) -> Vec<u8> {
        wav::tone(self.millis, self.tone)
    }
}

#[derive(Debug)]
struct Model {
    counter: u64,
    agents: BTreeMap<String, AgentRt>,
    config_guids: BTreeMap<String, Instant>,
    calls: BTreeMap<String, CallRt>,
    recordings: BTreeMap<String, Recording>,
    tokens: BTreeMap<(TokenKind, String), Instant>,
    /// The last [`ISSUED_KEPT`] tokens and GUIDs handed out (for secret sweeps).
    issued: std::collections::VecDeque<String>,
    campaigns: BTreeMap<i64, crate::scenario::Campaign>,
    /// Things due later (rest expiry, a customer answering an outbound call), by due time.
    timers: BTreeMap<(Instant, u64), agentctl::Timer>,
    /// `setCallDataEx` data by call id (`appdata` reads it).
    call_data: BTreeMap<String, String>,
    // NE behaviours (see the child modules).
    queues: queues::Queues,
    cdrs: cdr::Cdrs,
    dialer: dialer::DialerState,
    chats: chat::Chats,
    /// Accepted social webhook deliveries, by spec id, in order.
    social: Vec<String>,
    /// The model's wall clock (shared with `Shared::clock`).
    clock: crate::clock::Clock,
}

/// The state behind every route.
#[derive(Debug)]
pub struct Shared {
    config: SimConfig,
    model: Mutex<Model>,
    /// Wakes the push deliverer.
    push_wake: Arc<Notify>,
    /// Sends pushed events and callbacks (`None` if it could not be built).
    pub(crate) http: Option<reqwest::Client>,
    /// IVR runs (`crate::ivr`).
    pub(crate) ivr: crate::ivr::IvrState,
    /// The model's wall clock (system or pinned).
    pub(crate) clock: crate::clock::Clock,
}

fn now_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

/// splitmix64: deterministic ids from the seed.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn event(kind: &str, agent: &str, content: Value) -> Value {
    // `eventGenTime` is stamped when the event is queued (`Shared::push_event`), from the model's clock.
    json!({ "eventType": kind, "workNo": agent, "content": content })
}

fn gw_ok(result: Value) -> Value {
    json!({ "message": "success", "retcode": "0", "result": result })
}

impl Shared {
    pub(crate) fn new(config: SimConfig) -> Self {
        let now = Instant::now();
        let clock = crate::clock::Clock::new(config.clock_ms);
        let agents = config
            .scenario
            .agents
            .iter()
            .map(|a| {
                (
                    a.id.clone(),
                    AgentRt {
                        signed_in: false,
                        guid: None,
                        replaced: VecDeque::new(),
                        guid_issued: now,
                        rotations: 0,
                        last_heartbeat: now,
                        state: Cti::NotSignedIn,
                        login_time_ms: 0,
                        events: VecDeque::new(),
                        notify: Arc::new(Notify::new()),
                        call: None,
                        chats: Vec::new(),
                        chat_limits: BTreeMap::new(),
                        skills: Vec::new(),
                        auto_idle: true,
                        auto_answer: false,
                        held: Vec::new(),
                        muted: false,
                        after_call: None,
                        push: None,
                        rest_since: None,
                        clock: clock.clone(),
                    },
                )
            })
            .collect();
        let campaigns = config.scenario.campaigns.iter().map(|c| (c.id, c.clone())).collect();
        Shared {
            model: Mutex::new(Model {
                counter: 0,
                agents,
                config_guids: BTreeMap::new(),
                calls: BTreeMap::new(),
                recordings: BTreeMap::new(),
                tokens: BTreeMap::new(),
                issued: std::collections::VecDeque::new(),
                campaigns,
                timers: BTreeMap::new(),
                call_data: BTreeMap::new(),
                queues: queues::Queues::default(),
                cdrs: cdr::Cdrs::default(),
                dialer: dialer::DialerState::new(&config.scenario),
                chats: chat::Chats::new(config.scenario.messaging_push_url.is_some()),
                social: Vec::new(),
                clock: clock.clone(),
            }),
            config,
            push_wake: Arc::new(Notify::new()),
            http: push::http_client(),
            ivr: Default::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Model> {
        // A panic while holding the lock cannot leave the model half-updated in a
        // way that matters to a simulator; keep serving.
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn record_social(&self, id: &str) {
        self.lock().social.push(id.to_owned());
    }

    pub(crate) fn media_count(&self) -> usize {
        self.lock().chats.media_count()
    }

    pub(crate) fn social_log(&self) -> Vec<String> {
        self.lock().social.clone()
    }

    pub(crate) fn scenario(&self) -> Scenario {
        self.config.scenario.clone()
    }

    fn next_id(&self, m: &mut Model) -> u64 {
        m.counter += 1;
        mix(self.config.seed ^ mix(m.counter))
    }

    /// The last tokens and GUIDs handed out, oldest first (at most [`ISSUED_KEPT`]).
    pub(crate) fn issued_credentials(&self) -> Vec<String> {
        self.lock().issued.iter().cloned().collect()
    }

    fn remember_issued(m: &mut Model, value: &str) {
        if m.issued.len() == ISSUED_KEPT {
            m.issued.pop_front();
        }
        m.issued.push_back(value.to_owned());
    }

    fn new_guid(&self, m: &mut Model) -> String {
        let a = self.next_id(m);
        let b = self.next_id(m);
        let guid = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}.AgentGateway0",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        );
        Self::remember_issued(m, &guid);
        guid
    }

    fn new_token(&self, m: &mut Model, kind: TokenKind, lifetime: Duration) -> String {
        let a = self.next_id(m);
        let b = self.next_id(m);
        let t = format!("{a:016x}{b:016x}");
        Self::remember_issued(m, &t);
        m.tokens.insert((kind, t.clone()), Instant::now() + lifetime.min(self.config.max_token_lifetime));
        t
    }

    pub(crate) fn token_valid(&self, kind: TokenKind, token: &str) -> bool {
        let m = self.lock();
        m.tokens.get(&(kind, token.to_owned())).is_some_and(|exp| *exp > Instant::now())
    }

    /// Checks an agent's GUID; the error says why it is refused.
    pub(crate) fn agent_guid_check(&self, agent: &str, guid: &str) -> Result<(), String> {
        let m = self.lock();
        let Some(a) = m.agents.get(agent).filter(|a| a.signed_in) else {
            return Err(format!("agent {agent} is not signed in"));
        };
        if guid.is_empty() {
            return Err("no Guid header (send the GUID of the sign-in answer's Set-GUID)".into());
        }
        if a.guid.as_deref() == Some(guid) {
            return Ok(());
        }
        // Every replaced GUID stays valid for GUIDTIMEOUT after its own replacement.
        let timeout = self.config.guid_timeout;
        match a.replaced.iter().find(|(g, _)| g == guid) {
            Some((_, at)) if at.elapsed() < timeout => Ok(()),
            Some((_, at)) => Err(format!(
                "GUID expired: replaced {} ms ago, accepted for {} ms after its replacement (guid_timeout); \
                 dynamic GUID mode: send the GUID of the latest Set-GUID header",
                at.elapsed().as_millis(),
                timeout.as_millis()
            )),
            None => Err("unknown GUID for this agent (sign in again)".into()),
        }
    }

    pub(crate) fn config_guid_valid(&self, guid: &str) -> bool {
        let mut m = self.lock();
        let timeout = self.config.guid_timeout;
        match m.config_guids.get_mut(guid) {
            Some(last) if last.elapsed() < timeout => {
                *last = Instant::now();
                true
            }
            _ => false,
        }
    }

    fn push_event(a: &mut AgentRt, mut e: Value) {
        if let Some(o) = e.as_object_mut() {
            o.insert("eventGenTime".into(), json!(a.clock.now_ms()));
        }
        a.events.push_back(e);
        match &a.push {
            Some(p) => p.wake.notify_one(),
            None => a.notify.notify_one(),
        }
    }

    pub(crate) fn inject_call(&self, agent: &str, caller: &str) -> Result<String, String> {
        let mut m = self.lock();
        let seq = self.next_id(&mut m);
        let counter = m.counter;
        let a = m.agents.get_mut(agent).ok_or_else(|| format!("no agent {agent}"))?;
        if !a.signed_in {
            return Err(format!("agent {agent} is not signed in"));
        }
        if a.in_call() || a.state != Cti::Idle {
            return Err(format!("agent {agent} is not idle"));
        }
        let id = format!("{}-{}", 1_700_000_000 + (seq % 100_000_000), counter);
        a.call = Some(id.clone());
        a.state = Cti::Occupied;
        let called = "10086".to_string();
        let content = json!({
            "caller": caller, "called": called, "callid": id, "transfer": "no", "transfrom": "",
            "type": "main", "feature": "0", "mediaAbility": "1", "mediaType": "5"
        });
        Self::push_event(a, event("AgentEvent_Ringing", agent, content));
        m.calls.insert(
            id.clone(),
            CallRt {
                id: id.clone(),
                caller: caller.into(),
                called,
                agent: agent.into(),
                state: "ringing",
                answered: None,
                duration_ms: 0,
                peers: Vec::new(),
                kind: "main",
                transfer_from: None,
            },
        );
        self.offered(&mut m, agent, &id);
        Ok(id)
    }

    pub(crate) fn agent(&self, id: &str) -> Option<AgentSnapshot> {
        let m = self.lock();
        m.agents.get(id).map(|a| AgentSnapshot {
            id: id.to_owned(),
            signed_in: a.signed_in,
            state: a.state,
            queued_events: a.events.len(),
            guid_rotations: a.rotations,
            call: a.call.clone(),
            chats: a.chats.clone(),
            held: a.held.clone(),
            muted: a.muted,
            push_mode: a.push.is_some(),
            auto_answer: a.auto_answer,
            auto_enter_idle: a.auto_idle,
        })
    }

    pub(crate) fn dump(&self) -> Value {
        let m = self.lock();
        let agents: Vec<Value> = m
            .agents
            .iter()
            .map(|(id, a)| json!({"id": id, "signedIn": a.signed_in, "state": a.state, "queuedEvents": a.events.len(), "call": a.call, "chats": a.chats, "held": a.held, "muted": a.muted}))
            .collect();
        json!({
            "agents": agents, "calls": m.calls.values().collect::<Vec<_>>(),
            "recordings": m.recordings.keys().collect::<Vec<_>>(),
            "waiting": Self::waiting_dump(&m),
            "records": m.queues.order.iter().filter_map(|id| m.queues.records.get(id)).collect::<Vec<_>>(),
            "ivr": self.ivr.dump()
        })
    }

    /// Ends every call an agent holds (active and held): released, a recording
    /// for answered ones; other agents on those calls get their release events.
    fn end_call(&self, m: &mut Model, agent: &str) {
        let Some(a) = m.agents.get_mut(agent) else { return };
        let mut ids: Vec<String> = a.call.take().into_iter().collect();
        ids.append(&mut a.chats);
        ids.append(&mut a.held);
        for id in ids {
            self.drop_party(m, &id, agent);
        }
    }

    /// Marks a call released and keeps its recording (answered calls only).
    fn finish_call(&self, m: &mut Model, call_id: &str) {
        let seed = self.config.seed;
        if let Some(call) = m.calls.get_mut(call_id) {
            if call.state == "released" {
                return;
            }
            let talked = if m.clock.is_pinned() {
                // A pinned clock: talk time as the model's clock saw it, and every answered
                // call has a recording of at least a second (the clock may not have moved).
                let answered = m.queues.records.get(call_id).and_then(|r| r.answered_ms);
                call.answered.map(|_| answered.map_or(0, |a| m.clock.now_ms().saturating_sub(a)).max(1))
            } else {
                call.answered.map(|t| t.elapsed().as_millis() as u64)
            }
            .unwrap_or(0);
            call.state = "released";
            call.duration_ms = talked;
            if talked > 0 {
                // Whole seconds and a tone from the seed and call id: the same story gives the same file.
                let tone = call_id.bytes().fold(seed, |h, b| mix(h ^ u64::from(b)));
                m.recordings.insert(call_id.to_owned(), Recording { millis: talked.div_ceil(1000) * 1000, tone });
            }
        }
    }

    /// Signs out agents whose heartbeat stopped; their calls end.
    fn reap(&self) {
        let mut m = self.lock();
        let timeout = self.config.heartbeat_timeout;
        let gone: Vec<String> = m
            .agents
            .iter()
            .filter(|(_, a)| a.signed_in && a.last_heartbeat.elapsed() > timeout)
            .map(|(id, _)| id.clone())
            .collect();
        for id in gone {
            tracing::info!(agent = %id, "no poll or heartbeat: signing the agent out");
            self.end_call(&mut m, &id);
            if let Some(a) = m.agents.get_mut(&id) {
                a.sign_out();
            }
        }
    }

    /// Serves one request that passed authentication, as the dispatch table says.
    pub(crate) async fn handle(&self, route: &Route, serve: Serve, req: &Req) -> Reply {
        match serve {
            Serve::Model(behaviour) => behaviour(self, route, req),
            Serve::Poll => self.poll(route, req).await,
            Serve::Sample => {
                tracing::debug!(op = route.id(), "sim: the spec's sample answer");
                sample(route)
            }
            Serve::Refuse => {
                tracing::info!(op = route.id(), "sim: not simulated (changes state, not modelled)");
                not_simulated(route)
            }
        }
    }

    pub(super) fn login(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_gateway::generated::OnlineagentLoginBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let sign_in = SignIn {
            password: b.password,
            phonenum: b.phonenum,
            status: b.status,
            autoanswer: b.autoanswer,
            autoenteridle: b.autoenteridle,
            call_back_uri: b.call_back_uri,
            service_token: b.service_token,
        };
        self.sign_in(route, req, sign_in, false)
    }

    pub(super) fn force_login(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_gateway::generated::OnlineagentForceloginBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let sign_in = SignIn {
            password: b.password,
            phonenum: b.phonenum,
            status: b.status,
            autoanswer: b.autoanswer,
            autoenteridle: b.autoenteridle,
            call_back_uri: b.call_back_uri,
            service_token: b.service_token,
        };
        self.sign_in(route, req, sign_in, true)
    }

    fn sign_in(&self, route: &Route, req: &Req, b: SignIn, force: bool) -> Reply {
        let id = req.param("agentid").to_owned();
        let password = b.password.as_ref().map(|p| p.expose_str()).unwrap_or("");
        let phone = b.phonenum.as_deref().unwrap_or("");
        let Some(agent) = self.config.scenario.agents.iter().find(|a| a.id == id) else {
            return failure(route, "100-004", "wrong agent id or password");
        };
        if agent.password != password {
            return failure(route, "100-004", "wrong agent id or password");
        }
        if phone.is_empty() {
            return failure(route, "100-001", "phonenum is empty");
        }
        // The state after sign-in, in CC-Gateway agent-state codes (cec_07_0581): 3 busy, 4 idle, 5 wrap-up.
        let state = match b.status.map(GwState::from_code) {
            None | Some(GwState::Idle) => Cti::Idle,
            Some(GwState::Busy) => Cti::Busy,
            Some(GwState::WrapUp) => Cti::Adjusting,
            Some(other) => {
                return failure(
                    route,
                    "100-011",
                    &format!("status {} is not a sign-in state (3 busy, 4 idle, 5 wrap-up)", other.code()),
                );
            }
        };
        let auto_idle = b.autoenteridle.unwrap_or(true);
        let auto_answer = b.autoanswer.unwrap_or(self.config.scenario.gateway.auto_answer_default.unwrap_or(false));
        let push_target = match (
            b.call_back_uri.as_deref().filter(|s| !s.is_empty()),
            b.service_token.as_ref().map(|t| t.expose_str()).filter(|s| !s.is_empty()),
        ) {
            (Some(url), Some(token)) => Some(push::PushTarget::new(url, token, self.push_wake.clone())),
            _ => None,
        };
        // The older CloudIPCC gateway's push form is not CEC's: say so instead of ignoring it.
        let old_push = req.body.get("pushUrl").and_then(Value::as_str).filter(|s| !s.is_empty()).is_some();
        if old_push {
            tracing::warn!(
                agent = %id,
                "sign-in with pushUrl (the older CloudIPCC gateway's push form): CEC pushes only with \
                 callBackUri + serviceToken, so the agent is in pull mode (poll agentevent)"
            );
        }
        let mut m = self.lock();
        let guid = self.new_guid(&mut m);
        let vdn = self.config.scenario.vdn;
        if m.agents.get(&id).is_some_and(|a| a.signed_in) && !force {
            return failure(route, "100-002", "agent already signed in");
        }
        // A forced sign-in takes over the session; a call the old session held ends.
        self.end_call(&mut m, &id);
        let Some(a) = m.agents.get_mut(&id) else { return failure(route, "100-004", "wrong agent id or password") };
        a.signed_in = true;
        a.guid = Some(guid.clone());
        a.replaced.clear();
        a.guid_issued = Instant::now();
        a.rotations = 0;
        a.last_heartbeat = Instant::now();
        a.login_time_ms = u128::from(self.clock.now_ms());
        a.events.clear();
        a.auto_idle = auto_idle;
        a.auto_answer = auto_answer;
        a.after_call = None;
        a.muted = false;
        a.rest_since = None;
        a.chat_limits.clear();
        // Push mode when both the callback URL and the service token are given.
        let push_mode = push_target.is_some();
        a.push = push_target;
        a.state = state;
        Self::push_event(a, event("AgentOther_InService", &id, Value::Null));
        let state_event = match a.state {
            Cti::Busy => "AgentState_SetNotReady_Success",
            Cti::Adjusting => "AgentState_Work",
            _ => "AgentState_Ready",
        };
        Self::push_event(a, event(state_event, &id, Value::Null));
        let result = json!({
            "vdnid": vdn.to_string(), "workno": id, "mediatype": "TTF", "loginTime": a.login_time_ms.to_string(),
            "isForceChange": "false", "serverName": "AgentGateway", "timeRemaining": ""
        });
        let mut body = gw_ok(result);
        let mut headers = vec![("set-guid", format!("JSESSIONID={guid}"))];
        if old_push && !push_mode {
            let note = "pushUrl ignored: CEC pushes events only to callBackUri with serviceToken; the agent is in \
                        pull mode (poll agentevent)";
            body["message"] = json!(format!("success; {note}"));
            headers.push(("x-cec-sim-note", note.to_owned()));
        }
        Reply::Json(body, headers)
    }

    pub(super) fn logout(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid");
        let mut m = self.lock();
        let Some(a) = m.agents.get_mut(id) else { return failure(route, "100-006", "agent not signed in") };
        if a.in_call() {
            return failure(route, "100-007", "agent is in a call");
        }
        a.sign_out();
        Reply::ok(gw_ok(Value::Null))
    }

    /// `forcelogout` and `forcelogoutwithreason`: signs the agent out even during a
    /// call; its calls are released (other parties get their release events).
    pub(super) fn force_logout(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        if route.id() == "onlineagent.forcelogoutwithreason" && req.param("reason").parse::<i64>().is_err() {
            return failure(route, "100-005", "reason must be a number");
        }
        let mut m = self.lock();
        if !m.agents.get(&id).is_some_and(|a| a.signed_in) {
            return failure(route, "100-006", "agent not signed in");
        }
        self.end_call(&mut m, &id);
        if let Some(a) = m.agents.get_mut(&id) {
            a.sign_out();
        }
        tracing::info!(agent = %id, reason = req.param("reason"), "forced sign-out");
        Reply::ok(gw_ok(Value::Null))
    }

    pub(super) fn resetskill(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid");
        let all = req.param("autoflag") == "true";
        let wanted: Vec<u32> =
            req.query("skillid").unwrap_or("").split(';').filter_map(|s| s.trim().parse().ok()).collect();
        let configured =
            self.config.scenario.agents.iter().find(|a| a.id == id).map(|a| a.skills.clone()).unwrap_or_default();
        let mut m = self.lock();
        let Some(a) = m.agents.get_mut(id) else { return failure(route, "100-006", "agent not signed in") };
        a.skills = if all { configured } else { configured.into_iter().filter(|s| wanted.contains(s)).collect() };
        Reply::ok(gw_ok(Value::Null))
    }

    async fn poll(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let deadline = Instant::now() + self.config.poll_wait;
        loop {
            let notify = {
                let mut m = self.lock();
                let Some(headers) = self.heartbeat(&mut m, &id) else {
                    return failure(route, "100-006", "agent not signed in");
                };
                let Some(a) = m.agents.get_mut(&id) else { return failure(route, "100-006", "agent not signed in") };
                if let Some(e) = a.events.pop_front() {
                    return Reply::Json(json!({ "message": "", "retcode": "0", "event": e }), headers);
                }
                if Instant::now() >= deadline || !headers.is_empty() {
                    return Reply::Json(json!({ "message": "", "retcode": "0", "event": null }), headers);
                }
                a.notify.clone()
            };
            let left = deadline.saturating_duration_since(Instant::now());
            let _ = tokio::time::timeout(left, notify.notified()).await;
        }
    }

    pub(super) fn release(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        // The agent's call; with none, its only chat (several chats: name one with `dropcall`).
        let call =
            m.agents.get(&id).and_then(|a| a.call.clone().or_else(|| (a.chats.len() == 1).then(|| a.chats[0].clone())));
        let Some(call_id) = call else {
            return failure(route, "200-017", "no call to release");
        };
        if !m.calls.contains_key(&call_id) {
            return failure(route, "200-017", "no call to release");
        }
        if let Some(a) = m.agents.get_mut(&id) {
            a.call = None;
            a.muted = false;
        }
        self.drop_party(&mut m, &call_id, &id);
        Reply::ok(gw_ok(Value::Null))
    }

    pub(super) fn config_login(&self, route: &Route, req: &Req) -> Reply {
        let sc = &self.config.scenario;
        let b: cec_gateway::generated::ConfigLoginBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let id = b.agent_id.unwrap_or(-1);
        let pw = b.password.as_ref().map(|p| p.expose_str()).unwrap_or("");
        if id != sc.config_admin_id || pw != sc.config_admin_password {
            return failure(route, "107-003", "wrong user name or password");
        }
        let mut m = self.lock();
        let guid = self.new_guid(&mut m);
        m.config_guids.insert(guid.clone(), Instant::now());
        Reply::Json(gw_ok(json!({ "guid": guid })), vec![("guid", guid)])
    }

    pub(super) fn token_by_ak_sk(&self, route: &Route, req: &Req) -> Reply {
        let sc = &self.config.scenario;
        let b: cec_apifabric::generated::AuthTokenByAkSkBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let key = b.app_key.as_deref().unwrap_or("");
        let secret = b.app_secret.as_ref().map(|s| s.expose_str()).unwrap_or("");
        if key != sc.app_key || secret != sc.app_secret {
            return Reply::Status(
                http::StatusCode::UNAUTHORIZED,
                json!({"returnCode": "1", "description": "invalid app_key or app_secret"}),
            );
        }
        let asked = req.header("x-token-expire").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(3600);
        if !(1..=3600).contains(&asked) {
            return failure(route, "1", "X-Token-Expire must be 1..=3600");
        }
        let lifetime = Duration::from_secs(asked).min(self.config.max_token_lifetime);
        let mut m = self.lock();
        let token = self.new_token(&mut m, TokenKind::ApiFabric, lifetime);
        let created = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Reply::ok(json!({
            "AccessToken": token, "ApplyType": "Bearer", "CreateTime": created.to_string(),
            "Expires": lifetime.as_secs().max(1).to_string(), "Scope": "default", "AppKey": key, "UserID": "Anonymous"
        }))
    }

    pub(super) fn query_agent_info(&self, _route: &Route, _req: &Req) -> Reply {
        let agents: Vec<Value> = self
            .config
            .scenario
            .agents
            .iter()
            .map(|a| json!({ "workNo": a.id.parse::<i64>().unwrap_or(0), "sipAccount": a.phone, "sipPwd": format!("sip-{}", a.phone), "accountCode": format!("agent{}", a.id) }))
            .collect();
        Reply::ok(json!({ "sipServicePort": "5060", "sipServiceIp": "127.0.0.1", "agents": agents }))
    }

    /// API Fabric `skill.querySkills`: the scenario's skill queues, filtered by
    /// name (a substring, as the tenant's search box matches), media type and ids,
    /// paged by the documented `limit`/`offset` strings (limit 1-100, default 100).
    pub(super) fn skill_query_skills(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_apifabric::generated::SkillQuerySkillsBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let number = |v: &Option<String>, default: usize| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(default),
            Some(t) => t.parse::<usize>().map_err(|_| ()),
        };
        let (Ok(limit), Ok(offset)) = (number(&b.limit, 100), number(&b.offset, 0)) else {
            return failure(route, "1", "limit and offset must be non-negative integers");
        };
        if !(1..=100).contains(&limit) {
            return failure(route, "1", "limit must be 1-100");
        }
        let media: Option<i64> = match b.media_type_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => match t.parse() {
                Ok(m) => Some(m),
                Err(_) => return failure(route, "1", "mediaTypeId must be a number"),
            },
        };
        let ids = b.skill_ids.unwrap_or_default();
        let matching: Vec<_> = self
            .config
            .scenario
            .queues
            .iter()
            .filter(|q| b.name.as_deref().is_none_or(|n| q.name.contains(n)))
            .filter(|q| media.is_none_or(|m| q.media_type == m))
            .filter(|q| ids.is_empty() || ids.iter().any(|i| i.trim() == q.id.to_string()))
            .collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(offset)
            .take(limit)
            .map(|q| json!({ "skillId": q.id, "name": q.name, "description": q.name, "mediaTypeId": q.media_type }))
            .collect();
        Reply::ok(json!({ "returnCode": "0", "description": "success", "total": matching.len(), "data": page }))
    }

    pub(super) fn apply_token(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_apifabric::generated::CcmessagingApplyTokenBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let channel = b.channel_id.as_deref().unwrap_or("");
        if channel != self.config.scenario.channel_id {
            return failure(route, "1", "unknown channel");
        }
        let mut m = self.lock();
        let token = self.new_token(&mut m, TokenKind::Messaging, Duration::from_secs(3600));
        m.chats.bind_token(&token, b.user_id.as_deref().unwrap_or(""));
        Reply::ok(json!({ "resultCode": "0", "token": token }))
    }

    pub(super) fn oiap_token(&self, route: &Route, req: &Req) -> Reply {
        let sc = &self.config.scenario;
        // `auth.getAppCubeToken` has the same body as `auth.gettoken`.
        let (key, secret) = if route.id() == "auth.getAppCubeToken" {
            match req.body_as::<cec_oiap::generated::AuthGetAppCubeTokenBody>(route) {
                Ok(b) => (b.app_key, b.app_secret),
                Err(r) => return r,
            }
        } else {
            match req.body_as::<cec_oiap::generated::AuthGettokenBody>(route) {
                Ok(b) => (b.app_key, b.app_secret),
                Err(r) => return r,
            }
        };
        let key = key.as_deref().unwrap_or("");
        let secret = secret.as_ref().map(|s| s.expose_str()).unwrap_or("");
        if key != sc.oiap_app_key || secret != sc.oiap_app_secret {
            return failure(route, "900002", "appKey or appSecret incorrect");
        }
        let mut m = self.lock();
        let lifetime = Duration::from_secs(3600).min(self.config.max_token_lifetime);
        let token = self.new_token(&mut m, TokenKind::Oiap, lifetime);
        Reply::ok(json!({ "errorCode": 0, "errorMsg": "", "authToken": token, "expireTime": lifetime.as_secs() }))
    }

    /// CC-CMS `health.ping`: echoes the body it got (checked against the
    /// documented type first; fields the type does not know are echoed too, as
    /// the NE passes them through).
    pub(super) fn ping(&self, route: &Route, req: &Req) -> Reply {
        if let Err(r) = req.body_as::<cec_cms::generated::HealthPingBody>(route) {
            return r;
        }
        Reply::ok(json!({ "request": req.body, "status": "UP" }))
    }

    pub(super) fn campaigns(&self, route: &Route, req: &Req) -> Reply {
        if req.param("vdnId") != self.config.scenario.vdn.to_string() {
            return failure(route, "0200001", "unknown VDN");
        }
        let status: i64 = req.query("status").and_then(|s| s.parse().ok()).unwrap_or(0);
        let page: usize = req.query("curPage").and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
        let rows: usize = req.query("rowsPerPage").and_then(|s| s.parse().ok()).unwrap_or(10).clamp(1, 100);
        let name = req.query("name").unwrap_or("");
        let m = self.lock();
        let all: Vec<&crate::scenario::Campaign> =
            m.campaigns.values().filter(|c| (status == 0 || c.status == status) && c.name.contains(name)).collect();
        // Item members as in the reference's response sample (`id`, `name`, …).
        let data: Vec<Value> = all
            .iter()
            .skip((page - 1) * rows)
            .take(rows)
            .map(|c| json!({ "id": c.id, "name": c.name, "status": c.status, "deviceType": c.device_type }))
            .collect();
        Reply::ok(json!({
            "resultCode": "0200000", "resultDesc": "success", "returnCode": "0200000", "returnDesc": "success",
            "curPage": page, "rowsPerPage": rows, "totalSize": all.len(),
            "curSkillQueueCount": all.iter().filter(|c| c.device_type != 1 && c.device_type != 3).count(),
            "curIvrCount": all.iter().filter(|c| c.device_type == 1 || c.device_type == 3).count(),
            "data": data
        }))
    }

    pub(super) fn download_record(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_fs::generated::CcfsDownloadRecordBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let msg = b.msg_body.unwrap_or_default();
        let call_id = msg.call_id.as_deref();
        let file = msg.file_name.as_deref();
        let key = call_id.or_else(|| file.and_then(|f| f.rsplit('/').next()).map(|f| f.trim_end_matches(".wav")));
        // The WAV is made after the lock is released: concurrent downloads do not queue on it.
        let found = key.and_then(|k| self.lock().recordings.get(k).copied());
        match found {
            Some(w) => Reply::File(w.wav(), "application/octet-stream;charset=UTF-8"),
            None => failure(route, "0300011", "The file does not exist."),
        }
    }
}

impl Shared {
    /// The scenario's IVR file at `path` and the bytes it has (the seed of its tone is the path's length).
    fn ivr_file(&self, path: &str) -> Option<(crate::scenario::IvrFile, Vec<u8>)> {
        let f = self.config.scenario.ivr_files.iter().find(|f| f.path == path)?.clone();
        let bytes = wav::tone(f.millis, path.len() as u64);
        Some((f, bytes))
    }

    /// `ccfs.ivr.downloadFile` (by full path; `mode` 1, a folder, is not modeled).
    pub(super) fn ivr_download_file(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_fs::generated::CcfsIvrDownloadFileBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let path = b.msg_body.and_then(|m| m.file_path).unwrap_or_default();
        match self.ivr_file(&path) {
            Some((f, mut bytes)) => {
                if f.corrupt
                    && let Some(last) = bytes.last_mut()
                {
                    *last ^= 0x01;
                }
                Reply::File(bytes, "application/octet-stream;charset=UTF-8")
            }
            None => failure(route, "0300011", "The file does not exist."),
        }
    }

    /// `ccfs.ivr.getFileHash`: the SHA-256 of the stored file, lower-case hex, in
    /// `resultData.hashValue` (the reference's answer table is not readable: the
    /// field name and algorithm are the simulator's choice).
    pub(super) fn ivr_file_hash(&self, route: &Route, req: &Req) -> Reply {
        use sha2::Digest;
        let b: cec_fs::generated::CcfsIvrGetFileHashBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let path = b.msg_body.and_then(|m| m.file_name).unwrap_or_default();
        match self.ivr_file(&path) {
            Some((_, bytes)) => {
                let digest = sha2::Sha256::digest(&bytes);
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                Reply::ok(json!({
                    "resultCode": "0", "resultDesc": "operate success",
                    "resultData": { "fileName": path, "hashValue": hex }
                }))
            }
            None => failure(route, "0300011", "The file does not exist."),
        }
    }
}

/// The spec's sample answer of an interface, marked as such.
fn sample(route: &Route) -> Reply {
    match serde_json::from_str(route.success) {
        Ok(v) => Reply::Json(v, vec![("x-cec-sim-answer", "sample".to_owned())]),
        Err(_) => failure(route, "000-000", "no sample response"),
    }
}

/// HTTP 501 with the NE's envelope: the interface changes state and the model
/// does not simulate it (never a silent success).
fn not_simulated(route: &Route) -> Reply {
    let message = format!(
        "not simulated: {} changes state and cec-sim does not model it (scenario key unmodelled_writes = \"sample\" \
         answers the spec's sample instead)",
        route.id()
    );
    Reply::Status(http::StatusCode::NOT_IMPLEMENTED, crate::api::envelope_body(route, "SIM-501", &message))
}

/// The CC-Gateway's own agent-state codes (cec_07_0581 table 1: 2 signed out,
/// 3 busy, 4 idle, 5 wrap-up, 7 talking, 8 rest), the code table cec-cms
/// generates as `CmsAgentStatus`.
pub(crate) use cec_cms::generated::CmsAgentStatus as GwState;

/// What both sign-in interfaces carry.
struct SignIn {
    password: Option<cec_core::Secret<String>>,
    phonenum: Option<String>,
    status: Option<i64>,
    autoanswer: Option<bool>,
    autoenteridle: Option<bool>,
    call_back_uri: Option<String>,
    service_token: Option<cec_core::Secret<String>>,
}

/// The CC-Gateway code of a CTI state (cec_07_0581: CTI 2–5 talking, 6 wrap-up, 9 unknown;
/// the simulator's after-call work is CTI 10, adjusting, which the gateway reports as wrap-up).
pub(crate) fn gateway_state(cti: Cti) -> GwState {
    match cti {
        Cti::NotSignedIn => GwState::SignedOut,
        Cti::Idle => GwState::Idle,
        Cti::PreOccupied | Cti::Occupied | Cti::Answering | Cti::Talking => GwState::Talking,
        Cti::Working | Cti::Adjusting => GwState::WrapUp,
        Cti::Busy => GwState::Busy,
        Cti::Rest => GwState::Rest,
        _ => GwState::Unknown0,
    }
}

/// Signs out agents that stopped polling, and runs timers (for the simulator's lifetime).
pub(crate) async fn reap_loop(shared: Arc<Shared>) {
    let reap_every = (shared.config.heartbeat_timeout / 4).max(Duration::from_millis(50));
    let tick = Duration::from_millis(20);
    let mut last_reap = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        shared.run_timers();
        if last_reap.elapsed() >= reap_every {
            last_reap = Instant::now();
            shared.reap();
        }
    }
}
