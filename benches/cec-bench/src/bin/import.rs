//! `cargo xtask bench import [--rows 10000,100000,1000000] [--rounds N] [--chunk C]
//! [--concurrency K] [--no-journal] [--no-key-check]`: campaign import (`calldata.add_v2`) against the
//! simulator, the SDK beside its floor.
//!
//! Three processes per run, so each side's memory and CPU are its own:
//!
//! - the simulator: this binary re-executed with `--serve` (cec-sim on 127.0.0.1, a
//!   campaign that takes `C` records per call with no least interval and no limit of
//!   uncompleted records, nothing dialed);
//! - the importer: this binary re-executed with `--client sdk|bare` on a current-thread
//!   runtime. `sdk` streams the rows through `cec_isales::Client::import_call_data`
//!   (chunks of `C`, `K` in flight, a journal file unless `--no-journal`, the check of
//!   repeated keys unless `--no-key-check`); `bare` sends
//!   the same chunks as the floor: a plain-derive body by `serde_json`, the C2 signature
//!   (`cec_core::sign::authorization`), a bare `reqwest` POST, the answer into a
//!   plain-derive struct, `K` in flight. Both generate the rows lazily (never all in
//!   memory). At the end it prints its own peak RSS (`VmHWM`) and CPU time;
//! - this process, which starts both, reads the simulator's CPU time from
//!   `/proc/<pid>/stat`, and prints rows/s, the SDK's ratio to the floor (min/median/max
//!   over the rounds; the largest size runs once), peak RSS and each side's CPU time
//!   over the wall time (the side near 100 % of a core is the bottleneck).
//!
//! A benchmark: it asserts nothing.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use cec_bench::{SimChild, Summary, proc_cpu_secs, proc_status_kib, serve_sim};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};

const CAMPAIGN: i64 = 501;

struct Opts {
    rows: Vec<u64>,
    rounds: usize,
    chunk: usize,
    concurrency: usize,
    journal: bool,
    key_check: bool,
    // Child modes.
    serve: bool,
    client: Option<String>,
    endpoint: String,
}

fn opts() -> Opts {
    let mut o = Opts {
        rows: vec![10_000, 100_000, 1_000_000],
        rounds: 3,
        chunk: 100,
        concurrency: 4,
        journal: true,
        key_check: true,
        serve: false,
        client: None,
        endpoint: String::new(),
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let mut step = 2;
        match args[i].as_str() {
            "--rows" => o.rows = v.split(',').filter_map(|c| c.trim().replace('_', "").parse().ok()).collect(),
            "--rounds" => o.rounds = v.parse().unwrap_or(o.rounds),
            "--chunk" => o.chunk = v.parse().unwrap_or(o.chunk),
            "--concurrency" => o.concurrency = v.parse().unwrap_or(o.concurrency),
            "--no-journal" => (o.journal, step) = (false, 1),
            "--no-key-check" => (o.key_check, step) = (false, 1),
            "--serve" => (o.serve, step) = (true, 1),
            "--client" => o.client = Some(v),
            "--endpoint" => o.endpoint = v,
            other => {
                eprintln!(
                    "usage: import [--rows 10000,100000,1000000] [--rounds N] [--chunk C] [--concurrency K] [--no-journal] [--no-key-check]   (got {other})"
                );
                std::process::exit(2);
            }
        }
        i += step;
    }
    o
}

/// Row `i`: its key and its number (the same in both importers).
fn row(i: u64) -> (String, String) {
    (format!("crm-{i}"), format!("139{i:08}"))
}

fn scenario(chunk: usize) -> cec_sim::Scenario {
    let mut sc = cec_sim::Scenario::default();
    sc.dialer.interval_ms = 0; // nothing dialed while importing
    sc.dialer.calldata_max_per_call = chunk.max(20); // the tenant's isales.api.calldata.max
    sc.dialer.calldata_min_interval_ms = 0;
    sc.dialer.calldata_max_uncompleted = usize::MAX;
    sc
}

fn main() {
    let o = opts();
    if o.serve {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        rt.block_on(serve_sim(scenario(o.chunk), |_| {}));
        return;
    }
    if let Some(mode) = o.client.clone() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let n = o.rows.first().copied().unwrap_or(0);
        let t = Instant::now();
        let accepted = rt.block_on(async {
            match mode.as_str() {
                "sdk" => sdk_import(&o, n).await,
                _ => bare_import(&o, n).await,
            }
        });
        let secs = t.elapsed().as_secs_f64();
        let me = std::process::id();
        println!("RESULT {accepted} {secs} {} {}", proc_status_kib(me, "VmHWM"), proc_cpu_secs(me));
        return;
    }
    orchestrate(&o);
}

