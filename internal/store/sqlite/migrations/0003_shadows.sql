-- Device shadows: the classic shadow of a thing (shadow_name '') and its
-- named shadows. A deleted shadow stays as a tombstone (state and metadata
-- NULL) that keeps its version, so that writing it again continues from
-- there as AWS does. The primary key also serves listing a thing's names.
CREATE TABLE shadows (
    thing_name  TEXT NOT NULL,
    shadow_name TEXT NOT NULL,
    state       BLOB,
    metadata    BLOB,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (thing_name, shadow_name)
) WITHOUT ROWID;
CREATE INDEX shadows_deleted ON shadows (updated_at) WHERE state IS NULL;
