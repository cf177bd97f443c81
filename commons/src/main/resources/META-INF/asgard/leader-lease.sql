-- Asgard leader election (dev.asgard.commons.leader).
--
-- Copy this block unchanged into a Flyway migration of every service that runs singleton jobs. The table name
-- is unqualified: Flyway creates it in the service's schema (quarkus.flyway.schemas), and the reactive client
-- finds it there through the search path. See commons/README.md, "Leader election".
--
-- One row per election name. LeaderElection acquires and renews with one atomic INSERT ... ON CONFLICT DO UPDATE
-- that compares against the database clock (now()), never a replica's clock. epoch is the fencing token: it grows
-- by one every time the lease changes hands (or is taken again after it expired), and stays the same on renewal.
CREATE TABLE leader_lease (
    name        text        PRIMARY KEY,   -- the election, e.g. registry-sweeper
    holder      text        NOT NULL,      -- holder id of the replica holding (or last holding) the lease
    epoch       bigint      NOT NULL,      -- fencing epoch of the current term, starts at 1
    acquired_at timestamptz NOT NULL,      -- start of the current term
    renewed_at  timestamptz NOT NULL,      -- last successful renewal
    expires_at  timestamptz NOT NULL       -- another replica may take the lease once now() reaches it
);
