//! How a user tests their own code without a server (issue 10, "testing for users"):
//! the code under test is written against `cec_cms::CmsService`, the unit test puts a
//! hand-written fake behind it, and in production the same code runs on `cec_cms::Client`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;

use cec_cms::generated::{
    AgentAgentstatusinfobyagentidsResponse, AgentAgentstatusinfobyagentidsResponseResultDesc, CtiAgentState,
};
use cec_cms::stub::AgentAgentstatusinfobyagentidsRequest;
use cec_cms::{AkSkSigner, C2Auth, CallOptions, Client, CmsService, Config, RetryPolicy, TenantDefaults};
use httpmock::MockServer;
use serde_json::json;

// ---- the user's code: it knows only the trait ----

/// Of `agents`, those that can take a call now (idle), in the order the NE listed them.
async fn idle_agents(cms: &impl CmsService, agents: Vec<i64>) -> Result<Vec<i64>, cec_cms::Error> {
    let req = AgentAgentstatusinfobyagentidsRequest { agent_ids: Some(agents), ..Default::default() };
    let answer = cms.agent_agentstatusinfobyagentids(req, CallOptions::default()).await?;
    Ok(answer
        .result_desc
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.current_state == Some(CtiAgentState::Idle))
        .filter_map(|a| a.agent_id)
        .collect())
}

// ---- the user's unit tests: a fake implements the one method the code calls ----

/// Answers from a fixed table of agent states and records the requests it saw.
#[derive(Default)]
struct FakeCms {
    states: Vec<(i64, CtiAgentState)>,
    seen: Mutex<Vec<Vec<i64>>>,
}

impl CmsService for FakeCms {
    async fn agent_agentstatusinfobyagentids(
        &self,
        req: AgentAgentstatusinfobyagentidsRequest,
        _options: CallOptions,
    ) -> Result<AgentAgentstatusinfobyagentidsResponse, cec_cms::Error> {
        let ids = req.agent_ids.unwrap_or_default();
        self.seen.lock().unwrap().push(ids.clone());
        let rows = ids
            .iter()
            .filter_map(|id| self.states.iter().find(|(a, _)| a == id))
            .map(|(id, st)| AgentAgentstatusinfobyagentidsResponseResultDesc {
                agent_id: Some(*id),
                current_state: Some(*st),
                ..Default::default()
            })
            .collect();
        Ok(AgentAgentstatusinfobyagentidsResponse { result_desc: Some(rows), ..Default::default() })
    }
}

#[tokio::test]
async fn the_users_code_runs_on_a_fake() {
    let fake = FakeCms {
        states: vec![(1001, CtiAgentState::Idle), (1002, CtiAgentState::Talking), (1003, CtiAgentState::Idle)],
        ..Default::default()
    };
    assert_eq!(idle_agents(&fake, vec![1001, 1002, 1003, 1004]).await.unwrap(), vec![1001, 1003]);
    assert_eq!(*fake.seen.lock().unwrap(), vec![vec![1001, 1002, 1003, 1004]]);
}

#[tokio::test]
async fn a_method_the_fake_leaves_out_fails_loudly() {
    let fake = FakeCms::default();
    let e = fake.vdn_restreasons(Default::default(), CallOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert_eq!(e.operation(), Some("vdn.restreasons"));
}

/// A fake can fail the way the NE does, so the error path of the user's code is tested too.
struct FailingCms;

impl CmsService for FailingCms {
    async fn agent_agentstatusinfobyagentids(
        &self,
        _req: AgentAgentstatusinfobyagentidsRequest,
        _options: CallOptions,
    ) -> Result<AgentAgentstatusinfobyagentidsResponse, cec_cms::Error> {
        Err(cec_core::Error::new(cec_core::ErrorKind::Service, "agent not found").into())
    }
}

#[tokio::test]
async fn the_users_code_passes_an_ne_failure_on() {
    let e = idle_agents(&FailingCms, vec![1001]).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Service);
}

// ---- production: the same code on the HTTP client ----

#[tokio::test]
async fn the_same_code_runs_on_the_http_client_with_tenant_defaults() {
    let server = MockServer::start_async().await;
    let answer = json!({
        "resultCode": "0100000",
        "resultDesc": [{"agentId": 1001, "currentState": 1}, {"agentId": 1002, "currentState": 5}]
    });
    let body = json!({"ccId": 1, "vdn": 7, "agentIds": [1001, 1002]});
    let path = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
    let traced = server
        .mock_async(|when, then| {
            when.method("POST").path(path).header("x-trace", "t-9").json_body(body.clone());
            then.status(200).json_body(answer.clone());
        })
        .await;
    let plain = server
        .mock_async(|when, then| {
            when.method("POST").path(path).json_body(body.clone());
            then.status(200).json_body(answer.clone());
        })
        .await;
    let config = Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap();
    let client = Client::new(config, C2Auth::Signature(AkSkSigner::new("ak", "sk").unwrap()))
        .unwrap()
        .with_tenant(TenantDefaults::new().cc_id(1).vdn(7));
    assert_eq!(idle_agents(&client, vec![1001, 1002]).await.unwrap(), vec![1001]);
    // Per-call options pass through the trait.
    let mut options = CallOptions::default();
    options.header("x-trace", "t-9");
    let req = AgentAgentstatusinfobyagentidsRequest { agent_ids: Some(vec![1001, 1002]), ..Default::default() };
    // (The client's own builder method has the same name: call the trait's explicitly.)
    assert!(CmsService::agent_agentstatusinfobyagentids(&client, req, options).await.is_ok());
    // Validation still runs before anything is sent.
    let bad = AgentAgentstatusinfobyagentidsRequest { agent_ids: Some(vec![65000]), ..Default::default() };
    let e = CmsService::agent_agentstatusinfobyagentids(&client, bad, CallOptions::default()).await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Validation);
    traced.assert_calls_async(1).await;
    plain.assert_calls_async(1).await;
}
