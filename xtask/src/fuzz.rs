//! `cargo xtask fuzz-smoke [--seconds N] [--only a,b] [--dev]`: builds the fuzz targets of
//! `fuzz/` with cargo-fuzz on the stable toolchain (`RUSTC_BOOTSTRAP=1`, no
//! sanitizer: `-s none`) and runs each for N seconds (default 30) from a corpus
//! seeded with the spec's documented answers, the scenario files and a few
//! hand-made inputs (`--dev`: unoptimised build, what CI uses). A crash fails the task and names the input libFuzzer saved
//! under `fuzz/artifacts/<target>/`; such an input becomes a regression test in
//! the normal suite of the crate it crashed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::spec;

/// Every target of `fuzz/Cargo.toml`, in the order they run.
pub const TARGETS: [&str; 14] = [
    "responses_gateway",
    "responses_apifabric",
    "responses_oiap",
    "responses_isales",
    "responses_cms",
    "responses_fs",
    "responses_messaging",
    "agent_events",
    "cdr_csv",
    "c2_sign_verify",
    "set_guid",
    "config_profile",
    "scenario",
    "push_receivers",
];

/// One target's run.
struct Outcome {
    target: &'static str,
    runs: u64,
    cov: u64,
    corpus: u64,
    seconds: f64,
    crashed: Option<String>,
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut seconds: u64 = 30;
    let mut only: Option<Vec<String>> = None;
    let mut dev = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it.next().and_then(|v| v.parse().ok()).ok_or("--seconds takes a whole number")?;
            }
            "--dev" => dev = true,
            "--only" => {
                only = Some(it.next().ok_or("--only takes target names")?.split(',').map(str::to_owned).collect())
            }
            other => return Err(format!("unknown argument `{other}` (--seconds N, --only a,b, --dev)")),
        }
    }
    let installed = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
    if !installed {
        return Err("cargo-fuzz is not installed (`cargo install cargo-fuzz --locked`; .ci/run does it)".into());
    }
    let targets: Vec<&'static str> =
        TARGETS.iter().copied().filter(|t| only.as_ref().is_none_or(|o| o.iter().any(|x| x == t))).collect();
    let started = Instant::now();
    seed(root)?;
    // `--dev`: the unoptimised profile (with the coverage instrumentation); builds in a
    // fraction of the release build's time (the generated NE crates are large), runs slower.
    let profile: &[&str] = if dev { &["--dev"] } else { &[] };
    let status = fuzz_cmd(root)
        .args(["build", "-s", "none"])
        .args(profile)
        .status()
        .map_err(|e| format!("cargo fuzz build: {e}"))?;
    if !status.success() {
        return Err("cargo fuzz build failed".into());
    }
    let built = started.elapsed();
    let mut outcomes = Vec::new();
    for t in targets {
        let corpus = root.join("fuzz/corpus").join(t);
        std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
        let artifacts = root.join("fuzz/artifacts").join(t);
        std::fs::create_dir_all(&artifacts).map_err(|e| e.to_string())?;
        let t0 = Instant::now();
        let out = fuzz_cmd(root)
            .args(["run", "-s", "none"])
            .args(profile)
            .arg(t)
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .args(["-rss_limit_mb=2048", "-timeout=10", "-print_final_stats=1"])
            .output()
            .map_err(|e| format!("cargo fuzz run {t}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        let stat = |name: &str| -> u64 {
            log.lines()
                .filter_map(|l| l.strip_prefix(&format!("stat::{name}:")))
                .filter_map(|v| v.trim().parse().ok())
                .next_back()
                .unwrap_or(0)
        };
        let last_cov = log
            .lines()
            .rev()
            .find_map(|l| l.split("cov: ").nth(1).and_then(|r| r.split_whitespace().next()?.parse().ok()))
            .unwrap_or(0);
        let corpus_n = std::fs::read_dir(&corpus).map(|d| d.count() as u64).unwrap_or(0);
        let crashed = (!out.status.success()).then(|| {
            let saved = log
                .lines()
                .find(|l| l.contains("Test unit written to"))
                .map(|l| l.trim().to_owned())
                .unwrap_or_else(|| "no input saved".into());
            let why = log
                .lines()
                .find(|l| l.contains("panicked at") || l.contains("ERROR: libFuzzer") || l.contains("==ERROR"))
                .unwrap_or("")
                .trim()
                .to_owned();
            format!("{why} — {saved}")
        });
        if crashed.is_some() {
            eprintln!("{log}");
        }
        let o = Outcome {
            target: t,
            runs: stat("number_of_executed_units"),
            cov: last_cov,
            corpus: corpus_n,
            seconds: t0.elapsed().as_secs_f64(),
            crashed,
        };
        println!(
            "fuzz {:<20} {:>9} runs {:>6.0}/s  cov {:>5}  corpus {:>5}  {}",
            o.target,
            o.runs,
            o.runs as f64 / o.seconds.max(0.001),
            o.cov,
            o.corpus,
            if o.crashed.is_some() { "CRASH" } else { "ok" }
        );
        outcomes.push(o);
    }
    println!(
        "\n| target | seconds | runs | runs/s | coverage (edges) | corpus | result |\n|---|---:|---:|---:|---:|---:|---|"
    );
    for o in &outcomes {
        println!(
            "| {} | {:.0} | {} | {:.0} | {} | {} | {} |",
            o.target,
            o.seconds,
            o.runs,
            o.runs as f64 / o.seconds.max(0.001),
            o.cov,
            o.corpus,
            o.crashed.as_deref().unwrap_or("no crash")
        );
    }
    println!("\nfuzz-smoke: build {:.0?}, total {:.0?}", built, started.elapsed());
    let crashed: Vec<String> =
        outcomes.iter().filter_map(|o| o.crashed.as_ref().map(|c| format!("{}: {c}", o.target))).collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!("{} target(s) crashed:\n{}", crashed.len(), crashed.join("\n")))
    }
}

