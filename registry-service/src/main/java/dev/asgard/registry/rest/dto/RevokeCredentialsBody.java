package dev.asgard.registry.rest.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /api/v1/devices/{id}/credentials/revoke}.
 *
 * @param reason why the device is revoked (required; kept in the event and the audit trail)
 */
@Schema(name = "RevokeCredentialsRequest")
public record RevokeCredentialsBody(String reason) {
}
