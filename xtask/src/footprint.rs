//! `cargo xtask bench footprint [--rounds N] [--keep]`: what depending on one NE crate
//! costs at build time, beside the floor of the same stack, side by side in one run.
//!
//! Three throw-away binary crates are generated in a temporary directory, each with a
//! copy of this workspace's `Cargo.lock` (so all resolve the same versions as the
//! SDK does):
//!
//! - `fp-cms` depends only on `cec-cms` (a path dependency on this checkout's
//!   `crates/cec-cms`) and tokio's `rt-multi-thread`/`macros`, and calls
//!   `agent_agentstatusinfobyagentids()` through a C2-signed client;
//! - `fp-cms-agent` is the same program with `default-features = false, features =
//!   ["agent"]`: only the group it calls (cec-cms has one cargo feature per group of
//!   the reference, all on by default);
//! - `fp-floor` is the floor of that stack: bare reqwest + rustls (ring) + tokio +
//!   serde/serde_json with the features the SDK enables, posting JSON and decoding a
//!   plain-derive struct.
//!
//! Each is built with `cargo build --release --offline` (strip on) from an empty
//! target directory under GNU `time -v` (`/usr/bin/time`): wall time, the peak RSS of
//! the largest process of the build (in practice the largest rustc), and the size of
//! the stripped binary. The order of the builds rotates round by round; several rounds
//! give min/median/max. Jobs follow `CARGO_BUILD_JOBS` (unset: cargo's default, one
//! per core). The ratios are each cms binary ÷ floor, of the medians.
//!
//! An xtask (not a cec-bench binary) so it runs without building the SDK first:
//! the SDK's own build is what it measures.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Min, median and max.
struct Summary {
    min: f64,
    median: f64,
    max: f64,
}

