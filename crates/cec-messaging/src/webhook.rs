//! Typed signers of the social-channel webhooks CC-Messaging serves
//! (`/social/on/...`), so that an integrator can test a channel configuration
//! by sending a correctly signed message without the social platform.
//!
//! Each scheme is the one the CEC reference documents for that webhook (the
//! "Adapter Class Interface Reference"); where the reference leaves the
//! encoding open, the platform's own public documentation decides and the
//! item says so.
//!
//! | channel | webhook | scheme | type |
//! |---|---|---|---|
//! | Facebook | `facebook.receiveMoMessage` | `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body, secretKey)>` (or `X-Hub-Signature: sha1=…` when the channel's algorithm is SHA1) | [`FacebookSigner`] |
//! | Facebook | `facebook.verifyCallback` | `hub.verify_token` = the channel's verifyCode; the answer echoes `hub.challenge` | (query parameters) |
//! | 5G | `fiveg.receiveMoMessage` | `Authorization`: two comma-separated parts, the quoted value of the first = appId, of the second = appSecret | [`FiveGSigner`] |
//! | LINE | `line.receiveMessage` | `x-line-signature: <base64 HMAC-SHA256(body, channel secret)>` | [`LineSigner`] |
//! | Twitter | `twitter.receiveMessage` | `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(body, consumer secret)>` | [`TwitterSigner`] |
//! | Twitter | CRC check | `response_token = sha256=<base64 HMAC-SHA256(crc_token, consumer secret)>` | [`twitter_crc_response`] |
//! | WeChat | `wechat.verifySignature` (and the XML MO webhooks) | `signature = hex SHA1(sorted(verifyCode, timestamp, nonce) concatenated)` | [`wechat_signature`] |
//! | WhatsApp / Infobip | `whatsapp.receive*Infobip` | `AccountKey: <webhook password>` | [`WebhookPassword::infobip`] |
//! | WhatsApp / Gupshup, KooMessage | `whatsapp.receive*Gupshup`, `*KooMessage` | `Authorization: <webhook password>` | [`WebhookPassword::gupshup`], [`WebhookPassword::koomessage`] |
//! | WhatsApp / Twilio | (form-encoded, not in the generated client) | `Authorization: Basic base64(user:password)` of the channel's webhook user | [`twilio_authorization`] |
//!
//! Attach a signer to a client with [`Client::with_signer`](crate::Client::with_signer):
//! it signs the final bytes of every request of its channel's webhooks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use cec_core::transport::HttpRequest;
use cec_core::{Error, OperationMeta, Result, Secret};
use hmac::{Hmac, Mac};
use http::HeaderValue;
use sha1::Sha1;
use sha2::Sha256;

use crate::ChannelSigner;

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts a key of any length; `new_from_slice` cannot fail for it.
    let mut m = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    m.update(data);
    m.finalize().into_bytes().into()
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> [u8; 20] {
    let mut m = match <Hmac<Sha1> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 20],
    };
    m.update(data);
    m.finalize().into_bytes().into()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn put(req: &mut HttpRequest, name: &'static str, value: &str, sensitive: bool) -> Result<()> {
    let mut v = HeaderValue::from_str(value)
        .map_err(|_| Error::config(format!("the {name} value holds characters not allowed in a header")))?;
    v.set_sensitive(sensitive);
    req.headers.insert(name, v);
    Ok(())
}

/// The HMAC algorithm a Facebook channel is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FacebookAlgorithm {
    /// `X-Hub-Signature-256: sha256=…` (the default).
    #[default]
    Sha256,
    /// `X-Hub-Signature: sha1=…` (the reference flags SHA1 as insecure).
    Sha1,
}

/// Facebook MO webhook (`facebook.receiveMoMessage`): the HMAC of the raw body,
/// keyed by the channel's secretKey, in hex.
#[derive(Debug, Clone)]
pub struct FacebookSigner {
    secret: Secret<String>,
    algorithm: FacebookAlgorithm,
}

impl FacebookSigner {
    /// A signer with the channel's secretKey and algorithm.
    pub fn new(secret_key: impl Into<Secret<String>>, algorithm: FacebookAlgorithm) -> Self {
        FacebookSigner { secret: secret_key.into(), algorithm }
    }

    /// The header name and value for `body`.
    pub fn header(&self, body: &[u8]) -> (&'static str, String) {
        let key = self.secret.expose_str().as_bytes();
        match self.algorithm {
            FacebookAlgorithm::Sha256 => ("x-hub-signature-256", format!("sha256={}", hex(&hmac_sha256(key, body)))),
            FacebookAlgorithm::Sha1 => ("x-hub-signature", format!("sha1={}", hex(&hmac_sha1(key, body)))),
        }
    }
}

