//! The HTTP surface: one axum route per spec interface (from the generated
//! table), authentication as each NE checks it, then the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post};
use axum::{Extension, Router};
use serde_json::{Value, json};

use crate::faults::{self, Fault, FaultSet};
use crate::generated::ROUTES;
use crate::model::{Shared, TokenKind};
use crate::verify::verify_c2;

/// How an NE wraps its answers (for error bodies).
#[derive(Debug)]
pub struct SimEnvelope {
    /// The result-code field.
    pub code_field: Option<&'static str>,
    /// The success code.
    pub success: &'static str,
    /// The message field.
    pub message_field: Option<&'static str>,
    /// The NE's code for a request that breaks the spec.
    pub invalid: &'static str,
}

/// Checks a request body against an interface's spec; the error names the field and rule.
pub type BodyCheck = fn(&Value) -> Result<(), String>;

/// One interface the simulator serves.
#[derive(Debug)]
pub struct Route {
    /// CLI name of the NE (`gateway`, `cms`…).
    pub ne: &'static str,
    /// Spec id.
    pub id: &'static str,
    /// Method.
    pub method: &'static str,
    /// Path template (`{param}` placeholders).
    pub path: &'static str,
    /// Auth kind as in the spec.
    pub auth: &'static str,
    /// Body fields that must be present.
    pub required_body: &'static [&'static str],
    /// Query parameters that must be present.
    pub required_query: &'static [&'static str],
    /// A schema-valid success body.
    pub success: &'static str,
    /// Success is a file.
    pub binary: bool,
    /// Envelope.
    pub envelope: &'static SimEnvelope,
    /// Checks the body against the spec's types and constraints.
    pub check_body: Option<BodyCheck>,
}

/// What a handler gets.
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

/// A handler's answer.
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

/// The NE's failure body with `code` and `message`.
pub fn failure(route: &Route, code: &str, message: &str) -> Reply {
    let mut m = serde_json::Map::new();
    if let Some(c) = route.envelope.code_field {
        // OIAP result codes are numbers on the wire.
        let v = match (route.ne, code.parse::<i64>()) {
            ("oiap", Ok(n)) => json!(n),
            _ => json!(code),
        };
        m.insert(c.to_owned(), v);
    }
    if let Some(f) = route.envelope.message_field {
        m.insert(f.to_owned(), json!(message));
    }
    Reply::ok(Value::Object(m))
}

pub(crate) fn unauthorized(msg: &str) -> Reply {
    Reply::Status(StatusCode::UNAUTHORIZED, json!({ "error": "unauthorized", "message": msg }))
}

/// Builds the router: every generated route plus the admin endpoints.
pub(crate) fn router(shared: Arc<Shared>, faults: Arc<FaultSet>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for (n, route) in ROUTES.iter().enumerate() {
        let filter = match route.method {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "DELETE" => MethodFilter::DELETE,
            _ => MethodFilter::PATCH,
        };
        let handler = move |state: State<Arc<Shared>>,
                            Extension(faults): Extension<Arc<FaultSet>>,
                            params: RawPathParams,
                            method: Method,
                            uri: Uri,
                            headers: HeaderMap,
                            body: Bytes| async move {
            let route = &ROUTES[n];
            let applied = faults.take(route);
            if applied.is_empty() {
                return handle(n, state, params, method, uri, headers, body).await;
            }
            if let Some(answer) = faults::before(&applied, route).await {
                return answer;
            }
            let resp = handle(n, state, params, method, uri, headers, body).await;
            faults::after(&applied, resp).await
        };
        let entry = by_path.remove(route.path).unwrap_or_default();
        by_path.insert(route.path, entry.on(filter, handler));
    }
    let mut app = Router::new();
    for (path, mr) in by_path {
        app = app.route(path, mr);
    }
    app.route("/__sim/calls", post(admin_call))
        .route("/__sim/queue-calls", post(admin_queue_call))
        .route("/__sim/dial-step", post(admin_dial_step))
        .route("/__sim/state", get(admin_state))
        .route("/__sim/faults", get(admin_faults).post(admin_add_fault).delete(admin_clear_faults))
        .fallback(|| async { (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such interface"}))) })
        .layer(Extension(faults))
        .with_state(shared)
}

async fn admin_faults(Extension(faults): Extension<Arc<FaultSet>>) -> Response {
    let list: Vec<Value> = faults.list().iter().map(|f| f.to_json()).collect();
    axum::Json(json!({ "faults": list })).into_response()
}

/// Adds one fault (a JSON object) or several (an array); all or none.
async fn admin_add_fault(Extension(faults): Extension<Arc<FaultSet>>, body: Bytes) -> Response {
    let bad = |e: String| (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))).into_response();
    let parsed: Result<Vec<Fault>, String> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(n, v)| serde_json::from_value(v).map_err(|e| format!("fault [{n}]: {e}")))
            .collect(),
        Ok(v) => serde_json::from_value(v).map(|f| vec![f]).map_err(|e| format!("fault: {e}")),
        Err(e) => Err(format!("body is not JSON: {e}")),
    };
    let list = match parsed {
        Ok(l) => l,
        Err(e) => return bad(e),
    };
    let mut ids = Vec::new();
    for f in list {
        match faults.add(f) {
            Ok(id) => ids.push(id),
            Err(e) => return bad(e),
        }
    }
    (StatusCode::CREATED, axum::Json(json!({ "ids": ids }))).into_response()
}

