//! Table-driven tests of the built-in workflows: every allowed and every forbidden transition,
//! and each requirement, accepted and refused.

use std::collections::BTreeMap;

use super::engine::{Env, Violation, check_change, move_edits};
use super::{Facts, Workflow};
use crate::config::Config;
use crate::format::{RecordRules, parse_record};
use crate::model::{Kind, Record};
use crate::time::{Timestamp, parse_timestamp};

const DAY: i64 = 86_400;

struct TestFacts {
    entered: BTreeMap<(String, String), Timestamp>,
    milestone_problems: Vec<String>,
}

impl Facts for TestFacts {
    fn entered(&self, _record: &Record, field: &str, value: &str) -> Option<Timestamp> {
        self.entered.get(&(field.to_owned(), value.to_owned())).copied()
    }
    fn milestone_ready(&self, _milestone: &Record) -> Result<(), Vec<String>> {
        if self.milestone_problems.is_empty() { Ok(()) } else { Err(self.milestone_problems.clone()) }
    }
}

fn no_facts() -> TestFacts {
    TestFacts { entered: BTreeMap::new(), milestone_problems: Vec::new() }
}

fn config() -> Config {
    Config::parse(
        "docket.toml",
        r#"
[labels]
required_scopes = ["customer", "system", "priority"]
[[iterations]]
name = "2026-w47"
start = 2026-11-16
end = 2026-11-22
[[iterations]]
name = "2026-w48"
start = 2026-11-23
end = 2026-11-29
[[iterations]]
name = "2026-w50"
start = 2026-12-07
end = 2026-12-13
"#,
    )
    .expect("valid config")
}

fn now() -> Timestamp {
    parse_timestamp("2026-11-24T12:00:00Z").expect("valid")
}

fn record(kind: Kind, text: &str) -> Record {
    let parsed = parse_record(kind, "t1", "issues/t1.toml", text, &RecordRules::default());
    parsed.record.unwrap_or_else(|| panic!("test record is invalid: {:?}\n{text}", parsed.diagnostics))
}

fn judge(
    workflow: &Workflow,
    old: Option<&Record>,
    new: Option<&Record>,
    facts: &TestFacts,
    at: Timestamp,
) -> Vec<Violation> {
    let config = config();
    let env = Env { now: at, config: &config, facts };
    check_change(workflow, old, new, &env)
}

fn errors(violations: &[Violation]) -> Vec<String> {
    violations
        .iter()
        .filter(|v| v.severity == crate::diagnostic::Severity::Error)
        .map(|v| format!("{}: {}", v.rule, v.message))
        .collect()
}

/// An ops issue of `issue_type` in `stage` carrying every artifact, with `labels`.
fn ops_issue(issue_type: &str, stage: &str, labels: &[&str], extra: &str) -> String {
    let mut all = vec!["customer::enterprise", "system::zendesk", "priority::2"];
    all.extend_from_slice(labels);
    let labels: Vec<String> = all.iter().map(|l| format!("\"{l}\"")).collect();
    format!(
        r#"title = "Refund macro"
type = "{issue_type}"
stage = "{stage}"
labels = [{}]
assignee = "jason"
milestone = "16-7"
iteration = "2026-w48"
gameplan = "the plan"
blueprint = "what changed"
{extra}
[rice]
reach = 500
impact = 2
confidence = 0.8
effort = 3
"#,
        labels.join(", ")
    )
}

/// Whether the engine lets an issue of `issue_type` move `from` → `to`, ignoring whether its
/// artifacts are complete.
fn edge_allowed(workflow: &Workflow, kind: Kind, old_text: &str, new_text: &str) -> bool {
    let old = record(kind, old_text);
    let new = record(kind, new_text);
    let violations = judge(workflow, Some(&old), Some(&new), &no_facts(), now());
    !violations.iter().any(|v| v.rule == "workflow.transition")
}

#[test]
fn ops_every_transition_allowed_and_forbidden() {
    let ops = Workflow::built_in("ops").expect("built in");
    let open = ["triage", "planning", "scheduling", "queued", "development", "validation", "implementation"];
    for issue_type in ["bug", "feature", "administrative"] {
        let mut allowed: Vec<(&str, &str)> = vec![
            ("implementation", "completed"),
            ("completed", "closed"),
            ("triage", "closed"),
            ("blocked", "backlogged"),
        ];
        allowed.extend([("scheduling", "development"), ("scheduling", "queued"), ("queued", "development")]);
        allowed.extend([("validation", "development"), ("validation", "implementation")]);
        match issue_type {
            "bug" => {
                allowed.extend([("triage", "planning"), ("planning", "development"), ("development", "validation")]);
            }
            "feature" => {
                allowed.extend([("triage", "planning"), ("planning", "scheduling"), ("development", "validation")]);
            }
            _ => allowed.extend([("triage", "development"), ("development", "implementation")]),
        }
        for from in open {
            allowed.push((from, "blocked"));
            allowed.push((from, "backlogged"));
        }
        // Blocked and backlogged return only to the recorded stage: development here.
        allowed.extend([("blocked", "development"), ("backlogged", "development")]);
        for from in ops.states.iter().map(|s| s.name.as_str()) {
            for to in ops.states.iter().map(|s| s.name.as_str()).filter(|to| *to != from) {
                let extra = |stage: &str| {
                    if stage == "blocked" || stage == "backlogged" {
                        let previous = if from == "blocked" || from == "backlogged" { "development" } else { from };
                        format!("previous_stage = \"{previous}\"\nblocked_reason = \"sandbox\"")
                    } else {
                        String::new()
                    }
                };
                let old_previous = if from == "blocked" || from == "backlogged" {
                    "previous_stage = \"development\"\nblocked_reason = \"sandbox\"".to_owned()
                } else {
                    String::new()
                };
                let old = ops_issue(issue_type, from, &[], &old_previous);
                let new = ops_issue(issue_type, to, &[], &extra(to));
                let expected = allowed.contains(&(from, to));
                assert_eq!(edge_allowed(&ops, Kind::Issue, &old, &new), expected, "{issue_type}: {from} → {to}");
            }
        }
    }
}

/// Moves an ops issue and returns the errors.
#[allow(clippy::too_many_arguments)]
fn ops_move(
    issue_type: &str,
    from: &str,
    to: &str,
    old_labels: &[&str],
    new_labels: &[&str],
    old_extra: &str,
    new_extra: &str,
    at: Timestamp,
) -> Vec<String> {
    let ops = Workflow::built_in("ops").expect("built in");
    let old = record(Kind::Issue, &ops_issue(issue_type, from, old_labels, old_extra));
    let new = record(Kind::Issue, &ops_issue(issue_type, to, new_labels, new_extra));
    errors(&judge(&ops, Some(&old), Some(&new), &no_facts(), at))
}

fn strip(text: &str, field: &str) -> String {
    text.lines().filter(|line| !line.starts_with(&format!("{field} ="))).collect::<Vec<_>>().join("\n")
}

