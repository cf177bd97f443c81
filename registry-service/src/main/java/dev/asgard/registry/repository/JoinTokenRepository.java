package dev.asgard.registry.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.JoinToken;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Join tokens in PostgreSQL. */
@ApplicationScoped
public class JoinTokenRepository implements PanacheRepositoryBase<JoinToken, UUID> {

    /**
     * One page of tokens, newest first, after the given cursor.
     *
     * @param state only tokens in this state at {@code now}, or null for all
     * @param afterCreatedAt cursor: creation time of the last token of the previous page, or null
     * @param afterId cursor: id of that token, or null
     * @param now the time states are computed at
     * @param limit how many rows at most
     * @return the rows
     */
    public Uni<List<JoinToken>> page(JoinToken.State state, Instant afterCreatedAt, UUID afterId, Instant now, int limit) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        if (afterCreatedAt != null) {
            query.append(" and (createdAt < :afterCreatedAt or (createdAt = :afterCreatedAt and id < :afterId))");
            params.and("afterCreatedAt", afterCreatedAt).and("afterId", afterId);
        }
        if (state != null) {
            query.append(" and ").append(stateCondition(state));
            if (state != JoinToken.State.REVOKED) {
                params.and("now", now);
            }
        }
        return find(query.toString(), Sort.descending("createdAt", "id"), params).range(0, limit - 1).list();
    }

    private static String stateCondition(JoinToken.State state) {
        return switch (state) {
            case REVOKED -> "revokedAt is not null";
            case EXPIRED -> "revokedAt is null and expiresAt <= :now";
            case EXHAUSTED -> "revokedAt is null and expiresAt > :now and usageLimit is not null and usageCount >= usageLimit";
            case ACTIVE -> "revokedAt is null and expiresAt > :now and (usageLimit is null or usageCount < usageLimit)";
        };
    }

    /**
     * Counts one use of the token if it can still be used, in a single statement so concurrent enrolments
     * can never use a token more often than its limit allows.
     *
     * @param id the token
     * @param now the time of the use
     * @return true if a use was counted
     */
    public Uni<Boolean> tryUse(UUID id, Instant now) {
        return update("usageCount = usageCount + 1, lastUsedAt = :now, version = version + 1 where id = :id"
                + " and revokedAt is null and expiresAt > :now and (usageLimit is null or usageCount < usageLimit)",
                Parameters.with("id", id).and("now", now))
                .map(updated -> updated == 1);
    }

    /**
     * @param id a token id
     * @return the SHA-256 of its secret, or null for an unknown token; loads no entity
     */
    public Uni<byte[]> secretSha256(UUID id) {
        return getSession().chain(session -> session
                .createSelectionQuery("select t.secretSha256 from JoinToken t where t.id = :id", byte[].class)
                .setParameter("id", id)
                .getSingleResultOrNull());
    }

    /**
     * Reads a token that this transaction will not change: read-only, so no flush ever writes it back, whatever
     * Hibernate's dirty check thinks of it (see the note on field initializers in {@link JoinToken}).
     *
     * @param id a token id
     * @return the token, or null
     */
    public Uni<JoinToken> findReadOnly(UUID id) {
        return getSession().chain(session -> session
                .createSelectionQuery("from JoinToken t where t.id = :id", JoinToken.class)
                .setParameter("id", id)
                .setReadOnly(true)
                .getSingleResultOrNull());
    }

    /**
     * Revokes a token unless it is revoked already, in one statement.
     *
     * @param id the token
     * @param now the time of revocation
     * @param revokedBy who
     * @return true if this call revoked it
     */
    public Uni<Boolean> revoke(UUID id, Instant now, String revokedBy) {
        return update("revokedAt = :now, revokedBy = :by, version = version + 1 where id = :id and revokedAt is null",
                Parameters.with("id", id).and("now", now).and("by", revokedBy))
                .map(updated -> updated == 1);
    }
}
