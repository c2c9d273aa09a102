//! `docket list`: filters, sorting, JSON, and problems in files.

use crate::support::Sandbox;

fn ids(sandbox: &Sandbox, args: &[&str]) -> Vec<String> {
    let mut full = vec!["list", "--json"];
    full.extend_from_slice(args);
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&full).ok()).expect("json");
    json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

/// The ids of the issue files in `examples/ops` whose text has `needle`, computed from the
/// files without docket.
fn grep_ids(folder: &str, needle: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ops").join(folder);
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .expect("folder")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .filter(|e| {
            std::fs::read_to_string(e.path()).expect("read").lines().any(|line| line.trim_start().starts_with(needle))
        })
        .map(|e| e.path().file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn filters_agree_with_the_files() {
    let sandbox = Sandbox::example("ops");
    assert_eq!(ids(&sandbox, &["--stage", "development"]), grep_ids("issues", "stage = \"development\""));
    assert_eq!(ids(&sandbox, &["--type", "bug"]), grep_ids("issues", "type = \"bug\""));
    assert_eq!(ids(&sandbox, &["--assignee", "jason"]), grep_ids("issues", "assignee = \"jason\""));
    assert_eq!(ids(&sandbox, &["--kind", "milestone"]), grep_ids("milestones", "title"));
    let scheduled = ids(&sandbox, &["--milestone", "16-7"]);
    assert_eq!(scheduled, grep_ids("issues", "milestone = \"16-7\""));
    assert!(!scheduled.is_empty());
}

#[test]
fn labels_combine_and_scopes_match_any_value() {
    let sandbox = Sandbox::tracker();
    for (id, labels) in [
        ("a1", r#"["customer::enterprise", "priority::1"]"#),
        ("b2", r#"["customer::smb"]"#),
        ("c3", r#"["priority::1"]"#),
    ] {
        sandbox.write(
            &format!("issues/{id}.toml"),
            &format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"triage\"\nlabels = {labels}\n"),
        );
    }
    assert_eq!(ids(&sandbox, &["-l", "customer::*"]), ["a1", "b2"]);
    assert_eq!(ids(&sandbox, &["-l", "customer::*", "-l", "priority::1"]), ["a1"]);
    assert_eq!(ids(&sandbox, &["-l", "priority::1"]), ["a1", "c3"]);
    assert_eq!(ids(&sandbox, &["-l", "nope"]), Vec::<String>::new());
}

#[test]
fn sorting() {
    let sandbox = Sandbox::tracker();
    for (id, weight, stage, created) in
        [("a1", 3, "planning", "2026-11-03"), ("b2", 1, "triage", "2026-11-01"), ("c3", 5, "development", "2026-11-02")]
    {
        sandbox.write(
            &format!("issues/{id}.toml"),
            &format!(
                "title = \"T {id}\"\ntype = \"bug\"\nstage = \"{stage}\"\nweight = {weight}\ncreated = {created}\n"
            ),
        );
    }
    assert_eq!(ids(&sandbox, &[]), ["a1", "b2", "c3"]);
    assert_eq!(ids(&sandbox, &["--sort", "weight"]), ["b2", "a1", "c3"]);
    assert_eq!(ids(&sandbox, &["--sort", "weight", "--reverse"]), ["c3", "a1", "b2"]);
    assert_eq!(ids(&sandbox, &["--sort", "created"]), ["b2", "c3", "a1"]);
    // Workflow order: triage, planning, …, development.
    assert_eq!(ids(&sandbox, &["--sort", "stage"]), ["b2", "a1", "c3"]);
}

#[test]
fn mir_bugs_by_status_and_process_state() {
    let sandbox = Sandbox::example("mir");
    assert_eq!(ids(&sandbox, &["--status", "invalid"]).len(), 2);
    assert_eq!(ids(&sandbox, &["--state", "invalid_unpromoted"]).len(), 1);
    // Every one of the ten process states is in the example, once.
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["list", "--json"]).ok()).expect("json");
    let mut states: Vec<&str> =
        json.as_array().expect("array").iter().map(|r| r["process_state"].as_str().expect("state")).collect();
    states.sort_unstable();
    assert_eq!(
        states,
        [
            "assigned_mir",
            "assigned_security",
            "fix_committed",
            "fix_released",
            "in_progress",
            "incomplete",
            "invalid_expired",
            "invalid_unpromoted",
            "unassigned",
            "wont_fix"
        ]
    );
}

#[test]
fn broken_files_are_all_reported_and_the_rest_still_listed() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/good.toml", "title = \"Fine\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.write("issues/typo.toml", "title = \"Typo\"\ntype = \"bug\"\nstge = \"triage\"\n");
    sandbox.write("issues/string.toml", "title = \"String\"\ntype = \"bug\"\nstage = \"triage\"\nweight = \"three\"\n");
    sandbox.write("issues/broken.toml", "title = \"Broken\ntype = \"bug\"\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.starts_with("good "), "{}", run.stdout);
    for location in ["issues/typo.toml:3:1", "issues/typo.toml:1:1", "issues/string.toml:4:10", "issues/broken.toml:1:"]
    {
        assert!(run.stderr.contains(&format!("--> {location}")), "{location} missing:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("error: 4 problems in 3 files"), "{}", run.stderr);
}

/// Every entry of a record folder is a record or an error (the same judge as the hooks'):
/// the records are still listed, and nothing else is read.
#[test]
fn entries_that_are_not_records_are_errors() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/good.toml", "title = \"Good\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.write("issues/README.md", "# notes\n");
    sandbox.write("issues/Bad Name.toml", "title = \"x\"\n");
    sandbox.write("issues/evil.toml/README", "hostile\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.contains("good"), "{}", run.stdout);
    insta::assert_snapshot!("list_entries_not_records", run.stderr);
}

#[test]
fn the_sharded_layout_is_read_too() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/k3/k3x9q2.toml", "title = \"Sharded\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.write("issues/flat1.toml", "title = \"Flat\"\ntype = \"bug\"\nstage = \"triage\"\n");
    assert_eq!(ids(&sandbox, &[]), ["flat1", "k3x9q2"]);
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "k3x", "--json"]).ok()).expect("json");
    assert_eq!(json["path"], "issues/k3/k3x9q2.toml");
}

