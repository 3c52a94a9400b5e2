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
use crate::config::Config;
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

/// The parts of one call that vary: path parameters, query, extra headers, body.
#[derive(Debug, Default, Clone)]
pub struct Call {
    /// `{name}` → value for the path template.
    pub path_params: Vec<(&'static str, String)>,
    /// Query pairs, raw.
    pub query: Vec<(String, String)>,
    /// Extra headers (e.g. `locale`).
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
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

enum Outcome {
    Json(StatusCode, Value),
    Binary(BinaryResponse),
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

    /// Sends a call and returns the JSON value of a success.
    pub async fn call_value(&self, op: &'static OperationMeta, call: Call) -> Result<Value> {
        match self.execute(op, call).await? {
            Outcome::Json(_, v) => Ok(v),
            Outcome::Binary(_) => Err(Error::new(ErrorKind::Decode, "expected JSON, got a file").with_operation(op.id)),
        }
    }

    /// Sends a call and decodes the success into `T`.
    pub async fn call<T: DeserializeOwned>(&self, op: &'static OperationMeta, call: Call) -> Result<T> {
        match self.execute(op, call).await? {
            Outcome::Json(status, v) => envelope::into_typed(op, status, v),
            Outcome::Binary(_) => Err(Error::new(ErrorKind::Decode, "expected JSON, got a file").with_operation(op.id)),
        }
    }

    /// Sends a call whose success is a file; returns the streaming body.
    pub async fn call_binary(&self, op: &'static OperationMeta, call: Call) -> Result<BinaryResponse> {
        match self.execute(op, call).await? {
            Outcome::Binary(b) => Ok(b),
            Outcome::Json(status, v) => Err(Error::new(ErrorKind::Decode, "expected a file, got JSON")
                .with_operation(op.id)
                .with_status(status.as_u16())
                .with_body_excerpt(v.to_string().as_bytes())),
        }
    }

    async fn execute(&self, op: &'static OperationMeta, call: Call) -> Result<Outcome> {
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
        let timeouts = self.inner.config.timeouts;
        let fut = self.retry_loop(op, &call);
        match tokio::time::timeout(timeouts.operation, fut.instrument(span.clone())).await {
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
                Err(Error::new(ErrorKind::Timeout, format!("operation timed out after {:?}", timeouts.operation))
                    .with_operation(op.id))
            }
        }
    }

    async fn retry_loop(&self, op: &'static OperationMeta, call: &Call) -> Result<Outcome> {
        let policy = self.inner.config.retry;
        let attempt_timeout = self.inner.config.timeouts.attempt;
        let mut attempt = 0u32;
        let mut reauthed = false;
        loop {
            attempt += 1;
            tracing::Span::current().record("attempts", attempt);
            let res = match tokio::time::timeout(attempt_timeout, self.attempt(op, call)).await {
                Ok(r) => r,
                Err(_) => Err(Error::new(ErrorKind::Timeout, format!("attempt timed out after {attempt_timeout:?}"))
                    .with_operation(op.id)),
            };
            let err = match res {
                Ok(out) => {
                    self.inner.budget.on_success();
                    let (Outcome::Json(s, _) | Outcome::Binary(BinaryResponse { status: s, .. })) = &out;
                    tracing::Span::current().record("status", s.as_u16());
                    return Ok(out);
                }
                Err(e) => e,
            };
            // Credentials rejected before any processing: refresh once and repeat.
            if err.is_auth() && !reauthed && self.inner.auth.invalidate(op) {
                reauthed = true;
                tracing::debug!(operation = op.id, "credentials rejected; refreshing and trying once more");
                continue;
            }
            let repeatable = op.retry == RetryClass::Safe || err.sent() == Sent::No;
            if !(err.is_retryable() && repeatable && attempt < policy.max_attempts) {
                return Err(err);
            }
            if !self.inner.budget.try_acquire(&err) {
                tracing::debug!(operation = op.id, "retry budget exhausted");
                return Err(err);
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

    async fn attempt(&self, op: &'static OperationMeta, call: &Call) -> Result<Outcome> {
        let mut prepared = PreparedRequest { headers: HeaderMap::new(), body: call.body.clone() };
        for (k, v) in &call.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::validation(op.id, k, "is not a valid header name"))?;
            let value =
                HeaderValue::from_str(v).map_err(|_| Error::validation(op.id, k, "is not a valid header value"))?;
            prepared.headers.insert(name, value);
        }
        self.inner.auth.prepare(op, &mut prepared).await?;
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
        let resp = self.inner.transport.send(req).await.map_err(|e| e.with_operation(op.id))?;
        self.inner.auth.observe(op, &resp.headers, None);
        let status = resp.status;
        if op.response == ResponseKind::Binary && status.is_success() && !is_json(&resp.headers) {
            // Errors while the file streams name the interface too.
            let body = resp.body.map(move |chunk| chunk.map_err(|e| e.with_operation(op.id)));
            return Ok(Outcome::Binary(BinaryResponse { status, headers: resp.headers, body: Box::pin(body) }));
        }
        let headers = resp.headers.clone();
        let bytes = resp.bytes(MAX_JSON_BODY).await.map_err(|e| e.with_operation(op.id))?;
        let value = envelope::decode(op, status, &headers, &bytes)?;
        self.inner.auth.observe(op, &headers, Some(&value));
        Ok(Outcome::Json(status, value))
    }
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
