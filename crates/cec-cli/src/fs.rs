//! `cec fs …`: the CDR and recording job (`download-recording`, `download-cdr`,
//! `sync`, `cdr summarize`) and, for anything else, the generic interface caller.
//!
//! Exit codes (see `crate::exit`): 0 everything fetched; 7 the job ran but some
//! files failed (each one with its reason in `sync-report.json` / the output); an
//! error before or outside the job exits with its class (2 usage or configuration,
//! 4 authentication, 6 transport, 1 a missing directory or other local failure).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use crate::profile;

/// `cec fs`.
#[derive(Debug, Args)]
pub struct FsArgs {
    #[command(subcommand)]
    cmd: FsCmd,
}

/// What `cec fs` does.
#[derive(Debug, Subcommand)]
enum FsCmd {
    /// Download the recording of a call (`downloadRecord`), never leaving a partial file.
    DownloadRecording {
        /// Call id.
        #[arg(long)]
        call_id: String,
        /// Existing directory (the file is `<call id>.wav`, `.zip` for several recordings), or `-` for stdout.
        #[arg(long, short = 'o', default_value = ".")]
        out: PathBuf,
        /// Output format of the result line.
        #[arg(long, value_enum)]
        output: Option<Format>,
    },
    /// Ask CC-FS for the bill zips of a period, wait for the CDR-ready notices, download them.
    DownloadCdr(CdrArgs),
    /// The whole nightly job: bill zips, their CSVs, every recording; idempotent.
    Sync(SyncArgs),
    /// CDR totals.
    #[command(subcommand)]
    Cdr(CdrCmd),
    /// A CC-FS interface by id (see `cec ops fs`), e.g. `cec fs ccfs.downloadRecord --body @req.json`.
    #[command(external_subcommand)]
    Op(Vec<String>),
}

