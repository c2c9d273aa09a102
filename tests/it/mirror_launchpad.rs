//! `docket mirror push|pull|sync launchpad` and `docket mirror login launchpad` against the fake
//! Launchpad (`fake_launchpad`), as a user would run them: the real binary, real git, real HTTP
//! with OAuth.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::fake_launchpad::{FakeLaunchpad, check_requests_against_wadl};
use crate::support::{Run, Sandbox};

/// The MIR example, pointed at `fake` and committed.
fn mir_on(fake: &FakeLaunchpad) -> Sandbox {
    let sandbox = Sandbox::example("mir");
    point_at(&sandbox, fake);
    sandbox
}

/// The tracker's `[mirror.launchpad]` pointed at `fake`, committed.
fn point_at(sandbox: &Sandbox, fake: &FakeLaunchpad) {
    let config = sandbox.read("docket.toml");
    let start = config.find("[mirror.launchpad]").map_or(config.len(), |at| at);
    let config =
        format!("{}[mirror.launchpad]\nurl = \"{}\"\ndistribution = \"ubuntu\"\n", &config[..start], fake.url());
    sandbox.write("docket.toml", &config);
    sandbox.commit_all("mirror to the fake Launchpad");
}

fn token_env(fake: &FakeLaunchpad) -> Vec<(&'static str, String)> {
    let (token, secret) = fake.token();
    vec![
        ("LAUNCHPAD_TOKEN", token.to_owned()),
        ("LAUNCHPAD_TOKEN_SECRET", secret.to_owned()),
        ("DOCKET_MIRROR_BACKOFF_MS", "1".to_owned()),
    ]
}

fn mirror(sandbox: &Sandbox, fake: &FakeLaunchpad, args: &[&str]) -> Run {
    let mut all = vec!["mirror"];
    all.extend_from_slice(args);
    let env = token_env(fake);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = sandbox.docket_with(&all, &env, "");
    let (_, secret) = fake.token();
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "the secret was shown");
    run
}

/// The bug docket made for record `id`, by its marker.
fn bug_for(fake: &FakeLaunchpad, id: &str) -> Value {
    fake.bugs()
        .into_iter()
        .find(|bug| bug["description"].as_str().is_some_and(|d| d.trim_end().ends_with(&format!("[docket:{id}]"))))
        .unwrap_or_else(|| panic!("no bug on the server for {id}"))
}

fn number_for(fake: &FakeLaunchpad, id: &str) -> u64 {
    bug_for(fake, id)["id"].as_u64().expect("a bug number")
}

/// Every record's id, from the folder.
fn record_ids(sandbox: &Sandbox) -> BTreeSet<String> {
    std::fs::read_dir(sandbox.root().join("mir"))
        .expect("mir")
        .map(|e| e.expect("entry").path().file_stem().expect("stem").to_string_lossy().into_owned())
        .collect()
}

/// Messages other than the description, over every bug.
fn all_messages(fake: &FakeLaunchpad) -> usize {
    fake.bugs().iter().map(|bug| fake.messages(bug["id"].as_u64().expect("id")).len().saturating_sub(1)).sum()
}

fn assert_conformant(fake: &FakeLaunchpad) {
    let violations = check_requests_against_wadl(&fake.requests());
    assert!(violations.is_empty(), "requests outside Launchpad's WADL:\n{}", violations.join("\n"));
}

