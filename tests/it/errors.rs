//! Every error path, as a snapshot of what the user sees: each bad input file under
//! `tests/data/invalid/` and `schema/samples/invalid/`, and each failing command.

use std::fmt::Write as _;
use std::path::Path;

use crate::support::Sandbox;

/// Puts `file` where its name says (`issue-…` in issues/, `docket-…` as docket.toml) and runs
/// `docket list`.
fn list_with(file: &Path) -> String {
    let sandbox = Sandbox::tracker();
    let name = file.file_stem().expect("stem").to_string_lossy().into_owned();
    let text = std::fs::read_to_string(file).expect("read");
    let id = name.split_once('-').map_or(name.as_str(), |(_, rest)| rest).to_owned();
    let target = match name.split('-').next() {
        Some("issue") => format!("issues/{id}.toml"),
        Some("mir") => format!("mir/{id}.toml"),
        Some("milestone") => format!("milestones/{id}.toml"),
        Some("docket") => "docket.toml".to_owned(),
        other => panic!("unexpected sample name prefix {other:?} in {name}"),
    };
    sandbox.write(&target, &text);
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2, "{name} must be rejected with exit 2:\n{}", run.both());
    run.both()
}

fn snapshot_folder(folder: &str, prefix: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("folder").filter_map(Result::ok).map(|e| e.path()).collect();
    files.sort();
    assert!(!files.is_empty(), "no samples in {folder}");
    for file in files.iter().filter(|f| f.extension().is_some_and(|x| x == "toml")) {
        let name = format!("{prefix}{}", file.file_stem().expect("stem").to_string_lossy());
        insta::assert_snapshot!(name, list_with(file));
    }
}

#[test]
fn bad_files_in_tests_data() {
    snapshot_folder("tests/data/invalid", "data_");
}

#[test]
fn bad_files_in_schema_samples() {
    snapshot_folder("schema/samples/invalid", "sample_");
}

#[test]
fn outside_a_git_repository() {
    let sandbox = Sandbox::new();
    let outside = tempfile::tempdir().expect("temp");
    let run = sandbox.docket_in(
        outside.path(),
        &["list"],
        &[("GIT_CEILING_DIRECTORIES", &outside.path().parent().expect("parent").display().to_string())],
        "",
    );
    assert_eq!(run.code, 2);
    let message = run
        .stderr
        .replace(&outside.path().canonicalize().expect("exists").display().to_string(), "[OUTSIDE]")
        .replace(&outside.path().display().to_string(), "[OUTSIDE]");
    insta::assert_snapshot!("not_a_repository", message);
}

#[test]
fn commands_that_fail() {
    let sandbox = Sandbox::new();
    insta::assert_snapshot!("not_a_tracker", sandbox.docket(&["list"]).both());
    sandbox.docket(&["init"]).ok();
    for (id, title) in [("k3x9q2", "Refund macro"), ("k3x7aa", "SLA policy")] {
        sandbox
            .write(&format!("issues/{id}.toml"), &format!("title = \"{title}\"\ntype = \"bug\"\nstage = \"triage\"\n"));
    }
    let cases: &[(&str, &[&str])] = &[
        ("ambiguous_prefix", &["show", "k3x"]),
        ("no_such_record", &["show", "zzz"]),
        ("invalid_id_argument", &["show", "../etc"]),
        ("set_nothing", &["set", "k3x9q2"]),
        ("set_not_an_assignment", &["set", "k3x9q2", "weight"]),
        ("set_out_of_range", &["set", "k3x9q2", "weight=7"]),
        ("set_not_a_number", &["set", "k3x9q2", "weight=heavy"]),
        ("set_bad_stage", &["set", "k3x9q2", "stage=shipping"]),
        ("set_table_list", &["set", "k3x9q2", "comments=hello"]),
        ("set_required", &["set", "k3x9q2", "--unset", "title"]),
        ("new_without_title", &["new", "issue"]),
        ("new_bad_type", &["new", "issue", "-t", "x", "--type", "story"]),
        ("new_bad_date", &["new", "milestone", "-t", "16.7", "--start", "soon"]),
        ("bad_flag", &["list", "--frobnicate"]),
        ("bad_sort", &["list", "--sort", "colour"]),
        ("missing_folder", &["-C", "no/such/folder", "list"]),
    ];
    for (name, args) in cases {
        let run = sandbox.docket(args);
        assert_eq!(run.code, 2, "{name}: {}", run.both());
        insta::assert_snapshot!(*name, run.both());
    }
}

#[test]
fn a_bad_clock_is_reported() {
    let sandbox = Sandbox::tracker();
    let run = sandbox.docket_with(&["list"], &[("DOCKET_NOW", "tomorrow")], "");
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("bad_docket_now", run.both());
}

#[test]
fn an_unknown_workflow_is_reported() {
    let sandbox = Sandbox::tracker();
    sandbox.write("docket.toml", "[workflows]\nissue = \"kanban\"\n");
    insta::assert_snapshot!("unknown_workflow", sandbox.docket(&["list"]).both());
    sandbox.write(
        "workflows/kanban.toml",
        "name = \"kanban\"\nkind = \"issue\"\nfield = \"stage\"\ninitial = \"todo\"\n[states.doing]\n",
    );
    insta::assert_snapshot!("bad_workflow_file", sandbox.docket(&["list"]).both());
}

