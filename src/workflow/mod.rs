//! Workflows as data: a record kind's states, the transitions between them, and the conditions
//! each transition, state and rule imposes. The built-in workflows ship in `schema/workflows/`
//! and are compiled in; a tracker's own `workflows/<name>.toml` overrides one.
//!
//! This module is pure: callers hand in file text, records, the clock and history facts.
//! [`engine`] evaluates a change against a workflow; [`condition`] holds the vocabulary of
//! requirements.

pub mod condition;
pub mod engine;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

pub use condition::{Condition, Facts};

use crate::diagnostic::Diagnostic;
use crate::model::{Body, Kind, Record};

/// A workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub name: String,
    pub kind: Kind,
    /// The field holding the state, e.g. `stage` or `status`.
    pub field: String,
    /// How the state is read: from the field, or derived (the MIR process states).
    pub derive: Derive,
    /// The state new records start in.
    pub initial: String,
    /// What a record created in this change must satisfy, whatever its state.
    pub create: Condition,
    /// Whether a new record may appear in a later state (an import, a mirror pull) when the
    /// artifacts along some allowed path are present, or only in the initial state.
    pub appear: Appear,
    /// States a record may be deleted from.
    pub deletable: Vec<String>,
    /// At most one `scope::value` label per scope.
    pub unique_label_scopes: bool,
    /// A label scope mirroring the state (`workflow` → `workflow::in_dev`).
    pub state_label_scope: Option<String>,
    /// The states, in file order.
    pub states: Vec<State>,
    pub transitions: Vec<Transition>,
    pub rules: Vec<Rule>,
}

/// How a record's state is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Derive {
    /// The value of the state field.
    #[default]
    Field,
    /// The ten MIR process states, from status, assignee and verdict.
    MirProcess,
}

/// See [`Workflow::appear`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Appear {
    /// Only in the initial state.
    Initial,
    /// In any state reachable with the artifacts present.
    #[default]
    Path,
}

/// One state.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub name: String,
    /// How people write it ("Ready for development").
    pub display: String,
    /// Whether the record's work is over in this state.
    pub terminal: bool,
    /// What must hold while a record is in this state.
    pub require: Condition,
    /// A field recording the state left to enter this one (`previous_stage`): entering requires
    /// it to name that state, and leaving is allowed only back to it.
    pub previous: Option<String>,
    /// Fields `docket move` sets when entering the state (for derived states: the status).
    pub set: BTreeMap<String, toml::Value>,
}

/// An allowed move between states.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub from: Vec<String>,
    /// Target states; `$previous` means the state named by the state's `previous` field.
    pub to: Vec<String>,
    /// Which records may take it (e.g. only features); others are not offered it.
    pub when: Condition,
    /// What must hold to take it; unmet requirements are errors.
    pub require: Condition,
    /// The rule in words, for messages.
    pub message: Option<String>,
}

/// A conditional requirement on some moves, not granting any: e.g. approval when flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// Applies to moves from these states (empty: any).
    pub from: Vec<String>,
    /// Applies to moves into these states (empty: any).
    pub to: Vec<String>,
    /// Applies only when this holds of the new record.
    pub when: Condition,
    pub require: Condition,
    pub severity: crate::diagnostic::Severity,
    pub message: String,
}

