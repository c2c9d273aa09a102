//! The GitLab mirror (REST API v4): issues ↔ project issues, milestones ↔ project milestones,
//! comments and weekly updates ↔ notes.
//!
//! The mapping: `title`, `description`, `weight`, the assignee (through
//! `[mirror.gitlab.users]`, a docket name → GitLab username map; the same name when absent)
//! and the milestone as they are; the type and the stage as the scoped labels `type::<type>`
//! and `workflow::<stage>`; other labels as they are; a done or terminal stage closes the issue.
//! `health_status` and the iteration are read, never written (GitLab's REST API cannot write
//! them). Labels are written with `add_labels`/`remove_labels`, so labels others add on GitLab
//! are never wiped. Each item docket creates carries a marker in its description
//! (`<!-- docket:<id> -->`), and each note one in its body, so an item created by a run killed
//! before it could record it is found again instead of made twice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::http::{Client, HttpError, Method, Posted, Retry, percent, post_unless_found};
use super::section::Section;
use super::{Links, LocalComment, MirrorError, RemoteComment, RemoteItem, Service, View, Written};
use crate::model::{Body, IssueType, Kind, Record};
use crate::tracker::Tracker;

/// `[mirror.gitlab]` of `docket.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The GitLab's address; the API is this + `/api/v4`.
    pub url: String,
    /// The project: its path (`group/project`) or numeric id.
    pub project: String,
    /// docket name → GitLab username, where they differ.
    pub users: BTreeMap<String, String>,
}

impl Settings {
    /// Reads `[mirror.gitlab]` from the tracker's configuration.
    pub fn of(tracker: &Tracker) -> Result<Self, MirrorError> {
        let section = Section::of(tracker, "gitlab", "`url` and `project`")?;
        Ok(Self {
            url: section.url(None, "\"https://gitlab.example.com\"")?,
            project: section.text("project", None, "\"group/project\"", true)?,
            users: section.users(),
        })
    }
}

/// A GitLab project, as a [`Service`].
pub struct Gitlab {
    client: Client,
    /// `/projects/<url-encoded path or id>`.
    project: String,
    users: BTreeMap<String, String>,
    /// GitLab username → docket name.
    names: HashMap<String, String>,
    /// GitLab username → user id (`None`: no such user).
    user_ids: HashMap<String, Option<u64>>,
    /// The token's own username, once asked.
    me: Option<String>,
    /// The issue workflow's states that close an issue on GitLab (done or terminal).
    terminal: BTreeSet<String>,
    /// The same for milestones.
    milestone_terminal: BTreeSet<String>,
    /// The label scope of the issue workflow's state, when it keeps one itself.
    own_state_scope: Option<String>,
}

const STATE_SCOPE: &str = "workflow::";
const TYPE_SCOPE: &str = "type::";

impl Gitlab {
    /// A client of the project `settings` names, with `token`.
    pub fn new(tracker: &Tracker, settings: &Settings, token: &str, retry: Retry) -> Self {
        let client = Client::new(
            &format!("{}/api/v4", settings.url),
            vec![("PRIVATE-TOKEN".to_owned(), token.to_owned())],
            retry,
        );
        // Closed on GitLab: the states docket counts as done (`[planning] done_stages`) or
        // terminal, as everywhere else in docket.
        let done = crate::plan::done_stages(tracker.config());
        let terminal = |kind: Kind| {
            tracker
                .workflow(kind)
                .states
                .iter()
                .filter(|s| s.terminal || done.contains(&s.name))
                .map(|s| s.name.clone())
                .collect()
        };
        Self {
            client,
            project: format!("/projects/{}", percent(&settings.project)),
            users: settings.users.clone(),
            names: settings.users.iter().map(|(name, login)| (login.clone(), name.clone())).collect(),
            user_ids: HashMap::new(),
            me: None,
            terminal: terminal(Kind::Issue),
            milestone_terminal: terminal(Kind::Milestone),
            own_state_scope: tracker.workflow(Kind::Issue).state_label_scope.clone(),
        }
    }

