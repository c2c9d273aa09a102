//! In-place edits of a record file through `toml_edit`: only the edited lines change; comments,
//! key order and the user's formatting survive.
//!
//! Edits return the new text; they do not validate it. Callers re-parse the result with
//! [`super::parse_record`] and refuse to write a file that would not be valid.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::fields::{self, FieldSpec, FieldType};
use crate::model::Kind;
use crate::time::{self, Timestamp};

/// One `docket set` argument: `field=value`, `field+=value`, `field-=value`, or an unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The field, dotted for nested tables: `rice.reach`, `capacity.jason`.
    pub path: Vec<String>,
    pub op: Op,
    pub value: String,
}

/// What an [`Assignment`] does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Replace the value (`=`).
    Set,
    /// Add to a list (`+=`).
    Append,
    /// Remove from a list (`-=`).
    Remove,
    /// Delete the field.
    Unset,
}

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("`{0}` is not an assignment")]
    NotAnAssignment(String),
    #[error("the file is not valid TOML, so it cannot be edited in place: {0}")]
    Syntax(String),
    #[error("`{field}` takes {expected}, and `{value}` is not one")]
    BadValue { field: String, value: String, expected: String },
    #[error(
        "`{0}` is a list of tables and cannot be set as a value (use `docket comment` for comments, or `docket edit`)"
    )]
    TableList(String),
    #[error("`{0}` is a table; set its fields one by one, e.g. `{0}.name=value`")]
    Table(String),
    #[error("`{field}` is not a table, so `{path}` does not exist")]
    NotATable { field: String, path: String },
    #[error("`{0}` is not a list, so `+=` and `-=` do not apply")]
    NotAList(String),
    #[error("`{field}` does not hold `{value}`")]
    NotInList { field: String, value: String },
    #[error("a label scope holds one value, and `{first}` and `{second}` are both of `{scope}::`")]
    TwoInScope { scope: String, first: String, second: String },
    #[error("`{0}` is required and cannot be unset")]
    Required(String),
}

impl Assignment {
    /// Parses `field=value`, `field+=value` or `field-=value`.
    pub fn parse(text: &str) -> Result<Self, EditError> {
        let (left, value) = text.split_once('=').ok_or_else(|| EditError::NotAnAssignment(text.to_owned()))?;
        let (field, op) = if let Some(field) = left.strip_suffix('+') {
            (field, Op::Append)
        } else if let Some(field) = left.strip_suffix('-') {
            (field, Op::Remove)
        } else {
            (left, Op::Set)
        };
        let path: Vec<String> = field.trim().split('.').map(|part| part.trim().to_owned()).collect();
        if path.iter().any(String::is_empty) {
            return Err(EditError::NotAnAssignment(text.to_owned()));
        }
        Ok(Self { path, op, value: value.to_owned() })
    }

    /// An assignment that deletes `field`.
    pub fn unset(field: &str) -> Self {
        Self { path: field.split('.').map(str::to_owned).collect(), op: Op::Unset, value: String::new() }
    }

    fn name(&self) -> String {
        self.path.join(".")
    }
}

/// Applies `assignments` to the record text `source` of `kind`. `now` resolves the values
/// `today` and `now` of date fields.
pub fn apply(source: &str, kind: Kind, assignments: &[Assignment], now: Timestamp) -> Result<String, EditError> {
    let mut document: DocumentMut =
        source.parse().map_err(|e: toml_edit::TomlError| EditError::Syntax(e.message().to_owned()))?;
    for assignment in assignments {
        apply_one(&mut document, kind, assignment, now)?;
    }
    Ok(keep_layout(kind, source, document.to_string()))
}

/// `edited`, laid out canonically ([`super::canonical`]) when `source` was: docket keeps a
/// canonical file canonical (`docket fmt --check` passes on what it writes), and never
/// reorders a file laid out by hand, where a new key goes last.
fn keep_layout(kind: Kind, source: &str, edited: String) -> String {
    if super::canonical::canonical(kind, source).is_ok_and(|tidy| tidy == source) {
        super::canonical::canonical(kind, &edited).unwrap_or(edited)
    } else {
        edited
    }
}

