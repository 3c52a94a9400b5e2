//! `cec demo`: a contact-center story told through the SDK against an
//! embedded simulator. Every step is an ordinary cec-rs call:
//!
//! 1. a customer calls the hotline; agent 1001 signs in, answers, holds, takes
//!    the call back and transfers it to agent 1002, who answers and hangs up;
//! 2. a supervisor watches CC-CMS (agent states, queue indicators) meanwhile;
//! 3. a campaign dials 20 numbers (CC-iSales) and the results are counted;
//! 4. a web-chat customer (`ChatSession`) talks to the chatbot and is handed to
//!    agent 1001; a file goes each way through the media cache (the customer's
//!    photo to the agent's disk, the agent's PDF to the customer), bytes compared;
//! 5. the CDRs (CC-FS bill zip) and the call's recording are downloaded.
//!
//! `--output json` prints one JSON object per step instead of a line of text.

use std::io::Read;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cec_auth::{AkSkSigner, ApiFabricCredentials, C2Auth, OiapCredentials};
use cec_core::Config;
use cec_gateway::{AgentEvent, AgentSession, SessionEvent, SignIn, TransferMode, TransferTarget};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// Prints the story: one function, text or JSON lines.
struct Story {
    start: Instant,
    json: bool,
    /// `--explain`: under each step, the `cec` command that does the same by hand.
    explain: bool,
}

/// The `cec` command that does a step of the story by hand (against `cec sim`,
/// `eval "$(cec sim --env)"` first), by `(actor, step)`; `{a}` is the agent id.
fn by_hand(actor: &str, step: &str) -> Option<&'static str> {
    let agent = actor.starts_with("agent ");
    Some(match (step, agent) {
        ("start", _) => "cec sim --env        # serve the simulator, print the CEC_* variables",
        ("cms", _) => {
            "cec cms agent.agentstatusinfobyagentids --body '{\"ccId\":1,\"vdn\":1,\"agentIds\":[1001,1002]}' --output table\n\
             cec cms skill.rindex --body '{\"ccId\":1,\"vdn\":1,\"skillIds\":[1],\"indexIds\":[\"IDX_COUNT_REAL_SKILL_QUEUE\"]}'"
        }
        ("sign-in", true) => {
            "cec gateway onlineagent.login --path agentid={a} --body '{\"password\":\"…\",\"phonenum\":\"…\"}' --save\n\
             cec agent watch --agent {a}        # or the events as they come"
        }
        ("answer", true) => "cec gateway voicecall.answer --path agentid={a}",
        ("hold", true) => {
            "cec gateway voicecall.hold --path agentid={a} --help   # the call id comes from the Ringing event"
        }
        ("unhold", true) => "cec gateway voicecall.gethold --path agentid={a} --help",
        ("transfer", true) => "cec gateway voicecall.transfer --path agentid={a} --skeleton",
        ("release", true) => "cec gateway voicecall.release --path agentid={a}",
        ("answer-chat", true) => "cec gateway voicecall.answer --path agentid={a} --help   # with the chat's call id",
        ("send-file", true) => {
            "cec gateway mediacall.sendMessage --help   # data: {\"mediaType\":\"DOCUMENT\",\"content\":ID,…}"
        }
        ("send-file", false) => "cec apifabric ccmessaging.uploadFileStream --skeleton   # then send its objectKey",
        ("download-file", true) => "cec apifabric ccmessaging.downloadFileStream --skeleton",
        ("close-chat", true) => "cec gateway voicecall.dropcall --help   # agentid and the chat's call id",
        ("call-data", _) => "cec isales calldata.add_v1 --skeleton",
        ("results", _) => "cec isales callresult.query --skeleton",
        ("dialog", _) => "cec oiap dialog.process --skeleton",
        ("bill-ready", _) => "cec fs download-cdr --from … --to … --out DIR",
        ("cdrs", _) => "cec fs cdr summarize DIR",
        ("recording", _) => "cec fs download-recording --call-id CALL_ID --out DIR",
        ("sign-out", _) => "cec agent sign-out   # the session saved by --save",
        _ => return None,
    })
}

