package dev.asgard.lock.it;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.google.protobuf.Timestamp;

import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.KeepAliveRequest;
import dev.asgard.proto.lock.v1.KeepAliveResponse;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.ReleaseResponse;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.PackagedService;
import io.grpc.CallCredentials;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

/**
 * One client of the mutual-exclusion check: a device of its own with one session, looping acquire (Acquire stream
 * with a wait timeout and a short lease) → fenced writes → release against a replica picked at random among the
 * live ones. Most critical sections are short; some are long and kept alive with KeepAlive; a few stall past their
 * lease without renewing (a holder paused by GC, say), so that fencing has stale writes to refuse.
 */
final class LoadClient implements Runnable {

    private static final Object COMPLETED = new Object();

    /** Settings shared by all clients. */
    record Settings(List<String> names, Duration lease, Duration waitTimeout, Duration hangMargin, Instant stopAt) {
    }

    /** The replicas as the clients see them; {@code killedAt} is set just before the kill. */
    interface Cluster {
        /** @return a live replica, at random */
        PackagedService pick();

        /** @return whether this replica was killed and the failure happened after the kill started */
        boolean lostToKill(PackagedService replica);
    }

    private final String id;
    private final String deviceId = UUID.randomUUID().toString();
    private final String session;
    private final CallCredentials credentials;
    private final Settings settings;
    private final Cluster cluster;
    private final Map<String, FencedRegister> registers;
    private final Journal journal;

    LoadClient(int index, Settings settings, Cluster cluster, Map<String, FencedRegister> registers, Journal journal) {
        this.id = "client-" + index;
        this.session = "s" + index;
        this.credentials = DeviceTokens.credentials(DeviceTokens.forDevice(deviceId));
        this.settings = settings;
        this.cluster = cluster;
        this.registers = registers;
        this.journal = journal;
    }

