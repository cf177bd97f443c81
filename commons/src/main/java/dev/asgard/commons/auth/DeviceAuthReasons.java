package dev.asgard.commons.auth;

/**
 * The stable {@code ErrorInfo.reason} values of device authentication and authorization. Clients switch on them;
 * never rename one.
 */
public final class DeviceAuthReasons {

    /** UNAUTHENTICATED: no {@code authorization: Bearer ...} header on a call that needs one. */
    public static final String MISSING = "DEVICE_TOKEN_MISSING";
    /** UNAUTHENTICATED: the token has expired; the device exchanges its credential for a new one. */
    public static final String EXPIRED = "DEVICE_TOKEN_EXPIRED";
    /** UNAUTHENTICATED: malformed, forged, signed by an unknown key, wrong issuer, not yet valid, or not a device token. */
    public static final String INVALID = "DEVICE_TOKEN_INVALID";
    /** UNAUTHENTICATED: the token was issued for another audience. */
    public static final String WRONG_AUDIENCE = "DEVICE_TOKEN_WRONG_AUDIENCE";
    /** UNAUTHENTICATED: the device's credentials were revoked, or the device was removed, after the token was issued. */
    public static final String REVOKED = "DEVICE_TOKEN_REVOKED";
    /** UNAVAILABLE: the registry's signing keys could not be fetched; retry later with the same token. */
    public static final String KEYS_UNAVAILABLE = "DEVICE_AUTH_KEYS_UNAVAILABLE";
    /** PERMISSION_DENIED: the request names another device than the caller. */
    public static final String ACTS_ONLY_FOR_ITSELF = "DEVICE_ACTS_ONLY_FOR_ITSELF";
    /** PERMISSION_DENIED: the caller's token does not name the network of the request. */
    public static final String NOT_IN_NETWORK = "DEVICE_NOT_IN_NETWORK";

    private DeviceAuthReasons() {
    }
}
