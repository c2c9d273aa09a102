//! A field-level three-way merge of record files, for git's merge driver.
//!
//! Fields changed on one side only are taken from that side; the same field changed alike on
//! both sides is fine; `[[comments]]` and `[[updates]]` merge entry by entry, three-way: what
//! either side added is kept, what either side deleted or redacted stays so, in date order;
//! lists of strings (labels, tags) merge as sets, three-way too; tables (`[rice]`,
//! `[capacity]`) merge field by field. The same field changed differently on both sides is a
//! conflict, written into the file between git's conflict markers with both values. The
//! result starts from "ours", so its formatting and comments survive. Pure: text in, text out.

use toml_edit::{DocumentMut, Item, Table, Value};

use crate::format::value::item_to_value;

/// The outcome of a merge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The merged file; with conflict markers when there are conflicts.
    pub text: String,
    /// The dotted names of the fields changed differently on both sides.
    pub conflicts: Vec<String>,
}

/// Why a merge could not be attempted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {side} version is not valid TOML: {message}")]
pub struct MergeError {
    pub side: &'static str,
    pub message: String,
}

/// Fields whose entries from both sides are kept, in date order.
const ENTRY_LISTS: &[&str] = &["comments", "updates", "retro", "parking_lot"];

fn parse(side: &'static str, text: &str) -> Result<DocumentMut, MergeError> {
    text.parse::<DocumentMut>()
        .map_err(|e: toml_edit::TomlError| MergeError { side, message: e.message().trim().to_owned() })
}

fn plain(item: Option<&Item>) -> Option<toml::Value> {
    item.and_then(item_to_value)
}

/// Merges `ours` and `theirs`, both descended from `base` (empty when the file is new on both
/// sides).
pub fn merge(base: &str, ours: &str, theirs: &str) -> Result<Merged, MergeError> {
    let base = parse("base", base)?;
    let mut merged = parse("ours", ours)?;
    let theirs = parse("theirs", theirs)?;
    let mut conflicts = Vec::new();
    merge_table(base.as_table(), merged.as_table_mut(), theirs.as_table(), "", &mut conflicts);
    let mut text = merged.to_string();
    if !conflicts.is_empty() {
        let theirs_table = theirs.as_table();
        for name in &conflicts {
            text = mark_conflict(&text, name, theirs_table);
        }
    }
    Ok(Merged { text, conflicts })
}

fn merge_table(base: &Table, ours: &mut Table, theirs: &Table, prefix: &str, conflicts: &mut Vec<String>) {
    let mut keys: Vec<String> = ours.iter().map(|(k, _)| k.to_owned()).collect();
    keys.extend(theirs.iter().map(|(k, _)| k.to_owned()).filter(|k| !ours.contains_key(k)));
    keys.extend(base.iter().map(|(k, _)| k.to_owned()).filter(|k| !ours.contains_key(k) && !theirs.contains_key(k)));
    for key in keys {
        let name = format!("{prefix}{key}");
        let (b, o, t) = (plain(base.get(&key)), plain(ours.get(&key)), plain(theirs.get(&key)));
        if o == t || t == b {
            continue;
        }
        if o == b {
            // Only theirs changed it: take theirs, in ours' place when ours has the key.
            match theirs.get(&key) {
                None => {
                    ours.remove(&key);
                }
                Some(item) => match (ours.get_mut(&key).and_then(Item::as_value_mut), item.as_value()) {
                    (Some(slot), Some(value)) => {
                        let decor = slot.decor().clone();
                        *slot = value.clone();
                        *slot.decor_mut() = decor;
                    }
                    _ => {
                        ours.insert(&key, item.clone());
                    }
                },
            }
            continue;
        }
        // Both changed it, differently.
        if ENTRY_LISTS.contains(&key.as_str())
            && let (Some(Item::ArrayOfTables(mine)), Some(Item::ArrayOfTables(other))) =
                (ours.get_mut(&key), theirs.get(&key))
        {
            union_entries(base.get(&key).and_then(Item::as_array_of_tables), mine, other);
            continue;
        }
        if let (Some(o), Some(t)) = (&o, &t) {
            if let (Some(mine), Some(other)) = (o.as_array(), t.as_array())
                && mine.iter().chain(other).all(toml::Value::is_str)
            {
                let base_set: Vec<toml::Value> =
                    b.as_ref().and_then(toml::Value::as_array).cloned().unwrap_or_default();
                let result = merge_sets(&base_set, mine, other);
                if let Some(slot) = ours.get_mut(&key).and_then(Item::as_value_mut).and_then(Value::as_array_mut) {
                    slot.retain(|v| result.iter().any(|r| Some(r.as_str()) == v.as_str()));
                    let missing: Vec<&String> =
                        result.iter().filter(|r| !slot.iter().any(|v| v.as_str() == Some(r.as_str()))).collect();
                    for added in missing {
                        slot.push(added.as_str());
                    }
                }
                continue;
            }
            if o.is_table() && t.is_table() {
                let empty = Table::new();
                let base_sub = base.get(&key).and_then(Item::as_table_like).map_or_else(|| empty.clone(), table_of);
                let theirs_sub = theirs.get(&key).and_then(Item::as_table_like).map(table_of).unwrap_or(empty);
                if let Some(mine) = ours.get_mut(&key).and_then(Item::as_table_mut) {
                    merge_table(&base_sub, mine, &theirs_sub, &format!("{name}."), conflicts);
                    continue;
                }
            }
        }
        conflicts.push(name);
    }
}

