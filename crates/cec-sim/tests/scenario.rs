//! Scenario files (TOML) and the fault admin endpoints over plain HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cec_auth::{AkSkSigner, C2Auth};
use cec_sim::{Fault, FaultKind, Scenario, SimConfig, Target};
use common::{config, fast, http, send, start};
use serde_json::json;

const DEFAULT_TOML: &str = include_str!("../../../scenarios/default.toml");

#[test]
fn the_shipped_default_toml_is_the_default_scenario() {
    assert_eq!(Scenario::from_toml(DEFAULT_TOML).unwrap(), Scenario::default());
}

#[test]
fn a_scenario_round_trips_through_toml() {
    let sc = Scenario {
        faults: vec![
            Fault::reset(1 << 20).on("ccfs.downloadRecord").times(2),
            Fault::http_error(502).on_ne("cms"),
            Fault::latency(std::time::Duration::from_millis(250)),
            Fault::throttle(3).on("agentevent.poll").times(1),
            Fault::slow_body(4096).on("ccfs.downloadRecord"),
            Fault::malformed_json().on_ne("isales"),
            Fault::expired_credential().on_ne("oiap").times(1),
            Fault::truncate(100).with_delay(std::time::Duration::from_millis(5)),
        ],
        ..Default::default()
    };
    let text = sc.to_toml().unwrap();
    assert_eq!(Scenario::from_toml(&text).unwrap(), sc, "{text}");
}

#[test]
fn missing_sections_keep_their_defaults() {
    let sc = Scenario::from_toml("ak = \"my-ak\"\n").unwrap();
    assert_eq!(sc.ak, "my-ak");
    assert_eq!(sc.agents, Scenario::default().agents);
    assert_eq!(sc.campaigns, Scenario::default().campaigns);
    assert!(sc.faults.is_empty());
    let empty = Scenario::from_toml("").unwrap();
    assert_eq!(empty, Scenario::default());
}

#[test]
fn a_given_list_replaces_the_default_list() {
    let sc = Scenario::from_toml(
        r#"
        [[agents]]
        id = "2001"
        password = "p"
        phone = "71001"
        "#,
    )
    .unwrap();
    assert_eq!(sc.agents.len(), 1);
    assert_eq!(sc.agents[0].id, "2001");
    assert!(sc.agents[0].skills.is_empty(), "skills are optional");
}

