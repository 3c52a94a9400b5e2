//! The agent's side of a web chat through `AgentSession` against the
//! simulator: the chat offered as a typed event, answered, messages each way,
//! refused locally when not connected or too long, transferred to another
//! agent, closed by the agent while the customer still types.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_gateway::{AgentSession, AgentState, ChatEvent, ChatTransferTarget, TransferMode, chat_events};
use cec_sim::Simulator;
use futures_util::{Stream, StreamExt};

use common::{agent_opts, wait_for_state};

/// The customer's web chat through API Fabric (`ccmessaging.*`).
struct Customer {
    af: cec_apifabric::Client,
    user: String,
    channel: String,
}

impl Customer {
    async fn open(sim: &Simulator, user: &str) -> Customer {
        let sc = sim.scenario();
        let creds = cec_apifabric::ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone());
        let af = cec_apifabric::Client::new(common::config(sim), common::config(sim), creds).unwrap();
        af.ccmessaging_apply_token()
            .user_id(user)
            .user_name("Customer")
            .channel_id(sc.channel_id.clone())
            .locale("en")
            .send()
            .await
            .unwrap();
        let c = Customer { af, user: user.into(), channel: sc.channel_id.clone() };
        c.send("CONNECT", "").await.unwrap();
        c
    }

    async fn send(&self, control: &str, text: &str) -> Result<(), cec_apifabric::Error> {
        self.af
            .ccmessaging_send()
            .channel("WEB")
            .control_type(control)
            .content(text)
            .from(self.user.as_str())
            .to(self.channel.as_str())
            .media_type("TEXT")
            .source_type("CUSTOMER")
            .timestamp("1768465800000")
            .send()
            .await
            .map(|_| ())
    }

    /// The downlink messages waiting: (sourceType, content).
    async fn poll(&self) -> Vec<(String, String)> {
        let r = self.af.ccmessaging_poll().receiver_id(self.user.as_str()).channel("WEB").send().await.unwrap();
        r.downlink_messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.source_type.unwrap_or_default(), m.content.unwrap_or_default()))
            .collect()
    }
}

async fn next_chat(events: &mut (impl Stream<Item = Result<ChatEvent, cec_gateway::Error>> + Unpin)) -> ChatEvent {
    tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("a chat event within 5 s")
        .expect("stream open")
        .expect("no error")
}

async fn signed_in(sim: &Simulator, n: usize) -> AgentSession {
    let gw = cec_gateway::Client::new(common::config(sim)).unwrap();
    let s = AgentSession::sign_in(gw, agent_opts(sim, n)).await.unwrap();
    wait_for_state(&s, |v| v.state == AgentState::Idle).await;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_answered_transferred_and_closed_by_the_agents() {
    let sim = common::start(common::fast()).await;
    let a1 = signed_in(&sim, 0).await;
    let mut chats1 = Box::pin(chat_events(a1.events().unwrap()));

    let customer = Customer::open(&sim, "web-cust-1").await;
    customer.send("TRANS2AGENT", "").await.unwrap();
    let ChatEvent::Offered(offer) = next_chat(&mut chats1).await else { panic!("an offer first") };
    assert_eq!(offer.media_type, "1");
    assert_eq!(offer.customer.as_deref(), Some("web-cust-1"));
    assert_eq!(offer.transferred_from, None);
    let call = offer.call_id.clone();

    // Not connected yet: refused locally, nothing sent.
    let e = a1.send_message(&call, "too early").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert!(!e.may_have_been_sent());
    let e = a1.answer_chat("no-such-chat").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);

    a1.answer_chat(&call).await.unwrap();
    assert_eq!(next_chat(&mut chats1).await, ChatEvent::Connected { call_id: call.clone() });
    let joined = customer.poll().await;
    assert!(joined.iter().any(|(src, text)| src == "SYSTEM" && text.contains("Agent 1001")), "{joined:?}");

    a1.send_message(&call, "Hello, how can I help?").await.unwrap();
    let got = customer.poll().await;
    assert_eq!(got, vec![("AGENT".to_owned(), "Hello, how can I help?".to_owned())]);

    customer.send("CHAT", "where is my order?").await.unwrap();
    match next_chat(&mut chats1).await {
        ChatEvent::Message { call_id, text, .. } => {
            assert_eq!((call_id, text.as_str()), (call.clone(), "where is my order?"))
        }
        other => panic!("{other:?}"),
    }

    // Longer than the platform takes: refused before sending.
    let long = "x".repeat(cec_gateway::MAX_CHAT_MESSAGE_BYTES + 1);
    let e = a1.send_message(&call, &long).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert!(!e.may_have_been_sent());

    // Handed to agent 1002 (release transfer): 1001 is out, 1002 is offered the chat.
    let a2 = signed_in(&sim, 1).await;
    let mut chats2 = Box::pin(chat_events(a2.events().unwrap()));
    let e = a1.transfer_chat(&call, ChatTransferTarget::Agent("1001".into()), TransferMode::Release).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage, "not to itself");
    a1.transfer_chat(&call, ChatTransferTarget::Agent("1002".into()), TransferMode::Release).await.unwrap();
    assert_eq!(next_chat(&mut chats1).await, ChatEvent::Ended { call_id: call.clone(), by_customer: false });
    let ChatEvent::Offered(o2) = next_chat(&mut chats2).await else { panic!("the transferred chat is offered") };
    assert_eq!(
        (o2.call_id.as_str(), o2.transferred_from.as_deref(), o2.media_type.as_str()),
        (call.as_str(), Some("1001"), "1")
    );
    a2.answer_chat(&call).await.unwrap();
    assert_eq!(next_chat(&mut chats2).await, ChatEvent::Connected { call_id: call.clone() });

    customer.send("CHAT", "still there?").await.unwrap();
    match next_chat(&mut chats2).await {
        ChatEvent::Message { text, .. } => assert_eq!(text, "still there?"),
        other => panic!("{other:?}"),
    }
    // The old agent's session no longer has the chat.
    let e = a1.send_message(&call, "me again").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    a2.send_message(&call, "Yes, agent 1002 here.").await.unwrap();
    let got = customer.poll().await;
    assert!(got.contains(&("AGENT".to_owned(), "Yes, agent 1002 here.".to_owned())), "{got:?}");

    // The agent closes while the customer types: the customer is told, its next message is refused.
    a2.close_chat(&call).await.unwrap();
    assert_eq!(next_chat(&mut chats2).await, ChatEvent::Ended { call_id: call.clone(), by_customer: false });
    let left = customer.poll().await;
    assert!(left.iter().any(|(src, text)| src == "SYSTEM" && text.contains("has left")), "{left:?}");
    assert!(customer.send("CHAT", "one more thing").await.is_err());
    let e = a2.close_chat(&call).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);

    a1.sign_out().await.unwrap();
    a2.sign_out().await.unwrap();
}

