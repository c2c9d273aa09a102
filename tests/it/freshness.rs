//! Derived state that can be trusted: the index answers what the files say however they were
//! written and however large the tracker, dates sort exactly, and whatever is under
//! `.git/docket/` — written by another command, damaged, or foreign — is rebuilt rather than
//! read as an empty answer.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use crate::support::{Sandbox, history_packs};

fn issue(title: &str, stage: &str) -> String {
    format!("title = \"{title}\"\ntype = \"bug\"\nstage = \"{stage}\"\n")
}

fn search(sandbox: &Sandbox, query: &str, env: &[(&str, &str)]) -> BTreeSet<String> {
    let run = sandbox.docket_with(&["search", "--json", "--limit", "0", query], env, "");
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

fn listed(sandbox: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> BTreeSet<String> {
    let mut full = vec!["list", "--json"];
    full.extend_from_slice(args);
    let run = sandbox.docket_with(&full, env, "");
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

/// Rewrites a file in place (same inode, the folder's time untouched), as VS Code and
/// `vim` with `backupcopy=yes` save.
fn write_in_place(sandbox: &Sandbox, path: &str, text: &str) {
    let mut file = OpenOptions::new().write(true).truncate(true).open(sandbox.root().join(path)).expect("open");
    file.write_all(text.as_bytes()).expect("write");
}

/// Sets the modification time of `paths` (relative to the repository) to `when` (`touch -d`).
fn touch(sandbox: &Sandbox, when: &str, paths: &[&str]) {
    let status = Command::new("touch")
        .args(["-d", when])
        .args(paths.iter().map(|p| sandbox.root().join(p)))
        .status()
        .expect("touch");
    assert!(status.success());
}

/// A tracker of `n` committed records (`r00000`…), indexed, its folders and files last touched
/// an hour ago.
fn settled_tracker(n: usize) -> Sandbox {
    let sandbox = Sandbox::tracker();
    for i in 0..n {
        sandbox.write(&format!("issues/r{i:05}.toml"), &issue(&format!("Lantern {i}"), "triage"));
    }
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "records"]);
    let status = Command::new("sh")
        .arg("-c")
        .arg("find issues milestones mir -exec touch -d '1 hour ago' {} +")
        .current_dir(sandbox.root())
        .status()
        .expect("find");
    assert!(status.success());
    sandbox.docket(&["index"]).ok();
    sandbox
}

/// Edits that leave the folder's time alone — in place, `touch -d` into the past, git's own
/// checkout, stash and reset — are found by the next `search` and `list`, in a tracker larger
/// than any threshold and with the thresholds moved to both sides.
#[test]
fn every_way_of_writing_a_file_is_seen_at_every_size() {
    let sandbox = settled_tracker(10_001);
    let sides: [&[(&str, &str)]; 2] =
        [&[], &[("DOCKET_INDEX_FOLD_AT", "0"), ("DOCKET_INDEX_RESCAN_AT", "0"), ("DOCKET_INDEX_PARALLEL_AT", "0")]];
    for (round, env) in sides.iter().enumerate() {
        let word = format!("tamarind{round}");
        // In place, the folder's time put back as it was.
        write_in_place(&sandbox, "issues/r04242.toml", &issue(&format!("Lantern {word}"), "planning"));
        touch(&sandbox, "1 hour ago", &["issues"]);
        assert_eq!(search(&sandbox, &word, env), BTreeSet::from(["r04242".to_owned()]), "in place, round {round}");
        assert!(listed(&sandbox, &["--stage", "planning"], env).contains("r04242"), "list, round {round}");
        // The same file's time moved into the past, content changed (same size).
        let same_size = issue(&format!("Lantern {}", word.replace('t', "T")), "planning");
        write_in_place(&sandbox, "issues/r04242.toml", &same_size);
        touch(&sandbox, "2001-01-01 00:00:00", &["issues/r04242.toml", "issues"]);
        let found = search(&sandbox, &format!("\"Lantern {}\"", word.replace('t', "T")), env);
        assert!(found.contains("r04242"), "touch -d into the past, round {round}");
        // git puts the committed version back: the edit is gone from every answer.
        sandbox.git(&["checkout", "--", "issues/r04242.toml"]);
        touch(&sandbox, "1 hour ago", &["issues"]);
        assert!(search(&sandbox, &word, env).is_empty(), "after checkout, round {round}");
        assert!(!listed(&sandbox, &["--stage", "planning"], env).contains("r04242"));
    }
    // stash and reset --hard, each with the folder's time put back.
    write_in_place(&sandbox, "issues/r00007.toml", &issue("Lantern quince", "triage"));
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert_eq!(search(&sandbox, "quince", &[]).len(), 1);
    sandbox.git(&["stash", "-q"]);
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert!(search(&sandbox, "quince", &[]).is_empty(), "stashed away");
    sandbox.git(&["stash", "pop", "-q"]);
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert_eq!(search(&sandbox, "quince", &[]).len(), 1, "popped back");
    sandbox.git(&["reset", "-q", "--hard"]);
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert!(search(&sandbox, "quince", &[]).is_empty(), "reset --hard");
    // And `docket index` commits an in-place edit too.
    // Every file written in the last two seconds is read again by each run (its stamp is not
    // trusted yet): set them back, so that a second run has nothing to do.
    touch(&sandbox, "30 minutes ago", &["issues/r00007.toml", "issues/r04242.toml"]);
    touch(&sandbox, "1 hour ago", &["issues"]);
    sandbox.docket(&["index"]).ok();
    // The folder's time exactly as the index recorded it: only the file's own stamp moved.
    let issues = std::fs::File::open(sandbox.root().join("issues")).expect("open");
    let recorded = issues.metadata().expect("stat").modified().expect("mtime");
    write_in_place(&sandbox, "issues/r09999.toml", &issue("Lantern papaya", "triage"));
    touch(&sandbox, "30 minutes ago", &["issues/r09999.toml"]);
    issues.set_modified(recorded).expect("set the folder's time back");
    let folded = sandbox.docket(&["index"]);
    assert!(folded.stderr.contains("updated "), "{}", folded.stderr);
    let again = sandbox.docket(&["index"]);
    assert!(!again.stderr.contains("updated"), "the first run committed it: {}", again.stderr);
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["search", "--json", "papaya"]).ok()).expect("json");
    let blob = sandbox.git(&["hash-object", "issues/r09999.toml"]);
    assert_eq!(json[0]["blob"].as_str(), Some(blob.trim()), "the committed document is the edited text");
}