#[test]
fn unknown_keys_are_errors_that_name_the_key() {
    let e = Scenario::from_toml("ak = \"x\"\nsecret_sauce = 1\n").unwrap_err().to_string();
    assert!(e.contains("secret_sauce"), "{e}");
    let e = Scenario::from_toml("[[agents]]\nid = \"1001\"\npassword = \"p\"\nphone = \"1\"\npin = 3\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("pin"), "{e}");
    let e = Scenario::from_toml("[[faults]]\nkind = \"reset\"\nafter = 10\n").unwrap_err().to_string();
    assert!(e.contains("after"), "{e}");
}

#[test]
fn invalid_faults_are_explained() {
    let cases = [
        ("kind = \"explode\"", "unknown fault kind `explode`"),
        ("kind = \"reset\"\ninterface = \"ccfs.nothing\"", "no interface `ccfs.nothing`"),
        ("kind = \"reset\"\nne = \"pbx\"", "unknown NE `pbx`"),
        ("kind = \"http_error\"\nstatus = 200", "not an HTTP error"),
        ("kind = \"reset\"\nstatus = 503", "`status` does not apply to kind `reset`"),
        ("kind = \"slow_body\"", "needs bytes_per_sec"),
        ("kind = \"latency\"", "needs latency_ms"),
        ("kind = \"reset\"\ncount = 0", "count must be at least 1"),
        ("kind = \"reset\"\nne = \"fs\"\ninterface = \"ccfs.downloadRecord\"", "not both"),
    ];
    for (body, want) in cases {
        let e = Scenario::from_toml(&format!("[[faults]]\n{body}\n")).unwrap_err().to_string();
        assert!(e.contains(want), "{body}: {e}");
    }
    let e = Scenario::from_toml("[[agents]]\nid = \"12\"\npassword = \"p\"\nphone = \"1\"\n").unwrap_err();
    assert!(e.to_string().contains("101..=999999"), "{e}");
}

#[test]
fn a_fault_parses_with_its_defaults() {
    let sc = Scenario::from_toml("[[faults]]\nkind = \"http_error\"\ninterface = \"voicecall.answer\"\n").unwrap();
    let f = &sc.faults[0];
    assert_eq!(f.kind, FaultKind::HttpError { status: 503 });
    assert_eq!(f.target, Target::Interface("voicecall.answer".into()));
    assert_eq!(f.count, None, "unlimited");
}

#[test]
fn load_names_the_file() {
    let e = Scenario::load("/nonexistent/cec-sim/scenario.toml").unwrap_err().to_string();
    assert!(e.contains("/nonexistent/cec-sim/scenario.toml"), "{e}");
}

#[tokio::test]
async fn a_scenario_file_sets_credentials_agents_and_faults() {
    let sc = Scenario::from_toml(
        r#"
        ak = "file-ak"
        sk = "file-sk"

        [[agents]]
        id = "3001"
        password = "pw-3001"
        phone = "73001"
        skills = [7]

        [[faults]]
        ne = "cms"
        kind = "http_error"
        status = 502
        count = 1
        "#,
    )
    .unwrap();
    let sim = start(SimConfig { scenario: sc, ..fast() }).await;
    let r = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await;
    assert_eq!(r.json["agents"][0]["id"], "3001");
    let cms =
        cec_cms::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new("file-ak", "file-sk").unwrap())).unwrap();
    let ping = || cms.health_ping().body(Default::default()).send();
    let e = ping().await.unwrap_err();
    assert_eq!(e.status(), Some(502), "the file's fault applies first: {e}");
    ping().await.expect("the file's AK/SK sign");
    let wrong =
        cec_cms::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new("sim-ak", "sim-sk-0123456789").unwrap()))
            .unwrap();
    assert_eq!(wrong.health_ping().body(Default::default()).send().await.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn a_simulator_with_an_invalid_fault_does_not_start() {
    let mut sc = Scenario::default();
    sc.faults.push(Fault::http_error(503).on("no.such.interface"));
    let e = cec_sim::Simulator::start(SimConfig { scenario: sc, ..fast() }).await.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    assert!(e.to_string().contains("no.such.interface"), "{e}");
}

#[tokio::test]
async fn faults_are_added_listed_and_cleared_over_http() {
    let sim = start(fast()).await;
    let url = format!("{}/__sim/faults", sim.endpoint());
    let r = send(http().post(&url).body(
        json!({"interface": "ccfs.downloadRecord", "kind": "reset", "after_bytes": 1_048_576, "count": 2}).to_string(),
    ))
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert_eq!(r.json["ids"], json!([1]));
    let r = send(http().post(&url).body(
        json!([{"ne": "cms", "kind": "throttle", "retry_after": 2}, {"kind": "latency", "latency_ms": 5}]).to_string(),
    ))
    .await;
    assert_eq!(r.json["ids"], json!([2, 3]));

    let list = send(http().get(&url)).await.json;
    let faults = list["faults"].as_array().unwrap();
    assert_eq!(faults.len(), 3);
    assert_eq!(faults[0]["interface"], "ccfs.downloadRecord");
    assert_eq!(faults[0]["after_bytes"], 1_048_576);
    assert_eq!(faults[0]["remaining"], 2);
    assert_eq!(faults[1]["remaining"], json!(null), "unlimited");
    assert_eq!(faults[1]["retry_after"], 2);
    assert_eq!(faults[2]["kind"], "latency");

    // A raw request meets the throttle (and counts as a hit).
    let ping = send(http().post(format!("{}/rest/cmsapp/v1/ping", sim.endpoint())).body("{}")).await;
    assert_eq!(ping.status, 429, "{:?}", ping.json);
    assert_eq!(ping.header("retry-after"), Some("2"));
    let faults = send(http().get(&url)).await.json;
    let hits: Vec<u64> = faults["faults"].as_array().unwrap().iter().map(|f| f["hits"].as_u64().unwrap()).collect();
    assert_eq!(hits, [0, 1, 1], "the throttle applies, and the latency adds to it");

    // Invalid faults are refused with the reason, and nothing is added.
    let r =
        send(http().post(&url).body(json!([{"kind": "latency", "latency_ms": 1}, {"kind": "boom"}]).to_string())).await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().unwrap().contains("boom"), "{:?}", r.json);
    let r = send(http().post(&url).body(json!({"kind": "reset", "colour": "red"}).to_string())).await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().unwrap().contains("colour"), "{:?}", r.json);
    assert_eq!(sim.faults().len(), 3);

    let r = send(http().delete(&url)).await;
    assert_eq!(r.json["cleared"], 3);
    assert_eq!(send(http().get(&url)).await.json["faults"], json!([]));
}

