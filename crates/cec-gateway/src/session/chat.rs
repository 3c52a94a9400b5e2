//! Multimedia (text chat) on an agent session.
//!
//! CC-Gateway offers a chat to an agent like a call: `AgentEvent_Ringing`
//! with a chat `mediaType` (1 text chat, 51 web chat, 53 social chat). The
//! agent answers it with `voicecall.answer` on its call id, receives the
//! customer's messages as `AgentEvent_MessageData`, writes with
//! `mediacall.sendMessage`, hands the chat on with `mediacall.transfer` and
//! closes it with `voicecall.dropcall`. [`ChatTracker`] turns the session's
//! events into typed [`ChatEvent`]s, for any number of chats at once, each
//! told apart by its call id; [`chat_events`] does it on the event stream.

use std::collections::BTreeMap;

use futures_util::{Stream, StreamExt};

use super::{AgentSession, EventItem, SessionEvent, TransferMode, refuse};
use crate::Error;
use crate::generated::AgentEvent;
use crate::view::CallState;

/// The `mediaType` codes of `AgentEvent_Ringing` that are chats: 1 text chat,
/// 51 web chat, 53 social chat.
pub const CHAT_MEDIA_TYPES: [&str; 3] = ["1", "51", "53"];

/// The largest message [`AgentSession::send_message`] sends, in bytes of
/// UTF-8: the reference allows under 3.8 KB with service-side encryption
/// (`MULTIMEDIA_SECMODE=0`) and under 1.9 KB with platform encryption
/// (`=1`); on a tenant with platform encryption keep messages under 1.9 KB.
pub const MAX_CHAT_MESSAGE_BYTES: usize = 3_800;

/// A chat offered to the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatOffer {
    /// The call id that names the chat in every later call and event.
    pub call_id: String,
    /// The customer (the calling side).
    pub customer: Option<String>,
    /// The channel or access code the customer came in on (the called side).
    pub channel: Option<String>,
    /// The `mediaType` code (see [`CHAT_MEDIA_TYPES`]).
    pub media_type: String,
    /// The agent that transferred the chat here, if it was transferred.
    pub transferred_from: Option<String>,
}

/// What happened to one of the agent's chats.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatEvent {
    /// A chat rings at the agent: answer it with [`AgentSession::answer_chat`].
    Offered(ChatOffer),
    /// The chat is connected (answered here).
    Connected {
        /// The chat's call id.
        call_id: String,
    },
    /// A message from the customer.
    Message {
        /// The chat's call id.
        call_id: String,
        /// The sender, as the event gives it.
        from: Option<String>,
        /// The text.
        text: String,
    },
    /// The chat ended for this agent.
    Ended {
        /// The chat's call id.
        call_id: String,
        /// The customer left (`AgentEvent_Customer_Release`); otherwise the
        /// agent's side was released (closed, transferred away, or lost).
        by_customer: bool,
    },
}

impl ChatEvent {
    /// The chat's call id.
    pub fn call_id(&self) -> &str {
        match self {
            ChatEvent::Offered(o) => &o.call_id,
            ChatEvent::Connected { call_id }
            | ChatEvent::Message { call_id, .. }
            | ChatEvent::Ended { call_id, .. } => call_id,
        }
    }
}

/// Where a chat is, as far as the agent's events tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatPhase {
    /// Offered, not answered yet.
    Offered,
    /// Connected.
    Connected,
}

/// Follows the agent's chats through its events; voice calls are left alone.
#[derive(Debug, Clone, Default)]
pub struct ChatTracker {
    chats: BTreeMap<String, ChatPhase>,
}

impl ChatTracker {
    /// A tracker that knows of no chat.
    pub fn new() -> Self {
        Self::default()
    }

