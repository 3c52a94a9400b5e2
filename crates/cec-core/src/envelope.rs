//! Turning a response (status, headers, body) into a JSON value or a typed error.

use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::operation::{Envelope, OperationMeta};

/// Headers that carry a request id on CEC NEs and the gateways in front of them.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "x-trace-id", "requestid"];

/// The request id of a response, if any.
pub fn request_id(headers: &HeaderMap) -> Option<String> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| headers.get(*h))
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(128).collect())
}

/// `Retry-After` in seconds, capped at 60 s.
pub fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    let v = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: u64 = v.trim().parse().ok()?;
    Some(std::time::Duration::from_secs(secs.min(60)))
}

fn code_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Finds the result code and message of a JSON body by the envelope's rules.
pub fn code_and_message(env: &Envelope, body: &Value) -> (Option<String>, Option<String>) {
    let obj = match body.as_object() {
        Some(o) => o,
        None => return (None, None),
    };
    let code = env.code_fields.iter().find_map(|f| obj.get(*f).filter(|v| !v.is_null())).and_then(code_text);
    let message = env
        .message_fields
        .iter()
        .find_map(|f| obj.get(*f))
        .and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        })
        .map(|s| s.chars().take(512).collect());
    (code, message)
}

/// What an HTTP 418 answer means: Huawei Cloud's SaaS firewall answers 418 to
/// a request whose TLS handshake named no server (no SNI), which is what
/// happens when the endpoint URL holds an IP address instead of a host name.
pub const SNI_REFUSED: &str = "HTTP 418 from the SaaS firewall in front of the NE: it answers 418 when the TLS \
     handshake carries no server name (SNI), as when the endpoint URL is an IP address; use the tenant's host name \
     in the endpoint (the certificate must also match that name; see docs/tls.md)";

/// Decodes a complete response into the JSON value of a success, or the error
/// it carries: HTTP 401/403 and auth codes → [`ErrorKind::Auth`]; a failure code
/// → [`ErrorKind::Service`]; HTTP 418 → [`ErrorKind::Http`] explaining the SaaS
/// firewall's answer to a handshake without SNI ([`SNI_REFUSED`]); non-JSON →
/// [`ErrorKind::Decode`] (2xx) or [`ErrorKind::Http`] (other statuses), with a
/// bounded body excerpt.
pub fn decode(op: &'static OperationMeta, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Result<Value> {
    let env = op.envelope;
    let rid = request_id(headers);
    let base = |e: Error| e.with_operation(op.id).with_status(status.as_u16()).with_request_id(rid.clone());
    let parsed: Option<Value> =
        if body.iter().all(u8::is_ascii_whitespace) { None } else { serde_json::from_slice(body).ok() };
    let (code, message) = parsed.as_ref().map(|v| code_and_message(env, v)).unwrap_or((None, None));
    let failed_code = code.as_ref().filter(|c| !env.success.iter().any(|s| s == c));

    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let mut e = base(Error::new(ErrorKind::Auth, message.unwrap_or_else(|| "credentials rejected".into())));
        if let Some(c) = code {
            e = e.with_code(c);
        }
        return Err(e.with_body_excerpt(body));
    }
    if status == StatusCode::IM_A_TEAPOT {
        // Not an answer of the NE: the SaaS firewall in front of it.
        let e = Error::new(ErrorKind::Http, SNI_REFUSED);
        let e = match failed_code {
            Some(c) => e.with_code(c.clone()),
            None => e,
        };
        return Err(base(e).with_body_excerpt(body));
    }
    if let Some(c) = failed_code {
        let kind = if env.auth_codes.iter().any(|a| a == c) { ErrorKind::Auth } else { ErrorKind::Service };
        let e = Error::new(kind, message.unwrap_or_default()).with_code(c.clone());
        return Err(base(e).with_retry_after(retry_after(headers)));
    }
    if !status.is_success() {
        let e = Error::new(ErrorKind::Http, status.canonical_reason().unwrap_or("unexpected status"));
        let e = match code {
            Some(c) => e.with_code(c),
            None => e,
        };
        return Err(base(e).with_body_excerpt(body).with_retry_after(retry_after(headers)));
    }
    match parsed {
        Some(v) => {
            if env.code_required && code.is_none() {
                return Err(
                    base(Error::new(ErrorKind::Decode, "response carries no result code")).with_body_excerpt(body)
                );
            }
            Ok(v)
        }
        None if body.iter().all(u8::is_ascii_whitespace) && !env.code_required => Ok(Value::Null),
        None => Err(base(Error::new(ErrorKind::Decode, "response body is not JSON")).with_body_excerpt(body)),
    }
}

