//! CC-CMS: real-time and history indicators computed from the one model
//! (agent states, queue waiting counts, call records).

use serde_json::{Value, json};

use super::queues::CallRecord;
use super::{Cti, Model, Shared, now_ms};
use crate::api::{Reply, Req, Route};

/// The CMS success envelope with the legacy copy.
fn cms_ok(v: Value) -> Reply {
    Reply::ok(json!({ "result": "0", "resultCode": "0100000", "resultDesc": v.clone(), "resultDatas": v }))
}

/// `CONNECTED_IN_(20)` → 20.
fn within(id: &str, prefix: &str) -> Option<u64> {
    id.strip_prefix(prefix)?.strip_prefix("(")?.strip_suffix(")")?.parse().ok()
}

/// Far-future logon time CMS reports for agents that are not signed in (year 2106).
const NOT_SIGNED_IN: i64 = 4_294_967_295_000;

impl Shared {
    /// A CMS body's `vdn` is the scenario's (or absent).
    fn cms_vdn_ok(&self, vdn: Option<i64>) -> bool {
        vdn.is_none_or(|v| v == self.config.scenario.vdn)
    }

    /// `agent.agentstatusinfobyagentids`: each agent's CTI state and times.
    pub(super) fn cms_agent_states(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::AgentAgentstatusinfobyagentidsBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let rows: Vec<Value> = if self.cms_vdn_ok(b.vdn) {
            b.agent_ids.unwrap_or_default().iter().filter_map(|id| self.agent_status_row(&m, *id)).collect()
        } else {
            Vec::new()
        };
        cms_ok(json!(rows))
    }

    /// `agentgroup.teamagentstatusinfo`: counts of the signed-in agents by state.
    pub(super) fn cms_team_states(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::AgentgroupTeamagentstatusinfoBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let vdn_ok = self.cms_vdn_ok(b.vdn);
        let states: Vec<Cti> = b
            .agent_ids
            .unwrap_or_default()
            .iter()
            .filter(|_| vdn_ok)
            .filter_map(|id| m.agents.get(&id.to_string()))
            .filter(|a| a.signed_in)
            .map(|a| a.state)
            .collect();
        let n = |s: &[Cti]| states.iter().filter(|x| s.contains(x)).count();
        cms_ok(json!({
            "loginEd": states.len(), "talking": n(&[Cti::Talking]), "idle": n(&[Cti::Idle]),
            "usable": n(&[Cti::Idle]), "setBusy": n(&[Cti::Busy]), "workSubstateBegin": n(&[Cti::Adjusting, Cti::Working]),
            "rest": n(&[Cti::Rest]), "studying": n(&[Cti::Learning]), "occupy": n(&[Cti::Occupied]),
            "preoccupy": n(&[Cti::PreOccupied]), "answering": n(&[Cti::Answering])
        }))
    }

    /// `skill.rindex`: the 12 documented real-time skill indicators.
    pub(super) fn cms_skill_realtime(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::SkillRindexBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let vdn_ok = self.cms_vdn_ok(b.vdn);
        let indexes = b.index_ids.unwrap_or_default();
        let rows: Vec<Value> = b
            .skill_ids
            .unwrap_or_default()
            .iter()
            .filter(|_| vdn_ok)
            .map(|q| {
                let idxs: Vec<Value> = indexes
                    .iter()
                    .map(|i| json!({ "id": i, "val": self.skill_realtime(&m, *q as u32, i).to_string() }))
                    .collect();
                json!({ "id": q, "idxs": idxs })
            })
            .collect();
        cms_ok(json!(rows))
    }

