//! Tests of the fake Launchpad itself, over raw HTTP: what a client sees (statuses, bodies,
//! headers) and what the fake then holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::{FakeLaunchpad, Recorded, check_requests_against_wadl, wadl};

/// A raw HTTP client of the fake that signs as launchpadlib does: statuses are answers, not
/// errors.
struct Client {
    agent: ureq::Agent,
    root: String,
    token: String,
    secret: String,
}

/// Nonces, unique across the clients of all tests.
static NONCE: AtomicU64 = AtomicU64::new(0);

/// One answer.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

impl Client {
    fn new(fake: &FakeLaunchpad) -> Self {
        Self::with_timeout(fake, Duration::from_secs(20))
    }

    fn with_timeout(fake: &FakeLaunchpad, timeout: Duration) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .build()
            .into();
        let (token, secret) = fake.token();
        Self { agent, root: fake.root(), token: token.to_owned(), secret: secret.to_owned() }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else if path.starts_with("/+") || path.starts_with("/1.0") || path.starts_with("/devel") {
            format!("{}{path}", self.root)
        } else {
            format!("{}/1.0{path}", self.root)
        }
    }

    /// The `Authorization` header launchpadlib sends (PLAINTEXT, consumer "docket").
    fn authorization(&self) -> String {
        let nonce = NONCE.fetch_add(1, Ordering::SeqCst);
        self.signed(&nonce.to_string(), "1795000000", &self.secret)
    }

    fn signed(&self, nonce: &str, timestamp: &str, secret: &str) -> String {
        format!(
            "OAuth realm=\"OAuth\", oauth_nonce=\"{nonce}\", oauth_timestamp=\"{timestamp}\", oauth_version=\"1.0\", \
             oauth_signature_method=\"PLAINTEXT\", oauth_consumer_key=\"docket\", oauth_token=\"{}\", \
             oauth_signature=\"%26{secret}\"",
            self.token
        )
    }

    fn reply(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut response = response.expect("the fake Launchpad answers");
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_str().expect("ASCII header").to_owned()))
            .collect();
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().expect("a text body");
        Reply { status, headers, body }
    }

    /// A GET with these headers (an `Authorization` among them, or none).
    fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = self.agent.get(self.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::reply(request.call())
    }

    /// A signed GET asking for JSON.
    fn get(&self, path: &str) -> Reply {
        let authorization = self.authorization();
        self.get_with(path, &[("Authorization", &authorization), ("Accept", "application/json")])
    }

    /// A signed request with a body of this type and these extra headers.
    fn send(&self, method: &str, path: &str, content_type: &str, body: &str, headers: &[(&str, &str)]) -> Reply {
        let request = match method {
            "POST" => self.agent.post(self.url(path)),
            "PATCH" => self.agent.patch(self.url(path)),
            other => panic!("no body for {other}"),
        };
        let mut request = request.header("Authorization", self.authorization()).header("Accept", "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Self::reply(request.content_type(content_type).send(body))
    }

    /// A named POST operation with a form, values encoded as lazr.restfulclient encodes them.
    fn post(&self, path: &str, form: &[(&str, Value)]) -> Reply {
        let body: Vec<String> = form
            .iter()
            .map(|(name, value)| {
                let value =
                    if *name == "ws.op" { value.as_str().expect("an operation").to_owned() } else { value.to_string() };
                format!("{name}={}", crate::fake_gitlab::params::cgi_escape(&value))
            })
            .collect();
        self.send("POST", path, "application/x-www-form-urlencoded", &body.join("&"), &[])
    }

    fn patch(&self, path: &str, body: &Value, if_match: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = if_match.map(|etag| ("If-Match", etag)).into_iter().collect();
        self.send("PATCH", path, "application/json", &body.to_string(), &headers)
    }

    /// A bug filed on `ubuntu/+source/<package>` through the web service; returns its number.
    fn create_bug(&self, package: &str, title: &str) -> u64 {
        let target = format!("{}/1.0/ubuntu/+source/{package}", self.root);
        let reply = self.post(
            "/bugs",
            &[
                ("ws.op", json!("createBug")),
                ("title", json!(title)),
                ("description", json!("Details.")),
                ("target", json!(target)),
            ],
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.header("Location").expect("a Location").rsplit('/').next().expect("a number").parse().expect("a number")
    }

    /// Every entry of a collection, following `next_collection_link`; and the batches read.
    fn all_batches(&self, path: &str) -> (Vec<Value>, usize) {
        let (mut entries, mut batches, mut next) = (Vec::new(), 0, Some(path.to_owned()));
        while let Some(url) = next {
            let reply = self.get(&url);
            assert_eq!(reply.status, 200, "{}", reply.body);
            let batch = reply.json();
            entries.extend(batch["entries"].as_array().expect("entries").iter().cloned());
            batches += 1;
            next = batch["next_collection_link"].as_str().map(str::to_owned);
        }
        (entries, batches)
    }
}

fn keys(entry: &Value) -> Vec<String> {
    let mut keys: Vec<String> = entry.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}

fn wadl_fields(representation: &str) -> Vec<String> {
    let mut names: Vec<String> = wadl::wadl().fields(representation).iter().map(|field| field.name.clone()).collect();
    names.sort();
    names
}

fn task_statuses(entries: &[Value]) -> Vec<(u64, String)> {
    entries
        .iter()
        .map(|task| {
            let bug = task["bug_link"].as_str().expect("a bug link").rsplit('/').next().expect("a number");
            (bug.parse().expect("a number"), task["status"].as_str().expect("a status").to_owned())
        })
        .collect()
}

#[test]
fn serves_the_service_root_its_wadl_and_people() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    let root = client.get("/1.0/").json();
    assert_eq!(root["resource_type_link"], format!("{api}#service-root"));
    assert_eq!(root["bugs_collection_link"], format!("{api}bugs"));
    assert_eq!(root["me_link"], format!("{api}people/+me"));
    for name in keys(&root) {
        assert!(wadl::wadl().field("service-root-json", &name).is_some(), "{name} is in the WADL's service root");
    }

    let authorization = client.authorization();
    let described = client.get_with("/1.0/", &[("Authorization", &authorization), ("Accept", wadl::WADL_TYPE)]);
    assert_eq!((described.status, described.header("Content-Type")), (200, Some(wadl::WADL_TYPE)));
    assert!(described.body.contains(&format!("<wadl:resources base=\"{api}\">")), "the WADL names the fake's root");
    assert!(!described.body.contains(wadl::WADL_ROOT));
    assert_eq!(fake.requests()[1].accept.as_deref(), Some(wadl::WADL_TYPE));

    let me = client.get("/1.0/people/+me");
    assert_eq!((me.status, me.header("Location")), (303, Some(format!("{api}~docket-bot").as_str())));
    let bot = client.get("/1.0/~docket-bot").json();
    assert_eq!((bot["name"].as_str(), bot["is_team"].as_bool()), (Some("docket-bot"), Some(false)));
    assert_eq!(keys(&bot), wadl_fields("person-full"));
    let team = client.get("/1.0/~ubuntu-mir").json();
    assert_eq!(
        (team["is_team"].as_bool(), team["resource_type_link"].clone()),
        (Some(true), json!(format!("{api}#team")))
    );
    assert_eq!(keys(&team), wadl_fields("team-full"));
    let nobody = client.get("/1.0/~nobody");
    assert_eq!((nobody.status, nobody.header("Content-Type")), (404, Some("text/plain")));
    assert!(nobody.body.contains("'~nobody'"), "{}", nobody.body);

    let people = client.get("/1.0/people").json();
    assert_eq!(
        (people["total_size"].as_u64(), people["resource_type_link"].clone()),
        (Some(12), json!(format!("{api}#people")))
    );
    let package = client.get("/devel/ubuntu/+source/libfoo").json();
    assert_eq!(package["display_name"], "libfoo in Ubuntu");
    assert_eq!(
        package["self_link"],
        format!("{}/devel/ubuntu/+source/libfoo", fake.root()),
        "links follow the version asked"
    );
    assert_eq!(keys(&package), wadl_fields("distribution_source_package-full"));
    assert_eq!(keys(&client.get("/1.0/ubuntu").json()), wadl_fields("distribution-full"));
    let by_operation = client.get("/1.0/ubuntu?ws.op=getSourcePackage&name=%22libfoo%22").json();
    assert_eq!(by_operation["self_link"], format!("{api}ubuntu/+source/libfoo"));
    let unknown = client.get("/1.0/ubuntu?ws.op=frobnicate");
    assert_eq!((unknown.status, unknown.body.as_str()), (400, "No such operation: frobnicate"));
}

