//! `docket mirror push|pull|sync gitlab` and `docket mirror status` against the fake GitLab
//! (`fake_gitlab`), as a user would run them: the real binary, real git, real HTTP.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::fake_gitlab::{FakeGitlab, check_requests_against_openapi};
use crate::support::{Run, Sandbox};

/// The ops example, pointed at `fake` and committed.
fn ops_on(fake: &FakeGitlab) -> Sandbox {
    let sandbox = Sandbox::example("ops");
    point_at(&sandbox, fake);
    sandbox
}

/// The tracker's `[mirror.gitlab]` pointed at `fake`'s project, committed.
fn point_at(sandbox: &Sandbox, fake: &FakeGitlab) {
    let config = sandbox.read("docket.toml");
    let start = config.find("[mirror.gitlab]").map_or(config.len(), |at| at);
    let config =
        format!("{}[mirror.gitlab]\nurl = \"{}\"\nproject = \"group/project\"\n", &config[..start], fake.url());
    sandbox.write("docket.toml", &config);
    sandbox.commit_all("mirror to the fake GitLab");
}

fn mirror(sandbox: &Sandbox, fake: &FakeGitlab, args: &[&str]) -> Run {
    let mut all = vec!["mirror"];
    all.extend_from_slice(args);
    let run = sandbox.docket_with(&all, &[("GITLAB_TOKEN", fake.token()), ("DOCKET_MIRROR_BACKOFF_MS", "1")], "");
    assert!(!run.stdout.contains(fake.token()) && !run.stderr.contains(fake.token()), "the token was shown");
    run
}

/// The docket ids of the server's issues, from their markers.
fn markers(fake: &FakeGitlab) -> Vec<String> {
    fake.issues()
        .iter()
        .filter_map(|issue| {
            let description = issue["description"].as_str()?;
            let start = description.rfind("<!-- docket:")?;
            Some(description[start + 12..].trim_end().trim_end_matches(" -->").to_owned())
        })
        .collect()
}

fn labels(issue: &Value) -> BTreeSet<String> {
    issue["labels"].as_array().expect("labels").iter().map(|l| l.as_str().expect("a name").to_owned()).collect()
}

fn issue_for(fake: &FakeGitlab, id: &str) -> Value {
    fake.issues()
        .into_iter()
        .find(|issue| issue["description"].as_str().is_some_and(|d| d.contains(&format!("<!-- docket:{id} -->"))))
        .unwrap_or_else(|| panic!("no issue on the server for {id}"))
}

fn iid_for(fake: &FakeGitlab, id: &str) -> u64 {
    issue_for(fake, id)["iid"].as_u64().expect("an iid")
}

fn assert_conformant(fake: &FakeGitlab) {
    let violations = check_requests_against_openapi(&fake.requests());
    assert!(violations.is_empty(), "requests outside GitLab's contract:\n{}", violations.join("\n"));
}

#[test]
fn push_sends_every_issue_milestone_and_comment_and_a_second_push_writes_nothing() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    // A dry run lists the fields each new issue gets: none unset, none GitLab cannot take.
    let dry = mirror(&sandbox, &fake, &["push", "gitlab", "--dry-run", "--json"]);
    let report: Value = serde_json::from_str(dry.ok()).expect("json");
    let fields = |id: &str| -> BTreeSet<String> {
        report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["id"] == id)
            .map(|c| c["field"].as_str().expect("a name").to_owned())
            .collect()
    };
    let audit: BTreeSet<String> = ["assignee", "description", "labels", "milestone", "stage", "title", "type"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(fields("b146vh"), audit, "no `health` (read only), no `weight` (unset)");
    assert_eq!(report["comments_pushed"], 34, "22 comments and 12 weekly updates would be posted");
    assert_eq!(fake.writes(), 0);
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("15 created there, 0 updated there, 0 created here, 0 updated here, 0 unchanged, 0 conflicts, 0 skipped; 34 comments pushed, 0 pulled"), "{}", run.stdout);

    // Every issue, once, with its fields.
    let ids: BTreeSet<String> = std::fs::read_dir(sandbox.root().join("issues"))
        .expect("issues")
        .map(|e| e.expect("entry").path().file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    let mut pushed = markers(&fake);
    pushed.sort();
    assert_eq!(pushed, ids.iter().cloned().collect::<Vec<_>>(), "one issue per record, no duplicate");

    let milestones = fake.milestones();
    assert_eq!(milestones.len(), 1, "{milestones:?}");
    assert_eq!(milestones[0]["title"], "16.7");
    assert_eq!(milestones[0]["start_date"], "2026-11-16");
    assert_eq!(milestones[0]["due_date"], "2026-12-13");

    let audit = issue_for(&fake, "b146vh");
    assert_eq!(audit["title"], "Q4 macro audit: deactivate macros unused since 2025");
    assert_eq!(
        labels(&audit),
        [
            "customer::all",
            "system::zendesk-global",
            "priority::4",
            "validation::skipped",
            "type::administrative",
            "workflow::implementation"
        ]
        .into_iter()
        .map(str::to_owned)
        .collect()
    );
    assert_eq!(audit["assignees"][0]["username"], "lyle");
    assert_eq!(audit["milestone"]["title"], "16.7");
    assert_eq!(audit["state"], "opened");
    assert!(audit["description"].as_str().expect("text").starts_with("## Task\nQuarterly macro audit."));
    let weighted = issue_for(&fake, "ct10xw");
    assert_eq!(weighted["weight"], 3);
    // Terminal stages close the issue.
    assert_eq!(issue_for(&fake, "erbemn")["state"], "closed");
    assert_eq!(issue_for(&fake, "psfw03")["state"], "closed");

    // Comments and weekly updates as notes, with who wrote them and when.
    let notes = fake.notes(iid_for(&fake, "ct10xw"));
    assert_eq!(notes.len(), 4, "2 comments and 2 updates: {notes:?}");
    let update = notes.iter().find(|n| n["body"].as_str().is_some_and(|b| b.starts_with("**Weekly update**")));
    assert!(update.is_some(), "{notes:?}");
    let all_notes: usize = fake.issues().iter().map(|i| fake.notes(i["iid"].as_u64().expect("iid")).len()).sum();
    assert_eq!(all_notes, 34, "22 comments and 12 weekly updates in the example");

    // The remote numbers are recorded once, in one commit, and the work tree is clean.
    let record = sandbox.read("issues/b146vh.toml");
    assert!(record.contains(&format!("[mirror.gitlab]\niid = {}", audit["iid"])), "{record}");
    assert!(sandbox.read("milestones/16-7.toml").contains(&format!("id = {}", milestones[0]["id"])));
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
    assert_eq!(sandbox.docket(&["check"]).code, 0);
    assert_conformant(&fake);
    let status = sandbox.docket(&["mirror", "status"]);
    assert!(status.stdout.contains("linked: 14 issues, 1 milestone"), "{}", status.stdout);

    // Again: nothing to write, on either side.
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    fake.clear_requests();
    // Small pages: a second run that listed everything again would take several.
    fake.set_per_page_max(5);
    let again = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(again.code, 0, "{}", again.both());
    assert_eq!(fake.writes(), 0, "a second push wrote: {}", again.stdout);
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), head);
    assert!(again.stdout.contains("0 created there, 0 updated there"), "{}", again.stdout);
    let requests: Vec<String> =
        fake.requests().iter().map(|r| format!("{} {}?{}", r.method, r.path, r.query)).collect();
    assert_eq!(requests.len(), 2, "a second push lists what changed since the first, once: {requests:#?}");
}