    /// `vdn.rindex`: real-time VDN indicators.
    pub(super) fn cms_vdn_realtime(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::VdnRindexBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let indexes = b.index_ids.unwrap_or_default();
        let rows: Vec<Value> = b
            .vdn_ids
            .unwrap_or_default()
            .iter()
            .map(|v| {
                let idxs: Vec<Value> = indexes
                    .iter()
                    .map(|i| {
                        let val = if *v == self.config.scenario.vdn { vdn_realtime(&m, i) } else { 0 };
                        json!({ "id": i, "val": val })
                    })
                    .collect();
                json!({ "id": v.to_string(), "idxs": idxs })
            })
            .collect();
        cms_ok(json!(rows))
    }

    /// `skill.queuedevicestatus`: the calls waiting in a skill queue.
    pub(super) fn cms_queue_devices(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::SkillQueuedevicestatusBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let q = b.skill_id.and_then(|q| u32::try_from(q).ok()).unwrap_or(0);
        let rows: Vec<Value> = m
            .queues
            .waiting
            .get(&q)
            .filter(|_| self.cms_vdn_ok(b.vdn))
            .map(|w| w.iter().map(|c| json!({ "callId": c, "customerLevel": 1, "requestType": 0 })).collect())
            .unwrap_or_default();
        cms_ok(json!(rows))
    }

    fn agent_calls(&self, agent: Option<i64>) -> Vec<String> {
        let m = self.lock();
        let id = agent.unwrap_or(0).to_string();
        m.agents.get(&id).map(|a| a.call.iter().chain(&a.chats).cloned().collect()).unwrap_or_default()
    }

    /// `agent.queryagentcalls`: the agent's call ids.
    pub(super) fn cms_agent_calls(&self, route: &Route, req: &Req) -> Reply {
        match req.body_as::<cec_cms::generated::AgentQueryagentcallsBody>(route) {
            Ok(b) => cms_ok(json!(self.agent_calls(b.agent_id))),
            Err(r) => r,
        }
    }

    /// `calldata.isprocesscall`: whether the agent is on a call.
    pub(super) fn cms_is_process_call(&self, route: &Route, req: &Req) -> Reply {
        match req.body_as::<cec_cms::generated::CalldataIsprocesscallBody>(route) {
            Ok(b) => cms_ok(json!(!self.agent_calls(b.query_param.and_then(|q| q.agent_id)).is_empty())),
            Err(r) => r,
        }
    }

    /// `vdn.configures_skills`: the scenario's skill queues.
    pub(super) fn cms_vdn_skills(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::VdnConfiguresSkillsBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let rows: Vec<Value> = self
            .config
            .scenario
            .queues
            .iter()
            .filter(|_| self.cms_vdn_ok(b.query_param.as_ref().and_then(|q| q.vdn)))
            .map(|q| json!({ "id": q.id, "mediaType": q.media_type, "name": q.name }))
            .collect();
        cms_ok(json!(rows))
    }

    /// `configures.agents`: the scenario's agents, `offset` / `limit` from the path.
    pub(super) fn cms_configured_agents(&self, _route: &Route, req: &Req) -> Reply {
        let offset: usize = req.param("offset").parse().unwrap_or(0);
        let limit: usize = req.param("limit").parse::<usize>().unwrap_or(100).clamp(1, 100);
        let own = req.param("vdn").parse::<i64>().is_ok_and(|v| v == self.config.scenario.vdn);
        let agents = &self.config.scenario.agents;
        let rows: Vec<Value> = agents
            .iter()
            .filter(|_| own)
            .skip(offset)
            .take(limit)
            .map(|a| {
                let skills: Vec<String> = a.skills.iter().map(u32::to_string).collect();
                json!({ "agentNo": a.id, "agentName": format!("Agent {}", a.id), "roleId": "1", "skillId": skills.join(",") })
            })
            .collect();
        let count = if own { agents.len() } else { 0 };
        Reply::ok(
            json!({ "result": "0", "resultCode": "0100000", "count": count, "resultDesc": rows.clone(), "resultDatas": rows }),
        )
    }

