//! Request parameters as Grape sees them: the query string, a form body and a JSON body merged
//! into one map (the body wins), read with Grape's coercions and answered with Grape's and
//! GitLab's error bodies.

use std::fmt::Write;

use serde_json::{Map, Value, json};

use super::time;

/// An error answer: a status and GitLab's JSON body for it.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub body: Value,
}

impl ApiError {
    /// A Grape validation failure: 400 `{"error": "title is missing"}`.
    pub fn grape(text: impl Into<String>) -> Self {
        Self { status: 400, body: json!({ "error": text.into() }) }
    }

    /// A GitLab error: `{"message": …}` (a string, or field → messages for model validation).
    pub fn message(status: u16, message: impl Into<Value>) -> Self {
        Self { status, body: json!({ "message": message.into() }) }
    }

    /// A model validation failure: 400 `{"message": {"field": ["text"]}}`.
    pub fn invalid(field: &str, text: &str) -> Self {
        Self::message(400, json!({ field: [text] }))
    }

    /// GitLab's `not_found!(what)`: 404 `{"message": "404 <what> Not Found"}`.
    pub fn not_found(what: &str) -> Self {
        Self::message(404, format!("404 {what} Not Found"))
    }

    /// A record looked up with `find_by!` that does not exist: 404 `{"message": "404 Not found"}`.
    pub fn record_not_found() -> Self {
        Self::message(404, "404 Not found")
    }

    /// Something GitLab does that this fake does not: 501, so that a test never passes by accident.
    pub fn unfaked(what: &str) -> Self {
        Self::message(501, format!("the fake GitLab does not implement {what}"))
    }
}

/// A parameter that may be absent, explicitly null (JSON `null`, or an empty form value where
/// Grape coerces it to nil), or set.
#[derive(Debug, Clone, PartialEq)]
pub enum Given<T> {
    Absent,
    Null,
    Value(T),
}

impl<T> Given<T> {
    /// The value if set.
    pub fn value(self) -> Option<T> {
        match self {
            Given::Value(value) => Some(value),
            Given::Absent | Given::Null => None,
        }
    }

    /// Whether the parameter was sent at all (null included).
    pub fn is_given(&self) -> bool {
        !matches!(self, Given::Absent)
    }
}

/// Percent-decoding as Rack does for a query string or form (`+` is a space).
pub fn decode_component(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let hex = |at: usize| bytes.get(at).and_then(|digit| char::from(*digit).to_digit(16));
        match byte {
            b'%' if hex(index + 1).is_some() && hex(index + 2).is_some() => {
                let value = hex(index + 1).expect("checked") * 16 + hex(index + 2).expect("checked");
                out.push(u8::try_from(value).expect("two hex digits fit a byte"));
                index += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Ruby's `CGI.escape`, which `Hash#to_query` uses for GitLab's `Link` headers.
pub fn cgi_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => write!(out, "%{byte:02X}").expect("writing to a String"),
        }
    }
    out
}

/// `name=value&…` pairs, decoded, in order; a `name[]` key keeps its brackets.
pub fn urlencoded_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_component(name, true), decode_component(value, true))
        })
        .collect()
}

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params(Map<String, Value>);

impl Params {
    /// Parameters given as a JSON object (the helpers that stand for the web UI use this).
    pub fn from_json(value: Value) -> Self {
        match value {
            Value::Object(map) => Self(map),
            Value::Null => Self::default(),
            other => panic!("parameters must be a JSON object, not {other}"),
        }
    }