#[test]
fn checks_oauth_as_launchpad_does() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    // Without OAuth a request is anonymous: it may read, not write.
    assert_eq!(client.get_with("/1.0/ubuntu", &[]).status, 200);
    let anonymous_me = client.get_with("/1.0/people/+me", &[]);
    assert_eq!((anonymous_me.status, anonymous_me.body.as_str()), (401, "You need to be logged in to view this URL."));
    let anonymous_post = client
        .agent
        .post(client.url("/bugs"))
        .content_type("application/x-www-form-urlencoded")
        .send("ws.op=createBug");
    assert_eq!(Client::reply(anonymous_post).status, 401);

    let wrong_secret = client.signed("n1", "1795000000", "wrong");
    let reply = client.get_with("/1.0/people/+me", &[("Authorization", &wrong_secret)]);
    assert_eq!(
        (reply.status, reply.body.as_str(), reply.header("Content-Type")),
        (401, "Invalid signature.", Some("text/plain"))
    );
    let unknown = client.signed("n2", "1795000000", "docket-secret").replace("docket-token", "stolen");
    let reply = client.get_with("/1.0/people/+me", &[("Authorization", &unknown)]);
    assert_eq!((reply.status, reply.body.as_str()), (401, "Unknown consumer (docket)."));

    let signed = client.signed("n3", "1795000000", "docket-secret");
    assert_eq!(client.get_with("/1.0/ubuntu", &[("Authorization", &signed)]).status, 200);
    let replayed = client.get_with("/1.0/ubuntu", &[("Authorization", &signed)]);
    assert_eq!((replayed.status, replayed.body.as_str()), (401, "This nonce has been used already."));
    let later = client.signed("n3", "1795000001", "docket-secret");
    assert_eq!(
        client.get_with("/1.0/ubuntu", &[("Authorization", &later)]).status,
        200,
        "a nonce may return with another timestamp"
    );
}