    fn send(
        &mut self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, MirrorError> {
        self.client.send(method, path, query, body).map(|answer| answer.body).map_err(authorized)
    }

    fn get_all(&mut self, path: &str, query: &[(&str, String)]) -> Result<Vec<Value>, MirrorError> {
        self.client.get_all(path, query).map_err(authorized)
    }

    /// The GitLab username of docket's `name`.
    fn login<'a>(&'a self, name: &'a str) -> &'a str {
        self.users.get(name).map_or(name, String::as_str)
    }

    /// docket's name for GitLab's `login`.
    fn name_of(&self, login: &str) -> String {
        self.names.get(login).cloned().unwrap_or_else(|| login.to_owned())
    }

    fn user_id(&mut self, name: &str) -> Result<u64, MirrorError> {
        let login = self.login(name).to_owned();
        if let Some(known) = self.user_ids.get(&login) {
            return known.ok_or_else(|| no_user(name, &login));
        }
        let found = self.send(Method::Get, "/users", &[("username", login.clone())], None)?;
        let id = found.as_array().and_then(|users| users.first()).and_then(|user| user["id"].as_u64());
        self.user_ids.insert(login.clone(), id);
        id.ok_or_else(|| no_user(name, &login))
    }

    fn me(&mut self) -> Result<String, MirrorError> {
        if let Some(me) = &self.me {
            return Ok(me.clone());
        }
        let user = self.send(Method::Get, "/user", &[], None)?;
        let me = user["username"].as_str().unwrap_or_default().to_owned();
        self.me = Some(me.clone());
        Ok(me)
    }

    /// An issue's labels on GitLab, from its view.
    fn labels_of(&self, view: &View) -> BTreeSet<String> {
        let mut labels: BTreeSet<String> = view.get("labels").map(strings).unwrap_or_default().into_iter().collect();
        if let Some(kind) = view.get("type").and_then(Value::as_str) {
            labels.insert(format!("{TYPE_SCOPE}{kind}"));
        }
        if let Some(stage) = view.get("stage").and_then(Value::as_str) {
            labels.retain(|label| !label.starts_with(STATE_SCOPE));
            labels.insert(format!("{STATE_SCOPE}{stage}"));
        }
        labels
    }

    /// Whether a label is one the mirror derives (type and stage) rather than one of the
    /// record's own labels.
    fn derived_label(&self, label: &str) -> bool {
        label.starts_with(TYPE_SCOPE)
            || (label.starts_with(STATE_SCOPE) && self.own_state_scope.as_deref() != Some("workflow"))
    }

    fn issue_item(&self, issue: &Value, links: &Links) -> RemoteItem {
        let labels = strings(&issue["labels"]);
        let scoped = |scope: &str| labels.iter().find_map(|l| l.strip_prefix(scope)).map(str::to_owned);
        let issue_type = scoped(TYPE_SCOPE).filter(|t| IssueType::NAMES.contains(&t.as_str()));
        let mut own: Vec<String> = labels.iter().filter(|l| !self.derived_label(l)).cloned().collect();
        own.sort();
        let (description, marker) = unmark(issue["description"].as_str().unwrap_or(""));
        let assignee = issue["assignees"]
            .as_array()
            .and_then(|a| a.first())
            .or_else(|| issue.get("assignee").filter(|a| !a.is_null()))
            .and_then(|a| a["username"].as_str())
            .map(|login| self.name_of(login));
        let milestone = issue["milestone"]["id"].as_u64().and_then(|id| links.local(Kind::Milestone, id));
        let mut view = View::new();
        view.insert("title".into(), issue["title"].clone());
        view.insert("description".into(), text_or_null(&description));
        view.insert("type".into(), issue_type.map_or(Value::Null, Value::String));
        view.insert("stage".into(), scoped(STATE_SCOPE).map_or(Value::Null, Value::String));
        view.insert("labels".into(), json!(own));
        view.insert("assignee".into(), assignee.map_or(Value::Null, Value::String));
        view.insert("milestone".into(), milestone.map_or(Value::Null, |m| Value::String(m.to_owned())));
        view.insert("weight".into(), issue["weight"].as_u64().map_or(Value::Null, Value::from));
        view.insert(
            "health".into(),
            issue["health_status"].as_str().map_or(Value::Null, |h| Value::String(h.to_owned())),
        );
        view.insert(
            "iteration".into(),
            issue["iteration"]["title"].as_str().map_or(Value::Null, |t| Value::String(t.to_owned())),
        );
        RemoteItem {
            remote: issue["iid"].as_u64().unwrap_or_default(),
            marker,
            view,
            updated: issue["updated_at"].as_str().unwrap_or_default().to_owned(),
            comment_count: issue["user_notes_count"].as_u64(),
            created: issue["created_at"].as_str().map(str::to_owned),
        }
    }

    fn milestone_item(&self, milestone: &Value) -> RemoteItem {
        let (description, marker) = unmark(milestone["description"].as_str().unwrap_or(""));
        let closed = milestone["state"].as_str() == Some("closed");
        let mut view = View::new();
        view.insert("title".into(), milestone["title"].clone());
        view.insert("description".into(), text_or_null(&description));
        view.insert("start".into(), milestone["start_date"].clone());
        view.insert("end".into(), milestone["due_date"].clone());
        view.insert("stage".into(), Value::String(self.milestone_state(closed)));
        RemoteItem {
            remote: milestone["id"].as_u64().unwrap_or_default(),
            marker,
            view,
            updated: milestone["updated_at"].as_str().unwrap_or_default().to_owned(),
            comment_count: Some(0),
            created: milestone["created_at"].as_str().map(str::to_owned),
        }
    }

    /// The milestone stage GitLab can tell: the workflow's first terminal state when closed,
    /// `active` otherwise.
    fn milestone_state(&self, closed: bool) -> String {
        if closed {
            self.milestone_terminal.iter().next().cloned().unwrap_or_else(|| "closed".to_owned())
        } else {
            "active".to_owned()
        }
    }

    /// The parameters of an issue create or update for the fields of `changed`, `before` being
    /// the item's current view (for label differences).
    fn issue_params(&mut self, changed: &View, before: &View, links: &Links, id: &str) -> Result<Value, MirrorError> {
        let mut params = serde_json::Map::new();
        let mut after = before.clone();
        after.extend(changed.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (field, value) in changed {
            match field.as_str() {
                "title" | "description" => {
                    params.insert(field.clone(), shared_param(field, value, id));
                }
                "assignee" => {
                    let ids = match value.as_str() {
                        Some(name) => vec![self.user_id(name)?],
                        None => Vec::new(),
                    };
                    params.insert("assignee_ids".into(), json!(ids));
                }
                "milestone" => {
                    let milestone = value.as_str().and_then(|m| links.remote(Kind::Milestone, m)).unwrap_or(0);
                    params.insert("milestone_id".into(), json!(milestone));
                }
                "weight" => {
                    params.insert("weight".into(), value.clone());
                }
                _ => {}
            }
        }
        if ["labels", "type", "stage"].iter().any(|f| changed.contains_key(*f)) {
            let (old, new) = (self.labels_of(before), self.labels_of(&after));
            let add: Vec<&String> = new.difference(&old).collect();
            let remove: Vec<&String> = old.difference(&new).collect();
            if before.is_empty() {
                params.insert("labels".into(), json!(new.iter().cloned().collect::<Vec<_>>().join(",")));
            } else {
                if !add.is_empty() {
                    params.insert(
                        "add_labels".into(),
                        json!(add.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")),
                    );
                }
                if !remove.is_empty() {
                    params.insert(
                        "remove_labels".into(),
                        json!(remove.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")),
                    );
                }
            }
        }
        if let Some(stage) = changed.get("stage").and_then(Value::as_str) {
            let closed = self.terminal.contains(stage);
            let was_closed = before.get("stage").and_then(Value::as_str).is_some_and(|s| self.terminal.contains(s));
            if !before.is_empty() && closed != was_closed {
                params.insert("state_event".into(), json!(if closed { "close" } else { "reopen" }));
            }
        }
        Ok(Value::Object(params))
    }

    fn milestone_params(changed: &View, id: &str, terminal: &BTreeSet<String>, before: &View) -> Value {
        let mut params = serde_json::Map::new();
        for (field, value) in changed {
            match field.as_str() {
                "title" | "description" => {
                    params.insert(field.clone(), shared_param(field, value, id));
                }
                "start" => {
                    params.insert("start_date".into(), value.clone());
                }
                "end" => {
                    params.insert("due_date".into(), value.clone());
                }
                "stage" if !before.is_empty() => {
                    let closed = value.as_str().is_some_and(|s| terminal.contains(s));
                    params.insert("state_event".into(), json!(if closed { "close" } else { "activate" }));
                }
                _ => {}
            }
        }
        Value::Object(params)
    }

    /// POSTs `params` to `path`, unless `find` finds what an earlier attempt made (see
    /// [`post_unless_found`]).
    fn post_unless_found<T>(
        &mut self,
        path: &str,
        params: &Value,
        find: impl Fn(&mut Self) -> Result<Option<T>, MirrorError>,
    ) -> Result<Posted<T>, MirrorError> {
        let retry = self.client.retry();
        post_unless_found(
            self,
            retry,
            |gitlab| gitlab.client.send(Method::Post, path, &[], Some(params)),
            find,
            authorized,
        )
    }

    fn item(&self, kind: Kind, value: &Value, links: &Links) -> RemoteItem {
        if kind == Kind::Milestone { self.milestone_item(value) } else { self.issue_item(value, links) }
    }

    fn path(&self, kind: Kind) -> String {
        format!("{}/{}", self.project, if kind == Kind::Milestone { "milestones" } else { "issues" })
    }
}

impl Service for Gitlab {
    fn name(&self) -> &'static str {
        "gitlab"
    }

    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Milestone, Kind::Issue]
    }

    fn pull_only(&self) -> &'static [&'static str] {
        &["health", "iteration"]
    }

