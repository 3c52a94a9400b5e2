//! C2 (CC-CMS): AK/SK signatures and SaaS Bearer tokens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, C2Auth};
use common::{config, fast, send, signed_post, start};

const PING: &str = "/rest/cmsapp/v1/ping";

#[tokio::test]
async fn sdk_ping_with_the_scenario_keys_is_up() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let cms = cec_cms::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new(sc.ak, sc.sk).unwrap())).unwrap();
    let r = cms.health_ping().say("hello").send().await.unwrap();
    assert_eq!(r.status.as_deref(), Some("UP"));
    assert_eq!(r.request, Some(serde_json::json!({"say": "hello"})));
    sim.shutdown().await;
}

#[tokio::test]
async fn sdk_ping_with_a_wrong_sk_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let signer = AkSkSigner::new(sc.ak, "not-the-secret").unwrap();
    let cms = cec_cms::Client::new(config(&sim), C2Auth::Signature(signer)).unwrap();
    let e = cms.health_ping().say("hello").send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn raw_ping_signed_correctly_is_200() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let body = br#"{"say":"hi"}"#;
    let r = signed_post(&sim, PING, &sc.ak, &sc.sk, SystemTime::now(), body, body).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["status"], "UP");
}

#[tokio::test]
async fn raw_ping_without_authorization_is_401() {
    let sim = start(fast()).await;
    let r = send(
        common::http()
            .post(format!("{}{PING}", sim.endpoint()))
            .header("content-type", "application/json")
            .body(r#"{"say":"hi"}"#),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn raw_ping_with_a_tampered_body_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    // Same length, so only the body differs from what was signed.
    let r = signed_post(&sim, PING, &sc.ak, &sc.sk, SystemTime::now(), br#"{"say":"hi"}"#, br#"{"say":"ho"}"#).await;
    assert_eq!(r.status, 401, "{:?}", r.json);
}

#[tokio::test]
async fn raw_ping_with_an_unknown_ak_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let body = br#"{"say":"hi"}"#;
    let r = signed_post(&sim, PING, "other-ak", &sc.sk, SystemTime::now(), body, body).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn raw_ping_signed_20_minutes_ago_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let body = br#"{"say":"hi"}"#;
    let old = SystemTime::now() - Duration::from_secs(20 * 60);
    let r = signed_post(&sim, PING, &sc.ak, &sc.sk, old, body, body).await;
    assert_eq!(r.status, 401, "{:?}", r.json);
    // Inside the 15-minute window the same signature scheme is accepted.
    let recent = SystemTime::now() - Duration::from_secs(5 * 60);
    let r = signed_post(&sim, PING, &sc.ak, &sc.sk, recent, body, body).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn bearer_token_works_on_cms() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let auth = Arc::new(ApiFabricAuth::new(config(&sim), creds).unwrap());
    let cms = cec_cms::Client::new(config(&sim), C2Auth::Bearer(auth)).unwrap();
    let r =
        cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001]).send().await.unwrap();
    let rows = r.result_desc.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].agent_id, Some(1001));
    assert_eq!(rows[0].current_state, Some(cec_cms::generated::CtiAgentState::NotSignedIn), "agent 1001 is signed out");
}

#[tokio::test]
async fn bearer_with_a_wrong_app_secret_fails() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), "wrong");
    let auth = Arc::new(ApiFabricAuth::new(config(&sim), creds).unwrap());
    let cms = cec_cms::Client::new(config(&sim), C2Auth::Bearer(auth)).unwrap();
    let e = cms.health_ping().send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
}
