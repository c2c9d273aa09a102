//! Request parameters as lazr.restful reads them: a query string or form as `name=value` pairs
//! (a name may repeat), each value taken as JSON when it parses as JSON and as text otherwise
//! (lazr.restfulclient JSON-encodes every value that has no WADL options, so a title arrives as
//! `"…"` and a list as `["a","b"]`); the marshallers' error texts; and the plain-text error
//! answers of the web service.

use std::fmt::Write;

use serde_json::Value;

use crate::fake_gitlab::params::urlencoded_pairs;
use crate::fake_gitlab::time;

/// An error answer: a status and lazr.restful's plain-text body.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub text: String,
}

impl ApiError {
    pub fn new(status: u16, text: impl Into<String>) -> Self {
        Self { status, text: text.into() }
    }

    /// A validation failure: 400 with one `name: problem` line per problem.
    pub fn invalid(problems: &[String]) -> Self {
        Self::new(400, problems.join("\n"))
    }

    /// Something Launchpad has that this fake does not: 400, so that a test never passes by
    /// accident on an answer Launchpad would not give.
    pub fn unfaked(what: &str) -> Self {
        Self::new(400, format!("the fake Launchpad does not implement {what}"))
    }

    /// Zope's `NotFound` as the web service renders it.
    pub fn not_found(name: &str) -> Self {
        Self::new(404, format!("Object: <lp.systemhomes.WebServiceApplication object>, name: '{name}'"))
    }
}

/// The `name=value` pairs of a query string or form, decoded, in order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

/// A value as lazr.restful's marshallers read it: JSON if it parses as JSON, else the text.
fn lazr_value(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Python's `repr` of a value, for the marshallers' messages.
fn python_repr(value: &Value) -> String {
    match value {
        Value::String(text) => format!("'{text}'"),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Null => "None".to_owned(),
        other => other.to_string(),
    }
}

impl Form {
    pub fn parse(text: &str) -> Self {
        Self { pairs: urlencoded_pairs(text) }
    }

    /// These pairs, then those of `other` (a query string, then a form body).
    pub fn merged(mut self, other: Form) -> Self {
        self.pairs.extend(other.pairs);
        self
    }

    /// The distinct names, in order.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for (name, _) in &self.pairs {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }

    /// Every raw value of a name.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str()).collect()
    }

    /// The first raw value of a name.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.values(name).into_iter().next()
    }

    /// A text parameter (lazr's `TextFieldMarshaller`): a JSON string or number, or raw text.
    pub fn text(&self, name: &str) -> Option<String> {
        self.raw(name).and_then(|raw| match lazr_value(raw) {
            Value::String(text) => Some(text),
            Value::Null => None,
            Value::Bool(flag) => Some(if flag { "True" } else { "False" }.to_owned()),
            Value::Number(number) => Some(number.to_string()),
            _ => Some(raw.to_owned()),
        })
    }

    /// A list parameter: repeated, or a JSON array, or one value taken as a one-item list.
    pub fn list(&self, name: &str) -> Option<Vec<String>> {
        let values = self.values(name);
        let items: Vec<Value> = match values.as_slice() {
            [] => return None,
            [one] => match lazr_value(one) {
                Value::Array(items) => items,
                Value::Null => return None,
                other => vec![other],
            },
            many => many.iter().map(|raw| lazr_value(raw)).collect(),
        };
        Some(
            items
                .into_iter()
                .map(|item| match item {
                    Value::String(text) => text,
                    other => python_repr(&other),
                })
                .collect(),
        )
    }

    /// A boolean parameter (lazr's `BoolFieldMarshaller`).
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, String> {
        match self.raw(name).map(lazr_value) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(flag)),
            Some(other) => Err(format!("{name}: not a boolean: {}", python_repr(&other))),
        }
    }

    /// A date-time parameter (lazr's `DateTimeFieldMarshaller`): ISO 8601 in UTC; a time with
    /// no zone is read as UTC.
    pub fn datetime(&self, name: &str) -> Result<Option<i64>, String> {
        let Some(text) = self.text(name) else { return Ok(None) };
        let instant = time::parse_datetime(&text).ok_or_else(|| format!("{name}: Value doesn't look like a date."))?;
        let zone = text.get(19..).unwrap_or_default().trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
        if ["", "Z", "z", "+00:00", "+0000", "-00:00", "-0000"].contains(&zone) {
            Ok(Some(instant))
        } else {
            Err(format!("{name}: Time not in UTC."))
        }
    }

    /// The query string of these pairs without the batch parameters, as lazr.batchnavigator
    /// keeps it for the links to other batches (the raw text, not re-encoded).
    pub fn clean_query(query: &str) -> String {
        query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
                !["ws.start", "ws.size", "ws.show"].contains(&name)
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// An instant as Launchpad renders dates (Python's `isoformat()` of an aware UTC datetime: no
/// fraction when there is none, else microseconds).
pub fn format_time(ms: i64) -> String {
    let gitlab = time::format(ms); // 2026-11-23T12:00:00.000Z
    let (seconds, millis) = gitlab.trim_end_matches('Z').split_once('.').expect("a fraction");
    if millis == "000" { format!("{seconds}+00:00") } else { format!("{seconds}.{millis}000+00:00") }
}

/// Bytes as lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        write!(out, "{byte:02x}").expect("writing to a String");
        out
    })
}
