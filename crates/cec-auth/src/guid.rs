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

/// Extracts the GUID from a `Set-GUID` value (`JSESSIONID=<guid>`, possibly
/// followed by cookie attributes). `None` when it holds no GUID.
pub fn parse_set_guid(value: &str) -> Option<&str> {
    let first = value.split(';').next()?.trim();
    let guid = match first.split_once('=') {
        Some((name, v)) if name.trim().eq_ignore_ascii_case("JSESSIONID") => v.trim(),
        Some(_) => return None,
        None => first,
    };
    (!guid.is_empty() && guid.bytes().all(|b| b.is_ascii_graphic())).then_some(guid)
}

/// Holds the GUID of one agent (C4) or one configuration administrator (C5),
/// sends it as `Guid` on every interface that needs it, and replaces it
/// whenever a response carries a new one.
#[derive(Debug, Default)]
pub struct GuidAuth {
    guid: RwLock<Option<Secret<String>>>,
    /// The GUID replaced by the last rotation (CEC accepts it for a while).
    previous: RwLock<Option<Secret<String>>>,
    rotations: AtomicU64,
    mode: GuidMode,
}

impl GuidAuth {
    /// An empty store (sign in to fill it).
    pub fn new(mode: GuidMode) -> Self {
        GuidAuth { guid: RwLock::new(None), previous: RwLock::new(None), rotations: AtomicU64::new(0), mode }
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

    /// Forgets the GUID (after sign-out).
    pub fn clear(&self) {
        if let Ok(mut g) = self.guid.write() {
            *g = None;
        }
        if let Ok(mut p) = self.previous.write() {
            *p = None;
        }
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

    fn observe(&self, op: &'static OperationMeta, headers: &HeaderMap, body: Option<&Value>) {
        for v in headers.get_all("set-guid") {
            if let Some(g) = v.to_str().ok().and_then(parse_set_guid) {
                tracing::debug!(operation = op.id, "GUID replaced from Set-GUID");
                self.set_guid(g);
            }
        }
        match (op.id, body) {
            ("config.login" | "onlineagent.updateguid", Some(b)) => {
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
        assert_eq!(parse_set_guid("OTHER=x"), None);
        assert_eq!(parse_set_guid(""), None);
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
