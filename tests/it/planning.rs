//! `plan`, `next`, `report` and `log` on a tracker with a scripted history (commits at pinned
//! dates). The expected numbers are worked out by hand in the comments.

use std::fmt::Write as _;

use crate::support::{Sandbox, history_packs};

const DESCRIPTION: &str = "description = \"\"\"\n## Context\nc\n## Proposal\np\n## Definition of Done\nd\n\"\"\"\n";

fn issue(title: &str, stage: &str, extra: &str) -> String {
    format!("title = \"{title}\"\ntype = \"feature\"\nstage = \"{stage}\"\n{extra}{DESCRIPTION}")
}

/// Commits everything at `date` (noon UTC).
fn commit_at(sandbox: &Sandbox, date: &str, message: &str) {
    let when = format!("{date}T12:00:00Z");
    sandbox.git(&["add", "-A"]);
    let run =
        sandbox.git_with(&["commit", "-qm", message], &[("GIT_COMMITTER_DATE", &when), ("GIT_AUTHOR_DATE", &when)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Milestone m1 ran 2026-10-01..10-14 with 10 days of capacity; m2 runs 11-02..11-13 with 15.
/// Issue a (weight 3, m1) went refinement 09-28 → ready 09-30 → `in_dev` 10-02 → `in_review` 10-08
/// → done 10-10. Issue b (weight 2, m1) went refinement 09-28 → ready 10-05 → `in_dev` 10-06 and
/// is still there.
fn scripted() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    sandbox.write("docket.toml", "[workflows]\nissue = \"refinement\"\n[team]\nmembers = [\"ana\", \"bo\"]\n");
    sandbox.write(
        "milestones/m1.toml",
        "title = \"M1\"\nstage = \"active\"\nstart = 2026-10-01\nend = 2026-10-14\n[capacity]\nana = 10\n",
    );
    sandbox.write(
        "milestones/m2.toml",
        "title = \"M2\"\nstage = \"planning\"\nstart = 2026-11-02\nend = 2026-11-13\n[capacity]\nana = 10\nbo = 5\n",
    );
    let a = |stage: &str| issue("A", stage, "weight = 3\nmilestone = \"m1\"\nassignee = \"ana\"\n");
    let b = |stage: &str| issue("B", stage, "weight = 2\nmilestone = \"m1\"\nassignee = \"bo\"\n");
    sandbox.write("issues/a.toml", &a("refinement"));
    sandbox.write("issues/b.toml", &b("refinement"));
    commit_at(&sandbox, "2026-09-28", "filed");
    for (date, who, stage) in [
        ("2026-09-30", "a", "ready_for_development"),
        ("2026-10-02", "a", "in_dev"),
        ("2026-10-05", "b", "ready_for_development"),
        ("2026-10-06", "b", "in_dev"),
        ("2026-10-08", "a", "in_review"),
        ("2026-10-10", "a", "done"),
    ] {
        let text = if who == "a" { a(stage) } else { b(stage) };
        sandbox.write(&format!("issues/{who}.toml"), &text);
        commit_at(&sandbox, date, &format!("{who} to {stage}"));
    }
    // M2's candidates, added on 10-15.
    sandbox.write(
        "issues/c.toml",
        &issue(
            "C",
            "ready_for_development",
            "weight = 2\nmilestone = \"m2\"\nlabels = [\"Deliverable\", \"priority::high\"]\n",
        ),
    );
    sandbox.write(
        "issues/d.toml",
        &issue("D", "ready_for_development", "weight = 2\nmilestone = \"m2\"\nlabels = [\"Deliverable\"]\n"),
    );
    sandbox.write(
        "issues/e.toml",
        &issue("E", "ready_for_development", "weight = 1\nmilestone = \"m2\"\nlabels = [\"priority::low\"]\n"),
    );
    sandbox.write("issues/f.toml", &issue("F", "refinement", "milestone = \"m2\"\n"));
    sandbox.write("issues/g.toml", &issue("G", "ready_for_development", "weight = 5\nmilestone = \"m2\"\n"));
    commit_at(&sandbox, "2026-10-15", "m2 candidates");
    sandbox
}

const NOW: (&str, &str) = ("DOCKET_NOW", "2026-10-20T12:00:00Z");
/// `plan` and `log` build the history cache rather than walk the history of their records.
const BUILD_CACHE: (&str, &str) = ("DOCKET_HISTORY_WALK_AT", "0");

fn ids(values: &serde_json::Value) -> Vec<String> {
    values.as_array().expect("array").iter().map(|v| v["id"].as_str().expect("id").to_owned()).collect()
}

#[test]
fn plan_numbers_match_a_hand_calculation() {
    let sandbox = scripted();
    let run = sandbox.docket_with(&["plan", "m2", "--json"], &[NOW], "");
    let plan: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    // Velocity: M1 finished a's 3 weight within its 10 days: 0.3 a day.
    assert_eq!(plan["velocity_source"], "history");
    assert!((plan["velocity"].as_f64().expect("number") - 0.3).abs() < 1e-9);
    // The velocity was measured over whole days, refinement included: no share is taken out
    // again. (10 + 5 days) × 0.3 = 4.5, less the 2 carried over (M1 left b unfinished) = 2.5.
    assert_eq!(plan["development_share"], 1.0);
    assert_eq!(ids(&plan["carryover"]), ["b"]);
    assert_eq!(plan["carryover"][0]["remaining_weight"], 2);
    assert_eq!(plan["carryover_weight"], 2);
    assert!((plan["capacity"].as_f64().expect("number") - 2.5).abs() < 1e-9, "{plan}");
    assert!((plan["people"][1]["weight"].as_f64().expect("number") - 1.5).abs() < 1e-9);
    // In priority order c (2, fits: 2), d (2, 4 > 2.5: stretch), e (1, 3 > 2.5: stretch), g (5: stretch).
    assert_eq!(ids(&plan["deliverables"]), ["c"]);
    assert_eq!(ids(&plan["stretch"]), ["d", "e", "g"]);
    // Committed: what carries the Deliverable label, c and d: 4, over 2.5.
    assert_eq!(plan["committed_weight"], 4);
    assert_eq!(plan["over_capacity"], true);
    assert_eq!(ids(&plan["unrefined"]), ["f"]);
    assert_eq!(ids(&plan["split"]), ["g"]);
    assert_eq!(plan["finalize_by"], "2026-10-30");
    assert_eq!(plan["retro_due"], "2026-11-27");
    // Without a milestone named, the next one to start is planned.
    let default: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["plan", "--json"], &[NOW], "").ok()).expect("json");
    assert_eq!(default["milestone"], "m2");
}

