//! Command failures, their exit codes (PRODUCT.md §6) and how they read.

use std::fmt::Write as _;
use std::process::ExitCode;

use docket::diagnostic::Diagnostic;
use docket::store::StoreError;
use docket::tracker::TrackerError;

use crate::render;
use crate::ui::Style;

/// Exit code for usage and input errors (PRODUCT.md §6).
pub const EXIT_INPUT: u8 = 2;

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
}

impl From<TrackerError> for CliError {
    fn from(error: TrackerError) -> Self {
        CliError::Tracker(error)
    }
}

impl CliError {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CliError::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(EXIT_INPUT)
    }

    /// The message for stderr.
    pub fn render(&self, style: Style) -> String {
        let (message, hint) = match self {
            CliError::Diagnostics(list) => return render::diagnostics(list, style),
            CliError::Usage { message, hint } => (message.clone(), hint.clone()),
            CliError::Io { message, source } => (format!("{message}: {source}"), None),
            CliError::Tracker(error) => match error {
                TrackerError::Config(list) | TrackerError::Workflow { diagnostics: list, .. } => {
                    return render::diagnostics(list, style);
                }
                TrackerError::Store(StoreError::NotARepository(_)) => {
                    (error.to_string(), Some("run `git init` first, or pass -C PATH to work in another repository".to_owned()))
                }
                TrackerError::Store(StoreError::Bare(_)) => {
                    (error.to_string(), Some("clone it and run docket in the clone's work tree".to_owned()))
                }
                TrackerError::NotATracker(_) => {
                    (error.to_string(), Some("run `docket init` to create a tracker, or pass -C PATH to one".to_owned()))
                }
                TrackerError::Read { source, .. } | TrackerError::Write { source, .. } => (format!("{error}: {source}"), None),
                TrackerError::UnknownWorkflow { .. } => (
                    error.to_string(),
                    Some("use ops, refinement, support, mir or milestone, or add workflows/<name>.toml".to_owned()),
                ),
                TrackerError::InvalidId { .. } => (error.to_string(), Some("ids are lowercase letters, digits and `-`".to_owned())),
                TrackerError::NoSuchRecord(_) => (error.to_string(), Some("run `docket list` to see the ids".to_owned())),
                TrackerError::Ambiguous { prefix, candidates } => {
                    let mut message = format!("the id prefix `{prefix}` is ambiguous; it could be:");
                    for candidate in candidates {
                        let _ = write!(message, "\n    {}  {:<9}  {}", style.id(&candidate.id), candidate.kind.name(), candidate.title);
                    }
                    (message, Some("type more characters of the id".to_owned()))
                }
                TrackerError::OutsideRepository { .. } => {
                    (error.to_string(), Some("pick a folder inside the repository".to_owned()))
                }
            },
        };
        let mut text = format!("{}{} {message}\n", style.error("error"), style.bold(":"));
        if let Some(hint) = hint {
            let _ = writeln!(text, "{} {hint}", style.hint("hint:"));
        }
        text
    }
}
