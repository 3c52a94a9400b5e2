//! Server-side check of a C2 (`auth-v2`) signature, the way CMS/FS/iSales do it.

use std::time::{Duration, SystemTime};

use cec_core::sign::{SignableRequest, authorization, constant_time_eq, parse_authorization};
use http::HeaderMap;

/// Largest clock difference accepted between the signer and the simulator.
pub const MAX_SKEW: Duration = Duration::from_secs(15 * 60);

/// Why a signature was refused (returned to the caller in the 401 body).
pub fn verify_c2(
    ak: &str,
    sk: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let value =
        headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or("missing Authorization header")?;
    let parsed = parse_authorization(value).ok_or("Authorization is not an auth-v2 value")?;
    if parsed.ak != ak {
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
        let v = headers.get(*n).and_then(|v| v.to_str().ok()).ok_or_else(|| format!("signed header {n} missing"))?;
        signed.push((*n, v));
    }
    let pairs: Vec<(String, String)> = query
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let req = SignableRequest { method, path, query: &pairs, headers: &signed, body };
    let expected = authorization(ak, sk.as_bytes(), parsed.timestamp, &req);
    if constant_time_eq(expected.as_bytes(), value.as_bytes()) { Ok(()) } else { Err("signature mismatch".into()) }
}
