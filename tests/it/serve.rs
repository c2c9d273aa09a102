//! `docket serve`: the web board's HTTP API, driven over real sockets against the real binary,
//! with the CLI as the judge of what the board must answer (same edit, same refusal). The page
//! in a real browser is `browser.rs`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{NOW, Sandbox};

/// A running `docket serve`, killed when dropped.
pub struct Board {
    child: Child,
    pub port: u16,
    pub token: String,
    pub url: String,
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Board {
    /// Starts `docket serve --port 0` in the sandbox and reads the address it prints.
    pub fn start(sandbox: &Sandbox, env: &[(&str, &str)]) -> Self {
        let mut child = sandbox.spawn_docket_piped(&["serve", "--port", "0"], env);
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the board prints its address");
        let url = line.trim().strip_prefix("board: ").unwrap_or_else(|| panic!("no address: {line:?}")).to_owned();
        let stderr = child.stderr.take().expect("piped");
        std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
        let rest = url.strip_prefix("http://127.0.0.1:").expect("on loopback");
        let (port, token) = rest.split_once("/?token=").expect("a token in the address");
        Self { child, port: port.parse().expect("a port"), token: token.to_owned(), url }
    }

    /// A request with exactly these headers (plus `Host` unless given, and `Connection:
    /// close`).
    pub fn raw(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("the board accepts");
        stream.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("host")) {
            let _ = write!(request, "Host: 127.0.0.1:{}\r\n", self.port);
        }
        for (name, value) in headers {
            let _ = write!(request, "{name}: {value}\r\n");
        }
        if let Some(body) = body {
            let _ = write!(request, "Content-Length: {}\r\n", body.len());
        }
        request.push_str("\r\n");
        request.push_str(body.unwrap_or(""));
        stream.write_all(request.as_bytes()).expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read the answer");
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        // Bodies of unknown length come chunked.
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            unchunk(body)
        } else {
            body.to_owned()
        };
        Answer { status, headers: head.to_owned(), body }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.raw("GET", path, &[("X-Docket-Token", &self.token)], None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        let headers = [("X-Docket-Token", self.token.as_str()), ("Content-Type", "application/json")];
        self.raw("POST", path, &headers, Some(&body.to_string()))
    }

    /// The ids of each column's cards, by state.
    pub fn columns(&self, query: &str) -> Vec<(String, Vec<String>)> {
        let board = self.get(&format!("/api/board?{query}"));
        assert_eq!(board.status, 200, "{}", board.body);
        board.json()["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| {
                let ids =
                    c["cards"].as_array().expect("cards").iter().map(|k| k["id"].as_str().expect("id").to_owned());
                (c["state"].as_str().expect("state").to_owned(), ids.collect())
            })
            .collect()
    }
}

fn unchunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || after.len() < size {
            break;
        }
        out.push_str(&after[..size]);
        rest = after[size..].trim_start_matches("\r\n");
    }
    out
}

/// The CLI's view: (state, ids) of every record of `kind`, in workflow order, from `docket list`.
fn cli_columns(sandbox: &Sandbox, kind: &str, states: &[String]) -> Vec<(String, Vec<String>)> {
    let listed: Value = serde_json::from_str(sandbox.docket(&["list", "--kind", kind, "--json"]).ok()).expect("json");
    let field = if kind == "mir" { "process_state" } else { "stage" };
    states
        .iter()
        .map(|state| {
            let mut ids: Vec<String> = listed
                .as_array()
                .expect("records")
                .iter()
                .filter(|r| r[field] == state.as_str())
                .map(|r| r["id"].as_str().expect("id").to_owned())
                .collect();
            ids.sort();
            (state.clone(), ids)
        })
        .collect()
}

fn sorted(mut columns: Vec<(String, Vec<String>)>) -> Vec<(String, Vec<String>)> {
    for (_, ids) in &mut columns {
        ids.sort();
    }
    columns
}

