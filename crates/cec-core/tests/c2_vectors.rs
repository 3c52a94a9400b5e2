//! The C2 vectors (`tests/c2-vectors.json`, copied from the project's shared
//! reference; every expected value reproduced by running Huawei's own public
//! Java signer): the streaming signer and the plain verifier each checked
//! against every case, and against each other on random requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cec_core::http::{HeaderMap, HeaderName, HeaderValue};
use cec_core::sign::{SignableRequest, authorization, canonical_request, encode};
use cec_core::verify::{C2Verifier, ReceivedRequest, VerifyError};
use proptest::prelude::*;

struct Case {
    name: String,
    ak: String,
    sk: String,
    timestamp: String,
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: String,
    canonical: String,
    authorization: String,
}

fn cases() -> Vec<Case> {
    let doc: serde_json::Value = serde_json::from_str(include_str!("c2-vectors.json")).unwrap();
    let s = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: s(&c["name"]),
            ak: s(&c["ak"]),
            sk: s(&c["sk"]),
            timestamp: s(&c["timestamp"]),
            method: s(&c["method"]),
            path: s(&c["path"]),
            query: c["query"].as_array().unwrap().iter().map(|p| (s(&p[0]), s(&p[1]))).collect(),
            headers: c["signed_headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), s(v))).collect(),
            body: s(&c["body"]),
            canonical: s(&c["canonical_request"]),
            authorization: s(&c["authorization"]),
        })
        .collect()
}

/// The query string as the client sends it (each key and value percent-encoded).
fn query_string(q: &[(String, String)]) -> Option<String> {
    (!q.is_empty()).then(|| {
        q.iter()
            .map(|(k, v)| format!("{}={}", encode(k.as_bytes()), encode(v.as_bytes())))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn header_map(headers: &[(String, String)], auth: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    h.insert("authorization", HeaderValue::from_str(auth).unwrap());
    h
}

#[test]
fn there_are_six_revised_cases() {
    let c = cases();
    assert_eq!(c.len(), 6);
    // Revised: no query line without a query; whole-string sort of pairs.
    assert!(c[0].canonical.starts_with("POST\n/rest/cmsapp/v1/ping\ncontent-length;"));
    assert!(c[4].canonical.contains("\nflag=&id2=1&id=1\n"));
}

#[test]
fn signer_reproduces_every_vector() {
    for case in cases() {
        let headers: Vec<(&str, &str)> = case.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let req = SignableRequest {
            method: &case.method,
            path: &case.path,
            query: &case.query,
            headers: &headers,
            body: case.body.as_bytes(),
        };
        assert_eq!(canonical_request(&req), case.canonical, "{}: canonical", case.name);
        let auth = authorization(&case.ak, case.sk.as_bytes(), &case.timestamp, &req);
        assert_eq!(auth, case.authorization, "{}: authorization", case.name);
    }
}

#[test]
fn verifier_accepts_every_vector_and_rebuilds_its_canonical_request() {
    for case in cases() {
        let q = query_string(&case.query);
        let headers = header_map(&case.headers, &case.authorization);
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q.as_deref(),
            headers: &headers,
            body: case.body.as_bytes(),
        };
        let now = cec_core::time::parse_utc(&case.timestamp).unwrap();
        let v = C2Verifier::new().key(&case.ak, case.sk.as_str());
        assert_eq!(v.canonical_request(&req).as_deref(), Some(case.canonical.as_str()), "{}: canonical", case.name);
        let ok = v.verify(&req, now).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(ok.ak, case.ak);
    }
}

#[test]
fn verifier_refuses_every_vector_once_changed() {
    for case in cases() {
        let q = query_string(&case.query);
        let now = cec_core::time::parse_utc(&case.timestamp).unwrap();
        let v = C2Verifier::new().key(&case.ak, case.sk.as_str());
        // A body byte changed.
        let headers = header_map(&case.headers, &case.authorization);
        let body = format!("{} ", case.body);
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q.as_deref(),
            headers: &headers,
            body: body.as_bytes(),
        };
        assert!(matches!(v.verify(&req, now), Err(VerifyError::SignatureMismatch { .. })), "{}", case.name);
        // A query pair added.
        let q2 = Some(q.clone().map_or("x=1".to_owned(), |q| format!("{q}&x=1")));
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q2.as_deref(),
            headers: &headers,
            body: case.body.as_bytes(),
        };
        assert!(matches!(v.verify(&req, now), Err(VerifyError::SignatureMismatch { .. })), "{}", case.name);
        // Another secret key.
        let other = C2Verifier::new().key(&case.ak, "another-sk");
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q.as_deref(),
            headers: &headers,
            body: case.body.as_bytes(),
        };
        assert!(other.verify(&req, now).is_err(), "{}", case.name);
        // A signed header missing.
        let mut stripped = headers.clone();
        stripped.remove("host");
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q.as_deref(),
            headers: &stripped,
            body: case.body.as_bytes(),
        };
        assert_eq!(v.verify(&req, now), Err(VerifyError::SignedHeaderMissing("host".into())), "{}", case.name);
        // Too far from the server's clock.
        let later = now + std::time::Duration::from_secs(3600);
        let req = ReceivedRequest {
            method: &case.method,
            path: &case.path,
            query: q.as_deref(),
            headers: &headers,
            body: case.body.as_bytes(),
        };
        assert!(matches!(v.verify(&req, later), Err(VerifyError::Stale { .. })), "{}", case.name);
    }
}

