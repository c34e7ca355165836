//! The accept loop: each socket takes a pre-authentication slot, optionally does a TLS
//! handshake, and is served by hyper with a header-read timeout. On shutdown every connection
//! gets a short grace period and is then dropped, whatever the client does.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::limits::Limits;
use super::preauth::{PreAuth, Slot};

/// What each connection task needs.
pub struct Listen {
    pub listener: TcpListener,
    pub router: Router,
    pub tls: Option<TlsAcceptor>,
    pub preauth: Arc<PreAuth>,
    pub limits: Limits,
    pub shutdown: CancellationToken,
    /// HTTP connection tasks (websocket sessions are tracked separately by the state).
    pub connections: TaskTracker,
}

/// Accepts until shutdown, then waits (bounded) for the connections to finish.
pub async fn run(l: Listen) {
    loop {
        let (tcp, peer) = tokio::select! {
            () = l.shutdown.cancelled() => break,
            r = l.listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Small frames must go out at once: without TCP_NODELAY a reply can wait ~40 ms on
        // Nagle's algorithm and the peer's delayed ACK.
        let _ = tcp.set_nodelay(true);
        let slot = Arc::new(l.preauth.admit(peer.ip()));
        let conn = Conn {
            router: l.router.clone(),
            limits: l.limits,
            shutdown: l.shutdown.clone(),
            peer,
            slot,
        };
        match l.tls.clone() {
            None => {
                l.connections.spawn(conn.serve(tcp));
            }
            Some(acceptor) => {
                l.connections.spawn(async move {
                    let evicted = conn.slot.evicted();
                    let handshake = tokio::time::timeout(
                        conn.limits.header_read_timeout,
                        acceptor.accept(tcp),
                    );
                    let tls = tokio::select! {
                        () = evicted.cancelled() => return,
                        () = conn.shutdown.cancelled() => return,
                        r = handshake => match r {
                            Ok(Ok(s)) => s,
                            Ok(Err(e)) => {
                                tracing::debug!(peer = %conn.peer, error = %e, "TLS handshake failed");
                                return;
                            }
                            Err(_) => return,
                        },
                    };
                    conn.serve(tls).await;
                });
            }
        }
    }
    drop(l.listener);
    l.connections.close();
    // The connections were told to stop when `shutdown` fired; they stop within their grace.
    let _ = tokio::time::timeout(
        l.limits.shutdown_grace + Duration::from_millis(500),
        l.connections.wait(),
    )
    .await;
}

struct Conn {
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
    peer: SocketAddr,
    slot: Arc<Slot>,
}

impl Conn {
    async fn serve<I>(self, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        let slot = Arc::clone(&self.slot);
        let svc = self
            .router
            .map_request(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.extensions_mut().insert(Arc::clone(&slot));
                req
            });
        let svc = TowerToHyperService::new(svc);
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            // Also bounds an idle keep-alive connection: the timer runs while the next
            // request's headers are awaited.
            .header_read_timeout(self.limits.header_read_timeout)
            .keep_alive(true);
        let conn = builder
            .serve_connection(TokioIo::new(io), svc)
            .with_upgrades();
        tokio::pin!(conn);
        let evicted = self.slot.evicted();
        // An upgraded websocket owns the slot from here on (via the request extension).
        drop(self.slot);
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(%peer, error = %e, "http connection ended");
                }
            }
            () = evicted.cancelled() => {
                tracing::debug!(%peer, "unauthenticated connection dropped to make room");
            }
            () = self.shutdown.cancelled() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(self.limits.shutdown_grace, conn.as_mut()).await;
            }
        }
    }
}
