//! C2: AK/SK request signature for CC-CMS, CC-FS and CC-iSales — or, for SaaS
//! tenants, a C1 Bearer token on the same NEs.

use std::sync::Arc;
use std::time::SystemTime;

use cec_core::sign::{C2Dialect, SignableRequest, SignedHeaderSet, authorization};
use cec_core::{AuthKind, Authorizer, Error, HttpRequest, OperationMeta, PreparedRequest, Result, Secret};
use http::{HeaderMap, HeaderValue};

use crate::c1::{ApiFabricAuth, header_value};

/// Signs requests with `Authorization: auth-v2/{AK}/{ts}/{signedHeaders}/{sig}`
/// (see `cec_core::sign` and `docs/c2-signature.md`).
#[derive(Clone)]
pub struct AkSkSigner {
    ak: String,
    sk: Secret<String>,
    clock: fn() -> SystemTime,
    dialect: C2Dialect,
}

impl std::fmt::Debug for AkSkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AkSkSigner")
            .field("ak", &self.ak)
            .field("sk", &self.sk)
            .field("dialect", &self.dialect)
            .finish()
    }
}

impl AkSkSigner {
    /// A signer for an AK/SK pair issued by CEC operations.
    pub fn new(ak: impl Into<String>, sk: impl Into<Secret<String>>) -> Result<Self> {
        let ak = ak.into();
        let sk = sk.into();
        if ak.is_empty() || ak.contains('/') || sk.is_empty() {
            return Err(Error::config("AK must be non-empty without '/', and SK non-empty"));
        }
        Ok(AkSkSigner { ak, sk, clock: SystemTime::now, dialect: C2Dialect::default() })
    }

