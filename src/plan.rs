//! Planning, pure: capacity and readiness of milestones from records and settings.
//!
//! Capacity is counted in weight: each person's working days (`[capacity]`, after PTO) times
//! the velocity (weight completed per working day), less the share of time kept for
//! refinement (seed 003: 20%).

use crate::config::Config;
use crate::model::{Body, Milestone, Record};

/// Planning settings from `docket.toml` `[planning]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The label marking committed work (seed 003).
    pub deliverable_label: String,
    /// Weight completed per working day when history gives none.
    pub default_velocity: f64,
    /// Share of time spent refining, 0 to 1.
    pub refinement_share: f64,
    /// Stages in which an issue is not yet refined.
    pub unrefined_stages: Vec<String>,
}

impl Settings {
    #[allow(clippy::cast_precision_loss)] // settings are small numbers
    pub fn from_config(config: &Config) -> Self {
        let planning = config.table.get("planning").and_then(toml::Value::as_table);
        let number = |key: &str, default: f64| {
            planning
                .and_then(|p| p.get(key))
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|n| n as f64)))
                .unwrap_or(default)
        };
        let unrefined = planning.and_then(|p| p.get("unrefined_stages")).and_then(toml::Value::as_array).map_or_else(
            || vec!["refinement".to_owned(), "triage".to_owned(), "planning".to_owned()],
            |a| a.iter().filter_map(toml::Value::as_str).map(str::to_owned).collect(),
        );
        Self {
            deliverable_label: planning
                .and_then(|p| p.get("deliverable_label"))
                .and_then(toml::Value::as_str)
                .unwrap_or("Deliverable")
                .to_owned(),
            default_velocity: number("default_velocity", 0.5),
            refinement_share: number("refinement_share", 0.2),
            unrefined_stages: unrefined,
        }
    }
}

/// The milestone's capacity in weight.
pub fn capacity(milestone: &Milestone, settings: &Settings) -> f64 {
    let days: f64 = milestone.capacity.iter().map(|(_, days)| days).sum();
    days * settings.default_velocity * (1.0 - settings.refinement_share)
}

/// Whether the milestone `id` may be finalized with `issues`: every Deliverable in it refined
/// and weighted, and their weight within capacity. `Err` lists what stops it.
pub fn readiness(id: &str, milestone: &Milestone, issues: &[Record], settings: &Settings) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut committed = 0u32;
    for record in issues {
        let Body::Issue(issue) = &record.body else { continue };
        if issue.milestone.as_deref() != Some(id) || !issue.labels.contains(&settings.deliverable_label) {
            continue;
        }
        match issue.weight {
            Some(weight) => committed += u32::from(weight),
            None => problems.push(format!("the Deliverable `{}` has no weight", record.id)),
        }
        let unrefined_label = issue.labels.iter().any(|l| l == "workflow::refinement");
        if settings.unrefined_stages.contains(&issue.stage) || unrefined_label {
            problems.push(format!("the Deliverable `{}` is not refined yet (stage `{}`)", record.id, issue.stage));
        }
    }
    let capacity = capacity(milestone, settings);
    if f64::from(committed) > capacity + 1e-9 {
        problems.push(format!(
            "the Deliverables weigh {committed}, over the capacity of {capacity:.1} (mark the overflow `Stretch`)"
        ));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{RecordRules, parse_record};
    use crate::model::Kind;

    fn issue(id: &str, text: &str) -> Record {
        parse_record(Kind::Issue, id, id, text, &RecordRules::default()).record.expect("valid")
    }

    #[test]
    fn readiness_counts_deliverables_against_capacity() {
        let settings = Settings {
            deliverable_label: "Deliverable".into(),
            default_velocity: 0.5,
            refinement_share: 0.2,
            unrefined_stages: vec!["refinement".into()],
        };
        // 10 + 10 days × 0.5 × 0.8 = 8 weight.
        let milestone = Milestone { capacity: vec![("ana".into(), 10.0), ("bo".into(), 10.0)], ..Milestone::default() };
        assert!((capacity(&milestone, &settings) - 8.0).abs() < 1e-9);
        let base = "title = \"x\"\ntype = \"feature\"\nmilestone = \"16-7\"\n";
        let issues = vec![
            issue("a", &format!("{base}stage = \"in_dev\"\nweight = 5\nlabels = [\"Deliverable\"]\n")),
            issue("b", &format!("{base}stage = \"ready_for_development\"\nweight = 3\nlabels = [\"Deliverable\"]\n")),
            issue("c", &format!("{base}stage = \"ready_for_development\"\nweight = 4\nlabels = [\"Stretch\"]\n")),
        ];
        assert_eq!(readiness("16-7", &milestone, &issues, &settings), Ok(()));
        let mut more = issues.clone();
        more.push(issue("d", &format!("{base}stage = \"refinement\"\nlabels = [\"Deliverable\"]\n")));
        more.push(issue("e", &format!("{base}stage = \"in_dev\"\nweight = 1\nlabels = [\"Deliverable\"]\n")));
        assert_eq!(
            readiness("16-7", &milestone, &more, &settings),
            Err(vec![
                "the Deliverable `d` has no weight".to_owned(),
                "the Deliverable `d` is not refined yet (stage `refinement`)".to_owned(),
                "the Deliverables weigh 9, over the capacity of 8.0 (mark the overflow `Stretch`)".to_owned(),
            ])
        );
    }
}