    fn view(&self, _tracker: &Tracker, record: &Record) -> View {
        let text = |value: Option<&String>| value.filter(|v| !v.is_empty()).map_or(Value::Null, |v| json!(v));
        let mut view = View::new();
        view.insert("title".into(), json!(record.title()));
        match &record.body {
            Body::Issue(issue) => {
                let mut labels: Vec<String> = issue.labels.iter().filter(|l| !self.derived_label(l)).cloned().collect();
                labels.sort();
                view.insert("description".into(), text(issue.description.as_ref()));
                view.insert("type".into(), json!(issue.issue_type.name()));
                view.insert("stage".into(), json!(issue.stage));
                view.insert("labels".into(), json!(labels));
                view.insert("assignee".into(), text(issue.assignee.as_ref()));
                view.insert("milestone".into(), text(issue.milestone.as_ref()));
                view.insert("weight".into(), issue.weight.map_or(Value::Null, Value::from));
                view.insert("health".into(), issue.health.map_or(Value::Null, |h| json!(h.name())));
                view.insert("iteration".into(), text(issue.iteration.as_ref()));
            }
            Body::Milestone(milestone) => {
                let terminal = self.milestone_terminal.contains(&milestone.stage);
                let date = |d: Option<crate::time::Timestamp>| {
                    d.map_or(Value::Null, |d| json!(crate::time::date_of(d).to_string()))
                };
                view.insert("description".into(), text(milestone.description.as_ref()));
                view.insert("start".into(), date(milestone.start));
                view.insert("end".into(), date(milestone.end));
                view.insert("stage".into(), json!(self.milestone_state(terminal)));
            }
            Body::Mir(_) => {}
        }
        view
    }

