//! Several chats at once, end to end against `cec sim`: two customers on
//! `ChatSession` (web channel, token through `FabricAccess`) ask for an agent;
//! the same agent gets both as `Chat` handles from `AgentSession::chats`,
//! answers both, and the messages interleave. Each customer message arrives on
//! its own chat's stream only, once; each reply reaches its own customer only;
//! one customer leaves while the other chat goes on; the simulator's chat
//! limit (`mediacall.setCallNums`) holds a third chat back until one ends.
#![cfg(feature = "fabric")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_gateway::{AgentSession, AgentState, Chat, ChatEvent, SignIn};
use cec_messaging::{ChatSession, Config, Source};
use cec_sim::{SimConfig, Simulator};
use common::{TICK, WITHIN};
use futures_util::{Stream, StreamExt};

async fn customer(sim: &Simulator, user: &str) -> ChatSession {
    let mut chat = common::session(sim, user).await;
    assert_eq!(chat.next_message(TICK).await.unwrap().source, Source::Robot, "the robot greets first");
    chat
}

async fn next<S: Stream + Unpin>(s: &mut S, what: &str) -> S::Item {
    tokio::time::timeout(WITHIN, s.next()).await.unwrap_or_else(|_| panic!("{what} within 5 s")).expect("stream open")
}

/// The customer's next message from the agent (system notes skipped).
async fn from_agent(c: &mut ChatSession) -> String {
    loop {
        let m = tokio::time::timeout(WITHIN, c.next_message(TICK)).await.expect("a message").unwrap();
        if m.source == Source::Agent {
            return m.content;
        }
    }
}

/// The chat's next customer message (the connected event skipped).
async fn text_on(chat: &mut Chat) -> String {
    loop {
        match next(chat, "a chat event").await {
            ChatEvent::Message { call_id, text, .. } => {
                assert_eq!(call_id, chat.call_id(), "only this chat's events on its stream");
                return text;
            }
            ChatEvent::Connected { .. } => continue,
            other => panic!("{}: {other:?}", chat.call_id()),
        }
    }
}

/// Nothing more on the chat's stream for a while.
async fn quiet(chat: &mut Chat) {
    if let Ok(ev) = tokio::time::timeout(Duration::from_millis(300), chat.next()).await {
        panic!("{}: nothing more expected, got {ev:?}", chat.call_id());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_agent_two_chats_interleaved_each_on_its_own_stream() {
    let sim = Simulator::start(SimConfig { poll_wait: Duration::from_millis(50), ..Default::default() }).await.unwrap();
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    let mut opts = SignIn::new(a.id.as_str(), a.password.as_str(), a.phone.as_str());
    opts.poll_pause = TICK;
    let agent = AgentSession::sign_in(gw.clone(), opts).await.unwrap();
    let mut chats = agent.chats().expect("the stream of chats");
    assert!(agent.chats().is_none(), "taken once");
    for _ in 0..250 {
        if agent.view().state == AgentState::Idle {
            break;
        }
        tokio::time::sleep(TICK).await;
    }
    // Two chats at once at most, for this test (the scenario's default is 3).
    gw.mediacall_set_call_nums().agentid(a.id.as_str()).media_type("1").callnums("2").send().await.unwrap();

    let mut ann = customer(&sim, "cust-ann").await;
    let mut bob = customer(&sim, "cust-bob").await;
    ann.transfer_to_agent().await.unwrap();
    let mut c1 = next(&mut chats, "the first chat").await;
    bob.transfer_to_agent().await.unwrap();
    let mut c2 = next(&mut chats, "the second chat, while the first rings").await;
    assert_eq!((c1.customer(), c2.customer()), (Some("cust-ann"), Some("cust-bob")));
    assert_ne!(c1.call_id(), c2.call_id());
    assert_eq!(c1.channel(), c2.channel());
    assert_eq!(sim.agent("1001").unwrap().chats, vec![c1.call_id().to_owned(), c2.call_id().to_owned()]);

    c2.answer().await.unwrap();
    c1.answer().await.unwrap();
    for c in [&mut c1, &mut c2] {
        let id = c.call_id().to_owned();
        assert_eq!(next(c, "connected").await, ChatEvent::Connected { call_id: id });
    }

    // A third customer waits: the agent is at its limit of 2.
    let mut cy = customer(&sim, "cust-cy").await;
    cy.transfer_to_agent().await.unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(400), chats.next()).await.is_err(), "no third chat yet");

    // Interleaved both ways, replies from another task through the sender.
    let s2 = c2.sender();
    ann.send_text("ann 1").await.unwrap();
    bob.send_text("bob 1").await.unwrap();
    ann.send_text("ann 2").await.unwrap();
    tokio::spawn(async move { s2.send("to bob 1").await }).await.unwrap().unwrap();
    c1.send("to ann 1").await.unwrap();
    bob.send_text("bob 2").await.unwrap();
    c2.send("to bob 2").await.unwrap();
    ann.send_text("ann 3").await.unwrap();
    assert_eq!([text_on(&mut c1).await, text_on(&mut c1).await, text_on(&mut c1).await], ["ann 1", "ann 2", "ann 3"]);
    assert_eq!([text_on(&mut c2).await, text_on(&mut c2).await], ["bob 1", "bob 2"]);
    quiet(&mut c1).await;
    quiet(&mut c2).await;
    assert_eq!(from_agent(&mut ann).await, "to ann 1");
    assert_eq!([from_agent(&mut bob).await, from_agent(&mut bob).await], ["to bob 1", "to bob 2"]);
    let ann_rest: Vec<_> = ann.poll().await.unwrap().into_iter().filter(|m| m.source == Source::Agent).collect();
    assert!(ann_rest.is_empty(), "ann gets only her replies: {ann_rest:?}");

    // Ann leaves: her chat's stream ends; Bob's goes on; the third chat comes in.
    ann.disconnect().await.unwrap();
    let id1 = c1.call_id().to_owned();
    assert_eq!(next(&mut c1, "the end").await, ChatEvent::Ended { call_id: id1, by_customer: true });
    assert!(tokio::time::timeout(WITHIN, c1.next()).await.unwrap().is_none(), "a closed chat's stream ends");
    let e = c1.send("are you there?").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage, "refused locally once the chat ended");
    let c3 = next(&mut chats, "the waiting chat, now that one ended").await;
    assert_eq!(c3.customer(), Some("cust-cy"));

    bob.send_text("bob 3").await.unwrap();
    assert_eq!(text_on(&mut c2).await, "bob 3");
    c2.send("to bob 3").await.unwrap();
    assert_eq!(from_agent(&mut bob).await, "to bob 3");
    let open: Vec<String> = agent.view().calls.into_iter().map(|c| c.call_id).collect();
    assert_eq!(open, [c2.call_id(), c3.call_id()], "Bob's chat and the third one are open");

    // The agent closes Bob's chat; it ends there too.
    c2.close().await.unwrap();
    let id2 = c2.call_id().to_owned();
    assert_eq!(next(&mut c2, "the end").await, ChatEvent::Ended { call_id: id2, by_customer: false });
    assert!(tokio::time::timeout(WITHIN, c2.next()).await.unwrap().is_none());
    c3.close().await.unwrap();
    drop(c3);
    for _ in 0..250 {
        if sim.agent("1001").unwrap().chats.is_empty() {
            break;
        }
        tokio::time::sleep(TICK).await;
    }
    assert!(sim.agent("1001").unwrap().chats.is_empty());

    agent.sign_out().await.unwrap();
    assert!(tokio::time::timeout(WITHIN, chats.next()).await.unwrap().is_none(), "the stream of chats ends");
}
