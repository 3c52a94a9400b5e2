//! The README's quickstart, compiled by `cargo xtask ci` so it cannot rot.
//! Run it against a CEC tenant (it needs real endpoints and credentials).
#![allow(clippy::print_stdout)]

use cec_auth::{AkSkSigner, C2Auth};
use cec_core::Config;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // CC-Gateway: sign an agent in; the client keeps (and rotates) the GUID.
    let gw = cec_gateway::Client::new(Config::builder("https://cc-gateway.example.com:8043").build()?)?;
    gw.onlineagent_login().agentid("1001").password("secret").phonenum("70001").send().await?;
    gw.onlineagent_resetskill().agentid("1001").autoflag(true).send().await?;
    if let Some(ev) = gw.agentevent_poll().agentid("1001").send().await?.event {
        println!("event {:?}", ev.event_type);
    }

    // CC-CMS with an AK/SK signature (C2): who is talking right now?
    let cms = cec_cms::Client::new(
        Config::builder("https://cms.example.com:28443").build()?,
        C2Auth::Signature(AkSkSigner::new("my-ak", "my-sk")?),
    )?;
    let states = cms.agent_agentstatusinfobyagentids().cc_id(1).vdn(1).agent_ids(vec![1001]).send().await?;
    println!("{:?}", states.result_desc);
    Ok(())
}
