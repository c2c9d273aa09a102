//! The fake Launchpad's data: the distribution `ubuntu` and its source packages (which exist for
//! any name), a few people and teams, the bugs with their one task each, their messages and
//! subscriptions, and the server clock; the semantics of every write, shared by the web service
//! and by the helpers that stand for people in the web UI (status dates as `BugTask.
//! transitionToStatus` keeps them, `date_last_updated` as Launchpad's event subscribers bump
//! it); and the JSON entries, rendered field by field from the WADL's `<type>-full`
//! representations, with lazr.restful's two-part entity tags.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::oauth::Tokens;
use super::params::{format_time, hex};
use super::wadl::wadl;
use crate::fake_gitlab::time;

/// The token's owner, who files and edits through the web service.
pub const BOT: &str = "docket-bot";
/// The clock's default start: the instant the integration tests pin.
pub const CLOCK_START: &str = "2026-11-23T12:00:00Z";
/// Each write moves the clock on by this much.
pub const TICK_MS: i64 = 1000;
/// The first bug number.
const FIRST_BUG: u64 = 1_000_001;
/// When the people and the distribution were registered.
const REGISTERED: &str = "2005-06-06T08:59:51Z";

/// A person or a team.
pub struct Person {
    pub name: &'static str,
    pub display_name: &'static str,
    pub is_team: bool,
}

pub const PEOPLE: [Person; 12] = [
    Person { name: BOT, display_name: "Docket Bot", is_team: false },
    Person { name: "lbergmann", display_name: "Lena Bergmann", is_team: false },
    Person { name: "mkovacs", display_name: "Mira Kovacs", is_team: false },
    Person { name: "rjansen", display_name: "Ruben Jansen", is_team: false },
    Person { name: "tnakamura", display_name: "Taro Nakamura", is_team: false },
    Person { name: "fmoreau", display_name: "Flora Moreau", is_team: false },
    Person { name: "cpaelzer", display_name: "Christian Paelzer", is_team: false },
    Person { name: "ubuntu-mir", display_name: "Ubuntu MIR Team", is_team: true },
    Person { name: "ubuntu-security", display_name: "Ubuntu Security Team", is_team: true },
    Person { name: "foundations-bugs", display_name: "Foundations Bugs", is_team: true },
    Person { name: "desktop-packages", display_name: "Desktop Packages", is_team: true },
    Person { name: "ubuntu-server", display_name: "Ubuntu Server", is_team: true },
];

pub fn person(name: &str) -> Option<&'static Person> {
    PEOPLE.iter().find(|person| person.name == name)
}

/// `BugTaskStatus` values (their order is the workflow's).
pub fn status_value(status: &str) -> u32 {
    match status {
        "New" => 10,
        "Incomplete" => 15,
        "Opinion" => 16,
        "Invalid" => 17,
        "Won't Fix" => 18,
        "Expired" => 19,
        "Confirmed" => 20,
        "Triaged" => 21,
        "In Progress" => 22,
        "Fix Committed" => 25,
        "Fix Released" => 30,
        _ => 999,
    }
}

/// `BugTaskImportance` values (`-importance`, searchTasks' default order, is by these).
pub fn importance_value(importance: &str) -> u32 {
    match importance {
        "Undecided" => 5,
        "Wishlist" => 10,
        "Low" => 20,
        "Medium" => 30,
        "High" => 40,
        "Critical" => 50,
        _ => 999,
    }
}

/// `UNRESOLVED_BUGTASK_STATUSES`: what searchTasks finds when no status is given.
pub const UNRESOLVED: [&str; 6] = ["New", "Incomplete", "Confirmed", "Triaged", "In Progress", "Fix Committed"];
/// `RESOLVED_BUGTASK_STATUSES`: a task in one of these is complete.
pub const RESOLVED: [&str; 5] = ["Fix Released", "Opinion", "Invalid", "Won't Fix", "Expired"];

pub struct Message {
    pub subject: String,
    pub content: String,
    pub owner: String,
    pub date_created: i64,
}

