package dev.asgard.registry.rest.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Answer of {@code POST /api/v1/join-tokens}: the only time the secret token is shown.
 *
 * @param token the secret token to hand to the device ({@code ajt1.<id>.<secret>}); store it safely, it
 *        cannot be shown again
 * @param joinToken the stored record
 */
@Schema(name = "CreatedJoinToken")
public record CreatedJoinToken(String token, JoinTokenView joinToken) {
}