impl Summary {
    fn of(mut v: Vec<f64>) -> Summary {
        v.sort_by(f64::total_cmp);
        match (v.first(), v.get(v.len() / 2), v.last()) {
            (Some(a), Some(m), Some(b)) => Summary { min: *a, median: *m, max: *b },
            _ => Summary { min: 0.0, median: 0.0, max: 0.0 },
        }
    }
    fn fmt(&self, d: usize) -> String {
        format!("{:.d$}/{:.d$}/{:.d$}", self.min, self.median, self.max)
    }
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

const FLOOR_TOML: &str = r#"[package]
name = "fp-floor"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
# The SDK's own features of these crates (cec-core's and the workspace's Cargo.toml).
reqwest = { version = "0.13", default-features = false, features = ["rustls-no-provider", "http2", "stream"] }
rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12", "logging"] }
rustls-native-certs = "0.8"
tokio = { version = "1", features = ["rt-multi-thread", "macros", "time", "sync", "fs", "io-util"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[profile.release]
strip = true
"#;

const FLOOR_MAIN: &str = r#"// The decoded fields are printed with Debug only.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    cc_id: i64,
    vdn: i64,
    agent_ids: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgentState {
    agent_id: Option<i64>,
    current_state: Option<i64>,
    current_state_time: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    result_code: Option<String>,
    result_desc: Option<Vec<AgentState>>,
}

#[tokio::main]
async fn main() {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "https://127.0.0.1:1".to_owned());
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
    let Ok(tls) = tls else { return };
    let Ok(client) = reqwest::Client::builder().tls_backend_preconfigured(tls).build() else { return };
    let q = Query { cc_id: 1, vdn: 1, agent_ids: vec![1001] };
    let url = format!("{endpoint}/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids");
    // reqwest's `json` feature is off in the SDK too: the body is serialised by hand.
    let Ok(body) = serde_json::to_vec(&q) else { return };
    match client.post(url).header("content-type", "application/json").body(body).send().await {
        Ok(r) => match r.bytes().await.map(|b| serde_json::from_slice::<Answer>(b.as_ref())) {
            Ok(Ok(a)) => println!("{a:?}"),
            Ok(Err(e)) => println!("{e}"),
            Err(e) => println!("{e}"),
        },
        Err(e) => println!("{e}"),
    }
}
"#;

/// `fp-cms` (cec-cms with its default features) or, with `features`, a binary that
/// turns the defaults off and enables only those (`fp-cms-agent`: the `agent` group).
fn cms_toml(cms: &Path, name: &str, features: Option<&str>) -> String {
    let extra = features.map(|f| format!(", default-features = false, features = [\"{f}\"]")).unwrap_or_default();
    format!(
        r#"[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
cec-cms = {{ path = "{}"{extra} }}
tokio = {{ version = "1", features = ["rt-multi-thread", "macros"] }}

[profile.release]
strip = true
"#,
        cms.display()
    )
}

const CMS_MAIN: &str = r#"#[tokio::main]
async fn main() {
    let endpoint = std::env::args().nth(1).unwrap_or_else(|| "https://127.0.0.1:1".to_owned());
    let Ok(config) = cec_cms::Config::builder(&endpoint).build() else { return };
    let Ok(signer) = cec_cms::AkSkSigner::new("ak", "sk") else { return };
    let Ok(client) = cec_cms::Client::new(config, cec_cms::C2Auth::Signature(signer)) else { return };
    match client.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![1001]).send().await {
        Ok(r) => println!("{:?}", r.result_desc.map(|d| d.len())),
        Err(e) => println!("{e}"),
    }
}
"#;

struct Build {
    wall_s: f64,
    /// User + system CPU time of the build and all its processes: unlike the wall
    /// time, it hardly depends on what else the machine runs.
    cpu_s: f64,
    peak_mib: f64,
    size_mb: f64,
}

/// Writes crate `name` under `dir` with the workspace's lock file.
fn write_crate(dir: &Path, name: &str, toml: &str, main: &str, lock: &Path) -> Result<PathBuf, String> {
    let root = dir.join(name);
    let io = |e: std::io::Error| format!("{}: {e}", root.display());
    std::fs::create_dir_all(root.join("src")).map_err(io)?;
    std::fs::write(root.join("Cargo.toml"), toml).map_err(io)?;
    std::fs::write(root.join("src/main.rs"), main).map_err(io)?;
    std::fs::copy(lock, root.join("Cargo.lock")).map_err(io)?;
    Ok(root)
}

/// Builds `krate` in release from an empty target directory under GNU time.
fn build(krate: &Path, name: &str, round: usize) -> Result<Build, String> {
    let target = krate.join(format!("target-{round}"));
    let _ = std::fs::remove_dir_all(&target);
    let times = krate.join(format!("time-{round}.txt"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    if !Path::new("/usr/bin/time").exists() {
        return Err("GNU time is missing: apt-get install time".to_owned());
    }
    let t = Instant::now();
    let status = Command::new("/usr/bin/time")
        .arg("-v")
        .arg("-o")
        .arg(&times)
        .arg(cargo)
        .args(["build", "--release", "--offline", "--quiet"])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PKG_NAME")
        .env_remove("CARGO_PRIMARY_PACKAGE")
        .env_remove("RUSTC_WRAPPER")
        .status()
        .map_err(|e| format!("/usr/bin/time: {e}"))?;
    let wall_s = t.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("the build of {name} failed (crate kept in {})", krate.display()));
    }
    let report = std::fs::read_to_string(&times).unwrap_or_default();
    let field = |name: &str| -> f64 {
        report.lines().find_map(|l| l.trim().strip_prefix(name)).and_then(|v| v.trim().parse().ok()).unwrap_or(0.0)
    };
    let cpu_s = field("User time (seconds):") + field("System time (seconds):");
    let peak_kib: f64 = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0.0);
    let bin = target.join("release").join(name);
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_dir_all(&target);
    Ok(Build { wall_s, cpu_s, peak_mib: peak_kib / 1024.0, size_mb: size as f64 / 1e6 })
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// `cargo xtask bench footprint [--rounds N] [--keep]`.
pub fn run(ws: &Path, args: &[String]) -> Result<(), String> {
    let mut rounds = 1usize;
    let mut keep = false;
    let mut i = 0;
    while i < args.len() {
        match (args[i].as_str(), args.get(i + 1).and_then(|v| v.parse::<usize>().ok())) {
            ("--rounds", Some(n)) if n > 0 => {
                rounds = n;
                i += 2;
            }
            ("--keep", _) => {
                keep = true;
                i += 1;
            }
            (other, _) => return Err(format!("usage: bench footprint [--rounds N] [--keep]   (got {other})")),
        }
    }
    let ws = ws.canonicalize().map_err(|e| e.to_string())?;
    let lock = ws.join("Cargo.lock");
    let dir = std::env::temp_dir().join(format!("cec-footprint-{}", std::process::id()));
    let floor = write_crate(&dir, "fp-floor", FLOOR_TOML, FLOOR_MAIN, &lock)?;
    let cms_path = ws.join("crates/cec-cms");
    let cms = write_crate(&dir, "fp-cms", &cms_toml(&cms_path, "fp-cms", None), CMS_MAIN, &lock)?;
    let cms_agent =
        write_crate(&dir, "fp-cms-agent", &cms_toml(&cms_path, "fp-cms-agent", Some("agent")), CMS_MAIN, &lock)?;
    let jobs = std::env::var("CARGO_BUILD_JOBS").unwrap_or_else(|_| format!("default ({})", num_cpus()));
    println!(
        "footprint: {rounds} round(s), {} cores, CARGO_BUILD_JOBS {jobs}, load at start {}; crates in {}",
        num_cpus(),
        load(),
        dir.display()
    );
    println!("round  binary          wall s    CPU s   peak rustc MiB   stripped MB   load after");
    let bins: [(&Path, &str); 3] = [(&floor, "fp-floor"), (&cms, "fp-cms"), (&cms_agent, "fp-cms-agent")];
    let mut results: Vec<Vec<Build>> = vec![Vec::new(), Vec::new(), Vec::new()];
    for r in 1..=rounds {
        // The order rotates round by round, so no binary always builds first.
        for k in 0..bins.len() {
            let at = (k + r - 1) % bins.len();
            let (krate, name) = bins[at];
            let b = build(krate, name, r)?;
            println!(
                "{r:>5}  {name:<14} {:>7.1}  {:>7.1}   {:>14.0}   {:>11.2}   {}",
                b.wall_s,
                b.cpu_s,
                b.peak_mib,
                b.size_mb,
                load()
            );
            results[at].push(b);
        }
    }
    let sum = |v: &[Build], g: fn(&Build) -> f64| Summary::of(v.iter().map(g).collect());
    let row = |what: &str, g: fn(&Build) -> f64, d: usize| {
        let s: Vec<Summary> = results.iter().map(|v| sum(v, g)).collect();
        let ratio = |b: &Summary| if s[0].median > 0.0 { b.median / s[0].median } else { 0.0 };
        println!(
            "{what:<22} {:>20} {:>20} {:>20} {:>7.2}× {:>7.2}×",
            s[0].fmt(d),
            s[1].fmt(d),
            s[2].fmt(d),
            ratio(&s[1]),
            ratio(&s[2])
        );
    };
    println!(
        "\n{:<22} {:>20} {:>20} {:>20} {:>8} {:>8}",
        "min/median/max", "fp-floor", "fp-cms", "fp-cms-agent", "cms÷fl", "agent÷fl"
    );
    row("wall time s", |b| b.wall_s, 1);
    row("CPU time s (user+sys)", |b| b.cpu_s, 1);
    row("peak RSS MiB", |b| b.peak_mib, 0);
    row("stripped size MB", |b| b.size_mb, 2);
    println!("targets: time ≤ 1.10×, peak memory ≤ 1.25× the floor's");
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
