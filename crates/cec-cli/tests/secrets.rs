//! The secrets sweep (issue 16): with known secret values in the simulator's
//! scenario — the C2 SK, the API Fabric and OIAP app secrets, agent and
//! configuration passwords, a push `service_token` — every auth mode runs
//! (C1, C2 signature, C2 with a C1 Bearer token, C3, C4 poll and push, C5, C6),
//! with failures and faults on the credential interfaces, while every line of
//! tracing output at TRACE (log records of the dependencies included) is
//! captured. Every config, credential, client, builder, request and response
//! holding a secret, and every error with its chain, is formatted with `{:?}`,
//! `{:#?}`, `{}` and `{:#}` (anyhow's chain). No secret value may appear in any
//! of it — nor the tokens and GUIDs the simulator handed out, read back at the
//! end through the SDK's own accessors.
//!
//! One test in this file: the tracing subscriber is global for the process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::{Debug, Display};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cec_auth::{AkSkSigner, ApiFabricAuth, ApiFabricCredentials, C2Auth, OiapCredentials, OiapFlavor};
use cec_core::{Config, RetryPolicy, Secret};
use cec_gateway::{AgentSession, PushReceiver, SignIn};
use cec_sim::{Fault, Scenario, SimConfig, Simulator};
use serde_json::json;

const SK: &str = "SKsweep7f3a9cQ";
const WRONG_SK: &str = "WRONGskX81b2";
const APP_SECRET: &str = "APPsecretC1zz91";
const WRONG_APP_SECRET: &str = "WRONGappSecret5";
const OIAP_SECRET: &str = "OIAPsecretC3dd7";
const AGENT_PW: &str = "AgentPwd4421Q";
const AGENT2_PW: &str = "AgentPwd5532R";
const WRONG_PW: &str = "WrongAgentPw66";
const CONFIG_PW: &str = "CfgAdminPw8812";
const SERVICE_TOKEN: &str = "PushSvcToken3310";
const RESTORED_GUID: &str = "RestoredGuid9d9d";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything formatted, labelled, to search at the end.
#[derive(Default)]
struct Shown(Vec<(String, String)>);

impl Shown {
    fn debug(&mut self, what: &str, v: &impl Debug) {
        self.0.push((format!("{what} {{:?}}"), format!("{v:?}")));
        self.0.push((format!("{what} {{:#?}}"), format!("{v:#?}")));
    }
    fn both(&mut self, what: &str, v: &(impl Debug + Display)) {
        self.debug(what, v);
        self.0.push((format!("{what} {{}}"), format!("{v}")));
        self.0.push((format!("{what} {{:#}}"), format!("{v:#}")));
    }
    /// An error: Debug, Display, every source in its chain, and anyhow's `{:#}` chain.
    fn error<E: std::error::Error + Send + Sync + 'static>(&mut self, what: &str, e: E) {
        self.both(what, &e);
        let mut source = std::error::Error::source(&e);
        let mut n = 0;
        while let Some(s) = source {
            n += 1;
            self.0.push((format!("{what} source {n} {{}}"), format!("{s}")));
            self.0.push((format!("{what} source {n} {{:?}}"), format!("{s:?}")));
            source = s.source();
        }
        let chained = anyhow::Error::new(e).context(format!("while testing {what}"));
        self.0.push((format!("{what} anyhow {{:#}}"), format!("{chained:#}")));
        self.0.push((format!("{what} anyhow {{:?}}"), format!("{chained:?}")));
    }
    fn result<T: Debug, E: std::error::Error + Send + Sync + 'static>(&mut self, what: &str, r: Result<T, E>) {
        match r {
            Ok(v) => self.debug(what, &v),
            Err(e) => self.error(what, e),
        }
    }
}

fn scenario() -> Scenario {
    let mut sc = Scenario {
        sk: SK.into(),
        app_secret: APP_SECRET.into(),
        oiap_app_secret: OIAP_SECRET.into(),
        config_admin_password: CONFIG_PW.into(),
        ..Scenario::default()
    };
    sc.agents[0].password = AGENT_PW.into();
    sc.agents[1].password = AGENT2_PW.into();
    sc
}