pub struct Subscription {
    pub person: String,
    pub subscribed_by: String,
    pub date_created: i64,
}

/// The bug's task on `ubuntu/+source/<package>`.
pub struct Task {
    pub package: String,
    pub status: String,
    /// An Incomplete task that got a comment since (`Incomplete (with response)`).
    pub responded: bool,
    pub importance: String,
    pub assignee: Option<String>,
    pub owner: String,
    pub date_created: i64,
    pub date_assigned: Option<i64>,
    pub date_closed: Option<i64>,
    pub date_confirmed: Option<i64>,
    pub date_fix_committed: Option<i64>,
    pub date_fix_released: Option<i64>,
    pub date_in_progress: Option<i64>,
    pub date_incomplete: Option<i64>,
    pub date_left_closed: Option<i64>,
    pub date_left_new: Option<i64>,
    pub date_triaged: Option<i64>,
}

impl Task {
    /// `BugTask.transitionToStatus`: the status dates follow the status.
    fn transition(&mut self, status: &str, now: i64) {
        let old = std::mem::replace(&mut self.status, status.to_owned());
        if old == status {
            return;
        }
        self.responded = false;
        let (was, new) = (status_value(&old), status_value(status));
        if status == "Unknown" {
            self.date_confirmed = None;
            self.date_in_progress = None;
            self.date_closed = None;
            self.date_incomplete = None;
            self.date_triaged = None;
            self.date_fix_committed = None;
            self.date_fix_released = None;
            return;
        }
        let reached = |at: &str| was < status_value(at) && new >= status_value(at);
        if reached("Confirmed") {
            self.date_confirmed = Some(now);
        }
        if reached("In Progress") {
            self.date_in_progress = Some(now);
        }
        if old == "New" && new > was && self.date_left_new.is_none() {
            self.date_left_new = Some(now);
        }
        if reached("Triaged") {
            self.date_triaged = Some(now);
        }
        if reached("Fix Committed") {
            self.date_fix_committed = Some(now);
        }
        if reached("Fix Released") {
            self.date_fix_released = Some(now);
        }
        self.date_incomplete = (status == "Incomplete").then_some(now);
        if UNRESOLVED.contains(&old.as_str()) && RESOLVED.contains(&status) {
            self.date_closed = Some(now);
        }
        if RESOLVED.contains(&old.as_str()) && UNRESOLVED.contains(&status) {
            self.date_left_closed = Some(now);
        }
        if UNRESOLVED.contains(&status) {
            self.date_closed = None;
        }
        for (at, date) in [
            ("Confirmed", &mut self.date_confirmed),
            ("In Progress", &mut self.date_in_progress),
            ("Triaged", &mut self.date_triaged),
            ("Fix Committed", &mut self.date_fix_committed),
            ("Fix Released", &mut self.date_fix_released),
        ] {
            if new < status_value(at) {
                *date = None;
            }
        }
    }

    /// `BugTask.transitionToAssignee`.
    fn assign(&mut self, assignee: Option<String>, now: i64) {
        if assignee == self.assignee {
            return;
        }
        match (&self.assignee, &assignee) {
            (Some(_), None) => self.date_assigned = None,
            (None, Some(_)) => self.date_assigned = Some(now),
            _ => {}
        }
        self.assignee = assignee;
    }
}

pub struct Bug {
    pub id: u64,
    pub title: String,
    pub description: String,
    /// Lower case, sorted, without duplicates (as `Bug.tags` reads them).
    pub tags: Vec<String>,
    pub owner: String,
    pub date_created: i64,
    pub date_last_updated: i64,
    pub date_last_message: Option<i64>,
    /// Message 0 is the description.
    pub messages: Vec<Message>,
    pub subscriptions: Vec<Subscription>,
    pub task: Task,
}

/// One change to a bug or its task, as a PATCH or a person in the web UI makes it (already
/// validated).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Title(String),
    Description(String),
    Tags(Vec<String>),
    Status(String),
    Importance(String),
    Assignee(Option<String>),
    Package(String),
}