/// A standard table with the entries of `table`, for merging inline tables like standard ones.
fn table_of(table: &dyn toml_edit::TableLike) -> Table {
    let mut out = Table::new();
    for (key, item) in table.iter() {
        out.insert(key, item.clone());
    }
    out
}

/// `base` less what either side removed, plus what either side added; ours' order first.
fn merge_sets(base: &[toml::Value], ours: &[toml::Value], theirs: &[toml::Value]) -> Vec<String> {
    let text = |v: &toml::Value| v.as_str().unwrap_or("").to_owned();
    let removed = |side: &[toml::Value], v: &toml::Value| base.contains(v) && !side.contains(v);
    let mut result: Vec<String> = ours.iter().filter(|v| !removed(theirs, v)).map(text).collect();
    for value in theirs.iter().filter(|v| !base.contains(v) && !ours.contains(v)) {
        result.push(text(value));
    }
    result
}

/// The entries of both sides, three-way: ours' entries less those theirs deleted or changed
/// (a comment deleted or redacted on one side stays so), plus theirs' new ones; then all in
/// `date` order (entries without one keep their place at the end). An entry both sides
/// changed differently is kept in both versions: nothing either side wrote is lost.
fn union_entries(
    base: Option<&toml_edit::ArrayOfTables>,
    ours: &mut toml_edit::ArrayOfTables,
    theirs: &toml_edit::ArrayOfTables,
) {
    let value = |t: &Table| item_to_value(&Item::Table(t.clone()));
    let base: Vec<Option<toml::Value>> = base.map(|b| b.iter().map(value).collect()).unwrap_or_default();
    let theirs_values: Vec<Option<toml::Value>> = theirs.iter().map(value).collect();
    let mut entries: Vec<Table> = ours
        .iter()
        .filter(|mine| !base.contains(&value(mine)) || theirs_values.contains(&value(mine)))
        .cloned()
        .collect();
    let ours_values: Vec<Option<toml::Value>> = ours.iter().map(value).collect();
    for entry in theirs {
        let entry_value = value(entry);
        if !base.contains(&entry_value) && !ours_values.contains(&entry_value) {
            entries.push(entry.clone());
        }
    }
    let date = |t: &Table| t.get("date").and_then(Item::as_datetime).and_then(crate::time::timestamp_of);
    entries.sort_by_key(|t| date(t).unwrap_or(i64::MAX));
    ours.clear();
    for entry in entries {
        ours.push(entry);
    }
}

