//! C3/C6 placements beyond the generated matrix: system-level integrations send
//! `username`/`token` headers; the AppCube flavor uses getAppCubeToken; an
//! expired token (900001) is refreshed once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cec_auth::{OiapCredentials, OiapFlavor, OiapIntegration};
use cec_core::{Config, RetryPolicy};
use httpmock::prelude::*;
use serde_json::json;

fn config(server: &MockServer) -> Config {
    Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap()
}

#[tokio::test]
async fn system_integrations_send_the_token_in_headers_via_appcube() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oifde/rest/appcube/api/getAppCubeToken")
                .json_body(json!({"appKey": "ODFS_SYS_OPENAPI", "appSecret": "pw"}));
            then.status(200).json_body(json!({"errorCode": 0, "authToken": "sys-tok", "expireTime": 3600}));
        })
        .await;
    let dialog = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oifde/rest/crs/process")
                .header("username", "ODFS_SYS_OPENAPI")
                .header("token", "sys-tok")
                .json_body(json!({"userid": "c1", "inaction": 8, "inparams": {}}));
            then.status(200)
                .json_body(json!({"ret": 0, "userid": "c1", "outaction": 9, "outparams": {"call_id": "c1"}}));
        })
        .await;
    let creds = OiapCredentials {
        app_key: "ODFS_SYS_OPENAPI".into(),
        app_secret: "pw".into(),
        flavor: OiapFlavor::AppCube,
        integration: OiapIntegration::System,
    };
    let c = cec_oiap::Client::new(config(&server), creds).unwrap();
    let r = c.dialog_process().userid("c1").inaction(8).inparams(json!({})).send().await.unwrap();
    assert_eq!(r.outaction, Some(9));
    token.assert_async().await;
    dialog.assert_async().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oifde/rest/api/gettoken");
            then.status(200).json_body(json!({"errorCode": 0, "authToken": "t", "expireTime": 3600}));
        })
        .await;
    let expired = server
        .mock_async(|when, then| {
            when.method(POST).path("/oifde/rest/crs/process");
            then.status(200).json_body(json!({"errorCode": 900001, "errorMsg": "token expired"}));
        })
        .await;
    let c = cec_oiap::Client::new(config(&server), OiapCredentials::tenant("t1", "pw")).unwrap();
    let e = c.dialog_process().userid("c1").inaction(8).inparams(json!({})).send().await.unwrap_err();
    assert!(e.is_auth());
    assert_eq!(e.code(), Some("900001"));
    assert_eq!(token.calls_async().await, 2, "the token was fetched again after 900001");
    assert_eq!(expired.calls_async().await, 2, "and the call repeated once");
}

#[tokio::test]
async fn a_refused_app_key_fails_at_once_on_the_shared_pool() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oifde/rest/api/gettoken");
            then.status(200).json_body(json!({"errorCode": 900002, "errorMsg": "appKey or appSecret incorrect"}));
        })
        .await;
    let pool = cec_core::test_util::RecordingTransport::new();
    let config = Config::builder(&server.base_url()).transport(pool.clone()).build().unwrap();
    let c = cec_oiap::Client::new(config, OiapCredentials::tenant("t1", "pw")).unwrap();
    let e = c.dialog_process().userid("c1").inaction(8).inparams(json!({})).send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.code(), Some("900002"));
    assert!(e.to_string().contains("refused the appKey `t1`"), "{e}");
    assert_eq!(token.calls_async().await, 1, "the refused token call is not repeated");
    assert_eq!(pool.paths(), ["/oifde/rest/api/gettoken"], "the token call went through the client's pool");
}
