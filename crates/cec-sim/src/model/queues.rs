//! Skill queues and inbound traffic; per-call records (queued, offered,
//! answered, released) and per-agent state tracking that CC-CMS reads.
//!
//! The model is *settled* after every request and on every tick: new calls get
//! a record, state changes are stamped, waiting calls are offered to the
//! longest-idle signed-in idle agent with the skill, and released calls get
//! their CDR.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use serde_json::{Value, json};

use super::effects::{Effect, run_effects};
use super::{CallRt, Cti, Model, Shared, event, mix};

/// One call as CC-CMS and CC-FS see it. Times are epoch milliseconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// Call id.
    pub id: String,
    /// Calling number.
    pub caller: String,
    /// Called number.
    pub called: String,
    /// `in` or `out`.
    pub direction: String,
    /// Media type code (5 voice, 1 text chat).
    pub media_type: i64,
    /// The skill queue the call waited in, if any.
    pub skill: Option<u32>,
    /// The agent offered the call, if any.
    pub agent: Option<String>,
    /// Entered the queue.
    pub queued_ms: Option<u64>,
    /// Offered (ringing) to the agent.
    pub offered_ms: Option<u64>,
    /// Answered.
    pub answered_ms: Option<u64>,
    /// Released (also set when the caller gave up while queuing).
    pub released_ms: Option<u64>,
    /// Each agent's part of the call, in order (a transfer starts a new leg).
    pub legs: Vec<AgentLeg>,
}

/// One agent's part of a call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentLeg {
    /// The agent.
    pub agent: String,
    /// Offered to the agent.
    pub offered_ms: u64,
    /// Answered by the agent.
    pub answered_ms: Option<u64>,
    /// The agent left the call.
    pub ended_ms: Option<u64>,
}

impl CallRecord {
    pub(super) fn answered(&self) -> bool {
        self.answered_ms.is_some()
    }
    pub(super) fn finished(&self) -> bool {
        self.released_ms.is_some()
    }
    /// Talk time: answered to released (0 when not answered or not released yet).
    pub fn talk_ms(&self) -> u64 {
        match (self.answered_ms, self.released_ms) {
            (Some(a), Some(r)) => r.saturating_sub(a),
            _ => 0,
        }
    }
    /// Waiting time until answered (or until now / release when not answered).
    pub(super) fn wait_ms(&self, now: u64) -> u64 {
        let start = self.queued_ms.or(self.offered_ms).unwrap_or(now);
        self.answered_ms.or(self.released_ms).unwrap_or(now).saturating_sub(start)
    }
}

/// What the settling tracks about an agent.
#[derive(Debug, Clone)]
pub(super) struct AgentTrack {
    pub(super) state: Cti,
    pub(super) since_ms: u64,
    pub(super) prev_state: Cti,
    pub(super) prev_secs: u64,
    /// Order in which agents became idle (smaller = idle longer).
    pub(super) idle_seq: u64,
    pub(super) signed_in: bool,
    pub(super) sign_ins: u64,
    pub(super) logon_ms: u64,
    pub(super) set_busy: u64,
    pub(super) wrap_ups: u64,
}

impl Default for AgentTrack {
    fn default() -> Self {
        AgentTrack {
            state: Cti::NotSignedIn,
            since_ms: 0,
            prev_state: Cti::NotSignedIn,
            prev_secs: 0,
            idle_seq: 0,
            signed_in: false,
            sign_ins: 0,
            logon_ms: 0,
            set_busy: 0,
            wrap_ups: 0,
        }
    }
}

/// Queues, records and agent tracks.
#[derive(Debug, Default)]
pub(crate) struct Queues {
    /// Waiting call ids per skill queue, first come first served.
    pub(super) waiting: BTreeMap<u32, VecDeque<String>>,
    /// Every call, by id.
    pub(super) records: BTreeMap<String, CallRecord>,
    /// Record ids in creation order.
    pub(super) order: Vec<String>,
    pub(super) agents: BTreeMap<String, AgentTrack>,
    idle_counter: u64,
    traffic_credit: Vec<f64>,
    traffic_last: Option<Instant>,
    traffic_count: u64,
}

