//! Turning the core's values into text for people: diagnostics (drawn by
//! `docket::diagnostic::render`, coloured here), records, tables and diffs.

use std::fmt::Write as _;

use docket::diagnostic::Diagnostic;
use docket::model::{Body, Record};
use docket::workflow::Workflow;

use crate::ui::Style;

/// Every diagnostic, then a one-line summary of the errors and warnings.
pub fn diagnostics(list: &[Diagnostic], style: Style) -> String {
    docket::diagnostic::render_all(list, &style)
}

/// A record for `docket show`: a header, the one-line fields in file order, then the long
/// texts, tables and lists of tables.
pub fn record(record: &Record, workflow: Option<&Workflow>, style: Style) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{} {}", style.id(&record.id), style.bold(record.title()));
    let state = record.state();
    let display = workflow.and_then(|w| w.state(state)).map(|s| s.display.clone());
    let mut header = vec![format!("kind: {}", record.kind())];
    match &record.body {
        // A MIR bug's workflow states are the ten process states, not its status.
        Body::Mir(bug) => {
            header.push(format!("status: {state}"));
            let process = bug.state();
            header.push(match process.number() {
                Some(n) => format!("process state: {} ({n}. {})", process.name(), process.display()),
                None => format!("process state: {}", style.warning(process.display())),
            });
        }
        _ => header.push(match display {
            Some(display) if display != state => format!("{}: {state} ({display})", record.kind().state_field()),
            _ => format!("{}: {state}", record.kind().state_field()),
        }),
    }
    let _ = writeln!(text, "{}", header.join("   "));
    let _ = writeln!(text, "{}", style.dim(&format!("path: {}", record.path)));

    let mut paragraphs = String::new();
    for (key, value) in &record.fields {
        if matches!(key.as_str(), "title" | "stage" | "status") {
            continue;
        }
        match value {
            toml::Value::String(s) if docket::format::fields::LONG_TEXT.contains(&key.as_str()) || s.contains('\n') => {
                let _ = writeln!(paragraphs, "\n{}", style.bold(key));
                for line in s.trim_end().lines() {
                    let _ = writeln!(paragraphs, "    {line}");
                }
            }
            toml::Value::Table(table) => {
                let _ = writeln!(paragraphs, "\n{}", style.bold(key));
                for (k, v) in table {
                    let _ = writeln!(paragraphs, "    {k}: {}", inline(v));
                }
                if key == "rice"
                    && let Body::Issue(issue) = &record.body
                    && let Some(score) = issue.rice.and_then(|r| r.score())
                {
                    let _ = writeln!(paragraphs, "    score: {score:.1}");
                }
            }
            toml::Value::Array(items) if !items.is_empty() && items.iter().all(toml::Value::is_table) => {
                let _ = writeln!(paragraphs, "\n{}", style.bold(key));
                for item in items.iter().filter_map(toml::Value::as_table) {
                    paragraphs.push_str(&entry(item, style));
                }
            }
            toml::Value::Array(items) if items.is_empty() => {}
            _ => {
                let _ = writeln!(text, "{key}: {}", inline(value));
            }
        }
    }
    text.push_str(&paragraphs);
    text
}

/// A comment, update or other entry: `date  author  (other fields)` then its text, indented.
fn entry(table: &toml::Table, style: Style) -> String {
    let mut head: Vec<String> = Vec::new();
    for key in ["date", "author"] {
        if let Some(value) = table.get(key) {
            head.push(inline(value));
        }
    }
    for (key, value) in table {
        if !matches!(key.as_str(), "date" | "author" | "text") {
            head.push(format!("{key}: {}", inline(value)));
        }
    }
    let mut text = format!("  {}\n", style.dim(&head.join("  ")));
    if let Some(body) = table.get("text").and_then(toml::Value::as_str) {
        for line in body.trim_end().lines() {
            let _ = writeln!(text, "    {line}");
        }
    }
    text
}

/// A value on one line: strings bare, arrays comma-separated.
pub fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(items) => items.iter().map(inline).collect::<Vec<_>>().join(", "),
        toml::Value::Table(table) => {
            table.iter().map(|(k, v)| format!("{k}={}", inline(v))).collect::<Vec<_>>().join(" ")
        }
        other => other.to_string(),
    }
}

/// The records of `docket list` as aligned columns.
pub fn table(records: &[&Record], style: Style) -> String {
    let mixed_kinds = records.windows(2).any(|pair| pair[0].kind() != pair[1].kind());
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|record| {
            let state = match &record.body {
                Body::Mir(bug) => format!("{} ({})", record.state(), bug.state().name()),
                _ => record.state().to_owned(),
            };
            let (detail, weight) = match &record.body {
                Body::Issue(issue) => {
                    (issue.issue_type.name().to_owned(), issue.weight.map(|w| format!("w{w}")).unwrap_or_default())
                }
                Body::Mir(bug) => (bug.package.clone(), String::new()),
                Body::Milestone(milestone) => (dates(milestone.start, milestone.end), String::new()),
            };
            let mut row = vec![record.id.clone()];
            if mixed_kinds {
                row.push(record.kind().name().to_owned());
            }
            row.extend([state, detail, record.assignee().unwrap_or("-").to_owned(), weight, record.title().to_owned()]);
            row
        })
        .collect();
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> =
        (0..columns).map(|c| rows.iter().map(|row| row[c].chars().count()).max().unwrap_or(0)).collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == columns {
                line.push_str(cell);
            } else {
                let padded = format!("{cell:<width$}  ", width = widths[c]);
                line.push_str(&if c == 0 { style.id(&padded) } else { padded });
            }
        }
        let _ = writeln!(text, "{}", line.trim_end());
    }
    text
}

fn dates(start: Option<i64>, end: Option<i64>) -> String {
    let day = |t: Option<i64>| t.map_or_else(|| "?".to_owned(), |t| docket::time::date_of(t).to_string());
    if start.is_none() && end.is_none() { String::new() } else { format!("{}..{}", day(start), day(end)) }
}

/// The lines that differ between two versions of a file, as a unified diff without headers.
pub fn diff(before: &str, after: &str, style: Style) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut text = String::new();
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n');
        match change.tag() {
            similar::ChangeTag::Delete => {
                let _ = writeln!(text, "{}", style.removed(&format!("-{line}")));
            }
            similar::ChangeTag::Insert => {
                let _ = writeln!(text, "{}", style.added(&format!("+{line}")));
            }
            similar::ChangeTag::Equal => {}
        }
    }
    text
}
