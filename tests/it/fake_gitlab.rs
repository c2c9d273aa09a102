//! A fake GitLab (REST API v4) for the mirror tests: an HTTP server on a loopback port holding one
//! project (`group/project`, id 1), its issues, notes, milestones and labels, a few users and one
//! token; GitLab's parameter handling (query, form or JSON), entities, errors and pagination; a
//! record of every request; faults (429 with `Retry-After`, 502) and a stalled issue creation;
//! helpers that act as people in the web UI; and a checker of recorded requests against GitLab's
//! own `OpenAPI` description. `python_gitlab_drives_the_fake` proves it against the real
//! python-gitlab client.
//!
//! What GitLab has and the fake does not answers 404/405 (routes) or 501 (known parameters and
//! orders), never a silently different answer.

mod api;
mod model;
mod openapi;
pub mod params;
#[cfg(test)]
mod tests;
pub mod time;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

pub use openapi::check_requests_against_openapi;

use model::Model;
use params::Params;

/// One request the fake received, in the order received, faulted ones included.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The query string as sent, without `?`.
    pub query: String,
    pub content_type: Option<String>,
    pub body: String,
    /// The status answered (for a stalled request: the one it would have had).
    pub status: u16,
}

/// The server's knobs.
struct Config {
    every_429: Option<usize>,
    every_502: Option<usize>,
    retry_after: u64,
    stall_countdown: Option<usize>,
    paging: api::Paging,
}

struct Shared {
    model: Model,
    config: Config,
    requests: Vec<Recorded>,
    received: usize,
    writes: usize,
    /// Requests held open, never answered, until the fake is dropped.
    stalled: Vec<tiny_http::Request>,
}

/// A server on a free loopback port, and its address (`http://127.0.0.1:PORT`). `TCP_NODELAY` is
/// set on the listener, which the accepted connections inherit: `tiny_http` writes a response's
/// head and body apart, and Nagle's algorithm would hold the body back until the client's
/// delayed acknowledgement (40 ms a request), which real services do not do.
pub fn loopback(service: &str) -> (tiny_http::Server, String) {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    socket.set_tcp_nodelay(true).expect("TCP_NODELAY");
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into()).expect("bind a loopback port");
    socket.listen(128).expect("listen");
    let server = tiny_http::Server::from_listener(std::net::TcpListener::from(socket), None)
        .unwrap_or_else(|error| panic!("serve the fake {service} on a loopback port: {error}"));
    let port = server.server_addr().to_ip().expect("an IP listener").port();
    (server, format!("http://127.0.0.1:{port}"))
}

/// The thread that answers a fake's requests, one at a time, until stopped.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Answers each request of `server` with `serve` on a thread of its own.
    pub fn spawn(
        service: &str,
        server: tiny_http::Server,
        serve: impl Fn(tiny_http::Request) + Send + 'static,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (stop, service) = (Arc::clone(&stop), service.to_owned());
            std::thread::Builder::new()
                .name(format!("fake-{}", service.to_lowercase()))
                .spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match server.recv_timeout(Duration::from_millis(20)) {
                            Ok(Some(request)) => serve(request),
                            Ok(None) => {}
                            Err(error) => panic!("the fake {service}'s server failed: {error}"),
                        }
                    }
                })
                .expect("spawn a fake's thread")
        };
        Self { stop, thread: Some(thread) }
    }

    /// Stops answering and waits for the thread.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            // A panic in the server thread has been reported already; do not panic in drop.
            let _ = thread.join();
        }
    }
}

/// A running fake GitLab; dropping it stops the server.
pub struct FakeGitlab {
    url: String,
    shared: Arc<Mutex<Shared>>,
    worker: Worker,
}

impl FakeGitlab {
    /// Starts on a free loopback port; project "group/project" with id 1 exists; token
    /// "secret-token" belongs to user "docket-bot" (id 1); users "dylan" (2), "jason" (3) and
    /// "lyle" (4) exist. The clock starts at 2026-11-23T12:00:00Z and moves 1 s per write.
    pub fn start() -> FakeGitlab {
        let (server, url) = loopback("GitLab");
        let shared = Arc::new(Mutex::new(Shared {
            model: Model::new(url.clone()),
            config: Config {
                every_429: None,
                every_502: None,
                retry_after: 0,
                stall_countdown: None,
                paging: api::Paging { per_page_max: 100, total_limit: 10_000 },
            },
            requests: Vec::new(),
            received: 0,
            writes: 0,
            stalled: Vec::new(),
        }));
        let worker = {
            let shared = Arc::clone(&shared);
            Worker::spawn("GitLab", server, move |request| serve(&shared, request))
        };
        FakeGitlab { url, shared, worker }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `http://127.0.0.1:PORT`; the API is under `/api/v4`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The personal access token of `docket-bot`.
    pub fn token(&self) -> &'static str {
        model::TOKEN
    }

