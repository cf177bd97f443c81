package dev.asgard.lock.mapping;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;
import dev.asgard.lock.repository.LockQueries.WaitForEdge;
import dev.asgard.lock.rest.dto.LockView;
import dev.asgard.lock.rest.dto.WaitForGraphView;

/** Lock domain → admin REST views, and the wait-for graph as JSON and as Graphviz DOT. */
public final class LockViewMapper {

    private LockViewMapper() {
    }

    /** @return the admin view of a lock */
    public static LockView view(LockState state) {
        List<LockView.HolderView> holders = state.holders().stream().map(h -> new LockView.HolderView(
                h.owner().deviceId().toString(), h.owner().sessionId(), h.fencingToken(), mode(h.mode()), h.permits(),
                h.priority(), state.effectivePriority(h), h.preemptible(), h.purpose(), h.acquiredAt(), h.leaseExpiresAt()))
                .toList();
        List<LockView.WaiterView> waiters = new ArrayList<>();
        int position = 1;
        for (Waiter w : state.waiters()) {
            waiters.add(new LockView.WaiterView(position++, w.requestId().toString(), w.owner().deviceId().toString(),
                    w.owner().sessionId(), mode(w.mode()), w.permits(), w.priority(), w.preempt(), w.purpose(),
                    w.enqueuedAt(), w.waitDeadline()));
        }
        String mode = state.holders().stream().map(Holder::mode).max(Enum::compareTo).map(LockViewMapper::mode).orElse(null);
        return new LockView(state.name(), mode, state.maxPermits(), state.permitsInUse(), state.fencingCounter(),
                state.updatedAt(), holders, waiters);
    }

    /** @return the graph with one node per owner that waits or blocks */
    public static WaitForGraphView graph(List<WaitForEdge> edges) {
        Map<String, WaitForGraphView.Node> nodes = new LinkedHashMap<>();
        List<WaitForGraphView.Edge> out = new ArrayList<>();
        for (WaitForEdge e : edges) {
            nodes.computeIfAbsent(e.waiter().toString(), id -> node(e.waiter()));
            nodes.computeIfAbsent(e.holder().toString(), id -> node(e.holder()));
            out.add(new WaitForGraphView.Edge(e.waiter().toString(), e.holder().toString(), e.lockName(),
                    e.waiterPriority(), e.holderToken()));
        }
        return new WaitForGraphView(List.copyOf(nodes.values()), out);
    }

    /**
     * The graph in the DOT language ({@code dot -Tsvg}): owners as boxes (device id, then session), an edge per
     * waiter → holder labelled with the lock name.
     */
    public static String dot(WaitForGraphView graph) {
        StringBuilder dot = new StringBuilder("digraph \"wait-for\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
        for (WaitForGraphView.Node n : graph.nodes()) {
            dot.append("  ").append(quote(n.id())).append(" [label=").append(quote(n.deviceId() + "\n" + n.sessionId()))
                    .append("];\n");
        }
        for (WaitForGraphView.Edge e : graph.edges()) {
            dot.append("  ").append(quote(e.waiter())).append(" -> ").append(quote(e.holder())).append(" [label=")
                    .append(quote(e.lockName())).append("];\n");
        }
        return dot.append("}\n").toString();
    }

    private static WaitForGraphView.Node node(Owner owner) {
        return new WaitForGraphView.Node(owner.toString(), owner.deviceId().toString(), owner.sessionId());
    }

    /** A DOT string literal (names are validated, but quoting is what keeps the output well-formed anyway). */
    static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String mode(Mode mode) {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
