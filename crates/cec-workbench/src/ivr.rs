//! The receiving side of an IVR flow's *Interface Invoking* element.
//!
//! **How the tenant configures it.** Under the flow configuration's resource
//! management, a *business interface* wraps the enterprise's RESTful
//! interface: a name, the request method and URL (its host must be on the
//! platform's trustlist; HTTPS is recommended over HTTP), and the message
//! body, generated from declared input parameters or entered by hand as a
//! template in which `${FLOW.x}` / `${GLOBAL.x}` placeholders are replaced by
//! the flow's variables. **The answer must be a JSON object.** The reference
//! recommends wrapping several back-end calls into one interface for the flow
//! rather than orchestrating them in it.
//!
//! **How the flow uses the answer.** In the element, each *variable
//! assignment* names a `FLOW` (this flow only) or `GLOBAL` (the whole call,
//! declared beforehand under variable management, typed: integer, string,
//! long, float, list or object) variable and the answer field it takes,
//! as a dotted path into nested objects: `result.name`, `result.id`. The
//! answer's fields are visible only inside the element, so anything needed
//! later must be assigned. *Condition branches* then pick the next element
//! from the variables (a common pattern: `returnCode` `"0"` for success, any
//! other value for a failure), with a default branch. Two preset branches
//! cover failures:
//!
//! | branch | taken when |
//! |---|---|
//! | `SYSERROR_INTERFACE` | the interface call failed: no connection, a timeout, an HTTP error status, an answer that is not a JSON object |
//! | `SYSERROR_INNER` | an internal error of the flow engine (ODFS) |
//!
//! If the flow does not connect a preset branch, the call goes to the flow's
//! exception handling. So: answer `200` with a JSON object whenever you can
//! answer (a business failure is a `returnCode` the flow branches on), and a
//! [`Failure`] (HTTP 5xx) only when you cannot.
//!
//! **Signature.** The business interface has a *signature* option (the third
//! party provides a shared key; the reference advises enabling it), but the
//! description of the scheme is cut off in every stored copy of the
//! reference. This crate does not guess one: [`BusinessInterface::verify_signature`]
//! is the hook where you check whatever your tenant sends (headers and the
//! exact body bytes).
//!
//! [`lookup`] resolves a dotted path the way an assignment reads the answer,
//! so a test can show which variables a flow would get.

use std::sync::Arc;

use cec_core::http::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::{Error, Result, auth_error, decode_error, validation_error};

const WHAT: &str = "ivr";
/// Largest request body accepted by default (bytes).
pub const DEFAULT_MAX_BODY: usize = 1 << 20;

/// A check of the request's signature, run on the headers and the exact body
/// bytes before anything is parsed. `Err` explains the refusal (it goes into
/// the error and the log, never into the answer).
pub trait SignatureCheck: Send + Sync + 'static {
    /// `Ok` when the request carries a valid signature.
    fn check(&self, headers: &HeaderMap, body: &[u8]) -> std::result::Result<(), String>;
}

impl<F> SignatureCheck for F
where
    F: Fn(&HeaderMap, &[u8]) -> std::result::Result<(), String> + Send + Sync + 'static,
{
    fn check(&self, headers: &HeaderMap, body: &[u8]) -> std::result::Result<(), String> {
        self(headers, body)
    }
}

/// A business interface the IVR flow calls: checks and parses the request,
/// turns the answer into the HTTP answer.
#[derive(Clone)]
pub struct BusinessInterface {
    name: String,
    signature: Option<Arc<dyn SignatureCheck>>,
    max_body: usize,
}

impl std::fmt::Debug for BusinessInterface {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusinessInterface")
            .field("name", &self.name)
            .field("signature_check", &self.signature.is_some())
            .field("max_body", &self.max_body)
            .finish()
    }
}

/// What to send back over HTTP (always a JSON object, `application/json;charset=UTF-8`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Vec<u8>,
}

impl HttpAnswer {
    /// The content type of every answer.
    pub const CONTENT_TYPE: &'static str = "application/json;charset=UTF-8";
}

impl BusinessInterface {
    /// An interface called `name` (for logs and errors), no signature check,
    /// bodies up to [`DEFAULT_MAX_BODY`].
    pub fn new(name: impl Into<String>) -> Self {
        BusinessInterface { name: name.into(), signature: None, max_body: DEFAULT_MAX_BODY }
    }

    /// The hook for the business interface's signature option (its scheme is
    /// not in the reference's stored copies): every request must pass `check`.
    pub fn verify_signature(mut self, check: impl SignatureCheck) -> Self {
        self.signature = Some(Arc::new(check));
        self
    }

