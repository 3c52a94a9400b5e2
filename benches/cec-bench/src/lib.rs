//! Shared pieces of the cec-rs benchmarks (`cargo xtask bench <name>`).
//!
//! This crate exists so that heavy baselines (criterion, aws-sigv4 and its
//! smithy dependencies) stay out of the NE crates' dependencies. The
//! benchmarks are the binaries in `src/bin/` and `benches/`.

use std::fmt::Write as _;

/// Min, median and max of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Smallest sample.
    pub min: f64,
    /// Median sample.
    pub median: f64,
    /// Largest sample.
    pub max: f64,
}

impl Summary {
    /// The summary of `samples` (all zero when empty).
    pub fn of(mut samples: Vec<f64>) -> Self {
        if samples.is_empty() {
            return Summary { min: 0.0, median: 0.0, max: 0.0 };
        }
        samples.sort_by(f64::total_cmp);
        Summary { min: samples[0], median: samples[samples.len() / 2], max: samples[samples.len() - 1] }
    }

    /// `min/median/max` with `digits` decimals.
    pub fn fmt(&self, digits: usize) -> String {
        format!("{:.d$}/{:.d$}/{:.d$}", self.min, self.median, self.max, d = digits)
    }
}

/// A CC-CMS `agentstatusinfobyagentids` answer of about 4 KB: the envelope
/// (`result`, `resultCode`) and the per-agent states in `resultDesc` and its
/// legacy copy `resultDatas`, deterministic.
pub fn agent_status_answer() -> Vec<u8> {
    let agent = |i: i64| {
        let mut s = String::new();
        let _ = write!(
            s,
            r#"{{"agentId":{},"locationId":{},"currentStateReason":{},"prevState":{},"prevStateTime":{},"currentState":{},"currentStateTime":{},"logonTime":{},"agentRelease":{},"currentPrivateCallNum":{}}}"#,
            1001 + i,
            i % 3,
            (i * 7) % 11,
            (i * 5) % 10,
            100 + i * 37,
            (i * 3) % 10,
            10 + i * 13,
            1_768_465_800_123 + i * 1000,
            i % 4,
            i % 2
        );
        s
    };
    let list = |n: i64| (0..n).map(agent).collect::<Vec<_>>().join(",");
    format!(r#"{{"result":"0","resultCode":"0100000","resultDesc":[{}],"resultDatas":[{}]}}"#, list(9), list(9))
        .into_bytes()
}

/// The SDK's own decoding of a complete HTTP 200 answer (what `Client::call` runs):
/// envelope and typed result in one pass.
pub fn sdk_decode<T: serde::de::DeserializeOwned>(op: &'static cec_core::OperationMeta, body: &[u8]) -> Option<T> {
    cec_core::envelope::decode_typed(op, http::StatusCode::OK, &http::HeaderMap::new(), body).ok()
}

/// Resident set size of this process in KiB (`VmRSS` of `/proc/self/status`; 0 elsewhere).
/// A bare reqwest client on the same rustls setup as the SDK (ring provider,
/// webpki roots): the floor the benches compare against.
#[allow(clippy::expect_used)]
pub fn bare_http() -> reqwest::ClientBuilder {
    let tls = cec_core::transport::rustls_config(&Default::default(), false).expect("rustls config");
    reqwest::Client::builder().tls_backend_preconfigured(tls)
}

pub fn rss_kib() -> u64 {
    proc_status_kib(std::process::id(), "VmRSS")
}

/// Peak resident set size of this process in KiB (`VmHWM`; 0 elsewhere).
pub fn peak_rss_kib() -> u64 {
    proc_status_kib(std::process::id(), "VmHWM")
}

/// Open file descriptors of this process (entries of `/proc/self/fd`; 0 elsewhere).
pub fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64).unwrap_or(0)
}

/// Cores available to this process.
pub fn num_cpus() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The id of benchmark agent number `i` (100000, 100001, …).
pub fn agent_id(i: usize) -> String {
    (100_000 + i).to_string()
}

