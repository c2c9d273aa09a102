//! The workflow engine: (workflow, old record or none, new record or none, clock, history
//! facts) → violations. Pure; the same engine serves `docket move`, the hooks, `docket check`
//! and mirror pulls.

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::format::edit::Assignment;
use crate::model::Record;
use crate::time::Timestamp;

use super::condition::{Facts, Scope, Unmet};
use super::{Appear, Derive, Transition, Workflow};

/// One way a change breaks its workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub severity: Severity,
    /// A stable name: `workflow.transition`, `workflow.require`, `workflow.state`, …
    pub rule: &'static str,
    /// The rule in words.
    pub message: String,
    /// The field to point at.
    pub field: Option<String>,
    /// The states the record may move to from its old state.
    pub allowed: Vec<String>,
    /// Fields the change lacks.
    pub missing: Vec<String>,
    pub hint: Option<String>,
}

/// The world a change is judged in.
pub struct Env<'a> {
    /// The commit's time: `GIT_COMMITTER_DATE`, or now.
    pub now: Timestamp,
    pub config: &'a Config,
    pub facts: &'a dyn Facts,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Everything, for a real move.
    Full,
    /// A step of a path a record arriving in a later state may have taken: only the artifacts
    /// it must still carry (fields, sections, ranges, label scopes) — not time, not an added
    /// comment, and not labels that mark a moment (`validation::requested` gives way to
    /// `validation::rejected` while the issue is still in validation).
    Path,
    /// What a state requires while a record is in it: everything but time.
    State,
}

struct Judge<'a> {
    workflow: &'a Workflow,
    env: &'a Env<'a>,
}

impl Judge<'_> {
    fn unmet(
        &self,
        condition: &super::Condition,
        record: &Record,
        old: Option<&Record>,
        from: Option<&str>,
        mode: Mode,
    ) -> Vec<Unmet> {
        let scope = Scope {
            record,
            old,
            from,
            state_field: self.workflow.history_field(),
            now: self.env.now,
            config: self.env.config,
            facts: self.env.facts,
            skip_time: mode != Mode::Full,
            skip_markers: mode == Mode::Path,
        };
        condition.unmet(&scope)
    }

    /// Transitions from `from` to `to` open to `record`.
    fn edges<'t>(
        &'t self,
        from: &str,
        to: &str,
        record: &Record,
        old: Option<&Record>,
    ) -> (Vec<&'t Transition>, Vec<&'t Transition>) {
        let matching: Vec<&Transition> = self
            .workflow
            .transitions
            .iter()
            .filter(|t| {
                self.workflow.leaves(t, from) && self.workflow.targets(t, from, old).iter().any(|target| target == to)
            })
            .collect();
        let open = matching
            .iter()
            .copied()
            .filter(|t| self.unmet(&t.when, record, old, Some(from), Mode::Full).is_empty())
            .collect();
        (matching, open)
    }

    /// The states `record` may move to from `from`.
    fn allowed(&self, from: &str, record: &Record, old: Option<&Record>) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        for t in &self.workflow.transitions {
            if self.workflow.leaves(t, from) && self.unmet(&t.when, record, old, Some(from), Mode::Full).is_empty() {
                for target in self.workflow.targets(t, from, old) {
                    if !targets.contains(&target) {
                        targets.push(target);
                    }
                }
            }
        }
        let order = |name: &String| self.workflow.states.iter().position(|s| &s.name == name).unwrap_or(usize::MAX);
        targets.sort_by_key(order);
        targets
    }
}

fn violation(rule: &'static str, message: String, field: Option<String>) -> Violation {
    Violation { severity: Severity::Error, rule, message, field, allowed: Vec::new(), missing: Vec::new(), hint: None }
}

fn from_unmet(rule: &'static str, what: &str, unmet: Unmet, allowed: &[String], severity: Severity) -> Violation {
    let missing = if unmet.missing { unmet.field.iter().cloned().collect() } else { Vec::new() };
    let hint = match (&unmet.field, unmet.missing) {
        (Some(field), true) => Some(format!("fill in `{field}` in the same change")),
        (Some(field), false) if field == "labels" => Some("fix the labels in the same change".to_owned()),
        _ => None,
    };
    Violation {
        severity,
        rule,
        message: format!("{what} {}", unmet.message),
        field: unmet.field,
        allowed: allowed.to_vec(),
        missing,
        hint,
    }
}

