//! Helpers shared by the crate's integration tests against `cec sim`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cec_gateway::{AgentSession, AgentState, SignIn};
use cec_messaging::{ChatSession, Client, Config, FabricAccess, PushFeed};
use cec_sim::Simulator;

/// How often sessions poll.
pub const TICK: Duration = Duration::from_millis(20);
/// How long a test waits for something that should come.
pub const WITHIN: Duration = Duration::from_secs(5);

/// Customer `user`'s access through API Fabric, on the scenario's web channel.
pub fn access(sim: &Simulator, user: &str) -> Arc<FabricAccess> {
    let sc = sim.scenario();
    let cfg = Config::builder(&sim.endpoint()).build().unwrap();
    let creds = cec_apifabric::ApiFabricCredentials::new(sc.app_key.clone(), sc.app_secret.clone());
    let af = cec_apifabric::Client::new(cfg.clone(), cfg, creds).unwrap();
    Arc::new(FabricAccess::new(af, user, sc.channel_id.clone()))
}

fn web_client(sim: &Simulator) -> Client {
    Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap()
}

/// A connected chat of customer `user` that polls.
pub async fn session(sim: &Simulator, user: &str) -> ChatSession {
    ChatSession::connect(web_client(sim), access(sim, user)).await.unwrap()
}

/// A connected chat of customer `user` that reads `feed` (push mode).
pub async fn pushed_session(sim: &Simulator, user: &str, feed: PushFeed) -> ChatSession {
    ChatSession::connect_pushed(web_client(sim), access(sim, user), feed).await.unwrap()
}

/// Agent `n` of the scenario signed in (events polled every [`TICK`]) and idle.
pub async fn idle_agent(sim: &Simulator, n: usize) -> (cec_gateway::Client, AgentSession) {
    let sc = sim.scenario();
    let a = &sc.agents[n];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    let mut opts = SignIn::new(a.id.as_str(), a.password.as_str(), a.phone.as_str());
    opts.poll_pause = TICK;
    let agent = AgentSession::sign_in(gw.clone(), opts).await.unwrap();
    for _ in 0..250 {
        if agent.view().state == AgentState::Idle {
            return (gw, agent);
        }
        tokio::time::sleep(TICK).await;
    }
    panic!("agent {} not idle within 5 s", a.id);
}

/// Waits until `f` holds for the agent's view.
pub async fn until_view(agent: &AgentSession, what: &str, f: impl Fn(&cec_gateway::AgentView) -> bool) {
    for _ in 0..250 {
        if f(&agent.view()) {
            return;
        }
        tokio::time::sleep(TICK).await;
    }
    panic!("{what}: not within 5 s; the agent's view: {:?}", agent.view());
}
