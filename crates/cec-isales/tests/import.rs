//! `import_call_data` against the simulator: per-row results, refusals pinned to their
//! rows, throttling honoured, and a journal that makes a re-run accept no row twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::time::Duration;

use cec_isales::{AkSkSigner, C2Auth, CallDataRow, Config, ImportOptions, RowOutcome, TenantDefaults};
use cec_sim::{Scenario, SimConfig, Simulator};
use futures_util::StreamExt;

async fn sim(min_interval_ms: u64) -> Simulator {
    let mut scenario = Scenario::default();
    scenario.dialer.interval_ms = 0;
    scenario.dialer.calldata_max_per_call = 100;
    scenario.dialer.calldata_min_interval_ms = min_interval_ms;
    Simulator::start(SimConfig { scenario, ..Default::default() }).await.unwrap()
}

fn client(sim: &Simulator) -> cec_isales::Client {
    let sc = sim.scenario();
    let auth = C2Auth::Signature(AkSkSigner::new(sc.ak.as_str(), sc.sk.as_str()).unwrap());
    cec_isales::Client::new(Config::builder(&sim.endpoint()).build().unwrap(), auth)
        .unwrap()
        .with_tenant(TenantDefaults::new().vdn_id(sc.vdn))
}

/// Row `i`: every 50th malformed, every 50th (offset 17) blocklisted, every 50th (offset 33)
/// repeating its number.
fn row(i: usize) -> CallDataRow {
    let n = format!("1380{i:07}");
    let numbers = match i % 50 {
        0 => vec![format!("{n}x")],
        33 => vec![n.clone(), n],
        _ => vec![n],
    };
    CallDataRow { key: format!("crm-{i}"), numbers, ..Default::default() }
}

fn blocked(i: usize) -> bool {
    i % 50 == 17
}

