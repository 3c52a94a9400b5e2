//! Test support (feature `test-util`): the interface matrix every NE crate's
//! generated tests run against an httpmock server.
//!
//! For one interface, [`check_json`] / [`check_binary`] verify that the client
//! sends exactly the documented request (method, path, query, headers with auth,
//! JSON body), parses a documented success, turns the NE's error envelope into
//! the typed error with its code, and maps HTTP 401, HTTP 500 and a malformed
//! body to the right error kinds. [`check_refused`] verifies that a request
//! breaking a documented constraint fails before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::future::Future;

use httpmock::{Method, MockServer};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, ErrorKind};
use crate::transport::BodyStream;

/// Parses JSON text (generated tests keep their samples as text).
pub fn v(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON sample")
}

/// A credential interface the client calls first (token mocks).
#[derive(Debug, Clone)]
pub struct Prelude {
    pub method: &'static str,
    pub path: &'static str,
    pub response: Value,
}

/// The failure answer of an interface and the error it must become.
#[derive(Debug, Clone)]
pub struct Failure {
    pub body: Value,
    pub code: &'static str,
    pub kind: ErrorKind,
}

/// What one interface must send and what it gets back.
#[derive(Debug, Clone)]
pub struct Case {
    pub op: &'static str,
    pub method: &'static str,
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(&'static str, String)>,
    /// Headers that must be present (values vary, e.g. a C2 signature).
    pub present: Vec<&'static str>,
    pub body: Option<Value>,
    pub success: Value,
    pub failure: Option<Failure>,
    pub prelude: Vec<Prelude>,
}

fn method(m: &str) -> Method {
    match m {
        "GET" => Method::GET,
        "PUT" => Method::PUT,
        "DELETE" => Method::DELETE,
        "PATCH" => Method::PATCH,
        _ => Method::POST,
    }
}

async fn server_for(case: &Case) -> MockServer {
    let server = MockServer::start_async().await;
    for p in &case.prelude {
        let resp = p.response.clone();
        server
            .mock_async(|when, then| {
                when.method(method(p.method)).path(p.path);
                then.status(200).header("content-type", "application/json").json_body(resp);
            })
            .await;
    }
    server
}

/// Registers the documented request; returns the mock.
async fn expect<'a>(
    server: &'a MockServer,
    case: &Case,
    status: u16,
    content_type: &str,
    body: Vec<u8>,
) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            let mut w = when.method(method(case.method)).path(case.path.as_str());
            for (k, v) in &case.query {
                w = w.query_param(*k, v.as_str());
            }
            for (k, v) in &case.headers {
                w = w.header(*k, v.as_str());
            }
            for k in &case.present {
                w = w.header_exists(*k);
            }
            w = w.header("content-type", "application/json;charset=UTF-8");
            if let Some(b) = &case.body {
                w.json_body(b.clone());
            }
            then.status(status).header("content-type", content_type).body(body);
        })
        .await
}

fn err_of<E: Into<Error>>(r: Result<impl Sized, E>, what: &str) -> Error {
    match r {
        Ok(_) => panic!("{what}: expected an error, got a success"),
        Err(e) => e.into(),
    }
}

/// Every field of `expected` that the typed output kept must be equal; a bare
/// array answer is compared item by item.
fn assert_subset(op: &str, expected: &Value, got: &Value) {
    match (expected, got) {
        (Value::Object(exp), Value::Object(obj)) => {
            assert!(!obj.is_empty() || exp.is_empty(), "{op}: the typed response lost every field: {got}");
            for (k, v) in exp {
                if let Some(g) = obj.get(k) {
                    assert_eq!(g, v, "{op}: field {k}");
                }
            }
        }
        (Value::Array(exp), Value::Array(items)) => {
            assert_eq!(exp.len(), items.len(), "{op}: array items");
            for (x, y) in exp.iter().zip(items) {
                assert_subset(op, x, y);
            }
        }
        _ => assert_eq!(expected, got, "{op}"),
    }
}

/// `value` with the member at `path` (object keys) set to `new`; generated tests
/// use it to build long constraint-breaking strings at run time.
pub fn set_at(mut value: Value, path: &[&str], new: Value) -> Value {
    let mut cur = &mut value;
    for k in path {
        cur = &mut cur[*k];
    }
    *cur = new;
    value
}

