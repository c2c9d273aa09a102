//! Workflows as data: the states of a record kind's process, loaded from TOML.
//!
//! The built-in workflows ship in `schema/workflows/` and are compiled in; a tracker's own
//! `workflows/<name>.toml` overrides one. This module is pure: callers hand in the file text.
//! (Transitions and their conditions are evaluated by the workflow engine.)

use serde::Deserialize;

use crate::diagnostic::Diagnostic;
use crate::model::Kind;

/// A workflow: the state field of a record kind and its states.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub kind: Kind,
    /// The field holding the state, e.g. `stage` or `status`.
    pub field: String,
    /// The state new records start in.
    pub initial: String,
    /// The states, in file order.
    pub states: Vec<State>,
}

/// One state of a workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub name: String,
    /// How people write it ("Ready for development").
    pub display: String,
    /// Whether the record's work is over in this state.
    pub terminal: bool,
}

/// The built-in workflows: (name, file text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("ops", include_str!("../schema/workflows/ops.toml")),
    (
        "refinement",
        include_str!("../schema/workflows/refinement.toml"),
    ),
    ("support", include_str!("../schema/workflows/support.toml")),
    (
        "milestone",
        include_str!("../schema/workflows/milestone.toml"),
    ),
    ("mir", include_str!("../schema/workflows/mir.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    name: String,
    kind: String,
    field: String,
    initial: String,
    states: toml::Table,
    #[serde(default)]
    transitions: Option<toml::Value>,
    #[serde(default)]
    invariants: Option<toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    display: Option<String>,
    #[serde(default)]
    terminal: bool,
}

impl Workflow {
    /// Parses a workflow file read from `path`.
    pub fn parse(path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let file: WorkflowFile = toml::from_str(source).map_err(|error| {
            vec![
                Diagnostic::error(
                    path,
                    "workflow.syntax",
                    format!(
                        "invalid workflow: {}",
                        error.message().trim_end_matches('.')
                    ),
                )
                .at(source, error.span())
                .with_hint("see the book's workflow chapter for the format"),
            ]
        })?;
        let _ = (&file.transitions, &file.invariants);
        let locate = |needle: &str| source.find(needle).map(|start| start..start + needle.len());
        let mut problems = Vec::new();
        let kind = Kind::from_name(&file.kind);
        if kind.is_none() {
            problems.push(
                Diagnostic::error(
                    path,
                    "workflow.kind",
                    format!("unknown record kind `{}`", file.kind),
                )
                .at(source, locate(&format!("\"{}\"", file.kind)))
                .with_hint("use `issue`, `mir` or `milestone`"),
            );
        }
        let mut states = Vec::new();
        for (name, value) in &file.states {
            match value.clone().try_into::<StateFile>() {
                Ok(state) => states.push(State {
                    name: name.clone(),
                    display: state.display.unwrap_or_else(|| name.clone()),
                    terminal: state.terminal,
                }),
                Err(error) => problems.push(
                    Diagnostic::error(
                        path,
                        "workflow.state",
                        format!("state `{name}`: {}", error.message().trim_end_matches('.')),
                    )
                    .at(source, locate(&format!("[states.{name}]")))
                    .with_hint("a state has `display = \"…\"` and optionally `terminal = true`"),
                ),
            }
        }
        if !states.iter().any(|state| state.name == file.initial) {
            problems.push(
                Diagnostic::error(
                    path,
                    "workflow.initial",
                    format!(
                        "the initial state `{}` is not one of the states",
                        file.initial
                    ),
                )
                .at(source, locate("initial"))
                .with_hint("add it under [states] or name another initial state"),
            );
        }
        match kind {
            Some(kind) if problems.is_empty() => Ok(Self {
                name: file.name,
                kind,
                field: file.field,
                initial: file.initial,
                states,
            }),
            _ => Err(problems),
        }
    }

    /// The built-in workflow called `name`.
    pub fn built_in(name: &str) -> Option<Self> {
        let (_, source) = BUILT_IN.iter().find(|(n, _)| *n == name)?;
        Some(
            Self::parse(&format!("schema/workflows/{name}.toml"), source)
                .expect("built-in workflows are valid, as a test checks"),
        )
    }

    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|state| state.name == name)
    }

    pub fn state_names(&self) -> Vec<String> {
        self.states.iter().map(|state| state.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_workflows_parse() {
        for (name, _) in BUILT_IN {
            let workflow = Workflow::built_in(name).expect("exists");
            assert_eq!(&workflow.name, name);
            assert!(workflow.state(&workflow.initial).is_some());
        }
        let ops = Workflow::built_in("ops").expect("exists");
        assert_eq!(ops.kind, Kind::Issue);
        assert_eq!(ops.initial, "triage");
        assert_eq!(ops.states.len(), 11);
        assert!(ops.state("closed").expect("exists").terminal);
    }

    #[test]
    fn a_bad_workflow_is_located() {
        let source =
            "name = \"x\"\nkind = \"ticket\"\nfield = \"stage\"\ninitial = \"a\"\n[states.b]\n";
        let problems = Workflow::parse("workflows/x.toml", source).expect_err("invalid");
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[1].rule, "workflow.initial");
    }
}
