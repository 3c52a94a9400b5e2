//! Supervisor helpers: one call per question, typed rows, decoded values.
//!
//! ```no_run
//! # async fn run(client: cec_cms::Client) -> Result<(), cec_cms::Error> {
//! let queues = client.queue_status(&[1, 2]).await?;
//! for q in &queues {
//!     println!("queue {}: {} waiting, longest {:?}, {} available", q.skill, q.waiting, q.longest_wait, q.available);
//! }
//! let sl = client.service_level(&[1], std::time::Duration::from_secs(20)).await?;
//! println!("{:?}", sl[0].percent);
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use futures_util::stream::{self, BoxStream};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;

use crate::Error;
use crate::generated::{CtiAgentState, SkillHistoryIndicator, SkillRealtimeIndicator};
use crate::indicators::{Indicator, IndicatorValue, connected_within, logon_time};

/// The most skill ids `skill.rindex` / `hisindex.skill` take per request.
pub const MAX_SKILLS_PER_REQUEST: usize = 1000;
/// The most agent ids `agentstatusinfobyagentids` / `teamagentstatusinfo` take per request.
pub const MAX_AGENTS_PER_REQUEST: usize = 6000;

/// One agent's state.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AgentRow {
    /// Agent id.
    pub agent_id: i64,
    /// Current CTI state.
    #[serde(serialize_with = "state_name")]
    pub state: CtiAgentState,
    /// Time in the current state.
    #[serde(serialize_with = "dur_secs")]
    pub in_state_for: Duration,
    /// Reason code of the current state (busy / rest reasons), when the NE says one.
    pub reason: Option<i64>,
    /// Previous state.
    #[serde(serialize_with = "opt_state_name")]
    pub prev_state: Option<CtiAgentState>,
    /// When the agent signed in; `None` when signed out (CMS's 4294967295000 marker).
    #[serde(serialize_with = "opt_time_ms")]
    pub logon: Option<SystemTime>,
}

/// Agents grouped by state.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct AgentsByState {
    /// Every agent asked for that the NE knows, in the order asked.
    pub agents: Vec<AgentRow>,
}

impl AgentsByState {
    /// The agents in `state`.
    pub fn in_state(&self, state: CtiAgentState) -> impl Iterator<Item = &AgentRow> {
        self.agents.iter().filter(move |a| a.state == state)
    }

    /// How many agents are in each state, by state code (states nobody is in are left out).
    pub fn counts(&self) -> Vec<(CtiAgentState, usize)> {
        let mut by: BTreeMap<i64, usize> = BTreeMap::new();
        for a in &self.agents {
            *by.entry(a.state.code()).or_default() += 1;
        }
        by.into_iter().map(|(c, n)| (CtiAgentState::from_code(c), n)).collect()
    }
}

/// A skill queue right now.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct QueueStatus {
    /// Skill queue id.
    pub skill: i64,
    /// Calls waiting.
    pub waiting: u64,
    /// Longest wait of a call waiting now.
    #[serde(serialize_with = "dur_secs")]
    pub longest_wait: Duration,
    /// Calls of the queue being handled by agents.
    pub handling: u64,
    /// Agents of the queue signed in.
    pub signed_in: u64,
    /// Agents available for a call.
    pub available: u64,
    /// Agents idle.
    pub idle: u64,
    /// Agents talking.
    pub talking: u64,
    /// Agents set busy.
    pub busy: u64,
    /// Agents in after-call work.
    pub wrap_up: u64,
    /// Agents resting.
    pub rest: u64,
    /// Agents learning.
    pub learning: u64,
    /// Calls answered within 20 s in the last 5 minutes.
    pub answered_20s_last_5min: u64,
    /// Values that did not decode as their unit says, or ids this SDK does not know.
    pub other: Vec<(String, IndicatorValue)>,
}

/// A skill queue's service level over today.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceLevel {
    /// Skill queue id.
    pub skill: i64,
    /// The answer-time threshold.
    #[serde(serialize_with = "dur_secs")]
    pub threshold: Duration,
    /// Manual service requests (calls offered).
    pub offered: u64,
    /// Calls answered.
    pub answered: u64,
    /// Calls answered within the threshold.
    pub answered_within: u64,
    /// Calls lost.
    pub abandoned: u64,
    /// `answered_within / offered` in percent; `None` when nothing was offered.
    pub percent: Option<f64>,
}

