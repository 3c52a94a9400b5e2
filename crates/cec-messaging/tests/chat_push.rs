//! `ChatSession` in push mode against `cec sim`: the simulator pushes the web
//! chat's messages (`callback.pushMessages`, auth-v2) to a `PushReceiver`; one
//! `PushRouter` hands each message to the session of the user it addresses.
//! A push AICC delivers again is dropped; a push with a bad or stale signature
//! is refused and nothing reaches any session; a message for no session is
//! counted and kept, not lost.
#![cfg(all(feature = "receiver", feature = "fabric"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cec_core::sign::C2Dialect;
use cec_core::transport::{ReqwestTransport, Transport as _};
use cec_gateway::ChatEvent;
use cec_messaging::push::{PUSH_PATH, PushBody};
use cec_messaging::{ChatMessage, ChatSession, PushReceiver, PushRouter, PushVerifier, Source};
use cec_sim::{Scenario, SimConfig, Simulator};
use common::{TICK, WITHIN};
use futures_util::StreamExt as _;
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

/// A receiver verifying with the scenario's AK and `sk`, and a simulator pushing to it.
async fn pushing(sk: &str) -> (Simulator, PushReceiver, UnboundedReceiver<PushBody>) {
    let sc = Scenario::default();
    let (receiver, pushes) =
        PushReceiver::bind("127.0.0.1:0".parse().unwrap(), PushVerifier::new(sc.ak.clone(), sk)).await.unwrap();
    let scenario = Scenario { messaging_push_url: Some(receiver.base_url()), ..sc };
    let sim = Simulator::start(SimConfig { scenario, poll_wait: Duration::from_millis(50), ..Default::default() })
        .await
        .unwrap();
    (sim, receiver, pushes)
}

async fn next(chat: &mut ChatSession) -> ChatMessage {
    tokio::time::timeout(WITHIN, chat.next_message(TICK)).await.expect("a pushed message within 5 s").unwrap()
}

