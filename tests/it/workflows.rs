//! `docket move` and `docket check`: the engine through the command line.

use crate::support::{Sandbox, changed_lines};

#[test]
fn move_fills_previous_stage_and_changes_only_its_lines() {
    let sandbox = Sandbox::example("ops");
    let before = sandbox.read("issues/sn2gzh.toml");
    let run = sandbox.docket(&["move", "sn2", "blocked", "blocked_reason=waiting for the Zendesk sandbox"]);
    run.ok();
    let after = sandbox.read("issues/sn2gzh.toml");
    assert!(after.contains("stage = \"blocked\""), "{after}");
    assert!(after.contains("previous_stage = \"development\"\n"), "{after}");
    assert!(after.contains("blocked_reason = \"waiting for the Zendesk sandbox\"\n"), "{after}");
    let removed: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    assert_eq!(removed.len(), 1, "only the stage line changed: {removed:?}");
    sandbox.commit_all("blocked");
    // And back: only to the recorded stage, clearing what blocked needed.
    let run = sandbox.docket(&["move", "sn2", "planning"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("move_refused", run.stderr);
    sandbox.docket(&["move", "sn2", "development"]).ok();
    assert_eq!(sandbox.read("issues/sn2gzh.toml"), before);
}

#[test]
fn move_refuses_with_the_hooks_diagnostics_and_leaves_the_file() {
    let sandbox = Sandbox::example("ops");
    let before = sandbox.read("issues/k23ewa.toml");
    let run = sandbox.docket(&["move", "k23", "planning"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("needs a `customer::…` label"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/k23ewa.toml"), before);
    let run = sandbox.docket(&["move", "k23", "planing"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean `planning`?"), "{}", run.stderr);
}

#[test]
fn move_with_fields_in_the_same_change() {
    let sandbox = Sandbox::example("ops");
    let before = sandbox.read("issues/k23ewa.toml");
    sandbox.docket(&["move", "k23", "planning", "labels+=customer::saas", "labels+=priority::2"]).ok();
    let changes = changed_lines(&before, &sandbox.read("issues/k23ewa.toml"));
    assert_eq!(changes.len(), 2, "{changes:?}");
}

#[test]
fn move_a_mir_bug_between_process_states() {
    let sandbox = Sandbox::example("mir");
    // unassigned → assigned_mir: the state means an assignee, given in the same change.
    let run = sandbox.docket(&["move", "cqa5k8", "assigned_mir", "assignee=didrocks"]);
    run.ok();
    let text = sandbox.read("mir/cqa5k8.toml");
    assert!(text.contains("status = \"confirmed\""), "{text}");
    assert!(text.contains("assignee = \"didrocks\""), "{text}");
    // A second move before the first is committed: refused, as the hook would.
    let run = sandbox.docket(&["move", "cqa5k8", "incomplete"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("already moves from `unassigned` to `assigned_mir` in uncommitted changes"),
        "{}",
        run.stderr
    );
    sandbox.commit_all("triaged");
    // assigned_mir → in_progress without an ACK: the state is not reached.
    let run = sandbox.docket(&["move", "cqa5k8", "in_progress"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("record the ACK: `verdict=ack`"), "{}", run.stderr);
    // With the ACK but no review report: refused by the workflow.
    let run = sandbox.docket(&["move", "cqa5k8", "in_progress", "verdict=ack"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("needs `review`"), "{}", run.stderr);
}

#[test]
fn check_the_whole_tree() {
    for example in ["ops", "refinement", "support", "mir"] {
        let sandbox = Sandbox::example(example);
        let run = sandbox.docket(&["check"]);
        assert_eq!(run.code, 0, "{example}: {}", run.stderr);
    }
    let sandbox = Sandbox::example("ops");
    // An issue edited by hand into implementation without a gameplan.
    sandbox.docket(&["set", "x24vn8", "--unset", "gameplan"]).ok();
    let run = sandbox.docket(&["check", "--json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let violations = json["violations"].as_array().expect("array");
    assert!(violations.iter().any(|v| v["path"] == "issues/x24vn8.toml" && v["missing"][0] == "gameplan"), "{json}");
}

#[test]
fn check_staged_without_hooks() {
    let sandbox = Sandbox::example("ops");
    sandbox.write(
        "issues/k23ewa.toml",
        &sandbox.read("issues/k23ewa.toml").replace("stage = \"triage\"", "stage = \"completed\""),
    );
    // Unstaged: nothing to check.
    assert_eq!(sandbox.docket(&["check", "--staged"]).code, 0);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.docket(&["check", "--staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("check_staged_transition", run.stderr);
}

#[test]
fn a_bad_range_is_a_usage_error() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket(&["check", "--range", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("write it as A..B"), "{}", run.stderr);
    let run = sandbox.docket(&["check", "--range", "nope..HEAD"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}
