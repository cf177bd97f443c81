package dev.asgard.registry.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.Validation;
import dev.asgard.commons.security.Roles;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceQueryRepository.CapabilityRow;
import dev.asgard.registry.rest.dto.CapabilityOverview;
import dev.asgard.registry.service.DeviceQueryService;
import dev.asgard.registry.service.Labels;
import io.smallrye.mutiny.Uni;

/** The capability overview: what the live devices offer, in which versions, and who offers it. */
@Path("/api/v1/capabilities")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Devices")
@SecurityRequirement(name = "bearer")
public class CapabilityResource {

    private final DeviceQueryService queries;

    public CapabilityResource(DeviceQueryService queries) {
        this.queries = queries;
    }

    /** Aggregates capabilities across live devices, optionally within one network or status. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Capabilities across devices", description = "Counts, versions and providers per capability.")
    public Uni<List<CapabilityOverview>> list(@QueryParam("network") String network, @QueryParam("status") String status) {
        Validation v = Validation.create();
        if (network != null && !network.isBlank()) {
            Labels.validateIds(v, "network", List.of(network), 1);
        }
        String storedStatus = null;
        if (status != null && !status.isBlank()) {
            try {
                storedStatus = Device.Status.valueOf(status.trim().toUpperCase(Locale.ROOT)).name();
            } catch (IllegalArgumentException e) {
                v.add("status", "'" + status + "' is not one of pending, active, inactive, offline, revoked");
            }
        }
        v.throwIfInvalid();
        return queries.capabilities(network == null || network.isBlank() ? null : network, storedStatus)
                .map(CapabilityResource::aggregate);
    }

    /** Rows arrive ordered by capability, version, device name; one overview per capability. */
    static List<CapabilityOverview> aggregate(List<CapabilityRow> rows) {
        Map<String, List<CapabilityRow>> byName = new LinkedHashMap<>();
        rows.forEach(row -> byName.computeIfAbsent(row.capability(), k -> new ArrayList<>()).add(row));
        List<CapabilityOverview> result = new ArrayList<>();
        byName.forEach((name, offers) -> {
            Map<String, Integer> versions = new LinkedHashMap<>();
            offers.forEach(o -> versions.merge(o.version(), 1, Integer::sum));
            result.add(new CapabilityOverview(name, offers.size(),
                    versions.entrySet().stream()
                            .map(e -> new CapabilityOverview.VersionCount(e.getKey(), e.getValue())).toList(),
                    offers.stream().map(o -> new CapabilityOverview.Provider(o.deviceId().toString(), o.deviceName(),
                            o.version(), o.status().toLowerCase(Locale.ROOT))).toList()));
        });
        return result;
    }
}