struct Run {
    rows_per_s: f64,
    hwm_kib: u64,
    client_cpu: f64,
    sim_cpu: f64,
    wall: f64,
}

fn one_run(o: &Opts, mode: &str, n: u64) -> Run {
    let chunk = o.chunk.to_string();
    let sim = SimChild::spawn(&["--serve", "--chunk", &chunk]).expect("simulator child");
    let sim_cpu0 = proc_cpu_secs(sim.pid());
    let exe = std::env::current_exe().unwrap();
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["--client", mode, "--endpoint", &sim.endpoint, "--rows", &n.to_string(), "--chunk", &chunk]);
    cmd.args(["--concurrency", &o.concurrency.to_string()]);
    if !o.journal {
        cmd.arg("--no-journal");
    }
    if !o.key_check {
        cmd.arg("--no-key-check");
    }
    let out = cmd.output().expect("importer child");
    let sim_cpu = proc_cpu_secs(sim.pid()) - sim_cpu0;
    sim.stop();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("RESULT ")).unwrap_or_else(|| {
        panic!("{mode} importer failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    });
    let f: Vec<&str> = line.split_whitespace().collect();
    let accepted: u64 = f[1].parse().unwrap();
    let wall: f64 = f[2].parse().unwrap();
    assert_eq!(accepted, n, "{mode}: {accepted} of {n} rows accepted");
    Run {
        rows_per_s: n as f64 / wall,
        hwm_kib: f[3].parse().unwrap(),
        client_cpu: f[4].parse().unwrap(),
        sim_cpu,
        wall,
    }
}

fn orchestrate(o: &Opts) {
    println!(
        "campaign import into cec-sim (child process): chunk {}, {} in flight, journal {}, repeated-key check {}, {} cores",
        o.chunk,
        o.concurrency,
        if o.journal { "on" } else { "off" },
        if o.key_check { "on" } else { "off" },
        cec_bench::num_cpus()
    );
    println!(
        "{:>9} {:>6} {:>26} {:>22} {:>12} {:>11} {:>11}",
        "rows", "side", "rows/s min/med/max", "sdk/bare min/med/max", "peak RSS MiB", "own CPU %", "sim CPU %"
    );
    let mut hwm_by_size = Vec::new();
    for &n in &o.rows {
        let rounds = if n >= 1_000_000 { 1 } else { o.rounds.max(1) };
        let (mut sdk, mut bare) = (Vec::new(), Vec::new());
        for r in 0..rounds {
            // Take turns so neither side always runs on a warmer machine.
            if r % 2 == 0 {
                bare.push(one_run(o, "bare", n));
                sdk.push(one_run(o, "sdk", n));
            } else {
                sdk.push(one_run(o, "sdk", n));
                bare.push(one_run(o, "bare", n));
            }
        }
        let ratios = Summary::of(sdk.iter().zip(&bare).map(|(s, b)| s.rows_per_s / b.rows_per_s).collect());
        for (side, runs) in [("bare", &bare), ("sdk", &sdk)] {
            let rate = Summary::of(runs.iter().map(|r| r.rows_per_s).collect());
            let hwm = runs.iter().map(|r| r.hwm_kib).max().unwrap_or(0);
            let own = Summary::of(runs.iter().map(|r| 100.0 * r.client_cpu / r.wall).collect());
            let simc = Summary::of(runs.iter().map(|r| 100.0 * r.sim_cpu / r.wall).collect());
            let ratio = if side == "sdk" { ratios.fmt(2) } else { "1".into() };
            println!(
                "{n:>9} {side:>6} {:>26} {ratio:>22} {:>12.1} {:>11} {:>11}",
                rate.fmt(0),
                hwm as f64 / 1024.0,
                own.fmt(0),
                simc.fmt(0)
            );
            if side == "sdk" {
                hwm_by_size.push((n, hwm));
            }
        }
    }
    if let (Some(first), Some(last)) = (hwm_by_size.first(), hwm_by_size.last())
        && first.0 != last.0
    {
        println!(
            "sdk peak RSS at {} rows / at {} rows: {:.2}x (target <= 1.2x)",
            last.0,
            first.0,
            last.1 as f64 / first.1.max(1) as f64
        );
    }
    println!("own CPU % and sim CPU %: CPU time of each process over the import's wall time (100 = one core busy)");
}

// ---- the SDK ----

async fn sdk_import(o: &Opts, n: u64) -> u64 {
    use cec_isales::{AkSkSigner, C2Auth, CallDataRow, Config, ImportOptions, TenantDefaults};
    let sc = cec_sim::Scenario::default();
    let client = cec_isales::Client::new(
        Config::builder(&o.endpoint).build().unwrap(),
        C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap()),
    )
    .unwrap()
    .with_tenant(TenantDefaults::new().vdn_id(sc.vdn));
    let journal =
        o.journal.then(|| std::env::temp_dir().join(format!("cec-bench-import-{}.journal", std::process::id())));
    let opts = ImportOptions {
        chunk_size: o.chunk,
        concurrency: o.concurrency,
        min_interval: Duration::ZERO,
        journal: journal.clone(),
        check_repeated_keys: o.key_check,
        ..Default::default()
    };
    let rows = stream::iter(0..n).map(|i| {
        let (key, number) = row(i);
        CallDataRow { key, numbers: vec![number], ..Default::default() }
    });
    let mut results = client.import_call_data(CAMPAIGN, rows, opts);
    let mut accepted = 0;
    while let Some(r) = results.next().await {
        match r {
            Ok(r) if r.accepted() => accepted += 1,
            Ok(r) => eprintln!("refused: {r:?}"),
            Err(e) => {
                eprintln!("import failed: {e}");
                break;
            }
        }
    }
    if let Some(j) = journal {
        let _ = std::fs::remove_file(j);
    }
    accepted
}

// ---- the floor: bare reqwest + serde_json ----

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainBody<'a> {
    call_data_list: Vec<PlainRecord<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainRecord<'a> {
    session_id: &'a str,
    called: [PlainCalled<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainCalled<'a> {
    called_no: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainAnswer {
    return_code: Option<String>,
    return_object: Option<PlainCreated>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainCreated {
    data_id_list: Option<Vec<PlainDataId>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainDataId {
    called: Option<String>,
    data_id: Option<String>,
}

async fn bare_import(o: &Opts, n: u64) -> u64 {
    let sc = cec_sim::Scenario::default();
    let http = cec_bench::bare_http().build().unwrap();
    let path = format!("/rest/isales/v2/openapi/campaigns/{}/calldata/{CAMPAIGN}", sc.vdn);
    let url = format!("{}{path}", o.endpoint);
    let host = o.endpoint.trim_start_matches("http://").to_owned();
    let ctype = cec_core::client::JSON_CONTENT_TYPE;
    let chunks = stream::iter(0..n).chunks(o.chunk.max(1)).map(|ids| {
        let (http, url, path, host, sc) = (&http, &url, &path, &host, &sc);
        async move {
            let rows: Vec<(String, String)> = ids.into_iter().map(row).collect();
            let body = PlainBody {
                call_data_list: rows
                    .iter()
                    .map(|(k, num)| PlainRecord { session_id: k, called: [PlainCalled { called_no: num }] })
                    .collect(),
            };
            let body = serde_json::to_vec(&body).unwrap();
            let length = body.len().to_string();
            let headers = [("content-length", length.as_str()), ("content-type", ctype), ("host", host.as_str())];
            let signable =
                cec_core::sign::SignableRequest { method: "POST", path, query: &[], headers: &headers, body: &body };
            let ts = cec_core::sign::C2Dialect::default().timestamp.format(std::time::SystemTime::now());
            let auth = cec_core::sign::authorization(&sc.ak, sc.sk.as_bytes(), &ts, &signable);
            let answer = http
                .post(url.as_str())
                .header("content-type", ctype)
                .header("authorization", auth)
                .body(body)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let a: PlainAnswer = serde_json::from_slice(&answer).unwrap();
            a.return_object.and_then(|o| o.data_id_list).map(|l| l.len() as u64).unwrap_or(0)
        }
    });
    chunks.buffer_unordered(o.concurrency.max(1)).fold(0, |acc, k| async move { acc + k }).await
}
