//! `cec <ne> <operation-id>`: the generic interface caller.

use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use cec_auth::AkSkSigner;
use cec_core::{Call, Config, OperationMeta};
use serde_json::Value;

use crate::profile::Profile;

/// One operation in the CLI table.
#[derive(Debug)]
pub struct CliOp {
    pub ne: &'static str,
    pub id: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub title: &'static str,
    /// `(kind, name)` with kind `path`, `query` or `header`.
    pub params: &'static [(&'static str, &'static str)],
    pub body: bool,
    /// Takes pass-through body fields (`--extra-field`).
    pub extra: bool,
    pub binary: bool,
}

/// The inputs given on the command line.
#[derive(Debug, Default)]
pub struct CliInput {
    pub params: Vec<(&'static str, String, String)>,
    pub body: Option<Value>,
    /// Body fields sent as given, unchecked (`--extra-field NAME=JSON`).
    pub extra: Vec<(String, Value)>,
}

impl CliInput {
    /// The value of parameter `name` of `kind`.
    pub fn get(&self, kind: &str, name: &str) -> Option<String> {
        self.params.iter().find(|(k, n, _)| *k == kind && n == name).map(|(_, _, v)| v.clone())
    }
}

/// What an operation returned.
#[derive(Debug)]
pub enum CliOutput {
    Json(Value),
    /// A file answer, not yet requested: the client, the interface and the call
    /// (so the download can be resumed or restarted; see `cec_core::download`).
    Download(cec_core::Client, &'static OperationMeta, Call),
}

pub fn parse_i64(name: &str, v: String) -> anyhow::Result<i64> {
    v.trim().parse().map_err(|_| anyhow!("`{name}` must be an integer (got {v:?})"))
}

pub fn parse_bool(name: &str, v: String) -> anyhow::Result<bool> {
    match v.trim() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => bail!("`{name}` must be true or false (got {v:?})"),
    }
}

/// NE clients built lazily from the profile.
#[derive(Debug)]
pub struct Clients {
    profile: Profile,
    gateway: OnceLock<cec_gateway::Client>,
    apifabric: OnceLock<cec_apifabric::Client>,
    oiap: OnceLock<cec_oiap::Client>,
    isales: OnceLock<cec_isales::Client>,
    cms: OnceLock<cec_cms::Client>,
    fs: OnceLock<cec_fs::Client>,
    messaging: OnceLock<cec_messaging::Client>,
    /// Sends through this transport instead of the network (`--dry-run`).
    transport: Option<std::sync::Arc<dyn cec_core::transport::Transport>>,
    /// `-v`: log every attempt (`-vv`: with bodies).
    verbose: u8,
}

fn get_or_try<T: Clone>(cell: &OnceLock<T>, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    if let Some(v) = cell.get() {
        return Ok(v.clone());
    }
    let v = f()?;
    Ok(cell.get_or_init(|| v).clone())
}

impl Clients {
    pub fn new(profile: Profile) -> Self {
        Clients {
            profile,
            gateway: OnceLock::new(),
            apifabric: OnceLock::new(),
            oiap: OnceLock::new(),
            isales: OnceLock::new(),
            cms: OnceLock::new(),
            fs: OnceLock::new(),
            messaging: OnceLock::new(),
            transport: None,
            verbose: 0,
        }
    }

    /// Clients that log every attempt on standard error (`-v`; bodies at 2).
    pub fn verbose(mut self, level: u8) -> Self {
        self.verbose = level;
        self
    }

    /// Whether the clients are built on a transport of the CLI's (dry run, logging).
    fn custom(&self) -> bool {
        self.transport.is_some() || self.verbose > 0
    }

    /// Clients that send through `t` (a recorder for `--dry-run`): built from the same
    /// settings, validated and signed the same way.
    pub fn with_transport(mut self, t: std::sync::Arc<dyn cec_core::transport::Transport>) -> Self {
        self.transport = Some(t);
        self
    }

