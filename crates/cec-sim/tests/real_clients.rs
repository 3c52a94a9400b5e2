//! The simulator as a real client sees it (issue 18): lenient where the NEs are
//! lenient (numbers and booleans sent as text), exact where clients are exact
//! (`Set-GUID` byte for byte), GUID modes, and no silent success that changes
//! nothing. Requests are raw JSON, as Huawei's own Java demo sends them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use cec_sim::{CtiAgentState, GuidMode, Scenario, SimConfig, Simulator, Unmodelled};
use common::{Raw, fast, http, send, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One agent driven with raw requests; the GUID follows every `Set-GUID`.
struct Agent<'a> {
    sim: &'a Simulator,
    id: String,
    guid: String,
}

impl<'a> Agent<'a> {
    /// Signs the scenario's agent `n` in with `extra` merged into the documented body.
    async fn sign_in(sim: &'a Simulator, n: usize, extra: Value) -> (Agent<'a>, Raw) {
        let a = &sim.scenario().agents[n];
        let mut body = json!({ "password": a.password, "phonenum": a.phone });
        if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
            b.extend(e);
        }
        let r = send(
            http()
                .put(format!("{}/agentgateway/resource/onlineagent/{}", sim.endpoint(), a.id))
                .header("content-type", "application/json;charset=UTF-8")
                .body(body.to_string()),
        )
        .await;
        let mut agent = Agent { sim, id: a.id.clone(), guid: String::new() };
        agent.follow(&r);
        (agent, r)
    }

    async fn signed_in(sim: &'a Simulator, n: usize) -> Agent<'a> {
        let (a, r) = Agent::sign_in(sim, n, json!({})).await;
        assert_eq!(r.json["retcode"], "0", "{:?}", r.json);
        a
    }

    fn follow(&mut self, r: &Raw) {
        if let Some(v) = r.header("set-guid") {
            self.guid = cec_auth::parse_set_guid(v).expect("NAME=<guid>").to_owned();
        }
    }

    /// A request under `/agentgateway/resource/` with this agent's GUID.
    async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> Raw {
        let url = format!("{}/agentgateway/resource/{path}", self.sim.endpoint());
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = http().request(m, url).header("guid", self.guid.as_str());
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json;charset=UTF-8").body(b.to_string());
        }
        let r = send(rb).await;
        self.follow(&r);
        r
    }

    async fn ok(&mut self, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = self.call(method, path, body).await;
        assert_eq!(r.json["retcode"], "0", "{method} {path}: {:?}", r.json);
        r.json["result"].clone()
    }

    /// Polls until an event of `kind` arrives; returns its content.
    async fn wait_event(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            let path = format!("agentevent/{}", self.id);
            let r = self.call("GET", &path, None).await;
            assert_eq!(r.json["retcode"], "0", "poll: {:?}", r.json);
            let ev = &r.json["event"];
            if ev["eventType"] == kind {
                return ev["content"].clone();
            }
            if !ev.is_null() {
                seen.push(ev["eventType"].to_string());
            }
        }
        panic!("no {kind} within 5 s; saw {seen:?}");
    }

    async fn gateway_state(&mut self) -> i64 {
        let path = format!("onlineagent/{}/agentstatus", self.id);
        self.ok("GET", &path, None).await["agentState"].as_i64().unwrap()
    }
}

/// Rings agent 1001 and answers: returns the call id.
async fn talking(sim: &Simulator, a: &mut Agent<'_>) -> String {
    let call = sim.inject_call(&a.id, "13800000001").unwrap();
    a.wait_event("AgentEvent_Ringing").await;
    a.ok("PUT", &format!("voicecall/{}/answer", a.id), None).await;
    a.wait_event("AgentEvent_Talking").await;
    call
}

// ---- 1. Scalars sent as text -------------------------------------------------------

