//! `cec chat` against the simulator: a line typed is answered by the robot; `/quit` disconnects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_chat_with_the_robot() {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let cfg = std::env::temp_dir().join(format!("cec-cli-chat-{}.toml", std::process::id()));
    std::fs::write(&cfg, "").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cec"))
        .args(["chat", "--channel", &sc.channel_id, "--poll-ms", "50"])
        .env_remove("CEC_PROFILE")
        .env("CEC_CONFIG", &cfg)
        .env("CEC_APIFABRIC_ENDPOINT", sim.endpoint())
        .env("CEC_APIFABRIC_APP_KEY", &sc.app_key)
        .env("CEC_APIFABRIC_APP_SECRET", &sc.app_secret)
        .env("CEC_MESSAGING_ENDPOINT", sim.endpoint())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "what are your opening hours?").unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    writeln!(stdin, "/quit").unwrap();
    drop(stdin);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("[robot] Hello"), "{text}");
    assert!(text.contains("[robot] We are open"), "{text}");
    assert!(text.trim_end().ends_with("disconnected"), "{text}");
}
