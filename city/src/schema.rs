//! The city database: tables and views in plain SQL, applied as numbered migrations.
//!
//! Like the hall's store, migrations are append-only and the version only goes forward: a
//! database written by a newer build is refused. The SQL keeps to what PostgreSQL-compatible
//! engines share (tables, views, `ON CONFLICT`, `FILTER`, `percentile_cont`, `LOCK TABLE`);
//! the only other PostgreSQL-specific use is LISTEN/NOTIFY (see `notify.rs`).
//! `window` is a reserved word in PostgreSQL, hence `win`.

use tokio_postgres::Client;

use crate::CityError;

/// Migrations, in order; index + 1 is the version after it. Never edit one, only add.
const MIGRATIONS: &[&str] = &[
    // 1: centres (with the shipping cursor), the event index, projections, views.
    "CREATE TABLE city_centres (
        centre TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        utc_offset_minutes INTEGER NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0,
        last_hash TEXT NOT NULL DEFAULT '',
        last_at TIMESTAMPTZ,
        -- The hall's local date of last_at (hall time: a simulated-time hall stays consistent).
        last_day DATE,
        shipped_at TIMESTAMPTZ
    );
    CREATE TABLE city_events (
        centre TEXT NOT NULL REFERENCES city_centres(centre),
        seq BIGINT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        kind TEXT NOT NULL,
        hash TEXT NOT NULL,
        shipped_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (centre, seq)
    );
    CREATE TABLE city_tickets (
        centre TEXT NOT NULL,
        id TEXT NOT NULL,
        number TEXT NOT NULL,
        queue TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        win INTEGER,
        day DATE NOT NULL,
        issued_at TIMESTAMPTZ NOT NULL,
        first_called_at TIMESTAMPTZ,
        served_at TIMESTAMPTZ,
        finished_at TIMESTAMPTZ,
        transferred_in BOOLEAN NOT NULL,
        PRIMARY KEY (centre, id)
    );
    CREATE INDEX city_tickets_state ON city_tickets (centre, state);
    CREATE INDEX city_tickets_day ON city_tickets (day);
    CREATE TABLE city_windows (
        centre TEXT NOT NULL,
        win INTEGER NOT NULL,
        state TEXT NOT NULL,
        queues TEXT NOT NULL,
        ticket TEXT,
        since TIMESTAMPTZ,
        PRIMARY KEY (centre, win)
    );
    CREATE TABLE city_alerts (
        centre TEXT NOT NULL,
        seq BIGINT NOT NULL,
        id TEXT NOT NULL,
        kind TEXT NOT NULL,
        queue TEXT,
        win INTEGER,
        raised_at TIMESTAMPTZ NOT NULL,
        on_date DATE NOT NULL,
        cleared_at TIMESTAMPTZ,
        PRIMARY KEY (centre, seq)
    );
    CREATE INDEX city_alerts_open ON city_alerts (centre, id) WHERE cleared_at IS NULL;
    CREATE TABLE city_cases (
        centre TEXT NOT NULL,
        serial TEXT NOT NULL,
        item TEXT NOT NULL,
        department TEXT NOT NULL,
        state TEXT NOT NULL,
        received_on DATE NOT NULL,
        accepted_on DATE,
        completed_on DATE,
        due_on DATE,
        PRIMARY KEY (centre, serial)
    );
    CREATE TABLE city_case_steps (
        centre TEXT NOT NULL,
        seq BIGINT NOT NULL,
        serial TEXT NOT NULL,
        item TEXT NOT NULL,
        department TEXT NOT NULL,
        step TEXT NOT NULL,
        on_date DATE NOT NULL,
        PRIMARY KEY (centre, seq)
    );
    CREATE TABLE city_ratings (
        centre TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        on_date DATE NOT NULL,
        rating SMALLINT NOT NULL,
        win INTEGER,
        queue TEXT,
        of_case BOOLEAN NOT NULL,
        PRIMARY KEY (centre, seq)
    );
    -- People waiting now, per centre and queue.
    CREATE VIEW city_queue_lengths AS
        SELECT centre, queue, count(*) AS waiting
        FROM city_tickets WHERE state = 'waiting'
        GROUP BY centre, queue;
    -- Waits per centre and queue: the longest current wait as of the centre's last event
    -- (hall time, so a hall on simulated time is shown consistently), and today's called waits.
    CREATE VIEW city_waits AS
        SELECT t.centre, t.queue,
            max(CASE WHEN t.state = 'waiting'
                THEN extract(epoch FROM (c.last_at - t.issued_at)) END) AS longest_wait_s,
            avg(CASE WHEN t.first_called_at IS NOT NULL
                THEN extract(epoch FROM (t.first_called_at - t.issued_at)) END) AS mean_wait_s
        FROM city_tickets t JOIN city_centres c ON c.centre = t.centre
        WHERE t.state = 'waiting'
           OR t.day = c.last_day
        GROUP BY t.centre, t.queue;
    CREATE VIEW city_window_states AS
        SELECT centre, state, count(*) AS windows FROM city_windows GROUP BY centre, state;
    CREATE VIEW city_open_alerts AS
        SELECT centre, id, kind, queue, win, raised_at FROM city_alerts WHERE cleared_at IS NULL;
    CREATE VIEW city_case_counts AS
        SELECT centre, department, state, count(*) AS cases
        FROM city_cases GROUP BY centre, department, state;
    CREATE VIEW city_rating_summary AS
        SELECT centre, count(*) AS ratings, avg(rating) AS mean_rating,
            count(*) FILTER (WHERE rating <= 2) AS low_ratings
        FROM city_ratings GROUP BY centre;
    -- One row per centre: what the city page lists.
    CREATE VIEW city_overview AS
        SELECT c.centre, c.name, c.last_seq, c.last_at, c.shipped_at,
            (SELECT count(*) FROM city_tickets t
                WHERE t.centre = c.centre AND t.state = 'waiting') AS waiting,
            (SELECT max(w.longest_wait_s) FROM city_waits w
                WHERE w.centre = c.centre) AS longest_wait_s,
            (SELECT count(*) FROM city_windows w
                WHERE w.centre = c.centre AND w.state = 'open') AS open_windows,
            (SELECT count(*) FROM city_windows w WHERE w.centre = c.centre) AS windows,
            (SELECT count(*) FROM city_open_alerts a WHERE a.centre = c.centre) AS open_alerts,
            (SELECT count(*) FROM city_cases k
                WHERE k.centre = c.centre AND k.state IN ('accepted', 'deemed_accepted'))
                AS cases_in_progress,
            (SELECT avg(r.rating) FROM city_ratings r WHERE r.centre = c.centre) AS mean_rating
        FROM city_centres c;",
];