/// Agent counts of a team (a list of agents).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TeamStatus {
    /// Signed in.
    pub signed_in: u64,
    /// Talking.
    pub talking: u64,
    /// Idle.
    pub idle: u64,
    /// Available for a call.
    pub available: u64,
    /// Set busy.
    pub busy: u64,
    /// In after-call work.
    pub wrap_up: u64,
    /// Resting.
    pub rest: u64,
    /// Learning.
    pub learning: u64,
    /// Occupied.
    pub occupied: u64,
    /// Pre-occupied.
    pub pre_occupied: u64,
    /// Answering (ringing).
    pub answering: u64,
}

/// A configured skill queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkillQueue {
    /// Skill queue id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Media type code (5 voice, 1 chat, …).
    pub media_type: Option<i64>,
}

/// A configured agent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConfiguredAgent {
    /// Agent id (work number).
    pub agent_id: i64,
    /// Name.
    pub name: Option<String>,
    /// Skill ids as the NE lists them.
    pub skills: Option<String>,
}

/// Time segments of a history report (`timeGrain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum TimeGrain {
    /// 15 minutes.
    #[serde(rename = "15MIN")]
    Min15,
    /// 30 minutes.
    #[serde(rename = "30MIN")]
    Min30,
    /// 60 minutes.
    #[serde(rename = "60MIN")]
    Min60,
}

impl TimeGrain {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeGrain::Min15 => "15MIN",
            TimeGrain::Min30 => "30MIN",
            TimeGrain::Min60 => "60MIN",
        }
    }
}

impl std::str::FromStr for TimeGrain {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_uppercase().as_str() {
            "15MIN" | "15" => Ok(TimeGrain::Min15),
            "30MIN" | "30" => Ok(TimeGrain::Min30),
            "60MIN" | "60" => Ok(TimeGrain::Min60),
            _ => {
                Err(cec_core::Error::validation("hisindex.skill", "timeGrain", "must be 15MIN, 30MIN or 60MIN").into())
            }
        }
    }
}

/// The day a history report covers (the reference's `enableOffset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Day {
    /// Today, in the VDN's time zone.
    #[default]
    Today,
    /// The previous day.
    Yesterday,
}

/// One row of a history report: one skill, one interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryRow {
    /// Skill queue id.
    pub skill: i64,
    /// Start of the interval as the NE writes it (`yyyy-MM-dd HH:mm:ss.S`); `None` for a
    /// whole-day report.
    pub interval_start: Option<String>,
    /// The indicators' values in this interval, by indicator id.
    pub values: BTreeMap<String, IndicatorValue>,
}

fn state_name<S: serde::Serializer>(s: &CtiAgentState, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(&state_label(s))
}

fn opt_state_name<S: serde::Serializer>(s: &Option<CtiAgentState>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_str(&state_label(s)),
        None => ser.serialize_none(),
    }
}

fn dur_secs<S: serde::Serializer>(d: &Duration, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_u64(d.as_secs())
}

fn opt_time_ms<S: serde::Serializer>(t: &Option<SystemTime>, ser: S) -> Result<S::Ok, S::Error> {
    match t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(d) => ser.serialize_u64(d.as_millis() as u64),
        None => ser.serialize_none(),
    }
}

/// A short label of a state (`idle`, `talking`, `state 42` for codes this SDK does not know).
pub fn state_label(s: &CtiAgentState) -> String {
    match s {
        CtiAgentState::NotSignedIn => "signed out".into(),
        CtiAgentState::Idle => "idle".into(),
        CtiAgentState::PreOccupied => "pre-occupied".into(),
        CtiAgentState::Occupied => "occupied".into(),
        CtiAgentState::Answering => "ringing".into(),
        CtiAgentState::Talking => "talking".into(),
        CtiAgentState::Working => "working".into(),
        CtiAgentState::Busy => "busy".into(),
        CtiAgentState::Rest => "rest".into(),
        CtiAgentState::Learning => "learning".into(),
        CtiAgentState::Adjusting => "wrap-up".into(),
        other => format!("state {}", other.code()),
    }
}

