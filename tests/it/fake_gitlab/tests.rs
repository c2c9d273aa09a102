//! Tests of the fake GitLab itself, over raw HTTP: what a client sees (statuses, bodies, headers)
//! and what the fake then holds.

use std::time::Duration;

use serde_json::{Value, json};

use super::{FakeGitlab, Recorded, check_requests_against_openapi};

/// A raw HTTP client of the fake: statuses are answers, not errors.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: &'static str,
}

/// One answer.
pub struct Reply {
    pub status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// The URL of a `Link` relation.
    pub fn link(&self, rel: &str) -> Option<String> {
        let links = self.header("Link")?;
        links.split(", ").find(|link| link.ends_with(&format!("rel=\"{rel}\""))).map(|link| {
            let start = link.find('<').expect("a link has <") + 1;
            link[start..link.find('>').expect("a link has >")].to_owned()
        })
    }
}

impl Client {
    pub fn new(fake: &FakeGitlab) -> Self {
        Self::with_timeout(fake, Duration::from_secs(20))
    }

    fn with_timeout(fake: &FakeGitlab, timeout: Duration) -> Self {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into();
        Self { agent, base: fake.url(), token: fake.token() }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") { path.to_owned() } else { format!("{}/api/v4{path}", self.base) }
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the fake GitLab answers");
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().expect("ASCII header").to_owned()))
            .collect();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().expect("a text body");
        Reply { status, headers, body }
    }

    /// A GET of `/api/v4<path>` (or of a full URL, such as a `Link`), with the token.
    pub fn get(&self, path: &str) -> Reply {
        Self::reply(self.agent.get(self.url(path)).header("PRIVATE-TOKEN", self.token).call())
    }

    /// A GET with these headers instead of the token.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::reply(request.call())
    }

    /// A POST or PUT with a body of this type.
    pub fn send(&self, method: &str, path: &str, content_type: &str, body: &str) -> Result<Reply, ureq::Error> {
        let request = match method {
            "POST" => self.agent.post(self.url(path)),
            "PUT" => self.agent.put(self.url(path)),
            other => panic!("no body for {other}"),
        };
        let response = request.header("PRIVATE-TOKEN", self.token).content_type(content_type).send(body);
        response.map(|response| Self::reply(Ok(response)))
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.send("POST", path, "application/json", &body.to_string()).expect("the fake GitLab answers")
    }

    pub fn put(&self, path: &str, body: &Value) -> Reply {
        self.send("PUT", path, "application/json", &body.to_string()).expect("the fake GitLab answers")
    }

    /// A form body (`application/x-www-form-urlencoded`), given already encoded.
    pub fn form(&self, method: &str, path: &str, body: &str) -> Reply {
        self.send(method, path, "application/x-www-form-urlencoded", body).expect("the fake GitLab answers")
    }

    /// Every item of a list, following `rel="next"` links; returns the items and the pages read.
    pub fn all_pages(&self, path: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut next) = (Vec::new(), 0, Some(path.to_owned()));
        while let Some(url) = next {
            let reply = self.get(&url);
            assert_eq!(reply.status, 200, "{}", reply.body);
            items.extend(reply.json().as_array().expect("a list").iter().cloned());
            pages += 1;
            next = reply.link("next");
        }
        (items, pages)
    }
}

fn titles(items: &[Value]) -> Vec<&str> {
    items.iter().map(|item| item["title"].as_str().expect("a title")).collect()
}

