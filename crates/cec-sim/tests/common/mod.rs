//! Helpers shared by the simulator's integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant, SystemTime};

use cec_core::Config;
use cec_core::sign::{SignableRequest, authorization};
use cec_sim::{SimConfig, Simulator};
use serde_json::Value;

/// A config with short durations: polls answer within 50 ms, nothing else expires.
pub fn fast() -> SimConfig {
    SimConfig { poll_wait: Duration::from_millis(50), ..Default::default() }
}

pub async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config).await.expect("simulator starts")
}

/// An SDK client configuration for the simulator, without retries.
pub fn config(sim: &Simulator) -> Config {
    Config::builder(&sim.endpoint()).retry(cec_core::RetryPolicy::disabled()).build().unwrap()
}

/// A plain reqwest client (rustls with the ring provider, as the SDK builds it).
pub fn http() -> reqwest::Client {
    let tls = cec_core::transport::rustls_config(&Default::default(), false).unwrap();
    reqwest::Client::builder().tls_backend_preconfigured(tls).build().unwrap()
}

/// A raw answer: status, headers and the body parsed as JSON (`Null` when it is not JSON).
#[derive(Debug)]
pub struct Raw {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Raw {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn send(rb: reqwest::RequestBuilder) -> Raw {
    let resp = rb.send().await.expect("the simulator answers");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Raw { status, headers, json }
}

/// A raw POST of `body` with a C2 signature over `signed_body` made at `at`.
pub async fn signed_post(
    sim: &Simulator,
    path: &str,
    ak: &str,
    sk: &str,
    at: SystemTime,
    signed_body: &[u8],
    body: &[u8],
) -> Raw {
    let host = sim.addr().to_string();
    let ctype = "application/json;charset=UTF-8";
    let len = signed_body.len().to_string();
    let headers = [("content-length", len.as_str()), ("content-type", ctype), ("host", host.as_str())];
    let req = SignableRequest { method: "POST", path, query: &[], headers: &headers, body: signed_body };
    let ts = cec_core::time::format_utc_millis(at);
    let auth = authorization(ak, sk.as_bytes(), &ts, &req);
    send(
        http()
            .post(format!("{}{path}", sim.endpoint()))
            .header("content-type", ctype)
            .header("authorization", auth)
            .body(body.to_vec()),
    )
    .await
}

/// Signs agent 1001 in through the SDK and returns the client.
pub async fn signed_in_gateway(sim: &Simulator, agent: usize) -> cec_gateway::Client {
    let sc = sim.scenario();
    let a = &sc.agents[agent];
    let gw = cec_gateway::Client::new(config(sim)).unwrap();
    gw.onlineagent_login()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .expect("sign-in succeeds");
    gw
}

/// Polls until an event of `kind` arrives (at most `within`); returns its content.
pub async fn wait_event(gw: &cec_gateway::Client, agent: &str, kind: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        let r = gw.agentevent_poll().agentid(agent).send().await.expect("poll succeeds");
        if let Some(ev) = r.event {
            let t = ev.event_type.unwrap_or_default();
            if t == kind {
                return ev.content.unwrap_or(Value::Null);
            }
            seen.push(t);
        }
    }
    panic!("no {kind} within {within:?}; saw {seen:?}");
}

/// Sign-in options for the scenario's first agent, polling every 20 ms.
pub fn opts(sim: &Simulator) -> cec_gateway::SignIn {
    agent_opts(sim, 0)
}

/// Sign-in options for the scenario's agent number `n`, polling every 20 ms.
pub fn agent_opts(sim: &Simulator, n: usize) -> cec_gateway::SignIn {
    let a = &sim.scenario().agents[n];
    let mut o = cec_gateway::SignIn::new(a.id.as_str(), a.password.as_str(), a.phone.as_str());
    o.poll_pause = Duration::from_millis(20);
    o
}

/// The next event of type `wire` (others are skipped); panics after 5 s.
pub async fn next_of(
    events: &mut (impl futures_util::Stream<Item = cec_gateway::EventItem> + Unpin),
    wire: &str,
) -> cec_gateway::AgentEvent {
    use futures_util::StreamExt;
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), events.next())
            .await
            .unwrap_or_else(|_| panic!("no {wire} within 5 s"))
            .expect("stream open")
            .expect("no error");
        let cec_gateway::SessionEvent::Event(ev) = ev else { panic!("waiting for {wire}: {ev:?}") };
        if ev.event_type() == wire {
            return ev;
        }
    }
}

/// Waits (up to 5 s) until the session's view satisfies `f`.
pub async fn wait_for_state(s: &cec_gateway::AgentSession, f: impl Fn(&cec_gateway::AgentView) -> bool) {
    for _ in 0..250 {
        if f(&s.view()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("state not reached: {:?}", s.view());
}

/// The scenario's first agent.
pub const AGENT: &str = "1001";
/// How long a test waits for an event.
pub const WITHIN: Duration = Duration::from_secs(3);

/// The scenario's AK/SK as a C2 signer.
pub fn c2(sim: &Simulator) -> cec_auth::C2Auth {
    let sc = sim.scenario();
    cec_auth::C2Auth::Signature(cec_auth::AkSkSigner::new(sc.ak, sc.sk).unwrap())
}

/// CC-CMS `agentstatusinfobyagentids` for agents 1001 and 1002: how many states came back.
pub async fn cms_states(cms: &cec_cms::Client, sim: &Simulator) -> Result<usize, cec_cms::Error> {
    let sc = sim.scenario();
    let r =
        cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001, 1002]).send().await?;
    Ok(r.result_desc.unwrap_or_default().len())
}

/// Agent 1001 signed in through a client with `config`, its sign-in events read.
pub async fn ready_gateway(sim: &Simulator, config: Config) -> cec_gateway::Client {
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(config).unwrap();
    gw.onlineagent_login()
        .agentid(AGENT)
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    wait_event(&gw, AGENT, "AgentState_Ready", WITHIN).await;
    gw
}

/// A finished call with a recording; returns the call id.
pub async fn recorded_call(sim: &Simulator) -> String {
    let gw = ready_gateway(sim, config(sim)).await;
    let call_id = sim.inject_call(AGENT, "13800000001").unwrap();
    wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
    gw.voicecall_answer().agentid(AGENT).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await; // a recording needs some talk time
    gw.voicecall_release().agentid(AGENT).send().await.unwrap();
    call_id
}
