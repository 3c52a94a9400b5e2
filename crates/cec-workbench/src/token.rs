//! A signed, expiring token for the pop-up page's configured address.
//!
//! The agent workbench does not authenticate the page it opens, and the
//! address is configured once per tenant, so the workbench cannot sign each
//! call. What the enterprise *can* do is issue a token with its own key, put
//! it in the configured address (`https://crm.example.com/pop?tk=v1.crm-popup.1767225600.5f…`)
//! and have the page check it ([`crate::PopupParser::require_token`]):
//! requests that do not come from that configuration (a guessed or scanned
//! URL) are refused, and rotating the key or letting the token expire revokes
//! it. It does **not** authenticate the call data that the workbench appends:
//! anyone who learns the configured address can replay it until it expires.
//! Keep the page behind your own login for anything sensitive, and prefer the
//! *URL POST* mode so the address and data stay out of logs.
//!
//! Format: `v1.<page>.<expiry, Unix seconds>.<HMAC-SHA256 in hex>`, the MAC over
//! `cec-workbench page token v1`, the page and the expiry, one per line.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cec_core::Secret;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::{Result, auth_error, validation_error};

const WHAT: &str = "page-token";
const DOMAIN: &str = "cec-workbench page token v1";
/// Shortest key accepted (bytes).
pub const MIN_KEY_LEN: usize = 16;
const MAX_PAGE_LEN: usize = 64;

/// The key tokens are signed with. Never shown in `Debug`.
#[derive(Clone)]
pub struct PageTokenKey(std::sync::Arc<Secret<Vec<u8>>>);

impl std::fmt::Debug for PageTokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokenKey(***)")
    }
}

impl PageTokenKey {
    /// A key of at least [`MIN_KEY_LEN`] bytes (use 32 random bytes).
    pub fn new(key: Vec<u8>) -> Result<Self> {
        if key.len() < MIN_KEY_LEN {
            return Err(validation_error(WHAT, "key", format!("must be at least {MIN_KEY_LEN} bytes")));
        }
        Ok(PageTokenKey(std::sync::Arc::new(Secret::new(key))))
    }

    fn mac(&self, page: &str, expires: u64) -> Result<Hmac<Sha256>> {
        // HMAC-SHA256 takes a key of any length: this never fails in practice.
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.expose())
            .map_err(|_| validation_error(WHAT, "key", "not usable as an HMAC-SHA256 key"))?;
        mac.update(format!("{DOMAIN}\n{page}\n{expires}").as_bytes());
        Ok(mac)
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageClaims {
    /// The page it was issued for.
    pub page: String,
    /// When it expires (Unix seconds).
    pub expires: u64,
}

/// Issues and checks page tokens.
#[derive(Debug)]
pub struct PageToken;

impl PageToken {
    /// A token for `page` (1–64 of `A-Z a-z 0-9 _ -`) valid until `expires`.
    pub fn issue(key: &PageTokenKey, page: &str, expires: SystemTime) -> Result<String> {
        check_page(page).map_err(|rule| validation_error(WHAT, "page", rule))?;
        let exp = expires.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        let tag = key.mac(page, exp)?.finalize().into_bytes();
        Ok(format!("v1.{page}.{exp}.{}", hex(&tag)))
    }

    /// Checks `token` at the current time (see [`PageToken::verify_at`]).
    pub fn verify(key: &PageTokenKey, token: &str, page: Option<&str>) -> Result<PageClaims> {
        Self::verify_at(key, token, page, SystemTime::now())
    }

    /// Checks `token` at `now`: well formed, signed with `key`, issued for
    /// `page` when given, not expired. Every failure is
    /// [`cec_core::ErrorKind::Auth`] without the token in the message; the MAC
    /// is compared in constant time.
    pub fn verify_at(key: &PageTokenKey, token: &str, page: Option<&str>, now: SystemTime) -> Result<PageClaims> {
        let bad = || auth_error(WHAT, "the page token is not valid");
        let mut parts = token.split('.');
        let (Some("v1"), Some(p), Some(exp), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        check_page(p).map_err(|_| bad())?;
        let expires: u64 = exp.parse().map_err(|_| bad())?;
        let tag = unhex(tag).ok_or_else(bad)?;
        key.mac(p, expires)?.verify_slice(&tag).map_err(|_| bad())?;
        if let Some(want) = page
            && want != p
        {
            return Err(auth_error(WHAT, format!("the page token was issued for page `{p}`, not `{want}`")));
        }
        let now = now.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_secs();
        if now > expires {
            return Err(auth_error(WHAT, "the page token has expired"));
        }
        Ok(PageClaims { page: p.to_owned(), expires })
    }
}

fn check_page(page: &str) -> std::result::Result<(), String> {
    let ok = !page.is_empty()
        && page.len() <= MAX_PAGE_LEN
        && page.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok { Ok(()) } else { Err(format!("must be 1-{MAX_PAGE_LEN} of A-Z a-z 0-9 _ -")) }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    s.as_bytes().chunks(2).map(|p| Some(digit(p[0])? << 4 | digit(p[1])?)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn key(b: u8) -> PageTokenKey {
        PageTokenKey::new(vec![b; 32]).unwrap()
    }

    #[test]
    fn issue_and_verify() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let t = PageToken::issue(&key(1), "crm", now + Duration::from_secs(60)).unwrap();
        assert!(t.starts_with("v1.crm.1700000060."), "{t}");
        let c = PageToken::verify_at(&key(1), &t, Some("crm"), now).unwrap();
        assert_eq!(c, PageClaims { page: "crm".into(), expires: 1_700_000_060 });
        assert!(PageToken::verify_at(&key(2), &t, None, now).unwrap_err().is_auth(), "another key");
        assert!(PageToken::verify_at(&key(1), &t, Some("other"), now).unwrap_err().is_auth());
        let late = now + Duration::from_secs(61);
        assert!(PageToken::verify_at(&key(1), &t, None, late).unwrap_err().to_string().contains("expired"));
        // Changing the expiry breaks the MAC.
        let stretched = t.replace(".1700000060.", ".1900000000.");
        assert!(PageToken::verify_at(&key(1), &stretched, None, now).is_err());
        for junk in ["", "v1", "v2.crm.1.00", "v1.crm.x.00", "v1.c rm.1.00", "v1.crm.1.zz.extra"] {
            let e = PageToken::verify_at(&key(1), junk, None, now).unwrap_err();
            assert!(e.is_auth(), "{junk}");
        }
    }

    #[test]
    fn rules_for_keys_and_pages() {
        assert!(PageTokenKey::new(vec![0; 8]).is_err());
        assert!(PageToken::issue(&key(1), "bad page", SystemTime::now()).unwrap_err().is_validation());
        assert!(PageToken::issue(&key(1), &"p".repeat(65), SystemTime::now()).is_err());
        assert_eq!(format!("{:?}", key(7)), "PageTokenKey(***)");
    }
}
