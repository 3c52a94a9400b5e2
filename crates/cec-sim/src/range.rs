//! `Range: bytes=N-` on file answers (recordings, bill zips): `206 Partial
//! Content` with `Content-Range`, as a file server in front of CC-FS answers.
//! `SimConfig::honor_range = false` answers the whole file instead (a server that
//! ignores Range), so clients can be tested against both.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `(first, last)` of a `bytes=A-` / `bytes=A-B` / `bytes=-N` range within `len` bytes.
fn requested(value: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: answer the whole file
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.is_empty(), b.is_empty()) {
        (false, true) => a.parse::<u64>().ok().map(|s| (s, len.saturating_sub(1))),
        (false, false) => match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(s), Ok(e)) if s <= e => Some((s, e.min(len.saturating_sub(1)))),
            _ => None,
        },
        (true, false) => {
            b.parse::<u64>().ok().filter(|n| *n > 0).map(|n| (len.saturating_sub(n), len.saturating_sub(1)))
        }
        (true, true) => None,
    }?;
    Some(if range.0 >= len { Err(()) } else { Ok(range) })
}

/// The answer to a file request with the request's headers.
pub(crate) fn file_response(req: &HeaderMap, bytes: Vec<u8>, ctype: &'static str, honor_range: bool) -> Response {
    let len = bytes.len() as u64;
    let range =
        req.get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| honor_range).and_then(|v| requested(v, len));
    let mut r = match range {
        None => bytes.into_response(),
        Some(Err(())) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
        Some(Ok((s, e))) => {
            let part = bytes[s as usize..=e as usize].to_vec();
            let mut r = (StatusCode::PARTIAL_CONTENT, part).into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {s}-{e}/{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
    };
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    if honor_range {
        r.headers_mut().insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(requested("bytes=10-", 100), Some(Ok((10, 99))));
        assert_eq!(requested("bytes=10-19", 100), Some(Ok((10, 19))));
        assert_eq!(requested("bytes=90-200", 100), Some(Ok((90, 99))));
        assert_eq!(requested("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(requested("bytes=100-", 100), Some(Err(())));
        assert_eq!(requested("bytes=0-1,5-6", 100), None);
        assert_eq!(requested("items=0-", 100), None);
        assert_eq!(requested("bytes=5-4", 100), None);
    }
}
