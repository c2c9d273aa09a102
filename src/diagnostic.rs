//! Problems found in the user's files, located to the line and column.
//!
//! A [`Diagnostic`] is self-contained: it carries the offending source line and the caret
//! range, so it can be rendered long after the file was read, and serialised to JSON for
//! `--json`. Validation everywhere collects diagnostics instead of stopping at the first; the
//! CLI renders them (the core never prints).

use std::ops::Range;

use serde::Serialize;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file, relative to the tracker root, with `/` separators.
    pub path: String,
    /// The record the file holds, when known.
    pub id: Option<String>,
    /// A stable, machine-readable name of the rule that was broken, e.g. `field.type`.
    pub rule: &'static str,
    /// What is wrong, in words: lowercase, no trailing period.
    pub message: String,
    /// 1-based line of the span's start; `None` when the problem is the whole file.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the span's start.
    pub column: Option<usize>,
    /// The source line holding the start of the span, and the caret range within it (in
    /// characters), for the excerpt.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
    /// What would fix it.
    pub hint: Option<String>,
    /// For workflow violations: the states the record may move to from its old state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// For workflow violations: the fields the change lacks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// For range checks: the commit that made the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A source line and where, within it, to draw the caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    pub carets: Range<usize>,
}

impl Diagnostic {
    /// An error about the whole file `path`.
    pub fn error(path: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            path: path.into(),
            id: None,
            rule,
            message: message.into(),
            line: None,
            column: None,
            excerpt: None,
            hint: None,
            allowed: Vec::new(),
            missing: Vec::new(),
            commit: None,
        }
    }

    /// A warning about the whole file `path`.
    pub fn warning(path: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, ..Self::error(path, rule, message) }
    }

    /// Locates the diagnostic at byte range `span` of `source`.
    #[must_use]
    pub fn at(mut self, source: &str, span: Option<Range<usize>>) -> Self {
        let Some(span) = span else { return self };
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let text = source[line_start..line_end].trim_end_matches('\r');
        let column = source[line_start..start].chars().count();
        let end = floor_char_boundary(source, span.end.clamp(start, line_end.max(start)));
        let width = source[start..end].chars().count().max(1);
        self.line = Some(source[..line_start].matches('\n').count() + 1);
        self.column = Some(column + 1);
        self.excerpt = Some(excerpt(&printable(text), column, width));
        self
    }

    /// Adds a hint saying what would fix the problem.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the record the problem belongs to.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `line` with a tab as a space and other control characters as their Unicode pictures
/// (NUL as `␀`), one character each, so the caret still lines up and nothing reaches the
/// terminal raw.
fn printable(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => ' ',
            '\u{7f}' => '\u{2421}',
            c if c < ' ' => char::from_u32(0x2400 + c as u32).unwrap_or('?'),
            c => c,
        })
        .collect()
}

/// The excerpt of `line` around the caret at `column`, cut to [`EXCERPT_WIDTH`] characters
/// (with `…` where it was cut) so a huge single-line file still gives a readable message.
fn excerpt(line: &str, column: usize, width: usize) -> Excerpt {
    const EXCERPT_WIDTH: usize = 100;
    let length = line.chars().count();
    if length <= EXCERPT_WIDTH {
        return Excerpt { text: line.to_owned(), carets: column..(column + width).min(length.max(column + 1)) };
    }
    let first = column.saturating_sub(EXCERPT_WIDTH / 2).min(length.saturating_sub(EXCERPT_WIDTH));
    let last = (first + EXCERPT_WIDTH).min(length);
    let lead = if first > 0 { "…" } else { "" };
    let tail = if last < length { "…" } else { "" };
    let text: String = line.chars().skip(first).take(last - first).collect();
    let offset = column - first + lead.chars().count();
    Excerpt {
        text: format!("{lead}{text}{tail}"),
        carets: offset..(offset + width).min(last - first + lead.chars().count()).max(offset + 1),
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Whether any diagnostic in `diagnostics` is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(Diagnostic::is_error)
}

/// How rendered diagnostics are coloured: the command line paints on a terminal; [`Plain`]
/// leaves the text as it is (the web board, pipes).
pub trait Paint {
    fn error(&self, text: &str) -> String {
        text.to_owned()
    }
    fn warning(&self, text: &str) -> String {
        text.to_owned()
    }
    fn hint(&self, text: &str) -> String {
        text.to_owned()
    }
    fn bold(&self, text: &str) -> String {
        text.to_owned()
    }
}

/// No colour.
pub struct Plain;

impl Paint for Plain {}

/// One diagnostic as people read it: the rule and message, the place, the source line with
/// carets under the span, the commit (range checks) and the hint, rustc-style:
///
/// ```text
/// error[field.type]: `weight` must be an integer from 1 to 5, not a string
///  --> issues/k3x9q2.toml:7:10
///   |
/// 7 | weight = "3"
///   |          ^^^
///   = hint: remove the quotes: `weight = 3`
/// ```
pub fn render(d: &Diagnostic, paint: &dyn Paint) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    let label = match d.severity {
        Severity::Error => paint.error(&format!("error[{}]", d.rule)),
        Severity::Warning => paint.warning(&format!("warning[{}]", d.rule)),
    };
    let _ = writeln!(text, "{label}{} {}", paint.bold(":"), paint.bold(&d.message));
    let location = match (d.line, d.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", d.path),
        _ => d.path.clone(),
    };
    let gutter = d.line.map_or(1, |line| line.to_string().len());
    let pad = " ".repeat(gutter);
    let _ = writeln!(text, "{pad}{} {location}", paint.hint("-->"));
    if let (Some(excerpt), Some(line)) = (&d.excerpt, d.line) {
        let bar = paint.hint("|");
        let _ = writeln!(text, "{pad} {bar}");
        let _ = writeln!(text, "{} {bar} {}", paint.hint(&line.to_string()), excerpt.text);
        let carets = "^".repeat(excerpt.carets.len().max(1));
        let marker = match d.severity {
            Severity::Error => paint.error(&carets),
            Severity::Warning => paint.warning(&carets),
        };
        let _ = writeln!(text, "{pad} {bar} {}{marker}", " ".repeat(excerpt.carets.start));
    }
    if let Some(commit) = &d.commit {
        let _ = writeln!(text, "{pad} {} {}", paint.hint("= in commit"), &commit[..commit.len().min(12)]);
    }
    if let Some(hint) = &d.hint {
        let _ = writeln!(text, "{pad} {} {}", paint.hint("= hint:"), hint);
    }
    text
}