#[tokio::test]
async fn integers_and_booleans_sent_as_text_are_read_as_the_gateway_reads_them() {
    let sim = start(fast()).await;
    // What Huawei's own agent demo sends on every sign-in.
    let extra = json!({ "agenttype": "4", "status": "3", "autoenteridle": "false", "releasephone": "true" });
    let (mut a, r) = Agent::sign_in(&sim, 0, extra).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["retcode"], "0", "numeric strings accepted: {:?}", r.json);
    assert_eq!(sim.agent("1001").unwrap().state, CtiAgentState::Busy, "\"status\":\"3\" is busy");
    assert!(!sim.agent("1001").unwrap().auto_enter_idle, "\"autoenteridle\":\"false\" is false");
    a.ok("POST", "onlineagent/1001/sayfree", None).await;

    // Transfer with "devicetype":"2","mode":"0" (the demo's form) reaches agent 1002.
    let mut b = Agent::signed_in(&sim, 1).await;
    b.wait_event("AgentState_Ready").await;
    talking(&sim, &mut a).await;
    let body = json!({ "devicetype": "2", "address": "1002", "mode": "0" });
    a.ok("POST", "voicecall/1001/transfer", Some(body)).await;
    b.wait_event("AgentEvent_Ringing").await;
}

#[tokio::test]
async fn text_that_cannot_be_a_number_or_boolean_is_still_refused_with_the_nes_code() {
    let sim = start(fast()).await;
    for extra in [json!({ "agenttype": "four" }), json!({ "autoanswer": "yes" }), json!({ "status": "4.5" })] {
        let (_, r) = Agent::sign_in(&sim, 0, extra.clone()).await;
        assert_eq!(r.json["retcode"], "000-002", "{extra}: {:?}", r.json);
        let field = extra.as_object().unwrap().keys().next().unwrap().clone();
        assert!(r.json["message"].as_str().unwrap().contains(&format!("`{field}`")), "names the field: {:?}", r.json);
        assert!(!sim.agent("1001").unwrap().signed_in);
    }
    // A blank integer is absent (as Jackson reads "" for an Integer).
    let (_, r) = Agent::sign_in(&sim, 0, json!({ "agenttype": "", "status": " 4 " })).await;
    assert_eq!(r.json["retcode"], "0", "{:?}", r.json);
}

// ---- 2. Set-GUID byte for byte -------------------------------------------------------

/// Sends raw HTTP/1.1 bytes and returns the answer's head as received.
async fn raw_head(sim: &Simulator, request: String) -> String {
    let mut s = tokio::net::TcpStream::connect(sim.addr()).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(15), s.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "connection closed before the head: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    String::from_utf8(got[..end + 2].to_vec()).unwrap()
}

fn guid_in(head: &str) -> String {
    let line = head.lines().find(|l| l.starts_with("Set-GUID: ")).unwrap_or_else(|| panic!("no Set-GUID in {head}"));
    line.trim_start_matches("Set-GUID: JSESSIONID=").to_owned()
}

