package dev.asgard.registry.grpc;

import dev.asgard.commons.auth.DeviceGuards;
import dev.asgard.commons.auth.DeviceIdentity;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.ExchangeCredentialResponse;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.MutinyRegistryServiceGrpc;
import dev.asgard.proto.registry.v1.RotateCredentialRequest;
import dev.asgard.proto.registry.v1.RotateCredentialResponse;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.service.CredentialExchangeService;
import dev.asgard.registry.service.CredentialHasher;
import dev.asgard.registry.service.CredentialRotationService;
import dev.asgard.registry.service.DeviceValidation;
import dev.asgard.registry.service.DeviceIds;
import dev.asgard.registry.service.DeviceStatusService;
import dev.asgard.registry.service.EnrollmentService;
import dev.asgard.registry.service.HeartbeatService;
import dev.asgard.registry.service.NewCredential;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The {@code asgard.registry.v1.RegistryService} endpoint, bound on the service's HTTP port next to the
 * standard {@code grpc.health.v1.Health} service. Thin: validate, call the service, map.
 *
 * <p>{@code Enroll}, {@code ExchangeCredential} and {@code Heartbeat} work; the other RPCs answer {@code UNIMPLEMENTED} (the default of the generated base
 * class) until the rest of the registry issue lands.
 */
@GrpcService
public class RegistryGrpcService extends MutinyRegistryServiceGrpc.RegistryServiceImplBase {

    private final EnrollmentService enrollment;
    private final CredentialExchangeService exchange;
    private final DeviceConfig config;
    private final HeartbeatService heartbeats;
    private final CredentialHasher hasher;
    private final CredentialRotationService rotation;

    public RegistryGrpcService(EnrollmentService enrollment, CredentialExchangeService exchange,
            HeartbeatService heartbeats, DeviceConfig config, CredentialHasher hasher,
            CredentialRotationService rotation) {
        this.enrollment = enrollment;
        this.exchange = exchange;
        this.heartbeats = heartbeats;
        this.config = config;
        this.hasher = hasher;
        this.rotation = rotation;
    }

    /**
     * The calling device replaces its credential; the previous one keeps working for the requested grace
     * (capped, default cap 1 hour; zero or absent: revoked at once). The new credential is in this answer only.
     */
    @Override
    public Uni<RotateCredentialResponse> rotateCredential(RotateCredentialRequest request) {
        return CredentialGrpcSupport.rotate(request, rotation);
    }

    /** A device reports that it is alive; the answer tells it the interval to use and its status. */
    @Override
    public Uni<HeartbeatResponse> heartbeat(HeartbeatRequest request) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = DeviceGuards.requireSelf(request.getDeviceId());
            return heartbeats.heartbeat(DeviceIds.parse(caller.deviceId()), request.getSequence(),
                    request.getAgentVersion());
        }).map(device -> HeartbeatResponse.newBuilder()
                        .setHeartbeatInterval(DeviceMapper.duration(config.heartbeatInterval()))
                        .setStatus(DeviceStatusService.proto(device.status))
                        .setServerTime(DeviceMapper.timestamp(java.time.Instant.now()))
                        .setDeviceRevision(device.version)
                        .build());
    }

    /** Exchanges the device credential for a short-lived device token (public: it is how a device gets one). */
    @Override
    public Uni<ExchangeCredentialResponse> exchangeCredential(ExchangeCredentialRequest request) {
        return Uni.createFrom().deferred(() -> exchange.exchange(request.getDeviceId(), request.getDeviceCredential()))
                .map(token -> ExchangeCredentialResponse.newBuilder()
                        .setAccessToken(token.token())
                        .setTokenType("Bearer")
                        .setExpireTime(DeviceMapper.timestamp(token.expiresAt()))
                        .build());
    }

    /** Enrols a device with a join token (public: the device has no token yet). */
    @Override
    public Uni<EnrollResponse> enroll(EnrollRequest request) {
        Context context = Vertx.currentContext();
        // Argon2id is deliberately slow: hash on a worker, then come back to this call's Vert.x context,
        // where the Hibernate Reactive session of the transaction must live.
        return Uni.createFrom().item(() -> {
            DeviceValidation.validateEnroll(request);
            return NewCredential.generate(hasher);
        })
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .chain(credential -> enrollment.enroll(request, credential)
                        .map(enrolled -> EnrollResponse.newBuilder()
                                .setDevice(enrolled.device())
                                .setDeviceCredential(credential.credential())
                                .setCredentialId(credential.id().toString())
                                .setReEnrolled(enrolled.reEnrolled())
                                .setHeartbeatInterval(DeviceMapper.duration(config.heartbeatInterval()))
                                .build()));
    }
}
