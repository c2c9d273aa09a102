//! Conditions: what a record must satisfy for a transition, a rule or a state. Each condition
//! that fails is reported separately, naming the field to fix.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::model::{Record, label_scope, same_label};
use crate::time::{self, Timestamp};

/// A set of requirements, all of which must hold. Empty means "always".
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The record's `type` is one of these.
    #[serde(default, rename = "type")]
    pub types: Vec<String>,
    /// Every one of these labels is present.
    #[serde(default)]
    pub labels: Vec<String>,
    /// At least one of these labels is present.
    #[serde(default)]
    pub labels_any: Vec<String>,
    /// None of these labels is present.
    #[serde(default)]
    pub labels_absent: Vec<String>,
    /// A `scope::value` label is present for each scope. `$required_scopes` stands for the
    /// scopes configured in `docket.toml` (`[labels] required_scopes`).
    #[serde(default)]
    pub label_scopes: Vec<String>,
    /// These fields (dotted for nested ones: `rice.reach`) are set and not empty.
    #[serde(default)]
    pub fields: Vec<String>,
    /// The description has these Markdown headings (`## Context`).
    #[serde(default)]
    pub sections: Vec<String>,
    /// Numeric fields within `[min, max]`.
    #[serde(default)]
    pub ranges: BTreeMap<String, [f64; 2]>,
    /// Fields equal to these values; the string `$from` stands for the state being left.
    #[serde(default)]
    pub equals: BTreeMap<String, toml::Value>,
    /// Array fields holding this value (`subscribers = "~ubuntu-mir"`).
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
    /// Fields equal to a template in which `${field}` is replaced by that field's value
    /// (`title = "[MIR] ${package}"`).
    #[serde(default)]
    pub matches: BTreeMap<String, String>,
    /// At least this many days since the record entered the state being left (from git history).
    pub min_days_in_state: Option<u32>,
    /// At least `days` since `field` last became `value` (from git history).
    pub min_days_since: Option<Since>,
    /// At least this many days since the last reply on the record: the newest dated comment by
    /// someone other than its assignee (seed 004: the reporter or driver answering). Met when
    /// there is none.
    pub min_days_since_reply: Option<u32>,
    /// The record's `iteration` is the current one (`current`) or one not yet started (`future`).
    pub iteration: Option<IterationWhen>,
    /// Now is at least `days` before the date in `field`.
    pub days_before: Option<DaysBefore>,
    /// The change adds a comment (e.g. saying why an issue is closed).
    #[serde(default)]
    pub comment_added: bool,
    /// The milestone's Deliverables are refined, weighted and within its capacity.
    #[serde(default)]
    pub milestone_ready: bool,
    /// At least one of these conditions holds.
    #[serde(default)]
    pub any: Vec<Condition>,
}

/// See [`Condition::min_days_since`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Since {
    pub field: String,
    pub value: String,
    pub days: u32,
}

/// See [`Condition::days_before`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysBefore {
    pub field: String,
    pub days: u32,
}

/// See [`Condition::iteration`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IterationWhen {
    Current,
    Future,
}

/// One requirement a record does not meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmet {
    /// The field to point at and to fix, when there is one.
    pub field: Option<String>,
    /// What is wrong, in words.
    pub message: String,
    /// Whether the field is simply missing (listed as "missing fields").
    pub missing: bool,
}

/// Facts a condition may need beyond the record itself.
pub trait Facts {
    /// When the record's `field` last took the value `value`, from git history; `None` when
    /// history does not know (a record never committed).
    fn entered(&self, record: &Record, field: &str, value: &str) -> Option<Timestamp>;
    /// Whether `milestone` may be finalized: `Err` lists what stops it.
    fn milestone_ready(&self, milestone: &Record) -> Result<(), Vec<String>>;
}

/// Everything a condition is evaluated against.
pub struct Scope<'a> {
    pub record: &'a Record,
    /// The version before the change, when there is one.
    pub old: Option<&'a Record>,
    /// The state being left (`$from`).
    pub from: Option<&'a str>,
    /// The workflow's state field, for `min_days_in_state`.
    pub state_field: &'a str,
    pub now: Timestamp,
    pub config: &'a crate::config::Config,
    pub facts: &'a dyn Facts,
    /// How much of the condition applies.
    pub mode: Mode,
}

