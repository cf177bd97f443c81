-- backup-agent schema, version 7: a job may be bound to one agent instance (its runs are executed only there),
-- and its scheduled starts spread by a jitter.
ALTER TABLE job ADD COLUMN agent_id text;   -- asgard.backup.runs.agent-id of the agent; NULL: any agent
-- Scheduled starts are delayed at random up to this much (the run's not_before), so many agents do not start at once.
ALTER TABLE job ADD COLUMN schedule_jitter_ms bigint NOT NULL DEFAULT 0;
