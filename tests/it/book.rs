//! The book cannot drift from the CLI: its command reference is what `docket reference`
//! prints. Run with `DOCKET_BLESS=1` to rewrite the page after changing the CLI.

use std::fmt::Write as _;
use std::path::Path;

#[test]
fn the_command_reference_is_up_to_date() {
    let output =
        std::process::Command::new(env!("CARGO_BIN_EXE_docket")).arg("reference").output().expect("docket runs");
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).expect("utf-8");
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src/reference/cli.md");
    if std::env::var_os("DOCKET_BLESS").is_some() {
        std::fs::create_dir_all(page.parent().expect("folder")).expect("folder");
        std::fs::write(&page, &generated).expect("write");
    }
    let current = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(
        current == generated,
        "book/src/reference/cli.md is out of date: run `DOCKET_BLESS=1 cargo test --test it book`"
    );
}

#[test]
fn every_page_in_the_summary_exists() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    let mut pages = 0;
    for link in summary.split("](").skip(1) {
        let target = link.split(')').next().expect("link target");
        assert!(src.join(target).is_file(), "SUMMARY.md links to a missing page: {target}");
        pages += 1;
    }
    assert!(pages >= 5, "the book has too few pages");
}

/// One part of a page the examples test reads, in page order.
enum Part {
    /// `<!-- book-test: SHELL -->`: run where it stands, unseen by the reader; it must succeed
    /// and print nothing that matters (its output is shown only when it fails).
    Hidden(String),
    /// One `$ COMMAND` line of a ```` ```console ```` block and the output printed under it;
    /// `body` is where the block's text lies in the page, on the block's first command.
    Command { line: String, output: String, body: Option<std::ops::Range<usize>> },
}

/// What the examples test knows of a page: its parts, and how many console blocks it marks
/// illustrative (```` ```console,ignore ````: not run).
struct Page {
    parts: Vec<Part>,
    blocks: usize,
    illustrative: usize,
}

/// Reads the console blocks and hidden setup of one page.
fn parse_page(text: &str) -> Result<Page, String> {
    let mut page = Page { parts: Vec::new(), blocks: 0, illustrative: 0 };
    let mut at = 0;
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let start = at;
        at += line.len();
        if let Some(rest) = line.trim_end().strip_prefix("<!-- book-test:") {
            let mut shell = rest.to_owned();
            while !shell.trim_end().ends_with("-->") {
                let next = lines.next().ok_or_else(|| format!("byte {start}: unclosed book-test comment"))?;
                at += next.len();
                shell.push('\n');
                shell.push_str(next.trim_end());
            }
            let shell = shell.trim_end().trim_end_matches("-->").trim().to_owned();
            // `file PATH`: the next code block, as the reader sees it, is written to PATH.
            if let Some(target) = shell.strip_prefix("file ") {
                let fence = lines
                    .next()
                    .filter(|l| l.starts_with("```"))
                    .ok_or_else(|| format!("byte {start}: `file` needs a code block next"))?;
                at += fence.len();
                let mut content = String::new();
                for next in lines.by_ref() {
                    at += next.len();
                    if next.trim_end() == "```" {
                        break;
                    }
                    content.push_str(next);
                }
                page.parts.push(Part::Hidden(format!(
                    "mkdir -p \"$(dirname {target})\" && cat > {target} <<'BOOK_FILE'\n{content}BOOK_FILE"
                )));
            } else {
                page.parts.push(Part::Hidden(shell));
            }
            continue;
        }
        match line.trim_end() {
            "```console,ignore" => {
                page.illustrative += 1;
                for next in lines.by_ref() {
                    at += next.len();
                    if next.trim_end() == "```" {
                        break;
                    }
                }
            }
            "```console" => {
                page.blocks += 1;
                let body_start = at;
                let first = page.parts.len();
                let mut closed = false;
                for next in lines.by_ref() {
                    let line_at = at;
                    at += next.len();
                    if next.trim_end() == "```" {
                        if let Some(Part::Command { body, .. }) = page.parts.get_mut(first) {
                            *body = Some(body_start..line_at);
                        }
                        closed = true;
                        break;
                    }
                    let started = page.parts.len() > first;
                    match (next.strip_prefix("$ "), page.parts.last_mut()) {
                        (Some(command), _) => page.parts.push(Part::Command {
                            line: command.trim_end().to_owned(),
                            output: String::new(),
                            body: None,
                        }),
                        (None, Some(Part::Command { output, .. })) if started => output.push_str(next),
                        _ => return Err(format!("byte {line_at}: a console block starts with output, not `$ `")),
                    }
                }
                if !closed {
                    return Err(format!("byte {body_start}: unclosed console block"));
                }
                if page.parts.len() == first {
                    return Err(format!("byte {body_start}: a console block with no command"));
                }
            }
            _ => {}
        }
    }
    Ok(page)
}