#[tokio::test]
async fn set_guid_goes_out_with_the_documented_spelling_on_every_answer_that_carries_it() {
    let sim = start(SimConfig { guid_rotation: Duration::from_millis(100), ..fast() }).await;
    let host = sim.addr();
    let body = json!({ "password": "sim-pass-1001", "phonenum": "70001" }).to_string();
    let head = raw_head(
        &sim,
        format!(
            "PUT /agentgateway/resource/onlineagent/1001 HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("\r\nSet-GUID: JSESSIONID="), "sign-in: the header name byte for byte:\n{head}");
    assert!(!head.contains("set-guid") && !head.contains("Set-Guid"), "{head}");
    let mut guid = guid_in(&head);

    // A poll after the rotation period carries the new GUID, spelled the same.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let poll = format!("GET /agentgateway/resource/agentevent/1001 HTTP/1.1\r\nHost: {host}\r\nGuid: ");
    let mut rotated = None;
    for _ in 0..20 {
        let head = raw_head(&sim, format!("{poll}{guid}\r\n\r\n")).await;
        if head.contains("\r\nSet-GUID: ") {
            rotated = Some(head);
            break;
        }
    }
    let head = rotated.expect("a poll answer rotates the GUID");
    guid = guid_in(&head);

    // updateGuid and the push-mode handshake carry it too.
    let update = raw_head(
        &sim,
        format!("PUT /agentgateway/resource/onlineagent/1001/updateGuid HTTP/1.1\r\nHost: {host}\r\nGuid: {guid}\r\nContent-Length: 0\r\n\r\n"),
    )
    .await;
    assert!(update.contains("\r\nSet-GUID: JSESSIONID="), "updateGuid:\n{update}");
    guid = guid_in(&update);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let hs = raw_head(
        &sim,
        format!("POST /agentgateway/resource/onlineagent/1001/handshake HTTP/1.1\r\nHost: {host}\r\nGuid: {guid}\r\nContent-Length: 0\r\n\r\n"),
    )
    .await;
    assert!(hs.contains("\r\nSet-GUID: JSESSIONID="), "handshake after the rotation period:\n{hs}");
    // Other headers keep hyper's lower case (only Set-GUID is spelled by the reference).
    assert!(hs.contains("\r\ncontent-type: "), "{hs}");
}

// ---- 3. GUID modes --------------------------------------------------------------------

#[tokio::test]
async fn static_guid_mode_from_the_scenario_keeps_the_sign_in_guid_for_the_whole_session() {
    let mut scenario = Scenario::default();
    scenario.gateway.guid_mode = Some(GuidMode::Static);
    // Rotation and timeout are short: a dynamic tenant would have locked this client out.
    let sim = start(SimConfig {
        scenario,
        guid_rotation: Duration::from_millis(40),
        guid_timeout: Duration::from_millis(80),
        ..fast()
    })
    .await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let first = a.guid.clone();
    let until = Instant::now() + Duration::from_millis(400);
    while Instant::now() < until {
        let r = a.call("GET", "agentevent/1001", None).await;
        assert_eq!(r.json["retcode"], "0", "{:?}", r.json);
        assert!(r.header("set-guid").is_none(), "static mode never rotates");
    }
    assert_eq!(a.guid, first);
    assert_eq!(sim.agent("1001").unwrap().guid_rotations, 0);
    assert_eq!(a.gateway_state().await, 4);
}

#[tokio::test]
async fn each_replaced_guid_stays_valid_until_its_own_timeout_and_the_refusal_says_why() {
    let sim = start(SimConfig {
        guid_rotation: Duration::from_millis(150),
        guid_timeout: Duration::from_millis(1200),
        ..fast()
    })
    .await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let g0 = a.guid.clone();
    // Poll until two rotations happened: g0 -> g1 -> g2.
    let mut seen = vec![g0.clone()];
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.len() < 3 && Instant::now() < deadline {
        a.call("GET", "agentevent/1001", None).await;
        if seen.last() != Some(&a.guid) {
            seen.push(a.guid.clone());
        }
    }
    assert_eq!(seen.len(), 3, "two rotations");
    let replaced_g0 = Instant::now();
    // g0 was replaced by the first rotation, before g1 was: both are still accepted.
    for g in &seen[..2] {
        let r = send(
            http()
                .get(format!("{}/agentgateway/resource/onlineagent/1001/agentstatus", sim.endpoint()))
                .header("guid", g.as_str()),
        )
        .await;
        assert_eq!(r.json["retcode"], "0", "an earlier GUID within its grace period: {:?}", r.json);
    }
    // Once g0's own timeout has passed, it is refused, and the message says why.
    tokio::time::sleep(Duration::from_millis(1300).saturating_sub(replaced_g0.elapsed())).await;
    let r = send(
        http()
            .get(format!("{}/agentgateway/resource/onlineagent/1001/agentstatus", sim.endpoint()))
            .header("guid", g0.as_str()),
    )
    .await;
    assert_eq!(r.json["retcode"], "100-006", "{:?}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("GUID expired"), "{:?}", r.json);
}

#[tokio::test]
async fn an_earlier_guid_expires_on_its_own_timeout_while_a_later_replaced_one_is_still_accepted() {
    // Rotation 600 ms, timeout 1000 ms: g0 is replaced at r0, g1 at r1 >= r0 + 600 ms.
    // At (when g1 was seen) + 1100 ms, g0's grace is over (r0 <= seen) and g1's is not
    // (it ends at r1 + 1000 ms >= r0 + 1600 ms), as long as a poll answers within 500 ms.
    let sim = start(SimConfig {
        guid_rotation: Duration::from_millis(600),
        guid_timeout: Duration::from_millis(1000),
        ..fast()
    })
    .await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let g0 = a.guid.clone();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut seen_g1 = None;
    let mut g1 = String::new();
    while Instant::now() < deadline {
        let asked = Instant::now();
        a.call("GET", "agentevent/1001", None).await;
        if seen_g1.is_none() && a.guid != g0 {
            assert!(asked.elapsed() < Duration::from_millis(500), "a poll took {:?}", asked.elapsed());
            seen_g1 = Some(asked);
            g1 = a.guid.clone();
        } else if seen_g1.is_some() && a.guid != g1 {
            break;
        }
    }
    let seen_g1 = seen_g1.expect("a first rotation");
    assert!(a.guid != g1 && a.guid != g0, "a second rotation: g1 is replaced too");
    tokio::time::sleep((seen_g1 + Duration::from_millis(1100)).saturating_duration_since(Instant::now())).await;
    let status = |g: String| {
        send(
            http()
                .get(format!("{}/agentgateway/resource/onlineagent/1001/agentstatus", sim.endpoint()))
                .header("guid", g),
        )
    };
    let r = status(g0).await;
    assert_eq!(r.json["retcode"], "100-006", "g0 past its own timeout: {:?}", r.json);
    let r = status(g1).await;
    assert_eq!(r.json["retcode"], "0", "g1 replaced later, still in its grace period: {:?}", r.json);
    let r = status(a.guid.clone()).await;
    assert_eq!(r.json["retcode"], "0", "the current GUID: {:?}", r.json);
}

// ---- 4. Formerly canned state changes --------------------------------------------------

#[tokio::test]
async fn forcelogout_signs_out_during_a_call_and_releases_it() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let call = talking(&sim, &mut a).await;
    // A plain sign-out is refused during a call; the forced one is not.
    assert_eq!(a.call("DELETE", "onlineagent/1001/logout", None).await.json["retcode"], "100-007");
    a.ok("DELETE", "onlineagent/1001/forcelogout", None).await;
    let snap = sim.agent("1001").unwrap();
    assert!(!snap.signed_in);
    assert_eq!(snap.call, None);
    let rec = sim.call_records().into_iter().find(|r| r.id == call).unwrap();
    assert!(rec.released_ms.is_some(), "the call was released");
    assert_eq!(a.call("GET", "agentevent/1001", None).await.json["retcode"], "100-006");

    // With a reason: the same, and a reason that is not a number is refused.
    let mut a = Agent::signed_in(&sim, 0).await;
    assert_eq!(a.call("DELETE", "onlineagent/1001/forcelogoutwithreason/x", None).await.json["retcode"], "100-005");
    a.ok("DELETE", "onlineagent/1001/forcelogoutwithreason/3", None).await;
    assert!(!sim.agent("1001").unwrap().signed_in);
}

#[tokio::test]
async fn dropcall_releases_the_named_call_only() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let call = talking(&sim, &mut a).await;
    assert_eq!(a.call("POST", "voicecall/1001/dropcall/no-such-call", None).await.json["retcode"], "200-025");
    assert_eq!(sim.agent("1001").unwrap().call.as_deref(), Some(call.as_str()), "still on the call");
    a.ok("POST", &format!("voicecall/1001/dropcall/{call}"), None).await;
    a.wait_event("AgentEvent_Call_Release").await;
    assert_eq!(sim.agent("1001").unwrap().call, None);
    assert!(sim.call_records().iter().any(|r| r.id == call && r.released_ms.is_some()));

    // A held call is the agent's too: dropcall releases it and empties the hold list.
    let held = talking(&sim, &mut a).await;
    a.ok("POST", "voicecall/1001/hold", None).await;
    assert_eq!(sim.agent("1001").unwrap().call, None, "on hold, no active call");
    a.ok("POST", &format!("voicecall/1001/dropcall/{held}"), None).await;
    assert_eq!(a.ok("GET", "calldata/1001/holdlist", None).await, json!([]));
    assert!(sim.call_records().iter().any(|r| r.id == held && r.released_ms.is_some()));
}

#[tokio::test]
async fn autoenteridle_decides_the_state_after_a_call() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    a.ok("POST", "onlineagent/1001/autoenteridle/false", None).await;
    assert!(!sim.agent("1001").unwrap().auto_enter_idle);
    let call = talking(&sim, &mut a).await;
    sim.hang_up(&call).unwrap();
    a.wait_event("AgentState_Work").await;
    assert_eq!(sim.agent("1001").unwrap().state, CtiAgentState::Adjusting);
    assert_eq!(a.gateway_state().await, 5, "wrap-up in CC-Gateway codes");
    a.ok("POST", "onlineagent/1001/cancelwork", None).await;
    a.ok("POST", "onlineagent/1001/autoenteridle/true", None).await;
    let call = talking(&sim, &mut a).await;
    sim.hang_up(&call).unwrap();
    a.wait_event("AgentState_Ready").await;
    assert_eq!(a.gateway_state().await, 4);
}

