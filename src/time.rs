//! Calendar arithmetic on UTC timestamps and dates.
//!
//! docket needs only a little of it: "now" as an RFC 3339 string, TOML dates and datetimes
//! turned into instants so they can be compared and sorted, and day counts between dates.
//! It owns no clock: the current time comes from [`crate::context::Context`].

use toml_edit::{Date, Datetime, Offset, Time};

/// Seconds since the Unix epoch, in UTC.
pub type Timestamp = i64;

const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * mp + 2) / 5 + 1).expect("day of month is 1..=31");
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("month is 1..=12");
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The instant a TOML date or datetime stands for. A bare date is midnight UTC; a local
/// datetime (no offset) is read as UTC. A bare time has no instant.
pub fn timestamp_of(datetime: &Datetime) -> Option<Timestamp> {
    let date = datetime.date?;
    let days = days_from_civil(i64::from(date.year), u32::from(date.month), u32::from(date.day));
    let seconds_in_day = datetime.time.map_or(0, |time| {
        i64::from(time.hour) * 3600 + i64::from(time.minute) * 60 + i64::from(time.second.unwrap_or(0))
    });
    let offset_seconds = match datetime.offset {
        Some(Offset::Custom { minutes }) => i64::from(minutes) * 60,
        Some(Offset::Z) | None => 0,
    };
    Some(days * SECONDS_PER_DAY + seconds_in_day - offset_seconds)
}

/// A UTC offset datetime at whole seconds, as TOML writes it (`2026-11-20T10:00:00Z`).
pub fn datetime_of(timestamp: Timestamp) -> Datetime {
    let days = timestamp.div_euclid(SECONDS_PER_DAY);
    let seconds = timestamp.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let narrow = |n: i64| u8::try_from(n).expect("a time component fits in u8");
    Datetime {
        date: Some(Date {
            year: u16::try_from(year).expect("years of records fit in u16"),
            month: u8::try_from(month).expect("month fits in u8"),
            day: u8::try_from(day).expect("day fits in u8"),
        }),
        time: Some(Time {
            hour: narrow(seconds / 3600),
            minute: narrow(seconds % 3600 / 60),
            second: Some(narrow(seconds % 60)),
            nanosecond: None,
        }),
        offset: Some(Offset::Z),
    }
}

/// The UTC calendar date of an instant, as a TOML date.
pub fn date_of(timestamp: Timestamp) -> Datetime {
    Datetime { time: None, offset: None, ..datetime_of(timestamp) }
}

/// Parses an RFC 3339 datetime or a `YYYY-MM-DD` date into an instant.
pub fn parse_timestamp(text: &str) -> Option<Timestamp> {
    text.trim().parse::<Datetime>().ok().as_ref().and_then(timestamp_of)
}

/// Parses a date the way git accepts it in `GIT_COMMITTER_DATE`: RFC 3339 / ISO 8601
/// (`2026-11-23T12:00:00Z`, `2026-11-23 12:00:00 +0100`), git's internal `@1795000000 +0000`
/// or `1795000000 +0000`, or RFC 2822 (`Mon, 23 Nov 2026 12:00:00 +0000`).
pub fn parse_git_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let mut words = text.split_whitespace();
    let first = words.next()?;
    if let Ok(seconds) = first.trim_start_matches('@').parse::<i64>() {
        return Some(seconds);
    }
    if let Some(t) = parse_timestamp(text) {
        return Some(t);
    }
    // `2026-11-23 12:00:00 +0100`
    if let (Some(time), zone) = (words.next(), words.next())
        && first.len() == 10
        && first.as_bytes()[4] == b'-'
    {
        let offset = zone.map_or(Some("Z".to_owned()), git_zone)?;
        return parse_timestamp(&format!("{first}T{time}{offset}"));
    }
    parse_rfc2822(text)
}

/// `+0100` → `+01:00`.
fn git_zone(zone: &str) -> Option<String> {
    let (sign, digits) = zone.split_at_checked(1)?;
    if !matches!(sign, "+" | "-") || digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{sign}{}:{}", &digits[..2], &digits[2..]))
}

fn parse_rfc2822(text: &str) -> Option<Timestamp> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let text = text.split_once(',').map_or(text, |(_, rest)| rest);
    let words: Vec<&str> = text.split_whitespace().collect();
    let [day, month, year, time, zone] = words.as_slice() else { return None };
    let month = MONTHS.iter().position(|m| month.to_lowercase().starts_with(m))? + 1;
    let offset = git_zone(zone)?;
    parse_timestamp(&format!("{year}-{month:02}-{:02}T{time}{offset}", day.parse::<u32>().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for days in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(20_780), (2026, 11, 23));
    }

    #[test]
    fn git_date_formats() {
        let expected = parse_timestamp("2026-11-23T12:00:00Z");
        for text in [
            "2026-11-23T12:00:00Z",
            "2026-11-23T13:00:00+01:00",
            "2026-11-23 13:00:00 +0100",
            "@1795435200 +0000",
            "1795435200 +0000",
            "Mon, 23 Nov 2026 12:00:00 +0000",
        ] {
            assert_eq!(parse_git_date(text), expected, "{text}");
        }
        assert_eq!(parse_git_date("next tuesday"), None);
    }

    #[test]
    fn offsets_are_applied() {
        let utc = parse_timestamp("2026-11-20T10:00:00Z").expect("valid");
        let plus_two = parse_timestamp("2026-11-20T12:00:00+02:00").expect("valid");
        assert_eq!(utc, plus_two);
        assert_eq!(datetime_of(utc).to_string(), "2026-11-20T10:00:00Z");
        assert_eq!(date_of(utc).to_string(), "2026-11-20");
        assert_eq!(parse_timestamp("2026-11-20"), Some(utc - 10 * 3600));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
