//! Reading configuration through API Fabric: a client from the deployment's settings
//! (`Client::from_env()` reads the profile file and `CEC_APIFABRIC_*`: endpoint, app key
//! and secret; the C1 token is fetched and refreshed by the client) and a paginator over
//! the tenant's skill queues.
//!
//! Runs against an in-process simulator: `cargo run -p cec-apifabric --example skills`
//! (and as a test, `tests/examples.rs`).
#![allow(clippy::print_stdout)]

/// Skill queue names, in the order the NE listed them.
pub async fn run() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
    let sc = sim.scenario();

    // In a deployment: `cec_apifabric::Client::from_env()?`. Here the settings point at the simulator.
    let endpoint = sim.endpoint();
    let env = |key: &str| match key {
        "CEC_APIFABRIC_ENDPOINT" => Some(endpoint.clone()),
        "CEC_APIFABRIC_APP_KEY" => Some(sc.app_key.clone()),
        "CEC_APIFABRIC_APP_SECRET" => Some(sc.app_secret.clone()),
        _ => None,
    };
    let profile = cec_core::profile::Profile::load(None, None, &env)?;
    let af = cec_apifabric::Client::from_settings(&profile)?;

    // Every skill queue, three per page: one request per page, the items as one list.
    let skills = af.skill_query_skills().into_paginator().page_size(3).collect_items().await?;
    let names: Vec<String> = skills.into_iter().map(|s| s.name.unwrap_or_default()).collect();
    for n in &names {
        println!("skill queue {n}");
    }
    sim.shutdown().await;
    Ok(names)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(|_| ())
}
