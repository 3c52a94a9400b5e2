//! `cec popup serve`, `cec popup token` and `cec sim --popup-url`, as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Kills the child process when dropped (also when an assertion fails).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `cec args…` and returns it with a reader of its stdout lines.
fn spawn(args: &[&str], env: &[(&str, &str)]) -> (Running, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cec"));
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::inherit());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("run cec");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (Running(child), lines)
}

fn http() -> reqwest::Client {
    let tls = cec_core::transport::rustls_config(&Default::default(), false).unwrap();
    reqwest::Client::builder().tls_backend_preconfigured(tls).timeout(Duration::from_secs(5)).build().unwrap()
}

async fn json_of(r: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = r.header("accept", "application/json").send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap())
}

const KEY: &str = "popup-test-key-0123456789abcdef";

#[tokio::test(flavor = "multi_thread")]
async fn popup_serve_shows_what_a_sample_url_carries() {
    // A token for the page, as the tenant would put into the configured address.
    let out = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["popup", "token", "--page", "crm"])
        .env("CEC_POPUP_TOKEN_KEY", KEY)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("v1.crm."), "{token}");

    let (_cec, mut lines) = spawn(
        &[
            "popup",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rename",
            "callerNum=ani",
            "--token-param",
            "tk",
            "--page",
            "crm",
            "--origin",
            "https://wb.example.com",
        ],
        &[("CEC_POPUP_TOKEN_KEY", KEY)],
    );
    let first = lines.next().unwrap().unwrap();
    let base = first.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/').to_owned();
    let sample = lines.next().unwrap().unwrap();
    assert!(sample.contains("?ani=13800000001&"), "the sample uses the configured names: {sample}");

    let q = format!(
        "tk={token}&ani=13800000001&calledNum=10086&callid=1700000000-1&mediaType=1&callType=0&workNo=1001\
         &callskill=General&callskillid=1&agentName=alice&origin=https%3A%2F%2Fwb.example.com&crm=%3Cscript%3E"
    );
    let (status, v) = json_of(http().get(format!("{base}/popup?{q}"))).await;
    assert_eq!(status, 200, "{v}");
    let ctx = &v["context"];
    assert_eq!(ctx["caller_num"], "13800000001");
    assert_eq!(ctx["media_type"], 1);
    assert_eq!(ctx["skill_id"], 1);
    assert_eq!(ctx["page"]["page"], "crm");
    assert_eq!(ctx["extra"], json!([["crm", "<script>"]]));

    // The HTML page shows the same, escaped.
    let html = http().get(format!("{base}/popup?{q}")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("13800000001") && html.contains("voice or video call (1)"), "{html}");
    assert!(html.contains("&lt;script&gt;") && !html.contains("<td><script>"));
    assert!(html.contains(r#"const origin = "https://wb.example.com";"#));

    // URL POST mode: the form carries the data, the address the token.
    let form = q.replace(&format!("tk={token}&"), "");
    let (status, v) = json_of(
        http()
            .post(format!("{base}/popup?tk={token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form),
    )
    .await;
    assert_eq!((status, &v["context"]["work_no"]), (200, &json!("1001")), "{v}");

    // Refusals name what is wrong.
    let (status, v) =
        json_of(http().get(format!("{base}/?tk={token}&mediaType=audio&origin=https%3A%2F%2Fwb.example.com"))).await;
    assert_eq!((status, v["field"].as_str()), (400, Some("mediaType")), "{v}");
    let (status, v) = json_of(http().get(format!("{base}/?ani=1"))).await;
    assert_eq!((status, v["kind"].as_str()), (400, Some("Auth")), "no token: {v}");

    // The one-click outbound call message, from cec-workbench's builder.
    let msg = http().get(format!("{base}/__popup/callout?number=13800000001&mode=video")).send().await.unwrap();
    let msg: Value = serde_json::from_str(&msg.text().await.unwrap()).unwrap();
    assert_eq!(msg, json!({"name":"callout","param":{"number":"13800000001","mode":"video"}}));
}

#[test]
fn popup_serve_refuses_a_non_loopback_address_and_a_short_key() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cec")).args(["popup", "serve", "--listen", "0.0.0.0:0"]).output().unwrap();
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("loopback"));
    let out = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["popup", "token", "--page", "crm"])
        .env("CEC_POPUP_TOKEN_KEY", "short")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && err.contains("16 bytes") && !err.contains("short"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["popup", "serve", "--listen", "127.0.0.1:0", "--rename", "caller=ani"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("callerNum"), "the error lists the documented names");
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_prints_the_popup_url_of_a_ringing_call() {
    let (_cec, mut lines) =
        spawn(&["sim", "--listen", "127.0.0.1:0", "--popup-url", "http://127.0.0.1:8044/popup"], &[]);
    let first = lines.next().unwrap().unwrap();
    let endpoint = first.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_owned();
    let mut popup_line = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.contains("pop-up page:") {
            popup_line = Some(line);
            break;
        }
    }
    assert!(popup_line.unwrap().contains("http://127.0.0.1:8044/popup"));
    // Sign agent 1001 in and ring it through the admin endpoint.
    let c = http();
    let login = c
        .put(format!("{endpoint}/agentgateway/resource/onlineagent/1001"))
        .header("content-type", "application/json")
        .body(r#"{"password":"sim-pass-1001","phonenum":"70001"}"#)
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    let ring = c
        .post(format!("{endpoint}/__sim/calls"))
        .body(r#"{"agent":"1001","caller":"13800000001"}"#)
        .send()
        .await
        .unwrap();
    let call: Value = serde_json::from_slice(&ring.bytes().await.unwrap()).unwrap();
    let call_id = call["callid"].as_str().unwrap().to_owned();
    let line = tokio::task::spawn_blocking(move || lines.next().unwrap().unwrap()).await.unwrap();
    assert!(
        line.starts_with(&format!("pop-up for agent 1001 (call {call_id}): GET http://127.0.0.1:8044/popup?")),
        "{line}"
    );
    assert!(line.contains("callerNum=13800000001") && line.contains(&format!("callid={call_id}")), "{line}");
}
