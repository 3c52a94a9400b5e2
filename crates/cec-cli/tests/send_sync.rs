//! Compile-time proof that what a user holds across `.await`s and hands to
//! tasks is `Send + Sync + 'static`: every NE client, the agent session, the
//! builders and the futures their `send()` returns, the streams (events,
//! paginators) and every error type (issue 16). Nothing here runs a request:
//! the functions below are type-checked, which is the assertion; a type that
//! loses `Send` (an `Rc`, a `RefCell` held across an await) fails the build.

use std::future::Future;

use futures_util::Stream;

fn send_sync_static<T: Send + Sync + 'static>() {}

fn send_static_future<F: Future + Send + 'static>(_: F) {}

fn send_static_stream<S: Stream + Send + 'static>(_: S) {}

fn error<E: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn clients_sessions_builders_and_errors_are_send_sync_static() {
    // Clients.
    send_sync_static::<cec_core::Client>();
    send_sync_static::<cec_cms::Client>();
    send_sync_static::<cec_gateway::Client>();
    send_sync_static::<cec_isales::Client>();
    send_sync_static::<cec_oiap::Client>();
    send_sync_static::<cec_apifabric::Client>();
    send_sync_static::<cec_fs::Client>();
    // The agent session and its pieces.
    send_sync_static::<cec_gateway::AgentSession>();
    send_sync_static::<cec_gateway::SignIn>();
    send_sync_static::<cec_gateway::EventItem>();
    send_sync_static::<cec_gateway::AgentEvent>();
    send_sync_static::<cec_gateway::PushInbox>();
    send_sync_static::<cec_fs::NoticeInbox>();
    // Builders (they own a client clone) and configuration.
    send_sync_static::<cec_cms::generated::AgentAgentstatusinfobyagentidsBuilder>();
    send_sync_static::<cec_cms::generated::VdnQueryagentreststateBuilder>();
    send_sync_static::<cec_gateway::generated::OnlineagentLoginBuilder>();
    send_sync_static::<cec_isales::generated::CampaignDeleteBuilder>();
    send_sync_static::<cec_oiap::generated::AuthGettokenBuilder>();
    send_sync_static::<cec_apifabric::generated::AuthTokenByAkSkBuilder>();
    send_sync_static::<cec_fs::generated::CcfsGetRecordFileUrlFromObsBuilder>();
    send_sync_static::<cec_core::Config>();
    send_sync_static::<cec_core::CallOptions>();
    send_sync_static::<cec_core::Call>();
    // Errors.
    error::<cec_core::Error>();
    error::<cec_cms::Error>();
    error::<cec_gateway::Error>();
    error::<cec_isales::Error>();
    error::<cec_oiap::Error>();
    error::<cec_apifabric::Error>();
    error::<cec_fs::Error>();
    error::<cec_workbench::Error>();
}

/// Type-checked, never called: the futures of `send()` and of the session's
/// operations, and the streams, are `Send + 'static`, so `tokio::spawn` takes them.
#[allow(dead_code, clippy::too_many_arguments)]
fn futures_and_streams_are_send_static(
    cms: cec_cms::Client,
    gw: cec_gateway::Client,
    isales: cec_isales::Client,
    oiap: cec_oiap::Client,
    fabric: cec_apifabric::Client,
    fs: cec_fs::Client,
    session: cec_gateway::AgentSession,
    sign_in: cec_gateway::SignIn,
    watched: &cec_gateway::AgentSession,
) {
    send_static_future(cms.agent_agentstatusinfobyagentids().send());
    send_static_future(gw.onlineagent_login().send());
    send_static_future(isales.campaign_delete().send());
    send_static_future(oiap.auth_gettoken().send());
    send_static_future(fabric.auth_token_by_ak_sk().send());
    send_static_future(fs.ccfs_get_record_file_url_from_obs().send());
    send_static_future(cec_gateway::AgentSession::sign_in(gw.clone(), sign_in));
    send_static_future(async move { session.ready().await });
    send_static_stream(cms.vdn_queryagentreststate().into_paginator().items());
    send_static_stream(cms.vdn_queryagentreststate().into_paginator().pages());
    if let Some(events) = watched.events() {
        send_static_stream(events);
    }
}
