//! The HTTP layer: one axum route per spec interface (from the generated
//! table), authentication as each NE checks it, then the model; the admin
//! endpoints; the serve loop. The vocabulary of a request lives in `api`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post};
use axum::{Extension, Router};
use cec_core::{AuthKind, TokenPlacement};
use serde_json::{Value, json};

use crate::api::{Reply, Req, Route, failure, unauthorized};
use crate::faults::{self, Fault, FaultSet};
use crate::generated::ROUTES;
use crate::model::{Shared, TokenKind};
use crate::verify::verify_c2;

/// Builds the router: every generated route plus the admin endpoints.
pub(crate) fn router(shared: Arc<Shared>, faults: Arc<FaultSet>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for (n, route) in ROUTES.iter().enumerate() {
        let filter = match route.method() {
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
        let entry = by_path.remove(route.path()).unwrap_or_default();
        by_path.insert(route.path(), entry.on(filter, handler));
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
            Err(_) => return failure(route, route.invalid, "request body is not JSON").into_response(),
        }
    };
    let req = Req { params, query, headers, body: parsed };
    tracing::debug!(op = route.id(), "sim request");
    // Authentication, as the NE checks it.
    if let Some(reply) = check_auth(&shared, route, &method, &uri, &req, &body) {
        return reply.into_response();
    }
    // Documented required fields.
    for q in route.required_query {
        if req.query(q).is_none() {
            return failure(route, route.invalid, &format!("missing query parameter {q}")).into_response();
        }
    }
    for f in route.required_body {
        if req.body.get(f).is_none() {
            return failure(route, route.invalid, &format!("missing body field {f}")).into_response();
        }
    }
    if let Some(check) = route.check_body
        && !req.body.is_null()
        && let Err(e) = check(&req.body)
    {
        return failure(route, route.invalid, &e).into_response();
    }
    let reply = shared.handle(route, &req).await;
    // Queues, records, CDRs and chats follow what the request changed (polls and
    // heartbeats change none of it; the periodic tick still settles).
    if !matches!(route.id(), "agentevent.poll" | "onlineagent.handshake") {
        shared.settle();
    }
    reply.into_response()
}

fn check_auth(shared: &Shared, route: &Route, method: &Method, uri: &Uri, req: &Req, raw: &[u8]) -> Option<Reply> {
    match route.auth() {
        AuthKind::Signature => {
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
        kind @ (AuthKind::Bearer | AuthKind::BearerMessaging) => {
            let token = req.header("authorization").and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("");
            if !shared.token_valid(TokenKind::ApiFabric, token) {
                return Some(unauthorized("invalid or expired access token"));
            }
            if req.header("x-app-key") != Some(shared.scenario().app_key.as_str()) {
                return Some(unauthorized("unknown X-APP-Key"));
            }
            if kind == AuthKind::BearerMessaging {
                let m = req.header("ccmessaging-token").unwrap_or("");
                if !shared.token_valid(TokenKind::Messaging, m) {
                    return Some(unauthorized("invalid or expired ccmessaging-token"));
                }
            }
            None
        }
        AuthKind::OiapToken(placement) => {
            let token = match placement {
                TokenPlacement::Body(path) => {
                    path.split('.').try_fold(&req.body, |v, k| v.get(k)).and_then(Value::as_str)
                }
                TokenPlacement::Headers => req.header("token"),
            }
            .unwrap_or("");
            (!shared.token_valid(TokenKind::Oiap, token)).then(|| failure(route, "900001", "token missing or expired"))
        }
        AuthKind::Guid => {
            let guid = req.header("guid").unwrap_or("");
            if route.is_gateway_config() {
                return (!shared.config_guid_valid(guid))
                    .then(|| failure(route, "107-000", "configuration login expired"));
            }
            (!shared.agent_guid_valid(req.param("agentid"), guid))
                .then(|| failure(route, "100-006", "agent not signed in"))
        }
        _ => None,
    }
}

/// Serves HTTP/1.1 and HTTP/2 (prior knowledge, `h2c`) on the listener until
/// `stop` fires, then drops every connection (long polls included) at once.
/// HTTP/2 allows many concurrent streams per connection, so one client
/// connection can carry thousands of agents' long polls.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http2().max_concurrent_streams(1 << 20);
    let mut conns = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let svc = TowerToHyperService::new(app.clone());
                let builder = builder.clone();
                conns.spawn(async move {
                    if let Err(e) = builder.serve_connection_with_upgrades(TokioIo::new(stream), svc).await {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            _ = &mut stop => break,
        }
    }
    conns.abort_all();
}
