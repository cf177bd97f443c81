package dev.asgard.backup.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The agent as a device of the platform ({@code asgard.backup.identity.*}): where registry-service is, the join
 * token it enrols with once, and where it keeps its device id and credential (sealed). Without a registry target
 * the agent runs alone: no enrolment, no lock-service (repositories are guarded within this process only).
 */
@ConfigMapping(prefix = "asgard.backup.identity")
public interface IdentityConfig {

    /** @return registry-service's gRPC address ({@code host:port}); unset: the agent does not enrol */
    Optional<String> registryTarget();

    /** @return the join token of the first enrolment (a secret: from the environment or a Kubernetes Secret) */
    Optional<String> joinToken();

    /** @return the device name (a DNS label); default: derived from the agent id */
    Optional<String> deviceName();

    /** @return where the device id and the sealed credential are kept between starts */
    @WithDefault("${user.home}/.asgard/backup-agent-identity.json")
    Path stateFile();

    /** @return whether gRPC to the platform uses plaintext (local and tests) instead of TLS */
    @WithDefault("true")
    boolean plaintext();

    /** @return how long a platform call may take */
    @WithDefault("10s")
    Duration callTimeout();
}