#[test]
fn exchanges_request_tokens_once_reviewed() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let form = |pairs: &str| {
        Client::reply(
            client
                .agent
                .post(client.url("/+request-token"))
                .content_type("application/x-www-form-urlencoded")
                .send(pairs),
        )
    };
    let exchange = |token: &str, secret: &str| {
        let body = format!(
            "oauth_token={token}&oauth_consumer_key=docket-login&oauth_signature_method=PLAINTEXT&oauth_signature=%26{secret}"
        );
        Client::reply(
            client
                .agent
                .post(client.url("/+access-token"))
                .content_type("application/x-www-form-urlencoded")
                .send(&body),
        )
    };
    let request = |form_reply: Reply| -> (String, String) {
        assert_eq!(form_reply.status, 200, "{}", form_reply.body);
        let pairs = crate::fake_gitlab::params::urlencoded_pairs(&form_reply.body);
        (pairs[0].1.clone(), pairs[1].1.clone())
    };
    assert_eq!(form("oauth_signature_method=PLAINTEXT&oauth_signature=%26").status, 401, "a consumer key is needed");
    let (token, secret) =
        request(form("oauth_consumer_key=docket-login&oauth_signature_method=PLAINTEXT&oauth_signature=%26"));
    assert_eq!((token.len(), secret.len()), (20, 80));
    assert_eq!(fake.request_tokens(), vec![token.clone()]);

    let page = client.get_with(&format!("/+authorize-token?oauth_token={token}"), &[]);
    assert!(page.body.contains("docket-login") && page.body.contains("Change Anything"), "{}", page.body);

    let pending = exchange(&token, &secret);
    assert_eq!(
        (pending.status, pending.body.as_str()),
        (401, "Request token has not yet been reviewed. Try again later.")
    );
    let forged = exchange(&token, "guess");
    assert_eq!((forged.status, forged.body.as_str()), (401, "Invalid OAuth signature."));
    fake.approve_request_token(&token);
    let granted = exchange(&token, &secret);
    assert_eq!(granted.status, 200, "{}", granted.body);
    let pairs = crate::fake_gitlab::params::urlencoded_pairs(&granted.body);
    assert_eq!(
        pairs.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        ["oauth_token", "oauth_token_secret", "lp.context"]
    );
    assert_eq!(pairs[2].1, "None");
    assert_eq!(fake.access_tokens()[1], pairs[0].1);
    let again = exchange(&token, &secret);
    assert_eq!((again.status, again.body.as_str()), (401, "No request token specified."));
    let new_token = Client { token: pairs[0].1.clone(), secret: pairs[1].1.clone(), ..Client::new(&fake) };
    let with_new = new_token
        .signed("m1", "1795000000", &pairs[1].1)
        .replace("oauth_consumer_key=\"docket\"", "oauth_consumer_key=\"docket-login\"");
    assert_eq!(new_token.get_with("/1.0/people/+me", &[("Authorization", &with_new)]).status, 303);

    let (declined, declined_secret) =
        request(form("oauth_consumer_key=docket-login&oauth_signature_method=PLAINTEXT&oauth_signature=%26"));
    fake.decline_request_token(&declined);
    let refused = exchange(&declined, &declined_secret);
    assert_eq!((refused.status, refused.body.as_str()), (403, "End-user refused to authorize request token."));
}

#[test]
fn files_bugs_with_a_task_a_message_and_the_reporter_subscribed() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    let target = format!("{api}ubuntu/+source/libfoo");
    let reply = client.post(
        "/bugs",
        &[
            ("ws.op", json!("createBug")),
            ("title", json!("Crash on start")),
            ("description", json!("It crashes.")),
            ("tags", json!(["Regression", "docket"])),
            ("target", json!(target)),
        ],
    );
    assert_eq!((reply.status, reply.body.as_str()), (201, ""));
    assert_eq!(reply.header("Location"), Some(format!("{api}bugs/1000001").as_str()));
    assert_eq!(client.create_bug("libfoo", "Second"), 1_000_002);

    let bug = client.get("/bugs/1000001").json();
    assert_eq!(keys(&bug), wadl_fields("bug-full"));
    assert_eq!(bug, fake.bug(1_000_001));
    assert_eq!((bug["title"].clone(), bug["tags"].clone()), (json!("Crash on start"), json!(["docket", "regression"])));
    assert_eq!(
        (bug["date_created"].as_str(), bug["message_count"].as_u64()),
        (Some("2026-11-23T12:00:01+00:00"), Some(1))
    );
    assert_eq!(bug["owner_link"], format!("{api}~docket-bot"));
    let task = client.get("/ubuntu/+source/libfoo/+bug/1000001").json();
    assert_eq!(keys(&task), wadl_fields("bug_task-full"));
    assert_eq!((task["status"].as_str(), task["importance"].as_str()), (Some("New"), Some("Undecided")));
    assert_eq!(task["title"], "Bug #1000001 in libfoo (Ubuntu): \"Crash on start\"");
    assert_eq!(task["bug_target_name"], "libfoo (Ubuntu)");
    let messages = fake.messages(1_000_001);
    assert_eq!(keys(&messages[0]), wadl_fields("message-full"));
    assert_eq!(
        (messages[0]["subject"].as_str(), messages[0]["content"].as_str()),
        (Some("Crash on start"), Some("It crashes."))
    );
    assert_eq!(fake.subscribers(1_000_001), ["docket-bot"]);
    let subscriptions = client.get("/bugs/1000001/subscriptions").json();
    assert_eq!(keys(&subscriptions["entries"][0]), wadl_fields("bug_subscription-full"));
    assert_eq!(subscriptions["resource_type_link"], format!("{api}#bug_subscription-page-resource"));

    let missing =
        client.post("/bugs", &[("ws.op", json!("createBug")), ("title", json!("x")), ("description", json!("y"))]);
    assert_eq!(
        (missing.status, missing.body.as_str(), missing.header("Content-Type")),
        (400, "target: Required input is missing.", Some("text/plain"))
    );

    let comment = client.post("/bugs/1000001", &[("ws.op", json!("newMessage")), ("content", json!("Still there."))]);
    assert_eq!(comment.status, 201);
    let location = comment.header("Location").expect("a Location").to_owned();
    assert_eq!(location, format!("{api}ubuntu/+source/libfoo/+bug/1000001/comments/1"));
    let message = client.get(&location).json();
    assert_eq!(
        (message["subject"].as_str(), message["owner_link"].clone()),
        (Some("Re: Crash on start"), json!(format!("{api}~docket-bot")))
    );
    assert_eq!(client.get("/bugs/1000001/comments/1").json(), message);

    let subscribe = [("ws.op", json!("subscribe")), ("person", json!(format!("{api}~ubuntu-mir")))];
    let subscribed = client.post("/bugs/1000001", &subscribe);
    assert_eq!(subscribed.status, 200);
    assert_eq!(subscribed.json()["self_link"], format!("{api}bugs/1000001/+subscription/ubuntu-mir"));
    assert_eq!(client.post("/bugs/1000001", &subscribe).json(), subscribed.json(), "no second subscription");
    assert_eq!(fake.subscribers(1_000_001), ["docket-bot", "ubuntu-mir"]);
    let unsubscribed = client
        .post("/bugs/1000001", &[("ws.op", json!("unsubscribe")), ("person", json!(format!("{api}~ubuntu-mir")))]);
    assert_eq!((unsubscribed.status, unsubscribed.body.as_str()), (200, "null"));
    assert_eq!(fake.subscribers(1_000_001), ["docket-bot"]);
    let nobody =
        client.post("/bugs/1000001", &[("ws.op", json!("subscribe")), ("person", json!(format!("{api}~nobody")))]);
    assert_eq!((nobody.status, nobody.body), (400, format!("person: No such object \"{api}~nobody\".")));
    let unknown = client.post("/bugs/1000001", &[("ws.op", json!("frobnicate"))]);
    assert_eq!((unknown.status, unknown.body.as_str()), (400, "No such operation: frobnicate"));
}

