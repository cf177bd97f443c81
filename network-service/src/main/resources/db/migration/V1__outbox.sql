-- network-service schema, version 1: the transactional outbox every service shares (commons).
-- The service's own tables come with its issue.

CREATE TABLE outbox (
    id           uuid        PRIMARY KEY,               -- the event id, sent as ce_id
    seq          bigserial   NOT NULL,                  -- insertion order; rows are relayed in this order
    topic        text        NOT NULL,                  -- Kafka topic, e.g. asgard.registry.events
    record_key   text        NOT NULL,                  -- Kafka record key: the entity id
    ce_type      text        NOT NULL,                  -- e.g. asgard.registry.device.registered
    ce_subject   text,                                  -- usually the entity id
    ce_time      timestamptz NOT NULL,                  -- when the change happened
    payload      bytea       NOT NULL,                  -- serialized protobuf message
    payload_type text        NOT NULL,                  -- protobuf full name, e.g. asgard.events.v1.DeviceRegistered
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_seq_idx ON outbox (seq);
