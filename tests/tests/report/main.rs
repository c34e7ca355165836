//! `dashboard report`: a real database written by the real hall writer, a scripted March 2026
//! (two service days) plus one ticket on 1 April, and the exact figures a manager reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod script;

use dashboard::report::{self, Month};
use script::*;

#[test]
#[allow(clippy::too_many_lines)] // one scripted month, checked table by table
fn march_report_has_exact_counts_percentiles_and_no_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = scripted_hall(dir.path());
    let (r, out) = make(&db, "2026-03", date(4, 15), &dir.path().join("out"));
    assert!(!r.is_empty());
    assert_eq!(r.as_of, date(3, 31));

    // Queues. Waits A [5,10,20,40] → p50 10 (2nd of 4), p90 40; B [31,50] → p50 31, p90 50.
    assert_cols(
        &out.row("queues.csv", "A"),
        &[
            ("队列 queue", "A"),
            ("取号 issued", "4"),
            ("办结 served", "4"),
            ("过号 no_show", "0"),
            ("取消 cancelled", "0"),
            ("未结束 unfinished", "0"),
            ("等候中位数(分) wait_p50_min", "10.0"),
            ("等候P90(分) wait_p90_min", "40.0"),
            ("最长等候(分) wait_max_min", "40.0"),
            ("办理中位数(分) service_p50_min", "10.0"),
            ("办理P90(分) service_p90_min", "30.0"),
            ("平均办理(分) service_mean_min", "16.5"),
            ("绿色通道 green", "1"),
            ("急事急办 urgent", "1"),
            ("预约 appointment", "0"),
            ("告警合计 alerts_total", "0"),
            ("评价数 ratings", "2"),
            ("平均评分 rating_mean", "3.50"),
            ("不满意(1-2) ratings_low", "1"),
        ],
    );
    assert_cols(
        &out.row("queues.csv", "B"),
        &[
            ("取号 issued", "3"),
            ("办结 served", "1"),
            ("过号 no_show", "1"),
            ("取消 cancelled", "1"),
            ("等候中位数(分) wait_p50_min", "31.0"),
            ("等候P90(分) wait_p90_min", "50.0"),
            ("最长等候(分) wait_max_min", "50.0"),
            ("平均办理(分) service_mean_min", "20.0"),
            ("拒绝急事急办告警 alerts_urgent_refused", "1"),
            ("等候超时告警 alerts_long_wait", "0"),
            ("告警合计 alerts_total", "1"),
            ("评价数 ratings", "1"),
            ("平均评分 rating_mean", "4.00"),
        ],
    );
    // The total is computed over all tickets, not averaged over queues:
    // waits [5,10,20,31,40,50] → p50 20 (3rd), p90 50 (6th); service [6,10,20,20,30].
    assert_cols(
        &out.row("queues.csv", "合计 total"),
        &[
            ("取号 issued", "7"),
            ("办结 served", "5"),
            ("过号 no_show", "1"),
            ("取消 cancelled", "1"),
            ("等候中位数(分) wait_p50_min", "20.0"),
            ("等候P90(分) wait_p90_min", "50.0"),
            ("办理中位数(分) service_p50_min", "20.0"),
            ("办理P90(分) service_p90_min", "30.0"),
            ("平均办理(分) service_mean_min", "17.2"),
            ("评价数 ratings", "3"),
            ("平均评分 rating_mean", "3.67"),
            ("不满意(1-2) ratings_low", "1"),
        ],
    );
    assert_eq!(out.csv("queues.csv").len(), 4, "header, A, B, total");

    // Windows: the April ticket served at window 1 is not March's.
    assert_cols(
        &out.row("windows.csv", "1"),
        &[
            ("办结 served", "4"),
            ("办理中位数(分) service_p50_min", "10.0"),
            ("平均办理(分) service_mean_min", "16.5"),
            ("过号 no_show", "0"),
            ("空闲告警 idle_alerts", "0"),
            ("评价数 ratings", "2"),
            ("不满意(1-2) ratings_low", "1"),
        ],
    );
    assert_cols(
        &out.row("windows.csv", "4"),
        &[
            ("办结 served", "1"),
            ("过号 no_show", "1"),
            ("评价数 ratings", "1"),
            ("平均评分 rating_mean", "4.00"),
        ],
    );

    // Days: every day of March, zeros included; the 07:30 April ticket is not on 31 March.
    let days = out.csv("days.csv");
    assert_eq!(days.len(), 1 + 31 + 1);
    assert_cols(
        &out.row("days.csv", "2026-03-02"),
        &[
            ("取号 issued", "4"),
            ("办结 served", "3"),
            ("平均等候(分) wait_mean_min", "16.5"),
        ],
    );
    assert_cols(
        &out.row("days.csv", "2026-03-03"),
        &[("取号 issued", "3"), ("平均等候(分) wait_mean_min", "45.0")],
    );
    assert_cols(
        &out.row("days.csv", "2026-03-31"),
        &[("取号 issued", "0"), ("平均等候(分) wait_mean_min", "")],
    );
    assert_cols(
        &out.row("days.csv", "合计 total"),
        &[("取号 issued", "7"), ("平均等候(分) wait_mean_min", "26.0")],
    );

    // Cases: QY001 accepted on 2 March, due 3 March, no completion → overdue at 31 March.
    assert_cols(
        &out.row("cases.csv", "QY001"),
        &[
            ("事项名称 item_name", "企业设立登记"),
            ("收件 opened", "1"),
            ("受理 accepted", "1"),
            ("当场办结 completed_on_the_spot", "0"),
            ("逾期未办结 overdue", "1"),
        ],
    );
    assert_cols(
        &out.row("cases.csv", "QY002"),
        &[
            ("收件 opened", "1"),
            ("受理 accepted", "0"),
            ("当场办结 completed_on_the_spot", "1"),
            ("逾期未办结 overdue", "0"),
        ],
    );
    assert_cols(
        &out.row("cases.csv", "合计 total"),
        &[
            ("收件 opened", "2"),
            ("受理 accepted", "1"),
            ("不予受理 rejected", "0"),
            ("当场办结 completed_on_the_spot", "1"),
            ("逾期未办结 overdue", "1"),
        ],
    );

    // Per deciding department: both items are the market regulator's.
    assert_cols(
        &out.row("departments.csv", "花都区市场监督管理局"),
        &[
            ("收件 opened", "2"),
            ("受理 accepted", "1"),
            ("当场办结 completed_on_the_spot", "1"),
            ("按期办结 completed_on_time", "0"),
            ("逾期办结 completed_late", "0"),
            ("逾期未办结 overdue", "1"),
        ],
    );

    // Ratings: 5, 2, 4 in March; the April 1 is not counted.
    assert_cols(
        &out.row("ratings.csv", "5"),
        &[("次数 count", "1"), ("占比(%) share_pct", "33.3")],
    );
    assert_cols(&out.row("ratings.csv", "1"), &[("次数 count", "0")]);
    assert_cols(
        &out.row("ratings.csv", "合计 total"),
        &[("次数 count", "3")],
    );
    assert_cols(
        &out.row("alerts.csv", "urgent_refused"),
        &[("次数 count", "1")],
    );
    assert_cols(
        &out.row("alerts.csv", "idle_window"),
        &[("次数 count", "0")],
    );

    // Per staff member, follow-ups (回访率, 整改率, overdue), requests by state.
    assert_cols(
        &out.row("staff_ratings.csv", "101"),
        &[
            ("评价数 ratings", "2"),
            ("平均评分 rating_mean", "3.50"),
            ("不满意(1-2) ratings_low", "1"),
        ],
    );
    assert_cols(
        &out.row("staff_ratings.csv", "104"),
        &[("评价数 ratings", "1"), ("平均评分 rating_mean", "4.00")],
    );
    // All three March ratings were given at the kiosk: one channel row, none for the others.
    assert_cols(
        &out.row("ratings_by_channel.csv", "自助终端 kiosk"),
        &[
            ("评价数 ratings", "3"),
            ("平均评分 rating_mean", "3.67"),
            ("不满意(1-2) ratings_low", "1"),
        ],
    );
    assert_eq!(
        out.csv("ratings_by_channel.csv").len(),
        2,
        "header and kiosk"
    );
    assert_cols(
        &out.row("follow_ups.csv", "花都区市场监督管理局"),
        &[
            ("差评 opened", "1"),
            ("已回访 called_back", "1"),
            ("回访率(%) callback_rate_pct", "100.0"),
            ("已整改 rectified", "1"),
            ("整改率(%) rectification_rate_pct", "100.0"),
            ("已反馈办结 closed", "0"),
            ("超期 overdue", "1"),
        ],
    );
    assert_cols(
        &out.row("requests.csv", "投诉 complaint"),
        &[
            ("登记 recorded", "1"),
            ("已转办 referred", "1"),
            // Due 10 March, still with the department on the 31st.
            ("超期 overdue", "1"),
        ],
    );
    assert_cols(
        &out.row("requests.csv", "办不成事 cannot_do"),
        &[("登记 recorded", "1"), ("已反馈 answered", "1")],
    );
    assert_cols(
        &out.row("requests.csv", "合计 total"),
        &[("登记 recorded", "2"), ("待处理 received", "0")],
    );

    // Every file: BOM, bilingual header, no personal data.
    let files = [
        "staff_ratings.csv",
        "ratings_by_channel.csv",
        "follow_ups.csv",
        "requests.csv",
        "queues.csv",
        "windows.csv",
        "days.csv",
        "cases.csv",
        "departments.csv",
        "ratings.csv",
        "alerts.csv",
        "index.html",
    ];
    for f in files {
        let text = out.text(f);
        if f.ends_with(".csv") {
            assert!(std::fs::read(out.dir.join(f))
                .unwrap()
                .starts_with(&[0xEF, 0xBB, 0xBF]));
            assert!(out.csv(f)[0][0].contains(' '), "{f}: 中文 english header");
        }
        for secret in [
            ID_NUMBER,
            NAME,
            "4405**",
            "等候太久",
            "20260302-A001",
            "社保转移被推诿",
            "440114-T",
        ] {
            assert!(!text.contains(secret), "{f} contains {secret}");
        }
    }

    // The HTML: Chinese first, self-contained, the headline numbers, two charts.
    let html = out.text("index.html");
    assert!(html.contains("<html lang=\"zh-CN\">"));
    for kpi in [
        ("issued", "7"),
        ("served", "5"),
        ("no_show", "1"),
        ("wait_p50", "20.0"),
        ("wait_p90", "50.0"),
        ("rating_mean", "3.67"),
        ("cases_opened", "2"),
        ("cases_overdue", "1"),
        ("callback_rate", "100.0"),
        ("rectification_rate", "100.0"),
        ("follow_ups_overdue", "1"),
    ] {
        let tag = format!("<strong data-kpi=\"{}\">{}</strong>", kpi.0, kpi.1);
        assert!(html.contains(&tag), "{tag}");
    }
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(
        html.contains("<title>2026-03-02: 4</title>"),
        "bar for 2 March"
    );
    for external in ["<script", "src=", "href=", "@import", "url("] {
        assert!(!html.contains(external), "{external}");
    }
}

