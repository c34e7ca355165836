//! The real `counter` binary and a private tmux server to drive it (as in `counter_e2e`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// `<target>/<profile>` of this test executable (`…/deps/` is inside it).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .filter(|d| d.ends_with("deps"))
        .and_then(Path::parent)
        .map_or_else(
            || super::workspace_root().join("target").join("debug"),
            Path::to_path_buf,
        )
}

/// The `counter` binary, built once per test process so it is never stale.
pub fn counter_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = profile_dir();
        let bin = dir.join(format!("counter{}", std::env::consts::EXE_SUFFIX));
        let target = dir.parent().unwrap().to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(super::workspace_root())
            .args(["build", "--quiet", "-p", "counter-tui", "--bin", "counter"])
            .arg("--target-dir")
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

pub fn have_tmux() -> bool {
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
pub struct Tmux {
    socket: String,
}

impl Tmux {
    pub fn new(tag: &str) -> Self {
        Self {
            socket: format!("{tag}-{}", std::process::id()),
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

    pub fn start(&self, name: &str, w: u16, h: u16, command: &str) {
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

    pub fn keys(&self, name: &str, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", name, k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn text(&self, name: &str, text: &str) {
        self.tmux(&["send-keys", "-t", name, "-l", text]);
        std::thread::sleep(Duration::from_millis(100));
    }

    pub fn screen(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", name]).stdout).into_owned()
    }

    /// Polls the pane until `pred` holds.
    pub fn wait(&self, name: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
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

/// Polls a file until `pred` holds on its text.
pub fn wait_file(path: &Path, what: &str, pred: impl Fn(&str) -> bool) -> String {
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