/// The schema version this build writes.
#[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Brings the city database to [`SCHEMA_VERSION`]. Many shippers may start at once: the
/// version table is locked for the duration, so exactly one of them migrates.
///
/// # Errors
/// Database errors, or a database from a newer build.
pub async fn migrate(client: &mut Client) -> Result<(), CityError> {
    // Two sessions creating the same table at once can collide in the catalogue; the loser
    // simply retries once the winner has committed.
    for attempt in 0..5 {
        match client
            .batch_execute("CREATE TABLE IF NOT EXISTS city_schema (version INTEGER NOT NULL)")
            .await
        {
            Ok(()) => break,
            Err(_) if attempt < 4 => {
                tokio::time::sleep(std::time::Duration::from_millis(50 * (attempt + 1))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let tx = client.transaction().await?;
    tx.batch_execute("LOCK TABLE city_schema IN EXCLUSIVE MODE")
        .await?;
    let row = tx.query_opt("SELECT version FROM city_schema", &[]).await?;
    let found: i32 = match row {
        Some(r) => r.get(0),
        None => {
            tx.execute("INSERT INTO city_schema (version) VALUES (0)", &[])
                .await?;
            0
        }
    };
    if found > SCHEMA_VERSION {
        return Err(CityError::TooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        tx.batch_execute(sql).await?;
        let v = i32::try_from(i + 1).unwrap_or(i32::MAX);
        tx.execute("UPDATE city_schema SET version = $1", &[&v])
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
