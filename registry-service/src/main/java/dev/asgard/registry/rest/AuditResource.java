package dev.asgard.registry.rest;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import dev.asgard.registry.mapping.CredentialMapper;
import dev.asgard.registry.rest.dto.AuditEntryPage;
import dev.asgard.registry.service.AuditQuery;
import dev.asgard.registry.service.AuditService;
import io.smallrye.mutiny.Uni;

/** The audit trail for administrators: every admin write, enrolment, rotation and revocation. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@SecurityRequirement(name = "bearer")
public class AuditResource {

    private static final int MAX_FILTER_LENGTH = 200;
    private static final Pattern ACTION = Pattern.compile("[a-z0-9][a-z0-9.-]{0,99}");

    private final AuditService audit;
    private final CredentialMapper mapper;

    public AuditResource(AuditService audit, CredentialMapper mapper) {
        this.audit = audit;
        this.mapper = mapper;
    }

    /**
     * Lists audit entries newest first. Every filter given must match: {@code actor} (a user name,
     * {@code device:<id>}, {@code anonymous}, {@code system}), {@code action} (such as
     * {@code device.credentials.revoke}), {@code target_id}, {@code since} (inclusive) and {@code until}
     * (exclusive), both ISO-8601 instants.
     */
    @GET
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Query the audit trail")
    public Uni<AuditEntryPage> list(@QueryParam("actor") String actor, @QueryParam("action") String action,
            @QueryParam("target_id") String targetId, @QueryParam("since") String since,
            @QueryParam("until") String until, @QueryParam("page_size") Integer pageSize,
            @QueryParam("page_token") String pageToken) {
        Validation v = Validation.create();
        Optional<String> actorFilter = text(v, "actor", actor);
        Optional<String> actionFilter = text(v, "action", action);
        actionFilter.ifPresent(a -> v.check(ACTION.matcher(a).matches(), "action",
                "must look like device.credentials.revoke (lower case letters, digits, '.', '-')"));
        Optional<String> targetFilter = text(v, "target_id", targetId);
        Optional<Instant> sinceFilter = instant(v, "since", since);
        Optional<Instant> untilFilter = instant(v, "until", until);
        if (sinceFilter.isPresent() && untilFilter.isPresent()) {
            v.check(sinceFilter.get().isBefore(untilFilter.get()), "until", "must be later than since");
        }
        if (!v.isValid()) {
            throw AsgardException.invalidArgument(v.violations())
                    .withHint("Times are ISO-8601 instants such as 2026-01-31T12:00:00Z; see GET /api/v1/audit docs.");
        }
        PageRequest page = PageRequest.of(pageSize, pageToken);
        AuditQuery query = new AuditQuery(actorFilter, actionFilter, targetFilter, sinceFilter, untilFilter);
        return audit.list(query, page).map(result -> new AuditEntryPage(
                result.items().stream().map(mapper::toView).toList(), result.nextPageToken()));
    }

    private static Optional<String> text(Validation v, String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        v.maxLength(field, value, MAX_FILTER_LENGTH);
        return Optional.of(value.strip());
    }

    private static Optional<Instant> instant(Validation v, String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(value.strip()));
        } catch (DateTimeParseException e) {
            v.add(field, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z");
            return Optional.empty();
        }
    }
}
