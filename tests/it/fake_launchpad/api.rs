//! The web service of the fake Launchpad (versions `1.0` and `devel`, one set of handlers) and
//! the token pages of its web site: authentication, routing, entries with conditional GET and
//! conditional PATCH (lazr.restful's 209, 301, 412 and error texts) of bugs, their main tasks
//! and their series tasks, Ubuntu's series and their source packages (read only), named
//! operations (`createBug`, `newMessage`, `subscribe`, `unsubscribe`, `getSourcePackage`,
//! `searchTasks`), and collections batched with `ws.start`/`ws.size`. Independent of the HTTP
//! server: a request in, a status, headers and body out.

use std::cmp::Ordering;

use serde_json::{Map, Value, json};

use super::model::{self, Bug, Change, Model, TaskRef, importance_value, valid_series, valid_tag};
use super::oauth::{Principal, oauth_params};
use super::params::{ApiError, Form};
use super::wadl::{self, wadl};
use crate::fake_gitlab::params::decode_component;

/// lazr.batchnavigator's batch sizes as Launchpad configures them.
pub const DEFAULT_BATCH: usize = 75;
pub const MAX_BATCH: usize = 300;

/// What the server knobs say about batches.
pub struct Paging {
    /// The largest batch served: a larger `ws.size`, up to [`MAX_BATCH`], is cut to it.
    pub max: usize,
}

/// One request, as the service sees it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a str,
    pub authorization: Option<&'a str>,
    pub accept: Option<&'a str>,
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// The answer to one request.
pub struct Outgoing {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Whether this request filed a bug (the stall counts these).
    pub created_bug: bool,
}

impl Outgoing {
    fn new(status: u16, content_type: &str, body: String) -> Self {
        Self { status, headers: vec![("Content-Type".to_owned(), content_type.to_owned())], body, created_bug: false }
    }

    /// JSON, with exactly the media type lazr.restfulclient compares against.
    fn json(status: u16, body: &Value) -> Self {
        Self::new(status, "application/json", body.to_string())
    }

    fn empty(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: String::new(), created_bug: false }
    }

    fn header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }
}

impl From<ApiError> for Outgoing {
    fn from(error: ApiError) -> Self {
        Self::new(error.status, "text/plain", error.text)
    }
}

type Answer = Result<Outgoing, ApiError>;

/// A resource of the web service, from its path (below the version).
#[derive(Debug, Clone, PartialEq)]
pub enum Resource {
    Root,
    Bugs,
    Bug(u64),
    /// A collection of a bug: `messages`, `bug_tasks` or `subscriptions`.
    BugCollection(u64, String),
    /// A message, under `/bugs/<n>` or under the task's target.
    Message(u64, usize),
    Subscription(u64, String),
    Distributions,
    Distribution,
    Package(String),
    /// The bug's main task, by its package and the bug.
    Task(String, u64),
    /// A series of Ubuntu (`/ubuntu/<series>`).
    Series(String),
    /// A source package in a series (`/ubuntu/<series>/+source/<package>`).
    SeriesPackage(String, String),
    /// A series task, by its series, its package and the bug.
    SeriesTask(String, String, u64),
    People,
    Me,
    Person(String),
}

impl Resource {
    /// The WADL's resource type of this resource.
    pub fn wadl_type(&self) -> String {
        match self {
            Resource::Root => "service-root".to_owned(),
            Resource::Bugs => "bugs".to_owned(),
            Resource::Bug(_) => "bug".to_owned(),
            Resource::BugCollection(_, name) => match name.as_str() {
                "messages" => "message-page-resource".to_owned(),
                "subscriptions" => "bug_subscription-page-resource".to_owned(),
                _ => "bug_task-page-resource".to_owned(),
            },
            Resource::Message(..) => "message".to_owned(),
            Resource::Subscription(..) => "bug_subscription".to_owned(),
            Resource::Distributions => "distributions".to_owned(),
            Resource::Distribution => "distribution".to_owned(),
            Resource::Package(_) => "distribution_source_package".to_owned(),
            Resource::Task(..) | Resource::SeriesTask(..) => "bug_task".to_owned(),
            Resource::Series(_) => "distro_series".to_owned(),
            Resource::SeriesPackage(..) => "source_package".to_owned(),
            Resource::People => "people".to_owned(),
            Resource::Me => "person".to_owned(),
            Resource::Person(name) => {
                if model::person(name).is_some_and(|person| person.is_team) { "team" } else { "person" }.to_owned()
            }
        }
    }

    pub fn is_collection(&self) -> bool {
        matches!(self, Resource::Bugs | Resource::BugCollection(..) | Resource::Distributions | Resource::People)
    }

    /// The bug this resource belongs to, if any.
    pub fn bug(&self) -> Option<u64> {
        match self {
            Resource::Bug(id)
            | Resource::BugCollection(id, _)
            | Resource::Message(id, _)
            | Resource::Subscription(id, _)
            | Resource::Task(_, id)
            | Resource::SeriesTask(_, _, id) => Some(*id),
            _ => None,
        }
    }
}

