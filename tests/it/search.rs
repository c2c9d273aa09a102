//! `docket search`, `docket index`, `docket watch`, and `list` through the index. Expected
//! answers are computed from the files by the tests themselves, without tantivy.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::Sandbox;

fn ids(sandbox: &Sandbox, query: &str) -> BTreeSet<String> {
    let run = sandbox.docket(&["search", "--json", "--", query]);
    let json: serde_json::Value =
        serde_json::from_str(run.ok()).unwrap_or_else(|_| panic!("json for {query}: {}", run.stderr));
    json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
}

/// Every record file of the sandbox's tracker, parsed with the `toml` crate: (id, table).
fn records(root: &Path) -> Vec<(String, toml::Table)> {
    let mut found = Vec::new();
    for folder in ["issues", "mir", "milestones"] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else { continue };
        let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        // One level of shard folders.
        let nested: Vec<_> = paths
            .iter()
            .filter(|p| p.is_dir())
            .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().filter_map(Result::ok).map(|e| e.path()))
            .collect();
        paths.extend(nested);
        for path in paths.into_iter().filter(|p| p.extension().is_some_and(|x| x == "toml")) {
            let table: toml::Table = toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("toml");
            found.push((path.file_stem().expect("stem").to_string_lossy().into_owned(), table));
        }
    }
    found
}

fn words_of(value: &toml::Value, out: &mut Vec<String>) {
    match value {
        toml::Value::String(s) => {
            out.extend(s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase));
        }
        toml::Value::Array(items) => items.iter().for_each(|v| words_of(v, out)),
        toml::Value::Table(table) => table.values().for_each(|v| words_of(v, out)),
        _ => {}
    }
}

/// The ids whose text holds `word` or a plural or past form of it (what English stemming
/// folds together for the words these tests use).
fn expected_word(root: &Path, word: &str) -> BTreeSet<String> {
    let forms = [word.to_owned(), format!("{word}s"), format!("{word}es"), format!("{word}ed")];
    records(root)
        .into_iter()
        .filter(|(_, table)| {
            let mut words = Vec::new();
            table.values().for_each(|v| words_of(v, &mut words));
            words.iter().any(|w| forms.contains(w))
        })
        .map(|(id, _)| id)
        .collect()
}

fn expected_where(root: &Path, test: impl Fn(&toml::Table) -> bool) -> BTreeSet<String> {
    records(root).into_iter().filter(|(_, t)| test(t)).map(|(id, _)| id).collect()
}

fn text<'a>(table: &'a toml::Table, key: &str) -> &'a str {
    table.get(key).and_then(toml::Value::as_str).unwrap_or("")
}

