//! `cargo xtask bench cms [--rounds N] [--snapshots N] [--skills 50]`: snapshots/s of
//! `cec_cms::Client::queue_status` for 50 skill queues against the simulator, beside
//! its floor in the same run.
//!
//! The simulator runs in a child process (this binary re-executed with `--serve`):
//! a scenario with 50 voice skill queues, 100 agents with two skills each, three
//! calls waiting in every queue. This process (a current-thread runtime) takes
//! snapshots one after another, as a wallboard does:
//!
//! - `sdk`: `queue_status(&skills)`: one C2-signed `skill.rindex` with the 12
//!   real-time indicators, decoded into typed `QueueStatus` rows;
//! - `bare`: the same request body by `serde_json` from a plain struct, the C2
//!   signature (`cec_core::sign::authorization`), a bare `reqwest` POST, the answer
//!   into plain-derive structs and then into a plain row of 12 numbers per skill.
//!
//! The modes take turns inside each round; it prints snapshots/s (min/median/max over
//! the rounds), the SDK's ratio to `bare`, and each process's CPU time over the wall
//! time. A benchmark: it asserts nothing.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::field_reassign_with_default
)]

use std::time::Instant;

use cec_bench::{SimChild, Summary, proc_cpu_secs, serve_sim};
use cec_cms::generated::SkillRealtimeIndicator;
use serde::{Deserialize, Serialize};
use serde_json::Value;

struct Opts {
    rounds: usize,
    snapshots: usize,
    skills: u32,
    serve: bool,
}

fn opts() -> Opts {
    let mut o = Opts { rounds: 5, snapshots: 500, skills: 50, serve: false };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let mut step = 2;
        match args[i].as_str() {
            "--rounds" => o.rounds = v.parse().unwrap_or(o.rounds),
            "--snapshots" => o.snapshots = v.parse().unwrap_or(o.snapshots),
            "--skills" => o.skills = v.parse().unwrap_or(o.skills),
            "--serve" => (o.serve, step) = (true, 1),
            other => {
                eprintln!("usage: cms [--rounds N] [--snapshots PER_ROUND] [--skills 50]   (got {other})");
                std::process::exit(2);
            }
        }
        i += step;
    }
    o
}

fn scenario(skills: u32) -> cec_sim::Scenario {
    let mut sc = cec_sim::Scenario::default();
    sc.queues = (1..=skills).map(|id| cec_sim::SkillQueue { id, name: format!("Queue {id}"), media_type: 5 }).collect();
    sc.agents = (0..2 * skills)
        .map(|i| cec_sim::Agent {
            id: (2000 + i).to_string(),
            password: "bench-pass".into(),
            phone: format!("7{i:05}"),
            skills: vec![i % skills + 1, (i + 1) % skills + 1],
        })
        .collect();
    sc.dialer.interval_ms = 0;
    sc
}

fn main() {
    let o = opts();
    if o.serve {
        let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        let skills = o.skills;
        rt.block_on(serve_sim(scenario(skills), move |sim| {
            for q in 1..=skills {
                for c in 0..3 {
                    sim.inject_queue_call(q, &format!("1380{q:04}{c:03}")).unwrap();
                }
            }
        }));
        return;
    }
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run(o));
}

async fn run(o: Opts) {
    let sim = SimChild::spawn(&["--serve", "--skills", &o.skills.to_string()]).expect("simulator child");
    let sc = cec_sim::Scenario::default();
    let skills: Vec<i64> = (1..=i64::from(o.skills)).collect();
    let sdk = cec_cms::Client::new(
        cec_cms::Config::builder(&sim.endpoint).build().unwrap(),
        cec_cms::C2Auth::Signature(cec_cms::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap()),
    )
    .unwrap()
    .with_tenant(cec_cms::TenantDefaults::new().cc_id(sc.cc_id).vdn(sc.vdn));
    let bare = Bare::new(&sim.endpoint, &sc, &skills);

    // Both sides must see the same thing: three waiting calls per queue.
    let s = sdk.queue_status(&skills).await.unwrap();
    let b = bare.snapshot().await;
    assert_eq!(s.len(), skills.len());
    assert_eq!(b.len(), skills.len());
    assert!(s.iter().all(|q| q.waiting == 3) && b.iter().all(|q| q.waiting == 3), "{s:?}");

    println!(
        "queue_status of {} skills against cec-sim (child process), {} snapshots per mode and round, {} rounds, one at a time, {} cores",
        o.skills,
        o.snapshots,
        o.rounds,
        cec_bench::num_cpus()
    );
    let (mut sdk_rate, mut bare_rate, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let (mut sdk_cpu, mut bare_cpu, mut sdk_sim, mut bare_sim) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let me = std::process::id();
    for r in 0..o.rounds {
        let mut round = [0.0f64; 2];
        for k in 0..2 {
            // Take turns: the first mode alternates between rounds.
            let mode = (k + r) % 2;
            let (c0, s0, t) = (proc_cpu_secs(me), proc_cpu_secs(sim.pid()), Instant::now());
            for _ in 0..o.snapshots {
                if mode == 0 {
                    std::hint::black_box(sdk.queue_status(&skills).await.unwrap());
                } else {
                    std::hint::black_box(bare.snapshot().await);
                }
            }
            let wall = t.elapsed().as_secs_f64();
            let (own, simc) = (proc_cpu_secs(me) - c0, proc_cpu_secs(sim.pid()) - s0);
            round[mode] = o.snapshots as f64 / wall;
            let (cpu, simv) = if mode == 0 { (&mut sdk_cpu, &mut sdk_sim) } else { (&mut bare_cpu, &mut bare_sim) };
            cpu.push(100.0 * own / wall);
            simv.push(100.0 * simc / wall);
        }
        sdk_rate.push(round[0]);
        bare_rate.push(round[1]);
        ratio.push(round[0] / round[1]);
    }
    println!(
        "{:>6} {:>26} {:>22} {:>14} {:>14}",
        "mode", "snapshots/s min/med/max", "sdk/bare min/med/max", "own CPU %", "sim CPU %"
    );
    let rows = [
        ("bare", &bare_rate, "1".to_string(), &bare_cpu, &bare_sim),
        ("sdk", &sdk_rate, Summary::of(ratio).fmt(2), &sdk_cpu, &sdk_sim),
    ];
    for (name, rate, ratio, cpu, simc) in rows {
        println!(
            "{name:>6} {:>26} {ratio:>22} {:>14} {:>14}",
            Summary::of(rate.clone()).fmt(0),
            Summary::of(cpu.clone()).fmt(0),
            Summary::of(simc.clone()).fmt(0)
        );
    }
    println!(
        "own CPU % and sim CPU %: CPU time of this process and of the simulator over the wall time (100 = one core)"
    );
    sim.stop();
}

// ---- the floor ----

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlainRequest<'a> {
    cc_id: i64,
    vdn: i64,
    skill_ids: &'a [i64],
    index_ids: &'a [&'static str],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainAnswer {
    result_code: Option<String>,
    result_desc: Option<Vec<PlainSkill>>,
}

