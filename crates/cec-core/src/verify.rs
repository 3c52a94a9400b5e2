//! The C2 (`auth-v2`) **verifier**: checks a received request's signature the
//! plain way, for servers — the simulator, and integrators receiving AICC's
//! pushes, which AICC signs with `auth-v2`.
//!
//! It is written apart from the signer ([`crate::sign`]) on purpose and shares
//! none of its canonicalization code: it rebuilds the canonical request from the
//! request *as received* (raw path, raw query string, the header map, the body
//! bytes) with an obvious line-by-line construction and its own percent
//! encoder. A mistake in one of the two therefore cannot hide in the other; both
//! are pinned to the same published vectors (`tests/c2-vectors.json`) and a
//! property test checks that they agree on random requests.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use cec_core::verify::{C2Verifier, ReceivedRequest};
//!
//! let verifier = C2Verifier::new().key("my-ak", "my-sk").max_skew(Duration::from_secs(300));
//! let headers = cec_core::http::HeaderMap::new();
//! let req = ReceivedRequest { method: "POST", path: "/webhooks/v1/messages", query: None, headers: &headers, body: b"{}" };
//! // No Authorization header: refused, with the reason.
//! let err = verifier.verify(&req, SystemTime::now()).unwrap_err();
//! assert_eq!(err.to_string(), "missing Authorization header");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime};

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::secret::Secret;
use crate::sign::{C2Dialect, SignedHeaderSet, TimestampForm};

/// A request as a server received it.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRequest<'a> {
    /// The method of the request line.
    pub method: &'a str,
    /// The path of the request line, exactly as received (still percent-encoded).
    pub path: &'a str,
    /// The raw query string (after `?`), when there was one.
    pub query: Option<&'a str>,
    /// The received headers.
    pub headers: &'a HeaderMap,
    /// The received body bytes.
    pub body: &'a [u8],
}

/// What a successful check established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The access key that signed.
    pub ak: String,
    /// When the client says it signed.
    pub signed_at: SystemTime,
    /// The timestamp form the client used.
    pub timestamp_form: TimestampForm,
    /// The signed header names, as the prefix lists them.
    pub signed_headers: Vec<String>,
    /// The signed-header set, when it is one of the known ones.
    pub header_set: Option<SignedHeaderSet>,
}

/// Why a signature was refused. `Display` gives a reason fit for a 401 body;
/// no secret is ever part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `Authorization` header (or not text).
    MissingAuthorization,
    /// The header is not `auth-v2/{AK}/{ts}/{signedHeaders}/{64 hex}`.
    Malformed(&'static str),
    /// The access key is not known.
    UnknownAccessKey,
    /// The timestamp is not `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
    BadTimestamp,
    /// The timestamp is further from the server's clock than allowed.
    Stale {
        /// How far off it is, in seconds.
        skew_secs: u64,
        /// The largest accepted difference, in seconds.
        max_secs: u64,
    },
    /// This server does not accept the dialect used (timestamp form or signed-header set).
    DialectRefused(String),
    /// A header named in the prefix was not received.
    SignedHeaderMissing(String),
    /// A header named in the prefix was received more than once.
    SignedHeaderRepeated(String),
    /// The signature does not match the request as received.
    SignatureMismatch {
        /// The canonical request this verifier built (for debugging a signer; holds no secret).
        expected_canonical: String,
    },
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingAuthorization => f.write_str("missing Authorization header"),
            VerifyError::Malformed(why) => write!(f, "Authorization is not an auth-v2 value: {why}"),
            VerifyError::UnknownAccessKey => f.write_str("unknown access key"),
            VerifyError::BadTimestamp => f.write_str("bad timestamp (expected YYYY-MM-DDTHH:MM:SS[.mmm]Z)"),
            VerifyError::Stale { skew_secs, max_secs } => {
                write!(
                    f,
                    "timestamp outside the accepted window ({skew_secs} s from the server's clock; at most {max_secs} s)"
                )
            }
            VerifyError::DialectRefused(d) => write!(f, "C2 dialect not accepted here: {d}"),
            VerifyError::SignedHeaderMissing(n) => write!(f, "signed header {n} was not sent"),
            VerifyError::SignedHeaderRepeated(n) => write!(f, "signed header {n} was sent more than once"),
            VerifyError::SignatureMismatch { .. } => f.write_str("signature mismatch"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Checks `auth-v2` signatures. Cheap to clone.
#[derive(Clone)]
pub struct C2Verifier {
    keys: BTreeMap<String, Secret<String>>,
    max_skew: Duration,
    timestamps: Option<Vec<TimestampForm>>,
    header_sets: Option<Vec<SignedHeaderSet>>,
}

impl fmt::Debug for C2Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("C2Verifier")
            .field("access_keys", &self.keys.keys().collect::<Vec<_>>())
            .field("max_skew", &self.max_skew)
            .field("timestamps", &self.timestamps)
            .field("header_sets", &self.header_sets)
            .finish()
    }
}

