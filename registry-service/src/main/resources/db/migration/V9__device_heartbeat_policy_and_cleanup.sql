-- Per-device heartbeat thresholds (null: the global asgard.registry.devices.* value applies), and the indexes
-- that keep the status sweeper and the ephemeral clean-up one indexed query each.
ALTER TABLE device
    ADD COLUMN heartbeat_interval_seconds integer
        CONSTRAINT device_heartbeat_interval_ck CHECK (heartbeat_interval_seconds BETWEEN 5 AND 3600),
    ADD COLUMN inactive_after_missed integer
        CONSTRAINT device_inactive_after_missed_ck CHECK (inactive_after_missed >= 1),
    ADD COLUMN offline_after_missed integer
        CONSTRAINT device_offline_after_missed_ck CHECK (offline_after_missed >= 2);

-- The sweeper looks at live active/inactive devices by last_seen. Devices on the global thresholds (nearly all)
-- are found by a range scan on last_seen; the few with their own thresholds have an index of their own, whose rows
-- the sweeper judges one by one (their threshold is per row). The sweep query ORs the two predicates, so PostgreSQL
-- combines both partial indexes (BitmapOr).
CREATE INDEX device_sweep_default_idx ON device (last_seen)
    WHERE removed_at IS NULL AND status IN ('ACTIVE', 'INACTIVE')
      AND heartbeat_interval_seconds IS NULL AND inactive_after_missed IS NULL AND offline_after_missed IS NULL;
CREATE INDEX device_sweep_custom_idx ON device (last_seen)
    WHERE removed_at IS NULL AND status IN ('ACTIVE', 'INACTIVE')
      AND (heartbeat_interval_seconds IS NOT NULL OR inactive_after_missed IS NOT NULL
           OR offline_after_missed IS NOT NULL);

-- Ephemeral clean-up: live ephemeral devices that are offline, by when they went offline.
CREATE INDEX device_ephemeral_offline_idx ON device (status_changed_at)
    WHERE ephemeral AND removed_at IS NULL AND status = 'OFFLINE';
