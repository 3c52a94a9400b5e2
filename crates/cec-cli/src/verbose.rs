//! `-v`/`--debug`: one line per attempt on standard error (method, URL, status,
//! result code, latency, attempt number, why it was repeated); `-vv` adds the
//! request and response bodies. Secrets are always redacted (the dry run's rules).
//! Written by a transport wrapped around the real one, so nothing of the
//! connection pool shows, and no colours are used.

use std::sync::Mutex;
use std::time::Instant;

use cec_core::transport::{HttpRequest, HttpResponse, Transport};
use http::header::CONTENT_TYPE;

use crate::dryrun::{redact, redact_url};

/// Largest JSON body the log reads to find the result code (the client's own limit).
const MAX_LOGGED: usize = cec_core::client::MAX_JSON_BODY;

/// A transport that logs every attempt it sends through `inner`.
#[derive(Debug)]
pub struct Logged {
    inner: std::sync::Arc<dyn Transport>,
    level: u8,
    /// Per method and URL: attempts so far and how the last one ended.
    last: Mutex<Vec<(String, u32, String)>>,
}

impl Logged {
    pub fn new(inner: std::sync::Arc<dyn Transport>, level: u8) -> Self {
        Logged { inner, level, last: Mutex::new(Vec::new()) }
    }

    /// The attempt number of `key` and why the previous one was repeated.
    fn next_attempt(&self, key: &str) -> (u32, Option<String>) {
        let Ok(mut l) = self.last.lock() else { return (1, None) };
        match l.iter_mut().find(|(k, _, _)| k == key) {
            Some((_, n, why)) => {
                *n += 1;
                (*n, Some(why.clone()))
            }
            None => {
                l.push((key.to_owned(), 1, String::new()));
                (1, None)
            }
        }
    }

    fn ended(&self, key: &str, how: &str) {
        if let Ok(mut l) = self.last.lock()
            && let Some(e) = l.iter_mut().find(|(k, _, _)| k == key)
        {
            e.2 = how.to_owned();
        }
    }
}

#[allow(clippy::print_stderr)]
fn line(s: &str) {
    eprintln!("{s}");
}

fn body_text(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => redact(&v).to_string(),
        Err(_) => format!("<{} bytes, not JSON>", bytes.len()),
    }
}

/// The result code of a JSON answer, from the usual code fields.
fn result_code(v: &serde_json::Value) -> Option<String> {
    for k in ["resultCode", "retcode", "returnCode", "result", "retCode", "code", "errorCode"] {
        match &v[k] {
            serde_json::Value::String(s) => return Some(s.clone()),
            serde_json::Value::Number(n) => return Some(n.to_string()),
            _ => {}
        }
    }
    None
}

/// Logs "no answer" when an attempt is dropped before it ends (the attempt timeout).
struct Pending<'a> {
    log: &'a Logged,
    key: String,
    prefix: String,
    started: Instant,
    done: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.done {
            let ms = self.started.elapsed().as_millis();
            line(&format!("{} -> no answer ({ms} ms: timed out or cancelled)", self.prefix));
            self.log.ended(&self.key, "timeout");
        }
    }
}

#[async_trait::async_trait]
impl Transport for Logged {
    async fn send(&self, request: HttpRequest) -> cec_core::Result<HttpResponse> {
        let url = redact_url(&request.url);
        let key = format!("{} {url}", request.method);
        let (attempt, why) = self.next_attempt(&key);
        let retry = why.filter(|w| !w.is_empty()).map(|w| format!(", retry after {w}")).unwrap_or_default();
        let prefix = format!("cec: {} {url} attempt {attempt}{retry}", request.method);
        if self.level > 1 && !request.body.is_empty() {
            line(&format!("cec: > {}", body_text(&request.body)));
        }
        let mut pending =
            Pending { log: self, key: key.clone(), prefix: prefix.clone(), started: Instant::now(), done: false };
        let res = self.inner.send(request).await;
        let resp = match res {
            Err(e) => {
                pending.done = true;
                let ms = pending.started.elapsed().as_millis();
                line(&format!("{prefix} -> failed in {ms} ms: {e}"));
                self.ended(&key, &format!("{:?}", e.kind()).to_lowercase());
                return Err(e);
            }
            Ok(r) => r,
        };
        let status = resp.status;
        let json = resp
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
        if !json {
            pending.done = true;
            let ms = pending.started.elapsed().as_millis();
            let len = resp.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("?");
            line(&format!("{prefix} -> HTTP {} in {ms} ms ({len} bytes, not JSON)", status.as_u16()));
            self.ended(&key, &format!("HTTP {}", status.as_u16()));
            return Ok(resp);
        }
        let headers = resp.headers.clone();
        let bytes = resp.bytes(MAX_LOGGED).await;
        pending.done = true;
        let ms = pending.started.elapsed().as_millis();
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                line(&format!("{prefix} -> HTTP {} in {ms} ms, body failed: {e}", status.as_u16()));
                self.ended(&key, "a broken body");
                return Err(e);
            }
        };
        let code = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| result_code(&v))
            .map(|c| format!(", result code {c}"))
            .unwrap_or_default();
        line(&format!("{prefix} -> HTTP {}{code} in {ms} ms", status.as_u16()));
        if self.level > 1 {
            line(&format!("cec: < {}", body_text(&bytes)));
        }
        self.ended(&key, &format!("HTTP {}{code}", status.as_u16()));
        Ok(HttpResponse::full(status, headers, bytes))
    }
}