impl Default for C2Verifier {
    fn default() -> Self {
        C2Verifier::new()
    }
}

impl C2Verifier {
    /// Largest clock difference accepted by default (15 minutes; the NEs' own tolerance is not published).
    pub const DEFAULT_MAX_SKEW: Duration = Duration::from_secs(15 * 60);

    /// A verifier with no keys yet, accepting every dialect.
    pub fn new() -> Self {
        C2Verifier { keys: BTreeMap::new(), max_skew: Self::DEFAULT_MAX_SKEW, timestamps: None, header_sets: None }
    }

    /// Accepts signatures by this AK/SK pair.
    pub fn key(mut self, ak: impl Into<String>, sk: impl Into<Secret<String>>) -> Self {
        self.keys.insert(ak.into(), sk.into());
        self
    }

    /// The largest accepted difference between the signature's timestamp and `now`.
    pub fn max_skew(mut self, d: Duration) -> Self {
        self.max_skew = d;
        self
    }

    /// Accepts only these dialects (a server that behaves like an NE with a
    /// fixed expectation; `cec doctor` is tested against one). Default: any
    /// timestamp form and any non-empty signed-header set.
    pub fn accept_only(mut self, dialects: &[C2Dialect]) -> Self {
        let mut ts: Vec<TimestampForm> = dialects.iter().map(|d| d.timestamp).collect();
        ts.dedup();
        let mut hs: Vec<SignedHeaderSet> = dialects.iter().map(|d| d.headers).collect();
        hs.dedup();
        self.timestamps = Some(ts);
        self.header_sets = Some(hs);
        self
    }

    /// Verifies `req` against the clock reading `now`.
    pub fn verify(&self, req: &ReceivedRequest<'_>, now: SystemTime) -> Result<Verified, VerifyError> {
        let value = match req.headers.get_all(http::header::AUTHORIZATION).iter().collect::<Vec<_>>().as_slice() {
            [] => return Err(VerifyError::MissingAuthorization),
            [one] => one.to_str().map_err(|_| VerifyError::MissingAuthorization)?,
            _ => return Err(VerifyError::SignedHeaderRepeated("authorization".into())),
        };
        let parts = split_authorization(value)?;
        let sk = self.keys.get(parts.ak).ok_or(VerifyError::UnknownAccessKey)?;

        let signed_at = crate::time::parse_utc(parts.timestamp).ok_or(VerifyError::BadTimestamp)?;
        let timestamp_form = if parts.timestamp.contains('.') { TimestampForm::Millis } else { TimestampForm::Seconds };
        let skew = now.duration_since(signed_at).or_else(|_| signed_at.duration_since(now)).unwrap_or_default();
        if skew > self.max_skew {
            return Err(VerifyError::Stale { skew_secs: skew.as_secs(), max_secs: self.max_skew.as_secs() });
        }
        let header_set = SignedHeaderSet::parse(parts.signed_headers).filter(|s| s.as_str() == parts.signed_headers);
        if let Some(ts) = &self.timestamps
            && !ts.contains(&timestamp_form)
        {
            return Err(VerifyError::DialectRefused(format!("timestamp form {timestamp_form}")));
        }
        if let Some(hs) = &self.header_sets
            && !header_set.is_some_and(|s| hs.contains(&s))
        {
            return Err(VerifyError::DialectRefused(format!("signed headers {}", parts.signed_headers)));
        }

        let canonical = build_canonical(req, &parts)?;
        let prefix = format!("auth-v2/{}/{}/{}", parts.ak, parts.timestamp, parts.signed_headers);
        let signing_key = hex(&mac(sk.expose_str().as_bytes(), prefix.as_bytes()));
        let expected = hex(&mac(signing_key.as_bytes(), canonical.as_bytes()));
        if !same(expected.as_bytes(), parts.signature.as_bytes()) {
            return Err(VerifyError::SignatureMismatch { expected_canonical: canonical });
        }
        Ok(Verified {
            ak: parts.ak.to_owned(),
            signed_at,
            timestamp_form,
            signed_headers: parts.signed_headers.split(';').map(str::to_owned).collect(),
            header_set,
        })
    }

    /// The canonical request this verifier builds for `req` under the
    /// request's own `Authorization` prefix (a debugging aid for signers;
    /// `None` when the header is missing or malformed).
    pub fn canonical_request(&self, req: &ReceivedRequest<'_>) -> Option<String> {
        let value = req.headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
        build_canonical(req, &split_authorization(value).ok()?).ok()
    }
}