#[tokio::test]
async fn autoanswer_answers_offered_calls_at_once() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    a.ok("POST", "onlineagent/1001/autoanswer/true", None).await;
    assert!(sim.agent("1001").unwrap().auto_answer);
    let call = sim.inject_call("1001", "13800000002").unwrap();
    assert_eq!(a.wait_event("AgentEvent_Auto_Answer").await["callid"], call.as_str());
    a.wait_event("AgentEvent_Talking").await;
    assert_eq!(sim.agent("1001").unwrap().state, CtiAgentState::Talking);
    // A manual answer now finds nothing ringing.
    assert_eq!(a.call("PUT", "voicecall/1001/answer", None).await.json["retcode"], "200-002");
    a.ok("DELETE", "voicecall/1001/release", None).await;
    a.wait_event("AgentState_Ready").await;
    a.ok("POST", "onlineagent/1001/autoanswer/false", None).await;
    assert_eq!(a.call("POST", "onlineagent/1001/autoanswer/falsey", None).await.json["retcode"], "000-002");
    sim.inject_call("1001", "13800000003").unwrap();
    a.wait_event("AgentEvent_Ringing").await;
    assert_eq!(sim.agent("1001").unwrap().state, CtiAgentState::Occupied, "rings until answered");
    // At sign-in too.
    let (mut b, r) = Agent::sign_in(&sim, 1, json!({ "autoanswer": true })).await;
    assert_eq!(r.json["retcode"], "0");
    b.wait_event("AgentState_Ready").await;
    sim.inject_call("1002", "13800000004").unwrap();
    b.wait_event("AgentEvent_Auto_Answer").await;
}

