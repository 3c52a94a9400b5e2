//! CC-Gateway queries answered from the model, and call data: the agent's
//! skills, the VDN's skill queues and IVR flows, a call's information, the
//! hold list, and the data `setCallDataEx` stores (which `appdata` reads).

use serde_json::{Value, json};

use super::{CallRt, Model, Shared, gw_ok};
use crate::api::{Reply, Req, Route, failure};

impl Shared {
    fn skill_json(&self, id: u32) -> Value {
        let q = self.config.scenario.queues.iter().find(|q| q.id == id);
        json!({
            "id": id,
            "name": q.map(|q| q.name.clone()).unwrap_or_else(|| format!("skill {id}")),
            "mediatype": q.map(|q| q.media_type).unwrap_or(5)
        })
    }

    /// `agentskills` (the agent's own) and `agentskillsbyworkno/{workno}`: the skill
    /// queues the agent is signed in to (`resetskill`).
    pub(super) fn agent_skills(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let target = if route.id() == "onlineagent.agentskillsbyworkno" { req.param("workno") } else { &id };
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        if !self.config.scenario.agents.iter().any(|a| a.id == target) {
            return failure(route, "000-002", "workno is not an agent of this VDN");
        }
        let skills: Vec<u32> =
            m.agents.get(target).filter(|a| a.signed_in).map(|a| a.skills.clone()).unwrap_or_default();
        Reply::ok(gw_ok(json!(skills.into_iter().map(|s| self.skill_json(s)).collect::<Vec<_>>())))
    }

    /// `queuedevice.agentVdnSkill`: every skill queue of the VDN (the scenario's queues).
    pub(super) fn vdn_skills(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let rows: Vec<Value> = self.config.scenario.queues.iter().map(|q| self.skill_json(q.id)).collect();
        Reply::ok(gw_ok(json!(rows)))
    }

    /// `queuedevice.ivrInfo`: the VDN's IVR flows (the scenario's access codes that lead to one).
    pub(super) fn ivr_info(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let rows: Vec<Value> = self
            .config
            .scenario
            .access_codes
            .iter()
            .filter_map(|a| a.ivr.as_ref().map(|ivr| (a, ivr)))
            .map(|(a, ivr)| {
                let flow: Value = ivr.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(ivr));
                json!({ "access": a.code, "id": flow, "description": format!("IVR flow {ivr}") })
            })
            .collect();
        Reply::ok(gw_ok(json!(rows)))
    }

    /// The call the agent names (`callid`), else its active call; it must be one of its calls.
    fn agent_call(&self, m: &Model, agent: &str, named: Option<&str>) -> Option<String> {
        let a = m.agents.get(agent)?;
        match named.filter(|c| !c.is_empty()) {
            Some(c) if a.holds(c) => Some(c.to_owned()),
            Some(_) => None,
            None => a.call.clone().or_else(|| a.chats.first().cloned()),
        }
    }

    /// `setCallDataEx`: stores the call's data (base64 when `isDataEncoded`).
    pub(super) fn set_call_data(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let b: cec_gateway::generated::CalldataSetCallDataExBody = match req.body_as(route) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let data = b.calldata.map(|d| d.expose_str().to_owned()).unwrap_or_default();
        let data = if b.is_data_encoded == Some(true) {
            match base64_decode(&data).and_then(|d| String::from_utf8(d).ok()) {
                Some(d) => d,
                None => return failure(route, "000-002", "calldata is not base64 of UTF-8 text (isDataEncoded)"),
            }
        } else {
            data
        };
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let Some(call) = self.agent_call(&m, &id, b.callid.as_deref()) else {
            return failure(route, "400-001", "the agent has no call with this call id");
        };
        m.call_data.insert(call, data);
        Reply::ok(gw_ok(json!({})))
    }

    /// `appdata`: the data `setCallDataEx` stored for the call (`""` when none).
    pub(super) fn app_data(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let encode = req.query("isEncodeResult") == Some("true");
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let Some(call) = self.agent_call(&m, &id, req.query("callId")) else {
            return failure(route, "100-007", "the agent has no call with this call id");
        };
        let data = m.call_data.get(&call).cloned().unwrap_or_default();
        Reply::ok(gw_ok(json!(if encode { base64_encode(data.as_bytes()) } else { data })))
    }

    /// A call as `callinfo` and `holdlist` describe it.
    fn call_info_json(&self, m: &Model, c: &CallRt) -> Value {
        let rec = m.queues.records.get(&c.id);
        let skill = rec.and_then(|r| r.skill);
        let name = skill
            .and_then(|s| self.config.scenario.queues.iter().find(|q| q.id == s))
            .map(|q| q.name.clone())
            .unwrap_or_default();
        let outbound = c.kind == "callout" || rec.is_some_and(|r| r.direction == "out");
        json!({
            "callfeature": if outbound { 7 } else { 0 },
            "callid": c.id, "caller": c.caller, "called": c.called,
            "callskill": name, "callskillid": skill.map(i64::from).unwrap_or(0),
            "orgicallednum": c.called,
            "calldata": m.call_data.get(&c.id).cloned().unwrap_or_default(),
            "begintime": rec.and_then(|r| r.queued_ms.or(r.offered_ms)).unwrap_or(self.clock.now_ms()),
            "endtime": 0,
            "mediaType": rec.map(|r| r.media_type).unwrap_or(5)
        })
    }

    /// `callinfo`: the agent's active call.
    pub(super) fn call_info(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let active = m.agents.get(&id).and_then(|a| a.call.as_ref().or(a.chats.first()));
        let Some(c) = active.and_then(|c| m.calls.get(c)) else {
            return failure(route, "100-007", "the agent has no call");
        };
        Reply::ok(gw_ok(self.call_info_json(&m, c)))
    }

    /// `holdlist`: the agent's held calls, oldest first.
    pub(super) fn hold_list(&self, route: &Route, req: &Req) -> Reply {
        let id = req.param("agentid").to_owned();
        let mut m = self.lock();
        if let Err(r) = self.signed_in(&mut m, route, &id) {
            return r;
        }
        let held: Vec<Value> = m
            .agents
            .get(&id)
            .map(|a| a.held.iter().filter_map(|h| m.calls.get(h)).map(|c| self.call_info_json(&m, c)).collect())
            .unwrap_or_default();
        Reply::ok(gw_ok(json!(held)))
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 (padding optional); `None` when it is not base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u32> = text
        .trim()
        .trim_end_matches('=')
        .bytes()
        .map(|c| B64.iter().position(|x| *x == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    if digits.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, d)| n | (d << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "订单 42"] {
            let e = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&e).as_deref(), Some(text.as_bytes()), "{text}");
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_decode("not base64!"), None);
    }
}
