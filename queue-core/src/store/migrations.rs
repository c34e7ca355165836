//! Schema migrations, in order; index + 1 is the `user_version` after it. Never edit one,
//! only add.

pub(super) const MIGRATIONS: &[&str] = &[
    // 1: the event log, replies, projections, tokens.
    "CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE TABLE replies (
        key TEXT PRIMARY KEY,
        seq INTEGER,
        reply TEXT NOT NULL
    );
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        queue TEXT NOT NULL,
        day TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        window INTEGER,
        issued_at TEXT NOT NULL,
        called_at TEXT,
        served_at TEXT,
        finished_at TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX tickets_day ON tickets(day);
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        serial TEXT NOT NULL UNIQUE,
        item TEXT NOT NULL,
        state TEXT NOT NULL,
        id_number TEXT,
        received_on TEXT,
        due_on TEXT,
        body TEXT NOT NULL
    );
    CREATE INDEX cases_id_number ON cases(id_number);
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        window INTEGER,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );",
    // 2: fewer pages per commit. Replies are appended in order (the writer keeps the key
    // index in memory) instead of landing on a random B-tree page each; the tickets projection
    // keeps its columns (the event log holds the full tickets) in one B-tree without rowid.
    "CREATE TABLE replies2 (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        seq INTEGER,
        at TEXT NOT NULL DEFAULT '',
        reply TEXT NOT NULL
    );
    INSERT INTO replies2 (key, seq, reply) SELECT key, seq, reply FROM replies;
    DROP TABLE replies;
    ALTER TABLE replies2 RENAME TO replies;
    CREATE TABLE tickets2 (
        id TEXT PRIMARY KEY,
        number TEXT NOT NULL,
        queue TEXT NOT NULL,
        day TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL,
        window INTEGER,
        issued_at TEXT NOT NULL,
        called_at TEXT,
        served_at TEXT,
        finished_at TEXT
    ) WITHOUT ROWID;
    INSERT INTO tickets2 SELECT id, number, queue, day, channel, state, window, issued_at,
        called_at, served_at, finished_at FROM tickets;
    DROP TABLE tickets;
    ALTER TABLE tickets2 RENAME TO tickets;
    CREATE INDEX tickets_day ON tickets(day);",
    // 3: tokens that end (expiry; revocation already existed).
    "ALTER TABLE tokens ADD COLUMN expires_at TEXT;",
    // 4: personal data out of the chain (pii, keyed digest for case lookup), the actor of
    // every event, signed chain heads, and a meta table (per-hall secret, clock mode).
    // Cases written before keep their full ID only until `finish_v4` digests it.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE pii (
        ref TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        nonce BLOB NOT NULL,
        value TEXT NOT NULL
    );
    CREATE INDEX pii_at ON pii(at);
    CREATE TABLE heads (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash BLOB NOT NULL,
        signed_at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        public_key TEXT NOT NULL,
        signature BLOB NOT NULL
    );
    ALTER TABLE events ADD COLUMN actor TEXT;
    ALTER TABLE cases ADD COLUMN id_digest TEXT;
    DROP INDEX cases_id_number;
    CREATE INDEX cases_id_digest ON cases(id_digest);",
    // 5: state checkpoints, so start-up replays only the log after the latest one.
    "CREATE TABLE checkpoints (
        seq INTEGER PRIMARY KEY,
        hash BLOB NOT NULL,
        at TEXT NOT NULL,
        config_digest BLOB NOT NULL,
        state BLOB NOT NULL,
        signature BLOB NOT NULL
    );",
    // 6: notifications waiting to be sent (GD 22: the applicant is told the result is
    // ready). Only the case serial and the channel: contact details stay with the case.
    "CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        case_id TEXT NOT NULL,
        channel TEXT NOT NULL,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (seq, kind)
    );
    CREATE INDEX outbox_unsent ON outbox(sent_at, id);",
    // 7: notices the sender delivers (issue 14): any kind with its subject (ticket or case),
    // the reference and text sent, the mobile number as a `pii` reference (purge erases the
    // number), and the delivery state with attempts and the last error. Notices queued
    // before had no number to go to: `no_contact` (or `sent` if a sender marked them).
    // Unique per event, kind and subject (one commit may queue several `turn_near`), and one
    // "your turn is near" per ticket whatever happens.
    "CREATE TABLE outbox2 (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        reference TEXT NOT NULL,
        case_id TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL DEFAULT '',
        contact TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_attempt_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        sent_at TEXT,
        UNIQUE (seq, kind, subject)
    );
    INSERT INTO outbox2 (id, seq, kind, subject, reference, case_id, channel, state,
        created_at, sent_at, attempts)
    SELECT id, seq, kind, case_id, case_id, case_id, channel,
        CASE WHEN sent_at IS NULL THEN 'no_contact' ELSE 'sent' END, created_at, sent_at,
        CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END
    FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox2 RENAME TO outbox;
    CREATE INDEX outbox_state ON outbox(state, id);
    CREATE UNIQUE INDEX outbox_turn_near_once ON outbox(subject) WHERE kind = 'turn_near';",
    // 8: supervisor tokens scoped to departments (GZ 8 首席事务代表): their names as a JSON
    // array; NULL for every token before and every unscoped one.
    "ALTER TABLE tokens ADD COLUMN departments TEXT;",
];
