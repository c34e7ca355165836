//! The supervisor view and the hall display in headless Chromium (playwright-core), against a
//! real hall: live updates, the manager's open-window flow, and no personal data on the display.
//! The checks themselves are in `tests/web/pages.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::hall::TestHall;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_update_live_and_the_display_shows_no_personal_data() {
    let root = common::workspace_root();
    let web = root.join("tests/web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "run `npm install` in tests/web first (scripts/test.sh does it)"
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "apt-get install chromium (scripts/test.sh does it)"
    );
    let h = TestHall::start().await;
    let args = [
        ("--supervisor-token", h.token("supervisor", None)),
        ("--manager-token", h.token("manager", None)),
        ("--display-token", h.token("display", None)),
        ("--counter-token", h.token("counter", Some(1))),
    ];
    let hall = format!("http://{}", h.addr());
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("node");
        cmd.arg(web.join("pages.test.mjs")).args(["--hall", &hall]);
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