#[test]
fn ops_requirements() {
    let at = now();
    // Happy paths.
    assert_eq!(ops_move("feature", "triage", "planning", &[], &[], "", "", at), Vec::<String>::new());
    assert_eq!(ops_move("feature", "planning", "scheduling", &[], &[], "", "", at), Vec::<String>::new());
    assert_eq!(ops_move("feature", "scheduling", "development", &[], &[], "", "", at), Vec::<String>::new());
    assert_eq!(
        ops_move("feature", "development", "validation", &[], &["validation::requested"], "", "", at),
        Vec::<String>::new()
    );
    assert_eq!(
        ops_move(
            "feature",
            "validation",
            "development",
            &["validation::requested"],
            &["validation::rejected"],
            "",
            "",
            at
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        ops_move(
            "feature",
            "validation",
            "implementation",
            &["validation::requested"],
            &["validation::received"],
            "",
            "",
            at
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        ops_move("administrative", "development", "implementation", &[], &["validation::skipped"], "", "", at),
        Vec::<String>::new()
    );
    assert_eq!(ops_move("feature", "implementation", "completed", &[], &[], "", "", at), Vec::<String>::new());

    // The validation labels drive validation.
    assert_eq!(
        ops_move("feature", "development", "validation", &[], &[], "", "", at),
        ["workflow.require: `development` → `validation`: needs the label `validation::requested`"]
    );
    assert_eq!(
        ops_move("feature", "validation", "implementation", &[], &["validation::rejected"], "", "", at),
        ["workflow.require: `validation` → `implementation`: needs the label `validation::received`"]
    );
    assert_eq!(
        ops_move("administrative", "development", "implementation", &[], &[], "", "", at),
        ["workflow.require: `development` → `implementation`: needs the label `validation::skipped`"]
    );
    // One label per scope.
    assert_eq!(
        ops_move(
            "feature",
            "development",
            "validation",
            &[],
            &["validation::requested", "validation::rejected"],
            "",
            "",
            at
        ),
        [
            "workflow.labels: at most one `validation::` label is allowed, and there are `validation::rejected` and `validation::requested`"
        ]
    );
    // Scheduling: development only in the current iteration, else queued.
    let later = parse_timestamp("2026-12-01T12:00:00Z").expect("valid");
    assert_eq!(
        ops_move("feature", "scheduling", "development", &[], &[], "", "", later),
        [
            "workflow.require: `scheduling` → `development`: only when the iteration `2026-w48` is current (2026-11-23 to 2026-11-29; today is 2026-12-01)"
        ]
    );
    let before = parse_timestamp("2026-11-20T12:00:00Z").expect("valid");
    assert_eq!(ops_move("feature", "scheduling", "queued", &[], &[], "", "", before), Vec::<String>::new());
    assert_eq!(
        ops_move("feature", "scheduling", "queued", &[], &[], "", "", at),
        [
            "workflow.require: `scheduling` → `queued`: only while the iteration `2026-w48` has not started (it started 2026-11-23)"
        ]
    );
    assert_eq!(ops_move("feature", "queued", "development", &[], &[], "", "", at), Vec::<String>::new());
    // Blocked records where it came from, and returns only there.
    assert_eq!(
        ops_move(
            "feature",
            "development",
            "blocked",
            &[],
            &[],
            "",
            "previous_stage = \"development\"\nblocked_reason = \"sandbox\"",
            at
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        ops_move(
            "feature",
            "development",
            "blocked",
            &[],
            &[],
            "",
            "previous_stage = \"planning\"\nblocked_reason = \"sandbox\"",
            at
        ),
        [
            "workflow.require: `development` → `blocked`: needs `previous_stage` = \"development\", the state it came from, not \"planning\""
        ]
    );
    assert_eq!(
        ops_move("feature", "development", "blocked", &[], &[], "", "previous_stage = \"development\"", at),
        ["workflow.state: while in `blocked`: needs `blocked_reason`"]
    );
    assert_eq!(
        ops_move(
            "feature",
            "blocked",
            "planning",
            &[],
            &[],
            "previous_stage = \"development\"\nblocked_reason = \"x\"",
            "",
            at
        ),
        [
            "workflow.transition: a record leaves `blocked` only back to the state it came from (`previous_stage` = \"development\"), not to `planning`"
        ]
    );
}

#[test]
fn ops_artifacts_are_required() {
    let ops = Workflow::built_in("ops").expect("built in");
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("feature", "planning", "scheduling", "gameplan", "needs `gameplan`"),
        ("feature", "planning", "scheduling", "effort", "needs `rice.effort`"),
        ("bug", "planning", "development", "gameplan", "needs `gameplan`"),
        ("feature", "scheduling", "development", "milestone", "needs `milestone`"),
        ("feature", "scheduling", "development", "assignee", "needs `assignee`"),
        ("feature", "implementation", "completed", "blueprint", "needs `blueprint`"),
    ];
    for (issue_type, from, to, field, expected) in cases {
        let old = record(Kind::Issue, &ops_issue(issue_type, from, &[], ""));
        let new = record(Kind::Issue, &strip(&ops_issue(issue_type, to, &[], ""), field));
        let found = errors(&judge(&ops, Some(&old), Some(&new), &no_facts(), now()));
        assert_eq!(
            found,
            [format!("workflow.require: `{from}` → `{to}`: {expected}")],
            "{from} → {to} without {field}"
        );
        let violation = &judge(&ops, Some(&old), Some(&new), &no_facts(), now())[0];
        assert_eq!(
            violation.missing,
            [if *field == "effort" { "rice.effort".to_owned() } else { (*field).to_owned() }]
        );
    }
    // Leaving triage needs the configured label scopes, and approval when flagged.
    let old = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let new = record(
        Kind::Issue,
        "title = \"x\"\ntype = \"bug\"\nstage = \"planning\"\nlabels = [\"customer::smb\"]\napproval_required = true\n",
    );
    assert_eq!(
        errors(&judge(&ops, Some(&old), Some(&new), &no_facts(), now())),
        [
            "workflow.require: `triage` → `planning`: needs a `system::…` label",
            "workflow.require: `triage` → `planning`: needs a `priority::…` label",
            "workflow.rule: this issue needs approval before it leaves triage: needs `approved_by` (rule `approval`)",
        ]
    );
    // Clearing the flag in the same change as the move does not lift the rule.
    let flagged = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\napproval_required = true\n");
    let cleared = record(
        Kind::Issue,
        "title = \"x\"\ntype = \"bug\"\nstage = \"planning\"\nlabels = [\"customer::smb\", \"system::web\", \"priority::high\"]\napproval_required = false\n",
    );
    assert_eq!(
        errors(&judge(&ops, Some(&flagged), Some(&cleared), &no_facts(), now())),
        [
            "workflow.rule: this issue needs approval before it leaves triage: needs `approved_by` (rule `approval`, which applied before this change: clearing what triggers it in the same change as the move does not lift it)",
        ]
    );
    // Cleared in a commit of its own, the next move is free of it.
    let unflagged =
        record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\napproval_required = false\n");
    assert_eq!(errors(&judge(&ops, Some(&unflagged), Some(&cleared), &no_facts(), now())), Vec::<String>::new());
    // A transition chosen by `type`: changing the type in the same change as the move does
    // not open it (an administrative issue made a bug cannot leave triage for planning at once).
    let admin = record(Kind::Issue, "title = \"x\"\ntype = \"administrative\"\nstage = \"triage\"\n");
    let retyped = record(
        Kind::Issue,
        "title = \"x\"\ntype = \"bug\"\nstage = \"planning\"\nlabels = [\"customer::smb\", \"system::web\", \"priority::high\"]\n",
    );
    let found = errors(&judge(&ops, Some(&admin), Some(&retyped), &no_facts(), now()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("workflow.transition: `triage` → `planning` is only for "), "{found:?}");
    assert!(
        found[0].ends_with(", and the record was not before this change: commit the field change first, then the move"),
        "{found:?}"
    );
    let bug = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\n");
    assert_eq!(errors(&judge(&ops, Some(&bug), Some(&retyped), &no_facts(), now())), Vec::<String>::new());
    // Closing from triage needs a comment added in the same change.
    let closed = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"closed\"\n");
    assert_eq!(
        errors(&judge(&ops, Some(&old), Some(&closed), &no_facts(), now())),
        ["workflow.require: `triage` → `closed`: needs a comment, added in the same change, saying why"]
    );
    let commented = record(
        Kind::Issue,
        "title = \"x\"\ntype = \"bug\"\nstage = \"closed\"\n[[comments]]\ndate = 2026-11-24\ntext = \"duplicate of k3x\"\n",
    );
    assert_eq!(errors(&judge(&ops, Some(&old), Some(&commented), &no_facts(), now())), Vec::<String>::new());
}

#[test]
fn ops_records_that_appear_and_disappear() {
    let ops = Workflow::built_in("ops").expect("built in");
    let at = now();
    // In the initial state: fine. Later on: only with the artifacts of the path there.
    let fresh = record(Kind::Issue, "title = \"x\"\ntype = \"feature\"\nstage = \"triage\"\n");
    assert_eq!(errors(&judge(&ops, None, Some(&fresh), &no_facts(), at)), Vec::<String>::new());
    let imported = record(Kind::Issue, &ops_issue("feature", "implementation", &["validation::received"], ""));
    assert_eq!(errors(&judge(&ops, None, Some(&imported), &no_facts(), at)), Vec::<String>::new());
    let bare =
        record(Kind::Issue, &strip(&ops_issue("feature", "implementation", &["validation::received"], ""), "gameplan"));
    assert_eq!(
        errors(&judge(&ops, None, Some(&bare), &no_facts(), at)),
        ["workflow.appear: a record in `implementation`: needs `gameplan`"]
    );
    // Deleting is refused: issues are closed, not deleted.
    assert_eq!(
        errors(&judge(&ops, Some(&fresh), None, &no_facts(), at)),
        ["workflow.delete: the record was deleted in state `triage`, and the `ops` workflow keeps records"]
    );
}

#[test]
fn refinement_workflow() {
    let wf = Workflow::built_in("refinement").expect("built in");
    let issue = |stage: &str, weight: &str, description: &str, labels: &str| {
        record(
            Kind::Issue,
            &format!(
                "title = \"x\"\ntype = \"feature\"\nstage = \"{stage}\"\nassignee = \"ana\"\nlabels = [{labels}]\n{weight}\ndescription = \"\"\"\n{description}\"\"\"\n"
            ),
        )
    };
    let full =
        "## Context\nc\n## References and Resources\n## Proposal\np\n## Definition of Done / Acceptance Criteria\nd\n";
    let old = issue("refinement", "", full, "");
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&old),
            Some(&issue("ready_for_development", "weight = 3", full, "")),
            &no_facts(),
            now()
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&old),
            Some(&issue("ready_for_development", "", "## Context\nc\n", "")),
            &no_facts(),
            now()
        )),
        [
            "workflow.state: while in `ready_for_development`: needs `weight` (from 1 to 5)",
            "workflow.require: `refinement` → `ready_for_development`: the description needs a `## Proposal` section",
            "workflow.require: `refinement` → `ready_for_development`: the description needs a `## Definition of Done` section",
        ]
    );
    // Weight 5 is a warning, not an error.
    let heavy =
        judge(&wf, Some(&old), Some(&issue("ready_for_development", "weight = 5", full, "")), &no_facts(), now());
    assert_eq!(errors(&heavy), Vec::<String>::new());
    assert_eq!(heavy.len(), 1);
    assert!(heavy[0].message.contains("split the issue"), "{}", heavy[0].message);
    // The workflow:: label mirrors the stage.
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&old),
            Some(&issue("ready_for_development", "weight = 2", full, "\"workflow::refinement\"")),
            &no_facts(),
            now()
        )),
        [
            "workflow.labels: the label `workflow::refinement` says the record is elsewhere than its state `ready_for_development`"
        ]
    );
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&old),
            Some(&issue("ready_for_development", "weight = 2", full, "\"workflow::ready for development\"")),
            &no_facts(),
            now()
        )),
        Vec::<String>::new()
    );
    // Every allowed and forbidden move.
    let allowed = [
        ("refinement", "ready_for_development"),
        ("ready_for_development", "in_dev"),
        ("ready_for_development", "refinement"),
        ("in_dev", "in_review"),
        ("in_dev", "ready_for_development"),
        ("in_review", "done"),
        ("in_review", "in_dev"),
        ("refinement", "closed"),
        ("ready_for_development", "closed"),
        ("in_dev", "closed"),
        ("in_review", "closed"),
    ];
    for from in wf.states.iter().map(|s| s.name.as_str()) {
        for to in wf.states.iter().map(|s| s.name.as_str()).filter(|to| *to != from) {
            let old = format!("title = \"x\"\ntype = \"bug\"\nstage = \"{from}\"\nweight = 2\nassignee = \"ana\"\n");
            let new = old.replace(&format!("stage = \"{from}\""), &format!("stage = \"{to}\""));
            assert_eq!(edge_allowed(&wf, Kind::Issue, &old, &new), allowed.contains(&(from, to)), "{from} → {to}");
        }
    }
}

