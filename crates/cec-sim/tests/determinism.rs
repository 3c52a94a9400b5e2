//! The same seed tells the same story: ids, events and recordings are equal
//! between two simulators; only wall-clock fields (`eventGenTime`, `loginTime`) differ.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use cec_auth::{AkSkSigner, ApiFabricCredentials, C2Auth, OiapCredentials};
use cec_sim::{SimConfig, Simulator};
use common::{config, fast, start};
use futures_util::StreamExt;
use serde_json::{Value, json};

const AGENT: &str = "1001";

/// What a story leaves behind.
#[derive(Debug, PartialEq)]
struct Record {
    guid: String,
    c1_token: String,
    oiap_token: String,
    call_ids: Vec<String>,
    /// Every event polled, without wall-clock fields.
    events: Vec<Value>,
    recordings: Vec<Vec<u8>>,
    state: Value,
}

/// Drops wall-clock fields.
fn timeless(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("eventGenTime");
            m.remove("loginTime");
            m.values_mut().for_each(timeless);
        }
        Value::Array(a) => a.iter_mut().for_each(timeless),
        _ => {}
    }
}

/// Polls until `kind`, recording every event on the way.
async fn until(gw: &cec_gateway::Client, kind: &str, events: &mut Vec<Value>) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        let r = gw.agentevent_poll().agentid(AGENT).send().await.unwrap();
        if let Some(ev) = r.event {
            let mut v = serde_json::to_value(&ev).unwrap();
            timeless(&mut v);
            let done = ev.event_type.as_deref() == Some(kind);
            events.push(v);
            if done {
                return;
            }
        }
    }
    panic!("no {kind}; saw {events:?}");
}

async fn story(seed: u64) -> Record {
    let sim: Simulator = start(SimConfig { seed, ..fast() }).await;
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let mut events = Vec::new();

    let gw = cec_gateway::Client::new(config(&sim)).unwrap();
    gw.onlineagent_login()
        .agentid(AGENT)
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    let guid = gw.guid().unwrap().expose_str().to_owned();
    until(&gw, "AgentState_Ready", &mut events).await;

    let c2 = || C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap());
    let fs = cec_fs::Client::new(config(&sim), c2()).unwrap();
    let mut call_ids = Vec::new();
    let mut recordings = Vec::new();
    for caller in ["13800000001", "13800000002"] {
        let call_id = sim.inject_call(AGENT, caller).unwrap();
        until(&gw, "AgentEvent_Ringing", &mut events).await;
        gw.voicecall_answer().agentid(AGENT).send().await.unwrap();
        until(&gw, "AgentEvent_Talking", &mut events).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        gw.voicecall_release().agentid(AGENT).send().await.unwrap();
        until(&gw, "AgentEvent_Call_Release", &mut events).await;
        until(&gw, "AgentState_Ready", &mut events).await;
        let file = fs
            .ccfs_download_record()
            .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
            .msg_body(cec_fs::generated::CcfsDownloadRecordBodyMsgBody {
                call_id: Some(call_id.clone()),
                ..Default::default()
            })
            .send()
            .await
            .unwrap();
        let mut body = file.body;
        let mut wav = Vec::new();
        while let Some(chunk) = body.next().await {
            wav.extend_from_slice(&chunk.unwrap());
        }
        recordings.push(wav);
        call_ids.push(call_id);
    }

    let af = cec_apifabric::Client::new(
        config(&sim),
        config(&sim),
        ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str()),
    )
    .unwrap();
    af.agent_info_query_agent_info().send().await.unwrap();
    let c1_token = af.auth().token().await.unwrap().expose_str().to_owned();
    let oiap = cec_oiap::Client::new(
        config(&sim),
        OiapCredentials::tenant(sc.oiap_app_key.as_str(), sc.oiap_app_secret.as_str()),
    )
    .unwrap();
    oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    let oiap_token = oiap.auth().token().await.unwrap().expose_str().to_owned();

    gw.onlineagent_logout().agentid(AGENT).send().await.unwrap();
    let mut state = common::send(common::http().get(format!("{}/__sim/state", sim.endpoint()))).await.json;
    timeless(&mut state);
    // Talk durations are wall-clock too.
    for c in state["calls"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("duration_ms");
        c.as_object_mut().unwrap().remove("durationMs");
    }
    // Call records carry wall-clock timestamps (`queuedMs`, `answeredMs`…).
    for r in state["records"].as_array_mut().into_iter().flatten() {
        r.as_object_mut().unwrap().retain(|k, _| !k.ends_with("Ms"));
        for leg in r["legs"].as_array_mut().into_iter().flatten() {
            leg.as_object_mut().unwrap().retain(|k, _| !k.ends_with("Ms"));
        }
    }
    sim.shutdown().await;
    Record { guid, c1_token, oiap_token, call_ids, events, recordings, state }
}

#[tokio::test]
async fn the_same_seed_tells_the_same_story() {
    let one = story(42).await;
    let two = story(42).await;
    assert_eq!(one.events.len(), 2 + 2 * 4, "{:?}", one.events);
    assert_eq!(one.recordings.len(), 2);
    assert!(one.recordings.iter().all(|r| cec_sim::wav::duration_ms(r).is_some()));
    assert_eq!(one, two);
}

#[tokio::test]
async fn another_seed_gives_other_ids() {
    let one = story(42).await;
    let other = story(7).await;
    assert_ne!(one.guid, other.guid);
    assert_ne!(one.c1_token, other.c1_token);
    assert_ne!(one.oiap_token, other.oiap_token);
    for (a, b) in one.call_ids.iter().zip(&other.call_ids) {
        assert_ne!(a, b);
    }
    assert_ne!(one.recordings, other.recordings);
    assert_eq!(one.events.len(), other.events.len(), "the same story otherwise");
}
