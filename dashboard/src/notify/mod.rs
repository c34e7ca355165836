//! Notices to applicants leave the hall here: the webhook sender that runs inside
//! `dashboard serve` (`sender`), the signed JSON message it posts (`webhook`), and
//! `dashboard notify-sink`, a small local receiver for trying it out (`sink`).
//!
//! queue-core decides and stores what to send (the outbox, in the writer's transaction);
//! nothing here touches the event log or the hall's state, only the outbox's delivery columns.

pub mod sender;
pub mod sink;
pub mod webhook;

pub use sender::{NotifyStatus, StatusRx};
pub use sink::{notify_sink, NotifySinkArgs};