#[test]
fn support_workflow() {
    let wf = Workflow::built_in("support").expect("built in");
    let request = |stage: &str, labels: &str, extra: &str| {
        record(
            Kind::Issue,
            &format!(
                "title = \"x\"\ntype = \"bug\"\nstage = \"{stage}\"\nlabels = [\"team/repo-management\"{labels}]\n{extra}"
            ),
        )
    };
    let comment = "[[comments]]\ndate = 2026-11-24\ntext = \"ETA Friday\"\n";
    // Creation needs the team label.
    let unlabelled = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"new\"\n");
    assert_eq!(
        errors(&judge(&wf, None, Some(&unlabelled), &no_facts(), now())),
        ["workflow.create: a new record: needs the label `team/repo-management`"]
    );
    let new = request("new", "", "");
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&new),
            Some(&request("acknowledged", "", &format!("assignee = \"keegan\"\n{comment}"))),
            &no_facts(),
            now()
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&new),
            Some(&request("acknowledged", "", "assignee = \"keegan\"\n")),
            &no_facts(),
            now()
        )),
        ["workflow.require: `new` → `acknowledged`: needs a comment, added in the same change, saying why"]
    );
    let acked = request("acknowledged", "", "assignee = \"keegan\"\n");
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&acked),
            Some(&request("in_progress", ", \"priority::p2\"", "assignee = \"keegan\"\n")),
            &no_facts(),
            now()
        )),
        [
            "workflow.require: `acknowledged` → `in_progress`: needs one of the labels `priority::p0`, `priority::p1` (only p0 and p1 requests skip the queue)"
        ]
    );
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&acked),
            Some(&request("in_progress", ", \"priority::p1\"", "assignee = \"keegan\"\n")),
            &no_facts(),
            now()
        )),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&judge(&wf, Some(&acked), Some(&request("queued", "", "assignee = \"keegan\"\n")), &no_facts(), now())),
        [
            "workflow.state: while in `queued`: needs a `priority::…` label",
            "workflow.require: `acknowledged` → `queued`: needs a `priority::…` label"
        ]
    );
    let allowed = [
        ("new", "acknowledged"),
        ("acknowledged", "queued"),
        ("acknowledged", "in_progress"),
        ("queued", "in_progress"),
        ("in_progress", "queued"),
        ("in_progress", "done"),
        ("new", "closed"),
        ("acknowledged", "closed"),
        ("queued", "closed"),
        ("in_progress", "closed"),
    ];
    for from in wf.states.iter().map(|s| s.name.as_str()) {
        for to in wf.states.iter().map(|s| s.name.as_str()).filter(|to| *to != from) {
            let old = format!(
                "title = \"x\"\ntype = \"bug\"\nstage = \"{from}\"\nassignee = \"a\"\nlabels = [\"team/repo-management\", \"priority::p1\"]\n"
            );
            let new = old.replace(&format!("stage = \"{from}\""), &format!("stage = \"{to}\""));
            assert_eq!(edge_allowed(&wf, Kind::Issue, &old, &new), allowed.contains(&(from, to)), "{from} → {to}");
        }
    }
}

