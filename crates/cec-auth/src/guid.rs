//! C4 (agent sign-in GUID, static or rotating) and C5 (configuration login GUID).

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use cec_core::{AuthKind, Authorizer, Error, OperationMeta, PreparedRequest, Result, Secret};
use http::{HeaderMap, HeaderValue};
use serde_json::Value;

/// How the CC-Gateway authenticates agents (`AUTHMODE` on the server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GuidMode {
    /// `AUTHMODE = 1`: the GUID of sign-in stays valid for the session.
    Static,
    /// `AUTHMODE = 2` (default): the GUID rotates about every 60 s; the new one
    /// arrives as `Set-GUID` on poll and heartbeat answers.
    #[default]
    Dynamic,
}

/// Extracts the GUID from a `Set-GUID` value: the value of its first
/// `NAME=value` pair (`JSESSIONID=<guid>` on CEC; any name is accepted, as
/// Huawei's own agent demos do), or the bare value when it has no `=`, with
/// cookie attributes after `;` ignored. `None` when it holds no GUID.
pub fn parse_set_guid(value: &str) -> Option<&str> {
    let first = value.split(';').next()?.trim();
    let guid = match first.split_once('=') {
        Some((_name, v)) => v.trim(),
        None => first,
    };
    (!guid.is_empty() && guid.bytes().all(|b| b.is_ascii_graphic())).then_some(guid)
}

/// One cookie of a `Set-Cookie` value: its name and value, and whether the
/// server asks to delete it (`Max-Age` zero or negative). `None` when the value
/// holds no usable cookie.
fn parse_set_cookie(value: &str) -> Option<(&str, &str, bool)> {
    let mut parts = value.split(';');
    let (name, v) = parts.next()?.split_once('=')?;
    let (name, v) = (name.trim(), v.trim());
    let token =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    if !token(name) || !v.bytes().all(|b| b.is_ascii_graphic() && b != b',' && b != b'\\') {
        return None;
    }
    let delete = parts.any(|attr| {
        attr.split_once('=').is_some_and(|(k, n)| {
            k.trim().eq_ignore_ascii_case("max-age") && n.trim().parse::<i64>().is_ok_and(|n| n <= 0)
        })
    });
    Some((name, v, delete))
}

/// Holds the GUID of one agent (C4) or one configuration administrator (C5),
/// sends it as `Guid` on every interface that needs it, and replaces it
/// whenever a response carries a new one.
///
/// It also keeps the session's cookies: the `Set-Cookie` values of the sign-in
/// answer and of every later answer, sent back as `Cookie` on every call of
/// that session (what Huawei's own agent clients do; a gateway cluster behind a
/// load balancer that routes by cookie needs it). The jar belongs to this
/// store, so agents sharing a connection pool (`Client::for_agent`) never see
/// each other's cookies. It is emptied when a sign-in starts and after
/// sign-out; cookie attributes (`Path`, `Domain`, `Expires`) are not
/// interpreted, except `Max-Age=0`, which deletes the cookie.
#[derive(Debug, Default)]
pub struct GuidAuth {
    guid: RwLock<Option<Secret<String>>>,
    /// Cookies by name, in the order first set.
    cookies: RwLock<Vec<(String, Secret<String>)>>,
    /// The GUID replaced by the last rotation (CEC accepts it for a while).
    previous: RwLock<Option<Secret<String>>>,
    rotations: AtomicU64,
    mode: GuidMode,
}

impl GuidAuth {
    /// An empty store (sign in to fill it).
    pub fn new(mode: GuidMode) -> Self {
        GuidAuth {
            guid: RwLock::new(None),
            cookies: RwLock::new(Vec::new()),
            previous: RwLock::new(None),
            rotations: AtomicU64::new(0),
            mode,
        }
    }

    /// The server's auth mode as configured.
    pub fn mode(&self) -> GuidMode {
        self.mode
    }

