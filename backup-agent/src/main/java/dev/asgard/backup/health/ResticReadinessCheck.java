package dev.asgard.backup.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticVersion;

/**
 * Ready only with a restic binary of a supported version. The answer is kept for a minute so probes do not
 * start a process each time (a blocking check: Quarkus runs it on a worker thread).
 */
@Readiness
@ApplicationScoped
public class ResticReadinessCheck implements HealthCheck {

    private static final Duration CACHE = Duration.ofMinutes(1);

    private final Restic restic;
    private final Clock clock;
    private volatile HealthCheckResponse last;
    private volatile Instant lastAt = Instant.MIN;

    public ResticReadinessCheck(Restic restic, Clock clock) {
        this.restic = restic;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = clock.instant();
        if (last == null || lastAt.plus(CACHE).isBefore(now)) {
            last = probe();
            lastAt = now;
        }
        return last;
    }

    private HealthCheckResponse probe() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("restic")
                .withData("minimumVersion", ResticVersion.MINIMUM.toString());
        try {
            ResticVersion v = restic.version();
            b.withData("version", v.toString());
            return (v.supported() ? b.up() : b.down().withData("error", "restic " + v + " is too old")).build();
        } catch (RuntimeException e) {
            return b.down().withData("error", "restic does not run: " + e.getMessage()).build();
        }
    }
}