impl Story {
    /// One step: `actor` did `step`; `text` for people, `data` for programs.
    fn say(&self, actor: &str, step: &str, text: impl AsRef<str>, data: Value) {
        let t = self.start.elapsed().as_secs_f64();
        if self.json {
            let t = (t * 1000.0).round() / 1000.0;
            // Written by hand to keep the documented key order: t, actor, step, data.
            // A closed stdout (`| head`) ends the output, not the story: the
            // demo still signs its agents out.
            let _ =
                outln!("{{\"t\":{},\"actor\":{},\"step\":{},\"data\":{}}}", json!(t), json!(actor), json!(step), data);
        } else {
            let _ = outln!("[{t:>5.2}s] {actor:<10} {}", text.as_ref());
            if self.explain
                && let Some(cmd) = by_hand(actor, step)
            {
                let id = actor.strip_prefix("agent ").unwrap_or("1001");
                for l in cmd.replace("{a}", id).lines() {
                    let _ = outln!("{:>20}$ {}", "", l.trim_start());
                }
            }
        }
    }
}

/// The agent desk's media cache: API Fabric's upload and download (the
/// reference names no agent-side media interface; see `cec_gateway::ChatMedia`).
#[derive(Debug)]
struct DeskMedia(cec_messaging::FabricAccess);

#[async_trait::async_trait]
impl cec_gateway::ChatMedia for DeskMedia {
    async fn upload(&self, file_type: &str, bytes: &[u8]) -> Result<String, cec_core::Error> {
        cec_messaging::CustomerAccess::upload(&self.0, file_type, bytes).await
    }
    async fn download(&self, file: &cec_gateway::ChatFile) -> Result<Vec<u8>, cec_core::Error> {
        self.0.download(&file.resource_id, &file.file_type).await
    }
}

type Events = std::pin::Pin<Box<dyn futures_util::Stream<Item = cec_gateway::EventItem> + Send>>;

/// A short line and the data of an event.
fn describe(ev: &AgentEvent) -> (String, Value) {
    let kind = ev.event_type();
    match ev {
        AgentEvent::Ringing(c) => {
            let call = c.callid.as_deref().unwrap_or("?");
            let from = c.caller.as_deref().unwrap_or("?");
            let via = c
                .transfrom
                .as_deref()
                .filter(|a| !a.is_empty())
                .map(|a| format!(" (transferred by {a})"))
                .unwrap_or_default();
            (
                format!("{kind} call {call} from {from}{via}"),
                json!({ "event": kind, "call": call, "caller": from, "transferredBy": c.transfrom }),
            )
        }
        AgentEvent::Talking(c) => {
            let call = c.callid.as_deref().unwrap_or("?");
            (format!("{kind} call {call}"), json!({ "event": kind, "call": call }))
        }
        AgentEvent::Hold { call_id } | AgentEvent::CallRelease { call_id } => {
            (format!("{kind} call {call_id}"), json!({ "event": kind, "call": call_id }))
        }
        AgentEvent::MessageData(m) => {
            let text = m.message.as_deref().unwrap_or("");
            match cec_gateway::ChatFile::from_message(text) {
                Some(f) => (
                    format!("{kind} a file: {} {} ({})", f.media, f.resource_id, f.file_type),
                    json!({ "event": kind, "call": m.callid, "file": { "media": f.media, "id": f.resource_id, "type": f.file_type } }),
                ),
                None => (format!("{kind} {text:?}"), json!({ "event": kind, "call": m.callid, "message": text })),
            }
        }
        other => (other.event_type().to_owned(), json!({ "event": other.event_type() })),
    }
}

