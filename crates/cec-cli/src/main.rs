//! `cec`: the cec-rs command line.
//!
//! ```text
//! cec demo [--seed N] [--output json]    a scripted story against an embedded simulator
//! cec sim [--scenario FILE] [--listen 127.0.0.1:8043] [--seed N] [--output json]   serve the simulator
//! cec agent watch --agent ID [--phone N] [--skills 1,2] [--max-events N] [--duration S] [--output json|table]
//! cec agent bar --agent ID [--phone N]   an interactive connection bar
//! cec ops [NE]                           list the interfaces the CLI can call
//! cec <ne> <operation-id> [--path k=v]... [--query k=v]... [--header k=v]... [--body JSON|@file]
//!                         [--extra-field NAME=JSON]... [--output json|table]
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod agent;
mod demo;
mod generated;
mod ops;
mod output;
mod profile;

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
    /// Where to write a file answer (recordings); default: the operation id + `.bin`.
    #[arg(long)]
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
    },
    /// Agent sessions: watch events, or an interactive connection bar (CC-Gateway endpoint from the profile).
    #[command(subcommand)]
    Agent(agent::AgentCmd),
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
    /// CC-iSales (outbound campaign) interfaces.
    Isales(OpArgs),
    /// CC-CMS (monitoring) interfaces.
    Cms(OpArgs),
    /// CC-FS (CDR and recording) interfaces.
    Fs(OpArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
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
        Command::Sim { scenario, listen, seed, output } => sim(scenario, listen, seed, output).await,
        Command::Ops { ne } => {
            for op in generated::OPS.iter().filter(|o| ne.as_deref().is_none_or(|n| n == o.ne)) {
                let file = if op.binary { " (answers with a file: use --out)" } else { "" };
                println!("{:<10} {:<36} {:<6} {}  — {}{file}", op.ne, op.id, op.method, op.path, op.title);
            }
            Ok(())
        }
        Command::Agent(cmd) => {
            let profile = profile::load(cli.config.as_deref(), cli.profile.as_deref(), &env)?;
            agent::run(cmd, ops::Clients::new(profile).gateway()?).await
        }
        Command::Gateway(a) => call("gateway", a, cli.config, cli.profile, &env).await,
        Command::Apifabric(a) => call("apifabric", a, cli.config, cli.profile, &env).await,
        Command::Oiap(a) => call("oiap", a, cli.config, cli.profile, &env).await,
        Command::Isales(a) => call("isales", a, cli.config, cli.profile, &env).await,
        Command::Cms(a) => call("cms", a, cli.config, cli.profile, &env).await,
        Command::Fs(a) => call("fs", a, cli.config, cli.profile, &env).await,
    }
}

async fn sim(
    scenario: Option<PathBuf>,
    listen: std::net::SocketAddr,
    seed: u64,
    output: Option<OutputFormat>,
) -> anyhow::Result<()> {
    if !listen.ip().is_loopback() {
        anyhow::bail!("refusing to listen on {listen}: the simulator serves loopback (127.0.0.1) only");
    }
    let scenario = match &scenario {
        Some(path) => cec_sim::Scenario::load(path)?,
        None => cec_sim::Scenario::default(),
    };
    let config = cec_sim::SimConfig { scenario, listen, seed, ..Default::default() };
    let sim = cec_sim::Simulator::start(config).await?;
    let sc = sim.scenario();
    match output {
        Some(format) => {
            let v = serde_json::json!({ "endpoint": sim.endpoint(), "seed": seed, "scenario": sc });
            println!("{}", output::render(&v, format));
        }
        None => {
            println!("cec-sim serving every NE at {} (seed {seed})", sim.endpoint());
            println!("  tenant: cc_id={} vdn={}", sc.cc_id, sc.vdn);
            println!("  C2 (cms, isales, fs): ak={} sk={}", sc.ak, sc.sk);
            println!("  C1 (apifabric): app_key={} app_secret={}", sc.app_key, sc.app_secret);
            println!("  C3 (oiap): app_key={} app_secret={}", sc.oiap_app_key, sc.oiap_app_secret);
            for a in &sc.agents {
                println!("  agent {} password={} phone={} skills={:?}", a.id, a.password, a.phone, a.skills);
            }
            if !sc.faults.is_empty() {
                println!("  {} fault(s) active (GET {}/__sim/faults)", sc.faults.len(), sim.endpoint());
            }
            println!("Ctrl-C to stop.");
        }
    }
    tokio::signal::ctrl_c().await?;
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
    let profile = profile::load(config.as_deref(), profile.as_deref(), env)?;
    let clients = ops::Clients::new(profile);
    let out = generated::dispatch(ne, op.id, &clients, &input)
        .await
        .ok_or_else(|| anyhow::anyhow!("operation {} is not wired", op.id))??;
    match out {
        ops::CliOutput::Json(v) => println!("{}", output::render(&v, a.output)),
        ops::CliOutput::Binary(resp) => {
            let path = a.out.unwrap_or_else(|| PathBuf::from(format!("{}.bin", op.id)));
            let n = output::save(resp, &path).await?;
            println!("wrote {n} bytes to {}", path.display());
        }
    }
    Ok(())
}
