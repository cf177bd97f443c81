package dev.asgard.lock.grpc;

import java.time.Duration;
import java.util.UUID;

import dev.asgard.commons.auth.CurrentDevice;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.mapping.LockMapper;
import dev.asgard.lock.service.LockEngine;
import dev.asgard.lock.service.LockRequests;
import dev.asgard.lock.service.LockStreams;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.GetLockRequest;
import dev.asgard.proto.lock.v1.GetLockResponse;
import dev.asgard.proto.lock.v1.KeepAliveRequest;
import dev.asgard.proto.lock.v1.KeepAliveResponse;
import dev.asgard.proto.lock.v1.LockInfo;
import dev.asgard.proto.lock.v1.LostReason;
import dev.asgard.proto.lock.v1.MutinyLockServiceGrpc;
import dev.asgard.proto.lock.v1.ReleaseOutcome;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.ReleaseResponse;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.proto.lock.v1.TryAcquireResponse;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.lock.service.LockQueryService;
import dev.asgard.lock.service.LockWatches;
import dev.asgard.proto.lock.v1.ListLocksRequest;
import dev.asgard.proto.lock.v1.ListLocksResponse;
import dev.asgard.proto.lock.v1.WatchRequest;
import dev.asgard.proto.lock.v1.WatchResponse;
import jakarta.inject.Inject;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The {@code asgard.lock.v1.LockService} endpoint. Every RPC needs a device token; the owner of a lock is the
 * calling device plus the session id of the request, so a device can only ever act as itself.
 */
@GrpcService
public class LockGrpcService extends MutinyLockServiceGrpc.LockServiceImplBase {

    private final LockEngine engine;
    private final LockStreams streams;
    private final LockRequests requests;

    public LockGrpcService(LockEngine engine, LockStreams streams, LockRequests requests) {
        this.engine = engine;
        this.streams = streams;
        this.requests = requests;
    }

    /** Waits in the queue; the stream reports QUEUED, GRANTED or ABORTED, and LOST while held. */
    @Override
    public Multi<AcquireResponse> acquire(AcquireRequest request) {
        return Multi.createFrom().deferred(() -> streams.acquire(requests.acquire(request, caller())));
    }

    /** Takes the lock only if it is free for this request now and nobody queues ahead. */
    @Override
    public Uni<TryAcquireResponse> tryAcquire(TryAcquireRequest request) {
        return Uni.createFrom().deferred(() -> engine.tryAcquire(requests.tryAcquire(request, caller())))
                .map(result -> {
                    TryAcquireResponse.Builder response = TryAcquireResponse.newBuilder()
                            .setGranted(result.grant().isPresent());
                    result.grant().ifPresentOrElse(h -> response.setGrant(LockMapper.grant(h)),
                            () -> response.addAllHolders(LockMapper.info(result.state()).getHoldersList()));
                    return response.build();
                });
    }

    /** Renews the lease of a held lock; a lost lock is FAILED_PRECONDITION LOCK_LOST. */
    @Override
    public Uni<KeepAliveResponse> keepAlive(KeepAliveRequest request) {
        return Uni.createFrom().deferred(() -> {
            Owner owner = owner(request.getName(), request.getSessionId(), request.getFencingToken());
            Duration ttl = null;
            if (request.hasLeaseTtl()) {
                ttl = LockMapper.duration(request.getLeaseTtl());
                requests.requireLease(ttl);
            }
            return engine.keepAlive(request.getName(), request.getFencingToken(), owner, ttl);
        }).map(holder -> {
            streams.renewed(holder);
            return KeepAliveResponse.newBuilder().setGrant(LockMapper.grant(holder)).build();
        });
    }

