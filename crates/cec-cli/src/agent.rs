//! `cec agent watch` (events as JSON lines or a table) and `cec agent bar` (an
//! interactive connection bar), both on `cec_gateway::AgentSession`.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cec_gateway::{AgentEvent, AgentSession, AgentView, SignIn, Skills};
use clap::{Args, Subcommand};
use futures_util::StreamExt;
use serde_json::json;

use crate::OutputFormat;

/// Agent commands.
#[derive(Debug, Subcommand)]
pub enum AgentCmd {
    /// Sign in, print every event (one JSON object per line, or a table), sign out on Ctrl-C or when done.
    Watch(WatchArgs),
    /// An interactive connection bar: state, calls, keys for answer, hold, release, ready, busy, rest, sign out.
    Bar(SessionArgs),
}

/// Who signs in, and how.
#[derive(Debug, Args)]
pub struct SessionArgs {
    /// Agent id (101–999999).
    #[arg(long)]
    agent: String,
    /// Agent password (prefer the environment variable: arguments show in process lists).
    #[arg(long, env = "CEC_AGENT_PASSWORD", hide_env_values = true)]
    password: String,
    /// Softphone number (default: the agent id).
    #[arg(long)]
    phone: Option<String>,
    /// Skill queue ids to sign in to, comma-separated (default: all configured).
    #[arg(long, value_delimiter = ',')]
    skills: Vec<u32>,
    /// Take the session over when the agent is signed in elsewhere (`forcelogin`).
    #[arg(long)]
    force: bool,
    /// Sign in again by itself when the platform drops the session.
    #[arg(long)]
    resign_in: bool,
}

/// `cec agent watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    session: SessionArgs,
    /// Stop after this many events.
    #[arg(long)]
    max_events: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long)]
    duration: Option<f64>,
    /// `json` (one event per line) or `table`.
    #[arg(long, value_enum, default_value = "json")]
    output: OutputFormat,
}

impl SessionArgs {
    fn sign_in(&self) -> SignIn {
        let phone = self.phone.clone().unwrap_or_else(|| self.agent.clone());
        let mut o = SignIn::new(self.agent.as_str(), self.password.as_str(), phone);
        o.force = self.force;
        o.resign_in = self.resign_in;
        if !self.skills.is_empty() {
            o.skills = Skills::Only(self.skills.clone());
        }
        o
    }
}

pub async fn run(cmd: AgentCmd, gateway: cec_gateway::Client) -> anyhow::Result<()> {
    match cmd {
        AgentCmd::Watch(a) => watch(a, gateway).await,
        AgentCmd::Bar(a) => bar(a, gateway).await,
    }
}

fn state_name(v: &AgentView) -> String {
    format!("{:?}", v.state)
}

async fn watch(a: WatchArgs, gateway: cec_gateway::Client) -> anyhow::Result<()> {
    let session = AgentSession::sign_in(gateway, a.session.sign_in()).await.context("sign-in")?;
    let mut events = Box::pin(session.events().context("event stream")?);
    let deadline = a.duration.map(|s| Instant::now() + Duration::from_secs_f64(s.max(0.0)));
    let mut seen = 0u64;
    let mut out = std::io::stdout().lock();
    if a.output == OutputFormat::Table {
        writeln!(out, "{:<13} {:<40} {:<24} {:<10}", "time", "event", "call", "state")?;
    }
    let started = Instant::now();
    let outcome: anyhow::Result<()> = loop {
        if a.max_events.is_some_and(|m| seen >= m) {
            break Ok(());
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let sleep = tokio::time::sleep(left.unwrap_or(Duration::from_secs(86_400)));
        let item = tokio::select! {
            item = events.next() => item,
            _ = tokio::signal::ctrl_c() => break Ok(()),
            _ = sleep => break Ok(()),
        };
        match item {
            Some(Ok(ev)) => {
                seen += 1;
                let view = session.view();
                match a.output {
                    OutputFormat::Json => {
                        let line = json!({
                            "agent": session.agent_id(), "eventType": ev.event_type(), "content": ev.content(),
                            "state": state_name(&view), "calls": view.calls.len(),
                        });
                        writeln!(out, "{line}")?;
                    }
                    OutputFormat::Table => {
                        let call = call_of(&ev).unwrap_or_default();
                        let t = format!("{:.3}", started.elapsed().as_secs_f64());
                        writeln!(out, "{t:<13} {:<40} {call:<24} {:<10}", ev.event_type(), state_name(&view))?;
                    }
                }
                out.flush()?;
            }
            Some(Err(e)) => break Err(anyhow::Error::new(e).context("the session ended")),
            None => break Ok(()),
        }
    };
    drop(out);
    if outcome.is_ok() {
        session.sign_out().await.context("sign-out")?;
    }
    outcome
}

fn call_of(ev: &AgentEvent) -> Option<String> {
    let c = ev.content();
    c.as_str().map(str::to_owned).or_else(|| c.get("callid").and_then(|v| v.as_str()).map(str::to_owned))
}

/// Restores the terminal when the bar ends, however it ends.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
        let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
    }
}

