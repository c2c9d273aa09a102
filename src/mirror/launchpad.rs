//! The Launchpad mirror (REST API, OAuth 1.0 PLAINTEXT): MIR bugs ↔ Launchpad bugs on
//! `<distribution>/+source/<package>`.
//!
//! The mapping: `title` and `description` (the MIR reporter template's sections when empty) ↔
//! the bug's; `tags` ↔ its tags; `package` ↔ the target of its bug task on the distribution's
//! source package; `status` ↔ that task's status (docket's lowercase names ↔ Launchpad's
//! "Fix Committed"); `assignee` ↔ its assignee (people by name, teams with `~`, as docket
//! writes `~ubuntu-security`); `subscribers` ↔ the bug's direct subscriptions (the token's own
//! owner, whom Launchpad subscribes as the reporter, left out); the review and the comments ↔
//! the bug's messages (message 0 is the description); the tasks on the distribution's series
//! (re-reviews per release) ↔ `[[series]]`, read only (they are made by approving nominations).
//! `security_review` and the verdicts are docket's alone: the MIR process keeps them in the
//! review's text.
//!
//! Which bugs: those the MIR team (`[mirror.launchpad] team`, `~ubuntu-mir`) is subscribed to,
//! found with `searchTasks` over every status (its default leaves closed bugs out) and
//! `modified_since`. Writes of fields go through `PATCH` with `If-Match`: a 412 means the bug
//! changed since it was read, so it is read again and, when the fields docket writes changed
//! too, nothing is written ([`Written::Stale`]); the `ETag` sent is always the one read with the
//! values compared, never a fresher one. A 401 on a write is a right the token's owner lacks
//! (statuses only bug supervisors may set), not a bad token. Each bug docket creates carries a marker as
//! its description's last line (`[docket:<id>]`), and each message one
//! (`[docket:<id> <key>]`), so what a killed run made is found instead of made twice.
//! `docket mirror login launchpad` ([`login`]) walks OAuth's token exchange.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::http::{Body, Client, HttpError, Method, Posted, Request, Retry, form_value, percent, post_unless_found};
use super::section::Section;
use super::{Links, LocalComment, MirrorError, RemoteComment, RemoteItem, Service, View, Written};
use crate::model::{Body as RecordBody, Kind, MirStatus, Record};
use crate::tracker::Tracker;

/// `[mirror.launchpad]` of `docket.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The API's root (`https://api.launchpad.net/devel`), without the trailing slash.
    pub url: String,
    /// Where OAuth's token exchange is (`https://launchpad.net`): `web`, else the API's host
    /// without `api.`.
    pub web: String,
    /// MIR bugs target `<distribution>/+source/<package>`.
    pub distribution: String,
    /// The team whose subscription makes a bug a MIR bug, without `~`.
    pub team: String,
    /// The OAuth consumer key docket asks tokens for.
    pub consumer: String,
    /// docket name → Launchpad name, where they differ.
    pub users: BTreeMap<String, String>,
}

impl Settings {
    /// Reads `[mirror.launchpad]` from the tracker's configuration.
    pub fn of(tracker: &Tracker) -> Result<Self, MirrorError> {
        let section = Section::of(tracker, "launchpad", "`url` and `distribution`")?;
        let url = section.url(Some("https://api.launchpad.net/devel/"), "\"https://api.launchpad.net/devel/\"")?;
        let (scheme, rest) = url.split_once("://").unwrap_or(("https", &url));
        let host = rest.split('/').next().unwrap_or_default();
        let web = format!("{scheme}://{}", host.strip_prefix("api.").unwrap_or(host));
        let web = section.text("web", Some(&web), "\"https://launchpad.net\"", false)?;
        Ok(Self {
            url: url.clone(),
            web: web.trim_end_matches('/').to_owned(),
            distribution: section.text("distribution", None, "\"ubuntu\"", false)?,
            team: section
                .text("team", Some("~ubuntu-mir"), "\"~ubuntu-mir\"", false)?
                .trim_start_matches('~')
                .to_owned(),
            consumer: section.text("consumer", Some("docket"), "\"docket\"", false)?,
            users: section.users(),
        })
    }
}

/// An OAuth access token and its secret (no `Debug`: it is never shown).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub token: String,
    pub secret: String,
}

/// The access token: `LAUNCHPAD_TOKEN` and `LAUNCHPAD_TOKEN_SECRET`, else `token` and
/// `token_secret` under `[launchpad]` in the credentials file.
pub fn token() -> Result<Token, MirrorError> {
    Ok(Token {
        token: super::credential("Launchpad", "launchpad", "LAUNCHPAD_TOKEN", "token")?,
        secret: super::credential("Launchpad", "launchpad", "LAUNCHPAD_TOKEN_SECRET", "token_secret")?,
    })
}

