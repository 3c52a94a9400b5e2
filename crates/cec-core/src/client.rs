//! The request pipeline every NE client shares:
//! validate (generated builders) → serialize → authorize → send with timeouts
//! → observe response headers → unwrap the envelope → typed output or typed error.
//! Retries happen here, per the interface's retry class and the retry budget.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::Instrument;
use url::Url;

use crate::auth::{Authorizer, PreparedRequest};
use crate::config::{Config, RetryPolicy};
use crate::envelope;
use crate::error::{Error, ErrorKind, Result, Sent};
use crate::operation::{OperationMeta, ResponseKind, RetryClass};
use crate::retry::{RetryBudget, backoff};
use crate::sign::encode;
use crate::transport::{BodyStream, HttpRequest, ReqwestTransport, Transport};

/// The `Content-Type` every CEC interface takes.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Largest JSON response accepted (bytes).
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;

/// Options of one call that override the client's configuration (aws-sdk-rust's
/// `customize`, google-cloud-rust's `RequestOptions`). `#[non_exhaustive]`: build it
/// with [`CallOptions::default`] and the setters. `Debug` shows header names, not values.
#[derive(Default, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// Timeout of the whole operation, retries included (default: the config's).
    pub timeout: Option<Duration>,
    /// Timeout of one attempt (default: the config's).
    pub attempt_timeout: Option<Duration>,
    /// Retry policy (default: the config's). The interface's retry class still decides
    /// whether a request that may have reached the NE is repeated.
    pub retry: Option<RetryPolicy>,
    /// Extra headers sent with this call only (checked when the request is built).
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("retry", &self.retry)
            .field("headers", &headers)
            .finish()
    }
}

impl CallOptions {
    /// Sets the operation timeout.
    pub fn timeout(&mut self, d: Duration) -> &mut Self {
        self.timeout = Some(d);
        self
    }
    /// Sets the attempt timeout.
    pub fn attempt_timeout(&mut self, d: Duration) -> &mut Self {
        self.attempt_timeout = Some(d);
        self
    }
    /// Sets the retry policy.
    pub fn retry(&mut self, r: RetryPolicy) -> &mut Self {
        self.retry = Some(r);
        self
    }
    /// Adds a header to this call.
    pub fn header(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The parts of one call that vary: path parameters, query, extra headers, body,
/// and the per-call options.
///
/// `Debug` shows the path parameters, the query and header *names* and the
/// body's top-level field names — never a value: bodies carry passwords (an
/// agent's sign-in), tokens and personal data.
#[derive(Default, Clone)]
pub struct Call {
    /// `{name}` → value for the path template.
    pub path_params: Vec<(&'static str, String)>,
    /// Query pairs, raw.
    pub query: Vec<(String, String)>,
    /// Extra headers (e.g. `locale`).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
    /// Per-call overrides of the configuration.
    pub options: CallOptions,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        let path: Vec<&str> = self.path_params.iter().map(|(k, _)| *k).collect();
        f.debug_struct("Call")
            .field("path_params", &path)
            .field("query", &names(&self.query))
            .field("headers", &names(&self.headers))
            .field("body", &RedactedBody(self.body.as_ref()))
            .field("options", &self.options)
            .finish()
    }
}

/// A JSON body in `Debug`: its shape (top-level field names), no values.
pub(crate) struct RedactedBody<'a>(pub(crate) Option<&'a Value>);

impl std::fmt::Debug for RedactedBody<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("None"),
            Some(Value::Object(m)) => {
                write!(f, "<object redacted; fields: ")?;
                f.debug_list().entries(m.keys()).finish()?;
                f.write_str(">")
            }
            Some(Value::Array(a)) => write!(f, "<array of {} redacted>", a.len()),
            Some(_) => f.write_str("<value redacted>"),
        }
    }
}

impl Call {
    /// An empty call.
    pub fn new() -> Self {
        Call::default()
    }
    /// Adds a path parameter.
    pub fn path(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.path_params.push((name, value.into()));
        self
    }
    /// Adds a query pair.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }
    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Sets the JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    /// Sets the per-call options.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }
}