#[tokio::test]
async fn a_reset_reaches_a_plain_http_client_as_a_broken_connection() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::reset(0).times(1)).unwrap();
    let r = http().get(format!("{}/apiaccess/CC-Mangemant/v1/queryAgentInfo", sim.endpoint())).send().await;
    assert!(r.is_err(), "{r:?}");
    // Used up: the next request is answered (401, no token).
    let r = send(http().get(format!("{}/apiaccess/CC-Mangemant/v1/queryAgentInfo", sim.endpoint()))).await;
    assert_eq!(r.status, 401);
}

const BUSY_DAY_TOML: &str = include_str!("../../../scenarios/busy-day.toml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_busy_day_has_a_day_of_finished_calls_before_the_start() {
    let sc = Scenario::from_toml(BUSY_DAY_TOML).unwrap();
    // The default tenant and credentials.
    let d = Scenario::default();
    assert_eq!((&sc.ak, &sc.sk, &sc.agents, sc.cc_id), (&d.ak, &d.sk, &d.agents, d.cc_id));
    let sim = start(SimConfig { scenario: sc, ..fast() }).await;
    let start_ms = sim.now_ms();
    assert_eq!(start_ms, cec_sim::parse_clock("2026-03-02T00:00:00Z").unwrap());
    let records = sim.call_records();
    assert!(records.len() >= 200, "{}", records.len());
    let day = start_ms - 86_400_000;
    for r in &records {
        let (q, rel) = (r.queued_ms.unwrap(), r.released_ms.unwrap());
        assert!(day <= q && q < rel && rel < start_ms + 3_600_000, "{r:?}");
    }
    let abandoned = records.iter().filter(|r| r.answered_ms.is_none()).count();
    let transferred = records.iter().filter(|r| r.legs.len() == 2).count();
    assert!(abandoned >= 10 && transferred >= 10, "abandoned {abandoned}, transferred {transferred}");
    let state = send(http().get(format!("{}/__sim/state", sim.endpoint()))).await.json;
    assert_eq!(state["recordings"].as_array().unwrap().len(), records.len() - abandoned);
    // The pinned clock stands still until advanced, over HTTP too.
    let url = format!("{}/__sim/clock", sim.endpoint());
    let body = json!({"advance_ms": 1500}).to_string();
    let c = send(http().post(&url).header("content-type", "application/json").body(body)).await.json;
    assert_eq!((c["now_ms"].as_u64(), c["pinned"].as_bool()), (Some(start_ms + 1500), Some(true)));
    assert_eq!(sim.now_ms(), start_ms + 1500);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_and_clock_generate_the_same_history_and_a_free_clock_cannot_be_advanced() {
    let sc = Scenario::from_toml(BUSY_DAY_TOML).unwrap();
    let a = start(SimConfig { scenario: sc.clone(), ..fast() }).await;
    let b = start(SimConfig { scenario: sc.clone(), ..fast() }).await;
    let c = start(SimConfig { scenario: sc, seed: 7, ..fast() }).await;
    assert_eq!(a.call_records(), b.call_records());
    assert_ne!(a.call_records(), c.call_records());
    let free = start(fast()).await;
    assert_eq!(free.advance_clock(std::time::Duration::from_secs(1)), None);
    let url = format!("{}/__sim/clock", free.endpoint());
    let r = send(http().post(url).header("content-type", "application/json").body("{\"advance_ms\":1}")).await;
    assert_eq!(r.status, 409);
    for s in [a, b, c, free] {
        s.shutdown().await;
    }
}

#[test]
fn a_bad_clock_or_history_is_an_error_naming_the_key() {
    let e = Scenario::from_toml("clock = \"yesterday\"\n").unwrap_err().to_string();
    assert!(e.contains("clock"), "{e}");
    let e = Scenario::from_toml("[history]\nhours = 0\n").unwrap_err().to_string();
    assert!(e.contains("history.hours"), "{e}");
}