/// The simulator agents of the session benchmarks: `n` agents, password `bench-pass`, one skill.
pub fn bench_agents(n: usize) -> Vec<cec_sim::Agent> {
    (0..n)
        .map(|i| cec_sim::Agent {
            id: agent_id(i),
            password: "bench-pass".into(),
            phone: format!("7{i:05}"),
            skills: vec![1],
        })
        .collect()
}

/// Signs benchmark agent `i` in as a session polling with `pause_ms` between answers.
pub async fn bench_sign_in(
    c: &cec_gateway::Client,
    i: usize,
    pause_ms: u64,
) -> Result<cec_gateway::AgentSession, cec_gateway::Error> {
    let mut o = cec_gateway::SignIn::new(agent_id(i), "bench-pass", format!("7{i:05}"));
    o.poll_pause = std::time::Duration::from_millis(pause_ms);
    o.skills = cec_gateway::Skills::Skip;
    cec_gateway::AgentSession::sign_in(c.clone(), o).await
}

/// A global allocator that counts the bytes live on the heap, over the system
/// allocator: with RSS beside it, it tells a leak (live bytes grow) from memory the
/// allocator keeps after it was freed (RSS grows, live bytes do not). The soak
/// installs it (`#[global_allocator]`); the other benchmarks do not.
#[derive(Debug)]
pub struct CountingAlloc;

static LIVE_BYTES: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

// The one unsafe block of the workspace, in a benchmark crate that is not published:
// `GlobalAlloc` is an unsafe trait; every call is forwarded to `System` unchanged.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout, as `System` requires.
        let p = unsafe { std::alloc::System.alloc(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { std::alloc::System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (through this allocator).
        unsafe { std::alloc::System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        let p = unsafe { std::alloc::System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE_BYTES.fetch_add(new_size as i64 - layout.size() as i64, std::sync::atomic::Ordering::Relaxed);
        }
        p
    }
}

/// Bytes live on the heap, when [`CountingAlloc`] is the global allocator (0 otherwise).
pub fn live_heap_bytes() -> i64 {
    LIVE_BYTES.load(std::sync::atomic::Ordering::Relaxed)
}

/// A `/proc/<pid>/status` field in KiB (`VmHWM`, `VmRSS`, …; 0 when unreadable).
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time (user + system) a process has used so far, in seconds, from
/// `/proc/<pid>/stat` (`utime` + `stime`, in clock ticks of 1/100 s, Linux's
/// `USER_HZ`); 0 when unreadable.
pub fn proc_cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0.0 };
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else { return 0.0 };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After ")": state is field 3, utime field 14, stime field 15.
    let tick = |i: usize| f.get(i - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (tick(14) + tick(15)) as f64 / 100.0
}

/// A simulator in a child process: this benchmark binary re-executed with `args`
/// (its `--serve` mode), which prints `READY <port>` and serves until its stdin closes.
#[derive(Debug)]
pub struct SimChild {
    child: std::process::Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl SimChild {
    /// Starts the child and waits for its `READY` line.
    pub fn spawn(args: &[&str]) -> std::io::Result<SimChild> {
        use std::io::BufRead;
        let exe = std::env::current_exe()?;
        let mut child = std::process::Command::new(exe)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let out = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
        let mut line = String::new();
        std::io::BufReader::new(out).read_line(&mut line)?;
        let port = line.trim().strip_prefix("READY ").and_then(|p| p.parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            return Err(std::io::Error::other(format!("simulator child said {line:?}")));
        };
        Ok(SimChild { child, endpoint: format!("http://127.0.0.1:{port}") })
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the child's stdin (it shuts down) and waits for it.
    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The `--serve` side of [`SimChild`]: starts `scenario` on 127.0.0.1, prints
/// `READY <port>`, runs `setup`, and serves until stdin closes.
#[allow(clippy::print_stdout)]
pub async fn serve_sim(scenario: cec_sim::Scenario, setup: impl FnOnce(&cec_sim::Simulator)) {
    use std::io::{Read, Write};
    let sim = match cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await {
        Ok(s) => s,
        Err(e) => {
            println!("FAILED {e}");
            return;
        }
    };
    setup(&sim);
    println!("READY {}", sim.addr().port());
    let _ = std::io::stdout().flush();
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
    sim.shutdown().await;
}
