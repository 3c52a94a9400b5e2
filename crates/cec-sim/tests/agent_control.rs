//! `AgentSession` state changes and call control against the simulator: busy,
//! rest (with its expiry reminder), work, hold, mute, consultation,
//! conference, transfers, outbound and internal calls, `updateGuid`, the
//! ordering rules, and local refusal of illegal actions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use cec_core::ErrorKind;
use cec_gateway::{AgentEvent, AgentSession, AgentState, CallState, TransferMode, TransferTarget};
use common::{agent_opts, next_of, opts, wait_for_state};

type Events = std::pin::Pin<Box<dyn futures_util::Stream<Item = cec_gateway::EventItem> + Send>>;

async fn signed_in(sim: &cec_sim::Simulator, n: usize) -> (AgentSession, Events) {
    let gw = cec_gateway::Client::new(common::config(sim)).unwrap();
    let s = AgentSession::sign_in(gw, agent_opts(sim, n)).await.unwrap();
    let mut ev: Events = Box::pin(s.events().unwrap());
    next_of(&mut ev, "AgentState_Ready").await;
    wait_for_state(&s, |v| v.state == AgentState::Idle).await;
    (s, ev)
}

/// Rings a customer call at the session's agent and answers it.
async fn talking_call(sim: &cec_sim::Simulator, s: &AgentSession, ev: &mut Events) -> String {
    let call = sim.inject_call(s.agent_id(), "13800000001").unwrap();
    next_of(ev, "AgentEvent_Ringing").await;
    wait_for_state(s, |v| v.ringing().is_some()).await;
    s.answer().await.unwrap();
    next_of(ev, "AgentEvent_Talking").await;
    call
}

