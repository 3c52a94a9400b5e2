//! Static description of one interface, emitted by `cargo xtask codegen` from the spec.

/// How an interface authenticates; the NE client's [`crate::Authorizer`] acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// No credentials (sign-in and token interfaces).
    None,
    /// CC-Gateway GUID header (C4 agent, C5 config).
    Guid,
    /// API Fabric Bearer token with `X-APP-Key` (C1).
    Bearer,
    /// C1 plus the web-chat `ccmessaging-token`.
    BearerMessaging,
    /// CC-Messaging web channel: the `ccmessaging-token` cookie alone.
    MessagingCookie,
    /// AK/SK request signature (C2) or, when configured, a C1 Bearer token.
    Signature,
    /// OIAP token (C3/C6), placed as given.
    OiapToken(TokenPlacement),
}

/// Where an OIAP token goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlacement {
    /// A field of the JSON body, as a dotted path (`authToken`, `inparams.auth_token`).
    Body(&'static str),
    /// Headers `username: <appKey>` and `token: <token>` (system-level integration).
    Headers,
}

/// Whether the SDK may repeat a request that may have reached the NE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Queries and other requests that can be repeated without effect.
    Safe,
    /// Call control and data writes: never repeated automatically once they may have been sent.
    Unsafe,
}

/// What a success response carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    /// A JSON document.
    Json,
    /// A file (recording, zip); errors still come as the NE's JSON envelope.
    Binary,
}

/// How an NE tells success from failure in its JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// Candidate result-code fields, first present wins (`retcode`, `resultCode`…).
    pub code_fields: &'static [&'static str],
    /// Codes meaning success (compared as text; numbers are formatted).
    pub success: &'static [&'static str],
    /// Candidate message fields, first present wins.
    pub message_fields: &'static [&'static str],
    /// Codes that mean "credentials rejected, authenticate again".
    pub auth_codes: &'static [&'static str],
    /// When true a body without any code field is a decode error; when false it is success.
    pub code_required: bool,
}

impl Envelope {
    /// No envelope: any 2xx JSON body is the result.
    pub const NONE: Envelope =
        Envelope { code_fields: &[], success: &[], message_fields: &[], auth_codes: &[], code_required: false };
}

/// One interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMeta {
    /// Spec id, e.g. `onlineagent.login`.
    pub id: &'static str,
    /// NE name as the reference spells it.
    pub ne: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template with `{param}` placeholders, as sent on the wire.
    pub path: &'static str,
    /// Authentication.
    pub auth: AuthKind,
    /// Retry class.
    pub retry: RetryClass,
    /// Envelope.
    pub envelope: &'static Envelope,
    /// Response kind.
    pub response: ResponseKind,
    /// Reference page.
    pub doc: &'static str,
}
