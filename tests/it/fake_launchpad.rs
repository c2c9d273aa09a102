//! A fake Launchpad (web service versions 1.0 and `devel`) for the mirror tests: an HTTP server on
//! a loopback port holding the distribution `ubuntu`, its series and source packages, a few people
//! and teams, and the bugs filed on them with their main task, their series tasks (the tasks on
//! `ubuntu/<series>/+source/<package>` that approving a series nomination creates), messages and
//! subscriptions; OAuth 1.0 as Launchpad checks it, with the token exchange of its web site;
//! lazr.restful's entries, entity tags, conditional writes, named operations, batches and
//! plain-text errors; a record of every request; faults (503, 502) and a stalled bug filing;
//! helpers that act as people in the web UI; and a checker of recorded requests against
//! Launchpad's own WADL, which the fake also serves (as launchpadlib needs).
//! `launchpadlib_drives_the_fake` proves it against the real launchpadlib.
//!
//! What Launchpad has and the fake does not answers 400 with a text saying so, never a silently
//! different answer.

mod api;
mod model;
mod oauth;
mod params;
#[cfg(test)]
mod tests;
mod wadl;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

pub use wadl::check_requests_against_wadl;

use crate::fake_gitlab::{Worker, loopback};
use model::{Change, Model, TaskRef};

/// One request the fake received, in the order received, faulted ones included.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The query string as sent, without `?`.
    pub query: String,
    pub content_type: Option<String>,
    pub accept: Option<String>,
    pub if_match: Option<String>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub body: String,
    /// The status answered (for a stalled request: the one it would have had).
    pub status: u16,
}

/// A change a person makes just before the next PATCH of a bug or one of its tasks is handled.
struct PendingEdit {
    bug: u64,
    changes: Vec<Change>,
    /// The method of the request it comes before: a PATCH of the bug or a task, or any GET
    /// of the bug's resources.
    before: &'static str,
}

