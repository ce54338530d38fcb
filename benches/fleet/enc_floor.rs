//! `enc-floor`: the floor the warm ENC throughput of `benches/fleet/fleet.py` is compared with.
//! A bare axum server that answers every `GET`, whatever its path, with one fixed document (the
//! bytes of `--body FILE`, in practice one real ENC YAML response of `lamina serve`), with the
//! headers `lamina serve` sends with a document: no estate, no resolve, no YAML, only HTTP/1.1
//! on tokio's default multi-threaded runtime and the same allocator (mimalloc) as `lamina`. Pin
//! it with `taskset` exactly as the `lamina serve` it is compared with.
//!
//! Usage: `enc-floor --listen 127.0.0.1:0 --body FILE`; prints `listening on http://ADDR` on
//! standard output once it accepts connections, then serves until killed.

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use std::io::Write as _;
use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: enc-floor --listen ADDR --body FILE";

fn args() -> Result<(String, Vec<u8>), String> {
    let mut listen = None;
    let mut body = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--listen" => listen = it.next(),
            "--body" => body = it.next(),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let (Some(listen), Some(path)) = (listen, body) else { return Err(USAGE.to_string()) };
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    Ok((listen, bytes))
}

fn main() -> ExitCode {
    let (listen, body) = match args() {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let body = Bytes::from(body);
    let serve = async move {
        let listener =
            tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let app = Router::new().fallback(move |method: Method| {
            let body = body.clone();
            async move {
                if method != Method::GET {
                    return StatusCode::METHOD_NOT_ALLOWED.into_response();
                }
                let headers = [(header::CONTENT_TYPE, "text/yaml; charset=utf-8"), (header::CACHE_CONTROL, "no-store")];
                (StatusCode::OK, headers, body).into_response()
            }
        });
        println!("listening on http://{addr}");
        let _ = std::io::stdout().flush();
        axum::serve(listener, app).await.map_err(|e| e.to_string())
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("enc-floor: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(serve) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("enc-floor: {msg}");
            ExitCode::FAILURE
        }
    }
}
