package dev.asgard.commons.events;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/**
 * Access to the {@code outbox} table. All methods need an active reactive session (and, for writes, the
 * caller's transaction).
 */
@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxEvent, UUID> {

    /**
     * The oldest rows, in the order they were written.
     *
     * @param limit most rows to return
     * @return up to {@code limit} rows ordered by {@code seq}
     */
    public Uni<List<OutboxEvent>> oldest(int limit) {
        return findAll(Sort.ascending("seq")).range(0, limit - 1).list();
    }

    /**
     * Deletes relayed rows.
     *
     * @param ids the ids of the rows
     * @return how many rows were deleted
     */
    public Uni<Long> deleteByIds(List<UUID> ids) {
        return delete("id in ?1", ids);
    }
}
