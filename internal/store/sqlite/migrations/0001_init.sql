-- 0001: the registry aggregates of store.go.
-- Times are unix milliseconds (UTC). Keys are the records' names or ids;
-- WITHOUT ROWID where rows are small and always reached by key.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- attributes is the JSON object returned by Get; thing_attributes holds the
-- same pairs, indexed for ListThings filters. Both are written together.
CREATE TABLE things (
    name       TEXT PRIMARY KEY,
    id         TEXT NOT NULL,
    type_name  TEXT NOT NULL,
    attributes TEXT,
    version    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX things_by_type ON things (type_name, name);

CREATE TABLE thing_attributes (
    thing_name TEXT NOT NULL REFERENCES things (name) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (thing_name, name)
) WITHOUT ROWID;
CREATE INDEX thing_attributes_by_value ON thing_attributes (name, value, thing_name);

CREATE TABLE thing_types (
    name                  TEXT PRIMARY KEY,
    id                    TEXT NOT NULL,
    description           TEXT NOT NULL,
    searchable_attributes TEXT,
    properties            BLOB,
    deprecated            INTEGER NOT NULL,
    deprecated_at         INTEGER NOT NULL,
    created_at            INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE thing_groups (
    name        TEXT PRIMARY KEY,
    id          TEXT NOT NULL,
    parent_name TEXT NOT NULL,
    description TEXT NOT NULL,
    attributes  TEXT,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX thing_groups_by_parent ON thing_groups (parent_name, name);

-- Rows carry a PEM (about 1 KiB): a rowid table keeps the b-tree pages dense.
CREATE TABLE certificates (
    id               TEXT NOT NULL UNIQUE,
    pem              TEXT NOT NULL,
    ca_id            TEXT NOT NULL,
    status           TEXT NOT NULL,
    mode             TEXT NOT NULL,
    owned_by         TEXT NOT NULL,
    customer_version INTEGER NOT NULL,
    generation_id    TEXT NOT NULL,
    not_before       INTEGER NOT NULL,
    not_after        INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX certificates_by_created ON certificates (created_at, id);
CREATE INDEX certificates_by_ca ON certificates (ca_id, created_at, id);

CREATE TABLE policies (
    name            TEXT PRIMARY KEY,
    default_version INTEGER NOT NULL,
    next_version    INTEGER NOT NULL,
    generation_id   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Versions go with their policy (store.Policies.Delete).
CREATE TABLE policy_versions (
    policy_name   TEXT NOT NULL REFERENCES policies (name) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    document      TEXT NOT NULL,
    generation_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (policy_name, id)
);

-- Edges of every relation, listed from either end.
CREATE TABLE links (
    rel      TEXT NOT NULL,
    from_key TEXT NOT NULL,
    to_key   TEXT NOT NULL,
    attr     TEXT NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (rel, from_key, to_key)
) WITHOUT ROWID;
CREATE INDEX links_by_to ON links (rel, to_key, from_key);

CREATE TABLE tags (
    arn   TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (arn, key)
) WITHOUT ROWID;