/// The `Authorization` header of OAuth 1.0 PLAINTEXT: the signature is the consumer secret
/// (empty) and the token secret joined by `&`; a fresh nonce each time.
fn authorization(consumer: &str, token: &str, secret: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut hash = Sha256::new();
    hash.update(now.as_nanos().to_le_bytes());
    hash.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    hash.update(std::process::id().to_le_bytes());
    let nonce: String = hash.finalize().iter().take(10).fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    });
    format!(
        "OAuth realm=\"https://api.launchpad.net/\", oauth_consumer_key=\"{}\", oauth_token=\"{}\", \
         oauth_signature_method=\"PLAINTEXT\", oauth_signature=\"{}\", oauth_timestamp=\"{}\", \
         oauth_nonce=\"{nonce}\", oauth_version=\"1.0\"",
        percent(consumer),
        percent(token),
        percent(&format!("&{secret}")),
        now.as_secs()
    )
}

/// What [`login`] needs from its caller.
pub struct LoginSteps<'a> {
    /// Told the address where the person authorizes the request token.
    pub authorize: &'a dyn Fn(&str),
    /// The wait between two asks whether it is authorized yet.
    pub poll: Duration,
    /// How long to wait in all.
    pub timeout: Duration,
}

/// OAuth's token exchange: a request token, the person's authorization in the browser (the
/// address is handed to `steps.authorize`), then the access token, asked for every
/// `steps.poll` until it is granted, refused or `steps.timeout` passes.
pub fn login(settings: &Settings, retry: Retry, steps: &LoginSteps<'_>) -> Result<Token, MirrorError> {
    let mut client = Client::new(&settings.web, Vec::new(), retry);
    let consumer = settings.consumer.clone();
    let form = [
        ("oauth_consumer_key", consumer.clone()),
        ("oauth_signature_method", "PLAINTEXT".to_owned()),
        ("oauth_signature", "&".to_owned()),
    ];
    let answer = client
        .request(&Request { body: Body::Form(&form), text: true, ..Request::new(Method::Post, "/+request-token") })
        .map_err(MirrorError::Http)?;
    let text = answer.body.as_str().unwrap_or_default().to_owned();
    let (Some(request), Some(request_secret)) =
        (form_value(&text, "oauth_token"), form_value(&text, "oauth_token_secret"))
    else {
        return Err(MirrorError::Config("Launchpad's answer to the request for a token has no token".to_owned()));
    };
    (steps.authorize)(&format!(
        "{}/+authorize-token?oauth_token={}&allow_permission=WRITE_PRIVATE",
        settings.web,
        percent(&request)
    ));
    let start = std::time::Instant::now();
    let exchange = [
        ("oauth_token", request.clone()),
        ("oauth_consumer_key", consumer),
        ("oauth_signature_method", "PLAINTEXT".to_owned()),
        ("oauth_signature", format!("&{request_secret}")),
    ];
    loop {
        let asked = Request { body: Body::Form(&exchange), text: true, ..Request::new(Method::Post, "/+access-token") };
        match client.request(&asked) {
            Ok(answer) => {
                let text = answer.body.as_str().unwrap_or_default().to_owned();
                return match (form_value(&text, "oauth_token"), form_value(&text, "oauth_token_secret")) {
                    (Some(token), Some(secret)) => Ok(Token { token, secret }),
                    _ => Err(MirrorError::Config("Launchpad's access token answer has no token".to_owned())),
                };
            }
            // Not reviewed yet: ask again.
            Err(HttpError::Status { status: 401, .. }) if start.elapsed() < steps.timeout => {
                std::thread::sleep(steps.poll);
            }
            Err(HttpError::Status { status: 401, .. }) => {
                return Err(MirrorError::Config(format!(
                    "the request token was not authorized within {} ms: run `docket mirror login launchpad` again (DOCKET_MIRROR_LOGIN_WAIT_MS sets the wait)",
                    steps.timeout.as_millis()
                )));
            }
            Err(HttpError::Status { status: 403, message, .. }) => {
                return Err(MirrorError::Config(format!(
                    "the authorization was declined in the browser (Launchpad: {message}); nothing was stored: run `docket mirror login launchpad` again and allow docket to \"Change Anything\""
                )));
            }
            Err(error) => return Err(MirrorError::Http(error)),
        }
    }
}

/// Launchpad's name of a docket status, and back.
const STATUSES: [(MirStatus, &str); 13] = [
    (MirStatus::New, "New"),
    (MirStatus::Incomplete, "Incomplete"),
    (MirStatus::Opinion, "Opinion"),
    (MirStatus::Invalid, "Invalid"),
    (MirStatus::WontFix, "Won't Fix"),
    (MirStatus::Expired, "Expired"),
    (MirStatus::Confirmed, "Confirmed"),
    (MirStatus::Triaged, "Triaged"),
    (MirStatus::InProgress, "In Progress"),
    (MirStatus::Deferred, "Deferred"),
    (MirStatus::FixCommitted, "Fix Committed"),
    (MirStatus::FixReleased, "Fix Released"),
    (MirStatus::DoesNotExist, "Does Not Exist"),
];

