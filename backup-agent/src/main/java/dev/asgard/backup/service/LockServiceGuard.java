package dev.asgard.backup.service;

import java.time.Duration;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.LockServiceConfig;
import dev.asgard.backup.identity.AgentIdentity;
import dev.asgard.backup.identity.GrpcChannels;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.KeepAliveRequest;
import dev.asgard.proto.lock.v1.LockGrant;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

/**
 * Holds a repository through lock-service, so agents sharing a repository never run an exclusive operation
 * (check, forget, prune, unlock) while another runs anything on it: lock {@code backup/repo/<id>}, shared or
 * exclusive, owned by this agent's device with a session per hold. The lock is kept alive at a third of its lease
 * while the work runs and released afterwards (a crashed agent's lock ends with its lease). When lock-service
 * cannot be reached nothing runs: the operation fails {@code LOCK_SERVICE_UNAVAILABLE} (a backup is retried by its
 * retry policy) — running unguarded could let two agents collide.
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
        }
        LockServiceGrpc.LockServiceBlockingStub stub = LockServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(GrpcChannels.bearer(token));
        // Forked from ROOT, and every other call made under ROOT: on Quarkus worker threads the current gRPC context
        // lives in the Vert.x context, and a cancelled stream context must not leak into the release.
        Context.CancellableContext stream = Context.ROOT.withCancellation();
        LockGrant grant;
        try {
            grant = stream.call(() -> awaitGrant(stub.acquire(AcquireRequest.newBuilder().setName(name)
                    .setSessionId(session).setMode(mode == RepositoryGuard.Mode.EXCLUSIVE ? LockMode.LOCK_MODE_EXCLUSIVE
                            : LockMode.LOCK_MODE_SHARED)
                    .setWaitTimeout(proto(waitTimeout)).setLeaseTtl(proto(config.leaseTtl()))
                    .setPurpose(purpose.length() > 200 ? purpose.substring(0, 200) : purpose).build()), purpose));
        } catch (AsgardException e) {
            stream.cancel(null);
            throw e;
        } catch (StatusRuntimeException e) {
            stream.cancel(null);
            throw unavailable(purpose, "lock-service: " + e.getStatus().getCode() + " "
                    + (e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription()));
        } catch (Exception e) {
            stream.cancel(null);
            throw unavailable(purpose, e.toString());
        }
        Thread keepAlive = Thread.ofVirtual().name("repo-lock-keepalive-" + repositoryId)
                .start(() -> keepAlive(name, session, grant.getFencingToken()));
        try {
            return work.get();
        } finally {
            keepAlive.interrupt();
            stream.cancel(null);
            try {
                Context.ROOT.call(() -> LockServiceGrpc.newBlockingStub(channel).withCallCredentials(
                        GrpcChannels.bearer(identity.accessToken())).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .release(ReleaseRequest.newBuilder().setName(name).setSessionId(session)
                                .setFencingToken(grant.getFencingToken()).build()));
            } catch (Exception e) {
                LOG.warnf("releasing %s failed (it ends with its lease): %s", name, e.getMessage());
            }
        }
    }

    private LockGrant awaitGrant(Iterator<AcquireResponse> responses, String purpose) {
        while (responses.hasNext()) {
            AcquireResponse r = responses.next();
            switch (r.getStateCase()) {
                case GRANTED:
                    return r.getGranted();
                case ABORTED:
                    throw AsgardException.aborted("REPOSITORY_BUSY", "The repository is busy on another agent; %s "
                            + "was not started (lock-service: %s).", purpose, r.getAborted().getReason())
                            .withHint("Try again when the running operation has finished.").withRetryAfter(waitTimeout);
                case LOST:
                    throw AsgardException.aborted("REPOSITORY_BUSY", "The repository lock was lost before %s "
                            + "started.", purpose).withRetryAfter(waitTimeout);
                default:
                    // QUEUED: wait.
            }
        }
        throw unavailable(purpose, "lock-service ended the Acquire stream without an answer");
    }

    private void keepAlive(String name, String session, long fencingToken) {
        long every = Math.max(1000, config.leaseTtl().toMillis() / 3);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every);
                Context.ROOT.call(() -> LockServiceGrpc.newBlockingStub(channel).withCallCredentials(
                        GrpcChannels.bearer(identity.accessToken())).withDeadlineAfter(5, TimeUnit.SECONDS)
                        .keepAlive(KeepAliveRequest.newBuilder().setName(name).setSessionId(session)
                                .setFencingToken(fencingToken).setLeaseTtl(proto(config.leaseTtl())).build()));
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                LOG.errorf("keeping the lock %s alive failed: %s; another agent may get it when the lease ends",
                        name, e.getMessage());
            }
        }
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
