//! Running an outbound campaign with CC-iSales: a client from the deployment's settings
//! (`Client::from_env()` reads the profile file and `CEC_ISALES_*`, the VDN included, so
//! no call sets `vdnId`), a paginator over the blocklist, and a waiter for the campaign
//! to reach a state after pausing it.
//!
//! Runs against an in-process simulator: `cargo run -p cec-isales --example campaign`
//! (and as a test, `tests/examples.rs`).
#![allow(clippy::print_stdout)]

use std::time::Duration;

use cec_core::Waiter;

/// Campaign states (reference: 2 started, 3 suspended, 4 completed).
const RUNNING: i64 = 2;
const SUSPENDED: i64 = 3;

/// What the example saw.
#[derive(Debug)]
pub struct Seen {
    /// The campaign paused and resumed.
    pub campaign: i64,
    /// Its status after the pause, as the waiter saw it.
    pub paused_status: Option<i64>,
    /// Its status after the resume.
    pub resumed_status: Option<i64>,
    /// Blocklist entries, read page by page.
    pub blocklisted: usize,
}

pub async fn run() -> Result<Seen, Box<dyn std::error::Error>> {
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
    let sc = sim.scenario();

    // In a deployment: `cec_isales::Client::from_env()?`. Here the settings point at the simulator.
    let endpoint = sim.endpoint();
    let env = |key: &str| match key {
        "CEC_ISALES_ENDPOINT" => Some(endpoint.clone()),
        "CEC_ISALES_AK" => Some(sc.ak.clone()),
        "CEC_ISALES_SK" => Some(sc.sk.clone()),
        "CEC_ISALES_VDN" => Some(sc.vdn.to_string()),
        _ => None,
    };
    let profile = cec_core::profile::Profile::load(None, None, &env)?;
    let isales = cec_isales::Client::from_settings(&profile)?;

    let campaign = sc.campaigns.iter().find(|c| c.status == RUNNING).ok_or("the scenario has no running campaign")?.id;
    // A typed id is checked when it is made.
    let typed = cec_isales::CampaignId::new(campaign)?;
    let waiter = Waiter::new(Duration::from_secs(30)).with_initial_delay(Duration::from_millis(50));

    isales.campaign_pause().campaign_id(campaign).send().await?;
    let paused = isales.wait_for_campaign_status(typed, SUSPENDED, &waiter).await?;
    println!("campaign {campaign} ({:?}) is suspended", paused.name);
    isales.campaign_resume().campaign_id(campaign).send().await?;
    let resumed = isales.wait_for_campaign_status(typed, RUNNING, &waiter).await?;
    println!("campaign {campaign} is running again");

    let blocklist = isales.blocklist_query().into_paginator().page_size(10).collect_items().await?;
    println!("{} numbers on the blocklist", blocklist.len());
    sim.shutdown().await;
    Ok(Seen { campaign, paused_status: paused.status, resumed_status: resumed.status, blocklisted: blocklist.len() })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(|_| ())
}