/// The JSON body of a request: the typed body, then every pass-through field
/// (`extra_field`) set as given, replacing a documented field of the same name.
pub fn body_with_extras<T: serde::Serialize + ?Sized>(body: &T, extras: Vec<(String, Value)>) -> Result<Value> {
    let mut v = serde_json::to_value(body).map_err(|e| Error::config("cannot serialize the body").with_source(e))?;
    if !extras.is_empty() {
        let Value::Object(map) = &mut v else {
            return Err(Error::config("extra fields need a JSON object body"));
        };
        for (k, x) in extras {
            map.insert(k, x);
        }
    }
    Ok(v)
}

/// A successful binary response (a recording, a zip), body still streaming.
pub struct BinaryResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers (`Content-Type`, `Content-Length`, `Content-Disposition`…).
    pub headers: HeaderMap,
    /// The body.
    pub body: BodyStream,
}

impl std::fmt::Debug for BinaryResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BinaryResponse").field("status", &self.status).field("headers", &self.headers).finish()
    }
}

impl BinaryResponse {
    /// `Content-Length`, when the server sent it.
    pub fn content_length(&self) -> Option<u64> {
        self.headers.get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
    }
    /// `Content-Type`, when the server sent it.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE)?.to_str().ok()
    }
}

/// How an attempt ended: a JSON answer (decoded into the call's [`Sink`]) or a file.
enum Outcome {
    Json(StatusCode),
    Binary(BinaryResponse),
}

/// Where a JSON answer goes: decoded straight into the caller's type, inside the
/// attempt, so that its errors (a failure code) drive the retry loop.
trait Sink: Send {
    fn take(&mut self, op: &'static OperationMeta, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<()>;
}

struct Typed<T>(Option<T>);

impl<T: DeserializeOwned + Send> Sink for Typed<T> {
    fn take(&mut self, op: &'static OperationMeta, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<()> {
        self.0 = Some(envelope::decode_typed(op, status, headers, body)?);
        Ok(())
    }
}

impl<T> Typed<T> {
    fn get(self, op: &'static OperationMeta) -> Result<T> {
        self.0.ok_or_else(|| Error::new(ErrorKind::Decode, "no answer decoded").with_operation(op.id))
    }
}

struct Inner {
    config: Config,
    transport: Arc<dyn Transport>,
    auth: Arc<dyn Authorizer>,
    budget: RetryBudget,
}

/// A client for one NE endpoint with one authorizer. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .field("auth", &self.inner.auth)
            .field("retry_budget", &self.inner.budget.available())
            .finish()
    }
}

impl Client {
    /// Builds a client; the transport comes from the config (custom, a given
    /// `reqwest::Client`, or a new reqwest/rustls one).
    pub fn new(config: Config, auth: Arc<dyn Authorizer>) -> Result<Self> {
        let transport: Arc<dyn Transport> = match &config.transport {
            Some(t) => t.clone(),
            None => Arc::new(ReqwestTransport::from_config(&config)?),
        };
        let budget = RetryBudget::new(config.retry.budget);
        Ok(Client { inner: Arc::new(Inner { config, transport, auth, budget }) })
    }