/// How strictly a condition is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Everything: a real move at a real moment.
    Full,
    /// What a state requires while a record is in it: everything but time.
    State,
    /// The last step of the path a record arriving in a later state (an import, a mirror pull)
    /// may have taken: no time, and no labels that mark a moment (`validation::requested`
    /// gives way to `validation::rejected` while the issue is still in validation); a comment
    /// the step needs must exist.
    FinalStep,
    /// The earlier steps of such a path: only the artifacts the record must still carry
    /// (fields, sections, ranges, label scopes).
    EarlierStep,
}

/// A dotted field of a record: `rice.reach`.
pub fn lookup<'a>(record: &'a Record, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut value = record.fields.get(parts.next()?)?;
    for part in parts {
        value = value.as_table()?.get(part)?;
    }
    Some(value)
}

/// Whether a value counts as filled in.
fn is_filled(value: &toml::Value) -> bool {
    match value {
        toml::Value::String(s) => !s.trim().is_empty(),
        toml::Value::Array(a) => !a.is_empty(),
        toml::Value::Table(t) => !t.is_empty(),
        _ => true,
    }
}

#[allow(clippy::cast_precision_loss)]
fn as_number(value: &toml::Value) -> Option<f64> {
    value.as_integer().map(|n| n as f64).or_else(|| value.as_float())
}

fn text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn labels(record: &Record) -> &[String] {
    record.labels()
}

fn has_section(description: &str, heading: &str) -> bool {
    let wanted = heading.trim_start_matches('#').trim().to_lowercase();
    description.lines().any(|line| {
        let line = line.trim();
        line.starts_with('#') && line.trim_start_matches('#').trim().to_lowercase().starts_with(&wanted)
    })
}

impl Condition {
    /// Every requirement `scope.record` fails, each once.
    pub fn unmet(&self, scope: &Scope<'_>) -> Vec<Unmet> {
        let mut unmet = self.unmet_raw(scope);
        let mut seen = Vec::new();
        unmet.retain(|u| {
            let key = (u.field.clone(), u.message.clone());
            let fresh = !seen.contains(&key);
            seen.push(key);
            fresh
        });
        // "needs `iteration`" from `fields` and from `iteration` say the same thing.
        unmet
    }

