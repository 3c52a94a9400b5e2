//! Importing call data into a campaign of an in-process simulator: 1,000 rows, a few of
//! them bad, every row accounted for.
//!
//! `cargo run -p cec-isales --example import`
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use cec_isales::{AkSkSigner, C2Auth, CallDataRow, Config, ImportOptions, RowOutcome, TenantDefaults};
use futures_util::StreamExt;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut scenario = cec_sim::Scenario::default();
    scenario.dialer.interval_ms = 0; // nothing is dialed while we import
    scenario.dialer.calldata_max_per_call = 200; // the tenant's isales.api.calldata.max
    scenario.dialer.calldata_min_interval_ms = 100;
    let sim = cec_sim::Simulator::start(cec_sim::SimConfig { scenario, ..Default::default() }).await?;
    let sc = sim.scenario();
    let client = cec_isales::Client::new(
        Config::builder(&sim.endpoint()).build()?,
        C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str())?),
    )?
    .with_tenant(TenantDefaults::new().vdn_id(sc.vdn));
    client.blocklist_add().vdn_id(sc.vdn).blocklist(vec!["13900000500".into()]).send().await?;

    let rows = (0..1000).map(|i| {
        let number = if i == 250 { "12-34".to_string() } else { format!("139{i:08}") };
        CallDataRow { key: format!("crm-{i}"), numbers: vec![number], ..Default::default() }
    });
    let journal = std::env::temp_dir().join(format!("cec-import-example-{}.journal", std::process::id()));
    let opts = ImportOptions {
        chunk_size: 200,
        concurrency: 2,
        min_interval: Duration::from_millis(100),
        journal: Some(journal.clone()),
        ..Default::default()
    };
    let start = Instant::now();
    let mut results = client.import_call_data(501, futures_util::stream::iter(rows), opts);
    let (mut accepted, mut refused) = (0, 0);
    while let Some(r) = results.next().await {
        let r = r?;
        match &r.outcome {
            RowOutcome::Refused { code, reason } => {
                refused += 1;
                println!("{}: refused ({}) {reason}", r.key, code.as_deref().unwrap_or("before sending"));
            }
            _ => accepted += 1,
        }
    }
    println!("{accepted} accepted, {refused} refused in {:.1?}", start.elapsed());
    println!("the campaign holds {} records", sim.call_data(501).len());
    let _ = std::fs::remove_file(&journal);
    sim.shutdown().await;
    Ok(())
}
