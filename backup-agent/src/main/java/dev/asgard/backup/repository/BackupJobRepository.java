package dev.asgard.backup.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupJob;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Backup jobs in PostgreSQL. */
@ApplicationScoped
public class BackupJobRepository implements PanacheRepositoryBase<BackupJob, UUID> {

    /**
     * @param afterName cursor: name of the last job of the previous page, or null
     * @param repositoryId only jobs of this repository, or null
     * @param limit rows at most
     * @return one page ordered by name
     */
    public Uni<List<BackupJob>> page(String afterName, UUID repositoryId, int limit) {
        StringBuilder q = new StringBuilder("1 = 1");
        Parameters p = new Parameters();
        if (afterName != null) {
            q.append(" and name > :after");
            p.and("after", afterName);
        }
        if (repositoryId != null) {
            q.append(" and repositoryId = :repo");
            p.and("repo", repositoryId);
        }
        return find(q.toString(), Sort.ascending("name"), p).range(0, limit - 1).list();
    }

    /**
     * Reads a job without making it part of the unit of work: scheduler and run bookkeeping change jobs only
     * through {@link #recordRun} and {@link #recordPlan}, so they never bump the revision (the ETag) that
     * administrators edit against.
     *
     * @param id the job
     * @return it, or null
     */
    public Uni<BackupJob> findReadOnly(UUID id) {
        return getSession().chain(s -> s.find(BackupJob.class, id).invoke(j -> {
            if (j != null) {
                s.setReadOnly(j, true);
            }
        }));
    }

    /**
     * @param id the job
     * @param lastRunId its most recent run
     * @return rows changed
     */
    public Uni<Integer> recordRun(UUID id, UUID lastRunId) {
        return update("lastRunId = ?1 where id = ?2", lastRunId, id);
    }

    /**
     * @param id the job
     * @param at when it last succeeded
     * @return rows changed
     */
    public Uni<Integer> recordSuccess(UUID id, Instant at) {
        return update("lastSuccessAt = ?1 where id = ?2", at, id);
    }

    /**
     * @param id the job
     * @param nextRunAt the next planned start, or null
     * @param lastScheduledAt the latest planned start that passed
     * @return rows changed
     */
    public Uni<Integer> recordPlan(UUID id, Instant nextRunAt, Instant lastScheduledAt) {
        return update("nextRunAt = ?1, lastScheduledAt = ?2 where id = ?3", nextRunAt, lastScheduledAt, id);
    }

    /**
     * @param name a name
     * @return whether a job has it
     */
    public Uni<Boolean> nameTaken(String name) {
        return count("name", name).map(n -> n > 0);
    }

    /**
     * Enabled jobs whose planned start has come, locked for this transaction; jobs another replica is deciding
     * about are skipped, so a start is never decided twice.
     *
     * @param now the time now
     * @param limit rows at most
     * @return the due jobs
     */
    public Uni<List<BackupJob>> lockDue(Instant now, int limit) {
        return getSession().chain(s -> s.createNativeQuery(
                "SELECT * FROM backup.job WHERE enabled AND next_run_at <= :now ORDER BY next_run_at LIMIT :limit "
                        + "FOR UPDATE SKIP LOCKED", BackupJob.class)
                .setParameter("now", now).setParameter("limit", limit).getResultList()
                .invoke(list -> list.forEach(j -> s.setReadOnly(j, true))));
    }
}
