//! The vocabulary of one simulated request, apart from the HTTP layer: the
//! interface served ([`Route`], from the generated table), what a behaviour
//! reads ([`Req`]) and what it answers ([`Reply`]). The NE behaviours in
//! `model` use only this module; `http` turns requests into [`Req`] and
//! [`Reply`] into HTTP answers.
//!
//! An interface's method, path, auth kind, retry class and envelope are
//! cec-core's [`OperationMeta`] of the generated client — the simulator
//! serves exactly what the client calls.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cec_core::{AuthKind, OperationMeta, ResponseKind, RetryClass};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Checks a request body against an interface's spec; the error names the field and rule.
pub type BodyCheck = fn(&Value) -> Result<(), String>;

/// A scalar type the NEs' JSON mappers accept as text (Huawei's own clients send
/// `"agenttype":"4"`; the gateway's mapper coerces it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    /// An integer: `"4"` is 4 (surrounding blanks ignored); `""` is absent.
    Int,
    /// A number: `"4"` is 4, `"2.5"` is 2.5; `""` is absent.
    Number,
    /// A boolean: `"true"` / `"false"` (surrounding blanks ignored).
    Bool,
}

/// Where a scalar sits in a body: field names, `[]` for every item of an array.
pub type ScalarPath = (&'static [&'static str], Scalar);

/// One interface the simulator serves (generated from the spec, one per method and path).
#[derive(Debug)]
pub struct Route {
    /// CLI name of the NE (`gateway`, `cms`…).
    pub ne: &'static str,
    /// The generated client's description of the interface.
    pub meta: &'static OperationMeta,
    /// The NE's result code for a request that breaks the spec.
    pub invalid: &'static str,
    /// Body fields that must be present.
    pub required_body: &'static [&'static str],
    /// Query parameters that must be present.
    pub required_query: &'static [&'static str],
    /// The body's integer, number and boolean fields, coerced from text as the NE does.
    pub lenient: &'static [ScalarPath],
    /// The spec's sample success body.
    pub success: &'static str,
    /// Checks the body against the spec's types and constraints (the generated request type).
    pub check_body: Option<BodyCheck>,
}

impl Route {
    /// Spec id (`onlineagent.login`).
    pub fn id(&self) -> &'static str {
        self.meta.id
    }
    /// HTTP method.
    pub fn method(&self) -> &'static str {
        self.meta.method
    }
    /// Path template with `{param}` placeholders.
    pub fn path(&self) -> &'static str {
        self.meta.path
    }
    /// How the NE authenticates the interface.
    pub fn auth(&self) -> AuthKind {
        self.meta.auth
    }
    /// Whether the interface may be repeated (`Unsafe`: it changes state).
    pub fn retry(&self) -> RetryClass {
        self.meta.retry
    }
    /// A file answer.
    pub fn binary(&self) -> bool {
        self.meta.response == ResponseKind::Binary
    }
    /// CC-Gateway configuration interfaces (C5 GUID, `107-000` when stale).
    pub fn is_gateway_config(&self) -> bool {
        self.path().starts_with("/agentgateway/resource/config/")
    }

    /// Reads a request body as the NE does: scalars sent as text are coerced
    /// ([`Scalar`]); then the documented required fields and the generated
    /// request type's decoding and validation. The error names the field.
    pub fn accept_body(&self, body: &mut Value) -> Result<(), String> {
        coerce(body, self.lenient);
        for f in self.required_body {
            if body.get(f).is_none() {
                return Err(format!("missing body field {f}"));
            }
        }
        match self.check_body {
            Some(check) if !body.is_null() => check(body),
            _ => Ok(()),
        }
    }
}

/// The route serving an interface (several ids sharing a method and path share
/// the first one's route).
pub fn route_for(meta: &OperationMeta) -> Option<&'static Route> {
    crate::generated::ROUTES.iter().find(|r| r.method() == meta.method && r.path() == meta.path)
}

/// Whether the simulator accepts `body` for the interface — the check every
/// request goes through before a behaviour sees it. Tests feed it the bodies the
/// generated clients build.
pub fn accepts(meta: &OperationMeta, body: Option<Value>) -> Result<(), String> {
    let route = route_for(meta).ok_or_else(|| format!("the simulator serves no route for {}", meta.id))?;
    let mut body = body.unwrap_or(Value::Null);
    route.accept_body(&mut body)
}

