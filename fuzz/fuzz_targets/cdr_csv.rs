//! The CDR CSV readers of cec-fs: every row kind over arbitrary bytes, read to the end.
#![no_main]

use cec_fs::{AgentOperationRow, CallRow, RecordingRow, SkillChangeRow};

fn drain<T: cec_fs::cdr::CdrRow>(body: &[u8]) {
    for row in cec_fs::cdr::rows::<T, _>(body, "fuzz.csv") {
        if let Err(e) = row {
            let _ = e.to_string();
        }
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((kind, body)) = data.split_first() else { return };
    match kind % 4 {
        0 => drain::<CallRow>(body),
        1 => drain::<RecordingRow>(body),
        2 => drain::<AgentOperationRow>(body),
        _ => drain::<SkillChangeRow>(body),
    }
});
