//! The simulated tenant: credentials, agents, campaigns, faults; loadable
//! from a TOML scenario file (see `scenarios/default.toml` and docs/simulator.md).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::faults::Fault;

/// An agent of the simulated tenant.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Agent (work) id, 101–999999.
    pub id: String,
    /// Sign-in password.
    pub password: String,
    /// Softphone number.
    pub phone: String,
    /// Skill queue ids the agent is configured for (none when left out).
    #[serde(default)]
    pub skills: Vec<u32>,
}

/// An outbound campaign (CC-iSales).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Campaign id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// 2 started, 3 suspended, 4 completed.
    pub status: i64,
    /// Device type (2 = skill-queue predicted…).
    pub device_type: i64,
    /// The skill queue a predictive campaign's (`device_type` 2) answered calls are
    /// offered in, to its agents; none: answered calls only count in the results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<u32>,
}

/// The tenant the simulator serves. [`Scenario::default`] is what `cec demo` uses.
///
/// Loaded from TOML with [`Scenario::from_toml`] / [`Scenario::load`]: every
/// field is optional (a missing one keeps its value from [`Scenario::default`];
/// a list that is given replaces the default list), an unknown key is an error.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Call center id.
    pub cc_id: i64,
    /// VDN id.
    pub vdn: i64,
    /// C2 access key (CMS, FS, iSales).
    pub ak: String,
    /// C2 secret key.
    pub sk: String,
    /// API Fabric app key (C1).
    pub app_key: String,
    /// API Fabric app secret (C1).
    pub app_secret: String,
    /// OIAP tenant id (`appKey`, C3/C6).
    pub oiap_app_key: String,
    /// OIAP API password (`appSecret`).
    pub oiap_app_secret: String,
    /// CC-Gateway configuration administrator (C5) id.
    pub config_admin_id: i64,
    /// Its password.
    pub config_admin_password: String,
    /// Web-chat channel configuration id.
    pub channel_id: String,
    /// Secrets of the social channels' configuration (webhook signatures).
    pub social: crate::social::SocialChannels,
    /// Agents.
    pub agents: Vec<Agent>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
    /// Faults active from the start (`[[faults]]`); more can be added at run time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<Fault>,

    // ---- NE behaviours: skill queues, traffic, CDRs, dialer, chat, intents ----
    /// Skill queues calls wait in.
    pub queues: Vec<SkillQueue>,
    /// Access codes (called numbers) and the queue or IVR flow each leads to.
    pub access_codes: Vec<AccessCode>,
    /// Inbound traffic script (off by default).
    pub traffic: Traffic,
    /// Where CC-FS posts the CDR-ready notice after each released call (plain `http://` only), if set.
    pub cdr_callback_url: Option<String>,
    /// The base URL of a registered channel adapter, if set: the web channel then
    /// pushes its chats' downlink messages to `{base}/webhooks/v1/messages`
    /// (`callback.pushMessages`, auth-v2 signed with the scenario's AK/SK; plain
    /// `http://` only) instead of keeping them for polling.
    pub messaging_push_url: Option<String>,
    /// How the CC-iSales dialer dials campaign call data.
    pub dialer: Dialer,
    /// Call data (numbers) of campaigns, dialed while the campaign runs.
    pub campaign_data: Vec<CampaignData>,
    /// The skill queue web chats transferred to an agent wait in.
    pub chat_queue: u32,
    /// The most chats of one chat media type (1 text, 51 web, 53 social) an
    /// agent holds at once (ringing or connected), until the agent sets its own
    /// with `mediacall.setCallNums` (1-60). The reference gives no default: 3.
    pub max_chats: u32,
    /// The chatbot's intents (OIAP `dialog.process`, web-chat robot).
    pub intents: Vec<Intent>,
    /// The chatbot's answer when no intent matches.
    pub fallback_answer: String,

    // ---- How the simulator behaves as the NEs' configuration says ----
    /// CC-Gateway GUID mode, rotation and timeout (`[gateway]`); a value given
    /// here overrides [`crate::SimConfig`]'s.
    #[serde(skip_serializing_if = "GatewaySettings::is_empty")]
    pub gateway: GatewaySettings,
    /// What a state-changing interface the model does not simulate answers:
    /// `"refuse"` (default: HTTP 501 with the NE's envelope, "not simulated") or
    /// `"sample"` (the spec's sample, marked `x-cec-sim-answer: sample`).
    pub unmodelled_writes: Unmodelled,
    /// The C2 dialects the simulated CMS, FS and iSales accept, each
    /// `"<millis|seconds>/<signed headers>"` (e.g. `"seconds/host"`); empty: every
    /// dialect. Lets `cec doctor` and clients be tested against an NE that expects
    /// one C2 form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub c2_accept: Vec<String>,
    /// IVR flows and the business interfaces they invoke (`[ivr]`, see `crate::ivr`).
    #[serde(skip_serializing_if = "crate::ivr::IvrConfig::is_empty")]
    pub ivr: crate::ivr::IvrConfig,
    /// The screen pop-up page the agent workbench opens for a ringing call (`[popup]`).
    pub popup: Option<crate::popup::PopupConfig>,
    /// Files of CC-FS's third-party IVR storage (`[[ivr_files]]`), served by
    /// `ccfs.ivr.downloadFile` and hashed by `ccfs.ivr.getFileHash`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ivr_files: Vec<IvrFile>,

    // ---- Time and history ----
    /// Pins the simulator's clock (RFC 3339 or `YYYY-MM-DD`): it reads this time
    /// until advanced, so the same seed gives the same files and events byte for
    /// byte. `cec sim --clock` overrides it. None: the system clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Finished calls before the simulator's start (`[history]`), generated from
    /// the seed: their CDRs, bill files and recordings are there from the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
}

