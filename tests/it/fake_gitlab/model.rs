//! The fake GitLab's data: one project with its issues, notes, milestones and labels, a few
//! users, the server clock; the semantics of every write (shared by the HTTP API and by the
//! helpers that stand for the web UI); and the JSON entities GitLab renders.

use serde_json::{Value, json};

use super::params::{ApiError, Given, Params};
use super::time;

/// The one personal access token, belonging to `docket-bot`.
pub const TOKEN: &str = "secret-token";
/// The one project's id and path.
pub const PROJECT_ID: u64 = 1;
pub const PROJECT_PATH: &str = "group/project";
/// The clock's default start: the instant the integration tests pin (`support::NOW`).
pub const CLOCK_START: &str = "2026-11-23T12:00:00Z";
/// Each write moves the clock on by this much, so that every write has its own instant, even at
/// the one-second precision clients often send `updated_after` with.
pub const TICK_MS: i64 = 1000;
/// The colour GitLab gives labels that are created by setting them on an issue.
const DEFAULT_LABEL_COLOR: &str = "#6699cc";
/// The issue types GitLab accepts.
pub const ISSUE_TYPES: &[&str] = &["issue", "incident", "test_case", "requirement", "task", "ticket"];

/// A user: `docket-bot` (1, the token's owner and the project's owner), `dylan` (2), `jason` (3),
/// `lyle` (4).
pub struct User {
    pub id: u64,
    pub username: &'static str,
    pub name: &'static str,
}

pub const USERS: [User; 4] = [
    User { id: 1, username: "docket-bot", name: "Docket Bot" },
    User { id: 2, username: "dylan", name: "Dylan" },
    User { id: 3, username: "jason", name: "Jason" },
    User { id: 4, username: "lyle", name: "Lyle" },
];

/// The user with this username (GitLab matches usernames case-insensitively).
pub fn user_named(username: &str) -> Option<&'static User> {
    USERS.iter().find(|user| user.username.eq_ignore_ascii_case(username))
}

fn user_by_id(id: u64) -> Option<&'static User> {
    USERS.iter().find(|user| user.id == id)
}

pub struct Issue {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub closed: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
    pub closed_by: Option<u64>,
    /// Label names, kept sorted (GitLab renders them sorted).
    pub labels: Vec<String>,
    pub milestone: Option<u64>,
    pub assignees: Vec<u64>,
    pub author: u64,
    pub weight: Option<i64>,
    pub due_date: Option<String>,
    pub confidential: bool,
    pub discussion_locked: Option<bool>,
    /// The issue type (`issue`, `incident`…).
    pub kind: String,
    pub health_status: Option<String>,
}

pub struct Note {
    pub id: u64,
    pub issue_iid: u64,
    pub body: String,
    pub author: u64,
    pub created_at: i64,
    pub updated_at: i64,
    pub system: bool,
    pub internal: bool,
}

pub struct Milestone {
    pub id: u64,
    pub iid: u64,
    pub title: String,
    pub description: Option<String>,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub start_date: Option<String>,
    pub due_date: Option<String>,
}

pub struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
    pub priority: Option<i64>,
}

/// Everything the fake GitLab stores.
pub struct Model {
    /// `http://127.0.0.1:PORT`, for `web_url`s and links.
    pub base_url: String,
    /// The server clock (ms since the epoch); see [`Model::tick`].
    pub clock: i64,
    /// Issues in creation order.
    pub issues: Vec<Issue>,
    /// Notes in creation order.
    pub notes: Vec<Note>,
    /// Milestones in creation order.
    pub milestones: Vec<Milestone>,
    /// Labels in creation order.
    pub labels: Vec<Label>,
    /// The next global ids; ranges differ per kind so that an id is never mistaken for an iid.
    next_issue_id: u64,
    next_note_id: u64,
    next_milestone_id: u64,
    next_label_id: u64,
}

/// The scope of a scoped label (`workflow::doing` → `workflow`; `a::b::c` → `a::b`).
fn scope_of(name: &str) -> Option<&str> {
    name.rfind("::").map(|at| &name[..at]).filter(|scope| !scope.is_empty())
}

