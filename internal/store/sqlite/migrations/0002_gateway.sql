-- The device gateway's state: retained messages and persistent sessions
-- with their queued QoS 1 messages.
CREATE TABLE retained (
    topic      TEXT PRIMARY KEY,
    payload    BLOB NOT NULL,
    qos        INTEGER NOT NULL,
    props      BLOB,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
    client_id     TEXT PRIMARY KEY,
    subscriptions BLOB,
    expires_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE session_queue (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    topic     TEXT NOT NULL,
    payload   BLOB NOT NULL,
    qos       INTEGER NOT NULL,
    props     BLOB,
    at        INTEGER NOT NULL
);
CREATE INDEX session_queue_by_client ON session_queue (client_id, seq);
