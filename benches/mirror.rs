//! The GitLab mirror's cost against the fake GitLab of the tests (in this process, on
//! loopback): the requests a first push of N issues makes (goal: about one per issue and per
//! comment, no per-issue reads) and its time beside a floor (the same number of POSTs sent
//! straight to the fake, one after another, by one client), then the requests of a sync after
//! one changed record (goal: at most 5, whatever N) and of a sync with nothing changed. Run with
//! `cargo bench --bench mirror` (`DOCKET_BENCH_ISSUES` changes N, 10,000 by default).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::cast_precision_loss)]

mod support;

#[path = "../tests/it"]
#[allow(dead_code, unused_imports, clippy::all, clippy::pedantic)]
mod it {
    pub mod fake_gitlab;
}

use std::process::Command;
use std::time::Instant;

use it::fake_gitlab::FakeGitlab;

fn main() {
    let issues: usize = std::env::var("DOCKET_BENCH_ISSUES").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let docket = env!("CARGO_BIN_EXE_docket");
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
    support::git(&root, &["add", "-A"]);
    support::git(&root, &["-c", "user.name=bench", "-c", "user.email=b@example.com", "commit", "-qm", "issues"]);

    let run = |args: &[&str]| {
        let started = Instant::now();
        let output = Command::new(docket)
            .arg("mirror")
            .args(args)
            .current_dir(&root)
            .env("GITLAB_TOKEN", fake.token())
            .env("GIT_AUTHOR_NAME", "bench")
            .env("GIT_AUTHOR_EMAIL", "b@example.com")
            .env("GIT_COMMITTER_NAME", "bench")
            .env("GIT_COMMITTER_EMAIL", "b@example.com")
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        started.elapsed().as_secs_f64() * 1000.0
    };

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
