//! Endpoints and credentials from a TOML file with named profiles, overridden by
//! environment variables (`CEC_<NE>_<KEY>`, e.g. `CEC_CMS_ENDPOINT`, `CEC_CMS_SK`):
//! the loader the `cec` CLI uses, for your services too (as aws-config is for the
//! AWS SDK). Each NE crate builds its client from it: `cec_cms::Client::from_env()`,
//! `cec_cms::Client::from_profile("lab")`.
//!
//! ```toml
//! [profiles.default]
//! ca_bundle = "/etc/cec/ca.pem"        # optional, PEM
//!
//! [profiles.default.gateway]
//! endpoint = "https://cc-gateway.example.com:8043"
//! guid = "…"                            # optional: continue an agent session
//!
//! [profiles.default.apifabric]
//! endpoint = "https://service.example.com"
//! token_endpoint = "https://service.example.com:28070"   # optional, defaults to endpoint
//! app_key = "…"
//! app_secret = "…"
//!
//! [profiles.default.oiap]
//! endpoint = "https://oiap.example.com:8443"
//! app_key = "tenant001"
//! app_secret = "…"
//!
//! [profiles.default.cms]                # same keys for isales and fs
//! endpoint = "https://cms.example.com:28443"
//! ak = "…"
//! sk = "…"
//! c2_dialect = "millis/content-length;content-type;host"   # optional; `cec doctor` tells which one the NE accepts
//! vdn = 1                               # optional: the tenant's VDN
//! ```
//!
//! Every key can also come from the environment: `CEC_<NE>_<KEY>` (upper case),
//! plus `CEC_CA_BUNDLE` and `CEC_INSECURE_SKIP_TLS_VERIFY` (`true`/`1`) for the
//! whole profile.
//!
//! Where the file is: an explicit path, else `CEC_CONFIG`, else
//! `<config dir>/cec/config.toml`. The profile: an explicit name, else
//! `CEC_PROFILE`, else `default`. Errors never quote the file's text (a secret
//! could be on the line): they give the key or the line number.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Settings of one NE.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NeSettings {
    /// Endpoint (scheme, host, port).
    pub endpoint: Option<String>,
    /// API Fabric: the host serving the token interface, when not `endpoint`.
    pub token_endpoint: Option<String>,
    /// API Fabric / OIAP app key.
    pub app_key: Option<String>,
    /// API Fabric / OIAP app secret.
    pub app_secret: Option<Secret<String>>,
    /// C2 access key.
    pub ak: Option<String>,
    /// C2 secret key.
    pub sk: Option<Secret<String>>,
    /// CC-Gateway: a GUID to continue an agent session with.
    pub guid: Option<Secret<String>>,
    /// C2 dialect (`<millis|seconds>/<signed headers>`), for cms, isales and fs.
    pub c2_dialect: Option<String>,
    /// The tenant's VDN id.
    pub vdn: Option<i64>,
}

impl NeSettings {
    /// The C2 dialect set for this NE (the default when unset); `ne` names it in the error.
    pub fn dialect(&self, ne: &str) -> Result<crate::sign::C2Dialect> {
        match self.c2_dialect.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(crate::sign::C2Dialect::default()),
            Some(d) => d.parse().map_err(|e| Error::config(format!("{ne}: c2_dialect: {e}"))),
        }
    }
}

/// One profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Profile {
    /// A PEM bundle of extra CA certificates.
    pub ca_bundle: Option<PathBuf>,
    /// **Disables TLS verification** (a lab only; every client built logs a warning).
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// CC-Gateway.
    pub gateway: Option<NeSettings>,
    /// API Fabric.
    pub apifabric: Option<NeSettings>,
    /// OIAP.
    pub oiap: Option<NeSettings>,
    /// CC-iSales.
    pub isales: Option<NeSettings>,
    /// CC-CMS.
    pub cms: Option<NeSettings>,
    /// CC-FS.
    pub fs: Option<NeSettings>,
    /// CC-Messaging (web channel and social webhooks).
    pub messaging: Option<NeSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The NE names of profiles and of `CEC_<NE>_*` variables.
pub const NES: [&str; 7] = ["gateway", "apifabric", "oiap", "isales", "cms", "fs", "messaging"];

/// The process environment, for [`Profile::load`].
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

impl Profile {
    /// The default file's default profile (or those `CEC_CONFIG` / `CEC_PROFILE` name),
    /// then the `CEC_<NE>_<KEY>` variables of the process.
    pub fn from_env() -> Result<Profile> {
        Profile::load(None, None, &process_env)
    }

