//! The hooks, with the real `git commit` and `git push`: a refused commit leaves HEAD, the
//! index and the work tree as they were; every way of committing is covered.

use crate::support::Sandbox;

/// A tracker using the ops workflow with one issue in triage, committed, hooks installed.
fn ops_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    sandbox.write(
        "docket.toml",
        "[workflows]\nissue = \"ops\"\n[labels]\nrequired_scopes = [\"customer\", \"priority\"]\n",
    );
    sandbox.write(
        "issues/k3x9q2.toml",
        "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"triage\" # moved by dylan\n",
    );
    sandbox.commit_all("init");
    sandbox.docket(&["hook", "install"]).ok();
    sandbox
}

const SKIPPED: &str = "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"scheduling\" # moved by dylan\nlabels = [\"customer::smb\", \"priority::1\"]\n";
const PLANNED: &str = "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"planning\" # moved by dylan\nlabels = [\"customer::smb\", \"priority::1\"]\n";

fn head(sandbox: &Sandbox) -> String {
    sandbox.git(&["rev-parse", "HEAD"])
}

#[test]
fn an_illegal_commit_is_refused_and_nothing_changes() {
    let sandbox = ops_sandbox();
    let before = head(&sandbox);
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    sandbox.git(&["add", "issues/k3x9q2.toml"]);
    let run = sandbox.git_with(&["commit", "-m", "skip planning"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_refused_commit", run.stderr);
    assert_eq!(head(&sandbox), before, "HEAD did not move");
    assert_eq!(sandbox.git(&["diff", "--cached", "--name-only"]), "issues/k3x9q2.toml\n", "the index is as it was");
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), SKIPPED, "the work tree is as it was");
}

#[test]
fn a_legal_commit_goes_through() {
    let sandbox = ops_sandbox();
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    let run = sandbox.git_with(&["commit", "-qam", "plan"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(sandbox.git(&["log", "--format=%s", "-1"]), "plan\n");
}

#[test]
fn commit_all_and_commit_path_cannot_slip_past() {
    let sandbox = ops_sandbox();
    let before = head(&sandbox);
    // `git commit -a`: git hands the hook a temporary index; the real one has nothing staged.
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    let run = sandbox.git_with(&["commit", "-am", "sneak"], &[]);
    assert_eq!(run.code, 1, "commit -a: {}", run.stderr);
    assert!(run.stderr.contains("`triage` → `scheduling`"), "{}", run.stderr);
    // `git commit <path>`: another temporary index.
    let run = sandbox.git_with(&["commit", "-m", "sneak", "issues/k3x9q2.toml"], &[]);
    assert_eq!(run.code, 1, "commit <path>: {}", run.stderr);
    // From a subfolder.
    std::fs::create_dir_all(sandbox.root().join("docs")).expect("folder");
    let run = sandbox.git_in(&sandbox.root().join("docs"), &["commit", "-am", "sneak"], &[]);
    assert_eq!(run.code, 1, "from a subfolder: {}", run.stderr);
    assert_eq!(head(&sandbox), before);
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), SKIPPED);
}

