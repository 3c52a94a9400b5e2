//! The C2 (`auth-v2`) AK/SK request signature used by CC-CMS, CC-FS and CC-iSales:
//! the fast, streaming **signer**.
//!
//! The form is the one Huawei's own public Java signer builds (`SignInfo`,
//! `SignerUtils`, `PathUtils` in the Huawei `CloudIPCC_huaweicloud_hpsdemo`
//! repository; see `docs/c2-signature.md`). Every step is a named function below
//! and is pinned by the vectors in `tests/c2-vectors.json`.
//!
//! 1. Signed headers ([`signed_headers`]): lower-cased names, sorted, joined by `;`.
//! 2. Prefix ([`auth_prefix`]): `auth-v2/{AK}/{ts}/{signedHeaders}`.
//! 3. Signing key ([`signing_key`]): lowercase hex of HMAC-SHA256(SK, prefix); the hex text is the next key.
//! 4. Canonical request ([`write_canonical`]): METHOD, path, the canonical query **only when
//!    the request has one**, signedHeaders, one `name:encode(trim(value))` line per header,
//!    then `\n` and `encode(body)`.
//! 5. Header value ([`authorization`]): `prefix + "/" + hex(HMAC-SHA256(signingKey, canonical))`.
//!
//! The signer streams the canonical request straight into the MAC; the same
//! [`write_canonical`] fills a `String` for tests and debugging. The *checking*
//! side is [`crate::verify`], written separately from this module (it shares no
//! canonicalization code with it), so that a mistake here cannot hide there.

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The headers the project signs by default, in canonical (sorted) order.
pub const SIGNED_HEADER_NAMES: [&str; 3] = ["content-length", "content-type", "host"];

/// Which headers a C2 signature covers. The verifier reads the set from the
/// prefix, so the set is the client's choice; which sets a real NE accepts can
/// only be settled on a live tenant (`cec doctor` tries each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignedHeaderSet {
    /// `host` only, as Huawei's public Java demo signs.
    Host,
    /// `content-type;host`.
    ContentTypeHost,
    /// `content-length;content-type;host`, as the reference's printed examples show (the default).
    #[default]
    ContentLengthContentTypeHost,
}

impl SignedHeaderSet {
    /// Every set, in the order `cec doctor` tries them (the default first).
    pub const ALL: [SignedHeaderSet; 3] =
        [SignedHeaderSet::ContentLengthContentTypeHost, SignedHeaderSet::ContentTypeHost, SignedHeaderSet::Host];

    /// The lower-case names, sorted.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            SignedHeaderSet::Host => &["host"],
            SignedHeaderSet::ContentTypeHost => &["content-type", "host"],
            SignedHeaderSet::ContentLengthContentTypeHost => &SIGNED_HEADER_NAMES,
        }
    }

    /// The `signedHeaders` field this set produces (`content-type;host`…).
    pub fn as_str(self) -> &'static str {
        match self {
            SignedHeaderSet::Host => "host",
            SignedHeaderSet::ContentTypeHost => "content-type;host",
            SignedHeaderSet::ContentLengthContentTypeHost => "content-length;content-type;host",
        }
    }

    /// Parses the `signedHeaders` spelling (`host`, `content-type;host`, `content-length;content-type;host`).
    pub fn parse(s: &str) -> Option<Self> {
        SignedHeaderSet::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for SignedHeaderSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the timestamp of a C2 signature is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum TimestampForm {
    /// `2026-01-15T08:30:00.123Z`, as the reference's printed examples (2021) show (the default).
    #[default]
    Millis,
    /// `2026-01-15T08:30:00Z`, as Huawei's 2018 Java demo writes it.
    Seconds,
}

impl TimestampForm {
    /// Both forms, the default first.
    pub const ALL: [TimestampForm; 2] = [TimestampForm::Millis, TimestampForm::Seconds];

    /// Formats a point in time in this form (UTC).
    pub fn format(self, t: std::time::SystemTime) -> String {
        match self {
            TimestampForm::Millis => crate::time::format_utc_millis(t),
            TimestampForm::Seconds => crate::time::format_utc_seconds(t),
        }
    }

    /// `millis` or `seconds` (the config spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            TimestampForm::Millis => "millis",
            TimestampForm::Seconds => "seconds",
        }
    }

    /// Parses `millis` / `seconds`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "millis" | "milliseconds" | "ms" => Some(TimestampForm::Millis),
            "seconds" | "s" | "no-millis" => Some(TimestampForm::Seconds),
            _ => None,
        }
    }
}