fn launchpad_status(name: &str) -> Option<&'static str> {
    let status = MirStatus::from_name(name)?;
    STATUSES.iter().find(|(s, _)| *s == status).map(|(_, lp)| *lp)
}

fn docket_status(launchpad: &str) -> Option<&'static str> {
    STATUSES.iter().find(|(_, lp)| *lp == launchpad).map(|(s, _)| s.name())
}

/// The statuses `searchTasks` is asked for: all a task can have (its default leaves the
/// closed ones out).
const SEARCHED: [&str; 11] = [
    "New",
    "Incomplete",
    "Opinion",
    "Invalid",
    "Won't Fix",
    "Expired",
    "Confirmed",
    "Triaged",
    "In Progress",
    "Fix Committed",
    "Fix Released",
];

/// Where a bug task is.
enum Target {
    /// On `<distribution>/+source/<package>`.
    Package,
    /// On `<distribution>/<series>/+source/<package>`: the series.
    Series(String),
}

/// The fields on the bug, on its task, and the subscriptions.
const BUG_FIELDS: [&str; 3] = ["title", "description", "tags"];
const TASK_FIELDS: [&str; 3] = ["package", "status", "assignee"];

/// A Launchpad distribution's MIR bugs, as a [`Service`].
pub struct Launchpad {
    client: Client,
    /// The API root, without the trailing slash.
    api: String,
    distribution: String,
    team: String,
    users: BTreeMap<String, String>,
    /// Launchpad name → docket name.
    names: HashMap<String, String>,
    /// Launchpad name → whether it is a team, as asked.
    teams: HashMap<String, bool>,
    /// The token's owner, once asked.
    me: Option<String>,
    /// Entry address → the `ETag` it had when last read or written.
    etags: HashMap<String, String>,
}

impl Launchpad {
    /// A client of the distribution `settings` names, with `token`.
    pub fn new(settings: &Settings, token: &Token, retry: Retry) -> Self {
        let (consumer, token) = (settings.consumer.clone(), token.clone());
        let headers = Box::new(move || {
            vec![
                ("Authorization".to_owned(), authorization(&consumer, &token.token, &token.secret)),
                ("Accept".to_owned(), "application/json".to_owned()),
            ]
        });
        Self {
            client: Client::authenticated(&settings.url, headers, retry),
            api: settings.url.clone(),
            distribution: settings.distribution.clone(),
            team: settings.team.clone(),
            users: settings.users.clone(),
            names: settings.users.iter().map(|(name, login)| (login.clone(), name.clone())).collect(),
            teams: HashMap::new(),
            me: None,
            etags: HashMap::new(),
        }
    }

    fn fetch(&mut self, path: &str, query: &[(&str, String)]) -> Result<Value, MirrorError> {
        self.client.send(Method::Get, path, query, None).map(|answer| answer.body).map_err(authorized)
    }

    /// Every entry of a collection, page after page through `next_collection_link`.
    fn entries(&mut self, path: &str, query: &[(&str, String)]) -> Result<Vec<Value>, MirrorError> {
        let mut page = self.fetch(path, query)?;
        let mut entries = Vec::new();
        loop {
            match page.get_mut("entries").map(Value::take) {
                Some(Value::Array(items)) => entries.extend(items),
                _ => {
                    return Err(MirrorError::Http(HttpError::Body {
                        method: "GET",
                        path: path.to_owned(),
                        message: "a collection with `entries` was expected".to_owned(),
                    }));
                }
            }
            match page.get("next_collection_link").and_then(Value::as_str) {
                Some(next) => {
                    let next = next.to_owned();
                    page = self.fetch(&next, &[])?;
                }
                None => return Ok(entries),
            }
        }
    }

    /// A person's or team's address.
    fn person_link(&self, name: &str) -> String {
        let name = name.trim_start_matches('~');
        let login = self.users.get(name).map_or(name, String::as_str);
        format!("{}/~{login}", self.api)
    }

    /// The docket name of the person or team at `link`: people by name (through the user
    /// map), teams with `~`.
    fn name_of(&mut self, link: &str) -> Result<String, MirrorError> {
        let login = link.rsplit_once("/~").map_or(link, |(_, login)| login).to_owned();
        let is_team = match self.teams.get(&login) {
            Some(known) => *known,
            None => {
                let person = self.fetch(&format!("/~{login}"), &[])?;
                let is_team = person["is_team"].as_bool().unwrap_or(false);
                self.teams.insert(login.clone(), is_team);
                is_team
            }
        };
        Ok(if is_team { format!("~{login}") } else { self.names.get(&login).cloned().unwrap_or(login) })
    }

    /// The token's owner.
    fn me(&mut self) -> Result<String, MirrorError> {
        if let Some(me) = &self.me {
            return Ok(me.clone());
        }
        let me = self.fetch("/people/+me", &[])?["name"].as_str().unwrap_or_default().to_owned();
        self.me = Some(me.clone());
        Ok(me)
    }

