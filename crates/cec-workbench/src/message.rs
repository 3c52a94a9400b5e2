//! Messages an embedded pop-up page sends to the agent workbench.
//!
//! **One-click outbound call** (`callout`): a page embedded in the workbench
//! (open mode *Embed*) lets the agent call a number shown on it; the
//! connection bar places the call and stays consistent. The page posts the
//! JSON text of the message to the workbench window with
//! `top.postMessage(text, origin)`, `origin` being the pop-up's
//! [`crate::PopupContext::origin`] (never `"*"`: the message carries a
//! customer's number). Two shapes are documented, both accepted:
//! `{"name":"callout","param":{"number":"88880523","mode":"audio"}}` and
//! `{"name":"callout","param":["88880813","video"]}`.
//!
//! Pages that load the workbench's `AICCSupport.js` (integration mode *Web
//! API*) call `AICCSupport.clickToOutbound(outboundParam)` instead;
//! [`ClickToOutbound`] builds that `outboundParam` object.

use serde_json::{Value, json};

use crate::{Result, validation_error};

const WHAT: &str = "callout";

/// Voice or video (`mode` of a callout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CallMode {
    /// `audio`: a voice call.
    #[default]
    Audio,
    /// `video`: a video call.
    Video,
}

impl CallMode {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CallMode::Audio => "audio",
            CallMode::Video => "video",
        }
    }
}

/// A one-click outbound call request (`callout`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callout {
    number: String,
    mode: CallMode,
}

fn check_number(field: &str, number: &str) -> Result<()> {
    if number.trim().is_empty() {
        return Err(validation_error(WHAT, field, "the number to call cannot be empty"));
    }
    if number.chars().any(char::is_control) {
        return Err(validation_error(WHAT, field, "the number cannot contain control characters"));
    }
    Ok(())
}

impl Callout {
    /// A voice call to `number` (not empty, no control characters; the
    /// reference sets no other rule on it).
    pub fn new(number: impl Into<String>) -> Result<Self> {
        let number = number.into();
        check_number("number", &number)?;
        Ok(Callout { number, mode: CallMode::Audio })
    }

    /// A video call instead.
    pub fn video(mut self) -> Self {
        self.mode = CallMode::Video;
        self
    }

    /// Sets the mode.
    pub fn mode(mut self, mode: CallMode) -> Self {
        self.mode = mode;
        self
    }

    /// The number to call.
    pub fn number(&self) -> &str {
        &self.number
    }

    /// The call mode.
    pub fn call_mode(&self) -> CallMode {
        self.mode
    }

    /// `{"name":"callout","param":{"number":…,"mode":…}}`.
    pub fn to_json(&self) -> Value {
        json!({ "name": "callout", "param": { "number": self.number, "mode": self.mode.as_str() } })
    }

    /// `{"name":"callout","param":[number, mode]}`, the shape of the workbench guide's sample page.
    pub fn to_json_array_form(&self) -> Value {
        json!({ "name": "callout", "param": [self.number, self.mode.as_str()] })
    }

    /// The JSON text to post (`top.postMessage(text, origin)`).
    pub fn to_message_string(&self) -> String {
        self.to_json().to_string()
    }
}

/// The media of an `AICCSupport.clickToOutbound` call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum OutboundMedia {
    /// `audio`.
    #[default]
    Audio,
    /// `video`.
    Video,
    /// `email`.
    Email,
    /// `whatsapp`.
    Whatsapp,
}

impl OutboundMedia {
    /// The value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboundMedia::Audio => "audio",
            OutboundMedia::Video => "video",
            OutboundMedia::Email => "email",
            OutboundMedia::Whatsapp => "whatsapp",
        }
    }
}

/// The `outboundParam` of `AICCSupport.clickToOutbound` (both fields mandatory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickToOutbound {
    media_type: OutboundMedia,
    called_num: String,
}

impl ClickToOutbound {
    /// An outbound contact to `called_num` over `media_type`.
    pub fn new(media_type: OutboundMedia, called_num: impl Into<String>) -> Result<Self> {
        let called_num = called_num.into();
        check_number("calledNum", &called_num)?;
        Ok(ClickToOutbound { media_type, called_num })
    }

    /// `{"mediaType":…,"calledNum":…}`.
    pub fn to_json(&self) -> Value {
        json!({ "mediaType": self.media_type.as_str(), "calledNum": self.called_num })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn both_documented_shapes() {
        let c = Callout::new("88880523").unwrap();
        assert_eq!(c.to_json(), json!({"name":"callout","param":{"number":"88880523","mode":"audio"}}));
        let v = Callout::new("88880813").unwrap().video();
        assert_eq!(v.to_json_array_form(), json!({"name":"callout","param":["88880813","video"]}));
        let text = c.to_message_string();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), c.to_json());
    }

    #[test]
    fn refuses_what_cannot_be_dialled() {
        assert_eq!(Callout::new(" ").unwrap_err().field(), Some("number"));
        assert!(Callout::new("123\n4").is_err());
        let e = ClickToOutbound::new(OutboundMedia::Email, "").unwrap_err();
        assert_eq!(e.field(), Some("calledNum"));
        let ok = ClickToOutbound::new(OutboundMedia::Whatsapp, "8613800000001").unwrap();
        assert_eq!(ok.to_json(), json!({"mediaType":"whatsapp","calledNum":"8613800000001"}));
    }
}
