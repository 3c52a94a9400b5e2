//! `cec demo`: a short contact-center story told through the SDK against an
//! embedded simulator. Every step is an ordinary cec-rs call.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cec_auth::{AkSkSigner, ApiFabricCredentials, C2Auth, OiapCredentials};
use cec_core::Config;
use cec_gateway::{AgentEvent, AgentSession, SignIn};
use futures_util::StreamExt;
use serde_json::json;

struct Story {
    start: Instant,
}

impl Story {
    fn say(&self, who: &str, what: impl AsRef<str>) {
        println!("[{:>5.2}s] {who:<10} {}", self.start.elapsed().as_secs_f64(), what.as_ref());
    }
}

/// A short line for an event.
fn describe(ev: &AgentEvent) -> String {
    match ev {
        AgentEvent::Ringing(c) => format!(
            "{} call {} from {}",
            ev.event_type(),
            c.callid.as_deref().unwrap_or("?"),
            c.caller.as_deref().unwrap_or("?")
        ),
        AgentEvent::Talking(c) => format!("{} call {}", ev.event_type(), c.callid.as_deref().unwrap_or("?")),
        AgentEvent::CallRelease { call_id } => format!("{} call {call_id}", ev.event_type()),
        other => other.event_type().to_owned(),
    }
}

/// Waits for an event of `kind` on the session's stream, showing the others.
async fn wait_for<S>(events: &mut S, story: &Story, kind: &str) -> anyhow::Result<AgentEvent>
where
    S: futures_util::Stream<Item = cec_gateway::EventItem> + Unpin,
{
    let deadline = tokio::time::sleep(Duration::from_secs(15));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    story.say("event", describe(&ev));
                    if ev.event_type() == kind {
                        return Ok(ev);
                    }
                }
                Some(Err(e)) => bail!("the agent session ended: {e}"),
                None => bail!("event stream ended while waiting for {kind}"),
            },
            _ = &mut deadline => bail!("no {kind} within 15 s"),
        }
    }
}

