//! The simulator's part of `cargo xtask coverage`: per NE, how many routes the
//! model serves (modelled), answer the spec's sample (sample) or refuse as not
//! simulated (refused: they change state — retry class `unsafe` — and are not
//! modelled). The modelled ids are read from `crates/cec-sim/src/model/dispatch.rs`
//! (one `("<id>", …)` entry per line, `"<ne>/<id>"` for an id two NEs share), the
//! same table the simulator serves from.

use std::collections::BTreeSet;
use std::path::Path;

use crate::gen_tables::cli_ne;
use crate::spec::Spec;

/// The ids of the simulator's dispatch table.
fn modelled_ids(root: &Path) -> Result<BTreeSet<String>, String> {
    let path = root.join("crates/cec-sim/src/model/dispatch.rs");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = text.find("pub(crate) static MODELLED").ok_or("dispatch.rs: no MODELLED table")?;
    let table = &text[start..];
    let end = table.find("\n];").ok_or("dispatch.rs: MODELLED table not closed")?;
    Ok(table[..end]
        .lines()
        .filter_map(|l| l.trim().strip_prefix("(\""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_owned)
        .collect())
}

/// Prints the table; a modelled id the spec does not have is a problem.
pub fn report(root: &Path, specs: &[Spec], problems: &mut Vec<String>) {
    let modelled = match modelled_ids(root) {
        Ok(m) => m,
        Err(e) => {
            problems.push(e);
            return;
        }
    };
    println!("\nSimulator (cec-sim), one route per method and path:");
    println!("{:<12} {:>7} {:>9} {:>7} {:>8}", "NE", "routes", "modelled", "sample", "refused");
    let mut seen = BTreeSet::new();
    let mut totals = [0usize; 4];
    for spec in specs {
        let mut row = [0usize; 4];
        let ne = cli_ne(spec);
        for i in &spec.interfaces {
            if !seen.insert((i.method.clone(), i.path.clone())) {
                continue;
            }
            row[0] += 1;
            if modelled.contains(&i.id) || modelled.contains(&format!("{ne}/{}", i.id)) {
                row[1] += 1;
            } else if i.retry == "unsafe" {
                row[3] += 1;
            } else {
                row[2] += 1;
            }
        }
        for (t, r) in totals.iter_mut().zip(row) {
            *t += r;
        }
        println!("{:<12} {:>7} {:>9} {:>7} {:>8}", spec.ne, row[0], row[1], row[2], row[3]);
    }
    println!("{:<12} {:>7} {:>9} {:>7} {:>8}", "total", totals[0], totals[1], totals[2], totals[3]);
    let mut nes_of: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    for s in specs {
        for i in &s.interfaces {
            nes_of.entry(i.id.as_str()).or_default().insert(cli_ne(s));
        }
    }
    for key in &modelled {
        let known = match key.split_once('/') {
            Some((ne, id)) => nes_of.get(id).is_some_and(|n| n.contains(ne)),
            None => nes_of.get(key.as_str()).is_some_and(|n| n.len() == 1),
        };
        if !known {
            problems.push(format!(
                "cec-sim dispatch.rs models `{key}`, which is not one NE's spec interface (an id two NEs share is written `<ne>/<id>`)"
            ));
        }
    }
}
