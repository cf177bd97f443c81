package dev.asgard.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time of the bench and of its children (registry or lock-service, PostgreSQL, Kafka, etcd, Redis), so a result can say where the cores
 * went. Processes are told apart by their command line; PostgreSQL's backends are separate processes and are
 * summed. A process that ends between two samples drops out of the difference.
 */
final class CpuSampler {

    /** One sample: CPU time per process group. */
    record Sample(long nanoTime, Map<String, Duration> cpu) {
    }

    Sample sample() {
        Map<String, Duration> cpu = new TreeMap<>();
        add(cpu, "bench", ProcessHandle.current());
        ProcessHandle.current().descendants().forEach(p -> add(cpu, group(p), p));
        return new Sample(System.nanoTime(), cpu);
    }

    /** @return cores used per group between the two samples (1.0 = one core busy all the time) */
    static Map<String, Double> cores(Sample from, Sample to) {
        double seconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        to.cpu().forEach((group, total) -> {
            Duration before = from.cpu().getOrDefault(group, Duration.ZERO);
            cores.put(group, total.minus(before).toNanos() / 1e9 / seconds);
        });
        return cores;
    }

    static String format(Map<String, Double> cores) {
        StringBuilder text = new StringBuilder();
        cores.forEach((group, n) -> {
            if (n >= 0.005) {
                text.append(text.isEmpty() ? "" : ", ").append(group).append(' ').append("%.2f".formatted(n));
            }
        });
        return text.append(" cores").toString();
    }

    private static void add(Map<String, Duration> cpu, String group, ProcessHandle process) {
        if (group == null) {
            return;
        }
        process.info().totalCpuDuration().ifPresent(d -> cpu.merge(group, d, Duration::plus));
    }

    private static String group(ProcessHandle process) {
        ProcessHandle.Info info = process.info();
        String command = info.command().orElse("");
        String line = info.commandLine().orElse(command);
        if (line.contains("ProcessGuard")) {
            return "guards";
        }
        if (command.endsWith("/postgres") || line.contains("postgres:")) {
            return "postgres";
        }
        if (line.contains("lock-service") && line.contains("quarkus-run.jar")) {
            return "lock-service";
        }
        if (line.contains("quarkus-run.jar")) {
            return "registry";
        }
        if (command.endsWith("/etcd")) {
            return "etcd";
        }
        // Debian's redis-server is a link to redis-check-rdb; the server renames its process "redis-server ...".
        if (command.endsWith("/redis-server") || command.endsWith("/redis-check-rdb") || line.startsWith("redis-server")) {
            return "redis";
        }
        // The broker's main class comes after a classpath of a hundred jars, past what the JDK reads of a command
        // line on Linux (about 4 kB); its log configuration, near the start, names the broker's directory.
        if (line.contains("KafkaBrokerMain") || line.contains("asgard-kafka")) {
            return "kafka";
        }
        return null;
    }
}
