//! The `device` binary against the simulators.
#![allow(clippy::unwrap_used)] // tests: a panic is the failure report

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use device::printer::{PtyPrinterSim, SimPrinterState};
use device::scanner::VirtualScanner;

const BIN: &str = env!("CARGO_BIN_EXE_device");
const WAIT: Duration = Duration::from_secs(5);

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A long-running child process, killed when the test ends (pass or fail).
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Running {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    fn line(&self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .expect("child printed nothing")
    }

    /// Collects output until a line contains `needle`.
    fn until(&self, needle: &str) -> String {
        let mut seen = String::new();
        while let Ok(l) = self.lines.recv_timeout(WAIT) {
            seen.push_str(&l);
            seen.push('\n');
            if l.contains(needle) {
                return seen;
            }
        }
        panic!("{needle:?} never printed; got:\n{seen}");
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn preview_renders_a_captured_job() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ticket.bin");
    let out = run(&[
        "sample",
        "--kind",
        "ticket",
        "--width",
        "58",
        "--out",
        port_arg(&file),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["preview", port_arg(&file), "--width", "58"]);
    assert!(out.status.success());
    let shown = text(&out.stdout);
    assert!(shown.contains("社保医保业务"), "{shown}");
    assert!(shown.contains("[QR: TK:20261122-A023]"), "{shown}");
    assert!(shown.contains("cut"), "{shown}");
}

#[test]
fn preview_of_missing_file_fails_plainly() {
    let out = run(&["preview", "/nonexistent/job.bin"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("cannot read /nonexistent/job.bin"));
}

#[test]
fn print_test_succeeds_on_a_ready_printer() {
    let sim = PtyPrinterSim::start(SimPrinterState::Normal, 48).unwrap();
    let out = run(&[
        "print-test",
        "--port",
        port_arg(sim.path()),
        "--kind",
        "receipt",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let jobs = sim.wait_for_jobs(1, WAIT);
    assert!(jobs[0].text.contains("受理通知书"), "{}", jobs[0].text);
    assert!(jobs[0].text.contains("[QR: DV1."), "{}", jobs[0].text);
}

#[test]
fn print_test_fails_plainly_on_faults() {
    let sim = PtyPrinterSim::start(SimPrinterState::PaperOut, 48).unwrap();
    let out = run(&["print-test", "--port", port_arg(sim.path())]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("printer reports paper out"),
        "{}",
        text(&out.stderr)
    );

    sim.set_state(SimPrinterState::Silent);
    let out = run(&[
        "print-test",
        "--port",
        port_arg(sim.path()),
        "--timeout-ms",
        "200",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("printer does not answer"),
        "{}",
        text(&out.stderr)
    );
    assert!(sim.jobs().is_empty());
}

#[test]
fn status_prints_the_state() {
    let sim = PtyPrinterSim::start(SimPrinterState::CoverOpen, 48).unwrap();
    let out = run(&["status", "--port", port_arg(sim.path())]);
    assert_eq!(text(&out.stdout).trim(), "cover open");
    assert!(!out.status.success());
    sim.set_state(SimPrinterState::Normal);
    let out = run(&["status", "--port", port_arg(sim.path())]);
    assert_eq!(text(&out.stdout).trim(), "ready");
    assert!(out.status.success());
}

#[test]
fn simulate_printer_command_serves_print_test() {
    let sim = Running::start(&["simulate-printer", "--width", "58"]);
    let path = sim.line();
    let out = run(&["print-test", "--port", &path, "--width", "58"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = sim.until("[QR: TK:20261122-A023]");
    assert!(printed.contains("A023"), "{printed}");
}

#[test]
fn simulate_printer_state_can_be_changed_on_stdin() {
    let mut sim = Running::start(&["simulate-printer", "--state", "cover_open"]);
    let path = sim.line();
    assert_eq!(
        text(&run(&["status", "--port", &path]).stdout).trim(),
        "cover open"
    );
    sim.send("paper_out");
    // The state change is asynchronous; poll briefly.
    let mut last = String::new();
    for _ in 0..50 {
        last = text(&run(&["status", "--port", &path]).stdout);
        if last.trim() == "paper out" {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("state never changed: {last}");
}

#[test]
fn scan_prints_json_per_scan() {
    let mut sim = VirtualScanner::new().unwrap();
    let scan = Running::start(&["scan", "--port", port_arg(sim.path())]);
    sim.send_frame("]Q1TK:20261122-A023").unwrap();
    sim.send_frame("91350100M000100Y4Z").unwrap();
    sim.send_frame("110105194912310021").unwrap();
    let line: serde_json::Value = serde_json::from_str(&scan.line()).unwrap();
    assert_eq!(
        line,
        serde_json::json!({"kind": "ticket", "value": "20261122-A023", "symbology": "qr"})
    );
    let line: serde_json::Value = serde_json::from_str(&scan.line()).unwrap();
    assert_eq!(
        line["kind"], "text",
        "Z is outside the credit-code alphabet: {line}"
    );
    let line: serde_json::Value = serde_json::from_str(&scan.line()).unwrap();
    assert_eq!(line["kind"], "invalid");
    assert_eq!(line["looks_like"], "resident_id");
    assert_eq!(line["symbology"], serde_json::Value::Null);
}

#[test]
fn simulate_scanner_command_feeds_scan() {
    let mut sim = Running::start(&["simulate-scanner"]);
    let path = sim.line();
    let scan = Running::start(&["scan", "--port", &path]);
    sim.send("11010519491231002X");
    let line: serde_json::Value = serde_json::from_str(&scan.line()).unwrap();
    assert_eq!(line["kind"], "resident_id");
    assert_eq!(line["value"], "11010519491231002X");
}

#[test]
fn idcard_reads_one_card_from_the_simulated_reader_with_the_number_masked() {
    let mut sim = Running::start(&["simulate-idreader", "--place", "1"]);
    let path = sim.line();
    let out = run(&["idcard", "--port", &path, "--timeout-s", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(json["name"], "陈明华");
    assert_eq!(json["id_number"], "4401**********0031");
    assert_eq!(json["nation"], "汉");
    assert_eq!(json["valid_until"], "2035-06-01");
    assert!(!text(&out.stdout).contains("440114198503120031"));

    // An expired card is read (exit 0) and flagged.
    sim.send("place 2");
    std::thread::sleep(Duration::from_millis(200));
    let out = run(&["idcard", "--port", &path, "--timeout-s", "10"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"expired\":true"));
    assert!(
        text(&out.stderr).contains("expired"),
        "{}",
        text(&out.stderr)
    );

    // A SAM fault and an empty reader fail plainly.
    sim.send("fault");
    std::thread::sleep(Duration::from_millis(200));
    let out = run(&["idcard", "--port", &path, "--timeout-s", "5"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("SAM self-check failed"),
        "{}",
        text(&out.stderr)
    );
    sim.send("ok");
    sim.send("remove");
    std::thread::sleep(Duration::from_millis(200));
    let out = run(&["idcard", "--port", &path, "--timeout-s", "1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no card read within 1 s"),
        "{}",
        text(&out.stderr)
    );
}
