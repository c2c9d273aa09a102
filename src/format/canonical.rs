//! The canonical layout of a record (`docket fmt`): fields in the order of the kind's field
//! table (unknown ones after, in their order), one key per line, tables and lists of tables
//! written out as sections, and text with line breaks as multi-line strings. A stable layout
//! keeps line-based tools and merges quiet. Comments attached to keys travel with them.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::fields::fields_of;
use crate::model::Kind;

/// `text` in the canonical layout for a record of `kind`.
pub fn canonical(kind: Kind, text: &str) -> Result<String, toml_edit::TomlError> {
    let mut document: DocumentMut = text.parse()?;
    let specs = fields_of(kind);
    let rank = |key: &str| specs.iter().position(|s| s.name == key).unwrap_or(specs.len());
    let table = document.as_table_mut();
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    for key in &keys {
        let Some(item) = table.get_mut(key) else { continue };
        let was_value = item.is_value();
        normalise(item);
        // A key that became a section header loses the spacing it had before `=`.
        if was_value
            && !item.is_value()
            && let Some(mut key) = table.key_mut(key)
        {
            key.leaf_decor_mut().clear();
        }
    }
    // Values first, in field order (a stable sort keeps unknown fields in their order).
    table.sort_values_by(|a, _, b, _| rank(a.get()).cmp(&rank(b.get())));
    // Then sections, in field order.
    let mut sections: Vec<&String> =
        keys.iter().filter(|k| table.get(k).is_some_and(|i| i.is_table() || i.is_array_of_tables())).collect();
    sections.sort_by_key(|k| rank(k));
    let mut position = 1_isize;
    for key in sections {
        if let Some(item) = table.get_mut(key) {
            place(item, &mut position);
        }
    }
    let mut out = document.to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Numbers the sections in `item` (a section, its subsections after it, depth first) so the
/// output order is the order they are visited in, whatever order the input had.
fn place(item: &mut Item, position: &mut isize) {
    let place_section = |section: &mut Table, position: &mut isize| {
        section.set_position(Some(*position));
        *position += 1;
        for (_, child) in section.iter_mut() {
            place(child, position);
        }
    };
    match item {
        Item::Table(section) => place_section(section, position),
        Item::ArrayOfTables(list) => {
            for section in list.iter_mut() {
                place_section(section, position);
            }
        }
        Item::Value(_) | Item::None => {}
    }
}

/// Inline tables become sections, lists of inline tables become lists of sections, and text
/// with line breaks becomes a multi-line string.
fn normalise(item: &mut Item) {
    match item {
        Item::Value(Value::InlineTable(inline)) => {
            let mut section = std::mem::take(inline).into_table();
            section.set_implicit(false);
            for (_, child) in section.iter_mut() {
                normalise(child);
            }
            *item = Item::Table(section);
        }
        Item::Value(Value::Array(array)) if !array.is_empty() && array.iter().all(Value::is_inline_table) => {
            let mut list = ArrayOfTables::new();
            for value in array.iter() {
                if let Some(inline) = value.as_inline_table() {
                    let mut section: Table = inline.clone().into_table();
                    for (_, child) in section.iter_mut() {
                        normalise(child);
                    }
                    list.push(section);
                }
            }
            *item = Item::ArrayOfTables(list);
        }
        Item::Value(value) => {
            if let Some(text) = value.as_str().filter(|t| t.contains('\n')) {
                let decor = value.decor().clone();
                let repr_is_multiline = value.to_string().contains("\"\"\"") || value.to_string().contains("'''");
                if !repr_is_multiline {
                    let mut fresh = Value::from(text.to_owned());
                    *fresh.decor_mut() = decor;
                    *value = fresh;
                }
            }
        }
        Item::Table(section) => {
            for (_, child) in section.iter_mut() {
                normalise(child);
            }
        }
        Item::ArrayOfTables(list) => {
            for section in list.iter_mut() {
                for (_, child) in section.iter_mut() {
                    normalise(child);
                }
            }
        }
        Item::None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_ordered_and_sections_written_out() {
        let messy = "weight = 2\nzendesk = 48213 # ticket\ntitle = \"Refund macro\" # the title\nrice = { reach = 500, effort = 3 }\nstage = \"triage\"\ncomments = [{ date = 2026-11-20, text = \"one\\ntwo\" }]\ntype = \"bug\"\ndescription = \"line one\\nline two\"\n";
        let tidy = canonical(Kind::Issue, messy).expect("valid");
        assert_eq!(
            tidy,
            "title = \"Refund macro\" # the title\ntype = \"bug\"\nstage = \"triage\"\nweight = 2\ndescription = \"\"\"\nline one\nline two\"\"\"\nzendesk = 48213 # ticket\n\n[rice]\nreach = 500\neffort = 3\n\n[[comments]]\ndate = 2026-11-20\ntext = \"\"\"\none\ntwo\"\"\"\n"
        );
        assert_eq!(canonical(Kind::Issue, &tidy).expect("valid"), tidy, "canonical is a fixed point");
        let same: toml::Table = toml::from_str(&tidy).expect("valid");
        let before: toml::Table = toml::from_str(messy).expect("valid");
        assert_eq!(same, before, "the values are unchanged");
    }
}