    /// Every request so far (since the last [`FakeGitlab::clear_requests`]), in order, faulted
    /// ones included.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// How many non-GET requests succeeded (2xx), a stalled issue creation included.
    pub fn writes(&self) -> usize {
        self.lock().writes
    }

    /// Forgets the recorded requests and the write count (the fault counter keeps counting).
    pub fn clear_requests(&self) {
        let mut shared = self.lock();
        shared.requests.clear();
        shared.writes = 0;
    }

    /// All issues as `GET /projects/1/issues/:iid` renders them, by iid.
    pub fn issues(&self) -> Vec<Value> {
        let shared = self.lock();
        let mut issues: Vec<&model::Issue> = shared.model.issues.iter().collect();
        issues.sort_by_key(|issue| issue.iid);
        issues.iter().map(|issue| shared.model.issue_json(issue, true, false)).collect()
    }

    /// One issue as `GET /projects/1/issues/:iid` renders it; panics if there is none.
    pub fn issue(&self, iid: u64) -> Value {
        let shared = self.lock();
        let issue = shared.model.issue(iid).unwrap_or_else(|| panic!("the fake GitLab has no issue {iid}"));
        shared.model.issue_json(issue, true, false)
    }

    /// An issue's notes, system notes included, oldest first.
    pub fn notes(&self, iid: u64) -> Vec<Value> {
        let shared = self.lock();
        shared
            .model
            .notes
            .iter()
            .filter(|note| note.issue_iid == iid)
            .map(|note| shared.model.note_json(note))
            .collect()
    }

    /// All milestones as the API renders them, by id.
    pub fn milestones(&self) -> Vec<Value> {
        let shared = self.lock();
        shared.model.milestones.iter().map(|milestone| shared.model.milestone_json(milestone)).collect()
    }

    /// The project's label names, sorted.
    pub fn labels(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().model.labels.iter().map(|label| label.name.clone()).collect();
        names.sort();
        names
    }

    /// A change made "in the web UI" by user `username`: the same semantics as a PUT with these
    /// params (a JSON object; `health_status` may be set too), bumps `updated_at`. Panics on a
    /// change GitLab would refuse.
    pub fn edit_issue(&self, iid: u64, username: &str, params: Value) {
        let user = known_user(username);
        let params = Params::from_json(params);
        let result = self.lock().model.update_issue(iid, user, &params, true);
        result.unwrap_or_else(|error| panic!("editing issue {iid} failed: {error:?}"));
    }

    /// A change to a milestone made in the web UI: the semantics of its PUT.
    pub fn edit_milestone(&self, id: u64, params: Value) {
        let params = Params::from_json(params);
        let result = self.lock().model.update_milestone(id, &params);
        result.unwrap_or_else(|error| panic!("editing milestone {id} failed: {error:?}"));
    }

    /// A note made by `username` (a comment, or a `system` note such as GitLab writes).
    pub fn add_note(&self, iid: u64, username: &str, body: &str, system: bool) {
        let user = known_user(username);
        let params = Params::from_json(serde_json::json!({ "body": body }));
        let result = self.lock().model.create_note(iid, user, &params, system);
        result.unwrap_or_else(|error| panic!("adding a note to issue {iid} failed: {error:?}"));
    }

    /// An issue opened by `username` in the web UI, with the parameters of a POST; returns its iid.
    pub fn create_issue(&self, username: &str, params: Value) -> u64 {
        let user = known_user(username);
        let params = Params::from_json(params);
        let result = self.lock().model.create_issue(user, &params);
        result.unwrap_or_else(|error| panic!("creating an issue failed: {error:?}"))
    }

    /// Faults: answer 429 (with `Retry-After`, see [`FakeGitlab::set_retry_after`]) on every nth
    /// request, 502 on every mth (counting all requests received since the start; 429 wins when
    /// both fall on one request); `None` disables. A faulted request changes nothing.
    pub fn set_faults(&self, every_429: Option<usize>, every_502: Option<usize>) {
        let mut shared = self.lock();
        shared.config.every_429 = every_429.filter(|n| *n > 0);
        shared.config.every_502 = every_502.filter(|n| *n > 0);
    }