async fn error_cases<C, T, E, F, Fut>(case: &Case, client: &impl Fn(&MockServer) -> C, call: &F)
where
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<Error>,
{
    let op = case.op;
    if let Some(f) = &case.failure {
        let server = server_for(case).await;
        expect(&server, case, 200, "application/json", serde_json::to_vec(&f.body).unwrap()).await;
        let e = err_of(call(client(&server)).await, op);
        assert_eq!(e.code(), Some(f.code), "{op}: error code ({e:?})");
        assert_eq!(e.kind(), f.kind, "{op}: error kind ({e:?})");
        assert_eq!(e.operation(), Some(op));
        assert_eq!(e.message(), "simulated failure", "{op}");
    }
    for (status, body, kind) in
        [(401, "", ErrorKind::Auth), (500, "internal failure", ErrorKind::Http), (200, "{not json", ErrorKind::Decode)]
    {
        let server = server_for(case).await;
        expect(&server, case, status, "application/json", body.as_bytes().to_vec()).await;
        let e = err_of(call(client(&server)).await, op);
        assert_eq!(e.kind(), kind, "{op}: HTTP {status} {body:?} ({e:?})");
        assert_eq!(e.status(), Some(status), "{op}");
        if !body.is_empty() {
            assert!(e.body_excerpt().unwrap_or_default().contains(body), "{op}: body excerpt ({e:?})");
        }
    }
}

/// The full matrix for an interface answering JSON.
pub async fn check_json<C, T, E, F, Fut>(case: Case, client: impl Fn(&MockServer) -> C, call: F)
where
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    T: Serialize,
    E: Into<Error>,
{
    let server = server_for(&case).await;
    let mock =
        expect(&server, &case, 200, "application/json;charset=UTF-8", serde_json::to_vec(&case.success).unwrap()).await;
    let out = match call(client(&server)).await {
        Ok(v) => v,
        Err(e) => panic!("{}: {:?}", case.op, e.into()),
    };
    assert_subset(case.op, &case.success, &serde_json::to_value(&out).unwrap());
    assert_eq!(mock.calls_async().await, 1, "{}: the documented request was sent once", case.op);
    error_cases(&case, &client, &call).await;
}

/// The full matrix for an interface answering with a file.
pub async fn check_binary<C, E, F, Fut>(case: Case, client: impl Fn(&MockServer) -> C, call: F)
where
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<crate::BinaryResponse, E>>,
    E: Into<Error>,
{
    let server = server_for(&case).await;
    let file = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
    let mock = expect(&server, &case, 200, "application/octet-stream", file.clone()).await;
    let out = match call(client(&server)).await {
        Ok(v) => v,
        Err(e) => panic!("{}: {:?}", case.op, e.into()),
    };
    assert_eq!(collect(out.body).await, file, "{}: the file streamed intact", case.op);
    assert_eq!(mock.calls_async().await, 1);
    error_cases(&case, &client, &call).await;
}

async fn collect(mut body: BodyStream) -> Vec<u8> {
    let mut got = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
        got.extend_from_slice(&chunk.unwrap());
    }
    got
}

/// A callback receiver: parses the documented body, refuses a wrong token and a
/// malformed body, and answers with an acknowledgement object.
pub fn check_callback<T: Serialize>(
    id: &str,
    sample: Value,
    receive: impl Fn(&http::HeaderMap, &[u8], Option<&str>) -> crate::Result<T>,
    token_header: Option<&str>,
    ack: Value,
) {
    let mut headers = http::HeaderMap::new();
    if let Some(h) = token_header {
        headers.insert(http::HeaderName::from_bytes(h.as_bytes()).unwrap(), http::HeaderValue::from_static("tok-1"));
    }
    let body = serde_json::to_vec(&sample).unwrap();
    let parsed = receive(&headers, &body, Some("tok-1")).unwrap_or_else(|e| panic!("{id}: {e:?}"));
    let got = serde_json::to_value(&parsed).unwrap();
    match (&sample, &got) {
        (Value::Array(a), Value::Array(b)) => {
            assert_eq!(a.len(), b.len(), "{id}");
            for (x, y) in a.iter().zip(b) {
                assert_subset(id, x, y);
            }
        }
        _ => assert_subset(id, &sample, &got),
    }
    if token_header.is_some() {
        let e = receive(&headers, &body, Some("another-token")).err().expect("a wrong token is refused");
        assert!(e.is_auth(), "{id}: {e:?}");
    }
    let e = receive(&headers, b"{not json", None).err().expect("a malformed body is refused");
    assert_eq!(e.kind(), ErrorKind::Decode, "{id}");
    assert!(ack.is_object(), "{id}: the acknowledgement is a JSON object");
}

