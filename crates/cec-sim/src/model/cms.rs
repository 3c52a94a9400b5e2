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

fn ints(body: &Value, key: &str) -> Vec<i64> {
    body.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_i64).collect()).unwrap_or_default()
}

fn strings(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// `CONNECTED_IN_(20)` → 20.
fn within(id: &str, prefix: &str) -> Option<u64> {
    id.strip_prefix(prefix)?.strip_prefix("(")?.strip_suffix(")")?.parse().ok()
}

/// Far-future logon time CMS reports for agents that are not signed in (year 2106).
const NOT_SIGNED_IN: i64 = 4_294_967_295_000;

impl Shared {
    /// Serves the CMS interfaces that read the model; `None`: the spec's sample.
    pub(super) fn cms(&self, _route: &Route, req: &Req) -> Option<Reply> {
        let b = &req.body;
        let m = self.lock();
        let vdn_ok = b.get("vdn").and_then(Value::as_i64).is_none_or(|v| v == self.config.scenario.vdn);
        let reply = match _route.id() {
            "agent.agentstatusinfobyagentids" => {
                let rows: Vec<Value> = if vdn_ok {
                    ints(b, "agentIds").iter().filter_map(|id| self.agent_status_row(&m, *id)).collect()
                } else {
                    Vec::new()
                };
                cms_ok(json!(rows))
            }
            "agentgroup.teamagentstatusinfo" => {
                let ids = ints(b, "agentIds");
                let states: Vec<Cti> = ids
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
                    "rest": n(&[Cti::Rest]), "studying": n(&[Cti::Learning]), "occupy": n(&[Cti::Occupied]), "preoccupy": n(&[Cti::PreOccupied]),
                    "answering": n(&[Cti::Answering])
                }))
            }
            "skill.rindex" => {
                let rows: Vec<Value> = ints(b, "skillIds")
                    .iter()
                    .filter(|_| vdn_ok)
                    .map(|q| {
                        let idxs: Vec<Value> = strings(b, "indexIds")
                            .iter()
                            .map(|i| json!({ "id": i, "val": self.skill_realtime(&m, *q as u32, i).to_string() }))
                            .collect();
                        json!({ "id": q, "idxs": idxs })
                    })
                    .collect();
                cms_ok(json!(rows))
            }
            "vdn.rindex" => {
                let rows: Vec<Value> = ints(b, "vdnIds")
                    .iter()
                    .map(|v| {
                        let idxs: Vec<Value> = strings(b, "indexIds")
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
            "skill.queuedevicestatus" => {
                let q = b.get("skillId").and_then(Value::as_i64).unwrap_or(0) as u32;
                let rows: Vec<Value> = m
                    .queues
                    .waiting
                    .get(&q)
                    .filter(|_| vdn_ok)
                    .map(|w| w.iter().map(|c| json!({ "callId": c, "customerLevel": 1, "requestType": 0 })).collect())
                    .unwrap_or_default();
                cms_ok(json!(rows))
            }
            "agent.queryagentcalls" | "calldata.isprocesscall" => {
                let id = b.get("agentId").and_then(Value::as_i64).unwrap_or(0).to_string();
                let calls: Vec<String> = m.agents.get(&id).and_then(|a| a.call.clone()).into_iter().collect();
                if _route.id() == "calldata.isprocesscall" {
                    cms_ok(json!(!calls.is_empty()))
                } else {
                    cms_ok(json!(calls))
                }
            }
            "vdn.configures_skills" => {
                let rows: Vec<Value> = self
                    .config
                    .scenario
                    .queues
                    .iter()
                    .filter(|_| vdn_ok)
                    .map(|q| json!({ "id": q.id, "mediaType": q.media_type, "name": q.name }))
                    .collect();
                cms_ok(json!(rows))
            }
            "hisindex.skill" => {
                let grain = b.get("timeGrain").and_then(Value::as_str).is_some();
                let rows: Vec<Value> = ints(b, "skillIds")
                    .iter()
                    .filter(|_| vdn_ok)
                    .map(|q| {
                        let calls: Vec<&CallRecord> =
                            m.queues.records.values().filter(|r| r.skill == Some(*q as u32)).collect();
                        let idxs: Vec<Value> = strings(b, "indexIds")
                            .iter()
                            .map(|i| json!({ "id": i, "val": history_val(skill_history(&calls, i), grain) }))
                            .collect();
                        json!({ "id": q, "idxs": idxs })
                    })
                    .collect();
                cms_ok(json!(rows))
            }
            "hisindex.agent" => {
                let grain = b.get("timeGrain").and_then(Value::as_str).is_some();
                let rows: Vec<Value> = ints(b, "agentIds")
                    .iter()
                    .filter(|_| vdn_ok)
                    .map(|a| {
                        let id = a.to_string();
                        let idxs: Vec<Value> = strings(b, "indexIds")
                            .iter()
                            .map(|i| json!({ "id": i, "val": history_val(agent_history(&m, &id, i), grain) }))
                            .collect();
                        json!({ "id": a, "idxs": idxs })
                    })
                    .collect();
                cms_ok(json!(rows))
            }
            "hisindex.vdn" => {
                let grain = b.get("timeGrain").and_then(Value::as_str).is_some();
                let rows: Vec<Value> = ints(b, "vdnIds")
                    .iter()
                    .map(|v| {
                        let own = *v == self.config.scenario.vdn;
                        let calls: Vec<&CallRecord> = m.queues.records.values().filter(|_| own).collect();
                        let idxs: Vec<Value> = strings(b, "indexIds")
                            .iter()
                            .map(|i| json!({ "id": i, "val": history_val(vdn_history(&calls, i), grain) }))
                            .collect();
                        json!({ "id": v.to_string(), "idxs": idxs })
                    })
                    .collect();
                cms_ok(json!(rows))
            }
            _ => return None,
        };
        Some(reply)
    }

    fn agent_status_row(&self, m: &Model, id: i64) -> Option<Value> {
        let a = m.agents.get(&id.to_string())?;
        let t = m.queues.agents.get(&id.to_string()).cloned().unwrap_or_default();
        let now = now_ms() as u64;
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
        let now = now_ms() as u64;
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
