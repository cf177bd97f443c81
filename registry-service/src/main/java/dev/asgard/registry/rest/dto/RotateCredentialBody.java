package dev.asgard.registry.rest.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /api/v1/devices/{id}/credentials/rotate}; optional.
 *
 * @param previousCredentialGrace how long the replaced credentials keep working ({@code 10m}, {@code PT1H});
 *        absent or zero: revoked at once. At most {@code asgard.registry.credentials.max-previous-grace}
 */
@Schema(name = "RotateCredentialRequest")
public record RotateCredentialBody(String previousCredentialGrace) {
}
