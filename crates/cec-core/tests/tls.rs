//! TLS against a real rustls server on loopback: verification on by default,
//! a private CA accepted when given, the insecure switch only with its warning,
//! and each certificate problem explained with how to mend it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use cec_core::{AuthKind, Call, Config, Envelope, NoAuth, OperationMeta, ResponseKind, RetryClass, RetryPolicy};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

static NONE: Envelope =
    Envelope { code_fields: &[], success: &[], message_fields: &[], auth_codes: &[], code_required: false };
static PING: OperationMeta = OperationMeta {
    id: "t.ping",
    ne: "CC-CMS",
    method: "POST",
    path: "/rest/cmsapp/v1/ping",
    auth: AuthKind::None,
    retry: RetryClass::Safe,
    envelope: &NONE,
    response: ResponseKind::Json,
    doc: "",
};

struct Pki {
    /// What the server presents.
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    /// The CA to trust (PEM), when there is one.
    ca_pem: Option<String>,
}

fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p
}

/// A CA and a leaf for `names` signed by it.
fn ca_and_leaf(names: &[&str]) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name.push(DnType::CommonName, "cec test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = leaf_params(names).signed_by(&key, &ca, &ca_key).unwrap();
    Pki {
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: Some(ca.pem()),
    }
}

/// What `openssl req -x509` makes: a self-signed certificate marked CA:TRUE.
fn self_signed_ca_as_server() -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut p = leaf_params(&["127.0.0.1", "localhost"]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = p.self_signed(&key).unwrap();
    Pki {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: Some(cert.pem()),
    }
}

/// A self-signed leaf (CA:FALSE, serverAuth): the usual lab certificate made with
/// `rcgen` or `openssl req -x509 -addext basicConstraints=CA:FALSE`.
fn self_signed_leaf() -> Pki {
    let key = KeyPair::generate().unwrap();
    let mut p = leaf_params(&["127.0.0.1", "localhost"]);
    p.is_ca = IsCa::ExplicitNoCa;
    let cert = p.self_signed(&key).unwrap();
    Pki {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        ca_pem: Some(cert.pem()),
    }
}

async fn serve(pki: Pki) -> (String, Option<String>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain, pki.key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else { return };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let body = r#"{"status":"UP"}"#;
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(reply.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (format!("https://127.0.0.1:{}", addr.port()), pki.ca_pem)
}

async fn ping(config: Config) -> Result<serde_json::Value, cec_core::Error> {
    let client = cec_core::Client::new(config, Arc::new(NoAuth)).unwrap();
    client.call_value(&PING, Call::new().body(serde_json::json!({"say": "hi"}))).await
}

fn builder(endpoint: &str) -> cec_core::ConfigBuilder {
    Config::builder(endpoint).retry(RetryPolicy::disabled()).only_custom_roots()
}

#[tokio::test]
async fn a_private_ca_is_refused_by_default_and_accepted_when_given() {
    let (endpoint, ca) = serve(ca_and_leaf(&["127.0.0.1", "localhost"])).await;
    let err = ping(builder(&endpoint).build().unwrap()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("not signed by a CA this client trusts") && msg.contains("ca_bundle"), "{msg}");
    assert_eq!(err.sent(), cec_core::Sent::No);
    let ok = ping(builder(&endpoint).ca_bundle_pem(ca.unwrap()).build().unwrap()).await.unwrap();
    assert_eq!(ok["status"], "UP");
}

#[tokio::test]
async fn a_self_signed_server_is_refused_by_default_and_accepted_with_its_certificate_as_ca_bundle() {
    let (endpoint, cert) = serve(self_signed_leaf()).await;
    let err = ping(builder(&endpoint).build().unwrap()).await.unwrap_err();
    assert_eq!(err.kind(), cec_core::ErrorKind::Connect, "{err:?}");
    assert_eq!(err.sent(), cec_core::Sent::No);
    let msg = err.to_string();
    assert!(msg.contains("ca_bundle"), "the error says how to mend it: {msg}");
    // With the system roots too (the default), it is refused all the same.
    let err = ping(Config::builder(&endpoint).retry(RetryPolicy::disabled()).build().unwrap()).await.unwrap_err();
    assert_eq!(err.kind(), cec_core::ErrorKind::Connect, "{err:?}");
    let ok = ping(builder(&endpoint).ca_bundle_pem(cert.unwrap()).build().unwrap()).await.unwrap();
    assert_eq!(ok["status"], "UP");
}

#[tokio::test]
async fn a_ca_certificate_used_as_the_server_certificate_is_explained() {
    let (endpoint, ca) = serve(self_signed_ca_as_server()).await;
    // Even when that very certificate is trusted, rustls refuses it as a server certificate.
    let err = ping(builder(&endpoint).ca_bundle_pem(ca.unwrap()).build().unwrap()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("CA:TRUE") && msg.contains("rustls refuses a CA certificate"), "{msg}");
    assert!(msg.contains("openssl x509 -req") && msg.contains("extendedKeyUsage=serverAuth"), "{msg}");
}

#[tokio::test]
async fn a_name_mismatch_names_what_the_certificate_carries() {
    let (endpoint, ca) = serve(ca_and_leaf(&["cms.example.com"])).await;
    let err = ping(builder(&endpoint).ca_bundle_pem(ca.unwrap()).build().unwrap()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("not valid for") && msg.contains("cms.example.com"), "{msg}");
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_insecure_switch_works_only_with_its_warning() {
    let (endpoint, _) = serve(ca_and_leaf(&["127.0.0.1"])).await;
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
    let config = tracing::subscriber::with_default(subscriber, || {
        let c = builder(&endpoint).danger_accept_invalid_certs(true).build().unwrap();
        // The transport (and its warning) is made when the client is built.
        cec_core::Client::new(c.clone(), Arc::new(NoAuth)).unwrap();
        c
    });
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("WARN") && text.contains("verification is DISABLED"), "{text}");
    assert_eq!(ping(config).await.unwrap()["status"], "UP");
}