    fn unmet_raw(&self, scope: &Scope<'_>) -> Vec<Unmet> {
        let record = scope.record;
        let mut unmet = Vec::new();
        let mut fail = |field: Option<&str>, message: String, missing: bool| {
            unmet.push(Unmet { field: field.map(str::to_owned), message, missing });
        };
        if !self.types.is_empty() {
            let kind_type = lookup(record, "type").and_then(toml::Value::as_str).unwrap_or("");
            if !self.types.iter().any(|t| t == kind_type) {
                fail(Some("type"), format!("only for type {}", self.types.join(" or ")), false);
            }
        }
        let present = labels(record);
        let skip_labels = matches!(scope.mode, Mode::FinalStep | Mode::EarlierStep);
        if !skip_labels {
            let has = |wanted: &String| present.iter().any(|l| same_label(l, wanted));
            for label in &self.labels {
                if !has(label) {
                    fail(Some("labels"), format!("needs the label `{label}`"), false);
                }
            }
            if !self.labels_any.is_empty() && !self.labels_any.iter().any(has) {
                let any: Vec<String> = self.labels_any.iter().map(|l| format!("`{l}`")).collect();
                fail(Some("labels"), format!("needs one of the labels {}", any.join(", ")), false);
            }
        }
        for label in &self.labels_absent {
            if present.iter().any(|l| same_label(l, label)) {
                fail(Some("labels"), format!("must not have the label `{label}`"), false);
            }
        }
        for scope_name in &self.label_scopes {
            let scopes: Vec<&str> = if scope_name == "$required_scopes" {
                scope.config.required_scopes.iter().map(String::as_str).collect()
            } else {
                vec![scope_name.as_str()]
            };
            for wanted in scopes {
                let found = present.iter().any(|l| label_scope(l).is_some_and(|s| s == wanted.to_lowercase()));
                if !found {
                    fail(Some("labels"), format!("needs a `{wanted}::…` label"), false);
                }
            }
        }
        for field in &self.fields {
            if !lookup(record, field).is_some_and(is_filled) {
                fail(Some(field), format!("needs `{field}`"), true);
            }
        }
        if !self.sections.is_empty() {
            let description = lookup(record, "description").and_then(toml::Value::as_str).unwrap_or("");
            for section in &self.sections {
                if !has_section(description, section) {
                    fail(Some("description"), format!("the description needs a `{section}` section"), false);
                }
            }
        }
        for (field, [min, max]) in &self.ranges {
            match lookup(record, field).and_then(as_number) {
                Some(x) if (*min..=*max).contains(&x) => {}
                Some(x) => fail(Some(field), format!("`{field}` must be from {min} to {max}, not {x}"), false),
                None => fail(Some(field), format!("needs `{field}` (from {min} to {max})"), true),
            }
        }
        if scope.mode != Mode::EarlierStep {
            for (field, expected) in &self.equals {
                let expected = match (expected.as_str(), scope.from) {
                    (Some("$from"), Some(from)) => toml::Value::String(from.to_owned()),
                    _ => expected.clone(),
                };
                let actual = lookup(record, field);
                let equal = match (actual, &expected) {
                    (None, toml::Value::String(s)) => s.is_empty(),
                    (None, toml::Value::Boolean(b)) => !b,
                    (Some(actual), expected) => actual == expected,
                    (None, _) => false,
                };
                if !equal {
                    fail(Some(field), format!("`{field}` must be {}", text(&expected)), actual.is_none());
                }
            }
        }
        for (field, value) in &self.contains {
            let holds = lookup(record, field)
                .and_then(toml::Value::as_array)
                .is_some_and(|items| items.iter().any(|item| item.as_str() == Some(value)));
            if !holds {
                fail(Some(field), format!("`{field}` must include `{value}`"), false);
            }
        }
        for (field, template) in &self.matches {
            let expected = expand(template, record);
            if lookup(record, field).and_then(toml::Value::as_str) != Some(expected.as_str()) {
                fail(Some(field), format!("`{field}` must be \"{expected}\""), false);
            }
        }
        if !self.any.is_empty() {
            let failures: Vec<Vec<Unmet>> = self.any.iter().map(|c| c.unmet(scope)).collect();
            if failures.iter().all(|f| !f.is_empty()) {
                let options: Vec<String> = failures
                    .iter()
                    .map(|f| {
                        f.iter()
                            .map(|u| u.message.trim_start_matches("needs ").to_owned())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    })
                    .collect();
                let field = failures.first().and_then(|f| f.first()).and_then(|u| u.field.clone());
                unmet.push(Unmet {
                    field,
                    message: format!("needs one of: {}", options.join("; or ")),
                    missing: false,
                });
            }
        }
        if self.comment_added && scope.mode == Mode::FinalStep && comment_count(record) == 0 {
            unmet.push(Unmet {
                field: Some("comments".into()),
                message: "needs a comment saying why".into(),
                missing: false,
            });
        }
        if scope.mode != Mode::Full {
            return unmet;
        }
        if let (Some(days), Some(from)) = (self.min_days_in_state, scope.from) {
            let since = scope.old.and_then(|old| scope.facts.entered(old, scope.state_field, from));
            let what = format!("in `{from}`");
            check_days(&mut unmet, since, scope.now, (days, &what, GIT_HISTORY), scope.state_field);
        }
        if let Some(since) = &self.min_days_since {
            let when = scope.old.and_then(|old| scope.facts.entered(old, &since.field, &since.value));
            let what = format!("since `{}` became `{}`", since.field, since.value);
            check_days(&mut unmet, when, scope.now, (since.days, &what, GIT_HISTORY), &since.field);
        }
        if let Some(days) = self.min_days_since_reply
            && let Some(reply) = last_reply(record, scope.old)
        {
            check_days(
                &mut unmet,
                Some(reply),
                scope.now,
                (days, "since the last reply", "from its comments"),
                "comments",
            );
        }
        if let Some(wanted) = self.iteration {
            unmet.extend(check_iteration(record, wanted, scope));
        }
        if let Some(before) = &self.days_before {
            let date = lookup(record, &before.field).and_then(toml::Value::as_datetime).and_then(time::timestamp_of);
            match date {
                Some(date) if scope.now <= date - i64::from(before.days) * 86_400 => {}
                Some(date) => unmet.push(Unmet {
                    field: Some(before.field.clone()),
                    message: format!(
                        "should happen at least {} days before `{}` ({}), and today is {}",
                        before.days,
                        before.field,
                        time::date_of(date),
                        time::date_of(scope.now)
                    ),
                    missing: false,
                }),
                None => unmet.push(Unmet {
                    field: Some(before.field.clone()),
                    message: format!("needs `{}`", before.field),
                    missing: true,
                }),
            }
        }
        if self.comment_added {
            let before = scope.old.map_or(0, comment_count);
            if comment_count(record) <= before {
                unmet.push(Unmet {
                    field: Some("comments".into()),
                    message: "needs a comment, added in the same change, saying why".into(),
                    missing: false,
                });
            }
        }
        if self.milestone_ready
            && let Err(problems) = scope.facts.milestone_ready(record)
        {
            for problem in problems {
                unmet.push(Unmet { field: Some("stage".into()), message: problem, missing: false });
            }
        }
        unmet
    }
}