#[test]
fn patches_with_209_and_refuses_stale_writes_with_412() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    let id = client.create_bug("libfoo", "Crash on start");
    let path = format!("/ubuntu/+source/libfoo/+bug/{id}");
    let task = client.get(&path);
    let etag = task.header("ETag").expect("an ETag").to_owned();
    assert_eq!(task.json()["http_etag"], etag);
    let conditional = client.get_with(&path, &[("Authorization", &client.authorization()), ("If-None-Match", &etag)]);
    assert_eq!((conditional.status, conditional.body.as_str()), (304, ""));
    let bug_before = fake.bug(id);

    let patched = client.patch(
        &path,
        &json!({ "status": "Incomplete", "assignee_link": format!("{api}~lbergmann") }),
        Some(&etag),
    );
    assert_eq!((patched.status, patched.header("Content-Type")), (209, Some("application/json")));
    let task = patched.json();
    assert_eq!(
        (task["status"].as_str(), task["assignee_link"].clone()),
        (Some("Incomplete"), json!(format!("{api}~lbergmann")))
    );
    assert_eq!(task["date_incomplete"], "2026-11-23T12:00:02+00:00");
    assert_eq!(task["date_assigned"], "2026-11-23T12:00:02+00:00");
    assert_ne!(task["http_etag"], etag);
    let bug = fake.bug(id);
    assert_eq!(bug["date_last_updated"], "2026-11-23T12:00:02+00:00", "a task's change touches its bug");
    assert_ne!(bug["http_etag"], bug_before["http_etag"]);

    let stale = client.patch(&path, &json!({ "status": "Confirmed" }), Some(&etag));
    assert_eq!((stale.status, stale.body.as_str()), (412, ""));
    let recorded = fake.requests().pop().expect("the stale PATCH");
    assert_eq!((recorded.if_match.as_deref(), recorded.authorization.is_some()), (Some(etag.as_str()), true));
    assert_eq!(fake.task(id)["status"], "Incomplete");
    // A bug whose read-only fields changed (date_last_updated) still takes its old ETag.
    let renamed =
        client.patch(&format!("/bugs/{id}"), &json!({ "title": "Renamed" }), bug_before["http_etag"].as_str());
    assert_eq!(renamed.status, 209, "{}", renamed.body);
    assert_eq!(fake.task(id)["title"], format!("Bug #{id} in libfoo (Ubuntu): \"Renamed\""));

    let invalid = client.patch(
        &path,
        &json!({ "status": "Done", "date_created": "2020-01-01T00:00:00+00:00", "colour": 1 }),
        None,
    );
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body,
        "date_created: You tried to modify a read-only attribute.\nstatus: Invalid value \"Done\". Acceptable values \
         are: New, Incomplete, Opinion, Invalid, Won't Fix, Expired, Confirmed, Triaged, In Progress, Fix Committed, Fix \
         Released, Unknown\ncolour: You tried to modify a nonexistent attribute."
    );
    let unchanged =
        client.patch(&path, &json!({ "self_link": format!("{api}{}", &path[1..]), "status": "Incomplete" }), None);
    assert_eq!(unchanged.status, 209, "{}", unchanged.body);

    fake.edit_before_next_patch(id, "rjansen", json!({ "importance": "High" }));
    let current = fake.task(id)["http_etag"].as_str().expect("an ETag").to_owned();
    assert_eq!(client.patch(&path, &json!({ "status": "Triaged" }), Some(&current)).status, 412);
    assert_eq!(fake.task(id)["importance"], "High");

    let moved = client.patch(&path, &json!({ "target_link": format!("{api}ubuntu/+source/libbar") }), None);
    assert_eq!(
        (moved.status, moved.header("Location")),
        (301, Some(format!("{api}ubuntu/+source/libbar/+bug/{id}").as_str()))
    );
    assert_eq!(client.get(&path).status, 404);
    assert_eq!(fake.messages(id)[0]["self_link"], format!("{api}ubuntu/+source/libbar/+bug/{id}/comments/0"));
}

