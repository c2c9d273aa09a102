//! The board's routes: the page and its assets, the JSON the page reads (`meta`, `board`,
//! `column`, `record`, `search`, `milestone`, `status`), the event stream of changes, and the
//! changes themselves, each one of [`crate::change`]'s operations. Errors are JSON
//! `{"error", "hint"}` with a status that says whose fault it is; a refusal by the workflow
//! (409) carries the diagnostics and the fields the change lacks, which the page asks for.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Shared;
use super::board::{self, Filters, Slice};
use crate::change::{self, ChangeError, Move};
use crate::context::Context;
use crate::diagnostic::Diagnostic;
use crate::format::fields::LONG_TEXT;
use crate::history::History;
use crate::index::{IndexError, SearchIndex, Sort};
use crate::model::{Body, Health, Kind};
use crate::select::SelectError;
use crate::store::StoreError;
use crate::tracker::{Tracker, TrackerError};

const PAGE: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/board.js");
const STYLE: &str = include_str!("assets/board.css");

/// How many cards a column shows before the page asks for more.
const COLUMN_PAGE: usize = 50;
/// The most a request may ask for at once.
const MOST: usize = 500;

pub async fn page() -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response()
}

pub async fn script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT).into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

pub async fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "no such page", "the board's page is /").into_response()
}

/// A failed request: its status and what to tell the person.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: Value,
}

impl ApiError {
    fn new(status: StatusCode, error: impl Into<String>, hint: impl Into<String>) -> Self {
        Self { status, body: json!({ "error": error.into(), "hint": hint.into() }) }
    }

    fn bad(error: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, hint)
    }

    fn internal(error: impl std::fmt::Display) -> Self {
        Self { status: StatusCode::INTERNAL_SERVER_ERROR, body: json!({ "error": error.to_string(), "hint": null }) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = match rejection {
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        Self::new(
            status,
            rejection.body_text(),
            "send a JSON object with `Content-Type: application/json`, as the board's page does",
        )
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad(rejection.body_text(), "offset and limit are whole numbers; the other parameters are text")
    }
}

/// A JSON body, refused as an [`ApiError`] (JSON, with a hint) rather than axum's plain text.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(request, state).await.map(|Json(body)| JsonBody(body)).map_err(ApiError::from)
    }
}

/// A query string, refused as an [`ApiError`].
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state).await.map(|Query(query)| Params(query)).map_err(ApiError::from)
    }
}

impl From<TrackerError> for ApiError {
    fn from(error: TrackerError) -> Self {
        let (status, hint) = match &error {
            TrackerError::NoSuchRecord(_) => (StatusCode::NOT_FOUND, Some("search for it, or pick a card")),
            TrackerError::InvalidId { .. } => {
                (StatusCode::BAD_REQUEST, Some("ids are lowercase letters, digits and `-`"))
            }
            TrackerError::Ambiguous { .. } => (StatusCode::BAD_REQUEST, Some("give more characters of the id")),
            TrackerError::Policy(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, Some("fix docket.toml (`docket check` shows where)"))
            }
            TrackerError::NotATracker(_) => {
                (StatusCode::NOT_FOUND, Some("the tracker is gone: restart `docket serve` in one"))
            }
            _ => (StatusCode::INTERNAL_SERVER_ERROR, None),
        };
        let message = match &error {
            TrackerError::Read { source, .. } | TrackerError::Write { source, .. } => format!("{error}: {source}"),
            _ => error.to_string(),
        };
        Self { status, body: json!({ "error": message, "hint": hint }) }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        TrackerError::Store(error).into()
    }
}

impl From<IndexError> for ApiError {
    fn from(error: IndexError) -> Self {
        match error {
            IndexError::Query(error) => {
                Self::bad(format!("the search is not understood: {}", error.message), error.hint)
            }
            IndexError::Store(error) => error.into(),
            other => Self::internal(other),
        }
    }
}

impl From<SelectError> for ApiError {
    fn from(error: SelectError) -> Self {
        match error {
            SelectError::Index(error) => error.into(),
            SelectError::Tracker(error) => error.into(),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(error: ChangeError) -> Self {
        let missing = error.missing();
        match error {
            ChangeError::Tracker(error) => error.into(),
            ChangeError::Usage { message, hint } => Self::bad(message, hint),
            ChangeError::Incomplete { message, hint, missing } => {
                let text = format!("error: {message}\nhint: {hint}\n");
                Self {
                    status: StatusCode::CONFLICT,
                    body: json!({ "error": message, "hint": hint, "diagnostics": [], "missing": missing, "text": text }),
                }
            }
            ChangeError::Unreadable(diagnostics) => refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                "the record has problems to fix first",
                None,
                &diagnostics,
                &missing,
            ),
            ChangeError::Invalid { path, why, diagnostics } => refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{path} was not changed: {why}"),
                None,
                &diagnostics,
                &missing,
            ),
            ChangeError::Refused { diagnostics, note, summary } => {
                refusal(StatusCode::CONFLICT, &summary, note.as_deref(), &diagnostics, &missing)
            }
        }
    }
}