/// Refused by the session before anything was sent.
fn local(e: cec_gateway::Error) {
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert!(!e.may_have_been_sent(), "refused before sending: {e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_rest_work_and_ready() {
    let sim = common::start(common::fast()).await;
    let (s, mut ev) = signed_in(&sim, 0).await;

    local(s.cancel_busy().await.unwrap_err());
    local(s.cancel_rest().await.unwrap_err());
    local(s.cancel_work().await.unwrap_err());

    s.busy(Some(201)).await.unwrap();
    match next_of(&mut ev, "AgentState_SetNotReady_Success").await {
        AgentEvent::StateSetNotReadySuccess(c) => assert_eq!(c.reason.as_deref(), Some("201")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.view().state, AgentState::Busy);
    assert_eq!(sim.agent("1001").unwrap().state, cec_sim::CtiAgentState::Busy);
    s.cancel_busy().await.unwrap();
    next_of(&mut ev, "AgentState_CancelNotReady_Success").await;
    assert_eq!(s.view().state, AgentState::Idle);

    // Rest for 1 s: the reminder comes, the agent stays resting until it cancels.
    let e = s.rest(Duration::from_millis(300), 1).await.unwrap_err();
    assert!(e.is_validation() && !e.may_have_been_sent(), "{e}");
    s.rest(Duration::from_secs(1), 3).await.unwrap();
    next_of(&mut ev, "AgentState_SetRest_Success").await;
    local(s.rest(Duration::from_secs(1), 3).await.unwrap_err());
    next_of(&mut ev, "AgentState_Rest_Timeout").await;
    assert_eq!(s.view().state, AgentState::Rest);
    assert_eq!(sim.agent("1001").unwrap().state, cec_sim::CtiAgentState::Rest);
    s.cancel_rest().await.unwrap();
    next_of(&mut ev, "AgentState_CancelRest_Success").await;

    s.work().await.unwrap();
    next_of(&mut ev, "AgentState_Work").await;
    assert_eq!(s.view().state, AgentState::Work);
    s.ready().await.unwrap();
    next_of(&mut ev, "AgentState_CancelWork_Success").await;
    assert_eq!(s.view().state, AgentState::Idle);
    assert_eq!(sim.agent("1001").unwrap().state, cec_sim::CtiAgentState::Idle);

    // Busy asked for during a call starts when the call ends.
    talking_call(&sim, &s, &mut ev).await;
    local(s.work().await.unwrap_err());
    local(s.ready().await.unwrap_err());
    s.busy(None).await.unwrap();
    next_of(&mut ev, "AgentState_SetNotReady_Success").await;
    assert_eq!(s.view().state, AgentState::Idle, "still on the call");
    s.release().await.unwrap();
    next_of(&mut ev, "AgentEvent_Call_Release").await;
    next_of(&mut ev, "AgentState_SetNotReady_Success").await;
    wait_for_state(&s, |v| v.state == AgentState::Busy).await;
    s.sign_out().await.unwrap();
    local(s.busy(None).await.unwrap_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hold_mute_and_second_dial() {
    let sim = common::start(common::fast()).await;
    let (s, mut ev) = signed_in(&sim, 0).await;
    local(s.hold().await.unwrap_err());
    local(s.unhold(None).await.unwrap_err());
    local(s.mute().await.unwrap_err());
    local(s.second_dial("1").await.unwrap_err());

    let call = talking_call(&sim, &s, &mut ev).await;
    let e = s.second_dial("12a").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    s.second_dial("123#").await.unwrap();
    s.mute().await.unwrap();
    assert!(s.view().muted);
    assert!(sim.agent("1001").unwrap().muted);
    s.unmute().await.unwrap();
    assert!(!s.view().muted);

    s.hold().await.unwrap();
    match next_of(&mut ev, "AgentEvent_Hold").await {
        AgentEvent::Hold { call_id } => assert_eq!(call_id, call),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.view().calls[0].state, CallState::Held);
    assert_eq!(sim.agent("1001").unwrap().held, vec![call.clone()]);
    local(s.hold().await.unwrap_err());
    local(s.release().await.unwrap_err());
    // The platform refuses this one (100-007); it is not a local rule.
    assert_eq!(s.sign_out().await.unwrap_err().code(), Some("100-007"));
    local(s.unhold(Some("no-such-call")).await.unwrap_err());
    s.unhold(None).await.unwrap();
    next_of(&mut ev, "AgentEvent_Talking").await;
    assert_eq!(s.view().calls[0].state, CallState::Talking);
    s.release().await.unwrap();
    next_of(&mut ev, "AgentEvent_Call_Release").await;
    next_of(&mut ev, "AgentState_Ready").await;
    s.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consult_then_conference_then_customer_hangs_up() {
    let sim = common::start(common::fast()).await;
    let (a, mut ev_a) = signed_in(&sim, 0).await;
    let (b, mut ev_b) = signed_in(&sim, 1).await;
    let call = talking_call(&sim, &a, &mut ev_a).await;

    local(a.consult("1001").await.unwrap_err());
    local(a.conference(&call).await.unwrap_err());
    a.consult("1002").await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Hold").await;
    next_of(&mut ev_a, "AgentEvent_Customer_Alerting").await;
    next_of(&mut ev_b, "AgentEvent_Ringing").await;
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Talking").await;
    next_of(&mut ev_b, "AgentEvent_Talking").await;
    wait_for_state(&a, |v| v.talking().is_some() && v.held().count() == 1).await;

    a.conference(&call).await.unwrap();
    match next_of(&mut ev_a, "AgentEvent_Conference").await {
        AgentEvent::Conference(c) => {
            assert_eq!(c.callid.as_deref(), Some(call.as_str()));
            assert_eq!(c.partner.as_deref(), Some("1002"));
        }
        other => panic!("{other:?}"),
    }
    next_of(&mut ev_b, "AgentEvent_Conference").await;
    wait_for_state(&a, |v| v.calls.len() == 1 && v.calls[0].state == CallState::Conference).await;
    wait_for_state(&b, |v| v.calls.len() == 1 && v.calls[0].call_id == call).await;

    sim.hang_up(&call).unwrap();
    next_of(&mut ev_a, "AgentEvent_Customer_Release").await;
    next_of(&mut ev_b, "AgentEvent_Customer_Release").await;
    wait_for_state(&a, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    wait_for_state(&b, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    assert!(sim.hang_up(&call).is_err(), "already over");
    a.sign_out().await.unwrap();
    b.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consult_transfer_and_release_transfer() {
    let sim = common::start(common::fast()).await;
    let (a, mut ev_a) = signed_in(&sim, 0).await;
    let (b, mut ev_b) = signed_in(&sim, 1).await;

    // Consultation, then the held customer is connected to 1002 and 1001 leaves.
    let call = talking_call(&sim, &a, &mut ev_a).await;
    a.consult("1002").await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Ringing").await;
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    wait_for_state(&a, |v| v.talking().is_some()).await;
    a.connect_held(&call).await.unwrap();
    wait_for_state(&a, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    wait_for_state(&b, |v| v.calls.len() == 1 && v.calls[0].call_id == call).await;
    assert_eq!(sim.agent("1002").unwrap().call.as_deref(), Some(call.as_str()));
    b.release().await.unwrap();
    wait_for_state(&b, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;

    // Release transfer: 1001 is out at once, the call rings at 1002.
    let call = talking_call(&sim, &a, &mut ev_a).await;
    local(a.transfer(TransferTarget::Agent("1001".into()), TransferMode::Release).await.unwrap_err());
    a.transfer(TransferTarget::Agent("1002".into()), TransferMode::Release).await.unwrap();
    match next_of(&mut ev_b, "AgentEvent_Ringing").await {
        AgentEvent::Ringing(c) => {
            assert_eq!(c.callid.as_deref(), Some(call.as_str()));
            assert_eq!(c.caller.as_deref(), Some("13800000001"));
            assert_eq!(c.transfrom.as_deref(), Some("1001"));
        }
        other => panic!("{other:?}"),
    }
    wait_for_state(&a, |v| v.calls.is_empty()).await;
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    wait_for_state(&b, |v| v.talking().is_some()).await;
    b.release().await.unwrap();
    wait_for_state(&b, |v| v.calls.is_empty()).await;

    // Transfer to a queue finds the idle agent with that skill.
    let call = talking_call(&sim, &a, &mut ev_a).await;
    let skill = sim.scenario().agents[1].skills[0];
    a.transfer(TransferTarget::Queue(skill), TransferMode::Release).await.unwrap();
    wait_for_state(&b, |v| v.ringing().map(|c| c.call_id.as_str()) == Some(call.as_str())).await;
    b.answer().await.unwrap();
    b.release().await.unwrap();
    wait_for_state(&b, |v| v.calls.is_empty()).await;

    // A transfer to a busy agent fails with the platform's code; the call stays.
    b.busy(None).await.unwrap();
    let call = talking_call(&sim, &a, &mut ev_a).await;
    let e = a.transfer(TransferTarget::Agent("1002".into()), TransferMode::Release).await.unwrap_err();
    assert_eq!(e.code(), Some("200-012"));
    next_of(&mut ev_a, "AgentEvent_Connect_Fail").await;
    assert_eq!(a.view().talking().map(|c| c.call_id.clone()), Some(call));
    // To an external number: the agent leaves the call.
    a.transfer(TransferTarget::Number("4008000000".into()), TransferMode::Release).await.unwrap();
    wait_for_state(&a, |v| v.calls.is_empty()).await;
    a.sign_out().await.unwrap();
    b.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn success_transfer_completes_on_answer_or_is_cancelled() {
    let sim = common::start(common::fast()).await;
    let (a, mut ev_a) = signed_in(&sim, 0).await;
    let (b, mut ev_b) = signed_in(&sim, 1).await;
    let call = talking_call(&sim, &a, &mut ev_a).await;
    local(a.transfer(TransferTarget::Number("4008000000".into()), TransferMode::Success).await.unwrap_err());

    a.transfer(TransferTarget::Agent("1002".into()), TransferMode::Success).await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Ringing").await;
    // The agent keeps the customer until the target answers; it may withdraw.
    assert_eq!(sim.agent("1001").unwrap().call.as_deref(), Some(call.as_str()));
    a.cancel_transfer().await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Call_Release").await;
    wait_for_state(&b, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    assert!(a.view().talking().is_some());

    a.transfer(TransferTarget::Agent("1002".into()), TransferMode::Success).await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Ringing").await;
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    match next_of(&mut ev_a, "AgentEvent_SuccTransResult").await {
        AgentEvent::SuccTransResult(r) => assert_eq!(r.call_id.as_deref(), Some(call.as_str())),
        other => panic!("{other:?}"),
    }
    next_of(&mut ev_a, "AgentEvent_Call_Release").await;
    wait_for_state(&a, |v| v.calls.is_empty()).await;
    wait_for_state(&b, |v| v.talking().map(|c| c.call_id.as_str()) == Some(call.as_str())).await;
    assert_eq!(sim.agent("1002").unwrap().call.as_deref(), Some(call.as_str()));
    a.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_and_internal_calls() {
    let sim =
        common::start(cec_sim::SimConfig { customer_answer_delay: Duration::from_millis(100), ..common::fast() }).await;
    let (a, mut ev_a) = signed_in(&sim, 0).await;
    let (b, mut ev_b) = signed_in(&sim, 1).await;

    a.call_out("13900000000").await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Customer_Alerting").await;
    wait_for_state(&a, |v| v.calls.first().map(|c| c.state) == Some(CallState::Dialing)).await;
    local(a.call_out("13900000001").await.unwrap_err());
    next_of(&mut ev_a, "AgentEvent_Talking").await;
    wait_for_state(&a, |v| v.talking().is_some()).await;
    a.release().await.unwrap();
    next_of(&mut ev_a, "AgentState_Ready").await;

    // The simulated network never connects 999… numbers.
    a.call_out("99912345").await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Call_Out_Fail").await;
    wait_for_state(&a, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;

    // Agent to agent.
    local(a.call_agent("1001").await.unwrap_err());
    let id = a.call_agent("1002").await.unwrap().expect("the call id");
    match next_of(&mut ev_b, "AgentEvent_Ringing").await {
        AgentEvent::Ringing(c) => {
            assert_eq!(c.callid.as_deref(), Some(id.as_str()));
            assert_eq!(c.caller.as_deref(), Some("1001"));
        }
        other => panic!("{other:?}"),
    }
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Talking").await;
    // One side hangs up: the internal call ends for both.
    b.release().await.unwrap();
    next_of(&mut ev_a, "AgentEvent_Call_Release").await;
    wait_for_state(&a, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    wait_for_state(&b, |v| v.calls.is_empty() && v.state == AgentState::Idle).await;
    a.sign_out().await.unwrap();
    b.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_per_client_and_update_guid() {
    let sim = common::start(common::fast()).await;
    let gw = cec_gateway::Client::new(common::config(&sim)).unwrap();
    // Two sign-ins at once through one client: one goes out, the other is refused locally.
    let (r1, r2) =
        tokio::join!(AgentSession::sign_in(gw.clone(), opts(&sim)), AgentSession::sign_in(gw.clone(), opts(&sim)));
    let (s, e) = match (r1, r2) {
        (Ok(s), Err(e)) | (Err(e), Ok(s)) => (s, e),
        other => panic!("exactly one sign-in must go out: {other:?}"),
    };
    local(e);
    // Another agent on the same client is refused too; for_agent shares the pool.
    local(AgentSession::sign_in(gw.clone(), agent_opts(&sim, 1)).await.unwrap_err());
    let b = AgentSession::sign_in(gw.for_agent(), agent_opts(&sim, 1)).await.unwrap();
    let e = AgentSession::sign_in(gw.for_agent(), common::agent_opts(&sim, 0)).await.unwrap_err();
    assert_eq!(e.code(), Some("100-002"), "signed in elsewhere: the platform says so");

    let before = s.client().guid().unwrap();
    s.update_guid().await.unwrap();
    let after = s.client().guid().unwrap();
    assert_ne!(before.expose_str(), after.expose_str());
    assert!(s.client().guid_auth().matches(before.expose_str()), "the replaced GUID is still known");
    s.busy(None).await.unwrap();
    assert_eq!(sim.agent("1001").unwrap().state, cec_sim::CtiAgentState::Busy);

    s.sign_out().await.unwrap();
    b.sign_out().await.unwrap();
    // Signed out: the client can carry a session again.
    let s = AgentSession::sign_in(gw, opts(&sim)).await.unwrap();
    s.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_event_type_reaches_the_stream_intact() {
    let sim = common::start(common::fast()).await;
    let (s, mut ev) = signed_in(&sim, 0).await;
    let content = serde_json::json!({ "novel": [1, 2], "callid": "x" });
    sim.emit_event("1001", "AgentEvent_FromTheFuture", content.clone()).unwrap();
    match next_of(&mut ev, "AgentEvent_FromTheFuture").await {
        AgentEvent::Unknown { event_type, content: got } => {
            assert_eq!(event_type, "AgentEvent_FromTheFuture");
            assert_eq!(got, content);
        }
        other => panic!("{other:?}"),
    }
    // A known type whose content does not match its documented shape is kept, not dropped.
    sim.emit_event("1001", "AgentEvent_Hold", serde_json::json!({ "unexpected": true })).unwrap();
    match next_of(&mut ev, "AgentEvent_Hold").await {
        AgentEvent::Unknown { content, .. } => assert_eq!(content["unexpected"], true),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.view().state, AgentState::Idle, "unknown events leave the view alone");
    s.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transferred_call_is_recorded_as_two_agent_legs() {
    let sim = common::start(common::fast()).await;
    let (a, mut ev_a) = signed_in(&sim, 0).await;
    let (b, mut ev_b) = signed_in(&sim, 1).await;
    let call = talking_call(&sim, &a, &mut ev_a).await;
    a.transfer(TransferTarget::Agent("1002".into()), TransferMode::Release).await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Ringing").await;
    wait_for_state(&b, |v| v.ringing().is_some()).await;
    b.answer().await.unwrap();
    next_of(&mut ev_b, "AgentEvent_Talking").await;
    b.release().await.unwrap();
    wait_for_state(&b, |v| v.calls.is_empty()).await;
    let rec = sim.call_records().into_iter().find(|r| r.id == call).expect("a record of the call");
    let agents: Vec<&str> = rec.legs.iter().map(|l| l.agent.as_str()).collect();
    assert_eq!(agents, ["1001", "1002"]);
    assert!(rec.legs.iter().all(|l| l.answered_ms.is_some() && l.ended_ms.is_some()), "{rec:?}");
    assert!(rec.legs[0].ended_ms <= Some(rec.legs[1].offered_ms));
    assert!(rec.released_ms.is_some());
    a.sign_out().await.unwrap();
    b.sign_out().await.unwrap();
}