/// `plan`, `plan --apply`, the finalize gate (`move` and the pre-commit hook) count one
/// capacity: committing more than `plan` says fits is refused with the number `plan` shows,
/// and what `--apply` leaves is accepted, here and by `check --range`.
#[test]
fn plan_apply_and_the_finalize_gate_agree() {
    let sandbox = scripted();
    let base = sandbox.git(&["rev-parse", "HEAD"]).trim().to_owned();
    sandbox.docket(&["hook", "install"]).ok();
    let date = [NOW, ("GIT_COMMITTER_DATE", "2026-10-20T12:00:00Z")];
    // c and d are Deliverables, 4 weight against the 2.5 of `plan_numbers_match_a_hand_calculation`.
    let refused = sandbox.docket_with(&["move", "m2", "finalized"], &date, "");
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(refused.stderr.contains("the Deliverables weigh 4, over the capacity of 2.5"), "{}", refused.stderr);
    assert!(refused.stderr.contains("the Deliverable `c` has no assignee"), "{}", refused.stderr);
    let milestone = sandbox.read("milestones/m2.toml");
    sandbox.write("milestones/m2.toml", &milestone.replace("stage = \"planning\"", "stage = \"finalized\""));
    let hook = sandbox.git_with(&["commit", "-qam", "finalize"], &date);
    assert_eq!(hook.code, 1, "{}", hook.stderr);
    assert!(hook.stderr.contains("the Deliverables weigh 4, over the capacity of 2.5"), "{}", hook.stderr);
    // Let in past the hook, a range check judges it with the velocity of the history as of
    // its parent (the default velocity would allow 15 × 0.5 × 0.8 − 2 = 4.0).
    sandbox.git_with(&["commit", "-qam", "finalize", "--no-verify"], &date);
    sandbox.git(&["commit", "-q", "--allow-empty", "-m", "later", "--no-verify"]);
    let range = sandbox.docket(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 1, "{}", range.stderr);
    assert!(range.stderr.contains("over the capacity of 2.5"), "{}", range.stderr);
    sandbox.git(&["reset", "-q", "--hard", &base]);
    // What `plan --apply` leaves, assigned, is accepted by `move` and by the hook.
    sandbox.docket_with(&["plan", "m2", "--apply"], &[NOW], "").ok();
    sandbox.docket(&["set", "c", "assignee=ana"]).ok();
    commit_at(&sandbox, "2026-10-20", "plan m2");
    sandbox.docket_with(&["move", "m2", "finalized"], &date, "").ok();
    let hook = sandbox.git_with(&["commit", "-qam", "finalize m2"], &date);
    assert_eq!(hook.code, 0, "{}", hook.stderr);
    let range = sandbox.docket(&["check", "--range", &format!("{base}..HEAD")]);
    assert_eq!(range.code, 0, "{}", range.stderr);
}

#[test]
fn plan_apply_labels_through_the_workflow() {
    let sandbox = scripted();
    let run = sandbox.docket_with(&["plan", "m2", "--apply"], &[NOW], "");
    let diff = run.ok();
    assert!(diff.contains("+labels = [\"priority::low\", \"Stretch\"]"), "{diff}");
    let show = |id: &str| -> serde_json::Value {
        serde_json::from_str(sandbox.docket(&["show", id, "--json"]).ok()).expect("json")
    };
    // The capacity of `plan_numbers_match_a_hand_calculation`: c fits, the rest overflows.
    assert_eq!(show("c")["labels"], serde_json::json!(["Deliverable", "priority::high"]));
    assert_eq!(show("e")["labels"], serde_json::json!(["priority::low", "Stretch"]));
    assert_eq!(show("d")["labels"], serde_json::json!(["Stretch"]));
    assert_eq!(show("g")["labels"], serde_json::json!(["Stretch"]));
    // A second run changes nothing.
    let again = sandbox.docket_with(&["plan", "m2", "--apply"], &[NOW], "");
    assert_eq!(again.ok(), "");
}

