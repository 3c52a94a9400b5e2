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
use serde_json::{Value, json};

/// Checks a request body against an interface's spec; the error names the field and rule.
pub type BodyCheck = fn(&Value) -> Result<(), String>;

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