    /// The `Retry-After` seconds of a 429 (default 0).
    pub fn set_retry_after(&self, seconds: u64) {
        self.lock().config.retry_after = seconds;
    }

    /// After the nth successful POST of an issue (counting from now; 1 = the next one), the
    /// server creates the issue but never answers that request: the connection is held open until
    /// the fake is dropped, as if the client were killed mid-request. Once.
    pub fn stall_after_issue_creates(&self, n: usize) {
        assert!(n > 0, "the stall counts creations from 1");
        self.lock().config.stall_countdown = Some(n);
    }

    /// The largest page (default 100), to force many pages.
    pub fn set_per_page_max(&self, n: usize) {
        assert!(n > 0, "a page holds at least one row");
        self.lock().config.paging.per_page_max = n;
    }

    /// Above this many rows, lists drop `X-Total`, `X-Total-Pages` and the `last` link (default
    /// 10,000, as GitLab).
    pub fn set_total_limit(&self, n: usize) {
        self.lock().config.paging.total_limit = n;
    }

    /// Sets the server clock (ISO 8601); it may only move forward.
    pub fn set_clock(&self, now: &str) {
        let instant = time::parse_datetime(now).unwrap_or_else(|| panic!("{now:?} is not an ISO 8601 date-time"));
        let mut shared = self.lock();
        assert!(instant >= shared.model.clock, "the fake GitLab's clock only moves forward");
        shared.model.clock = instant;
    }

    /// The server clock now, as GitLab writes timestamps (the last write happened at this instant).
    pub fn now(&self) -> String {
        time::format(self.lock().model.clock)
    }
}

fn known_user(username: &str) -> u64 {
    model::user_named(username).unwrap_or_else(|| panic!("the fake GitLab has no user {username:?}")).id
}

impl Drop for FakeGitlab {
    fn drop(&mut self) {
        self.worker.stop();
        // Close the stalled connections without a word (dropping a request would answer 500).
        for request in std::mem::take(&mut self.lock().stalled) {
            drop(request.into_writer());
        }
    }
}

fn header<'a>(request: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|header| header.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|header| header.value.as_str())
}

/// Answers (or faults, or stalls) one request and records it.
fn serve(shared: &Mutex<Shared>, mut request: tiny_http::Request) {
    let mut body = String::new();
    let read = request.as_reader().read_to_string(&mut body);
    let mut shared = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let shared = &mut *shared;
    let method = request.method().as_str().to_owned();
    let (path, query) = request.url().split_once('?').unwrap_or((request.url(), ""));
    let (path, query) = (path.to_owned(), query.to_owned());
    let content_type = header(&request, "Content-Type").map(str::to_owned);
    shared.received += 1;
    let received = shared.received;
    let hits = |every: Option<usize>| every.is_some_and(|every| received.is_multiple_of(every));
    let outgoing = if read.is_err() {
        api::Outgoing {
            status: 400,
            headers: Vec::new(),
            body: r#"{"error":"the body is not UTF-8"}"#.to_owned(),
            created_issue: false,
        }
    } else if hits(shared.config.every_429) {
        api::Outgoing {
            status: 429,
            headers: vec![
                ("Retry-After".to_owned(), shared.config.retry_after.to_string()),
                ("Content-Type".to_owned(), "text/plain".to_owned()),
            ],
            body: "Retry later\n".to_owned(),
            created_issue: false,
        }
    } else if hits(shared.config.every_502) {
        api::Outgoing {
            status: 502,
            headers: vec![("Content-Type".to_owned(), "text/html".to_owned())],
            body: "<html><body><h1>502</h1><p>GitLab is not responding.</p></body></html>\n".to_owned(),
            created_issue: false,
        }
    } else {
        let incoming = api::Incoming {
            method: &method,
            path: &path,
            query: &query,
            content_type: content_type.as_deref(),
            body: &body,
            private_token: header(&request, "PRIVATE-TOKEN"),
            authorization: header(&request, "Authorization"),
        };
        api::handle(&mut shared.model, &shared.config.paging, &incoming)
    };
    let success = (200..300).contains(&outgoing.status);
    if success && method != "GET" {
        shared.writes += 1;
    }
    shared.requests.push(Recorded { method, path, query, content_type, body, status: outgoing.status });
    if outgoing.created_issue
        && let Some(countdown) = shared.config.stall_countdown
    {
        if countdown <= 1 {
            shared.config.stall_countdown = None;
            shared.stalled.push(request);
            return;
        }
        shared.config.stall_countdown = Some(countdown - 1);
    }
    let mut response = tiny_http::Response::from_string(outgoing.body).with_status_code(outgoing.status);
    let has_content_type = outgoing.headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("Content-Type"));
    if !has_content_type {
        response.add_header(tiny_http::Header::from_bytes("Content-Type", "application/json").expect("a valid header"));
    }
    for (name, value) in outgoing.headers {
        response.add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header"));
    }
    // The client may have gone away; that is its business.
    let _ = request.respond(response);
}

