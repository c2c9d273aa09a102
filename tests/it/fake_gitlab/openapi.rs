//! Checks recorded requests against GitLab's own `OpenAPI` description (an extract for issues,
//! notes, milestones and labels, kept next to this file): that each method and path is an
//! operation there, that every query, form or JSON parameter is declared for it, that required
//! ones are present and that values fit their declared types.
//!
//! Readings of the description, as Grape reads requests:
//! - a `name[]` key is the array parameter `name`; an array parameter also takes a
//!   comma-separated string (GitLab's `CommaSeparatedToArray`; python-gitlab sends labels so);
//! - body properties may come in the query string and path parameters may be repeated in it
//!   (GitLab's own `Link` URLs do so);
//! - `pagination` is accepted where the operation declares `cursor` (GitLab reads it for its
//!   keyset strategy without declaring it per operation).
//!
//! Endpoints outside the extract are violations, except those in [`OUTSIDE_EXTRACT`].

use std::sync::OnceLock;

use serde_json::Value;

use super::Recorded;
use super::params::{decode_component, urlencoded_pairs};
use super::time;

/// GitLab's `OpenAPI` 3.0 description, issue-tracker extract (v19.5, CC BY-SA 4.0; see `README.md`).
const SPEC: &str = include_str!("openapi_v3-issues-subset.yaml");

/// Real GitLab endpoints the mirror uses that the extract leaves out; only their method and path
/// are checked: the token's user, the user search, and the project.
pub const OUTSIDE_EXTRACT: &[(&str, &str)] =
    &[("GET", "/api/v4/user"), ("GET", "/api/v4/users"), ("GET", "/api/v4/projects/{id}")];

fn spec() -> &'static Value {
    static SPEC_VALUE: OnceLock<Value> = OnceLock::new();
    SPEC_VALUE.get_or_init(|| serde_norway::from_str(SPEC).expect("the OpenAPI extract is YAML"))
}

/// Path parameters bound by a template: (name, decoded segment).
type Bound = Vec<(String, String)>;

/// A parameter value as it arrived.
enum Sent {
    /// From a query string or form: text, or several texts for `name[]`.
    Text(Vec<String>),
    /// From a JSON body.
    Json(Value),
}

/// The violations of GitLab's `OpenAPI` description in these requests, in a readable sentence
/// each; empty when all conform.
pub fn check_requests_against_openapi(requests: &[Recorded]) -> Vec<String> {
    let mut violations = Vec::new();
    for request in requests {
        let shown = if request.query.is_empty() {
            format!("{} {}", request.method, request.path)
        } else {
            format!("{} {}?{}", request.method, request.path, request.query)
        };
        for problem in check(request) {
            violations.push(format!("{shown}: {problem}"));
        }
    }
    violations
}

/// Path templates matching a path, most literal segments first, with their path parameters.
fn matching_templates<'a>(paths: &'a serde_json::Map<String, Value>, path: &str) -> Vec<(&'a str, Bound)> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut found: Vec<(usize, &str, Bound)> = Vec::new();
    for template in paths.keys() {
        if let Some((literals, bound)) = match_template(template, &segments) {
            found.push((literals, template, bound));
        }
    }
    found.sort_by_key(|(literals, _, _)| std::cmp::Reverse(*literals));
    found.into_iter().map(|(_, template, bound)| (template, bound)).collect()
}

fn match_template(template: &str, segments: &[&str]) -> Option<(usize, Bound)> {
    let parts: Vec<&str> = template.split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    let mut bound = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if let Some(name) = part.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
            if segment.is_empty() {
                return None;
            }
            bound.push((name.to_owned(), decode_component(segment, false)));
        } else if part == segment {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((literals, bound))
}

fn check(request: &Recorded) -> Vec<String> {
    let spec = spec();
    let paths = spec["paths"].as_object().expect("the description has paths");
    let method = request.method.to_ascii_lowercase();
    let templates = matching_templates(paths, &request.path);
    let Some((template, bound)) = templates.first() else {
        if OUTSIDE_EXTRACT.iter().any(|(allowed_method, template)| {
            *allowed_method == request.method
                && match_template(template, &request.path.split('/').collect::<Vec<_>>()).is_some()
        }) {
            return Vec::new();
        }
        return vec!["no operation in GitLab's OpenAPI extract has this path".to_owned()];
    };
    let Some(operation) = paths[*template].get(&method) else {
        return vec![format!("GitLab's OpenAPI declares no {} operation on `{template}`", request.method)];
    };
    let operation_id = operation["operationId"].as_str().unwrap_or("?");
    let mut problems = Vec::new();

    // What the operation declares: its parameters, and its request body's properties.
    let mut declared: Vec<(String, &Value, bool)> = Vec::new(); // (name, schema, required)
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let name = parameter["name"].as_str().expect("parameters have names").to_owned();
        declared.push((name, &parameter["schema"], parameter["required"].as_bool().unwrap_or(false)));
    }
    if let Some(schema) = operation.pointer("/requestBody/content/application~1json/schema") {
        let schema = resolve(spec, schema);
        let required: Vec<&str> =
            schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            declared.push((name.clone(), resolve(spec, property), required.contains(&name.as_str())));
        }
    }
    let lookup = |name: &str| declared.iter().find(|(declared_name, _, _)| declared_name == name);

    // What the request sent.
    let mut sent: Vec<(String, Sent)> = Vec::new();
    add_pairs(&request.query, &mut sent);
    let media_type = request.content_type.as_deref().and_then(|value| value.split(';').next()).map(str::trim);
    match media_type {
        Some("application/x-www-form-urlencoded") => add_pairs(&request.body, &mut sent),
        Some("application/json") if !request.body.trim().is_empty() => match serde_json::from_str(&request.body) {
            Ok(Value::Object(map)) => sent.extend(map.into_iter().map(|(name, value)| (name, Sent::Json(value)))),
            _ => problems.push("the JSON body is not an object".to_owned()),
        },
        _ if !request.body.is_empty() => {
            problems.push(format!("a body of type {:?} carries no parameters GitLab reads", request.content_type));
        }
        _ => {}
    }

    for (name, value) in bound {
        if let Some((_, schema, _)) = lookup(name)
            && let Err(problem) = fits(schema, &Sent::Text(vec![value.clone()]))
        {
            problems.push(format!("path parameter `{name}` {problem}"));
        }
    }
    for (name, value) in &sent {
        match lookup(name) {
            Some((_, schema, _)) => {
                if let Err(problem) = fits(schema, value) {
                    problems.push(format!("parameter `{name}` {problem}"));
                }
            }
            None if name == "pagination" && lookup("cursor").is_some() => {}
            None => problems.push(format!("parameter `{name}` is not declared for {operation_id}")),
        }
    }
    for (name, _, required) in &declared {
        let present =
            sent.iter().any(|(sent_name, _)| sent_name == name) || bound.iter().any(|(bound, _)| bound == name);
        if *required && !present {
            problems.push(format!("required parameter `{name}` of {operation_id} is missing"));
        }
    }
    problems
}

