//! Calls: one model read by CC-Gateway (events, call control), CC-CMS (agent
//! states) and CC-FS (recordings).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cec_sim::{SimConfig, Simulator};
use common::{AGENT, WITHIN, c2, config, fast, signed_in_gateway, start, wait_event};
use futures_util::StreamExt;
use serde_json::json;

async fn cms_state(cms: &cec_cms::Client, sim: &Simulator, agent: i64) -> Option<i64> {
    let sc = sim.scenario();
    let r = cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![agent]).send().await;
    r.unwrap().result_desc.unwrap_or_default().first().and_then(|row| row.current_state).map(|s| s.code())
}

async fn download(fs: &cec_fs::Client, call_id: &str) -> Result<Vec<u8>, cec_fs::Error> {
    let file = fs
        .ccfs_download_record()
        .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadRecordBodyMsgBody {
            call_id: Some(call_id.to_owned()),
            ..Default::default()
        })
        .send()
        .await?;
    let mut body = file.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    Ok(out)
}

/// A signed-in agent whose sign-in events have been read.
async fn ready_agent(sim: &Simulator) -> cec_gateway::Client {
    let gw = signed_in_gateway(sim, 0).await;
    wait_event(&gw, AGENT, "AgentState_Ready", WITHIN).await;
    gw
}

#[tokio::test]
async fn a_call_rings_is_answered_released_and_recorded() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    let cms = cec_cms::Client::new(config(&sim), c2(&sim)).unwrap();
    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    assert_eq!(cms_state(&cms, &sim, 1001).await, Some(1), "idle after sign-in");

    let call_id = sim.inject_call(AGENT, "13800000001").unwrap();
    let ringing = wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], json!(call_id));
    assert_eq!(ringing["caller"], "13800000001");
    assert_eq!(sim.agent(AGENT).unwrap().call.as_deref(), Some(call_id.as_str()));

    gw.voicecall_answer().agentid(AGENT).send().await.unwrap();
    let talking = wait_event(&gw, AGENT, "AgentEvent_Talking", WITHIN).await;
    assert_eq!(talking["callid"], json!(call_id));
    assert_eq!(cms_state(&cms, &sim, 1001).await, Some(5), "talking");
    assert_eq!(sim.agent(AGENT).unwrap().state, cec_sim::CtiAgentState::Talking);

    tokio::time::sleep(Duration::from_millis(100)).await;
    gw.voicecall_release().agentid(AGENT).send().await.unwrap();
    let released = wait_event(&gw, AGENT, "AgentEvent_Call_Release", WITHIN).await;
    assert_eq!(released, json!(call_id), "the content is the bare call id");
    wait_event(&gw, AGENT, "AgentState_Ready", WITHIN).await;
    assert_eq!(cms_state(&cms, &sim, 1001).await, Some(1), "idle after release");
    assert_eq!(sim.agent(AGENT).unwrap().call, None);

    let wav = download(&fs, &call_id).await.unwrap();
    let ms = cec_sim::wav::duration_ms(&wav).expect("a valid WAV");
    assert!(ms >= 100, "{ms} ms");

    // Nothing rings any more.
    let e = gw.voicecall_answer().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("200-002"), "{e}");
}

#[tokio::test]
async fn answer_without_a_ringing_call_is_200_002() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    let e = gw.voicecall_answer().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("200-002"), "{e}");
    assert!(!e.is_auth());
}

#[tokio::test]
async fn answering_twice_is_200_002() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    gw.voicecall_answer().agentid(AGENT).send().await.unwrap();
    let e = gw.voicecall_answer().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("200-002"), "{e}");
}

#[tokio::test]
async fn release_without_a_call_is_200_017() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    let e = gw.voicecall_release().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("200-017"), "{e}");
}

#[tokio::test]
async fn an_unanswered_call_leaves_no_recording() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    let call_id = sim.inject_call(AGENT, "13800000001").unwrap();
    wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
    gw.voicecall_release().agentid(AGENT).send().await.unwrap();
    let released = wait_event(&gw, AGENT, "AgentEvent_Call_Release", WITHIN).await;
    assert_eq!(released, json!(call_id));
    let e = download(&fs, &call_id).await.unwrap_err();
    assert_eq!(e.code(), Some("0300011"), "the documented code of a missing file: {e}");
}

#[tokio::test]
async fn inject_call_needs_a_signed_in_idle_agent() {
    let sim = start(fast()).await;
    assert!(sim.inject_call(AGENT, "13800000001").is_err(), "signed out");
    assert!(sim.inject_call("4242", "13800000001").is_err(), "no such agent");
    let _gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    assert!(sim.inject_call(AGENT, "13800000002").is_err(), "already holds a call");
    assert!(sim.inject_call("1002", "13800000003").is_err(), "1002 is signed out");
}

#[tokio::test]
async fn an_agent_signed_in_busy_gets_no_call() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(config(&sim)).unwrap();
    gw.onlineagent_login()
        .agentid(AGENT)
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .status(3)
        .send()
        .await
        .unwrap();
    assert_eq!(sim.agent(AGENT).unwrap().state, cec_sim::CtiAgentState::Busy);
    assert!(sim.inject_call(AGENT, "13800000001").is_err());
}

#[tokio::test]
async fn sign_out_during_a_call_is_refused() {
    let sim = start(fast()).await;
    let gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    let e = gw.onlineagent_logout().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-007"), "{e}");
    assert!(sim.agent(AGENT).unwrap().signed_in);
    assert!(gw.guid().is_some(), "a refused sign-out keeps the GUID");
}

#[tokio::test]
async fn an_agent_reaped_during_a_call_can_take_calls_after_signing_in_again() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(30),
        heartbeat_timeout: Duration::from_millis(200),
        ..Default::default()
    })
    .await;
    let _gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    // The agent stops polling while the call rings.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let snap = sim.agent(AGENT).unwrap();
    assert!(!snap.signed_in);
    assert_eq!(snap.call, None, "a signed-out agent holds no call: {snap:?}");
    let _gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000002").expect("a freshly signed-in idle agent takes a call");
}

#[tokio::test]
async fn forcelogin_during_a_call_leaves_an_agent_that_can_take_calls() {
    let sim = start(fast()).await;
    let _gw = ready_agent(&sim).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(config(&sim)).unwrap();
    gw.onlineagent_forcelogin()
        .agentid(AGENT)
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    let snap = sim.agent(AGENT).unwrap();
    assert_eq!(snap.state, cec_sim::CtiAgentState::Idle, "idle after the forced sign-in");
    assert_eq!(snap.call, None, "an idle agent holds no call: {snap:?}");
    sim.inject_call(AGENT, "13800000002").expect("an idle agent takes a call");
}