#[tokio::test]
async fn setcalldataex_is_stored_and_read_back_by_appdata_and_callinfo() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    assert_eq!(a.call("GET", "calldata/1001/appdata", None).await.json["retcode"], "100-007", "no call");
    let call = talking(&sim, &mut a).await;
    a.ok("PUT", "calldata/1001/setcalldataex", Some(json!({ "callid": call, "calldata": "order=42" }))).await;
    assert_eq!(a.ok("GET", "calldata/1001/appdata", None).await, "order=42");
    assert_eq!(a.ok("GET", &format!("calldata/1001/appdata?callId={call}"), None).await, "order=42");
    assert_eq!(a.ok("GET", "calldata/1001/appdata?isEncodeResult=true", None).await, "b3JkZXI9NDI=");
    // Base64 in, text stored.
    let body = json!({ "calldata": "dGlja2V0PTc=", "isDataEncoded": "true" });
    a.ok("PUT", "calldata/1001/setcalldataex", Some(body)).await;
    assert_eq!(a.ok("GET", "calldata/1001/appdata", None).await, "ticket=7");
    let info = a.ok("GET", "calldata/1001/callinfo", None).await;
    assert_eq!(info["callid"], call.as_str());
    assert_eq!(info["caller"], "13800000001");
    assert_eq!(info["calldata"], "ticket=7");
    assert_eq!(info["callfeature"], 0);
    // Another agent's call is not this agent's.
    let other = json!({ "callid": "1700000000-999", "calldata": "x" });
    assert_eq!(a.call("PUT", "calldata/1001/setcalldataex", Some(other)).await.json["retcode"], "400-001");
}