/// A change refused for `diagnostics`: their list, the fields missing, and the text the
/// command line prints (without colour).
fn refusal(
    status: StatusCode,
    error: &str,
    note: Option<&str>,
    diagnostics: &[Diagnostic],
    missing: &[String],
) -> ApiError {
    let mut text = crate::diagnostic::render_all(diagnostics, &crate::diagnostic::Plain);
    if let Some(note) = note {
        let _ = writeln!(text, "note: {note}");
    }
    let _ = writeln!(text, "error: {error}");
    ApiError {
        status,
        body: json!({
            "error": error,
            "hint": note,
            "diagnostics": diagnostics,
            "missing": missing,
            "text": text,
        }),
    }
}

/// Runs `work` off the async threads, with the tracker found again (its `docket.toml` may
/// have changed) and a context whose clock is read again.
async fn blocking<F>(shared: Arc<Shared>, work: F) -> Response
where
    F: FnOnce(&Shared, &Tracker, &Context) -> Result<Value, ApiError> + Send + 'static,
{
    let answer = tokio::task::spawn_blocking(move || {
        let tracker = Tracker::discover(&shared.start)?;
        work(&shared, &tracker, &shared.context.ticked())
    })
    .await;
    match answer {
        Ok(Ok(value)) => Json(value).into_response(),
        Ok(Err(error)) => error.into_response(),
        Err(error) => ApiError::internal(format!("the request failed inside docket: {error}")).into_response(),
    }
}

/// The index, brought up to date (the board's own watcher vouches for it, so this compares
/// only what changed), for `work`.
fn with_index<T>(
    shared: &Shared,
    tracker: &Tracker,
    work: impl FnOnce(&SearchIndex) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut kept = shared.index.lock().map_err(|_| ApiError::internal("the index's lock is poisoned"))?;
    let index = match kept.as_mut() {
        Some(index) => index,
        None => kept.insert(SearchIndex::open(tracker)?.with_limits(shared.context.index_limits())),
    };
    index.refresh(tracker, &|_, _| {})?;
    work(index)
}

/// The paths (relative to the tracker root) whose work-tree version is not `HEAD`'s, with how
/// they differ. Asking git costs a pass over git's index (150 ms at 100,000 files), so the
/// answer is kept until something it depends on moves: `HEAD`, git's index file (`git add`),
/// or the record files (a fold of the watcher, or a change the board made).
fn uncommitted(shared: &Shared, tracker: &Tracker) -> Result<Arc<super::Changes>, ApiError> {
    let key = super::Uncommitted {
        head: tracker.repo.head(),
        index: std::fs::metadata(tracker.repo.index_file()).and_then(|m| m.modified()).ok(),
        files: shared.files_changed.load(std::sync::atomic::Ordering::SeqCst),
    };
    let mut kept = shared.uncommitted.lock().map_err(|_| ApiError::internal("a lock is poisoned"))?;
    // Without a live watcher, an editor's save would not be seen: ask every time.
    if let Some((known, answer)) = kept.as_ref()
        && *known == key
        && shared.live()
    {
        return Ok(Arc::clone(answer));
    }
    let folders: Vec<String> = Kind::ALL.iter().map(|k| format!("{}{}/", tracker.prefix, k.folder())).collect();
    let answer: Arc<Vec<_>> = Arc::new(
        tracker
            .repo
            .uncommitted(&folders)?
            .into_iter()
            .filter_map(|(path, how)| path.strip_prefix(&tracker.prefix).map(|p| (p.to_owned(), how)))
            .collect(),
    );
    *kept = Some((key, Arc::clone(&answer)));
    Ok(answer)
}

