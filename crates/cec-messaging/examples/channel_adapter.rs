//! A channel adapter: bridges a channel CEC does not have into CEC.
//!
//! The channel here is a plain terminal (a line `user> text` is a message from
//! that user; AICC's answers are printed as `user< text`), so it runs anywhere;
//! swap [`TerminalChannel`] for the webhook and send API of Telegram, Weibo or
//! your own app (see `docs/channel-adapter.md`).
//!
//! - **Upstream** (channel → AICC): per channel user, API Fabric's web-client
//!   interfaces — `ccmessaging.applyToken` once (the client keeps the
//!   `ccmessaging-token`, renewed from the answers), `ccmessaging.send` with
//!   `CONNECT` for a new user and `CHAT` for each message.
//! - **Downstream** (AICC → channel): AICC posts the users' messages (chatbot,
//!   agent, system) to `{baseUrl}/webhooks/v1/messages`, signed with auth-v2;
//!   [`cec_messaging::PushReceiver`] verifies each delivery (signature,
//!   freshness) before the adapter routes its messages to the user named by `to`.
//!
//! Runs against an in-process simulator registered to push to the adapter:
//! `cargo run -p cec-messaging --example channel_adapter` (type `alice> what
//! are your opening hours?`), and as a test (`tests/examples.rs`) with a
//! scripted channel.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::time::Duration;

use cec_messaging::{PushReceiver, PushVerifier, push::PushBody};
use tokio::sync::mpsc;

/// A message of the channel: who, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    /// The channel's user id (becomes the web-client user id in AICC).
    pub user: String,
    /// The text.
    pub text: String,
}

/// What the adapter needs to reach AICC.
#[derive(Debug, Clone)]
pub struct Settings {
    /// API Fabric's endpoint.
    pub apifabric: String,
    /// API Fabric app key and secret (C1).
    pub app_key: String,
    /// API Fabric app secret.
    pub app_secret: String,
    /// The channel configuration id in AICC (a web-client channel).
    pub channel_id: String,
    /// The AK/SK AICC signs its pushes with (auth-v2).
    pub push_ak: String,
    /// The push secret key.
    pub push_sk: String,
}

/// The upstream half: one API Fabric client per channel user (each keeps its
/// user's `ccmessaging-token`).
#[derive(Debug)]
pub struct Upstream {
    settings: Settings,
    users: HashMap<String, cec_apifabric::Client>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The push receiver and the verified pushes it accepted.
pub type Pushes = (PushReceiver, mpsc::UnboundedReceiver<PushBody>);

impl Upstream {
    /// No user connected yet.
    pub fn new(settings: Settings) -> Upstream {
        Upstream { settings, users: HashMap::new() }
    }

    /// Sends a channel message to AICC: a new user is connected first
    /// (`applyToken`, `CONNECT`).
    pub async fn send(&mut self, m: &ChannelMessage) -> Result<(), BoxError> {
        if !self.users.contains_key(&m.user) {
            let s = &self.settings;
            let cfg = cec_core::Config::builder(&s.apifabric).build()?;
            let creds = cec_apifabric::ApiFabricCredentials::new(s.app_key.as_str(), s.app_secret.as_str());
            let af = cec_apifabric::Client::new(cfg.clone(), cfg, creds)?;
            af.ccmessaging_apply_token()
                .user_id(m.user.as_str())
                .user_name(m.user.as_str())
                .channel_id(s.channel_id.as_str())
                .locale("en")
                .send()
                .await?;
            self.users.insert(m.user.clone(), af);
            self.control(&m.user, "CONNECT", "").await?;
        }
        self.control(&m.user, "CHAT", &m.text).await
    }

    async fn control(&self, user: &str, control: &str, text: &str) -> Result<(), BoxError> {
        let Some(af) = self.users.get(user) else { return Err("user not connected".into()) };
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
        af.ccmessaging_send()
            .channel("WEB")
            .control_type(control)
            .content(text)
            .from(user)
            .to(self.settings.channel_id.as_str())
            .media_type("TEXT")
            .source_type("CUSTOMER")
            .timestamp(now.to_string())
            .send()
            .await?;
        Ok(())
    }
}

/// The downstream half: the messages of a verified push, as channel messages
/// for the users they are addressed to (`to`); `[robot]`/`[agent 1001]`… in front.
pub fn downstream(push: PushBody) -> Vec<ChannelMessage> {
    let mut out = Vec::new();
    for m in push.messages.unwrap_or_default() {
        let (Some(user), Some(text)) = (m.to, m.content) else { continue };
        let who = match m.source_type.as_deref() {
            Some("AGENT") => format!("agent {}", m.from.unwrap_or_default()),
            Some(other) => other.to_lowercase(),
            None => "aicc".into(),
        };
        let text = match m.media_type.as_deref() {
            None | Some("TEXT") => text,
            Some(media) => format!("<{media} {text}>"),
        };
        out.push(ChannelMessage { user, text: format!("[{who}] {text}") });
    }
    out
}

/// A channel: where its users' messages come from, where AICC's go.
pub trait Channel {
    /// The next message from the channel (`None`: the channel closed).
    fn recv(&mut self) -> impl std::future::Future<Output = Option<ChannelMessage>> + Send;
    /// Delivers a message to a channel user.
    fn deliver(&mut self, m: ChannelMessage);
}

/// The terminal as a channel: `user> text` lines in, `user< text` lines out.
#[derive(Debug)]
pub struct TerminalChannel {
    lines: mpsc::Receiver<String>,
}

impl TerminalChannel {
    /// Reads standard input on a task.
    pub fn stdin() -> TerminalChannel {
        let (tx, lines) = mpsc::channel(16);
        tokio::spawn(async move {
            use tokio::io::AsyncBufReadExt as _;
            let mut input = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            while let Ok(Some(l)) = input.next_line().await {
                if tx.send(l).await.is_err() {
                    break;
                }
            }
        });
        TerminalChannel { lines }
    }
}

impl Channel for TerminalChannel {
    async fn recv(&mut self) -> Option<ChannelMessage> {
        loop {
            let line = self.lines.recv().await?;
            match line.split_once('>') {
                Some((u, t)) if !u.trim().is_empty() => {
                    return Some(ChannelMessage { user: u.trim().to_owned(), text: t.trim().to_owned() });
                }
                _ => println!("(type `user> text`)"),
            }
        }
    }