#[test]
fn next_follows_the_priority_order() {
    let sandbox = scripted();
    // While M2 runs: Deliverable+high (c), Deliverable (d), low (e), then the rest by weight:
    // b (2), g (5), f (none). a is done.
    let during = ("DOCKET_NOW", "2026-11-03T12:00:00Z");
    let run = sandbox.docket_with(&["next", "--json", "-n", "0"], &[during], "");
    let next: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(ids(&next), ["c", "d", "e", "b", "g", "f"]);
    assert_eq!(next[0]["reason"], "Deliverable, priority::high");
    assert_eq!(next[1]["reason"], "Deliverable");
    // Before M2 starts, its Deliverables are not yet this milestone's: each by its priority, d
    // (none) after e (low), tied with b by weight, then by id.
    let run = sandbox.docket_with(&["next", "--json", "-n", "0"], &[NOW], "");
    let next: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(ids(&next), ["c", "e", "b", "d", "g", "f"]);
    assert_eq!(next[0]["reason"], "priority::high");
    let without_index = sandbox.docket_with(&["next", "--json", "-n", "0", "--no-index"], &[NOW], "");
    assert_eq!(ids(&serde_json::from_str(without_index.ok()).expect("json")), ids(&next));
    // Blocked by an open record: skipped until it is done.
    sandbox.write(
        "issues/h.toml",
        &issue(
            "H",
            "ready_for_development",
            "weight = 1\nlabels = [\"Deliverable\", \"priority::high\"]\nblocked_by = [\"b\"]\n",
        ),
    );
    let next: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["next", "--json", "-n", "0"], &[NOW], "").ok()).expect("json");
    assert!(!ids(&next).contains(&"h".to_owned()));
    let mine: serde_json::Value = serde_json::from_str(
        sandbox.docket_with(&["next", "--json", "-n", "0", "--assignee", "ana"], &[during], "").ok(),
    )
    .expect("json");
    // Assigned to ana, or to nobody: b is bo's.
    assert_eq!(ids(&mine), ["c", "d", "e", "g", "f"]);
}

#[test]
fn metrics_from_history() {
    let sandbox = scripted();
    let run = sandbox.docket_with(&["report", "metrics", "--json"], &[NOW], "");
    let metrics: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    let refinement = &metrics["refinement"];
    // a spent 2 days in refinement (09-28 → 09-30), b 7 (09-28 → 10-05): 4.5 on average.
    assert!((refinement["average_days"].as_f64().expect("number") - 4.5).abs() < 1e-9, "{refinement}");
    assert_eq!(refinement["refined_per_week"], serde_json::json!({"2026-W40": 1, "2026-W41": 1}));
    let state = |name: &str| {
        metrics["states"].as_array().expect("array").iter().find(|s| s["state"] == name).cloned().expect("state")
    };
    // in_dev: a stayed 6 days (10-02 → 10-08); b is there now.
    assert_eq!(state("in_dev")["stays"], 1);
    assert!((state("in_dev")["average_days"].as_f64().expect("number") - 6.0).abs() < 1e-9);
    assert_eq!(state("in_dev")["current"], 1);
    // One record reached done, in the week of 10-10.
    assert_eq!(metrics["throughput"], serde_json::json!({"2026-W41": 1}));
    // A second run reads the cache and says the same.
    let again: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "metrics", "--json"], &[NOW], "").ok()).expect("json");
    assert_eq!(again, metrics);
    assert!(sandbox.root().join(".git/docket/history/state.json").is_file());
    // Three days later, from the metrics cached at this commit: the stays still going have
    // grown (b, in_dev since 10-06, has 3 more days of development), exactly as a computation
    // from history on that day says.
    let later = ("DOCKET_NOW", "2026-10-23T12:00:00Z");
    let cached: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "metrics", "--json"], &[later], "").ok()).expect("json");
    let grown = cached["refinement"]["development_days"].as_f64().expect("number")
        - metrics["refinement"]["development_days"].as_f64().expect("number");
    assert!((grown - 3.0).abs() < 1e-9, "{cached}");
    std::fs::remove_file(sandbox.root().join(".git/docket/metrics.json")).expect("the metrics are cached");
    let fresh: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "metrics", "--json"], &[later], "").ok()).expect("json");
    assert_eq!(cached, fresh);
    // Other done states make other metrics: the parts cached for the old ones are not read.
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &format!("{config}[planning]\ndone_stages = [\"in_dev\"]\n"));
    let other: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "metrics", "--json"], &[later], "").ok()).expect("json");
    assert_eq!(other["throughput"], serde_json::json!({"2026-W40": 1, "2026-W41": 1}), "a and b entered in_dev");
}