#[test]
fn overdue_is_judged_as_of_today_while_the_month_runs_and_april_is_its_own_month() {
    let dir = tempfile::tempdir().unwrap();
    let db = scripted_hall(dir.path());
    // On 3 March the case is due today: not yet overdue.
    let (r, _) = make(&db, "2026-03", date(3, 3), &dir.path().join("early"));
    assert_eq!(r.as_of, date(3, 3));
    assert_eq!(r.item_total.overdue, 0);
    assert_eq!(r.item_total.accepted, 1);
    // Read-only, alongside a running hall writer: March is unchanged by it.
    let running = HallUnderTest::start(&db, at(4, 15, 9, 0));
    let (during, _) = make(&db, "2026-03", date(4, 15), &dir.path().join("during"));
    running.svc.shutdown();
    assert_eq!(
        during.queue_total,
        make(&db, "2026-03", date(4, 15), &dir.path().join("after"))
            .0
            .queue_total
    );
    assert_eq!(during.item_total.overdue, 1);
    // April holds exactly the one early-morning ticket and its rating.
    let (r, out) = make(&db, "2026-04", date(4, 15), &dir.path().join("april"));
    assert_eq!(r.queue_total.issued, 1);
    assert_eq!(r.queue_total.waits.percentile(50), Some(30 * 60));
    assert_eq!(r.ratings.low(), 1);
    assert_eq!(r.item_total.opened, 0);
    // Still overdue at the end of April although accepted in March (GZ Art 19): the report
    // used to count only cases due within the month.
    assert_eq!(r.item_total.overdue, 1);
    assert_cols(
        &out.row("departments.csv", "花都区市场监督管理局"),
        &[("收件 opened", "0"), ("逾期未办结 overdue", "1")],
    );
    assert_cols(
        &out.row("days.csv", "2026-04-01"),
        &[("取号 issued", "1"), ("平均等候(分) wait_mean_min", "30.0")],
    );
}