    /// Uses another C2 dialect: the timestamp form and the signed-header set
    /// (default: milliseconds and `content-length;content-type;host`, the
    /// reference's printed form). `cec doctor` finds the one a live NE accepts.
    pub fn with_dialect(mut self, dialect: C2Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The signer of `ne`'s profile settings (`ak`, `sk`, `c2_dialect`); an error
    /// names the missing key and its variable.
    pub fn from_settings(ne: &str, s: &cec_core::profile::NeSettings) -> cec_core::Result<Self> {
        use cec_core::profile::{required, required_secret};
        Ok(AkSkSigner::new(required(ne, &s.ak, "ak")?, required_secret(ne, &s.sk, "sk")?)?.with_dialect(s.dialect(ne)?))
    }

    /// The dialect in use.
    pub fn dialect(&self) -> C2Dialect {
        self.dialect
    }

    /// Uses another clock (tests, replay).
    pub fn with_clock(mut self, clock: fn() -> SystemTime) -> Self {
        self.clock = clock;
        self
    }

    /// The access key.
    pub fn ak(&self) -> &str {
        &self.ak
    }

    /// Signs `req` in place. `Host`, `Content-Type` (when missing) and
    /// `Content-Length` are set to exactly the values signed, whatever the
    /// dialect, so what is signed is what goes out; `Content-Length` is removed
    /// from a bodiless request when the dialect does not sign it (so a GET
    /// carries no `Content-Length: 0` that nothing vouches for).
    pub fn sign_request(&self, req: &mut HttpRequest) -> Result<()> {
        let host = match (req.url.host_str(), req.url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(Error::config("request URL has no host")),
        };
        let length = req.body.len().to_string();
        let ctype = req
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(cec_core::client::JSON_CONTENT_TYPE)
            .to_owned();
        let query: Vec<(String, String)> =
            req.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let all = [("content-length", length.as_str()), ("content-type", ctype.as_str()), ("host", host.as_str())];
        let names = self.dialect.headers.names();
        let headers: Vec<(&str, &str)> = all.iter().copied().filter(|(n, _)| names.contains(n)).collect();
        let signable = SignableRequest {
            method: req.method.as_str(),
            path: req.url.path(),
            query: &query,
            headers: &headers,
            body: &req.body,
        };
        let ts = self.dialect.timestamp.format((self.clock)());
        let value = authorization(&self.ak, self.sk.expose_str().as_bytes(), &ts, &signable);
        let mut auth = header_value("Authorization", &value)?;
        auth.set_sensitive(true);
        req.headers.insert(http::header::HOST, header_value("Host", &host)?);
        if req.body.is_empty() && self.dialect.headers != SignedHeaderSet::ContentLengthContentTypeHost {
            req.headers.remove(http::header::CONTENT_LENGTH);
        } else {
            req.headers.insert(http::header::CONTENT_LENGTH, HeaderValue::from(req.body.len()));
        }
        req.headers.insert(http::header::CONTENT_TYPE, header_value("Content-Type", &ctype)?);
        req.headers.insert(http::header::AUTHORIZATION, auth);
        Ok(())
    }
}

/// The authorizer of a C2 NE: an AK/SK signature, or a C1 Bearer token.
#[derive(Debug, Clone)]
pub enum C2Auth {
    /// AK/SK request signature.
    Signature(AkSkSigner),
    /// API Fabric Bearer token (`X-APP-Key`, optional `X-TenantSpaceID`).
    Bearer(Arc<ApiFabricAuth>),
}

#[async_trait::async_trait]
impl Authorizer for C2Auth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        match self {
            C2Auth::Bearer(a) if op.auth != AuthKind::None => a.add_bearer(&mut req.headers).await,
            _ => Ok(()),
        }
    }

    fn sign(&self, op: &'static OperationMeta, req: &mut HttpRequest) -> Result<()> {
        match self {
            C2Auth::Signature(s) if op.auth != AuthKind::None => s.sign_request(req),
            _ => Ok(()),
        }
    }

    fn observe(&self, op: &'static OperationMeta, headers: &HeaderMap, body: Option<&[u8]>) {
        if let C2Auth::Bearer(a) = self {
            a.observe(op, headers, body);
        }
    }

    fn invalidate(&self, op: &'static OperationMeta) -> bool {
        match self {
            C2Auth::Bearer(a) => a.invalidate(op),
            // A rejected signature will not improve by repeating it.
            C2Auth::Signature(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn fixed() -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(1_768_465_800_123)
    }

    #[test]
    fn signs_the_vector_request() {
        // c2-vectors.json case 1, through the HttpRequest path (host with port, POST body).
        let s = AkSkSigner::new("exampleak", "example-sk-0001").unwrap().with_clock(fixed);
        let mut req = HttpRequest {
            method: http::Method::POST,
            url: "https://cms.example.com:28443/rest/cmsapp/v1/ping".parse().unwrap(),
            headers: HeaderMap::new(),
            body: bytes_of(r#"{"say": "Hello world!"}"#),
        };
        s.sign_request(&mut req).unwrap();
        assert_eq!(
            req.headers["authorization"],
            "auth-v2/exampleak/2026-01-15T08:30:00.123Z/content-length;content-type;host/7873de9b4ed3cd4cbff840c7a4c21ae6548644eda6b2cec5dc6849163e83b63e"
        );
        assert_eq!(req.headers["host"], "cms.example.com:28443");
        assert_eq!(req.headers["content-length"], "23");
        assert!(!format!("{s:?}").contains("example-sk-0001"));
    }

    #[test]
    fn default_port_is_not_signed() {
        let s = AkSkSigner::new("a", "b").unwrap().with_clock(fixed);
        let mut req = HttpRequest {
            method: http::Method::GET,
            url: "https://isales.example.com:443/x?b=2&a=1".parse().unwrap(),
            headers: HeaderMap::new(),
            body: Default::default(),
        };
        s.sign_request(&mut req).unwrap();
        assert_eq!(req.headers["host"], "isales.example.com");
        assert_eq!(req.headers["content-length"], "0");
    }

    fn bytes_of(s: &str) -> cec_core::__private::Bytes {
        cec_core::__private::Bytes::copy_from_slice(s.as_bytes())
    }
}