impl ChannelSigner for FacebookSigner {
    fn signs(&self, op: &'static OperationMeta) -> bool {
        op.id == "facebook.receiveMoMessage"
    }
    fn sign(&self, req: &mut HttpRequest) -> Result<()> {
        let (name, value) = self.header(&req.body);
        put(req, name, &value, false)
    }
}

/// LINE webhook (`line.receiveMessage`): `x-line-signature` = Base64 of the
/// HMAC-SHA256 of the raw body keyed by the channel secret.
#[derive(Debug, Clone)]
pub struct LineSigner {
    secret: Secret<String>,
}

impl LineSigner {
    /// A signer with the channel secret (appSecret of the AICC channel configuration).
    pub fn new(channel_secret: impl Into<Secret<String>>) -> Self {
        LineSigner { secret: channel_secret.into() }
    }

    /// The `x-line-signature` value for `body`.
    pub fn signature(&self, body: &[u8]) -> String {
        B64.encode(hmac_sha256(self.secret.expose_str().as_bytes(), body))
    }
}

impl ChannelSigner for LineSigner {
    fn signs(&self, op: &'static OperationMeta) -> bool {
        op.id == "line.receiveMessage"
    }
    fn sign(&self, req: &mut HttpRequest) -> Result<()> {
        let v = self.signature(&req.body);
        put(req, "x-line-signature", &v, false)
    }
}

/// Twitter (X) webhook (`twitter.receiveMessage`): `x-twitter-webhooks-signature`
/// = `sha256=` + the HMAC-SHA256 of the raw body keyed by the consumer secret.
/// The reference does not name the digest's encoding; Twitter's public
/// Account Activity documentation encodes it in Base64, as here.
#[derive(Debug, Clone)]
pub struct TwitterSigner {
    secret: Secret<String>,
}

impl TwitterSigner {
    /// A signer with the channel's consumer secret.
    pub fn new(consumer_secret: impl Into<Secret<String>>) -> Self {
        TwitterSigner { secret: consumer_secret.into() }
    }

    /// The `x-twitter-webhooks-signature` value for `body`.
    pub fn signature(&self, body: &[u8]) -> String {
        format!("sha256={}", B64.encode(hmac_sha256(self.secret.expose_str().as_bytes(), body)))
    }
}

impl ChannelSigner for TwitterSigner {
    fn signs(&self, op: &'static OperationMeta) -> bool {
        op.id == "twitter.receiveMessage"
    }
    fn sign(&self, req: &mut HttpRequest) -> Result<()> {
        let v = self.signature(&req.body);
        put(req, "x-twitter-webhooks-signature", &v, false)
    }
}

/// The answer to Twitter's CRC check: `sha256=` + Base64 HMAC-SHA256 of
/// `crc_token` keyed by the consumer secret (answered as `{"response_token": …}`).
pub fn twitter_crc_response(crc_token: &str, consumer_secret: &str) -> String {
    format!("sha256={}", B64.encode(hmac_sha256(consumer_secret.as_bytes(), crc_token.as_bytes())))
}

/// WeChat signature (`wechat.verifySignature`, and the query of the XML MO
/// webhooks): the three values verifyCode (WeChat's "token"), timestamp and
/// nonce sorted lexicographically, concatenated, SHA1, in lower-case hex.
pub fn wechat_signature(verify_code: &str, timestamp: &str, nonce: &str) -> String {
    use sha1::Digest as _;
    let mut parts = [verify_code, timestamp, nonce];
    parts.sort_unstable();
    hex(&Sha1::digest(parts.concat().as_bytes()))
}

/// 5G MO webhook (`fiveg.receiveMoMessage`): CC-Messaging splits `Authorization`
/// at the comma and takes the text between the first and the last double quote
/// of each part: the first must be the channel's appId, the second its appSecret.
/// The labels before the quotes are not checked; this signer writes
/// `username="<appId>",password="<appSecret>"`.
#[derive(Debug, Clone)]
pub struct FiveGSigner {
    app_id: String,
    app_secret: Secret<String>,
}

impl FiveGSigner {
    /// A signer with the 5G channel's appId and appSecret.
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<Secret<String>>) -> Result<Self> {
        let app_id = app_id.into();
        let app_secret = app_secret.into();
        for (name, v) in [("appId", app_id.as_str()), ("appSecret", app_secret.expose_str())] {
            if v.contains([',', '"']) {
                return Err(Error::usage(format!(
                    "{name}: a comma or double quote cannot travel in the 5G Authorization header"
                )));
            }
        }
        Ok(FiveGSigner { app_id, app_secret })
    }

    /// The `Authorization` value.
    pub fn authorization(&self) -> Secret<String> {
        Secret::new(format!("username=\"{}\",password=\"{}\"", self.app_id, self.app_secret.expose_str()))
    }
}