    /// `hisindex.skill`: history indicators of skill queues from finished calls.
    pub(super) fn cms_skill_history(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::HisindexSkillBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let grain = grain_ms(b.time_grain.as_deref());
        let yesterday = b.enable_offset.as_deref() == Some("Y");
        let vdn_ok = self.cms_vdn_ok(b.vdn);
        let indexes = b.index_ids.unwrap_or_default();
        let rows: Vec<Value> = b
            .skill_ids
            .unwrap_or_default()
            .iter()
            .filter(|_| vdn_ok)
            .map(|q| {
                // The simulator's records are all of today: yesterday's report is empty.
                let calls: Vec<&CallRecord> =
                    m.queues.records.values().filter(|r| !yesterday && r.skill == Some(*q as u32)).collect();
                let idxs: Vec<Value> = indexes
                    .iter()
                    .map(|i| json!({ "id": i, "val": segmented(&calls, grain, |c| skill_history(c, i)) }))
                    .collect();
                json!({ "id": q, "idxs": idxs })
            })
            .collect();
        cms_ok(json!(rows))
    }

    /// `hisindex.agent`: history indicators of agents.
    pub(super) fn cms_agent_history(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::HisindexAgentBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let grain = b.time_grain.is_some();
        let vdn_ok = self.cms_vdn_ok(b.vdn);
        let indexes = b.index_ids.unwrap_or_default();
        let rows: Vec<Value> = b
            .agent_ids
            .unwrap_or_default()
            .iter()
            .filter(|_| vdn_ok)
            .map(|a| {
                let id = a.to_string();
                let idxs: Vec<Value> = indexes
                    .iter()
                    .map(|i| json!({ "id": i, "val": history_val(agent_history(&m, &id, i), grain) }))
                    .collect();
                json!({ "id": a, "idxs": idxs })
            })
            .collect();
        cms_ok(json!(rows))
    }

    /// `hisindex.vdn`: history indicators of the VDN.
    pub(super) fn cms_vdn_history(&self, route: &Route, req: &Req) -> Reply {
        let b: cec_cms::generated::HisindexVdnBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let m = self.lock();
        let grain = b.time_grain.is_some();
        let indexes = b.index_ids.unwrap_or_default();
        let rows: Vec<Value> = b
            .vdn_ids
            .unwrap_or_default()
            .iter()
            .map(|v| {
                let own = *v == self.config.scenario.vdn;
                let calls: Vec<&CallRecord> = m.queues.records.values().filter(|_| own).collect();
                let idxs: Vec<Value> = indexes
                    .iter()
                    .map(|i| json!({ "id": i, "val": history_val(vdn_history(&calls, i), grain) }))
                    .collect();
                json!({ "id": v.to_string(), "idxs": idxs })
            })
            .collect();
        cms_ok(json!(rows))
    }

    fn agent_status_row(&self, m: &Model, id: i64) -> Option<Value> {
        let a = m.agents.get(&id.to_string())?;
        let t = m.queues.agents.get(&id.to_string()).cloned().unwrap_or_default();
        let now = self.clock.now_ms();
        let current_secs = if t.since_ms == 0 { 0 } else { now.saturating_sub(t.since_ms) / 1000 };
        let logon = if a.signed_in { t.logon_ms as i64 } else { NOT_SIGNED_IN };
        Some(json!({
            "agentId": id, "locationId": 0, "currentState": a.state, "currentStateReason": 0,
            "currentStateTime": current_secs, "prevState": t.prev_state, "prevStateTime": t.prev_secs,
            "logonTime": logon, "agentRelease": 0, "currentPrivateCallNum": 0
        }))
    }

