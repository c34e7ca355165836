//! The outbox in the header: what is waiting, retrying and given up, only when there is
//! something to say.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::i18n::Lang;
use super::model::OutboxLine;
use super::tests::{drawn_app, render, screen};

#[test]
fn the_header_shows_notices_waiting_retrying_and_failed() {
    let mut app = drawn_app(Lang::Zh, "supervisor");
    let top = |app: &super::App| {
        screen(&render(app, 120, 30))
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(!top(&app).contains("通知"), "nothing to say: {}", top(&app));
    let n: OutboxLine = serde_json::from_value(
        json!({"configured": true, "pending": 3, "retrying": 1, "failed": 2, "sent": 9}),
    )
    .unwrap();
    app.hall.as_mut().unwrap().notify = Some(n);
    let line = top(&app);
    assert!(line.contains("通知 待发 3 重试 1 失败 2"), "{line}");
    app.hall.as_mut().unwrap().notify = Some(OutboxLine {
        configured: false,
        pending: 4,
        retrying: 0,
        failed: 0,
    });
    assert!(
        top(&app).contains("通知 待发 4（未配置网关）"),
        "{}",
        top(&app)
    );
}