fn labels(table: &toml::Table) -> Vec<&str> {
    table
        .get("labels")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn words_and_filters_find_exactly_the_expected_records() {
    for example in ["ops", "mir", "support", "refinement"] {
        let sandbox = Sandbox::example(example);
        let root = sandbox.root();
        for word in ["sandbox", "salesforce", "macro", "autopkgtest", "perforce", "gitserver", "zendesk"] {
            assert_eq!(ids(&sandbox, word), expected_word(&root, word), "{example}: {word}");
        }
        let weight = |t: &toml::Table| t.get("weight").and_then(toml::Value::as_integer);
        assert_eq!(
            ids(&sandbox, "weight:>=3"),
            expected_where(&root, |t| weight(t).is_some_and(|w| w >= 3)),
            "{example}"
        );
        assert_eq!(
            ids(&sandbox, "weight:2..3"),
            expected_where(&root, |t| weight(t).is_some_and(|w| (2..=3).contains(&w))),
            "{example}"
        );
        assert_eq!(ids(&sandbox, "type:bug"), expected_where(&root, |t| text(t, "type") == "bug"), "{example}");
        assert_eq!(
            ids(&sandbox, "-type:bug kind:issue"),
            expected_where(&root, |t| t.contains_key("type") && text(t, "type") != "bug"),
            "{example}"
        );
        assert_eq!(
            ids(&sandbox, "type:bug OR type:administrative"),
            expected_where(&root, |t| matches!(text(t, "type"), "bug" | "administrative")),
            "{example}"
        );
        assert_eq!(
            ids(&sandbox, "label:priority::*"),
            expected_where(&root, |t| labels(t).iter().any(|l| l.starts_with("priority::"))),
            "{example}"
        );
        let created =
            |t: &toml::Table| t.get("created").and_then(toml::Value::as_datetime).map(std::string::ToString::to_string);
        assert_eq!(
            ids(&sandbox, "created:>=2026-11-01"),
            expected_where(&root, |t| created(t).is_some_and(|c| c.as_str() >= "2026-11-01")),
            "{example}"
        );
    }
    let sandbox = Sandbox::example("ops");
    let root = sandbox.root();
    assert_eq!(
        ids(&sandbox, r#"label:"customer::enterprise" stage:development"#),
        expected_where(&root, |t| labels(t).contains(&"customer::enterprise") && text(t, "stage") == "development")
    );
    assert_eq!(ids(&sandbox, "stage:blocked"), expected_where(&root, |t| text(t, "stage") == "blocked"));
    let mir = Sandbox::example("mir");
    assert_eq!(ids(&mir, "state:incomplete"), expected_where(&mir.root(), |t| text(t, "status") == "incomplete"));
    assert_eq!(ids(&mir, "package:libyuv").len(), 1);
}

#[test]
fn phrases_fuzzy_and_fields() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/a1.toml", "title = \"Refund macro for enterprise\"\ntype = \"bug\"\nstage = \"triage\"\ndescription = \"the sandbox is slow\"\n");
    sandbox.write("issues/b2.toml", "title = \"Macro audit\"\ntype = \"bug\"\nstage = \"triage\"\ndescription = \"refund flows and enterprise macro\"\n");
    let set = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&sandbox, "\"refund macro\""), set(&["a1"]));
    assert_eq!(ids(&sandbox, "refund macro"), set(&["a1", "b2"]));
    assert_eq!(ids(&sandbox, "title:refund"), set(&["a1"]));
    assert_eq!(ids(&sandbox, "refnd"), set(&[]));
    assert_eq!(ids(&sandbox, "refnd~"), set(&["a1", "b2"]));
    assert_eq!(ids(&sandbox, "sandbx~2"), set(&["a1"]));
    assert_eq!(ids(&sandbox, "(audit OR sandbox) -enterprise"), set(&[]));
    assert_eq!(ids(&sandbox, "audit OR sandbox"), set(&["a1", "b2"]));
    // The title counts more than the description.
    let run = sandbox.docket(&["search", "--json", "refund"]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(json[0]["id"], "a1");
    assert!(json[0]["score"].as_f64().expect("score") > json[1]["score"].as_f64().expect("score"));
}

