//! Conversions between TOML documents (`toml_edit`, with spans and formatting), plain TOML values
//! and JSON.

use toml_edit::{Item, Value};

/// The plain value of a parsed item, `None` for an empty item.
pub fn item_to_value(item: &Item) -> Option<toml::Value> {
    match item {
        Item::None => None,
        Item::Value(value) => Some(value_to_value(value)),
        Item::Table(table) => Some(toml::Value::Table(
            table.iter().filter_map(|(key, item)| Some((key.to_owned(), item_to_value(item)?))).collect(),
        )),
        Item::ArrayOfTables(array) => Some(toml::Value::Array(
            array
                .iter()
                .map(|table| {
                    toml::Value::Table(
                        table.iter().filter_map(|(key, item)| Some((key.to_owned(), item_to_value(item)?))).collect(),
                    )
                })
                .collect(),
        )),
    }
}

fn value_to_value(value: &Value) -> toml::Value {
    match value {
        Value::String(s) => toml::Value::String(s.value().clone()),
        Value::Integer(n) => toml::Value::Integer(*n.value()),
        Value::Float(x) => toml::Value::Float(*x.value()),
        Value::Boolean(b) => toml::Value::Boolean(*b.value()),
        Value::Datetime(d) => toml::Value::Datetime(*d.value()),
        Value::Array(array) => toml::Value::Array(array.iter().map(value_to_value).collect()),
        Value::InlineTable(table) => {
            toml::Value::Table(table.iter().map(|(key, value)| (key.to_owned(), value_to_value(value))).collect())
        }
    }
}

/// A TOML value as JSON: datetimes become RFC 3339 strings, non-finite floats become strings.
pub fn to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(n) => serde_json::Value::from(*n),
        toml::Value::Float(x) => serde_json::Number::from_f64(*x)
            .map_or_else(|| serde_json::Value::String(x.to_string()), serde_json::Value::Number),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(array) => serde_json::Value::Array(array.iter().map(to_json).collect()),
        toml::Value::Table(table) => table_to_json(table).into(),
    }
}

/// A TOML table as a JSON object, keys in file order.
pub fn table_to_json(table: &toml::Table) -> serde_json::Map<String, serde_json::Value> {
    table.iter().map(|(key, value)| (key.clone(), to_json(value))).collect()
}

/// "a string", "an integer"… for messages about an item.
pub fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Value(value) => value_type_name(value),
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
    }
}

/// "a string", "an integer"… for messages about a value.
pub fn value_type_name(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a datetime",
        Value::Array(_) => "an array",
        Value::InlineTable(_) => "an inline table",
    }
}

/// An item's value as written, for messages (`-2`, `"eight"`), or its type when it is long.
pub fn describe(item: &Item) -> String {
    match item.as_value() {
        Some(value) => {
            let text = value.to_string();
            let text = text.trim();
            if text.chars().count() <= 40 { format!("`{text}`") } else { value_type_name(value).to_owned() }
        }
        None => type_name(item).to_owned(),
    }
}