/// In the sharded layout, a record added to a shard folder, or in a new one, is found.
#[test]
fn records_in_shard_folders_are_found() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/k3/k3x9q2.toml", &issue("Sharded kiwi", "triage"));
    sandbox.commit_all("sharded");
    assert_eq!(search(&sandbox, "kiwi", &[]), BTreeSet::from(["k3x9q2".to_owned()]));
    sandbox.docket(&["index"]).ok();
    sandbox.write("issues/k3/k3aaaa.toml", &issue("Sharded kiwi two", "planning"));
    sandbox.write("issues/zz/zzbbbb.toml", &issue("Sharded kiwi three", "planning"));
    touch(
        &sandbox,
        "1 hour ago",
        &["issues", "issues/k3", "issues/zz", "issues/k3/k3aaaa.toml", "issues/zz/zzbbbb.toml"],
    );
    let all = BTreeSet::from(["k3x9q2".to_owned(), "k3aaaa".to_owned(), "zzbbbb".to_owned()]);
    assert_eq!(search(&sandbox, "kiwi", &[]), all);
    let planning = BTreeSet::from(["k3aaaa".to_owned(), "zzbbbb".to_owned()]);
    assert_eq!(listed(&sandbox, &["--stage", "planning"], &[]), planning);
}

/// A deleted record leaves every answer: deleted by hand, by `git rm`, or with its folder.
#[test]
fn deleted_records_are_gone_from_every_answer() {
    let sandbox = settled_tracker(6);
    sandbox.write("issues/k3/k3x9q2.toml", &issue("Lantern sharded", "triage"));
    sandbox.commit_all("sharded");
    sandbox.docket(&["index"]).ok();
    let all = search(&sandbox, "lantern", &[]);
    assert_eq!(all.len(), 7);
    std::fs::remove_file(sandbox.root().join("issues/r00001.toml")).expect("rm");
    assert!(!search(&sandbox, "lantern", &[]).contains("r00001"));
    sandbox.git(&["rm", "-q", "issues/r00002.toml"]);
    assert!(!search(&sandbox, "lantern", &[]).contains("r00002"));
    assert!(!listed(&sandbox, &["--stage", "triage"], &[]).contains("r00002"));
    std::fs::remove_dir_all(sandbox.root().join("issues/k3")).expect("rm");
    assert_eq!(search(&sandbox, "lantern", &[]).len(), 4);
    // And once committed to the index.
    let folded = sandbox.docket(&["index"]);
    assert!(folded.stderr.contains("removed 3 documents"), "{}", folded.stderr);
    assert_eq!(search(&sandbox, "lantern", &[]).len(), 4);
    // Deleted in a commit, the folder's time put back as the index recorded it: only git's diff
    // of the trees says the file went, and that is enough.
    sandbox.commit_all("removals");
    touch(&sandbox, "1 hour ago", &["issues"]);
    sandbox.docket(&["index"]).ok();
    let issues = std::fs::File::open(sandbox.root().join("issues")).expect("open");
    let recorded = issues.metadata().expect("stat").modified().expect("mtime");
    sandbox.git(&["rm", "-q", "issues/r00003.toml"]);
    sandbox.commit_all("remove r00003");
    issues.set_modified(recorded).expect("set the folder's time back");
    assert_eq!(search(&sandbox, "lantern", &[]).len(), 3);
    assert!(!search(&sandbox, "lantern", &[]).contains("r00003"));
    let status: serde_json::Value = serde_json::from_str(sandbox.docket(&["index", "--json"]).ok()).expect("json");
    assert_eq!(status["documents"], 3, "the index itself let the document go: {status}");
}

