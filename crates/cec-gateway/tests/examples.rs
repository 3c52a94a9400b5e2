//! The crate's example runs as a test against the in-process simulator, so it cannot rot.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[allow(dead_code)]
#[path = "../examples/agent.rs"]
mod agent;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_example() {
    let seen = agent::run().await.unwrap();
    assert!(!seen.call.is_empty());
    for e in ["AgentEvent_Ringing", "AgentEvent_Talking", "AgentEvent_Call_Release"] {
        assert!(seen.events.iter().any(|x| x == e), "{e} in {:?}", seen.events);
    }
}