/// Where a page's examples run: `BASE` is shown to the reader as `/tmp`; `BASE/docket` is a
/// copy of the docket repository's examples, committed, and the folder every page starts in
/// (so `docket -C examples/ops …` works as in a checkout); `BASE/home` is `HOME`, whose git
/// config names the user `dylan`.
fn run_page(parts: &[Part]) -> Vec<String> {
    let base = tempfile::Builder::new().prefix("docket-book").tempdir().expect("a temporary folder");
    let base_path = base.path().canonicalize().expect("canonical");
    let home = base_path.join("home");
    let repo = base_path.join("docket");
    std::fs::create_dir_all(&home).expect("home");
    std::fs::create_dir_all(&repo).expect("repo");
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = dylan\n\temail = dylan@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
    )
    .expect("gitconfig");
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let copied = std::process::Command::new("cp")
        .args(["-R", &examples.display().to_string(), &repo.display().to_string()])
        .status()
        .expect("cp");
    assert!(copied.success());
    let binary = Path::new(env!("CARGO_BIN_EXE_docket")).parent().expect("bin folder").to_owned();
    let mut script = String::from(
        "git init -q && git add -A && git commit -qm 'The examples' || exit 1\n\
         BOOK_LOG=\"$HOME/.book-log\"\n\
         # book_tracker NAME [EXAMPLE]: a git repository at /tmp/NAME holding a copy of\n\
         # examples/EXAMPLE (or nothing), committed; the session moves into it.\n\
         book_tracker() {\n\
           mkdir -p \"$BOOK_TMP/$1\" && cd \"$BOOK_TMP/$1\" || return 1\n\
           if [ -n \"$2\" ]; then cp -R \"$BOOK_DOCKET/examples/$2/.\" . || return 1; fi\n\
           git init -q && git add -A && git commit -qm \"${2:-empty} example\" --allow-empty\n\
         }\n",
    );
    for (n, part) in parts.iter().enumerate() {
        let _ = writeln!(script, "printf '\\036%d\\n' {n}");
        match part {
            Part::Hidden(shell) => {
                let _ = writeln!(
                    script,
                    "{{ {shell}\n}} </dev/null >\"$BOOK_LOG\" 2>&1 || {{ echo 'hidden setup failed:'; cat \"$BOOK_LOG\"; }}"
                );
            }
            Part::Command { line, .. } => {
                // The book's `/tmp` is the page's folder; its `/opt/docket/bin` is the binary's.
                let line = line.replace("/opt/docket/bin/", "").replace("/tmp", "$BOOK_TMP");
                let _ = writeln!(script, "{{ {line}\n}} </dev/null 2>&1");
            }
        }
    }
    let mut command = std::process::Command::new("bash");
    command.arg("-c").arg(&script).current_dir(&repo);
    for variable in [
        "GIT_DIR",
        "GIT_INDEX_FILE",
        "GIT_WORK_TREE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_QUARANTINE_PATH",
        "GIT_PREFIX",
        "EDITOR",
        "VISUAL",
        "GIT_EDITOR",
        "DOCKET_EDITOR",
        "NO_COLOR",
        "USER",
        "CLICOLOR_FORCE",
    ] {
        command.env_remove(variable);
    }
    let path = format!("{}:{}", binary.display(), std::env::var("PATH").unwrap_or_default());
    let now = crate::support::NOW;
    command
        .env("PATH", path)
        .env("HOME", &home)
        .env("BOOK_TMP", &base_path)
        .env("BOOK_DOCKET", &repo)
        .env("BOOK_SOURCE", env!("CARGO_MANIFEST_DIR"))
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_CONFIG_SYSTEM", "/dev/null")
        .env("GIT_AUTHOR_DATE", now)
        .env("GIT_COMMITTER_DATE", now)
        .env("DOCKET_NOW", now)
        .env("DOCKET_SEED", "7")
        .env("DOCKET_INDEX_WATCH_AT", "never")
        .env("TERM", "dumb")
        .env("COLUMNS", "100");
    // A fake GitLab for the mirroring chapter, shown to the reader as gitlab.example.com.
    let gitlab = crate::fake_gitlab::FakeGitlab::start();
    command.env("BOOK_GITLAB", gitlab.url()).env("GITLAB_TOKEN", gitlab.token()).env("DOCKET_MIRROR_BACKOFF_MS", "1");
    // And a fake Launchpad for the Launchpad chapter, shown as api.launchpad.net.
    let launchpad = crate::fake_launchpad::FakeLaunchpad::start();
    let launchpad_api = format!("{}/devel/", launchpad.root());
    let (token, secret) = launchpad.token();
    command.env("BOOK_LAUNCHPAD", &launchpad_api).env("LAUNCHPAD_TOKEN", token).env("LAUNCHPAD_TOKEN_SECRET", secret);
    let output = command.output().expect("sh runs");
    let printed = String::from_utf8_lossy(&output.stdout)
        .replace(&gitlab.url(), "https://gitlab.example.com")
        .replace(&launchpad_api, "https://api.launchpad.net/devel/")
        .replace(&binary.display().to_string(), "/opt/docket/bin")
        .replace(&base_path.display().to_string(), "/tmp");
    let mut outputs = vec![String::new(); parts.len()];
    for piece in printed.split('\u{1e}').skip(1) {
        let (n, text) = piece.split_once('\n').unwrap_or((piece, ""));
        if let Ok(n) = n.parse::<usize>() {
            text.clone_into(&mut outputs[n]);
        }
    }
    outputs
}

