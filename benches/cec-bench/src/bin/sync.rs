//! `cargo xtask bench sync [--files 1000] [--recording-secs 65] [--concurrency 1,4,16] [--rounds 2] [--dir DIR]`:
//! the nightly job (`cec_fs::Client::sync` with recordings) at several concurrencies.
//!
//! The simulator (a runtime of this process) serves a scenario with a pinned
//! clock and a `[history]` of `--files` answered calls, each with one recording
//! of `--recording-secs` seconds (8 kHz 16-bit WAV: 16,000 bytes a second plus a
//! 44-byte header; 65 s is 1,040,044 bytes, about 1 MiB), made when downloaded.
//! Each sync runs in a child process of this binary (multi-thread runtime, 2
//! workers, the built-in CDR-ready receiver on loopback) into a fresh directory:
//! the bill zip of the day via its notice, its CSVs, then every recording. The
//! child reports the job's wall time and its peak RSS (`VmHWM`), so the figures
//! are those of the syncing process alone (the simulator's work, making each WAV,
//! is in the wall time: it shares the machine). Prints min/median/max per
//! concurrency and the wall-time ratio to concurrency 1 measured in the same
//! round. A benchmark: it asserts nothing.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cec_bench::Summary;

struct Opts {
    files: u32,
    recording_secs: u32,
    concurrency: Vec<usize>,
    rounds: usize,
    dir: PathBuf,
}

fn usage(got: &str) -> ! {
    eprintln!(
        "usage: sync [--files 1000] [--recording-secs 65] [--concurrency 1,4,16] [--rounds 2] [--dir DIR]   (got {got})"
    );
    std::process::exit(2);
}

fn opts(args: &[String]) -> Opts {
    let mut o =
        Opts { files: 1000, recording_secs: 65, concurrency: vec![1, 4, 16], rounds: 2, dir: std::env::temp_dir() };
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--files" => o.files = v.parse().unwrap_or_else(|_| usage(&v)),
            "--recording-secs" => o.recording_secs = v.parse().unwrap_or_else(|_| usage(&v)),
            "--concurrency" => o.concurrency = v.split(',').filter_map(|c| c.parse().ok()).collect(),
            "--rounds" => o.rounds = v.parse().unwrap_or_else(|_| usage(&v)),
            "--dir" => o.dir = PathBuf::from(v),
            other => usage(other),
        }
        i += 2;
    }
    o
}

const FROM: &str = "2026-03-01";
const TO: &str = "2026-03-02";