/// The web service version and the decoded path segments below it, for `/1.0/…` and
/// `/devel/…` (`devel` is served as `1.0` is: the fake has one WADL).
pub fn split_version(path: &str) -> Option<(&'static str, Vec<String>)> {
    let (version, rest) = ["1.0", "devel"].into_iter().find_map(|version| {
        let rest = path.strip_prefix('/')?.strip_prefix(version)?;
        (rest.is_empty() || rest.starts_with('/')).then_some((version, rest))
    })?;
    let rest = rest.trim_start_matches('/');
    let segments = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').map(|segment| decode_component(segment, false)).collect()
    };
    Some((version, segments))
}

/// The token pages of the web site (not part of the web service).
pub fn is_web_page(path: &str) -> bool {
    ["/+request-token", "/+authorize-token", "/+access-token"].contains(&path)
}

/// The resource a path names, by its shape (whether it exists is the handlers' business).
pub fn resource_of(segments: &[String]) -> Option<Resource> {
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let number = |text: &str| text.parse::<u64>().ok();
    Some(match segments.as_slice() {
        [] => Resource::Root,
        ["bugs"] => Resource::Bugs,
        ["bugs", id] => Resource::Bug(number(id)?),
        ["bugs", id, name @ ("messages" | "bug_tasks" | "subscriptions")] => {
            Resource::BugCollection(number(id)?, (*name).to_owned())
        }
        ["bugs", id, "comments", index] | ["ubuntu", "+source", _, "+bug", id, "comments", index] => {
            Resource::Message(number(id)?, index.parse().ok()?)
        }
        ["bugs", id, "+subscription", name] => Resource::Subscription(number(id)?, (*name).to_owned()),
        ["distros"] => Resource::Distributions,
        ["ubuntu"] => Resource::Distribution,
        ["ubuntu", "+source", package] => Resource::Package((*package).to_owned()),
        ["ubuntu", "+source", package, "+bug", id] => Resource::Task((*package).to_owned(), number(id)?),
        ["ubuntu", series] if !series.starts_with('+') => Resource::Series((*series).to_owned()),
        ["ubuntu", series, "+source", package] if !series.starts_with('+') => {
            Resource::SeriesPackage((*series).to_owned(), (*package).to_owned())
        }
        ["ubuntu", series, "+source", package, "+bug", id] if !series.starts_with('+') => {
            Resource::SeriesTask((*series).to_owned(), (*package).to_owned(), number(id)?)
        }
        ["people"] => Resource::People,
        ["people", "+me"] => Resource::Me,
        [name] if name.starts_with('~') && name.len() > 1 => Resource::Person(name[1..].to_owned()),
        _ => return None,
    })
}

/// Whether a name is a Debian source package name.
fn valid_package(name: &str) -> bool {
    name.len() > 1
        && name.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

/// Answers one request.
pub fn handle(model: &mut Model, paging: &Paging, request: &Incoming) -> Outgoing {
    route(model, paging, request).unwrap_or_else(Outgoing::from)
}

/// The context of a web service request being answered.
struct Call<'a> {
    request: &'a Incoming<'a>,
    paging: &'a Paging,
    version: &'static str,
    /// `http://127.0.0.1:PORT/1.0`: the prefix of every link in the answer.
    api: String,
    form: Form,
    principal: Principal,
}