    fn source_package(&self, package: &str) -> String {
        format!("{}/{}/+source/{package}", self.api, self.distribution)
    }

    /// The bug's tasks: its task on the distribution's source package, and those on series of
    /// the distribution (`<distribution>/<series>/+source/<package>`).
    fn tasks(&mut self, bug: u64) -> Result<(Value, Vec<Value>), MirrorError> {
        let tasks = self.entries(&format!("/bugs/{bug}/bug_tasks"), &[])?;
        let (mut main, mut series) = (None, Vec::new());
        for task in tasks {
            match self.target_of(&task) {
                Some(Target::Package) if main.is_none() => main = Some(task),
                Some(Target::Series(_)) => series.push(task),
                _ => {}
            }
        }
        let main = main.ok_or_else(|| {
            MirrorError::Config(format!(
                "bug {bug} has no task on a source package of {}: it is not a MIR bug docket can mirror",
                self.distribution
            ))
        })?;
        Ok((main, series))
    }

    /// Where a task is: on a source package of the distribution, or of one of its series.
    fn target_of(&self, task: &Value) -> Option<Target> {
        let target = task["target_link"].as_str()?;
        let rest = target.strip_prefix(&format!("{}/{}/", self.api, self.distribution))?;
        match rest.split_once("+source/")? {
            ("", _) => Some(Target::Package),
            (series, _) => Some(Target::Series(series.trim_end_matches('/').to_owned())),
        }
    }

    /// The bug, its tasks and its subscriptions as one item.
    fn item(&mut self, bug: &Value) -> Result<RemoteItem, MirrorError> {
        let number = bug["id"].as_u64().unwrap_or_default();
        let (task, series_tasks) = self.tasks(number)?;
        self.remember(bug);
        self.remember(&task);
        let mut view = self.bug_view(bug);
        view.extend(self.task_view(&task)?);
        let mut series: Vec<Value> = series_tasks
            .iter()
            .filter_map(|task| {
                let Some(Target::Series(name)) = self.target_of(task) else { return None };
                let status = task["status"].as_str().unwrap_or_default();
                Some(json!({"name": name, "status": docket_status(status).unwrap_or(status)}))
            })
            .collect();
        series.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        view.insert("series".into(), json!(series));
        let me = self.me()?;
        let mut subscribers = Vec::new();
        for subscription in self.entries(&format!("/bugs/{number}/subscriptions"), &[])? {
            let link = subscription["person_link"].as_str().unwrap_or_default();
            if link.rsplit_once("/~").is_some_and(|(_, login)| login == me) {
                continue;
            }
            subscribers.push(self.name_of(link)?);
        }
        subscribers.sort();
        subscribers.dedup();
        view.insert("subscribers".into(), json!(subscribers));
        let (_, marker) = unmark(bug["description"].as_str().unwrap_or_default());
        Ok(RemoteItem {
            remote: number,
            marker,
            view,
            updated: bug["date_last_updated"].as_str().unwrap_or_default().to_owned(),
            comment_count: bug["message_count"].as_u64().map(|count| count.saturating_sub(1)),
            created: bug["date_created"].as_str().map(str::to_owned),
        })
    }

    fn bug_view(&self, bug: &Value) -> View {
        let (description, _) = unmark(bug["description"].as_str().unwrap_or_default());
        let mut tags = strings(&bug["tags"]);
        tags.sort();
        let mut view = View::new();
        view.insert("title".into(), bug["title"].clone());
        view.insert("description".into(), text_or_null(&description));
        view.insert("tags".into(), json!(tags));
        view
    }

    fn task_view(&mut self, task: &Value) -> Result<View, MirrorError> {
        let mut view = View::new();
        let package = task["target_link"].as_str().and_then(|t| t.rsplit_once("/+source/")).map(|(_, p)| p);
        view.insert("package".into(), package.map_or(Value::Null, |p| json!(p)));
        let status = task["status"].as_str().unwrap_or_default();
        // A status docket has no name for (Launchpad's "Unknown") is shown as it is.
        view.insert("status".into(), json!(docket_status(status).map_or_else(|| status.to_owned(), str::to_owned)));
        let assignee = match task["assignee_link"].as_str() {
            Some(link) => json!(self.name_of(link)?),
            None => Value::Null,
        };
        view.insert("assignee".into(), assignee);
        Ok(view)
    }

    fn remember(&mut self, entry: &Value) {
        if let (Some(link), Some(etag)) = (entry["self_link"].as_str(), entry["http_etag"].as_str()) {
            self.etags.insert(link.to_owned(), etag.to_owned());
        }
    }

    /// Item `bug` as it is now.
    fn read(&mut self, bug: u64) -> Result<Option<RemoteItem>, MirrorError> {
        let value = match self.client.send(Method::Get, &format!("/bugs/{bug}"), &[], None) {
            Ok(answer) => answer.body,
            Err(error) if error.status() == Some(404) => return Ok(None),
            Err(error) => return Err(authorized(error)),
        };
        self.item(&value).map(Some)
    }

