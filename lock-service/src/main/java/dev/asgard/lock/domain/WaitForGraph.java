package dev.asgard.lock.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The wait-for graph over owners: an edge from a waiting owner to each owner holding the lock it waits for. A cycle
 * is a deadlock: nobody in it can move until someone gives up. Built from one query over waiters and holders, so a
 * replica sees the graph all replicas share.
 */
public final class WaitForGraph {

    /**
     * One edge: {@code waiter} waits (request {@code requestId}) for {@code lockName}, which {@code holder} holds.
     *
     * @param waiter the waiting owner
     * @param requestId its waiting request
     * @param lockName the lock
     * @param holder an owner holding it
     * @param waiterPriority the waiting request's priority
     * @param enqueuedAt when the request started waiting
     * @param seq arrival order of the request (ties of enqueuedAt)
     */
    public record Edge(Owner waiter, UUID requestId, String lockName, Owner holder, int waiterPriority,
            Instant enqueuedAt, long seq) {
    }

    /**
     * A cycle and the request chosen to break it.
     *
     * @param edges the edges in order: the holder of one is the waiter of the next, the last leads to the first
     * @param victim the edge whose waiting request is aborted
     */
    public record Cycle(List<Edge> edges, Edge victim) {
    }

    private final List<Edge> edges;
    private final Map<Owner, List<Edge>> outgoing = new LinkedHashMap<>();

    /** @param edges every edge */
    public WaitForGraph(List<Edge> edges) {
        this.edges = List.copyOf(edges);
        for (Edge edge : this.edges) {
            outgoing.computeIfAbsent(edge.waiter(), k -> new ArrayList<>()).add(edge);
        }
    }

    /** @return every edge */
    public List<Edge> edges() {
        return edges;
    }

    /**
     * @param start an owner that just started waiting
     * @return a cycle through it, if there is one
     */
    public Optional<Cycle> cycleThrough(Owner start) {
        List<Edge> path = new ArrayList<>();
        Set<Owner> visited = new HashSet<>();
        return search(start, start, path, visited).map(this::withVictim);
    }

    /** @return one cycle per strongly connected knot found by a search from every owner (disjoint cycles) */
    public List<Cycle> cycles() {
        List<Cycle> found = new ArrayList<>();
        Set<Owner> inCycle = new HashSet<>();
        for (Owner owner : outgoing.keySet()) {
            if (inCycle.contains(owner)) {
                continue;
            }
            cycleThrough(owner).ifPresent(cycle -> {
                found.add(cycle);
                cycle.edges().forEach(e -> inCycle.add(e.waiter()));
            });
        }
        return found;
    }

    private Optional<List<Edge>> search(Owner start, Owner at, List<Edge> path, Set<Owner> visited) {
        for (Edge edge : outgoing.getOrDefault(at, List.of())) {
            path.add(edge);
            if (edge.holder().equals(start)) {
                return Optional.of(List.copyOf(path));
            }
            if (visited.add(edge.holder())) {
                Optional<List<Edge>> found = search(start, edge.holder(), path, visited);
                if (found.isPresent()) {
                    return found;
                }
            }
            path.remove(path.size() - 1);
        }
        return Optional.empty();
    }

    /**
     * The victim: the owner of the lowest effective priority (its own waiting priority, raised by inheritance to
     * the highest priority of a waiter outside the cycle blocked by a lock it holds), then the youngest request.
     */
    private Cycle withVictim(List<Edge> cycle) {
        Map<Owner, Integer> effective = new HashMap<>();
        for (Edge edge : cycle) {
            effective.merge(edge.waiter(), edge.waiterPriority(), Math::max);
        }
        for (Edge edge : edges) {
            // Inheritance: whoever holds a lock someone waits for counts at least at that waiter's priority. Only
            // waiters outside the cycle count: inside it, inheritance would lift every member to the cycle's highest
            // priority and leave nothing to choose by.
            if (!effective.containsKey(edge.waiter())) {
                effective.computeIfPresent(edge.holder(), (owner, priority) -> Math.max(priority, edge.waiterPriority()));
            }
        }
        Edge victim = cycle.stream()
                .min(Comparator.<Edge> comparingInt(e -> effective.get(e.waiter()))
                        .thenComparing(Edge::enqueuedAt, Comparator.reverseOrder())
                        .thenComparing(Edge::seq, Comparator.reverseOrder()))
                .orElseThrow();
        return new Cycle(cycle, victim);
    }
}