    /// Refuses bodies larger than `bytes`.
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The interface's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks the signature (when a check is set) and parses the JSON body the
    /// tenant's template produced into `T` (`serde_json::Value` to take it as it
    /// is). A refused signature is [`cec_core::ErrorKind::Auth`]; a body that is
    /// too large, not JSON or not `T` is [`cec_core::ErrorKind::Decode`] with an
    /// excerpt.
    pub fn receive<T: DeserializeOwned>(&self, headers: &HeaderMap, body: &[u8]) -> Result<T> {
        if body.len() > self.max_body {
            return Err(decode_error(WHAT, "body", format!("is {} bytes, more than {}", body.len(), self.max_body)));
        }
        if let Some(check) = &self.signature
            && let Err(why) = check.check(headers, body)
        {
            return Err(auth_error(WHAT, format!("business interface `{}`: signature refused: {why}", self.name)));
        }
        serde_json::from_slice(body).map_err(|e| {
            let mut err = decode_error(WHAT, "body", format!("is not the JSON this interface takes: {e}"));
            err.0 = err.0.with_body_excerpt(body);
            err
        })
    }

    /// Receives a request and answers it with `f`: the whole exchange for a
    /// framework-free server (map [`HttpAnswer`] onto your framework's response).
    pub fn handle<T, F>(&self, headers: &HeaderMap, body: &[u8], f: F) -> HttpAnswer
    where
        T: DeserializeOwned,
        F: FnOnce(T) -> std::result::Result<Answer, Failure>,
    {
        match self.receive(headers, body) {
            Ok(req) => self.respond(f(req)),
            Err(e) => self.reject(&e),
        }
    }

    /// The HTTP answer for what the handler decided.
    pub fn respond(&self, outcome: std::result::Result<Answer, Failure>) -> HttpAnswer {
        match outcome {
            Ok(answer) => HttpAnswer { status: 200, body: answer.to_bytes() },
            Err(failure) => {
                tracing::debug!(interface = %self.name, status = failure.status, "business interface failed");
                HttpAnswer {
                    status: failure.status,
                    body: json!({ "error": failure.message }).to_string().into_bytes(),
                }
            }
        }
    }

    /// The HTTP answer for a request [`BusinessInterface::receive`] refused:
    /// 401 for a signature, 400 otherwise (the flow takes `SYSERROR_INTERFACE`
    /// either way).
    pub fn reject(&self, error: &Error) -> HttpAnswer {
        tracing::debug!(interface = %self.name, error = %error, "business interface request refused");
        let status = if error.is_auth() { 401 } else { 400 };
        let message = if error.is_auth() { "signature refused".to_owned() } else { error.message().to_owned() };
        HttpAnswer { status, body: json!({ "error": message }).to_string().into_bytes() }
    }
}

/// A failure the flow sees as `SYSERROR_INTERFACE`: an HTTP error status with
/// `{"error": message}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    status: u16,
    message: String,
}

impl Failure {
    /// HTTP `status` (a status outside 400–599 becomes 500).
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        let status = if (400..=599).contains(&status) { status } else { 500 };
        Failure { status, message: message.into() }
    }
    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        Failure::new(500, message)
    }
    /// 503: a back end the interface needs is down.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Failure::new(503, message)
    }
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
}

/// The JSON object a business interface answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer(Map<String, Value>);

impl Answer {
    /// `{}`.
    pub fn new() -> Self {
        Answer(Map::new())
    }

