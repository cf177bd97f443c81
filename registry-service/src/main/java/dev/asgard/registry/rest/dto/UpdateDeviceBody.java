package dev.asgard.registry.rest.dto;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A partial change of a device (JSON merge patch): absent fields stay as they are; a present field replaces the
 * whole value.
 *
 * @param name new name
 * @param labels new labels
 * @param networks new networks
 * @param metadata new metadata (a JSON object)
 * @param heartbeatIntervalSeconds the device's own heartbeat interval (5 to 3600); 0 returns to the global one
 * @param inactiveAfterMissed the device's own inactive threshold; 0 returns to the global one
 * @param offlineAfterMissed the device's own offline threshold (more than the inactive one); 0 returns to the global one
 */
@Schema(name = "UpdateDevice")
public record UpdateDeviceBody(String name, Map<String, String> labels, List<String> networks, JsonNode metadata,
        Integer heartbeatIntervalSeconds, Integer inactiveAfterMissed, Integer offlineAfterMissed) {
}
