//! The supervisor view and the hall display in headless Chromium (playwright-core), against a
//! real hall: live updates, the manager's open-window flow, and no personal data on the display.
//! The checks themselves are in `tests/web/pages.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::hall::TestHall;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_update_live_and_the_display_shows_no_personal_data() {
    let h = TestHall::start().await;
    let url = format!("http://{}", h.addr());
    run_pages(&h, &url).await;
    h.hall.stop().await.unwrap();
}

/// The same checks over `https://` and `wss://` with a certificate from `tls init`: the pages'
/// sockets follow the page's scheme and the security policy lets them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_work_over_https() {
    let tls_dir = tempfile::tempdir().unwrap();
    let names = ["localhost".to_string(), "127.0.0.1".to_string()];
    let files = dashboard::tls::init(tls_dir.path(), &names, false).unwrap();
    let h = TestHall::start_with(|o| {
        o.tls = Some(dashboard::server::TlsFiles {
            cert: files.cert.clone(),
            key: files.key.clone(),
        });
    })
    .await;
    let url = format!("https://localhost:{}", h.addr().port());
    run_pages(&h, &url).await;
    h.hall.stop().await.unwrap();
}

/// One browser run at a time: two Chromiums on two cores make the page timeouts flaky.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn run_pages(h: &TestHall, hall: &str) {
    let _one = BROWSER.lock().await;
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
    let args = [
        ("--supervisor-token", h.token("supervisor", None)),
        ("--manager-token", h.token("manager", None)),
        ("--display-token", h.token("display", None)),
        ("--counter-token", h.token("counter", Some(1))),
    ];
    let hall = hall.to_string();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("node");
        let shots = std::env::temp_dir().join(if hall.starts_with("https") {
            "web-https"
        } else {
            "web-http"
        });
        let _ = std::fs::create_dir_all(&shots);
        cmd.arg(web.join("pages.test.mjs")).args(["--hall", &hall]);
        cmd.arg("--shots").arg(&shots);
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
}
