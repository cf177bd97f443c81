-- Device records for administrators and discovery.

-- An administrator may pre-register a device before it exists: such a record has no machine fingerprint
-- until the device enrols under its name and claims it.
ALTER TABLE device ALTER COLUMN fingerprint_sha256 DROP NOT NULL;

-- Keyset pagination over live devices in the three sort orders (the id breaks ties).
CREATE INDEX device_live_name_idx ON device (name, id) WHERE removed_at IS NULL;
CREATE INDEX device_live_created_idx ON device (created_at, id) WHERE removed_at IS NULL;
CREATE INDEX device_live_status_name_idx ON device (status, name, id) WHERE removed_at IS NULL;
-- Filters: label selectors (@>, ?), network membership (@>, &&).
CREATE INDEX device_labels_gin ON device USING gin (labels);
CREATE INDEX device_networks_gin ON device USING gin (networks);
-- Discovery: capability (and version) to devices.
CREATE INDEX device_capability_name_version_idx ON device_capability (name, version, device_id);
