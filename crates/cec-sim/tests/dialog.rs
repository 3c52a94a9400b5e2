//! `cec_oiap::Dialog` against the simulator's chatbot: the greeting, an answer
//! from the scenario's intents, an input no intent knows (the fallback), the
//! decision to transfer to an agent, and the user ending the dialog.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use cec_oiap::{Dialog, DialogTurn, OiapCredentials, TransferKind};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chatbot_dialog_through_to_a_transfer_and_its_end() {
    let sim = common::start(common::fast()).await;
    let sc = sim.scenario();
    let oiap = cec_oiap::Client::new(
        common::config(&sim),
        OiapCredentials::tenant(sc.oiap_app_key.as_str(), sc.oiap_app_secret.as_str()),
    )
    .unwrap();
    let (mut d, greeting) = Dialog::start(oiap.clone(), "chat-user-7", "100").await.unwrap();
    assert!(matches!(greeting, DialogTurn::Prompt { ref text, .. } if !text.is_empty()), "{greeting:?}");

    match d.say("when are you open?").await.unwrap() {
        DialogTurn::Prompt { text, .. } => assert!(text.contains("9:00"), "{text}"),
        other => panic!("{other:?}"),
    }
    match d.say("qwzx unknown words").await.unwrap() {
        DialogTurn::Prompt { text, .. } => assert_eq!(text, sc.fallback_answer),
        other => panic!("{other:?}"),
    }
    match d.say("let me talk to a human").await.unwrap() {
        DialogTurn::Transfer { kind, route_value, .. } => {
            assert_eq!(kind, TransferKind::AgentByRouteCode);
            assert!(kind.to_agent());
            assert!(!route_value.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(!d.is_ended());
    let e = d.say("   ").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
    assert!(matches!(d.end().await.unwrap(), DialogTurn::Ended { .. }));

    // A userid the reference does not take is refused before sending.
    let e = Dialog::start(oiap, "x".repeat(65), "100").await.unwrap_err();
    assert_eq!(e.kind(), cec_core::ErrorKind::Usage);
}
