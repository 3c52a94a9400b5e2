//! Push mode end to end: the simulator POSTs agent events to a
//! `cec_gateway::PushReceiver`, which checks `service_token` and `Guid` and
//! feeds the session's stream; the session keeps itself with `handshake`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_gateway::{AgentSession, AgentState, PushReceiver};
use common::{next_of, opts, wait_for_state};
use futures_util::StreamExt;
use serde_json::json;

async fn receiver() -> PushReceiver {
    PushReceiver::start("127.0.0.1:0".parse().unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_events_across_guid_rotations_none_lost_or_repeated() {
    let sim = common::start(cec_sim::SimConfig { guid_rotation: Duration::from_millis(150), ..common::fast() }).await;
    let rx = receiver().await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let mut o = opts(&sim).push(rx.inbox(), rx.url(), "pushToken42");
    o.heartbeat_every = Duration::from_millis(40);
    let s = AgentSession::sign_in(gw, o).await.unwrap();
    assert!(sim.agent("1001").unwrap().push_mode);
    assert_eq!(rx.inbox().len(), 1);
    let mut ev = Box::pin(s.events().unwrap());
    next_of(&mut ev, "AgentState_Ready").await;

    let mut calls = Vec::new();
    for n in 0..4 {
        let call = sim.inject_call("1001", &format!("1380000000{n}")).unwrap();
        wait_for_state(&s, |v| v.ringing().is_some()).await;
        s.answer().await.unwrap();
        wait_for_state(&s, |v| v.talking().is_some()).await;
        // Let a rotation or two happen mid-call.
        tokio::time::sleep(Duration::from_millis(160)).await;
        s.release().await.unwrap();
        wait_for_state(&s, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
        calls.push(call);
    }
    let rotations = sim.agent("1001").unwrap().guid_rotations;
    assert!(rotations >= 3, "GUID rotated {rotations} times");
    s.sign_out().await.unwrap();
    assert!(rx.inbox().is_empty());
    drop(s);

    // Exactly Ringing, Talking, Call_Release, Ready per call, in order.
    let mut got = Vec::new();
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_millis(300), ev.next()).await {
        got.push(item.unwrap().into_event().unwrap().event_type().to_owned());
    }
    let want: Vec<&str> = calls
        .iter()
        .flat_map(|_| ["AgentEvent_Ringing", "AgentEvent_Talking", "AgentEvent_Call_Release", "AgentState_Ready"])
        .collect();
    assert_eq!(got, want);
    rx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receiver_checks_token_and_guid_and_ignores_redelivery() {
    let sim = common::start(cec_sim::SimConfig { dynamic_guid: false, ..common::fast() }).await;
    let rx = receiver().await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let mut o = opts(&sim).push(rx.inbox(), rx.url(), "pushToken42");
    o.heartbeat_every = Duration::from_millis(40);
    let s = AgentSession::sign_in(gw, o).await.unwrap();
    let mut ev = Box::pin(s.events().unwrap());
    next_of(&mut ev, "AgentState_Ready").await;
    let guid = s.client().guid().unwrap();
    let http = common::http();
    let body = json!({"workNo": "1001", "eventList": [{"eventType": "AgentState_SetNotReady_Success", "workNo": "1001", "content": {"reason": "201"}}]});
    let post = |token: &str, guid: &str, body: String| {
        http.post(rx.url())
            .header("service_token", token)
            .header("guid", guid)
            .header("content-type", "application/json")
            .body(body)
    };
    let r = common::send(post("wrong", guid.expose_str(), body.to_string())).await;
    assert_eq!((r.status, r.json["retcode"].as_str()), (401, Some("100-001")));
    let r = common::send(post("pushToken42", "not-the-guid", body.to_string())).await;
    assert_eq!((r.status, r.json["retcode"].as_str()), (401, Some("000-003")));
    let r = common::send(post("pushToken42", guid.expose_str(), "{not json".into())).await;
    assert_eq!(r.status, 400);
    let other = json!({"workNo": "1002", "eventList": []});
    let r = common::send(post("pushToken42", guid.expose_str(), other.to_string())).await;
    assert_eq!(r.status, 404);

    // Accepted once; the same bytes again are acknowledged but not applied twice.
    for _ in 0..2 {
        let r = common::send(post("pushToken42", guid.expose_str(), body.to_string())).await;
        assert_eq!((r.status, r.json["retcode"].as_str()), (200, Some("0")));
    }
    next_of(&mut ev, "AgentState_SetNotReady_Success").await;
    sim.inject_call("1001", "13800000009").unwrap();
    let next = tokio::time::timeout(Duration::from_secs(5), ev.next()).await.unwrap().unwrap().unwrap();
    let next = next.into_event().unwrap();
    assert_eq!(next.event_type(), "AgentEvent_Ringing", "the re-delivered batch was not applied again");
    s.release().await.map(|_| ()).unwrap_or(());
    drop(s);
    rx.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_that_keep_failing_sign_the_agent_out() {
    let sim = common::start(cec_sim::SimConfig {
        push_retry: Duration::from_millis(30),
        push_fail_total: Duration::from_millis(300),
        ..common::fast()
    })
    .await;
    // A receiver that is gone: nothing listens at its URL any more.
    let rx = receiver().await;
    let url = rx.url();
    let inbox = rx.inbox().clone();
    rx.shutdown().await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let mut o = opts(&sim).push(&inbox, url, "pushToken42");
    o.heartbeat_every = Duration::from_millis(40);
    let s = AgentSession::sign_in(gw, o).await.unwrap();
    let mut ev = Box::pin(s.events().unwrap());
    // The platform gives up on the agent; the next heartbeat learns it, and the stream ends with that error.
    let item = tokio::time::timeout(Duration::from_secs(5), ev.next()).await.unwrap().unwrap();
    let e = item.unwrap_err();
    assert_eq!(e.code(), Some("100-006"));
    assert!(!sim.agent("1001").unwrap().signed_in);
    assert_eq!(s.view().state, AgentState::SignedOut);
}
