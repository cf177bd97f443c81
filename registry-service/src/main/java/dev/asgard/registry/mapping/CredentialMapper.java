package dev.asgard.registry.mapping;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.AuditEntry;
import dev.asgard.registry.entity.DeviceCredential;
import dev.asgard.registry.rest.dto.AuditEntryView;
import dev.asgard.registry.rest.dto.DeviceCredentialView;

/** Credential and audit entities → REST views. A credential's view never carries its hash. */
@ApplicationScoped
public class CredentialMapper {

    private final Clock clock;

    public CredentialMapper(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param credential the stored credential
     * @return its view, with the state as of now
     */
    public DeviceCredentialView toView(DeviceCredential credential) {
        return new DeviceCredentialView(credential.id.toString(), credential.stateAt(clock.instant()).name(),
                credential.createdAt, credential.expiresAt, credential.revokedAt);
    }

    /**
     * @param entry a stored audit entry
     * @return its view
     */
    public AuditEntryView toView(AuditEntry entry) {
        return new AuditEntryView(entry.id.toString(), entry.occurredAt, entry.actor, entry.actorKind.name(),
                entry.action, entry.targetType, entry.targetId, entry.clientAddress, entry.outcome.name(),
                entry.details);
    }
}