#[test]
fn pull_brings_remote_changes_through_the_workflow_and_reports_what_it_refuses() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();

    // On GitLab: triage is done for k23ewa (its labels, and the stage), the milestone moves.
    let triaged = iid_for(&fake, "k23ewa");
    fake.edit_issue(triaged, "dylan", json!({"add_labels": "customer::all,priority::2,workflow::planning"}));
    let milestone = fake.milestones()[0]["id"].as_u64().expect("id");
    fake.edit_milestone(milestone, json!({"due_date": "2026-12-20"}));
    // And an illegal jump for another issue.
    let jumped = iid_for(&fake, "kqnj42");
    fake.edit_issue(jumped, "jason", json!({"add_labels": "workflow::triage"}));
    let before = sandbox.read("issues/kqnj42.toml");

    let run = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(run.code, 1, "a refused change is reported: {}", run.both());
    assert!(run.stderr.contains("kqnj42 was not changed"), "{}", run.stderr);
    assert!(run.stderr.contains("`development` → `triage`"), "{}", run.stderr);
    assert_eq!(sandbox.read("issues/kqnj42.toml"), before);

    let record = sandbox.read("issues/k23ewa.toml");
    assert!(record.contains("stage = \"planning\""), "{record}");
    assert!(record.contains("customer::all") && record.contains("priority::2"), "{record}");
    assert!(sandbox.read("milestones/16-7.toml").contains("end = 2026-12-20"));
    // One commit, which the hooks accept, and a clean work tree.
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
    let range = sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(range.code, 0, "{}", range.both());
    assert_conformant(&fake);

    // The refused change is reported again until the remote or the workflow changes.
    let again = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(again.code, 1, "{}", again.both());
    assert!(again.stderr.contains("kqnj42 was not changed"), "{}", again.stderr);
    assert!(again.stdout.contains("0 updated here"), "{}", again.stdout);
    let json = mirror(&sandbox, &fake, &["pull", "gitlab", "--json"]);
    assert_eq!(json.code, 1);
    let report: Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(report["updated_local"], json!([]));
    assert_eq!(report["refused"][0]["id"], "kqnj42");
    assert!(report["refused"][0]["messages"][0].as_str().is_some_and(|m| m.contains("triage")), "{report}");
    assert!(report["changes"].as_array().is_some_and(Vec::is_empty), "nothing written, nothing listed: {report}");
}

