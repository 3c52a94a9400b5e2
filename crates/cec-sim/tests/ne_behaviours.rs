//! NE behaviours on the one model, through the SDK clients: skill queues and
//! offering, CC-CMS indicators, CC-FS CDRs and the CDR-ready callback, the
//! CC-iSales dialer, web chat to an agent, OIAP intents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;
use std::time::Duration;

use cec_auth::{ApiFabricCredentials, OiapCredentials};
use cec_sim::{CampaignData, Scenario, SimConfig, Simulator};
use common::{WITHIN, c2, config, fast, signed_in_gateway, start, wait_event};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// Signs agent `n` of the scenario in, signs it into all its skills and reads its sign-in events.
async fn ready(sim: &Simulator, n: usize) -> cec_gateway::Client {
    let id = sim.scenario().agents[n].id.clone();
    let gw = signed_in_gateway(sim, n).await;
    gw.onlineagent_resetskill().agentid(id.as_str()).autoflag(true).send().await.unwrap();
    wait_event(&gw, &id, "AgentState_Ready", WITHIN).await;
    gw
}

async fn skill_idx(cms: &cec_cms::Client, sim: &Simulator, skill: i64, idx: &str) -> String {
    let sc = sim.scenario();
    let r = cms
        .skill_rindex()
        .cc_id(sc.cc_id)
        .vdn(sc.vdn)
        .skill_ids(vec![skill])
        .index_ids(vec![idx.to_owned()])
        .send()
        .await
        .unwrap();
    assert_eq!(r.result_code.as_deref(), Some("0100000"));
    let rows = r.result_desc.unwrap();
    let idxs = rows[0].idxs.clone().unwrap();
    idxs[0].val.clone().unwrap().as_str().unwrap().to_owned()
}

async fn his_skill(cms: &cec_cms::Client, sim: &Simulator, skill: i64, ids: &[&str]) -> Vec<u64> {
    let sc = sim.scenario();
    let r = cms
        .hisindex_skill()
        .cc_id(sc.cc_id)
        .vdn(sc.vdn)
        .skill_ids(vec![skill])
        .index_ids(ids.iter().map(|s| s.to_string()).collect())
        .send()
        .await
        .unwrap();
    let rows = r.result_desc.unwrap();
    rows[0]["idxs"].as_array().unwrap().iter().map(|i| i["val"].as_u64().unwrap()).collect()
}

async fn team(cms: &cec_cms::Client, sim: &Simulator) -> (i64, i64, i64) {
    let sc = sim.scenario();
    let r = cms
        .agentgroup_teamagentstatusinfo()
        .cc_id(sc.cc_id)
        .vdn(sc.vdn)
        .agent_ids(vec![1001, 1002])
        .send()
        .await
        .unwrap();
    let d = r.result_desc.unwrap();
    (d.login_ed.unwrap(), d.idle.unwrap(), d.talking.unwrap())
}

#[tokio::test]
async fn queue_calls_ring_the_longest_idle_agent_with_the_skill_and_wait_otherwise() {
    let sim = start(fast()).await;
    let gw1 = ready(&sim, 0).await;
    let gw2 = ready(&sim, 1).await;

    // 1001 has been idle longest.
    let first = sim.inject_queue_call(1, "13800000001").unwrap();
    let ringing = wait_event(&gw1, "1001", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], json!(first));
    assert_eq!(ringing["mediaType"], "5");
    let second = sim.inject_queue_call(1, "13800000002").unwrap();
    let ringing = wait_event(&gw2, "1002", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], json!(second));

    // Nobody is free: the third call waits, and CMS sees it.
    let third = sim.inject_queue_call(1, "13800000003").unwrap();
    let cms = cec_cms::Client::new(config(&sim), c2(&sim)).unwrap();
    assert_eq!(skill_idx(&cms, &sim, 1, "IDX_COUNT_REAL_SKILL_QUEUE").await, "1");
    let sc = sim.scenario();
    let queued = cms.skill_queuedevicestatus().cc_id(sc.cc_id).vdn(sc.vdn).skill_id(1).send().await.unwrap();
    assert_eq!(queued.result_desc.unwrap()[0].call_id.as_deref(), Some(third.as_str()));

    // 1001 finishes its call: the waiting call is offered to it.
    gw1.voicecall_answer().agentid("1001").send().await.unwrap();
    gw1.voicecall_release().agentid("1001").send().await.unwrap();
    let ringing = wait_event(&gw1, "1001", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], json!(third));
    assert_eq!(skill_idx(&cms, &sim, 1, "IDX_COUNT_REAL_SKILL_QUEUE").await, "0");

    // Records carry queue, agent, direction and the timestamps in order.
    let recs = sim.call_records();
    let r = recs.iter().find(|r| r.id == first).unwrap();
    assert_eq!((r.skill, r.agent.as_deref(), r.direction.as_str()), (Some(1), Some("1001"), "in"));
    assert_eq!((r.caller.as_str(), r.called.as_str()), ("13800000001", "10086"));
    let (q, o, a, rel) = (r.queued_ms.unwrap(), r.offered_ms.unwrap(), r.answered_ms.unwrap(), r.released_ms.unwrap());
    assert!(q <= o && o <= a && a <= rel, "{r:?}");
    assert!(recs.iter().find(|r| r.id == third).unwrap().released_ms.is_none());
}