async fn admin_clear_faults(Extension(faults): Extension<Arc<FaultSet>>) -> Response {
    axum::Json(json!({ "cleared": faults.clear() })).into_response()
}

async fn admin_call(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let agent = v.get("agent").and_then(Value::as_str).unwrap_or("");
    let caller = v.get("caller").and_then(Value::as_str).unwrap_or("13800000000");
    let result = shared.inject_call(agent, caller);
    shared.settle();
    match result {
        Ok(id) => axum::Json(json!({ "callid": id })).into_response(),
        Err(e) => (StatusCode::CONFLICT, axum::Json(json!({ "error": e }))).into_response(),
    }
}

async fn admin_queue_call(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let queue = v.get("queue").and_then(Value::as_u64).and_then(|q| u32::try_from(q).ok()).unwrap_or(0);
    let caller = v.get("caller").and_then(Value::as_str).unwrap_or("13800000000");
    match shared.inject_queue_call(queue, caller) {
        Ok(id) => axum::Json(json!({ "callid": id })).into_response(),
        Err(e) => (StatusCode::NOT_FOUND, axum::Json(json!({ "error": e }))).into_response(),
    }
}

async fn admin_dial_step(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(json!({ "dialed": shared.dial_step() })).into_response()
}

async fn admin_state(State(shared): State<Arc<Shared>>) -> Response {
    axum::Json(shared.dump()).into_response()
}

async fn handle(
    n: usize,
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let route = &ROUTES[n];
    let params: BTreeMap<String, String> = params.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
        .unwrap_or_default();
    let parsed: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return to_response(failure(route, route.envelope.invalid, "request body is not JSON")),
        }
    };
    let req = Req { params, query, headers, body: parsed };
    tracing::debug!(op = route.id, "sim request");
    // Authentication, as the NE checks it.
    if let Some(reply) = check_auth(&shared, route, &method, &uri, &req, &body) {
        return to_response(reply);
    }
    // Documented required fields.
    for q in route.required_query {
        if req.query(q).is_none() {
            return to_response(failure(route, route.envelope.invalid, &format!("missing query parameter {q}")));
        }
    }
    for f in route.required_body {
        if req.body.get(f).is_none() {
            return to_response(failure(route, route.envelope.invalid, &format!("missing body field {f}")));
        }
    }
    if let Some(check) = route.check_body
        && !req.body.is_null()
        && let Err(e) = check(&req.body)
    {
        return to_response(failure(route, route.envelope.invalid, &e));
    }
    let reply = crate::paging::apply(route, &req, shared.handle(route, &req).await);
    // Queues, records, CDRs and chats follow what the request changed (polls and
    // heartbeats change none of it; the periodic tick still settles).
    if !matches!(route.id, "agentevent.poll" | "onlineagent.handshake") {
        shared.settle();
    }
    to_response(reply)
}

fn check_auth(shared: &Shared, route: &Route, method: &Method, uri: &Uri, req: &Req, raw: &[u8]) -> Option<Reply> {
    match route.auth {
        "signature" => {
            // SaaS tenants may use a C1 Bearer token on C2 NEs.
            if let Some(t) = req.header("authorization").and_then(|a| a.strip_prefix("Bearer ")) {
                return (!shared.token_valid(TokenKind::ApiFabric, t))
                    .then(|| unauthorized("invalid or expired token"));
            }
            let sc = shared.scenario();
            verify_c2(&sc.ak, &sc.sk, method.as_str(), uri.path(), uri.query(), &req.headers, raw)
                .err()
                .map(|e| unauthorized(&e))
        }
        "bearer" | "bearer-messaging" => {
            let token = req.header("authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
            if !shared.token_valid(TokenKind::ApiFabric, token) {
                return Some(unauthorized("invalid or expired access token"));
            }
            if req.header("x-app-key") != Some(shared.scenario().app_key.as_str()) {
                return Some(unauthorized("unknown X-APP-Key"));
            }
            if route.auth == "bearer-messaging" {
                let m = req.header("ccmessaging-token").unwrap_or("");
                if !shared.token_valid(TokenKind::Messaging, m) {
                    return Some(unauthorized("invalid or expired ccmessaging-token"));
                }
            }
            None
        }
        "oiap-token" => {
            let token = req
                .body
                .pointer("/inparams/auth_token")
                .or_else(|| req.body.get("authToken"))
                .and_then(Value::as_str)
                .or_else(|| req.header("token"))
                .unwrap_or("");
            (!shared.token_valid(TokenKind::Oiap, token)).then(|| failure(route, "900001", "token missing or expired"))
        }
        "guid" => {
            let guid = req.header("guid").unwrap_or("");
            if route.path.starts_with("/agentgateway/resource/config/") {
                return (!shared.config_guid_valid(guid))
                    .then(|| failure(route, "107-000", "configuration login expired"));
            }
            (!shared.agent_guid_valid(req.param("agentid"), guid))
                .then(|| failure(route, "100-006", "agent not signed in"))
        }
        _ => None,
    }
}

pub(crate) fn to_response(reply: Reply) -> Response {
    match reply {
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
