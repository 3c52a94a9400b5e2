//! The simulator's scenario parser (TOML).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = cec_sim::Scenario::from_toml(&cec_fuzz::text(data)) {
        let _ = e.to_string();
    }
});