fn config(sim: &Simulator) -> Config {
    Config::builder(&sim.endpoint()).retry(RetryPolicy::disabled()).build().unwrap()
}

fn retrying(sim: &Simulator) -> Config {
    let retry = RetryPolicy::disabled()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(5))
        .with_max_backoff(Duration::from_millis(10));
    Config::builder(&sim.endpoint()).retry(retry).build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_debug_display_errors_or_trace_logs() {
    let logs = Captured::default();
    let sink = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .try_init()
        .expect("the only subscriber of this test binary");

    let sim = Simulator::start(SimConfig {
        scenario: scenario(),
        poll_wait: Duration::from_millis(50),
        guid_rotation: Duration::from_millis(200),
        ..Default::default()
    })
    .await
    .unwrap();
    let sc = sim.scenario();
    let mut shown = Shown::default();
    // Tokens and GUIDs handed out during the run, read back through the SDK.
    let mut issued: Vec<String> = Vec::new();

    // ---- configuration and profiles --------------------------------------
    shown.debug("Config", &config(&sim));
    let profile_toml = format!(
        "[profiles.default.cms]\nendpoint = \"{e}\"\nak = \"{ak}\"\nsk = \"{SK}\"\n\
         [profiles.default.apifabric]\nendpoint = \"{e}\"\napp_key = \"{k}\"\napp_secret = \"{APP_SECRET}\"\n\
         [profiles.default.oiap]\nendpoint = \"{e}\"\napp_key = \"{ok}\"\napp_secret = \"{OIAP_SECRET}\"\n\
         [profiles.default.gateway]\nendpoint = \"{e}\"\nguid = \"{RESTORED_GUID}\"\n",
        e = sim.endpoint(),
        ak = sc.ak,
        k = sc.app_key,
        ok = sc.oiap_app_key,
    );
    let dir = std::env::temp_dir().join(format!("cec-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, &profile_toml).unwrap();
    let profile = cec_core::profile::Profile::load(Some(&file), None, &|_| None).unwrap();
    shown.debug("Profile", &profile);
    shown.result("cms from profile", cec_cms::Client::from_settings(&profile));
    shown.result("gateway from profile", cec_gateway::Client::from_settings(&profile));
    // A profile file whose secret line is broken: the parse error must not quote it.
    std::fs::write(&file, format!("[profiles.default.cms]\nsk = \"{SK}\nak = 1\n")).unwrap();
    shown.result("broken profile", cec_core::profile::Profile::load(Some(&file), None, &|_| None));
    std::fs::write(&file, format!("[profiles.default.cms]\nsk = [\"{SK}\"]\n")).unwrap();
    shown.result("mistyped profile", cec_core::profile::Profile::load(Some(&file), None, &|_| None));
    let env = |k: &str| match k {
        "CEC_CMS_SK" => Some(SK.to_owned()),
        "CEC_INSECURE_SKIP_TLS_VERIFY" => Some(format!("maybe-{SK}")),
        _ => None,
    };
    shown.result("profile from a bad env value", cec_core::profile::Profile::load(Some(&dir.join("none")), None, &env));
    std::fs::remove_dir_all(&dir).ok();

    // ---- C2: AK/SK signature (CC-CMS, CC-FS, CC-iSales) --------------------
    let signer = AkSkSigner::new(sc.ak.as_str(), SK).unwrap();
    shown.debug("AkSkSigner", &signer);
    let c2 = C2Auth::Signature(signer.clone());
    shown.debug("C2Auth::Signature", &c2);
    let cms = cec_cms::Client::new(config(&sim), c2.clone()).unwrap();
    shown.debug("cms Client", &cms);
    let b = cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001, 1002]);
    shown.debug("cms builder", &b);
    shown.result("cms C2 call", b.send().await);
    let fs = cec_fs::Client::new(config(&sim), c2.clone()).unwrap();
    shown.debug("fs Client", &fs);
    let isales = cec_isales::Client::new(config(&sim), c2.clone()).unwrap();
    shown.debug("isales Client", &isales);
    let wrong =
        cec_cms::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), WRONG_SK).unwrap()))
            .unwrap();
    shown.result(
        "cms with a wrong SK",
        wrong.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001]).send().await,
    );

    // ---- C1: API Fabric token, and C2 with the C1 Bearer token --------------
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), APP_SECRET);
    shown.debug("ApiFabricCredentials", &creds);
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds.clone()).unwrap();
    shown.result("apifabric C1 call", af.agent_info_query_agent_info().send().await);
    shown.debug("apifabric Client", &af);
    shown.debug("ApiFabricAuth", &**af.auth());
    let b = af.auth_token_by_ak_sk().app_key(sc.app_key.as_str()).app_secret(APP_SECRET);
    shown.debug("tokenByAkSk builder", &b);
    shown.result("tokenByAkSk answer", b.send().await);
    let apply = af
        .ccmessaging_apply_token()
        .user_id("web-user-1")
        .user_name("Web visitor")
        .channel_id(sc.channel_id.as_str())
        .locale("en_US")
        .send()
        .await;
    shown.result("ccmessaging.applyToken answer", apply);
    if let Some(t) = af.auth().messaging_token() {
        shown.both("messaging token", &t);
        issued.push(t.expose_str().to_owned());
    }
    issued.push(af.auth().token().await.unwrap().expose_str().to_owned());
    let bearer = Arc::new(ApiFabricAuth::new(config(&sim), creds.clone()).unwrap());
    let cms_bearer = cec_cms::Client::new(config(&sim), C2Auth::Bearer(bearer.clone())).unwrap();
    shown.debug("C2Auth::Bearer client", &cms_bearer);
    shown.result(
        "cms C1-Bearer call",
        cms_bearer.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001]).send().await,
    );
    issued.push(bearer.token().await.unwrap().expose_str().to_owned());
    let wrong = cec_apifabric::Client::new(
        config(&sim),
        config(&sim),
        ApiFabricCredentials::new(sc.app_key.as_str(), WRONG_APP_SECRET),
    )
    .unwrap();
    shown.result("apifabric with a wrong app_secret", wrong.agent_info_query_agent_info().send().await);
    // The token answer broken or cut short: the error's body excerpt holds the token.
    for fault in [Fault::malformed_json(), Fault::truncate(40)] {
        sim.add_fault(fault.on("auth.tokenByAkSk").times(1)).unwrap();
        let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds.clone()).unwrap();
        shown.result("apifabric token answer broken", af.agent_info_query_agent_info().send().await);
    }
    sim.add_fault(Fault::expired_credential().on("agentInfo.queryAgentInfo").times(1)).unwrap();
    shown.result("apifabric token expired", af.agent_info_query_agent_info().send().await);

    // ---- C3 and C6: OIAP tokens -------------------------------------------
    let oiap_creds = OiapCredentials::tenant(sc.oiap_app_key.as_str(), OIAP_SECRET);
    shown.debug("OiapCredentials", &oiap_creds);
    let oiap = cec_oiap::Client::new(retrying(&sim), oiap_creds.clone()).unwrap();
    shown.result("oiap C3 call", oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await);
    shown.debug("oiap Client", &oiap);
    let b = oiap.auth_gettoken().app_key(sc.oiap_app_key.as_str()).app_secret(OIAP_SECRET);
    shown.debug("gettoken builder", &b);
    shown.result("gettoken answer", b.send().await);
    issued.push(oiap.auth().token().await.unwrap().expose_str().to_owned());
    let appcube =
        cec_oiap::Client::new(config(&sim), OiapCredentials { flavor: OiapFlavor::AppCube, ..oiap_creds.clone() })
            .unwrap();
    shown
        .result("oiap C6 call", appcube.dialog_process().userid("chat-2").inaction(8).inparams(json!({})).send().await);
    if let Ok(t) = appcube.auth().token().await {
        issued.push(t.expose_str().to_owned());
    }
    let b = appcube.auth_get_app_cube_token().app_key(sc.oiap_app_key.as_str()).app_secret(OIAP_SECRET);
    shown.debug("getAppCubeToken builder", &b);
    shown.result("getAppCubeToken answer", b.send().await);
    let wrong =
        cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key.as_str(), WRONG_APP_SECRET))
            .unwrap();
    shown.result(
        "oiap with a wrong secret",
        wrong.dialog_process().userid("c").inaction(8).inparams(json!({})).send().await,
    );
    for fault in [Fault::malformed_json(), Fault::truncate(30)] {
        sim.add_fault(fault.on("auth.gettoken").times(1)).unwrap();
        let o = cec_oiap::Client::new(config(&sim), oiap_creds.clone()).unwrap();
        shown.result(
            "oiap token answer broken",
            o.dialog_process().userid("c").inaction(8).inparams(json!({})).send().await,
        );
    }
    sim.add_fault(Fault::expired_credential().on("dialog.process").times(1)).unwrap();
    shown.result("oiap token expired", oiap.dialog_process().userid("c").inaction(8).inparams(json!({})).send().await);

    // ---- C4: agent GUID, poll mode -----------------------------------------
    let a = &sc.agents[0];
    let gw = cec_gateway::Client::new(config(&sim)).unwrap();
    let b = gw.onlineagent_login().agentid(a.id.as_str()).password(WRONG_PW).phonenum(a.phone.as_str());
    shown.debug("login builder", &b);
    shown.result("login with a wrong password", b.send().await);
    let mut opts = SignIn::new(a.id.as_str(), AGENT_PW, a.phone.as_str());
    opts.poll_pause = Duration::from_millis(20);
    opts.heartbeat_every = Duration::from_millis(40);
    shown.debug("SignIn", &opts);
    let session = AgentSession::sign_in(gw.clone(), opts).await.unwrap();
    shown.debug("AgentSession", &session);
    issued.extend(gw.guid().map(|g| g.expose_str().to_owned()));
    // Let the GUID rotate a few times (Set-GUID is traced at DEBUG).
    tokio::time::sleep(Duration::from_millis(500)).await;
    issued.extend(gw.guid().map(|g| g.expose_str().to_owned()));
    shown.debug("gateway Client", &gw);
    shown.debug("GuidAuth", gw.guid_auth());
    shown.result("agent status", gw.onlineagent_agentstatus().agentid(a.id.as_str()).send().await);
    sim.add_fault(Fault::expired_credential().on("agentevent.poll").times(1)).unwrap();
    shown.result("poll with an expired GUID", gw.agentevent_poll().agentid(a.id.as_str()).send().await);
    sim.add_fault(Fault::malformed_json().on("onlineagent.agentstatus").times(1)).unwrap();
    shown.result("status answer broken", gw.onlineagent_agentstatus().agentid(a.id.as_str()).send().await);
    issued.extend(gw.guid().map(|g| g.expose_str().to_owned()));
    shown.result("sign out", session.sign_out().await);
    drop(session);
    // A GUID restored from a profile or a file.
    let restored = cec_gateway::Client::new(config(&sim)).unwrap();
    restored.set_guid(RESTORED_GUID);
    shown.debug("client with a restored GUID", &restored);
    shown.result("call with a stale GUID", restored.onlineagent_agentstatus().agentid(a.id.as_str()).send().await);

    // ---- C4: push mode (service_token) -------------------------------------
    let rx = PushReceiver::start("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let a2 = &sc.agents[1];
    let gw2 = cec_gateway::Client::new(config(&sim)).unwrap();
    let mut opts = SignIn::new(a2.id.as_str(), AGENT2_PW, a2.phone.as_str()).push(rx.inbox(), rx.url(), SERVICE_TOKEN);
    opts.heartbeat_every = Duration::from_millis(40);
    shown.debug("SignIn push", &opts);
    let session = AgentSession::sign_in(gw2.clone(), opts).await.unwrap();
    shown.debug("push AgentSession", &session);
    shown.debug("PushInbox", rx.inbox());
    sim.inject_call(a2.id.as_str(), "13800000009").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    issued.extend(gw2.guid().map(|g| g.expose_str().to_owned()));
    // A push with a forged service_token and GUID is refused (and logged).
    let tls = cec_core::transport::rustls_config(&Default::default(), false).unwrap();
    let forged = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .unwrap()
        .post(rx.url())
        .header("content-type", "application/json")
        .header("service_token", format!("forged{SERVICE_TOKEN}"))
        .header("Guid", RESTORED_GUID)
        .body(json!({"workNo": a2.id, "eventList": []}).to_string())
        .send()
        .await;
    shown.debug("forged push answer", &forged.map(|r| r.status()));
    shown.result("push sign out", session.sign_out().await);
    drop(session);
    rx.shutdown().await;

    // ---- C5: configuration GUID --------------------------------------------
    let cfg = cec_gateway::Client::new(config(&sim)).unwrap();
    let b = cfg.config_login().agent_id(sc.config_admin_id).password(CONFIG_PW);
    shown.debug("config login builder", &b);
    shown.result("config login answer", b.send().await);
    issued.extend(cfg.guid().map(|g| g.expose_str().to_owned()));
    shown.debug("C5 client", &cfg);
    shown.result("C5 call", cfg.config_obs_url().ids("1").send().await);
    shown.result(
        "config login with a wrong password",
        cfg.config_login().agent_id(sc.config_admin_id).password(WRONG_PW).send().await,
    );
    sim.add_fault(Fault::malformed_json().on("config.login").times(1)).unwrap();
    shown.result(
        "config login answer broken",
        cfg.config_login().agent_id(sc.config_admin_id).password(CONFIG_PW).send().await,
    );
    issued.extend(cfg.guid().map(|g| g.expose_str().to_owned()));

    // Secrets wrapped on their own.
    shown.both("Secret", &Secret::from(SK));

    // Every token and GUID the simulator handed out, those the SDK never kept included.
    let handed_out = sim.issued_credentials();
    assert!(handed_out.len() >= 10, "{} credentials handed out", handed_out.len());
    issued.extend(handed_out);
    sim.shutdown().await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    // ---- the sweep -----------------------------------------------------------
    let logs = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(logs.contains("TRACE") && logs.contains("DEBUG"), "TRACE output was captured");
    issued.retain(|t| t.len() >= 8);
    issued.sort();
    issued.dedup();
    assert!(issued.len() >= 5, "tokens and GUIDs were issued: {}", issued.len());
    let mut secrets: Vec<(&str, String)> = vec![
        ("SK", SK.into()),
        ("wrong SK", WRONG_SK.into()),
        ("app_secret", APP_SECRET.into()),
        ("wrong app_secret", WRONG_APP_SECRET.into()),
        ("OIAP app_secret", OIAP_SECRET.into()),
        ("agent password", AGENT_PW.into()),
        ("agent password", AGENT2_PW.into()),
        ("wrong password", WRONG_PW.into()),
        ("config password", CONFIG_PW.into()),
        ("service_token", SERVICE_TOKEN.into()),
        ("restored GUID", RESTORED_GUID.into()),
    ];
    secrets.extend(issued.iter().map(|t| ("issued token or GUID", t.clone())));
    let mut leaks = Vec::new();
    for (name, value) in &secrets {
        for (what, text) in &shown.0 {
            if text.contains(value.as_str()) {
                leaks.push(format!("{name} in {what}: {}", excerpt(text, value)));
            }
        }
        for line in logs.lines().filter(|l| l.contains(value.as_str())) {
            leaks.push(format!("{name} in the log: {}", excerpt(line, value)));
        }
    }
    leaks.sort();
    leaks.dedup();
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    // The sweep looked at something: every section was formatted.
    assert!(shown.0.len() > 150, "{} formatted values", shown.0.len());
}

fn excerpt(text: &str, value: &str) -> String {
    let i = text.find(value).unwrap_or(0);
    let start = (0..=i.saturating_sub(80)).rev().find(|&n| text.is_char_boundary(n)).unwrap_or(0);
    let end =
        ((i + value.len() + 40).min(text.len())..=text.len()).find(|&n| text.is_char_boundary(n)).unwrap_or(text.len());
    text[start..end].replace('\n', " ")
}
