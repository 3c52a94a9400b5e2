//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/campaign.rs"]
mod campaign;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_example() {
    let seen = campaign::run().await.unwrap();
    assert_eq!((seen.paused_status, seen.resumed_status), (Some(3), Some(2)), "{seen:?}");
}