#[test]
fn results_are_never_stale() {
    let sandbox = Sandbox::example("ops");
    assert!(ids(&sandbox, "kumquat").is_empty());
    // An uncommitted edit is found at once.
    let text = sandbox.read("issues/sn2gzh.toml").replacen("title = \"", "title = \"Kumquat ", 1);
    sandbox.write("issues/sn2gzh.toml", &text);
    assert_eq!(ids(&sandbox, "kumquat"), BTreeSet::from(["sn2gzh".to_owned()]));
    // A new file, then a deleted one.
    sandbox.write("issues/new001.toml", "title = \"Kumquat two\"\ntype = \"bug\"\nstage = \"triage\"\n");
    assert_eq!(ids(&sandbox, "kumquat").len(), 2);
    std::fs::remove_file(sandbox.root().join("issues/sn2gzh.toml")).expect("remove");
    assert_eq!(ids(&sandbox, "kumquat"), BTreeSet::from(["new001".to_owned()]));
    // Switching branches shows that branch's records.
    sandbox.git(&["checkout", "-q", "--", "."]);
    sandbox.git(&["checkout", "-q", "-b", "other"]);
    sandbox.write("issues/only01.toml", "title = \"Persimmon\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.commit_all("other branch");
    assert_eq!(ids(&sandbox, "persimmon").len(), 1);
    sandbox.git(&["checkout", "-q", "main"]);
    assert!(ids(&sandbox, "persimmon").is_empty());
    sandbox.git(&["checkout", "-q", "other"]);
    assert_eq!(ids(&sandbox, "persimmon").len(), 1);
    // Deleting the index is safe: it comes back.
    std::fs::remove_dir_all(sandbox.root().join(".git/docket/index")).expect("remove index");
    assert_eq!(ids(&sandbox, "persimmon").len(), 1);
}

/// Each result's `blob` against `git hash-object` of its file.
fn assert_blobs_match_git(sandbox: &Sandbox, query: &str) -> usize {
    let run = sandbox.docket(&["search", "--json", "--", query]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    let hits = json.as_array().expect("array");
    for hit in hits {
        let path = hit["path"].as_str().expect("path");
        assert_eq!(hit["blob"].as_str(), Some(sandbox.git(&["hash-object", path]).trim()), "the blob of {path}");
    }
    hits.len()
}

#[test]
fn a_rebuild_takes_blob_ids_from_git_only_for_files_git_has_seen_unchanged() {
    let sandbox = Sandbox::example("ops");
    // Files older than the index's racy window, then git's index refreshed: git knows the
    // blob id of every file and when it last saw it.
    let files: Vec<String> = std::fs::read_dir(sandbox.root().join("issues"))
        .expect("issues")
        .map(|entry| entry.expect("entry").path().display().to_string())
        .collect();
    let touch = |when: &str, paths: &[String]| {
        let status = Command::new("touch").args(["-d", when]).args(paths).status().expect("touch");
        assert!(status.success());
    };
    touch("2020-01-01 00:00:00", &files);
    sandbox.git(&["update-index", "--refresh", "-q"]);
    // One file edited since, unstaged, with another old time: git's entry no longer fits it.
    let edited = sandbox.read("issues/sn2gzh.toml").replacen("title = \"", "title = \"Kumquat ", 1);
    sandbox.write("issues/sn2gzh.toml", &edited);
    touch("2021-01-01 00:00:00", &[sandbox.root().join("issues/sn2gzh.toml").display().to_string()]);
    // One edited to the same size (only its time tells), and one edited to another size and
    // set back to the very time git saw (only its size tells).
    let same_size = sandbox.read("issues/kpa122.toml").replacen("title = \"S", "title = \"Q", 1);
    sandbox.write("issues/kpa122.toml", &same_size);
    touch("2021-01-01 00:00:00", &[sandbox.root().join("issues/kpa122.toml").display().to_string()]);
    let longer = sandbox.read("issues/x24vn8.toml").replacen("title = \"", "title = \"Quince ", 1);
    sandbox.write("issues/x24vn8.toml", &longer);
    touch("2020-01-01 00:00:00", &[sandbox.root().join("issues/x24vn8.toml").display().to_string()]);
    sandbox.docket(&["index", "--rebuild"]).ok();
    assert_eq!(assert_blobs_match_git(&sandbox, "kumquat"), 1);
    assert_eq!(assert_blobs_match_git(&sandbox, "quince"), 1);
    assert_eq!(assert_blobs_match_git(&sandbox, "qla"), 1);
    assert!(assert_blobs_match_git(&sandbox, "stage:development OR stage:triage OR stage:planning") >= 2);
}

/// A change found by reading a settled folder of more than `Limits::rescan_at` files anew is committed
/// to the index by the search that found it, so the next search need not read the folder
/// again; a change found cheaply, or saved a moment ago (its time not yet settled), is searched
/// from memory and left for `docket index` or a later search.
#[test]
fn a_search_keeps_a_change_that_was_costly_to_find() {
    let sandbox = Sandbox::tracker();
    let issue = |title: &str| format!("title = \"{title}\"\ntype = \"bug\"\nstage = \"triage\"\n");
    for n in 0..=docket::index::Limits::default().rescan_at {
        sandbox.write(&format!("issues/g{n:04}.toml"), &issue(&format!("Generated {n}")));
    }
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["commit", "-q", "--no-verify", "-m", "generated"]);
    // Every file and folder settled, as long after they were written.
    let settled = |when: &str, paths: &[&str]| {
        let paths = paths.iter().map(|p| sandbox.root().join(p).display().to_string());
        let status = Command::new("touch").args(["-d", when]).args(paths).status().expect("touch");
        assert!(status.success());
    };
    let everything = sandbox.git(&["ls-files", "issues", "milestones"]);
    settled("2021-01-01 00:00:00", &everything.lines().chain(["issues", "milestones"]).collect::<Vec<_>>());
    assert!(ids(&sandbox, "kumquat").is_empty());
    // A small change in a folder of a few files: kept in memory.
    sandbox.write("milestones/kumquat.toml", "title = \"Kumquat\"\nstage = \"planning\"\n");
    settled("2022-01-01 00:00:00", &["milestones/kumquat.toml", "milestones"]);
    assert_eq!(ids(&sandbox, "kumquat").len(), 1);
    let folded = sandbox.docket(&["index"]);
    assert!(folded.stderr.contains("updated 1 and removed 0 documents"), "{}", folded.stderr);
    sandbox.write("issues/pulled.toml", &issue("Kumquat pulled"));
    sandbox.commit_all("pulled");
    settled("2023-01-01 00:00:00", &["issues/pulled.toml", "issues"]);
    assert_eq!(ids(&sandbox, "kumquat").len(), 2);
    let folded = sandbox.docket(&["index"]);
    assert!(!folded.stderr.contains("updated"), "the search kept it: {}", folded.stderr);
    // Saved just now in that folder: found, from memory.
    sandbox.write("issues/typed.toml", &issue("Kumquat typed"));
    assert_eq!(ids(&sandbox, "kumquat").len(), 3);
    let folded = sandbox.docket(&["index"]);
    assert!(folded.stderr.contains("updated 1 and removed 0 documents"), "{}", folded.stderr);
}

#[test]
fn many_edits_are_committed_to_the_index() {
    let sandbox = Sandbox::tracker();
    for n in 0..100 {
        sandbox.write(
            &format!("issues/g{n:03}.toml"),
            &format!("title = \"Generated {n}\"\ntype = \"bug\"\nstage = \"triage\"\nweight = {}\n", 1 + n % 5),
        );
    }
    assert_eq!(ids(&sandbox, "generated").len(), 100);
    assert_eq!(ids(&sandbox, "weight:5").len(), 20);
    let status = sandbox.docket(&["index", "--json"]);
    let json: serde_json::Value = serde_json::from_str(status.ok()).expect("json");
    assert_eq!(json["documents"], 100);
    let rebuilt = sandbox.docket(&["index", "--rebuild"]);
    assert!(rebuilt.stderr.contains("rebuilt the index from 100 files"), "{}", rebuilt.stderr);
    assert!(rebuilt.stdout.contains("documents:  100"), "{}", rebuilt.stdout);
    assert_eq!(ids(&sandbox, "generated").len(), 100, "the rebuilt documents hold their text");
    // At most one document waiting for the indexing threads at a time: every one is taken
    // (the readers would wait forever for one that was not counted out).
    let rebuilt = sandbox.docket_with(&["index", "--rebuild"], &[("DOCKET_INDEX_REBUILD_WAITING", "1")], "");
    assert!(rebuilt.ok().contains("documents:  100"), "{}", rebuilt.stdout);
    assert_eq!(ids(&sandbox, "generated").len(), 100);
    assert_eq!(ids(&sandbox, "weight:5").len(), 20);
}

/// The index's segments: (id, documents), from tantivy's `meta.json`.
fn segments(sandbox: &Sandbox) -> BTreeSet<(String, u64)> {
    let meta: serde_json::Value =
        serde_json::from_str(&sandbox.read(".git/docket/index/meta.json")).expect("tantivy's meta.json");
    let segments = meta["segments"].as_array().expect("segments");
    segments
        .iter()
        .map(|s| (s["segment_id"].as_str().expect("id").to_owned(), s["max_doc"].as_u64().expect("max_doc")))
        .collect()
}

/// An ordinary commit merges small segments only; a rebuild's (larger than the bound) stay as
/// they are: merging them made a search after a rebuild of a million records wait 5 s. Both
/// sides of the bound (`DOCKET_INDEX_MERGED_AT_MOST`): the same rebuild and nine one-file
/// commits, with the rebuild's segments above it and below it.
#[test]
fn commits_merge_only_segments_up_to_the_bound() {
    for (bound, kept) in [("10", true), ("1000", false)] {
        let sandbox = Sandbox::tracker();
        // Files last written an hour ago: settled, so no later refresh reads them again.
        let settle = |paths: &str| {
            let touched = Command::new("sh")
                .arg("-c")
                .arg(format!("touch -d '1 hour ago' {paths}"))
                .current_dir(sandbox.root())
                .status()
                .expect("touch");
            assert!(touched.success());
        };
        for n in 0..80 {
            sandbox.write(&format!("issues/g{n:03}.toml"), &format!("title = \"Generated {n}\"\ntype = \"bug\"\n"));
        }
        settle("issues issues/*");
        sandbox.docket(&["index", "--rebuild"]).ok();
        let rebuilt = segments(&sandbox);
        assert!(rebuilt.iter().all(|(_, documents)| *documents > 10), "{rebuilt:?}");
        for n in 0..9 {
            sandbox.write(&format!("issues/g{n:03}.toml"), &format!("title = \"Edited {n}\"\ntype = \"bug\"\n"));
            settle(&format!("issues/g{n:03}.toml"));
            let run = sandbox.docket_with(&["index"], &[("DOCKET_INDEX_MERGED_AT_MOST", bound)], "");
            assert!(run.stderr.contains("updated 1 and removed 0 documents"), "{}", run.stderr);
        }
        let now = segments(&sandbox);
        assert_eq!(rebuilt.is_subset(&now), kept, "bound {bound}: {rebuilt:?} then {now:?}");
        // The commits' own segments were merged either way (nine, one a commit, before).
        assert!(now.len() < rebuilt.len() + 9, "bound {bound}: {now:?}");
        assert_eq!(ids(&sandbox, "edited").len(), 9);
        assert_eq!(ids(&sandbox, "generated").len(), 71);
    }
}

#[test]
fn list_through_the_index_agrees_with_reading_every_file() {
    for example in ["ops", "refinement", "support", "mir"] {
        let sandbox = Sandbox::example(example);
        let filters: &[&[&str]] = &[
            &["--kind", "issue"],
            &["--kind", "milestone"],
            &["--stage", "development"],
            &["--stage", "ready_for_development,in_dev"],
            &["--type", "bug"],
            &["-l", "priority::*"],
            &["-l", "Deliverable"],
            &["--assignee", "jason"],
            &["--milestone", "16-7"],
            &["--state", "incomplete"],
            &["--status", "confirmed"],
            &["--type", "feature", "--sort", "weight"],
        ];
        for filter in filters {
            let mut with_index = vec!["list", "--json"];
            with_index.extend_from_slice(filter);
            let mut without = with_index.clone();
            without.push("--no-index");
            let a = sandbox.docket(&with_index);
            let b = sandbox.docket(&without);
            assert_eq!(a.code, b.code, "{example} {filter:?}");
            assert_eq!(a.stdout, b.stdout, "{example} {filter:?}");
        }
    }
    // Broken files are reported either way.
    let sandbox = Sandbox::example("ops");
    sandbox.write("issues/broken.toml", "title = \"Broken\ntype = \"bug\"\n");
    let a = sandbox.docket(&["list", "--type", "bug"]);
    let b = sandbox.docket(&["list", "--type", "bug", "--no-index"]);
    assert_eq!((a.code, a.stdout.clone()), (b.code, b.stdout.clone()));
    assert!(a.stderr.contains("issues/broken.toml:1:"), "{}", a.stderr);
}

#[test]
fn query_errors_point_at_the_problem() {
    let sandbox = Sandbox::example("ops");
    for (name, query) in [
        ("search_unknown_field", "refund stge:planning"),
        ("search_open_quote", "refund \"macro"),
        ("search_bad_range", "weight:>=heavy"),
        ("search_too_deep", &format!("refund {}macro", "NOT (".repeat(40))),
    ] {
        let run = sandbox.docket(&["search", query]);
        assert_eq!(run.code, 2, "{query}");
        insta::assert_snapshot!(name, run.both());
    }
}

#[test]
fn concurrent_searches_agree() {
    let sandbox = Sandbox::example("ops");
    let text = sandbox.read("issues/k23ewa.toml").replacen("title = \"", "title = \"Quince ", 1);
    sandbox.write("issues/k23ewa.toml", &text);
    let root = sandbox.root();
    let outputs: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_docket"))
                .args(["search", "--json", "quince"])
                .current_dir(&root)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env_remove("GIT_DIR")
                .env_remove("GIT_INDEX_FILE")
                .stdout(Stdio::piped())
                .spawn()
                .expect("docket starts")
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|child| child.wait_with_output().expect("docket runs"))
        .collect();
    for output in &outputs {
        assert!(output.status.success());
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(json[0]["id"], "k23ewa");
    }
    assert_eq!(ids(&sandbox, "quince").len(), 1);
}

