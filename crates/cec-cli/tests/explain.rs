//! End to end: `cec` explains itself (issue 15) — per-operation help from the spec,
//! skeletons, `cec ops` search, `cec describe`, "did you mean", `--dry-run`, exit
//! codes per error class, `-v`, sessions across calls, completions, `cec sim --env`,
//! `cec configure` — against the simulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn cec_with(args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cec"));
    c.args(args).env_remove("CEC_CONFIG").env_remove("CEC_PROFILE").env_remove("CEC_SESSION_DIR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("run cec");
    if let Some(text) = stdin {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn cec(args: &[&str], env: &[(&str, String)]) -> Output {
    cec_with(args, env, None)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cec-explain-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every NE of the simulator through the environment; no config file.
fn sim_env(endpoint: &str, sc: &cec_sim::Scenario, name: &str) -> Vec<(&'static str, String)> {
    let empty = tmp(name).join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let mut env = vec![("CEC_CONFIG", empty.display().to_string())];
    for ne in ["GATEWAY", "APIFABRIC", "OIAP", "ISALES", "CMS", "FS", "MESSAGING"] {
        env.push((leak(format!("CEC_{ne}_ENDPOINT")), endpoint.to_owned()));
    }
    for ne in ["ISALES", "CMS", "FS"] {
        env.push((leak(format!("CEC_{ne}_AK")), sc.ak.clone()));
        env.push((leak(format!("CEC_{ne}_SK")), sc.sk.clone()));
    }
    env.push(("CEC_APIFABRIC_APP_KEY", sc.app_key.clone()));
    env.push(("CEC_APIFABRIC_APP_SECRET", sc.app_secret.clone()));
    env.push(("CEC_OIAP_APP_KEY", sc.oiap_app_key.clone()));
    env.push(("CEC_OIAP_APP_SECRET", sc.oiap_app_secret.clone()));
    env
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn describe(ne: &str, id: &str) -> Value {
    serde_json::from_str(&ok(&cec(&["describe", ne, id, "--output", "json"], &[]))).unwrap()
}

#[test]
fn help_of_a_sample_of_operations_of_every_ne() {
    for (ne, id, expect) in [
        ("gateway", "onlineagent.login", &["agentid", "phonenum", "101..999999", "password"][..]),
        ("apifabric", "agentAccount.create", &["C1 bearer token"][..]),
        ("oiap", "domain.querydomaininfo", &["OIAP access token"][..]),
        ("isales", "campaign.add_v1", &["C2 AK/SK signature"][..]),
        ("cms", "skill.rindex", &["skillIds", "indexIds", "codes of SkillRealtimeIndicator", "1..65535"][..]),
        ("fs", "ccfs.queryBillData", &["C2 AK/SK signature"][..]),
    ] {
        let e = describe(ne, id);
        let h = ok(&cec(&[ne, id, "--help"], &[]));
        for want in [e["title"].as_str().unwrap(), e["doc"].as_str().unwrap(), e["path"].as_str().unwrap()] {
            assert!(h.contains(want), "{ne} {id}: no {want:?} in\n{h}");
        }
        for want in ["auth:", "retry:", "Example:", &format!("cec {ne} {id}")] {
            assert!(h.contains(want), "{ne} {id}: no {want:?} in\n{h}");
        }
        for want in expect {
            assert!(h.contains(want), "{ne} {id}: no {want:?} in\n{h}");
        }
        // Every documented body field is listed, with required/optional.
        for f in e["body"].as_array().unwrap() {
            assert!(h.contains(f["name"].as_str().unwrap()), "{ne} {id}: field {f} missing in\n{h}");
        }
        if !e["body"].as_array().unwrap().is_empty() {
            assert!(h.contains("required") || h.contains("optional"));
        }
        // `-h` is the same help.
        assert_eq!(ok(&cec(&[ne, id, "-h"], &[])), h);
    }
    // Nested fields are indented under their parent.
    let h = ok(&cec(&["gateway", "onlineagent.login", "--help"], &[]));
    assert!(h.contains("Body fields"), "{h}");
    // Without an operation: the NE's operations.
    let h = ok(&cec(&["cms", "--help"], &[]));
    assert!(h.contains("skill.rindex") && h.contains("--skeleton"), "{h}");
}

#[test]
fn ops_search_describe_and_did_you_mean() {
    let t = ok(&cec(&["ops", "cms", "queue"], &[]));
    assert!(t.contains("skill.rindex"), "{t}");
    assert!(t.lines().all(|l| l.starts_with("cms ")), "{t}");
    // Aligned columns: the method starts at the same offset on every line.
    let cols: std::collections::BTreeSet<usize> =
        t.lines().map(|l| l.find(" POST ").or_else(|| l.find(" GET ")).unwrap_or(0)).collect();
    assert_eq!(cols.len(), 1, "{t}");
    let all = ok(&cec(&["ops", "agent", "status"], &[]));
    assert!(all.contains("gateway") && all.contains("cms"), "search spans NEs:\n{all}");
    let j: Value = serde_json::from_str(&ok(&cec(&["ops", "cms", "queue", "--output", "json"], &[]))).unwrap();
    assert!(j.as_array().unwrap().iter().any(|o| o["id"] == "skill.rindex" && o["method"] == "POST"));
    let e = describe("cms", "skill.rindex");
    assert_eq!((e["method"].as_str(), e["retry"].as_str()), (Some("POST"), Some("safe")));
    assert!(e["body"].as_array().unwrap().iter().any(|f| f["name"] == "skillIds" && f["required"] == true));

    let out = cec(&["cms", "skill.rindx"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `skill.rindex`"), "{}", text(&out.stderr));
    let out = cec(&["cms", "onlineagent.login"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("this op is in `gateway`"), "{}", text(&out.stderr));
    let out = cec(&["describe", "cms", "nope.nope"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// Replaces every placeholder of a skeleton with the example's value at the same
/// place; an optional field the example leaves out is dropped.
fn fill(skeleton: &Value, example: &Value) -> Option<Value> {
    match (skeleton, example) {
        (Value::Object(s), Value::Object(e)) => {
            let mut m = serde_json::Map::new();
            for (k, v) in s {
                if let Some(ev) = e.get(k) {
                    m.insert(k.clone(), fill(v, ev)?);
                } else if v.as_str().is_some_and(|p| p.contains(", required")) {
                    return None;
                }
            }
            Some(Value::Object(m))
        }
        (Value::Array(s), Value::Array(e)) => {
            let first = s.first()?;
            Some(Value::Array(e.iter().map(|x| fill(first, x)).collect::<Option<Vec<_>>>()?))
        }
        (Value::String(p), v) if p.starts_with('<') => Some(v.clone()),
        _ => None,
    }
}

/// Every key of `example` is in `skeleton`, recursively.
fn covers(skeleton: &Value, example: &Value) -> bool {
    match (skeleton, example) {
        (Value::Object(s), Value::Object(e)) => e.iter().all(|(k, v)| s.get(k).is_some_and(|sv| covers(sv, v))),
        (Value::Array(s), Value::Array(e)) => s.first().is_some_and(|f| e.iter().all(|x| covers(f, x))),
        _ => true,
    }
}

fn example_args(e: &Value) -> Vec<String> {
    let mut args = Vec::new();
    for (kind, flag) in [("path", "--path"), ("query", "--query"), ("header", "--header")] {
        if let Some(m) = e["example"][kind].as_object() {
            for (k, v) in m {
                args.push(flag.to_string());
                args.push(format!("{k}={}", v.as_str().unwrap()));
            }
        }
    }
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skeleton_fill_send_for_every_cms_operation() {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let env = sim_env(&sim.endpoint(), &sim.scenario(), "roundtrip");
    let ops: Value = serde_json::from_str(&ok(&cec(&["ops", "cms", "--output", "json"], &[]))).unwrap();
    let ops = ops.as_array().unwrap().clone();
    assert!(ops.len() > 50);
    let results = tokio::task::spawn_blocking(move || {
        let mut sent = 0;
        for o in &ops {
            let id = o["id"].as_str().unwrap();
            let e = describe("cms", id);
            let mut args: Vec<String> = vec!["cms".into(), id.into()];
            args.extend(example_args(&e));
            let body = if e["body"].as_array().unwrap().is_empty() {
                None
            } else {
                let sk = ok(&cec(&["cms", id, "--skeleton"], &[]));
                let sk: Value =
                    serde_json::from_str(&sk).unwrap_or_else(|err| panic!("{id}: skeleton is not JSON ({err}):\n{sk}"));
                // Required fields first.
                let text = ok(&cec(&["cms", id, "--skeleton"], &[]));
                let first_optional = text.find(", optional").unwrap_or(usize::MAX);
                assert!(
                    text.rfind(", required").is_none_or(|r| r < first_optional || text[..r].contains("{\n")),
                    "{id}"
                );
                assert!(covers(&sk, &e["example"]["body"]), "{id}: skeleton lacks example fields");
                let filled = fill(&sk, &e["example"]["body"]).unwrap_or_else(|| panic!("{id}: cannot fill {sk}"));
                args.push("--body".into());
                args.push("-".into());
                Some(filled.to_string())
            };
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = cec_with(&a, &env, body.as_deref());
            let code = out.status.code();
            // Sent and answered: a success or the NE's own refusal, never a local
            // refusal (2 usage, 3 validation) nor a transport failure.
            assert!(matches!(code, Some(0 | 5)), "{id}: {code:?}\n{}\n{}", text(&out.stdout), text(&out.stderr));
            sent += 1;
        }
        sent
    })
    .await
    .unwrap();
    assert!(results > 50);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_sends_nothing_and_redacts_secrets() {
    // A listener that counts connections stands in for the NE.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let sc = cec_sim::Scenario::default();
    let env = sim_env(&format!("http://{addr}"), &sc, "dryrun");
    let run = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cec(&a, &env)
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let body = r#"{"ccId":1,"vdn":1,"skillIds":[1],"indexIds":["IDX_COUNT_REAL_SKILL_QUEUE"]}"#;
    let out = run(s(&["cms", "skill.rindex", "--dry-run", "--body", body]), env.clone()).await.unwrap();
    let t = ok(&out);
    assert!(t.contains(&format!("POST http://{addr}/rest/cmsapp/v1/openapi/skill/rindex")), "{t}");
    assert!(t.to_lowercase().contains("authorization: ") && t.contains("<redacted>"), "{t}");
    assert!(!t.contains(&sc.sk), "the SK never shows:\n{t}");
    assert!(t.contains("\"skillIds\""), "{t}");
    let pw = sc.agents[0].password.clone();
    let login = format!(r#"{{"password":"{pw}","phonenum":"{}"}}"#, sc.agents[0].phone);
    let t = ok(&run(
        s(&["gateway", "onlineagent.login", "--path", "agentid=1001", "--dry-run", "--body", &login]),
        env.clone(),
    )
    .await
    .unwrap());
    assert!(t.contains("PUT ") || t.contains("POST "), "{t}");
    assert!(!t.contains(&pw) && t.contains("\"password\": \"<redacted>\""), "{t}");
    // A request that breaks a rule is refused before anything, with exit code 3.
    let out = run(
        s(&["cms", "skill.rindex", "--dry-run", "--body", r#"{"ccId":0,"vdn":1,"skillIds":[1],"indexIds":[]}"#]),
        env.clone(),
    )
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    // Every operation's example is valid: a dry run of each one succeeds.
    let all: Value = serde_json::from_str(&ok(&cec(&["ops", "--output", "json"], &[]))).unwrap();
    let mut envc = env.clone();
    // Agent interfaces need a GUID (a dry run without one says so, as a call would).
    envc.push(("CEC_GATEWAY_GUID", "dry-run-guid".into()));
    // The web channel interfaces need the customer's ccmessaging-token.
    envc.push(("CEC_MESSAGING_TOKEN", "dry-run-token".into()));
    let failed = tokio::task::spawn_blocking(move || {
        let mut failed = Vec::new();
        for o in all.as_array().unwrap() {
            let (ne, id) = (o["ne"].as_str().unwrap(), o["id"].as_str().unwrap());
            let e = describe(ne, id);
            let mut args: Vec<String> = vec![ne.into(), id.into(), "--dry-run".into()];
            args.extend(example_args(&e));
            if let Some(b) = e["example"].get("body") {
                args.push("--body".into());
                args.push(b.to_string());
            }
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = cec(&a, &envc);
            if !out.status.success() {
                failed.push(format!("{ne} {id}: {}", text(&out.stderr).trim()));
            }
        }
        failed
    })
    .await
    .unwrap();
    assert!(failed.is_empty(), "{} examples refused:\n{}", failed.len(), failed.join("\n"));
    let mut connections = 0;
    while listener.accept().is_ok() {
        connections += 1;
    }
    assert_eq!(connections, 0, "a dry run connected to the NE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_by_error_class_and_verbose_lines() {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let env = sim_env(&sim.endpoint(), &sc, "exit");
    let run = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cec(&a, &env)
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let code = |o: &Output| o.status.code();
    // 2 usage: an unknown parameter, an unknown flag.
    assert_eq!(code(&run(s(&["cms", "health.ping", "--query", "x=1"]), env.clone()).await.unwrap()), Some(2));
    assert_eq!(code(&run(s(&["cms", "health.ping", "--bogus"]), env.clone()).await.unwrap()), Some(2));
    // 3 validation.
    let out =
        run(s(&["gateway", "onlineagent.login", "--path", "agentid=99", "--body", "{}"]), env.clone()).await.unwrap();
    assert_eq!(code(&out), Some(3), "{}", text(&out.stderr));
    // 4 authentication.
    let mut bad = env.clone();
    bad.push(("CEC_CMS_SK", "wrong".into()));
    let out = run(s(&["cms", "health.ping", "--body", "{}"]), bad).await.unwrap();
    assert_eq!(code(&out), Some(4), "{}", text(&out.stderr));
    // 5 service error: the NE refuses.
    sim.add_fault(cec_sim::Fault::http_error(400).on("health.ping").times(1)).unwrap();
    let out = run(s(&["cms", "health.ping", "--body", "{}"]), env.clone()).await.unwrap();
    assert_eq!(code(&out), Some(5), "{}", text(&out.stderr));
    // 6 transport: nothing listens there.
    let mut down = env.clone();
    down.push(("CEC_CMS_ENDPOINT", "http://127.0.0.1:9".into()));
    let out = run(s(&["cms", "health.ping", "--body", "{}"]), down).await.unwrap();
    assert_eq!(code(&out), Some(6), "{}", text(&out.stderr));
    // -v: one line per attempt, no colours, no secret; -vv adds the bodies.
    let out = run(s(&["-v", "cms", "health.ping", "--body", r#"{"say":"hi"}"#]), env.clone()).await.unwrap();
    let err = text(&out.stderr);
    ok(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("cec: POST")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].contains("attempt 1") && lines[0].contains("HTTP 200") && lines[0].contains(" ms"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains(&sc.sk) && !err.contains("hyper"), "{err}");
    assert!(!err.contains("\"hi\""), "bodies only at -vv: {err}");
    let out = run(s(&["-vv", "cms", "health.ping", "--body", r#"{"say":"hi"}"#]), env.clone()).await.unwrap();
    let err = text(&out.stderr);
    assert!(err.contains("cec: > {\"say\":\"hi\"}") && err.contains("cec: < "), "{err}");
    // A retried attempt says why.
    sim.add_fault(cec_sim::Fault::http_error(503).on("health.ping").times(1)).unwrap();
    let out = run(s(&["--debug", "cms", "health.ping", "--body", "{}"]), env.clone()).await.unwrap();
    let err = text(&out.stderr);
    assert!(err.contains("attempt 2, retry after HTTP 503"), "{err}");
    // Output formats and projection.
    let out = run(
        s(&["cms", "health.ping", "--body", r#"{"say":"hi"}"#, "--output", "yaml", "--fields", "status,request.say"]),
        env.clone(),
    )
    .await
    .unwrap();
    assert_eq!(ok(&out).trim(), "request.say: \"hi\"\nstatus: \"UP\"");
    sim.shutdown().await;
}

#[test]
fn no_config_file_names_the_searched_paths() {
    let home = tmp("home");
    let out = cec(
        &["cms", "health.ping", "--body", "{}"],
        &[("HOME", home.display().to_string()), ("XDG_CONFIG_HOME", home.join("xdg").display().to_string())],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("searched") && err.contains(&home.join("xdg").join("cec").display().to_string()), "{err}");
    assert!(err.contains("cec configure"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_across_calls_follow_guid_rotation() {
    let mut scenario = cec_sim::Scenario::default();
    scenario.gateway.guid_rotation_secs = Some(1);
    let cfg = cec_sim::SimConfig { scenario, ..Default::default() };
    let sim = cec_sim::Simulator::start(cfg).await.unwrap();
    let sc = sim.scenario();
    let dir = tmp("sessions");
    let mut env = sim_env(&sim.endpoint(), &sc, "sessions");
    env.push(("CEC_SESSION_DIR", dir.display().to_string()));
    let run = |args: Vec<String>, env: Vec<(&'static str, String)>| {
        tokio::task::spawn_blocking(move || {
            let a: Vec<&str> = args.iter().map(String::as_str).collect();
            cec(&a, &env)
        })
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Without a session: the error says how to get one.
    let out = run(s(&["gateway", "onlineagent.agentstatus", "--path", "agentid=1001"]), env.clone()).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--save"), "{}", text(&out.stderr));
    let body = format!(r#"{{"password":"{}","phonenum":"{}"}}"#, sc.agents[0].password, sc.agents[0].phone);
    let out =
        run(s(&["gateway", "onlineagent.login", "--path", "agentid=1001", "--body", &body, "--save"]), env.clone())
            .await
            .unwrap();
    ok(&out);
    let file = dir.join("default.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let read = || -> Value { serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap() };
    let first = read();
    assert_eq!(first["agent"], "1001");
    let g1 = first["guid"].as_str().unwrap().to_owned();
    assert!(!g1.is_empty());
    // A later call uses the saved GUID; after a rotation the file holds the new one.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // The heartbeat answers with `Set-GUID` once the rotation period is over.
    let out = run(s(&["gateway", "onlineagent.handshake", "--path", "agentid=1001"]), env.clone()).await.unwrap();
    ok(&out);
    let g2 = read()["guid"].as_str().unwrap().to_owned();
    assert_ne!(g1, g2, "the rotated GUID was saved");
    let out = run(s(&["gateway", "onlineagent.agentstatus", "--path", "agentid=1001"]), env.clone()).await.unwrap();
    ok(&out);
    // Signing in again where the agent already is suggests taking the session over.
    let mut watch_env = env.clone();
    watch_env.push(("CEC_AGENT_PASSWORD", sc.agents[0].password.clone()));
    let out = run(s(&["agent", "watch", "--agent", "1001", "--max-events", "1"]), watch_env).await.unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    // Sign-out through the saved session clears it.
    let out = run(s(&["agent", "sign-out"]), env.clone()).await.unwrap();
    ok(&out);
    assert!(!file.exists());
    assert!(!sim.agent("1001").unwrap().signed_in);
    sim.shutdown().await;
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let t = ok(&cec(&["completions", shell], &[]));
        assert!(t.contains("skill.rindex") && t.contains("onlineagent.login"), "{shell}: operation ids");
        assert!(t.len() > 1000, "{shell}");
    }
}

#[test]
fn sim_env_lines_and_a_taken_port() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["sim", "--listen", "127.0.0.1:0", "--env"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let end = line.starts_with("# cc_id");
        lines.push(line);
        if end {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let all = lines.join("\n");
    for k in [
        "export CEC_CMS_ENDPOINT=http://127.0.0.1:",
        "export CEC_CMS_AK=",
        "export CEC_GATEWAY_ENDPOINT=",
        "export CEC_OIAP_APP_SECRET=",
    ] {
        assert!(all.contains(k), "{k} in\n{all}");
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = cec(&["sim", "--listen", &addr], &[]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains(&addr), "{}", text(&out.stderr));
}

#[test]
fn configure_writes_a_private_profile_and_readable_secrets_are_warned() {
    let dir = tmp("configure");
    let cfg = dir.join("config.toml");
    let _ = std::fs::remove_file(&cfg);
    let cfg_s = cfg.display().to_string();
    // gateway, apifabric (skipped), oiap (skipped), isales (skipped), cms with ak/sk, fs (skipped).
    let input = "https://gw.example:8043\n\n\n\nhttps://cms.example:28443\nmy-ak\nmy-sk\n\n";
    let out = cec_with(&["--config", &cfg_s, "--profile", "lab", "configure"], &[], Some(input));
    ok(&out);
    assert!(!text(&out.stderr).contains("my-sk"), "the secret is not echoed");
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        written.contains("[profiles.lab.cms]") && written.contains("my-sk") && written.contains("gw.example"),
        "{written}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out =
            cec(&["--config", &cfg_s, "--profile", "lab", "cms", "health.ping", "--dry-run", "--body", "{}"], &[]);
        let err = text(&out.stderr);
        assert!(err.contains("others can read it") && err.contains("chmod 600"), "{err}");
        assert!(!err.contains("my-sk"));
    }
}

#[test]
fn demo_explain_names_real_commands() {
    let t = ok(&cec(&["demo", "--explain"], &[]));
    assert!(t.contains("$ cec gateway voicecall.answer --path agentid=1001"), "{t}");
    assert!(t.contains("$ cec gateway onlineagent.login --path agentid=1002"), "{t}");
    let all: Value = serde_json::from_str(&ok(&cec(&["ops", "--output", "json"], &[]))).unwrap();
    let known = |ne: &str, id: &str| all.as_array().unwrap().iter().any(|o| o["ne"] == ne && o["id"] == id);
    let mut n = 0;
    for l in t.lines().filter_map(|l| l.trim_start().strip_prefix("$ cec ")) {
        let w: Vec<&str> = l.split_whitespace().collect();
        if matches!(w[0], "gateway" | "apifabric" | "oiap" | "isales" | "cms") {
            assert!(known(w[0], w[1]), "{l}: not an operation");
            n += 1;
        }
    }
    assert!(n >= 8, "{t}");
}