#[test]
fn milestone_workflow() {
    let wf = Workflow::built_in("milestone").expect("built in");
    let milestone = |stage: &str| {
        record(
            Kind::Milestone,
            &format!(
                "title = \"16.7\"\nstage = \"{stage}\"\nstart = 2026-12-01\nend = 2026-12-14\n[capacity]\njason = 8\n"
            ),
        )
    };
    let planning = milestone("planning");
    let early = parse_timestamp("2026-11-20T12:00:00Z").expect("valid");
    let late = parse_timestamp("2026-11-30T12:00:00Z").expect("valid");
    assert_eq!(judge(&wf, Some(&planning), Some(&milestone("finalized")), &no_facts(), early), Vec::new());
    let late_finalize = judge(&wf, Some(&planning), Some(&milestone("finalized")), &no_facts(), late);
    assert_eq!(errors(&late_finalize), Vec::<String>::new(), "finalizing late is a warning");
    assert_eq!(late_finalize.len(), 1);
    // A date that is not missing, only too late: no hint to fill in a field, nor the labels'.
    assert_eq!((late_finalize[0].field.as_deref(), late_finalize[0].hint.as_deref()), (Some("start"), None));
    assert!(
        late_finalize[0].message.contains("at least 3 days before `start` (2026-12-01)"),
        "{}",
        late_finalize[0].message
    );
    let not_ready =
        TestFacts { entered: BTreeMap::new(), milestone_problems: vec!["the Deliverable `k3x` has no weight".into()] };
    assert_eq!(
        errors(&judge(&wf, Some(&planning), Some(&milestone("finalized")), &not_ready, early)),
        ["workflow.require: `planning` → `finalized`: the Deliverable `k3x` has no weight"]
    );
    let allowed = [("planning", "finalized"), ("finalized", "planning"), ("finalized", "active"), ("active", "closed")];
    for from in wf.states.iter().map(|s| s.name.as_str()) {
        for to in wf.states.iter().map(|s| s.name.as_str()).filter(|to| *to != from) {
            let text = |stage: &str| {
                format!(
                    "title = \"16.7\"\nstage = \"{stage}\"\nstart = 2026-12-01\nend = 2026-12-14\n[capacity]\njason = 8\n"
                )
            };
            assert_eq!(
                edge_allowed(&wf, Kind::Milestone, &text(from), &text(to)),
                allowed.contains(&(from, to)),
                "{from} → {to}"
            );
        }
    }
}

fn mir(status: &str, assignee: &str, extra: &str) -> Record {
    record(
        Kind::Mir,
        &format!(
            "title = \"[MIR] libfoo\"\npackage = \"libfoo\"\nstatus = \"{status}\"\nassignee = \"{assignee}\"\nsubscribers = [\"~ubuntu-mir\"]\n{extra}"
        ),
    )
}

#[test]
fn mir_every_transition_allowed_and_forbidden() {
    let wf = Workflow::built_in("mir").expect("built in");
    // One bug per process state, each carrying what its state needs.
    let states: Vec<(&str, Record)> = vec![
        ("unassigned", mir("new", "", "")),
        ("assigned_mir", mir("confirmed", "didrocks", "")),
        ("assigned_security", mir("confirmed", "~ubuntu-security", "security_review = true")),
        ("in_progress", mir("in_progress", "didrocks", "verdict = \"ack\"\nreview = \"ok\"")),
        ("fix_committed", mir("fix_committed", "didrocks", "verdict = \"ack\"\nreview = \"ok\"")),
        ("fix_released", mir("fix_released", "", "verdict = \"ack\"")),
        ("wont_fix", mir("wont_fix", "", "verdict = \"nack\"")),
        ("incomplete", mir("incomplete", "didrocks", "")),
        ("invalid_expired", mir("invalid", "", "")),
        ("invalid_unpromoted", mir("invalid", "", "verdict = \"ack\"")),
    ];
    for (name, bug) in &states {
        assert_eq!(wf.state_of(bug), *name);
    }
    let allowed = [
        ("unassigned", "assigned_mir"),
        ("assigned_mir", "assigned_security"),
        ("assigned_mir", "wont_fix"),
        ("assigned_security", "wont_fix"),
        ("assigned_mir", "in_progress"),
        ("assigned_mir", "fix_committed"),
        ("assigned_security", "in_progress"),
        ("assigned_security", "fix_committed"),
        ("in_progress", "fix_committed"),
        ("fix_committed", "fix_released"),
        ("assigned_mir", "incomplete"),
        ("assigned_security", "incomplete"),
        ("incomplete", "unassigned"),
        ("incomplete", "wont_fix"),
        ("incomplete", "invalid_expired"),
        ("in_progress", "invalid_unpromoted"),
        ("fix_committed", "invalid_unpromoted"),
    ];
    for (from, old) in &states {
        for (to, new) in states.iter().filter(|(to, _)| to != from) {
            let violations = judge(&wf, Some(old), Some(new), &no_facts(), now());
            let open = !violations.iter().any(|v| v.rule == "workflow.transition");
            assert_eq!(open, allowed.contains(&(*from, *to)), "{from} → {to}: {violations:?}");
        }
    }
}

