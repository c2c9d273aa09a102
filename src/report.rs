//! Reports, pure: weekly updates gone stale (seed 000), and flow metrics from history — time
//! in each state, refinement time, issues refined per week, refinement against development
//! time (seed 003), and throughput.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::history::{History, stays};
use crate::model::{Body, Record};
use crate::time::{self, Timestamp};

const DAY: f64 = 86_400.0;

/// An issue whose weekly update is overdue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stale {
    pub id: String,
    pub path: String,
    pub title: String,
    pub assignee: Option<String>,
    pub stage: String,
    /// The date of the last update, if any.
    pub last_update: Option<String>,
    /// Days since the last update (or since the issue was created).
    pub days: i64,
}

/// Open, assigned issues whose last weekly update is older than `days` (seed 000: "every week,
/// … post a brief update"). `open` says whether a record's work goes on.
pub fn stale(records: &[Record], now: Timestamp, days: i64, open: &dyn Fn(&Record) -> bool) -> Vec<Stale> {
    let mut list: Vec<Stale> = records
        .iter()
        .filter(|r| open(r) && r.assignee().is_some())
        .filter_map(|record| {
            let Body::Issue(issue) = &record.body else { return None };
            let last = issue.updates.iter().filter_map(|u| u.date).max();
            let since = last.or(issue.created)?;
            let age = (now - since).div_euclid(86_400);
            (age > days).then(|| Stale {
                id: record.id.clone(),
                path: record.path.clone(),
                title: record.title().to_owned(),
                assignee: record.assignee().map(str::to_owned),
                stage: issue.stage.clone(),
                last_update: last.map(|t| time::date_of(t).to_string()),
                days: age,
            })
        })
        .collect();
    list.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.id.cmp(&b.id)));
    list
}

/// Time spent in one state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateTime {
    pub state: String,
    /// Stays that ended.
    pub stays: usize,
    pub average_days: f64,
    pub median_days: f64,
    /// Records in the state now.
    pub current: usize,
}

/// Seed 003's refinement metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    pub average_days: f64,
    /// ISO week → issues that left refinement for a later state that week.
    pub refined_per_week: BTreeMap<String, usize>,
    pub refinement_days: f64,
    pub development_days: f64,
}

/// Flow metrics from history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub states: Vec<StateTime>,
    pub refinement: Option<Refinement>,
    /// ISO week → records that reached a done state that week.
    pub throughput: BTreeMap<String, usize>,
}

/// The ISO week of an instant, as `2026-W48`.
pub fn iso_week(at: Timestamp) -> String {
    let days = at.div_euclid(86_400);
    let weekday = (days + 3).rem_euclid(7); // 1970-01-01 was a Thursday: Monday is 0
    let thursday = days - weekday + 3;
    let (year, _, _) = time::civil_from_days(thursday);
    let week = (thursday - time::days_from_civil(year, 1, 1)) / 7 + 1;
    format!("{year}-W{week:02}")
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) { f64::midpoint(values[mid - 1], values[mid]) } else { values[mid] }
}

/// Metrics over the history of the records under `folder` (`issues`). `order` lists the states
/// in workflow order (for the report); `refinement` and `development` name the states counted
/// as each; `done` the states that end work.
pub fn metrics(
    history: &History,
    folder: &str,
    now: Timestamp,
    order: &[String],
    refinement: &[&str],
    development: &[&str],
    done: &[String],
) -> Metrics {
    metrics_parts(history, folder, order, refinement, development, done).at(now)
}

/// The metrics of a history but for what depends on when they are read: the days that stays
/// still going have lasted so far are kept as a count and a sum of start times. They change
/// only with a commit, so `report metrics` caches them by commit ([`cached_metrics`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsParts {
    states: Vec<StateTime>,
    throughput: BTreeMap<String, usize>,
    /// Refinement stays that ended, and their average length in days.
    refinement_stays: usize,
    refinement_average_days: f64,
    refined_per_week: BTreeMap<String, usize>,
    /// Days of refinement and development stays that ended.
    ended_refinement_days: f64,
    ended_development_days: f64,
    /// Stays still going in refinement and in development: how many, and the sum of their
    /// start times.
    open_refinement: (i64, i64),
    open_development: (i64, i64),
}

impl MetricsParts {
    /// The metrics read at `now`.
    pub fn at(&self, now: Timestamp) -> Metrics {
        #[allow(clippy::cast_precision_loss)] // seconds of records' lives fit
        let so_far = |(count, starts): (i64, i64)| (count * now - starts) as f64 / DAY;
        let refinement_days = self.ended_refinement_days + so_far(self.open_refinement);
        let development_days = self.ended_development_days + so_far(self.open_development);
        Metrics {
            states: self.states.clone(),
            refinement: (self.refinement_stays > 0 || refinement_days > 0.0).then(|| Refinement {
                average_days: self.refinement_average_days,
                refined_per_week: self.refined_per_week.clone(),
                refinement_days,
                development_days,
            }),
            throughput: self.throughput.clone(),
        }
    }
}

