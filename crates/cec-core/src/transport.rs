//! The HTTP layer: a [`Transport`] trait and its reqwest (rustls + ring) implementation.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_core::Stream;
use futures_util::StreamExt;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use crate::config::{Config, TlsConfig};
use crate::error::{Error, ErrorKind, Result, Sent};

/// One HTTP request, ready to send.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// Method.
    pub method: Method,
    /// Full URL.
    pub url: Url,
    /// Headers (secrets among them: never log this value).
    pub headers: HeaderMap,
    /// Body bytes (empty when none).
    pub body: Bytes,
}

/// A stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>;

/// A response: status, headers and a streamed body.
pub struct HttpResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body, streamed.
    pub body: BodyStream,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse").field("status", &self.status).finish_non_exhaustive()
    }
}

impl HttpResponse {
    /// A response with a body already in memory.
    pub fn full(status: StatusCode, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        let body: Bytes = body.into();
        HttpResponse { status, headers, body: Box::pin(futures_util::stream::once(async move { Ok(body) })) }
    }

    /// Reads the whole body, failing with [`ErrorKind::Decode`] past `limit` bytes.
    pub async fn bytes(self, limit: usize) -> Result<Bytes> {
        let mut body = self.body;
        let mut buf = BytesMut::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            if buf.len() + chunk.len() > limit {
                return Err(Error::new(ErrorKind::Decode, format!("response body larger than {limit} bytes"))
                    .with_status(self.status.as_u16()));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }
}

/// Sends HTTP requests. Implement it to bring another HTTP stack, or to capture
/// and replay traffic in tests.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends one request and returns the response head with a streamed body.
    /// Errors carry [`Sent`]: connection failures are `Sent::No`.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse>;
}

/// The default transport: reqwest over rustls (ring provider).
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// Wraps an existing `reqwest::Client`.
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }

    /// Builds the transport a [`Config`] asks for.
    pub fn from_config(config: &Config) -> Result<Self> {
        if let Some(c) = &config.http_client {
            return Ok(Self::from_client(c.clone()));
        }
        let need_roots = config.endpoint.scheme() == "https";
        let tls = rustls_config(&config.tls, need_roots)?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.timeouts.connect)
            .user_agent(config.user_agent.clone())
            .pool_idle_timeout(std::time::Duration::from_secs(60))
            .build()
            .map_err(|e| Error::config("cannot build the HTTP client").with_source(e))?;
        Ok(Self::from_client(client))
    }
}

fn classify(e: reqwest::Error) -> Error {
    if e.is_connect() {
        Error::new(ErrorKind::Connect, "could not connect").with_sent(Sent::No).with_source(e)
    } else if e.is_timeout() {
        Error::new(ErrorKind::Timeout, "request timed out").with_source(e)
    } else {
        Error::new(ErrorKind::Transport, "connection failed during the request").with_source(e)
    }
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let resp = self
            .client
            .request(request.method, request.url)
            .headers(request.headers)
            .body(request.body)
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.bytes_stream().map(|r| r.map_err(classify));
        Ok(HttpResponse { status, headers, body: Box::pin(body) })
    }
}

/// Builds the rustls client configuration: ring provider, system roots plus
/// extra PEM roots, or no verification at all when asked for loudly.
pub fn rustls_config(tls: &TlsConfig, need_roots: bool) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("TLS protocol versions").with_source(e))?;
    let mut cfg = if tls.insecure {
        tracing::warn!(
            "TLS certificate verification is DISABLED (danger_accept_invalid_certs): \
             credentials and data can be read and changed by anyone on the network path"
        );
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerification(provider))).with_no_client_auth()
    } else {
        let mut roots = rustls::RootCertStore::empty();
        if need_roots && !tls.no_system_roots {
            let found = rustls_native_certs::load_native_certs();
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                tracing::warn!("no system CA certificates found; only custom CA bundles are trusted");
            }
        }
        for pem in &tls.extra_roots_pem {
            use rustls_pki_types::pem::PemObject;
            let mut n = 0;
            for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| Error::config(format!("CA bundle is not valid PEM: {e}")))?;
                roots.add(cert).map_err(|e| Error::config("CA certificate rejected").with_source(e))?;
                n += 1;
            }
            if n == 0 {
                return Err(Error::config("CA bundle holds no certificate"));
            }
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(cfg)
}

#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