// ---- 5. Queries answered from the model ------------------------------------------------

#[tokio::test]
async fn skills_ivr_flows_and_the_hold_list_come_from_the_model() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    assert_eq!(a.ok("GET", "onlineagent/1001/agentskills", None).await, json!([]), "no skill before resetskill");
    a.ok("POST", "onlineagent/1001/resetskill/true", None).await;
    let skills = a.ok("GET", "onlineagent/1001/agentskills", None).await;
    let ids: Vec<i64> = skills.as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(skills[0]["name"], "General");
    assert_eq!(skills[1]["mediatype"], 1);
    assert_eq!(a.ok("GET", "onlineagent/1001/agentskillsbyworkno/1002", None).await, json!([]), "1002 is out");
    let vdn = a.ok("GET", "queuedevice/1001/agentvdnskill", None).await;
    assert_eq!(vdn.as_array().unwrap().len(), 2);
    let ivr = a.ok("GET", "queuedevice/1001/ivrinfo", None).await;
    assert_eq!(ivr, json!([{ "access": "10087", "id": 1001, "description": "IVR flow 1001" }]));

    // Unhold from the hold list (the demo's flow).
    let call = talking(&sim, &mut a).await;
    assert_eq!(a.ok("GET", "calldata/1001/holdlist", None).await, json!([]));
    a.ok("POST", "voicecall/1001/hold", None).await;
    let held = a.ok("GET", "calldata/1001/holdlist", None).await;
    assert_eq!(held.as_array().unwrap().len(), 1);
    let held_id = held[0]["callid"].as_str().unwrap().to_owned();
    assert_eq!(held_id, call);
    a.ok("POST", &format!("voicecall/1001/gethold?callid={held_id}"), None).await;
    a.wait_event("AgentEvent_Talking").await;
    assert_eq!(sim.agent("1001").unwrap().call.as_deref(), Some(call.as_str()));
}

// ---- 6. Unknown paths; 7. pushUrl; 8. agentstatus codes -------------------------------