/// Replaces the line(s) of field `name` in `text` with git conflict markers around ours' and
/// theirs' versions of it.
fn mark_conflict(text: &str, name: &str, theirs: &Table) -> String {
    let Ok(document) = toml_edit::Document::parse(text) else { return text.to_owned() };
    let mut table: &dyn toml_edit::TableLike = document.as_table();
    let mut theirs_table: &dyn toml_edit::TableLike = theirs;
    let parts: Vec<&str> = name.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        let (Some(next), Some(their_next)) =
            (table.get(part).and_then(Item::as_table_like), theirs_table.get(part).and_then(Item::as_table_like))
        else {
            return text.to_owned();
        };
        table = next;
        theirs_table = their_next;
    }
    let leaf = parts[parts.len() - 1];
    let Some((key, item)) = table.get_key_value(leaf) else { return text.to_owned() };
    let (Some(key_span), Some(item_span)) = (key.span(), item.span()) else { return text.to_owned() };
    let start = text[..key_span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[item_span.end..].find('\n').map_or(text.len(), |i| item_span.end + i + 1);
    let theirs_value = theirs_table
        .get(leaf)
        .and_then(Item::as_value)
        .map_or_else(|| "(removed)".to_owned(), |v| v.to_string().trim().to_owned());
    let ours_lines = text[start..end].trim_end_matches('\n');
    format!(
        "{}<<<<<<< ours: {name}\n{ours_lines}\n=======\n{leaf} = {theirs_value}\n>>>>>>> theirs: {name}\n{}",
        &text[..start],
        &text[end..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"# the refund macro
title = "Refund macro"
type = "feature"
stage = "planning" # by dylan
labels = ["customer::enterprise", "system::zendesk"]
weight = 2

[rice]
reach = 500
effort = 3

[[comments]]
date = 2026-11-20T09:00:00Z
author = "dylan"
text = "first"
"#;

    fn edit(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "{from}");
        text.replacen(from, to, 1)
    }

    #[test]
    fn one_sided_changes_merge_and_formatting_survives() {
        let ours = edit(BASE, "weight = 2", "weight = 3");
        let theirs = edit(BASE, "reach = 500", "reach = 800");
        let merged = merge(BASE, &ours, &theirs).expect("merges");
        assert_eq!(merged.conflicts, Vec::<String>::new());
        assert_eq!(merged.text, edit(&ours, "reach = 500", "reach = 800"));
        assert!(merged.text.starts_with("# the refund macro\n"));
        assert!(merged.text.contains("stage = \"planning\" # by dylan"));
    }

    #[test]
    fn comments_from_both_sides_are_kept_in_date_order() {
        let ours = format!("{BASE}\n[[comments]]\ndate = 2026-11-22T09:00:00Z\nauthor = \"jason\"\ntext = \"ours\"\n");
        let theirs =
            format!("{BASE}\n[[comments]]\ndate = 2026-11-21T09:00:00Z\nauthor = \"lyle\"\ntext = \"theirs\"\n");
        let merged = merge(BASE, &ours, &theirs).expect("merges");
        assert_eq!(merged.conflicts, Vec::<String>::new());
        let table: toml::Table = toml::from_str(&merged.text).expect("valid");
        let texts: Vec<&str> =
            table["comments"].as_array().expect("array").iter().map(|c| c["text"].as_str().expect("text")).collect();
        assert_eq!(texts, ["first", "theirs", "ours"]);
    }

    /// A comment one side deleted, or redacted, stays so while the other side adds one.
    #[test]
    fn deleted_and_redacted_comments_stay_so() {
        let second = "\n[[comments]]\ndate = 2026-11-21T09:00:00Z\nauthor = \"lyle\"\ntext = \"secret token\"\n";
        let base = format!("{BASE}{second}");
        let added = "\n[[comments]]\ndate = 2026-11-22T09:00:00Z\nauthor = \"jason\"\ntext = \"added\"\n";
        let texts = |merged: &Merged| -> Vec<String> {
            let table: toml::Table = toml::from_str(&merged.text).expect("valid");
            table["comments"]
                .as_array()
                .expect("array")
                .iter()
                .map(|c| c["text"].as_str().expect("text").to_owned())
                .collect()
        };
        // Theirs deleted the second comment; ours added one.
        let merged = merge(&base, &format!("{base}{added}"), BASE).expect("merges");
        assert_eq!(texts(&merged), ["first", "added"]);
        // The same, sides swapped.
        let merged = merge(&base, BASE, &format!("{base}{added}")).expect("merges");
        assert_eq!(texts(&merged), ["first", "added"]);
        // Theirs redacted it.
        let redacted = edit(&base, "text = \"secret token\"", "text = \"(redacted)\"");
        let merged = merge(&base, &format!("{base}{added}"), &redacted).expect("merges");
        assert_eq!(texts(&merged), ["first", "(redacted)", "added"]);
        // Both changed it differently: both versions are kept, nothing is lost.
        let mine = edit(&base, "text = \"secret token\"", "text = \"mine\"");
        let merged = merge(&base, &mine, &redacted).expect("merges");
        assert_eq!(texts(&merged), ["first", "mine", "(redacted)"]);
    }

    /// A value theirs changed takes ours' place and keeps ours' trailing comment.
    #[test]
    fn theirs_value_keeps_ours_comment() {
        let theirs = edit(BASE, "stage = \"planning\" # by dylan", "stage = \"scheduling\"");
        let merged = merge(BASE, BASE, &theirs).expect("merges");
        assert!(merged.text.contains("stage = \"scheduling\" # by dylan\n"), "{}", merged.text);
    }

    /// A field changed on one side and removed on the other is one conflict, listed once; a
    /// table on one side against a value on the other is a conflict, not a merge.
    #[test]
    fn a_removal_against_a_change_is_one_conflict() {
        let changed = edit(BASE, "weight = 2", "weight = 5");
        let removed = edit(BASE, "weight = 2\n", "");
        assert_eq!(merge(BASE, &changed, &removed).expect("merges").conflicts, ["weight"]);
        assert_eq!(merge(BASE, &removed, &changed).expect("merges").conflicts, ["weight"]);
        let table_changed = edit(BASE, "reach = 500", "reach = 900");
        let scalar = edit(BASE, "[rice]\nreach = 500\neffort = 3\n", "rice = 3\n");
        assert_eq!(merge(BASE, &table_changed, &scalar).expect("merges").conflicts, ["rice"]);
    }

    /// A label removed on one side is gone, whatever the other side added.
    #[test]
    fn a_label_removed_on_either_side_is_gone() {
        let labels = r#"labels = ["customer::enterprise", "system::zendesk"]"#;
        let added = edit(BASE, labels, r#"labels = ["customer::enterprise", "system::zendesk", "Deliverable"]"#);
        let removed = edit(BASE, labels, r#"labels = ["customer::enterprise"]"#);
        let merged = merge(BASE, &added, &removed).expect("merges");
        assert!(merged.text.contains(r#"labels = ["customer::enterprise", "Deliverable"]"#), "{}", merged.text);
        let merged = merge(BASE, &removed, &added).expect("merges");
        assert!(merged.text.contains(r#"labels = ["customer::enterprise", "Deliverable"]"#), "{}", merged.text);
    }

    #[test]
    fn labels_merge_as_sets() {
        let ours = edit(
            BASE,
            r#"labels = ["customer::enterprise", "system::zendesk"]"#,
            r#"labels = ["customer::enterprise", "priority::1"]"#,
        );
        let theirs = edit(
            BASE,
            r#"labels = ["customer::enterprise", "system::zendesk"]"#,
            r#"labels = ["customer::enterprise", "system::zendesk", "Deliverable"]"#,
        );
        let merged = merge(BASE, &ours, &theirs).expect("merges");
        assert!(
            merged.text.contains(r#"labels = ["customer::enterprise", "priority::1", "Deliverable"]"#),
            "{}",
            merged.text
        );
    }

    #[test]
    fn the_same_field_changed_differently_is_a_conflict_showing_both() {
        let ours = edit(BASE, r#"stage = "planning""#, r#"stage = "scheduling""#);
        let theirs = edit(BASE, r#"stage = "planning""#, r#"stage = "blocked""#);
        let merged = merge(BASE, &ours, &theirs).expect("merges");
        assert_eq!(merged.conflicts, ["stage"]);
        assert!(
            merged.text.contains("type = \"feature\"\n<<<<<<< ours: stage\nstage = \"scheduling\" # by dylan\n=======\nstage = \"blocked\" # by dylan\n>>>>>>> theirs: stage\nlabels = ["),
            "{}",
            merged.text
        );
        let nested = merge(BASE, &edit(BASE, "effort = 3", "effort = 2"), &edit(BASE, "effort = 3", "effort = 5"))
            .expect("merges");
        assert_eq!(nested.conflicts, ["rice.effort"]);
    }

    /// For random edits to different fields on each side, the merge equals applying both.
    #[test]
    fn disjoint_edits_merge_to_both_applied() {
        let fields: [(&str, &str, &str); 6] = [
            ("title = \"Refund macro\"", "title = \"Refund macro v2\"", "title"),
            ("type = \"feature\"", "type = \"bug\"", "type"),
            ("stage = \"planning\"", "stage = \"scheduling\"", "stage"),
            ("weight = 2", "weight = 4", "weight"),
            ("reach = 500", "reach = 900", "reach"),
            ("effort = 3", "effort = 1", "effort"),
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200 {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let (mut ours, mut theirs, mut both) = (BASE.to_owned(), BASE.to_owned(), BASE.to_owned());
            for (i, (from, to, _)) in fields.iter().enumerate() {
                match (state >> (i * 2)) & 3 {
                    0 => {
                        ours = edit(&ours, from, to);
                        both = edit(&both, from, to);
                    }
                    1 => {
                        theirs = edit(&theirs, from, to);
                        both = edit(&both, from, to);
                    }
                    _ => {}
                }
            }
            let merged = merge(BASE, &ours, &theirs).expect("merges");
            assert_eq!(merged.conflicts, Vec::<String>::new());
            let got: toml::Table = toml::from_str(&merged.text).expect("valid");
            let want: toml::Table = toml::from_str(&both).expect("valid");
            assert_eq!(got, want, "ours:\n{ours}\ntheirs:\n{theirs}");
        }
    }
}
