//! `lamina serve`: the ENC and Hiera HTTP server. [`run`] serves a [`Config`] until SIGINT or
//! SIGTERM; the `lamina` command's `serve` is a thin wrapper around it.
//!
//! ```
//! // The API it serves, described as OpenAPI 3 (what `GET /openapi.json` answers).
//! let spec = lamina_server::openapi();
//! assert!(spec["paths"]["/node/{certname}"]["get"].is_object());
//! assert!(spec["paths"]["/v1/hosts/{certname}/facts"]["put"].is_object());
//! ```
//!
//! # Design
//! The estate is compiled in memory once and every read is answered from it (a host's ENC is a
//! resolve of microseconds, no database round trip). The store (`--store URL`, SQLite or
//! PostgreSQL) is the source of truth several servers can share: a write goes through it in one
//! transaction that records what it changed (the change feed); every server applies the feed
//! after its revision — woken by PostgreSQL's `NOTIFY`, by a reader waiting for
//! `?min_revision=N`, and every `--refresh` seconds (default 2) in any case — one object (a
//! host, its facts, a parameter list, a host group, a smart class parameter) at a time, and
//! reloads only when the feed has a gap; an upload that changes only facts no order line reads
//! (uptimes) leaves its host's version and cached documents as they were; so ENC
//! servers scale out without their caches drifting apart. Writes through different servers
//! queue on the store's revision row; a write fails only on a real conflict. Every ENC answer
//! carries `ETag` (its host's version) and `X-Lamina-Revision`; a response cache (`--cache-mib`)
//! keeps rendered documents, dropped exactly for the hosts a change reaches. With `--estate
//! PATH` (files) the server is read-only.
//!
//! # Endpoints
//! - `GET /node/{certname}?format=yml`: Foreman-compatible (an existing `node.rb`/`enc.rb` works
//!   by changing its URL): 200 the ENC YAML, 404 unknown host, 412 unresolvable host with the
//!   reason (never a value);
//! - `GET /v1/hosts/{certname}/enc` (YAML, JSON by `Accept`), `/explain` (JSON, hidden masked);
//! - `PUT /v1/hosts/{certname}/facts` (a hash or Foreman's `{name, facts}`; batched);
//! - `GET /v1/hosts/{certname}/lookup/{key}?merge=...` → `{"key": value}`;
//!   `GET /v1/hosts/{certname}/hiera` → every key of the host's hierarchy (with `--hiera-config`);
//! - writes: `PUT`/`DELETE` `/v1/hosts/{name}`, `/v1/hostgroups/{title}`, `/v1/parameters/{name}`,
//!   `/v1/{organizations|locations|domains|subnets|operatingsystems|hostgroups|hosts}/{owner}/parameters/{name}`,
//!   `/v1/puppetclasses/{class}/smart_class_parameters/{key}[/override_values/{match}]`;
//! - `/healthz`, `/readyz`, `/metrics` (Prometheus), `/openapi.json`.
//!
//! # Access
//! The ENC carries secrets (`root_pw`, hidden parameters). With `--auth-token-file FILE` (lines
//! `reader TOKEN` or `writer TOKEN`), every route but the health, metrics and OpenAPI ones needs
//! `Authorization: Bearer TOKEN`; writes need a writer token. Without it the server only listens
//! on a loopback address (for a local master, tests and benchmarks), unless
//! `--insecure-no-auth` says otherwise. TLS is left to a terminating proxy.

mod access;
mod cache;
pub mod conn;
mod hiera;
mod metrics;
mod objects;
mod openapi;
mod read;
mod state;
mod tls;
mod write;

pub use tls::TlsFiles;

