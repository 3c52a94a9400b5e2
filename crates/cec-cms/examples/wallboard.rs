//! A terminal wallboard against an in-process simulator: queue status, agents by
//! state and today's service level, three snapshots a second apart.
//!
//! `cargo run -p cec-cms --example wallboard`
#![allow(clippy::print_stdout)]

use std::time::Duration;

use cec_cms::indicators::format_duration;
use cec_cms::monitor::state_label;
use cec_cms::{AkSkSigner, C2Auth, Config, TenantDefaults};
use futures_util::TryStreamExt;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
    let sc = sim.scenario();
    let client = cec_cms::Client::new(
        Config::builder(&sim.endpoint()).build()?,
        C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str())?),
    )?
    .with_tenant(TenantDefaults::new().cc_id(sc.cc_id).vdn(sc.vdn));

    let queues = client.skill_queues().await?;
    let skills: Vec<i64> = queues.iter().map(|q| q.id).collect();
    let agents: Vec<i64> = client.configured_agents().map_ok(|a| a.agent_id).try_collect().await?;
    for (i, caller) in ["13800000001", "13800000002"].iter().enumerate() {
        sim.inject_queue_call(1, caller)?;
        println!("caller {} waits in queue 1", i + 1);
    }
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        println!("{:<12} {:>7} {:>8} {:>9} {:>7}", "queue", "waiting", "longest", "available", "talking");
        for q in client.queue_status(&skills).await? {
            let name = queues.iter().find(|c| c.id == q.skill).map(|c| c.name.as_str()).unwrap_or("?");
            let longest = format_duration(q.longest_wait);
            println!("{name:<12} {:>7} {longest:>8} {:>9} {:>7}", q.waiting, q.available, q.talking);
        }
        let states = client.agents_by_state(&agents).await?;
        let counts: Vec<String> = states.counts().iter().map(|(s, n)| format!("{n} {}", state_label(s))).collect();
        println!("agents: {}", counts.join(", "));
        for sl in client.service_level(&skills, Duration::from_secs(20)).await? {
            let pct = sl.percent.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "–".into());
            println!("queue {}: {} offered, service level (20 s) {pct}", sl.skill, sl.offered);
        }
        println!();
    }
    sim.shutdown().await;
    Ok(())
}
