//! `docket show` and id prefixes.

use crate::support::Sandbox;

#[test]
fn show_by_prefix_in_text_and_json() {
    let sandbox = Sandbox::example("ops");
    let text = sandbox.docket(&["show", "sn2"]);
    insta::assert_snapshot!("show_ops_issue", text.ok());
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["show", "sn2gzh", "--json"]).ok()).expect("json");
    assert_eq!(json["id"], "sn2gzh");
    assert_eq!(json["rice"]["effort"], 0.5);
    assert_eq!(json["updates"][0]["date"], "2026-11-20");
}

#[test]
fn show_mir_bug_names_its_process_state() {
    let sandbox = Sandbox::example("mir");
    let text = sandbox.docket(&["show", "jt8bha"]);
    assert!(
        text.ok().contains(
            "status: confirmed   process state: assigned_mir (2. New / Confirmed (assigned to MIR team member))"
        ),
        "{}",
        text.stdout
    );
}

#[test]
fn unknown_fields_are_kept_shown_and_output() {
    let sandbox = Sandbox::tracker();
    sandbox.write(
        "issues/custom.toml",
        "title = \"Custom\"\ntype = \"bug\"\nstage = \"triage\"\nzendesk_ticket = 48213\n[sla]\nhours = 4\n",
    );
    let text = sandbox.docket(&["show", "custom"]);
    assert!(text.ok().contains("zendesk_ticket: 48213"), "{}", text.stdout);
    let json: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["show", "custom", "--json"]).ok()).expect("json");
    assert_eq!(json["zendesk_ticket"], 48213);
    assert_eq!(json["sla"]["hours"], 4);
}

#[test]
fn an_exact_id_wins_over_longer_ids_it_prefixes() {
    let sandbox = Sandbox::tracker();
    for id in ["ab", "abc", "abd"] {
        sandbox.write(&format!("issues/{id}.toml"), &format!("title = \"{id}\"\ntype = \"bug\"\nstage = \"triage\"\n"));
    }
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "ab", "--json"]).ok()).expect("json");
    assert_eq!(json["id"], "ab");
}

#[test]
fn ids_are_case_insensitive_and_duplicates_are_ambiguous() {
    let sandbox = Sandbox::tracker();
    sandbox.write("issues/k3x9q2.toml", "title = \"Flat\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "K3X", "--json"]).ok()).expect("json");
    assert_eq!(json["id"], "k3x9q2");
    sandbox.write("issues/k3/k3x9q2.toml", "title = \"Sharded\"\ntype = \"bug\"\nstage = \"triage\"\n");
    let run = sandbox.docket(&["show", "k3x9q2"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("two files have this id"), "{}", run.stderr);
}

/// Titles, labels and descriptions full of terminal escape sequences print as visible escapes
/// in every human-readable output, and `--json` keeps the exact text.
#[test]
fn escape_sequences_print_as_visible_escapes() {
    let sandbox = Sandbox::tracker();
    let title = "Refund \u{1b}]0;pwned\u{7}macro \u{1b}[2J\u{202e}gnp.exe";
    let text = format!(
        "title = {}\ntype = \"bug\"\nstage = \"triage\"\nlabels = [\"x\\u001b[8m\"]\ndescription = \"line\\rover\"\n",
        toml_string(title)
    );
    sandbox.write("issues/evil.toml", &text);
    sandbox.write("issues/bad.toml", "title = \"Bad\"\ntype = \"bug\"\nstage = \"tri\\u001b[31mage\"\n");
    let shown = "Refund \\033]0;pwned\\amacro \\033[2J\\342\\200\\256gnp.exe";
    for args in [&["list"][..], &["show", "evil"], &["search", "refund"], &["check"]] {
        let run = sandbox.docket(args);
        let both = format!("{}{}", run.stdout, run.stderr);
        assert!(!both.contains('\u{1b}') && !both.contains('\u{202e}') && !both.contains('\r'), "{args:?}: {both:?}");
        if args[0] != "check" {
            assert!(run.stdout.contains(shown), "{args:?}: {}", run.stdout);
        }
    }
    let check = sandbox.docket(&["check"]);
    assert!(check.stderr.contains("tri\\033[31mage"), "{}", check.stderr);
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "evil", "--json"]).ok()).expect("json");
    assert_eq!(json["title"], title);
    assert_eq!(json["labels"][0], "x\u{1b}[8m");
    assert_eq!(json["description"], "line\rover");
}

fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// A milestone is shown with its issues and how far it has come, counted by hand from the ops
/// example: 10 issues of 16-7, weights 3+3+2+2+1+2+3+2 = 18; done (completed, closed): erbemn
/// (3) and psfw03 (1).
#[test]
fn show_a_milestone_with_its_issues_and_progress() {
    let sandbox = crate::support::Sandbox::example("ops");
    let run = sandbox.docket(&["show", "16-7", "--json"]);
    let json: serde_json::Value = serde_json::from_str(run.ok()).expect("json");
    assert_eq!(json["issues"].as_array().expect("issues").len(), 10);
    assert_eq!(
        json["progress"],
        serde_json::json!({"issues": 10, "done": 2, "weight": 18, "done_weight": 4, "deliverable_weight": 0, "deliverable_done_weight": 0})
    );
    let text = sandbox.docket(&["show", "16-7"]);
    assert!(
        text.ok().contains("progress: 2 of 10 issues done; weight 4 of 18 (22%); Deliverables 0 of 0 (0%)"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout.contains("erbemn  completed              w3  dylan"),
        "each issue with its weight: {}",
        text.stdout
    );
    // A Deliverable counts for its own line; an issue moved elsewhere no longer counts.
    sandbox.docket(&["set", "sn2gzh", "labels+=Deliverable"]).ok();
    sandbox.docket(&["set", "psfw03", "--unset", "milestone"]).ok();
    let json: serde_json::Value = serde_json::from_str(sandbox.docket(&["show", "16-7", "--json"]).ok()).expect("json");
    let count = |key: &str| json["progress"][key].as_u64();
    assert_eq!(
        (count("issues"), count("weight"), count("done"), count("done_weight")),
        (Some(9), Some(17), Some(1), Some(3))
    );
    assert_eq!(json["progress"]["deliverable_weight"], 2);
    // An issue is shown without them.
    let issue: serde_json::Value =
        serde_json::from_str(sandbox.docket(&["show", "sn2gzh", "--json"]).ok()).expect("json");
    assert!(issue.get("progress").is_none());
}
