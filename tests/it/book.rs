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

/// The commands a console example may run to be checked here: they read the bundled examples
/// and write nothing.
const READ_ONLY: [&str; 7] = ["list", "show", "search", "next", "plan", "check", "fmt"];

/// One `$ docket -C examples/NAME …` line of a console block, and the output printed under it.
struct Example {
    tracker: String,
    args: Vec<String>,
    output: String,
}

/// The words of a shell command line: spaces split, single and double quotes group.
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '|' | '>' | '<' | ';' | '&' | '$' | '`' | '\\') => return None,
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    (quote.is_none()).then_some(words)
}

/// The console blocks of `text` whose every command is a read-only `docket -C examples/NAME`
/// one: (the block's byte range in `text`, its commands).
fn checkable_blocks(text: &str) -> Vec<(std::ops::Range<usize>, Vec<Example>)> {
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(open) = text[at..].find("```console\n").map(|n| at + n + "```console\n".len()) {
        let Some(close) = text[open..].find("```\n").map(|n| open + n) else { break };
        at = close + 4;
        let body = &text[open..close];
        let mut examples: Vec<Example> = Vec::new();
        let mut checkable = true;
        for line in body.lines() {
            if let Some(command) = line.strip_prefix("$ ") {
                let words = shell_words(command).unwrap_or_default();
                let runnable = words.len() >= 4
                    && words[0] == "docket"
                    && words[1] == "-C"
                    && words[2].starts_with("examples/")
                    && READ_ONLY.contains(&words[3].as_str())
                    && !words.iter().any(|w| w == "--apply" || w == "--chart");
                if !runnable {
                    checkable = false;
                    break;
                }
                examples.push(Example {
                    tracker: words[2].trim_start_matches("examples/").to_owned(),
                    args: words[3..].to_vec(),
                    output: String::new(),
                });
            } else if let Some(example) = examples.last_mut() {
                example.output.push_str(line);
                example.output.push('\n');
            } else {
                checkable = false;
            }
        }
        if checkable && !examples.is_empty() {
            blocks.push((open..close, examples));
        }
    }
    blocks
}

/// Every console example that runs a read-only command on a bundled example prints what the
/// book says, run in a copy of the example at the tests' fixed date (2026-11-23, noon UTC):
/// stdout, then stderr. `DOCKET_BLESS=1` rewrites their outputs. The other examples (edits,
/// git sequences, pipes) are illustrative and not run; their number is printed.
#[test]
fn console_examples_print_what_the_binary_prints() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let bless = std::env::var_os("DOCKET_BLESS").is_some();
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut pages: Vec<_> = std::fs::read_dir(&src).expect("book/src").flatten().map(|e| e.path()).collect();
    pages.sort();
    for page in pages.into_iter().filter(|p| p.extension().is_some_and(|e| e == "md")) {
        let text = std::fs::read_to_string(&page).expect("page");
        let mut rewritten = text.clone();
        for (range, examples) in checkable_blocks(&text).into_iter().rev() {
            let mut block = String::new();
            for example in &examples {
                let sandbox = crate::support::Sandbox::example(&example.tracker);
                let args: Vec<&str> = example.args.iter().map(String::as_str).collect();
                let run = sandbox.docket(&args);
                let printed = format!("{}{}", run.stdout, run.stderr);
                checked += 1;
                if printed != example.output {
                    failures.push(format!(
                        "{}: `docket -C examples/{} {}` prints\n{printed}but the book says\n{}",
                        page.display(),
                        example.tracker,
                        example.args.join(" "),
                        example.output
                    ));
                }
                let quoted: Vec<String> = example
                    .args
                    .iter()
                    .map(|a| if a.contains(' ') || a.contains('*') { format!("'{a}'") } else { a.clone() })
                    .collect();
                let _ = write!(block, "$ docket -C examples/{} {}\n{printed}", example.tracker, quoted.join(" "));
            }
            rewritten.replace_range(range, &block);
        }
        if bless && rewritten != text {
            std::fs::write(&page, rewritten).expect("write");
        }
    }
    println!("{checked} console examples checked against the binary");
    assert!(checked >= 15, "too few console examples are checked: {checked}");
    assert!(
        bless || failures.is_empty(),
        "{} console examples differ (run `DOCKET_BLESS=1 cargo test --test it book` to rewrite them):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
