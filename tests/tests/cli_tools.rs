//! The operator commands through the real `dashboard` binary: output format and exit codes.
#![allow(clippy::unwrap_used)]

mod common;

use common::{run_dashboard, Run};

fn ok(args: &[&str]) -> Run {
    let r = run_dashboard(args);
    assert_eq!(
        r.code,
        Some(0),
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    r
}

fn fails_with(code: i32, args: &[&str]) -> Run {
    let r = run_dashboard(args);
    assert_eq!(
        r.code,
        Some(code),
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout,
        r.stderr
    );
    r
}

// ---------------------------------------------------------------- calendar

#[test]
fn workdays_2026_lists_248_days_starting_with_the_sunday_make_up_day() {
    let r = ok(&["calendar", "workdays", "2026"]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 248);
    // 2026-01-01..03 are off; Sunday 2026-01-04 is worked in exchange.
    assert_eq!(lines[0], "2026-01-04");
    assert_eq!(lines[247], "2026-12-31");
    for make_up in [
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ] {
        assert!(lines.contains(&make_up), "{make_up}");
    }
    for off in [
        "2026-01-02",
        "2026-02-16",
        "2026-06-19",
        "2026-09-25",
        "2026-10-01",
        "2026-10-07",
    ] {
        assert!(!lines.contains(&off), "{off}");
    }
    let dates: Vec<chrono::NaiveDate> = lines.iter().map(|l| l.parse().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]));
    assert!(!r.stderr.contains("provisional"), "{}", r.stderr);
}

#[test]
fn workdays_2025_has_248_days() {
    let r = ok(&["calendar", "workdays", "2025"]);
    assert_eq!(r.stdout.lines().count(), 248);
    assert_eq!(r.stdout.lines().next(), Some("2025-01-02"));
}

#[test]
fn uncovered_year_is_weekends_only_with_a_warning() {
    let r = ok(&["calendar", "workdays", "2027"]);
    // 2027: 365 days from a Friday = 52 whole weeks + one Friday = 261 weekdays.
    assert_eq!(r.stdout.lines().count(), 261);
    assert_eq!(r.stdout.lines().next(), Some("2027-01-01"));
    assert!(r.stderr.contains("provisional"), "{}", r.stderr);
}

#[test]
fn add_working_days_worked_examples() {
    for (date, n, want) in [
        ("2025-01-24", "5", "2025-02-07"),
        ("2026-09-30", "5", "2026-10-13"),
        ("2025-09-30", "1", "2025-10-09"),
        ("2026-03-03", "0", "2026-03-03"),
    ] {
        let r = ok(&["calendar", "add", date, n]);
        assert_eq!(r.stdout.trim(), want, "{date} + {n}");
        assert!(!r.stderr.contains("provisional"), "{}", r.stderr);
    }
    let r = ok(&["calendar", "add", "2026-12-30", "3"]);
    assert_eq!(r.stdout.trim(), "2027-01-04");
    assert!(r.stderr.contains("provisional"), "{}", r.stderr);
}

#[test]
fn a_centre_calendar_file_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("centre-calendar.toml");
    std::fs::write(
        &path,
        "[years.2027]\noff = [\"2027-01-01\"]\nmakeup = [\"2027-01-09\"]\n",
    )
    .unwrap();
    let file = path.to_str().unwrap();
    // The option works before and after the subcommand.
    let r = ok(&["calendar", "--calendar", file, "add", "2026-12-31", "1"]);
    assert_eq!(r.stdout.trim(), "2027-01-04");
    assert!(!r.stderr.contains("provisional"), "{}", r.stderr);
    let r = ok(&["calendar", "workdays", "2027", "--calendar", file]);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 261 - 1 + 1);
    assert_eq!(lines[0], "2027-01-04");
    assert!(lines.contains(&"2027-01-09"));
    // That file does not cover 2026.
    let r = ok(&["calendar", "--calendar", file, "workdays", "2026"]);
    assert!(r.stderr.contains("provisional"));
}

#[test]
fn bad_calendar_file_is_rejected_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "[years.2027]\nmakeup = [\"2027-01-04\"]\n").unwrap();
    let r = fails_with(
        2,
        &[
            "calendar",
            "--calendar",
            path.to_str().unwrap(),
            "workdays",
            "2027",
        ],
    );
    assert!(r.stderr.contains("broken.toml"), "{}", r.stderr);
    assert!(r.stderr.contains("years.2027.makeup[0]"), "{}", r.stderr);
    assert!(r.stderr.contains("Saturday or Sunday"), "{}", r.stderr);
    assert!(r.stdout.is_empty());

    let missing = dir.path().join("missing.toml");
    let r = fails_with(
        2,
        &[
            "calendar",
            "--calendar",
            missing.to_str().unwrap(),
            "add",
            "2026-01-05",
            "1",
        ],
    );
    assert!(r.stderr.contains("missing.toml"), "{}", r.stderr);
}

#[test]
fn bad_dates_and_counts_exit_2() {
    for args in [
        &["calendar", "add", "2025-02-30", "5"][..],
        &["calendar", "add", "24/01/2025", "5"],
        &["calendar", "add", "2025-01-24", "-1"],
        &["calendar", "add", "2025-01-24", "five"],
        &["calendar", "workdays", "twenty"],
        &["calendar", "workdays", "0"],
    ] {
        let r = fails_with(2, args);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        assert!(!r.stderr.is_empty());
    }
    let r = fails_with(2, &["calendar", "add", "2025-02-30", "5"]);
    assert!(r.stderr.contains("YYYY-MM-DD"), "{}", r.stderr);
}

