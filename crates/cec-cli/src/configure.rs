//! `cec configure [--profile P]`: asks for each NE's endpoint and credentials and
//! writes them into the config file (mode 0600, written to a temporary name and
//! renamed). Secrets are read without echo on a terminal; from a pipe, one line each.
//! An empty endpoint skips that NE and keeps what the file had for it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, anyhow};
use clap::Args;

/// `cec configure`.
#[derive(Debug, Args)]
pub struct ConfigureArgs {}

/// The keys asked per NE: `(key, secret)`.
fn keys(ne: &str) -> &'static [(&'static str, bool)] {
    match ne {
        "gateway" => &[],
        "apifabric" => &[("app_key", false), ("app_secret", true)],
        "oiap" => &[("app_key", false), ("app_secret", true)],
        "messaging" => &[],
        _ => &[("ak", false), ("sk", true)],
    }
}

#[allow(clippy::print_stderr)]
fn prompt(text: &str) {
    eprint!("{text}");
    let _ = std::io::stderr().flush();
}

fn read_line(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> anyhow::Result<String> {
    Ok(lines.next().transpose().context("reading standard input")?.unwrap_or_default().trim().to_owned())
}

/// A secret typed on the terminal, not echoed.
fn read_secret_tty() -> anyhow::Result<String> {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    crossterm::terminal::enable_raw_mode().context("terminal raw mode")?;
    let mut s = String::new();
    let r = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => break Err(anyhow!("cancelled")),
                KeyCode::Backspace => {
                    s.pop();
                }
                KeyCode::Char(c) => s.push(c),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(anyhow!("reading the terminal: {e}")),
        }
    };
    let _ = crossterm::terminal::disable_raw_mode();
    prompt("\n");
    r.map(|()| s)
}

/// Runs `cec configure`.
pub fn run(_a: ConfigureArgs, config: Option<&Path>, profile: Option<&str>) -> anyhow::Result<()> {
    let env = |k: &str| std::env::var(k).ok();
    let path =
        cec_core::profile::config_path(config, &env).ok_or_else(|| anyhow!("no config directory: give --config"))?;
    let name = profile.map(str::to_owned).or_else(|| env("CEC_PROFILE")).unwrap_or_else(|| "default".into());
    let mut doc: toml::Table = match std::fs::read_to_string(&path) {
        Ok(t) => t.parse().map_err(|_| anyhow!("{} is not valid TOML; fix or move it first", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => toml::Table::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let tty = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    prompt(&format!("Profile `{name}` in {} (an empty endpoint skips that NE)\n", path.display()));
    let mut set = Vec::new();
    for ne in cec_core::profile::NES {
        prompt(&format!("{ne} endpoint (https://host:port): "));
        let endpoint = read_line(&mut lines)?;
        if endpoint.is_empty() {
            continue;
        }
        let mut t = toml::Table::new();
        t.insert("endpoint".into(), toml::Value::String(endpoint));
        for (key, secret) in keys(ne) {
            prompt(&format!("{ne} {key}{}: ", if *secret { " (not shown)" } else { "" }));
            let v = if *secret && tty { read_secret_tty()? } else { read_line(&mut lines)? };
            if !v.is_empty() {
                t.insert((*key).into(), toml::Value::String(v));
            }
        }
        set.push((ne, t));
    }
    let profiles = doc.entry("profiles").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let profiles = profiles.as_table_mut().ok_or_else(|| anyhow!("`profiles` in {} is not a table", path.display()))?;
    let p = profiles.entry(name.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let p = p.as_table_mut().ok_or_else(|| anyhow!("profile `{name}` is not a table"))?;
    for (ne, t) in set {
        p.insert(ne.to_owned(), toml::Value::Table(t));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = toml::to_string(&doc).context("writing the profile")?;
    let tmp = path.with_extension("toml.tmp");
    crate::session::write_private(&tmp, text.as_bytes()).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    prompt(&format!("wrote profile `{name}` to {} (mode 0600)\n", path.display()));
    Ok(())
}

/// Warns when the config file holds a secret and others may read it.
pub fn warn_if_readable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else { return };
        if meta.permissions().mode() & 0o077 == 0 {
            return;
        }
        let Ok(text) = std::fs::read_to_string(path) else { return };
        let holds_secret = text.lines().any(|l| {
            let k = l.split('=').next().unwrap_or("").trim();
            matches!(k, "sk" | "app_secret" | "guid")
        });
        if holds_secret {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!(
                        "warning: {} holds secrets and others can read it (mode {:o}): chmod 600 {}",
                        path.display(),
                        meta.permissions().mode() & 0o777,
                        path.display()
                    );
                }
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