#[test]
fn serves_the_project_and_its_users() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    for path in ["/projects/1", "/projects/group%2Fproject"] {
        let project = client.get(path);
        assert_eq!(project.status, 200);
        let project = project.json();
        assert_eq!((project["id"].as_u64(), project["path_with_namespace"].as_str()), (Some(1), Some("group/project")));
        assert_eq!(project["web_url"], json!(format!("{}/group/project", fake.url())));
    }
    let missing = client.get("/projects/other%2Fproject");
    assert_eq!((missing.status, missing.json()), (404, json!({ "message": "404 Project Not Found" })));

    let me = client.get("/user").json();
    assert_eq!((me["id"].as_u64(), me["username"].as_str()), (Some(1), Some("docket-bot")));
    let dylan = client.get("/users?username=dylan").json();
    assert_eq!(
        dylan,
        json!([{ "id": 2, "username": "dylan", "name": "Dylan", "state": "active", "locked": false,
        "public_email": null, "avatar_url": "https://www.gravatar.com/avatar/dylan?s=80&d=identicon",
        "web_url": format!("{}/dylan", fake.url()) }])
    );
    assert_eq!(client.get("/users?username=nobody").json(), json!([]));
    assert_eq!(client.get("/users").json().as_array().map(Vec::len), Some(4));

    let unknown = client.get("/projects/1/wikis");
    assert_eq!((unknown.status, unknown.json()), (404, json!({ "error": "404 Not Found" })));
    assert_eq!(client.form("POST", "/projects/1", "title=x").status, 405);
}

#[test]
fn wants_the_token_in_either_header() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    let unauthorized = json!({ "message": "401 Unauthorized" });
    for headers in [&[][..], &[("PRIVATE-TOKEN", "wrong")][..], &[("Authorization", "Bearer wrong")][..]] {
        let reply = client.get_with("/projects/1/issues", headers);
        assert_eq!((reply.status, reply.json()), (401, unauthorized.clone()), "{headers:?}");
    }
    let bearer = client.get_with("/user", &[("Authorization", "Bearer secret-token")]);
    assert_eq!((bearer.status, bearer.json()["username"].as_str()), (200, Some("docket-bot")));
}