/// `report metrics` at a later commit takes the parts kept at an earlier one and updates them
/// by the records the commits between changed. At each step they equal a computation from the
/// whole history: records moved, added, edited, deleted, several commits at once, and a merge
/// of a branch the parts were kept on (off the first-parent line: computed afresh).
#[test]
fn metrics_follow_commits_as_a_fresh_computation_says() {
    let sandbox = scripted();
    let kept = sandbox.root().join(".git/docket/metrics.json");
    let metrics = || sandbox.docket_with(&["report", "metrics", "--json"], &[NOW], "").ok().to_owned();
    let fresh = || {
        std::fs::remove_file(&kept).expect("the metrics are kept");
        metrics()
    };
    let x = |stage: &str| issue("X", stage, "weight = 1\n");
    let set_stage = |who: &str, from: &str, to: &str| {
        let path = format!("issues/{who}.toml");
        let text = sandbox.read(&path).replace(&format!("stage = \"{from}\""), &format!("stage = \"{to}\""));
        sandbox.write(&path, &text);
    };
    let mut seen = vec![metrics()];
    let mut step = |what: &str| {
        let updated = metrics();
        assert_eq!(updated, fresh(), "after {what}");
        assert!(!seen.contains(&updated), "{what} changes the metrics: {updated}");
        seen.push(updated);
    };
    set_stage("b", "in_dev", "in_review");
    commit_at(&sandbox, "2026-10-16", "b to review");
    step("one record moved");
    sandbox.write("issues/x.toml", &x("refinement"));
    let a = sandbox.read("issues/a.toml").replace("title = \"A\"", "title = \"A, renamed\"");
    sandbox.write("issues/a.toml", &a);
    commit_at(&sandbox, "2026-10-17", "x filed, a renamed");
    step("a record added");
    set_stage("x", "refinement", "ready_for_development");
    set_stage("b", "in_review", "done");
    commit_at(&sandbox, "2026-10-19", "x ready, b done");
    step("two records moved in one commit");
    set_stage("x", "ready_for_development", "in_dev");
    commit_at(&sandbox, "2026-10-20", "x in dev");
    set_stage("x", "in_dev", "in_review");
    commit_at(&sandbox, "2026-10-21", "x in review");
    step("two commits at once");
    std::fs::remove_file(sandbox.root().join("issues/x.toml")).expect("remove");
    commit_at(&sandbox, "2026-10-22", "x withdrawn");
    step("a record deleted");
    // The parts kept on a branch, which main then merges as its second parent.
    let main = sandbox.git(&["rev-parse", "--abbrev-ref", "HEAD"]);
    sandbox.git(&["checkout", "-q", "-b", "side"]);
    set_stage("c", "ready_for_development", "in_dev");
    commit_at(&sandbox, "2026-10-23", "c in dev");
    step("a commit on a branch");
    sandbox.git(&["checkout", "-q", main.trim()]);
    set_stage("d", "ready_for_development", "in_dev");
    commit_at(&sandbox, "2026-10-24", "d in dev");
    let when = [("GIT_COMMITTER_DATE", "2026-10-25T12:00:00Z"), ("GIT_AUTHOR_DATE", "2026-10-25T12:00:00Z")];
    let merged = sandbox.git_with(&["merge", "-q", "--no-ff", "-m", "merge side", "side"], &when);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    step("a merge");
    // The history cache followed the same commits: built anew, it says the same.
    std::fs::remove_dir_all(sandbox.root().join(".git/docket/history")).expect("the history is kept");
    assert_eq!(&fresh(), seen.last().expect("metrics"), "from a history built anew");
}

#[test]
fn stale_weekly_updates() {
    let sandbox = scripted();
    sandbox.write(
        "issues/b.toml",
        &issue("B", "in_dev", "weight = 2\nmilestone = \"m1\"\nassignee = \"bo\"\ncreated = 2026-09-28\n[[updates]]\ndate = 2026-10-10\ntext = \"halfway\"\n"),
    );
    sandbox.write("issues/c.toml", &issue("C", "in_dev", "weight = 2\nassignee = \"ana\"\ncreated = 2026-10-15\n[[updates]]\ndate = 2026-10-16\ntext = \"started\"\n"));
    let stale: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "stale", "--json"], &[NOW], "").ok()).expect("json");
    // b's last update is 10 days old on 10-20; c's is 4.
    assert_eq!(ids(&stale), ["b"]);
    assert_eq!(stale[0]["days"], 10);
    assert_eq!(stale[0]["last_update"], "2026-10-10");
    assert_eq!(stale[0]["health"], serde_json::Value::Null);
    // The weekly routine: `docket update` posts one, with its health; b is no longer stale,
    // and a later report shows the health it reported.
    let run =
        sandbox.docket_with(&["update", "b", "--health", "needs_attention", "-m", "waiting on review"], &[NOW], "");
    run.ok();
    let text = sandbox.read("issues/b.toml");
    assert!(text.contains("health = \"needs_attention\""), "{text}");
    assert!(text.contains("[[updates]]\ndate = 2026-10-20\n"), "{text}");
    let stale: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "stale", "--json"], &[NOW], "").ok()).expect("json");
    assert_eq!(ids(&stale), Vec::<String>::new());
    let later = ("DOCKET_NOW", "2026-10-29T12:00:00Z");
    let stale: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "stale", "--json"], &[later], "").ok()).expect("json");
    // c's last update is 13 days old, b's 9: oldest first.
    assert_eq!(ids(&stale), ["c", "b"]);
    assert_eq!(stale[1]["health"], "needs_attention");
    // Only issues take weekly updates; an empty one is refused.
    assert_eq!(sandbox.docket(&["update", "m1", "-m", "x"]).code, 2);
    assert_eq!(sandbox.docket(&["update", "b", "-m", "  "]).code, 2);
}

