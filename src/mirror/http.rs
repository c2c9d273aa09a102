//! The mirrors' HTTP client: one request with JSON in and out, retried when the service asks
//! for it (429 with `Retry-After` or `RateLimit-Reset`) or fails in passing (5xx, a timeout, a
//! dropped connection), and pages followed through `Link: rel="next"` (offset and keyset
//! pagination alike). TLS by rustls; proxies from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`.
//! Every request is counted, so the commands can report their cost. Secrets are sent as
//! headers and never appear in an error: errors carry the method, the path and the service's
//! message only.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

/// Why a request failed for good.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The service answered with an error status (after any retries).
    #[error("{method} {path}: the server answered {status}: {message}")]
    Status { method: &'static str, path: String, status: u16, message: String },
    /// The service could not be reached, or stopped answering, after every retry.
    #[error("{method} {path}: {message}")]
    Network { method: &'static str, path: String, message: String },
    /// The answer was not the JSON the API documents.
    #[error("{method} {path}: the answer is not the JSON expected: {message}")]
    Body { method: &'static str, path: String, message: String },
}

impl HttpError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether the request may have been carried out although no answer said so (a 5xx or a
    /// connection lost after sending): a create must then look for what it made before trying
    /// again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            HttpError::Status { status, .. } => *status >= 500,
            HttpError::Network { .. } => true,
            HttpError::Body { .. } => false,
        }
    }
}

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first wait after a 5xx or a network fault; it doubles each time.
    pub backoff: Duration,
    /// The longest wait, whatever the server asks.
    pub max_wait: Duration,
    /// The time one request may take, connection included.
    pub timeout: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 6,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// An HTTP method the mirrors use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        }
    }
}

/// One attempt's outcome: the status, the headers read later and the body's text.
type Attempt = (u16, Vec<(String, String)>, String);

/// One answer: the status, the headers the mirrors read, and the JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The body as JSON (`null` when empty; a JSON string holding the text when the request
    /// asked for text, see [`Request::text`]).
    pub body: Value,
    /// The `Link` header's `rel="next"` address, if any.
    pub next: Option<String>,
    /// The `Location` header (what a 201 made).
    pub location: Option<String>,
    /// The `ETag` header.
    pub etag: Option<String>,
}

/// What a request sends as its body.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    None,
    Json(&'a Value),
    /// `application/x-www-form-urlencoded` pairs.
    Form(&'a [(&'a str, String)]),
}

/// One request, for [`Client::request`].
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: Method,
    /// From the base, or an absolute address.
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub body: Body<'a>,
    /// Headers for this request only (`If-Match`).
    pub headers: &'a [(&'a str, String)],
    /// The answer is text, not JSON (OAuth's token exchange).
    pub text: bool,
    /// Sending it twice does what sending it once does (a POST that subscribes someone): it is
    /// retried like a GET.
    pub idempotent: bool,
}

impl<'a> Request<'a> {
    pub fn new(method: Method, path: &'a str) -> Self {
        Self { method, path, query: &[], body: Body::None, headers: &[], text: false, idempotent: false }
    }
}

/// Makes the headers that authenticate, once per attempt.
pub type Authenticate = Box<dyn Fn() -> Vec<(String, String)> + Send>;

/// A client for one service: a base address, the headers that authenticate, and counters.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    headers: Authenticate,
    retry: Retry,
    /// Requests sent, retries included.
    pub requests: usize,
    /// Requests that asked the server to change something (POST, PUT), retries included.
    pub writes: usize,
}

impl Client {
    /// A client of the API at `base` (no trailing slash), sending `headers` with every request.
    pub fn new(base: &str, headers: Vec<(String, String)>, retry: Retry) -> Self {
        Self::authenticated(base, Box::new(move || headers.clone()), retry)
    }

