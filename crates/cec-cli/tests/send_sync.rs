//! Compile-time proof that what a user holds across `.await`s and hands to
//! tasks is `Send + Sync + 'static`: every NE client, the agent session, the
//! builders and the futures their `send()` returns, the streams (events,
//! paginators, file bodies; all `Unpin` too) and every error type (issue 16). Nothing here runs a request:
//! the functions below are type-checked, which is the assertion; a type that
//! loses `Send` (an `Rc`, a `RefCell` held across an await) fails the build.

use std::future::Future;

use futures_util::Stream;

fn send_sync_static<T: Send + Sync + 'static>() {}

fn send_static_future<F: Future + Send + 'static>(_: F) {}

fn send_static_stream<S: Stream + Send + 'static>(_: S) {}

fn error<E: std::error::Error + Send + Sync + 'static>() {}

/// What a caller polls with `.next()` straight away: no `pin!` needed.
fn send_static_unpin_stream<S: Stream + Send + Unpin + 'static>(_: S) {}

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
    // Authorizers and credentials (shared by clients and tasks through `Arc`).
    send_sync_static::<cec_auth::ApiFabricAuth>();
    send_sync_static::<cec_auth::ApiFabricCredentials>();
    send_sync_static::<cec_auth::OiapAuth>();
    send_sync_static::<cec_auth::OiapCredentials>();
    send_sync_static::<cec_auth::GuidAuth>();
    send_sync_static::<cec_auth::C2Auth>();
    send_sync_static::<cec_auth::AkSkSigner>();
    send_sync_static::<cec_auth::CachedToken>();
    send_sync_static::<cec_core::Secret<String>>();
    send_sync_static::<cec_core::profile::Profile>();
    send_sync_static::<cec_core::verify::C2Verifier>();
    send_sync_static::<std::sync::Arc<dyn cec_core::Authorizer>>();
    send_sync_static::<std::sync::Arc<dyn cec_core::Transport>>();
    // Receivers a service runs for its lifetime, and the simulator tests share.
    send_sync_static::<cec_gateway::PushReceiver>();
    send_sync_static::<cec_fs::NoticeReceiver>();
    send_sync_static::<cec_sim::Simulator>();
    // Typed answers and events move between tasks.
    send_sync_static::<cec_gateway::SessionEvent>();
    send_sync_static::<cec_gateway::AgentView>();
    send_sync_static::<cec_fs::Notice>();
    send_sync_static::<cec_fs::Report>();
    send_sync_static::<cec_core::Downloaded>();
}

/// Type-checked, never called: file answers and downloads. The body of a file
/// answer is `Send + Unpin + 'static` (polled with `.next()` in any task; one
/// reader, so not `Sync`); the download helpers borrow their client, and moved
/// into an `async move` with a client clone they are `Send + 'static`.
#[allow(dead_code)]
fn downloads_are_send_static(fs: cec_fs::Client, answer: cec_core::BinaryResponse, dir: std::path::PathBuf) {
    fn send_static<T: Send + 'static>(_: &T) {}
    send_static(&answer);
    send_static_unpin_stream(answer.body);
    let f = fs.clone();
    let d = dir.clone();
    send_static_future(async move { f.recording("call-1").to_dir(d).await });
    let progress = fs.recording("call-1").progress_stream().1;
    send_static_stream(progress);
    let f = fs.clone();
    let d = dir.clone();
    send_static_future(async move { f.bills(0, 3_600_000).to_dir(d).await });
    let f = fs;
    send_static_future(async move { f.sync(0, 3_600_000, dir).run().await });
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
    // Streams are also `Unpin`: `.next().await` on them without pinning.
    send_static_unpin_stream(cms.vdn_query_agent_rest_state().into_paginator().items());
    send_static_unpin_stream(cms.vdn_query_agent_rest_state().into_paginator().pages());
    if let Some(events) = watched.events() {
        send_static_unpin_stream(events);
    }
}