#[test]
fn searches_tasks_in_batches_omitting_closed_ones_by_default() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    for (n, status) in
        ["New", "Fix Released", "Confirmed", "Won't Fix", "In Progress", "Invalid", "Triaged"].iter().enumerate()
    {
        let id = fake.create_bug(
            "lbergmann",
            if n % 2 == 0 { "libfoo" } else { "libbar" },
            &format!("Bug {n}"),
            "Details.",
            status,
            None,
            &[],
        );
        assert_eq!(id, 1_000_001 + n as u64);
    }
    fake.subscribe(1_000_003, "ubuntu-mir");
    fake.set_page_size_max(2);

    let (open, batches) = client.all_batches("/ubuntu?ws.op=searchTasks&order_by=id");
    assert_eq!(
        task_statuses(&open),
        [
            (1_000_001, "New".to_owned()),
            (1_000_003, "Confirmed".to_owned()),
            (1_000_005, "In Progress".to_owned()),
            (1_000_007, "Triaged".to_owned())
        ]
    );
    assert_eq!(batches, 2);
    let first = client.get("/ubuntu?ws.op=searchTasks&order_by=id").json();
    assert_eq!(first["total_size"], 4);
    assert_eq!(
        first["next_collection_link"],
        format!("{api}ubuntu?ws.op=searchTasks&order_by=id&ws.start=2&ws.size=2")
    );
    assert!(first.get("resource_type_link").is_none(), "an operation's batch has no type");
    let second = client.get(first["next_collection_link"].as_str().expect("a link")).json();
    assert_eq!(
        second["prev_collection_link"],
        format!("{api}ubuntu?ws.op=searchTasks&order_by=id&ws.start=0&ws.size=2")
    );
    assert!(second.get("next_collection_link").is_none());
    let devel = client.get("/devel/ubuntu?ws.op=searchTasks").json();
    assert_eq!(devel["total_size_link"], format!("{}/devel/ubuntu?ws.op=searchTasks&ws.show=total_size", fake.root()));
    assert_eq!(client.get("/devel/ubuntu?ws.op=searchTasks&ws.show=total_size").body, "4");

    let all = r#"["New","Fix Released","Confirmed","Won't Fix","In Progress","Invalid","Triaged"]"#;
    let (every, _) = client
        .all_batches(&format!("/ubuntu?ws.op=searchTasks&status={}", crate::fake_gitlab::params::cgi_escape(all)));
    assert_eq!(every.len(), 7);
    let (libbar, _) =
        client.all_batches("/ubuntu/+source/libbar?ws.op=searchTasks&status=Won%27t+Fix&status=Invalid&order_by=-id");
    assert_eq!(task_statuses(&libbar), [(1_000_006, "Invalid".to_owned()), (1_000_004, "Won't Fix".to_owned())]);
    let by_default = client.get("/ubuntu?ws.op=searchTasks&importance=Undecided").json();
    assert_eq!(by_default["total_size"], 4, "default order and importance filter");

    fake.set_clock("2026-11-24T00:00:00Z");
    fake.set_status(1_000_003, "mkovacs", "Fix Committed");
    let since = client.get("/ubuntu?ws.op=searchTasks&modified_since=%222026-11-24T00:00:00%2B00:00%22").json();
    assert_eq!(task_statuses(since["entries"].as_array().expect("entries")), [(1_000_003, "Fix Committed".to_owned())]);
    let after = client.get("/ubuntu?ws.op=searchTasks&modified_since=2026-11-24T00:00:01Z").json();
    assert_eq!(after["total_size"], 0, "modified_since is strict");
    let subscribed = client.get(&format!("/ubuntu?ws.op=searchTasks&bug_subscriber=%22{api}~ubuntu-mir%22")).json();
    assert_eq!(subscribed["total_size"], 1);

    let bad = client.get("/ubuntu?ws.op=searchTasks&status=Done&modified_since=2026-11-24T01:00:00%2B01:00");
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.starts_with("status: Invalid value \"Done\". Acceptable values are: New, Incomplete,"),
        "{}",
        bad.body
    );
    assert!(bad.body.ends_with("\nmodified_since: Time not in UTC."), "{}", bad.body);
    let unfaked = client.get("/ubuntu?ws.op=searchTasks&has_cve=true");
    assert_eq!(
        (unfaked.status, unfaked.body.as_str()),
        (400, "the fake Launchpad does not implement the searchTasks parameter `has_cve`")
    );
    assert_eq!(client.get("/ubuntu?ws.op=searchTasks&ws.size=301").body, "Maximum for \"ws.size\" parameter is 300.");
}

#[test]
fn faults_with_503_and_502_without_side_effects() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    fake.set_faults(Some(2), Some(3));
    assert_eq!(client.get("/ubuntu").status, 200);
    let target = format!("{}ubuntu/+source/libfoo", fake.url());
    let form =
        [("ws.op", json!("createBug")), ("title", json!("x")), ("description", json!("y")), ("target", json!(target))];
    let faulted = client.post("/bugs", &form);
    assert_eq!((faulted.status, faulted.header("Content-Type")), (503, Some("text/plain")));
    assert_eq!(client.get("/ubuntu").status, 502);
    assert!(fake.bugs().is_empty(), "a faulted request changes nothing");
    fake.set_faults(None, None);
    assert_eq!(client.post("/bugs", &form).status, 201);
    assert_eq!(fake.writes(), 1);
    let statuses: Vec<u16> = fake.requests().iter().map(|request: &Recorded| request.status).collect();
    assert_eq!(statuses, [200, 503, 502, 201]);
}

#[test]
fn stalls_a_bug_filing_it_has_made() {
    let fake = FakeLaunchpad::start();
    fake.stall_after_bug_creates(1);
    let client = Client::new(&fake);
    assert_eq!(client.create_bug("libfoo", "Answered"), 1_000_001);
    let impatient = Client::with_timeout(&fake, Duration::from_millis(500));
    let target = format!("{}ubuntu/+source/libfoo", fake.url());
    let form = format!(
        "ws.op=createBug&title=Stalled&description=x&target={}",
        crate::fake_gitlab::params::cgi_escape(&target)
    );
    let stalled = impatient.send_raw_post(&form);
    assert!(stalled.is_err(), "the filing is never answered: {:?}", stalled.map(|reply| reply.status()));
    assert_eq!(fake.bugs().len(), 2, "but the bug is filed");
    assert_eq!(fake.requests().last().map(|request| request.status), Some(201));
    assert_eq!(client.create_bug("libfoo", "After"), 1_000_003, "once only");
}

impl Client {
    /// A signed form POST to `/bugs` whose transport errors are returned.
    fn send_raw_post(&self, body: &str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        self.agent
            .post(self.url("/bugs"))
            .header("Authorization", self.authorization())
            .content_type("application/x-www-form-urlencoded")
            .send(body)
    }
}

