//! Receiving the callbacks an NE delivers to a URL the customer hosts (pushed
//! agent events, ASR results, outbound call results, two-way-call events).
//! Generated callback types call [`receive`]; any web framework can use them.

use http::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::sign::constant_time_eq;

/// Checks a delivery and parses its body.
///
/// When the callback carries a token header (`service_token` for CC-Gateway)
/// and `expected` is given, the header must match it (compared in constant
/// time), else [`ErrorKind::Auth`]. A body that is not the documented JSON is
/// [`ErrorKind::Decode`] with a bounded excerpt. Never panics.
pub fn receive<T: DeserializeOwned>(
    id: &'static str,
    headers: &HeaderMap,
    body: &[u8],
    token_header: Option<&str>,
    expected: Option<&str>,
) -> Result<T> {
    if let (Some(name), Some(want)) = (token_header, expected) {
        let got = headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !constant_time_eq(got.as_bytes(), want.as_bytes()) {
            return Err(
                Error::new(ErrorKind::Auth, format!("callback `{name}` header does not match")).with_operation(id)
            );
        }
    }
    serde_json::from_slice(body).map_err(|e| {
        Error::new(ErrorKind::Decode, format!("callback body is not the documented shape: {e}"))
            .with_operation(id)
            .with_body_excerpt(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_and_body_checks() {
        let mut h = HeaderMap::new();
        h.insert("service_token", "tok".parse().unwrap());
        let v: serde_json::Value = receive("x", &h, br#"{"a":1}"#, Some("service_token"), Some("tok")).unwrap();
        assert_eq!(v["a"], 1);
        let e = receive::<serde_json::Value>("x", &h, b"{}", Some("service_token"), Some("other")).unwrap_err();
        assert!(e.is_auth());
        let e = receive::<serde_json::Value>("x", &HeaderMap::new(), b"<xml>", None, None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        assert!(e.body_excerpt().unwrap().contains("xml"));
    }
}