    /// The current GUID.
    pub fn guid(&self) -> Option<Secret<String>> {
        self.guid.read().ok().and_then(|g| g.clone())
    }

    /// Sets the GUID (after `updateGuid`, or a GUID restored after a restart).
    pub fn set_guid(&self, guid: impl Into<Secret<String>>) {
        let guid = guid.into();
        if let Ok(mut g) = self.guid.write() {
            let changed = g.as_ref().map(|old| old.expose_str() != guid.expose_str()).unwrap_or(true);
            let old = g.replace(guid);
            if changed {
                self.rotations.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut p) = self.previous.write() {
                    *p = old;
                }
            }
        }
    }

    /// Forgets the GUID and the session's cookies (after sign-out).
    pub fn clear(&self) {
        if let Ok(mut g) = self.guid.write() {
            *g = None;
        }
        if let Ok(mut p) = self.previous.write() {
            *p = None;
        }
        self.clear_cookies();
    }

    /// The names of the cookies kept for this session (values are secret).
    pub fn cookie_names(&self) -> Vec<String> {
        self.cookies.read().map(|c| c.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default()
    }

    /// Takes the cookies of one `Set-Cookie` value.
    pub fn store_cookie(&self, set_cookie: &str) {
        let Some((name, value, delete)) = parse_set_cookie(set_cookie) else { return };
        if let Ok(mut jar) = self.cookies.write() {
            let at = jar.iter().position(|(n, _)| n == name);
            match (at, delete) {
                (Some(i), true) => {
                    jar.remove(i);
                }
                (Some(i), false) => jar[i].1 = Secret::from(value),
                (None, false) => jar.push((name.to_owned(), Secret::from(value))),
                (None, true) => {}
            }
        }
    }

    fn clear_cookies(&self) {
        if let Ok(mut jar) = self.cookies.write() {
            jar.clear();
        }
    }

    /// The `Cookie` header for this session's next call, if it has cookies.
    fn cookie_header(&self) -> Result<Option<HeaderValue>> {
        let jar = self.cookies.read().map_err(|_| Error::usage("cookie jar poisoned"))?;
        if jar.is_empty() {
            return Ok(None);
        }
        let line = jar.iter().map(|(n, v)| format!("{n}={}", v.expose_str())).collect::<Vec<_>>().join("; ");
        let mut v =
            HeaderValue::from_str(&line).map_err(|_| Error::config("a session cookie is not a valid header value"))?;
        v.set_sensitive(true);
        Ok(Some(v))
    }

    /// Whether `guid` is the current GUID or the one the last rotation
    /// replaced (compared in constant time): how a receiver of pushed events
    /// checks the `Guid` header, which may predate a rotation it crossed.
    pub fn matches(&self, guid: &str) -> bool {
        let eq = |s: &Option<Secret<String>>| {
            s.as_ref().is_some_and(|s| cec_core::sign::constant_time_eq(s.expose_str().as_bytes(), guid.as_bytes()))
        };
        let cur = self.guid.read().map(|g| eq(&g)).unwrap_or(false);
        let prev = self.previous.read().map(|g| eq(&g)).unwrap_or(false);
        !guid.is_empty() && (cur | prev)
    }

    /// How many times a new GUID has been taken (sign-in counts as one).
    pub fn rotations(&self) -> u64 {
        self.rotations.load(Ordering::Relaxed)
    }
}