    fn skill_realtime(&self, m: &Model, q: u32, id: &str) -> u64 {
        let in_skill = |s: &[Cti]| {
            m.agents.values().filter(|a| a.signed_in && a.skills.contains(&q) && s.contains(&a.state)).count() as u64
        };
        let now = self.clock.now_ms();
        match id {
            "IDX_COUNT_REAL_SKILL_QUEUE" => m.queues.waiting.get(&q).map(|w| w.len() as u64).unwrap_or(0),
            "IDX_COUNT_REAL_SKILL_HANDLE" => {
                m.queues.records.values().filter(|r| r.skill == Some(q) && r.agent.is_some() && !r.finished()).count()
                    as u64
            }
            "IDX_DURATION_SKILL_MAX_QUEUE_ACK" => m
                .queues
                .waiting
                .get(&q)
                .map(|w| w.iter().filter_map(|c| m.queues.records.get(c)).map(|r| r.wait_ms(now)).max().unwrap_or(0))
                .unwrap_or(0),
            "IDX_COUNT_20S_CALL_FOR_5MIN" => m
                .queues
                .records
                .values()
                .filter(|r| r.skill == Some(q))
                .filter(|r| r.answered_ms.is_some_and(|a| now.saturating_sub(a) <= 300_000))
                .filter(|r| r.wait_ms(now) <= 20_000)
                .count() as u64,
            "IDX_COUNT_REAL_AGENT_SIGN_IN" => {
                m.agents.values().filter(|a| a.signed_in && a.skills.contains(&q)).count() as u64
            }
            "IDX_COUNT_REAL_AGENT_CONNECT" => in_skill(&[Cti::Talking]),
            "IDX_COUNT_REAL_AGENT_SET_IDLE" | "IDX_COUNT_REAL_AGENT_USABLE" => in_skill(&[Cti::Idle]),
            "IDX_COUNT_REAL_AGENT_SET_BUSY" => in_skill(&[Cti::Busy]),
            "IDX_COUNT_REAL_AGENT_ACW" => in_skill(&[Cti::Adjusting, Cti::Working]),
            "IDX_COUNT_REAL_AGENT_REST" => in_skill(&[Cti::Rest]),
            "IDX_COUNT_REAL_AGENT_STUDY" => in_skill(&[Cti::Learning]),
            _ => 0,
        }
    }
}

fn vdn_realtime(m: &Model, id: &str) -> u64 {
    match id {
        "IDX_COUNT_REAL_VDN_CONNECT" => m.calls.values().filter(|c| c.state == "talking").count() as u64,
        "IDX_COUNT_REAL_VDN_CALL" => m.queues.records.values().filter(|r| !r.finished()).count() as u64,
        _ => 0,
    }
}

/// History values: a bare number for the whole day, or a map of segment start to
/// a value string with `timeGrain` (one segment: today).
fn history_val(n: u64, grain: bool) -> Value {
    if !grain {
        return json!(n);
    }
    let (y, mo, d, ..) = super::cdr::civil(now_ms() as u64);
    json!({ format!("{y:04}-{mo:02}-{d:02} 00:00:00.0"): n.to_string() })
}

/// The length of a `timeGrain` segment in milliseconds (`None`: the whole day).
fn grain_ms(grain: Option<&str>) -> Option<u64> {
    match grain? {
        "15MIN" => Some(15 * 60_000),
        "30MIN" => Some(30 * 60_000),
        "60MIN" => Some(60 * 60_000),
        _ => None,
    }
}

/// A history value over `calls`: a bare number for the whole day, or with a grain a map
/// of each segment start (`yyyy-MM-dd HH:mm:ss.0`, from today's first call to now) to the
/// value of the calls that entered in it, as a string.
fn segmented(calls: &[&CallRecord], grain: Option<u64>, f: impl Fn(&[&CallRecord]) -> u64) -> Value {
    let Some(g) = grain else { return json!(f(calls)) };
    let now = now_ms() as u64;
    let day_start = now - now % 86_400_000;
    let start = |r: &CallRecord| r.queued_ms.or(r.offered_ms).unwrap_or(now);
    let mut out = serde_json::Map::new();
    let mut seg = day_start;
    while seg <= now {
        let inside: Vec<&CallRecord> = calls.iter().copied().filter(|r| (seg..seg + g).contains(&start(r))).collect();
        if !inside.is_empty() || seg + g > now {
            out.insert(format!("{}.0", super::cdr::datetime(seg)), json!(f(&inside).to_string()));
        }
        seg += g;
    }
    Value::Object(out)
}

