package dev.asgard.commons.about;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What {@code GET /api/v1/about} answers.
 *
 * @param service the service name ({@code quarkus.application.name})
 * @param version the service version ({@code quarkus.application.version})
 * @param build the git commit or build time from {@code META-INF/asgard-build.properties}, else {@code unknown}
 * @param startedAt when this process started serving
 * @param uptime time since then, ISO-8601 duration
 * @param uptimeSeconds time since then, in whole seconds
 */
@RegisterForReflection
@Schema(name = "About", description = "Identity and uptime of one service instance")
public record About(
        @Schema(examples = "registry-service") String service,
        @Schema(examples = "0.1.0-SNAPSHOT") String version,
        @Schema(description = "Git commit or build time, or 'unknown'", examples = "3f2a9c1") String build,
        @Schema(examples = "2025-01-31T08:15:30Z") Instant startedAt,
        @Schema(description = "ISO-8601 duration", examples = "PT2H13M5S") String uptime,
        @Schema(examples = "7985") long uptimeSeconds) {
}
