//! Exit codes by error class, for scripts (documented in the README):
//!
//! | code | class |
//! |---|---|
//! | 0 | success |
//! | 1 | anything else (a local file, an unexpected failure) |
//! | 2 | usage: a wrong command line or configuration (unknown operation or parameter, missing endpoint or credentials) |
//! | 3 | validation: a field broke a documented rule; nothing was sent |
//! | 4 | authentication: credentials, token, signature or GUID rejected |
//! | 5 | service error: the NE answered with a failure code (or an unexpected answer) |
//! | 6 | transport or timeout: the NE could not be reached or did not answer in time (retryable) |
//! | 7 | partial success of a batch job (`cec fs sync`): some items failed, each one reported |

use cec_core::ErrorKind;

pub const OTHER: u8 = 1;
pub const USAGE: u8 = 2;
pub const VALIDATION: u8 = 3;
pub const AUTH: u8 = 4;
pub const SERVICE: u8 = 5;
pub const TRANSPORT: u8 = 6;
pub const PARTIAL: u8 = 7;

/// A mistake on the command line: exits with [`USAGE`].
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A usage error.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(msg.into()))
}

/// Marks an error of the command line (its text kept, its chain flattened into it).
pub fn as_usage(e: anyhow::Error) -> anyhow::Error {
    if core_error(&e).is_some() { e } else { usage(format!("{e:#}")) }
}

/// The cec-rs error inside `e`, whichever NE crate wrapped it.
pub fn core_error(e: &anyhow::Error) -> Option<&cec_core::Error> {
    for c in e.chain() {
        if let Some(x) = c.downcast_ref::<cec_core::Error>() {
            return Some(x);
        }
        macro_rules! ne {
            ($($t:ty),*) => {$(
                if let Some(x) = c.downcast_ref::<$t>() {
                    return Some(x);
                }
            )*};
        }
        ne!(
            cec_gateway::Error,
            cec_apifabric::Error,
            cec_oiap::Error,
            cec_isales::Error,
            cec_cms::Error,
            cec_fs::Error
        );
    }
    None
}

/// The exit code of a failed command.
pub fn code(e: &anyhow::Error) -> u8 {
    if e.chain().any(|c| c.downcast_ref::<Usage>().is_some() || c.downcast_ref::<clap::Error>().is_some()) {
        return USAGE;
    }
    let Some(core) = core_error(e) else { return OTHER };
    match core.kind() {
        ErrorKind::Validation => VALIDATION,
        ErrorKind::Config | ErrorKind::Usage => USAGE,
        ErrorKind::Auth => AUTH,
        ErrorKind::Service | ErrorKind::Http | ErrorKind::Decode => SERVICE,
        ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport => TRANSPORT,
        _ => OTHER,
    }
}

/// Advice printed under an error: how to get a GUID, where the config file was looked for.
pub fn hint(e: &anyhow::Error, config_searched: &[String]) -> Option<String> {
    let text = format!("{e:#}");
    if text.contains("no GUID") {
        return Some(
            "hint: sign an agent in and keep its session: `cec gateway onlineagent.login --path agentid=ID \
             --body '{\"password\":\"…\",\"phonenum\":\"…\"}' --save` (later `cec gateway …` calls use it), \
             or set CEC_GATEWAY_GUID"
                .into(),
        );
    }
    if core_error(e).is_some_and(|c| c.code() == Some("100-002")) {
        return Some(
            "hint: the agent is signed in elsewhere: `cec agent watch|bar --force` (or `cec gateway onlineagent.forcelogin`) takes the session over"
                .into(),
        );
    }
    if core_error(e).is_some_and(|c| c.kind() == ErrorKind::Config) && text.contains("is not set") {
        let where_ = if config_searched.is_empty() {
            String::new()
        } else {
            format!("no config file was found (searched: {}); ", config_searched.join(", "))
        };
        return Some(format!(
            "hint: {where_}run `cec configure` to write one, or set the CEC_<NE>_<KEY> variables (`cec sim --env` prints them for the simulator)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let e = |k| anyhow::Error::new(cec_cms::Error::from(cec_core::Error::new(k, "x")));
        assert_eq!(code(&e(ErrorKind::Validation)), VALIDATION);
        assert_eq!(code(&e(ErrorKind::Auth)), AUTH);
        assert_eq!(code(&e(ErrorKind::Service)), SERVICE);
        assert_eq!(code(&e(ErrorKind::Timeout)), TRANSPORT);
        assert_eq!(code(&e(ErrorKind::Connect)), TRANSPORT);
        assert_eq!(code(&usage("bad")), USAGE);
        assert_eq!(code(&anyhow::anyhow!("other")), OTHER);
        let wrapped = anyhow::Error::new(cec_core::Error::new(ErrorKind::Auth, "x")).context("calling");
        assert_eq!(code(&wrapped), AUTH);
    }
}
