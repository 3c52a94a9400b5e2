//! `cec cms watch agents|queues|teams` (a refreshing table) and `cec cms wallboard`
//! (a live web page, see `wallboard.rs`); any other word is a CC-CMS interface id.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use cec_cms::indicators::format_duration;
use cec_cms::monitor::state_label;
use cec_cms::{QueueStatus, TenantDefaults};
use clap::{Args, Subcommand, ValueEnum};
use futures_util::TryStreamExt;
use serde_json::{Value, json};

use crate::{OutputFormat, ops, profile};

/// `cec cms …`.
#[derive(Debug, Args)]
pub struct CmsArgs {
    #[command(subcommand)]
    cmd: CmsCmd,
}

#[derive(Debug, Subcommand)]
enum CmsCmd {
    /// A refreshing table of queues, agents or team counts (decoded values; changes highlighted).
    Watch(WatchArgs),
    /// A live web page for a wall screen, refreshed by server-sent events.
    Wallboard(crate::wallboard::WallboardArgs),
    /// A CC-CMS interface by id (see `cec ops cms`), e.g. `cec cms skill.rindex --body @req.json`.
    #[command(external_subcommand)]
    Op(Vec<String>),
}

/// What `watch` shows.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Watched {
    /// Every agent's state.
    Agents,
    /// Skill queues: waiting, longest wait, agents.
    Queues,
    /// Counts of agents by state.
    Teams,
}

/// The tenant and the selection every monitoring command shares.
#[derive(Debug, Args, Clone)]
pub struct Selection {
    /// Skill queue ids (default: every queue configured in the VDN).
    #[arg(long, value_delimiter = ',')]
    pub skills: Vec<i64>,
    /// Agent ids (default: every agent configured in the VDN).
    #[arg(long, value_delimiter = ',')]
    pub agents: Vec<i64>,
    /// Call center id (`ccId`).
    #[arg(long, default_value_t = 1)]
    pub cc_id: i64,
    /// VDN id (default: the profile's `vdn`, else 1).
    #[arg(long)]
    pub vdn: Option<i64>,
    /// Seconds between two snapshots.
    #[arg(long, default_value_t = 2.0)]
    pub interval: f64,
}

#[derive(Debug, Args)]
struct WatchArgs {
    /// agents, queues or teams.
    #[arg(value_enum)]
    what: Watched,
    #[command(flatten)]
    sel: Selection,
    /// `json`: one JSON object per snapshot; `table`: plain tables (default: redraw in place on a terminal).
    #[arg(long, value_enum)]
    output: Option<OutputFormat>,
    /// Stop after this many snapshots (default: until Ctrl-C).
    #[arg(long)]
    count: Option<u64>,
}

/// Runs `cec cms …`.
pub async fn run(
    a: CmsArgs,
    config: Option<PathBuf>,
    profile_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    match a.cmd {
        CmsCmd::Op(words) => {
            let op = crate::parse_op("cms", words)?;
            crate::call("cms", op, config, profile_name, env).await
        }
        CmsCmd::Watch(w) => {
            let client = client(&w.sel, config, profile_name, env)?;
            watch(&client, &w).await
        }
        CmsCmd::Wallboard(b) => {
            let client = client(&b.sel, config, profile_name, env)?;
            crate::wallboard::serve(client, b).await
        }
    }
}

/// The CMS client of the profile with the selection's tenant.
pub fn client(
    sel: &Selection,
    config: Option<PathBuf>,
    profile_name: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<cec_cms::Client> {
    let p = profile::load(config.as_deref(), profile_name.as_deref(), env)?;
    let vdn = sel.vdn.or(p.ne("cms").vdn).unwrap_or(1);
    let client = ops::Clients::new(p).cms()?;
    Ok(client.with_tenant(TenantDefaults::new().cc_id(sel.cc_id).vdn(vdn)))
}

/// Skill ids and names: the selection's, else every configured queue.
pub async fn skills(client: &cec_cms::Client, sel: &Selection) -> anyhow::Result<Vec<(i64, String)>> {
    let configured = client.skill_queues().await.context("listing the VDN's skill queues")?;
    let name = |id: i64| configured.iter().find(|q| q.id == id).map(|q| q.name.clone()).unwrap_or_default();
    if sel.skills.is_empty() {
        Ok(configured.iter().map(|q| (q.id, q.name.clone())).collect())
    } else {
        Ok(sel.skills.iter().map(|s| (*s, name(*s))).collect())
    }
}

/// Agent ids: the selection's, else every configured agent.
pub async fn agents(client: &cec_cms::Client, sel: &Selection) -> anyhow::Result<Vec<i64>> {
    if !sel.agents.is_empty() {
        return Ok(sel.agents.clone());
    }
    let ids: Vec<i64> =
        client.configured_agents().map_ok(|a| a.agent_id).try_collect().await.context("listing the VDN's agents")?;
    Ok(ids)
}

/// Seconds as a `Duration` (at least 0.2 s).
pub fn interval(secs: f64) -> Duration {
    Duration::from_secs_f64(if secs.is_finite() { secs.max(0.2) } else { 2.0 })
}

/// One table: a header and rows of cells.
#[derive(Debug, Default, Clone, PartialEq)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn queue_row(q: &QueueStatus, name: &str) -> Vec<String> {
    vec![
        q.skill.to_string(),
        name.to_string(),
        q.waiting.to_string(),
        format_duration(q.longest_wait),
        q.available.to_string(),
        q.talking.to_string(),
        q.busy.to_string(),
        q.wrap_up.to_string(),
        q.rest.to_string(),
        q.signed_in.to_string(),
    ]
}

