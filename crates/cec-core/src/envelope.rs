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
    typed_from_value(op, status, &value)
}

fn typed_from_value<T: DeserializeOwned>(op: &'static OperationMeta, status: StatusCode, value: &Value) -> Result<T> {
    T::deserialize(value).map_err(|e| {
        let text = value.to_string();
        Error::new(ErrorKind::Decode, format!("response does not match the documented shape: {e}"))
            .with_operation(op.id)
            .with_status(status.as_u16())
            .with_body_excerpt(text.as_bytes())
    })
}

/// Decodes a complete response straight into `T`: [`decode`] then [`into_typed`],
/// in one pass over the bytes for a success.
///
/// A 2xx answer is decoded once, from the bytes into `T`, while the top-level
/// result-code fields of the envelope are read on the way; when `T` decodes and
/// the code says success (or there is none and none is required), that is the
/// answer. Anything else (a failure code, another status, a body that is not
/// JSON or not of `T`'s shape) goes the general way, [`decode`] then
/// [`into_typed`], so errors are exactly theirs.
pub fn decode_typed<T: DeserializeOwned>(
    op: &'static OperationMeta,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T> {
    if status.is_success()
        && let Some(t) = one_pass::<T>(op.envelope, body)
    {
        return Ok(t);
    }
    let value = decode(op, status, headers, body)?;
    typed_from_value(op, status, &value)
}

/// Result-code fields read in the single pass (more fall back to the general way).
const MAX_CODE_FIELDS: usize = 4;

/// What a top-level result-code field held.
#[derive(Debug, Clone, Default, PartialEq)]
enum CodeSlot {
    #[default]
    Absent,
    Null,
    Text(String),
    /// An object or a list: no code (as [`code_and_message`] reads it).
    Other,
}

/// `T` and the envelope's code in one pass; `None` when the general way must decide.
fn one_pass<T: DeserializeOwned>(env: &'static Envelope, body: &[u8]) -> Option<T> {
    if env.code_fields.len() > MAX_CODE_FIELDS {
        return None;
    }
    let mut slots: [CodeSlot; MAX_CODE_FIELDS] = Default::default();
    let mut de = serde_json::Deserializer::from_slice(body);
    let t = T::deserialize(scan::Top { de: &mut de, env, slots: &mut slots }).ok()?;
    de.end().ok()?;
    // The first code field present and not null decides, as in `code_and_message`.
    let code = slots.iter().take(env.code_fields.len()).find(|s| !matches!(s, CodeSlot::Absent | CodeSlot::Null));
    match code {
        Some(CodeSlot::Text(c)) => env.success.iter().any(|s| s == c).then_some(t),
        _ if env.code_required => None,
        _ => Some(t),
    }
}

/// A deserializer over serde_json's that hands every value to `T` untouched and
/// copies the envelope's top-level code fields aside as they go by.
mod scan {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use super::{CodeSlot, MAX_CODE_FIELDS};
    use crate::operation::Envelope;

    pub(super) struct Top<'a, 'b> {
        pub(super) de: &'a mut serde_json::Deserializer<serde_json::de::SliceRead<'b>>,
        pub(super) env: &'static Envelope,
        pub(super) slots: &'a mut [CodeSlot; MAX_CODE_FIELDS],
    }

