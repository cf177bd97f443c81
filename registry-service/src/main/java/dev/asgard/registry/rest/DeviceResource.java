package dev.asgard.registry.rest;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Problem;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.registry.mapping.DeviceViewMapper;
import dev.asgard.registry.query.DeviceQueries;
import dev.asgard.registry.query.LabelSelectorParser;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import dev.asgard.registry.rest.dto.DevicePage;
import dev.asgard.registry.rest.dto.DeviceView;
import dev.asgard.registry.rest.dto.PreRegisterDeviceRequest;
import dev.asgard.registry.rest.dto.UpdateDeviceBody;
import dev.asgard.commons.error.Validation;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.service.DeviceAdminService;
import dev.asgard.registry.service.DeviceIds;
import dev.asgard.registry.service.DeviceQueryService;
import dev.asgard.registry.service.DeviceUpdates;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;

/**
 * Device records for administrators: list with filters, sorting and cursor pagination; show; pre-register;
 * change (with {@code If-Match}: a stale ETag is answered 412); approve. Every answer that carries one device
 * carries its ETag, the quoted revision.
 */
@Path("/api/v1/devices")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Devices")
@SecurityRequirement(name = "bearer")
public class DeviceResource {

    private final DeviceQueryService queries;
    private final DeviceAdminService admin;
    private final DeviceViewMapper views;
    private final SecurityIdentity identity;
    private final HttpServerRequest http;

    public DeviceResource(DeviceQueryService queries, DeviceAdminService admin, DeviceViewMapper views,
            SecurityIdentity identity, HttpServerRequest http) {
        this.queries = queries;
        this.admin = admin;
        this.views = views;
        this.identity = identity;
        this.http = http;
    }

    /** Lists live devices matching every given filter. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List devices", description = "Filters: network, world_type and status (repeatable), "
            + "capability, label_selector (kubectl syntax: zone=attic,tier in (edge,core),!retired), name_prefix, "
            + "id (repeatable). order_by: name, create_time or last_seen, optionally followed by ' desc'.")
    public Uni<DevicePage> list(@QueryParam("network") String network, @QueryParam("world_type") List<String> worldTypes,
            @QueryParam("status") List<String> statuses, @QueryParam("capability") String capability,
            @QueryParam("label_selector") String labelSelector, @QueryParam("name_prefix") String namePrefix,
            @QueryParam("id") List<String> ids, @QueryParam("order_by") String orderBy,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        DeviceFilter.Builder filter = DeviceFilter.newBuilder()
                .addAllDeviceIds(ids)
                .setNetworkId(orEmpty(network))
                .setCapability(orEmpty(capability))
                .setNamePrefix(orEmpty(namePrefix))
                .setLabelSelector(LabelSelectorParser.parse(labelSelector, "label_selector"));
        Validation v = Validation.create();
        for (String value : worldTypes) {
            WorldType type = DeviceViewMapper.worldType(value);
            if (type == WorldType.UNRECOGNIZED || type == WorldType.WORLD_TYPE_UNSPECIFIED) {
                v.add("world_type", "'" + value + "' is not one of physical, virtual_machine, container,"
                        + " cloud_instance, simulated");
            } else {
                filter.addWorldTypes(type);
            }
        }
        for (String value : statuses) {
            DeviceStatus status = status(value);
            if (status == DeviceStatus.UNRECOGNIZED || status == DeviceStatus.DEVICE_STATUS_UNSPECIFIED) {
                v.add("status", "'" + value + "' is not one of pending, active, inactive, offline, revoked");
            } else {
                filter.addStatuses(status);
            }
        }
        v.throwIfInvalid();
        PageRequest page = PageRequest.of(pageSize, pageToken);
        return queries.list(DeviceQueries.from(filter.build(), orderBy, Optional.empty()), page)
                .map(result -> new DevicePage(views.toViews(result.items()), result.nextPageToken()));
    }

    /** Shows one device, with its ETag. */
    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a device")
    public Uni<Response> get(@PathParam("id") String id) {
        return queries.get(DeviceIds.parse(id)).map(found -> ok(found).build());
    }