    /** Releases by fencing token; idempotent, and says so when the lock had been lost before. */
    @Override
    public Uni<ReleaseResponse> release(ReleaseRequest request) {
        return Uni.createFrom().deferred(() -> {
            Owner owner = owner(request.getName(), request.getSessionId(), request.getFencingToken());
            return engine.release(request.getName(), request.getFencingToken(), owner);
        }).map(released -> {
            ReleaseResponse.Builder response = ReleaseResponse.newBuilder();
            switch (released.result()) {
                case RELEASED -> {
                    response.setOutcome(ReleaseOutcome.RELEASE_OUTCOME_RELEASED);
                    streams.released(request.getName(), request.getFencingToken());
                }
                case ALREADY_RELEASED -> response.setOutcome(ReleaseOutcome.RELEASE_OUTCOME_ALREADY_RELEASED);
                case LOST -> response.setOutcome(ReleaseOutcome.RELEASE_OUTCOME_LOST)
                        .setLostReason(LostReason.valueOf("LOST_REASON_" + released.lostReason()));
            }
            return response.build();
        });
    }

    /** The state of one lock: holders, waiters in order, fencing counter. */
    @Override
    public Uni<GetLockResponse> getLock(GetLockRequest request) {
        return Uni.createFrom().deferred(() -> {
            caller();
            Validation v = Validation.create();
            LockRequests.name(v, "name", request.getName());
            v.throwIfInvalid();
            return engine.read(request.getName());
        }).map(state -> GetLockResponse.newBuilder().setLock(state.map(LockMapper::info)
                .orElseGet(() -> LockInfo.newBuilder().setName(request.getName()).setMaxPermits(1).build())).build());
    }

    private static UUID caller() {
        String subject = CurrentDevice.require().deviceId();
        try {
            return UUID.fromString(subject);
        } catch (IllegalArgumentException e) {
            throw AsgardException.permissionDenied("DEVICE_ID_INVALID", "The token's subject is not a device id.")
                    .withHint("Use a device token from the registry's ExchangeCredential.");
        }
    }

    private static Owner owner(String name, String session, long token) {
        UUID device = caller();
        Validation v = Validation.create();
        LockRequests.name(v, "name", name);
        LockRequests.session(v, "session_id", session);
        v.check(token > 0, "fencing_token", "must be the positive token of a grant");
        v.throwIfInvalid();
        return new Owner(device, session);
    }

    // Injected into fields so these RPCs add to the class without touching its constructor.
    @Inject
    LockQueryService lockQueries;
    @Inject
    LockWatches lockWatches;

    /**
     * Locks under a prefix, optionally only those a device holds, in name order, one page at a time. Any device may
     * list (lock names are shared coordination points, as with GetLock).
     */
    @Override
    public Uni<ListLocksResponse> listLocks(ListLocksRequest request) {
        return Uni.createFrom().deferred(() -> {
            caller();
            Validation v = Validation.create();
            LockQueryService.ListFilter filter = LockQueryService.filter(v, "prefix", request.getPrefix(),
                    "holder_device_id", request.getHolderDeviceId(), request.getIncludeFree());
            v.throwIfInvalid();
            PageRequest page = PageRequest.of(request.getPageSize(), request.getPageToken());
            return lockQueries.list(filter, page);
        }).map(page -> ListLocksResponse.newBuilder()
                .addAllLocks(page.items().stream().map(LockMapper::info).toList())
                .setNextPageToken(page.nextPageToken()).build());
    }

    /**
     * Lock events under a prefix, optionally after the current held and contended locks (see {@link LockWatches}).
     * A watcher that falls too far behind is closed with RESOURCE_EXHAUSTED WATCH_TOO_SLOW.
     */
    @Override
    public Multi<WatchResponse> watch(WatchRequest request) {
        return Multi.createFrom().deferred(() -> {
            caller();
            Validation v = Validation.create();
            LockQueryService.ListFilter filter = LockQueryService.filter(v, "prefix", request.getPrefix(), "", null, false);
            v.throwIfInvalid();
            return lockWatches.watch(filter.prefix(), request.getSendInitialState());
        });
    }
}
