//! The REST API v4 of the fake GitLab: authentication, routing, the list endpoints' filters and
//! orders, offset pagination (`X-*` and `Link` headers, totals dropped past a limit) and keyset
//! pagination (`pagination=keyset`, a `cursor` in the `rel="next"` link). Independent of the
//! HTTP server: a request in, a status, headers and body out.

use std::cmp::Ordering;
use std::ops::Range;

use serde_json::{Value, json};

use super::model::{self, Issue, Model, PROJECT_ID, PROJECT_PATH, TOKEN};
use super::params::{ApiError, Params, decode_component};
use super::time;

/// Response headers, in order.
pub type Headers = Vec<(String, String)>;

/// What the server knobs say about pagination.
pub struct Paging {
    /// Kaminari's `max_per_page` (GitLab: 100).
    pub per_page_max: usize,
    /// Above this many rows, offset pagination drops `X-Total`, `X-Total-Pages` and the `last`
    /// link (GitLab: 10,000).
    pub total_limit: usize,
}

/// One request, as the API sees it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub body: &'a str,
    pub private_token: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

/// The answer to one request.
pub struct Outgoing {
    pub status: u16,
    pub headers: Headers,
    pub body: String,
    /// Whether this request created an issue (the stall counts these).
    pub created_issue: bool,
}

impl Outgoing {
    fn json(status: u16, body: &Value) -> Self {
        Self { status, headers: Vec::new(), body: body.to_string(), created_issue: false }
    }
}

impl From<ApiError> for Outgoing {
    fn from(error: ApiError) -> Self {
        Self::json(error.status, &error.body)
    }
}

type Answer = Result<Outgoing, ApiError>;

/// Answers one request.
pub fn handle(model: &mut Model, paging: &Paging, request: &Incoming) -> Outgoing {
    route(model, paging, request).unwrap_or_else(Outgoing::from)
}

fn authenticated(request: &Incoming) -> bool {
    let bearer = request.authorization.and_then(|value| value.strip_prefix("Bearer ")).map(str::trim);
    request.private_token.or(bearer) == Some(TOKEN)
}

fn route_not_found() -> ApiError {
    ApiError { status: 404, body: json!({ "error": "404 Not Found" }) }
}

fn not_allowed() -> ApiError {
    ApiError { status: 405, body: json!({ "error": "405 Not Allowed" }) }
}

/// A path segment that must be an integer (Grape: `issue_iid is invalid`).
fn id_segment(segment: &str, name: &str) -> Result<u64, ApiError> {
    segment.parse().map_err(|_| ApiError::grape(format!("{name} is invalid")))
}

fn route(model: &mut Model, paging: &Paging, request: &Incoming) -> Answer {
    let segments: Vec<String> =
        request.path.split('/').skip(1).map(|segment| decode_component(segment, false)).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ["api", "v4", rest @ ..] = segments.as_slice() else { return Err(route_not_found()) };
    if !authenticated(request) {
        return Err(ApiError::message(401, "401 Unauthorized"));
    }
    let mut params = Params::from_request(request.query, request.content_type, request.body)?;
    let bot = model::USERS[0].id;
    let method = request.method;
    let list = |model: &Model, params: &mut Params, rows: Vec<Value>| -> Answer {
        let (range, headers) = offset_page(model, paging, request.path, params, rows.len())?;
        Ok(Outgoing { headers, ..Outgoing::json(200, &Value::Array(rows[range].to_vec())) })
    };
    match rest {
        ["user"] if method == "GET" => Ok(Outgoing::json(200, &model.current_user_json(bot))),
        ["users"] if method == "GET" => {
            let username = params.string("username")?.value();
            let rows = model::USERS
                .iter()
                .filter(|user| username.as_ref().is_none_or(|name| user.username.eq_ignore_ascii_case(name)))
                .map(|user| model.user_json(user.id))
                .collect();
            list(model, &mut params, rows)
        }
        ["user" | "users"] => Err(not_allowed()),
        ["projects", project, rest @ ..] => {
            if *project != PROJECT_ID.to_string() && !project.eq_ignore_ascii_case(PROJECT_PATH) {
                return Err(ApiError::not_found("Project"));
            }
            params.set("id", json!(project));
            project_route(model, paging, request, &mut params, rest)
        }
        _ => Err(route_not_found()),
    }
}