// ---------------------------------------------------------------- check-id

#[test]
fn valid_ids_print_their_kind() {
    for (value, kind) in [
        ("11010519491231002X", "resident"),
        ("11010519491231002x", "resident"),
        ("440524188001010014", "resident"),
        ("440524800101001", "resident"),
        ("91350100M000100Y43", "uscc"),
    ] {
        let r = ok(&["check-id", value]);
        assert_eq!(r.stdout.trim(), kind, "{value}");
    }
    let r = ok(&["check-id", "--kind", "uscc", "91350100M000100Y43"]);
    assert_eq!(r.stdout.trim(), "uscc");
}

#[test]
fn invalid_ids_exit_1_with_a_reason() {
    for value in [
        "11010519491231002",  // too short
        "110105194912310021", // check character
        "11010519490229002X", // 29 Feb 1949
        "91350100M000100Y4Z", // Z not in the alphabet
        "",
    ] {
        let r = fails_with(1, &["check-id", value]);
        assert!(r.stderr.contains("invalid"), "{value}: {}", r.stderr);
        assert!(!r.stderr.contains("override"), "{value}: {}", r.stderr);
        if value.len() >= 12 {
            // The full number never appears in the output.
            assert!(
                !r.stderr.contains(value) && !r.stdout.contains(value),
                "{}",
                r.stderr
            );
        }
    }
    // A resident ID is not a credit code.
    fails_with(1, &["check-id", "--kind", "uscc", "11010519491231002X"]);
}

#[test]
fn uscc_checksum_mismatch_says_staff_may_override() {
    let r = fails_with(1, &["check-id", "91350100M000100Y44"]);
    assert!(r.stderr.contains("checksum"), "{}", r.stderr);
    assert!(r.stderr.contains("override"), "{}", r.stderr);
}

// ---------------------------------------------------------------- staffing

/// Erlang C service level from the textbook formula (log space), independent of queue-core.
fn service_level(n: u32, arrivals_per_hour: f64, aht: f64, target: f64) -> f64 {
    let a = arrivals_per_hour * aht / 3600.0;
    let nf = f64::from(n);
    if nf <= a {
        return 0.0;
    }
    let ln_term = |k: u32| f64::from(k) * a.ln() - (1..=k).map(|i| f64::from(i).ln()).sum::<f64>();
    let top = ln_term(n) + (nf / (nf - a)).ln();
    let sum: f64 = (0..n).map(|k| (ln_term(k) - top).exp()).sum();
    let c = 1.0 / (sum + 1.0);
    1.0 - c * (-(nf - a) * target / aht).exp()
}

#[test]
fn staffing_json_check_value() {
    let expected_windows = (1..100)
        .find(|n| service_level(*n, 57.0, 1110.0, 180.0) >= 0.8)
        .unwrap();
    assert_eq!(expected_windows, 21, "by the textbook formula");
    for level in ["0.8", "80", "80%"] {
        let r = ok(&[
            "staffing",
            "--arrivals-per-hour",
            "57",
            "--service-seconds",
            "1110",
            "--target-seconds",
            "180",
            "--service-level",
            level,
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["mean_wait_seconds", "prob_wait", "service_level", "windows"]
        );
        assert_eq!(obj["windows"], 21);
        let sl = obj["service_level"].as_f64().unwrap();
        assert!((sl - 0.807).abs() < 0.001, "{sl}");
        assert!((sl - service_level(21, 57.0, 1110.0, 180.0)).abs() < 1e-9);
        let pw = obj["prob_wait"].as_f64().unwrap();
        assert!((0.0..1.0).contains(&pw));
        let mw = obj["mean_wait_seconds"].as_f64().unwrap();
        // Mean wait = C · AHT / (N − A).
        assert!((mw - pw * 1110.0 / (21.0 - 17.575)).abs() < 1e-6, "{mw}");
        assert_eq!(r.stdout.trim().lines().count(), 1);
    }
}

#[test]
fn staffing_text_output() {
    let r = ok(&[
        "staffing",
        "--arrivals-per-hour",
        "57",
        "--service-seconds",
        "1110",
        "--target-seconds",
        "180",
        "--service-level",
        "0.8",
    ]);
    assert!(r.stdout.contains("windows: 21"), "{}", r.stdout);
    assert!(r.stdout.contains("80.7 %"), "{}", r.stdout);
}

#[test]
fn staffing_bad_input_exits_2() {
    let base = |x: &str, s: &str, t: &str, p: &str| {
        vec![
            "staffing".to_owned(),
            "--arrivals-per-hour".to_owned(),
            x.to_owned(),
            "--service-seconds".to_owned(),
            s.to_owned(),
            "--target-seconds".to_owned(),
            t.to_owned(),
            "--service-level".to_owned(),
            p.to_owned(),
        ]
    };
    for (args, needle) in [
        (base("57", "1110", "180", "1"), "service-level"),
        (base("57", "1110", "180", "100"), "service-level"),
        (base("57", "1110", "180", "0"), "service-level"),
        (base("57", "1110", "180", "-0.5"), "service-level"),
        (base("57", "1110", "180", "abc"), "service-level"),
        (base("-5", "1110", "180", "0.8"), "arrivals per hour"),
        (base("NaN", "1110", "180", "0.8"), "arrivals per hour"),
        (base("57", "0", "180", "0.8"), "service seconds"),
        (base("57", "1110", "-1", "0.8"), "target seconds"),
        (base("57", "x", "180", "0.8"), "service-seconds"),
    ] {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = fails_with(2, &refs);
        assert!(r.stderr.contains(needle), "{refs:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{}", r.stdout);
    }
}