fn set(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn push_makes_each_bug_on_its_package_and_a_second_push_writes_nothing() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    let run = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(
        run.stdout.contains("launchpad: 10 created there, 0 updated there, 0 created here, 0 updated here, 0 unchanged, 0 conflicts, 0 skipped; 30 comments pushed, 0 pulled"),
        "{}",
        run.stdout
    );

    // One bug per record, each on its source package, with the team subscribed.
    let mut made: Vec<String> = fake
        .bugs()
        .iter()
        .filter_map(|bug| {
            let description = bug["description"].as_str()?;
            let marker = description.trim_end().rsplit('\n').next()?;
            Some(marker.trim_start_matches("[docket:").trim_end_matches(']').to_owned())
        })
        .collect();
    made.sort();
    assert_eq!(made, record_ids(&sandbox).into_iter().collect::<Vec<_>>(), "one bug per record, no duplicate");
    for id in record_ids(&sandbox) {
        let bug = number_for(&fake, &id);
        assert!(fake.subscribers(bug).contains(&"ubuntu-mir".to_owned()), "{id}: {:?}", fake.subscribers(bug));
    }

    // State 4 (ACKed, in progress): status, assignee, the team's subscriptions, the review.
    let rpds = number_for(&fake, "a6pq1a");
    let task = fake.task(rpds);
    assert_eq!(task["status"], "In Progress");
    assert!(task["assignee_link"].as_str().expect("assigned").ends_with("/~lbergmann"), "{task}");
    assert!(task["target_link"].as_str().expect("a target").ends_with("/ubuntu/+source/rust-rpds-py"), "{task}");
    assert_eq!(fake.bug(rpds)["title"], "[MIR] rust-rpds-py");
    let subscribers: BTreeSet<String> = fake.subscribers(rpds).into_iter().collect();
    assert!(subscribers.is_superset(&set(&["ubuntu-mir", "foundations-bugs"])), "{subscribers:?}");
    let messages = fake.messages(rpds);
    assert_eq!(messages.len(), 4, "the description, the review and 2 comments: {messages:#?}");
    assert!(messages[1]["content"].as_str().expect("text").starts_with("Review for Source Package: rust-rpds-py"));
    assert!(
        messages.iter().any(|m| m["content"].as_str().is_some_and(|c| c.starts_with("fmoreau wrote on 2026-11-19:"))),
        "comments keep who wrote them: {messages:#?}"
    );
    // State 3: the security team; state 5: Fix Committed; state 7: Won't Fix; state 1: New.
    assert!(
        fake.task(number_for(&fake, "hwt0zd"))["assignee_link"].as_str().expect("a").ends_with("/~ubuntu-security")
    );
    assert_eq!(fake.task(number_for(&fake, "hwt0zd"))["status"], "Confirmed");
    assert_eq!(fake.bug(number_for(&fake, "hwt0zd"))["tags"], json!(["sec-5120"]));
    assert_eq!(fake.task(number_for(&fake, "dwqa70"))["status"], "Fix Committed");
    assert_eq!(fake.task(number_for(&fake, "fjrk30"))["status"], "Won't Fix");
    assert_eq!(fake.task(number_for(&fake, "cqa5k8"))["status"], "New");
    assert_eq!(fake.task(number_for(&fake, "cqa5k8"))["assignee_link"], Value::Null);
    assert_eq!(all_messages(&fake), 30, "22 comments and 8 reviews");

    // The records hold their bug numbers, in one commit the hook accepts.
    let text = sandbox.read("mir/a6pq1a.toml");
    assert!(text.contains(&format!("[mirror.launchpad]\nbug = {rpds}\n")), "{text}");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
    let check = sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(check.code, 0, "{}", check.both());
    assert_conformant(&fake);

    // Again: nothing to write.
    fake.clear_requests();
    let again = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(again.code, 0, "{}", again.both());
    assert_eq!(fake.writes(), 0, "a second push wrote: {:#?}", fake.requests());
    assert_eq!(fake.requests().len(), 1, "one search, nothing changed since: {:#?}", fake.requests());
    assert!(again.stdout.contains("0 created there, 0 updated there"), "{}", again.stdout);
    let status = sandbox.docket(&["mirror", "status", "launchpad"]);
    assert!(status.stdout.contains("linked: 10 MIR bugs"), "{}", status.both());
}

