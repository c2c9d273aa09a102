//! The mirrors' cost against the fakes of the tests (in this process, on loopback).
//!
//! GitLab: the requests a first push of N issues makes (goal: about one per issue and per
//! comment, no per-issue reads) and its time beside a floor (the same number of POSTs sent
//! straight to the fake, one after another, by one client), then the requests of a sync after
//! one changed record (goal: at most 5, whatever N) and of a sync with nothing changed.
//!
//! Launchpad: the same three runs for M MIR bugs, each with a comment and every other one with
//! a review; the floor is as many `createBug` POSTs as the push's writes, from one client.
//!
//! Run with `cargo bench --bench mirror` (`DOCKET_BENCH_ISSUES` changes N, 10,000 by default;
//! `DOCKET_BENCH_BUGS` changes M, 1,000 by default).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

mod support;

#[path = "../tests/it"]
#[allow(dead_code, unused_imports, clippy::all, clippy::pedantic)]
mod it {
    pub mod fake_gitlab;
    pub mod fake_launchpad;
}
// At the crate's root, as in the tests: the Launchpad fake uses the GitLab fake's parameter
// parsing and dates through `crate::fake_gitlab`.
use it::{fake_gitlab, fake_launchpad};

use std::process::Command;
use std::time::Instant;

use fake_gitlab::FakeGitlab;
use fake_launchpad::FakeLaunchpad;

fn main() {
    gitlab();
    launchpad();
}

/// A git repository at `root` holding what is there, committed.
fn commit_all(root: &std::path::Path, message: &str) {
    support::git(root, &["add", "-A"]);
    support::git(root, &["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qm", message]);
}

/// Runs `docket mirror <args>` in `root` with `env`; its time in milliseconds.
fn mirror(root: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> f64 {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_docket"))
        .arg("mirror")
        .args(args)
        .current_dir(root)
        .envs(env.iter().copied())
        .env("GIT_AUTHOR_NAME", "bench")
        .env("GIT_AUTHOR_EMAIL", "b@example.com")
        .env("GIT_COMMITTER_NAME", "bench")
        .env("GIT_COMMITTER_EMAIL", "b@example.com")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    started.elapsed().as_secs_f64() * 1000.0
}

fn gitlab() {
    let issues: usize = std::env::var("DOCKET_BENCH_ISSUES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let fake = FakeGitlab::start();
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mirror-{issues}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("issues")).unwrap();
    std::fs::write(
        root.join("docket.toml"),
        format!(
            "version = 1\n[workflows]\nissue = \"ops\"\n[mirror.gitlab]\nurl = \"{}\"\nproject = \"group/project\"\n",
            fake.url()
        ),
    )
    .unwrap();
    // Every fourth issue has a comment.
    let mut comments = 0;
    for n in 0..issues {
        let mut text = format!(
            "title = \"Issue {n}: {}\"\ntype = \"bug\"\nstage = \"triage\"\nlabels = [\"system::zendesk\"]\nweight = {}\ncreated = 2026-11-20T10:00:00Z\ndescription = \"What happened to issue {n}.\"\n",
            support::id_of(n),
            n % 5 + 1
        );
        if n % 4 == 0 {
            text.push_str("\n[[comments]]\ndate = 2026-11-21T10:00:00Z\nauthor = \"dylan\"\ntext = \"Seen it.\"\n");
            comments += 1;
        }
        std::fs::write(root.join(format!("issues/{}.toml", support::id_of(n))), text).unwrap();
    }
    support::git(&root, &["init", "-q", "-b", "main"]);
    commit_all(&root, "issues");
    let run = |args: &[&str]| mirror(&root, args, &[("GITLAB_TOKEN", fake.token())]);

    println!("\n## docket mirror push gitlab: {issues} issues, {comments} comments, against the fake GitLab\n");
    println!("| measured | time | requests | writes | per issue and comment | floor | floor time |");
    println!("|---|---|---|---|---|---|---|");
    let first = run(&["push", "gitlab"]);
    let (requests, writes) = (fake.requests().len(), fake.writes());
    // The floor: as many POSTs straight to the fake, from one client, one after another.
    let floor_fake = FakeGitlab::start();
    let floor_started = Instant::now();
    let agent = ureq::Agent::new_with_defaults();
    for n in 0..writes {
        agent
            .post(format!("{}/api/v4/projects/1/issues", floor_fake.url()))
            .header("PRIVATE-TOKEN", floor_fake.token())
            .header("Content-Type", "application/json")
            .send(serde_json::json!({"title": format!("floor {n}")}).to_string())
            .unwrap();
    }
    let floor = floor_started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "| first push | {first:.0} ms | {requests} | {writes} | {:.2} | {writes} POSTs from one client | {floor:.0} ms ({:.2}×) |",
        requests as f64 / (issues + comments) as f64,
        first / floor
    );

    // One record changed: a sync compares that record and the items GitLab changed since.
    let path = root.join(format!("issues/{}.toml", support::id_of(issues / 2)));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("stage = \"triage\"", "stage = \"closed\"")).unwrap();
    support::git(&root, &["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qam", "close one"]);
    fake.clear_requests();
    let one = run(&["sync", "gitlab"]);
    println!("| sync, one record changed | {one:.0} ms | {} | {} | – | – | – |", fake.requests().len(), fake.writes());
    fake.clear_requests();
    let none = run(&["sync", "gitlab"]);
    println!("| sync, nothing changed | {none:.0} ms | {} | {} | – | – | – |", fake.requests().len(), fake.writes());
}