    /// The tasks `searchTasks` finds with `query` (every status), one per bug: its task on a
    /// source package.
    fn search(&mut self, query: Vec<(&str, String)>) -> Result<Vec<Value>, MirrorError> {
        let mut query = query;
        query.insert(0, ("ws.op", "searchTasks".to_owned()));
        query.extend(SEARCHED.iter().map(|status| ("status", (*status).to_owned())));
        query.push(("omit_duplicates", "false".to_owned()));
        let distribution = format!("/{}", self.distribution);
        let tasks = self.entries(&distribution, &query)?;
        let mut seen = BTreeSet::new();
        Ok(tasks
            .into_iter()
            .filter(|task| matches!(self.target_of(task), Some(Target::Package)))
            .filter(|task| seen.insert(task["bug_link"].as_str().unwrap_or_default().to_owned()))
            .collect())
    }

    /// Sends a `PATCH` of `fields` to the entry at `link` with `If-Match`, and the `ETag` read
    /// with `before` (this run's listing). An entry not listed is judged as just read (`fresh`,
    /// else read now), and so is one refused with 412: when the fields docket writes no longer
    /// hold what `before` says (`view_of` gives them from an entry), nothing is written.
    fn patch(
        &mut self,
        link: &str,
        fields: &Value,
        before: &View,
        view_of: fn(&mut Self, &Value) -> Result<View, MirrorError>,
        fresh: Option<Value>,
    ) -> Result<Written, MirrorError> {
        let mut fresh = fresh;
        for _ in 0..3 {
            let etag = match self.etags.get(link) {
                Some(etag) => etag.clone(),
                None => {
                    let entry = match fresh.take() {
                        Some(entry) => entry,
                        None => self.fetch(link, &[])?,
                    };
                    let now = view_of(self, &entry)?;
                    if before.iter().any(|(field, value)| now.get(field) != Some(value)) {
                        return Ok(Written::Stale);
                    }
                    self.remember(&entry);
                    entry["http_etag"].as_str().unwrap_or_default().to_owned()
                }
            };
            let headers = [("If-Match", etag)];
            let asked = Request { body: Body::Json(fields), headers: &headers, ..Request::new(Method::Patch, link) };
            match self.client.request(&asked) {
                Ok(answer) => {
                    self.remember(&answer.body);
                    return Ok(Written::Done);
                }
                // Changed since it was read: read it again and compare.
                Err(error) if error.status() == Some(412) => {
                    self.etags.remove(link);
                }
                Err(error) => return Err(denied(error)),
            }
        }
        Ok(Written::Stale)
    }

    /// Sets the bug's task and subscriptions to `view`'s values where they differ from
    /// `before`'s (a new bug's task is New, unassigned, with nobody subscribed).
    fn write_task_and_subscribers(&mut self, bug: u64, changed: &View, before: &View) -> Result<Written, MirrorError> {
        let mut outcome = Written::Done;
        let task_changes: View = changed
            .iter()
            .filter(|(field, _)| TASK_FIELDS.contains(&field.as_str()))
            .map(|(f, v)| (f.clone(), v.clone()))
            .collect();
        if !task_changes.is_empty() {
            let (task, _) = self.tasks(bug)?;
            let link = task["self_link"].as_str().unwrap_or_default().to_owned();
            let before_task: View =
                task_changes.keys().map(|f| (f.clone(), before.get(f).cloned().unwrap_or(Value::Null))).collect();
            let mut fields = serde_json::Map::new();
            for (field, value) in &task_changes {
                match field.as_str() {
                    "status" => {
                        let name = value.as_str().unwrap_or_default();
                        let status = launchpad_status(name).ok_or_else(|| {
                            MirrorError::Config(format!("status `{name}` has no Launchpad equivalent"))
                        })?;
                        fields.insert("status".into(), json!(status));
                    }
                    "assignee" => {
                        let link = value.as_str().map(|name| self.person_link(name));
                        fields.insert("assignee_link".into(), link.map_or(Value::Null, Value::String));
                    }
                    "package" => {
                        let package = value.as_str().unwrap_or_default();
                        fields.insert("target_link".into(), json!(self.source_package(package)));
                    }
                    _ => {}
                }
            }
            let fields = Value::Object(fields);
            if self.patch(&link, &fields, &before_task, Self::task_view, Some(task))? == Written::Stale {
                outcome = Written::Stale;
            }
        }
        if let Some(wanted) = changed.get("subscribers") {
            let path = format!("/bugs/{bug}");
            let had: BTreeSet<String> =
                strings(before.get("subscribers").unwrap_or(&Value::Null)).into_iter().collect();
            let wanted: BTreeSet<String> = strings(wanted).into_iter().collect();
            for (op, people) in [("subscribe", wanted.difference(&had)), ("unsubscribe", had.difference(&wanted))] {
                for person in people {
                    let form = [("ws.op", op.to_owned()), ("person", self.person_link(person))];
                    let asked =
                        Request { body: Body::Form(&form), idempotent: true, ..Request::new(Method::Post, &path) };
                    // Subscribing twice, or unsubscribing someone who is not, changes nothing:
                    // a retry is safe.
                    self.client.request(&asked).map_err(|error| person_error(error, person))?;
                }
            }
        }
        Ok(outcome)
    }
}

