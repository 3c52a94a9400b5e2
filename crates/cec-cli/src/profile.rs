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
//! ```

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
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        if let Some(ca) = env("CEC_CA_BUNDLE") {
            self.ca_bundle = Some(PathBuf::from(ca));
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
            ];
            if vals.iter().all(Option::is_none) {
                continue;
            }
            if let Some(s) = self.ne_mut(ne) {
                let [endpoint, token_endpoint, app_key, app_secret, ak, sk, guid] = vals;
                s.endpoint = endpoint.or(s.endpoint.take());
                s.token_endpoint = token_endpoint.or(s.token_endpoint.take());
                s.app_key = app_key.or(s.app_key.take());
                s.app_secret = app_secret.map(Secret::new).or(s.app_secret.take());
                s.ak = ak.or(s.ak.take());
                s.sk = sk.map(Secret::new).or(s.sk.take());
                s.guid = guid.map(Secret::new).or(s.guid.take());
            }
        }
    }
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
            toml::from_str::<File>(&text).with_context(|| format!("parsing {}", p.display()))?
        }
        Some(p) if explicit => bail!("config file {} does not exist", p.display()),
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
    profile.apply_env(env);
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
}