#[test]
fn duplicate_ids_across_kinds_are_reported() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/same.toml", "title = \"Issue\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.write("milestones/same.toml", "title = \"Milestone\"\nstage = \"planning\"\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error[id.duplicate]"), "{}", run.stderr);
}

#[test]
fn filter_values_nothing_can_have_are_refused() {
    let sandbox = Sandbox::example("ops");
    let run = sandbox.docket(&["list", "--stage", "developmnet"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("did you mean `development`?"), "{}", run.stderr);
    assert_eq!(sandbox.docket(&["list", "--type", "bgu"]).code, 2);
    assert_eq!(sandbox.docket(&["list", "--state", "bogus"]).code, 2);
    // Labels split on commas like every other list flag, and milestones take id prefixes.
    assert_eq!(
        ids(&sandbox, &["-l", "customer::saas,priority::1"]),
        ids(&sandbox, &["-l", "customer::saas", "-l", "priority::1"])
    );
    assert_eq!(ids(&sandbox, &["--milestone", "16"]), ids(&sandbox, &["--milestone", "16-7"]));
    // A milestone that does not exist is a typo too, not an empty list.
    let run = sandbox.docket(&["list", "--milestone", "16-9"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--milestone `16-9` matches nothing any record can have"), "{}", run.stderr);
    assert!(run.stderr.contains("`16-7`"), "the milestones are listed: {}", run.stderr);
    // So is the id of a record that is no milestone.
    let issue = ids(&sandbox, &[]).into_iter().next().expect("an issue");
    let run = sandbox.docket(&["list", "--milestone", &issue]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("--milestone `{issue}` matches nothing")), "{}", run.stderr);
}

#[test]
fn a_file_in_the_wrong_shard_is_reported() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/zz/ab99cd.toml", "title = \"Lost\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error[id.shard]"), "{}", run.stderr);
    assert!(run.stderr.contains("move it to `issues/ab/ab99cd.toml`"), "{}", run.stderr);
}

/// A symbolic link and a FIFO named like records are reported, never followed or waited on, by
/// every command that reads the folders.
#[test]
fn links_and_fifos_are_never_followed() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/good.toml", "title = \"Good\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.write("outside.toml", "title = \"Secret outside\"\ntype = \"bug\"\nstage = \"triage\"\n");
    std::os::unix::fs::symlink("../outside.toml", sandbox.root().join("issues/link.toml")).expect("link");
    let fifo = sandbox.root().join("issues/fifo.toml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    for args in [&["list"][..], &["list", "--stage", "triage"], &["search", "secret"], &["check"], &["show", "link"]] {
        let run = sandbox.docket(args);
        assert!(!run.stdout.contains("Secret outside"), "{args:?} followed the link: {}", run.stdout);
    }
    for args in [&["list"][..], &["check"]] {
        assert_ne!(sandbox.docket(args).code, 0, "{args:?} reports them");
    }
    assert!(sandbox.docket(&["show", "link"]).stderr.contains("no record has an id starting with `link`"));
    let run = sandbox.docket(&["list"]);
    assert!(run.stdout.contains("Good"), "{}", run.stdout);
    assert!(run.stderr.contains("`issues/link.toml` is a symbolic link"), "{}", run.stderr);
    assert!(run.stderr.contains("`issues/fifo.toml` is not a regular file"), "{}", run.stderr);
    assert_eq!(sandbox.docket(&["search", "good"]).code, 0, "the index skips what is not a record");
}

/// `--open` keeps the records whose work goes on; `--unassigned` the issues and MIR bugs
/// nobody holds. Expected values come from the records' own fields in `--json`.
#[test]
fn open_and_unassigned() {
    let sandbox = Sandbox::example("ops");
    sandbox.write("issues/done01.toml", "title = \"Done\"\ntype = \"bug\"\nstage = \"closed\"\n");
    let all: serde_json::Value = serde_json::from_str(sandbox.docket(&["list", "--json"]).ok()).expect("json");
    let all = all.as_array().expect("array");
    let expected = |keep: &dyn Fn(&serde_json::Value) -> bool| -> Vec<String> {
        all.iter().filter(|r| keep(r)).map(|r| r["id"].as_str().expect("id").to_owned()).collect()
    };
    let open = expected(&|r| !matches!(r["stage"].as_str(), Some("completed" | "closed")));
    let unassigned = expected(&|r| r["kind"] != "milestone" && r["assignee"].is_null());
    assert!(open.len() < all.len() && !open.is_empty() && !open.contains(&"done01".to_owned()));
    assert!(unassigned.len() < all.len() && !unassigned.is_empty());
    assert_eq!(ids(&sandbox, &["--open"]), open);
    assert_eq!(ids(&sandbox, &["--unassigned"]), unassigned);
    let both: Vec<String> = open.iter().filter(|id| unassigned.contains(id)).cloned().collect();
    assert_eq!(ids(&sandbox, &["--open", "--unassigned"]), both);
    assert_eq!(sandbox.docket(&["list", "--unassigned", "--assignee", "ana"]).code, 2);
}
