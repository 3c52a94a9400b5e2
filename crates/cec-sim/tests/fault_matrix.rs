//! The fault matrix (issue 16): every fault the simulator injects × each class of
//! request — an idempotent query (CC-CMS `agentstatusinfobyagentids`, C2-signed),
//! call control (CC-Gateway `voicecall.answer`, GUID) and a download to a file
//! (CC-FS `downloadRecord` through `Client::recording(..).to_file`, C2) — through
//! the SDK clients with retries on (3 attempts, 1 s attempt timeout, 500 ms read
//! idle timeout). Each cell is the outcome: success or the typed error kind,
//! whether the error says the request may have reached the NE, and how many
//! requests the simulator counted on the interface. Besides the table, every
//! cell asserts the rules: call control is sent exactly once whatever the fault;
//! a query is retried within the budget; a download either leaves the complete
//! file under its name or nothing at all.
//!
//! The table is docs/reliability.md's; `CEC_WRITE_DOCS=1 cargo test -p cec-sim
//! --test fault_matrix` rewrites it there after a change of behaviour.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use cec_core::{Config, ErrorKind, RetryPolicy};
use cec_sim::{Fault, Simulator};
use common::{AGENT, WITHIN, c2, cms_states, fast, ready_gateway, recorded_call, start, wait_event};
use futures_util::StreamExt;

/// Attempts per request (the first and two retries).
const MAX_ATTEMPTS: u64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Query,
    CallControl,
    Download,
}

const CLASSES: [Class; 3] = [Class::Query, Class::CallControl, Class::Download];

impl Class {
    fn interface(self) -> &'static str {
        match self {
            Class::Query => "agent.agentstatusinfobyagentids",
            Class::CallControl => "voicecall.answer",
            Class::Download => "ccfs.downloadRecord",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Class::Query => "idempotent query (`agent.agentstatusinfobyagentids`)",
            Class::CallControl => "call control (`voicecall.answer`)",
            Class::Download => "download to a file (`ccfs.downloadRecord`)",
        }
    }
}

/// One row: the fault's name in the table and how it is built for a class.
struct Row {
    name: &'static str,
    fault: fn(Class) -> Fault,
}

const ROWS: &[Row] = &[
    Row { name: "latency 5 s (past the 1 s attempt timeout), once", fault: |_| Fault::latency(Duration::from_secs(5)) },
    Row { name: "connection reset before the answer, once", fault: |_| Fault::reset(0) },
    Row {
        name: "connection reset mid-body (after 10 B; download: 4 KiB), once",
        fault: |c| Fault::reset(if c == Class::Download { 4096 } else { 10 }),
    },
    Row { name: "HTTP 503, once", fault: |_| Fault::http_error(503) },
    Row { name: "HTTP 503, lasting", fault: |_| Fault::http_error(503) },
    Row { name: "HTTP 429 `Retry-After: 1`, once", fault: |_| Fault::throttle(1) },
    Row {
        name: "truncated body (20 B; download: 1000 B of the announced length), once",
        fault: |c| Fault::truncate(if c == Class::Download { 1000 } else { 20 }),
    },
    Row { name: "malformed JSON (200, body cut in half), once", fault: |_| Fault::malformed_json() },
    Row { name: "slow body (1 B/s), once", fault: |_| Fault::slow_body(1) },
    Row { name: "expired credential (C2: 401; GUID: `100-006`), once", fault: |_| Fault::expired_credential() },
    Row { name: "HTTP 401, once", fault: |_| Fault::http_error(401) },
];

/// The expected cells, row by row, in the order of [`CLASSES`].
const EXPECTED: [[&str; 3]; 11] = [
    ["ok · 2 requests", "Timeout, may have been sent · 1 request", "ok, file complete · 2 requests"],
    ["ok · 2 requests", "Transport, may have been sent · 1 request", "ok, file complete · 2 requests"],
    ["ok · 2 requests", "Transport, may have been sent · 1 request", "ok, file complete (resumed ×1) · 2 requests"],
    ["ok · 2 requests", "Http 503 · 1 request", "ok, file complete · 2 requests"],
    ["Http 503 · 3 requests", "Http 503 · 1 request", "Http 503, no file · 3 requests"],
    ["ok · 2 requests", "Http 429 · 1 request", "ok, file complete · 2 requests"],
    ["ok · 2 requests", "Transport, may have been sent · 1 request", "ok, file complete (resumed ×1) · 2 requests"],
    ["Decode 200 · 1 request", "Decode 200 · 1 request", "Decode 200, no file · 1 request"],
    ["ok · 2 requests", "Timeout, may have been sent · 1 request", "ok, file complete · 2 requests"],
    ["Auth 401 · 1 request", "Auth 100-006 · 1 request", "Auth 401, no file · 1 request"],
    ["Auth 401 · 1 request", "Auth 401 · 1 request", "Auth 401, no file · 1 request"],
];

fn retrying(sim: &Simulator) -> Config {
    let retry = RetryPolicy::disabled()
        .with_max_attempts(MAX_ATTEMPTS as u32)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
        .with_budget(500);
    Config::builder(&sim.endpoint())
        .attempt_timeout(Duration::from_secs(1))
        .read_idle_timeout(Duration::from_millis(500))
        .retry(retry)
        .build()
        .unwrap()
}

/// How an error is shown in a cell: its kind, the status or NE code, whether it may have been sent.
fn describe(e: &cec_core::Error) -> String {
    let mut s = format!("{:?}", e.kind());
    if let Some(code) = e.code() {
        s.push_str(&format!(" {code}"));
    } else if let Some(status) = e.status() {
        s.push_str(&format!(" {status}"));
    }
    if e.may_have_been_sent() && matches!(e.kind(), ErrorKind::Transport | ErrorKind::Timeout) {
        s.push_str(", may have been sent");
    }
    s
}