fn route(model: &mut Model, paging: &Paging, request: &Incoming) -> Answer {
    let media_type = request.content_type.and_then(|value| value.split(';').next()).map(str::trim);
    let mut form = Form::parse(request.query);
    // Zope reads a POST body without a type as a form too (launchpadlib's token requests send none).
    if media_type == Some("application/x-www-form-urlencoded") || (media_type.is_none() && request.method == "POST") {
        form = form.merged(Form::parse(request.body));
    }
    let params = oauth_params(request.authorization, &form);
    if is_web_page(request.path) {
        let page = match request.path {
            "/+request-token" => model.tokens.request_token(&params, request.accept == Some("application/json")),
            "/+authorize-token" => model.tokens.authorize_page(&form),
            _ => model.tokens.access_token(&form, &params),
        };
        let mut outgoing = Outgoing::new(page.status, page.content_type, page.body);
        outgoing.headers.extend(page.headers);
        return Ok(outgoing);
    }
    let Some((version, segments)) = split_version(request.path) else {
        return Err(ApiError::new(404, "Not found"));
    };
    let principal = model.tokens.authenticate(&params)?;
    let resource =
        resource_of(&segments).ok_or_else(|| ApiError::not_found(segments.last().map_or("", String::as_str)))?;
    let call = Call { request, paging, version, api: format!("{}/{version}", model.root), form, principal };
    if call.principal == Principal::Anonymous && request.method != "GET" {
        return Err(ApiError::new(401, "Anonymous access is read-only: this request needs an OAuth access token."));
    }
    if let Some(id) = resource.bug()
        && model.bug(id).is_none()
    {
        return Err(ApiError::not_found(&id.to_string()));
    }
    let method = request.method;
    match (method, &resource) {
        ("GET", Resource::Root) => Ok(service_root(&call)),
        ("POST", Resource::Bugs) => match call.post_operation(&resource)?.as_str() {
            "createBug" => create_bug(model, &call),
            other => Err(ApiError::unfaked(&format!("the named operation {other}"))),
        },
        ("GET", Resource::Bugs) => {
            call.get_operation(&resource)?;
            Err(ApiError::unfaked("reading the bugs collection"))
        }
        ("GET", Resource::Bug(id)) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            let bug = model.bug(*id).expect("checked");
            Ok(call.entry(&model.bug_json(bug, &call.api)))
        }
        ("PATCH", Resource::Bug(id)) => patch(model, &call, *id, None),
        ("POST", Resource::Bug(id)) => bug_operation(model, &call, *id),
        ("GET", Resource::BugCollection(id, name)) => {
            call.get_operation(&resource)?;
            let bug = model.bug(*id).expect("checked");
            let (entries, kind) = match name.as_str() {
                "messages" => (
                    (0..bug.messages.len()).map(|index| model.message_json(bug, index, &call.api)).collect(),
                    "message",
                ),
                "subscriptions" => (
                    bug.subscriptions.iter().map(|sub| model.subscription_json(bug, sub, &call.api)).collect(),
                    "bug_subscription",
                ),
                _ => (model.tasks_json(bug, &call.api), "bug_task"),
            };
            call.batch(entries, Some(format!("{}/#{kind}-page-resource", call.api)), false)
        }
        ("GET", Resource::Message(id, index)) => {
            call.get_operation(&resource)?;
            let bug = model.bug(*id).expect("checked");
            let on_task = segments.first().is_some_and(|first| first == "ubuntu");
            if *index >= bug.messages.len() || (on_task && segments.get(2) != Some(&bug.task.package)) {
                return Err(ApiError::not_found(&index.to_string()));
            }
            Ok(call.entry(&model.message_json(bug, *index, &call.api)))
        }
        ("GET", Resource::Subscription(id, name)) => {
            call.get_operation(&resource)?;
            let bug = model.bug(*id).expect("checked");
            let subscription = bug.subscriptions.iter().find(|sub| sub.person == *name);
            let subscription = subscription.ok_or_else(|| ApiError::not_found(name))?;
            Ok(call.entry(&model.subscription_json(bug, subscription, &call.api)))
        }
        ("GET", Resource::Distributions) => {
            call.get_operation(&resource)?;
            call.batch(vec![model.distribution_json(&call.api)], Some(format!("{}/#distributions", call.api)), false)
        }
        ("GET", Resource::Distribution) => match call.get_operation(&resource)?.as_deref() {
            None => Ok(call.entry(&model.distribution_json(&call.api))),
            Some("searchTasks") => search_tasks(model, &call, None),
            Some("getSourcePackage") => {
                let name = call.form.text("name").filter(|name| !name.is_empty());
                let name = name.ok_or_else(|| ApiError::invalid(&["name: Required input is missing.".to_owned()]))?;
                if !valid_package(&name) {
                    return Ok(Outgoing::json(200, &Value::Null));
                }
                Ok(Outgoing::json(200, &model.package_json(&name, &call.api)))
            }
            Some(other) => Err(ApiError::unfaked(&format!("the named operation {other}"))),
        },
        ("GET", Resource::Package(package)) => {
            if !valid_package(package) {
                return Err(ApiError::not_found(package));
            }
            match call.get_operation(&resource)?.as_deref() {
                None => Ok(call.entry(&model.package_json(package, &call.api))),
                Some("searchTasks") => search_tasks(model, &call, Some(package)),
                Some(other) => Err(ApiError::unfaked(&format!("the named operation {other}"))),
            }
        }
        (_, Resource::Task(package, id)) if model.bug(*id).is_some_and(|bug| bug.task.package != *package) => {
            Err(ApiError::not_found(&id.to_string()))
        }
        ("GET", Resource::Task(_, id)) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            Ok(call.entry(&model.task_json(model.bug(*id).expect("checked"), &call.api)))
        }
        ("PATCH", Resource::Task(_, id)) => patch(model, &call, *id, Some(&TaskRef::Main)),
        (_, Resource::Series(series) | Resource::SeriesPackage(series, _) | Resource::SeriesTask(series, ..))
            if series == model::DEVEL_ALIAS =>
        {
            Err(ApiError::unfaked("Ubuntu's development series alias `devel`"))
        }
        (_, Resource::Series(series) | Resource::SeriesPackage(series, _) | Resource::SeriesTask(series, ..))
            if !valid_series(series) =>
        {
            Err(ApiError::not_found(series))
        }
        (_, Resource::SeriesPackage(_, package) | Resource::SeriesTask(_, package, _)) if !valid_package(package) => {
            Err(ApiError::not_found(package))
        }
        ("GET", Resource::Series(series)) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            Ok(call.entry(&model.series_json(series, &call.api)))
        }
        ("GET", Resource::SeriesPackage(series, package)) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            Ok(call.entry(&model.series_package_json(series, package, &call.api)))
        }
        (_, Resource::Series(_) | Resource::SeriesPackage(..)) => {
            Err(ApiError::unfaked(&format!("{method} on {}", resource.wadl_type())))
        }
        (_, Resource::SeriesTask(series, package, id))
            if model.bug(*id).is_none_or(|bug| bug.task.package != *package || bug.series_task(series).is_none()) =>
        {
            Err(ApiError::not_found(&id.to_string()))
        }
        ("GET", Resource::SeriesTask(series, _, id)) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            let bug = model.bug(*id).expect("checked");
            Ok(call.entry(&model.task_json_of(bug, &TaskRef::Series(series.clone()), &call.api)))
        }
        ("PATCH", Resource::SeriesTask(series, _, id)) => {
            patch(model, &call, *id, Some(&TaskRef::Series(series.clone())))
        }
        ("GET", Resource::People) => {
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            let people = model::PEOPLE.iter().map(|person| model.person_json(person, &call.api)).collect();
            call.batch(people, Some(format!("{}/#people", call.api)), false)
        }
        ("GET", Resource::Me) => match &call.principal {
            Principal::Person(name) => {
                Ok(Outgoing::empty(303).header("Location", model::Model::person_link(&call.api, name)))
            }
            Principal::Anonymous => Err(ApiError::new(401, "You need to be logged in to view this URL.")),
        },
        ("GET", Resource::Person(name)) => {
            let person = model::person(name).ok_or_else(|| ApiError::not_found(&format!("~{name}")))?;
            if let Some(operation) = call.get_operation(&resource)? {
                return Err(ApiError::unfaked(&format!("the named operation {operation}")));
            }
            Ok(call.entry(&model.person_json(person, &call.api)))
        }
        (_, Resource::Root | Resource::Distributions | Resource::People | Resource::Me) => Err(not_allowed("GET")),
        (_, Resource::BugCollection(..) | Resource::Message(..) | Resource::Subscription(..)) => {
            Err(not_allowed("GET"))
        }
        (_, Resource::Bugs | Resource::Distribution | Resource::Package(_)) => Err(not_allowed("GET POST")),
        ("PUT" | "DELETE", _) => Err(ApiError::unfaked(&format!("{method} on {}", resource.wadl_type()))),
        (_, Resource::Person(_)) => Err(ApiError::unfaked(&format!("{method} of people"))),
        (_, Resource::Bug(_) | Resource::Task(..) | Resource::SeriesTask(..)) => Err(not_allowed("GET PUT PATCH POST")),
    }
}

