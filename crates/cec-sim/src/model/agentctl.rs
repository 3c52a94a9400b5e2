//! CC-Gateway agent states and call control: busy, rest, work, hold, consult,
//! transfer, conference, mute, outbound and internal calls. Every action moves
//! the one model and emits the events the reference lists for it.

use std::time::Instant;

use serde_json::{Value, json};

use super::{AfterCall, AgentRt, CallRt, Cti, Model, Shared, event, gw_ok};
use crate::api::{Reply, Req, Route, failure};

/// Something due later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Timer {
    /// The rest period the agent asked for is over (`AgentState_Rest_Timeout`).
    RestOver { agent: String, since: u64 },
    /// The customer of an outbound call picks up.
    CustomerAnswers { call_id: String },
}

/// Numbers that the simulated network never connects (outbound calls to them fail).
const UNREACHABLE_PREFIX: &str = "999";

fn emit(m: &mut Model, agent: &str, kind: &str, content: Value) {
    if let Some(a) = m.agents.get_mut(agent) {
        Shared::push_event(a, event(kind, agent, content));
    }
}

fn call_content(c: &CallRt) -> Value {
    json!({
        "caller": c.caller, "called": c.called, "callid": c.id, "type": c.kind,
        "feature": "0", "mediaAbility": "1", "mediaType": "5"
    })
}

/// The agents on a call: the handling agent first, then the others.
fn agents_on(c: &CallRt) -> Vec<String> {
    let mut v = vec![c.agent.clone()];
    v.extend(c.peers.iter().filter(|p| **p != c.agent).cloned());
    v
}

fn is_customer_call(c: &CallRt) -> bool {
    c.kind == "main" || c.kind == "callout"
}

