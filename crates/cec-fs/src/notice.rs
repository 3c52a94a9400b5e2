//! The CDR-ready notice CC-FS POSTs to the `callBackURL` of `queryBillData` (and the
//! agent-operation and skill-change queries): `{request:{version}, msgBody:{responseId,
//! billFileName, accountId}}`, authenticated with a C2 (auth-v2) signature of the
//! developer's AK/SK (cec_07_4222). [`NoticeInbox`] checks and keeps them; feed it
//! from your own server ([`NoticeInbox::handle`]) or use the built-in receiver
//! (feature `receiver`).
//!
//! CC-FS repeats a notice every 10 minutes until it gets a success answer with a
//! body: the inbox answers `{"resultCode":"0","resultDesc":"success"}` and keeps
//! one notice per `responseId`, so a repeat is answered and ignored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use cec_core::sign::{SignableRequest, authorization, constant_time_eq, parse_authorization};
use http::HeaderMap;
use serde_json::{Value, json};

/// Largest clock difference accepted between CC-FS and this host.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// What a notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum NoticeKind {
    /// `billFileName` (CDRs and recording index).
    Bills,
    /// `agentOprInfoFileName`.
    AgentOperations,
    /// `agentOprSkillFileName` / `agentSkillInfoFileName`.
    SkillChanges,
}

/// One checked notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    /// The `responseId` the query answered.
    pub response_id: String,
    /// The file to download, exactly as CC-FS named it (not yet checked as a file name).
    pub file_name: String,
    /// What the file holds.
    pub kind: NoticeKind,
    /// The tenant space, when the query carried one.
    pub account_id: Option<String>,
}

/// Checks and keeps CDR-ready notices. Cheap to share (`Arc`).
pub struct NoticeInbox {
    ak: String,
    sk: cec_core::Secret<String>,
    notices: Mutex<HashMap<String, Notice>>,
    arrived: tokio::sync::Notify,
    refused: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for NoticeInbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoticeInbox").field("ak", &self.ak).field("sk", &"<redacted>").finish_non_exhaustive()
    }
}

/// The inbox's answer to one delivery: HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// 200 accepted (or a repeat), 400 not a notice, 401 bad signature.
    pub status: u16,
    /// The body.
    pub body: Value,
}