/// Nothing more reaches the session for a while.
async fn quiet(chat: &mut ChatSession) {
    if let Ok(m) = tokio::time::timeout(Duration::from_millis(400), chat.next_message(TICK)).await {
        panic!("nothing more expected, got {m:?}");
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A push of agent text messages, each `(to, content, messageCode)`, stamped now.
fn agent_texts(msgs: &[(&str, &str, &str)]) -> PushBody {
    let ts = now_ms();
    let messages: Vec<Value> = msgs
        .iter()
        .map(|(to, content, code)| {
            json!({"channel": "WEB", "content": content, "from": "ch", "mediaType": "TEXT", "sourceType": "AGENT",
                   "controlType": "CHAT", "timestamp": ts, "to": to, "messageCode": code})
        })
        .collect();
    serde_json::from_value(json!({"messages": messages, "timestamp": ts})).unwrap()
}

fn an_hour_ago() -> SystemTime {
    SystemTime::now() - Duration::from_secs(3600)
}

/// Delivers `body` to the receiver as AICC does (auth-v2 with `ak`/`sk`,
/// signed at the time `clock` gives); the HTTP status of the answer.
async fn deliver(base: &str, body: &Value, ak: &str, sk: &str, clock: Option<fn() -> SystemTime>) -> u16 {
    let mut signer = cec_auth::AkSkSigner::new(ak, sk).unwrap().with_dialect(C2Dialect::default());
    if let Some(c) = clock {
        signer = signer.with_clock(c);
    }
    let mut req = cec_core::HttpRequest {
        method: http::Method::POST,
        url: url::Url::parse(&format!("{base}{PUSH_PATH}")).unwrap(),
        headers: http::HeaderMap::new(),
        body: serde_json::to_vec(body).unwrap().into(),
    };
    signer.sign_request(&mut req).unwrap();
    let transport = ReqwestTransport::from_config(&cec_core::Config::builder(base).build().unwrap()).unwrap();
    transport.send(req).await.unwrap().status.as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_reach_the_session_of_their_user_only_robot_system_and_agent() {
    let sc = Scenario::default();
    let (sim, _receiver, pushes) = pushing(&sc.sk).await;
    let router = PushRouter::new();
    router.spawn(pushes);
    let mut ann = common::pushed_session(&sim, "cust-ann", router.feed("cust-ann")).await;
    let mut bob = common::pushed_session(&sim, "cust-bob", router.feed("cust-bob")).await;
    assert!(ann.is_pushed());

    let hello = next(&mut ann).await;
    assert_eq!((&hello.source, hello.message_code.is_some()), (&Source::Robot, true), "{hello:?}");
    assert_eq!(next(&mut bob).await.source, Source::Robot, "each gets its own greeting");

    ann.send_text("what are your opening hours?").await.unwrap();
    let answer = next(&mut ann).await;
    assert!(answer.content.contains("9:00"), "{answer:?}");
    quiet(&mut bob).await;
    assert!(ann.poll().await.unwrap().is_empty(), "nothing else waits in the feed");

    // The system's notices and the agent's replies come by push too.
    let (_gw, agent) = common::idle_agent(&sim, 0).await;
    let mut chats = agent.chats().expect("the stream of chats");
    ann.transfer_to_agent().await.unwrap();
    let notice = next(&mut ann).await;
    assert_eq!(notice.source, Source::System, "{notice:?}");
    let mut chat = tokio::time::timeout(WITHIN, chats.next()).await.unwrap().unwrap();
    assert_eq!(chat.customer(), Some("cust-ann"));
    chat.answer().await.unwrap();
    let id = chat.call_id().to_owned();
    assert_eq!(tokio::time::timeout(WITHIN, chat.next()).await.unwrap(), Some(ChatEvent::Connected { call_id: id }));
    let joined = next(&mut ann).await;
    assert_eq!(joined.source, Source::System, "{joined:?}");
    chat.send("Hello Ann, how can I help?").await.unwrap();
    let reply = next(&mut ann).await;
    assert_eq!((reply.source, reply.content.as_str()), (Source::Agent, "Hello Ann, how can I help?"));
    quiet(&mut bob).await;

    let stats = router.stats();
    assert_eq!((stats.duplicates, stats.unrouted), (0, 0), "{stats:?}");
    assert_eq!(stats.delivered, 6, "greeting ×2, answer, transfer notice, joined, reply: {stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_delivered_again_is_dropped_and_still_acknowledged() {
    let sc = Scenario::default();
    let (sim, receiver, mut pushes) = pushing(&sc.sk).await;
    let router = PushRouter::new();
    let mut ann = common::pushed_session(&sim, "cust-ann", router.feed("cust-ann")).await;
    // The test routes the pushes itself, keeping the first to deliver it again.
    let first = tokio::time::timeout(WITHIN, pushes.recv()).await.unwrap().unwrap();
    let routed = router.route(first.clone());
    assert_eq!((routed.delivered, routed.duplicates), (1, 0));
    let hello = next(&mut ann).await;
    assert_eq!(hello.source, Source::Robot);

    // AICC repeats the push (it saw no answer): a fresh signature and send time, the same messages.
    let mut again = serde_json::to_value(&first).unwrap();
    again["timestamp"] = json!(now_ms());
    assert_eq!(deliver(&receiver.base_url(), &again, &sc.ak, &sc.sk, None).await, 200, "accepted and acknowledged");
    let retried = tokio::time::timeout(WITHIN, pushes.recv()).await.unwrap().unwrap();
    let routed = router.route(retried);
    assert_eq!((routed.delivered, routed.duplicates, routed.unrouted), (0, 1, 0));
    quiet(&mut ann).await;

    // Without a messageCode the message's fields recognise it.
    let bare = json!({"messages": [{"channel": "WEB", "content": "queue position 2", "from": sc.channel_id,
        "mediaType": "TEXT", "sourceType": "SYSTEM", "controlType": "CHAT", "timestamp": now_ms(), "to": "cust-ann"}],
        "timestamp": now_ms()});
    let body: PushBody = serde_json::from_value(bare).unwrap();
    assert_eq!(router.route(body.clone()).delivered, 1);
    assert_eq!(next(&mut ann).await.content, "queue position 2");
    assert_eq!(router.route(body).duplicates, 1);
    quiet(&mut ann).await;
    assert_eq!(router.stats().duplicates, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_or_stale_signature_is_refused_and_nothing_is_delivered() {
    let sc = Scenario::default();
    // The simulator signs with the scenario's key; this receiver expects another.
    let (sim, receiver, pushes) = pushing("another-sk").await;
    let router = PushRouter::new();
    router.spawn(pushes);
    let mut ann = common::pushed_session(&sim, "cust-ann", router.feed("cust-ann")).await;
    ann.send_text("what are your opening hours?").await.unwrap();
    quiet(&mut ann).await;

    let push = |text: &str, ts: i64| {
        json!({"messages": [{"channel": "WEB", "content": text, "from": sc.channel_id, "mediaType": "TEXT",
            "sourceType": "AGENT", "controlType": "CHAT", "timestamp": ts, "to": "cust-ann",
            "messageCode": format!("code-{text}")}], "timestamp": ts})
    };
    let base = receiver.base_url();
    assert_eq!(deliver(&base, &push("wrong key", now_ms()), &sc.ak, &sc.sk, None).await, 401);
    let stale = Some(an_hour_ago as fn() -> SystemTime);
    assert_eq!(deliver(&base, &push("stale signature", now_ms()), &sc.ak, "another-sk", stale).await, 401);
    let old_body = push("stale body", now_ms() - 3_600_000);
    assert_eq!(deliver(&base, &old_body, &sc.ak, "another-sk", None).await, 401);
    quiet(&mut ann).await;
    assert_eq!(router.stats(), Default::default(), "nothing reached the router");

    // The same receiver takes a correctly signed, fresh push.
    assert_eq!(deliver(&base, &push("fine", now_ms()), &sc.ak, "another-sk", None).await, 200);
    assert_eq!(next(&mut ann).await.content, "fine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_for_no_session_is_counted_kept_and_handed_to_a_later_feed() {
    let router = PushRouter::new();
    let routed = router.route(agent_texts(&[("cust-carol", "for carol", "m1"), ("cust-dave", "for dave", "m2")]));
    assert_eq!((routed.delivered, routed.unrouted), (0, 2));
    assert_eq!(router.stats().unrouted, 2);
    let mut carol = router.feed("cust-carol");
    let m = tokio::time::timeout(WITHIN, carol.recv()).await.unwrap().unwrap();
    assert_eq!(m.content, "for carol", "a feed taken later gets what waited for its user");
    let left = router.take_unrouted();
    assert_eq!(left.len(), 1);
    assert_eq!((left[0].0.as_str(), left[0].1.content.as_str()), ("cust-dave", "for dave"));
    // A dropped feed unregisters its user; a second feed for a user replaces the first.
    let mut first = router.feed("cust-erin");
    let mut second = router.feed("cust-erin");
    assert!(first.recv().await.is_none(), "the replaced feed ends");
    drop(carol);
    let body = agent_texts(&[("cust-carol", "late", "m3"), ("cust-erin", "hi erin", "m4")]);
    assert_eq!(router.route(body).unrouted, 1, "carol's feed is gone");
    assert_eq!(second.drain().len(), 1);
}