#[tokio::test]
async fn a_queue_without_a_free_agent_with_its_skill_keeps_the_call() {
    let sim = start(fast()).await;
    let _gw2 = ready(&sim, 1).await; // 1002 has skill 1 only
    let call = sim.inject_queue_call(2, "13800000009").unwrap();
    let cms = cec_cms::Client::new(config(&sim), c2(&sim)).unwrap();
    assert_eq!(skill_idx(&cms, &sim, 2, "IDX_COUNT_REAL_SKILL_QUEUE").await, "1");
    assert_eq!(sim.agent("1002").unwrap().call, None);
    // 1001 (skills 1 and 2) signs in: it gets the call.
    let gw1 = ready(&sim, 0).await;
    let ringing = wait_event(&gw1, "1001", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], json!(call));
    assert!(sim.inject_queue_call(99, "1").is_err(), "unknown queue");
}

#[tokio::test]
async fn cms_indicators_follow_sign_in_answer_and_release() {
    let sim = start(fast()).await;
    let cms = cec_cms::Client::new(config(&sim), c2(&sim)).unwrap();
    let sc = sim.scenario();
    assert_eq!(team(&cms, &sim).await, (0, 0, 0));
    let gw = ready(&sim, 0).await;
    assert_eq!(team(&cms, &sim).await, (1, 1, 0));
    assert_eq!(skill_idx(&cms, &sim, 1, "IDX_COUNT_REAL_AGENT_SIGN_IN").await, "1");

    let call = sim.inject_queue_call(1, "13800000001").unwrap();
    wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    // The reference wraps this body in `queryParam`.
    let query = cec_cms::generated::CalldataIsprocesscallBodyQueryParam {
        cc_id: Some(sc.cc_id),
        vdn: Some(sc.vdn),
        agent_id: Some(1001),
    };
    let busy = cms.calldata_isprocesscall().query_param(query).send().await.unwrap();
    assert_eq!(busy.result_desc, Some(true));
    let calls = cms.agent_queryagentcalls().cc_id(sc.cc_id).vdn(sc.vdn).agent_id(1001).send().await.unwrap();
    assert_eq!(calls.result_desc, Some(vec![call.clone()]));

    gw.voicecall_answer().agentid("1001").send().await.unwrap();
    assert_eq!(team(&cms, &sim).await, (1, 0, 1));
    assert_eq!(skill_idx(&cms, &sim, 1, "IDX_COUNT_REAL_AGENT_CONNECT").await, "1");
    let vdn = cms
        .vdn_rindex()
        .cc_id(sc.cc_id)
        .vdn_ids(vec![sc.vdn])
        .index_ids(vec!["IDX_COUNT_REAL_VDN_CONNECT".into()])
        .send()
        .await
        .unwrap();
    assert_eq!(vdn.result_desc.unwrap()[0].idxs.clone().unwrap()[0].val, Some(json!(1)));

    let ids = ["IDX_COUNT_SKILL_REQUEST", "IDX_COUNT_SKILL_CONNECTED", "IDX_COUNT_SKILL_ABANDON"];
    assert_eq!(his_skill(&cms, &sim, 1, &ids).await, vec![1, 1, 0]);
    gw.voicecall_release().agentid("1001").send().await.unwrap();
    assert_eq!(team(&cms, &sim).await, (1, 1, 0));

    // A second call that rings and is released unanswered counts as lost.
    sim.inject_queue_call(1, "13800000002").unwrap();
    wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    gw.voicecall_release().agentid("1001").send().await.unwrap();
    assert_eq!(his_skill(&cms, &sim, 1, &ids).await, vec![2, 1, 1]);
    let agent = cms
        .hisindex_agent()
        .vdn(sc.vdn)
        .agent_ids(vec![1001])
        .index_ids(vec!["IDX_COUNT_AGENT_SIGN_IN".into(), "IDX_COUNT_AGENT_CONNECTED".into()])
        .send()
        .await
        .unwrap();
    let rows = agent.result_desc.unwrap_or_default();
    let idxs = rows.first().and_then(|r| r.idxs.clone()).unwrap_or_default();
    let vals: Vec<_> = idxs.iter().map(|i| i.val.clone()).collect();
    assert_eq!(vals, vec![Some(json!(1)), Some(json!(1))]);
    let status =
        cms.agent_agentstatusinfobyagentids().cc_id(sc.cc_id).vdn(sc.vdn).agent_ids(vec![1001]).send().await.unwrap();
    let row = &status.result_desc.unwrap()[0];
    assert_eq!(row.current_state.map(|s| s.code()), Some(1));
    assert!(row.logon_time.unwrap() < 4_294_967_295_000, "signed in: a real logon time");
}

