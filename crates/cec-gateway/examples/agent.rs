//! An agent's shift with CC-Gateway: a client from the deployment's settings
//! (`Client::from_env()` reads the profile file and `CEC_GATEWAY_*`), an `AgentSession`
//! that signs in, keeps the GUID and the heartbeat, answers a call from its event
//! stream, and signs out.
//!
//! Runs against an in-process simulator: `cargo run -p cec-gateway --example agent`
//! (and as a test, `tests/examples.rs`).
#![allow(clippy::print_stdout)]

use std::time::Duration;

use cec_gateway::{AgentEvent, AgentSession, SessionEvent, SignIn};
use futures_util::StreamExt;

/// What the example saw.
#[derive(Debug)]
pub struct Seen {
    /// The agent signed in.
    pub agent: String,
    /// The call answered and released.
    pub call: String,
    /// Event types, in order.
    pub events: Vec<String>,
}

pub async fn run() -> Result<Seen, Box<dyn std::error::Error>> {
    let config = cec_sim::SimConfig { poll_wait: Duration::from_millis(200), ..Default::default() };
    let sim = cec_sim::Simulator::start(config).await?;
    let sc = sim.scenario();

    // In a deployment: `cec_gateway::Client::from_env()?`. Here the settings point at the simulator.
    let endpoint = sim.endpoint();
    let env = |key: &str| (key == "CEC_GATEWAY_ENDPOINT").then(|| endpoint.clone());
    let profile = cec_core::profile::Profile::load(None, None, &env)?;
    let gw = cec_gateway::Client::from_settings(&profile)?;

    let a = &sc.agents[0];
    // A typed agent id is checked when it is made (101-999999, not 60000-69999).
    let agent: cec_gateway::AgentId = a.id.parse()?;
    let session = AgentSession::sign_in(gw, SignIn::new(agent, a.password.as_str(), a.phone.as_str())).await?;
    println!("agent {} signed in", session.agent());
    let mut events = Box::pin(session.events().ok_or("the session has no event stream")?);

    let call = sim.inject_call(&a.id, "13800000001")?;
    let mut seen = Vec::new();
    // The call rings, the agent answers, talks, and hangs up.
    let mut wanted = ["AgentEvent_Ringing", "AgentEvent_Talking", "AgentEvent_Call_Release"].into_iter().peekable();
    while let Some(&next) = wanted.peek() {
        let item = tokio::time::timeout(Duration::from_secs(10), events.next()).await?;
        let Some(item) = item else { return Err("the event stream ended".into()) };
        let SessionEvent::Event(ev) = item? else { continue };
        println!("event {}", ev.event_type());
        seen.push(ev.event_type().to_owned());
        if ev.event_type() != next {
            continue;
        }
        wanted.next();
        match ev {
            AgentEvent::Ringing(_) => session.answer().await?,
            AgentEvent::Talking(_) => session.release().await?,
            _ => {}
        }
    }
    session.sign_out().await?;
    println!("agent {} signed out", a.id);
    sim.shutdown().await;
    Ok(Seen { agent: a.id.clone(), call, events: seen })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(|_| ())
}
