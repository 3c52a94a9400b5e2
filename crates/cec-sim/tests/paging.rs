//! Paging a list the model builds: the dialer's call results (`callresult.query`,
//! page number and size in the query), through the generated paginator, across pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cec_auth::{AkSkSigner, C2Auth};
use cec_sim::{CampaignData, Scenario, SimConfig};
use common::{config, fast, start};
use futures_util::StreamExt;

#[tokio::test]
async fn dial_results_page_through_the_paginator() {
    let mut scenario = Scenario::default();
    scenario.dialer.interval_ms = 0; // stepped
    let numbers: Vec<String> = (0..10).map(|i| format!("1390000{i:04}")).collect();
    scenario.campaign_data = vec![CampaignData { campaign: 501, numbers: numbers.clone() }];
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let sc = sim.scenario();
    let isales = cec_isales::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new(sc.ak, sc.sk).unwrap()))
        .unwrap()
        .with_tenant(cec_isales::TenantDefaults::new().vdn_id(1));
    let mut steps = 0;
    while sim.dial_step() > 0 {
        steps += 1;
        assert!(steps < 50);
    }
    // No vdnId on the call: the client's tenant default fills it in.
    let b = isales.callresult_query().campaign_id(501);
    let pages: Vec<_> = b.clone().into_paginator().page_size(3).pages().collect().await;
    assert_eq!(pages.len(), 4, "3 + 3 + 3 + 1");
    let called: Vec<String> = b
        .into_paginator()
        .page_size(3)
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.called.unwrap_or_default())
        .collect();
    assert_eq!(called, numbers, "every result once, in order");
    sim.shutdown().await;
}
