//! `cargo xtask coverage`: per NE, catalog interfaces against the spec, the
//! generated code and the interface matrix, with every exception and its reason.

use std::collections::BTreeSet;
use std::path::Path;

use crate::names::snake;
use crate::spec::Spec;

/// Catalog ids of an NE, when the shared catalog is beside the repository.
fn catalog_ids(root: &Path, spec: &Spec) -> Option<Vec<String>> {
    let dir = root.parent()?.join("shared").join("cec-api");
    let mut ids = Vec::new();
    for f in &spec.catalog {
        let text = std::fs::read_to_string(dir.join(f)).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        for i in v.get("interfaces")?.as_array()? {
            if let Some(id) = i.get("id").and_then(|x| x.as_str()) {
                ids.push(id.to_owned());
            }
        }
    }
    Some(ids)
}

pub fn run(root: &Path) -> Result<(), String> {
    let specs = crate::spec::load_all(root)?;
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8}",
        "NE", "catalog", "in spec", "generated", "matrix", "callbacks", "partial", "expanded", "left out"
    );
    let mut problems = Vec::new();
    let mut left_out = Vec::new();
    let mut partial = Vec::new();
    let mut totals = [0usize; 8];
    let mut expanded = Vec::new();
    for spec in &specs {
        let dir = root.join("crates").join(&spec.krate);
        let module = std::fs::read_to_string(dir.join("src/generated/mod.rs")).unwrap_or_default();
        let matrix = std::fs::read_to_string(dir.join("tests/generated_matrix.rs")).unwrap_or_default();
        let in_spec: BTreeSet<&str> = spec.interfaces.iter().map(|i| i.id.as_str()).collect();
        let callbacks: BTreeSet<&str> = spec.callbacks.iter().map(|c| c.id.as_str()).collect();
        let omitted: BTreeSet<&str> = spec.not_in_spec.iter().map(|o| o.id.as_str()).collect();
        let catalog = catalog_ids(root, spec);
        let catalog_count = match &catalog {
            Some(ids) => {
                let unique: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                for id in &unique {
                    if !in_spec.contains(id) && !callbacks.contains(id) && !omitted.contains(id) {
                        problems
                            .push(format!("{}: catalog interface {id} is neither in the spec nor explained", spec.ne));
                    }
                }
                ids.len()
            }
            None => in_spec.len() + callbacks.len() + omitted.len(),
        };
        let generated =
            spec.interfaces.iter().filter(|i| module.contains(&format!("pub fn {}(", snake(&i.id)))).count();
        let tested =
            spec.interfaces.iter().filter(|i| matrix.contains(&format!("async fn {}()", snake(&i.id)))).count();
        let cb_tested =
            spec.callbacks.iter().filter(|c| matrix.contains(&format!("fn callback_{}()", snake(&c.id)))).count();
        for i in &spec.interfaces {
            if !module.contains(&format!("pub fn {}(", snake(&i.id))) {
                problems.push(format!("{}: {} is not generated (run cargo xtask codegen)", spec.ne, i.id));
            }
            if !matrix.contains(&format!("async fn {}()", snake(&i.id))) {
                problems.push(format!("{}: {} has no matrix test", spec.ne, i.id));
            }
            if i.detail == "outline" || i.response_raw {
                partial.push(format!(
                    "{:<12} {:<45} {}",
                    spec.ne,
                    i.id,
                    if i.response_raw { "answer passed through as raw JSON" } else { "fields incomplete" }
                ));
            }
        }
        if cb_tested != spec.callbacks.len() {
            problems.push(format!("{}: a callback has no matrix test", spec.ne));
        }
        let n_partial = spec.interfaces.iter().filter(|i| i.detail == "outline" || i.response_raw).count();
        let mut n_expanded = 0;
        for o in &spec.not_in_spec {
            if o.expanded_into.is_empty() {
                left_out.push(format!("{:<12} {:<45} {}", spec.ne, o.id, o.reason));
            } else {
                n_expanded += 1;
                expanded.push(format!(
                    "{:<12} {:<45} {} interfaces; {}",
                    spec.ne,
                    o.id,
                    o.expanded_into.len(),
                    o.reason
                ));
            }
        }
        let row = [
            catalog_count,
            in_spec.len(),
            generated,
            tested,
            spec.callbacks.len(),
            n_partial,
            n_expanded,
            spec.not_in_spec.len() - n_expanded,
        ];
        for (t, r) in totals.iter_mut().zip(row) {
            *t += r;
        }
        println!(
            "{:<12} {:>8} {:>8} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8}",
            spec.ne, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7]
        );
    }
    println!(
        "{:<12} {:>8} {:>8} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8}",
        "total", totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6], totals[7]
    );
    println!(
        "\n(catalog counts entries of the shared catalog files, duplicates included; callbacks are\n customer-hosted: generated as body types with receive/ack, tested in the matrix;\n expanded counts catalog group entries whose individual pages are spec interfaces)"
    );
    if !expanded.is_empty() {
        println!("\nCatalog groups (table-of-contents pages) expanded into their individual interfaces:");
        for e in &expanded {
            println!("  {e}");
        }
    }
    if !left_out.is_empty() {
        println!("\nLeft out of the spec, with the reason:");
        for l in &left_out {
            println!("  {l}");
        }
    }
    if !partial.is_empty() {
        println!("\nIn the spec, generated and tested, but with fields the reference pages did not show:");
        for p in &partial {
            println!("  {p}");
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        for p in &problems {
            eprintln!("  {p}");
        }
        Err(format!("{} coverage problem(s)", problems.len()))
    }
}
