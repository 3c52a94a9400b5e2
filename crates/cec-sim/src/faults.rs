//! Fault injection: latency, HTTP errors, throttling, connection resets,
//! truncated, slow or malformed bodies, and expired credentials, on chosen
//! interfaces for a chosen number of requests.
//!
//! A [`Fault`] targets an interface (spec id such as `ccfs.downloadRecord`),
//! an NE (`gateway`, `apifabric`, `oiap`, `isales`, `cms`, `fs`) or every
//! interface, for the next `count` matching requests (or for good). Faults are
//! checked in the order they were added: every live `latency` fault that
//! matches adds its delay, and the first other live match applies (at most one
//! such fault per request). Nothing here is random.
//!
//! Faults come from the scenario file (`[[faults]]`), the admin endpoints
//! (`POST`/`GET`/`DELETE /__sim/faults`) and [`crate::Simulator::add_fault`].

use std::sync::Mutex;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use cec_core::AuthKind;

use crate::api::{Route, failure, unauthorized};
use crate::generated::ROUTES;

/// The NE names a fault may target.
pub const NES: [&str; 7] = ["gateway", "apifabric", "oiap", "isales", "cms", "fs", "messaging"];

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every interface of every NE.
    All,
    /// Every interface of one NE (`gateway`, `apifabric`, `oiap`, `isales`, `cms`, `fs`).
    Ne(String),
    /// One interface, by spec id (`ccfs.downloadRecord`, `agentevent.poll`).
    Interface(String),
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Only the added latency ([`Fault::delay`]); the request is then served normally.
    Latency,
    /// An HTTP error status (5xx, or another 4xx/5xx) with a non-envelope JSON body,
    /// answered before the NE processes the request.
    HttpError {
        /// The status, 400–599.
        status: u16,
    },
    /// HTTP 429 with `Retry-After`, before the NE processes the request.
    Throttle {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// The request is processed, then the connection is aborted after
    /// `after_bytes` bytes of the answer (chunked, so the client cannot know the size).
    Reset {
        /// Bytes of the answer sent before the abort.
        after_bytes: u64,
    },
    /// The request is processed; the answer declares its full `Content-Length`
    /// but only `after_bytes` bytes are sent before the connection closes.
    Truncate {
        /// Bytes of the answer sent.
        after_bytes: u64,
    },
    /// The request is processed; the whole answer is sent at `bytes_per_sec`.
    SlowBody {
        /// Throughput of the answer body.
        bytes_per_sec: u64,
    },
    /// The request is processed; the answer is `200` with a JSON content type and a body cut in half.
    MalformedJson,
    /// The credential is refused as expired, the way the NE answers it: C1/C2 →
    /// HTTP 401, OIAP → `900001`, agent GUID → `100-006`, configuration GUID →
    /// `107-000`. Matches only interfaces that take a credential. The model is not
    /// changed (the token or GUID stays valid for the next request).
    ExpiredCredential,
}

impl FaultKind {
    /// The name used in scenario files and on the admin endpoint.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Latency => "latency",
            FaultKind::HttpError { .. } => "http_error",
            FaultKind::Throttle { .. } => "throttle",
            FaultKind::Reset { .. } => "reset",
            FaultKind::Truncate { .. } => "truncate",
            FaultKind::SlowBody { .. } => "slow_body",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::ExpiredCredential => "expired_credential",
        }
    }
}

/// One injected fault. Build it with a constructor, then narrow it:
///
/// ```
/// use cec_sim::Fault;
/// // The next 2 recording downloads are reset after 1 MiB.
/// let f = Fault::reset(1 << 20).on("ccfs.downloadRecord").times(2);
/// // Every CC-CMS request waits 300 ms more.
/// let g = Fault::latency(std::time::Duration::from_millis(300)).on_ne("cms");
/// # let _ = (f, g);
/// ```
///
/// In TOML and JSON a fault is flat: `kind` plus the fields that apply to it
/// (see docs/simulator.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FaultSpec", into = "FaultSpec")]
pub struct Fault {
    /// Which requests it applies to.
    pub target: Target,
    /// What it does.
    pub kind: FaultKind,
    /// Waited before anything else happens (for [`FaultKind::Latency`] it is the whole fault).
    pub delay: Duration,
    /// The next `count` matching requests, then the fault is used up; `None`: every one.
    pub count: Option<u32>,
}

