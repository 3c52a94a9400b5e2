//! API Fabric web chat: `ccmessaging.send` CONNECT reaches the chatbot (the
//! scenario's intents); TRANS2AGENT (or a transfer intent) queues the chat in
//! the chat skill queue, which offers it to an agent as a multimedia call
//! (`AgentEvent_Ringing`, `mediaType` 1); the agent's
//! `mediacall.sendMessage` reaches the customer through `ccmessaging.poll`,
//! the customer's messages reach the agent as `AgentEvent_MessageData`.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{Value, json};

use super::{Cti, Model, Shared, event, gw_ok, now_ms};
use crate::api::{Reply, Req, Route, failure};

/// Media type code of text chat.
const MEDIA_CHAT: i64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Robot,
    Queued,
    Agent,
    Closed,
}

#[derive(Debug)]
struct Session {
    phase: Phase,
    call: Option<String>,
    agent: Option<String>,
    downlink: VecDeque<Value>,
}

/// Web-chat sessions by customer (`from` / `receiverId`).
#[derive(Debug, Default)]
pub(crate) struct Chats {
    sessions: BTreeMap<String, Session>,
    by_call: BTreeMap<String, String>,
}

impl Chats {
    fn say(&mut self, user: &str, from: &str, source: &str, text: &str) {
        if let Some(s) = self.sessions.get_mut(user) {
            s.downlink.push_back(json!({
                "channel": "WEB", "content": text, "from": from, "to": user, "mediaType": "TEXT",
                "controlType": "CHAT", "senderNickname": from, "timestamp": now_ms() as u64, "sourceType": source
            }));
        }
    }
}

fn sent(desc: &str) -> Reply {
    Reply::ok(json!({ "resultCode": "0", "resultDesc": desc }))
}

impl Shared {
    pub(super) fn messaging_send(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_apifabric::generated::CcmessagingSendBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let user = b.from.clone().unwrap_or_default();
        let content = b.content.clone().unwrap_or_default();
        let channel = self.config.scenario.channel_id.clone();
        let mut m = self.lock();
        let phase = m.chats.sessions.get(&user).map(|s| s.phase).unwrap_or(Phase::Closed);
        match b.control_type.as_deref().unwrap_or("") {
            "CONNECT" => {
                m.chats.sessions.insert(
                    user.clone(),
                    Session { phase: Phase::Robot, call: None, agent: None, downlink: VecDeque::new() },
                );
                m.chats.say(&user, &channel, "ROBOT", super::intents::GREETING);
                sent("connect to robot success.")
            }
            "CHAT" => match phase {
                Phase::Closed => failure(route, "1", "no chat session: send CONNECT first"),
                Phase::Robot => {
                    let (answer, transfer) = match self.intent_for(&content) {
                        Some(i) => (i.answer.clone(), i.transfer),
                        None => (self.config.scenario.fallback_answer.clone(), false),
                    };
                    m.chats.say(&user, &channel, "ROBOT", &answer);
                    if transfer {
                        self.chat_to_agent(&mut m, &user);
                    }
                    sent("message accepted.")
                }
                Phase::Queued => sent("message accepted."),
                Phase::Agent => {
                    let (call, agent) = m
                        .chats
                        .sessions
                        .get(&user)
                        .map(|s| (s.call.clone().unwrap_or_default(), s.agent.clone().unwrap_or_default()))
                        .unwrap_or_default();
                    if let Some(a) = m.agents.get_mut(&agent) {
                        // `message` is the documented field; `content` is kept for older readers.
                        let data = json!({ "callid": call, "caller": user, "message": content, "content": content, "userid": user, "mediaType": "TEXT" });
                        Self::push_event(a, event("AgentEvent_MessageData", &agent, data));
                    }
                    sent("message accepted.")
                }
            },
            "TRANS2AGENT" => match phase {
                Phase::Closed => failure(route, "1", "no chat session: send CONNECT first"),
                Phase::Robot => {
                    self.chat_to_agent(&mut m, &user);
                    sent("transferring to an agent.")
                }
                _ => sent("transferring to an agent."),
            },
            "DISCONNECT" => {
                self.chat_disconnect(&mut m, &user);
                sent("disconnected.")
            }
            "INPUT" | "READ" => sent("ok."),
            _ => failure(route, "1", "unknown controlType"),
        }
    }

