//! `cec`: the cec-rs command line.
//!
//! ```text
//! cec demo [--seed N] [--output json]    a scripted story against an embedded simulator
//! cec sim [--scenario FILE] [--listen 127.0.0.1:8043] [--seed N] [--clock T] [--output json]   serve the simulator
//! cec agent watch --agent ID [--phone N] [--skills 1,2] [--max-events N] [--duration S] [--output json|table]
//! cec agent bar --agent ID [--phone N]   an interactive connection bar
//! cec doctor [--output json]             check every NE of the profile (TLS, C2 dialect, clock) — run it first
//! cec ops [NE] [WORDS...] [--output json]   search the interfaces the CLI can call
//! cec describe <ne> <op> [--output json]  the spec entry of an interface
//! cec <ne> <op> --help | --skeleton | --dry-run   explain, template, or show the signed request
//! cec completions bash|zsh|fish|powershell
//! cec configure [--profile P]            write a profile (secrets read without echo, mode 0600)
//! cec popup serve [--listen 127.0.0.1:8044] [--rename callerNum=ani]... [--token-param P] [--origin O]...
//! cec popup token --page ID [--days N]   a page token for the pop-up's configured address
//! cec <ne> <operation-id> [--path k=v]... [--query k=v]... [--header k=v]... [--body JSON|@file]
//!                         [--extra-field NAME=JSON]... [--output json|table]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]
// The argument doc comments are clap help text (shown as written), not rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