#[test]
fn a_field_changed_on_both_sides_is_a_conflict_that_overwrites_neither() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    let iid = iid_for(&fake, "ct10xw");
    fake.edit_issue(iid, "dylan", json!({"title": "Remote title"}));
    let text = sandbox.read("issues/ct10xw.toml");
    let title_line = text.lines().find(|l| l.starts_with("title = ")).expect("a title").to_owned();
    sandbox.write("issues/ct10xw.toml", &text.replacen(&title_line, "title = \"Local title\"", 1));
    sandbox.commit_all("retitle");

    let run = mirror(&sandbox, &fake, &["sync", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.both());
    assert!(run.stdout.contains("conflict: ct10xw title: changed on both sides"), "{}", run.stdout);
    assert!(
        run.stdout.contains("2 unchanged, 1 conflicts"),
        "the milestone and the last issue are unchanged, ct10xw is not: {}",
        run.stdout
    );
    assert_eq!(fake.issue(iid)["title"], "Remote title");
    assert!(sandbox.read("issues/ct10xw.toml").contains("title = \"Local title\""));
    // Still a conflict next time, until someone decides.
    let again = mirror(&sandbox, &fake, &["sync", "gitlab"]);
    assert_eq!(again.code, 1, "{}", again.both());
    assert!(again.stdout.contains("conflict: ct10xw title"), "{}", again.stdout);

    let resolved = mirror(&sandbox, &fake, &["sync", "gitlab", "--prefer", "local"]);
    assert_eq!(resolved.code, 0, "{}", resolved.both());
    assert_eq!(fake.issue(iid)["title"], "Local title");
    let quiet = mirror(&sandbox, &fake, &["sync", "gitlab"]);
    assert_eq!(quiet.code, 0, "{}", quiet.both());
}

#[test]
fn a_push_killed_after_the_server_made_an_issue_makes_no_duplicate() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    fake.stall_after_issue_creates(3);
    let credentials = sandbox.home().join(".config/docket/credentials.toml");
    std::fs::create_dir_all(credentials.parent().expect("a folder")).expect("folder");
    std::fs::write(&credentials, format!("[gitlab]\ntoken = \"{}\"\n", fake.token())).expect("write");
    let mut child = sandbox.spawn_docket_with(&["mirror", "push", "gitlab"], &[("DOCKET_MIRROR_BACKOFF_MS", "1")]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while fake.issues().len() < 3 {
        assert!(std::time::Instant::now() < deadline, "the push never created 3 issues");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // docket waits for the answer to the third create, which never comes: kill it there.
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert_eq!(fake.issues().len(), 3);
    let status = sandbox.docket(&["mirror", "status"]);
    assert!(status.stdout.contains("the last run was interrupted"), "{}", status.both());
    // While docket was down, someone retitled the issue it made last.
    fake.edit_issue(3, "jason", json!({"title": "Retitled while docket was down"}));

    let run = sandbox.docket_with(&["mirror", "push", "gitlab"], &[("DOCKET_MIRROR_BACKOFF_MS", "1")], "");
    assert_eq!(run.code, 0, "{}", run.both());
    let mut pushed = markers(&fake);
    let count = pushed.len();
    pushed.sort();
    pushed.dedup();
    assert_eq!(pushed.len(), count, "a duplicate on the server: {pushed:?}");
    assert_eq!(count, 14);
    let all_notes: usize = fake
        .issues()
        .iter()
        .map(|i| fake.notes(i["iid"].as_u64().expect("iid")).iter().filter(|n| n["system"] == false).count())
        .sum();
    assert_eq!(all_notes, 34);
    let status = sandbox.docket(&["mirror", "status"]);
    assert!(!status.stdout.contains("interrupted"), "{}", status.both());
    // Every record holds its GitLab number, the recovered ones too, and the tree is clean.
    for entry in std::fs::read_dir(sandbox.root().join("issues")).expect("issues") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        assert!(text.contains("[mirror.gitlab]\niid = "), "{text}");
    }
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
    // The recovered issue's base is what docket made, so the change made since is GitLab's:
    // a push keeps it, a pull brings it.
    assert_eq!(fake.issue(3)["title"], "Retitled while docket was down");
}

#[test]
fn a_push_through_429s_and_502s_delivers_each_issue_exactly_once() {
    let fake = FakeGitlab::start();
    let sandbox = Sandbox::tracker();
    point_at(&sandbox, &fake);
    for n in 0..250 {
        sandbox.write(
            &format!("issues/t{n:04}.toml"),
            &format!("title = \"Issue {n}\"\ntype = \"bug\"\nstage = \"triage\"\ncreated = 2026-11-20T10:00:00Z\n"),
        );
    }
    sandbox.commit_all("250 issues");
    fake.set_faults(Some(5), Some(7));
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    let mut pushed = markers(&fake);
    assert_eq!(pushed.len(), 250);
    pushed.sort();
    pushed.dedup();
    assert_eq!(pushed.len(), 250, "each issue exactly once");
    let faulted = fake.requests().iter().filter(|r| r.status == 429 || r.status == 502).count();
    assert!(faulted > 50, "the faults happened: {faulted}");
    fake.set_faults(None, None);
    let writes = fake.writes();
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    assert_eq!(fake.writes(), writes);
}

#[test]
fn a_429_waits_as_long_as_retry_after_says() {
    let fake = FakeGitlab::start();
    let sandbox = Sandbox::tracker();
    point_at(&sandbox, &fake);
    sandbox.write("issues/t0001.toml", "title = \"One\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.commit_all("one issue");
    // The second request is refused with `Retry-After: 1`; the retry waits that long, not the
    // backoff of 1 ms the tests set for 5xx.
    fake.set_faults(Some(2), None);
    fake.set_retry_after(1);
    let started = std::time::Instant::now();
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(fake.requests().iter().any(|r| r.status == 429), "a 429 was served");
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "waited {:?}", started.elapsed());
    assert_eq!(markers(&fake), vec!["t0001".to_owned()]);
}

