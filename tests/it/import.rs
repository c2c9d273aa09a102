//! `docket import git-bug` on git-bug's own tracker (421 bugs, from a git bundle).

use std::path::Path;

use crate::support::Sandbox;

fn with_git_bug() -> Sandbox {
    let sandbox = Sandbox::tracker();
    let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/git-bug-issues.bundle");
    sandbox.git(&[
        "fetch",
        "-q",
        bundle.to_str().expect("utf-8"),
        "refs/bugs/*:refs/bugs/*",
        "refs/identities/*:refs/identities/*",
    ]);
    sandbox
}

#[test]
fn every_bug_becomes_an_issue_in_one_commit_and_again_changes_nothing() {
    let sandbox = with_git_bug();
    let bugs: Vec<String> = sandbox
        .git(&["for-each-ref", "--format=%(refname:lstrip=2)", "refs/bugs/"])
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(bugs.len(), 421);
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    let run = sandbox.docket(&["import", "git-bug"]);
    run.ok();
    assert!(
        run.stderr.contains("imported 421 issues from git-bug in one commit: 421 created, 0 updated"),
        "{}",
        run.stderr
    );
    assert_eq!(sandbox.git(&["rev-parse", "HEAD~1"]), head, "one commit on top");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "work tree and index match the commit");
    // Every bug is there, under an id derived from its git-bug id, which is kept.
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["list", "--json", "--no-index"]).ok()).expect("json");
    let mut kept: Vec<String> =
        json.as_array().expect("array").iter().map(|r| r["git_bug_id"].as_str().expect("kept").to_owned()).collect();
    kept.sort();
    assert_eq!(kept, bugs);
    // The workflow accepts every record.
    let check = sandbox.docket(&["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    // A second import finds nothing to do.
    let again = sandbox.docket(&["import", "git-bug"]);
    assert!(again.stderr.contains("nothing to import"), "{}", again.stderr);
    assert_eq!(sandbox.git(&["rev-parse", "HEAD~1"]), head);
}

/// One bug's title, status and comments, read from its operation packs by the test itself.
#[test]
fn a_bug_keeps_its_title_status_comments_and_authors() {
    let sandbox = with_git_bug();
    sandbox.docket(&["import", "git-bug"]).ok();
    let reference = "refs/bugs/01280d5fc4407f9f07e0e051f9421da87273d708bb284d647cc454d441448af1";
    let mut title = String::new();
    // (operation id, text): git-bug names an operation by the SHA-256 of its JSON text,
    // and an EditComment (type 6) replaces the text of the operation it targets.
    let mut comments: Vec<(String, String)> = Vec::new();
    let mut closed = false;
    for commit in sandbox.git(&["rev-list", "--reverse", reference]).lines() {
        let text = sandbox.git(&["cat-file", "-p", &format!("{commit}:ops")]);
        let pack: std::collections::HashMap<String, &serde_json::value::RawValue> =
            serde_json::from_str(&text).expect("json");
        let raw_ops: Vec<&serde_json::value::RawValue> = serde_json::from_str(pack["ops"].get()).expect("ops");
        for raw in raw_ops {
            let op: serde_json::Value = serde_json::from_str(raw.get()).expect("op");
            let id = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(raw.get().as_bytes()));
            match op["type"].as_u64() {
                Some(1 | 2) => title = op["title"].as_str().expect("title").to_owned(),
                Some(3) => comments.push((id, op["message"].as_str().expect("message").to_owned())),
                Some(4) => closed = op["status"].as_u64() == Some(2),
                Some(6) => {
                    let target = op["target"].as_str().expect("target");
                    if let Some(comment) = comments.iter_mut().find(|(id, _)| id == target) {
                        comment.1 = op["message"].as_str().expect("message").to_owned();
                    }
                }
                _ => {}
            }
        }
    }
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["show", "gb01280d5", "--json"]).ok()).expect("json");
    assert_eq!(json["title"], title.as_str());
    assert_eq!(json["stage"], if closed { "closed" } else { "triage" });
    let texts: Vec<&str> = json["comments"]
        .as_array()
        .map(|c| c.iter().map(|c| c["text"].as_str().expect("text")).collect())
        .unwrap_or_default();
    assert_eq!(texts.len(), comments.len().max(usize::from(closed && comments.is_empty())));
    for (_, comment) in &comments {
        assert!(texts.contains(&comment.as_str()), "comment kept: {comment}");
    }
    assert!(json["comments"][0]["author"].as_str().is_some_and(|a| !a.is_empty()));
    // A phrase from a real comment finds its bug through the index.
    let (_, first) = comments.first().expect("the bug has comments");
    let phrase: Vec<&str> = first.split_whitespace().filter(|w| w.chars().all(char::is_alphanumeric)).take(3).collect();
    assert_eq!(phrase.len(), 3, "three plain words in {first}");
    let found = sandbox.docket(&["search", &format!("\"{}\"", phrase.join(" ")), "--json"]).ok().to_owned();
    assert!(found.contains("gb01280d5"), "{phrase:?} finds the bug: {found}");
}

#[test]
fn a_repository_without_git_bug_is_refused() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket(&["import", "git-bug"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("there are no git-bug bugs (refs/bugs/*)"), "{}", run.stderr);
}