/// A period of finished calls before the simulator's start (`[history]`): each
/// call waits in a voice queue, then is abandoned or answered by an agent with the
/// skill (some transferred to a second agent); answered calls have recordings.
/// Every choice comes from the seed, every time from the clock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct History {
    /// Calls (spread evenly, with jitter, over the period).
    pub calls: u32,
    /// Length of the period, in hours, ending at the simulator's start.
    pub hours: u32,
    /// Percent of calls the caller gives up while queuing.
    pub abandon_percent: u32,
    /// Percent of answered calls transferred to another agent.
    pub transfer_percent: u32,
    /// Shortest talk time, seconds.
    pub min_talk_secs: u32,
    /// Longest talk time, seconds.
    pub max_talk_secs: u32,
    /// Recordings are the call's talk time long, but at most this many seconds
    /// (keeps an archive of a busy day small: 8 kHz 16-bit WAV is 16 kB/s).
    pub recording_max_secs: u32,
    /// Test knob: the recording-index rows of the first answered calls carry
    /// these values as their call id instead (their file names still point at
    /// the real recordings): a server that sends names unsafe as paths
    /// (`../x`, `/etc/x`, `a\\b`, `CON`). Empty by default.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unsafe_call_ids: Vec<String>,
}

impl Default for History {
    fn default() -> Self {
        History {
            calls: 240,
            hours: 24,
            abandon_percent: 12,
            transfer_percent: 10,
            min_talk_secs: 20,
            max_talk_secs: 600,
            recording_max_secs: 4,
            unsafe_call_ids: Vec::new(),
        }
    }
}

/// A file of the third-party IVR storage: a WAV tone of `millis` ms at its full path.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IvrFile {
    /// Full server path (`/3rdfile/1/thirdvoicebotfile/welcome.wav`).
    pub path: String,
    /// Length of the tone.
    #[serde(default = "default_ivr_millis")]
    pub millis: u64,
    /// Test knob: the bytes served differ (one byte changed) from those
    /// `getFileHash` hashes, as a corrupted copy would.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub corrupt: bool,
}

fn default_ivr_millis() -> u64 {
    1000
}

/// What a state-changing interface the model does not simulate answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unmodelled {
    /// HTTP 501 and the NE's envelope saying the interface is not simulated.
    #[default]
    Refuse,
    /// The spec's sample success, marked with the header `x-cec-sim-answer: sample`.
    Sample,
}

/// CC-Gateway authentication settings (the gateway's `AUTHMODE`, `GUIDINTERVAL`,
/// `GUIDTIMEOUT`). A key left out keeps the [`crate::SimConfig`] value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// `"dynamic"` (`AUTHMODE = 2`: the GUID rotates, sent in `Set-GUID`) or
    /// `"static"` (`AUTHMODE = 1`: the sign-in GUID lasts the whole session).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid_mode: Option<GuidMode>,
    /// Dynamic mode: seconds between rotations (`GUIDINTERVAL`, 60).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid_rotation_secs: Option<u64>,
    /// Seconds a replaced GUID is still accepted (`GUIDTIMEOUT`, 120), each from its own replacement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid_timeout_secs: Option<u64>,
    /// Whether an agent that signs in without `autoanswer` answers calls automatically.
    /// The reference's default is `true`; the simulator's is `false` (calls ring until
    /// `voicecall.answer`) unless this says otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_answer_default: Option<bool>,
}

impl GatewaySettings {
    fn is_empty(&self) -> bool {
        *self == GatewaySettings::default()
    }
}

/// CC-Gateway GUID mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuidMode {
    /// `AUTHMODE = 2`: a new GUID every rotation period.
    Dynamic,
    /// `AUTHMODE = 1`: one GUID per sign-in.
    Static,
}