impl std::fmt::Display for TimestampForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The points of the C2 form that only a live NE can settle: the timestamp
/// form and the signed-header set. The default is the reference's printed
/// form (milliseconds, three headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct C2Dialect {
    /// How the timestamp is written.
    pub timestamp: TimestampForm,
    /// Which headers are signed.
    pub headers: SignedHeaderSet,
}

impl C2Dialect {
    /// A dialect.
    pub const fn new(timestamp: TimestampForm, headers: SignedHeaderSet) -> Self {
        C2Dialect { timestamp, headers }
    }

    /// Every dialect, the default first (what `cec doctor` tries).
    pub fn all() -> impl Iterator<Item = C2Dialect> {
        TimestampForm::ALL.into_iter().flat_map(|t| SignedHeaderSet::ALL.into_iter().map(move |h| C2Dialect::new(t, h)))
    }
}

/// `<millis|seconds>/<signed headers>`, e.g. `millis/content-length;content-type;host`.
impl std::fmt::Display for C2Dialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.timestamp, self.headers)
    }
}

impl std::str::FromStr for C2Dialect {
    type Err = String;

    /// Parses `<millis|seconds>/<signed headers>` (the [`Display`](std::fmt::Display) form).
    fn from_str(s: &str) -> Result<Self, String> {
        let (t, h) = s.split_once('/').ok_or_else(|| {
            format!("`{s}` is not <millis|seconds>/<host|content-type;host|content-length;content-type;host>")
        })?;
        let timestamp =
            TimestampForm::parse(t).ok_or_else(|| format!("timestamp form `{t}`: use millis or seconds"))?;
        let headers = SignedHeaderSet::parse(h).ok_or_else(|| {
            format!("signed headers `{h}`: use host, content-type;host or content-length;content-type;host")
        })?;
        Ok(C2Dialect { timestamp, headers })
    }
}

/// One request as the C2 signer sees it.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, any case.
    pub method: &'a str,
    /// The URI path exactly as sent (already percent-encoded where needed).
    pub path: &'a str,
    /// Query pairs, raw (not yet encoded), in any order.
    pub query: &'a [(String, String)],
    /// Headers to sign as `(name, value)`; names in any case, values as sent.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes sent (empty when none).
    pub body: &'a [u8],
}

/// True for the bytes the C2 encoding leaves alone: `A-Z a-z 0-9 - . _ ~`.
#[inline]
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Where the canonical request is written: a `String` or a running MAC.
pub trait CanonicalSink {
    /// Appends raw bytes (already canonical).
    fn put(&mut self, bytes: &[u8]);
}

impl CanonicalSink for String {
    fn put(&mut self, bytes: &[u8]) {
        // Only ASCII reaches the sink: encoded text, method, path, names.
        self.push_str(&String::from_utf8_lossy(bytes));
    }
}

impl CanonicalSink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

struct MacSink(HmacSha256);

impl CanonicalSink for MacSink {
    fn put(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

/// Input bytes encoded per block: a block's output (at most three bytes per
/// input byte) goes to the sink in one `put`. The buffer stays small and hot in
/// L1; the MAC's per-update cost is spread over hundreds of bytes.
const BLOCK: usize = 256;
/// The output buffer: a power of two of at least `3 * BLOCK` bytes, plus the
/// three bytes a 4-byte store may write past the last output byte.
const OUT: usize = 1024;
const _: () = assert!(OUT.is_power_of_two() && OUT >= 3 * BLOCK);

/// For each byte, its encoding as one little-endian `u32`: the output bytes in
/// the low three bytes (`c`, or `%`, hex high, hex low), the output length
/// (1 or 3) in the top byte.
static ENCODING: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' || c == b'~' {
            c as u32 | 1 << 24
        } else {
            b'%' as u32
                | (HEX_UPPER[(c >> 4) as usize] as u32) << 8
                | (HEX_UPPER[(c & 0xf) as usize] as u32) << 16
                | 3 << 24
        };
        b += 1;
    }
    t
};

