//! The C2 vectors adopted by the project (`tests/c2-vectors.json`): every step checked.

use cec_core::sign::{SignableRequest, authorization, canonical_request};

#[test]
fn c2_vectors() {
    let doc: serde_json::Value = serde_json::from_str(include_str!("c2-vectors.json")).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let query: Vec<(String, String)> = case["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
            .collect();
        let headers: Vec<(&str, &str)> = case["signed_headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        let req = SignableRequest {
            method: case["method"].as_str().unwrap(),
            path: case["path"].as_str().unwrap(),
            query: &query,
            headers: &headers,
            body: case["body"].as_str().unwrap().as_bytes(),
        };
        assert_eq!(canonical_request(&req), case["canonical_request"].as_str().unwrap(), "{name}: canonical");
        let auth = authorization(
            case["ak"].as_str().unwrap(),
            case["sk"].as_str().unwrap().as_bytes(),
            case["timestamp"].as_str().unwrap(),
            &req,
        );
        assert_eq!(auth, case["authorization"].as_str().unwrap(), "{name}: authorization");
    }
}
