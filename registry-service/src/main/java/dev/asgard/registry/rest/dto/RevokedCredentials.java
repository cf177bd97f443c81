package dev.asgard.registry.rest.dto;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The answer to a revocation.
 *
 * @param deviceId the device, now in status REVOKED
 * @param revokedCredentialIds the credentials this request revoked (empty if the device was revoked before)
 * @param tokensInvalidBefore device tokens issued at or before this time are refused by every service
 * @param alreadyRevoked true if the device was revoked before: nothing changed
 */
@Schema(name = "RevokedCredentials")
public record RevokedCredentials(String deviceId, List<String> revokedCredentialIds, Instant tokensInvalidBefore,
        boolean alreadyRevoked) {
}