/// Judges one change to one record: `old` is the version before (none for a new record),
/// `new` the version after (none for a deletion).
pub fn check_change(workflow: &Workflow, old: Option<&Record>, new: Option<&Record>, env: &Env<'_>) -> Vec<Violation> {
    let judge = Judge { workflow, env };
    match (old, new) {
        (None, None) => Vec::new(),
        (Some(old), None) => check_deletion(&judge, old),
        (None, Some(new)) => {
            let mut violations = check_state(&judge, new);
            violations.extend(check_appearance(&judge, new));
            violations
        }
        (Some(old), Some(new)) => {
            let mut violations = check_state(&judge, new);
            violations.extend(check_move(&judge, old, new));
            violations
        }
    }
}

/// What must hold of a record in its state, whatever the change: a defined state, the state's
/// own requirements, one label per scope, and a state label that agrees with the state.
pub fn check_record(workflow: &Workflow, record: &Record, env: &Env<'_>) -> Vec<Violation> {
    check_state(&Judge { workflow, env }, record)
}

fn check_state(judge: &Judge<'_>, record: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    let state_name = workflow.state_of(record);
    let mut violations = Vec::new();
    let Some(state) = workflow.state(&state_name) else {
        let names: Vec<String> = workflow.states.iter().map(|s| format!("`{}`", s.name)).collect();
        let mut v = violation(
            "workflow.undefined",
            format!(
                "`{state_name}` is not a state of the `{}` workflow: the record is in an undefined state",
                workflow.name
            ),
            Some(workflow.field.clone()),
        );
        v.hint = Some(match workflow.derive {
            Derive::MirProcess => "set `status`, `assignee` and `verdict` so the bug is in one of the ten MIR process states (see `docket show`)".to_owned(),
            Derive::Field => format!("use one of {}", names.join(", ")),
        });
        violations.push(v);
        return violations;
    };
    for unmet in judge.unmet(&state.require, record, None, None, Mode::State) {
        violations.push(from_unmet(
            "workflow.state",
            &format!("while in `{}`, the record", state.name),
            unmet,
            &[],
            Severity::Error,
        ));
    }
    if let Some(previous) = &state.previous {
        let value = record.fields.get(previous).and_then(toml::Value::as_str).unwrap_or("");
        if value.is_empty() {
            let mut v = violation(
                "workflow.state",
                format!("while in `{}`, the record needs `{previous}`: the state it left", state.name),
                Some(previous.clone()),
            );
            v.missing = vec![previous.clone()];
            v.hint = Some(format!("set `{previous}` to the state it was in before"));
            violations.push(v);
        } else if workflow.state(value).is_none_or(|s| s.previous.is_some()) {
            let mut v = violation(
                "workflow.state",
                format!("`{previous}` is `{value}`, which is not a state it can return to"),
                Some(previous.clone()),
            );
            v.hint = Some("name the stage the issue was in before".to_owned());
            violations.push(v);
        }
    }
    if workflow.unique_label_scopes {
        let mut scoped: Vec<(&str, &str)> =
            record.labels().iter().filter_map(|l| l.rsplit_once("::").map(|(s, _)| (s, l.as_str()))).collect();
        scoped.sort_unstable();
        for pair in scoped.windows(2) {
            if pair[0].0 == pair[1].0 {
                let mut v = violation(
                    "workflow.labels",
                    format!(
                        "at most one `{}::` label is allowed, and there are `{}` and `{}`",
                        pair[0].0, pair[0].1, pair[1].1
                    ),
                    Some("labels".into()),
                );
                v.hint = Some("remove the one that no longer holds".to_owned());
                violations.push(v);
            }
        }
    }
    if let Some(scope) = &workflow.state_label_scope {
        for label in record.labels() {
            let Some(value) = label.strip_prefix(&format!("{scope}::")) else { continue };
            let matches = value == state.name
                || value.eq_ignore_ascii_case(&state.display)
                || value.replace(' ', "_") == state.name;
            if !matches {
                let mut v = violation(
                    "workflow.labels",
                    format!("the label `{label}` says the record is elsewhere than its state `{}`", state.name),
                    Some("labels".into()),
                );
                v.hint = Some(format!("change it to `{scope}::{}`", state.name));
                violations.push(v);
            }
        }
    }
    violations
}

