//! The HTTP layer: one axum route per spec interface (from the generated
//! table), authentication as each NE checks it, then the model; the admin
//! endpoints; the serve loop. The vocabulary of a request lives in `api`.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawPathParams, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, get, post};
use axum::{Extension, Router};
use cec_core::{AuthKind, TokenPlacement};
use serde_json::{Value, json};

use crate::api::{Reply, Req, Route, envelope_body, failure, unauthorized};
use crate::faults::{self, Fault, FaultSet};
use crate::generated::ROUTES;
use crate::model::dispatch::{self, Serve};
use crate::model::{Shared, TokenKind};
use crate::verify::verify_c2;

/// Builds the router: every generated route plus the admin endpoints.
pub(crate) fn router(shared: Arc<Shared>, faults: Arc<FaultSet>) -> Router {
    let mut by_path: BTreeMap<&'static str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    let unmodelled = shared.scenario().unmodelled_writes;
    for (n, route) in ROUTES.iter().enumerate() {
        let serve = dispatch::serve_for(route, unmodelled);
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
                return handle(n, serve, state, params, method, uri, headers, body).await;
            }
            if let Some(answer) = faults::before(&applied, route).await {
                return answer;
            }
            let resp = handle(n, serve, state, params, method, uri, headers, body).await;
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
        .route("/__sim/coverage", get(admin_coverage))
        .fallback(no_such_interface)
        .layer(Extension(faults))
        // Media uploads travel Base64 in JSON: room for the web channel's 4 MB video limit.
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
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

/// Every route with what the simulator does with it (modelled, sample,
/// refused) and the counts per NE.
async fn admin_coverage(State(shared): State<Arc<Shared>>) -> Response {
    let unmodelled = shared.scenario().unmodelled_writes;
    let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let routes: Vec<Value> = ROUTES
        .iter()
        .map(|r| {
            let b = dispatch::serve_for(r, unmodelled).behaviour();
            let name = match b {
                dispatch::Behaviour::Modelled => "modelled",
                dispatch::Behaviour::Sample => "sample",
                dispatch::Behaviour::Refused => "refused",
            };
            *counts.entry(r.ne).or_default().entry(name).or_default() += 1;
            json!({
                "ne": r.ne, "id": r.id(), "method": r.method(), "path": r.path(), "behaviour": b,
                "changes_state": r.retry() == cec_core::RetryClass::Unsafe
            })
        })
        .collect();
    axum::Json(json!({ "nes": counts, "routes": routes })).into_response()
}

/// An unknown path: under an NE's prefix, that NE's envelope (CC-Gateway
/// `000-002`, "bad URL address"); elsewhere a plain 404.
async fn no_such_interface(uri: Uri) -> Response {
    const PREFIXES: [(&str, &str); 7] = [
        ("/agentgateway/", "gateway"),
        ("/apigovernance/", "apifabric"),
        ("/apiaccess/", "apifabric"),
        ("/oifde/", "oiap"),
        ("/rest/isales/", "isales"),
        ("/rest/cmsapp/", "cms"),
        ("/CCFS/", "fs"),
    ];
    let path = uri.path();
    let ne = PREFIXES.iter().find(|(p, _)| path.starts_with(p)).map(|(_, ne)| *ne);
    match ne.and_then(|ne| ROUTES.iter().find(|r| r.ne == ne)) {
        Some(route) => {
            let message =
                format!("no such interface: {path} (cec-sim serves the interfaces of the spec; see `cec ops`)");
            let code = if route.invalid.starts_with("HTTP ") { "404" } else { route.invalid };
            (StatusCode::NOT_FOUND, axum::Json(envelope_body(route, code, &message))).into_response()
        }
        None => (StatusCode::NOT_FOUND, axum::Json(json!({"error": "no such interface"}))).into_response(),
    }
}

/// The NE's answer to a request that breaks the spec: its invalid-parameter code
/// (API Fabric answers HTTP 400).
fn invalid(route: &Route, message: &str) -> Response {
    match route.invalid.strip_prefix("HTTP ").and_then(|s| s.parse::<u16>().ok()) {
        Some(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(envelope_body(route, &status.as_u16().to_string(), message))).into_response()
        }
        None => failure(route, route.invalid, message).into_response(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    n: usize,
    serve: Serve,
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
            Err(_) => return invalid(route, "request body is not JSON"),
        }
    };
    let mut req = Req { params, query, headers, body: parsed };
    tracing::debug!(op = route.id(), "sim request");
    // Authentication, as the NE checks it.
    if let Some(reply) = check_auth(&shared, route, &method, &uri, &req, &body) {
        return reply.into_response();
    }
    // Documented required fields, then the body as the generated request type reads it.
    for q in route.required_query {
        if req.query(q).is_none() {
            return invalid(route, &format!("missing query parameter {q}"));
        }
    }
    if let Err(e) = route.accept_body(&mut req.body) {
        return invalid(route, &e);
    }
    let reply = crate::paging::apply(route, &req, shared.handle(route, serve, &req).await);
    // Queues, records, CDRs and chats follow what the request changed (polls and
    // heartbeats change none of it; the periodic tick still settles).
    if !matches!(route.id(), "agentevent.poll" | "onlineagent.handshake") {
        shared.settle();
    }
    if let Reply::File(bytes, ctype) = reply {
        return crate::range::file_response(&req.headers, bytes, ctype, shared.honor_range());
    }
    with_header_case(reply.into_response())
}