    /// A client whose authenticating headers `headers` makes for each attempt.
    pub fn authenticated(base: &str, headers: Authenticate, retry: Retry) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed here, so each request gets fresh authenticating headers
            // (OAuth's nonce), see `request`.
            .max_redirects(0)
            .timeout_global(Some(retry.timeout))
            .user_agent(concat!("docket/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, base: base.trim_end_matches('/').to_owned(), headers, retry, requests: 0, writes: 0 }
    }

    /// Sends one request to `path` (from the base, or an absolute address from a `Link`
    /// header) with `query` pairs and an optional JSON body; see [`Client::request`].
    pub fn send(
        &mut self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer, HttpError> {
        let body = body.map_or(Body::None, Body::Json);
        self.request(&Request { query, body, ..Request::new(method, path) })
    }

    /// Sends `request`, retrying as [`Retry`] says: a 429 always, a 5xx or a network fault only
    /// for GET, PUT and PATCH (a POST that may have been carried out is the caller's to look
    /// for, see [`HttpError::is_ambiguous`]).
    /// A redirect (Launchpad's `people/+me`, a moved bug task) is followed with a GET.
    pub fn request(&mut self, request: &Request<'_>) -> Result<Answer, HttpError> {
        let mut answer = self.attempts(request)?;
        for _ in 0..5 {
            let Some(location) = answer.location.clone().filter(|_| (300..400).contains(&answer.status)) else {
                break;
            };
            answer = self.attempts(&Request { text: request.text, ..Request::new(Method::Get, &location) })?;
        }
        Ok(answer)
    }

    /// `request`, retried as [`Client::request`] says.
    fn attempts(&mut self, request: &Request<'_>) -> Result<Answer, HttpError> {
        let method = request.method;
        let url = if request.path.starts_with("http://") || request.path.starts_with("https://") {
            request.path.to_owned()
        } else {
            format!("{}{}", self.base, request.path)
        };
        let shown = display_path(&url, &self.base);
        let mut wait = self.retry.backoff;
        let mut attempt = 1;
        loop {
            self.requests += 1;
            if method != Method::Get {
                self.writes += 1;
            }
            let outcome = self.once(request, &url);
            // A POST makes something: after a failure that may have made it (a 5xx, a lost
            // answer) only the caller can tell, by looking for it, whether to send it again.
            let ambiguous = match &outcome {
                Ok((status, _, _)) => *status >= 500,
                Err(_) => true,
            };
            let last = attempt >= self.retry.attempts || (method == Method::Post && ambiguous && !request.idempotent);
            match outcome {
                Ok((status, headers, text)) if status == 429 || status >= 500 => {
                    if last {
                        return Err(HttpError::Status {
                            method: method.name(),
                            path: shown,
                            status,
                            message: message_of(&text),
                        });
                    }
                    let asked = if status == 429 { asked_wait(&headers) } else { None };
                    std::thread::sleep(asked.unwrap_or(wait).min(self.retry.max_wait));
                    if asked.is_none() {
                        wait = wait.saturating_mul(2);
                    }
                }
                Ok((status, headers, text)) => {
                    if status >= 400 {
                        return Err(HttpError::Status {
                            method: method.name(),
                            path: shown,
                            status,
                            message: message_of(&text),
                        });
                    }
                    let body = if (300..400).contains(&status) {
                        Value::Null
                    } else if request.text {
                        Value::String(text)
                    } else if text.trim().is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_str(&text).map_err(|error| HttpError::Body {
                            method: method.name(),
                            path: shown.clone(),
                            message: error.to_string(),
                        })?
                    };
                    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
                    return Ok(Answer {
                        status,
                        body,
                        next: next_link(&headers),
                        location: header("location"),
                        etag: header("etag"),
                    });
                }
                Err(message) => {
                    if last {
                        return Err(HttpError::Network { method: method.name(), path: shown, message });
                    }
                    std::thread::sleep(wait.min(self.retry.max_wait));
                    wait = wait.saturating_mul(2);
                }
            }
            attempt += 1;
        }
    }

    /// The retry settings, for callers that retry a POST themselves.
    pub fn retry(&self) -> Retry {
        self.retry
    }

    /// Every item of a paged collection, page after page through `Link: rel="next"`.
    pub fn get_all(&mut self, path: &str, query: &[(&str, String)]) -> Result<Vec<Value>, HttpError> {
        let mut items = Vec::new();
        let mut answer = self.send(Method::Get, path, query, None)?;
        loop {
            match answer.body {
                Value::Array(page) => items.extend(page),
                _ => {
                    return Err(HttpError::Body {
                        method: "GET",
                        path: path.to_owned(),
                        message: "a list was expected".to_owned(),
                    });
                }
            }
            match answer.next {
                Some(next) => answer = self.send(Method::Get, &next, &[], None)?,
                None => return Ok(items),
            }
        }
    }

    /// `request` with the authenticating headers, the request's own and the `query` pairs.
    fn prepared<B>(&self, mut request: ureq::RequestBuilder<B>, asked: &Request<'_>) -> ureq::RequestBuilder<B> {
        for (name, value) in (self.headers)() {
            request = request.header(name, value);
        }
        for (name, value) in asked.headers {
            request = request.header(*name, value);
        }
        for (name, value) in asked.query {
            request = request.query(*name, value);
        }
        request
    }

    /// One attempt: the status, the headers read later, and the body's text; a network fault
    /// as its message.
    fn once(&self, asked: &Request<'_>, url: &str) -> Result<Attempt, String> {
        let result = match asked.method {
            Method::Get => self.prepared(self.agent.get(url), asked).call(),
            Method::Post | Method::Put | Method::Patch => {
                let request = match asked.method {
                    Method::Post => self.agent.post(url),
                    Method::Put => self.agent.put(url),
                    _ => self.agent.patch(url),
                };
                let (content_type, text) = match asked.body {
                    Body::Form(pairs) => ("application/x-www-form-urlencoded", form(pairs)),
                    Body::Json(value) => ("application/json", value.to_string()),
                    Body::None => ("application/json", "{}".to_owned()),
                };
                self.prepared(request, asked).header("Content-Type", content_type).send(text.as_bytes())
            }
        };
        let mut response = result.map_err(|error| error.to_string())?;
        let status = response.status().as_u16();
        let headers = ["retry-after", "ratelimit-reset", "link", "location", "etag"]
            .iter()
            .filter_map(|name| {
                response.headers().get(*name).and_then(|v| v.to_str().ok()).map(|v| ((*name).to_owned(), v.to_owned()))
            })
            .collect();
        let text = response.body_mut().read_to_string().map_err(|error| error.to_string())?;
        Ok((status, headers, text))
    }
}

/// `pairs` form-encoded.
pub fn form(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(name, value)| format!("{}={}", percent(name), percent(value))).collect::<Vec<_>>().join("&")
}

