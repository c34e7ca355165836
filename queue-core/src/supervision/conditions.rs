//! The alert conditions, evaluated from the hall state on every tick.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset};

use super::{Alert, AlertKind, Supervision, FOLDED_REFUSALS_ID};
use crate::hall::Hall;
use crate::intake::DueKind;
use crate::queue::{DeviceKind, WindowState};
use crate::redress::Urgency;

pub(super) fn device_name(d: DeviceKind) -> &'static str {
    match d {
        DeviceKind::Printer => "printer",
        DeviceKind::Scanner => "scanner",
        DeviceKind::IdReader => "id_reader",
    }
}

/// Builds the alert map; each message in Chinese (`message`) and English (`message_en`).
struct Alerts {
    out: BTreeMap<String, Alert>,
    now: DateTime<FixedOffset>,
}

impl Alerts {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        id: String,
        kind: AlertKind,
        queue: Option<String>,
        window: Option<u32>,
        case: Option<String>,
        message: String,
        message_en: String,
    ) {
        self.out.insert(
            id.clone(),
            Alert {
                id,
                kind,
                queue,
                window,
                case,
                record: None,
                departments: Vec::new(),
                message,
                message_en,
                raised_at: self.now,
                acknowledged: false,
            },
        );
    }
}

pub(super) fn conditions(
    s: &Supervision,
    hall: &Hall,
    now: DateTime<FixedOffset>,
    est: &super::Estimates,
) -> BTreeMap<String, Alert> {
    let mut a = Alerts {
        out: BTreeMap::new(),
        now,
    };
    let q = &hall.queue;
    for cfg in q.queues.values() {
        let code = &cfg.code;
        let waiting = q.waiting_count(code);
        let longest = q.longest_wait_seconds(code, now);
        if longest > i64::from(cfg.max_wait_minutes) * 60 {
            a.add(
                format!("long_wait:{code}"),
                AlertKind::LongWait,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 队列有人已等候 {} 分钟，超过 {} 分钟",
                    cfg.name,
                    longest / 60,
                    cfg.max_wait_minutes
                ),
                format!(
                    "a ticket in {code} has waited {} min (limit {})",
                    longest / 60,
                    cfg.max_wait_minutes
                ),
            );
        }
        if waiting > cfg.max_waiting as usize {
            a.add(
                format!("too_many_waiting:{code}"),
                AlertKind::TooManyWaiting,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 队列等候 {waiting} 人，超过 {} 人",
                    cfg.name, cfg.max_waiting
                ),
                format!("{waiting} waiting in {code} (limit {})", cfg.max_waiting),
            );
        }
        let est = est.get(code).copied().flatten();
        let over = match est {
            Some(r) => r.high_minutes > cfg.target_wait_minutes && waiting > 0,
            None => waiting > 0,
        };
        if over {
            let (zh, en) = est.map_or_else(
                || ("无窗口开放".to_string(), "no window open".to_string()),
                |r| {
                    (
                        format!("{}–{} 分钟", r.low_minutes, r.high_minutes),
                        format!("{}–{} min", r.low_minutes, r.high_minutes),
                    )
                },
            );
            a.add(
                format!("estimate_over_target:{code}"),
                AlertKind::EstimateOverTarget,
                Some(code.clone()),
                None,
                None,
                format!(
                    "{} 新取号预计等候 {zh}，目标 {} 分钟",
                    cfg.name, cfg.target_wait_minutes
                ),
                format!(
                    "a new ticket in {code} would wait {en} (target {} min)",
                    cfg.target_wait_minutes
                ),
            );
        }
    }
    let idle_after = Duration::minutes(i64::from(hall.config.rules.idle_alert_minutes));
    for w in q.windows.values() {
        if w.state != WindowState::Open || w.ticket.is_some() {
            continue;
        }
        // Idle counts only while somebody could have been called.
        let oldest_waiting = w
            .queues
            .iter()
            .flat_map(|c| {
                q.waiting_in(c, &hall.config.rules)
                    .into_iter()
                    .map(|t| t.issued_at)
            })
            .min();
        let Some(oldest) = oldest_waiting else {
            continue;
        };
        let since = w.since.map_or(oldest, |s| s.max(oldest));
        if now - since >= idle_after {
            let minutes = (now - since).num_minutes();
            a.add(
                format!("idle_window:{}", w.number),
                AlertKind::IdleWindow,
                None,
                Some(w.number),
                None,
                format!("{} 号窗口空闲 {minutes} 分钟，而有人等候", w.number),
                format!(
                    "window {} idle for {minutes} min while people wait",
                    w.number
                ),
            );
        }
    }
    // Case deadlines: the notice clock from receipt, committed dates, 容缺 materials.
    for due in hall.cases.due_soon(now.date_naive(), &hall.calendar) {
        let Some(c) = hall.cases.get(&due.case) else {
            continue;
        };
        let kind = match due.kind {
            DueKind::Notice => AlertKind::NoticeDue,
            DueKind::Completion => AlertKind::Deadline,
            DueKind::Material => AlertKind::MaterialDue,
        };
        let (id, zh, en) = due.alert_text(&c.serial);
        a.add(id, kind, None, c.window, Some(c.serial.clone()), zh, en);
    }
    for ((window, device), message) in &s.faults {
        let zh_device = match device.as_str() {
            "printer" => "打印机",
            "id_reader" => "身份证阅读器",
            _ => "扫描枪",
        };
        let (where_zh, where_en, tag) = match window {
            Some(w) => (format!("{w} 号窗口"), format!("window {w}"), w.to_string()),
            None => (
                "取号机".to_string(),
                "the kiosk".to_string(),
                "kiosk".to_string(),
            ),
        };
        a.add(
            format!("device_fault:{tag}:{device}"),
            AlertKind::DeviceFault,
            None,
            *window,
            None,
            format!("{where_zh}{zh_device}故障：{message}"),
            format!("{where_en} {device} fault: {message}"),
        );
    }
    for (id, r) in &s.refusals {
        let acked = s.alerts.get(id).is_some_and(|x| x.acknowledged);
        if !acked {
            a.add(
                id.clone(),
                AlertKind::UrgentRefused,
                Some(r.queue.clone()),
                r.window,
                None,
                format!(
                    "急事急办请求被拒绝（{} 队列，{}）：{}",
                    r.queue,
                    r.at.format("%H:%M"),
                    r.reason
                ),
                format!(
                    "urgent request refused ({} at {}): {}",
                    r.queue,
                    r.at.format("%H:%M"),
                    r.reason
                ),
            );
        }
    }
    redress_alerts(&mut a, hall, now);
    if s.folded_refusals > 0 {
        let n = s.folded_refusals;
        a.add(
            FOLDED_REFUSALS_ID.to_string(),
            AlertKind::UrgentRefused,
            None,
            None,
            None,
            format!("另有 {n} 条较早的急事急办拒绝未逐条显示，见日志与月报"),
            format!("{n} earlier urgent refusals are folded here; see the log and monthly report"),
        );
    }
    let mut out = a.out;
    for alert in out.values_mut() {
        alert.departments = crate::hall::scope::alert_departments(hall, alert);
    }
    out
}