/// Converts a success value into the typed output.
pub fn into_typed<T: DeserializeOwned>(op: &'static OperationMeta, status: StatusCode, value: Value) -> Result<T> {
    serde_json::from_value(value.clone()).map_err(|e| {
        let text = value.to_string();
        Error::new(ErrorKind::Decode, format!("response does not match the documented shape: {e}"))
            .with_operation(op.id)
            .with_status(status.as_u16())
            .with_body_excerpt(text.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{AuthKind, ResponseKind, RetryClass};

    static ENV: Envelope = Envelope {
        code_fields: &["retcode"],
        success: &["0"],
        message_fields: &["message"],
        auth_codes: &["100-006", "000-003"],
        code_required: true,
    };
    static OP: OperationMeta = OperationMeta {
        id: "t.op",
        ne: "T",
        method: "GET",
        path: "/x",
        auth: AuthKind::None,
        retry: RetryClass::Safe,
        envelope: &ENV,
        response: ResponseKind::Json,
        doc: "",
    };

    fn run(status: u16, body: &str) -> Result<Value> {
        decode(&OP, StatusCode::from_u16(status).unwrap(), &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn success_and_failure() {
        assert!(run(200, r#"{"retcode":"0","message":"success"}"#).is_ok());
        let e = run(200, r#"{"retcode":"100-002","message":"signed in"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Service);
        assert_eq!(e.code(), Some("100-002"));
        let e = run(200, r#"{"retcode":"100-006","message":"x"}"#).unwrap_err();
        assert!(e.is_auth());
        let e = run(401, "").unwrap_err();
        assert!(e.is_auth());
        let e = run(500, "<html>oops</html>").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Http);
        assert!(e.body_excerpt().unwrap().contains("oops"));
        assert!(e.is_retryable());
        let e = run(200, "{not json").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let e = run(200, r#"{"message":"no code"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn http_418_explains_the_missing_server_name() {
        for body in ["", "<html><body>418 I'm a teapot</body></html>", r#"{"retcode":"0","message":"ok"}"#] {
            let e = run(418, body).unwrap_err();
            assert_eq!((e.kind(), e.status()), (ErrorKind::Http, Some(418)), "{body}");
            assert!(e.message().contains("SNI") && e.message().contains("host name"), "{e}");
            assert!(e.to_string().contains("IP address"), "{e}");
            assert!(!e.is_retryable(), "a firewall refusal is not repeated");
        }
        // Other 4xx keep the plain status text.
        assert!(!run(404, "").unwrap_err().message().contains("SNI"));
    }

    #[test]
    fn numeric_codes() {
        static E2: Envelope = Envelope {
            code_fields: &["errorCode"],
            success: &["0"],
            message_fields: &["errorMsg"],
            auth_codes: &["900001"],
            code_required: false,
        };
        let (c, m) = code_and_message(&E2, &serde_json::json!({"errorCode": 900001, "errorMsg": "expired"}));
        assert_eq!(c.as_deref(), Some("900001"));
        assert_eq!(m.as_deref(), Some("expired"));
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(status in 100u16..600, body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Ok(s) = StatusCode::from_u16(status) {
                let _ = decode(&OP, s, &HeaderMap::new(), &body);
            }
        }
    }
}
