//! CC-Messaging's social-channel webhooks (`/social/on/...`): the simulator
//! checks each channel's signature the way the reference says CC-Messaging
//! does, with its own code (it never calls the client's signers in
//! `cec_messaging::webhook`: a check must not share code with what it checks).

use axum::http::StatusCode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha1::Digest as _;

use crate::api::{Reply, Req, Route};

/// The secrets of the simulated social channels' AICC configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SocialChannels {
    /// Facebook `secretKey`, LINE channel secret, Twitter consumer secret.
    pub secret: String,
    /// Facebook and WeChat `verifyCode` (WeChat's token).
    pub verify_code: String,
    /// 5G `appId`.
    pub app_id: String,
    /// 5G `appSecret`.
    pub app_secret: String,
    /// WhatsApp webhook password (Infobip `AccountKey`, Gupshup and KooMessage `Authorization`).
    pub webhook_password: String,
}

impl Default for SocialChannels {
    fn default() -> Self {
        SocialChannels {
            secret: "sim-social-secret".into(),
            verify_code: "sim-verify-code".into(),
            app_id: "sim-5g-app".into(),
            app_secret: "sim-5g-secret".into(),
            webhook_password: "sim-webhook-password".into(),
        }
    }
}

fn refuse(status: StatusCode, why: &str) -> Reply {
    Reply::Status(status, json!({ "error": why }))
}

fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn mac256(key: &str, data: &[u8]) -> Vec<u8> {
    let Ok(mut m) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else { return Vec::new() };
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn lower_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks the signature of a webhook request; `None` lets it through.
pub(crate) fn check(c: &SocialChannels, route: &Route, req: &Req, raw: &[u8]) -> Option<Reply> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let header = |n: &str| req.header(n).unwrap_or("");
    match route.id() {
        "facebook.verifyCallback" => {
            let ok = req.query("hub.mode") == Some("subscribe")
                && same(req.query("hub.verify_token").unwrap_or("").as_bytes(), c.verify_code.as_bytes());
            (!ok).then(|| refuse(StatusCode::BAD_REQUEST, "The token sent by facebook is not correct."))
        }
        "facebook.receiveMoMessage" => {
            let ok = if let Some(sig) = req.header("x-hub-signature-256") {
                same(sig.as_bytes(), format!("sha256={}", lower_hex(&mac256(&c.secret, raw))).as_bytes())
            } else if let Some(sig) = req.header("x-hub-signature") {
                let Ok(mut m) = Hmac::<sha1::Sha1>::new_from_slice(c.secret.as_bytes()) else { return None };
                m.update(raw);
                same(sig.as_bytes(), format!("sha1={}", lower_hex(&m.finalize().into_bytes())).as_bytes())
            } else {
                false
            };
            (!ok).then(|| refuse(StatusCode::FORBIDDEN, "X-Hub-Signature check failed"))
        }
        "fiveg.receiveMoMessage" => {
            // Split at the comma; the text between the first and last quote of each part.
            let quoted = |p: &str| -> Option<String> {
                let (a, b) = (p.find('"')?, p.rfind('"')?);
                (b > a).then(|| p[a + 1..b].to_owned())
            };
            let parts: Vec<&str> = header("authorization").split(',').collect();
            let ok = parts.len() >= 2
                && quoted(parts[0]).is_some_and(|u| same(u.as_bytes(), c.app_id.as_bytes()))
                && quoted(parts[1]).is_some_and(|p| same(p.as_bytes(), c.app_secret.as_bytes()));
            (!ok).then(|| refuse(StatusCode::UNAUTHORIZED, "Authorization is not match"))
        }
        "line.receiveMessage" => {
            let want = b64.encode(mac256(&c.secret, raw));
            (!same(header("x-line-signature").as_bytes(), want.as_bytes()))
                .then(|| refuse(StatusCode::FORBIDDEN, "x-line-signature check failed"))
        }
        "twitter.receiveMessage" => {
            let got = header("x-twitter-webhooks-signature");
            let got = got.strip_prefix("sha256=").unwrap_or("");
            let want = b64.encode(mac256(&c.secret, raw));
            (!same(got.as_bytes(), want.as_bytes()))
                .then(|| refuse(StatusCode::FORBIDDEN, "x-twitter-webhooks-signature check failed"))
        }
        "wechat.verifySignature" => {
            let mut v =
                [c.verify_code.as_str(), req.query("timestamp").unwrap_or(""), req.query("nonce").unwrap_or("")];
            v.sort();
            let want = lower_hex(&sha1::Sha1::digest(v.concat().as_bytes()));
            (!same(req.query("signature").unwrap_or("").as_bytes(), want.as_bytes()))
                .then(|| refuse(StatusCode::FORBIDDEN, "signature check failed"))
        }
        id if id.starts_with("whatsapp.") => {
            let bsp = if route.path().contains("/koomessage/") { "koomessage" } else { req.param("whatsAppBsp") };
            let got = match bsp.to_ascii_lowercase().as_str() {
                "infobip" => header("accountkey"),
                "gupshup" | "koomessage" => header("authorization"),
                _ => return Some(refuse(StatusCode::NOT_FOUND, "unknown WhatsApp integrator")),
            };
            (!same(got.as_bytes(), c.webhook_password.as_bytes()))
                .then(|| refuse(StatusCode::UNAUTHORIZED, "webhook password check failed"))
        }
        _ => None,
    }
}

impl crate::model::Shared {
    /// A signed webhook delivery: kept (for `GET /__sim/state`-style inspection
    /// through the log) and answered as CC-Messaging does, with an empty body.
    pub(crate) fn social_inbound(&self, route: &Route, req: &Req) -> Reply {
        tracing::info!(op = route.id(), channel = req.param("channelId"), "social webhook accepted");
        self.record_social(route.id());
        Reply::File(Vec::new(), "text/plain")
    }

    /// Verification callbacks echo the challenge.
    pub(crate) fn social_challenge(&self, route: &Route, req: &Req) -> Reply {
        let echo = match route.id() {
            "facebook.verifyCallback" => req.query("hub.challenge"),
            _ => req.query("echostr"),
        };
        Reply::File(echo.unwrap_or("").as_bytes().to_vec(), "text/plain")
    }
}