    /** Registers a device before it enrols; the first machine enrolling under its name claims it. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Pre-register a device")
    public Uni<Response> preRegister(PreRegisterDeviceRequest body) {
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.")
                    .withHint("Send at least {\"name\": \"nas-1\", \"worldType\": \"physical\"}.");
        }
        var registration = new DeviceAdminService.Registration(body.name(), DeviceViewMapper.worldType(body.worldType()),
                body.labels(), body.networks(), views.toStruct("metadata", body.metadata()));
        return admin.preRegister(registration, actor())
                .map(found -> Response.created(URI.create("/api/v1/devices/" + found.device().id))
                        .entity(views.toView(found)).tag(etag(found)).build());
    }

    /** Changes name, labels, networks or metadata; with {@code If-Match} only if nobody changed the device since. */
    @PATCH
    @Path("/{id}")
    @Consumes({ MediaType.APPLICATION_JSON, "application/merge-patch+json" })
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Change a device", description = "JSON merge patch; send If-Match with the ETag you read.")
    public Uni<Response> update(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            UpdateDeviceBody body) {
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.")
                    .withHint("Send the fields to change, for example {\"labels\": {\"zone\": \"attic\"}}.");
        }
        var patch = new DeviceAdminService.Patch(Optional.ofNullable(body.name()), Optional.ofNullable(body.labels()),
                Optional.ofNullable(body.networks()), Optional.ofNullable(views.toStruct("metadata", body.metadata())),
                Optional.ofNullable(body.heartbeatIntervalSeconds()), Optional.ofNullable(body.inactiveAfterMissed()),
                Optional.ofNullable(body.offlineAfterMissed()));
        UUID deviceId = DeviceIds.parse(id);
        return preconditioned(admin.update(deviceId, patch, expectedRevision(ifMatch)));
    }

    /** Approves a device waiting for approval: it becomes active and may get tokens. */
    @POST
    @Path("/{id}/approve")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Approve a pending device")
    public Uni<Response> approve(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch) {
        return preconditioned(admin.approve(DeviceIds.parse(id), expectedRevision(ifMatch)));
    }

    /** Removes a device: credentials revoked, tokens refused everywhere within seconds, no re-enrolment. */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Remove a device", description = "Revokes its credentials; the machine cannot enrol again.")
    public Uni<Response> remove(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch) {
        return admin.remove(DeviceIds.parse(id), expectedRevision(ifMatch), actor())
                .map(ignored -> Response.noContent().build())
                .onFailure(DeviceResource::isRevisionMismatch)
                .recoverWithItem(e -> preconditionFailed((AsgardException) e));
    }

    private Uni<Response> preconditioned(Uni<Found> change) {
        return change.map(found -> ok(found).build())
                .onFailure(DeviceResource::isRevisionMismatch)
                .recoverWithItem(e -> preconditionFailed((AsgardException) e));
    }

    private Response.ResponseBuilder ok(Found found) {
        return Response.ok(views.toView(found)).tag(etag(found));
    }

    private static EntityTag etag(Found found) {
        return new EntityTag(Long.toString(found.device().version));
    }

    /** {@code If-Match} holds the quoted revision; {@code *} or no header means "whatever it is now". */
    static Optional<Long> expectedRevision(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.trim().equals("*")) {
            return Optional.empty();
        }
        String tag = ifMatch.trim();
        if (tag.startsWith("W/")) {
            tag = tag.substring(2);
        }
        tag = tag.replace("\"", "");
        try {
            return Optional.of(Long.parseLong(tag));
        } catch (NumberFormatException e) {
            // An ETag this service never issued can match no revision.
            return Optional.of(-1L);
        }
    }

    private static boolean isRevisionMismatch(Throwable e) {
        return e instanceof AsgardException a && DeviceUpdates.REVISION_MISMATCH.equals(a.reason());
    }

    /** HTTP says 412 for a failed {@code If-Match}; the problem keeps the reason gRPC clients see with ABORTED. */
    private Response preconditionFailed(AsgardException e) {
        Problem problem = Problem.of(e, http.path());
        Problem precondition = new Problem(problem.type(), "Precondition failed", 412, problem.detail(),
                problem.instance(), problem.hint(), problem.reason(), problem.errors(), problem.metadata());
        return Response.status(412).type(Problem.MEDIA_TYPE).entity(precondition).build();
    }

    private static DeviceStatus status(String value) {
        String upper = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
        try {
            return DeviceStatus.valueOf(upper.startsWith("DEVICE_STATUS_") ? upper : "DEVICE_STATUS_" + upper);
        } catch (IllegalArgumentException e) {
            return DeviceStatus.UNRECOGNIZED;
        }
    }

    private String actor() {
        return identity.getPrincipal().getName();
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
