package dev.asgard.lock.rest.dto;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The lock limits of one device.
 *
 * @param deviceId the device
 * @param maxHeld grants it may hold at once (its override, else the configured default)
 * @param maxWaiting requests it may have waiting at once (its override, else the configured default)
 * @param overrideMaxHeld the administrator's override of maxHeld; null when the default applies
 * @param overrideMaxWaiting the administrator's override of maxWaiting; null when the default applies
 * @param held grants it holds now
 * @param waiting requests it has waiting now
 * @param updatedAt when an administrator last set the overrides; null if never
 * @param updatedBy who did
 */
@Schema(name = "LockLimits")
public record LockLimitsView(String deviceId, int maxHeld, int maxWaiting, Integer overrideMaxHeld,
        Integer overrideMaxWaiting, int held, int waiting, Instant updatedAt, String updatedBy) {
}
