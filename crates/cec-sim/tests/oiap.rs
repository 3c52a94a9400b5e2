//! C3 (OIAP): gettoken and the token inside dialog requests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use cec_auth::OiapCredentials;
use cec_sim::SimConfig;
use common::{config, fast, http, send, start};
use serde_json::json;

const PROCESS: &str = "/oifde/rest/crs/process";

#[tokio::test]
async fn raw_dialog_with_an_unknown_token_is_900001() {
    let sim = start(fast()).await;
    let body = json!({ "userid": "chat-1", "inaction": 8, "inparams": { "auth_token": "not-a-token" } });
    let r = send(
        http()
            .post(format!("{}{PROCESS}", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["errorCode"], json!(900001), "{:?}", r.json);
    assert!(r.json.get("outaction").is_none());
}

#[tokio::test]
async fn raw_dialog_with_a_fresh_token_answers() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let body = json!({ "appKey": sc.oiap_app_key, "appSecret": sc.oiap_app_secret });
    let t = send(
        http()
            .post(format!("{}/oifde/rest/api/gettoken", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(t.json["errorCode"], json!(0));
    let token = t.json["authToken"].as_str().unwrap();
    let body = json!({ "userid": "chat-1", "inaction": 8, "inparams": { "auth_token": token } });
    let r = send(
        http()
            .post(format!("{}{PROCESS}", sim.endpoint()))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["outaction"], json!(9), "{:?}", r.json);
}

#[tokio::test]
async fn sdk_dialog_init_gets_outaction_9() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let oiap =
        cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key, sc.oiap_app_secret)).unwrap();
    let r = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    assert_eq!(r.outaction, Some(9));
    assert_eq!(r.userid.as_deref(), Some("chat-1"));
    let prompt = r.outparams.and_then(|o| o.prompt_text).unwrap_or_default();
    assert!(!prompt.is_empty());
    // The next turn asks for an agent: outaction 11 (transfer).
    let r =
        oiap.dialog_process().userid("chat-1").inaction(9).inparams(json!({"input": "an agent please"})).send().await;
    assert_eq!(r.unwrap().outaction, Some(11));
}

#[tokio::test]
async fn sdk_gettoken_with_a_wrong_secret_is_900002() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let oiap = cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key.as_str(), "wrong")).unwrap();
    let e = oiap.auth_gettoken().app_key(sc.oiap_app_key.as_str()).app_secret("wrong").send().await.unwrap_err();
    assert_eq!(e.code(), Some("900002"), "{e}");
    // The token provider meets the same refusal before a dialog call.
    let e = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap_err();
    assert_eq!(e.code(), Some("900002"), "{e}");
    assert!(e.is_auth());
}

#[tokio::test]
async fn sdk_recovers_from_an_expired_oiap_token() {
    let sim = start(SimConfig { max_token_lifetime: Duration::from_millis(300), ..fast() }).await;
    let sc = sim.scenario();
    let oiap =
        cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key, sc.oiap_app_secret)).unwrap();
    oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await;
    let r = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    assert_eq!(r.outaction, Some(9));
}
