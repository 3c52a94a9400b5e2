//! C1: API Fabric AK/SK token (`tokenByAkSk`), Bearer on business calls, and the
//! web-chat `ccmessaging-token`.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use cec_core::{
    AuthKind, Authorizer, Call, Client, Config, Error, ErrorKind, NoAuth, OperationMeta, PreparedRequest, Result,
    Secret,
};
use http::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

use crate::generated::APIFABRIC_AUTH_TOKEN_BY_AK_SK;
use crate::token::{CachedToken, TokenCache, credential_error, lifetime};

/// The API Fabric application credentials issued by CEC operations.
#[derive(Debug, Clone)]
pub struct ApiFabricCredentials {
    /// `app_key` (also sent as `X-APP-Key`).
    pub app_key: String,
    /// `app_secret`.
    pub app_secret: Secret<String>,
    /// Token lifetime asked for with `X-Token-Expire` (the reference caps it at 3600 s).
    pub token_lifetime: Duration,
    /// Optional `X-TenantSpaceID`, which SaaS tenants send with C1 tokens on C2 NEs.
    pub tenant_space_id: Option<String>,
}

impl ApiFabricCredentials {
    /// Credentials with a one-hour token lifetime.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<Secret<String>>) -> Self {
        ApiFabricCredentials {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            token_lifetime: Duration::from_secs(3600),
            tenant_space_id: None,
        }
    }
}

/// The C1 authorizer: fetches and caches the API Fabric token, refreshes it a
/// minute before expiry (one refresh in flight however many callers wait),
/// and adds `X-APP-Key` + `Authorization: Bearer` (and `ccmessaging-token`
/// for web-chat interfaces) to every business call.
#[derive(Debug)]
pub struct ApiFabricAuth {
    token_client: Client,
    creds: ApiFabricCredentials,
    cache: TokenCache,
    messaging: RwLock<Option<Secret<String>>>,
}

/// Refresh this long before the token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

impl ApiFabricAuth {
    /// `token_config` points at the host serving `/apigovernance/api/oauth/tokenByAkSk`
    /// (often the API Fabric host itself; some sites use port 28070). The token
    /// client sends through `token_config`'s transport: give it the NE client's
    /// (`token_config.sharing_transport_of(&ne_config.pooled()?)`, as
    /// `cec_apifabric::Client::new` does) to use one connection pool for both.
    ///
    /// A token endpoint that refuses the app key and secret fails the call at
    /// once with an [`ErrorKind::Auth`] error saying so; it is not asked again.
    pub fn new(token_config: Config, creds: ApiFabricCredentials) -> Result<Self> {
        if creds.app_key.is_empty() || creds.app_secret.is_empty() {
            return Err(Error::config("API Fabric app_key and app_secret must not be empty"));
        }
        let secs = creds.token_lifetime.as_secs();
        if !(1..=3600).contains(&secs) {
            return Err(Error::config(format!("token lifetime must be 1..=3600 s (got {secs})")));
        }
        Ok(ApiFabricAuth {
            token_client: Client::new(token_config, Arc::new(NoAuth))?,
            creds,
            cache: TokenCache::new(REFRESH_MARGIN),
            messaging: RwLock::new(None),
        })
    }

    /// The app key.
    pub fn app_key(&self) -> &str {
        &self.creds.app_key
    }

    /// The current access token, fetched or refreshed as needed.
    pub async fn token(&self) -> Result<Secret<String>> {
        self.cache.get(|| self.fetch()).await
    }

    async fn fetch(&self) -> Result<CachedToken> {
        let op = &APIFABRIC_AUTH_TOKEN_BY_AK_SK;
        let call = Call::new()
            .header("X-Token-Expire", self.creds.token_lifetime.as_secs().to_string())
            .body(json!({ "app_key": self.creds.app_key, "app_secret": self.creds.app_secret.expose_str() }));
        let started = Instant::now();
        let v = self.token_client.call_value(op, call).await.map_err(|e| {
            credential_error(e, &format!("API Fabric refused the app_key `{}` and its app_secret", self.creds.app_key))
        })?;
        let token =
            v.get("AccessToken").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| {
                Error::new(ErrorKind::Auth, "tokenByAkSk returned no AccessToken").with_operation(op.id)
            })?;
        let expires = v.get("Expires").and_then(|e| match e {
            Value::String(s) => s.trim().parse::<u64>().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        });
        tracing::debug!(lifetime_s = expires, "API Fabric token obtained");
        Ok(CachedToken {
            value: Secret::from(token),
            expires_at: started + lifetime(expires, self.creds.token_lifetime.as_secs()),
        })
    }

    /// Stores the web-chat `ccmessaging-token` (done automatically from
    /// `ccmessaging.applyToken` answers and `ccmessaging-token` response headers).
    pub fn set_messaging_token(&self, token: impl Into<Secret<String>>) {
        if let Ok(mut m) = self.messaging.write() {
            *m = Some(token.into());
        }
    }

    /// The current `ccmessaging-token`.
    pub fn messaging_token(&self) -> Option<Secret<String>> {
        self.messaging.read().ok().and_then(|m| m.clone())
    }

    pub(crate) async fn add_bearer(&self, headers: &mut HeaderMap) -> Result<()> {
        let token = self.token().await?;
        headers.insert("x-app-key", header_value("X-APP-Key", &self.creds.app_key)?);
        let mut auth = header_value("Authorization", &format!("Bearer {}", token.expose_str()))?;
        auth.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, auth);
        if let Some(t) = &self.creds.tenant_space_id {
            headers.insert("x-tenantspaceid", header_value("X-TenantSpaceID", t)?);
        }
        Ok(())
    }
}

pub(crate) fn header_value(name: &str, v: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(v).map_err(|_| Error::config(format!("{name} holds characters not allowed in a header")))
}

#[async_trait::async_trait]
impl Authorizer for ApiFabricAuth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        match op.auth {
            AuthKind::Bearer | AuthKind::Signature => self.add_bearer(&mut req.headers).await,
            AuthKind::BearerMessaging => {
                self.add_bearer(&mut req.headers).await?;
                let m = self.messaging_token().ok_or_else(|| {
                    Error::usage("no ccmessaging-token: call ccmessaging.applyToken first").with_operation(op.id)
                })?;
                let mut v = header_value("ccmessaging-token", m.expose_str())?;
                v.set_sensitive(true);
                req.headers.insert("ccmessaging-token", v);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn observe(&self, op: &'static OperationMeta, headers: &HeaderMap, body: Option<&[u8]>) {
        if let Some(t) = headers.get("ccmessaging-token").and_then(|v| v.to_str().ok())
            && !t.is_empty()
        {
            self.set_messaging_token(t);
        }
        let body = match body {
            Some(b) if op.id == "ccmessaging.applyToken" => serde_json::from_slice::<Value>(b).ok(),
            _ => None,
        };
        if let Some(t) = body.as_ref().and_then(|b| b.get("token")).and_then(Value::as_str)
            && !t.is_empty()
        {
            self.set_messaging_token(t);
        }
    }

    fn invalidate(&self, op: &'static OperationMeta) -> bool {
        matches!(op.auth, AuthKind::Bearer | AuthKind::BearerMessaging | AuthKind::Signature) && self.cache.clear()
    }
}