    /// Sets the field at a dotted `path` (`result.name`), creating the objects
    /// on the way: the path an assignment in the flow reads. Fails when a
    /// segment is empty or an existing value on the way is not an object.
    pub fn set(mut self, path: &str, value: impl Serialize) -> Result<Self> {
        let value = serde_json::to_value(value).map_err(|e| validation_error(WHAT, path, e))?;
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(validation_error(WHAT, path, "a path is names separated by single dots"));
        }
        let (last, parents) = match segments.split_last() {
            Some(x) => x,
            None => return Err(validation_error(WHAT, path, "empty path")),
        };
        let mut obj = &mut self.0;
        for seg in parents {
            let slot = obj.entry((*seg).to_owned()).or_insert_with(|| Value::Object(Map::new()));
            obj = match slot {
                Value::Object(m) => m,
                _ => return Err(validation_error(WHAT, path, format!("`{seg}` is already a value, not an object"))),
            };
        }
        obj.insert((*last).to_owned(), value);
        Ok(self)
    }

    /// Sets `returnCode` (the reference's typical flow branches on `"0"` for success).
    pub fn return_code(self, code: &str) -> Self {
        let mut this = self;
        this.0.insert("returnCode".into(), Value::String(code.to_owned()));
        this
    }

    /// The value at a dotted path (see [`lookup`]).
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut segments = path.split('.');
        let first = self.0.get(segments.next()?)?;
        segments.try_fold(first, |v, seg| v.as_object()?.get(seg))
    }

    /// Takes a JSON value that must be an object.
    pub fn from_json(value: Value) -> Result<Self> {
        match value {
            Value::Object(m) => Ok(Answer(m)),
            other => Err(validation_error(
                WHAT,
                "answer",
                format!("must be a JSON object (the flow refuses a {})", kind_of(&other)),
            )),
        }
    }

    /// The object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// As a JSON value.
    pub fn into_json(self) -> Value {
        Value::Object(self.0)
    }

    /// The JSON text.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a map of JSON values cannot fail.
        serde_json::to_vec(&self.0).unwrap_or_else(|_| b"{}".to_vec())
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The value a flow's assignment takes from an answer: `path` is object keys
/// separated by dots (`result.name`); nested objects are documented, array
/// indexes are not, so a segment never indexes an array.
pub fn lookup<'a>(answer: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(answer, |v, seg| v.as_object()?.get(seg))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use cec_core::ErrorKind;

    #[derive(Debug, serde::Deserialize)]
    struct Lookup {
        caller: String,
    }

    #[test]
    fn receive_answer_and_reject() {
        let iface = BusinessInterface::new("crm-lookup");
        let h = HeaderMap::new();
        let a = iface.handle(&h, br#"{"caller":"13800000001"}"#, |req: Lookup| {
            Answer::new()
                .return_code("0")
                .set("result.name", format!("customer {}", req.caller))
                .map_err(|e| Failure::internal(e.to_string()))
        });
        assert_eq!(a.status, 200);
        let v: Value = serde_json::from_slice(&a.body).unwrap();
        assert_eq!(v, json!({"returnCode":"0","result":{"name":"customer 13800000001"}}));
        assert_eq!(lookup(&v, "result.name"), Some(&json!("customer 13800000001")));
        assert_eq!(lookup(&v, "result.name.x"), None);

        let bad = iface.handle(&h, b"not json", |_: Value| Ok(Answer::new()));
        assert_eq!(bad.status, 400);
        let wrong = iface.receive::<Lookup>(&h, br#"{"caller":5}"#).unwrap_err();
        assert_eq!(wrong.kind(), ErrorKind::Decode);
        assert_eq!(wrong.field(), Some("body"));
        assert!(wrong.body_excerpt().unwrap().contains("caller"));
        let failed = iface.handle(&h, b"{}", |_: Value| Err(Failure::unavailable("CRM down")));
        assert_eq!(failed.status, 503);
        assert_eq!(Failure::new(200, "x").status(), 500);
        let big = BusinessInterface::new("x").max_body(4).handle(&h, b"[1,2,3]", |_: Value| Ok(Answer::new()));
        assert_eq!(big.status, 400);
    }

    #[test]
    fn the_signature_hook_runs_on_the_exact_bytes() {
        let iface = BusinessInterface::new("signed").verify_signature(|h: &HeaderMap, body: &[u8]| {
            let want = format!("len={}", body.len());
            (h.get("x-test-sig").and_then(|v| v.to_str().ok()) == Some(want.as_str()))
                .then_some(())
                .ok_or_else(|| "x-test-sig does not match".to_owned())
        });
        let mut h = HeaderMap::new();
        let refused = iface.handle(&h, b"{}", |_: Value| Ok(Answer::new()));
        assert_eq!(refused.status, 401);
        assert!(!String::from_utf8_lossy(&refused.body).contains("x-test-sig"), "the reason stays in the log");
        h.insert("x-test-sig", "len=2".parse().unwrap());
        assert_eq!(iface.handle(&h, b"{}", |_: Value| Ok(Answer::new())).status, 200);
        assert!(format!("{iface:?}").contains("signature_check: true"));
    }

    #[test]
    fn answers_are_objects_with_dotted_paths() {
        let a = Answer::new().set("a.b.c", 1).unwrap().set("a.d", "x").unwrap();
        assert_eq!(a.get("a.b.c"), Some(&json!(1)));
        assert_eq!(a.clone().into_json(), json!({"a":{"b":{"c":1},"d":"x"}}));
        assert!(a.clone().set("a.d.e", 1).is_err(), "a.d is a string");
        assert!(Answer::new().set("a..b", 1).is_err());
        assert!(Answer::from_json(json!([1])).unwrap_err().to_string().contains("array"));
        assert_eq!(Answer::from_json(json!({"k":1})).unwrap().get("k"), Some(&json!(1)));
    }
}
