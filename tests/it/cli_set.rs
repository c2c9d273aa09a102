//! `docket set` and `docket comment`: in-place edits that change only what they must.

use crate::support::{Sandbox, changed_lines};

const HAND_WRITTEN: &str = r#"# Refund macro — requested by EMEA support.
# Keep this file tidy: it is reviewed in merge requests.

title    = "Zendesk macro for refunds"   # aligned by hand
type     = "feature"
stage    = "triage"
labels   = [
  "customer::enterprise",  # the big accounts
  "system::zendesk",
]
weight = 2 # a first guess

description = """
## Context
Refunds take four manual steps.
"""

[rice]
reach = 500
impact = 2
confidence = 0.8
effort = 3 # days
"#;

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/k3x9q2.toml", HAND_WRITTEN);
    sandbox
}

#[test]
fn set_changes_one_line_and_keeps_comments_and_alignment() {
    let sandbox = sandbox();
    let run = sandbox.docket(&["set", "k3x", "weight=3"]);
    assert_eq!(run.ok(), "-weight = 2 # a first guess\n+weight = 3 # a first guess\n");
    assert_eq!(
        changed_lines(HAND_WRITTEN, &sandbox.read("issues/k3x9q2.toml")),
        [("weight = 2 # a first guess".to_owned(), "weight = 3 # a first guess".to_owned())]
    );
}

#[test]
fn set_several_fields_nested_and_lists() {
    let sandbox = sandbox();
    sandbox.docket(&["set", "k3x9q2", "type=bug", "rice.effort=2.5", "labels+=priority::2"]).ok();
    let after = sandbox.read("issues/k3x9q2.toml");
    let changes = changed_lines(HAND_WRITTEN, &after);
    assert_eq!(changes.len(), 3, "{changes:?}");
    assert_eq!(changes[0].1, "type     = \"bug\"");
    assert!(changes[1].1.contains("\"priority::2\""), "{changes:?}");
    assert_eq!(changes[2].1, "effort = 2.5 # days");
    assert!(after.contains("\"customer::enterprise\",  # the big accounts"), "{after}");
}

#[test]
fn set_adds_new_fields_and_unsets_them() {
    let sandbox = sandbox();
    sandbox.docket(&["set", "k3x", "assignee=jason", "created=today"]).ok();
    let after = sandbox.read("issues/k3x9q2.toml");
    // The file is laid out canonically, so the new keys go where `docket fmt` puts them.
    assert!(after.contains("]\nassignee = \"jason\"\nweight = 2 # a first guess\ncreated = 2026-11-23\n"), "{after}");
    sandbox.docket(&["set", "k3x", "--unset", "assignee", "--unset", "created"]).ok();
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), HAND_WRITTEN);
}

#[test]
fn invalid_results_are_refused_and_the_file_is_unchanged() {
    let sandbox = sandbox();
    for args in [
        &["set", "k3x", "weight=9"][..],
        &["set", "k3x", "weight=heavy"],
        &["set", "k3x", "type=story"],
        &["set", "k3x", "stage=nowhere"],
        &["set", "k3x", "comments=hi"],
        &["set", "k3x", "--unset", "title"],
        &["set", "k3x", "labels-=absent"],
        &["set", "k3x", "weight"],
    ] {
        let run = sandbox.docket(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(sandbox.read("issues/k3x9q2.toml"), HAND_WRITTEN, "{args:?} changed the file");
    }
}

#[test]
fn set_json_prints_the_record() {
    let sandbox = sandbox();
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["set", "k3x", "weight=4", "--json"]).ok()).expect("json");
    assert_eq!(json["weight"], 4);
    assert_eq!(json["rice"]["confidence"], 0.8);
}

#[test]
fn comment_appends_with_date_and_author() {
    let sandbox = sandbox();
    sandbox.docket(&["comment", "k3x", "-m", "approved by support leadership"]).ok();
    let after = sandbox.read("issues/k3x9q2.toml");
    assert!(after.starts_with(HAND_WRITTEN), "the existing text is untouched:\n{after}");
    assert!(
        after.ends_with("\n[[comments]]\ndate = 2026-11-23T12:00:00Z\nauthor = \"Test User\"\ntext = \"approved by support leadership\"\n"),
        "{after}"
    );
    let second =
        sandbox.docket_with(&["comment", "k3x", "-F", "-", "--author", "dylan", "--json"], &[], "line one\nline two\n");
    let json: serde_json::Value = serde_json::from_str(second.ok()).expect("json");
    assert_eq!(json["comments"][1]["author"], "dylan");
    assert_eq!(json["comments"][1]["text"], "line one\nline two\n");
}

