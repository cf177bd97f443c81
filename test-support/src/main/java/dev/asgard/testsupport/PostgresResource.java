package dev.asgard.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a Quarkus test application at the real PostgreSQL of this test JVM ({@link TestServers#postgres()}),
 * creating its database first.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
 * class DeviceResourceTest { ... }
 * }</pre>
 *
 * Init argument {@code database} (default {@value #DEFAULT_DATABASE}) names the database; a test class may use its
 * own with {@code initArgs = @ResourceArg(name = "database", value = "...")}. Returned configuration:
 * {@code quarkus.datasource.reactive.url}, {@code quarkus.datasource.jdbc.url}, {@code quarkus.datasource.username},
 * {@code quarkus.datasource.password}. Dev Services are build-time settings that a test resource cannot change:
 * services switch them off in {@code application.properties} ({@code quarkus.devservices.enabled=false}).
 *
 * <p>{@link #stop()} leaves the server running: one server serves every test class and profile of the JVM and
 * stops when the JVM exits.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    /** The init argument naming the database. */
    public static final String DATABASE_ARG = "database";
    /** The database used when no init argument names one. */
    public static final String DEFAULT_DATABASE = "asgard";

    private String database = DEFAULT_DATABASE;

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault(DATABASE_ARG, DEFAULT_DATABASE);
    }

    @Override
    public Map<String, String> start() {
        PostgresServer postgres = TestServers.postgres();
        postgres.createDatabaseIfMissing(database);
        return Map.of(
                "quarkus.datasource.reactive.url", postgres.reactiveUrl(database),
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(database),
                "quarkus.datasource.username", postgres.username(),
                "quarkus.datasource.password", postgres.password());
    }

    @Override
    public void stop() {
        // Shared by the whole test JVM: local-infra stops it when the JVM exits.
    }
}
