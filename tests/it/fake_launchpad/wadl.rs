//! Launchpad's own WADL for web service version 1.0 (kept next to this file, see `README.md`): the
//! document the fake serves to clients such as launchpadlib, the field names, options and
//! writable fields of every representation the fake renders, and a checker of recorded requests
//! against the methods the WADL declares.
//!
//! Readings of the WADL, as lazr.restful reads requests:
//! - a named operation is the method whose `ws.op` parameter is fixed to its name; GET operations
//!   take query parameters, POST operations a form (`application/x-www-form-urlencoded`);
//! - a PATCH sends the `<type>-diff` representation: a JSON object of writable fields;
//! - collections and operations that return one take `ws.start` and `ws.size`, and GET
//!   operations `ws.show=total_size`, though the WADL does not declare them;
//! - list parameters (`status`, `importance` of `searchTasks`) declare no options: their items
//!   are checked against the bug task's `status` and `importance` options (plus the two
//!   "Incomplete (…)" search statuses).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use super::Recorded;
use super::api;
use super::params::Form;

/// Launchpad's WADL for version 1.0, as Launchpad publishes it (`README.md` says where from).
pub const WADL: &str = include_str!("launchpad-wadl-1.0.xml");
/// The service root the WADL names; the fake serves it with its own root instead.
pub const WADL_ROOT: &str = "https://api.launchpad.test/1.0/";
/// The media type of the WADL.
pub const WADL_TYPE: &str = "application/vnd.sun.wadl+xml";

/// A parameter of a representation or a method.
#[derive(Debug, Default)]
pub struct Param {
    pub name: String,
    pub required: bool,
    /// The values allowed (`<wadl:option>`), if the WADL lists them.
    pub options: Vec<String>,
    /// Whether the value is a link (`<wadl:link>`).
    pub link: bool,
    /// A fixed value (`ws.op` of named operations).
    pub fixed: Option<String>,
}

/// A method of a resource type.
#[derive(Debug, Default)]
pub struct Method {
    /// GET, POST, PATCH, PUT or DELETE.
    pub http: String,
    /// The named operation (`ws.op`), if this is one.
    pub operation: Option<String>,
    /// Query parameters (GET) or form parameters (POST), `ws.op` included.
    pub params: Vec<Param>,
    /// The request representation's id (PATCH and PUT: `bug-diff`, `bug-full`).
    pub body: Option<String>,
}

/// What the fake reads of the WADL.
pub struct Wadl {
    representations: HashMap<String, Vec<Param>>,
    resource_types: HashMap<String, Vec<Method>>,
}

/// The parsed WADL, parsed once per process.
pub fn wadl() -> &'static Wadl {
    static PARSED: OnceLock<Wadl> = OnceLock::new();
    PARSED.get_or_init(parse)
}

fn parse() -> Wadl {
    let options = roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() };
    let document = roxmltree::Document::parse_with_options(WADL, options).expect("Launchpad's WADL is XML");
    let is = |node: &roxmltree::Node, name: &str| node.is_element() && node.tag_name().name() == name;
    let fragment = |href: &str| href.rsplit_once('#').map_or(href, |(_, id)| id).to_owned();
    let params_of = |node: roxmltree::Node| -> Vec<Param> {
        node.children()
            .filter(|child| is(child, "param"))
            .map(|param| Param {
                name: param.attribute("name").expect("params have names").to_owned(),
                required: param.attribute("required") == Some("true"),
                options: param
                    .children()
                    .filter(|child| is(child, "option"))
                    .filter_map(|option| option.attribute("value").map(str::to_owned))
                    .collect(),
                link: param.children().any(|child| is(&child, "link")),
                fixed: param.attribute("fixed").map(str::to_owned),
            })
            .collect()
    };
    let mut representations = HashMap::new();
    let mut resource_types = HashMap::new();
    for node in document.root_element().children() {
        if is(&node, "representation")
            && let Some(id) = node.attribute("id")
        {
            representations.insert(id.to_owned(), params_of(node));
        } else if is(&node, "resource_type") {
            let id = node.attribute("id").expect("resource types have ids").to_owned();
            let mut methods = Vec::new();
            for method in node.children().filter(|child| is(child, "method")) {
                let mut parsed = Method {
                    http: method.attribute("name").expect("methods have names").to_owned(),
                    ..Method::default()
                };
                if let Some(request) = method.children().find(|child| is(child, "request")) {
                    parsed.params = params_of(request);
                    if let Some(representation) = request.children().find(|child| is(child, "representation")) {
                        match representation.attribute("href") {
                            Some(href) => parsed.body = Some(fragment(href)),
                            None => parsed.params.extend(params_of(representation)),
                        }
                    }
                }
                parsed.operation =
                    parsed.params.iter().find(|param| param.name == "ws.op").and_then(|param| param.fixed.clone());
                methods.push(parsed);
            }
            resource_types.insert(id, methods);
        }
    }
    Wadl { representations, resource_types }
}

