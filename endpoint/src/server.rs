//! Binding, the accept loop and graceful shutdown.
//!
//! Connections are served one by one with hyper (rather than `axum::serve`) so that each
//! gets the slow-client limits and a [`crate::connection::ConnectionAbort`] for the drop
//! fault ([`crate::connection`]). At most `--max-connections` are served at once: at the
//! cap the loop stops accepting, so further clients wait in the kernel's accept queue and
//! are served, in order, as slots free. They are delayed, never answered half-way or
//! reset, and the timeouts bound how long any client can hold a slot.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::connection::{self, Limits};
use crate::request_log::log_line;
use crate::routes::app;
use crate::state::{AppState, StateError};

/// How long shutdown waits for requests in flight before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error(transparent)]
    State(#[from] StateError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("could not write the startup line to stdout: {0}")]
    Stdout(std::io::Error),
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
}

impl Server {
    /// Validates the configuration, opens the data directory and binds the address.
    pub async fn bind(mut config: Config) -> Result<Self, ServeError> {
        config.validate().map_err(ServeError::Config)?;
        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: config.addr,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?;
        // URLs built without a Host header must name the real port, not `:0`.
        config.addr = local_addr;
        let state = AppState::new(config)?;
        Ok(Self {
            listener,
            local_addr,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then stops accepting and lets requests in
    /// flight finish (up to a grace period).
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let config = self.state.config();
        let limits = Limits {
            header_timeout: config.header_timeout,
            body_timeout: config.body_timeout,
        };
        let slots = Arc::new(Semaphore::new(config.max_connections));
        let router = app(self.state.clone());
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            // A free slot first, then accept: at the cap, new clients queue in the kernel.
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_closed) => break,
                },
                () = &mut shutdown => break,
            };
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            match accepted {
                Ok((stream, _peer)) => {
                    let _ = stream.set_nodelay(true);
                    connection::spawn(stream, router.clone(), &graceful, limits, permit);
                }
                Err(err) => {
                    // Usually out of file descriptors: back off instead of spinning.
                    log_line(&format!("accept failed: {err}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        drop(self.listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(SHUTDOWN_GRACE) => {
                log_line("shutdown: gave up waiting for open requests");
            }
        }
        Ok(())
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed when this is
/// called, not when the future is first polled: a script that sends SIGTERM right
/// after reading the startup line must get a clean shutdown, not the default kill.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        let install = |kind: SignalKind, name: &str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(err) => {
                log_line(&format!(
                    "warning: cannot handle {name} ({err}); it will stop the server abruptly"
                ));
                None
            }
        };
        let terminate = install(SignalKind::terminate(), "SIGTERM");
        let interrupt = install(SignalKind::interrupt(), "SIGINT");
        async fn received(signal: Option<Signal>) {
            match signal {
                Some(mut signal) => {
                    signal.recv().await;
                }
                None => std::future::pending().await,
            }
        }
        async move {
            tokio::select! {
                () = received(terminate) => {}
                () = received(interrupt) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Binds, prints `listening on http://<addr>` to stdout, and serves until SIGINT or
/// SIGTERM.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let server = Server::bind(config).await?;
    let shutdown = shutdown_signal();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{}", server.local_addr())
            .map_err(ServeError::Stdout)?;
        stdout.flush().map_err(ServeError::Stdout)?;
    }
    server.run_until(shutdown).await?;
    log_line("shut down cleanly");
    Ok(())
}
