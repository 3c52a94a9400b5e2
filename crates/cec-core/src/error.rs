//! The one error type of cec-rs. Every NE crate wraps it (see [`crate::define_ne_error`]).

use std::fmt;

/// What went wrong, broadly. `#[non_exhaustive]`: match with a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A request field broke a documented rule; nothing was sent.
    Validation,
    /// The client is misconfigured (endpoint, TLS, credentials missing); nothing was sent.
    Config,
    /// The NE rejected the credentials: HTTP 401/403 or an auth result code
    /// (expired token, stale GUID, bad signature).
    Auth,
    /// The NE answered with a failure result code in its envelope.
    Service,
    /// HTTP status outside 2xx with no recognisable envelope.
    Http,
    /// A timeout (connect, attempt or whole operation).
    Timeout,
    /// The connection could not be made; the request was not sent.
    Connect,
    /// The connection failed while the request or response was in flight.
    Transport,
    /// The response was not the documented shape (bad JSON, wrong type, too large).
    Decode,
    /// The operation was refused locally by a rule of the SDK (ordering, state).
    Usage,
    /// A local file could not be read or written (missing directory, disk full,
    /// permission). A download that fails this way leaves nothing under its final name.
    Io,
}

/// Whether a failed request may have reached the NE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sent {
    /// Certainly not sent (validation, config, connect failure).
    No,
    /// It may have been sent and processed (timeouts, resets mid-flight).
    Maybe,
    /// The NE answered.
    Yes,
}

/// The error of every cec-rs call.
///
/// Carries the HTTP status, the NE's result code and message, the interface id,
/// the request id when the NE gives one, a bounded excerpt of an unparseable
/// body, and whether the request may have reached the server.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    sent: Sent,
    operation: Option<&'static str>,
    status: Option<u16>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
    body_excerpt: Option<String>,
    field: Option<String>,
    retry_after: Option<std::time::Duration>,
    attempts: u32,
    elapsed: Option<std::time::Duration>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// Largest body excerpt kept in an error (bytes).
pub const BODY_EXCERPT_LIMIT: usize = 512;

impl Error {
    /// A new error of `kind` with a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        let sent = match kind {
            ErrorKind::Validation | ErrorKind::Config | ErrorKind::Connect | ErrorKind::Usage => Sent::No,
            ErrorKind::Timeout | ErrorKind::Transport => Sent::Maybe,
            _ => Sent::Yes,
        };
        Error {
            inner: Box::new(Inner {
                kind,
                sent,
                operation: None,
                status: None,
                code: None,
                message: message.into(),
                request_id: None,
                body_excerpt: None,
                field: None,
                retry_after: None,
                attempts: 1,
                elapsed: None,
                source: None,
            }),
        }
    }

    /// A documented constraint broken by `field`; nothing was sent.
    pub fn validation(operation: &'static str, field: &str, rule: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorKind::Validation, format!("field `{field}`: {rule}"));
        e.inner.operation = Some(operation);
        e.inner.field = Some(field.to_owned());
        e
    }

    /// A misconfiguration.
    pub fn config(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    /// A local rule of the SDK refused the call.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message)
    }

    /// A local file error: `context` says which file and what was being done;
    /// the I/O error is the source (next in the chain, not repeated in the message).
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, context).with_source(source)
    }

    /// The NE's failure result code.
    pub fn service(code: impl Into<String>, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Service, message);
        e.inner.code = Some(code.into());
        e
    }

    /// Sets the interface id.
    pub fn with_operation(mut self, op: &'static str) -> Self {
        self.inner.operation = Some(op);
        self
    }
    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }
    /// Sets the NE's result code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.inner.code = Some(code.into());
        self
    }
    /// Sets the request id.
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.inner.request_id = id;
        self
    }
    /// Keeps a bounded excerpt of a response body (at most [`BODY_EXCERPT_LIMIT`] bytes, lossy UTF-8).
    ///
    /// String values of JSON keys that name a credential (`token`, `secret`,
    /// `password`, `pwd`, `guid`, `cookie`, `authorization`, `sk`, in any case
    /// and spelling) are replaced by `***`, also in a body cut short: a token
    /// answer that fails to decode must not put its token into an error.
    pub fn with_body_excerpt(mut self, body: &[u8]) -> Self {
        let cut = body.len().min(BODY_EXCERPT_LIMIT);
        let mut s = redact_json_secrets(&String::from_utf8_lossy(&body[..cut]));
        if body.len() > cut {
            s.push('…');
        }
        self.inner.body_excerpt = Some(s);
        self
    }
    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }
    /// Overrides whether the request may have been sent.
    pub fn with_sent(mut self, sent: Sent) -> Self {
        self.inner.sent = sent;
        self
    }
    /// Changes the kind (e.g. a service code that means "re-authenticate").
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }
    /// Sets the server's `Retry-After` hint.
    pub fn with_retry_after(mut self, d: Option<std::time::Duration>) -> Self {
        self.inner.retry_after = d;
        self
    }

    /// Records how many attempts were made and how long the whole operation
    /// took before it gave up (shown in `Display` when more than one attempt
    /// was made, or when the operation timed out).
    pub fn with_attempts(mut self, attempts: u32, elapsed: std::time::Duration) -> Self {
        self.inner.attempts = attempts.max(1);
        self.inner.elapsed = Some(elapsed);
        self
    }

    /// Attempts made before this error was returned (1 when not retried).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// How long the operation ran before it gave up, when recorded.
    pub fn elapsed(&self) -> Option<std::time::Duration> {
        self.inner.elapsed
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }
    /// The interface id (e.g. `onlineagent.login`).
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }
    /// The HTTP status, when the NE answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }
    /// The NE's result code (`retcode`, `resultCode`, `errorCode`…).
    pub fn code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }
    /// The NE's message, or ours.
    pub fn message(&self) -> &str {
        &self.inner.message
    }
    /// The request id the NE returned, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }
    /// A bounded excerpt of a body that could not be parsed.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.inner.body_excerpt.as_deref()
    }
    /// The request field a validation error is about.
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }
    /// Whether the request may have reached the NE.
    pub fn sent(&self) -> Sent {
        self.inner.sent
    }
    /// True unless the request certainly never left the client.
    pub fn may_have_been_sent(&self) -> bool {
        self.inner.sent != Sent::No
    }
    /// The server's `Retry-After` hint.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.inner.retry_after
    }
    /// Credentials rejected: refresh or sign in again.
    pub fn is_auth(&self) -> bool {
        self.inner.kind == ErrorKind::Auth
    }
    /// A timeout of any kind.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }
    /// HTTP 429.
    pub fn is_throttled(&self) -> bool {
        self.inner.status == Some(429)
    }
    /// Failed before sending because of a documented constraint.
    pub fn is_validation(&self) -> bool {
        self.inner.kind == ErrorKind::Validation
    }

    /// Whether repeating the same request could succeed: throttling, 5xx,
    /// timeouts and connection failures. Whether it is *safe* to repeat is the
    /// interface's retry class; the SDK checks both before it retries.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Transport => true,
            ErrorKind::Http | ErrorKind::Service => {
                matches!(self.inner.status, Some(429 | 502 | 503 | 504))
                    || (self.inner.kind == ErrorKind::Http && matches!(self.inner.status, Some(500)))
            }
            _ => false,
        }
    }
}

