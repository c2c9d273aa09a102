//! `docket init` and `docket new`.

use crate::support::{NOW, Sandbox};

#[test]
fn init_creates_the_layout_and_is_idempotent() {
    let sandbox = Sandbox::new();
    let first = sandbox.docket(&["init"]);
    first.ok();
    for path in ["docket.toml", "issues/.gitkeep", "mir/.gitkeep", "milestones/.gitkeep", "workflows/.gitkeep"] {
        assert!(sandbox.root().join(path).is_file(), "{path} missing");
    }
    sandbox.write("docket.toml", "# mine\nversion = 1\n");
    let second = sandbox.docket(&["init"]);
    second.ok();
    assert!(second.stderr.contains("already initialized"), "{}", second.stderr);
    assert_eq!(sandbox.read("docket.toml"), "# mine\nversion = 1\n", "init must not overwrite the config");
}

#[test]
fn init_in_a_subfolder_and_discovery_from_below() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init", "--dir", "tracker"]).ok();
    assert!(sandbox.root().join("tracker/docket.toml").is_file());
    std::fs::create_dir_all(sandbox.root().join("tracker/notes/deep")).expect("folder");
    let id =
        sandbox.docket_in(&sandbox.root().join("tracker/notes/deep"), &["new", "issue", "-t", "From below"], &[], "");
    let id = id.ok().trim().to_owned();
    assert!(sandbox.root().join(format!("tracker/issues/{id}.toml")).is_file());
    // -C works like git's.
    let listed = sandbox.docket(&["-C", "tracker", "list", "--json"]);
    let records: serde_json::Value = serde_json::from_str(listed.ok()).expect("json");
    assert_eq!(records[0]["id"], id.as_str());
}

#[test]
fn new_issue_prints_the_id_and_writes_a_valid_file() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket(&["new", "issue", "--type", "feature", "--title", "Refund macro"]);
    let id = run.ok().trim().to_owned();
    assert_eq!(id.len(), 6);
    assert!(id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()), "{id}");
    let text = sandbox.read(&format!("issues/{id}.toml"));
    assert!(text.contains("stage = \"triage\"\n"), "{text}");
    assert!(text.contains(&format!("created = {NOW}\n")), "{text}");

    let listed: serde_json::Value = serde_json::from_str(sandbox.docket(&["list", "--json"]).ok()).expect("json");
    let record = &listed[0];
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["kind"], "issue");
    assert_eq!(record["path"], format!("issues/{id}.toml"));
    assert_eq!(record["title"], "Refund macro");
    assert_eq!(record["type"], "feature");
    assert_eq!(record["stage"], "triage");
}

#[test]
fn new_with_every_flag() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket(&[
        "new",
        "issue",
        "--type",
        "bug",
        "-t",
        "SLA timer",
        "-l",
        "customer::smb,priority::1",
        "--label",
        "system::zendesk",
        "--assignee",
        "jason",
        "--requester",
        "dylan",
        "--weight",
        "2",
        "-d",
        "## Context\nit keeps running",
        "--json",
    ]);
    let record: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(record["labels"], serde_json::json!(["customer::smb", "priority::1", "system::zendesk"]));
    assert_eq!(record["weight"], 2);
    assert_eq!(record["assignee"], "jason");
    assert_eq!(record["description"], "## Context\nit keeps running");
    let text = sandbox.read(record["path"].as_str().expect("path"));
    assert!(text.contains("description = \"\"\"\n## Context\nit keeps running\"\"\""), "{text}");
}

/// A MIR bug is about a package: without one, `new mir` says so (not that it lacks a title).
#[test]
fn a_new_mir_bug_needs_its_package() {
    let sandbox = Sandbox::tracker();
    for args in [&["new", "mir"][..], &["new", "mir", "--title", "[MIR] something"]] {
        let run = sandbox.docket(args);
        assert_eq!(run.code, 2, "{}", run.stderr);
        insta::assert_snapshot!("new_mir_without_package", run.stderr);
    }
}

#[test]
fn new_mir_bug_and_milestone() {
    let sandbox = Sandbox::tracker();
    let mir: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["new", "mir", "--package", "libfoo", "--json"]).ok()).expect("json");
    assert_eq!(mir["title"], "[MIR] libfoo");
    assert_eq!(mir["status"], "new");
    assert_eq!(mir["subscribers"], serde_json::json!(["~ubuntu-mir"]));
    assert_eq!(mir["process_state"], "unassigned");
    let milestone: serde_json::Value = serde_json::from_str(
        sandbox
            .docket(&["new", "milestone", "-t", "16.7", "--start", "2026-12-01", "--end", "2026-12-14", "--json"])
            .ok(),
    )
    .expect("json");
    assert_eq!(milestone["stage"], "planning");
    assert_eq!(milestone["start"], "2026-12-01");
}

