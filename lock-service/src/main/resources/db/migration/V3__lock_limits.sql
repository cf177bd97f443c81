-- Per-device overrides of asgard.lock.limits.* set by administrators (admin REST /api/v1/devices/{id}/lock-limits).
-- A null column keeps the configured default for that limit. lock-service does not own devices (the registry
-- does), so there is no foreign key: an override may be set before the device enrols.
CREATE TABLE lock_device_limit (
    device_id         uuid        PRIMARY KEY,
    max_held          integer     CHECK (max_held >= 0),
    max_waiting       integer     CHECK (max_waiting >= 0),
    updated_at        timestamptz NOT NULL,
    updated_by        text        NOT NULL
);
