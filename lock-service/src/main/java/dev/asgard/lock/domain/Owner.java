package dev.asgard.lock.domain;

import java.util.UUID;

import dev.asgard.proto.lock.v1.LockOwner;

/**
 * Who holds or waits: a device and one of its sessions.
 *
 * @param deviceId the device (the caller's token subject)
 * @param sessionId the session the device chose
 */
public record Owner(UUID deviceId, String sessionId) {

    /** @return the protobuf form */
    public LockOwner proto() {
        return LockOwner.newBuilder().setDeviceId(deviceId.toString()).setSessionId(sessionId).build();
    }

    @Override
    public String toString() {
        return deviceId + "/" + sessionId;
    }
}
