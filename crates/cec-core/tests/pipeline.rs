//! The request pipeline: retry classes, budget, timeouts, re-authentication,
//! URL building, binary answers, and no secret in traces or `Debug`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cec_core::{
    AuthKind, Authorizer, Call, Client, Config, Envelope, Error, ErrorKind, HttpRequest, HttpResponse, OperationMeta,
    PreparedRequest, ResponseKind, Result, RetryClass, RetryPolicy, Sent, Transport,
};
use http::{HeaderMap, HeaderValue, StatusCode};

static ENV: Envelope = Envelope {
    code_fields: &["retcode"],
    success: &["0"],
    message_fields: &["message"],
    auth_codes: &["100-006"],
    code_required: true,
};

const fn op(id: &'static str, retry: RetryClass, response: ResponseKind) -> OperationMeta {
    OperationMeta {
        id,
        ne: "Test",
        method: "POST",
        path: "/t/{agentid}/x",
        auth: AuthKind::Bearer,
        retry,
        envelope: &ENV,
        response,
        doc: "",
    }
}
static SAFE: OperationMeta = op("t.safe", RetryClass::Safe, ResponseKind::Json);
static UNSAFE: OperationMeta = op("t.unsafe", RetryClass::Unsafe, ResponseKind::Json);
static FILE: OperationMeta = op("t.file", RetryClass::Safe, ResponseKind::Binary);