fn apply_one(document: &mut DocumentMut, kind: Kind, assignment: &Assignment, now: Timestamp) -> Result<(), EditError> {
    let name = assignment.name();
    // Find the field's spec, descending into nested tables.
    let mut specs: Option<&'static [FieldSpec]> = Some(fields::fields_of(kind));
    let mut spec: Option<&'static FieldSpec> = None;
    let mut container_type = None;
    for part in &assignment.path {
        spec = specs.and_then(|specs| specs.iter().find(|s| s.name == part.as_str()));
        container_type = spec.map(|s| s.field_type);
        specs = match spec.map(|s| s.field_type) {
            Some(FieldType::Table(inner)) => Some(inner),
            _ => None,
        };
        if matches!(container_type, Some(FieldType::NumberMap)) {
            break;
        }
    }
    let depth = assignment.path.len();
    let field_type = match (container_type, depth) {
        (Some(FieldType::NumberMap), d) if d >= 2 => Some(FieldType::Number { min: 0.0, max: None, exclusive: false }),
        _ if spec.is_some_and(|s| s.name == assignment.path[depth - 1].as_str()) => container_type,
        _ => None,
    };

    let (parents, leaf) = assignment.path.split_at(depth - 1);
    let leaf = &leaf[0];
    let mut table: &mut Table = document.as_table_mut();
    for parent in parents {
        if assignment.op == Op::Unset && !table.contains_key(parent) {
            return Ok(()); // nothing to remove
        }
        let entry = table.entry(parent).or_insert_with(|| {
            let mut new_table = Table::new();
            new_table.set_implicit(false);
            Item::Table(new_table)
        });
        table = match entry.as_table_mut() {
            Some(table) => table,
            None => return Err(EditError::NotATable { field: parent.clone(), path: assignment.name() }),
        };
    }

    match assignment.op {
        Op::Unset => {
            if spec.is_some_and(|s| s.required) && depth == 1 {
                return Err(EditError::Required(name));
            }
            table.remove(leaf);
            Ok(())
        }
        Op::Set => {
            match field_type {
                Some(FieldType::TableList(_)) => return Err(EditError::TableList(name)),
                Some(FieldType::Table(_) | FieldType::NumberMap | FieldType::Any) => {
                    return Err(EditError::Table(name));
                }
                _ => {}
            }
            let value = convert(&name, field_type, &assignment.value, now)?;
            replace_value(table, leaf, value);
            Ok(())
        }
        Op::Append | Op::Remove => {
            if !matches!(field_type, Some(FieldType::TextList | FieldType::IdList) | None) {
                return Err(EditError::NotAList(name));
            }
            let items: Vec<&str> = assignment.value.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            let scope_of = crate::model::label_scope;
            if name == "labels" && assignment.op == Op::Append {
                for (index, first) in items.iter().enumerate() {
                    if let Some(second) =
                        items[index + 1..].iter().find(|l| scope_of(l).is_some() && scope_of(l) == scope_of(first))
                    {
                        return Err(EditError::TwoInScope {
                            scope: scope_of(first).unwrap_or_default(),
                            first: (*first).to_owned(),
                            second: (*second).to_owned(),
                        });
                    }
                }
            }
            let entry = table.entry(leaf).or_insert_with(|| Item::Value(Value::Array(toml_edit::Array::new())));
            let Some(array) = entry.as_array_mut() else {
                return Err(EditError::NotAList(name));
            };
            for item in items {
                let same = |v: &Value| {
                    v.as_str()
                        .is_some_and(|l| if name == "labels" { crate::model::same_label(l, item) } else { l == item })
                };
                let position = array.iter().position(same);
                match (assignment.op, position) {
                    (Op::Append, None) => {
                        // GitLab's scoped labels: adding `priority::1` replaces `priority::2`.
                        if name == "labels"
                            && let Some(scope) = crate::model::label_scope(item)
                        {
                            array.retain(|v| v.as_str().and_then(crate::model::label_scope).is_none_or(|s| s != scope));
                        }
                        array.push(item);
                    }
                    (Op::Remove, Some(index)) => {
                        array.remove(index);
                    }
                    // `labels+=priority::1 labels-=priority::2`: the add already replaced the
                    // scope's value, so the one to remove is gone; the scope holding another
                    // value says so. A value of no scope held is a typo.
                    (Op::Remove, None)
                        if name == "labels"
                            && scope_of(item).is_some()
                            && array.iter().any(|v| v.as_str().and_then(scope_of) == scope_of(item)) => {}
                    (Op::Remove, None) => {
                        return Err(EditError::NotInList { field: name, value: item.to_owned() });
                    }
                    _ => {}
                }
            }
            // A one-line list is laid out afresh (`["a", "b"]`), so that removing its first
            // value does not leave `[ "b"]`; a list laid out over lines keeps its layout.
            if !array.to_string().contains('\n') {
                array.fmt();
            }
            Ok(())
        }
    }
}