/// Follow-ups and requests near or past their deadline: one alert per record, `*_due` the
/// working day(s) before, replaced by `*_overdue` after; both clear when it is closed.
fn redress_alerts(a: &mut Alerts, hall: &Hall, now: DateTime<FixedOffset>) {
    let today = now.date_naive();
    for f in hall.redress.open_follow_ups() {
        let due = f.deadline.due_on;
        let owner = &f.owner.name;
        let (id, kind, zh, en) = match f.deadline.urgency(today) {
            Urgency::Open => continue,
            Urgency::DueSoon => (
                format!("follow_up_due:{}", f.id),
                AlertKind::FollowUpDue,
                format!("差评回访 {} 将于 {due} 到期（责任人 {owner}）", f.id),
                format!(
                    "bad-rating follow-up {} is due on {due} (owner {owner})",
                    f.id
                ),
            ),
            Urgency::Overdue => (
                format!("follow_up_overdue:{}", f.id),
                AlertKind::FollowUpOverdue,
                format!(
                    "差评回访 {} 已超期（应于 {due} 前反馈，责任人 {owner}）",
                    f.id
                ),
                format!(
                    "bad-rating follow-up {} is overdue (due {due}, owner {owner})",
                    f.id
                ),
            ),
        };
        a.add(
            id.clone(),
            kind,
            f.queue.clone(),
            f.window,
            f.case.clone(),
            zh,
            en,
        );
        if let Some(x) = a.out.get_mut(&id) {
            x.record = Some(f.id.clone());
        }
    }
    for r in hall.redress.open_requests() {
        let due = r.deadline.due_on;
        let what = r.category.label_zh();
        let what_en = r.category.label_en();
        let (id, kind, zh, en) = match r.deadline.urgency(today) {
            Urgency::Open => continue,
            Urgency::DueSoon => (
                format!("request_due:{}", r.id),
                AlertKind::RequestDue,
                format!(
                    "{what} {} 将于 {due} 到期（首问 {} 号窗口）",
                    r.id, r.first_window
                ),
                format!(
                    "{what_en} {} is due on {due} (first responder window {})",
                    r.id, r.first_window
                ),
            ),
            Urgency::Overdue => (
                format!("request_overdue:{}", r.id),
                AlertKind::RequestOverdue,
                format!(
                    "{what} {} 已超期未反馈（应于 {due} 前，首问 {} 号窗口）",
                    r.id, r.first_window
                ),
                format!(
                    "{what_en} {} is overdue (due {due}, first responder window {})",
                    r.id, r.first_window
                ),
            ),
        };
        a.add(id.clone(), kind, None, Some(r.first_window), None, zh, en);
        if let Some(x) = a.out.get_mut(&id) {
            x.record = Some(r.id.clone());
        }
    }
}
