package dev.asgard.backup.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupRepository;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** restic repositories in PostgreSQL. */
@ApplicationScoped
public class BackupRepositoryRepository implements PanacheRepositoryBase<BackupRepository, UUID> {

    /**
     * @param afterName cursor: name of the last repository of the previous page, or null
     * @param limit rows at most
     * @return one page ordered by name
     */
    public Uni<List<BackupRepository>> page(String afterName, int limit) {
        return page(afterName, null, limit);
    }

    /**
     * @param afterName cursor: name of the last repository of the previous page, or null
     * @param backend only this backend (stored name, lower case), or null for all
     * @param limit rows at most
     * @return one page ordered by name
     */
    public Uni<List<BackupRepository>> page(String afterName, String backend, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        if (afterName != null) {
            query.append(" and name > :after");
            params.and("after", afterName);
        }
        if (backend != null) {
            query.append(" and backend = :backend");
            params.and("backend", backend);
        }
        return find(query.toString(), Sort.ascending("name"), params).range(0, limit - 1).list();
    }

    /**
     * Locks the repositories whose scheduled check is due, skipping rows another agent has locked, so replicas
     * never claim the same due check. Call inside a transaction; the rows are read-only in the session (the
     * claim is written with {@link #planCheck}, which does not count as a change of the repository).
     *
     * @param now the time now
     * @param limit rows at most
     * @return the due repositories, earliest first
     */
    public Uni<List<BackupRepository>> lockDueChecks(Instant now, int limit) {
        return getSession().chain(s -> s.createNativeQuery(
                "SELECT * FROM backup.repository WHERE next_check_at <= :now ORDER BY next_check_at LIMIT :limit "
                        + "FOR UPDATE SKIP LOCKED", BackupRepository.class)
                .setParameter("now", now).setParameter("limit", limit).getResultList()
                .invoke(list -> list.forEach(r -> s.setReadOnly(r, true))));
    }

    /**
     * Records the last check without touching revision or update time: a check observes the repository, it does
     * not change its settings (and a scheduled check must not make an administrator's expected revision stale).
     *
     * @param id the repository
     * @param at when the check started
     * @param outcome passed, errors_found or failed
     * @return rows changed (0 when the repository was removed meanwhile)
     */
    public Uni<Integer> recordCheck(UUID id, Instant at, String outcome) {
        return update("lastCheckAt = ?1, lastCheckOutcome = ?2 where id = ?3", at, outcome, id);
    }

    /**
     * Sets the next scheduled check without touching revision or update time: the scheduler's bookkeeping is not
     * a change an administrator made.
     *
     * @param id the repository
     * @param next the next due time, or null
     * @return rows changed
     */
    public Uni<Integer> planCheck(UUID id, Instant next) {
        return update("nextCheckAt = ?1 where id = ?2", next, id);
    }

    /**
     * Read-only, so that finding it inside a transaction never writes it back (and never bumps its revision).
     *
     * @param requestId the idempotency key of the CreateRepository call that added it
     * @return the repository, or null
     */
    public Uni<BackupRepository> findByRequestId(String requestId) {
        return getSession().chain(s -> find("requestId", requestId).firstResult().invoke(r -> {
            if (r != null) {
                s.setReadOnly(r, true);
            }
        }));
    }

    /**
     * @param name a name
     * @return whether a repository has it
     */
    public Uni<Boolean> nameTaken(String name) {
        return count("name", name).map(n -> n > 0);
    }
}
