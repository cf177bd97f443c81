package dev.asgard.registry.rest.dto;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to a rotation: the only time the new credential is shown.
 *
 * @param credential the new device credential, to install on the device; never shown again
 * @param credentialId its id
 * @param previousCredentialId the newest credential it replaced, if any
 * @param previousCredentialExpiresAt until when the replaced credentials work, if there were any
 */
@Schema(name = "RotatedCredential", description = "A new device credential, shown once")
public record RotatedCredential(String credential, String credentialId, String previousCredentialId,
        Instant previousCredentialExpiresAt) {
}