/// Adds `name=value` pairs to what was sent; `name[]` values gather under `name`.
fn add_pairs(text: &str, sent: &mut Vec<(String, Sent)>) {
    for (name, value) in urlencoded_pairs(text) {
        let name = name.strip_suffix("[]").map(str::to_owned).unwrap_or(name);
        match sent.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, Sent::Text(values))) => values.push(value),
            _ => sent.push((name, Sent::Text(vec![value]))),
        }
    }
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|reference| reference.strip_prefix('#')) {
        Some(pointer) => spec.pointer(pointer).expect("every $ref in the extract resolves"),
        None => schema,
    }
}

/// Whether a sent value fits a schema: `Err` says why not.
fn fits(schema: &Value, value: &Sent) -> Result<(), String> {
    if let Some(choices) = schema["oneOf"].as_array() {
        let reasons: Vec<String> = choices.iter().filter_map(|choice| fits(choice, value).err()).collect();
        return if reasons.len() < choices.len() { Ok(()) } else { Err(reasons.join(", or ")) };
    }
    let nullable = schema["nullable"].as_bool().unwrap_or(false);
    let kind = schema["type"].as_str().unwrap_or("");
    if kind == "array" {
        let items = &schema["items"];
        let texts: Vec<Sent> = match value {
            Sent::Text(values) => values
                .iter()
                .flat_map(|text| text.split(','))
                .filter(|part| !part.trim().is_empty())
                .map(|part| Sent::Text(vec![part.trim().to_owned()]))
                .collect(),
            Sent::Json(Value::Array(values)) => values.iter().cloned().map(Sent::Json).collect(),
            Sent::Json(Value::String(text)) => text
                .split(',')
                .filter(|part| !part.trim().is_empty())
                .map(|part| Sent::Json(Value::from(part.trim())))
                .collect(),
            Sent::Json(Value::Null) if nullable => Vec::new(),
            Sent::Json(other) => return Err(format!("should be an array, not {other}")),
        };
        return texts.iter().try_for_each(|item| fits(items, item));
    }
    let text = match value {
        Sent::Text(values) if values.len() > 1 => return Err("is sent as an array but is not one".to_owned()),
        Sent::Text(values) => values.first().cloned().unwrap_or_default(),
        Sent::Json(Value::Null) => return if nullable { Ok(()) } else { Err("is null but not nullable".to_owned()) },
        Sent::Json(Value::String(text)) => text.clone(),
        Sent::Json(Value::Number(number)) if matches!(kind, "integer" | "number" | "string") => number.to_string(),
        Sent::Json(Value::Bool(flag)) if matches!(kind, "boolean" | "string") => flag.to_string(),
        Sent::Json(other) if kind == "object" && other.is_object() => return Ok(()),
        Sent::Json(other) => return Err(format!("should be of type {kind}, not {other}")),
    };
    if text.is_empty() && (nullable || kind == "string") {
        return Ok(());
    }
    match kind {
        "integer" if text.trim().parse::<i64>().is_err() => return Err(format!("should be an integer, not {text:?}")),
        "boolean"
            if !["true", "false", "1", "0", "t", "f", "yes", "no"].contains(&text.to_ascii_lowercase().as_str()) =>
        {
            return Err(format!("should be a boolean, not {text:?}"));
        }
        _ => {}
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.iter().any(|choice| choice.as_str() == Some(text.as_str()))
    {
        let allowed: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        return Err(format!("is {text:?}, not one of {}", allowed.join(", ")));
    }
    match schema["format"].as_str() {
        Some("date-time") if time::parse_datetime(&text).is_none() => {
            Err(format!("should be an ISO 8601 date-time, not {text:?}"))
        }
        Some("date") if time::parse_date(&text).is_none() => {
            Err(format!("should be a date (YYYY-MM-DD), not {text:?}"))
        }
        _ => Ok(()),
    }
}
