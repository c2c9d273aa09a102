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
