//! The session cookie jar: each agent's `Set-Cookie` values go back on that
//! agent's calls only, even when agents share one connection pool.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cec_core::{Config, RetryPolicy};
use httpmock::Method::{DELETE, POST, PUT};
use httpmock::MockServer;

const OK: &str = r#"{"message":"success","retcode":"0","result":{"workno":"1001"}}"#;

async fn login_mock<'a>(server: &'a MockServer, agent: &str, guid: &str, cookie: &str) -> httpmock::Mock<'a> {
    let path = format!("/agentgateway/resource/onlineagent/{agent}");
    let (guid, cookie) = (format!("JSESSIONID={guid}"), cookie.to_owned());
    server
        .mock_async(|when, then| {
            when.method(PUT).path(path);
            then.status(200)
                .header("content-type", "application/json")
                .header("set-guid", guid)
                .header("set-cookie", cookie)
                .body(OK);
        })
        .await
}

#[tokio::test]
async fn each_agent_sends_back_its_own_cookies() {
    let server = MockServer::start_async().await;
    let config = Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap();
    let a = cec_gateway::Client::new(config).unwrap();
    let b = a.for_agent();
    login_mock(&server, "1001", "guid-a", "SERVERID=node-a; Path=/; HttpOnly").await;
    login_mock(&server, "1002", "guid-b", "SERVERID=node-b; Path=/").await;
    // sayfree: each agent's call must carry its own GUID and cookie, never the other's.
    let ready_a = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/agentgateway/resource/onlineagent/1001/sayfree")
                .header("guid", "guid-a")
                .header("cookie", "SERVERID=node-a");
            then.status(200).header("content-type", "application/json").body(OK);
        })
        .await;
    let ready_b = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/agentgateway/resource/onlineagent/1002/sayfree")
                .header("guid", "guid-b")
                .header("cookie", "SERVERID=node-b; lb=2");
            then.status(200).header("content-type", "application/json").header("set-cookie", "lb=3").body(OK);
        })
        .await;
    // A later answer adds a cookie for agent B only.
    let skills_b = server
        .mock_async(|when, then| {
            when.method(POST).path("/agentgateway/resource/onlineagent/1002/resetskill/true");
            then.status(200).header("content-type", "application/json").header("set-cookie", "lb=2").body(OK);
        })
        .await;
    let logout_b = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path("/agentgateway/resource/onlineagent/1002/logout")
                .header("cookie", "SERVERID=node-b; lb=3");
            then.status(200).header("content-type", "application/json").body(r#"{"message":"success","retcode":"0"}"#);
        })
        .await;

    a.onlineagent_login().agentid("1001").password("pw").phonenum("70001").send().await.unwrap();
    b.onlineagent_login().agentid("1002").password("pw").phonenum("70002").send().await.unwrap();
    b.onlineagent_resetskill().agentid("1002").autoflag(true).send().await.unwrap();
    a.onlineagent_sayfree().agentid("1001").send().await.unwrap();
    b.onlineagent_sayfree().agentid("1002").send().await.unwrap();
    assert_eq!((ready_a.calls_async().await, ready_b.calls_async().await, skills_b.calls_async().await), (1, 1, 1));
    assert_eq!(a.guid_auth().cookie_names(), ["SERVERID"], "agent A never saw B's cookie");
    assert_eq!(b.guid_auth().cookie_names(), ["SERVERID", "lb"]);
    b.onlineagent_logout().agentid("1002").send().await.unwrap();
    assert_eq!(logout_b.calls_async().await, 1, "the sign-out carries the session's cookies");
    assert!(b.guid_auth().cookie_names().is_empty(), "signed out: the jar is empty");
}

#[tokio::test]
async fn a_set_guid_of_any_name_is_taken() {
    let server = MockServer::start_async().await;
    let config = Config::builder(&server.base_url()).retry(RetryPolicy::disabled()).build().unwrap();
    let gw = cec_gateway::Client::new(config).unwrap();
    server
        .mock_async(|when, then| {
            when.method(PUT).path("/agentgateway/resource/onlineagent/1001");
            then.status(200)
                .header("content-type", "application/json")
                .header("set-guid", "AGWSESSION=5d1e-77.AgentGateway1; Path=/")
                .body(OK);
        })
        .await;
    gw.onlineagent_login().agentid("1001").password("pw").phonenum("70001").send().await.unwrap();
    assert_eq!(gw.guid().map(|g| g.expose_str().to_owned()).as_deref(), Some("5d1e-77.AgentGateway1"));
}
