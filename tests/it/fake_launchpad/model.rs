//! The fake Launchpad's data: the distribution `ubuntu`, its series and source packages (which
//! exist for any name), a few people and teams, the bugs with their main task (on
//! `ubuntu/+source/<package>`) and their series tasks (on `ubuntu/<series>/+source/<package>`),
//! their messages and subscriptions, and the server clock; the semantics of every write, shared by
//! the web service and by the helpers that stand for people in the web UI (status dates as
//! `BugTask.transitionToStatus` keeps them, `date_last_updated` as Launchpad's event subscribers
//! bump it, a task on Ubuntu's current series conjoined with the main task as `BugTask`'s
//! `conjoined_primary`/`conjoined_replica` keep them); and the JSON entries, rendered field by
//! field from the WADL's `<type>-full` representations, with lazr.restful's two-part entity tags.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::oauth::Tokens;
use super::params::{format_time, hex};
use super::wadl::wadl;
use crate::fake_gitlab::time;

/// The token's owner, who files and edits through the web service.
pub const BOT: &str = "docket-bot";
/// The clock's default start: the instant the integration tests pin.
pub const CLOCK_START: &str = "2026-11-23T12:00:00Z";
/// Each write moves the clock on by this much.
pub const TICK_MS: i64 = 1000;
/// The first bug number.
const FIRST_BUG: u64 = 1_000_001;
/// When the people and the distribution were registered.
const REGISTERED: &str = "2005-06-06T08:59:51Z";
/// Who approves a series nomination in the web UI (and so owns the series task it creates).
pub const APPROVER: &str = "cpaelzer";
/// Ubuntu's development series alias (`Distribution.development_series_alias`), which the fake
/// does not resolve.
pub const DEVEL_ALIAS: &str = "devel";

/// Ubuntu's series the fake knows the version (`DistroSeries.version`) of; any other name is a
/// series too, without a version.
const UBUNTU_SERIES: [(&str, &str); 44] = [
    ("warty", "4.10"),
    ("hoary", "5.04"),
    ("breezy", "5.10"),
    ("dapper", "6.06"),
    ("edgy", "6.10"),
    ("feisty", "7.04"),
    ("gutsy", "7.10"),
    ("hardy", "8.04"),
    ("intrepid", "8.10"),
    ("jaunty", "9.04"),
    ("karmic", "9.10"),
    ("lucid", "10.04"),
    ("maverick", "10.10"),
    ("natty", "11.04"),
    ("oneiric", "11.10"),
    ("precise", "12.04"),
    ("quantal", "12.10"),
    ("raring", "13.04"),
    ("saucy", "13.10"),
    ("trusty", "14.04"),
    ("utopic", "14.10"),
    ("vivid", "15.04"),
    ("wily", "15.10"),
    ("xenial", "16.04"),
    ("yakkety", "16.10"),
    ("zesty", "17.04"),
    ("artful", "17.10"),
    ("bionic", "18.04"),
    ("cosmic", "18.10"),
    ("disco", "19.04"),
    ("eoan", "19.10"),
    ("focal", "20.04"),
    ("groovy", "20.10"),
    ("hirsute", "21.04"),
    ("impish", "21.10"),
    ("jammy", "22.04"),
    ("kinetic", "22.10"),
    ("lunar", "23.04"),
    ("mantic", "23.10"),
    ("noble", "24.04"),
    ("oracular", "24.10"),
    ("plucky", "25.04"),
    ("questing", "25.10"),
    ("resolute", "26.04"),
];

/// The version of an Ubuntu series, if the fake knows it.
pub fn series_version(series: &str) -> Option<&'static str> {
    UBUNTU_SERIES.iter().find(|(name, _)| *name == series).map(|(_, version)| *version)
}

/// Whether a name is one of the fake's Ubuntu series (any lower-case name, but the alias).
pub fn valid_series(name: &str) -> bool {
    name != DEVEL_ALIAS
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A series' display name as `DistroSeries.fullseriesname` builds it: `Ubuntu Noble`
/// (Python's `capitalize` of both names).
pub fn full_series_name(series: &str) -> String {
    format!("Ubuntu {}", capitalize(series))
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |first| first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect())
}

/// A person or a team.
pub struct Person {
    pub name: &'static str,
    pub display_name: &'static str,
    pub is_team: bool,
}

pub const PEOPLE: [Person; 12] = [
    Person { name: BOT, display_name: "Docket Bot", is_team: false },
    Person { name: "lbergmann", display_name: "Lena Bergmann", is_team: false },
    Person { name: "mkovacs", display_name: "Mira Kovacs", is_team: false },
    Person { name: "rjansen", display_name: "Ruben Jansen", is_team: false },
    Person { name: "tnakamura", display_name: "Taro Nakamura", is_team: false },
    Person { name: "fmoreau", display_name: "Flora Moreau", is_team: false },
    Person { name: "cpaelzer", display_name: "Christian Paelzer", is_team: false },
    Person { name: "ubuntu-mir", display_name: "Ubuntu MIR Team", is_team: true },
    Person { name: "ubuntu-security", display_name: "Ubuntu Security Team", is_team: true },
    Person { name: "foundations-bugs", display_name: "Foundations Bugs", is_team: true },
    Person { name: "desktop-packages", display_name: "Desktop Packages", is_team: true },
    Person { name: "ubuntu-server", display_name: "Ubuntu Server", is_team: true },
];