fn launchpad() {
    let bugs: usize = std::env::var("DOCKET_BENCH_BUGS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000);
    let fake = FakeLaunchpad::start();
    let root = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mirror-mir-{bugs}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("mir")).unwrap();
    std::fs::write(
        root.join("docket.toml"),
        format!(
            "version = 1\n[workflows]\nmir = \"mir\"\n[mirror.launchpad]\nurl = \"{}\"\ndistribution = \"ubuntu\"\n",
            fake.url()
        ),
    )
    .unwrap();
    // Half unassigned (state 1), half on a reviewer's list (state 2); each with a comment, every
    // other one with a review.
    let mut messages = 0;
    for n in 0..bugs {
        let assignee = if n % 2 == 0 { "" } else { "rjansen" };
        let status = if n % 2 == 0 { "new" } else { "confirmed" };
        let mut text = format!(
            "title = \"[MIR] pkg{n}\"\npackage = \"pkg{n}\"\nstatus = \"{status}\"\nassignee = \"{assignee}\"\nsubscribers = [\"~ubuntu-mir\"]\ncreated = 2026-11-20T10:00:00Z\ndescription = \"[Availability]\\nIn universe.\"\n"
        );
        if n % 2 == 1 {
            text.push_str("review = \"Review for Source Package: pkg\\n\\n[Summary]\\nIn review.\"\n");
            messages += 1;
        }
        text.push_str("\n[[comments]]\ndate = 2026-11-21T10:00:00Z\nauthor = \"mkovacs\"\ntext = \"Queued.\"\n");
        messages += 1;
        std::fs::write(root.join(format!("mir/{}.toml", support::id_of(n))), text).unwrap();
    }
    support::git(&root, &["init", "-q", "-b", "main"]);
    commit_all(&root, "MIR bugs");
    let (token, secret) = fake.token();
    let run = |args: &[&str]| mirror(&root, args, &[("LAUNCHPAD_TOKEN", token), ("LAUNCHPAD_TOKEN_SECRET", secret)]);

    println!(
        "\n## docket mirror push launchpad: {bugs} MIR bugs, {messages} reviews and comments, against the fake Launchpad\n"
    );
    println!("| measured | time | requests | writes | per bug | floor | floor time |");
    println!("|---|---|---|---|---|---|---|");
    let first = run(&["push", "launchpad"]);
    let (requests, writes) = (fake.requests().len(), fake.writes());
    // The floor: as many writes (createBug) straight to the fake, from one client, one after
    // another.
    let floor_fake = FakeLaunchpad::start();
    let floor_started = Instant::now();
    let agent = ureq::Agent::new_with_defaults();
    for n in 0..writes {
        agent
            .post(format!("{}bugs", floor_fake.url()))
            .header(
                "Authorization",
                format!(
                    "OAuth realm=\"https://api.launchpad.net/\", oauth_consumer_key=\"bench\", oauth_token=\"{token}\", oauth_signature_method=\"PLAINTEXT\", oauth_signature=\"%26{secret}\", oauth_timestamp=\"{n}\", oauth_nonce=\"n{n}\", oauth_version=\"1.0\""
                ),
            )
            .header("Content-Type", "application/x-www-form-urlencoded")
            .send(format!(
                "ws.op=createBug&target={}ubuntu%2F%2Bsource%2Fpkg{n}&title=floor+{n}&description=floor",
                floor_fake.url().replace(':', "%3A").replace('/', "%2F")
            ))
            .unwrap();
    }
    let floor = floor_started.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(floor_fake.bugs().len(), writes, "every floor request made a bug");
    println!(
        "| first push | {first:.0} ms | {requests} | {writes} | {:.1} | {writes} createBug from one client | {floor:.0} ms ({:.2}×) |",
        requests as f64 / bugs as f64,
        first / floor
    );

    let path = root.join(format!("mir/{}.toml", support::id_of(bugs / 2 + 1)));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("status = \"confirmed\"", "status = \"incomplete\"")).unwrap();
    support::git(&root, &["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qam", "questions"]);
    fake.clear_requests();
    let one = run(&["sync", "launchpad"]);
    println!("| sync, one record changed | {one:.0} ms | {} | {} | – | – | – |", fake.requests().len(), fake.writes());
    fake.clear_requests();
    let none = run(&["sync", "launchpad"]);
    println!("| sync, nothing changed | {none:.0} ms | {} | {} | – | – | – |", fake.requests().len(), fake.writes());
}