pub async fn run(seed: u64) -> anyhow::Result<()> {
    let story = Story { start: Instant::now() };
    let sim_config = cec_sim::SimConfig {
        seed,
        poll_wait: Duration::from_millis(500),
        guid_rotation: Duration::from_secs(1),
        ..Default::default()
    };
    let sim = cec_sim::Simulator::start(sim_config).await.context("starting the simulator")?;
    let sc = sim.scenario();
    let endpoint = sim.endpoint();
    story.say(
        "sim",
        format!(
            "contact center simulator serving CC-Gateway, API Fabric, OIAP, CC-iSales, CC-CMS and CC-FS at {endpoint}"
        ),
    );
    let config = || Config::builder(&endpoint).build();

    // CC-Gateway: an agent signs in (C4; the GUID rotates every second in this demo).
    let agent = &sc.agents[0];
    let gw = cec_gateway::Client::new(config()?)?;
    // AgentSession: sign-in, skill queues, and the event poll loop (also the heartbeat).
    let session =
        AgentSession::sign_in(gw, SignIn::new(agent.id.as_str(), agent.password.as_str(), agent.phone.as_str()))
            .await?;
    story.say(
        "gateway",
        format!(
            "agent {} signed in with phone {} and joined skill queues {:?} (the session keeps and rotates the GUID)",
            agent.id, agent.phone, agent.skills
        ),
    );
    let mut events = Box::pin(session.events().context("event stream")?);
    wait_for(&mut events, &story, "AgentState_Ready").await?;

    // A customer calls.
    let caller = "13800000001";
    let call_id = sim.inject_call(&agent.id, caller).map_err(anyhow::Error::msg)?;
    story.say("customer", format!("{caller} dials the hotline"));
    wait_for(&mut events, &story, "AgentEvent_Ringing").await?;
    session.answer().await?;
    story.say("gateway", format!("agent {} answers call {call_id}", agent.id));
    wait_for(&mut events, &story, "AgentEvent_Talking").await?;

    // A supervisor looks at CC-CMS (C2 signature).
    let c2 = || -> anyhow::Result<C2Auth> { Ok(C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str())?)) };
    let cms = cec_cms::Client::new(config()?, c2()?)?;
    let agent_no: i64 = agent.id.parse().unwrap_or(0);
    let show_state = |rows: Option<Vec<cec_cms::generated::AgentAgentstatusinfobyagentidsResponseResultDesc>>| {
        rows.unwrap_or_default().first().and_then(|r| r.current_state).map(state_name).unwrap_or("unknown state")
    };
    let states =
        cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![agent_no]).send().await?;
    story.say("cms", format!("supervisor sees agent {}: {}", agent.id, show_state(states.result_desc)));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    session.release().await?;
    story.say("gateway", format!("agent {} hangs up after a short talk", agent.id));
    wait_for(&mut events, &story, "AgentEvent_Call_Release").await?;
    wait_for(&mut events, &story, "AgentState_Ready").await?;
    let states =
        cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![agent_no]).send().await?;
    story.say("cms", format!("supervisor sees agent {}: {}", agent.id, show_state(states.result_desc)));

    // CC-FS: the recording of the call (streamed).
    let fs = cec_fs::Client::new(config()?, c2()?)?;
    let file = fs
        .ccfs_download_record()
        .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadRecordBodyMsgBody {
            call_id: Some(call_id.clone()),
            ..Default::default()
        })
        .send()
        .await?;
    let mut body = file.body;
    let mut wav = Vec::new();
    while let Some(chunk) = body.next().await {
        wav.extend_from_slice(&chunk?);
    }
    let secs = cec_sim::wav::duration_ms(&wav).map(|ms| ms as f64 / 1000.0).unwrap_or(0.0);
    story.say("fs", format!("recording of call {call_id} downloaded: {} bytes, WAV, {secs:.1} s", wav.len()));

    // The other NEs, briefly.
    let af_creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config()?, config()?, af_creds)?;
    let info = af.agent_info_query_agent_info().send().await?;
    story.say(
        "apifabric",
        format!("API Fabric (C1 token) lists {} agents with softphones", info.agents.map(|a| a.len()).unwrap_or(0)),
    );
    af.ccmessaging_apply_token()
        .user_id("web-user-1")
        .user_name("Web visitor")
        .channel_id(sc.channel_id.as_str())
        .locale("en_US")
        .send()
        .await?;
    let sent = af
        .ccmessaging_send()
        .channel("WEB")
        .control_type("CONNECT")
        .from("web-user-1")
        .to(sc.channel_id.as_str())
        .media_type("TEXT")
        .source_type("CUSTOMER")
        .timestamp("1768465800000")
        .send()
        .await?;
    story.say("apifabric", format!("web chat connects: {}", sent.result_desc.unwrap_or_default()));

    let oiap = cec_oiap::Client::new(
        config()?,
        OiapCredentials::tenant(sc.oiap_app_key.as_str(), sc.oiap_app_secret.as_str()),
    )?;
    let answer = oiap.dialog_process().userid("chat-1").inaction(8).inparams(json!({})).send().await?;
    let prompt = answer.outparams.and_then(|o| o.prompt_text).unwrap_or_default();
    story.say("oiap", format!("chatbot (C3 token) greets: {prompt:?}"));

    let isales = cec_isales::Client::new(config()?, c2()?)?;
    let campaigns = isales
        .campaign_query_all()
        .vdn_id(sc.vdn)
        .status(0)
        .device_type(0)
        .cur_page(1)
        .rows_per_page(10)
        .send()
        .await?;
    story.say("isales", format!("{} outbound campaigns", campaigns.total_size.unwrap_or(0)));
    if let Some(running) = sc.campaigns.iter().find(|c| c.status == 2) {
        isales.campaign_pause().vdn_id(sc.vdn).campaign_id(running.id).send().await?;
        story.say("isales", format!("campaign {:?} paused", running.name));
    }

    // Sign out.
    let rotations = session.client().guid_auth().rotations().saturating_sub(1);
    session.sign_out().await?;
    story.say("gateway", format!("agent {} signed out ({rotations} GUID rotations followed on the way)", agent.id));
    sim.shutdown().await;
    story.say("demo", "done");
    Ok(())
}

fn state_name(state: cec_cms::generated::CtiAgentState) -> &'static str {
    use cec_cms::generated::CtiAgentState as S;
    match state {
        S::Occupied => "occupied (ringing)",
        S::Adjusting => "after-call work",
        other => other.description().unwrap_or("unknown state"),
    }
}