fn count_of(v: &IndicatorValue) -> Option<u64> {
    v.count()
}

/// `(id, idxs)` pairs of an indicator answer, whichever copy (`resultDesc`, `resultDatas`) the
/// NE filled.
fn id_idxs<'a>(rows: impl Iterator<Item = (Option<i64>, Vec<(Option<&'a str>, Option<&'a Value>)>)>) -> Vec<IdIdxs> {
    rows.filter_map(|(id, idxs)| {
        let id = id?;
        let idxs =
            idxs.into_iter().filter_map(|(i, v)| Some((i?.to_owned(), v.cloned().unwrap_or(Value::Null)))).collect();
        Some((id, idxs))
    })
    .collect()
}

type IdIdxs = (i64, Vec<(String, Value)>);

impl crate::Client {
    fn tenant_param(&self) -> crate::generated::VdnConfiguresSkillsBodyQueryParam {
        crate::generated::VdnConfiguresSkillsBodyQueryParam { cc_id: self.tenant().cc_id, vdn: self.tenant().vdn }
    }

    /// The skill queues configured in the VDN (`vdn.configures_skills`).
    pub async fn skill_queues(&self) -> Result<Vec<SkillQueue>, Error> {
        let r = self.vdn_configures_skills().query_param(self.tenant_param()).send().await?;
        let rows: Vec<SkillQueue> = match (r.result_desc, r.result_datas) {
            (Some(d), _) => d
                .into_iter()
                .filter_map(|q| {
                    Some(SkillQueue { id: q.id?, name: q.name.unwrap_or_default(), media_type: q.media_type })
                })
                .collect(),
            (None, Some(d)) => d
                .into_iter()
                .filter_map(|q| {
                    Some(SkillQueue { id: q.id?, name: q.name.unwrap_or_default(), media_type: q.media_type })
                })
                .collect(),
            (None, None) => Vec::new(),
        };
        Ok(rows)
    }

