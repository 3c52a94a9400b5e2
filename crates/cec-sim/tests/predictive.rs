//! A predictive campaign end to end: the campaign is started, its answered call waits
//! in the campaign's skill queue and rings a signed-in agent with that skill, the agent
//! answers and releases it, the call gets its CDR rows (CC-FS) and CC-CMS counts it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Read;

use cec_sim::{CampaignData, Scenario, SimConfig, Simulator};
use common::{WITHIN, c2, config, fast, signed_in_gateway, start, wait_event};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

const CUSTOMER: &str = "13912345678";

/// A local receiver of the CDR-ready notices.
async fn receiver() -> (String, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/cdr",
        axum::routing::post(move |body: axum::body::Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(serde_json::from_slice(&body).unwrap_or(Value::Null));
                axum::Json(json!({ "resultCode": "0" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cdr", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, rx)
}

/// The rows of the bill file's `*_call_*.csv` member.
async fn cdr_rows(fs: &cec_fs::Client, name: &str) -> Vec<Vec<String>> {
    let file = fs
        .ccfs_download_bill_file()
        .request(cec_fs::generated::CcfsDownloadBillFileBodyRequest { version: Some("2.0".into()) })
        .msg_body(cec_fs::generated::CcfsDownloadBillFileBodyMsgBody { bill_file_name: Some(name.to_owned()) })
        .send()
        .await
        .unwrap();
    let mut body = file.body;
    let mut zip_bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        zip_bytes.extend_from_slice(&chunk.unwrap());
    }
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().unwrap().contains("_call_") {
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            return text
                .lines()
                .map(|l| l.split(',').map(str::to_owned).collect())
                .filter(|r: &Vec<_>| r.len() > 1)
                .collect();
        }
    }
    panic!("no call member in {name}");
}

async fn skill_idx(cms: &cec_cms::Client, sim: &Simulator, idx: &str) -> String {
    let sc = sim.scenario();
    let r = cms
        .skill_rindex()
        .cc_id(sc.cc_id)
        .vdn(sc.vdn)
        .skill_ids(vec![1])
        .index_ids(vec![idx.to_owned()])
        .send()
        .await
        .unwrap();
    let rows = r.result_desc.unwrap();
    rows[0].idxs.clone().unwrap()[0].val.clone().unwrap().as_str().unwrap().to_owned()
}

async fn his_connected(cms: &cec_cms::Client, sim: &Simulator) -> Vec<u64> {
    let sc = sim.scenario();
    let r = cms
        .hisindex_skill()
        .cc_id(sc.cc_id)
        .vdn(sc.vdn)
        .skill_ids(vec![1])
        .index_ids(vec!["IDX_COUNT_SKILL_REQUEST".into(), "IDX_COUNT_SKILL_CONNECTED".into()])
        .send()
        .await
        .unwrap();
    let rows = r.result_desc.unwrap();
    rows[0]["idxs"].as_array().unwrap().iter().map(|i| i["val"].as_u64().unwrap()).collect()
}

#[tokio::test]
async fn an_answered_predictive_call_rings_an_agent_of_the_skill_gets_a_cdr_and_counts_in_cms() {
    let (url, mut notices) = receiver().await;
    let mut scenario = Scenario { cdr_callback_url: Some(url), ..Scenario::default() };
    // Campaign 501 is started and predictive (device type 2); its calls go to skill 1.
    let c = scenario.campaigns.iter_mut().find(|c| c.id == 501).unwrap();
    assert_eq!((c.status, c.device_type), (2, 2));
    c.skill = Some(1);
    scenario.dialer.interval_ms = 0; // dialed only when stepped
    scenario.dialer.answer_percent = 100;
    scenario.dialer.fail_percent = 0;
    scenario.campaign_data = vec![CampaignData { campaign: 501, numbers: vec![CUSTOMER.into()] }];
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let cms = cec_cms::Client::new(config(&sim), c2(&sim)).unwrap();

    // Agent 1001 (skills 1 and 2) signs in and is ready.
    let gw = signed_in_gateway(&sim, 0).await;
    gw.onlineagent_resetskill().agentid("1001").autoflag(true).send().await.unwrap();
    wait_event(&gw, "1001", "AgentState_Ready", WITHIN).await;
    assert_eq!(his_connected(&cms, &sim).await, vec![0, 0]);

    // The dialer reaches the customer: the call rings the agent, from the campaign's queue.
    assert_eq!(sim.dial_step(), 1);
    let ringing = wait_event(&gw, "1001", "AgentEvent_Ringing", WITHIN).await;
    let content = &ringing; // wait_event answers the event's content
    assert_eq!(content["called"], CUSTOMER, "{ringing}");
    assert_eq!(content["skillId"], "1", "{ringing}");
    let call = content["callid"].as_str().unwrap().to_owned();
    assert_eq!(skill_idx(&cms, &sim, "IDX_COUNT_REAL_SKILL_HANDLE").await, "1");

    gw.voicecall_answer().agentid("1001").send().await.unwrap();
    assert_eq!(skill_idx(&cms, &sim, "IDX_COUNT_REAL_AGENT_CONNECT").await, "1");
    assert_eq!(his_connected(&cms, &sim).await, vec![1, 1], "CMS counts the campaign's call as offered and connected");
    gw.voicecall_release().agentid("1001").send().await.unwrap();

    let rec = sim.call_records().into_iter().find(|r| r.id == call).unwrap();
    assert_eq!((rec.direction.as_str(), rec.skill, rec.agent.as_deref()), ("out", Some(1), Some("1001")));
    assert!(rec.answered_ms.is_some() && rec.released_ms.is_some(), "{rec:?}");

    // The CDR: a queue row and the agent's row, for this call and the customer's number.
    let notice = tokio::time::timeout(WITHIN, notices.recv()).await.unwrap().unwrap();
    let name = notice["msgBody"]["billFileName"].as_str().unwrap().to_owned();
    let fs = cec_fs::Client::new(config(&sim), c2(&sim)).unwrap();
    let rows = cdr_rows(&fs, &name).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows.iter().all(|r| r[4] == call && r[6] == CUSTOMER), "{rows:?}");
    assert_eq!(rows[1][3], "1001", "agent_id of the agent row: {rows:?}");
    assert_eq!(skill_idx(&cms, &sim, "IDX_COUNT_REAL_SKILL_HANDLE").await, "0");

    sim.shutdown().await;
}

#[test]
fn a_campaign_skill_must_be_a_queue_of_the_scenario() {
    let toml = "[[campaigns]]\nid = 7\nname = \"x\"\nstatus = 2\ndevice_type = 2\nskill = 99\n";
    let e = Scenario::from_toml(toml).unwrap_err();
    assert!(e.to_string().contains("skill 99"), "{e}");
    let ok = Scenario::from_toml(&toml.replace("99", "1")).unwrap();
    assert_eq!(ok.campaigns[0].skill, Some(1));
}