/// `text` percent-encoded as RFC 3986 asks of OAuth and form values (unreserved characters
/// kept).
pub fn percent(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

/// The value of `name` in a form-encoded `text` (OAuth's token answers).
pub fn form_value(text: &str, name: &str) -> Option<String> {
    text.trim().split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| unpercent(&value.replace('+', " ")))
    })
}

fn unpercent(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What [`post_unless_found`] ended with.
pub enum Posted<T> {
    /// The POST's answer.
    Made(Answer),
    /// What an earlier attempt made, found.
    Found(T),
}

/// POSTs with `post`; after a failure that may have made the item anyway (a 5xx, a timeout, a
/// lost answer), looks for it with `find` before sending again, so an item is never made twice.
pub fn post_unless_found<S, T, E>(
    state: &mut S,
    retry: Retry,
    post: impl Fn(&mut S) -> Result<Answer, HttpError>,
    find: impl Fn(&mut S) -> Result<Option<T>, E>,
    error: impl Fn(HttpError) -> E,
) -> Result<Posted<T>, E> {
    let mut wait = retry.backoff;
    let mut attempt = 1;
    loop {
        match post(state) {
            Ok(answer) => return Ok(Posted::Made(answer)),
            Err(failure) if failure.is_ambiguous() && attempt < retry.attempts => {
                if let Some(found) = find(state)? {
                    return Ok(Posted::Found(found));
                }
                std::thread::sleep(wait.min(retry.max_wait));
                wait = wait.saturating_mul(2);
                attempt += 1;
            }
            Err(failure) => return Err(error(failure)),
        }
    }
}

/// The path shown in errors: from the API's base, without the query (which may name people).
fn display_path(url: &str, base: &str) -> String {
    let path = url.strip_prefix(base).unwrap_or(url);
    path.split('?').next().unwrap_or(path).to_owned()
}

/// The service's own words from an error body: GitLab's `message` or `error`, else the text
/// (Launchpad's errors are plain text).
fn message_of(text: &str) -> String {
    let message = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(object)) => match object.get("message").or_else(|| object.get("error")) {
            Some(Value::String(message)) => message.clone(),
            Some(other) => other.to_string(),
            None => text.to_owned(),
        },
        _ => text.to_owned(),
    };
    let message = message.trim();
    if message.chars().count() > 300 {
        format!("{}…", message.chars().take(300).collect::<String>())
    } else {
        message.to_owned()
    }
}

