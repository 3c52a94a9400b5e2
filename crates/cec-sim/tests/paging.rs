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

/// `skill.querySkills` (API Fabric) is answered from the scenario's skill queues
/// (`limit`/`offset` strings in the body): every queue once across the pages, and
/// the media-type filter narrows the total.
#[tokio::test]
async fn skill_queues_page_through_the_paginator() {
    let scenario = Scenario {
        queues: (1..=7)
            .map(|i| cec_sim::SkillQueue {
                id: i,
                name: format!("Queue {i}"),
                media_type: if i % 2 == 0 { 53 } else { 5 },
            })
            .collect(),
        ..Scenario::default()
    };
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let sc = sim.scenario();
    let creds = cec_auth::ApiFabricCredentials::new(sc.app_key.as_str(), sc.app_secret.as_str());
    let af = cec_apifabric::Client::new(config(&sim), config(&sim), creds).unwrap();
    let b = af.skill_query_skills();
    let pages: Vec<_> = b.clone().into_paginator().page_size(3).pages().collect().await;
    let sizes: Vec<usize> =
        pages.iter().map(|p| p.as_ref().map(|p| p.data.as_ref().map_or(0, Vec::len)).unwrap_or(99)).collect();
    assert_eq!(sizes, vec![3, 3, 1], "{pages:?}");
    let ids: Vec<i64> = b
        .into_paginator()
        .page_size(3)
        .collect_items()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| s.skill_id.and_then(|n| n.as_i64()))
        .collect();
    assert_eq!(ids, (1..=7).collect::<Vec<i64>>(), "every queue once, in order");
    let multimedia = af.skill_query_skills().media_type_id("53").send().await.unwrap();
    assert_eq!(multimedia.total.and_then(|n| n.as_u64()), Some(3));
    let bad = af.skill_query_skills().limit("0").send().await;
    assert!(bad.is_err(), "limit 0 is outside 1-100: {bad:?}");
    sim.shutdown().await;
}

/// `campaign.query_all` (iSales) is answered from the model's campaigns, `curPage`
/// and `rowsPerPage` in the query, item members `id`/`name`/`status` as in the
/// reference's sample: every campaign once across pages; the status filter narrows.
#[tokio::test]
async fn campaigns_page_through_the_paginator() {
    let scenario = Scenario {
        campaigns: (1..=5)
            .map(|i| cec_sim::Campaign {
                id: 500 + i,
                name: format!("Campaign {i}"),
                status: if i == 3 { 3 } else { 2 },
                device_type: 2,
                skill: None,
            })
            .collect(),
        ..Scenario::default()
    };
    let sim = start(SimConfig { scenario, ..fast() }).await;
    let sc = sim.scenario();
    let isales = cec_isales::Client::new(
        config(&sim),
        C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap()),
    )
    .unwrap();
    let b = isales.campaign_query_all().vdn_id(sc.vdn).status(0).device_type(0);
    let pages: Vec<_> = b.clone().into_paginator().page_size(2).pages().collect().await;
    let sizes: Vec<usize> =
        pages.iter().map(|p| p.as_ref().map(|p| p.data.as_ref().map_or(0, Vec::len)).unwrap_or(99)).collect();
    assert_eq!(sizes, vec![2, 2, 1], "{pages:?}");
    let items = b.into_paginator().page_size(2).collect_items().await.unwrap();
    let mut ids: Vec<i64> = items.iter().filter_map(|c| c.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, (501..=505).collect::<Vec<i64>>(), "every campaign once");
    assert!(items.iter().all(|c| c.name.as_deref().is_some_and(|n| n.starts_with("Campaign "))), "{items:?}");
    let suspended =
        isales.campaign_query_all().vdn_id(sc.vdn).status(3).device_type(0).cur_page(1).rows_per_page(10).send().await;
    assert_eq!(suspended.unwrap().data.unwrap_or_default().iter().filter_map(|c| c.id).collect::<Vec<_>>(), vec![503]);
    sim.shutdown().await;
}
