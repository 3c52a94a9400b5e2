//! `cargo xtask bench overhead`: the SDK's request overhead against its floor.
//!
//! A loopback HTTP/1.1 server (its own thread, one current-thread runtime)
//! answers every request with the same ~4 KB CC-CMS-shaped JSON. In one run,
//! on one client runtime (current-thread, the main thread), it measures:
//!
//! - `sdk`: `cec_cms::Client::agent_agentstatusinfobyagentids().send()`, C2-signed;
//! - `bare`: a bare `reqwest` POST of the same body bytes, answer read as bytes;
//! - `bare+plain`: the same, then `serde_json::from_slice` into a plain-derive
//!   struct of the answer's shape (the floor the SDK is held to);
//! - `bare+gen`: the same, into the generated response type;
//!
//! at 1, 16 and 256 concurrent callers, for several rounds (the modes take
//! turns inside each round), and prints median and p99 latency, throughput
//! and the SDK's ratios to `bare+plain` (min/median/max over the rounds).
//! Then it times the decoding alone: the generated type and the SDK's decode
//! path against the plain-derive struct. A benchmark: it asserts nothing.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cec_bench::{Summary, agent_status_answer};
use cec_cms::generated::{AGENT_AGENTSTATUSINFOBYAGENTIDS, AgentAgentstatusinfobyagentidsResponse};
use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The answer's shape with plain serde derives: no lenient decoders.
#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainAnswer {
    result: Option<String>,
    #[serde(rename = "resultCode")]
    result_code: Option<String>,
    #[serde(rename = "resultDatas")]
    result_datas: Option<Vec<PlainAgent>>,
    #[serde(rename = "resultDesc")]
    result_desc: Option<Vec<PlainAgent>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainAgent {
    agent_id: Option<i64>,
    location_id: Option<i64>,
    current_state_reason: Option<i64>,
    prev_state: Option<i64>,
    prev_state_time: Option<i64>,
    current_state: Option<i64>,
    current_state_time: Option<i64>,
    logon_time: Option<i64>,
    agent_release: Option<i64>,
    current_private_call_num: Option<i64>,
}

struct Opts {
    rounds: usize,
    requests: usize,
    callers: Vec<usize>,
}