#[macro_use]
mod out;
mod agent;
mod chat;
mod cms_watch;
mod configure;
mod demo;
mod doctor;
mod download;
mod dryrun;
mod exit;
mod fs;
mod generated;
mod generated_help;
mod help;
mod isales_import;
mod ops;
mod output;
mod popup;
mod profile;
mod session;
mod verbose;
mod wallboard;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cec",
    version,
    about = "Huawei Cloud CEC (AICC) from the command line: call any interface, run the simulator, watch the demo"
)]
struct Cli {
    /// Config file (default: $CEC_CONFIG, then `<config dir>/cec/config.toml`).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Profile in the config file (default: $CEC_PROFILE, then `default`).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Log requests (tracing) to stderr: error, warn, info, debug, trace.
    #[arg(long, global = true, default_value = "warn")]
    log: String,
    /// Show every attempt of a call on stderr (method, URL, status, result code, latency,
    /// attempt, retry reason); `-vv` adds the bodies. Secrets are redacted.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// The same as `-v`.
    #[arg(long, global = true)]
    debug: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct OpArgs {
    /// Operation id, e.g. `onlineagent.login` (see `cec ops`).
    operation: Option<String>,
    /// The operation's help from the spec: parameters, body fields, rules, an example.
    #[arg(long, short = 'h')]
    help: bool,
    /// Print a body template (required fields first; placeholders name the type and rule).
    #[arg(long)]
    skeleton: bool,
    /// Validate, build and sign the request, print it (secrets redacted); send nothing.
    #[arg(long)]
    dry_run: bool,
    /// `gateway onlineagent.login`: keep the session (GUID) for later `cec gateway` calls.
    #[arg(long)]
    save: bool,
    /// Keep only these fields of the answer: `a,b.c` (a path through a list gives its items' values).
    #[arg(long, value_delimiter = ',', value_name = "A,B.C")]
    fields: Vec<String>,
    /// Path parameter, `name=value`.
    #[arg(long = "path", value_name = "K=V")]
    path: Vec<String>,
    /// Query parameter, `name=value`.
    #[arg(long = "query", value_name = "K=V")]
    query: Vec<String>,
    /// Extra header parameter, `name=value`.
    #[arg(long = "header", value_name = "K=V")]
    header: Vec<String>,
    /// JSON body, `@file`, or `-`/`@-` for standard input. Only documented fields: an unknown one is refused.
    #[arg(long)]
    body: Option<String>,
    /// A body field sent exactly as given, unchecked: `name=JSON` (e.g. `note="hi"`, `ids=[1,2]`).
    /// For fields the reference has but the SDK lacks; replaces a documented field of that name.
    #[arg(long = "extra-field", value_name = "NAME=JSON")]
    extra_field: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    output: output::Format,
    /// Where a file answer (recording, zip) goes: a file, an existing directory (the
    /// file is named from the call id or file name), or `-` for stdout. Default: that
    /// name in the current directory.
    #[arg(long, short = 'o', value_name = "FILE|DIR|-")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scripted story through the SDK against an embedded simulator.
    Demo {
        /// Seed of the simulator's generated ids (GUIDs, tokens, call ids).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `json`: one JSON object per step (`{"t","actor","step","data"}`); default: lines of text.
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
        /// Under each step, the `cec` command that does the same by hand.
        #[arg(long)]
        explain: bool,
    },
    /// Serve the simulator on loopback until Ctrl-C.
    Sim {
        /// Scenario file (TOML: tenant, credentials, agents, campaigns, faults); default: the built-in scenario.
        #[arg(long, value_name = "FILE")]
        scenario: Option<PathBuf>,
        /// Address to listen on (loopback only).
        #[arg(long, default_value = "127.0.0.1:8043")]
        listen: std::net::SocketAddr,
        /// Seed of generated ids (GUIDs, tokens, call ids): the same seed tells the same story.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Print the endpoint and credentials as JSON (default: human-readable lines).
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
        /// Print `export CEC_...=` lines for every NE (paste them into a shell), then serve.
        #[arg(long)]
        env: bool,
        /// CC-Gateway GUID mode: `dynamic` (AUTHMODE 2, rotates) or `static` (AUTHMODE 1); overrides the scenario.
        #[arg(long, value_parser = ["dynamic", "static"])]
        guid_mode: Option<String>,
        /// Seconds between GUID rotations in dynamic mode (GUIDINTERVAL, 60); overrides the scenario.
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        guid_rotation: Option<u64>,
        /// Seconds a replaced GUID is still accepted (GUIDTIMEOUT, 120); overrides the scenario.
        #[arg(long, value_name = "SECS")]
        guid_timeout: Option<u64>,
        /// What a state-changing interface the simulator does not model answers: `refuse` (HTTP 501) or `sample`.
        #[arg(long, value_parser = ["refuse", "sample"])]
        unmodelled_writes: Option<String>,
        /// The screen pop-up page of the tenant: print the URL the workbench would load for each ringing call.
        #[arg(long, value_name = "URL")]
        popup_url: Option<String>,
        /// Pin the simulator's clock (RFC 3339 or YYYY-MM-DD): it stands still until advanced
        /// (POST /__sim/clock), so the same seed gives the same files and events; overrides the scenario.
        #[arg(long, value_name = "TIME")]
        clock: Option<String>,
    },
    /// Screen pop-up: serve a page that shows what a pop-up receives, issue page tokens.
    #[command(subcommand)]
    Popup(popup::PopupCmd),
    /// Agent sessions: watch events, or an interactive connection bar (CC-Gateway endpoint from the profile).
    #[command(subcommand)]
    Agent(agent::AgentCmd),
    /// Check every NE of the profile: reachability, TLS, the C2 dialect the NE
    /// accepts, credentials, clock offset — then what to set. Never signs an agent in.
    Doctor {
        /// `json`: the reports as one JSON array; default: a table and advice.
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
    },
    /// List or search the operations the CLI can call: `cec ops cms queue`.
    Ops {
        /// An NE name (gateway, apifabric, oiap, isales, cms, fs) and/or words that the id or title must hold.
        terms: Vec<String>,
        /// `json`: an array of `{ne, id, method, path, title, file}`.
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
    },
    /// The spec entry of an operation: `cec describe cms skill.rindex --output json`.
    Describe {
        ne: String,
        operation: String,
        /// `json`: the entry as JSON (for tools); default: the help text.
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
    },
    /// Shell completions (operation ids included): `cec completions bash > /etc/bash_completion.d/cec`.
    Completions { shell: clap_complete::Shell },
    /// Write a profile to the config file: endpoints and credentials (secrets read without echo).
    Configure(configure::ConfigureArgs),
    /// CC-Gateway (agent gateway) interfaces.
    Gateway(OpArgs),
    /// API Fabric interfaces.
    Apifabric(OpArgs),
    /// OIAP (chatbot) interfaces.
    Oiap(OpArgs),
    /// CC-iSales (outbound campaigns): import, campaigns, results, or any interface by id.
    Isales(isales_import::IsalesArgs),
    /// CC-CMS (monitoring): watch, wallboard, or any interface by id.
    Cms(cms_watch::CmsArgs),
    /// CC-FS: download-recording, download-cdr, sync, cdr summarize, or any interface by id.
    Fs(fs::FsArgs),
    /// CC-Messaging (web channel, social webhooks) interfaces.
    Messaging(OpArgs),
    /// An interactive terminal chat on a web channel (token and uploads through API Fabric).
    Chat(chat::ChatArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let matches = with_ne_help(<Cli as clap::CommandFactory>::command()).get_matches();
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi).init();
    let searched = config_searched(cli.config.as_deref());
    VERBOSE.store(cli.verbose.saturating_add(u8::from(cli.debug)), std::sync::atomic::Ordering::Relaxed);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`cec ops | head -1`): nothing more to say.
        Err(e) if out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if let Some(h) = exit::hint(&e, &searched) {
                eprintln!("{h}");
            }
            ExitCode::from(exit::code(&e))
        }
    }
}

