package dev.asgard.lock.rest.dto;

import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The wait-for graph: an edge from an owner waiting for a lock to each owner holding it. A cycle is a deadlock.
 *
 * @param nodes the owners that wait or block someone
 * @param edges who waits for whom, and for which lock
 */
@Schema(name = "WaitForGraph")
public record WaitForGraphView(List<Node> nodes, List<Edge> edges) {

    /**
     * An owner.
     *
     * @param id {@code deviceId/sessionId}
     * @param deviceId the device
     * @param sessionId the session
     */
    @Schema(name = "WaitForNode")
    public record Node(String id, String deviceId, String sessionId) {
    }

    /**
     * The waiter waits for the lock, which the holder holds.
     *
     * @param waiter node id of the waiting owner
     * @param holder node id of the holding owner
     * @param lockName the lock
     * @param waiterPriority the waiting request's priority
     * @param holderFencingToken the holder's fencing token
     */
    @Schema(name = "WaitForEdge")
    public record Edge(String waiter, String holder, String lockName, int waiterPriority, long holderFencingToken) {
    }
}