#[test]
fn log_shows_each_commit_and_its_field_changes() {
    let sandbox = scripted();
    let run = sandbox.docket_with(&["log", "a", "--json"], &[NOW], "");
    let log: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    let states: Vec<&str> =
        log.as_array().expect("array").iter().map(|v| v["state"].as_str().expect("state")).collect();
    assert_eq!(states, ["refinement", "ready_for_development", "in_dev", "in_review", "done"]);
    assert_eq!(log[4]["date"], "2026-10-10T12:00:00Z");
    assert_eq!(log[4]["changes"], serde_json::json!([{"field": "stage", "old": "in_review", "new": "done"}]));
    let text = sandbox.docket_with(&["log", "a"], &[NOW], "");
    assert!(text.ok().contains("stage: in_review → done"), "{}", text.stdout);
}

/// With no history cache, `plan` and `log` walk the history of their own records and build no
/// cache; with `DOCKET_HISTORY_WALK_AT=0` they build it. The answers are the same either way.
#[test]
fn plan_and_log_answer_the_same_walking_or_from_the_cache() {
    let sandbox = scripted();
    let run = |args: &[&str], env: &[(&str, &str)]| sandbox.docket_with(args, env, "").ok().to_owned();
    let state = sandbox.root().join(".git/docket/history/state.json");
    assert!(!state.exists());
    let walked = [run(&["log", "a", "--json"], &[NOW]), run(&["plan", "m2", "--json"], &[NOW])];
    assert!(!state.exists(), "walked");
    let built =
        [run(&["log", "a", "--json"], &[NOW, BUILD_CACHE]), run(&["plan", "m2", "--json"], &[NOW, BUILD_CACHE])];
    assert!(state.exists(), "built");
    assert_eq!(walked, built);
    assert!(walked[0].contains("\"state\""), "a history to compare: {}", walked[0]);
}

/// The history cache is kept by commit, in small files by record: a later commit is added to
/// it, a damaged file is rebuilt from git, and a run cut short before it recorded how far it
/// got does not count a version twice.
#[test]
fn the_history_cache_follows_commits_and_survives_damage() {
    let sandbox = scripted();
    let log = |who: &str| sandbox.docket_with(&["log", who, "--json"], &[NOW, BUILD_CACHE], "").ok().to_owned();
    let metrics = || sandbox.docket_with(&["report", "metrics", "--json"], &[NOW], "").ok().to_owned();
    let (a, b, before) = (log("a"), log("b"), metrics());
    let cache = sandbox.root().join(".git/docket/history");
    let state = std::fs::read(cache.join("state.json")).expect("state");
    // A later commit: b moves on.
    let text = sandbox.read("issues/b.toml").replace("stage = \"in_dev\"", "stage = \"in_review\"");
    sandbox.write("issues/b.toml", &text);
    commit_at(&sandbox, "2026-10-16", "b to review");
    let b_moved = log("b");
    assert_eq!(b_moved.matches("\"commit\"").count(), b.matches("\"commit\"").count() + 1, "{b_moved}");
    assert_eq!(log("a"), a);
    let after = metrics();
    assert_ne!(after, before);
    // As if the run that added the commit had been killed before it wrote how far it got.
    std::fs::write(cache.join("state.json"), &state).expect("write");
    assert_eq!(log("b"), b_moved);
    assert_eq!(metrics(), after);
    // A state of another format version, claiming HEAD and no files: not trusted.
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    let foreign = format!(
        "{{\"version\":1,\"prefix\":\"\",\"head\":\"{}\",\"bits\":0,\"records\":0,\"present\":\"\"}}",
        head.trim()
    );
    std::fs::write(cache.join("state.json"), foreign).expect("write");
    assert_eq!(log("b"), b_moved);
    // Every cache file damaged.
    for pack in history_packs(&cache) {
        std::fs::write(pack, "{not json").expect("write");
    }
    assert_eq!(log("b"), b_moved);
    assert_eq!(metrics(), after);
    // Deleted altogether.
    std::fs::remove_dir_all(&cache).expect("remove");
    assert_eq!(log("a"), a);
    assert_eq!(metrics(), after);
}

