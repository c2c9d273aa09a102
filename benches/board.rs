//! The web board at scale (`docket serve`), beside floors measured in the same run: the start,
//! the board's first paint (its data, and in Chromium when it is installed), the next page of a
//! column, a search, and a move's round trip until the change is written and until the open
//! boards hear of it. Run with `cargo bench --bench board` (`DOCKET_BENCH_BOARD_RECORDS`
//! changes the size, 10,000 issues unless set; `rg` must be installed).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Server {
    child: std::process::Child,
    port: u16,
    token: String,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the board and returns it with how long it took to print its address.
fn start(root: &Path, docket: &str) -> (Server, f64) {
    let began = Instant::now();
    let mut child = Command::new(docket)
        .current_dir(root)
        .args(["serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let elapsed = began.elapsed().as_secs_f64() * 1000.0;
    let url = line.trim().strip_prefix("board: ").unwrap().to_owned();
    let (port, token) = url.strip_prefix("http://127.0.0.1:").unwrap().split_once("/?token=").unwrap();
    (Server { port: port.parse().unwrap(), token: token.to_owned(), url: url.clone(), child }, elapsed)
}

impl Server {
    fn request(&self, method: &str, path: &str, body: Option<&str>) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let body = body.unwrap_or("");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-Docket-Token: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            self.token,
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{method} {path}: {}", answer.lines().next().unwrap_or(""));
        answer
    }

    fn timed(&self, method: &str, path: &str, body: Option<&str>) -> f64 {
        let began = Instant::now();
        self.request(method, path, body);
        began.elapsed().as_secs_f64() * 1000.0
    }
}

fn main() {
    let records = std::env::var("DOCKET_BENCH_BOARD_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    println!("generating a tracker of {records} issues (reused between runs)…");
    let root = support::tracker(&format!("tracker2-{records}"), records);
    let docket = env!("CARGO_BIN_EXE_docket");
    support::git(&root, &["reset", "-q", "--hard"]);
    support::index(&root, docket);
    println!("\n## the web board at {records} issues ({})\n", support::date(now()));
    support::header();
    let naive = support::measure(&root, "rg", &["-c", "^stage", "issues"], 5);
    let status = support::measure(&root, "git", &["status", "--porcelain"], 5);

    let (server, started) = start(&root, docket);
    support::row(
        "`docket serve` until it prints its address (every stamp compared)",
        (started, f64::NAN),
        "`rg -c ^stage issues` (read every file's stage)",
        naive,
    );
    // The first paint's data: what the page asks for before it shows the board.
    let first = server.timed("GET", "/api/meta", None)
        + server.timed("GET", "/api/board?kind=issue", None)
        + server.timed("GET", "/api/status", None);
    let mut warm = Vec::new();
    for _ in 0..5 {
        warm.push(
            server.timed("GET", "/api/meta", None)
                + server.timed("GET", "/api/board?kind=issue", None)
                + server.timed("GET", "/api/status", None),
        );
    }
    support::row(
        "first paint's data (meta + board + status), first request",
        (first, f64::NAN),
        "`rg -c ^stage issues`",
        naive,
    );
    support::row(
        "first paint's data, again (median of 5)",
        (support::median(warm), f64::NAN),
        "`git status --porcelain`",
        status,
    );
    let page = support::median(
        (0..5)
            .map(|_| server.timed("GET", "/api/column?kind=issue&state=development&offset=50&limit=50", None))
            .collect(),
    );
    support::row("the next 50 cards of a column (scroll)", (page, f64::NAN), "`git status --porcelain`", status);
    let search = support::median(
        (0..5).map(|_| server.timed("GET", "/api/board?kind=issue&q=kumquat%20OR%20title:zendesk", None)).collect(),
    );
    support::row("the board filtered by a search", (search, f64::NAN), "`rg -c ^stage issues`", naive);

    // A move's round trip: the request until the file is written and answered, and until the
    // event reaches an open board. Each run moves another card implementation → completed.
    let column = server.request("GET", "/api/column?kind=issue&state=implementation&limit=7", None);
    let ids: Vec<String> = column.split("\"id\":\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_owned()).collect();
    assert!(ids.len() >= 6, "not enough cards in implementation");
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(events, "GET /api/events?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", server.token, server.port)
        .unwrap();
    let mut events = BufReader::new(events);
    let wait_for = |events: &mut BufReader<TcpStream>, what: &str| {
        let mut line = String::new();
        while !line.contains(what) {
            line.clear();
            assert!(events.read_line(&mut line).unwrap() > 0, "the event stream ended");
        }
    };
    wait_for(&mut events, "event: hello");
    let (mut answered, mut heard) = (Vec::new(), Vec::new());
    for id in ids.iter().take(5) {
        let began = Instant::now();
        server.request("POST", &format!("/api/record/{id}/move"), Some(r#"{"state":"completed"}"#));
        answered.push(began.elapsed().as_secs_f64() * 1000.0);
        wait_for(&mut events, &format!("{id}.toml"));
        heard.push(began.elapsed().as_secs_f64() * 1000.0);
    }
    let cli = (support::time_once(&root, docket, &["move", &ids[5], "completed"]), f64::NAN);
    support::row(
        "a move, until answered (written)",
        (support::median(answered), f64::NAN),
        "`docket move` (a process)",
        cli,
    );
    support::row(
        "a move, until the open boards hear of it (50 ms settle)",
        (support::median(heard), f64::NAN),
        "`docket move` (a process)",
        cli,
    );

    // The first paint in a real browser, when Chromium and playwright-core are there.
    let paint = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/paint.mjs");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if Path::new(&chromium).is_file() && paint.is_file() {
        let output = Command::new("node")
            .arg(&paint)
            .env("DOCKET_BOARD_URL", &server.url)
            .env("CHROMIUM", &chromium)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        println!("\nin Chromium: {}", text.trim());
    } else {
        println!("\n(no Chromium at {chromium}: the first paint in a browser is not measured)");
    }
    drop(server);
    support::git(&root, &["reset", "-q", "--hard"]);
}

fn now() -> i64 {
    i64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()).unwrap()
}