/// Percent-encodes `input` into `sink`: every byte outside `A-Z a-z 0-9 - . _ ~`
/// becomes `%XX` with upper-case hex.
///
/// Table-driven and branch-free per byte: one table load, one 4-byte store and
/// one add (the store always writes four bytes; only the length in the entry's
/// top byte counts, the rest is overwritten by the next byte or left past the
/// end). The input goes in blocks of 256 bytes, each block's output fed to the
/// sink (the MAC) in one `put`.
pub fn encode_into<S: CanonicalSink + ?Sized>(sink: &mut S, input: &[u8]) {
    let mut out = [0u8; OUT + 4];
    for block in input.chunks(BLOCK) {
        let mut n = 0;
        for &b in block {
            let e = ENCODING[b as usize];
            // n < 3 * BLOCK <= OUT, so the mask changes nothing; it lets the
            // compiler see that the store stays in the buffer.
            let at = n & (OUT - 1);
            out[at..at + 4].copy_from_slice(&e.to_le_bytes());
            n += (e >> 24) as usize;
        }
        sink.put(&out[..n.min(OUT)]);
    }
}

/// [`encode_into`] to a new `String`.
pub fn encode(input: &[u8]) -> String {
    let mut s = String::with_capacity(input.len() * 3 / 2);
    encode_into(&mut s, input);
    s
}

/// A lower-case header name, borrowed when it already is.
fn lower(name: &str) -> Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(name.to_ascii_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// Step 1: the `signedHeaders` line: lower-cased names, sorted, joined by `;`.
pub fn signed_headers(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<Cow<'_, str>> = headers.iter().map(|(n, _)| lower(n)).collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// Step 2: `auth-v2/{AK}/{ts}/{signedHeaders}`.
pub fn auth_prefix(ak: &str, timestamp: &str, signed_headers: &str) -> String {
    let mut p = String::with_capacity(16 + ak.len() + timestamp.len() + signed_headers.len());
    p.push_str("auth-v2/");
    p.push_str(ak);
    p.push('/');
    p.push_str(timestamp);
    p.push('/');
    p.push_str(signed_headers);
    p
}

fn hex_lower_into(bytes: &[u8], out: &mut [u8]) {
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = HEX_LOWER[(b >> 4) as usize];
        out[2 * i + 1] = HEX_LOWER[(b & 0xf) as usize];
    }
}

fn hmac(key: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length (long keys are hashed), so `new_from_slice`
    // cannot fail here; the fallback only satisfies the type.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

/// Step 3: lowercase hex of HMAC-SHA256(key = SK, msg = prefix). The 64 hex
/// characters are the key of step 5.
pub fn signing_key(sk: &[u8], prefix: &str) -> [u8; 64] {
    let mut m = hmac(sk);
    m.update(prefix.as_bytes());
    let tag = m.finalize().into_bytes();
    let mut out = [0u8; 64];
    hex_lower_into(&tag, &mut out);
    out
}

/// Step 4: writes the canonical request into `sink`. Lines, joined by `\n`:
/// method (upper-case); path; the canonical query, **only when there is one**;
/// signedHeaders; one `name:encode(trim(value))` per signed header, sorted;
/// then `\n` and `encode(body)` (nothing after that `\n` when there is no body).
pub fn write_canonical<S: CanonicalSink + ?Sized>(sink: &mut S, req: &SignableRequest<'_>) {
    // method
    let mut method = [0u8; 16];
    let m = req.method.as_bytes();
    if m.len() <= method.len() {
        for (d, s) in method.iter_mut().zip(m) {
            *d = s.to_ascii_uppercase();
        }
        sink.put(&method[..m.len()]);
    } else {
        sink.put(req.method.to_ascii_uppercase().as_bytes());
    }
    sink.put(b"\n");
    // path
    sink.put(req.path.as_bytes());
    sink.put(b"\n");
    // canonical query: no line at all without a query (Huawei's signer writes none)
    if !req.query.is_empty() {
        write_canonical_query(sink, req.query);
        sink.put(b"\n");
    }
    // signedHeaders and header lines
    let mut headers: Vec<(Cow<'_, str>, &str)> = req.headers.iter().map(|(n, v)| (lower(n), v.trim())).collect();
    headers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    headers.dedup_by(|a, b| a.0 == b.0);
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            sink.put(b";");
        }
        sink.put(name.as_bytes());
    }
    for (name, value) in &headers {
        sink.put(b"\n");
        encode_into(sink, name.as_bytes());
        sink.put(b":");
        encode_into(sink, value.as_bytes());
    }
    sink.put(b"\n");
    // body
    encode_into(sink, req.body);
}

/// The canonical query: every pair written `encode(k)=encode(v)` (an empty
/// value gives `k=`), the *set* of those strings sorted as whole strings
/// (identical pairs collapse; `id2=1` sorts before `id=1`), joined by `&`.
pub fn write_canonical_query<S: CanonicalSink + ?Sized>(sink: &mut S, query: &[(String, String)]) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<String> = query
        .iter()
        .map(|(k, v)| {
            let mut p = encode(k.as_bytes());
            p.push('=');
            encode_into(&mut p, v.as_bytes());
            p
        })
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    for (i, p) in pairs.iter().enumerate() {
        if i > 0 {
            sink.put(b"&");
        }
        sink.put(p.as_bytes());
    }
}