fn render(agent: &str, v: &AgentView, last: &str) -> anyhow::Result<()> {
    use crossterm::{cursor, terminal};
    let mut out = std::io::stdout().lock();
    crossterm::queue!(out, terminal::Clear(terminal::ClearType::All), cursor::MoveTo(0, 0), cursor::Hide)?;
    let mute = if v.muted { "  [muted]" } else { "" };
    write!(out, "cec agent bar - agent {agent}   state: {}{mute}\r\n", state_name(v))?;
    write!(out, "calls:\r\n")?;
    if v.calls.is_empty() {
        write!(out, "  (none)\r\n")?;
    }
    for c in &v.calls {
        let who = c.caller.as_deref().or(c.called.as_deref()).unwrap_or("?");
        write!(out, "  {:<24} {:<10} {who}\r\n", c.call_id, format!("{:?}", c.state))?;
    }
    write!(out, "\r\nkeys: a answer  h hold/unhold  r release  i ready  b busy  s rest  m mute  q sign out\r\n")?;
    write!(out, "last: {last}\r\n")?;
    out.flush()?;
    Ok(())
}

async fn key_action(s: &AgentSession, key: char) -> Result<&'static str, cec_gateway::Error> {
    let v = s.view();
    match key {
        'a' => s.answer().await.map(|_| "answered"),
        'h' if v.talking().is_some() => s.hold().await.map(|_| "held"),
        'h' => s.unhold(None).await.map(|_| "taken back"),
        'r' => s.release().await.map(|_| "released"),
        'i' => s.ready().await.map(|_| "ready"),
        'b' => s.busy(None).await.map(|_| "busy"),
        's' => s.rest(Duration::from_secs(600), 0).await.map(|_| "resting (10 min)"),
        'm' if v.muted => s.unmute().await.map(|_| "unmuted"),
        'm' => s.mute().await.map(|_| "muted"),
        _ => Ok("unknown key"),
    }
}

async fn bar(a: SessionArgs, gateway: cec_gateway::Client) -> anyhow::Result<()> {
    use crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};
    if !crossterm::tty::IsTty::is_tty(&std::io::stdin()) {
        bail!("`cec agent bar` needs a terminal (use `cec agent watch` in scripts)");
    }
    let session = AgentSession::sign_in(gateway, a.sign_in()).await.context("sign-in")?;
    let mut events = Box::pin(session.events().context("event stream")?);
    crossterm::terminal::enable_raw_mode()?;
    let _raw = RawMode;
    let mut keys = EventStream::new();
    let mut last = String::from("signed in");
    loop {
        render(session.agent_id(), &session.view(), &last)?;
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => last = ev.event_type().to_owned(),
                Some(Err(e)) => { last = format!("session ended: {e}"); render(session.agent_id(), &session.view(), &last)?; bail!("{last}"); }
                None => bail!("the event stream ended"),
            },
            key = keys.next() => {
                let Some(Ok(Event::Key(k))) = key else { continue };
                if k.kind != KeyEventKind::Press {
                    continue;
                }
                let quit = matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                    || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL));
                if quit {
                    match session.sign_out().await {
                        Ok(()) => {
                            last = "signed out".into();
                            render(session.agent_id(), &session.view(), &last)?;
                            return Ok(());
                        }
                        Err(e) => last = format!("cannot sign out: {e}"),
                    }
                    continue;
                }
                if let KeyCode::Char(c) = k.code {
                    last = match key_action(&session, c).await {
                        Ok(done) => done.to_owned(),
                        Err(e) => format!("refused: {e}"),
                    };
                }
            }
        }
    }
}