#[test]
fn pull_follows_incomplete_and_refuses_an_undefined_state() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    assert_eq!(mirror(&sandbox, &fake, &["push", "launchpad"]).code, 0);
    let pydantic = number_for(&fake, "jt8bha");
    // The reviewer has questions: Incomplete on Launchpad (state 2 → 8).
    fake.set_status(pydantic, "rjansen", "Incomplete");
    fake.add_message(pydantic, "rjansen", "Which binary packages need to be in main?");
    let run = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("jt8bha ← launchpad: updated status"), "{}", run.stdout);
    let text = sandbox.read("mir/jt8bha.toml");
    assert!(text.contains("status = \"incomplete\""), "{text}");
    assert!(text.contains("Which binary packages need to be in main?"), "the reviewer's question is a comment: {text}");
    let check = sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(check.code, 0, "the pulled commit passes the hook: {}", check.both());
    let show = sandbox.docket(&["show", "jt8bha"]);
    assert!(show.stdout.contains("Incomplete"), "{}", show.stdout);

    // Triaged is none of the ten MIR states: reported, the record untouched, and again next run.
    let before = sandbox.read("mir/cqa5k8.toml");
    fake.set_status(number_for(&fake, "cqa5k8"), "mkovacs", "Triaged");
    let refused = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert_eq!(refused.code, 1, "{}", refused.both());
    assert!(refused.stderr.contains("undefined state"), "{}", refused.stderr);
    assert!(refused.stderr.contains("cqa5k8 was not changed: the workflow refuses the change pulled from Launchpad"));
    assert_eq!(sandbox.read("mir/cqa5k8.toml"), before);
    let again = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert_eq!(again.code, 1, "reported until fixed: {}", again.both());
    assert_eq!(sandbox.read("mir/cqa5k8.toml"), before);
    assert_conformant(&fake);
}