#[test]
fn a_month_without_data_still_writes_every_file_with_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let db = scripted_hall(dir.path());
    let (r, out) = make(&db, "2026-02", date(4, 15), &dir.path().join("feb"));
    assert!(r.is_empty());
    assert_eq!(out.csv("days.csv").len(), 1 + 28 + 1);
    assert_cols(
        &out.row("queues.csv", "A"),
        &[
            ("取号 issued", "0"),
            ("办结 served", "0"),
            ("等候中位数(分) wait_p50_min", ""),
        ],
    );
    assert_cols(
        &out.row("queues.csv", "合计 total"),
        &[("取号 issued", "0")],
    );
    assert_cols(&out.row("cases.csv", "合计 total"), &[("收件 opened", "0")]);
    let html = out.text("index.html");
    assert!(html.contains("本月无数据"));
    assert!(html.contains("<strong data-kpi=\"issued\">0</strong>"));
    assert!(html.contains("<svg"));
}

#[test]
fn bad_month_missing_and_tampered_databases_are_clear_errors() {
    for bad in ["2026-3", "2026-13", "03-2026", "2026_03", ""] {
        let e = bad.parse::<Month>().unwrap_err().to_string();
        assert!(e.contains("YYYY-MM"), "{bad}: {e}");
    }

    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.db");
    let e = report::build(&missing, "2026-03".parse().unwrap(), date(4, 1))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.db") && e.contains("not found"), "{e}");
    assert!(!missing.exists(), "a report must not create a database");

    // Change one rating in the stored log (same length, so SQLite still reads the page).
    let db = scripted_hall(dir.path());
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = b"\"rating\":5";
    let pos = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the rating is in the main database file after a clean shutdown");
    bytes[pos + needle.len() - 1] = b'3';
    std::fs::write(&db, bytes).unwrap();
    let e = report::build(&db, "2026-03".parse().unwrap(), date(4, 1)).unwrap_err();
    let e = format!("{e:#}");
    assert!(e.contains("tampered"), "{e}");
}