use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request, State as S};
use axum::http::{Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Extension, Router};
use lamina_estate::{LoadOptions, load_with};
use lamina_foreman::model::EstateSource;
use lamina_foreman::{Error, ErrorKind};
use lamina_hiera_files::FileSource;
use lamina_store::{Listener, Live};
use state::{HieraCtx, Snapshot, State};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How `lamina serve` was asked to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The store (`sqlite://PATH`, `postgres://...`), or `None` for `estate`.
    pub store: Option<String>,
    /// Estate files (read-only), when there is no store.
    pub estate: Option<PathBuf>,
    /// The global hiera.yaml for lookups.
    pub hiera_config: Option<PathBuf>,
    /// Address to listen on.
    pub listen: String,
    /// How often to check the store for changes made elsewhere.
    pub refresh: Duration,
    /// Bearer tokens file.
    pub auth_token_file: Option<PathBuf>,
    /// Allow a non-loopback listener without tokens.
    pub insecure_no_auth: bool,
    /// Logs as JSON lines instead of text.
    pub log_json: bool,
    /// The response cache's budget in bytes (0: no cache).
    pub cache_bytes: u64,
    /// Puppet's `strict` for `/lookup` and `/hiera`.
    pub strict: lamina::Strict,
    /// Connection and request bounds.
    pub bounds: conn::Bounds,
    /// Names (`host` or `host:port`) the `Host` header may carry besides the listen address.
    pub server_names: Vec<String>,
    /// The largest facts upload, in bytes (413 beyond).
    pub max_facts_bytes: usize,
    /// The deepest nesting of an uploaded facts document (422 beyond).
    pub max_facts_depth: usize,
    /// On SIGTERM, how long to stay up not ready (balancers stop sending) before closing.
    pub drain: Duration,
    /// HTTPS with client certificates verified against the Puppet CA.
    pub tls: Option<TlsFiles>,
    /// Certnames that may read every host (`--compilers`).
    pub compilers: Option<PathBuf>,
    /// Certnames that may write (`--admins`).
    pub admins: Option<PathBuf>,
    /// The caller's warnings about how it was configured (the bundled demo estate served for
    /// want of `--estate`), logged at warn once the logs are set up.
    pub warnings: Vec<String>,
}

/// Who may do what.
#[derive(Debug)]
struct App {
    state: Arc<State>,
    tokens: Option<access::Tokens>,
    /// Client-certificate rules, when the listener verifies client certificates.
    mtls: Option<access::Mtls>,
}

/// Routes anyone may call: they carry no estate data.
fn public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics" | "/openapi.json")
}

/// The request log, outermost so that every answer is logged (a refused `Host`, a timeout, an
/// unknown route included): one line per request at info, with the method, the path, the route
/// it matched, the status, the time and the client (its address, and its certificate's CN over
/// TLS). Never bodies, query strings or headers: they may carry secrets or tokens. Balancers and
/// Prometheus poll the health, readiness and metrics routes every few seconds: those lines are
/// at debug.
async fn log_request(req: Request, next: Next) -> Response {
    let t = Instant::now();
    let method = req.method().clone();
    let full = req.uri().path();
    // A path is at most 64 KiB; the log keeps its start (it is ASCII: the URI parser says so).
    let path = match full.get(..MAX_LOGGED_PATH) {
        Some(start) if full.len() > MAX_LOGGED_PATH => format!("{start}..."),
        _ => full.to_string(),
    };
    let polled = matches!(full, "/healthz" | "/readyz" | "/metrics");
    let peer = req.extensions().get::<conn::Remote>().map_or_else(|| "-".to_string(), |r| r.0.to_string());
    let cn = req.extensions().get::<access::Peer>().and_then(|p| p.0.clone());
    let resp = next.run(req).await;
    let route = resp.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
    let status = resp.status().as_u16();
    let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
    // Text logs show displayed values unquoted; the client's CN only when it presented one.
    let cn = cn.as_deref().map(tracing::field::display);
    if polled {
        tracing::debug!(%method, %path, %route, status, micros, %peer, cn, "request");
    } else {
        tracing::info!(%method, %path, %route, status, micros, %peer, cn, "request");
    }
    resp
}

/// The longest path the request log shows whole.
const MAX_LOGGED_PATH: usize = 512;