impl Shared {
    /// Puts a call from `caller` into skill queue `queue`; returns the call id.
    pub(crate) fn inject_queue_call(&self, queue: u32, caller: &str) -> Result<String, String> {
        if !self.config.scenario.queues.iter().any(|q| q.id == queue) {
            return Err(format!("no skill queue {queue}"));
        }
        let id = {
            let mut m = self.lock();
            let called = self.access_code_of(queue);
            let media = self.queue_media(queue);
            self.enqueue(&mut m, queue, caller, &called, media)
        };
        self.settle();
        Ok(id)
    }

    pub(super) fn access_code_of(&self, queue: u32) -> String {
        self.config
            .scenario
            .access_codes
            .iter()
            .find(|a| a.queue == Some(queue))
            .map(|a| a.code.clone())
            .unwrap_or_else(|| "10086".into())
    }

    pub(super) fn queue_media(&self, queue: u32) -> i64 {
        self.config.scenario.queues.iter().find(|q| q.id == queue).map(|q| q.media_type).unwrap_or(5)
    }

    pub(super) fn new_call_id(&self, m: &mut Model) -> String {
        let seq = self.next_id(m);
        format!("{}-{}", 1_700_000_000 + (seq % 100_000_000), m.counter)
    }

    /// Adds a waiting call to a queue (no offer yet: [`Shared::settle`] offers).
    pub(super) fn enqueue(&self, m: &mut Model, queue: u32, caller: &str, called: &str, media_type: i64) -> String {
        let id = self.new_call_id(m);
        let rec = CallRecord {
            id: id.clone(),
            caller: caller.into(),
            called: called.into(),
            direction: "in".into(),
            media_type,
            skill: Some(queue),
            agent: None,
            queued_ms: Some(m.clock.now_ms()),
            offered_ms: None,
            answered_ms: None,
            released_ms: None,
            legs: Vec::new(),
        };
        m.queues.order.push(id.clone());
        m.queues.records.insert(id.clone(), rec);
        m.queues.waiting.entry(queue).or_default().push_back(id.clone());
        id
    }

    /// Takes a waiting call out of its queue (the caller gave up); `true` if it was waiting.
    pub(super) fn abandon_waiting(m: &mut Model, call_id: &str) -> bool {
        let mut found = false;
        for q in m.queues.waiting.values_mut() {
            let before = q.len();
            q.retain(|c| c != call_id);
            found |= q.len() != before;
        }
        if found && let Some(r) = m.queues.records.get_mut(call_id) {
            r.released_ms = Some(m.clock.now_ms());
        }
        found
    }

    /// Rings `agent` with a waiting call.
    fn offer(m: &mut Model, call_id: &str, agent: &str) {
        let Some(rec) = m.queues.records.get_mut(call_id) else { return };
        let Some(a) = m.agents.get_mut(agent) else { return };
        rec.agent = Some(agent.into());
        rec.offered_ms = Some(m.clock.now_ms());
        if super::is_chat_media(rec.media_type) {
            // One more chat: an agent already chatting stays talking.
            a.chats.push(call_id.into());
            if a.chats.len() == 1 {
                a.state = Cti::Occupied;
            }
        } else {
            a.call = Some(call_id.into());
            a.state = Cti::Occupied;
        }
        let content = json!({
            "caller": rec.caller, "called": rec.called, "callid": call_id, "transfer": "no", "transfrom": "",
            "type": "main", "feature": "0", "mediaAbility": media_ability(rec.media_type),
            "mediaType": rec.media_type.to_string(),
            "skillId": rec.skill.map(|s| s.to_string()).unwrap_or_default()
        });
        Self::push_event(a, event("AgentEvent_Ringing", agent, content));
        m.calls.insert(
            call_id.into(),
            CallRt {
                id: call_id.into(),
                caller: rec.caller.clone(),
                called: rec.called.clone(),
                agent: agent.into(),
                state: "ringing",
                answered: None,
                duration_ms: 0,
                peers: Vec::new(),
                kind: "main",
                transfer_from: None,
            },
        );
    }

    /// Settles the model (see the module doc) and runs the effects.
    pub(crate) fn settle(&self) {
        let effects = {
            let mut m = self.lock();
            self.settle_locked(&mut m)
        };
        run_effects(self, effects);
    }

