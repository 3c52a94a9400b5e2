//! Every fault kind, through the SDK clients, and the SDK's reaction to it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use cec_auth::{ApiFabricCredentials, OiapCredentials};
use cec_core::{Config, ErrorKind, RetryPolicy};
use cec_sim::{Fault, Simulator};
use common::{AGENT, WITHIN, c2, cms_states, config, fast, ready_gateway, recorded_call, start, wait_event};
use futures_util::StreamExt;
use serde_json::json;

/// Retries on, with short backoffs.
fn retrying(sim: &Simulator) -> Config {
    let retry = RetryPolicy::disabled()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
        .with_budget(500);
    Config::builder(&sim.endpoint()).retry(retry).build().unwrap()
}

fn cms(sim: &Simulator, config: Config) -> cec_cms::Client {
    cec_cms::Client::new(config, c2(sim)).unwrap()
}

/// The fault's (remaining, hits).
fn usage(sim: &Simulator, id: u64) -> (Option<u32>, u64) {
    let f = sim.faults().into_iter().find(|f| f.id == id).expect("the fault is listed");
    (f.remaining, f.hits)
}

fn download_builder(fs: &cec_fs::Client, call_id: &str) -> cec_fs::generated::CcfsDownloadRecordBuilder {
    fs.ccfs_download_record()
        .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadRecordBodyMsgBody {
            call_id: Some(call_id.to_owned()),
            ..Default::default()
        })
}

/// Downloads a recording: (declared length, bytes received, the error that ended the stream).
async fn download(fs: &cec_fs::Client, call_id: &str) -> (Option<u64>, Vec<u8>, Option<cec_core::Error>) {
    let file = download_builder(fs, call_id).send().await.expect("the download starts");
    let declared = file.content_length();
    let mut body = file.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(c) => out.extend_from_slice(&c),
            Err(e) => return (declared, out, Some(e)),
        }
    }
    (declared, out, None)
}

// ---- HTTP 5xx ---------------------------------------------------------------

#[tokio::test]
async fn a_503_on_a_safe_interface_is_retried_and_succeeds() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::http_error(503).on("agent.agentstatusinfobyagentids").times(1)).unwrap();
    let cms = cms(&sim, retrying(&sim));
    assert_eq!(cms_states(&cms, &sim).await.unwrap(), 2);
    assert_eq!(usage(&sim, id), (Some(0), 1), "one 503, then the retry went through");
}

#[tokio::test]
async fn a_lasting_503_surfaces_after_max_attempts() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::http_error(503).on_ne("cms")).unwrap();
    let e = cms_states(&cms(&sim, retrying(&sim)), &sim).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Http, "{e}");
    assert_eq!(e.status(), Some(503));
    assert_eq!(usage(&sim, id), (None, 3), "3 attempts");
    // Another NE is not affected, and clearing the fault heals CC-CMS.
    let af = cec_apifabric::Client::new(
        config(&sim),
        config(&sim),
        ApiFabricCredentials::new(sim.scenario().app_key.as_str(), sim.scenario().app_secret.as_str()),
    )
    .unwrap();
    af.agent_info_query_agent_info().send().await.unwrap();
    assert_eq!(sim.clear_faults(), 1);
    assert_eq!(cms_states(&cms(&sim, config(&sim)), &sim).await.unwrap(), 2);
}

#[tokio::test]
async fn a_503_on_call_control_is_not_retried() {
    let sim = start(fast()).await;
    let gw = ready_gateway(&sim, retrying(&sim)).await;
    let call_id = sim.inject_call(AGENT, "13800000001").unwrap();
    wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
    let id = sim.add_fault(Fault::http_error(503).on("voicecall.answer").times(1)).unwrap();
    let e = gw.voicecall_answer().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(e.kind(), ErrorKind::Http);
    assert!(e.is_retryable() && e.may_have_been_sent(), "retryable in principle, but unsafe to repeat");
    assert_eq!(usage(&sim, id), (Some(0), 1), "a single attempt");
    assert_eq!(
        sim.agent(AGENT).unwrap().state,
        cec_sim::CtiAgentState::Occupied,
        "still ringing: the 503 came before processing"
    );
    // The caller decides: answering again works.
    gw.voicecall_answer().agentid(AGENT).send().await.unwrap();
    let talking = wait_event(&gw, AGENT, "AgentEvent_Talking", WITHIN).await;
    assert_eq!(talking["callid"], json!(call_id));
}

