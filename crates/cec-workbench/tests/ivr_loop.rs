//! The whole IVR loop on loopback: the simulator's Interface Invoking element
//! calls a business interface built with this crate (the `ivr_interface`
//! example) and maps its answer into flow variables.

#![allow(clippy::unwrap_used)]

#[allow(dead_code)]
#[path = "../examples/ivr_interface.rs"]
mod ivr_interface;

use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_simulated_flow_maps_the_answer_of_the_example_interface() {
    let run = ivr_interface::run("13800000001").await.unwrap();
    assert_eq!(run.outcome, "queued");
    assert_eq!(run.flow_vars["name"], json!("Alice"));
    assert_eq!(run.flow_vars["greeting"], json!("Hello Alice"));
    assert_eq!(run.global_vars["level"], json!("gold"));
    assert_eq!(run.steps[0].request, Some(json!({"caller": "13800000001", "lang": "en"})));
    assert_eq!(run.steps[0].status, Some(200));

    let unknown = ivr_interface::run("13900000009").await.unwrap();
    assert_eq!(unknown.outcome, "ended", "returnCode 1: no branch, the next step ends the call");
    assert_eq!(unknown.flow_vars["code"], json!("1"));
    assert_eq!(unknown.global_vars["level"], json!("unknown"));
}

/// A request the interface cannot parse fails the way the flow sees it: an
/// HTTP error, so the element takes SYSERROR_INTERFACE.
#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_request_is_an_http_error() {
    use cec_workbench::server::BusinessInterfaceServer;
    use cec_workbench::{Answer, BusinessInterface, Failure};
    #[derive(serde::Deserialize)]
    struct Req {
        #[allow(dead_code)]
        caller: String,
    }
    let server = BusinessInterfaceServer::start(
        "127.0.0.1:0".parse().unwrap(),
        "/x",
        BusinessInterface::new("x"),
        |_: Req| async { Ok::<_, Failure>(Answer::new().return_code("0")) },
    )
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(cec_core::transport::rustls_config(&Default::default(), false).unwrap())
        .build()
        .unwrap();
    let bad = client.post(server.url()).body(r#"{"caller": 1}"#).send().await.unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    assert_eq!(bad.headers()["content-type"], "application/json;charset=UTF-8");
    let ok = client.post(server.url()).body(r#"{"caller": "1"}"#).send().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&ok.bytes().await.unwrap()).unwrap();
    assert_eq!(body, json!({"returnCode": "0"}));
    server.shutdown().await;
}