    /// Another client on the same configuration and transport (connection
    /// pool), with its own authorizer and retry budget: e.g. one CC-Gateway
    /// client per agent, all sharing one pool.
    pub fn with_authorizer(&self, auth: Arc<dyn Authorizer>) -> Self {
        let config = self.inner.config.clone();
        let budget = RetryBudget::new(config.retry.budget);
        Client { inner: Arc::new(Inner { config, transport: self.inner.transport.clone(), auth, budget }) }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The authorizer.
    pub fn authorizer(&self) -> &Arc<dyn Authorizer> {
        &self.inner.auth
    }

    /// Tokens left in the retry budget.
    pub fn retry_budget(&self) -> u32 {
        self.inner.budget.available()
    }

    /// The retry budget itself (downloads spend it when a body breaks).
    pub(crate) fn budget(&self) -> &RetryBudget {
        &self.inner.budget
    }

    /// Sends a call and returns the JSON value of a success.
    pub async fn call_value(&self, op: &'static OperationMeta, call: Call) -> Result<Value> {
        self.call(op, call).await
    }

    /// Sends a call and decodes the success into `T`, straight from the answer's bytes.
    pub async fn call<T: DeserializeOwned + Send>(&self, op: &'static OperationMeta, call: Call) -> Result<T> {
        let mut out = Typed::<T>(None);
        match self.execute(op, call, &mut out).await? {
            Outcome::Json(_) => out.get(op),
            Outcome::Binary(_) => Err(Error::new(ErrorKind::Decode, "expected JSON, got a file").with_operation(op.id)),
        }
    }

    /// Sends a call whose success is a file; returns the streaming body.
    pub async fn call_binary(&self, op: &'static OperationMeta, call: Call) -> Result<BinaryResponse> {
        let mut out = Typed::<Value>(None);
        match self.execute(op, call, &mut out).await? {
            Outcome::Binary(b) => Ok(b),
            Outcome::Json(status) => {
                let v = out.get(op)?;
                Err(Error::new(ErrorKind::Decode, "expected a file, got JSON")
                    .with_operation(op.id)
                    .with_status(status.as_u16())
                    .with_body_excerpt(v.to_string().as_bytes()))
            }
        }
    }

    async fn execute(&self, op: &'static OperationMeta, call: Call, sink: &mut dyn Sink) -> Result<Outcome> {
        let span = tracing::info_span!(
            "cec.request",
            ne = op.ne,
            operation = op.id,
            method = op.method,
            path = op.path,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            code = tracing::field::Empty,
        );
        let operation_timeout = call.options.timeout.unwrap_or(self.inner.config.timeouts.operation);
        let attempts = std::sync::atomic::AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let fut = self.retry_loop(op, &call, &attempts, sink);
        match tokio::time::timeout(operation_timeout, fut.instrument(span.clone())).await {
            Ok(r) => {
                if let Err(e) = &r {
                    span.record("code", e.code().unwrap_or(""));
                    if let Some(s) = e.status() {
                        span.record("status", s);
                    }
                    tracing::debug!(parent: &span, error = %e, "request failed");
                }
                r
            }
            Err(_) => {
                let n = attempts.load(std::sync::atomic::Ordering::Relaxed);
                Err(Error::new(ErrorKind::Timeout, format!("operation timed out after {operation_timeout:?}"))
                    .with_operation(op.id)
                    .with_attempts(n, started.elapsed()))
            }
        }
    }

    async fn retry_loop(
        &self,
        op: &'static OperationMeta,
        call: &Call,
        attempts: &std::sync::atomic::AtomicU32,
        sink: &mut dyn Sink,
    ) -> Result<Outcome> {
        let policy = call.options.retry.unwrap_or(self.inner.config.retry);
        let attempt_timeout = call.options.attempt_timeout.unwrap_or(self.inner.config.timeouts.attempt);
        let started = tokio::time::Instant::now();
        let mut attempt = 0u32;
        let mut reauthed = false;
        // The error returned says how many attempts were made and for how long.
        let give_up =
            |e: Error, n: u32| if n > 1 || e.is_timeout() { e.with_attempts(n, started.elapsed()) } else { e };
        loop {
            attempt += 1;
            attempts.store(attempt, std::sync::atomic::Ordering::Relaxed);
            tracing::Span::current().record("attempts", attempt);
            let res = match tokio::time::timeout(attempt_timeout, self.attempt(op, call, &mut *sink)).await {
                Ok(r) => r,
                Err(_) => Err(Error::new(ErrorKind::Timeout, format!("attempt timed out after {attempt_timeout:?}"))
                    .with_operation(op.id)
                    .into()),
            };
            let err = match res {
                Ok(out) => {
                    self.inner.budget.on_success();
                    let (Outcome::Json(s) | Outcome::Binary(BinaryResponse { status: s, .. })) = &out;
                    tracing::Span::current().record("status", s.as_u16());
                    return Ok(out);
                }
                // The authorizer could not get credentials (a token endpoint refused the
                // app key, or is down): its own client has retried what was worth it, and
                // refreshing would only ask the token endpoint the same question again.
                Err(Failed { error, credentials: true }) => return Err(error),
                Err(Failed { error, credentials: false }) => error,
            };
            // Credentials rejected before any processing: refresh once and repeat.
            if err.is_auth() && !reauthed && self.inner.auth.invalidate(op) {
                reauthed = true;
                tracing::debug!(operation = op.id, "credentials rejected; refreshing and trying once more");
                continue;
            }
            let repeatable = op.retry == RetryClass::Safe || err.sent() == Sent::No;
            if !(err.is_retryable() && repeatable && attempt < policy.max_attempts) {
                return Err(give_up(err, attempt));
            }
            if !self.inner.budget.try_acquire(&err) {
                tracing::debug!(operation = op.id, "retry budget exhausted");
                return Err(give_up(err, attempt));
            }
            let wait = backoff(&policy, attempt, err.retry_after());
            tracing::debug!(operation = op.id, attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn url(&self, op: &'static OperationMeta, call: &Call) -> Result<Url> {
        let mut path = String::with_capacity(op.path.len() + 32);
        let base = self.inner.config.endpoint.path().trim_end_matches('/');
        path.push_str(base);
        let mut rest = op.path;
        while let Some(start) = rest.find('{') {
            path.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .map(|e| start + e)
                .ok_or_else(|| Error::config(format!("bad path template {}", op.path)))?;
            let name = &rest[start + 1..end];
            let value = call
                .path_params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| Error::validation(op.id, name, "is required (path parameter)"))?;
            if value.is_empty() {
                return Err(Error::validation(op.id, name, "must not be empty (path parameter)"));
            }
            path.push_str(&encode(value.as_bytes()));
            rest = &rest[end + 1..];
        }
        path.push_str(rest);
        let mut url = self.inner.config.endpoint.clone();
        url.set_path(&path);
        if call.query.is_empty() {
            url.set_query(None);
        } else {
            let q: Vec<String> =
                call.query.iter().map(|(k, v)| format!("{}={}", encode(k.as_bytes()), encode(v.as_bytes()))).collect();
            url.set_query(Some(&q.join("&")));
        }
        Ok(url)
    }

    async fn attempt(
        &self,
        op: &'static OperationMeta,
        call: &Call,
        sink: &mut dyn Sink,
    ) -> std::result::Result<Outcome, Failed> {
        let mut prepared = PreparedRequest { headers: HeaderMap::new(), body: call.body.clone() };
        for (k, v) in call.headers.iter().chain(&call.options.headers) {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::validation(op.id, k, "is not a valid header name"))?;
            let value =
                HeaderValue::from_str(v).map_err(|_| Error::validation(op.id, k, "is not a valid header value"))?;
            prepared.headers.insert(name, value);
        }
        self.inner.auth.prepare(op, &mut prepared).await.map_err(|error| Failed { error, credentials: true })?;
        let body = match &prepared.body {
            Some(v) => {
                Bytes::from(serde_json::to_vec(v).map_err(|e| Error::config("cannot serialize body").with_source(e))?)
            }
            None => Bytes::new(),
        };
        let mut headers = prepared.headers;
        headers.entry(CONTENT_TYPE).or_insert(HeaderValue::from_static(JSON_CONTENT_TYPE));
        headers.entry(ACCEPT).or_insert(HeaderValue::from_static("application/json, application/octet-stream, */*"));
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        let method =
            Method::from_bytes(op.method.as_bytes()).map_err(|_| Error::config(format!("bad method {}", op.method)))?;
        let mut req = HttpRequest { method, url: self.url(op, call)?, headers, body };
        self.inner.auth.sign(op, &mut req)?;
        let mut resp = self.inner.transport.send(req).await.map_err(|e| e.with_operation(op.id))?;
        self.inner.auth.observe(op, &resp.headers, None);
        let status = resp.status;
        if op.response == ResponseKind::Binary && status.is_success() && !is_json(&resp.headers) {
            // Errors while the file streams name the interface too.
            let body = resp.body.map(move |chunk| chunk.map_err(|e| e.with_operation(op.id)));
            let body = guard_download(Box::pin(body), op.id, &self.inner.config.timeouts);
            return Ok(Outcome::Binary(BinaryResponse { status, headers: resp.headers, body }));
        }
        let headers = std::mem::take(&mut resp.headers);
        let bytes = resp.bytes(MAX_JSON_BODY).await.map_err(|e| e.with_operation(op.id))?;
        sink.take(op, status, &headers, &bytes)?;
        self.inner.auth.observe(op, &headers, Some(&bytes));
        Ok(Outcome::Json(status))
    }
}

/// Why one attempt failed: the authorizer could not provide credentials
/// (`credentials`), or the exchange with the NE failed.
struct Failed {
    error: Error,
    credentials: bool,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed { error, credentials: false }
    }
}

/// After the first 10 s of a download, the average rate is held to the floor.
const RATE_GRACE: Duration = Duration::from_secs(10);

/// Bounds a streamed download: each chunk must come within `read_idle`, and
/// (when set) the average rate must stay above `min_download_rate` once the
/// grace period is over. Either failure ends the stream with a timeout error.
fn guard_download(body: BodyStream, op: &'static str, t: &crate::config::Timeouts) -> BodyStream {
    struct State {
        body: BodyStream,
        idle: Duration,
        floor: Option<u64>,
        started: tokio::time::Instant,
        bytes: u64,
        done: bool,
    }
    let st = State {
        body,
        idle: t.read_idle,
        floor: t.min_download_rate,
        started: tokio::time::Instant::now(),
        bytes: 0,
        done: false,
    };
    Box::pin(futures_util::stream::unfold(st, move |mut st| async move {
        if st.done {
            return None;
        }
        let fail = |st: &mut State, msg: String| {
            st.done = true;
            Some(Err(Error::new(ErrorKind::Timeout, msg).with_operation(op).with_sent(Sent::Yes)))
        };
        let item = match tokio::time::timeout(st.idle, st.body.next()).await {
            Err(_) => {
                let msg = format!("download stalled: no data for {:?} after {} bytes", st.idle, st.bytes);
                fail(&mut st, msg)
            }
            Ok(None) => None,
            Ok(Some(Ok(chunk))) => {
                st.bytes += chunk.len() as u64;
                let elapsed = st.started.elapsed();
                match st.floor {
                    Some(floor) if elapsed > RATE_GRACE && (st.bytes as f64 / elapsed.as_secs_f64()) < floor as f64 => {
                        let rate = st.bytes as f64 / elapsed.as_secs_f64();
                        fail(&mut st, format!("download too slow: {rate:.0} B/s, below the floor of {floor} B/s"))
                    }
                    _ => Some(Ok(chunk)),
                }
            }
            Ok(Some(Err(e))) => {
                st.done = true;
                Some(Err(e))
            }
        };
        item.map(|i| (i, st))
    }))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| ct.to_ascii_lowercase().contains("json"))
        .unwrap_or(false)
}

