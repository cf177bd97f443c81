package dev.asgard.backup.service;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.asgard.backup.config.GuardConfig;
import dev.asgard.backup.config.LockServiceConfig;
import dev.asgard.backup.identity.AgentIdentity;
import dev.asgard.backup.identity.GrpcChannels;
import io.grpc.ManagedChannel;
import io.quarkus.runtime.ShutdownEvent;

/**
 * The agent's {@link RepositoryGuard}: always the in-process guard ({@link LocalRepositoryGuard}: operations of
 * this agent wait for each other without a round trip), and, when {@code asgard.backup.lock-service.target} is set,
 * inside it the lock-service lock of the repository ({@link LockServiceGuard}), so agents sharing a repository
 * never collide either. A lock-service lock lost while the work runs stops the work's restic and ends the hold with
 * {@value RepositoryGuard#LOCK_LOST} ({@link LockServiceGuard}).
 */
@ApplicationScoped
public class AgentRepositoryGuard implements RepositoryGuard {

    private final LocalRepositoryGuard local;
    private final LockServiceGuard remote;
    private final ManagedChannel channel;

    public AgentRepositoryGuard(LocalRepositoryGuard local, LockServiceConfig config, AgentIdentity identity,
            GuardConfig guard) {
        Duration waitTimeout = guard.waitTimeout();
        this.local = local;
        if (config.target().isPresent()) {
            if (!identity.enabled()) {
                throw new IllegalStateException("asgard.backup.lock-service.target needs the agent's device identity:"
                        + " set asgard.backup.identity.registry-target and join-token too");
            }
            channel = GrpcChannels.open(config.target().get(), config.plaintext());
            remote = new LockServiceGuard(channel, identity, config, waitTimeout);
        } else {
            channel = null;
            remote = null;
        }
    }

    /** @return whether repositories are also locked in lock-service */
    public boolean distributed() {
        return remote != null;
    }

    @Override
    public <T> T hold(UUID repositoryId, Mode mode, String purpose, Supplier<T> work) {
        if (remote == null) {
            return local.hold(repositoryId, mode, purpose, work);
        }
        return local.hold(repositoryId, mode, purpose, () -> remote.hold(repositoryId, mode, purpose, work));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