#[async_trait::async_trait]
impl Authorizer for GuidAuth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        if matches!(op.id, "onlineagent.login" | "onlineagent.forcelogin" | "onlineagent.loginex") {
            // A new session: its cookies come with the sign-in answer.
            self.clear_cookies();
        } else if let Some(cookie) = self.cookie_header()? {
            req.headers.insert(http::header::COOKIE, cookie);
        }
        if op.auth != AuthKind::Guid {
            return Ok(());
        }
        let guid = self.guid().ok_or_else(|| {
            Error::usage("no GUID: sign in (or log in to the configuration interface) first").with_operation(op.id)
        })?;
        let mut v =
            HeaderValue::from_str(guid.expose_str()).map_err(|_| Error::config("GUID is not a valid header value"))?;
        v.set_sensitive(true);
        req.headers.insert("guid", v);
        Ok(())
    }

    fn observe(&self, op: &'static OperationMeta, headers: &HeaderMap, body: Option<&[u8]>) {
        // Headers are seen once without the body; the body pass only reads the body.
        if body.is_none() {
            for v in headers.get_all(http::header::SET_COOKIE) {
                if let Ok(v) = v.to_str() {
                    self.store_cookie(v);
                }
            }
        }
        for v in headers.get_all("set-guid") {
            if let Some(g) = v.to_str().ok().and_then(parse_set_guid) {
                tracing::debug!(operation = op.id, "GUID replaced from Set-GUID");
                self.set_guid(g);
            }
        }
        match (op.id, body) {
            ("config.login" | "onlineagent.updateguid", Some(b)) => {
                let b: Value = serde_json::from_slice(b).unwrap_or(Value::Null);
                if let Some(g) = b.pointer("/result/guid").and_then(Value::as_str)
                    && !g.is_empty()
                {
                    self.set_guid(g);
                }
            }
            ("onlineagent.logout", Some(_)) => self.clear(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_set_guid_forms() {
        assert_eq!(
            parse_set_guid("JSESSIONID=279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0"),
            Some("279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0")
        );
        assert_eq!(parse_set_guid("JSESSIONID=abc; Path=/; Secure"), Some("abc"));
        assert_eq!(parse_set_guid("jsessionid = abc"), Some("abc"));
        assert_eq!(parse_set_guid("plain-guid"), Some("plain-guid"));
        assert_eq!(parse_set_guid("JSESSIONID="), None);
        assert_eq!(parse_set_guid(""), None);
        // Any NAME=value form: the GUID is what follows the first `=`.
        assert_eq!(parse_set_guid("OTHER=x"), Some("x"));
        assert_eq!(parse_set_guid("AGWSESSION=9f1c.AgentGateway1; Path=/"), Some("9f1c.AgentGateway1"));
        assert_eq!(parse_set_guid("GUID=abc=="), Some("abc=="));
        assert_eq!(parse_set_guid("=bare"), Some("bare"));
    }

    #[test]
    fn keeps_session_cookies() {
        let a = GuidAuth::new(GuidMode::Dynamic);
        assert!(a.cookie_header().unwrap().is_none());
        a.store_cookie("SERVERID=node-2; Path=/; HttpOnly");
        a.store_cookie("lb=abc");
        a.store_cookie("SERVERID=node-3");
        let h = a.cookie_header().unwrap().unwrap();
        assert_eq!(h.to_str().unwrap(), "SERVERID=node-3; lb=abc");
        assert!(h.is_sensitive());
        assert!(!format!("{a:?}").contains("node-3"), "cookie values are secret");
        a.store_cookie("lb=; Max-Age=0");
        assert_eq!(a.cookie_names(), ["SERVERID"]);
        for junk in ["", "novalue", "bad name=x", "x=a b", "=v"] {
            a.store_cookie(junk);
        }
        assert_eq!(a.cookie_names(), ["SERVERID"]);
        a.clear();
        assert!(a.cookie_header().unwrap().is_none());
    }

    #[test]
    fn rotation_counts_and_redacts() {
        let a = GuidAuth::new(GuidMode::Dynamic);
        assert!(a.guid().is_none());
        a.set_guid("g1");
        a.set_guid("g1");
        a.set_guid("g2");
        assert_eq!(a.rotations(), 2);
        assert!(!format!("{a:?}").contains("g2"));
        assert!(a.matches("g2") && a.matches("g1") && !a.matches("g0") && !a.matches(""));
        a.set_guid("g3");
        assert!(!a.matches("g1"), "only the last replaced GUID is accepted");
        a.clear();
        assert!(!a.matches("g3") && !a.matches("g2"));
    }
}