    /// The configuration of `ne` from the profile, on the dry-run transport when set.
    fn ne_config(&self, ne: &str, endpoint: Option<&str>) -> anyhow::Result<Config> {
        let c = match endpoint {
            Some(e) => self.profile.config_for(ne, e)?,
            None => self.profile.config(ne)?,
        };
        Ok(match &self.transport {
            Some(t) => c.with_transport(t.clone()),
            None if self.verbose > 0 => {
                let real: std::sync::Arc<dyn cec_core::transport::Transport> =
                    std::sync::Arc::new(cec_core::transport::ReqwestTransport::from_config(&c)?);
                c.with_transport(std::sync::Arc::new(crate::verbose::Logged::new(real, self.verbose)))
            }
            None => c,
        })
    }

    /// Says once that TLS verification is off, before the first client of such a profile.
    fn warn_if_insecure(&self) {
        if self.profile.insecure_skip_tls_verify {
            warn_insecure();
        }
    }

    pub fn gateway(&self) -> anyhow::Result<cec_gateway::Client> {
        get_or_try(&self.gateway, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_gateway::Client::from_settings(&self.profile)?);
            }
            let c = cec_gateway::Client::new(self.ne_config("gateway", None)?)?;
            if let Some(g) = self.profile.ne("gateway").guid {
                c.set_guid(g);
            }
            Ok(c)
        })
    }

    pub fn apifabric(&self) -> anyhow::Result<cec_apifabric::Client> {
        get_or_try(&self.apifabric, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_apifabric::Client::from_settings(&self.profile)?);
            }
            use cec_core::profile::{required, required_secret};
            let s = self.profile.ne("apifabric");
            let endpoint = required("apifabric", &s.endpoint, "endpoint")?;
            let token = s.token_endpoint.as_deref().unwrap_or(endpoint);
            let creds = cec_apifabric::ApiFabricCredentials::new(
                required("apifabric", &s.app_key, "app_key")?,
                required_secret("apifabric", &s.app_secret, "app_secret")?,
            );
            let (config, token) =
                (self.ne_config("apifabric", Some(endpoint))?, self.ne_config("apifabric", Some(token))?);
            Ok(cec_apifabric::Client::new(config, token, creds)?)
        })
    }

    pub fn oiap(&self) -> anyhow::Result<cec_oiap::Client> {
        get_or_try(&self.oiap, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_oiap::Client::from_settings(&self.profile)?);
            }
            use cec_core::profile::{required, required_secret};
            let s = self.profile.ne("oiap");
            let creds = cec_oiap::OiapCredentials::tenant(
                required("oiap", &s.app_key, "app_key")?,
                required_secret("oiap", &s.app_secret, "app_secret")?,
            );
            Ok(cec_oiap::Client::new(self.ne_config("oiap", None)?, creds)?)
        })
    }

    /// The profile these clients come from.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The configuration of `ne` at `endpoint` with the profile's TLS settings.
    pub fn config_for(&self, ne: &str, endpoint: &str) -> anyhow::Result<Config> {
        self.warn_if_insecure();
        Ok(self.profile.config_for(ne, endpoint)?)
    }

    /// The C2 signer of `ne` in its configured dialect.
    pub fn signer(&self, ne: &str) -> anyhow::Result<AkSkSigner> {
        Ok(AkSkSigner::from_settings(ne, &self.profile.ne(ne))?)
    }

    pub fn isales(&self) -> anyhow::Result<cec_isales::Client> {
        get_or_try(&self.isales, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_isales::Client::from_settings(&self.profile)?);
            }
            let auth = cec_auth::C2Auth::Signature(self.signer("isales")?);
            Ok(cec_isales::Client::new(self.ne_config("isales", None)?, auth)?)
        })
    }

    pub fn cms(&self) -> anyhow::Result<cec_cms::Client> {
        get_or_try(&self.cms, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_cms::Client::from_settings(&self.profile)?);
            }
            let auth = cec_auth::C2Auth::Signature(self.signer("cms")?);
            Ok(cec_cms::Client::new(self.ne_config("cms", None)?, auth)?)
        })
    }

    pub fn fs(&self) -> anyhow::Result<cec_fs::Client> {
        get_or_try(&self.fs, || {
            self.warn_if_insecure();
            if !self.custom() {
                return Ok(cec_fs::Client::from_settings(&self.profile)?);
            }
            let auth = cec_auth::C2Auth::Signature(self.signer("fs")?);
            Ok(cec_fs::Client::new(self.ne_config("fs", None)?, auth)?)
        })
    }

    /// CC-Messaging; the web channel token comes from `CEC_MESSAGING_TOKEN` when set.
    pub fn messaging(&self) -> anyhow::Result<cec_messaging::Client> {
        get_or_try(&self.messaging, || {
            self.warn_if_insecure();
            let c = cec_messaging::Client::new(self.ne_config("messaging", None)?)?;
            if let Ok(t) = std::env::var("CEC_MESSAGING_TOKEN") {
                c.set_token(t);
            }
            Ok(c)
        })
    }
}

