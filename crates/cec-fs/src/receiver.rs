//! The built-in CDR-ready receiver (feature `receiver`): an axum server that hands
//! every delivery to a [`NoticeInbox`].

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

use crate::notice::NoticeInbox;

/// A running receiver; stops when dropped or on [`shutdown`](Self::shutdown).
#[derive(Debug)]
pub struct NoticeReceiver {
    addr: SocketAddr,
    inbox: Arc<NoticeInbox>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl NoticeReceiver {
    /// Listens on `addr` (any path, any method) and feeds `inbox`.
    pub async fn bind(addr: SocketAddr, inbox: Arc<NoticeInbox>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = inbox.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let inbox = shared.clone();
            async move {
                let a = inbox.handle(method.as_str(), uri.path(), uri.query(), &headers, &body);
                let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::BAD_REQUEST);
                (status, axum::Json(a.body)).into_response()
            }
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "CDR-ready receiver stopped");
            }
        });
        Ok(NoticeReceiver { addr, inbox, stop: Some(tx), task: Some(task) })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>/cdr-ready`: the URL to give CC-FS when nothing (NAT, a proxy)
    /// stands between CC-FS and this address.
    pub fn url(&self) -> String {
        format!("http://{}/cdr-ready", self.addr)
    }

    /// The inbox it feeds.
    pub fn inbox(&self) -> &Arc<NoticeInbox> {
        &self.inbox
    }

    /// Stops listening and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for NoticeReceiver {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
