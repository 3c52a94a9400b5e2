//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/channel_adapter.rs"]
mod channel_adapter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_adapter_example_round_trip() {
    let got = channel_adapter::run().await.unwrap();
    assert!(got.iter().all(|m| m.user == "alice"), "{got:?}");
    assert!(got.first().is_some_and(|m| m.text.starts_with("[robot] ")), "the chatbot greets first: {got:?}");
    assert!(
        got.iter().any(|m| m.text.starts_with("[robot] ") && m.text.contains("9:00")),
        "the answer to the question came back through a verified push: {got:?}"
    );
}