impl Fault {
    fn new(kind: FaultKind) -> Fault {
        Fault { target: Target::All, kind, delay: Duration::ZERO, count: None }
    }
    /// Added latency, then normal service.
    pub fn latency(delay: Duration) -> Fault {
        Fault { delay, ..Fault::new(FaultKind::Latency) }
    }
    /// An HTTP error status (e.g. 503).
    pub fn http_error(status: u16) -> Fault {
        Fault::new(FaultKind::HttpError { status })
    }
    /// HTTP 429 with `Retry-After: retry_after_secs`.
    pub fn throttle(retry_after_secs: u64) -> Fault {
        Fault::new(FaultKind::Throttle { retry_after_secs })
    }
    /// Connection aborted after `after_bytes` bytes of the answer.
    pub fn reset(after_bytes: u64) -> Fault {
        Fault::new(FaultKind::Reset { after_bytes })
    }
    /// Answer cut after `after_bytes` bytes, shorter than its `Content-Length`.
    pub fn truncate(after_bytes: u64) -> Fault {
        Fault::new(FaultKind::Truncate { after_bytes })
    }
    /// Answer body throttled to `bytes_per_sec`.
    pub fn slow_body(bytes_per_sec: u64) -> Fault {
        Fault::new(FaultKind::SlowBody { bytes_per_sec })
    }
    /// A `200` whose JSON body is cut in half.
    pub fn malformed_json() -> Fault {
        Fault::new(FaultKind::MalformedJson)
    }
    /// The credential refused as expired.
    pub fn expired_credential() -> Fault {
        Fault::new(FaultKind::ExpiredCredential)
    }
    /// Only for the interface with this spec id.
    pub fn on(mut self, interface: impl Into<String>) -> Fault {
        self.target = Target::Interface(interface.into());
        self
    }
    /// Only for this NE's interfaces.
    pub fn on_ne(mut self, ne: impl Into<String>) -> Fault {
        self.target = Target::Ne(ne.into());
        self
    }
    /// Only the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.count = Some(n);
        self
    }
    /// Waits `delay` first (any kind).
    pub fn with_delay(mut self, delay: Duration) -> Fault {
        self.delay = delay;
        self
    }

    /// Checks the target and the parameters.
    pub fn check(&self) -> Result<(), String> {
        match &self.target {
            Target::All => {}
            Target::Ne(ne) if NES.contains(&ne.as_str()) => {}
            Target::Ne(ne) => return Err(format!("unknown NE `{ne}` (one of {})", NES.join(", "))),
            Target::Interface(id) if ROUTES.iter().any(|r| r.id() == id.as_str()) => {}
            Target::Interface(id) => {
                return Err(format!("the simulator serves no interface `{id}` (use a spec id, see `cec ops`)"));
            }
        }
        if self.count == Some(0) {
            return Err("count must be at least 1 (leave it out for every request)".into());
        }
        match self.kind {
            FaultKind::HttpError { status } if !(400..=599).contains(&status) => {
                Err(format!("status {status} is not an HTTP error (400–599)"))
            }
            FaultKind::SlowBody { bytes_per_sec: 0 } => Err("bytes_per_sec must be at least 1".into()),
            FaultKind::Latency if self.delay.is_zero() => Err("kind `latency` needs latency_ms > 0".into()),
            _ => Ok(()),
        }
    }

    fn matches(&self, route: &Route) -> bool {
        let target = match &self.target {
            Target::All => true,
            Target::Ne(ne) => route.ne == ne.as_str(),
            Target::Interface(id) => route.id() == id.as_str(),
        };
        target && (self.kind != FaultKind::ExpiredCredential || route.auth() != AuthKind::None)
    }
}

/// The flat form of a fault in TOML and JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultSpec {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interface: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ne: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    latency_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes_per_sec: Option<u64>,
}

impl TryFrom<FaultSpec> for Fault {
    type Error = String;

    fn try_from(s: FaultSpec) -> Result<Fault, String> {
        let kind_name = s.kind.as_str();
        // Parameters that belong to one kind only.
        let only = |given: bool, field: &str, kinds: &[&str]| -> Result<(), String> {
            if given && !kinds.contains(&kind_name) {
                return Err(format!("`{field}` does not apply to kind `{kind_name}` (only to {})", kinds.join(", ")));
            }
            Ok(())
        };
        only(s.status.is_some(), "status", &["http_error"])?;
        only(s.retry_after.is_some(), "retry_after", &["throttle"])?;
        only(s.after_bytes.is_some(), "after_bytes", &["reset", "truncate"])?;
        only(s.bytes_per_sec.is_some(), "bytes_per_sec", &["slow_body"])?;
        let kind = match kind_name {
            "latency" => FaultKind::Latency,
            "http_error" => FaultKind::HttpError { status: s.status.unwrap_or(503) },
            "throttle" => FaultKind::Throttle { retry_after_secs: s.retry_after.unwrap_or(1) },
            "reset" => FaultKind::Reset { after_bytes: s.after_bytes.unwrap_or(0) },
            "truncate" => FaultKind::Truncate { after_bytes: s.after_bytes.unwrap_or(0) },
            "slow_body" => {
                FaultKind::SlowBody { bytes_per_sec: s.bytes_per_sec.ok_or("kind `slow_body` needs bytes_per_sec")? }
            }
            "malformed_json" => FaultKind::MalformedJson,
            "expired_credential" => FaultKind::ExpiredCredential,
            other => {
                return Err(format!(
                    "unknown fault kind `{other}` (one of latency, http_error, throttle, reset, truncate, \
                     slow_body, malformed_json, expired_credential)"
                ));
            }
        };
        let target = match (s.interface, s.ne) {
            (Some(_), Some(_)) => return Err("give `interface` or `ne`, not both".into()),
            (Some(i), None) => Target::Interface(i),
            (None, Some(n)) => Target::Ne(n),
            (None, None) => Target::All,
        };
        let f = Fault { target, kind, delay: Duration::from_millis(s.latency_ms.unwrap_or(0)), count: s.count };
        f.check()?;
        Ok(f)
    }
}