    fn changed(&mut self, kind: Kind, since: Option<&str>, links: &Links) -> Result<Vec<RemoteItem>, MirrorError> {
        let path = self.path(kind);
        let items = if kind == Kind::Milestone {
            // Milestones cannot be asked for by time: a project has few, all are read.
            let all = self.get_all(&path, &[("per_page", "100".to_owned())])?;
            all.iter()
                .map(|m| self.milestone_item(m))
                .filter(|m| since.is_none_or(|since| m.updated.as_str() >= since))
                .collect()
        } else {
            let mut query = vec![
                ("state", "all".to_owned()),
                ("order_by", "updated_at".to_owned()),
                ("sort", "asc".to_owned()),
                ("per_page", "100".to_owned()),
            ];
            if let Some(since) = since {
                query.push(("updated_after", since.to_owned()));
            }
            // Keyset pages where the GitLab has them for issues (stable while issues change,
            // and without the offset limit of large projects); offset pages where it answers
            // that it has not.
            let mut keyset = query.clone();
            keyset.push(("pagination", "keyset".to_owned()));
            let issues = match self.client.get_all(&path, &keyset) {
                Err(error) if matches!(error.status(), Some(400 | 405)) => self.get_all(&path, &query)?,
                other => other.map_err(authorized)?,
            };
            issues.iter().map(|issue| self.issue_item(issue, links)).collect()
        };
        Ok(items)
    }

    fn find(&mut self, kind: Kind, id: &str, links: &Links) -> Result<Option<RemoteItem>, MirrorError> {
        let path = self.path(kind);
        let mut query = vec![("search", format!("docket:{id}")), ("per_page", "100".to_owned())];
        if kind == Kind::Issue {
            query.push(("in", "description".to_owned()));
            query.push(("state", "all".to_owned()));
        }
        let found = self.get_all(&path, &query)?;
        Ok(found.iter().map(|value| self.item(kind, value, links)).find(|item| item.marker.as_deref() == Some(id)))
    }

