package dev.asgard.registry.rest.dto;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A device registered by an administrator before it enrols; the first machine enrolling under this name claims it.
 *
 * @param name the name (a DNS label)
 * @param worldType physical, virtual_machine, container, cloud_instance or simulated
 * @param labels labels
 * @param networks networks the device will belong to
 * @param metadata free-form JSON object (at most 16 KiB)
 */
@Schema(name = "PreRegisterDevice")
public record PreRegisterDeviceRequest(String name, String worldType, Map<String, String> labels, List<String> networks,
        JsonNode metadata) {
}
