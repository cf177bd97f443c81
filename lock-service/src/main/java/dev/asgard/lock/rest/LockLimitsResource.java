package dev.asgard.lock.rest;

import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.security.Roles;
import dev.asgard.lock.repository.LockQueries.DeviceLimits;
import dev.asgard.lock.rest.dto.LockLimitsBody;
import dev.asgard.lock.rest.dto.LockLimitsView;
import dev.asgard.lock.service.LockQueryService;
import dev.asgard.lock.service.LockQueryService.EffectiveLimits;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Per-device lock limits: how many grants a device may hold and how many requests it may have waiting, overriding
 * {@code asgard.lock.limits.*} for that device. lock-service does not own devices (the registry does), so any
 * device id is accepted; a device without overrides shows the configured defaults.
 */
@Path("/api/v1/devices/{deviceId}/lock-limits")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Lock limits")
@SecurityRequirement(name = "bearer")
public class LockLimitsResource {

    static final int MAX_LIMIT = 1_000_000;

    private final LockQueryService queries;
    private final SecurityIdentity identity;

    public LockLimitsResource(LockQueryService queries, SecurityIdentity identity) {
        this.queries = queries;
        this.identity = identity;
    }

    /** The limits that apply to a device and its current usage. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a device's lock limits")
    public Uni<LockLimitsView> get(@PathParam("deviceId") String deviceId) {
        return queries.limits(parseId(deviceId)).map(LockLimitsResource::view);
    }

    /**
     * Sets the overrides; a field left out goes back to the configured default. Applies to new requests: grants and
     * waits above a lowered limit stay.
     */
    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Set a device's lock limits")
    public Uni<LockLimitsView> put(@PathParam("deviceId") String deviceId, LockLimitsBody body) {
        UUID id = parseId(deviceId);
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.")
                    .withHint("Send {\"maxHeld\": 10, \"maxWaiting\": 5}; {} goes back to the defaults.");
        }
        Validation v = Validation.create();
        v.check(body.maxHeld() == null || body.maxHeld() >= 0 && body.maxHeld() <= MAX_LIMIT, "maxHeld",
                "must be 0 to " + MAX_LIMIT);
        v.check(body.maxWaiting() == null || body.maxWaiting() >= 0 && body.maxWaiting() <= MAX_LIMIT, "maxWaiting",
                "must be 0 to " + MAX_LIMIT);
        v.throwIfInvalid();
        return queries.putLimits(id, body.maxHeld(), body.maxWaiting(), identity.getPrincipal().getName())
                .map(LockLimitsResource::view);
    }

    /** Removes the overrides: the configured defaults apply again. Idempotent. */
    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Reset a device's lock limits to the defaults")
    public Uni<LockLimitsView> delete(@PathParam("deviceId") String deviceId) {
        return queries.deleteLimits(parseId(deviceId)).map(LockLimitsResource::view);
    }

    private static LockLimitsView view(EffectiveLimits limits) {
        DeviceLimits o = limits.override().orElse(null);
        return new LockLimitsView(limits.deviceId().toString(), limits.maxHeld(), limits.maxWaiting(),
                o == null ? null : o.maxHeld(), o == null ? null : o.maxWaiting(), limits.held(), limits.waiting(),
                o == null ? null : o.updatedAt(), o == null ? null : o.updatedBy());
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_DEVICE_ID", "'%s' is not a device id.", id)
                    .withViolation("deviceId", "must be a UUID");
        }
    }
}