#[test]
fn watch_keeps_the_index_live() {
    let sandbox = Sandbox::example("ops");
    let mut child = sandbox.start_watch(&["--debounce", "20"], true);
    let stdout = child.stdout.take().expect("piped");
    let (sender, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    let text = sandbox.read("issues/x24vn8.toml").replacen("title = \"", "title = \"Tamarind ", 1);
    sandbox.write("issues/x24vn8.toml", &text);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = false;
    while Instant::now() < deadline {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200))
            && line.contains("indexed issues/x24vn8.toml")
        {
            seen = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen, "docket watch printed the re-indexed record");
    assert_eq!(ids(&sandbox, "tamarind"), BTreeSet::from(["x24vn8".to_owned()]));
}

#[test]
fn sorting_and_limits() {
    let sandbox = Sandbox::tracker();
    for (id, weight, created) in [("a1", 2, "2026-11-03"), ("b2", 5, "2026-11-01"), ("c3", 3, "2026-11-02")] {
        sandbox.write(
            &format!("issues/{id}.toml"),
            &format!(
                "title = \"Cherry {id}\"\ntype = \"bug\"\nstage = \"triage\"\nweight = {weight}\ncreated = {created}\n"
            ),
        );
    }
    let order = |args: &[&str]| -> Vec<String> {
        let mut full = vec!["search", "--json"];
        full.extend_from_slice(args);
        let json: serde_json::Value = serde_json::from_str(sandbox.docket(&full).ok()).expect("json");
        json.as_array().expect("array").iter().map(|r| r["id"].as_str().expect("id").to_owned()).collect()
    };
    assert_eq!(order(&["cherry", "--sort", "weight"]), ["b2", "c3", "a1"]);
    assert_eq!(order(&["cherry", "--sort", "created"]), ["a1", "c3", "b2"]);
    assert_eq!(order(&["cherry", "--sort", "weight", "-n", "2"]), ["b2", "c3"]);
    let run = sandbox.docket(&["search", "cherry", "-n", "1"]);
    assert!(run.stderr.contains("1 of 3 results"), "{}", run.stderr);
}

