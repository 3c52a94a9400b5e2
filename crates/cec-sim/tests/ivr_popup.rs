//! The IVR Interface Invoking element against a business interface on
//! loopback (a hand-written axum server here, so the simulator's side is
//! checked apart from cec-workbench's receiver), and the screen pop-up loads
//! of ringing calls.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::routing::post;
use cec_sim::{
    BusinessInterface, IvrBranch, IvrConfig, IvrFlow, IvrStep, PopupConfig, PopupMode, Scenario, SimConfig, Simulator,
};
use common::{fast, http, send, signed_in_gateway, start, wait_event};
use serde_json::{Map, Value, json};

/// A business interface: `/lookup` knows one caller; `/broken` fails; `/text`
/// answers text; `/array` a JSON array; `/slow` answers after 2 s.
async fn interface() -> SocketAddr {
    let app = axum::Router::new()
        .route(
            "/lookup",
            post(|Json(req): Json<Value>| async move {
                if req["caller"] == "13800000001" {
                    Json(json!({"returnCode": "0", "result": {"name": format!("Alice ({})", req["lang"].as_str().unwrap_or("?")), "level": "gold"}}))
                } else {
                    Json(json!({"returnCode": "1", "message": "unknown caller"}))
                }
            }),
        )
        .route("/broken", post(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "boom") }))
        .route("/text", post(|| async { "not json" }))
        .route("/array", post(|| async { Json(json!([1, 2])) }))
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(2)).await;
                Json(json!({}))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn iface(name: &str, url: String, body: &str, timeout_ms: u64) -> BusinessInterface {
    BusinessInterface {
        name: name.into(),
        url,
        method: "POST".into(),
        body: body.into(),
        timeout_ms,
        headers: BTreeMap::new(),
    }
}

fn invoke(id: &str, interface: &str) -> IvrStep {
    IvrStep { id: id.into(), invoke: Some(interface.into()), ..Default::default() }
}

