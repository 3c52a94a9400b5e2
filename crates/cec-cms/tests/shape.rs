//! The public shape of a call (issue 10): owned builders with `set_x`, per-call
//! options, tenant defaults on the client, the result code as the generated enum, and
//! `send_value`: the whole answer as JSON, for members the typed answer does not list (the
//! reference pages of partial entries stop before some rows), after the same checks as `send`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use cec_cms::{AkSkSigner, C2Auth, Client, Config, ResultCode, RetryPolicy, TenantDefaults};
use httpmock::MockServer;
use serde_json::json;

const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
const QUERYCALLS: &str = "/rest/cmsapp/v1/openapi/vdn/querycalls";

fn client(endpoint: &str) -> Client {
    // Only cec-cms is imported: its re-exports are enough to build a client.
    let config = Config::builder(endpoint).retry(RetryPolicy::disabled()).build().unwrap();
    Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk").unwrap())).unwrap()
}

#[tokio::test]
async fn builders_are_owned_and_can_move_into_a_task() {
    let server = MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.method("POST").path(PATH).header("x-trace", "t-1");
            then.status(200).json_body(json!({"resultCode": "0100000", "resultDesc": []}));
        })
        .await;
    let c = client(&server.base_url()).with_tenant(TenantDefaults::new().cc_id(1).vdn(1));
    let b = c.agent_agentstatusinfobyagentids().agent_ids(vec![1001]).customize(|o| {
        o.header("x-trace", "t-1");
    });
    drop(c);
    let stored = b.clone();
    let r = tokio::spawn(async move { b.send().await }).await.unwrap();
    assert!(r.is_ok(), "{r:?}");
    assert!(stored.send().await.is_ok());
    m.assert_calls_async(2).await;
}

#[test]
fn tenant_defaults_fill_unset_fields_and_a_call_overrides_them() {
    let c = client("http://127.0.0.1:9").with_tenant(TenantDefaults::new().cc_id(1).vdn(7));
    let body = c.agent_agentstatusinfobyagentids().agent_ids(vec![1001]).into_call().unwrap().body.unwrap();
    assert_eq!((body["ccId"].clone(), body["vdn"].clone()), (json!(1), json!(7)));
    let body = c.agent_agentstatusinfobyagentids().vdn(9).agent_ids(vec![1001]).into_call().unwrap().body.unwrap();
    assert_eq!(body["vdn"], json!(9));
    // Without defaults the fields are required, as documented.
    let e =
        client("http://127.0.0.1:9").agent_agentstatusinfobyagentids().agent_ids(vec![1001]).into_call().unwrap_err();
    assert_eq!(e.field(), Some("ccId"));
}

#[test]
fn set_x_takes_an_option() {
    let c = client("http://127.0.0.1:9");
    let b = c.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![1001]).set_agent_ids(None);
    assert_eq!(b.into_call().unwrap_err().field(), Some("agentIds"));
    let b = c.agent_agentstatusinfobyagentids().set_cc_id(Some(1)).set_vdn(Some(1)).set_agent_ids(Some(vec![1001]));
    assert!(b.into_call().is_ok());
}

#[tokio::test]
async fn a_per_call_timeout_overrides_the_config() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(PATH);
            then.status(200).delay(Duration::from_secs(5)).json_body(json!({"resultCode": "0100000"}));
        })
        .await;
    let c = client(&server.base_url());
    let started = std::time::Instant::now();
    let e = c
        .agent_agentstatusinfobyagentids()
        .cc_id(1)
        .vdn(1)
        .agent_ids(vec![1001])
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(started.elapsed() < Duration::from_secs(3), "the call's own timeout applied");
}

#[tokio::test]
async fn errors_carry_the_result_code_as_the_generated_enum() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(PATH);
            then.status(200).json_body(json!({"resultCode": "0100002", "resultDesc": "invalid parameter"}));
        })
        .await;
    let c = client(&server.base_url());
    let e = c.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![1001]).send().await.unwrap_err();
    assert_eq!(e.result_code(), Some(ResultCode::InvalidParameter));
    assert_eq!(e.code(), Some("0100002"), "the raw code stays available");
    assert!(matches!(
        cec_cms::Error::from(cec_core::Error::service("0199999", "new")).result_code(),
        Some(ResultCode::Unknown(raw)) if raw == "0199999"
    ));
}

#[tokio::test]
async fn send_value_keeps_the_members_the_typed_answer_does_not_list() {
    let server = MockServer::start_async().await;
    // vdn.querycalls is partial: its item table is read only to waitBegin. A real answer
    // carries rows after it (here `waitEnd`, `skillId`), and a top-level member of its own.
    let answer = json!({
        "resultCode": "0100000",
        "resultDesc": {
            "count": 1,
            "data": [{"callId": "1-2", "callType": 0, "waitBegin": 1_700_000_000_000_i64,
                      "waitEnd": 1_700_000_005_000_i64, "skillId": 3}]
        },
        "traceId": "t-1"
    });
    let mock = server
        .mock_async(|when, then| {
            when.method("POST").path(QUERYCALLS);
            then.status(200).json_body(answer.clone());
        })
        .await;
    let c = client(&server.base_url()).with_tenant(TenantDefaults::new().cc_id(1).vdn(7));
    let typed = c.vdn_querycalls().begin_date(1).end_date(2).send().await.unwrap();
    let data = typed.result_desc.unwrap().data.unwrap();
    assert_eq!(data[0].call_id.as_deref(), Some("1-2"));
    let whole = c.vdn_querycalls().begin_date(1).end_date(2).send_value().await.unwrap();
    assert_eq!(whole, answer, "the answer as the NE sent it");
    assert_eq!(whole["resultDesc"]["data"][0]["waitEnd"], json!(1_700_000_005_000_i64));
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn send_value_reports_a_failure_result_code_as_send_does() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method("POST").path(QUERYCALLS);
            then.status(200).json_body(json!({"resultCode": "0100001", "resultDesc": "parameter error"}));
        })
        .await;
    let c = client(&server.base_url()).with_tenant(TenantDefaults::new().cc_id(1).vdn(7));
    let by_send = c.vdn_querycalls().begin_date(1).end_date(2).send().await.unwrap_err();
    let by_value = c.vdn_querycalls().begin_date(1).end_date(2).send_value().await.unwrap_err();
    assert_eq!(by_value.code(), Some("0100001"));
    assert_eq!((by_value.kind(), by_value.code()), (by_send.kind(), by_send.code()));
    // Validation runs before anything is sent, as for send.
    let e = c.vdn_querycalls().begin_date(1).send_value().await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Validation);
}