    /// Methods that reach the top-level object go through [`TopVisitor`]; the others
    /// (the answer is not an object for `T`) leave the slots empty, which the caller
    /// reads as "no code".
    macro_rules! forward_plain {
        ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
            $(fn $method<V: Visitor<'b>>(self, $($arg: $ty,)* v: V) -> Result<V::Value, Self::Error> {
                self.de.$method($($arg,)* v)
            })*
        };
    }

    impl<'a, 'b> Deserializer<'b> for Top<'a, 'b> {
        type Error = serde_json::Error;

        fn deserialize_any<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Self::Error> {
            let Top { de, env, slots } = self;
            de.deserialize_any(TopVisitor { inner: v, env, slots })
        }
        fn deserialize_map<V: Visitor<'b>>(self, v: V) -> Result<V::Value, Self::Error> {
            let Top { de, env, slots } = self;
            de.deserialize_map(TopVisitor { inner: v, env, slots })
        }
        fn deserialize_struct<V: Visitor<'b>>(
            self,
            name: &'static str,
            fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, Self::Error> {
            let Top { de, env, slots } = self;
            de.deserialize_struct(name, fields, TopVisitor { inner: v, env, slots })
        }
        forward_plain! {
            deserialize_bool(), deserialize_i8(), deserialize_i16(), deserialize_i32(), deserialize_i64(),
            deserialize_u8(), deserialize_u16(), deserialize_u32(), deserialize_u64(), deserialize_f32(),
            deserialize_f64(), deserialize_char(), deserialize_str(), deserialize_string(), deserialize_bytes(),
            deserialize_byte_buf(), deserialize_option(), deserialize_unit(), deserialize_seq(),
            deserialize_identifier(), deserialize_ignored_any(),
            deserialize_unit_struct(name: &'static str),
            deserialize_newtype_struct(name: &'static str),
            deserialize_tuple(len: usize),
            deserialize_tuple_struct(name: &'static str, len: usize),
            deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        }
    }

    struct TopVisitor<'a, V> {
        inner: V,
        env: &'static Envelope,
        slots: &'a mut [CodeSlot; MAX_CODE_FIELDS],
    }

    macro_rules! forward_visit {
        ($($method:ident($ty:ty)),* $(,)?) => {
            $(fn $method<E: de::Error>(self, x: $ty) -> Result<Self::Value, E> {
                self.inner.$method(x)
            })*
        };
    }

    impl<'a, 'de, V: Visitor<'de>> Visitor<'de> for TopVisitor<'a, V> {
        type Value = V::Value;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.inner.expecting(f)
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            self.inner.visit_map(Fields { map, env: self.env, slots: self.slots, pending: None })
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            self.inner.visit_seq(seq)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            self.inner.visit_unit()
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            self.inner.visit_none()
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            self.inner.visit_some(d)
        }
        fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
            self.inner.visit_borrowed_str(s)
        }
        forward_visit! {
            visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64), visit_str(&str),
            visit_string(String),
        }
    }

    /// The top-level object's entries: keys are read here (borrowed when unescaped)
    /// and handed on; the value of a code field is decoded once as a (small)
    /// `Value`, kept, and handed on from it.
    struct Fields<'a, A> {
        map: A,
        env: &'static Envelope,
        slots: &'a mut [CodeSlot; MAX_CODE_FIELDS],
        pending: Option<usize>,
    }

    struct KeySeed;

    impl<'de> DeserializeSeed<'de> for KeySeed {
        type Value = Cow<'de, str>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for KeySeed {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a field name")
        }
        fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(s))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(s.to_owned()))
        }
        fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
            Ok(Cow::Owned(s))
        }
    }

    impl<'a, 'de, A: MapAccess<'de>> MapAccess<'de> for Fields<'a, A> {
        type Error = A::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
            let Some(key) = self.map.next_key_seed(KeySeed)? else { return Ok(None) };
            self.pending = self.env.code_fields.iter().position(|f| *f == key);
            match key {
                Cow::Borrowed(k) => seed.deserialize(BorrowedStrDeserializer::new(k)).map(Some),
                Cow::Owned(k) => seed.deserialize(StringDeserializer::new(k)).map(Some),
            }
        }

        fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Self::Error> {
            let Some(i) = self.pending.take() else { return self.map.next_value_seed(seed) };
            let v: Value = self.map.next_value()?;
            self.slots[i] = match &v {
                Value::Null => CodeSlot::Null,
                Value::String(s) => CodeSlot::Text(s.clone()),
                Value::Number(n) => CodeSlot::Text(n.to_string()),
                Value::Bool(b) => CodeSlot::Text(b.to_string()),
                Value::Array(_) | Value::Object(_) => CodeSlot::Other,
            };
            seed.deserialize(v).map_err(de::Error::custom)
        }

        fn size_hint(&self) -> Option<usize> {
            self.map.size_hint()
        }
    }
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

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq, Default)]
    #[serde(default)]
    struct Answer {
        #[serde(deserialize_with = "crate::de::opt_string")]
        retcode: Option<String>,
        #[serde(deserialize_with = "crate::de::opt_i64")]
        n: Option<i64>,
        #[serde(deserialize_with = "crate::de::opt_vec")]
        list: Option<Vec<Answer>>,
    }

    /// The general way: the JSON value, then the typed result.
    fn general<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
        let s = StatusCode::from_u16(status).unwrap();
        decode(&OP, s, &HeaderMap::new(), body).and_then(|v| into_typed(&OP, s, v))
    }

    fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(status: u16, body: &[u8]) {
        let s = StatusCode::from_u16(status).unwrap();
        let one = decode_typed::<T>(&OP, s, &HeaderMap::new(), body);
        let two = general::<T>(status, body);
        match (&one, &two) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", String::from_utf8_lossy(body)),
            (Err(a), Err(b)) => assert_eq!(
                (a.kind(), a.code(), a.message(), a.status()),
                (b.kind(), b.code(), b.message(), b.status()),
                "{}",
                String::from_utf8_lossy(body)
            ),
            _ => panic!("one pass {one:?} vs general {two:?} on {}", String::from_utf8_lossy(body)),
        }
    }

    #[test]
    fn one_pass_agrees_with_the_general_way() {
        let bodies = [
            r#"{"retcode":"0","n":"12","list":[{"n":3}]}"#,
            r#"{"n":1,"retcode":0}"#,
            r#"{"retcode":"100-002","message":"signed in"}"#,
            r#"{"retcode":"100-006","message":"x"}"#,
            r#"{"retcode":null,"n":1}"#,
            r#"{"retcode":{"a":1}}"#,
            r#"{"retcode":[1]}"#,
            r#"{"retcode":"0","retcode":"1"}"#,
            r#"{"retcode":"1","n":2}"#,
            r#"{"message":"no code"}"#,
            r#"{"retcode":"0","n":"abc"}"#,
            r#"{"retcode":"0"} trailing"#,
            r#"[1,2]"#,
            "",
            "  ",
            "{not json",
        ];
        for body in bodies {
            for status in [200, 201, 401, 418, 500] {
                same::<Answer>(status, body.as_bytes());
                same::<Value>(status, body.as_bytes());
            }
        }
    }

    #[test]
    fn several_code_fields_first_present_wins() {
        static E3: Envelope = Envelope {
            code_fields: &["resultCode", "result"],
            success: &["0100000", "0"],
            message_fields: &["resultDesc"],
            auth_codes: &[],
            code_required: false,
        };
        static OP3: OperationMeta = OperationMeta { envelope: &E3, ..OP };
        for (body, ok) in [
            (r#"{"result":"0","resultCode":"0100000"}"#, true),
            (r#"{"result":"1","resultCode":"0100000"}"#, true),
            (r#"{"result":"0","resultCode":"0100001"}"#, false),
            (r#"{"result":"1","resultCode":null}"#, false),
            (r#"{"result":"0"}"#, true),
            (r#"{}"#, true),
        ] {
            let r = decode_typed::<Value>(&OP3, StatusCode::OK, &HeaderMap::new(), body.as_bytes());
            assert_eq!(r.is_ok(), ok, "{body}: {r:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_pass_agrees_on_any_shape(
            code in proptest::option::of(proptest::prop_oneof![
                proptest::prelude::Just("\"0\"".to_owned()),
                proptest::prelude::Just("0".to_owned()),
                proptest::prelude::Just("null".to_owned()),
                proptest::prelude::Just("\"100-006\"".to_owned()),
                "\"[0-9a-z-]{0,6}\"",
            ]),
            n in proptest::option::of(proptest::prop_oneof![
                proptest::prelude::Just("\"\"".to_owned()),
                "-?[0-9]{1,20}",
                "\"-?[0-9]{1,5}\"",
                "[0-9]{1,3}\\.[0-9]{1,2}",
                proptest::prelude::Just("true".to_owned()),
            ]),
            status in proptest::prop_oneof![proptest::prelude::Just(200u16), proptest::prelude::Just(500u16)],
        ) {
            let mut fields = Vec::new();
            if let Some(c) = code { fields.push(format!("\"retcode\":{c}")); }
            if let Some(n) = n { fields.push(format!("\"n\":{n}")); }
            let body = format!("{{{}}}", fields.join(","));
            same::<Answer>(status, body.as_bytes());
        }

        #[test]
        fn decode_never_panics(status in 100u16..600, body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Ok(s) = StatusCode::from_u16(status) {
                let _ = decode(&OP, s, &HeaderMap::new(), &body);
            }
        }
    }
}
