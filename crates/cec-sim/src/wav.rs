//! Recordings: valid WAV files (8 kHz, 16-bit mono PCM) of a given length.

/// Sample rate of simulated recordings.
pub const SAMPLE_RATE: u32 = 8000;

/// A WAV file of `millis` milliseconds: a quiet tone whose pitch derives from `seed`.
/// Capped at 10 minutes.
pub fn tone(millis: u64, seed: u64) -> Vec<u8> {
    let millis = millis.min(600_000);
    let samples = (SAMPLE_RATE as u64 * millis / 1000) as u32;
    let data_len = samples * 2;
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&(SAMPLE_RATE * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    let freq = 300.0 + (seed % 500) as f64;
    for n in 0..samples {
        let t = n as f64 / SAMPLE_RATE as f64;
        let v = (t * freq * std::f64::consts::TAU).sin() * 2000.0;
        out.extend_from_slice(&(v as i16).to_le_bytes());
    }
    out
}

/// Duration in milliseconds of a WAV produced by [`tone`]; `None` if it is not one.
pub fn duration_ms(wav: &[u8]) -> Option<u64> {
    if wav.len() < 44 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" || &wav[36..40] != b"data" {
        return None;
    }
    let rate = u32::from_le_bytes([wav[24], wav[25], wav[26], wav[27]]) as u64;
    let block = u16::from_le_bytes([wav[32], wav[33]]) as u64;
    let data = u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]) as u64;
    if rate == 0 || block == 0 || data + 44 != wav.len() as u64 {
        return None;
    }
    Some(data / block * 1000 / rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_is_valid_and_has_the_length() {
        let w = tone(1500, 7);
        assert_eq!(duration_ms(&w), Some(1500));
        assert_eq!(w.len(), 44 + 8000 * 3);
        assert_eq!(duration_ms(&w[..40]), None);
    }
}