#[tokio::test]
async fn an_unknown_path_answers_the_nes_envelope() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let r = a.call("GET", "onlineagent/1001/restreason", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json["retcode"], "000-002", "{:?}", r.json);
    assert!(r.json["message"].as_str().unwrap().contains("no such interface"));
    // The seven calls of Huawei's Java demo that the CEC reference does not document
    // (docs/simulator.md, point 6): none is served; each answers the gateway's envelope.
    for (method, path) in [
        ("GET", "agentgroup/1001/groupbyagent/1001"),
        ("GET", "agentgroup/1001/onlineagentonvdn"),
        ("GET", "agentgroup/1001/restreason"),
        ("GET", "agentgroup/1001/allagentstatus"),
        ("GET", "queuedevice/1001/innoinfo"),
        ("POST", "onlineagent/1001/notifybulletin"),
        ("PUT", "onlineagent/1001/heartbeat"),
    ] {
        let body = (method == "POST").then(|| json!({ "targettype": "1", "bulletindata": "x", "targetname": "1002" }));
        let r = a.call(method, path, body).await;
        assert_eq!((r.status, r.json["retcode"].as_str()), (404, Some("000-002")), "{method} {path}: {:?}", r.json);
    }
    let r = send(http().post(format!("{}/rest/cmsapp/v1/openapi/nothing", sim.endpoint()))).await;
    assert_eq!((r.status, r.json["resultCode"].as_str()), (404, Some("0100002")), "{:?}", r.json);
    let r = send(http().get(format!("{}/elsewhere", sim.endpoint()))).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_older_gateways_push_url_is_not_silently_ignored() {
    let sim = start(fast()).await;
    let (mut a, r) = Agent::sign_in(&sim, 0, json!({ "pushUrl": "http://127.0.0.1:9/events" })).await;
    assert_eq!(r.json["retcode"], "0");
    assert!(r.json["message"].as_str().unwrap().contains("pushUrl ignored"), "{:?}", r.json);
    assert!(r.header("x-cec-sim-note").unwrap().contains("pull mode"));
    assert!(!sim.agent("1001").unwrap().push_mode);
    a.wait_event("AgentState_Ready").await;
}

#[tokio::test]
async fn agentstatus_answers_cc_gateway_state_codes() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    assert_eq!(a.gateway_state().await, 4, "idle (the reference's example)");
    a.ok("POST", "onlineagent/1001/saybusy", None).await;
    assert_eq!(a.gateway_state().await, 3);
    a.ok("POST", "onlineagent/1001/sayfree", None).await;
    a.ok("POST", "onlineagent/1001/rest/60/0", None).await;
    assert_eq!(a.gateway_state().await, 8);
    a.ok("POST", "onlineagent/1001/cancelrest", None).await;
    a.ok("POST", "onlineagent/1001/work", None).await;
    assert_eq!(a.gateway_state().await, 5);
    a.ok("POST", "onlineagent/1001/cancelwork", None).await;
    sim.inject_call("1001", "13800000001").unwrap();
    assert_eq!(a.gateway_state().await, 7, "a ringing call is the talking state (CTI 3)");
    let r = a.ok("GET", "onlineagent/1001/agentstatus", None).await;
    assert_eq!(r["isWorking"], true);
}

// ---- Not simulated: refused, or the sample when the scenario asks --------------------

#[tokio::test]
async fn a_state_change_the_model_does_not_simulate_is_refused_not_answered_with_success() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let r = a.call("PUT", "voicecall/1001/snatchpickup?destWorkNo=1002", Some(json!({}))).await;
    assert_eq!(r.status, 501, "{:?}", r.json);
    assert_eq!(r.json["retcode"], "SIM-501");
    assert!(r.json["message"].as_str().unwrap().contains("not simulated: voicecall.snatchpickup"), "{:?}", r.json);

    let scenario = Scenario { unmodelled_writes: Unmodelled::Sample, ..Scenario::default() };
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let r = a.call("PUT", "voicecall/1001/snatchpickup?destWorkNo=1002", Some(json!({}))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-cec-sim-answer"), Some("sample"), "the sample answer is marked");
}

#[tokio::test]
async fn coverage_lists_every_route_and_no_state_change_is_sample_only() {
    let sim = start(fast()).await;
    let r = send(http().get(format!("{}/__sim/coverage", sim.endpoint()))).await;
    assert_eq!(r.status, 200);
    let routes = r.json["routes"].as_array().unwrap();
    assert_eq!(routes.len(), cec_sim::generated::ROUTES.len());
    for route in routes {
        if route["changes_state"] == true {
            assert_ne!(route["behaviour"], "sample", "{route}");
        }
    }
    let gw = &r.json["nes"]["gateway"];
    let total: u64 = ["modelled", "sample", "refused"].iter().map(|k| gw[k].as_u64().unwrap_or(0)).sum();
    assert_eq!(total, routes.iter().filter(|r| r["ne"] == "gateway").count() as u64);
    assert!(gw["modelled"].as_u64().unwrap() >= 40, "{gw}");
}