/// Step 4 into a `String` (tests, debugging, the simulator's error messages).
pub fn canonical_request(req: &SignableRequest<'_>) -> String {
    let mut s = String::with_capacity(256 + req.body.len() * 2);
    write_canonical(&mut s, req);
    s
}

/// Step 5: the full `Authorization` header value.
pub fn authorization(ak: &str, sk: &[u8], timestamp: &str, req: &SignableRequest<'_>) -> String {
    let prefix = auth_prefix(ak, timestamp, &signed_headers(req.headers));
    let key = signing_key(sk, &prefix);
    let mut sink = MacSink(hmac(&key));
    write_canonical(&mut sink, req);
    let tag = sink.0.finalize().into_bytes();
    let mut hex = [0u8; 64];
    hex_lower_into(&tag, &mut hex);
    let mut out = String::with_capacity(prefix.len() + 65);
    out.push_str(&prefix);
    out.push('/');
    out.push_str(std::str::from_utf8(&hex).unwrap_or_default());
    out
}

/// A parsed `auth-v2` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    /// The access key.
    pub ak: &'a str,
    /// The timestamp as sent.
    pub timestamp: &'a str,
    /// The `signedHeaders` field as sent.
    pub signed_headers: &'a str,
    /// The hex signature.
    pub signature: &'a str,
}

/// Splits an `auth-v2/{AK}/{ts}/{signedHeaders}/{sig}` value; `None` when malformed.
pub fn parse_authorization(value: &str) -> Option<ParsedAuthorization<'_>> {
    let rest = value.strip_prefix("auth-v2/")?;
    let mut it = rest.splitn(4, '/');
    let ak = it.next()?;
    let timestamp = it.next()?;
    let signed_headers = it.next()?;
    let signature = it.next()?;
    if ak.is_empty() || signature.len() != 64 || !signature.bytes().all(|b| HEX_LOWER.contains(&b)) {
        return None;
    }
    Some(ParsedAuthorization { ak, timestamp, signed_headers, signature })
}

