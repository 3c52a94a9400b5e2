//! The admin endpoints and the loopback-only rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use cec_sim::{SimConfig, Simulator};
use common::{fast, http, send, signed_in_gateway, start, wait_event};
use serde_json::json;

#[tokio::test]
async fn state_lists_the_agents() {
    let sim = start(fast()).await;
    let r = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await;
    assert_eq!(r.status, 200);
    let agents = r.json["agents"].as_array().unwrap();
    let ids: Vec<&str> = agents.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1001", "1002"]);
    assert!(agents.iter().all(|a| a["signedIn"] == json!(false)));
    assert_eq!(r.json["calls"], json!([]));
}

#[tokio::test]
async fn state_follows_sign_in() {
    let sim = start(fast()).await;
    let _gw = signed_in_gateway(&sim, 0).await;
    let r = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await;
    let a = &r.json["agents"][0];
    assert_eq!(a["id"], "1001");
    assert_eq!(a["signedIn"], true);
    assert_eq!(a["state"], 1);
}

#[tokio::test]
async fn posting_a_call_rings_the_agent() {
    let sim = start(fast()).await;
    let gw = signed_in_gateway(&sim, 0).await;
    wait_event(&gw, "1001", "AgentState_Ready", std::time::Duration::from_secs(3)).await;
    let body = json!({ "agent": "1001", "caller": "13800000009" });
    let r = send(
        http()
            .post(format!("{}/__sim/calls", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let call_id = r.json["callid"].as_str().unwrap().to_owned();
    let ringing = wait_event(&gw, "1001", "AgentEvent_Ringing", std::time::Duration::from_secs(3)).await;
    assert_eq!(ringing["callid"], json!(call_id));
    assert_eq!(ringing["caller"], "13800000009");
    assert_eq!(sim.agent("1001").unwrap().call, Some(call_id.clone()));
    let state = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await;
    assert_eq!(state.json["calls"][0]["id"], json!(call_id));
    assert_eq!(state.json["calls"][0]["state"], "ringing");
}

#[tokio::test]
async fn posting_a_call_to_a_signed_out_agent_is_409() {
    let sim = start(fast()).await;
    let body = json!({ "agent": "1002", "caller": "13800000009" });
    let r = send(
        http()
            .post(format!("{}/__sim/calls", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(r.status, 409);
    assert!(r.json["error"].as_str().unwrap().contains("1002"));
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let sim = start(fast()).await;
    let r = send(http().get(format!("{}/no/such/interface", sim.endpoint()))).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn listening_beyond_loopback_is_refused() {
    for addr in ["0.0.0.0:0", "[::]:0"] {
        let listen: SocketAddr = addr.parse().unwrap();
        let e = Simulator::start(SimConfig { listen, ..fast() }).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{addr}");
    }
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let sim = start(fast()).await;
    let endpoint = sim.endpoint();
    assert!(sim.addr().ip().is_loopback());
    assert_ne!(sim.addr().port(), 0);
    sim.shutdown().await;
    let r = http().get(format!("{endpoint}/__sim/state")).send().await;
    assert!(r.is_err(), "nothing listens after shutdown");
}

/// Every spec interface is served: a request that breaks a documented constraint
/// gets the NE's invalid-parameter answer, a valid one a schema-valid success.
#[tokio::test]
async fn generic_routes_check_the_body_against_the_spec() {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let cms = cec_cms::Client::new(
        cec_core::Config::builder(&sim.endpoint()).build().unwrap(),
        cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap()),
    )
    .unwrap();
    // A raw call that skips the SDK's own validation: vdn out of 1..=5000.
    let op = cec_cms::generated::ALL.iter().find(|o| o.id == "agent.agentstatusinfobyagentids").unwrap();
    let bad = cec_core::Call::new().body(serde_json::json!({"ccId": 1, "vdn": 0, "agentIds": [1001]}));
    let err = cms.core().call_value(op, bad).await.unwrap_err();
    assert!(err.code().is_some(), "{err:?}");
    assert!(err.message().contains("vdn"), "{err:?}");
    // An interface without a stateful handler answers its documented success shape.
    let r = cms
        .agent_queryagentcalls()
        .body(serde_json::from_value(serde_json::json!({"ccId": 1, "vdn": 1, "agentId": 1001})).unwrap())
        .send()
        .await;
    assert!(r.is_ok(), "{r:?}");
    sim.shutdown().await;
}