/// The Python of `target/venv`, with the real clients the fakes are checked with (python-gitlab,
/// launchpadlib): made on first use (`python3 -m venv`, then `pip install -r
/// tests/python/requirements.txt`, again whenever that file changes), so `cargo test` needs no
/// other step. `DOCKET_PYTHON`, if set, names a Python that has them instead.
pub fn venv(root: &std::path::Path) -> std::path::PathBuf {
    use std::process::Command;
    // The tests that use it run in parallel threads of this one process: one makes it.
    static MAKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    if let Some(python) = std::env::var_os("DOCKET_PYTHON") {
        return python.into();
    }
    let _making = MAKING.lock().unwrap_or_else(PoisonError::into_inner);
    let folder = root.join("target/venv");
    let python = folder.join("bin/python");
    let installed = folder.join(".docket-requirements");
    let requirements = std::fs::read_to_string(root.join("tests/python/requirements.txt")).expect("requirements.txt");
    if std::fs::read_to_string(&installed).ok().as_deref() == Some(requirements.as_str()) {
        return python;
    }
    let run = |program: &std::path::Path, args: &[&str]| {
        let output = Command::new(program).args(args).current_dir(root).output();
        match output {
            Ok(output) if output.status.success() => {}
            Ok(output) => panic!(
                "`{} {}` failed: {}\nthe fakes are checked with python-gitlab and launchpadlib; on Debian, `apt-get install \
                 python3-venv`, or point DOCKET_PYTHON at a Python that has them",
                program.display(),
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => panic!(
                "cannot run {}: {error}\nthe fakes are checked with python-gitlab and launchpadlib: install python3 (with \
                 venv), or point DOCKET_PYTHON at a Python that has them",
                program.display()
            ),
        }
    };
    if !python.exists() {
        run(std::path::Path::new("python3"), &["-m", "venv", &folder.display().to_string()]);
    }
    let pip = folder.join("bin/pip");
    run(&pip, &["install", "-q", "--disable-pip-version-check", "-r", "tests/python/requirements.txt"]);
    std::fs::write(&installed, requirements).expect("write the venv's stamp");
    python
}

/// The real python-gitlab client (`tests/python/gitlab_client.py`) writes to and reads from the
/// fake through pages, retried faults and every endpoint, and all it sends conforms to GitLab's
/// `OpenAPI` description.
#[test]
fn python_gitlab_drives_the_fake() {
    use std::path::Path;
    use std::process::Command;

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = venv(root);
    let fake = FakeGitlab::start();
    let seeded = fake.create_issue("dylan", serde_json::json!({ "title": "Seeded by dylan", "labels": "bug" }));
    fake.add_note(seeded, "lyle", "Seeded comment", false);
    fake.set_per_page_max(3);
    fake.set_faults(Some(7), Some(11));
    let output = Command::new(&python)
        .arg(root.join("tests/python/gitlab_client.py"))
        .arg(fake.url())
        .arg(fake.token())
        .output()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "python-gitlab failed against the fake\nstdout:\n{stdout}\nstderr:\n{stderr}");

    let requests = fake.requests();
    assert!(requests.iter().any(|request| request.status == 429), "python-gitlab met a 429");
    assert!(requests.iter().any(|request| request.status == 502), "python-gitlab met a 502");
    assert_eq!(check_requests_against_openapi(&requests), Vec::<String>::new());
    let issues = fake.issues();
    assert_eq!(issues.len(), 8);
    assert_eq!(issues[1]["state"], "closed");
    assert_eq!(issues[1]["labels"], serde_json::json!(["kind::bug", "workflow::doing"]));
    assert_eq!(fake.notes(2).len(), 1);
    assert_eq!(fake.milestones().len(), 2);
    assert!(fake.labels().contains(&"priority::high".to_owned()));
}