impl From<Fault> for FaultSpec {
    fn from(f: Fault) -> FaultSpec {
        let (interface, ne) = match f.target {
            Target::All => (None, None),
            Target::Ne(n) => (None, Some(n)),
            Target::Interface(i) => (Some(i), None),
        };
        let mut s = FaultSpec {
            kind: f.kind.name().to_owned(),
            interface,
            ne,
            count: f.count,
            latency_ms: (!f.delay.is_zero()).then_some(f.delay.as_millis() as u64),
            status: None,
            retry_after: None,
            after_bytes: None,
            bytes_per_sec: None,
        };
        match f.kind {
            FaultKind::HttpError { status } => s.status = Some(status),
            FaultKind::Throttle { retry_after_secs } => s.retry_after = Some(retry_after_secs),
            FaultKind::Reset { after_bytes } | FaultKind::Truncate { after_bytes } => s.after_bytes = Some(after_bytes),
            FaultKind::SlowBody { bytes_per_sec } => s.bytes_per_sec = Some(bytes_per_sec),
            FaultKind::Latency | FaultKind::MalformedJson | FaultKind::ExpiredCredential => {}
        }
        s
    }
}

/// A fault as the simulator holds it: its id, how often it applied, how many uses are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultStatus {
    /// Id given when it was added (1, 2, …).
    pub id: u64,
    /// The fault.
    pub fault: Fault,
    /// Requests it still applies to; `None`: unlimited.
    pub remaining: Option<u32>,
    /// Requests it applied to so far.
    pub hits: u64,
}

impl FaultStatus {
    /// The JSON form of `GET /__sim/faults`: the fault's fields plus `id`, `remaining`, `hits`.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.fault).unwrap_or(Value::Null);
        if let Value::Object(m) = &mut v {
            m.insert("id".into(), json!(self.id));
            m.insert("remaining".into(), json!(self.remaining));
            m.insert("hits".into(), json!(self.hits));
        }
        v
    }
}

/// The faults of one simulator.
#[derive(Debug, Default)]
pub(crate) struct FaultSet {
    inner: Mutex<FaultList>,
}

#[derive(Debug, Default)]
struct FaultList {
    /// Requests per interface (route id), faulted or not, since start.
    requests: std::collections::BTreeMap<&'static str, u64>,
    next_id: u64,
    faults: Vec<FaultStatus>,
}

impl FaultSet {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultList> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a checked fault; returns its id.
    pub(crate) fn add(&self, fault: Fault) -> Result<u64, String> {
        fault.check()?;
        let mut l = self.lock();
        l.next_id += 1;
        let id = l.next_id;
        let remaining = fault.count;
        l.faults.push(FaultStatus { id, fault, remaining, hits: 0 });
        Ok(id)
    }

    /// Removes every fault; returns how many there were.
    pub(crate) fn clear(&self) -> usize {
        let mut l = self.lock();
        std::mem::take(&mut l.faults).len()
    }

    /// Requests received per interface id since start.
    pub(crate) fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.lock().requests.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    pub(crate) fn list(&self) -> Vec<FaultStatus> {
        self.lock().faults.clone()
    }

    /// What applies to this request (each use is counted): every live `latency`
    /// fault that matches adds its delay; the first other live match is the fault.
    pub(crate) fn take(&self, route: &Route) -> Applied {
        let mut l = self.lock();
        *l.requests.entry(route.id()).or_default() += 1;
        let mut applied = Applied::default();
        for f in l.faults.iter_mut() {
            if f.remaining == Some(0) || !f.fault.matches(route) {
                continue;
            }
            let latency_only = f.fault.kind == FaultKind::Latency;
            if !latency_only && applied.fault.is_some() {
                continue;
            }
            if let Some(n) = &mut f.remaining {
                *n -= 1;
            }
            f.hits += 1;
            applied.delay += f.fault.delay;
            tracing::debug!(op = route.id(), fault = f.fault.kind.name(), id = f.id, "injecting a fault");
            if !latency_only {
                applied.fault = Some(f.fault.kind.clone());
            }
        }
        applied
    }
}

