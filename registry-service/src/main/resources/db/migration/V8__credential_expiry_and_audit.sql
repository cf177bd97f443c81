-- Credential rotation keeps the previous credential working for a grace period: expires_at says until
-- when (null: no end). A credential is usable while revoked_at is null and expires_at is null or later.
ALTER TABLE device_credential ADD COLUMN expires_at timestamptz;

-- The audit trail: who changed what, when and from where. A row is written in the same transaction as
-- the change it records, so it exists exactly when the change happened. No foreign keys: the trail
-- outlives the devices and tokens it names. details never holds a secret.
CREATE TABLE audit_entry (
    id              uuid        PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    actor           text        NOT NULL,   -- user name, device:<id>, system or anonymous
    actor_kind      text        NOT NULL,   -- USER, DEVICE, SYSTEM, ANONYMOUS
    action          text        NOT NULL,   -- such as join-token.create, device.credentials.revoke
    target_type     text        NOT NULL,   -- device, join-token
    target_id       text        NOT NULL,
    client_address  text,                   -- the peer's IP address; null for system actions
    outcome         text        NOT NULL,   -- SUCCESS (refused requests change nothing and leave no row)
    details         jsonb       NOT NULL DEFAULT '{}'
);

-- Queries are newest first with an (occurred_at, id) cursor, optionally for one actor, action or target.
CREATE INDEX audit_entry_occurred_idx ON audit_entry (occurred_at DESC, id DESC);
CREATE INDEX audit_entry_actor_idx ON audit_entry (actor, occurred_at DESC, id DESC);
CREATE INDEX audit_entry_action_idx ON audit_entry (action, occurred_at DESC, id DESC);
CREATE INDEX audit_entry_target_idx ON audit_entry (target_id, occurred_at DESC, id DESC);
