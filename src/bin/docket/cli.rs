//! The command line: every subcommand and flag, as clap derives. Doc comments here are the
//! `--help` text people read, so they are not Markdown.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// docket: issues, milestones and MIR bugs as TOML files in your git repository
#[derive(Debug, Parser)]
#[command(name = "docket", version, about, long_about = None, propagate_version = true)]
#[command(after_help = "Run `docket <command> --help` for a command's flags. The book has the full guide.")]
pub struct Cli {
    /// Run as if docket was started in PATH, like `git -C`
    #[arg(short = 'C', value_name = "PATH", global = true)]
    pub directory: Option<PathBuf>,

    /// When to colour the output
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, value_name = "WHEN")]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a tracker (docket.toml and the record folders) in this git repository
    Init(InitArgs),
    /// Create a record and print its id
    New(NewArgs),
    /// Show one record
    Show(ShowArgs),
    /// List records, filtered and sorted
    List(ListArgs),
    /// Edit a record in $EDITOR, re-validated on save
    Edit(EditArgs),
    /// Change fields of a record in place, keeping its formatting
    Set(SetArgs),
    /// Add a comment to a record
    Comment(CommentArgs),
    /// Post an issue's weekly update, with its health status
    Update(UpdateArgs),
    /// Move a record to another state, through its workflow
    Move(MoveArgs),
    /// Give a record another id, updating every record that names it
    Rename(RenameArgs),
    /// Check records against their workflows (what the hooks and CI run)
    Check(CheckArgs),
    /// Install docket's git hooks
    Hook(HookArgs),
    /// Search every record: full text and fields, from an index that is never stale
    Search(SearchArgs),
    /// Show the search index's status, or rebuild it
    Index(IndexArgs),
    /// Keep the search index live while people edit, printing each record it re-indexes
    Watch(WatchArgs),
    /// Serve the tracker as a kanban board in the browser, on this machine only
    Serve(ServeArgs),
    /// What to work on next, in priority order
    Next(NextArgs),
    /// A milestone's plan: capacity against committed weight, Deliverable and Stretch
    Plan(PlanArgs),
    /// Reports: stale weekly updates, MIR bugs due to expire, undefined states, metrics
    Report(ReportArgs),
    /// A record's history: one entry per commit that changed it, with its field changes
    Log(LogArgs),
    /// Set up a clone: register the merge driver and install the hooks (git config is not cloned)
    Setup,
    /// Put records in the canonical layout (stable key order, one key per line), or check it
    Fmt(FmtArgs),
    /// Import records from another tracker
    Import(ImportArgs),
    /// Mirror the tracker to GitLab: push, pull or sync issues, milestones and comments
    Mirror(MirrorArgs),
    /// Merge three versions of a record field by field (git runs this; see `docket setup`)
    MergeDriver(MergeDriverArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the command reference as Markdown (for the book)
    #[command(hide = true)]
    Reference,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Put the tracker in this folder of the repository instead of its top
    #[arg(long, value_name = "PATH")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Issue,
    Mir,
    Milestone,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// What to create
    #[arg(value_enum)]
    pub kind: KindArg,
    /// The title (a MIR bug defaults to `[MIR] <package>`)
    #[arg(long, short)]
    pub title: Option<String>,
    /// Issue type: bug, feature or administrative [default: feature]
    #[arg(long = "type", value_name = "TYPE")]
    pub issue_type: Option<String>,
    /// Start in this stage instead of the workflow's initial one
    #[arg(long)]
    pub stage: Option<String>,
    /// A label; repeat or separate with commas
    #[arg(long = "label", short = 'l', value_name = "LABEL", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Who works on it
    #[arg(long)]
    pub assignee: Option<String>,
    /// Who asked for it
    #[arg(long)]
    pub requester: Option<String>,
    /// Milestone id
    #[arg(long)]
    pub milestone: Option<String>,
    /// Iteration name from docket.toml
    #[arg(long)]
    pub iteration: Option<String>,
    /// Weight, 1 to 5
    #[arg(long)]
    pub weight: Option<i64>,
    /// The description (Markdown)
    #[arg(long, short)]
    pub description: Option<String>,
    /// MIR bugs: the Ubuntu source package
    #[arg(long)]
    pub package: Option<String>,
    /// Milestones: the first day (YYYY-MM-DD)
    #[arg(long)]
    pub start: Option<String>,
    /// Milestones: the last day (YYYY-MM-DD)
    #[arg(long)]
    pub end: Option<String>,
    /// Use this id instead of a random one (e.g. `16-7` for a milestone)
    #[arg(long)]
    pub id: Option<String>,
    /// Open $EDITOR on the new record before creating it (the default without --title on a terminal)
    #[arg(long, short)]
    pub edit: bool,
    /// Print the new record as JSON instead of its id
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// Print the record as a JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only these kinds: issue, mir, milestone (repeat or separate with commas)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub kind: Vec<KindArg>,
    /// Only records in this stage (or MIR status); repeat for any of several
    #[arg(long, value_delimiter = ',', visible_alias = "status")]
    pub stage: Vec<String>,
    /// Only MIR bugs in this process state (unassigned, assigned_mir, …, undefined)
    #[arg(long, value_delimiter = ',')]
    pub state: Vec<String>,
    /// Only issues of this type
    #[arg(long = "type", value_name = "TYPE", value_delimiter = ',')]
    pub issue_type: Vec<String>,
    /// Only records with this label; repeat or separate with commas to require several;
    /// `scope::*` matches any value
    #[arg(long = "label", short = 'l', value_name = "LABEL", value_delimiter = ',')]
    pub labels: Vec<String>,
    /// Only records assigned to this person
    #[arg(long, value_delimiter = ',')]
    pub assignee: Vec<String>,
    /// Only issues in this milestone
    #[arg(long, value_delimiter = ',')]
    pub milestone: Vec<String>,
    /// Only issues and MIR bugs assigned to nobody
    #[arg(long, conflicts_with = "assignee")]
    pub unassigned: bool,
    /// Only records whose work goes on: not in a final state of their workflow, nor in a done
    /// stage (`[planning] done_stages`)
    #[arg(long)]
    pub open: bool,
    /// Sort by id, title, created, stage or weight
    #[arg(long, default_value = "id", value_parser = clap::builder::PossibleValuesParser::new(docket::query::SortKey::NAMES))]
    pub sort: String,
    /// Reverse the order
    #[arg(long, short)]
    pub reverse: bool,
    /// Read every file instead of asking the search index which ones may match
    #[arg(long)]
    pub no_index: bool,
    /// Print an array of records as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  docket update k3x9 --health on_track -m \"MR !815 ready; merging with Monday's sync\"\n  docket update k3x9 --health at_risk -m \"Blocked on legal review\""
)]
pub struct RenameArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// The new id: lowercase letters, digits and `-`, unused by any record
    pub new_id: String,
    /// Print what changed as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The issue's id or an unambiguous prefix of it
    pub id: String,
    /// The update: progress since the last one, the plan, any help needed
    #[arg(long, short)]
    pub message: String,
    /// The health status: on_track, needs_attention or at_risk (also set on the issue)
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(docket::model::Health::NAMES))]
    pub health: Option<String>,
    /// The author [default: git's user.name]
    #[arg(long)]
    pub author: Option<String>,
    /// Print the updated record as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  docket set k3x9 weight=3 assignee=jason\n  docket set k3x9 labels+=priority::1 labels-=priority::2\n  docket set k3x9 rice.reach=500 --unset blocked_reason\n  docket set 16-7 capacity.jason=8"
)]
pub struct SetArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// FIELD=VALUE to set, FIELD+=VALUE to add to a list, FIELD-=VALUE to remove from one; nested fields are dotted (rice.reach)
    #[arg(value_name = "FIELD=VALUE")]
    pub assignments: Vec<String>,
    /// Remove a field
    #[arg(long, value_name = "FIELD")]
    pub unset: Vec<String>,
    /// Print the updated record as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CommentArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// The comment's text (without it, $EDITOR opens)
    #[arg(long, short)]
    pub message: Option<String>,
    /// Read the text from a file, or from standard input with `-`
    #[arg(long, short = 'F', value_name = "FILE", conflicts_with = "message")]
    pub file: Option<PathBuf>,
    /// The author [default: git's user.name]
    #[arg(long)]
    pub author: Option<String>,
    /// Print the updated record as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  docket move k3x9 scheduling\n  docket move k3x9 blocked blocked_reason=\"waiting for the Zendesk sandbox\"\n  docket move cqa5 assigned_mir assignee=didrocks"
)]
pub struct MoveArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// The state to move to (for MIR bugs: one of the ten process states)
    pub state: String,
    /// Fields to set in the same change, as for `docket set`
    #[arg(value_name = "FIELD=VALUE")]
    pub assignments: Vec<String>,
    /// Add a comment in the same change (some moves need one, e.g. closing from triage)
    #[arg(long, short)]
    pub message: Option<String>,
    /// Print the moved record as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Without --staged or --range, checks every record in the work tree.\nExit status: 0 when nothing is wrong (warnings allowed), 1 on violations, 2 on usage errors."
)]
pub struct CheckArgs {
    /// Check what is being committed: the index against HEAD (the pre-commit hook)
    #[arg(long, conflicts_with = "range")]
    pub staged: bool,
    /// Check every commit of a range against its parent, e.g. origin/main..HEAD (CI)
    #[arg(long, value_name = "A..B", conflicts_with = "unpushed")]
    pub range: Option<String>,
    /// Check every commit of every local branch that REMOTE does not have yet, and where each
    /// branch would take the remote's copy (the pre-commit framework's pre-push entry)
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin", conflicts_with = "staged")]
    pub unpushed: Option<String>,
    /// Print {"violations": […]} as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Install pre-commit and pre-push hooks (or pre-receive with --server), keeping any hook
    /// already there: it is chained and runs after docket's check
    Install(HookInstallArgs),
    /// Run a hook (what the installed hook scripts call)
    #[command(hide = true)]
    Run(HookRunArgs),
}