/// The wait a 429 asks for: `Retry-After` seconds, else `RateLimit-Reset` (a Unix time).
fn asked_wait(headers: &[(String, String)]) -> Option<Duration> {
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim());
    if let Some(seconds) = header("retry-after").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    let reset = header("ratelimit-reset").and_then(|v| v.parse::<u64>().ok())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

/// The `rel="next"` address of a `Link` header.
fn next_link(headers: &[(String, String)]) -> Option<String> {
    let link = headers.iter().find(|(name, _)| name == "link").map(|(_, value)| value)?;
    link.split(',').find_map(|part| {
        let (address, params) = part.split_once(';')?;
        let is_next = params.split(';').any(|param| {
            let param = param.trim().replace(' ', "");
            param == "rel=\"next\"" || param == "rel=next"
        });
        is_next.then(|| address.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_is_found_among_others() {
        let headers = vec![(
            "link".to_owned(),
            "<https://g/api/v4/x?page=1>; rel=\"first\", <https://g/api/v4/x?page=3>; rel=\"next\"".to_owned(),
        )];
        assert_eq!(next_link(&headers).as_deref(), Some("https://g/api/v4/x?page=3"));
        let last_only = vec![("link".to_owned(), "<https://g/x?page=1>; rel=\"first\"".to_owned())];
        assert_eq!(next_link(&last_only), None);
    }

    #[test]
    fn a_429_waits_as_long_as_the_server_asks() {
        assert_eq!(asked_wait(&[("retry-after".to_owned(), "7".to_owned())]), Some(Duration::from_secs(7)));
        assert_eq!(asked_wait(&[]), None);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
        let reset = asked_wait(&[("ratelimit-reset".to_owned(), (now + 30).to_string())]).expect("a wait");
        assert!((29..=30).contains(&reset.as_secs()), "{reset:?}");
    }

    #[test]
    fn forms_are_encoded_and_read_back() {
        assert_eq!(percent("a b&c=d/é~x-y_z.0"), "a%20b%26c%3Dd%2F%C3%A9~x-y_z.0");
        assert_eq!(
            form(&[("ws.op", "newMessage".to_owned()), ("content", "Yes & no".to_owned())]),
            "ws.op=newMessage&content=Yes%20%26%20no"
        );
        let answer = "oauth_token=ab%2Bc&oauth_token_secret=s+e%26c%ZZret&lp.context=None";
        assert_eq!(form_value(answer, "oauth_token").as_deref(), Some("ab+c"));
        assert_eq!(form_value(answer, "oauth_token_secret").as_deref(), Some("s e&c%ZZret"), "a bad escape is kept");
        assert_eq!(form_value(answer, "lp.context").as_deref(), Some("None"));
        assert_eq!(form_value(answer, "oauth"), None);
        assert_eq!(form_value("x=%4", "x").as_deref(), Some("%4"), "a cut escape is kept");
    }

    #[test]
    fn errors_show_the_services_message_and_no_query() {
        assert_eq!(message_of(r#"{"message":"404 Project Not Found"}"#), "404 Project Not Found");
        assert_eq!(message_of(r#"{"error":"title is missing"}"#), "title is missing");
        assert_eq!(message_of(r#"{"message":{"title":["can't be blank"]}}"#), r#"{"title":["can't be blank"]}"#);
        assert_eq!(message_of("Bad Gateway"), "Bad Gateway");
        assert_eq!(
            display_path("https://g/api/v4/projects/1/issues?search=x", "https://g/api/v4"),
            "/projects/1/issues"
        );
    }
}
