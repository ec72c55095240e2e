//! One TCP connection, served with hyper's HTTP/1, and what each request carries from its
//! connection into the routes: a [`ConnectionAbort`], with which a handler closes its own
//! connection without answering (the drop fault, what a client sees when a proxy or
//! server dies mid-request).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tower::ServiceExt as _;

use crate::outcome::Outcome;
use crate::request_log;
use crate::state::AppState;

/// Slow clients get this long to send their request headers.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `stream` on its own task until the client or the server closes it.
pub fn spawn(stream: TcpStream, router: Router, graceful: &GracefulShutdown) {
    let abort = ConnectionAbort::default();
    let service_abort = abort.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(service_abort.clone());
        let router = router.clone();
        async move {
            Ok::<_, Infallible>(
                router
                    .oneshot(request)
                    .await
                    .unwrap_or_else(|never| match never {}),
            )
        }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        tokio::select! {
            // Client-side errors (resets, timeouts) are routine; nothing to report.
            _ = connection => {}
            // Dropping the connection future closes the socket with no response.
            () = abort.triggered() => {}
        }
    });
}

/// Lets a handler close its own TCP connection without answering.
#[derive(Clone, Default)]
pub struct ConnectionAbort(Arc<Notify>);

impl ConnectionAbort {
    pub fn trigger(&self) {
        // notify_one keeps a permit, so a trigger before the wait is not lost.
        self.0.notify_one();
    }

    async fn triggered(&self) {
        self.0.notified().await;
    }
}

/// Closes the caller's TCP connection without any response (the drop fault).
pub(crate) async fn drop_connection(
    state: &AppState,
    abort: Option<ConnectionAbort>,
    what: &str,
) -> Response {
    match abort {
        Some(abort) => {
            if state.config().request_log {
                request_log::log_line(&format!("{what}: connection dropped (injected fault)"));
            }
            abort.trigger();
            // The connection task drops this future along with the connection.
            std::future::pending().await
        }
        None => axum::response::IntoResponse::into_response(Outcome::internal(
            "The drop fault needs the connection handling of fhir_media_endpoint::Server; \
             this app is served some other way, so the connection was not dropped.",
        )),
    }
}