#[test]
fn the_first_pull_imports_the_projects_issues_in_one_commit_the_hooks_accept() {
    let fake = FakeGitlab::start();
    let sandbox = Sandbox::tracker();
    point_at(&sandbox, &fake);
    fake.create_issue("dylan", json!({"title": "Printer on fire", "description": "Smoke.", "labels": "type::bug"}));
    fake.create_issue("jason", json!({"title": "Dark mode", "labels": "customer::all"}));
    let noted = fake.create_issue("lyle", json!({"title": "Already discussed"}));
    fake.add_note(noted, "lyle", "First thoughts.", false);
    fake.add_note(noted, "lyle", "changed the description", true);

    let dry = mirror(&sandbox, &fake, &["pull", "gitlab", "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.both());
    assert!(dry.stdout.contains("title: Printer on fire"), "{}", dry.stdout);
    let head = sandbox.git(&["rev-parse", "HEAD"]);

    let run = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("3 created here, 0 updated here"), "{}", run.stdout);
    assert!(run.stdout.contains("0 comments pushed, 1 pulled"), "{}", run.stdout);
    assert_eq!(sandbox.git(&["rev-list", "--count", &format!("{}..HEAD", head.trim())]).trim(), "1");
    let list = sandbox.docket(&["list", "--json"]);
    let records: Vec<Value> = serde_json::from_str(list.ok()).expect("json");
    let titles: BTreeSet<&str> = records.iter().filter_map(|r| r["title"].as_str()).collect();
    assert_eq!(titles, ["Printer on fire", "Dark mode", "Already discussed"].into_iter().collect());
    let printer = records.iter().find(|r| r["title"] == "Printer on fire").expect("imported");
    assert_eq!(printer["type"], "bug");
    assert_eq!(printer["stage"], "triage");
    assert_eq!(printer["description"], "Smoke.");
    assert!(
        printer["created"].as_str().is_some_and(|c| c.starts_with("2026-11-23T12:00")),
        "from GitLab's created_at: {printer}"
    );
    let dark = records.iter().find(|r| r["title"] == "Dark mode").expect("imported");
    assert_eq!(dark["labels"], json!(["customer::all"]));
    let discussed = records.iter().find(|r| r["title"] == "Already discussed").expect("imported");
    assert_eq!(discussed["comments"].as_array().map(Vec::len), Some(1), "system notes are not comments: {discussed}");
    assert_eq!(sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]).code, 0);

    // Pulled again: nothing changes, and no comment is read again.
    fake.clear_requests();
    let again = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(again.code, 0, "{}", again.both());
    assert_eq!(fake.writes(), 0, "{}", again.stdout);
    let requests: Vec<String> = fake.requests().iter().map(|r| format!("{} {}", r.method, r.path)).collect();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert_eq!(sandbox.git(&["rev-list", "--count", &format!("{}..HEAD", head.trim())]).trim(), "1");
    // Pushed: the issues get the labels of their type and stage, once.
    let push = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(push.code, 0, "{}", push.both());
    assert_eq!(
        labels(&fake.issue(noted)),
        ["type::feature", "workflow::triage"].into_iter().map(str::to_owned).collect()
    );
    let writes = fake.writes();
    mirror(&sandbox, &fake, &["sync", "gitlab"]).ok();
    assert_eq!(fake.writes(), writes);
    assert_eq!(sandbox.git(&["rev-list", "--count", &format!("{}..HEAD", head.trim())]).trim(), "1");
    // A change on GitLab after the import is pulled, not overwritten by the record's old value.
    fake.edit_issue(noted, "lyle", json!({"title": "Discussed and agreed"}));
    let synced = mirror(&sandbox, &fake, &["sync", "gitlab"]);
    assert_eq!(synced.code, 0, "{}", synced.both());
    assert_eq!(fake.issue(noted)["title"], "Discussed and agreed");
    let list = sandbox.docket(&["list", "--json"]);
    assert!(list.ok().contains("Discussed and agreed"), "{}", list.stdout);
}

#[test]
fn dry_run_shows_field_diffs_and_writes_nothing() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    let iid = iid_for(&fake, "ct10xw");
    fake.edit_issue(iid, "dylan", json!({"description": "New first line\nsecond line"}));
    sandbox.docket(&["set", "gqkfms", "weight=3"]).ok();
    sandbox.docket(&["comment", "gqkfms", "-m", "Heavier than we thought.", "--author", "lyle"]).ok();
    sandbox.commit_all("heavier");
    let writes = fake.writes();
    let head = sandbox.git(&["rev-parse", "HEAD"]);

    let run = mirror(&sandbox, &fake, &["sync", "gitlab", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.both());
    insta::assert_snapshot!(
        "mirror_dry_run",
        run.stdout.lines().filter(|l| !l.starts_with("gitlab")).collect::<Vec<_>>().join("\n")
    );
    assert_eq!(fake.writes(), writes);
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), head);

    let json = mirror(&sandbox, &fake, &["sync", "gitlab", "--dry-run", "--json"]);
    let report: Value = serde_json::from_str(json.ok()).expect("json");
    assert_eq!(report["updated_remote"], json!(["gqkfms"]));
    assert_eq!(report["comments_pushed"], 1, "the new comment would be posted");
    assert_eq!(report["updated_local"], json!(["ct10xw"]));
    assert_eq!(report["dry_run"], true);
}