/// The canonical request, line by line, from the request as received.
fn build_canonical(req: &ReceivedRequest<'_>, parts: &Parts<'_>) -> Result<String, VerifyError> {
    let names: Vec<&str> = parts.signed_headers.split(';').collect();
    if names.iter().any(|n| n.is_empty() || n.bytes().any(|b| b.is_ascii_uppercase())) {
        return Err(VerifyError::Malformed("signedHeaders must be lower-case names joined by ';'"));
    }
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != names {
        return Err(VerifyError::Malformed("signedHeaders must be sorted and distinct"));
    }

    let mut lines: Vec<String> = Vec::with_capacity(names.len() + 5);
    lines.push(req.method.to_ascii_uppercase());
    lines.push(req.path.to_owned());
    if let Some(q) = req.query {
        let mut pairs = BTreeSet::new();
        for piece in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
            // Form decoding into text, as the platform reads a query: a byte
            // sequence that is not UTF-8 becomes U+FFFD (found by fuzzing:
            // `%EF` alone in a query value).
            let text = |x: &str| String::from_utf8_lossy(&unescape(x)).into_owned();
            pairs.insert(format!("{}={}", escape(text(k).as_bytes()), escape(text(v).as_bytes())));
        }
        if !pairs.is_empty() {
            lines.push(pairs.into_iter().collect::<Vec<_>>().join("&"));
        }
    }
    lines.push(parts.signed_headers.to_owned());
    for name in &names {
        let got: Vec<_> = req.headers.get_all(*name).iter().collect();
        let v = match got.as_slice() {
            [] => return Err(VerifyError::SignedHeaderMissing((*name).to_owned())),
            [one] => one.as_bytes(),
            _ => return Err(VerifyError::SignedHeaderRepeated((*name).to_owned())),
        };
        lines.push(format!("{}:{}", escape(name.as_bytes()), escape(trim_ascii(v))));
    }
    lines.push(escape(req.body));
    let canonical = lines.join("\n");

    Ok(canonical)
}

struct Parts<'a> {
    ak: &'a str,
    timestamp: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn split_authorization(value: &str) -> Result<Parts<'_>, VerifyError> {
    let fields: Vec<&str> = value.trim().split('/').collect();
    let [scheme, ak, timestamp, signed_headers, signature] = fields.as_slice() else {
        return Err(VerifyError::Malformed("expected five '/'-separated fields"));
    };
    if *scheme != "auth-v2" {
        return Err(VerifyError::Malformed("the scheme must be auth-v2"));
    }
    if ak.is_empty() {
        return Err(VerifyError::Malformed("empty access key"));
    }
    if signed_headers.is_empty() {
        return Err(VerifyError::Malformed("no signed headers"));
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(VerifyError::Malformed("the signature must be 64 lower-case hex digits"));
    }
    Ok(Parts { ak, timestamp, signed_headers, signature })
}

/// Percent-encodes every byte but `A-Z a-z 0-9 - . _ ~`, upper-case hex.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes one query component as a servlet container does: `%XX` escapes and
/// `+` for a space; a `%` not followed by two hex digits is kept as it is.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hi = b.get(i + 1).and_then(|c| (*c as char).to_digit(16));
                let lo = b.get(i + 2).and_then(|c| (*c as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                    }
                    _ => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn trim_ascii(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &v[start..end.max(start)]
}

fn mac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of every length; unreachable, and a wrong value only fails the check.
        Err(_) => Vec::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_and_unescape() {
        assert_eq!(escape(b"AZaz09-._~"), "AZaz09-._~");
        assert_eq!(escape("a b/é".as_bytes()), "a%20b%2F%C3%A9");
        assert_eq!(unescape("a+b%20c%2Fd"), b"a b c/d");
        assert_eq!(unescape("100%"), b"100%");
        assert_eq!(unescape("%zz%4"), b"%zz%4");
        assert_eq!(unescape("%41"), b"A");
    }

    #[test]
    fn trims_ascii_whitespace() {
        assert_eq!(trim_ascii(b"  a b \t"), b"a b");
        assert_eq!(trim_ascii(b"   "), b"");
        assert_eq!(trim_ascii(b""), b"");
    }

    #[test]
    fn malformed_values_are_named() {
        for (v, frag) in [
            ("Bearer x", "five"),
            ("auth-v3/a/t/host/0000000000000000000000000000000000000000000000000000000000000000", "auth-v2"),
            ("auth-v2//t/host/0000000000000000000000000000000000000000000000000000000000000000", "access key"),
            ("auth-v2/a/t/host/00", "64"),
            ("auth-v2/a/t//0000000000000000000000000000000000000000000000000000000000000000", "signed headers"),
        ] {
            let e = split_authorization(v).err().expect(v);
            assert!(e.to_string().contains(frag), "{v}: {e}");
        }
    }
}
