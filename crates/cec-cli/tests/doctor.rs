//! `cec doctor` end to end against the simulator: every NE of the profile
//! checked, every C2 dialect reported, and the advice right when the NE
//! accepts only one dialect or refuses the key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn cec(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cec"));
    c.args(args).env_remove("CEC_CONFIG").env_remove("CEC_PROFILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run cec")
}

fn empty_config(tag: &str) -> String {
    let p = std::env::temp_dir().join(format!("cec-doctor-{tag}-{}.toml", std::process::id()));
    std::fs::write(&p, "").unwrap();
    p.display().to_string()
}

fn env_for(endpoint: &str, sc: &cec_sim::Scenario, sk: &str, tag: &str) -> Vec<(&'static str, String)> {
    let mut env = vec![("CEC_CONFIG", empty_config(tag))];
    for ne in ["CMS", "ISALES", "FS"] {
        let k = |s: &str| -> &'static str { Box::leak(format!("CEC_{ne}_{s}").into_boxed_str()) };
        env.push((k("ENDPOINT"), endpoint.to_owned()));
        env.push((k("AK"), sc.ak.clone()));
        env.push((k("SK"), sk.to_owned()));
    }
    env.extend([
        ("CEC_GATEWAY_ENDPOINT", endpoint.to_owned()),
        ("CEC_APIFABRIC_ENDPOINT", endpoint.to_owned()),
        ("CEC_APIFABRIC_APP_KEY", sc.app_key.clone()),
        ("CEC_APIFABRIC_APP_SECRET", sc.app_secret.clone()),
        ("CEC_OIAP_ENDPOINT", endpoint.to_owned()),
        ("CEC_OIAP_APP_KEY", sc.oiap_app_key.clone()),
        ("CEC_OIAP_APP_SECRET", sc.oiap_app_secret.clone()),
    ]);
    env
}

async fn sim(c2_accept: &[&str]) -> cec_sim::Simulator {
    let scenario =
        cec_sim::Scenario { c2_accept: c2_accept.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await.unwrap()
}

fn reports(out: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn by_ne<'a>(r: &'a [serde_json::Value], ne: &str) -> &'a serde_json::Value {
    r.iter().find(|x| x["ne"] == ne).unwrap_or_else(|| panic!("no {ne} in {r:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_ne_and_every_c2_dialect_is_reported() {
    let sim = sim(&[]).await;
    let sc = sim.scenario();
    let out = cec(&["doctor", "--output", "json"], &env_for(&sim.endpoint(), &sc, &sc.sk, "all"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r = reports(&out);
    assert_eq!(r.len(), 6, "{r:?}");
    for ne in ["gateway", "apifabric", "oiap", "cms", "isales", "fs"] {
        let x = by_ne(&r, ne);
        assert_eq!(x["tcp"]["status"], "ok", "{x}");
        assert_eq!(x["tls"]["status"], "warn", "plain http is a warning: {x}");
    }
    let cms = by_ne(&r, "cms");
    let dialects = cms["dialects"].as_array().unwrap();
    assert_eq!(dialects.len(), 6);
    assert!(dialects.iter().all(|d| d["accepted"] == true), "{cms}");
    assert!(cms["clock_offset_s"].as_i64().unwrap().abs() <= 2, "{cms}");
    for ne in ["isales", "fs", "apifabric", "oiap"] {
        assert_eq!(by_ne(&r, ne)["auth"]["status"], "ok", "{}", by_ne(&r, ne));
    }
    assert_eq!(by_ne(&r, "gateway")["auth"]["status"], "skip", "no agent is signed in");
    // The human form: one row per NE, then the dialects.
    let out = cec(&["doctor"], &env_for(&sim.endpoint(), &sc, &sc.sk, "all-text"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().starts_with("NE"), "{text}");
    assert!(text.contains("seconds/host") && text.contains("accepted"), "{text}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ne_that_accepts_one_dialect_gets_it_recommended() {
    let sim = sim(&["seconds/host"]).await;
    let sc = sim.scenario();
    let out = cec(&["doctor", "--output", "json"], &env_for(&sim.endpoint(), &sc, &sc.sk, "one"));
    let r = reports(&out);
    let cms = by_ne(&r, "cms");
    let accepted: Vec<&str> = cms["dialects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["accepted"] == true)
        .map(|d| d["dialect"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["seconds/host"]);
    let advice = cms["advice"].to_string();
    assert!(advice.contains(r#"c2_dialect = \"seconds/host\""#), "{advice}");
    // FS and iSales are probed in the dialect CMS accepted.
    assert_eq!(by_ne(&r, "fs")["auth"]["status"], "ok", "{}", by_ne(&r, "fs"));
    assert_eq!(by_ne(&r, "isales")["auth"]["status"], "ok");
    assert!(out.status.success());
    // With the dialect configured, the advice says it is accepted.
    let mut env = env_for(&sim.endpoint(), &sc, &sc.sk, "one-set");
    env.push(("CEC_CMS_C2_DIALECT", "seconds/host".into()));
    let r = reports(&cec(&["doctor", "--output", "json"], &env));
    assert!(by_ne(&r, "cms")["advice"].to_string().contains("(seconds/host) is accepted"));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_key_fails_every_dialect_and_the_exit_code() {
    let sim = sim(&[]).await;
    let sc = sim.scenario();
    let out = cec(&["doctor", "--output", "json"], &env_for(&sim.endpoint(), &sc, "wrong-sk", "bad"));
    assert!(!out.status.success());
    let r = reports(&out);
    let cms = by_ne(&r, "cms");
    assert_eq!(cms["auth"]["status"], "fail");
    assert!(cms["dialects"].as_array().unwrap().iter().all(|d| d["accepted"] == false && d["answer"] == "HTTP 401"));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("wrong-sk"), "the secret is never printed");
    assert_eq!(by_ne(&r, "fs")["auth"]["status"], "fail");
    sim.shutdown().await;
}

#[test]
fn an_unreachable_ne_is_reported_with_its_address() {
    // A port nothing listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let env = vec![("CEC_CONFIG", empty_config("down")), ("CEC_GATEWAY_ENDPOINT", format!("http://127.0.0.1:{port}"))];
    let out = cec(&["doctor", "--output", "json"], &env);
    assert!(!out.status.success());
    let r = reports(&out);
    let gw = by_ne(&r, "gateway");
    assert_eq!(gw["tcp"]["status"], "fail");
    assert!(gw["tcp"]["detail"].as_str().unwrap().contains(&format!("127.0.0.1:{port}")), "{gw}");
}
