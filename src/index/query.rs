//! docket's query language, parsed by hand so errors can point at the exact place:
//!
//! ```text
//! refund macro                      both words (stemmed, across every text field)
//! "refund macro"                    the phrase
//! refnd~  refnd~2                   fuzzy: within 1 (or 2) edits
//! stage:planning  label:"customer::enterprise"  assignee:jason  kind:mir  package:libfoo
//! label:customer::*                 any value of a scoped label (a prefix)
//! weight:>=3  weight:2..4  created:>2026-01-01  updated:<=2026-11-30
//! title:refund                      one text field
//! a OR b   a AND b   NOT a   -a   (a OR b) c
//! ```
//! Words next to each other must all match; `OR` binds looser than `AND`.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::document::{Fields, text_fields};
use crate::time;

/// A query that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    /// Character offset in the query where the problem is.
    pub position: usize,
    pub message: String,
    pub hint: String,
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A word of free text, maybe fuzzy (`~`, with the distance).
    Word {
        text: String,
        fuzzy: Option<u8>,
    },
    Phrase(String),
    /// `field:value`.
    Field {
        field: String,
        value: String,
        quoted: bool,
        position: usize,
    },
    /// `field:>=value`, `field:a..b`.
    Range {
        field: String,
        lower: Bound<String>,
        upper: Bound<String>,
        position: usize,
    },
    /// The records with any value in a keyword field (built by commands, not parsed).
    Present(String),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

impl Expr {
    /// `field:"value"`, built by a command rather than parsed.
    pub fn keyword(field: &str, value: &str) -> Self {
        Expr::Field { field: field.into(), value: value.into(), quoted: true, position: 0 }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    Minus,
}

/// The structured fields a `field:` may name.
pub const KEYWORD_FIELDS: &[&str] = &[
    "id",
    "kind",
    "stage",
    "state",
    "status",
    "type",
    "label",
    "assignee",
    "milestone",
    "iteration",
    "package",
    "health",
    "requester",
    "path",
];
/// The numeric and date fields.
pub const NUMBER_FIELDS: &[&str] = &["weight", "created", "updated"];
/// The text fields a `field:` may name.
pub const TEXT_FIELDS: &[&str] = &["title", "description", "comments", "updates", "gameplan", "blueprint", "review"];

fn error(position: usize, message: impl Into<String>, hint: impl Into<String>) -> QueryError {
    QueryError { position, message: message.into(), hint: hint.into() }
}

fn tokenize(query: &str) -> Result<Vec<(usize, Token)>, QueryError> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            tokens.push((i, Token::Open));
            i += 1;
        } else if c == ')' {
            tokens.push((i, Token::Close));
            i += 1;
        } else if c == '-'
            && chars.get(i + 1).is_some_and(|n| !n.is_whitespace())
            && tokens.last().is_none_or(|(_, t)| *t != Token::Minus)
        {
            tokens.push((i, Token::Minus));
            i += 1;
        } else if c == '"' {
            let start = i;
            i += 1;
            let mut text = String::new();
            while i < chars.len() && chars[i] != '"' {
                text.push(chars[i]);
                i += 1;
            }
            if i == chars.len() {
                return Err(error(start, "this quote is never closed", "add the closing `\"`"));
            }
            i += 1;
            tokens.push((start, Token::Quoted(text)));
        } else {
            // A word runs to whitespace or a parenthesis; a `"` inside it opens a quoted value
            // (`label:"a b"`), which belongs to the word.
            let start = i;
            let mut text = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '(' && chars[i] != ')' {
                if chars[i] == '"' {
                    let quote = i;
                    text.push('"');
                    i += 1;
                    while i < chars.len() && chars[i] != '"' {
                        text.push(chars[i]);
                        i += 1;
                    }
                    if i == chars.len() {
                        return Err(error(quote, "this quote is never closed", "add the closing `\"`"));
                    }
                }
                text.push(chars[i]);
                i += 1;
            }
            tokens.push((start, Token::Word(text)));
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    at: usize,
    end: usize,
    /// How many `(` and `NOT`/`-` the parser is inside.
    depth: usize,
}

/// How deep `(` and `NOT` may nest: far past what a person writes, and far short of what would
/// overflow the stack of the parser or of tantivy's query tree.
pub const MAX_DEPTH: usize = 64;

