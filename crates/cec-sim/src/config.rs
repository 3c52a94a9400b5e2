//! How a simulator runs: the scenario, the seed, the listen address and the
//! durations tests shorten.

use std::net::SocketAddr;
use std::time::Duration;

use crate::scenario::Scenario;

/// How the simulator behaves. Durations are configurable so tests run fast.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The tenant, credentials, agents and campaigns.
    pub scenario: Scenario,
    /// Seed of every generated id (GUIDs, call ids): the same seed tells the same story.
    pub seed: u64,
    /// Where to listen; port 0 picks a free port. Loopback only.
    pub listen: SocketAddr,
    /// How long an event poll waits when there is no event (CEC: about 10 s).
    pub poll_wait: Duration,
    /// `true`: dynamic GUID mode (`AUTHMODE = 2`), rotating every `guid_rotation`.
    pub dynamic_guid: bool,
    /// GUID rotation period (CEC `GUIDINTERVAL`, 60 s).
    pub guid_rotation: Duration,
    /// How long a replaced GUID is still accepted (CEC `GUIDTIMEOUT`, 120 s).
    pub guid_timeout: Duration,
    /// An agent that neither polls nor sends a heartbeat for this long is signed out (2 min).
    pub heartbeat_timeout: Duration,
    /// Upper bound of C1/C3 token lifetimes (tests shorten it to see expiry).
    pub max_token_lifetime: Duration,
    /// How long the customer of an outbound call (`voicecall.callout`) takes to pick up.
    pub customer_answer_delay: Duration,
    /// Push mode: pause before delivering again after a failed push (CEC `EVENT_PUSH_FAIL_INTERVALTIME`, 10 s).
    pub push_retry: Duration,
    /// Push mode: an agent whose pushes fail for this long is signed out (`EVENT_PUSH_FAIL_TOTALTIME`, 120 s).
    pub push_fail_total: Duration,
    /// File answers honour `Range: bytes=N-` with `206` (default); `false` answers
    /// the whole file, as a server that ignores Range does.
    pub honor_range: bool,
    /// Pins the model's clock at this instant (epoch milliseconds): it stands
    /// still until advanced ([`crate::Simulator::advance_clock`]), so the same
    /// seed and clock give the same CDR files, recordings and events byte for
    /// byte. `None`: the scenario's `clock`, else the system clock.
    pub clock_ms: Option<u64>,
}

impl SimConfig {
    /// The config with the scenario's `[gateway]` values applied (they win).
    pub(crate) fn with_scenario_settings(mut self) -> SimConfig {
        let g = &self.scenario.gateway;
        if let Some(mode) = g.guid_mode {
            self.dynamic_guid = mode == crate::scenario::GuidMode::Dynamic;
        }
        if let Some(s) = g.guid_rotation_secs {
            self.guid_rotation = Duration::from_secs(s);
        }
        if let Some(s) = g.guid_timeout_secs {
            self.guid_timeout = Duration::from_secs(s);
        }
        if self.clock_ms.is_none() {
            // Checked by `Scenario::check` before the simulator starts.
            self.clock_ms = self.scenario.clock.as_deref().and_then(|c| crate::clock::parse_clock(c).ok());
        }
        self
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            scenario: Scenario::default(),
            seed: 42,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            poll_wait: Duration::from_secs(10),
            dynamic_guid: true,
            guid_rotation: Duration::from_secs(60),
            guid_timeout: Duration::from_secs(120),
            heartbeat_timeout: Duration::from_secs(120),
            max_token_lifetime: Duration::from_secs(3600),
            customer_answer_delay: Duration::from_millis(500),
            push_retry: Duration::from_secs(10),
            push_fail_total: Duration::from_secs(120),
            honor_range: true,
            clock_ms: None,
        }
    }
}
