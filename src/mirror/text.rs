//! Record text as the mirrors read and write it: the comments and weekly updates a record
//! holds (keyed, so each is posted once), its remote number (`[mirror.<service>]`), pulled
//! values written into its TOML in place, and the text of a record made from a remote item.

use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, Table};

use super::{LocalComment, MirrorError, View};
use crate::model::{Kind, Record};
use crate::time::Timestamp;
use crate::tracker::Tracker;

/// The comments and weekly updates of a record, keyed for the mirrors.
pub fn local_comments(record: &Record) -> Vec<LocalComment> {
    let key = |tag: &str, date: Option<Timestamp>, author: Option<&str>, text: &str| {
        let mut hash = Sha256::new();
        for part in [tag, &date.map(|d| d.to_string()).unwrap_or_default(), author.unwrap_or(""), text] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize().iter().take(8).fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
    };
    let review = match &record.body {
        crate::model::Body::Mir(bug) => bug.review.as_deref().filter(|r| !r.trim().is_empty()),
        _ => None,
    };
    let (comments, updates) = match &record.body {
        crate::model::Body::Issue(issue) => (&issue.comments[..], &issue.updates[..]),
        crate::model::Body::Mir(bug) => (&bug.comments[..], &[][..]),
        crate::model::Body::Milestone(_) => (&[][..], &[][..]),
    };
    // A MIR bug's review is posted as a comment (Launchpad keeps reviews as bug messages); a
    // changed review is a new comment.
    let mut all: Vec<LocalComment> = review
        .map(|review| LocalComment {
            key: key("review", None, None, review),
            author: None,
            date: None,
            text: review.to_owned(),
            update: None,
        })
        .into_iter()
        .collect();
    all.extend(comments.iter().map(|c| LocalComment {
        key: key("comment", c.date, c.author.as_deref(), &c.text),
        author: c.author.clone(),
        date: c.date,
        text: c.text.clone(),
        update: None,
    }));
    all.extend(updates.iter().map(|u| LocalComment {
        key: key("update", u.date, u.author.as_deref(), &u.text),
        author: u.author.clone(),
        date: u.date,
        text: u.text.clone(),
        update: Some(u.health.map(|h| h.name().to_owned())),
    }));
    all
}

/// The key of a record's remote number under `[mirror.<service>]`: Launchpad's `bug`,
/// GitLab's `iid` for issues and `id` for milestones.
fn number_key(service: &str, kind: Kind) -> &'static str {
    match (service, kind) {
        ("launchpad", _) => "bug",
        (_, Kind::Milestone) => "id",
        _ => "iid",
    }
}

/// The remote number a record carries (`[mirror.<service>] iid`, `id` or `bug`).
pub(super) fn remote_number_of(record: &Record, service: &str) -> Option<u64> {
    let table = record.fields.get("mirror")?.as_table()?.get(service)?.as_table()?;
    table.get(number_key(service, record.kind()))?.as_integer().and_then(|n| u64::try_from(n).ok())
}

/// `text` with the remote number set (`[mirror.<service>] iid = <remote>`, see [`number_key`]).
pub(super) fn with_remote_number(text: &str, service: &str, kind: Kind, remote: u64) -> Result<String, MirrorError> {
    let mut document: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        MirrorError::Config(format!("a record is not valid TOML: {}", e.message()))
    })?;
    let mirror = document.as_table_mut().entry("mirror").or_insert_with(|| {
        let mut table = Table::new();
        table.set_implicit(true);
        Item::Table(table)
    });
    if let Some(mirror) = mirror.as_table_mut() {
        let service_table = mirror.entry(service).or_insert_with(|| Item::Table(Table::new()));
        if let Some(table) = service_table.as_table_mut() {
            table.insert(number_key(service, kind), toml_edit::value(i64::try_from(remote).unwrap_or(i64::MAX)));
        }
    }
    Ok(document.to_string())
}

/// The record text with the fields of `changes` set (a `null` removes the field); a change of
/// state goes through the workflow's move, so the fields a move sets are set too (a derived
/// state's fields are set as they are).
pub(super) fn apply_view(tracker: &Tracker, text: &str, record: &Record, changes: &View, now: Timestamp) -> String {
    let kind = record.kind();
    let workflow = tracker.workflow(kind);
    let mut document: DocumentMut = match text.parse() {
        Ok(document) => document,
        Err(_) => return text.to_owned(),
    };
    let mut target = None;
    for (field, value) in changes {
        // A state the workflow derives (the MIR process states, from status and assignee) is
        // not moved to: its fields are written as they are, and the check judges the result.
        if *field == workflow.field && workflow.derive == crate::workflow::Derive::Field {
            target = value.as_str().map(str::to_owned);
            continue;
        }
        let table = document.as_table_mut();
        match toml_of(kind, field, value) {
            Some(value) => crate::format::edit::replace_value(table, field, value),
            None => {
                table.remove(field);
            }
        }
    }
    let mut text = document.to_string();
    if let Some(target) = target {
        let moves = crate::workflow::engine::move_edits(workflow, record, &target);
        if let Ok(moved) = crate::format::edit::apply(&text, kind, &moves, now) {
            text = moved;
        }
    }
    text
}

