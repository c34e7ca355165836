//! `index.html`: one self-contained page (inline CSS, inline SVG, no scripts, no external
//! resources) so it can be mailed, archived or opened on an offline office PC.

use std::fmt::Write as _;

use super::stats::MonthlyReport;
use super::table::{mean_minutes, minutes, rating_mean, Table};
use crate::document_page::esc;

const CSS: &str = "body{font-family:\"Microsoft YaHei\",\"PingFang SC\",\"Noto Sans CJK SC\",sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h1 small{font-size:14px;color:#666;font-weight:normal}
h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 12px}.empty{background:#fff4d6;border:1px solid #e8c36a;padding:8px 12px}
.kpis{display:flex;flex-wrap:wrap;gap:10px}.kpi{border:1px solid #ccd;border-radius:6px;padding:8px 12px;min-width:120px}
.kpi strong{display:block;font-size:24px;color:#1a4f8b}.kpi span{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:12px;margin-bottom:4px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#eef2f7;font-weight:normal}td:first-child,th:first-child{text-align:left}
tr:last-child td{font-weight:bold;background:#f7f7f7}.file{font-size:11px;color:#777;margin:0}
svg text{font-size:11px;fill:#333}.bar{fill:#3b78c2}.p50{fill:#3b78c2}.p90{fill:#e39b3b}.axis{stroke:#999}
.notes{font-size:12px;color:#444}.wrap{overflow-x:auto}";

pub(super) fn page(r: &MonthlyReport, tables: &[Table]) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let m = r.month;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{m} 政务服务月度统计 Monthly statistics</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n\
         <h1>{m} 政务服务月度统计 <small>Monthly service statistics</small></h1>\n\
         <p class=\"meta\">统计截至 as of {} · 依据《广州市政务服务条例》第十九条 GZ Art 19 · 不含个人信息 no personal data</p>\n",
        r.as_of
    );
    if let Some(head) = &r.signed_head {
        let _ = writeln!(
            h,
            "<p class=\"meta\">日志签名头 signed log head: {} (dashboard verify-log)</p>",
            esc(head)
        );
    }
    if r.is_empty() {
        h.push_str("<p class=\"empty\">本月无数据，各项为零。 No data for this month: all figures are zero.</p>\n");
    }
    kpis(&mut h, r);
    h.push_str("<h2>每日取号 Tickets issued per day</h2>\n");
    h.push_str(&day_chart(r));
    h.push_str("<h2>各队列等候时间（分钟） Waits per queue (minutes)</h2>\n");
    h.push_str(&wait_chart(r));
    for t in tables {
        table(&mut h, t);
    }
    notes(&mut h);
    h.push_str("</body>\n</html>\n");
    h
}

fn kpis(h: &mut String, r: &MonthlyReport) {
    let q = &r.queue_total;
    let c = &r.item_total;
    let f = &r.redress.follow_up_total;
    let items: [(&str, String, &str); 16] = [
        ("issued", q.issued.to_string(), "取号 tickets issued"),
        ("served", q.served.to_string(), "办结 served"),
        ("no_show", q.no_show.to_string(), "过号 no-shows"),
        (
            "wait_p50",
            minutes(q.waits.percentile(50)),
            "等候中位数（分） median wait, min",
        ),
        (
            "wait_p90",
            minutes(q.waits.percentile(90)),
            "等候P90（分） 90th pct wait, min",
        ),
        (
            "service_mean",
            mean_minutes(q.service.mean()),
            "平均办理（分） mean service, min",
        ),
        ("ratings", r.ratings.count().to_string(), "评价 ratings"),
        (
            "rating_mean",
            rating_mean(&r.ratings),
            "平均评分 mean rating",
        ),
        (
            "ratings_low",
            r.ratings.low().to_string(),
            "不满意 dissatisfied (1-2)",
        ),
        (
            "cases_opened",
            c.opened.to_string(),
            "办件收件 cases opened",
        ),
        (
            "cases_accepted",
            (c.accepted + c.deemed_accepted).to_string(),
            "受理（含视为受理） accepted incl. deemed",
        ),
        ("cases_overdue", c.overdue.to_string(), "逾期未办结 overdue"),
        (
            "callback_rate",
            f.callback_rate(),
            "回访率（%） bad ratings called back",
        ),
        (
            "rectification_rate",
            f.rectification_rate(),
            "整改率（%） bad ratings rectified",
        ),
        (
            "follow_ups_overdue",
            f.overdue.to_string(),
            "回访超期 follow-ups overdue",
        ),
        (
            "alerts",
            r.alerts.values().sum::<u64>().to_string(),
            "告警 alerts raised",
        ),
    ];
    h.push_str("<section class=\"kpis\">\n");
    for (key, value, label) in items {
        let value = if value.is_empty() {
            "—".into()
        } else {
            value
        };
        let _ = writeln!(
            h,
            "<div class=\"kpi\"><strong data-kpi=\"{key}\">{}</strong><span>{}</span></div>",
            esc(&value),
            esc(label)
        );
    }
    h.push_str("</section>\n");
}

#[allow(clippy::cast_precision_loss)]
fn day_chart(r: &MonthlyReport) -> String {
    const W: f64 = 760.0;
    const H: f64 = 220.0;
    const LEFT: f64 = 36.0;
    const TOP: f64 = 18.0;
    const BOTTOM: f64 = 30.0;
    let plot_h = H - TOP - BOTTOM;
    let max = r.days.iter().map(|d| d.issued).max().unwrap_or(0).max(1) as f64;
    let slot = (W - LEFT - 8.0) / r.days.len().max(1) as f64;
    let base = TOP + plot_h;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"每日取号 tickets per day\">\n\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>\n\
         <text x=\"2\" y=\"{}\">{max}</text><text x=\"2\" y=\"{base}\">0</text>\n",
        W - 8.0,
        TOP + 4.0
    );
    for (i, d) in r.days.iter().enumerate() {
        let x = LEFT + slot * i as f64;
        let bh = plot_h * d.issued as f64 / max;
        let _ = write!(
            s,
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x + slot * 0.15,
            base - bh,
            slot * 0.7,
            d.date,
            d.issued,
            x + slot / 2.0,
            base + 14.0,
            d.date.format("%-d")
        );
        if d.issued > 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                base - bh - 3.0,
                d.issued
            );
        }
        s.push('\n');
    }
    s.push_str("</svg>\n");
    s
}

#[allow(clippy::cast_precision_loss)]
fn wait_chart(r: &MonthlyReport) -> String {
    const W: f64 = 760.0;
    const LEFT: f64 = 60.0;
    const RIGHT: f64 = 110.0;
    const ROW: f64 = 34.0;
    let rows: Vec<_> = r.queues.iter().filter(|q| !q.waits.is_empty()).collect();
    if rows.is_empty() {
        return "<p>本月无叫号记录 No calls this month.</p>\n".into();
    }
    let max = rows
        .iter()
        .filter_map(|q| q.waits.percentile(90))
        .max()
        .unwrap_or(0)
        .max(60) as f64;
    let plot_w = W - LEFT - RIGHT;
    let h = ROW * rows.len() as f64 + 26.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"各队列等候 waits per queue\">\n\
         <rect class=\"p50\" x=\"{LEFT}\" y=\"4\" width=\"10\" height=\"10\"/><text x=\"{}\" y=\"13\">中位数 p50</text>\
         <rect class=\"p90\" x=\"{}\" y=\"4\" width=\"10\" height=\"10\"/><text x=\"{}\" y=\"13\">P90</text>\n",
        LEFT + 14.0,
        LEFT + 100.0,
        LEFT + 114.0
    );
    for (i, q) in rows.iter().enumerate() {
        let y = 22.0 + ROW * i as f64;
        let _ = write!(
            s,
            "<text x=\"4\" y=\"{:.1}\">{}</text>",
            y + 17.0,
            esc(&q.queue)
        );
        for (j, (class, p)) in [("p50", 50), ("p90", 90)].into_iter().enumerate() {
            let v = q.waits.percentile(p).unwrap_or(0);
            let bw = plot_w * v as f64 / max;
            let by = y + 2.0 + 13.0 * j as f64;
            let _ = write!(
                s,
                "<rect class=\"{class}\" x=\"{LEFT}\" y=\"{by:.1}\" width=\"{bw:.1}\" height=\"12\"><title>{} {class}: {} min</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                esc(&q.queue),
                minutes(Some(v)),
                LEFT + bw + 4.0,
                by + 10.0,
                minutes(Some(v))
            );
        }
        s.push('\n');
    }
    s.push_str("</svg>\n");
    s
}

