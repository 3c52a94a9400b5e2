//! The profile loader (TOML file plus `CEC_*` variables) and the C2 dialect parser.
#![no_main]

use std::str::FromStr;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The input: a profile file, then after the first NUL the values of a few variables.
    let mut parts = data.split(|b| *b == 0);
    let file_text = cec_fuzz::text(parts.next().unwrap_or_default());
    let vars: Vec<String> = parts.map(cec_fuzz::text).collect();
    let names = ["CEC_CMS_SK", "CEC_CMS_VDN", "CEC_CMS_C2_DIALECT", "CEC_INSECURE_SKIP_TLS_VERIFY", "CEC_PROFILE"];
    let env = |k: &str| names.iter().position(|n| *n == k).and_then(|i| vars.get(i).cloned());
    thread_local! {
        static FILE: std::path::PathBuf =
            std::env::temp_dir().join(format!("cec-fuzz-profile-{}.toml", std::process::id()));
    }
    let path = FILE.with(|p| p.clone());
    if std::fs::write(&path, file_text.as_bytes()).is_err() {
        return;
    }
    if let Ok(p) = cec_core::profile::Profile::load(Some(&path), None, &env) {
        for ne in cec_core::profile::NES {
            let _ = p.ne(ne).dialect(ne);
        }
    }
    let _ = cec_core::sign::C2Dialect::from_str(&file_text);
});
