//! `callback.pushMessages`: AICC pushes the messages and events of web and
//! WhatsApp chats to the integrator's `{baseUrl}/webhooks/v1/messages`, signed
//! with `auth-v2` (the AK/SK configured for the push in AICC). The body carries
//! `messages` and a `timestamp` that is part of what is signed.
//!
//! [`PushVerifier::handle`] checks one delivery with cec-core's plain verifier
//! ([`cec_core::verify::C2Verifier`], which shares no code with the client's
//! signer), refuses a stale signature or body timestamp, parses the typed body
//! and says what to answer: `{"resultCode":"0","resultDesc":"success"}` for an
//! accepted push; any other code or a non-200 status is a failed push for AICC.
//! The built-in axum server is [`PushReceiver`] (feature `receiver`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cec_core::Secret;
use cec_core::verify::{C2Verifier, ReceivedRequest};
use http::HeaderMap;
use serde_json::{Value, json};

pub use crate::generated::{
    CallbackPushMessagesCallback as PushBody, CallbackPushMessagesCallbackMessages as PushMessage,
};

/// Where AICC posts, below the registered base URL.
pub const PUSH_PATH: &str = "/webhooks/v1/messages";

/// The answer to give AICC for one delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct PushAnswer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: Value,
}

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PushRefusal {
    /// The `auth-v2` signature is missing, wrong, from an unknown key or stale.
    Signature(String),
    /// The body's `timestamp` is missing or further from now than the allowed skew.
    StaleTimestamp,
    /// The body is not the documented shape.
    Body(String),
}

impl std::fmt::Display for PushRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PushRefusal::Signature(why) => write!(f, "signature refused: {why}"),
            PushRefusal::StaleTimestamp => f.write_str("body timestamp missing or outside the allowed skew"),
            PushRefusal::Body(why) => write!(f, "body refused: {why}"),
        }
    }
}

impl std::error::Error for PushRefusal {}

/// Checks pushes signed with one AK/SK.
#[derive(Debug, Clone)]
pub struct PushVerifier {
    verifier: C2Verifier,
    max_skew: Duration,
}

impl PushVerifier {
    /// Largest accepted distance between now and the signature's or the body's timestamp.
    pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(5 * 60);

    /// A verifier accepting pushes signed by `ak`/`sk`.
    pub fn new(ak: impl Into<String>, sk: impl Into<Secret<String>>) -> Self {
        let max_skew = Self::DEFAULT_MAX_SKEW;
        PushVerifier { verifier: C2Verifier::new().key(ak, sk).max_skew(max_skew), max_skew }
    }

    /// Changes the accepted skew.
    pub fn max_skew(mut self, d: Duration) -> Self {
        self.verifier = self.verifier.max_skew(d);
        self.max_skew = d;
        self
    }

    /// Verifies and parses one delivery received at `now`.
    pub fn verify(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<PushBody, PushRefusal> {
        let req = ReceivedRequest { method, path, query, headers, body };
        self.verifier.verify(&req, now).map_err(|e| PushRefusal::Signature(e.to_string()))?;
        let parsed: PushBody = serde_json::from_slice(body).map_err(|e| PushRefusal::Body(e.to_string()))?;
        let now_ms = now.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        match parsed.timestamp {
            Some(ts) if now_ms.abs_diff(ts) <= self.max_skew.as_millis() as u64 => {}
            _ => return Err(PushRefusal::StaleTimestamp),
        }
        if parsed.messages.is_none() {
            return Err(PushRefusal::Body("messages: required".into()));
        }
        Ok(parsed)
    }

    /// Verifies one delivery and gives the answer with the parsed body
    /// (`None` when refused: nothing is to be delivered).
    pub fn handle(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> (PushAnswer, Option<PushBody>) {
        match self.verify(method, path, query, headers, body, now) {
            Ok(b) => (PushAnswer { status: 200, body: ack() }, Some(b)),
            Err(e) => {
                tracing::warn!(reason = %e, "push refused");
                let status = match e {
                    PushRefusal::Body(_) => 400,
                    _ => 401,
                };
                (PushAnswer { status, body: json!({ "resultCode": "1", "resultDesc": e.to_string() }) }, None)
            }
        }
    }
}

/// The answer to an accepted push.
pub fn ack() -> Value {
    crate::generated::CallbackPushMessagesCallbackReceiver::ack()
}

/// The key a delivered message is recognised by when AICC delivers it again:
/// its `messageCode` (the reference's unique code of a message, optional), or,
/// without one, every field it carries (a retried push repeats its messages
/// field for field; two different messages differ in at least one, if only in
/// the millisecond `timestamp`).
fn dedup_key(m: &PushMessage) -> String {
    match m.message_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => format!("code:{code}"),
        None => format!("fields:{}", serde_json::to_string(m).unwrap_or_default()),
    }
}

/// What [`PushRouter::route`] did with one delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Routed {
    /// Messages handed to a session's feed.
    pub delivered: usize,
    /// Messages dropped as already delivered (AICC retried the push).
    pub duplicates: usize,
    /// Messages addressed to no registered session (kept, see [`PushRouter::take_unrouted`]).
    pub unrouted: usize,
}

