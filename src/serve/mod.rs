//! `docket serve`: the tracker as a kanban board in the browser (PRODUCT.md §9).
//!
//! This module owns the server: the listening socket (loopback unless told otherwise), the
//! random token every request but the static assets must carry, the checks of `Host` and
//! `Origin` against DNS rebinding and cross-site requests, the watcher that folds changes on
//! disk into the index and tells the open boards ([`crate::index::live`], the loop `docket
//! watch` runs), and the routes. [`api`] answers the routes: every change goes through
//! [`crate::change`], the operations of `move`, `set`, `comment` and `update`, so the board
//! and the command line cannot answer differently; [`board`] finds a column's cards through
//! the index; [`markdown`] renders records' text. The page itself (`assets/`) is plain HTML,
//! CSS and JavaScript compiled into the binary. The server never commits.

mod api;
mod board;
mod markdown;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::broadcast;

use crate::context::Context;
use crate::index::live::{Live, LiveError, Settings};
use crate::index::watch::Watching;
use crate::index::{IndexError, Refresh, Scope, SearchIndex};
use crate::tracker::{Tracker, TrackerError};

/// The header a request carries its token in (the page's `fetch`); an event stream, which
/// cannot set headers, carries it as `?token=`.
pub const TOKEN_HEADER: &str = "x-docket-token";

/// Why the board cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Tracker(#[from] TrackerError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("the server failed: {0}")]
    Runtime(std::io::Error),
}

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct Options {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// How long a burst of saves must settle before the boards are told.
    pub settle: Duration,
}

/// What every request shares.
pub(crate) struct Shared {
    /// The folder the tracker was found from: each request finds it again, so an edit of
    /// `docket.toml` or a workflow applies at once.
    start: PathBuf,
    context: Context,
    token: String,
    port: u16,
    /// Whether the socket is on a loopback address, where `Host` must name loopback too.
    loopback: bool,
    /// The paths changed on disk, as JSON, for the open boards.
    changes: broadcast::Sender<String>,
    /// The index the requests read, kept open between them.
    index: Mutex<Option<SearchIndex>>,
    /// Why the watcher stopped, when it did: the boards are no longer live.
    watcher_error: Mutex<Option<String>>,
    /// How many times record files were seen changed (folds of the watcher, the board's own
    /// changes): part of what the kept list of uncommitted files depends on.
    files_changed: AtomicU64,
    /// The files changed since `HEAD`, and what that answer depended on.
    uncommitted: Mutex<Option<(Uncommitted, Arc<Changes>)>>,
}

/// The files changed since `HEAD` (relative to the tracker root), each with how: `added`,
/// `modified` or `deleted`.
pub(crate) type Changes = Vec<(String, &'static str)>;

/// What the list of uncommitted files depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Uncommitted {
    head: Option<String>,
    /// When git's index file last changed (`git add`, `git commit`).
    index: Option<std::time::SystemTime>,
    files: u64,
}

/// A board bound to its socket, ready to run.
pub struct Server {
    listener: std::net::TcpListener,
    address: SocketAddr,
    shared: Arc<Shared>,
    live: Live,
    watcher_index: SearchIndex,
    rescan: bool,
    settle: Duration,
}

impl Server {
    /// Finds the tracker from `start`, listens, makes the token, and starts watching the
    /// record folders (every stamp compared once, as `docket watch` starts).
    pub fn bind(start: &Path, context: &Context, options: &Options) -> Result<Self, ServeError> {
        let tracker = Tracker::discover(start)?;
        let wanted = SocketAddr::new(options.bind, options.port);
        let listener =
            std::net::TcpListener::bind(wanted).map_err(|source| ServeError::Bind { address: wanted, source })?;
        let address = listener.local_addr().map_err(|source| ServeError::Bind { address: wanted, source })?;
        let mut context = context.clone();
        let token = format!("{:016x}{:016x}", context.next_random(), context.next_random());
        let mut watcher_index = SearchIndex::open(&tracker)?.with_limits(context.index_limits());
        // Vouch for searches when no other watcher does; else only follow the changes.
        let watching = Watching::claim(&tracker).ok().flatten();
        let live = Live::start(&tracker, watching)?;
        let first = watcher_index.fold(&tracker, Scope::Every, &[])?;
        let (changes, _) = broadcast::channel(64);
        let shared = Arc::new(Shared {
            start: tracker.root.clone(),
            context,
            token,
            port: address.port(),
            loopback: address.ip().is_loopback(),
            changes,
            index: Mutex::new(None),
            watcher_error: Mutex::new(None),
            files_changed: AtomicU64::new(0),
            uncommitted: Mutex::new(None),
        });
        Ok(Self { listener, address, shared, live, watcher_index, rescan: first.busy, settle: options.settle })
    }

