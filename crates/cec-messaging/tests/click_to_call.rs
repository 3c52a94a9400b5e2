//! `ChatSession::click_to_call` against `cec sim`: the customer asks for a
//! voice call from the chat (`createClickToCall`, media ability only); the
//! simulator queues it in the voice queue as an inbound call from the web
//! user, an agent gets it ringing and answers it; the customer drops it and
//! the agent is released. A second call while one is live, a video call (the
//! simulator's call model has none) and dropping with no call are refused.
#![cfg(feature = "fabric")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_gateway::CallState;
use cec_messaging::{CallMedia, CallSupport};
use cec_sim::{SimConfig, Simulator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_to_call_from_the_chat_rings_an_agent_who_answers_until_the_customer_drops_it() {
    let sim = Simulator::start(SimConfig { poll_wait: Duration::from_millis(50), ..Default::default() }).await.unwrap();
    let (_gw, agent) = common::idle_agent(&sim, 0).await;
    let mut chat = common::session(&sim, "cust-c2c").await;

    assert_eq!(chat.click_to_call_support().await.unwrap(), CallSupport { click_to_call: true, webrtc: false });
    assert_eq!(CallMedia::Audio.as_str(), "0");
    assert_eq!(CallMedia::Video.as_str(), "1");

    let e = chat.click_to_call(CallMedia::Video).await.unwrap_err();
    assert!(e.to_string().contains("video"), "the simulator says it has no video calls: {e}");
    assert!(sim.call_records().iter().all(|r| r.caller != "cust-c2c"), "nothing was queued for it");

    chat.click_to_call(CallMedia::Audio).await.unwrap();
    let from_customer = |v: &cec_gateway::AgentView, state: CallState| {
        v.calls.iter().any(|c| c.caller.as_deref() == Some("cust-c2c") && c.state == state)
    };
    common::until_view(&agent, "the call rings", |v| from_customer(v, CallState::Ringing)).await;
    let rec = sim.call_records().into_iter().find(|r| r.caller == "cust-c2c").expect("a call record");
    assert_eq!((rec.direction.as_str(), rec.media_type, rec.skill), ("in", 5, Some(1)), "{rec:?}");

    let e = chat.click_to_call(CallMedia::Audio).await.unwrap_err();
    assert!(e.to_string().contains("in progress"), "one click-to-call at a time: {e}");

    agent.answer().await.unwrap();
    common::until_view(&agent, "the agent talks", |v| from_customer(v, CallState::Talking)).await;

    chat.drop_click_to_call().await.unwrap();
    common::until_view(&agent, "the call is gone", |v| v.calls.is_empty()).await;
    let rec = sim.call_records().into_iter().find(|r| r.caller == "cust-c2c").unwrap();
    assert!(rec.answered_ms.is_some(), "{rec:?}");
    assert!(chat.drop_click_to_call().await.is_err(), "no call left to drop");

    // The chat goes on after the call.
    chat.send_text("thanks").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_click_to_call_leaves_the_queue_when_dropped() {
    let sim = Simulator::start(SimConfig { poll_wait: Duration::from_millis(50), ..Default::default() }).await.unwrap();
    let mut chat = common::session(&sim, "cust-wait").await;
    chat.click_to_call(CallMedia::Audio).await.unwrap();
    let rec = sim.call_records().into_iter().find(|r| r.caller == "cust-wait").expect("queued");
    assert!(rec.released_ms.is_none() && rec.offered_ms.is_none(), "waiting: no agent signed in");
    chat.drop_click_to_call().await.unwrap();
    let rec = sim.call_records().into_iter().find(|r| r.caller == "cust-wait").unwrap();
    assert!(rec.released_ms.is_some(), "abandoned in the queue: {rec:?}");
    chat.click_to_call(CallMedia::Audio).await.expect("a new call once the first ended");
}