    /// The chat event `event` means, if it concerns a chat.
    pub fn apply(&mut self, event: &AgentEvent) -> Option<ChatEvent> {
        match event {
            AgentEvent::Ringing(c) => {
                let media = c.media_type.as_deref().unwrap_or("");
                let call_id = c.callid.clone().filter(|id| !id.is_empty())?;
                if !CHAT_MEDIA_TYPES.contains(&media) {
                    return None;
                }
                self.chats.insert(call_id.clone(), ChatPhase::Offered);
                let from = c.transfrom.clone().filter(|f| !f.is_empty());
                Some(ChatEvent::Offered(ChatOffer {
                    call_id,
                    customer: c.caller.clone(),
                    channel: c.called.clone(),
                    media_type: media.to_owned(),
                    transferred_from: from,
                }))
            }
            AgentEvent::Talking(c) => {
                let id = c.callid.as_deref()?;
                let phase = self.chats.get_mut(id)?;
                if *phase == ChatPhase::Connected {
                    return None;
                }
                *phase = ChatPhase::Connected;
                Some(ChatEvent::Connected { call_id: id.to_owned() })
            }
            AgentEvent::MessageData(c) => {
                let id = c.callid.as_deref()?;
                self.chats.contains_key(id).then(|| ChatEvent::Message {
                    call_id: id.to_owned(),
                    from: c.caller.clone(),
                    text: c.message.clone().unwrap_or_default(),
                })
            }
            AgentEvent::CallRelease { call_id } => {
                self.chats.remove(call_id)?;
                Some(ChatEvent::Ended { call_id: call_id.clone(), by_customer: false })
            }
            AgentEvent::CustomerRelease(c) => {
                let id = c.callid.as_deref()?;
                self.chats.remove(id)?;
                Some(ChatEvent::Ended { call_id: id.to_owned(), by_customer: true })
            }
            // The session is gone: so are its chats.
            AgentEvent::ShutdownService(_) => {
                self.chats.clear();
                None
            }
            _ => None,
        }
    }

    /// The chats open now, by call id.
    pub fn chats(&self) -> impl Iterator<Item = (&str, ChatPhase)> {
        self.chats.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// Where the chat `call_id` is, if it is open.
    pub fn phase(&self, call_id: &str) -> Option<ChatPhase> {
        self.chats.get(call_id).copied()
    }
}

/// The chat events of an agent's event stream (from [`AgentSession::events`]);
/// voice calls, agent states and lag reports are left out. It ends where the
/// event stream ends, with its error if it has one.
pub fn chat_events(
    events: impl Stream<Item = EventItem> + Send + 'static,
) -> impl Stream<Item = Result<ChatEvent, Error>> + Send + 'static {
    let mut tracker = ChatTracker::new();
    events.filter_map(move |item| {
        let out = match item {
            Ok(SessionEvent::Event(e)) => tracker.apply(&e).map(Ok),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        };
        std::future::ready(out)
    })
}

/// Where a chat is transferred to (`mediacall.transfer` takes these three).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatTransferTarget {
    /// A skill queue.
    Queue(u32),
    /// An agent, by work number.
    Agent(String),
    /// A system access code.
    AccessCode(String),
}

impl AgentSession {
    fn chat_in(&self, op: &'static str, call_id: &str, state: CallState) -> Result<(), Error> {
        let v = self.live(op)?;
        match v.calls.iter().find(|c| c.call_id == call_id) {
            Some(c) if c.state == state => Ok(()),
            Some(_) if state == CallState::Ringing => Err(refuse(op, "that chat is not ringing")),
            Some(_) => Err(refuse(op, "that chat is not connected")),
            None => Err(refuse(op, "the agent has no chat with this call id")),
        }
    }

    /// Answers the chat offered as `call_id` (`voicecall.answer` with its call id);
    /// fails locally when that chat does not ring at the agent.
    pub async fn answer_chat(&self, call_id: &str) -> Result<(), Error> {
        self.chat_in("voicecall.answer", call_id, CallState::Ringing)?;
        self.client.voicecall_answer().agentid(self.id()).callid(call_id).send().await?;
        self.core.update(|v| v.set_call_state(call_id, CallState::Talking));
        Ok(())
    }

    /// Sends `text` to the customer of the connected chat `call_id`
    /// (`mediacall.sendMessage`). Refused locally, before any request, when
    /// the chat is not connected, the text is empty or longer than
    /// [`MAX_CHAT_MESSAGE_BYTES`]. Sent once: a message is never repeated.
    pub async fn send_message(&self, call_id: &str, text: &str) -> Result<(), Error> {
        const OP: &str = "mediacall.sendMessage";
        if text.is_empty() {
            return Err(refuse(OP, "an empty message"));
        }
        if text.len() > MAX_CHAT_MESSAGE_BYTES {
            return Err(refuse(OP, "the message is longer than the 3.8 KB the platform takes"));
        }
        self.chat_in(OP, call_id, CallState::Talking)?;
        self.client
            .mediacall_send_message()
            .agentid(self.id())
            .callid(call_id)
            .data(serde_json::Value::String(text.to_owned()))
            .send()
            .await?;
        Ok(())
    }

