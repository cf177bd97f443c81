package dev.asgard.registry.keys;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/** Checks on the leader whether a key rotation or clean-up is due; other replicas skip. */
@ApplicationScoped
public class SigningKeyRotationJob {

    private static final Logger LOG = Logger.getLogger(SigningKeyRotationJob.class);

    private final SigningKeyService keys;

    public SigningKeyRotationJob(SigningKeyService keys) {
        this.keys = keys;
    }

    @Scheduled(identity = "registry-key-rotation", every = "${asgard.registry.signing-keys.rotation-check-interval:1m}",
            delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> check() {
        return keys.rotateIfLeader()
                .onFailure().invoke(e -> LOG.warnf(e, "Signing key rotation failed; retrying at the next check"))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