#[derive(Deserialize)]
struct PlainSkill {
    id: Value,
    idxs: Option<Vec<PlainIdx>>,
}

#[derive(Deserialize)]
struct PlainIdx {
    id: String,
    val: Value,
}

/// One skill's 12 real-time indicators, as plain numbers.
#[derive(Debug, Default)]
#[allow(dead_code)]
struct PlainQueue {
    skill: i64,
    waiting: u64,
    handling: u64,
    longest_wait_s: u64,
    answered_20s_5min: u64,
    signed_in: u64,
    talking: u64,
    idle: u64,
    available: u64,
    busy: u64,
    wrap_up: u64,
    rest: u64,
    learning: u64,
}

fn number(v: &Value) -> u64 {
    match v {
        Value::Number(n) => n.as_u64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

struct Bare {
    http: reqwest::Client,
    url: String,
    path: String,
    host: String,
    ak: String,
    sk: String,
    cc_id: i64,
    vdn: i64,
    skills: Vec<i64>,
}

impl Bare {
    fn new(endpoint: &str, sc: &cec_sim::Scenario, skills: &[i64]) -> Bare {
        let path = "/rest/cmsapp/v1/openapi/skill/rindex".to_string();
        Bare {
            http: cec_bench::bare_http().build().unwrap(),
            url: format!("{endpoint}{path}"),
            path,
            host: endpoint.trim_start_matches("http://").to_owned(),
            ak: sc.ak.clone(),
            sk: sc.sk.clone(),
            cc_id: sc.cc_id,
            vdn: sc.vdn,
            skills: skills.to_vec(),
        }
    }

    async fn snapshot(&self) -> Vec<PlainQueue> {
        // The body is serialized per snapshot, as the SDK does.
        let body = serde_json::to_vec(&PlainRequest {
            cc_id: self.cc_id,
            vdn: self.vdn,
            skill_ids: &self.skills,
            index_ids: SkillRealtimeIndicator::CODES,
        })
        .unwrap();
        let ctype = cec_core::client::JSON_CONTENT_TYPE;
        let length = body.len().to_string();
        let headers = [("content-length", length.as_str()), ("content-type", ctype), ("host", self.host.as_str())];
        let signable = cec_core::sign::SignableRequest {
            method: "POST",
            path: &self.path,
            query: &[],
            headers: &headers,
            body: &body,
        };
        let ts = cec_core::sign::C2Dialect::default().timestamp.format(std::time::SystemTime::now());
        let auth = cec_core::sign::authorization(&self.ak, self.sk.as_bytes(), &ts, &signable);
        let answer = self
            .http
            .post(self.url.as_str())
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
        a.result_desc
            .unwrap_or_default()
            .into_iter()
            .map(|s| {
                let mut q = PlainQueue { skill: number(&s.id) as i64, ..Default::default() };
                for i in s.idxs.unwrap_or_default() {
                    let v = number(&i.val);
                    match i.id.as_str() {
                        "IDX_COUNT_REAL_SKILL_QUEUE" => q.waiting = v,
                        "IDX_COUNT_REAL_SKILL_HANDLE" => q.handling = v,
                        "IDX_DURATION_SKILL_MAX_QUEUE_ACK" => q.longest_wait_s = v,
                        "IDX_COUNT_20S_CALL_FOR_5MIN" => q.answered_20s_5min = v,
                        "IDX_COUNT_REAL_AGENT_SIGN_IN" => q.signed_in = v,
                        "IDX_COUNT_REAL_AGENT_CONNECT" => q.talking = v,
                        "IDX_COUNT_REAL_AGENT_SET_IDLE" => q.idle = v,
                        "IDX_COUNT_REAL_AGENT_USABLE" => q.available = v,
                        "IDX_COUNT_REAL_AGENT_SET_BUSY" => q.busy = v,
                        "IDX_COUNT_REAL_AGENT_ACW" => q.wrap_up = v,
                        "IDX_COUNT_REAL_AGENT_REST" => q.rest = v,
                        "IDX_COUNT_REAL_AGENT_STUDY" => q.learning = v,
                        _ => {}
                    }
                }
                q
            })
            .collect()
    }
}
