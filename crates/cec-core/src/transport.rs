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
///
/// `Debug` shows the method, the URL without its query values, the header
/// names and the body's length — never a header value or the body, which carry
/// signatures, tokens, GUIDs and passwords.
#[derive(Clone)]
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

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
        let keys: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        url.set_query(None);
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url.as_str())
            .field("query_keys", &keys)
            .field("headers", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
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
        // A body that comes in one chunk (most JSON answers) is returned as is, uncopied.
        let mut first: Option<Bytes> = None;
        let mut buf = BytesMut::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
            if have + chunk.len() > limit {
                return Err(Error::new(ErrorKind::Decode, format!("response body larger than {limit} bytes"))
                    .with_status(self.status.as_u16()));
            }
            if first.is_none() && buf.is_empty() {
                first = Some(chunk);
                continue;
            }
            if let Some(f) = first.take() {
                buf.extend_from_slice(&f);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(match first {
            Some(f) => f,
            None => buf.freeze(),
        })
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
    if let Some(why) = explain_tls_failure(&e) {
        Error::new(ErrorKind::Connect, format!("TLS handshake failed: {why}")).with_sent(Sent::No).with_source(e)
    } else if e.is_connect() {
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
        let mut resp = self
            .client
            .request(request.method, request.url)
            .headers(request.headers)
            .body(request.body)
            .send()
            .await
            .map_err(classify)?;
        let status = resp.status();
        let headers = std::mem::take(resp.headers_mut());
        let body = resp.bytes_stream().map(|r| r.map_err(classify));
        Ok(HttpResponse { status, headers, body: Box::pin(body) })
    }
}

/// A plain-words explanation of a TLS failure found anywhere in `err`'s source
/// chain, with how to mend it; `None` when the failure is not a TLS one.
pub fn explain_tls_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    // Bounded: a cyclic chain must not hang us.
    for _ in 0..32 {
        let e = cur?;
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Some(explain_rustls(t));
        }
        // An `io::Error` wrapping another error hides it from `source()` (which
        // returns the wrapped error's *source*): step into it with `get_ref`.
        cur = match e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// The command that makes a lab CA and a server certificate rustls accepts.
pub const LEAF_CERT_RECIPE: &str = "make a CA, sign a server certificate with it, and trust the CA:\n  \
     openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj /CN=cec-lab-ca -keyout ca.key -out ca.pem \
     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign\n  \
     openssl req -newkey rsa:2048 -nodes -subj /CN=HOST -keyout server.key -out server.csr\n  \
     printf 'subjectAltName=DNS:HOST\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > leaf.ext\n  \
     openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -extfile leaf.ext -out server.pem\n  \
     then serve server.pem + server.key and set `ca_bundle = \"ca.pem\"` (or CEC_CA_BUNDLE). \
     For an IP address use subjectAltName=IP:1.2.3.4";

fn explain_rustls(e: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    match e {
        E::InvalidCertificate(C::UnknownIssuer) => {
            "the server's certificate is not signed by a CA this client trusts. \
             On-premises CEC often uses a private CA: give its certificate as `ca_bundle` in the profile \
             (CEC_CA_BUNDLE, or ConfigBuilder::ca_bundle_pem)"
                .into()
        }
        E::InvalidCertificate(C::NotValidForName) => {
            "the certificate's names (subjectAltName) do not include the host \
             name or IP address in the endpoint; use the name the certificate carries, or reissue it with this \
             name or IP in subjectAltName"
                .into()
        }
        E::InvalidCertificate(C::NotValidForNameContext { expected, presented }) => format!(
            "the certificate is not valid for {expected:?}: it names {presented:?} (subjectAltName). Use one of \
             those names in the endpoint, or reissue the certificate with this name or IP in subjectAltName"
        ),
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "the server's certificate has expired (or this machine's clock is wrong)".into()
        }
        E::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "the server's certificate is not valid yet (check this machine's clock)".into()
        }
        E::InvalidCertificate(C::InvalidPurpose | C::InvalidPurposeContext { .. }) => {
            "the certificate is not meant for a TLS server (its extendedKeyUsage lacks serverAuth)".into()
        }
        E::InvalidCertificate(C::BadSignature | C::UnsupportedSignatureAlgorithmContext { .. }) => {
            "the certificate's signature is invalid or uses an algorithm refused as unsafe (e.g. SHA-1)".into()
        }
        E::InvalidCertificate(C::Other(o)) if o.to_string().contains("CaUsedAsEndEntity") => format!(
            "the server presents a CA certificate (basicConstraints CA:TRUE, what a plain `openssl req -x509` \
             makes) as its own certificate; rustls refuses a CA certificate as a server certificate. To mend it, \
             {LEAF_CERT_RECIPE}"
        ),
        E::AlertReceived(A::ProtocolVersion) => {
            "the server refused the TLS version: cec-rs needs TLS 1.2 or newer".into()
        }
        E::AlertReceived(A::HandshakeFailure) => "the server refused the handshake (no common TLS 1.2+ cipher suite, \
             or it needs the host name (SNI): connect by host name, not by IP address)"
            .into(),
        E::AlertReceived(A::UnrecognisedName) => {
            "the server does not know the host name sent (SNI); check the endpoint's host name".into()
        }
        other => format!("{other}"),
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
