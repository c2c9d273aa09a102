//! The JSON shape of records for `--json` (PRODUCT.md §6): `id`, `kind`, `path`, then the
//! record's fields under their own names, in file order. MIR bugs add their derived
//! `process_state`.

use serde_json::{Map, Value};

use crate::format::value::table_to_json;
use crate::model::{Body, Record};

/// One record as a JSON object.
pub fn record_to_json(record: &Record) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::String(record.id.clone()));
    object.insert("kind".into(), Value::String(record.kind().name().into()));
    object.insert("path".into(), Value::String(record.path.clone()));
    for (key, value) in table_to_json(&record.fields) {
        if !matches!(key.as_str(), "id" | "kind" | "path") {
            object.insert(key, value);
        }
    }
    if let Body::Mir(bug) = &record.body {
        object.insert("process_state".into(), Value::String(bug.state().name().into()));
    }
    Value::Object(object)
}