pub fn person(name: &str) -> Option<&'static Person> {
    PEOPLE.iter().find(|person| person.name == name)
}

/// `BugTaskStatus` values (their order is the workflow's).
pub fn status_value(status: &str) -> u32 {
    match status {
        "New" => 10,
        "Incomplete" => 15,
        "Opinion" => 16,
        "Invalid" => 17,
        "Won't Fix" => 18,
        "Expired" => 19,
        "Confirmed" => 20,
        "Triaged" => 21,
        "In Progress" => 22,
        "Fix Committed" => 25,
        "Fix Released" => 30,
        _ => 999,
    }
}

/// `BugTaskImportance` values (`-importance`, searchTasks' default order, is by these).
pub fn importance_value(importance: &str) -> u32 {
    match importance {
        "Undecided" => 5,
        "Wishlist" => 10,
        "Low" => 20,
        "Medium" => 30,
        "High" => 40,
        "Critical" => 50,
        _ => 999,
    }
}

/// `UNRESOLVED_BUGTASK_STATUSES`: what searchTasks finds when no status is given.
pub const UNRESOLVED: [&str; 6] = ["New", "Incomplete", "Confirmed", "Triaged", "In Progress", "Fix Committed"];
/// `RESOLVED_BUGTASK_STATUSES`: a task in one of these is complete.
pub const RESOLVED: [&str; 5] = ["Fix Released", "Opinion", "Invalid", "Won't Fix", "Expired"];

pub struct Message {
    pub subject: String,
    pub content: String,
    pub owner: String,
    pub date_created: i64,
}

pub struct Subscription {
    pub person: String,
    pub subscribed_by: String,
    pub date_created: i64,
}

/// A bug task: the bug's main task on `ubuntu/+source/<package>`, or one of its series tasks
/// on `ubuntu/<series>/+source/<package>` (whose package is always the main task's).
#[derive(Clone)]
pub struct Task {
    pub package: String,
    pub status: String,
    /// An Incomplete task that got a comment since (`Incomplete (with response)`).
    pub responded: bool,
    pub importance: String,
    pub assignee: Option<String>,
    pub owner: String,
    pub date_created: i64,
    pub date_assigned: Option<i64>,
    pub date_closed: Option<i64>,
    pub date_confirmed: Option<i64>,
    pub date_fix_committed: Option<i64>,
    pub date_fix_released: Option<i64>,
    pub date_in_progress: Option<i64>,
    pub date_incomplete: Option<i64>,
    pub date_left_closed: Option<i64>,
    pub date_left_new: Option<i64>,
    pub date_triaged: Option<i64>,
}

impl Task {
    /// A New, Undecided task, unassigned.
    fn new(package: &str, owner: &str, now: i64) -> Self {
        Task {
            package: package.to_owned(),
            status: "New".to_owned(),
            responded: false,
            importance: "Undecided".to_owned(),
            assignee: None,
            owner: owner.to_owned(),
            date_created: now,
            date_assigned: None,
            date_closed: None,
            date_confirmed: None,
            date_fix_committed: None,
            date_fix_released: None,
            date_in_progress: None,
            date_incomplete: None,
            date_left_closed: None,
            date_left_new: None,
            date_triaged: None,
        }
    }

    /// What `BugTask`'s conjoined validators copy to the other task of a conjoined pair when one
    /// of them changes (`_CONJOINED_ATTRIBUTES`): after a status change, the status and its
    /// dates; after an importance change, the importance; after an assignment, the assignee and
    /// `date_assigned`.
    fn copy_conjoined(&mut self, from: &Task, change: &Change) {
        match change {
            Change::Status(_) => {
                self.status.clone_from(&from.status);
                self.responded = from.responded;
                self.date_closed = from.date_closed;
                self.date_confirmed = from.date_confirmed;
                self.date_fix_committed = from.date_fix_committed;
                self.date_fix_released = from.date_fix_released;
                self.date_in_progress = from.date_in_progress;
                self.date_incomplete = from.date_incomplete;
                self.date_left_closed = from.date_left_closed;
                self.date_left_new = from.date_left_new;
                self.date_triaged = from.date_triaged;
            }
            Change::Importance(_) => self.importance.clone_from(&from.importance),
            Change::Assignee(_) => {
                self.assignee.clone_from(&from.assignee);
                self.date_assigned = from.date_assigned;
            }
            _ => {}
        }
    }

    /// `BugTaskSet.createManyTasks` without a conjoined replica: a new task given a status gets
    /// the status dates of going there from New at its creation.
    fn start_as(&mut self, status: &str) {
        let now = self.date_created;
        self.transition(status, now);
    }

