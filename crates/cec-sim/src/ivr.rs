//! IVR flows with the *Interface Invoking* element: the simulator calls the
//! enterprise's business interface the way a tenant's IVR flow does, so the
//! loop can be tested without a tenant.
//!
//! A flow is a list of steps run from the first. An `invoke` step renders the
//! interface's body template (`${FLOW.x}`, `${GLOBAL.x}`, `${SYS.caller}`,
//! `${SYS.called}`, `${SYS.callid}` placeholders: inside a JSON string the
//! value's text is inserted escaped, elsewhere its JSON), sends it, requires a
//! 2xx answer that is a JSON object, assigns answer fields (dotted paths such
//! as `result.name`) to `FLOW`/`GLOBAL` variables and follows the first
//! matching branch (`var` equals a text), else `next`, else the following
//! step. A failed call takes `on_error` (the reference's `SYSERROR_INTERFACE`
//! branch; a template that cannot be rendered is `SYSERROR_INNER`); without
//! `on_error` the run ends in the flow's exception handling. A `queue` step
//! transfers the call into a skill queue (it then rings an agent like any
//! queued call); an `end` step ends the call. Every run, with its variables
//! and each step's request and answer, shows in `GET /__sim/state` (`ivr`).
//!
//! The `SYS` names are the simulator's own (the reference's system variable
//! list is not modeled), and a business interface's signature option is not
//! modeled: the reference's description of it is cut off.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::Simulator;
use crate::model::Shared;

/// Most steps one run executes (a flow that loops ends with outcome `loop`).
const STEP_LIMIT: usize = 64;

/// The IVR part of a scenario (`[ivr]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IvrConfig {
    /// Business interfaces (`[[ivr.interfaces]]`).
    pub interfaces: Vec<BusinessInterface>,
    /// Flows (`[[ivr.flows]]`), by id (an access code's `ivr` names one).
    pub flows: Vec<IvrFlow>,
    /// `GLOBAL` variables and their initial values (names without the prefix).
    pub globals: BTreeMap<String, Value>,
}

/// A business interface: the enterprise's RESTful interface a flow calls.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BusinessInterface {
    /// Name the `invoke` steps use.
    pub name: String,
    /// Request URL (plain `http://`).
    pub url: String,
    /// `POST` (default), `PUT` or `GET` (a `GET` sends no body).
    #[serde(default = "default_method")]
    pub method: String,
    /// The message body template (JSON with `${VAR}` placeholders); empty: `{}`.
    #[serde(default)]
    pub body: String,
    /// How long to wait for the answer.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Extra request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

fn default_method() -> String {
    "POST".into()
}

fn default_timeout() -> u64 {
    3000
}

/// An IVR flow.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IvrFlow {
    /// Flow id.
    pub id: String,
    /// Steps, run from the first.
    pub steps: Vec<IvrStep>,
}

/// One step: exactly one of `invoke`, `queue`, `end`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IvrStep {
    /// Step id (unique in the flow; branches go to it).
    pub id: String,
    /// Interface Invoking: the business interface to call.
    pub invoke: Option<String>,
    /// Variable (`FLOW.x` / `GLOBAL.x`) ← dotted path in the answer.
    pub assign: BTreeMap<String, String>,
    /// Condition branches, the first match wins.
    pub branches: Vec<IvrBranch>,
    /// Where a failed call goes (`SYSERROR_INTERFACE` / `SYSERROR_INNER`).
    pub on_error: Option<String>,
    /// The step after this one (default: the following step).
    pub next: Option<String>,
    /// Transfer the call to this skill queue.
    pub queue: Option<u32>,
    /// End the call.
    pub end: bool,
}

/// A condition branch: `var` (`FLOW.x`, `GLOBAL.x`, `SYS.x`) equals `equals`
/// (a string value compared as is, any other value as its JSON text).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IvrBranch {
    /// The variable.
    pub var: String,
    /// The text it must equal.
    pub equals: String,
    /// The step to go to.
    pub goto: String,
}

impl IvrConfig {
    /// Nothing configured.
    pub fn is_empty(&self) -> bool {
        self.interfaces.is_empty() && self.flows.is_empty() && self.globals.is_empty()
    }