#[test]
fn an_empty_comment_is_refused() {
    let sandbox = sandbox();
    let run = sandbox.docket(&["comment", "k3x", "-m", "  "]);
    assert_eq!(run.code, 2);
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), HAND_WRITTEN);
}

#[test]
fn comment_in_the_editor() {
    let sandbox = sandbox();
    let editor = sandbox.script("editor", r#"printf 'from the editor\n%s' "$(cat "$1")" > "$1""#);
    sandbox.docket_with(&["comment", "k3x"], &[("EDITOR", &editor)], "").ok();
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "k3x", "--json"]).ok()).expect("json");
    assert_eq!(json["comments"][0]["text"], "from the editor");
}

#[test]
fn set_does_not_move_and_does_not_break_the_workflow() {
    let sandbox = sandbox();
    let run = sandbox.docket(&["set", "k3x", "stage=planning"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("run `docket move k3x9q2 planning`"), "{}", run.stderr);
    // Adding a scoped label replaces the scope's old value, as GitLab does.
    let run = sandbox.docket(&["set", "k3x", "labels+=customer::smb"]);
    run.ok();
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "k3x", "--json"]).ok()).expect("json");
    assert_eq!(json["labels"], serde_json::json!(["system::zendesk", "customer::smb"]));
    sandbox.write("issues/k3x9q2.toml", HAND_WRITTEN);
    // A change the workflow refuses (a blocked issue must say why) is not written.
    let run = sandbox.docket(&["set", "k3x", "type=administrative", "weight=9"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), HAND_WRITTEN);
    // Unsetting a nested field that is not there creates nothing.
    let run = sandbox.docket(&["set", "k3x", "--unset", "sla.hours"]);
    run.ok();
    assert_eq!(sandbox.read("issues/k3x9q2.toml"), HAND_WRITTEN);
    let run = sandbox.docket(&["set", "k3x", "title.x=1"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`title` is not a table"), "{}", run.stderr);
}

#[test]
fn comments_keep_markdown_headings() {
    let sandbox = sandbox();
    let editor = sandbox.script("editor", r#"printf '## Findings\nthe macro is fine\n%s' "$(cat "$1")" > "$1""#);
    sandbox.docket_with(&["comment", "k3x"], &[("EDITOR", &editor)], "").ok();
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "k3x", "--json"]).ok()).expect("json");
    assert_eq!(json["comments"][0]["text"], "## Findings\nthe macro is fine\n");
}

/// An edit keeps what the text does not say: a byte-order mark, CRLF line endings and the
/// file's permissions; and it leaves no temporary file in the work tree.
#[test]
fn set_keeps_the_files_bom_line_endings_and_mode() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::tracker();
    let path = sandbox.root().join("issues/b1.toml");
    std::fs::write(&path, b"\xef\xbb\xbftitle = \"Bom\"\r\ntype = \"bug\"\r\nstage = \"triage\"\r\n").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    sandbox.commit_all("a CRLF record");
    sandbox.docket(&["set", "b1", "weight=3", "title=Bom two"]).ok();
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(bytes, b"\xef\xbb\xbftitle = \"Bom two\"\r\ntype = \"bug\"\r\nstage = \"triage\"\r\nweight = 3\r\n");
    let mode = std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(sandbox.git(&["status", "--porcelain", "--untracked-files=all"]), " M issues/b1.toml\n");
}