/// Applies the coercions of `rules` to `body` in place; what cannot be coerced
/// is left as it is (the typed decoding then refuses it).
pub fn coerce(body: &mut Value, rules: &[ScalarPath]) {
    for (path, to) in rules {
        coerce_at(body, path, *to);
    }
}

fn coerce_at(v: &mut Value, path: &[&str], to: Scalar) {
    match path.split_first() {
        None => coerce_scalar(v, to),
        Some((&"[]", rest)) => {
            if let Value::Array(items) = v {
                for item in items {
                    coerce_at(item, rest, to);
                }
            }
        }
        Some((key, rest)) => {
            if let Some(inner) = v.get_mut(*key) {
                coerce_at(inner, rest, to);
            }
        }
    }
}

fn coerce_scalar(v: &mut Value, to: Scalar) {
    let Value::String(s) = v else { return };
    let t = s.trim();
    let new = match to {
        Scalar::Int | Scalar::Number if t.is_empty() => Value::Null,
        Scalar::Int => match t.parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => return,
        },
        Scalar::Number => match t.parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => match t.parse::<f64>().ok().filter(|f| f.is_finite()).and_then(serde_json::Number::from_f64) {
                Some(n) => Value::Number(n),
                None => return,
            },
        },
        Scalar::Bool => match t {
            "true" => json!(true),
            "false" => json!(false),
            _ => return,
        },
    };
    *v = new;
}

/// What a behaviour gets.
#[derive(Debug)]
pub struct Req {
    /// Path parameters.
    pub params: BTreeMap<String, String>,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Headers.
    pub headers: HeaderMap,
    /// Parsed JSON body (`Null` when empty).
    pub body: Value,
}

impl Req {
    /// A path parameter.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }
    /// A query parameter.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body decoded into the interface's generated request type (the type
    /// the client builds it from; an empty body is `{}`). A decoding error
    /// answers the NE's invalid-parameter code.
    pub fn body_as<T: DeserializeOwned>(&self, route: &Route) -> Result<T, Reply> {
        let decoded = if self.body.is_null() { T::deserialize(&json!({})) } else { T::deserialize(&self.body) };
        decoded.map_err(|e| failure(route, route.invalid, &format!("body does not match the spec: {e}")))
    }
}

/// A behaviour's answer.
#[derive(Debug)]
pub enum Reply {
    /// JSON with status 200 and extra headers.
    Json(Value, Vec<(&'static str, String)>),
    /// A file.
    File(Vec<u8>, &'static str),
    /// A bare status with a JSON body.
    Status(StatusCode, Value),
}

impl Reply {
    /// 200 JSON.
    pub fn ok(v: Value) -> Reply {
        Reply::Json(v, Vec::new())
    }
}

/// The NE's failure body with `code` and `message`, as its envelope spells them.
pub fn failure(route: &Route, code: &str, message: &str) -> Reply {
    Reply::ok(envelope_body(route, code, message))
}

/// `{<code field>: code, <message field>: message}` in the route's envelope.
pub(crate) fn envelope_body(route: &Route, code: &str, message: &str) -> Value {
    let env = route.meta.envelope;
    let mut m = serde_json::Map::new();
    if let Some(c) = env.code_fields.first() {
        // OIAP result codes are numbers on the wire.
        let v = match (route.ne, code.parse::<i64>()) {
            ("oiap", Ok(n)) => json!(n),
            _ => json!(code),
        };
        m.insert((*c).to_owned(), v);
    }
    if let Some(f) = env.message_fields.first() {
        m.insert((*f).to_owned(), json!(message));
    }
    Value::Object(m)
}

/// HTTP 401, as the NEs refuse a bad signature or token.
pub(crate) fn unauthorized(msg: &str) -> Reply {
    Reply::Status(StatusCode::UNAUTHORIZED, json!({ "error": "unauthorized", "message": msg }))
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(v, headers) => {
                let mut r = axum::Json(v).into_response();
                r.headers_mut()
                    .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
                for (k, v) in headers {
                    if let Ok(v) = HeaderValue::from_str(&v) {
                        r.headers_mut().append(k, v);
                    }
                }
                r
            }
            Reply::File(bytes, ctype) => {
                let mut r = bytes.into_response();
                r.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ctype));
                r
            }
            Reply::Status(s, v) => (s, axum::Json(v)).into_response(),
        }
    }
}
