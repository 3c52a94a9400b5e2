//! Agent sessions across calls: `cec gateway onlineagent.login --save` keeps the GUID
//! in a per-profile session file (mode 0600) that later `cec gateway …` calls use and
//! update when the gateway rotates the GUID (`Set-GUID`); `cec agent sign-out` (or a
//! `logout` through `cec gateway`) clears it.
//!
//! Where: `$CEC_SESSION_DIR/<profile>.json`, default `<config dir>/cec/sessions/`.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// A saved agent session.
#[derive(Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    /// The agent signed in, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// The GUID the gateway gave (a secret).
    pub guid: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("agent", &self.agent).field("guid", &"<redacted>").finish()
    }
}

/// The session file of `profile` (`--profile`, else `CEC_PROFILE`, else `default`).
pub fn path(profile: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let name = profile.map(str::to_owned).or_else(|| env("CEC_PROFILE")).unwrap_or_else(|| "default".into());
    let safe: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    let dir = env("CEC_SESSION_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::config_dir().map(|d| d.join("cec").join("sessions")))?;
    Some(dir.join(format!("{safe}.json")))
}

/// The saved session, if there is one.
pub fn load(path: &Path) -> anyhow::Result<Option<Session>> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let s: Session = serde_json::from_str(&text)
                .map_err(|_| anyhow::anyhow!("session file {} is not a saved session; delete it", path.display()))?;
            Ok(Some(s))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading session file {}", path.display())),
    }
}

/// Writes `s` to `path` (mode 0600, written to a temporary name, then renamed).
pub fn save(path: &Path, s: &Session) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    let text = serde_json::to_string_pretty(s)?;
    write_private(&tmp, text.as_bytes()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Writes a file only its owner can read.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(bytes)?;
    f.sync_all()
}

/// Removes the session file; whether there was one.
pub fn clear(path: &Path) -> anyhow::Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("removing session file {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_private_and_cleared() {
        let dir = std::env::temp_dir().join(format!("cec-cli-session-{}", std::process::id()));
        let env = |k: &str| (k == "CEC_SESSION_DIR").then(|| dir.display().to_string());
        let p = path(Some("lab"), &env).unwrap();
        assert!(p.ends_with("lab.json"));
        let s = Session { agent: Some("1001".into()), guid: "g-secret".into() };
        assert!(!format!("{s:?}").contains("g-secret"));
        save(&p, &s).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(load(&p).unwrap(), Some(s));
        assert!(clear(&p).unwrap());
        assert!(load(&p).unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
