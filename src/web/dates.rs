//! Dates and times as people write them, in the call's time zone: `ti 16.3.2027 klo 16.00` (fi),
//! `tis 16.3.2027 kl. 16.00` (sv), `Tue 16 March 2027 at 16:00` (en). chrono's own locales are
//! not used: the weekday abbreviations and the separators follow the Finnish and Swedish
//! conventions (Kielitoimisto), not CLDR's defaults.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::domain::localized::Language;

fn weekday(day: Weekday, language: Language) -> &'static str {
    let index = day.num_days_from_monday() as usize;
    match language {
        Language::Fi => ["ma", "ti", "ke", "to", "pe", "la", "su"][index],
        Language::Sv => ["mån", "tis", "ons", "tors", "fre", "lör", "sön"][index],
        Language::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][index],
    }
}

const MONTHS_EN: [&str; 12] = [
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

/// `16.3.2027`, `16 March 2027`.
pub fn date(d: NaiveDate, language: Language) -> String {
    match language {
        Language::Fi | Language::Sv => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Language::En => format!(
            "{} {} {}",
            d.day(),
            MONTHS_EN[d.month0() as usize],
            d.year()
        ),
    }
}

/// `ti 16.3.2027`, `tis 16.3.2027`, `Tue 16 March 2027`.
pub fn day(d: NaiveDate, language: Language) -> String {
    format!("{} {}", weekday(d.weekday(), language), date(d, language))
}

/// `ti 16.3.2027 klo 16.00`, `tis 16.3.2027 kl. 16.00`, `Tue 16 March 2027 at 16:00`, on the
/// wall clock of `zone`.
pub fn datetime(t: DateTime<Utc>, zone: Tz, language: Language) -> String {
    let local = t.with_timezone(&zone);
    let d = local.date_naive();
    let (h, m) = (local.hour(), local.minute());
    match language {
        Language::Fi => format!("{} klo {h}.{m:02}", day(d, language)),
        Language::Sv => format!("{} kl. {h}.{m:02}", day(d, language)),
        Language::En => format!("{} at {h}:{m:02}", day(d, language)),
    }
}

/// Whole calendar days from `now` to `t` in `zone` (0 on the same day), for "closes in 3 days".
pub fn days_until(now: DateTime<Utc>, t: DateTime<Utc>, zone: Tz) -> i64 {
    let today = now.with_timezone(&zone).date_naive();
    let then = t.with_timezone(&zone).date_naive();
    (then - today).num_days().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_finns_swedes_and_the_english_write_them() {
        let tz = chrono_tz::Europe::Helsinki;
        let t: DateTime<Utc> = "2027-03-16T14:00:00Z".parse().unwrap();
        assert_eq!(datetime(t, tz, Language::Fi), "ti 16.3.2027 klo 16.00");
        assert_eq!(datetime(t, tz, Language::Sv), "tis 16.3.2027 kl. 16.00");
        assert_eq!(datetime(t, tz, Language::En), "Tue 16 March 2027 at 16:00");
        let summer: DateTime<Utc> = "2027-05-31T06:05:00Z".parse().unwrap();
        assert_eq!(datetime(summer, tz, Language::Fi), "ma 31.5.2027 klo 9.05");
        assert_eq!(date(summer.date_naive(), Language::En), "31 May 2027");
    }

    #[test]
    fn days_are_counted_on_the_call_clock() {
        let tz = chrono_tz::Europe::Helsinki;
        let now: DateTime<Utc> = "2027-03-13T21:30:00Z".parse().unwrap(); // 23.30 on the 13th
        let closes: DateTime<Utc> = "2027-03-16T14:00:00Z".parse().unwrap();
        assert_eq!(days_until(now, closes, tz), 3);
        let late: DateTime<Utc> = "2027-03-13T22:30:00Z".parse().unwrap(); // 0.30 on the 14th
        assert_eq!(days_until(late, closes, tz), 2);
        assert_eq!(days_until(closes, closes, tz), 0);
    }
}
