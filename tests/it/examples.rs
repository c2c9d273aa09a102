//! The bundled example trackers are valid, and docket reads every record in them.

use std::path::Path;

use crate::support::Sandbox;

const EXAMPLES: &[&str] = &["ops", "refinement", "support", "mir"];

/// The ids of all `.toml` files under the record folders, found without docket.
fn file_ids(example: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(example);
    let mut ids = Vec::new();
    for folder in ["issues", "mir", "milestones"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            if path.extension().is_some_and(|x| x == "toml") {
                ids.push(path.file_stem().expect("stem").to_string_lossy().into_owned());
            }
        }
    }
    ids.sort();
    ids
}

#[test]
fn every_example_is_valid_and_complete() {
    for example in EXAMPLES {
        let sandbox = Sandbox::example(example);
        let run = sandbox.docket(&["list", "--json"]);
        assert_eq!(run.code, 0, "{example}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{example} has warnings");
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("json");
        let mut ids: Vec<String> =
            json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect();
        ids.sort();
        assert_eq!(ids, file_ids(example), "{example}");
        assert!(ids.len() >= 10, "{example} is too small to be realistic");
    }
}

#[test]
fn examples_work_in_place_from_the_repository() {
    // The README's first command runs docket on examples/ops inside docket's own checkout.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        return; // a source tarball without git: nothing to check in place
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["-C", "examples/ops", "list"])
        .current_dir(root)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("docket runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stdout).contains("Refund macro"));
}

/// `docket fmt --check`, which the book recommends for CI, passes on every bundled example and
/// on everything docket's own commands write there; a file laid out by hand is not reordered
/// by an edit (the new key goes last).
#[test]
fn docket_writes_what_fmt_check_accepts() {
    for example in ["ops", "refinement", "support", "mir"] {
        let sandbox = crate::support::Sandbox::example(example);
        let run = sandbox.docket(&["fmt", "--check"]);
        assert_eq!(run.code, 0, "{example}: {}{}", run.stdout, run.stderr);
    }
    let sandbox = crate::support::Sandbox::example("ops");
    let id = sandbox.docket(&["new", "issue", "-t", "Fresh one", "--type", "feature"]).ok().trim().to_owned();
    for args in [
        vec!["set", id.as_str(), "weight=2", "assignee=dylan", "requester=jason", "labels+=customer::saas"],
        vec!["set", id.as_str(), "approval_required=true", "approved_by=amanda", "rice.reach=10"],
        vec!["comment", id.as_str(), "-m", "hello"],
        vec!["update", id.as_str(), "--health", "on_track", "-m", "fine"],
        vec!["move", "sn2gzh", "blocked", "blocked_reason=waiting", "blocked_by+=kqnj42"],
        vec!["set", "kqnj42", "weight=3", "gameplan=a plan", "description=two\nlines"],
        vec!["new", "mir", "--package", "libfoo"],
        vec!["new", "milestone", "-t", "M9", "--id", "m9", "--start", "2027-01-01", "--end", "2027-01-10"],
        vec!["set", "m9", "capacity.ana=3"],
    ] {
        sandbox.docket(&args).ok();
        let run = sandbox.docket(&["fmt", "--check"]);
        assert_eq!(run.code, 0, "after {args:?}: {}{}", run.stdout, run.stderr);
    }
    // Laid out by hand (description first): `set` adds its key last and moves nothing.
    sandbox
        .write("issues/h4nd00.toml", "description = \"first\"\ntitle = \"Mine\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.docket(&["set", "h4nd00", "weight=1"]).ok();
    assert_eq!(
        sandbox.read("issues/h4nd00.toml"),
        "description = \"first\"\ntitle = \"Mine\"\ntype = \"bug\"\nstage = \"triage\"\nweight = 1\n"
    );
}