#[derive(Debug, Subcommand)]
enum CdrCmd {
    /// Calls, answered, abandoned, talk time and average handle time of CDR files.
    Summarize {
        /// A `*_call_*.csv`, a bill zip, or a directory (every `*_call_*.csv` below it).
        path: PathBuf,
        /// Group by.
        #[arg(long, value_enum)]
        by: Option<By>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        output: SummaryFormat,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum By {
    Agent,
    Skill,
    Hour,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SummaryFormat {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Args)]
struct CdrArgs {
    /// Start: RFC 3339 time or YYYY-MM-DD (UTC unless it carries an offset).
    #[arg(long)]
    from: String,
    /// End (exclusive), same forms.
    #[arg(long)]
    to: String,
    /// Existing directory for the archive.
    #[arg(long, short = 'o')]
    out: PathBuf,
    /// Where the built-in CDR-ready receiver listens.
    #[arg(long, default_value = "127.0.0.1:0")]
    callback_listen: SocketAddr,
    /// The URL CC-FS is told to call (default: http://<listen address>/cdr-ready).
    #[arg(long)]
    callback_url: Option<String>,
    /// Seconds to wait for each notice (CC-FS repeats it every 10 minutes).
    #[arg(long, default_value_t = 900)]
    notice_wait: u64,
    /// The tenant's zone, minutes east of UTC (CC-FS reads times in it).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    tenant_offset: i32,
    /// `json`: one JSON object per event; default: bars on a terminal, lines otherwise.
    #[arg(long, value_enum)]
    output: Option<Format>,
}

#[derive(Debug, Args)]
struct SyncArgs {
    #[command(flatten)]
    cdr: CdrArgs,
    /// Also fetch every recording of the recording index.
    #[arg(long)]
    recordings: bool,
    /// Recordings in flight at most.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
}

/// Exit code when some files failed.
pub const PARTIAL: u8 = crate::exit::PARTIAL;

fn fs_client(
    config: Option<&Path>,
    profile_name: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<(cec_fs::Client, String, String)> {
    let p = profile::load(config, profile_name, env)?;
    let s = p.ne("fs");
    let ak = s.ak.clone().filter(|a| !a.is_empty()).context("fs: `ak` is not set (config file or CEC_FS_AK)")?;
    let sk =
        s.sk.as_ref()
            .map(|s| s.expose_str().to_owned())
            .filter(|s| !s.is_empty())
            .context("fs: `sk` is not set (config file or CEC_FS_SK)")?;
    let client = crate::ops::Clients::new(p).fs()?;
    Ok((client, ak, sk))
}

/// Runs `cec fs …`; the exit code.
pub async fn run(
    a: FsArgs,
    config: Option<PathBuf>,
    profile_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<u8> {
    match a.cmd {
        FsCmd::Op(words) => {
            let op = crate::parse_op("fs", words)?;
            crate::call("fs", op, config, profile_name, env).await?;
            Ok(0)
        }
        FsCmd::Cdr(CdrCmd::Summarize { path, by, output }) => summarize(&path, by, output).map(|_| 0),
        FsCmd::DownloadRecording { call_id, out, output } => {
            let (client, _, _) = fs_client(config.as_deref(), profile_name.as_deref(), env)?;
            let dl = client.recording(&call_id);
            if out.as_os_str() == "-" {
                let mut stdout = tokio::io::stdout();
                dl.to_writer(&mut stdout).await?;
                return Ok(0);
            }
            if !out.is_dir() {
                bail!("target directory {} does not exist (nothing was sent)", out.display());
            }
            let path = dl.to_dir(&out).await?;
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            match output {
                Some(Format::Json) => outln!("{}", json!({ "callId": call_id, "path": path, "bytes": bytes }))?,
                None => outln!("wrote {bytes} bytes to {}", path.display())?,
            }
            Ok(0)
        }
        FsCmd::DownloadCdr(c) => job(c, false, 1, config, profile_name, env).await,
        FsCmd::Sync(s) => job(s.cdr, s.recordings, s.concurrency, config, profile_name, env).await,
    }
}

async fn job(
    c: CdrArgs,
    recordings: bool,
    concurrency: usize,
    config: Option<PathBuf>,
    profile_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<u8> {
    let from = cec_fs::time::parse_time_arg(&c.from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    let to = cec_fs::time::parse_time_arg(&c.to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    if to <= from {
        bail!("--to must be after --from");
    }
    if !c.out.is_dir() {
        bail!("target directory {} does not exist (nothing was sent)", c.out.display());
    }
    let (client, ak, sk) = fs_client(config.as_deref(), profile_name.as_deref(), env)?;
    let inbox = Arc::new(cec_fs::NoticeInbox::new(ak, sk));
    let receiver = cec_fs::NoticeReceiver::bind(c.callback_listen, inbox.clone())
        .await
        .with_context(|| format!("cannot listen on {} for CDR-ready notices", c.callback_listen))?;
    let url = c.callback_url.clone().unwrap_or_else(|| receiver.url());
    let progress = Progress::new(c.output == Some(Format::Json));
    let report = client
        .sync(from, to, &c.out)
        .notices(inbox, url)
        .wait(Duration::from_secs(c.notice_wait))
        .tenant_offset_minutes(c.tenant_offset)
        .recordings(recordings)
        .concurrency(concurrency)
        .on_event(|e| progress.event(e))
        .run()
        .await;
    progress.finish();
    receiver.shutdown().await;
    let report = report?;
    let summary = json!({
        "event": "summary", "fetched": report.fetched, "skipped": report.skipped,
        "failed": report.failed.len(), "report": c.out.join("sync-report.json"),
    });
    if c.output == Some(Format::Json) {
        outln!("{summary}")?;
    } else {
        outln!(
            "{} fetched, {} already complete, {} failed (report: {})",
            report.fetched,
            report.skipped,
            report.failed.len(),
            c.out.join("sync-report.json").display()
        )?;
        for f in &report.failed {
            eprintln!("failed: {}: {}", f.item, f.reason);
        }
    }
    Ok(if report.complete() { 0 } else { PARTIAL })
}

/// Progress: indicatif bars on a terminal (overall and per file), one line per
/// file otherwise, JSON lines with `--output json`.
struct Progress {
    json: bool,
    bars: Option<Bars>,
}

struct Bars {
    multi: indicatif::MultiProgress,
    overall: indicatif::ProgressBar,
    files: std::sync::Mutex<std::collections::HashMap<String, indicatif::ProgressBar>>,
}

impl Progress {
    fn new(json: bool) -> Self {
        use std::io::IsTerminal;
        let bars = (!json && std::io::stderr().is_terminal()).then(|| {
            let multi = indicatif::MultiProgress::new();
            let overall = multi.add(indicatif::ProgressBar::new(0));
            overall.set_style(
                indicatif::ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} files")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            overall.set_prefix("total");
            Bars { multi, overall, files: std::sync::Mutex::new(Default::default()) }
        });
        Progress { json, bars }
    }

    fn event(&self, e: &cec_fs::SyncEvent) {
        use cec_fs::SyncEvent as E;
        if self.json {
            if !matches!(e, E::Progress { .. }) {
                let _ = outln!("{}", serde_json::to_string(e).unwrap_or_default());
            }
            return;
        }
        let Some(b) = &self.bars else {
            match e {
                E::Done { file, bytes } => {
                    let _ = outln!("done    {file} ({bytes} bytes)");
                }
                E::Skipped { file } => {
                    let _ = outln!("skipped {file} (complete)");
                }
                E::Failed { file, reason } => {
                    let _ = outln!("failed  {file}: {reason}");
                }
                _ => {}
            }
            return;
        };
        let mut files = b.files.lock().unwrap_or_else(|p| p.into_inner());
        match e {
            E::Planned { total } => b.overall.set_length(*total as u64),
            E::Started { file } => {
                let bar = b.multi.add(indicatif::ProgressBar::new(0));
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{msg:40!} [{bar:30}] {bytes}/{total_bytes}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message(file.clone());
                files.insert(file.clone(), bar);
            }
            E::Progress { file, done, total } => {
                if let Some(bar) = files.get(file) {
                    if let Some(t) = total {
                        bar.set_length(*t);
                    }
                    bar.set_position(*done);
                }
            }
            E::Done { file, .. } | E::Failed { file, .. } => {
                if let Some(bar) = files.remove(file) {
                    bar.finish_and_clear();
                }
                if let E::Failed { reason, .. } = e {
                    b.multi.suspend(|| eprintln!("failed  {file}: {reason}"));
                }
                b.overall.inc(1);
            }
            E::Skipped { .. } => b.overall.inc(1),
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bars {
            b.overall.finish_and_clear();
        }
    }
}

/// Every `*_call_*.csv` below `dir`.
fn call_csvs(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            call_csvs(&p, out)?;
        } else if p.file_name().and_then(|n| n.to_str()).and_then(cec_fs::cdr::Member::of)
            == Some(cec_fs::cdr::Member::Calls)
        {
            out.push(p);
        }
    }
    Ok(())
}

fn summarize(path: &Path, by: Option<By>, output: SummaryFormat) -> anyhow::Result<()> {
    use cec_fs::CallRow;
    let mut rows: Vec<CallRow> = Vec::new();
    if path.is_dir() {
        let mut files = Vec::new();
        call_csvs(path, &mut files)?;
        if files.is_empty() {
            bail!("no *_call_*.csv below {}", path.display());
        }
        for f in files {
            let r = std::fs::File::open(&f).with_context(|| format!("opening {}", f.display()))?;
            for row in cec_fs::cdr::rows::<CallRow, _>(std::io::BufReader::new(r), f.display().to_string()) {
                rows.push(row?);
            }
        }
    } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        rows = cec_fs::cdr::read_zip(path, cec_fs::cdr::Member::Calls)?;
    } else {
        let r = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
        for row in cec_fs::cdr::rows::<CallRow, _>(std::io::BufReader::new(r), path.display().to_string()) {
            rows.push(row?);
        }
    }
    let group = match by {
        None => cec_fs::summary::GroupBy::All,
        Some(By::Agent) => cec_fs::summary::GroupBy::Agent,
        Some(By::Skill) => cec_fs::summary::GroupBy::Skill,
        Some(By::Hour) => cec_fs::summary::GroupBy::Hour,
    };
    let key = match by {
        None => "scope",
        Some(By::Agent) => "agent",
        Some(By::Skill) => "skill",
        Some(By::Hour) => "hour",
    };
    let totals = cec_fs::summary::summarize(&rows, group);
    match output {
        SummaryFormat::Json => {
            let list: Vec<_> = totals.iter().map(|(k, t)| json!({ key: k, "totals": t })).collect();
            outln!("{}", serde_json::to_string_pretty(&list)?)?;
        }
        SummaryFormat::Csv => {
            outln!("{key},calls,answered,abandoned,talk_secs,avg_handle_secs")?;
            for (k, t) in &totals {
                outln!("{k},{},{},{},{},{:.1}", t.calls, t.answered, t.abandoned, t.talk_secs, t.avg_handle_secs)?;
            }
        }
        SummaryFormat::Table => {
            outln!("{key:<8} {:>7} {:>9} {:>10} {:>10} {:>9}", "calls", "answered", "abandoned", "talk", "AHT")?;
            for (k, t) in &totals {
                outln!(
                    "{k:<8} {:>7} {:>9} {:>10} {:>9}s {:>8.1}s",
                    t.calls,
                    t.answered,
                    t.abandoned,
                    t.talk_secs,
                    t.avg_handle_secs
                )?;
            }
        }
    }
    Ok(())
}
