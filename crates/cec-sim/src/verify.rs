//! Server-side check of a C2 (`auth-v2`) signature, the way CMS/FS/iSales do it.
//!
//! The check is cec-core's plain verifier ([`cec_core::verify`]), which rebuilds
//! the canonical request from the request as received and shares no code with
//! the client's streaming signer — so a mistake in the signer cannot hide here.

use std::time::{Duration, SystemTime};

use cec_core::sign::C2Dialect;
use cec_core::verify::{C2Verifier, ReceivedRequest};
use http::HeaderMap;

/// Largest clock difference accepted between the signer and the simulator.
pub const MAX_SKEW: Duration = C2Verifier::DEFAULT_MAX_SKEW;

/// Checks the request's C2 signature; the error is the reason, for the 401 body.
/// Only `dialects` are accepted when given (a scenario can make the simulator
/// behave like an NE that expects one C2 form).
#[allow(clippy::too_many_arguments)]
pub fn verify_c2(
    ak: &str,
    sk: &str,
    dialects: Option<&[C2Dialect]>,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let mut v = C2Verifier::new().key(ak, sk).max_skew(MAX_SKEW);
    if let Some(d) = dialects {
        v = v.accept_only(d);
    }
    let req = ReceivedRequest { method, path, query, headers, body };
    v.verify(&req, SystemTime::now()).map(|_| ()).map_err(|e| e.to_string())
}