/// Default of [`Scenario::max_chats`].
pub const DEFAULT_MAX_CHATS: u32 = 3;

fn default_chat_queue() -> u32 {
    2
}

fn default_fallback() -> String {
    "Sorry, I did not understand. Type 'agent' to talk to a person.".into()
}

/// A skill queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SkillQueue {
    /// Skill queue id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Media type code (5 voice, 1 text chat).
    #[serde(default = "default_media")]
    pub media_type: i64,
}

fn default_media() -> i64 {
    5
}

/// An access code: a called number that leads to a skill queue or an IVR flow.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccessCode {
    /// The access code (called number).
    pub code: String,
    /// The skill queue calls to it wait in.
    #[serde(default)]
    pub queue: Option<u32>,
    /// Or the IVR flow id that answers it.
    #[serde(default)]
    pub ivr: Option<String>,
}

/// An inbound traffic script: calls per minute per queue. Seeded: the same seed
/// picks the same callers in the same order.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Traffic {
    /// Off by default so tests stay deterministic.
    #[serde(default)]
    pub enabled: bool,
    /// The flows.
    #[serde(default)]
    pub flows: Vec<TrafficFlow>,
}

/// Inbound calls into one queue.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TrafficFlow {
    /// Skill queue id.
    pub queue: u32,
    /// Calls per minute.
    pub calls_per_minute: f64,
    /// Caller numbers to pick from (empty: generated numbers).
    #[serde(default)]
    pub callers: Vec<String>,
}

/// How campaigns dial.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Dialer {
    /// Milliseconds between two dials of one running campaign; 0 = only when stepped
    /// (`Simulator::dial_step`).
    pub interval_ms: u64,
    /// Percent of attempts the customer answers.
    pub answer_percent: u32,
    /// Percent of attempts that fail with one of `fail_codes` (the rest ring out: `00147`).
    pub fail_percent: u32,
    /// Fail codes (CC-iSales `FailCode` values) failed attempts get, picked by the seed.
    pub fail_codes: Vec<String>,
    /// Attempts per number when no retry policy is set.
    pub max_attempts: u32,
    /// Where CC-iSales posts each call result (plain `http://` only), if set.
    #[serde(default)]
    pub result_callback_url: Option<String>,
    /// Records one `calldata.add` call takes (the tenant parameter
    /// `isales.api.calldata.max`; the reference's default is 20).
    pub calldata_max_per_call: usize,
    /// Milliseconds that must pass between two `calldata.add` calls on one campaign
    /// (the reference: at least 1 s; faster calls get `0200022`).
    pub calldata_min_interval_ms: u64,
    /// Records of a campaign not yet completed (the reference: 200,000).
    pub calldata_max_uncompleted: usize,
}

impl Default for Dialer {
    fn default() -> Self {
        Dialer {
            interval_ms: 1000,
            answer_percent: 70,
            fail_percent: 20,
            fail_codes: vec!["00145".into(), "00129".into(), "00155".into()],
            max_attempts: 1,
            result_callback_url: None,
            calldata_max_per_call: 20,
            calldata_min_interval_ms: 1000,
            calldata_max_uncompleted: 200_000,
        }
    }
}

/// Numbers a campaign dials.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CampaignData {
    /// Campaign id.
    pub campaign: i64,
    /// Called numbers.
    pub numbers: Vec<String>,
}

/// A chatbot intent: any keyword in the input selects it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Intent {
    /// Intent name.
    pub name: String,
    /// Keywords (matched case-insensitively as substrings).
    pub keywords: Vec<String>,
    /// The answer text.
    pub answer: String,
    /// `true`: the dialog transfers to an agent (OIAP outaction 11).
    #[serde(default)]
    pub transfer: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            cc_id: 1,
            vdn: 1,
            ak: "sim-ak".into(),
            sk: "sim-sk-0123456789".into(),
            app_key: "sim-app".into(),
            app_secret: "sim-app-secret".into(),
            oiap_app_key: "tenant001".into(),
            oiap_app_secret: "sim-api-password".into(),
            config_admin_id: 100_001,
            config_admin_password: "sim-config-pass".into(),
            channel_id: "web-channel-1".into(),
            social: crate::social::SocialChannels::default(),
            agents: vec![
                Agent {
                    id: "1001".into(),
                    password: "sim-pass-1001".into(),
                    phone: "70001".into(),
                    skills: vec![1, 2],
                },
                Agent { id: "1002".into(), password: "sim-pass-1002".into(), phone: "70002".into(), skills: vec![1] },
            ],
            campaigns: vec![
                Campaign { id: 501, name: "spring sale".into(), status: 2, device_type: 2, skill: None },
                Campaign { id: 502, name: "renewals".into(), status: 3, device_type: 1, skill: None },
            ],
            faults: Vec::new(),
            queues: vec![
                SkillQueue { id: 1, name: "General".into(), media_type: 5 },
                SkillQueue { id: 2, name: "Web chat".into(), media_type: 1 },
            ],
            access_codes: vec![
                AccessCode { code: "10086".into(), queue: Some(1), ivr: None },
                AccessCode { code: "10087".into(), queue: None, ivr: Some("1001".into()) },
            ],
            traffic: Traffic::default(),
            cdr_callback_url: None,
            messaging_push_url: None,
            dialer: Dialer::default(),
            campaign_data: Vec::new(),
            chat_queue: default_chat_queue(),
            max_chats: DEFAULT_MAX_CHATS,
            intents: vec![
                Intent {
                    name: "human".into(),
                    keywords: vec!["agent".into(), "human".into(), "person".into()],
                    answer: "Transferring you to an agent.".into(),
                    transfer: true,
                },
                Intent {
                    name: "hours".into(),
                    keywords: vec!["hours".into(), "open".into()],
                    answer: "We are open from 9:00 to 18:00, Monday to Friday.".into(),
                    transfer: false,
                },
            ],
            fallback_answer: default_fallback(),
            gateway: GatewaySettings::default(),
            unmodelled_writes: Unmodelled::Refuse,
            c2_accept: Vec::new(),
            ivr: Default::default(),
            popup: None,
            ivr_files: Vec::new(),
            clock: None,
            history: None,
        }
    }
}