/// 405 with the methods lazr.restful lists in `Allow`.
fn not_allowed(allow: &str) -> ApiError {
    ApiError::new(405, format!("Allow: {allow}"))
}

/// The service root: the WADL (what launchpadlib reads first) or the links to the top-level
/// collections and entries the fake serves, all of which the WADL's `service-root-json` has.
fn service_root(call: &Call) -> Outgoing {
    let accept = call.form.raw("ws.accept").or(call.request.accept).unwrap_or_default();
    if accept.split(',').any(|kind| kind.split(';').next().map(str::trim) == Some(wadl::WADL_TYPE)) {
        return Outgoing::new(200, wadl::WADL_TYPE, wadl::served(&format!("{}/", call.api)));
    }
    let api = &call.api;
    Outgoing::json(
        200,
        &json!({
            "bugs_collection_link": format!("{api}/bugs"),
            "distributions_collection_link": format!("{api}/distros"),
            "me_link": format!("{api}/people/+me"),
            "people_collection_link": format!("{api}/people"),
            "resource_type_link": format!("{api}/#service-root"),
        }),
    )
}

/// The entity tags of an `If-Match` or `If-None-Match` header, `-gzip` suffixes taken off.
fn etags(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(|etag| {
            let etag = etag.trim();
            let etag = etag.strip_suffix("-gzip").unwrap_or(etag);
            etag.strip_suffix("-gzip\"").map_or_else(|| etag.to_owned(), |rest| format!("{rest}\""))
        })
        .collect()
}