    /// `BugTask.transitionToStatus`: the status dates follow the status.
    fn transition(&mut self, status: &str, now: i64) {
        let old = std::mem::replace(&mut self.status, status.to_owned());
        if old == status {
            return;
        }
        self.responded = false;
        let (was, new) = (status_value(&old), status_value(status));
        if status == "Unknown" {
            self.date_confirmed = None;
            self.date_in_progress = None;
            self.date_closed = None;
            self.date_incomplete = None;
            self.date_triaged = None;
            self.date_fix_committed = None;
            self.date_fix_released = None;
            return;
        }
        let reached = |at: &str| was < status_value(at) && new >= status_value(at);
        if reached("Confirmed") {
            self.date_confirmed = Some(now);
        }
        if reached("In Progress") {
            self.date_in_progress = Some(now);
        }
        if old == "New" && new > was && self.date_left_new.is_none() {
            self.date_left_new = Some(now);
        }
        if reached("Triaged") {
            self.date_triaged = Some(now);
        }
        if reached("Fix Committed") {
            self.date_fix_committed = Some(now);
        }
        if reached("Fix Released") {
            self.date_fix_released = Some(now);
        }
        self.date_incomplete = (status == "Incomplete").then_some(now);
        if UNRESOLVED.contains(&old.as_str()) && RESOLVED.contains(&status) {
            self.date_closed = Some(now);
        }
        if RESOLVED.contains(&old.as_str()) && UNRESOLVED.contains(&status) {
            self.date_left_closed = Some(now);
        }
        if UNRESOLVED.contains(&status) {
            self.date_closed = None;
        }
        for (at, date) in [
            ("Confirmed", &mut self.date_confirmed),
            ("In Progress", &mut self.date_in_progress),
            ("Triaged", &mut self.date_triaged),
            ("Fix Committed", &mut self.date_fix_committed),
            ("Fix Released", &mut self.date_fix_released),
        ] {
            if new < status_value(at) {
                *date = None;
            }
        }
    }

    /// `BugTask.transitionToAssignee`.
    fn assign(&mut self, assignee: Option<String>, now: i64) {
        if assignee == self.assignee {
            return;
        }
        match (&self.assignee, &assignee) {
            (Some(_), None) => self.date_assigned = None,
            (None, Some(_)) => self.date_assigned = Some(now),
            _ => {}
        }
        self.assignee = assignee;
    }
}

/// A series task: the bug's task on `ubuntu/<series>/+source/<package>`, created when a
/// nomination for the series is approved.
pub struct SeriesTask {
    pub series: String,
    pub task: Task,
}

/// Which task of a bug.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskRef {
    /// The task on `ubuntu/+source/<package>`.
    Main,
    /// The task on `ubuntu/<series>/+source/<package>`.
    Series(String),
}

pub struct Bug {
    pub id: u64,
    pub title: String,
    pub description: String,
    /// Lower case, sorted, without duplicates (as `Bug.tags` reads them).
    pub tags: Vec<String>,
    pub owner: String,
    pub date_created: i64,
    pub date_last_updated: i64,
    pub date_last_message: Option<i64>,
    /// Message 0 is the description.
    pub messages: Vec<Message>,
    pub subscriptions: Vec<Subscription>,
    pub task: Task,
    /// In the order they were created (see [`Bug::series_tasks_in_order`]).
    pub series_tasks: Vec<SeriesTask>,
}

impl Bug {
    pub fn series_task(&self, series: &str) -> Option<&SeriesTask> {
        self.series_tasks.iter().find(|task| task.series == series)
    }

    /// A task of the bug, if it has it.
    pub fn task_of(&self, which: &TaskRef) -> Option<&Task> {
        match which {
            TaskRef::Main => Some(&self.task),
            TaskRef::Series(series) => self.series_task(series).map(|task| &task.task),
        }
    }

    fn task_of_mut(&mut self, which: &TaskRef) -> &mut Task {
        match which {
            TaskRef::Main => &mut self.task,
            TaskRef::Series(series) => {
                &mut self.series_tasks.iter_mut().find(|task| task.series == *series).expect("a series task").task
            }
        }
    }

    /// The series tasks as `Bug.bugtasks` orders them after the main task (`bugtask_sort_key`):
    /// by the series' version (as text); the series whose version the fake does not know come
    /// last, by name.
    pub fn series_tasks_in_order(&self) -> Vec<&SeriesTask> {
        let mut tasks: Vec<&SeriesTask> = self.series_tasks.iter().collect();
        tasks.sort_by_key(|task| {
            let version = series_version(&task.series);
            (version.is_none(), version.unwrap_or_default(), task.series.clone())
        });
        tasks
    }

    /// The task conjoined with the main task (`BugTask.conjoined_primary`): the series task on
    /// Ubuntu's current series, unless it is Won't Fix.
    fn conjoined_series(&self, current: Option<&str>) -> Option<&str> {
        let task = self.series_task(current?)?;
        (task.task.status != WONT_FIX).then_some(task.series.as_str())
    }
}

