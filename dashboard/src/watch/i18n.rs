//! Every word the supervisor view shows, in Chinese (default) and English.
//!
//! One table per language keeps the two in step: a missing English label is a compile error,
//! not a blank cell on the big screen.

use queue_core::auth::Role;
use queue_core::config::WindowKind;
use queue_core::queue::WindowState;
use queue_core::supervision::AlertKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// Fixed labels of one language.
#[derive(Debug)]
pub struct Text {
    pub title: &'static str,
    pub hall_clock: &'static str,
    /// Notices to applicants: label, waiting, retrying, given up, not configured.
    pub notify: [&'static str; 5],
    pub role: &'static str,
    /// A supervisor's departments: the label before them, and the word for the whole hall.
    pub scope: [&'static str; 2],
    pub connecting: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub refused: &'static str,
    pub waiting_for_hall: &'static str,
    pub too_small: &'static str,
    pub queues: &'static str,
    pub windows: &'static str,
    pub alerts: &'static str,
    pub recommendations: &'static str,
    pub col_queue: &'static str,
    pub col_waiting: &'static str,
    pub col_longest: &'static str,
    pub col_estimate: &'static str,
    pub col_open: &'static str,
    pub col_trend: &'static str,
    pub col_window: &'static str,
    pub col_state: &'static str,
    pub col_kind: &'static str,
    pub col_queues: &'static str,
    pub col_ticket: &'static str,
    pub col_time: &'static str,
    pub col_age: &'static str,
    pub col_alert: &'static str,
    pub col_windows: &'static str,
    pub col_predicted: &'static str,
    pub col_candidate: &'static str,
    pub no_alerts: &'static str,
    pub no_recommendations: &'static str,
    pub no_window_open: &'static str,
    pub keys_manager: &'static str,
    pub keys_other: &'static str,
    pub keys_popup: &'static str,
    pub help_title: &'static str,
    pub help: &'static [&'static str],
    pub confirm_title: &'static str,
    pub only_manager: &'static str,
    pub no_candidate: &'static str,
    pub no_selection: &'static str,
    pub no_alert_selected: &'static str,
    pub already_acked: &'static str,
    pub sending: &'static str,
    pub cancelled: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
    pub hall_error: &'static str,
    pub resync: &'static str,
}

static ZH: Text = Text {
    title: "中心监控",
    hall_clock: "大厅时间",
    notify: ["通知", "待发", "重试", "失败", "未配置网关"],
    role: "角色",
    scope: ["本部门：", "全部"],
    connecting: "连接中…",
    online: "已连接",
    offline: "连接中断，重连中",
    refused: "令牌被拒绝",
    waiting_for_hall: "等待大厅数据…",
    too_small: "终端太小",
    queues: "队列",
    windows: "窗口",
    alerts: "告警",
    recommendations: "增开建议",
    col_queue: "队列",
    col_waiting: "等候",
    col_longest: "最长",
    col_estimate: "预计",
    col_open: "窗口",
    col_trend: "近一小时",
    col_window: "窗口",
    col_state: "状态",
    col_kind: "类型",
    col_queues: "办理",
    col_ticket: "当前",
    col_time: "用时",
    col_age: "已过",
    col_alert: "告警",
    col_windows: "开/需",
    col_predicted: "预计等候",
    col_candidate: "可开",
    no_alerts: "无告警",
    no_recommendations: "无建议",
    no_window_open: "无窗口",
    keys_manager: "Tab 切换  ↑↓ 选择  a 确认告警  o 开窗  ? 帮助  q 退出",
    keys_other: "Tab 切换  ↑↓ 选择  a 确认告警  ? 帮助  q 退出",
    keys_popup: "y 确定  n 取消",
    help_title: "帮助",
    help: &[
        "Tab / Shift-Tab   切换区域（队列、窗口、告警、建议）",
        "↑ ↓ / k j         在当前区域选择",
        "a                 确认所选告警",
        "o                 按所选建议开放窗口（仅中心负责人，先确认）",
        "r                 重新获取大厅全量数据",
        "? / F1            显示或关闭帮助",
        "q / Esc / Ctrl-C  退出",
        "",
        "建议先开放关闭的窗口；没有时改派空闲队列的窗口，只办理该队列。",
    ],
    confirm_title: "请确认",
    only_manager: "仅中心负责人可开放窗口",
    no_candidate: "没有可开放或改派的窗口",
    no_selection: "请先在“增开建议”中选择一行",
    no_alert_selected: "请先在“告警”中选择一条",
    already_acked: "该告警已确认",
    sending: "发送中",
    cancelled: "已取消",
    done: "成功",
    failed: "失败",
    hall_error: "大厅报错",
    resync: "正在重新获取大厅数据",
};

static EN: Text = Text {
    title: "Centre watch",
    hall_clock: "Hall time",
    notify: ["Notices", "waiting", "retrying", "failed", "no webhook"],
    role: "Role",
    scope: ["scope: ", "all depts"],
    connecting: "connecting…",
    online: "online",
    offline: "offline, retrying",
    refused: "token refused",
    waiting_for_hall: "Waiting for the hall…",
    too_small: "Terminal too small",
    queues: "Queues",
    windows: "Windows",
    alerts: "Alerts",
    recommendations: "Staffing advice",
    col_queue: "Queue",
    col_waiting: "Wait",
    col_longest: "Longest",
    col_estimate: "Est.",
    col_open: "Open",
    col_trend: "Last hour",
    col_window: "Win",
    col_state: "State",
    col_kind: "Kind",
    col_queues: "Queues",
    col_ticket: "Tkt",
    col_time: "Time",
    col_age: "Age",
    col_alert: "Alert",
    col_windows: "Wins",
    col_predicted: "Pred. wait",
    col_candidate: "Act",
    no_alerts: "No alerts",
    no_recommendations: "No advice",
    no_window_open: "no window",
    keys_manager: "Tab panel  ↑↓ select  a ack alert  o open window  ? help  q quit",
    keys_other: "Tab panel  ↑↓ select  a ack alert  ? help  q quit",
    keys_popup: "y confirm  n cancel",
    help_title: "Help",
    help: &[
        "Tab / Shift-Tab   next / previous panel (queues, windows, alerts, advice)",
        "Up Down / k j     select in the panel",
        "a                 acknowledge the selected alert",
        "o                 open a window for the selected advice (managers; asks first)",
        "r                 fetch the whole hall state again",
        "? / F1            show or hide this help",
        "q / Esc / Ctrl-C  quit",
        "",
        "Closed windows are offered first; otherwise an idle queue's window is switched",
        "to serve only the selected queue.",
    ],
    confirm_title: "Please confirm",
    only_manager: "Only a centre manager may open windows",
    no_candidate: "No window to open or switch",
    no_selection: "Select a row in Staffing advice first",
    no_alert_selected: "Select an alert first",
    already_acked: "Alert already acknowledged",
    sending: "sending",
    cancelled: "cancelled",
    done: "done",
    failed: "failed",
    hall_error: "hall error",
    resync: "fetching the hall state again",
};

impl Lang {
    #[must_use]
    pub fn text(self) -> &'static Text {
        match self {
            Self::Zh => &ZH,
            Self::En => &EN,
        }
    }