    /// Profile `name` of the default file (or `CEC_CONFIG`'s), then the environment.
    pub fn named(name: &str) -> Result<Profile> {
        Profile::load(None, Some(name), &process_env)
    }

    /// Loads profile `name` (a missing default file is an empty profile), then the
    /// variables `env` gives.
    pub fn load(file: Option<&Path>, name: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Result<Profile> {
        let path = config_path(file, env);
        let name = name.map(str::to_owned).or_else(|| env("CEC_PROFILE")).unwrap_or_else(|| "default".into());
        let explicit = file.is_some() || env("CEC_CONFIG").is_some();
        let parsed = match &path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| Error::config(format!("reading {}", p.display())).with_source(e))?;
                parse(&text).map_err(|why| Error::config(format!("parsing {}: {why}", p.display())))?
            }
            Some(p) if explicit => return Err(Error::config(format!("config file {} does not exist", p.display()))),
            Some(p) if name != "default" => {
                return Err(Error::config(format!(
                    "no config file: profile `{name}` was asked for, but {} does not exist (set --config or CEC_CONFIG)",
                    p.display()
                )));
            }
            _ => File::default(),
        };
        let mut profile = match parsed.profiles.get(&name) {
            Some(p) => p.clone(),
            None if name == "default" => Profile::default(),
            None => {
                return Err(Error::config(format!(
                    "no profile `{name}` in {}",
                    path.map(|p| p.display().to_string()).unwrap_or_default()
                )));
            }
        };
        profile.apply_env(env)?;
        Ok(profile)
    }

    /// The settings of `ne` (empty when absent).
    pub fn ne(&self, ne: &str) -> NeSettings {
        match ne {
            "gateway" => self.gateway.clone(),
            "apifabric" => self.apifabric.clone(),
            "oiap" => self.oiap.clone(),
            "isales" => self.isales.clone(),
            "cms" => self.cms.clone(),
            "fs" => self.fs.clone(),
            "messaging" => self.messaging.clone(),
            _ => None,
        }
        .unwrap_or_default()
    }

    fn ne_mut(&mut self, ne: &str) -> Option<&mut NeSettings> {
        let slot = match ne {
            "gateway" => &mut self.gateway,
            "apifabric" => &mut self.apifabric,
            "oiap" => &mut self.oiap,
            "isales" => &mut self.isales,
            "cms" => &mut self.cms,
            "fs" => &mut self.fs,
            "messaging" => &mut self.messaging,
            _ => return None,
        };
        Some(slot.get_or_insert_with(NeSettings::default))
    }

    /// Applies `CEC_CA_BUNDLE`, `CEC_INSECURE_SKIP_TLS_VERIFY` and `CEC_<NE>_<KEY>` from `env`.
    /// A value that cannot be read (`CEC_INSECURE_SKIP_TLS_VERIFY=maybe`, a VDN that is not a
    /// number) is an error naming the variable.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(ca) = env("CEC_CA_BUNDLE") {
            self.ca_bundle = Some(PathBuf::from(ca));
        }
        if let Some(v) = env("CEC_INSECURE_SKIP_TLS_VERIFY") {
            self.insecure_skip_tls_verify = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => return Err(Error::config("CEC_INSECURE_SKIP_TLS_VERIFY must be true or false")),
            };
        }
        for ne in NES {
            let up = ne.to_ascii_uppercase();
            let get = |k: &str| env(&format!("CEC_{up}_{k}"));
            let vals = [
                get("ENDPOINT"),
                get("TOKEN_ENDPOINT"),
                get("APP_KEY"),
                get("APP_SECRET"),
                get("AK"),
                get("SK"),
                get("GUID"),
                get("C2_DIALECT"),
                get("VDN"),
            ];
            if vals.iter().all(Option::is_none) {
                continue;
            }
            if let Some(s) = self.ne_mut(ne) {
                let [endpoint, token_endpoint, app_key, app_secret, ak, sk, guid, dialect, vdn] = vals;
                s.c2_dialect = dialect.or(s.c2_dialect.take());
                if let Some(v) = vdn {
                    let n = v.trim().parse().map_err(|_| Error::config(format!("CEC_{up}_VDN must be an integer")))?;
                    s.vdn = Some(n);
                }
                s.endpoint = endpoint.or(s.endpoint.take());
                s.token_endpoint = token_endpoint.or(s.token_endpoint.take());
                s.app_key = app_key.or(s.app_key.take());
                s.app_secret = app_secret.map(Secret::new).or(s.app_secret.take());
                s.ak = ak.or(s.ak.take());
                s.sk = sk.map(Secret::new).or(s.sk.take());
                s.guid = guid.map(Secret::new).or(s.guid.take());
            }
        }
        Ok(())
    }

    /// The client configuration of `ne` at `endpoint`: the profile's CA bundle and
    /// TLS setting applied.
    pub fn config_for(&self, ne: &str, endpoint: &str) -> Result<Config> {
        let mut b = Config::builder(endpoint);
        if let Some(ca) = &self.ca_bundle {
            let pem = std::fs::read(ca)
                .map_err(|e| Error::config(format!("{ne}: reading CA bundle {}", ca.display())).with_source(e))?;
            b = b.ca_bundle_pem(pem);
        }
        if self.insecure_skip_tls_verify {
            b = b.danger_accept_invalid_certs(true);
        }
        b.build().map_err(|e| Error::config(format!("{ne}: {}", e.message())))
    }

    /// The configuration of `ne` at its `endpoint` setting.
    pub fn config(&self, ne: &str) -> Result<Config> {
        let s = self.ne(ne);
        self.config_for(ne, required(ne, &s.endpoint, "endpoint")?)
    }
}