/// The server's knobs.
struct Config {
    every_503: Option<usize>,
    every_502: Option<usize>,
    /// How many more bug filings are answered before one is stalled.
    stall_countdown: Option<usize>,
    paging: api::Paging,
    edit_before_patch: Option<PendingEdit>,
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

/// A running fake Launchpad; dropping it stops the server.
pub struct FakeLaunchpad {
    root: String,
    shared: Arc<Mutex<Shared>>,
    worker: Worker,
}

impl FakeLaunchpad {
    /// Starts on a free loopback port. The distribution `ubuntu` exists, with a series of every
    /// lower-case name (none of them its current series until
    /// [`FakeLaunchpad::set_current_series`]) and a source package of every name; so do the
    /// people `docket-bot`, `lbergmann`, `mkovacs`, `rjansen`, `tnakamura`, `fmoreau`,
    /// `cpaelzer` and the teams `ubuntu-mir`, `ubuntu-security`, `foundations-bugs`,
    /// `desktop-packages`. The access token `docket-token` (secret `docket-secret`, any consumer
    /// key) belongs to `docket-bot`. Bugs are numbered from 1000001. The clock starts at
    /// 2026-11-23T12:00:00Z and moves 1 s per write.
    pub fn start() -> FakeLaunchpad {
        let (server, root) = loopback("Launchpad");
        let shared = Arc::new(Mutex::new(Shared {
            model: Model::new(root.clone()),
            config: Config {
                every_503: None,
                every_502: None,
                stall_countdown: None,
                paging: api::Paging { max: api::MAX_BATCH },
                edit_before_patch: None,
            },
            requests: Vec::new(),
            received: 0,
            writes: 0,
            stalled: Vec::new(),
        }));
        let worker = {
            let shared = Arc::clone(&shared);
            Worker::spawn("Launchpad", server, move |request| serve(&shared, request))
        };
        FakeLaunchpad { root, shared, worker }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The web service root of version 1.0: `http://127.0.0.1:PORT/1.0/`.
    pub fn url(&self) -> String {
        format!("{}/1.0/", self.root)
    }

    /// The server root, `http://127.0.0.1:PORT`, where the token pages are.
    pub fn root(&self) -> String {
        self.root.clone()
    }

    /// The access token of `docket-bot` and its secret.
    pub fn token(&self) -> (&'static str, &'static str) {
        (oauth::TOKEN, oauth::TOKEN_SECRET)
    }

    /// Every request so far (since the last [`FakeLaunchpad::clear_requests`]), in order,
    /// faulted ones included.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// How many POST, PATCH, PUT and DELETE requests were answered with success (2xx, or a
    /// task's 301 after it moved), a stalled bug filing included.
    pub fn writes(&self) -> usize {
        self.lock().writes
    }

    /// Forgets the recorded requests and the write count (the fault counter keeps counting).
    pub fn clear_requests(&self) {
        let mut shared = self.lock();
        shared.requests.clear();
        shared.writes = 0;
    }

    /// Every bug as `GET /1.0/bugs/<n>` renders it, by number.
    pub fn bugs(&self) -> Vec<Value> {
        let shared = self.lock();
        let api = format!("{}/1.0", self.root);
        shared.model.bugs.iter().map(|bug| shared.model.bug_json(bug, &api)).collect()
    }

    fn with_bug<T>(&self, id: u64, render: impl FnOnce(&Model, &model::Bug, &str) -> T) -> T {
        let shared = self.lock();
        let bug = shared.model.bug(id).unwrap_or_else(|| panic!("the fake Launchpad has no bug {id}"));
        render(&shared.model, bug, &format!("{}/1.0", self.root))
    }

    /// One bug as `GET /1.0/bugs/<n>` renders it; panics if there is none.
    pub fn bug(&self, id: u64) -> Value {
        self.with_bug(id, Model::bug_json)
    }

    /// The bug's main task (on `ubuntu/+source/<package>`) as the web service renders it.
    pub fn task(&self, id: u64) -> Value {
        self.with_bug(id, Model::task_json)
    }

    /// The bug's series tasks as the web service renders them, in the order `bug_tasks` lists
    /// them after the main task: by the series' version (the fake knows Ubuntu's series from
    /// warty to resolute), then the series it does not know, by name.
    pub fn series_tasks(&self, id: u64) -> Vec<Value> {
        self.with_bug(id, |model, bug, api| {
            let mut tasks = model.tasks_json(bug, api);
            tasks.remove(0);
            tasks
        })
    }

    /// Names Ubuntu's current series (`Distribution.currentseries`: its development series).
    /// A bug's task on it is conjoined with the main task, as on Launchpad: created as a copy of
    /// the main task, and a change of either (status and its dates, importance, assignee) is
    /// made to both, until the series task is Won't Fix. The fake answers 400 to what Launchpad
    /// would copy only in part (a Won't Fix on the main task, the series task leaving Won't Fix,
    /// or going Won't Fix with other fields at once), and the helpers panic on it. Tasks created
    /// before stay as they are.
    pub fn set_current_series(&self, series: &str) {
        assert!(model::valid_series(series), "{series:?} is not a series of the fake's Ubuntu");
        self.lock().model.current_series = Some(series.to_owned());
    }

    /// A release manager (`cpaelzer`) approves the bug's nomination for `series` in the web UI:
    /// the bug gets a task on `ubuntu/<series>/+source/<package>`, owned by them, Undecided and
    /// unassigned, in `status` with the status dates of reaching it at its creation. On the
    /// current series the task copies the main task instead (`status` must then be the main
    /// task's). Approving changes no field of the bug: its `date_last_updated` and entity tag
    /// stay (Launchpad's `BugNomination.approve` fires no modification event). Panics if the bug
    /// has a task on the series already.
    pub fn add_series_task(&self, id: u64, series: &str, status: &str) {
        let options = &wadl::wadl().field("bug_task-full", "status").expect("a task field").options;
        assert!(options.iter().any(|option| option == status), "status {status:?} is not one of {options:?}");
        self.lock().model.add_series_task(id, series, status).unwrap_or_else(|problem| panic!("{problem}"));
    }

    /// A person in the web UI sets the status of the bug's task on `series` (the status dates
    /// move, and the bug's `date_last_updated`, as for the main task). Panics if there is no such
    /// task or on a status it cannot have.
    pub fn set_series_status(&self, id: u64, series: &str, who: &str, status: &str) {
        self.edit_task(id, &TaskRef::Series(series.to_owned()), who, serde_json::json!({ "status": status }));
    }

    /// The bug's messages, the description (message 0) first.
    pub fn messages(&self, id: u64) -> Vec<Value> {
        self.with_bug(id, |model, bug, api| {
            (0..bug.messages.len()).map(|index| model.message_json(bug, index, api)).collect()
        })
    }

    /// The names of the people and teams directly subscribed to the bug, in subscription order.
    pub fn subscribers(&self, id: u64) -> Vec<String> {
        self.with_bug(id, |_, bug, _| bug.subscriptions.iter().map(|sub| sub.person.clone()).collect())
    }

    /// A person in the web UI sets the task's status (the status dates move as on Launchpad,
    /// and the bug's `date_last_updated`). Panics on a status the task cannot have.
    pub fn set_status(&self, id: u64, who: &str, status: &str) {
        self.edit_bug(id, who, serde_json::json!({ "status": status }));
    }

    /// A person in the web UI assigns the task (to a person or a team) or clears its assignee.
    pub fn set_assignee(&self, id: u64, who: &str, assignee: Option<&str>) {
        self.edit_bug(id, who, serde_json::json!({ "assignee": assignee }));
    }

    /// A person in the web UI edits the bug (`title`, `description`, `tags`) or its task
    /// (`status`, `importance`, `assignee`: a name or null, `package`), all at one instant, as
    /// a PATCH would. Panics on a field or value Launchpad would refuse.
    pub fn edit_bug(&self, id: u64, who: &str, fields: Value) {
        self.edit_task(id, &TaskRef::Main, who, fields);
    }

    /// An edit of the bug and one of its tasks, as [`FakeLaunchpad::edit_bug`] takes it.
    fn edit_task(&self, id: u64, which: &TaskRef, who: &str, fields: Value) {
        let changes = changes_of(who, fields);
        let mut shared = self.lock();
        let bug = shared.model.bug(id).unwrap_or_else(|| panic!("the fake Launchpad has no bug {id}"));
        assert!(bug.task_of(which).is_some(), "bug {id} has no task {which:?}");
        if let TaskRef::Series(_) = which {
            assert!(
                !changes.iter().any(|change| matches!(change, Change::Package(_))),
                "the fake does not move a series task"
            );
        }
        if let Some(refusal) = shared.model.conjoined_refusal(id, which, &changes) {
            panic!("the fake Launchpad does not implement {refusal}");
        }
        shared.model.apply_to(id, which, &changes);
    }

    /// A person adds a comment in the web UI; returns its index in the bug's messages.
    pub fn add_message(&self, id: u64, who: &str, content: &str) -> usize {
        known_person(who);
        let mut shared = self.lock();
        assert!(shared.model.bug(id).is_some(), "the fake Launchpad has no bug {id}");
        shared.model.new_message(id, who, None, content)
    }

    /// A person or team is subscribed to the bug in the web UI (by themselves). Subscriptions
    /// change neither the bug's `date_last_updated` nor its entity tag, as on Launchpad.
    pub fn subscribe(&self, id: u64, person: &str) {
        known_person(person);
        let mut shared = self.lock();
        assert!(shared.model.bug(id).is_some(), "the fake Launchpad has no bug {id}");
        shared.model.subscribe(id, person, person);
    }

    /// A person or team is unsubscribed from the bug in the web UI.
    pub fn unsubscribe(&self, id: u64, person: &str) {
        known_person(person);
        let mut shared = self.lock();
        assert!(shared.model.bug(id).is_some(), "the fake Launchpad has no bug {id}");
        shared.model.unsubscribe(id, person);
    }

    #[expect(clippy::too_many_arguments, reason = "the mirror tests name every part of a seeded bug")]
    /// A bug filed by `who` in the web UI on `ubuntu/+source/<package>`, then set to `status`
    /// and `assignee` and given these subscribers (besides the reporter); returns its number.
    pub fn create_bug(
        &self,
        who: &str,
        package: &str,
        title: &str,
        description: &str,
        status: &str,
        assignee: Option<&str>,
        subscribers: &[&str],
    ) -> u64 {
        known_person(who);
        let changes = changes_of(who, serde_json::json!({ "status": status, "assignee": assignee }));
        let mut shared = self.lock();
        let id = shared.model.create_bug(who, package, title, description, &[]);
        shared.model.apply(id, &changes);
        for subscriber in subscribers {
            known_person(subscriber);
            shared.model.subscribe(id, subscriber, subscriber);
        }
        id
    }

    /// The request tokens that were asked for and not exchanged yet.
    pub fn request_tokens(&self) -> Vec<String> {
        self.lock().model.tokens.request_token_keys()
    }

    /// The keys of the access tokens, `docket-token` first.
    pub fn access_tokens(&self) -> Vec<String> {
        self.lock().model.tokens.access_token_keys()
    }

    /// `docket-bot` allows the application of a request token full access ("Change Anything") on
    /// the `+authorize-token` page.
    pub fn approve_request_token(&self, token: &str) {
        self.lock().model.tokens.review(token, Some(model::BOT));
    }

    /// The person declines the request token ("No Access").
    pub fn decline_request_token(&self, token: &str) {
        self.lock().model.tokens.review(token, None);
    }

    /// Faults: answer 503 on every nth request, 502 on every mth (counting all requests received
    /// since the start; 503 wins when both fall on one request); `None` disables. A faulted
    /// request changes nothing. lazr.restfulclient retries both.
    pub fn set_faults(&self, every_503: Option<usize>, every_502: Option<usize>) {
        let mut shared = self.lock();
        shared.config.every_503 = every_503.filter(|n| *n > 0);
        shared.config.every_502 = every_502.filter(|n| *n > 0);
    }

    /// The next `n` bug filings (`createBug`) are answered; the one after them files the bug but
    /// is never answered: the connection is held open until the fake is dropped, as if the
    /// client were killed mid-request. Once.
    pub fn stall_after_bug_creates(&self, n: usize) {
        self.lock().config.stall_countdown = Some(n);
    }

    /// Just before the next PATCH of bug `id` or of one of its tasks is handled, `who` changes
    /// the bug and its main task with these fields (as [`FakeLaunchpad::edit_bug`] takes them),
    /// so that a client's `If-Match` is stale. lazr.restful only refuses (412) a write whose
    /// entity tag differs in the *writable* fields of what it patches: to make a main task's
    /// PATCH fail, change a task field (`status`, `importance`, `assignee`); a bug's, a bug field.
    /// A series task's PATCH fails only if the main task is conjoined with it.
    pub fn edit_before_next_patch(&self, id: u64, who: &str, fields: Value) {
        let changes = changes_of(who, fields);
        let mut shared = self.lock();
        if let Some(refusal) = shared.model.conjoined_refusal(id, &TaskRef::Main, &changes) {
            panic!("the fake Launchpad does not implement {refusal}");
        }
        shared.config.edit_before_patch = Some(PendingEdit { bug: id, changes, before: "PATCH" });
    }

    /// Like [`FakeLaunchpad::edit_before_next_patch`], but just before the next GET of bug
    /// `id`, its tasks or its collections (`bug_tasks`, `messages`, `subscriptions`): someone
    /// changes the bug between a client's listing and its reading of the bug.
    pub fn edit_before_next_read(&self, id: u64, who: &str, fields: Value) {
        let changes = changes_of(who, fields);
        self.lock().config.edit_before_patch = Some(PendingEdit { bug: id, changes, before: "GET" });
    }

    /// The largest batch of a collection (default and Launchpad's maximum: 300; the default
    /// batch is 75, or this if lower), to force many batches. A client asking for more, up to
    /// 300, gets this many.
    pub fn set_page_size_max(&self, n: usize) {
        assert!((1..=api::MAX_BATCH).contains(&n), "a batch holds 1 to {} entries", api::MAX_BATCH);
        self.lock().config.paging.max = n;
    }

    /// Makes the token's owner no bug supervisor: setting Won't Fix, Triaged, Expired, Deferred
    /// or Does Not Exist answers 401, as Launchpad's `UserCannotEditBugTaskStatus` does.
    pub fn revoke_bug_supervisor(&self) {
        self.lock().model.supervisor = false;
    }

    /// Sets the server clock (ISO 8601); it may only move forward.
    pub fn set_clock(&self, now: &str) {
        use crate::fake_gitlab::time;
        let instant = time::parse_datetime(now).unwrap_or_else(|| panic!("{now:?} is not an ISO 8601 date-time"));
        let mut shared = self.lock();
        assert!(instant >= shared.model.clock, "the fake Launchpad's clock only moves forward");
        shared.model.clock = instant;
    }

    /// The server clock now, as Launchpad writes dates (the last write happened at this instant).
    pub fn now(&self) -> String {
        params::format_time(self.lock().model.clock)
    }
}

fn known_person(name: &str) {
    assert!(model::person(name).is_some(), "the fake Launchpad has no person {name:?}");
}

/// The changes a person's edit in the web UI makes; panics on what Launchpad would refuse.
fn changes_of(who: &str, fields: Value) -> Vec<Change> {
    known_person(who);
    let Value::Object(fields) = fields else { panic!("an edit is a JSON object") };
    let text = |name: &str, value: &Value| -> String {
        value.as_str().unwrap_or_else(|| panic!("{name} must be a string, not {value}")).to_owned()
    };
    let choice = |name: &str, value: &Value| -> String {
        let value = text(name, value);
        let options = &wadl::wadl().field("bug_task-full", name).expect("a task field").options;
        assert!(options.contains(&value), "{name} {value:?} is not one of {options:?}");
        value
    };
    fields
        .into_iter()
        .map(|(ref name, ref value)| match name.as_str() {
            "title" => Change::Title(text(name, value)),
            "description" => Change::Description(text(name, value)),
            "tags" => Change::Tags(
                value
                    .as_array()
                    .unwrap_or_else(|| panic!("tags must be a list, not {value}"))
                    .iter()
                    .map(|tag| {
                        let tag = text("a tag", tag);
                        assert!(model::valid_tag(&tag.to_lowercase()), "{tag:?} is not a valid tag");
                        tag
                    })
                    .collect(),
            ),
            "status" => Change::Status(choice(name, value)),
            "importance" => Change::Importance(choice(name, value)),
            "assignee" => Change::Assignee(value.as_str().map(|assignee| {
                known_person(assignee);
                assignee.to_owned()
            })),
            "package" => Change::Package(text(name, value)),
            other => panic!("the fake Launchpad's web UI does not edit {other:?}"),
        })
        .collect()
}

impl Drop for FakeLaunchpad {
    fn drop(&mut self) {
        self.worker.stop();
        // Close the stalled connections without a word (dropping a request would answer 500).
        for request in std::mem::take(&mut self.lock().stalled) {
            drop(request.into_writer());
        }
    }
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|header| header.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|header| header.value.as_str().to_owned())
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
    let (content_type, accept) = (header(&request, "Content-Type"), header(&request, "Accept"));
    let (if_match, if_none_match) = (header(&request, "If-Match"), header(&request, "If-None-Match"));
    let authorization = header(&request, "Authorization");
    shared.received += 1;
    let received = shared.received;
    let hits = |every: Option<usize>| every.is_some_and(|every| received.is_multiple_of(every));
    let text = |status: u16, text: &str| api::Outgoing {
        status,
        headers: vec![("Content-Type".to_owned(), "text/plain".to_owned())],
        body: text.to_owned(),
        created_bug: false,
    };
    let outgoing = if read.is_err() {
        text(400, "The body is not UTF-8.")
    } else if hits(shared.config.every_503) {
        text(503, "503 Service Unavailable\n")
    } else if hits(shared.config.every_502) {
        text(502, "502 Bad Gateway\n")
    } else {
        if let Some(edit) = shared.config.edit_before_patch.take_if(|edit| {
            method == edit.before
                && api::split_version(&path).and_then(|(_, segments)| api::resource_of(&segments)).is_some_and(
                    |resource| {
                        (edit.before == "GET"
                            || matches!(
                                resource,
                                api::Resource::Bug(_) | api::Resource::Task(..) | api::Resource::SeriesTask(..)
                            ))
                            && resource.bug() == Some(edit.bug)
                    },
                )
        }) && shared.model.bug(edit.bug).is_some()
        {
            shared.model.apply(edit.bug, &edit.changes);
        }
        let incoming = api::Incoming {
            method: &method,
            path: &path,
            query: &query,
            content_type: content_type.as_deref(),
            body: &body,
            authorization: authorization.as_deref(),
            accept: accept.as_deref(),
            if_match: if_match.as_deref(),
            if_none_match: if_none_match.as_deref(),
        };
        api::handle(&mut shared.model, &shared.config.paging, &incoming)
    };
    let success = (200..300).contains(&outgoing.status) || (outgoing.status == 301 && method == "PATCH");
    if success && method != "GET" {
        shared.writes += 1;
    }
    shared.requests.push(Recorded {
        method,
        path,
        query,
        content_type,
        accept,
        if_match,
        authorization,
        body,
        status: outgoing.status,
    });
    if outgoing.created_bug
        && let Some(countdown) = shared.config.stall_countdown
    {
        if countdown == 0 {
            shared.config.stall_countdown = None;
            shared.stalled.push(request);
            return;
        }
        shared.config.stall_countdown = Some(countdown - 1);
    }
    let mut response = tiny_http::Response::from_string(outgoing.body).with_status_code(outgoing.status);
    for (name, value) in outgoing.headers {
        response.add_header(tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header"));
    }
    // The client may have gone away; that is its business.
    let _ = request.respond(response);
}

/// The real launchpadlib (`tests/python/launchpad_client.py`) logs in with the fake's token,
/// files, edits, comments on, subscribes to and searches bugs through batches and retried
/// faults, meets a stale write (412), and exchanges a request token for an access token; all
/// it sends conforms to Launchpad's WADL.
#[test]
fn launchpadlib_drives_the_fake() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::path::Path;
    use std::process::{Command, Stdio};

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = crate::fake_gitlab::venv(root);
    let fake = FakeLaunchpad::start();
    let seeded = fake.create_bug(
        "lbergmann",
        "libbar",
        "Seeded by lbergmann",
        "Seeded description",
        "Confirmed",
        None,
        &["ubuntu-mir"],
    );
    fake.edit_before_next_patch(seeded, "rjansen", serde_json::json!({ "status": "Triaged" }));
    fake.set_page_size_max(2);
    fake.set_faults(Some(9), Some(13));
    let cache = tempfile::tempdir().expect("a cache folder");
    let mut child = Command::new(&python)
        .arg(root.join("tests/python/launchpad_client.py"))
        .args([fake.root(), fake.token().0.to_owned(), fake.token().1.to_owned()])
        .arg(seeded.to_string())
        .arg(cache.path())
        .env("no_proxy", "127.0.0.1")
        .env("NO_PROXY", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {}: {error}", python.display()));
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    // The script asks for a request token, shows it, and waits for a person to review it.
    let mut stdout = String::new();
    let mut stdin = child.stdin.take().expect("piped stdin");
    for line in BufReader::new(child.stdout.take().expect("piped stdout")).lines() {
        let line = line.expect("the script's output");
        if let Some(token) = line.strip_prefix("REQUEST-TOKEN ") {
            assert_eq!(fake.request_tokens(), vec![token.to_owned()]);
            fake.approve_request_token(token);
            writeln!(stdin, "approved").expect("answer the script");
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let status = child.wait().expect("the script ends");
    let stderr = stderr.join().expect("stderr read");
    assert!(status.success(), "launchpadlib failed against the fake\nstdout:\n{stdout}\nstderr:\n{stderr}");

    let requests = fake.requests();
    assert!(requests.iter().any(|request| request.status == 503), "launchpadlib met a 503");
    assert!(requests.iter().any(|request| request.status == 502), "launchpadlib met a 502");
    assert!(requests.iter().any(|request| request.status == 412), "launchpadlib met a 412");
    assert_eq!(check_requests_against_wadl(&requests), Vec::<String>::new());
    assert_eq!(fake.access_tokens().len(), 2, "the request token became an access token");
    assert!(fake.request_tokens().is_empty(), "an exchanged request token is gone");

    let bugs = fake.bugs();
    assert_eq!(bugs.len(), 2);
    let filed = bugs[1]["id"].as_u64().expect("a number");
    assert_eq!(bugs[1]["title"], "Crash when frobbing");
    assert_eq!(bugs[1]["tags"], serde_json::json!(["docket", "regression"]));
    let task = fake.task(filed);
    assert_eq!((task["status"].as_str(), task["importance"].as_str()), (Some("Incomplete"), Some("Undecided")));
    assert_eq!(task["assignee_link"], format!("{}~lbergmann", fake.url()));
    assert_eq!(task["target_link"], format!("{}ubuntu/+source/libfoo", fake.url()));
    assert_eq!(fake.subscribers(filed), vec!["docket-bot", "ubuntu-mir"]);
    let messages = fake.messages(filed);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["content"], "Does it still crash with 2.0?");
    assert_eq!(messages[1]["subject"], "Re: Crash when frobbing");
    // The seeded bug's task was changed by rjansen under the script's feet, then by the script.
    assert_eq!(fake.task(seeded)["status"], "In Progress");
}
