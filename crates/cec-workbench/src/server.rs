//! Ready-made axum handlers (feature `axum`).
//!
//! [`ivr_router`] serves one business interface at a path; mount it in your
//! own server behind TLS (the reference recommends HTTPS for business
//! interfaces), or run [`BusinessInterfaceServer`] on its own socket for tests
//! and local loops (plain HTTP).

use std::future::Future;
use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::ivr::{Answer, BusinessInterface, Failure, HttpAnswer};

/// An axum router answering `POST path` with `handler`: the request is checked
/// and parsed into `T` by [`BusinessInterface::receive`], the handler's
/// [`Answer`] (or [`Failure`]) goes back as JSON.
pub fn ivr_router<T, F, Fut>(path: &str, iface: BusinessInterface, handler: F) -> axum::Router
where
    T: DeserializeOwned + Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Answer, Failure>> + Send + 'static,
{
    let route = move |headers: HeaderMap, body: Bytes| {
        let iface = iface.clone();
        let handler = handler.clone();
        async move {
            let answer = match iface.receive::<T>(&headers, &body) {
                Ok(request) => iface.respond(handler(request).await),
                Err(e) => iface.reject(&e),
            };
            to_response(answer)
        }
    };
    axum::Router::new().route(path, axum::routing::post(route))
}

/// The axum response for an [`HttpAnswer`].
pub fn to_response(answer: HttpAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, answer.body).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(HttpAnswer::CONTENT_TYPE));
    resp
}

/// A business interface on its own socket (plain HTTP).
#[derive(Debug)]
pub struct BusinessInterfaceServer {
    addr: SocketAddr,
    path: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl BusinessInterfaceServer {
    /// Binds `addr` and serves `POST path` with `handler` (see [`ivr_router`]).
    pub async fn start<T, F, Fut>(
        addr: SocketAddr,
        path: &str,
        iface: BusinessInterface,
        handler: F,
    ) -> std::io::Result<BusinessInterfaceServer>
    where
        T: DeserializeOwned + Send + 'static,
        F: Fn(T) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<Answer, Failure>> + Send + 'static,
    {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let app = ivr_router(path, iface, handler);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "business interface server stopped");
            }
        });
        Ok(BusinessInterfaceServer { addr, path: path.to_owned(), shutdown: Some(tx), task })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr><path>`: the request URL to configure in the business interface.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.path)
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for BusinessInterfaceServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
