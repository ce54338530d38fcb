//! Accepting connections with bounds: a limit on open connections, a deadline for a request's
//! headers, an idle timeout between requests, a deadline for a whole request (a trickled body
//! included), and a check of the `Host` header against the names this server answers to.
//!
//! `axum::serve` has none of these: idle and trickling connections stayed open for ever, and a
//! few hundred of them exhausted the file descriptors so that `/healthz` timed out.

use crate::access::Peer;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// The bounds of the listener.
#[derive(Debug, Clone)]
pub struct Bounds {
    /// Open connections at most (more are closed as soon as they are accepted).
    pub max_connections: usize,
    /// A request's headers must arrive within this.
    pub header_read: Duration,
    /// A connection with no traffic for this long is closed (after its current request).
    pub idle: Duration,
    /// A request must be answered within this, its body included.
    pub request: Duration,
}

/// The connection limit when none is given: the process's open-file limit less a reserve for
/// the store, logs and data files, between 16 and 4096.
#[must_use]
pub fn default_max_connections() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits").ok().and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("Max open files"))
            .and_then(|l| l.split_whitespace().nth(3))
            .and_then(|n| n.parse::<usize>().ok())
    });
    soft.map_or(1024, |n| n.saturating_sub(64)).clamp(16, 4096)
}

/// A stream that notes when it last moved a byte.
struct Tracked<T> {
    inner: T,
    last: Arc<AtomicU64>,
    start: Instant,
}

impl<T> Tracked<T> {
    fn touch(&self) {
        let ms = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(ms, Ordering::Relaxed);
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tracked<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tracked<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serve `app` on `listener` within `bounds` (over TLS when `tls` is given) until `shutdown`
/// completes; then stop accepting, let requests in flight finish (at most `bounds.request`),
/// and return.
///
/// # Errors
/// Never for a single connection's failure; only when accepting fails for good.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    bounds: Bounds,
    tls: Option<Arc<crate::tls::Tls>>,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(bounds.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, addr): (_, SocketAddr) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(limit = bounds.max_connections, "connection limit reached: closing a new connection");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stop = stop_rx.clone();
        let b = bounds.clone();
        let tls = tls.as_ref().map(|t| t.config());
        tokio::spawn(async move {
            match tls {
                None => connection(stream, Remote(addr), Peer(None), app, &b, stop).await,
                Some(config) => {
                    // The handshake is bounded like a request's headers.
                    let acceptor = tokio_rustls::TlsAcceptor::from(config);
                    match tokio::time::timeout(b.header_read, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            let cn = tls
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .and_then(|c| crate::tls::common_name(c.as_ref()));
                            connection(tls, Remote(addr), Peer(cn), app, &b, stop).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Drain: every permit back means every connection ended.
    let all = u32::try_from(bounds.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(bounds.request, slots.acquire_many(all)).await;
    Ok(())
}

/// The client's address, put in each request's extensions by the listener (for the request log).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Remote(pub(crate) SocketAddr);

/// Serve one connection: HTTP/1.1 with the header-read timeout, closed after `idle` without
/// traffic or when the server stops (after the request in flight); each request carries
/// `remote` and `peer`.
async fn connection<IO>(io: IO, remote: Remote, peer: Peer, app: Router, b: &Bounds, mut stop: watch::Receiver<bool>)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt as _;
    let last = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let io = Tracked { inner: io, last: Arc::clone(&last), start };
    let svc = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(remote);
        req.extensions_mut().insert(peer.clone());
        app.clone().oneshot(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(b.header_read).keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), svc);
    tokio::pin!(conn);
    let idle_ms = u64::try_from(b.idle.as_millis()).unwrap_or(u64::MAX);
    let mut tick = tokio::time::interval(Duration::from_millis(idle_ms.clamp(50, 1000)));
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => break,
            _ = tick.tick(), if !closing => {
                let now = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                if now.saturating_sub(last.load(Ordering::Relaxed)) >= idle_ms {
                    // Idle: finish the request in flight, if any, then close.
                    conn.as_mut().graceful_shutdown();
                    closing = true;
                }
            }
            _ = stop.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
}

/// The deadline for a whole request: a client that trickles its body, or a request that cannot
/// be answered in time, gets 408 and the connection's slot back.
pub(crate) async fn deadline(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request timed out\n").into_response(),
    }
}

/// The names a request's `Host` header may carry: the listen address (and `localhost` on a
/// loopback one), plus configured names. Empty: any (a server behind authentication and a load
/// balancer that rewrites nothing).
#[derive(Debug, Clone, Default)]
pub(crate) struct Hosts {
    allowed: Vec<String>,
}

impl Hosts {
    /// What a listener on `addr` answers to, with `names` (`host` or `host:port`) added; `any`
    /// turns the check off.
    pub(crate) fn new(addr: SocketAddr, names: &[String], any: bool) -> Hosts {
        if any {
            return Hosts::default();
        }
        let port = addr.port();
        let mut allowed = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            allowed.extend([format!("localhost:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]);
        }
        for n in names {
            let n = n.to_ascii_lowercase();
            let has_port = !n.ends_with(']') && n.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok());
            if !has_port {
                // A client on the default port (a balancer's HTTPS name) sends the bare name.
                allowed.push(format!("{n}:{port}"));
            }
            allowed.push(n);
        }
        Hosts { allowed }
    }

    fn allows(&self, host: Option<&str>) -> bool {
        if self.allowed.is_empty() {
            return true;
        }
        host.is_some_and(|h| {
            let h = h.to_ascii_lowercase();
            self.allowed.contains(&h)
        })
    }
}

/// Refuse a request whose `Host` is not one this server answers to (421): a web page cannot
/// reach a loopback server through DNS rebinding.
pub(crate) async fn check_host(hosts: Arc<Hosts>, req: Request, next: Next) -> Response {
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
    // Health and readiness carry no data, and a balancer's checks often send no Host at all.
    if hosts.allows(host) || matches!(req.uri().path(), "/healthz" | "/readyz") {
        return next.run(req).await;
    }
    (StatusCode::MISDIRECTED_REQUEST, "this server does not answer to that Host (see lamina serve --server-name)\n")
        .into_response()
}
