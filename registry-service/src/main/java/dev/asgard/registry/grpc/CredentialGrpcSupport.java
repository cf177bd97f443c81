package dev.asgard.registry.grpc;

import java.time.Duration;

import dev.asgard.commons.auth.DeviceGuards;
import dev.asgard.commons.auth.DeviceIdentity;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.registry.v1.RotateCredentialRequest;
import dev.asgard.proto.registry.v1.RotateCredentialResponse;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.service.CredentialRotationService;
import dev.asgard.registry.service.DeviceIds;
import io.smallrye.mutiny.Uni;

/** {@code RotateCredential}, kept out of {@link RegistryGrpcService} so the endpoint stays one line. */
final class CredentialGrpcSupport {

    private CredentialGrpcSupport() {
    }

    /**
     * A device replaces its own credential. The requested grace is capped by the registry (as the contract
     * says), not refused; a negative one is INVALID_ARGUMENT.
     *
     * @param request the request
     * @param rotation the service
     * @return the new credential, shown this once
     */
    static Uni<RotateCredentialResponse> rotate(RotateCredentialRequest request, CredentialRotationService rotation) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = DeviceGuards.requireSelf(request.getDeviceId());
            Duration grace = grace(request, rotation.maxGrace());
            return rotation.newCredential().chain(credential -> rotation.rotate(DeviceIds.parse(caller.deviceId()),
                    credential, grace, "device:" + caller.deviceId()));
        }).map(rotated -> {
            RotateCredentialResponse.Builder response = RotateCredentialResponse.newBuilder()
                    .setDeviceCredential(rotated.credential().credential())
                    .setCredentialId(rotated.credential().id().toString());
            if (rotated.previousExpiresAt() != null) {
                response.setPreviousCredentialExpireTime(DeviceMapper.timestamp(rotated.previousExpiresAt()));
            }
            return response.build();
        });
    }

    private static Duration grace(RotateCredentialRequest request, Duration max) {
        if (!request.hasPreviousCredentialGrace()) {
            return Duration.ZERO;
        }
        com.google.protobuf.Duration requested = request.getPreviousCredentialGrace();
        if (requested.getSeconds() < 0 || requested.getNanos() < 0 || requested.getNanos() >= 1_000_000_000) {
            throw AsgardException.invalidArgument("INVALID_GRACE_PERIOD", "The grace period must not be negative.")
                    .withViolation("previous_credential_grace", "must be zero or positive, at most " + max)
                    .withHint("Send 0 to stop the previous credential at once, or up to " + max + ".");
        }
        Duration grace = Duration.ofSeconds(requested.getSeconds(), requested.getNanos());
        return grace.compareTo(max) > 0 ? max : grace;
    }
}
