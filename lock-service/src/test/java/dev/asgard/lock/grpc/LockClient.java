package dev.asgard.lock.grpc;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.testsupport.DeviceTokens;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;

/** A device talking to lock-service in tests: blocking calls, and Acquire streams read through a queue. */
final class LockClient {

    static final Object COMPLETED = new Object();

    final String deviceId = UUID.randomUUID().toString();
    private final ManagedChannel channel;
    private final String token;

    LockClient(ManagedChannel channel) {
        this.channel = channel;
        this.token = DeviceTokens.forDevice(deviceId, List.of(), java.util.Map.of());
    }

    LockServiceGrpc.LockServiceBlockingStub blocking() {
        return LockServiceGrpc.newBlockingStub(channel).withCallCredentials(DeviceTokens.credentials(token))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** An open Acquire stream. */
    static final class Stream {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final Context.CancellableContext context = Context.current().withCancellation();

        AcquireResponse next() throws InterruptedException {
            Object next = events.poll(30, TimeUnit.SECONDS);
            if (next instanceof AcquireResponse response) {
                return response;
            }
            throw new AssertionError("expected an Acquire state, got " + next);
        }

        Object nextRaw() throws InterruptedException {
            return events.poll(30, TimeUnit.SECONDS);
        }

        void cancel() {
            context.cancel(null);
        }
    }

    Stream acquire(AcquireRequest request) {
        Stream stream = new Stream();
        stream.context.run(() -> LockServiceGrpc.newStub(channel).withCallCredentials(DeviceTokens.credentials(token))
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
}