#[derive(Debug, Args)]
pub struct HookInstallArgs {
    /// Install the pre-receive hook of a bare (server) repository
    #[arg(long)]
    pub server: bool,
    /// With --server: the tracker's folder inside the repository, if not its top
    #[arg(long, value_name = "PATH")]
    pub root: Option<String>,
}

#[derive(Debug, Args)]
pub struct HookRunArgs {
    /// The tracker's folder inside the repository ("" for its top)
    #[arg(long, default_value = "")]
    pub root: String,
    /// pre-commit, pre-push or pre-receive
    pub name: String,
    /// The arguments git gave the hook
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl KindArg {
    pub fn kind(self) -> docket::model::Kind {
        match self {
            KindArg::Issue => docket::model::Kind::Issue,
            KindArg::Mir => docket::model::Kind::Mir,
            KindArg::Milestone => docket::model::Kind::Milestone,
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_help = "Query language:\n  refund macro                 both words, stemmed, in any text field\n  \"refund macro\"               the phrase\n  refnd~   refnd~2             fuzzy: within 1 or 2 edits\n  stage:planning  type:bug  kind:mir  assignee:jason  milestone:16-7  package:libfoo\n  label:\"customer::enterprise\"  label:customer::*\n  weight:>=3  weight:2..4  created:>2026-01-01  updated:<=2026-11-30\n  title:refund                 one text field (title, description, comments, updates, ...)\n  a OR b   NOT a   -a   (a OR b) c"
)]
pub struct SearchArgs {
    /// The query; several words are joined with spaces (put `--` first when it starts with `-`)
    #[arg(required = true, value_name = "QUERY")]
    pub query: Vec<String>,
    /// Show at most this many results (0: all) [default: 20 on a terminal, all with --json]
    #[arg(long, short = 'n')]
    pub limit: Option<usize>,
    /// Order: relevance, created, updated or weight (newest or heaviest first)
    #[arg(long, default_value = "relevance", value_parser = ["relevance", "created", "updated", "weight"])]
    pub sort: String,
    /// Print an array of records with their `score` as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct IndexArgs {
    /// Throw the index away and build it again from the files
    #[arg(long)]
    pub rebuild: bool,
    /// Print the status as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 6419)]
    pub port: u16,
    /// Open the board in the web browser
    #[arg(long)]
    pub open: bool,
    /// The address to listen on. Anything but loopback lets other machines reach the board
    /// (the token still guards it)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Milliseconds to wait for a burst of saves to settle before indexing
    #[arg(long, default_value_t = 50)]
    pub debounce: u64,
    /// End when no search has asked for this many minutes (how a watcher a search started in
    /// the background ends)
    #[arg(long, value_name = "MINUTES")]
    pub idle: Option<u64>,
    /// End the watcher running for this tracker, and wait until it has
    #[arg(long, conflicts_with_all = ["idle", "debounce"])]
    pub stop: bool,
}

#[derive(Debug, Args)]
pub struct NextArgs {
    /// Only what this person may pick up (assigned to them, or to nobody)
    #[arg(long)]
    pub assignee: Option<String>,
    /// Show at most this many (0: all)
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Print an array of records with their `rank` and `reason` as JSON
    #[arg(long)]
    pub json: bool,
    /// Read every file instead of asking the search index which records may come first
    #[arg(long)]
    pub no_index: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The milestone's id or a prefix of it [default: the next to start]
    pub milestone: Option<String>,
    /// Label what fits `Deliverable` and what overflows `Stretch` (shows the diff first)
    #[arg(long)]
    pub apply: bool,
    /// Also draw the milestone's burndown (remaining committed weight per day) as SVG
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<std::path::PathBuf>,
    /// Read every file instead of asking the search index which records the plan needs
    #[arg(long)]
    pub no_index: bool,
    /// Print the plan as a JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// stale (weekly updates older than 7 days), expiring (MIR bugs due to move), undefined
    /// (records in states their workflow does not define), or metrics (time in each state,
    /// refinement, throughput, from git history)
    #[arg(value_parser = ["stale", "expiring", "undefined", "metrics"])]
    pub report: String,
    /// With `metrics`: also draw the cumulative flow by state as SVG
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<std::path::PathBuf>,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// The record's id or an unambiguous prefix of it
    pub id: String,
    /// Print the versions and their field changes as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MergeDriverArgs {
    /// The common ancestor's version (%O)
    pub base: std::path::PathBuf,
    /// Our version, overwritten with the result (%A)
    pub ours: std::path::PathBuf,
    /// Their version (%B)
    pub theirs: std::path::PathBuf,
    /// The file's path in the repository (%P)
    pub path: String,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Only report what is not in the canonical layout (a diff), exiting 1 if anything is
    #[arg(long)]
    pub check: bool,
    /// Move every record to the given layout (flat or sharded), update docket.toml and stage
    /// the change for one commit
    #[arg(long, value_name = "LAYOUT", value_parser = ["flat", "sharded"], conflicts_with = "check")]
    pub relayout: Option<String>,
    /// Only these records (ids or prefixes) [default: all]
    pub ids: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MirrorArgs {
    #[command(subcommand)]
    pub action: MirrorAction,
}

#[derive(Debug, Subcommand)]
pub enum MirrorAction {
    /// Write the tracker's committed changes to the service
    Push(MirrorRunArgs),
    /// Bring the service's changes into the tracker, in one commit the hooks accept
    Pull(MirrorRunArgs),
    /// Push and pull in one run
    Sync(MirrorRunArgs),
    /// Show what the last run left: when it synced, linked records, undecided ones
    Status(MirrorStatusArgs),
    /// Get a Launchpad token: authorize docket in the browser; the token is kept outside the repository
    Login(MirrorLoginArgs),
}

#[derive(Debug, Args)]
pub struct MirrorLoginArgs {
    /// The service (only Launchpad has a token exchange)
    #[arg(value_enum)]
    pub service: ServiceArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceArg {
    Gitlab,
    Launchpad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreferArg {
    /// The tracker's value wins a conflict
    Local,
    /// The service's value wins a conflict
    Remote,
}

#[derive(Debug, Args)]
pub struct MirrorRunArgs {
    /// The service
    #[arg(value_enum)]
    pub service: ServiceArg,
    /// Only these records (ids or unique prefixes) [default: every changed one]
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Show the field changes each side would get, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Resolve conflicts (a field changed on both sides) in favour of one side
    #[arg(long, value_enum)]
    pub prefer: Option<PreferArg>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MirrorStatusArgs {
    /// The service [default: every one configured in docket.toml]
    #[arg(value_enum)]
    pub service: Option<ServiceArg>,
    /// Print the status as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub source: ImportSource,
}

#[derive(Debug, Subcommand)]
pub enum ImportSource {
    /// Import a git-bug tracker (its refs/bugs/* and refs/identities/*) as issues, in one commit
    GitBug(ImportGitBugArgs),
}

#[derive(Debug, Args)]
pub struct ImportGitBugArgs {
    /// The git repository holding git-bug's refs [default: this one]
    pub path: Option<std::path::PathBuf>,
    /// Show what would be imported without committing
    #[arg(long)]
    pub dry_run: bool,
}
