package dev.asgard.backup.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRun;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;

/** Runs in PostgreSQL. */
@ApplicationScoped
public class BackupRunRepository implements PanacheRepositoryBase<BackupRun, UUID> {

    /**
     * Newest first, keyset-paged on (queued_at, id).
     *
     * @param filter which runs
     * @param afterQueuedAt cursor time, or null for the first page
     * @param afterId cursor id
     * @param limit rows at most
     * @return one page
     */
    public Uni<List<BackupRun>> page(RunFilter filter, Instant afterQueuedAt, UUID afterId, int limit) {
        StringBuilder q = new StringBuilder("1 = 1");
        Parameters p = new Parameters();
        UUID jobId = filter.jobId();
        List<String> states = filter.states();
        if (jobId != null) {
            q.append(" and jobId = :job");
            p.and("job", jobId);
        }
        if (filter.repositoryId() != null) {
            q.append(" and repositoryId = :repo");
            p.and("repo", filter.repositoryId());
        }
        if (filter.queuedAfter() != null) {
            q.append(" and queuedAt >= :from");
            p.and("from", filter.queuedAfter());
        }
        if (filter.queuedBefore() != null) {
            q.append(" and queuedAt < :until");
            p.and("until", filter.queuedBefore());
        }
        if (filter.kind() != null) {
            q.append(" and kind = :kind");
            p.and("kind", filter.kind());
        }
        if (!states.isEmpty()) {
            q.append(" and state in :states");
            p.and("states", states);
        }
        if (afterQueuedAt != null) {
            q.append(" and (queuedAt < :at or (queuedAt = :at and id < :id))");
            p.and("at", afterQueuedAt).and("id", afterId);
        }
        q.append(" order by queuedAt desc, id desc");
        return find(q.toString(), p).range(0, limit - 1).list();
    }

    /**
     * The oldest queued run of a kind whose time has come and that this agent may execute, locked for this
     * transaction (skipping rows another replica is claiming).
     *
     * @param now the time now
     * @param kind BACKUP or RESTORE
     * @param agentId this agent (runs pinned to another agent are left alone)
     * @return the run, or null
     */
    public Uni<BackupRun> lockNextQueued(Instant now, String kind, String agentId) {
        return getSession().chain(s -> s.createNativeQuery("SELECT * FROM backup.run WHERE state = 'QUEUED'"
                + " AND kind = :kind AND (pinned_agent_id IS NULL OR pinned_agent_id = :agent)"
                + " AND (not_before IS NULL OR not_before <= :now) ORDER BY queued_at, id LIMIT 1"
                + " FOR UPDATE SKIP LOCKED", BackupRun.class).setParameter("now", now).setParameter("kind", kind)
                .setParameter("agent", agentId).getSingleResultOrNull());
    }

    /**
     * @param agentId an agent instance
     * @return its runs left running or cancelling
     */
    public Uni<List<BackupRun>> activeOf(String agentId) {
        return list("agentId = ?1 and state in ('RUNNING', 'CANCELLING')", agentId);
    }

    /**
     * @param jobId a job
     * @return its queued runs
     */
    public Uni<List<BackupRun>> queuedOf(UUID jobId) {
        return list("jobId = ?1 and state = 'QUEUED'", jobId);
    }

    /**
     * Which agent executed each job's latest started backup (the rule of who runs a job while PostgreSQL is down).
     *
     * @return agent id by job id, for jobs with an executed run
     */
    public Uni<java.util.Map<UUID, String>> lastExecutingAgents() {
        return getSession().chain(s -> s.createNativeQuery("SELECT DISTINCT ON (job_id) CAST(job_id AS text), agent_id"
                + " FROM backup.run WHERE job_id IS NOT NULL AND agent_id IS NOT NULL AND kind = 'BACKUP'"
                + " AND started_at IS NOT NULL ORDER BY job_id, started_at DESC", Object[].class).getResultList())
                .map(rows -> {
                    java.util.Map<UUID, String> agents = new java.util.HashMap<>();
                    rows.forEach(r -> agents.put(UUID.fromString((String) r[0]), (String) r[1]));
                    return agents;
                });
    }

    /**
     * Deletes the job's finished runs beyond the newest {@code keep}.
     *
     * @param jobId the job
     * @param keep runs to keep
     * @return rows deleted
     */
    public Uni<Integer> trimHistory(UUID jobId, int keep) {
        return getSession().chain(s -> s.createNativeQuery("DELETE FROM backup.run WHERE id IN (SELECT id FROM backup.run"
                + " WHERE job_id = :job AND state IN ('SUCCEEDED', 'PARTIAL', 'FAILED', 'CANCELLED', 'INTERRUPTED')"
                + " ORDER BY queued_at DESC, id DESC OFFSET :keep)").setParameter("job", jobId)
                .setParameter("keep", keep).executeUpdate());
    }

    /**
     * Which runs a listing returns; null fields do not filter.
     *
     * @param jobId only runs of this job
     * @param repositoryId only runs against this repository
     * @param states only runs in these states (empty: any)
     * @param queuedAfter only runs queued at or after this time
     * @param queuedBefore only runs queued before this time
     * @param kind only runs of this kind (BACKUP or RESTORE); null for both
     */
    public record RunFilter(UUID jobId, UUID repositoryId, List<String> states, Instant queuedAfter,
            Instant queuedBefore, String kind) {

        /** Never null list. */
        public RunFilter {
            states = states == null ? List.of() : List.copyOf(states);
        }

        /** @return the filter as a stable string, which binds page tokens to it */
        public String key() {
            return jobId + "|" + repositoryId + "|" + String.join(",", states) + "|" + queuedAfter + "|" + queuedBefore
                    + "|" + kind;
        }
    }
}
