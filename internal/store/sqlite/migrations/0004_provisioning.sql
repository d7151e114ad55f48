-- Fleet provisioning: templates and their versions, and how a certificate
-- came to be (origin), so that the reaper removes only certificates the
-- MQTT provisioning API made and listings can hide temporary claims.
CREATE TABLE provisioning_templates (
    name                  TEXT PRIMARY KEY,
    id                    TEXT NOT NULL,
    description           TEXT NOT NULL,
    type                  TEXT NOT NULL,
    enabled               INTEGER NOT NULL,
    provisioning_role_arn TEXT NOT NULL,
    hook_target_arn       TEXT NOT NULL,
    hook_payload_version  TEXT NOT NULL,
    default_version       INTEGER NOT NULL,
    next_version          INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE provisioning_template_versions (
    template_name TEXT NOT NULL REFERENCES provisioning_templates (name) ON DELETE CASCADE,
    id            INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (template_name, id)
) WITHOUT ROWID;

ALTER TABLE certificates ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE INDEX certificates_origin ON certificates (origin, created_at) WHERE origin <> '';
