//! The window rating pad in headless Chromium (playwright-core) against a real hall: shows the
//! served ticket, offers the rating when service finishes, refuses a low rating without a
//! reason, lands the rating on the serving window; a counter's `evaluate` is refused.
//! The checks themselves are in `tests/web/pad.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::hall::TestHall;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pad_rates_the_service_its_window_just_finished() {
    let root = common::workspace_root();
    let web = root.join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm install` in tests/web first (scripts/test.sh does it)"
    );
    let h = TestHall::start().await;
    let args = [
        ("--pad-token", h.token("pad", Some(1))),
        ("--counter-token", h.token("counter", Some(1))),
        ("--kiosk-token", h.token("kiosk", None)),
        ("--supervisor-token", h.token("supervisor", None)),
    ];
    let hall = format!("http://{}", h.addr());
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("node");
        cmd.arg(web.join("pad.test.mjs")).args(["--hall", &hall]);
        for (k, v) in &args {
            cmd.args([*k, v.as_str()]);
        }
        cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    h.hall.stop().await.unwrap();
}