// ---- issue 9 point 3: calldata.add_v2 through the generated client ----------------------

#[tokio::test]
async fn calldata_add_v2_from_the_generated_client_queues_the_numbers() {
    let mut scenario = Scenario::default();
    scenario.dialer.interval_ms = 0;
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let sc = sim.scenario();
    let signer = cec_auth::AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap();
    let isales = cec_isales::Client::new(common::config(&sim), cec_auth::C2Auth::Signature(signer)).unwrap();
    let body = json!({ "callDataList": [
        { "sessionId": "s-1", "called": [{ "calledNo": "13900000001" }, { "calledNo": "13900000009" }] },
        { "sessionId": "s-2", "called": [{ "calledNo": "13900000002" }] }
    ]});
    let out = isales
        .calldata_add_v2()
        .vdn_id(1)
        .campaign_id(501)
        .body(serde_json::from_value(body).unwrap())
        .send()
        .await
        .expect("accepted");
    let ret = out.return_object.expect("returnObject");
    assert_eq!(ret.total_size, Some(2), "two rows queued");
    let called: Vec<String> = ret.data_id_list.unwrap_or_default().into_iter().filter_map(|d| d.called).collect();
    assert_eq!(called, vec!["13900000001", "13900000002"], "the first number of each row");
    assert_eq!(sim.dial_step(), 1, "campaign 501 dials what was added");
}

#[tokio::test]
async fn reject_sends_a_queued_call_back_or_releases_it() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let mut b = Agent::signed_in(&sim, 1).await;
    a.ok("POST", "onlineagent/1001/resetskill/true", None).await;
    b.ok("POST", "onlineagent/1002/resetskill/true", None).await;
    b.ok("POST", "onlineagent/1002/saybusy", None).await;
    // Mode 1: the queued call goes back to queue 1 and the agent turns busy.
    let call = sim.inject_queue_call(1, "13800000005").unwrap();
    assert_eq!(a.wait_event("AgentEvent_Ringing").await["callid"], call.as_str());
    assert_eq!(a.call("POST", "voicecall/1001/reject", Some(json!({ "mode": 3 }))).await.json["retcode"], "000-002");
    a.ok("POST", "voicecall/1001/reject", Some(json!({ "callid": call, "mode": "1" }))).await;
    assert_eq!(a.wait_event("AgentEvent_No_Answer").await, call.as_str());
    a.wait_event("AgentState_SetNotReady_Success").await;
    assert_eq!(sim.agent("1001").unwrap().state, CtiAgentState::Busy);
    b.ok("POST", "onlineagent/1002/sayfree", None).await;
    assert_eq!(b.wait_event("AgentEvent_Ringing").await["callid"], call.as_str(), "offered to the next agent");
    // Mode 2: released, the agent idle.
    b.ok("POST", "voicecall/1002/reject", Some(json!({ "mode": 2 }))).await;
    b.wait_event("AgentState_Ready").await;
    assert!(sim.call_records().iter().any(|r| r.id == call && r.released_ms.is_some() && r.answered_ms.is_none()));
    assert_eq!(b.call("POST", "voicecall/1002/reject", Some(json!({ "mode": 2 }))).await.json["retcode"], "200-002");
}

#[tokio::test]
async fn sendnoteletex_reaches_the_signed_in_agents_named() {
    let sim = start(fast()).await;
    let mut a = Agent::signed_in(&sim, 0).await;
    let mut b = Agent::signed_in(&sim, 1).await;
    a.ok("POST", "onlineagent/1001/sendnoteletex", Some(json!({ "agentIds": [1002, 4711], "content": "lunch?" })))
        .await;
    assert_eq!(b.wait_event("AgentOther_Note").await, Value::Null);
}
