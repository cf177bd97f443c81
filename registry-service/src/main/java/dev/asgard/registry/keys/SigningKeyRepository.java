package dev.asgard.registry.keys;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Signing keys in PostgreSQL, through the reactive pool: the key jobs run at startup and from the scheduler,
 * outside any request, where a plain SQL client is simpler than a Hibernate session; the table has a handful of
 * rows.
 */
@ApplicationScoped
public class SigningKeyRepository {

    private static final String COLUMNS = "kid, algorithm, public_jwk, private_key_encrypted, created_at, "
            + "activates_at, retires_at, expires_at";

    private final Pool pool;
    private final String table;

    public SigningKeyRepository(Pool pool,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> schema) {
        this.pool = pool;
        this.table = schema.filter(s -> !s.isBlank()).map(s -> s + ".signing_key").orElse("signing_key");
    }

    /** @return every stored key, newest activation first */
    public Uni<List<SigningKey>> all() {
        return all(pool);
    }

    /**
     * Runs work in one transaction that holds an exclusive lock on the table, so replicas that create or rotate
     * keys at the same time take turns and each sees what the previous one wrote.
     *
     * @param work given the connection
     * @param <T> the result
     * @return the work's result after commit
     */
    public <T> Uni<T> locked(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(connection -> connection
                .query("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE").execute()
                .chain(ignored -> work.apply(connection)));
    }

    /**
     * @param client connection or pool
     * @return every stored key, newest activation first
     */
    public Uni<List<SigningKey>> all(SqlClient client) {
        return client.query("SELECT " + COLUMNS + " FROM " + table + " ORDER BY activates_at DESC, created_at DESC")
                .execute()
                .map(rows -> {
                    List<SigningKey> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(map(row)));
                    return keys;
                });
    }

    /**
     * @param client connection
     * @param key the new key
     * @return done
     */
    public Uni<Void> insert(SqlClient client, SigningKey key) {
        return client.preparedQuery("INSERT INTO " + table + " (" + COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .execute(Tuple.tuple(List.of(key.kid(), key.algorithm(), key.publicJwk(),
                        io.vertx.core.buffer.Buffer.buffer(key.privateKeyEncrypted()), at(key.createdAt()),
                        at(key.activatesAt()), at(key.retiresAt()), at(key.expiresAt()))))
                .replaceWithVoid();
    }

    /**
     * Ends signing with every key still signing after {@code retiresAt}.
     *
     * @param client connection
     * @param retiresAt when they stop signing
     * @param expiresAt when they leave the JWKS
     * @return how many keys changed
     */
    public Uni<Integer> retireAfter(SqlClient client, Instant retiresAt, Instant expiresAt) {
        return client.preparedQuery("UPDATE " + table + " SET retires_at = $1, expires_at = $2 WHERE retires_at > $1"
                + " AND activates_at <= $1")
                .execute(Tuple.of(at(retiresAt), at(expiresAt)))
                .map(rows -> rows.rowCount());
    }

    /**
     * @param client connection
     * @param now the time
     * @return the kids deleted: keys no longer published
     */
    public Uni<List<String>> deleteExpired(SqlClient client, Instant now) {
        return client.preparedQuery("DELETE FROM " + table + " WHERE expires_at <= $1 RETURNING kid")
                .execute(Tuple.of(at(now)))
                .map(rows -> {
                    List<String> kids = new ArrayList<>();
                    rows.forEach(row -> kids.add(row.getString(0)));
                    return kids;
                });
    }

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static SigningKey map(Row row) {
        return new SigningKey(row.getString("kid"), row.getString("algorithm"), row.getString("public_jwk"),
                row.getBuffer("private_key_encrypted").getBytes(),
                row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("activates_at").toInstant(),
                row.getOffsetDateTime("retires_at").toInstant(), row.getOffsetDateTime("expires_at").toInstant());
    }
}