/// A JSON value of a view as a TOML value; `None` for `null`.
/// A JSON value of a view as the TOML value of field `field` of `kind` (a date field's text
/// becomes a TOML date); `None` for `null`.
pub(super) fn toml_of(kind: Kind, field: &str, value: &Value) -> Option<toml_edit::Value> {
    use crate::format::fields::FieldType;
    let is_date = crate::format::fields::find(kind, field)
        .is_some_and(|spec| matches!(spec.field_type, FieldType::Date | FieldType::DateOrDatetime));
    match value {
        Value::Null | Value::Object(_) => None,
        Value::Bool(b) => Some((*b).into()),
        Value::Number(n) => n.as_i64().map(Into::into).or_else(|| n.as_f64().map(Into::into)),
        Value::String(s) => match s.parse::<toml_edit::Datetime>() {
            Ok(date) if is_date => Some(date.into()),
            _ => Some(s.as_str().into()),
        },
        // A list of tables (`[[series]]`) as an inline array of inline tables.
        Value::Array(items) if items.iter().any(Value::is_object) => Some(
            items
                .iter()
                .filter_map(Value::as_object)
                .map(|object| {
                    object
                        .iter()
                        .filter_map(|(key, value)| Some((key.as_str(), toml_of(kind, key, value)?)))
                        .collect::<toml_edit::InlineTable>()
                })
                .collect::<toml_edit::Array>()
                .into(),
        ),
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).collect::<toml_edit::Array>().into()),
    }
}

/// The text of a record made from a remote item.
pub(super) fn new_record_text(
    tracker: &Tracker,
    kind: Kind,
    view: &View,
    service: &str,
    remote: u64,
    created: Timestamp,
) -> String {
    let workflow = tracker.workflow(kind);
    let mut document = DocumentMut::new();
    for spec in crate::format::fields::fields_of(kind) {
        if let Some(value) = view.get(spec.name).and_then(|value| toml_of(kind, spec.name, value))
            && value.as_array().is_none_or(|list| !list.is_empty())
        {
            document.as_table_mut().insert(spec.name, Item::Value(value));
        }
    }
    // A remote item without a state label starts where the workflow starts records; an issue
    // without a type label is a feature, docket's default type.
    if !document.contains_key(&workflow.field) {
        document.insert(&workflow.field, toml_edit::value(workflow.initial.as_str()));
    }
    if kind == Kind::Issue && !document.contains_key("type") {
        document.insert("type", toml_edit::value(crate::model::IssueType::default().name()));
    }
    if kind != Kind::Milestone && !document.contains_key("created") {
        document.insert("created", toml_edit::value(crate::time::datetime_of(created)));
    }
    let text = with_remote_number(&document.to_string(), service, kind, remote).unwrap_or_default();
    crate::format::canonical::canonical(kind, &text).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracker::RecordFile;
    use serde_json::json;

    #[test]
    fn pulled_text_becomes_a_date_only_in_date_fields() {
        let date = toml_of(Kind::Milestone, "end", &json!("2026-12-20")).expect("a value");
        assert!(date.as_datetime().is_some(), "{date}");
        let title = toml_of(Kind::Milestone, "title", &json!("2026-12-01")).expect("a value");
        assert_eq!(title.as_str(), Some("2026-12-01"));
        let labels = toml_of(Kind::Issue, "labels", &json!(["a", "b::c"])).expect("a value");
        assert_eq!(labels.to_string(), r#"["a", "b::c"]"#);
        assert!(toml_of(Kind::Issue, "weight", &Value::Null).is_none());
        assert_eq!(toml_of(Kind::Issue, "weight", &json!(3)).and_then(|v| v.as_integer()), Some(3));
    }

    #[test]
    fn comment_keys_are_stable_and_tell_comments_from_updates() {
        let file = RecordFile { kind: Kind::Issue, id: "abc123".into(), path: "issues/abc123.toml".into() };
        let text = "title = \"T\"\ntype = \"bug\"\nstage = \"triage\"\n\n[[comments]]\ndate = 2026-11-20T10:00:00Z\nauthor = \"dylan\"\ntext = \"Same words\"\n\n[[updates]]\ndate = 2026-11-20\nauthor = \"dylan\"\nhealth = \"on_track\"\ntext = \"Same words\"\n";
        let parsed = crate::format::parse::parse_record(
            file.kind,
            &file.id,
            &file.path,
            text,
            &crate::format::parse::RecordRules::default(),
        );
        let record = parsed.record.expect("valid");
        let comments = local_comments(&record);
        assert_eq!(comments.len(), 2);
        assert_ne!(comments[0].key, comments[1].key);
        assert_eq!(comments[0].update, None);
        assert_eq!(comments[1].update, Some(Some("on_track".to_owned())));
        assert_eq!(local_comments(&record), comments, "the same record, the same keys");
        assert_eq!(comments[0].key.len(), 16);
    }
}
