package dev.asgard.bench;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;
import redis.clients.jedis.JedisPoolConfig;
import redis.clients.jedis.params.SetParams;

/**
 * The usual single-instance Redis lock: {@code SET name token NX PX ttl} to take it (spinning with a short backoff
 * while another client holds it), a Lua compare-and-delete to release it. Every client has a connection of its
 * own (Jedis is blocking).
 */
final class RedisLocks implements LockSystem {

    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then"
            + " return redis.call('del', KEYS[1]) else return 0 end";
    private static final long TTL_MILLIS = 30_000;
    private final JedisPool pool;
    private final Runnable onClose;

    RedisLocks(int port, int clients, Runnable onClose) {
        JedisPoolConfig config = new JedisPoolConfig();
        config.setMaxTotal(clients + 4);
        this.pool = new JedisPool(config, "127.0.0.1", port);
        this.onClose = onClose;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public LockSystem.Client client(int index) {
        Jedis jedis = pool.getResource();
        String releaseSha = jedis.scriptLoad(RELEASE);
        SetParams nx = SetParams.setParams().nx().px(TTL_MILLIS);
        return new LockSystem.Client() {
            @Override
            public Object tryLock(String name) {
                String token = UUID.randomUUID().toString();
                if (!"OK".equals(jedis.set(name, token, nx))) {
                    throw new IllegalStateException("SET NX of free lock " + name + " failed");
                }
                return token;
            }

            @Override
            public Object lock(String name) {
                String token = UUID.randomUUID().toString();
                long backoff = 50_000;
                while (!"OK".equals(jedis.set(name, token, nx))) {
                    LockSupport.parkNanos(backoff);
                    backoff = Math.min(backoff * 2, 2_000_000);
                }
                return token;
            }

            @Override
            public void release(String name, Object held) {
                Object deleted = jedis.evalsha(releaseSha, List.of(name), List.of((String) held));
                if (!Long.valueOf(1).equals(deleted)) {
                    throw new IllegalStateException("Release of " + name + " found another holder");
                }
            }

            @Override
            public void close() {
                jedis.close();
            }
        };
    }

    @Override
    public void close() {
        pool.close();
        onClose.run();
    }
}