#[test]
fn web_ui_helpers_change_what_the_web_service_shows() {
    let fake = FakeLaunchpad::start();
    let id =
        fake.create_bug("lbergmann", "libfoo", "Seeded", "Details.", "Confirmed", Some("rjansen"), &["ubuntu-mir"]);
    let task = fake.task(id);
    assert_eq!(
        (task["status"].as_str(), task["date_confirmed"].as_str()),
        (Some("Confirmed"), Some("2026-11-23T12:00:02+00:00"))
    );
    assert_eq!(task["assignee_link"], format!("{}~rjansen", fake.url()));
    assert_eq!(fake.subscribers(id), ["lbergmann", "ubuntu-mir"]);
    let before = fake.bug(id);
    fake.subscribe(id, "ubuntu-security");
    assert_eq!(fake.bug(id), before, "a subscription is no field of the bug");
    fake.set_status(id, "mkovacs", "Fix Released");
    let task = fake.task(id);
    assert_eq!((task["is_complete"].as_bool(), task["date_closed"].as_str()), (Some(true), Some(fake.now().as_str())));
    fake.set_status(id, "mkovacs", "New");
    let task = fake.task(id);
    assert_eq!((task["date_closed"].clone(), task["date_confirmed"].clone()), (Value::Null, Value::Null));
    assert_eq!(task["date_left_closed"], fake.now());
    fake.edit_bug(id, "lbergmann", json!({ "title": "Edited", "tags": ["b", "a"], "importance": "Low" }));
    fake.set_assignee(id, "lbergmann", None);
    fake.add_message(id, "tnakamura", "Me too.");
    let bug = fake.bug(id);
    assert_eq!(
        (bug["title"].clone(), bug["tags"].clone(), bug["message_count"].clone()),
        (json!("Edited"), json!(["a", "b"]), json!(2))
    );
    assert_eq!(fake.task(id)["assignee_link"], Value::Null);
    assert_eq!(bug["date_last_updated"], fake.now());
    fake.unsubscribe(id, "ubuntu-mir");
    assert_eq!(fake.subscribers(id), ["lbergmann", "ubuntu-security"]);
}

#[test]
fn checks_requests_against_launchpads_wadl() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let id = client.create_bug("libfoo", "Checked");
    client.get(&format!("/bugs/{id}/messages"));
    client.get("/ubuntu?ws.op=searchTasks&status=%5B%22New%22%5D&ws.size=5");
    client.patch(&format!("/ubuntu/+source/libfoo/+bug/{id}"), &json!({ "status": "Triaged" }), None);
    assert_eq!(check_requests_against_wadl(&fake.requests()), Vec::<String>::new());

    fake.clear_requests();
    client.post(&format!("/bugs/{id}"), &[("ws.op", json!("newMessage")), ("colour", json!("red"))]);
    client.get("/ubuntu?ws.op=searchTasks&status=Done&frobs=1");
    client.patch(&format!("/bugs/{id}"), &json!({ "date_created": "2020-01-01T00:00:00+00:00" }), None);
    client.get("/ubuntu/+source/libfoo?ws.op=frobnicate");
    let problems = check_requests_against_wadl(&fake.requests());
    let path = format!("/1.0/bugs/{id}");
    assert_eq!(
        problems,
        [
            format!("POST {path}: parameter `colour` is not declared for `newMessage`"),
            format!("POST {path}: required parameter `content` of `newMessage` is missing"),
            "GET /1.0/ubuntu?ws.op=searchTasks&status=Done&frobs=1: parameter `status` is \"Done\", not one of New, \
             Incomplete, Opinion, Invalid, Won't Fix, Expired, Confirmed, Triaged, In Progress, Fix Committed, Fix \
             Released, Incomplete (with response), Incomplete (without response)"
                .to_owned(),
            "GET /1.0/ubuntu?ws.op=searchTasks&status=Done&frobs=1: parameter `frobs` is not declared for `searchTasks`".to_owned(),
            format!("PATCH {path}: `date_created` is not a field of bug-diff"),
            "GET /1.0/ubuntu/+source/libfoo?ws.op=frobnicate: `distribution_source_package` declares no GET operation `frobnicate`"
                .to_owned(),
        ]
    );
}

#[test]
fn serves_series_tasks_after_the_main_task() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    let id = client.create_bug("libfoo", "Promote libfoo");
    let bug_before = fake.bug(id);
    fake.add_series_task(id, "noble", "Confirmed");
    fake.add_series_task(id, "jammy", "New");
    fake.add_series_task(id, "zealous", "Triaged");
    assert_eq!(fake.bug(id), bug_before, "approving a nomination changes no field of the bug");

    let path = format!("/ubuntu/noble/+source/libfoo/+bug/{id}");
    let reply = client.get(&path);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let noble = reply.json();
    assert_eq!(keys(&noble), wadl_fields("bug_task-full"));
    assert_eq!(reply.header("ETag"), noble["http_etag"].as_str());
    assert_eq!(noble["self_link"], format!("{api}ubuntu/noble/+source/libfoo/+bug/{id}"));
    assert_eq!(noble["web_link"], format!("{}/ubuntu/noble/+source/libfoo/+bug/{id}", fake.root()));
    assert_eq!(noble["target_link"], format!("{api}ubuntu/noble/+source/libfoo"));
    assert_eq!(noble["bug_target_name"], "libfoo (Ubuntu Noble)");
    assert_eq!(noble["bug_target_display_name"], "libfoo (Ubuntu Noble)");
    assert_eq!(noble["title"], format!("Bug #{id} in libfoo (Ubuntu Noble): \"Promote libfoo\""));
    assert_eq!(noble["bug_link"], format!("{api}bugs/{id}"));
    assert_eq!(noble["owner_link"], format!("{api}~cpaelzer"), "the approver owns the task");
    assert_eq!((noble["status"].as_str(), noble["importance"].as_str()), (Some("Confirmed"), Some("Undecided")));
    assert_eq!(noble["date_created"], "2026-11-23T12:00:02+00:00");
    assert_eq!(noble["date_confirmed"], noble["date_created"], "the status dates of reaching the status");
    assert_eq!(noble["date_left_new"], noble["date_created"]);
    assert_ne!(noble["http_etag"], fake.task(id)["http_etag"]);
    assert_eq!(client.get(&format!("/devel/ubuntu/noble/+source/libfoo/+bug/{id}")).json()["status"], "Confirmed");

    let listed = client.get(&format!("/bugs/{id}/bug_tasks")).json();
    assert_eq!(listed["total_size"], 4);
    let targets: Vec<&str> = listed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|task| task["bug_target_name"].as_str().expect("a target name"))
        .collect();
    assert_eq!(
        targets,
        ["libfoo (Ubuntu)", "libfoo (Ubuntu Jammy)", "libfoo (Ubuntu Noble)", "libfoo (Ubuntu Zealous)"],
        "the main task, then the series by version, the unknown one last"
    );
    assert_eq!(listed["entries"][2], noble);
    assert_eq!(listed["entries"][0], fake.task(id));
    assert_eq!(listed["entries"].as_array().expect("entries")[1..], fake.series_tasks(id)[..]);

    assert_eq!(client.get(&format!("/ubuntu/oracular/+source/libfoo/+bug/{id}")).status, 404, "no task there");
    assert_eq!(client.get(&format!("/ubuntu/noble/+source/libbar/+bug/{id}")).status, 404, "another package");
    assert_eq!(client.get(&format!("/ubuntu/noble/+source/libfoo/+bug/{}", id + 1)).status, 404);
    let alias = client.get(&format!("/ubuntu/devel/+source/libfoo/+bug/{id}"));
    assert_eq!(
        (alias.status, alias.body.as_str()),
        (400, "the fake Launchpad does not implement Ubuntu's development series alias `devel`")
    );

    let series = client.get("/ubuntu/noble").json();
    assert_eq!(keys(&series), wadl_fields("distro_series-full"));
    assert_eq!(
        (series["fullseriesname"].as_str(), series["version"].as_str(), series["status"].as_str()),
        (Some("Ubuntu Noble"), Some("24.04"), Some("Supported"))
    );
    let package = client.get("/ubuntu/noble/+source/libfoo").json();
    assert_eq!(keys(&package), wadl_fields("source_package-full"));
    assert_eq!(package["distroseries_link"], format!("{api}ubuntu/noble"));
    assert_eq!(client.get("/ubuntu/No-ble").status, 404);
    assert_eq!(client.get("/ubuntu").json()["current_series_link"], Value::Null);
    fake.set_current_series("resolute");
    assert_eq!(client.get("/ubuntu").json()["current_series_link"], format!("{api}ubuntu/resolute"));
    assert_eq!(client.get("/ubuntu/resolute").json()["status"], "Active Development");
    assert_eq!(check_requests_against_wadl(&fake.requests()), Vec::<String>::new());
}