#[test]
fn a_stale_etag_is_read_again_and_never_overwrites() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    assert_eq!(mirror(&sandbox, &fake, &["push", "launchpad"]).code, 0);
    let libei = number_for(&fake, "zjw5b2");
    let nvme = number_for(&fake, "ntjgx5");

    // docket tags libei's bug while someone edits its description between docket's read and
    // its write: the write is sent again with the new ETag, and both changes stand.
    let tag = |path: &str, tags: &str| {
        let text = sandbox.read(path);
        let text = text.replacen("subscribers = ", &format!("tags = {tags}\nsubscribers = "), 1);
        sandbox.write(path, &text);
    };
    tag("mir/zjw5b2.toml", "[\"desktop\"]");
    // The same for nvme-stas, but the other person retags it: docket must not overwrite.
    tag("mir/ntjgx5.toml", "[\"server\"]");
    sandbox.commit_all("tag two MIR bugs");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "the hook took the commit");
    fake.edit_before_next_patch(libei, "tnakamura", json!({"description": "Rewritten on Launchpad."}));
    let run = mirror(&sandbox, &fake, &["push", "launchpad", "zjw5b2"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(fake.bug(libei)["tags"], json!(["desktop"]));
    assert_eq!(fake.bug(libei)["description"], "Rewritten on Launchpad.", "the other change stands");
    let refused: Vec<_> = fake.requests().into_iter().filter(|r| r.method == "PATCH" && r.status == 412).collect();
    assert_eq!(refused.len(), 1, "the write was refused once for its stale ETag");

    // Someone reassigns pydantic-core after docket's listing and before docket reads the
    // bug to write it: docket's own reassignment must not go over it.
    let pydantic = number_for(&fake, "jt8bha");
    let text = sandbox.read("mir/jt8bha.toml").replace("assignee = \"rjansen\"", "assignee = \"mkovacs\"");
    sandbox.write("mir/jt8bha.toml", &text);
    sandbox.commit_all("mkovacs reviews pydantic-core");
    fake.edit_before_next_read(pydantic, "rjansen", json!({"assignee": "lbergmann"}));
    let window = mirror(&sandbox, &fake, &["push", "launchpad", "jt8bha"]);
    assert_eq!(window.code, 0, "{}", window.both());
    assert!(window.stdout.contains("jt8bha: changed on launchpad while this run wrote it"), "{}", window.stdout);
    assert!(fake.task(pydantic)["assignee_link"].as_str().expect("assigned").ends_with("/~lbergmann"));
    // The two reviewers agree on lbergmann: nothing left to decide there.
    sandbox.write("mir/jt8bha.toml", &text.replace("assignee = \"mkovacs\"", "assignee = \"lbergmann\""));
    sandbox.commit_all("lbergmann reviews pydantic-core");

    fake.edit_before_next_patch(nvme, "cpaelzer", json!({"tags": ["nvme"]}));
    let stale = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(stale.code, 0, "{}", stale.both());
    assert!(stale.stdout.contains("ntjgx5: changed on launchpad while this run wrote it"), "{}", stale.stdout);
    assert_eq!(fake.bug(nvme)["tags"], json!(["nvme"]), "never a blind overwrite");
    // The next run sees both changes: a conflict, reported and left for the user; the other
    // bug's description, changed on Launchpad only, is pulled.
    let conflict = mirror(&sandbox, &fake, &["sync", "launchpad"]);
    assert_eq!(conflict.code, 1, "{}", conflict.both());
    assert!(conflict.stdout.contains("conflict: ntjgx5 tags: changed on both sides"), "{}", conflict.stdout);
    assert!(conflict.stdout.contains("zjw5b2 ← launchpad: updated description"), "{}", conflict.stdout);
    assert_eq!(fake.bug(nvme)["tags"], json!(["nvme"]));
    let resolved = mirror(&sandbox, &fake, &["sync", "launchpad", "--prefer", "local"]);
    assert_eq!(resolved.code, 0, "{}", resolved.both());
    assert_eq!(fake.bug(nvme)["tags"], json!(["server"]));
    assert_conformant(&fake);
}

#[test]
fn a_push_through_503s_and_a_kill_makes_no_duplicate_and_loses_no_message() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    fake.stall_after_bug_creates(3);
    let env = token_env(&fake);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = sandbox.spawn_docket_with(&["mirror", "push", "launchpad"], &env);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while fake.bugs().len() < 4 {
        assert!(std::time::Instant::now() < deadline, "the push never made 4 bugs");
        assert!(child.try_wait().expect("wait").is_none(), "docket stopped before it made 4 bugs");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // docket waits for the answer to the fourth createBug, which never comes: kill it there.
    std::thread::sleep(std::time::Duration::from_millis(100));
    child.kill().expect("kill");
    child.wait().expect("reaped");
    assert_eq!(fake.bugs().len(), 4);
    let status = sandbox.docket(&["mirror", "status", "launchpad"]);
    assert!(status.stdout.contains("the last run was interrupted"), "{}", status.both());

    // The next run, through a 503 every 5th request.
    fake.set_faults(Some(5), None);
    let run = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(fake.requests().iter().any(|r| r.status == 503), "the faults were served");
    let mut made: Vec<String> = fake
        .bugs()
        .iter()
        .map(|bug| {
            bug["description"].as_str().expect("text").trim_end().rsplit('\n').next().expect("a line").to_owned()
        })
        .collect();
    let count = made.len();
    made.sort();
    made.dedup();
    assert_eq!(made.len(), count, "a duplicate bug: {made:?}");
    assert_eq!(count, 10);
    assert_eq!(all_messages(&fake), 30, "every review and comment, once");
    // The bug the killed run made has its status, assignee and subscribers all the same.
    for id in record_ids(&sandbox) {
        let bug = number_for(&fake, &id);
        assert!(fake.subscribers(bug).contains(&"ubuntu-mir".to_owned()), "{id}");
    }
    assert_eq!(fake.task(number_for(&fake, "a6pq1a"))["status"], "In Progress");
    let status = sandbox.docket(&["mirror", "status", "launchpad"]);
    assert!(!status.stdout.contains("interrupted"), "{}", status.both());
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");

    // Converged: a sync without faults writes nothing.
    fake.set_faults(None, None);
    let writes = fake.writes();
    let again = mirror(&sandbox, &fake, &["sync", "launchpad"]);
    assert_eq!(again.code, 0, "{}", again.both());
    assert_eq!(fake.writes(), writes, "{}", again.stdout);
}

#[test]
fn the_first_pull_imports_the_teams_mir_bugs() {
    let fake = FakeLaunchpad::start();
    let sandbox = Sandbox::tracker();
    sandbox.write(
        "docket.toml",
        &format!(
            "version = 1\n\n[workflows]\nmir = \"mir\"\n\n[mirror.launchpad]\nurl = \"{}\"\ndistribution = \"ubuntu\"\n",
            fake.url()
        ),
    );
    sandbox.commit_all("a MIR tracker");
    let bug = fake.create_bug(
        "cpaelzer",
        "libfoo",
        "[MIR] libfoo",
        "[Availability]\nIn universe.\n",
        "Confirmed",
        Some("mkovacs"),
        &["ubuntu-mir"],
    );
    fake.add_message(bug, "mkovacs", "I'll review it this week.");
    // A bug the MIR team is not subscribed to is not a MIR bug.
    fake.create_bug("cpaelzer", "libbar", "libbar crashes", "Crash.", "New", None, &[]);
    // A closed MIR bug is one too (searchTasks leaves closed bugs out unless asked); the
    // reporter said why, as the workflow asks of a bug in Won't Fix.
    let old = fake.create_bug("cpaelzer", "libold", "[MIR] libold", "Old.", "Won't Fix", None, &["ubuntu-mir"]);
    fake.add_message(old, "cpaelzer", "Giving up: upstream is dead.");
    let run = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("2 created here"), "{}", run.stdout);
    let files: Vec<String> = std::fs::read_dir(sandbox.root().join("mir"))
        .expect("mir")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("read"))
        .collect();
    let libfoo = files.iter().find(|t| t.contains("package = \"libfoo\"")).expect("libfoo imported");
    assert!(libfoo.contains("status = \"confirmed\""), "{libfoo}");
    assert!(libfoo.contains("assignee = \"mkovacs\""), "{libfoo}");
    assert!(libfoo.contains("\"~ubuntu-mir\""), "{libfoo}");
    assert!(libfoo.contains("I'll review it this week."), "{libfoo}");
    assert!(libfoo.contains(&format!("[mirror.launchpad]\nbug = {bug}")), "{libfoo}");
    assert!(files.iter().any(|t| t.contains("package = \"libold\"") && t.contains("status = \"wont_fix\"")));
    assert!(!files.iter().any(|t| t.contains("libbar")));
    let check = sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(check.code, 0, "the imported records pass the hook: {}", check.both());
    // Nothing changed since: a second pull writes nothing.
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    assert_eq!(mirror(&sandbox, &fake, &["sync", "launchpad"]).code, 0);
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), head);
}

