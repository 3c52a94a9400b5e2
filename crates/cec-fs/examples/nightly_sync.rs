//! The nightly CDR and recording job in Rust, against an in-process simulator
//! serving `scenarios/busy-day.toml` (a day of finished calls before its start):
//! the bill zip of the day via the CDR-ready notice, its CSVs, every recording,
//! then the day's totals, then a second run that fetches nothing.
//!
//! ```text
//! cargo run -p cec-fs --example nightly_sync [-- ARCHIVE_DIR]
//! ```
//!
//! Against a real tenant, build the client with `cec_fs::Client::from_env()`,
//! bind the receiver where CC-FS can reach it and give its public URL.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::Duration;

use cec_fs::summary::{GroupBy, summarize};
use cec_fs::{AkSkSigner, C2Auth, CallRow, Config, NoticeInbox, NoticeReceiver, SyncEvent};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let scenario = cec_sim::Scenario::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/busy-day.toml"))?;
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await?;
    let sc = sim.scenario();
    let dir = match std::env::args().nth(1) {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::temp_dir().join(format!("cec-nightly-sync-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;

    let client = cec_fs::Client::new(
        Config::builder(&sim.endpoint()).build()?,
        C2Auth::Signature(AkSkSigner::new(sc.ak.clone(), sc.sk.clone())?),
    )?;
    // CDR-ready notices arrive here; the inbox checks their C2 signature.
    let inbox = Arc::new(NoticeInbox::new(sc.ak.clone(), sc.sk.clone()));
    let receiver = NoticeReceiver::bind("127.0.0.1:0".parse()?, inbox.clone()).await?;

    let from = cec_fs::time::parse_time_arg("2026-03-01")?;
    let to = cec_fs::time::parse_time_arg("2026-03-02")?;
    for run in 1..=2 {
        let report = client
            .sync(from, to, &dir)
            .notices(inbox.clone(), receiver.url())
            .wait(Duration::from_secs(30))
            .recordings(true)
            .concurrency(4)
            .on_event(|e| {
                if let SyncEvent::Failed { file, reason } = e {
                    eprintln!("failed {file}: {reason}");
                }
            })
            .run()
            .await?;
        println!(
            "run {run}: {} fetched, {} already complete, {} failed",
            report.fetched,
            report.skipped,
            report.failed.len()
        );
        if !report.complete() {
            return Err(format!(
                "{} files failed (see {})",
                report.failed.len(),
                dir.join("sync-report.json").display()
            )
            .into());
        }
    }

    // The day's totals from the bill zips in the archive.
    let mut rows: Vec<CallRow> = Vec::new();
    for e in std::fs::read_dir(dir.join("bills"))? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "zip") {
            rows.extend(cec_fs::cdr::read_zip::<CallRow>(&p, cec_fs::cdr::Member::Calls)?);
        }
    }
    let totals = summarize(&rows, GroupBy::All);
    if let Some(t) = totals.get("all") {
        println!(
            "2026-03-01: {} calls, {} answered, {} abandoned, {} s talk, {:.1} s average handle time",
            t.calls, t.answered, t.abandoned, t.talk_secs, t.avg_handle_secs
        );
    }
    println!("archive: {}", dir.display());
    receiver.shutdown().await;
    sim.shutdown().await;
    Ok(())
}