impl NoticeInbox {
    /// An inbox that accepts notices signed with this AK/SK (the developer's, the
    /// same the client signs its requests with).
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        NoticeInbox {
            ak: ak.into(),
            sk: cec_core::Secret::new(sk.into()),
            notices: Mutex::new(HashMap::new()),
            arrived: tokio::sync::Notify::new(),
            refused: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Deliveries refused so far (bad signature or not a notice).
    pub fn refused(&self) -> u64 {
        self.refused.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Handles one delivery as received: checks the C2 signature over the method,
    /// path, query, signed headers and body, parses the notice, keeps it.
    pub fn handle(&self, method: &str, path: &str, query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Answer {
        let refuse = |status: u16, why: String| {
            self.refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(status, why = %why, "CDR-ready notice refused");
            Answer { status, body: json!({ "resultCode": "0300004", "resultDesc": why }) }
        };
        if let Err(why) = self.verify(method, path, query, headers, body) {
            return refuse(401, why);
        }
        let notice = match parse(body) {
            Ok(n) => n,
            Err(why) => return refuse(400, why),
        };
        let repeat = {
            let mut m = self.notices.lock().unwrap_or_else(|e| e.into_inner());
            let repeat = m.contains_key(&notice.response_id);
            m.entry(notice.response_id.clone()).or_insert(notice.clone());
            repeat
        };
        tracing::info!(response_id = %notice.response_id, file = %notice.file_name, repeat, "CDR-ready notice");
        self.arrived.notify_waiters();
        Answer { status: 200, body: json!({ "resultCode": "0", "resultDesc": "success" }) }
    }

    /// The notice for `response_id`, waiting up to `within` for it (it may also
    /// have come before the query's own answer).
    pub async fn wait(&self, response_id: &str, within: Duration) -> Option<Notice> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            if let Some(n) = self.get(response_id) {
                return Some(n);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.get(response_id);
            }
        }
    }

    /// The notice for `response_id`, if it came.
    pub fn get(&self, response_id: &str) -> Option<Notice> {
        self.notices.lock().unwrap_or_else(|e| e.into_inner()).get(response_id).cloned()
    }

    fn verify(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(), String> {
        let value = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or("missing Authorization header")?;
        let parsed = parse_authorization(value).ok_or("Authorization is not an auth-v2 value")?;
        if parsed.ak != self.ak {
            return Err("unknown access key".into());
        }
        let ts = cec_core::time::parse_utc(parsed.timestamp).ok_or("bad timestamp")?;
        let now = SystemTime::now();
        let skew = now.duration_since(ts).or_else(|_| ts.duration_since(now)).unwrap_or_default();
        if skew > MAX_SKEW {
            return Err("timestamp outside the accepted window".into());
        }
        let names: Vec<&str> = parsed.signed_headers.split(';').filter(|s| !s.is_empty()).collect();
        if names.is_empty() {
            return Err("no signed headers".into());
        }
        let mut signed = Vec::with_capacity(names.len());
        for n in &names {
            let v =
                headers.get(*n).and_then(|v| v.to_str().ok()).ok_or_else(|| format!("signed header {n} missing"))?;
            signed.push((*n, v));
        }
        let pairs: Vec<(String, String)> = query
            .map(|q| {
                q.split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        let (k, v) = p.split_once('=').unwrap_or((p, ""));
                        (percent_decode(k), percent_decode(v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let req = SignableRequest { method, path, query: &pairs, headers: &signed, body };
        let expected = authorization(&self.ak, self.sk.expose_str().as_bytes(), parsed.timestamp, &req);
        if constant_time_eq(expected.as_bytes(), value.as_bytes()) { Ok(()) } else { Err("signature mismatch".into()) }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', ..) => {
                out.push(b' ');
                i += 1;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a notice body.
pub fn parse(body: &[u8]) -> Result<Notice, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("the notice is not JSON: {e}"))?;
    let m = v.get("msgBody").ok_or("the notice has no msgBody")?;
    let text = |k: &str| m.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let response_id = text("responseId").ok_or("msgBody.responseId is missing")?;
    let (kind, file_name) = if let Some(f) = text("billFileName") {
        (NoticeKind::Bills, f)
    } else if let Some(f) = text("agentOprInfoFileName") {
        (NoticeKind::AgentOperations, f)
    } else if let Some(f) = text("agentOprSkillFileName").or_else(|| text("agentSkillInfoFileName")) {
        (NoticeKind::SkillChanges, f)
    } else {
        return Err("msgBody names no file (billFileName, agentOprInfoFileName, agentOprSkillFileName)".into());
    };
    Ok(Notice { response_id, file_name, kind, account_id: text("accountId") })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(ak: &str, sk: &str, body: &[u8], ts: SystemTime) -> HeaderMap {
        let len = body.len().to_string();
        let hs = [("content-length", len.as_str()), ("content-type", "application/json"), ("host", "127.0.0.1:9")];
        let req = SignableRequest { method: "POST", path: "/cdr", query: &[], headers: &hs, body };
        let auth = authorization(ak, sk.as_bytes(), &cec_core::time::format_utc_millis(ts), &req);
        let mut h = HeaderMap::new();
        for (k, v) in hs {
            h.insert(k, v.parse().unwrap());
        }
        h.insert("authorization", auth.parse().unwrap());
        h
    }

    const BODY: &[u8] =
        br#"{"request":{"version":"2.0"},"msgBody":{"responseId":"r1","billFileName":"20251201_r1.zip"}}"#;

    #[tokio::test]
    async fn a_signed_notice_is_kept_once_and_a_forged_one_refused() {
        let inbox = NoticeInbox::new("ak", "sk");
        let h = signed("ak", "sk", BODY, SystemTime::now());
        assert_eq!(inbox.handle("POST", "/cdr", None, &h, BODY).status, 200);
        assert_eq!(inbox.handle("POST", "/cdr", None, &h, BODY).status, 200, "a repeat is answered");
        let n = inbox.wait("r1", Duration::from_millis(10)).await.unwrap();
        assert_eq!((n.file_name.as_str(), n.kind), ("20251201_r1.zip", NoticeKind::Bills));
        let forged = signed("ak", "other-sk", BODY, SystemTime::now());
        let a = inbox.handle("POST", "/cdr", None, &forged, BODY);
        assert_eq!(a.status, 401);
        let tampered = br#"{"request":{"version":"2.0"},"msgBody":{"responseId":"r2","billFileName":"../x"}}"#;
        assert_eq!(inbox.handle("POST", "/cdr", None, &h, tampered).status, 401, "the body is signed");
        let old = signed("ak", "sk", BODY, SystemTime::now() - Duration::from_secs(3600));
        assert_eq!(inbox.handle("POST", "/cdr", None, &old, BODY).status, 401);
        assert_eq!(inbox.handle("POST", "/cdr", None, &HeaderMap::new(), BODY).status, 401);
        assert_eq!(inbox.refused(), 4);
        assert!(inbox.wait("r2", Duration::from_millis(10)).await.is_none());
    }

    #[test]
    fn notices_parse() {
        assert!(parse(b"{}").is_err());
        assert!(parse(br#"{"msgBody":{"responseId":"x"}}"#).is_err());
        let n = parse(br#"{"msgBody":{"responseId":"x","agentOprInfoFileName":"a.zip","accountId":"t"}}"#).unwrap();
        assert_eq!((n.kind, n.account_id.as_deref()), (NoticeKind::AgentOperations, Some("t")));
    }
}