#[test]
fn login_walks_the_token_exchange_and_keeps_the_token_outside_the_repository() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    let mut child = sandbox.spawn_docket_piped(
        &["mirror", "login", "launchpad"],
        &[("DOCKET_MIRROR_BACKOFF_MS", "5"), ("DOCKET_MIRROR_LOGIN_WAIT_MS", "60000")],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let request = loop {
        if let Some(token) = fake.request_tokens().first() {
            break token.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no request token was asked for");
        assert!(child.try_wait().expect("wait").is_none(), "docket stopped before asking for a token");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    // The person has not decided yet: docket keeps asking.
    std::thread::sleep(std::time::Duration::from_millis(100));
    fake.approve_request_token(&request);
    let output = child.wait_with_output().expect("login ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains(&format!("/+authorize-token?oauth_token={request}")), "{stderr}");
    let file = sandbox.home().join(".config/docket/credentials.toml");
    let text = std::fs::read_to_string(&file).expect("the credentials file");
    let token = fake.access_tokens().into_iter().find(|t| t != fake.token().0).expect("a new token");
    assert!(text.contains(&format!("token = \"{token}\"")), "{text}");
    let secret = text.split("token_secret = \"").nth(1).and_then(|r| r.split('"').next()).expect("a secret");
    assert_eq!(secret.len(), 80, "Launchpad's secrets are 80 characters");
    assert!(!stdout.contains(secret) && !stderr.contains(secret), "the secret is never shown");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).expect("meta").permissions()) & 0o777,
        0o600
    );
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "nothing in the repository");
    // The stored token works, with nothing in the environment.
    let run = sandbox.docket_with(&["mirror", "push", "launchpad", "cqa5k8"], &[("DOCKET_MIRROR_BACKOFF_MS", "1")], "");
    assert_eq!(run.code, 0, "{}", run.both());
    assert_eq!(fake.bugs().len(), 1);

    // Refused in the browser: a clear error, the file as it was.
    let mut child = sandbox.spawn_docket_piped(
        &["mirror", "login", "launchpad"],
        &[("DOCKET_MIRROR_BACKOFF_MS", "5"), ("DOCKET_MIRROR_LOGIN_WAIT_MS", "60000")],
    );
    let request = loop {
        if let Some(token) = fake.request_tokens().into_iter().find(|t| *t != request) {
            break token;
        }
        assert!(std::time::Instant::now() < deadline, "no second request token");
        assert!(child.try_wait().expect("wait").is_none(), "docket stopped before asking for a token");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    fake.decline_request_token(&request);
    let output = child.wait_with_output().expect("login ends");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    insta::assert_snapshot!(
        "launchpad_login_declined",
        stderr.lines().skip_while(|l| !l.starts_with("error:")).collect::<Vec<_>>().join("\n")
    );
    assert_eq!(std::fs::read_to_string(&file).expect("file"), text);

    // Never authorized: docket stops asking when the wait is over.
    let waited = sandbox.docket_with(
        &["mirror", "login", "launchpad"],
        &[("DOCKET_MIRROR_BACKOFF_MS", "5"), ("DOCKET_MIRROR_LOGIN_WAIT_MS", "300")],
        "",
    );
    assert_eq!(waited.code, 2, "{}", waited.both());
    assert!(waited.stderr.contains("error: the request token was not authorized within 300 ms"), "{}", waited.stderr);
    assert_eq!(std::fs::read_to_string(&file).expect("file"), text);

    // A credentials file that cannot be read is never written over.
    let asked_before = fake.request_tokens();
    let elsewhere = sandbox.outside("config");
    std::fs::create_dir_all(elsewhere.join("docket/credentials.toml")).expect("a folder where the file goes");
    let mut child = sandbox.spawn_docket_piped(
        &["mirror", "login", "launchpad"],
        &[
            ("DOCKET_MIRROR_BACKOFF_MS", "5"),
            ("DOCKET_MIRROR_LOGIN_WAIT_MS", "60000"),
            ("XDG_CONFIG_HOME", &elsewhere.display().to_string()),
        ],
    );
    let request = loop {
        if let Some(token) = fake.request_tokens().into_iter().find(|t| !asked_before.contains(t)) {
            break token;
        }
        assert!(std::time::Instant::now() < deadline + std::time::Duration::from_secs(30), "no new request token");
        assert!(child.try_wait().expect("wait").is_none(), "docket stopped before asking for a token");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    fake.approve_request_token(&request);
    let output = child.wait_with_output().expect("login ends");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: cannot read ") && stderr.contains("credentials.toml"), "{stderr}");
    assert!(elsewhere.join("docket/credentials.toml").is_dir(), "left as it was");
}

#[test]
fn errors_name_the_cause_and_the_fix() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    let none = sandbox.docket_with(&["mirror", "push", "launchpad"], &[("DOCKET_MIRROR_BACKOFF_MS", "1")], "");
    insta::assert_snapshot!("launchpad_no_token", none.both());
    let bad = sandbox.docket_with(
        &["mirror", "push", "launchpad"],
        &[("LAUNCHPAD_TOKEN", fake.token().0), ("LAUNCHPAD_TOKEN_SECRET", "wrong"), ("DOCKET_MIRROR_BACKOFF_MS", "1")],
        "",
    );
    insta::assert_snapshot!("launchpad_bad_secret", bad.both());
    assert_eq!(fake.bugs().len(), 0);
    // An assignee Launchpad does not know: the bug is made, and the error names the person.
    let text = sandbox.read("mir/jt8bha.toml").replace("assignee = \"rjansen\"", "assignee = \"nobody-here\"");
    sandbox.write("mir/jt8bha.toml", &text);
    sandbox.commit_all("a reviewer Launchpad does not know");
    let unknown = mirror(&sandbox, &fake, &["push", "launchpad", "jt8bha"]);
    assert_eq!(unknown.code, 2, "{}", unknown.both());
    insta::assert_snapshot!(
        "launchpad_unknown_assignee",
        unknown.both().replace(&fake.url(), "https://api.launchpad.net/1.0/")
    );
    // A subscriber it does not know, and a source package name it refuses.
    let text = sandbox.read("mir/jt8bha.toml").replace("assignee = \"nobody-here\"", "assignee = \"rjansen\"");
    sandbox.write("mir/jt8bha.toml", &text.replace("\"~foundations-bugs\"", "\"~no-such-team\""));
    sandbox.commit_all("a team Launchpad does not know");
    let team = mirror(&sandbox, &fake, &["push", "launchpad", "jt8bha"]);
    let made: Vec<Value> = fake
        .bugs()
        .into_iter()
        .filter(|bug| bug["description"].as_str().is_some_and(|d| d.ends_with("[docket:jt8bha]")))
        .collect();
    assert_eq!(made.len(), 1, "the bug the failed run made is found again, not made twice");
    insta::assert_snapshot!(
        "launchpad_unknown_subscriber",
        team.both().replace(&fake.url(), "https://api.launchpad.net/1.0/")
    );
    let text = sandbox.read("mir/cqa5k8.toml").replace("package = \"libgit2-glib\"", "package = \"Not A Package\"");
    sandbox
        .write("mir/cqa5k8.toml", &text.replace("title = \"[MIR] libgit2-glib\"", "title = \"[MIR] Not A Package\""));
    sandbox.commit_all("a package name Launchpad refuses");
    let package = mirror(&sandbox, &fake, &["push", "launchpad", "cqa5k8"]);
    insta::assert_snapshot!(
        "launchpad_bad_package",
        package.both().replace(&fake.url(), "https://api.launchpad.net/1.0/")
    );
    let made = fake.writes();
    let dry = mirror(&sandbox, &fake, &["push", "launchpad", "--dry-run", "a6pq1a"]);
    assert_eq!(dry.code, 0, "{}", dry.both());
    insta::assert_snapshot!("launchpad_dry_run", dry.stdout.replace(&fake.url(), "https://api.launchpad.net/1.0"));
    let json = mirror(&sandbox, &fake, &["push", "launchpad", "--dry-run", "--json", "a6pq1a"]);
    let report: Value = serde_json::from_str(json.ok()).expect("json");
    assert_eq!(report["service"], "launchpad");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["created_remote"], json!(["a6pq1a"]));
    assert_eq!(report["comments_pushed"], 3, "the review and 2 comments");
    assert_eq!(fake.writes(), made, "a dry run writes nothing");
}

