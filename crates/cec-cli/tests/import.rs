//! `cec isales import` end to end: a CSV with 1 % bad rows, killed halfway with
//! SIGKILL and run again; the simulator counts what it accepted. 10,000 rows by
//! default (a CI-sized run); `CEC_IMPORT_ROWS=100000` runs the full size.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rows in the CSV: `CEC_IMPORT_ROWS`, else 10,000 (a multiple of 300 keeps the three
/// kinds of bad row balanced; any multiple of 100 works).
fn rows() -> usize {
    std::env::var("CEC_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| n % 100 == 0 && *n > 0)
        .unwrap_or(10_000)
}

/// Row `i`'s key and numbers; every 100th row (offset 7) is bad, in turn malformed,
/// blocklisted, or repeating its number.
fn row(i: usize) -> (String, String, Option<&'static str>) {
    let n = format!("1390{i:07}");
    let key = format!("crm-{i:06}");
    if i % 100 != 7 {
        return (key, n, None);
    }
    match (i / 100) % 3 {
        0 => (key, format!("{n}-x"), Some("local")),
        1 => (key, n, Some("0200024")),
        _ => (key, format!("{n};{n}"), Some("0200018")),
    }
}

fn cec(args: &[&str], env: &[(&str, String)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cec"));
    c.args(args).env_remove("CEC_PROFILE");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_import_reports_exactly_the_bad_rows_and_survives_kill_9() {
    let mut scenario = cec_sim::Scenario::default();
    scenario.dialer.interval_ms = 0;
    scenario.dialer.calldata_max_per_call = 500;
    scenario.dialer.calldata_min_interval_ms = 0;
    let n_rows = rows();
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await.unwrap();
    let sc = sim.scenario();
    let endpoint = sim.endpoint();

    let dir = std::env::temp_dir().join(format!("cec-import-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("crm.csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(f, "crm_id,phone,note").unwrap();
    let mut bad: HashMap<String, &str> = HashMap::new();
    let mut blocklist = Vec::new();
    for i in 0..n_rows {
        let (key, number, why) = row(i);
        writeln!(f, "{key},{number},row {i}").unwrap();
        if let Some(w) = why {
            bad.insert(key, w);
            if w == "0200024" {
                blocklist.push(number);
            }
        }
    }
    f.flush().unwrap();
    drop(f);
    assert_eq!(bad.len(), n_rows / 100);

    let auth = cec_isales::C2Auth::Signature(cec_isales::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap());
    let isales = cec_isales::Client::new(cec_isales::Config::builder(&endpoint).build().unwrap(), auth).unwrap();
    for chunk in blocklist.chunks(20) {
        isales.blocklist_add().vdn_id(1).blocklist(chunk.to_vec()).send().await.unwrap();
    }

    let cfg = dir.join("empty.toml");
    std::fs::write(&cfg, "").unwrap();
    let env = vec![
        ("CEC_ISALES_ENDPOINT", endpoint.clone()),
        ("CEC_ISALES_AK", sc.ak.clone()),
        ("CEC_ISALES_SK", sc.sk.clone()),
        ("CEC_CONFIG", cfg.display().to_string()),
    ];
    let path = csv.display().to_string();
    // Chunks small enough that the kill lands mid-import at any row count.
    let chunk = (n_rows / 100).clamp(50, 500);
    let chunk_arg = chunk.to_string();
    let args = [
        "isales",
        "import",
        "--campaign",
        "501",
        path.as_str(),
        "--map",
        "crm_id=key",
        "--map",
        "phone=called",
        "--chunk",
        chunk_arg.as_str(),
        "--concurrency",
        "2",
        "--min-interval-ms",
        "0",
    ];

    // Run 1: killed with SIGKILL once about half the rows are in.
    let mut child = cec(&args, &env).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if sim.call_data_counts().0 >= (n_rows / 2) as u64 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the first run ended before it was killed: {status}");
        }
        assert!(start.elapsed() < Duration::from_secs(600), "first run too slow");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap(); // SIGKILL: no clean-up runs.
    child.wait().unwrap();
    let half = sim.call_data(501).len();
    assert!(half >= n_rows / 2 && half < n_rows, "{half}");

    // Run 2: picks up from the journal.
    let out = cec(&args, &env).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "refused rows make exit code 2:\n{stdout}\n{stderr}");
    assert!(stdout.contains(&format!("{} refused", n_rows / 100)), "{stdout}");

    // The failure report names exactly the bad rows, with the input row and the reason.
    let report = std::fs::read_to_string(dir.join("crm.csv.failures.csv")).unwrap();
    let mut lines = report.lines();
    assert_eq!(lines.next(), Some("crm_id,phone,note,code,reason"));
    let mut reported = HashSet::new();
    for l in lines {
        let cells: Vec<&str> = l.splitn(5, ',').collect();
        let want = bad.get(cells[0]).unwrap_or_else(|| panic!("a good row is reported: {l}"));
        assert_eq!(cells[3], *want, "{l}");
        assert!(cells[2].starts_with("row "), "the input row is kept: {l}");
        assert!(!cells[4].is_empty());
        assert!(reported.insert(cells[0].to_string()), "reported twice: {l}");
    }
    assert_eq!(reported.len(), bad.len());

    // No row twice: every good key exactly once in the campaign, no bad one.
    let data = sim.call_data(501);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (key, _) in &data {
        *seen.entry(key.clone()).or_default() += 1;
    }
    assert_eq!(data.len(), n_rows - bad.len(), "records in the campaign");
    assert!(seen.values().all(|n| *n == 1), "a key twice");
    assert!(bad.keys().all(|k| !seen.contains_key(k)));
    let (added, deleted) = sim.call_data_counts();
    assert_eq!(added - deleted, (n_rows - bad.len()) as u64);
    assert!(deleted <= 2 * chunk as u64, "only the chunks in flight at the kill were in doubt: {deleted}");
    let _ = std::fs::remove_dir_all(&dir);
    sim.shutdown().await;
}
