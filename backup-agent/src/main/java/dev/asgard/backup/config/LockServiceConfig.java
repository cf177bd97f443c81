package dev.asgard.backup.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Repository locks from lock-service ({@code asgard.backup.lock-service.*}): agents sharing a repository hold a
 * lock named {@code backup/repo/<repository id>} (shared for backups and restores, exclusive for check, forget,
 * prune and unlock). Needs the agent's device identity ({@link IdentityConfig}).
 */
@ConfigMapping(prefix = "asgard.backup.lock-service")
public interface LockServiceConfig {

    /** @return lock-service's gRPC address ({@code host:port}); unset: repositories are guarded in-process only */
    Optional<String> target();

    /** @return lease of a repository lock; kept alive at a third of it while the work runs */
    @WithDefault("30s")
    Duration leaseTtl();

    /** @return whether gRPC to lock-service uses plaintext (local and tests) instead of TLS */
    @WithDefault("true")
    boolean plaintext();
}
