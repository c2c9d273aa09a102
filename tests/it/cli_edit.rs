//! `docket edit`: validated on save, re-opened on error, the original kept on giving up.

use crate::support::Sandbox;

const ISSUE: &str = "title = \"Edit me\" # keep\ntype = \"bug\"\nstage = \"triage\"\n";

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/ed1t01.toml", ISSUE);
    sandbox
}

#[test]
fn a_valid_edit_is_saved() {
    let sandbox = sandbox();
    let editor = sandbox.script("editor", r#"sed -i 's/stage = "triage"/stage = "planning"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &editor)], "");
    assert_eq!(run.ok(), "-stage = \"triage\"\n+stage = \"planning\"\n");
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE.replace("triage", "planning"));
}

#[test]
fn an_invalid_edit_given_up_keeps_the_original() {
    let sandbox = sandbox();
    let editor = sandbox.script("editor", r#"sed -i 's/type = "bug"/type = "story"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &editor)], "n\n");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`type` cannot be `story`"), "{}", run.stderr);
    assert!(run.stderr.contains("issues/ed1t01.toml is unchanged; your draft is kept in"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE);
    let kept = sandbox.root().join(".git/docket/edit/ed1t01.toml");
    assert!(std::fs::read_to_string(kept).expect("kept").contains("story"));
}

#[test]
fn an_invalid_edit_is_reopened_until_fixed() {
    let sandbox = sandbox();
    // First run breaks the type; the second fixes it.
    let editor = sandbox.script(
        "editor",
        r#"if [ -f "$1.seen" ]; then sed -i 's/type = "story"/type = "feature"/' "$1"; else touch "$1.seen"; sed -i 's/type = "bug"/type = "story"/' "$1"; fi"#,
    );
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &editor)], "y\n");
    run.ok();
    assert!(run.stderr.contains("re-open the editor"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE.replace("bug", "feature"));
}

#[test]
fn an_unchanged_edit_writes_nothing() {
    let sandbox = sandbox();
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", "true")], "");
    run.ok();
    assert!(run.stderr.contains("unchanged"), "{}", run.stderr);
}

#[test]
fn a_failing_editor_is_an_error() {
    let sandbox = sandbox();
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", "false")], "");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("the editor `false` exited"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE);
}

#[test]
fn a_draft_given_up_is_offered_again() {
    let sandbox = sandbox();
    let breaker = sandbox.script("breaker", r#"sed -i 's/type = "bug"/type = "story"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &breaker)], "n\n");
    assert_eq!(run.code, 2);
    // The next edit resumes the draft (non-interactively, without asking) rather than losing it.
    let fixer = sandbox.script("fixer", r#"sed -i 's/type = "story"/type = "feature"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &fixer)], "");
    run.ok();
    assert!(run.stderr.contains("resuming the edit kept in"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE.replace("bug", "feature"));
}

/// A draft is never written over what changed since it was kept: a comment added meanwhile
/// survives, merged with the draft's own change; a change to the same field is shown as a
/// conflict to resolve.
#[test]
fn a_draft_resumed_after_the_record_changed_keeps_both() {
    let sandbox = sandbox();
    let breaker = sandbox.script("breaker", r#"sed -i 's/type = "bug"/type = "story"/' "$1""#);
    sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &breaker)], "n\n");
    let commented = sandbox.docket(&["comment", "ed1t", "-m", "added meanwhile"]);
    commented.ok();
    let fixer = sandbox.script("fixer", r#"sed -i 's/type = "story"/type = "feature"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &fixer)], "");
    run.ok();
    assert!(run.stderr.contains("your draft's changes were merged onto it"), "{}", run.stderr);
    let text = sandbox.read("issues/ed1t01.toml");
    assert!(text.contains("added meanwhile"), "the later comment survives:\n{text}");
    assert!(text.contains("type = \"feature\""), "the draft's change is applied:\n{text}");

    // Both changed the title: the editor opens on the conflict, and the user resolves it.
    let breaker = sandbox
        .script("breaker2", r#"sed -i 's/^title = .*/title = "Mine"/; s/type = "feature"/type = "story"/' "$1""#);
    sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &breaker)], "n\n");
    sandbox.docket(&["set", "ed1t", "title=Theirs"]).ok();
    let resolver = sandbox.script(
        "resolver",
        r#"grep -q '^<<<<<<< ours: title' "$1" && sed -i '/^<<<<<<< /d; /^=======/,/^>>>>>>> /d; s/type = "story"/type = "feature"/' "$1""#,
    );
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &resolver)], "");
    assert!(run.stderr.contains("both changed title"), "{}", run.stderr);
    run.ok();
    assert!(sandbox.read("issues/ed1t01.toml").contains("title = \"Mine\""));
}

#[test]
fn an_edit_that_breaks_the_workflow_is_refused() {
    let sandbox = sandbox();
    let editor = sandbox.script("editor", r#"sed -i 's/stage = "triage"/stage = "completed"/' "$1""#);
    let run = sandbox.docket_with(&["edit", "ed1t"], &[("EDITOR", &editor)], "n\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`triage` → `completed`"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/ed1t01.toml"), ISSUE);
}