/// A history cache built when the tracker was small is spread over more files as it grows, so
/// that a command about one record still reads little; the answers stay the same.
#[test]
fn the_history_cache_spreads_out_as_the_tracker_grows() {
    let sandbox = scripted();
    let log = |who: &str| sandbox.docket_with(&["log", who, "--json"], &[NOW, BUILD_CACHE], "").ok().to_owned();
    let a = log("a");
    let cache = sandbox.root().join(".git/docket/history");
    // How many buckets of about 16 records the cache is split into (256 to a pack file).
    let files = || {
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(cache.join("state.json")).expect("state")).expect("json");
        1_usize << state["bits"].as_u64().expect("bits")
    };
    assert_eq!(files(), 1, "a handful of records fit one bucket");
    for n in 0..300 {
        sandbox.write(&format!("issues/g{n:03}.toml"), &issue("G", "refinement", "weight = 1\n"));
    }
    commit_at(&sandbox, "2026-10-18", "many more");
    assert_eq!(log("a"), a);
    let g = log("g042");
    assert!(g.contains("\"refinement\""), "{g}");
    assert!(files() >= 16, "{} buckets for 300 records", files());
    // Metrics computed afresh read every one of those buckets.
    std::fs::remove_file(sandbox.root().join(".git/docket/metrics.json")).ok();
    let metrics: serde_json::Value =
        serde_json::from_str(sandbox.docket_with(&["report", "metrics", "--json"], &[NOW], "").ok()).expect("json");
    let refinement = metrics["states"].as_array().expect("states").iter().find(|s| s["state"] == "refinement");
    // As many as the files say, counted apart.
    let in_refinement = std::fs::read_dir(sandbox.root().join("issues"))
        .expect("issues")
        .flatten()
        .filter(|f| std::fs::read_to_string(f.path()).is_ok_and(|t| t.contains("stage = \"refinement\"")))
        .count();
    assert!(in_refinement > 300);
    assert_eq!(refinement.expect("refinement")["current"], in_refinement, "{metrics}");
    // And it is still brought up to date by later commits.
    sandbox.write("issues/g042.toml", &issue("G", "ready_for_development", "weight = 1\n"));
    commit_at(&sandbox, "2026-10-19", "g042 refined");
    assert!(log("g042").contains("\"ready_for_development\""));
    assert_eq!(log("a"), a);
}

/// A cache already spread over several files is spread again as it grows, and keeps every
/// record's history through it (the first spreading starts from one file; this one does not).
#[test]
fn a_spread_cache_spreads_again_without_losing_history() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    for n in 0..40 {
        sandbox.write(&format!("issues/s{n:03}.toml"), &issue("S", "triage", ""));
    }
    commit_at(&sandbox, "2026-10-01", "forty");
    let log = |id: &str| sandbox.docket_with(&["log", id, "--json"], &[NOW], "").ok().to_owned();
    let before: Vec<String> = (0..40).map(|n| log(&format!("s{n:03}"))).collect();
    assert!(before.iter().all(|l| l.contains("\"commit\"")), "{before:?}");
    for n in 40..200 {
        sandbox.write(&format!("issues/s{n:03}.toml"), &issue("S", "triage", ""));
    }
    commit_at(&sandbox, "2026-10-02", "two hundred");
    let after: Vec<String> = (0..40).map(|n| log(&format!("s{n:03}"))).collect();
    assert_eq!(after, before, "the first forty keep their history");
}

#[test]
fn expiring_mir_bugs_come_with_their_command() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    let bug = |status: &str| {
        format!(
            "title = \"[MIR] libfoo\"\npackage = \"libfoo\"\nstatus = \"{status}\"\nassignee = \"didrocks\"\nsubscribers = [\"~ubuntu-mir\"]\n"
        )
    };
    sandbox.write("mir/libfoo.toml", &bug("confirmed"));
    commit_at(&sandbox, "2026-08-01", "filed");
    sandbox.write("mir/libfoo.toml", &bug("incomplete"));
    commit_at(&sandbox, "2026-09-01", "questions");
    let due = |now: &str| -> serde_json::Value {
        serde_json::from_str(sandbox.docket_with(&["report", "expiring", "--json"], &[("DOCKET_NOW", now)], "").ok())
            .expect("json")
    };
    assert_eq!(due("2026-10-30T12:00:00Z"), serde_json::json!([]), "59 days");
    let expiring = due("2026-11-01T12:00:00Z");
    assert_eq!(expiring[0]["command"], "docket move libfoo invalid_expired", "61 days");
    // `docket check` warns about it too.
    let run = sandbox.docket_with(&["check"], &[("DOCKET_NOW", "2026-11-01T12:00:00Z")], "");
    assert!(run.stderr.contains("warning[workflow.due]"), "{}", run.stderr);
}

#[test]
fn charts_are_drawn_from_history() {
    let sandbox = scripted();
    // c and d are committed to m2; none is done by 11-05, so the burndown stays at 4 until
    // today and has no values after it.
    let now = ("DOCKET_NOW", "2026-11-05T12:00:00Z");
    sandbox.docket_with(&["plan", "m2", "--chart", "burndown.svg"], &[now], "").ok();
    let svg = sandbox.read("burndown.svg");
    assert!(svg.starts_with("<svg") && svg.contains("Burndown of M2"), "{svg}");
    let remaining =
        svg.lines().find(|l| l.starts_with("<polyline") && !l.contains("dasharray")).expect("remaining line");
    // 11-02 to 11-05: four days drawn, all at the top (4 of 4).
    assert_eq!(remaining.matches(',').count(), 4, "{remaining}");
    assert!(remaining.contains(",40.0 "), "{remaining}");
    sandbox.docket_with(&["report", "metrics", "--chart", "flow.svg"], &[NOW], "").ok();
    let flow = sandbox.read("flow.svg");
    // One band per issue state seen: refinement, ready_for_development, in_dev, in_review, done.
    assert_eq!(flow.matches("<polygon").count(), 5, "{flow}");
    assert!(!flow.contains(">active<") && !flow.contains(">planning<"), "milestones are not issues");
}

/// A small deterministic generator (splitmix64), for the generated trackers below.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        usize::try_from((z ^ (z >> 31)) % n as u64).expect("small")
    }
}