/// `kill -9` at any moment of `docket index --rebuild`: the next search answers, complete.
/// (tantivy commits by replacing `meta.json` atomically and frees its writer lock with the
/// process; an interrupted rebuild leaves the last committed index, and search's freshness
/// sweep brings it up to date.)
#[test]
fn kill_9_during_a_rebuild_leaves_an_index_the_next_search_uses() {
    let sandbox = Sandbox::tracker();
    for n in 0..3000 {
        sandbox.write(
            &format!("issues/r{n:04}.toml"),
            &format!(
                "title = \"Lighthouse report number {n}\"\ntype = \"bug\"\nstage = \"triage\"\nlabels = []\ncreated = 2026-11-20T10:00:00Z\ndescription = \"The lamp of tower {n} flickers at dusk.\"\n"
            ),
        );
    }
    sandbox.commit_all("3000 records");
    sandbox.docket(&["index"]).ok();
    for delay in [40, 150, 400, 900] {
        let mut child = sandbox.spawn_docket(&["index", "--rebuild"]);
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let found = ids(&sandbox, "lighthouse flickers");
        assert_eq!(found.len(), 3000, "every record found after a kill at {delay} ms");
        assert!(found.contains("r2999"));
    }
    // A rebuild after the kills runs to the end.
    sandbox.docket(&["index", "--rebuild"]).ok();
    assert_eq!(ids(&sandbox, "tower AND dusk").len(), 3000);
}