#[test]
fn ids_do_not_collide_with_existing_prefixes() {
    let sandbox = Sandbox::tracker();
    let mut ids: Vec<String> =
        (0..20).map(|_| sandbox.docket(&["new", "issue", "-t", "x"]).ok().trim().to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}

#[test]
fn new_in_the_editor_uses_the_template() {
    let sandbox = Sandbox::tracker();
    let editor = sandbox.script("editor", r#"sed -i 's/^title = ""/title = "Written in the editor"/' "$1""#);
    let run = sandbox.docket_with(&["new", "issue", "--edit"], &[("EDITOR", &editor)], "");
    let id = run.ok().trim().to_owned();
    let text = sandbox.read(&format!("issues/{id}.toml"));
    assert!(text.starts_with("title = \"Written in the editor\"\n"), "the preamble is stripped:\n{text}");
    assert!(text.contains("## Context"), "{text}");
}

#[test]
fn new_in_the_editor_given_up_writes_nothing() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket_with(&["new", "issue", "--edit"], &[("EDITOR", "true")], "n\n");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`title` cannot be empty"), "{}", run.stderr);
    let issues: Vec<_> = std::fs::read_dir(sandbox.root().join("issues")).expect("dir").collect();
    assert_eq!(issues.len(), 1, "only .gitkeep");
}

#[test]
fn new_with_a_chosen_id_and_refused_flags() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket(&[
        "new",
        "milestone",
        "--id",
        "16-7",
        "-t",
        "16.7",
        "--start",
        "2026-12-01",
        "--end",
        "2026-12-14",
    ]);
    assert_eq!(run.ok(), "16-7\n");
    let again = sandbox.docket(&["new", "milestone", "--id", "16-7", "-t", "16.7"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("a record with the id `16-7` already exists"), "{}", again.stderr);
    let bad = sandbox.docket(&["new", "issue", "--id", "Bad Id", "-t", "x"]);
    assert_eq!(bad.code, 2);
    let foreign = sandbox.docket(&["new", "issue", "-t", "x", "--package", "libfoo"]);
    assert_eq!(foreign.code, 2);
    assert!(
        foreign.stderr.contains("--package does not apply to a issue")
            || foreign.stderr.contains("--package does not apply to an issue"),
        "{}",
        foreign.stderr
    );
    let foreign = sandbox.docket(&["new", "milestone", "-t", "x", "--weight", "3"]);
    assert_eq!(foreign.code, 2);
    assert!(foreign.stderr.contains("--weight is for issue"), "{}", foreign.stderr);
}

#[test]
fn new_records_are_judged_by_their_workflow() {
    let sandbox = Sandbox::tracker();
    sandbox.write("docket.toml", "[workflows]\nissue = \"support\"\n");
    // The label every new support request needs is added for the user…
    let run = sandbox.docket(&["new", "issue", "-t", "Perforce sync stalls", "--json"]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(json["labels"], serde_json::json!(["team/repo-management"]));
    assert_eq!(json["stage"], "new");
    // …and a new record the workflow refuses is not written.
    let run = sandbox.docket(&["new", "issue", "-t", "Jump the queue", "--stage", "in_progress"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("needs `assignee`"), "{}", run.stderr);
    let issues = std::fs::read_dir(sandbox.root().join("issues")).expect("dir").count();
    assert_eq!(issues, 2, ".gitkeep and the first request only");
}

#[test]
fn milestones_end_after_they_start() {
    let sandbox = Sandbox::tracker();
    sandbox
        .docket(&["new", "milestone", "--id", "m1", "-t", "16.7", "--start", "2026-12-01", "--end", "2026-12-14"])
        .ok();
    let run = sandbox.docket(&["set", "m1", "end=2026-11-01"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`end` (2026-11-01) is before `start` (2026-12-01)"), "{}", run.stderr);
    sandbox.write("docket.toml", "[[iterations]]\nname = \"w1\"\nstart = 2026-12-07\nend = 2026-12-01\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--> docket.toml:4:1"), "{}", run.stderr);
}

#[test]
fn init_inside_a_subfolder_tracker_is_about_that_tracker() {
    let sandbox = Sandbox::new();
    let run = sandbox.docket(&["init", "--dir", "tracker"]);
    run.ok();
    assert!(run.stderr.contains("docket -C tracker new issue"), "{}", run.stderr);
    let again = sandbox.docket_in(&sandbox.root().join("tracker/issues"), &["init"], &[], "");
    again.ok();
    assert!(again.stderr.contains("already initialized"), "{}", again.stderr);
    assert!(!sandbox.root().join("docket.toml").exists(), "no second tracker at the top");
}