async fn snapshot(
    client: &cec_cms::Client,
    what: Watched,
    skills: &[(i64, String)],
    agents: &[i64],
) -> anyhow::Result<(Table, Value)> {
    match what {
        Watched::Queues => {
            let ids: Vec<i64> = skills.iter().map(|s| s.0).collect();
            let rows = client.queue_status(&ids).await?;
            let name = |id: i64| skills.iter().find(|s| s.0 == id).map(|s| s.1.as_str()).unwrap_or("");
            let table = Table {
                header: [
                    "skill",
                    "name",
                    "waiting",
                    "longest",
                    "available",
                    "talking",
                    "busy",
                    "wrap-up",
                    "rest",
                    "signed in",
                ]
                .map(String::from)
                .to_vec(),
                rows: rows.iter().map(|q| queue_row(q, name(q.skill))).collect(),
            };
            let json: Vec<Value> = rows
                .iter()
                .map(|q| {
                    let mut v = serde_json::to_value(q).unwrap_or(Value::Null);
                    v["name"] = json!(name(q.skill));
                    v
                })
                .collect();
            Ok((table, json!({ "queues": json })))
        }
        Watched::Agents => {
            let s = client.agents_by_state(agents).await?;
            let table = Table {
                header: ["agent", "state", "for", "previous", "signed in"].map(String::from).to_vec(),
                rows: s
                    .agents
                    .iter()
                    .map(|a| {
                        vec![
                            a.agent_id.to_string(),
                            state_label(&a.state),
                            format_duration(a.in_state_for),
                            a.prev_state.as_ref().map(state_label).unwrap_or_default(),
                            a.logon.map(|_| "yes".to_string()).unwrap_or_else(|| "no".into()),
                        ]
                    })
                    .collect(),
            };
            Ok((table, json!({ "agents": s.agents })))
        }
        Watched::Teams => {
            let t = client.team_status(agents).await?;
            let pairs = [
                ("signed in", t.signed_in),
                ("available", t.available),
                ("idle", t.idle),
                ("talking", t.talking),
                ("ringing", t.answering),
                ("busy", t.busy),
                ("wrap-up", t.wrap_up),
                ("rest", t.rest),
                ("learning", t.learning),
            ];
            let table = Table {
                header: pairs.iter().map(|p| p.0.to_string()).collect(),
                rows: vec![pairs.iter().map(|p| p.1.to_string()).collect()],
            };
            Ok((table, json!({ "team": t, "agents": agents })))
        }
    }
}

/// The table as text; cells that differ from `before` are wrapped in `mark` (ANSI reverse).
fn render(t: &Table, before: Option<&Table>, mark: bool) -> String {
    let mut width: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
    for r in &t.rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = width.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let line = |cells: &[String], changed: &dyn Fn(usize) -> bool, out: &mut String| {
        for (i, c) in cells.iter().enumerate() {
            let w = width.get(i).copied().unwrap_or(0);
            let cell = format!("{c:>w$}");
            if mark && changed(i) {
                out.push_str(&format!("\x1b[7m{cell}\x1b[0m  "));
            } else {
                out.push_str(&cell);
                out.push_str("  ");
            }
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    };
    line(&t.header, &|_| false, &mut out);
    for (ri, r) in t.rows.iter().enumerate() {
        let prev = before.and_then(|b| b.rows.get(ri));
        line(r, &|i| prev.is_some_and(|p| p.get(i) != r.get(i)), &mut out);
    }
    out
}

async fn watch(client: &cec_cms::Client, w: &WatchArgs) -> anyhow::Result<()> {
    let skills = if w.what == Watched::Queues { skills(client, &w.sel).await? } else { Vec::new() };
    let agents = if w.what == Watched::Queues { Vec::new() } else { agents(client, &w.sel).await? };
    let every = interval(w.sel.interval);
    let live = w.output.is_none() && std::io::stdout().is_terminal();
    let mut before: Option<Table> = None;
    let mut n = 0u64;
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        let (table, json) = snapshot(client, w.what, &skills, &agents).await?;
        let at = now_ms();
        match w.output {
            Some(OutputFormat::Json) => {
                let mut v = json;
                v["t"] = json!(at);
                outln!("{v}")?;
            }
            _ if live => {
                // Home, clear, redraw; changed cells in reverse video.
                let head = format!("cec cms watch {:?} — every {:.1}s — Ctrl-C to stop", w.what, every.as_secs_f64());
                outln!("\x1b[H\x1b[2J{}\n\n{}", head.to_lowercase(), render(&table, before.as_ref(), true).trim_end())?;
            }
            _ => {
                outln!("# snapshot at {at} ms since the epoch")?;
                outln!("{}", render(&table, None, false))?;
            }
        }
        before = Some(table);
        n += 1;
        if w.count.is_some_and(|c| n >= c) {
            return Ok(());
        }
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_cells_are_marked() {
        let a = Table { header: vec!["a".into(), "b".into()], rows: vec![vec!["1".into(), "2".into()]] };
        let b = Table { header: a.header.clone(), rows: vec![vec!["1".into(), "3".into()]] };
        let text = render(&b, Some(&a), true);
        assert!(text.contains("\x1b[7m3\x1b[0m"), "{text:?}");
        assert!(!text.contains("\x1b[7m1"), "{text:?}");
        assert_eq!(render(&b, Some(&a), false), "a  b\n1  3\n");
    }
}