#[test]
fn creates_reads_and_updates_issues() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    let milestone = client.post("/projects/1/milestones", &json!({ "title": "v1" })).json();
    let created = client.post(
        "/projects/1/issues",
        &json!({ "title": "Crash on start", "description": "It crashes.", "assignee_ids": [2, 3],
                 "milestone_id": milestone["id"], "weight": 3, "due_date": "2027-01-05", "confidential": false }),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let issue = created.json();
    assert_eq!(issue["iid"], json!(1));
    assert_ne!(issue["id"], issue["iid"], "ids and iids differ");
    assert_eq!(issue["state"], json!("opened"));
    assert_eq!(issue["author"]["username"], json!("docket-bot"));
    assert_eq!(
        issue["assignees"].as_array().map(|users| users.iter().map(|user| user["username"].clone()).collect()),
        Some(vec![json!("dylan"), json!("jason")])
    );
    assert_eq!(issue["assignee"]["username"], json!("dylan"));
    assert_eq!(issue["milestone"]["title"], json!("v1"));
    assert_eq!((issue["weight"].clone(), issue["due_date"].clone()), (json!(3), json!("2027-01-05")));
    assert_eq!((issue["type"].clone(), issue["issue_type"].clone()), (json!("ISSUE"), json!("issue")));
    assert_eq!(issue["references"]["full"], json!("group/project#1"));
    assert_eq!(issue["web_url"], json!(format!("{}/group/project/-/issues/1", fake.url())));
    assert!(issue["created_at"].as_str().is_some_and(|at| at.len() == 24 && at.get(19..) == Some(".000Z")), "{issue}");
    assert_eq!(client.get("/projects/1/issues/1").json(), issue);

    let before = issue["updated_at"].as_str().expect("a timestamp").to_owned();
    let closed =
        client.put("/projects/1/issues/1", &json!({ "state_event": "close", "title": "Crash at start" })).json();
    assert_eq!((closed["state"].as_str(), closed["title"].as_str()), (Some("closed"), Some("Crash at start")));
    assert!(closed["updated_at"].as_str() > Some(before.as_str()));
    assert_eq!(closed["closed_at"], closed["updated_at"]);
    assert_eq!(closed["closed_by"]["username"], json!("docket-bot"));
    let reopened = client.form("PUT", "/projects/1/issues/1", "state_event=reopen&weight=&milestone_id=0").json();
    assert_eq!(reopened["state"], json!("opened"));
    assert_eq!(
        (reopened["closed_at"].clone(), reopened["weight"].clone(), reopened["milestone"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    let cleared = client.put("/projects/1/issues/1", &json!({ "assignee_ids": [], "due_date": null })).json();
    assert_eq!((cleared["assignees"].clone(), cleared["due_date"].clone()), (json!([]), Value::Null));
    // A PUT that changes nothing leaves updated_at alone.
    let unchanged = client.put("/projects/1/issues/1", &json!({ "title": "Crash at start" })).json();
    assert_eq!(unchanged["updated_at"], cleared["updated_at"]);

    let not_found = json!({ "message": "404 Not found" });
    let missing = client.get("/projects/1/issues/99");
    assert_eq!((missing.status, missing.json()), (404, not_found.clone()));
    let missing = client.put("/projects/1/issues/99", &json!({ "title": "x" }));
    assert_eq!((missing.status, missing.json()), (404, not_found));
    let nothing = client.put("/projects/1/issues/1", &json!({}));
    assert_eq!(nothing.status, 400);
    assert!(
        nothing.json()["error"].as_str().is_some_and(|text| text.ends_with("at least one parameter must be provided"))
    );
    let untitled = client.post("/projects/1/issues", &json!({ "description": "no title" }));
    assert_eq!((untitled.status, untitled.json()), (400, json!({ "error": "title is missing" })));
    let blank = client.post("/projects/1/issues", &json!({ "title": "" }));
    assert_eq!((blank.status, blank.json()), (400, json!({ "message": { "title": ["can't be blank"] } })));
    let bad = client.put("/projects/1/issues/1", &json!({ "state_event": "shut" }));
    assert_eq!((bad.status, bad.json()), (400, json!({ "error": "state_event does not have a valid value" })));
    let bad = client.get("/projects/1/issues/first");
    assert_eq!((bad.status, bad.json()), (400, json!({ "error": "issue_iid is invalid" })));
    assert_eq!(fake.issues().len(), 1);
    assert_eq!(fake.issue(1)["title"], json!("Crash at start"));
}

#[test]
fn takes_labels_as_a_comma_string_a_json_array_or_form_arrays() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    let reply = client.post("/projects/1/issues", &json!({ "title": "a", "labels": "bug, area/cli" }));
    assert_eq!(reply.json()["labels"], json!(["area/cli", "bug"]));
    let reply = client.post("/projects/1/issues", &json!({ "title": "b", "labels": ["bug", "docs,ux"] }));
    assert_eq!(reply.json()["labels"], json!(["bug", "docs", "ux"]));
    let reply = client.form("POST", "/projects/1/issues", "title=c&labels%5B%5D=bug&labels%5B%5D=help+wanted");
    assert_eq!(reply.json()["labels"], json!(["bug", "help wanted"]));
    let reply = client.form("POST", "/projects/1/issues", "title=d&labels=p1,p2");
    assert_eq!(reply.json()["labels"], json!(["p1", "p2"]));
    let reply =
        client.send("POST", "/projects/1/issues?title=e&labels=in-query", "application/json", "").expect("answers");
    assert_eq!((reply.status, reply.json()["labels"].clone()), (201, json!(["in-query"])));
    assert_eq!(fake.labels(), ["area/cli", "bug", "docs", "help wanted", "in-query", "p1", "p2", "ux"]);
    let label = &client.get("/projects/1/labels?search=help").json()[0];
    assert_eq!((label["name"].as_str(), label["color"].as_str()), (Some("help wanted"), Some("#6699cc")));
}

#[test]
fn adds_removes_and_keeps_scoped_labels_exclusive() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    client.post("/projects/1/issues", &json!({ "title": "a", "labels": "bug,workflow::todo,priority::1" }));
    let put = |body: Value| client.put("/projects/1/issues/1", &body).json()["labels"].clone();
    assert_eq!(put(json!({ "add_labels": "workflow::doing" })), json!(["bug", "priority::1", "workflow::doing"]));
    assert_eq!(put(json!({ "remove_labels": ["bug", "not-there"] })), json!(["priority::1", "workflow::doing"]));
    assert_eq!(put(json!({ "labels": "workflow::a,workflow::b,x" })), json!(["workflow::b", "x"]));
    assert_eq!(put(json!({ "labels": "" })), json!([]));
    // Nested scopes: the scope of `a::b::c` is `a::b`.
    assert_eq!(put(json!({ "labels": ["a::b::c", "a::x", "a::b::d"] })), json!(["a::b::d", "a::x"]));
    fake.edit_issue(1, "dylan", json!({ "add_labels": ["priority::2"], "remove_labels": "a::x" }));
    assert_eq!(fake.issue(1)["labels"], json!(["a::b::d", "priority::2"]));
}

#[test]
fn filters_issue_lists() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    client.post("/projects/1/milestones", &json!({ "title": "v1" }));
    client.post("/projects/1/issues", &json!({ "title": "Alpha crash", "labels": "bug", "milestone": "v1" }));
    client.post("/projects/1/issues", &json!({ "title": "Beta", "description": "a crash inside", "labels": "bug,ux" }));
    fake.set_clock("2027-01-01T00:00:00Z");
    let since = fake.now();
    assert_eq!(since, "2027-01-01T00:00:00.000Z");
    let iid = fake.create_issue("jason", json!({ "title": "Gamma", "assignee_ids": [4] }));
    assert_eq!(iid, 3);
    client.put("/projects/1/issues/1", &json!({ "state_event": "close" }));

    let list = |query: &str| {
        let reply = client.get(&format!("/projects/1/issues{query}"));
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        titles(reply.json().as_array().expect("a list")).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(list(""), ["Gamma", "Beta", "Alpha crash"], "newest first by default");
    assert_eq!(list("?sort=asc"), ["Alpha crash", "Beta", "Gamma"]);
    assert_eq!(list("?order_by=updated_at"), ["Alpha crash", "Gamma", "Beta"]);
    assert_eq!(list("?order_by=title&sort=asc"), ["Alpha crash", "Beta", "Gamma"]);
    assert_eq!(list("?state=opened"), ["Gamma", "Beta"]);
    assert_eq!(list("?state=closed"), ["Alpha crash"]);
    assert_eq!(list("?labels=bug,ux"), ["Beta"]);
    assert_eq!(list("?labels=None"), ["Gamma"]);
    assert_eq!(list("?milestone=v1"), ["Alpha crash"]);
    assert_eq!(list("?milestone=None"), ["Gamma", "Beta"]);
    assert_eq!(list("?search=crash"), ["Beta", "Alpha crash"]);
    assert_eq!(list("?search=crash&in=title"), ["Alpha crash"]);
    assert_eq!(list("?iids%5B%5D=1&iids%5B%5D=3"), ["Gamma", "Alpha crash"]);
    assert_eq!(list("?author_username=jason"), ["Gamma"]);
    assert_eq!(list("?assignee_id=4"), ["Gamma"]);
    // updated_after is inclusive: an issue updated at exactly that instant is listed.
    let gamma_updated = fake.issue(3)["updated_at"].as_str().expect("a timestamp").to_owned();
    assert_eq!(list(&format!("?updated_after={since}")), ["Gamma", "Alpha crash"]);
    assert_eq!(list(&format!("?updated_after={gamma_updated}&order_by=updated_at")), ["Alpha crash", "Gamma"]);
    assert_eq!(list("?updated_after=2027-01-01T00:00:02Z"), ["Alpha crash"]);

    let bad = client.get("/projects/1/issues?updated_after=yesterday");
    assert_eq!((bad.status, bad.json()), (400, json!({ "error": "updated_after is invalid" })));
    let bad = client.get("/projects/1/issues?order_by=id");
    assert_eq!((bad.status, bad.json()), (400, json!({ "error": "order_by does not have a valid value" })));
    assert_eq!(client.get("/projects/1/issues?not%5Blabels%5D=bug").status, 501, "unfaked filters say so");
    let detailed = client.get("/projects/1/issues?with_labels_details=true&labels=ux").json();
    assert_eq!(detailed[0]["labels"][1]["name"], json!("ux"));
}

#[test]
fn pages_by_offset_with_gitlab_headers() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    for n in 1..=7 {
        fake.create_issue("dylan", json!({ "title": format!("Issue {n}") }));
    }
    fake.set_per_page_max(3);
    let first = client.get("/projects/1/issues?per_page=100&sort=asc");
    let header = |name: &str| first.header(name).map(str::to_owned);
    assert_eq!(titles(first.json().as_array().expect("a list")), ["Issue 1", "Issue 2", "Issue 3"]);
    assert_eq!(
        ["X-Page", "X-Per-Page", "X-Next-Page", "X-Prev-Page", "X-Total", "X-Total-Pages"].map(header),
        [Some("1"), Some("3"), Some("2"), Some(""), Some("7"), Some("3")].map(|value| value.map(str::to_owned))
    );
    let base = format!("{}/api/v4/projects/1/issues", fake.url());
    assert_eq!(
        first.link("next"),
        Some(format!(
            "{base}?id=1&order_by=created_at&page=2&per_page=100&sort=asc&state=all&with_labels_details=false"
        ))
    );
    assert!(first.link("first").is_some_and(|url| url.contains("page=1&")));
    assert!(first.link("last").is_some_and(|url| url.contains("page=3&")));
    assert_eq!(first.link("prev"), None);

    let last = client.get("/projects/1/issues?page=3&per_page=3");
    assert_eq!((last.header("X-Next-Page"), last.header("X-Prev-Page")), (Some(""), Some("2")));
    assert_eq!(titles(last.json().as_array().expect("a list")), ["Issue 1"]);
    let beyond = client.get("/projects/1/issues?page=9");
    assert_eq!((beyond.json(), beyond.header("X-Prev-Page")), (json!([]), Some("")));

    let (all, pages) = client.all_pages("/projects/1/issues?sort=asc");
    assert_eq!((all.len(), pages), (7, 3));
    assert_eq!(all[6]["title"], json!("Issue 7"));
    // Notes, milestones and labels page the same way.
    for n in 1..=4 {
        fake.add_note(1, "lyle", &format!("note {n}"), false);
    }
    let (notes, pages) = client.all_pages("/projects/1/issues/1/notes?sort=asc");
    assert_eq!((notes.len(), pages), (4, 2));
    let notes_page = client.get("/projects/1/issues/1/notes");
    assert!(notes_page.link("next").is_some_and(|url| url.contains("noteable_id=1&noteable_type=issues")));
}