#[test]
fn unreadable_files_are_reported_with_the_rest() {
    let sandbox = Sandbox::tracker();
    std::fs::write(
        sandbox.root().join("issues/latin1.toml"),
        b"title = \"caf\xe9\"\ntype = \"bug\"\nstage = \"triage\"\n",
    )
    .expect("write");
    sandbox.write("issues/fine.toml", "title = \"Fine\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let run = sandbox.docket(&["list"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!("invalid_utf8", run.both());
}

/// Hostile input: every case is refused with a located message, and neither the files nor
/// the repository change.
#[test]
fn hostile_input_is_refused_and_nothing_is_written() {
    let sandbox = Sandbox::tracker();
    sandbox.commit_all("start");
    let head = sandbox.git(&["rev-parse", "HEAD"]);
    let tree = sandbox.git(&["ls-files", "-s"]);
    let mut seen = String::new();
    // Ids that try to leave the tracker.
    for args in [
        &["new", "issue", "--id", "../escape", "-t", "A title"][..],
        &["show", "../../etc/passwd"],
        &["set", "../x", "weight=3"],
        &["comment", "../x", "-m", "hi"],
    ] {
        let run = sandbox.docket(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.both());
        writeln!(seen, "$ docket {}\n{}", args.join(" "), run.both()).expect("write");
    }
    // Files no record may be: NUL bytes, invalid UTF-8, nesting past any sense, 2 MB of text.
    let huge = format!("title = \"{}\"\n", "x".repeat(2 << 20));
    let deep = format!("title = \"t\"\nx = {}{}\n", "[".repeat(5000), "]".repeat(5000));
    let cases: [(&str, &[u8]); 4] = [
        ("issues/nul.toml", b"title = \"a\0b\"\n"),
        ("issues/utf.toml", b"title = \"\xff\xfe\"\n"),
        ("issues/deep.toml", deep.as_bytes()),
        ("issues/huge.toml", huge.as_bytes()),
    ];
    for (path, bytes) in cases {
        std::fs::write(sandbox.root().join(path), bytes).expect("write");
        sandbox.git(&["add", path]);
        let staged = sandbox.docket(&["check", "--staged"]);
        assert_eq!(staged.code, 1, "{path}: {}", staged.both());
        let listed = sandbox.docket(&["list"]);
        assert_eq!(listed.code, 2, "{path}: {}", listed.both());
        writeln!(seen, "$ docket check --staged   # {path}\n{}", staged.both()).expect("write");
        sandbox.git(&["rm", "-q", "--cached", path]);
        std::fs::remove_file(sandbox.root().join(path)).expect("remove");
    }
    assert_eq!(sandbox.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(sandbox.git(&["ls-files", "-s"]), tree);
    assert_eq!(sandbox.git(&["status", "--porcelain"]), "");
    insta::assert_snapshot!(seen);
}

/// When git itself fails under docket (here: no `git` on the PATH for the hook's diff of an
/// index docket leaves to git, one of version 4), the exit code is 101, not the 2 of a user's
/// mistake (PRODUCT.md §6).
#[test]
fn a_git_failure_exits_101() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/abc.toml", "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\n");
    sandbox.git(&["add", "-A"]);
    sandbox.git(&["update-index", "--index-version", "4"]);
    assert_eq!(sandbox.docket(&["check", "--staged"]).code, 0);
    let run = sandbox.docket_with(&["check", "--staged"], &[("PATH", "/nonexistent")], "");
    assert_eq!(run.code, 101, "{}", run.stderr);
    assert!(run.stderr.contains("git could not"), "{}", run.stderr);
    // A usage error stays 2.
    assert_eq!(sandbox.docket(&["check", "--range", "main"]).code, 2);
}

/// The commands that hints suggest (in backticks, with no placeholder left to fill) are
/// accepted when run as written: a hint never sends a user to a command that refuses them.
#[test]
fn the_commands_hints_suggest_are_accepted() {
    /// Every `docket …` command in backticks in the hints of `text`, with nothing left to fill in.
    fn suggested(text: &str) -> Vec<Vec<String>> {
        let hints: String = text
            .lines()
            .filter_map(|line| line.trim_start().trim_start_matches("= ").strip_prefix("hint:"))
            .collect::<Vec<_>>()
            .join("\n");
        hints
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|part| {
                part.starts_with("docket ") && !part.contains('…') && !part.chars().any(|c| c.is_ascii_uppercase())
            })
            .map(|part| part.split_whitespace().skip(1).map(str::to_owned).collect())
            .collect()
    }
    /// Runs each command the hints of `stderr` suggest, each accepted; how many there were.
    fn run_suggested(sandbox: &Sandbox, stderr: &str) -> usize {
        let commands = suggested(stderr);
        for command in &commands {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let result = sandbox.docket(&args);
            assert_eq!(result.code, 0, "{args:?} (suggested by: {stderr}): {}", result.stderr);
        }
        commands.len()
    }
    let sandbox = Sandbox::example("ops");
    let mut tried = 0;
    // `set` asked to move: the hint names `docket move`.
    let run = sandbox.docket(&["set", "sn2gzh", "stage=blocked", "blocked_reason=waiting"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    tried += run_suggested(&sandbox, &run.stderr);
    sandbox.commit_all("blocked");
    // A record deleted while still named: the hint says how to drop the reference.
    sandbox.docket(&["hook", "install"]).ok();
    sandbox.git(&["rm", "-q", "issues/kqnj42.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "drop"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    tried += run_suggested(&sandbox, &run.stderr);
    // A `git mv` by hand: the hint names `docket rename`, which finishes the job.
    sandbox.git(&["reset", "-q", "--hard"]);
    sandbox.git(&["mv", "issues/kqnj42.toml", "issues/token-rotation.toml"]);
    let run = sandbox.git_with(&["commit", "-qm", "rename"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    sandbox.git(&["mv", "issues/token-rotation.toml", "issues/kqnj42.toml"]);
    tried += run_suggested(&sandbox, &run.stderr);
    sandbox.git(&["add", "-A"]);
    let run = sandbox.git_with(&["commit", "-qm", "rename"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(tried >= 3, "the hints named commands: {tried}");
}