/// The config file paths looked at, when none of them exists.
fn config_searched(flag: Option<&std::path::Path>) -> Vec<String> {
    let env = |k: &str| std::env::var(k).ok();
    match cec_core::profile::config_path(flag, &env) {
        Some(p) if p.exists() => Vec::new(),
        Some(p) => {
            let mut v = Vec::new();
            if flag.is_none() && env("CEC_CONFIG").is_none() {
                v.push("--config (not given)".into());
                v.push("$CEC_CONFIG (not set)".into());
            }
            v.push(p.display().to_string());
            v
        }
        None => vec!["no config directory on this system".into()],
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    match cli.command {
        Command::Describe { ne, operation, output } => {
            let e = help::entry(&ne, &operation).ok_or_else(|| exit::usage(help::unknown_op(&ne, &operation)))?;
            match output {
                Some(OutputFormat::Json) => outln!("{}", serde_json::to_string_pretty(e)?)?,
                _ => outln!("{}", help::op_help(e).trim_end())?,
            }
            Ok(())
        }
        Command::Completions { shell } => {
            let mut cmd = with_ne_help(<Cli as clap::CommandFactory>::command());
            for ne in OP_NES {
                let ids: Vec<&'static str> = generated::OPS.iter().filter(|o| o.ne == ne).map(|o| o.id).collect();
                cmd = cmd.mut_subcommand(ne, |c| {
                    c.mut_arg("operation", |a| a.value_parser(clap::builder::PossibleValuesParser::new(ids)))
                });
            }
            // The NEs with their own commands take an operation as an external
            // subcommand: for completion, each operation id is a subcommand too.
            for ne in JOB_NES {
                let ops: Vec<clap::Command> = generated::OPS
                    .iter()
                    .filter(|o| o.ne == ne)
                    .map(|o| clap::Command::new(o.id).about(o.title).disable_help_flag(true))
                    .collect();
                cmd = cmd.mut_subcommand(ne, |c| c.subcommands(ops));
            }
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "cec", &mut buf);
            outln!("{}", String::from_utf8_lossy(&buf).trim_end())?;
            Ok(())
        }
        Command::Configure(a) => configure::run(a, cli.config.as_deref(), cli.profile.as_deref()),
        Command::Demo { seed, output, explain } => demo::run(seed, output == Some(OutputFormat::Json), explain).await,
        Command::Sim {
            scenario,
            listen,
            seed,
            output,
            env,
            guid_mode,
            guid_rotation,
            guid_timeout,
            unmodelled_writes,
            popup_url,
            clock,
        } => {
            let gateway = SimGateway { guid_mode, guid_rotation, guid_timeout, unmodelled_writes, env, clock };
            sim(scenario, listen, seed, output, gateway, popup_url).await
        }
        Command::Popup(cmd) => popup::run(cmd).await,
        Command::Ops { terms, output } => {
            let (ne, words) = match terms.split_first() {
                Some((first, rest)) if generated::OPS.iter().any(|o| o.ne == first) => (Some(first.as_str()), rest),
                _ => (None, terms.as_slice()),
            };
            let found = help::search(ne, words);
            if output == Some(OutputFormat::Json) {
                outln!("{}", serde_json::to_string_pretty(&help::ops_json(&found))?)?;
            } else if found.is_empty() {
                return Err(exit::usage(format!("no operation matches {:?} (try fewer words)", terms.join(" "))));
            } else {
                for l in help::ops_table(&found) {
                    outln!("{l}")?;
                }
            }
            Ok(())
        }
        Command::Doctor { output } => {
            let profile = profile::load(cli.config.as_deref(), cli.profile.as_deref(), &env)?;
            let clients = ops::Clients::new(profile);
            let reports = doctor::run(&clients).await?;
            if output == Some(OutputFormat::Json) {
                outln!("{}", serde_json::to_string_pretty(&reports)?)?;
            } else {
                outln!("{}", doctor::render_text(&reports).trim_end())?;
            }
            if reports.iter().all(doctor::NeReport::healthy) {
                Ok(())
            } else {
                anyhow::bail!("cec doctor found problems (see above)")
            }
        }
        Command::Agent(agent::AgentCmd::SignOut(a)) => {
            let path = session::path(cli.profile.as_deref(), &env);
            let profile = profile::load(cli.config.as_deref(), cli.profile.as_deref(), &env)?;
            agent::sign_out(a, ops::Clients::new(profile).gateway()?, path.as_deref()).await
        }
        Command::Agent(cmd) => {
            let profile = profile::load(cli.config.as_deref(), cli.profile.as_deref(), &env)?;
            agent::run(cmd, ops::Clients::new(profile).gateway()?).await
        }
        Command::Gateway(a) => call("gateway", a, cli.config, cli.profile, &env).await,
        Command::Apifabric(a) => call("apifabric", a, cli.config, cli.profile, &env).await,
        Command::Oiap(a) => call("oiap", a, cli.config, cli.profile, &env).await,
        Command::Isales(a) => {
            let code = isales_import::run(a, cli.config, cli.profile, &env).await?;
            if code != 0 {
                std::process::exit(i32::from(code));
            }
            Ok(())
        }
        Command::Cms(a) => cms_watch::run(a, cli.config, cli.profile, &env).await,
        Command::Messaging(a) => call("messaging", a, cli.config, cli.profile, &env).await,
        Command::Chat(a) => {
            let profile = profile::load(cli.config.as_deref(), cli.profile.as_deref(), &env)?;
            chat::run(a, ops::Clients::new(profile)).await
        }
        Command::Fs(a) => {
            let code = fs::run(a, cli.config, cli.profile, &env).await?;
            if code != 0 {
                std::process::exit(i32::from(code));
            }
            Ok(())
        }
    }
}