/// Sleeps; exposed for hand-written layers that poll (agent events).
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Defaults, Timeouts};

    /// A body that yields `n` chunks of `size` bytes, one every `every`.
    fn paced(n: usize, size: usize, every: Duration) -> BodyStream {
        Box::pin(futures_util::stream::unfold(0usize, move |i| async move {
            if i == n {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(Bytes::from(vec![0u8; size])), i + 1))
        }))
    }

    async fn drain(mut s: BodyStream) -> (usize, Option<Error>) {
        let mut got = 0;
        while let Some(item) = s.next().await {
            match item {
                Ok(b) => got += b.len(),
                Err(e) => return (got, Some(e)),
            }
        }
        (got, None)
    }

    #[test]
    fn debug_of_a_call_and_a_request_shows_no_value() {
        let call = Call::new()
            .path("agentid", "1001")
            .query("token", "q-secret-1")
            .header("guid", "h-secret-2")
            .body(serde_json::json!({"password": "p-secret-3", "phonenum": "70001"}));
        let d = format!("{call:?}");
        for secret in ["q-secret-1", "h-secret-2", "p-secret-3", "70001"] {
            assert!(!d.contains(secret), "{d}");
        }
        assert!(d.contains("password") && d.contains("token") && d.contains("guid"), "names stay: {d}");
        let mut headers = HeaderMap::new();
        headers.insert("authorization", HeaderValue::from_static("auth-v2/ak/ts/host/sig-secret-4"));
        let req = HttpRequest {
            method: Method::POST,
            url: "https://cms.example.com/p?token=q-secret-5".parse().unwrap(),
            headers,
            body: Bytes::from_static(b"{\"password\":\"p-secret-6\"}"),
        };
        let d = format!("{req:?}");
        for secret in ["sig-secret-4", "q-secret-5", "p-secret-6"] {
            assert!(!d.contains(secret), "{d}");
        }
        assert!(d.contains("authorization") && d.contains("body_len"), "{d}");
        let prepared =
            PreparedRequest { headers: HeaderMap::new(), body: Some(serde_json::json!({"pw": "p-secret-7"})) };
        assert!(!format!("{prepared:?}").contains("p-secret-7"));
    }

    #[test]
    fn an_error_says_how_many_attempts_over_how_long() {
        let e = Error::new(ErrorKind::Timeout, "attempt timed out after 30s")
            .with_operation("op")
            .with_attempts(3, Duration::from_millis(90_400));
        assert_eq!(e.to_string(), "timed out in op: attempt timed out after 30s (gave up after 3 attempts in 90.4 s)");
        let once =
            Error::new(ErrorKind::Timeout, "attempt timed out after 30s").with_attempts(1, Duration::from_secs(30));
        assert!(once.to_string().ends_with("(1 attempt in 30.0 s)"), "{once}");
        assert_eq!(Error::new(ErrorKind::Service, "x").attempts(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_download_passes_the_guard() {
        let t = Timeouts::defaults(Defaults::V1);
        let (got, err) = drain(guard_download(paced(40, 1000, Duration::from_secs(1)), "op", &t)).await;
        assert_eq!((got, err.is_none()), (40_000, true));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stall_longer_than_read_idle_fails() {
        let t = Timeouts { read_idle: Duration::from_secs(5), ..Timeouts::defaults(Defaults::V1) };
        let (got, err) = drain(guard_download(paced(3, 10, Duration::from_secs(6)), "op", &t)).await;
        let e = err.expect("stalled");
        assert_eq!(got, 0);
        assert!(e.is_timeout() && e.message().contains("stalled"), "{e}");
        assert_eq!(e.sent(), Sent::Yes);
    }

    #[tokio::test(start_paused = true)]
    async fn a_download_below_the_rate_floor_fails_after_the_grace_period() {
        let t = Timeouts { min_download_rate: Some(500), ..Timeouts::defaults(Defaults::V1) };
        // 100 B/s: fine during the first 10 s, then below the floor.
        let (got, err) = drain(guard_download(paced(60, 100, Duration::from_secs(1)), "op", &t)).await;
        let e = err.expect("too slow");
        assert!(e.message().contains("too slow"), "{e}");
        assert!((1000..=1200).contains(&got), "stopped right after the grace period: {got}");
        // 1000 B/s clears the floor.
        let (got, err) = drain(guard_download(paced(20, 1000, Duration::from_secs(1)), "op", &t)).await;
        assert_eq!((got, err.is_none()), (20_000, true));
    }
}
