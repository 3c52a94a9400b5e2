//! `cec agent watch` (events as JSON lines or a table) and `cec agent bar` (an
//! interactive connection bar), both on `cec_gateway::AgentSession`.
//!
//! Both sign the agent out however they end: when done (`--max-events`,
//! `--duration`, `q` in the bar), on SIGINT, SIGTERM or SIGHUP, and when their
//! output closes (`cec agent watch | head`). A call that is still ringing,
//! connected or held at that moment is waited for, up to `--call-wait`
//! seconds (a second signal cuts the wait short), or released first with
//! `--release-calls`. If the agent cannot be signed out the command says so on
//! stderr and exits with status 1.
//!
//! The bar also lists the agent's chats (several at once, one
//! `cec_gateway::Chat` each): number, customer, state and last message, with
//! the customers' messages below tagged `[chat N customer]`. `/chat N`
//! selects a chat; then every line typed (Enter) is sent to it, until Esc.
//! `/answer` and `/close` act on the selected chat; `/` opens the command
//! line from the keys, Enter a message line to the selected chat.

use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use cec_gateway::{AgentEvent, AgentSession, AgentView, ChatEvent, ChatSender, SessionEvent, SignIn, Skills};
use clap::{Args, Subcommand};
use futures_util::{FutureExt, Stream, StreamExt};
use serde_json::json;

use crate::OutputFormat;

/// Agent commands.
#[derive(Debug, Subcommand)]
pub enum AgentCmd {
    /// Sign in, print every event (one JSON object per line, or a table), sign out when done,
    /// on Ctrl-C, SIGTERM or SIGHUP, or when the output closes.
    Watch(WatchArgs),
    /// An interactive connection bar: state, calls, keys for answer, hold, release, ready, busy, rest, sign out;
    /// the agent's chats (several at once): `/chat N` selects one, then typed lines are sent to it.
    Bar(SessionArgs),
    /// Sign out the agent of the saved session (`cec gateway onlineagent.login --save`) and clear it.
    SignOut(SignOutArgs),
}

/// `cec agent sign-out`.
#[derive(Debug, Args)]
pub struct SignOutArgs {
    /// Agent id (default: the one the session was saved for).
    #[arg(long)]
    agent: Option<String>,
    /// Only clear the saved session, without asking the gateway.
    #[arg(long)]
    forget: bool,
}

/// Signs out the saved session's agent (its GUID), then removes the session file.
pub async fn sign_out(
    a: SignOutArgs,
    gateway: cec_gateway::Client,
    file: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let file = file.ok_or_else(|| anyhow!("no config directory for session files (set CEC_SESSION_DIR)"))?;
    let Some(saved) = crate::session::load(file)? else {
        bail!("no saved session ({} does not exist): nothing to sign out", file.display());
    };
    if !a.forget {
        let agent = a.agent.or(saved.agent.clone()).ok_or_else(|| {
            crate::exit::usage("the saved session does not name its agent: give --agent ID (or --forget)")
        })?;
        gateway.set_guid(saved.guid.clone());
        gateway.onlineagent_logout().agentid(agent.clone()).send().await?;
        eprintln!("agent {agent} signed out");
    }
    crate::session::clear(file)?;
    eprintln!("session cleared ({})", file.display());
    Ok(())
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
    /// When the command ends with a call ringing, connected or held: wait this many seconds
    /// for the call to end before signing out (the platform refuses to sign out an agent on a call).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    call_wait: f64,
    /// When the command ends with calls: release them (ringing, connected, then held ones) instead
    /// of waiting for them to end.
    #[arg(long)]
    release_calls: bool,
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

    fn call_wait(&self) -> Duration {
        Duration::from_secs_f64(if self.call_wait.is_finite() { self.call_wait.clamp(0.0, 86_400.0) } else { 0.0 })
    }
}

