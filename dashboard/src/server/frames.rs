//! Replies and errors. Event frames are built in `fanout`.

use queue_core::hall::Viewer;
use queue_core::service::Outcome;
use serde_json::{json, Value};

#[must_use]
pub fn error_frame(code: &str, message: &str) -> String {
    json!({"type": "error", "code": code, "message": message}).to_string()
}

/// A reply, its `result` shown as `viewer` may see it: the only way a reply is serialised.
#[must_use]
pub fn reply_frame(id: &Value, o: &Outcome, viewer: Viewer) -> String {
    let mut o = o.clone();
    o.result = o.result.map(|r| viewer.reply(&r));
    let mut v = serde_json::to_value(&o).unwrap_or_else(|_| json!({"ok": false}));
    if let Some(m) = v.as_object_mut() {
        m.insert("type".into(), json!("reply"));
        m.insert("id".into(), id.clone());
    }
    v.to_string()
}

#[must_use]
pub fn reply_error(id: &Value, code: &str, message: &str) -> String {
    json!({"type": "reply", "id": id, "ok": false, "error": {"code": code, "message": message}})
        .to_string()
}
