package dev.asgard.backup.service;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;

import dev.asgard.backup.config.GuardConfig;

import dev.asgard.commons.error.AsgardException;

/**
 * {@link RepositoryGuard} within this agent process: a read-write lock per repository (shared = read). Waits at
 * most {@code asgard.backup.guard.wait-timeout} and then refuses with {@code REPOSITORY_BUSY}. The agent's guard
 * ({@link AgentRepositoryGuard}) always uses it, and the lock-service lock inside it when configured.
 */
@ApplicationScoped
@Typed(LocalRepositoryGuard.class)
public class LocalRepositoryGuard implements RepositoryGuard {

    private final Map<UUID, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();
    private final Map<UUID, String> exclusiveHolders = new ConcurrentHashMap<>();
    private final Duration waitTimeout;

    @Inject
    public LocalRepositoryGuard(GuardConfig config) {
        this(config.waitTimeout());
    }

    LocalRepositoryGuard(Duration waitTimeout) {
        this.waitTimeout = waitTimeout;
    }

    @Override
    public <T> T hold(UUID repositoryId, Mode mode, String purpose, Supplier<T> work) {
        ReentrantReadWriteLock rw = locks.computeIfAbsent(repositoryId, id -> new ReentrantReadWriteLock(true));
        // Work runs on the thread that acquired: the lock is released by its owner.
        Lock lock = mode == Mode.EXCLUSIVE ? rw.writeLock() : rw.readLock();
        boolean held;
        try {
            held = lock.tryLock(waitTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            held = false;
        }
        if (!held) {
            String holder = exclusiveHolders.get(repositoryId);
            throw AsgardException.aborted("REPOSITORY_BUSY", "The repository is busy%s; %s was not started.",
                    holder == null ? " with backups" : " with a " + holder, purpose)
                    .withHint("Try again when the running operation has finished.")
                    .withRetryAfter(waitTimeout);
        }
        try {
            if (mode == Mode.EXCLUSIVE) {
                exclusiveHolders.put(repositoryId, purpose);
            }
            return work.get();
        } finally {
            if (mode == Mode.EXCLUSIVE) {
                exclusiveHolders.remove(repositoryId);
            }
            lock.unlock();
        }
    }
}
