package dev.asgard.commons.auth;

import java.util.Optional;

import dev.asgard.commons.error.AsgardException;
import io.grpc.Context;

/**
 * The device of the current gRPC call, as {@link DeviceAuthInterceptor} verified it.
 *
 * <p>The identity lives in the gRPC {@link Context}; Quarkus keeps that context on the call's Vert.x context, so
 * it is readable in the endpoint method and in the Mutiny pipeline it starts. Read it at the start of the endpoint
 * and pass it on rather than reading it deep in a service.
 *
 * <pre>{@code
 * public Uni<HeartbeatResponse> heartbeat(HeartbeatRequest request) {
 *     DeviceIdentity device = DeviceGuards.requireSelf(request.getDeviceId());
 *     return heartbeats.record(device.deviceId(), ...);
 * }
 * }</pre>
 */
public final class CurrentDevice {

    /** The gRPC context key the interceptor fills. */
    static final Context.Key<DeviceIdentity> KEY = Context.key("asgard-device-identity");

    private CurrentDevice() {
    }

    /** @return the calling device; empty on public methods and outside a gRPC call */
    public static Optional<DeviceIdentity> get() {
        return Optional.ofNullable(KEY.get());
    }

    /**
     * @return the calling device
     * @throws AsgardException UNAUTHENTICATED {@value DeviceAuthReasons#MISSING} when the call carries none
     */
    public static DeviceIdentity require() {
        DeviceIdentity identity = KEY.get();
        if (identity == null) {
            throw AsgardException.unauthenticated(DeviceAuthReasons.MISSING, "This call needs a device token");
        }
        return identity;
    }
}
