//! A tracker's policy: its `docket.toml` and the workflow governing each record kind, read
//! from wherever the caller says — the work tree, the index being committed, or a commit's tree
//! (a server has no work tree).

use crate::config::{CONFIG_FILE, Config};
use crate::diagnostic::Diagnostic;
use crate::format::RecordRules;
use crate::model::Kind;
use crate::workflow::Workflow;

/// The configuration and workflows records are judged by.
#[derive(Debug, Clone)]
pub struct Policy {
    pub config: Config,
    /// The workflows of issues, MIR bugs and milestones, in `Kind::ALL` order.
    workflows: Vec<Workflow>,
}

/// Why the policy could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("there is no docket.toml")]
    NoConfig,
    #[error("docket.toml has problems")]
    Config(Vec<Diagnostic>),
    #[error("the `{name}` workflow has problems")]
    Workflow { name: String, diagnostics: Vec<Diagnostic> },
    #[error("no workflow called `{name}` (configured for {kind} records in docket.toml)")]
    UnknownWorkflow { name: String, kind: Kind },
    #[error("the `{name}` workflow is for {found} records, but docket.toml uses it for {kind} records")]
    WrongKind { name: String, kind: Kind, found: Kind },
    #[error("cannot read {path}: {reason}")]
    Read { path: String, reason: String },
}

impl Policy {
    /// Reads the policy through `read`, which returns the text of a file given relative to the
    /// tracker root, or `None` when there is no such file.
    pub fn load(read: &dyn Fn(&str) -> Result<Option<String>, String>) -> Result<Self, PolicyError> {
        let fetch = |path: &str| read(path).map_err(|reason| PolicyError::Read { path: path.to_owned(), reason });
        let source = fetch(CONFIG_FILE)?.ok_or(PolicyError::NoConfig)?;
        let config = Config::parse(CONFIG_FILE, &source).map_err(PolicyError::Config)?;
        let mut workflows = Vec::new();
        for kind in Kind::ALL {
            let name = config.workflow_name(kind).to_owned();
            let own = format!("workflows/{name}.toml");
            let workflow = match fetch(&own)? {
                Some(source) => Workflow::parse(&own, &source)
                    .map_err(|diagnostics| PolicyError::Workflow { name: name.clone(), diagnostics })?,
                None => Workflow::built_in(&name)
                    .ok_or_else(|| PolicyError::UnknownWorkflow { name: name.clone(), kind })?,
            };
            if workflow.kind != kind {
                return Err(PolicyError::WrongKind { name, kind, found: workflow.kind });
            }
            workflows.push(workflow);
        }
        Ok(Self { config, workflows })
    }

    /// Whether `record` is still open: its state is neither one of the `done` stages
    /// ([`crate::plan::done_stages`]) nor terminal in its workflow.
    pub fn is_open(&self, done: &[String], record: &crate::model::Record) -> bool {
        let workflow = self.workflow(record.kind());
        let state = workflow.state_of(record);
        !done.contains(&state) && workflow.state(&state).is_none_or(|s| !s.terminal)
    }

    /// The workflow governing `kind`.
    pub fn workflow(&self, kind: Kind) -> &Workflow {
        let index = Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL");
        &self.workflows[index]
    }

    /// What a record of `kind` is checked against when parsed: its workflow's states and the
    /// declared custom fields.
    pub fn rules(&self, kind: Kind) -> RecordRules {
        let workflow = self.workflow(kind);
        RecordRules {
            states: workflow.field_values(),
            workflow: workflow.name.clone(),
            custom_fields: self.config.custom_fields(kind).to_vec(),
            is_record: true,
        }
    }
}