impl Call<'_> {
    /// The named GET operation asked for, if any: one the WADL declares for this resource's
    /// type, or 400 `No such operation`.
    fn get_operation(&self, resource: &Resource) -> Result<Option<String>, ApiError> {
        let Some(operation) = self.form.text("ws.op") else { return Ok(None) };
        if wadl().method(&resource.wadl_type(), "GET", Some(&operation)).is_none() {
            return Err(ApiError::new(400, format!("No such operation: {operation}")));
        }
        Ok(Some(operation))
    }

    /// The named POST operation asked for.
    fn post_operation(&self, resource: &Resource) -> Result<String, ApiError> {
        let operation = self.form.text("ws.op").ok_or_else(|| ApiError::new(400, "No operation name given."))?;
        if wadl().method(&resource.wadl_type(), "POST", Some(&operation)).is_none() {
            return Err(ApiError::new(400, format!("No such operation: {operation}")));
        }
        Ok(operation)
    }

    /// An entry, with its entity tag; 304 if the client has it already.
    fn entry(&self, entry: &Value) -> Outgoing {
        let etag = entry["http_etag"].as_str().expect("entries have ETags").to_owned();
        if self.request.if_none_match.is_some_and(|header| etags(header).contains(&etag)) {
            return Outgoing::empty(304).header("ETag", etag);
        }
        Outgoing::json(200, entry).header("ETag", etag)
    }

    /// A person named by a link to them on this service (`…/1.0/~name`).
    fn person_of(&self, name: &str, link: &str) -> Result<String, String> {
        let person =
            split_version(link.strip_prefix(self.api.trim_end_matches(&format!("/{}", self.version))).unwrap_or(""))
                .and_then(|(_, segments)| match resource_of(&segments) {
                    Some(Resource::Person(person)) => model::person(&person).map(|person| person.name.to_owned()),
                    _ => None,
                });
        person.ok_or_else(|| format!("{name}: No such object \"{link}\"."))
    }

    /// A source package of Ubuntu named by a link to it.
    fn package_of(&self, name: &str, link: &str) -> Result<String, String> {
        let root = self.api.trim_end_matches(&format!("/{}", self.version));
        match split_version(link.strip_prefix(root).unwrap_or("")).and_then(|(_, segments)| resource_of(&segments)) {
            Some(Resource::Package(package)) if valid_package(&package) => Ok(package),
            Some(Resource::Distribution) => {
                Err(format!("{name}: the fake Launchpad files bugs on source packages only"))
            }
            _ => Err(format!("{name}: No such object \"{link}\".")),
        }
    }

    /// One batch of a collection, as lazr.restful serves it: `total_size` (or, for named
    /// operations in `devel` when more batches follow, `total_size_link`), `start`, the links to
    /// the next and previous batches, the entries, and the collection's type if it has one.
    fn batch(&self, entries: Vec<Value>, type_link: Option<String>, operation: bool) -> Answer {
        if operation && self.form.raw("ws.show") == Some("total_size") {
            return Ok(Outgoing::json(200, &json!(entries.len())));
        }
        let default = DEFAULT_BATCH.min(self.paging.max);
        let size = match self.form.raw("ws.size").map(str::parse::<usize>) {
            Some(Ok(size)) if size > MAX_BATCH => {
                return Err(ApiError::new(400, format!("Maximum for \"ws.size\" parameter is {MAX_BATCH}.")));
            }
            Some(Ok(size)) if size > 0 => size.min(self.paging.max),
            _ => default,
        };
        let start = self.form.raw("ws.start").and_then(|start| start.parse::<usize>().ok()).unwrap_or(0);
        let total = entries.len();
        let end = (start + size).min(total);
        let clean = Form::clean_query(self.request.query);
        let base = format!("{}{}", self.api.trim_end_matches(&format!("/{}", self.version)), self.request.path);
        let link = |query: String| {
            if clean.is_empty() { format!("{base}?{query}") } else { format!("{base}?{clean}&{query}") }
        };
        let mut batch = Map::new();
        batch.insert("start".to_owned(), json!(start));
        if operation && self.version == "devel" && end < total {
            batch.insert("total_size_link".to_owned(), json!(link("ws.show=total_size".to_owned())));
        } else {
            batch.insert("total_size".to_owned(), json!(total));
        }
        if end < total {
            batch.insert("next_collection_link".to_owned(), json!(link(format!("ws.start={end}&ws.size={size}"))));
        }
        if start > 0 {
            let previous = start.saturating_sub(size);
            batch.insert("prev_collection_link".to_owned(), json!(link(format!("ws.start={previous}&ws.size={size}"))));
        }
        let page: Vec<Value> = entries.into_iter().skip(start).take(end.saturating_sub(start)).collect();
        batch.insert("entries".to_owned(), Value::Array(page));
        if let Some(type_link) = type_link {
            batch.insert("resource_type_link".to_owned(), json!(type_link));
        }
        Ok(Outgoing::json(200, &Value::Object(batch)))
    }
}

/// `createBug` on `/bugs`.
fn create_bug(model: &mut Model, call: &Call) -> Answer {
    let Principal::Person(reporter) = &call.principal else { unreachable!("anonymous writes were refused") };
    let form = &call.form;
    let mut problems = Vec::new();
    let mut required = |name: &str| {
        let value = form.text(name).filter(|text| !text.trim().is_empty());
        if value.is_none() {
            problems.push(format!("{name}: Required input is missing."));
        }
        value.unwrap_or_default()
    };
    let title = required("title");
    let description = required("description");
    let target = required("target");
    let tags = form.list("tags").unwrap_or_default();
    for tag in tags.iter().filter(|tag| !valid_tag(&tag.to_lowercase())) {
        problems.push(format!("tags: {}", invalid_tag(tag)));
    }
    if let Some(kind) = form.text("information_type") {
        let options =
            &wadl().field("bug-full", "information_type").map(|field| field.options.clone()).unwrap_or_default();
        if !options.contains(&kind) {
            problems.push(format!("information_type: {}", invalid_choice(&kind, options)));
        } else if kind != "Public" {
            return Err(ApiError::unfaked("bugs that are not Public"));
        }
    }
    for flag in ["security_related", "private"] {
        match form.boolean(flag) {
            Err(problem) => problems.push(problem),
            Ok(Some(true)) => return Err(ApiError::unfaked(&format!("{flag}=true"))),
            Ok(_) => {}
        }
    }
    let package =
        if target.is_empty() { None } else { call.package_of("target", &target).map_err(|p| problems.push(p)).ok() };
    if !problems.is_empty() {
        return Err(ApiError::invalid(&problems));
    }
    let package = package.expect("no problems, so a package");
    let id = model.create_bug(reporter, &package, &title, &description, &tags);
    Ok(Outgoing { created_bug: true, ..Outgoing::empty(201).header("Location", format!("{}/bugs/{id}", call.api)) })
}

/// `Tag`'s constraint message.
fn invalid_tag(tag: &str) -> String {
    format!(
        "'{tag}' isn't a valid tag name. Tags must start with a letter or number and be lowercase. The characters \
         \"+\", \"-\" and \".\" are also allowed after the first character."
    )
}

/// lazr.restful's `SimpleVocabularyLookupFieldMarshaller` message.
fn invalid_choice(value: &str, options: &[String]) -> String {
    format!("Invalid value \"{value}\". Acceptable values are: {}", options.join(", "))
}

