//! Endpoints and credentials: a TOML file with named profiles, overridden by
//! environment variables (`CEC_<NE>_<KEY>`, e.g. `CEC_CMS_ENDPOINT`, `CEC_CMS_SK`).
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
//! vdn = 1                               # optional: the tenant's VDN (cec doctor's iSales probe)
//! ```
//!
//! Every key can also come from the environment: `CEC_<NE>_<KEY>` (upper case),
//! plus `CEC_CA_BUNDLE` and `CEC_INSECURE_SKIP_TLS_VERIFY` (`true`/`1`) for the
//! whole profile. A parse error names the file, the line and the key, never a
//! value (a value may be a secret).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use cec_core::Secret;
use serde::Deserialize;

/// Settings of one NE.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NeSettings {
    pub endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub app_key: Option<String>,
    pub app_secret: Option<Secret<String>>,
    pub ak: Option<String>,
    pub sk: Option<Secret<String>>,
    pub guid: Option<Secret<String>>,
    /// C2 dialect (`<millis|seconds>/<signed headers>`), for cms, isales and fs.
    pub c2_dialect: Option<String>,
    /// The tenant's VDN id.
    pub vdn: Option<i64>,
}

impl NeSettings {
    /// The C2 dialect set for this NE (default when unset).
    pub fn dialect(&self, ne: &str) -> anyhow::Result<cec_core::sign::C2Dialect> {
        match self.c2_dialect.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(cec_core::sign::C2Dialect::default()),
            Some(d) => d.parse().map_err(|e| anyhow!("{ne}: c2_dialect: {e}")),
        }
    }
}

/// One profile.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub ca_bundle: Option<PathBuf>,
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    pub gateway: Option<NeSettings>,
    pub apifabric: Option<NeSettings>,
    pub oiap: Option<NeSettings>,
    pub isales: Option<NeSettings>,
    pub cms: Option<NeSettings>,
    pub fs: Option<NeSettings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The NE names of the CLI.
pub const NES: [&str; 6] = ["gateway", "apifabric", "oiap", "isales", "cms", "fs"];

impl Profile {
    /// The settings of `ne` (empty when absent).
    pub fn ne(&self, ne: &str) -> NeSettings {
        match ne {
            "gateway" => self.gateway.clone(),
            "apifabric" => self.apifabric.clone(),
            "oiap" => self.oiap.clone(),
            "isales" => self.isales.clone(),
            "cms" => self.cms.clone(),
            "fs" => self.fs.clone(),
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
            _ => return None,
        };
        Some(slot.get_or_insert_with(NeSettings::default))
    }

    /// Applies `CEC_<NE>_<KEY>` variables from `env`.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(ca) = env("CEC_CA_BUNDLE") {
            self.ca_bundle = Some(PathBuf::from(ca));
        }
        if let Some(v) = env("CEC_INSECURE_SKIP_TLS_VERIFY") {
            self.insecure_skip_tls_verify = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => bail!("CEC_INSECURE_SKIP_TLS_VERIFY must be true or false (got {v:?})"),
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
                    s.vdn = Some(v.trim().parse().map_err(|_| anyhow!("CEC_{up}_VDN must be an integer (got {v:?})"))?);
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
}

/// A TOML error as a message that never shows a value: the line, the key on
/// it and what is wrong. (`toml`'s own message quotes the offending line,
/// which may hold a secret, and serde's "invalid type" messages quote the value.)
fn describe_toml_error(e: &toml::de::Error, text: &str) -> String {
    let mut out = String::new();
    if let Some(span) = e.span() {
        let start = span.start.min(text.len());
        let line_no = text[..start].bytes().filter(|b| *b == b'\n').count() + 1;
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
        let expected = msg.find("expected").map(|i| &msg[i..]).unwrap_or("");
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

/// Where the config file is: `--config`, `CEC_CONFIG`, or `<config dir>/cec/config.toml`.
pub fn config_path(flag: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    flag.map(Path::to_path_buf)
        .or_else(|| env("CEC_CONFIG").map(PathBuf::from))
        .or_else(|| dirs::config_dir().map(|d| d.join("cec").join("config.toml")))
}

/// Loads profile `name` (a missing default file is an empty profile), then the environment.
pub fn load(flag: Option<&Path>, name: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Profile> {
    let path = config_path(flag, env);
    let name = name.map(str::to_owned).or_else(|| env("CEC_PROFILE")).unwrap_or_else(|| "default".into());
    let explicit = flag.is_some() || env("CEC_CONFIG").is_some();
    let file = match &path {
        Some(p) if p.exists() => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            toml::from_str::<File>(&text)
                .map_err(|e| anyhow!("parsing {}: {}", p.display(), describe_toml_error(&e, &text)))?
        }
        Some(p) if explicit => bail!("config file {} does not exist", p.display()),
        Some(p) if name != "default" => bail!(
            "no config file: profile `{name}` was asked for, but {} does not exist (set --config or CEC_CONFIG)",
            p.display()
        ),
        _ => File::default(),
    };
    let mut profile = match file.profiles.get(&name) {
        Some(p) => p.clone(),
        None if name == "default" => Profile::default(),
        None => {
            return Err(anyhow!(
                "no profile `{name}` in {}",
                path.map(|p| p.display().to_string()).unwrap_or_default()
            ));
        }
    };
    profile.apply_env(env)?;
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env() {
        let dir = std::env::temp_dir().join(format!("cec-cli-test-{}", std::process::id()));
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
        let p = load(Some(&path), None, &env).unwrap();
        let cms = p.ne("cms");
        assert_eq!(cms.endpoint.as_deref(), Some("https://cms:28443"));
        assert_eq!(cms.sk.as_ref().map(|s| s.expose_str()), Some("from-env"));
        assert!(!format!("{p:?}").contains("from-env"), "secrets stay out of Debug");
        let lab = load(Some(&path), Some("lab"), &env).unwrap();
        assert_eq!(lab.ne("gateway").endpoint.as_deref(), Some("https://gw:8043"));
        assert!(load(Some(&path), Some("nope"), &env).is_err());
        std::fs::write(&path, "[profiles.default]\nbogus = 1\n").unwrap();
        assert!(load(Some(&path), None, &env).is_err());
    }

    #[test]
    fn parse_errors_never_show_a_secret() {
        let dir = std::env::temp_dir().join(format!("cec-cli-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        let none = |_: &str| None;
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
            std::fs::write(&path, text).unwrap();
            let err = load(Some(&path), None, &none).expect_err(text);
            let shown = format!("{err:#} {err:?}");
            assert!(!shown.contains("S3CRET"), "{text:?} → {shown}");
            assert!(shown.contains("line "), "{shown}");
        }
        std::fs::write(&path, cases[0]).unwrap();
        let err = format!("{:#}", load(Some(&path), None, &none).unwrap_err());
        assert!(err.contains("line 3") && err.contains("`skk`"), "the key is named: {err}");
    }

    #[test]
    fn insecure_and_dialect_come_from_the_environment_too() {
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
    }
}
