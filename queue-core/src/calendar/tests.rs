//! The calendar against the State Council notices, worked examples, bad files, and property
//! tests of working-day arithmetic.
#![allow(clippy::unwrap_used)]

use super::*;
use proptest::prelude::*;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// The State Council table from the brief, typed in independently of the data file:
/// (year, off ranges as (month, day, month, day), make-up days as (month, day)).
#[allow(clippy::type_complexity)]
fn notice_table() -> Vec<(i32, Vec<(u32, u32, u32, u32)>, Vec<(u32, u32)>)> {
    vec![
        (
            2025,
            vec![
                (1, 1, 1, 1),
                (1, 28, 2, 4),
                (4, 4, 4, 6),
                (5, 1, 5, 5),
                (5, 31, 6, 2),
                (10, 1, 10, 8),
            ],
            vec![(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
        ),
        (
            2026,
            vec![
                (1, 1, 1, 3),
                (2, 15, 2, 23),
                (4, 4, 4, 6),
                (5, 1, 5, 5),
                (6, 19, 6, 21),
                (9, 25, 9, 27),
                (10, 1, 10, 7),
            ],
            vec![(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
        ),
    ]
}

/// Expected working-day status of every day of 2025–2026, by brute force over the table.
fn expected_working(d: NaiveDate) -> bool {
    for (year, off, makeup) in notice_table() {
        if d.year() != year {
            continue;
        }
        if makeup.iter().any(|&(m, dd)| ymd(year, m, dd) == d) {
            return true;
        }
        if off
            .iter()
            .any(|&(m1, d1, m2, d2)| ymd(year, m1, d1) <= d && d <= ymd(year, m2, d2))
        {
            return false;
        }
    }
    let wd = d.weekday().num_days_from_monday();
    wd < 5
}

#[test]
fn every_day_of_2025_and_2026_matches_the_notices() {
    let cal = Calendar::embedded();
    let mut d = ymd(2025, 1, 1);
    let mut days = 0;
    while d <= ymd(2026, 12, 31) {
        let got = cal.is_working_day(d);
        assert_eq!(got.value, expected_working(d), "{d}");
        assert!(!got.provisional, "{d}");
        d = d.succ_opt().unwrap();
        days += 1;
    }
    assert_eq!(days, 730);
}

#[test]
fn both_years_have_248_working_days() {
    let cal = Calendar::embedded();
    for year in [2025, 2026] {
        let r = cal.working_days_in_year(year);
        assert_eq!(r.value.len(), 248, "{year}");
        assert!(!r.provisional);
        assert!(r.value.windows(2).all(|w| w[0] < w[1]));
        let between = cal.working_days_between(ymd(year - 1, 12, 31), ymd(year, 12, 31));
        assert_eq!(between.value, 248, "{year}");
    }
    assert_eq!(cal.years(), vec![2025, 2026]);
}

#[test]
fn first_working_day_of_2026_is_the_sunday_make_up_day() {
    let cal = Calendar::embedded();
    let days = cal.working_days_in_year(2026).value;
    assert_eq!(days[0], ymd(2026, 1, 4));
    assert_eq!(ymd(2026, 1, 4).weekday(), Weekday::Sun);
}

#[test]
fn worked_examples() {
    let cal = Calendar::embedded();
    let table = [
        (ymd(2025, 1, 24), 5, ymd(2025, 2, 7)),
        (ymd(2026, 9, 30), 5, ymd(2026, 10, 13)),
        (ymd(2025, 1, 24), 1, ymd(2025, 1, 26)), // Sunday make-up day
        (ymd(2025, 9, 30), 1, ymd(2025, 10, 9)),
        (ymd(2025, 12, 31), 1, ymd(2026, 1, 4)),
        (ymd(2026, 2, 13), 1, ymd(2026, 2, 14)),
        (ymd(2026, 3, 3), 0, ymd(2026, 3, 3)),
        (ymd(2026, 10, 3), 0, ymd(2026, 10, 3)), // a day off plus zero is itself
    ];
    for (from, n, want) in table {
        let got = cal.add_working_days(from, n);
        assert_eq!(got.value, want, "{from} + {n}");
        assert!(!got.provisional, "{from} + {n}");
    }
}

#[test]
fn between_counts_the_half_open_range() {
    let cal = Calendar::embedded();
    let a = ymd(2025, 1, 24);
    let b = ymd(2025, 2, 7);
    assert_eq!(cal.working_days_between(a, b).value, 5);
    assert_eq!(cal.working_days_between(b, a).value, -5);
    assert_eq!(cal.working_days_between(a, a).value, 0);
    // (Fri, Sat]: the Saturday 2025-02-08 is a make-up day.
    assert_eq!(
        cal.working_days_between(ymd(2025, 2, 7), ymd(2025, 2, 8))
            .value,
        1
    );
}

#[test]
fn uncovered_years_are_weekends_only_and_provisional() {
    let cal = Calendar::embedded();
    assert!(!cal.covers(2027));
    // 2027-01-01 is a Friday: a weekday, so provisionally a working day (really a holiday).
    let r = cal.is_working_day(ymd(2027, 1, 1));
    assert_eq!(
        r,
        Reckoned {
            value: true,
            provisional: true
        }
    );
    let y = cal.working_days_in_year(2027);
    assert!(y.provisional);
    // 2027 has 365 days starting on a Friday: 52 weeks + Friday = 261 weekdays.
    assert_eq!(y.value.len(), 261);
    // Crossing from a covered into an uncovered year is provisional.
    let r = cal.add_working_days(ymd(2026, 12, 30), 3);
    assert!(r.provisional);
    assert_eq!(r.value, ymd(2027, 1, 4));
    assert!(
        cal.working_days_between(ymd(2026, 12, 1), ymd(2027, 1, 1))
            .provisional
    );
    assert!(
        cal.working_days_between(ymd(2027, 1, 1), ymd(2026, 12, 1))
            .provisional
    );
    // Entirely inside covered years: not provisional.
    assert!(!cal.add_working_days(ymd(2026, 12, 1), 3).provisional);
    // Before the covered years too.
    assert!(cal.is_working_day(ymd(2024, 10, 1)).provisional);
    assert!(cal.add_working_days(ymd(2024, 12, 30), 1).provisional);
}

#[test]
fn huge_counts_do_not_hang_or_overflow() {
    let cal = Calendar::embedded();
    let far = cal.add_working_days(ymd(2025, 1, 1), 10_000_000);
    assert!(far.provisional);
    assert_eq!(
        cal.working_days_between(ymd(2025, 1, 1), far.value).value,
        10_000_000
    );
    assert!(cal
        .checked_add_working_days(ymd(2025, 1, 1), u32::MAX)
        .is_none());
    assert_eq!(
        cal.add_working_days(ymd(2025, 1, 1), u32::MAX).value,
        NaiveDate::MAX
    );
}

fn reject(text: &str) -> String {
    match Calendar::from_toml_str(text, "centre.toml") {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_files_are_rejected_with_origin_key_and_problem() {
    let cases: &[(&str, &[&str])] = &[
        (
            "[years.2025]\noff = [\"2026-01-01\"]\n",
            &["years.2025.off[0]", "not in 2025"],
        ),
        (
            "[years.2025]\noff = [\"2025-01-01\", \"2025-02-30\"]\n",
            &["years.2025.off[1]", "not a date"],
        ),
        (
            "[years.2025]\noff = [\"2025-02-04..2025-01-28\"]\n",
            &["years.2025.off[0]", "ends before it starts"],
        ),
        (
            "[years.2025]\nmakeup = [\"2025-01-27\"]\n",
            &["years.2025.makeup[0]", "Saturday or Sunday"],
        ),
        (
            "[years.2025]\noff = [\"2025-01-25..2025-01-27\"]\nmakeup = [\"2025-01-26\"]\n",
            &["years.2025.makeup[0]", "also listed as a day off"],
        ),
        (
            "[years.2025]\noff = [\"2025-01-01..2025-01-03\", \"2025-01-03\"]\n",
            &["years.2025.off[1]", "already listed"],
        ),
        (
            "[years.2025]\nmakeup = [\"2025-01-26\", \"2025-01-26\"]\n",
            &["years.2025.makeup[1]", "listed twice"],
        ),
        (
            "[years.twenty]\noff = []\n",
            &["years.twenty", "not a year"],
        ),
        ("[years.2025]\nof = []\n", &["unknown field"]),
        ("years = 3\n", &["not a valid calendar file"]),
        ("", &["not a valid calendar file"]),
        ("years = {}\n", &["no year listed"]),
    ];
    for (text, needles) in cases {
        let msg = reject(text);
        assert!(msg.starts_with("centre.toml: "), "{msg}");
        for n in *needles {
            assert!(msg.contains(n), "{msg:?} lacks {n:?}");
        }
    }
}

#[test]
fn a_centre_file_replaces_the_embedded_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cal.toml");
    std::fs::write(
        &path,
        "[years.2027]\noff = [\"2027-01-01\"]\nmakeup = [\"2027-01-02\"]\n",
    )
    .unwrap();
    let cal = Calendar::load(&path).unwrap();
    assert_eq!(cal.years(), vec![2027]);
    assert_eq!(
        cal.is_working_day(ymd(2027, 1, 1)),
        Reckoned {
            value: false,
            provisional: false
        }
    );
    assert!(cal.is_working_day(ymd(2027, 1, 2)).value);
    assert!(cal.is_working_day(ymd(2026, 10, 1)).provisional);

    let missing = dir.path().join("nope.toml");
    let err = Calendar::load(&missing).unwrap_err().to_string();
    assert!(
        err.contains("nope.toml") && err.contains("cannot read"),
        "{err}"
    );
}

fn date_in(lo: NaiveDate, hi: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    let span = (hi - lo).num_days();
    (0..=span).prop_map(move |k| lo + chrono::Duration::days(k))
}

/// Plain day-by-day count, independent of the closed-form counting.
fn slow_between(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> i64 {
    let (a, b, sign) = if to < from {
        (to, from, -1)
    } else {
        (from, to, 1)
    };
    let n = a
        .iter_days()
        .skip(1)
        .take_while(|d| *d <= b)
        .filter(|d| cal.is_working_day(*d).value)
        .count();
    sign * i64::try_from(n).unwrap()
}

proptest! {
    #[test]
    fn add_then_between_round_trips(
        d in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
        n in 0u32..400,
    ) {
        let cal = Calendar::embedded();
        let r = cal.add_working_days(d, n);
        let back = cal.working_days_between(d, r.value);
        prop_assert_eq!(back.value, i64::from(n));
        prop_assert_eq!(back.provisional, r.provisional);
        if n > 0 {
            prop_assert!(cal.is_working_day(r.value).value);
            // Minimal: one day earlier falls short.
            let before = r.value.pred_opt().unwrap();
            prop_assert_eq!(cal.working_days_between(d, before).value, i64::from(n) - 1);
        }
    }

    #[test]
    fn between_matches_day_by_day_count_and_is_antisymmetric(
        a in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
        b in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
    ) {
        let cal = Calendar::embedded();
        let ab = cal.working_days_between(a, b);
        prop_assert_eq!(ab.value, slow_between(&cal, a, b));
        prop_assert_eq!(cal.working_days_between(b, a).value, -ab.value);
        let touches_uncovered = a.min(b) < ymd(2024, 12, 31) || a.max(b) > ymd(2026, 12, 31);
        prop_assert_eq!(ab.provisional, touches_uncovered && a != b);
    }

    #[test]
    fn add_is_monotone(
        d in date_in(ymd(2024, 6, 1), ymd(2027, 6, 30)),
        n in 0u32..300,
        k in 0u32..10,
    ) {
        let cal = Calendar::embedded();
        let a = cal.add_working_days(d, n).value;
        let b = cal.add_working_days(d, n + k).value;
        prop_assert!(a <= b);
        if k > 0 { prop_assert!(a < b); }
        let later = cal.add_working_days(d + chrono::Duration::days(1), n).value;
        prop_assert!(a <= later);
    }
}
