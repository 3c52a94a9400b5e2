//! [`FabricAccess`]: a customer's access through API Fabric (feature `fabric`):
//! the `ccmessaging-token` (`ccmessaging.applyToken`) and the media cache
//! (`ccmessaging.uploadFileStream`, `ccmessaging.downloadFileStream`), ready to
//! hand to [`ChatSession::connect`](crate::ChatSession::connect).
//!
//! The API Fabric client keeps the token it applied for and sends it as the
//! `ccmessaging-token` header of the media cache calls; a renewed token an
//! answer carries replaces it there.

use base64::Engine as _;
use cec_core::{Error as CoreError, ErrorKind, Secret};

use crate::chat::CustomerAccess;

/// The customer's access through API Fabric for one web channel user.
#[derive(Debug, Clone)]
pub struct FabricAccess {
    af: cec_apifabric::Client,
    user: String,
    name: String,
    channel: String,
    locale: String,
}

impl FabricAccess {
    /// The access of web channel user `user` on channel `channel` (its
    /// configuration id), through `af`; display name "Customer", locale `en`.
    pub fn new(af: cec_apifabric::Client, user: impl Into<String>, channel: impl Into<String>) -> FabricAccess {
        FabricAccess { af, user: user.into(), name: "Customer".into(), channel: channel.into(), locale: "en".into() }
    }

    /// The user's display name (`userName` of `applyToken`).
    pub fn name(mut self, name: impl Into<String>) -> FabricAccess {
        self.name = name.into();
        self
    }

    /// The user's language (`locale` of `applyToken`).
    pub fn locale(mut self, locale: impl Into<String>) -> FabricAccess {
        self.locale = locale.into();
        self
    }

    /// The API Fabric client (its token store holds the `ccmessaging-token`).
    pub fn client(&self) -> &cec_apifabric::Client {
        &self.af
    }

    /// The user id.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Fetches a file of the media cache (`ccmessaging.downloadFileStream`;
    /// `file_type` the file's type, e.g. the `mediaFileType` of the message
    /// that named it). A token must have been applied for first.
    pub async fn download(&self, file_id: &str, file_type: &str) -> Result<Vec<u8>, CoreError> {
        let r = self
            .af
            .ccmessaging_download_file_stream()
            .file_id(file_id)
            .file_type(file_type)
            .channel("WEB")
            .send()
            .await
            .map_err(|e| e.into_inner())?;
        let b64 = r.file_stream.unwrap_or_default();
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| CoreError::new(ErrorKind::Decode, "downloadFileStream: fileStream is not Base64"))
    }
}

#[async_trait::async_trait]
impl CustomerAccess for FabricAccess {
    async fn apply_token(&self) -> Result<Secret<String>, CoreError> {
        let r = self
            .af
            .ccmessaging_apply_token()
            .user_id(self.user.clone())
            .user_name(self.name.clone())
            .channel_id(self.channel.clone())
            .locale(self.locale.clone())
            .send()
            .await
            .map_err(|e| e.into_inner())?;
        r.token.ok_or_else(|| CoreError::new(ErrorKind::Decode, "applyToken answered no token"))
    }

    async fn upload(&self, file_type: &str, bytes: &[u8]) -> Result<String, CoreError> {
        let r = self
            .af
            .ccmessaging_upload_file_stream()
            .file_type(file_type)
            .file_stream(base64::engine::general_purpose::STANDARD.encode(bytes))
            .channel("WEB")
            .send()
            .await
            .map_err(|e| e.into_inner())?;
        r.object_key
            .filter(|k| !k.is_empty())
            .ok_or_else(|| CoreError::new(ErrorKind::Decode, "uploadFileStream answered no objectKey"))
    }
}