/// A local receiver of callbacks: every POST body arrives on the channel.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(Value, bool)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/cdr",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let signed = headers.get("authorization").is_some();
                let _ = tx.send((serde_json::from_slice(&body).unwrap_or(Value::Null), signed));
                axum::Json(json!({ "resultCode": "0" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cdr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

async fn download_bill(fs: &cec_fs::Client, name: &str) -> Vec<u8> {
    let file = fs
        .ccfs_download_bill_file()
        .request(cec_fs::generated::CcfsDownloadBillFileBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadBillFileBodyMsgBody { bill_file_name: Some(name.to_owned()) })
        .send()
        .await
        .unwrap();
    let mut body = file.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

/// The rows of the `*_call_*.csv` member (and the recording index rows).
fn call_csv(zip_bytes: &[u8]) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let (mut calls, mut records) = (Vec::new(), Vec::new());
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut text = String::new();
        f.read_to_string(&mut text).unwrap();
        let rows: Vec<Vec<String>> = text
            .lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .filter(|r: &Vec<String>| r.len() > 1)
            .collect();
        if name.contains("_call_") {
            calls = rows;
        } else if name.contains("_record_") {
            records = rows;
        }
    }
    (calls, records)
}

#[tokio::test]
async fn a_released_call_gets_a_cdr_whose_zip_has_the_documented_columns() {
    let (url, mut rx) = receiver().await;
    let scenario = Scenario { cdr_callback_url: Some(url.clone()), ..Scenario::default() };
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let gw = ready(&sim, 0).await;
    let call = sim.inject_queue_call(1, "13800000001").unwrap();
    wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    gw.voicecall_answer().agentid("1001").send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    gw.voicecall_release().agentid("1001").send().await.unwrap();

    // The CDR-ready notice arrives, C2-signed, naming the bill file.
    let (notice, signed) = tokio::time::timeout(WITHIN, rx.recv()).await.unwrap().unwrap();
    assert!(signed, "CC-FS signs its callbacks");
    assert_eq!(notice["request"]["version"], "2.0");
    let name = notice["msgBody"]["billFileName"].as_str().unwrap().to_owned();
    let response_id = notice["msgBody"]["responseId"].as_str().unwrap();
    assert_eq!(name.len(), 8 + 1 + response_id.len() + 4);
    assert!(name.ends_with(&format!("_{response_id}.zip")));

    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    let (rows, records) = call_csv(&download_bill(&fs, &name).await);
    assert_eq!(rows.len(), 2, "a queue row and an agent row: {rows:?}");
    for r in &rows {
        assert_eq!(r.len(), 21, "the 21 documented columns: {r:?}");
        assert_eq!(r[4], call, "call_id");
        assert_eq!((r[5].as_str(), r[6].as_str()), ("13800000001", "10086"), "caller_no, callee_no");
        assert_eq!(r[18], "1", "vdn_id");
    }
    let (queue_row, agent_row) = (&rows[0], &rows[1]);
    assert_eq!((queue_row[13].as_str(), queue_row[14].as_str(), queue_row[17].as_str()), ("1", "1", "1"));
    assert_eq!((agent_row[13].as_str(), agent_row[14].as_str(), agent_row[17].as_str()), ("2", "1001", "-1"));
    assert_eq!(agent_row[3], "1001", "agent_id");
    assert_eq!((agent_row[19].as_str(), agent_row[20].as_str()), ("1", "1"), "came from queue 1");
    assert_eq!(agent_row[11].len(), "YYYY-MM-DD hh:mm:ss".len(), "call_begin {:?}", agent_row[11]);
    assert_eq!(records.len(), 1, "the answered call was recorded");
    assert_eq!(records[0][4], call);

    // queryBillData with a callBackURL: the notice goes there, the zip holds the filtered calls.
    let r = fs
        .ccfs_query_bill_data()
        .request(cec_fs::generated::CcfsQueryBillDataBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsQueryBillDataBodyMsgBody {
            begin_time: Some("2000-01-01 00:00:00".into()),
            end_time: Some("2100-01-01 00:00:00".into()),
            call_id: Some(call.clone()),
            call_back_url: Some(url),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let id = r.result_data.unwrap().response_id.unwrap();
    let (notice, _) = tokio::time::timeout(WITHIN, rx.recv()).await.unwrap().unwrap();
    assert_eq!(notice["msgBody"]["responseId"], json!(id));
    let (rows, _) = call_csv(&download_bill(&fs, notice["msgBody"]["billFileName"].as_str().unwrap()).await);
    assert!(rows.iter().all(|r| r[4] == call) && !rows.is_empty());
    let e = fs
        .ccfs_download_bill_file()
        .request(cec_fs::generated::CcfsDownloadBillFileBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadBillFileBodyMsgBody { bill_file_name: Some("20260101_x.zip".into()) })
        .send()
        .await;
    assert!(e.is_err(), "an unknown bill file is refused");
}

#[tokio::test]
async fn a_campaign_dials_its_numbers_with_the_configured_split_pause_and_blocklist() {
    let mut scenario = Scenario::default();
    scenario.dialer.interval_ms = 0; // stepped
    scenario.dialer.answer_percent = 70;
    scenario.dialer.fail_percent = 20;
    let (url, mut results) = receiver().await;
    scenario.dialer.result_callback_url = Some(url);
    let numbers: Vec<String> = (0..10).map(|i| format!("1390000{i:04}")).collect();
    scenario.campaign_data = vec![CampaignData { campaign: 501, numbers: numbers.clone() }];
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let isales = cec_isales::Client::new(config(&sim), c2(&sim)).unwrap();
    let fail_codes = sim.scenario().dialer.fail_codes;

    // One more number, then blocklisted: it is never dialed.
    let added = isales
        .calldata_add_v1()
        .vdn_id(1)
        .campaign_id(501)
        .call_data_list(vec![cec_isales::generated::CalldataAddV1BodyCallDataList {
            called: Some("13999999999".into()),
            session_id: Some("cust-11".into()),
            ..Default::default()
        }])
        .send()
        .await
        .unwrap();
    assert_eq!(added.result_code.as_deref(), Some("0200000"));
    isales.blocklist_add().vdn_id(1).blocklist(vec!["13999999999".into()]).send().await.unwrap();

    assert_eq!(sim.dial_step(), 1);
    assert_eq!(sim.dial_step(), 1);
    isales.campaign_pause().vdn_id(1).campaign_id(501).send().await.unwrap();
    assert_eq!(sim.dial_step(), 0, "a paused campaign does not dial");
    isales.campaign_resume().vdn_id(1).campaign_id(501).send().await.unwrap();
    let mut steps = 0;
    while sim.dial_step() > 0 {
        steps += 1;
        assert!(steps < 50);
    }

    let r = isales.callresult_query().vdn_id(1).campaign_id(501).send().await.unwrap();
    let data = r.data.unwrap();
    assert_eq!(r.total_count, Some(10));
    assert!(data.iter().all(|d| d.called.as_deref() != Some("13999999999")), "blocklisted number not dialed");
    let called: Vec<String> = data.iter().map(|d| d.called.clone().unwrap()).collect();
    assert_eq!(called, numbers, "dialed in order, once each");
    let ok = data.iter().filter(|d| d.call_status == Some(6)).count();
    let codes: Vec<String> = data
        .iter()
        .filter(|d| d.call_status == Some(5))
        .map(|d| serde_json::to_value(d.fail_code.clone().unwrap()).unwrap().as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ok, 7, "70 % answered");
    assert_eq!(codes.iter().filter(|c| fail_codes.contains(c)).count(), 2, "20 % failed: {codes:?}");
    assert_eq!(codes.iter().filter(|c| *c == "00147").count(), 1, "the rest rang out");

    // Each dial's result was pushed to the campaign's result callback (an array per push).
    let mut pushed = Vec::new();
    while pushed.len() < 10 {
        let (body, _) = tokio::time::timeout(WITHIN, results.recv()).await.unwrap().unwrap();
        pushed.extend(body.as_array().unwrap().iter().map(|r| r["called"].as_str().unwrap().to_owned()));
    }
    pushed.sort();
    assert_eq!(pushed, numbers);

    let stats = isales.calldata_statistics().vdn_id(1).campaign_id("501").send().await.unwrap();
    let row = &stats.count_detail.unwrap()[0];
    assert_eq!((row.total_count, row.total_call_succ, row.total_called_count), (Some(11), Some(7), Some(10)));
}

#[tokio::test]
async fn the_dialer_is_deterministic_and_retries_by_policy() {
    async fn run(seed: u64) -> Vec<(String, i64)> {
        let mut scenario = Scenario::default();
        scenario.dialer.interval_ms = 0;
        scenario.dialer.answer_percent = 50;
        scenario.dialer.fail_percent = 50;
        scenario.campaign_data = vec![CampaignData { campaign: 501, numbers: vec!["1".into(), "2".into()] }];
        let sim = start(SimConfig { scenario, seed, ..fast() }).await;
        let isales = cec_isales::Client::new(config(&sim), c2(&sim)).unwrap();
        let policy = json!({ "type": 1, "policy": { "retryNumber": 2 } });
        let raw = isales
            .campaign_set_retry_policy()
            .vdn_id(1)
            .campaign_id(501)
            // policyJson is JSON text on the wire (spec: typed String on every copy of the page).
            .body(serde_json::from_value(json!({ "policyType": 0, "policyJson": policy.to_string() })).unwrap())
            .send()
            .await;
        raw.unwrap();
        while sim.dial_step() > 0 {}
        let r = isales.callresult_query().vdn_id(1).campaign_id(501).show_detail(1).send().await.unwrap();
        r.data.unwrap().iter().map(|d| (d.called.clone().unwrap(), d.call_status.unwrap())).collect()
    }
    let a = run(7).await;
    assert_eq!(a, run(7).await, "same seed, same story");
    // Failed numbers are retried (up to 3 attempts) until answered.
    for n in ["1", "2"] {
        let tries: Vec<i64> = a.iter().filter(|(c, _)| c == n).map(|(_, s)| *s).collect();
        assert!(!tries.is_empty() && tries.len() <= 3, "{a:?}");
        assert!(tries[..tries.len() - 1].iter().all(|s| *s == 5), "retried only after a failure: {a:?}");
    }
    assert!(a.len() > 2, "some retry happened: {a:?}");
}

#[tokio::test]
async fn web_chat_goes_from_the_chatbot_to_an_agent_and_back() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let gw = ready(&sim, 0).await;
    let creds = ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    af.ccmessaging_apply_token()
        .user_id("web-user-1")
        .user_name("Web visitor")
        .channel_id(sc.channel_id.as_str())
        .locale("en_US")
        .send()
        .await
        .unwrap();
    let send = |control: &'static str, content: &'static str| {
        af.ccmessaging_send()
            .channel("WEB")
            .control_type(control)
            .content(content)
            .from("web-user-1")
            .to(sc.channel_id.as_str())
            .media_type("TEXT")
            .source_type("CUSTOMER")
            .timestamp("1768465800000")
            .send()
    };
    let poll = || async {
        let r = af.ccmessaging_poll().receiver_id("web-user-1").channel("WEB").send().await.unwrap();
        r.downlink_messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| (m.source_type.unwrap_or_default(), m.content.unwrap_or_default()))
            .collect::<Vec<_>>()
    };

    send("CONNECT", "").await.unwrap();
    let msgs = poll().await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].0, "ROBOT");
    send("CHAT", "what are your opening hours?").await.unwrap();
    assert!(poll().await[0].1.contains("9:00"), "the hours intent answers");

    send("TRANS2AGENT", "").await.unwrap();
    let ringing = wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["mediaType"], "1", "a text chat");
    assert_eq!(ringing["caller"], "web-user-1");
    let call = ringing["callid"].as_str().unwrap().to_owned();
    gw.voicecall_answer().agentid("1001").send().await.unwrap();
    gw.mediacall_send_message()
        .agentid("1001")
        .callid(call.as_str())
        .data(json!("Hi, I am Ann."))
        .send()
        .await
        .unwrap();
    let msgs = poll().await;
    assert!(msgs.iter().any(|(s, _)| s == "SYSTEM"), "{msgs:?}");
    assert!(msgs.contains(&("AGENT".to_string(), "Hi, I am Ann.".to_string())), "{msgs:?}");

    send("CHAT", "thanks").await.unwrap();
    let data = wait_event(&gw, "1001", "AgentEvent_MessageData", WITHIN).await;
    assert_eq!((data["callid"].as_str(), data["content"].as_str()), (Some(call.as_str()), Some("thanks")));
    assert_eq!(data["message"].as_str(), Some("thanks"), "the documented field of AgentEvent_MessageData");
    send("DISCONNECT", "").await.unwrap();
    let released = wait_event(&gw, "1001", "AgentEvent_Call_Release", WITHIN).await;
    assert_eq!(released, json!(call));
    let rec = sim.call_records().into_iter().find(|r| r.id == call).unwrap();
    assert_eq!((rec.media_type, rec.skill), (1, Some(sc.chat_queue)));
    assert!(rec.answered_ms.is_some() && rec.released_ms.is_some());
}