/// The book cannot drift: every ```` ```console ```` block of every page is run, in page order,
/// as one shell session per page (setup the reader need not see goes in `<!-- book-test: … -->`
/// comments), at the tests' fixed date with docket's seed fixed, and each command must print
/// what the book shows under it (stdout and stderr as a terminal interleaves them).
/// ```` ```console,ignore ```` marks an illustrative block (a server, an editor plugin, a
/// command that never ends); every page with console examples must run at least one.
/// `DOCKET_BLESS=1` rewrites the outputs.
#[test]
fn console_examples_print_what_the_binary_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let bless = std::env::var_os("DOCKET_BLESS").is_some();
    let (mut checked, mut illustrative) = (0, 0);
    let mut failures = Vec::new();
    let mut pages: Vec<_> = std::fs::read_dir(&src).expect("book/src").flatten().map(|e| e.path()).collect();
    pages.sort();
    for path in pages.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&path).expect("page");
        let page = parse_page(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        illustrative += page.illustrative;
        if page.blocks == 0 {
            assert!(
                page.illustrative == 0 || path.ends_with("introduction.md"),
                "{}: no console example is run",
                path.display()
            );
            continue;
        }
        let outputs = run_page(&page.parts);
        let mut rewritten = text.clone();
        let mut blocks: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for (part, printed) in page.parts.iter().zip(&outputs) {
            match part {
                Part::Hidden(shell) => {
                    if printed.contains("hidden setup failed:") {
                        failures.push(format!("{}: `{shell}`: {printed}", path.display()));
                    }
                }
                Part::Command { line, output, body } => {
                    checked += 1;
                    if printed != output {
                        failures
                            .push(format!("{}: `{line}` prints\n{printed}but the book says\n{output}", path.display()));
                    }
                    if let Some(body) = body {
                        blocks.push((body.clone(), String::new()));
                    }
                    let block = &mut blocks.last_mut().expect("a block").1;
                    let _ = write!(block, "$ {line}\n{printed}");
                }
            }
        }
        for (range, block) in blocks.into_iter().rev() {
            rewritten.replace_range(range, &block);
        }
        if bless && rewritten != text {
            std::fs::write(&path, rewritten).expect("write");
        }
    }
    println!("{checked} console commands checked against the binary; {illustrative} blocks illustrative");
    assert!(checked >= 150, "too few console examples are checked: {checked}");
    assert!(
        bless || failures.is_empty(),
        "{} console examples differ (run `DOCKET_BLESS=1 cargo test --test it book` to rewrite them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
