//! cec-rs developer tasks (the cargo-xtask convention).
//!
//! ```text
//! cargo xtask codegen [--check]   regenerate (or check) every generated file from spec/
//! cargo xtask test                unit tests, interface matrix, end-to-end demo
//! cargo xtask ci                  fmt, clippy -D warnings, codegen --check, test, fuzz-smoke
//!                                  (3 s per target), docs, MSRV, semver-checks (once a release
//!                                  tag exists), publish dry-run
//! cargo xtask fuzz-smoke [--seconds N] [--only a,b] [--dev]
//!                                  every fuzz target (fuzz/, cargo-fuzz on stable) for N s (30)
//! cargo xtask coverage            catalog vs spec vs generated vs matrix-tested, per NE; full,
//!                                  partial and outline entries (fails on a `full` entry whose
//!                                  notes say a table was not read, once it records read_from)
//! cargo xtask lint-spec           copied nested tables, samples against their tables
//! cargo xtask bench               lists the benchmarks
//! cargo xtask bench sessions [--sessions N] [--rate R] [--seconds S] [--pause-ms MS]
//!                                  agent sessions at scale against a simulator in a child process
//! cargo xtask bench sign [--rounds N]   C2 signer vs one HMAC over the canonical request, aws-sigv4
//! cargo xtask bench overhead [--rounds N] [--requests N] [--callers 1,16,256]
//!                                  SDK call vs bare reqwest (+ plain serde) on a loopback server
//! cargo xtask bench events [--rounds N]   agentevent answers decoded, events/s vs plain serde
//! cargo xtask bench footprint [--rounds N] [--keep]
//!                                  clean release build of a cec-cms-only binary vs the bare
//!                                  reqwest/rustls/tokio/serde floor: time, peak rustc RSS, size
//! cargo xtask soak [--minutes N] [--sessions N] [--rate R]
//!                                  sessions, CMS polling, downloads and a call-data import against
//!                                  a faulty simulator for N minutes (10): RSS and live heap, fds,
//!                                  tasks, events lost/repeated, rows imported; PASS/FAIL verdict
//! ```
// xtask is a developer tool: it prints, and a spec it cannot turn into code stops it loudly.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::panic, clippy::expect_used)]

mod coverage;
mod footprint;
mod fuzz;
mod gen_client;
mod gen_help;
mod gen_samples;
mod gen_stub;
mod gen_tables;
mod gen_tests;
mod lint;
mod names;
mod sim_coverage;
mod spec;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or(here)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "codegen" => codegen(&root(), rest.iter().any(|a| a == "--check")).map(|_| ()),
        "test" => test(&root()),
        "ci" => ci(&root()),
        "release-checks" => release_checks(&root()),
        // Every other benchmark is a binary of benches/cec-bench named like the bench
        // (`benches/cec-bench/src/bin/<name>.rs`), run in release.
        // Clean release builds of throw-away crates: an xtask, so the SDK is not built first.
        "bench" if rest.first().map(String::as_str) == Some("footprint") => footprint::run(&root(), &rest[1..]),
        "bench" if rest.first().is_some_and(|b| b != "sign" && !b.starts_with('-')) => {
            let mut args = vec!["run", "--release", "-p", "cec-bench", "--bin", rest[0].as_str(), "--"];
            args.extend(rest[1..].iter().map(String::as_str));
            run(&root(), "cargo", &args)
        }
        // The signer bench is its own crate outside the workspace (benches/c2-sign):
        // it builds cec-core and the signing baselines only, not the NE crates.
        "bench" if rest.first().map(String::as_str) == Some("sign") => {
            let mut args = vec![
                "run",
                "--release",
                "--manifest-path",
                "benches/c2-sign/Cargo.toml",
                "--target-dir",
                "target",
                "--bin",
                "cec-sign-bench",
                "--",
            ];
            args.extend(rest[1..].iter().map(String::as_str));
            run(&root(), "cargo", &args)
        }
        "bench" => {
            println!(
                "cargo xtask bench <name>: sign (benches/c2-sign), or a binary of benches/cec-bench/src/bin: sessions, overhead, events"
            );
            Ok(())
        }
        "coverage" => coverage::run(&root()),
        "fuzz-smoke" => fuzz::run(&root(), rest),
        "soak" => {
            let mut args = vec!["run", "--release", "-p", "cec-bench", "--bin", "soak", "--"];
            args.extend(rest.iter().map(String::as_str));
            run(&root(), "cargo", &args)
        }
        "lint-spec" => lint::run(&root()),
        _ => {
            println!(
                "usage: cargo xtask <codegen [--check] | test | ci | release-checks | coverage | lint-spec | fuzz-smoke [--seconds N] | soak [--minutes N] | bench <name> [...]: sign, or any benches/cec-bench binary (sessions, overhead, events, ...)>"
            );
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("xtask {task}: {e}");
        std::process::exit(1);
    }
}