// ---- 429 --------------------------------------------------------------------

#[tokio::test]
async fn a_429_carries_retry_after() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::throttle(7).on_ne("cms").times(1)).unwrap();
    let e = cms_states(&cms(&sim, config(&sim)), &sim).await.unwrap_err();
    assert!(e.is_throttled(), "{e}");
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn a_429_is_retried_no_sooner_than_retry_after() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::throttle(1).on("agent.agentstatusinfobyagentids").times(1)).unwrap();
    let cms = cms(&sim, retrying(&sim));
    let started = Instant::now();
    assert_eq!(cms_states(&cms, &sim).await.unwrap(), 2);
    // A lower bound only: the backoff (10–50 ms here) is raised to Retry-After.
    assert!(started.elapsed() >= Duration::from_secs(1), "retried after {:?}", started.elapsed());
    assert_eq!(usage(&sim, id), (Some(0), 1));
}

// ---- connection reset ---------------------------------------------------------

#[tokio::test]
async fn a_reset_on_call_control_is_a_transport_error_that_may_have_been_sent() {
    let sim = start(fast()).await;
    let gw = ready_gateway(&sim, retrying(&sim)).await;
    sim.inject_call(AGENT, "13800000001").unwrap();
    wait_event(&gw, AGENT, "AgentEvent_Ringing", WITHIN).await;
    let id = sim.add_fault(Fault::reset(0).on("voicecall.answer").times(1)).unwrap();
    let e = gw.voicecall_answer().agentid(AGENT).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert!(e.may_have_been_sent());
    assert_eq!(usage(&sim, id), (Some(0), 1), "not repeated");
    assert_eq!(
        sim.agent(AGENT).unwrap().state,
        cec_sim::CtiAgentState::Talking,
        "the NE did answer the call: that is why the SDK does not repeat"
    );
}

#[tokio::test]
async fn a_reset_on_a_safe_query_is_retried() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::reset(10).on_ne("cms").times(1)).unwrap();
    assert_eq!(cms_states(&cms(&sim, retrying(&sim)), &sim).await.unwrap(), 2);
    assert_eq!(usage(&sim, id), (Some(0), 1));
}

#[tokio::test]
async fn downloads_reset_after_n_bytes_fail_mid_stream_twice_then_succeed() {
    let sim = start(fast()).await;
    let call_id = recorded_call(&sim).await;
    let fs = cec_fs::Client::new(retrying(&sim), c2(&sim)).unwrap();
    let (_, whole, err) = download(&fs, &call_id).await;
    assert!(err.is_none());
    assert!(whole.len() > 8192, "{} bytes", whole.len());
    // "The next 2 downloads reset after 4 KiB."
    let id = sim.add_fault(Fault::reset(4096).on("ccfs.downloadRecord").times(2)).unwrap();
    for _ in 0..2 {
        let (declared, got, err) = download(&fs, &call_id).await;
        let e = err.expect("the stream fails");
        assert_eq!(declared, None, "chunked: no length announced");
        assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
        assert_eq!(e.operation(), Some("ccfs.downloadRecord"), "a body error names the interface");
        assert!(e.may_have_been_sent());
        assert!(got.len() <= 4096, "{} bytes before the reset", got.len());
        assert_eq!(got[..], whole[..got.len()], "what arrived is the start of the file");
    }
    assert_eq!(usage(&sim, id), (Some(0), 2));
    let (_, again, err) = download(&fs, &call_id).await;
    assert!(err.is_none());
    assert_eq!(again, whole);
}

// ---- truncated body -----------------------------------------------------------

