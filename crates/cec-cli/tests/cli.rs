//! End to end: the `cec` binary against the simulator.
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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn demo_tells_the_whole_story() {
    let out = cec(&["demo"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));
    for expected in [
        "agent 1001 signed in",
        "AgentEvent_Ringing",
        "answers call",
        "supervisor sees agent 1001: talking",
        "AgentEvent_Call_Release",
        "supervisor sees agent 1001: idle",
        "recording of call",
        "WAV",
        "lists 2 agents",
        "chatbot (C3 token) greets",
        "campaign \"spring sale\" paused",
        "agent 1001 signed out",
        "done",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

fn empty_config() -> String {
    let p = std::env::temp_dir().join(format!("cec-cli-empty-{}.toml", std::process::id()));
    std::fs::write(&p, "").unwrap();
    p.display().to_string()
}

fn sim_env(endpoint: &str, sc: &cec_sim::Scenario) -> Vec<(&'static str, String)> {
    vec![
        ("CEC_CMS_ENDPOINT", endpoint.to_owned()),
        ("CEC_CMS_AK", sc.ak.clone()),
        ("CEC_CMS_SK", sc.sk.clone()),
        ("CEC_FS_ENDPOINT", endpoint.to_owned()),
        ("CEC_FS_AK", sc.ak.clone()),
        ("CEC_FS_SK", sc.sk.clone()),
        ("CEC_GATEWAY_ENDPOINT", endpoint.to_owned()),
        ("CEC_CONFIG", empty_config()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generic_operations_against_the_simulator() {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let endpoint = sim.endpoint();
    // A config file with a profile; the environment overrides nothing here but the path.
    let dir = std::env::temp_dir().join(format!("cec-cli-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[profiles.lab.cms]\nendpoint = \"{endpoint}\"\nak = \"{}\"\nsk = \"{}\"\n[profiles.lab.gateway]\nendpoint = \"{endpoint}\"\n",
            sc.ak, sc.sk
        ),
    )
    .unwrap();
    let cfg_s = cfg.display().to_string();
    let env = sim_env(&endpoint, &sc);

    let run = move |args: Vec<String>, env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cec(&a, &env)
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    // CMS ping through a profile of the config file.
    let out =
        run(s(&["--config", &cfg_s, "--profile", "lab", "cms", "health.ping", "--body", r#"{"say":"hi"}"#]), vec![])
            .await
            .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "UP");
    assert_eq!(v["request"]["say"], "hi");

    // Sign an agent in through environment variables, table output.
    let body = format!(r#"{{"password":"{}","phonenum":"{}"}}"#, sc.agents[0].password, sc.agents[0].phone);
    let out = run(
        s(&["gateway", "onlineagent.login", "--path", "agentid=1001", "--body", &body, "--output", "table"]),
        env.clone(),
    )
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.contains("retcode") && t.contains("AgentGateway"), "{t}");
    assert!(sim.agent("1001").unwrap().signed_in);

    // A documented constraint is checked before anything is sent.
    let out =
        run(s(&["gateway", "onlineagent.login", "--path", "agentid=99", "--body", &body]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("agentid") && err.contains("101..=999999"), "{err}");

    // Unknown parameters are refused with the list of known ones.
    let out = run(s(&["cms", "health.ping", "--query", "x=1"]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no query parameter"));

    // A wrong SK is an authentication error (HTTP 401 from the simulator).
    let mut bad = env.clone();
    bad.push(("CEC_CMS_SK", "wrong".into()));
    let out = run(s(&["cms", "health.ping", "--body", "{}"]), bad).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("HTTP 401"), "{}", text(&out.stderr));

    // Operations listing.
    let out = run(s(&["ops", "fs"]), vec![]).await.unwrap();
    assert!(text(&out.stdout).contains("ccfs.downloadRecord"));
    sim.shutdown().await;
}

#[test]
fn sim_refuses_a_non_loopback_address() {
    let out = cec(&["sim", "--listen", "0.0.0.0:0"], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("loopback"), "{}", text(&out.stderr));
}

#[test]
fn sim_names_the_unknown_key_of_a_scenario_file() {
    let p = std::env::temp_dir().join(format!("cec-cli-bad-scenario-{}.toml", std::process::id()));
    std::fs::write(&p, "ak = \"x\"\nsk_typo = \"y\"\n").unwrap();
    let out = cec(&["sim", "--listen", "127.0.0.1:0", "--scenario", p.to_str().unwrap()], &[]);
    let _ = std::fs::remove_file(&p);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("sk_typo") && err.contains("cec-cli-bad-scenario"), "{err}");
}

#[test]
fn sim_prints_its_endpoint_and_credentials_as_json() {
    use std::io::BufRead;
    let p = std::env::temp_dir().join(format!("cec-cli-scenario-{}.toml", std::process::id()));
    std::fs::write(&p, "ak = \"file-ak\"\n[[faults]]\nne = \"cms\"\nkind = \"http_error\"\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["sim", "--listen", "127.0.0.1:0", "--seed", "7", "--output", "json", "--scenario"])
        .arg(&p)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run cec sim");
    // The JSON document is pretty-printed: read up to its closing brace.
    let mut doc = String::new();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let end = line == "}";
        doc.push_str(&line);
        doc.push('\n');
        if end {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&p);
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
    assert!(v["endpoint"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{v}");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["scenario"]["ak"], "file-ak");
    assert_eq!(v["scenario"]["agents"][0]["password"], "sim-pass-1001");
    assert_eq!(v["scenario"]["faults"][0]["kind"], "http_error");
}