pub async fn meta(State(shared): State<Arc<Shared>>) -> Response {
    blocking(shared, |shared, tracker, _| {
        with_index(shared, tracker, |index| {
            let mut kinds = Vec::new();
            let mut most = (0, Kind::Issue);
            for kind in Kind::ALL {
                let workflow = tracker.workflow(kind);
                let count = index.count(&crate::index::query::Expr::keyword("kind", kind.name()))?;
                if count > most.0 {
                    most = (count, kind);
                }
                kinds.push(json!({
                    "kind": kind.name(),
                    "workflow": workflow.name,
                    "field": workflow.field,
                    "states": workflow.states.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
                    "records": count,
                }));
            }
            let milestones = crate::select::load_narrowed(
                tracker,
                index,
                &crate::index::query::Expr::keyword("kind", Kind::Milestone.name()),
            )?;
            let mut milestones: Vec<Value> =
                milestones.records.iter().map(|m| json!({ "id": m.id, "title": m.title() })).collect();
            milestones.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            let mut assignees: BTreeSet<String> = index.values("assignee")?;
            assignees.extend(tracker.config().members.iter().cloned());
            Ok(json!({
                "root": tracker.root,
                "kinds": kinds,
                "default_kind": most.1.name(),
                "milestones": milestones,
                "assignees": assignees,
                "labels": index.values("label")?,
                "types": crate::model::IssueType::NAMES,
                "live": shared.live(),
            }))
        })
    })
    .await
}

/// The board's query string.
#[derive(Debug, Deserialize, Default)]
pub struct BoardQuery {
    kind: Option<String>,
    milestone: Option<String>,
    assignee: Option<String>,
    label: Option<String>,
    #[serde(rename = "type")]
    issue_type: Option<String>,
    q: Option<String>,
    state: Option<String>,
    offset: Option<usize>,
    limit: Option<usize>,
}

impl BoardQuery {
    fn kind(&self) -> Result<Kind, ApiError> {
        match self.kind.as_deref().filter(|k| !k.is_empty()) {
            None => Ok(Kind::Issue),
            Some(name) => Kind::from_name(name)
                .ok_or_else(|| ApiError::bad(format!("there is no kind `{name}`"), "use issue, mir or milestone")),
        }
    }

    fn filters(&self) -> Filters {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.trim().is_empty());
        Filters {
            milestone: given(&self.milestone),
            assignee: given(&self.assignee),
            label: given(&self.label),
            issue_type: given(&self.issue_type),
            q: given(&self.q),
        }
    }

    fn limit(&self) -> usize {
        self.limit.unwrap_or(COLUMN_PAGE).clamp(1, MOST)
    }
}

pub async fn board(State(shared): State<Arc<Shared>>, Params(query): Params<BoardQuery>) -> Response {
    blocking(shared, move |shared, tracker, _| {
        let kind = query.kind()?;
        let filters = query.filters();
        let changed = uncommitted(shared, tracker)?;
        let workflow = tracker.workflow(kind);
        with_index(shared, tracker, |index| {
            let mut columns = Vec::new();
            for state in &workflow.states {
                let slice = Slice { state: &state.name, offset: 0, limit: query.limit() };
                let page = board::column(tracker, index, kind, &filters, &slice, &changed)?;
                columns.push(json!({ "state": state.name, "total": page.total, "cards": page.cards }));
            }
            Ok(json!({ "kind": kind.name(), "workflow": workflow.name, "columns": columns }))
        })
    })
    .await
}

pub async fn column(State(shared): State<Arc<Shared>>, Params(query): Params<BoardQuery>) -> Response {
    blocking(shared, move |shared, tracker, _| {
        let kind = query.kind()?;
        let Some(state) = query.state.clone().filter(|s| tracker.workflow(kind).state(s).is_some()) else {
            return Err(ApiError::bad(
                format!(
                    "the `{}` workflow has no state `{}`",
                    tracker.workflow(kind).name,
                    query.state.as_deref().unwrap_or("")
                ),
                "name one of the board's columns",
            ));
        };
        let changed = uncommitted(shared, tracker)?;
        with_index(shared, tracker, |index| {
            let slice = Slice { state: &state, offset: query.offset.unwrap_or(0), limit: query.limit() };
            let page = board::column(tracker, index, kind, &query.filters(), &slice, &changed)?;
            Ok(json!({ "state": state, "total": page.total, "cards": page.cards }))
        })
    })
    .await
}

pub async fn record(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    blocking(shared, move |shared, tracker, _| {
        let file = tracker.resolve(&id)?;
        let (record, diagnostics, source) = tracker.load(&file)?;
        let Some(record) = record else {
            return Err(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{} has problems to fix first", file.path),
                None,
                &diagnostics,
                &[],
            ));
        };
        let workflow = tracker.workflow(file.kind);
        let changed = uncommitted(shared, tracker)?.iter().any(|(path, _)| *path == file.path);
        Ok(json!({
            "record": crate::json::record_to_json(&record),
            "state": workflow.state_of(&record),
            "workflow": workflow.name,
            "states": workflow.states.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            "html": rendered(&record),
            "fields": fields(&source),
            "uncommitted": changed,
        }))
    })
    .await
}

