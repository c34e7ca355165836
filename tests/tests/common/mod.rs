//! Helpers shared by the integration tests: where the workspace is, and the real `dashboard`
//! binary (which belongs to another package, so `CARGO_BIN_EXE_dashboard` is not set here).
#![allow(dead_code)] // each test crate uses its own subset

pub mod browser;
pub mod city;
pub mod hall;
pub mod process;
pub mod tmux;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The Cargo workspace root (the parent of this `tests` package).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The target directory and profile directory name (`debug`, `release`) this test was built into.
fn target_and_profile() -> (PathBuf, String) {
    // The test executable lives in <target>/<profile>/deps/; that is the most reliable guide,
    // as it already reflects CARGO_TARGET_DIR and --release.
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps) = exe.parent().filter(|d| d.ends_with("deps")) {
            if let (Some(profile_dir), Some(target)) =
                (deps.parent(), deps.parent().and_then(Path::parent))
            {
                if let Some(profile) = profile_dir.file_name().and_then(|n| n.to_str()) {
                    return (target.to_path_buf(), profile.to_owned());
                }
            }
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|t| {
            if t.is_absolute() {
                t
            } else {
                workspace_root().join(t)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"));
    (target, "debug".to_owned())
}

/// Path of the `dashboard` binary, built once per test process so it is never stale.
///
/// If the build fails (say, a colleague's module is mid-edit) an existing binary is used with
/// a warning; with no binary at all the test panics with the build output.
pub fn dashboard_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let (target, profile) = target_and_profile();
        let bin = target
            .join(&profile)
            .join(format!("dashboard{}", std::env::consts::EXE_SUFFIX));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root())
            .args(["build", "--quiet", "-p", "dashboard", "--bin", "dashboard"])
            .arg("--target-dir")
            .arg(&target);
        if profile == "release" {
            cmd.arg("--release");
        }
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) if bin.exists() => eprintln!(
                "warning: building dashboard failed, testing the existing (possibly stale) binary:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Ok(out) => panic!(
                "building dashboard failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) if bin.exists() => {
                eprintln!("warning: cannot run cargo ({e}); testing the existing binary");
            }
            Err(e) => panic!("cannot run cargo to build dashboard: {e}"),
        }
        assert!(bin.exists(), "no dashboard binary at {}", bin.display());
        bin
    })
    .clone()
}

/// A finished run of the binary.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `dashboard` with `args` and collects its output.
pub fn run_dashboard(args: &[&str]) -> Run {
    let out = Command::new(dashboard_bin())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dashboard: {e}"));
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