#[test]
fn mirror_errors_say_what_to_fix_and_never_show_the_token() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    let no_token = sandbox.docket(&["mirror", "push", "gitlab"]);
    insta::assert_snapshot!("mirror_no_token", no_token.both());

    let refused = sandbox.docket_with(&["mirror", "push", "gitlab"], &[("GITLAB_TOKEN", "wrong-token")], "");
    assert!(!refused.stderr.contains("wrong-token"));
    insta::assert_snapshot!("mirror_bad_token", refused.both());

    drop(fake);
    let unreachable = sandbox.docket_with(
        &["mirror", "push", "gitlab"],
        &[("GITLAB_TOKEN", "t0ken"), ("DOCKET_MIRROR_BACKOFF_MS", "1")],
        "",
    );
    assert_eq!(unreachable.code, 2, "{}", unreachable.both());
    assert!(unreachable.stderr.contains("run the command again"), "{}", unreachable.stderr);
    assert!(!unreachable.stderr.contains("t0ken"));

    let bare = Sandbox::tracker();
    insta::assert_snapshot!(
        "mirror_not_configured",
        bare.docket_with(&["mirror", "push", "gitlab"], &[("GITLAB_TOKEN", "t")], "").both()
    );
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
}

#[test]
fn pull_brings_notes_and_health_and_waits_for_uncommitted_edits() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    let iid = iid_for(&fake, "gqkfms");
    fake.add_note(iid, "jason", "Reproduced on the sandbox.", false);
    fake.add_note(iid, "jason", "added ~priority::1 label", true);
    fake.edit_issue(iid, "dylan", json!({"health_status": "at_risk", "title": "Trigger: page the on-call manager"}));
    // Someone is editing the record right now.
    let committed = sandbox.read("issues/gqkfms.toml");
    sandbox.write("issues/gqkfms.toml", &format!("{committed}# thinking\n"));

    let waiting = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(waiting.code, 0, "{}", waiting.both());
    assert!(
        waiting.stdout.contains("skipped: gqkfms: issues/gqkfms.toml has uncommitted changes"),
        "{}",
        waiting.stdout
    );
    assert!(
        waiting.stdout.contains("0 updated here") && !waiting.stdout.contains("gqkfms ← gitlab"),
        "{}",
        waiting.stdout
    );
    assert_eq!(sandbox.read("issues/gqkfms.toml"), format!("{committed}# thinking\n"));

    sandbox.write("issues/gqkfms.toml", &committed);
    let run = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("0 comments pushed, 1 pulled"), "{}", run.stdout);
    let shown: Value = serde_json::from_str(sandbox.docket(&["show", "gqkfms", "--json"]).ok()).expect("json");
    assert_eq!(shown["title"], "Trigger: page the on-call manager");
    assert_eq!(shown["health"], "at_risk", "health is pulled");
    let comments = shown["comments"].as_array().expect("comments");
    let last = comments.last().expect("a comment");
    assert_eq!(last["author"], "jason");
    assert_eq!(last["text"], "Reproduced on the sandbox.");
    assert_eq!(comments.len(), 2, "one comment before, one pulled, no system note: {comments:?}");
    // Another note later: only it is pulled, not the one pulled before.
    fake.add_note(iid, "lyle", "Fixed on the sandbox.", false);
    mirror(&sandbox, &fake, &["pull", "gitlab"]).ok();
    let shown: Value = serde_json::from_str(sandbox.docket(&["show", "gqkfms", "--json"]).ok()).expect("json");
    let texts: Vec<&str> =
        shown["comments"].as_array().expect("comments").iter().filter_map(|c| c["text"].as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert_eq!(texts[1..], ["Reproduced on the sandbox.", "Fixed on the sandbox."]);
    // health is never pushed: the push after changes nothing on GitLab.
    let writes = fake.writes();
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    assert_eq!(fake.writes(), writes);
    let notes = fake.notes(iid);
    let bodies: Vec<&str> = notes.iter().filter(|n| n["system"] == false).filter_map(|n| n["body"].as_str()).collect();
    assert_eq!(bodies.len(), 3, "the pulled notes are not posted back: {bodies:?}");
}

