package dev.asgard.backup.service;

import java.time.Duration;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.LockServiceConfig;
import dev.asgard.backup.identity.AgentIdentity;
import dev.asgard.backup.identity.GrpcChannels;
import dev.asgard.backup.restic.ResticScope;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.KeepAliveRequest;
import dev.asgard.proto.lock.v1.KeepAliveResponse;
import dev.asgard.proto.lock.v1.LockGrant;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Holds a repository through lock-service, so agents sharing a repository never run an exclusive operation
 * (check, forget, prune, unlock) while another runs anything on it: lock {@code backup/repo/<id>}, shared or
 * exclusive, owned by this agent's device with a session per hold. The lock is kept alive at a third of its lease
 * while the work runs and released afterwards (a crashed agent's lock ends with its lease). When lock-service
 * cannot be reached nothing runs: the operation fails {@code LOCK_SERVICE_UNAVAILABLE} (a backup is retried by its
 * retry policy) — running unguarded could let two agents collide.
 *
 * <p>For the same reason the work stops when the lock is lost while it runs: lock-service reports LOST on the open
 * Acquire stream (EXPIRED, FORCE_RELEASED, PREEMPTED) or KeepAlive answers {@code LOCK_LOST}, or the lease could not
 * be renewed before it may have ended ({@link LeaseKeeper}). Then every restic process the work started on its
 * thread ({@link ResticScope}) gets SIGINT, as a cancel does, and the hold ends with
 * {@value RepositoryGuard#LOCK_LOST} instead of the work's result.
 */
final class LockServiceGuard {

    private static final Logger LOG = Logger.getLogger(LockServiceGuard.class);

    private final ManagedChannel channel;
    private final AgentIdentity identity;
    private final LockServiceConfig config;
    private final Duration waitTimeout;

    LockServiceGuard(ManagedChannel channel, AgentIdentity identity, LockServiceConfig config, Duration waitTimeout) {
        this.channel = channel;
        this.identity = identity;
        this.config = config;
        this.waitTimeout = waitTimeout;
    }

    /** @return the lock of a repository */
    static String lockName(UUID repositoryId) {
        return "backup/repo/" + repositoryId;
    }

    <T> T hold(UUID repositoryId, RepositoryGuard.Mode mode, String purpose, Supplier<T> work) {
        String name = lockName(repositoryId);
        String session = "backup-" + UUID.randomUUID();
        String token;
        try {
            token = identity.accessToken();
        } catch (StatusRuntimeException e) {
            throw unavailable(purpose, "registry-service: " + e.getStatus().getCode());
        } catch (AsgardException e) {
            // Not enrolled yet (registry-service not reached so far): no device token to lock with.
            throw unavailable(purpose, e.reason());
        }
        LockServiceGrpc.LockServiceBlockingStub stub = LockServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(GrpcChannels.bearer(token));
        // Forked from ROOT, and every other call made under ROOT: on Quarkus worker threads the current gRPC context
        // lives in the Vert.x context, and a cancelled stream context must not leak into the release.
        Context.CancellableContext stream = Context.ROOT.withCancellation();
        // The lease cannot start before lock-service has the request: the local bound of the lease counts from here.
        long acquireSent = System.nanoTime();
        Granted granted;
        try {
            granted = stream.call(() -> awaitGrant(stub.acquire(AcquireRequest.newBuilder().setName(name)
                    .setSessionId(session).setMode(mode == RepositoryGuard.Mode.EXCLUSIVE ? LockMode.LOCK_MODE_EXCLUSIVE
                            : LockMode.LOCK_MODE_SHARED)
                    .setWaitTimeout(proto(waitTimeout)).setLeaseTtl(proto(config.leaseTtl()))
                    .setPurpose(purpose.length() > 200 ? purpose.substring(0, 200) : purpose).build()), purpose));
        } catch (AsgardException e) {
            stream.cancel(null);
            throw e;
        } catch (StatusRuntimeException e) {
            stream.cancel(null);
            throw unavailable(purpose, LeaseKeeper.description(e));
        } catch (Exception e) {
            stream.cancel(null);
            throw unavailable(purpose, e.toString());
        }
        LockGrant grant = granted.grant();
        AtomicReference<LeaseKeeper.Loss> lost = new AtomicReference<>();
        ResticScope scope = ResticScope.open();
        Consumer<LeaseKeeper.Loss> onLost = loss -> {
            if (lost.compareAndSet(null, loss)) {
                LOG.errorf("the repository lock %s held for %s was lost (%s: %s); stopping its restic processes",
                        name, purpose, loss.reason(), loss.detail());
                scope.stopAll();
            }
        };
        Thread watcher = Thread.ofVirtual().name("repo-lock-watch-" + repositoryId)
                .start(() -> watch(name, granted.rest(), onLost));
        Duration lease = grant.hasLeaseTtl() ? Duration.ofSeconds(grant.getLeaseTtl().getSeconds(),
                grant.getLeaseTtl().getNanos()) : config.leaseTtl();
        LeaseKeeper keeper = new LeaseKeeper(name, lease, acquireSent, granted.queued(),
                deadline -> renew(name, session, grant.getFencingToken(), deadline), LeaseKeeper.Ticker.SYSTEM, onLost);
        Thread keepAlive = Thread.ofVirtual().name("repo-lock-keepalive-" + repositoryId).start(keeper::run);
        T result = null;
        RuntimeException failure = null;
        LeaseKeeper.Loss loss;
        try {
            try {
                result = work.get();
            } catch (RuntimeException e) {
                failure = e;
            }
            // A loss noticed after the work ended changes nothing: it ran guarded to its end.
            loss = lost.get();
        } finally {
            scope.close();
            keepAlive.interrupt();
            stream.cancel(null);
            watcher.interrupt();
            try {
                Context.ROOT.call(() -> LockServiceGrpc.newBlockingStub(channel).withCallCredentials(
                        GrpcChannels.bearer(identity.accessToken())).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .release(ReleaseRequest.newBuilder().setName(name).setSessionId(session)
                                .setFencingToken(grant.getFencingToken()).build()));
            } catch (Exception e) {
                LOG.warnf("releasing %s failed (it ends with its lease): %s", name, e.getMessage());
            }
        }
        if (loss != null) {
            AsgardException e = lostError(name, purpose, loss);
            if (failure != null) {
                e.withCause(failure);
            }
            throw e;
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /**
     * The grant, whether it came after waiting in the queue, and the rest of the Acquire stream.
     *
     * @param grant the grant
     * @param queued whether the request waited
     * @param rest the stream after GRANTED (LOST comes here)
     */
    private record Granted(LockGrant grant, boolean queued, Iterator<AcquireResponse> rest) {
    }

    private Granted awaitGrant(Iterator<AcquireResponse> responses, String purpose) {
        boolean queued = false;
        while (responses.hasNext()) {
            AcquireResponse r = responses.next();
            switch (r.getStateCase()) {
                case GRANTED:
                    return new Granted(r.getGranted(), queued, responses);
                case ABORTED:
                    throw AsgardException.aborted("REPOSITORY_BUSY", "The repository is busy on another agent; %s "
                            + "was not started (lock-service: %s).", purpose, r.getAborted().getReason())
                            .withHint("Try again when the running operation has finished.").withRetryAfter(waitTimeout);
                case LOST:
                    throw AsgardException.aborted("REPOSITORY_BUSY", "The repository lock was lost before %s "
                            + "started.", purpose).withRetryAfter(waitTimeout);
                default:
                    queued = true;
            }
        }
        throw unavailable(purpose, "lock-service ended the Acquire stream without an answer");
    }

    /** Reads the Acquire stream while the lock is held: lock-service reports LOST there at once. */
    private static void watch(String name, Iterator<AcquireResponse> rest, Consumer<LeaseKeeper.Loss> onLost) {
        try {
            while (rest.hasNext()) {
                AcquireResponse r = rest.next();
                if (r.hasLost()) {
                    onLost.accept(new LeaseKeeper.Loss(LeaseKeeper.lostReason(r.getLost().getReason().name()),
                            "lock-service: " + r.getLost().getMessage()));
                    return;
                }
            }
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.CANCELLED) {
                // The grant outlives its stream: KeepAlive still renews it, or tells when it was lost.
                LOG.warnf("the Acquire stream of %s broke (%s); the lease is still kept alive", name,
                        LeaseKeeper.description(e));
            }
        }
    }

    private Duration renew(String name, String session, long fencingToken, Duration deadline) {
        try {
            KeepAliveResponse r = Context.ROOT.call(() -> LockServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(GrpcChannels.bearer(identity.accessToken()))
                    .withDeadlineAfter(Math.max(1, deadline.toMillis()), TimeUnit.MILLISECONDS)
                    .keepAlive(KeepAliveRequest.newBuilder().setName(name).setSessionId(session)
                            .setFencingToken(fencingToken).setLeaseTtl(proto(config.leaseTtl())).build()));
            return r.getGrant().hasLeaseTtl() ? Duration.ofSeconds(r.getGrant().getLeaseTtl().getSeconds(),
                    r.getGrant().getLeaseTtl().getNanos()) : config.leaseTtl();
        } catch (StatusRuntimeException e) {
            throw e;
        } catch (Exception e) {
            // The device token could not be renewed (registry-service unreachable): a failed renewal like any other.
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e).asRuntimeException();
        }
    }

    /**
     * @return the error a hold ends with when its lock was lost: ABORTED (lock-service ended the grant) or
     *         UNAVAILABLE (lock-service unreachable), reason {@value RepositoryGuard#LOCK_LOST}
     */
    static AsgardException lostError(String lockName, String purpose, LeaseKeeper.Loss loss) {
        String why = switch (loss.reason()) {
            case EXPIRED -> "its lease expired in lock-service";
            case FORCE_RELEASED -> "an administrator force-released it in lock-service";
            case PREEMPTED -> "a higher-priority request took it over";
            case CONNECTION_LOST -> "lock-service could not be reached to renew its lease before the lease may have "
                    + "ended";
        };
        String hint = switch (loss.reason()) {
            case FORCE_RELEASED, PREEMPTED -> "restic was stopped and removed its own repository lock; nothing to "
                    + "repair. Run it again (a backup's retry policy does); if the lock was released to clear a stuck "
                    + "agent, look at that agent first.";
            case EXPIRED, CONNECTION_LOST -> "restic was stopped and removed its own repository lock; nothing to "
                    + "repair. Check that lock-service is running and reachable from the agent (a longer "
                    + "asgard.backup.lock-service.lease-ttl rides out longer interruptions), then run it again (a "
                    + "backup's retry policy does).";
        };
        AsgardException e = loss.reason() == RepositoryGuard.LossReason.CONNECTION_LOST
                ? AsgardException.unavailable(RepositoryGuard.LOCK_LOST, "The repository lock %s was lost while %s "
                        + "ran (%s: %s; %s); restic was stopped.", lockName, purpose, loss.reason(), why,
                        loss.detail())
                : AsgardException.aborted(RepositoryGuard.LOCK_LOST, "The repository lock %s was lost while %s ran "
                        + "(%s: %s; %s); restic was stopped.", lockName, purpose, loss.reason(), why, loss.detail());
        return e.withHint(hint).withMetadata("lostReason", loss.reason().name()).withMetadata("lock", lockName);
    }

    private static AsgardException unavailable(String purpose, String why) {
        return AsgardException.unavailable("LOCK_SERVICE_UNAVAILABLE",
                "The repository lock could not be taken (%s); %s was not started.", why, purpose)
                .withHint("Check that lock-service and registry-service run and are reachable from the agent; "
                        + "backups are retried by their retry policy.");
    }

    private static com.google.protobuf.Duration proto(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
