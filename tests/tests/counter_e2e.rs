//! The real `counter` binary in tmux against a real hall: the kiosk issues a ticket (printed
//! with the people ahead), the counter calls it, takes an application in, marks a required
//! material missing and gives the one-time correction notice, which the simulated printer
//! prints with the case serial.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `<target>/<profile>` of this test executable (`…/deps/` is inside it).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .filter(|d| d.ends_with("deps"))
        .and_then(Path::parent)
        .map_or_else(
            || workspace_root().join("target").join("debug"),
            Path::to_path_buf,
        )
}

/// The `counter` binary, built once per test process so it is never stale.
fn counter_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = profile_dir();
        let bin = dir.join(format!("counter{}", std::env::consts::EXE_SUFFIX));
        let target = dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root())
            .args([
                "build",
                "--quiet",
                "-p",
                "counter-tui",
                "--bin",
                "counter",
                "--target-dir",
            ])
            .arg(&target);
        if dir.ends_with("release") {
            cmd.arg("--release");
        }
        let out = cmd.output().expect("run cargo build");
        if !out.status.success() {
            assert!(
                bin.exists(),
                "building counter failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            eprintln!("warning: build failed, testing the existing binary");
        }
        bin
    })
    .clone()
}

fn have_tmux() -> bool {
    let ok = || {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if ok() {
        return true;
    }
    let _ = Command::new("apt-get")
        .args(["install", "-y", "tmux"])
        .output();
    ok()
}

/// A private tmux server; killed on drop, also when the test fails.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self {
            socket: format!("counter-e2e-{}", std::process::id()),
        }
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux")
    }

    fn start(&self, name: &str, w: u16, h: u16, command: &str) {
        let out = self.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            command,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", name, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn text(&self, name: &str, text: &str) {
        self.tmux(&["send-keys", "-t", name, "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    fn screen(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", name]).stdout).into_owned()
    }

    /// Polls the pane until `pred` holds.
    fn wait(&self, name: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen(name);
            if pred(&s) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

fn wait_file(path: &Path, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let s = std::fs::read_to_string(path).unwrap_or_default();
        if pred(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what} in {}:\n{s}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A case serial `440114-YYYYMMDD-NNNNN` on the screen.
fn find_serial(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    (0..chars.len().saturating_sub(21)).find_map(|i| {
        let c: String = chars[i..i + 21].iter().collect();
        let b = c.as_bytes();
        let ok = c.is_ascii()
            && b[6] == b'-'
            && b[15] == b'-'
            && c.chars()
                .enumerate()
                .all(|(j, ch)| j == 6 || j == 15 || ch.is_ascii_digit());
        ok.then_some(c)
    })
}

#[test]
fn kiosk_ticket_then_counter_intake_to_correction_notice() {
    if !have_tmux() {
        eprintln!("skipping: tmux is not available and could not be installed");
        return;
    }
    let bin = counter_bin();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = dir.path().join("hall.db");
    let hall = rt
        .block_on(dashboard::server::start(
            dashboard::server::ServeOptions::new("127.0.0.1:0".parse().unwrap(), db.clone()),
        ))
        .unwrap();
    let url = format!("ws://{}", hall.addr);
    let kiosk_token = dashboard::tokens::create(&db, "kiosk", None, "e2e")
        .unwrap()
        .1;
    let counter_token = dashboard::tokens::create(&db, "counter", Some(1), "e2e")
        .unwrap()
        .1;
    let home = dir.path().join("home");
    let data = dir.path().join("data");
    let printer_dir = data.join("gov-hall");
    let env = format!(
        "env HOME={} XDG_DATA_HOME={}",
        home.display(),
        data.display()
    );
    let tmux = Tmux::new();

    // Kiosk: queue 1 (A 企业开办), walk-in.
    tmux.start(
        "kiosk",
        100,
        30,
        &format!(
            "{env} {} kiosk --hall {url} --token {kiosk_token}",
            bin.display()
        ),
    );
    tmux.wait("kiosk", "the queue list", |s| {
        s.contains("企业开办") && s.contains("在线")
    });
    tmux.keys("kiosk", &["1"]);
    tmux.wait("kiosk", "the channel choice", |s| s.contains("绿色通道"));
    tmux.keys("kiosk", &["1"]);
    tmux.wait("kiosk", "the issued ticket", |s| {
        s.contains("您的号码") && s.contains("前面还有")
    });
    let kiosk_print = wait_file(&printer_dir.join("printer-kiosk.txt"), "the ticket", |s| {
        s.contains("A001")
    });
    assert!(kiosk_print.contains("前面还有 0 人"), "{kiosk_print}");
    assert!(kiosk_print.contains("[QR: TK:"), "{kiosk_print}");

    // Counter, window 1: call, intake, a missing material, the one-time notice.
    tmux.start(
        "counter",
        160,
        48,
        &format!(
            "{env} {} --hall {url} --token {counter_token} --window 1",
            bin.display()
        ),
    );
    tmux.wait("counter", "the counter online", |s| {
        s.contains("在线") && s.contains("企业开办")
    });
    tmux.keys("counter", &["F2"]);
    tmux.wait("counter", "A001 called", |s| s.contains("已叫号 A001"));
    tmux.keys("counter", &["F9"]);
    tmux.text("counter", "QY001");
    tmux.wait("counter", "the item found", |s| s.contains("▸ QY001"));
    tmux.keys("counter", &["Enter"]);
    tmux.text("counter", "张三");
    tmux.keys("counter", &["Enter"]);
    tmux.text("counter", "440524188001010014");
    tmux.wait("counter", "the ID validated", |s| s.contains("✓"));
    tmux.keys("counter", &["Enter", "Enter"]);
    let s = tmux.wait("counter", "the case opened", |s| {
        find_serial(s).is_some() && s.contains("材料清单")
    });
    let serial = find_serial(&s).unwrap();
    // M1 submitted, M2 (公司章程, required) missing.
    tmux.keys("counter", &["1", "2"]);
    tmux.wait("counter", "M2 missing", |s| s.contains("[缺少]"));
    tmux.keys("counter", &["t"]);
    tmux.wait("counter", "the draft preview", |s| s.contains("预览"));
    tmux.keys("counter", &["Enter"]);
    // The committed notice replaces the draft (F10 reprints it); then the printer reports.
    tmux.wait("counter", "the notice issued", |s| {
        s.contains(&format!("补正材料通知书 {serial}")) && s.contains("F10 重打")
    });
    let printed = wait_file(
        &printer_dir.join("printer-window-1.txt"),
        "the notice",
        |s| s.contains("补正材料通知书") && s.contains(&serial),
    );
    assert!(printed.contains("公司章程（缺少）"), "{printed}");
    tmux.keys("counter", &["Escape"]);
    tmux.wait("counter", "the case state", |s| {
        s.contains("已一次性告知补正")
    });

    // Quit cleanly (confirm), leaving the terminal usable.
    tmux.keys("counter", &["C-q", "Enter"]);
    tmux.keys("kiosk", &["C-q"]);
    drop(tmux);
    rt.block_on(hall.stop()).unwrap();
}