#[test]
fn push_of_named_records_only_and_prefer_remote() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    let run = mirror(&sandbox, &fake, &["push", "gitlab", "k23ewa"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(markers(&fake), ["k23ewa"]);
    assert!(fake.milestones().is_empty());
    // The others were left for the next full run, which pushes them.
    let rest = mirror(&sandbox, &fake, &["push", "gitlab", "--dry-run"]);
    assert!(rest.stdout.contains("14 created there"), "{}", rest.stdout);

    let iid = iid_for(&fake, "k23ewa");
    fake.edit_issue(iid, "dylan", json!({"weight": 4}));
    sandbox.docket(&["set", "k23ewa", "weight=2"]).ok();
    sandbox.commit_all("weigh");
    let run = mirror(&sandbox, &fake, &["sync", "gitlab", "k23ewa", "--prefer", "remote"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(sandbox.read("issues/k23ewa.toml").contains("weight = 4"));
    assert_eq!(fake.issue(iid)["weight"], 4);
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
}

#[test]
fn an_assignee_gitlab_does_not_know_is_named_with_the_fix() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &format!("{config}\n[mirror.gitlab.users]\nlyle = \"lyle.on.gitlab\"\n"));
    sandbox.commit_all("map lyle");
    let run = mirror(&sandbox, &fake, &["push", "gitlab", "gqkfms"]);
    insta::assert_snapshot!("mirror_unknown_user", run.both());

    // A full push stops at the first issue assigned to lyle, after making the milestone.
    let stopped = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(stopped.code, 2, "{}", stopped.both());
    assert_eq!(fake.milestones().len(), 1);
    let made = fake.issues().len();
    // With the mapping fixed, the next push carries on from what was linked: no lookups, no
    // duplicates.
    sandbox.write("docket.toml", &config);
    sandbox.commit_all("unmap lyle");
    fake.clear_requests();
    let resumed = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(resumed.code, 0, "{}", resumed.both());
    assert!(resumed.stdout.contains(&format!("{} created there", 14 - made)), "{}", resumed.stdout);
    let searches = fake.requests().iter().filter(|r| r.query.contains("search=docket")).count();
    let shown: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.query.contains("search=docket"))
        .map(|r| format!("{} {}", r.path, r.query))
        .collect();
    assert_eq!(searches, 0, "what was made before the failure was linked when it stopped: {shown:?}");
    assert_eq!(markers(&fake).len(), 14);
    assert_eq!(fake.milestones().len(), 1);
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
}

#[test]
fn local_changes_a_pull_leaves_are_pushed_by_the_next_push() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    sandbox.docket(&["set", "gqkfms", "weight=5"]).ok();
    let created = sandbox.docket(&["new", "issue", "--title", "Made after the push", "--type", "bug"]);
    let id = created.ok().trim().to_owned();
    sandbox.commit_all("a change and a new issue");
    let pulled = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(pulled.code, 0, "{}", pulled.both());
    assert_eq!(issue_for(&fake, "gqkfms")["weight"], 2, "a pull writes nothing to GitLab");
    let status = sandbox.docket(&["mirror", "status"]);
    assert!(status.stdout.contains("undecided") && status.stdout.contains(&id), "{}", status.stdout);

    // A note on GitLab meanwhile: the push leaves it for the next pull.
    fake.add_note(iid_for(&fake, "k23ewa"), "jason", "Seen on GitLab.", false);
    let pushed = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(pushed.code, 0, "{}", pushed.both());
    assert_eq!(issue_for(&fake, "gqkfms")["weight"], 5);
    assert_eq!(issue_for(&fake, &id)["title"], "Made after the push");
    let pulled = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(pulled.code, 0, "{}", pulled.both());
    assert!(sandbox.read("issues/k23ewa.toml").contains("Seen on GitLab."));
}

#[test]
fn a_pull_reads_every_page_with_keyset_cursors_and_past_the_totals_limit() {
    let fake = FakeGitlab::start();
    let sandbox = Sandbox::tracker();
    point_at(&sandbox, &fake);
    for n in 0..12 {
        fake.create_issue("dylan", json!({"title": format!("Remote issue {n}")}));
    }
    fake.set_per_page_max(3);
    fake.set_total_limit(5);
    let run = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("12 created here"), "{}", run.stdout);
    let listings: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/issues"))
        .map(|r| r.query.clone())
        .collect();
    assert!(listings.len() >= 4, "four pages of three: {listings:?}");
    assert!(listings.iter().skip(1).all(|q| q.contains("cursor=")), "keyset pages: {listings:?}");
    assert_conformant(&fake);

    // A change on GitLab right after the import is pulled, not overwritten by the record.
    fake.edit_issue(3, "dylan", json!({"title": "Renamed on GitLab"}));
    let synced = mirror(&sandbox, &fake, &["sync", "gitlab"]);
    assert_eq!(synced.code, 0, "{}", synced.both());
    assert_eq!(fake.issue(3)["title"], "Renamed on GitLab");
    assert!(sandbox.docket(&["list", "--json"]).ok().contains("Renamed on GitLab"));
}

#[test]
fn a_create_that_times_out_is_found_by_its_marker_not_made_twice() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    // GitLab makes the third issue but never answers: docket gives up on the request after
    // the timeout, finds the issue by its marker, and carries on.
    fake.stall_after_issue_creates(3);
    let env = [("GITLAB_TOKEN", fake.token()), ("DOCKET_MIRROR_BACKOFF_MS", "1"), ("DOCKET_MIRROR_TIMEOUT_MS", "1500")];
    let mut child = sandbox.spawn_docket_with(&["mirror", "push", "gitlab"], &env);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while fake.issues().len() < 3 {
        assert!(std::time::Instant::now() < deadline, "the push never created 3 issues");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // While docket waits, someone retitles the first issue on GitLab.
    let first = fake.issues()[0]["iid"].as_u64().expect("iid");
    let first_id = markers(&fake)[0].clone();
    fake.edit_issue(first, "jason", json!({"title": "Retitled during the push"}));
    assert!(child.wait().expect("docket ends").success());
    let mut pushed = markers(&fake);
    assert_eq!(pushed.len(), 14);
    pushed.sort();
    pushed.dedup();
    assert_eq!(pushed.len(), 14, "no duplicate");
    let searched = fake.requests().iter().filter(|r| r.query.contains("search=docket")).count();
    assert_eq!(searched, 1, "one search by marker, for the create that timed out");
    // The change made during the run is not lost behind the run's own writes.
    let pulled = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(pulled.code, 0, "{}", pulled.both());
    assert!(sandbox.read(&format!("issues/{first_id}.toml")).contains("title = \"Retitled during the push\""));
}

