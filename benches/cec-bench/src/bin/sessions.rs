//! `cargo xtask bench sessions`: many concurrent agent sessions polling a
//! simulator that runs in a child process, so the client's memory is measured
//! alone.
//!
//! Prints: sessions held, client RSS per idle session (RSS after the sign-ins
//! minus RSS before, divided by the sessions), events per second delivered,
//! and p50/p99 latency from the simulator queueing an event to the session's
//! stream yielding it (both processes read the same clock). A benchmark, not
//! a test: it asserts nothing about time.
//!
//! `--push`: the sessions sign in in push mode (`callBackUri` + `serviceToken`):
//! the simulator POSTs each agent's events to one `PushReceiver` of this
//! process, the sessions send the `handshake` heartbeat instead of polling.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cec_bench::{agent_id, bench_agents, bench_sign_in, num_cpus, rss_kib};
use futures_util::StreamExt;

struct Opts {
    sessions: usize,
    rate: u64,
    seconds: u64,
    pause_ms: u64,
    sim: bool,
    http2: bool,
    push: bool,
}

fn opts() -> Opts {
    let mut o =
        Opts { sessions: 10_000, rate: 1_000, seconds: 10, pause_ms: 200, sim: false, http2: false, push: false };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), v) {
            ("--sessions", Some(v)) => o.sessions = v as usize,
            ("--rate", Some(v)) => o.rate = v,
            ("--seconds", Some(v)) => o.seconds = v,
            ("--pause-ms", Some(v)) => o.pause_ms = v,
            ("--sim", _) => {
                o.sim = true;
                i += 1;
                continue;
            }
            ("--http2", _) => {
                o.http2 = true;
                i += 1;
                continue;
            }
            ("--push", _) => {
                o.push = true;
                i += 1;
                continue;
            }
            (other, _) => {
                eprintln!(
                    "usage: sessions [--sessions N] [--rate EVENTS_PER_S] [--seconds S] [--pause-ms MS] [--http2] [--push]   (got {other})"
                );
                std::process::exit(2);
            }
        }
        i += 2;
    }
    o
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// The simulator side: N agents; on `GO <rate> <seconds>` from stdin, emits
/// events carrying their queueing time to random signed-in agents.
async fn run_sim(o: Opts) {
    let agents = bench_agents(o.sessions);
    let scenario = cec_sim::Scenario { agents, ..Default::default() };
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await.unwrap();
    println!("READY {}", sim.addr().port());
    std::io::stdout().flush().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = rx.recv().await {
        let mut parts = line.split_whitespace();
        if parts.next() != Some("GO") {
            break;
        }
        let rate: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(1000);
        let seconds: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(10);
        let total = rate * seconds;
        let start = Instant::now();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for n in 0..total {
            let due = start + Duration::from_secs_f64(n as f64 / rate as f64);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                tokio::time::sleep(wait).await;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let agent = agent_id((x % o.sessions as u64) as usize);
            let _ = sim.emit_event(&agent, "Bench_Tick", serde_json::json!({ "sentUs": now_us() }));
        }
        println!("DONE {total}");
        std::io::stdout().flush().unwrap();
    }
}

