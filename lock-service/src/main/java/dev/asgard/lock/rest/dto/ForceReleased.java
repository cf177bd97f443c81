package dev.asgard.lock.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The outcome of a force release.
 *
 * @param released the grants that were ended (their fencing tokens are stale now)
 * @param lock the lock afterwards (the next waiters may hold it already)
 */
@Schema(name = "ForceReleased")
public record ForceReleased(List<ReleasedGrant> released, LockView lock) {

    /**
     * An ended grant.
     *
     * @param deviceId the former holder
     * @param sessionId its session
     * @param fencingToken the grant's fencing token
     */
    @Schema(name = "ReleasedGrant")
    public record ReleasedGrant(String deviceId, String sessionId, long fencingToken) {
    }
}