/// The faults that apply to one request.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    delay: Duration,
    fault: Option<FaultKind>,
}

impl Applied {
    pub(crate) fn is_empty(&self) -> bool {
        self.delay.is_zero() && self.fault.is_none()
    }
}

/// Before the NE's processing: the delay, then an answer that replaces it, if the fault is one.
pub(crate) async fn before(applied: &Applied, route: &Route) -> Option<Response> {
    if !applied.delay.is_zero() {
        tokio::time::sleep(applied.delay).await;
    }
    match applied.fault.as_ref()? {
        FaultKind::HttpError { status } => {
            let s = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let reason = s.canonical_reason().unwrap_or("error");
            Some((s, axum::Json(json!({ "error": reason, "message": "injected by cec-sim" }))).into_response())
        }
        FaultKind::Throttle { retry_after_secs } => {
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({ "error": "Too Many Requests", "message": "injected by cec-sim" })),
            )
                .into_response();
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            Some(r)
        }
        FaultKind::ExpiredCredential => Some(
            match route.auth() {
                AuthKind::OiapToken(_) => failure(route, "900001", "token expired"),
                AuthKind::Guid if route.is_gateway_config() => failure(route, "107-000", "configuration login expired"),
                AuthKind::Guid => failure(route, "100-006", "agent not signed in"),
                _ => unauthorized("access token or signature expired"),
            }
            .into_response(),
        ),
        _ => None,
    }
}

/// After the NE's processing: the answer changed as the fault says.
pub(crate) async fn after(applied: &Applied, resp: Response) -> Response {
    let kind = match &applied.fault {
        Some(
            k @ (FaultKind::Reset { .. }
            | FaultKind::Truncate { .. }
            | FaultKind::SlowBody { .. }
            | FaultKind::MalformedJson),
        ) => k.clone(),
        _ => return resp,
    };
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let len = bytes.len() as u64;
    match kind {
        FaultKind::Reset { after_bytes } => {
            let keep = bytes.slice(..after_bytes.min(len) as usize);
            parts.headers.remove(header::CONTENT_LENGTH);
            let reset = || std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by cec-sim");
            if keep.is_empty() {
                // Aborted before the head is written: the client gets no answer at all.
                let chunks = futures_util::stream::iter([Err::<Bytes, _>(reset())]);
                return Response::from_parts(parts, Body::from_stream(chunks));
            }
            Response::from_parts(parts, Body::from_stream(sent_then(keep, Some(reset()))))
        }
        FaultKind::Truncate { after_bytes } => {
            let keep = bytes.slice(..after_bytes.min(len) as usize);
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            Response::from_parts(parts, Body::from_stream(sent_then(keep, None)))
        }
        FaultKind::SlowBody { bytes_per_sec } => {
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            // A chunk every 100 ms (one byte at a time below 10 B/s).
            let chunk = (bytes_per_sec / 10).max(1) as usize;
            let every = Duration::from_secs_f64(chunk as f64 / bytes_per_sec as f64);
            let stream = futures_util::stream::unfold(bytes, move |mut rest| async move {
                if rest.is_empty() {
                    return None;
                }
                tokio::time::sleep(every).await;
                let piece = rest.split_to(chunk.min(rest.len()));
                Some((Ok::<Bytes, std::io::Error>(piece), rest))
            });
            Response::from_parts(parts, Body::from_stream(stream))
        }
        _ => {
            // A strict prefix of a JSON object is never valid JSON.
            let looks_json = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.contains("json"));
            let body = if looks_json && bytes.len() >= 2 {
                bytes.slice(..bytes.len() / 2)
            } else {
                Bytes::from_static(b"{\"resultCode\": \"0\", \"resultDesc\": ")
            };
            parts.status = StatusCode::OK;
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
            Response::from_parts(parts, Body::from(body))
        }
    }
}

/// `bytes`, then (once the server has flushed them: the stream pauses) an error or a premature end.
fn sent_then(
    bytes: Bytes,
    end: Option<std::io::Error>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    use futures_util::StreamExt;
    let first = futures_util::stream::iter((!bytes.is_empty()).then_some(Ok(bytes)));
    let last = futures_util::stream::once(async move {
        // While the body is pending, hyper writes out what it holds (head and bytes).
        tokio::time::sleep(Duration::from_millis(10)).await;
        end
    })
    .filter_map(|e| async move { e.map(Err) });
    first.chain(last)
}