#[test]
fn amend_is_checked_against_the_parent() {
    let sandbox = ops_sandbox();
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    // Amending the planning commit into a jump to scheduling: triage → scheduling overall.
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    let run = sandbox.git_with(&["commit", "--amend", "-am", "plan and schedule"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(sandbox.git(&["log", "--format=%s", "-1"]), "plan\n");
}

#[test]
fn a_foreign_hook_is_kept_and_chained() {
    let sandbox = Sandbox::tracker();
    let hooks = sandbox.root().join(".git/hooks");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho 'lint ran' >&2\nexit 0\n").expect("write");
    make_executable(&hooks.join("pre-commit"));
    let run = sandbox.docket(&["hook", "install"]);
    run.ok();
    assert!(run.stderr.contains("pre-commit.pre-docket"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.pre-docket")).expect("kept"),
        "#!/bin/sh\necho 'lint ran' >&2\nexit 0\n"
    );
    // Installing again refreshes docket's hook and keeps the chained one.
    sandbox.docket(&["hook", "install"]).ok();
    assert!(hooks.join("pre-commit.pre-docket").is_file());
    assert!(!hooks.join("pre-commit.pre-docket.1").exists());
    sandbox.write("notes.txt", "x");
    let run = sandbox.git_with(&["commit", "-qam", "notes"], &[]);
    sandbox.git(&["add", "notes.txt"]);
    let run2 = sandbox.git_with(&["commit", "-qm", "notes"], &[]);
    assert!(run.stderr.contains("lint ran") || run2.stderr.contains("lint ran"), "{}{}", run.stderr, run2.stderr);
    // A failing chained hook still stops the commit.
    std::fs::write(hooks.join("pre-commit.pre-docket"), "#!/bin/sh\necho 'lint failed' >&2\nexit 3\n").expect("write");
    sandbox.write("notes.txt", "y");
    let run = sandbox.git_with(&["commit", "-qam", "notes again"], &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("lint failed"), "{}", run.stderr);
    // Another tool writes its hook over docket's later: installing again keeps both, the
    // older under a numbered name, and runs both.
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho 'format ran' >&2\nexit 0\n").expect("write");
    make_executable(&hooks.join("pre-commit"));
    sandbox.docket(&["hook", "install"]).ok();
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.pre-docket.1")).expect("kept"),
        "#!/bin/sh\necho 'lint failed' >&2\nexit 3\n"
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.pre-docket")).expect("kept"),
        "#!/bin/sh\necho 'format ran' >&2\nexit 0\n"
    );
    let run = sandbox.git_with(&["commit", "-qam", "notes again"], &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("format ran") && run.stderr.contains("lint failed"), "{}", run.stderr);
}

/// A hook git ignored (not executable) stays ignored once docket's hook chains it, with git's
/// hint, instead of failing every commit.
#[test]
fn a_foreign_hook_git_ignored_stays_ignored() {
    let sandbox = Sandbox::tracker();
    let hooks = sandbox.root().join(".git/hooks");
    std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho 'never ran' >&2\nexit 1\n").expect("write");
    sandbox.write("notes.txt", "x");
    sandbox.git(&["add", "notes.txt"]);
    let before = sandbox.git_with(&["commit", "-qm", "notes"], &[]);
    assert_eq!(before.code, 0, "git ignores it: {}", before.stderr);
    sandbox.docket(&["hook", "install"]).ok();
    sandbox.write("notes.txt", "y");
    let run = sandbox.git_with(&["commit", "-qam", "notes again"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("never ran"), "{}", run.stderr);
    assert!(run.stderr.contains("was ignored because it is not set as executable"), "{}", run.stderr);
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn core_hooks_path_and_worktrees() {
    let sandbox = ops_sandbox();
    sandbox.git(&["config", "core.hooksPath", ".githooks"]);
    sandbox.docket(&["hook", "install"]).ok();
    assert!(sandbox.root().join(".githooks/pre-commit").is_file());
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    let run = sandbox.git_with(&["commit", "-qam", "sneak"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    sandbox.git(&["checkout", "--", "."]);
    // A linked worktree shares the hooks of the common git directory and has its own index.
    // (A relative core.hooksPath would name a folder inside each worktree, as git documents.)
    sandbox.git(&["config", "--unset", "core.hooksPath"]);
    let worktree = sandbox.outside("wt");
    sandbox.git(&["worktree", "add", "-q", worktree.to_str().expect("utf-8"), "-b", "side"]);
    std::fs::write(worktree.join("issues/k3x9q2.toml"), SKIPPED).expect("write");
    let run = sandbox.git_in(&worktree, &["commit", "-qam", "sneak in a worktree"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    std::fs::write(worktree.join("issues/k3x9q2.toml"), PLANNED).expect("write");
    let run = sandbox.git_in(&worktree, &["commit", "-qam", "plan in a worktree"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn no_verify_is_caught_by_the_range_check_and_the_server() {
    let sandbox = ops_sandbox();
    let server = sandbox.outside("server.git");
    sandbox.git(&["init", "-q", "--bare", server.to_str().expect("utf-8")]);
    sandbox.docket_in(&server, &["hook", "install", "--server"], &[], "").ok();
    assert!(server.join("hooks/pre-receive").is_file());
    sandbox.git(&["remote", "add", "origin", server.to_str().expect("utf-8")]);
    sandbox.git(&["push", "-q", "origin", "main"]);

    let base = head(&sandbox);
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    sandbox.write("issues/k3x9q2.toml", SKIPPED.replace("scheduling", "validation").as_str());
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "smuggled"]);
    sandbox.write("README.md", "notes\n");
    sandbox.git(&["add", "README.md"]);
    sandbox.git(&["commit", "-qm", "innocent"]);

    // CI: the range check finds the middle commit.
    let run = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`planning` → `validation`"), "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(
        sandbox.docket(&["check", "--json", "--range", &format!("{}..HEAD", base.trim())]).stdout.as_str(),
    )
    .expect("json");
    assert_eq!(json["commits"], 3);
    let violation = &json["violations"][0];
    assert_eq!(violation["path"], "issues/k3x9q2.toml");
    assert_eq!(violation["rule"], "workflow.transition");
    assert_eq!(violation["severity"], "error");
    assert_eq!(violation["line"], 3);
    assert_eq!(violation["commit"], sandbox.git(&["rev-parse", "HEAD~1"]).trim());

    // pre-push refuses locally; with --no-verify the server still refuses.
    let run = sandbox.git_with(&["push", "origin", "main"], &[]);
    assert_ne!(run.code, 0, "pre-push must refuse: {}", run.stderr);
    assert!(!run.stderr.contains("remote:"), "refused before the server is asked: {}", run.stderr);
    let run = sandbox.git_with(&["push", "--no-verify", "origin", "main"], &[]);
    assert_ne!(run.code, 0, "the server must refuse: {}", run.stderr);
    assert!(run.stderr.contains("docket refused the push"), "{}", run.stderr);
    let server_head = sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout;
    assert_eq!(server_head, base, "the server's branch did not move");

    // A new branch pushed with the same history is refused too.
    let run = sandbox.git_with(&["push", "--no-verify", "origin", "main:feature"], &[]);
    assert_ne!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_merge_of_legal_steps_is_accepted() {
    let sandbox = ops_sandbox();
    sandbox.git(&["checkout", "-q", "-b", "side"]);
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    let scheduled = PLANNED.replace("\"planning\"", "\"scheduling\"")
        + "gameplan = \"macro\"\n[rice]\nreach = 1\nimpact = 1\nconfidence = 1\neffort = 1\n";
    sandbox.write("issues/k3x9q2.toml", &scheduled);
    sandbox.git(&["commit", "-qam", "schedule"]);
    sandbox.git(&["checkout", "-q", "main"]);
    sandbox.write("README.md", "main moves on\n");
    sandbox.git(&["add", "README.md"]);
    sandbox.git(&["commit", "-qm", "readme"]);
    // Merging brings triage → scheduling in one jump, made of two legal steps.
    let run = sandbox.git_with(&["merge", "-q", "--no-edit", "side"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let base = sandbox.git(&["rev-parse", "HEAD~1"]);
    let run = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A record edited on both sides of a merge, where one side moved it in two legal steps: the
/// merged version is a legal step from that side (only the other side's edit added), so the
/// merge is accepted by pre-merge-commit and by `check --range`; a hand resolution that also
/// drops what the last step required is a legal step from neither side, and refused.
#[test]
fn a_merge_of_a_record_moved_on_one_side_and_edited_on_the_other_is_judged_from_that_side() {
    let sandbox = ops_sandbox();
    let base = head(&sandbox);
    sandbox.git(&["checkout", "-q", "-b", "side"]);
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    let scheduled = PLANNED.replace("\"planning\"", "\"scheduling\"")
        + "gameplan = \"macro\"\n[rice]\nreach = 1\nimpact = 1\nconfidence = 1\neffort = 1\n";
    sandbox.write("issues/k3x9q2.toml", &scheduled);
    sandbox.git(&["commit", "-qam", "schedule"]);
    sandbox.git(&["checkout", "-q", "main"]);
    let retitled = sandbox.read("issues/k3x9q2.toml").replace("Refund macro", "Refund macro for Stripe");
    sandbox.write("issues/k3x9q2.toml", &retitled);
    sandbox.git(&["commit", "-qam", "retitle"]);
    // git merges the lines itself: the title from main, the stage and the rest from the side.
    let run = sandbox.git_with(&["merge", "-q", "--no-edit", "side"], &[]);
    assert_eq!(run.code, 0, "pre-merge-commit accepts it: {}", run.stderr);
    let merged = sandbox.read("issues/k3x9q2.toml");
    assert!(merged.contains("Refund macro for Stripe") && merged.contains("\"scheduling\""), "{merged}");
    let run = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // The same merge resolved by hand without the gameplan: refused at the commit.
    sandbox.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let run = sandbox.git_with(&["merge", "-q", "--no-commit", "side"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dropped = sandbox.read("issues/k3x9q2.toml").replace("gameplan = \"macro\"\n", "");
    sandbox.write("issues/k3x9q2.toml", &dropped);
    sandbox.git(&["add", "issues/k3x9q2.toml"]);
    let run = sandbox.git_with(&["commit", "--no-edit"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("gameplan"), "{}", run.stderr);
    // Committed anyway: the range check refuses it too.
    sandbox.git(&["commit", "-q", "--no-verify", "--no-edit"]);
    let run = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn time_rules_use_the_commit_time_and_history() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    let bug = |status: &str, assignee: &str| {
        format!(
            "title = \"[MIR] libfoo\"\npackage = \"libfoo\"\nstatus = \"{status}\"\nassignee = \"{assignee}\"\nsubscribers = [\"~ubuntu-mir\"]\n"
        )
    };
    sandbox.write("mir/libfoo.toml", &bug("confirmed", "didrocks"));
    sandbox.commit_all("filed and triaged");
    sandbox.docket(&["hook", "install"]).ok();
    let entered = "2026-09-01T10:00:00Z";
    sandbox.write("mir/libfoo.toml", &bug("incomplete", "didrocks"));
    let run = sandbox
        .git_with(&["commit", "-qam", "questions"], &[("GIT_COMMITTER_DATE", entered), ("GIT_AUTHOR_DATE", entered)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    sandbox.write("mir/libfoo.toml", &bug("invalid", ""));
    // 59 days after entering Incomplete: refused.
    let day59 = "2026-10-30T10:00:00Z";
    let run = sandbox.git_with(&["commit", "-qam", "expire"], &[("GIT_COMMITTER_DATE", day59)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("allowed only after 60 days in `incomplete`: 59 so far, since 2026-09-01"),
        "{}",
        run.stderr
    );
    // 61 days: accepted.
    let day61 = "2026-11-01T10:00:00Z";
    let run = sandbox.git_with(&["commit", "-qam", "expire"], &[("GIT_COMMITTER_DATE", day61)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // With the history cache built (by `log`), a range check still judges each commit by the
    // history as of its parent, not as of HEAD (where the bug is no longer Incomplete).
    sandbox.docket_with(&["log", "libfoo"], &[("DOCKET_HISTORY_WALK_AT", "0")], "").ok();
    assert!(sandbox.root().join(".git/docket/history/state.json").is_file());
    let range = sandbox.docket(&["check", "--range", "HEAD~2..HEAD"]);
    assert_eq!(range.code, 0, "{}", range.stderr);
}

#[test]
fn a_deleted_record_is_refused() {
    let sandbox = ops_sandbox();
    sandbox.git(&["rm", "-q", "issues/k3x9q2.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "remove"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("was deleted in state `triage`"), "{}", run.stderr);
}

#[test]
fn a_new_record_must_start_right() {
    let sandbox = ops_sandbox();
    sandbox.write("issues/new001.toml", SKIPPED);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "arrives late"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("a record in `scheduling`: needs `gameplan`"), "{}", run.stderr);
}

/// Clearing a rule's trigger in the same commit as the move it guards does not escape the
/// rule: refused by pre-commit, and by `check --range` for a commit made with `--no-verify`.
#[test]
fn clearing_a_rules_trigger_with_the_move_is_refused_everywhere() {
    let sandbox = ops_sandbox();
    let flagged = "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"triage\"\napproval_required = true\n";
    sandbox.write("issues/k3x9q2.toml", flagged);
    sandbox.git(&["commit", "-qam", "needs approval"]);
    let base = sandbox.git(&["rev-parse", "HEAD"]);
    let escaped = "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"planning\"\nlabels = [\"customer::smb\", \"priority::high\"]\napproval_required = false\n";
    sandbox.write("issues/k3x9q2.toml", escaped);
    let run = sandbox.git_with(&["commit", "-qam", "skip approval"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_rule_trigger_cleared", run.stderr);
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), escaped, "the work tree is untouched");
    sandbox.git(&["commit", "-qam", "skip approval", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("rule `approval`, which applied before this change"), "{}", range.stderr);
}

/// A tracker like [`ops_sandbox`]'s, pushed to a bare server with docket's pre-receive hook.
fn ops_sandbox_with_server() -> (Sandbox, std::path::PathBuf) {
    let sandbox = ops_sandbox();
    let server = sandbox.outside("server.git");
    sandbox.git(&["init", "-q", "--bare", server.to_str().expect("utf-8")]);
    sandbox.docket_in(&server, &["hook", "install", "--server"], &[], "").ok();
    sandbox.git(&["remote", "add", "origin", server.to_str().expect("utf-8")]);
    sandbox.git(&["push", "-q", "origin", "main"]);
    (sandbox, server)
}

/// Files no command would read as records, or would follow out of the repository — a bad
/// name, a folder named like a record, a symbolic link, a second file with an existing id —
/// are refused by pre-commit, by `check --range` and by the server, each with a fix.
#[test]
fn entries_that_are_not_records_are_refused_everywhere() {
    let (sandbox, server) = ops_sandbox_with_server();
    let base = head(&sandbox);
    let done = "title = \"Sneaky\"\ntype = \"feature\"\nstage = \"completed\"\n";
    sandbox.write("issues/Sneaky.toml", done);
    sandbox.write("issues/evil.toml/README", "hostile\n");
    sandbox.write("milestones/k3x9q2.toml", "title = \"Same id\"\n");
    std::os::unix::fs::symlink("/etc/passwd", sandbox.root().join("issues/p.toml")).expect("link");
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "hostile"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_entries_not_records", run.stderr);
    assert_eq!(head(&sandbox), base, "HEAD did not move");

    sandbox.git(&["commit", "-qm", "hostile", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    for rule in ["error[id.invalid]", "error[file.name]", "error[file.type]", "error[id.duplicate]"] {
        assert!(range.stderr.contains(rule), "{rule}: {}", range.stderr);
    }
    let push = sandbox.git_with(&["push", "--no-verify", "origin", "main"], &[]);
    assert_ne!(push.code, 0, "the server must refuse: {}", push.stderr);
    assert!(push.stderr.contains("error[file.type]"), "{}", push.stderr);
    assert_eq!(sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout, base, "the server's branch did not move");
    // The work tree reports the same, and never shows what the link points to.
    let check = sandbox.docket(&["check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stderr.contains("`issues/p.toml` is a symbolic link"), "{}", check.stderr);
    assert!(!check.stdout.contains("root:") && !check.stderr.contains("root:"), "{}", check.stderr);
}

/// A record file replaced by a link to another (closed) record in a later commit is refused
/// too: the change is judged by what the new entry is, not only by its text.
#[test]
fn a_record_replaced_by_a_link_is_refused() {
    let (sandbox, _server) = ops_sandbox_with_server();
    sandbox.write("issues/done1.toml", "title = \"Done\"\ntype = \"feature\"\nstage = \"triage\"\n");
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["commit", "-qm", "another"]);
    std::fs::remove_file(sandbox.root().join("issues/k3x9q2.toml")).expect("remove");
    std::os::unix::fs::symlink("done1.toml", sandbox.root().join("issues/k3x9q2.toml")).expect("link");
    let run = sandbox.git_with(&["commit", "-qam", "link"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[file.type]"), "{}", run.stderr);
}

/// A parked issue's way back cannot be rewritten: blocked from `planning`, committed, then
/// `previous_stage` changed to `validation` is refused by pre-commit and by `check --range`.
#[test]
fn a_parked_records_way_back_cannot_be_rewritten() {
    let sandbox = ops_sandbox();
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    sandbox.docket(&["move", "k3x9q2", "blocked", "blocked_reason=waiting on the vendor"]).ok();
    assert!(sandbox.read("issues/k3x9q2.toml").contains("previous_stage = \"planning\""));
    sandbox.git(&["commit", "-qam", "block"]);
    let base = head(&sandbox);
    // `set` asks the same judge.
    let before = sandbox.read("issues/k3x9q2.toml");
    let set = sandbox.docket(&["set", "k3x9q2", "previous_stage=validation"]);
    assert_eq!(set.code, 1, "{}", set.stderr);
    assert!(set.stderr.contains("error[workflow.parked]"), "{}", set.stderr);
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), before, "set changed nothing");
    let rewritten =
        sandbox.read("issues/k3x9q2.toml").replace("previous_stage = \"planning\"", "previous_stage = \"validation\"");
    sandbox.write("issues/k3x9q2.toml", &rewritten);
    let run = sandbox.git_with(&["commit", "-qam", "new way back"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_parked_way_back", run.stderr);
    sandbox.git(&["commit", "-qam", "new way back", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("error[workflow.parked]"), "{}", range.stderr);
}

/// What a record names is judged by one function: `set`, `new`, the hook, `check --range`
/// and `check` give the same answer for a milestone, a `blocked_by` id and an assignee that
/// do not exist.
#[test]
fn references_are_judged_alike_everywhere() {
    let sandbox = ops_sandbox();
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &format!("{config}[team]\nmembers = [\"ana\", \"bo\"]\n"));
    sandbox.git(&["commit", "-qam", "team"]);
    let before = sandbox.read("issues/k3x9q2.toml");
    for (assignment, rule_text) in [
        ("milestone=nope", "the milestone `nope` does not exist"),
        ("blocked_by+=zzzzzz", "`blocked_by` names `zzzzzz`, which does not exist"),
        ("assignee=mallory", "`mallory` is not a member of the team"),
    ] {
        let run = sandbox.docket(&["set", "k3x9q2", assignment]);
        assert_eq!(run.code, 1, "{assignment}: {}", run.stderr);
        assert!(run.stderr.contains(rule_text), "{assignment}: {}", run.stderr);
        assert_eq!(sandbox.read("issues/k3x9q2.toml"), before, "{assignment} changed nothing");
    }
    let new = sandbox.docket(&["new", "issue", "-t", "Orphan", "--milestone", "nope"]);
    assert_eq!(new.code, 1, "{}", new.stderr);
    assert!(new.stderr.contains("the milestone `nope` does not exist"), "{}", new.stderr);

    let base = head(&sandbox);
    sandbox.write(
        "issues/k3x9q2.toml",
        &format!("{before}milestone = \"nope\"\nassignee = \"mallory\"\nblocked_by = [\"zzzzzz\"]\n"),
    );
    let run = sandbox.git_with(&["commit", "-qam", "dangling"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_dangling_references", run.stderr);
    sandbox.git(&["commit", "-qam", "dangling", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{}..HEAD", base.trim())]);
    let tree = sandbox.docket(&["check"]);
    for run in [&range, &tree] {
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.stderr.matches("error[record.reference]").count(), 3, "{}", run.stderr);
    }
}

/// History cannot be rewound past the server: a force-push, a merge that keeps an old version
/// (`-s ours`), and a deletion of the protected branch are refused, by pre-push, by the
/// server and by `check --range`, because a ref update is judged by what it does to each
/// record, not only by its new commits.
#[test]
fn history_cannot_be_rewound_past_the_server() {
    let (sandbox, server) = ops_sandbox_with_server();
    let base = head(&sandbox).trim().to_owned();
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    sandbox.git(&["push", "-q", "origin", "main"]);
    let planned = head(&sandbox).trim().to_owned();
    let server_main = || sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout.trim().to_owned();

    // A force-push back to the commit before the move.
    let run = sandbox.git_with(&["push", "--force", "origin", &format!("{base}:main")], &[]);
    assert_ne!(run.code, 0, "pre-push must refuse: {}", run.stderr);
    assert!(!run.stderr.contains("remote:"), "refused before the server is asked: {}", run.stderr);
    let run = sandbox.git_with(&["push", "--force", "--no-verify", "origin", &format!("{base}:main")], &[]);
    assert_ne!(run.code, 0, "the server must refuse: {}", run.stderr);
    let refusal: String =
        run.stderr.lines().filter(|l| l.starts_with("remote: ")).flat_map(|l| [l.trim_end(), "\n"]).collect();
    insta::assert_snapshot!("receive_rewind", refusal.replace(&base[..12], "<base>"));
    assert_eq!(server_main(), planned);

    // A merge that keeps the old version: fast-forward for git, a rewind for the record.
    sandbox.git(&["checkout", "-q", "-b", "stale", &base]);
    sandbox.git(&["merge", "-q", "-s", "ours", "--no-verify", "-m", "keep ours", "main"]);
    let stale = head(&sandbox).trim().to_owned();
    assert!(sandbox.read("issues/k3x9q2.toml").contains("stage = \"triage\""));
    let range = sandbox.docket(&["check", "--range", &format!("{planned}..{stale}")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("error[workflow.result]"), "{}", range.stderr);
    assert!(range.stderr.contains("from `planning` to `triage`"), "{}", range.stderr);
    let run = sandbox.git_with(&["push", "--no-verify", "origin", "stale:main"], &[]);
    assert_ne!(run.code, 0, "the server must refuse: {}", run.stderr);
    assert!(run.stderr.contains("error[workflow.result]"), "{}", run.stderr);
    assert!(!run.stderr.contains("branch.rewind"), "a fast-forward is no force-push: {}", run.stderr);
    assert_eq!(server_main(), planned);

    // Deleting the protected branch (to re-create it at an old commit).
    let run = sandbox.git_with(&["push", "--no-verify", "origin", ":main"], &[]);
    assert_ne!(run.code, 0, "the server must refuse: {}", run.stderr);
    assert!(run.stderr.contains("error[branch.delete]"), "{}", run.stderr);
    assert_eq!(server_main(), planned);
}

/// A force-push from a clone that has not fetched the server's tip: pre-push cannot judge
/// what it does not have, so it leaves the verdict to the server (which refuses the rewind
/// of the protected branch) instead of failing on an unknown commit.
#[test]
fn a_pre_push_over_a_tip_this_clone_never_fetched_is_left_to_the_server() {
    let (sandbox, server) = ops_sandbox_with_server();
    let other = sandbox.outside("other");
    sandbox.git(&["clone", "-q", "-b", "main", server.to_str().expect("utf-8"), other.to_str().expect("utf-8")]);
    std::fs::write(other.join("README.md"), "from the other clone\n").expect("write");
    for args in [
        &["add", "README.md"][..],
        &["-c", "user.name=Other", "-c", "user.email=other@example.com", "commit", "-qm", "other"],
        &["push", "-q", "origin", "main"],
    ] {
        let run = sandbox.git_in(&other, args, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let theirs = sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout;
    sandbox.write("README.md", "ours\n");
    sandbox.git(&["add", "README.md"]);
    sandbox.git(&["commit", "-qm", "ours"]);
    let run = sandbox.git_with(&["push", "--force", "origin", "main"], &[]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("remote: ") && run.stderr.contains("error[branch.rewind]"),
        "the server judged: {}",
        run.stderr
    );
    assert_eq!(sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout, theirs);
}

/// Branches outside `[branches] protected` may be force-pushed and deleted, as long as no
/// record is rewound; a protected one may not, even when no record changes.
#[test]
fn the_push_policy_protects_the_branches_it_names() {
    let (sandbox, server) = ops_sandbox_with_server();
    let base = head(&sandbox).trim().to_owned();
    sandbox.write("README.md", "notes\n");
    sandbox.git(&["add", "README.md"]);
    sandbox.git(&["commit", "-qm", "notes"]);
    sandbox.git(&["push", "-q", "origin", "main", "main:feature"]);
    let run = sandbox.git_with(&["push", "--force", "--no-verify", "origin", &format!("{base}:feature")], &[]);
    assert_eq!(run.code, 0, "an unprotected branch may be rewound: {}", run.stderr);
    let run = sandbox.git_with(&["push", "--no-verify", "origin", ":feature"], &[]);
    assert_eq!(run.code, 0, "and deleted: {}", run.stderr);
    let run = sandbox.git_with(&["push", "--force", "--no-verify", "origin", &format!("{base}:main")], &[]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("error[branch.rewind]"), "{}", run.stderr);
    assert!(!run.stderr.contains("workflow.result"), "no record moved: {}", run.stderr);
    // Taking main out of the list allows it.
    sandbox.write("docket.toml", &format!("{}[branches]\nprotected = []\n", sandbox.read("docket.toml")));
    sandbox.git(&["commit", "-qam", "unprotect"]);
    sandbox.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let unprotected = head(&sandbox).trim().to_owned();
    sandbox.git(&["reset", "-q", "--hard", "HEAD~1"]);
    sandbox.write("docket.toml", &format!("{}[branches]\nprotected = []\n# again\n", sandbox.read("docket.toml")));
    sandbox.git(&["commit", "-qam", "unprotect again"]);
    let run = sandbox.git_with(&["push", "--force", "--no-verify", "origin", "main"], &[]);
    assert_eq!(run.code, 0, "the policy at the old tip allows it: {}", run.stderr);
    assert_ne!(sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout.trim(), unprotected);
}

/// The pre-commit framework's push entry (as `.pre-commit-hooks.yaml` writes it) checks every
/// branch a push could bring, not only the first pushed ref, and works on a first push, when
/// the remote has nothing yet.
#[test]
fn the_pre_commit_frameworks_push_entry_checks_every_branch() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.pre-commit-hooks.yaml")).expect("read");
    let entry = manifest
        .split("- id: ")
        .find(|hook| hook.starts_with("docket-check-push"))
        .and_then(|hook| hook.lines().find_map(|l| l.trim().strip_prefix("entry: ")))
        .expect("the push entry")
        .to_owned();
    let entry = entry.strip_prefix("sh -c '").and_then(|e| e.strip_suffix('\'')).expect("a shell command");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_docket")).parent().expect("folder").display().to_string();
    let path = format!("{bin}:{}", std::env::var("PATH").unwrap_or_default());
    let sandbox = ops_sandbox();
    let server = sandbox.outside("server.git");
    sandbox.git(&["init", "-q", "--bare", server.to_str().expect("utf-8")]);
    sandbox.git(&["remote", "add", "origin", server.to_str().expect("utf-8")]);
    let entry_run = || {
        let output = std::process::Command::new("sh")
            .args(["-c", entry])
            .current_dir(sandbox.root())
            .env("PATH", &path)
            .env_remove("PRE_COMMIT_REMOTE_NAME")
            .output()
            .expect("sh runs");
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
    };
    // A first push: the remote has nothing; every commit is checked, and all are legal.
    let (code, stderr) = entry_run();
    assert_eq!(code, 0, "{stderr}");
    // An illegal commit on another branch than the one checked out.
    sandbox.git(&["checkout", "-q", "-b", "side"]);
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "skip planning"]);
    sandbox.git(&["checkout", "-q", "main"]);
    sandbox.write("README.md", "notes\n");
    sandbox.git(&["add", "README.md"]);
    sandbox.git(&["commit", "-qm", "notes"]);
    let (code, stderr) = entry_run();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("`triage` → `scheduling`"), "{stderr}");
    // Once the remote has the legal branch, the illegal one is still found.
    sandbox.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let (code, stderr) = entry_run();
    assert_eq!(code, 1, "{stderr}");
    sandbox.git(&["branch", "-q", "-D", "side"]);
    let (code, stderr) = entry_run();
    assert_eq!(code, 0, "{stderr}");
}

/// A merge whose conflict is resolved to the stale side takes a record back: refused when the
/// merge is committed, and by `check --range` at the merge even when the range as a whole
/// ends where it began.
#[test]
fn a_conflict_resolved_to_the_stale_version_is_refused() {
    let sandbox = ops_sandbox();
    let base = head(&sandbox).trim().to_owned();
    sandbox.git(&["checkout", "-q", "-b", "old"]);
    sandbox.write(
        "issues/k3x9q2.toml",
        &"title = \"Refund macro\"\ntype = \"feature\"\nstage = \"triage\" # moved by dylan\n"
            .replace("Refund macro", "Refund macros"),
    );
    sandbox.git(&["commit", "-qam", "retitle"]);
    sandbox.git(&["checkout", "-q", "main"]);
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan"]);
    // Merged cleanly by the driver, or in conflict: either way, the resolution takes theirs.
    sandbox.git_with(&["merge", "--no-ff", "--no-commit", "old"], &[]);
    sandbox.git(&["checkout", "old", "--", "issues/k3x9q2.toml"]);
    sandbox.git(&["add", "issues/k3x9q2.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "merge old, keeping its version"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[workflow.result]"), "{}", run.stderr);
    assert!(run.stderr.contains("from `planning` to `triage`"), "{}", run.stderr);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "merge old, keeping its version"]);
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["check", "--json", "--range", &format!("{base}..HEAD")]).stdout.as_str())
            .expect("json");
    let violations = json["violations"].as_array().expect("array");
    assert_eq!(violations.len(), 1, "{json}");
    assert_eq!(violations[0]["rule"], "workflow.result");
    assert_eq!(violations[0]["commit"], head(&sandbox).trim());
}

/// A commit that loosens the workflow cannot use the looser rules itself: records are judged
/// by the policy in force before the commit. The same change in two commits is a policy
/// change, then a legal move.
#[test]
fn loosening_the_workflow_in_the_same_commit_does_not_help() {
    let sandbox = ops_sandbox();
    let base = head(&sandbox).trim().to_owned();
    let loose = "name = \"loose\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"triage\"\n[states.triage]\n[states.completed]\nterminal = true\n[[transitions]]\nfrom = \"triage\"\nto = \"completed\"\n";
    sandbox.write("workflows/loose.toml", loose);
    let config = sandbox.read("docket.toml").replace("issue = \"ops\"", "issue = \"loose\"");
    sandbox.write("docket.toml", &config);
    let done = "title = \"Refund macro\"\ntype = \"feature\"\nstage = \"completed\" # moved by dylan\n";
    sandbox.write("issues/k3x9q2.toml", done);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "loosen and skip"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`triage` → `completed` is not a transition of the `ops` workflow"), "{}", run.stderr);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "loosen and skip"]);
    let range = sandbox.docket(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("`ops` workflow"), "{}", range.stderr);
    // In two commits: the policy change is accepted (it is valid), then the move under it.
    sandbox.git(&["reset", "-q", "--hard", &base]);
    sandbox.write("workflows/loose.toml", loose);
    sandbox.write("docket.toml", &config);
    sandbox.git(&["add", "-A"]);
    assert_eq!(sandbox.git_with(&["commit", "-qm", "loosen"], &[]).code, 0);
    sandbox.write("issues/k3x9q2.toml", done);
    let run = sandbox.git_with(&["commit", "-qam", "finish"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A rename is judged as what it is: a record moved to a shard folder is the same record (its
/// move judged as one); a record given another id, byte for byte, is renamed (see
/// `a_renamed_record_takes_its_references_along`); one given another id *and* changed is the
/// old one deleted.
#[test]
fn renames_are_judged_as_moves_or_deletions() {
    let sandbox = ops_sandbox();
    std::fs::create_dir_all(sandbox.root().join("issues/k3")).expect("folder");
    sandbox.git(&["mv", "issues/k3x9q2.toml", "issues/k3/k3x9q2.toml"]);
    sandbox.write("issues/k3/k3x9q2.toml", SKIPPED);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "reshard and skip"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`triage` → `scheduling`"), "{}", run.stderr);
    sandbox.git(&["reset", "-q", "--hard"]);
    // The other way round, from a shard back to the flat layout.
    std::fs::create_dir_all(sandbox.root().join("issues/k3")).expect("folder");
    sandbox.git(&["mv", "issues/k3x9q2.toml", "issues/k3/k3x9q2.toml"]);
    sandbox.git(&["commit", "-qm", "reshard"]);
    sandbox.git(&["mv", "issues/k3/k3x9q2.toml", "issues/k3x9q2.toml"]);
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "flatten and skip"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("`triage` → `scheduling`"), "{}", run.stderr);
    sandbox.git(&["reset", "-q", "--hard"]);
    sandbox.git(&["mv", "issues/k3/k3x9q2.toml", "issues/k3x9q2.toml"]);
    sandbox.git(&["commit", "-qm", "flatten"]);
    sandbox.git(&["mv", "issues/k3x9q2.toml", "issues/other1.toml"]);
    sandbox.write("issues/other1.toml", SKIPPED);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qam", "rename and skip"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[workflow.delete]"), "{}", run.stderr);
    sandbox.git(&["reset", "-q", "--hard"]);
    sandbox.git(&["mv", "issues/k3x9q2.toml", "issues/other1.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "rename"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A record that another still names cannot be deleted alone: the milestone its issue points
/// to is refused by pre-commit, `check --range` and the server; deleted with the reference
/// removed in the same commit, it goes through.
#[test]
fn a_record_still_named_cannot_be_deleted() {
    let (sandbox, server) = ops_sandbox_with_server();
    sandbox.write("milestones/m1.toml", "title = \"M1\"\nstage = \"planning\"\n");
    let issue = sandbox.read("issues/k3x9q2.toml");
    sandbox.write("issues/k3x9q2.toml", &format!("{issue}milestone = \"m1\"\n"));
    // A record that mentions m1 only in its text, and names another record: no reference to m1.
    sandbox.write(
        "issues/f0ll0w.toml",
        "title = 'Follow-up to \"m1\"'\ntype = \"feature\"\nstage = \"triage\"\nblocked_by = [\"k3x9q2\"]\n",
    );
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["commit", "-qm", "milestone"]);
    sandbox.git(&["push", "-q", "origin", "main"]);
    let base = head(&sandbox).trim().to_owned();
    sandbox.git(&["rm", "-q", "milestones/m1.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "drop m1"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("hook_deleted_but_named", run.stderr);
    sandbox.git(&["commit", "-qm", "drop m1", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("`m1` is deleted, but issues/k3x9q2.toml still names it"), "{}", range.stderr);
    let push = sandbox.git_with(&["push", "--no-verify", "origin", "main"], &[]);
    assert_ne!(push.code, 0, "{}", push.stderr);
    assert!(push.stderr.contains("`m1` is deleted, but issues/k3x9q2.toml still names it"), "{}", push.stderr);
    assert_eq!(sandbox.git_in(&server, &["rev-parse", "main"], &[]).stdout.trim(), base);
    // With the reference removed in the same commit: accepted.
    sandbox.git(&["reset", "-q", "--hard", &base]);
    sandbox.git(&["rm", "-q", "milestones/m1.toml"]);
    sandbox.docket(&["set", "k3x9q2", "--unset", "milestone"]).ok();
    let run = sandbox.git_with(&["commit", "-qam", "drop m1 and its use"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A commit that breaks `docket.toml` or a workflow file is refused with the problem located,
/// by pre-commit and by `check --range`: a tracker no command can read cannot land.
#[test]
fn a_broken_policy_cannot_be_committed() {
    let sandbox = ops_sandbox();
    let base = head(&sandbox).trim().to_owned();
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &config.replace("issue = \"ops\"", "issue = \"opps\""));
    let run = sandbox.git_with(&["commit", "-qam", "typo"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("opps"), "{}", run.stderr);
    sandbox.git(&["commit", "-qam", "typo", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    // A later commit that changes a record under the broken policy cannot be judged: it is
    // refused too, by its own name, and the check goes on rather than stopping at it.
    let typo = head(&sandbox).trim().to_owned();
    sandbox.write("issues/k3x9q2.toml", &sandbox.read("issues/k3x9q2.toml").replace("Refund macro", "Refund"));
    sandbox.git(&["commit", "-qam", "retitle", "--no-verify"]);
    let retitle = head(&sandbox).trim().to_owned();
    let range = sandbox.docket(&["check", "--json", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    let json: serde_json::Value = serde_json::from_str(&range.stdout).expect("json");
    let found: Vec<(&str, &str)> = json["violations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|v| (v["rule"].as_str().expect("rule"), v["commit"].as_str().expect("commit")))
        .collect();
    assert_eq!(found, [("policy.invalid", typo.as_str()), ("policy.unreadable", retitle.as_str())]);
    let text = sandbox.docket(&["check", "--range", &format!("{typo}..HEAD")]);
    insta::assert_snapshot!("hook_policy_unreadable", text.stderr.replace(&retitle[..12], "<commit>"));
    // A workflow file that does not parse, in a commit of its own.
    sandbox.git(&["reset", "-q", "--hard", &base]);
    sandbox.write(
        "workflows/mine.toml",
        "name = \"mine\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"a\"\n[states.b]\n",
    );
    sandbox.write("docket.toml", &config.replace("issue = \"ops\"", "issue = \"mine\""));
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "my workflow"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("workflows/mine.toml"), "{}", run.stderr);
}

/// A deletion refused both by its commit and by where the range ends is reported once, and
/// the counts of files and commits judged add up.
#[test]
fn one_problem_is_reported_once() {
    let sandbox = ops_sandbox();
    let base = head(&sandbox).trim().to_owned();
    sandbox.git(&["rm", "-q", "issues/k3x9q2.toml"]);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "drop it"]);
    let run = sandbox.docket(&["check", "--json", "--range", &format!("{base}..HEAD")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
    let rules: Vec<&str> =
        json["violations"].as_array().expect("array").iter().map(|v| v["rule"].as_str().expect("rule")).collect();
    assert_eq!(rules, ["workflow.delete"]);
    assert_eq!(
        (json["commits"].as_u64(), json["files"].as_u64()),
        (Some(1), Some(2)),
        "one commit; the file judged by it and by the range's end"
    );
}

/// The finalize gate through git: a milestone whose Deliverables weigh more than its capacity
/// cannot be committed as `finalized` (the Deliverables are read from the commit); marked
/// Stretch, the overflow no longer counts.
#[test]
fn the_finalize_gate_reads_the_deliverables_from_git() {
    let sandbox = ops_sandbox();
    let planning = "title = \"M1\"\nstage = \"planning\"\nstart = 2027-03-01\nend = 2027-03-12\n[capacity]\nana = 2\n";
    sandbox.write("milestones/m1.toml", planning);
    let issue = "title = \"Big\"\ntype = \"feature\"\nstage = \"scheduling\"\nmilestone = \"m1\"\nweight = 5\nlabels = [\"customer::smb\", \"priority::1\", \"Deliverable\"]\n";
    sandbox.write("issues/big001.toml", issue);
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "plan m1"]);
    sandbox.write("milestones/m1.toml", &planning.replace("stage = \"planning\"", "stage = \"finalized\""));
    let run = sandbox.git_with(&["commit", "-qam", "finalize"], &[("GIT_COMMITTER_DATE", "2026-12-01T10:00:00Z")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("the Deliverables weigh 5, over the capacity"), "{}", run.stderr);
    sandbox.write("issues/big001.toml", &issue.replace("\"Deliverable\"", "\"Stretch\""));
    let run = sandbox.git_with(&["commit", "-qam", "finalize"], &[("GIT_COMMITTER_DATE", "2026-12-01T10:00:00Z")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A record whose committed version docket cannot read is judged, when repaired, for what it
/// is, not as a record arriving: fixing a broken file of a planned issue is not refused for
/// skipping triage.
#[test]
fn repairing_an_unreadable_record_is_judged_as_it_stands() {
    let sandbox = ops_sandbox();
    // In scheduling without the gameplan planning asks for (let in, say, by an older docket).
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "scheduled"]);
    sandbox.write("issues/k3x9q2.toml", &SKIPPED.replace("title = \"Refund macro\"", "title = \"Refund macro"));
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "broken"]);
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    let run = sandbox.git_with(&["commit", "-qam", "repair"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The commits of a range are judged oldest first, so their diagnostics come in the order the
/// commits were made: from `check --range`, from `check --unpushed` and from the server.
#[test]
fn the_commits_of_a_range_are_judged_oldest_first() {
    let (sandbox, _server) = ops_sandbox_with_server();
    let second = PLANNED.replace("planning", "triage").replace("Refund macro", "Chargeback macro");
    sandbox.write("issues/m7q2z4.toml", &second);
    sandbox.git(&["add", "issues/m7q2z4.toml"]);
    sandbox.git(&["commit", "-qm", "a second request"]);
    sandbox.git(&["push", "-q", "origin", "main"]);
    let base = head(&sandbox).trim().to_owned();
    // Two illegal jumps, smuggled past pre-commit: the older one in k3x9q2.
    sandbox.write("issues/k3x9q2.toml", SKIPPED);
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "skip one"]);
    sandbox.write("issues/m7q2z4.toml", &second.replace("triage", "scheduling"));
    sandbox.git(&["commit", "-q", "--no-verify", "-am", "skip two"]);
    let (older, newer) = (sandbox.git(&["rev-parse", "HEAD~1"]), head(&sandbox));
    for args in
        [&["check", "--json", "--range", &format!("{base}..HEAD")][..], &["check", "--json", "--unpushed", "origin"]]
    {
        let run = sandbox.docket(args);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let transitions: Vec<(&str, &str)> = json["violations"]
            .as_array()
            .expect("violations")
            .iter()
            .filter(|v| v["rule"] == "workflow.transition")
            .map(|v| (v["path"].as_str().unwrap_or(""), v["commit"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(
            transitions,
            [("issues/k3x9q2.toml", older.trim()), ("issues/m7q2z4.toml", newer.trim())],
            "{args:?}"
        );
    }
    // The server, for the branch and as a new branch; pre-push for a new branch.
    for args in [
        &["push", "--no-verify", "origin", "main"][..],
        &["push", "--no-verify", "origin", "main:fresh"],
        &["push", "origin", "main:fresh"],
    ] {
        let run = sandbox.git_with(args, &[]);
        assert_ne!(run.code, 0, "{}", run.stderr);
        let first = |path: &str| run.stderr.find(&format!("issues/{path}.toml")).expect("named");
        assert!(first("k3x9q2") < first("m7q2z4"), "{args:?}: the older commit's record first: {}", run.stderr);
    }
}

/// `check --unpushed` (the pre-commit framework's push stage, or a look before pushing): the
/// commits no remote branch has, and where each branch ahead of its remote copy would take it;
/// nothing to push is nothing to refuse.
#[test]
fn check_unpushed_judges_what_a_push_would_send() {
    let (sandbox, _server) = ops_sandbox_with_server();
    let clean = sandbox.docket(&["check", "--unpushed", "origin", "--json"]);
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let json: serde_json::Value = serde_json::from_str(&clean.stdout).expect("json");
    assert_eq!((json["commits"].as_u64(), json["files"].as_u64()), (Some(0), Some(0)));
    // Two commits: a legal move, then a record deleted where its workflow keeps records.
    sandbox.write("issues/k3x9q2.toml", PLANNED);
    sandbox.git(&["commit", "-qam", "plan", "--no-verify"]);
    let legal = sandbox.docket(&["check", "--unpushed", "origin", "--json"]);
    assert_eq!(legal.code, 0, "{}", legal.stderr);
    let json: serde_json::Value = serde_json::from_str(&legal.stdout).expect("json");
    // One commit, its file judged by the commit and by where the branch would go.
    assert_eq!((json["commits"].as_u64(), json["files"].as_u64()), (Some(1), Some(2)));
    sandbox.git(&["rm", "-q", "issues/k3x9q2.toml"]);
    sandbox.git(&["commit", "-qm", "drop", "--no-verify"]);
    let refused = sandbox.docket(&["check", "--unpushed", "origin", "--json"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    let json: serde_json::Value = serde_json::from_str(&refused.stdout).expect("json");
    let rules: Vec<&str> =
        json["violations"].as_array().expect("array").iter().map(|v| v["rule"].as_str().expect("rule")).collect();
    assert_eq!(rules, ["workflow.delete"]);
    assert_eq!((json["commits"].as_u64(), json["files"].as_u64()), (Some(2), Some(3)));
}

/// A duplicate id is refused where a change brings it in; a record that already shared its id
/// (let in past the hooks) can still be edited: the hook judges what a change does, not what
/// it inherits.
#[test]
fn a_duplicate_id_is_judged_where_it_arrives() {
    let sandbox = ops_sandbox();
    sandbox.write("milestones/k3x9q2.toml", "title = \"Same id\"\nstage = \"planning\"\n");
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "same id"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("error[id.duplicate]"), "{}", run.stderr);
    sandbox.git(&["commit", "-qm", "same id", "--no-verify"]);
    sandbox.write("issues/k3x9q2.toml", &sandbox.read("issues/k3x9q2.toml").replace("Refund macro", "Refund"));
    let run = sandbox.git_with(&["commit", "-qam", "retitle"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// What the way to a state required stays: removing an issue's gameplan once it is in
/// implementation is refused by `set` and by the hook, alone or in the same commit as a move
/// on; a record that already lacked it (let in past the hooks) can still be edited otherwise.
#[test]
fn an_earlier_states_artifact_cannot_be_removed() {
    let sandbox = Sandbox::example("ops");
    sandbox.docket(&["hook", "install"]).ok();
    let before = sandbox.read("issues/x24vn8.toml");
    let run = sandbox.docket(&["set", "x24vn8", "--unset", "gameplan"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    insta::assert_snapshot!("set_artifact_removed", run.stderr);
    assert_eq!(sandbox.read("issues/x24vn8.toml"), before);
    let start = before.find("gameplan = \"\"\"").expect("a gameplan");
    let body = start + "gameplan = \"\"\"".len();
    let end = body + before[body..].find("\"\"\"\n").expect("its end") + 4;
    let without = format!("{}{}", &before[..start], &before[end..]);
    for text in [without.clone(), without.replace("stage = \"implementation\"", "stage = \"completed\"")] {
        sandbox.write("issues/x24vn8.toml", &text);
        let run = sandbox.git_with(&["commit", "-qam", "drop the gameplan"], &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains("error[workflow.artifact]"), "{}", run.stderr);
    }
    sandbox.git(&["commit", "-qam", "drop the gameplan", "--no-verify"]);
    sandbox.docket(&["set", "x24vn8", "title=Macro: ownership verification"]).ok();
    let run = sandbox.git_with(&["commit", "-qam", "retitle"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// `docket rename`: the record takes its new id and every record naming it follows; the hook
/// judges the commit as a rename. A `git mv` that leaves a reference behind is refused, naming
/// it; a new id already taken, or not an id, is refused before anything is written.
#[test]
fn a_renamed_record_takes_its_references_along() {
    let sandbox = Sandbox::example("ops");
    sandbox.docket(&["hook", "install"]).ok();
    // A second record naming kqnj42, and the milestone's parking lot naming it too.
    sandbox.docket(&["set", "gqkfms", "blocked_by+=kqnj42"]).ok();
    let milestone = sandbox.read("milestones/16-7.toml");
    sandbox.write(
        "milestones/16-7.toml",
        &format!("{milestone}\n[[parking_lot]]\nissue = \"kqnj42\"\nwhy = \"urgent\"\n"),
    );
    sandbox.commit_all("named twice more");
    let before = sandbox.git(&["status", "--porcelain"]);
    for (new, message) in
        [("w9gpez", "`w9gpez` is already taken by issues/w9gpez.toml"), ("Bad Id", "is not a valid id")]
    {
        let run = sandbox.docket(&["rename", "kqnj42", new]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains(message), "{}", run.stderr);
        assert_eq!(sandbox.git(&["status", "--porcelain"]), before, "nothing written");
    }
    let run = sandbox.docket(&["rename", "kqnj42", "token-rotation", "--json"]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(
        json["references"],
        serde_json::json!(["issues/gqkfms.toml", "issues/w9gpez.toml", "milestones/16-7.toml"])
    );
    assert!(sandbox.read("issues/gqkfms.toml").contains("blocked_by = [\"token-rotation\"]"));
    assert!(sandbox.read("milestones/16-7.toml").contains("issue = \"token-rotation\""));
    sandbox.git(&["add", "-A"]);
    let commit = sandbox.git_with(&["commit", "-qm", "rename"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    sandbox.docket(&["show", "token-rotation"]).ok();
    // By hand, without the references: refused, by name.
    sandbox.docket(&["set", "w9gpez", "blocked_by+=sn2gzh"]).ok();
    sandbox.commit_all("w9gpez waits for sn2gzh too");
    sandbox.git(&["mv", "issues/sn2gzh.toml", "issues/refund-macro.toml"]);
    let refused = sandbox.git_with(&["commit", "-qm", "rename by hand"], &[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    insta::assert_snapshot!("hook_renamed_but_named", refused.stderr);
}

/// A relative `core.hooksPath` is relative to the work tree's top, as git reads it, wherever
/// docket is run from.
#[test]
fn hooks_go_where_a_relative_hooks_path_says() {
    let sandbox = Sandbox::tracker();
    sandbox.git(&["config", "core.hooksPath", ".githooks"]);
    let sub = sandbox.root().join("issues");
    sandbox.docket_in(&sub, &["hook", "install"], &[], "").ok();
    assert!(sandbox.root().join(".githooks/pre-commit").is_file(), "installed at the top");
    assert!(!sub.join(".githooks").exists(), "not under the folder docket ran in");
}