/// When the newest dated comment by someone other than the record's assignee (before the
/// change, `old`, or after it) was written.
fn last_reply(record: &Record, old: Option<&Record>) -> Option<Timestamp> {
    let assignees = [record.assignee(), old.and_then(Record::assignee)];
    lookup(record, "comments")
        .and_then(toml::Value::as_array)?
        .iter()
        .filter(|comment| {
            let author = comment.get("author").and_then(toml::Value::as_str);
            author.is_some_and(|author| !assignees.contains(&Some(author)))
        })
        .filter_map(|comment| comment.get("date").and_then(toml::Value::as_datetime).and_then(time::timestamp_of))
        .max()
}

fn comment_count(record: &Record) -> usize {
    lookup(record, "comments").and_then(toml::Value::as_array).map_or(0, Vec::len)
}

/// `template` with every `${field}` replaced by the record's value of that field.
fn expand(template: &str, record: &Record) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let field = &after[..end];
        out.push_str(lookup(record, field).and_then(toml::Value::as_str).unwrap_or(""));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

const GIT_HISTORY: &str = "from git history";

/// Unmet unless `days` whole days have passed from `since` to `now`; `wait` is (days, what the
/// days are counted since, where `since` comes from).
fn check_days(unmet: &mut Vec<Unmet>, since: Option<Timestamp>, now: Timestamp, wait: (u32, &str, &str), field: &str) {
    let (days, what, source) = wait;
    // A date after `now` (a comment dated ahead) has not started the count.
    let elapsed = since.map(|since| (now - since).div_euclid(86_400).max(0));
    if elapsed.is_none_or(|elapsed| elapsed < i64::from(days)) {
        let detail = match (since, elapsed) {
            (Some(since), Some(elapsed)) => format!("{elapsed} so far, since {} ({source})", time::date_of(since)),
            _ => "git history does not show when".to_owned(),
        };
        unmet.push(Unmet {
            field: Some(field.to_owned()),
            message: format!("allowed only after {days} days {what}: {detail}"),
            missing: false,
        });
    }
}

fn check_iteration(record: &Record, wanted: IterationWhen, scope: &Scope<'_>) -> Option<Unmet> {
    let name = lookup(record, "iteration").and_then(toml::Value::as_str).filter(|s| !s.is_empty());
    let Some(name) = name else {
        return Some(Unmet { field: Some("iteration".into()), message: "needs `iteration`".into(), missing: true });
    };
    let Some(iteration) = scope.config.iterations.iter().find(|it| it.name == name) else {
        return Some(Unmet {
            field: Some("iteration".into()),
            message: format!("the iteration `{name}` is not defined in docket.toml"),
            missing: false,
        });
    };
    let day = time::date_of(scope.now);
    let current = iteration.start <= scope.now && scope.now < iteration.end + 86_400;
    let future = scope.now < iteration.start;
    match wanted {
        IterationWhen::Current if !current => Some(Unmet {
            field: Some("iteration".into()),
            message: format!(
                "only when the iteration `{name}` is current ({} to {}; today is {day})",
                time::date_of(iteration.start),
                time::date_of(iteration.end)
            ),
            missing: false,
        }),
        IterationWhen::Future if !future => Some(Unmet {
            field: Some("iteration".into()),
            message: format!(
                "only while the iteration `{name}` has not started (it started {})",
                time::date_of(iteration.start)
            ),
            missing: false,
        }),
        _ => None,
    }
}