    /// The address the board listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The board's address with its token: what to open in a browser.
    pub fn url(&self) -> String {
        let host = match self.address.ip() {
            ip if ip.is_unspecified() || ip.is_loopback() => "127.0.0.1".to_owned(),
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        format!("http://{host}:{}/?token={}", self.address.port(), self.shared.token)
    }

    /// Serves until the process ends.
    pub fn run(self) -> Result<(), ServeError> {
        let Server { listener, shared, live, mut watcher_index, rescan, settle, .. } = self;
        let watched = Arc::clone(&shared);
        std::thread::spawn(move || {
            let settings = Settings { settle, idle: None };
            let result = match Tracker::discover(&watched.start) {
                Ok(tracker) => live
                    .run(&tracker, &mut watcher_index, rescan, settings, &mut |refresh| {
                        tell(&watched, refresh);
                        true
                    })
                    .map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            let why = match result {
                Ok(()) => "the tracker is gone, or `docket watch --stop` stopped its watcher".to_owned(),
                Err(error) => error,
            };
            *watched.watcher_error.lock().expect("the lock is not poisoned") = Some(why);
            let _ = watched.changes.send(r#"{"paths":[],"live":false}"#.to_owned());
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(ServeError::Runtime)?;
        runtime.block_on(async move {
            listener.set_nonblocking(true).map_err(ServeError::Runtime)?;
            let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
            axum::serve(listener, router(shared)).await.map_err(ServeError::Runtime)
        })
    }
}

/// Tells the open boards which files a fold found changed.
fn tell(shared: &Shared, refresh: &Refresh) {
    // A rebuild lists every file it read as updated.
    let mut paths: Vec<&str> = refresh.updated.iter().chain(&refresh.removed).map(String::as_str).collect();
    if paths.is_empty() {
        return;
    }
    paths.sort_unstable();
    shared.files_changed.fetch_add(1, Ordering::SeqCst);
    let message = serde_json::json!({ "paths": paths, "live": true });
    // No board open is not an error.
    let _ = shared.changes.send(message.to_string());
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(api::page))
        .route("/assets/board.js", get(api::script))
        .route("/assets/board.css", get(api::style))
        .route("/api/meta", get(api::meta))
        .route("/api/board", get(api::board))
        .route("/api/column", get(api::column))
        .route("/api/search", get(api::search))
        .route("/api/status", get(api::status))
        .route("/api/events", get(api::events))
        .route("/api/record/{id}", get(api::record))
        .route("/api/milestone/{id}", get(api::milestone))
        .route("/api/record/{id}/move", post(api::move_record))
        .route("/api/record/{id}/set", post(api::set))
        .route("/api/record/{id}/comment", post(api::comment))
        .route("/api/record/{id}/update", post(api::update))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&shared), guard))
        .with_state(shared)
}

/// Every request passes here first: the `Host` must be this server as the browser reached it
/// (a DNS-rebinding page has its own name there), an `Origin`, when sent, must be the same,
/// and everything but the static assets needs the token. Every answer forbids framing,
/// caching, and sending the address (with its token) as a referrer.
async fn guard(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let refusal = shared.admit(request.headers(), request.uri().query(), &path);
    let mut response = match refusal {
        Err(why) if path.starts_with("/api/") => {
            (StatusCode::FORBIDDEN, axum::Json(serde_json::json!({ "error": why, "hint": HINT_TOKEN }))).into_response()
        }
        Err(why) => (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("403 forbidden: {why}\n{HINT_TOKEN}\n"),
        )
            .into_response(),
        Ok(()) => next.run(request).await,
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

const HINT_TOKEN: &str =
    "open the address `docket serve` printed, with its ?token=; the board answers only its own page, on this machine";

impl Shared {
    /// Whether the watcher still runs, so the boards hear of changes on disk.
    fn live(&self) -> bool {
        self.watcher_error.lock().is_ok_and(|e| e.is_none())
    }

    /// Whether a request may be answered: `Err` says why not.
    fn admit(&self, headers: &HeaderMap, query: Option<&str>, path: &str) -> Result<(), &'static str> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).ok_or("the request names no Host")?;
        if !self.host_allowed(host) {
            return Err("the Host is not this board's address (a page from another site cannot reach it)");
        }
        if let Some(origin) = headers.get(header::ORIGIN)
            && origin.to_str().ok() != Some(format!("http://{host}").as_str())
        {
            return Err("the request comes from another site");
        }
        if headers.get("sec-fetch-site").is_some_and(|site| site == "cross-site") {
            return Err("the request comes from another site");
        }
        if path.starts_with("/assets/") {
            return Ok(());
        }
        let given = headers
            .get(TOKEN_HEADER)
            .and_then(|t| t.to_str().ok())
            .map(str::to_owned)
            .or_else(|| query.and_then(token_in_query));
        match given {
            Some(given) if same(given.as_bytes(), self.token.as_bytes()) => Ok(()),
            Some(_) => Err("the token is wrong"),
            None => Err("the request has no token"),
        }
    }

    /// Whether `host` (the `Host` header) names this server: on loopback, only by a loopback
    /// name and this port, which a DNS-rebinding page cannot give; on an address chosen with
    /// `--bind`, any name with this port (the token is the guard there).
    fn host_allowed(&self, host: &str) -> bool {
        let Some((name, port)) = host.rsplit_once(':') else { return false };
        if port.parse::<u16>().ok() != Some(self.port) {
            return false;
        }
        !self.loopback || matches!(name.to_ascii_lowercase().as_str(), "127.0.0.1" | "localhost" | "[::1]")
    }
}

/// The `token` parameter of a query string.
fn token_in_query(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| pair.strip_prefix("token=")).map(str::to_owned)
}

/// Compares in time that does not depend on where the first difference is.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(loopback: bool) -> Shared {
        Shared {
            start: PathBuf::new(),
            context: Context::fixed(0, 1),
            token: "t0k3n".to_owned(),
            port: 4242,
            loopback,
            changes: broadcast::channel(1).0,
            index: Mutex::new(None),
            watcher_error: Mutex::new(None),
            files_changed: AtomicU64::new(0),
            uncommitted: Mutex::new(None),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, HeaderValue::from_str(value).expect("a header value"));
        }
        headers
    }

    #[test]
    fn loopback_hosts_only_on_loopback() {
        let shared = shared(true);
        for host in ["127.0.0.1:4242", "localhost:4242", "LOCALHOST:4242", "[::1]:4242"] {
            assert!(shared.host_allowed(host), "{host}");
        }
        for host in ["evil.example:4242", "127.0.0.1:4243", "127.0.0.1", "127.0.0.1.evil.example:4242", "localhost"] {
            assert!(!shared.host_allowed(host), "{host}");
        }
        let open = super::tests::shared(false);
        assert!(open.host_allowed("board.lan:4242"));
        assert!(!open.host_allowed("board.lan:80"));
    }

    #[test]
    fn token_origin_and_fetch_site_are_checked() {
        let shared = shared(true);
        let host = ("host", "127.0.0.1:4242");
        assert_eq!(shared.admit(&headers(&[host, ("x-docket-token", "t0k3n")]), None, "/api/meta"), Ok(()));
        assert_eq!(shared.admit(&headers(&[host]), Some("a=1&token=t0k3n"), "/api/events"), Ok(()));
        assert_eq!(shared.admit(&headers(&[host]), None, "/api/meta"), Err("the request has no token"));
        assert_eq!(shared.admit(&headers(&[host]), Some("token=t0k3m"), "/"), Err("the token is wrong"));
        assert_eq!(shared.admit(&headers(&[host]), Some("token=t0k3"), "/"), Err("the token is wrong"));
        assert_eq!(shared.admit(&headers(&[host]), None, "/assets/board.js"), Ok(()));
        let same_origin = [host, ("origin", "http://127.0.0.1:4242"), ("x-docket-token", "t0k3n")];
        assert_eq!(shared.admit(&headers(&same_origin), None, "/api/meta"), Ok(()));
        for origin in ["http://evil.example", "null", "http://localhost:4242"] {
            let cross = [host, ("origin", origin), ("x-docket-token", "t0k3n")];
            assert_eq!(shared.admit(&headers(&cross), None, "/api/meta"), Err("the request comes from another site"));
        }
        let cross = [host, ("sec-fetch-site", "cross-site"), ("x-docket-token", "t0k3n")];
        assert_eq!(shared.admit(&headers(&cross), None, "/api/meta"), Err("the request comes from another site"));
        assert!(shared.admit(&headers(&[("x-docket-token", "t0k3n")]), None, "/api/meta").is_err());
        assert!(shared.admit(&headers(&[("host", "evil.example:4242")]), None, "/assets/board.js").is_err());
    }

    #[test]
    fn same_compares_whole_strings() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
        assert!(!same(b"", b"a"));
        // Differences that would cancel out if they were added up rather than or-ed.
        assert!(!same(b"ab", b"ba"));
    }
}
