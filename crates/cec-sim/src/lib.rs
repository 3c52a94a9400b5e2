//! # cec-sim
//!
//! A stateful simulator of Huawei Cloud CEC's network elements, served on
//! loopback by axum: CC-Gateway, API Fabric, OIAP, CC-iSales, CC-CMS and CC-FS
//! on **one port with the real path prefixes** (`/agentgateway`, `/apiaccess`,
//! `/apigovernance`, `/oifde`, `/rest/isales`, `/rest/cmsapp`, `/CCFS`), so one
//! endpoint URL serves every NE client.
//!
//! It checks authentication the way the NEs do — a bad C2 signature gets HTTP
//! 401; an unknown or expired C1 token HTTP 401; an unknown or expired OIAP
//! token `900001`; a stale GUID `100-006` — rotates agent GUIDs in dynamic mode
//! (`Set-GUID` on poll answers), signs out agents that stop polling, and keeps
//! one model of the call center that every NE reads: agents, calls, events,
//! agent states for CMS, recordings for CC-FS.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let sim = cec_sim::Simulator::start(cec_sim::SimConfig::default()).await?;
//! println!("endpoint {}", sim.endpoint());
//! let call_id = sim.inject_call("1001", "13800000001");
//! # let _ = call_id;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Admin endpoints (for `curl` and tests): `POST /__sim/calls`
//! `{"agent":"1001","caller":"13800000001"}` offers a call to an agent;
//! `GET /__sim/state` shows the model; `POST`/`GET`/`DELETE /__sim/faults`
//! add, list and clear injected faults ([`Fault`]).
//!
//! A scenario (tenant, credentials, agents, campaigns, faults) is loaded from a
//! TOML file with [`Scenario::load`]; `scenarios/default.toml` in the repository
//! is [`Scenario::default`].
//! `POST /__sim/queue-calls` `{"queue":1,"caller":"13800000001"}` puts a call
//! into a skill queue; `POST /__sim/dial-step` dials one number of every running
//! campaign; `GET /__sim/state` shows the model.

#![warn(missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;

pub mod api;
mod clock;
mod config;
pub mod faults;
#[allow(missing_docs)]
pub mod generated;
mod http;
mod ivr;
mod model;
pub mod paging;
mod popup;
mod range;
mod scenario;
mod social;
pub use social::SocialChannels;
mod verify;
pub mod wav;

pub use cec_cms::generated::CtiAgentState;
pub use clock::parse_clock;
pub use config::SimConfig;
pub use faults::{Fault, FaultKind, FaultStatus, Target};
pub use ivr::{BusinessInterface, IvrBranch, IvrConfig, IvrFlow, IvrRun, IvrStep, StepLog};
pub use model::AgentSnapshot;
pub use model::queues::{AgentLeg, CallRecord};
pub use popup::{PopupConfig, PopupLoad, PopupMode};
pub use scenario::{
    AccessCode, Agent, Campaign, CampaignData, Dialer, GatewaySettings, GuidMode, History, Intent, Scenario,
    ScenarioError, SkillQueue, Traffic, TrafficFlow, Unmodelled,
};

