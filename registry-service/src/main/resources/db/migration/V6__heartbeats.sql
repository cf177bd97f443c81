-- Heartbeats: the last sequence number seen per device (duplicates and reordered deliveries are ignored),
-- and the record of every status transition (each is written once, with its event, in one transaction).
ALTER TABLE device ADD COLUMN heartbeat_sequence bigint NOT NULL DEFAULT 0;

CREATE TABLE device_status_transition (
    id          bigserial   PRIMARY KEY,
    device_id   uuid        NOT NULL REFERENCES device (id) ON DELETE CASCADE,
    old_status  text        NOT NULL,
    new_status  text        NOT NULL,
    reason      text        NOT NULL,
    changed_at  timestamptz NOT NULL
);
CREATE INDEX device_status_transition_device_idx ON device_status_transition (device_id, id);
