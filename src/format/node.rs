//! The two readings of a TOML file the field checker looks at, behind one trait.
//!
//! - [`Located`]: `toml_edit`'s document, which knows where everything is written and how
//!   (a `[table]` or an inline one), for diagnostics that point at the place.
//! - [`Plain`]: `toml`'s values, parsed without keeping formatting (by [`super::quick`] when
//!   the file is within the subset it reads, else by `toml`): cheaper, and what the record is
//!   made of anyway. Places and forms are unknown, so a file is read this way first and, only
//!   when the checker finds a problem, again as [`Located`] to say where.
//!
//! The checker's verdict is the same for both: its rules read values, never the form they are
//! written in (a table list may be `[[comments]]` or an inline array; both are tables). A fuzz
//! test holds the two readings to the same result.

use std::ops::Range;

use toml::value::Datetime;
use toml_edit::{Item, TableLike, Value};

/// An entry of a table: its key, where the key is written, its value.
pub type Entry<'a, N> = (&'a str, Option<Range<usize>>, N);

/// A TOML value as the checker sees it: a cheap, copyable reference.
pub trait Node<'a>: Copy {
    /// Where the value is written, when known.
    fn span(self) -> Option<Range<usize>>;
    fn as_str(self) -> Option<&'a str>;
    fn as_integer(self) -> Option<i64>;
    fn as_float(self) -> Option<f64>;
    fn as_bool(self) -> Option<bool>;
    fn as_datetime(self) -> Option<&'a Datetime>;
    /// "a string", "an inline table"…, for messages.
    fn type_name(self) -> &'static str;
    /// The value as written when short (`-2`, `"eight"`), else its type, for messages.
    fn describe(self) -> String;
    /// The elements of an array of values (not of a `[[list]]` of tables).
    fn elements(self) -> Option<Vec<Self>>;
    /// The entries of a table, inline or not: key, where the key is written, value.
    fn entries(self) -> Option<Vec<Entry<'a, Self>>>;
    /// The entries of a list of tables, `[[name]]` or an inline array, with where to point
    /// for each (its header, or the element).
    fn table_list(self, name: &str) -> Option<Vec<(Option<Range<usize>>, Self)>>;
}

/// A value of `toml_edit`'s document.
#[derive(Clone, Copy)]
pub enum Located<'a> {
    Item(&'a Item),
    Value(&'a Value),
    Table(&'a dyn TableLike),
}

impl<'a> Located<'a> {
    fn item(self) -> Option<&'a Item> {
        match self {
            Located::Item(item) => Some(item),
            _ => None,
        }
    }

    fn value(self) -> Option<&'a Value> {
        match self {
            Located::Item(item) => item.as_value(),
            Located::Value(value) => Some(value),
            Located::Table(_) => None,
        }
    }

    fn table(self) -> Option<&'a dyn TableLike> {
        match self {
            Located::Item(item) => item.as_table_like(),
            Located::Value(value) => value.as_inline_table().map(|t| t as &dyn TableLike),
            Located::Table(table) => Some(table),
        }
    }
}

impl<'a> Node<'a> for Located<'a> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Located::Item(item) => item.span(),
            Located::Value(value) => value.span(),
            Located::Table(_) => None,
        }
    }

    fn as_str(self) -> Option<&'a str> {
        self.value().and_then(Value::as_str)
    }

    fn as_integer(self) -> Option<i64> {
        self.value().and_then(Value::as_integer)
    }

    fn as_float(self) -> Option<f64> {
        self.value().and_then(Value::as_float)
    }

    fn as_bool(self) -> Option<bool> {
        self.value().and_then(Value::as_bool)
    }

    fn as_datetime(self) -> Option<&'a Datetime> {
        self.value().and_then(Value::as_datetime)
    }

    fn type_name(self) -> &'static str {
        match self {
            Located::Item(item) => super::value::type_name(item),
            Located::Value(value) => super::value::value_type_name(value),
            Located::Table(_) => "a table",
        }
    }

    fn describe(self) -> String {
        match self {
            Located::Item(item) => super::value::describe(item),
            Located::Value(value) => super::value::describe(&Item::Value(value.clone())),
            Located::Table(_) => "a table".to_owned(),
        }
    }

    fn elements(self) -> Option<Vec<Self>> {
        self.value().and_then(Value::as_array).map(|array| array.iter().map(Located::Value).collect())
    }

    fn entries(self) -> Option<Vec<Entry<'a, Self>>> {
        let table = self.table()?;
        Some(
            table
                .iter()
                .map(|(key, item)| (key, table.key(key).and_then(toml_edit::Key::span), Located::Item(item)))
                .collect(),
        )
    }

    fn table_list(self, name: &str) -> Option<Vec<(Option<Range<usize>>, Self)>> {
        if let Some(Item::ArrayOfTables(array)) = self.item() {
            // Point at the `[[name]]` header of each.
            let header = |table: &toml_edit::Table| table.span().map(|s| s.start..s.start + name.len() + 4);
            return Some(array.iter().map(|table| (header(table), Located::Table(table))).collect());
        }
        let array = self.value()?.as_array()?;
        Some(array.iter().map(|element| (element.span(), Located::Value(element))).collect())
    }
}

