package dev.asgard.commons.about;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.Problem;
import dev.asgard.commons.security.Roles;
import io.quarkus.runtime.StartupEvent;

/**
 * {@code GET /api/v1/about}: which service and build answers, and since when. Shared by every service so
 * operators get the same answer shape everywhere; needs an administrator token (admin or viewer).
 */
@Path("/api/v1/about")
@Singleton
@Tag(name = "About", description = "Service identity")
public class AboutResource {

    private final Clock clock;
    private final String service;
    private final String version;
    private final String build;
    private volatile Instant startedAt;

    /**
     * @param clock the application clock
     * @param service {@code quarkus.application.name}
     * @param version {@code quarkus.application.version}
     */
    public AboutResource(Clock clock,
            @ConfigProperty(name = "quarkus.application.name") String service,
            @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String version) {
        this.clock = clock;
        this.service = service;
        this.version = version;
        this.build = BuildInfo.load();
        this.startedAt = clock.instant();
    }

    void onStart(@Observes StartupEvent event) {
        // Observing StartupEvent creates the bean at startup, so uptime counts from when the service started,
        // not from the first call of this endpoint.
        startedAt = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    /**
     * @return the service's name, version, build, start time and uptime
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Identify this service instance",
            description = "Name, version and build of the service answering, when it started and for how long it has run.")
    @APIResponse(responseCode = "200", description = "The service's identity",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = About.class)))
    @APIResponse(responseCode = "401", description = "No valid bearer token")
    @APIResponse(responseCode = "403", description = "The token has neither role asgard-admin nor asgard-viewer",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public About about() {
        Instant now = clock.instant();
        Duration uptime = Duration.between(startedAt, now).truncatedTo(ChronoUnit.SECONDS);
        if (uptime.isNegative()) {
            uptime = Duration.ZERO;
        }
        return new About(service, version, build, startedAt, uptime.toString(), uptime.getSeconds());
    }
}
