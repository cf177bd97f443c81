package dev.asgard.registry.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One capability across devices.
 *
 * @param name {@code namespace.name}
 * @param deviceCount how many devices offer it
 * @param versions the versions offered and how many devices offer each ({@code ""} for unversioned)
 * @param devices the devices offering it, ordered by version, then name
 */
@Schema(name = "Capability", description = "A capability and the devices that offer it")
public record CapabilityOverview(String name, int deviceCount, List<VersionCount> versions, List<Provider> devices) {

    /**
     * @param version a version, {@code ""} for unversioned
     * @param deviceCount devices offering this version
     */
    public record VersionCount(String version, int deviceCount) {
    }

    /**
     * @param id device id
     * @param name device name
     * @param version the version it offers
     * @param status its status
     */
    public record Provider(String id, String name, String version, String status) {
    }
}