/// Sets `key` to `value`, keeping the old value's surrounding whitespace and trailing comment.
/// The key itself is left alone, so its alignment (`stage    = …`) survives too.
pub fn replace_value(table: &mut Table, key: &str, mut value: Value) {
    if let Some(old) = table.get_mut(key).and_then(Item::as_value_mut) {
        *value.decor_mut() = old.decor().clone();
        *old = value;
        return;
    }
    table.insert(key, Item::Value(value));
}

/// `source` naming `new` wherever it names the record `old`: an issue's `milestone`, an id in
/// its `blocked_by`, a milestone's parking-lot `issue`. Only those values change; their
/// formatting and everything else stay.
pub fn replace_id(source: &str, old: &str, new: &str) -> Result<String, EditError> {
    let mut document = parse_document(source)?;
    let table = document.as_table_mut();
    if table.get("milestone").and_then(Item::as_str) == Some(old) {
        replace_value(table, "milestone", Value::from(new));
    }
    if let Some(list) = table.get_mut("blocked_by").and_then(Item::as_array_mut) {
        for item in list.iter_mut().filter(|item| item.as_str() == Some(old)) {
            let mut value = Value::from(new);
            *value.decor_mut() = item.decor().clone();
            *item = value;
        }
    }
    if let Some(list) = table.get_mut("parking_lot").and_then(Item::as_array_of_tables_mut) {
        for entry in list.iter_mut().filter(|entry| entry.get("issue").and_then(Item::as_str) == Some(old)) {
            replace_value(entry, "issue", Value::from(new));
        }
    }
    Ok(document.to_string())
}

/// The TOML value a command-line string stands for, given the field's type.
fn convert(name: &str, field_type: Option<FieldType>, text: &str, now: Timestamp) -> Result<Value, EditError> {
    let bad = |expected: &str| EditError::BadValue {
        field: name.to_owned(),
        value: text.to_owned(),
        expected: expected.to_owned(),
    };
    let trimmed = text.trim();
    Ok(match field_type {
        Some(FieldType::Text | FieldType::Enum(_) | FieldType::State | FieldType::Id) => Value::from(text),
        Some(FieldType::Integer { .. }) => Value::from(trimmed.parse::<i64>().map_err(|_| bad("an integer"))?),
        Some(FieldType::Number { .. }) => match trimmed.parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => {
                Value::from(trimmed.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(|| bad("a number"))?)
            }
        },
        Some(FieldType::Bool) => Value::from(match trimmed {
            "true" | "yes" => true,
            "false" | "no" => false,
            _ => return Err(bad("true or false")),
        }),
        Some(FieldType::Date) => Value::from(match trimmed {
            "today" => time::date_of(now),
            _ => trimmed
                .parse::<toml_edit::Datetime>()
                .ok()
                .filter(|d| d.time.is_none())
                .ok_or_else(|| bad("a date such as 2026-12-01"))?,
        }),
        Some(FieldType::DateOrDatetime) => Value::from(match trimmed {
            "today" => time::date_of(now),
            "now" => time::datetime_of(now),
            _ => trimmed
                .parse::<toml_edit::Datetime>()
                .map_err(|_| bad("a date or datetime such as 2026-11-20T10:00:00Z"))?,
        }),
        Some(FieldType::TextList | FieldType::IdList) => {
            let mut array = toml_edit::Array::new();
            for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                array.push(item);
            }
            Value::Array(array)
        }
        Some(FieldType::Table(_) | FieldType::TableList(_) | FieldType::NumberMap | FieldType::Any) => {
            return Err(EditError::Table(name.to_owned()));
        }
        // An unknown field: a TOML literal if the text is one (`4`, `true`, `2026-12-01`),
        // otherwise a string.
        None => trimmed.parse::<Value>().ok().filter(|v| !v.is_str()).unwrap_or_else(|| Value::from(text)),
    })
}

