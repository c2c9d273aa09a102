//! Many people editing offline and merging later: the field-level merge driver with the real
//! `git merge`, registered by `docket init` and `docket setup`.

use std::path::{Path, PathBuf};

use crate::support::Sandbox;

const ISSUE: &str = "# the refund macro\ntitle = \"Refund macro\"\ntype = \"feature\"\nstage = \"planning\"\nlabels = [\"customer::smb\", \"system::zendesk\", \"priority::2\"]\nweight = 2\n\n[[comments]]\ndate = 2026-11-20T09:00:00Z\nauthor = \"dylan\"\ntext = \"filed\"\n";

/// A bare origin and two clones, `a` and `b`, each set up with `docket setup`.
fn two_clones() -> (Sandbox, PathBuf, PathBuf) {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    sandbox.write("issues/k3x9q2.toml", ISSUE);
    sandbox.commit_all("init");
    let origin = sandbox.outside("origin.git");
    sandbox.git(&["clone", "-q", "--bare", sandbox.root().to_str().expect("utf-8"), origin.to_str().expect("utf-8")]);
    let clone = |name: &str| {
        let dir = sandbox.outside(name);
        let run =
            sandbox.git_with(&["clone", "-q", origin.to_str().expect("utf-8"), dir.to_str().expect("utf-8")], &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        for (key, value) in [("user.name", name), ("user.email", "x@example.com")] {
            sandbox.git_in(&dir, &["config", key, value], &[]);
        }
        let setup = sandbox.docket_in(&dir, &["setup"], &[], "");
        assert_eq!(setup.code, 0, "{}", setup.stderr);
        dir
    };
    let (a, b) = (clone("a"), clone("b"));
    (sandbox, a, b)
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("issues/k3x9q2.toml");
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{from}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

fn append(dir: &Path, text: &str) {
    let path = dir.join("issues/k3x9q2.toml");
    let mut all = std::fs::read_to_string(&path).expect("read");
    all.push_str(text);
    std::fs::write(&path, all).expect("write");
}

#[test]
fn offline_edits_to_different_fields_and_comments_merge_cleanly() {
    let (sandbox, a, b) = two_clones();
    edit(&a, "weight = 2", "weight = 3");
    append(&a, "\n[[comments]]\ndate = 2026-11-22T10:00:00Z\nauthor = \"a\"\ntext = \"from a\"\n");
    assert_eq!(sandbox.git_in(&a, &["commit", "-qam", "a's edit"], &[]).code, 0);
    assert_eq!(sandbox.git_in(&a, &["push", "-q"], &[]).code, 0);
    edit(
        &b,
        "labels = [\"customer::smb\", \"system::zendesk\", \"priority::2\"]",
        "labels = [\"customer::smb\", \"system::zendesk\", \"priority::2\", \"Deliverable\"]",
    );
    append(&b, "\n[[comments]]\ndate = 2026-11-21T10:00:00Z\nauthor = \"b\"\ntext = \"from b\"\n");
    assert_eq!(sandbox.git_in(&b, &["commit", "-qam", "b's edit"], &[]).code, 0);
    // Line-based merging would conflict here: both sides appended at the end of the file.
    let pull = sandbox.git_in(&b, &["pull", "-q", "--no-rebase", "--no-edit"], &[]);
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    let merged: toml::Table =
        toml::from_str(&std::fs::read_to_string(b.join("issues/k3x9q2.toml")).expect("read")).expect("valid TOML");
    assert_eq!(merged["weight"].as_integer(), Some(3));
    assert!(merged["labels"].as_array().expect("labels").iter().any(|l| l.as_str() == Some("Deliverable")));
    let comments: Vec<&str> =
        merged["comments"].as_array().expect("comments").iter().map(|c| c["text"].as_str().expect("text")).collect();
    assert_eq!(comments, ["filed", "from b", "from a"], "both comments, in date order, none lost");
    let text = std::fs::read_to_string(b.join("issues/k3x9q2.toml")).expect("read");
    assert!(text.starts_with("# the refund macro\n"), "the formatting survives:\n{text}");
}

#[test]
fn both_moving_the_stage_differently_is_a_conflict_showing_both() {
    let (sandbox, a, b) = two_clones();
    // Hand edits committed without the hook: the merge itself must catch the clash.
    edit(&a, "stage = \"planning\"", "stage = \"closed\"");
    assert_eq!(sandbox.git_in(&a, &["commit", "-q", "--no-verify", "-am", "a closes"], &[]).code, 0);
    assert_eq!(sandbox.git_in(&a, &["push", "-q", "--no-verify"], &[]).code, 0);
    edit(&b, "stage = \"planning\"", "stage = \"blocked\"");
    assert_eq!(sandbox.git_in(&b, &["commit", "-q", "--no-verify", "-am", "b blocks"], &[]).code, 0);
    let pull = sandbox.git_in(&b, &["pull", "-q", "--no-rebase", "--no-edit"], &[]);
    assert_ne!(pull.code, 0, "git reports the conflict");
    assert!(pull.stdout.contains("CONFLICT") || pull.stderr.contains("CONFLICT"), "{}{}", pull.stdout, pull.stderr);
    let text = std::fs::read_to_string(b.join("issues/k3x9q2.toml")).expect("read");
    assert!(
        text.contains("<<<<<<< ours: stage\nstage = \"blocked\"\n=======\nstage = \"closed\"\n>>>>>>> theirs: stage\n"),
        "{text}"
    );
    let status = sandbox.git_in(&b, &["status", "--porcelain"], &[]);
    assert!(status.stdout.contains("UU issues/k3x9q2.toml"), "{}", status.stdout);
}

#[test]
fn init_and_setup_register_the_driver() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    assert!(sandbox.read(".gitattributes").contains("issues/**/*.toml merge=docket"));
    let driver = sandbox.git(&["config", "merge.docket.driver"]);
    assert!(driver.contains("merge-driver %O %A %B %P"), "{driver}");
    assert!(
        std::fs::read_to_string(sandbox.root().join(".git/info/attributes"))
            .expect("attributes")
            .contains("issues/**/*.toml merge=docket")
    );
}

#[test]
fn fmt_checks_formats_and_relayouts() {
    let sandbox = Sandbox::example("ops");
    sandbox.docket(&["hook", "install"]).ok();
    sandbox.write(
        "issues/messy1.toml",
        "weight = 2\ntitle = \"Messy\" # kept\nrice = { reach = 5, effort = 1 }\nstage = \"triage\"\ntype = \"bug\"\n",
    );
    let check = sandbox.docket(&["fmt", "--check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stdout.contains("--- a/issues/messy1.toml\n+++ b/issues/messy1.toml\n"), "{}", check.stdout);
    sandbox.docket(&["fmt", "messy1"]).ok();
    assert_eq!(
        sandbox.read("issues/messy1.toml"),
        "title = \"Messy\" # kept\ntype = \"bug\"\nstage = \"triage\"\nweight = 2\n\n[rice]\nreach = 5\neffort = 1\n"
    );
    sandbox.commit_all("formatted");
    let records = |sandbox: &Sandbox| -> serde_json::Value {
        let mut json: serde_json::Value =
            serde_json::from_str(sandbox.docket(&["list", "--json", "--no-index"]).ok()).expect("json");
        for record in json.as_array_mut().expect("array") {
            record.as_object_mut().expect("object").remove("path");
        }
        json
    };
    let before = records(&sandbox);
    // To the sharded layout and back, each one commit the hooks accept.
    sandbox.docket(&["fmt", "--relayout", "sharded"]).ok();
    assert!(sandbox.root().join("issues/sn/sn2gzh.toml").is_file());
    assert!(sandbox.read("docket.toml").contains("layout = \"sharded\""));
    let commit = sandbox.git_with(&["commit", "-qm", "sharded"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    assert_eq!(records(&sandbox), before, "the same records, moved");
    sandbox.docket(&["fmt", "--relayout", "flat"]).ok();
    let commit = sandbox.git_with(&["commit", "-qm", "flat"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    assert!(sandbox.root().join("issues/sn2gzh.toml").is_file());
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
}

/// Eight `docket comment` processes on one issue at once: every comment lands.
#[test]
fn concurrent_comments_on_one_record_all_land() {
    let sandbox = Sandbox::example("ops");
    let children: Vec<_> =
        (0..8).map(|n| sandbox.spawn_docket(&["comment", "k23ewa", "-m", &format!("concurrent note {n}")])).collect();
    for mut child in children {
        assert!(child.wait().expect("docket runs").success());
    }
    let text = sandbox.read("issues/k23ewa.toml");
    for n in 0..8 {
        assert!(text.contains(&format!("concurrent note {n}")), "comment {n} kept:\n{text}");
    }
    sandbox.docket(&["check"]).ok();
}

/// `git pull` merging a branch where a record moved in several legal steps is accepted: git
/// runs pre-merge-commit with no `MERGE_HEAD` during a pull, so the merged side is read from
/// `FETCH_HEAD`, and its steps are not judged as one jump from the first parent.
#[test]
fn a_pull_that_brings_several_moves_is_accepted() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    sandbox.write("docket.toml", "[workflows]\nissue = \"refinement\"\n");
    sandbox.write(
        "issues/str3am.toml",
        "title = \"Stream\"\ntype = \"feature\"\nstage = \"ready_for_development\"\nweight = 2\nassignee = \"ana\"\n",
    );
    sandbox.commit_all("init");
    let origin = sandbox.outside("origin.git");
    sandbox.git(&["clone", "-q", "--bare", sandbox.root().to_str().expect("utf-8"), origin.to_str().expect("utf-8")]);
    let clone = |name: &str| {
        let dir = sandbox.outside(name);
        sandbox.git(&["clone", "-q", origin.to_str().expect("utf-8"), dir.to_str().expect("utf-8")]);
        for (key, value) in [("user.name", name), ("user.email", "x@example.com")] {
            sandbox.git_in(&dir, &["config", key, value], &[]);
        }
        sandbox.docket_in(&dir, &["setup"], &[], "").ok();
        dir
    };
    let (a, b) = (clone("a"), clone("b"));
    // a: ready → in_dev → in_review, two commits; ready → in_review is no transition.
    for (from, to) in [("ready_for_development", "in_dev"), ("in_dev", "in_review")] {
        let text = std::fs::read_to_string(a.join("issues/str3am.toml")).expect("read");
        std::fs::write(a.join("issues/str3am.toml"), text.replacen(from, to, 1)).expect("write");
        let commit = sandbox.git_in(&a, &["commit", "-qam", to], &[]);
        assert_eq!(commit.code, 0, "{}", commit.stderr);
    }
    assert_eq!(sandbox.git_in(&a, &["push", "-q"], &[]).code, 0);
    // b: another record, then pull: a merge commit through pre-merge-commit.
    std::fs::write(b.join("issues/0th3r0.toml"), "title = \"Other\"\ntype = \"feature\"\nstage = \"refinement\"\n")
        .expect("write");
    sandbox.git_in(&b, &["add", "-A"], &[]);
    let commit = sandbox.git_in(&b, &["commit", "-qm", "b's record"], &[]);
    assert_eq!(commit.code, 0, "{}", commit.stderr);
    let pull = sandbox.git_in(&b, &["pull", "-q", "--no-rebase", "--no-edit"], &[]);
    assert_eq!(pull.code, 0, "{}{}", pull.stdout, pull.stderr);
    let merged = std::fs::read_to_string(b.join("issues/str3am.toml")).expect("read");
    assert!(merged.contains("in_review"), "{merged}");
}