    /// Names resolve, steps are well formed, URLs are plain `http://`.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        for i in &self.interfaces {
            if !names.insert(i.name.as_str()) {
                return Err(format!("ivr: interface `{}` is listed twice", i.name));
            }
            if !i.url.starts_with("http://") {
                return Err(format!("ivr: interface `{}`: the simulator calls plain http:// URLs only", i.name));
            }
            if !matches!(i.method.as_str(), "POST" | "PUT" | "GET") {
                return Err(format!("ivr: interface `{}`: method {} (POST, PUT or GET)", i.name, i.method));
            }
        }
        let mut flows = BTreeSet::new();
        for f in &self.flows {
            if !flows.insert(f.id.as_str()) {
                return Err(format!("ivr: flow `{}` is listed twice", f.id));
            }
            let ids: BTreeSet<&str> = f.steps.iter().map(|s| s.id.as_str()).collect();
            if ids.len() != f.steps.len() {
                return Err(format!("ivr: flow `{}` has two steps with one id", f.id));
            }
            for s in &f.steps {
                let at = |m: String| format!("ivr: flow `{}` step `{}`: {m}", f.id, s.id);
                let kinds = usize::from(s.invoke.is_some()) + usize::from(s.queue.is_some()) + usize::from(s.end);
                if kinds != 1 {
                    return Err(at("needs exactly one of invoke, queue, end".into()));
                }
                if let Some(i) = &s.invoke
                    && !names.contains(i.as_str())
                {
                    return Err(at(format!("no interface `{i}`")));
                }
                for var in s.assign.keys() {
                    if !(var.starts_with("FLOW.") || var.starts_with("GLOBAL.")) || var.ends_with('.') {
                        return Err(at(format!("`{var}` is not a FLOW.x or GLOBAL.x variable")));
                    }
                }
                let targets = s.branches.iter().map(|b| &b.goto).chain(&s.on_error).chain(&s.next);
                for t in targets {
                    if !ids.contains(t.as_str()) {
                        return Err(at(format!("goes to `{t}`, which is not a step of the flow")));
                    }
                }
            }
        }
        Ok(())
    }
}

/// One run of a flow (one call through the IVR).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IvrRun {
    /// Run id.
    pub id: String,
    /// The flow.
    pub flow: String,
    /// Calling number.
    pub caller: String,
    /// Called number (the access code).
    pub called: String,
    /// `ended`, `queued`, `exception` (a failure no branch took) or `loop`.
    pub outcome: String,
    /// With `queued`: the call id in the skill queue.
    pub queued_call: Option<String>,
    /// `FLOW` variables at the end (names without the prefix).
    pub flow_vars: BTreeMap<String, Value>,
    /// `GLOBAL` variables at the end.
    pub global_vars: BTreeMap<String, Value>,
    /// What each step did.
    pub steps: Vec<StepLog>,
}

/// What one step did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct StepLog {
    /// Step id.
    pub step: String,
    /// The interface called.
    pub interface: Option<String>,
    /// The body sent.
    pub request: Option<Value>,
    /// The HTTP status received.
    pub status: Option<u16>,
    /// The answer received.
    pub answer: Option<Value>,
    /// Assignments whose path the answer lacks (the variable keeps its value).
    pub missing: Vec<String>,
    /// `SYSERROR_INTERFACE`, `SYSERROR_INNER`, or the branch's `var == equals`.
    pub branch: Option<String>,
    /// Why the step failed.
    pub error: Option<String>,
}

/// The runs, for `/__sim/state`.
#[derive(Debug, Default)]
pub(crate) struct IvrState {
    runs: Mutex<Vec<IvrRun>>,
    seq: std::sync::atomic::AtomicU64,
}

impl IvrState {
    fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1
    }

    pub(crate) fn dump(&self) -> Value {
        let runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        json!({ "runs": *runs })
    }

    fn record(&self, run: IvrRun) -> String {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        let id = format!("ivr-{}", runs.len() + 1);
        runs.push(IvrRun { id: id.clone(), ..run });
        id
    }
}