    fn get(&mut self, kind: Kind, remote: u64, links: &Links) -> Result<Option<RemoteItem>, MirrorError> {
        let path = format!("{}/{remote}", self.path(kind));
        match self.client.send(Method::Get, &path, &[], None) {
            Ok(answer) => Ok(Some(self.item(kind, &answer.body, links))),
            Err(error) if error.status() == Some(404) => Ok(None),
            Err(error) => Err(authorized(error)),
        }
    }

    fn create(&mut self, kind: Kind, id: &str, view: &View, links: &Links) -> Result<RemoteItem, MirrorError> {
        let path = self.path(kind);
        let (mut params, closed) = if kind == Kind::Milestone {
            let closed = view.get("stage").and_then(Value::as_str).is_some_and(|s| self.milestone_terminal.contains(s));
            (Self::milestone_params(view, id, &self.milestone_terminal, &View::new()), closed)
        } else {
            let closed = view.get("stage").and_then(Value::as_str).is_some_and(|s| self.terminal.contains(s));
            (self.issue_params(view, &View::new(), links, id)?, closed)
        };
        // Every created item carries the marker, even without a description.
        if params.get("description").is_none() {
            params["description"] = Value::String(mark("", id));
        }
        let created = match self.post_unless_found(&path, &params, |gitlab| gitlab.find(kind, id, links))? {
            Posted::Made(answer) => answer.body,
            Posted::Found(item) => return Ok(item),
        };
        let mut item = self.item(kind, &created, links);
        if closed {
            let close = json!({"state_event": "close"});
            let closed = self
                .send(Method::Put, &format!("{path}/{}", item.remote), &[], Some(&close))
                .map_err(|error| MirrorError::Made { error: Box::new(error) })?;
            item = self.item(kind, &closed, links);
        }
        Ok(item)
    }

    fn update(
        &mut self,
        kind: Kind,
        remote: u64,
        changed: &View,
        before: &View,
        links: &Links,
    ) -> Result<Written, MirrorError> {
        let id = links.local(kind, remote).unwrap_or_default().to_owned();
        let params = if kind == Kind::Milestone {
            Self::milestone_params(changed, &id, &self.milestone_terminal, before)
        } else {
            self.issue_params(changed, before, links, &id)?
        };
        if params.as_object().is_some_and(serde_json::Map::is_empty) {
            return Ok(Written::Done);
        }
        self.send(Method::Put, &format!("{}/{remote}", self.path(kind)), &[], Some(&params))?;
        Ok(Written::Done)
    }

    fn comments(&mut self, kind: Kind, remote: u64) -> Result<Vec<RemoteComment>, MirrorError> {
        if kind == Kind::Milestone {
            return Ok(Vec::new());
        }
        let path = format!("{}/{remote}/notes", self.path(kind));
        let notes = self.get_all(
            &path,
            &[("sort", "asc".to_owned()), ("order_by", "created_at".to_owned()), ("per_page", "100".to_owned())],
        )?;
        Ok(notes
            .iter()
            // System notes ("changed the milestone") are GitLab's, not anyone's comment.
            .filter(|note| note["system"].as_bool() != Some(true))
            .map(|note| {
                let body = note["body"].as_str().unwrap_or_default();
                let (text, marker) = unmark_note(body);
                RemoteComment {
                    id: note["id"].as_u64().unwrap_or_default(),
                    author: note["author"]["username"].as_str().map(|login| self.name_of(login)),
                    date: note["created_at"].as_str().and_then(crate::time::parse_timestamp),
                    text,
                    marker,
                }
            })
            .collect())
    }

