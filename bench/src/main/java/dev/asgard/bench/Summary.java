package dev.asgard.bench;

import java.io.PrintStream;
import java.util.List;

/** The table printed at the end of a run. */
final class Summary {

    private Summary() {
    }

    static void print(PrintStream out, List<Latency> results) {
        String format = "| %-34s | %9s | %10s | %8s | %8s | %8s | %8s | %s |%n";
        out.printf(format, "scenario", "calls", "per second", "p50 ms", "p90 ms", "p99 ms", "max ms", "note");
        out.printf(format, "-".repeat(34), "-".repeat(9), "-".repeat(10), "-".repeat(8), "-".repeat(8), "-".repeat(8),
                "-".repeat(8), "----");
        for (Latency r : results) {
            out.printf(format, r.name(), r.count(), number(r.perSecond(), "%.0f"), number(r.p50(), "%.2f"),
                    number(r.p90(), "%.2f"), number(r.p99(), "%.2f"), number(r.max(), "%.1f"), r.note());
        }
    }

    private static String number(double value, String format) {
        return Double.isNaN(value) ? "-" : format.formatted(value);
    }
}