/// Says, once per process and whatever the log level, that TLS verification is off.
pub fn warn_insecure() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "warning: TLS certificate verification is DISABLED (insecure_skip_tls_verify / \
                 CEC_INSECURE_SKIP_TLS_VERIFY): anyone on the network path can read and change this traffic, \
                 credentials included"
            );
        }
    });
}

/// Parses `k=v`.
pub fn key_value(s: &str) -> anyhow::Result<(String, String)> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .ok_or_else(|| anyhow!("expected key=value, got {s:?}"))
}

/// The parts of the command line that carry an operation's input.
#[derive(Debug, Default)]
pub struct RawInput<'a> {
    pub path: &'a [String],
    pub query: &'a [String],
    pub header: &'a [String],
    pub body: Option<&'a str>,
    pub extra: &'a [String],
}

fn read_stdin() -> anyhow::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).context("reading the body from standard input")?;
    Ok(text)
}

/// Builds the input of `op` from the command line, refusing unknown parameters
/// (naming the nearest documented one) and a parameter given twice (every
/// parameter of the reference takes one value: a second one is never dropped
/// silently).
pub fn input_for(op: &CliOp, raw: &RawInput<'_>) -> anyhow::Result<CliInput> {
    let mut input = CliInput::default();
    for (kind, list) in [("path", raw.path), ("query", raw.query), ("header", raw.header)] {
        for kv in list {
            let (k, v) = key_value(kv)?;
            if !op.params.iter().any(|(pk, pn)| *pk == kind && *pn == k) {
                let known: Vec<&str> = op.params.iter().filter(|(pk, _)| *pk == kind).map(|(_, n)| *n).collect();
                let hint = match cec_core::validate::nearest(&k, known.iter().copied()) {
                    Some(n) => format!("did you mean `{n}`? "),
                    None => String::new(),
                };
                bail!(
                    "{} has no {kind} parameter `{k}` ({hint}it has: {})",
                    op.id,
                    if known.is_empty() { "none".into() } else { known.join(", ") }
                );
            }
            if input.params.iter().any(|(pk, pn, _)| *pk == kind && *pn == k) {
                bail!("{kind} parameter `{k}` is given twice; {} takes one value for it", op.id);
            }
            input.params.push((kind, k, v));
        }
    }
    for kv in raw.extra {
        if !op.extra {
            bail!("{} takes no body, so no --extra-field", op.id);
        }
        let (k, v) = key_value(kv)?;
        let value = serde_json::from_str(&v)
            .with_context(|| format!("--extra-field {k}: the value must be JSON (a string is written \"...\")"))?;
        if input.extra.iter().any(|(n, _)| *n == k) {
            bail!("--extra-field `{k}` is given twice");
        }
        input.extra.push((k, value));
    }
    if let Some(b) = raw.body {
        if !op.body {
            bail!("{} takes no body", op.id);
        }
        let text = match b.strip_prefix('@') {
            // `-` and `@-`: standard input (`cec cms op --skeleton | edit | cec cms op --body -`).
            Some("-") => read_stdin()?,
            Some(file) => std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?,
            None if b == "-" => read_stdin()?,
            None => b.to_owned(),
        };
        input.body = Some(serde_json::from_str(&text).context("--body is not valid JSON")?);
    }
    Ok(input)
}