fn check_deletion(judge: &Judge<'_>, old: &Record) -> Vec<Violation> {
    let state = judge.workflow.state_of(old);
    if judge.workflow.deletable.contains(&state) {
        return Vec::new();
    }
    let mut v = violation(
        "workflow.delete",
        format!("the record was deleted in state `{state}`, and the `{}` workflow keeps records", judge.workflow.name),
        None,
    );
    v.allowed.clone_from(&judge.workflow.deletable);
    v.hint = Some(format!(
        "restore it (`git restore --staged --worktree {}`) and move it to a terminal state instead",
        old.path
    ));
    vec![v]
}

fn check_appearance(judge: &Judge<'_>, new: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    let mut violations: Vec<Violation> = judge
        .unmet(&workflow.create, new, None, None, Mode::Full)
        .into_iter()
        .map(|unmet| from_unmet("workflow.create", "a new record", unmet, &[], Severity::Error))
        .collect();
    let target = workflow.state_of(new);
    if target == workflow.initial || workflow.state(&target).is_none() {
        return violations;
    }
    if workflow.appear == Appear::Initial {
        let mut v = violation(
            "workflow.appear",
            format!("a new record must start in `{}`, not `{target}`", workflow.initial),
            Some(workflow.field.clone()),
        );
        v.allowed = vec![workflow.initial.clone()];
        v.hint = Some(format!("create it in `{}` and move it on in later commits", workflow.initial));
        violations.push(v);
        return violations;
    }
    // The cheapest path from the initial state: each step costs its unmet requirements.
    let n = workflow.states.len();
    let index = |name: &str| workflow.states.iter().position(|s| s.name == name);
    let mut best: Vec<Option<Vec<Unmet>>> = vec![None; n];
    best[index(&workflow.initial).expect("the initial state exists")] = Some(Vec::new());
    let target_index = index(&target).expect("the target state exists");
    let mode = Mode::Path;
    for _ in 0..n {
        let mut changed = false;
        for (from_index, state) in workflow.states.iter().enumerate() {
            let Some(so_far) = best[from_index].clone() else { continue };
            for t in workflow.transitions.iter().filter(|t| workflow.leaves(t, &state.name)) {
                for to in workflow.targets(t, &state.name, None) {
                    let Some(to_index) = index(&to) else { continue };
                    if !judge.unmet(&t.when, new, None, Some(&state.name), mode).is_empty() {
                        continue;
                    }
                    let mut cost = so_far.clone();
                    cost.extend(judge.unmet(&t.require, new, None, Some(&state.name), mode));
                    if best[to_index].as_ref().is_none_or(|b| cost.len() < b.len()) {
                        best[to_index] = Some(cost);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    match best[target_index].take() {
        Some(unmet) if unmet.is_empty() => {}
        Some(unmet) => {
            let what = format!("a record in `{target}`");
            violations.extend(unmet.into_iter().map(|u| {
                let mut v = from_unmet("workflow.appear", &what, u, &[], Severity::Error);
                v.hint = Some(format!(
                    "a record in `{target}` carries the artifacts of the states before it (a new one may also start in `{}`)",
                    workflow.initial
                ));
                v
            }));
        }
        None => {
            let mut v = violation(
                "workflow.appear",
                format!("a record cannot be in `{target}`: no path from `{}` leads there for it", workflow.initial),
                Some(workflow.field.clone()),
            );
            v.hint = Some(format!("create it in `{}`", workflow.initial));
            violations.push(v);
        }
    }
    violations
}

fn check_move(judge: &Judge<'_>, old: &Record, new: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    let from = workflow.state_of(old);
    let to = workflow.state_of(new);
    if from == to || workflow.state(&to).is_none() {
        return Vec::new();
    }
    let allowed = judge.allowed(&from, new, Some(old));
    let (matching, open) = judge.edges(&from, &to, new, Some(old));
    let mut violations = Vec::new();
    if open.is_empty() {
        let field = Some(workflow.field.clone());
        let mut v = if let Some(t) = matching.first() {
            let reasons: Vec<String> =
                judge.unmet(&t.when, new, Some(old), Some(&from), Mode::Full).into_iter().map(|u| u.message).collect();
            violation("workflow.transition", format!("`{from}` → `{to}` is {}", reasons.join(", ")), field)
        } else if workflow.state(&from).and_then(|s| s.previous.as_ref()).is_some() {
            let previous = workflow.state(&from).and_then(|s| s.previous.clone()).unwrap_or_default();
            let back = old.fields.get(&previous).and_then(toml::Value::as_str).unwrap_or("");
            violation(
                "workflow.transition",
                format!(
                    "a record leaves `{from}` only back to the state it came from (`{previous}` = \"{back}\"), not to `{to}`"
                ),
                field,
            )
        } else {
            violation(
                "workflow.transition",
                format!("`{from}` → `{to}` is not a transition of the `{}` workflow", workflow.name),
                field,
            )
        };
        v.allowed.clone_from(&allowed);
        v.hint = Some(if allowed.is_empty() {
            format!("`{from}` is final: nothing leaves it")
        } else {
            format!("from `{from}` this record may go to {}", quote(&allowed))
        });
        violations.push(v);
        return violations;
    }
    // The first open transition whose requirements all hold is taken; if none, report the
    // requirements of the one closest to holding.
    let mut best: Option<Vec<Unmet>> = None;
    for t in &open {
        let unmet = judge.unmet(&t.require, new, Some(old), Some(&from), Mode::Full);
        if best.as_ref().is_none_or(|b| unmet.len() < b.len()) {
            best = Some(unmet);
        }
    }
    let what = format!("`{from}` → `{to}`");
    violations.extend(
        best.unwrap_or_default()
            .into_iter()
            .map(|u| from_unmet("workflow.require", &what, u, &allowed, Severity::Error)),
    );
    if let Some(previous) = workflow.state(&to).and_then(|s| s.previous.as_ref()) {
        let value = new.fields.get(previous).and_then(toml::Value::as_str).unwrap_or("");
        if !value.is_empty() && value != from {
            let mut v = violation(
                "workflow.require",
                format!("{what} needs `{previous}` = \"{from}\", the state left, not \"{value}\""),
                Some(previous.clone()),
            );
            v.allowed.clone_from(&allowed);
            v.hint = Some(format!("set `{previous} = \"{from}\"` (`docket move` does it for you)"));
            violations.push(v);
        }
    }
    for rule in &workflow.rules {
        let applies =
            (rule.from.is_empty() || rule.from.contains(&from)) && (rule.to.is_empty() || rule.to.contains(&to));
        if !applies || !judge.unmet(&rule.when, new, Some(old), Some(&from), Mode::Full).is_empty() {
            continue;
        }
        for unmet in judge.unmet(&rule.require, new, Some(old), Some(&from), Mode::Full) {
            let mut v = from_unmet("workflow.rule", "", unmet, &allowed, rule.severity);
            v.message = format!("{}:{} (rule `{}`)", rule.message, v.message, rule.name);
            violations.push(v);
        }
    }
    violations
}

fn quote(states: &[String]) -> String {
    let quoted: Vec<String> = states.iter().map(|s| format!("`{s}`")).collect();
    quoted.join(", ")
}

/// The edits `docket move` makes to take `record` to `target`: the state field (or, for
/// derived states, the target state's `set` fields), the `previous` field of a state that
/// records where the record came from, and the clearing of it when leaving such a state.
pub fn move_edits(workflow: &Workflow, record: &Record, target: &str) -> Vec<Assignment> {
    let from = workflow.state_of(record);
    let mut edits = Vec::new();
    let Some(state) = workflow.state(target) else { return edits };
    match workflow.derive {
        Derive::Field => {
            edits.push(Assignment::parse(&format!("{}={target}", workflow.field)).expect("a simple assignment parses"));
        }
        Derive::MirProcess => {}
    }
    for (field, value) in &state.set {
        let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        edits.push(Assignment { path: vec![field.clone()], op: crate::format::edit::Op::Set, value: text });
    }
    if let Some(previous) = &state.previous {
        edits.push(Assignment { path: vec![previous.clone()], op: crate::format::edit::Op::Set, value: from.clone() });
    }
    if let Some(left) = workflow.state(&from) {
        if left.previous.is_some() && state.previous.is_none() {
            for field in left.previous.iter().chain(&left.require.fields) {
                edits.push(Assignment::unset(field));
            }
        }
    }
    edits
}

/// The states `record` may move to from where it is.
pub fn next_states(workflow: &Workflow, record: &Record, env: &Env<'_>) -> Vec<String> {
    let judge = Judge { workflow, env };
    judge.allowed(&workflow.state_of(record), record, Some(record))
}
