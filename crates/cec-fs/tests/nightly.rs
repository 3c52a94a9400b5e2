//! The nightly job against the simulator: bills via the C2-checked CDR-ready
//! notice, recordings, manifest and re-runs; interrupted downloads (resumed with
//! Range, restarted when the server ignores it); unsafe names from the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cec_auth::{AkSkSigner, C2Auth};
use cec_core::{Config, RetryPolicy};
use cec_sim::{Fault, SimConfig, Simulator};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cec-fs-nightly-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn client(sim: &Simulator) -> cec_fs::Client {
    let sc = sim.scenario();
    let retry = RetryPolicy::defaults(cec_core::Defaults::V1)
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(20))
        .with_budget(500);
    let cfg = Config::builder(&sim.endpoint()).retry(retry).build().unwrap();
    cec_fs::Client::new(cfg, C2Auth::Signature(AkSkSigner::new(sc.ak, sc.sk).unwrap())).unwrap()
}

/// `n` answered calls of agent 1001, each talking a little over a second; their ids.
async fn calls(sim: &Simulator, n: usize) -> Vec<String> {
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    gw.onlineagent_login()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let id = sim.inject_call(&a.id, &format!("1380000000{i}")).unwrap();
        gw.voicecall_answer().agentid(a.id.as_str()).send().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        sim.hang_up(&id).unwrap();
        ids.push(id);
    }
    ids
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}

