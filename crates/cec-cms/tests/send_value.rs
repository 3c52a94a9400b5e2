//! `send_value`: the whole answer as JSON, for members the typed answer does not list (the
//! reference pages of partial entries stop before some rows), after the same result-code
//! check as `send`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cec_cms::{AkSkSigner, C2Auth, Client, Config, RetryPolicy, TenantDefaults};
use httpmock::MockServer;
use serde_json::json;

const PATH: &str = "/rest/cmsapp/v1/openapi/vdn/querycalls";

fn client(server: &MockServer) -> Client {
    let config = Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap();
    Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk").unwrap()))
        .unwrap()
        .with_tenant(TenantDefaults::new().cc_id(1).vdn(7))
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
            when.method("POST").path(PATH);
            then.status(200).json_body(answer.clone());
        })
        .await;
    let c = client(&server);
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
            when.method("POST").path(PATH);
            then.status(200).json_body(json!({"resultCode": "0100001", "resultDesc": "parameter error"}));
        })
        .await;
    let c = client(&server);
    let by_send = c.vdn_querycalls().begin_date(1).end_date(2).send().await.unwrap_err();
    let by_value = c.vdn_querycalls().begin_date(1).end_date(2).send_value().await.unwrap_err();
    assert_eq!(by_value.code(), Some("0100001"));
    assert_eq!((by_value.kind(), by_value.code()), (by_send.kind(), by_send.code()));
    // Validation runs before anything is sent, as for send.
    let e = c.vdn_querycalls().begin_date(1).send_value().await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Validation);
}