/// The record's text as HTML: its long fields, comments and updates.
fn rendered(record: &crate::model::Record) -> Value {
    let html = super::markdown::to_html;
    let mut out = serde_json::Map::new();
    for name in LONG_TEXT {
        if let Some(text) = record.fields.get(*name).and_then(toml::Value::as_str) {
            out.insert((*name).to_owned(), Value::String(html(text)));
        }
    }
    // Comments and updates as `--json` gives them (dates written the same way), with HTML.
    let json = crate::json::record_to_json(record);
    for list in ["comments", "updates"] {
        let entries: Vec<Value> = json[list]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        let mut entry = entry.clone();
                        let text = entry["text"].as_str().map(html).unwrap_or_default();
                        entry["html"] = Value::String(text);
                        entry
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.insert(list.to_owned(), Value::Array(entries));
    }
    Value::Object(out)
}

/// The fields the board edits as text: the file's top-level values that are not long text or
/// tables, each as the right-hand side of `docket set FIELD=VALUE` (lists joined by commas).
fn fields(source: &str) -> Vec<Value> {
    let Ok(table) = source.parse::<toml::Table>() else { return Vec::new() };
    table
        .iter()
        .filter(|(name, _)| !LONG_TEXT.contains(&name.as_str()))
        .filter_map(|(name, value)| {
            let text = match value {
                toml::Value::String(text) if !text.contains('\n') => text.clone(),
                toml::Value::Integer(_)
                | toml::Value::Float(_)
                | toml::Value::Boolean(_)
                | toml::Value::Datetime(_) => value.to_string(),
                toml::Value::Array(items) if items.iter().all(toml::Value::is_str) => {
                    items.iter().filter_map(toml::Value::as_str).collect::<Vec<_>>().join(",")
                }
                _ => return None,
            };
            Some(json!({ "name": name, "value": text }))
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: String,
    limit: Option<usize>,
}

pub async fn search(State(shared): State<Arc<Shared>>, Params(query): Params<SearchQuery>) -> Response {
    blocking(shared, move |shared, tracker, _| {
        with_index(shared, tracker, |index| {
            let results = index.search(&query.q, Sort::Relevance, Some(query.limit.unwrap_or(20).clamp(1, MOST)))?;
            let files: Vec<crate::tracker::RecordFile> = results
                .hits
                .iter()
                .filter_map(|hit| {
                    let (kind, _) = crate::check::record_at(&hit.path)?;
                    Some(crate::tracker::RecordFile { kind, id: hit.id.clone(), path: hit.path.clone() })
                })
                .collect();
            let loaded = tracker.load_files(&files);
            // In the order of relevance; a file that is no valid record is left out.
            let hits: Vec<Value> = files
                .iter()
                .filter_map(|file| loaded.records.iter().find(|r| r.path == file.path))
                .map(|record| {
                    let state = tracker.workflow(record.kind()).state_of(record);
                    json!({ "id": record.id, "path": record.path, "kind": record.kind().name(), "title": record.title(), "state": state })
                })
                .collect();
            Ok(json!({ "total": results.total, "hits": hits }))
        })
    })
    .await
}

pub async fn milestone(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    blocking(shared, move |shared, tracker, context| {
        let now = context.now();
        let file = tracker.resolve(&id)?;
        if file.kind != Kind::Milestone {
            return Err(ApiError::bad(
                format!("`{}` is {}, not a milestone", file.id, file.kind.a_noun()),
                "pick a milestone",
            ));
        }
        let loaded =
            with_index(shared, tracker, |index| Ok(crate::select::plan_records(tracker, index, Some(&file.id), now)?))?;
        let Some(Body::Milestone(milestone)) = loaded.records.iter().find(|r| r.id == file.id).map(|r| &r.body) else {
            return Err(refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{} has problems to fix first", file.path),
                None,
                &loaded.diagnostics,
                &[],
            ));
        };
        // The charts read every record's history (cached by commit); the plan only its own.
        let history = History::load(&tracker.repo, &tracker.prefix)?;
        let plan = crate::select::plan_of(tracker, &loaded, &file.id, &history, now);
        let settings = crate::plan::Settings::from_config(tracker.config());
        let done = crate::plan::done_stages(tracker.config());
        let burndown =
            crate::report::burndown_chart(&history, &file.id, milestone, now, &done, &settings.deliverable_label);
        let order: Vec<String> = tracker.workflow(Kind::Issue).states.iter().map(|s| s.name.clone()).collect();
        let flow = crate::report::flow_chart(&history, now, &order);
        let record = loaded.records.iter().find(|r| r.id == file.id).map(crate::json::record_to_json);
        Ok(json!({
            "record": record,
            "plan": plan.map(|p| serde_json::to_value(p).expect("a plan serialises")),
            "burndown_svg": burndown,
            "flow_svg": flow,
        }))
    })
    .await
}

pub async fn status(State(shared): State<Arc<Shared>>) -> Response {
    blocking(shared, |shared, tracker, _| {
        let changed = uncommitted(shared, tracker)?;
        let command = (!changed.is_empty()).then(|| {
            let paths: Vec<&str> = changed.iter().map(|(path, _)| path.as_str()).collect();
            let message = match changed.as_slice() {
                [(path, _)] => format!("Update {path}"),
                _ => format!("Update {} records", changed.len()),
            };
            format!("git add -- {0} && git commit -m \"{message}\" -- {0}", paths.join(" "))
        });
        Ok(json!({
            "uncommitted": changed.iter().map(|(path, how)| json!({ "path": path, "status": how })).collect::<Vec<_>>(),
            "command": command,
            "live": shared.live(),
            "live_error": shared.watcher_error.lock().ok().and_then(|e| e.clone()),
        }))
    })
    .await
}

/// The changes on disk, as server-sent events (`change`, with the paths), from the watcher.
pub async fn events(State(shared): State<Arc<Shared>>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = shared.changes.subscribe();
    let hello = stream::once(async { Ok(Event::default().event("hello").data("{}")) });
    let changes = stream::unfold(receiver, |mut receiver| async move {
        let message = match receiver.recv().await {
            Ok(message) => message,
            // Missed some: every card may have changed.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => r#"{"paths":[],"all":true}"#.to_owned(),
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok(Event::default().event("change").data(message)), receiver))
    });
    Sse::new(futures_util::StreamExt::chain(hello, changes)).keep_alive(KeepAlive::default())
}

