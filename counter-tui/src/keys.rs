//! The counter's key map: F-keys in the order of the work (a keypad-like row), letters only
//! inside panels. One table feeds the key handler, the help screen and the status hints.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Help,
    CallNext,
    Recall,
    NoShow,
    Start,
    Finish,
    Transfer,
    PauseResume,
    Intake,
    Print,
    TicketLookup,
    Language,
    Quit,
    NewIntake,
    SimPaper,
    SimScan,
    SimCard,
    ShowPrintout,
    /// 办不成事 / complaint under 首问负责.
    Redress,
}

pub struct Binding {
    pub action: Action,
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn b(action: Action, key: &'static str, zh: &'static str, en: &'static str) -> Binding {
    Binding {
        action,
        key,
        zh,
        en,
    }
}

/// Every global key, in help order.
pub const BINDINGS: &[Binding] = &[
    b(Action::Help, "F1 ?", "帮助", "help"),
    b(Action::CallNext, "F2", "叫号", "call next"),
    b(Action::Recall, "F3", "重呼", "recall"),
    b(Action::NoShow, "F4", "过号", "no-show"),
    b(Action::Start, "F5", "开始办理", "start"),
    b(Action::Finish, "F6", "办结", "finish"),
    b(Action::Transfer, "F7", "转移", "transfer"),
    b(Action::PauseResume, "F8", "暂停/恢复", "pause/resume"),
    b(Action::Intake, "F9", "受理", "intake"),
    b(Action::Print, "F10", "打印/重打", "print/reprint"),
    b(
        Action::TicketLookup,
        "F11",
        "查号：越序/恢复/取消",
        "ticket: call/reinstate/cancel",
    ),
    b(Action::Language, "F12", "中文/English", "English/中文"),
    b(Action::NewIntake, "Ctrl+N", "新办件", "new case"),
    b(
        Action::Redress,
        "Ctrl+R",
        "办不成事/投诉登记",
        "cannot-do/complaint",
    ),
    b(
        Action::ShowPrintout,
        "Ctrl+O",
        "查看打印输出",
        "show printout",
    ),
    b(Action::SimScan, "Ctrl+S", "模拟扫码", "simulated scan"),
    b(
        Action::SimCard,
        "Ctrl+K",
        "模拟读身份证",
        "simulated ID card",
    ),
    b(
        Action::SimPaper,
        "Ctrl+P",
        "模拟缺纸/装纸",
        "simulated paper out/in",
    ),
    b(Action::Quit, "Ctrl+Q", "退出", "quit"),
];

/// Keys of the intake panel's case stage (materials and outcomes).
pub const CASE_KEYS: &[(&str, &str, &str)] = &[
    ("↑↓", "选择材料", "select material"),
    ("1", "已提交", "submitted"),
    ("2", "缺少", "missing"),
    ("3", "不符合要求", "nonconforming"),
    ("4", "当场更正", "corrected on the spot"),
    ("5", "容缺", "tolerated"),
    ("6", "告知承诺", "commitment"),
    ("n", "备注", "note"),
    ("a", "受理", "accept"),
    ("t", "一次性告知补正", "correction notice"),
    (
        "d",
        "收件审查（出收件回执）",
        "take in for review (receipt)",
    ),
    ("r", "不予受理", "reject"),
    ("c", "办结", "complete"),
    ("f", "不予许可", "refuse"),
    ("s", "补正材料", "supplement"),
    ("e", "延期", "extend"),
    ("p", "特别程序 暂停/恢复", "special procedure pause/resume"),
    ("o", "出件", "result collected"),
];

/// The global action of a key, if any. `?` is help only when no text is being typed.
#[must_use]
pub fn action(key: &KeyEvent, typing: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    Some(match key.code {
        KeyCode::F(1) => Action::Help,
        KeyCode::Char('?') if !typing => Action::Help,
        KeyCode::F(2) => Action::CallNext,
        KeyCode::F(3) => Action::Recall,
        KeyCode::F(4) => Action::NoShow,
        KeyCode::F(5) => Action::Start,
        KeyCode::F(6) => Action::Finish,
        KeyCode::F(7) => Action::Transfer,
        KeyCode::F(8) => Action::PauseResume,
        KeyCode::F(9) => Action::Intake,
        KeyCode::F(10) => Action::Print,
        KeyCode::F(11) => Action::TicketLookup,
        KeyCode::F(12) => Action::Language,
        KeyCode::Char('q' | 'c') if ctrl => Action::Quit,
        KeyCode::Char('n') if ctrl => Action::NewIntake,
        KeyCode::Char('r') if ctrl => Action::Redress,
        KeyCode::Char('o') if ctrl => Action::ShowPrintout,
        KeyCode::Char('s') if ctrl => Action::SimScan,
        KeyCode::Char('k') if ctrl => Action::SimCard,
        KeyCode::Char('p') if ctrl => Action::SimPaper,
        _ => return None,
    })
}