#[test]
fn drops_totals_past_the_total_limit() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    for n in 1..=6 {
        fake.create_issue("dylan", json!({ "title": format!("Issue {n}") }));
    }
    fake.set_total_limit(6);
    let within = client.get("/projects/1/issues?per_page=2");
    assert_eq!((within.header("X-Total"), within.header("X-Total-Pages")), (Some("6"), Some("3")));
    fake.set_total_limit(5);
    let beyond = client.get("/projects/1/issues?per_page=2&page=2");
    assert_eq!((beyond.header("X-Total"), beyond.header("X-Total-Pages"), beyond.link("last")), (None, None, None));
    assert_eq!((beyond.header("X-Next-Page"), beyond.header("X-Prev-Page")), (Some("3"), Some("1")));
    assert!(beyond.link("next").is_some() && beyond.link("first").is_some());
    let (all, pages) = client.all_pages("/projects/1/issues?per_page=2");
    assert_eq!((all.len(), pages), (6, 3));
}

#[test]
fn pages_by_keyset_cursor() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    for n in 1..=5 {
        fake.create_issue("dylan", json!({ "title": format!("Issue {n}") }));
    }
    fake.edit_issue(2, "dylan", json!({ "description": "touched" }));
    let first = client.get("/projects/1/issues?pagination=keyset&order_by=updated_at&sort=asc&per_page=2");
    assert_eq!(first.status, 200);
    assert_eq!((first.header("X-Total"), first.header("X-Page")), (None, None));
    let next = first.link("next").expect("a next link");
    assert!(next.contains("cursor=") && next.contains("pagination=keyset"), "{next}");
    let (all, pages) = client.all_pages("/projects/1/issues?pagination=keyset&order_by=updated_at&sort=asc&per_page=2");
    assert_eq!(titles(&all), ["Issue 1", "Issue 3", "Issue 4", "Issue 5", "Issue 2"]);
    assert_eq!(pages, 3);
    let (all, _) = client.all_pages("/projects/1/issues?pagination=keyset&per_page=2");
    assert_eq!(titles(&all), ["Issue 5", "Issue 4", "Issue 3", "Issue 2", "Issue 1"], "created_at desc by default");
    let bad = client.get("/projects/1/issues?pagination=keyset&cursor=nonsense");
    assert_eq!(bad.status, 400);
}

