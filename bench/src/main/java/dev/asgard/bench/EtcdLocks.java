package dev.asgard.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lock;

/**
 * etcd's lock API through jetcd: every client grants itself a lease once (its session), then {@code Lock(name,
 * lease)} (which waits while another key holds the name) and {@code Unlock(key)}; one jetcd client (one gRPC
 * channel) is shared, as one Asgard channel is.
 */
final class EtcdLocks implements LockSystem {

    private static final long LEASE_SECONDS = 120;
    private final io.etcd.jetcd.Client client;
    private final Runnable onClose;

    EtcdLocks(String endpoint, Runnable onClose) {
        this.client = io.etcd.jetcd.Client.builder().endpoints(endpoint).build();
        this.onClose = onClose;
    }

    @Override
    public String name() {
        return "etcd";
    }

    @Override
    public LockSystem.Client client(int index) throws Exception {
        long lease = client.getLeaseClient().grant(LEASE_SECONDS).get(30, TimeUnit.SECONDS).getID();
        Lock locks = client.getLockClient();
        return new LockSystem.Client() {
            @Override
            public Object tryLock(String name) throws Exception {
                return lock(name);
            }

            @Override
            public Object lock(String name) throws Exception {
                return locks.lock(ByteSequence.from(name, StandardCharsets.UTF_8), lease).get(60, TimeUnit.SECONDS)
                        .getKey();
            }

            @Override
            public void release(String name, Object held) throws Exception {
                locks.unlock((ByteSequence) held).get(30, TimeUnit.SECONDS);
            }

            @Override
            public void close() {
                client.getLeaseClient().revoke(lease);
            }
        };
    }

    @Override
    public void close() {
        client.close();
        onClose.run();
    }
}