/// Waits for an event of `kind` on an agent's stream, showing the others.
async fn wait_for(events: &mut Events, story: &Story, agent: &str, kind: &str) -> anyhow::Result<AgentEvent> {
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(SessionEvent::Lagged(n))) => {
                    story.say(&format!("event {agent}"), "lagged", format!("{n} events dropped"), json!({ "dropped": n }));
                }
                Some(Ok(SessionEvent::Event(ev))) => {
                    let (text, data) = describe(&ev);
                    story.say(&format!("event {agent}"), "event", text, data);
                    if ev.event_type() == kind {
                        return Ok(ev);
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => bail!("the session of agent {agent} ended: {e}"),
                None => bail!("event stream of agent {agent} ended while waiting for {kind}"),
            },
            _ = &mut deadline => bail!("agent {agent}: no {kind} within 10 s"),
        }
    }
}

fn state_name(state: cec_cms::generated::CtiAgentState) -> &'static str {
    use cec_cms::generated::CtiAgentState as S;
    match state {
        S::Occupied => "occupied (ringing)",
        S::Adjusting => "after-call work",
        other => other.description().unwrap_or("unknown state"),
    }
}

/// The supervisor's CC-CMS view: each agent's state, the team counts and queue 1's indicators.
struct Supervisor<'a> {
    cms: cec_cms::Client,
    sc: &'a cec_sim::Scenario,
}

impl Supervisor<'_> {
    async fn look(&self, story: &Story, moment: &str) -> anyhow::Result<()> {
        let (cc, vdn) = (self.sc.cc_id, self.sc.vdn);
        let ids: Vec<i64> = self.sc.agents.iter().filter_map(|a| a.id.parse().ok()).collect();
        let states =
            self.cms.agent_agentstatusinfobyagentids().cc_id(cc).vdn(vdn).agent_ids(ids.clone()).send().await?;
        let mut agents = serde_json::Map::new();
        for row in states.result_desc.unwrap_or_default() {
            let state = row.current_state.map(state_name).unwrap_or("unknown state");
            agents.insert(row.agent_id.unwrap_or(0).to_string(), json!(state));
        }
        let team = self.cms.agentgroup_teamagentstatusinfo().cc_id(cc).vdn(vdn).agent_ids(ids).send().await?;
        let team = team.result_desc.unwrap_or_default();
        let (signed_in, idle, talking) =
            (team.login_ed.unwrap_or(0), team.idle.unwrap_or(0), team.talking.unwrap_or(0));
        let queue = self.sc.queues.first().map(|q| (q.id, q.name.clone())).unwrap_or((1, "?".into()));
        let idx_ids = ["IDX_COUNT_REAL_SKILL_QUEUE", "IDX_COUNT_REAL_AGENT_CONNECT"];
        let r = self
            .cms
            .skill_rindex()
            .cc_id(cc)
            .vdn(vdn)
            .skill_ids(vec![i64::from(queue.0)])
            .index_ids(idx_ids.iter().map(|s| (*s).to_owned()).collect())
            .send()
            .await?;
        let mut vals = [0u64; 2];
        for idx in r.result_desc.unwrap_or_default().into_iter().flat_map(|row| row.idxs.unwrap_or_default()) {
            let n = match &idx.val {
                Some(Value::String(s)) => s.parse().unwrap_or(0),
                Some(v) => v.as_u64().unwrap_or(0),
                None => 0,
            };
            if let Some(i) = idx_ids.iter().position(|id| idx.id.as_deref() == Some(*id)) {
                vals[i] = n;
            }
        }
        let listed: Vec<String> = agents.iter().map(|(a, s)| format!("{a} {}", s.as_str().unwrap_or("?"))).collect();
        let listed = if listed.is_empty() { "no agent signed in".to_owned() } else { listed.join(", ") };
        story.say(
            "supervisor",
            "cms",
            format!(
                "{moment}: agents {listed}; team {signed_in} signed in, {idle} idle, {talking} talking; \
                 queue {:?}: {} waiting, {} agent(s) connected",
                queue.1, vals[0], vals[1]
            ),
            json!({
                "moment": moment, "agents": agents,
                "team": { "signedIn": signed_in, "idle": idle, "talking": talking },
                "queue": { "id": queue.0, "name": queue.1, "waiting": vals[0], "connected": vals[1] },
            }),
        );
        Ok(())
    }
}

