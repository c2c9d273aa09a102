//! The fake server's notion of time: instants are milliseconds since the Unix epoch (UTC), written
//! as GitLab writes them (`2026-11-23T12:00:00.000Z`) and read as Grape reads `DateTime`
//! parameters (ISO 8601, with or without fraction and offset, or a bare date).

const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day number: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400;
    (if month <= 2 { year + 1 } else { year }, month, day)
}

/// An instant as GitLab renders timestamps: UTC, milliseconds, `Z`.
pub fn format(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (hours, minutes, seconds, millis) =
        (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    format!("{year:04}-{month:02}-{day:02}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

/// The UTC date of an instant, `YYYY-MM-DD`.
pub fn date_of(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(MS_PER_DAY));
    format!("{year:04}-{month:02}-{day:02}")
}

/// A date as GitLab's system notes write it: `January 5, 2027`.
pub fn long_date(date: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match parse_date(date) {
        Some(days) => {
            let (year, month, day) = civil_from_days(days);
            let index = usize::try_from(month - 1).expect("months are 1 to 12");
            format!("{} {day}, {year}", MONTHS[index])
        }
        None => date.to_owned(),
    }
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A `YYYY-MM-DD` date as a day number, if it is a real date.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(&text[..4])?, digits(&text[5..7])?, digits(&text[8..])?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    (civil_from_days(days) == (year, month, day)).then_some(days)
}

/// An ISO 8601 date-time (`2026-11-23T12:00:00Z`, `…:00.123+01:00`, `…T12:00`, or a bare date,
/// read as midnight UTC) as an instant.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = text.get(..10)?;
    let rest = &text[10..];
    let midnight = parse_date(date)? * MS_PER_DAY;
    if rest.is_empty() {
        return Some(midnight);
    }
    let time = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')).or_else(|| rest.strip_prefix(' '))?;
    let bytes = time.as_bytes();
    if bytes.get(2) != Some(&b':') {
        return None;
    }
    let (hours, minutes) = (digits(time.get(..2)?)?, digits(time.get(3..5)?)?);
    let (mut seconds, mut millis, mut end) = (0, 0, 5);
    if bytes.get(5) == Some(&b':') {
        seconds = digits(time.get(6..8)?)?;
        end = 8;
        if bytes.get(8) == Some(&b'.') {
            let fraction: String = time[9..].chars().take_while(char::is_ascii_digit).collect();
            if fraction.is_empty() {
                return None;
            }
            end = 9 + fraction.len();
            millis = digits(&format!("{:0<3}", &fraction[..fraction.len().min(3)]))?;
        }
    }
    if hours > 23 || minutes > 59 || seconds > 60 {
        return None;
    }
    let offset_minutes = match &time[end..] {
        "" | "Z" | "z" => 0,
        zone => {
            let sign = match zone.as_bytes()[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let zone = zone[1..].replace(':', "");
            if zone.len() != 4 {
                return None;
            }
            sign * (digits(&zone[..2])? * 60 + digits(&zone[2..])?)
        }
    };
    Some(midnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis - offset_minutes * 60_000)
}
