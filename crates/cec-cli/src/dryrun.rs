//! `--dry-run`: the request is validated, built and signed exactly as for sending,
//! then captured by a transport that sends nothing, and printed with its secrets
//! redacted.

use std::sync::{Arc, Mutex};

use cec_core::transport::{HttpRequest, HttpResponse, Transport};
use cec_core::{Error, ErrorKind, Sent};

/// What the recording transport answers: nothing was sent.
pub const NOT_SENT: &str = "dry run: request captured, not sent";

/// A transport that records every request and sends none.
#[derive(Debug, Default)]
pub struct Recorder {
    requests: Mutex<Vec<HttpRequest>>,
}

impl Recorder {
    /// The requests captured so far.
    pub fn take(&self) -> Vec<HttpRequest> {
        self.requests.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }
}

#[async_trait::async_trait]
impl Transport for Recorder {
    async fn send(&self, request: HttpRequest) -> cec_core::Result<HttpResponse> {
        if let Ok(mut r) = self.requests.lock() {
            r.push(request);
        }
        Err(Error::new(ErrorKind::Usage, NOT_SENT).with_sent(Sent::No))
    }
}

/// Whether `e` is the recorder's refusal (the dry run reached the transport).
pub fn is_not_sent(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.to_string().contains(NOT_SENT))
}

/// Header names whose values are secrets.
fn secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["authorization", "cookie", "guid", "token", "secret", "password", "sign", "x-app-key", "ccmessaging"]
        .iter()
        .any(|s| n.contains(s))
}

/// Whether a JSON key names a secret (passwords, tokens, keys, GUIDs).
pub fn secret_key(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["password", "passwd", "pwd", "token", "secret", "guid", "sk", "appkey", "app_key", "authorization", "credential"]
        .iter()
        .any(|s| if *s == "sk" { n == "sk" } else { n.contains(s) })
}

/// A JSON value with every secret-named member replaced by `"<redacted>"`.
pub fn redact(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let x = if secret_key(k) && !x.is_null() { Value::String("<redacted>".into()) } else { redact(x) };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

/// A URL with the values of secret-named query parameters redacted.
pub fn redact_url(url: &url::Url) -> String {
    let mut u = url.clone();
    if u.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if secret_key(&k) { "<redacted>".to_owned() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// The text of one captured request: method and URL, headers (secrets redacted), body.
pub fn render(req: &HttpRequest) -> String {
    let mut out = format!("{} {}\n", req.method, redact_url(&req.url));
    for (k, v) in &req.headers {
        let value = if secret_header(k.as_str()) {
            // Keep the scheme word of an Authorization value (`Bearer`, `auth-v2/…` algorithm name).
            let raw = v.to_str().unwrap_or("");
            let head = raw.split([' ', '/']).next().filter(|h| h.len() < raw.len()).unwrap_or("");
            if head.is_empty() { "<redacted>".to_owned() } else { format!("{head} <redacted>") }
        } else {
            v.to_str().unwrap_or("<binary>").to_owned()
        };
        out.push_str(&format!("{k}: {value}\n"));
    }
    if !req.body.is_empty() {
        out.push('\n');
        match serde_json::from_slice::<serde_json::Value>(&req.body) {
            Ok(v) => out.push_str(&serde_json::to_string_pretty(&redact(&v)).unwrap_or_default()),
            Err(_) => out.push_str(&format!("<{} bytes, not JSON>", req.body.len())),
        }
        out.push('\n');
    }
    out
}

/// Shared handle for the CLI's clients.
pub fn recorder() -> Arc<Recorder> {
    Arc::new(Recorder::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_redacted() {
        let v = redact(
            &json!({"password": "p1", "phonenum": "70001", "inner": {"authToken": "t1"}, "list": [{"sk": "s"}]}),
        );
        let text = v.to_string();
        for s in ["p1", "t1", "\"s\""] {
            assert!(!text.contains(s), "{text}");
        }
        assert!(text.contains("70001"));
        let u = url::Url::parse("https://x/p?token=abc&page=2").unwrap();
        let r = redact_url(&u);
        assert!(!r.contains("abc") && r.contains("page=2"), "{r}");
    }
}