#[tokio::test]
async fn admin_endpoints_queue_calls_and_step_the_dialer() {
    let mut scenario = Scenario::default();
    scenario.dialer.interval_ms = 0;
    scenario.campaign_data = vec![CampaignData { campaign: 501, numbers: vec!["13900000001".into()] }];
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let gw = ready(&sim, 0).await;
    let r = common::send(
        common::http().post(format!("{}/__sim/queue-calls", sim.endpoint())).body(r#"{"queue":1,"caller":"1380"}"#),
    )
    .await;
    let ringing = wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    assert_eq!(ringing["callid"], r.json["callid"]);
    let r =
        common::send(common::http().post(format!("{}/__sim/queue-calls", sim.endpoint())).body(r#"{"queue":9}"#)).await;
    assert_eq!(r.status, 404);
    let r = common::send(common::http().post(format!("{}/__sim/dial-step", sim.endpoint()))).await;
    assert_eq!(r.json["dialed"], json!(1));
    let state = common::send(common::http().get(format!("{}/__sim/state", sim.endpoint()))).await;
    assert_eq!(state.json["records"][0]["skill"], json!(1));
}

#[tokio::test]
async fn oiap_dialogs_answer_from_the_scenario_intents() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let oiap =
        cec_oiap::Client::new(config(&sim), OiapCredentials::tenant(sc.oiap_app_key, sc.oiap_app_secret)).unwrap();
    let turn = |input: &'static str| {
        oiap.dialog_process().userid("call-7").inaction(9).inparams(json!({ "input": input })).send()
    };
    let r = turn("When are you open?").await.unwrap();
    assert_eq!(r.outaction, Some(9));
    assert!(r.outparams.unwrap().prompt_text.unwrap().contains("9:00"));
    let r = turn("zzz").await.unwrap();
    assert_eq!(r.outparams.unwrap().prompt_text, Some(sc.fallback_answer.clone()));
    let r = turn("I want a HUMAN").await.unwrap();
    assert_eq!(r.outaction, Some(11));
    let p = r.outparams.unwrap();
    assert_eq!((p.trans_type.as_deref(), p.route_value.as_deref()), (Some("1"), Some("10086")));
    let r = turn("hangup").await.unwrap();
    assert_eq!(r.outaction, Some(10));
}