/// Parses a query. An empty query matches everything.
pub fn parse(query: &str) -> Result<Expr, QueryError> {
    let tokens = tokenize(query)?;
    let mut parser = Parser { tokens, at: 0, end: query.chars().count(), depth: 0 };
    if parser.tokens.is_empty() {
        return Ok(Expr::And(Vec::new()));
    }
    let expr = parser.or()?;
    if let Some((position, token)) = parser.tokens.get(parser.at) {
        let what = if *token == Token::Close { "this `)` has no `(` to close" } else { "unexpected text" };
        return Err(error(*position, what, "remove it, or add the missing `(`"));
    }
    Ok(expr)
}

impl Parser {
    /// Goes one level deeper at `position`, or fails when that is past [`MAX_DEPTH`].
    fn deeper(&mut self, position: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(
                position,
                format!("the query nests `(` and `NOT` more than {MAX_DEPTH} deep here"),
                "simplify the query: `((a))` is `a`, and `NOT NOT a` is `a`",
            ));
        }
        Ok(())
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.at), Some((_, Token::Word(w))) if w == word)
    }

    fn position(&self) -> usize {
        self.tokens.get(self.at).map_or(self.end, |(p, _)| *p)
    }

    fn or(&mut self) -> Result<Expr, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek_word("OR") {
            self.at += 1;
            if self.at == self.tokens.len() {
                return Err(error(self.end, "`OR` needs something after it", "finish the query, or remove `OR`"));
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::Or(parts) })
    }

    fn and(&mut self) -> Result<Expr, QueryError> {
        let mut parts = Vec::new();
        loop {
            match self.tokens.get(self.at) {
                None | Some((_, Token::Close)) => break,
                Some((_, Token::Word(w))) if w == "OR" => break,
                Some((_, Token::Word(w))) if w == "AND" => {
                    self.at += 1;
                    if parts.is_empty() || self.at == self.tokens.len() {
                        return Err(error(
                            self.position().saturating_sub(3),
                            "`AND` needs something on both sides",
                            "remove `AND`",
                        ));
                    }
                }
                _ => parts.push(self.unary()?),
            }
        }
        if parts.is_empty() {
            return Err(error(
                self.position(),
                "expected a search term here",
                "put a word, a phrase or a field:value here",
            ));
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Expr::And(parts) })
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        let negated = match self.tokens.get(self.at) {
            Some((_, Token::Minus)) => true,
            Some((_, Token::Word(w))) if w == "NOT" => true,
            _ => false,
        };
        if negated {
            self.deeper(self.position())?;
            self.at += 1;
            if self.at == self.tokens.len() {
                return Err(error(self.end, "`NOT` needs something after it", "finish the query, or remove `NOT`"));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let (position, token) = self.tokens[self.at].clone();
        self.at += 1;
        match token {
            Token::Open => {
                self.deeper(position)?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.tokens.get(self.at) {
                    Some((_, Token::Close)) => {
                        self.at += 1;
                        Ok(inner)
                    }
                    _ => Err(error(position, "this `(` is never closed", "add the closing `)`")),
                }
            }
            Token::Close => Err(error(position, "this `)` has no `(` to close", "remove it")),
            Token::Minus => Err(error(position, "a `-` must stand right before what it excludes", "write `-word`")),
            Token::Quoted(text) => searchable(&text, position).map(|()| Expr::Phrase(text)),
            Token::Word(word) => word_expr(&word, position),
        }
    }
}