pub async fn run(cmd: AgentCmd, gateway: cec_gateway::Client) -> anyhow::Result<()> {
    match cmd {
        AgentCmd::Watch(a) => watch(a, gateway).await,
        AgentCmd::Bar(a) => bar(a, gateway).await,
        AgentCmd::SignOut(a) => sign_out(a, gateway, None).await,
    }
}

/// What the agent is doing: the newest call's state while there is a call
/// (`Ringing`, `Talking`, `Held`…), else the agent's state.
fn state_name(v: &AgentView) -> String {
    match v.calls.last() {
        Some(c) => format!("{:?}", c.state),
        None => format!("{:?}", v.state),
    }
}

/// Now, RFC 3339 (UTC, milliseconds).
fn now_rfc3339() -> String {
    cec_core::time::format_utc_millis(std::time::SystemTime::now())
}

/// Why a command stops.
#[derive(Debug)]
enum Stop {
    /// `--max-events`, `--duration`, or `q`.
    Done,
    /// A signal (its name).
    Signal(&'static str),
    /// Standard output was closed by its reader (`| head`), or the terminal is gone.
    OutputClosed,
    /// The event stream ended with this error.
    Ended(cec_gateway::Error),
}

/// The ways a process is asked to stop: SIGINT, SIGTERM, SIGHUP, and (for
/// `watch`) the reader of standard output going away. Installed before
/// sign-in, so a signal during sign-in is not lost and does not kill the
/// process before the agent is signed out.
struct Stopper {
    #[cfg(unix)]
    signals: [(tokio::signal::unix::Signal, &'static str); 3],
    /// SIGPIPE is caught, so a write to a closed pipe fails instead of killing the process.
    #[cfg(unix)]
    _pipe: tokio::signal::unix::Signal,
    /// Fires when standard output reports an error or hang-up (a pipe whose reader closed).
    #[cfg(unix)]
    stdout: Option<tokio::sync::oneshot::Receiver<()>>,
}

/// Watches standard output from a thread of its own: `poll` with no events
/// asked for returns only on an error or a hang-up, which is what a pipe
/// whose reader has gone reports. Outputs that cannot report it (a regular
/// file, `/dev/null`) never fire: they never close under us. The thread ends
/// with the process.
#[cfg(unix)]
fn watch_output() -> Option<tokio::sync::oneshot::Receiver<()>> {
    use rustix::event::{PollFd, PollFlags, poll};
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new().name("stdout-watch".into()).spawn(move || {
        let out = std::io::stdout();
        loop {
            let mut fds = [PollFd::new(&out, PollFlags::empty())];
            match poll(&mut fds, None) {
                Ok(_) => {
                    let r = fds[0].revents();
                    if r.intersects(PollFlags::ERR | PollFlags::HUP) {
                        let _ = tx.send(());
                        return;
                    }
                    if r.contains(PollFlags::NVAL) {
                        return;
                    }
                }
                Err(rustix::io::Errno::INTR) => {}
                Err(_) => return,
            }
        }
    });
    spawned.ok().map(|_| rx)
}

impl Stopper {
    fn install(watch_stdout: bool) -> anyhow::Result<Stopper> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let s = |k: SignalKind| signal(k).context("installing a signal handler");
            let signals = [
                (s(SignalKind::interrupt())?, "SIGINT"),
                (s(SignalKind::terminate())?, "SIGTERM"),
                (s(SignalKind::hangup())?, "SIGHUP"),
            ];
            let stdout = if watch_stdout { watch_output() } else { None };
            Ok(Stopper { signals, _pipe: s(SignalKind::pipe())?, stdout })
        }
        #[cfg(not(unix))]
        {
            let _ = watch_stdout;
            Ok(Stopper {})
        }
    }