/// Every generated file and its text.
pub fn generate(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let specs = spec::load_all(root)?;
    let mut out = Vec::new();
    for s in &specs {
        let dir = root.join("crates").join(&s.krate);
        for (file, text) in gen_client::ne_modules(s) {
            out.push((dir.join("src/generated").join(file), text));
        }
        out.push((dir.join("src/generated/stub.rs"), gen_stub::stub_module(s)));
        out.push((dir.join("tests/generated_matrix.rs"), gen_tests::matrix(s)));
        out.push((dir.join("tests/generated_samples.rs"), gen_samples::samples(s)));
    }
    out.push((root.join("crates/cec-auth/src/generated/mod.rs"), gen_client::auth_module(&specs)));
    out.push((root.join("crates/cec-cli/src/generated.rs"), gen_tables::cli_table(&specs)));
    out.push((root.join("crates/cec-cli/src/generated_help.rs"), gen_help::cli_help(&specs)));
    out.push((root.join("crates/cec-sim/src/generated.rs"), gen_tables::sim_routes(&specs)));
    out.push((root.join("crates/cec-sim/tests/generated_bodies.rs"), gen_tables::sim_bodies(&specs)));
    out.push((root.join("crates/cec-sim/tests/generated_paging.rs"), gen_tests::paging_test(&specs)));
    out.push((root.join("fuzz/src/decoders.rs"), gen_tables::fuzz_decoders(&specs)));
    let mut formatted = Vec::new();
    for (p, text) in out {
        formatted.push((p.clone(), rustfmt(root, &text).map_err(|e| format!("{}: {e}", p.display()))?));
    }
    Ok(formatted)
}

fn rustfmt(root: &Path, text: &str) -> Result<String, String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout", "--config-path"])
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let dump = std::env::temp_dir().join("xtask-rustfmt-input.rs");
        let _ = std::fs::write(&dump, text);
        return Err(format!(
            "rustfmt failed (input saved to {}): {}",
            dump.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| e.to_string())
}

/// Writes (or, with `check`, compares) every generated file. Returns the stale ones.
pub fn codegen(root: &Path, check: bool) -> Result<Vec<PathBuf>, String> {
    let mut stale = Vec::new();
    let files = generate(root)?;
    // A group module no longer generated (a group renamed or emptied) is stale too.
    let wanted: std::collections::BTreeSet<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let dirs: std::collections::BTreeSet<PathBuf> = wanted
        .iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("generated/operation")))
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "rs") && !wanted.contains(&path) {
                stale.push(path.clone());
                if check {
                    eprintln!("stale (no longer generated): {}", path.strip_prefix(root).unwrap_or(&path).display());
                } else {
                    std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    println!("removed {}", path.strip_prefix(root).unwrap_or(&path).display());
                }
            }
        }
    }
    for (path, text) in files {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current.replace("\r\n", "\n") == text {
            continue;
        }
        stale.push(path.clone());
        if check {
            eprintln!("stale: {}", path.strip_prefix(root).unwrap_or(&path).display());
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
            }
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("updated {}", path.strip_prefix(root).unwrap_or(&path).display());
        }
    }
    if check && !stale.is_empty() {
        let hint =
            if std::env::var_os("CI").is_some() { " (run `cargo xtask codegen` locally and commit)" } else { "" };
        return Err(format!("{} generated file(s) are stale{hint}", stale.len()));
    }
    Ok(stale)
}