/// Keeps one label per scope (the last one listed) and drops duplicates.
fn exclusive_scopes(names: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for name in names.into_iter().rev() {
        let clash = kept
            .iter()
            .any(|other| *other == name || (scope_of(other).is_some() && scope_of(other) == scope_of(&name)));
        if !clash {
            kept.push(name);
        }
    }
    kept.sort();
    kept
}

/// A label text colour readable on its background, as GitLab picks it.
fn text_color(color: &str) -> &'static str {
    let hex = color.trim_start_matches('#');
    let channel = |at: usize| u32::from_str_radix(hex.get(at..at + 2).unwrap_or("ff"), 16).unwrap_or(255);
    if hex.len() == 6 && (channel(0) * 299 + channel(2) * 587 + channel(4) * 114) / 1000 < 128 {
        "#FFFFFF"
    } else {
        "#1F1E24"
    }
}

/// Whether GitLab accepts a label colour: `#RGB`, `#RRGGBB` or a CSS colour name (a few).
fn valid_color(color: &str) -> bool {
    const NAMES: &[&str] = &["red", "green", "blue", "black", "white", "yellow", "orange", "purple", "gray", "grey"];
    match color.strip_prefix('#') {
        Some(hex) => (hex.len() == 3 || hex.len() == 6) && hex.bytes().all(|byte| byte.is_ascii_hexdigit()),
        None => NAMES.contains(&color.to_ascii_lowercase().as_str()),
    }
}

/// A `YYYY-MM-DD` parameter: null or empty clears it; anything else must be a real date.
fn date_param(params: &Params, name: &str) -> Result<Given<String>, ApiError> {
    match params.string(name)? {
        Given::Value(text) if text.trim().is_empty() => Ok(Given::Null),
        Given::Value(text) if time::parse_date(text.trim()).is_some() => Ok(Given::Value(text.trim().to_owned())),
        Given::Value(_) => Err(ApiError::invalid(name, "is invalid")),
        other => Ok(other),
    }
}