#[test]
fn mir_requirements_and_time_rules() {
    let wf = Workflow::built_in("mir").expect("built in");
    // Creation: `[MIR] <package>` and ~ubuntu-mir subscribed.
    let bad = record(Kind::Mir, "title = \"libfoo please\"\npackage = \"libfoo\"\nstatus = \"new\"\n");
    assert_eq!(
        errors(&judge(&wf, None, Some(&bad), &no_facts(), now())),
        [
            "workflow.create: a new record: `subscribers` must include `~ubuntu-mir`",
            "workflow.create: a new record: `title` must be \"[MIR] libfoo\""
        ]
    );
    // A security assignment needs security_review = true: said once, by the state, not again
    // by the transition into it.
    let assigned = mir("confirmed", "didrocks", "");
    assert_eq!(
        errors(&judge(&wf, Some(&assigned), Some(&mir("confirmed", "~ubuntu-security", "")), &no_facts(), now())),
        ["workflow.state: while in `assigned_security`: `security_review` must be true"]
    );
    // Won't Fix needs a NACK, or a comment saying the reporter gave up; In Progress needs the
    // ACK (and the security ACK when asked).
    assert_eq!(
        errors(&judge(&wf, Some(&assigned), Some(&mir("wont_fix", "", "")), &no_facts(), now())),
        [
            "workflow.require: `assigned_mir` → `wont_fix`: needs one of: `verdict` must be \"nack\"; or `security_verdict` must be \"nack\"; or a comment, added in the same change, saying why"
        ]
    );
    let security = mir("confirmed", "~ubuntu-security", "security_review = true");
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&security),
            Some(&mir("in_progress", "", "security_review = true\nverdict = \"ack\"\nreview = \"ok\"")),
            &no_facts(),
            now()
        )),
        [
            "workflow.rule: a security review was asked, so the Security team's ACK is needed too: `security_verdict` must be \"ack\" (rule `security-ack`)"
        ]
    );
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&security),
            Some(&mir(
                "in_progress",
                "",
                "security_review = true\nverdict = \"ack\"\nsecurity_verdict = \"ack\"\nreview = \"ok\""
            )),
            &no_facts(),
            now()
        )),
        Vec::<String>::new()
    );
    // Dropping `security_review` in the same change as the ACK does not lift the security ACK.
    assert_eq!(
        errors(&judge(
            &wf,
            Some(&security),
            Some(&mir("in_progress", "", "security_review = false\nverdict = \"ack\"\nreview = \"ok\"")),
            &no_facts(),
            now()
        )),
        [
            "workflow.rule: a security review was asked, so the Security team's ACK is needed too: `security_verdict` must be \"ack\" (rule `security-ack`, which applied before this change: clearing what triggers it in the same change as the move does not lift it)"
        ]
    );
    // An in_progress status without an ACK is an undefined state.
    assert_eq!(
        errors(&judge(&wf, Some(&assigned), Some(&mir("in_progress", "didrocks", "")), &no_facts(), now())),
        [
            "workflow.undefined: status `in_progress` with assignee `didrocks` and verdict `` is none of the ten MIR process states: the record is in an undefined state"
        ]
    );
    // Incomplete → Invalid only 60 days after entering Incomplete (from history).
    let incomplete = mir("incomplete", "didrocks", "");
    let expired = mir("invalid", "", "");
    let entered = parse_timestamp("2026-09-01T00:00:00Z").expect("valid");
    let facts = TestFacts {
        entered: BTreeMap::from([(("$state".to_owned(), "incomplete".to_owned()), entered)]),
        milestone_problems: vec![],
    };
    let found = errors(&judge(&wf, Some(&incomplete), Some(&expired), &facts, entered + 59 * DAY));
    assert_eq!(
        found,
        [
            "workflow.require: `incomplete` → `invalid_expired`: allowed only after 60 days in `incomplete`: 59 so far, since 2026-09-01 (from git history)"
        ]
    );
    assert_eq!(
        errors(&judge(&wf, Some(&incomplete), Some(&expired), &facts, entered + 61 * DAY)),
        Vec::<String>::new()
    );
    // Acked but unpromoted → Invalid only 2 years after the ACK.
    let acked = mir("fix_committed", "didrocks", "verdict = \"ack\"\nreview = \"ok\"");
    let unpromoted = mir("invalid", "", "verdict = \"ack\"");
    let facts = TestFacts {
        entered: BTreeMap::from([(("verdict".to_owned(), "ack".to_owned()), entered)]),
        milestone_problems: vec![],
    };
    assert_eq!(errors(&judge(&wf, Some(&acked), Some(&unpromoted), &facts, entered + 729 * DAY)).len(), 1);
    assert_eq!(errors(&judge(&wf, Some(&acked), Some(&unpromoted), &facts, entered + 731 * DAY)), Vec::<String>::new());
}

#[test]
fn blocked_to_backlogged_keeps_the_stage_it_came_from() {
    let ops = Workflow::built_in("ops").expect("built in");
    let blocked = record(
        Kind::Issue,
        &ops_issue("feature", "blocked", &[], "previous_stage = \"development\"\nblocked_reason = \"x\""),
    );
    let edits: Vec<String> =
        move_edits(&ops, &blocked, "backlogged").iter().map(|a| format!("{}={}", a.path.join("."), a.value)).collect();
    assert_eq!(edits, ["stage=backlogged"]);
    let backlogged = record(
        Kind::Issue,
        &ops_issue("feature", "backlogged", &[], "previous_stage = \"development\"\nblocked_reason = \"x\""),
    );
    assert_eq!(errors(&judge(&ops, Some(&blocked), Some(&backlogged), &no_facts(), now())), Vec::<String>::new());
}

/// While parked, the way back cannot be rewritten: blocked from `planning`, a change of
/// `previous_stage` to `implementation` would skip scheduling, development and validation.
#[test]
fn the_way_back_cannot_change_while_parked() {
    let ops = Workflow::built_in("ops").expect("built in");
    let parked = |state: &str, previous: &str| {
        let previous = if previous.is_empty() { String::new() } else { format!("previous_stage = \"{previous}\"\n") };
        record(Kind::Issue, &ops_issue("feature", state, &[], &format!("{previous}blocked_reason = \"x\"")))
    };
    let judge_of = |old: &Record, new: &Record| errors(&judge(&ops, Some(old), Some(new), &no_facts(), now()));
    let rewritten = "workflow.parked: `previous_stage` records the state the record left for `blocked` and cannot change while it stays there (it was \"planning\", not \"validation\")";
    assert_eq!(judge_of(&parked("blocked", "planning"), &parked("blocked", "validation")), [rewritten]);
    assert_eq!(judge_of(&parked("blocked", "planning"), &parked("blocked", "planning")), Vec::<String>::new());
    assert_eq!(
        judge_of(&parked("backlogged", "planning"), &parked("backlogged", "development")).len(),
        1,
        "every parking state"
    );
    // Removing it is a change too (and leaves the record without a way back).
    assert!(!judge_of(&parked("blocked", "planning"), &parked("blocked", "")).is_empty());
    // A record parked by hand without one may be given one (its standing is judged as usual).
    assert_eq!(judge_of(&parked("blocked", ""), &parked("blocked", "planning")), Vec::<String>::new());
    // A state that records nothing: fields change freely.
    let dev = |note: &str| {
        record(Kind::Issue, &ops_issue("feature", "development", &[], &format!("previous_stage = \"{note}\"")))
    };
    assert!(!judge_of(&dev("a"), &dev("b")).iter().any(|e| e.starts_with("workflow.parked")));
}

#[test]
fn a_record_arriving_closed_needs_its_comment() {
    let ops = Workflow::built_in("ops").expect("built in");
    let closed = record(Kind::Issue, "title = \"x\"\ntype = \"bug\"\nstage = \"closed\"\n");
    assert_eq!(
        errors(&judge(&ops, None, Some(&closed), &no_facts(), now())),
        ["workflow.appear: a record in `closed`: needs a comment saying why"]
    );
}

#[test]
fn move_fills_and_clears_previous_stage() {
    let ops = Workflow::built_in("ops").expect("built in");
    let dev = record(Kind::Issue, &ops_issue("feature", "development", &[], ""));
    let edits: Vec<String> = move_edits(&ops, &dev, "blocked")
        .iter()
        .map(|a| format!("{}={:?}:{}", a.path.join("."), a.op, a.value))
        .collect();
    assert_eq!(edits, ["stage=Set:blocked", "previous_stage=Set:development"]);
    let blocked = record(
        Kind::Issue,
        &ops_issue("feature", "blocked", &[], "previous_stage = \"development\"\nblocked_reason = \"x\""),
    );
    let edits: Vec<String> =
        move_edits(&ops, &blocked, "development").iter().map(|a| format!("{}={:?}", a.path.join("."), a.op)).collect();
    assert_eq!(edits, ["stage=Set", "previous_stage=Unset", "blocked_reason=Unset"]);
    let wf = Workflow::built_in("mir").expect("built in");
    let bug = mir("confirmed", "didrocks", "");
    let edits: Vec<String> = move_edits(&wf, &bug, "assigned_security")
        .iter()
        .map(|a| format!("{}={}", a.path.join("."), a.value))
        .collect();
    assert_eq!(edits, ["assignee=~ubuntu-security", "status=confirmed"]);
}

