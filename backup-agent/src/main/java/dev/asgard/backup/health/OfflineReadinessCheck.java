package dev.asgard.backup.health;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.asgard.backup.service.OfflineMode;
import dev.asgard.backup.service.SchemaMigration;

/**
 * Readiness says why the agent is not ready while PostgreSQL is down: since when, whether the schema is migrated,
 * and whether scheduled backups run from the configuration copy (of when). Liveness has no database check on
 * purpose: an agent without PostgreSQL still runs its scheduled backups, and restarting it would not bring the
 * database back (see {@code docs/backup-runs.md}, "PostgreSQL down"). Reads what the schema migration and the
 * scheduler last saw; opens no connection.
 */
@Readiness
@ApplicationScoped
public class OfflineReadinessCheck implements HealthCheck {

    private final SchemaMigration schema;
    private final OfflineMode offline;

    public OfflineReadinessCheck(SchemaMigration schema, OfflineMode offline) {
        this.schema = schema;
        this.offline = offline;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("backup-database")
                .withData("schema", schema.migrated() ? "migrated" : "not migrated yet");
        Optional<Instant> since = schema.unreachableSince().or(offline::unreachableSince);
        if (since.isEmpty()) {
            Optional<String> error = schema.error();
            if (error.isPresent()) {
                return b.down().withData("error", error.get()).build();
            }
            return (schema.migrated() ? b.up() : b.down()).build();
        }
        b.down().withData("postgresql", "unreachable since " + since.get());
        if (!offline.enabled()) {
            return b.withData("scheduledBackups", "none until PostgreSQL answers "
                    + "(asgard.backup.offline.enabled=false)").build();
        }
        if (offline.offline()) {
            return b.withData("scheduledBackups", offline.loadedCopy().map(c -> c.writtenAt().equals(Instant.EPOCH)
                    ? "none: there is no configuration copy to run from"
                    : "running offline from the configuration copy of " + c.writtenAt() + " (" + c.jobs().size()
                            + " job(s))").orElse("running offline from the configuration copy")).build();
        }
        return b.withData("scheduledBackups", "from the configuration copy from " + since.get().plus(offline.after()))
                .build();
    }
}