fn scenario(addr: SocketAddr) -> Scenario {
    let base = format!("http://{addr}");
    let lookup = IvrStep {
        assign: [
            ("FLOW.name".to_owned(), "result.name".to_owned()),
            ("GLOBAL.level".to_owned(), "result.level".to_owned()),
            ("FLOW.code".to_owned(), "returnCode".to_owned()),
            ("FLOW.nope".to_owned(), "result.nope".to_owned()),
        ]
        .into(),
        branches: vec![IvrBranch { var: "FLOW.code".into(), equals: "0".into(), goto: "vip".into() }],
        ..invoke("lookup", "lookup")
    };
    let end = |id: &str| IvrStep { id: id.into(), end: true, ..Default::default() };
    Scenario {
        ivr: IvrConfig {
            interfaces: vec![
                iface("lookup", format!("{base}/lookup"), r#"{"caller":"${SYS.caller}","lang":"${FLOW.lang}"}"#, 3000),
                iface("broken", format!("{base}/broken"), "", 3000),
                iface("text", format!("{base}/text"), "", 3000),
                iface("array", format!("{base}/array"), "", 3000),
                iface("slow", format!("{base}/slow"), "", 200),
                iface("bad-template", format!("{base}/lookup"), r#"{"x":"${FLOW.undefined}"}"#, 3000),
            ],
            flows: vec![
                IvrFlow {
                    id: "1001".into(),
                    steps: vec![lookup, end("bye"), IvrStep { id: "vip".into(), queue: Some(1), ..Default::default() }],
                },
                IvrFlow {
                    id: "errors".into(),
                    steps: vec![
                        IvrStep { on_error: Some("text".into()), ..invoke("broken", "broken") },
                        IvrStep { on_error: Some("array".into()), ..invoke("text", "text") },
                        IvrStep { on_error: Some("slow".into()), ..invoke("array", "array") },
                        invoke("slow", "slow"),
                    ],
                },
                IvrFlow { id: "inner".into(), steps: vec![invoke("t", "bad-template")] },
            ],
            globals: [("level".to_owned(), json!("none"))].into(),
        },
        popup: Some(PopupConfig { url: "http://127.0.0.1:8044/pop?page=crm".into(), mode: PopupMode::Get }),
        ..Scenario::default()
    }
}

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interface_invoking_element_maps_the_answer_and_the_call_pops_up() {
    let addr = interface().await;
    let sim = start(SimConfig { scenario: scenario(addr), ..fast() }).await;

    let run = sim.run_ivr("1001", "13800000001", &vars(json!({"FLOW.lang": "en"}))).await.unwrap();
    assert_eq!(run.outcome, "queued", "{run:#?}");
    assert_eq!(run.called, "10087", "the access code that leads to the flow");
    assert_eq!(run.flow_vars["name"], "Alice (en)");
    assert_eq!(run.flow_vars["code"], "0");
    assert!(!run.flow_vars.contains_key("nope"));
    assert_eq!(run.global_vars["level"], "gold");
    let step = &run.steps[0];
    assert_eq!(step.request, Some(json!({"caller": "13800000001", "lang": "en"})));
    assert_eq!(step.status, Some(200));
    assert_eq!(step.missing, vec!["result.nope".to_owned()]);
    assert_eq!(step.branch.as_deref(), Some("FLOW.code == 0"));
    let call = run.queued_call.clone().unwrap();

    // Another caller: returnCode 1, no branch matches, the following step ends the call.
    let other = sim.run_ivr("1001", "13900000002", &vars(json!({"FLOW.lang": "de"}))).await.unwrap();
    assert_eq!(other.outcome, "ended");
    assert_eq!(other.flow_vars["code"], "1");
    assert_eq!(other.global_vars["level"], "none", "GLOBAL starts from the declared value");
    assert_eq!(other.steps.iter().map(|s| s.step.as_str()).collect::<Vec<_>>(), ["lookup", "bye"]);

    // The runs are in the state dump.
    let state = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await.json;
    let runs = state["ivr"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["flow_vars"]["name"], "Alice (en)");
    assert_eq!(runs[0]["queued_call"], json!(call));

    // The queued call rings agent 1001 once it is ready; the pop-up carries the call's data.
    let gw = signed_in_gateway(&sim, 0).await;
    gw.onlineagent_resetskill().agentid("1001").autoflag(true).send().await.unwrap();
    let ringing = wait_event(&gw, "1001", "AgentEvent_Ringing", Duration::from_secs(3)).await;
    assert_eq!(ringing["callid"], json!(call));
    let loads = sim.popup_loads();
    assert_eq!(loads.len(), 1, "{loads:?}");
    let load = &loads[0];
    assert_eq!((load.agent.as_str(), load.call_id.as_str(), load.method), ("1001", call.as_str(), "GET"));
    assert!(load.url.starts_with("http://127.0.0.1:8044/pop?page=crm&"), "{}", load.url);
    let q = query_of(&load.url);
    let want = [
        ("page", "crm"),
        ("callerNum", "13800000001"),
        ("calledNum", "10086"),
        ("callid", call.as_str()),
        ("mediaType", "1"),
        ("callType", "0"),
        ("workNo", "1001"),
        ("callskill", "General"),
        ("callskillid", "1"),
        ("agentName", "1001"),
    ];
    for (k, v) in want {
        assert_eq!(q.get(k).map(String::as_str), Some(v), "{k} in {}", load.url);
    }
    assert_eq!(q["origin"], sim.endpoint());
    let listed = send(http().get(format!("{}/__sim/popups", sim.endpoint()))).await.json;
    assert_eq!(listed["popups"][0]["url"], json!(load.url));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_calls_take_the_error_branches() {
    let addr = interface().await;
    let sim = start(SimConfig { scenario: scenario(addr), ..fast() }).await;
    let run = sim.run_ivr("errors", "13800000001", &Map::new()).await.unwrap();
    assert_eq!(run.outcome, "exception", "no on_error on the last step: the exception handling");
    let got: Vec<(&str, Option<&str>, Option<u16>)> =
        run.steps.iter().map(|s| (s.step.as_str(), s.branch.as_deref(), s.status)).collect();
    assert_eq!(
        got,
        [
            ("broken", Some("SYSERROR_INTERFACE"), Some(500)),
            ("text", Some("SYSERROR_INTERFACE"), Some(200)),
            ("array", Some("SYSERROR_INTERFACE"), Some(200)),
            ("slow", Some("SYSERROR_INTERFACE"), None),
        ]
    );
    assert!(run.steps[2].error.as_deref().unwrap().contains("JSON object"));
    assert!(run.steps[3].error.as_deref().unwrap().contains("failed"), "{:?}", run.steps[3].error);

    let inner = sim.run_ivr("inner", "1", &Map::new()).await.unwrap();
    assert_eq!(inner.steps[0].branch.as_deref(), Some("SYSERROR_INNER"));
    assert!(inner.steps[0].error.as_deref().unwrap().contains("FLOW.undefined"));
    assert_eq!(inner.steps[0].status, None, "nothing was sent");

    assert!(sim.run_ivr("nope", "1", &Map::new()).await.unwrap_err().contains("nope"));
    assert!(sim.run_ivr("1001", "1", &vars(json!({"lang": "x"}))).await.is_err(), "variables carry their scope");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_admin_endpoint_runs_a_flow_by_access_code() {
    let addr = interface().await;
    let sim = start(SimConfig { scenario: scenario(addr), ..fast() }).await;
    let url = format!("{}/__sim/ivr-calls", sim.endpoint());
    let r = send(http().post(&url).body(r#"{"access_code":"10087","caller":"13800000001","vars":{"FLOW.lang":"fr"}}"#))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["flow"], "1001");
    assert_eq!(r.json["flow_vars"]["name"], "Alice (fr)");
    assert_eq!(send(http().post(&url).body(r#"{"access_code":"10086"}"#)).await.status, 404);
    assert_eq!(send(http().post(&url).body(r#"{"flow":"none"}"#)).await.status, 404);
    assert_eq!(send(http().post(&url).body("{")).await.status, 400);
    sim.shutdown().await;
}

#[tokio::test]
async fn post_mode_and_no_popup_configured() {
    let sim = start(SimConfig {
        scenario: Scenario {
            popup: Some(PopupConfig { url: "http://127.0.0.1:8044/".into(), mode: PopupMode::Post }),
            ..Scenario::default()
        },
        ..fast()
    })
    .await;
    let gw = signed_in_gateway(&sim, 1).await;
    let _ = gw;
    sim.inject_call("1002", "13700000003").unwrap();
    let loads = sim.popup_loads();
    assert_eq!(loads.len(), 1);
    assert_eq!((loads[0].method, loads[0].url.as_str()), ("POST", "http://127.0.0.1:8044/"));
    let form = loads[0].form.as_deref().unwrap();
    assert!(
        form.contains("callerNum=13700000003") && form.contains("workNo=1002") && !form.contains("callskill"),
        "{form}"
    );
    sim.shutdown().await;

    let plain: Simulator = start(fast()).await;
    assert!(plain.popup_loads().is_empty());
    plain.shutdown().await;
}

#[test]
fn scenario_files_carry_ivr_flows_and_the_popup() {
    let text = r#"
        [popup]
        url = "http://127.0.0.1:8044/"
        mode = "post"

        [ivr.globals]
        level = "none"

        [[ivr.interfaces]]
        name = "crm"
        url = "http://127.0.0.1:9000/ivr/lookup"
        body = '{"caller": "${SYS.caller}"}'

        [[ivr.flows]]
        id = "1001"
        [[ivr.flows.steps]]
        id = "lookup"
        invoke = "crm"
        assign = { "FLOW.name" = "result.name" }
        branches = [{ var = "FLOW.name", equals = "", goto = "bye" }]
        on_error = "bye"
        [[ivr.flows.steps]]
        id = "queue"
        queue = 1
        [[ivr.flows.steps]]
        id = "bye"
        end = true
    "#;
    let sc = Scenario::from_toml(text).unwrap();
    assert_eq!(sc.popup.as_ref().unwrap().mode, PopupMode::Post);
    assert_eq!(sc.ivr.flows[0].steps.len(), 3);
    assert_eq!(sc.ivr.interfaces[0].method, "POST");
    assert_eq!(Scenario::from_toml(&sc.to_toml().unwrap()).unwrap(), sc);
    let broken = text.replace("on_error = \"bye\"", "on_error = \"nowhere\"");
    assert!(Scenario::from_toml(&broken).unwrap_err().to_string().contains("nowhere"));
    let typo = text.replace("invoke = \"crm\"", "invok = \"crm\"");
    assert!(Scenario::from_toml(&typo).unwrap_err().to_string().contains("invok"));
}