/// Two trackers in one repository whose folders make the same name under `.git/docket/`
/// (`a/b` and `a-b`) each answer from their own records, however the searches alternate.
#[test]
fn trackers_whose_index_names_meet_keep_their_own_answers() {
    let sandbox = Sandbox::new();
    for (dir, word) in [("a/b", "quince"), ("a-b", "medlar")] {
        sandbox.docket(&["init", "--dir", dir]).ok();
        sandbox.write(&format!("{dir}/issues/{}.toml", &word[..3]), &issue(&format!("Lantern {word}"), "triage"));
    }
    sandbox.commit_all("two trackers");
    let found = |dir: &str, word: &str| -> String {
        sandbox.docket_in(&sandbox.root().join(dir), &["search", "--json", word], &[], "").ok().to_owned()
    };
    for _ in 0..2 {
        assert!(found("a/b", "quince").contains("\"qui\""));
        assert_eq!(found("a/b", "medlar").trim(), "[]", "a-b's record is not a/b's");
        assert!(found("a-b", "medlar").contains("\"med\""));
        assert_eq!(found("a-b", "quince").trim(), "[]", "a/b's record is not a-b's");
    }
}

/// A stamp taken within the same moment as the write is not trusted: a second write of the
/// same size with the same time (a coarse clock, or `touch` putting it back) is still seen.
#[test]
fn a_stamp_from_the_moment_of_writing_is_not_trusted() {
    let sandbox = settled_tracker(3);
    let path = sandbox.root().join("issues/r00001.toml");
    let moment = SystemTime::now() - Duration::from_millis(300);
    let set_time = || {
        OpenOptions::new().write(true).open(&path).expect("open").set_modified(moment).expect("set the time");
    };
    write_in_place(&sandbox, "issues/r00001.toml", &issue("Lantern alpha", "triage"));
    set_time();
    sandbox.docket(&["index"]).ok();
    assert_eq!(search(&sandbox, "alpha", &[]).len(), 1);
    // Same size, same time, new words.
    write_in_place(&sandbox, "issues/r00001.toml", &issue("Lantern omega", "triage"));
    set_time();
    assert_eq!(search(&sandbox, "omega", &[]), BTreeSet::from(["r00001".to_owned()]));
    assert!(search(&sandbox, "alpha", &[]).is_empty());
}

