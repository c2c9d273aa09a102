//! `docket.toml`: the tracker's configuration — layout, the workflow of each record kind, the
//! team, iterations, label rules and declared custom fields. Never secrets.

use crate::diagnostic::Diagnostic;
use crate::format::RecordRules;
use crate::format::fields::{FieldSpec, FieldType};
use crate::format::parse::{check_document, end_before_start};
use crate::model::Kind;
use crate::time::{self, Timestamp};

/// The file name that marks a tracker's root.
pub const CONFIG_FILE: &str = "docket.toml";

/// How record files are laid out in their folders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Layout {
    /// `issues/<id>.toml`.
    #[default]
    Flat,
    /// `issues/<first two id chars>/<id>.toml`.
    Sharded,
}

/// A named iteration (seed 000's "current iteration").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iteration {
    pub name: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The parsed `docket.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub layout: Layout,
    /// The workflow governing issues, MIR bugs and milestones, by name.
    pub issue_workflow: String,
    pub mir_workflow: String,
    pub milestone_workflow: String,
    pub members: Vec<String>,
    pub iterations: Vec<Iteration>,
    /// Label scopes an ops issue needs before it leaves triage.
    pub required_scopes: Vec<String>,
    /// Whether a search of a large tracker may start `docket watch` in the background
    /// (`[index] watch = "auto"`, the default; `"never"` turns it off).
    pub index_watch: bool,
    /// Branches a push may not rewind (a force-push) or delete (`[branches] protected`, glob
    /// patterns of branch names; `["main", "master"]` unless set).
    pub protected_branches: Vec<String>,
    pub issue_fields: Vec<String>,
    pub mir_fields: Vec<String>,
    pub milestone_fields: Vec<String>,
    /// Every table of the file, unknown ones included.
    pub table: toml::Table,
}

const WORKFLOWS: &[FieldSpec] = &[
    FieldSpec { name: "issue", field_type: FieldType::Text, required: false, doc: "workflow of issues" },
    FieldSpec { name: "mir", field_type: FieldType::Text, required: false, doc: "workflow of MIR bugs" },
    FieldSpec { name: "milestone", field_type: FieldType::Text, required: false, doc: "workflow of milestones" },
];
const TEAM: &[FieldSpec] =
    &[FieldSpec { name: "members", field_type: FieldType::TextList, required: false, doc: "the team's members" }];
const ITERATION: &[FieldSpec] = &[
    FieldSpec { name: "name", field_type: FieldType::Text, required: true, doc: "the iteration's name, e.g. 2026-w48" },
    FieldSpec { name: "start", field_type: FieldType::Date, required: true, doc: "its first day" },
    FieldSpec { name: "end", field_type: FieldType::Date, required: true, doc: "its last day" },
];
const LABELS: &[FieldSpec] = &[FieldSpec {
    name: "required_scopes",
    field_type: FieldType::TextList,
    required: false,
    doc: "label scopes an issue needs before it leaves triage",
}];
const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "issue", field_type: FieldType::TextList, required: false, doc: "custom issue fields" },
    FieldSpec { name: "mir", field_type: FieldType::TextList, required: false, doc: "custom MIR bug fields" },
    FieldSpec { name: "milestone", field_type: FieldType::TextList, required: false, doc: "custom milestone fields" },
];

const INDEX: &[FieldSpec] = &[FieldSpec {
    name: "watch",
    field_type: FieldType::Enum(&["auto", "never"]),
    required: false,
    doc: "whether a search of a large tracker starts `docket watch` in the background",
}];

const BRANCHES: &[FieldSpec] = &[FieldSpec {
    name: "protected",
    field_type: FieldType::TextList,
    required: false,
    doc: "branches a push may not force or delete (globs, e.g. release/*)",
}];

/// The branches protected when `docket.toml` does not say.
pub const DEFAULT_PROTECTED: &[&str] = &["main", "master"];

/// The fields of `docket.toml`.
pub const CONFIG: &[FieldSpec] = &[
    FieldSpec {
        name: "version",
        field_type: FieldType::Integer { min: 1, max: 1 },
        required: false,
        doc: "format version, 1",
    },
    FieldSpec {
        name: "layout",
        field_type: FieldType::Enum(&["flat", "sharded"]),
        required: false,
        doc: "flat or sharded",
    },
    FieldSpec { name: "workflows", field_type: FieldType::Table(WORKFLOWS), required: false, doc: "workflow per kind" },
    FieldSpec { name: "team", field_type: FieldType::Table(TEAM), required: false, doc: "the team" },
    FieldSpec { name: "iterations", field_type: FieldType::TableList(ITERATION), required: false, doc: "iterations" },
    FieldSpec { name: "labels", field_type: FieldType::Table(LABELS), required: false, doc: "label rules" },
    FieldSpec { name: "fields", field_type: FieldType::Table(FIELDS), required: false, doc: "custom fields" },
    FieldSpec { name: "planning", field_type: FieldType::Any, required: false, doc: "planning settings" },
    FieldSpec { name: "index", field_type: FieldType::Table(INDEX), required: false, doc: "search index settings" },
    FieldSpec { name: "mirror", field_type: FieldType::Any, required: false, doc: "mirror settings" },
    FieldSpec { name: "branches", field_type: FieldType::Table(BRANCHES), required: false, doc: "push policy" },
];

/// The `docket.toml` that `docket init` writes.
pub const DEFAULT_CONFIG: &str = r#"# docket tracker configuration. Records live in issues/, mir/ and milestones/.
# See the docket book, "File formats", for every setting.
version = 1
layout = "flat"            # flat | sharded (for trackers of many thousands of records)

[workflows]                # the workflow governing each record kind
issue = "ops"              # ops | refinement | support | a file in workflows/
mir = "mir"
milestone = "milestone"

[team]
members = []

# [[iterations]]
# name = "2026-w48"
# start = 2026-11-23
# end = 2026-11-29

[labels]
required_scopes = []       # e.g. ["customer", "system", "priority"]
"#;

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            let Some(text) = text.strip_prefix(head) else { return false };
            (0..=text.len()).filter(|i| text.is_char_boundary(*i)).any(|i| glob(rest, &text[i..]))
        }
    }
}

fn strings(table: Option<&toml::Table>, key: &str) -> Vec<String> {
    table
        .and_then(|t| t.get(key))
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

impl Config {
    /// Parses `docket.toml`, reporting every problem with its location.
    pub fn parse(path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let (table, mut diagnostics) = check_document(path, None, source, CONFIG, &RecordRules::default());
        let Some(table) = table else {
            return Err(diagnostics);
        };
        let section = |name: &str| table.get(name).and_then(toml::Value::as_table);
        let workflow = |kind: &str, default: &str| {
            section("workflows").and_then(|w| w.get(kind)).and_then(toml::Value::as_str).unwrap_or(default).to_owned()
        };
        let iterations = table
            .get("iterations")
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
            .filter_map(|it| {
                let date = |key: &str| it.get(key).and_then(toml::Value::as_datetime).and_then(time::timestamp_of);
                Some(Iteration { name: it.get("name")?.as_str()?.to_owned(), start: date("start")?, end: date("end")? })
            })
            .collect::<Vec<Iteration>>();
        for (index, iteration) in iterations.iter().enumerate() {
            let key = format!("iterations[{index}].end");
            diagnostics.extend(end_before_start(path, source, Some(iteration.start), Some(iteration.end), &key));
        }
        if crate::diagnostic::has_errors(&diagnostics) {
            return Err(diagnostics);
        }
        Ok(Config {
            layout: match table.get("layout").and_then(toml::Value::as_str) {
                Some("sharded") => Layout::Sharded,
                _ => Layout::Flat,
            },
            issue_workflow: workflow("issue", "ops"),
            mir_workflow: workflow("mir", "mir"),
            milestone_workflow: workflow("milestone", "milestone"),
            members: strings(section("team"), "members"),
            iterations,
            required_scopes: strings(section("labels"), "required_scopes"),
            index_watch: section("index").and_then(|i| i.get("watch")).and_then(toml::Value::as_str) != Some("never"),
            protected_branches: match section("branches").and_then(|b| b.get("protected")) {
                Some(_) => strings(section("branches"), "protected"),
                None => DEFAULT_PROTECTED.iter().map(|b| (*b).to_owned()).collect(),
            },
            issue_fields: strings(section("fields"), "issue"),
            mir_fields: strings(section("fields"), "mir"),
            milestone_fields: strings(section("fields"), "milestone"),
            table,
        })
    }

    /// Whether the branch `name` (`main`, or a full ref `refs/heads/main`) is protected: a push
    /// may not rewind or delete it. Patterns match whole names; `*` matches any run of
    /// characters (`release/*`).
    pub fn is_protected(&self, name: &str) -> bool {
        let Some(branch) = name.strip_prefix("refs/heads/").or((!name.starts_with("refs/")).then_some(name)) else {
            return false;
        };
        self.protected_branches.iter().any(|pattern| glob(pattern, branch))
    }

    /// The name of the workflow governing `kind`.
    pub fn workflow_name(&self, kind: Kind) -> &str {
        match kind {
            Kind::Issue => &self.issue_workflow,
            Kind::Mir => &self.mir_workflow,
            Kind::Milestone => &self.milestone_workflow,
        }
    }

    /// Custom fields declared for `kind`.
    pub fn custom_fields(&self, kind: Kind) -> &[String] {
        match kind {
            Kind::Issue => &self.issue_fields,
            Kind::Mir => &self.mir_fields,
            Kind::Milestone => &self.milestone_fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_branches() {
        let default = Config::parse("docket.toml", "").expect("config");
        for (name, protected) in
            [("main", true), ("refs/heads/master", true), ("refs/heads/feature", false), ("refs/tags/main", false)]
        {
            assert_eq!(default.is_protected(name), protected, "{name}");
        }
        let custom = Config::parse("docket.toml", "[branches]\nprotected = [\"trunk\", \"release/*\", \"*-stable\"]\n")
            .expect("config");
        for (name, protected) in [
            ("main", false),
            ("trunk", true),
            ("refs/heads/release/2026", true),
            ("release", false),
            ("26.04-stable", true),
            ("stable", false),
        ] {
            assert_eq!(custom.is_protected(name), protected, "{name}");
        }
        let none = Config::parse("docket.toml", "[branches]\nprotected = []\n").expect("config");
        assert!(!none.is_protected("main"));
    }

    #[test]
    fn the_default_config_parses() {
        let config = Config::parse("docket.toml", DEFAULT_CONFIG).expect("valid");
        assert_eq!(config.layout, Layout::Flat);
        assert_eq!(config.workflow_name(Kind::Issue), "ops");
        assert_eq!(config.workflow_name(Kind::Mir), "mir");
    }

    #[test]
    fn problems_are_all_reported() {
        let source = "layout = \"zigzag\"\nlayuot = \"flat\"\n[[iterations]]\nname = \"w1\"\nstart = \"monday\"\n";
        let problems = Config::parse("docket.toml", source).expect_err("invalid");
        let rules: Vec<&str> = problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, ["field.value", "field.unknown", "field.type", "field.missing"]);
        assert_eq!(problems[3].message, "missing required field `iterations[0].end`");
    }
}