/// An import killed between its commit and its checkout leaves the records committed but
/// absent from the work tree and the index, or half written when the kill came during the
/// checkout; the next run puts them back and commits nothing.
#[test]
fn an_interrupted_import_is_repaired_by_the_next_run() {
    let sandbox = with_git_bug();
    sandbox.docket(&["import", "git-bug"]).ok();
    let imported = sandbox.git(&["rev-parse", "HEAD"]);
    // The state the kill leaves: the commit made, the old index, no files but one, cut short.
    sandbox.git(&["rm", "-q", "--cached", "issues/gb*"]);
    let mut cut = false;
    for entry in std::fs::read_dir(sandbox.root().join("issues")).expect("issues").filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with("gb") {
            if cut {
                std::fs::remove_file(entry.path()).expect("remove");
            } else {
                let text = std::fs::read_to_string(entry.path()).expect("read");
                let mut end = text.len() / 2;
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                std::fs::write(entry.path(), &text[..end]).expect("cut");
                cut = true;
            }
        }
    }
    let again = sandbox.docket(&["import", "git-bug"]);
    again.ok();
    assert!(
        again.stderr.contains("restored 421 issue files an interrupted import left unfinished in the work tree"),
        "{}",
        again.stderr
    );
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), imported, "no second commit");
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
}

/// A `git checkout` that dies after writing the files but before writing the index (killed
/// with the import, or by the pipe the import read its messages from) leaves the records in
/// the work tree as committed and out of the index, or the index holding their old text. The
/// next import puts the index back; it does not call that up to date.
#[test]
fn an_import_whose_checkout_died_before_the_index_is_finished_by_the_next() {
    let sandbox = with_git_bug();
    sandbox.docket(&["import", "git-bug"]).ok();
    let imported = sandbox.git(&["rev-parse", "HEAD"]);
    let files: Vec<String> = sandbox.git(&["ls-files", "issues/gb*.toml"]).lines().map(str::to_owned).collect();
    assert_eq!(files.len(), 421);
    let mut unstage = vec!["rm", "-q", "--cached", "--"];
    unstage.extend(files[1..].iter().map(String::as_str));
    sandbox.git(&unstage);
    // The first one's index entry keeps an older text, as for a record the import updated.
    let old_text = sandbox.root().join("../old-record.toml");
    std::fs::write(&old_text, "id = \"old\"\n").expect("write");
    let old = sandbox.git(&["hash-object", "-w", old_text.to_str().expect("utf-8")]);
    sandbox.git(&["update-index", "--cacheinfo", &format!("100644,{},{}", old.trim(), files[0])]);
    assert_ne!(sandbox.git(&["status", "--porcelain"]), "");
    let again = sandbox.docket(&["import", "git-bug"]);
    again.ok();
    assert!(
        again.stderr.contains("restored 421 issue files an interrupted import left unfinished"),
        "{}",
        again.stderr
    );
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), imported, "no second commit");
    assert_eq!(sandbox.git(&["status", "--porcelain", "--untracked-files=all"]), "");
}

/// `kill -9` at any moment of an import: the next run finishes the job, with one import
/// commit and a clean work tree.
#[test]
fn kill_9_during_an_import_loses_nothing() {
    let sandbox = with_git_bug();
    let start = sandbox.git(&["rev-parse", "HEAD"]);
    for delay in [30, 120, 300, 700] {
        let mut child = sandbox.spawn_docket(&["import", "git-bug"]);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        // A `git checkout` the import had started outlives it (it may not hold the index's
        // lock yet); let it finish or die, as a person would before running the import again.
        std::thread::sleep(std::time::Duration::from_millis(200));
        let lock = sandbox.root().join(".git/index.lock");
        for _ in 0..200 {
            if !lock.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        sandbox.docket(&["import", "git-bug"]).ok();
        assert_eq!(sandbox.git(&["rev-parse", "HEAD~1"]), start, "one import commit (killed after {delay} ms)");
        assert_eq!(sandbox.git(&["status", "--porcelain"]), "", "clean after the kill at {delay} ms");
        let listed = sandbox.docket(&["list", "--json"]).ok().to_owned();
        let count = serde_json::from_str::<serde_json::Value>(&listed).expect("json").as_array().map_or(0, Vec::len);
        assert!(count >= 421, "every bug is an issue after the kill at {delay} ms: {count}");
        sandbox.git(&["reset", "-q", "--hard", start.trim()]);
        sandbox.git(&["clean", "-q", "-fd"]);
    }
}

/// A lock a killed git left behind stops the import with the command that clears it, and
/// nothing is written; once cleared, the import runs.
#[test]
fn a_stale_lock_comes_with_the_command_that_clears_it() {
    let sandbox = with_git_bug();
    let lock = sandbox.root().join(".git/refs/heads/main.lock");
    std::fs::write(&lock, "").expect("a stale lock");
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    let run = sandbox.docket(&["import", "git-bug"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    insta::assert_snapshot!("import_stale_lock", run.both());
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(sandbox.git(&["status", "--porcelain", "--untracked-files=all"]), "", "no file written");
    std::fs::remove_file(&lock).expect("rm");
    sandbox.docket(&["import", "git-bug"]).ok();
    assert_ne!(sandbox.git(&["rev-parse", "HEAD"]), head);
}

/// A bug ref whose name is not git-bug's hexadecimal id (uppercase, hostile) is refused with
/// its name, before anything is written: it would make a record no command reads.
#[test]
fn a_bug_ref_that_is_not_a_git_bug_id_is_refused() {
    let sandbox = with_git_bug();
    let tip = sandbox.git(&["for-each-ref", "--count=1", "--format=%(objectname)", "refs/bugs/"]);
    sandbox.git(&["update-ref", "refs/bugs/EVIL0000", tip.trim()]);
    let before = head_of(&sandbox);
    let run = sandbox.docket(&["import", "git-bug"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`EVIL0000` is not a git-bug id"), "{}", run.stderr);
    assert_eq!(head_of(&sandbox), before, "nothing was committed");
    assert!(!sandbox.root().join("issues/gbEVIL000.toml").exists());
}

fn head_of(sandbox: &Sandbox) -> String {
    sandbox.git(&["rev-parse", "HEAD"])
}
