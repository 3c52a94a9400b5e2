//! The nightly job end to end: the `cec` binary against a simulator serving
//! `scenarios/busy-day.toml`: `cec fs sync` fetches every bill file and
//! recording, a second run fetches nothing, a run killed with SIGKILL in the
//! middle leaves nothing partial under a final name and the next run completes;
//! `cec fs cdr summarize` prints the day's totals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn busy_day() -> cec_sim::Scenario {
    cec_sim::Scenario::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/busy-day.toml")).unwrap()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cec-cli-busy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn command(sim: &cec_sim::Simulator, dir: &Path, args: &[&str]) -> Command {
    let sc = sim.scenario();
    let cfg = dir.with_extension("config.toml");
    std::fs::write(&cfg, "").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_cec"));
    c.args(args)
        .env_remove("CEC_PROFILE")
        .env("CEC_CONFIG", &cfg)
        .env("CEC_FS_ENDPOINT", sim.endpoint())
        .env("CEC_FS_AK", &sc.ak)
        .env("CEC_FS_SK", &sc.sk);
    c
}

const SYNC: [&str; 7] = ["fs", "sync", "--from", "2026-03-01", "--to", "2026-03-02", "--recordings"];

fn sync_args(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = SYNC.iter().map(|s| s.to_string()).collect();
    v.extend(["-o".into(), dir.display().to_string(), "--notice-wait".into(), "30".into()]);
    v
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run cec")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file below `dir`, relative, with its bytes. A sync may be running: a file
/// renamed or removed between the listing and the read is skipped, not a failure.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn present<T>(r: std::io::Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("{e}"),
        }
    }
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Some(entries) = present(std::fs::read_dir(d)) else { return };
        for e in entries {
            let Some(e) = present(e) else { continue };
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Some(bytes) = present(std::fs::read(&p)) {
                out.insert(p.strip_prefix(base).unwrap().display().to_string(), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_fetches_the_busy_day_once_and_summarize_prints_its_totals() {
    let sim =
        cec_sim::Simulator::start(cec_sim::SimConfig { scenario: busy_day(), ..Default::default() }).await.unwrap();
    let records = sim.call_records();
    let answered: Vec<&cec_sim::CallRecord> = records.iter().filter(|r| r.answered_ms.is_some()).collect();
    assert!(records.len() >= 200);
    let dir = tempdir("sync");
    let out = run(command(&sim, &dir, &[]).args(sync_args(&dir)));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // One line per file (not a terminal): the bill zip and every recording.
    let done: Vec<&str> = stdout.lines().filter(|l| l.starts_with("done ")).collect();
    assert_eq!(done.len(), 1 + answered.len(), "{stdout}");
    assert!(stdout.contains(&format!("{} fetched, 0 already complete, 0 failed", 1 + answered.len())), "{stdout}");
    let all = files(&dir);
    let m = manifest(&dir);
    let listed = m["files"].as_object().unwrap();
    assert_eq!(listed.len(), 1 + answered.len());
    for (rel, e) in listed {
        let bytes = all.get(rel).unwrap_or_else(|| panic!("{rel} is in the manifest but not on disk"));
        assert_eq!(e["sha256"].as_str().unwrap(), sha256_hex(bytes), "{rel}");
    }
    for r in &answered {
        let rel = format!("recordings/{}/{}.wav", r.id, r.id);
        assert!(all.contains_key(&rel), "{rel} missing");
    }
    assert_eq!(all.keys().filter(|k| k.starts_with("bills/") && k.ends_with(".zip")).count(), 1);
    assert!(!all.keys().any(|k| k.contains(".cec-partial")));

    // A second run fetches nothing and changes nothing.
    let again = run(command(&sim, &dir, &[]).args(sync_args(&dir)));
    let stdout = text(&again.stdout);
    assert!(again.status.success(), "{stdout}\n{}", text(&again.stderr));
    assert!(stdout.contains(&format!("0 fetched, {} already complete, 0 failed", 1 + answered.len())), "{stdout}");
    let after = files(&dir);
    assert_eq!(
        all.iter().filter(|(k, _)| !k.ends_with(".json")).collect::<Vec<_>>(),
        after.iter().filter(|(k, _)| !k.ends_with(".json")).collect::<Vec<_>>()
    );

    // The day's totals, from the extracted CSVs, equal what the simulator generated.
    let out = run(&mut command(
        &sim,
        &dir,
        &["fs", "cdr", "summarize", &dir.join("cdr").display().to_string(), "--output", "json"],
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t = &v[0]["totals"];
    let talk: u64 =
        records.iter().flat_map(|r| r.legs.iter()).map(|l| (l.ended_ms.unwrap() - l.answered_ms.unwrap()) / 1000).sum();
    assert_eq!(
        (t["calls"].as_u64(), t["answered"].as_u64(), t["abandoned"].as_u64(), t["talk_secs"].as_u64()),
        (
            Some(records.len() as u64),
            Some(answered.len() as u64),
            Some((records.len() - answered.len()) as u64),
            Some(talk)
        ),
        "{v}"
    );
    let table = run(&mut command(&sim, &dir, &["fs", "cdr", "summarize", &dir.join("cdr").display().to_string()]));
    let table = text(&table.stdout);
    assert!(table.lines().any(|l| l.starts_with("all") && l.contains(&records.len().to_string())), "{table}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_mid_file_leaves_nothing_partial_under_a_final_name_and_the_rerun_completes() {
    let mut sc = busy_day();
    if let Some(h) = sc.history.as_mut() {
        h.calls = 24;
    }
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario: sc, ..Default::default() }).await.unwrap();
    let answered = sim.call_records().iter().filter(|r| r.answered_ms.is_some()).count();
    // Recordings trickle at 16 kB/s: each of the 64 kB files takes about 4 s.
    sim.add_fault(cec_sim::Fault::slow_body(16_000).on("ccfs.downloadRecordFile")).unwrap();
    let dir = tempdir("killed");
    // The sync's output goes to files beside the archive: a sync that ends early says why.
    let (out_path, err_path) = (dir.with_extension("stdout"), dir.with_extension("stderr"));
    let mut child = command(&sim, &dir, &[])
        .args(sync_args(&dir))
        .stdout(Stdio::from(std::fs::File::create(&out_path).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&err_path).unwrap()))
        .spawn()
        .unwrap();
    let said = || {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            std::fs::read_to_string(&out_path).unwrap_or_default(),
            std::fs::read_to_string(&err_path).unwrap_or_default()
        )
    };
    // Wait until a recording is under way (its temporary file exists), then SIGKILL a
    // little later, mid-body. (The file may still hold no bytes: the download buffers
    // 256 KiB before it writes, more than a 64 kB recording; at 16 kB/s a recording
    // takes about 4 s, so the kill lands inside one.)
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let partial = files(&dir).keys().any(|k| k.ends_with(".cec-partial"));
        if partial {
            break;
        }
        assert!(Instant::now() < deadline, "no download started\n{}", said());
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the sync ended ({status}) before it was killed; files {:?}\n{}", files(&dir).keys(), said());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let killed = files(&dir);
    assert!(killed.keys().any(|k| k.ends_with(".cec-partial")), "killed mid-file: {:?}", killed.keys());
    let m = manifest(&dir);
    let done_before = m["files"].as_object().unwrap().len();
    assert!(done_before < 1 + answered, "killed before the end");
    // Mended, the next run completes what is missing and nothing else.
    sim.clear_faults();
    let out = run(command(&sim, &dir, &[]).args(sync_args(&dir)));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("{} fetched, {done_before} already complete, 0 failed", 1 + answered - done_before)),
        "{stdout}"
    );
    let all = files(&dir);
    assert!(!all.keys().any(|k| k.contains(".cec-partial")), "{:?}", all.keys());
    let m = manifest(&dir);
    assert_eq!(m["files"].as_object().unwrap().len(), 1 + answered);
    for (rel, e) in m["files"].as_object().unwrap() {
        assert_eq!(e["sha256"].as_str(), Some(sha256_hex(&all[rel]).as_str()), "{rel}");
    }
    // What sat under a final name after the kill was complete: the finished file, byte for byte.
    for (rel, bytes) in killed.iter().filter(|(k, _)| !k.ends_with(".cec-partial") && !k.ends_with(".json")) {
        assert!(all.get(rel) == Some(bytes), "{rel} was partial under its final name");
    }
    sim.shutdown().await;
}

