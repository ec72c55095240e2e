//! One TCP connection: hyper's HTTP/1 with the slow-client limits, and what each request
//! carries from its connection into the routes.
//!
//! - A client has `--header-timeout-secs` to send a request head; hyper runs the same
//!   timer while a keep-alive connection sits idle, so that is the idle limit too.
//! - A request body must have arrived `--body-timeout-secs` after its head
//!   ([`DeadlineBody`]); a client that trickles it is cut off and the connection closed.
//! - [`ConnectionAbort`] lets a handler close its own connection without answering: the
//!   drop fault, what a client sees when a proxy or server dies mid-request.

use std::convert::Infallible;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tokio::time::Sleep;
use tower::ServiceExt as _;

use crate::outcome::Outcome;
use crate::request_log;
use crate::state::AppState;

/// The slow-client limits of every connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

/// Serves `stream` on its own task until the client or the server closes it. `permit`
/// is the connection's slot under `--max-connections`, given back when it ends.
pub fn spawn(
    stream: TcpStream,
    router: Router,
    graceful: &GracefulShutdown,
    limits: Limits,
    permit: OwnedSemaphorePermit,
) {
    let abort = ConnectionAbort::default();
    let service_abort = abort.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        // The head has arrived: from now on the body has `body_timeout` to follow.
        let mut request =
            request.map(|body| Body::new(DeadlineBody::new(body, limits.body_timeout)));
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
        .header_read_timeout(limits.header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        let _slot = permit;
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

/// The error a request body gives once its deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive within {0:?}")]
pub struct BodyTimeout(pub Duration);

/// A request body that fails with [`BodyTimeout`] if it has not ended by its deadline.
/// hyper then closes the connection, as the rest of the body can no longer be read.
pub struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
}

impl DeadlineBody {
    pub fn new(inner: Incoming, limit: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
            limit,
        }
    }
}

impl hyper::body::Body for DeadlineBody {
    type Data = hyper::body::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(self.limit))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The body deadline, if that is what a body read error (as axum hands it to a handler) was.
pub fn body_timeout(err: &(dyn std::error::Error + 'static)) -> Option<Duration> {
    let mut source = Some(err);
    while let Some(err) = source {
        if let Some(BodyTimeout(limit)) = err.downcast_ref::<BodyTimeout>() {
            return Some(*limit);
        }
        source = err.source();
    }
    None
}
