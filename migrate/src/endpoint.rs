//! `GET /metrics` on 127.0.0.1: the exposition text of a
//! [`MigrationMetrics`], for Prometheus to scrape.
//!
//! The server binds a loopback address only (the port the OS picks, or one
//! given), runs on a one-thread tokio runtime of its own so it never takes
//! a core from the service, and stops when its handle is dropped.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::sync::oneshot;

use crate::metrics::MigrationMetrics;

/// The endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("could not bind the metrics endpoint to 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error("could not start the metrics endpoint's runtime: {0}")]
    Runtime(std::io::Error),
}

/// A running `/metrics` endpoint; dropping it stops the server.
#[derive(Debug)]
pub struct MetricsEndpoint {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// The content type of the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

impl MetricsEndpoint {
    /// Serves `metrics` on 127.0.0.1:`port` (0: any free port).
    pub fn start(metrics: Arc<MigrationMetrics>, port: u16) -> Result<Self, EndpointError> {
        let bind = |source| EndpointError::Bind { port, source };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map_err(EndpointError::Runtime)?;
        let (stop, stopped) = oneshot::channel::<()>();
        let router = Router::new().route(
            "/metrics",
            get(move || {
                let metrics = Arc::clone(&metrics);
                async move {
                    match metrics.encode() {
                        Ok(text) => (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], text)
                            .into_response(),
                        Err(e) => {
                            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
                        }
                    }
                }
            }),
        );
        let thread = std::thread::Builder::new()
            .name("twinbench-metrics".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(listener, router)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.await;
                        })
                        .await;
                });
            })
            .map_err(EndpointError::Runtime)?;
        Ok(Self {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Where it listens (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsEndpoint {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
