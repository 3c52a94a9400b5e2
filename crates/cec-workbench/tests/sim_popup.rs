//! The simulator's pop-up loads, read by the parser a pop-up page uses (two
//! implementations of the documented parameters checking each other).

#![allow(clippy::unwrap_used, clippy::panic)]

use cec_sim::{PopupConfig, PopupMode, Scenario, SimConfig, Simulator};
use cec_workbench::{CallType, MediaType, PopupParser};

#[tokio::test(flavor = "multi_thread")]
async fn a_ringing_call_pops_up_with_its_data() {
    for mode in [PopupMode::Get, PopupMode::Post] {
        let scenario = Scenario {
            popup: Some(PopupConfig { url: "http://127.0.0.1:8044/pop?view=full".into(), mode }),
            ..Scenario::default()
        };
        let sim = Simulator::start(SimConfig { scenario, ..Default::default() }).await.unwrap();
        // Sign agent 1001 in over plain HTTP (CC-Gateway), then ring it.
        let tls = cec_core::transport::rustls_config(&Default::default(), false).unwrap();
        let http = reqwest::Client::builder().tls_backend_preconfigured(tls).build().unwrap();
        let login = http
            .put(format!("{}/agentgateway/resource/onlineagent/1001", sim.endpoint()))
            .header("content-type", "application/json")
            .body(r#"{"password":"sim-pass-1001","phonenum":"70001"}"#)
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success());
        let call = sim.inject_call("1001", "13800000001").unwrap();

        let loads = sim.popup_loads();
        assert_eq!(loads.len(), 1, "{loads:?}");
        let load = &loads[0];
        let parser = PopupParser::new().allow_origins([sim.endpoint()]);
        let (query, form) = load.url.split_once('?').map(|(_, q)| (q, load.form.as_deref())).unwrap();
        let ctx = parser
            .parse_http(load.method, Some(query), None, form.unwrap_or("").as_bytes())
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        assert_eq!(ctx.caller_num.as_deref(), Some("13800000001"));
        assert_eq!(ctx.call_id.as_deref(), Some(call.as_str()));
        assert_eq!(ctx.media_type, Some(MediaType::Voice));
        assert_eq!(ctx.call_type, Some(CallType::Inbound));
        assert_eq!(ctx.work_no.as_deref(), Some("1001"));
        assert_eq!(ctx.customer_number(), Some("13800000001"));
        assert_eq!(ctx.extra("view"), Some("full"), "the configured address keeps its own query");
        assert_eq!(ctx.origin.as_deref(), Some(sim.endpoint().as_str()));
        sim.shutdown().await;
    }
}
