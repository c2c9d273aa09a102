//! Command failures, their exit codes (PRODUCT.md §6) and how they read.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::diagnostic::Diagnostic;
use docket::policy::PolicyError;
use docket::store::StoreError;
use docket::tracker::TrackerError;

use crate::render;
use crate::ui::Style;

/// Exit code for violations: a workflow broken, a hook refusing (PRODUCT.md §6).
pub const EXIT_VIOLATIONS: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_INPUT: u8 = 2;
/// Exit code for internal failures: git or the search index failing under docket, or a bug
/// (a panic exits with it too).
pub const EXIT_INTERNAL: u8 = 101;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    Tracker(TrackerError),
    /// Problems in the user's files: exit 2.
    Diagnostics(Vec<Diagnostic>),
    /// A bad argument or a request that cannot be met: exit 2.
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// Something outside docket failed (an editor, a file we were told to read): exit 2.
    Io {
        message: String,
        source: std::io::Error,
    },
    /// What docket stands on failed (the search index, git under a hook): exit 101.
    Internal {
        message: String,
        hint: Option<String>,
    },
}

impl From<TrackerError> for CliError {
    fn from(error: TrackerError) -> Self {
        CliError::Tracker(error)
    }
}

impl From<StoreError> for CliError {
    fn from(error: StoreError) -> Self {
        CliError::Tracker(TrackerError::Store(error))
    }
}

impl From<PolicyError> for CliError {
    fn from(error: PolicyError) -> Self {
        CliError::Tracker(TrackerError::Policy(error))
    }
}

impl From<docket::check::CheckError> for CliError {
    fn from(error: docket::check::CheckError) -> Self {
        match error {
            docket::check::CheckError::Store(error) => error.into(),
            docket::check::CheckError::Tracker(error) => error.into(),
        }
    }
}

impl CliError {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage { message: message.into(), hint: Some(hint.into()) }
    }

    /// The exit code (PRODUCT.md §6), decided here for every failure: 101 when git or the
    /// search index failed under docket, 2 for everything the user's input or files caused.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Internal { .. } | CliError::Tracker(TrackerError::Store(StoreError::Git { .. })) => {
                ExitCode::from(EXIT_INTERNAL)
            }
            _ => ExitCode::from(EXIT_INPUT),
        }
    }

    /// The message for stderr.
    pub fn render(&self, style: Style) -> String {
        if let CliError::Tracker(error @ TrackerError::Store(StoreError::Locked { path, .. })) = self {
            let hint = format!(
                "if no git or docket command is running, one was killed and left the lock behind: `rm '{}'`, then run the command again",
                path.display()
            );
            return line(style, &error.to_string(), Some(&hint));
        }
        let (message, hint): (String, Option<&str>) = match self {
            CliError::Diagnostics(list) => return render::diagnostics(list, style),
            CliError::Usage { message, hint } | CliError::Internal { message, hint } => {
                (message.clone(), hint.as_deref())
            }
            CliError::Io { message, source } => (format!("{message}: {source}"), None),
            CliError::Tracker(TrackerError::Policy(error)) => return policy_message(error, style),
            CliError::Tracker(TrackerError::Ambiguous { prefix, candidates }) => {
                let mut message = format!("the id prefix `{prefix}` is ambiguous; it could be:");
                for candidate in candidates {
                    let _ = write!(
                        message,
                        "\n    {}  {:<9}  {}  ({})",
                        style.id(&candidate.id),
                        candidate.kind.name(),
                        candidate.title,
                        candidate.path
                    );
                }
                let same_id = candidates.windows(2).any(|pair| pair[0].id == pair[1].id);
                let hint = if same_id {
                    "two files have this id: rename one (ids are unique across issues, MIR bugs and milestones)"
                } else {
                    "type more characters of the id"
                };
                (message, Some(hint))
            }
            CliError::Tracker(error) => {
                let hint = match error {
                    TrackerError::Store(StoreError::NotARepository(_)) => {
                        Some("run `git init` first, or pass -C PATH to work in another repository")
                    }
                    TrackerError::Store(StoreError::Bare(_)) => {
                        Some("clone it and run docket in the clone's work tree")
                    }
                    TrackerError::Store(StoreError::NoSuchRevision(_)) => {
                        Some("name a branch, a tag or a commit id (`git log --oneline` lists them)")
                    }
                    TrackerError::NotATracker(_) => {
                        Some("run `docket init` to create a tracker, or pass -C PATH to one")
                    }
                    TrackerError::InvalidId { .. } => Some("ids are lowercase letters, digits and `-`"),
                    TrackerError::NoSuchRecord(_) => Some("run `docket list` to see the ids"),
                    TrackerError::OutsideRepository { .. } => Some("pick a folder inside the repository"),
                    _ => None,
                };
                let message = match error {
                    TrackerError::Read { source, .. } | TrackerError::Write { source, .. } => {
                        format!("{error}: {source}")
                    }
                    _ => error.to_string(),
                };
                (message, hint)
            }
        };
        line(style, &message, hint)
    }
}

fn line(style: Style, message: &str, hint: Option<&str>) -> String {
    let mut text = format!("{}{} {message}\n", style.error("error"), style.bold(":"));
    if let Some(hint) = hint {
        let _ = writeln!(text, "{} {hint}", style.hint("hint:"));
    }
    text
}

/// A problem with `docket.toml` or a workflow file, for stderr.
pub fn policy_message(error: &PolicyError, style: Style) -> String {
    let hint = match error {
        PolicyError::Config(list) | PolicyError::Workflow { diagnostics: list, .. } => {
            return render::diagnostics(list, style);
        }
        PolicyError::NoConfig => "run `docket init`, or pass -C PATH to a tracker",
        PolicyError::UnknownWorkflow { name, .. } => {
            let names = docket::workflow::BUILT_IN.iter().map(|(n, _)| *n);
            let hint = match docket::format::fields::closest(name, names) {
                Some(near) => format!("did you mean `{near}`? Or add workflows/{name}.toml"),
                None => format!("use ops, refinement, support, mir or milestone, or add workflows/{name}.toml"),
            };
            return line(style, &error.to_string(), Some(&hint));
        }
        PolicyError::WrongKind { .. } => "point docket.toml [workflows] at a workflow made for that kind",
        PolicyError::Read { .. } => "check the file's permissions",
    };
    line(style, &error.to_string(), Some(hint))
}