#[tokio::test]
async fn a_truncated_download_is_an_error_not_a_short_file() {
    let sim = start(fast()).await;
    let call_id = recorded_call(&sim).await;
    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    let (_, whole, _) = download(&fs, &call_id).await;
    sim.add_fault(Fault::truncate(1000).on("ccfs.downloadRecord").times(1)).unwrap();
    let (declared, got, err) = download(&fs, &call_id).await;
    assert_eq!(declared, Some(whole.len() as u64), "the full length is announced");
    assert_eq!(got.len(), 1000);
    let e = err.expect("a body shorter than Content-Length is an error");
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
}

#[tokio::test]
async fn a_truncated_json_answer_is_a_transport_error() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::truncate(20).on_ne("cms").times(1)).unwrap();
    let e = cms_states(&cms(&sim, config(&sim)), &sim).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert!(e.may_have_been_sent());
}

// ---- slow body ------------------------------------------------------------------

#[tokio::test]
async fn a_stalled_download_ends_with_a_timeout() {
    // The attempt timeout covers a file answer's headers only; the idle timeout
    // bounds each wait for the next chunk of the body.
    let sim = start(fast()).await;
    let call_id = recorded_call(&sim).await;
    let fs = cec_fs::Client::new(
        Config::builder(&sim.endpoint()).read_idle_timeout(Duration::from_millis(250)).build().unwrap(),
        c2(&sim),
    )
    .unwrap();
    sim.add_fault(Fault::slow_body(1).on("ccfs.downloadRecord").times(1)).unwrap();
    let (_, got, err) = download(&fs, &call_id).await;
    let e = err.expect("the stalled download fails");
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(e.operation(), Some("ccfs.downloadRecord"));
    assert!(e.message().contains("stalled"), "{e}");
    assert!(got.len() < 16, "only what came before the stall: {} bytes", got.len());
}

#[tokio::test]
async fn a_slow_download_still_arrives_intact() {
    // Slow but steady: every chunk comes within the idle timeout, and no rate
    // floor is set, so the body is read to the end.
    let sim = start(fast()).await;
    let call_id = recorded_call(&sim).await;
    let fs = cec_fs::Client::new(
        Config::builder(&sim.endpoint()).attempt_timeout(Duration::from_millis(500)).build().unwrap(),
        c2(&sim),
    )
    .unwrap();
    let (_, whole, _) = download(&fs, &call_id).await;
    let rate = whole.len() as u64; // about one second for the whole file
    sim.add_fault(Fault::slow_body(rate).on("ccfs.downloadRecord").times(1)).unwrap();
    let (declared, got, err) = download(&fs, &call_id).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(declared, Some(whole.len() as u64));
    assert_eq!(got, whole);
}

#[tokio::test]
async fn a_slow_json_answer_hits_the_attempt_timeout() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::slow_body(20).on_ne("cms").times(1)).unwrap();
    let config = Config::builder(&sim.endpoint())
        .attempt_timeout(Duration::from_millis(300))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let e = cms_states(&cms(&sim, config), &sim).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.may_have_been_sent());
}

// ---- malformed JSON ---------------------------------------------------------------

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body_excerpt() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::malformed_json().on("agent.agentstatusinfobyagentids").times(1)).unwrap();
    let e = cms_states(&cms(&sim, retrying(&sim)), &sim).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
    assert_eq!(e.status(), Some(200));
    let excerpt = e.body_excerpt().expect("an excerpt of the body");
    assert!(excerpt.starts_with('{') && excerpt.contains("result"), "{excerpt}");
    assert_eq!(usage(&sim, id), (Some(0), 1), "a decode error is not retried");
}

#[tokio::test]
async fn malformed_json_instead_of_a_file_is_a_decode_error() {
    let sim = start(fast()).await;
    let call_id = recorded_call(&sim).await;
    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    sim.add_fault(Fault::malformed_json().on("ccfs.downloadRecord").times(1)).unwrap();
    let e = download_builder(&fs, &call_id).send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode, "{e:?}");
    assert!(e.body_excerpt().is_some_and(|b| b.starts_with('{')), "{e:?}");
}