async fn run_client(o: Opts) {
    let exe = std::env::current_exe().unwrap();
    let mut child = std::process::Command::new(exe)
        .args(["--sim", "--sessions", &o.sessions.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child_in = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next().unwrap().unwrap();
    let port: u16 = ready.trim_start_matches("READY ").parse().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");

    let mut config = cec_core::Config::builder(&endpoint);
    if o.http2 {
        // One connection, every long poll a stream of it (h2c, prior knowledge).
        let http = cec_bench::bare_http().http2_prior_knowledge().build().unwrap();
        config = config.http_client(http);
    }
    let config = config.build().unwrap();
    let base = cec_gateway::Client::new(config).unwrap();
    // Push mode: one receiver for every session (the simulator POSTs to it).
    let receiver = if o.push {
        Some(cec_gateway::PushReceiver::start("127.0.0.1:0".parse().unwrap()).await.unwrap())
    } else {
        None
    };
    let push = receiver.as_ref().map(|r| (r.inbox().clone(), r.url()));
    let sign_in = move |c: cec_gateway::Client, i: usize| {
        let push = push.clone();
        async move {
            match push {
                None => bench_sign_in(&c, i, o.pause_ms).await,
                Some((inbox, url)) => {
                    let mut s = cec_gateway::SignIn::new(agent_id(i), "bench-pass", format!("7{i:05}"));
                    s.skills = cec_gateway::Skills::Skip;
                    s = s.push(&inbox, url, format!("benchtoken{i}"));
                    cec_gateway::AgentSession::sign_in(c, s).await
                }
            }
        }
    };
    // Warm the runtime, the pool and the allocator with one session before measuring.
    let warm = sign_in(base.for_agent(), 0).await.unwrap();
    warm.sign_out().await.unwrap();
    drop(warm);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss_kib();

    let t = Instant::now();
    let sessions: Vec<cec_gateway::AgentSession> = futures_util::stream::iter(0..o.sessions)
        .map(|i| {
            let c = base.for_agent();
            let sign_in = sign_in.clone();
            async move { sign_in(c, i).await.unwrap() }
        })
        .buffer_unordered(200)
        .collect()
        .await;
    let signin_s = t.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = rss_kib();
    let per_session = (rss_idle.saturating_sub(rss_before)) as f64 * 1024.0 / sessions.len() as f64;

    // Consume every stream; record latency of the benchmark's events.
    let delivered = Arc::new(AtomicU64::new(0));
    let latencies = Arc::new(std::sync::Mutex::new(Vec::<u64>::with_capacity((o.rate * o.seconds) as usize)));
    for s in &sessions {
        let mut ev = Box::pin(s.events().unwrap());
        let delivered = delivered.clone();
        let latencies = latencies.clone();
        tokio::spawn(async move {
            while let Some(Ok(item)) = ev.next().await {
                let Some(e) = item.event() else { continue };
                if e.event_type() == "Bench_Tick"
                    && let Some(sent) = e.content().get("sentUs").and_then(|v| v.as_u64())
                {
                    let lat = now_us().saturating_sub(sent);
                    delivered.fetch_add(1, Ordering::Relaxed);
                    if let Ok(mut l) = latencies.lock() {
                        l.push(lat);
                    }
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    writeln!(child_in, "GO {} {}", o.rate, o.seconds).unwrap();
    child_in.flush().unwrap();
    let t = Instant::now();
    let _done = lines.next();
    let emit_s = t.elapsed().as_secs_f64();
    // Let the last events arrive (at most one poll pause plus a poll).
    tokio::time::sleep(Duration::from_millis(o.pause_ms + 1000)).await;
    let got = delivered.load(Ordering::Relaxed);
    let mut l = latencies.lock().unwrap().clone();
    l.sort_unstable();
    let pct = |p: f64| l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1))).copied().unwrap_or(0);
    let still = sessions.iter().filter(|s| s.view().signed_in()).count();

    let proto = if o.http2 { "HTTP/2 (h2c), one connection" } else { "HTTP/1.1, a connection per long poll" };
    if o.push {
        println!(
            "sessions bench ({} cores, push mode: events POSTed to one receiver, handshake heartbeat; {}; simulator in a child process)",
            num_cpus(),
            if o.http2 { "calls over HTTP/2 (h2c)" } else { "calls over HTTP/1.1" }
        );
    } else {
        println!(
            "sessions bench ({} cores, {proto}, poll pause {} ms, simulator in a child process)",
            num_cpus(),
            o.pause_ms
        );
    }
    println!("  sessions signed in        {} of {} in {signin_s:.1} s", sessions.len(), o.sessions);
    println!("  sessions held at the end  {still}");
    println!(
        "  client RSS                {} KiB before, {} KiB with the sessions idle: {:.1} KiB per session (target <= 12)",
        rss_before,
        rss_idle,
        per_session / 1024.0
    );
    println!(
        "  events delivered          {got} of {} emitted at {} /s over {emit_s:.1} s: {:.0} events/s",
        o.rate * o.seconds,
        o.rate,
        got as f64 / emit_s
    );
    println!(
        "  latency emit -> stream    p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 <= 50)",
        pct(0.50) as f64 / 1000.0,
        pct(0.99) as f64 / 1000.0,
        l.last().copied().unwrap_or(0) as f64 / 1000.0
    );
    let in_pause = l.iter().filter(|&&x| x > 50_000).count();
    if o.push {
        println!("  events slower than 50 ms  {in_pause} ({:.2} %)", in_pause as f64 * 100.0 / l.len().max(1) as f64);
    } else {
        println!(
            "  events slower than 50 ms  {in_pause} ({:.2} %): an event that arrives during the {} ms pause after the previous answer waits for it",
            in_pause as f64 * 100.0 / l.len().max(1) as f64,
            o.pause_ms
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    std::process::exit(0);
}

fn main() {
    let o = opts();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    if o.sim { rt.block_on(run_sim(o)) } else { rt.block_on(run_client(o)) }
}