    /// Waits for the next request to stop.
    async fn next(&mut self) -> Stop {
        #[cfg(unix)]
        {
            let [(a, an), (b, bn), (c, cn)] = &mut self.signals;
            let closed = async {
                match self.stdout.as_mut() {
                    Some(rx) => match rx.await {
                        Ok(()) => {}
                        Err(_) => std::future::pending().await,
                    },
                    None => std::future::pending().await,
                }
            };
            let stop = tokio::select! {
                _ = a.recv() => Stop::Signal(an),
                _ = b.recv() => Stop::Signal(bn),
                _ = c.recv() => Stop::Signal(cn),
                () = closed => Stop::OutputClosed,
            };
            if matches!(stop, Stop::OutputClosed) {
                // Reported once.
                self.stdout = None;
            }
            stop
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => Stop::Signal("Ctrl-C"),
                Err(_) => std::future::pending().await,
            }
        }
    }
}

/// Where a command shows events and notes while it winds down.
trait Screen {
    fn event(&mut self, s: &AgentSession, ev: &SessionEvent);
    fn note(&mut self, s: &AgentSession, msg: &str);
}

/// `watch` output: JSON lines or a table on stdout, notes on stderr. A write
/// that fails (the reader went away) marks the output closed; nothing is
/// written after that.
struct WatchOut {
    format: OutputFormat,
    closed: bool,
}

impl WatchOut {
    fn write(&mut self, line: std::fmt::Arguments<'_>) {
        if !self.closed && crate::out::write_line(line).is_err() {
            self.closed = true;
        }
    }

    fn header(&mut self) {
        if self.format == OutputFormat::Table {
            self.write(format_args!("{:<24} {:<40} {:<24} {:<10}", "time", "event", "call", "state"));
        }
    }
}

impl Screen for WatchOut {
    fn event(&mut self, s: &AgentSession, ev: &SessionEvent) {
        let view = s.view();
        let t = now_rfc3339();
        match (self.format, ev) {
            (OutputFormat::Json, SessionEvent::Event(ev)) => {
                let line = json!({
                    "time": t, "agent": s.agent_id(), "eventType": ev.event_type(), "content": ev.content(),
                    "state": state_name(&view), "calls": view.calls.len(),
                });
                self.write(format_args!("{line}"));
            }
            (OutputFormat::Json, SessionEvent::Lagged(n)) => {
                let line = json!({ "time": t, "agent": s.agent_id(), "lagged": n, "state": state_name(&view) });
                self.write(format_args!("{line}"));
            }
            (OutputFormat::Table, SessionEvent::Event(ev)) => {
                let call = call_of(ev).unwrap_or_default();
                self.write(format_args!("{t:<24} {:<40} {call:<24} {:<10}", ev.event_type(), state_name(&view)));
            }
            (OutputFormat::Table, SessionEvent::Lagged(n)) => {
                let what = format!("({n} events dropped: output too slow)");
                self.write(format_args!("{t:<24} {what:<40} {:<24} {:<10}", "", state_name(&view)));
            }
            _ => {}
        }
    }

    fn note(&mut self, s: &AgentSession, msg: &str) {
        // Not `eprintln!`: it panics when stderr is a closed pipe too.
        let _ = writeln!(std::io::stderr(), "cec agent watch: agent {}: {msg}", s.agent_id());
    }
}

