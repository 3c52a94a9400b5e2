//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/skills.rs"]
mod skills;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skills_example() {
    let names = skills::run().await.unwrap();
    assert!(!names.is_empty());
    for (n, a) in names.iter().enumerate() {
        assert!(!names[n + 1..].contains(a), "{a} listed twice: {names:?}");
    }
}