/// The router's counters since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouterStats {
    /// Messages handed to a session's feed.
    pub delivered: u64,
    /// Messages dropped as duplicates.
    pub duplicates: u64,
    /// Messages that found no session when they arrived.
    pub unrouted: u64,
    /// Unrouted messages dropped because more than [`PushRouter::MAX_UNROUTED`] were waiting.
    pub unrouted_dropped: u64,
}

#[derive(Debug)]
struct FeedSlot {
    id: u64,
    tx: tokio::sync::mpsc::UnboundedSender<crate::ChatMessage>,
}

#[derive(Debug, Default)]
struct RouterState {
    feeds: std::collections::HashMap<String, FeedSlot>,
    next_feed: u64,
    seen: std::collections::HashSet<String>,
    seen_order: std::collections::VecDeque<String>,
    unrouted: std::collections::VecDeque<(String, crate::ChatMessage)>,
    stats: RouterStats,
}

/// Hands the messages of verified pushes to the chat sessions they address.
///
/// One router serves one receiver (one registered base URL). Each session in
/// push mode takes a [`PushFeed`] for its user id ([`feed`](Self::feed)); the
/// router sends every message of a push to the feed of the user named by the
/// message's `to` (the reference's user identifier; `from` is the sender —
/// the channel id, or an agent — and does not say whose chat it is).
///
/// - A message delivered before (same `messageCode`, or the same fields when it
///   has none; see the last [`MAX_SEEN`](Self::MAX_SEEN) messages) is dropped:
///   AICC repeats a push it believes failed, and the retry must not show twice.
/// - A message for a user with no feed is counted and logged, and kept (up to
///   [`MAX_UNROUTED`](Self::MAX_UNROUTED), oldest dropped first and counted): a feed
///   taken later for that user receives them first, [`take_unrouted`](Self::take_unrouted)
///   hands the others over.
///
/// Cheap to clone; clones share the feeds.
#[derive(Debug, Clone, Default)]
pub struct PushRouter {
    state: std::sync::Arc<std::sync::Mutex<RouterState>>,
}

impl PushRouter {
    /// How many delivered message keys are remembered for dropping duplicates.
    pub const MAX_SEEN: usize = 4096;
    /// How many messages for unknown users are kept.
    pub const MAX_UNROUTED: usize = 256;