/// The named POST operations of a bug.
fn bug_operation(model: &mut Model, call: &Call, id: u64) -> Answer {
    let Principal::Person(me) = &call.principal else { unreachable!("anonymous writes were refused") };
    let form = &call.form;
    match call.post_operation(&Resource::Bug(id))?.as_str() {
        "newMessage" => {
            let content = form.text("content").filter(|content| !content.is_empty());
            let content =
                content.ok_or_else(|| ApiError::invalid(&["content: Required input is missing.".to_owned()]))?;
            let index = model.new_message(id, me, form.text("subject").as_deref(), &content);
            let bug = model.bug(id).expect("checked");
            let location = format!("{}{}/comments/{index}", call.api, Model::task_path(bug));
            Ok(Outgoing::empty(201).header("Location", location))
        }
        "subscribe" => {
            let mut problems = Vec::new();
            let person = match form.text("person") {
                None => {
                    problems.push("person: Required input is missing.".to_owned());
                    None
                }
                Some(link) => call.person_of("person", &link).map_err(|problem| problems.push(problem)).ok(),
            };
            if let Some(level) = form.text("level") {
                let options = wadl()
                    .method("bug", "POST", Some("subscribe"))
                    .and_then(|method| method.params.iter().find(|param| param.name == "level"))
                    .map(|param| param.options.clone())
                    .unwrap_or_default();
                if !options.contains(&level) {
                    problems.push(format!("level: {}", invalid_choice(&level, &options)));
                }
            }
            if !problems.is_empty() {
                return Err(ApiError::invalid(&problems));
            }
            let person = person.expect("no problems, so a person");
            model.subscribe(id, &person, me);
            let bug = model.bug(id).expect("checked");
            let subscription = bug.subscriptions.iter().find(|sub| sub.person == person).expect("just subscribed");
            Ok(Outgoing::json(200, &model.subscription_json(bug, subscription, &call.api)))
        }
        "unsubscribe" => {
            let person = match form.text("person") {
                None => me.clone(),
                Some(link) => call.person_of("person", &link).map_err(|problem| ApiError::invalid(&[problem]))?,
            };
            model.unsubscribe(id, &person);
            Ok(Outgoing::json(200, &Value::Null))
        }
        other => Err(ApiError::unfaked(&format!("the named operation {other}"))),
    }
}

/// A PATCH of a bug (`task` None) or of one of its tasks (which it has): lazr.restful's
/// conditional write and `applyChanges`, with the fields the fake can change. A series task
/// cannot be moved here (Launchpad moves it to another package of its series only, and the
/// bug's other tasks with it).
fn patch(model: &mut Model, call: &Call, id: u64, task: Option<&TaskRef>) -> Answer {
    let kind = if task.is_some() { "bug_task" } else { "bug" };
    let render = |model: &Model| {
        let bug = model.bug(id).expect("checked");
        match task {
            None => model.bug_json(bug, &call.api),
            Some(which) => model.task_json_of(bug, which, &call.api),
        }
    };
    let current = render(model);
    if let Some(header) = call.request.if_match {
        let existing = model::write_portion(current["http_etag"].as_str().expect("entries have ETags"));
        if !etags(header).iter().any(|etag| model::write_portion(etag) == existing) {
            return Ok(Outgoing::empty(412));
        }
    }
    let media_type = call.request.content_type.unwrap_or("application/json");
    if !media_type.starts_with("application/json") {
        return Err(ApiError::new(415, "Expected a media type of application/json."));
    }
    let changeset = match serde_json::from_str::<Value>(call.request.body) {
        Err(_) => return Err(ApiError::new(400, "Entity-body was not a well-formed JSON document.")),
        Ok(Value::Object(changeset)) => changeset,
        Ok(_) => return Err(ApiError::new(400, "Expected a JSON hash.")),
    };
    let wadl = wadl();
    let (mut changes, mut problems) = (Vec::new(), Vec::new());
    // lazr.restful goes through the entry's fields in order, then names what is left over.
    let fields = wadl.fields(&format!("{kind}-full"));
    let nonexistent = changeset.keys().filter(|name| !fields.iter().any(|field| field.name == **name));
    let leftovers: Vec<String> =
        nonexistent.map(|name| format!("{name}: You tried to modify a nonexistent attribute.")).collect();
    for field in fields {
        let name = field.name.as_str();
        let Some(value) = changeset.get(name) else { continue };
        if wadl.field(&format!("{kind}-diff"), name).is_none() {
            if current[name] != *value {
                problems.push(format!("{name}: You tried to modify a read-only attribute."));
            }
            continue;
        }
        if current[name] == *value {
            continue;
        }
        if name == "target_link" && matches!(task, Some(TaskRef::Series(_))) {
            return Err(ApiError::unfaked("moving a series task (`target_link`)"));
        }
        match field_change(call, kind, name, value) {
            Ok(Some(change)) => changes.push(change),
            Ok(None) => return Err(ApiError::unfaked(&format!("changing `{name}`"))),
            Err(problem) => problems.push(problem),
        }
    }
    problems.extend(leftovers);
    if !problems.is_empty() {
        return Err(ApiError::invalid(&problems));
    }
    if !model.supervisor
        && let Some(status) = changes.iter().find_map(|change| match change {
            Change::Status(status) if model::SUPERVISOR_STATUSES.contains(&status.as_str()) => Some(status),
            _ => None,
        })
    {
        // `UserCannotEditBugTaskStatus`, whose error status is 401.
        return Err(ApiError::new(401, format!("Only Bug Supervisors may change status to {status}.")));
    }
    let which = task.cloned().unwrap_or(TaskRef::Main);
    if let Some(refusal) = model.conjoined_refusal(id, &which, &changes) {
        return Err(ApiError::unfaked(&refusal));
    }
    model.apply_to(id, &which, &changes);
    let bug = model.bug(id).expect("checked");
    if changes.iter().any(|change| matches!(change, Change::Package(_))) && task == Some(&TaskRef::Main) {
        return Ok(Outgoing::empty(301).header("Location", format!("{}{}", call.api, Model::task_path(bug))));
    }
    Ok(Outgoing::json(209, &render(model)))
}