fn table(h: &mut String, t: &Table) {
    let _ = writeln!(
        h,
        "<h2>{}</h2>\n<div class=\"wrap\"><table>\n<thead><tr>",
        esc(t.title)
    );
    for c in &t.header {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        h.push_str("<tr>");
        for c in row {
            let _ = write!(h, "<td>{}</td>", esc(c));
        }
        h.push_str("</tr>\n");
    }
    let _ = writeln!(
        h,
        "</tbody>\n</table></div>\n<p class=\"file\">{} (CSV, UTF-8)</p>",
        t.file
    );
}

fn notes(h: &mut String) {
    h.push_str(
        "<h2>口径说明 Definitions</h2>\n<ul class=\"notes\">\n\
         <li>号按取号日期计入月份（本地时间）；评价、告警、办件环节按发生日期计入。Tickets count in the month they were issued (local time); ratings, alerts and case steps in the month they happened.</li>\n\
         <li>等候 = 取号（或转入）至首次叫号；办理 = 开始办理至办结，仅计已办结的号。Wait = issue (or transfer in) to first call; service = start to finish, served tickets only.</li>\n\
         <li>百分位数取最近秩法（实际观测值）：n 个值的 P 分位为第 ⌈P·n/100⌉ 小的值。Percentiles use the nearest-rank method.</li>\n\
         <li>取号 + 转入 = 办结 + 过号 + 取消 + 转出 + 未结束。issued + transferred in = served + no-show + cancelled + transferred out + unfinished.</li>\n\
         <li>逾期未办结：已受理或视为受理、办结期限在本月且早于统计截至日、系统中无办结记录的办件。Overdue: accepted or deemed accepted cases whose due date falls in the month before the as-of date, with no completion recorded.</li>\n\
         <li>空白表示无可统计数据。A blank cell means there was nothing to measure.</li>\n\
         </ul>\n",
    );
}