async fn sync(sim: &Simulator, dir: &Path) -> cec_fs::Report {
    let sc = sim.scenario();
    let inbox = Arc::new(cec_fs::NoticeInbox::new(sc.ak.clone(), sc.sk.clone()));
    let rx = cec_fs::NoticeReceiver::bind("127.0.0.1:0".parse().unwrap(), inbox.clone()).await.unwrap();
    // One window for every run of a test binary: a re-run must ask for the same period
    // (the manifest records windows by their bounds), however long the first run took.
    static NOW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let now = *NOW
        .get_or_init(|| std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
    let fs = client(sim);
    let report = fs
        .sync(now - 3600, now + 3600, dir)
        .notices(inbox, rx.url())
        .wait(Duration::from_secs(10))
        .recordings(true)
        .concurrency(2)
        .run()
        .await
        .unwrap();
    rx.shutdown().await;
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_fetches_bills_and_recordings_once_and_a_rerun_fetches_nothing() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let ids = calls(&sim, 2).await;
    let dir = tempdir("sync");
    let r = sync(&sim, &dir).await;
    assert!(r.complete(), "{:?}", r.failed);
    assert_eq!((r.fetched, r.skipped), (3, 0), "one bill zip, two recordings");
    let files = listing(&dir);
    assert!(files.iter().any(|f| f.starts_with("bills/") && f.ends_with(".zip")), "{files:?}");
    assert!(files.iter().any(|f| f.starts_with("cdr/") && f.contains("_call_")), "{files:?}");
    for id in &ids {
        assert!(files.iter().any(|f| f.starts_with(&format!("recordings/{id}/"))), "{id} in {files:?}");
    }
    assert!(!files.iter().any(|f| f.contains(".cec-partial")), "{files:?}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["files"].as_object().unwrap().len(), 3);
    // The typed rows of what was fetched.
    let zip = dir.join(files.iter().find(|f| f.ends_with(".zip")).unwrap());
    let rows: Vec<cec_fs::CallRow> = cec_fs::cdr::read_zip(&zip, cec_fs::cdr::Member::Calls).unwrap();
    let totals = cec_fs::summary::summarize(&rows, cec_fs::summary::GroupBy::All);
    assert_eq!((totals["all"].calls, totals["all"].answered), (2, 2));
    // A second run fetches nothing: the window and every recording are complete.
    let again = sync(&sim, &dir).await;
    assert!(again.complete(), "{:?}", again.failed);
    assert_eq!((again.fetched, again.skipped), (0, 3));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_recording_is_resumed_with_range_or_restarted_without() {
    for honor_range in [true, false] {
        let sim = Simulator::start(SimConfig { honor_range, ..Default::default() }).await.unwrap();
        let ids = calls(&sim, 1).await;
        let fs = client(&sim);
        let whole = fs.recording(&ids[0]).bytes(1 << 24).await.unwrap();
        sim.add_fault(Fault::reset(4096).on("ccfs.downloadRecord").times(1)).unwrap();
        let dir = tempdir(&format!("resume-{honor_range}"));
        std::fs::write(dir.join(format!("{}.wav", ids[0])), b"yesterday's copy").unwrap();
        let path = fs.recording(&ids[0]).to_dir(&dir).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), whole, "honor_range {honor_range}");
        assert_eq!(listing(&dir), vec![format!("{}.wav", ids[0])]);
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_download_that_never_completes_keeps_the_old_file_and_leaves_no_partial() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let ids = calls(&sim, 1).await;
    // The body breaks after 2 KiB, then the NE answers 503 to every retry.
    sim.add_fault(Fault::reset(2048).on("ccfs.downloadRecord").times(1)).unwrap();
    sim.add_fault(Fault::http_error(503).on("ccfs.downloadRecord")).unwrap();
    let dir = tempdir("broken");
    let target = dir.join(format!("{}.wav", ids[0]));
    std::fs::write(&target, b"yesterday's copy").unwrap();
    let e = client(&sim).recording(&ids[0]).to_dir(&dir).await.unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), b"yesterday's copy");
    assert_eq!(listing(&dir).len(), 1);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_from_the_server_are_never_paths() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let fs = client(&sim);
    let dir = tempdir("names");
    for bad in ["../../etc/passwd", "/etc/passwd", "..", "a/b.zip", "C:\\x.zip"] {
        let e = fs.bill_file(bad).to_dir(&dir).await.unwrap_err();
        assert!(e.to_string().contains(&format!("{bad:?}")), "the error names {bad:?}: {e}");
    }
    assert!(listing(&dir).is_empty());
    assert!(std::fs::metadata(std::env::temp_dir().join("passwd")).is_err());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_notice_is_an_error_naming_the_response_id() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let sc = sim.scenario();
    let inbox = Arc::new(cec_fs::NoticeInbox::new(sc.ak.clone(), sc.sk.clone()));
    // CC-FS is told a URL where nothing listens: the notice never reaches the inbox.
    let e = client(&sim)
        .bills(0, 86_400)
        .notices(inbox, "http://127.0.0.1:9/cdr-ready")
        .wait(Duration::from_millis(300))
        .to_dir(tempdir("missing"))
        .await
        .unwrap_err();
    assert!(e.is_timeout() && e.to_string().contains("no CDR-ready notice for responseId"), "{e}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_signature_mid_sync_is_reported_per_file() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    calls(&sim, 2).await;
    // Every recording download is refused as with an expired credential.
    sim.add_fault(Fault::expired_credential().on("ccfs.downloadRecordFile")).unwrap();
    let dir = tempdir("expired");
    let r = sync(&sim, &dir).await;
    assert_eq!((r.fetched, r.failed.len()), (1, 2), "{:?}", r.failed);
    assert!(r.failed.iter().all(|f| f.reason.contains("401")), "{:?}", r.failed);
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sync-report.json")).unwrap()).unwrap();
    assert_eq!(report["failed"].as_array().unwrap().len(), 2);
    // Mended, the next run fetches only what failed.
    sim.clear_faults();
    let again = sync(&sim, &dir).await;
    assert!(again.complete(), "{:?}", again.failed);
    assert_eq!((again.fetched, again.skipped), (2, 1));
    sim.shutdown().await;
}

/// One run of a pinned-clock story: the busy day's history (a few calls), a live
/// call answered, talked for 3 s on the clock and hung up; then the sync. Returns
/// every file of the archive and the agent's events.
async fn pinned_run(name: &str) -> (Vec<(String, Vec<u8>)>, String) {
    let mut scenario =
        cec_sim::Scenario::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/busy-day.toml")).unwrap();
    if let Some(h) = scenario.history.as_mut() {
        h.calls = 12;
    }
    let sim = Simulator::start(SimConfig { scenario, ..Default::default() }).await.unwrap();
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    gw.onlineagent_login()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    let id = sim.inject_call(&a.id, "13800000001").unwrap();
    gw.voicecall_answer().agentid(a.id.as_str()).send().await.unwrap();
    sim.advance_clock(Duration::from_secs(3)).unwrap();
    sim.hang_up(&id).unwrap();
    let mut events = String::new();
    for _ in 0..3 {
        let polled = gw.agentevent_poll().agentid(a.id.as_str()).send().await.unwrap();
        events.push_str(&format!("{polled:?}\n"));
    }
    let dir = tempdir(name);
    let inbox = Arc::new(cec_fs::NoticeInbox::new(sc.ak.clone(), sc.sk.clone()));
    let rx = cec_fs::NoticeReceiver::bind("127.0.0.1:0".parse().unwrap(), inbox.clone()).await.unwrap();
    let from = cec_fs::time::parse_time_arg("2026-03-01").unwrap();
    let to = cec_fs::time::parse_time_arg("2026-03-02T01:00:00Z").unwrap();
    let r = client(&sim).sync(from, to, &dir).notices(inbox, rx.url()).recordings(true).run().await.unwrap();
    assert!(r.complete(), "{:?}", r.failed);
    assert!(r.fetched >= 2, "{r:?}");
    rx.shutdown().await;
    sim.shutdown().await;
    let files = listing(&dir).into_iter().map(|f| (f.clone(), std::fs::read(dir.join(&f)).unwrap())).collect();
    (files, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_and_pinned_clock_give_byte_identical_archives_and_events() {
    let (a, ev_a) = pinned_run("pinned-a").await;
    let (b, ev_b) = pinned_run("pinned-b").await;
    assert!(a.iter().any(|(f, _)| f.starts_with("bills/")), "{:?}", a.iter().map(|f| &f.0).collect::<Vec<_>>());
    // The live call's recording is there too (3 s on the pinned clock).
    assert!(a.iter().filter(|(f, _)| f.starts_with("recordings/")).count() >= 2);
    assert_eq!(a.len(), b.len());
    for ((fa, ba), (fb, bb)) in a.iter().zip(&b) {
        assert_eq!(fa, fb);
        assert!(ba == bb, "{fa} differs between two runs");
    }
    assert!(ev_a.contains("1772409600000"), "events carry the pinned time: {ev_a}");
    assert_eq!(ev_a, ev_b);
}