/// `cec sim` options that override the scenario's gateway settings.
struct SimGateway {
    guid_mode: Option<String>,
    guid_rotation: Option<u64>,
    guid_timeout: Option<u64>,
    unmodelled_writes: Option<String>,
    /// Print `export CEC_...=` lines.
    env: bool,
    /// `--clock`: the simulator's pinned start time (RFC 3339).
    clock: Option<String>,
}

async fn sim(
    scenario: Option<PathBuf>,
    listen: std::net::SocketAddr,
    seed: u64,
    output: Option<OutputFormat>,
    gateway: SimGateway,
    popup_url: Option<String>,
) -> anyhow::Result<()> {
    if !listen.ip().is_loopback() {
        anyhow::bail!("refusing to listen on {listen}: the simulator serves loopback (127.0.0.1) only");
    }
    let mut scenario = match &scenario {
        Some(path) => cec_sim::Scenario::load(path)?,
        None => cec_sim::Scenario::default(),
    };
    if let Some(mode) = gateway.guid_mode.as_deref() {
        let mode = if mode == "static" { cec_sim::GuidMode::Static } else { cec_sim::GuidMode::Dynamic };
        scenario.gateway.guid_mode = Some(mode);
    }
    if let Some(s) = gateway.guid_rotation {
        scenario.gateway.guid_rotation_secs = Some(s);
    }
    if let Some(s) = gateway.guid_timeout {
        scenario.gateway.guid_timeout_secs = Some(s);
    }
    if let Some(w) = gateway.unmodelled_writes.as_deref() {
        scenario.unmodelled_writes =
            if w == "sample" { cec_sim::Unmodelled::Sample } else { cec_sim::Unmodelled::Refuse };
    }
    popup::apply_url(&mut scenario, popup_url);
    if let Some(c) = gateway.clock {
        scenario.clock = Some(c);
    }
    let config = cec_sim::SimConfig { scenario, listen, seed, ..Default::default() };
    let sim = cec_sim::Simulator::start(config).await.map_err(|e| {
        anyhow::anyhow!("cannot serve the simulator on {listen}: {e:#} (is the port taken? try --listen 127.0.0.1:0)")
    })?;
    let sc = sim.scenario();
    if gateway.env {
        let ep = sim.endpoint();
        for ne in ["gateway", "apifabric", "oiap", "isales", "cms", "fs", "messaging"] {
            outln!("export CEC_{}_ENDPOINT={ep}", ne.to_uppercase())?;
        }
        for ne in ["CMS", "ISALES", "FS"] {
            outln!("export CEC_{ne}_AK={}\nexport CEC_{ne}_SK={}", sc.ak, sc.sk)?;
        }
        outln!("export CEC_APIFABRIC_APP_KEY={}\nexport CEC_APIFABRIC_APP_SECRET={}", sc.app_key, sc.app_secret)?;
        outln!("export CEC_OIAP_APP_KEY={}\nexport CEC_OIAP_APP_SECRET={}", sc.oiap_app_key, sc.oiap_app_secret)?;
        outln!("export CEC_ISALES_VDN={}\nexport CEC_CMS_VDN={}", sc.vdn, sc.vdn)?;
        if let Some(a) = sc.agents.first() {
            outln!("export CEC_AGENT_PASSWORD={}   # agent {} (phone {})", a.password, a.id, a.phone)?;
        }
        outln!("# cc_id={} vdn={}; Ctrl-C stops the simulator", sc.cc_id, sc.vdn)?;
    }
    match output {
        Some(format) => {
            let v = serde_json::json!({ "endpoint": sim.endpoint(), "seed": seed, "scenario": sc });
            outln!("{}", output::render(&v, format))?;
        }
        None if gateway.env => {}
        None => {
            outln!("cec-sim serving every NE at {} (seed {seed})", sim.endpoint())?;
            outln!("  tenant: cc_id={} vdn={}", sc.cc_id, sc.vdn)?;
            outln!("  C2 (cms, isales, fs): ak={} sk={}", sc.ak, sc.sk)?;
            outln!("  C1 (apifabric): app_key={} app_secret={}", sc.app_key, sc.app_secret)?;
            outln!("  C3 (oiap): app_key={} app_secret={}", sc.oiap_app_key, sc.oiap_app_secret)?;
            for a in &sc.agents {
                outln!("  agent {} password={} phone={} skills={:?}", a.id, a.password, a.phone, a.skills)?;
            }
            let g = &sc.gateway;
            let mode = match g.guid_mode {
                Some(cec_sim::GuidMode::Static) => "static",
                _ => "dynamic",
            };
            outln!(
                "  CC-Gateway GUID: {mode} mode, rotation {}s, timeout {}s (GET {}/__sim/coverage: what is modelled)",
                g.guid_rotation_secs.unwrap_or(cec_sim::SimConfig::default().guid_rotation.as_secs()),
                g.guid_timeout_secs.unwrap_or(cec_sim::SimConfig::default().guid_timeout.as_secs()),
                sim.endpoint()
            )?;
            if let Some(c) = &sc.clock {
                outln!("  clock pinned at {c} (POST {}/__sim/clock {{\"advance_ms\":N}} moves it)", sim.endpoint())?;
            }
            if let Some(h) = &sc.history {
                outln!(
                    "  history: {} finished calls in the {} hours before the start (CDRs, recordings)",
                    h.calls,
                    h.hours
                )?;
            }
            if !sc.faults.is_empty() {
                outln!("  {} fault(s) active (GET {}/__sim/faults)", sc.faults.len(), sim.endpoint())?;
            }
            outln!("Ctrl-C to stop.")?;
        }
    }
    popup::print_until_ctrl_c(&sim, output.is_some()).await?;
    sim.shutdown().await;
    Ok(())
}