    /// The query string, then the body: a form (`application/x-www-form-urlencoded`) or a JSON
    /// object (`application/json`). Other bodies are ignored, as Rack ignores them.
    pub fn from_request(query: &str, content_type: Option<&str>, body: &str) -> Result<Self, ApiError> {
        let mut params = Self::default();
        params.merge_urlencoded(query);
        let media_type = content_type.map(|value| value.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        match media_type.as_deref() {
            Some("application/x-www-form-urlencoded") => params.merge_urlencoded(body),
            Some("application/json") if !body.trim().is_empty() => match serde_json::from_str(body) {
                Ok(Value::Object(map)) => params.0.extend(map),
                Ok(_) => return Err(ApiError::grape("The request body must be a JSON object")),
                Err(_) => return Err(ApiError::message(400, "400 Bad request - JSON body could not be parsed")),
            },
            Some("multipart/form-data") => return Err(ApiError::unfaked("multipart/form-data bodies")),
            _ => {}
        }
        Ok(params)
    }

    /// Merges `a=1&b[]=2&b[]=3`: a `name[]` key collects an array; a repeated plain key keeps its
    /// last value, as Rack does.
    fn merge_urlencoded(&mut self, text: &str) {
        let mut arrays: Vec<String> = Vec::new();
        for (name, value) in urlencoded_pairs(text) {
            if let Some(base) = name.strip_suffix("[]") {
                if !arrays.iter().any(|seen| seen == base) {
                    arrays.push(base.to_owned());
                    self.0.insert(base.to_owned(), Value::Array(Vec::new()));
                }
                if let Some(Value::Array(items)) = self.0.get_mut(base) {
                    items.push(Value::String(value));
                }
            } else {
                self.0.insert(name, Value::String(value));
            }
        }
    }

    /// The raw value of a parameter.
    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Whether a parameter was sent (null included).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Sets a parameter (path parameters and defaults, for `Link` headers).
    pub fn set(&mut self, name: &str, value: Value) {
        self.0.insert(name.to_owned(), value);
    }

    /// Sets a parameter unless it was sent.
    pub fn set_default(&mut self, name: &str, value: Value) {
        self.0.entry(name.to_owned()).or_insert(value);
    }

    /// The names of all parameters.
    pub fn names(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    /// The parameters as Rails' `Hash#to_query` writes them: escaped `name=value` pairs, arrays
    /// as `name[]=…`, sorted.
    pub fn to_query(&self) -> String {
        let mut pairs = Vec::new();
        for (name, value) in &self.0 {
            match value {
                Value::Array(items) if items.is_empty() => pairs.push(format!("{}=", cgi_escape(&format!("{name}[]")))),
                Value::Array(items) => {
                    for item in items {
                        pairs.push(format!("{}={}", cgi_escape(&format!("{name}[]")), cgi_escape(&scalar_text(item))));
                    }
                }
                other => pairs.push(format!("{}={}", cgi_escape(name), cgi_escape(&scalar_text(other)))),
            }
        }
        pairs.sort();
        pairs.join("&")
    }

    /// A `String` parameter: any scalar is coerced to its text.
    pub fn string(&self, name: &str) -> Result<Given<String>, ApiError> {
        match self.0.get(name) {
            None => Ok(Given::Absent),
            Some(Value::Null) => Ok(Given::Null),
            Some(Value::Array(_) | Value::Object(_)) => Err(invalid(name)),
            Some(scalar) => Ok(Given::Value(scalar_text(scalar))),
        }
    }

    /// An `Integer` parameter: a JSON integer or decimal digits; an empty string is nil.
    pub fn integer(&self, name: &str) -> Result<Given<i64>, ApiError> {
        match self.0.get(name) {
            None => Ok(Given::Absent),
            Some(Value::Null) => Ok(Given::Null),
            Some(value) => match parse_integer(value) {
                Coerced::Integer(number) => Ok(Given::Value(number)),
                Coerced::Nil => Ok(Given::Null),
                Coerced::Invalid => Err(invalid(name)),
            },
        }
    }

    /// A `Boolean` parameter: JSON booleans or Grape's words (`true`, `1`, `yes`, `f`…).
    pub fn boolean(&self, name: &str) -> Result<Given<bool>, ApiError> {
        match self.0.get(name) {
            None => Ok(Given::Absent),
            Some(Value::Null) => Ok(Given::Null),
            Some(Value::Bool(flag)) => Ok(Given::Value(*flag)),
            Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
                "" => Ok(Given::Null),
                "true" | "t" | "1" | "yes" | "y" | "on" => Ok(Given::Value(true)),
                "false" | "f" | "0" | "no" | "n" | "off" => Ok(Given::Value(false)),
                _ => Err(invalid(name)),
            },
            Some(Value::Number(number)) if number.as_i64() == Some(1) => Ok(Given::Value(true)),
            Some(Value::Number(number)) if number.as_i64() == Some(0) => Ok(Given::Value(false)),
            Some(_) => Err(invalid(name)),
        }
    }

    /// A string parameter with Grape `values:`: anything else is `name does not have a valid value`.
    pub fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.string(name)? {
            Given::Value(value) if allowed.contains(&value.as_str()) => Ok(Some(value)),
            Given::Value(_) => Err(ApiError::grape(format!("{name} does not have a valid value"))),
            Given::Absent | Given::Null => Ok(None),
        }
    }

