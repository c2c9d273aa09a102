//! The workflow engine: (workflow, old record or none, new record or none, clock, history
//! facts) → violations. Pure; the same engine serves `docket move`, the hooks, `docket check`
//! and mirror pulls.

use crate::config::Config;
use crate::diagnostic::Severity;
use crate::format::edit::{Assignment, Op};
use crate::model::{Body, Record};
use crate::time::Timestamp;

use super::condition::{Facts, Mode, Scope, Unmet};
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
    /// Where the record may go instead, from its old state (for refused moves).
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
            mode,
        };
        condition.unmet(&scope)
    }

    /// Whether a transition's `when` admits the change from `old` to `record`: it must hold
    /// before the change as well as after it, so that changing the field a transition is
    /// chosen by (a `type`, say) in the same change as the move cannot open a transition the
    /// record did not have.
    fn admits(&self, when: &super::Condition, record: &Record, old: Option<&Record>, from: &str) -> bool {
        self.unmet(when, record, old, Some(from), Mode::Full).is_empty()
            && old.is_none_or(|old| self.unmet(when, old, Some(old), Some(from), Mode::Full).is_empty())
    }

    /// Whether a rule's `when` selects the change from `old` to `record`: it does when it holds
    /// before the change or after it, so that clearing the field that triggers a rule (an
    /// `approval_required` flag, say) in the same change as the move does not escape the rule.
    fn selects(&self, when: &super::Condition, record: &Record, old: &Record, from: &str) -> Selected {
        if self.unmet(when, record, Some(old), Some(from), Mode::Full).is_empty() {
            Selected::After
        } else if self.unmet(when, old, Some(old), Some(from), Mode::Full).is_empty() {
            Selected::BeforeOnly
        } else {
            Selected::No
        }
    }

    /// Transitions from `from` to `to`, and those of them whose `when` admits `record`.
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
        let open = matching.iter().copied().filter(|t| self.admits(&t.when, record, old, from)).collect();
        (matching, open)
    }

    /// The states `record` may move to from `from`.
    fn allowed(&self, from: &str, record: &Record, old: Option<&Record>) -> Vec<String> {
        let mut targets: Vec<String> = Vec::new();
        for t in &self.workflow.transitions {
            if self.workflow.leaves(t, from) && self.admits(&t.when, record, old, from) {
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

/// Whether a rule's `when` selects a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selected {
    /// It holds after the change.
    After,
    /// It held before the change only: the change cleared it.
    BeforeOnly,
    No,
}

fn violation(rule: &'static str, message: String, field: Option<String>) -> Violation {
    Violation { severity: Severity::Error, rule, message, field, allowed: Vec::new(), missing: Vec::new(), hint: None }
}

/// A violation for one unmet requirement: "`what`: `unmet`".
fn from_unmet(rule: &'static str, what: &str, unmet: Unmet, severity: Severity) -> Violation {
    let missing = if unmet.missing { unmet.field.iter().cloned().collect() } else { Vec::new() };
    let hint = match (&unmet.field, unmet.missing) {
        (Some(field), true) => Some(format!("fill in `{field}` in the same change")),
        (Some(field), false) if field == "labels" => Some("fix the labels in the same change".to_owned()),
        _ => None,
    };
    let message = if what.is_empty() { unmet.message } else { format!("{what}: {}", unmet.message) };
    Violation { severity, rule, message, field: unmet.field, allowed: Vec::new(), missing, hint }
}

fn quote(states: &[String]) -> String {
    states.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
}

/// Judges one change to one record: `old` is the version before (none for a new record),
/// `new` the version after (none for a deletion).
pub fn check_change(workflow: &Workflow, old: Option<&Record>, new: Option<&Record>, env: &Env<'_>) -> Vec<Violation> {
    let judge = Judge { workflow, env };
    let violations = match (old, new) {
        (None, None) => Vec::new(),
        (Some(old), None) => check_deletion(&judge, old),
        (None, Some(new)) => {
            let mut violations = check_state(&judge, new);
            violations.extend(check_appearance(&judge, new, true));
            violations
        }
        (Some(old), Some(new)) => {
            let mut violations = check_state(&judge, new);
            violations.extend(check_move(&judge, old, new));
            violations.extend(check_artifacts_kept(&judge, old, new));
            violations
        }
    };
    one_per_requirement(violations)
}

/// One violation per unmet requirement: the fields one requirement finds missing (a state's,
/// a transition's, the artifacts of the states before) said together, not one violation per
/// field; and a field already said missing (by the state) not said again (by the transition
/// into it).
fn one_per_requirement(violations: Vec<Violation>) -> Vec<Violation> {
    let mut out: Vec<Violation> = Vec::new();
    let mut said: Vec<String> = Vec::new();
    for mut v in violations {
        if v.missing.is_empty() {
            out.push(v);
            continue;
        }
        v.missing.retain(|field| !said.contains(field));
        let Some(field) = v.missing.first().cloned() else { continue };
        said.extend(v.missing.iter().cloned());
        let needs = format!(": needs `{field}`");
        let Some(what) = v.message.strip_suffix(&needs).map(str::to_owned) else {
            out.push(v);
            continue;
        };
        let same = out.iter_mut().find(|o| {
            o.rule == v.rule
                && o.severity == v.severity
                && !o.missing.is_empty()
                && o.message.starts_with(&format!("{what}: needs `"))
        });
        match same {
            Some(o) => {
                o.missing.extend(v.missing);
                o.message = format!("{what}: needs {}", quote(&o.missing));
                // Several fields: point at the state, and say them all.
                o.field = None;
                if o.hint.as_deref().is_some_and(|h| h.starts_with("fill in `")) {
                    o.hint = Some(format!("fill in {} in the same change", quote(&o.missing)));
                }
            }
            None => out.push(v),
        }
    }
    out
}

/// What the states a record passed through required stays: a change may not remove an
/// artifact (a `gameplan`, a RICE score) that the way to its state needed, whether it stays in
/// that state or moves on in the same change. Judged on the record as changed but still in its
/// old state, against the record as it was, so only what the change removes counts (what it
/// inherits does not). A derived state (MIR) cannot be put back that way and is not judged.
fn check_artifacts_kept(judge: &Judge<'_>, old: &Record, new: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    if workflow.derive != Derive::Field {
        return Vec::new();
    }
    let mut kept = new.clone();
    if let Some(state) = old.fields.get(&workflow.field) {
        kept.fields.insert(workflow.field.clone(), state.clone());
    }
    let before: Vec<String> = check_appearance(judge, old, false).into_iter().map(|v| v.message).collect();
    check_appearance(judge, &kept, false)
        .into_iter()
        .filter(|v| !before.contains(&v.message))
        .map(|mut v| {
            let state = workflow.state_of(old);
            v.rule = "workflow.artifact";
            v.message = format!("the change takes away what the way to `{state}` required: {}", v.message);
            v.hint = Some(match &v.field {
                Some(field) => format!(
                    "keep `{field}` (an artifact of the states before `{state}`), or change it rather than remove it"
                ),
                None => format!("keep what the states before `{state}` required"),
            });
            v
        })
        .collect()
}

/// What a ref update does to a record, old tip to new tip, whatever commits or merges led
/// there: a record deleted where the workflow keeps records, or taken to a state no series of
/// moves leads to from its old one (a `done` issue back in `acknowledged`: a rewind, a merge
/// that took an old version, a branch re-created at an old commit). Each commit's own moves
/// are judged by [`check_change`]; this judges only where they end.
pub fn check_result(workflow: &Workflow, old: &Record, new: Option<&Record>, env: &Env<'_>) -> Vec<Violation> {
    let judge = Judge { workflow, env };
    let Some(new) = new else { return check_deletion(&judge, old) };
    let (from, to) = (workflow.state_of(old), workflow.state_of(new));
    let back = workflow
        .state(&from)
        .and_then(|s| s.previous.as_ref())
        .and_then(|f| old.fields.get(f))
        .and_then(toml::Value::as_str);
    if from == to || workflow.state(&to).is_none() || workflow.reachable(&from, back).contains(&to) {
        return Vec::new();
    }
    let mut v = violation(
        "workflow.result",
        format!(
            "the update takes the record from `{from}` to `{to}`, and no series of moves of the `{}` workflow leads there",
            workflow.name
        ),
        Some(workflow.field.clone()),
    );
    v.hint = Some(format!(
        "this undoes history (a force-push, a merge that kept an old version, a branch re-created at an old commit): keep the record as it is on the target, and move it on from `{from}` in a new commit"
    ));
    vec![v]
}

/// What must hold of a record in its state, whatever the change: a defined state, the state's
/// own requirements, one label per scope, and a state label that agrees with the state.
pub fn check_record(workflow: &Workflow, record: &Record, env: &Env<'_>) -> Vec<Violation> {
    one_per_requirement(check_state(&Judge { workflow, env }, record))
}

/// A record judged as it stands, for `docket check` on the whole tree: its state's
/// requirements and the artifacts of the states before it (not what only a new record must
/// satisfy at creation).
pub fn check_standing(workflow: &Workflow, record: &Record, env: &Env<'_>) -> Vec<Violation> {
    let judge = Judge { workflow, env };
    let mut violations = check_state(&judge, record);
    violations.extend(check_appearance(&judge, record, false));
    one_per_requirement(violations)
}

fn check_state(judge: &Judge<'_>, record: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    let state_name = workflow.state_of(record);
    let mut violations = Vec::new();
    let Some(state) = workflow.state(&state_name) else {
        let found = match &record.body {
            Body::Mir(bug) => format!(
                "status `{}` with assignee `{}` and verdict `{}` is none of the ten MIR process states",
                bug.status.name(),
                bug.assignee.as_deref().unwrap_or(""),
                bug.verdict.name()
            ),
            _ => format!("`{state_name}` is not a state of the `{}` workflow", workflow.name),
        };
        let mut v = violation(
            "workflow.undefined",
            format!("{found}: the record is in an undefined state"),
            Some(workflow.field.clone()),
        );
        v.hint = Some(match workflow.derive {
            Derive::MirProcess => {
                "in_progress and fix_committed need `verdict = \"ack\"`; triaged, opinion and the like are not MIR states: use `docket move` to one of the ten".to_owned()
            }
            Derive::Field => format!("use one of {}", quote(&workflow.states.iter().map(|s| s.name.clone()).collect::<Vec<_>>())),
        });
        violations.push(v);
        return violations;
    };
    for unmet in judge.unmet(&state.require, record, None, None, Mode::State) {
        violations.push(from_unmet("workflow.state", &format!("while in `{}`", state.name), unmet, Severity::Error));
    }
    if let Some(previous) = &state.previous {
        let value = record.fields.get(previous).and_then(toml::Value::as_str).unwrap_or("");
        if value.is_empty() {
            let mut v = violation(
                "workflow.state",
                format!("while in `{}`: needs `{previous}`, the state it left", state.name),
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
            v.hint = Some("name the stage the record was in before".to_owned());
            violations.push(v);
        }
    }
    if workflow.unique_label_scopes {
        // As GitLab: one value per scope, the scope compared without case.
        let mut scoped: Vec<(String, &str)> =
            record.labels().iter().filter_map(|l| crate::model::label_scope(l).map(|s| (s, l.as_str()))).collect();
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
            let Some(value) =
                label.rsplit_once("::").filter(|(s, _)| s.eq_ignore_ascii_case(scope)).map(|(_, value)| value)
            else {
                continue;
            };
            let matches = value == state.name
                || value.eq_ignore_ascii_case(&state.display)
                || value.replace(' ', "_") == state.name;
            if !matches {
                let mut v = violation(
                    "workflow.labels",
                    format!("the label `{label}` says the record is elsewhere than its state `{}`", state.name),
                    Some("labels".into()),
                );
                v.hint = Some(format!("change it to `{scope}::{}` (`docket move` does it)", state.name));
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
    let terminal: Vec<String> = judge.workflow.states.iter().filter(|s| s.terminal).map(|s| s.name.clone()).collect();
    v.hint = Some(format!(
        "restore it (`git restore --staged --worktree {}`) and move it to {} instead",
        old.path,
        if terminal.is_empty() { "a final state".to_owned() } else { quote(&terminal) }
    ));
    vec![v]
}

/// Whether `record`, arriving in its state without history, carries what the way there asks.
/// `creation` also applies the workflow's `create` requirements.
fn check_appearance(judge: &Judge<'_>, new: &Record, creation: bool) -> Vec<Violation> {
    let workflow = judge.workflow;
    let mut violations: Vec<Violation> = Vec::new();
    if creation {
        violations.extend(
            judge
                .unmet(&workflow.create, new, None, None, Mode::Full)
                .into_iter()
                .map(|unmet| from_unmet("workflow.create", "a new record", unmet, Severity::Error)),
        );
    }
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
    for _ in 0..n {
        let mut changed = false;
        for (from_index, state) in workflow.states.iter().enumerate() {
            let Some(so_far) = best[from_index].clone() else { continue };
            for t in workflow.transitions.iter().filter(|t| workflow.leaves(t, &state.name)) {
                for to in workflow.targets(t, &state.name, Some(new)) {
                    let Some(to_index) = index(&to) else { continue };
                    let mode = if to_index == target_index { Mode::FinalStep } else { Mode::EarlierStep };
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
                let mut v = from_unmet("workflow.appear", &what, u, Severity::Error);
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

/// A record staying in a state that records where it came from (`blocked` and
/// `previous_stage`): that field is the way back, written on entry, and cannot change while
/// the record stays, or a blocked issue could return to a later stage than it left. Only a
/// record that had no value (parked by hand before the rule) may be given one.
fn check_parked(workflow: &Workflow, state: &str, old: &Record, new: &Record) -> Vec<Violation> {
    let Some(previous) = workflow.state(state).and_then(|s| s.previous.as_ref()) else { return Vec::new() };
    let value = |record: &Record| record.fields.get(previous).and_then(toml::Value::as_str).unwrap_or("").to_owned();
    let (before, after) = (value(old), value(new));
    if before.is_empty() || before == after {
        return Vec::new();
    }
    let mut v = violation(
        "workflow.parked",
        format!(
            "`{previous}` records the state the record left for `{state}` and cannot change while it stays there (it was \"{before}\", not \"{after}\")"
        ),
        Some(previous.clone()),
    );
    v.hint =
        Some(format!("set `{previous} = \"{before}\"` again; leave `{state}` (`docket move`) to go anywhere else"));
    vec![v]
}

fn check_move(judge: &Judge<'_>, old: &Record, new: &Record) -> Vec<Violation> {
    let workflow = judge.workflow;
    let from = workflow.state_of(old);
    let to = workflow.state_of(new);
    if from == to {
        return check_parked(workflow, &from, old, new);
    }
    if workflow.state(&to).is_none() {
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
            if reasons.is_empty() {
                // It holds now, but not before this change: the change made it hold.
                let before: Vec<String> = judge
                    .unmet(&t.when, old, Some(old), Some(&from), Mode::Full)
                    .into_iter()
                    .map(|u| u.message)
                    .collect();
                violation(
                    "workflow.transition",
                    format!(
                        "`{from}` → `{to}` is {}, and the record was not before this change: commit the field change first, then the move",
                        before.join(", ")
                    ),
                    field,
                )
            } else {
                violation("workflow.transition", format!("`{from}` → `{to}` is {}", reasons.join(", ")), field)
            }
        } else if let Some(previous) = workflow.state(&from).and_then(|s| s.previous.clone()) {
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
        let terminal = workflow.state(&from).is_some_and(|s| s.terminal);
        v.hint = Some(match (allowed.is_empty(), terminal) {
            (true, true) => format!("`{from}` is final: nothing leaves it"),
            (true, false) => format!("the `{}` workflow has no way out of `{from}`", workflow.name),
            (false, _) => format!("from `{from}` this record may go to {}", quote(&allowed)),
        });
        violations.push(v);
        return violations;
    }
    // The first open transition whose requirements all hold is taken; if none, report the
    // requirements of the one closest to holding.
    let mut best: Option<(Vec<Unmet>, &Transition)> = None;
    for t in &open {
        let unmet = judge.unmet(&t.require, new, Some(old), Some(&from), Mode::Full);
        if best.as_ref().is_none_or(|(b, _)| unmet.len() < b.len()) {
            best = Some((unmet, t));
        }
    }
    let what = format!("`{from}` → `{to}`");
    if let Some((unmet, transition)) = best {
        for u in unmet {
            let mut v = from_unmet("workflow.require", &what, u, Severity::Error);
            if let Some(why) = &transition.message {
                v.message = format!("{} ({why})", v.message);
            }
            violations.push(v);
        }
    }
    // Entering a state that records where the record came from: that state, or, coming from
    // another such state (blocked → backlogged), the one recorded there.
    if let Some(previous) = workflow.state(&to).and_then(|s| s.previous.as_ref()) {
        let expected = match workflow.state(&from).and_then(|s| s.previous.as_ref()) {
            Some(from_previous) => {
                old.fields.get(from_previous).and_then(toml::Value::as_str).unwrap_or(&from).to_owned()
            }
            None => from.clone(),
        };
        let value = new.fields.get(previous).and_then(toml::Value::as_str).unwrap_or("");
        if !value.is_empty() && value != expected {
            let mut v = violation(
                "workflow.require",
                format!("{what}: needs `{previous}` = \"{expected}\", the state it came from, not \"{value}\""),
                Some(previous.clone()),
            );
            v.hint = Some(format!("set `{previous} = \"{expected}\"` (`docket move` does it for you)"));
            violations.push(v);
        }
    }
    for rule in &workflow.rules {
        let applies =
            (rule.from.is_empty() || rule.from.contains(&from)) && (rule.to.is_empty() || rule.to.contains(&to));
        let selected = if applies { judge.selects(&rule.when, new, old, &from) } else { Selected::No };
        if selected == Selected::No {
            continue;
        }
        for unmet in judge.unmet(&rule.require, new, Some(old), Some(&from), Mode::Full) {
            let mut v = from_unmet("workflow.rule", &rule.message, unmet, rule.severity);
            v.message = if selected == Selected::BeforeOnly {
                format!(
                    "{} (rule `{}`, which applied before this change: clearing what triggers it in the same change as the move does not lift it)",
                    v.message, rule.name
                )
            } else {
                format!("{} (rule `{}`)", v.message, rule.name)
            };
            violations.push(v);
        }
    }
    violations
}

/// The edits `docket move` makes to take `record` to `target`: the state field (or, for
/// derived states, the target state's `set` fields), the `previous` field of a state that
/// records where the record came from (kept when moving between two such states), the clearing
/// of it when leaving, and the state label (`workflow::…`) when the record has one.
pub fn move_edits(workflow: &Workflow, record: &Record, target: &str) -> Vec<Assignment> {
    let from = workflow.state_of(record);
    let mut edits = Vec::new();
    let Some(state) = workflow.state(target) else { return edits };
    let set = |field: &str, value: String| Assignment { path: vec![field.to_owned()], op: Op::Set, value };
    if workflow.derive == Derive::Field {
        edits.push(set(&workflow.field, target.to_owned()));
    }
    for (field, value) in &state.set {
        edits.push(set(field, value.as_str().map_or_else(|| value.to_string(), str::to_owned)));
    }
    let left = workflow.state(&from);
    match (&state.previous, left.and_then(|s| s.previous.as_ref())) {
        (Some(previous), None) => edits.push(set(previous, from.clone())),
        (None, Some(previous)) => {
            edits.push(Assignment::unset(previous));
            for field in left.map(|s| s.require.fields.clone()).unwrap_or_default() {
                edits.push(Assignment::unset(&field));
            }
        }
        // Between two such states (blocked → backlogged) the recorded state stays.
        (Some(_), Some(_)) | (None, None) => {}
    }
    if let Some(scope) = &workflow.state_label_scope {
        let prefix = format!("{scope}::");
        let old: Vec<&String> = record
            .labels()
            .iter()
            .filter(|l| l.rsplit_once("::").is_some_and(|(s, _)| s.eq_ignore_ascii_case(scope)))
            .collect();
        if !old.is_empty() {
            for label in old {
                edits.push(Assignment { path: vec!["labels".into()], op: Op::Remove, value: label.clone() });
            }
            edits.push(Assignment { path: vec!["labels".into()], op: Op::Append, value: format!("{prefix}{target}") });
        }
    }
    edits
}

/// Moves whose time has come: transitions out of the record's state that wait on time (60
/// days in Incomplete, 2 years after an ACK) and whose every requirement now holds. For
/// `docket check` and `docket report expiring`.
pub fn due_moves(workflow: &Workflow, record: &Record, env: &Env<'_>) -> Vec<String> {
    let judge = Judge { workflow, env };
    let from = workflow.state_of(record);
    let mut due = Vec::new();
    for t in workflow.transitions.iter().filter(|t| workflow.leaves(t, &from)) {
        let timed = t.require.min_days_in_state.is_some()
            || t.require.min_days_since.is_some()
            || t.require.min_days_since_reply.is_some();
        if !timed || !judge.unmet(&t.when, record, Some(record), Some(&from), Mode::Full).is_empty() {
            continue;
        }
        if judge.unmet(&t.require, record, Some(record), Some(&from), Mode::Full).is_empty() {
            due.extend(workflow.targets(t, &from, Some(record)));
        }
    }
    due
}