/// A request that breaks a documented constraint fails on `field` and is never sent.
pub async fn check_refused<C, T, E, F, Fut>(client: impl Fn(&MockServer) -> C, call: F, field: &str)
where
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Into<Error>,
{
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let e = err_of(call(client(&server)).await, field);
    assert!(e.is_validation(), "{e:?}");
    assert_eq!(e.field(), Some(field));
    assert!(!e.may_have_been_sent());
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

/// A transport that records the path of every request it sends, then sends it
/// with the default reqwest transport: proves which requests share a pool.
#[derive(Debug)]
pub struct RecordingTransport {
    inner: crate::transport::ReqwestTransport,
    paths: std::sync::Mutex<Vec<String>>,
}

impl RecordingTransport {
    /// A recording transport over a fresh reqwest client.
    pub fn new() -> std::sync::Arc<Self> {
        let plain = crate::Config::builder("http://127.0.0.1").build().unwrap();
        std::sync::Arc::new(RecordingTransport {
            inner: crate::transport::ReqwestTransport::from_config(&plain).unwrap(),
            paths: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// The paths sent so far, in order.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl crate::transport::Transport for RecordingTransport {
    async fn send(&self, request: crate::transport::HttpRequest) -> crate::Result<crate::transport::HttpResponse> {
        self.paths.lock().unwrap().push(request.url.path().to_owned());
        self.inner.send(request).await
    }
}

/// Checks a documented sample response (as printed on a reference page) against the
/// generated response type `T`, through the client's own decoding path: the envelope
/// ([`crate::envelope::decode`], HTTP 200) and then [`crate::envelope::into_typed`].
/// A documented failure sample (the envelope reports a service error) is typed as is.
///
/// Returns the problems found: the sample does not decode, or a sample member is not a
/// field of the type (found by re-serializing the typed value: a member the type does not
/// know is lost). Members whose value is `null` or `""` cannot be told apart this way (the
/// lenient decoders read them as absent) and are left to `cargo xtask lint-spec`. `skip`
/// lists dotted member paths the envelope reads itself (result code and message).
pub fn sample_response_problems<T>(op: &'static crate::OperationMeta, sample: &Value, skip: &[&str]) -> Vec<String>
where
    T: serde::de::DeserializeOwned + Serialize,
{
    let bytes = match serde_json::to_vec(sample) {
        Ok(b) => b,
        Err(e) => return vec![format!("sample does not serialize: {e}")],
    };
    let value = match crate::envelope::decode(op, http::StatusCode::OK, &http::HeaderMap::new(), &bytes) {
        Ok(v) => v,
        Err(e) if e.kind() == ErrorKind::Service => sample.clone(),
        Err(e) => return vec![format!("the envelope refuses the sample: {e}")],
    };
    let typed: T = match crate::envelope::into_typed(op, http::StatusCode::OK, value.clone()) {
        Ok(t) => t,
        Err(e) => return vec![format!("sample does not decode into the response type: {e}")],
    };
    let mut problems = Vec::new();
    match serde_json::to_value(&typed) {
        Ok(back) => {
            // The client decodes in one pass (`decode_typed`): it must read the sample
            // exactly as the general way does.
            match crate::envelope::decode_typed::<T>(op, http::StatusCode::OK, &http::HeaderMap::new(), &bytes) {
                Ok(one) if serde_json::to_value(&one).ok().as_ref() != Some(&back) => {
                    problems.push("the one-pass decoding reads the sample differently".into())
                }
                Ok(_) | Err(_) => {}
            }
            unknown_members(&value, &back, "", skip, &mut problems)
        }
        Err(e) => problems.push(format!("typed response does not serialize: {e}")),
    }
    problems
}

/// Checks a documented sample request body against the generated request body type `T`
/// (strict: a value of another JSON type is refused, as the client would never send it).
/// Returns the problems found, as [`sample_response_problems`] does; `skip` lists dotted
/// member paths the client fills in itself (a token in the body).
pub fn sample_request_problems<T>(sample: &Value, skip: &[&str]) -> Vec<String>
where
    T: serde::de::DeserializeOwned + Serialize,
{
    let mut trimmed = sample.clone();
    for path in skip {
        remove_at(&mut trimmed, path);
    }
    let typed: T = match serde_json::from_value(trimmed.clone()) {
        Ok(t) => t,
        Err(e) => return vec![format!("sample does not decode into the request body type: {e}")],
    };
    let mut problems = Vec::new();
    match serde_json::to_value(&typed) {
        Ok(back) => unknown_members(&trimmed, &back, "", &[], &mut problems),
        Err(e) => problems.push(format!("typed request does not serialize: {e}")),
    }
    problems
}

fn remove_at(v: &mut Value, dotted: &str) {
    let (head, rest) = match dotted.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (dotted, None),
    };
    if let Some(obj) = v.as_object_mut() {
        match rest {
            None => {
                obj.remove(head);
            }
            Some(r) => {
                if let Some(inner) = obj.get_mut(head) {
                    remove_at(inner, r);
                }
            }
        }
    }
}

/// Members of `sample` (recursively, lists item by item) that `typed` lost.
fn unknown_members(sample: &Value, typed: &Value, at: &str, skip: &[&str], out: &mut Vec<String>) {
    match (sample, typed) {
        (Value::Object(s), Value::Object(t)) => {
            for (k, sv) in s {
                let here = if at.is_empty() { k.clone() } else { format!("{at}.{k}") };
                if skip.contains(&here.as_str()) {
                    continue;
                }
                match t.get(k) {
                    Some(tv) => unknown_members(sv, tv, &here, skip, out),
                    None if sv.is_null() || sv.as_str() == Some("") => {}
                    None => out.push(format!("{here}: not a field of the generated type")),
                }
            }
        }
        (Value::Object(s), _) if !s.is_empty() => {
            out.push(format!("{}: an object in the sample, not typed as one", if at.is_empty() { "." } else { at }))
        }
        (Value::Array(s), Value::Array(t)) => {
            for (n, (sv, tv)) in s.iter().zip(t).enumerate() {
                unknown_members(sv, tv, &format!("{at}[{n}]"), skip, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod sample_tests {
    use super::*;
    use crate::operation::{AuthKind, Envelope, OperationMeta, ResponseKind, RetryClass};

    static ENV: Envelope = Envelope {
        code_fields: &["resultCode"],
        success: &["0100000"],
        message_fields: &["resultDesc"],
        auth_codes: &[],
        code_required: false,
    };
    static OP: OperationMeta = OperationMeta {
        id: "t.op",
        ne: "T",
        method: "POST",
        path: "/x",
        auth: AuthKind::None,
        retry: RetryClass::Safe,
        envelope: &ENV,
        response: ResponseKind::Json,
        doc: "",
    };

    #[derive(Serialize, serde::Deserialize, Default)]
    #[serde(default)]
    struct Item {
        #[serde(rename = "agentId", skip_serializing_if = "Option::is_none", deserialize_with = "crate::de::opt_i64")]
        agent_id: Option<i64>,
    }
    #[derive(Serialize, serde::Deserialize, Default)]
    #[serde(default)]
    struct Resp {
        #[serde(rename = "resultCode", skip_serializing_if = "Option::is_none")]
        result_code: Option<String>,
        #[serde(rename = "items", skip_serializing_if = "Option::is_none")]
        items: Option<Vec<Item>>,
    }
    #[derive(Serialize, serde::Deserialize, Default)]
    struct Req {
        #[serde(rename = "ccId", skip_serializing_if = "Option::is_none", default)]
        cc_id: Option<i64>,
    }

    #[test]
    fn finds_members_the_type_does_not_know() {
        let ok = v(r#"{"resultCode":"0100000","resultDesc":"ok","items":[{"agentId":101}]}"#);
        assert!(sample_response_problems::<Resp>(&OP, &ok, &["resultDesc"]).is_empty());
        let bad = v(r#"{"resultCode":"0100000","items":[{"agentId":101,"skill":"x"}],"count":3}"#);
        let p = sample_response_problems::<Resp>(&OP, &bad, &["resultDesc"]);
        assert_eq!(
            p,
            vec!["count: not a field of the generated type", "items[0].skill: not a field of the generated type"]
        );
        // A documented failure sample is typed as well.
        let failed = v(r#"{"resultCode":"0100002","extra":1}"#);
        assert_eq!(sample_response_problems::<Resp>(&OP, &failed, &[]).len(), 1);
        // A nested list typed as something else is a decoding problem.
        let wrong = v(r#"{"items":{"agentId":1}}"#);
        assert!(sample_response_problems::<Resp>(&OP, &wrong, &[])[0].contains("does not decode"));
    }

    #[test]
    fn request_samples_are_strict() {
        assert!(sample_request_problems::<Req>(&v(r#"{"ccId":1}"#), &[]).is_empty());
        assert!(sample_request_problems::<Req>(&v(r#"{"ccId":"1"}"#), &[])[0].contains("does not decode"));
        assert_eq!(sample_request_problems::<Req>(&v(r#"{"ccId":1,"vdn":2}"#), &[]).len(), 1);
        assert!(sample_request_problems::<Req>(&v(r#"{"ccId":1,"authToken":"t"}"#), &["authToken"]).is_empty());
    }
}