/// Where a series of moves can take a record, whatever the conditions: forward through the
/// stages, into parking and back only to the recorded state, never out of a final state.
#[test]
fn reachable_states_follow_the_transitions_and_the_way_back() {
    let ops = Workflow::built_in("ops").expect("built in");
    let reach = |from: &str, back: Option<&str>| ops.reachable(from, back);
    let planning = reach("planning", None);
    for state in ["scheduling", "development", "validation", "completed", "closed", "blocked", "backlogged"] {
        assert!(planning.contains(state), "planning leads to {state}: {planning:?}");
    }
    assert!(!planning.contains("triage"), "nothing leads back to triage: {planning:?}");
    assert!(planning.contains("planning"), "blocked from planning returns there");
    assert_eq!(reach("completed", None).into_iter().collect::<Vec<_>>(), ["closed"]);
    assert!(reach("closed", None).is_empty(), "closed is final");
    // Parked, a record returns only to the state it recorded (and what follows it).
    let from_validation = reach("blocked", Some("validation"));
    assert!(from_validation.contains("validation") && from_validation.contains("backlogged"));
    assert!(!from_validation.contains("planning"), "{from_validation:?}");
    assert!(!reach("blocked", None).contains("planning"), "no way back recorded, no return");
}

/// A ref update is judged by where it leaves each record: a state no series of moves leads to
/// is a rewind, a deletion where records are kept is refused; any reachable end passes.
#[test]
fn results_are_judged_by_reachability() {
    let ops = Workflow::built_in("ops").expect("built in");
    let facts = no_facts();
    let config = config();
    let env = Env { now: now(), config: &config, facts: &facts };
    let at = |stage: &str| record(Kind::Issue, &ops_issue("feature", stage, &[], ""));
    let result =
        |old: &Record, new: Option<&Record>| errors(&crate::workflow::engine::check_result(&ops, old, new, &env));
    assert_eq!(
        result(&at("planning"), Some(&at("triage"))),
        [
            "workflow.result: the update takes the record from `planning` to `triage`, and no series of moves of the `ops` workflow leads there"
        ]
    );
    assert_eq!(result(&at("triage"), Some(&at("validation"))), Vec::<String>::new(), "many commits may lead there");
    assert_eq!(result(&at("planning"), Some(&at("planning"))), Vec::<String>::new());
    assert_eq!(result(&at("development"), None).len(), 1, "ops keeps its records");
    let parked = record(
        Kind::Issue,
        &ops_issue("feature", "blocked", &[], "previous_stage = \"planning\"\nblocked_reason = \"x\""),
    );
    assert_eq!(result(&parked, Some(&at("planning"))), Vec::<String>::new());
    assert_eq!(result(&parked, Some(&at("triage"))).len(), 1);
}

/// The pieces of a condition, each met and unmet, judged directly: what counts as filled in,
/// `contains`, `$from` in `equals`, and the edges of the day counts and of an iteration.
#[test]
fn conditions_at_their_edges() {
    use super::condition::{Condition, Mode, Scope};
    let config = config();
    let unmet = |condition: &str, text: &str, from: Option<&str>, now: Timestamp, facts: &TestFacts| -> Vec<String> {
        let condition: Condition = toml::from_str(condition).expect("a condition");
        let record = record(Kind::Issue, text);
        let scope = Scope {
            record: &record,
            old: Some(&record),
            from,
            state_field: "stage",
            now,
            config: &config,
            facts,
            mode: Mode::Full,
        };
        condition.unmet(&scope).into_iter().map(|u| u.message).collect()
    };
    let base = "title = \"x\"\ntype = \"bug\"\nstage = \"planning\"\n";
    let facts = no_facts();
    let fields = "fields = [\"gameplan\", \"labels\", \"rice\"]";
    // Blank text, an empty list and an empty table are not filled in.
    let empty = format!("{base}gameplan = \"  \"\nlabels = []\nrice = {{}}\n");
    assert_eq!(unmet(fields, &empty, None, now(), &facts), ["needs `gameplan`", "needs `labels`", "needs `rice`"]);
    let filled = format!("{base}gameplan = \"g\"\nlabels = [\"a\"]\nrice = {{ reach = 1 }}\n");
    assert_eq!(unmet(fields, &filled, None, now(), &facts), Vec::<String>::new());
    // `contains`: the list must hold the value.
    let contains = "contains = { labels = \"validation::requested\" }";
    let holding = format!("{base}labels = [\"x\", \"validation::requested\"]\n");
    assert_eq!(unmet(contains, &holding, None, now(), &facts), Vec::<String>::new());
    let other = format!("{base}labels = [\"x\", \"y\"]\n");
    assert_eq!(unmet(contains, &other, None, now(), &facts), ["`labels` must include `validation::requested`"]);
    // `$from` in `equals` stands for the state being left.
    let equals = "equals = { previous_stage = \"$from\" }";
    let recorded = format!("{base}previous_stage = \"development\"\n");
    assert_eq!(unmet(equals, &recorded, Some("development"), now(), &facts), Vec::<String>::new());
    assert_eq!(unmet(equals, &recorded, Some("planning"), now(), &facts), ["`previous_stage` must be \"planning\""]);
    // Day counts: exactly `days` days is enough.
    let entered = parse_timestamp("2026-09-01T10:00:00Z").expect("valid");
    let timed =
        TestFacts { entered: BTreeMap::from([(("stage".to_owned(), "planning".to_owned()), entered)]), ..no_facts() };
    let days = "min_days_in_state = 60";
    assert_eq!(unmet(days, base, Some("planning"), entered + 60 * DAY, &timed), Vec::<String>::new());
    assert_eq!(unmet(days, base, Some("planning"), entered + 60 * DAY - 1, &timed).len(), 1);
    // An iteration is current through the last second of its last day.
    let current = "iteration = \"current\"";
    let in_w48 = format!("{base}iteration = \"2026-w48\"\n");
    let last_second = parse_timestamp("2026-11-29T23:59:59Z").expect("valid");
    assert_eq!(unmet(current, &in_w48, None, last_second, &facts), Vec::<String>::new());
    assert_eq!(unmet(current, &in_w48, None, last_second + 1, &facts).len(), 1);
    assert_eq!(
        unmet(current, &in_w48, None, parse_timestamp("2026-11-23T00:00:00Z").expect("valid"), &facts),
        Vec::<String>::new()
    );
    assert_eq!(unmet(current, &in_w48, None, parse_timestamp("2026-11-22T23:59:59Z").expect("valid"), &facts).len(), 1);
    // Not yet started: up to the instant before its first day.
    let future = "iteration = \"future\"";
    assert_eq!(
        unmet(future, &in_w48, None, parse_timestamp("2026-11-22T23:59:59Z").expect("valid"), &facts),
        Vec::<String>::new()
    );
    assert_eq!(unmet(future, &in_w48, None, parse_timestamp("2026-11-23T00:00:00Z").expect("valid"), &facts).len(), 1);
}

/// Seed 004: a reporter who gives up takes the bug to Won't Fix, from review or from
/// Incomplete, with a comment saying so; without one it is refused.
#[test]
fn mir_wont_fix_when_the_reporter_gives_up() {
    let wf = Workflow::built_in("mir").expect("built in");
    let gave_up =
        "[[comments]]\nauthor = \"reporter\"\ndate = 2026-11-20\ntext = \"We found another way; dropping this.\"\n";
    for from in [mir("confirmed", "didrocks", ""), mir("incomplete", "didrocks", "")] {
        let state = wf.state_of(&from);
        assert_eq!(
            errors(&judge(&wf, Some(&from), Some(&mir("wont_fix", "", gave_up)), &no_facts(), now())),
            Vec::<String>::new(),
            "{state}"
        );
        let silent = errors(&judge(&wf, Some(&from), Some(&mir("wont_fix", "", "")), &no_facts(), now()));
        assert_eq!(silent.len(), 1, "{state}: {silent:?}");
        assert!(silent[0].contains("a comment, added in the same change, saying why"), "{silent:?}");
    }
}