/// Appends a `[[comments]]` entry to the record text `source` of `kind`.
pub fn append_comment(
    source: &str,
    kind: Kind,
    date: Timestamp,
    author: Option<&str>,
    text: &str,
) -> Result<String, EditError> {
    let mut document = parse_document(source)?;
    let comment = entry(Value::from(time::datetime_of(date)), author, None, text);
    push_entry(&mut document, "comments", comment)?;
    Ok(keep_layout(kind, source, document.to_string()))
}

fn parse_document(source: &str) -> Result<DocumentMut, EditError> {
    source.parse().map_err(|e: toml_edit::TomlError| EditError::Syntax(e.message().to_owned()))
}

/// A `[[comments]]` or `[[updates]]` entry: its date, author, health and text (multi-line text
/// ends with a newline, so TOML writes it as a block).
fn entry(date: Value, author: Option<&str>, health: Option<crate::model::Health>, text: &str) -> Table {
    let mut entry = Table::new();
    entry.insert("date", Item::Value(date));
    if let Some(author) = author {
        entry.insert("author", Item::Value(Value::from(author)));
    }
    if let Some(health) = health {
        entry.insert("health", Item::Value(Value::from(health.name())));
    }
    let text = if text.contains('\n') && !text.ends_with('\n') { format!("{text}\n") } else { text.to_owned() };
    entry.insert("text", Item::Value(Value::from(text)));
    entry
}

/// Appends `entry` to the list of tables `list`, creating it.
fn push_entry(document: &mut DocumentMut, list: &str, entry: Table) -> Result<(), EditError> {
    match document.as_table_mut().entry(list).or_insert_with(|| Item::ArrayOfTables(ArrayOfTables::new())) {
        Item::ArrayOfTables(array) => {
            array.push(entry);
            Ok(())
        }
        _ => Err(EditError::TableList(list.to_owned())),
    }
}

