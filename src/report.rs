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
    /// The health status the issue last reported (`on_track`, `needs_attention`, `at_risk`).
    pub health: Option<String>,
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
                health: issue.health.map(|h| h.name().to_owned()),
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
    /// Issues refined per calendar week, over every week from the first that refined one to
    /// the week of the report, the weeks that refined none included.
    pub average_per_week: f64,
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

/// The first day (a Monday, in days since 1970-01-01) of the ISO week `key` (`2026-W40`).
fn monday_of(key: &str) -> Option<i64> {
    let (year, week) = key.split_once("-W")?;
    let (year, week): (i64, i64) = (year.parse().ok()?, week.parse().ok()?);
    // The 4th of January is in week 1.
    let fourth = time::days_from_civil(year, 1, 4);
    Some(fourth - (fourth + 3).rem_euclid(7) + (week - 1) * 7)
}

/// The average of `counts` (ISO week → count) over the calendar weeks from the first of them to
/// the week of `now`; 0 when there are none.
#[allow(clippy::cast_precision_loss)] // counts of weeks and issues
fn per_calendar_week(counts: &BTreeMap<String, usize>, now: Timestamp) -> f64 {
    let Some(first) = counts.keys().filter_map(|week| monday_of(week)).min() else { return 0.0 };
    let this_week = monday_of(&iso_week(now)).unwrap_or(first);
    let weeks = ((this_week - first) / 7 + 1).max(1);
    counts.values().sum::<usize>() as f64 / weeks as f64
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
                average_per_week: per_calendar_week(&weekly(&self.refined_per_week), now),
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
        None => {
            let history = History::load(repo, prefix)?;
            let parts = metrics_parts(&history, folder, sets);
            crate::cores::drop_in_background(history);
            parts
        }
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

/// Milestone `id`'s burndown as an SVG chart ([`burndown`]; `docket plan --chart`, the board's
/// milestone page), when the milestone has both dates.
pub fn burndown_chart(
    history: &History,
    id: &str,
    milestone: &crate::model::Milestone,
    now: Timestamp,
    done: &[String],
    deliverable: &str,
) -> Option<String> {
    let (labels, series) = burndown(history, id, milestone.start?, milestone.end?, now, done, deliverable);
    Some(crate::chart::lines(&format!("Burndown of {} (committed weight)", milestone.title), &labels, &series))
}

/// The issues' cumulative flow as an SVG chart ([`flow`], states in `order`; `docket report
/// metrics --chart`, the board's milestone page).
pub fn flow_chart(history: &History, now: Timestamp, order: &[String]) -> String {
    let (labels, series) = flow(history, now, order, "issues");
    crate::chart::stacked("Cumulative flow (records in each state)", &labels, &series)
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
                            && v.labels.iter().any(|l| crate::model::same_label(l, deliverable))
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
    use crate::format::{RecordRules, parse_record};
    use crate::history::Version;
    use crate::model::Kind;

    const DAY: i64 = 86_400;
    /// 2026-11-23, a Monday (ISO week 2026-W48).
    const MONDAY: i64 = 20_780 * DAY;

    fn issue(id: &str, text: &str) -> Record {
        parse_record(Kind::Issue, id, id, text, &RecordRules::default()).record.expect("valid")
    }

    /// One version of a record: at `time`, in `state` (a deletion when `state` is empty).
    fn version(time: Timestamp, state: &str) -> Version {
        Version {
            commit: format!("c{time}"),
            time,
            author: "ana".into(),
            state: state.into(),
            weight: None,
            milestone: None,
            labels: Vec::new(),
            blob: (!state.is_empty()).then(|| format!("b{time}")),
        }
    }

    fn history(records: &[(&str, Vec<Version>)]) -> History {
        History { head: None, records: records.iter().map(|(p, v)| ((*p).to_owned(), v.clone())).collect() }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// Refinement per week averages every calendar week since the first, empty ones included.
    #[test]
    fn refined_per_week_counts_every_calendar_week() {
        type Counts<'a> = &'a [(&'a str, usize)];
        let counts = |pairs: &[(&str, usize)]| pairs.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect();
        // MONDAY is in 2026-W48.
        let table: [(Counts<'_>, i64, f64); 6] = [
            (&[], MONDAY, 0.0),
            (&[("2026-W48", 3)], MONDAY, 3.0),
            (&[("2026-W48", 3)], MONDAY + 7 * 86_400 - 1, 3.0),
            (&[("2026-W48", 3)], MONDAY + 7 * 86_400, 1.5),
            (&[("2026-W46", 2), ("2026-W48", 4)], MONDAY, 2.0),
            (&[("2025-W52", 1), ("2026-W01", 1)], MONDAY, 2.0 / 49.0),
        ];
        for (pairs, now, average) in table {
            let found = per_calendar_week(&counts(pairs), now);
            assert!((found - average).abs() < 1e-9, "{pairs:?} at {now}: {found}");
        }
        assert_eq!(monday_of("2026-W48").map(|d| d * 86_400), Some(MONDAY));
        assert_eq!(monday_of("2026-W01").map(|d| time::date_of(d * 86_400).to_string()), Some("2025-12-29".to_owned()));
        assert_eq!(monday_of("W48"), None);
    }

    #[test]
    fn iso_week_of_monday_constant() {
        assert_eq!(time::date_of(MONDAY).to_string(), "2026-11-23");
    }

    /// Stale: open and assigned issues whose last update (or creation) is more than `days`
    /// whole days old, oldest first, then by id.
    #[test]
    fn stale_issues_are_those_past_the_threshold() {
        let now = MONDAY + 12 * 3600;
        let base = "title = \"t\"\ntype = \"feature\"\nstage = \"in_dev\"\n";
        let records = vec![
            // Updated 7 days ago (6.5 days before noon): at the threshold of 7, not stale.
            issue(
                "a",
                &format!(
                    "{base}assignee = \"ana\"\ncreated = 2026-10-01\n[[updates]]\ndate = 2026-11-16\ntext = \"x\"\n"
                ),
            ),
            // Updated 8 days ago: stale, the newest of two updates counts.
            issue(
                "b",
                &format!(
                    "{base}assignee = \"bo\"\nhealth = \"at_risk\"\n[[updates]]\ndate = 2026-10-01\ntext = \"x\"\n[[updates]]\ndate = 2026-11-15\ntext = \"y\"\n"
                ),
            ),
            // No update: counted from creation, 53 days.
            issue("c", &format!("{base}assignee = \"ana\"\ncreated = 2026-10-01\n")),
            // Unassigned, closed, or with no date at all: never stale.
            issue("d", &format!("{base}created = 2026-10-01\n")),
            issue("e", &format!("{base}assignee = \"ana\"\ncreated = 2026-10-01\n")),
            issue("f", &format!("{base}assignee = \"ana\"\n")),
            // As old as b: the tie goes by id.
            issue("a2", &format!("{base}assignee = \"cy\"\ncreated = 2026-11-15\n")),
        ];
        let open = |r: &Record| r.id != "e";
        let list = stale(&records, now, 7, &open);
        let got: Vec<(&str, i64, Option<&str>)> =
            list.iter().map(|s| (s.id.as_str(), s.days, s.last_update.as_deref())).collect();
        assert_eq!(got, [("c", 53, None), ("a2", 8, None), ("b", 8, Some("2026-11-15"))]);
        assert_eq!(list[2].assignee.as_deref(), Some("bo"));
        assert_eq!((list[0].health.as_deref(), list[2].health.as_deref()), (None, Some("at_risk")));
        assert_eq!((list[2].stage.as_str(), list[2].title.as_str(), list[2].path.as_str()), ("in_dev", "t", "b"));
        // One day less of patience makes `a` stale too.
        assert_eq!(stale(&records, now, 6, &open).len(), 4);
    }

    /// Time in each state, refinement and development time, refined per week and throughput,
    /// worked by hand from two records' histories.
    #[test]
    fn metrics_sum_every_stay() {
        let h = 3600;
        let refinement = ["refinement"];
        let development = ["in_dev"];
        let done = names(&["done"]);
        // a: refinement 2 days, in_dev 3 days, done (Friday of W48).
        // b: refinement 1 day, in_dev still (since Thursday), counted up to now.
        // c (another folder): ignored.
        let records = history(&[
            (
                "issues/a.toml",
                vec![
                    version(MONDAY, "refinement"),
                    version(MONDAY + h, "refinement"),
                    version(MONDAY + 2 * DAY, "in_dev"),
                    version(MONDAY + 5 * DAY, "done"),
                ],
            ),
            ("issues/b.toml", vec![version(MONDAY + 2 * DAY, "refinement"), version(MONDAY + 3 * DAY, "in_dev")]),
            ("milestones/c.toml", vec![version(MONDAY, "refinement")]),
        ]);
        let now = MONDAY + 7 * DAY;
        let order = names(&["in_dev", "refinement", "unused", "done"]);
        let metrics = metrics(&records, "issues", now, &order, &refinement, &development, &done);
        let states: Vec<(&str, usize, f64, f64, usize)> = metrics
            .states
            .iter()
            .map(|s| (s.state.as_str(), s.stays, s.average_days, s.median_days, s.current))
            .collect();
        assert_eq!(states, [("in_dev", 1, 3.0, 3.0, 1), ("refinement", 2, 1.5, 1.5, 0), ("done", 0, 0.0, 0.0, 1)]);
        let refined = metrics.refinement.expect("refinement metrics");
        assert!((refined.average_days - 1.5).abs() < 1e-9);
        assert!((refined.refinement_days - 3.0).abs() < 1e-9);
        // a's 3 days, and b's 4 days so far.
        assert!((refined.development_days - 7.0).abs() < 1e-9);
        assert_eq!(refined.refined_per_week, BTreeMap::from([("2026-W48".to_owned(), 2)]));
        assert_eq!(metrics.throughput, BTreeMap::from([("2026-W48".to_owned(), 1)]));
    }

    /// Leaving refinement counts only for a state that is not refinement, and entering done
    /// only from a state that is not done; a deletion ends a stay without a next state.
    #[test]
    fn moves_within_a_set_are_not_counted_as_leaving_it() {
        let refinement = ["refinement", "triage"];
        let development = ["in_dev"];
        let done = names(&["done", "closed"]);
        let sets = StateSets { refinement: &refinement, development: &development, done: &done };
        let versions = vec![
            version(MONDAY, "triage"),
            version(MONDAY + DAY, "refinement"),
            version(MONDAY + 8 * DAY, "in_dev"),
            version(MONDAY + 9 * DAY, "done"),
            version(MONDAY + 10 * DAY, "closed"),
            version(MONDAY + 11 * DAY, ""),
        ];
        let mut parts = MetricsParts::default();
        parts.count(&versions, 1, &sets);
        assert_eq!(parts.refined_per_week, BTreeMap::from([("2026-W49".to_owned(), 1)]));
        assert_eq!(parts.throughput, BTreeMap::from([("2026-W49".to_owned(), 1)]));
        assert_eq!(parts.refinement_stays, 2);
        assert_eq!(parts.ended_refinement, 8 * DAY);
        assert_eq!(parts.ended_development, DAY);
        assert_eq!((parts.open_refinement, parts.open_development), ((0, 0), (0, 0)));
        assert!(parts.current.is_empty());
        assert!(parts.is_sound());
        // Taking the share out leaves nothing, and taking it out again is unsound.
        parts.count(&versions, -1, &sets);
        assert_eq!(parts, MetricsParts::default());
        assert!(parts.is_sound());
        parts.count(&versions, -1, &sets);
        assert!(!parts.is_sound());
    }

    /// A record that first appears in a done state did not reach it (no throughput), and a
    /// refinement stay that lasted no time still counts as a stay.
    #[test]
    fn edges_of_counting() {
        let refinement = ["refinement"];
        let done = names(&["done"]);
        let sets = StateSets { refinement: &refinement, development: &[], done: &done };
        let mut parts = MetricsParts::default();
        parts.count(&[version(MONDAY, "done")], 1, &sets);
        assert!(parts.throughput.is_empty());
        let mut instant = MetricsParts::default();
        instant.count(&[version(MONDAY, "refinement"), version(MONDAY, "in_dev")], 1, &sets);
        let refined = instant.at(MONDAY + DAY, &[]).refinement.expect("a stay of no time is a stay");
        assert!(refined.average_days.abs() < 1e-9 && refined.refinement_days.abs() < 1e-9);
        assert_eq!(refined.refined_per_week, BTreeMap::from([("2026-W48".to_owned(), 1)]));
    }

    /// Each count going below zero makes the parts unsound.
    #[test]
    fn soundness_looks_at_every_count() {
        let sound = MetricsParts::default();
        let cases: [fn(&mut MetricsParts); 7] = [
            |p| {
                p.durations.insert("s".into(), BTreeMap::from([(5, -1)]));
            },
            |p| {
                p.current.insert("s".into(), -1);
            },
            |p| {
                p.throughput.insert("w".into(), -1);
            },
            |p| {
                p.refined_per_week.insert("w".into(), -1);
            },
            |p| p.refinement_stays = -1,
            |p| p.open_refinement.0 = -1,
            |p| p.open_development.0 = -1,
        ];
        for (index, case) in cases.iter().enumerate() {
            let mut parts = sound.clone();
            case(&mut parts);
            assert!(!parts.is_sound(), "case {index}");
        }
        let mut zero = sound;
        zero.current.insert("s".into(), 0);
        assert!(!zero.is_sound(), "a zero count is never kept");
    }

    /// No refinement at all gives no refinement metrics; an open refinement stay alone does.
    #[test]
    fn refinement_metrics_appear_with_any_refinement_time() {
        let refinement = ["refinement"];
        let done = names(&["done"]);
        let sets = StateSets { refinement: &refinement, development: &[], done: &done };
        let mut parts = MetricsParts::default();
        parts.count(&[version(MONDAY, "in_dev")], 1, &sets);
        assert_eq!(parts.at(MONDAY + DAY, &[]).refinement, None);
        parts.count(&[version(MONDAY, "refinement")], 1, &sets);
        let refined = parts.at(MONDAY + DAY, &[]).refinement.expect("open refinement counts");
        assert!((refined.refinement_days - 1.0).abs() < 1e-9);
        assert!(refined.average_days.abs() < 1e-9, "no stay ended");
        // At the instant it began, it has lasted nothing.
        assert_eq!(parts.at(MONDAY, &[]).refinement, None);
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        let durations = |pairs: &[(i64, i64)]| pairs.iter().copied().collect::<BTreeMap<i64, i64>>();
        let table: [(&[(i64, i64)], f64); 6] = [
            (&[], 0.0),
            (&[(DAY, 1)], 1.0),
            (&[(DAY, 1), (3 * DAY, 1)], 2.0),
            (&[(DAY, 2), (5 * DAY, 1)], 1.0),
            (&[(DAY, 1), (2 * DAY, 1), (9 * DAY, 1)], 2.0),
            (&[(DAY, 1), (2 * DAY, 2), (4 * DAY, 1)], 2.0),
        ];
        for (pairs, expected) in table {
            let map = durations(pairs);
            let stays = map.values().sum();
            assert!((median(&map, stays) - expected).abs() < 1e-9, "{pairs:?}");
        }
        // Averages weigh each stay, not each length.
        let mut parts = MetricsParts::default();
        parts.durations.insert("s".into(), durations(&[(DAY, 2), (4 * DAY, 1)]));
        let state = &parts.at(0, &[]).states[0];
        assert!((state.average_days - 2.0).abs() < 1e-9);
        assert_eq!(state.stays, 3);
    }

    /// A burndown counts, at the end of each day, the weight of the milestone's deliverables not
    /// done; days after today are empty; the ideal falls from the first day to zero.
    #[test]
    fn burndown_follows_the_versions_of_each_day() {
        let deliverable = |time: Timestamp, state: &str, weight: u8, milestone: &str| Version {
            weight: Some(weight),
            milestone: Some(milestone.into()),
            labels: vec!["Deliverable".into()],
            ..version(time, state)
        };
        let records = history(&[
            (
                "issues/a.toml",
                vec![
                    deliverable(MONDAY + 3600, "in_dev", 3, "m1"),
                    // Done at the first instant of day 2: still counted on day 1.
                    deliverable(MONDAY + 2 * DAY, "done", 3, "m1"),
                ],
            ),
            // Joins on day 1; deleted on day 3.
            ("issues/b.toml", vec![deliverable(MONDAY + DAY, "in_dev", 2, "m1"), version(MONDAY + 3 * DAY, "")]),
            // Another milestone, and a Stretch issue: never counted.
            ("issues/c.toml", vec![deliverable(MONDAY, "in_dev", 5, "m2")]),
            (
                "issues/d.toml",
                vec![Version { labels: vec!["Stretch".into()], ..deliverable(MONDAY, "in_dev", 7, "m1") }],
            ),
        ]);
        let done = names(&["done"]);
        let (labels, series) =
            burndown(&records, "m1", MONDAY, MONDAY + 4 * DAY, MONDAY + 3 * DAY + 5, &done, "Deliverable");
        assert_eq!(labels, ["11-23", "11-24", "11-25", "11-26", "11-27"]);
        assert_eq!(series[0].name, "remaining");
        assert_eq!(series[0].values, [Some(3.0), Some(5.0), Some(2.0), Some(0.0), None]);
        assert_eq!(series[1].name, "ideal");
        assert_eq!(series[1].values, [Some(3.0), Some(2.25), Some(1.5), Some(0.75), Some(0.0)]);
        assert!(series[1].dashed && !series[0].dashed);
        // A one-day milestone: the ideal is the first day's weight.
        let (_, series) = burndown(&records, "m1", MONDAY, MONDAY, MONDAY, &done, "Deliverable");
        assert_eq!(series[1].values, [Some(3.0)]);
    }

    /// Cumulative flow counts records per state at the end of each day from the first commit,
    /// states in the given order then the others; a state never held is left out.
    #[test]
    fn flow_counts_states_per_day() {
        let records = history(&[
            (
                "issues/a.toml",
                vec![version(MONDAY + 10, "todo"), version(MONDAY + DAY, "doing"), version(MONDAY + 2 * DAY, "")],
            ),
            ("issues/b.toml", vec![version(MONDAY + DAY + 10, "todo"), version(MONDAY + DAY + 20, "odd")]),
            ("milestones/m.toml", vec![version(MONDAY - DAY, "open")]),
        ]);
        let (labels, series) = flow(&records, MONDAY + 2 * DAY, &names(&["done", "doing", "todo"]), "issues");
        assert_eq!(labels, ["11-23", "11-24", "11-25"]);
        let got: Vec<(&str, Vec<Option<f64>>)> = series.iter().map(|s| (s.name.as_str(), s.values.clone())).collect();
        assert_eq!(
            got,
            [
                ("doing", vec![Some(0.0), Some(1.0), Some(0.0)]),
                ("todo", vec![Some(1.0), Some(0.0), Some(0.0)]),
                ("odd", vec![Some(0.0), Some(1.0), Some(1.0)]),
            ]
        );
        // No records: one day, today, and nothing in it.
        let (labels, series) = flow(&History::default(), MONDAY, &names(&["todo"]), "issues");
        assert_eq!((labels.len(), series.len()), (1, 0));
    }

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