#[test]
fn patches_series_tasks_with_209_and_412_and_bumps_their_bug() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    let id = client.create_bug("libfoo", "Promote libfoo");
    fake.add_series_task(id, "noble", "New");
    let path = format!("/ubuntu/noble/+source/libfoo/+bug/{id}");
    let etag = client.get(&path).header("ETag").expect("an ETag").to_owned();
    let (bug_before, main_before) = (fake.bug(id), fake.task(id));

    fake.set_clock("2026-11-24T00:00:00Z");
    let patched = client.patch(
        &path,
        &json!({ "status": "Fix Committed", "importance": "High", "assignee_link": format!("{api}~mkovacs") }),
        Some(&etag),
    );
    assert_eq!((patched.status, patched.header("Content-Type")), (209, Some("application/json")));
    let task = patched.json();
    assert_eq!((task["status"].as_str(), task["importance"].as_str()), (Some("Fix Committed"), Some("High")));
    assert_eq!(task["assignee_link"], format!("{api}~mkovacs"));
    assert_eq!(task["date_fix_committed"], "2026-11-24T00:00:01+00:00");
    assert_eq!(task["date_confirmed"], task["date_fix_committed"]);
    assert_ne!(task["http_etag"], etag);
    assert_eq!(fake.series_tasks(id), std::slice::from_ref(&task));
    let bug = fake.bug(id);
    assert_eq!(bug["date_last_updated"], "2026-11-24T00:00:01+00:00", "a series task's change touches its bug");
    assert_ne!(bug["http_etag"], bug_before["http_etag"]);
    assert_eq!(fake.task(id), main_before, "the main task is not conjoined with a task on a stable series");

    let stale = client.patch(&path, &json!({ "status": "Fix Released" }), Some(&etag));
    assert_eq!((stale.status, stale.body.as_str()), (412, ""));
    assert_eq!(fake.series_tasks(id)[0]["status"], "Fix Committed");
    let current = task["http_etag"].as_str().expect("an ETag").to_owned();
    fake.set_series_status(id, "noble", "rjansen", "In Progress");
    assert_eq!(client.patch(&path, &json!({ "status": "Fix Released" }), Some(&current)).status, 412);
    let task = fake.series_tasks(id).remove(0);
    assert_eq!((task["status"].as_str(), task["date_fix_committed"].clone()), (Some("In Progress"), Value::Null));
    assert_eq!(fake.bug(id)["date_last_updated"], fake.now());

    // Edits of the bug or its main task leave the series task's entity tag as it is.
    fake.edit_before_next_patch(id, "rjansen", json!({ "status": "Triaged", "title": "Renamed" }));
    let current = task["http_etag"].as_str().expect("an ETag");
    let renamed = client.patch(&path, &json!({ "status": "Fix Released" }), Some(current));
    assert_eq!(renamed.status, 209, "{}", renamed.body);
    assert_eq!(renamed.json()["title"], format!("Bug #{id} in libfoo (Ubuntu Noble): \"Renamed\""));
    assert_eq!(fake.task(id)["status"], "Triaged");

    let moved = client.patch(&path, &json!({ "target_link": format!("{api}ubuntu/noble/+source/libbar") }), None);
    assert_eq!(
        (moved.status, moved.body.as_str()),
        (400, "the fake Launchpad does not implement moving a series task (`target_link`)")
    );
    let invalid = client.patch(&path, &json!({ "status": "Done", "date_created": "2020-01-01T00:00:00+00:00" }), None);
    assert_eq!(invalid.status, 400);
    assert!(invalid.body.starts_with("date_created: You tried to modify a read-only attribute.\nstatus: Invalid"));
    assert_eq!(client.patch(&format!("/ubuntu/jammy/+source/libfoo/+bug/{id}"), &json!({}), None).status, 404);

    // The main task's move takes the series tasks along (`_syncSourcePackages`).
    let main = format!("/ubuntu/+source/libfoo/+bug/{id}");
    let moved = client.patch(&main, &json!({ "target_link": format!("{api}ubuntu/+source/libbar") }), None);
    assert_eq!(moved.status, 301, "{}", moved.body);
    assert_eq!(client.get(&path).status, 404);
    let there = client.get(&format!("/ubuntu/noble/+source/libbar/+bug/{id}")).json();
    assert_eq!(there["bug_target_name"], "libbar (Ubuntu Noble)");
    let invalid = format!("PATCH /1.0/ubuntu/noble/+source/libfoo/+bug/{id}");
    assert_eq!(
        check_requests_against_wadl(&fake.requests()),
        [
            format!(
                "{invalid}: `status` is \"Done\", not one of New, Incomplete, Opinion, Invalid, Won't Fix, Expired, \
                 Confirmed, Triaged, In Progress, Fix Committed, Fix Released, Unknown"
            ),
            format!("{invalid}: `date_created` is not a field of bug_task-diff"),
        ],
        "only the invalid PATCH"
    );
}

