//! The window rating pad in headless Chromium (playwright-core) against a real hall: shows the
//! served ticket, offers the rating when service finishes, refuses a low rating without a
//! reason, lands the rating on the serving window; a counter's `evaluate` is refused.
//! The checks themselves are in `tests/web/pad.test.mjs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::hall::TestHall;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pad_rates_the_service_its_window_just_finished() {
    let h = TestHall::start().await;
    let mut args = vec!["--hall".to_string(), format!("http://{}", h.addr())];
    for (k, v) in [
        ("--pad-token", h.token("pad", Some(1))),
        ("--counter-token", h.token("counter", Some(1))),
        ("--kiosk-token", h.token("kiosk", None)),
        ("--supervisor-token", h.token("supervisor", None)),
    ] {
        args.extend([k.to_string(), v]);
    }
    common::browser::run_checks("pad.test.mjs", args).await;
    h.hall.stop().await.unwrap();
}