#[test]
fn the_ops_board_has_a_column_per_stage_holding_what_list_says() {
    let sandbox = Sandbox::example("ops");
    let board = Board::start(&sandbox, &[]);
    let meta = board.get("/api/meta").json();
    let issue = meta["kinds"].as_array().expect("kinds").iter().find(|k| k["kind"] == "issue").expect("issues").clone();
    assert_eq!(issue["workflow"], "ops");
    let states: Vec<String> =
        issue["states"].as_array().expect("states").iter().map(|s| s.as_str().expect("s").to_owned()).collect();
    assert_eq!(&states[..3], ["triage", "planning", "scheduling"]);
    assert_eq!(meta["default_kind"], "issue");
    assert!(meta["milestones"].as_array().expect("milestones").iter().any(|m| m["id"] == "16-7"));
    assert_eq!(sorted(board.columns("kind=issue")), cli_columns(&sandbox, "issue", &states));

    // Filters answer as `docket list` does with the same flags.
    let by_jason = sorted(board.columns("kind=issue&assignee=jason"));
    let listed: Value =
        serde_json::from_str(sandbox.docket(&["list", "--assignee", "jason", "--json"]).ok()).expect("json");
    let mut expected: Vec<String> =
        listed.as_array().expect("list").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect();
    expected.sort();
    let mut shown: Vec<String> = by_jason.into_iter().flat_map(|(_, ids)| ids).collect();
    shown.sort();
    assert_eq!(shown, expected);
    assert!(!shown.is_empty());
    let labelled: Vec<String> =
        board.columns("kind=issue&label=priority::1").into_iter().flat_map(|(_, ids)| ids).collect();
    let listed: Value =
        serde_json::from_str(sandbox.docket(&["list", "--label", "priority::1", "--json"]).ok()).expect("json");
    assert_eq!(labelled.len(), listed.as_array().expect("list").len());

    // A column holds its kind only, whatever the other kinds' states are called, and the type
    // filter answers as `list --type` does.
    sandbox.write(
        "milestones/16-8.toml",
        "title = \"16.8\"\nstage = \"planning\"\nstart = 2026-12-14\nend = 2027-01-10\n",
    );
    let planning = board.columns("kind=issue").into_iter().find(|(s, _)| s == "planning").expect("planning").1;
    assert!(!planning.contains(&"16-8".to_owned()), "{planning:?}");
    let milestones = board.columns("kind=milestone").into_iter().find(|(s, _)| s == "planning").expect("planning").1;
    assert_eq!(milestones, ["16-8"]);
    let bugs: Vec<String> = sorted(board.columns("kind=issue&type=bug")).into_iter().flat_map(|(_, ids)| ids).collect();
    let listed: Value = serde_json::from_str(sandbox.docket(&["list", "--type", "bug", "--json"]).ok()).expect("json");
    let mut expected: Vec<String> =
        listed.as_array().expect("list").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect();
    expected.sort();
    let mut bugs = bugs;
    bugs.sort();
    assert_eq!(bugs, expected);
    assert!(bugs.len() > 1 && bugs.len() < 14, "{bugs:?}");

    let in_milestone: Vec<String> =
        board.columns("kind=issue&milestone=16-7").into_iter().flat_map(|(_, ids)| ids).collect();
    let listed: Value =
        serde_json::from_str(sandbox.docket(&["list", "--milestone", "16-7", "--json"]).ok()).expect("json");
    assert_eq!(in_milestone.len(), listed.as_array().expect("list").len());
    assert!(in_milestone.len() > 1 && in_milestone.len() < 14, "{in_milestone:?}");

    // The search box answers through the index, as `docket search` does.
    let searched: Vec<String> = board.columns("kind=issue&q=SLA").into_iter().flat_map(|(_, ids)| ids).collect();
    let found: Value = serde_json::from_str(sandbox.docket(&["search", "SLA", "--json"]).ok()).expect("json");
    let mut expected: Vec<String> = found
        .as_array()
        .expect("hits")
        .iter()
        .filter(|h| h["kind"] == "issue")
        .map(|h| h["id"].as_str().expect("id").to_owned())
        .collect();
    let mut searched_sorted = searched.clone();
    searched_sorted.sort();
    expected.sort();
    assert_eq!(searched_sorted, expected);
    assert!(searched.contains(&"kpa122".to_owned()));
    let hits = board.get("/api/search?q=SLA").json();
    let mut hit_ids: Vec<String> =
        hits["hits"].as_array().expect("hits").iter().map(|h| h["id"].as_str().expect("id").to_owned()).collect();
    let mut all_found: Vec<String> =
        found.as_array().expect("hits").iter().map(|h| h["id"].as_str().expect("id").to_owned()).collect();
    hit_ids.sort();
    all_found.sort();
    assert_eq!(hit_ids, all_found);
    let kpa = hits["hits"].as_array().expect("hits").iter().find(|h| h["id"] == "kpa122").expect("kpa122");
    assert_eq!(kpa["title"], "SLA timer keeps running while the ticket is On-hold");
    assert_eq!(kpa["state"], "validation");

    // A milestone's page: the plan `docket plan` makes, and the charts.
    let page = board.get("/api/milestone/16-7").json();
    let plan: Value = serde_json::from_str(sandbox.docket(&["plan", "16-7", "--json"]).ok()).expect("json");
    assert_eq!(page["plan"], plan);
    assert_eq!(page["record"]["id"], "16-7");
    for chart in ["burndown_svg", "flow_svg"] {
        assert!(page[chart].as_str().expect("a chart").starts_with("<svg"), "{chart}");
    }
    assert!(page["burndown_svg"].as_str().expect("svg").contains("Burndown of 16.7"));
    let not_one = board.get("/api/milestone/kpa122");
    assert_eq!(not_one.status, 400);
    assert_eq!(not_one.json()["error"], "`kpa122` is an issue, not a milestone");

    // Columns page: a page of one from each offset gives the whole column, in order.
    let full = board.get("/api/column?kind=issue&state=development").json();
    let ids: Vec<&str> =
        full["cards"].as_array().expect("cards").iter().map(|c| c["id"].as_str().expect("id")).collect();
    assert_eq!(full["total"], 2);
    for (offset, id) in ids.iter().enumerate() {
        let page = board.get(&format!("/api/column?kind=issue&state=development&offset={offset}&limit=1")).json();
        assert_eq!(page["cards"].as_array().expect("cards").len(), 1);
        assert_eq!(page["cards"][0]["id"], *id);
        assert_eq!(page["total"], 2);
    }
    let card = &full["cards"][0];
    for field in ["id", "path", "title", "type", "state", "assignee", "weight", "labels", "milestone", "uncommitted"] {
        assert!(card.get(field).is_some(), "a card has `{field}`: {card}");
    }

    let mut errors = vec![
        board.get("/api/board?kind=ticket"),
        board.get("/api/column?kind=issue&state=doing"),
        board.get("/api/board?kind=issue&q=title:(unclosed"),
        board.get("/api/column?kind=issue&state=triage&offset=-1"),
        board.get("/api/record/zzzzzz"),
        board.get("/api/record/K23!"),
        board.get("/api/record/k"),
    ];
    // The tracker's own files change under the board: each request reads them again.
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &config.replace("issue = \"ops\"", "issue = \"opps\""));
    errors.push(board.get("/api/board?kind=issue"));
    std::fs::remove_file(sandbox.root().join("docket.toml")).expect("remove");
    errors.push(board.get("/api/board?kind=issue"));
    sandbox.write("docket.toml", &config);
    assert_eq!(board.get("/api/board?kind=issue").status, 200);
    let root = sandbox.root().display().to_string();
    let text: Vec<String> =
        errors.iter().map(|a| format!("{} {}", a.status, a.body.replace(&root, "[ROOT]"))).collect();
    insta::assert_snapshot!("serve_query_errors", text.join("\n"));
}

