//! Reading a record file: TOML syntax, then every field against its [`FieldSpec`], collecting
//! every problem with its location instead of stopping at the first. A file is read first
//! the quick way (`toml`, no places) and, only when something is wrong, again with places
//! (`toml_edit`): see [`super::node`].

use super::fields::{self, FieldSpec, FieldType};
use super::node::{self, Located, Node, Plain};
use super::value::item_to_value;
use crate::diagnostic::Diagnostic;
use crate::model::{Body, Kind, Record};

/// What a file is checked against beyond its kind's fields.
#[derive(Debug, Clone, Default)]
pub struct RecordRules {
    /// The states of the kind's workflow; `None` skips the check.
    pub states: Option<Vec<String>>,
    /// The workflow's name, for messages.
    pub workflow: String,
    /// Custom fields declared in `docket.toml` that look like typos but are meant.
    pub custom_fields: Vec<String>,
    /// Whether the file is a record (whose custom fields may be declared), not `docket.toml`.
    pub is_record: bool,
}

/// The outcome of reading one file: the record when it has no errors, and every problem.
#[derive(Debug)]
pub struct Parsed {
    pub record: Option<Record>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The largest record file docket reads, in bytes. A record is a page of text; a file past
/// this is refused before parsing, so a hostile or mistaken file cannot stall a hook.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Parses and validates the record `id` of `kind` held in `source`, read from `path`.
pub fn parse_record(kind: Kind, id: &str, path: &str, source: &str, rules: &RecordRules) -> Parsed {
    if source.len() > MAX_RECORD_BYTES {
        let diagnostic = Diagnostic::error(
            path,
            "file.too-large",
            format!("the file is {} bytes; a record may be at most {MAX_RECORD_BYTES} bytes (1 MiB)", source.len()),
        )
        .with_id(id)
        .with_hint("keep logs and attachments out of the record: commit them beside it and link to them");
        return Parsed { record: None, diagnostics: vec![diagnostic] };
    }
    let (fields, mut diagnostics) = check_document(path, Some(id), source, fields::fields_of(kind), rules);
    let record = fields.map(|fields| Record {
        id: id.to_owned(),
        path: path.to_owned(),
        body: Body::from_table(kind, &fields),
        fields,
    });
    // Rules across fields, once each field is valid on its own.
    if let Some(Body::Milestone(milestone)) = record.as_ref().map(|r| &r.body)
        && let Some(problem) = end_before_start(path, source, milestone.start, milestone.end, "end")
    {
        diagnostics.push(problem.with_id(id));
        return Parsed { record: None, diagnostics };
    }
    Parsed { record, diagnostics }
}

/// An error when `end` comes before `start`, pointing at the key `end_key`.
pub fn end_before_start(
    path: &str,
    source: &str,
    start: Option<crate::time::Timestamp>,
    end: Option<crate::time::Timestamp>,
    end_key: &str,
) -> Option<Diagnostic> {
    let (start, end) = (start?, end?);
    (end < start).then(|| {
        Diagnostic::error(
            path,
            "field.range",
            format!("`end` ({}) is before `start` ({})", crate::time::date_of(end), crate::time::date_of(start)),
        )
        .at(source, super::locate(source, end_key))
        .with_hint("swap the dates, or fix the one that is wrong")
    })
}

/// Parses `source` and checks its top-level table against `specs`: the table when there are
/// no errors, and every problem found.
pub fn check_document(
    path: &str,
    id: Option<&str>,
    source: &str,
    specs: &'static [FieldSpec],
    rules: &RecordRules,
) -> (Option<toml::Table>, Vec<Diagnostic>) {
    // Most files are valid: `toml`'s plain reading settles those. A file with a problem is
    // read again with places, to say where.
    if let Some(table) = node::plain(source) {
        let root = toml::Value::Table(table);
        let mut checker = Checker { path, id, source, rules, diagnostics: Vec::new() };
        checker.check_table(Plain(&root), specs, None, None);
        if checker.diagnostics.is_empty()
            && let toml::Value::Table(table) = root
        {
            return (Some(table), Vec::new());
        }
    }
    check_document_located(path, id, source, specs, rules)
}

/// [`check_document`] always through `toml_edit`'s reading, which knows where each value is.
pub fn check_document_located(
    path: &str,
    id: Option<&str>,
    source: &str,
    specs: &'static [FieldSpec],
    rules: &RecordRules,
) -> (Option<toml::Table>, Vec<Diagnostic>) {
    let document = match toml_edit::Document::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let mut diagnostic = syntax_error(path, source, &error);
            diagnostic.id = id.map(str::to_owned);
            return (None, vec![diagnostic]);
        }
    };
    let mut checker = Checker { path, id, source, rules, diagnostics: Vec::new() };
    checker.check_table(Located::Table(document.as_table()), specs, None, None);
    if crate::diagnostic::has_errors(&checker.diagnostics) {
        return (None, checker.diagnostics);
    }
    let table = match item_to_value(document.as_item()) {
        Some(toml::Value::Table(table)) => table,
        _ => toml::Table::new(),
    };
    (Some(table), checker.diagnostics)
}

