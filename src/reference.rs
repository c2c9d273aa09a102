//! References between records, and to what `docket.toml` declares, judged by one function for
//! every path that changes a record: `new`, `set`, `move` and `edit` (in the work tree), the
//! hooks and `check --range` (in the index or a commit), and `docket check` (the whole tree).
//! So the answers cannot differ.
//!
//! What a record names must exist: an issue's `milestone` (a milestone), its `blocked_by` ids
//! (any record), its `iteration` (in `[[iterations]]`), its `assignee` (in `[team] members`,
//! when the team is declared), a milestone's parking-lot issues; and a MIR bug's `package` has
//! no other open MIR bug. A change is judged only for what it brings: a reference the old
//! version already had is not the change's fault (`docket check` reports every one). A record
//! deleted while another still names it is refused too ([`names`]; the hooks find who names it
//! with `git grep`).

use crate::config::Config;
use crate::model::{Body, Kind, Record};
use crate::workflow::Workflow;

/// A reference that does not hold: the field, what is wrong, and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
    pub hint: String,
}

/// How the judge sees the other records, wherever they are read from.
pub struct Lookup<'a> {
    /// Whether a file exists at a path relative to the tracker root.
    pub exists: &'a dyn Fn(&str) -> bool,
    /// Every MIR bug (read only when a change brings a MIR bug's package).
    pub mir_bugs: &'a dyn Fn() -> Vec<Record>,
    /// The MIR workflow, to tell open bugs from closed ones.
    pub mir_workflow: &'a Workflow,
}

impl Lookup<'_> {
    /// Whether a record with `id` exists, of `kind` if given, in either layout.
    fn has(&self, id: &str, kind: Option<Kind>) -> bool {
        if crate::id::validate(id).is_err() {
            return false;
        }
        crate::entry::paths_of(id)
            .iter()
            .filter(|path| kind.is_none_or(|kind| path.starts_with(&format!("{}/", kind.folder()))))
            .any(|path| (self.exists)(path))
    }
}