/// In the child: one sync; prints `RESULT <files> <bytes> <secs> <peak KiB>`.
fn child(args: &[String]) {
    let get = |i: usize| args.get(i).cloned().unwrap_or_else(|| usage("--child CONCURRENCY ENDPOINT AK SK DIR"));
    let (conc, endpoint, ak, sk, dir) = (get(1), get(2), get(3), get(4), PathBuf::from(get(5)));
    let conc: usize = conc.parse().unwrap_or_else(|_| usage(&conc));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let config = cec_core::Config::builder(&endpoint).build().unwrap();
        let client = cec_fs::Client::new(
            config,
            cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(ak.as_str(), sk.as_str()).unwrap()),
        )
        .unwrap();
        let inbox = Arc::new(cec_fs::NoticeInbox::new(ak.clone(), sk.clone()));
        let receiver = cec_fs::NoticeReceiver::bind("127.0.0.1:0".parse().unwrap(), inbox.clone()).await.unwrap();
        let from = cec_fs::time::parse_time_arg(FROM).unwrap();
        let to = cec_fs::time::parse_time_arg(TO).unwrap();
        let t = Instant::now();
        let report = client
            .sync(from, to, &dir)
            .notices(inbox, receiver.url())
            .wait(Duration::from_secs(60))
            .recordings(true)
            .concurrency(conc)
            .run()
            .await
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        if !report.complete() {
            eprintln!("sync failed: {:?}", report.failed.first());
            std::process::exit(1);
        }
        let bytes: u64 = std::fs::read_dir(dir.join("recordings"))
            .unwrap()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
            .filter_map(|f| f.metadata().ok().map(|m| m.len()))
            .sum();
        println!("RESULT {} {bytes} {secs} {}", report.fetched, cec_bench::peak_rss_kib());
        receiver.shutdown().await;
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args);
    }
    let o = opts(&args);
    let toml = format!(
        "clock = \"{TO}T00:00:00Z\"\n[history]\ncalls = {}\nhours = 24\nabandon_percent = 0\ntransfer_percent = 0\n\
         min_talk_secs = {s}\nmax_talk_secs = {s}\nrecording_max_secs = {s}\n",
        o.files,
        s = o.recording_secs
    );
    let scenario = cec_sim::Scenario::from_toml(&toml).unwrap();
    let sim_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sim =
        sim_rt.block_on(cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() })).unwrap();
    let sc = sim.scenario();
    let exe = std::env::current_exe().unwrap();
    let wav = 44 + 16_000 * u64::from(o.recording_secs);
    println!(
        "sync: {} recordings of {} s ({wav} bytes, {:.3} MiB) from the simulator, concurrency {:?}, {} rounds; \
         each run in a child process (multi-thread runtime, 2 workers)",
        o.files,
        o.recording_secs,
        wav as f64 / 1048576.0,
        o.concurrency,
        o.rounds
    );
    let n = o.concurrency.len();
    let (mut secs, mut rss, mut ratio) = (vec![Vec::new(); n], vec![Vec::new(); n], vec![Vec::new(); n]);
    for round in 1..=o.rounds {
        let mut this = vec![0.0; n];
        for (i, c) in o.concurrency.iter().enumerate() {
            let dir = o.dir.join(format!("cec-bench-sync-{}-{round}-{c}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let output = Command::new(&exe)
                .args(["--child", &c.to_string(), &sim.endpoint(), &sc.ak, &sc.sk, &dir.to_string_lossy()])
                .output()
                .expect("running the child");
            let _ = std::fs::remove_dir_all(&dir);
            let text = String::from_utf8_lossy(&output.stdout);
            let line = text.lines().find_map(|l| l.strip_prefix("RESULT ")).unwrap_or_else(|| {
                eprintln!("concurrency {c}: the child failed: {}", String::from_utf8_lossy(&output.stderr));
                std::process::exit(1);
            });
            let f: Vec<f64> = line.split_whitespace().filter_map(|v| v.parse().ok()).collect();
            let (files, bytes, s, kib) = (f[0], f[1], f[2], f[3]);
            // The bill zip is one of the files fetched.
            if files as u32 != o.files + 1 || bytes as u64 != wav * u64::from(o.files) {
                eprintln!("concurrency {c}: {files} files ({bytes} bytes of recordings), {} expected", o.files + 1);
                std::process::exit(1);
            }
            println!(
                "round {round} concurrency {c:>2}: {s:7.2} s  {:6.1} files/s  {:6.1} MiB/s  peak RSS {:5.1} MiB",
                f64::from(o.files) / s,
                bytes / 1048576.0 / s,
                kib / 1024.0
            );
            this[i] = s;
            secs[i].push(s);
            rss[i].push(kib / 1024.0);
            std::thread::sleep(Duration::from_millis(200));
        }
        for i in 0..n {
            ratio[i].push(this[i] / this[0]);
        }
    }
    println!(
        "\nconcurrency  wall s (min/median/max)    files/s (median)  peak RSS MiB (min/median/max)  wall vs concurrency {} (min/median/max)",
        o.concurrency.first().copied().unwrap_or(1)
    );
    for (i, c) in o.concurrency.iter().enumerate() {
        let s = Summary::of(secs[i].clone());
        println!(
            "{c:<12} {:<26} {:<17.1} {:<30} {}",
            s.fmt(2),
            f64::from(o.files) / s.median,
            Summary::of(rss[i].clone()).fmt(1),
            Summary::of(ratio[i].clone()).fmt(3)
        );
    }
    sim_rt.block_on(sim.shutdown());
}