#[test]
fn searches_main_tasks_only_but_a_series_change_makes_the_bug_modified() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let first = fake.create_bug("lbergmann", "libfoo", "First", "Details.", "New", None, &[]);
    let second = fake.create_bug("lbergmann", "libbar", "Second", "Details.", "Confirmed", None, &[]);
    fake.add_series_task(first, "noble", "Fix Released");
    fake.add_series_task(first, "jammy", "In Progress");

    let open = client.get("/ubuntu?ws.op=searchTasks").json();
    assert_eq!(open["total_size"], 2, "one task per bug: series tasks have no distribution");
    for entry in open["entries"].as_array().expect("entries") {
        assert_eq!(entry["target_link"].as_str().map(|link| link.contains("/+source/")), Some(true));
        assert!(!entry["target_link"].as_str().unwrap_or_default().contains("/noble/"));
    }
    let released = client.get("/ubuntu?ws.op=searchTasks&status=Fix+Released").json();
    assert_eq!(released["total_size"], 0, "the series task's status is not searched");
    let in_package = client.get("/ubuntu/+source/libfoo?ws.op=searchTasks&status=In+Progress").json();
    assert_eq!(in_package["total_size"], 0);

    let since = "2026-11-24T00:00:00Z";
    fake.set_clock(since);
    let modified = format!("/ubuntu?ws.op=searchTasks&modified_since={since}");
    assert_eq!(client.get(&modified).json()["total_size"], 0);
    fake.add_series_task(second, "noble", "New");
    assert_eq!(client.get(&modified).json()["total_size"], 0, "approving a nomination does not touch the bug");
    fake.set_series_status(first, "jammy", "mkovacs", "Fix Committed");
    let found = client.get(&modified).json();
    assert_eq!(task_statuses(found["entries"].as_array().expect("entries")), [(first, "New".to_owned())]);
    assert_eq!(found["entries"][0], fake.task(first), "the main task, as it is");
    let in_package = client.get(&format!("/ubuntu/+source/libfoo?ws.op=searchTasks&modified_since={since}")).json();
    assert_eq!(in_package["total_size"], 1);
}

#[test]
fn conjoins_the_task_on_the_current_series_with_the_main_task() {
    let fake = FakeLaunchpad::start();
    let client = Client::new(&fake);
    let api = fake.url();
    fake.set_current_series("resolute");
    let id = fake.create_bug("lbergmann", "libfoo", "Promote", "Details.", "Confirmed", Some("rjansen"), &[]);
    fake.add_series_task(id, "noble", "New");
    fake.add_series_task(id, "resolute", "Confirmed");
    let main = fake.task(id);
    let current = fake.series_tasks(id).remove(1);
    assert_eq!(current["bug_target_name"], "libfoo (Ubuntu Resolute)");
    for field in ["status", "importance", "assignee_link", "date_assigned", "date_confirmed", "date_left_new"] {
        assert_eq!(current[field], main[field], "{field} is copied from the main task");
    }
    assert_ne!(current["date_created"], main["date_created"]);

    let path = format!("/ubuntu/resolute/+source/libfoo/+bug/{id}");
    let patched = client.patch(&path, &json!({ "status": "In Progress", "importance": "High" }), None);
    assert_eq!(patched.status, 209, "{}", patched.body);
    let main = fake.task(id);
    assert_eq!((main["status"].as_str(), main["importance"].as_str()), (Some("In Progress"), Some("High")));
    assert_eq!(main["date_in_progress"], patched.json()["date_in_progress"]);
    assert_eq!(fake.series_tasks(id)[0]["status"], "New", "a stable series' task is not conjoined");

    let main_path = format!("/ubuntu/+source/libfoo/+bug/{id}");
    let assigned = client.patch(&main_path, &json!({ "assignee_link": format!("{api}~mkovacs") }), None);
    assert_eq!(assigned.status, 209, "{}", assigned.body);
    assert_eq!(fake.series_tasks(id)[1]["assignee_link"], format!("{api}~mkovacs"), "the other way too");
    let wont_fix = client.patch(&main_path, &json!({ "status": "Won't Fix" }), None);
    assert_eq!(
        (wont_fix.status, wont_fix.body.as_str()),
        (
            400,
            "the fake Launchpad does not implement Won't Fix on a main task conjoined with its task on the current \
             series resolute"
        )
    );

    fake.set_series_status(id, "resolute", "cpaelzer", "Won't Fix");
    assert_eq!(fake.task(id)["status"], "In Progress", "Won't Fix unties the pair");
    fake.set_status(id, "mkovacs", "Fix Committed");
    assert_eq!(fake.series_tasks(id)[1]["status"], "Won't Fix");
    let reopened = client.patch(&path, &json!({ "status": "Confirmed" }), None);
    assert_eq!(
        (reopened.status, reopened.body.as_str()),
        (400, "the fake Launchpad does not implement reopening a Won't Fix task on the current series resolute")
    );
}
