//! The hook through which an NE client authenticates requests.

use http::HeaderMap;
use serde_json::Value;

use crate::error::Result;
use crate::operation::OperationMeta;
use crate::transport::HttpRequest;

/// A request before its body is serialized: an authorizer may add headers or
/// put a token into the JSON body. `Debug` shows header names and the body's
/// field names, never a value.
pub struct PreparedRequest {
    /// Headers to send.
    pub headers: HeaderMap,
    /// The JSON body, if any.
    pub body: Option<Value>,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("PreparedRequest")
            .field("headers", &names)
            .field("body", &crate::client::RedactedBody(self.body.as_ref()))
            .finish()
    }
}

/// Authenticates requests for one auth mode (see `cec-auth` for C1–C6).
///
/// The pipeline calls [`prepare`](Self::prepare) before serializing,
/// [`sign`](Self::sign) on the final bytes, [`observe`](Self::observe) on every
/// response, and [`invalidate`](Self::invalidate) when the NE rejected the credentials.
#[async_trait::async_trait]
pub trait Authorizer: Send + Sync + std::fmt::Debug {
    /// Adds credentials that do not depend on the final bytes (tokens, GUID).
    async fn prepare(&self, _op: &'static OperationMeta, _req: &mut PreparedRequest) -> Result<()> {
        Ok(())
    }

    /// Signs the final request (C2 needs the exact body, host and length).
    fn sign(&self, _op: &'static OperationMeta, _req: &mut HttpRequest) -> Result<()> {
        Ok(())
    }

    /// Sees every response's headers (`Set-GUID`, `ccmessaging-token`) and the
    /// JSON body bytes of successes (C5 `result.guid`), once decoded: an
    /// authorizer parses only the answers it needs, so others are read once.
    fn observe(&self, _op: &'static OperationMeta, _headers: &HeaderMap, _body: Option<&[u8]>) {}

    /// The NE rejected the credentials. Returns true when fresh credentials
    /// were dropped so that one more attempt may succeed (cached tokens);
    /// false when only the user can fix it (GUID sessions, bad keys).
    fn invalidate(&self, _op: &'static OperationMeta) -> bool {
        false
    }
}

/// No authentication at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAuth;

impl Authorizer for NoAuth {}
