//! Every cms interface's answer decoding: status, headers and body from the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let a = cec_fuzz::Answer::split(data);
    cec_fuzz::decoders::cms(a.which, a.status, &a.headers, a.body);
});