#[test]
fn series_tasks_are_pulled_into_the_record_and_never_pushed() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    assert_eq!(mirror(&sandbox, &fake, &["push", "launchpad"]).code, 0);
    let libei = number_for(&fake, "zjw5b2");
    // A re-review per release: a nomination approved for noble and one for jammy.
    fake.add_series_task(libei, "noble", "Fix Released");
    fake.add_series_task(libei, "jammy", "New");
    // Approving a nomination does not touch the bug's date_last_updated (as on Launchpad), so
    // the series show up with the next change of the bug: a series task's status.
    fake.set_series_status(libei, "jammy", "mkovacs", "Incomplete");
    let run = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("zjw5b2 ← launchpad: updated series"), "{}", run.stdout);
    let text = sandbox.read("mir/zjw5b2.toml");
    assert!(
        text.contains(
            r#"series = [{ name = "jammy", status = "incomplete" }, { name = "noble", status = "fix_released" }]"#
        ),
        "{text}"
    );
    let check = sandbox.docket(&["check", "--range", "HEAD~1..HEAD"]);
    assert_eq!(check.code, 0, "{}", check.both());

    // Edited here, a series is not written there: Launchpad's value comes back on the next
    // change there.
    sandbox.write("mir/zjw5b2.toml", &text.replace(r#"status = "incomplete" }"#, r#"status = "fix_committed" }"#));
    sandbox.commit_all("jammy done here");
    fake.clear_requests();
    let push = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(push.code, 0, "{}", push.both());
    assert_eq!(fake.writes(), 0, "{:#?}", fake.requests());
    assert!(push.stdout.contains("0 updated there"), "{}", push.stdout);
    fake.set_series_status(libei, "jammy", "mkovacs", "Confirmed");
    assert_eq!(mirror(&sandbox, &fake, &["pull", "launchpad"]).code, 0);
    assert!(sandbox.read("mir/zjw5b2.toml").contains(r#"{ name = "jammy", status = "confirmed" }"#));
    // Written here as Launchpad then has it: nothing to pull.
    let text = sandbox.read("mir/zjw5b2.toml");
    sandbox.write("mir/zjw5b2.toml", &text.replace(r#"status = "confirmed" }"#, r#"status = "fix_released" }"#));
    sandbox.commit_all("jammy released here too");
    fake.set_series_status(libei, "jammy", "mkovacs", "Fix Released");
    let agreed = mirror(&sandbox, &fake, &["pull", "launchpad"]);
    assert!(agreed.stdout.contains("0 updated here, 1 unchanged"), "{}", agreed.stdout);
    assert_conformant(&fake);
}

#[test]
fn local_changes_of_the_task_and_subscriptions_are_pushed() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    assert_eq!(mirror(&sandbox, &fake, &["push", "launchpad"]).code, 0);
    let pydantic = number_for(&fake, "jt8bha");
    // Reassigned to another reviewer, the owning team changed, the source package renamed.
    let text = sandbox
        .read("mir/jt8bha.toml")
        .replace("assignee = \"rjansen\"", "assignee = \"mkovacs\"")
        .replace("\"~foundations-bugs\"", "\"~ubuntu-server\"")
        .replace("package = \"pydantic-core\"", "package = \"rust-pydantic-core\"")
        .replace("title = \"[MIR] pydantic-core\"", "title = \"[MIR] rust-pydantic-core\"");
    sandbox.write("mir/jt8bha.toml", &text);
    sandbox.commit_all("pydantic-core moves to its rust- source");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "the hook took the commit");
    let dry = mirror(&sandbox, &fake, &["push", "launchpad", "--dry-run"]);
    insta::assert_snapshot!("launchpad_dry_run_update", dry.stdout);
    let run = mirror(&sandbox, &fake, &["push", "launchpad"]);
    assert_eq!(run.code, 0, "{}", run.both());
    assert!(run.stdout.contains("jt8bha → launchpad: updated assignee, package, subscribers, title"), "{}", run.stdout);
    let task = fake.task(pydantic);
    assert!(task["assignee_link"].as_str().expect("assigned").ends_with("/~mkovacs"), "{task}");
    assert!(task["target_link"].as_str().expect("a target").ends_with("/ubuntu/+source/rust-pydantic-core"), "{task}");
    let subscribers: BTreeSet<String> = fake.subscribers(pydantic).into_iter().collect();
    assert!(subscribers.contains("ubuntu-server") && !subscribers.contains("foundations-bugs"), "{subscribers:?}");
    assert!(subscribers.contains("ubuntu-mir"), "{subscribers:?}");
    // And nothing more to do.
    fake.clear_requests();
    assert_eq!(mirror(&sandbox, &fake, &["sync", "launchpad"]).code, 0);
    assert_eq!(fake.writes(), 0, "{:#?}", fake.requests());
    assert_conformant(&fake);
}

#[test]
fn a_status_the_token_may_not_set_names_the_right_it_lacks() {
    let fake = FakeLaunchpad::start();
    let sandbox = mir_on(&fake);
    assert_eq!(mirror(&sandbox, &fake, &["push", "launchpad"]).code, 0);
    fake.revoke_bug_supervisor();
    // The reporter gives up (state 8 → 7): Won't Fix, which only bug supervisors may set.
    let text = sandbox.read("mir/ntjgx5.toml").replacen("status = \"incomplete\"", "status = \"wont_fix\"", 1);
    let text = text.replace("[[comments]]", "[[comments]]\ndate = 2026-11-22T10:00:00Z\nauthor = \"tnakamura\"\ntext = \"The reporter gave up.\"\n\n[[comments]]");
    sandbox.write("mir/ntjgx5.toml", &text);
    sandbox.commit_all("the reporter gave up");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "the hook took the commit");
    let run = mirror(&sandbox, &fake, &["push", "launchpad"]);
    let nvme = number_for(&fake, "ntjgx5");
    insta::assert_snapshot!("launchpad_status_denied", run.both().replace(&nvme.to_string(), "N"));
    assert_eq!(fake.task(nvme)["status"], "Incomplete", "nothing written");
}

#[test]
fn launchpad_settings_are_checked_before_any_request() {
    let fake = FakeLaunchpad::start();
    let sandbox = Sandbox::example("mir");
    let config = sandbox.read("docket.toml");
    let start = config.find("[mirror.launchpad]").expect("the example mirrors to Launchpad");
    let mut errors = String::new();
    for table in [
        "[mirror.launchpad]\nurl = \"ftp://api.launchpad.net/devel/\"\ndistribution = \"ubuntu\"\n",
        "[mirror.launchpad]\ndistribution = 5\n",
        "[mirror.launchpad]\nurl = \"https://api.launchpad.net/devel/\"\n",
        "",
    ] {
        sandbox.write("docket.toml", &format!("{}{table}", &config[..start]));
        let run = mirror(&sandbox, &fake, &["push", "launchpad"]);
        assert_eq!(run.code, 2, "{}", run.both());
        errors.push_str(&run.stderr);
    }
    insta::assert_snapshot!("launchpad_settings", errors);
    assert!(fake.requests().is_empty(), "{:#?}", fake.requests());
}
