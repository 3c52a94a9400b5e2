//! `cec agent watch` and `cec agent bar` against an in-process simulator; the
//! bar is driven through a pseudo-terminal.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cec_sim::{SimConfig, Simulator};

async fn sim() -> Simulator {
    Simulator::start(SimConfig { poll_wait: Duration::from_millis(100), ..Default::default() }).await.unwrap()
}

fn config_file() -> String {
    let p = std::env::temp_dir().join(format!("cec-cli-agent-{}.toml", std::process::id()));
    std::fs::write(&p, "").unwrap();
    p.display().to_string()
}

fn env(sim: &Simulator) -> Vec<(&'static str, String)> {
    vec![
        ("CEC_GATEWAY_ENDPOINT", sim.endpoint()),
        ("CEC_AGENT_PASSWORD", sim.scenario().agents[0].password.clone()),
        ("CEC_CONFIG", config_file()),
    ]
}

async fn until(what: &str, f: impl Fn() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(15), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_one_json_event_per_line_and_signs_out() {
    let sim = sim().await;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cec"));
    cmd.args(["agent", "watch", "--agent", "1001", "--phone", "70001", "--max-events", "6"]);
    cmd.envs(env(&sim)).env_remove("CEC_PROFILE").stdout(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    until("sign-in", || sim.agent("1001").is_some_and(|a| a.signed_in && a.state == cec_sim::CtiAgentState::Idle))
        .await;
    let call = sim.inject_call("1001", "13800000001").unwrap();
    until("ringing delivered", || sim.agent("1001").is_some_and(|a| a.queued_events == 0)).await;
    sim.hang_up(&call).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let types: Vec<&str> = lines.iter().map(|l| l["eventType"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "AgentOther_InService",
            "AgentState_Ready",
            "AgentEvent_Ringing",
            "AgentEvent_Customer_Release",
            "AgentEvent_Call_Release",
            "AgentState_Ready"
        ]
    );
    assert_eq!(lines[2]["content"]["callid"], call.as_str());
    assert_eq!(lines[2]["content"]["caller"], "13800000001");
    assert_eq!(lines[2]["state"], "Ringing", "the view's state while the call rings");
    assert!(
        lines
            .iter()
            .all(|l| l["time"].as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z') && t.as_bytes()[10] == b'T')),
        "every line has an RFC 3339 time"
    );
    assert_eq!(lines[2]["calls"], 1);
    assert_eq!(lines[4]["content"], call.as_str(), "bare call-id content");
    assert!(lines.iter().all(|l| l["agent"] == "1001"));
    assert!(!sim.agent("1001").unwrap().signed_in, "signed out when done");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_table_for_a_duration() {
    let sim = sim().await;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cec"));
    cmd.args(["agent", "watch", "--agent", "1001", "--duration", "1.5", "--output", "table"]);
    cmd.envs(env(&sim)).env_remove("CEC_PROFILE").stdout(std::process::Stdio::piped());
    let out = tokio::time::timeout(Duration::from_secs(20), cmd.output()).await.unwrap().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("time") && header.contains("event") && header.contains("state"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert!(rows.iter().any(|r| r.contains("AgentState_Ready") && r.contains("Idle")), "{text}");
    assert!(!sim.agent("1001").unwrap().signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_reports_a_wrong_password() {
    let sim = sim().await;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cec"));
    cmd.args(["agent", "watch", "--agent", "1001", "--max-events", "1"]);
    cmd.envs(env(&sim)).env("CEC_AGENT_PASSWORD", "wrong").env_remove("CEC_PROFILE");
    let out = tokio::time::timeout(Duration::from_secs(20), cmd.output()).await.unwrap().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("100-004"), "{err}");
    assert!(!err.contains("wrong\""), "the password is not echoed: {err}");
}

/// Sends `signal` (`TERM`, `HUP`, `INT`) to a process.
fn kill(pid: u32, signal: &str) {
    let ok = std::process::Command::new("kill").arg(format!("-{signal}")).arg(pid.to_string()).status().unwrap();
    assert!(ok.success(), "kill -{signal} {pid}");
}

fn watch_cmd(sim: &Simulator, extra: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_cec"));
    cmd.args(["agent", "watch", "--agent", "1001", "--phone", "70001"]).args(extra);
    cmd.envs(env(sim)).env_remove("CEC_PROFILE").kill_on_drop(true);
    cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    cmd
}

async fn signed_in(sim: &Simulator) {
    until("sign-in", || sim.agent("1001").is_some_and(|a| a.signed_in && a.state == cec_sim::CtiAgentState::Idle))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_signs_out_on_sigterm_sighup_and_sigint() {
    let sim = sim().await;
    for signal in ["TERM", "HUP", "INT"] {
        let child = watch_cmd(&sim, &[]).spawn().unwrap();
        signed_in(&sim).await;
        kill(child.id().unwrap(), signal);
        let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "SIG{signal}: {:?} {err}", out.status);
        assert!(err.contains(&format!("SIG{signal} received: signing out")), "SIG{signal}: {err}");
        assert!(!sim.agent("1001").unwrap().signed_in, "SIG{signal}: the agent is signed out");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_signs_out_when_its_reader_goes_away() {
    use tokio::io::AsyncBufReadExt;
    let sim = sim().await;
    let mut child = watch_cmd(&sim, &[]).spawn().unwrap();
    // A reader that takes one line and goes away (what `| head -1` does).
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await.unwrap().unwrap().unwrap();
    assert!(first.contains("AgentOther_InService"), "{first}");
    signed_in(&sim).await;
    drop(lines);
    // No event comes after that: the command notices the closed pipe by itself.
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait()).await.expect("the command ends").unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!sim.agent("1001").unwrap().signed_in, "signed out when the reader went away");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_waits_for_a_call_at_the_end_of_its_duration() {
    let sim = sim().await;
    let child = watch_cmd(&sim, &["--duration", "1", "--call-wait", "60"]).spawn().unwrap();
    signed_in(&sim).await;
    let call = sim.inject_call("1001", "13800000001").unwrap();
    // Well past the duration the agent is still signed in, waiting for its call.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sim.agent("1001").unwrap().signed_in, "not signed out during a call");
    sim.hang_up(&call).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("on a call: waiting up to 60 s"), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("AgentEvent_Customer_Release"), "events go on while it waits: {text} {err}");
    assert!(!sim.agent("1001").unwrap().signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_releases_the_call_when_asked() {
    let sim = sim().await;
    let child = watch_cmd(&sim, &["--duration", "1", "--release-calls"]).spawn().unwrap();
    signed_in(&sim).await;
    sim.inject_call("1001", "13800000001").unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("released call"), "{err}");
    let a = sim.agent("1001").unwrap();
    assert!(!a.signed_in && a.call.is_none(), "{a:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_says_so_and_fails_when_the_agent_stays_signed_in() {
    let sim = sim().await;
    let child = watch_cmd(&sim, &["--duration", "1", "--call-wait", "0.5"]).spawn().unwrap();
    signed_in(&sim).await;
    sim.inject_call("1001", "13800000001").unwrap();
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await.unwrap().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exits non-zero: {err}");
    assert!(err.contains("agent 1001 is still signed in") && err.contains("100-007"), "{err}");
    assert!(sim.agent("1001").unwrap().signed_in, "and that is true");
}

/// The bar's screen output, collected from the pseudo-terminal.
struct Screen {
    text: Arc<Mutex<String>>,
    seen: usize,
}

impl Screen {
    /// Waits until `needle` appears after what was matched before.
    async fn expect(&mut self, needle: &str) {
        let t = Instant::now();
        loop {
            {
                let text = self.text.lock().unwrap();
                if let Some(i) = text[self.seen..].find(needle) {
                    self.seen += i + needle.len();
                    return;
                }
                assert!(t.elapsed() < Duration::from_secs(15), "no {needle:?} on screen:\n{}", &text[self.seen..]);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// `cec agent bar` for agent 1001 in a pseudo-terminal of `rows` x `cols`; what it
/// draws collects in `screen`, `keys` types into it.
struct PtyBar {
    screen: Screen,
    keys: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// Held: the terminal closes when it is dropped.
    master: Box<dyn portable_pty::MasterPty + Send>,
}

impl PtyBar {
    fn open(sim: &Simulator, rows: u16, cols: u16) -> PtyBar {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cec"));
        cmd.args(["agent", "bar", "--agent", "1001", "--phone", "70001"]);
        for (k, v) in env(sim) {
            cmd.env(k, v);
        }
        cmd.env_remove("CEC_PROFILE");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let keys = pair.master.take_writer().unwrap();
        let text = Arc::new(Mutex::new(String::new()));
        let sink = text.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        PtyBar { screen: Screen { text, seen: 0 }, keys, child, master: pair.master }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bar_in_a_pseudo_terminal() {
    let sim = sim().await;
    let PtyBar { mut screen, mut keys, mut child, master: _master } = PtyBar::open(&sim, 30, 120);
    let mut press = |k: &str| {
        keys.write_all(k.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    screen.expect("state: Idle").await;
    let call = sim.inject_call("1001", "13800000001").unwrap();
    screen.expect("Ringing").await;
    screen.expect("13800000001").await;
    press("a");
    screen.expect("Talking").await;
    press("m");
    screen.expect("[muted]").await;
    press("h");
    screen.expect("Held").await;
    assert_eq!(sim.agent("1001").unwrap().held, vec![call.clone()]);
    press("q");
    screen.expect("cannot sign out").await;
    press("h");
    screen.expect("Talking").await;
    press("r");
    screen.expect("(none)").await;
    press("b");
    screen.expect("state: Busy").await;
    press("i");
    screen.expect("state: Idle").await;
    press("q");
    screen.expect("signed out").await;
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    assert!(!sim.agent("1001").unwrap().signed_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bar_signs_out_on_sigterm_and_sighup() {
    let sim = sim().await;
    for signal in ["TERM", "HUP"] {
        let PtyBar { mut child, master, keys: _keys, .. } = PtyBar::open(&sim, 30, 120);
        signed_in(&sim).await;
        kill(child.process_id().unwrap(), signal);
        let status = tokio::time::timeout(Duration::from_secs(20), tokio::task::spawn_blocking(move || child.wait()))
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(status.success(), "SIG{signal}: {status:?}");
        assert!(!sim.agent("1001").unwrap().signed_in, "SIG{signal}: signed out");
        drop(master);
    }
}

/// A web-chat customer through API Fabric (`ccmessaging.*`).
struct Customer {
    af: cec_apifabric::Client,
    user: String,
    channel: String,
}

impl Customer {
    async fn open(sim: &Simulator, user: &str) -> Customer {
        let sc = sim.scenario();
        let cfg = cec_core::Config::builder(&sim.endpoint()).build().unwrap();
        let creds = cec_apifabric::ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone());
        let af = cec_apifabric::Client::new(cfg.clone(), cfg, creds).unwrap();
        af.ccmessaging_apply_token()
            .user_id(user)
            .user_name("Customer")
            .channel_id(sc.channel_id.clone())
            .locale("en")
            .send()
            .await
            .unwrap();
        let c = Customer { af, user: user.into(), channel: sc.channel_id.clone() };
        c.send("CONNECT", "").await;
        c
    }

    async fn send(&self, control: &str, text: &str) {
        self.af
            .ccmessaging_send()
            .channel("WEB")
            .control_type(control)
            .content(text)
            .from(self.user.as_str())
            .to(self.channel.as_str())
            .media_type("TEXT")
            .source_type("CUSTOMER")
            .timestamp("1768465800000")
            .send()
            .await
            .unwrap();
    }

    /// The agent's messages waiting for this customer.
    async fn agent_replies(&self) -> Vec<String> {
        let r = self.af.ccmessaging_poll().receiver_id(self.user.as_str()).channel("WEB").send().await.unwrap();
        r.downlink_messages
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.source_type.as_deref() == Some("AGENT"))
            .map(|m| m.content.unwrap_or_default())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bar_lists_chats_and_replies_to_the_selected_one() {
    let sim = sim().await;
    let PtyBar { mut screen, mut keys, mut child, master: _master } = PtyBar::open(&sim, 50, 140);
    let mut press = |k: &str| {
        keys.write_all(k.as_bytes()).unwrap();
        keys.flush().unwrap();
    };

    screen.expect("state: Idle").await;
    let ann = Customer::open(&sim, "cust-ann").await;
    let bob = Customer::open(&sim, "cust-bob").await;
    ann.send("TRANS2AGENT", "").await;
    screen.expect("[chat 1 cust-ann] offered").await;
    bob.send("TRANS2AGENT", "").await;
    screen.expect("[chat 2 cust-bob] offered").await;

    // Select each chat and answer it.
    press("/chat 2\r");
    screen.expect("chat 2 selected").await;
    press("/answer\r");
    screen.expect("answered chat").await;
    press("/chat 1\r");
    screen.expect("chat 1 selected").await;
    press("/answer\r");
    screen.expect("answered chat").await;
    until("both chats connected", || sim.agent("1001").unwrap().chats.len() == 2).await;

    // Incoming messages are tagged with their chat.
    bob.send("CHAT", "hello from bob").await;
    screen.expect("[chat 2 cust-bob] hello from bob").await;
    ann.send("CHAT", "ann here").await;
    screen.expect("[chat 1 cust-ann] ann here").await;

    // Typed lines go to the selected chat only.
    press("hi ann\r");
    screen.expect("sent to chat 1").await;
    press("/chat 2\r");
    screen.expect("chat 2 selected").await;
    press("hi bob\r");
    screen.expect("sent to chat 2").await;
    assert_eq!(ann.agent_replies().await, ["hi ann"]);
    assert_eq!(bob.agent_replies().await, ["hi bob"]);

    // One customer leaves, the other chat goes on, then the agent closes it.
    ann.send("DISCONNECT", "").await;
    screen.expect("[chat 1 cust-ann] the customer left").await;
    bob.send("CHAT", "still here").await;
    screen.expect("[chat 2 cust-bob] still here").await;
    press("/close\r");
    screen.expect("[chat 2 cust-bob] closed").await;
    until("no chat left", || sim.agent("1001").unwrap().chats.is_empty()).await;
    press("q");
    screen.expect("signed out").await;
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success());
    assert!(!sim.agent("1001").unwrap().signed_in);
}
