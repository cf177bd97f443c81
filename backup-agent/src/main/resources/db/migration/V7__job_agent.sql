-- backup-agent schema, version 7: a job may be bound to one agent instance (its runs are executed only there).
ALTER TABLE job ADD COLUMN agent_id text;   -- asgard.backup.runs.agent-id of the agent; NULL: any agent