    #[must_use]
    pub fn role(self, role: Role) -> &'static str {
        match (self, role) {
            (Self::Zh, Role::Counter) => "窗口",
            (Self::Zh, Role::Kiosk) => "取号机",
            (Self::Zh, Role::Supervisor) => "首席事务代表",
            (Self::Zh, Role::Manager) => "中心负责人",
            (Self::Zh, Role::Display) => "显示屏",
            (Self::Zh, Role::Pad) => "评价器",
            (Self::En, Role::Counter) => "counter",
            (Self::En, Role::Kiosk) => "kiosk",
            (Self::En, Role::Supervisor) => "supervisor",
            (Self::En, Role::Manager) => "manager",
            (Self::En, Role::Display) => "display",
            (Self::En, Role::Pad) => "rating pad",
        }
    }

    #[must_use]
    pub fn window_state(self, s: WindowState) -> &'static str {
        match (self, s) {
            (Self::Zh, WindowState::Open) => "开放",
            (Self::Zh, WindowState::Paused) => "暂停",
            (Self::Zh, WindowState::Closed) => "关闭",
            (Self::En, WindowState::Open) => "open",
            (Self::En, WindowState::Paused) => "paused",
            (Self::En, WindowState::Closed) => "closed",
        }
    }

    #[must_use]
    pub fn window_kind(self, k: WindowKind) -> &'static str {
        match (self, k) {
            (Self::Zh, WindowKind::Comprehensive) => "综合",
            (Self::Zh, WindowKind::Consultation) => "咨询",
            (Self::Zh, WindowKind::Assisted) => "帮办",
            (Self::Zh, WindowKind::CrossRegion) => "通办",
            (Self::Zh, WindowKind::Escalation) => "办不成事",
            (Self::En, WindowKind::Comprehensive) => "general",
            (Self::En, WindowKind::Consultation) => "enquiry",
            (Self::En, WindowKind::Assisted) => "assisted",
            (Self::En, WindowKind::CrossRegion) => "x-region",
            (Self::En, WindowKind::Escalation) => "redress",
        }
    }

    #[must_use]
    pub fn alert_kind(self, k: AlertKind) -> &'static str {
        match (self, k) {
            (Self::Zh, AlertKind::LongWait) => "等候超时",
            (Self::Zh, AlertKind::TooManyWaiting) => "等候人多",
            (Self::Zh, AlertKind::EstimateOverTarget) => "预计超目标",
            (Self::Zh, AlertKind::IdleWindow) => "窗口空闲",
            (Self::Zh, AlertKind::NoticeDue) => "补正通知到期",
            (Self::Zh, AlertKind::Deadline) => "办结时限",
            (Self::Zh, AlertKind::MaterialDue) => "容缺材料",
            (Self::Zh, AlertKind::DeviceFault) => "设备故障",
            (Self::Zh, AlertKind::UrgentRefused) => "急事被拒",
            (Self::Zh, AlertKind::StorageFailure) => "无法保存",
            (Self::Zh, AlertKind::DiskLow) => "磁盘将满",
            (Self::Zh, AlertKind::FollowUpDue) => "回访将到期",
            (Self::Zh, AlertKind::FollowUpOverdue) => "回访超期",
            (Self::Zh, AlertKind::RequestDue) => "诉求将到期",
            (Self::Zh, AlertKind::RequestOverdue) => "诉求超期",
            (Self::Zh, AlertKind::NotifyFailing) => "通知发送失败",
            (Self::En, AlertKind::LongWait) => "long wait",
            (Self::En, AlertKind::TooManyWaiting) => "too many",
            (Self::En, AlertKind::EstimateOverTarget) => "over target",
            (Self::En, AlertKind::IdleWindow) => "idle window",
            (Self::En, AlertKind::NoticeDue) => "notice due",
            (Self::En, AlertKind::Deadline) => "deadline",
            (Self::En, AlertKind::MaterialDue) => "material due",
            (Self::En, AlertKind::DeviceFault) => "device fault",
            (Self::En, AlertKind::UrgentRefused) => "urgent refused",
            (Self::En, AlertKind::StorageFailure) => "not saving",
            (Self::En, AlertKind::DiskLow) => "disk low",
            (Self::En, AlertKind::FollowUpDue) => "follow-up due",
            (Self::En, AlertKind::FollowUpOverdue) => "follow-up late",
            (Self::En, AlertKind::RequestDue) => "request due",
            (Self::En, AlertKind::RequestOverdue) => "request late",
            (Self::En, AlertKind::NotifyFailing) => "notices failing",
        }
    }

    /// "12分钟" / "12m", "1小时05分" / "1h05m"; negative durations (clock skew) show as 0.
    #[must_use]
    pub fn duration(self, seconds: i64) -> String {
        let m = seconds.max(0) / 60;
        match (self, m) {
            (Self::Zh, m) if m < 60 => format!("{m}分钟"),
            (Self::Zh, m) => format!("{}小时{:02}分", m / 60, m % 60),
            (Self::En, m) if m < 60 => format!("{m}m"),
            (Self::En, m) => format!("{}h{:02}m", m / 60, m % 60),
        }
    }

    /// Compact time for narrow cells: "6分" / "6m", "1时05" / "1h05".
    #[must_use]
    pub fn short_duration(self, seconds: i64) -> String {
        let m = seconds.max(0) / 60;
        match (self, m) {
            (Self::Zh, m) if m < 60 => format!("{m}分"),
            (Self::Zh, m) => format!("{}时{:02}", m / 60, m % 60),
            (Self::En, m) if m < 60 => format!("{m}m"),
            (Self::En, m) => format!("{}h{:02}", m / 60, m % 60),
        }
    }

    /// Window `n`, as a cell: "11号" / "W11".
    #[must_use]
    pub fn window_no(self, n: u32) -> String {
        match self {
            Self::Zh => format!("{n}号"),
            Self::En => format!("W{n}"),
        }
    }

    /// The question in the open-window popup.
    #[must_use]
    pub fn confirm_open(self, window: u32, queue: &str, queue_name: &str) -> String {
        match self {
            Self::Zh => format!("开放 {window} 号窗口办理 {queue} {queue_name}？ [y/n]"),
            Self::En => format!("Open window {window} for {queue} {queue_name}? [y/n]"),
        }
    }

    /// The question when an open window of other queues is switched over.
    #[must_use]
    pub fn confirm_switch(
        self,
        window: u32,
        queue: &str,
        queue_name: &str,
        from: &[String],
    ) -> String {
        match self {
            Self::Zh => format!(
                "将 {window} 号窗口改为只办理 {queue} {queue_name}（原办理 {}）？ [y/n]",
                from.join("、")
            ),
            Self::En => format!(
                "Switch window {window} to {queue} {queue_name} only (now {})? [y/n]",
                from.join(", ")
            ),
        }
    }

    /// What a sent command was, for the status line.
    #[must_use]
    pub fn describe_open(self, window: u32, queue: &str) -> String {
        match self {
            Self::Zh => format!("开放 {window} 号窗口办理 {queue}"),
            Self::En => format!("open window {window} for {queue}"),
        }
    }

    #[must_use]
    pub fn describe_ack(self, alert: &str) -> String {
        match self {
            Self::Zh => format!("确认告警 {alert}"),
            Self::En => format!("acknowledge {alert}"),
        }
    }

    /// Minutes range: "10–15分" / "10–15m".
    #[must_use]
    pub fn minutes_range(self, low: u32, high: u32) -> String {
        match self {
            Self::Zh => format!("{low}–{high}分"),
            Self::En => format!("{low}–{high}m"),
        }
    }

    /// A follow-up's or request's state, short.
    #[must_use]
    pub fn record_state(self, state: &str) -> &'static str {
        match (self, state) {
            (Self::Zh, "open") => "待回访",
            (Self::Zh, "called_back") => "已回访",
            (Self::Zh, "rectified") => "已整改",
            (Self::Zh, "received") => "已登记",
            (Self::Zh, "referred") => "已转办",
            (Self::Zh, "supervised") => "督办中",
            (Self::En, "open") => "open",
            (Self::En, "called_back") => "called",
            (Self::En, "rectified") => "fixed",
            (Self::En, "received") => "new",
            (Self::En, "referred") => "referred",
            (Self::En, "supervised") => "pressed",
            _ => "—",
        }
    }

    /// An alert's message in this language (the hall sends both; Chinese when no English).
    #[must_use]
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::En if !en.is_empty() => en,
            _ => zh,
        }
    }
}
