//! Record files ↔ the model: parsing with byte spans for located diagnostics, in-place edits
//! through `toml_edit` that change only the lines they must, and the text of new records.
//!
//! Nothing here touches the file system: callers hand in the text and write out the result.

pub mod canonical;
pub mod edit;
pub mod fields;
pub mod new;
pub mod node;
pub mod parse;
pub mod quick;
pub mod value;

pub use parse::{Parsed, RecordRules, parse_record};

/// The byte span of the key of a (dotted) field in `source`, to point diagnostics at:
/// `title`, `rice.reach`, `iterations[1].end`; for an array of tables named last, its last
/// header.
pub fn locate(source: &str, field: &str) -> Option<std::ops::Range<usize>> {
    let document = toml_edit::Document::parse(source).ok()?;
    let mut table: &dyn toml_edit::TableLike = document.as_table();
    let mut parts = field.split('.').peekable();
    while let Some(part) = parts.next() {
        let (name, index) = match part.split_once('[') {
            Some((name, rest)) => (name, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let (key, item) = table.get_key_value(name)?;
        let last = parts.peek().is_none();
        match (item, index) {
            (toml_edit::Item::ArrayOfTables(array), Some(index)) => {
                let entry = array.get(index)?;
                if last {
                    return entry.span();
                }
                table = entry;
            }
            (toml_edit::Item::ArrayOfTables(array), None) if last => {
                return array.iter().last().and_then(toml_edit::Table::span);
            }
            _ if last => return key.span().or_else(|| item.span()),
            _ => table = item.as_table_like()?,
        }
    }
    None
}