/// `created` and `updated` sort by the exact second, not in steps of a few minutes.
#[test]
fn dates_seconds_apart_sort_in_order() {
    let sandbox = Sandbox::tracker();
    for (id, created) in [("a1", "10:00:20"), ("b2", "10:00:00"), ("c3", "10:00:40"), ("d4", "10:00:01")] {
        sandbox.write(
            &format!("issues/{id}.toml"),
            &format!(
                "title = \"Mango {id}\"\ntype = \"bug\"\nstage = \"triage\"\ncreated = 2026-11-20T{created}Z\n\n[[comments]]\nauthor = \"ana\"\ndate = 2026-11-21T{created}Z\ntext = \"seen\"\n"
            ),
        );
    }
    let order = |sort: &str| -> Vec<String> {
        let run = sandbox.docket(&["search", "--json", "mango", "--sort", sort]);
        let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
        json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
    };
    assert_eq!(order("created"), ["c3", "a1", "d4", "b2"]);
    assert_eq!(order("updated"), ["c3", "a1", "d4", "b2"]);
    // Half committed, half in memory: the merge of both keeps the order.
    sandbox.docket(&["index"]).ok();
    sandbox.write(
        "issues/e5.toml",
        "title = \"Mango e5\"\ntype = \"bug\"\nstage = \"triage\"\ncreated = 2026-11-20T10:00:30Z\n",
    );
    assert_eq!(order("created"), ["c3", "e5", "a1", "d4", "b2"]);
}

/// Without `--sort`, the best match comes first, whatever the ids say.
#[test]
fn relevance_orders_by_score() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/aa1.toml", "title = \"Other\"\ntype = \"bug\"\nstage = \"triage\"\ndescription = \"one papaya, among many other words here\"\n");
    sandbox.write("issues/zz9.toml", "title = \"Papaya papaya\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let run = sandbox.docket(&["search", "--json", "papaya"]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    let ids: Vec<&str> = json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(ids, ["zz9", "aa1"]);
    assert!(json[0]["score"].as_f64() > json[1]["score"].as_f64());
}

/// A running `docket watch` vouches for the index: a search right after an in-place edit
/// finds it, and one made while the watcher cannot answer (stopped) compares every stamp itself.
#[test]
fn a_watcher_vouches_for_the_index_and_a_silent_one_is_not_trusted() {
    let sandbox = settled_tracker(50);
    let mut child = sandbox.start_watch(&["--debounce", "5000"], false);
    let status = sandbox.docket(&["index", "--json"]);
    let json: serde_json::Value = serde_json::from_str(status.ok()).expect("json");
    assert_eq!(json["watched"], true, "{json}");
    // A second watcher is refused.
    let second = sandbox.docket(&["watch"]);
    assert_eq!(second.code, 2);
    assert!(second.stderr.contains("already watching"), "{}", second.stderr);
    // Right after an in-place edit: the search waits for the watcher (not for its 5 s settle).
    write_in_place(&sandbox, "issues/r00012.toml", &issue("Lantern fig", "triage"));
    touch(&sandbox, "1 hour ago", &["issues"]);
    let started = Instant::now();
    let answered = sandbox.docket(&["search", "fig"]);
    assert!(answered.ok().contains("r00012"), "{}", answered.stdout);
    assert!(!answered.stderr.contains("did not answer"), "the watcher answered: {}", answered.stderr);
    assert!(started.elapsed() < Duration::from_secs(4), "answered without waiting for the settle");
    // A stopped watcher holds its lock but cannot answer: the search compares every stamp.
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-STOP", &pid]).status().expect("kill").success());
    write_in_place(&sandbox, "issues/r00013.toml", &issue("Lantern date", "triage"));
    touch(&sandbox, "1 hour ago", &["issues"]);
    let silent = sandbox.docket(&["search", "date"]);
    assert!(silent.ok().contains("r00013"), "{}", silent.stdout);
    insta::assert_snapshot!("search_watcher_silent", silent.stderr);
    assert!(Command::new("kill").args(["-CONT", &pid]).status().expect("kill").success());
    let _ = child.kill();
    let _ = child.wait();
    // Gone: nobody vouches, and the answers stay right.
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["index", "--json"]).ok()).expect("json");
    assert_eq!(json["watched"], false);
    write_in_place(&sandbox, "issues/r00014.toml", &issue("Lantern lime", "triage"));
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert_eq!(search(&sandbox, "lime", &[]), BTreeSet::from(["r00014".to_owned()]));
}

