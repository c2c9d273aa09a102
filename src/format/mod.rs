//! Record files ↔ the model: parsing with byte spans for located diagnostics, in-place edits
//! through `toml_edit` that change only the lines they must, and the text of new records.
//!
//! Nothing here touches the file system: callers hand in the text and write out the result.

pub mod edit;
pub mod fields;
pub mod new;
pub mod parse;
pub mod value;

pub use parse::{Parsed, RecordRules, parse_record};

/// The byte span of the key of a (dotted) field in `source`, to point diagnostics at; for an
/// array of tables, its last header.
pub fn locate(source: &str, field: &str) -> Option<std::ops::Range<usize>> {
    let document = toml_edit::Document::parse(source).ok()?;
    let mut table: &dyn toml_edit::TableLike = document.as_table();
    let mut parts = field.split('.').peekable();
    while let Some(part) = parts.next() {
        let (key, item) = table.get_key_value(part)?;
        if parts.peek().is_none() {
            return match item {
                toml_edit::Item::ArrayOfTables(array) => array.iter().last().and_then(toml_edit::Table::span),
                _ => key.span().or_else(|| item.span()),
            };
        }
        table = item.as_table_like()?;
    }
    None
}