/// True when a JSON key names a credential.
fn is_secret_key(key: &str) -> bool {
    let k: String = key.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    k == "sk"
        || ["token", "secret", "password", "passwd", "pwd", "guid", "cookie", "authorization"]
            .iter()
            .any(|w| k.contains(w))
}

/// `text` (JSON, possibly cut short or malformed) with the string values of
/// credential-naming keys replaced by `***`. Everything else is kept as it is.
fn redact_json_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // The last string read, when nothing but white space followed it yet.
    let mut last_key: Option<String> = None;
    let mut after_colon_of: Option<String> = None;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let (lit, tail) = split_string_literal(rest);
            match after_colon_of.take() {
                Some(key) if is_secret_key(&key) => {
                    out.push_str(if lit.len() > 1 && lit.ends_with('"') { "\"***\"" } else { "\"***" });
                }
                _ => {
                    out.push_str(lit);
                    last_key = Some(lit.trim_matches('"').to_owned());
                }
            }
            rest = tail;
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if c == ':' {
            after_colon_of = last_key.take();
        } else if !c.is_whitespace() {
            last_key = None;
            after_colon_of = None;
        }
    }
    out
}

/// Splits `s` (starting with `"`) after its closing quote (escapes honoured), or at its end.
fn split_string_literal(s: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate().skip(1) {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return s.split_at(i + 1),
            _ => {}
        }
    }
    (s, "")
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind).field("sent", &self.inner.sent);
        if let Some(op) = self.inner.operation {
            d.field("operation", &op);
        }
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.inner.code {
            d.field("code", c);
        }
        d.field("message", &self.inner.message);
        if let Some(r) = &self.inner.request_id {
            d.field("request_id", r);
        }
        if let Some(b) = &self.inner.body_excerpt {
            d.field("body_excerpt", b);
        }
        if self.inner.attempts > 1 {
            d.field("attempts", &self.inner.attempts);
        }
        if let Some(e) = self.inner.elapsed {
            d.field("elapsed", &e);
        }
        if let Some(s) = &self.inner.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.inner.kind {
            ErrorKind::Validation => "invalid request",
            ErrorKind::Config => "configuration error",
            ErrorKind::Auth => "authentication failed",
            ErrorKind::Service => "service error",
            ErrorKind::Http => "HTTP error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Connect => "connection failed",
            ErrorKind::Transport => "transport error",
            ErrorKind::Decode => "unexpected response",
            ErrorKind::Usage => "not allowed",
            ErrorKind::Io => "file error",
        };
        f.write_str(kind)?;
        if let Some(op) = self.inner.operation {
            write!(f, " in {op}")?;
        }
        if let Some(s) = self.inner.status {
            write!(f, " (HTTP {s})")?;
        }
        if let Some(c) = &self.inner.code {
            write!(f, " [{c}]")?;
        }
        if !self.inner.message.is_empty() {
            write!(f, ": {}", self.inner.message)?;
        }
        match (self.inner.attempts, self.inner.elapsed) {
            (n, Some(e)) if n > 1 => write!(f, " (gave up after {n} attempts in {:.1} s)", e.as_secs_f64())?,
            (_, Some(e)) if self.inner.kind == ErrorKind::Timeout => {
                write!(f, " (1 attempt in {:.1} s)", e.as_secs_f64())?
            }
            _ => {}
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Defines an NE crate's error type: a newtype over [`Error`] that keeps every
/// field (code, message, status, request id) and adds nothing that could drift.
///
/// With `codes = Type` (the NE's generated `ResultCode` table) the error also has
/// `result_code()`: the NE's code as that enum, matchable, unknown codes kept as
/// `Unknown(raw)`.
#[macro_export]
macro_rules! define_ne_error {
    ($(#[$meta:meta])* $name:ident, $ne:literal, codes = $codes:ty) => {
        $crate::define_ne_error!($(#[$meta])* $name, $ne);

        impl $name {
            /// The NE's result code as the generated code table (`None` when the NE gave no
            /// code); a code the table does not list is `Unknown(raw)`. The raw text stays
            /// available as `code()`.
            pub fn result_code(&self) -> Option<$codes> {
                self.0.code().map(<$codes>::from_code)
            }
        }
    };
    ($(#[$meta:meta])* $name:ident, $ne:literal) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub struct $name(pub $crate::Error);

        impl $name {
            /// The NE this error came from.
            pub const NE: &'static str = $ne;
            /// The underlying core error.
            pub fn into_inner(self) -> $crate::Error {
                self.0
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = $crate::Error;
            fn deref(&self) -> &$crate::Error {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}: {}", $ne, self.0)
            }
        }

        impl ::std::error::Error for $name {
            // Display already shows the core error; its own source comes next in the chain
            // (so `{:#}` and error reporters do not print the same text twice).
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                ::std::error::Error::source(&self.0)
            }
        }

        impl From<$crate::Error> for $name {
            fn from(e: $crate::Error) -> Self {
                $name(e)
            }
        }

        impl From<$name> for $crate::Error {
            fn from(e: $name) -> Self {
                e.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::define_ne_error!(
        /// An NE error for the tests.
        TestNeError,
        "Test NE"
    );

    #[test]
    fn ne_error_chain_does_not_repeat_its_text() {
        let e = TestNeError::from(Error::service("100-007", "agent is in a call"));
        assert_eq!(e.to_string().matches("agent is in a call").count(), 1, "{e}");
        assert!(std::error::Error::source(&e).is_none(), "the core error is shown, not chained again");
        let io = std::io::Error::other("socket closed");
        let e = TestNeError::from(Error::new(ErrorKind::Transport, "send failed").with_source(io));
        let chained = std::error::Error::source(&e).map(|s| s.to_string());
        assert_eq!(chained.as_deref(), Some("socket closed"));
    }

    use super::*;

    #[test]
    fn display_has_everything() {
        let e = Error::service("100-006", "agent not signed in").with_operation("voicecall.answer").with_status(200);
        assert_eq!(e.to_string(), "service error in voicecall.answer (HTTP 200) [100-006]: agent not signed in");
        assert!(e.may_have_been_sent());
        assert!(!e.is_retryable());
    }

    #[test]
    fn excerpts_hide_credential_values() {
        let body =
            br#"{"AccessToken":"tok-1","AppKey":"app","result":{"guid" : "g-2", "n": 3},"app_secret":"s\"3","token"#;
        let e = Error::new(ErrorKind::Decode, "bad").with_body_excerpt(body);
        let x = e.body_excerpt().unwrap();
        assert_eq!(
            x,
            r#"{"AccessToken":"***","AppKey":"app","result":{"guid" : "***", "n": 3},"app_secret":"***","token"#
        );
        // Cut inside a secret value: the part that arrived is hidden too.
        let e = Error::new(ErrorKind::Decode, "bad").with_body_excerpt(br#"{"authToken":"f46be09e93"#);
        assert_eq!(e.body_excerpt().unwrap(), r#"{"authToken":"***"#);
        // Values of other keys, and a key-like text inside a value, stay.
        let e = Error::new(ErrorKind::Decode, "bad").with_body_excerpt(br#"{"msg":"token","x":["guid","v"]}"#);
        assert_eq!(e.body_excerpt().unwrap(), r#"{"msg":"token","x":["guid","v"]}"#);
    }

    #[test]
    fn excerpt_is_bounded() {
        let body = vec![b'x'; 10_000];
        let e = Error::new(ErrorKind::Decode, "bad").with_body_excerpt(&body);
        assert!(e.body_excerpt().unwrap().len() <= BODY_EXCERPT_LIMIT + 3);
    }

    #[test]
    fn validation_is_not_sent() {
        let e = Error::validation("onlineagent.login", "agentid", "must be 101..=999999");
        assert!(!e.may_have_been_sent());
        assert_eq!(e.field(), Some("agentid"));
        assert!(e.to_string().contains("agentid"));
    }
}