/// One scripted answer: status, headers, body (or a transport error).
type Answer = Result<(u16, Vec<(&'static str, &'static str)>, &'static str)>;

/// A transport that answers from a script and records what it was sent.
#[derive(Debug, Default)]
struct Scripted {
    answers: Mutex<VecDeque<Answer>>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Scripted {
    fn new(answers: Vec<Answer>) -> Arc<Self> {
        Arc::new(Scripted { answers: Mutex::new(answers.into()), seen: Mutex::new(Vec::new()) })
    }
    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
impl Transport for Scripted {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        self.seen.lock().unwrap().push(request);
        let next = self.answers.lock().unwrap().pop_front().unwrap_or(Ok((500, vec![], "script ended")));
        let (status, headers, body) = next?;
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(k, HeaderValue::from_static(v));
        }
        Ok(HttpResponse::full(StatusCode::from_u16(status).unwrap(), h, body.as_bytes().to_vec()))
    }
}

/// An authorizer with a secret token that counts refreshes.
#[derive(Debug, Default)]
struct TokenAuth {
    refreshes: Mutex<u32>,
}

const SECRET: &str = "SUPERSECRET-TOKEN-123";

#[async_trait::async_trait]
impl Authorizer for TokenAuth {
    async fn prepare(&self, _op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        let mut v = HeaderValue::from_str(&format!("Bearer {SECRET}")).unwrap();
        v.set_sensitive(true);
        req.headers.insert(http::header::AUTHORIZATION, v);
        Ok(())
    }
    fn invalidate(&self, _op: &'static OperationMeta) -> bool {
        *self.refreshes.lock().unwrap() += 1;
        true
    }
}

fn policy(max_attempts: u32, budget: u32) -> RetryPolicy {
    RetryPolicy::disabled()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_budget(budget)
}

fn client(t: Arc<Scripted>, p: RetryPolicy) -> (Client, Arc<TokenAuth>) {
    let auth = Arc::new(TokenAuth::default());
    let cfg = Config::builder("https://ne.example.com:8043").retry(p).transport(t).build().unwrap();
    (Client::new(cfg, auth.clone()).unwrap(), auth)
}

fn call() -> Call {
    Call::new().path("agentid", "1001").body(serde_json::json!({"password": "SUPERSECRET-PW"}))
}

const OK: &str = r#"{"retcode":"0","message":"success"}"#;

#[tokio::test]
async fn safe_interfaces_retry_server_errors_up_to_max_attempts() {
    let t = Scripted::new(vec![Ok((503, vec![], "busy")), Ok((503, vec![], "busy")), Ok((503, vec![], "busy"))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    let e = c.call_value(&SAFE, call()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Http);
    assert_eq!(e.status(), Some(503));
    assert_eq!(t.requests(), 3);
}

#[tokio::test]
async fn safe_interfaces_recover_from_a_transient_error() {
    let t = Scripted::new(vec![Ok((502, vec![], "bad gateway")), Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    c.call_value(&SAFE, call()).await.unwrap();
    assert_eq!(t.requests(), 2);
}

#[tokio::test]
async fn unsafe_interfaces_are_never_repeated_once_they_may_have_been_sent() {
    let t = Scripted::new(vec![Ok((503, vec![], "busy")), Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    let e = c.call_value(&UNSAFE, call()).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(t.requests(), 1);
    // A timeout may have reached the NE: not repeated either.
    let t = Scripted::new(vec![Err(Error::new(ErrorKind::Timeout, "slow")), Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    let e = c.call_value(&UNSAFE, call()).await.unwrap_err();
    assert!(e.is_timeout());
    assert!(e.may_have_been_sent());
    assert_eq!(t.requests(), 1);
}

#[tokio::test]
async fn a_request_that_never_left_is_retried_even_for_call_control() {
    let refused = Error::new(ErrorKind::Connect, "refused").with_sent(Sent::No);
    let t = Scripted::new(vec![Err(refused), Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    c.call_value(&UNSAFE, call()).await.unwrap();
    assert_eq!(t.requests(), 2);
}

#[tokio::test]
async fn the_retry_budget_stops_retry_storms() {
    // Budget 7: the first retry (cost 5) fits, the second does not.
    let t = Scripted::new(vec![Ok((503, vec![], "")), Ok((503, vec![], "")), Ok((503, vec![], ""))]);
    let (c, _) = client(t.clone(), policy(3, 7));
    c.call_value(&SAFE, call()).await.unwrap_err();
    assert_eq!(t.requests(), 2);
    assert_eq!(c.retry_budget(), 2);
}

#[tokio::test]
async fn service_errors_are_not_retried() {
    let t = Scripted::new(vec![Ok((200, vec![], r#"{"retcode":"100-002","message":"signed in elsewhere"}"#))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    let e = c.call_value(&SAFE, call()).await.unwrap_err();
    assert_eq!(e.code(), Some("100-002"));
    assert_eq!(e.operation(), Some("t.safe"));
    assert_eq!(t.requests(), 1);
}

#[tokio::test]
async fn rejected_credentials_are_refreshed_once() {
    let t = Scripted::new(vec![Ok((401, vec![], "")), Ok((200, vec![], OK))]);
    let (c, auth) = client(t.clone(), policy(1, 500));
    c.call_value(&UNSAFE, call()).await.unwrap();
    assert_eq!(t.requests(), 2);
    assert_eq!(*auth.refreshes.lock().unwrap(), 1);
    let t = Scripted::new(vec![Ok((401, vec![], "")), Ok((401, vec![], "")), Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(3, 500));
    assert!(c.call_value(&UNSAFE, call()).await.unwrap_err().is_auth());
    assert_eq!(t.requests(), 2);
}

/// An authorizer whose credential source refuses (a token endpoint answering 401).
#[derive(Debug, Default)]
struct RefusedCredentials {
    prepares: Mutex<u32>,
}

#[async_trait::async_trait]
impl Authorizer for RefusedCredentials {
    async fn prepare(&self, _op: &'static OperationMeta, _req: &mut PreparedRequest) -> Result<()> {
        *self.prepares.lock().unwrap() += 1;
        Err(Error::new(ErrorKind::Auth, "the token endpoint refused the app key").with_status(401))
    }
    fn invalidate(&self, _op: &'static OperationMeta) -> bool {
        true
    }
}

#[tokio::test]
async fn refused_credentials_fail_at_once_without_a_refresh() {
    let t = Scripted::new(vec![Ok((200, vec![], OK))]);
    let auth = Arc::new(RefusedCredentials::default());
    let cfg = Config::builder("https://ne.example.com").retry(policy(3, 500)).transport(t.clone()).build().unwrap();
    let c = Client::new(cfg, auth.clone()).unwrap();
    let e = c.call_value(&SAFE, call()).await.unwrap_err();
    assert!(e.is_auth() && e.message().contains("refused the app key"), "{e}");
    assert_eq!(*auth.prepares.lock().unwrap(), 1, "the credential source is asked once");
    assert_eq!(t.requests(), 0, "nothing reached the NE");
}

#[tokio::test]
async fn url_path_parameters_are_encoded_and_headers_set() {
    let t = Scripted::new(vec![Ok((200, vec![], OK))]);
    let (c, _) = client(t.clone(), policy(1, 500));
    c.call_value(&SAFE, Call::new().path("agentid", "a/b c").query("q", "x y&z")).await.unwrap();
    let r = t.seen.lock().unwrap()[0].clone();
    assert_eq!(r.url.as_str(), "https://ne.example.com:8043/t/a%2Fb%20c/x?q=x%20y%26z");
    assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");
    assert_eq!(r.headers["content-length"], "0");
    // A missing path parameter fails before sending.
    let e = c.call_value(&SAFE, Call::new()).await.unwrap_err();
    assert!(e.is_validation());
    assert_eq!(t.requests(), 1);
}

#[tokio::test]
async fn binary_answers_stream_and_json_errors_decode() {
    let t = Scripted::new(vec![
        Ok((200, vec![("content-type", "application/octet-stream")], "RIFF....WAVE")),
        Ok((200, vec![("content-type", "application/json")], r#"{"retcode":"0200003","message":"no such file"}"#)),
    ]);
    let (c, _) = client(t.clone(), policy(1, 500));
    let mut r = c.call_binary(&FILE, call()).await.unwrap();
    let mut got = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut r.body).await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(got, b"RIFF....WAVE");
    let e = c.call_binary(&FILE, call()).await.unwrap_err();
    assert_eq!(e.code(), Some("0200003"));
}

#[tokio::test]
async fn attempt_timeout_bounds_a_slow_server() {
    let server = httpmock::MockServer::start_async().await;
    let m = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).delay(Duration::from_millis(400)).body(OK);
        })
        .await;
    let cfg = Config::builder(&server.base_url())
        .attempt_timeout(Duration::from_millis(50))
        .retry(policy(3, 500))
        .build()
        .unwrap();
    let c = Client::new(cfg, Arc::new(TokenAuth::default())).unwrap();
    let e = c.call_value(&UNSAFE, call()).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.may_have_been_sent());
    assert_eq!(m.calls_async().await, 1);
}

/// A writer that keeps everything traced.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_secret_reaches_traces_or_debug_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    // Everything at TRACE but the mock server's own logs (it is the other side:
    // it prints the requests it receives).
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace,httpmock=off"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The process-wide default (not a thread-local one): with a thread-local
    // subscriber, another test thread that reaches the request span's callsite
    // first can leave it cached as "not interested", and this test then sees no
    // span (a flake seen when tests run in parallel). Other tests' traces land
    // in the same buffer, which only widens the check.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    tracing::callsite::rebuild_interest_cache();

    let server = httpmock::MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(401).body(r#"{"retcode":"100-006","message":"nope"}"#);
        })
        .await;
    let cfg = Config::builder(&server.base_url()).retry(policy(3, 500)).build().unwrap();
    let c = Client::new(cfg, Arc::new(TokenAuth::default())).unwrap();
    let e = c.call_value(&UNSAFE, call()).await.unwrap_err();
    assert!(e.is_auth());
    let traced = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(traced.contains("cec.request"), "the request span is traced: {traced}");
    assert!(traced.contains("t.unsafe"));
    for shown in [traced, format!("{c:?}"), format!("{e:?}"), e.to_string()] {
        assert!(!shown.contains("SUPERSECRET"), "secret leaked: {shown}");
    }
}

/// A server that accepts the request and never answers.
#[derive(Debug, Default)]
struct Silent {
    seen: Mutex<u32>,
}

#[async_trait::async_trait]
impl Transport for Silent {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse> {
        *self.seen.lock().unwrap() += 1;
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn an_unresponsive_server_error_says_attempts_and_total_time() {
    let silent = Arc::new(Silent::default());
    let config = Config::builder("https://ne.example.com").transport(silent.clone()).build().unwrap();
    let client = Client::new(config, Arc::new(TokenAuth::default())).unwrap();
    let err = client.call_value(&SAFE, Call::new().path("agentid", "1")).await.unwrap_err();
    assert_eq!(*silent.seen.lock().unwrap(), 3);
    assert_eq!(err.attempts(), 3);
    let total = err.elapsed().unwrap();
    assert!(total >= Duration::from_secs(90), "{total:?}");
    let msg = err.to_string();
    assert!(msg.contains("gave up after 3 attempts in 9"), "{msg}");
    // Call control: one attempt, and the message says so.
    let err = client.call_value(&UNSAFE, Call::new().path("agentid", "1")).await.unwrap_err();
    assert_eq!(*silent.seen.lock().unwrap(), 4);
    assert!(err.to_string().ends_with("(1 attempt in 30.0 s)"), "{err}");
}
