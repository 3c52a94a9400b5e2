//! `cargo xtask bench events`: decoding realistic CC-Gateway `agentevent`
//! answers (a ringing call with its content, state changes without content,
//! talking, the service-state notice), events per second.
//!
//! In one run, over the same answers (the kinds take turns):
//!
//! - `sdk`: the client's decoding (`envelope::decode_typed` into the generated
//!   poll answer, what `Client::call` runs), then the typed `AgentEvent`;
//! - `general`: the envelope as a `serde_json::Value`, then the generated type
//!   (`envelope::decode` + `into_typed`, the client's way before one-pass
//!   decoding and still its way for errors), then the typed `AgentEvent`;
//! - `plain`: `serde_json::from_slice` into a plain-derive struct of the same
//!   shape (content kept as a `Value`): the floor.
//!
//! A benchmark: it asserts nothing.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use cec_bench::Summary;
use cec_gateway::generated::{AGENTEVENT_POLL, AgenteventPollResponse};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;

#[derive(Deserialize)]
#[allow(dead_code)]
struct PlainPoll {
    message: Option<String>,
    retcode: Option<String>,
    event: Option<PlainEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
struct PlainEvent {
    event_type: Option<String>,
    event_gen_time: Option<i64>,
    work_no: Option<String>,
    content: Option<serde_json::Value>,
}

/// Answers as the platform words them, one per kind.
fn answers() -> Vec<Vec<u8>> {
    let t = 1_768_465_800_123u64;
    [
        format!(
            r#"{{"message":"","retcode":"0","event":{{"eventType":"AgentEvent_Ringing","workNo":"1001","eventGenTime":{t},"content":{{"caller":"13800000001","called":"10086","callid":"1768465800-4711","transfer":"no","transfrom":"","type":"main","feature":"0","mediaAbility":"1","mediaType":"5"}}}}}}"#
        ),
        format!(
            r#"{{"message":"","retcode":"0","event":{{"eventType":"AgentEvent_Talking","workNo":"1001","eventGenTime":{},"content":{{"caller":"13800000001","called":"10086","callid":"1768465800-4711","feature":"0","mediaType":"5","mediaAbility":"1","isCaller":"false","callcenter":"1","vdn":"1"}}}}}}"#,
            t + 1500
        ),
        format!(
            r#"{{"message":"","retcode":"0","event":{{"eventType":"AgentState_Ready","workNo":"1001","eventGenTime":{},"content":null}}}}"#,
            t + 90_000
        ),
        format!(
            r#"{{"message":"","retcode":"0","event":{{"eventType":"AgentOther_InService","workNo":"1001","eventGenTime":{},"content":null}}}}"#,
            t + 91_000
        ),
        format!(
            r#"{{"message":"","retcode":"0","event":{{"eventType":"AgentState_SetNotReady_Success","workNo":"1001","eventGenTime":{},"content":{{"reason":"12"}}}}}}"#,
            t + 95_000
        ),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn sdk(body: &[u8]) -> Option<cec_gateway::AgentEvent> {
    let r: AgenteventPollResponse =
        cec_core::envelope::decode_typed(&AGENTEVENT_POLL, StatusCode::OK, &HeaderMap::new(), body).ok()?;
    r.event.map(|e| e.agent_event())
}

fn general(body: &[u8]) -> Option<cec_gateway::AgentEvent> {
    let v = cec_core::envelope::decode(&AGENTEVENT_POLL, StatusCode::OK, &HeaderMap::new(), body).ok()?;
    let r: AgenteventPollResponse = cec_core::envelope::into_typed(&AGENTEVENT_POLL, StatusCode::OK, v).ok()?;
    r.event.map(|e| e.agent_event())
}

fn plain(body: &[u8]) -> Option<PlainEvent> {
    serde_json::from_slice::<PlainPoll>(body).ok()?.event
}

/// One decoding path under test: takes an answer's bytes, says whether it decoded.
type Decoder = dyn Fn(&[u8]) -> bool;

fn main() {
    let mut rounds = 5usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        rounds = args.get(i + 1).and_then(|r| r.parse().ok()).unwrap_or(rounds);
    }
    let answers = answers();
    // Every answer decodes to an event on every path (a broken answer must not look fast).
    for a in &answers {
        assert!(sdk(a).is_some() && general(a).is_some() && plain(a).is_some());
        assert_eq!(sdk(a), general(a));
    }
    let per_batch = 20_000usize;
    let batch = |f: &Decoder| {
        let t = Instant::now();
        for i in 0..per_batch {
            black_box(f(black_box(&answers[i % answers.len()])));
        }
        per_batch as f64 / t.elapsed().as_secs_f64()
    };
    let paths: [(&str, &Decoder); 3] = [
        ("sdk (one pass + AgentEvent)", &|b| sdk(b).is_some()),
        ("general (Value, then typed)", &|b| general(b).is_some()),
        ("plain-derive struct (floor)", &|b| plain(b).is_some()),
    ];
    for (_, f) in &paths {
        batch(f);
    }
    let mut res = vec![Vec::new(); paths.len()];
    for _ in 0..rounds {
        for (i, (_, f)) in paths.iter().enumerate() {
            res[i].push(batch(f));
        }
    }
    let sizes: Vec<usize> = answers.iter().map(Vec::len).collect();
    println!(
        "events: {} answer kinds ({:?} bytes), {rounds} rounds x {per_batch} decodes per path; events/s min/med/max",
        answers.len(),
        sizes
    );
    for (i, (name, _)) in paths.iter().enumerate() {
        println!("  {name:<30} {}", Summary::of(res[i].clone()).fmt(0));
    }
    let ratio = |a: usize, b: usize| Summary::of(res[a].iter().zip(&res[b]).map(|(x, y)| x / y).collect());
    println!("  sdk / plain floor (events/s)   {}", ratio(0, 2).fmt(2));
    println!("  sdk / general (events/s)       {}", ratio(0, 1).fmt(2));
}