    @Override
    public void run() {
        try {
            while (Instant.now().isBefore(settings.stopAt())) {
                cycle();
                Thread.sleep(ThreadLocalRandom.current().nextInt(0, 15));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | AssertionError e) {
            journal.errors.add(id + ": " + e);
        }
    }

    private void cycle() throws InterruptedException {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String name = settings.names().get(random.nextInt(settings.names().size()));
        PackagedService replica = cluster.pick();
        Stream stream = open(replica, name);
        journal.count("acquire.streams");
        try {
            acquireAndHold(replica, name, stream);
        } finally {
            // Frees the call's context; a no-op on a stream that ended.
            stream.cancel();
        }
    }

    private void acquireAndHold(PackagedService replica, String name, Stream stream) throws InterruptedException {
        Instant deadline = stream.opened.plus(settings.waitTimeout()).plus(settings.hangMargin());
        AcquireResponse granted = null;
        while (granted == null) {
            Object event = stream.events.poll(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
                    TimeUnit.MILLISECONDS);
            if (event == null) {
                journal.violations.add(String.format("%s: Acquire of %s on %s (request %s) neither granted nor aborted"
                        + " within the wait timeout + %s: a lost wake-up", id, name, replica.name(), stream.requestId,
                        settings.hangMargin()));
                journal.count("acquire.hung");
                return;
            }
            if (event instanceof AcquireResponse response) {
                switch (response.getStateCase()) {
                    case QUEUED -> journal.count("acquire.queued-updates");
                    case GRANTED -> granted = response;
                    case ABORTED -> {
                        String reason = response.getAborted().getReason().name();
                        journal.count("acquire.aborted." + reason);
                        if (response.getAborted().getReason().getNumber() == 0) {
                            journal.violations.add(String.format("%s: Acquire of %s on %s (request %s) aborted without a"
                                    + " reason: %s", id, name, replica.name(), stream.requestId, response));
                        }
                        return;
                    }
                    default -> {
                        journal.errors.add(id + ": unexpected state while waiting: " + response);
                        return;
                    }
                }
            } else if (event == COMPLETED) {
                journal.violations.add(id + ": Acquire of " + name + " completed without GRANTED or ABORTED");
                return;
            } else {
                failed(replica, "acquire.waiting", (Throwable) event);
                return;
            }
        }
        journal.count("acquire.granted");
        hold(replica, name, stream, granted);
    }

    private void hold(PackagedService replica, String name, Stream stream, AcquireResponse response) throws InterruptedException {
        Instant received = Instant.now();
        long token = response.getGranted().getFencingToken();
        Instant acquireTime = instant(response.getGranted().getAcquireTime());
        Instant leaseExpiresAt = instant(response.getGranted().getLeaseExpireTime());
        journal.grantLatenciesMillis.add(Duration.between(stream.opened, received).toMillis());
        FencedRegister register = registers.get(name);
        register.enter(token, id, leaseExpiresAt);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int kind = random.nextInt(100);
        boolean stalled = false;
        boolean lostRenewal = false;
        try {
            if (kind < 3) {
                // A holder that stops for longer than its lease without renewing it, then writes on.
                stalled = true;
                journal.count("sections.stalled");
                write(register, token);
                Thread.sleep(settings.lease().toMillis() + 700);
                write(register, token);
            } else if (kind < 6) {
                // A renewal sent in the last moments of the lease races the expiry: it must either keep the lock or
                // be refused, never succeed while the lock goes to the next waiter.
                journal.count("sections.late-renewal");
                write(register, token);
                long untilExpiry = Duration.between(Instant.now(), leaseExpiresAt).toMillis() - random.nextInt(0, 40);
                Thread.sleep(Math.max(0, untilExpiry));
                lostRenewal = !renew(register, name, token);
                if (!lostRenewal) {
                    write(register, token);
                    Thread.sleep(100);
                    write(register, token);
                }
            } else if (kind < 10) {
                journal.count("sections.kept-alive");
                lostRenewal = !longSection(register, name, token);
            } else {
                journal.count("sections.short");
                int writes = 1 + random.nextInt(3);
                for (int i = 0; i < writes; i++) {
                    write(register, token);
                    Thread.sleep(random.nextInt(0, 8));
                }
            }
        } finally {
            register.exit(token);
        }
        Instant sectionEnd = Instant.now();
        Object early = stream.events.peek();
        if (early == COMPLETED || early instanceof AcquireResponse response2 && response2.hasLost() && !stalled
                && !lostRenewal) {
            journal.violations.add(String.format("%s: the stream of grant %d of %s on %s ended while the lock was held"
                    + " and renewed: %s", id, token, name, replica.name(), early));
        }
        String outcome = release(name, token);
        journal.grants.add(new Journal.Grant(name, token, id, deviceId, replica.name(), acquireTime, received,
                leaseExpiresAt, sectionEnd, outcome));
        // The holder's stream ends after the release: completed, or LOST first when the lease had run out.
        Instant deadline = Instant.now().plus(settings.hangMargin());
        while (true) {
            Object event = stream.events.poll(Math.max(1, Duration.between(Instant.now(), deadline).toMillis()),
                    TimeUnit.MILLISECONDS);
            if (event == null) {
                journal.violations.add(String.format("%s: the stream of grant %d of %s on %s did not end within %s of"
                        + " the release (%s)", id, token, name, replica.name(), settings.hangMargin(), outcome));
                return;
            }
            if (event == COMPLETED) {
                journal.count("held-streams.completed");
                return;
            }
            if (event instanceof AcquireResponse lost && lost.hasLost()) {
                journal.count("held-streams.lost." + lost.getLost().getReason().name());
                if (!stalled && !lostRenewal && !"LOST".equals(outcome)) {
                    journal.errors.add(id + ": LOST on a grant released in time: " + lost);
                }
                continue;
            }
            if (event instanceof Throwable failure) {
                failed(replica, "held-streams", failure);
                return;
            }
            journal.errors.add(id + ": unexpected event on a held stream: " + event);
            return;
        }
    }

    /**
     * Holds for about 1.5 leases, writing every 150 ms and renewing every third of a lease.
     *
     * @return false if a renewal was refused
     */
    private boolean longSection(FencedRegister register, String name, long token) throws InterruptedException {
        long lease = settings.lease().toMillis();
        Instant end = Instant.now().plusMillis(lease * 3 / 2);
        Instant nextRenewal = Instant.now().plusMillis(lease / 3);
        while (Instant.now().isBefore(end)) {
            write(register, token);
            Thread.sleep(150);
            if (!Instant.now().isBefore(nextRenewal)) {
                if (!renew(register, name, token)) {
                    return false;
                }
                nextRenewal = Instant.now().plusMillis(lease / 3);
            }
        }
        return true;
    }

    /** @return whether KeepAlive renewed the lease (the register learns the new expiry) */
    private boolean renew(FencedRegister register, String name, long token) {
        KeepAliveResponse renewed;
        try {
            renewed = call(stub -> stub.keepAlive(KeepAliveRequest.newBuilder().setName(name).setSessionId(session)
                    .setFencingToken(token).build()));
        } catch (StatusRuntimeException e) {
            // Refused: the lease had run out (a loaded machine can delay a renewal past it); the register judges
            // whether anything overlapped.
            journal.count("keep-alive.refused." + e.getStatus().getCode());
            return false;
        }
        journal.count("keep-alive.renewed");
        register.renewed(token, instant(renewed.getGrant().getLeaseExpireTime()));
        return true;
    }

    private void write(FencedRegister register, long token) {
        journal.count(register.write(token, id) ? "writes.accepted" : "writes.rejected-by-fencing");
    }

    private String release(String name, long token) {
        try {
            ReleaseResponse released = call(stub -> stub.release(ReleaseRequest.newBuilder().setName(name)
                    .setSessionId(session).setFencingToken(token).build()));
            String outcome = released.getOutcome().name().substring("RELEASE_OUTCOME_".length());
            journal.count("release." + outcome);
            return outcome;
        } catch (StatusRuntimeException e) {
            journal.errors.add(id + ": release of " + name + " token " + token + " failed: " + e.getStatus());
            return "ERROR";
        }
    }

    /** A unary call on a live replica; one that fails because its replica was killed is retried on another. */
    private <T> T call(Function<LockServiceGrpc.LockServiceBlockingStub, T> rpc) {
        for (int attempt = 0;; attempt++) {
            PackagedService replica = cluster.pick();
            try {
                return rpc.apply(LockServiceGrpc.newBlockingStub(replica.channel()).withCallCredentials(credentials)
                        .withDeadlineAfter(20, TimeUnit.SECONDS));
            } catch (StatusRuntimeException e) {
                if (attempt < 3 && cluster.lostToKill(replica)) {
                    journal.count("unary.retried-after-kill");
                    continue;
                }
                throw e;
            }
        }
    }

    private void failed(PackagedService replica, String phase, Throwable failure) {
        if (cluster.lostToKill(replica)) {
            journal.count(phase + ".lost-to-kill");
        } else {
            journal.errors.add(id + ": " + phase + " stream on " + replica.name() + " failed: " + Status.fromThrowable(failure));
        }
    }

    private Stream open(PackagedService replica, String name) {
        Stream stream = new Stream();
        AcquireRequest request = AcquireRequest.newBuilder().setName(name).setSessionId(session)
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE).setRequestId(stream.requestId)
                .setWaitTimeout(duration(settings.waitTimeout())).setLeaseTtl(duration(settings.lease()))
                .setPurpose("mutual-exclusion check").build();
        stream.context.run(() -> LockServiceGrpc.newStub(replica.channel()).withCallCredentials(credentials)
                .acquire(request, new StreamObserver<>() {
                    @Override
                    public void onNext(AcquireResponse value) {
                        stream.events.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        stream.events.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        stream.events.add(COMPLETED);
                    }
                }));
        return stream;
    }

    /** An open Acquire stream read through a queue. */
    private static final class Stream {
        final String requestId = UUID.randomUUID().toString();
        final Instant opened = Instant.now();
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final Context.CancellableContext context = Context.current().withCancellation();

        void cancel() {
            context.cancel(null);
        }
    }

    private static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