/// NEs whose subcommand is an operation id and its flags ([`OpArgs`]).
const OP_NES: [&str; 4] = ["gateway", "apifabric", "oiap", "messaging"];
/// NEs with commands of their own (watch, import, sync…) beside any operation by id.
const JOB_NES: [&str; 3] = ["cms", "isales", "fs"];

/// `cec cms --help` (and isales, fs) ends with the NE's operations, as `cec gateway
/// --help` does.
fn with_ne_help(mut cmd: clap::Command) -> clap::Command {
    for ne in JOB_NES {
        cmd = cmd.mut_subcommand(ne, |c| c.after_help(help::ne_ops_help(ne)));
    }
    cmd
}

/// An operation of a NE with commands of its own (`cec cms skill.rindex --body …`):
/// its words parsed as [`OpArgs`]; a bad flag is a usage error (exit code 2).
pub fn parse_op(ne: &'static str, words: Vec<String>) -> anyhow::Result<OpArgs> {
    #[derive(Debug, Parser)]
    #[command(no_binary_name = true)]
    struct OpCli {
        #[command(flatten)]
        a: OpArgs,
    }
    let cmd = <OpCli as clap::CommandFactory>::command().bin_name(format!("cec {ne}"));
    let m = cmd.try_get_matches_from(words).map_err(|e| {
        let text = e.to_string();
        exit::usage(text.trim_start_matches("error: ").trim_end().to_string())
    })?;
    let op = <OpCli as clap::FromArgMatches>::from_arg_matches(&m).map_err(|e| exit::usage(e.to_string()))?;
    Ok(op.a)
}

