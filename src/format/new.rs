//! The text of a new record: the fields given on the command line in the canonical order,
//! and, for `$EDITOR`, a template with the kind's section headings.

use std::fmt::Write as _;

use toml_edit::Value;

use crate::model::Kind;

/// The fields of a record about to be created, in the order they will be written.
#[derive(Debug, Clone, Default)]
pub struct NewRecord {
    pub fields: Vec<(String, Value)>,
}

impl NewRecord {
    /// Adds `key = value`, replacing an earlier value of the same key.
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.fields.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((key.to_owned(), value)),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|(k, _)| k == key)
    }

    /// The file text: one `key = value` line per field; tables (`[capacity]`) go last.
    pub fn to_toml(&self) -> String {
        let mut text = String::new();
        for (key, value) in &self.fields {
            let mut value = value.clone();
            value.decor_mut().clear();
            let _ = writeln!(text, "{key} = {value}");
        }
        text
    }
}

/// The description a new record starts with when it is written in `$EDITOR`.
pub fn description_template(kind: Kind, workflow: &str) -> &'static str {
    match (kind, workflow) {
        (Kind::Issue, "refinement") => {
            "## Context\n\n\n## References and Resources\n\n\n## Proposal\n\n\n## Definition of Done / Acceptance Criteria\n\n"
        }
        (Kind::Issue, "support") => {
            "## Ask\n\n\n## Background and context\n\n\n## Impact\n\n\n## Anything else that helps\n\n"
        }
        (Kind::Issue, _) => "## Context\n\n\n## Request\n\n",
        (Kind::Mir, _) => MIR_REPORTER_SECTIONS,
        (Kind::Milestone, _) => "## Goals\n\n",
    }
}

/// The section headings of the MIR reporter template (github.com/canonical/ubuntu-mir),
/// each to be filled in as that template asks.
const MIR_REPORTER_SECTIONS: &str = "[Availability]\n\n[Rationale]\n\n[Security]\n\n\
[Quality assurance - function/usage]\n\n[Quality assurance - maintenance]\n\n\
[Quality assurance - testing]\n\n[Quality assurance - packaging]\n\n[UI standards]\n\n\
[Dependencies]\n\n[Standards compliance]\n\n[Maintenance/Owner]\n\n[Background information]\n";

/// The comment block opening a record opened in `$EDITOR`, naming the fields one may add.
pub fn editor_preamble(kind: Kind) -> String {
    let mut text = format!(
        "# New {kind}. Fill in the fields, save and close the editor. This help is removed when\n# you save, unless you edit it; other # lines are TOML comments and stay in the file.\n# Fields you may add:\n"
    );
    for spec in super::fields::fields_of(kind) {
        let _ = writeln!(text, "#   {:<18} {}", spec.name, spec.doc);
    }
    text
}
