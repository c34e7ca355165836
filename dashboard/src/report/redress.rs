//! Ratings per staff member, bad-rating follow-up figures (回访率, 整改率, overdue) and
//! 办不成事 / complaint counts by state for the monthly report. Aggregates only: no applicant,
//! no reason text, no serial.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use queue_core::redress::{
    FollowUp, FollowUpState, Request, RequestCategory, RequestState, StepKind,
};

use super::load::Log;
use super::stats::RatingTally;
use super::table::{rating_mean, Table};

/// One staff member's ratings in the month (by the token they signed in with).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffRatings {
    /// Token id; `None` for ratings of services with no recorded staff member.
    pub staff: Option<i64>,
    pub label: String,
    pub ratings: RatingTally,
}

/// Follow-ups opened in the month, as of the report's cut-off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpFigures {
    pub department: String,
    pub opened: u64,
    pub called_back: u64,
    pub rectified: u64,
    pub closed: u64,
    /// Open past the deadline at the cut-off, or closed after it.
    pub overdue: u64,
}

impl FollowUpFigures {
    fn add(&mut self, f: &FollowUp, as_of: NaiveDate) {
        self.opened += 1;
        self.called_back += u64::from(f.step(StepKind::Callback).is_some());
        self.rectified += u64::from(f.step(StepKind::Rectification).is_some());
        self.closed += u64::from(f.state == FollowUpState::Closed);
        let late = f.closed_late() || (f.closed_at.is_none() && as_of > f.deadline.due_on);
        self.overdue += u64::from(late);
    }

    /// 回访率 (%), empty without follow-ups.
    #[must_use]
    pub fn callback_rate(&self) -> String {
        pct(self.called_back, self.opened)
    }

    /// 整改率 (%).
    #[must_use]
    pub fn rectification_rate(&self) -> String {
        pct(self.rectified, self.opened)
    }
}

/// Requests recorded in the month, per category, by their state at the cut-off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFigures {
    pub recorded: u64,
    pub by_state: BTreeMap<&'static str, u64>,
    pub overdue: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedressReport {
    pub staff: Vec<StaffRatings>,
    /// Ratings per channel (`pad`, `kiosk`, `qr`, `on_behalf`).
    pub channels: Vec<(String, RatingTally)>,
    /// Per owning department, total last.
    pub follow_ups: Vec<FollowUpFigures>,
    pub follow_up_total: FollowUpFigures,
    /// Per category in [`RequestCategory::ALL`] order, total last.
    pub requests: Vec<(Option<RequestCategory>, RequestFigures)>,
}

#[allow(clippy::cast_precision_loss)]
fn pct(n: u64, of: u64) -> String {
    if of == 0 {
        String::new()
    } else {
        format!("{:.1}", n as f64 * 100.0 / of as f64)
    }
}

const STATES: [RequestState; 4] = [
    RequestState::Received,
    RequestState::Referred,
    RequestState::Supervised,
    RequestState::Answered,
];

impl RequestFigures {
    fn add(&mut self, r: &Request, as_of: NaiveDate) {
        self.recorded += 1;
        *self.by_state.entry(r.state.as_str()).or_default() += 1;
        let late = r.closed_late() || (r.closed_at.is_none() && as_of > r.deadline.due_on);
        self.overdue += u64::from(late);
    }
}

pub(super) fn compute(log: &Log, as_of: NaiveDate) -> RedressReport {
    let mut staff: BTreeMap<Option<i64>, RatingTally> = BTreeMap::new();
    for e in &log.evaluations {
        staff.entry(e.staff).or_default().add(e.rating);
    }
    let staff = staff
        .into_iter()
        .map(|(id, ratings)| StaffRatings {
            staff: id,
            label: id
                .and_then(|i| log.staff_labels.get(&i).cloned())
                .unwrap_or_default(),
            ratings,
        })
        .collect();
    let mut by_dept: BTreeMap<String, FollowUpFigures> = BTreeMap::new();
    let mut total = FollowUpFigures {
        department: "合计 total".into(),
        ..FollowUpFigures::default()
    };
    for f in log.follow_ups.values() {
        let dept = f
            .owner
            .department
            .clone()
            .unwrap_or_else(|| "中心 centre".into());
        let row = by_dept
            .entry(dept.clone())
            .or_insert_with(|| FollowUpFigures {
                department: dept,
                ..FollowUpFigures::default()
            });
        row.add(f, as_of);
        total.add(f, as_of);
    }
    let mut requests: Vec<(Option<RequestCategory>, RequestFigures)> = RequestCategory::ALL
        .iter()
        .map(|c| (Some(*c), RequestFigures::default()))
        .collect();
    let mut all = RequestFigures::default();
    for r in log.requests.values() {
        if let Some((_, row)) = requests.iter_mut().find(|(c, _)| *c == Some(r.category)) {
            row.add(r, as_of);
        }
        all.add(r, as_of);
    }
    requests.push((None, all));
    RedressReport {
        staff,
        channels: log.channels.clone().into_iter().collect(),
        follow_ups: by_dept.into_values().collect(),
        follow_up_total: total,
        requests,
    }
}