    /// A router with no feeds.
    pub fn new() -> PushRouter {
        PushRouter::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RouterState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The feed of user `user` (the web channel user id the session applied its
    /// token for). Messages already waiting for that user come first. A second
    /// feed for the same user replaces the first (whose stream then ends).
    pub fn feed(&self, user: impl Into<String>) -> PushFeed {
        let user = user.into();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut st = self.lock();
        st.next_feed += 1;
        let id = st.next_feed;
        let waiting: Vec<crate::ChatMessage> = {
            let (mine, rest): (Vec<_>, Vec<_>) = st.unrouted.drain(..).partition(|(to, _)| *to == user);
            st.unrouted = rest.into();
            mine.into_iter().map(|(_, m)| m).collect()
        };
        for m in waiting {
            let _ = tx.send(m);
            st.stats.delivered += 1;
        }
        st.feeds.insert(user.clone(), FeedSlot { id, tx });
        PushFeed { user, id, rx, router: self.clone() }
    }

    /// Routes the messages of one verified push (what `PushReceiver` or
    /// [`PushVerifier::handle`] accepted).
    pub fn route(&self, push: PushBody) -> Routed {
        let mut out = Routed::default();
        let mut st = self.lock();
        for m in push.messages.unwrap_or_default() {
            let key = dedup_key(&m);
            if st.seen.contains(&key) {
                out.duplicates += 1;
                st.stats.duplicates += 1;
                tracing::debug!(to = m.to.as_deref().unwrap_or(""), "pushed message already delivered: dropped");
                continue;
            }
            st.seen.insert(key.clone());
            st.seen_order.push_back(key);
            while st.seen_order.len() > Self::MAX_SEEN {
                if let Some(old) = st.seen_order.pop_front() {
                    st.seen.remove(&old);
                }
            }
            let to = m.to.clone().unwrap_or_default();
            let msg = crate::ChatMessage::from_json(&serde_json::to_value(&m).unwrap_or(Value::Null));
            let msg = match st.feeds.get(&to) {
                Some(slot) => match slot.tx.send(msg) {
                    Ok(()) => {
                        out.delivered += 1;
                        st.stats.delivered += 1;
                        continue;
                    }
                    Err(tokio::sync::mpsc::error::SendError(msg)) => msg,
                },
                None => msg,
            };
            out.unrouted += 1;
            st.stats.unrouted += 1;
            tracing::warn!(to = %to, "pushed message for no chat session: kept as unrouted");
            st.unrouted.push_back((to, msg));
            while st.unrouted.len() > Self::MAX_UNROUTED {
                st.unrouted.pop_front();
                st.stats.unrouted_dropped += 1;
                tracing::warn!("too many unrouted pushed messages: the oldest dropped");
            }
        }
        out
    }

    /// Routes every push `pushes` yields (the receiver half of
    /// `PushReceiver::bind`) on a task, until the receiver stops.
    pub fn spawn(&self, mut pushes: tokio::sync::mpsc::UnboundedReceiver<PushBody>) -> tokio::task::JoinHandle<()> {
        let router = self.clone();
        tokio::spawn(async move {
            while let Some(p) = pushes.recv().await {
                router.route(p);
            }
        })
    }

    /// The counters.
    pub fn stats(&self) -> RouterStats {
        self.lock().stats
    }

    /// The messages waiting for users with no feed, each with its user id (oldest first).
    pub fn take_unrouted(&self) -> Vec<(String, crate::ChatMessage)> {
        self.lock().unrouted.drain(..).collect()
    }
}

/// One session's share of a [`PushRouter`]: the pushed messages addressed to
/// its user, in arrival order, duplicates already dropped. Dropping it
/// unregisters the user (later messages for it are unrouted).
#[derive(Debug)]
pub struct PushFeed {
    user: String,
    id: u64,
    rx: tokio::sync::mpsc::UnboundedReceiver<crate::ChatMessage>,
    router: PushRouter,
}

impl PushFeed {
    /// The user id the feed receives for.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The next message; `None` once the router replaced this feed with another for the same user.
    pub async fn recv(&mut self) -> Option<crate::ChatMessage> {
        self.rx.recv().await
    }

    /// The messages already here, without waiting.
    pub fn drain(&mut self) -> Vec<crate::ChatMessage> {
        let mut out = Vec::new();
        while let Ok(m) = self.rx.try_recv() {
            out.push(m);
        }
        out
    }
}

impl Drop for PushFeed {
    fn drop(&mut self) {
        let mut st = self.router.lock();
        if st.feeds.get(&self.user).is_some_and(|s| s.id == self.id) {
            st.feeds.remove(&self.user);
        }
    }
}

#[cfg(feature = "receiver")]
mod server {
    use std::net::SocketAddr;

    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::IntoResponse;

    use super::{PushBody, PushVerifier};

    /// The built-in push receiver (feature `receiver`): an axum server on
    /// `addr` that verifies every delivery to [`PUSH_PATH`](super::PUSH_PATH)
    /// and hands the accepted bodies to a channel. Stops when dropped.
    #[derive(Debug)]
    pub struct PushReceiver {
        addr: SocketAddr,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
    }

    impl PushReceiver {
        /// Listens on `addr`; accepted pushes arrive on the returned receiver in order.
        pub async fn bind(
            addr: SocketAddr,
            verifier: PushVerifier,
        ) -> std::io::Result<(Self, tokio::sync::mpsc::UnboundedReceiver<PushBody>)> {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let addr = listener.local_addr()?;
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let (verifier, tx) = (verifier.clone(), tx.clone());
                async move {
                    if uri.path() != super::PUSH_PATH {
                        return (
                            StatusCode::NOT_FOUND,
                            axum::Json(serde_json::json!({"resultCode": "1", "resultDesc": "not found"})),
                        )
                            .into_response();
                    }
                    let now = std::time::SystemTime::now();
                    let (answer, parsed) =
                        verifier.handle(method.as_str(), uri.path(), uri.query(), &headers, &body, now);
                    if let Some(p) = parsed {
                        let _ = tx.send(p);
                    }
                    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_REQUEST);
                    (status, axum::Json(answer.body)).into_response()
                }
            });
            let (stop, rx_stop) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                    let _ = rx_stop.await;
                });
                if let Err(e) = serve.await {
                    tracing::warn!(error = %e, "push receiver stopped");
                }
            });
            Ok((PushReceiver { addr, stop: Some(stop) }, rx))
        }

        /// Where it listens.
        pub fn local_addr(&self) -> SocketAddr {
            self.addr
        }

        /// The base URL to register in AICC (`http://<addr>`; pushes go to `<base>/webhooks/v1/messages`).
        pub fn base_url(&self) -> String {
            format!("http://{}", self.addr)
        }
    }

    impl Drop for PushReceiver {
        fn drop(&mut self) {
            if let Some(s) = self.stop.take() {
                let _ = s.send(());
            }
        }
    }
}

