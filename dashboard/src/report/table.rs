//! The report's tables, shared by the CSV files and the HTML page so both always agree.

use chrono::Datelike;

use super::stats::{
    DayStats, Durations, ItemStats, MonthlyReport, QueueStats, RatingTally, WindowStats,
    ALERT_KINDS, QUEUE_ALERT_KINDS,
};

/// UTF-8 byte-order mark: without it Excel (zh-CN) reads the file as GBK and garbles it.
const BOM: &str = "\u{feff}";

pub(super) struct Table {
    pub file: &'static str,
    pub title: &'static str,
    /// `中文 english` per column.
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// RFC 4180 CSV (CRLF line ends) with a BOM.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(BOM);
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_cell(s: &str) -> String {
    // A leading = + @ would make Excel evaluate the cell as a formula.
    let s = if s.starts_with(['=', '+', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn header(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| (*c).to_string()).collect()
}

/// Seconds as minutes with one decimal; empty when there is nothing to measure.
pub(super) fn minutes(seconds: Option<i64>) -> String {
    #[allow(clippy::cast_precision_loss)]
    seconds.map_or_else(String::new, |s| format!("{:.1}", s as f64 / 60.0))
}

pub(super) fn mean_minutes(seconds: Option<f64>) -> String {
    seconds.map_or_else(String::new, |s| format!("{:.1}", s / 60.0))
}

pub(super) fn rating_mean(r: &RatingTally) -> String {
    r.mean().map_or_else(String::new, |m| format!("{m:.2}"))
}

pub(super) fn tables(r: &MonthlyReport) -> Vec<Table> {
    let mut t = vec![
        queues(r),
        windows(r),
        days(r),
        cases(r),
        departments(r),
        ratings(r),
    ];
    t.extend(super::redress::tables(&r.redress));
    t.push(alerts(r));
    t
}

fn queues(r: &MonthlyReport) -> Table {
    let mut cols = vec![
        "队列 queue",
        "取号 issued",
        "转入 transferred_in",
        "办结 served",
        "过号 no_show",
        "取消 cancelled",
        "转出 transferred_out",
        "未结束 unfinished",
        "等候中位数(分) wait_p50_min",
        "等候P90(分) wait_p90_min",
        "最长等候(分) wait_max_min",
        "办理中位数(分) service_p50_min",
        "办理P90(分) service_p90_min",
        "平均办理(分) service_mean_min",
        "绿色通道 green",
        "急事急办 urgent",
        "预约 appointment",
    ];
    let alert_cols: Vec<String> = QUEUE_ALERT_KINDS
        .iter()
        .filter_map(|k| ALERT_KINDS.iter().find(|(x, _, _)| x == k))
        .map(|(_, key, zh)| format!("{zh}告警 alerts_{key}"))
        .collect();
    cols.extend(alert_cols.iter().map(String::as_str));
    cols.extend([
        "告警合计 alerts_total",
        "评价数 ratings",
        "平均评分 rating_mean",
        "不满意(1-2) ratings_low",
    ]);
    let mut rows: Vec<Vec<String>> = r.queues.iter().map(queue_row).collect();
    rows.push(queue_row(&r.queue_total));
    Table {
        file: "queues.csv",
        title: "按队列 By queue",
        header: header(&cols),
        rows,
    }
}

fn queue_row(q: &QueueStats) -> Vec<String> {
    let mut row = vec![
        q.queue.clone(),
        q.issued.to_string(),
        q.transferred_in.to_string(),
        q.served.to_string(),
        q.no_show.to_string(),
        q.cancelled.to_string(),
        q.transferred_out.to_string(),
        q.unfinished.to_string(),
    ];
    row.extend(three(&q.waits, Durations::max));
    row.extend([
        minutes(q.service.percentile(50)),
        minutes(q.service.percentile(90)),
        mean_minutes(q.service.mean()),
        q.green.to_string(),
        q.urgent.to_string(),
        q.appointment.to_string(),
    ]);
    row.extend(
        QUEUE_ALERT_KINDS
            .iter()
            .map(|k| q.alerts_of(*k).to_string()),
    );
    row.extend([
        q.alerts_total().to_string(),
        q.ratings.count().to_string(),
        rating_mean(&q.ratings),
        q.ratings.low().to_string(),
    ]);
    row
}

/// p50, p90 and one more statistic of `d`, in minutes.
fn three(d: &Durations, third: fn(&Durations) -> Option<i64>) -> [String; 3] {
    [
        minutes(d.percentile(50)),
        minutes(d.percentile(90)),
        minutes(third(d)),
    ]
}

fn windows(r: &MonthlyReport) -> Table {
    let cols = [
        "窗口 window",
        "办结 served",
        "办理中位数(分) service_p50_min",
        "平均办理(分) service_mean_min",
        "过号 no_show",
        "空闲告警 idle_alerts",
        "评价数 ratings",
        "平均评分 rating_mean",
        "不满意(1-2) ratings_low",
    ];
    let mut rows: Vec<Vec<String>> = r
        .windows
        .iter()
        .map(|w| window_row(w.window.to_string(), w))
        .collect();
    rows.push(window_row("合计 total".into(), &r.window_total));
    Table {
        file: "windows.csv",
        title: "按窗口 By window",
        header: header(&cols),
        rows,
    }
}

fn window_row(label: String, w: &WindowStats) -> Vec<String> {
    vec![
        label,
        w.served.to_string(),
        minutes(w.service.percentile(50)),
        mean_minutes(w.service.mean()),
        w.no_show.to_string(),
        w.idle_alerts.to_string(),
        w.ratings.count().to_string(),
        rating_mean(&w.ratings),
        w.ratings.low().to_string(),
    ]
}

fn days(r: &MonthlyReport) -> Table {
    let cols = [
        "日期 date",
        "星期 weekday",
        "取号 issued",
        "办结 served",
        "平均等候(分) wait_mean_min",
    ];
    let mut rows: Vec<Vec<String>> = r.days.iter().map(day_row).collect();
    rows.push(vec![
        "合计 total".into(),
        String::new(),
        r.days.iter().map(|d| d.issued).sum::<u64>().to_string(),
        r.days.iter().map(|d| d.served).sum::<u64>().to_string(),
        // The same tickets as the queue total: every ticket of the month.
        mean_minutes(r.queue_total.waits.mean()),
    ]);
    Table {
        file: "days.csv",
        title: "按日 By day",
        header: header(&cols),
        rows,
    }
}

fn day_row(d: &DayStats) -> Vec<String> {
    const WEEKDAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let wd = WEEKDAYS[d.date.weekday().num_days_from_monday() as usize];
    vec![
        d.date.to_string(),
        format!("周{wd} {}", d.date.format("%a")),
        d.issued.to_string(),
        d.served.to_string(),
        mean_minutes(d.waits.mean()),
    ]
}

const CASE_COLUMNS: [&str; 13] = [
    "收件 opened",
    "受理 accepted",
    "视为受理 deemed_accepted",
    "不予受理 rejected",
    "不予许可 refused",
    "当场办结 completed_on_the_spot",
    "按期办结 completed_on_time",
    "逾期办结 completed_late",
    "一次性告知补正 correction_notices",
    "收件审查 taken_in_for_review",
    "逾期未办结 overdue",
    "延长期限 extensions",
    "特别程序 pauses",
];

fn cases(r: &MonthlyReport) -> Table {
    let cols: Vec<&str> = ["事项编码 item", "事项名称 item_name"]
        .into_iter()
        .chain(CASE_COLUMNS)
        .collect();
    let mut rows: Vec<Vec<String>> = r.items.iter().map(item_row).collect();
    rows.push(item_row(&r.item_total));
    Table {
        file: "cases.csv",
        title: "办件（按事项） Cases by item",
        header: header(&cols),
        rows,
    }
}

fn departments(r: &MonthlyReport) -> Table {
    let cols: Vec<&str> = std::iter::once("部门 department")
        .chain(CASE_COLUMNS)
        .collect();
    let rows = r
        .departments
        .iter()
        .map(|d| {
            let mut row = item_row(d);
            row.remove(1);
            row
        })
        .collect();
    Table {
        file: "departments.csv",
        title: "办件（按部门） Cases by department",
        header: header(&cols),
        rows,
    }
}

fn item_row(i: &ItemStats) -> Vec<String> {
    vec![
        i.item.clone(),
        i.name.clone(),
        i.opened.to_string(),
        i.accepted.to_string(),
        i.deemed_accepted.to_string(),
        i.rejected.to_string(),
        i.refused.to_string(),
        i.completed.to_string(),
        i.completed_on_time.to_string(),
        i.completed_late.to_string(),
        i.notices.to_string(),
        i.deferred_notices.to_string(),
        i.overdue.to_string(),
        i.extensions.to_string(),
        i.pauses.to_string(),
    ]
}

/// 好差评 levels, 5 first as the rating page shows them.
pub(super) const LEVELS: [(u8, &str); 5] = [
    (5, "非常满意 very satisfied"),
    (4, "满意 satisfied"),
    (3, "基本满意 fair"),
    (2, "不满意 dissatisfied"),
    (1, "非常不满意 very dissatisfied"),
];

fn ratings(r: &MonthlyReport) -> Table {
    let cols = [
        "评分 rating",
        "等级 level",
        "次数 count",
        "占比(%) share_pct",
    ];
    let total = r.ratings.count();
    let mut rows: Vec<Vec<String>> = LEVELS
        .iter()
        .map(|(level, label)| {
            let n = r.ratings.by_level[usize::from(*level) - 1];
            vec![
                level.to_string(),
                (*label).to_string(),
                n.to_string(),
                share(n, total),
            ]
        })
        .collect();
    rows.push(vec![
        "合计 total".into(),
        format!(
            "平均 mean {} (窗口服务 tickets {} / 办件 cases {})",
            rating_mean(&r.ratings),
            r.ticket_ratings,
            r.case_ratings
        ),
        total.to_string(),
        if total > 0 {
            "100.0".into()
        } else {
            String::new()
        },
    ]);
    Table {
        file: "ratings.csv",
        title: "好差评 Ratings",
        header: header(&cols),
        rows,
    }
}

#[allow(clippy::cast_precision_loss)]
fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return String::new();
    }
    format!("{:.1}", n as f64 * 100.0 / total as f64)
}

fn alerts(r: &MonthlyReport) -> Table {
    let cols = ["告警类型 kind", "说明 description", "次数 count"];
    let mut rows: Vec<Vec<String>> = ALERT_KINDS
        .iter()
        .map(|(_, key, zh)| {
            let n = r.alerts.get(key).copied().unwrap_or(0);
            vec![(*key).to_string(), (*zh).to_string(), n.to_string()]
        })
        .collect();
    rows.push(vec![
        "合计 total".into(),
        String::new(),
        r.alerts.values().sum::<u64>().to_string(),
    ]);
    Table {
        file: "alerts.csv",
        title: "告警 Alerts raised",
        header: header(&cols),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_defused() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("12.5"), "12.5");
    }
}