/// Every diagnostic ([`render`]), then a one-line summary of the errors and warnings.
pub fn render_all(list: &[Diagnostic], paint: &dyn Paint) -> String {
    use std::fmt::Write as _;
    let plural = |n: usize, word: &str| if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") };
    let mut text = String::new();
    for d in list {
        text.push_str(&render(d, paint));
        text.push('\n');
    }
    let errors = list.iter().filter(|d| d.is_error()).count();
    let warnings = list.len() - errors;
    let mut files: Vec<&str> = list.iter().filter(|d| d.is_error()).map(|d| d.path.as_str()).collect();
    files.sort_unstable();
    files.dedup();
    if errors > 0 {
        let _ = writeln!(
            text,
            "{}: {} in {}{}",
            paint.error("error"),
            plural(errors, "problem"),
            plural(files.len(), "file"),
            if warnings > 0 { format!(", and {}", plural(warnings, "warning")) } else { String::new() }
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_column_and_carets() {
        let source = "title = \"x\"\nweight = \"3\"\n";
        let start = source.find("\"3\"").expect("present");
        let diagnostic = Diagnostic::error("issues/a.toml", "field.type", "bad").at(source, Some(start..start + 3));
        assert_eq!(diagnostic.line, Some(2));
        assert_eq!(diagnostic.column, Some(10));
        let excerpt = diagnostic.excerpt.expect("located");
        assert_eq!(excerpt.text, "weight = \"3\"");
        assert_eq!(excerpt.carets, 9..12);
    }

    #[test]
    fn multibyte_text_counts_characters() {
        let source = "title = \"café\" x";
        let start = source.find('x').expect("present");
        let diagnostic = Diagnostic::error("p", "r", "m").at(source, Some(start..start + 1));
        assert_eq!(diagnostic.column, Some(16));
    }

    #[test]
    fn span_at_end_of_file_still_has_a_caret() {
        let source = "title = ";
        let diagnostic = Diagnostic::error("p", "r", "m").at(source, Some(8..8));
        assert_eq!(diagnostic.line, Some(1));
        assert_eq!(diagnostic.excerpt.expect("located").carets, 8..9);
    }

    #[test]
    fn a_huge_line_is_cut_around_the_caret() {
        let source = format!("x = {}!{}", "[".repeat(5000), "]".repeat(5000));
        let start = source.find('!').expect("present");
        let excerpt = Diagnostic::error("p", "r", "m").at(&source, Some(start..start + 1)).excerpt.expect("located");
        assert_eq!(excerpt.text.chars().count(), 102, "100 characters and an ellipsis each side");
        assert!(excerpt.text.starts_with('…') && excerpt.text.ends_with('…'));
        let marked: String = excerpt.text.chars().skip(excerpt.carets.start).take(excerpt.carets.len()).collect();
        assert_eq!(marked, "!");
    }
}