impl Wadl {
    /// The fields of a representation (`bug-full`, `bug_task-diff`…); panics on an unknown id.
    pub fn fields(&self, representation: &str) -> &[Param] {
        self.representations
            .get(representation)
            .unwrap_or_else(|| panic!("Launchpad's WADL has no representation {representation:?}"))
    }

    /// One field of a representation.
    pub fn field(&self, representation: &str, name: &str) -> Option<&Param> {
        self.fields(representation).iter().find(|param| param.name == name)
    }

    /// The method of a resource type for this HTTP method and named operation.
    pub fn method(&self, resource_type: &str, http: &str, operation: Option<&str>) -> Option<&Method> {
        self.resource_types
            .get(resource_type)?
            .iter()
            .find(|method| method.http == http && method.operation.as_deref() == operation)
    }
}

/// The WADL as the fake serves it: its service root replaced by `api` (`http://…/1.0/`).
pub fn served(api: &str) -> String {
    WADL.replace(WADL_ROOT, api)
}

/// The statuses `searchTasks` takes besides the bug task statuses (`BugTaskStatusSearch`).
pub const SEARCH_ONLY_STATUSES: [&str; 2] = ["Incomplete (with response)", "Incomplete (without response)"];

/// The statuses `searchTasks` takes (`BugTaskStatusSearch`): a task's, but Unknown, and the two
/// kinds of Incomplete.
pub fn search_statuses() -> Vec<String> {
    let mut allowed: Vec<String> = wadl()
        .field("bug_task-full", "status")
        .map(|param| param.options.iter().filter(|status| *status != "Unknown").cloned().collect())
        .unwrap_or_default();
    allowed.extend(SEARCH_ONLY_STATUSES.iter().map(|status| (*status).to_owned()));
    allowed
}

/// The allowed items of a list parameter of a named operation that the WADL leaves open.
fn list_options(operation: &str, name: &str) -> Option<Vec<String>> {
    match (operation, name) {
        ("searchTasks", "status") => Some(search_statuses()),
        ("searchTasks", "importance") => wadl().field("bug_task-full", "importance").map(|param| param.options.clone()),
        _ => None,
    }
}

/// The requests that do not conform to Launchpad's WADL, one readable sentence per problem;
/// empty when all conform. The token pages of the web site (`/+request-token`…) are not part
/// of the web service and are not checked.
pub fn check_requests_against_wadl(requests: &[Recorded]) -> Vec<String> {
    let mut problems = Vec::new();
    for request in requests {
        let shown = if request.query.is_empty() {
            format!("{} {}", request.method, request.path)
        } else {
            format!("{} {}?{}", request.method, request.path, request.query)
        };
        for problem in check(request) {
            problems.push(format!("{shown}: {problem}"));
        }
    }
    problems
}