/// `source` with a weekly update appended as an `[[updates]]` entry (seed 000: "every week,
/// post a brief update"), dated `date` (the day, as updates are), by `author`, with `health`;
/// the issue's own `health` field is set to it too, so the latest status is one field.
pub fn append_update(
    source: &str,
    kind: Kind,
    date: Timestamp,
    author: Option<&str>,
    health: Option<crate::model::Health>,
    text: &str,
) -> Result<String, EditError> {
    let mut document = parse_document(source)?;
    if let Some(health) = health {
        replace_value(document.as_table_mut(), "health", Value::from(health.name()));
    }
    push_entry(&mut document, "updates", entry(Value::from(time::date_of(date)), author, health, text))?;
    Ok(keep_layout(kind, source, document.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rename's references: the milestone, ids in `blocked_by`, parking-lot issues change;
    /// their formatting, other ids and free text do not.
    #[test]
    fn replace_id_changes_only_the_references() {
        let issue =
            "title = \"mentions old1\"\nmilestone = \"old1\" # the release\nblocked_by = [ \"old1\", \"other\" ]\n";
        assert_eq!(
            replace_id(issue, "old1", "new-1").expect("valid"),
            "title = \"mentions old1\"\nmilestone = \"new-1\" # the release\nblocked_by = [ \"new-1\", \"other\" ]\n"
        );
        let milestone = "title = \"M\"\n\n[[parking_lot]]\nissue = \"old1\"\nwhy = \"old1 matters\"\n\n[[parking_lot]]\nissue = \"x\"\n";
        assert_eq!(
            replace_id(milestone, "old1", "new-1").expect("valid"),
            "title = \"M\"\n\n[[parking_lot]]\nissue = \"new-1\"\nwhy = \"old1 matters\"\n\n[[parking_lot]]\nissue = \"x\"\n"
        );
        assert_eq!(replace_id(issue, "nobody", "new-1").expect("valid"), issue);
    }

    const HAND_WRITTEN: &str = r#"# Refund macro, requested by the EMEA team
title = "Zendesk macro for refunds"
type = "feature"   # bug | feature | administrative
stage = "planning" # moved by dylan
labels = ["customer::enterprise", "system::zendesk"]
weight = 2 # a guess

[rice]
reach = 500
effort = 3 # days
"#;

    fn set(source: &str, args: &[&str]) -> Result<String, EditError> {
        let assignments: Vec<Assignment> = args.iter().map(|a| Assignment::parse(a).expect("assignment")).collect();
        apply(source, Kind::Issue, &assignments, 0)
    }

    fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
        before.lines().zip(after.lines()).filter(|(a, b)| a != b).map(|(a, b)| (a.to_owned(), b.to_owned())).collect()
    }

    #[test]
    fn setting_a_field_changes_one_line_and_keeps_its_comment() {
        let after = set(HAND_WRITTEN, &["weight=3"]).expect("edit");
        assert_eq!(
            changed_lines(HAND_WRITTEN, &after),
            vec![("weight = 2 # a guess".into(), "weight = 3 # a guess".into())]
        );
        assert_eq!(after.lines().count(), HAND_WRITTEN.lines().count());
    }

    #[test]
    fn strings_and_nested_fields() {
        let after = set(HAND_WRITTEN, &["stage=scheduling", "rice.effort=2.5"]).expect("edit");
        assert_eq!(
            changed_lines(HAND_WRITTEN, &after),
            vec![
                ("stage = \"planning\" # moved by dylan".into(), "stage = \"scheduling\" # moved by dylan".into()),
                ("effort = 3 # days".into(), "effort = 2.5 # days".into()),
            ]
        );
    }

    #[test]
    fn lists_grow_and_shrink() {
        let after = set(HAND_WRITTEN, &["labels+=priority::2", "labels-=system::zendesk"]).expect("edit");
        assert!(after.contains(r#"labels = ["customer::enterprise", "priority::2"]"#), "{after}");
        assert_eq!(
            set(HAND_WRITTEN, &["labels-=nope"]),
            Err(EditError::NotInList { field: "labels".into(), value: "nope".into() })
        );
    }

    #[test]
    fn new_fields_are_added_and_unknown_fields_typed() {
        let after = set(HAND_WRITTEN, &["assignee=jason", "sla_hours=4", "tier=gold"]).expect("edit");
        assert!(after.contains("assignee = \"jason\"\n"), "{after}");
        assert!(after.contains("sla_hours = 4\n"), "{after}");
        assert!(after.contains("tier = \"gold\"\n"), "{after}");
        assert!(after.starts_with("# Refund macro"), "{after}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(matches!(set(HAND_WRITTEN, &["weight=three"]), Err(EditError::BadValue { .. })));
        assert!(matches!(set(HAND_WRITTEN, &["comments=hi"]), Err(EditError::TableList(_))));
        assert!(matches!(Assignment::parse("weight"), Err(EditError::NotAnAssignment(_))));
        assert_eq!(
            apply(HAND_WRITTEN, Kind::Issue, &[Assignment::unset("title")], 0),
            Err(EditError::Required("title".into()))
        );
    }

    #[test]
    fn updates_are_appended_and_set_the_health() {
        let after = append_update(
            HAND_WRITTEN,
            Kind::Issue,
            1_795_000_000,
            Some("lyle"),
            Some(crate::model::Health::AtRisk),
            "blocked on legal",
        )
        .expect("edit");
        assert!(
            after.contains(
                "[[updates]]\ndate = 2026-11-18\nauthor = \"lyle\"\nhealth = \"at_risk\"\ntext = \"blocked on legal\"\n"
            ),
            "{after}"
        );
        let table: toml::Table = toml::from_str(&after).expect("valid");
        assert_eq!(table["health"].as_str(), Some("at_risk"));
        // Without a health, the issue's health is left as it was.
        let plain = append_update(HAND_WRITTEN, Kind::Issue, 1_795_000_000, None, None, "on it").expect("edit");
        assert!(!plain.contains("health"), "{plain}");
    }

    #[test]
    fn comments_are_appended_at_the_end() {
        let after = append_comment(HAND_WRITTEN, Kind::Issue, 1_795_000_000, Some("dylan"), "approved\nby leadership")
            .expect("edit");
        assert!(after.starts_with(HAND_WRITTEN), "{after}");
        assert!(after.contains("[[comments]]\ndate = 2026-"), "{after}");
        assert!(after.contains("author = \"dylan\""), "{after}");
        assert!(after.contains("text = \"\"\"\napproved\nby leadership\n\"\"\""), "{after}");
    }
}