/// A running simulator.
#[derive(Debug)]
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<model::Shared>,
    faults: Arc<faults::FaultSet>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Simulator {
    /// Starts serving on `config.listen` (refuses anything but loopback, and a
    /// scenario whose agents or faults are invalid).
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        if !config.listen.ip().is_loopback() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the simulator listens on loopback (127.0.0.1) only",
            ));
        }
        let invalid =
            |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("invalid scenario: {e}"));
        config.scenario.check().map_err(invalid)?;
        let config = config.with_scenario_settings();
        let faults = Arc::new(faults::FaultSet::default());
        for f in &config.scenario.faults {
            faults.add(f.clone()).map_err(invalid)?;
        }
        http::init_header_case().await;
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(model::Shared::new(config));
        shared.generate_history();
        let app = http::router(shared.clone(), faults.clone())
            .merge(ivr::admin_routes(shared.clone()))
            .merge(popup::admin_routes(shared.clone()))
            .merge(clock::admin_routes(shared.clone()));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let reaper = shared.clone();
        let pusher = shared.clone();
        let task = tokio::spawn(async move {
            let ticker = tokio::spawn(model::queues::tick_loop(reaper.clone()));
            let reaper_task = tokio::spawn(model::reap_loop(reaper));
            let push_task = tokio::spawn(model::push_loop(pusher));
            http::serve(listener, app, rx).await;
            reaper_task.abort();
            push_task.abort();
            ticker.abort();
        });
        tracing::info!(%addr, "cec-sim listening");
        Ok(Simulator { addr, shared, faults, shutdown: Some(tx), task })
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the endpoint of every NE.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The number of files in the web channel's media cache (uploads).
    pub fn media_files(&self) -> usize {
        self.shared.media_count()
    }

    /// The social webhook deliveries whose signature was accepted, by spec id, in order.
    pub fn social_deliveries(&self) -> Vec<String> {
        self.shared.social_log()
    }

    /// The scenario.
    pub fn scenario(&self) -> Scenario {
        self.shared.scenario()
    }

    /// Offers an inbound call from `caller` to an agent; returns the call id.
    /// The agent gets `AgentEvent_Ringing` (and must be signed in and idle).
    pub fn inject_call(&self, agent: &str, caller: &str) -> Result<String, String> {
        self.shared.inject_call(agent, caller)
    }

    /// The customer of a call hangs up: every agent on it gets
    /// `AgentEvent_Customer_Release` and `AgentEvent_Call_Release`.
    pub fn hang_up(&self, call_id: &str) -> Result<(), String> {
        let r = self.shared.customer_hangup(call_id);
        // Records and CDRs follow at once (not at the next request).
        self.shared.settle();
        r
    }

    /// Queues an event of any type for a signed-in agent, delivered like the
    /// model's own (poll or push): for unknown-event tests and benchmarks.
    pub fn emit_event(&self, agent: &str, event_type: &str, content: serde_json::Value) -> Result<(), String> {
        self.shared.emit_raw(agent, event_type, content)
    }

    /// Puts an inbound call from `caller` into skill queue `queue`; returns the call id.
    /// The call waits until a signed-in idle agent with the skill is free (the one idle
    /// longest gets `AgentEvent_Ringing`).
    pub fn inject_queue_call(&self, queue: u32, caller: &str) -> Result<String, String> {
        self.shared.inject_queue_call(queue, caller)
    }

    /// Dials the next number of every running campaign (CC-iSales); returns how many were
    /// dialed. Tests set `scenario.dialer.interval_ms = 0` and step with this.
    pub fn dial_step(&self) -> usize {
        self.shared.dial_step()
    }

    /// The call data records of a campaign that were not deleted: `(sessionId, first
    /// number)`, in the order they were added.
    pub fn call_data(&self, campaign: i64) -> Vec<(String, String)> {
        self.shared.call_data(campaign)
    }

    /// How many call data records `calldata.add` ever accepted and `calldata.delete` removed.
    pub fn call_data_counts(&self) -> (u64, u64) {
        self.shared.call_data_counts()
    }

    /// Every call the simulator has seen, oldest first: timestamps, skill, agent, direction.
    pub fn call_records(&self) -> Vec<CallRecord> {
        self.shared.call_records()
    }

    /// The last 1,024 credentials the simulator handed out (C1/C3/C6 and web-chat
    /// tokens, agent and configuration GUIDs), oldest first: a secrets sweep
    /// searches logs and formatted values for them.
    pub fn issued_credentials(&self) -> Vec<String> {
        self.shared.issued_credentials()
    }

    /// The model's clock now, in epoch milliseconds (pinned or the system's).
    pub fn now_ms(&self) -> u64 {
        self.shared.clock.now_ms()
    }

    /// Moves a pinned clock forward by `by`; the new time. `None` (nothing moves)
    /// when the clock follows the system's.
    pub fn advance_clock(&self, by: std::time::Duration) -> Option<u64> {
        let t = self.shared.clock.advance(by.as_millis() as u64);
        // What became due (queue offers, releases) happens at the new time.
        self.shared.settle();
        t
    }

    /// The simulator's view of an agent.
    pub fn agent(&self, id: &str) -> Option<AgentSnapshot> {
        self.shared.agent(id)
    }

    /// Adds a fault; returns its id. Faults apply in the order they were added.
    pub fn add_fault(&self, fault: Fault) -> Result<u64, String> {
        self.faults.add(fault)
    }

    /// Removes every fault (those of the scenario too); returns how many there were.
    pub fn clear_faults(&self) -> usize {
        self.faults.clear()
    }

    /// How many requests each interface received since start (faulted or not; by
    /// spec id, the first of several ids sharing a method and path): what proves
    /// that an unsafe call was sent exactly once and a safe one retried.
    pub fn requests(&self) -> std::collections::BTreeMap<String, u64> {
        self.faults.requests()
    }

    /// Requests received by one interface since start.
    pub fn requests_to(&self, interface: &str) -> u64 {
        self.faults.requests().get(interface).copied().unwrap_or(0)
    }

    /// The faults with their remaining counts and hits.
    pub fn faults(&self) -> Vec<FaultStatus> {
        self.faults.list()
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