/// The documented spelling of CC-Gateway's GUID header, byte for byte.
const SET_GUID: &str = "Set-GUID";

/// The header-case map hyper writes HTTP/1.1 answers with (see [`init_header_case`]).
static HEADER_CASE: OnceLock<Option<http::Extensions>> = OnceLock::new();

/// hyper writes HTTP/1.1 header names in lower case, and Huawei's own clients
/// match `Set-GUID` case-sensitively. A connection built with
/// `preserve_header_case` records each request's header spellings in a (private)
/// extension and, as documented, writes a response's headers with the spellings
/// of such an extension found on the response. One request head holding
/// `Set-GUID` is parsed here once, through hyper itself; its extension is copied
/// onto every answer that carries the header. HTTP/2 has lower-case names by definition.
pub(crate) async fn init_header_case() {
    if HEADER_CASE.get().is_some() {
        return;
    }
    let template = header_case_template().await;
    if template.is_none() {
        tracing::warn!("could not prepare the Set-GUID spelling: HTTP/1.1 answers send set-guid");
    }
    let _ = HEADER_CASE.set(template);
}

async fn header_case_template() -> Option<http::Extensions> {
    use hyper_util::rt::TokioIo;
    use tokio::io::AsyncWriteExt;
    let (mut client, server) = tokio::io::duplex(4096);
    let (tx, rx) = tokio::sync::oneshot::channel::<http::Extensions>();
    let tx = std::sync::Mutex::new(Some(tx));
    let svc = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
            let _ = tx.send(req.extensions().clone());
        }
        async { Ok::<_, std::convert::Infallible>(hyper::Response::new(axum::body::Body::empty())) }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(server), svc);
    let task = tokio::spawn(conn);
    let head = format!("GET / HTTP/1.1\r\nHost: cec-sim\r\n{SET_GUID}: x\r\nConnection: close\r\n\r\n");
    let sent = client.write_all(head.as_bytes()).await;
    let got = match sent {
        Ok(()) => tokio::time::timeout(Duration::from_secs(5), rx).await.ok().and_then(Result::ok),
        Err(_) => None,
    };
    task.abort();
    got
}

/// Adds the header-case map to an answer that carries `Set-GUID`.
fn with_header_case(mut resp: Response) -> Response {
    if resp.headers().contains_key(SET_GUID)
        && let Some(Some(ext)) = HEADER_CASE.get()
    {
        resp.extensions_mut().extend(ext.clone());
    }
    resp
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
            let dialects = sc.c2_dialects().ok().flatten();
            verify_c2(&sc.ak, &sc.sk, dialects.as_deref(), method.as_str(), uri.path(), uri.query(), &req.headers, raw)
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
        AuthKind::MessagingCookie => {
            let token = crate::model::messaging_cookie(req);
            (!shared.token_valid(TokenKind::Messaging, token))
                .then(|| unauthorized("ccmessaging-token cookie missing, invalid or expired"))
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
            shared.agent_guid_check(req.param("agentid"), guid).err().map(|why| failure(route, "100-006", &why))
        }
        AuthKind::None if route.ne == "messaging" => crate::social::check(&shared.scenario().social, route, req, raw),
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
    // Answers that carry Set-GUID keep its documented spelling (see `init_header_case`).
    builder.http1().preserve_header_case(true);
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
