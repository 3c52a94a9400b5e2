//! `cec`: the cec-rs command line.
//!
//! ```text
//! cec demo [--seed N] [--output json]    a scripted story against an embedded simulator
//! cec sim [--scenario FILE] [--listen 127.0.0.1:8043] [--seed N] [--output json]   serve the simulator
//! cec agent watch --agent ID [--phone N] [--skills 1,2] [--max-events N] [--duration S] [--output json|table]
//! cec agent bar --agent ID [--phone N]   an interactive connection bar
//! cec doctor [--output json]             check every NE of the profile (TLS, C2 dialect, clock) — run it first
//! cec ops [NE]                           list the interfaces the CLI can call
//! cec popup serve [--listen 127.0.0.1:8044] [--rename callerNum=ani]... [--token-param P] [--origin O]...
//! cec popup token --page ID [--days N]   a page token for the pop-up's configured address
//! cec <ne> <operation-id> [--path k=v]... [--query k=v]... [--header k=v]... [--body JSON|@file]
//!                         [--extra-field NAME=JSON]... [--output json|table]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod out;
mod agent;
mod cms_watch;
mod demo;
mod doctor;
mod download;
mod fs;
mod generated;
mod isales_import;
mod ops;
mod output;
mod popup;
mod profile;
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    Json,
    Table,
}

#[derive(Debug, Args)]
struct OpArgs {
    /// Operation id, e.g. `onlineagent.login` (see `cec ops`).
    operation: String,
    /// Path parameter, `name=value`.
    #[arg(long = "path", value_name = "K=V")]
    path: Vec<String>,
    /// Query parameter, `name=value`.
    #[arg(long = "query", value_name = "K=V")]
    query: Vec<String>,
    /// Extra header parameter, `name=value`.
    #[arg(long = "header", value_name = "K=V")]
    header: Vec<String>,
    /// JSON body, or `@file`. Only documented fields: an unknown one is refused.
    #[arg(long)]
    body: Option<String>,
    /// A body field sent exactly as given, unchecked: `name=JSON` (e.g. `note="hi"`, `ids=[1,2]`).
    /// For fields the reference has but the SDK lacks; replaces a documented field of that name.
    #[arg(long = "extra-field", value_name = "NAME=JSON")]
    extra_field: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    output: OutputFormat,
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
    /// List the operations the CLI can call.
    Ops {
        /// Only this NE.
        ne: Option<String>,
    },
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
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`cec ops | head -1`): nothing more to say.
        Err(e) if out::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    match cli.command {
        Command::Demo { seed, output } => demo::run(seed, output == Some(OutputFormat::Json)).await,
        Command::Sim {
            scenario,
            listen,
            seed,
            output,
            guid_mode,
            guid_rotation,
            guid_timeout,
            unmodelled_writes,
            popup_url,
        } => {
            let gateway = SimGateway { guid_mode, guid_rotation, guid_timeout, unmodelled_writes };
            sim(scenario, listen, seed, output, gateway, popup_url).await
        }
        Command::Popup(cmd) => popup::run(cmd).await,
        Command::Ops { ne } => {
            for op in generated::OPS.iter().filter(|o| ne.as_deref().is_none_or(|n| n == o.ne)) {
                let file = if op.binary { " (answers with a file: use --out)" } else { "" };
                outln!("{:<10} {:<36} {:<6} {}  — {}{file}", op.ne, op.id, op.method, op.path, op.title)?;
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
    let config = cec_sim::SimConfig { scenario, listen, seed, ..Default::default() };
    let sim = cec_sim::Simulator::start(config).await?;
    let sc = sim.scenario();
    match output {
        Some(format) => {
            let v = serde_json::json!({ "endpoint": sim.endpoint(), "seed": seed, "scenario": sc });
            outln!("{}", output::render(&v, format))?;
        }
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

async fn call(
    ne: &str,
    a: OpArgs,
    config: Option<PathBuf>,
    profile: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let op = generated::OPS
        .iter()
        .find(|o| o.ne == ne && o.id == a.operation)
        .ok_or_else(|| anyhow::anyhow!("{ne} has no operation `{}` (see `cec ops {ne}`)", a.operation))?;
    let raw = ops::RawInput {
        path: &a.path,
        query: &a.query,
        header: &a.header,
        body: a.body.as_deref(),
        extra: &a.extra_field,
    };
    let input = ops::input_for(op, &raw)?;
    // A file answer's target (its directory, its default name) is settled before anything is sent.
    let target = if op.binary { Some(download::target(op.id, &input, a.out.as_deref())?) } else { None };
    let profile = profile::load(config.as_deref(), profile.as_deref(), env)?;
    let clients = ops::Clients::new(profile);
    let out = generated::dispatch(ne, op.id, &clients, &input)
        .await
        .ok_or_else(|| anyhow::anyhow!("operation {} is not wired", op.id))??;
    match out {
        ops::CliOutput::Json(v) => outln!("{}", output::render(&v, a.output))?,
        ops::CliOutput::Download(client, meta, call) => {
            let target = target.ok_or_else(|| anyhow::anyhow!("{} answered with a file", op.id))?;
            let done = download::save(&client, meta, call, &target).await?;
            if let Some(path) = &done.path {
                outln!("wrote {} bytes to {} (sha256 {})", done.bytes, path.display(), done.sha256)?;
            }
        }
    }
    Ok(())
}