/// Access control, then metrics; the route is left in the response for the request log.
async fn around(S(app): S<Arc<App>>, req: Request, next: Next) -> Response {
    let t = Instant::now();
    // The matched path shares its text (no copy per request).
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = req.method().clone();
    let refuse = |status: StatusCode, msg: &str| {
        app.state.metrics.request(route, status.as_u16(), t.elapsed());
        let mut resp = read::json_error(status, msg);
        if let Some(m) = &matched {
            resp.extensions_mut().insert(m.clone());
        }
        resp
    };
    // A certname in the path is checked before anything reads it.
    if let Some(c) = access::path_certname(req.uri().path())
        && !access::valid_certname(&c)
    {
        return refuse(StatusCode::BAD_REQUEST, "not a valid certname");
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let token = app.tokens.as_ref().and_then(|t| t.find(bearer));
    let token_writer = token.is_some_and(|t| t.writer);
    let token_reader = token.is_some();
    let reads = method == Method::GET || method == Method::HEAD;
    let peer = req.extensions().get::<access::Peer>().and_then(|p| p.0.clone());
    let refused = if public(req.uri().path()) {
        None
    } else if let Some(m) = &app.mtls {
        // A writer token may do anything, a reader token read anything; else the certificate.
        if token_writer || (token_reader && reads) {
            None
        } else {
            access::decide(m, &method, req.uri().path(), peer.as_deref())
        }
    } else if app.tokens.is_none() {
        None
    } else if !token_reader {
        Some((StatusCode::UNAUTHORIZED, "a bearer token is required"))
    } else if !reads && !token_writer {
        Some((StatusCode::FORBIDDEN, "this token may not write"))
    } else {
        None
    };
    if let Some((status, msg)) = refused {
        return refuse(status, msg);
    }
    // Who is asking, for the audit log and for `show_hidden`.
    // The identity that grants the most names the request: a writer token, else an admin
    // certificate, else a reader token, else any certificate.
    let admin = peer.as_ref().filter(|cn| app.mtls.as_ref().is_some_and(|m| m.admins.contains(*cn)));
    let actor = match (token, admin, &peer) {
        (Some(t), _, _) if t.writer => access::Actor { who: format!("token {}", t.name), may_write: true },
        (_, Some(cn), _) => access::Actor { who: format!("certificate {cn}"), may_write: true },
        (Some(t), None, _) => access::Actor { who: format!("token {}", t.name), may_write: false },
        (None, None, Some(cn)) => access::Actor { who: format!("certificate {cn}"), may_write: false },
        (None, None, None) => {
            access::Actor { who: "anonymous".into(), may_write: app.tokens.is_none() && app.mtls.is_none() }
        }
    };
    let mut req = req;
    req.extensions_mut().insert(actor);
    let mut resp = next.run(req).await;
    if !resp.headers().contains_key(read::REVISION) {
        resp.headers_mut().insert(read::REVISION, header::HeaderValue::from(app.state.current().revision));
    }
    // ENC documents and lookups carry secrets: no cache may keep them.
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    let status = resp.status().as_u16();
    app.state.metrics.request(route, status, t.elapsed());
    if let Some(m) = matched {
        resp.extensions_mut().insert(m);
    }
    resp
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Ready: the server has an estate and is not shutting down. A store that does not answer
/// leaves it ready — every host is answered from memory, marked stale (`X-Lamina-Stale` and
/// `lamina_store_up 0`), and writes get 503 — since taking every node of a cluster out at once
/// when the database fails over would stop every agent run.
async fn readyz(S(st): S<Arc<State>>) -> Response {
    if st.draining.load(Ordering::Relaxed) {
        return read::text(StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    if st.store_ok.load(Ordering::Relaxed) {
        read::text(StatusCode::OK, "ready\n")
    } else {
        read::text(StatusCode::OK, "ready, answering from memory: the store does not answer\n")
    }
}

async fn metrics_text(S(st): S<Arc<State>>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4")], st.metrics.render()).into_response()
}

async fn openapi_json() -> Response {
    read::json(StatusCode::OK, &openapi::spec())
}

fn owner_routes(mut r: Router<Arc<State>>) -> Router<Arc<State>> {
    for kind in write::OWNER_KINDS {
        r = r.route(
            &format!("/v1/{kind}/{{owner}}/parameters/{{name}}"),
            put(
                move |S(st): S<Arc<State>>,
                      Extension(who): Extension<access::Actor>,
                      Path((of, name)): Path<(String, String)>,
                      body: write::Body| { write::put_param(st, who, kind, of, name, body) },
            )
            .delete(
                move |S(st): S<Arc<State>>,
                      Extension(who): Extension<access::Actor>,
                      Path((of, name)): Path<(String, String)>| {
                    write::delete_param(st, who, kind, of, name)
                },
            )
            .get(
                move |S(st): S<Arc<State>>,
                      Extension(who): Extension<access::Actor>,
                      Path((of, name)): Path<(String, String)>,
                      Query(q): Query<objects::ReadQuery>| {
                    objects::get_param(st, who, q, write::owner(kind, of), name)
                },
            ),
        );
        r = r.route(
            &format!("/v1/{kind}/{{owner}}/parameters"),
            get(
                move |S(st): S<Arc<State>>,
                      Extension(who): Extension<access::Actor>,
                      Path(of): Path<String>,
                      Query(q): Query<objects::ReadQuery>| {
                    objects::list_params(st, who, q, write::owner(kind, of))
                },
            ),
        );
    }
    r
}

/// The router.
fn router(
    state: Arc<State>,
    tokens: Option<access::Tokens>,
    mtls: Option<access::Mtls>,
    hosts: conn::Hosts,
    request: Duration,
    max_facts: usize,
) -> Router {
    let r = Router::new()
        .route("/node/{certname}", get(read::node))
        .route("/v1/hosts/{certname}/enc", get(read::enc))
        .route("/v1/hosts/{certname}/explain", get(read::explain))
        // A facts upload is bounded before it is read: a master uploads facts on every run.
        .route(
            "/v1/hosts/{certname}/facts",
            put(write::put_facts).layer(DefaultBodyLimit::max(max_facts)).get(objects::get_facts),
        )
        .route("/v1/hosts", get(objects::list_hosts))
        .route("/v1/hostgroups", get(objects::list_hostgroups))
        .route("/v1/parameters", get(objects::list_global_params))
        .route("/v1/audits", get(objects::audits))
        .route("/v1/hosts/{certname}/lookup/{key}", get(hiera::lookup))
        .route("/v1/hosts/{certname}/hiera", get(hiera::hiera_doc))
        .route("/v1/hosts/{name}", put(write::put_host).delete(write::delete_host).get(objects::get_host))
        .route(
            "/v1/hostgroups/{title}",
            put(write::put_hostgroup).delete(write::delete_hostgroup).get(objects::get_hostgroup),
        )
        .route(
            "/v1/parameters/{name}",
            put(write::put_global_param).delete(write::delete_global_param).get(objects::get_global_param),
        )
        .route(
            "/v1/puppetclasses/{class}/smart_class_parameters/{key}",
            put(write::put_key).delete(write::delete_key).get(objects::get_key),
        )
        .route(
            "/v1/puppetclasses/{class}/smart_class_parameters/{key}/override_values/{match}",
            put(write::put_override).delete(write::delete_override).get(objects::get_override),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json));
    let app = Arc::new(App { state: Arc::clone(&state), tokens, mtls });
    let hosts = Arc::new(hosts);
    owner_routes(r)
        .layer(DefaultBodyLimit::max(8 << 20))
        .with_state(state)
        .route_layer(middleware::from_fn_with_state(app, around))
        .layer(middleware::from_fn(move |req, next| conn::deadline(request, req, next)))
        .layer(middleware::from_fn(move |req, next| conn::check_host(Arc::clone(&hosts), req, next)))
        .layer(middleware::from_fn(log_request))
}

/// Load what the server serves: the store's estate (and the store), or estate files.
async fn initial(cfg: &Config) -> Result<(Snapshot, EstateSource, Option<Live>), Error> {
    use lamina_foreman::compile;
    let joined = |errs: &lamina_foreman::Errors| errs.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
    let internal = |e: tokio::task::JoinError| Error::new(ErrorKind::Io, "", e.to_string());
    if let Some(url) = &cfg.store {
        let live = Live::open(url).await?;
        let (revision, source) = live.load().await?;
        let src = source.clone();
        let estate = tokio::task::spawn_blocking(move || compile(src, &lamina_estate::PsychText))
            .await
            .map_err(internal)?
            .map_err(|errs| {
                let msg = format!("the store's estate is invalid: {}", joined(&errs));
                Error::new(errs.kind().unwrap_or(ErrorKind::Invalid), "", msg)
            })?;
        return Ok((Snapshot::new(revision, estate), source, Some(live)));
    }
    let path = cfg
        .estate
        .clone()
        .ok_or_else(|| Error::new(ErrorKind::Usage, "", "no estate: give --store URL or --estate PATH"))?;
    let p2 = path.clone();
    let (source, estate) = tokio::task::spawn_blocking(move || {
        let source = lamina_estate::load_source(&p2, &lamina_yaml::Limits::default())?;
        let estate = load_with(&p2, &LoadOptions { all_facts: true, ..Default::default() })?;
        Ok::<_, lamina_foreman::Errors>((source, estate))
    })
    .await
    .map_err(internal)?
    .map_err(|errs| {
        let msg = format!("{} is invalid: {}", path.display(), joined(&errs));
        Error::new(errs.kind().unwrap_or(ErrorKind::Invalid), "", msg)
    })?;
    Ok((Snapshot::new(0, estate), source, None))
}

/// The Hiera layers the server answers from: `--hiera-config`, else the estate's
/// `hiera/hiera.yaml`; none at all otherwise (a server does not fall back on Puppet's default
/// path, which belongs to the machine it runs on, not to the estate).
fn hiera_ctx(cfg: &Config) -> Option<HieraCtx> {
    let estate_has_one = cfg.estate.as_ref().is_some_and(|d| d.join("hiera/hiera.yaml").is_file());
    if cfg.hiera_config.is_none() && !estate_has_one {
        return None;
    }
    let global = lamina::global_config(cfg.hiera_config.as_deref(), cfg.estate.as_deref());
    let loaded = lamina::HieraLayers::load(&global, None);
    for w in &loaded.warnings {
        tracing::warn!(config = %global.display(), "{w}");
    }
    Some(HieraCtx { layers: loaded.layers, source: FileSource::with_strict(cfg.strict), strict: cfg.strict })
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LAMINA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = if json { b.json().try_init() } else { b.try_init() };
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

/// Keep up with the store: read its change feed when PostgreSQL announces a write, when a
/// reader waits for a revision, and every `every` in any case (notifications are lost while the
/// listening connection is down, and SQLite has none).
fn follow(state: &Arc<State>, every: Duration) {
    // Set when the listener (re)connects: the next read of the feed must not be skipped.
    let reconnected = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&reconnected);
    let st = Arc::clone(state);
    tokio::spawn(async move {
        let mut last_schema_check = Instant::now();
        loop {
            let polled = tokio::select! {
                () = tokio::time::sleep(every) => true,
                () = st.nudge.notified() => false,
            };
            // The schema is asked about once per interval, not on every notification.
            let check_schema = last_schema_check.elapsed() >= every;
            if !polled && !check_schema && !reconnected.swap(false, Ordering::Relaxed) && st.up_to_date() {
                continue;
            }
            if check_schema {
                last_schema_check = Instant::now();
            }
            let ok = match st.catch_up(check_schema).await {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "could not apply the store's changes; answering from memory");
                    false
                }
            };
            if st.store_ok.swap(ok, Ordering::Relaxed) != ok && ok {
                tracing::info!("the store answers again: caught up");
            }
            st.metrics.store(ok);
        }
    });
    let Some(live) = state.live.as_ref().filter(|l| l.is_postgres()) else { return };
    let url = live.url().to_string();
    let st = Arc::clone(state);
    tokio::spawn(async move {
        loop {
            let mut listener = match Listener::connect(&url).await {
                // Whatever was announced while not listening is lost: read the feed now.
                Ok(l) => {
                    tracing::debug!("listening for the store's changes");
                    flag.store(true, Ordering::Relaxed);
                    st.nudge.notify_one();
                    l
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for the store's changes; polling meanwhile");
                    tokio::time::sleep(every).await;
                    continue;
                }
            };
            loop {
                match listener.next().await {
                    Ok(Some(rev)) => st.announce(rev),
                    // A reconnect: notifications sent meanwhile are lost.
                    Ok(None) => {
                        flag.store(true, Ordering::Relaxed);
                        st.nudge.notify_one();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the store's notifications; reconnecting");
                        tokio::time::sleep(every.min(Duration::from_secs(1))).await;
                        break;
                    }
                }
            }
        }
    });
}

/// Run the server until SIGINT/SIGTERM. Prints `listening on http://ADDR` on stdout once it
/// accepts connections.
///
/// # Errors
/// When the estate cannot be loaded, the address cannot be bound, or access rules forbid the
/// configuration.
pub fn run(cfg: &Config) -> Result<(), Error> {
    init_logs(cfg.log_json);
    for w in &cfg.warnings {
        tracing::warn!("{w}");
    }
    let tokens = cfg.auth_token_file.as_deref().map(access::read_tokens).transpose()?;
    let io = |what: String| move |e: std::io::Error| Error::new(ErrorKind::Io, "", format!("{what}{e}")).caused_by(e);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(io(String::new()))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&cfg.listen).await.map_err(io(format!("cannot listen on {}: ", cfg.listen)))?;
        let addr: SocketAddr = listener.local_addr().map_err(io(String::new()))?;
        if tokens.is_none() && cfg.tls.is_none() && !addr.ip().is_loopback() && !cfg.insecure_no_auth {
            return Err(Error::new(ErrorKind::Usage, "", format!(
                "refusing to serve ENC documents (which carry secrets) without authentication on {addr}: give --auth-token-file FILE, listen on a loopback address, or pass --insecure-no-auth"
            )));
        }
        let t = Instant::now();
        let (snap, source, live) = initial(cfg).await?;
        tracing::info!(hosts = snap.estate.host_count(), revision = snap.revision, seconds = t.elapsed().as_secs_f64(), store = live.as_ref().map(Live::shown_url), "estate loaded");
        let mut state = State::new(snap, source, live, hiera_ctx(cfg), cache::Cache::new(cfg.cache_bytes));
        state.facts_limits = lamina_yaml::Limits {
            max_bytes: cfg.max_facts_bytes,
            max_depth: cfg.max_facts_depth,
            max_nodes: 1_000_000,
            max_alias_nodes: 10_000,
        };
        let state = Arc::new(state);
        if state.live.is_some() {
            follow(&state, cfg.refresh);
        }
        // The Host check guards what has no other guard: a server without tokens (on loopback,
        // where DNS rebinding would reach it), or any server given --server-name.
        let tls = match &cfg.tls {
            Some(files) => Some(Arc::new(
                tls::Tls::load(files.clone(), Arc::clone(&state.metrics.crl_next_update))
                    .map_err(|e| Error::new(ErrorKind::Usage, "", e))?,
            )),
            None => None,
        };
        let names = |p: &Option<PathBuf>| -> Result<std::collections::HashSet<String>, Error> {
            p.as_deref().map_or(Ok(Default::default()), |p| access::read_names(p).map_err(|e| Error::new(ErrorKind::Usage, "", e)))
        };
        let mtls = tls.is_some().then(|| Ok::<_, Error>(access::Mtls { compilers: names(&cfg.compilers)?, admins: names(&cfg.admins)? })).transpose()?;
        let check = tokens.is_none() && tls.is_none() && (addr.ip().is_loopback() || !cfg.server_names.is_empty())
            || !cfg.server_names.is_empty();
        let hosts = conn::Hosts::new(addr, &cfg.server_names, !check);
        let draining = Arc::clone(&state);
        let app = router(state, tokens, mtls, hosts, cfg.bounds.request, cfg.max_facts_bytes);
        let scheme = if tls.is_some() { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        tracing::info!(%addr, max_connections = cfg.bounds.max_connections, "listening");
        // SIGTERM: not ready first, so that balancers move traffic away; then stop accepting
        // and let requests in flight finish.
        let drain = cfg.drain;
        let stopping = async move {
            shutdown().await;
            draining.draining.store(true, Ordering::Relaxed);
            tracing::info!(seconds = drain.as_secs_f64(), "draining: not ready, still answering");
            tokio::time::sleep(drain).await;
        };
        conn::serve(listener, app, cfg.bounds.clone(), tls, stopping).await.map_err(io(String::new()))?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// The OpenAPI description `/openapi.json` serves.
#[must_use]
pub fn openapi() -> serde_json::Value {
    openapi::spec()
}
