//! C3 (`gettoken`) and C6 (`getAppCubeToken`): OIAP tokens, placed where each
//! interface expects them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cec_core::{
    AuthKind, Authorizer, Call, Client, Config, Error, ErrorKind, NoAuth, OperationMeta, PreparedRequest, Result,
    Secret, TokenPlacement,
};
use http::HeaderValue;
use serde_json::{Map, Value, json};

use crate::generated::{OIAP_AUTH_GET_APP_CUBE_TOKEN, OIAP_AUTH_GETTOKEN};
use crate::token::{CachedToken, TokenCache, credential_error, lifetime};

/// Which token interface to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OiapFlavor {
    /// C3: `POST /oifde/rest/api/gettoken`.
    #[default]
    GetToken,
    /// C6: `POST /oifde/rest/appcube/api/getAppCubeToken` (calls from AppCube).
    AppCube,
}

/// Who is calling: a tenant (token in the body) or a system-level integration
/// (headers `username` and `token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OiapIntegration {
    /// Tenant-level: the token goes where each interface documents it.
    #[default]
    Tenant,
    /// System-level (`ODFS_SYS_OPENAPI`, `ipcc`): `username`/`token` headers.
    System,
}

/// OIAP credentials.
#[derive(Debug, Clone)]
pub struct OiapCredentials {
    /// `appKey`: tenant id, or the interconnection user for system-level calls.
    pub app_key: String,
    /// `appSecret`: the API password.
    pub app_secret: Secret<String>,
    /// Token interface.
    pub flavor: OiapFlavor,
    /// Tenant or system integration.
    pub integration: OiapIntegration,
}

impl OiapCredentials {
    /// Tenant-level C3 credentials.
    pub fn tenant(app_key: impl Into<String>, app_secret: impl Into<Secret<String>>) -> Self {
        OiapCredentials {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            flavor: OiapFlavor::GetToken,
            integration: OiapIntegration::Tenant,
        }
    }
}

/// The C3/C6 authorizer.
#[derive(Debug)]
pub struct OiapAuth {
    token_client: Client,
    creds: OiapCredentials,
    cache: TokenCache,
}

impl OiapAuth {
    /// `token_config` points at the OIAP host (usually the same as the business
    /// calls); the token client sends through its transport, so a pooled
    /// configuration shared with the NE client (`Config::pooled`, as
    /// `cec_oiap::Client::new` does) gives one connection pool for both.
    ///
    /// A token endpoint that refuses the appKey and appSecret fails the call at
    /// once with an [`ErrorKind::Auth`] error saying so; it is not asked again.
    pub fn new(token_config: Config, creds: OiapCredentials) -> Result<Self> {
        if creds.app_key.is_empty() || creds.app_secret.is_empty() {
            return Err(Error::config("OIAP appKey and appSecret must not be empty"));
        }
        Ok(OiapAuth {
            token_client: Client::new(token_config, Arc::new(NoAuth))?,
            creds,
            cache: TokenCache::new(Duration::from_secs(60)),
        })
    }

    /// The current token, fetched or refreshed as needed.
    pub async fn token(&self) -> Result<Secret<String>> {
        self.cache.get(|| self.fetch()).await
    }

    async fn fetch(&self) -> Result<CachedToken> {
        let op = match self.creds.flavor {
            OiapFlavor::GetToken => &OIAP_AUTH_GETTOKEN,
            OiapFlavor::AppCube => &OIAP_AUTH_GET_APP_CUBE_TOKEN,
        };
        let started = Instant::now();
        let body = json!({ "appKey": self.creds.app_key, "appSecret": self.creds.app_secret.expose_str() });
        let v = self.token_client.call_value(op, Call::new().body(body)).await.map_err(|e| {
            credential_error(e, &format!("OIAP refused the appKey `{}` and its appSecret", self.creds.app_key))
        })?;
        let token = v
            .get("authToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::Auth, "no authToken in the answer").with_operation(op.id))?;
        let expires = v.get("expireTime").and_then(|e| e.as_u64().or_else(|| e.as_str()?.parse().ok()));
        Ok(CachedToken { value: Secret::from(token), expires_at: started + lifetime(expires, 3600) })
    }
}

/// Sets `value` at a dotted path of a JSON object, creating objects on the way.
fn put_at_path(body: &mut Value, path: &str, value: Value) -> Result<()> {
    if !body.is_object() {
        if body.is_null() {
            *body = Value::Object(Map::new());
        } else {
            return Err(Error::usage("the request body must be a JSON object to carry the OIAP token"));
        }
    }
    let mut cur = body;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        let obj = cur.as_object_mut().ok_or_else(|| Error::usage(format!("`{part}` must be a JSON object")))?;
        if parts.peek().is_none() {
            obj.insert(part.to_owned(), value);
            return Ok(());
        }
        cur = obj.entry(part.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Authorizer for OiapAuth {
    async fn prepare(&self, op: &'static OperationMeta, req: &mut PreparedRequest) -> Result<()> {
        let AuthKind::OiapToken(placement) = op.auth else { return Ok(()) };
        let token = self.token().await?;
        match (self.creds.integration, placement) {
            (OiapIntegration::System, _) | (_, TokenPlacement::Headers) => {
                let user = HeaderValue::from_str(&self.creds.app_key).map_err(|_| Error::config("bad appKey"))?;
                let mut t = HeaderValue::from_str(token.expose_str()).map_err(|_| Error::config("bad token"))?;
                t.set_sensitive(true);
                req.headers.insert("username", user);
                req.headers.insert("token", t);
                Ok(())
            }
            (OiapIntegration::Tenant, TokenPlacement::Body(path)) => {
                let body = req.body.get_or_insert(Value::Null);
                put_at_path(body, path, Value::String(token.expose_str().to_owned()))
            }
        }
    }

    fn invalidate(&self, op: &'static OperationMeta) -> bool {
        matches!(op.auth, AuthKind::OiapToken(_)) && self.cache.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puts_token_at_dotted_path() {
        let mut b = json!({"userid": "u", "inparams": {"x": 1}});
        put_at_path(&mut b, "inparams.auth_token", json!("T")).unwrap();
        assert_eq!(b, json!({"userid": "u", "inparams": {"x": 1, "auth_token": "T"}}));
        let mut n = Value::Null;
        put_at_path(&mut n, "authToken", json!("T")).unwrap();
        assert_eq!(n, json!({"authToken": "T"}));
        let mut arr = json!([1]);
        assert!(put_at_path(&mut arr, "authToken", json!("T")).is_err());
    }
}
