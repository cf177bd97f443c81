package dev.asgard.registry.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.AuditEntry;
import dev.asgard.registry.service.AuditQuery;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** The audit trail in PostgreSQL. */
@ApplicationScoped
public class AuditEntryRepository implements PanacheRepositoryBase<AuditEntry, UUID> {

    /**
     * One page of entries, newest first, after the given cursor.
     *
     * @param filter what to return
     * @param afterOccurredAt cursor: time of the last entry of the previous page, or null
     * @param afterId cursor: id of that entry, or null
     * @param limit how many rows at most
     * @return the rows
     */
    public Uni<List<AuditEntry>> page(AuditQuery filter, Instant afterOccurredAt, UUID afterId, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        filter.actor().ifPresent(actor -> {
            query.append(" and actor = :actor");
            params.and("actor", actor);
        });
        filter.action().ifPresent(action -> {
            query.append(" and action = :action");
            params.and("action", action);
        });
        filter.targetId().ifPresent(target -> {
            query.append(" and targetId = :target");
            params.and("target", target);
        });
        filter.since().ifPresent(since -> {
            query.append(" and occurredAt >= :since");
            params.and("since", since);
        });
        filter.until().ifPresent(until -> {
            query.append(" and occurredAt < :until");
            params.and("until", until);
        });
        if (afterOccurredAt != null) {
            query.append(" and (occurredAt < :afterAt or (occurredAt = :afterAt and id < :afterId))");
            params.and("afterAt", afterOccurredAt).and("afterId", afterId);
        }
        return find(query.toString(), Sort.descending("occurredAt", "id"), params).range(0, limit - 1).list();
    }
}
