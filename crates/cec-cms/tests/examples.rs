//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/monitor.rs"]
mod monitor;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_example() {
    let seen = monitor::run().await.unwrap();
    assert!(!seen.states.is_empty(), "{seen:?}");
    assert!(seen.states.iter().all(|(id, state)| *id > 0 && !state.is_empty()), "{seen:?}");
    assert!(seen.agents.len() >= 3, "read over several pages: {seen:?}");
}
