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
        "dials the hotline 10086",
        "before sign-in: agents 1001 not signed in, 1002 not signed in; team 0 signed in",
        "queue \"General\": 1 waiting",
        "agent 1001 signed in",
        "AgentEvent_Ringing",
        "agent 1001 answers call",
        "1001 talking: agents 1001 talking",
        "puts the customer on hold",
        "AgentEvent_Hold",
        "takes the call back",
        "agent 1002 signed in",
        "transfers call",
        "(transferred by 1001)",
        "agent 1002 answers call",
        "after the transfer: agents 1001 idle, 1002 talking",
        "agent 1002 hangs up",
        "call over: agents 1001 idle, 1002 idle",
        "20 numbers added to the running campaign \"spring sale\"",
        "dialed 20 numbers: 14 answered, 6 failed",
        "robot says \"We are open",
        "asks for an agent",
        "answers chat",
        "agent says \"Hi, this is agent 1001",
        "opens the web chat (ChatSession)",
        "sends receipt.jpg (2052 bytes): uploaded to the media cache as",
        "AgentEvent_MessageData a file: IMAGE",
        "to disk: 2052 bytes, identical to what the customer sent",
        "sends opening-hours.pdf (4105 bytes) as media cache file",
        "agent sends a file (DOCUMENT, media cache id",
        "4105 bytes, identical to what the agent sent",
        "AgentEvent_MessageData \"thanks, that is all\"",
        "closes the chat",
        "The agent has left the chat",
        "chatbot (C3 token) answers",
        "CDR-ready notice names",
        "call.csv has 5 rows for 2 calls",
        "3 rows for call",
        "agents [\"1001\", \"1002\"]",
        "recording of call",
        "bytes, WAV,",
        "agents 1001 and 1002 signed out",
        "done in",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in:\n{stdout}");
    }
}

#[test]
fn demo_prints_one_json_object_per_step() {
    let out = cec(&["demo", "--output", "json", "--seed", "42"], &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{}", text(&out.stderr));
    let steps: Vec<serde_json::Value> =
        stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    for s in &steps {
        assert!(s["t"].is_number() && s["actor"].is_string() && s["step"].is_string() && s["data"].is_object(), "{s}");
    }
    let find = |actor: &str, step: &str| {
        steps
            .iter()
            .find(|s| s["actor"] == actor && s["step"] == step)
            .unwrap_or_else(|| panic!("no {actor}/{step} in:\n{stdout}"))
    };
    let call = find("customer", "call")["data"]["call"].clone();
    assert_eq!(find("agent 1001", "transfer")["data"]["to"], "1002");
    assert_eq!(find("agent 1002", "answer")["data"]["call"], call);
    let results = &find("isales", "results")["data"];
    assert_eq!(
        (results["dialed"].as_u64(), results["answered"].as_u64(), results["failed"].as_u64()),
        (Some(20), Some(14), Some(6))
    );
    assert!(steps.iter().any(|s| s["actor"] == "supervisor" && s["data"]["agents"]["1002"] == "talking"));
    assert_eq!(find("fs", "cdrs")["data"]["rows"], 5);
    assert_eq!(find("fs", "recording")["data"]["call"], call);
    assert!(find("fs", "recording")["data"]["durationMs"].as_u64() > Some(0));
    assert_eq!(find("agent 1001", "download-file")["data"]["identical"], true);
    assert_eq!(find("customer", "download-file")["data"]["identical"], true);
    assert_eq!(find("customer", "download-file")["data"]["id"], find("agent 1001", "send-file")["data"]["id"]);
    assert!(find("demo", "done")["data"]["seconds"].is_number());
    assert_eq!(steps.last().map(|s| s["step"].clone()), Some("done".into()));
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

    // An unknown body field is refused naming the nearest documented one; nothing is sent.
    let out = run(s(&["cms", "health.ping", "--body", r#"{"sya":"hi"}"#]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("`sya`") && err.contains("did you mean `say`?") && err.contains("--extra-field"), "{err}");
    // A value of the wrong type names its path.
    let out = run(s(&["cms", "health.ping", "--body", r#"{"say":5}"#]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("`say`") && err.contains("expected a string, got an integer"), "{err}");
    // The explicit pass-through reaches the NE (health.ping echoes the body it got).
    let out = run(
        s(&["cms", "health.ping", "--body", r#"{"say":"hi"}"#, "--extra-field", r#"note="from the reference""#]),
        env.clone(),
    )
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["request"]["say"].as_str(), v["request"]["note"].as_str()), (Some("hi"), Some("from the reference")));
    // A repeated parameter is refused, never reduced to one value.
    let out = run(s(&["fs", "ccfs.playVoice", "--query", "t=1", "--query", "t=2"]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("`t` is given twice"), "{}", text(&out.stderr));
    // A misspelt parameter name gets the nearest one.
    let out = run(s(&["fs", "ccfs.playVoice", "--query", "versoin=2"]), env.clone()).await.unwrap();
    assert!(text(&out.stderr).contains("did you mean `version`?"), "{}", text(&out.stderr));

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

/// Runs `cec args`, reads one line of its output, closes the pipe and waits.
fn first_line_then_close(args: &[&str]) -> (String, std::process::ExitStatus, String) {
    use std::io::{BufRead, Read};
    let mut child = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(args)
        .env_remove("CEC_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    {
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        out.read_line(&mut line).unwrap();
        // `out` is dropped here: the reader has gone, like `| head -1`.
    }
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (line, child.wait().unwrap(), err)
}

#[test]
fn a_closed_pipe_ends_commands_without_a_panic() {
    for args in [&["ops"][..], &["demo", "--output", "json"][..]] {
        let (line, status, err) = first_line_then_close(args);
        assert!(!line.is_empty(), "{args:?}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(status.success(), "{args:?}: {status} {err}");
    }
}
