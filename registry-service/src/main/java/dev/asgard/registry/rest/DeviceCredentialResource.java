package dev.asgard.registry.rest;

import java.time.Duration;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import dev.asgard.registry.config.RegistryConfig;
import dev.asgard.registry.mapping.CredentialMapper;
import dev.asgard.registry.rest.dto.DeviceCredentialPage;
import dev.asgard.registry.rest.dto.RevokeCredentialsBody;
import dev.asgard.registry.rest.dto.RevokedCredentials;
import dev.asgard.registry.rest.dto.RotateCredentialBody;
import dev.asgard.registry.rest.dto.RotatedCredential;
import dev.asgard.registry.service.CredentialRevocationService;
import dev.asgard.registry.service.CredentialRotationService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A device's credentials for administrators: list them (ids and lifetimes, never secrets), rotate them (the new
 * credential is shown once), revoke the device (every credential and every live token, at once).
 */
@Path("/api/v1/devices/{deviceId}/credentials")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Device credentials")
@SecurityRequirement(name = "bearer")
public class DeviceCredentialResource {

    private static final String REVOKE_EXAMPLE = "{\"reason\": \"laptop stolen\"}";

    private final CredentialRotationService rotation;
    private final CredentialRevocationService revocation;
    private final CredentialMapper mapper;
    private final RegistryConfig config;
    private final SecurityIdentity identity;
    private final ObjectMapper json;

    public DeviceCredentialResource(CredentialRotationService rotation, CredentialRevocationService revocation,
            CredentialMapper mapper, RegistryConfig config, SecurityIdentity identity, ObjectMapper json) {
        this.rotation = rotation;
        this.revocation = revocation;
        this.mapper = mapper;
        this.config = config;
        this.identity = identity;
        this.json = json;
    }

    /** Lists the device's credentials, newest first: ids, creation, expiry and revocation times. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List a device's credentials", description = "Never shows a secret or its hash.")
    public Uni<DeviceCredentialPage> list(@PathParam("deviceId") String deviceId,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        UUID id = parseId(deviceId);
        PageRequest page = PageRequest.of(pageSize, pageToken);
        return rotation.list(id, page).map(result -> new DeviceCredentialPage(
                result.items().stream().map(mapper::toView).toList(), result.nextPageToken()));
    }

    /**
     * Issues a new credential, shown in this answer only. The replaced credentials keep working for
     * {@code previousCredentialGrace} (default 0: revoked at once, since an administrator usually rotates because a
     * credential may have leaked, and installs the new one on the device by hand). Live device tokens are not
     * touched; revoke the device to refuse them too.
     */
    @POST
    @Path("/rotate")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Rotate a device's credential", description = "The new credential is in this answer only.")
    public Uni<RotatedCredential> rotate(@PathParam("deviceId") String deviceId,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RotateCredentialBody.class))) String text) {
        UUID id = parseId(deviceId);
        Duration grace = grace(JsonBodies.read(json, text, RotateCredentialBody.class,
                "{\"previousCredentialGrace\": \"10m\"}"));
        String admin = identity.getPrincipal().getName();
        return rotation.newCredential()
                .chain(credential -> rotation.rotate(id, credential, grace, admin))
                .map(rotated -> new RotatedCredential(rotated.credential().credential(),
                        rotated.credential().id().toString(),
                        rotated.previousCredentialId() == null ? null : rotated.previousCredentialId().toString(),
                        rotated.previousExpiresAt()));
    }

    /**
     * Revokes the device: every credential, and every device token it holds (all services refuse them within
     * seconds); its status becomes REVOKED and it cannot exchange, heartbeat or re-enrol any more. Revoking a
     * revoked device changes nothing.
     */
    @POST
    @Path("/revoke")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Revoke a device", description = "Revokes all credentials and live tokens; status REVOKED.")
    public Uni<RevokedCredentials> revoke(@PathParam("deviceId") String deviceId,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RevokeCredentialsBody.class))) String text) {
        UUID id = parseId(deviceId);
        String reason = reason(JsonBodies.read(json, text, RevokeCredentialsBody.class, REVOKE_EXAMPLE));
        return revocation.revoke(id, reason, identity.getPrincipal().getName())
                .map(revoked -> new RevokedCredentials(revoked.deviceId().toString(),
                        revoked.credentialIds().stream().map(UUID::toString).toList(), revoked.revokedAt(),
                        revoked.alreadyRevoked()));
    }

    private Duration grace(RotateCredentialBody body) {
        if (body == null || body.previousCredentialGrace() == null) {
            return Duration.ZERO;
        }
        Validation v = Validation.create();
        Duration grace = Durations.parse(v, "previousCredentialGrace", body.previousCredentialGrace());
        Duration max = rotation.maxGrace();
        if (grace != null) {
            v.check(!grace.isNegative() && grace.compareTo(max) <= 0, "previousCredentialGrace",
                    "must be between 0 and " + max);
        }
        v.throwIfInvalid();
        return grace == null ? Duration.ZERO : grace;
    }

    private String reason(RevokeCredentialsBody body) {
        int max = config.credentials().maxRevocationReasonLength();
        Validation v = Validation.create();
        String reason = body == null ? null : body.reason();
        v.notBlank("reason", reason);
        v.maxLength("reason", reason, max);
        if (!v.isValid()) {
            throw AsgardException.invalidArgument(v.violations())
                    .withHint("Say why, e.g. " + REVOKE_EXAMPLE + "; it is kept in the event and the audit trail.");
        }
        return reason.strip();
    }

    static UUID parseId(String deviceId) {
        try {
            return UUID.fromString(deviceId);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_DEVICE_ID", "'%s' is not a device id.", deviceId)
                    .withViolation("deviceId", "must be a UUID")
                    .withHint("Use the device id from GET /api/v1/devices or from the enrolment answer.");
        }
    }
}
