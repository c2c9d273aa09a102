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
    let sets = StateSets { refinement, development, done };
    metrics_parts(history, folder, &sets).at(now, order)
}

/// The states the metrics count as refinement, as development, and as done.
#[derive(Debug, Clone, Copy)]
pub struct StateSets<'a> {
    pub refinement: &'a [&'a str],
    pub development: &'a [&'a str],
    pub done: &'a [String],
}

/// What the metrics are made of, summed over records, but for what depends on when they are
/// read: stays still going are kept as a count and a sum of start times. Every figure is a
/// sum of each record's share, which can be taken out and put back: a commit updates the
/// parts by the records it changed ([`cached_metrics`]). Times are whole seconds, so taking
/// out what was put in leaves exactly what was there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsParts {
    /// State → seconds an ended stay lasted → how many stays lasted that long.
    durations: BTreeMap<String, BTreeMap<i64, i64>>,
    /// State → records in it now.
    current: BTreeMap<String, i64>,
    /// ISO week → records that reached a done state that week.
    throughput: BTreeMap<String, i64>,
    /// ISO week → records that left refinement for a later state that week.
    refined_per_week: BTreeMap<String, i64>,
    /// Refinement stays that ended: how many.
    refinement_stays: i64,
    /// Seconds of refinement and development stays that ended.
    ended_refinement: i64,
    ended_development: i64,
    /// Stays still going in refinement and in development: how many, and the sum of their
    /// start times.
    open_refinement: (i64, i64),
    open_development: (i64, i64),
}

/// Adds `sign` to the count under `key`, forgetting a count that comes to zero.
fn bump<K: Ord>(map: &mut BTreeMap<K, i64>, key: K, sign: i64) {
    match map.entry(key) {
        std::collections::btree_map::Entry::Occupied(mut entry) => {
            *entry.get_mut() += sign;
            if *entry.get() == 0 {
                entry.remove();
            }
        }
        std::collections::btree_map::Entry::Vacant(entry) => {
            entry.insert(sign);
        }
    }
}

#[allow(clippy::cast_precision_loss)] // seconds of records' lives fit
fn in_days(seconds: i64) -> f64 {
    seconds as f64 / DAY
}

impl MetricsParts {
    /// Puts in (`sign` 1) or takes out (`sign` -1) the share of one record, from its versions.
    pub fn count(&mut self, versions: &[crate::history::Version], sign: i64, sets: &StateSets<'_>) {
        let record_stays = stays(versions);
        let entered_done = |index: usize| {
            index > 0
                && sets.done.contains(&record_stays[index].state)
                && !sets.done.contains(&record_stays[index - 1].state)
        };
        for (index, stay) in record_stays.iter().enumerate() {
            let in_refinement = sets.refinement.contains(&stay.state.as_str());
            let in_development = sets.development.contains(&stay.state.as_str());
            if entered_done(index) {
                bump(&mut self.throughput, iso_week(stay.from), sign);
            }
            let Some(until) = stay.until else {
                bump(&mut self.current, stay.state.clone(), sign);
                for (counted, open) in
                    [(in_refinement, &mut self.open_refinement), (in_development, &mut self.open_development)]
                {
                    if counted {
                        *open = (open.0 + sign, open.1 + sign * stay.from);
                    }
                }
                continue;
            };
            let seconds = until - stay.from;
            let durations = self.durations.entry(stay.state.clone()).or_default();
            bump(durations, seconds, sign);
            if durations.is_empty() {
                self.durations.remove(&stay.state);
            }
            if in_refinement {
                self.ended_refinement += sign * seconds;
                self.refinement_stays += sign;
                let next = record_stays.get(index + 1).map(|s| s.state.as_str());
                if next.is_some_and(|n| !sets.refinement.contains(&n)) {
                    bump(&mut self.refined_per_week, iso_week(until), sign);
                }
            }
            if in_development {
                self.ended_development += sign * seconds;
            }
        }
    }

    /// Whether no count has gone below zero (a share taken out that was never put in).
    fn is_sound(&self) -> bool {
        let counts = self.durations.values().flat_map(BTreeMap::values);
        let weekly = self.throughput.values().chain(self.refined_per_week.values()).chain(self.current.values());
        counts.chain(weekly).all(|n| *n > 0)
            && self.refinement_stays >= 0
            && self.open_refinement.0 >= 0
            && self.open_development.0 >= 0
    }

    /// The metrics read at `now`, the states in `order` first.
    pub fn at(&self, now: Timestamp, order: &[String]) -> Metrics {
        let so_far = |(count, starts): (i64, i64)| count * now - starts;
        let refinement_days = in_days(self.ended_refinement + so_far(self.open_refinement));
        let development_days = in_days(self.ended_development + so_far(self.open_development));
        let mut names: Vec<String> = order.to_vec();
        for name in self.durations.keys().chain(self.current.keys()) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let states = names
            .into_iter()
            .filter(|name| self.durations.contains_key(name) || self.current.contains_key(name))
            .map(|state| {
                let empty = BTreeMap::new();
                let durations = self.durations.get(&state).unwrap_or(&empty);
                let stays: i64 = durations.values().sum();
                let total: i64 = durations.iter().map(|(seconds, n)| seconds * n).sum();
                #[allow(clippy::cast_precision_loss)]
                let average_days = if stays == 0 { 0.0 } else { in_days(total) / stays as f64 };
                StateTime {
                    stays: usize::try_from(stays).unwrap_or(0),
                    average_days,
                    median_days: median(durations, stays),
                    current: self.current.get(&state).map_or(0, |n| usize::try_from(*n).unwrap_or(0)),
                    state,
                }
            })
            .collect();
        let weekly = |map: &BTreeMap<String, i64>| -> BTreeMap<String, usize> {
            map.iter().map(|(week, n)| (week.clone(), usize::try_from(*n).unwrap_or(0))).collect()
        };
        #[allow(clippy::cast_precision_loss)]
        let average_days = if self.refinement_stays == 0 {
            0.0
        } else {
            in_days(self.ended_refinement) / self.refinement_stays as f64
        };
        Metrics {
            states,
            refinement: (self.refinement_stays > 0 || refinement_days > 0.0).then(|| Refinement {
                average_days,
                refined_per_week: weekly(&self.refined_per_week),
                refinement_days,
                development_days,
            }),
            throughput: weekly(&self.throughput),
        }
    }
}