/// [`MetricsParts`] of the records under `folder`; the arguments as for [`metrics`].
pub fn metrics_parts(
    history: &History,
    folder: &str,
    order: &[String],
    refinement: &[&str],
    development: &[&str],
    done: &[String],
) -> MetricsParts {
    let prefix = format!("{folder}/");
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut current: BTreeMap<String, usize> = BTreeMap::new();
    let mut refined_per_week: BTreeMap<String, usize> = BTreeMap::new();
    let mut throughput: BTreeMap<String, usize> = BTreeMap::new();
    let mut refinement_stays = Vec::new();
    let (mut ended_refinement_days, mut ended_development_days) = (0.0, 0.0);
    let (mut open_refinement, mut open_development) = ((0, 0), (0, 0));
    for (_, versions) in history.records.iter().filter(|(path, _)| path.starts_with(&prefix)) {
        let record_stays = stays(versions);
        for (index, stay) in record_stays.iter().enumerate() {
            let in_refinement = refinement.contains(&stay.state.as_str());
            let in_development = development.contains(&stay.state.as_str());
            let Some(until) = stay.until else {
                *current.entry(stay.state.clone()).or_default() += 1;
                for (counted, open) in [(in_refinement, &mut open_refinement), (in_development, &mut open_development)]
                {
                    if counted {
                        *open = (open.0 + 1, open.1 + stay.from);
                    }
                }
                continue;
            };
            #[allow(clippy::cast_precision_loss)] // seconds of a record's life fit
            let days = (until - stay.from) as f64 / DAY;
            durations.entry(stay.state.clone()).or_default().push(days);
            if in_refinement {
                ended_refinement_days += days;
                refinement_stays.push(days);
                let next = record_stays.get(index + 1).map(|s| s.state.as_str());
                if next.is_some_and(|n| !refinement.contains(&n)) {
                    *refined_per_week.entry(iso_week(until)).or_default() += 1;
                }
            }
            if in_development {
                ended_development_days += days;
            }
            let entered_done =
                done.contains(&stay.state) && (index == 0 || !done.contains(&record_stays[index - 1].state));
            if entered_done && index > 0 {
                *throughput.entry(iso_week(stay.from)).or_default() += 1;
            }
        }
        // A stay still going that entered done counts too.
        if let Some((index, stay)) = record_stays.iter().enumerate().next_back()
            && stay.until.is_none()
            && index > 0
            && done.contains(&stay.state)
            && !done.contains(&record_stays[index - 1].state)
        {
            *throughput.entry(iso_week(stay.from)).or_default() += 1;
        }
    }
    let mut names: Vec<String> = order.to_vec();
    for name in durations.keys().chain(current.keys()) {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    let states = names
        .into_iter()
        .filter(|name| durations.contains_key(name) || current.contains_key(name))
        .map(|state| {
            let mut values = durations.get(&state).cloned().unwrap_or_default();
            #[allow(clippy::cast_precision_loss)]
            let average = if values.is_empty() { 0.0 } else { values.iter().sum::<f64>() / values.len() as f64 };
            StateTime {
                stays: values.len(),
                average_days: average,
                median_days: median(&mut values),
                current: current.get(&state).copied().unwrap_or(0),
                state,
            }
        })
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let refinement_average_days = if refinement_stays.is_empty() {
        0.0
    } else {
        refinement_stays.iter().sum::<f64>() / refinement_stays.len() as f64
    };
    MetricsParts {
        states,
        throughput,
        refinement_stays: refinement_stays.len(),
        refinement_average_days,
        refined_per_week,
        ended_refinement_days,
        ended_development_days,
        open_refinement,
        open_development,
    }
}

/// The metrics of the tracker at `prefix`, as [`metrics`] computes them from its history, read
/// from `.git/docket/metrics.json` when it was computed at the commit `HEAD` is at with the same
/// arguments; else computed (reading the history, [`History::load`]) and kept there.
#[allow(clippy::too_many_arguments)]
pub fn cached_metrics(
    repo: &crate::store::Repo,
    prefix: &str,
    folder: &str,
    now: Timestamp,
    order: &[String],
    refinement: &[&str],
    development: &[&str],
    done: &[String],
) -> Result<Metrics, crate::store::StoreError> {
    #[derive(Serialize, Deserialize)]
    struct Cached {
        key: String,
        parts: MetricsParts,
    }
    const VERSION: u32 = 1;
    let key =
        serde_json::json!([VERSION, prefix, repo.head(), folder, order, refinement, development, done]).to_string();
    let path = crate::history::derived_path(repo, prefix, "metrics", ".json");
    if let Some(cached) = std::fs::read(&path).ok().and_then(|bytes| serde_json::from_slice::<Cached>(&bytes).ok())
        && cached.key == key
    {
        return Ok(cached.parts.at(now));
    }
    let history = History::load(repo, prefix)?;
    let parts = metrics_parts(&history, folder, order, refinement, development, done);
    if let Ok(bytes) = serde_json::to_vec(&Cached { key, parts: parts.clone() }) {
        crate::history::write_atomically(&path, &bytes);
    }
    Ok(parts.at(now))
}

/// The version of each record as it stood at the end of day `day` (days since the epoch).
fn as_of(versions: &[crate::history::Version], day: i64) -> Option<&crate::history::Version> {
    versions.iter().take_while(|v| v.time < (day + 1) * 86_400).last().filter(|v| v.blob.is_some())
}

/// Day labels `MM-DD` and day numbers from `from` to `to`.
fn days(from: Timestamp, to: Timestamp) -> Vec<(i64, String)> {
    (from.div_euclid(86_400)..=to.div_euclid(86_400))
        .map(|day| {
            let (_, month, date) = time::civil_from_days(day);
            (day, format!("{month:02}-{date:02}"))
        })
        .collect()
}

/// A milestone's burndown: per day from `start` to `end`, the committed weight (issues of the
/// milestone labelled `deliverable`) not yet done, as history shows it at the end of that day;
/// days after `now` have no value. The ideal line falls straight from the first day's weight
/// to zero on the last day.
pub fn burndown(
    history: &History,
    milestone: &str,
    start: Timestamp,
    end: Timestamp,
    now: Timestamp,
    done: &[String],
    deliverable: &str,
) -> (Vec<String>, Vec<crate::chart::Series>) {
    let days = days(start, end);
    let remaining: Vec<Option<f64>> = days
        .iter()
        .map(|(day, _)| {
            (*day <= now.div_euclid(86_400)).then(|| {
                history
                    .records
                    .values()
                    .filter_map(|versions| as_of(versions, *day))
                    .filter(|v| {
                        v.milestone.as_deref() == Some(milestone)
                            && v.labels.iter().any(|l| l == deliverable)
                            && !done.contains(&v.state)
                    })
                    .map(|v| f64::from(v.weight.unwrap_or(0)))
                    .sum()
            })
        })
        .collect();
    let first = remaining.first().copied().flatten().unwrap_or(0.0);
    #[allow(clippy::cast_precision_loss)]
    let ideal = (0..days.len()).map(|i| Some(first * (1.0 - i as f64 / (days.len().max(2) - 1) as f64))).collect();
    let labels = days.into_iter().map(|(_, label)| label).collect();
    (
        labels,
        vec![
            crate::chart::Series { name: "remaining".into(), values: remaining, dashed: false },
            crate::chart::Series { name: "ideal".into(), values: ideal, dashed: true },
        ],
    )
}

/// Cumulative flow: per day from the first commit to `now`, how many records under `folder`
/// (`issues`) were in each state (in `order`; states not in it follow).
pub fn flow(
    history: &History,
    now: Timestamp,
    order: &[String],
    folder: &str,
) -> (Vec<String>, Vec<crate::chart::Series>) {
    let prefix = format!("{folder}/");
    let records: Vec<&Vec<crate::history::Version>> =
        history.records.iter().filter(|(path, _)| path.starts_with(&prefix)).map(|(_, v)| v).collect();
    let first = records.iter().filter_map(|v| v.first()).map(|v| v.time).min().unwrap_or(now);
    let days = days(first, now);
    let mut states: Vec<String> = order.to_vec();
    for versions in &records {
        for version in *versions {
            if !version.state.is_empty() && !states.contains(&version.state) {
                states.push(version.state.clone());
            }
        }
    }
    let series = states
        .into_iter()
        .map(|state| {
            #[allow(clippy::cast_precision_loss)]
            let values = days
                .iter()
                .map(|(day, _)| {
                    Some(records.iter().filter_map(|v| as_of(v, *day)).filter(|v| v.state == state).count() as f64)
                })
                .collect();
            crate::chart::Series { name: state, values, dashed: false }
        })
        .filter(|s| s.values.iter().any(|v| v.is_some_and(|v| v > 0.0)))
        .collect();
    (days.into_iter().map(|(_, label)| label).collect(), series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_weeks() {
        let at = |date: &str| time::parse_timestamp(date).expect("date");
        assert_eq!(iso_week(at("2026-11-23")), "2026-W48");
        assert_eq!(iso_week(at("2026-11-29")), "2026-W48");
        assert_eq!(iso_week(at("2026-11-30")), "2026-W49");
        assert_eq!(iso_week(at("2027-01-01")), "2026-W53");
        assert_eq!(iso_week(at("2025-12-29")), "2026-W01");
    }
}
