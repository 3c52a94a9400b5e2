//! C1 flows beyond the generated matrix: token reuse and refresh, the web-chat
//! `ccmessaging-token` taken from `applyToken` and replaced from response headers,
//! and the same token provider serving a C2 NE in Bearer mode.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use cec_auth::{ApiFabricAuth, ApiFabricCredentials, C2Auth};
use cec_core::{Config, ErrorKind, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;

fn config(server: &MockServer) -> Config {
    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()
}

async fn token_mock<'a>(server: &'a MockServer, lifetime: &str) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/apigovernance/api/oauth/tokenByAkSk")
                .header("X-Token-Expire", "600")
                .json_body(json!({"app_key": "app", "app_secret": "secret"}));
            then.status(200).json_body(json!({"AccessToken": "tok-1", "Expires": lifetime, "ApplyType": "Bearer"}));
        })
        .await
}

fn creds() -> ApiFabricCredentials {
    let mut c = ApiFabricCredentials::new("app", "secret");
    c.token_lifetime = Duration::from_secs(600);
    c
}

#[tokio::test]
async fn one_token_serves_many_calls_and_a_short_lived_one_is_refreshed() {
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "600").await;
    let info = server
        .mock_async(|when, then| {
            when.method(GET).path("/apiaccess/CC-Mangemant/v1/queryAgentInfo").header("authorization", "Bearer tok-1");
            then.status(200).json_body(json!({"agents": []}));
        })
        .await;
    let c = cec_apifabric::Client::new(config(&server), config(&server), creds()).unwrap();
    let calls: Vec<_> = (0..8).map(|_| c.agent_info_query_agent_info().send()).collect();
    for r in futures_util::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(token.calls_async().await, 1, "one refresh in flight for eight concurrent callers");
    assert_eq!(info.calls_async().await, 8);

    // A token that expires within the refresh margin (60 s) is fetched again.
    let server = MockServer::start_async().await;
    let token = token_mock(&server, "30").await;
    server
        .mock_async(|when, then| {
            when.path("/apiaccess/CC-Mangemant/v1/queryAgentInfo");
            then.status(200).json_body(json!({}));
        })
        .await;
    let c = cec_apifabric::Client::new(config(&server), config(&server), creds()).unwrap();
    c.agent_info_query_agent_info().send().await.unwrap();
    c.agent_info_query_agent_info().send().await.unwrap();
    assert_eq!(token.calls_async().await, 2);
}

#[tokio::test]
async fn messaging_token_comes_from_apply_token_and_is_replaced_from_headers() {
    let server = MockServer::start_async().await;
    token_mock(&server, "600").await;
    let c = cec_apifabric::Client::new(config(&server), config(&server), creds()).unwrap();
    let send = || {
        c.ccmessaging_send()
            .channel("WEB")
            .control_type("CHAT")
            .from("u1")
            .to("ch1")
            .media_type("TEXT")
            .source_type("CUSTOMER")
            .timestamp("1")
            .content("hello")
            .send()
    };
    // Before applyToken there is nothing to send: refused locally.
    let e = send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(!e.may_have_been_sent());

    server
        .mock_async(|when, then| {
            when.method(POST).path("/apiaccess/ccmessaging/applyToken");
            then.status(200).json_body(json!({"resultCode": "0", "token": "msg-1"}));
        })
        .await;
    c.ccmessaging_apply_token().user_id("u1").user_name("U").channel_id("ch1").locale("en").send().await.unwrap();
    assert_eq!(c.auth().messaging_token().unwrap().expose_str(), "msg-1");

    // The NE rotates the token mid-session through the response header.
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path("/apiaccess/ccmessaging/send").header("ccmessaging-token", "msg-1");
            then.status(200).header("ccmessaging-token", "msg-2").json_body(json!({"resultCode": "0"}));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST).path("/apiaccess/ccmessaging/send").header("ccmessaging-token", "msg-2");
            then.status(200).json_body(json!({"resultCode": "0"}));
        })
        .await;
    send().await.unwrap();
    send().await.unwrap();
    assert_eq!(first.calls_async().await, 1);
    assert_eq!(second.calls_async().await, 1);
    assert!(!format!("{:?}", c.auth()).contains("msg-2"), "tokens stay out of Debug");
}

#[tokio::test]
async fn a_c2_ne_can_use_the_c1_token_with_a_tenant_space() {
    let server = MockServer::start_async().await;
    token_mock(&server, "600").await;
    let mut creds = creds();
    creds.tenant_space_id = Some("space-7".into());
    let auth = Arc::new(ApiFabricAuth::new(config(&server), creds).unwrap());
    let ping = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/rest/cmsapp/v1/ping")
                .header("authorization", "Bearer tok-1")
                .header("x-app-key", "app")
                .header("x-tenantspaceid", "space-7");
            then.status(200).json_body(json!({"status": "UP", "request": {}}));
        })
        .await;
    let cms = cec_cms::Client::new(config(&server), C2Auth::Bearer(auth)).unwrap();
    let r = cms.health_ping().say("hi").send().await.unwrap();
    assert_eq!(r.status.as_deref(), Some("UP"));
    ping.assert_async().await;
}

#[tokio::test]
async fn the_token_call_uses_the_business_client_pool() {
    let server = MockServer::start_async().await;
    token_mock(&server, "600").await;
    server
        .mock_async(|when, then| {
            when.path("/apiaccess/CC-Mangemant/v1/queryAgentInfo");
            then.status(200).json_body(json!({"agents": []}));
        })
        .await;
    let pool = cec_core::test_util::RecordingTransport::new();
    let ne =
        Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).transport(pool.clone()).build().unwrap();
    // The token endpoint's configuration brings no transport of its own: it shares the NE's.
    let c = cec_apifabric::Client::new(ne, config(&server), creds()).unwrap();
    c.agent_info_query_agent_info().send().await.unwrap();
    assert_eq!(
        pool.paths(),
        ["/apigovernance/api/oauth/tokenByAkSk", "/apiaccess/CC-Mangemant/v1/queryAgentInfo"],
        "one pool for the token and the business call"
    );
    // Without a custom transport the two configurations end up on one pool too.
    let ne = config(&server).pooled().unwrap();
    assert!(config(&server).sharing_transport_of(&ne).shares_transport_with(&ne));
}

#[tokio::test]
async fn a_refused_app_key_fails_at_once_and_says_so() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/apigovernance/api/oauth/tokenByAkSk");
            then.status(401).json_body(json!({"returnCode": "1", "description": "invalid app_key or app_secret"}));
        })
        .await;
    let info = server
        .mock_async(|when, then| {
            when.path("/apiaccess/CC-Mangemant/v1/queryAgentInfo");
            then.status(200).json_body(json!({"agents": []}));
        })
        .await;
    let retrying = Config::builder(&server.base_url()).build().unwrap();
    let c = cec_apifabric::Client::new(retrying.clone(), retrying, creds()).unwrap();
    let e = c.agent_info_query_agent_info().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth, "{e}");
    assert_eq!(e.status(), Some(401));
    assert!(e.to_string().contains("refused the app_key `app`"), "{e}");
    assert!(!e.to_string().contains("secret\""), "no secret in the error: {e}");
    assert_eq!(token.calls_async().await, 1, "the refused token call is not repeated");
    assert_eq!(info.calls_async().await, 0, "nothing was sent with no token");
}
