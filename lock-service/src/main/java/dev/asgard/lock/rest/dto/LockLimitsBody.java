package dev.asgard.lock.rest.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Overrides of the configured limits for one device; an absent (null) field goes back to the configured default.
 *
 * @param maxHeld grants the device may hold at once (0 to 1000000)
 * @param maxWaiting requests the device may have waiting at once (0 to 1000000)
 */
@Schema(name = "LockLimitsRequest")
public record LockLimitsBody(Integer maxHeld, Integer maxWaiting) {
}
