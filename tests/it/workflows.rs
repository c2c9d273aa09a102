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

/// Moves made one after another before a commit are judged as the move they add up to:
/// blocked and back again is no move at all, and the file is as committed.
#[test]
fn moves_before_a_commit_add_up() {
    let sandbox = Sandbox::example("ops");
    let before = sandbox.read("issues/sn2gzh.toml");
    sandbox.docket(&["move", "sn2", "blocked", "blocked_reason=waiting for the sandbox"]).ok();
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
    // A second move before the first is committed is judged as the one move they add up to,
    // as the hook will: unassigned → incomplete is not a move, and the note says why.
    let run = sandbox.docket(&["move", "cqa5k8", "incomplete"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("move_two_steps_before_a_commit", run.stderr);
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
    // An issue edited by hand into implementation without a gameplan (`set` refuses to
    // remove it: see hooks::an_earlier_states_artifact_cannot_be_removed).
    let text = sandbox.read("issues/x24vn8.toml");
    let start = text.find("gameplan = \"\"\"").expect("a gameplan");
    let body = start + "gameplan = \"\"\"".len();
    let end = body + text[body..].find("\"\"\"\n").expect("its end") + 4;
    sandbox.write("issues/x24vn8.toml", &format!("{}{}", &text[..start], &text[end..]));
    let run = sandbox.docket(&["check", "--json"]);
    assert_eq!(run.code, 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let violations = json["violations"].as_array().expect("array");
    assert!(violations.iter().any(|v| v["path"] == "issues/x24vn8.toml" && v["missing"][0] == "gameplan"), "{json}");
}

/// Writes the ops example's k23ewa straight from triage to completed, a move the workflow forbids.
fn jump_to_completed(sandbox: &Sandbox) {
    sandbox.write(
        "issues/k23ewa.toml",
        &sandbox.read("issues/k23ewa.toml").replace("stage = \"triage\"", "stage = \"completed\""),
    );
}

#[test]
fn check_staged_without_hooks() {
    let sandbox = Sandbox::example("ops");
    jump_to_completed(&sandbox);
    // Unstaged: nothing to check.
    assert_eq!(sandbox.docket(&["check", "--staged"]).code, 0);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.docket(&["check", "--staged"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("check_staged_transition", run.stderr);
}

/// docket reads git's index file itself (versions 2 and 3); an index it leaves to git (version
/// 4, a split index) is judged the same, word for word.
#[test]
fn check_staged_judges_an_index_it_leaves_to_git_the_same() {
    let sandbox = Sandbox::example("ops");
    jump_to_completed(&sandbox);
    sandbox.git(&["add", "-A"]);
    let read = sandbox.docket(&["check", "--staged"]);
    assert_eq!(read.code, 1, "{}", read.stderr);
    for args in [&["update-index", "--index-version", "4"][..], &["update-index", "--split-index"]] {
        sandbox.git(args);
        let run = sandbox.docket(&["check", "--staged"]);
        assert_eq!((run.code, &run.stderr), (1, &read.stderr), "after git {args:?}");
    }
}

/// `-C` names the tracker: git lists the staged changes there, not where docket was started
/// (it ran in the caller's folder before, and failed outside any repository).
#[test]
fn check_staged_with_dash_c_from_outside_the_repository() {
    let sandbox = Sandbox::example("ops");
    jump_to_completed(&sandbox);
    sandbox.git(&["add", "-A"]);
    let root = sandbox.root();
    let outside = root.parent().expect("the sandbox has a parent");
    let here = sandbox.docket(&["check", "--staged"]);
    let run = sandbox.docket_in(outside, &["-C", &root.to_string_lossy(), "check", "--staged"], &[], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, here.stderr);
}

/// A relative `GIT_INDEX_FILE` (as git hands some hooks) is read from where docket started.
#[test]
fn check_staged_reads_a_relative_index_file_from_where_docket_started() {
    let sandbox = Sandbox::example("ops");
    jump_to_completed(&sandbox);
    // Staged in another index only: `.git/index` holds nothing to judge.
    let root = sandbox.root();
    let index = root.join(".git/other-index");
    std::fs::copy(root.join(".git/index"), &index).expect("copy the index");
    let add = sandbox.git_with(&["add", "-A"], &[("GIT_INDEX_FILE", &index.to_string_lossy())]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    assert_eq!(sandbox.docket(&["check", "--staged"]).code, 0);
    let outside = root.parent().expect("the sandbox has a parent");
    let name = root.file_name().expect("a folder name").to_string_lossy();
    let relative = format!("{name}/.git/other-index");
    let run = sandbox.docket_in(
        outside,
        &["-C", &root.to_string_lossy(), "check", "--staged"],
        &[("GIT_INDEX_FILE", &relative)],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("issues/k23ewa.toml"), "{}", run.stderr);
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

/// Seed 004's 60 days in Incomplete run from the reporter's last reply too, through real
/// history: ntjgx5 went Incomplete on 11-06 (its commit), and spereira answered on 11-16.
#[test]
fn a_mir_bug_expires_60_days_after_the_last_reply() {
    let sandbox = Sandbox::example("mir");
    let incomplete = "2026-11-06T12:00:00Z";
    sandbox.git_with(&["commit", "-q", "--amend", "--no-edit"], &[("GIT_COMMITTER_DATE", incomplete)]);
    sandbox.docket(&["hook", "install"]).ok();
    let expiring = |now: &str| -> String {
        let run = sandbox.docket_with(&["report", "expiring", "--json"], &[("DOCKET_NOW", now)], "");
        run.ok().to_owned()
    };
    // 65 days in Incomplete, but 55 since the reply: not yet.
    let early = "2027-01-10T12:00:00Z";
    assert!(!expiring(early).contains("ntjgx5"), "{}", expiring(early));
    let run = sandbox.docket_with(
        &["move", "ntjgx5", "invalid_expired"],
        &[("DOCKET_NOW", early), ("GIT_COMMITTER_DATE", early)],
        "",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "allowed only after 60 days since the last reply: 55 so far, since 2026-11-16 (from its comments)"
        ),
        "{}",
        run.stderr
    );
    // The same edit by hand is refused by the hook at that date.
    let text = sandbox.read("mir/ntjgx5.toml");
    sandbox.write("mir/ntjgx5.toml", &text.replace("status = \"incomplete\"", "status = \"invalid\""));
    let hook = sandbox.git_with(&["commit", "-qam", "expire"], &[("GIT_COMMITTER_DATE", early), ("DOCKET_NOW", early)]);
    assert_eq!(hook.code, 1, "{}", hook.stderr);
    sandbox.write("mir/ntjgx5.toml", &text);
    // 61 days after the reply: due, and the move is accepted.
    let due = "2027-01-16T12:00:00Z";
    assert!(expiring(due).contains("ntjgx5"), "{}", expiring(due));
    sandbox
        .docket_with(&["move", "ntjgx5", "invalid_expired"], &[("DOCKET_NOW", due), ("GIT_COMMITTER_DATE", due)], "")
        .ok();
    let hook = sandbox.git_with(&["commit", "-qam", "expire"], &[("GIT_COMMITTER_DATE", due), ("DOCKET_NOW", due)]);
    assert_eq!(hook.code, 0, "{}", hook.stderr);
}

/// `docket check` judges what records name as the hooks do: a second open MIR bug for a
/// package is reported, naming the first.
#[test]
fn check_the_whole_tree_finds_a_second_mir_bug_for_a_package() {
    let sandbox = Sandbox::example("mir");
    sandbox.write(
        "mir/zz9999.toml",
        "title = \"[MIR] rust-rpds-py\"\npackage = \"rust-rpds-py\"\nstatus = \"new\"\nsubscribers = [\"~ubuntu-mir\"]\n",
    );
    let run = sandbox.docket(&["check", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let found: Vec<(&str, &str)> = json["violations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|v| (v["path"].as_str().expect("path"), v["rule"].as_str().expect("rule")))
        .collect();
    assert!(found.contains(&("mir/zz9999.toml", "record.reference")), "{json}");
}
