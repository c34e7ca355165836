//! The writer's part in notices to applicants: queue the ones committed events call for, in
//! the same transaction, and "your turn is near" once per ticket from the state after each
//! batch (see `hall::notices`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, FixedOffset};

use crate::hall::{queues_touched, turn_near, Hall};
use crate::queue::TicketState;
use crate::store::{Batch, EventRecord, Store, StoreError};

/// Tickets that already have their `turn_near` notice (still waiting ones only), and the
/// waiting tickets that left a number, by queue: a line nobody there can be told about is not
/// walked after each batch (that walk was most of the writer's time with lines in the
/// thousands, docs/benchmarks.md).
#[derive(Debug, Default)]
pub(super) struct NearTracker {
    queued: HashSet<String>,
    /// Waiting ticket id → its queue, for tickets with a mobile number.
    with_number: HashMap<String, String>,
}

impl NearTracker {
    /// From the outbox, for the tickets waiting with a number now (after a restart).
    pub(super) fn load(store: &Store, hall: &Hall) -> Result<Self, StoreError> {
        let candidates: Vec<&str> = hall
            .queue
            .tickets
            .values()
            .filter(|t| t.state == TicketState::Waiting && t.mobile.is_some())
            .map(|t| t.id.as_str())
            .collect();
        let with_number = hall
            .queue
            .tickets
            .values()
            .filter(|t| t.state == TicketState::Waiting && t.mobile.is_some())
            .map(|t| (t.id.clone(), t.queue.clone()))
            .collect();
        Ok(Self {
            queued: store.turn_near_queued(&candidates)?.into_iter().collect(),
            with_number,
        })
    }

    /// Queues the notices the batch's `records` call for into `b`: the events' own (result
    /// ready, refusal) and `turn_near` for lines the batch moved. Returns the tickets given
    /// `turn_near`, to remember once the batch is committed.
    pub(super) fn queue(
        &self,
        b: &mut Batch<'_>,
        hall: &Hall,
        records: &[EventRecord],
        at: DateTime<FixedOffset>,
    ) -> Result<Vec<String>, StoreError> {
        let Some(last) = records.last() else {
            return Ok(Vec::new());
        };
        let at = at.to_rfc3339();
        let mut touched = queues_touched(records.iter().map(|r| &r.event));
        // Only lines where someone waiting left a number (known, or issued in this batch).
        touched.retain(|q| {
            self.with_number.values().any(|x| x == q)
                || records
                    .iter()
                    .flat_map(|r| r.event.tickets())
                    .any(|t| &t.queue == q && t.mobile.is_some())
        });
        let mut given = Vec::new();
        for d in turn_near(hall, &touched, &self.queued) {
            b.queue_notice(last.seq, &d, &at)?;
            given.push(d.subject);
        }
        Ok(given)
    }

    /// After a commit: remember `given` and who waits with a number, forget tickets no
    /// longer waiting.
    pub(super) fn committed(&mut self, given: Vec<String>, hall: &Hall, records: &[EventRecord]) {
        for t in records.iter().flat_map(|r| r.event.tickets()) {
            if t.state == TicketState::Waiting && t.mobile.is_some() {
                self.with_number.insert(t.id.clone(), t.queue.clone());
            } else {
                self.with_number.remove(&t.id);
            }
        }
        self.queued.extend(given);
        if !self.queued.is_empty() {
            self.queued.retain(|id| {
                hall.queue
                    .tickets
                    .get(id)
                    .is_some_and(|t| t.state == TicketState::Waiting)
            });
        }
    }
}
