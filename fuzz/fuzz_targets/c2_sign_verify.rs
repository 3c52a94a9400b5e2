//! The C2 signer and verifier: a request signed by `AkSkSigner` (any method,
//! path, query, body and dialect) verifies with `C2Verifier` at the same
//! instant; arbitrary `Authorization` values and requests never panic the
//! verifier or the parser.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cec_auth::AkSkSigner;
use cec_core::http::{HeaderMap, HeaderValue, Method};
use cec_core::sign::C2Dialect;
use cec_core::transport::HttpRequest;
use cec_core::verify::{C2Verifier, ReceivedRequest};

fn fixed() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(1_768_465_800_123)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    // path \n query \n body
    let mut parts = rest.splitn(3, |b| *b == b'\n');
    let path = cec_fuzz::text(parts.next().unwrap_or_default());
    let query = cec_fuzz::text(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let dialects: Vec<C2Dialect> = C2Dialect::all().collect();
    let dialect = dialects[usize::from(sel) % dialects.len()];
    let method = [Method::POST, Method::GET, Method::PUT, Method::DELETE][usize::from(sel >> 4) % 4].clone();

    // Round trip.
    let Ok(mut url) = url::Url::parse("https://cms.example.com:28443/") else { return };
    url.set_path(&path);
    if !query.is_empty() {
        url.set_query(Some(&query));
    }
    let mut req = HttpRequest {
        method,
        url,
        headers: HeaderMap::new(),
        body: cec_core::__private::Bytes::copy_from_slice(body),
    };
    let signer = AkSkSigner::new("fuzz-ak", "fuzz-sk").unwrap().with_dialect(dialect).with_clock(fixed);
    if signer.sign_request(&mut req).is_ok() {
        let received = ReceivedRequest {
            method: req.method.as_str(),
            path: req.url.path(),
            query: req.url.query(),
            headers: &req.headers,
            body: &req.body,
        };
        let verifier = C2Verifier::new().key("fuzz-ak", "fuzz-sk");
        if let Err(e) = verifier.verify(&received, fixed()) {
            panic!("a signed request does not verify: {e} ({} {:?})", req.method, req.url.as_str());
        }
    }

    // Arbitrary Authorization values against the verifier and the parser.
    let value = cec_fuzz::text(rest);
    let _ = cec_core::sign::parse_authorization(&value);
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&value) {
        headers.insert("authorization", v);
    }
    headers.insert("host", HeaderValue::from_static("cms.example.com:28443"));
    let received = ReceivedRequest { method: "POST", path: &path, query: Some(&query), headers: &headers, body };
    let verifier = C2Verifier::new().key("fuzz-ak", "fuzz-sk");
    let _ = verifier.verify(&received, fixed());
    let _ = verifier.canonical_request(&received);
});
