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

/// Phrases that say a table was not (wholly) read. An entry marked `full` whose notes,
/// `missing` text or field descriptions say one of these is not full.
pub const NOT_READ_PHRASES: [&str; 16] = [
    "not captured",
    "continues",
    "not re-checked",
    "not rechecked",
    "not read",
    "time budget",
    "incomplete",
    "cut off",
    "cut at",
    "truncated",
    "not shown",
    "not visible",
    "unreadable",
    "stops at",
    "stopped at",
    "fields unknown",
];

/// The narrower list checked in field descriptions and constraints, where words such as
/// "incomplete" or "truncated" can describe the data itself.
pub const NOT_READ_IN_FIELDS: [&str; 8] = [
    "not captured",
    "not re-checked",
    "not rechecked",
    "time budget",
    "unreadable",
    "fields unknown",
    "fields not read",
    "table not read",
];

/// The first phrase of [`NOT_READ_PHRASES`] found in `text` (case-insensitive, whole words).
pub fn not_read_phrase(text: &str) -> Option<&'static str> {
    phrase_in(text, &NOT_READ_PHRASES)
}

fn phrase_in(text: &str, phrases: &[&'static str]) -> Option<&'static str> {
    let lower = text.to_lowercase();
    phrases.iter().copied().find(|p| {
        lower.match_indices(p).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + p.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// Every text of an interface that can say it was not wholly read: notes and `missing`
/// first, then the descriptions and constraints of every field, nested ones included.
fn review_texts(i: &crate::spec::Interface) -> Vec<(String, String)> {
    fn walk(at: &str, fields: &[crate::spec::Field], out: &mut Vec<(String, String)>) {
        for f in fields {
            let here = format!("{at}.{}", f.name);
            out.push((here.clone(), f.desc.clone()));
            if let Some(c) = &f.constraints {
                out.push((here.clone(), c.clone()));
            }
            walk(&here, &f.fields, out);
        }
    }
    let mut out = vec![("notes".to_owned(), i.notes.clone())];
    if let Some(m) = &i.missing {
        out.push(("missing".to_owned(), m.clone()));
    }
    for (name, list) in [
        ("path", &i.path_params),
        ("query", &i.query_params),
        ("header", &i.headers),
        ("body", &i.body),
        ("response", &i.response),
        ("response_header", &i.response_headers),
    ] {
        walk(name, list, &mut out);
    }
    out
}

/// A `full` entry that says it was not wholly read: `(where, phrase)`.
pub fn dishonest_full(i: &crate::spec::Interface) -> Option<(String, &'static str)> {
    if i.detail != "full" {
        return None;
    }
    review_texts(i).into_iter().find_map(|(at, text)| {
        let found = if at == "notes" || at == "missing" {
            not_read_phrase(&text)
        } else {
            phrase_in(&text, &NOT_READ_IN_FIELDS)
        };
        found.map(|p| (at, p))
    })
}

pub fn run(root: &Path) -> Result<(), String> {
    let specs = crate::spec::load_all(root)?;
    println!(
        "{:<12} {:>7} {:>7} {:>9} {:>6} {:>9} {:>5} {:>7} {:>7} {:>4} {:>9} {:>8} {:>8}",
        "NE",
        "catalog",
        "in spec",
        "generated",
        "matrix",
        "callbacks",
        "full",
        "partial",
        "outline",
        "raw",
        "read_from",
        "expanded",
        "left out"
    );
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut left_out = Vec::new();
    let mut partial = Vec::new();
    let mut unsearched = Vec::new();
    let mut searched = 0usize;
    let mut totals = [0usize; 12];
    let mut expanded = Vec::new();
    for spec in &specs {
        let dir = root.join("crates").join(&spec.krate);
        // The generated client: `generated/mod.rs` and its split parts (`codes.rs`,
        // `operation/<group>.rs`), read as one text.
        let module = generated_text(&dir.join("src/generated"));
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
            if let Some((at, phrase)) = dishonest_full(i) {
                let line = format!(
                    "{}: {} is marked full but its {at} says {phrase:?} (mark it partial with `missing`, or re-read it)",
                    spec.ne, i.id
                );
                if i.read_from.is_empty() { warnings.push(line) } else { problems.push(line) }
            }
            if i.detail != "full" || i.response_raw {
                let what = match (i.detail.as_str(), i.response_raw) {
                    (_, true) => "answer passed through as raw JSON".to_owned(),
                    (d, _) => format!("{d}: {}", i.missing.as_deref().unwrap_or("fields incomplete")),
                };
                partial.push(format!("{:<12} {:<45} {what}", spec.ne, i.id));
            }
            if i.detail != "full" {
                match &i.searched {
                    Some(s) => {
                        searched += 1;
                        partial.push(format!("{:<12} {:<45}   searched {}: {}", "", "", s.date, s.outcome));
                    }
                    None => unsearched.push(format!("{:<12} {}", spec.ne, i.id)),
                }
            }
        }
        if cb_tested != spec.callbacks.len() {
            problems.push(format!("{}: a callback has no matrix test", spec.ne));
        }
        let count = |d: &str| spec.interfaces.iter().filter(|i| i.detail == d).count();
        let n_raw = spec.interfaces.iter().filter(|i| i.response_raw).count();
        let n_read = spec.interfaces.iter().filter(|i| !i.read_from.is_empty()).count();
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
            count("full"),
            count("partial"),
            count("outline"),
            n_raw,
            n_read,
            n_expanded,
            spec.not_in_spec.len() - n_expanded,
        ];
        for (t, r) in totals.iter_mut().zip(row) {
            *t += r;
        }
        print_row(&spec.ne, &row);
    }
    print_row("total", &totals);
    println!(
        "\n(catalog counts entries of the shared catalog files, duplicates included; callbacks are\n customer-hosted: generated as body types with receive/ack, tested in the matrix;\n full/partial/outline is each entry's `detail`; raw counts answers passed through as raw JSON;\n read_from counts entries that record the copies of the page they were read from;\n expanded counts catalog group entries whose individual pages are spec interfaces)"
    );
    let not_reread = totals[1] - totals[9];
    println!("{not_reread} interface(s) record no read_from yet (not re-read in the second pass)");
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
    println!(
        "\n{searched} of {} partial/outline entries record a search of every kind of copy (`searched`: {})",
        searched + unsearched.len(),
        crate::spec::COPY_KINDS.join(", ")
    );
    for u in &unsearched {
        problems.push(format!(
            "{u}: a partial/outline entry without a `searched` record (look for every kind of copy, then record it)"
        ));
    }
    if !warnings.is_empty() {
        println!("\n{} warning(s) (entries not re-read yet; they fail once they record read_from):", warnings.len());
        for w in &warnings {
            println!("  {w}");
        }
    }
    crate::sim_coverage::report(root, &specs, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        for p in &problems {
            eprintln!("  {p}");
        }
        Err(format!("{} coverage problem(s)", problems.len()))
    }
}

fn print_row(name: &str, r: &[usize; 12]) {
    println!(
        "{:<12} {:>7} {:>7} {:>9} {:>6} {:>9} {:>5} {:>7} {:>7} {:>4} {:>9} {:>8} {:>8}",
        name, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]
    );
}

/// Every `.rs` file under a crate's `generated/` directory (sorted, so the text is
/// stable), concatenated; the stub trait (`stub.rs`) is left out, since it names every
/// method too and must not stand in for the client.
fn generated_text(dir: &Path) -> String {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("stub.rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files.iter().filter_map(|p| std::fs::read_to_string(p).ok()).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_only() {
        assert_eq!(not_read_phrase("Detail item fields not read."), Some("not read"));
        assert_eq!(not_read_phrase("the table CONTINUES on the next page"), Some("continues"));
        assert_eq!(not_read_phrase("(fields not captured)"), Some("not captured"));
        assert_eq!(not_read_phrase("not ready yet"), None);
        assert_eq!(not_read_phrase("discontinues"), None);
        assert_eq!(not_read_phrase("every table read"), None);
    }
}