async fn call(
    ne: &str,
    a: OpArgs,
    config: Option<PathBuf>,
    profile: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let Some(id) = a.operation.as_deref() else {
        if a.help {
            outln!("{}", help::ne_ops_help(ne).trim_end())?;
            return Ok(());
        }
        return Err(exit::usage(format!("which {ne} operation? (see `cec ops {ne}` or `cec {ne} --help`)")));
    };
    let op = generated::OPS
        .iter()
        .find(|o| o.ne == ne && o.id == id)
        .ok_or_else(|| exit::usage(help::unknown_op(ne, id)))?;
    if a.help || a.skeleton {
        let e = help::entry(ne, id).ok_or_else(|| anyhow::anyhow!("no help entry for {ne} {id}"))?;
        if a.help {
            outln!("{}", help::op_help(e).trim_end())?;
        } else {
            match help::skeleton(e) {
                Some(sk) => outln!("{sk}")?,
                None => return Err(exit::usage(format!("{ne} {id} takes no body (see `cec {ne} {id} --help`)"))),
            }
        }
        return Ok(());
    }
    let raw = ops::RawInput {
        path: &a.path,
        query: &a.query,
        header: &a.header,
        body: a.body.as_deref(),
        extra: &a.extra_field,
    };
    let input = ops::input_for(op, &raw).map_err(exit::as_usage)?;
    // A file answer's target (its directory, its default name) is settled before anything is sent.
    let target = if op.binary && !a.dry_run { Some(download::target(op.id, &input, a.out.as_deref())?) } else { None };
    let session_file = if ne == "gateway" { session::path(profile.as_deref(), env) } else { None };
    let loaded_profile = profile::load(config.as_deref(), profile.as_deref(), env)?;
    let profile_guid = loaded_profile.ne("gateway").guid.is_some();
    let verbose = cli_verbosity();
    let mut clients = ops::Clients::new(loaded_profile).verbose(verbose);
    let recorder = a.dry_run.then(dryrun::recorder);
    if let Some(r) = &recorder {
        clients = clients.with_transport(r.clone());
    }
    // A saved session (`--save`) supplies the GUID unless the profile gives one.
    let saved = match (&session_file, profile_guid) {
        (Some(p), false) => session::load(p)?,
        _ => None,
    };
    if let Some(s) = &saved {
        clients.gateway()?.set_guid(s.guid.clone());
    }
    let result = generated::dispatch(ne, op.id, &clients, &input)
        .await
        .ok_or_else(|| anyhow::anyhow!("operation {} is not wired", op.id))?;
    if let Some(r) = recorder {
        // A file answer is requested by the download: ask for it once through the recorder.
        let result = match result {
            Ok(ops::CliOutput::Download(client, meta, call)) => {
                client.call_binary(meta, call).await.map(|_| ()).map_err(Into::into)
            }
            other => other.map(|_| ()),
        };
        let captured = r.take();
        match result {
            Err(e) if captured.is_empty() || !dryrun::is_not_sent(&e) => return Err(e),
            _ => {}
        }
        outln!("# dry run: {ne} {} was validated, built and signed; nothing was sent", op.id)?;
        for req in &captured {
            if !req.url.path().ends_with(op.path.rsplit('/').next().unwrap_or("")) {
                outln!("# first the credential request the call needs (the call itself is signed with its answer):")?;
            }
            outln!("{}", dryrun::render(req).trim_end())?;
        }
        return Ok(());
    }
    if ne == "gateway" {
        keep_session(op.id, &a, &input, &clients, session_file.as_deref(), saved.as_ref(), result.is_ok())?;
    }
    let out = result?;
    match out {
        ops::CliOutput::Json(v) => {
            let v = if a.fields.is_empty() { v } else { output::project(&v, &a.fields) };
            outln!("{}", output::render_as(&v, a.output))?
        }
        ops::CliOutput::Download(client, meta, call) => {
            let target = target.ok_or_else(|| anyhow::anyhow!("{} answered with a file", op.id))?;
            let done = download::save(&client, meta, call, &target).await?;
            if let Some(path) = &done.path {
                let sha = done.sha256.as_deref().unwrap_or("not computed");
                outln!("wrote {} bytes to {} (sha256 {sha})", done.bytes, path.display())?;
            }
        }
    }
    Ok(())
}

