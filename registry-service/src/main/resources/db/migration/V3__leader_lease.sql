-- Leader election among registry replicas (commons: dev.asgard.commons.leader): the status sweeper,
-- ephemeral clean-up and key rotation run only on the holder of a lease.

CREATE TABLE leader_lease (
    name        text        PRIMARY KEY,   -- the election, e.g. registry-sweeper
    holder      text        NOT NULL,      -- holder id of the replica holding (or last holding) the lease
    epoch       bigint      NOT NULL,      -- fencing epoch of the current term, starts at 1
    acquired_at timestamptz NOT NULL,      -- start of the current term
    renewed_at  timestamptz NOT NULL,      -- last successful renewal
    expires_at  timestamptz NOT NULL       -- another replica may take the lease once now() reaches it
);