/// The change a PATCH asks for with a writable field; `Ok(None)` for fields the fake cannot
/// change.
fn field_change(call: &Call, kind: &str, name: &str, value: &Value) -> Result<Option<Change>, String> {
    let text = || match value {
        Value::String(text) => Ok(text.clone()),
        Value::Null => Err(format!("{name}: Missing required value.")),
        other => Err(format!("{name}: not a unicode string: {other}")),
    };
    let choice = |text: String| {
        let options =
            wadl().field(&format!("{kind}-full"), name).map(|field| field.options.clone()).unwrap_or_default();
        if options.contains(&text) { Ok(text) } else { Err(format!("{name}: {}", invalid_choice(&text, &options))) }
    };
    Ok(Some(match (kind, name) {
        ("bug", "title") => Change::Title(text()?),
        ("bug", "description") => Change::Description(text()?),
        ("bug", "tags") => {
            let Value::Array(items) = value else { return Err(format!("{name}: not a list: {value}")) };
            let mut tags = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(tag) if valid_tag(&tag.to_lowercase()) => tags.push(tag.to_owned()),
                    Some(tag) => return Err(format!("{name}: {}", invalid_tag(tag))),
                    None => return Err(format!("{name}: not a unicode string: {item}")),
                }
            }
            Change::Tags(tags)
        }
        ("bug_task", "status") => Change::Status(choice(text()?)?),
        ("bug_task", "importance") => Change::Importance(choice(text()?)?),
        ("bug_task", "assignee_link") => match value {
            Value::Null => Change::Assignee(None),
            Value::String(link) => Change::Assignee(Some(call.person_of(name, link)?)),
            other => return Err(format!("{name}: No such object \"{other}\".")),
        },
        ("bug_task", "target_link") => match value {
            Value::String(link) => Change::Package(call.package_of(name, link)?),
            _ => return Err(format!("{name}: Missing required value.")),
        },
        _ => return Ok(None),
    }))
}

/// The statuses a search names (an "Incomplete (…)" one matches only that kind of Incomplete).
fn status_matches(bug: &Bug, wanted: &str) -> bool {
    match wanted {
        "Incomplete (with response)" => bug.task.status == "Incomplete" && bug.task.responded,
        "Incomplete (without response)" => bug.task.status == "Incomplete" && !bug.task.responded,
        _ => bug.task.status == wanted,
    }
}

/// `searchTasks`'s parameters the fake filters by; the WADL's others answer 400.
const SEARCH_PARAMS: [&str; 15] = [
    "ws.op",
    "status",
    "importance",
    "assignee",
    "bug_reporter",
    "bug_subscriber",
    "owner",
    "search_text",
    "tags",
    "tags_combinator",
    "order_by",
    "omit_duplicates",
    "modified_since",
    "created_since",
    "created_before",
];

/// The `order_by` keys Launchpad knows (`orderby_expression`); the fake orders by the first four.
const ORDER_KEYS: [&str; 21] = [
    "id",
    "importance",
    "date_last_updated",
    "datecreated",
    "task",
    "assignee",
    "targetname",
    "status",
    "information_type",
    "title",
    "milestone",
    "dateassigned",
    "date_closed",
    "number_of_duplicates",
    "message_count",
    "users_affected_count",
    "heat",
    "latest_patch_uploaded",
    "milestone_name",
    "reporter",
    "tag",
];