/// The built-in workflows: (name, file text).
pub const BUILT_IN: &[(&str, &str)] = &[
    ("ops", include_str!("../../schema/workflows/ops.toml")),
    ("refinement", include_str!("../../schema/workflows/refinement.toml")),
    ("support", include_str!("../../schema/workflows/support.toml")),
    ("milestone", include_str!("../../schema/workflows/milestone.toml")),
    ("mir", include_str!("../../schema/workflows/mir.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    name: String,
    kind: String,
    field: String,
    #[serde(default)]
    derive: Derive,
    initial: String,
    #[serde(default)]
    create: Condition,
    #[serde(default)]
    appear: Appear,
    #[serde(default)]
    deletable: Vec<String>,
    #[serde(default)]
    unique_label_scopes: bool,
    state_label_scope: Option<String>,
    states: toml::Table,
    #[serde(default)]
    transitions: Vec<TransitionFile>,
    #[serde(default)]
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    display: Option<String>,
    #[serde(default)]
    terminal: bool,
    #[serde(default)]
    require: Condition,
    previous: Option<String>,
    #[serde(default)]
    set: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransitionFile {
    from: OneOrMany,
    to: OneOrMany,
    #[serde(default)]
    when: Condition,
    #[serde(default)]
    require: Condition,
    message: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    name: String,
    #[serde(default)]
    from: Option<OneOrMany>,
    #[serde(default)]
    to: Option<OneOrMany>,
    #[serde(default)]
    when: Condition,
    #[serde(default)]
    require: Condition,
    #[serde(default)]
    severity: SeverityFile,
    message: String,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum SeverityFile {
    #[default]
    Error,
    Warning,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// State names that may appear in `from`/`to` besides the states themselves.
const OPEN_STATES: &str = "$open";
const PREVIOUS: &str = "$previous";

impl Workflow {
    /// Parses a workflow file read from `path`, reporting every problem found.
    pub fn parse(path: &str, source: &str) -> Result<Self, Vec<Diagnostic>> {
        let file: WorkflowFile = toml::from_str(source).map_err(|error| {
            vec![
                Diagnostic::error(
                    path,
                    "workflow.syntax",
                    format!("invalid workflow: {}", error.message().trim_end_matches('.')),
                )
                .at(source, error.span())
                .with_hint("see the book's chapter on workflows for the format"),
            ]
        })?;
        let locate = |needle: &str| source.find(needle).map(|start| start..start + needle.len());
        let mut problems = Vec::new();
        let mut problem = |rule: &'static str, message: String, needle: &str, hint: &str| {
            problems.push(Diagnostic::error(path, rule, message).at(source, locate(needle)).with_hint(hint));
        };
        let kind = Kind::from_name(&file.kind);
        if kind.is_none() {
            problem(
                "workflow.kind",
                format!("unknown record kind `{}`", file.kind),
                &format!("\"{}\"", file.kind),
                "use `issue`, `mir` or `milestone`",
            );
        }
        let mut states = Vec::new();
        for (name, value) in &file.states {
            match value.clone().try_into::<StateFile>() {
                Ok(state) => states.push(State {
                    name: name.clone(),
                    display: state.display.unwrap_or_else(|| name.clone()),
                    terminal: state.terminal,
                    require: state.require,
                    previous: state.previous,
                    set: state.set,
                }),
                Err(error) => problem(
                    "workflow.state",
                    format!("state `{name}`: {}", error.message().trim_end_matches('.')),
                    &format!("[states.{name}]"),
                    "a state has `display`, and optionally `terminal`, `require`, `previous` and `set`",
                ),
            }
        }
        let known = |name: &str| states.iter().any(|s| s.name == name);
        if !known(&file.initial) {
            problem(
                "workflow.initial",
                format!("the initial state `{}` is not one of the states", file.initial),
                "initial",
                "add it under [states] or name another initial state",
            );
        }
        let mut transitions = Vec::new();
        for transition in file.transitions {
            let from = transition.from.into_vec();
            let to = transition.to.into_vec();
            for name in from.iter().chain(&to) {
                if !known(name) && name != OPEN_STATES && name != PREVIOUS {
                    problem(
                        "workflow.transition",
                        format!("a transition names the state `{name}`, which is not defined"),
                        &format!("\"{name}\""),
                        "define it under [states], or use `$open` (every non-terminal state) or `$previous`",
                    );
                }
            }
            transitions.push(Transition {
                from,
                to,
                when: transition.when,
                require: transition.require,
                message: transition.message,
            });
        }
        let mut rules = Vec::new();
        for rule in file.rules {
            rules.push(Rule {
                name: rule.name,
                from: rule.from.map(OneOrMany::into_vec).unwrap_or_default(),
                to: rule.to.map(OneOrMany::into_vec).unwrap_or_default(),
                when: rule.when,
                require: rule.require,
                severity: match rule.severity {
                    SeverityFile::Error => crate::diagnostic::Severity::Error,
                    SeverityFile::Warning => crate::diagnostic::Severity::Warning,
                },
                message: rule.message,
            });
        }
        for name in &file.deletable {
            if !known(name) {
                problem(
                    "workflow.deletable",
                    format!("`deletable` names the state `{name}`, which is not defined"),
                    "deletable",
                    "name states defined under [states]",
                );
            }
        }
        match kind {
            Some(kind) if problems.is_empty() => Ok(Self {
                name: file.name,
                kind,
                field: file.field,
                derive: file.derive,
                initial: file.initial,
                create: file.create,
                appear: file.appear,
                deletable: file.deletable,
                unique_label_scopes: file.unique_label_scopes,
                state_label_scope: file.state_label_scope,
                states,
                transitions,
                rules,
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

    /// The names of the states a record's state field may hold. For derived states the field
    /// is checked by the record parser instead, so there is nothing to list.
    pub fn field_values(&self) -> Option<Vec<String>> {
        match self.derive {
            Derive::Field => Some(self.states.iter().map(|state| state.name.clone()).collect()),
            Derive::MirProcess => None,
        }
    }

    /// The state `record` is in under this workflow.
    pub fn state_of(&self, record: &Record) -> String {
        match (self.derive, &record.body) {
            (Derive::MirProcess, Body::Mir(bug)) => bug.state().name().to_owned(),
            _ => record.fields.get(&self.field).and_then(toml::Value::as_str).unwrap_or("").to_owned(),
        }
    }

    /// The field whose history says when a record entered a state: the state field, or
    /// `$state` for derived states (computed from the record at each commit).
    pub fn history_field(&self) -> &str {
        match self.derive {
            Derive::Field => &self.field,
            Derive::MirProcess => "$state",
        }
    }

    /// Whether `name` is a state of this workflow and not terminal.
    fn is_open(&self, name: &str) -> bool {
        self.state(name).is_some_and(|state| !state.terminal)
    }

    /// Whether transition `t` leaves `from`.
    /// Every state some series of moves leads to from `from` (not `from` itself unless a cycle
    /// returns to it), whatever the conditions on the way. `previous` is the state a record
    /// parked in `from` recorded on entry: a return (`$previous`) leads there, and only there.
    pub fn reachable(&self, from: &str, previous: Option<&str>) -> BTreeSet<String> {
        // A record's place is its state and, while parked, the state it will return to.
        type Place = (String, Option<String>);
        let successors = |(state, back): &Place| -> Vec<Place> {
            let parked = self.state(state).is_some_and(|s| s.previous.is_some());
            let mut next = Vec::new();
            for t in self.transitions.iter().filter(|t| self.leaves(t, state)) {
                for to in &t.to {
                    if to == PREVIOUS {
                        next.extend(back.clone().map(|back| (back, None)));
                    } else if to != OPEN_STATES {
                        let enters_parked = self.state(to).is_some_and(|s| s.previous.is_some());
                        let recorded = match (enters_parked, parked) {
                            (false, _) => None,
                            (true, true) => back.clone(),
                            (true, false) => Some(state.clone()),
                        };
                        next.push((to.clone(), recorded));
                    }
                }
            }
            next
        };
        let mut seen: BTreeSet<Place> = BTreeSet::new();
        let mut queue = successors(&(from.to_owned(), previous.map(str::to_owned)));
        while let Some(place) = queue.pop() {
            if !seen.contains(&place) {
                queue.extend(successors(&place));
                seen.insert(place);
            }
        }
        seen.into_iter().map(|(state, _)| state).collect()
    }

    fn leaves(&self, t: &Transition, from: &str) -> bool {
        t.from.iter().any(|f| f == from || (f == OPEN_STATES && self.is_open(from)))
    }

    /// The targets of `t` for a record leaving `from` whose old version is `old`.
    fn targets(&self, t: &Transition, from: &str, old: Option<&Record>) -> Vec<String> {
        t.to.iter()
            .filter_map(|to| {
                if to == PREVIOUS {
                    let field = self.state(from)?.previous.as_deref()?;
                    old.and_then(|old| old.fields.get(field)).and_then(toml::Value::as_str).map(str::to_owned)
                } else if to == OPEN_STATES {
                    None
                } else {
                    Some(to.clone())
                }
            })
            .collect()
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
        let source = "name = \"x\"\nkind = \"ticket\"\nfield = \"stage\"\ninitial = \"a\"\n[states.b]\n[[transitions]]\nfrom = \"b\"\nto = \"c\"\n";
        let problems = Workflow::parse("workflows/x.toml", source).expect_err("invalid");
        let rules: Vec<&str> = problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, ["workflow.kind", "workflow.initial", "workflow.transition"]);
        assert_eq!(problems[0].line, Some(2));
        assert_eq!(problems[2].line, Some(8));
        // The caret covers the word at fault.
        let excerpt = problems[0].excerpt.as_ref().expect("an excerpt");
        assert_eq!(&excerpt.text[excerpt.carets.clone()], "\"ticket\"");
        let with_deletable = source.replace("[states.b]", "deletable = [\"zz\"]\n[states.b]");
        let problems = Workflow::parse("workflows/x.toml", &with_deletable).expect_err("invalid");
        let deletable = problems.iter().find(|p| p.message.contains("`deletable`")).expect("the deletable problem");
        let excerpt = deletable.excerpt.as_ref().expect("an excerpt");
        assert_eq!(&excerpt.text[excerpt.carets.clone()], "deletable");
        // A workflow of a valid kind with a problem is refused too.
        let valid_kind = source.replace("\"ticket\"", "\"issue\"");
        assert_eq!(Workflow::parse("workflows/x.toml", &valid_kind).expect_err("invalid").len(), 2);
    }

    #[test]
    fn a_syntax_error_in_a_workflow_is_located() {
        let source = "name = \"x\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"a\"\ncolour = 3\n[states.a]\n";
        let problems = Workflow::parse("workflows/x.toml", source).expect_err("invalid");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(5));
        assert!(problems[0].message.contains("colour"), "{}", problems[0].message);
    }
}

#[cfg(test)]
mod engine_tests;
