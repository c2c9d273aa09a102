//! The JSON shape of records for `--json` (PRODUCT.md §6): `id`, `kind`, `path`, then the
//! record's fields under their own names, in file order. Derived values are added under names
//! no record field has: `process_state` for MIR bugs, `rice_score` for issues with a complete
//! RICE score.

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
    match &record.body {
        Body::Mir(bug) => {
            object.insert("process_state".into(), Value::String(bug.state().name().into()));
        }
        Body::Issue(issue) => {
            if let Some(score) = issue.rice.and_then(|rice| rice.score()) {
                object.insert("rice_score".into(), Value::from(score));
            }
        }
        Body::Milestone(_) => {}
    }
    Value::Object(object)
}
