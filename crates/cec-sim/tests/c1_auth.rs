//! C1 (API Fabric): tokenByAkSk, Bearer tokens, expiry, and the web-chat token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cec_auth::ApiFabricCredentials;
use cec_core::ErrorKind;
use cec_sim::{SimConfig, Simulator};
use common::{Raw, config, fast, http, send, start};
use serde_json::json;

const TOKEN: &str = "/apigovernance/api/oauth/tokenByAkSk";
const AGENT_INFO: &str = "/apiaccess/CC-Mangemant/v1/queryAgentInfo";

async fn token_by_ak_sk(sim: &Simulator, key: &str, secret: &str) -> Raw {
    let body = json!({ "app_key": key, "app_secret": secret });
    send(
        http()
            .post(format!("{}{TOKEN}", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

async fn agent_info(sim: &Simulator, token: &str) -> Raw {
    send(
        http()
            .get(format!("{}{AGENT_INFO}", sim.endpoint()))
            .header("authorization", format!("Bearer {token}"))
            .header("x-app-key", sim.scenario().app_key),
    )
    .await
}

#[tokio::test]
async fn token_with_a_wrong_secret_is_401() {
    let sim = start(fast()).await;
    let r = token_by_ak_sk(&sim, &sim.scenario().app_key, "wrong").await;
    assert_eq!(r.status, 401);
    assert!(r.json.get("AccessToken").is_none());
}

#[tokio::test]
async fn token_with_the_right_secret_opens_business_calls() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let r = token_by_ak_sk(&sim, &sc.app_key, &sc.app_secret).await;
    assert_eq!(r.status, 200);
    let token = r.json["AccessToken"].as_str().unwrap().to_owned();
    assert!(!token.is_empty());
    assert_eq!(r.json["ApplyType"], "Bearer");
    let info = agent_info(&sim, &token).await;
    assert_eq!(info.status, 200, "{:?}", info.json);
    assert_eq!(info.json["agents"].as_array().unwrap().len(), sc.agents.len());
}

#[tokio::test]
async fn business_call_with_an_unknown_token_is_401() {
    let sim = start(fast()).await;
    let r = agent_info(&sim, "0123456789abcdef0123456789abcdef").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn business_call_with_a_token_for_another_app_key_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let token =
        token_by_ak_sk(&sim, &sc.app_key, &sc.app_secret).await.json["AccessToken"].as_str().unwrap().to_owned();
    let r = send(
        http()
            .get(format!("{}{AGENT_INFO}", sim.endpoint()))
            .header("authorization", format!("Bearer {token}"))
            .header("x-app-key", "someone-else"),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn token_expires_after_max_token_lifetime() {
    let sim = start(SimConfig { max_token_lifetime: Duration::from_millis(300), ..fast() }).await;
    let sc = sim.scenario();
    let token =
        token_by_ak_sk(&sim, &sc.app_key, &sc.app_secret).await.json["AccessToken"].as_str().unwrap().to_owned();
    assert_eq!(agent_info(&sim, &token).await.status, 200, "works at once");
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(agent_info(&sim, &token).await.status, 401, "refused once expired");
}

#[tokio::test]
async fn sdk_client_queries_agent_info() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    let info = af.agent_info_query_agent_info().send().await.unwrap();
    let agents = info.agents.unwrap();
    assert_eq!(agents.len(), 2);
    assert_eq!(agents[0].work_no, Some(1001));
}

#[tokio::test]
async fn sdk_client_with_a_wrong_secret_fails_with_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), "wrong");
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    let e = af.agent_info_query_agent_info().send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn sdk_client_recovers_from_an_expired_token() {
    // The SDK caches the token; once the simulator lets it expire, the 401
    // makes the SDK drop it, fetch a new one and repeat the call once.
    let sim = start(SimConfig { max_token_lifetime: Duration::from_millis(300), ..fast() }).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    af.agent_info_query_agent_info().send().await.unwrap();
    let first = af.auth().token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    af.agent_info_query_agent_info().send().await.unwrap();
    let second = af.auth().token().await.unwrap();
    assert_ne!(first.expose_str(), second.expose_str(), "a new token was fetched");
}

fn send_builder(af: &cec_apifabric::Client, channel: &str) -> cec_apifabric::generated::CcmessagingSendBuilder {
    af.ccmessaging_send()
        .channel("WEB")
        .control_type("CONNECT")
        .from("web-user-1")
        .to(channel)
        .media_type("TEXT")
        .source_type("CUSTOMER")
        .timestamp("1768465800000")
}

#[tokio::test]
async fn messaging_send_before_apply_token_fails_locally() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    assert!(af.auth().messaging_token().is_none());
    let e = send_builder(&af, &sc.channel_id).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
    assert!(!e.may_have_been_sent());

    af.ccmessaging_apply_token()
        .user_id("web-user-1")
        .user_name("Web visitor")
        .channel_id(sc.channel_id.as_str())
        .locale("en_US")
        .send()
        .await
        .unwrap();
    assert!(af.auth().messaging_token().is_some(), "applyToken's token is kept");
    let r = send_builder(&af, &sc.channel_id).send().await.unwrap();
    assert_eq!(r.result_desc.as_deref(), Some("connect to robot success."));
}

#[tokio::test]
async fn messaging_send_with_an_unknown_messaging_token_is_401() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    af.auth().set_messaging_token("forged-messaging-token");
    let e = send_builder(&af, &sc.channel_id).send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
}
