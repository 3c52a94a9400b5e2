//! CC-Messaging web channel: the `ccmessaging-token` cookie.
//!
//! The web channel interfaces (`/service-cloud/rest/webadapter/v1/...`,
//! `/social/on/{adapter}/resource/...`) carry no C1..C6 credentials: the
//! `Cookie` header must hold `ccmessaging-token=<token>`. CC-Messaging writes the
//! token into the browser's cookies when the page is integrated (an integrator's
//! server gets one from API Fabric `ccmessaging.applyToken`), and may hand out a
//! fresh one on any answer, as a `Set-Cookie: ccmessaging-token=…` or a
//! `ccmessaging-token` header; the store replaces its token from either.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use cec_core::{AuthKind, Authorizer, Error, OperationMeta, PreparedRequest, Result, Secret};
use http::{HeaderMap, HeaderValue};

/// The cookie that carries the web channel token.
pub const MESSAGING_COOKIE: &str = "ccmessaging-token";

/// Holds the `ccmessaging-token` of one web channel user and sends it as the
/// `Cookie` of every web channel interface ([`AuthKind::MessagingCookie`]).
#[derive(Debug, Default)]
pub struct MessagingCookieAuth {
    token: RwLock<Option<Secret<String>>>,
    renewals: AtomicU64,
}

impl MessagingCookieAuth {
    /// An empty store (set a token from `ccmessaging.applyToken`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or replaces) the token.
    pub fn set_token(&self, token: impl Into<Secret<String>>) {
        let token = token.into();
        if let Ok(mut t) = self.token.write() {
            let changed = t.as_ref().is_none_or(|old| old.expose_str() != token.expose_str());
            if changed && t.is_some() {
                self.renewals.fetch_add(1, Ordering::Relaxed);
            }
            *t = Some(token);
        }
    }

    /// The current token.
    pub fn token(&self) -> Option<Secret<String>> {
        self.token.read().ok().and_then(|t| t.clone())
    }

    /// Forgets the token.
    pub fn clear(&self) {
        if let Ok(mut t) = self.token.write() {
            *t = None;
        }
    }

    /// How many times a set token was replaced by a different one.
    pub fn renewals(&self) -> u64 {
        self.renewals.load(Ordering::Relaxed)
    }
}

/// The `ccmessaging-token` value of one `Set-Cookie` header, if it sets that cookie.
pub fn messaging_token_from_set_cookie(value: &str) -> Option<&str> {
    let first = value.split(';').next()?;
    let (name, v) = first.split_once('=')?;
    let v = v.trim().trim_matches('"');
    (name.trim() == MESSAGING_COOKIE && !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic() && b != b','))
        .then_some(v)
}

#[async_trait::async_trait]
impl Authorizer for MessagingCookieAuth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        if op.auth != AuthKind::MessagingCookie {
            return Ok(());
        }
        let t = self.token().ok_or_else(|| {
            Error::usage("no ccmessaging-token: apply for one (API Fabric ccmessaging.applyToken) and set it")
                .with_operation(op.id)
        })?;
        let mut v = HeaderValue::from_str(&format!("{MESSAGING_COOKIE}={}", t.expose_str()))
            .map_err(|_| Error::config("the ccmessaging-token holds characters not allowed in a cookie"))?;
        v.set_sensitive(true);
        req.headers.insert(http::header::COOKIE, v);
        Ok(())
    }

    fn observe(&self, _op: &'static OperationMeta, headers: &HeaderMap, _body: Option<&[u8]>) {
        for v in headers.get_all(http::header::SET_COOKIE) {
            if let Some(t) = v.to_str().ok().and_then(messaging_token_from_set_cookie) {
                self.set_token(t);
            }
        }
        if let Some(t) = headers.get(MESSAGING_COOKIE).and_then(|v| v.to_str().ok())
            && !t.is_empty()
        {
            self.set_token(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OP: OperationMeta = OperationMeta {
        id: "webchannel.sendMessageForWebChannel",
        ne: "CC-Messaging",
        method: "POST",
        path: "/service-cloud/rest/webadapter/v1/webadapterfacade/sendMessageForWebChannel",
        auth: AuthKind::MessagingCookie,
        retry: cec_core::RetryClass::Unsafe,
        envelope: &cec_core::Envelope::NONE,
        response: cec_core::ResponseKind::Json,
        doc: "",
    };

    #[test]
    fn set_cookie_parsing() {
        assert_eq!(messaging_token_from_set_cookie("ccmessaging-token=abc%3D; Path=/; HttpOnly"), Some("abc%3D"));
        assert_eq!(messaging_token_from_set_cookie("ccmessaging-token=\"q\""), Some("q"));
        assert_eq!(messaging_token_from_set_cookie("other=abc"), None);
        assert_eq!(messaging_token_from_set_cookie("ccmessaging-token=; Max-Age=0"), None);
        assert_eq!(messaging_token_from_set_cookie("garbage"), None);
    }

    #[tokio::test]
    async fn sends_the_cookie_and_renews_it_from_answers() {
        let a = MessagingCookieAuth::new();
        let mut req = PreparedRequest { headers: HeaderMap::new(), body: None };
        let e = a.prepare(&OP, &mut req).await.unwrap_err();
        assert!(e.to_string().contains("applyToken"), "{e}");
        a.set_token("t1");
        a.prepare(&OP, &mut req).await.unwrap();
        assert_eq!(req.headers["cookie"], "ccmessaging-token=t1");
        let mut h = HeaderMap::new();
        h.append(http::header::SET_COOKIE, HeaderValue::from_static("JSESSIONID=x"));
        h.append(http::header::SET_COOKIE, HeaderValue::from_static("ccmessaging-token=t2; Path=/"));
        a.observe(&OP, &h, None);
        assert_eq!(a.token().unwrap().expose_str(), "t2");
        assert_eq!(a.renewals(), 1);
        let mut h = HeaderMap::new();
        h.insert(MESSAGING_COOKIE, HeaderValue::from_static("t3"));
        a.observe(&OP, &h, None);
        assert_eq!(a.token().unwrap().expose_str(), "t3");
        assert!(!format!("{a:?}").contains("t3"), "the token never reaches Debug");
    }
}
