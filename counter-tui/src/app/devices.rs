//! Printer and scanner reports, and where scans land.

use device::printer::PrinterError;
use device::scanner::{CodeFamily, ScanKind, ScannerEvent};
use serde_json::json;

use super::{App, Pending, Popup};
use crate::i18n::{self, Lang};
use crate::intake::Stage;
use crate::msg::{Effect, Level, PrinterReport, PrinterState, ScannerState};

impl App {
    // ------------------------------------------------------------------ devices

    pub(super) fn report(&mut self, device: &str, ok: bool, message: Option<String>) -> Effect {
        let mut cmd = json!({"kind": "report_device", "device": device, "ok": ok});
        if let Some(m) = message {
            cmd["message"] = json!(m);
        }
        self.send(Pending::Report, cmd)
    }

    pub(super) fn printer_problem(e: &PrinterError) -> String {
        format!(
            "{} / {}",
            i18n::printer_error(Lang::Zh, e),
            i18n::printer_error(Lang::En, e)
        )
    }

    pub(super) fn on_printer(&mut self, r: PrinterReport) -> Vec<Effect> {
        let was_fault = matches!(self.printer.state, PrinterState::Fault(_));
        let mut out = Vec::new();
        match r {
            PrinterReport::Printed {
                label,
                text,
                pending,
            } => {
                self.printer.state = PrinterState::Ready;
                self.printer.pending = pending;
                self.say(
                    Level::Success,
                    format!("{} {label}", self.lang.pick("已打印", "printed")),
                );
                self.printer.last = Some((label, text));
                if was_fault {
                    out.push(self.report("printer", true, None));
                }
            }
            PrinterReport::Failed {
                label,
                error,
                pending,
            } => {
                self.printer.pending = pending;
                let t = format!(
                    "{}：{label} {}",
                    i18n::printer_error(self.lang, &error),
                    self.lang.pick(
                        "已保留，排除故障后按 F10 重打",
                        "is kept; fix it and press F10 to print"
                    )
                );
                self.say(Level::Error, t);
                if !was_fault {
                    out.push(self.report("printer", false, Some(Self::printer_problem(&error))));
                }
                self.printer.state = PrinterState::Fault(error);
            }
            PrinterReport::Status(Ok(())) => {
                if was_fault {
                    out.push(self.report("printer", true, None));
                    if self.printer.pending > 0 {
                        self.say2(
                            Level::Info,
                            "打印机已恢复，按 F10 打印保留的单据",
                            "printer back: press F10 to print the kept jobs",
                        );
                    }
                }
                self.printer.state = PrinterState::Ready;
            }
            PrinterReport::Status(Err(e)) => {
                if self.printer.state != PrinterState::Fault(e.clone()) {
                    if !was_fault {
                        out.push(self.report("printer", false, Some(Self::printer_problem(&e))));
                    }
                    self.printer.state = PrinterState::Fault(e);
                }
            }
        }
        out
    }

    pub(super) fn on_scanner(&mut self, e: ScannerEvent) -> Vec<Effect> {
        match e {
            ScannerEvent::Connected { .. } => {
                let was_down = matches!(self.scanner.state, ScannerState::Disconnected(_));
                self.scanner.state = ScannerState::Connected;
                if was_down {
                    return vec![self.report("scanner", true, None)];
                }
                vec![]
            }
            ScannerEvent::Disconnected { reason } => {
                let r = reason.to_string();
                self.scanner.state = ScannerState::Disconnected(r.clone());
                self.say(
                    Level::Error,
                    format!(
                        "{} {r}",
                        self.lang.pick("扫码枪断开：", "scanner disconnected:")
                    ),
                );
                vec![self.report(
                    "scanner",
                    false,
                    Some(format!("扫码枪断开 scanner disconnected: {r}")),
                )]
            }
            ScannerEvent::Warning(w) => {
                self.say(
                    Level::Warning,
                    format!(
                        "{} {w}",
                        self.lang.pick("扫码未识别：", "scan not understood:")
                    ),
                );
                vec![]
            }
            ScannerEvent::Scan(s) => self.on_scan(s.kind),
        }
    }

    /// A scan lands where it belongs: tickets open the ticket menu, IDs fill the applicant,
    /// appointment codes check in.
    pub fn on_scan(&mut self, kind: ScanKind) -> Vec<Effect> {
        match printable_scan(kind) {
            ScanKind::Ticket(id) => {
                self.popup = Some(Popup::TicketMenu { ticket: id });
                vec![]
            }
            ScanKind::ResidentId(v) => {
                self.fill_id(&v.number);
                vec![]
            }
            ScanKind::CreditCode(v) => {
                self.fill_id(&v);
                vec![]
            }
            ScanKind::Invalid {
                family: CodeFamily::Uscc,
                value,
                ..
            } => {
                // Some issued credit codes fail their own check: the form offers the override.
                self.fill_id(&value);
                vec![]
            }
            ScanKind::Appointment(code) => {
                vec![self.send(
                    Pending::CheckIn,
                    json!({"kind": "check_in", "appointment_code": code}),
                )]
            }
            ScanKind::Document(v) => {
                let short: String = v.chars().take(24).collect();
                self.say(
                    Level::Info,
                    format!(
                        "{} {short}…",
                        self.lang.pick(
                            "文书核验码（用 dashboard verify-receipt 核验）",
                            "document code (check with dashboard verify-receipt)"
                        )
                    ),
                );
                vec![]
            }
            ScanKind::Invalid { reason, .. } => {
                self.say(
                    Level::Error,
                    format!("{} {reason}", self.lang.pick("扫码无效：", "invalid code:")),
                );
                vec![]
            }
            ScanKind::Text(t) => {
                self.say(
                    Level::Warning,
                    format!("{} {t}", self.lang.pick("未识别的条码：", "unknown code:")),
                );
                vec![]
            }
        }
    }

    pub(super) fn fill_id(&mut self, value: &str) {
        self.intake.fill_id(value);
        let masked = queue_core::ids::mask(value);
        if matches!(self.intake.stage, Stage::Idle | Stage::Item { .. }) {
            self.say(
                Level::Info,
                format!(
                    "{} {masked}",
                    self.lang.pick(
                        "已读取证件，选择事项后继续：",
                        "ID read; choose the item next:"
                    )
                ),
            );
        } else {
            self.say(
                Level::Info,
                format!("{} {masked}", self.lang.pick("已读取证件", "ID read")),
            );
        }
    }
}

/// A scan with control characters removed from its text: a crafted QR code must not reach
/// the screen (or the hall) with an escape sequence in it.
fn printable_scan(kind: ScanKind) -> ScanKind {
    let p = |s: String| queue_core::hygiene::printable(&s).into_owned();
    match kind {
        ScanKind::CreditCode(v) => ScanKind::CreditCode(p(v)),
        ScanKind::Ticket(v) => ScanKind::Ticket(p(v)),
        ScanKind::Document(v) => ScanKind::Document(p(v)),
        ScanKind::Appointment(v) => ScanKind::Appointment(p(v)),
        ScanKind::Text(v) => ScanKind::Text(p(v)),
        ScanKind::Invalid {
            family,
            value,
            reason,
        } => ScanKind::Invalid {
            family,
            value: p(value),
            reason,
        },
        other @ ScanKind::ResidentId(_) => other,
    }
}