impl ChannelSigner for FiveGSigner {
    fn signs(&self, op: &'static OperationMeta) -> bool {
        op.id == "fiveg.receiveMoMessage"
    }
    fn sign(&self, req: &mut HttpRequest) -> Result<()> {
        let v = self.authorization();
        put(req, "authorization", v.expose_str(), true)
    }
}

/// WhatsApp BSP webhooks authenticated by the channel's webhook password in a
/// header: `AccountKey` (Infobip) or `Authorization` (Gupshup, KooMessage).
#[derive(Debug, Clone)]
pub struct WebhookPassword {
    bsp: &'static str,
    header: &'static str,
    password: Secret<String>,
}

impl WebhookPassword {
    /// Infobip: `AccountKey: <webhook password>`.
    pub fn infobip(password: impl Into<Secret<String>>) -> Self {
        WebhookPassword { bsp: "Infobip", header: "accountkey", password: password.into() }
    }
    /// Gupshup: `Authorization: <webhook password>`.
    pub fn gupshup(password: impl Into<Secret<String>>) -> Self {
        WebhookPassword { bsp: "Gupshup", header: "authorization", password: password.into() }
    }
    /// KooMessage: `Authorization: <webhook password>`.
    pub fn koomessage(password: impl Into<Secret<String>>) -> Self {
        WebhookPassword { bsp: "KooMessage", header: "authorization", password: password.into() }
    }
    /// The header it sets.
    pub fn header_name(&self) -> &'static str {
        self.header
    }
}

impl ChannelSigner for WebhookPassword {
    fn signs(&self, op: &'static OperationMeta) -> bool {
        op.id.starts_with("whatsapp.") && op.id.ends_with(self.bsp)
    }
    fn sign(&self, req: &mut HttpRequest) -> Result<()> {
        let (h, p) = (self.header, self.password.clone());
        put(req, h, p.expose_str(), true)
    }
}

/// Twilio's `Authorization` for the channel's webhook user and password (HTTP
/// Basic; the reference's example shows `basic ****`).
pub fn twilio_authorization(user: &str, password: &str) -> Secret<String> {
    Secret::new(format!("Basic {}", B64.encode(format!("{user}:{password}"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2: the HMAC-SHA256 every body signature here builds on.
    #[test]
    fn hmac_sha256_rfc4231_case_2() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// RFC 2202 test case 2: HMAC-SHA1 (Facebook's SHA1 form).
    #[test]
    fn hmac_sha1_rfc2202_case_2() {
        assert_eq!(
            hex(&hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    /// The `X-Hub-Signature-256` scheme's published example (GitHub's webhook
    /// documentation uses the same scheme and prints this answer).
    #[test]
    fn facebook_sha256_known_answer() {
        let s = FacebookSigner::new("It's a Secret to Everybody", FacebookAlgorithm::Sha256);
        assert_eq!(
            s.header(b"Hello, World!"),
            ("x-hub-signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17".into())
        );
        let s1 = FacebookSigner::new("It's a Secret to Everybody", FacebookAlgorithm::Sha1);
        assert!(s1.header(b"Hello, World!").1.starts_with("sha1="));
        assert_eq!(s1.header(b"Hello, World!").1.len(), 5 + 40);
    }

    #[test]
    fn line_and_twitter_are_base64_of_the_body_hmac() {
        let want = B64.encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?"));
        assert_eq!(LineSigner::new("Jefe").signature(b"what do ya want for nothing?"), want);
        assert_eq!(TwitterSigner::new("Jefe").signature(b"what do ya want for nothing?"), format!("sha256={want}"));
        assert_eq!(twitter_crc_response("what do ya want for nothing?", "Jefe"), format!("sha256={want}"));
        assert_eq!(want, "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }

    #[test]
    fn wechat_sorts_then_sha1() {
        // SHA1("abc") is the FIPS 180 example; the three parts sort to a, b, c.
        assert_eq!(wechat_signature("c", "a", "b"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(wechat_signature("b", "c", "a"), wechat_signature("a", "b", "c"));
    }

    #[test]
    fn fiveg_header_parses_as_cc_messaging_reads_it() {
        let a = FiveGSigner::new("app-1", "s3cret").unwrap().authorization();
        let parts: Vec<&str> = a.expose_str().split(',').collect();
        let quoted = |p: &str| p[p.find('"').unwrap() + 1..p.rfind('"').unwrap()].to_owned();
        assert_eq!((quoted(parts[0]), quoted(parts[1])), ("app-1".into(), "s3cret".into()));
        assert!(FiveGSigner::new("a,b", "x").is_err());
        assert!(!format!("{:?}", FiveGSigner::new("a", "s3cret").unwrap()).contains("s3cret"));
    }

    #[test]
    fn twilio_basic() {
        // RFC 7617's example credentials.
        assert_eq!(twilio_authorization("Aladdin", "open sesame").expose_str(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