impl Service for Launchpad {
    fn name(&self) -> &'static str {
        "launchpad"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Mir]
    }

    fn pull_only(&self) -> &'static [&'static str] {
        // Series tasks are made by approving nominations, which takes a release manager: they
        // are read, never written.
        &["series"]
    }

    fn set_after_create(&self) -> &'static [&'static str] {
        &["status", "assignee", "subscribers"]
    }

    fn view(&self, _tracker: &Tracker, record: &Record) -> View {
        let mut view = View::new();
        let RecordBody::Mir(bug) = &record.body else { return view };
        let mut tags = bug.tags.clone();
        tags.sort();
        let mut subscribers = bug.subscribers.clone();
        subscribers.sort();
        subscribers.dedup();
        // A bug without a description gets the MIR reporter template's sections, as the
        // process asks of a new MIR bug.
        let description = bug
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(crate::format::new::description_template(Kind::Mir, "mir"));
        view.insert("title".into(), json!(bug.title));
        view.insert("description".into(), text_or_null(description));
        view.insert("tags".into(), json!(tags));
        view.insert("package".into(), json!(bug.package));
        view.insert("status".into(), json!(bug.status.name()));
        view.insert(
            "assignee".into(),
            bug.assignee.as_ref().filter(|a| !a.is_empty()).map_or(Value::Null, |a| json!(a)),
        );
        view.insert("subscribers".into(), json!(subscribers));
        view.insert("series".into(), json!(series_of(record)));
        view
    }

    fn changed(&mut self, _kind: Kind, since: Option<&str>, _links: &Links) -> Result<Vec<RemoteItem>, MirrorError> {
        let mut query = vec![("bug_subscriber", self.person_link(&format!("~{}", self.team)))];
        if let Some(since) = since {
            query.push(("modified_since", since.to_owned()));
        }
        let tasks = self.search(query)?;
        let mut items = Vec::new();
        for task in tasks {
            let Some(bug_link) = task["bug_link"].as_str() else { continue };
            let bug = self.fetch(bug_link, &[])?;
            items.push(self.item(&bug)?);
        }
        items.sort_by(|a, b| a.updated.cmp(&b.updated));
        Ok(items)
    }

    fn find(&mut self, _kind: Kind, id: &str, _links: &Links) -> Result<Option<RemoteItem>, MirrorError> {
        let me = self.me()?;
        let tasks =
            self.search(vec![("search_text", format!("docket:{id}")), ("bug_reporter", self.person_link(&me))])?;
        for task in tasks {
            let Some(bug_link) = task["bug_link"].as_str() else { continue };
            let bug = self.fetch(bug_link, &[])?;
            if unmark(bug["description"].as_str().unwrap_or_default()).1.as_deref() == Some(id) {
                return self.item(&bug).map(Some);
            }
        }
        Ok(None)
    }

    fn get(&mut self, _kind: Kind, remote: u64, _links: &Links) -> Result<Option<RemoteItem>, MirrorError> {
        self.read(remote)
    }

    fn create(&mut self, kind: Kind, id: &str, view: &View, links: &Links) -> Result<RemoteItem, MirrorError> {
        let package = view.get("package").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut form = vec![
            ("ws.op", "createBug".to_owned()),
            ("target", self.source_package(&package)),
            ("title", view.get("title").and_then(Value::as_str).unwrap_or_default().to_owned()),
            ("description", mark(view.get("description").and_then(Value::as_str).unwrap_or_default(), id)),
        ];
        let tags = strings(view.get("tags").unwrap_or(&Value::Null));
        if !tags.is_empty() {
            form.push(("tags", json!(tags).to_string()));
        }
        let retry = self.client.retry();
        let posted = post_unless_found(
            self,
            retry,
            |lp| lp.client.request(&Request { body: Body::Form(&form), ..Request::new(Method::Post, "/bugs") }),
            |lp| lp.find(kind, id, links),
            |error| package_error(error, &package),
        )?;
        // The task and subscriptions as the bug has them: a new bug's are New, unassigned and
        // nobody else; one an earlier attempt made may have some set already.
        let made = matches!(posted, Posted::Made(_));
        let (bug, current) = match posted {
            Posted::Made(answer) => {
                let bug = answer
                    .location
                    .as_deref()
                    .and_then(|l| l.rsplit('/').next())
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| {
                        MirrorError::Config("Launchpad made the bug but did not say where (no Location)".to_owned())
                    })?;
                let mut fresh = View::new();
                fresh.insert("status".into(), json!("new"));
                fresh.insert("assignee".into(), Value::Null);
                fresh.insert("subscribers".into(), json!([]));
                (bug, fresh)
            }
            Posted::Found(item) => (item.remote, item.view),
        };
        let wanted: View = ["status", "assignee", "subscribers"]
            .iter()
            .filter_map(|field| Some(((*field).to_owned(), view.get(*field)?.clone())))
            .filter(|(field, value)| current.get(field) != Some(value))
            .collect();
        // Someone changing the bug in the moment since it was made wins: the next run pulls it.
        self.write_task_and_subscribers(bug, &wanted, &current)
            .map_err(|error| MirrorError::Made { error: Box::new(error) })?;
        if !made {
            return self
                .read(bug)?
                .ok_or_else(|| MirrorError::Config(format!("bug {bug} vanished right after it was made")));
        }
        // A bug just made is what was sent, without series tasks or messages but its
        // description: nothing to read back.
        let mut sent = view.clone();
        sent.insert("series".into(), json!([]));
        Ok(RemoteItem {
            remote: bug,
            marker: Some(id.to_owned()),
            view: sent,
            updated: String::new(),
            comment_count: Some(0),
            created: None,
        })
    }

    fn update(
        &mut self,
        _kind: Kind,
        remote: u64,
        changed: &View,
        before: &View,
        links: &Links,
    ) -> Result<Written, MirrorError> {
        let id = links.local(Kind::Mir, remote).unwrap_or_default().to_owned();
        let mut outcome = Written::Done;
        let bug_changes: serde_json::Map<String, Value> = changed
            .iter()
            .filter(|(field, _)| BUG_FIELDS.contains(&field.as_str()))
            .map(|(field, value)| {
                let value = if field == "description" {
                    json!(mark(value.as_str().unwrap_or_default(), &id))
                } else {
                    value.clone()
                };
                (field.clone(), value)
            })
            .collect();
        if !bug_changes.is_empty() {
            let link = format!("{}/bugs/{remote}", self.api);
            let before_bug: View =
                bug_changes.keys().map(|f| (f.clone(), before.get(f).cloned().unwrap_or(Value::Null))).collect();
            if self.patch(&link, &Value::Object(bug_changes), &before_bug, |lp, bug| Ok(lp.bug_view(bug)), None)?
                == Written::Stale
            {
                outcome = Written::Stale;
            }
        }
        if self.write_task_and_subscribers(remote, changed, before)? == Written::Stale {
            outcome = Written::Stale;
        }
        Ok(outcome)
    }

    fn comments(&mut self, _kind: Kind, remote: u64) -> Result<Vec<RemoteComment>, MirrorError> {
        let messages = self.entries(&format!("/bugs/{remote}/messages"), &[])?;
        let mut comments = Vec::new();
        // Message 0 is the description.
        for message in messages.iter().skip(1) {
            let number = message["self_link"].as_str().and_then(|l| l.rsplit('/').next()).and_then(|n| n.parse().ok());
            let (text, marker) = unmark_message(message["content"].as_str().unwrap_or_default());
            let author = match message["owner_link"].as_str() {
                Some(link) => Some(self.name_of(link)?),
                None => None,
            };
            comments.push(RemoteComment {
                id: number.unwrap_or_default(),
                author,
                date: message["date_created"].as_str().and_then(crate::time::parse_timestamp),
                text,
                marker,
            });
        }
        Ok(comments)
    }

    fn comment(&mut self, kind: Kind, remote: u64, id: &str, comment: &LocalComment) -> Result<u64, MirrorError> {
        let me = self.me()?;
        let mut content = String::new();
        if let Some(author) = comment.author.as_deref().filter(|a| self.users.get(*a).map_or(*a, String::as_str) != me)
        {
            let date = comment.date.map(|d| crate::time::date_of(d).to_string()).unwrap_or_default();
            let _ = write!(content, "{author} wrote on {date}:\n\n");
        }
        content.push_str(comment.text.trim());
        let _ = write!(content, "\n\n[docket:{id} {}]", comment.key);
        let form = [("ws.op", "newMessage".to_owned()), ("content", content)];
        let path = format!("/bugs/{remote}");
        let retry = self.client.retry();
        let posted = post_unless_found(
            self,
            retry,
            |lp| lp.client.request(&Request { body: Body::Form(&form), ..Request::new(Method::Post, &path) }),
            |lp| lp.find_comment(kind, remote, &comment.key),
            authorized,
        )?;
        match posted {
            Posted::Found(number) => Ok(number),
            Posted::Made(answer) => {
                answer.location.as_deref().and_then(|l| l.rsplit('/').next()).and_then(|n| n.parse().ok()).ok_or_else(
                    || MirrorError::Config("Launchpad made the message but did not say where (no Location)".to_owned()),
                )
            }
        }
    }

    fn cost(&self) -> (usize, usize) {
        (self.client.requests, self.client.writes)
    }
}

