//! The documented 65535-character limit on `inputJsonData` (RPA queue data) is
//! checked before sending: the longest allowed value passes, one more is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cec_core::{Config, RetryPolicy};

fn client() -> cec_oiap::Client {
    let config = Config::builder("http://127.0.0.1:9").retry(RetryPolicy::disabled()).build().unwrap();
    cec_oiap::Client::new(config, cec_auth::OiapCredentials::tenant("tenant001", "test-secret")).unwrap()
}

#[test]
fn input_json_data_allows_65535_characters() {
    let c = client();
    let call = c
        .gts_rpa_create_rpa_queue_data()
        .tenant_id("t1")
        .auth_token("tok")
        .queue_uid("q1")
        .input_json_data("x".repeat(65535))
        .into_call()
        .unwrap();
    let body = call.body.expect("a body");
    assert_eq!(body["inputJsonData"].as_str().map(str::len), Some(65535));
}

#[test]
fn input_json_data_refuses_65536_characters() {
    let c = client();
    let e = c
        .gts_rpa_create_rpa_queue_data()
        .tenant_id("t1")
        .auth_token("tok")
        .queue_uid("q1")
        .input_json_data("x".repeat(65536))
        .into_call()
        .expect_err("over the documented limit");
    assert!(e.is_validation(), "{e:?}");
    assert_eq!(e.field(), Some("inputJsonData"));
}
