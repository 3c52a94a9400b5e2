//! Shared pieces of the fuzz targets: how an input becomes an answer (which
//! interface, status, headers, body), and the generated per-NE decoders.

pub mod decoders;

use cec_core::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

/// Statuses an answer is given (the first bytes of the input pick one).
const STATUSES: [u16; 16] = [200, 200, 200, 200, 201, 204, 206, 400, 401, 403, 404, 418, 429, 500, 502, 503];

/// Headers an answer may carry (a bit each).
const HEADERS: [&str; 6] = ["retry-after", "x-request-id", "content-type", "set-guid", "set-cookie", "ccmessaging-token"];

/// A fuzzed answer.
pub struct Answer<'a> {
    /// Which interface (modulo the NE's count).
    pub which: usize,
    /// The HTTP status.
    pub status: StatusCode,
    /// Headers; their values are cut from the body's first bytes.
    pub headers: HeaderMap,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> Answer<'a> {
    /// Bytes 0–1: the interface; byte 2: the status (low 4 bits) and whether the
    /// headers come (high bit); byte 3: which headers; the value of each header
    /// is the next up-to-16 bytes up to a `\n`; the rest is the body.
    pub fn split(data: &'a [u8]) -> Answer<'a> {
        let byte = |i: usize| data.get(i).copied().unwrap_or(0);
        let which = usize::from(byte(0)) << 8 | usize::from(byte(1));
        let status = StatusCode::from_u16(STATUSES[usize::from(byte(2) & 0x0f)]).unwrap_or(StatusCode::OK);
        let mut rest = data.get(4..).unwrap_or_default();
        let mut headers = HeaderMap::new();
        if byte(2) & 0x80 != 0 {
            for (n, name) in HEADERS.iter().enumerate() {
                if byte(3) & (1 << n) == 0 {
                    continue;
                }
                let end = rest.iter().take(16).position(|b| *b == b'\n').unwrap_or(rest.len().min(16));
                if let Ok(v) = HeaderValue::from_bytes(&rest[..end]) {
                    headers.append(HeaderName::from_static(name), v);
                }
                rest = rest.get(end + 1..).unwrap_or_default();
            }
        }
        Answer { which, status, headers, body: rest }
    }
}

/// The input as text (lossy), for parsers of text.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