#[test]
fn an_issue_on_gitlab_only_waits_through_pushes_for_a_pull() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    fake.create_issue("jason", json!({"title": "Filed on GitLab before the first push"}));
    fake.create_issue("lyle", json!({"title": "Filed a second later"}));
    let pushed = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(pushed.code, 0, "{}", pushed.both());
    assert!(pushed.stdout.contains("skipped: gitlab:1: on gitlab only"), "{}", pushed.stdout);
    // The push's own writes come after them: the next run still lists from the earliest.
    let pulled = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(pulled.code, 0, "{}", pulled.both());
    assert!(pulled.stdout.contains("2 created here"), "{}", pulled.stdout);
    let list = sandbox.docket(&["list", "--json"]);
    assert!(list.ok().contains("Filed on GitLab before the first push") && list.ok().contains("Filed a second later"));
}

#[test]
fn what_gitlab_refuses_is_reported_with_the_fix() {
    let fake = FakeGitlab::start();
    // A project that does not exist.
    let sandbox = ops_on(&fake);
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &config.replace("project = \"group/project\"", "project = \"group/missing\""));
    sandbox.commit_all("wrong project");
    let missing = mirror(&sandbox, &fake, &["push", "gitlab"]);
    insta::assert_snapshot!("mirror_no_such_project", missing.both());
    sandbox.write("docket.toml", &config);
    sandbox.commit_all("right project");

    // Two milestones with one title: GitLab refuses the second; nothing suggests a retry.
    let milestone = sandbox.read("milestones/16-7.toml");
    sandbox.write("milestones/16-7b.toml", &milestone);
    sandbox.commit_all("a second 16.7");
    let refused = mirror(&sandbox, &fake, &["push", "gitlab"]);
    insta::assert_snapshot!("mirror_refused_by_gitlab", refused.both());

    // A damaged base says how to start afresh.
    let damaged = sandbox.outside("meta.json");
    std::fs::write(&damaged, "{ not json").expect("write");
    let blob = sandbox.git(&["hash-object", "-w", &damaged.display().to_string()]);
    let tree = std::process::Command::new("git")
        .current_dir(sandbox.root())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .arg("mktree")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("100644 blob {}\tmeta.json\n", blob.trim()).as_bytes())?;
            child.wait_with_output()
        })
        .expect("git mktree");
    let tree = String::from_utf8_lossy(&tree.stdout).trim().to_owned();
    let commit = sandbox.git(&["commit-tree", &tree, "-m", "damaged"]);
    sandbox.git(&["update-ref", "refs/docket/mirror/gitlab", commit.trim()]);
    let broken = mirror(&sandbox, &fake, &["push", "gitlab"]);
    insta::assert_snapshot!("mirror_damaged_base", broken.both());
}

#[test]
fn a_lost_base_is_rebuilt_from_the_markers_without_duplicates() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    let notes = |fake: &FakeGitlab| -> usize {
        fake.issues().iter().map(|i| fake.notes(i["iid"].as_u64().expect("iid")).len()).sum()
    };
    assert_eq!(notes(&fake), 34);
    // A clone that never fetched the base, or someone deleted it.
    sandbox.git(&["update-ref", "-d", "refs/docket/mirror/gitlab"]);
    sandbox.docket(&["comment", "gqkfms", "-m", "Written after the base was lost.", "--author", "dylan"]).ok();
    sandbox.commit_all("a comment");
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(markers(&fake).len(), 14, "no issue made twice");
    assert_eq!(fake.milestones().len(), 1);
    assert_eq!(notes(&fake), 35, "only the new comment is posted");
}

#[test]
fn comments_refused_by_a_502_are_posted_again_once() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    // A 502 changes nothing on the fake: each refused note must be looked for, not found, and
    // posted again.
    fake.set_faults(None, Some(4));
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    fake.set_faults(None, None);
    assert_eq!(markers(&fake).len(), 14);
    let bodies: Vec<String> = fake
        .issues()
        .iter()
        .flat_map(|i| fake.notes(i["iid"].as_u64().expect("iid")))
        .filter_map(|n| n["body"].as_str().map(str::to_owned))
        .collect();
    let unique: BTreeSet<&String> = bodies.iter().collect();
    assert_eq!(bodies.len(), 34, "every comment and update, once");
    assert_eq!(unique.len(), 34);
    let faulted =
        fake.requests().iter().filter(|r| r.status == 502 && r.method == "POST" && r.path.ends_with("/notes")).count();
    assert!(faulted > 0, "some notes met a 502");
}

#[test]
fn the_token_is_read_from_the_credentials_file_under_xdg_config_home() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    let config = sandbox.outside("config");
    std::fs::create_dir_all(config.join("docket")).expect("folder");
    std::fs::write(config.join("docket/credentials.toml"), format!("[gitlab]\ntoken = \"{}\"\n", fake.token()))
        .expect("write");
    let xdg = config.display().to_string();
    let run = sandbox.docket_with(&["mirror", "push", "gitlab", "k23ewa"], &[("XDG_CONFIG_HOME", xdg.as_str())], "");
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(markers(&fake), ["k23ewa"]);
    // A file that is not TOML is named, its contents never shown.
    std::fs::write(config.join("docket/credentials.toml"), format!("token = {}", fake.token())).expect("write");
    let broken = sandbox.docket_with(&["mirror", "push", "gitlab"], &[("XDG_CONFIG_HOME", xdg.as_str())], "");
    assert_eq!(broken.code, 2, "{}", broken.both());
    assert!(broken.stderr.contains("is not valid TOML"), "{}", broken.stderr);
    assert!(!broken.stderr.contains(fake.token()));
}