    /// A list of names as GitLab's `CommaSeparatedToArray` reads it: a comma-separated string or
    /// an array (whose items are split on commas too), trimmed, empty names dropped.
    pub fn names_list(&self, name: &str) -> Result<Given<Vec<String>>, ApiError> {
        let texts: Vec<String> = match self.0.get(name) {
            None => return Ok(Given::Absent),
            Some(Value::Null) => return Ok(Given::Null),
            Some(Value::Array(items)) => {
                if items.iter().any(|item| matches!(item, Value::Array(_) | Value::Object(_))) {
                    return Err(invalid(name));
                }
                items.iter().map(scalar_text).collect()
            }
            Some(Value::Object(_)) => return Err(invalid(name)),
            Some(scalar) => vec![scalar_text(scalar)],
        };
        Ok(Given::Value(
            texts
                .iter()
                .flat_map(|text| text.split(','))
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }

    /// A list of integers as GitLab's `CommaSeparatedToIntegerArray` reads it.
    pub fn integer_list(&self, name: &str) -> Result<Given<Vec<i64>>, ApiError> {
        match self.0.get(name) {
            Some(Value::Array(items)) => {
                let mut numbers = Vec::new();
                for item in items {
                    match parse_integer(item) {
                        Coerced::Integer(number) => numbers.push(number),
                        Coerced::Nil => {}
                        Coerced::Invalid => {
                            // A string item may itself be a comma-separated list.
                            let Value::String(text) = item else { return Err(invalid(name)) };
                            for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
                                numbers.push(part.parse().map_err(|_| invalid(name))?);
                            }
                        }
                    }
                }
                Ok(Given::Value(numbers))
            }
            Some(Value::String(text)) => text
                .split(',')
                .map(str::trim)
                .filter(|part| !part.is_empty())
                .map(|part| part.parse().map_err(|_| invalid(name)))
                .collect::<Result<_, _>>()
                .map(Given::Value),
            Some(Value::Number(_)) => self.integer(name).map(|given| match given {
                Given::Value(number) => Given::Value(vec![number]),
                _ => Given::Null,
            }),
            Some(Value::Null) => Ok(Given::Null),
            Some(_) => Err(invalid(name)),
            None => Ok(Given::Absent),
        }
    }

    /// A `DateTime` parameter, as an instant.
    pub fn datetime(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.string(name)? {
            Given::Value(text) if text.trim().is_empty() => Ok(None),
            Given::Value(text) => time::parse_datetime(&text).map(Some).ok_or_else(|| invalid(name)),
            Given::Absent | Given::Null => Ok(None),
        }
    }

    /// Grape's `requires`: every missing name is listed in one error.
    pub fn require(&self, names: &[&str]) -> Result<(), ApiError> {
        let missing: Vec<String> =
            names.iter().filter(|name| !self.has(name)).map(|name| format!("{name} is missing")).collect();
        if missing.is_empty() { Ok(()) } else { Err(ApiError::grape(missing.join(", "))) }
    }

    /// Grape's `at_least_one_of`.
    pub fn at_least_one_of(&self, names: &[&str]) -> Result<(), ApiError> {
        if names.iter().any(|name| self.has(name)) {
            Ok(())
        } else {
            Err(ApiError::grape(format!("{} are missing, at least one parameter must be provided", names.join(", "))))
        }
    }

    /// Grape's `mutually_exclusive`.
    pub fn mutually_exclusive(&self, names: &[&str]) -> Result<(), ApiError> {
        let given: Vec<&str> = names.iter().copied().filter(|name| self.has(name)).collect();
        if given.len() > 1 {
            Err(ApiError::grape(format!("{} are mutually exclusive", given.join(", "))))
        } else {
            Ok(())
        }
    }
}

fn invalid(name: &str) -> ApiError {
    ApiError::grape(format!("{name} is invalid"))
}

/// The text of a scalar, as Grape coerces it to a `String`.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A value coerced to Grape's `Integer`.
enum Coerced {
    Integer(i64),
    /// An empty string, which Grape reads as nil.
    Nil,
    Invalid,
}

fn parse_integer(value: &Value) -> Coerced {
    let parsed = match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) if text.trim().is_empty() => return Coerced::Nil,
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    parsed.map_or(Coerced::Invalid, Coerced::Integer)
}