/// Waits until the simulator's view of agent 1001 satisfies `f`.
async fn until_agent(sim: &Simulator, what: &str, f: impl Fn(&cec_sim::AgentSnapshot) -> bool) {
    for _ in 0..250 {
        if sim.agent("1001").is_some_and(|a| f(&a)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("agent 1001: {what}: {:?}", sim.agent("1001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_share_the_agent_up_to_its_limit_and_a_voice_call_takes_it_whole() {
    let sim = common::start(common::fast()).await;
    assert_eq!(sim.scenario().max_chats, 3, "the scenario's default");
    let a1 = signed_in(&sim, 0).await;
    let mut chats = Box::pin(chat_events(a1.events().unwrap()));
    let queue = sim.scenario().chat_queue;
    let c: Vec<String> = (0..4).map(|i| sim.inject_queue_call(queue, &format!("chat-{i}")).unwrap()).collect();
    for want in &c[..3] {
        let ChatEvent::Offered(o) = next_chat(&mut chats).await else { panic!("an offer") };
        assert_eq!(&o.call_id, want, "offered in queue order, all to the one agent");
    }
    assert_eq!(sim.agent("1001").unwrap().chats, c[..3].to_vec());
    assert!(tokio::time::timeout(Duration::from_millis(300), chats.next()).await.is_err(), "the 4th waits: limit 3");

    // A voice call neither rings at a chatting agent nor gets injected there.
    let voice = sim.inject_queue_call(1, "13800000009").unwrap();
    assert!(sim.inject_call("1001", "13800000008").is_err());

    // The second chat answered by its call id; the first (still ringing) closed.
    a1.answer_chat(&c[1]).await.unwrap();
    assert_eq!(next_chat(&mut chats).await, ChatEvent::Connected { call_id: c[1].clone() });
    a1.close_chat(&c[0]).await.unwrap();
    assert_eq!(next_chat(&mut chats).await, ChatEvent::Ended { call_id: c[0].clone(), by_customer: false });
    let ChatEvent::Offered(o) = next_chat(&mut chats).await else { panic!("the 4th chat, now there is room") };
    assert_eq!(o.call_id, c[3]);

    // The agent's own limit (`mediacall.setCallNums`): only for a media type of its queues.
    let gw = a1.client();
    let e = gw.mediacall_set_call_nums().agentid("1001").media_type("53").callnums("2").send().await.unwrap_err();
    assert_eq!(e.code(), Some("000-002"), "no social-chat queue: {e}");
    gw.mediacall_set_call_nums().agentid("1001").media_type("1").callnums("1").send().await.unwrap();
    a1.close_chat(&c[2]).await.unwrap();
    assert_eq!(next_chat(&mut chats).await, ChatEvent::Ended { call_id: c[2].clone(), by_customer: false });
    let fifth = sim.inject_queue_call(queue, "chat-5").unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(300), chats.next()).await.is_err(), "over the new limit of 1");

    // Chats closed one by one: the voice call, first in line, takes the idle agent.
    for id in [&c[1], &c[3]] {
        a1.close_chat(id).await.unwrap();
        assert_eq!(next_chat(&mut chats).await, ChatEvent::Ended { call_id: id.clone(), by_customer: false });
    }
    until_agent(&sim, "rung by the voice call", |a| a.call.as_deref() == Some(voice.as_str())).await;
    assert!(sim.agent("1001").unwrap().chats.is_empty(), "no chat rings beside a voice call");
    wait_for_state(&a1, |v| v.ringing().is_some()).await;
    a1.answer().await.unwrap();
    sim.hang_up(&voice).unwrap();
    let ChatEvent::Offered(o) = next_chat(&mut chats).await else { panic!("the waiting chat after the voice call") };
    assert_eq!(o.call_id, fifth);
    a1.close_chat(&fifth).await.unwrap();
    assert_eq!(next_chat(&mut chats).await, ChatEvent::Ended { call_id: fifth, by_customer: false });
    until_agent(&sim, "idle", |a| a.call.is_none() && a.chats.is_empty()).await;
    a1.sign_out().await.unwrap();
}
