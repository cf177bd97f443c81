package dev.asgard.commons.auth;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The device that made the current gRPC call, taken from its verified device token.
 *
 * @param deviceId the device id (the token's {@code sub})
 * @param networks ids of the networks the device belongs to (claim {@code networks}); empty if none
 * @param labels the authorization-relevant labels (claim {@code labels}); empty if none
 * @param tokenId the token's {@code jti}, for audit logs
 * @param expiresAt when the token expires ({@code exp})
 */
public record DeviceIdentity(String deviceId, List<String> networks, Map<String, String> labels, String tokenId,
        Instant expiresAt) {

    /** Copies the collections, so an identity can be shared between threads as is. */
    public DeviceIdentity {
        Objects.requireNonNull(deviceId, "deviceId");
        networks = List.copyOf(networks);
        labels = Map.copyOf(labels);
    }

    /**
     * @param networkId a network id
     * @return whether the token names that network
     */
    public boolean inNetwork(String networkId) {
        return networks.contains(networkId);
    }
}