/// The scoped-label forms of `set --help` work as written: adding a value of a scope replaces
/// the old one, so removing the old one after it is no error; two values of one scope in one
/// add are refused rather than one silently kept; removing a label of no scope held is a typo.
#[test]
fn scoped_labels_as_the_help_shows() {
    let sandbox = Sandbox::tracker();
    sandbox.write(
        "issues/abc.toml",
        "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\nlabels = [\"priority::2\", \"ops\"]\n",
    );
    sandbox.docket(&["set", "abc", "labels+=priority::1", "labels-=priority::2"]).ok();
    assert!(
        sandbox.read("issues/abc.toml").contains("labels = [\"ops\", \"priority::1\"]"),
        "{}",
        sandbox.read("issues/abc.toml")
    );
    let before = sandbox.read("issues/abc.toml");
    let run = sandbox.docket(&["set", "abc", "labels+=priority::2,priority::3"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!("set_two_values_of_a_scope", run.stderr);
    let run = sandbox.docket(&["set", "abc", "labels-=prority::2"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`labels` does not hold `prority::2`"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/abc.toml"), before, "nothing changed");
    // Scopes and labels compare without case, as GitLab's: `Priority::3` replaces
    // `priority::1`, and `labels-=OPS` removes `ops`.
    sandbox.docket(&["set", "abc", "labels+=Priority::3", "labels-=OPS"]).ok();
    assert!(
        sandbox.read("issues/abc.toml").contains("labels = [\"Priority::3\"]"),
        "{}",
        sandbox.read("issues/abc.toml")
    );
}

/// `set` refuses what the edit breaks, not what the record already lacked: on a blocked issue
/// committed without its reason, another edit is accepted; removing its `previous_stage` too
/// (the same rule, another problem) is refused.
#[test]
fn set_judges_what_the_edit_breaks_not_what_it_inherits() {
    let sandbox = Sandbox::example("ops");
    let text = sandbox.read("issues/w9gpez.toml");
    let kept: Vec<&str> = text.lines().filter(|line| !line.starts_with("blocked_reason")).collect();
    sandbox.write("issues/w9gpez.toml", &format!("{}\n", kept.join("\n")));
    sandbox.commit_all("lost the reason");
    sandbox.docket(&["set", "w9gpez", "weight=2"]).ok();
    let before = sandbox.read("issues/w9gpez.toml");
    let run = sandbox.docket(&["set", "w9gpez", "--unset", "previous_stage"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("needs `previous_stage`"), "{}", run.stderr);
    assert!(!run.stderr.contains("blocked_reason"), "only what the edit breaks: {}", run.stderr);
    assert_eq!(sandbox.read("issues/w9gpez.toml"), before);
}

#[test]
fn set_on_a_record_already_in_an_undefined_state_changes_the_field_and_leaves_the_state() {
    let sandbox = Sandbox::example("mir");
    // Triaged is a Launchpad status but none of the ten MIR states.
    let bug = sandbox.read("mir/cqa5k8.toml").replace("status = \"new\"", "status = \"triaged\"");
    sandbox.write("mir/cqa5k8.toml", &bug);
    // What was already wrong is not this change's fault: the subscriber is added.
    let run = sandbox.docket(&["set", "cqa5k8", "subscribers+=~foundations-bugs"]);
    assert_eq!(
        run.ok(),
        "-subscribers = [\"~ubuntu-mir\", \"~desktop-packages\"]\n+subscribers = [\"~ubuntu-mir\", \"~desktop-packages\", \"~foundations-bugs\"]\n"
    );
    assert!(sandbox.read("mir/cqa5k8.toml").contains("status = \"triaged\""));
}

#[test]
fn a_comment_s_author_is_git_s_author_then_user_name_then_the_login() {
    let sandbox = sandbox();
    sandbox.docket_with(&["comment", "k3x", "-m", "one"], &[("GIT_AUTHOR_NAME", "Ada"), ("USER", "login")], "").ok();
    assert!(sandbox.read("issues/k3x9q2.toml").contains("author = \"Ada\""));
    sandbox.docket_with(&["comment", "k3x", "-m", "two"], &[("USER", "login")], "").ok();
    assert!(sandbox.read("issues/k3x9q2.toml").contains("author = \"Test User\""));
    sandbox.git(&["config", "--unset", "user.name"]);
    sandbox.docket_with(&["comment", "k3x", "-m", "three"], &[("USER", "login")], "").ok();
    assert!(sandbox.read("issues/k3x9q2.toml").contains("author = \"login\""));
}