async fn watch(a: WatchArgs, gateway: cec_gateway::Client) -> anyhow::Result<()> {
    let mut stop = Stopper::install(true)?;
    let session = AgentSession::sign_in(gateway, a.session.sign_in()).await.context("sign-in")?;
    // From here on every way out goes through `wind_down`, which signs out.
    let Some(events) = session.events() else {
        return wind_down::<futures_util::stream::Empty<_>>(
            &session,
            None,
            &mut stop,
            &a.session,
            &mut NoScreen,
            Stop::Done,
        )
        .await;
    };
    let mut events = Box::pin(events);
    let deadline = a.duration.map(|s| Instant::now() + Duration::from_secs_f64(s.clamp(0.0, 1e9)));
    let mut out = WatchOut { format: a.output, closed: false };
    out.header();
    let mut seen = 0u64;
    let reason = loop {
        if out.closed {
            break Stop::OutputClosed;
        }
        if a.max_events.is_some_and(|m| seen >= m) {
            break Stop::Done;
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let sleep = tokio::time::sleep(left.unwrap_or(Duration::from_secs(86_400)));
        tokio::select! {
            item = events.next() => match item {
                Some(Ok(ev)) => {
                    if matches!(ev, SessionEvent::Event(_)) {
                        seen += 1;
                    }
                    out.event(&session, &ev);
                }
                Some(Err(e)) => break Stop::Ended(e),
                None => break Stop::Done,
            },
            why = stop.next() => break why,
            _ = sleep => break Stop::Done,
        }
    };
    wind_down(&session, Some(&mut events), &mut stop, &a.session, &mut out, reason).await
}

struct NoScreen;

impl Screen for NoScreen {
    fn event(&mut self, _: &AgentSession, _: &SessionEvent) {}
    fn note(&mut self, _: &AgentSession, _: &str) {}
}

/// Calls that keep the platform from signing the agent out.
fn on_call(v: &AgentView) -> bool {
    !v.calls.is_empty()
}

/// One step of `--release-calls`: release the current call (ringing or
/// connected), else take back a held one so that it can be released next.
async fn release_step(s: &AgentSession, asked: &mut HashSet<String>) -> Result<Option<String>, cec_gateway::Error> {
    let v = s.view();
    let open: Vec<&cec_gateway::CallView> =
        v.calls.iter().filter(|c| c.state != cec_gateway::CallState::Held).collect();
    if open.len() > 1 {
        // Several at once are chats: each is ended by its call id.
        for c in open {
            if asked.insert(format!("close {}", c.call_id)) {
                s.close_chat(&c.call_id).await?;
                return Ok(Some(format!("closed chat {}", c.call_id)));
            }
        }
        return Ok(None);
    }
    if let Some(c) = v.active() {
        if asked.insert(format!("release {}", c.call_id)) {
            s.release().await?;
            return Ok(Some(format!("released call {}", c.call_id)));
        }
        return Ok(None);
    }
    if let Some(c) = v.held().last()
        && asked.insert(format!("unhold {}", c.call_id))
    {
        s.unhold(Some(&c.call_id)).await?;
        return Ok(Some(format!("took held call {} back to release it", c.call_id)));
    }
    Ok(None)
}

/// Ends a command: deals with calls still on (waits for them up to
/// `--call-wait`, or releases them with `--release-calls`), then signs out.
/// Fails, saying so, when the agent stays signed in.
async fn wind_down<S: Stream<Item = cec_gateway::EventItem> + Send>(
    s: &AgentSession,
    mut events: Option<&mut std::pin::Pin<Box<S>>>,
    stop: &mut Stopper,
    opts: &SessionArgs,
    screen: &mut dyn Screen,
    reason: Stop,
) -> anyhow::Result<()> {
    let ended = match reason {
        Stop::Ended(e) => Some(e),
        Stop::Signal(name) => {
            screen.note(s, &format!("{name} received: signing out"));
            None
        }
        Stop::OutputClosed => {
            tracing::debug!("output closed: signing out");
            None
        }
        Stop::Done => None,
    };
    if s.is_signed_out() {
        // The platform ended the session (or it was signed out already).
        return match ended {
            Some(e) => Err(anyhow::Error::new(e).context("the session ended")),
            None => Ok(()),
        };
    }
    if ended.is_none() && on_call(&s.view()) {
        let wait = opts.call_wait();
        let until = tokio::time::Instant::now() + wait;
        if opts.release_calls {
            screen.note(s, "on a call: releasing it before signing out");
        } else {
            screen.note(
                s,
                &format!("on a call: waiting up to {:.0} s for it to end before signing out", wait.as_secs_f64()),
            );
        }
        let mut asked = HashSet::new();
        while on_call(&s.view()) && tokio::time::Instant::now() < until {
            if opts.release_calls {
                match release_step(s, &mut asked).await {
                    Ok(Some(done)) => screen.note(s, &done),
                    Ok(None) => {}
                    Err(e) => screen.note(s, &format!("cannot release: {e}")),
                }
            }
            // Wake at least every 200 ms: the view follows events whether or not they are read.
            let tick = tokio::time::sleep_until(until.min(tokio::time::Instant::now() + Duration::from_millis(200)));
            let next = async {
                match events.as_mut() {
                    Some(ev) => ev.next().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                item = next => match item {
                    Some(Ok(ev)) => screen.event(s, &ev),
                    Some(Err(_)) | None => events = None,
                },
                why = stop.next() => {
                    if let Stop::Signal(name) = why {
                        screen.note(s, &format!("{name} received again: not waiting any longer"));
                        break;
                    }
                }
                _ = tick => {}
            }
        }
    }
    if s.is_signed_out() {
        return match ended {
            Some(e) => Err(anyhow::Error::new(e).context("the session ended")),
            None => Ok(()),
        };
    }
    let shut = s.shutdown(tokio::time::Instant::now() + Duration::from_secs(10)).await;
    // Show what came until the sign-out (the stream ends with it).
    if let Some(ev) = events.as_mut() {
        while let Some(Some(Ok(item))) = ev.next().now_or_never() {
            screen.event(s, &item);
        }
    }
    match (shut, ended) {
        (Ok(()), None) => Ok(()),
        (Ok(()), Some(e)) => Err(anyhow::Error::new(e).context("the session ended (the agent is signed out)")),
        (Err(e), _) => {
            let calls = s.view().calls.len();
            let why = if calls > 0 { format!(" ({calls} call(s) still on)") } else { String::new() };
            Err(anyhow!(
                "agent {} is still signed in{why}: {e}; the platform signs it out about 2 minutes after its last poll",
                s.agent_id()
            ))
        }
    }
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

/// One chat on the bar.
struct ChatLine {
    /// The number `/chat N` selects it by.
    n: usize,
    sender: ChatSender,
    customer: String,
    state: &'static str,
    last: String,
}

/// The bar's chats: the open ones, the selected one, the latest messages.
#[derive(Default)]
struct Desk {
    chats: Vec<ChatLine>,
    next_n: usize,
    selected: Option<usize>,
    /// The latest messages, oldest first, each tagged with its chat.
    log: std::collections::VecDeque<String>,
}

/// Messages kept on screen.
const LOG_LINES: usize = 8;

impl Desk {
    fn note(&mut self, line: String) {
        self.log.push_back(line);
        while self.log.len() > LOG_LINES {
            self.log.pop_front();
        }
    }

    /// A chat was offered: it gets the next number.
    fn add(&mut self, chat: &cec_gateway::Chat) -> usize {
        self.next_n += 1;
        let n = self.next_n;
        let customer = chat.customer().unwrap_or("?").to_owned();
        self.note(format!("[chat {n} {customer}] offered (/chat {n}, then /answer)"));
        self.chats.push(ChatLine { n, sender: chat.sender(), customer, state: "ringing", last: String::new() });
        n
    }

    fn line(&mut self, n: usize) -> Option<&mut ChatLine> {
        self.chats.iter_mut().find(|c| c.n == n)
    }

    /// One event of chat `n`.
    fn event(&mut self, n: usize, ev: ChatEvent) {
        let Some(c) = self.line(n) else { return };
        let tag = format!("[chat {n} {}]", c.customer);
        match ev {
            ChatEvent::Connected { .. } => c.state = "connected",
            ChatEvent::Message { text, .. } => {
                c.last = text.clone();
                self.note(format!("{tag} {text}"));
            }
            ChatEvent::File { file, .. } => {
                let what = format!("(file {})", file.name.as_deref().unwrap_or(&file.resource_id));
                c.last = what.clone();
                self.note(format!("{tag} {what}"));
            }
            ChatEvent::Ended { by_customer, .. } => {
                self.chats.retain(|c| c.n != n);
                if self.selected == Some(n) {
                    self.selected = None;
                }
                let who = if by_customer { "the customer left" } else { "closed" };
                self.note(format!("{tag} {who}"));
            }
            ChatEvent::Lagged { missed, .. } => self.note(format!("{tag} ({missed} events dropped)")),
            _ => {}
        }
    }

    fn selected(&self) -> Option<&ChatLine> {
        self.selected.and_then(|n| self.chats.iter().find(|c| c.n == n))
    }
}

fn render(agent: &str, v: &AgentView, desk: &Desk, input: Option<&str>, last: &str) -> std::io::Result<()> {
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
    if !desk.chats.is_empty() {
        write!(out, "chats:\r\n")?;
        for c in &desk.chats {
            let mark = if desk.selected == Some(c.n) { '*' } else { ' ' };
            let id = c.sender.call_id();
            write!(out, " {mark}{:<3} {id:<24} {:<16} {:<10} {}\r\n", c.n, c.customer, c.state, c.last)?;
        }
    }
    if !desk.log.is_empty() {
        write!(out, "messages:\r\n")?;
        for l in &desk.log {
            write!(out, "  {l}\r\n")?;
        }
    }
    write!(out, "\r\nkeys: a answer  h hold/unhold  r release  i ready  b busy  s rest  m mute  q sign out\r\n")?;
    write!(out, "chats: / command (/chat N, /answer, /close)  Enter type to the selected chat  Esc stop typing\r\n")?;
    write!(out, "last: {last}\r\n")?;
    if let Some(line) = input {
        let to = desk.selected().map(|c| format!("chat {} {}", c.n, c.customer)).unwrap_or_default();
        write!(out, "{to}> {line}\r\n")?;
    }
    out.flush()?;
    Ok(())
}

/// The bar's screen: the last event or note, the chats, the line being
/// typed, redrawn; a terminal that cannot be drawn on any more is noted (the
/// bar then winds down).
struct BarScreen {
    last: String,
    gone: bool,
    desk: Desk,
    /// The line being typed (`None`: single keys act).
    input: Option<String>,
}

impl BarScreen {
    fn draw(&mut self, s: &AgentSession) {
        if !self.gone && render(s.agent_id(), &s.view(), &self.desk, self.input.as_deref(), &self.last).is_err() {
            self.gone = true;
        }
    }

    /// A line typed and entered: a command (`/chat N`, `/answer`, `/close`)
    /// or a message to the selected chat. Typing goes on while a chat is selected.
    async fn enter(&mut self, line: &str) {
        let line = line.trim();
        self.input = None;
        let mut words = line.split_whitespace();
        self.last = match (line.starts_with('/'), words.next()) {
            (_, None) => String::new(),
            (true, Some("/chat")) => match words.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if self.desk.chats.iter().any(|c| c.n == n) => {
                    self.desk.selected = Some(n);
                    format!("chat {n} selected: type to send, Esc to stop")
                }
                _ => "no such chat: /chat N with N from the list".to_owned(),
            },
            (true, Some(cmd @ ("/answer" | "/close"))) => match self.desk.selected().map(|c| c.sender.clone()) {
                None => "select a chat first: /chat N".to_owned(),
                Some(chat) if cmd == "/answer" => match chat.answer().await {
                    Ok(()) => format!("answered chat {}", chat.call_id()),
                    Err(e) => format!("refused: {e}"),
                },
                Some(chat) => match chat.close().await {
                    Ok(()) => format!("closing chat {}", chat.call_id()),
                    Err(e) => format!("refused: {e}"),
                },
            },
            (true, Some(other)) => format!("unknown command {other} (/chat N, /answer, /close)"),
            (false, Some(_)) => match self.desk.selected().map(|c| (c.n, c.customer.clone(), c.sender.clone())) {
                None => "select a chat first: /chat N".to_owned(),
                Some((n, customer, chat)) => match chat.send(line).await {
                    Ok(()) => {
                        self.desk.note(format!("[chat {n} {customer}] you: {line}"));
                        format!("sent to chat {n}")
                    }
                    Err(e) => format!("refused: {e}"),
                },
            },
        };
        if self.desk.selected().is_some() {
            self.input = Some(String::new());
        }
    }
}

impl Screen for BarScreen {
    fn event(&mut self, s: &AgentSession, ev: &SessionEvent) {
        self.last = match ev {
            SessionEvent::Event(ev) => ev.event_type().to_owned(),
            SessionEvent::Lagged(n) => format!("{n} events dropped"),
            _ => return,
        };
        self.draw(s);
    }

    fn note(&mut self, s: &AgentSession, msg: &str) {
        self.last = msg.to_owned();
        self.draw(s);
    }
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
    let mut stop = Stopper::install(false)?;
    let session = AgentSession::sign_in(gateway, a.sign_in()).await.context("sign-in")?;
    // From here on every way out goes through `wind_down`, which signs out.
    let mut screen = BarScreen { last: String::from("signed in"), gone: false, desk: Desk::default(), input: None };
    let mut chats = session.chats();
    let mut chat_events = futures_util::stream::SelectAll::new();
    let Some(events) = session.events() else {
        return wind_down::<futures_util::stream::Empty<_>>(&session, None, &mut stop, &a, &mut NoScreen, Stop::Done)
            .await;
    };
    let mut events = Box::pin(events);
    let raw = crossterm::terminal::enable_raw_mode().map(|()| RawMode);
    let mut keys = EventStream::new();
    let reason = loop {
        screen.draw(&session);
        if screen.gone || raw.is_err() {
            break Stop::OutputClosed;
        }
        let offered = async {
            match chats.as_mut() {
                Some(c) => c.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => screen.event(&session, &ev),
                Some(Err(e)) => {
                    screen.note(&session, &format!("session ended: {e}"));
                    break Stop::Ended(e);
                }
                None => break Stop::Done,
            },
            chat = offered => match chat {
                Some(chat) => {
                    let n = screen.desk.add(&chat);
                    chat_events.push(chat.map(move |ev| (n, ev)));
                }
                None => chats = None,
            },
            Some((n, ev)) = chat_events.next(), if !chat_events.is_empty() => {
                screen.desk.event(n, ev);
                // The chat typed to ended: an empty line goes back to the keys.
                if screen.desk.selected().is_none() && screen.input.as_deref() == Some("") {
                    screen.input = None;
                }
            }
            why = stop.next() => break why,
            key = keys.next() => {
                let k = match key {
                    Some(Ok(Event::Key(k))) => k,
                    Some(Ok(_)) => continue,
                    // The terminal is gone.
                    Some(Err(_)) | None => break Stop::OutputClosed,
                };
                if k.kind != KeyEventKind::Press {
                    continue;
                }
                let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
                if let (Some(line), false) = (screen.input.as_mut(), ctrl_c) {
                    match k.code {
                        KeyCode::Char(c) => line.push(c),
                        KeyCode::Backspace => {
                            line.pop();
                        }
                        KeyCode::Esc => screen.input = None,
                        KeyCode::Enter => {
                            let line = std::mem::take(line);
                            screen.enter(&line).await;
                        }
                        _ => {}
                    }
                    continue;
                }
                match k.code {
                    KeyCode::Char('/') => {
                        screen.input = Some("/".to_owned());
                        continue;
                    }
                    KeyCode::Enter => {
                        screen.input = Some(String::new());
                        continue;
                    }
                    _ => {}
                }
                let quit = matches!(k.code, KeyCode::Char('q') | KeyCode::Esc)
                    || (k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL));
                if quit {
                    match session.sign_out().await {
                        Ok(()) => {
                            screen.note(&session, "signed out");
                            return Ok(());
                        }
                        Err(e) => screen.last = format!("cannot sign out: {e}"),
                    }
                    continue;
                }
                if let KeyCode::Char(c) = k.code {
                    screen.last = match key_action(&session, c).await {
                        Ok(done) => done.to_owned(),
                        Err(e) => format!("refused: {e}"),
                    };
                }
            }
        }
    };
    let r = wind_down(&session, Some(&mut events), &mut stop, &a, &mut screen, reason).await;
    if r.is_ok() {
        screen.note(&session, "signed out");
    }
    drop(raw);
    r
}