/// Seed 004's 60 days run from the reporter's last reply too: a comment by anyone but the
/// assignee restarts them; the assignee's own comments (the questions) do not.
#[test]
fn mir_the_incomplete_clock_counts_from_the_last_reply() {
    let wf = Workflow::built_in("mir").expect("built in");
    let config = config();
    let entered = parse_timestamp("2026-09-01T10:00:00Z").expect("valid");
    let facts = TestFacts {
        entered: BTreeMap::from([(("$state".to_owned(), "incomplete".to_owned()), entered)]),
        ..no_facts()
    };
    let comment =
        |author: &str, date: &str| format!("[[comments]]\nauthor = \"{author}\"\ndate = {date}\ntext = \"…\"\n");
    // Entered 09-01: 60 days later is 10-31, 16 days after a reply on 10-15 (midnight), whose
    // own 60 days end on 12-14.
    let replied = comment("reporter", "2026-10-15");
    let asked = comment("didrocks", "2026-10-20");
    let reply_day = parse_timestamp("2026-10-15T00:00:00Z").expect("valid");
    let table: [(&str, Timestamp, bool); 6] = [
        ("", entered + 60 * DAY, true),
        (&asked, entered + 60 * DAY, true),
        (&replied, entered + 60 * DAY, false),
        (&replied, reply_day + 60 * DAY - 1, false),
        (&replied, reply_day + 60 * DAY, true),
        ("", entered + 60 * DAY - 1, false),
    ];
    for (comments, now, due) in table {
        let bug = mir("incomplete", "didrocks", comments);
        let env = Env { now, config: &config, facts: &facts };
        let found = super::engine::due_moves(&wf, &bug, &env);
        assert_eq!(found == ["invalid_expired"], due, "{comments} at {now}: {found:?}");
        let expired = mir("invalid", "", comments);
        let refused = errors(&judge(&wf, Some(&bug), Some(&expired), &facts, now));
        assert_eq!(refused.is_empty(), due, "{comments} at {now}: {refused:?}");
    }
    let bug = mir("incomplete", "didrocks", &replied);
    let refused = errors(&judge(&wf, Some(&bug), Some(&mir("invalid", "", &replied)), &facts, entered + 60 * DAY));
    assert_eq!(
        refused,
        [
            "workflow.require: `incomplete` → `invalid_expired`: allowed only after 60 days since the last reply: 16 so far, since 2026-10-15 (from its comments)"
        ]
    );
}

/// The moves whose time has come: only timed transitions, and only once their time is up.
#[test]
fn due_moves_are_the_timed_ones_whose_time_has_come() {
    let wf = Workflow::built_in("mir").expect("built in");
    let config = config();
    let incomplete = mir("incomplete", "didrocks", "");
    let entered = parse_timestamp("2026-09-01T10:00:00Z").expect("valid");
    let facts = TestFacts {
        entered: BTreeMap::from([(("$state".to_owned(), "incomplete".to_owned()), entered)]),
        ..no_facts()
    };
    let due = |now: Timestamp| {
        let env = Env { now, config: &config, facts: &facts };
        super::engine::due_moves(&wf, &incomplete, &env)
    };
    assert_eq!(due(entered + 60 * DAY), ["invalid_expired"], "not the untimed move back to unassigned");
    assert_eq!(due(entered + 60 * DAY - 1), Vec::<String>::new());
    let fresh = mir("confirmed", "didrocks", "");
    let env = Env { now: entered + 900 * DAY, config: &config, facts: &facts };
    assert_eq!(super::engine::due_moves(&wf, &fresh, &env), Vec::<String>::new(), "no timed move out of it");
}

/// Where a record may go is listed in the workflow's order of states; a final state stays
/// where it is without a rewind; a state label may spell the state by name or display.
#[test]
fn allowed_moves_results_and_state_labels() {
    let ops = Workflow::built_in("ops").expect("built in");
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let at = |stage: &str| record(Kind::Issue, &ops_issue("feature", stage, &[], ""));
    let refused = check_change(&ops, Some(&at("planning")), Some(&at("completed")), &env);
    assert_eq!(refused[0].allowed, ["scheduling", "blocked", "backlogged"], "in the order of the states");
    assert_eq!(
        refused[0].hint.as_deref(),
        Some("from `planning` this record may go to `scheduling`, `blocked`, `backlogged`")
    );
    let closed = at("closed");
    assert_eq!(errors(&super::engine::check_result(&ops, &closed, Some(&closed), &env)), Vec::<String>::new());
    let refinement = Workflow::built_in("refinement").expect("built in");
    let labelled = |label: &str| {
        record(
            Kind::Issue,
            &format!("title = \"x\"\ntype = \"feature\"\nstage = \"ready_for_development\"\nlabels = [\"{label}\"]\n"),
        )
    };
    for (label, fine) in [
        ("workflow::ready_for_development", true),
        ("workflow::Ready for development", true),
        ("workflow::ready for development", true),
        ("workflow::refinement", false),
    ] {
        let found = errors(&super::engine::check_record(&refinement, &labelled(label), &env));
        assert_eq!(found.iter().all(|e| !e.starts_with("workflow.labels")), fine, "{label}: {found:?}");
    }
}

/// A workflow written for the test: transitions listed out of the order of the states, a rule
/// with both `from` and `to`, and a label requirement.
#[test]
fn a_custom_workflow_orders_targets_and_scopes_its_rules() {
    let source = r#"
name = "custom"
kind = "issue"
field = "stage"
initial = "a"
[states.a]
[states.b]
[states.c]
[states.d]
[states.e]
[[transitions]]
from = "a"
to = "d"
[[transitions]]
from = "a"
to = "c"
[[transitions]]
from = "a"
to = "b"
require = { labels = ["ready"] }
[[transitions]]
from = "b"
to = "c"
[[rules]]
name = "noted"
from = "a"
to = "c"
require = { fields = ["note"] }
message = "a to c needs a note"
"#;
    let wf = Workflow::parse("workflows/custom.toml", source).expect("valid");
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let at = |stage: &str| record(Kind::Issue, &format!("title = \"x\"\ntype = \"bug\"\nstage = \"{stage}\"\n"));
    // A move to a state with no transition lists the targets in the order of the states.
    let refused = check_change(&wf, Some(&at("a")), Some(&at("e")), &env);
    assert_eq!(refused[0].allowed, ["b", "c", "d"]);
    let refused = check_change(&wf, Some(&at("c")), Some(&at("a")), &env);
    assert!(refused[0].allowed.is_empty(), "nothing leaves c");
    // The rule applies from a to c only: not from b to c.
    assert_eq!(
        errors(&check_change(&wf, Some(&at("a")), Some(&at("c")), &env)),
        ["workflow.rule: a to c needs a note: needs `note` (rule `noted`)"]
    );
    assert_eq!(errors(&check_change(&wf, Some(&at("b")), Some(&at("c")), &env)), Vec::<String>::new());
    // An unmet label requirement says to fix the labels.
    let needs_label = check_change(&wf, Some(&at("a")), Some(&at("b")), &env);
    assert_eq!(
        needs_label[0].hint.as_deref().map(|h| h.starts_with("fix the labels in the same change")),
        Some(true),
        "{needs_label:?}"
    );
}

