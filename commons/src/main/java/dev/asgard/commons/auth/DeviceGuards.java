package dev.asgard.commons.auth;

import dev.asgard.commons.error.AsgardException;

/**
 * Authorization checks every device-facing endpoint makes: a device acts only for itself and only in its networks.
 * Both return the caller, so an endpoint checks and obtains it in one line.
 */
public final class DeviceGuards {

    private DeviceGuards() {
    }

    /**
     * @param deviceIdInRequest the device id the request names
     * @return the calling device
     * @throws AsgardException PERMISSION_DENIED {@value DeviceAuthReasons#ACTS_ONLY_FOR_ITSELF} if it is another device
     */
    public static DeviceIdentity requireSelf(String deviceIdInRequest) {
        DeviceIdentity caller = CurrentDevice.require();
        if (!caller.deviceId().equals(deviceIdInRequest)) {
            throw AsgardException.permissionDenied(DeviceAuthReasons.ACTS_ONLY_FOR_ITSELF,
                    "A device may act only for itself, not for device %s", deviceIdInRequest)
                    .withMetadata("deviceId", String.valueOf(deviceIdInRequest));
        }
        return caller;
    }

    /**
     * @param networkId the network the request concerns
     * @return the calling device
     * @throws AsgardException PERMISSION_DENIED {@value DeviceAuthReasons#NOT_IN_NETWORK} if its token does not name it
     */
    public static DeviceIdentity requireNetwork(String networkId) {
        DeviceIdentity caller = CurrentDevice.require();
        if (!caller.inNetwork(networkId)) {
            throw AsgardException.permissionDenied(DeviceAuthReasons.NOT_IN_NETWORK,
                    "The device is not a member of network %s", networkId)
                    .withMetadata("networkId", String.valueOf(networkId))
                    .withHint("A new token names networks joined since the last one; exchange the credential again.");
        }
        return caller;
    }
}
