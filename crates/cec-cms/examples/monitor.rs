//! Watching agents with CC-CMS: a client from the deployment's settings
//! (`Client::from_env()` reads the profile file and `CEC_CMS_*`), the tenant's `vdn` from
//! those settings and its `ccId` set once, and a paginator over the VDN's agents.
//!
//! Runs against an in-process simulator: `cargo run -p cec-cms --example monitor`
//! (and as a test, `tests/examples.rs`).
#![allow(clippy::print_stdout)]

use cec_cms::{Client, TenantDefaults};

/// What the example saw.
#[derive(Debug)]
pub struct Seen {
    /// (agent id, current state) of the agents asked about.
    pub states: Vec<(i64, String)>,
    /// Every agent of the VDN, read two per page.
    pub agents: Vec<i64>,
}

pub async fn run() -> Result<Seen, Box<dyn std::error::Error>> {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
    let sc = sim.scenario();

    // In a deployment: `Client::from_env()?`. Here the same settings point at the simulator.
    let endpoint = sim.endpoint();
    let env = |key: &str| match key {
        "CEC_CMS_ENDPOINT" => Some(endpoint.clone()),
        "CEC_CMS_AK" => Some(sc.ak.clone()),
        "CEC_CMS_SK" => Some(sc.sk.clone()),
        "CEC_CMS_VDN" => Some(sc.vdn.to_string()),
        _ => None,
    };
    let profile = cec_core::profile::Profile::load(None, None, &env)?;
    // `vdn` comes from the settings; the call center id is set once here.
    let cms = Client::from_settings(&profile)?.with_tenant(TenantDefaults::new().cc_id(sc.cc_id).vdn(sc.vdn));

    // No per-call ccId / vdn.
    let ids: Vec<i64> = sc.agents.iter().filter_map(|a| a.id.parse().ok()).collect();
    let answer = cms.agent_agentstatusinfobyagentids().agent_ids(ids).send().await?;
    let mut states = Vec::new();
    for a in answer.result_desc.unwrap_or_default() {
        let state = a.current_state.as_ref().and_then(|s| s.description()).unwrap_or("?").to_owned();
        println!("agent {:?}: {state}", a.agent_id);
        states.push((a.agent_id.unwrap_or_default(), state));
    }

    // Every agent of the VDN, page by page (two per page to show the paging).
    let all = cms.vdn_total_agent_abstract_ex3().into_paginator().page_size(2).collect_items().await?;
    let agents: Vec<i64> = all.iter().filter_map(|a| a.agent_id).collect();
    println!("{} agents in VDN {}: {agents:?}", agents.len(), sc.vdn);
    sim.shutdown().await;
    Ok(Seen { states, agents })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(|_| ())
}