/// A scenario file that could not be read or does not describe a scenario.
#[derive(Debug)]
pub struct ScenarioError {
    message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

impl Scenario {
    /// Parses a scenario from TOML text. Unknown keys, wrong types and invalid
    /// faults are errors that name the key and the line.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        let sc: Scenario =
            toml::from_str(text).map_err(|e| ScenarioError { message: format!("invalid scenario: {e}") })?;
        sc.check().map_err(|m| ScenarioError { message: format!("invalid scenario: {m}") })?;
        Ok(sc)
    }

    /// Reads and parses a scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError { message: format!("cannot read scenario file {}: {e}", path.display()) })?;
        Scenario::from_toml(&text)
            .map_err(|e| ScenarioError { message: format!("scenario file {}: {}", path.display(), e.message) })
    }

    /// The scenario as TOML (the format [`Scenario::from_toml`] reads).
    pub fn to_toml(&self) -> Result<String, ScenarioError> {
        toml::to_string(self).map_err(|e| ScenarioError { message: format!("cannot write the scenario: {e}") })
    }

    /// Rules a deserialized scenario must also follow.
    pub(crate) fn check(&self) -> Result<(), String> {
        let mut ids = std::collections::BTreeSet::new();
        for a in &self.agents {
            if !ids.insert(a.id.as_str()) {
                return Err(format!("agent {} is listed twice", a.id));
            }
            match a.id.parse::<u32>() {
                Ok(n) if (101..=999_999).contains(&n) => {}
                _ => return Err(format!("agent id `{}` is not a number in 101..=999999", a.id)),
            }
        }
        let mut campaigns = std::collections::BTreeSet::new();
        for c in &self.campaigns {
            if !campaigns.insert(c.id) {
                return Err(format!("campaign {} is listed twice", c.id));
            }
            if let Some(q) = c.skill
                && !self.queues.iter().any(|s| s.id == q)
            {
                return Err(format!("campaign {}: skill {q} is not a skill queue of the scenario", c.id));
            }
        }
        for (n, f) in self.faults.iter().enumerate() {
            f.check().map_err(|e| format!("faults[{n}]: {e}"))?;
        }
        if self.gateway.guid_rotation_secs == Some(0) {
            return Err("gateway.guid_rotation_secs must be at least 1".into());
        }
        self.c2_dialects()?;
        self.ivr.check()?;
        if let Some(c) = &self.clock {
            crate::clock::parse_clock(c).map_err(|e| format!("clock: {e}"))?;
        }
        if let Some(h) = &self.history {
            if h.hours == 0 {
                return Err("history.hours must be at least 1".into());
            }
            if h.abandon_percent > 100 || h.transfer_percent > 100 {
                return Err("history: percentages must be 0..=100".into());
            }
            if h.min_talk_secs == 0 || h.min_talk_secs > h.max_talk_secs {
                return Err("history: need 1 <= min_talk_secs <= max_talk_secs".into());
            }
        }
        Ok(())
    }

    /// The parsed `c2_accept` list (`None`: every dialect).
    pub fn c2_dialects(&self) -> Result<Option<Vec<cec_core::sign::C2Dialect>>, String> {
        if self.c2_accept.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for (n, d) in self.c2_accept.iter().enumerate() {
            out.push(d.parse().map_err(|e| format!("c2_accept[{n}]: {e}"))?);
        }
        Ok(Some(out))
    }
}
