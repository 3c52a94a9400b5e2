//! The supervisor helpers against the simulator: typed rows with decoded values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cec_cms::generated::CtiAgentState;
use cec_cms::{AkSkSigner, C2Auth, Config, Day, TenantDefaults, TimeGrain};
use cec_gateway::{AgentSession, SignIn};
use cec_sim::{SimConfig, Simulator};
use futures_util::TryStreamExt;

fn cms(sim: &Simulator) -> cec_cms::Client {
    let sc = sim.scenario();
    let auth = C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap());
    cec_cms::Client::new(Config::builder(&sim.endpoint()).build().unwrap(), auth)
        .unwrap()
        .with_tenant(TenantDefaults::new().cc_id(sc.cc_id).vdn(sc.vdn))
}

#[tokio::test(flavor = "multi_thread")]
async fn supervisor_questions_have_typed_answers() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let client = cms(&sim);
    let sc = sim.scenario();

    // Agents come from the configuration, page by page.
    let agents: Vec<i64> = client.configured_agents().map_ok(|a| a.agent_id).try_collect().await.unwrap();
    assert_eq!(agents, vec![1001, 1002]);

    // Nobody signed in: state 0 and no logon time (CMS sends 4294967295000).
    let states = client.agents_by_state(&agents).await.unwrap();
    assert_eq!(states.agents.len(), 2);
    assert!(states.agents.iter().all(|a| a.state == CtiAgentState::NotSignedIn && a.logon.is_none()));
    assert_eq!(states.counts(), vec![(CtiAgentState::NotSignedIn, 2)]);

    // Two callers wait in queue 1.
    let c1 = sim.inject_queue_call(1, "13800000001").unwrap();
    let c2 = sim.inject_queue_call(1, "13800000002").unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let queues = client.queue_status(&[1, 2]).await.unwrap();
    assert_eq!(queues.len(), 2);
    let q1 = &queues[0];
    assert_eq!((q1.skill, q1.waiting, q1.signed_in, q1.available), (1, 2, 0, 0));
    assert!(q1.longest_wait >= Duration::from_secs(1) && q1.longest_wait < Duration::from_secs(30), "{q1:?}");
    assert!(q1.other.is_empty(), "every indicator decoded: {q1:?}");
    assert_eq!((queues[1].skill, queues[1].waiting), (2, 0));

    // Agent 1001 signs in and is offered the longest-waiting call.
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    let session =
        AgentSession::sign_in(gw, SignIn::new(a.id.as_str(), a.password.as_str(), a.phone.as_str())).await.unwrap();
    let mut offered = false;
    for _ in 0..50 {
        let states = client.agents_by_state(&agents).await.unwrap();
        let me = states.agents.iter().find(|r| r.agent_id == 1001).unwrap();
        if me.state == CtiAgentState::Occupied {
            assert!(me.logon.is_some(), "a signed-in agent has a logon time");
            offered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(offered, "1001 never rang");
    let team = client.team_status(&agents).await.unwrap();
    assert_eq!((team.signed_in, team.occupied, team.idle), (1, 1, 0), "{team:?}");
    let q1 = client.queue_status(&[1]).await.unwrap().remove(0);
    assert_eq!((q1.waiting, q1.signed_in), (1, 1), "{q1:?}");

    // Today's history in 15-minute rows: the two requests fall in the current interval.
    let req = "IDX_COUNT_SKILL_REQUEST".to_string();
    let rows =
        client.skill_history(&[1], std::slice::from_ref(&req), Day::Today, Some(TimeGrain::Min15)).await.unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.skill == 1 && r.interval_start.as_deref().is_some_and(|s| s.ends_with(":00.0"))));
    let total: u64 = rows.iter().filter_map(|r| r.values.get(&req).and_then(|v| v.count())).sum();
    assert_eq!(total, 2, "{rows:?}");
    let yesterday = client.skill_history(&[1], std::slice::from_ref(&req), Day::Yesterday, None).await.unwrap();
    assert_eq!(yesterday[0].values[&req].count(), Some(0));

    // Service level: nothing answered yet.
    let sl = client.service_level(&[1], Duration::from_secs(20)).await.unwrap();
    assert_eq!((sl[0].offered, sl[0].answered_within, sl[0].percent), (2, 0, Some(0.0)));
    assert!(client.service_level(&[1], Duration::from_secs(7)).await.unwrap_err().to_string().contains("indexIds"));

    // The callers hang up; the abandoned calls count as lost.
    sim.hang_up(&c1).unwrap();
    sim.hang_up(&c2).unwrap();
    let sl = client.service_level(&[1], Duration::from_secs(20)).await.unwrap();
    assert_eq!((sl[0].offered, sl[0].abandoned), (2, 2), "{sl:?}");
    session.sign_out().await.unwrap();
    sim.shutdown().await;
}