fn skill_history(calls: &[&CallRecord], id: &str) -> u64 {
    let done = || calls.iter().filter(|r| r.finished());
    let count = |f: &dyn Fn(&CallRecord) -> bool| calls.iter().filter(|r| f(r)).count() as u64;
    let lost = |r: &CallRecord| r.finished() && !r.answered();
    if let Some(n) = within(id, "IDX_COUNT_SKILL_CONNECTED_IN_") {
        return count(&|r| r.answered() && r.wait_ms(0) <= n * 1000);
    }
    if let Some(n) = within(id, "IDX_COUNT_SKILL_ABANDON_IN_") {
        return count(&|r| lost(r) && r.wait_ms(0) <= n * 1000);
    }
    match id {
        "IDX_COUNT_SKILL_REQUEST" => calls.len() as u64,
        "IDX_COUNT_SKILL_INCOMING_CALL" => count(&|r| r.media_type == 5),
        "IDX_COUNT_SKILL_CONNECTED" => count(&|r| r.answered()),
        "IDX_COUNT_SKILL_ABANDON" => count(&lost),
        "IDX_COUNT_SKILL_USER_ABANDON" => count(&|r| lost(r) && r.agent.is_none()),
        "IDX_COUNT_SKILL_LOST_RING" => count(&|r| lost(r) && r.agent.is_some()),
        "IDX_DURATION_SKILL_AVG_ABANDON_ACK" => {
            let waits: Vec<u64> = done().filter(|r| !r.answered()).map(|r| r.wait_ms(0)).collect();
            if waits.is_empty() { 0 } else { waits.iter().sum::<u64>() / waits.len() as u64 }
        }
        _ => 0,
    }
}

fn agent_history(m: &Model, agent: &str, id: &str) -> u64 {
    let calls = || m.queues.records.values().filter(move |r| r.agent.as_deref() == Some(agent));
    let t = m.queues.agents.get(agent).cloned().unwrap_or_default();
    match id {
        "IDX_COUNT_AGENT_SIGN_IN" => t.sign_ins,
        "IDX_COUNT_AGENT_CONNECTED" => calls().filter(|r| r.direction == "in" && r.answered()).count() as u64,
        "IDX_COUNT_AGENT_CALL_OUT" => calls().filter(|r| r.direction == "out" && r.answered()).count() as u64,
        "IDX_COUNT_AGENT_COLLATION" | "IDX_COUNT_AGENT_COLLATION_CALL_IN" => t.wrap_ups,
        "IDX_COUNT_AGENT_SET_BUSY" => t.set_busy,
        "IDX_COUNT_AGENT_REQUEST" => calls().filter(|r| r.direction == "in").count() as u64,
        "IDX_COUNT_AGENT_ABANDON" => calls().filter(|r| r.finished() && !r.answered()).count() as u64,
        _ => 0,
    }
}

fn vdn_history(calls: &[&CallRecord], id: &str) -> u64 {
    let count = |f: &dyn Fn(&CallRecord) -> bool| calls.iter().filter(|r| f(r)).count() as u64;
    match id {
        "IDX_COUNT_TOTAL_CALL" => calls.len() as u64,
        "IDX_COUNT_CONNECTED_CALL" => count(&|r| r.answered()),
        "IDX_COUNT_ABANDONED_CALL" => count(&|r| r.finished() && !r.answered()),
        "IDX_COUNT_INBOUND_CALL" => count(&|r| r.direction == "in"),
        "IDX_COUNT_INBOUND_CONNECTED" => count(&|r| r.direction == "in" && r.answered()),
        _ => 0,
    }
}
