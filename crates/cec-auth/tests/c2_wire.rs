//! What is signed is what goes out: a raw TCP server records the exact request
//! bytes reqwest sends for a signed POST, a bodiless GET and a DELETE, in every
//! C2 dialect, and checks them with cec-core's independent verifier — every
//! signed header present exactly once, with exactly the signed value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use cec_auth::{AkSkSigner, C2Auth, C2Dialect};
use cec_core::http::{HeaderMap, HeaderName, HeaderValue};
use cec_core::verify::{C2Verifier, ReceivedRequest};
use cec_core::{AuthKind, Call, Config, Envelope, OperationMeta, ResponseKind, RetryClass};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static NONE: Envelope =
    Envelope { code_fields: &[], success: &[], message_fields: &[], auth_codes: &[], code_required: false };

const fn op(id: &'static str, method: &'static str, path: &'static str) -> OperationMeta {
    OperationMeta {
        id,
        ne: "CC-iSales",
        method,
        path,
        auth: AuthKind::Signature,
        retry: RetryClass::Unsafe,
        envelope: &NONE,
        response: ResponseKind::Json,
        doc: "",
    }
}

static POST: OperationMeta = op("t.post", "POST", "/rest/isales/v1/openapi/campaigns/{id}");
static GET: OperationMeta = op("t.get", "GET", "/rest/isales/v1/openapi/campaigns/{id}");
static DELETE: OperationMeta = op("t.delete", "DELETE", "/rest/isales/v1/openapi/campaigns/{id}");

/// One request as it arrived: request line, header lines (raw), body.
#[derive(Debug, Clone)]
struct Raw {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_more(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match s.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

async fn serve(log: Arc<Mutex<Vec<Raw>>>) -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let head_end = loop {
                        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break p;
                        }
                        if !read_more(&mut s, &mut buf).await {
                            return;
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let mut lines = head.split("\r\n");
                    let mut rl = lines.next().unwrap_or("").split(' ');
                    let method = rl.next().unwrap_or("").to_owned();
                    let target = rl.next().unwrap_or("").to_owned();
                    let headers: Vec<(String, String)> = lines
                        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.to_owned(), v.trim().to_owned())))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    while buf.len() < head_end + 4 + len {
                        if !read_more(&mut s, &mut buf).await {
                            return;
                        }
                    }
                    let body = buf[head_end + 4..head_end + 4 + len].to_vec();
                    buf.drain(..head_end + 4 + len);
                    log.lock().unwrap().push(Raw { method, target, headers, body });
                    let reply = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
                    if s.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn every_signed_header_goes_out_with_the_signed_value() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let addr = serve(log.clone()).await;
    let endpoint = format!("http://{addr}");
    for dialect in C2Dialect::all() {
        let signer = AkSkSigner::new("wire-ak", "wire-sk").unwrap().with_dialect(dialect);
        let client =
            cec_core::Client::new(Config::builder(&endpoint).build().unwrap(), Arc::new(C2Auth::Signature(signer)))
                .unwrap();
        let body = serde_json::json!({"name": "spring sale", "note": "Olá & co"});
        client.call_value(&POST, Call::new().path("id", "42").body(body)).await.unwrap();
        client
            .call_value(&GET, Call::new().path("id", "42").query("limit", "50").query("name", "a b+c"))
            .await
            .unwrap();
        client.call_value(&DELETE, Call::new().path("id", "42")).await.unwrap();

        let got: Vec<Raw> = std::mem::take(&mut *log.lock().unwrap());
        assert_eq!(got.iter().map(|r| r.method.as_str()).collect::<Vec<_>>(), ["POST", "GET", "DELETE"], "{dialect}");
        let verifier = C2Verifier::new().key("wire-ak", "wire-sk").accept_only(&[dialect]);
        for raw in &got {
            let mut headers = HeaderMap::new();
            for (k, v) in &raw.headers {
                headers.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
            }
            let (path, query) = match raw.target.split_once('?') {
                Some((p, q)) => (p, Some(q)),
                None => (raw.target.as_str(), None),
            };
            let req = ReceivedRequest { method: &raw.method, path, query, headers: &headers, body: &raw.body };
            let ok = verifier.verify(&req, SystemTime::now());
            assert!(ok.is_ok(), "{dialect} {}: {ok:?}\n{raw:?}", raw.method);
            for name in dialect.headers.names() {
                let n = raw.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).count();
                assert_eq!(n, 1, "{dialect} {}: signed header {name} sent {n} times", raw.method);
            }
            let host = raw.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("host")).map(|(_, v)| v.as_str());
            assert_eq!(host, Some(addr.to_string().as_str()), "{dialect}: Host as signed");
            if raw.body.is_empty() && !dialect.headers.names().contains(&"content-length") {
                // Nothing unsigned pretends to describe the body.
                assert!(
                    raw.headers.iter().all(|(k, v)| !k.eq_ignore_ascii_case("content-length") || v == "0"),
                    "{dialect} {}",
                    raw.method
                );
            }
        }
    }
}

/// Fuzz regression (`fuzz/fuzz_targets/c2_sign_verify.rs`): a query value with a
/// percent-encoded byte that is not UTF-8 (`%EF` alone) is decoded the same way
/// (U+FFFD) by the signer and the verifier, so the signed request verifies.
#[test]
fn a_query_with_a_lone_percent_encoded_byte_signs_and_verifies() {
    use std::time::{Duration, UNIX_EPOCH};
    fn fixed() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_768_465_800_123)
    }
    let at = fixed();
    let mut url = url::Url::parse("https://cms.example.com:28443/").unwrap();
    url.set_path("?rest/mp&a=csa2");
    url.set_query(Some(r#"{"say": "Helag=lo world!"%EF}"#));
    let mut req = cec_core::transport::HttpRequest {
        method: cec_core::http::Method::POST,
        url,
        headers: HeaderMap::new(),
        body: cec_core::__private::Bytes::new(),
    };
    let signer = AkSkSigner::new("fuzz-ak", "fuzz-sk").unwrap().with_clock(fixed);
    signer.sign_request(&mut req).unwrap();
    let received = ReceivedRequest {
        method: req.method.as_str(),
        path: req.url.path(),
        query: req.url.query(),
        headers: &req.headers,
        body: &req.body,
    };
    C2Verifier::new().key("fuzz-ak", "fuzz-sk").verify(&received, at).unwrap();
}