fn check(request: &Recorded) -> Vec<String> {
    let Some((_, segments)) = api::split_version(&request.path) else {
        return if api::is_web_page(&request.path) {
            Vec::new()
        } else {
            vec!["this path is not under a web service version".to_owned()]
        };
    };
    let Some(resource) = api::resource_of(&segments) else {
        return vec!["no Launchpad resource has this path".to_owned()];
    };
    let resource_type = resource.wadl_type();
    let wadl = wadl();
    let query = Form::parse(&request.query);
    let media_type = request.content_type.as_deref().and_then(|value| value.split(';').next()).map(str::trim);
    let mut problems = Vec::new();
    match request.method.as_str() {
        "GET" => {
            let operation = query.text("ws.op");
            let Some(method) = wadl.method(&resource_type, "GET", operation.as_deref()) else {
                return vec![match operation {
                    Some(operation) => format!("`{resource_type}` declares no GET operation `{operation}`"),
                    None => format!("`{resource_type}` declares no GET"),
                }];
            };
            let batched = resource.is_collection() || operation.is_some();
            let mut extra = vec!["ws.accept"];
            if batched {
                extra.extend(["ws.start", "ws.size"]);
            }
            if operation.is_some() {
                extra.push("ws.show");
            }
            check_params(method, &query, &extra, &mut problems);
        }
        "POST" => {
            if media_type != Some("application/x-www-form-urlencoded") {
                problems.push(format!("a named POST operation takes a form, not {:?}", request.content_type));
                return problems;
            }
            let form = Form::parse(&request.body);
            let operation = form.text("ws.op");
            match wadl.method(&resource_type, "POST", operation.as_deref()) {
                Some(method) => check_params(method, &form, &[], &mut problems),
                None => problems
                    .push(format!("`{resource_type}` declares no POST operation `{}`", operation.unwrap_or_default())),
            }
            if !request.query.is_empty() {
                problems.push("a named POST operation takes its parameters in the body".to_owned());
            }
        }
        "PATCH" | "PUT" => {
            let Some(method) = wadl.method(&resource_type, &request.method, None) else {
                return vec![format!("`{resource_type}` declares no {}", request.method)];
            };
            if media_type != Some("application/json") {
                problems.push(format!("the body should be application/json, not {:?}", request.content_type));
            }
            let representation = method.body.as_deref().unwrap_or_default();
            match serde_json::from_str::<Value>(&request.body) {
                Ok(Value::Object(fields)) => {
                    for (name, value) in &fields {
                        match wadl.field(representation, name) {
                            None => problems.push(format!("`{name}` is not a field of {representation}")),
                            Some(field) => {
                                if let Some(problem) = field_problem(field, value) {
                                    problems.push(format!("`{name}` {problem}"));
                                }
                            }
                        }
                    }
                }
                _ => problems.push("the body is not a JSON object".to_owned()),
            }
        }
        other => {
            if wadl.method(&resource_type, other, None).is_none() {
                problems.push(format!("`{resource_type}` declares no {other}"));
            }
        }
    }
    problems
}

/// Checks a form or query against a method's declared parameters.
fn check_params(method: &Method, form: &Form, extra: &[&str], problems: &mut Vec<String>) {
    let operation = method.operation.as_deref().unwrap_or_default();
    for name in form.names() {
        if extra.contains(&name) {
            continue;
        }
        let Some(param) = method.params.iter().find(|param| param.name == name) else {
            problems.push(format!("parameter `{name}` is not declared for {}", describe(method)));
            continue;
        };
        let allowed =
            if param.options.is_empty() { list_options(operation, name) } else { Some(param.options.clone()) };
        if let Some(allowed) = allowed {
            for value in form.list(name).unwrap_or_default() {
                if !allowed.contains(&value) {
                    problems.push(format!("parameter `{name}` is {value:?}, not one of {}", allowed.join(", ")));
                }
            }
        }
    }
    for param in method.params.iter().filter(|param| param.required) {
        if form.values(&param.name).is_empty() {
            problems.push(format!("required parameter `{}` of {} is missing", param.name, describe(method)));
        }
    }
}

fn describe(method: &Method) -> String {
    match &method.operation {
        Some(operation) => format!("`{operation}`"),
        None => method.http.clone(),
    }
}

/// What is wrong with a JSON value for a representation's field, if anything.
fn field_problem(field: &Param, value: &Value) -> Option<String> {
    if field.link {
        return match value {
            Value::Null | Value::String(_) => None,
            other => Some(format!("should be a link or null, not {other}")),
        };
    }
    if !field.options.is_empty() {
        return match value.as_str() {
            Some(text) if field.options.iter().any(|option| option == text) => None,
            _ => Some(format!("is {value}, not one of {}", field.options.join(", "))),
        };
    }
    None
}