/// Accents are folded (`naive` finds `naïve`, and the other way round); free text with no
/// letter or digit is refused with its place rather than matching every record.
#[test]
fn accents_fold_and_symbols_alone_are_refused() {
    let sandbox = Sandbox::example("ops");
    sandbox.write("issues/n41ve0.toml", "title = \"A naïve café macro\"\ntype = \"feature\"\nstage = \"triage\"\n");
    for query in ["naive", "naïve", "NAÏVE", "cafe", "café"] {
        assert_eq!(ids(&sandbox, query), BTreeSet::from(["n41ve0".to_owned()]), "{query}");
    }
    for query in ["&", "🎉", "\"--\"", "refund &"] {
        let run = sandbox.docket(&["search", "--", query]);
        assert_eq!(run.code, 2, "{query}: {}", run.stderr);
        assert!(run.stderr.contains("has no letter or digit to search for"), "{query}: {}", run.stderr);
    }
    insta::assert_snapshot!("search_symbols_alone", sandbox.docket(&["search", "--", "refund &"]).stderr);
}

/// Ranges on numbers and dates, each bound on both sides of its edge, and a query of only
/// exclusions: the answers computed from the files.
#[test]
fn ranges_and_exclusions_match_the_files() {
    type Test = Box<dyn Fn(&toml::Table) -> bool>;
    let sandbox = Sandbox::example("ops");
    let root = sandbox.root();
    let weight = |t: &toml::Table| t.get("weight").and_then(toml::Value::as_integer);
    // `created` as its date (the day), for comparing with day bounds.
    let day = |t: &toml::Table| -> Option<String> {
        t.get("created").map(|v| v.to_string().trim_matches('"').chars().take(10).collect())
    };
    let cases: Vec<(&str, Test)> = vec![
        ("weight:>2", Box::new(move |t| weight(t).is_some_and(|w| w > 2))),
        ("weight:>=2", Box::new(move |t| weight(t).is_some_and(|w| w >= 2))),
        ("weight:<2", Box::new(move |t| weight(t).is_some_and(|w| w < 2))),
        ("weight:<=2", Box::new(move |t| weight(t).is_some_and(|w| w <= 2))),
        ("weight:2..3", Box::new(move |t| weight(t).is_some_and(|w| (2..=3).contains(&w)))),
        ("weight:2", Box::new(move |t| weight(t) == Some(2))),
        ("created:>2026-11-10", Box::new(move |t| day(t).is_some_and(|d| d.as_str() > "2026-11-10"))),
        ("created:>=2026-11-10", Box::new(move |t| day(t).is_some_and(|d| d.as_str() >= "2026-11-10"))),
        ("created:<2026-11-10", Box::new(move |t| day(t).is_some_and(|d| d.as_str() < "2026-11-10"))),
        ("created:<=2026-11-10", Box::new(move |t| day(t).is_some_and(|d| d.as_str() <= "2026-11-10"))),
        ("created:2026-11-10", Box::new(move |t| day(t).as_deref() == Some("2026-11-10"))),
        ("-type:bug", Box::new(|t| text(t, "type") != "bug")),
        ("-type:bug -type:feature", Box::new(|t| !["bug", "feature"].contains(&text(t, "type")))),
    ];
    for (query, test) in cases {
        let expected = expected_where(&root, test);
        assert_eq!(ids(&sandbox, query), expected, "{query}");
    }
    // The edges are met by the example: a bound on each side of a real value.
    assert!(!expected_where(&root, |t| day(t).as_deref() == Some("2026-11-10")).is_empty());
    assert!(!expected_where(&root, |t| weight(t) == Some(2)).is_empty());
}