    /// Hands the connected chat `call_id` on (`mediacall.transfer`): with
    /// [`TransferMode::Release`] the agent leaves at once; with
    /// [`TransferMode::Success`] it stays until the target answers.
    pub async fn transfer_chat(&self, call_id: &str, to: ChatTransferTarget, mode: TransferMode) -> Result<(), Error> {
        const OP: &str = "mediacall.transfer";
        self.chat_in(OP, call_id, CallState::Talking)?;
        let (device, address) = match &to {
            ChatTransferTarget::Queue(q) => (1, q.to_string()),
            ChatTransferTarget::Agent(a) => (2, a.clone()),
            ChatTransferTarget::AccessCode(a) => (4, a.clone()),
        };
        if address.is_empty() || address.len() > 24 {
            return Err(refuse(OP, "the target is empty or longer than 24 characters"));
        }
        if matches!(&to, ChatTransferTarget::Agent(a) if a == self.id()) {
            return Err(refuse(OP, "an agent cannot transfer to itself"));
        }
        let mode = match mode {
            TransferMode::Release => 0,
            TransferMode::Success => 2,
        };
        self.client
            .mediacall_transfer()
            .agentid(self.id())
            .callid(call_id)
            .devicetype(device)
            .mode(mode)
            .address(address)
            .send()
            .await?;
        Ok(())
    }

    /// Ends the chat `call_id` for the agent (`voicecall.dropcall` with its
    /// call id; other chats and calls stay). Sent once.
    pub async fn close_chat(&self, call_id: &str) -> Result<(), Error> {
        const OP: &str = "voicecall.dropcall";
        let v = self.live(OP)?;
        if !v.calls.iter().any(|c| c.call_id == call_id) {
            return Err(refuse(OP, "the agent has no chat with this call id"));
        }
        self.client.voicecall_dropcall().agentid(self.id()).callid(call_id).send().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn ev(wire: &str, content: serde_json::Value) -> AgentEvent {
        AgentEvent::from_raw(wire, content)
    }

    fn ring(call: &str, media: &str) -> AgentEvent {
        ev(
            "AgentEvent_Ringing",
            json!({"callid": call, "caller": "cust", "called": "ch1", "mediaType": media, "transfrom": ""}),
        )
    }

    #[test]
    fn two_chats_at_once_are_told_apart_and_voice_calls_ignored() {
        let mut t = ChatTracker::new();
        assert_eq!(t.apply(&ring("v1", "5")), None);
        let Some(ChatEvent::Offered(o)) = t.apply(&ring("c1", "1")) else { panic!("an offer") };
        assert_eq!((o.call_id.as_str(), o.customer.as_deref(), o.transferred_from), ("c1", Some("cust"), None));
        assert!(matches!(t.apply(&ring("c2", "53")), Some(ChatEvent::Offered(_))));
        assert_eq!(
            t.apply(&ev("AgentEvent_Talking", json!({"callid": "c2"}))),
            Some(ChatEvent::Connected { call_id: "c2".into() })
        );
        assert_eq!(t.apply(&ev("AgentEvent_Talking", json!({"callid": "v1"}))), None);
        assert_eq!(
            t.apply(&ev("AgentEvent_MessageData", json!({"callid": "c1", "caller": "cust", "message": "hi"}))),
            Some(ChatEvent::Message { call_id: "c1".into(), from: Some("cust".into()), text: "hi".into() })
        );
        assert_eq!(t.apply(&ev("AgentEvent_MessageData", json!({"callid": "zz", "message": "x"}))), None);
        assert_eq!(t.phase("c1"), Some(ChatPhase::Offered));
        assert_eq!(t.phase("c2"), Some(ChatPhase::Connected));
        assert_eq!(
            t.apply(&ev("AgentEvent_Customer_Release", json!({"callid": "c2", "number": "cust"}))),
            Some(ChatEvent::Ended { call_id: "c2".into(), by_customer: true })
        );
        assert_eq!(
            t.apply(&ev("AgentEvent_Call_Release", json!("c1"))),
            Some(ChatEvent::Ended { call_id: "c1".into(), by_customer: false })
        );
        assert_eq!(t.apply(&ev("AgentEvent_Call_Release", json!("v1"))), None);
        assert_eq!(t.chats().count(), 0);
    }

    #[test]
    fn a_ringing_event_without_call_id_or_media_is_no_offer() {
        let mut t = ChatTracker::new();
        assert_eq!(t.apply(&ev("AgentEvent_Ringing", json!({"mediaType": "1"}))), None);
        assert_eq!(t.apply(&ev("AgentEvent_Ringing", json!({"callid": "c9"}))), None);
        assert_eq!(t.chats().count(), 0);
    }
}
