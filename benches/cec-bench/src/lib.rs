//! Benchmarks for cec-rs; nothing to import.
//!
//! This crate exists so that heavy baselines (criterion, aws-sigv4 and its
//! smithy dependencies) stay out of the NE crates' dev-dependencies. The
//! benchmarks live in `benches/`; run them with `cargo bench -p cec-bench`.