/// A new record arriving with its folder's time put back as it was (an unpacked archive, `cp
/// -p`, `rsync -t`) is found: without a watcher every search compares every folder's files.
#[test]
fn a_new_record_is_found_though_its_folder_time_is_put_back() {
    let sandbox = settled_tracker(20);
    let issues = std::fs::File::open(sandbox.root().join("issues")).expect("open");
    let recorded = issues.metadata().expect("stat").modified().expect("mtime");
    sandbox.write("issues/r99999.toml", &issue("Lantern persimmon", "triage"));
    touch(&sandbox, "1 hour ago", &["issues/r99999.toml"]);
    issues.set_modified(recorded).expect("set the folder's time back");
    assert_eq!(search(&sandbox, "persimmon", &[]), BTreeSet::from(["r99999".to_owned()]));
    assert!(listed(&sandbox, &["--stage", "triage"], &[]).contains("r99999"));
}

/// With a watcher vouching for the index, a deletion is taken from the paths the watcher names,
/// even when the folder's time says nothing changed there.
#[test]
fn a_watched_deletion_is_seen_with_the_folder_time_put_back() {
    let sandbox = settled_tracker(8);
    touch(&sandbox, "1 hour ago", &["issues"]);
    sandbox.docket(&["index"]).ok();
    let mut child = sandbox.start_watch(&["--debounce", "5000"], false);
    let issues = std::fs::File::open(sandbox.root().join("issues")).expect("open");
    let recorded = issues.metadata().expect("stat").modified().expect("mtime");
    std::fs::remove_file(sandbox.root().join("issues/r00004.toml")).expect("rm");
    issues.set_modified(recorded).expect("set the folder's time back");
    let found = search(&sandbox, "lantern", &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(found.len(), 7, "{found:?}");
    assert!(!found.contains("r00004"));
}

/// A whole shard folder moved into or out of the tracker while a watcher runs (the watcher
/// hears of the folder, not of the files in it): the next search has the records that came and
/// not those that went.
#[test]
fn a_shard_folder_moved_in_or_out_under_a_watcher_is_seen() {
    let sandbox = settled_tracker(4);
    sandbox.write("issues/k3/k3x9q2.toml", &issue("Lantern kiwano", "triage"));
    sandbox.commit_all("a shard");
    touch(&sandbox, "1 hour ago", &["issues", "issues/k3", "issues/k3/k3x9q2.toml"]);
    sandbox.docket(&["index"]).ok();
    let mut child = sandbox.start_watch(&["--debounce", "5000"], false);
    let away = sandbox.outside("k3");
    std::fs::rename(sandbox.root().join("issues/k3"), &away).expect("moved out");
    let gone = search(&sandbox, "kiwano", &[]);
    let arriving = sandbox.outside("zq");
    std::fs::create_dir_all(&arriving).expect("folder");
    std::fs::write(arriving.join("zqa1b2.toml"), issue("Lantern salak", "triage")).expect("write");
    std::fs::rename(&arriving, sandbox.root().join("issues/zq")).expect("moved in");
    let came = search(&sandbox, "salak", &[]);
    let _ = child.kill();
    let _ = child.wait();
    assert!(gone.is_empty(), "the folder moved out took its record: {gone:?}");
    assert_eq!(came, BTreeSet::from(["zqa1b2".to_owned()]));
}

/// `docket index` says only what it did: a record git committed but the work tree lost before
/// the index ever saw it is no document removed.
#[test]
fn a_file_the_index_never_held_is_not_counted_as_removed() {
    let sandbox = settled_tracker(3);
    sandbox.write("issues/r00100.toml", &issue("Lantern tamarillo", "triage"));
    sandbox.commit_all("one more");
    std::fs::remove_file(sandbox.root().join("issues/r00100.toml")).expect("rm");
    let run = sandbox.docket(&["index"]);
    assert!(!run.stderr.contains("removed"), "{}", run.stderr);
    assert!(search(&sandbox, "tamarillo", &[]).is_empty());
}

/// A search keeps up to `fold_at` changes in memory and commits more (when the writer is
/// free): both sides of the limit, seen by what the next `docket index` still has to do.
#[test]
fn a_search_commits_changes_above_the_fold_limit_and_keeps_the_rest_in_memory() {
    let sandbox = settled_tracker(10);
    let limits = [("DOCKET_INDEX_FOLD_AT", "3"), ("DOCKET_INDEX_RESCAN_AT", "1000000")];
    let edit = |ids: &[&str], word: &str| {
        let paths: Vec<String> = ids.iter().map(|id| format!("issues/{id}.toml")).collect();
        for path in &paths {
            write_in_place(&sandbox, path, &issue(&format!("Lantern {word}"), "triage"));
        }
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        touch(&sandbox, "30 minutes ago", &paths);
        touch(&sandbox, "1 hour ago", &["issues"]);
    };
    edit(&["r00001", "r00002", "r00003"], "feijoa");
    assert_eq!(search(&sandbox, "feijoa", &limits).len(), 3);
    let index = sandbox.docket(&["index"]);
    assert!(index.stderr.contains("updated 3 and removed 0"), "3 is not more than 3: kept in memory: {}", index.stderr);
    edit(&["r00004", "r00005", "r00006", "r00007"], "durian");
    assert_eq!(search(&sandbox, "durian", &limits).len(), 4);
    let index = sandbox.docket(&["index"]);
    assert!(!index.stderr.contains("updated"), "4 changes were committed by the search: {}", index.stderr);
}

/// A search that had to read settled folders of more than `rescan_at` files commits what it
/// found (the next search would read them all again); at the limit it keeps it in memory.
#[test]
fn a_search_commits_what_was_costly_to_find_both_sides_of_the_limit() {
    let sandbox = settled_tracker(10);
    for (n, (rescan_at, committed)) in [("11", false), ("10", true)].into_iter().enumerate() {
        // One new file in the settled folder of 10: 11 files are read to find it.
        let path = format!("issues/r0020{n}.toml");
        sandbox.write(&path, &issue(&format!("Lantern rambutan{n}"), "triage"));
        touch(&sandbox, "30 minutes ago", &[path.as_str()]);
        touch(&sandbox, "1 hour ago", &["issues"]);
        let limits = [("DOCKET_INDEX_FOLD_AT", "1000"), ("DOCKET_INDEX_RESCAN_AT", rescan_at)];
        assert_eq!(search(&sandbox, &format!("rambutan{n}"), &limits).len(), 1);
        let index = sandbox.docket(&["index"]);
        assert_eq!(!index.stderr.contains("updated 1"), committed, "rescan_at {rescan_at}: {}", index.stderr);
        std::fs::remove_file(sandbox.root().join(&path)).expect("rm");
        touch(&sandbox, "1 hour ago", &["issues"]);
        sandbox.docket(&["index"]).ok();
    }
}

/// After a commit that changes no record, `docket index` still records the tree it reflects,
/// so that the next search need not compare what git changed again.
#[test]
fn the_index_reflects_the_head_tree_after_a_commit_of_other_files() {
    let sandbox = settled_tracker(3);
    sandbox.write("README.md", "notes\n");
    sandbox.commit_all("notes");
    let status: serde_json::Value = serde_json::from_str(sandbox.docket(&["index", "--json"]).ok()).expect("json");
    assert_eq!(status["tree"].as_str(), Some(sandbox.git(&["rev-parse", "HEAD^{tree}"]).trim()), "{status}");
}

/// A watcher whose tracker is deleted (a clone removed while it runs, with events for every
/// file still to fold) ends instead of retrying for ever an index that cannot be written.
#[test]
fn a_watcher_ends_when_its_tracker_is_deleted() {
    let sandbox = settled_tracker(20);
    let mut child = sandbox.start_watch(&["--debounce", "20"], false);
    std::fs::remove_dir_all(sandbox.root()).expect("the clone is deleted");
    // It looks every few seconds (5 s when idle); allow several looks on a busy machine.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "{status}");
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the watcher still runs a minute after its tracker was deleted");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `--idle` ends a watcher no search has asked for that long (how a watcher started in the
/// background by a search ends).
#[test]
fn a_watcher_ends_when_idle() {
    let sandbox = settled_tracker(5);
    let mut idle = sandbox.start_watch(&["--idle", "0"], false);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = idle.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = idle.kill();
            panic!("the watcher with --idle 0 still runs after a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
}

/// A search of a tracker larger than the limit starts `docket watch` in the background, once;
/// `docket watch --stop` ends it; `[index] watch = "never"` turns it off.
#[test]
fn a_search_of_a_large_tracker_starts_a_watcher_in_the_background() {
    let sandbox = settled_tracker(30);
    // A busy machine may keep the watcher from answering within the usual second; this test
    // is about starting one watcher, not about its speed.
    let large = [("DOCKET_INDEX_WATCH_AT", "20"), ("DOCKET_INDEX_WATCH_WAIT_MS", "20000")];
    let watched = || -> bool {
        let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["index", "--json"]).ok()).expect("json");
        json["watched"] == true
    };
    let small = sandbox.docket_with(&["search", "lantern"], &[("DOCKET_INDEX_WATCH_AT", "30")], "");
    assert!(!small.stderr.contains("docket watch"), "30 records is not more than 30: {}", small.stderr);
    let run = sandbox.docket_with(&["search", "lantern"], &large, "");
    assert!(run.stderr.contains("started `docket watch` in the background"), "{}", run.stderr);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !watched() {
        assert!(Instant::now() < deadline, "the watcher runs");
        std::thread::sleep(Duration::from_millis(50));
    }
    let again = sandbox.docket_with(&["search", "lantern"], &large, "");
    assert!(!again.stderr.contains("docket watch"), "one is enough: {}", again.stderr);
    write_in_place(&sandbox, "issues/r00003.toml", &issue("Lantern guava", "triage"));
    touch(&sandbox, "1 hour ago", &["issues"]);
    assert_eq!(search(&sandbox, "guava", &large), BTreeSet::from(["r00003".to_owned()]));
    let stop = sandbox.docket(&["watch", "--stop"]);
    assert!(stop.stderr.contains("stopped the watcher"), "{}", stop.stderr);
    assert!(!watched());
    assert!(sandbox.docket(&["watch", "--stop"]).stderr.contains("no watcher runs"));
    // Turned off in docket.toml.
    let config = sandbox.read("docket.toml");
    sandbox.write("docket.toml", &format!("{config}\n[index]\nwatch = \"never\"\n"));
    let off = sandbox.docket_with(&["search", "lantern"], &large, "");
    assert!(!off.stderr.contains("docket watch"), "{}", off.stderr);
    assert!(!watched());
}

/// The answers of `log`, `plan`, `report metrics` and `report expiring` do not depend on the
/// order they run in, nor on what is under `.git/docket/`: a file where a folder belongs, a
/// folder where a file belongs, damaged or missing cache files are rebuilt.
#[test]
fn derived_state_is_rebuilt_never_read_as_empty() {
    let build = || {
        let sandbox = Sandbox::example("mir");
        // Some history: a commit a week later moves one bug.
        let path = "mir/ntjgx5.toml";
        let text = sandbox.read(path);
        sandbox.write(path, &format!("{text}\n"));
        sandbox.git(&["add", "-A"]);
        let when = "2026-11-30T12:00:00Z";
        sandbox.git_with(
            &["commit", "-q", "--no-verify", "-m", "later"],
            &[("GIT_COMMITTER_DATE", when), ("GIT_AUTHOR_DATE", when)],
        );
        sandbox
    };
    let answers = |sandbox: &Sandbox, expiring_first: bool| -> Vec<String> {
        // 98 days after the bug went Incomplete: it is due to expire.
        let run =
            |args: &[&str]| sandbox.docket_with(args, &[("DOCKET_NOW", "2027-03-01T12:00:00Z")], "").ok().to_owned();
        let mut out = Vec::new();
        if expiring_first {
            out.push(run(&["report", "expiring", "--json"]));
        }
        out.push(run(&["log", "ntjgx5", "--json"]));
        out.push(run(&["report", "metrics", "--json"]));
        if expiring_first {
            let expiring = out.remove(0);
            out.push(expiring);
        } else {
            out.push(run(&["report", "expiring", "--json"]));
        }
        out
    };
    let clean = build();
    // A MIR bug's history holds its process state, not its bare status.
    let log = clean.docket(&["log", "hwt0zd", "--json"]);
    assert!(log.ok().contains("\"state\": \"assigned_security\""), "{}", log.stdout);
    let expected = answers(&clean, false);
    assert!(expected[0].matches("\"commit\"").count() >= 2, "log shows history: {}", expected[0]);
    assert!(expected[2].contains("ntjgx5"), "expiring: {}", expected[2]);
    let other_order = build();
    assert_eq!(answers(&other_order, true), expected, "expiring first");
    assert_eq!(answers(&other_order, false), expected, "and again, cached");
    let docket = other_order.root().join(".git/docket");
    // A file where the history folder belongs, a folder where the metrics file belongs, a
    // file where the index folder belongs.
    std::fs::remove_dir_all(docket.join("history")).expect("remove");
    std::fs::write(docket.join("history"), "abc\tdef\t1\n").expect("write");
    let _ = std::fs::remove_file(docket.join("metrics.json"));
    std::fs::create_dir_all(docket.join("metrics.json/inner")).expect("mkdir");
    let _ = std::fs::remove_dir_all(docket.join("index"));
    std::fs::write(docket.join("index"), "not an index").expect("write");
    assert_eq!(answers(&other_order, false), expected, "foreign entries");
    assert_eq!(search(&other_order, "status:incomplete", &[]), BTreeSet::from(["ntjgx5".to_owned()]));
    assert!(docket.join("history").is_dir() && docket.join("metrics.json").is_file() && docket.join("index").is_dir());
    // A cache file the state lists, deleted: rebuilt, not read as "no history".
    let history = docket.join("history");
    for pack in history_packs(&history) {
        std::fs::remove_file(pack).expect("remove");
    }
    std::fs::remove_file(docket.join("metrics.json")).expect("remove");
    assert_eq!(answers(&other_order, false), expected, "a missing cache file");
}

/// A checkout that moves `HEAD` is seen even when it leaves every stamp as it was — the file
/// the same size, its time and its folder's put back: the index compares the tree it last saw
/// with `HEAD`'s, and reads what git says changed.
#[test]
fn a_checkout_that_keeps_every_stamp_is_seen() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/k3x9q2.toml", &issue("Lantern mango", "triage"));
    sandbox.commit_all("mango");
    sandbox.write("issues/k3x9q2.toml", &issue("Lantern guava", "triage"));
    sandbox.commit_all("guava");
    // Written long ago (a stamp younger than two seconds is never trusted).
    touch(&sandbox, "1 hour ago", &["issues/k3x9q2.toml", "issues"]);
    assert_eq!(search(&sandbox, "guava", &[]), BTreeSet::from(["k3x9q2".to_owned()]));
    let (file, folder) = (sandbox.root().join("issues/k3x9q2.toml"), sandbox.root().join("issues"));
    let time = |path: &std::path::Path| std::fs::metadata(path).expect("stat").modified().expect("mtime");
    let (file_time, folder_time) = (time(&file), time(&folder));
    sandbox.git(&["checkout", "-q", "HEAD~1"]);
    std::fs::File::options().write(true).open(&file).expect("open").set_modified(file_time).expect("set");
    std::fs::File::open(&folder).expect("open").set_modified(folder_time).expect("set");
    assert_eq!((time(&file), time(&folder)), (file_time, folder_time), "every stamp as it was");
    assert_eq!(search(&sandbox, "mango", &[]), BTreeSet::from(["k3x9q2".to_owned()]));
    assert!(search(&sandbox, "guava", &[]).is_empty());
}