fn usernames(ids: &[u64]) -> String {
    let names: Vec<String> =
        ids.iter().map(|id| format!("@{}", user_by_id(*id).map_or("ghost", |user| user.username))).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Title validation, as the model does it.
fn check_title(title: &Given<String>) -> Result<(), ApiError> {
    match title {
        Given::Null => Err(ApiError::invalid("title", "can't be blank")),
        Given::Value(text) if text.trim().is_empty() => Err(ApiError::invalid("title", "can't be blank")),
        Given::Value(text) if text.chars().count() > 255 => {
            Err(ApiError::invalid("title", "is too long (maximum is 255 characters)"))
        }
        _ => Ok(()),
    }
}

impl Model {
    /// An empty project on a server at `base_url`, its clock at [`CLOCK_START`].
    pub fn new(base_url: String) -> Self {
        Self {
            base_url,
            clock: time::parse_datetime(CLOCK_START).expect("CLOCK_START is a date-time"),
            issues: Vec::new(),
            notes: Vec::new(),
            milestones: Vec::new(),
            labels: Vec::new(),
            next_issue_id: 501,
            next_note_id: 9001,
            next_milestone_id: 31,
            next_label_id: 71,
        }
    }

    /// Moves the clock on for a write and returns the write's instant.
    pub fn tick(&mut self) -> i64 {
        self.clock += TICK_MS;
        self.clock
    }

    pub fn issue(&self, iid: u64) -> Option<&Issue> {
        self.issues.iter().find(|issue| issue.iid == iid)
    }

    pub fn milestone(&self, id: u64) -> Option<&Milestone> {
        self.milestones.iter().find(|milestone| milestone.id == id)
    }

    fn project_url(&self) -> String {
        format!("{}/{PROJECT_PATH}", self.base_url)
    }

    /// Creates any of these labels the project lacks (GitLab does so when they are set on an issue).
    fn ensure_labels(&mut self, names: &[String]) {
        for name in names {
            if !self.labels.iter().any(|label| label.name == *name) {
                let id = self.next_label_id;
                self.next_label_id += 1;
                self.labels.push(Label {
                    id,
                    name: name.clone(),
                    color: DEFAULT_LABEL_COLOR.to_owned(),
                    description: None,
                    priority: None,
                });
            }
        }
    }

    /// The milestone an issue gets from `milestone_id` / `milestone` (title), if either was sent:
    /// `Some(None)` clears it. An unknown id clears it too, as GitLab's issuable services do.
    fn milestone_param(&self, params: &Params) -> Result<Given<u64>, ApiError> {
        params.mutually_exclusive(&["milestone_id", "milestone"])?;
        if let Given::Value(title) = params.string("milestone")? {
            return match self.milestones.iter().find(|milestone| milestone.title == title) {
                Some(milestone) => Ok(Given::Value(milestone.id)),
                None => Err(ApiError::not_found("Milestone")),
            };
        }
        Ok(match params.integer("milestone_id")? {
            Given::Absent => Given::Absent,
            Given::Null => Given::Null,
            Given::Value(id) => match u64::try_from(id).ok().filter(|id| self.milestone(*id).is_some()) {
                Some(id) => Given::Value(id),
                None => Given::Null,
            },
        })
    }

    /// The assignees from `assignee_ids` / `assignee_id`, if either was sent. Unknown users and
    /// 0 are dropped; `assignee_id` wins, as GitLab's legacy conversion does.
    fn assignees_param(params: &Params) -> Result<Option<Vec<u64>>, ApiError> {
        let known = |ids: Vec<i64>| -> Vec<u64> {
            let mut kept: Vec<u64> = Vec::new();
            for id in ids.into_iter().filter_map(|id| u64::try_from(id).ok()) {
                if user_by_id(id).is_some() && !kept.contains(&id) {
                    kept.push(id);
                }
            }
            kept
        };
        match params.integer("assignee_id")? {
            Given::Value(id) => return Ok(Some(known(vec![id]))),
            Given::Null => return Ok(Some(Vec::new())),
            Given::Absent => {}
        }
        Ok(match params.integer_list("assignee_ids")? {
            Given::Value(ids) => Some(known(ids)),
            Given::Null => Some(Vec::new()),
            Given::Absent => None,
        })
    }

    fn weight_param(params: &Params) -> Result<Given<i64>, ApiError> {
        let weight = params.integer("weight")?;
        if matches!(weight, Given::Value(value) if value < 0) {
            return Err(ApiError::invalid("weight", "must be greater than or equal to 0"));
        }
        Ok(weight)
    }

    /// `POST /projects/:id/issues` (and issues made "in the web UI"): returns the new iid.
    pub fn create_issue(&mut self, author: u64, params: &Params) -> Result<u64, ApiError> {
        params.require(&["title"])?;
        let title = params.string("title")?;
        check_title(&title)?;
        let description = params.string("description")?.value();
        let labels = params.names_list("labels")?.value().unwrap_or_default();
        let milestone = self.milestone_param(params)?.value();
        let assignees = Self::assignees_param(params)?.unwrap_or_default();
        let weight = Self::weight_param(params)?.value();
        let due_date = date_param(params, "due_date")?.value();
        let confidential = params.boolean("confidential")?.value().unwrap_or(false);
        let discussion_locked = params.boolean("discussion_locked")?.value();
        let issue_type = params.choice("issue_type", ISSUE_TYPES)?.unwrap_or_else(|| "issue".to_owned());
        let created_at = params.datetime("created_at")?;
        let wanted_iid = params.integer("iid")?.value();
        let now = self.tick();
        let iid = match wanted_iid {
            Some(iid) => {
                let iid = u64::try_from(iid).map_err(|_| ApiError::grape("iid is invalid"))?;
                if self.issue(iid).is_some() {
                    return Err(ApiError::message(409, "Duplicated issue"));
                }
                iid
            }
            None => self.issues.iter().map(|issue| issue.iid).max().unwrap_or(0) + 1,
        };
        let labels = exclusive_scopes(labels);
        self.ensure_labels(&labels);
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        self.issues.push(Issue {
            id,
            iid,
            title: title.value().expect("checked"),
            description,
            closed: false,
            created_at: created_at.unwrap_or(now),
            updated_at: now,
            closed_at: None,
            closed_by: None,
            labels,
            milestone,
            assignees,
            author,
            weight,
            due_date,
            confidential,
            discussion_locked,
            kind: issue_type,
            health_status: None,
        });
        Ok(iid)
    }

    /// `PUT /projects/:id/issues/:issue_iid` (and edits made "in the web UI", which may also set
    /// `health_status`). `updated_at` moves only if something changed; title, description,
    /// assignee and due-date changes leave system notes, as GitLab's do (label, milestone, state
    /// and weight changes are resource events, which the notes API does not list).
    pub fn update_issue(&mut self, iid: u64, actor: u64, params: &Params, from_ui: bool) -> Result<(), ApiError> {
        if self.issue(iid).is_none() {
            return Err(ApiError::record_not_found());
        }
        if !from_ui {
            params.at_least_one_of(&[
                "assignee_id",
                "assignee_ids",
                "confidential",
                "created_at",
                "description",
                "discussion_locked",
                "due_date",
                "start_date",
                "labels",
                "add_labels",
                "remove_labels",
                "milestone_id",
                "milestone",
                "severity",
                "state_event",
                "title",
                "issue_type",
                "weight",
                "epic_id",
                "epic_iid",
            ])?;
        }
        let title = params.string("title")?;
        if title.is_given() {
            check_title(&title)?;
        }
        let description = params.string("description")?;
        let labels = params.names_list("labels")?.value();
        let add_labels = params.names_list("add_labels")?.value().unwrap_or_default();
        let remove_labels = params.names_list("remove_labels")?.value().unwrap_or_default();
        let milestone = self.milestone_param(params)?;
        let assignees = Self::assignees_param(params)?;
        let weight = Self::weight_param(params)?;
        let due_date = date_param(params, "due_date")?;
        let confidential = params.boolean("confidential")?.value();
        let discussion_locked = params.boolean("discussion_locked")?;
        let issue_type = params.choice("issue_type", ISSUE_TYPES)?;
        let state_event = params.choice("state_event", &["close", "reopen"])?;
        let created_at = params.datetime("created_at")?;
        let updated_at = params.datetime("updated_at")?;
        let health_status = if from_ui {
            match params.string("health_status")? {
                Given::Value(value) if ["on_track", "needs_attention", "at_risk"].contains(&value.as_str()) => {
                    Given::Value(value)
                }
                Given::Value(value) => panic!("health_status {value:?} is not one GitLab has"),
                other => other,
            }
        } else {
            Given::Absent
        };
        let now = self.tick();
        let index = self.issues.iter().position(|issue| issue.iid == iid).expect("checked above");

        // Labels: `labels` replaces the set; then `add_labels`, then `remove_labels`.
        let current = &self.issues[index].labels;
        let mut next: Vec<String> = labels.map_or_else(|| current.clone(), exclusive_scopes);
        if !add_labels.is_empty() {
            let added = exclusive_scopes(add_labels);
            next.retain(|name| {
                !added.iter().any(|new| *new == *name || (scope_of(new).is_some() && scope_of(new) == scope_of(name)))
            });
            next.extend(added);
        }
        next.retain(|name| !remove_labels.contains(name));
        let next = exclusive_scopes(next);
        self.ensure_labels(&next);

        let mut system_notes: Vec<String> = Vec::new();
        let issue = &mut self.issues[index];
        let mut changed = false;
        if let Given::Value(title) = title
            && title != issue.title
        {
            system_notes.push(format!("changed title from **{}** to **{title}**", issue.title));
            issue.title = title;
            changed = true;
        }
        if description.is_given() {
            let description = description.value();
            if description != issue.description {
                system_notes.push("changed the description".to_owned());
                issue.description = description;
                changed = true;
            }
        }
        if next != issue.labels {
            issue.labels = next;
            changed = true;
        }
        if milestone.is_given() {
            let milestone = milestone.value();
            if milestone != issue.milestone {
                issue.milestone = milestone;
                changed = true;
            }
        }
        if let Some(assignees) = assignees
            && assignees != issue.assignees
        {
            let added: Vec<u64> = assignees.iter().copied().filter(|id| !issue.assignees.contains(id)).collect();
            let removed: Vec<u64> = issue.assignees.iter().copied().filter(|id| !assignees.contains(id)).collect();
            let text = match (added.is_empty(), removed.is_empty()) {
                (false, true) => format!("assigned to {}", usernames(&added)),
                (true, false) => format!("unassigned {}", usernames(&removed)),
                (false, false) => format!("assigned to {} and unassigned {}", usernames(&added), usernames(&removed)),
                (true, true) => "reassigned".to_owned(),
            };
            system_notes.push(text);
            issue.assignees = assignees;
            changed = true;
        }
        if weight.is_given() {
            let weight = weight.value();
            if weight != issue.weight {
                issue.weight = weight;
                changed = true;
            }
        }
        if due_date.is_given() {
            let due_date = due_date.value();
            if due_date != issue.due_date {
                system_notes.push(match &due_date {
                    Some(date) => format!("changed due date to {}", time::long_date(date)),
                    None => "removed due date".to_owned(),
                });
                issue.due_date = due_date;
                changed = true;
            }
        }
        if let Some(confidential) = confidential
            && confidential != issue.confidential
        {
            issue.confidential = confidential;
            changed = true;
        }
        if discussion_locked.is_given() {
            let locked = discussion_locked.value();
            if locked != issue.discussion_locked {
                issue.discussion_locked = locked;
                changed = true;
            }
        }
        if let Some(issue_type) = issue_type
            && issue_type != issue.kind
        {
            issue.kind = issue_type;
            changed = true;
        }
        if health_status.is_given() {
            let health_status = health_status.value();
            if health_status != issue.health_status {
                issue.health_status = health_status;
                changed = true;
            }
        }
        match state_event.as_deref() {
            Some("close") if !issue.closed => {
                issue.closed = true;
                issue.closed_at = Some(now);
                issue.closed_by = Some(actor);
                changed = true;
            }
            Some("reopen") if issue.closed => {
                issue.closed = false;
                issue.closed_at = None;
                issue.closed_by = None;
                changed = true;
            }
            _ => {}
        }
        if let Some(created_at) = created_at {
            issue.created_at = created_at;
            changed = true;
        }
        if changed {
            issue.updated_at = updated_at.unwrap_or(now);
        }
        for body in system_notes {
            self.push_note(iid, actor, body, true, false, now);
        }
        Ok(())
    }

    fn push_note(&mut self, iid: u64, author: u64, body: String, system: bool, internal: bool, at: i64) -> u64 {
        let id = self.next_note_id;
        self.next_note_id += 1;
        self.notes.push(Note { id, issue_iid: iid, body, author, created_at: at, updated_at: at, system, internal });
        id
    }

    /// `POST /projects/:id/issues/:issue_iid/notes` (and notes made "in the web UI"): returns the
    /// note's id. The issue is touched (`updated_at`), as GitLab's notes touch their noteable.
    pub fn create_note(&mut self, iid: u64, author: u64, params: &Params, system: bool) -> Result<u64, ApiError> {
        if self.issue(iid).is_none() {
            return Err(ApiError::not_found("Issue"));
        }
        params.require(&["body"])?;
        let body = params.string("body")?.value().unwrap_or_default();
        if body.trim().is_empty() {
            return Err(ApiError::invalid("note", "can't be blank"));
        }
        let internal = params.boolean("internal")?.value().or(params.boolean("confidential")?.value()).unwrap_or(false);
        let created_at = params.datetime("created_at")?;
        let now = self.tick();
        let id = self.push_note(iid, author, body, system, internal, now);
        if let Some(created_at) = created_at {
            self.notes.last_mut().expect("just pushed").created_at = created_at;
        }
        self.issues.iter_mut().find(|issue| issue.iid == iid).expect("checked above").updated_at = now;
        Ok(id)
    }

    /// Start and due dates of a milestone, checked against each other.
    fn milestone_dates(start: Option<&String>, due: Option<&String>) -> Result<(), ApiError> {
        match (start, due) {
            (Some(start), Some(due)) if due < start => {
                Err(ApiError::invalid("due_date", "must be greater than start date"))
            }
            _ => Ok(()),
        }
    }

    fn title_taken(&self, title: &str, except: Option<u64>) -> bool {
        self.milestones.iter().any(|milestone| milestone.title == title && Some(milestone.id) != except)
    }

    /// `POST /projects/:id/milestones`: returns the new milestone's id.
    pub fn create_milestone(&mut self, params: &Params) -> Result<u64, ApiError> {
        params.require(&["title"])?;
        let title = params.string("title")?;
        check_title(&title)?;
        let title = title.value().expect("checked");
        if self.title_taken(&title, None) {
            return Err(ApiError::invalid("title", "already being used for another group or project milestone."));
        }
        let description = params.string("description")?.value();
        let start_date = date_param(params, "start_date")?.value();
        let due_date = date_param(params, "due_date")?.value();
        Self::milestone_dates(start_date.as_ref(), due_date.as_ref())?;
        let now = self.tick();
        let id = self.next_milestone_id;
        self.next_milestone_id += 1;
        let iid = self.milestones.iter().map(|milestone| milestone.iid).max().unwrap_or(0) + 1;
        self.milestones.push(Milestone {
            id,
            iid,
            title,
            description,
            active: true,
            created_at: now,
            updated_at: now,
            start_date,
            due_date,
        });
        Ok(id)
    }

    /// `PUT /projects/:id/milestones/:milestone_id`.
    pub fn update_milestone(&mut self, id: u64, params: &Params) -> Result<(), ApiError> {
        if self.milestone(id).is_none() {
            return Err(ApiError::record_not_found());
        }
        params.at_least_one_of(&["title", "description", "start_date", "due_date", "state_event"])?;
        let title = params.string("title")?;
        if title.is_given() {
            check_title(&title)?;
        }
        if let Given::Value(title) = &title
            && self.title_taken(title, Some(id))
        {
            return Err(ApiError::invalid("title", "already being used for another group or project milestone."));
        }
        let description = params.string("description")?;
        let start_date = date_param(params, "start_date")?;
        let due_date = date_param(params, "due_date")?;
        let state_event = params.choice("state_event", &["close", "activate"])?;
        let now = self.tick();
        let milestone = self.milestones.iter_mut().find(|milestone| milestone.id == id).expect("checked above");
        let next_start = if start_date.is_given() { start_date.value() } else { milestone.start_date.clone() };
        let next_due = if due_date.is_given() { due_date.value() } else { milestone.due_date.clone() };
        Self::milestone_dates(next_start.as_ref(), next_due.as_ref())?;
        let mut changed = next_start != milestone.start_date || next_due != milestone.due_date;
        milestone.start_date = next_start;
        milestone.due_date = next_due;
        if let Given::Value(title) = title
            && title != milestone.title
        {
            milestone.title = title;
            changed = true;
        }
        if description.is_given() {
            let description = description.value();
            if description != milestone.description {
                milestone.description = description;
                changed = true;
            }
        }
        match state_event.as_deref() {
            Some("close") if milestone.active => {
                milestone.active = false;
                changed = true;
            }
            Some("activate") if !milestone.active => {
                milestone.active = true;
                changed = true;
            }
            _ => {}
        }
        if changed {
            milestone.updated_at = now;
        }
        Ok(())
    }

    /// `POST /projects/:id/labels`: returns the new label's id.
    pub fn create_label(&mut self, params: &Params) -> Result<u64, ApiError> {
        params.require(&["name", "color"])?;
        let name = params.string("name")?.value().unwrap_or_default().trim().to_owned();
        if name.is_empty() {
            return Err(ApiError::invalid("title", "can't be blank"));
        }
        let color = params.string("color")?.value().unwrap_or_default();
        if !valid_color(&color) {
            return Err(ApiError::invalid("color", "must be a valid color code"));
        }
        if self.labels.iter().any(|label| label.name == name) {
            return Err(ApiError::message(409, "Label already exists"));
        }
        let description = params.string("description")?.value();
        let priority = params.integer("priority")?.value();
        self.tick();
        let id = self.next_label_id;
        self.next_label_id += 1;
        self.labels.push(Label { id, name, color, description, priority });
        Ok(id)
    }

    /// GitLab's `UserBasic` entity.
    pub fn user_json(&self, id: u64) -> Value {
        let user = user_by_id(id).expect("only known users are stored");
        json!({
            "id": user.id,
            "username": user.username,
            "public_email": null,
            "name": user.name,
            "state": "active",
            "locked": false,
            "avatar_url": format!("https://www.gravatar.com/avatar/{}?s=80&d=identicon", user.username),
            "web_url": format!("{}/{}", self.base_url, user.username),
        })
    }

    /// The `GET /user` entity: `UserBasic` and a few of the authenticated user's own fields.
    pub fn current_user_json(&self, id: u64) -> Value {
        let mut user = self.user_json(id);
        let extra = json!({
            "created_at": time::format(time::parse_datetime("2020-01-01T00:00:00Z").expect("a date")),
            "bio": "",
            "bot": false,
            "is_admin": false,
            "two_factor_enabled": false,
            "email": format!("{}@example.com", user["username"].as_str().expect("a username")),
        });
        user.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
        user
    }

    /// A minimal `Project` entity.
    pub fn project_json(&self) -> Value {
        json!({
            "id": PROJECT_ID,
            "description": null,
            "name": "project",
            "name_with_namespace": "group / project",
            "path": "project",
            "path_with_namespace": PROJECT_PATH,
            "created_at": time::format(time::parse_datetime("2020-01-01T00:00:00Z").expect("a date")),
            "default_branch": "main",
            "visibility": "private",
            "web_url": self.project_url(),
            "http_url_to_repo": format!("{}.git", self.project_url()),
            "namespace": { "id": 1, "name": "group", "path": "group", "kind": "group", "full_path": "group" },
            "issues_enabled": true,
            "_links": {
                "self": format!("{}/api/v4/projects/{PROJECT_ID}", self.base_url),
                "issues": format!("{}/api/v4/projects/{PROJECT_ID}/issues", self.base_url),
                "labels": format!("{}/api/v4/projects/{PROJECT_ID}/labels", self.base_url),
            },
        })
    }

    /// GitLab's `Milestone` entity.
    pub fn milestone_json(&self, milestone: &Milestone) -> Value {
        let today = time::date_of(self.clock);
        json!({
            "id": milestone.id,
            "iid": milestone.iid,
            "project_id": PROJECT_ID,
            "title": milestone.title,
            "description": milestone.description,
            "state": if milestone.active { "active" } else { "closed" },
            "created_at": time::format(milestone.created_at),
            "updated_at": time::format(milestone.updated_at),
            "due_date": milestone.due_date,
            "start_date": milestone.start_date,
            "expired": milestone.due_date.as_ref().is_some_and(|due| *due < today),
            "web_url": format!("{}/-/milestones/{}", self.project_url(), milestone.iid),
        })
    }

    /// GitLab's `ProjectLabel` entity (with the issue counts if `with_counts`).
    pub fn label_json(&self, label: &Label, with_counts: bool) -> Value {
        let mut value = json!({
            "id": label.id,
            "name": label.name,
            "description": label.description,
            "description_html": label.description.as_ref().map_or(String::new(), |text| format!("<p>{text}</p>")),
            "text_color": text_color(&label.color),
            "color": label.color,
            "archived": false,
            "subscribed": false,
            "priority": label.priority,
            "is_project_label": true,
        });
        if with_counts {
            let count = |closed: bool| {
                self.issues.iter().filter(|issue| issue.closed == closed && issue.labels.contains(&label.name)).count()
            };
            let counts = json!({
                "open_issues_count": count(false),
                "closed_issues_count": count(true),
                "open_merge_requests_count": 0,
            });
            value.as_object_mut().expect("an object").extend(counts.as_object().expect("an object").clone());
        }
        value
    }

    /// GitLab's `Issue` entity. `single` adds what only single-issue answers carry
    /// (`subscribed`); `with_labels_details` renders labels as objects.
    pub fn issue_json(&self, issue: &Issue, single: bool, with_labels_details: bool) -> Value {
        let api = format!("{}/api/v4/projects/{PROJECT_ID}/issues/{}", self.base_url, issue.iid);
        let labels: Vec<Value> = issue
            .labels
            .iter()
            .map(|name| match self.labels.iter().find(|label| label.name == *name) {
                Some(label) if with_labels_details => json!({
                    "id": label.id,
                    "name": label.name,
                    "color": label.color,
                    "description": label.description,
                    "description_html": label.description.as_ref().map_or(String::new(), |text| format!("<p>{text}</p>")),
                    "text_color": text_color(&label.color),
                }),
                _ => json!(name),
            })
            .collect();
        let assignees: Vec<Value> = issue.assignees.iter().map(|id| self.user_json(*id)).collect();
        let user_notes_count = self.notes.iter().filter(|note| note.issue_iid == issue.iid && !note.system).count();
        let mut value = json!({
            "id": issue.id,
            "iid": issue.iid,
            "project_id": PROJECT_ID,
            "title": issue.title,
            "description": issue.description,
            "state": if issue.closed { "closed" } else { "opened" },
            "created_at": time::format(issue.created_at),
            "updated_at": time::format(issue.updated_at),
            "closed_at": issue.closed_at.map(time::format),
            "closed_by": issue.closed_by.map(|id| self.user_json(id)),
            "labels": labels,
            "milestone": issue.milestone.and_then(|id| self.milestone(id)).map(|milestone| self.milestone_json(milestone)),
            "assignees": assignees,
            "author": self.user_json(issue.author),
            "type": issue.kind.to_ascii_uppercase(),
            "assignee": assignees.first().cloned(),
            "user_notes_count": user_notes_count,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "start_date": null,
            "due_date": issue.due_date,
        });
        let rest = json!({
            "confidential": issue.confidential,
            "discussion_locked": issue.discussion_locked,
            "issue_type": issue.kind,
            "web_url": format!("{}/-/issues/{}", self.project_url(), issue.iid),
            "time_stats": {
                "time_estimate": 0,
                "total_time_spent": 0,
                "human_time_estimate": null,
                "human_total_time_spent": null,
            },
            "task_completion_status": { "count": 0, "completed_count": 0 },
            "weight": issue.weight,
            "blocking_issues_count": 0,
            "has_tasks": false,
            "_links": {
                "self": api,
                "notes": format!("{api}/notes"),
                "award_emoji": format!("{api}/award_emoji"),
                "project": format!("{}/api/v4/projects/{PROJECT_ID}", self.base_url),
                "closed_as_duplicate_of": null,
            },
            "references": {
                "short": format!("#{}", issue.iid),
                "relative": format!("#{}", issue.iid),
                "full": format!("{PROJECT_PATH}#{}", issue.iid),
            },
            "severity": "UNKNOWN",
            "moved_to_id": null,
            "imported": false,
            "imported_from": "none",
            "service_desk_reply_to": null,
            "epic_iid": null,
            "epic": null,
            "iteration": null,
            "health_status": issue.health_status,
        });
        value.as_object_mut().expect("an object").extend(rest.as_object().expect("an object").clone());
        if single {
            value["subscribed"] = json!(issue.author == 1 || issue.assignees.contains(&1));
        }
        value
    }

    /// GitLab's `Note` entity.
    pub fn note_json(&self, note: &Note) -> Value {
        let issue = self.issue(note.issue_iid).expect("notes belong to issues");
        json!({
            "id": note.id,
            "type": null,
            "body": note.body,
            "author": self.user_json(note.author),
            "created_at": time::format(note.created_at),
            "updated_at": time::format(note.updated_at),
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": PROJECT_ID,
            "resolvable": false,
            "confidential": note.internal,
            "internal": note.internal,
            "imported": false,
            "imported_from": "none",
            "noteable_iid": issue.iid,
            "commands_changes": {},
        })
    }
}
