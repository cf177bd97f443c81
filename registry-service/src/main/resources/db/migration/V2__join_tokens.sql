-- Join tokens: what an administrator hands to a device so it can enrol. The secret is shown once, at
-- creation; only its SHA-256 is stored (the secret is 256 random bits, so a fast hash is enough: there
-- is nothing to brute-force, unlike a human password).
CREATE TABLE join_token (
    id                      uuid        PRIMARY KEY,
    secret_sha256           bytea       NOT NULL,
    description             text,
    created_at              timestamptz NOT NULL,
    created_by              text        NOT NULL,
    expires_at              timestamptz NOT NULL,
    usage_limit             integer     CHECK (usage_limit IS NULL OR usage_limit > 0),  -- null: unlimited
    usage_count             integer     NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    last_used_at            timestamptz,
    networks                text[]      NOT NULL DEFAULT '{}',  -- network ids joined on enrolment
    labels                  jsonb       NOT NULL DEFAULT '{}',  -- labels applied on enrolment
    ephemeral               boolean     NOT NULL DEFAULT false,
    ephemeral_grace_seconds bigint      CHECK (ephemeral_grace_seconds IS NULL OR ephemeral_grace_seconds > 0),
    requires_approval       boolean     NOT NULL DEFAULT false,
    revoked_at              timestamptz,
    revoked_by              text,
    version                 bigint      NOT NULL DEFAULT 0
);

-- Listing is newest first, with a (created_at, id) cursor.
CREATE INDEX join_token_created_idx ON join_token (created_at DESC, id DESC);
