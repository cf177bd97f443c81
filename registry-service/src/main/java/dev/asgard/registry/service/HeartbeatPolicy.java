package dev.asgard.registry.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.FieldViolation;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;

/**
 * The heartbeat thresholds that apply to one device: its own values where it has them, else the global
 * {@code asgard.registry.devices.*} ones, field by field. The status sweeper's query applies the same rule in
 * SQL ({@link StatusSweeper}); keep the two in step.
 */
public final class HeartbeatPolicy {

    /** Shortest heartbeat interval a device may be given. */
    public static final Duration MIN_INTERVAL = Duration.ofSeconds(5);
    /** Longest heartbeat interval a device may be given. */
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);

    private HeartbeatPolicy() {
    }

    /** @return the interval the device must heartbeat at: told to it in Enroll and every Heartbeat answer */
    public static Duration interval(Device device, DeviceConfig config) {
        return device.heartbeatIntervalSeconds != null ? Duration.ofSeconds(device.heartbeatIntervalSeconds)
                : config.heartbeatInterval();
    }

    /** @return missed intervals after which the active device becomes inactive */
    public static int inactiveAfterMissed(Device device, DeviceConfig config) {
        return device.inactiveAfterMissed != null ? device.inactiveAfterMissed : config.inactiveAfterMissed();
    }

    /** @return missed intervals after which the device becomes offline */
    public static int offlineAfterMissed(Device device, DeviceConfig config) {
        return device.offlineAfterMissed != null ? device.offlineAfterMissed : config.offlineAfterMissed();
    }

    /** @return the device is inactive at {@code now} if it was last seen before this instant */
    public static Instant inactiveBefore(Device device, DeviceConfig config, Instant now) {
        return now.minus(interval(device, config).multipliedBy(inactiveAfterMissed(device, config)));
    }

    /** @return the device is offline at {@code now} if it was last seen before this instant */
    public static Instant offlineBefore(Device device, DeviceConfig config, Instant now) {
        return now.minus(interval(device, config).multipliedBy(offlineAfterMissed(device, config)));
    }

    /**
     * Checks per-device values an administrator asks for; null means "use the global value" and is always valid
     * by itself. Field names are those of the admin REST body.
     *
     * @param intervalSeconds heartbeat interval in seconds: 5 s to 1 h
     * @param inactiveAfterMissed at least 1
     * @param offlineAfterMissed more than the inactive threshold that will apply (the given one, else the global)
     * @param config the global values, which fill in the nulls for the comparison
     * @return the violations, empty when valid
     */
    public static List<FieldViolation> validate(Integer intervalSeconds, Integer inactiveAfterMissed,
            Integer offlineAfterMissed, DeviceConfig config) {
        List<FieldViolation> violations = new ArrayList<>();
        if (intervalSeconds != null
                && (intervalSeconds < MIN_INTERVAL.toSeconds() || intervalSeconds > MAX_INTERVAL.toSeconds())) {
            violations.add(new FieldViolation("heartbeatIntervalSeconds", "must be between "
                    + MIN_INTERVAL.toSeconds() + " and " + MAX_INTERVAL.toSeconds() + " seconds"));
        }
        if (inactiveAfterMissed != null && inactiveAfterMissed < 1) {
            violations.add(new FieldViolation("inactiveAfterMissed", "must be at least 1"));
        }
        int inactive = inactiveAfterMissed != null ? inactiveAfterMissed : config.inactiveAfterMissed();
        int offline = offlineAfterMissed != null ? offlineAfterMissed : config.offlineAfterMissed();
        if ((inactiveAfterMissed != null || offlineAfterMissed != null) && offline <= inactive) {
            // Blame the value the administrator gave; if both were given, the offline one.
            String field = offlineAfterMissed != null ? "offlineAfterMissed" : "inactiveAfterMissed";
            violations.add(new FieldViolation(field, "offlineAfterMissed (" + offline
                    + ") must be greater than inactiveAfterMissed (" + inactive + ")"));
        }
        return violations;
    }

    /**
     * {@link #validate} that throws.
     *
     * @throws AsgardException INVALID_ARGUMENT with the field violations
     */
    public static void requireValid(Integer intervalSeconds, Integer inactiveAfterMissed, Integer offlineAfterMissed,
            DeviceConfig config) {
        List<FieldViolation> violations = validate(intervalSeconds, inactiveAfterMissed, offlineAfterMissed, config);
        if (!violations.isEmpty()) {
            throw AsgardException.invalidArgument(violations);
        }
    }
}