fn requests(n: u64) -> String {
    format!("{n} request{}", if n == 1 { "" } else { "s" })
}

/// A directory of its own for one download.
fn scratch(row: usize) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cec-fault-matrix-{}-{row}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs one cell on a simulator of its own; returns its text.
async fn cell(row: usize, class: Class) -> String {
    let sim = start(fast()).await;
    let fault = (ROWS[row].fault)(class).on(class.interface());
    let fault = if ROWS[row].name.ends_with("once") { fault.times(1) } else { fault };
    let iface = class.interface();
    match class {
        Class::Query => {
            let cms = cec_cms::Client::new(retrying(&sim), c2(&sim)).unwrap();
            sim.add_fault(fault).unwrap();
            let r = cms_states(&cms, &sim).await;
            let n = sim.requests_to(iface);
            assert!(n <= MAX_ATTEMPTS, "a query is retried within the budget: {n}");
            match r {
                Ok(states) => {
                    assert_eq!(states, 2, "the answer is the NE's");
                    format!("ok · {}", requests(n))
                }
                Err(e) => format!("{} · {}", describe(&e), requests(n)),
            }
        }
        Class::CallControl => {
            let gw = ready_gateway(&sim, retrying(&sim)).await;
            sim.inject_call(AGENT, "13800000001").unwrap();
            wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
            sim.add_fault(fault).unwrap();
            let r = gw.voicecall_answer().agentid(AGENT).send().await;
            let n = sim.requests_to(iface);
            assert_eq!(n, 1, "call control is sent exactly once, whatever the fault");
            match r {
                Ok(_) => format!("ok · {}", requests(n)),
                Err(e) => format!("{} · {}", describe(&e), requests(n)),
            }
        }
        Class::Download => {
            let call_id = recorded_call(&sim).await;
            let fs = cec_fs::Client::new(retrying(&sim), c2(&sim)).unwrap();
            let whole = fs.recording(&call_id).bytes(1 << 24).await.unwrap();
            let before = sim.requests_to(iface);
            let dir = scratch(row);
            let path = dir.join("call.wav");
            sim.add_fault(fault).unwrap();
            let r = fs.recording(&call_id).to_file(&path).await;
            let n = sim.requests_to(iface) - before;
            assert!(n <= MAX_ATTEMPTS, "a download is retried within the budget: {n}");
            let left: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            let text = match r {
                Ok(done) => {
                    assert_eq!(std::fs::read(&path).unwrap(), whole, "the file is the recording, whole");
                    assert_eq!(done.bytes, whole.len() as u64);
                    assert_eq!(left, ["call.wav"], "nothing but the file is left");
                    let how = match (done.resumed, done.restarted) {
                        (0, 0) => String::new(),
                        (r, 0) => format!(" (resumed ×{r})"),
                        (0, r) => format!(" (restarted ×{r})"),
                        (a, b) => format!(" (resumed ×{a}, restarted ×{b})"),
                    };
                    format!("ok, file complete{how} · {}", requests(n))
                }
                Err(e) => {
                    assert!(!path.exists(), "a failed download leaves nothing under the file's name");
                    assert!(left.is_empty(), "nor a temporary file: {left:?}");
                    format!("{}, no file · {}", describe(&e), requests(n))
                }
            };
            let _ = std::fs::remove_dir_all(&dir);
            text
        }
    }
}

fn table(cells: &[[String; 3]]) -> String {
    let mut s = String::from("| fault |");
    for c in CLASSES {
        s.push_str(&format!(" {} |", c.title()));
    }
    s.push_str("\n|---|---|---|---|\n");
    for (row, cells) in ROWS.iter().zip(cells) {
        s.push_str(&format!("| {} | {} | {} | {} |\n", row.name, cells[0], cells[1], cells[2]));
    }
    s
}

const BEGIN: &str = "<!-- fault-matrix: generated by crates/cec-sim/tests/fault_matrix.rs -->\n";
const END: &str = "<!-- /fault-matrix -->";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_on_every_request_class() {
    let jobs: Vec<(usize, Class)> = (0..ROWS.len()).flat_map(|r| CLASSES.map(|c| (r, c))).collect();
    // A few cells at a time: each has its own simulator; the slow ones wait on timeouts.
    let done: Vec<((usize, Class), String)> = futures_util::stream::iter(jobs)
        .map(|(r, c)| async move { ((r, c), cell(r, c).await) })
        .buffer_unordered(6)
        .collect()
        .await;
    let mut cells: Vec<[String; 3]> = vec![Default::default(); ROWS.len()];
    for ((r, c), text) in done {
        cells[r][CLASSES.iter().position(|x| *x == c).unwrap()] = text;
    }
    let got = table(&cells);
    let want = table(&EXPECTED.map(|r| r.map(str::to_owned)));
    assert_eq!(got, want, "the SDK's behaviour under a fault changed:\n{got}");

    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reliability.md");
    let text = std::fs::read_to_string(&doc).unwrap();
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/reliability.md has no fault-matrix markers");
    };
    let current = &text[b + BEGIN.len()..e];
    if current != got {
        if std::env::var_os("CEC_WRITE_DOCS").is_some() {
            std::fs::write(&doc, format!("{}{BEGIN}{got}{}", &text[..b], &text[e..])).unwrap();
        } else {
            panic!("docs/reliability.md's fault matrix is stale: run with CEC_WRITE_DOCS=1\n{got}");
        }
    }
}