fn opts() -> Opts {
    let mut o = Opts { rounds: 5, requests: 2000, callers: vec![1, 16, 256] };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--rounds" => o.rounds = v.parse().unwrap_or(o.rounds),
            "--requests" => o.requests = v.parse().unwrap_or(o.requests),
            "--callers" => o.callers = v.split(',').filter_map(|c| c.parse().ok()).collect(),
            other => {
                eprintln!("usage: overhead [--rounds N] [--requests PER_RUN] [--callers 1,16,256]   (got {other})");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    o
}

/// A minimal keep-alive HTTP/1.1 server: reads a request (headers and a
/// `Content-Length` body) and writes the same answer, forever.
async fn serve(listener: tokio::net::TcpListener, answer: Arc<Vec<u8>>) {
    loop {
        let Ok((mut sock, _)) = listener.accept().await else { continue };
        sock.set_nodelay(true).ok();
        let answer = answer.clone();
        tokio::spawn(async move {
            let mut buf = Vec::with_capacity(8192);
            let mut chunk = [0u8; 8192];
            loop {
                // Headers.
                let head_end = loop {
                    if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break p + 4;
                    }
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while buf.len() < head_end + len {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                buf.drain(..head_end + len);
                if sock.write_all(&answer).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn start_server(body: &[u8]) -> u16 {
    let mut answer = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json;charset=UTF-8\r\ncontent-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    let answer = Arc::new(answer);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            serve(listener, answer).await;
        });
    });
    rx.recv().unwrap()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Sdk,
    Bare,
    BarePlain,
    BareGen,
}

impl Mode {
    const ALL: [Mode; 4] = [Mode::Sdk, Mode::Bare, Mode::BarePlain, Mode::BareGen];
    fn name(self) -> &'static str {
        match self {
            Mode::Sdk => "sdk",
            Mode::Bare => "bare",
            Mode::BarePlain => "bare+plain",
            Mode::BareGen => "bare+gen",
        }
    }
}

struct Ctx {
    sdk: cec_cms::Client,
    bare: reqwest::Client,
    url: String,
    body: bytes::Bytes,
    agent_ids: Vec<i64>,
}

async fn one(ctx: &Ctx, mode: Mode) {
    match mode {
        Mode::Sdk => {
            let r = ctx.sdk.agent_agentstatusinfobyagentids().agent_ids(ctx.agent_ids.clone()).send().await.unwrap();
            black_box(r);
        }
        _ => {
            let resp = ctx
                .bare
                .post(&ctx.url)
                .header(http::header::CONTENT_TYPE, "application/json;charset=UTF-8")
                .body(ctx.body.clone())
                .send()
                .await
                .unwrap();
            let bytes = resp.bytes().await.unwrap();
            match mode {
                Mode::BarePlain => {
                    black_box(serde_json::from_slice::<PlainAnswer>(&bytes).unwrap());
                }
                Mode::BareGen => {
                    black_box(serde_json::from_slice::<AgentAgentstatusinfobyagentidsResponse>(&bytes).unwrap());
                }
                _ => {
                    black_box(bytes);
                }
            }
        }
    }
}

/// One run: `callers` tasks share `requests` calls. Returns (latencies, wall time).
async fn run(ctx: &Arc<Ctx>, mode: Mode, callers: usize, requests: usize) -> (Vec<Duration>, Duration) {
    let left = Arc::new(AtomicUsize::new(requests));
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let ctx = ctx.clone();
            let left = left.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(requests / callers + 1);
                while left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok() {
                    let t = Instant::now();
                    one(&ctx, mode).await;
                    lat.push(t.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(requests);
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    (all, started.elapsed())
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// Median ns per call of `f` over `batches` batches.
fn ns_per_op(batches: usize, iters: u32, mut f: impl FnMut()) -> Summary {
    for _ in 0..iters {
        f();
    }
    let samples = (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / f64::from(iters)
        })
        .collect();
    Summary::of(samples)
}

fn main() {
    let o = opts();
    let answer = agent_status_answer();
    let port = start_server(&answer);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let endpoint = format!("http://127.0.0.1:{port}");
    let agent_ids: Vec<i64> = (0..20).map(|i| 1001 + i).collect();
    let config = cec_core::Config::builder(&endpoint).build().unwrap();
    let signer = cec_auth::AkSkSigner::new("bench-ak", "bench-sk-0123456789").unwrap();
    let sdk = cec_cms::Client::new(config, cec_auth::C2Auth::Signature(signer))
        .unwrap()
        .with_tenant(cec_cms::TenantDefaults::new().cc_id(1).vdn(1));
    // The bytes the SDK sends, sent as they are by the bare client.
    let call = sdk.agent_agentstatusinfobyagentids().agent_ids(agent_ids.clone()).into_call().unwrap();
    let body = bytes::Bytes::from(serde_json::to_vec(&call.body).unwrap());
    let bare = cec_bench::bare_http().pool_idle_timeout(Duration::from_secs(60)).build().unwrap();
    let url = format!("{endpoint}{}", AGENT_AGENTSTATUSINFOBYAGENTIDS.path);
    let ctx = Arc::new(Ctx { sdk, bare, url, body, agent_ids });

    println!(
        "overhead: answer {} bytes, request body {} bytes, {} rounds x {} calls per mode and caller count",
        answer.len(),
        ctx.body.len(),
        o.rounds,
        o.requests
    );
    println!("client: one current-thread runtime; server: its own thread and runtime; loopback HTTP/1.1");
    rt.block_on(async {
        // Warm-up: connections for the largest caller count, allocator, code.
        let warm = o.callers.iter().copied().max().unwrap_or(1);
        for m in Mode::ALL {
            run(&ctx, m, warm, warm * 4).await;
        }
        for &callers in &o.callers {
            // [mode][round] -> (p50 us, p99 us, calls/s)
            let mut res: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); Mode::ALL.len()];
            for round in 0..o.rounds {
                for k in 0..Mode::ALL.len() {
                    // Rotate the order so that no mode always runs first.
                    let mi = (k + round) % Mode::ALL.len();
                    let (mut lat, wall) = run(&ctx, Mode::ALL[mi], callers, o.requests).await;
                    lat.sort();
                    res[mi].push((pct(&lat, 0.5), pct(&lat, 0.99), lat.len() as f64 / wall.as_secs_f64()));
                }
            }
            println!("\n{callers} caller(s):");
            println!(
                "  {:<11} {:>22} {:>22} {:>26}",
                "mode", "p50 us (min/med/max)", "p99 us (min/med/max)", "calls/s (min/med/max)"
            );
            for (mi, m) in Mode::ALL.iter().enumerate() {
                let p50 = Summary::of(res[mi].iter().map(|r| r.0).collect());
                let p99 = Summary::of(res[mi].iter().map(|r| r.1).collect());
                let tput = Summary::of(res[mi].iter().map(|r| r.2).collect());
                println!("  {:<11} {:>22} {:>22} {:>26}", m.name(), p50.fmt(1), p99.fmt(1), tput.fmt(0));
            }
            let floor = Mode::ALL.iter().position(|m| *m == Mode::BarePlain).unwrap_or(2);
            let ratio = |f: fn(&(f64, f64, f64)) -> f64, base: usize| {
                Summary::of(res[0].iter().zip(&res[base]).map(|(s, b)| f(s) / f(b)).collect())
            };
            println!(
                "  sdk / bare+plain: throughput {}  p50 {}  p99 {}   (per round; min/med/max)",
                ratio(|r| r.2, floor).fmt(2),
                ratio(|r| r.0, floor).fmt(2),
                ratio(|r| r.1, floor).fmt(2)
            );
            println!("  sdk / bare:       throughput {}  p50 {}", ratio(|r| r.2, 1).fmt(2), ratio(|r| r.0, 1).fmt(2));
        }
    });

    // Decoding alone, same bytes.
    let b = &answer[..];
    let iters = 2000;
    let batches = 15;
    let plain = ns_per_op(batches, iters, || {
        black_box(serde_json::from_slice::<PlainAnswer>(black_box(b)).unwrap());
    });
    let generated = ns_per_op(batches, iters, || {
        black_box(serde_json::from_slice::<AgentAgentstatusinfobyagentidsResponse>(black_box(b)).unwrap());
    });
    let sdk_path = ns_per_op(batches, iters, || {
        black_box(cec_bench::sdk_decode::<AgentAgentstatusinfobyagentidsResponse>(
            &AGENT_AGENTSTATUSINFOBYAGENTIDS,
            black_box(b),
        ));
    });
    println!("\ndecode only ({} bytes; ns per decode, {batches} batches x {iters}; min/med/max):", b.len());
    println!("  plain-derive struct      {}", plain.fmt(0));
    println!("  generated type           {}   ratio {:.2}", generated.fmt(0), generated.median / plain.median);
    println!("  SDK decode path          {}   ratio {:.2}", sdk_path.fmt(0), sdk_path.median / plain.median);
}