#[tokio::test(flavor = "multi_thread")]
async fn every_row_gets_its_result_and_bad_rows_are_pinned() {
    let sim = sim(0).await;
    let c = client(&sim);
    const N: usize = 2000;
    let block: Vec<String> = (0..N).filter(|i| blocked(*i)).map(|i| row(i).numbers[0].clone()).collect();
    for chunk in block.chunks(20) {
        c.blocklist_add().vdn_id(1).blocklist(chunk.to_vec()).send().await.unwrap();
    }
    let journal = std::env::temp_dir().join(format!("cec-import-test-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    let opts = ImportOptions {
        chunk_size: 100,
        concurrency: 3,
        min_interval: Duration::ZERO,
        journal: Some(journal.clone()),
        ..Default::default()
    };
    let results: Vec<_> =
        c.import_call_data(501, futures_util::stream::iter((0..N).map(row)), opts.clone()).collect().await;
    let results: HashMap<String, RowOutcome> =
        results.into_iter().map(|r| r.unwrap()).map(|r| (r.key, r.outcome)).collect();
    assert_eq!(results.len(), N, "one result per row");
    for i in 0..N {
        let got = &results[&format!("crm-{i}")];
        match (i % 50, got) {
            (0, RowOutcome::Refused { code: None, reason }) => assert!(reason.contains("digits"), "{reason}"),
            (17, RowOutcome::Refused { code: Some(c), .. }) => assert_eq!(c, "0200024"),
            (33, RowOutcome::Refused { code: Some(c), .. }) => assert_eq!(c, "0200018"),
            (r, RowOutcome::Accepted { data_id }) if ![0, 17, 33].contains(&r) => assert!(!data_id.is_empty()),
            _ => panic!("row {i}: {got:?}"),
        }
    }
    let good = N - 3 * N / 50;
    let data = sim.call_data(501);
    assert_eq!(data.len(), good);
    assert_eq!(sim.call_data_counts(), (good as u64, 0));

    // A re-run with the journal sends nothing new for the accepted rows.
    let again: Vec<_> = c.import_call_data(501, futures_util::stream::iter((0..N).map(row)), opts).collect().await;
    let already =
        again.iter().filter(|r| matches!(r.as_ref().unwrap().outcome, RowOutcome::AlreadyAccepted { .. })).count();
    assert_eq!(already, good);
    assert_eq!(sim.call_data(501).len(), good, "no row twice");
    let _ = std::fs::remove_file(&journal);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_waited_out() {
    // The NE wants 200 ms between calls; the client is told nothing and must honour 0200022.
    let sim = sim(200).await;
    let c = client(&sim);
    let opts = ImportOptions { chunk_size: 50, concurrency: 2, min_interval: Duration::ZERO, ..Default::default() };
    let rows = (0..300).map(|i| CallDataRow {
        key: format!("k{i}"),
        numbers: vec![format!("139{i:08}")],
        ..Default::default()
    });
    let results: Vec<_> = c.import_call_data(501, futures_util::stream::iter(rows), opts).collect().await;
    assert_eq!(results.len(), 300);
    assert!(
        results.iter().all(|r| r.as_ref().unwrap().accepted()),
        "{:?}",
        results.iter().find(|r| !r.as_ref().unwrap().accepted())
    );
    assert_eq!(sim.call_data(501).len(), 300);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_in_doubt_after_a_crash_are_removed_then_sent_again() {
    let sim = sim(0).await;
    let c = client(&sim);
    let journal = std::env::temp_dir().join(format!("cec-import-doubt-{}.journal", std::process::id()));
    // A run that died after the NE accepted "d1" and "d2" but before the journal said so.
    std::fs::write(&journal, "{\"campaign\":501}\n{\"p\":[\"d1\",\"d2\"]}\n").unwrap();
    let rows = |keys: &[&str]| -> Vec<CallDataRow> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| CallDataRow {
                key: k.to_string(),
                numbers: vec![format!("1370000000{i}")],
                ..Default::default()
            })
            .collect()
    };
    let opts = ImportOptions { min_interval: Duration::ZERO, journal: Some(journal.clone()), ..Default::default() };
    let first: Vec<_> = c
        .import_call_data(
            501,
            futures_util::stream::iter(rows(&["d1", "d2"])),
            ImportOptions { journal: None, ..opts.clone() },
        )
        .collect()
        .await;
    assert!(first.iter().all(|r| r.as_ref().unwrap().accepted()));
    assert_eq!(sim.call_data(501).len(), 2);
    let rerun: Vec<_> =
        c.import_call_data(501, futures_util::stream::iter(rows(&["d1", "d2", "d3"])), opts).collect().await;
    assert!(rerun.iter().all(|r| r.as_ref().unwrap().accepted()), "{rerun:?}");
    let keys: Vec<String> = sim.call_data(501).into_iter().map(|d| d.0).collect();
    assert_eq!(keys, vec!["d1", "d2", "d3"], "each key once");
    assert_eq!(sim.call_data_counts(), (5, 2));
    let _ = std::fs::remove_file(&journal);
    sim.shutdown().await;
}

/// Two chunks in flight, one refused with a 503: the other one's answer is still taken
/// (its rows journaled as accepted, not left in doubt), the stream ends with the error
/// after it, and the re-run sends only the refused chunk's rows.
#[tokio::test(flavor = "multi_thread")]
async fn after_an_error_the_chunks_in_flight_finish_and_are_journaled() {
    let sim = sim(0).await;
    let c = client(&sim);
    let journal = std::env::temp_dir().join(format!("cec-import-drain-{}.journal", std::process::id()));
    let _ = std::fs::remove_file(&journal);
    // The first request to arrive is refused after 300 ms (by then the second one is
    // sent: a chunk that has not started when the error comes is rightly not sent); the
    // second is processed, but its answer trickles for about a second (the simulator
    // applies one non-latency fault per request, in order).
    let refused = cec_sim::Fault::http_error(503).with_delay(Duration::from_millis(300));
    sim.add_fault(refused.on("calldata.add_v2").times(1)).unwrap();
    sim.add_fault(cec_sim::Fault::slow_body(2_000).on("calldata.add_v2").times(1)).unwrap();
    let rows = || {
        (0..40).map(|i| CallDataRow {
            key: format!("dr-{i}"),
            numbers: vec![format!("1371{i:07}")],
            ..Default::default()
        })
    };
    let opts = ImportOptions {
        min_interval: Duration::ZERO,
        chunk_size: 20,
        concurrency: 2,
        journal: Some(journal.clone()),
        ..Default::default()
    };
    let first: Vec<_> = c.import_call_data(501, futures_util::stream::iter(rows()), opts.clone()).collect().await;
    let (ok, err): (Vec<_>, Vec<_>) = first.iter().partition(|r| r.is_ok());
    assert_eq!(ok.len(), 20, "the chunk in flight gave its results: {first:?}");
    assert!(ok.iter().all(|r| r.as_ref().unwrap().accepted()));
    assert_eq!(err.len(), 1);
    assert!(first.last().unwrap().is_err(), "the error comes last");
    assert_eq!(err[0].as_ref().unwrap_err().status(), Some(503));
    assert_eq!(sim.call_data(501).len(), 20);
    let text = std::fs::read_to_string(&journal).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with("{\"a\"")).count(), 20, "{text}");
    // The re-run: 20 already accepted, the refused 20 sent now; each key once.
    let rerun: Vec<_> = c.import_call_data(501, futures_util::stream::iter(rows()), opts).collect().await;
    assert_eq!(rerun.len(), 40);
    assert!(rerun.iter().all(|r| r.as_ref().unwrap().accepted()), "{rerun:?}");
    let mut keys: Vec<String> = sim.call_data(501).into_iter().map(|d| d.0).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 40);
    assert_eq!(sim.call_data(501).len(), 40);
    let _ = std::fs::remove_file(&journal);
    sim.shutdown().await;
}
