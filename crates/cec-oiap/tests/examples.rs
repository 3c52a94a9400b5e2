//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/chatbot.rs"]
mod chatbot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chatbot_example() {
    let prompt = chatbot::run().await.unwrap();
    assert!(!prompt.is_empty());
}