#[test]
fn notes_touch_their_issue() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    client.post("/projects/1/issues", &json!({ "title": "a" }));
    let before = fake.issue(1)["updated_at"].clone();
    let note = client.post("/projects/1/issues/1/notes", &json!({ "body": "First!" }));
    assert_eq!(note.status, 201);
    let note = note.json();
    assert_eq!((note["body"].as_str(), note["system"].as_bool()), (Some("First!"), Some(false)));
    assert_eq!((note["noteable_type"].as_str(), note["noteable_iid"].as_u64()), (Some("Issue"), Some(1)));
    assert_eq!(note["noteable_id"], fake.issue(1)["id"]);
    assert_eq!(note["author"]["username"], json!("docket-bot"));
    let issue = fake.issue(1);
    assert_eq!((issue["user_notes_count"].as_u64(), issue["updated_at"] == before), (Some(1), false));
    assert_eq!(issue["updated_at"], note["created_at"]);

    fake.add_note(1, "dylan", "changed the description", true);
    fake.edit_issue(1, "jason", json!({ "assignee_ids": [2], "title": "b" }));
    assert_eq!(fake.issue(1)["user_notes_count"], json!(1), "system notes are not user notes");
    let bodies: Vec<Value> = fake.notes(1).iter().map(|note| note["body"].clone()).collect();
    assert_eq!(
        bodies,
        [
            json!("First!"),
            json!("changed the description"),
            json!("changed title from **a** to **b**"),
            json!("assigned to @dylan")
        ]
    );
    let listed = client.get("/projects/1/issues/1/notes").json();
    assert_eq!(listed[0]["body"], json!("assigned to @dylan"), "newest first by default");
    let comments = client.get("/projects/1/issues/1/notes?activity_filter=only_comments&sort=asc").json();
    assert_eq!(comments.as_array().map(Vec::len), Some(1));
    let empty = client.post("/projects/1/issues/1/notes", &json!({ "body": "" }));
    assert_eq!(empty.status, 400);
    let missing = client.post("/projects/1/issues/1/notes", &json!({}));
    assert_eq!((missing.status, missing.json()), (400, json!({ "error": "body is missing" })));
    assert_eq!(client.post("/projects/1/issues/9/notes", &json!({ "body": "x" })).status, 404);
}

