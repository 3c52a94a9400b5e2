//! The social webhooks against `cec sim`: each channel's typed signer makes a
//! request the simulator (which checks with its own code) accepts; a wrong
//! secret is refused and nothing is delivered.

#![allow(clippy::unwrap_used)]

use cec_messaging::webhook::{WebhookPassword, twilio_authorization, wechat_signature};
use cec_messaging::{Client, Config, FacebookAlgorithm, FacebookSigner, FiveGSigner, LineSigner, TwitterSigner};
use cec_sim::{SimConfig, Simulator};
use serde_json::json;

async fn setup() -> (Simulator, Client) {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let c = Client::new(Config::builder(&sim.endpoint()).build().unwrap()).unwrap();
    (sim, c)
}

fn status(e: &cec_messaging::Error) -> Option<u16> {
    e.status()
}

async fn bytes(r: cec_messaging::BinaryResponse) -> Vec<u8> {
    use futures_util::StreamExt as _;
    let mut body = r.body;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        out.extend_from_slice(&chunk.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_signer_is_accepted_and_a_wrong_secret_refused() {
    let (sim, c) = setup().await;
    let s = sim.scenario().social;

    let line = c.with_signer(LineSigner::new(s.secret.clone())).unwrap();
    line.line_receive_message()
        .channel_id("line-1")
        .x_forwarded_for("203.0.113.7")
        .extra_field("events", json!([{"type": "message", "message": {"type": "text", "text": "hi"}}]))
        .send()
        .await
        .unwrap();
    let bad = c.with_signer(LineSigner::new("wrong")).unwrap();
    let e = bad.line_receive_message().channel_id("line-1").x_forwarded_for("203.0.113.7").send().await.unwrap_err();
    assert_eq!(status(&e), Some(403), "{e}");

    for alg in [FacebookAlgorithm::Sha256, FacebookAlgorithm::Sha1] {
        let fb = c.with_signer(FacebookSigner::new(s.secret.clone(), alg)).unwrap();
        fb.facebook_receive_mo_message()
            .channel_id("fb-1")
            .extra_field("object", "page")
            .extra_field("entry", json!([]))
            .send()
            .await
            .unwrap();
    }
    let e = c.facebook_receive_mo_message().channel_id("fb-1").send().await.unwrap_err();
    assert_eq!(status(&e), Some(403), "unsigned: {e}");

    let tw = c.with_signer(TwitterSigner::new(s.secret.clone())).unwrap();
    tw.twitter_receive_message()
        .channel_id("tw-1")
        .direct_message_events(vec![Default::default()])
        .users("{}")
        .send()
        .await
        .unwrap();

    let g = c.with_signer(FiveGSigner::new(s.app_id.clone(), s.app_secret.clone()).unwrap()).unwrap();
    g.fiveg_receive_mo_message().channel_id("5g-1").extra_field("messageList", json!([])).send().await.unwrap();
    let g = c.with_signer(FiveGSigner::new(s.app_id.clone(), "nope").unwrap()).unwrap();
    let e = g.fiveg_receive_mo_message().channel_id("5g-1").send().await.unwrap_err();
    assert_eq!(status(&e), Some(401), "{e}");

    let ib = c.with_signer(WebhookPassword::infobip(s.webhook_password.clone())).unwrap();
    ib.whatsapp_receive_report_infobip()
        .whats_app_bsp("infobip")
        .channel_id("wa-1")
        .body_json(json!({"results": [{"messageId": "m1", "to": "u1"}]}))
        .unwrap()
        .send()
        .await
        .unwrap();
    let gs = c.with_signer(WebhookPassword::gupshup(s.webhook_password.clone())).unwrap();
    gs.whatsapp_receive_report_gupshup()
        .whats_app_bsp("gupshup")
        .channel_id("wa-2")
        .body_json(json!({"timestamp": 1, "type": "message-report",
            "payload": {"gsId": "g1", "type": "read", "destination": "u1", "payload": {"ts": 1}}}))
        .unwrap()
        .send()
        .await
        .unwrap();
    let km = c.with_signer(WebhookPassword::koomessage("wrong")).unwrap();
    let e = km
        .whatsapp_receive_report_koo_message()
        .channel_id("wa-3")
        .body_json(json!({"message_id": "m", "sender": "s", "user_number": "u", "status": "read"}))
        .unwrap()
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(401), "{e}");

    assert_eq!(
        sim.social_deliveries(),
        vec![
            "line.receiveMessage",
            "facebook.receiveMoMessage",
            "facebook.receiveMoMessage",
            "twitter.receiveMessage",
            "fiveg.receiveMoMessage",
            "whatsapp.receiveReportInfobip",
            "whatsapp.receiveMoMessageInfobip",
        ],
        "refused deliveries are not kept (Gupshup shares the Infobip MO route)"
    );
    // Twilio's form-encoded webhooks are not in the generated client; its header is plain Basic.
    assert!(twilio_authorization("u", "p").expose_str().starts_with("Basic "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_callbacks_echo_the_challenge() {
    let (sim, c) = setup().await;
    let s = sim.scenario().social;
    let got = c
        .facebook_verify_callback()
        .channel_id("fb-1")
        .hub_mode("subscribe")
        .hub_verify_token(s.verify_code.clone())
        .hub_challenge("1158201444")
        .send()
        .await
        .unwrap();
    assert_eq!(bytes(got).await, b"1158201444");
    let e = c
        .facebook_verify_callback()
        .channel_id("fb-1")
        .hub_mode("subscribe")
        .hub_verify_token("wrong")
        .hub_challenge("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(400), "{e}");

    let sig = wechat_signature(&s.verify_code, "1700000000", "n0nce");
    let got = c
        .wechat_verify_signature()
        .channel_id("wc-1")
        .nonce("n0nce")
        .timestamp("1700000000")
        .signature(sig)
        .echostr("echo-me")
        .send()
        .await
        .unwrap();
    assert_eq!(bytes(got).await, b"echo-me");
    let e = c
        .wechat_verify_signature()
        .channel_id("wc-1")
        .nonce("n0nce")
        .timestamp("1700000001")
        .signature(wechat_signature(&s.verify_code, "1700000000", "n0nce"))
        .echostr("echo-me")
        .send()
        .await
        .unwrap_err();
    assert_eq!(status(&e), Some(403), "{e}");
}
