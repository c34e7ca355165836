//! The supervisor view and the hall display in headless Chromium (playwright-core), against a
//! real hall: live updates, the manager's open-window flow, and no personal data on the display.
//! The checks themselves are in `tests/web/pages.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

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

async fn run_pages(h: &TestHall, hall: &str) {
    let args = [
        ("--supervisor-token", h.token("supervisor", None)),
        ("--manager-token", h.token("manager", None)),
        ("--display-token", h.token("display", None)),
        ("--counter-token", h.token("counter", Some(1))),
    ];
    let shots = std::env::temp_dir().join(if hall.starts_with("https") {
        "web-https"
    } else {
        "web-http"
    });
    let _ = std::fs::create_dir_all(&shots);
    let mut argv = vec![
        "--hall".to_string(),
        hall.to_string(),
        "--shots".into(),
        shots.display().to_string(),
    ];
    for (k, v) in args {
        argv.extend([k.to_string(), v]);
    }
    common::browser::run_checks("pages.test.mjs", argv).await;
}