#[test]
fn keeps_milestones() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    let created = client.form("POST", "/projects/1/milestones", "title=v2&due_date=2027-03-01&description=Second");
    assert_eq!(created.status, 201);
    let v2 = created.json();
    assert_eq!(
        (v2["state"].as_str(), v2["iid"].as_u64(), v2["expired"].as_bool()),
        (Some("active"), Some(1), Some(false))
    );
    let v1 = client.post("/projects/1/milestones", &json!({ "title": "v1", "due_date": "2026-01-01" })).json();
    assert_eq!(v1["expired"], json!(true), "due before the server's today");
    let taken = client.post("/projects/1/milestones", &json!({ "title": "v1" }));
    assert_eq!(taken.status, 400);
    let id = v2["id"].as_u64().expect("an id");
    let closed = client.put(&format!("/projects/1/milestones/{id}"), &json!({ "state_event": "close" })).json();
    assert_eq!(closed["state"], json!("closed"));
    assert_eq!(client.get(&format!("/projects/1/milestones/{id}")).json(), closed);
    let list = |query: &str| {
        titles(client.get(&format!("/projects/1/milestones{query}")).json().as_array().expect("a list"))
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(""), ["v1", "v2"], "by due date");
    assert_eq!(list("?state=active"), ["v1"]);
    assert_eq!(list("?state=closed"), ["v2"]);
    assert_eq!(list("?search=second"), ["v2"]);
    assert_eq!(list("?iids%5B%5D=2"), ["v1"]);
    fake.edit_milestone(id, json!({ "state_event": "activate", "title": "v2.0" }));
    assert_eq!(fake.milestones()[0]["title"], json!("v2.0"));
    assert_eq!(fake.milestones()[0]["state"], json!("active"));
    let missing = client.get("/projects/1/milestones/999");
    assert_eq!((missing.status, missing.json()), (404, json!({ "message": "404 Not found" })));
    let backwards = client.put(&format!("/projects/1/milestones/{id}"), &json!({ "start_date": "2027-04-01" }));
    assert_eq!(backwards.status, 400);
}