/// `yyyy-MM-dd HH:mm:ss` (UTC) of now plus `offset_secs`, the CC-FS time form.
fn cdr_time(offset_secs: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let t = now as i64 + offset_secs;
    let (y, m, d) = cec_core::time::civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A local HTTP receiver for CC-FS's CDR-ready notices (what a customer's server would be).
async fn notice_receiver() -> anyhow::Result<(String, tokio::sync::mpsc::UnboundedReceiver<Value>)> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/cdr-ready",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice(&body).unwrap_or(Value::Null));
                axum::Json(json!({ "resultCode": "0" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/cdr-ready", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, rx))
}

async fn collect(mut body: cec_core::transport::BodyStream) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

/// The data rows of the bill zip's `*_call_*.csv` member.
fn call_rows(zip_bytes: &[u8]) -> anyhow::Result<Vec<Vec<String>>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))?;
    for i in 0..z.len() {
        let mut f = z.by_index(i)?;
        if f.name()?.contains("_call_") {
            let mut text = String::new();
            f.read_to_string(&mut text)?;
            return Ok(text
                .lines()
                .map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>())
                .filter(|r| r.len() > 1)
                .collect());
        }
    }
    bail!("the bill zip has no call.csv")
}

pub async fn run(seed: u64, json_output: bool, explain: bool) -> anyhow::Result<()> {
    let story = Story { start: Instant::now(), json: json_output, explain };
    let mut scenario = cec_sim::Scenario::default();
    scenario.dialer.interval_ms = 0; // the demo steps the dialer
    let sim_config = cec_sim::SimConfig {
        scenario,
        seed,
        poll_wait: Duration::from_millis(200),
        guid_rotation: Duration::from_secs(1),
        ..Default::default()
    };
    let sim = cec_sim::Simulator::start(sim_config).await.context("starting the simulator")?;
    let sc = sim.scenario();
    let endpoint = sim.endpoint();
    story.say(
        "sim",
        "start",
        format!("contact center simulator (seed {seed}) serving every NE at {endpoint}"),
        json!({ "endpoint": endpoint, "seed": seed }),
    );
    let config = || Config::builder(&endpoint).build();
    let c2 = || -> anyhow::Result<C2Auth> { Ok(C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str())?)) };
    let supervisor = Supervisor { cms: cec_cms::Client::new(config()?, c2()?)?, sc: &sc };

    // ---- 1. A customer calls the hotline; nobody is signed in yet. ----
    let hotline = sc.access_codes.iter().find(|a| a.queue.is_some());
    let (queue, number) = hotline.map(|a| (a.queue.unwrap_or(1), a.code.clone())).unwrap_or((1, "?".into()));
    let caller = "13800000001";
    let call_id = sim.inject_queue_call(queue, caller).map_err(anyhow::Error::msg)?;
    story.say(
        "customer",
        "call",
        format!("{caller} dials the hotline {number}: call {call_id} waits in skill queue {queue}"),
        json!({ "caller": caller, "called": number, "queue": queue, "call": call_id }),
    );
    supervisor.look(&story, "before sign-in").await?;

    // Agent 1001 signs in (C4; the GUID rotates every second in this demo) and gets the call.
    let (a1, a2) = (&sc.agents[0], &sc.agents[1]);
    let gw = cec_gateway::Client::new(config()?)?;
    let s1 =
        AgentSession::sign_in(gw.clone(), SignIn::new(a1.id.as_str(), a1.password.as_str(), a1.phone.as_str())).await?;
    story.say(
        "agent 1001",
        "sign-in",
        format!("agent {} signed in with phone {} into skill queues {:?}", a1.id, a1.phone, a1.skills),
        json!({ "agent": a1.id, "phone": a1.phone, "skills": a1.skills }),
    );
    let mut ev1: Events = Box::pin(s1.events().context("event stream")?);
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Ringing").await?;
    s1.answer().await?;
    story.say("agent 1001", "answer", format!("agent {} answers call {call_id}", a1.id), json!({ "call": call_id }));
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Talking").await?;
    supervisor.look(&story, "1001 talking").await?;

    tokio::time::sleep(Duration::from_millis(500)).await;
    s1.hold().await?;
    story.say("agent 1001", "hold", format!("agent {} puts the customer on hold", a1.id), json!({ "call": call_id }));
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Hold").await?;
    supervisor.look(&story, "customer on hold").await?;
    s1.unhold(None).await?;
    story.say("agent 1001", "unhold", format!("agent {} takes the call back", a1.id), json!({ "call": call_id }));
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Talking").await?;

    // Agent 1002 signs in on its own connection (same pool) and takes the call.
    let s2 =
        AgentSession::sign_in(gw.for_agent(), SignIn::new(a2.id.as_str(), a2.password.as_str(), a2.phone.as_str()))
            .await?;
    story.say(
        "agent 1002",
        "sign-in",
        format!("agent {} signed in with phone {} into skill queues {:?}", a2.id, a2.phone, a2.skills),
        json!({ "agent": a2.id, "phone": a2.phone, "skills": a2.skills }),
    );
    let mut ev2: Events = Box::pin(s2.events().context("event stream")?);
    wait_for(&mut ev2, &story, &a2.id, "AgentState_Ready").await?;
    s1.transfer(TransferTarget::Agent(a2.id.clone()), TransferMode::Release).await?;
    story.say(
        "agent 1001",
        "transfer",
        format!("agent {} transfers call {call_id} to agent {} (release transfer)", a1.id, a2.id),
        json!({ "call": call_id, "to": a2.id, "mode": "release" }),
    );
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Call_Release").await?;
    wait_for(&mut ev2, &story, &a2.id, "AgentEvent_Ringing").await?;
    s2.answer().await?;
    story.say("agent 1002", "answer", format!("agent {} answers call {call_id}", a2.id), json!({ "call": call_id }));
    wait_for(&mut ev2, &story, &a2.id, "AgentEvent_Talking").await?;
    supervisor.look(&story, "after the transfer").await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    s2.release().await?;
    story.say("agent 1002", "release", format!("agent {} hangs up", a2.id), json!({ "call": call_id }));
    wait_for(&mut ev2, &story, &a2.id, "AgentEvent_Call_Release").await?;
    supervisor.look(&story, "call over").await?;

    // ---- 3. A campaign dials 20 numbers. ----
    let isales = cec_isales::Client::new(config()?, c2()?)?;
    let campaign = sc.campaigns.iter().find(|c| c.status == 2).context("the scenario has no running campaign")?;
    let numbers: Vec<String> = (0..20).map(|i| format!("1390000{i:04}")).collect();
    let list = numbers
        .iter()
        .enumerate()
        .map(|(i, n)| cec_isales::generated::CalldataAddV1BodyCallDataList {
            called: Some(n.clone()),
            session_id: Some(format!("cust-{i:02}")),
            ..Default::default()
        })
        .collect();
    isales.calldata_add_v1().vdn_id(sc.vdn).campaign_id(campaign.id).call_data_list(list).send().await?;
    story.say(
        "isales",
        "call-data",
        format!("{} numbers added to the running campaign {:?} ({})", numbers.len(), campaign.name, campaign.id),
        json!({ "campaign": campaign.id, "name": campaign.name, "numbers": numbers.len() }),
    );
    let mut dials = 0;
    while sim.dial_step() > 0 && dials < 200 {
        dials += 1;
    }
    let r = isales.callresult_query().vdn_id(sc.vdn).campaign_id(campaign.id).send().await?;
    let data = r.data.unwrap_or_default();
    let answered = data.iter().filter(|d| d.call_status == Some(6)).count();
    let mut failed = std::collections::BTreeMap::<String, usize>::new();
    for d in data.iter().filter(|d| d.call_status != Some(6)) {
        let code = d.fail_code.as_ref().and_then(|c| serde_json::to_value(c).ok());
        *failed.entry(code.and_then(|c| c.as_str().map(str::to_owned)).unwrap_or_else(|| "?".into())).or_default() += 1;
    }
    let n_failed: usize = failed.values().sum();
    story.say(
        "isales",
        "results",
        format!(
            "campaign {:?} dialed {} numbers: {answered} answered, {n_failed} failed (fail codes {failed:?})",
            campaign.name,
            data.len()
        ),
        json!({ "campaign": campaign.id, "dialed": data.len(), "answered": answered, "failed": n_failed, "failCodes": failed }),
    );

    // ---- 4. Web chat (ChatSession): the chatbot, then an agent; a file each way. ----
    let af_creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let fabric = |user: &str| -> anyhow::Result<cec_messaging::FabricAccess> {
        let af = cec_apifabric::Client::new(config()?, config()?, af_creds.clone())?;
        Ok(cec_messaging::FabricAccess::new(af, user, sc.channel_id.as_str()).name("Web visitor").locale("en_US"))
    };
    let user = "web-user-1";
    let web = cec_messaging::Client::new(config()?)?;
    let mut chat = cec_messaging::ChatSession::connect(web, std::sync::Arc::new(fabric(user)?)).await?;
    // The agent's desk reaches the media cache through API Fabric too (its own token).
    let desk = fabric("agent-1001-desk")?;
    cec_messaging::CustomerAccess::apply_token(&desk).await?;
    let desk = DeskMedia(desk);
    let show = |msgs: Vec<cec_messaging::ChatMessage>| {
        for m in msgs {
            let from = match &m.source {
                cec_messaging::Source::Agent => "agent".to_owned(),
                cec_messaging::Source::Robot => "robot".to_owned(),
                cec_messaging::Source::System => "system".to_owned(),
                cec_messaging::Source::Other(o) => o.to_lowercase(),
            };
            let media = m.media.as_str().to_owned();
            let text = if media == "TEXT" {
                format!("{from} says {:?}", m.content)
            } else {
                format!("{from} sends a file ({media}, media cache id {})", m.content)
            };
            story.say("web chat", "message", text, json!({ "from": from, "media": media, "text": m.content }));
        }
    };
    story.say("customer", "chat-connect", format!("{user} opens the web chat (ChatSession)"), json!({ "user": user }));
    show(chat.poll().await?);
    let question = "what are your opening hours?";
    chat.send_text(question).await?;
    story.say("customer", "chat", format!("{user} asks {question:?}"), json!({ "user": user, "text": question }));
    show(chat.poll().await?);
    chat.transfer_to_agent().await?;
    story.say("customer", "trans2agent", format!("{user} asks for an agent"), json!({ "user": user }));
    let chat_call = match wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Ringing").await? {
        AgentEvent::Ringing(c) => c.callid.unwrap_or_default(),
        _ => String::new(),
    };
    s1.answer_chat(&chat_call).await?;
    story.say(
        "agent 1001",
        "answer-chat",
        format!("agent {} answers chat {chat_call}", a1.id),
        json!({ "call": chat_call }),
    );
    let hello = format!("Hi, this is agent {}. How can I help?", a1.id);
    s1.send_message(&chat_call, &hello).await?;
    story.say(
        "agent 1001",
        "chat",
        format!("agent {} writes {hello:?}", a1.id),
        json!({ "call": chat_call, "text": hello }),
    );
    show(chat.poll().await?);

    // Customer -> agent: a photo of the receipt, through the media cache.
    let receipt: Vec<u8> = b"\xff\xd8\xff\xe0".iter().copied().chain((0..2048u32).map(|i| (i % 251) as u8)).collect();
    let id = chat.send_file("receipt.jpg", &receipt).await?;
    story.say(
        "customer",
        "send-file",
        format!("{user} sends receipt.jpg ({} bytes): uploaded to the media cache as {id}", receipt.len()),
        json!({ "user": user, "file": "receipt.jpg", "bytes": receipt.len(), "id": id }),
    );
    let file = match wait_for(&mut ev1, &story, &a1.id, "AgentEvent_MessageData").await? {
        AgentEvent::MessageData(m) => cec_gateway::ChatFile::from_message(m.message.as_deref().unwrap_or("")),
        _ => None,
    }
    .context("the agent's message event names no file")?;
    let dir = std::env::temp_dir().join(format!("cec-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("receipt.jpg");
    let n = s1.download_file(&desk, &file, &path).await?;
    let same = std::fs::read(&path)? == receipt;
    let _ = std::fs::remove_dir_all(&dir);
    story.say(
        "agent 1001",
        "download-file",
        format!(
            "agent {} downloads {} file {} to disk: {n} bytes, {}",
            a1.id,
            file.media.to_lowercase(),
            file.resource_id,
            if same { "identical to what the customer sent" } else { "DIFFERENT from what the customer sent" }
        ),
        json!({ "call": chat_call, "id": file.resource_id, "bytes": n, "identical": same }),
    );
    if !same {
        bail!("the agent's download differs from the customer's file");
    }

    // Agent -> customer: the opening hours as a PDF.
    let leaflet: Vec<u8> = b"%PDF-1.4\n".iter().copied().chain((0..4096u32).map(|i| (i * 7 % 256) as u8)).collect();
    let sent = s1.send_file(&desk, &chat_call, "opening-hours.pdf", &leaflet).await?;
    story.say(
        "agent 1001",
        "send-file",
        format!(
            "agent {} sends opening-hours.pdf ({} bytes) as media cache file {}",
            a1.id,
            leaflet.len(),
            sent.resource_id
        ),
        json!({ "call": chat_call, "file": "opening-hours.pdf", "bytes": leaflet.len(), "id": sent.resource_id }),
    );
    let msgs = chat.poll().await?;
    let got = msgs.iter().find(|m| m.media != cec_messaging::Media::Text).map(|m| m.content.clone());
    show(msgs);
    let got = got.context("the customer got no file message")?;
    let bytes = chat.download_file(sc.channel_id.as_str(), &got).await?;
    let same = bytes == leaflet;
    story.say(
        "customer",
        "download-file",
        format!(
            "{user} downloads file {got}: {} bytes, {}",
            bytes.len(),
            if same { "identical to what the agent sent" } else { "DIFFERENT from what the agent sent" }
        ),
        json!({ "user": user, "id": got, "bytes": bytes.len(), "identical": same }),
    );
    if !same {
        bail!("the customer's download differs from the agent's file");
    }

    chat.send_text("thanks, that is all").await?;
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_MessageData").await?;
    s1.close_chat(&chat_call).await?;
    story.say("agent 1001", "close-chat", format!("agent {} closes the chat", a1.id), json!({ "call": chat_call }));
    wait_for(&mut ev1, &story, &a1.id, "AgentEvent_Call_Release").await?;
    show(chat.poll().await?);
    chat.disconnect().await?;

    // The chatbot on its own (OIAP, C3 token).
    let oiap = cec_oiap::Client::new(
        config()?,
        OiapCredentials::tenant(sc.oiap_app_key.as_str(), sc.oiap_app_secret.as_str()),
    )?;
    let (mut dialog, _greeting) = cec_oiap::Dialog::start(oiap, "chat-1", sc.channel_id.as_str()).await?;
    let prompt = match dialog.say("when are you open?").await? {
        cec_oiap::DialogTurn::Prompt { text, .. } => text,
        other => format!("{other:?}"),
    };
    dialog.end().await?;
    story.say("oiap", "dialog", format!("chatbot (C3 token) answers: {prompt:?}"), json!({ "prompt": prompt }));

    // ---- 5. CDRs and the recording (CC-FS). ----
    let fs = cec_fs::Client::new(config()?, c2()?)?;
    let (url, mut notices) = notice_receiver().await?;
    let q = fs
        .ccfs_query_bill_data()
        .request(cec_fs::generated::CcfsQueryBillDataBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsQueryBillDataBodyMsgBody {
            begin_time: Some(cdr_time(-86_400)),
            end_time: Some(cdr_time(3_600)),
            call_back_url: Some(url),
            ..Default::default()
        })
        .send()
        .await?;
    let response_id = q.result_data.and_then(|d| d.response_id).unwrap_or_default();
    let notice = tokio::time::timeout(Duration::from_secs(10), notices.recv())
        .await
        .context("no CDR-ready notice within 10 s")?
        .context("the notice receiver stopped")?;
    let bill = notice.pointer("/msgBody/billFileName").and_then(Value::as_str).unwrap_or_default().to_owned();
    story.say(
        "fs",
        "bill-ready",
        format!("queryBillData {response_id}: CDR-ready notice names {bill}"),
        json!({ "responseId": response_id, "billFileName": bill }),
    );
    let file = fs
        .ccfs_download_bill_file()
        .request(cec_fs::generated::CcfsDownloadBillFileBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadBillFileBodyMsgBody { bill_file_name: Some(bill.clone()) })
        .send()
        .await?;
    let zip_bytes = collect(file.body).await?;
    let rows = call_rows(&zip_bytes)?;
    let calls: std::collections::BTreeSet<&str> = rows.iter().filter_map(|r| r.get(4)).map(String::as_str).collect();
    let of_call = rows.iter().filter(|r| r.get(4) == Some(&call_id)).count();
    // Column 3 is agent_id: which agents the voice call's rows name.
    let mut agents_of_call: Vec<&str> = rows
        .iter()
        .filter(|r| r.get(4) == Some(&call_id))
        .filter_map(|r| r.get(3).map(String::as_str))
        .filter(|a| !a.is_empty() && *a != "-1")
        .collect();
    agents_of_call.dedup();
    story.say(
        "fs",
        "cdrs",
        format!(
            "bill zip {} bytes: call.csv has {} rows for {} calls ({of_call} rows for call {call_id}, agents {agents_of_call:?})",
            zip_bytes.len(),
            rows.len(),
            calls.len()
        ),
        json!({ "zipBytes": zip_bytes.len(), "rows": rows.len(), "calls": calls.len(), "rowsOfVoiceCall": of_call, "agentsOfVoiceCall": agents_of_call }),
    );
    let file = fs
        .ccfs_download_record()
        .request(cec_fs::generated::CcfsDownloadRecordBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadRecordBodyMsgBody {
            call_id: Some(call_id.clone()),
            ..Default::default()
        })
        .send()
        .await?;
    let wav = collect(file.body).await?;
    let ms = cec_sim::wav::duration_ms(&wav).unwrap_or(0);
    story.say(
        "fs",
        "recording",
        format!("recording of call {call_id} downloaded: {} bytes, WAV, {:.1} s", wav.len(), ms as f64 / 1000.0),
        json!({ "call": call_id, "bytes": wav.len(), "durationMs": ms }),
    );

    // Sign out.
    let rotations = s1.client().guid_auth().rotations().saturating_sub(1);
    s1.sign_out().await?;
    s2.sign_out().await?;
    story.say(
        "gateway",
        "sign-out",
        format!("agents {} and {} signed out ({rotations} GUID rotations followed on the way)", a1.id, a2.id),
        json!({ "agents": [a1.id, a2.id], "guidRotations": rotations }),
    );
    sim.shutdown().await;
    let total = story.start.elapsed().as_secs_f64();
    story.say("demo", "done", format!("done in {total:.1} s"), json!({ "seconds": (total * 10.0).round() / 10.0 }));
    Ok(())
}