fn word_expr(word: &str, position: usize) -> Result<Expr, QueryError> {
    if let Some((field, value)) = word.split_once(':').filter(|(field, _)| !field.is_empty() && !field.contains('"')) {
        let field = field.to_lowercase();
        let known = KEYWORD_FIELDS.contains(&field.as_str())
            || NUMBER_FIELDS.contains(&field.as_str())
            || TEXT_FIELDS.contains(&field.as_str());
        if !known {
            let all = KEYWORD_FIELDS.iter().chain(NUMBER_FIELDS).chain(TEXT_FIELDS).copied();
            let hint = match crate::format::fields::closest(&field, all) {
                Some(near) => format!("did you mean `{near}:`? (quote the word, \"{word}\", to search for it as text)"),
                None => format!(
                    "the fields: {}; or quote the word to search for it as text",
                    KEYWORD_FIELDS
                        .iter()
                        .chain(NUMBER_FIELDS)
                        .chain(TEXT_FIELDS)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            return Err(error(position, format!("there is no field `{field}`"), hint));
        }
        let value_position = position + field.chars().count() + 1;
        if value.is_empty() {
            return Err(error(value_position, format!("`{field}:` needs a value"), format!("write `{field}:value`")));
        }
        let (value, quoted) = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) => (inner.to_owned(), true),
            None => (value.to_owned(), false),
        };
        if !quoted {
            for (op, lower_inclusive) in [(">=", true), ("<=", false), (">", true), ("<", false)] {
                if let Some(rest) = value.strip_prefix(op) {
                    let bound = rest.to_owned();
                    let (lower, upper) = match (op, lower_inclusive) {
                        (">=", _) => (Bound::Included(bound), Bound::Unbounded),
                        (">", _) => (Bound::Excluded(bound), Bound::Unbounded),
                        ("<=", _) => (Bound::Unbounded, Bound::Included(bound)),
                        _ => (Bound::Unbounded, Bound::Excluded(bound)),
                    };
                    return range(&field, lower, upper, value_position);
                }
            }
            if let Some((low, high)) = value.split_once("..") {
                return range(
                    &field,
                    Bound::Included(low.to_owned()),
                    Bound::Included(high.to_owned()),
                    value_position,
                );
            }
        }
        if NUMBER_FIELDS.contains(&field.as_str()) {
            return range(&field, Bound::Included(value.clone()), Bound::Included(value), value_position);
        }
        return Ok(Expr::Field { field, value, quoted, position: value_position });
    }
    if let Some((text, distance)) = word.rsplit_once('~') {
        let fuzzy = if distance.is_empty() {
            1
        } else {
            match distance.parse::<u8>() {
                Ok(d @ 1..=2) => d,
                _ => {
                    return Err(error(
                        position + text.chars().count(),
                        format!("`~{distance}` is not a fuzzy distance"),
                        "write `word~` (1 edit) or `word~2` (2 edits)",
                    ));
                }
            }
        };
        if text.is_empty() {
            return Err(error(position, "`~` needs a word before it", "write `word~`"));
        }
        searchable(text, position)?;
        return Ok(Expr::Word { text: text.to_owned(), fuzzy: Some(fuzzy) });
    }
    searchable(word, position)?;
    Ok(Expr::Word { text: word.to_owned(), fuzzy: None })
}

/// Free text must hold a letter or a digit: the index keeps words, not symbols or emoji, so
/// `&` alone would otherwise match every record.
fn searchable(text: &str, position: usize) -> Result<(), QueryError> {
    if text.chars().any(char::is_alphanumeric) {
        Ok(())
    } else {
        Err(error(
            position,
            format!("`{text}` has no letter or digit to search for"),
            "search for words; symbols and emoji are not indexed (quote a label or a field value: label:\"c++\")",
        ))
    }
}

fn range(field: &str, lower: Bound<String>, upper: Bound<String>, position: usize) -> Result<Expr, QueryError> {
    if !NUMBER_FIELDS.contains(&field) {
        return Err(error(
            position,
            format!("`{field}` is not a number or a date, so it has no range"),
            format!("ranges work on {}", NUMBER_FIELDS.join(", ")),
        ));
    }
    Ok(Expr::Range { field: field.to_owned(), lower, upper, position })
}

/// Turns a parsed query into a tantivy query.
pub struct Compiler<'a> {
    pub fields: &'a Fields,
    pub schema: &'a tantivy::schema::Schema,
    pub text: TextAnalyzer,
    pub keyword: TextAnalyzer,
}