    pub(super) fn settle_locked(&self, m: &mut Model) -> Vec<Effect> {
        let mut effects = Vec::new();
        let now = m.clock.now_ms();
        // Calls: records for calls made elsewhere (inject_call), stamps for state changes.
        let mut released = Vec::new();
        // Agent-to-agent legs (internal calls, consultations) are not customer calls: no record.
        let customer = |c: &CallRt| c.kind == "main" || c.kind == "callout";
        let new: Vec<String> = m
            .calls
            .iter()
            .filter(|(id, c)| customer(c) && !m.queues.records.contains_key(*id))
            .map(|(id, _)| id.clone())
            .collect();
        m.queues.order.extend(new);
        for (id, call) in m.calls.iter().filter(|(_, c)| customer(c)) {
            let rec = m.queues.records.entry(id.clone()).or_insert_with(|| CallRecord {
                id: id.clone(),
                caller: call.caller.clone(),
                called: call.called.clone(),
                direction: if call.kind == "callout" { "out" } else { "in" }.into(),
                media_type: 5,
                skill: None,
                agent: Some(call.agent.clone()),
                queued_ms: None,
                offered_ms: Some(now),
                answered_ms: None,
                released_ms: None,
                legs: Vec::new(),
            });
            if rec.offered_ms.is_none() {
                rec.offered_ms = Some(now);
            }
            track_leg(rec, call, now);
            if call.answered.is_some() && rec.answered_ms.is_none() {
                rec.answered_ms = Some(now);
                self.chat_answered(&mut m.chats, id, &call.agent);
            }
            if call.state == "released" && rec.released_ms.is_none() {
                rec.released_ms = Some(now);
                released.push(id.clone());
            }
        }
        for id in released {
            effects.extend(self.call_released(m, &id));
        }
        self.track_agents(m, now);
        // Offer waiting calls to the longest-idle agent with the skill.
        let queues: Vec<u32> = m.queues.waiting.keys().copied().collect();
        for q in queues {
            while let Some(call_id) = m.queues.waiting.get(&q).and_then(|w| w.front().cloned()) {
                let media = m.queues.records.get(&call_id).map(|r| r.media_type).unwrap_or(5);
                let chat = super::is_chat_media(media);
                // A chat goes to the agent with the fewest chats that is below its
                // limit, then the longest idle; any other call to an idle agent.
                let agent = m
                    .agents
                    .iter()
                    .filter(|(_, a)| a.signed_in && a.skills.contains(&q) && a.call.is_none() && a.held.is_empty())
                    .filter(|(_, a)| {
                        if chat {
                            a.chat_room(media, &m.queues.records, self.config.scenario.max_chats)
                        } else {
                            a.state == Cti::Idle && a.chats.is_empty()
                        }
                    })
                    .min_by_key(|(id, a)| (a.chats.len(), m.queues.agents.get(*id).map(|t| t.idle_seq).unwrap_or(0)))
                    .map(|(id, _)| id.clone());
                let Some(agent) = agent else { break };
                if let Some(w) = m.queues.waiting.get_mut(&q) {
                    w.pop_front();
                }
                Self::offer(m, &call_id, &agent);
                self.offered(m, &agent, &call_id);
            }
        }
        self.track_agents(m, now);
        effects.extend(self.chat_pushes(m));
        effects
    }

    /// Follows every agent's state into its [`AgentTrack`]. Settles run after
    /// most requests, so this is one pass over the agents with no lookup per
    /// agent: the tracks have the agents' keys (an agent gets its track the first
    /// time it is seen; neither map loses keys), and both maps are sorted, so
    /// walking them side by side pairs each agent with its track. With a lookup
    /// per agent, each sign-in of 10,000 agents cost milliseconds under the model
    /// lock, and signing them all in grew with the square of their number.
    fn track_agents(&self, m: &mut Model, now: u64) {
        if m.queues.agents.len() != m.agents.len() {
            for id in m.agents.keys() {
                if !m.queues.agents.contains_key(id) {
                    m.queues.agents.insert(id.clone(), Default::default());
                }
            }
        }
        let Model { agents, queues, .. } = m;
        let idle_counter = &mut queues.idle_counter;
        for ((id, a), (tid, t)) in agents.iter().zip(queues.agents.iter_mut()) {
            if id != tid {
                // Cannot happen (same key sets, same order); never pair an agent with another's track.
                tracing::warn!(agent = %id, track = %tid, "agent tracks out of step");
                continue;
            }
            if a.signed_in && !t.signed_in {
                t.sign_ins += 1;
                t.logon_ms = now;
            }
            t.signed_in = a.signed_in;
            if a.state != t.state || t.since_ms == 0 {
                if t.since_ms != 0 {
                    t.prev_state = t.state;
                    t.prev_secs = now.saturating_sub(t.since_ms) / 1000;
                }
                if a.state == Cti::Idle {
                    *idle_counter += 1;
                    t.idle_seq = *idle_counter;
                }
                if a.state == Cti::Busy {
                    t.set_busy += 1;
                }
                if a.state == Cti::Adjusting {
                    t.wrap_ups += 1;
                }
                t.state = a.state;
                t.since_ms = now;
            }
        }
    }