/// A value of `toml`'s parse: no places, no forms.
#[derive(Clone, Copy)]
pub struct Plain<'a>(pub &'a toml::Value);

impl<'a> Node<'a> for Plain<'a> {
    fn span(self) -> Option<Range<usize>> {
        None
    }

    fn as_str(self) -> Option<&'a str> {
        self.0.as_str()
    }

    fn as_integer(self) -> Option<i64> {
        self.0.as_integer()
    }

    fn as_float(self) -> Option<f64> {
        self.0.as_float()
    }

    fn as_bool(self) -> Option<bool> {
        self.0.as_bool()
    }

    fn as_datetime(self) -> Option<&'a Datetime> {
        self.0.as_datetime()
    }

    fn type_name(self) -> &'static str {
        self.0.type_str()
    }

    fn describe(self) -> String {
        self.0.type_str().to_owned()
    }

    fn elements(self) -> Option<Vec<Self>> {
        self.0.as_array().map(|array| array.iter().map(Plain).collect())
    }

    fn entries(self) -> Option<Vec<Entry<'a, Self>>> {
        self.0.as_table().map(|table| table.iter().map(|(key, value)| (key.as_str(), None, Plain(value))).collect())
    }

    fn table_list(self, _name: &str) -> Option<Vec<(Option<Range<usize>>, Self)>> {
        self.0.as_array().map(|array| array.iter().map(|element| (None, Plain(element))).collect())
    }
}

/// `source` parsed by `toml` into a table, or `None` when `toml` refuses it or holds a value
/// `toml_edit` would not (an integer past 64 bits): the located reading then has the say.
/// Most files are read by [`super::quick`], which gives the same table faster.
pub fn plain(source: &str) -> Option<toml::Table> {
    super::quick::table(source).or_else(|| plain_by_toml(source))
}

/// [`plain`] by `toml` alone, which [`super::quick`] must agree with (the fuzz test holds them
/// to it).
pub fn plain_by_toml(source: &str) -> Option<toml::Table> {
    let table = toml::de::DeTable::parse(source).ok()?.into_inner();
    table_of(table)
}

fn table_of(table: toml::de::DeTable<'_>) -> Option<toml::Table> {
    table.into_iter().map(|(key, value)| Some((key.into_inner().into_owned(), value_of(value.into_inner())?))).collect()
}

fn value_of(value: toml::de::DeValue<'_>) -> Option<toml::Value> {
    use toml::de::DeValue;
    Some(match value {
        DeValue::String(text) => toml::Value::String(text.into_owned()),
        DeValue::Integer(n) => toml::Value::Integer(i64::from_str_radix(n.as_str(), n.radix()).ok()?),
        DeValue::Float(x) => {
            let text = x.as_str();
            let number: f64 = text.parse().ok()?;
            // An overflowing literal (`1e400`) is an error, not infinity.
            if number.is_infinite() && !text.contains("inf") {
                return None;
            }
            toml::Value::Float(number)
        }
        DeValue::Boolean(b) => toml::Value::Boolean(b),
        DeValue::Datetime(d) => toml::Value::Datetime(d),
        DeValue::Array(array) => {
            toml::Value::Array(array.into_iter().map(|v| value_of(v.into_inner())).collect::<Option<_>>()?)
        }
        DeValue::Table(table) => toml::Value::Table(table_of(table)?),
    })
}
