//! What a session does with each text frame a client sends: commands (checked, rate-limited,
//! submitted to the writer), resync, ping, and the read-only progress query.

use queue_core::hall::{Command, Viewer};
use queue_core::hygiene;
use queue_core::service::Outcome;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::super::frames::{error_frame, reply_error, reply_frame};
use super::super::limits::Bucket;
use super::Session;

fn kind_is_known(kind: &str) -> bool {
    queue_core::hall::is_known_kind(kind)
}

impl Session {
    /// Handles one text frame; returns frames to send now (errors, read-only answers).
    pub(super) fn handle(
        &mut self,
        text: &str,
        reply_tx: &mpsc::UnboundedSender<(Value, Outcome)>,
        in_flight: &mut usize,
        bucket: &mut Bucket,
    ) -> Vec<String> {
        if text.len() > self.state.limits.max_frame {
            let message = format!(
                "帧过大 frame of {} bytes exceeds the {} byte limit",
                text.len(),
                self.state.limits.max_frame
            );
            // Answer a command by its id, so a client waiting on it does not resend forever.
            let id = serde_json::from_str::<Value>(text)
                .ok()
                .filter(|v| v.get("type").and_then(Value::as_str) == Some("command"))
                .and_then(|v| v.get("id").cloned());
            return vec![match id {
                Some(id) => reply_error(&id, "frame_too_large", &message),
                None => error_frame("frame_too_large", &message),
            }];
        }
        let v: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return vec![error_frame("bad_request", &format!("invalid JSON: {e}"))],
        };
        match v.get("type").and_then(Value::as_str) {
            Some("command") => {}
            Some("resync") => {
                if !self.resyncs.take() {
                    return vec![error_frame(
                        "rate_limited",
                        "重新同步过于频繁 too many resync requests; wait a few seconds",
                    )];
                }
                let (snap, seq, _) = self.snapshot();
                // Later events still come from the existing subscription, skipping up to seq.
                self.sent = self.sent.max(seq);
                return vec![snap];
            }
            Some("ping") => return vec![json!({"type": "pong"}).to_string()],
            Some("hello") => return vec![error_frame("bad_request", "already said hello")],
            Some(other) => {
                return vec![error_frame(
                    "bad_request",
                    &format!("unknown message type {other:?}"),
                )]
            }
            None => {
                return vec![error_frame(
                    "bad_request",
                    "a message needs a string `type`",
                )]
            }
        }
        let id = match v.get("id") {
            Some(Value::String(s))
                if s.len() > hygiene::MAX_COMMAND_ID || s.chars().any(hygiene::is_control) =>
            {
                return vec![error_frame(
                    "bad_request",
                    &format!(
                        "命令 id 无效 a command id is at most {} bytes without control characters",
                        hygiene::MAX_COMMAND_ID
                    ),
                )]
            }
            Some(id @ (Value::String(_) | Value::Number(_))) => id.clone(),
            _ => {
                return vec![error_frame(
                    "bad_request",
                    "a command needs an `id` (string) so its reply can be matched",
                )]
            }
        };
        let Some(cmd) = v.get("command").filter(|c| c.is_object()) else {
            return vec![reply_error(
                &id,
                "bad_request",
                "a command needs a `command` object",
            )];
        };
        if !bucket.take() {
            return vec![reply_error(
                &id,
                "rate_limited",
                "命令过于频繁 too many commands per second; slow down",
            )];
        }
        let kind = cmd.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind == "query_case" {
            return vec![self.query_case(&id, cmd)];
        }
        // Say `forbidden` before judging the fields of a command this role may not send.
        let known = kind_is_known(kind);
        if known && !self.actor.role.may_send(kind) {
            return vec![reply_error(
                &id,
                "forbidden",
                &format!(
                    "角色 {} 不能发送 {kind} role may not send {kind}",
                    self.actor.role.as_str()
                ),
            )];
        }
        if *in_flight >= self.state.limits.max_in_flight {
            return vec![reply_error(
                &id,
                "busy",
                "too many commands awaiting replies",
            )];
        }
        let command = match Command::from_json(cmd) {
            Ok(c) => c,
            Err(e) => return vec![reply_error(&id, e.code(), &e.to_string())],
        };
        let key = match &id {
            Value::String(s) => format!("{}:{s}", self.token.id),
            other => format!("{}:{other}", self.token.id),
        };
        *in_flight += 1;
        let tx = reply_tx.clone();
        let reply_id = id.clone();
        self.state
            .service
            .submit(self.actor, command, Some(key), move |o| {
                let _ = tx.send((reply_id, o));
            });
        Vec::new()
    }

    pub(super) fn viewer(&self) -> Viewer {
        Viewer::new(self.actor.role, self.actor.window).scoped(self.actor.departments)
    }

    /// Progress query; read-only, answered at once, shown through the same view as every
    /// other frame. Staff may ask by serial or ID number; a public terminal needs the serial
    /// plus the last 4 characters of the applicant's ID number, and sees display-level
    /// fields only.
    fn query_case(&self, id: &Value, cmd: &Value) -> String {
        let text = |k: &str| cmd.get(k).and_then(Value::as_str).map(str::trim);
        let (serial, id_number, last4) = (text("serial"), text("id_number"), text("id_last4"));
        if let Err(e) = hygiene::check_command(cmd) {
            return reply_error(id, "bad_request", &format!("query_case: {e}"));
        }
        let viewer = self.viewer();
        let g = self.state.service.read();
        let cases: Vec<&queue_core::intake::Case> = if viewer.is_public() {
            let (Some(s), Some(l4), None) = (serial, last4, id_number) else {
                return reply_error(
                    id,
                    "forbidden",
                    "公共终端须输入流水号和证件号后四位 a public terminal queries by `serial` plus `id_last4` only",
                );
            };
            g.hall
                .cases
                .by_serial(s)
                .filter(|c| {
                    let idn = c.applicant.id_number.to_ascii_uppercase();
                    l4.len() == 4 && idn.ends_with(&l4.to_ascii_uppercase())
                })
                .into_iter()
                .collect()
        } else {
            match (serial, id_number) {
                (Some(s), _) => g.hall.cases.by_serial(s).into_iter().collect(),
                (None, Some(n)) => g.hall.cases.by_id_number(n),
                (None, None) => {
                    return reply_error(
                        id,
                        "bad_request",
                        "query_case needs `serial` or `id_number`",
                    )
                }
            }
        };
        // A chief representative looks up its departments' cases only (GZ 8).
        let cases: Vec<&queue_core::intake::Case> = cases
            .into_iter()
            .filter(|c| {
                viewer
                    .departments
                    .sees(Some(queue_core::hall::scope::case_bits(&g.hall.config, c)))
            })
            .collect();
        if cases.is_empty() {
            return reply_error(id, "not_found", "未找到办件 no case found");
        }
        let cases: Vec<Value> = cases.into_iter().map(|c| json!(c)).collect();
        let o = Outcome {
            ok: true,
            seq: Some(g.seq),
            result: Some(json!({ "cases": cases })),
            error: None,
        };
        reply_frame(id, &o, viewer)
    }
}