/// A TOML syntax error as a located diagnostic. Git's conflict markers, the commonest cause
/// after a merge, are named as such, at the first marker.
pub fn syntax_error(path: &str, source: &str, error: &toml_edit::TomlError) -> Diagnostic {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if ["<<<<<<< ", "=======", ">>>>>>> "].iter().any(|marker| line.starts_with(marker))
            || line.trim_end() == "<<<<<<<"
            || line.trim_end() == ">>>>>>>"
        {
            let end = offset + line.trim_end().len();
            return Diagnostic::error(path, "toml.conflict", "the file holds git's conflict markers: a merge left it unresolved")
                .at(source, Some(offset..end))
                .with_hint(
                    "keep what each field should say between `<<<<<<<` and `>>>>>>>`, delete the marker lines, then `git add` the file",
                );
        }
        offset += line.len();
    }
    let message = error.message().trim().trim_end_matches('.').to_owned();
    let message = if message.is_empty() { "invalid TOML".to_owned() } else { format!("invalid TOML: {message}") };
    Diagnostic::error(path, "toml.syntax", message)
        .at(source, error.span())
        .with_hint("fix the TOML syntax; `key = \"text\"`, `key = 3`, `key = [\"a\", \"b\"]`")
}

struct Checker<'a> {
    path: &'a str,
    id: Option<&'a str>,
    source: &'a str,
    rules: &'a RecordRules,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, rule: &'static str, message: String, span: Option<std::ops::Range<usize>>, hint: String) {
        let mut diagnostic = Diagnostic::error(self.path, rule, message).at(self.source, span);
        diagnostic.id = self.id.map(str::to_owned);
        self.diagnostics.push(if hint.is_empty() { diagnostic } else { diagnostic.with_hint(hint) });
    }

    /// Checks `table` against `specs`. `parent` names the table (`rice`, `comments[2]`) for
    /// messages; `header` is where to point when a required field is missing.
    fn check_table<'n, N: Node<'n>>(
        &mut self,
        table: N,
        specs: &'static [FieldSpec],
        parent: Option<&str>,
        header: Option<&std::ops::Range<usize>>,
    ) {
        let qualified = |name: &str| parent.map_or_else(|| name.to_owned(), |p| format!("{p}.{name}"));
        let entries = table.entries().unwrap_or_default();
        for &(key, ref key_span, item) in &entries {
            let key_span = key_span.clone();
            match specs.iter().find(|spec| spec.name == key) {
                Some(spec) => self.check_field(spec, &qualified(key), item, key_span.as_ref()),
                None => {
                    let declared = parent.is_none() && self.rules.custom_fields.iter().any(|f| f == key);
                    if let (false, Some(known)) = (declared, fields::likely_typo(key, specs)) {
                        self.error(
                            "field.unknown",
                            format!("unknown field `{}`", qualified(key)),
                            key_span,
                            if self.rules.is_record && parent.is_none() {
                                format!(
                                    "did you mean `{known}`? (a custom field that is meant must be listed under [fields] in docket.toml)"
                                )
                            } else {
                                format!("did you mean `{known}`?")
                            },
                        );
                    }
                }
            }
        }
        for spec in specs.iter().filter(|spec| spec.required) {
            if !entries.iter().any(|(key, _, _)| *key == spec.name) {
                let what = parent.map_or_else(|| "the record".to_owned(), |p| format!("`{p}`"));
                self.error(
                    "field.missing",
                    format!("missing required field `{}`", qualified(spec.name)),
                    header.cloned().or(Some(0..0)),
                    format!("add `{} = …` to {what}: {}", spec.name, spec.doc),
                );
            }
        }
    }

    fn check_field<'n, N: Node<'n>>(
        &mut self,
        spec: &'static FieldSpec,
        name: &str,
        item: N,
        key_span: Option<&std::ops::Range<usize>>,
    ) {
        let span = item.span().or_else(|| key_span.cloned());
        let wrong_type = |checker: &mut Self, expected: &str, example: &str| {
            // A quoted number or boolean is the commonest slip: say so.
            let unquoted = item.as_str().map(str::trim).filter(|text| {
                let number = matches!(spec.field_type, FieldType::Integer { .. } | FieldType::Number { .. })
                    && text.parse::<f64>().is_ok();
                number || (spec.field_type == FieldType::Bool && matches!(*text, "true" | "false"))
            });
            let hint = match unquoted {
                Some(text) => format!("remove the quotes: `{} = {text}`", spec.name),
                None => format!("write it as {example}"),
            };
            checker.error(
                "field.type",
                format!("`{name}` must be {expected}, not {}", item.type_name()),
                span.clone(),
                hint,
            );
        };
        match spec.field_type {
            FieldType::Text => match item.as_str() {
                Some(text) if spec.required && text.trim().is_empty() => self.error(
                    "field.empty",
                    format!("`{name}` cannot be empty"),
                    span,
                    format!("fill in {}", spec.doc),
                ),
                Some(_) => {}
                None => wrong_type(self, "a string", &format!("`{} = \"…\"`", spec.name)),
            },
            FieldType::Enum(allowed) => match item.as_str() {
                Some(value) if allowed.contains(&value) => {}
                Some(value) => {
                    self.error("field.value", format!("`{name}` cannot be `{value}`"), span, suggest(value, allowed));
                }
                None => wrong_type(self, "a string", &format!("`{} = \"{}\"`", spec.name, allowed[0])),
            },
            FieldType::State => match item.as_str() {
                Some(value) => self.check_state(name, value, span),
                None => wrong_type(self, "a string", &format!("`{} = \"…\"`", spec.name)),
            },
            FieldType::Integer { min, max } => match item.as_integer() {
                Some(n) if (min..=max).contains(&n) => {}
                Some(n) => self.error(
                    "field.range",
                    format!("`{name}` must be {}, not {n}", integer_range(min, max)),
                    span,
                    if min == max { format!("use {min}") } else { format!("pick a value from {min} to {max}") },
                ),
                None => {
                    let example =
                        format!("a whole number without quotes, e.g. `{} = {}`", spec.name, i64::midpoint(min, max));
                    let expected = if min == max {
                        format!("the integer {min}")
                    } else {
                        format!("an integer from {min} to {max}")
                    };
                    wrong_type(self, &expected, &example);
                }
            },
            FieldType::Number { min, max, exclusive } => {
                #[allow(clippy::cast_precision_loss)]
                let value = item.as_integer().map(|n| n as f64).or_else(|| item.as_float());
                match value {
                    Some(x) => {
                        let low = if exclusive { x <= min } else { x < min };
                        if low || max.is_some_and(|max| x > max) || x.is_nan() {
                            let bound = match (exclusive, max) {
                                (true, _) => format!("above {min}"),
                                (false, Some(max)) => format!("from {min} to {max}"),
                                (false, None) => format!("at least {min}"),
                            };
                            self.error(
                                "field.range",
                                format!("`{name}` must be {bound}, not {x}"),
                                span,
                                format!("pick a number {bound}"),
                            );
                        }
                    }
                    None => wrong_type(self, "a number", &format!("`{} = 1`", spec.name)),
                }
            }
            FieldType::Bool => {
                if item.as_bool().is_none() {
                    wrong_type(self, "true or false", &format!("`{} = true`", spec.name));
                }
            }
            FieldType::Date | FieldType::DateOrDatetime => self.check_date(spec, name, item, span),
            FieldType::TextList | FieldType::IdList => match item.elements() {
                Some(array) => {
                    for (index, element) in array.into_iter().enumerate() {
                        let element_span = element.span();
                        match element.as_str() {
                            Some(text) if spec.field_type == FieldType::IdList => {
                                if let Err(why) = crate::id::validate(text) {
                                    self.error(
                                        "field.value",
                                        format!("`{name}[{index}]` is not a record id: {why}"),
                                        element_span,
                                        "name a file in issues/, mir/ or milestones/ by its id".to_owned(),
                                    );
                                }
                            }
                            Some(text) if text.trim().is_empty() => self.error(
                                "field.empty",
                                format!("`{name}[{index}]` cannot be empty"),
                                element_span,
                                "remove the empty string".to_owned(),
                            ),
                            Some(_) => {}
                            None => self.error(
                                "field.type",
                                format!("`{name}[{index}]` must be a string, not {}", element.type_name()),
                                element_span,
                                "quote it: `\"…\"`".to_owned(),
                            ),
                        }
                    }
                }
                None => wrong_type(self, "an array of strings", &format!("`{} = [\"a\", \"b\"]`", spec.name)),
            },
            FieldType::Id => match item.as_str() {
                Some(text) => {
                    if let Err(why) = crate::id::validate(text) {
                        self.error(
                            "field.value",
                            format!("`{name}` is not a record id: {why}"),
                            span,
                            "use the id (file name without .toml) of the record".to_owned(),
                        );
                    }
                }
                None => wrong_type(self, "a string", &format!("`{} = \"id\"`", spec.name)),
            },
            FieldType::Table(specs) => match item.entries() {
                Some(_) => self.check_table(item, specs, Some(name), key_span),
                None => wrong_type(self, "a table", &format!("`[{}]` followed by its fields", spec.name)),
            },
            FieldType::TableList(specs) => match item.table_list(spec.name) {
                Some(tables) => {
                    for (index, (header, element)) in tables.into_iter().enumerate() {
                        if element.entries().is_some() {
                            self.check_table(element, specs, Some(&format!("{name}[{index}]")), header.as_ref());
                        } else {
                            self.error(
                                "field.type",
                                format!("`{name}[{index}]` must be a table, not {}", element.type_name()),
                                element.span(),
                                format!("write each entry as `[[{}]]` followed by its fields", spec.name),
                            );
                        }
                    }
                }
                None => wrong_type(self, "an array of tables", &format!("`[[{}]]` followed by its fields", spec.name)),
            },
            FieldType::NumberMap => match item.entries() {
                Some(entries) => {
                    for (person, _, value) in entries {
                        #[allow(clippy::cast_precision_loss)]
                        let number = value.as_integer().map(|n| n as f64).or_else(|| value.as_float());
                        if !number.is_some_and(|n| n >= 0.0) {
                            self.error(
                                "field.type",
                                format!(
                                    "`{name}.{person}` must be a number of days, at least 0, not {}",
                                    value.describe()
                                ),
                                value.span(),
                                format!("write it as `{person} = 8`"),
                            );
                        }
                    }
                }
                None => wrong_type(
                    self,
                    "a table of name = days",
                    &format!("`[{}]` followed by `name = 8` lines", spec.name),
                ),
            },
            FieldType::Any => {}
        }
    }

    fn check_state(&mut self, name: &str, value: &str, span: Option<std::ops::Range<usize>>) {
        let Some(states) = &self.rules.states else {
            return;
        };
        if !states.iter().any(|state| state == value) {
            let allowed: Vec<&str> = states.iter().map(String::as_str).collect();
            let workflow = self.rules.workflow.clone();
            self.error(
                "field.state",
                format!("`{name}` cannot be `{value}`: the `{workflow}` workflow has no such state"),
                span,
                suggest(value, &allowed),
            );
        }
    }

    fn check_date<'n, N: Node<'n>>(
        &mut self,
        spec: &FieldSpec,
        name: &str,
        item: N,
        span: Option<std::ops::Range<usize>>,
    ) {
        let date_only = spec.field_type == FieldType::Date;
        let example = if date_only { "2026-12-01" } else { "2026-11-20T10:00:00Z" };
        let Some(datetime) = item.as_datetime() else {
            let expected = if date_only { "a date" } else { "a date or datetime" };
            let quoted_date = item.as_str().map(str::trim).filter(|text| text.parse::<toml_edit::Datetime>().is_ok());
            let hint = match quoted_date {
                Some(text) => format!("remove the quotes: `{} = {text}`", spec.name),
                None => format!("write a TOML date without quotes, e.g. `{} = {example}`", spec.name),
            };
            self.error("field.type", format!("`{name}` must be {expected}, not {}", item.type_name()), span, hint);
            return;
        };
        let ok = datetime.date.is_some()
            && if date_only { datetime.time.is_none() } else { datetime.time.is_none() || datetime.offset.is_some() };
        if !ok {
            let expected = if date_only { "a date" } else { "a date or a datetime with an offset" };
            self.error(
                "field.value",
                format!("`{name}` must be {expected}, not `{datetime}`"),
                span,
                format!("write it as `{} = {example}`{}", spec.name, if date_only { "" } else { " or a bare date" }),
            );
        }
    }
}

/// "from 1 to 5", or "1" when there is one value.
fn integer_range(min: i64, max: i64) -> String {
    if min == max { format!("{min}") } else { format!("from {min} to {max}") }
}

/// "did you mean `x`? " when `value` is close to one of `allowed`, then the full list.
fn suggest(value: &str, allowed: &[&str]) -> String {
    match fields::closest(value, allowed.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? (the choices: {})", quote_list(allowed)),
        None => format!("use one of {}", quote_list(allowed)),
    }
}

/// `a`, `b` or `c`, each in backticks; the empty string shown as `""`.
fn quote_list(items: &[&str]) -> String {
    let quoted: Vec<String> =
        items.iter().map(|item| if item.is_empty() { "`\"\"`".to_owned() } else { format!("`{item}`") }).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}