/// A record's `[[series]]` as the view has them: `{name, status}`, by name.
fn series_of(record: &Record) -> Vec<Value> {
    let tables = record.fields.get("series").and_then(toml::Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut series: Vec<Value> = tables
        .iter()
        .filter_map(|table| {
            let text = |key: &str| table.get(key).and_then(toml::Value::as_str).map(str::to_owned);
            Some(json!({"name": text("name")?, "status": text("status")?}))
        })
        .collect();
    series.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    series
}

/// A 401 as what it means: the token.
fn authorized(error: HttpError) -> MirrorError {
    match error {
        HttpError::Status { status: 401, message, .. } => {
            MirrorError::Unauthorized { service: "Launchpad", status: 401, message }
        }
        other => MirrorError::Http(other),
    }
}

/// A write refused with 401 after the token was accepted for reading: a right the token's
/// owner lacks, not a bad token.
fn denied(error: HttpError) -> MirrorError {
    match error {
        HttpError::Status { status: 401, message, .. } => MirrorError::Config(format!(
            "Launchpad refused the change: {message} The token works, but its owner lacks the right: \
             on Ubuntu, statuses such as Won't Fix and Triaged take a bug supervisor (~ubuntu-bugcontrol); \
             ask for the membership, or make this change on Launchpad and pull it"
        )),
        other => MirrorError::Http(other),
    }
}

/// A 404 naming a person or team as that person.
fn person_error(error: HttpError, person: &str) -> MirrorError {
    match &error {
        HttpError::Status { status: 400 | 404, .. } => MirrorError::Config(format!(
            "Launchpad has no person or team `{person}` ({error}): check the name in the record, or map it in [mirror.launchpad.users]"
        )),
        _ => authorized(error),
    }
}

/// A createBug refused for its package.
fn package_error(error: HttpError, package: &str) -> MirrorError {
    match &error {
        HttpError::Status { status: 400 | 404, .. } => MirrorError::Config(format!(
            "Launchpad refused to make the bug on source package `{package}` ({error}): check `package` in the record"
        )),
        _ => authorized(error),
    }
}

/// `text` with docket's marker as its last line.
fn mark(text: &str, id: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() { format!("[docket:{id}]") } else { format!("{text}\n\n[docket:{id}]") }
}

/// A description without docket's marker, and the id the marker names.
fn unmark(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end();
    let (rest, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    match last.strip_prefix("[docket:").and_then(|m| m.strip_suffix(']')) {
        Some(id) if !id.contains(' ') => (rest.trim_end().to_owned(), Some(id.to_owned())),
        _ => (text.to_owned(), None),
    }
}

/// A message without docket's marker, and the key of the local comment it was posted from.
fn unmark_message(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end();
    let (rest, last) = trimmed.rsplit_once('\n').unwrap_or(("", trimmed));
    match last.strip_prefix("[docket:").and_then(|m| m.strip_suffix(']')).and_then(|m| m.split_once(' ')) {
        Some((_, key)) => (rest.trim_end().to_owned(), Some(key.to_owned())),
        None => (text.to_owned(), None),
    }
}

fn text_or_null(text: &str) -> Value {
    if text.trim().is_empty() { Value::Null } else { json!(text) }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_stripped() {
        assert_eq!(unmark(&mark("Some text\n", "abc123")), ("Some text".to_owned(), Some("abc123".to_owned())));
        assert_eq!(unmark(&mark("", "abc123")), (String::new(), Some("abc123".to_owned())));
        assert_eq!(unmark("no marker"), ("no marker".to_owned(), None));
        // A message's marker is not a bug's.
        assert_eq!(unmark("Seen.\n\n[docket:abc123 0f1e2d3c]"), ("Seen.\n\n[docket:abc123 0f1e2d3c]".to_owned(), None));
        assert_eq!(
            unmark_message("Looks fine.\n\n[docket:abc123 0f1e2d3c]"),
            ("Looks fine.".to_owned(), Some("0f1e2d3c".to_owned()))
        );
        assert_eq!(unmark_message("[docket:abc123]"), ("[docket:abc123]".to_owned(), None));
    }

    #[test]
    fn every_status_has_its_launchpad_name_and_back() {
        for name in MirStatus::NAMES {
            let launchpad = launchpad_status(name).expect("a Launchpad name");
            assert_eq!(docket_status(launchpad), Some(*name));
        }
        assert_eq!(launchpad_status("wont_fix"), Some("Won't Fix"));
        assert_eq!(docket_status("Unknown"), None);
    }

    #[test]
    fn the_oauth_header_signs_with_the_token_secret_and_a_fresh_nonce() {
        let one = authorization("docket", "tok", "s&cret");
        let two = authorization("docket", "tok", "s&cret");
        assert!(one.contains("oauth_signature=\"%26s%26cret\""), "{one}");
        assert!(one.contains("oauth_signature_method=\"PLAINTEXT\""));
        let nonce = |h: &str| h.split("oauth_nonce=\"").nth(1).and_then(|r| r.split('"').next()).map(str::to_owned);
        assert_ne!(nonce(&one), nonce(&two));
    }
}
