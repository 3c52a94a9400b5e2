//! `callback.pushMessages` end to end: `cec sim`, with an adapter registered,
//! pushes the web chat's downlink messages signed with auth-v2; the built-in
//! receiver verifies them with cec-core's verifier and acknowledges; a
//! receiver holding another key refuses them and delivers nothing.
#![cfg(feature = "receiver")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cec_messaging::{PushReceiver, PushVerifier};
use cec_sim::{Scenario, SimConfig, Simulator};
use serde_json::json;

async fn sim_pushing_to(base: String) -> Simulator {
    let scenario = Scenario { messaging_push_url: Some(base), ..Default::default() };
    Simulator::start(SimConfig { scenario, ..Default::default() }).await.unwrap()
}

/// A web chat's CONNECT through API Fabric's `ccmessaging.send` (the robot greets).
async fn connect(sim: &Simulator, user: &str) {
    let sc = sim.scenario();
    let cfg = cec_core::Config::builder(&sim.endpoint()).build().unwrap();
    let creds = cec_apifabric::ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone());
    let af = cec_apifabric::Client::new(cfg.clone(), cfg, creds).unwrap();
    af.ccmessaging_apply_token()
        .user_id(user)
        .user_name("Customer")
        .channel_id(sc.channel_id.clone())
        .locale("en")
        .send()
        .await
        .unwrap();
    af.ccmessaging_send()
        .body_json(json!({"channel": "WEB", "content": "hi", "controlType": "CONNECT", "from": user,
            "mediaType": "TEXT", "senderNickname": "C", "sourceType": "CUSTOMER", "timestamp": "1", "to": sc.channel_id}))
        .unwrap()
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_pushes_are_verified_and_delivered() {
    let sc = Scenario::default();
    let (rx_server, mut rx) =
        PushReceiver::bind("127.0.0.1:0".parse().unwrap(), PushVerifier::new(sc.ak.clone(), sc.sk.clone()))
            .await
            .unwrap();
    let sim = sim_pushing_to(rx_server.base_url()).await;
    connect(&sim, "cust-push").await;
    let push = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a push").expect("open");
    let m = &push.messages.unwrap()[0];
    assert_eq!(m.source_type.as_deref(), Some("ROBOT"));
    assert_eq!(m.to.as_deref(), Some("cust-push"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_with_a_bad_signature_is_refused_and_nothing_delivered() {
    let sc = Scenario::default();
    let (rx_server, mut rx) =
        PushReceiver::bind("127.0.0.1:0".parse().unwrap(), PushVerifier::new(sc.ak.clone(), "another-sk"))
            .await
            .unwrap();
    let sim = sim_pushing_to(rx_server.base_url()).await;
    connect(&sim, "cust-bad").await;
    let got = tokio::time::timeout(Duration::from_millis(800), rx.recv()).await;
    assert!(got.is_err(), "nothing is delivered: {got:?}");
}