#[test]
fn a_drag_is_docket_move_refused_or_made_exactly_as_the_cli_makes_it() {
    let sandbox = Sandbox::example("ops");
    let twin = Sandbox::example("ops");
    twin.docket(&["setup"]).ok();
    sandbox.docket(&["setup"]).ok();
    let board = Board::start(&sandbox, &[]);

    // Refused: the same diagnostics as `docket move`, the file unchanged.
    let before = sandbox.read("issues/k23ewa.toml");
    let refused = board.post("/api/record/k23ewa/move", &json!({ "state": "development" }));
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(sandbox.read("issues/k23ewa.toml"), before);
    let cli = twin.docket(&["move", "k23ewa", "development"]);
    assert_eq!(cli.code, 1);
    let body = refused.json();
    for d in body["diagnostics"].as_array().expect("diagnostics") {
        assert!(cli.stderr.contains(d["message"].as_str().expect("message")), "{d} not in {}", cli.stderr);
    }
    // The board shows what the command line prints, word for word.
    assert_eq!(body["text"].as_str().expect("text"), cli.stderr);
    insta::assert_snapshot!("serve_refused_move", body["text"].as_str().expect("text"));

    // Made: byte for byte what the CLI writes.
    let made = board.post("/api/record/x24vn8/move", &json!({ "state": "completed" }));
    assert_eq!(made.status, 200, "{}", made.body);
    twin.docket(&["move", "x24vn8", "completed"]).ok();
    assert_eq!(sandbox.read("issues/x24vn8.toml"), twin.read("issues/x24vn8.toml"));
    let answer = made.json();
    assert_eq!(answer["record"]["stage"], "completed");
    assert_eq!(answer["message"], "moved issues/x24vn8.toml from `implementation` to `completed`");
    let diff = sandbox.git(&["diff", "--", "issues/x24vn8.toml"]);
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("+++") && !l.starts_with("---"))
        .collect();
    assert_eq!(changed, ["-stage = \"implementation\"", "+stage = \"completed\""], "{diff}");
    assert!(
        board
            .columns("kind=issue")
            .iter()
            .any(|(state, ids)| state == "completed" && ids.contains(&"x24vn8".to_owned()))
    );

    // Not committed: the board says so, with the command; the hook accepts the commit.
    let status = board.get("/api/status").json();
    assert_eq!(status["uncommitted"], json!([{ "path": "issues/x24vn8.toml", "status": "modified" }]));
    let command = status["command"].as_str().expect("a command");
    assert_eq!(
        command,
        "git add -- issues/x24vn8.toml && git commit -m \"Update issues/x24vn8.toml\" -- issues/x24vn8.toml"
    );
    let card = board.get("/api/column?kind=issue&state=completed").json()["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .find(|c| c["id"] == "x24vn8")
        .cloned()
        .expect("the card");
    assert_eq!(card["uncommitted"], true);
    let commit = sandbox.git_with(&["commit", "-am", "Complete x24vn8"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.both());
    assert_eq!(board.get("/api/status").json()["uncommitted"], json!([]));

    // A move that needs fields names them; given in the drop, the move is made.
    let lacking = board.post("/api/record/najgns/move", &json!({ "state": "queued" })).json();
    assert_eq!(lacking["missing"], json!(["milestone", "iteration", "assignee"]));
    let given = board.post(
        "/api/record/najgns/move",
        &json!({ "state": "queued", "assignments": ["milestone=16-7", "iteration=2026-w49", "assignee=lyle"] }),
    );
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(given.json()["record"]["stage"], "queued");
    let blocked = board.post("/api/record/cy7mts/move", &json!({ "state": "blocked" })).json();
    assert_eq!(blocked["missing"], json!(["blocked_reason"]));
    let given = board.post(
        "/api/record/cy7mts/move",
        &json!({ "state": "blocked", "assignments": ["blocked_reason=waiting for the sandbox"] }),
    );
    assert_eq!(given.status, 200, "{}", given.body);
    assert!(sandbox.read("issues/cy7mts.toml").contains("blocked_reason = \"waiting for the sandbox\""));
    let commit = sandbox.git_with(&["commit", "-am", "Queue najgns, block cy7mts"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.both());
}

#[test]
fn set_comment_and_update_are_the_cli_s_edits() {
    let sandbox = Sandbox::example("ops");
    let twin = Sandbox::example("ops");
    let board = Board::start(&sandbox, &[("USER", "dylan")]);
    let record = board.get("/api/record/kpa122").json();
    assert_eq!(record["state"], "validation");
    assert!(record["html"]["description"].as_str().expect("html").contains("<h2>Problem</h2>"));
    assert!(
        record["html"]["comments"][0]["html"].as_str().expect("html").contains("<code>On-hold - add pause tag</code>")
    );
    let fields: Vec<&str> =
        record["fields"].as_array().expect("fields").iter().map(|f| f["name"].as_str().expect("name")).collect();
    assert!(fields.contains(&"weight") && fields.contains(&"labels") && fields.contains(&"title"), "{fields:?}");
    for table_or_text in ["description", "gameplan", "rice", "comments", "updates"] {
        assert!(!fields.contains(&table_or_text), "{table_or_text} is not edited as one line: {fields:?}");
    }
    let labels =
        record["fields"].as_array().expect("fields").iter().find(|f| f["name"] == "labels").expect("labels")["value"]
            .clone();
    assert_eq!(labels, "customer::self-managed,system::zendesk-global,priority::1,validation::rejected");

    assert_eq!(record["uncommitted"], false);
    let set = board.post("/api/record/kpa122/set", &json!({ "assignments": ["weight=3"], "unset": ["health"] }));
    assert_eq!(board.get("/api/record/kpa122").json()["uncommitted"], true);
    assert_eq!(board.get("/api/record/k23ewa").json()["uncommitted"], false);
    assert_eq!(set.status, 200, "{}", set.body);
    twin.docket(&["set", "kpa122", "weight=3", "--unset", "health"]).ok();
    assert_eq!(sandbox.read("issues/kpa122.toml"), twin.read("issues/kpa122.toml"));
    assert!(set.json()["diff"].as_str().expect("diff").contains("+weight = 3"));

    let comment =
        board.post("/api/record/kpa122/comment", &json!({ "text": "Checked on the **Upgrade Assistance** form." }));
    assert_eq!(comment.status, 200, "{}", comment.body);
    twin.docket_with(
        &["comment", "kpa122", "-m", "Checked on the **Upgrade Assistance** form."],
        &[("USER", "dylan")],
        "",
    )
    .ok();
    assert_eq!(sandbox.read("issues/kpa122.toml"), twin.read("issues/kpa122.toml"));

    let update = board
        .post("/api/record/kpa122/update", &json!({ "text": "Fix verified on both forms.", "health": "on_track" }));
    assert_eq!(update.status, 200, "{}", update.body);
    twin.docket_with(
        &["update", "kpa122", "-m", "Fix verified on both forms.", "--health", "on_track"],
        &[("USER", "dylan")],
        "",
    )
    .ok();
    assert_eq!(sandbox.read("issues/kpa122.toml"), twin.read("issues/kpa122.toml"));

    // Refusals leave the file as it was.
    let before = sandbox.read("issues/kpa122.toml");
    let answers = [
        board.post("/api/record/kpa122/set", &json!({ "assignments": ["stage=completed"] })),
        board.post("/api/record/kpa122/set", &json!({ "assignments": ["weight=eleven"] })),
        board.post("/api/record/kpa122/set", &json!({ "assignments": [], "unset": ["labels"] })),
        board.post("/api/record/kpa122/set", &json!({})),
        board.post("/api/record/kpa122/comment", &json!({ "text": "   " })),
        board.post("/api/record/kpa122/update", &json!({ "text": "x", "health": "great" })),
        board.post("/api/record/16-7/update", &json!({ "text": "x" })),
        board.post("/api/record/kpa122/move", &json!({ "state": "validatoin" })),
        board.post("/api/record/kpa122/move", &json!({ "nothing": 1 })),
    ];
    assert_eq!(sandbox.read("issues/kpa122.toml"), before);
    let text: Vec<String> = answers
        .iter()
        .map(|a| {
            let body: Value = serde_json::from_str(&a.body).unwrap_or(Value::String(a.body.clone()));
            let body = match body {
                Value::Object(mut o) => {
                    o.remove("diagnostics");
                    o.remove("text");
                    Value::Object(o)
                }
                other => other,
            };
            format!("{} {body}", a.status)
        })
        .collect();
    insta::assert_snapshot!("serve_change_errors", text.join("\n"));
}

#[test]
fn the_mir_board_has_the_ten_process_states_and_moves_bugs_through_them() {
    let sandbox = Sandbox::example("mir");
    let board = Board::start(&sandbox, &[]);
    assert_eq!(board.get("/api/meta").json()["default_kind"], "mir", "the kind with the most records");
    let states: Vec<String> = board.columns("kind=mir").into_iter().map(|(s, _)| s).collect();
    assert_eq!(states.len(), 10);
    assert_eq!(sorted(board.columns("kind=mir")), cli_columns(&sandbox, "mir", &states));

    // A state made of fields the move does not set: the board asks for them.
    let lacking = board.post("/api/record/cqa5k8/move", &json!({ "state": "assigned_mir" }));
    assert_eq!(lacking.status, 409, "{}", lacking.body);
    assert_eq!(lacking.json()["missing"], json!(["assignee"]));
    assert_eq!(lacking.json()["hint"], "give the MIR team member: `assignee=<name>`");
    let given =
        board.post("/api/record/cqa5k8/move", &json!({ "state": "assigned_mir", "assignments": ["assignee=rjansen"] }));
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(given.json()["record"]["process_state"], "assigned_mir");

    // Questions for the reporter: Incomplete.
    let moved =
        board.post("/api/record/jt8bha/move", &json!({ "state": "incomplete", "message": "Which team will own it?" }));
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.json()["record"]["status"], "incomplete");
    sandbox.commit_all("jt8bha: questions");
    // Not yet 60 days without a reply: Invalid is refused.
    let early = board.post("/api/record/jt8bha/move", &json!({ "state": "invalid_expired" }));
    assert_eq!(early.status, 409, "{}", early.body);
    assert!(early.json()["error"].as_str().expect("error").contains("refused"));
    drop(board);

    // 61 days later (the clock of the board, and of the commit it is judged at).
    let later = "2027-01-23T12:00:00Z";
    let board = Board::start(&sandbox, &[("DOCKET_NOW", later), ("GIT_COMMITTER_DATE", later)]);
    let expired = board.post("/api/record/jt8bha/move", &json!({ "state": "invalid_expired" }));
    assert_eq!(expired.status, 200, "{}", expired.body);
    assert_eq!(expired.json()["record"]["process_state"], "invalid_expired");
    assert!(
        board.columns("kind=mir").iter().any(|(s, ids)| s == "invalid_expired" && ids.contains(&"jt8bha".to_owned()))
    );
    let _ = NOW;
}

#[test]
fn changes_on_disk_reach_the_board_as_events() {
    let sandbox = Sandbox::example("ops");
    let board = Board::start(&sandbox, &[]);
    let mut stream = TcpStream::connect(("127.0.0.1", board.port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET /api/events?token={} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n", board.token, board.port)
        .expect("send");
    let mut reader = BufReader::new(stream);
    let mut seen = String::new();
    // Waits for `what` in what the stream sends from now on.
    let read_until = |reader: &mut BufReader<TcpStream>, seen: &mut String, what: &str| {
        let start = Instant::now();
        seen.clear();
        while !seen.contains(what) && start.elapsed() < Duration::from_secs(10) {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.push_str(&line);
        }
        assert!(seen.contains(what), "no `{what}` in the event stream: {seen}");
    };
    read_until(&mut reader, &mut seen, "event: hello");
    // An editor's save, not docket's.
    let edited = sandbox.read("issues/k23ewa.toml").replace("stage = \"triage\"", "stage = \"backlogged\"");
    // How soon it arrives, `cargo bench --bench board` measures (about 70 ms); here it must.
    sandbox.write("issues/k23ewa.toml", &edited);
    read_until(&mut reader, &mut seen, "issues/k23ewa.toml");
    assert!(seen.contains("event: change"), "{seen}");
    // The sandbox's files are younger than the index's racy limit (2 s) when the board builds
    // the index at start, so the first fold reads them all again and names them all: let it pass.
    std::thread::sleep(Duration::from_millis(300));
    // And the board shows it, marked as not committed.
    assert!(board.columns("kind=issue").iter().any(|(s, ids)| s == "backlogged" && ids.contains(&"k23ewa".to_owned())));
    assert_eq!(
        board.get("/api/status").json()["uncommitted"],
        json!([{ "path": "issues/k23ewa.toml", "status": "modified" }])
    );
    // The board keeps following: a second save, and a file removed, arrive too.
    let retitled = sandbox.read("issues/kpa122.toml").replace("SLA timer keeps running", "SLA timer still runs");
    sandbox.write("issues/kpa122.toml", &retitled);
    read_until(&mut reader, &mut seen, "issues/kpa122.toml");
    std::fs::remove_file(sandbox.root().join("issues/s6fy4d.toml")).expect("remove");
    read_until(&mut reader, &mut seen, "issues/s6fy4d.toml");
    assert!(board.columns("kind=issue").iter().all(|(_, ids)| !ids.contains(&"s6fy4d".to_owned())));
    let statuses: Vec<String> = board.get("/api/status").json()["uncommitted"]
        .as_array()
        .expect("list")
        .iter()
        .map(|f| format!("{} {}", f["path"].as_str().expect("path"), f["status"].as_str().expect("status")))
        .collect();
    assert_eq!(
        statuses,
        ["issues/k23ewa.toml modified", "issues/kpa122.toml modified", "issues/s6fy4d.toml deleted"],
        "{seen}"
    );
    // A new file, not yet known to git, is listed as added.
    let copy = sandbox.read("issues/kpa122.toml");
    sandbox.write("issues/zz9new.toml", &copy);
    read_until(&mut reader, &mut seen, "issues/zz9new.toml");
    let added = board.get("/api/status").json()["uncommitted"].as_array().expect("list").last().cloned();
    assert_eq!(added, Some(json!({ "path": "issues/zz9new.toml", "status": "added" })));
    // Committed with git behind the board's back: nothing is uncommitted any more.
    sandbox.commit_all("Edits");
    assert_eq!(board.get("/api/status").json()["uncommitted"], json!([]));
}

#[test]
fn the_board_answers_only_its_own_page_with_its_token() {
    let sandbox = Sandbox::example("ops");
    let board = Board::start(&sandbox, &[]);
    let before = sandbox.read("issues/x24vn8.toml");
    let token = board.token.as_str();
    let host = format!("127.0.0.1:{}", board.port);
    let move_body = r#"{"state":"completed"}"#;
    let cases: Vec<(&str, Answer)> = vec![
        ("page without a token", board.raw("GET", "/", &[], None)),
        ("api without a token", board.raw("GET", "/api/meta", &[], None)),
        ("wrong token", board.raw("GET", "/api/meta", &[("X-Docket-Token", "0123")], None)),
        ("token in the query of the page", board.raw("GET", &format!("/?token={token}"), &[], None)),
        (
            "DNS rebinding: another name",
            board.raw(
                "GET",
                "/api/meta",
                &[("Host", &format!("evil.example:{}", board.port)), ("X-Docket-Token", token)],
                None,
            ),
        ),
        ("no Host", board.raw("GET", "/api/meta", &[("Host", ""), ("X-Docket-Token", token)], None)),
        (
            "cross-site POST",
            board.raw(
                "POST",
                "/api/record/x24vn8/move",
                &[("X-Docket-Token", token), ("Origin", "http://evil.example"), ("Content-Type", "application/json")],
                Some(move_body),
            ),
        ),
        (
            "a form POST (no JSON)",
            board.raw(
                "POST",
                "/api/record/x24vn8/move",
                &[("X-Docket-Token", token), ("Content-Type", "application/x-www-form-urlencoded")],
                Some("state=completed"),
            ),
        ),
        ("assets need no token", board.raw("GET", "/assets/board.js", &[], None)),
        ("unknown page", board.raw("GET", "/admin", &[("X-Docket-Token", token)], None)),
    ];
    assert_eq!(sandbox.read("issues/x24vn8.toml"), before, "no refused request changed a file");
    let text: Vec<String> = cases
        .iter()
        .map(|(what, a)| {
            format!(
                "{what}: {} {}",
                a.status,
                if a.status == 200 { "(ok)".to_owned() } else { a.body.trim().to_owned() }
            )
        })
        .collect();
    insta::assert_snapshot!("serve_guards", text.join("\n"));
    let page = &cases[3].1;
    for header in
        ["content-security-policy: default-src 'self'", "x-frame-options: DENY", "referrer-policy: no-referrer"]
    {
        assert!(
            page.headers.to_ascii_lowercase().contains(&header.to_ascii_lowercase()),
            "{header} in {}",
            page.headers
        );
    }
    assert!(page.body.contains("/assets/board.js"));
    let script = &cases[8].1;
    assert!(script.headers.to_ascii_lowercase().contains("content-type: text/javascript"), "{}", script.headers);
    assert!(script.body.contains("new EventSource("), "the page's script is served");
    let style = board.raw("GET", "/assets/board.css", &[], None);
    assert!(style.headers.to_ascii_lowercase().contains("content-type: text/css"), "{}", style.headers);
    assert!(style.body.contains(".card"), "the page's style is served");
    let same_origin =
        board.raw("GET", "/api/meta", &[("Origin", &format!("http://{host}")), ("X-Docket-Token", token)], None);
    assert_eq!(same_origin.status, 200);

    // Not reachable from another machine: the socket is on loopback only.
    if let Some(address) = non_loopback_address() {
        let reached =
            TcpStream::connect_timeout(&std::net::SocketAddr::new(address, board.port), Duration::from_secs(2));
        assert!(reached.is_err(), "the board answered on {address}");
    }
}

/// An address of this machine that is not loopback, when it has one.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    // The address a packet to the outside would leave from; nothing is sent.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let address = socket.local_addr().ok()?.ip();
    (!address.is_loopback() && !address.is_unspecified()).then_some(address)
}

#[test]
fn serve_refuses_a_port_in_use_and_warns_off_loopback() {
    let sandbox = Sandbox::example("ops");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = taken.local_addr().expect("address").port().to_string();
    let run = sandbox.docket(&["serve", "--port", &port]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("serve_port_in_use", run.stderr.replace(&port, "PORT"));
    let nowhere = sandbox.outside("nowhere");
    std::fs::create_dir_all(&nowhere).expect("a folder");
    let outside = sandbox.docket_in(&nowhere, &["serve", "--port", "0"], &[], "");
    assert_eq!(outside.code, 2, "{}", outside.both());

    // Any address but loopback: a warning, and the address to open is one the browser can use.
    let first_lines = |bind: &str| {
        let mut child = sandbox.spawn_docket_piped(&["serve", "--port", "0", "--bind", bind], &[]);
        let (mut warning, mut address) = (String::new(), String::new());
        BufReader::new(child.stderr.take().expect("piped")).read_line(&mut warning).expect("a warning");
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut address).expect("the address");
        let _ = child.kill();
        let _ = child.wait();
        (warning, address)
    };
    let (warning, address) = first_lines("0.0.0.0");
    assert!(warning.starts_with("warning: the board listens on 0.0.0.0:"), "{warning}");
    assert!(warning.contains("other machines can reach it"), "{warning}");
    assert!(address.starts_with("board: http://127.0.0.1:"), "{address}");
    if let Some(ip) = non_loopback_address() {
        let (warning, address) = first_lines(&ip.to_string());
        assert!(warning.starts_with(&format!("warning: the board listens on {ip}:")), "{warning}");
        assert!(address.starts_with(&format!("board: http://{ip}:")), "{address}");
    }
    let mut child = sandbox.spawn_docket_piped(&["serve", "--port", "0", "--bind", "127.0.0.1"], &[]);
    let mut address = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut address).expect("the address");
    let mut rest = String::new();
    let _ = child.kill();
    let _ = child.wait();
    child.stderr.take().expect("piped").read_to_string(&mut rest).expect("stderr");
    assert!(!rest.contains("warning"), "no warning on loopback: {rest}");
}

#[test]
fn an_empty_tracker_has_an_empty_board_of_issues() {
    let sandbox = Sandbox::tracker();
    let board = Board::start(&sandbox, &[]);
    let meta = board.get("/api/meta").json();
    assert_eq!(meta["default_kind"], "issue");
    assert!(board.columns("kind=issue").iter().all(|(_, ids)| ids.is_empty()));
    assert_eq!(board.get("/api/status").json()["command"], Value::Null);
}

#[test]
fn open_starts_the_browser_on_the_address_with_its_token() {
    let sandbox = Sandbox::example("ops");
    let opened = sandbox.outside("opened");
    let browser = sandbox.script("browser", &format!("echo \"$1\" > '{}'", opened.display()));
    let mut child = sandbox.spawn_docket_piped(&["serve", "--port", "0", "--open"], &[("BROWSER", &browser)]);
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).expect("the address");
    let started = Instant::now();
    while !opened.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let url = line.trim().strip_prefix("board: ").expect("an address");
    assert_eq!(std::fs::read_to_string(&opened).expect("the browser was started").trim(), url);
}
