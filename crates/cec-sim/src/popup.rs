//! The screen pop-up the agent workbench would open for each ringing call.
//!
//! With `[popup]` in the scenario (`url`, `mode = "get" | "post"`), every time
//! a call is offered to an agent (each leg of a call) the simulator works out
//! what the workbench would load: the configured address with the call's data
//! in the documented parameters (`callerNum`, `calledNum`, `callid`,
//! `mediaType` 1 voice/video or 5 text chat, `callType` 0 in / 1 out,
//! `workNo`, `callskill`, `callskillid`, `agentName`, and `origin`, the
//! workbench's origin — here the simulator's endpoint), in the query (GET) or
//! as a form (POST). `GET /__sim/popups` lists them; `cec sim` prints each one
//! as its call rings. The simulator has no business accounts, so `agentName`
//! is the work number.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::Shared;
use crate::{CallRecord, Scenario, Simulator};

/// The pop-up page configured for the tenant (`[popup]`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PopupConfig {
    /// The access address (e.g. `http://127.0.0.1:8044/` for `cec popup serve`).
    pub url: String,
    /// `get` (data in the query, default) or `post` (data in a form).
    #[serde(default)]
    pub mode: PopupMode,
}

/// How the workbench passes the data.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PopupMode {
    /// URL GET request: the data in the query.
    #[default]
    Get,
    /// URL POST request: the data in a submitted form.
    Post,
}

/// What the workbench would load for one ringing call.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PopupLoad {
    /// The agent the call rings.
    pub agent: String,
    /// The call.
    pub call_id: String,
    /// When it was offered (epoch milliseconds).
    pub offered_ms: u64,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The URL loaded (with the data in GET mode).
    pub url: String,
    /// The form submitted (POST mode).
    pub form: Option<String>,
}

impl Simulator {
    /// The pop-up loads of every call offered so far, oldest first (empty
    /// without `[popup]` in the scenario). `origin` is the simulator's endpoint.
    pub fn popup_loads(&self) -> Vec<PopupLoad> {
        loads(&self.shared, &self.endpoint())
    }
}

pub(crate) fn loads(shared: &Shared, origin: &str) -> Vec<PopupLoad> {
    let sc = shared.scenario();
    let Some(cfg) = &sc.popup else { return Vec::new() };
    // A call offered by the last request gets its leg when the model settles.
    shared.settle();
    shared.call_records().iter().flat_map(|r| record_loads(cfg, &sc, r, origin)).collect()
}

fn record_loads(cfg: &PopupConfig, sc: &Scenario, rec: &CallRecord, origin: &str) -> Vec<PopupLoad> {
    rec.legs
        .iter()
        .map(|leg| {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("callerNum", &rec.caller)
                .append_pair("calledNum", &rec.called)
                .append_pair("callid", &rec.id)
                // The model's CTI media codes (1 chat, 5 phone) are not the pop-up's.
                .append_pair("mediaType", if rec.media_type == 1 { "5" } else { "1" })
                .append_pair("callType", if rec.direction == "out" { "1" } else { "0" })
                .append_pair("workNo", &leg.agent);
            if let Some(skill) = rec.skill {
                let name = sc.queues.iter().find(|q| q.id == skill).map(|q| q.name.clone()).unwrap_or_default();
                form.append_pair("callskill", &name).append_pair("callskillid", &skill.to_string());
            }
            form.append_pair("agentName", &leg.agent).append_pair("origin", origin);
            let data = form.finish();
            let (method, url, form) = match cfg.mode {
                PopupMode::Get => {
                    let sep = if cfg.url.contains('?') { '&' } else { '?' };
                    ("GET", format!("{}{sep}{data}", cfg.url), None)
                }
                PopupMode::Post => ("POST", cfg.url.clone(), Some(data)),
            };
            PopupLoad {
                agent: leg.agent.clone(),
                call_id: rec.id.clone(),
                offered_ms: leg.offered_ms,
                method,
                url,
                form,
            }
        })
        .collect()
}

/// `GET /__sim/popups`: `{"popups": [..]}` (origin: the `Host` the request used).
pub(crate) fn admin_routes(shared: Arc<Shared>) -> Router {
    Router::new().route("/__sim/popups", axum::routing::get(admin_popups)).with_state(shared)
}

async fn admin_popups(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    axum::Json(json!({ "popups": loads(&shared, &format!("http://{host}")) })).into_response()
}
