//! How an agent session ends and what a slow consumer costs, against the
//! simulator: the bounded event queue (`Lagged(n)`, heartbeat and view
//! unaffected), `shutdown(deadline)`, and the sign-out sent when a session is
//! dropped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use cec_gateway::{AgentSession, AgentState, SessionEvent};
use cec_sim::Fault;
use futures_util::StreamExt;
use serde_json::json;

use common::{opts, wait_for_state};

async fn until(what: &str, within: Duration, f: impl Fn() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < within, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn next(events: &mut (impl futures_util::Stream<Item = cec_gateway::EventItem> + Unpin)) -> SessionEvent {
    tokio::time::timeout(Duration::from_secs(5), events.next()).await.unwrap().unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_that_never_reads_gets_lagged_then_the_newest_events() {
    // An agent that stops polling for 600 ms is signed out: the heartbeat must go on.
    let sim =
        common::start(cec_sim::SimConfig { heartbeat_timeout: Duration::from_millis(600), ..common::fast() }).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let mut o = opts(&sim);
    o.event_buffer = 4;
    let s = AgentSession::sign_in(gw, o).await.unwrap();
    let mut events = Box::pin(s.events().unwrap());
    // InService and Ready, then 30 events nobody reads, then a state change.
    wait_for_state(&s, |v| v.events_seen == 2).await;
    for n in 0..30 {
        sim.emit_event("1001", "AgentEvent_Test", json!({ "n": n })).unwrap();
    }
    sim.emit_event("1001", "AgentState_SetRest_Success", json!({ "reason": "4" })).unwrap();
    wait_for_state(&s, |v| v.events_seen == 33).await;
    assert_eq!(s.view().state, AgentState::Rest, "the view saw every event");
    // Still nobody reads: the keeper polls on, the platform keeps the agent.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(sim.agent("1001").unwrap().signed_in, "the heartbeat went on while the consumer lagged");
    assert_eq!(sim.agent("1001").unwrap().queued_events, 0, "every event was taken from the platform");

    let first = next(&mut events).await;
    assert_eq!(first, SessionEvent::Lagged(29), "33 events, 4 kept");
    let mut rest = Vec::new();
    for _ in 0..4 {
        rest.push(next(&mut events).await.into_event().unwrap());
    }
    let ns: Vec<_> = rest[..3].iter().map(|e| e.content()["n"].as_u64().unwrap()).collect();
    assert_eq!(ns, [27, 28, 29], "the newest events, in order");
    assert_eq!(rest[3].event_type(), "AgentState_SetRest_Success");
    // And the stream goes on normally.
    sim.emit_event("1001", "AgentEvent_Test", json!({ "n": 30 })).unwrap();
    assert_eq!(next(&mut events).await.into_event().unwrap().content()["n"], 30);
    s.shutdown(Instant::now() + Duration::from_secs(5)).await.unwrap();
    assert!(
        tokio::time::timeout(Duration::from_secs(5), events.next()).await.unwrap().is_none(),
        "the stream ends at sign-out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_retries_a_failed_sign_out_and_returns_a_refusal_at_once() {
    let sim = common::start(common::fast()).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let s = AgentSession::sign_in(gw, opts(&sim)).await.unwrap();
    wait_for_state(&s, |v| v.state == AgentState::Idle).await;
    let call = sim.inject_call("1001", "13800000001").unwrap();
    wait_for_state(&s, |v| v.ringing().is_some()).await;
    // On a call the platform refuses: no waiting for the deadline, the session goes on.
    let t = Instant::now();
    let e = s.shutdown(Instant::now() + Duration::from_secs(30)).await.unwrap_err();
    assert_eq!(e.code(), Some("100-007"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(!s.is_signed_out() && s.view().signed_in());
    assert!(sim.agent("1001").unwrap().signed_in);
    sim.hang_up(&call).unwrap();
    wait_for_state(&s, |v| v.calls.is_empty()).await;
    // A sign-out that fails on the way (HTTP 503 twice) is sent again.
    let fault = sim.add_fault(Fault::http_error(503).on("onlineagent.logout").times(2)).unwrap();
    s.shutdown(Instant::now() + Duration::from_secs(10)).await.unwrap();
    assert!(sim.faults().iter().any(|f| f.id == fault && f.hits == 2), "{:?}", sim.faults());
    assert!(s.is_signed_out());
    assert!(!sim.agent("1001").unwrap().signed_in);
    assert_eq!(s.view().state, AgentState::SignedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_says_when_the_deadline_passed() {
    let sim = common::start(common::fast()).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let s = AgentSession::sign_in(gw, opts(&sim)).await.unwrap();
    sim.add_fault(Fault::http_error(503).on("onlineagent.logout")).unwrap();
    let e = s.shutdown(Instant::now() + Duration::from_millis(800)).await.unwrap_err();
    assert!(e.is_timeout() && e.message().contains("may still be signed in"), "{e}");
    assert!(sim.agent("1001").unwrap().signed_in, "true: the agent is still signed in");
    assert!(!s.is_signed_out(), "and the session goes on");
    sim.clear_faults();
    s.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_signed_in_session_signs_the_agent_out() {
    // The platform's own timeout is two minutes: a sign-out within seconds is the session's.
    let sim = common::start(common::fast()).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    let s = AgentSession::sign_in(gw.clone(), opts(&sim)).await.unwrap();
    wait_for_state(&s, |v| v.state == AgentState::Idle).await;
    drop(s);
    until("the dropped session's sign-out", Duration::from_secs(10), || !sim.agent("1001").unwrap().signed_in).await;
    // Once it is done the client may carry a session again.
    let mut again = None;
    for _ in 0..250 {
        match AgentSession::sign_in(gw.clone(), opts(&sim)).await {
            Ok(s) => {
                again = Some(s);
                break;
            }
            Err(e) if e.kind() == cec_core::ErrorKind::Usage => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => panic!("{e}"),
        }
    }
    let again = again.expect("the slot is free after the drop's sign-out");
    again.sign_out().await.unwrap();
}
