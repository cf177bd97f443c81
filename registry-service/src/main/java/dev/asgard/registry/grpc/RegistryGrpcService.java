package dev.asgard.registry.grpc;

import java.util.List;
import java.util.Optional;

import dev.asgard.commons.auth.CurrentDevice;
import dev.asgard.commons.auth.DeviceGuards;
import dev.asgard.commons.auth.DeviceIdentity;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.proto.registry.v1.FindProvidersRequest;
import dev.asgard.proto.registry.v1.FindProvidersResponse;
import dev.asgard.proto.registry.v1.GetDeviceRequest;
import dev.asgard.proto.registry.v1.GetDeviceResponse;
import dev.asgard.proto.registry.v1.ListDevicesRequest;
import dev.asgard.proto.registry.v1.ListDevicesResponse;
import dev.asgard.proto.registry.v1.UpdateDeviceRequest;
import dev.asgard.proto.registry.v1.UpdateDeviceResponse;
import dev.asgard.proto.registry.v1.WatchDevicesRequest;
import dev.asgard.proto.registry.v1.WatchDevicesResponse;
import dev.asgard.registry.service.DeviceWatchService;
import io.smallrye.mutiny.Multi;
import dev.asgard.registry.query.DeviceQueries;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import dev.asgard.registry.service.DeviceQueryService;
import dev.asgard.registry.service.DeviceSelfService;
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
import dev.asgard.registry.service.HeartbeatPolicy;
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
 * <p>Visibility for devices: a device reads and updates its own record; lists and discovery show the devices
 * that share at least one network with the caller (the networks in its token).
 */
@GrpcService
public class RegistryGrpcService extends MutinyRegistryServiceGrpc.RegistryServiceImplBase {

    private final EnrollmentService enrollment;
    private final CredentialExchangeService exchange;
    private final DeviceConfig config;
    private final HeartbeatService heartbeats;
    private final CredentialHasher hasher;
    private final DeviceQueryService queries;
    private final DeviceSelfService self;
    private final DeviceMapper mapper;
    private final DeviceWatchService watches;
    private final CredentialRotationService rotation;

    public RegistryGrpcService(EnrollmentService enrollment, CredentialExchangeService exchange,
            HeartbeatService heartbeats, DeviceConfig config, CredentialHasher hasher, DeviceQueryService queries,
            DeviceSelfService self, DeviceMapper mapper, DeviceWatchService watches, CredentialRotationService rotation) {
        this.enrollment = enrollment;
        this.exchange = exchange;
        this.heartbeats = heartbeats;
        this.config = config;
        this.hasher = hasher;
        this.queries = queries;
        this.self = self;
        this.mapper = mapper;
        this.watches = watches;
        this.rotation = rotation;
    }

    /** Changes of the devices matching a filter, among those the caller may see, optionally after their state. */
    @Override
    public Multi<WatchDevicesResponse> watchDevices(WatchDevicesRequest request) {
        return Multi.createFrom().deferred(() -> {
            DeviceIdentity caller = CurrentDevice.require();
            if (!request.getFilter().getNetworkId().isEmpty()) {
                DeviceGuards.requireNetwork(request.getFilter().getNetworkId());
            }
            return watches.watch(DeviceQueries.from(request.getFilter(), "", Optional.of(caller.networks())),
                    request.getSendInitialState());
        });
    }

    /** A device reads its own record. */
    @Override
    public Uni<GetDeviceResponse> getDevice(GetDeviceRequest request) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = DeviceGuards.requireSelf(request.getDeviceId());
            return queries.get(DeviceIds.parse(caller.deviceId()));
        }).map(found -> GetDeviceResponse.newBuilder().setDevice(proto(found)).build());
    }

    /** A device updates its own hardware, capabilities, labels, metadata or agent version (update mask). */
    @Override
    public Uni<UpdateDeviceResponse> updateDevice(UpdateDeviceRequest request) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = DeviceGuards.requireSelf(request.getDevice().getDeviceId());
            List<String> paths = DeviceSelfService.validate(request);
            return self.update(DeviceIds.parse(caller.deviceId()), request, paths);
        }).map(found -> UpdateDeviceResponse.newBuilder().setDevice(proto(found)).build());
    }

    /** Active devices offering a capability, among those the caller may see. */
    @Override
    public Uni<FindProvidersResponse> findProviders(FindProvidersRequest request) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = CurrentDevice.require();
            if (!request.getNetworkId().isEmpty()) {
                DeviceGuards.requireNetwork(request.getNetworkId());
            }
            PageRequest page = PageRequest.of(request.getPageSize(), request.getPageToken());
            return queries.findProviders(request.getCapability(), request.getVersion(), request.getNetworkId(),
                    Optional.of(caller.networks()), page);
        }).map(page -> FindProvidersResponse.newBuilder()
                .addAllDevices(page.items().stream().map(this::proto).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    /** Devices matching a filter, among those the caller may see, one page at a time. */
    @Override
    public Uni<ListDevicesResponse> listDevices(ListDevicesRequest request) {
        return Uni.createFrom().deferred(() -> {
            DeviceIdentity caller = CurrentDevice.require();
            if (!request.getFilter().getNetworkId().isEmpty()) {
                DeviceGuards.requireNetwork(request.getFilter().getNetworkId());
            }
            PageRequest page = PageRequest.of(request.getPageSize(), request.getPageToken());
            return queries.list(DeviceQueries.from(request.getFilter(), request.getOrderBy(),
                    Optional.of(caller.networks())), page);
        }).map(page -> ListDevicesResponse.newBuilder()
                .addAllDevices(page.items().stream().map(this::proto).toList())
                .setNextPageToken(page.nextPageToken())
                .build());
    }

    private dev.asgard.proto.registry.v1.Device proto(Found found) {
        return mapper.toProto(found.device(), found.capabilities());
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
                        .setHeartbeatInterval(DeviceMapper.duration(HeartbeatPolicy.interval(device, config)))
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
                                .setHeartbeatInterval(enrolled.device().getHeartbeatInterval())
                                .build()));
    }
}
