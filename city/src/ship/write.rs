//! Writing one shipped event into the city database: the prepared statements and the rows
//! each kind of fact becomes, all inside the batch's transaction.

use chrono::{DateTime, Utc};
use queue_core::store::EventRecord;
use tokio_postgres::{Client, Statement, Transaction};

use super::ShipOptions;
use crate::facts::{facts, Fact};
use crate::notify::NOTIFY_SQL;
use crate::CityError;

pub(super) struct Statements {
    event: Statement,
    ticket: Statement,
    window: Statement,
    alert_raised: Statement,
    alert_cleared: Statement,
    case: Statement,
    case_step: Statement,
    rating: Statement,
    pub(super) cursor: Statement,
    pub(super) advance: Statement,
    pub(super) notify: Statement,
}

impl Statements {
    pub(super) async fn prepare(c: &Client) -> Result<Self, CityError> {
        Ok(Self {
            event: c
                .prepare(
                    "INSERT INTO city_events (centre, seq, at, kind, hash, shipped_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (centre, seq) DO NOTHING",
                )
                .await?,
            ticket: c
                .prepare(
                    "INSERT INTO city_tickets (centre, id, number, queue, channel, state, win, day,
                        issued_at, first_called_at, served_at, finished_at, transferred_in)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                     ON CONFLICT (centre, id) DO UPDATE SET number = EXCLUDED.number,
                        queue = EXCLUDED.queue, channel = EXCLUDED.channel,
                        state = EXCLUDED.state, win = EXCLUDED.win,
                        first_called_at = COALESCE(city_tickets.first_called_at,
                            EXCLUDED.first_called_at),
                        served_at = EXCLUDED.served_at, finished_at = EXCLUDED.finished_at",
                )
                .await?,
            window: c
                .prepare(
                    "INSERT INTO city_windows (centre, win, state, queues, ticket, since)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (centre, win) DO UPDATE SET state = EXCLUDED.state,
                        queues = EXCLUDED.queues, ticket = EXCLUDED.ticket,
                        since = EXCLUDED.since",
                )
                .await?,
            alert_raised: c
                .prepare(
                    "INSERT INTO city_alerts (centre, seq, id, kind, queue, win, raised_at, on_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (centre, seq) DO NOTHING",
                )
                .await?,
            alert_cleared: c
                .prepare(
                    "UPDATE city_alerts SET cleared_at = $3
                     WHERE centre = $1 AND id = $2 AND cleared_at IS NULL",
                )
                .await?,
            case: c
                .prepare(
                    "INSERT INTO city_cases (centre, serial, item, department, state,
                        received_on, accepted_on, completed_on, due_on)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (centre, serial) DO UPDATE SET state = EXCLUDED.state,
                        accepted_on = EXCLUDED.accepted_on, completed_on = EXCLUDED.completed_on,
                        due_on = EXCLUDED.due_on",
                )
                .await?,
            case_step: c
                .prepare(
                    "INSERT INTO city_case_steps (centre, seq, serial, item, department, step,
                        on_date)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (centre, seq) DO NOTHING",
                )
                .await?,
            rating: c
                .prepare(
                    "INSERT INTO city_ratings (centre, seq, at, on_date, rating, win, queue,
                        of_case)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (centre, seq) DO NOTHING",
                )
                .await?,
            cursor: c
                .prepare("SELECT last_seq, last_hash FROM city_centres WHERE centre = $1 FOR UPDATE")
                .await?,
            advance: c
                .prepare(
                    "UPDATE city_centres SET last_seq = $2, last_hash = $3, last_at = $4,
                        last_day = $5, shipped_at = $6 WHERE centre = $1",
                )
                .await?,
            notify: c.prepare(NOTIFY_SQL).await?,
        })
    }
}

pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(super) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

pub(super) fn win(w: Option<u32>) -> Option<i32> {
    w.and_then(|w| i32::try_from(w).ok())
}

pub(super) fn seq_i64(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

pub(super) async fn write_event(
    tx: &Transaction<'_>,
    st: &Statements,
    opts: &ShipOptions,
    rec: &EventRecord,
    hash: &[u8],
    shipped_at: DateTime<Utc>,
) -> Result<(), CityError> {
    let centre = &opts.centre.code;
    let seq = seq_i64(rec.seq);
    let at = rec.at;
    tx.execute(
        &st.event,
        &[
            &centre,
            &seq,
            &at,
            &rec.event.kind(),
            &hex(hash),
            &shipped_at,
        ],
    )
    .await?;
    for fact in facts(&rec.event, opts.set, &opts.centre.departments) {
        match fact {
            Fact::Ticket(t) => {
                tx.execute(
                    &st.ticket,
                    &[
                        &centre,
                        &t.id,
                        &t.number,
                        &t.queue,
                        &t.channel,
                        &t.state,
                        &win(t.window),
                        &t.day,
                        &t.issued_at,
                        &t.called_at,
                        &t.served_at,
                        &t.finished_at,
                        &t.transferred_in,
                    ],
                )
                .await?;
            }
            Fact::Window {
                number,
                state,
                queues,
                ticket,
                since,
            } => {
                tx.execute(
                    &st.window,
                    &[
                        &centre,
                        &win(Some(number)),
                        &state,
                        &queues,
                        &ticket,
                        &since,
                    ],
                )
                .await?;
            }
            Fact::AlertRaised {
                id,
                kind,
                queue,
                window,
                raised_at,
            } => {
                tx.execute(
                    &st.alert_raised,
                    &[
                        &centre,
                        &seq,
                        &id,
                        &kind,
                        &queue,
                        &win(window),
                        &raised_at,
                        &at.date_naive(),
                    ],
                )
                .await?;
            }
            Fact::AlertCleared { id } => {
                tx.execute(&st.alert_cleared, &[&centre, &id, &at]).await?;
            }
            Fact::Case(c) => {
                tx.execute(
                    &st.case,
                    &[
                        &centre,
                        &c.serial,
                        &c.item,
                        &c.department,
                        &c.state,
                        &c.received_on,
                        &c.accepted_on,
                        &c.completed_on,
                        &c.due_on,
                    ],
                )
                .await?;
                if let Some(step) = c.step {
                    tx.execute(
                        &st.case_step,
                        &[
                            &centre,
                            &seq,
                            &c.serial,
                            &c.item,
                            &c.department,
                            &step,
                            &at.date_naive(),
                        ],
                    )
                    .await?;
                }
            }
            Fact::Rating {
                rating,
                window,
                queue,
                of_case,
            } => {
                tx.execute(
                    &st.rating,
                    &[
                        &centre,
                        &seq,
                        &at,
                        &at.date_naive(),
                        &rating,
                        &win(window),
                        &queue,
                        &of_case,
                    ],
                )
                .await?;
            }
        }
    }
    Ok(())
}