#[test]
fn issues_on_gitlab_only_wait_through_a_push_that_writes_nothing() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    fake.create_issue("jason", json!({"title": "First filed on GitLab"}));
    fake.create_issue("lyle", json!({"title": "Second filed on GitLab"}));
    // A later change to a linked issue: the latest change GitLab lists is not theirs.
    fake.edit_issue(iid_for(&fake, "k23ewa"), "dylan", json!({"title": "Retitled on GitLab"}));
    let writes = fake.writes();
    let pushed = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(pushed.code, 0, "{}", pushed.both());
    assert_eq!(fake.writes(), writes, "nothing to push");
    let pulled = mirror(&sandbox, &fake, &["pull", "gitlab"]);
    assert_eq!(pulled.code, 0, "{}", pulled.both());
    assert!(pulled.stdout.contains("2 created here, 1 updated here"), "{}", pulled.stdout);
    let list = sandbox.docket(&["list", "--json"]);
    assert!(list.ok().contains("First filed on GitLab") && list.ok().contains("Second filed on GitLab"));
    assert!(sandbox.read("issues/k23ewa.toml").contains("Retitled on GitLab"));
}

#[test]
fn the_mirror_settings_are_checked_and_a_numeric_project_works() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    let config = sandbox.read("docket.toml");
    let with = |url: &str, project: &str| {
        let start = config.find("[mirror.gitlab]").expect("the table");
        format!("{}[mirror.gitlab]\nurl = {url}\nproject = {project}\n", &config[..start])
    };
    let served = format!("\"{}\"", fake.url());
    for (name, url, project) in [
        ("mirror_config_empty_url", "\"  \"", "\"group/project\""),
        ("mirror_config_url_without_scheme", "\"gitlab.example.com\"", "\"group/project\""),
        ("mirror_config_project_not_text", served.as_str(), "true"),
    ] {
        sandbox.write("docket.toml", &with(url, project));
        let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
        insta::assert_snapshot!(name, run.both());
    }
    // A project by its numeric id.
    sandbox.write("docket.toml", &with(&served, "1"));
    sandbox.commit_all("project by id");
    let run = mirror(&sandbox, &fake, &["push", "gitlab", "k23ewa"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(markers(&fake), ["k23ewa"]);
    assert!(fake.requests().iter().any(|r| r.path.starts_with("/api/v4/projects/1/")));
}

#[test]
fn leaving_a_closing_stage_reopens_the_issue_and_entering_one_closes_it() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    assert_eq!(issue_for(&fake, "x24vn8")["state"], "opened");
    sandbox.docket(&["move", "x24vn8", "completed"]).ok();
    sandbox.commit_all("done");
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    let done = issue_for(&fake, "x24vn8");
    assert_eq!(done["state"], "closed");
    assert!(labels(&done).contains("workflow::completed"));
    // Back to implementation by hand (a reopened issue): GitLab reopens it.
    let text = sandbox.read("issues/x24vn8.toml");
    sandbox.write("issues/x24vn8.toml", &text.replace("stage = \"completed\"", "stage = \"implementation\""));
    sandbox.commit_all("not done after all");
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    let reopened = issue_for(&fake, "x24vn8");
    assert_eq!(reopened["state"], "opened");
    assert!(
        labels(&reopened).contains("workflow::implementation") && !labels(&reopened).contains("workflow::completed")
    );
}

#[test]
fn a_closed_milestone_closes_on_gitlab_and_the_tokens_own_comments_carry_no_byline() {
    let fake = FakeGitlab::start();
    let sandbox = ops_on(&fake);
    mirror(&sandbox, &fake, &["push", "gitlab"]).ok();
    assert_eq!(fake.milestones()[0]["state"], "active");
    let text = sandbox.read("milestones/16-7.toml");
    sandbox.write("milestones/16-7.toml", &text.replace("stage = \"active\"", "stage = \"closed\""));
    // A comment written by the token's own user reads as it is; another's carries a byline.
    sandbox.docket(&["comment", "k23ewa", "-m", "Posted by the bot itself.", "--author", "docket-bot"]).ok();
    sandbox.docket(&["comment", "k23ewa", "-m", "Posted for dylan.", "--author", "dylan"]).ok();
    sandbox.commit_all("close the milestone, two comments");
    let run = mirror(&sandbox, &fake, &["push", "gitlab"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(fake.milestones()[0]["state"], "closed");
    let notes = fake.notes(iid_for(&fake, "k23ewa"));
    let body = |text: &str| {
        notes.iter().filter_map(|n| n["body"].as_str()).find(|b| b.contains(text)).expect("posted").to_owned()
    };
    assert!(body("Posted by the bot itself.").starts_with("Posted by the bot itself."), "{notes:?}");
    assert!(body("Posted for dylan.").starts_with("*@dylan wrote on 2026-11-23:*"), "{notes:?}");
}
