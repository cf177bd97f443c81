package dev.asgard.registry.rest.dto;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A device credential as administrators see it: its id and lifetime, never the secret or its hash.
 *
 * @param id credential id (the middle part of the credential, shown in events and the audit trail)
 * @param state ACTIVE, EXPIRING (a replaced credential in its grace period), EXPIRED or REVOKED, as of now
 * @param createdAt when it was issued
 * @param expiresAt end of its grace period after a rotation; null while it is the current one
 * @param revokedAt when it was revoked, if it was
 */
@Schema(name = "DeviceCredential", description = "A device credential (id and lifetime only)")
public record DeviceCredentialView(String id, String state, Instant createdAt, Instant expiresAt, Instant revokedAt) {
}