fn project_route(model: &mut Model, paging: &Paging, request: &Incoming, params: &mut Params, rest: &[&str]) -> Answer {
    let bot = model::USERS[0].id;
    let method = request.method;
    let list = |model: &Model, params: &mut Params, rows: Vec<Value>| -> Answer {
        let (range, headers) = offset_page(model, paging, request.path, params, rows.len())?;
        Ok(Outgoing { headers, ..Outgoing::json(200, &Value::Array(rows[range].to_vec())) })
    };
    match (method, rest) {
        ("GET", []) => Ok(Outgoing::json(200, &model.project_json())),
        ("GET", ["issues"]) => list_issues(model, paging, request, params),
        ("POST", ["issues"]) => {
            let iid = model.create_issue(bot, params)?;
            let issue = model.issue(iid).expect("just created");
            Ok(Outgoing { created_issue: true, ..Outgoing::json(201, &model.issue_json(issue, true, false)) })
        }
        ("GET", ["issues", iid]) => {
            let iid = id_segment(iid, "issue_iid")?;
            let issue = model.issue(iid).ok_or_else(ApiError::record_not_found)?;
            Ok(Outgoing::json(200, &model.issue_json(issue, true, false)))
        }
        ("PUT", ["issues", iid]) => {
            let iid = id_segment(iid, "issue_iid")?;
            model.update_issue(iid, bot, params, false)?;
            Ok(Outgoing::json(200, &model.issue_json(model.issue(iid).expect("updated"), true, false)))
        }
        ("GET", ["issues", iid, "notes"]) => {
            let iid = id_segment(iid, "noteable_id")?;
            if model.issue(iid).is_none() {
                return Err(ApiError::not_found("Issue"));
            }
            let order_by =
                params.choice("order_by", &["created_at", "updated_at"])?.unwrap_or_else(|| "created_at".into());
            let ascending = params.choice("sort", &["asc", "desc"])?.as_deref() == Some("asc");
            let filter = params.choice("activity_filter", &["all_notes", "only_comments", "only_activity"])?;
            let mut notes: Vec<&model::Note> = model
                .notes
                .iter()
                .filter(|note| note.issue_iid == iid)
                .filter(|note| match filter.as_deref() {
                    Some("only_comments") => !note.system,
                    Some("only_activity") => note.system,
                    _ => true,
                })
                .collect();
            notes.sort_by_key(|note| {
                (if order_by == "updated_at" { note.updated_at } else { note.created_at }, note.id)
            });
            if !ascending {
                notes.reverse();
            }
            let rows = notes.iter().map(|note| model.note_json(note)).collect();
            params.set("noteable_id", json!(iid.to_string()));
            params.set("noteable_type", json!("issues"));
            params.set_default("order_by", json!("created_at"));
            params.set_default("sort", json!("desc"));
            params.set_default("activity_filter", json!("all_notes"));
            list(model, params, rows)
        }
        ("POST", ["issues", iid, "notes"]) => {
            let iid = id_segment(iid, "noteable_id")?;
            let id = model.create_note(iid, bot, params, false)?;
            let note = model.notes.iter().find(|note| note.id == id).expect("just created");
            Ok(Outgoing::json(201, &model.note_json(note)))
        }
        ("GET", ["milestones"]) => {
            let state = params.choice("state", &["active", "closed", "all"])?;
            let title = params.string("title")?.value();
            let search = params.string("search")?.value().map(|text| text.to_lowercase());
            let iids = params.integer_list("iids")?.value();
            let updated_after = params.datetime("updated_after")?;
            let updated_before = params.datetime("updated_before")?;
            let mut milestones: Vec<&model::Milestone> = model
                .milestones
                .iter()
                .filter(|milestone| match state.as_deref() {
                    Some("active") => milestone.active,
                    Some("closed") => !milestone.active,
                    _ => true,
                })
                .filter(|milestone| title.as_ref().is_none_or(|title| milestone.title == *title))
                .filter(|milestone| {
                    search.as_ref().is_none_or(|search| {
                        milestone.title.to_lowercase().contains(search)
                            || milestone.description.as_ref().is_some_and(|text| text.to_lowercase().contains(search))
                    })
                })
                .filter(|milestone| {
                    iids.as_ref().is_none_or(|iids| iids.iter().any(|iid| u64::try_from(*iid) == Ok(milestone.iid)))
                })
                .filter(|milestone| updated_after.is_none_or(|after| milestone.updated_at >= after))
                .filter(|milestone| updated_before.is_none_or(|before| milestone.updated_at <= before))
                .collect();
            // MilestonesFinder: due date ascending, undated last, then title.
            milestones.sort_by(|a, b| {
                match (&a.due_date, &b.due_date) {
                    (Some(x), Some(y)) => x.cmp(y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                    (None, None) => Ordering::Equal,
                }
                .then_with(|| a.title.cmp(&b.title))
                .then(a.id.cmp(&b.id))
            });
            let rows = milestones.iter().map(|milestone| model.milestone_json(milestone)).collect();
            params.set_default("state", json!("all"));
            list(model, params, rows)
        }
        ("POST", ["milestones"]) => {
            let id = model.create_milestone(params)?;
            Ok(Outgoing::json(201, &model.milestone_json(model.milestone(id).expect("just created"))))
        }
        ("GET", ["milestones", id]) => {
            let id = id_segment(id, "milestone_id")?;
            let milestone = model.milestone(id).ok_or_else(ApiError::record_not_found)?;
            Ok(Outgoing::json(200, &model.milestone_json(milestone)))
        }
        ("PUT", ["milestones", id]) => {
            let id = id_segment(id, "milestone_id")?;
            model.update_milestone(id, params)?;
            Ok(Outgoing::json(200, &model.milestone_json(model.milestone(id).expect("updated"))))
        }
        ("GET", ["labels"]) => {
            let with_counts = params.boolean("with_counts")?.value().unwrap_or(false);
            let search = params.string("search")?.value().map(|text| text.to_lowercase());
            let mut labels: Vec<&model::Label> = model
                .labels
                .iter()
                .filter(|label| search.as_ref().is_none_or(|search| label.name.to_lowercase().contains(search)))
                .collect();
            labels.sort_by(|a, b| a.name.cmp(&b.name));
            let rows = labels.iter().map(|label| model.label_json(label, with_counts)).collect();
            params.set_default("with_counts", json!(false));
            params.set_default("include_ancestor_groups", json!(true));
            list(model, params, rows)
        }
        ("POST", ["labels"]) => {
            let id = model.create_label(params)?;
            let label = model.labels.iter().find(|label| label.id == id).expect("just created");
            Ok(Outgoing::json(201, &model.label_json(label, false)))
        }
        (_, [] | ["issues" | "milestones" | "labels"] | ["issues" | "milestones", _] | ["issues", _, "notes"]) => {
            Err(not_allowed())
        }
        _ => Err(route_not_found()),
    }
}

/// The issue list's parameters GitLab has but this fake does not filter by: answered with 501.
const UNFAKED_ISSUE_FILTERS: &[&str] = &[
    "closed_by_id",
    "due_date",
    "milestone_id",
    "my_reaction_emoji",
    "weight",
    "epic_id",
    "health_status",
    "iteration_id",
    "iteration_title",
    "not",
];

/// The orders keyset pagination supports for issues here (GitLab drops `pagination=keyset` for
/// the others and pages by offset).
const KEYSET_ORDERS: &[&str] = &["created_at", "updated_at"];

fn list_issues(model: &Model, paging: &Paging, request: &Incoming, params: &mut Params) -> Answer {
    if let Some(name) =
        params.names().find(|name| UNFAKED_ISSUE_FILTERS.contains(&name.as_str()) || name.starts_with("not["))
    {
        return Err(ApiError::unfaked(&format!("the issue filter `{name}`")));
    }
    if params
        .choice("scope", &["created-by-me", "assigned-to-me", "created_by_me", "assigned_to_me", "all"])?
        .as_deref()
        .is_some_and(|scope| scope != "all")
    {
        return Err(ApiError::unfaked("issue scopes other than `all`"));
    }
    let state = params.choice("state", &["opened", "closed", "all"])?;
    let order_by = params
        .choice(
            "order_by",
            &[
                "created_at",
                "due_date",
                "label_priority",
                "milestone_due",
                "popularity",
                "priority",
                "relative_position",
                "title",
                "updated_at",
                "weight",
            ],
        )?
        .unwrap_or_else(|| "created_at".to_owned());
    if !["created_at", "updated_at", "title", "due_date", "weight"].contains(&order_by.as_str()) {
        return Err(ApiError::unfaked(&format!("order_by={order_by}")));
    }
    let ascending = params.choice("sort", &["asc", "desc"])?.as_deref() == Some("asc");
    let issue_type = params.choice("issue_type", model::ISSUE_TYPES)?;
    let labels = params.names_list("labels")?.value();
    let milestone = params.string("milestone")?.value();
    let iids = params.integer_list("iids")?.value();
    let search = params.string("search")?.value().filter(|text| !text.is_empty()).map(|text| text.to_lowercase());
    let search_in = params.string("in")?.value().unwrap_or_else(|| "title,description".to_owned());
    let author_id = params.integer("author_id")?.value();
    let author_username = params.string("author_username")?.value();
    let assignee_id = params.string("assignee_id")?.value();
    let assignee_usernames = params.names_list("assignee_username")?.value();
    let confidential = params.boolean("confidential")?.value();
    let with_labels_details = params.boolean("with_labels_details")?.value().unwrap_or(false);
    let created_after = params.datetime("created_after")?;
    let created_before = params.datetime("created_before")?;
    let updated_after = params.datetime("updated_after")?;
    let updated_before = params.datetime("updated_before")?;
    let milestone_title =
        |issue: &Issue| issue.milestone.and_then(|id| model.milestone(id)).map(|milestone| milestone.title.as_str());

    let mut issues: Vec<&Issue> = model
        .issues
        .iter()
        .filter(|issue| match state.as_deref() {
            Some("opened") => !issue.closed,
            Some("closed") => issue.closed,
            _ => true,
        })
        .filter(|issue| issue_type.as_ref().is_none_or(|kind| issue.kind == *kind))
        .filter(|issue| match labels.as_deref() {
            None | Some([]) => true,
            Some([one]) if one.eq_ignore_ascii_case("none") => issue.labels.is_empty(),
            Some([one]) if one.eq_ignore_ascii_case("any") => !issue.labels.is_empty(),
            Some(wanted) => wanted.iter().all(|name| issue.labels.contains(name)),
        })
        .filter(|issue| match milestone.as_deref() {
            None => true,
            Some(none) if none.eq_ignore_ascii_case("none") => issue.milestone.is_none(),
            Some(any) if any.eq_ignore_ascii_case("any") => issue.milestone.is_some(),
            Some(title) => milestone_title(issue) == Some(title),
        })
        .filter(|issue| iids.as_ref().is_none_or(|iids| iids.iter().any(|iid| u64::try_from(*iid) == Ok(issue.iid))))
        .filter(|issue| {
            search.as_ref().is_none_or(|search| {
                (search_in.contains("title") && issue.title.to_lowercase().contains(search))
                    || (search_in.contains("description")
                        && issue.description.as_ref().is_some_and(|text| text.to_lowercase().contains(search)))
            })
        })
        .filter(|issue| author_id.is_none_or(|id| u64::try_from(id) == Ok(issue.author)))
        .filter(|issue| {
            author_username
                .as_ref()
                .is_none_or(|name| model::user_named(name).is_some_and(|user| user.id == issue.author))
        })
        .filter(|issue| match assignee_id.as_deref() {
            None => true,
            Some(none) if none.eq_ignore_ascii_case("none") => issue.assignees.is_empty(),
            Some(any) if any.eq_ignore_ascii_case("any") => !issue.assignees.is_empty(),
            Some(id) => id.parse::<u64>().is_ok_and(|id| issue.assignees.contains(&id)),
        })
        .filter(|issue| {
            assignee_usernames.as_ref().is_none_or(|names| {
                names.iter().all(|name| model::user_named(name).is_some_and(|user| issue.assignees.contains(&user.id)))
            })
        })
        .filter(|issue| confidential.is_none_or(|flag| issue.confidential == flag))
        .filter(|issue| created_after.is_none_or(|after| issue.created_at >= after))
        .filter(|issue| created_before.is_none_or(|before| issue.created_at <= before))
        .filter(|issue| updated_after.is_none_or(|after| issue.updated_at >= after))
        .filter(|issue| updated_before.is_none_or(|before| issue.updated_at <= before))
        .collect();

    // The order, with the id as tie-breaker in the same direction; undated and unweighted issues
    // last either way, as GitLab's NULLS LAST orders put them.
    let compare = |a: &&Issue, b: &&Issue| -> Ordering {
        let key = match order_by.as_str() {
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "title" => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            "due_date" => nulls_last(a.due_date.as_ref(), b.due_date.as_ref(), ascending),
            "weight" => nulls_last(a.weight, b.weight, ascending),
            _ => a.created_at.cmp(&b.created_at),
        };
        key.then(a.id.cmp(&b.id))
    };
    issues.sort_by(compare);
    if !ascending {
        issues.reverse();
    }

    params.set_default("order_by", json!("created_at"));
    params.set_default("sort", json!("desc"));
    params.set_default("state", json!("all"));
    params.set_default("with_labels_details", json!(false));
    let render = |issues: &[&Issue]| -> Value {
        Value::Array(issues.iter().map(|issue| model.issue_json(issue, false, with_labels_details)).collect())
    };

    let keyset =
        params.string("pagination")?.value().as_deref() == Some("keyset") && KEYSET_ORDERS.contains(&order_by.as_str());
    if keyset {
        let key = |issue: &Issue| if order_by == "updated_at" { issue.updated_at } else { issue.created_at };
        let start = match params.string("cursor")?.value().filter(|cursor| !cursor.is_empty()) {
            None => 0,
            Some(cursor) => {
                let (after_key, after_id) = decode_cursor(&cursor, &order_by)
                    .ok_or_else(|| ApiError::message(400, "400 Bad request - Invalid cursor value provided"))?;
                issues
                    .iter()
                    .position(|issue| {
                        let order = key(issue).cmp(&after_key).then(issue.id.cmp(&after_id));
                        if ascending { order == Ordering::Greater } else { order == Ordering::Less }
                    })
                    .unwrap_or(issues.len())
            }
        };
        let per_page = per_page(params, paging)?;
        let end = (start + per_page).min(issues.len());
        let page = &issues[start..end];
        let mut headers = Vec::new();
        if end < issues.len() {
            let last = page.last().expect("a page before the end is not empty");
            let mut next = params.clone();
            next.set("cursor", json!(encode_cursor(&order_by, key(last), last.id)));
            next.set("per_page", params.raw("per_page").cloned().unwrap_or(json!(20)));
            headers.push(("Link".to_owned(), format!("<{}>; rel=\"next\"", page_href(model, request.path, &next))));
        }
        return Ok(Outgoing { headers, ..Outgoing::json(200, &render(page)) });
    }
    let (range, headers) = offset_page(model, paging, request.path, params, issues.len())?;
    Ok(Outgoing { headers, ..Outgoing::json(200, &render(&issues[range])) })
}

/// Compares optional sort keys so that, once a descending list is reversed, the missing ones
/// still come last (GitLab orders them `NULLS LAST`).
fn nulls_last<T: Ord>(x: Option<T>, y: Option<T>, ascending: bool) -> Ordering {
    match (x, y) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => {
            if ascending {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (None, Some(_)) => {
            if ascending {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (None, None) => Ordering::Equal,
    }
}

/// The page size: `per_page` (default 20), at most the server's maximum.
fn per_page(params: &Params, paging: &Paging) -> Result<usize, ApiError> {
    let requested = params.integer("per_page")?.value().unwrap_or(20);
    let requested = usize::try_from(requested).ok().filter(|size| *size > 0).unwrap_or(20);
    Ok(requested.min(paging.per_page_max))
}

fn page_href(model: &Model, path: &str, params: &Params) -> String {
    format!("{}{path}?{}", model.base_url, params.to_query())
}

/// Offset pagination of `total` rows: the range to answer with and GitLab's headers.
fn offset_page(
    model: &Model,
    paging: &Paging,
    path: &str,
    params: &Params,
    total: usize,
) -> Result<(Range<usize>, Headers), ApiError> {
    let per_page = per_page(params, paging)?;
    let page = params.integer("page")?.value().and_then(|page| usize::try_from(page).ok()).filter(|page| *page > 0);
    let page = page.unwrap_or(1);
    let start = ((page - 1) * per_page).min(total);
    let end = (start + per_page).min(total);
    let with_counts = total <= paging.total_limit;
    let total_pages = total.div_ceil(per_page).max(1);
    let next_page = (end < total).then_some(page + 1);
    let prev_page = (page > 1 && page <= total_pages).then(|| page - 1);
    let href = |target: usize| {
        let mut link = params.clone();
        link.set("page", json!(target));
        link.set("per_page", params.raw("per_page").cloned().unwrap_or(json!(20)));
        page_href(model, path, &link)
    };
    let mut links = Vec::new();
    if let Some(prev) = prev_page {
        links.push(format!("<{}>; rel=\"prev\"", href(prev)));
    }
    if let Some(next) = next_page {
        links.push(format!("<{}>; rel=\"next\"", href(next)));
    }
    links.push(format!("<{}>; rel=\"first\"", href(1)));
    if with_counts {
        links.push(format!("<{}>; rel=\"last\"", href(total_pages)));
    }
    let text = |page: Option<usize>| page.map_or(String::new(), |page| page.to_string());
    let mut headers = vec![
        ("X-Per-Page".to_owned(), per_page.to_string()),
        ("X-Page".to_owned(), page.to_string()),
        ("X-Next-Page".to_owned(), text(next_page)),
        ("X-Prev-Page".to_owned(), text(prev_page)),
        ("Link".to_owned(), links.join(", ")),
    ];
    if with_counts {
        headers.push(("X-Total".to_owned(), total.to_string()));
        headers.push(("X-Total-Pages".to_owned(), total_pages.to_string()));
    }
    Ok((start..end, headers))
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A keyset cursor as GitLab writes them: URL-safe base64 of `{"<order>": …, "id": "…", "_kd": "n"}`.
fn encode_cursor(order_by: &str, key: i64, id: u64) -> String {
    let json = json!({ order_by: time::format(key), "id": id.to_string(), "_kd": "n" }).to_string();
    let mut out = String::new();
    for chunk in json.as_bytes().chunks(3) {
        let bits =
            chunk.iter().enumerate().fold(0u32, |bits, (index, byte)| bits | u32::from(*byte) << (16 - 8 * index));
        for index in 0..=chunk.len() {
            out.push(char::from(BASE64[(bits >> (18 - 6 * index) & 63) as usize]));
        }
    }
    out
}

fn decode_cursor(cursor: &str, order_by: &str) -> Option<(i64, u64)> {
    let mut bytes = Vec::new();
    let (mut bits, mut count) = (0u32, 0);
    for char in cursor.trim_end_matches('=').bytes() {
        let value = BASE64.iter().position(|known| *known == char)?;
        bits = bits << 6 | u32::try_from(value).ok()?;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push(u8::try_from(bits >> count & 0xff).ok()?);
        }
    }
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    Some((time::parse_datetime(value[order_by].as_str()?)?, value["id"].as_str()?.parse().ok()?))
}