impl Simulator {
    /// Runs IVR flow `flow` for a call from `caller` with initial variables
    /// (`{"FLOW.lang": "en", "GLOBAL.level": 1}`); returns the run as recorded in
    /// `/__sim/state`. Errors only for an unknown flow or a bad variable name.
    pub async fn run_ivr(&self, flow: &str, caller: &str, vars: &Map<String, Value>) -> Result<IvrRun, String> {
        run(&self.shared, flow, caller, vars).await
    }
}

struct Vars {
    flow: BTreeMap<String, Value>,
    global: BTreeMap<String, Value>,
    sys: BTreeMap<String, Value>,
}

impl Vars {
    fn get(&self, name: &str) -> Option<&Value> {
        let (scope, key) = name.split_once('.')?;
        match scope {
            "FLOW" => self.flow.get(key),
            "GLOBAL" => self.global.get(key),
            "SYS" => self.sys.get(key),
            _ => None,
        }
    }

    fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        match name.split_once('.') {
            Some(("FLOW", k)) if !k.is_empty() => self.flow.insert(k.to_owned(), value),
            Some(("GLOBAL", k)) if !k.is_empty() => self.global.insert(k.to_owned(), value),
            _ => return Err(format!("`{name}` is not a FLOW.x or GLOBAL.x variable")),
        };
        Ok(())
    }
}

pub(crate) async fn run(
    shared: &Shared,
    flow_id: &str,
    caller: &str,
    vars: &Map<String, Value>,
) -> Result<IvrRun, String> {
    let sc = shared.scenario();
    let flow = sc.ivr.flows.iter().find(|f| f.id == flow_id).ok_or_else(|| format!("no IVR flow `{flow_id}`"))?;
    let called = sc.access_codes.iter().find(|a| a.ivr.as_deref() == Some(flow_id)).map(|a| a.code.clone());
    let call_id = format!("ivr-call-{}", shared.ivr.next_seq());
    let mut v = Vars {
        flow: BTreeMap::new(),
        global: sc.ivr.globals.clone(),
        sys: [
            ("caller".to_owned(), json!(caller)),
            ("called".to_owned(), json!(called.clone().unwrap_or_default())),
            ("callid".to_owned(), json!(call_id)),
        ]
        .into(),
    };
    for (k, val) in vars {
        v.set(k, val.clone())?;
    }
    let mut run = IvrRun {
        id: String::new(),
        flow: flow_id.to_owned(),
        caller: caller.to_owned(),
        called: called.unwrap_or_default(),
        outcome: "loop".into(),
        queued_call: None,
        flow_vars: BTreeMap::new(),
        global_vars: BTreeMap::new(),
        steps: Vec::new(),
    };
    let mut at = 0usize;
    for _ in 0..STEP_LIMIT {
        let Some(step) = flow.steps.get(at) else {
            run.outcome = "ended".into();
            break;
        };
        let mut log = StepLog { step: step.id.clone(), ..Default::default() };
        let index_of = |id: &str| flow.steps.iter().position(|s| s.id == id);
        let following = step.next.as_deref().and_then(index_of).unwrap_or(at + 1);
        if step.end {
            run.steps.push(log);
            run.outcome = "ended".into();
            break;
        }
        if let Some(queue) = step.queue {
            match shared.inject_queue_call(queue, caller) {
                Ok(id) => {
                    run.queued_call = Some(id);
                    run.outcome = "queued".into();
                }
                Err(e) => {
                    log.error = Some(e);
                    run.outcome = "exception".into();
                }
            }
            run.steps.push(log);
            break;
        }
        let Some(iface) = step.invoke.as_ref().and_then(|n| sc.ivr.interfaces.iter().find(|i| &i.name == n)) else {
            log.error = Some("no such interface".into());
            run.steps.push(log);
            run.outcome = "exception".into();
            break;
        };
        log.interface = Some(iface.name.clone());
        match invoke(shared, iface, &v, &mut log).await {
            Ok(answer) => {
                for (var, path) in &step.assign {
                    match lookup(&answer, path) {
                        Some(val) => v.set(var, val.clone())?,
                        None => log.missing.push(path.clone()),
                    }
                }
                let hit = step.branches.iter().find(|b| v.get(&b.var).is_some_and(|val| text_of(val) == b.equals));
                at = match hit {
                    Some(b) => {
                        log.branch = Some(format!("{} == {}", b.var, b.equals));
                        index_of(&b.goto).unwrap_or(flow.steps.len())
                    }
                    None => following,
                };
                run.steps.push(log);
            }
            Err(branch) => {
                log.branch = Some(branch.into());
                run.steps.push(log);
                match step.on_error.as_deref().and_then(index_of) {
                    Some(i) => at = i,
                    None => {
                        run.outcome = "exception".into();
                        break;
                    }
                }
            }
        }
    }
    run.flow_vars = v.flow;
    run.global_vars = v.global;
    run.id = shared.ivr.record(run.clone());
    Ok(run)
}