/// A setting that must be there, or an error naming the key and its variable.
pub fn required<'a>(ne: &str, v: &'a Option<String>, key: &str) -> Result<&'a str> {
    v.as_deref().filter(|s| !s.is_empty()).ok_or_else(|| missing(ne, key))
}

/// A secret setting that must be there.
pub fn required_secret<'a>(ne: &str, v: &'a Option<Secret<String>>, key: &str) -> Result<&'a str> {
    v.as_ref().map(|s| s.expose_str()).filter(|s| !s.is_empty()).ok_or_else(|| missing(ne, key))
}

fn missing(ne: &str, key: &str) -> Error {
    Error::config(format!(
        "{ne}: `{key}` is not set (config file profile or CEC_{}_{})",
        ne.to_uppercase(),
        key.to_uppercase()
    ))
}

/// Parses the file; the error names the line, the key on it and what is wrong,
/// never a value (`toml`'s own message quotes the offending line, which may hold
/// a secret, and serde's "invalid type" messages quote the value).
fn parse(text: &str) -> std::result::Result<File, String> {
    toml::from_str::<File>(text).map_err(|e| describe_toml_error(&e, text))
}

fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    let mut out = String::new();
    if let Some(span) = e.span() {
        let start = span.start.min(text.len());
        let line_no = text.get(..start).unwrap_or("").bytes().filter(|b| *b == b'\n').count() + 1;
        out.push_str(&format!("line {line_no}"));
        let line = text.lines().nth(line_no - 1).unwrap_or("");
        let key = line.split('=').next().unwrap_or("").trim().trim_matches(|c| c == '[' || c == ']');
        if line.contains('=') && !key.is_empty() && key.len() <= 64 && !key.contains(['"', '\'']) {
            out.push_str(&format!(", key `{key}`"));
        } else if line.trim_start().starts_with('[') && key.len() <= 128 {
            out.push_str(&format!(", table [{key}]"));
        }
        out.push_str(": ");
    }
    out.push_str(&redact_values(e.message()));
    out
}

