-- Devices, their capabilities and credentials.
CREATE TABLE device (
    id                       uuid        PRIMARY KEY,
    name                     text        NOT NULL,
    world_type               text        NOT NULL,
    status                   text        NOT NULL,   -- PENDING, ACTIVE, INACTIVE, OFFLINE, REVOKED
    -- SHA-256 of the machine fingerprint the device reports: enough to recognise it again, without
    -- keeping a hardware identifier in the clear.
    fingerprint_sha256       bytea       NOT NULL,
    hardware                 bytea,                  -- asgard.registry.v1.HardwareSpec, protobuf
    metadata                 bytea,                  -- google.protobuf.Struct, protobuf (size-limited)
    labels                   jsonb       NOT NULL DEFAULT '{}',
    networks                 text[]      NOT NULL DEFAULT '{}',
    agent_version            text,
    join_token_id            uuid,
    ephemeral                boolean     NOT NULL DEFAULT false,
    ephemeral_grace_seconds  bigint,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    status_changed_at        timestamptz NOT NULL,
    last_seen                timestamptz,
    removed_at               timestamptz,
    version                  bigint      NOT NULL DEFAULT 0
);

-- Names are unique among devices that still exist, whatever their case.
CREATE UNIQUE INDEX device_name_live_uq ON device (lower(name)) WHERE removed_at IS NULL;
-- One live device per machine; removed devices keep their row (and fingerprint) so they cannot re-enrol.
CREATE UNIQUE INDEX device_fingerprint_live_uq ON device (fingerprint_sha256) WHERE removed_at IS NULL;
CREATE INDEX device_fingerprint_idx ON device (fingerprint_sha256);

CREATE TABLE device_capability (
    device_id   uuid  NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    name        text  NOT NULL,                 -- namespace.name
    version     text  NOT NULL DEFAULT '',
    attributes  jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (device_id, name)
);
CREATE INDEX device_capability_name_idx ON device_capability (name, device_id);

CREATE TABLE device_credential (
    id          uuid        PRIMARY KEY,
    device_id   uuid        NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    secret_hash text        NOT NULL,           -- Argon2id, PHC string
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX device_credential_device_idx ON device_credential (device_id);