pub(super) fn tables(r: &RedressReport) -> Vec<Table> {
    vec![staff(r), channels(r), follow_ups(r), requests(r)]
}

fn channel_label(c: &str) -> String {
    let zh = match c {
        "pad" => "窗口评价器",
        "kiosk" => "自助终端",
        "qr" => "扫码评价",
        "on_behalf" => "工作人员代评",
        _ => "其他",
    };
    format!("{zh} {c}")
}

fn channels(r: &RedressReport) -> Table {
    let rows = r
        .channels
        .iter()
        .map(|(c, t)| {
            vec![
                channel_label(c),
                t.count().to_string(),
                rating_mean(t),
                t.low().to_string(),
            ]
        })
        .collect();
    Table {
        file: "ratings_by_channel.csv",
        title: "按渠道评价 Ratings by channel",
        header: [
            "评价渠道 channel",
            "评价数 ratings",
            "平均评分 rating_mean",
            "不满意(1-2) ratings_low",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn staff(r: &RedressReport) -> Table {
    let mut rows: Vec<Vec<String>> = r
        .staff
        .iter()
        .map(|s| {
            vec![
                s.staff
                    .map_or_else(|| "未记录 unknown".into(), |i| i.to_string()),
                s.label.clone(),
                s.ratings.count().to_string(),
                rating_mean(&s.ratings),
                s.ratings.low().to_string(),
            ]
        })
        .collect();
    let mut all = RatingTally::default();
    for s in &r.staff {
        for (i, n) in s.ratings.by_level.iter().enumerate() {
            all.by_level[i] += n;
        }
    }
    rows.push(vec![
        "合计 total".into(),
        String::new(),
        all.count().to_string(),
        rating_mean(&all),
        all.low().to_string(),
    ]);
    Table {
        file: "staff_ratings.csv",
        title: "按工作人员评价 Ratings per staff member",
        header: [
            "工作人员令牌 staff_token",
            "标签 label",
            "评价数 ratings",
            "平均评分 rating_mean",
            "不满意(1-2) ratings_low",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn follow_up_row(f: &FollowUpFigures) -> Vec<String> {
    vec![
        f.department.clone(),
        f.opened.to_string(),
        f.called_back.to_string(),
        f.callback_rate(),
        f.rectified.to_string(),
        f.rectification_rate(),
        f.closed.to_string(),
        f.overdue.to_string(),
    ]
}

fn follow_ups(r: &RedressReport) -> Table {
    let mut rows: Vec<Vec<String>> = r.follow_ups.iter().map(follow_up_row).collect();
    rows.push(follow_up_row(&r.follow_up_total));
    Table {
        file: "follow_ups.csv",
        title: "差评回访整改 Bad-rating follow-ups",
        header: [
            "责任部门 department",
            "差评 opened",
            "已回访 called_back",
            "回访率(%) callback_rate_pct",
            "已整改 rectified",
            "整改率(%) rectification_rate_pct",
            "已反馈办结 closed",
            "超期 overdue",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}

fn requests(r: &RedressReport) -> Table {
    let rows = r
        .requests
        .iter()
        .map(|(c, f)| {
            let mut row = vec![
                c.map_or_else(
                    || "合计 total".into(),
                    |c| format!("{} {}", c.label_zh(), c.as_str()),
                ),
                f.recorded.to_string(),
            ];
            row.extend(
                STATES
                    .iter()
                    .map(|s| f.by_state.get(s.as_str()).copied().unwrap_or(0).to_string()),
            );
            row.push(f.overdue.to_string());
            row
        })
        .collect();
    Table {
        file: "requests.csv",
        title: "办不成事与投诉（首问负责） Requests and complaints",
        header: [
            "类别 category",
            "登记 recorded",
            "待处理 received",
            "已转办 referred",
            "督办中 supervised",
            "已反馈 answered",
            "超期 overdue",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    }
}