impl Shared {
    pub(super) fn signed_in<'a>(&self, m: &'a mut Model, route: &Route, id: &str) -> Result<&'a mut AgentRt, Reply> {
        match m.agents.get_mut(id) {
            Some(a) if a.signed_in => Ok(a),
            _ => Err(failure(route, "100-006", "agent not signed in")),
        }
    }

    fn new_call(&self, m: &mut Model, kind: &'static str, caller: &str, called: &str, agent: &str) -> String {
        let seq = self.next_id(m);
        let id = format!("{}-{}", 1_700_000_000 + (seq % 100_000_000), m.counter);
        m.calls.insert(
            id.clone(),
            CallRt {
                id: id.clone(),
                caller: caller.to_owned(),
                called: called.to_owned(),
                agent: agent.to_owned(),
                state: "ringing",
                answered: None,
                duration_ms: 0,
                peers: Vec::new(),
                kind,
                transfer_from: None,
            },
        );
        id
    }

    /// Offers a call to an idle agent: it rings there.
    fn ring(&self, m: &mut Model, agent: &str, call_id: &str, transfer_from: Option<&str>) -> bool {
        let Some(content) = m.calls.get(call_id).map(call_content) else { return false };
        let chat = m.queues.records.get(call_id).filter(|r| super::is_chat_media(r.media_type)).map(|r| r.media_type);
        let max_chats = self.config.scenario.max_chats;
        let Some(a) = m.agents.get_mut(agent) else { return false };
        match chat {
            Some(media) => {
                if !a.signed_in || !a.chat_room(media, &m.queues.records, max_chats) {
                    return false;
                }
                a.chats.push(call_id.to_owned());
                if a.chats.len() == 1 {
                    a.state = Cti::Occupied;
                }
            }
            None => {
                if !a.signed_in || a.call.is_some() || !a.chats.is_empty() || !a.held.is_empty() || a.state != Cti::Idle
                {
                    return false;
                }
                a.call = Some(call_id.to_owned());
                a.state = Cti::Occupied;
            }
        }
        let mut content = content;
        if let (Some(from), Some(o)) = (transfer_from, content.as_object_mut()) {
            o.insert("transfer".into(), json!("yes"));
            o.insert("transfrom".into(), json!(from));
        }
        // A queued call (a chat, say) keeps its media type when it rings elsewhere.
        if let (Some(rec), Some(o)) =
            (m.queues.records.get(call_id).filter(|r| r.skill.is_some()), content.as_object_mut())
        {
            o.insert("mediaType".into(), json!(rec.media_type.to_string()));
            o.insert("mediaAbility".into(), json!(super::queues::media_ability(rec.media_type)));
        }
        Shared::push_event(a, event("AgentEvent_Ringing", agent, content));
        self.offered(m, agent, call_id);
        true
    }

    /// The state an agent enters when it holds no call any more.
    pub(super) fn after_call(&self, m: &mut Model, agent: &str) {
        let now = Instant::now();
        let seq = self.next_id(m);
        let Some(a) = m.agents.get_mut(agent) else { return };
        if !a.signed_in || a.in_call() {
            return;
        }
        a.muted = false;
        match a.after_call.take() {
            Some(AfterCall::Busy { reason }) => {
                a.state = Cti::Busy;
                Shared::push_event(
                    a,
                    event("AgentState_SetNotReady_Success", agent, json!({ "reason": reason.to_string() })),
                );
            }
            Some(AfterCall::Rest { seconds }) => {
                a.state = Cti::Rest;
                Shared::push_event(a, event("AgentState_SetRest_Success", agent, json!({ "reason": "0" })));
                let at = now + std::time::Duration::from_secs(seconds);
                m.timers.insert((at, seq), Timer::RestOver { agent: agent.to_owned(), since: seq });
                if let Some(a) = m.agents.get_mut(agent) {
                    a.rest_since = Some(seq);
                }
            }
            None if a.auto_idle => {
                a.state = Cti::Idle;
                Shared::push_event(a, event("AgentState_Ready", agent, Value::Null));
            }
            None => {
                a.state = Cti::Adjusting;
                Shared::push_event(a, event("AgentState_Work", agent, Value::Null));
            }
        }
    }

    /// An agent leaves a call: it gets `AgentEvent_Call_Release`; a customer
    /// call goes on with the agents left, an agent-to-agent call ends for all.
    pub(super) fn drop_party(&self, m: &mut Model, call_id: &str, agent: &str) {
        if let Some(a) = m.agents.get_mut(agent) {
            if a.call.as_deref() == Some(call_id) {
                a.call = None;
            }
            a.chats.retain(|c| c != call_id);
            a.held.retain(|h| h != call_id);
            Shared::push_event(a, event("AgentEvent_Call_Release", agent, json!(call_id)));
        }
        let remaining = match m.calls.get_mut(call_id) {
            Some(c) if c.state != "released" => {
                c.peers.retain(|p| p != agent);
                if c.transfer_from.as_deref() == Some(agent) {
                    c.transfer_from = None;
                }
                if c.agent == agent {
                    match c.peers.first().cloned() {
                        Some(next) => {
                            c.agent = next;
                            c.peers.remove(0);
                        }
                        None => c.agent.clear(),
                    }
                }
                let left = if c.agent.is_empty() { Vec::new() } else { agents_on(c) };
                if is_customer_call(c) && c.state == "conference" && left.len() == 1 {
                    c.state = "talking";
                }
                Some((left, is_customer_call(c)))
            }
            _ => None,
        };
        match remaining {
            Some((left, true)) if !left.is_empty() => {}
            Some((left, _)) => {
                // Nobody left for the customer, or an agent-to-agent call lost a side: it ends.
                self.finish_call(m, call_id);
                for other in left {
                    self.drop_party(m, call_id, &other);
                }
            }
            None => {}
        }
        self.after_call(m, agent);
    }

    /// Queues an arbitrary event for a signed-in agent (tests, benchmarks,
    /// event types the model does not produce).
    pub(crate) fn emit_raw(&self, agent: &str, kind: &str, content: Value) -> Result<(), String> {
        let mut m = self.lock();
        match m.agents.get_mut(agent) {
            Some(a) if a.signed_in => {
                Shared::push_event(a, event(kind, agent, content));
                Ok(())
            }
            _ => Err(format!("agent {agent} is not signed in")),
        }
    }

    /// The customer hangs up: every agent on the call is released.
    pub(crate) fn customer_hangup(&self, call_id: &str) -> Result<(), String> {
        let mut m = self.lock();
        self.customer_hangup_in(&mut m, call_id)
    }

    /// [`customer_hangup`](Self::customer_hangup) under a lock already held.
    pub(super) fn customer_hangup_in(&self, m: &mut Model, call_id: &str) -> Result<(), String> {
        let (agents, content) = match m.calls.get(call_id) {
            Some(c) if c.state != "released" && is_customer_call(c) => {
                (agents_on(c), json!({ "callid": c.id, "number": c.caller }))
            }
            _ => return Err(format!("no customer call {call_id}")),
        };
        self.finish_call(m, call_id);
        for a in agents {
            emit(m, &a, "AgentEvent_Customer_Release", content.clone());
            self.drop_party(m, call_id, &a);
        }
        Ok(())
    }

    pub(super) fn answer(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let named = req.query("callid").filter(|c| !c.is_empty()).map(str::to_owned);
        let mut m = self.lock();
        match self.answer_call(&mut m, &id, named.as_deref()) {
            Ok(()) => Reply::ok(gw_ok(Value::Null)),
            Err(why) => failure(route, "200-002", why),
        }
    }

    /// A call was just offered to `agent`: an agent with auto-answer answers it at
    /// once (`AgentEvent_Auto_Answer`, then `AgentEvent_Talking`).
    pub(super) fn offered(&self, m: &mut Model, agent: &str, call_id: &str) {
        if !m.agents.get(agent).is_some_and(|a| a.auto_answer) {
            return;
        }
        let Some(content) = m.calls.get(call_id).map(call_content) else { return };
        emit(m, agent, "AgentEvent_Auto_Answer", content);
        if let Err(why) = self.answer_call(m, agent, Some(call_id)) {
            tracing::debug!(agent, why, "auto-answer did not connect");
        }
    }

    /// The agent answers a ringing call: the one named (`callid`, needed when
    /// several chats ring), else its call, else its first ringing chat.
    fn answer_call(&self, m: &mut Model, id: &str, named: Option<&str>) -> Result<(), &'static str> {
        let id = id.to_owned();
        let a = m.agents.get(&id).ok_or("no call to answer")?;
        let call_id = match named {
            Some(c) if a.call.as_deref() == Some(c) || a.chats.iter().any(|x| x == c) => c.to_owned(),
            Some(_) => return Err("the agent has no call with this call id"),
            None => a
                .call
                .clone()
                .or_else(|| a.chats.iter().find(|c| m.calls.get(*c).is_some_and(|c| c.state == "ringing")).cloned())
                .ok_or("no call to answer")?,
        };
        let call = m.calls.get_mut(&call_id).ok_or("no call to answer")?;
        if call.state != "ringing" || (call.agent != id && !call.peers.contains(&id)) {
            return Err("the call is not ringing");
        }
        if call.agent == id || call.answered.is_none() {
            call.answered.get_or_insert_with(Instant::now);
        }
        call.state = "talking";
        let transferred_from = call.transfer_from.take();
        if transferred_from.is_some() {
            // A monitored ("success") transfer completes when the target answers.
            call.peers.retain(|p| p != &id);
            call.agent = id.clone();
        }
        let content = call_content(call);
        let parties = agents_on(call);
        for p in &parties {
            if let Some(a) = m.agents.get_mut(p) {
                a.state = Cti::Talking;
                Shared::push_event(a, event("AgentEvent_Talking", p, content.clone()));
            }
        }
        if let Some(from) = transferred_from {
            emit(m, &from, "AgentEvent_SuccTransResult", json!({ "callId": call_id, "result": 0 }));
            self.drop_party(m, &call_id, &from);
        }
        Ok(())
    }

    /// saybusy, cancelbusy, sayfree, rest, cancelrest, work, cancelwork.
    pub(super) fn set_state(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        let seq = self.next_id(&mut m);
        let a = match self.signed_in(&mut m, route, &id) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let in_call = a.in_call();
        let refuse = |why: &str| failure(route, "100-009", why);
        let (state, kind, content) = match route.id() {
            "onlineagent.saybusy" => {
                let reason = req.query("reason").unwrap_or("0").to_owned();
                if in_call {
                    a.after_call = Some(AfterCall::Busy { reason: reason.parse().unwrap_or(0) });
                    Shared::push_event(a, event("AgentState_SetNotReady_Success", &id, json!({ "reason": reason })));
                    return Reply::ok(gw_ok(Value::Null));
                }
                (Cti::Busy, "AgentState_SetNotReady_Success", json!({ "reason": reason }))
            }
            "onlineagent.cancelbusy" => {
                if matches!(a.after_call, Some(AfterCall::Busy { .. })) {
                    a.after_call = None;
                    Shared::push_event(a, event("AgentState_CancelNotReady_Success", &id, Value::Null));
                    return Reply::ok(gw_ok(Value::Null));
                }
                if a.state != Cti::Busy {
                    return refuse("the agent is not busy");
                }
                (Cti::Idle, "AgentState_CancelNotReady_Success", Value::Null)
            }
            "onlineagent.sayfree" => {
                if in_call {
                    return refuse("the agent is in a call");
                }
                match a.state {
                    Cti::Busy => (Cti::Idle, "AgentState_CancelNotReady_Success", Value::Null),
                    Cti::Adjusting => (Cti::Idle, "AgentState_CancelWork_Success", Value::Null),
                    Cti::Rest => (Cti::Idle, "AgentState_CancelRest_Success", Value::Null),
                    Cti::Idle => return Reply::ok(gw_ok(Value::Null)),
                    _ => return refuse("the agent cannot go idle now"),
                }
            }
            "onlineagent.rest" => {
                let Ok(seconds) = req.param("time").parse::<u64>() else {
                    return failure(route, "000-002", "rest time must be a number of seconds");
                };
                if seconds == 0 || seconds > 86_400 {
                    return failure(route, "000-002", "rest time out of range");
                }
                let cause = req.param("restcause").to_owned();
                if in_call {
                    a.after_call = Some(AfterCall::Rest { seconds });
                    return Reply::ok(gw_ok(Value::Null));
                }
                if a.state == Cti::Rest {
                    return refuse("the agent is already resting");
                }
                a.rest_since = Some(seq);
                let at = Instant::now() + std::time::Duration::from_secs(seconds);
                m.timers.insert((at, seq), Timer::RestOver { agent: id.clone(), since: seq });
                let Some(a) = m.agents.get_mut(&id) else { return refuse("agent vanished") };
                a.state = Cti::Rest;
                Shared::push_event(a, event("AgentState_SetRest_Success", &id, json!({ "reason": cause })));
                return Reply::ok(gw_ok(Value::Null));
            }
            "onlineagent.cancelrest" => {
                if a.state != Cti::Rest {
                    return refuse("the agent is not resting");
                }
                a.rest_since = None;
                (Cti::Idle, "AgentState_CancelRest_Success", Value::Null)
            }
            "onlineagent.work" => {
                if in_call {
                    return refuse("the agent is in a call");
                }
                (Cti::Adjusting, "AgentState_Work", Value::Null)
            }
            _ => {
                if a.state != Cti::Adjusting {
                    return refuse("the agent is not in after-call work");
                }
                (Cti::Idle, "AgentState_CancelWork_Success", Value::Null)
            }
        };
        a.state = state;
        Shared::push_event(a, event(kind, &id, content));
        Reply::ok(gw_ok(Value::Null))
    }

    /// The push-mode heartbeat: keeps the session and rotates the GUID when due.
    pub(super) fn handshake(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        match self.heartbeat(&mut m, &id) {
            Some(headers) => Reply::Json(gw_ok(Value::Null), headers),
            None => failure(route, "100-006", "agent not signed in"),
        }
    }

    /// Marks a poll or handshake; returns the `Set-GUID` header when the GUID rotated.
    pub(super) fn heartbeat(&self, m: &mut Model, id: &str) -> Option<Vec<(&'static str, String)>> {
        let due = {
            let a = m.agents.get(id).filter(|a| a.signed_in)?;
            self.config.dynamic_guid && a.guid_issued.elapsed() >= self.config.guid_rotation
        };
        let new_guid = due.then(|| self.new_guid(m));
        let a = m.agents.get_mut(id)?;
        a.last_heartbeat = Instant::now();
        let mut headers = Vec::new();
        if let Some(g) = new_guid {
            a.rotate_guid(g.clone());
            headers.push(("set-guid", format!("JSESSIONID={g}")));
        }
        Some(headers)
    }

    /// `updateGuid`: a new GUID for a signed-in agent (the old one keeps its grace period).
    pub(super) fn update_guid(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if !m.agents.get(&id).is_some_and(|a| a.signed_in) {
            return failure(route, "100-006", "agent not signed in");
        }
        let g = self.new_guid(&mut m);
        let Some(a) = m.agents.get_mut(&id) else { return failure(route, "100-006", "agent not signed in") };
        a.rotate_guid(g.clone());
        a.last_heartbeat = Instant::now();
        Reply::Json(gw_ok(json!({ "guid": g })), vec![("set-guid", format!("JSESSIONID={g}"))])
    }

    /// `agentstatus`: the CC-Gateway's own state codes (cec_07_0581 table 1; the
    /// reference's example answers 4 for an idle agent), not the CTI codes CC-CMS uses.
    pub(super) fn agent_status(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        match self.signed_in(&mut m, route, &id) {
            Ok(a) => {
                let state = super::gateway_state(a.state);
                Reply::ok(gw_ok(json!({ "agentState": state, "isWorking": a.call.is_some() || !a.chats.is_empty() })))
            }
            Err(r) => r,
        }
    }

    /// `autoenteridle/{flag}`: after a call the agent goes idle (`true`) or into after-call work.
    pub(super) fn auto_enter_idle(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let on = req.param("flag") == "true";
        let mut m = self.lock();
        match self.signed_in(&mut m, route, &id) {
            Ok(a) => {
                a.auto_idle = on;
                Reply::ok(gw_ok(json!({})))
            }
            Err(r) => r,
        }
    }

    /// `autoanswer/{isautoanswer}`: offered calls are answered at once (`true`) or ring
    /// until `voicecall.answer` (any other value, at most 5 characters).
    pub(super) fn auto_answer(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let flag = req.param("isautoanswer");
        if flag.chars().count() > 5 {
            return failure(route, "000-002", "isautoanswer is at most 5 characters");
        }
        let mut m = self.lock();
        match self.signed_in(&mut m, route, &id) {
            Ok(a) => {
                a.auto_answer = flag == "true";
                Reply::ok(gw_ok(json!({})))
            }
            Err(r) => r,
        }
    }

    /// `reject`: the agent refuses its ringing call. Mode 1: a call that came from
    /// a skill queue goes back to the head of it (otherwise it ends) and the agent
    /// turns busy; mode 2: the call is released and the agent goes idle.
    pub(super) fn reject(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallRejectBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut m = self.lock();
        let a = match self.signed_in(&mut m, route, &id) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let named = b.callid.as_deref().filter(|c| !c.is_empty());
        // A chat named by its call id, else the agent's call, else its first chat.
        let call = match named {
            Some(c) if a.chats.iter().any(|x| x == c) => Some(c.to_owned()),
            _ => a.call.clone().or_else(|| if named.is_none() { a.chats.first().cloned() } else { None }),
        };
        let Some(call) = call else { return failure(route, "200-002", "no call is ringing") };
        if named.is_some_and(|c| c != call) {
            return failure(route, "200-002", "callid is not the ringing call");
        }
        let ringing = m.calls.get(&call).is_some_and(|c| c.state == "ringing" && c.agent == id && c.peers.is_empty());
        if !ringing {
            return failure(route, "200-002", "the call is not ringing at this agent");
        }
        let requeue = b.mode == Some(1);
        let skill = m.queues.records.get(&call).and_then(|r| r.skill);
        emit(&mut m, &id, "AgentEvent_No_Answer", json!(call));
        match (requeue, skill) {
            (true, Some(q)) => {
                // Back to the head of its queue; settling offers it to another agent.
                m.calls.remove(&call);
                if let Some(rec) = m.queues.records.get_mut(&call) {
                    rec.agent = None;
                    if let Some(leg) = rec.legs.last_mut() {
                        leg.ended_ms.get_or_insert(self.clock.now_ms());
                    }
                }
                m.queues.waiting.entry(q).or_default().push_front(call.clone());
            }
            _ => self.finish_call(&mut m, &call),
        }
        emit(&mut m, &id, "AgentOther_PhoneRelease", Value::Null);
        if let Some(a) = m.agents.get_mut(&id) {
            if a.call.as_deref() == Some(call.as_str()) {
                a.call = None;
            }
            a.chats.retain(|c| c != &call);
            if !a.chats.is_empty() {
                // Still chatting: the other chats go on.
                if requeue {
                    a.after_call = Some(AfterCall::Busy { reason: 0 });
                }
                return Reply::ok(gw_ok(json!({})));
            }
            if requeue {
                a.state = Cti::Busy;
                Shared::push_event(a, event("AgentState_SetNotReady_Success", &id, json!({ "reason": "0" })));
            } else {
                a.state = Cti::Idle;
                Shared::push_event(a, event("AgentState_Ready", &id, Value::Null));
            }
        }
        Reply::ok(gw_ok(json!({})))
    }

    /// `sendnoteletex`: every signed-in agent named gets `AgentOther_Note`.
    pub(super) fn send_note(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::OnlineagentSendnoteletexBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        for target in b.agent_ids.unwrap_or_default() {
            let target = target.to_string();
            if m.agents.get(&target).is_some_and(|a| a.signed_in) {
                emit(&mut m, &target, "AgentOther_Note", Value::Null);
            }
        }
        tracing::debug!(agent = %id, text = b.content.as_deref().unwrap_or(""), "note sent");
        Reply::ok(gw_ok(Value::Null))
    }

    /// `dropcall/{callid}`: releases one of the agent's calls (the active one or a held one).
    pub(super) fn drop_call(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let call = req.param("callid").to_owned();
        let mut m = self.lock();
        let a = match self.signed_in(&mut m, route, &id) {
            Ok(a) => a,
            Err(r) => return r,
        };
        if !a.holds(&call) {
            return failure(route, "200-025", "the agent has no call with this call id");
        }
        if a.call.as_deref() == Some(call.as_str()) {
            a.muted = false;
        }
        self.drop_party(&mut m, &call, &id);
        Reply::ok(gw_ok(json!({})))
    }

    fn talking_call(&self, m: &mut Model, route: &Route, id: &str, none: &str) -> Result<String, Reply> {
        let a = self.signed_in(m, route, id)?;
        let call = a.call.clone().ok_or_else(|| failure(route, none, "the agent has no call"))?;
        match m.calls.get(&call).map(|c| c.state) {
            Some("talking" | "conference") => Ok(call),
            _ => Err(failure(route, "200-014", "the call is not connected")),
        }
    }

    pub(super) fn hold(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        let call = match self.talking_call(&mut m, route, &id, "200-013") {
            Ok(c) => c,
            Err(r) => return r,
        };
        if let Some(c) = m.calls.get_mut(&call) {
            c.state = "held";
        }
        if let Some(a) = m.agents.get_mut(&id) {
            a.call = None;
            a.held.push(call.clone());
            a.muted = false;
            Shared::push_event(a, event("AgentEvent_Hold", &id, json!(call)));
        }
        Reply::ok(gw_ok(Value::Null))
    }

    /// `gethold`: takes a held call back (the one named, else the last held).
    pub(super) fn unhold(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        let a = match self.signed_in(&mut m, route, &id) {
            Ok(a) => a,
            Err(r) => return r,
        };
        let wanted = req.query("callid").filter(|c| !c.is_empty()).map(str::to_owned);
        let Some(call) = wanted.or_else(|| a.held.last().cloned()).filter(|c| a.held.contains(c)) else {
            return failure(route, "200-015", "no held call");
        };
        if a.call.is_some() {
            return failure(route, "200-002", "release or hold the current call first");
        }
        a.held.retain(|h| h != &call);
        a.call = Some(call.clone());
        a.state = Cti::Talking;
        let Some(c) = m.calls.get_mut(&call) else { return failure(route, "200-015", "no held call") };
        c.state = "talking";
        let content = call_content(c);
        emit(&mut m, &id, "AgentEvent_Talking", content);
        Reply::ok(gw_ok(Value::Null))
    }

    /// `beginmute` / `endmute`.
    pub(super) fn mute(&self, route: &Route, req: &Req) -> Reply {
        let on = route.id() == "voicecall.beginmute";
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if let Err(r) = self.talking_call(&mut m, route, &id, "200-002") {
            return r;
        }
        if let Some(a) = m.agents.get_mut(&id) {
            a.muted = on;
        }
        Reply::ok(gw_ok(Value::Null))
    }

    pub(super) fn second_dial(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let digits = req.query("number").unwrap_or("");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'*' || b == b'#') {
            return failure(route, "000-002", "number must be digits, * or #");
        }
        let mut m = self.lock();
        match self.talking_call(&mut m, route, &id, "200-002") {
            Ok(_) => Reply::ok(gw_ok(Value::Null)),
            Err(r) => r,
        }
    }

    fn idle_for_new_call<'a>(&self, m: &'a mut Model, route: &Route, id: &str) -> Result<&'a mut AgentRt, Reply> {
        let a = self.signed_in(m, route, id)?;
        if a.call.is_some() || !a.chats.is_empty() {
            return Err(failure(route, "200-002", "the agent already has a call"));
        }
        Ok(a)
    }

    pub(super) fn call_out(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallCalloutBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let called = b.called.clone().unwrap_or_default();
        let mut m = self.lock();
        let phone = match self.idle_for_new_call(&mut m, route, &id) {
            Ok(_) => self.config.scenario.agents.iter().find(|x| x.id == id).map(|x| x.phone.clone()),
            Err(r) => return r,
        };
        let caller = b.caller.filter(|c| !c.is_empty()).or(phone).unwrap_or_default();
        let call = self.new_call(&mut m, "callout", &caller, &called, &id);
        if let Some(c) = m.calls.get_mut(&call) {
            c.state = "alerting";
        }
        let seq = self.next_id(&mut m);
        if let Some(a) = m.agents.get_mut(&id) {
            a.call = Some(call.clone());
            a.state = Cti::Occupied;
            Shared::push_event(a, event("AgentState_Busy", &id, Value::Null));
        }
        if called.starts_with(UNREACHABLE_PREFIX) {
            emit(&mut m, &id, "AgentEvent_Call_Out_Fail", json!(call));
            self.finish_call(&mut m, &call);
            if let Some(a) = m.agents.get_mut(&id) {
                a.call = None;
            }
            self.after_call(&mut m, &id);
        } else {
            let content = json!({ "otherPhone": called, "otherPhoneWorkno": "", "callid": call, "type": "callout" });
            emit(&mut m, &id, "AgentEvent_Customer_Alerting", content);
            let at = Instant::now() + self.config.customer_answer_delay;
            m.timers.insert((at, seq), Timer::CustomerAnswers { call_id: call.clone() });
        }
        Reply::ok(gw_ok(json!(call)))
    }

    /// Calls another agent (internal call, or a consultation with a held customer).
    fn call_agent(&self, m: &mut Model, route: &Route, id: &str, target: &str, kind: &'static str) -> Reply {
        if target == id {
            return failure(route, "000-002", "an agent cannot call itself");
        }
        let call = self.new_call(m, kind, id, target, id);
        if let Some(c) = m.calls.get_mut(&call) {
            c.peers.push(target.to_owned());
        }
        if !self.ring(m, target, &call, None) {
            self.finish_call(m, &call);
            emit(
                m,
                id,
                if kind == "consult" { "AgentEvent_Consult_Fail" } else { "AgentEvent_Inside_Call_Fail" },
                json!(call),
            );
            return failure(route, "200-002", "the called agent is not signed in and idle");
        }
        if let Some(a) = m.agents.get_mut(id) {
            a.call = Some(call.clone());
            a.state = Cti::Occupied;
        }
        let content = json!({ "otherPhone": target, "otherPhoneWorkno": target, "callid": call, "type": kind });
        emit(m, id, "AgentEvent_Customer_Alerting", content);
        Reply::ok(gw_ok(json!(call)))
    }

    pub(super) fn call_inner(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallCallinnerBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let target = b.called.unwrap_or_default();
        let mut m = self.lock();
        if let Err(r) = self.idle_for_new_call(&mut m, route, &id) {
            return r;
        }
        self.call_agent(&mut m, route, &id, &target, "inner")
    }

    /// Consultation: holds the customer and calls another agent.
    pub(super) fn inner_help(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallInnerhelpBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let target = b.dstaddress.unwrap_or_default();
        if b.devicetype.unwrap_or(2) != 2 {
            return failure(route, "000-002", "the simulator consults agents only (devicetype 2)");
        }
        let mut m = self.lock();
        let call = match self.talking_call(&mut m, route, &id, "200-002") {
            Ok(c) => c,
            Err(r) => return r,
        };
        if !m.agents.get(&target).is_some_and(|t| t.signed_in && t.call.is_none() && t.state == Cti::Idle) {
            emit(&mut m, &id, "AgentEvent_Consult_Fail", json!(call));
            return failure(route, "200-002", "the consulted agent is not signed in and idle");
        }
        if let Some(c) = m.calls.get_mut(&call) {
            c.state = "held";
        }
        if let Some(a) = m.agents.get_mut(&id) {
            a.call = None;
            a.held.push(call.clone());
            Shared::push_event(a, event("AgentEvent_Hold", &id, json!(call)));
        }
        self.call_agent(&mut m, route, &id, &target, "consult")
    }

    pub(super) fn transfer(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallTransferBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let (device, address, mode) = (b.devicetype.unwrap_or(0), b.address.unwrap_or_default(), b.mode.unwrap_or(0));
        self.transfer_call(route, &id, None, device, address, mode)
    }

    /// `mediacall.transfer`: the multimedia session `callid` goes to a skill
    /// queue (1), an agent (2) or an access code (4), as a release (0) or a
    /// success (2) transfer.
    pub(super) fn media_transfer(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::MediacallTransferBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let device = b.devicetype.unwrap_or(0);
        if !matches!(device, 1 | 2 | 4) {
            return failure(route, "200-012", "devicetype: 1 skill queue, 2 agent or 4 access code");
        }
        let (address, mode) = (b.address.unwrap_or_default(), b.mode.unwrap_or(0));
        self.transfer_call(route, &id, b.callid.as_deref(), device, address, mode)
    }

    fn transfer_call(
        &self,
        route: &Route,
        id: &str,
        call_id: Option<&str>,
        device: i64,
        address: String,
        mode: i64,
    ) -> Reply {
        let id = id.to_owned();
        let mut m = self.lock();
        let chat = call_id.filter(|c| m.agents.get(&id).is_some_and(|a| a.chats.iter().any(|x| x == c)));
        let call = match chat {
            // One of the agent's chats, named by its call id.
            Some(c) => {
                if !matches!(m.calls.get(c).map(|c| c.state), Some("talking" | "conference")) {
                    return failure(route, "200-014", "the call is not connected");
                }
                c.to_owned()
            }
            None => match self.talking_call(&mut m, route, &id, "200-012") {
                Ok(c) => c,
                Err(r) => return r,
            },
        };
        if call_id.is_some_and(|c| c != call) {
            return failure(route, "200-025", "the agent has no connected call with this call id");
        }
        let chat_media = m.queues.records.get(&call).map(|r| r.media_type).filter(|t| super::is_chat_media(*t));
        let max_chats = self.config.scenario.max_chats;
        let target = match device {
            2 => Some(address.clone()),
            1 => {
                let skill: u32 = address.parse().unwrap_or(0);
                m.agents
                    .iter()
                    .find(|(aid, a)| {
                        let free = match chat_media {
                            Some(media) => a.chat_room(media, &m.queues.records, max_chats),
                            None => a.state == Cti::Idle && a.call.is_none() && a.chats.is_empty(),
                        };
                        **aid != id && a.signed_in && free && a.skills.contains(&skill)
                    })
                    .map(|(aid, _)| aid.clone())
                    .or(Some(String::new()))
            }
            _ => None,
        };
        match target {
            // IVR, access code or external number: the call leaves the agent.
            None => {
                self.drop_party(&mut m, &call, &id);
                Reply::ok(gw_ok(Value::Null))
            }
            Some(t) if t.is_empty() || t == id => {
                emit(&mut m, &id, "AgentEvent_Connect_Fail", json!(call));
                failure(route, "200-012", "no idle agent to transfer to")
            }
            Some(t) => {
                if let Some(c) = m.calls.get_mut(&call) {
                    c.peers.push(t.clone());
                    if mode == 2 {
                        c.transfer_from = Some(id.clone());
                    }
                }
                if !self.ring(&mut m, &t, &call, Some(&id)) {
                    if let Some(c) = m.calls.get_mut(&call) {
                        c.peers.retain(|p| p != &t);
                        c.transfer_from = None;
                    }
                    emit(&mut m, &id, "AgentEvent_Connect_Fail", json!(call));
                    return failure(route, "200-012", "the target agent is not signed in and idle");
                }
                if let Some(c) = m.calls.get_mut(&call) {
                    c.state = "ringing";
                }
                if mode != 2 {
                    // Release transfer: the agent is out at once; the call rings at the target.
                    self.drop_party(&mut m, &call, &id);
                }
                Reply::ok(gw_ok(Value::Null))
            }
        }
    }

    /// Withdraws a monitored transfer that has not been answered yet.
    pub(super) fn cancel_transfer(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        let mine: Vec<String> =
            m.agents.get(&id).map(|a| a.call.iter().chain(&a.chats).cloned().collect()).unwrap_or_default();
        let pending = mine.iter().filter_map(|c| m.calls.get(c)).find(|c| c.transfer_from.as_deref() == Some(&id));
        let Some((call, targets)) = pending.map(|c| (c.id.clone(), c.peers.clone())) else {
            return failure(route, "200-012", "no transfer to cancel");
        };
        if let Some(c) = m.calls.get_mut(&call) {
            c.transfer_from = None;
            c.peers.clear();
            c.state = "talking";
        }
        for t in targets {
            if let Some(a) = m.agents.get_mut(&t) {
                if a.call.as_deref() == Some(call.as_str()) {
                    a.call = None;
                }
                a.chats.retain(|c| c != &call);
                Shared::push_event(a, event("AgentEvent_Call_Release", &t, json!(call)));
            }
            self.after_call(&mut m, &t);
        }
        Reply::ok(gw_ok(Value::Null))
    }

    /// Three-party call: the held customer joins the consultation.
    pub(super) fn conf_join(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::VoicecallConfjoinBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let held = b.callid.unwrap_or_default();
        let mut m = self.lock();
        let consult = match self.talking_call(&mut m, route, &id, "200-010") {
            Ok(c) => c,
            Err(r) => return r,
        };
        if !m.agents.get(&id).is_some_and(|a| a.held.contains(&held)) {
            return failure(route, "200-011", "no held call to join");
        }
        let others: Vec<String> = m.calls.get(&consult).map(agents_on).unwrap_or_default();
        self.finish_call(&mut m, &consult);
        for o in &others {
            if let Some(a) = m.agents.get_mut(o) {
                a.call = None;
                Shared::push_event(a, event("AgentEvent_Call_Release", o, json!(consult)));
            }
        }
        let Some(c) = m.calls.get_mut(&held) else { return failure(route, "200-011", "no held call to join") };
        c.state = "conference";
        for o in &others {
            if o != &c.agent && !c.peers.contains(o) {
                c.peers.push(o.clone());
            }
        }
        let parties = agents_on(c);
        for p in &parties {
            if let Some(a) = m.agents.get_mut(p) {
                a.held.retain(|h| h != &held);
                a.call = Some(held.clone());
                a.state = Cti::Talking;
                let partner = parties.iter().find(|x| *x != p).cloned().unwrap_or_default();
                Shared::push_event(a, event("AgentEvent_Conference", p, json!({ "callid": held, "partner": partner })));
            }
        }
        Reply::ok(gw_ok(Value::Null))
    }

    /// Connects the held customer with the consulted agent and leaves (consult transfer).
    pub(super) fn connect_hold(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let held = req.param("callid").to_owned();
        let mut m = self.lock();
        let consult = match self.talking_call(&mut m, route, &id, "200-013") {
            Ok(c) => c,
            Err(r) => return r,
        };
        if !m.agents.get(&id).is_some_and(|a| a.held.contains(&held)) {
            return failure(route, "200-015", "no such held call");
        }
        let others: Vec<String> =
            m.calls.get(&consult).map(|c| agents_on(c).into_iter().filter(|x| x != &id).collect()).unwrap_or_default();
        self.finish_call(&mut m, &consult);
        for o in &others {
            if let Some(a) = m.agents.get_mut(o) {
                a.call = Some(held.clone());
                Shared::push_event(a, event("AgentEvent_Call_Release", o, json!(consult)));
            }
        }
        if let Some(c) = m.calls.get_mut(&held) {
            c.state = "talking";
            c.peers.extend(others.iter().cloned());
        }
        if let Some(a) = m.agents.get_mut(&id) {
            a.call = None;
            Shared::push_event(a, event("AgentEvent_Call_Release", &id, json!(consult)));
        }
        self.drop_party(&mut m, &held, &id);
        if let Some(content) = m.calls.get(&held).map(call_content) {
            for o in &others {
                emit(&mut m, o, "AgentEvent_Talking", content.clone());
            }
        }
        Reply::ok(gw_ok(Value::Null))
    }

    /// Runs what is due: rest expiries and customers answering outbound calls.
    pub(crate) fn run_timers(&self) {
        let mut m = self.lock();
        let now = Instant::now();
        while let Some(entry) = m.timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            match entry.remove() {
                Timer::RestOver { agent, since } => {
                    if let Some(a) = m.agents.get_mut(&agent)
                        && a.signed_in
                        && a.state == Cti::Rest
                        && a.rest_since == Some(since)
                    {
                        // The reminder; the agent stays resting until it cancels.
                        Shared::push_event(a, event("AgentState_Rest_Timeout", &agent, Value::Null));
                    }
                }
                Timer::CustomerAnswers { call_id } => {
                    let Some(c) = m.calls.get_mut(&call_id).filter(|c| c.state == "alerting") else { continue };
                    c.state = "talking";
                    c.answered = Some(now);
                    let agent = c.agent.clone();
                    let content = call_content(c);
                    if let Some(a) = m.agents.get_mut(&agent) {
                        a.state = Cti::Talking;
                        Shared::push_event(a, event("AgentEvent_Talking", &agent, content));
                    }
                }
            }
        }
    }
}