// ---- expired credentials ------------------------------------------------------------

#[tokio::test]
async fn an_expired_c1_token_is_refreshed_once() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    af.agent_info_query_agent_info().send().await.unwrap();
    let first = af.auth().token().await.unwrap();
    // On the whole NE: the token interface takes no credential, so it is not hit.
    let id = sim.add_fault(Fault::expired_credential().on_ne("apifabric").times(1)).unwrap();
    af.agent_info_query_agent_info().send().await.unwrap();
    let second = af.auth().token().await.unwrap();
    assert_ne!(first.expose_str(), second.expose_str(), "a new token was fetched");
    assert_eq!(usage(&sim, id), (Some(0), 1));
    // Twice in a row: the SDK refreshes only once, then the 401 surfaces.
    sim.add_fault(Fault::expired_credential().on("agentInfo.queryAgentInfo").times(2)).unwrap();
    let e = af.agent_info_query_agent_info().send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
}

#[tokio::test]
async fn an_expired_oiap_token_is_refreshed_once() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let oiap =
        cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key, sc.oiap_app_secret)).unwrap();
    oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    let id = sim.add_fault(Fault::expired_credential().on("dialog.process").times(1)).unwrap();
    let r = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap();
    assert_eq!(r.outaction, Some(9));
    assert_eq!(usage(&sim, id), (Some(0), 1));
    sim.add_fault(Fault::expired_credential().on("dialog.process").times(2)).unwrap();
    let e = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.code(), Some("900001"));
}

#[tokio::test]
async fn an_expired_c2_signature_is_401_and_not_repeated() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::expired_credential().on_ne("cms").times(1)).unwrap();
    let e = cms_states(&cms(&sim, retrying(&sim)), &sim).await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.status(), Some(401));
    assert_eq!(usage(&sim, id), (Some(0), 1), "nothing to refresh: a signature is made anew");
}

#[tokio::test]
async fn an_expired_guid_surfaces_100_006() {
    let sim = start(fast()).await;
    let gw = ready_gateway(&sim, retrying(&sim)).await;
    let id = sim.add_fault(Fault::expired_credential().on("agentevent.poll").times(1)).unwrap();
    let e = gw.agentevent_poll().agentid(AGENT).send().await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert_eq!(e.code(), Some("100-006"));
    assert_eq!(usage(&sim, id), (Some(0), 1), "a GUID cannot be refreshed by the SDK");
}

// ---- latency ---------------------------------------------------------------------------

#[tokio::test]
async fn latency_beyond_the_attempt_timeout_is_a_timeout() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::latency(Duration::from_secs(3)).on_ne("cms").times(1)).unwrap();
    let config = Config::builder(&sim.endpoint())
        .attempt_timeout(Duration::from_millis(200))
        .retry(RetryPolicy::disabled())
        .build()
        .unwrap();
    let e = cms_states(&cms(&sim, config), &sim).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.may_have_been_sent());
}

#[tokio::test]
async fn latency_on_a_safe_query_is_retried_after_the_attempt_timeout() {
    let sim = start(fast()).await;
    let id = sim.add_fault(Fault::latency(Duration::from_secs(3)).on_ne("cms").times(1)).unwrap();
    let config = Config::builder(&sim.endpoint())
        .attempt_timeout(Duration::from_millis(200))
        .retry(RetryPolicy::defaults(Default::default()).with_initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap();
    assert_eq!(cms_states(&cms(&sim, config), &sim).await.unwrap(), 2);
    assert_eq!(usage(&sim, id), (Some(0), 1));
}

#[tokio::test]
async fn latency_within_the_timeout_only_delays() {
    let sim = start(fast()).await;
    sim.add_fault(Fault::latency(Duration::from_millis(200)).on_ne("cms")).unwrap();
    let started = Instant::now();
    assert_eq!(cms_states(&cms(&sim, config(&sim)), &sim).await.unwrap(), 2);
    assert!(started.elapsed() >= Duration::from_millis(200));
}