/// `docket next` through the index lists exactly what reading every file lists (`--no-index`),
/// in the same order, with the same count, for every limit and assignee: on a tracker with
/// every priority label (with suffixed and differently cased ones), missing weights and dates,
/// many ties, unassigned issues, parked and done ones, and issues waiting for open, done and
/// missing records; once committed, and again with uncommitted edits in the work tree.
#[test]
fn next_through_the_index_agrees_with_reading_every_file() {
    let sandbox = Sandbox::tracker();
    sandbox.write("docket.toml", "[workflows]\nissue = \"ops\"\n");
    let stages = ["triage", "planning", "queued", "development", "completed", "closed", "blocked", "backlogged"];
    let labels = [
        "Deliverable",
        "deliverable",
        "priority::high",
        "priority::medium",
        "priority::low",
        "priority::p0",
        "support-priority::p1",
        "priority::p2",
        "priority::p3",
        "Priority::High",
        "system::zendesk",
    ];
    let people = ["ana", "bo", "Ana"];
    let mut rng = Rng(5);
    let id = |n: usize| format!("n{n:03}");
    let write_all = |rng: &mut Rng, count: usize| {
        for n in 0..count {
            let mut text =
                format!("title = \"Issue {n}\"\ntype = \"bug\"\nstage = \"{}\"\n", stages[rng.below(stages.len())]);
            // Most issues have no priority: the last rank holds more than the index is first
            // asked for, so the walk asks again.
            let chosen: Vec<String> = (0..rng.below(5).saturating_sub(2))
                .map(|_| format!("\"{}\"", labels[rng.below(labels.len())]))
                .collect();
            let _ = writeln!(text, "labels = [{}]", chosen.join(", "));
            if rng.below(4) > 0 {
                let _ = writeln!(text, "weight = {}", 1 + rng.below(3));
            }
            if rng.below(4) > 0 {
                let _ = writeln!(text, "created = 2026-10-{:02}", 1 + rng.below(3));
            }
            if rng.below(3) > 0 {
                let _ = writeln!(text, "assignee = \"{}\"", people[rng.below(people.len())]);
            }
            if rng.below(8) == 0 {
                let waits = match rng.below(3) {
                    0 => "gone00".to_owned(),
                    _ => id(rng.below(count)),
                };
                let _ = writeln!(text, "blocked_by = [\"{waits}\"]");
            }
            let mut rice = String::new();
            // RICE scores break ties of weight: some complete (few distinct values, so scores
            // tie too), some partial (no score).
            match rng.below(4) {
                0 => {
                    let _ = write!(
                        rice,
                        "[rice]\nreach = {}\nimpact = {}\nconfidence = 0.5\neffort = {}\n",
                        100 * (1 + rng.below(3)),
                        1 + rng.below(2),
                        1 + rng.below(2)
                    );
                }
                1 => rice.push_str("[rice]\nreach = 500\n"),
                _ => {}
            }
            text.push_str(&rice);
            sandbox.write(&format!("issues/{}.toml", id(n)), &text);
        }
    };
    write_all(&mut rng, 150);
    // A file that is not a valid record is reported the same way by both.
    sandbox.write("issues/bad.toml", "title = \"Bad\"\ntype = \"bug\"\nstage = \"triage\"\nweight = \"three\"\n");
    sandbox.commit_all("generated");
    let compare = |when: &str| {
        for limit in ["0", "1", "3", "10", "40"] {
            for who in [None, Some("ana"), Some("bo")] {
                let mut args = vec!["next", "--json", "-n", limit];
                args.extend(who.map(|w| ["--assignee", w]).into_iter().flatten());
                // The index asked for few matches at first, then more, and for many at once.
                let asked_again = sandbox.docket_with(&args, &[NOW, ("DOCKET_NEXT_FIRST", "2")], "");
                let through_index = sandbox.docket_with(&args, &[NOW], "");
                args.push("--no-index");
                let every_file = sandbox.docket_with(&args, &[NOW], "");
                let listed: serde_json::Value = serde_json::from_str(every_file.ok()).expect("json");
                assert!(!listed.as_array().expect("array").is_empty() || limit == "0", "{when}: nothing listed");
                assert_eq!(through_index.stdout, every_file.stdout, "{when}: -n {limit} {who:?}");
                assert_eq!(through_index.stderr, every_file.stderr, "{when}: -n {limit} {who:?}");
                assert_eq!(asked_again.stdout, every_file.stdout, "{when}: -n {limit} {who:?}, asked again");
                assert_eq!(asked_again.stderr, every_file.stderr, "{when}: -n {limit} {who:?}, asked again");
            }
        }
    };
    compare("committed");
    // Uncommitted edits: a few files rewritten (searched from the index's overlay), one removed.
    let mut rng = Rng(9);
    write_all(&mut rng, 5);
    std::fs::remove_file(sandbox.root().join("issues/n007.toml")).expect("remove");
    compare("edited");
}