#[cfg(feature = "receiver")]
pub use server::PushReceiver;

#[cfg(test)]
mod tests {
    use super::*;
    use cec_core::sign::C2Dialect;

    fn old_clock() -> SystemTime {
        SystemTime::now() - Duration::from_secs(3600)
    }

    /// Signed by the client's signer (cec-auth); checked by cec-core's plain verifier.
    fn signed(ak: &str, sk: &str, body: &[u8], stale: bool) -> HeaderMap {
        let mut signer = cec_auth::AkSkSigner::new(ak, sk).unwrap().with_dialect(C2Dialect::default());
        if stale {
            signer = signer.with_clock(old_clock);
        }
        let mut req = cec_core::HttpRequest {
            method: http::Method::POST,
            url: url::Url::parse(&format!("http://127.0.0.1:9{PUSH_PATH}")).unwrap(),
            headers: HeaderMap::new(),
            body: body.to_vec().into(),
        };
        signer.sign_request(&mut req).unwrap();
        req.headers
    }

    fn body(ts: SystemTime) -> Vec<u8> {
        let ms = ts.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
        serde_json::to_vec(&json!({"messages": [{"channel": "WEB", "content": "hi", "from": "ch1", "mediaType": "TEXT",
            "sourceType": "AGENT", "controlType": "CHAT", "timestamp": ms, "to": "u1"}], "timestamp": ms}))
        .unwrap()
    }

    #[test]
    fn accepts_a_signed_fresh_push_and_acknowledges() {
        let now = SystemTime::now();
        let b = body(now);
        let h = signed("push-ak", "push-sk", &b, false);
        let v = PushVerifier::new("push-ak", "push-sk");
        let (answer, parsed) = v.handle("POST", PUSH_PATH, None, &h, &b, now);
        assert_eq!(answer, PushAnswer { status: 200, body: json!({"resultCode": "0", "resultDesc": "success"}) });
        let m = &parsed.unwrap().messages.unwrap()[0];
        assert_eq!(m.content.as_deref(), Some("hi"));
    }

    #[test]
    fn refuses_bad_signature_stale_signature_and_stale_body() {
        let now = SystemTime::now();
        let v = PushVerifier::new("push-ak", "push-sk");
        let b = body(now);
        let wrong = signed("push-ak", "other-sk", &b, false);
        let (a, p) = v.handle("POST", PUSH_PATH, None, &wrong, &b, now);
        assert_eq!((a.status, p.is_none()), (401, true));
        let mut tampered = b.clone();
        tampered[20] ^= 1;
        let h = signed("push-ak", "push-sk", &b, false);
        assert!(v.verify("POST", PUSH_PATH, None, &h, &tampered, now).is_err());
        let old = now - Duration::from_secs(3600);
        let stale = signed("push-ak", "push-sk", &b, true);
        assert!(matches!(v.verify("POST", PUSH_PATH, None, &stale, &b, now), Err(PushRefusal::Signature(_))));
        // A fresh signature over a body whose own timestamp is old (a replayed body).
        let ob = body(old);
        let h = signed("push-ak", "push-sk", &ob, false);
        assert_eq!(v.verify("POST", PUSH_PATH, None, &h, &ob, now), Err(PushRefusal::StaleTimestamp));
    }
}