fn run(root: &Path, cmd: &str, args: &[&str]) -> Result<(), String> {
    println!("$ {cmd} {}", args.join(" "));
    let status = Command::new(cmd).args(args).current_dir(root).status().map_err(|e| format!("{cmd}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("`{cmd} {}` failed ({status})", args.join(" "))) }
}

fn test(root: &Path) -> Result<(), String> {
    // Unit tests, the generated interface matrix (tests/generated_matrix.rs in
    // each NE crate) and the end-to-end demo against the simulator
    // (crates/cec-cli/tests/demo.rs) all run as cargo tests.
    run(root, "cargo", &["test", "--workspace", "--all-targets", "--locked"])?;
    run(root, "cargo", &["test", "--workspace", "--doc", "--locked"])
}

/// A user who depends on one NE crate (or on cec-workbench, without its `axum`
/// feature) gets neither the other NE crates nor the simulator nor axum.
fn check_isolation(root: &Path) -> Result<(), String> {
    const NE: [&str; 7] =
        ["cec-gateway", "cec-apifabric", "cec-oiap", "cec-isales", "cec-cms", "cec-fs", "cec-messaging"];
    for krate in NE.into_iter().chain(["cec-workbench"]) {
        let out = Command::new("cargo")
            .args(["tree", "--locked", "-p", krate, "-e", "normal", "--prefix", "none"])
            .current_dir(root)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!("cargo tree -p {krate} failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            let foreign = NE.contains(&name) && name != krate;
            if foreign || matches!(name, "cec-sim" | "cec-cli" | "axum" | "httpmock") {
                return Err(format!("{krate} depends on {name}: user-facing crates must stay independent"));
            }
        }
    }
    println!("dependency isolation: each NE crate pulls only cec-core and cec-auth; cec-workbench only cec-core");
    Ok(())
}

/// The library crates a user depends on (published to crates.io).
const LIBRARIES: [&str; 9] = [
    "cec-core",
    "cec-auth",
    "cec-gateway",
    "cec-apifabric",
    "cec-oiap",
    "cec-isales",
    "cec-cms",
    "cec-fs",
    "cec-messaging",
];

/// `cargo semver-checks` of the library crates against the last release tag; skipped,
/// with a message, while there is no tag.
fn semver_checks(root: &Path) -> Result<(), String> {
    let tag = Command::new("git")
        .args(["describe", "--tags", "--abbrev=0", "--match", "v*"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|t| !t.is_empty());
    let Some(tag) = tag else {
        println!("semver-checks: skipped: no release tag (v*) yet; the first `git tag v0.1.0` turns this check on");
        return Ok(());
    };
    let installed = Command::new("cargo")
        .args(["semver-checks", "--version"])
        .current_dir(root)
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err(format!(
            "semver-checks: release tag {tag} exists but cargo-semver-checks is not installed (`cargo install cargo-semver-checks --locked`)"
        ));
    }
    let mut args = vec!["semver-checks", "check-release", "--baseline-rev", tag.as_str()];
    for l in LIBRARIES {
        args.extend(["-p", l]);
    }
    run(root, "cargo", &args)
}

/// The declared `rust-version` holds: with that toolchain installed, the libraries are
/// checked with it; without it (no toolchain can be downloaded here), every normal
/// dependency of the libraries must declare no newer `rust-version`, and clippy's
/// The checks of a release: MSRV, semver (once a tag exists), publish dry-run
/// (`cargo xtask release-checks`; the end of `cargo xtask ci`).
fn release_checks(root: &Path) -> Result<(), String> {
    msrv_check(root)?;
    semver_checks(root)?;
    publish_dry_run(root)
}

/// `incompatible_msrv` lint (on in `cargo clippy`, which reads `rust-version`) refuses
/// std APIs newer than it.
fn msrv_check(root: &Path) -> Result<(), String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|e| e.to_string())?;
    let msrv = manifest
        .lines()
        .find_map(|l| {
            l.trim().strip_prefix("rust-version").map(|r| r.trim_start_matches([' ', '=']).trim_matches('"').to_owned())
        })
        .ok_or("no rust-version in Cargo.toml")?;
    let toolchains = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if toolchains
        .is_ok_and(|t| t.lines().any(|l| l.starts_with(&format!("{msrv}-")) || l.starts_with(&format!("{msrv}."))))
    {
        let tc = format!("+{msrv}");
        let mut args = vec![tc.as_str(), "check", "--locked", "--lib"];
        for l in LIBRARIES {
            args.extend(["-p", l]);
        }
        return run(root, "cargo", &args);
    }
    let out = Command::new("cargo")
        .args(["metadata", "--locked", "--format-version", "1"])
        .current_dir(root)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("cargo metadata: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    // "1.88" and "1.88.0" are the same version: compare three components.
    let parse = |v: &str| -> Vec<u64> {
        let mut p: Vec<u64> = v.split('.').map(|p| p.parse().unwrap_or(0)).collect();
        p.resize(3, 0);
        p
    };
    let ours = parse(&msrv);
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let by_id: std::collections::BTreeMap<String, &serde_json::Value> =
        packages.iter().map(|p| (p["id"].as_str().unwrap_or_default().to_owned(), p)).collect();
    // Walk the normal dependencies of the libraries in the resolve graph.
    let nodes = meta["resolve"]["nodes"].as_array().cloned().unwrap_or_default();
    let node = |id: &str| nodes.iter().find(|n| n["id"] == id).cloned();
    let mut todo: Vec<String> = packages
        .iter()
        .filter(|p| LIBRARIES.contains(&p["name"].as_str().unwrap_or_default()))
        .map(|p| p["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut newer = Vec::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(p) = by_id.get(&id)
            && let Some(rv) = p["rust_version"].as_str()
            && parse(rv) > ours
        {
            newer.push(format!(
                "{} {} needs {rv}",
                p["name"].as_str().unwrap_or("?"),
                p["version"].as_str().unwrap_or("?")
            ));
        }
        for d in node(&id).and_then(|n| n["deps"].as_array().cloned()).unwrap_or_default() {
            let normal = d["dep_kinds"].as_array().is_some_and(|k| k.iter().any(|k| k["kind"].is_null()));
            if normal && let Some(pid) = d["pkg"].as_str() {
                todo.push(pid.to_owned());
            }
        }
    }
    if !newer.is_empty() {
        return Err(format!("rust-version {msrv} is not honest: {}", newer.join("; ")));
    }
    println!(
        "msrv: toolchain {msrv} not installed; {} crates the libraries build on declare rust-version <= {msrv} (clippy's incompatible_msrv covers std APIs)",
        seen.len()
    );
    Ok(())
}

/// `cargo publish --dry-run` of every library crate, packaged together (each
/// resolves the others from the workspace). `--no-verify`: the crates are built and
/// tested by the steps before; re-building each package from scratch would double CI.
fn publish_dry_run(root: &Path) -> Result<(), String> {
    let mut args = vec!["publish", "--dry-run", "--locked", "--allow-dirty", "--no-verify"];
    for l in LIBRARIES {
        args.extend(["-p", l]);
    }
    run(root, "cargo", &args)
}

fn ci(root: &Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    run(root, "cargo", &["fmt", "--all", "--check"])?;
    codegen(root, true)?;
    println!("codegen: up to date");
    check_isolation(root)?;
    // API Fabric without its optional quality-inspection group still compiles.
    run(root, "cargo", &["check", "-p", "cec-apifabric", "--no-default-features", "--locked"])?;
    // CC-CMS with none of its group features, and with only the `agent` group.
    run(root, "cargo", &["check", "-p", "cec-cms", "--no-default-features", "--locked"])?;
    run(root, "cargo", &["check", "-p", "cec-cms", "--no-default-features", "--features", "agent", "--locked"])?;
    coverage::run(root)?;
    lint::run(root)?;
    run(root, "cargo", &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    test(root)?;
    // Every fuzz target for a few seconds, built unoptimised (the build is most of
    // the cost; see docs/reliability.md); the corpus is seeded from the spec's
    // samples each run. CEC_FUZZ_SECONDS overrides the seconds.
    let fuzz_seconds = std::env::var("CEC_FUZZ_SECONDS").unwrap_or_else(|_| "3".into());
    fuzz::run(root, &["--dev".to_owned(), "--seconds".to_owned(), fuzz_seconds])?;
    let status = Command::new("cargo")
        .args(["doc", "--workspace", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(root)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("cargo doc failed".into());
    }
    release_checks(root)?;
    println!("xtask ci: all green in {:.0?}", started.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's Rust quickstart is `crates/cec-cli/examples/quickstart.rs`, which CI compiles.
    #[test]
    fn readme_quickstart_compiles_as_an_example() {
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        let example = std::fs::read_to_string(root().join("crates/cec-cli/examples/quickstart.rs")).unwrap();
        let start = readme.find("```rust\n").expect("a rust block in README") + "```rust\n".len();
        let end = start + readme[start..].find("```").expect("closed block");
        assert!(example.ends_with(&readme[start..end]), "README quickstart and examples/quickstart.rs differ");
    }

    /// The same check as `cargo xtask codegen --check`: generated files match spec/.
    #[test]
    fn generated_code_is_fresh() {
        let stale = codegen(&root(), true);
        assert!(stale.is_ok(), "{stale:?}: run `cargo xtask codegen` and commit");
    }
}