/// Constant-time comparison of two byte strings (for verifiers).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_rules() {
        assert_eq!(encode(b"AZaz09-._~"), "AZaz09-._~");
        assert_eq!(encode(b" /;=+"), "%20%2F%3B%3D%2B");
        assert_eq!(encode("é".as_bytes()), "%C3%A9");
        assert_eq!(encode(&[0u8, 255]), "%00%FF");
        let long = vec![b'"'; 2000];
        assert_eq!(encode(&long), "%22".repeat(2000));
    }

    #[test]
    fn signed_headers_sorted_lowercase() {
        let h = [("Host", "x"), ("Content-Type", "y"), ("content-length", "1")];
        assert_eq!(signed_headers(&h), "content-length;content-type;host");
    }

    #[test]
    fn parse_authorization_roundtrip() {
        let req = SignableRequest { method: "post", path: "/p", query: &[], headers: &[("host", "h")], body: b"{}" };
        let a = authorization("ak", b"sk", "2026-01-15T08:30:00.123Z", &req);
        let p = parse_authorization(&a).unwrap();
        assert_eq!(p.ak, "ak");
        assert_eq!(p.timestamp, "2026-01-15T08:30:00.123Z");
        assert_eq!(p.signed_headers, "host");
        assert!(parse_authorization("auth-v2/ak/ts/host/zz").is_none());
        assert!(parse_authorization("Bearer x").is_none());
    }

    /// The plain encoding, one byte at a time, written apart from the table.
    fn simple_encode(bytes: &[u8]) -> String {
        let mut s = String::new();
        for &b in bytes {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                s.push(char::from(b));
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
        s
    }

    /// Records every `put`, to see the blocks the MAC receives.
    struct Puts(Vec<Vec<u8>>);

    impl CanonicalSink for Puts {
        fn put(&mut self, bytes: &[u8]) {
            self.0.push(bytes.to_vec());
        }
    }

    fn check_block_encoder(bytes: &[u8]) -> Result<(), proptest::test_runner::TestCaseError> {
        let want = simple_encode(bytes);
        proptest::prop_assert_eq!(&encode(bytes), &want);
        // Into a MAC: the same tag as one HMAC over the plain encoding.
        let mut sink = MacSink(hmac(b"key"));
        encode_into(&mut sink, bytes);
        let mut m = hmac(b"key");
        m.update(want.as_bytes());
        proptest::prop_assert_eq!(sink.0.finalize().into_bytes(), m.finalize().into_bytes());
        // Fed in blocks: one put per 256 input bytes, each at most 3 x 256 bytes.
        let mut puts = Puts(Vec::new());
        encode_into(&mut puts, bytes);
        proptest::prop_assert_eq!(puts.0.len(), bytes.len().div_ceil(BLOCK));
        proptest::prop_assert!(puts.0.iter().all(|p| !p.is_empty() && p.len() <= 3 * BLOCK));
        proptest::prop_assert_eq!(puts.0.concat(), want.into_bytes());
        Ok(())
    }

    #[test]
    fn block_encoder_edges() {
        // Block boundaries with all-escaped, all-plain and mixed bytes.
        for len in [0, 1, 127, 128, 129, 255, 256, 257, 383, 384, 385, 4096] {
            for pattern in [&b"\\"[..], b"a", b"a\\", br#"{"k":"v-1.2_3~"}, "#, &[0xff, 0x00, b'Z']] {
                let bytes: Vec<u8> = pattern.iter().copied().cycle().take(len).collect();
                check_block_encoder(&bytes).unwrap();
            }
        }
        let all: Vec<u8> = (0..=255u8).collect();
        check_block_encoder(&all).unwrap();
    }

    proptest::proptest! {
        #[test]
        fn block_encoder_matches_simple_encoding(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..1500)) {
            check_block_encoder(&bytes)?;
        }

        #[test]
        fn block_encoder_matches_simple_encoding_on_json_like_text(text in "[a-zA-Z0-9\\-._~\" ,:{}\\[\\]%+/=é]{0,1500}") {
            check_block_encoder(text.as_bytes())?;
        }

        #[test]
        fn encode_is_reversible_and_ascii(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let e = encode(&bytes);
            proptest::prop_assert!(e.bytes().all(|b| is_unreserved(b) || b == b'%' || b.is_ascii_hexdigit()));
            // decode back
            let mut out = Vec::new();
            let eb = e.as_bytes();
            let mut i = 0;
            while i < eb.len() {
                if eb[i] == b'%' {
                    let h = std::str::from_utf8(&eb[i + 1..i + 3]).unwrap();
                    out.push(u8::from_str_radix(h, 16).unwrap());
                    i += 3;
                } else { out.push(eb[i]); i += 1; }
            }
            proptest::prop_assert_eq!(out, bytes);
        }

        #[test]
        fn string_and_mac_sinks_agree(body in ".{0,200}", path in "/[a-z/]{0,20}", q in proptest::collection::vec(("[a-z ]{0,5}", ".{0,5}"), 0..4)) {
            let query: Vec<(String, String)> = q;
            let headers = [("content-type", " application/json "), ("host", "h:1"), ("content-length", "3")];
            let req = SignableRequest { method: "GET", path: &path, query: &query, headers: &headers, body: body.as_bytes() };
            let canon = canonical_request(&req);
            let prefix = auth_prefix("ak", "t", &signed_headers(&headers));
            let key = signing_key(b"sk", &prefix);
            let mut m = hmac(&key);
            m.update(canon.as_bytes());
            let mut hex = [0u8; 64];
            hex_lower_into(&m.finalize().into_bytes(), &mut hex);
            let expected = format!("{prefix}/{}", std::str::from_utf8(&hex).unwrap());
            proptest::prop_assert_eq!(authorization("ak", b"sk", "t", &req), expected);
        }
    }
}