#[test]
fn keeps_labels() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    let created =
        client.post("/projects/1/labels", &json!({ "name": "bug", "color": "#d9534f", "description": "Broken" }));
    assert_eq!(created.status, 201);
    assert_eq!(
        (created.json()["name"].as_str(), created.json()["is_project_label"].as_bool()),
        (Some("bug"), Some(true))
    );
    let again = client.post("/projects/1/labels", &json!({ "name": "bug", "color": "#d9534f" }));
    assert_eq!((again.status, again.json()), (409, json!({ "message": "Label already exists" })));
    let missing = client.form("POST", "/projects/1/labels", "description=x");
    assert_eq!((missing.status, missing.json()), (400, json!({ "error": "name is missing, color is missing" })));
    let bad = client.post("/projects/1/labels", &json!({ "name": "ux", "color": "bluish" }));
    assert_eq!(bad.status, 400);
    client.post("/projects/1/issues", &json!({ "title": "a", "labels": "bug,ux" }));
    let counted = client.get("/projects/1/labels?with_counts=true").json();
    assert_eq!((counted[0]["name"].as_str(), counted[0]["open_issues_count"].as_u64()), (Some("bug"), Some(1)));
    assert_eq!(fake.labels(), ["bug", "ux"]);
}

#[test]
fn faults_with_429_and_502_without_side_effects() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    fake.set_faults(Some(3), Some(4));
    fake.set_retry_after(7);
    let statuses: Vec<u16> =
        (0..8).map(|n| client.post("/projects/1/issues", &json!({ "title": format!("try {n}") })).status).collect();
    assert_eq!(statuses, [201, 201, 429, 502, 201, 429, 201, 502]);
    assert_eq!(fake.issues().len(), 4);
    assert_eq!(fake.writes(), 4);
    fake.clear_requests();
    let limited = client.get("/user");
    assert_eq!(limited.status, 429);
    assert_eq!((limited.header("Retry-After"), limited.body.as_str()), (Some("7"), "Retry later\n"));
    assert_eq!(client.get("/user").status, 200);
    let recorded: Vec<u16> = fake.requests().iter().map(|request| request.status).collect();
    assert_eq!(recorded, [429, 200], "the record keeps faulted requests");
    fake.set_faults(None, None);
    assert_eq!(client.get("/user").status, 200);
}

#[test]
fn stalls_an_issue_creation_it_has_made() {
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    fake.stall_after_issue_creates(2);
    assert_eq!(client.post("/projects/1/issues", &json!({ "title": "one" })).status, 201);
    let impatient = Client::with_timeout(&fake, Duration::from_millis(700));
    let stalled =
        impatient.send("POST", "/projects/1/issues", "application/json", &json!({ "title": "two" }).to_string());
    assert!(stalled.is_err(), "no answer comes");
    assert_eq!(fake.issue(2)["title"], json!("two"), "but the issue exists");
    assert_eq!(fake.writes(), 2);
    // The server goes on serving, and stalls only once.
    assert_eq!(client.post("/projects/1/issues", &json!({ "title": "three" })).status, 201);
    assert_eq!(client.get("/projects/1/issues").json().as_array().map(Vec::len), Some(3));
}

