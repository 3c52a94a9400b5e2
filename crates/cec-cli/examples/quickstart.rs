//! The README's quickstart, compiled by `cargo xtask ci` so it cannot rot.
//! Run it against a CEC tenant (it needs real endpoints and credentials).
#![allow(clippy::print_stdout)]

use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // CC-Gateway: sign an agent in; the client keeps (and rotates) the GUID.
    let gw = cec_gateway::Client::new(cec_gateway::Config::builder("https://cc-gateway.example.com:8043").build()?)?;
    gw.onlineagent_login().agentid("1001").password("secret").phonenum("70001").send().await?;
    gw.onlineagent_resetskill().agentid("1001").autoflag(true).send().await?;
    if let Some(ev) = gw.agentevent_poll().agentid("1001").send().await?.event {
        println!("event {:?}", ev.event_type);
    }

    // CC-CMS with an AK/SK signature (C2); the tenant's ccId and vdn set once.
    // (`cec_cms::Client::from_env()` reads the same from the profile file and CEC_CMS_*.)
    use cec_cms::{AkSkSigner, C2Auth, Config, TenantDefaults};
    let cms = cec_cms::Client::new(
        Config::builder("https://cms.example.com:28443").build()?,
        C2Auth::Signature(AkSkSigner::new("my-ak", "my-sk")?),
    )?
    .with_tenant(TenantDefaults::new().cc_id(1).vdn(1));
    // Who is talking right now?
    let states = cms.agent_agentstatusinfobyagentids().agent_ids(vec![1001]).send().await?;
    println!("{:?}", states.result_desc);
    // Every agent of the VDN, page by page, as a stream.
    let mut agents = Box::pin(cms.vdn_total_agent_abstract_ex3().into_paginator().page_size(100).items());
    while let Some(agent) = agents.next().await {
        let agent = agent?;
        println!("agent {:?} in state {:?}", agent.agent_id, agent.current_state);
    }
    Ok(())
}
