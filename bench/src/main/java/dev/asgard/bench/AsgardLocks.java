package dev.asgard.bench;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.ReleaseResponse;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.proto.lock.v1.TryAcquireResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;

/**
 * lock-service over gRPC: every client is a device of its own (a token signed by the bench) with one session.
 * Uncontended: {@code TryAcquire} + {@code Release}; contended: the {@code Acquire} stream until {@code GRANTED},
 * then {@code Release} (the stream then completes by itself).
 */
final class AsgardLocks implements LockSystem {

    private final ManagedChannel channel;
    private final DeviceTokenSigner signer;
    private final Runnable onClose;

    AsgardLocks(ManagedChannel channel, DeviceTokenSigner signer, Runnable onClose) {
        this.channel = channel;
        this.signer = signer;
        this.onClose = onClose;
    }

    @Override
    public String name() {
        return "asgard";
    }

    @Override
    public Client client(int index) {
        String device = UUID.randomUUID().toString();
        BearerCredentials credentials = new BearerCredentials(signer.sign(device));
        LockServiceGrpc.LockServiceBlockingStub blocking = LockServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(credentials);
        LockServiceGrpc.LockServiceStub async = LockServiceGrpc.newStub(channel).withCallCredentials(credentials);
        String session = "bench-" + index;
        return new Client() {
            @Override
            public Object tryLock(String name) {
                TryAcquireResponse response = blocking.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId(session).build());
                if (!response.getGranted()) {
                    throw new IllegalStateException("TryAcquire of free lock " + name + " not granted: " + response);
                }
                return response.getGrant().getFencingToken();
            }

            @Override
            public Object lock(String name) throws Exception {
                CompletableFuture<Long> granted = new CompletableFuture<>();
                async.acquire(AcquireRequest.newBuilder().setName(name).setSessionId(session).build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(AcquireResponse value) {
                                if (value.hasGranted()) {
                                    granted.complete(value.getGranted().getFencingToken());
                                } else if (value.hasAborted() || value.hasLost()) {
                                    granted.completeExceptionally(new IllegalStateException(value.toString()));
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                granted.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                granted.completeExceptionally(new IllegalStateException("completed before GRANTED"));
                            }
                        });
                return granted.get(60, TimeUnit.SECONDS);
            }

            @Override
            public void release(String name, Object held) {
                ReleaseResponse response = blocking.withDeadlineAfter(30, TimeUnit.SECONDS).release(ReleaseRequest
                        .newBuilder().setName(name).setSessionId(session).setFencingToken((Long) held).build());
                if (!response.getOutcome().name().equals("RELEASE_OUTCOME_RELEASED")) {
                    throw new IllegalStateException("Release of " + name + ": " + response.getOutcome());
                }
            }
        };
    }

    @Override
    public void close() {
        channel.shutdownNow();
        onClose.run();
    }
}
