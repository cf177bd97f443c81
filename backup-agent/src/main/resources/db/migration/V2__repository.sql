-- backup-agent schema, version 2: restic repositories (issue 5, item 1).
-- Secrets (password, backend credentials) are stored only as AES-256-GCM ciphertext (SecretBox format: version,
-- key id, nonce, ciphertext+tag); the associated data binds each ciphertext to its row and column.

CREATE TABLE repository (
    id                     uuid        PRIMARY KEY,
    name                   text        NOT NULL UNIQUE,          -- DNS label
    description            text        NOT NULL DEFAULT '',
    backend                text        NOT NULL CHECK (backend IN ('local', 'sftp', 's3', 'rest', 'rclone')),
    url                    text        NOT NULL,                 -- restic repository location, no credentials
    backend_options        jsonb       NOT NULL DEFAULT '{}',    -- non-secret restic -o key=value
    password_ciphertext    bytea       NOT NULL,                 -- the repository password, encrypted
    secrets_ciphertext     bytea,                                -- JSON map of backend credentials, encrypted
    secret_names           text[]      NOT NULL DEFAULT '{}',    -- names of the stored credentials (not values)
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    revision               bigint      NOT NULL DEFAULT 1,       -- incremented on every change (optimistic lock)
    -- last observed state (refresh, init, check)
    initialized            boolean,                              -- null: never observed
    reachable              boolean,
    locked                 boolean,
    lock_count             integer,
    size_bytes             bigint,
    snapshot_count         bigint,
    last_error             text,
    observed_at            timestamptz,
    last_check_at          timestamptz,
    last_check_outcome     text
);