/// `cargo fuzz` on the stable toolchain: `RUSTC_BOOTSTRAP=1` lets it pass the
/// nightly-only `-Z` flags of its coverage instrumentation to stable rustc.
fn fuzz_cmd(root: &Path) -> Command {
    let mut c = Command::new("cargo");
    c.arg("fuzz").current_dir(root).env("RUSTC_BOOTSTRAP", "1");
    c
}

/// Seeds every target's corpus (kept between runs; `fuzz/corpus` is not committed):
/// the documented answer samples of each interface, the agent-event poll sample,
/// the scenario files, and small hand-made inputs for the rest.
fn seed(root: &Path) -> Result<(), String> {
    let specs = spec::load_all(root)?;
    let write = |target: &str, name: &str, bytes: &[u8]| -> Result<(), String> {
        let dir = root.join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(format!("seed-{name}")), bytes).map_err(|e| e.to_string())
    };
    for s in &specs {
        let target = format!("responses_{}", crate::gen_tables::cli_ne(s));
        for (n, i) in s.interfaces.iter().enumerate() {
            for (k, sample) in i.samples.iter().filter(|x| x.kind == "response").enumerate() {
                // [interface hi, lo, status 200 without headers, no header bits] + body
                let mut bytes = vec![(n >> 8) as u8, (n & 0xff) as u8, 0, 0];
                bytes.extend_from_slice(sample.body.to_string().as_bytes());
                write(&target, &format!("{n}-{k}"), &bytes)?;
                if i.id == "agentevent.poll" {
                    write("agent_events", &format!("{k}"), &bytes)?;
                }
                write("push_receivers", &format!("{target}-{n}-{k}"), &bytes)?;
            }
        }
    }
    write(
        "push_receivers",
        "push",
        br#"\0\0\0\0{"workNo":"1001","eventList":[{"eventType":"AgentEvent_Ringing","content":{"callid":"1-2"}}]}"#,
    )?;
    for entry in std::fs::read_dir(root.join("scenarios")).map_err(|e| e.to_string())? {
        let p = entry.map_err(|e| e.to_string())?.path();
        if p.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read(&p).map_err(|e| e.to_string())?;
            let name = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            write("scenario", &name, &text)?;
        }
    }
    let profile = "[profiles.default.cms]\nendpoint = \"https://cms.example.com:28443\"\nak = \"ak\"\nsk = \"sk\"\nvdn = 1\nc2_dialect = \"millis/content-length;content-type;host\"\n[profiles.default.gateway]\nendpoint = \"https://gw.example.com:8043\"\nguid = \"g\"\n\0sk2\x001\0seconds/host\0true";
    write("config_profile", "default", profile.as_bytes())?;
    write("set_guid", "jsessionid", b"\0\0\x80\x18JSESSIONID=279fe21d.AgentGateway0; Path=/\nSID=1; Max-Age=0\n{\"retcode\":\"0\",\"result\":{\"guid\":\"g2\"}}")?;
    write("c2_sign_verify", "ping", b"\x01/rest/cmsapp/v1/ping\nb=2&a=1\n{\"say\": \"Hello world!\"}")?;
    write(
        "c2_sign_verify",
        "auth",
        b"\x00auth-v2/fuzz-ak/2026-01-15T08:30:00.123Z/content-length;content-type;host/7873de9b4ed3cd4cbff840c7a4c21ae6548644eda6b2cec5dc6849163e83b63e",
    )?;
    let row = |n: usize| (0..n).map(|c| format!("v{c}")).collect::<Vec<_>>().join(",");
    for (kind, cols) in [(0u8, 21), (1, 18), (2, 10), (3, 8)] {
        let mut bytes = vec![kind];
        bytes.extend_from_slice(format!("{}\n{}\n", row(cols), row(cols)).as_bytes());
        write("cdr_csv", &format!("{kind}"), &bytes)?;
    }
    Ok(())
}