    /// Inbound traffic from the scenario's script (real time, seeded callers).
    pub(super) fn traffic_tick(&self) {
        let traffic = &self.config.scenario.traffic;
        if !traffic.enabled || traffic.flows.is_empty() {
            return;
        }
        let mut m = self.lock();
        let now = Instant::now();
        let elapsed = m.queues.traffic_last.map(|t| now.duration_since(t).as_secs_f64()).unwrap_or(0.0);
        m.queues.traffic_last = Some(now);
        m.queues.traffic_credit.resize(traffic.flows.len(), 0.0);
        for (i, flow) in traffic.flows.iter().enumerate() {
            m.queues.traffic_credit[i] += elapsed * flow.calls_per_minute.max(0.0) / 60.0;
            while m.queues.traffic_credit[i] >= 1.0 {
                m.queues.traffic_credit[i] -= 1.0;
                m.queues.traffic_count += 1;
                let pick = mix(self.config.seed ^ mix(m.queues.traffic_count));
                let caller = if flow.callers.is_empty() {
                    format!("138{:08}", pick % 100_000_000)
                } else {
                    flow.callers[(pick % flow.callers.len() as u64) as usize].clone()
                };
                let called = self.access_code_of(flow.queue);
                let media = self.queue_media(flow.queue);
                self.enqueue(&mut m, flow.queue, &caller, &called, media);
            }
        }
    }

    /// Records, oldest first.
    pub(crate) fn call_records(&self) -> Vec<CallRecord> {
        let m = self.lock();
        m.queues.order.iter().filter_map(|id| m.queues.records.get(id).cloned()).collect()
    }

    /// Waiting calls per queue (for the state dump).
    pub(super) fn waiting_dump(m: &Model) -> Value {
        json!(m.queues.waiting.iter().map(|(q, w)| (q.to_string(), json!(w))).collect::<serde_json::Map<_, _>>())
    }
}

/// Settles and runs the time-driven parts (traffic, dialer) every 100 ms.
pub(crate) async fn tick_loop(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        shared.traffic_tick();
        shared.dialer_tick();
        shared.settle();
    }
}

/// Follows which agent handles a call: a new handling agent (transfer)
/// closes the previous leg and opens one; answer and release stamp the leg.
fn track_leg(rec: &mut CallRecord, call: &super::CallRt, now: u64) {
    let connected = matches!(call.state, "talking" | "held" | "conference");
    let current = (!call.agent.is_empty() && call.state != "released").then_some(call.agent.as_str());
    match (rec.legs.last_mut(), current) {
        (Some(leg), Some(agent)) if leg.agent == agent && leg.ended_ms.is_none() => {
            if connected && leg.answered_ms.is_none() {
                leg.answered_ms = Some(now);
            }
        }
        (last, Some(agent)) => {
            if let Some(leg) = last {
                leg.ended_ms.get_or_insert(now);
            }
            rec.legs.push(AgentLeg {
                agent: agent.to_owned(),
                offered_ms: now,
                answered_ms: connected.then_some(now),
                ended_ms: None,
            });
        }
        (Some(leg), None) => {
            leg.ended_ms.get_or_insert(now);
        }
        (None, None) => {}
    }
}

/// The `mediaAbility` of an offered call: 1 voice; 5 text for the chat media
/// types (1 text chat, 51 web chat, 53 social chat); 0 otherwise.
pub(super) fn media_ability(media_type: i64) -> &'static str {
    match media_type {
        5 => "1",
        1 | 51 | 53 => "5",
        _ => "0",
    }
}