/// The server's recording index names files with call ids that are not safe as
/// paths (scenario knob `history.unsafe_call_ids`): a traversal, an absolute
/// path and a backslash are refused, each named in `sync-report.json`; a Windows
/// device name is made safe (`_CON`) inside the archive; nothing is written
/// outside the output directory; the exit code is not 0; every other file completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_names_from_the_server_fail_alone_and_nothing_is_written_outside_the_archive() {
    let mut scenario = busy_day();
    let odd = ["../x", "/etc/x", "a\\b", "CON"];
    if let Some(h) = scenario.history.as_mut() {
        h.calls = 30;
        h.abandon_percent = 0;
        h.unsafe_call_ids = odd.iter().map(|s| s.to_string()).collect();
    }
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await.unwrap();
    let answered = sim.call_records().iter().filter(|r| r.answered_ms.is_some()).count();
    assert!(answered > odd.len());
    // The archive is one level below `root`, so a write that escaped it would land in `root`.
    let root = tempdir("unsafe");
    let dir = root.join("archive");
    std::fs::create_dir_all(&dir).unwrap();
    let out = run(command(&sim, &dir, &[]).args(sync_args(&dir)));
    let stdout = text(&out.stdout);
    assert!(!out.status.success(), "{stdout}\n{}", text(&out.stderr));

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sync-report.json")).unwrap()).unwrap();
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 3, "{report:#}");
    for bad in ["../x", "/etc/x", "a\\b"] {
        let quoted = format!("{bad:?}");
        assert!(
            failed.iter().any(|f| f["reason"].as_str().unwrap().contains(&quoted)),
            "{bad} is not named in the report: {report:#}"
        );
    }
    // The other recordings and the bill zip are complete: all but the three refused.
    assert_eq!(report["fetched"].as_u64().unwrap() as usize, 1 + answered - 3, "{report:#}");
    let all = files(&dir);
    assert!(all.keys().any(|k| k.starts_with("recordings/_CON/")), "{:?}", all.keys().collect::<Vec<_>>());
    assert!(!all.keys().any(|k| k.contains(".cec-partial")));
    assert_eq!(all.keys().filter(|k| k.starts_with("recordings/")).count(), answered - 3);
    // Nothing beside the archive (and its config file), nothing named x anywhere near it.
    let beside: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "archive" && n != "archive.config.toml")
        .collect();
    assert!(beside.is_empty(), "written outside the archive: {beside:?}");
    assert!(!dir.join("recordings").join("x").exists() && !root.join("x").exists());
    let _ = std::fs::remove_dir_all(&root);
}