/// The status that unties a conjoined pair (`BugTask._NON_CONJOINED_STATUSES`).
const WONT_FIX: &str = "Won't Fix";

/// One change to a bug or one of its tasks, as a PATCH or a person in the web UI makes it (already
/// validated).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Title(String),
    Description(String),
    Tags(Vec<String>),
    Status(String),
    Importance(String),
    Assignee(Option<String>),
    Package(String),
}

/// Tags as `Bug.tags` keeps them.
pub fn normalize_tags(tags: &[String]) -> Vec<String> {
    let mut tags: Vec<String> = tags.iter().map(|tag| tag.to_lowercase()).collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Whether Launchpad's `Tag` field takes a tag.
pub fn valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|first| first.is_ascii_lowercase() || first.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

/// Everything the fake Launchpad stores.
pub struct Model {
    /// `http://127.0.0.1:PORT`, for web links.
    pub root: String,
    /// The server clock (ms since the epoch); see [`Model::tick`].
    pub clock: i64,
    /// Bugs by number.
    pub bugs: Vec<Bug>,
    /// OAuth consumers, tokens and used nonces.
    pub tokens: Tokens,
    /// Ubuntu's current series (`Distribution.currentseries`), if the tests named one.
    pub current_series: Option<String>,
    /// Whether the token's owner is a bug supervisor, who alone may set the statuses in
    /// [`SUPERVISOR_STATUSES`] (it is, unless a test says otherwise).
    pub supervisor: bool,
}

/// The statuses only a project's maintainer, driver or bug supervisor may set
/// (lib/lp/bugs/doc/bugtask-status-changes.rst in Launchpad).
pub const SUPERVISOR_STATUSES: [&str; 5] = ["Deferred", "Won't Fix", "Does Not Exist", "Expired", "Triaged"];

impl Model {
    pub fn new(root: String) -> Self {
        Self {
            root,
            clock: time::parse_datetime(CLOCK_START).expect("CLOCK_START is a date-time"),
            bugs: Vec::new(),
            tokens: Tokens::new(),
            current_series: None,
            supervisor: true,
        }
    }

    /// Moves the clock on for a write and returns the write's instant.
    pub fn tick(&mut self) -> i64 {
        self.clock += TICK_MS;
        self.clock
    }

    pub fn bug(&self, id: u64) -> Option<&Bug> {
        self.bugs.iter().find(|bug| bug.id == id)
    }

    fn bug_mut(&mut self, id: u64) -> &mut Bug {
        self.bugs.iter_mut().find(|bug| bug.id == id).expect("the caller checked the bug exists")
    }

    /// `createBug`: a bug with one New, Undecided task on the package; the reporter is
    /// subscribed and marked affected; message 0 holds the description.
    pub fn create_bug(
        &mut self,
        reporter: &str,
        package: &str,
        title: &str,
        description: &str,
        tags: &[String],
    ) -> u64 {
        let now = self.tick();
        let id = self.bugs.last().map_or(FIRST_BUG, |bug| bug.id + 1);
        self.bugs.push(Bug {
            id,
            title: title.to_owned(),
            description: description.to_owned(),
            tags: normalize_tags(tags),
            owner: reporter.to_owned(),
            date_created: now,
            date_last_updated: now,
            date_last_message: Some(now),
            messages: vec![Message {
                subject: title.to_owned(),
                content: description.to_owned(),
                owner: reporter.to_owned(),
                date_created: now,
            }],
            subscriptions: vec![Subscription {
                person: reporter.to_owned(),
                subscribed_by: reporter.to_owned(),
                date_created: now,
            }],
            task: Task::new(package, reporter, now),
            series_tasks: Vec::new(),
        });
        id
    }

    /// `BugNomination.approve` by [`APPROVER`]: a task on `ubuntu/<series>/+source/<package>`
    /// (`BugTaskSet.createManyTasks`), Undecided and unassigned, with this status and the
    /// status dates of reaching it; on Ubuntu's current series it is conjoined with the main task
    /// and copies it instead (`_syncFromConjoinedReplica`), so `status` must then be the main
    /// task's. The approval fires no modification event: the bug's `date_last_updated` stays.
    /// `Err` says why Launchpad would not.
    pub fn add_series_task(&mut self, id: u64, series: &str, status: &str) -> Result<(), String> {
        let current = self.current_series.clone();
        let bug = self.bug(id).ok_or_else(|| format!("the fake Launchpad has no bug {id}"))?;
        if !valid_series(series) {
            return Err(format!("{series:?} is not a series of the fake's Ubuntu"));
        }
        if bug.series_task(series).is_some() {
            return Err(format!("bug {id} has a task on {series} already"));
        }
        let conjoined = current.as_deref() == Some(series);
        if conjoined && bug.task.status != status {
            return Err(format!(
                "a task on the current series {series} copies the main task's status ({}), not {status:?}",
                bug.task.status
            ));
        }
        let now = self.tick();
        let bug = self.bug_mut(id);
        let mut task = Task::new(&bug.task.package, APPROVER, now);
        if conjoined {
            for change in [Change::Status(String::new()), Change::Importance(String::new()), Change::Assignee(None)] {
                task.copy_conjoined(&bug.task, &change);
            }
        } else {
            task.start_as(status);
        }
        bug.series_tasks.push(SeriesTask { series: series.to_owned(), task });
        Ok(())
    }

    /// Why Launchpad's conjoined tasks would make these changes of a task go otherwise than the
    /// fake can show, if they would: a Won't Fix on the main task while it is conjoined (its
    /// primary would get the status dates but not the status), a current-series task leaving
    /// Won't Fix (the main task would get the dates but not the status), or a current-series task
    /// set Won't Fix with other task fields at once (their order would decide what is copied).
    pub fn conjoined_refusal(&self, id: u64, which: &TaskRef, changes: &[Change]) -> Option<String> {
        let bug = self.bug(id)?;
        let current = self.current_series.as_deref()?;
        let new_status = changes.iter().find_map(|change| match change {
            Change::Status(status) => Some(status.as_str()),
            _ => None,
        });
        let task = bug.task_of(which)?;
        let new_status = new_status.filter(|status| *status != task.status)?;
        match which {
            TaskRef::Main if new_status == WONT_FIX && bug.conjoined_series(Some(current)).is_some() => {
                Some(format!("Won't Fix on a main task conjoined with its task on the current series {current}"))
            }
            TaskRef::Series(series) if series == current && task.status == WONT_FIX => {
                Some(format!("reopening a Won't Fix task on the current series {current}"))
            }
            TaskRef::Series(series)
                if series == current
                    && new_status == WONT_FIX
                    && changes.iter().any(|change| matches!(change, Change::Importance(_) | Change::Assignee(_))) =>
            {
                Some(format!("Won't Fix with other fields at once on the task on the current series {current}"))
            }
            _ => None,
        }
    }

    /// Whether applying these changes to the bug and this task of it would change anything.
    fn changes_anything(bug: &Bug, task: &Task, changes: &[Change]) -> bool {
        changes.iter().any(|change| match change {
            Change::Title(title) => *title != bug.title,
            Change::Description(text) => *text != bug.description,
            Change::Tags(tags) => normalize_tags(tags) != bug.tags,
            Change::Status(status) => *status != task.status,
            Change::Importance(importance) => *importance != task.importance,
            Change::Assignee(assignee) => *assignee != task.assignee,
            Change::Package(package) => *package != task.package,
        })
    }

    /// Applies validated changes to a bug and its main task; see [`Model::apply_to`].
    pub fn apply(&mut self, id: u64, changes: &[Change]) -> bool {
        self.apply_to(id, &TaskRef::Main, changes)
    }

    /// Applies validated changes to a bug and one of its tasks (which the caller checked it has,
    /// and whose [`Model::conjoined_refusal`] it heeded) at one new instant (none if nothing
    /// changes) and bumps the bug's `date_last_updated`; returns whether anything changed. A
    /// change of the main task's package moves the series tasks along (`_syncSourcePackages`);
    /// a change of either task of a conjoined pair is copied to the other, but a current-series
    /// task going Won't Fix leaves its pair.
    pub fn apply_to(&mut self, id: u64, which: &TaskRef, changes: &[Change]) -> bool {
        let bug = self.bug(id).expect("the caller checked the bug exists");
        let task = bug.task_of(which).expect("the caller checked the task exists");
        if !Self::changes_anything(bug, task, changes) {
            return false;
        }
        let pair = bug.conjoined_series(self.current_series.as_deref()).map(str::to_owned);
        let other = match (which, pair) {
            (TaskRef::Main, Some(series)) => Some(TaskRef::Series(series)),
            (TaskRef::Series(series), Some(primary)) if *series == primary => Some(TaskRef::Main),
            _ => None,
        };
        let now = self.tick();
        let bug = self.bug_mut(id);
        let unties = changes.iter().any(|change| *change == Change::Status(WONT_FIX.to_owned()))
            && matches!(which, TaskRef::Series(_));
        for change in changes {
            match change {
                Change::Title(title) => bug.title.clone_from(title),
                Change::Description(text) => bug.description.clone_from(text),
                Change::Tags(tags) => bug.tags = normalize_tags(tags),
                Change::Package(package) => {
                    bug.task.package.clone_from(package);
                    for series_task in &mut bug.series_tasks {
                        series_task.task.package.clone_from(package);
                    }
                }
                Change::Status(_) | Change::Importance(_) | Change::Assignee(_) => {
                    let task = bug.task_of_mut(which);
                    match change {
                        Change::Status(status) => task.transition(status, now),
                        Change::Importance(importance) => task.importance.clone_from(importance),
                        Change::Assignee(assignee) => task.assign(assignee.clone(), now),
                        _ => unreachable!("a task change"),
                    }
                    if let Some(other) = other.as_ref().filter(|_| !unties) {
                        let edited = bug.task_of_mut(which).clone();
                        bug.task_of_mut(other).copy_conjoined(&edited, change);
                    }
                }
            }
        }
        bug.date_last_updated = now;
        true
    }

    /// `newMessage`: a comment (subject `Re: <title of message 0>` if none is given); returns its
    /// index. It bumps `date_last_updated` and `date_last_message`.
    pub fn new_message(&mut self, id: u64, owner: &str, subject: Option<&str>, content: &str) -> usize {
        let now = self.tick();
        let bug = self.bug_mut(id);
        let subject = subject
            .filter(|subject| !subject.is_empty())
            .map_or_else(|| format!("Re: {}", bug.messages[0].subject), str::to_owned);
        bug.messages.push(Message { subject, content: content.to_owned(), owner: owner.to_owned(), date_created: now });
        // `Bug.linkMessage`: every Incomplete task of the bug now has a response.
        for task in std::iter::once(&mut bug.task).chain(bug.series_tasks.iter_mut().map(|task| &mut task.task)) {
            if task.status == "Incomplete" {
                task.responded = true;
            }
        }
        bug.date_last_updated = now;
        bug.date_last_message = Some(now);
        bug.messages.len() - 1
    }

    /// `subscribe`: a person already subscribed keeps their subscription. Subscriptions are no
    /// field of the bug: they change neither its `date_last_updated` nor its entity tag.
    pub fn subscribe(&mut self, id: u64, person: &str, by: &str) {
        if self.bug(id).is_some_and(|bug| bug.subscriptions.iter().any(|sub| sub.person == person)) {
            return;
        }
        let now = self.tick();
        self.bug_mut(id).subscriptions.push(Subscription {
            person: person.to_owned(),
            subscribed_by: by.to_owned(),
            date_created: now,
        });
    }

    /// `unsubscribe`: nothing happens if the person is not subscribed.
    pub fn unsubscribe(&mut self, id: u64, person: &str) {
        if self.bug(id).is_some_and(|bug| bug.subscriptions.iter().any(|sub| sub.person == person)) {
            self.tick();
            self.bug_mut(id).subscriptions.retain(|sub| sub.person != person);
        }
    }

    // Rendering. `api` is the version root the request named (`http://127.0.0.1:PORT/1.0`).

    pub fn person_link(api: &str, name: &str) -> String {
        format!("{api}/~{name}")
    }

    pub fn package_link(api: &str, package: &str) -> String {
        format!("{api}/ubuntu/+source/{package}")
    }

    pub fn series_package_link(api: &str, series: &str, package: &str) -> String {
        format!("{api}/ubuntu/{series}/+source/{package}")
    }

    /// The path of the bug's main task.
    pub fn task_path(bug: &Bug) -> String {
        format!("/ubuntu/+source/{}/+bug/{}", bug.task.package, bug.id)
    }

    /// The path of one of the bug's tasks.
    pub fn task_path_of(bug: &Bug, which: &TaskRef) -> String {
        match which {
            TaskRef::Main => Self::task_path(bug),
            TaskRef::Series(series) => format!("/ubuntu/{series}/+source/{}/+bug/{}", bug.task.package, bug.id),
        }
    }

    pub fn bug_json(&self, bug: &Bug, api: &str) -> Value {
        let values = json!({
            "id": bug.id,
            "title": bug.title,
            "description": bug.description,
            "tags": bug.tags,
            "owner_link": Self::person_link(api, &bug.owner),
            "date_created": format_time(bug.date_created),
            "date_last_updated": format_time(bug.date_last_updated),
            "date_last_message": bug.date_last_message.map(format_time),
            "date_made_private": null,
            "duplicate_of_link": null,
            "who_made_private_link": null,
            "latest_patch_uploaded": null,
            "name": null,
            "information_type": "Public",
            "private": false,
            "security_related": false,
            "can_expire": false,
            "heat": 0,
            "message_count": bug.messages.len(),
            "number_of_duplicates": 0,
            "users_affected_count": 1,
            "users_affected_count_with_dupes": 1,
            "users_unaffected_count": 0,
            "other_users_affected_count_with_dupes": 0,
        });
        let path = format!("/bugs/{}", bug.id);
        self.entry("bug", api, &path, values)
    }

    /// The bug's main task.
    pub fn task_json(&self, bug: &Bug, api: &str) -> Value {
        self.task_json_of(bug, &TaskRef::Main, api)
    }

    /// One of the bug's tasks (which it has). A series task's target is the source package in
    /// the series (`SourcePackage.bugtargetname`: `<package> (Ubuntu Noble)`).
    pub fn task_json_of(&self, bug: &Bug, which: &TaskRef, api: &str) -> Value {
        let task = bug.task_of(which).expect("the caller checked the task exists");
        let (target, target_link) = match which {
            TaskRef::Main => (format!("{} (Ubuntu)", task.package), Self::package_link(api, &task.package)),
            TaskRef::Series(series) => (
                format!("{} ({})", task.package, full_series_name(series)),
                Self::series_package_link(api, series, &task.package),
            ),
        };
        let date = |date: Option<i64>| date.map(format_time);
        let values = json!({
            "assignee_link": task.assignee.as_ref().map(|name| Self::person_link(api, name)),
            "bug_link": format!("{api}/bugs/{}", bug.id),
            "bug_target_display_name": target,
            "bug_target_name": target,
            "bug_watch_link": null,
            "date_assigned": date(task.date_assigned),
            "date_closed": date(task.date_closed),
            "date_confirmed": date(task.date_confirmed),
            "date_created": format_time(task.date_created),
            "date_fix_committed": date(task.date_fix_committed),
            "date_fix_released": date(task.date_fix_released),
            "date_in_progress": date(task.date_in_progress),
            "date_incomplete": date(task.date_incomplete),
            "date_left_closed": date(task.date_left_closed),
            "date_left_new": date(task.date_left_new),
            "date_triaged": date(task.date_triaged),
            "importance": task.importance,
            "is_complete": RESOLVED.contains(&task.status.as_str()),
            "milestone_link": null,
            "owner_link": Self::person_link(api, &task.owner),
            "status": task.status,
            "target_link": target_link,
            "title": format!("Bug #{} in {target}: \"{}\"", bug.id, bug.title),
        });
        self.entry("bug_task", api, &Self::task_path_of(bug, which), values)
    }

    /// Every task of the bug in `Bug.bugtasks` order: the main task, then the series tasks.
    pub fn tasks_json(&self, bug: &Bug, api: &str) -> Vec<Value> {
        std::iter::once(TaskRef::Main)
            .chain(bug.series_tasks_in_order().into_iter().map(|task| TaskRef::Series(task.series.clone())))
            .map(|which| self.task_json_of(bug, &which, api))
            .collect()
    }

    pub fn message_json(&self, bug: &Bug, index: usize, api: &str) -> Value {
        let message = &bug.messages[index];
        let values = json!({
            "content": message.content,
            "subject": message.subject,
            "owner_link": Self::person_link(api, &message.owner),
            "date_created": format_time(message.date_created),
            "date_deleted": null,
            "date_last_edited": null,
            "parent_link": null,
        });
        let path = format!("{}/comments/{index}", Self::task_path(bug));
        self.entry("message", api, &path, values)
    }

    pub fn subscription_json(&self, bug: &Bug, subscription: &Subscription, api: &str) -> Value {
        let values = json!({
            "bug_link": format!("{api}/bugs/{}", bug.id),
            "person_link": Self::person_link(api, &subscription.person),
            "subscribed_by_link": Self::person_link(api, &subscription.subscribed_by),
            "date_created": format_time(subscription.date_created),
        });
        let path = format!("/bugs/{}/+subscription/{}", bug.id, subscription.person);
        self.entry("bug_subscription", api, &path, values)
    }

    pub fn person_json(&self, person: &Person, api: &str) -> Value {
        let mut values = json!({
            "name": person.name,
            "display_name": person.display_name,
            "is_team": person.is_team,
            "date_created": format_time(time::parse_datetime(REGISTERED).expect("REGISTERED is a date-time")),
            "description": null,
            "hide_email_addresses": false,
            "is_probationary": false,
            "is_ubuntu_coc_signer": false,
            "is_valid": !person.is_team,
            "karma": 0,
            "mailing_list_auto_subscribe_policy": "Ask me when I join a team",
            "private": false,
            "visibility": "Public",
            "time_zone": "UTC",
        });
        if person.is_team {
            values["team_owner_link"] = json!(Self::person_link(api, BOT));
            values["membership_policy"] = json!("Moderated Team");
            values["subscription_policy"] = json!("Moderated Team");
            values["renewal_policy"] = json!("invite them to apply for renewal");
        }
        let kind = if person.is_team { "team" } else { "person" };
        self.entry(kind, api, &format!("/~{}", person.name), values)
    }

    pub fn distribution_json(&self, api: &str) -> Value {
        let values = json!({
            "name": "ubuntu",
            "display_name": "Ubuntu",
            "title": "Ubuntu",
            "summary": "Ubuntu is a complete Linux-based operating system.",
            "description": "Ubuntu is a complete Linux-based operating system, freely available with both community and professional support.",
            "date_created": format_time(time::parse_datetime(REGISTERED).expect("REGISTERED is a date-time")),
            "domain_name": "ubuntu.com",
            "active": true,
            "official_answers": true,
            "official_blueprints": true,
            "official_bugs": true,
            "official_codehosting": false,
            "official_packages": true,
            "official_bug_tags": [],
            "current_series_link": self.current_series.as_ref().map(|series| format!("{api}/ubuntu/{series}")),
            "redirect_default_traversal": false,
            "redirect_release_uploads": false,
            "supports_mirrors": true,
            "supports_ppas": true,
        });
        self.entry("distribution", api, "/ubuntu", values)
    }

    pub fn package_json(&self, package: &str, api: &str) -> Value {
        let values = json!({
            "name": package,
            "display_name": format!("{package} in Ubuntu"),
            "title": format!("{package} package in Ubuntu"),
            "distribution_link": format!("{api}/ubuntu"),
            "official_bug_tags": [],
        });
        self.entry("distribution_source_package", api, &format!("/ubuntu/+source/{package}"), values)
    }

    /// A series of Ubuntu (a valid name), with what the fake knows of it: the current series is
    /// in Active Development, any other Supported.
    pub fn series_json(&self, series: &str, api: &str) -> Value {
        let current = self.current_series.as_deref() == Some(series);
        let values = json!({
            "name": series,
            "displayname": capitalize(series),
            "fullseriesname": full_series_name(series),
            "version": series_version(series),
            "status": if current { "Active Development" } else { "Supported" },
            "active": true,
            "supported": !current,
            "distribution_link": format!("{api}/ubuntu"),
            "official_bug_tags": [],
        });
        self.entry("distro_series", api, &format!("/ubuntu/{series}"), values)
    }

    /// A source package in a series of Ubuntu (`SourcePackage`).
    pub fn series_package_json(&self, series: &str, package: &str, api: &str) -> Value {
        let values = json!({
            "name": package,
            "displayname": format!("{package} in Ubuntu {}", capitalize(series)),
            "distribution_link": format!("{api}/ubuntu"),
            "distroseries_link": format!("{api}/ubuntu/{series}"),
            "official_bug_tags": [],
        });
        self.entry("source_package", api, &format!("/ubuntu/{series}/+source/{package}"), values)
    }

    /// An entry of `kind` at `path`: every field of the WADL's `<kind>-full` representation, from
    /// `values` or else as Launchpad renders an empty one (collection links under the entry,
    /// bytes fields as links to them, null), and its entity tag.
    fn entry(&self, kind: &str, api: &str, path: &str, values: Value) -> Value {
        let Value::Object(mut values) = values else { panic!("entry values are an object") };
        let self_link = format!("{api}{path}");
        let wadl = wadl();
        let mut entry = Map::new();
        for field in wadl.fields(&format!("{kind}-full")) {
            let name = field.name.as_str();
            let value = match name {
                "self_link" => json!(self_link),
                "web_link" => json!(format!("{}{path}", self.root)),
                "resource_type_link" => json!(format!("{api}/#{kind}")),
                "http_etag" => continue,
                _ => match values.remove(name) {
                    Some(value) => value,
                    None => match name.strip_suffix("_collection_link") {
                        Some(collection) => json!(format!("{self_link}/{collection}")),
                        None if ["mugshot_link", "logo_link", "icon_link"].contains(&name) => {
                            json!(format!("{self_link}/{}", name.trim_end_matches("_link")))
                        }
                        None => Value::Null,
                    },
                },
            };
            entry.insert(name.to_owned(), value);
        }
        assert!(values.is_empty(), "{kind} has no fields {:?} in the WADL", values.keys().collect::<Vec<_>>());
        let etag = etag(kind, &entry);
        entry.insert("http_etag".to_owned(), json!(etag));
        Value::Object(entry)
    }
}

/// lazr.restful's entity tag of an entry: a hash of the fields a client cannot write, a dash, and a hash
/// of those it can (with the media type), quoted.
fn etag(kind: &str, entry: &Map<String, Value>) -> String {
    let wadl = wadl();
    let writable: Vec<&str> = wadl.fields(&format!("{kind}-diff")).iter().map(|field| field.name.as_str()).collect();
    let (mut unwritable_hash, mut writable_hash) = (Sha256::new(), Sha256::new());
    for (name, value) in entry {
        if ["self_link", "web_link", "resource_type_link"].contains(&name.as_str()) {
            continue;
        }
        let hash = if writable.contains(&name.as_str()) { &mut writable_hash } else { &mut unwritable_hash };
        hash.update(value.to_string().as_bytes());
        hash.update(b"\0");
    }
    writable_hash.update(b"\0application/json");
    let digest = |hash: Sha256| -> String { hex(&hash.finalize()[..20]) };
    format!("\"{}-{}\"", digest(unwritable_hash), digest(writable_hash))
}

/// The part of an entity tag a conditional write compares (lazr.restful's `extract_write_portion`),
/// after `mod_compress`'s `-gzip` suffix is taken off as Launchpad does.
pub fn write_portion(etag: &str) -> &str {
    let etag = etag.trim();
    let etag = etag.strip_suffix("-gzip").unwrap_or(etag);
    let etag = etag.strip_suffix("-gzip\"").map_or(etag.trim_matches('"'), |rest| rest.trim_matches('"'));
    etag.rsplit_once('-').map_or(etag, |(_, write)| write)
}
