package dev.asgard.lock.rest.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What to force-release.
 *
 * @param fencingToken the grant to end; absent to end every current holder
 * @param reason why, recorded in the LockForceReleased event (1-256 characters, required)
 */
@Schema(name = "ForceReleaseRequest")
public record ForceReleaseBody(Long fencingToken, String reason) {
}