/// `searchTasks` on the distribution (`package` None) or one of its source packages: the bugs'
/// main tasks only. Launchpad's search (`bugtasksearch._build_query`) matches
/// `BugTaskFlat.distribution` to the distribution that `BugTaskSearchParams.setDistribution` or
/// `setSourcePackage` set, and a series task has no distribution, only a `distroseries`
/// (`bug_target_to_key`). A series task's change still moves its bug's `date_last_updated`, which
/// `modified_since` compares.
fn search_tasks(model: &Model, call: &Call, package: Option<&str>) -> Answer {
    let form = &call.form;
    let method = wadl().method(
        if package.is_some() { "distribution_source_package" } else { "distribution" },
        "GET",
        Some("searchTasks"),
    );
    let declared: Vec<&str> =
        method.map(|method| method.params.iter().map(|param| param.name.as_str()).collect()).unwrap_or_default();
    if let Some(name) = form.names().into_iter().find(|name| declared.contains(name) && !SEARCH_PARAMS.contains(name)) {
        return Err(ApiError::unfaked(&format!("the searchTasks parameter `{name}`")));
    }
    let mut problems = Vec::new();
    let statuses = form.list("status").unwrap_or_else(|| model::UNRESOLVED.iter().map(|s| (*s).to_owned()).collect());
    let allowed = wadl::search_statuses();
    for status in statuses.iter().filter(|status| !allowed.contains(status)) {
        problems.push(format!("status: {}", invalid_choice(status, &allowed)));
    }
    let importances = form.list("importance");
    let importance_options = wadl().field("bug_task-full", "importance").map(|f| f.options.clone()).unwrap_or_default();
    for importance in importances.iter().flatten().filter(|value| !importance_options.contains(value)) {
        problems.push(format!("importance: {}", invalid_choice(importance, &importance_options)));
    }
    let mut person = |name: &str| -> Option<String> {
        let link = form.text(name)?;
        call.person_of(name, &link).map_err(|problem| problems.push(problem)).ok()
    };
    let (assignee, reporter, subscriber, owner) =
        (person("assignee"), person("bug_reporter"), person("bug_subscriber"), person("owner"));
    let mut date = |name: &str| form.datetime(name).map_err(|problem| problems.push(problem)).ok().flatten();
    let (modified_since, created_since, created_before) =
        (date("modified_since"), date("created_since"), date("created_before"));
    if let Err(problem) = form.boolean("omit_duplicates") {
        problems.push(problem);
    }
    let all_tags = match form.text("tags_combinator").as_deref() {
        None | Some("Any") => false,
        Some("All") => true,
        Some(other) => {
            problems.push(format!("tags_combinator: {}", invalid_choice(other, &["Any".to_owned(), "All".to_owned()])));
            false
        }
    };
    if !problems.is_empty() {
        return Err(ApiError::invalid(&problems));
    }
    let order = form.list("order_by").unwrap_or_else(|| vec!["-importance".to_owned()]);
    for key in &order {
        let name = key.strip_prefix('-').unwrap_or(key);
        if !ORDER_KEYS.contains(&name) {
            return Err(ApiError::new(400, format!("Unrecognized order_by: '{name}'")));
        }
        if !ORDER_KEYS[..4].contains(&name) {
            return Err(ApiError::unfaked(&format!("order_by={key}")));
        }
    }
    let search = form.text("search_text").filter(|text| !text.is_empty()).map(|text| text.to_lowercase());
    let tags = form.list("tags").unwrap_or_default();
    let mut bugs: Vec<&Bug> = model
        .bugs
        .iter()
        .filter(|bug| package.is_none_or(|package| bug.task.package == package))
        .filter(|bug| statuses.iter().any(|status| status_matches(bug, status)))
        .filter(|bug| importances.as_ref().is_none_or(|wanted| wanted.contains(&bug.task.importance)))
        .filter(|bug| assignee.as_ref().is_none_or(|name| bug.task.assignee.as_ref() == Some(name)))
        .filter(|bug| reporter.as_ref().is_none_or(|name| bug.owner == *name))
        .filter(|bug| owner.as_ref().is_none_or(|name| bug.task.owner == *name))
        .filter(|bug| subscriber.as_ref().is_none_or(|name| bug.subscriptions.iter().any(|sub| sub.person == *name)))
        .filter(|bug| {
            search.as_ref().is_none_or(|text| {
                bug.title.to_lowercase().contains(text) || bug.description.to_lowercase().contains(text)
            })
        })
        .filter(|bug| tags.is_empty() || tags_match(&bug.tags, &tags, all_tags))
        .filter(|bug| modified_since.is_none_or(|since| bug.date_last_updated > since))
        .filter(|bug| created_since.is_none_or(|since| bug.task.date_created > since))
        .filter(|bug| created_before.is_none_or(|before| bug.task.date_created < before))
        .collect();
    let first_descending = order.first().is_some_and(|key| key.starts_with('-'));
    bugs.sort_by(|a, b| {
        let mut ordering = Ordering::Equal;
        for key in &order {
            let by = match key.trim_start_matches('-') {
                "importance" => importance_value(&a.task.importance).cmp(&importance_value(&b.task.importance)),
                "date_last_updated" => a.date_last_updated.cmp(&b.date_last_updated),
                "datecreated" => a.task.date_created.cmp(&b.task.date_created),
                _ => a.id.cmp(&b.id),
            };
            ordering = ordering.then(if key.starts_with('-') { by.reverse() } else { by });
        }
        // Launchpad's disambiguator: the task, against the first key's direction.
        ordering.then(if first_descending { a.id.cmp(&b.id) } else { b.id.cmp(&a.id) })
    });
    let entries = bugs.iter().map(|bug| model.task_json(bug, &call.api)).collect();
    call.batch(entries, None, true)
}

/// `_build_tag_search_clause`: `-tag` excludes, `*` is any tag and `-*` none; with All every
/// condition must hold, with Any one.
fn tags_match(bug_tags: &[String], wanted: &[String], all: bool) -> bool {
    let holds = |tag: &String| match tag.as_str() {
        "*" => !bug_tags.is_empty(),
        "-*" => bug_tags.is_empty(),
        _ => match tag.strip_prefix('-') {
            Some(excluded) => !bug_tags.iter().any(|has| has == excluded),
            None => bug_tags.contains(tag),
        },
    };
    if all { wanted.iter().all(holds) } else { wanted.iter().any(holds) }
}