/// Tags as `Bug.tags` keeps them.
pub fn normalize_tags(tags: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = tags.iter().map(|tag| tag.to_lowercase()).collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Whether Launchpad's `Tag` field takes a tag.
pub fn valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

/// Everything the fake Launchpad stores.
pub struct Model {
    /// `http://127.0.0.1:PORT`, for web links.
    pub root: String,
    /// The server clock (ms since the epoch); see [`Model::tick`].
    pub clock: i64,
    /// Bugs by number.
    pub bugs: Vec<Bug>,
    /// OAuth consumers, tokens and used nonces.
    pub tokens: Tokens,
}

impl Model {
    pub fn new(root: String) -> Self {
        Self {
            root,
            clock: time::parse_datetime(CLOCK_START).expect("CLOCK_START is a date-time"),
            bugs: Vec::new(),
            tokens: Tokens::new(),
        }
    }

    /// Moves the clock on for a write and returns the write's instant.
    pub fn tick(&mut self) -> i64 {
        self.clock += TICK_MS;
        self.clock
    }

    pub fn bug(&self, id: u64) -> Option<&Bug> {
        self.bugs.iter().find(|bug| bug.id == id)
    }

    fn bug_mut(&mut self, id: u64) -> &mut Bug {
        self.bugs.iter_mut().find(|bug| bug.id == id).expect("the caller checked the bug exists")
    }

    /// `createBug`: a bug with one New, Undecided task on the package; the reporter is
    /// subscribed and marked affected; message 0 holds the description.
    pub fn create_bug(
        &mut self,
        reporter: &str,
        package: &str,
        title: &str,
        description: &str,
        tags: &[String],
    ) -> u64 {
        let now = self.tick();
        let id = self.bugs.last().map_or(FIRST_BUG, |bug| bug.id + 1);
        self.bugs.push(Bug {
            id,
            title: title.to_owned(),
            description: description.to_owned(),
            tags: normalize_tags(tags),
            owner: reporter.to_owned(),
            date_created: now,
            date_last_updated: now,
            date_last_message: Some(now),
            messages: vec![Message {
                subject: title.to_owned(),
                content: description.to_owned(),
                owner: reporter.to_owned(),
                date_created: now,
            }],
            subscriptions: vec![Subscription {
                person: reporter.to_owned(),
                subscribed_by: reporter.to_owned(),
                date_created: now,
            }],
            task: Task {
                package: package.to_owned(),
                status: "New".to_owned(),
                responded: false,
                importance: "Undecided".to_owned(),
                assignee: None,
                owner: reporter.to_owned(),
                date_created: now,
                date_assigned: None,
                date_closed: None,
                date_confirmed: None,
                date_fix_committed: None,
                date_fix_released: None,
                date_in_progress: None,
                date_incomplete: None,
                date_left_closed: None,
                date_left_new: None,
                date_triaged: None,
            },
        });
        id
    }

    /// Whether applying these changes would change anything.
    fn changes_anything(bug: &Bug, changes: &[Change]) -> bool {
        changes.iter().any(|change| match change {
            Change::Title(title) => *title != bug.title,
            Change::Description(text) => *text != bug.description,
            Change::Tags(tags) => normalize_tags(tags) != bug.tags,
            Change::Status(status) => *status != bug.task.status,
            Change::Importance(importance) => *importance != bug.task.importance,
            Change::Assignee(assignee) => *assignee != bug.task.assignee,
            Change::Package(package) => *package != bug.task.package,
        })
    }

    /// Applies validated changes to a bug and its task at one new instant (none if nothing
    /// changes) and bumps the bug's `date_last_updated`; returns whether anything changed.
    pub fn apply(&mut self, id: u64, changes: &[Change]) -> bool {
        if !Self::changes_anything(self.bug(id).expect("the caller checked the bug exists"), changes) {
            return false;
        }
        let now = self.tick();
        let bug = self.bug_mut(id);
        for change in changes {
            match change {
                Change::Title(title) => bug.title.clone_from(title),
                Change::Description(text) => bug.description.clone_from(text),
                Change::Tags(tags) => bug.tags = normalize_tags(tags),
                Change::Status(status) => bug.task.transition(status, now),
                Change::Importance(importance) => bug.task.importance.clone_from(importance),
                Change::Assignee(assignee) => bug.task.assign(assignee.clone(), now),
                Change::Package(package) => bug.task.package.clone_from(package),
            }
        }
        bug.date_last_updated = now;
        true
    }

    /// `newMessage`: a comment (subject `Re: <title of message 0>` if none is given); returns its
    /// index. It bumps `date_last_updated` and `date_last_message`.
    pub fn new_message(&mut self, id: u64, owner: &str, subject: Option<&str>, content: &str) -> usize {
        let now = self.tick();
        let bug = self.bug_mut(id);
        let subject = subject
            .filter(|subject| !subject.is_empty())
            .map_or_else(|| format!("Re: {}", bug.messages[0].subject), str::to_owned);
        bug.messages.push(Message { subject, content: content.to_owned(), owner: owner.to_owned(), date_created: now });
        if bug.task.status == "Incomplete" {
            bug.task.responded = true;
        }
        bug.date_last_updated = now;
        bug.date_last_message = Some(now);
        bug.messages.len() - 1
    }

    /// `subscribe`: a person already subscribed keeps their subscription. Subscriptions are no
    /// field of the bug: they change neither its `date_last_updated` nor its entity tag.
    pub fn subscribe(&mut self, id: u64, person: &str, by: &str) {
        if self.bug(id).is_some_and(|bug| bug.subscriptions.iter().any(|sub| sub.person == person)) {
            return;
        }
        let now = self.tick();
        self.bug_mut(id).subscriptions.push(Subscription {
            person: person.to_owned(),
            subscribed_by: by.to_owned(),
            date_created: now,
        });
    }

    /// `unsubscribe`: nothing happens if the person is not subscribed.
    pub fn unsubscribe(&mut self, id: u64, person: &str) {
        if self.bug(id).is_some_and(|bug| bug.subscriptions.iter().any(|sub| sub.person == person)) {
            self.tick();
            self.bug_mut(id).subscriptions.retain(|sub| sub.person != person);
        }
    }

    // Rendering. `api` is the version root the request named (`http://127.0.0.1:PORT/1.0`).

    pub fn person_link(api: &str, name: &str) -> String {
        format!("{api}/~{name}")
    }

    pub fn package_link(api: &str, package: &str) -> String {
        format!("{api}/ubuntu/+source/{package}")
    }

    pub fn task_path(bug: &Bug) -> String {
        format!("/ubuntu/+source/{}/+bug/{}", bug.task.package, bug.id)
    }

    pub fn bug_json(&self, bug: &Bug, api: &str) -> Value {
        let values = json!({
            "id": bug.id,
            "title": bug.title,
            "description": bug.description,
            "tags": bug.tags,
            "owner_link": Self::person_link(api, &bug.owner),
            "date_created": format_time(bug.date_created),
            "date_last_updated": format_time(bug.date_last_updated),
            "date_last_message": bug.date_last_message.map(format_time),
            "date_made_private": null,
            "duplicate_of_link": null,
            "who_made_private_link": null,
            "latest_patch_uploaded": null,
            "name": null,
            "information_type": "Public",
            "private": false,
            "security_related": false,
            "can_expire": false,
            "heat": 0,
            "message_count": bug.messages.len(),
            "number_of_duplicates": 0,
            "users_affected_count": 1,
            "users_affected_count_with_dupes": 1,
            "users_unaffected_count": 0,
            "other_users_affected_count_with_dupes": 0,
        });
        let path = format!("/bugs/{}", bug.id);
        self.entry("bug", api, &path, values)
    }

    pub fn task_json(&self, bug: &Bug, api: &str) -> Value {
        let task = &bug.task;
        let target = format!("{} (Ubuntu)", task.package);
        let date = |date: Option<i64>| date.map(format_time);
        let values = json!({
            "assignee_link": task.assignee.as_ref().map(|name| Self::person_link(api, name)),
            "bug_link": format!("{api}/bugs/{}", bug.id),
            "bug_target_display_name": target,
            "bug_target_name": target,
            "bug_watch_link": null,
            "date_assigned": date(task.date_assigned),
            "date_closed": date(task.date_closed),
            "date_confirmed": date(task.date_confirmed),
            "date_created": format_time(task.date_created),
            "date_fix_committed": date(task.date_fix_committed),
            "date_fix_released": date(task.date_fix_released),
            "date_in_progress": date(task.date_in_progress),
            "date_incomplete": date(task.date_incomplete),
            "date_left_closed": date(task.date_left_closed),
            "date_left_new": date(task.date_left_new),
            "date_triaged": date(task.date_triaged),
            "importance": task.importance,
            "is_complete": RESOLVED.contains(&task.status.as_str()),
            "milestone_link": null,
            "owner_link": Self::person_link(api, &task.owner),
            "status": task.status,
            "target_link": Self::package_link(api, &task.package),
            "title": format!("Bug #{} in {target}: \"{}\"", bug.id, bug.title),
        });
        self.entry("bug_task", api, &Self::task_path(bug), values)
    }

    pub fn message_json(&self, bug: &Bug, index: usize, api: &str) -> Value {
        let message = &bug.messages[index];
        let values = json!({
            "content": message.content,
            "subject": message.subject,
            "owner_link": Self::person_link(api, &message.owner),
            "date_created": format_time(message.date_created),
            "date_deleted": null,
            "date_last_edited": null,
            "parent_link": null,
        });
        let path = format!("{}/comments/{index}", Self::task_path(bug));
        self.entry("message", api, &path, values)
    }

    pub fn subscription_json(&self, bug: &Bug, subscription: &Subscription, api: &str) -> Value {
        let values = json!({
            "bug_link": format!("{api}/bugs/{}", bug.id),
            "person_link": Self::person_link(api, &subscription.person),
            "subscribed_by_link": Self::person_link(api, &subscription.subscribed_by),
            "date_created": format_time(subscription.date_created),
        });
        let path = format!("/bugs/{}/+subscription/{}", bug.id, subscription.person);
        self.entry("bug_subscription", api, &path, values)
    }

    pub fn person_json(&self, person: &Person, api: &str) -> Value {
        let mut values = json!({
            "name": person.name,
            "display_name": person.display_name,
            "is_team": person.is_team,
            "date_created": format_time(time::parse_datetime(REGISTERED).expect("REGISTERED is a date-time")),
            "description": null,
            "hide_email_addresses": false,
            "is_probationary": false,
            "is_ubuntu_coc_signer": false,
            "is_valid": !person.is_team,
            "karma": 0,
            "mailing_list_auto_subscribe_policy": "Ask me when I join a team",
            "private": false,
            "visibility": "Public",
            "time_zone": "UTC",
        });
        if person.is_team {
            values["team_owner_link"] = json!(Self::person_link(api, BOT));
            values["membership_policy"] = json!("Moderated Team");
            values["subscription_policy"] = json!("Moderated Team");
            values["renewal_policy"] = json!("invite them to apply for renewal");
        }
        let kind = if person.is_team { "team" } else { "person" };
        self.entry(kind, api, &format!("/~{}", person.name), values)
    }

    pub fn distribution_json(&self, api: &str) -> Value {
        let values = json!({
            "name": "ubuntu",
            "display_name": "Ubuntu",
            "title": "Ubuntu",
            "summary": "Ubuntu is a complete Linux-based operating system.",
            "description": "Ubuntu is a complete Linux-based operating system, freely available with both community and professional support.",
            "date_created": format_time(time::parse_datetime(REGISTERED).expect("REGISTERED is a date-time")),
            "domain_name": "ubuntu.com",
            "active": true,
            "official_answers": true,
            "official_blueprints": true,
            "official_bugs": true,
            "official_codehosting": false,
            "official_packages": true,
            "official_bug_tags": [],
            "redirect_default_traversal": false,
            "redirect_release_uploads": false,
            "supports_mirrors": true,
            "supports_ppas": true,
        });
        self.entry("distribution", api, "/ubuntu", values)
    }

    pub fn package_json(&self, package: &str, api: &str) -> Value {
        let values = json!({
            "name": package,
            "display_name": format!("{package} in Ubuntu"),
            "title": format!("{package} package in Ubuntu"),
            "distribution_link": format!("{api}/ubuntu"),
            "official_bug_tags": [],
        });
        self.entry("distribution_source_package", api, &format!("/ubuntu/+source/{package}"), values)
    }

    /// An entry of `kind` at `path`: every field of the WADL's `<kind>-full` representation, from
    /// `values` or else as Launchpad renders an empty one (collection links under the entry,
    /// bytes fields as links to them, null), and its entity tag.
    fn entry(&self, kind: &str, api: &str, path: &str, values: Value) -> Value {
        let Value::Object(mut values) = values else { panic!("entry values are an object") };
        let self_link = format!("{api}{path}");
        let wadl = wadl();
        let mut entry = Map::new();
        for field in wadl.fields(&format!("{kind}-full")) {
            let name = field.name.as_str();
            let value = match name {
                "self_link" => json!(self_link),
                "web_link" => json!(format!("{}{path}", self.root)),
                "resource_type_link" => json!(format!("{api}/#{kind}")),
                "http_etag" => continue,
                _ => match values.remove(name) {
                    Some(value) => value,
                    None => match name.strip_suffix("_collection_link") {
                        Some(collection) => json!(format!("{self_link}/{collection}")),
                        None if ["mugshot_link", "logo_link", "icon_link"].contains(&name) => {
                            json!(format!("{self_link}/{}", name.trim_end_matches("_link")))
                        }
                        None => Value::Null,
                    },
                },
            };
            entry.insert(name.to_owned(), value);
        }
        assert!(values.is_empty(), "{kind} has no fields {:?} in the WADL", values.keys().collect::<Vec<_>>());
        let etag = etag(kind, &entry);
        entry.insert("http_etag".to_owned(), json!(etag));
        Value::Object(entry)
    }
}

/// lazr.restful's entity tag of an entry: a hash of the fields a client cannot write, a dash, and a hash
/// of those it can (with the media type), quoted.
fn etag(kind: &str, entry: &Map<String, Value>) -> String {
    let wadl = wadl();
    let writable: Vec<&str> = wadl.fields(&format!("{kind}-diff")).iter().map(|field| field.name.as_str()).collect();
    let (mut unwritable_hash, mut writable_hash) = (Sha256::new(), Sha256::new());
    for (name, value) in entry {
        if ["self_link", "web_link", "resource_type_link"].contains(&name.as_str()) {
            continue;
        }
        let hash = if writable.contains(&name.as_str()) { &mut writable_hash } else { &mut unwritable_hash };
        hash.update(value.to_string().as_bytes());
        hash.update(b"\0");
    }
    writable_hash.update(b"\0application/json");
    let digest = |hash: Sha256| -> String { hex(&hash.finalize()[..20]) };
    format!("\"{}-{}\"", digest(unwritable_hash), digest(writable_hash))
}

/// The part of an entity tag a conditional write compares (lazr.restful's `extract_write_portion`),
/// after `mod_compress`'s `-gzip` suffix is taken off as Launchpad does.
pub fn write_portion(etag: &str) -> &str {
    let etag = etag.trim();
    let etag = etag.strip_suffix("-gzip").unwrap_or(etag);
    let etag = etag.strip_suffix("-gzip\"").map_or(etag.trim_matches('"'), |rest| rest.trim_matches('"'));
    etag.rsplit_once('-').map_or(etag, |(_, write)| write)
}