#[derive(Debug, Deserialize)]
pub struct MoveBody {
    state: String,
    #[serde(default)]
    assignments: Vec<String>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SetBody {
    #[serde(default)]
    assignments: Vec<String>,
    #[serde(default)]
    unset: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct TextBody {
    text: String,
    health: Option<String>,
}

/// The answer to a change that was made (which the uncommitted files are is asked again).
fn changed(shared: &Shared, changed: &change::Changed) -> Value {
    shared.files_changed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let diff =
        similar::TextDiff::from_lines(&changed.before, &changed.after).unified_diff().context_radius(2).to_string();
    json!({
        "record": changed.record.as_ref().map(crate::json::record_to_json),
        "diff": diff,
        "message": changed.summary,
        "warnings": changed.warnings,
    })
}

pub async fn move_record(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<MoveBody>,
) -> Response {
    blocking(shared, move |shared, tracker, context| {
        let request = Move {
            author: body.message.as_ref().and_then(|_| change::author(tracker, context, None)),
            state: body.state,
            assignments: body.assignments,
            message: body.message,
        };
        Ok(changed(shared, &change::move_record(tracker, context, &id, &request)?))
    })
    .await
}

pub async fn set(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<SetBody>,
) -> Response {
    blocking(shared, move |shared, tracker, context| {
        Ok(changed(shared, &change::set_fields(tracker, context, &id, &body.assignments, &body.unset)?))
    })
    .await
}

pub async fn comment(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    blocking(shared, move |shared, tracker, context| {
        let file = tracker.resolve(&id)?;
        let author = change::author(tracker, context, None);
        Ok(changed(shared, &change::comment(tracker, context, &file, author.as_deref(), &body.text)?))
    })
    .await
}

pub async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<TextBody>,
) -> Response {
    blocking(shared, move |shared, tracker, context| {
        let health = match body.health.as_deref().filter(|h| !h.is_empty()) {
            None => None,
            Some(name) => Some(Health::from_name(name).ok_or_else(|| {
                ApiError::bad(format!("there is no health `{name}`"), "use on_track, needs_attention or at_risk")
            })?),
        };
        let author = change::author(tracker, context, None);
        Ok(changed(shared, &change::update(tracker, context, &id, author.as_deref(), health, &body.text)?))
    })
    .await
}