#[test]
fn checks_requests_against_gitlabs_openapi() {
    let record = |method: &str, path: &str, query: &str, content_type: Option<&str>, body: &str| Recorded {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        content_type: content_type.map(str::to_owned),
        body: body.to_owned(),
        status: 200,
    };
    let json_type = Some("application/json");
    let conformant = [
        record(
            "GET",
            "/api/v4/projects/group%2Fproject/issues",
            "state=opened&labels=a,b&iids[]=1&per_page=100",
            None,
            "",
        ),
        record("GET", "/api/v4/projects/1/issues", "pagination=keyset&order_by=updated_at&cursor=abc", None, ""),
        record(
            "POST",
            "/api/v4/projects/1/issues",
            "",
            json_type,
            r#"{"title":"t","labels":"a,b","assignee_ids":[2]}"#,
        ),
        record(
            "PUT",
            "/api/v4/projects/1/issues/3",
            "",
            Some("application/x-www-form-urlencoded"),
            "add_labels%5B%5D=x&weight=",
        ),
        record("POST", "/api/v4/projects/1/issues/3/notes", "", json_type, r#"{"body":"hi"}"#),
        record("PUT", "/api/v4/projects/1/milestones/31", "", json_type, r#"{"state_event":"close"}"#),
        record("GET", "/api/v4/user", "", None, ""),
        record("GET", "/api/v4/projects/1", "", None, ""),
    ];
    assert_eq!(check_requests_against_openapi(&conformant), Vec::<String>::new());
    let violations = check_requests_against_openapi(&[
        record("GET", "/api/v4/projects/1/issues", "order_by=id&colour=red&per_page=many", None, ""),
        record("POST", "/api/v4/projects/1/issues", "", json_type, r#"{"description":"no title"}"#),
        record("PUT", "/api/v4/projects/1/issues/x", "", json_type, r#"{"state_event":"shut"}"#),
        record("GET", "/api/v4/projects/1/boards", "", None, ""),
        record("PATCH", "/api/v4/projects/1/issues/1", "", json_type, r#"{"title":"t"}"#),
        record("POST", "/api/v4/projects/1/labels", "", json_type, r#"{"name":"bug"}"#),
    ]);
    let expected = [
        "GET /api/v4/projects/1/issues?order_by=id&colour=red&per_page=many: parameter `order_by` is \"id\", not one of",
        "GET /api/v4/projects/1/issues?order_by=id&colour=red&per_page=many: parameter `colour` is not declared for getApiV4ProjectsIdIssues",
        "GET /api/v4/projects/1/issues?order_by=id&colour=red&per_page=many: parameter `per_page` should be an integer, not \"many\"",
        "POST /api/v4/projects/1/issues: required parameter `title` of postApiV4ProjectsIdIssues is missing",
        "PUT /api/v4/projects/1/issues/x: path parameter `issue_iid` should be an integer, not \"x\"",
        "PUT /api/v4/projects/1/issues/x: parameter `state_event` is \"shut\", not one of reopen, close",
        "GET /api/v4/projects/1/boards: no operation in GitLab's OpenAPI extract has this path",
        "PATCH /api/v4/projects/1/issues/1: GitLab's OpenAPI declares no PATCH operation on `/api/v4/projects/{id}/issues/{issue_iid}`",
        "POST /api/v4/projects/1/labels: required parameter `color` of postApiV4ProjectsIdLabels is missing",
    ];
    assert_eq!(violations.len(), expected.len(), "{violations:#?}");
    for (violation, expected) in violations.iter().zip(expected) {
        assert!(violation.starts_with(expected), "{violation}\ndoes not start with\n{expected}");
    }

    // What the fake's own tests send conforms, but for the parameters they send on purpose.
    let fake = FakeGitlab::start();
    let client = Client::new(&fake);
    client.post("/projects/1/issues", &json!({ "title": "a", "labels": ["x", "y"], "due_date": "2027-01-01" }));
    client.form("PUT", "/projects/1/issues/1", "labels%5B%5D=z&state_event=close");
    client.get("/projects/1/issues?labels=z&updated_after=2026-01-01T00:00:00Z");
    assert_eq!(check_requests_against_openapi(&fake.requests()), Vec::<String>::new());
    let request = &fake.requests()[1];
    assert_eq!(
        (request.method.as_str(), request.path.as_str(), request.query.as_str()),
        ("PUT", "/api/v4/projects/1/issues/1", "")
    );
    assert_eq!(
        (request.content_type.as_deref(), request.body.as_str()),
        (Some("application/x-www-form-urlencoded"), "labels%5B%5D=z&state_event=close")
    );
}