/// The median of the stays counted in `durations` (seconds → how many), in days.
fn median(durations: &BTreeMap<i64, i64>, stays: i64) -> f64 {
    if stays == 0 {
        return 0.0;
    }
    // The stay at `rank` (0-based) in order of length.
    let nth = |rank: i64| {
        let mut seen = 0;
        for (seconds, n) in durations {
            seen += n;
            if seen > rank {
                return in_days(*seconds);
            }
        }
        0.0
    };
    let mid = stays / 2;
    if stays % 2 == 0 { f64::midpoint(nth(mid - 1), nth(mid)) } else { nth(mid) }
}

/// The parts of the metrics of the records under `folder`, over their whole history.
pub fn metrics_parts(history: &History, folder: &str, sets: &StateSets<'_>) -> MetricsParts {
    let prefix = format!("{folder}/");
    let mut parts = MetricsParts::default();
    for (_, versions) in history.records.iter().filter(|(path, _)| path.starts_with(&prefix)) {
        parts.count(versions, 1, sets);
    }
    parts
}

/// The metrics of the tracker at `prefix`, as [`metrics`] computes them from its history, from
/// parts kept in `.git/docket/metrics.json` by commit. At the commit they were computed at they
/// are read as they are; at a later commit on its first-parent line, the records those commits
/// changed have their shares taken out and put back from their history
/// ([`History::load_paths`]), so the cost follows the commits, not the tracker. Anything else
/// (another branch, a rewritten history, other arguments, a damaged file) computes them afresh
/// from the whole history ([`History::load`]).
pub fn cached_metrics(
    repo: &crate::store::Repo,
    prefix: &str,
    folder: &str,
    now: Timestamp,
    order: &[String],
    sets: &StateSets<'_>,
) -> Result<Metrics, crate::store::StoreError> {
    #[derive(Serialize, Deserialize)]
    struct Cached {
        key: String,
        head: String,
        parts: MetricsParts,
    }
    const VERSION: u32 = 2;
    let Some(head) = repo.head() else { return Ok(MetricsParts::default().at(now, order)) };
    let key = serde_json::json!([VERSION, prefix, folder, sets.refinement, sets.development, sets.done]).to_string();
    let path = crate::derived::Derived::of(repo, prefix).metrics();
    let cached = crate::derived::read(&path)
        .and_then(|bytes| serde_json::from_slice::<Cached>(&bytes).ok())
        .filter(|cached| cached.key == key);
    if let Some(cached) = &cached
        && cached.head == head
    {
        return Ok(cached.parts.at(now, order));
    }
    let advanced = cached.and_then(|cached| advance(repo, prefix, folder, cached.parts, &cached.head, &head, sets));
    let parts = match advanced {
        Some(parts) => parts,
        None => metrics_parts(&History::load(repo, prefix)?, folder, sets),
    };
    if let Ok(bytes) = serde_json::to_vec(&Cached { key, head, parts: parts.clone() }) {
        // Derived: failing to write it only costs time next run.
        let _ = crate::derived::write(&path, &bytes, crate::derived::Durability::Atomic);
    }
    Ok(parts.at(now, order))
}

/// The most commits [`advance`] takes in; past this, reading the whole history costs as much.
const MOST_COMMITS: usize = 1000;

/// `parts` computed at commit `from`, brought to `to` by the records the commits between
/// changed; `None` when `to` is not on `from`'s first-parent line, or is too far.
fn advance(
    repo: &crate::store::Repo,
    prefix: &str,
    folder: &str,
    mut parts: MetricsParts,
    from: &str,
    to: &str,
    sets: &StateSets<'_>,
) -> Option<MetricsParts> {
    let commits = repo.first_parent_range(Some(from), to).ok()?;
    if commits.first()?.parent.as_deref() != Some(from) || commits.len() > MOST_COMMITS {
        return None;
    }
    let folders = [format!("{prefix}{folder}/")];
    let mut paths = std::collections::BTreeSet::new();
    for commit in &commits {
        for change in repo.commit_changes(&commit.id, &folders).ok()? {
            paths.insert(change.path.strip_prefix(prefix)?.to_owned());
        }
    }
    let paths: Vec<String> = paths.into_iter().collect();
    let history = History::load_paths(repo, prefix, &paths).ok()?;
    let new: std::collections::BTreeSet<&str> = commits.iter().map(|c| c.id.as_str()).collect();
    for path in &paths {
        let versions = history.of(path);
        let before: Vec<_> = versions.iter().filter(|v| !new.contains(v.commit.as_str())).cloned().collect();
        parts.count(&before, -1, sets);
        parts.count(versions, 1, sets);
    }
    parts.is_sound().then_some(parts)
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