impl Compiler<'_> {
    pub fn compile(&mut self, expr: &Expr) -> Result<Box<dyn Query>, QueryError> {
        Ok(match expr {
            Expr::And(parts) if parts.is_empty() => Box::new(AllQuery),
            Expr::And(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    match part {
                        Expr::Not(inner) => clauses.push((Occur::MustNot, self.compile(inner)?)),
                        other => clauses.push((Occur::Must, self.compile(other)?)),
                    }
                }
                if clauses.iter().all(|(occur, _)| *occur == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Or(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    clauses.push((Occur::Should, self.compile(part)?));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Expr::Not(inner) => Box::new(BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery)),
                (Occur::MustNot, self.compile(inner)?),
            ])),
            Expr::Present(field) => {
                let target = self.schema.get_field(field).expect("keyword fields are in the schema");
                Box::new(RangeQuery::new(Bound::Included(Term::from_field_text(target, "")), Bound::Unbounded))
            }
            Expr::Word { text, fuzzy } => self.text_query(text, *fuzzy, None),
            Expr::Phrase(text) => self.text_query(text, None, None),
            Expr::Field { field, value, quoted: _, position } => {
                if TEXT_FIELDS.contains(&field.as_str()) {
                    let target = self.schema.get_field(field).expect("text fields are in the schema");
                    // Quoted or not, several tokens are a phrase.
                    return Ok(self.text_query(value, None, Some(target)));
                }
                let target = self.schema.get_field(field).expect("keyword fields are in the schema");
                let normal = value.to_lowercase();
                if let Some(prefix) = normal.strip_suffix('*') {
                    if prefix.is_empty() {
                        return Err(error(
                            *position,
                            "`*` alone matches nothing in particular",
                            "give the start of the value, e.g. `customer::*`",
                        ));
                    }
                    let mut upper = prefix.to_owned();
                    upper.push(char::MAX);
                    return Ok(Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_text(target, prefix)),
                        Bound::Excluded(Term::from_field_text(target, &upper)),
                    )));
                }
                Box::new(TermQuery::new(Term::from_field_text(target, &normal), IndexRecordOption::Basic))
            }
            Expr::Range { field, lower, upper, position } => {
                let target = self.schema.get_field(field).expect("number fields are in the schema");
                let is_date = field != "weight";
                let convert = |bound: &Bound<String>, is_upper: bool| -> Result<Bound<Term>, QueryError> {
                    let parse = |text: &str| -> Result<(i64, i64), QueryError> {
                        if is_date {
                            let start = time::parse_timestamp(text).ok_or_else(|| {
                                error(
                                    *position,
                                    format!("`{text}` is not a date"),
                                    "write dates as YYYY-MM-DD, e.g. created:>2026-01-01",
                                )
                            })?;
                            // A bare date stands for the whole day.
                            let span = if text.len() == 10 { 86_400 } else { 1 };
                            Ok((start, start + span))
                        } else {
                            let n = text.parse::<i64>().map_err(|_| {
                                error(*position, format!("`{text}` is not a whole number"), "write e.g. weight:>=3")
                            })?;
                            Ok((n, n + 1))
                        }
                    };
                    Ok(match bound {
                        Bound::Unbounded => Bound::Unbounded,
                        // `>= d` starts at the day's start; `> d` after its end.
                        Bound::Included(t) if !is_upper => Bound::Included(Term::from_field_i64(target, parse(t)?.0)),
                        Bound::Excluded(t) if !is_upper => Bound::Included(Term::from_field_i64(target, parse(t)?.1)),
                        // `<= d` ends with the day; `< d` before it starts.
                        Bound::Included(t) => Bound::Excluded(Term::from_field_i64(target, parse(t)?.1)),
                        Bound::Excluded(t) => Bound::Excluded(Term::from_field_i64(target, parse(t)?.0)),
                    })
                };
                Box::new(RangeQuery::new(convert(lower, false)?, convert(upper, true)?))
            }
        })
    }

    /// Free text in any text field (or in `only`): one token is a term (fuzzy when asked), more
    /// are a phrase, their tokens in order. A quoted phrase is the same without fuzziness.
    fn text_query(&mut self, text: &str, fuzzy: Option<u8>, only: Option<Field>) -> Box<dyn Query> {
        let mut tokens = self.tokens(text);
        if tokens.len() > 1 {
            return self.any_field(only, |field| {
                Box::new(PhraseQuery::new(tokens.iter().map(|t| Term::from_field_text(field, t)).collect()))
            });
        }
        // A word too long to be indexed is in no record.
        let Some(token) = tokens.pop() else { return Box::new(BooleanQuery::new(Vec::new())) };
        self.any_field(only, |field| {
            let term = Term::from_field_text(field, &token);
            match fuzzy {
                Some(distance) => Box::new(FuzzyTermQuery::new(term, distance, true)),
                None => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
            }
        })
    }

    /// `make(field)` for `only`, or for every text field with its boost, any of them matching.
    fn any_field(&self, only: Option<Field>, make: impl Fn(Field) -> Box<dyn Query>) -> Box<dyn Query> {
        let targets: Vec<(Field, f32)> = match only {
            Some(field) => vec![(field, 1.0)],
            None => text_fields(self.fields).to_vec(),
        };
        let clauses = targets
            .into_iter()
            .map(|(field, boost)| (Occur::Should, Box::new(BoostQuery::new(make(field), boost)) as Box<dyn Query>))
            .collect();
        Box::new(BooleanQuery::new(clauses))
    }

    fn tokens(&mut self, text: &str) -> Vec<String> {
        let mut stream = self.text.token_stream(text);
        let mut tokens = Vec::new();
        while let Some(token) = stream.next() {
            tokens.push(token.text.clone());
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> Expr {
        Expr::Word { text: text.into(), fuzzy: None }
    }

    /// `AND` is the space between words, said aloud; a `-` standing alone is no `NOT`; a word
    /// starting with `:` names no field; nesting depth is counted down again after each group,
    /// so many groups side by side are not deep.
    #[test]
    fn and_minus_colon_and_depth() {
        assert_eq!(parse("a AND b").expect("ok"), Expr::And(vec![word("a"), word("b")]));
        assert!(parse("AND a").is_err() && parse("a AND").is_err());
        assert!(parse("a - b").is_err(), "a lone `-` is a symbol, not NOT");
        assert_eq!(parse(":abc").expect("ok"), word(":abc"));
        assert_eq!(parse("label:\"abc").expect_err("unclosed").message, "this quote is never closed");
        let many = MAX_DEPTH + 5;
        let groups = vec!["(a)"; many].join(" ");
        assert!(parse(&groups).is_ok(), "{many} groups side by side");
        let negations: Vec<String> = (0..many).map(|n| format!("-w{n}")).collect();
        assert!(parse(&negations.join(" ")).is_ok(), "{many} negations side by side");
        let nested = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert!(parse(&nested).is_err(), "nested deeper than the limit");
    }

    #[test]
    fn words_fields_and_operators() {
        assert_eq!(parse("refund macro").expect("ok"), Expr::And(vec![word("refund"), word("macro")]));
        assert_eq!(parse("a OR b c").expect("ok"), Expr::Or(vec![word("a"), Expr::And(vec![word("b"), word("c")])]));
        assert_eq!(parse("-a").expect("ok"), Expr::Not(Box::new(word("a"))));
        assert_eq!(parse("NOT a").expect("ok"), Expr::Not(Box::new(word("a"))));
        assert_eq!(parse("refnd~").expect("ok"), Expr::Word { text: "refnd".into(), fuzzy: Some(1) });
        assert_eq!(
            parse(r#"label:"customer::enterprise""#).expect("ok"),
            Expr::Field { field: "label".into(), value: "customer::enterprise".into(), quoted: true, position: 6 }
        );
        assert_eq!(
            parse("weight:>=3").expect("ok"),
            Expr::Range {
                field: "weight".into(),
                lower: Bound::Included("3".into()),
                upper: Bound::Unbounded,
                position: 7
            }
        );
        assert_eq!(parse("\"refund macro\"").expect("ok"), Expr::Phrase("refund macro".into()));
        assert_eq!(parse("").expect("ok"), Expr::And(vec![]));
        assert_eq!(parse("(a OR b) c").expect("ok"), Expr::And(vec![Expr::Or(vec![word("a"), word("b")]), word("c")]));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let cases = [
            ("refund \"macro", 7, "this quote is never closed"),
            ("(a OR b", 0, "this `(` is never closed"),
            ("a )", 2, "this `)` has no `(` to close"),
            ("stge:planning", 0, "there is no field `stge`"),
            ("stage:", 6, "`stage:` needs a value"),
            ("label:>=3", 6, "`label` is not a number or a date, so it has no range"),
            ("a OR", 4, "`OR` needs something after it"),
            ("word~7", 4, "`~7` is not a fuzzy distance"),
            (
                &format!("{}a{}", "(".repeat(65), ")".repeat(65)),
                64,
                "the query nests `(` and `NOT` more than 64 deep here",
            ),
            (&format!("a {}b", "NOT ".repeat(65)), 258, "the query nests `(` and `NOT` more than 64 deep here"),
            (&format!("{}a", "-(".repeat(40)), 64, "the query nests `(` and `NOT` more than 64 deep here"),
        ];
        for (query, position, message) in cases {
            let found = parse(query).expect_err(query);
            assert_eq!((found.position, found.message.as_str()), (position, message), "{query}");
        }
        assert!(parse("stge:x").expect_err("x").hint.contains("did you mean `stage:`?"));
        // Right at the limit it parses; far past it, it fails without overflowing the stack.
        let deepest = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(parse(&deepest).expect("64 deep"), word("a"));
        assert_eq!(parse(&format!("{}a", "NOT ".repeat(MAX_DEPTH))).map(|_| ()), Ok(()));
        for huge in [format!("{}a{}", "(".repeat(8000), ")".repeat(8000)), format!("{}a", "NOT ".repeat(1000))] {
            assert!(parse(&huge).is_err());
        }
    }
}