    /// The agents configured in the VDN (`configures.agents`), 100 per request, as a `Stream`.
    pub fn configured_agents(&self) -> BoxStream<'static, Result<ConfiguredAgent, Error>> {
        const PAGE: i64 = 100;
        let client = self.clone();
        let pages = stream::try_unfold(Some(0i64), move |offset| {
            let client = client.clone();
            async move {
                let Some(offset) = offset else { return Ok::<_, Error>(None) };
                let r = client.configures_agents().offset(offset).limit(PAGE).send().await?;
                let items: Vec<ConfiguredAgent> = match (r.result_desc, r.result_datas) {
                    (Some(d), _) => {
                        d.into_iter().filter_map(|a| configured(a.agent_no, a.agent_name, a.skill_id)).collect()
                    }
                    (None, Some(d)) => {
                        d.into_iter().filter_map(|a| configured(a.agent_no, a.agent_name, a.skill_id)).collect()
                    }
                    (None, None) => Vec::new(),
                };
                let total = r.count.and_then(|c| u64::try_from(c).ok());
                let next = offset + items.len() as i64;
                let more = items.len() as i64 == PAGE && total.is_none_or(|t| (next as u64) < t);
                Ok(Some((items, more.then_some(next))))
            }
        });
        pages.map_ok(|v| stream::iter(v.into_iter().map(Ok::<_, Error>))).try_flatten().boxed()
    }

    /// Each agent's state (`agent.agentstatusinfobyagentids`, 6000 agents per request).
    pub async fn agents_by_state(&self, agent_ids: &[i64]) -> Result<AgentsByState, Error> {
        let mut agents = Vec::with_capacity(agent_ids.len());
        for chunk in agent_ids.chunks(MAX_AGENTS_PER_REQUEST) {
            let r = self.agent_agentstatusinfobyagentids().agent_ids(chunk.to_vec()).send().await?;
            for a in r.result_desc.unwrap_or_default() {
                let Some(agent_id) = a.agent_id else { continue };
                agents.push(AgentRow {
                    agent_id,
                    state: a.current_state.unwrap_or(CtiAgentState::NotSignedIn),
                    in_state_for: Duration::from_secs(
                        a.current_state_time.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    ),
                    reason: a.current_state_reason.filter(|r| *r != 0),
                    prev_state: a.prev_state,
                    logon: a.logon_time.and_then(logon_time),
                });
            }
        }
        Ok(AgentsByState { agents })
    }

    /// Agent counts of a team (`agentgroup.teamagentstatusinfo`); teams larger than 6000
    /// agents are asked in parts and summed.
    pub async fn team_status(&self, agent_ids: &[i64]) -> Result<TeamStatus, Error> {
        let mut t = TeamStatus::default();
        for chunk in agent_ids.chunks(MAX_AGENTS_PER_REQUEST) {
            let r = self.agentgroup_teamagentstatusinfo().agent_ids(chunk.to_vec()).send().await?;
            let n = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
            if let Some(d) = r.result_desc {
                t.signed_in += n(d.login_ed);
                t.talking += n(d.talking);
                t.idle += n(d.idle);
                t.available += n(d.usable);
                t.busy += n(d.set_busy);
                t.wrap_up += n(d.work_substate_begin);
                t.rest += n(d.rest);
                t.learning += n(d.studying);
                t.occupied += n(d.occupy);
                t.pre_occupied += n(d.preoccupy);
                t.answering += n(d.answering);
            }
        }
        Ok(t)
    }

    /// Real-time indicators of skill queues (`skill.rindex`), decoded, one entry per skill.
    pub async fn skill_realtime(
        &self,
        skills: &[i64],
        indicators: &[SkillRealtimeIndicator],
    ) -> Result<Vec<(i64, Vec<(SkillRealtimeIndicator, IndicatorValue)>)>, Error> {
        let ids: Vec<String> = indicators.iter().map(|i| i.id().to_owned()).collect();
        let mut out = Vec::with_capacity(skills.len());
        for chunk in skills.chunks(MAX_SKILLS_PER_REQUEST) {
            let r = self.skill_rindex().skill_ids(chunk.to_vec()).index_ids(ids.clone()).send().await?;
            let rows = match (r.result_desc, r.result_datas) {
                (Some(d), _) => id_idxs(
                    d.iter()
                        .map(|q| (q.id, q.idxs.iter().flatten().map(|i| (i.id.as_deref(), i.val.as_ref())).collect())),
                ),
                (None, Some(d)) => id_idxs(
                    d.iter()
                        .map(|q| (q.id, q.idxs.iter().flatten().map(|i| (i.id.as_deref(), i.val.as_ref())).collect())),
                ),
                (None, None) => Vec::new(),
            };
            for (skill, idxs) in rows {
                let vals = idxs
                    .into_iter()
                    .map(|(id, v)| {
                        let ind = SkillRealtimeIndicator::from_code(&id);
                        let val = ind.decode(&v);
                        (ind, val)
                    })
                    .collect();
                out.push((skill, vals));
            }
        }
        Ok(out)
    }

    /// Each skill queue now: waiting calls, longest wait, agents by state (`skill.rindex`
    /// with all 12 real-time indicators).
    pub async fn queue_status(&self, skills: &[i64]) -> Result<Vec<QueueStatus>, Error> {
        let all: Vec<SkillRealtimeIndicator> =
            SkillRealtimeIndicator::CODES.iter().map(|c| SkillRealtimeIndicator::from_code(c)).collect();
        let rows = self.skill_realtime(skills, &all).await?;
        Ok(rows
            .into_iter()
            .map(|(skill, vals)| {
                let mut q = QueueStatus { skill, ..Default::default() };
                for (ind, v) in vals {
                    use SkillRealtimeIndicator as S;
                    let slot = match &ind {
                        S::CountRealSkillQueue => Some(&mut q.waiting),
                        S::CountRealSkillHandle => Some(&mut q.handling),
                        S::Count20sCallFor5min => Some(&mut q.answered_20s_last_5min),
                        S::CountRealAgentSignIn => Some(&mut q.signed_in),
                        S::CountRealAgentConnect => Some(&mut q.talking),
                        S::CountRealAgentSetIdle => Some(&mut q.idle),
                        S::CountRealAgentUsable => Some(&mut q.available),
                        S::CountRealAgentSetBusy => Some(&mut q.busy),
                        S::CountRealAgentAcw => Some(&mut q.wrap_up),
                        S::CountRealAgentRest => Some(&mut q.rest),
                        S::CountRealAgentStudy => Some(&mut q.learning),
                        _ => None,
                    };
                    match (slot, count_of(&v)) {
                        (Some(slot), Some(n)) => *slot = n,
                        _ if ind == S::DurationSkillMaxQueueAck && v.duration().is_some() => {
                            q.longest_wait = v.duration().unwrap_or_default();
                        }
                        _ => q.other.push((ind.id().to_owned(), v)),
                    }
                }
                q
            })
            .collect())
    }

    /// History indicators of skill queues for `day`, one row per skill and interval of
    /// `grain` (`None`: one row per skill for the whole day) (`hisindex.skill`).
    pub async fn skill_history(
        &self,
        skills: &[i64],
        indicators: &[String],
        day: Day,
        grain: Option<TimeGrain>,
    ) -> Result<Vec<HistoryRow>, Error> {
        let mut out = Vec::new();
        for chunk in skills.chunks(MAX_SKILLS_PER_REQUEST) {
            let mut b = self.hisindex_skill().skill_ids(chunk.to_vec()).index_ids(indicators.to_vec());
            b = b.enable_offset(if day == Day::Yesterday { "Y" } else { "N" }.to_string());
            if let Some(g) = grain {
                b = b.time_grain(g.as_str().to_string());
            }
            let r = b.send().await?;
            let rows = r.result_desc.or(r.result_datas).unwrap_or_default();
            for row in rows {
                let Some(skill) = row.get("id").and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())) else {
                    continue;
                };
                // interval start → indicator → value
                let mut per: BTreeMap<Option<String>, BTreeMap<String, IndicatorValue>> = BTreeMap::new();
                for idx in row.get("idxs").and_then(Value::as_array).into_iter().flatten() {
                    let Some(id) = idx.get("id").and_then(Value::as_str) else { continue };
                    let ind = SkillHistoryIndicator::from_code(id);
                    let unit = crate::indicators::unit_from_id(id);
                    match idx.get("val") {
                        Some(Value::Object(segments)) => {
                            for (start, v) in segments {
                                let val = IndicatorValue::decode(unit, v);
                                per.entry(Some(start.clone())).or_default().insert(ind.id().to_owned(), val);
                            }
                        }
                        Some(v) => {
                            per.entry(None).or_default().insert(ind.id().to_owned(), IndicatorValue::decode(unit, v));
                        }
                        None => {}
                    }
                }
                out.extend(per.into_iter().map(|(interval_start, values)| HistoryRow {
                    skill,
                    interval_start,
                    values,
                }));
            }
        }
        Ok(out)
    }

    /// Today's service level of each skill: calls answered within `threshold` over calls
    /// offered (`hisindex.skill`). `threshold` must be one of the reference's
    /// 3, 5, 10, 15, … 60 seconds.
    pub async fn service_level(&self, skills: &[i64], threshold: Duration) -> Result<Vec<ServiceLevel>, Error> {
        let n = u32::try_from(threshold.as_secs()).unwrap_or(u32::MAX);
        if Duration::from_secs(u64::from(n)) != threshold {
            return Err(
                cec_core::Error::validation("hisindex.skill", "indexIds", "threshold must be whole seconds").into()
            );
        }
        let within = connected_within(n)?;
        let ids = vec![
            SkillHistoryIndicator::CountSkillRequest.code().to_owned(),
            SkillHistoryIndicator::CountSkillConnected.code().to_owned(),
            SkillHistoryIndicator::CountSkillAbandon.code().to_owned(),
            within.clone(),
        ];
        let rows = self.skill_history(skills, &ids, Day::Today, None).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let get = |id: &str| r.values.get(id).and_then(IndicatorValue::count).unwrap_or(0);
                let offered = get(&ids[0]);
                let answered_within = get(&within);
                ServiceLevel {
                    skill: r.skill,
                    threshold,
                    offered,
                    answered: get(&ids[1]),
                    answered_within,
                    abandoned: get(&ids[2]),
                    percent: (offered > 0).then(|| answered_within as f64 * 100.0 / offered as f64),
                }
            })
            .collect())
    }
}

fn configured(no: Option<String>, name: Option<String>, skills: Option<String>) -> Option<ConfiguredAgent> {
    Some(ConfiguredAgent { agent_id: no?.trim().parse().ok()?, name, skills })
}
