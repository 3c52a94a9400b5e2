//! `cec_gateway::AgentSession` against the simulator: sign-in rules, the typed
//! event stream, state tracking, local refusal of illegal actions, GUID
//! rotation without lost or repeated events, and the terminal error when the
//! platform drops the session.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_gateway::{AgentEvent, AgentSession, AgentState, CallState};
use futures_util::StreamExt;

use common::{next_of, opts, wait_for_state};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_through_the_session() {
    let sim = common::start(common::fast()).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let s = AgentSession::sign_in(gw, opts(&sim)).await.unwrap();
    let mut events = Box::pin(s.events().unwrap());
    assert!(s.events().is_none(), "the stream is handed out once");
    next_of(&mut events, "AgentState_Ready").await;
    assert_eq!(s.view().state, AgentState::Idle);

    // Nothing rings: refused locally, nothing sent.
    let e = s.answer().await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert!(!e.may_have_been_sent());

    let call = sim.inject_call("1001", "13800000001").unwrap();
    match next_of(&mut events, "AgentEvent_Ringing").await {
        AgentEvent::Ringing(c) => assert_eq!(c.callid.as_deref(), Some(call.as_str())),
        other => panic!("{other:?}"),
    }
    wait_for_state(&s, |v| v.ringing().is_some()).await;
    s.answer().await.unwrap();
    next_of(&mut events, "AgentEvent_Talking").await;
    wait_for_state(&s, |v| v.calls.first().map(|c| c.state) == Some(CallState::Talking)).await;
    s.release().await.unwrap();
    match next_of(&mut events, "AgentEvent_Call_Release").await {
        AgentEvent::CallRelease { call_id } => assert_eq!(call_id, call),
        other => panic!("{other:?}"),
    }
    wait_for_state(&s, |v| v.calls.is_empty()).await;
    let e = s.release().await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    s.sign_out().await.unwrap();
    assert!(!sim.agent("1001").unwrap().signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_in_elsewhere_needs_force() {
    let sim = common::start(common::fast()).await;
    let first =
        AgentSession::sign_in(cec_gateway::Client::new(common::config(&sim)).unwrap(), opts(&sim)).await.unwrap();
    let e =
        AgentSession::sign_in(cec_gateway::Client::new(common::config(&sim)).unwrap(), opts(&sim)).await.unwrap_err();
    assert_eq!(e.code(), Some("100-002"));
    let mut o = opts(&sim);
    o.force = true;
    let second = AgentSession::sign_in(cec_gateway::Client::new(common::config(&sim)).unwrap(), o).await.unwrap();
    // The first session's GUID is gone: its stream ends with the platform's 100-006.
    let mut events = Box::pin(first.events().unwrap());
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match events.next().await {
                Some(Err(e)) => return e,
                Some(Ok(_)) => continue,
                None => panic!("stream ended without an error"),
            }
        }
    })
    .await
    .expect("the first session learns it is gone");
    assert_eq!(end.code(), Some("100-006"));
    assert_eq!(first.view().state, AgentState::SignedOut);
    second.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_lost_or_repeated_across_guid_rotations() {
    let config = cec_sim::SimConfig {
        poll_wait: Duration::from_millis(30),
        guid_rotation: Duration::from_millis(60),
        ..Default::default()
    };
    let sim = common::start(config).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let s = AgentSession::sign_in(gw, opts(&sim)).await.unwrap();
    let mut events = Box::pin(s.events().unwrap());
    next_of(&mut events, "AgentState_Ready").await;
    let mut calls = Vec::new();
    for n in 0..5 {
        let call = sim.inject_call("1001", &format!("1380000000{n}")).unwrap();
        next_of(&mut events, "AgentEvent_Ringing").await;
        wait_for_state(&s, |v| v.ringing().is_some()).await;
        s.answer().await.unwrap();
        next_of(&mut events, "AgentEvent_Talking").await;
        tokio::time::sleep(Duration::from_millis(70)).await; // at least one rotation mid-call
        wait_for_state(&s, |v| !v.calls.is_empty() && v.ringing().is_none()).await;
        s.release().await.unwrap();
        match next_of(&mut events, "AgentEvent_Call_Release").await {
            AgentEvent::CallRelease { call_id } => calls.push(call_id),
            other => panic!("{other:?}"),
        }
        assert_eq!(calls.last(), Some(&call));
        next_of(&mut events, "AgentState_Ready").await;
    }
    let rotations = s.client().guid_auth().rotations();
    assert!(rotations >= 4, "the GUID rotated during the calls ({rotations})");
    // Each call's release arrived exactly once, in order.
    let mut unique = calls.clone();
    unique.dedup();
    assert_eq!(unique.len(), 5);
    // 2 sign-in events + 5 × (ringing, talking, release, ready): nothing more, nothing less.
    assert_eq!(s.view().events_seen, 2 + 5 * 4);
    assert_eq!(sim.agent("1001").unwrap().queued_events, 0);
    s.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn re_sign_in_recovers_a_session_taken_over() {
    let sim = common::start(common::fast()).await;
    let mut o = opts(&sim);
    o.resign_in = true;
    let s = AgentSession::sign_in(cec_gateway::Client::new(common::config(&sim)).unwrap(), o).await.unwrap();
    let mut events = Box::pin(s.events().unwrap());
    next_of(&mut events, "AgentState_Ready").await;
    let before = s.client().guid().unwrap().expose_str().to_owned();
    // Someone else forces a sign-in: the session's GUID is refused (100-006) ...
    let other = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let a = &sim.scenario().agents[0];
    other
        .onlineagent_forcelogin()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    // ... and the session signs in again by itself, with a new GUID, and keeps delivering events.
    for _ in 0..250 {
        if s.client().guid().map(|g| g.expose_str() != before).unwrap_or(false)
            && other.guid_auth().guid().is_some()
            && sim.agent("1001").unwrap().signed_in
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_ne!(s.client().guid().unwrap().expose_str(), before, "a new GUID after re-sign-in");
    next_of(&mut events, "AgentState_Ready").await;
    let call = sim.inject_call("1001", "13800000009").unwrap();
    match next_of(&mut events, "AgentEvent_Ringing").await {
        AgentEvent::Ringing(c) => assert_eq!(c.callid.as_deref(), Some(call.as_str())),
        other => panic!("{other:?}"),
    }
    // Signing out with a call offered is refused (100-007 here); the session goes on.
    assert_eq!(s.sign_out().await.unwrap_err().code(), Some("100-007"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sim.agent("1001").unwrap().signed_in);
    s.answer().await.unwrap();
    next_of(&mut events, "AgentEvent_Talking").await;
    s.release().await.unwrap();
    next_of(&mut events, "AgentState_Ready").await;
    s.sign_out().await.unwrap();
    assert!(!sim.agent("1001").unwrap().signed_in);
}