    fn comment(&mut self, kind: Kind, remote: u64, id: &str, comment: &LocalComment) -> Result<u64, MirrorError> {
        let me = self.me()?;
        let author = comment.author.as_deref().map(|name| self.login(name).to_owned());
        let date = comment.date.map(|d| crate::time::date_of(d).to_string()).unwrap_or_default();
        let mut body = String::new();
        match &comment.update {
            Some(health) => {
                let _ = write!(body, "**Weekly update** ({date}");
                if let Some(author) = &author {
                    let _ = write!(body, ", @{author}");
                }
                if let Some(health) = health {
                    let _ = write!(body, ", health: {health}");
                }
                body.push_str(")\n\n");
            }
            None => {
                if let Some(author) = author.as_ref().filter(|a| **a != me) {
                    let _ = write!(body, "*@{author} wrote on {date}:*\n\n");
                }
            }
        }
        body.push_str(comment.text.trim_end());
        let _ = write!(body, "\n\n<!-- docket:{id} {} -->", comment.key);
        let path = format!("{}/{remote}/notes", self.path(kind));
        let params = json!({ "body": body });
        let note =
            match self.post_unless_found(&path, &params, |gitlab| gitlab.find_comment(kind, remote, &comment.key))? {
                Posted::Made(answer) => answer.body,
                Posted::Found(note) => return Ok(note),
            };
        Ok(note["id"].as_u64().unwrap_or_default())
    }

    fn cost(&self) -> (usize, usize) {
        (self.client.requests, self.client.writes)
    }
}

/// The value sent for a field issues and milestones share: the title as it is, the
/// description with docket's marker.
fn shared_param(field: &str, value: &Value, id: &str) -> Value {
    if field == "description" { Value::String(mark(value.as_str().unwrap_or(""), id)) } else { value.clone() }
}

/// A 401 or 403 as what it means: the token.
fn authorized(error: HttpError) -> MirrorError {
    match error {
        HttpError::Status { status: status @ (401 | 403), message, .. } => {
            MirrorError::Unauthorized { service: "GitLab", status, message }
        }
        other => MirrorError::Http(other),
    }
}

fn no_user(name: &str, login: &str) -> MirrorError {
    MirrorError::Config(format!(
        "GitLab has no user `{login}` (docket's `{name}`): map the name under [mirror.gitlab.users] in docket.toml, e.g. {name} = \"their-gitlab-username\""
    ))
}

/// `text` with the marker of record `id`.
fn mark(text: &str, id: &str) -> String {
    let text = text.trim_end();
    if text.is_empty() { format!("<!-- docket:{id} -->") } else { format!("{text}\n\n<!-- docket:{id} -->") }
}

/// A description without docket's marker, and the id the marker names.
fn unmark(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end();
    if let Some(start) = trimmed.rfind("<!-- docket:")
        && let Some(id) = trimmed[start..].strip_prefix("<!-- docket:").and_then(|rest| rest.strip_suffix(" -->"))
        && !id.contains(' ')
    {
        return (trimmed[..start].trim_end().to_owned(), Some(id.to_owned()));
    }
    (text.to_owned(), None)
}

/// A note's text without docket's marker, and the comment key it names.
fn unmark_note(body: &str) -> (String, Option<String>) {
    let trimmed = body.trim_end();
    if let Some(start) = trimmed.rfind("<!-- docket:")
        && let Some(inner) = trimmed[start..].strip_prefix("<!-- docket:").and_then(|rest| rest.strip_suffix(" -->"))
        && let Some((_, key)) = inner.split_once(' ')
    {
        return (trimmed[..start].trim_end().to_owned(), Some(key.to_owned()));
    }
    (body.to_owned(), None)
}

fn text_or_null(text: &str) -> Value {
    if text.is_empty() { Value::Null } else { Value::String(text.to_owned()) }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_stripped() {
        assert_eq!(mark("Body\n", "k3x9q2"), "Body\n\n<!-- docket:k3x9q2 -->");
        assert_eq!(unmark("Body\n\n<!-- docket:k3x9q2 -->"), ("Body".to_owned(), Some("k3x9q2".to_owned())));
        assert_eq!(unmark("<!-- docket:k3x9q2 -->"), (String::new(), Some("k3x9q2".to_owned())));
        assert_eq!(unmark("no marker"), ("no marker".to_owned(), None));
        assert_eq!(
            unmark_note("hello\n\n<!-- docket:k3x9q2 0123abcd -->"),
            ("hello".to_owned(), Some("0123abcd".to_owned()))
        );
        assert_eq!(unmark_note("<!-- docket:k3x9q2 -->"), ("<!-- docket:k3x9q2 -->".to_owned(), None));
    }

    #[test]
    fn project_paths_are_one_segment() {
        assert_eq!(percent("support-ops/working-issues"), "support-ops%2Fworking-issues");
        assert_eq!(percent("42"), "42");
    }
}