/// Calls the interface; `Err` is the preset branch the failure takes.
async fn invoke(
    shared: &Shared,
    iface: &BusinessInterface,
    v: &Vars,
    log: &mut StepLog,
) -> Result<Value, &'static str> {
    let template = if iface.body.trim().is_empty() { "{}" } else { iface.body.as_str() };
    let body = match render(template, v).and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string())) {
        Ok(b) => b,
        Err(e) => {
            log.error = Some(format!("body template: {e}"));
            return Err("SYSERROR_INNER");
        }
    };
    let Some(client) = shared.http.clone() else {
        log.error = Some("the simulator has no HTTP client".into());
        return Err("SYSERROR_INNER");
    };
    let method = match iface.method.as_str() {
        "GET" => reqwest::Method::GET,
        "PUT" => reqwest::Method::PUT,
        _ => reqwest::Method::POST,
    };
    let mut req = client.request(method.clone(), &iface.url).timeout(Duration::from_millis(iface.timeout_ms));
    for (k, val) in &iface.headers {
        req = req.header(k.as_str(), val.as_str());
    }
    if method != reqwest::Method::GET {
        req = req.header("content-type", "application/json;charset=UTF-8").body(body.to_string());
        log.request = Some(body);
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            log.error = Some(format!("the call failed: {e}"));
            return Err("SYSERROR_INTERFACE");
        }
    };
    let status = resp.status().as_u16();
    log.status = Some(status);
    let bytes = resp.bytes().await.unwrap_or_default();
    let answer: Option<Value> = serde_json::from_slice(&bytes).ok();
    log.answer = answer.clone().or_else(|| Some(Value::String(String::from_utf8_lossy(&bytes).into_owned())));
    if !(200..300).contains(&status) {
        log.error = Some(format!("HTTP {status}"));
        return Err("SYSERROR_INTERFACE");
    }
    match answer {
        Some(a @ Value::Object(_)) => Ok(a),
        _ => {
            log.error = Some("the answer is not a JSON object".into());
            Err("SYSERROR_INTERFACE")
        }
    }
}

/// Dotted path of object keys (`result.name`).
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    for seg in path.split('.') {
        cur = cur.as_object()?.get(seg)?;
    }
    Some(cur)
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Replaces `${NAME}` placeholders: inside a JSON string literal with the
/// value's text, escaped; elsewhere with the value's JSON. An unknown variable
/// is an error.
fn render(template: &str, v: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut in_string = false;
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '$' && template[i..].starts_with("${") {
            let rest = &template[i + 2..];
            let end = rest.find('}').ok_or_else(|| format!("`${{` at byte {i} is not closed"))?;
            let name = &rest[..end];
            let value = v.get(name).ok_or_else(|| format!("unknown variable `{name}`"))?;
            if in_string {
                let quoted = Value::String(text_of(value)).to_string();
                out.push_str(&quoted[1..quoted.len() - 1]);
            } else {
                out.push_str(&value.to_string());
            }
            // Skip the placeholder's characters.
            let stop = i + 2 + end;
            while chars.peek().is_some_and(|(j, _)| *j <= stop) {
                chars.next();
            }
            continue;
        }
        out.push(c);
        if in_string && c == '\\' {
            if let Some((_, escaped)) = chars.next() {
                out.push(escaped);
            }
        } else if c == '"' {
            in_string = !in_string;
        }
    }
    Ok(out)
}

