//! C4 (agent sign-in GUID, rotation, heartbeat) and C5 (configuration login).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use cec_gateway::Client;
use cec_sim::{SimConfig, Simulator};
use common::{Raw, config, fast, http, send, signed_in_gateway, start};
use serde_json::json;

const AGENT: &str = "1001";

async fn raw_sign_in(sim: &Simulator, force: bool) -> Raw {
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let suffix = if force { "/forcelogin" } else { "" };
    let body = json!({ "password": a.password, "phonenum": a.phone });
    send(
        http()
            .put(format!("{}/agentgateway/resource/onlineagent/{}{suffix}", sim.endpoint(), a.id))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

async fn raw_poll(sim: &Simulator, agent: &str, guid: &str) -> Raw {
    send(http().get(format!("{}/agentgateway/resource/agentevent/{agent}", sim.endpoint())).header("guid", guid)).await
}

fn guid_of(r: &Raw) -> String {
    let v = r.header("set-guid").expect("Set-GUID header");
    cec_auth::parse_set_guid(v).expect("JSESSIONID=<guid>").to_owned()
}

fn current_guid(gw: &Client) -> String {
    gw.guid().expect("the client holds a GUID").expose_str().to_owned()
}

/// A second client that presents `guid` for the agent.
fn client_with_guid(sim: &Simulator, guid: &str) -> Client {
    let gw = Client::new(config(sim)).unwrap();
    gw.set_guid(guid);
    gw
}

#[tokio::test]
async fn sign_in_sets_guid_and_a_second_sign_in_needs_forcelogin() {
    let sim = start(fast()).await;
    let first = raw_sign_in(&sim, false).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json["retcode"], "0");
    assert!(first.header("set-guid").unwrap().starts_with("JSESSIONID="));
    let g1 = guid_of(&first);
    assert_eq!(raw_poll(&sim, AGENT, &g1).await.json["retcode"], "0");

    let second = raw_sign_in(&sim, false).await;
    assert_eq!(second.json["retcode"], "100-002", "{:?}", second.json);
    assert!(second.header("set-guid").is_none());
    // The refused sign-in did not disturb the session.
    assert_eq!(raw_poll(&sim, AGENT, &g1).await.json["retcode"], "0");

    let forced = raw_sign_in(&sim, true).await;
    assert_eq!(forced.json["retcode"], "0", "{:?}", forced.json);
    let g2 = guid_of(&forced);
    assert_ne!(g1, g2);
    assert_eq!(raw_poll(&sim, AGENT, &g2).await.json["retcode"], "0");
    assert_eq!(raw_poll(&sim, AGENT, &g1).await.json["retcode"], "100-006", "the old session's GUID is gone");
}

#[tokio::test]
async fn sdk_second_sign_in_is_100_002() {
    let sim = start(fast()).await;
    let _gw = signed_in_gateway(&sim, 0).await;
    let sc = sim.scenario();
    let a = &sc.agents[0];
    let other = Client::new(config(&sim)).unwrap();
    let e = other
        .onlineagent_login()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("100-002"), "{e}");
    assert!(!e.is_auth());
    other
        .onlineagent_forcelogin()
        .agentid(a.id.as_str())
        .password(a.password.as_str())
        .phonenum(a.phone.as_str())
        .send()
        .await
        .unwrap();
    assert!(other.guid().is_some());
    other.agentevent_poll().agentid(AGENT).send().await.unwrap();
}

#[tokio::test]
async fn sign_in_with_a_wrong_password_is_refused() {
    let sim = start(fast()).await;
    let gw = Client::new(config(&sim)).unwrap();
    let e = gw.onlineagent_login().agentid(AGENT).password("nope").phonenum("70001").send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-004"), "{e}");
    assert!(gw.guid().is_none());
    assert!(!sim.agent(AGENT).unwrap().signed_in);
}

#[tokio::test]
async fn a_wrong_guid_is_100_006() {
    let sim = start(fast()).await;
    let gw = signed_in_gateway(&sim, 0).await;
    gw.set_guid("00000000-0000-0000-0000-000000000000.AgentGateway0");
    let e = gw.agentevent_poll().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-006"), "{e}");
    assert!(e.is_auth());
    // Raw: the same answer, with HTTP 200.
    let r = raw_poll(&sim, AGENT, "bogus").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["retcode"], "100-006");
    assert!(sim.agent(AGENT).unwrap().signed_in, "a bad GUID does not end the session");
}

#[tokio::test]
async fn a_guid_is_only_good_for_its_own_agent() {
    let sim = start(fast()).await;
    let gw = signed_in_gateway(&sim, 0).await;
    let _other = signed_in_gateway(&sim, 1).await;
    let r = raw_poll(&sim, "1002", &current_guid(&gw)).await;
    assert_eq!(r.json["retcode"], "100-006");
}

#[tokio::test]
async fn a_signed_out_agent_polling_is_100_006() {
    let sim = start(fast()).await;
    let gw = signed_in_gateway(&sim, 0).await;
    let guid = current_guid(&gw);
    gw.onlineagent_logout().agentid(AGENT).send().await.unwrap();
    assert!(gw.guid().is_none(), "the SDK forgets the GUID on sign-out");
    assert!(!sim.agent(AGENT).unwrap().signed_in);
    let e = client_with_guid(&sim, &guid).agentevent_poll().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-006"), "{e}");
    assert!(e.is_auth());
}