/// The references of `record` that do not hold and that `old` (its version before the change,
/// if judging a change) did not already have.
pub fn problems(record: &Record, old: Option<&Record>, config: &Config, lookup: &Lookup<'_>) -> Vec<Problem> {
    let mut found = Vec::new();
    let old_body = old.map(|o| &o.body);
    match &record.body {
        Body::Issue(issue) => {
            let before = match old_body {
                Some(Body::Issue(before)) => Some(before),
                _ => None,
            };
            if let Some(milestone) = brought(issue.milestone.as_deref(), before, |b| b.milestone.as_deref())
                && !lookup.has(milestone, Some(Kind::Milestone))
            {
                found.push(Problem {
                    field: "milestone",
                    message: format!("the milestone `{milestone}` does not exist"),
                    hint: "name an existing milestone (`docket list --kind milestone`), or create it first".into(),
                });
            }
            for id in issue.blocked_by.iter().filter(|id| before.is_none_or(|b| !b.blocked_by.contains(id))) {
                if !lookup.has(id, None) {
                    found.push(Problem {
                        field: "blocked_by",
                        message: format!("`blocked_by` names `{id}`, which does not exist"),
                        hint: "name the id of an existing record (`docket list`)".into(),
                    });
                }
            }
            if let Some(iteration) = brought(issue.iteration.as_deref(), before, |b| b.iteration.as_deref())
                && !config.iterations.iter().any(|it| it.name == iteration)
            {
                found.push(Problem {
                    field: "iteration",
                    message: format!("the iteration `{iteration}` is not in docket.toml"),
                    hint: "name an iteration of `[[iterations]]` in docket.toml, or add it there first".into(),
                });
            }
            if let Some(assignee) = brought(issue.assignee.as_deref(), before, |b| b.assignee.as_deref())
                && !config.members.is_empty()
                && !config.members.iter().any(|m| m == assignee)
            {
                found.push(Problem {
                    field: "assignee",
                    message: format!("`{assignee}` is not a member of the team"),
                    hint: format!(
                        "assign one of {} (`[team] members` in docket.toml), or add them there first",
                        config.members.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        Body::Milestone(milestone) => {
            let before: Vec<&str> = match old_body {
                Some(Body::Milestone(b)) => b.parking_lot.iter().map(|i| i.issue.as_str()).collect(),
                _ => Vec::new(),
            };
            for item in milestone.parking_lot.iter().filter(|i| !before.contains(&i.issue.as_str())) {
                if !lookup.has(&item.issue, Some(Kind::Issue)) {
                    found.push(Problem {
                        field: "parking_lot",
                        message: format!("the parking lot names the issue `{}`, which does not exist", item.issue),
                        hint: "name the id of an existing issue".into(),
                    });
                }
            }
        }
        Body::Mir(bug) => {
            let open = |r: &Record| {
                let workflow = lookup.mir_workflow;
                workflow.state(&workflow.state_of(r)).is_none_or(|s| !s.terminal)
            };
            // Already an open bug for this package before the change: not the change's doing.
            // A bug filed, renamed onto the package or reopened is.
            let was_open_here =
                old.is_some_and(|o| open(o) && matches!(&o.body, Body::Mir(b) if b.package == bug.package));
            if !was_open_here && !bug.package.is_empty() && open(record) {
                let others: Vec<String> = (lookup.mir_bugs)()
                    .into_iter()
                    .filter(|other| other.id != record.id && open(other))
                    .filter(|other| matches!(&other.body, Body::Mir(b) if b.package == bug.package))
                    .map(|other| other.id)
                    .collect();
                if let Some(other) = others.first() {
                    found.push(Problem {
                        field: "package",
                        message: format!("the MIR bug `{other}` is already open for the package `{}`", bug.package),
                        hint: format!("add to `{other}` instead (`docket show {other}`), or close it first"),
                    });
                }
            }
        }
    }
    found
}

/// The ids `record` names, with the field naming each: an issue's `milestone` and
/// `blocked_by`, a milestone's parking-lot issues. What a deleted record leaves dangling.
pub fn names(record: &Record) -> Vec<(&'static str, &str)> {
    match &record.body {
        Body::Issue(issue) => issue
            .milestone
            .iter()
            .map(|m| ("milestone", m.as_str()))
            .chain(issue.blocked_by.iter().map(|id| ("blocked_by", id.as_str())))
            .collect(),
        Body::Milestone(milestone) => {
            milestone.parking_lot.iter().map(|item| ("parking_lot", item.issue.as_str())).collect()
        }
        Body::Mir(_) => Vec::new(),
    }
}

/// The value of a field if the change brings it: set, and not what it was before (`old` is
/// `None` when there was no version before, and everything is brought).
fn brought<'a>(
    new: Option<&'a str>,
    old: Option<&crate::model::Issue>,
    field: fn(&crate::model::Issue) -> Option<&str>,
) -> Option<&'a str> {
    new.filter(|value| old.is_none_or(|old| field(old) != Some(*value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{RecordRules, parse_record};

    fn record(kind: Kind, id: &str, text: &str) -> Record {
        let parsed = parse_record(kind, id, &format!("{}/{id}.toml", kind.folder()), text, &RecordRules::default());
        parsed.record.unwrap_or_else(|| panic!("{text}: {:?}", parsed.diagnostics))
    }

    const ISSUE: &str = "title = \"x\"\ntype = \"bug\"\nstage = \"triage\"\n";

    /// Each reference, existing or not, brought by the change or already there.
    #[test]
    fn what_a_record_names_must_exist() {
        let config = Config::parse(
            "docket.toml",
            "[team]\nmembers = [\"ana\", \"bo\"]\n[[iterations]]\nname = \"it-1\"\nstart = 2026-11-01\nend = 2026-11-14\n",
        )
        .expect("config");
        let files = ["milestones/16-7.toml", "issues/ab/abc123.toml", "mir/pkg1.toml"];
        let exists = |path: &str| files.contains(&path);
        let bugs = || Vec::new();
        let mir = Workflow::built_in("mir").expect("built in");
        let lookup = Lookup { exists: &exists, mir_bugs: &bugs, mir_workflow: &mir };
        let table: [(&str, &str, &[&str]); 10] = [
            ("milestone = \"16-7\"", "", &[]),
            ("milestone = \"nope\"", "", &["milestone"]),
            // A milestone id naming an issue is not a milestone.
            ("milestone = \"abc123\"", "", &["milestone"]),
            ("blocked_by = [\"abc123\", \"pkg1\"]", "", &[]),
            ("blocked_by = [\"abc123\", \"zzzzzz\", \"gone12\"]", "", &["blocked_by", "blocked_by"]),
            ("iteration = \"it-1\"", "", &[]),
            ("iteration = \"it-9\"", "", &["iteration"]),
            ("assignee = \"bo\"", "", &[]),
            ("assignee = \"mallory\"", "", &["assignee"]),
            // Already there before the change: not this change's fault.
            (
                "milestone = \"nope\"\nassignee = \"mallory\"\nblocked_by = [\"zzzzzz\"]",
                "milestone = \"nope\"\nassignee = \"mallory\"\nblocked_by = [\"zzzzzz\"]",
                &[],
            ),
        ];
        for (new, old, fields) in table {
            let new_record = record(Kind::Issue, "k3x9q2", &format!("{ISSUE}{new}\n"));
            let old_record = (!old.is_empty()).then(|| record(Kind::Issue, "k3x9q2", &format!("{ISSUE}{old}\n")));
            let found: Vec<&str> =
                problems(&new_record, old_record.as_ref(), &config, &lookup).iter().map(|p| p.field).collect();
            assert_eq!(found, fields, "{new} (before: {old})");
        }
        // Without a declared team, any assignee will do.
        let open_team = Config::parse("docket.toml", "").expect("config");
        let anyone = record(Kind::Issue, "k3x9q2", &format!("{ISSUE}assignee = \"mallory\"\n"));
        assert_eq!(problems(&anyone, None, &open_team, &lookup), []);
        // A milestone's parking lot names issues.
        let milestone =
            |lot: &str| record(Kind::Milestone, "16-7", &format!("title = \"m\"\nstage = \"planning\"\n{lot}"));
        let lot = "[[parking_lot]]\nissue = \"abc123\"\n[[parking_lot]]\nissue = \"gone12\"\n";
        let found = problems(&milestone(lot), None, &config, &lookup);
        assert_eq!(
            found.iter().map(|p| p.message.as_str()).collect::<Vec<_>>(),
            ["the parking lot names the issue `gone12`, which does not exist"]
        );
        assert_eq!(problems(&milestone(lot), Some(&milestone(lot)), &config, &lookup), []);
    }

    /// Two open MIR bugs for one package are a duplicate; a closed one is history.
    #[test]
    fn one_open_mir_bug_per_package() {
        let mir = Workflow::built_in("mir").expect("built in");
        let config = Config::parse("docket.toml", "").expect("config");
        let bug = |id: &str, package: &str, status: &str| {
            record(
                Kind::Mir,
                id,
                &format!("title = \"[MIR] {package}\"\npackage = \"{package}\"\nstatus = \"{status}\"\n"),
            )
        };
        let existing = vec![bug("old1", "libfoo", "new"), bug("old2", "libbar", "wont_fix")];
        let all = || existing.clone();
        let exists = |_: &str| false;
        let lookup = Lookup { exists: &exists, mir_bugs: &all, mir_workflow: &mir };
        let fields = |new: &Record, old: Option<&Record>| -> Vec<String> {
            problems(new, old, &config, &lookup).into_iter().map(|p| p.message).collect()
        };
        assert_eq!(
            fields(&bug("new1", "libfoo", "new"), None),
            ["the MIR bug `old1` is already open for the package `libfoo`"]
        );
        assert_eq!(fields(&bug("new1", "libbar", "new"), None), Vec::<String>::new(), "the other one is closed");
        assert_eq!(
            fields(&bug("old1", "libfoo", "confirmed"), Some(&bug("old1", "libfoo", "new"))),
            Vec::<String>::new()
        );
        // Renaming a bug's package onto another open one's is a duplicate too.
        assert_eq!(fields(&bug("new1", "libfoo", "new"), Some(&bug("new1", "libbaz", "new"))).len(), 1);
        // A closed bug filed for the record does not count against anyone.
        assert_eq!(fields(&bug("new1", "libfoo", "invalid"), None), Vec::<String>::new());
        // Reopening a closed bug for a package that has an open one is a duplicate.
        assert_eq!(fields(&bug("new1", "libfoo", "new"), Some(&bug("new1", "libfoo", "invalid"))).len(), 1);
    }
}