/// `docket plan` through the index plans exactly as reading every file does (`--no-index`):
/// the default milestone and each named one, on a tracker of milestones with tied and missing
/// dates, some without capacity, and issues that moved to done at pinned dates.
#[test]
fn plan_through_the_index_agrees_with_reading_every_file() {
    let sandbox = Sandbox::new();
    sandbox.docket(&["init"]).ok();
    sandbox.write("docket.toml", "[workflows]\nissue = \"refinement\"\n");
    let mut rng = Rng(3);
    // Six milestones two weeks apart, m4 and m5 ending on the same day, m2 without capacity,
    // m6 without dates.
    let dates = [
        ("m1", "2026-08-03", "2026-08-14", "ana = 10\n"),
        ("m2", "2026-08-17", "2026-08-28", ""),
        ("m3", "2026-08-31", "2026-09-11", "ana = 8\nbo = 4\n"),
        ("m4", "2026-09-14", "2026-09-25", "bo = 10\n"),
        ("m5", "2026-09-16", "2026-09-25", "ana = 5\n"),
        ("m7", "2026-11-02", "2026-11-13", "ana = 10\nbo = 5\n"),
        ("m8", "2026-11-02", "2026-11-20", "ana = 3\n"),
    ];
    for (id, start, end, capacity) in dates {
        sandbox.write(
            &format!("milestones/{id}.toml"),
            &format!("title = \"{id}\"\nstage = \"planning\"\nstart = {start}\nend = {end}\n[capacity]\n{capacity}"),
        );
    }
    sandbox.write("milestones/m6.toml", "title = \"m6\"\nstage = \"planning\"\n");
    // A file that is not a valid record is reported the same way by both.
    sandbox.write(
        "issues/bad.toml",
        "title = \"Bad\"\ntype = \"feature\"\nstage = \"in_dev\"\nweight = \"three\"\nmilestone = \"m7\"\n",
    );
    let milestones = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"];
    let stages = ["refinement", "ready_for_development", "in_dev"];
    let mut files = Vec::new();
    for n in 0..60 {
        let milestone = milestones[rng.below(milestones.len())];
        let labels = ["\"Deliverable\"", "\"priority::high\"", "\"Deliverable\", \"priority::high\""][rng.below(3)];
        let extra = format!("weight = {}\nmilestone = \"{milestone}\"\nlabels = [{labels}]\n", 1 + rng.below(5));
        files.push((format!("issues/p{n:02}.toml"), extra));
    }
    for (path, extra) in &files {
        sandbox.write(path, &issue("P", stages[rng.below(stages.len())], extra));
    }
    commit_at(&sandbox, "2026-08-01", "filed");
    // Some issues reach done on days through the milestones.
    for (day, (path, extra)) in files.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
        sandbox.write(path, &issue("P", "done", extra));
        commit_at(&sandbox, &format!("2026-{:02}-{:02}", 8 + day / 28, 1 + day % 28), "done");
    }
    let compare = |args: &[&str]| {
        let mut args = args.to_vec();
        let through_index = sandbox.docket_with(&args, &[NOW], "");
        args.push("--no-index");
        let every_file = sandbox.docket_with(&args, &[NOW], "");
        assert_eq!(through_index.code, every_file.code, "{args:?}: {}", every_file.stderr);
        assert_eq!(through_index.stdout, every_file.stdout, "{args:?}");
        assert_eq!(through_index.stderr, every_file.stderr, "{args:?}");
        through_index.stdout
    };
    let default = compare(&["plan", "--json"]);
    let plan: serde_json::Value = serde_json::from_str(&default).expect("json");
    assert_eq!(plan["velocity_source"], "history", "{plan}");
    for milestone in milestones {
        compare(&["plan", milestone, "--json"]);
        compare(&["plan", milestone]);
    }
}

/// `next -n N` through the index answers as reading every file does, for a few N: the ops
/// example's `priority::1`…`4` labels each make a rank of the index's own.
#[test]
fn next_through_the_index_agrees_with_every_file() {
    let sandbox = Sandbox::example("ops");
    for n in ["1", "2", "3", "5"] {
        let fast = sandbox.docket(&["next", "--json", "-n", n]);
        let slow = sandbox.docket(&["next", "--json", "-n", n, "--no-index"]);
        assert_eq!(
            ids(&serde_json::from_str(fast.ok()).expect("json")),
            ids(&serde_json::from_str(slow.ok()).expect("json")),
            "-n {n}"
        );
    }
}

/// `plan --apply` writes the whole plan or nothing: when the workflow refuses one of its edits,
/// no file is changed, the accepted edits before it included.
#[test]
fn plan_apply_writes_all_or_nothing() {
    let sandbox = scripted();
    // Ready for development asks that a weight-5 issue be split, not stretched: g's edit is
    // refused; d's and e's (before it in the plan) alone would be accepted.
    let builtin = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema/workflows/refinement.toml"))
        .expect("built in");
    let stricter = builtin.replace(
        "require = { ranges = { weight = [1, 5] } }\n[states.in_dev]",
        "require = { ranges = { weight = [1, 5] }, any = [{ labels_absent = [\"Stretch\"] }, { ranges = { weight = [1, 4] } }] }\n[states.in_dev]",
    );
    assert_ne!(stricter, builtin);
    sandbox.write("workflows/refinement.toml", &stricter);
    sandbox.commit_all("split first");
    let read = |sandbox: &Sandbox| -> Vec<String> {
        ["d", "e", "g"].iter().map(|id| sandbox.read(&format!("issues/{id}.toml"))).collect()
    };
    let before = read(&sandbox);
    let run = sandbox.docket_with(&["plan", "m2", "--apply"], &[NOW], "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("issues/g.toml") && run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert_eq!(read(&sandbox), before, "d and e unchanged too");
}