#[tokio::test]
async fn dynamic_guid_rotates_while_polling() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(50),
        guid_rotation: Duration::from_millis(150),
        dynamic_guid: true,
        ..Default::default()
    })
    .await;
    let gw = signed_in_gateway(&sim, 0).await;
    assert_eq!(gw.guid_auth().rotations(), 1, "sign-in counts as one");
    let first = current_guid(&gw);
    let until = Instant::now() + Duration::from_millis(600);
    let mut polls = 0;
    while Instant::now() < until {
        gw.agentevent_poll().agentid(AGENT).send().await.expect("every poll keeps working");
        polls += 1;
    }
    let rotations = gw.guid_auth().rotations();
    assert!(rotations >= 3, "{rotations} rotations after {polls} polls");
    assert_ne!(current_guid(&gw), first);
    assert_eq!(sim.agent(AGENT).unwrap().guid_rotations, rotations - 1, "client and simulator agree");
    // Other interfaces take the rotated GUID too.
    gw.onlineagent_resetskill().agentid(AGENT).autoflag(true).send().await.unwrap();
}

#[tokio::test]
async fn replaced_guid_is_accepted_until_guid_timeout() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(30),
        guid_rotation: Duration::from_millis(250),
        guid_timeout: Duration::from_millis(300),
        dynamic_guid: true,
        ..Default::default()
    })
    .await;
    let gw = signed_in_gateway(&sim, 0).await;
    let old = current_guid(&gw);
    // Poll until the first rotation, then stop so that no second rotation
    // pushes the old GUID out.
    let deadline = Instant::now() + Duration::from_secs(2);
    while current_guid(&gw) == old {
        assert!(Instant::now() < deadline, "no rotation within 2 s");
        gw.agentevent_poll().agentid(AGENT).send().await.unwrap();
    }
    let new = current_guid(&gw);

    // Right after the rotation the old GUID still works (raw, so nothing rotates it away).
    let r = raw_poll(&sim, AGENT, &old).await;
    assert_eq!(r.json["retcode"], "0", "old GUID within GUIDTIMEOUT: {:?}", r.json);
    // …and no second rotation pushed it out, so what follows is the timeout at work.
    assert_eq!(sim.agent(AGENT).unwrap().guid_rotations, 1);

    tokio::time::sleep(Duration::from_millis(350)).await;
    let e = client_with_guid(&sim, &old).agentevent_poll().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-006"), "old GUID after GUIDTIMEOUT: {e}");
    // The current GUID is unaffected.
    assert_eq!(raw_poll(&sim, AGENT, &new).await.json["retcode"], "0");
}

#[tokio::test]
async fn static_guid_never_rotates() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(30),
        guid_rotation: Duration::from_millis(50),
        dynamic_guid: false,
        ..Default::default()
    })
    .await;
    let gw = signed_in_gateway(&sim, 0).await;
    let first = current_guid(&gw);
    let until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < until {
        gw.agentevent_poll().agentid(AGENT).send().await.unwrap();
    }
    assert_eq!(current_guid(&gw), first);
    assert_eq!(gw.guid_auth().rotations(), 1);
    assert_eq!(sim.agent(AGENT).unwrap().guid_rotations, 0);
    let r = raw_poll(&sim, AGENT, &first).await;
    assert!(r.header("set-guid").is_none());
}

#[tokio::test]
async fn an_agent_that_stops_polling_is_signed_out() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(30),
        heartbeat_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let gw = signed_in_gateway(&sim, 0).await;
    gw.agentevent_poll().agentid(AGENT).send().await.unwrap();
    assert!(sim.agent(AGENT).unwrap().signed_in);
    tokio::time::sleep(Duration::from_millis(800)).await;
    let snap = sim.agent(AGENT).unwrap();
    assert!(!snap.signed_in, "{snap:?}");
    assert_eq!(snap.state, cec_sim::CtiAgentState::NotSignedIn);
    let e = gw.agentevent_poll().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.code(), Some("100-006"), "{e}");
}

#[tokio::test]
async fn an_agent_that_keeps_polling_stays_signed_in() {
    let sim = start(SimConfig {
        poll_wait: Duration::from_millis(50),
        heartbeat_timeout: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let gw = signed_in_gateway(&sim, 0).await;
    let until = Instant::now() + Duration::from_millis(800);
    while Instant::now() < until {
        gw.agentevent_poll().agentid(AGENT).send().await.unwrap();
    }
    assert!(sim.agent(AGENT).unwrap().signed_in);
}

#[tokio::test]
async fn config_login_stores_the_guid() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let gw = Client::new(config(&sim)).unwrap();
    assert!(gw.guid().is_none());
    let r = gw
        .config_login()
        .agent_id(sc.config_admin_id)
        .password(sc.config_admin_password.as_str())
        .send()
        .await
        .unwrap();
    let guid = r.result.and_then(|r| r.guid).expect("result.guid");
    assert!(!guid.is_empty());
    assert_eq!(gw.guid().map(|g| g.expose_str().to_owned()), Some(guid.expose_str().to_owned()));
}

#[tokio::test]
async fn config_login_with_a_wrong_password_is_107_003() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let gw = Client::new(config(&sim)).unwrap();
    let e = gw.config_login().agent_id(sc.config_admin_id).password("wrong").send().await.unwrap_err();
    assert_eq!(e.code(), Some("107-003"), "{e}");
    assert!(gw.guid().is_none());
}