/// `-v` count (`--debug` counts as one), set once from the command line.
static VERBOSE: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

fn cli_verbosity() -> u8 {
    VERBOSE.load(std::sync::atomic::Ordering::Relaxed)
}

/// After a `cec gateway` call: `--save` keeps a sign-in's GUID, a rotated GUID
/// (`Set-GUID`) updates the saved one, a sign-out clears it.
fn keep_session(
    id: &str,
    a: &OpArgs,
    input: &ops::CliInput,
    clients: &ops::Clients,
    file: Option<&std::path::Path>,
    saved: Option<&session::Session>,
    ok: bool,
) -> anyhow::Result<()> {
    let gw = clients.gateway()?;
    let now = gw.guid().map(|g| g.expose_str().to_owned());
    let login = id.starts_with("onlineagent.login");
    if login && ok {
        match (a.save, file, &now) {
            (true, Some(p), Some(guid)) => {
                let agent = input.get("path", "agentid");
                session::save(p, &session::Session { agent, guid: guid.clone() })?;
                eprintln!(
                    "session saved to {} (later `cec gateway …` calls use it; `cec agent sign-out` clears it)",
                    p.display()
                );
            }
            (true, _, None) => eprintln!("warning: the gateway gave no GUID: nothing to save"),
            (true, None, _) => eprintln!("warning: no config directory for the session file (set CEC_SESSION_DIR)"),
            (false, _, Some(guid)) => {
                eprintln!("GUID: {guid} (keep it with --save, or export CEC_GATEWAY_GUID for later calls)");
            }
            (false, _, None) => {}
        }
        return Ok(());
    }
    let (Some(p), Some(s)) = (file, saved) else { return Ok(()) };
    if ok && matches!(id, "onlineagent.logout" | "onlineagent.forcelogout" | "onlineagent.forcelogoutwithreason") {
        session::clear(p)?;
        eprintln!("session cleared ({})", p.display());
    } else if let Some(guid) = now.filter(|g| *g != s.guid) {
        session::save(p, &session::Session { agent: s.agent.clone(), guid })?;
    }
    Ok(())
}