    /// Queues the chat in the chat skill queue (settling offers it to an agent).
    fn chat_to_agent(&self, m: &mut Model, user: &str) {
        let queue = self.config.scenario.chat_queue;
        let channel = self.config.scenario.channel_id.clone();
        let call = self.enqueue(m, queue, user, &channel, MEDIA_CHAT);
        m.chats.by_call.insert(call.clone(), user.to_owned());
        if let Some(s) = m.chats.sessions.get_mut(user) {
            s.phase = Phase::Queued;
            s.call = Some(call);
        }
        m.chats.say(user, &channel, "SYSTEM", "Transferring you to an agent, please wait.");
    }

    fn chat_disconnect(&self, m: &mut Model, user: &str) {
        let Some(s) = m.chats.sessions.get_mut(user) else { return };
        let (phase, call, agent) = (s.phase, s.call.clone(), s.agent.clone());
        s.phase = Phase::Closed;
        match (phase, call, agent) {
            (Phase::Queued, Some(call), _) => {
                Self::abandon_waiting(m, &call);
            }
            (Phase::Agent, Some(call), Some(agent))
                if m.agents.get(&agent).and_then(|a| a.call.as_deref()) == Some(call.as_str()) =>
            {
                self.end_call(m, &agent);
                if let Some(a) = m.agents.get_mut(&agent) {
                    Self::push_event(a, event("AgentEvent_Call_Release", &agent, json!(call)));
                    let (state, ev) =
                        if a.auto_idle { (Cti::Idle, "AgentState_Ready") } else { (Cti::Adjusting, "AgentState_Work") };
                    a.state = state;
                    Self::push_event(a, event(ev, &agent, Value::Null));
                }
            }
            _ => {}
        }
    }

    /// Settling saw the agent answer a call: if it is a chat, the customer is told.
    pub(super) fn chat_answered(&self, chats: &mut Chats, call: &str, agent: &str) {
        let Some(user) = chats.by_call.get(call).cloned() else { return };
        if let Some(s) = chats.sessions.get_mut(&user) {
            s.phase = Phase::Agent;
            s.agent = Some(agent.to_owned());
        }
        let channel = self.config.scenario.channel_id.clone();
        chats.say(&user, &channel, "SYSTEM", &format!("Agent {agent} has joined the chat."));
    }

    /// Settling saw a call released: a chat with the agent ends.
    pub(super) fn chat_released(&self, m: &mut Model, call: &str) {
        let Some(user) = m.chats.by_call.remove(call) else { return };
        let open = m.chats.sessions.get(&user).is_some_and(|s| s.phase != Phase::Closed);
        if let Some(s) = m.chats.sessions.get_mut(&user) {
            s.phase = Phase::Closed;
        }
        if open {
            let channel = self.config.scenario.channel_id.clone();
            m.chats.say(&user, &channel, "SYSTEM", "The agent has left the chat.");
        }
    }

    /// `ccmessaging.poll`: the customer's waiting downlink messages.
    pub(super) fn messaging_poll(&self, _route: &Route, req: &Req) -> Reply {
        let user = req.query("receiverId").unwrap_or("");
        let mut m = self.lock();
        let msgs: Vec<Value> =
            m.chats.sessions.get_mut(user).map(|s| s.downlink.drain(..).collect()).unwrap_or_default();
        Reply::ok(json!({ "resultCode": "0", "resultDesc": "query user messages success", "downlinkMessages": msgs }))
    }

    /// `mediacall.sendMessage`: an agent's chat message to the customer.
    pub(super) fn chat_send_message(&self, route: &Route, req: &Req) -> Reply {
        let agent = req.param("agentid");
        let b: cec_gateway::generated::MediacallSendMessageBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let call = b.callid.as_deref().unwrap_or("");
        let text = match &b.data {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.get("content").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| v.to_string()),
            None => String::new(),
        };
        let mut m = self.lock();
        let Some(user) = m.chats.by_call.get(call).cloned() else {
            return failure(route, "200-002", "no chat with this call id");
        };
        let ok =
            m.chats.sessions.get(&user).is_some_and(|s| s.phase == Phase::Agent && s.agent.as_deref() == Some(agent));
        if !ok {
            return failure(route, "200-002", "the agent is not in this chat");
        }
        m.chats.say(&user, agent, "AGENT", &text);
        Reply::ok(gw_ok(Value::Null))
    }
}