/// `POST /__sim/ivr-calls` `{"flow":"1001"}` or `{"access_code":"10087"}`, with
/// `"caller"` and optional `"vars"`: runs the flow, answers the run.
pub(crate) fn admin_routes(shared: Arc<Shared>) -> Router {
    Router::new().route("/__sim/ivr-calls", axum::routing::post(admin_ivr_call)).with_state(shared)
}

async fn admin_ivr_call(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let bad = |code: StatusCode, e: String| (code, axum::Json(json!({ "error": e }))).into_response();
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad(StatusCode::BAD_REQUEST, format!("body is not JSON: {e}")),
    };
    let caller = v.get("caller").and_then(Value::as_str).unwrap_or("13800000000");
    let flow = match (v.get("flow").and_then(Value::as_str), v.get("access_code").and_then(Value::as_str)) {
        (Some(f), _) => f.to_owned(),
        (None, Some(code)) => {
            match shared.scenario().access_codes.iter().find(|a| a.code == code).and_then(|a| a.ivr.clone()) {
                Some(f) => f,
                None => return bad(StatusCode::NOT_FOUND, format!("access code {code} leads to no IVR flow")),
            }
        }
        (None, None) => return bad(StatusCode::BAD_REQUEST, "give `flow` or `access_code`".into()),
    };
    let vars = v.get("vars").and_then(Value::as_object).cloned().unwrap_or_default();
    match run(&shared, &flow, caller, &vars).await {
        Ok(r) => axum::Json(r).into_response(),
        Err(e) => bad(StatusCode::NOT_FOUND, e),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars() -> Vars {
        Vars {
            flow: [("name".to_owned(), json!("O\"Brien")), ("n".to_owned(), json!(3))].into(),
            global: [("obj".to_owned(), json!({"a": [1, 2]}))].into(),
            sys: [("caller".to_owned(), json!("138"))].into(),
        }
    }

    #[test]
    fn templates_insert_text_in_strings_and_json_elsewhere() {
        assert!(render(r#"{"x":"${FLOW.name"}"#, &vars()).unwrap_err().contains("unknown variable"));
        assert!(render(r#"{"x":${FLOW.n"#, &vars()).unwrap_err().contains("not closed"));
        let t = r#"{"who":"${FLOW.name} (${SYS.caller})","n":${FLOW.n},"o":${GLOBAL.obj},"s":"${FLOW.n}","q":"a\"b"}"#;
        let v: Value = serde_json::from_str(&render(t, &vars()).unwrap()).unwrap();
        assert_eq!(v, json!({"who":"O\"Brien (138)","n":3,"o":{"a":[1,2]},"s":"3","q":"a\"b"}));
        assert_eq!(render("${FLOW.none}", &vars()).unwrap_err(), "unknown variable `FLOW.none`");
        assert_eq!(render("{\"x\":\"é ${SYS.caller} 弹\"}", &vars()).unwrap(), "{\"x\":\"é 138 弹\"}");
    }

    #[test]
    fn config_checks() {
        let iface = BusinessInterface {
            name: "crm".into(),
            url: "http://127.0.0.1:1/x".into(),
            method: "POST".into(),
            body: String::new(),
            timeout_ms: 100,
            headers: BTreeMap::new(),
        };
        let step = |id: &str| IvrStep { id: id.into(), invoke: Some("crm".into()), ..Default::default() };
        let mut c = IvrConfig {
            interfaces: vec![iface.clone()],
            flows: vec![IvrFlow {
                id: "f".into(),
                steps: vec![step("a"), IvrStep { id: "b".into(), end: true, ..Default::default() }],
            }],
            globals: BTreeMap::new(),
        };
        c.check().unwrap();
        c.flows[0].steps[0].on_error = Some("zz".into());
        assert!(c.check().unwrap_err().contains("zz"));
        c.flows[0].steps[0].on_error = None;
        c.flows[0].steps[0].assign.insert("name".into(), "result.name".into());
        assert!(c.check().unwrap_err().contains("FLOW.x"));
        c.flows[0].steps[0].assign.clear();
        c.flows[0].steps[0].end = true;
        assert!(c.check().unwrap_err().contains("exactly one"));
        c.flows[0].steps[0].end = false;
        c.interfaces[0].url = "https://crm.example.com".into();
        assert!(c.check().unwrap_err().contains("http://"));
    }
}
