package dev.asgard.registry.service;

import java.util.UUID;

import dev.asgard.commons.error.AsgardException;

/** Device ids as they arrive in requests. */
public final class DeviceIds {

    private DeviceIds() {
    }

    /**
     * @param deviceId a device id from a request
     * @return it as a UUID
     * @throws AsgardException INVALID_ARGUMENT {@code INVALID_DEVICE_ID} if it is not one
     */
    public static UUID parse(String deviceId) {
        try {
            return UUID.fromString(deviceId);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_DEVICE_ID", "'%s' is not a device id.", deviceId)
                    .withViolation("device_id", "must be the device id returned by Enroll");
        }
    }
}