/// When several transitions lead where a record goes and none is met, the one closest to
/// holding is reported (fewest unmet requirements), the first of equals.
#[test]
fn the_closest_transition_is_reported() {
    let workflow = |first: &str, second: &str| {
        Workflow::parse(
            "workflows/two.toml",
            &format!(
                "name = \"two\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"a\"\n[states.a]\n[states.b]\n[[transitions]]\nfrom = \"a\"\nto = \"b\"\nrequire = {{ fields = {first} }}\n[[transitions]]\nfrom = \"a\"\nto = \"b\"\nrequire = {{ fields = {second} }}\n"
            ),
        )
        .expect("valid")
    };
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let at = |stage: &str| record(Kind::Issue, &format!("title = \"x\"\ntype = \"bug\"\nstage = \"{stage}\"\n"));
    let reported = |wf: &Workflow| errors(&check_change(wf, Some(&at("a")), Some(&at("b")), &env));
    assert_eq!(reported(&workflow("[\"x\", \"y\"]", "[\"z\"]")), ["workflow.require: `a` → `b`: needs `z`"]);
    assert_eq!(reported(&workflow("[\"z\"]", "[\"x\", \"y\"]")), ["workflow.require: `a` → `b`: needs `z`"]);
    assert_eq!(reported(&workflow("[\"x\"]", "[\"z\"]")), ["workflow.require: `a` → `b`: needs `x`"]);
    // A missing field's hint says to fill it in.
    let refused = check_change(&workflow("[\"x\"]", "[\"z\"]"), Some(&at("a")), Some(&at("b")), &env);
    assert_eq!(refused[0].hint.as_deref(), Some("fill in `x` in the same change"));
    assert_eq!(refused[0].missing, ["x"]);
}

/// A record that appears in a later state is judged by the cheapest path from the initial
/// state: the artifacts it lacks along the way with the fewest.
#[test]
fn an_appearing_record_is_judged_by_the_cheapest_path() {
    let wf = Workflow::parse(
        "workflows/path.toml",
        "name = \"path\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"a\"\nappear = \"path\"\n[states.a]\n[states.b]\n[states.c]\n[[transitions]]\nfrom = \"a\"\nto = \"c\"\nrequire = { fields = [\"x\", \"y\"] }\n[[transitions]]\nfrom = \"a\"\nto = \"b\"\n[[transitions]]\nfrom = \"b\"\nto = \"c\"\nrequire = { fields = [\"z\"] }\n",
    )
    .expect("valid");
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let new = |extra: &str| record(Kind::Issue, &format!("title = \"x\"\ntype = \"bug\"\nstage = \"c\"\n{extra}"));
    assert_eq!(errors(&check_change(&wf, None, Some(&new("")), &env)), ["workflow.appear: a record in `c`: needs `z`"]);
    assert_eq!(errors(&check_change(&wf, None, Some(&new("z = \"done\"\n")), &env)), Vec::<String>::new());
    assert_eq!(errors(&check_change(&wf, None, Some(&new("x = \"1\"\ny = \"2\"\n")), &env)), Vec::<String>::new());
}

/// The path search runs until nothing improves, whatever order the states are listed in; a
/// new record in a state the workflow does not define is reported as such.
#[test]
fn paths_are_found_in_any_order_of_states() {
    let wf = Workflow::parse(
        "workflows/order.toml",
        "name = \"order\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"a\"\nappear = \"path\"\n[states.a]\n[states.c]\n[states.b]\n[states.d]\n[[transitions]]\nfrom = \"a\"\nto = \"d\"\n[[transitions]]\nfrom = \"d\"\nto = \"b\"\n[[transitions]]\nfrom = \"b\"\nto = \"c\"\n",
    )
    .expect("valid");
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let new = |stage: &str| record(Kind::Issue, &format!("title = \"x\"\ntype = \"bug\"\nstage = \"{stage}\"\n"));
    assert_eq!(errors(&check_change(&wf, None, Some(&new("c")), &env)), Vec::<String>::new());
    let undefined = errors(&check_change(&wf, None, Some(&new("zz")), &env));
    assert!(undefined.iter().any(|e| e.starts_with("workflow.undefined")), "{undefined:?}");
}

/// A move replaces a state label that names the old state, and adds none where there was none.
#[test]
fn moves_keep_state_labels_in_step() {
    let wf = Workflow::built_in("refinement").expect("built in");
    let edits = |labels: &str| -> Vec<String> {
        let record = record(
            Kind::Issue,
            &format!("title = \"x\"\ntype = \"feature\"\nstage = \"refinement\"\nlabels = [{labels}]\n"),
        );
        move_edits(&wf, &record, "ready_for_development")
            .iter()
            .map(|a| format!("{}{:?}{}", a.path.join("."), a.op, a.value))
            .collect()
    };
    let labelled = edits("\"workflow::refinement\", \"x\"");
    assert!(labelled.contains(&"labelsRemoveworkflow::refinement".to_owned()), "{labelled:?}");
    assert!(labelled.contains(&"labelsAppendworkflow::ready_for_development".to_owned()), "{labelled:?}");
    let plain = edits("\"x\"");
    assert!(!plain.iter().any(|e| e.starts_with("labels")), "{plain:?}");
}

/// Labels compare as GitLab's do, without case: the seed's `Validation::Requested` meets a
/// requirement spelt `validation::requested`, and a scope holds one value whatever the case.
#[test]
fn labels_compare_without_case() {
    let ops = Workflow::built_in("ops").expect("built in");
    let config =
        Config::parse("docket.toml", "[labels]\nrequired_scopes = [\"customer\", \"priority\"]\n").expect("valid");
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let at = |stage: &str, extra: &[&str]| record(Kind::Issue, &ops_issue("bug", stage, extra, ""));
    let development = at("development", &[]);
    assert_eq!(
        errors(&check_change(&ops, Some(&development), Some(&at("validation", &["Validation::Requested"])), &env)),
        Vec::<String>::new()
    );
    let both = at("validation", &["validation::requested", "Validation::Rejected"]);
    assert_eq!(
        errors(&super::engine::check_record(&ops, &both, &env)),
        [
            "workflow.labels: at most one `validation::` label is allowed, and there are `Validation::Rejected` and `validation::requested`"
        ]
    );
    // The required scopes, in another case, are there.
    let bare = |stage: &str| {
        record(
            Kind::Issue,
            &format!(
                "title = \"t\"\ntype = \"bug\"\nstage = \"{stage}\"\nlabels = [\"Customer::SaaS\", \"PRIORITY::1\"]\n"
            ),
        )
    };
    assert_eq!(errors(&check_change(&ops, Some(&bare("triage")), Some(&bare("planning")), &env)), Vec::<String>::new());
}

/// One diagnostic per unmet requirement: an issue arriving in `implementation` without the
/// artifacts of the states before lists them together, pointing at the state.
#[test]
fn missing_fields_of_one_requirement_are_said_together() {
    let ops = Workflow::built_in("ops").expect("built in");
    let config = config();
    let facts = no_facts();
    let env = Env { now: now(), config: &config, facts: &facts };
    let bare = record(
        Kind::Issue,
        "title = \"x\"\ntype = \"feature\"\nstage = \"implementation\"\nlabels = [\"customer::saas\", \"system::z\", \"priority::2\"]\n",
    );
    let found = super::engine::check_standing(&ops, &bare, &env);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].message,
        "a record in `implementation`: needs `gameplan`, `rice.reach`, `rice.impact`, `rice.confidence`, `rice.effort`, `milestone`, `iteration`, `assignee`"
    );
    assert_eq!(found[0].missing.len(), 8);
    assert_eq!(found[0].field, None, "several fields: the state is pointed at");
}