/// Keeps field names (in backticks after `field`/`expected`) and drops quoted values.
fn redact_values(msg: &str) -> String {
    let msg = msg.trim();
    let lower = msg.to_ascii_lowercase();
    if lower.starts_with("unknown field") || lower.starts_with("missing field") || lower.starts_with("duplicate key") {
        return msg.to_owned();
    }
    if lower.starts_with("invalid type") || lower.starts_with("invalid value") || lower.starts_with("unknown variant") {
        // "invalid type: string \"…\", expected a boolean" → keep the kind and what was expected.
        let what = msg.split(':').next().unwrap_or("invalid value");
        let expected = msg.find("expected").and_then(|i| msg.get(i..)).unwrap_or("");
        let kind = msg
            .split(':')
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
            .unwrap_or("value");
        return format!("{what}: {kind} (value not shown), {expected}").trim_end_matches(", ").to_owned();
    }
    // Anything else (syntax errors): drop every quoted or backticked part.
    let mut out = String::with_capacity(msg.len());
    let mut quote: Option<char> = None;
    for c in msg.chars() {
        match quote {
            Some(q) if c == q => {
                out.push('…');
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None if c == '"' || c == '`' || c == '\'' => {
                out.push(c);
                quote = Some(c);
            }
            None => out.push(c),
        }
    }
    if quote.is_some() {
        out.push('…');
    }
    out
}

/// Where the config file is: `file`, `CEC_CONFIG`, or `<config dir>/cec/config.toml`.
pub fn config_path(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    file.map(Path::to_path_buf)
        .or_else(|| env("CEC_CONFIG").map(PathBuf::from))
        .or_else(|| dirs::config_dir().map(|d| d.join("cec").join("config.toml")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env() {
        let dir = std::env::temp_dir().join(format!("cec-core-profile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[profiles.default.cms]\nendpoint = \"https://cms:28443\"\nak = \"a\"\nsk = \"s\"\n[profiles.lab.gateway]\nendpoint = \"https://gw:8043\"\n",
        )
        .unwrap();
        let env = |k: &str| match k {
            "CEC_CMS_SK" => Some("from-env".to_string()),
            _ => None,
        };
        let p = Profile::load(Some(&path), None, &env).unwrap();
        let cms = p.ne("cms");
        assert_eq!(cms.endpoint.as_deref(), Some("https://cms:28443"));
        assert_eq!(cms.sk.as_ref().map(|s| s.expose_str()), Some("from-env"));
        assert!(!format!("{p:?}").contains("from-env"), "secrets stay out of Debug");
        assert!(p.config("cms").is_ok());
        assert!(p.config("fs").unwrap_err().to_string().contains("CEC_FS_ENDPOINT"));
        let lab = Profile::load(Some(&path), Some("lab"), &env).unwrap();
        assert_eq!(lab.ne("gateway").endpoint.as_deref(), Some("https://gw:8043"));
        assert!(Profile::load(Some(&path), Some("nope"), &env).is_err());
        std::fs::write(&path, "[profiles.default]\nbogus = 1\n").unwrap();
        assert!(Profile::load(Some(&path), None, &env).is_err());
    }

    #[test]
    fn parse_errors_never_quote_the_file() {
        for text in ["[profiles.default.cms]\nskk = \"TOPSECRET-1\"\n", "[profiles.default.cms]\nsk = \"TOPSECRET-2\n"]
        {
            let e = parse(text).unwrap_err();
            assert!(!e.contains("TOPSECRET"), "{e}");
            assert!(e.starts_with("line 2"), "{e}");
        }
    }

    #[test]
    fn parse_errors_never_show_a_secret() {
        let cases = [
            // a misspelt key holding the secret
            "[profiles.default.cms]\nak = \"a\"\nskk = \"S3CRET-value-1\"\n",
            // an unterminated string
            "[profiles.default.cms]\nsk = \"S3CRET-value-1\n",
            // a value of the wrong type
            "[profiles.default.cms]\nvdn = \"S3CRET-value-1\"\n",
            "[profiles.default]\ninsecure_skip_tls_verify = \"S3CRET-value-1\"\n",
            // a secret where a table was expected
            "[profiles.default]\ncms = \"S3CRET-value-1\"\n",
            // garbage after a value
            "[profiles.default.cms]\nsk = \"S3CRET-value-1\" S3CRET-value-1\n",
        ];
        for text in cases {
            let e = parse(text).unwrap_err();
            assert!(!e.contains("S3CRET"), "{text:?} → {e}");
            assert!(e.starts_with("line "), "{e}");
        }
        let e = parse(cases[0]).unwrap_err();
        assert!(e.contains("line 3") && e.contains("`skk`"), "the key is named: {e}");
    }

    #[test]
    fn insecure_dialect_and_vdn_come_from_the_environment_too() {
        let env = |k: &str| match k {
            "CEC_INSECURE_SKIP_TLS_VERIFY" => Some("true".to_string()),
            "CEC_CMS_C2_DIALECT" => Some("seconds/host".to_string()),
            "CEC_ISALES_VDN" => Some("7".to_string()),
            _ => None,
        };
        let mut p = Profile::default();
        p.apply_env(&env).unwrap();
        assert!(p.insecure_skip_tls_verify);
        assert_eq!(p.ne("cms").dialect("cms").unwrap().to_string(), "seconds/host");
        assert_eq!(p.ne("isales").vdn, Some(7));
        let bad = |k: &str| (k == "CEC_INSECURE_SKIP_TLS_VERIFY").then(|| "maybe".to_string());
        assert!(Profile::default().apply_env(&bad).is_err());
        let bad_vdn = |k: &str| (k == "CEC_CMS_VDN").then(|| "seven".to_string());
        let e = Profile::default().apply_env(&bad_vdn).unwrap_err().to_string();
        assert!(e.contains("CEC_CMS_VDN") && !e.contains("seven"), "{e}");
    }
}
