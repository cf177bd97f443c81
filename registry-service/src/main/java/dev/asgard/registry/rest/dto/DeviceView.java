package dev.asgard.registry.rest.dto;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A device as administrators see it. Never carries a secret or the machine fingerprint.
 *
 * @param id device id
 * @param name unique name (a DNS label)
 * @param worldType physical, virtual_machine, container, cloud_instance or simulated
 * @param status pending, active, inactive, offline or revoked
 * @param enrolled whether a machine enrolled as this device (false while a pre-registered device waits)
 * @param labels labels
 * @param networks networks the device belongs to
 * @param capabilities capabilities it offers
 * @param hardware hardware and operating system as reported (JSON form of the proto message)
 * @param metadata free-form metadata
 * @param agentVersion version of the agent software
 * @param ephemeral whether the device is removed after being offline for its grace period
 * @param lastSeen last contact
 * @param heartbeatInterval interval the device is told to use (ISO-8601)
 * @param inactiveAfterMissed missed intervals before it counts as inactive (its own value, else the global one)
 * @param offlineAfterMissed missed intervals before it counts as offline (its own value, else the global one)
 * @param createdAt enrolment or pre-registration time
 * @param updatedAt last change of the record (not counting heartbeats)
 * @param statusChangedAt last status change
 * @param revision record revision; the ETag is its quoted form
 */
@Schema(name = "Device", description = "A device record")
public record DeviceView(
        String id,
        String name,
        String worldType,
        String status,
        boolean enrolled,
        Map<String, String> labels,
        List<String> networks,
        List<CapabilityView> capabilities,
        JsonNode hardware,
        JsonNode metadata,
        String agentVersion,
        boolean ephemeral,
        Instant lastSeen,
        String heartbeatInterval,
        int inactiveAfterMissed,
        int offlineAfterMissed,
        Instant createdAt,
        Instant updatedAt,
        Instant statusChangedAt,
        long revision) {

    /**
     * One capability of a device.
     *
     * @param name {@code namespace.name}
     * @param version semantic version, or empty
     * @param attributes attributes
     */
    @Schema(name = "DeviceCapability")
    public record CapabilityView(String name, String version, Map<String, String> attributes) {
    }
}