    fn deliver(&mut self, m: ChannelMessage) {
        println!("{}< {}", m.user, m.text);
    }
}

/// Bridges `channel` and AICC until the channel closes; `push` is the
/// receiver AICC posts to (register its `base_url()` as the adapter's URL in AICC).
pub async fn bridge(settings: Settings, push: Pushes, channel: &mut impl Channel) -> Result<(), BoxError> {
    let (_receiver, mut pushes) = push;
    let mut up = Upstream::new(settings);
    loop {
        tokio::select! {
            m = channel.recv() => match m {
                Some(m) => up.send(&m).await?,
                None => return Ok(()),
            },
            p = pushes.recv() => match p {
                Some(p) => downstream(p).into_iter().for_each(|m| channel.deliver(m)),
                None => return Err("the push receiver stopped".into()),
            },
        }
    }
}

/// The push receiver, verifying with AICC's push AK/SK.
pub async fn receiver(settings: &Settings) -> std::io::Result<Pushes> {
    let verifier = PushVerifier::new(settings.push_ak.as_str(), settings.push_sk.as_str());
    PushReceiver::bind(([127, 0, 0, 1], 0).into(), verifier).await
}

/// An in-process simulator pushing to a fresh receiver, and the settings to reach it.
async fn simulated() -> Result<(cec_sim::Simulator, Settings, Pushes), BoxError> {
    let sc = cec_sim::Scenario::default();
    let mut settings = Settings {
        apifabric: String::new(),
        app_key: sc.app_key.clone(),
        app_secret: sc.app_secret.clone(),
        channel_id: sc.channel_id.clone(),
        push_ak: sc.ak.clone(),
        push_sk: sc.sk.clone(),
    };
    let push = receiver(&settings).await?;
    let scenario = cec_sim::Scenario { messaging_push_url: Some(push.0.base_url()), ..sc };
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await?;
    settings.apifabric = sim.endpoint();
    Ok((sim, settings, push))
}

/// A scripted channel: the messages to send, and what was delivered.
#[derive(Debug, Default)]
pub struct Scripted {
    /// Still to send.
    pub script: std::collections::VecDeque<ChannelMessage>,
    /// Delivered by the adapter.
    pub delivered: Vec<ChannelMessage>,
    /// Sends the next scripted message once this many were delivered.
    pub wait_for: Vec<usize>,
}

impl Channel for Scripted {
    async fn recv(&mut self) -> Option<ChannelMessage> {
        match self.wait_for.first() {
            Some(n) if self.delivered.len() < *n => return std::future::pending().await,
            _ => {}
        }
        if !self.wait_for.is_empty() {
            self.wait_for.remove(0);
        }
        match self.script.pop_front() {
            Some(m) => Some(m),
            // Done: close once every delivery is in (a short grace for late pushes).
            None => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                None
            }
        }
    }

    fn deliver(&mut self, m: ChannelMessage) {
        self.delivered.push(m);
    }
}

/// The round trip the test runs: user `alice` greets and asks for the opening
/// hours; returns what the channel delivered to her.
pub async fn run() -> Result<Vec<ChannelMessage>, BoxError> {
    let (sim, settings, push) = simulated().await?;
    let say = |text: &str| ChannelMessage { user: "alice".into(), text: text.into() };
    let mut channel = Scripted {
        script: [say("hello"), say("what are your opening hours?")].into(),
        // The question waits for the greeting and the answer to "hello"; the
        // channel closes once the answer to the question is in.
        wait_for: vec![0, 2, 3],
        delivered: Vec::new(),
    };
    tokio::time::timeout(Duration::from_secs(20), bridge(settings, push, &mut channel)).await??;
    for m in &channel.delivered {
        println!("{}< {}", m.user, m.text);
    }
    sim.shutdown().await;
    Ok(channel.delivered)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let (sim, settings, push) = simulated().await?;
    println!("channel adapter on {} (pushes verified); type `alice> hello`, end with Ctrl-D", push.0.base_url());
    bridge(settings, push, &mut TerminalChannel::stdin()).await?;
    sim.shutdown().await;
    Ok(())
}