fn token() -> impl Strategy<Value = String> {
    // Printable text with reserved and non-ASCII characters.
    proptest::string::string_regex("[a-zA-Z0-9 ._~+&=%/?#é客\"-]{0,12}").unwrap()
}

proptest! {
    /// The streaming signer and the plain verifier agree on random requests, in
    /// every dialect.
    #[test]
    fn signer_and_verifier_agree(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "patch"]),
        segs in prop::collection::vec("[a-zA-Z0-9._~-]{1,8}", 1..4),
        query in prop::collection::vec((token(), token()), 0..5),
        body in proptest::string::string_regex(".{0,200}").unwrap(),
        ctype in prop::sample::select(vec!["application/json;charset=UTF-8", " application/json; charset=UTF-8 "]),
        host in prop::sample::select(vec!["cms.example.com", "10.1.2.3:28080", "[::1]:8443"]),
        dialect in prop::sample::select(cec_core::sign::C2Dialect::all().collect::<Vec<_>>()),
        secs in 1_700_000_000u64..1_900_000_000,
        millis in 0u64..1000,
    ) {
        let path = format!("/{}", segs.join("/"));
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(secs * 1000 + millis);
        let ts = dialect.timestamp.format(t);
        let length = body.len().to_string();
        let all = [("content-length", length.as_str()), ("content-type", ctype), ("host", host)];
        let signed: Vec<(&str, &str)> = all.iter().copied().filter(|(n, _)| dialect.headers.names().contains(n)).collect();
        let req = SignableRequest { method, path: &path, query: &query, headers: &signed, body: body.as_bytes() };
        let auth = authorization("ak-1", b"sk-1", &ts, &req);
        let q = query_string(&query);
        let mut headers = HeaderMap::new();
        for (n, v) in all {
            headers.insert(HeaderName::from_static(n), HeaderValue::from_str(v).unwrap());
        }
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        let rec = ReceivedRequest { method, path: &path, query: q.as_deref(), headers: &headers, body: body.as_bytes() };
        let v = C2Verifier::new().key("ak-1", "sk-1");
        prop_assert_eq!(v.canonical_request(&rec), Some(canonical_request(&req)));
        let ok = v.verify(&rec, t);
        prop_assert!(ok.is_ok(), "{:?}", ok);
        let ok = ok.unwrap();
        prop_assert_eq!(ok.timestamp_form, dialect.timestamp);
        prop_assert_eq!(ok.header_set, Some(dialect.headers));
        // Restricted to another dialect, the same request is refused as such.
        let other = cec_core::sign::C2Dialect::all().find(|d| *d != dialect).unwrap();
        let strict = C2Verifier::new().key("ak-1", "sk-1").accept_only(&[other]);
        let refused = matches!(strict.verify(&rec, t), Err(VerifyError::DialectRefused(_)));
        prop_assert!(refused);
    }
}
