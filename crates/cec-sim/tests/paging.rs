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

/// `blocklist.query` is answered from the model's blocklist (offset and limit in the
/// body): the numbers added page through the generated paginator, each once.
#[tokio::test]
async fn the_blocklist_pages_through_the_paginator() {
    let sim = start(fast()).await;
    let sc = sim.scenario();
    let isales = cec_isales::Client::new(config(&sim), C2Auth::Signature(AkSkSigner::new(sc.ak, sc.sk).unwrap()))
        .unwrap()
        .with_tenant(cec_isales::TenantDefaults::new().vdn_id(1));
    let numbers: Vec<String> = (0..11).map(|i| format!("1380000{i:04}")).collect();
    isales.blocklist_add().blocklist(numbers.clone()).validity_time(2).validity_time_unit(3).send().await.unwrap();
    let b = isales.blocklist_query();
    let pages: Vec<_> = b.clone().into_paginator().page_size(4).pages().collect().await;
    let sizes: Vec<usize> =
        pages.iter().map(|p| p.as_ref().map(|p| p.data.as_ref().map_or(0, Vec::len)).unwrap_or(99)).collect();
    assert_eq!(sizes, vec![4, 4, 3], "{pages:?}");
    let mut got: Vec<String> = b
        .into_paginator()
        .page_size(4)
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.block_num.unwrap_or_default())
        .collect();
    got.sort();
    assert_eq!(got, numbers, "every number once");
    sim.shutdown().await;
}
