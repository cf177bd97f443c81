package dev.asgard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.asgard.deploy.ServiceLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lock}: lock-service against etcd's lock API and a Redis {@code SET NX} lock, in the same scenarios
 * (uncontended sequential and parallel, 32 clients on one lock, 32 clients over 1 000 locks). The systems run one
 * after the other on the same machine.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Benchmarks lock-service against etcd and Redis and prints a summary table.")
final class LockBench implements Callable<Integer> {

    @Option(names = "--systems", split = ",", defaultValue = "asgard,etcd,redis",
            description = "Systems to measure, in this order: asgard, etcd, redis.")
    List<String> systems;

    @Option(names = "--scenarios", split = ",", defaultValue = "uncontended-1,uncontended-n,contended,spread",
            description = "Scenarios: uncontended-1 (one client), uncontended-n (--parallel clients, a lock each),"
                    + " contended (--clients on one lock), spread (--clients over --locks locks, random).")
    List<String> scenarios;

    @Option(names = "--lock-jar", defaultValue = "lock-service/target/quarkus-app/quarkus-run.jar",
            description = "The packaged lock-service.")
    Path lockJar;

    @Option(names = "--work-dir", defaultValue = "bench/target/lock-run",
            description = "Logs and data of the run; emptied first.")
    Path workDir;

    @Option(names = "--durable", description = "PostgreSQL with fsync and synchronous commit, as in production "
            + "(default: throwaway settings, as the tests use). etcd always fsyncs its WAL.")
    boolean durable;

    @Option(names = "--lock-jvm-options", split = " ",
            defaultValue = ServiceLauncher.JVM_OPTIONS_TEXT,
            description = "JVM options of lock-service, space-separated (default: the launcher's).")
    List<String> jvmOptions;

    @Option(names = "--parallel", defaultValue = "32", description = "Clients of uncontended-n.")
    int parallel;

    @Option(names = "--clients", defaultValue = "32", description = "Clients of contended and spread.")
    int clients;

    @Option(names = "--locks", defaultValue = "1000", description = "Locks of spread.")
    int locks;

    @Option(names = "--warmup", defaultValue = "5", description = "Seconds of warm-up per scenario.")
    int warmupSeconds;

    @Option(names = "--duration", defaultValue = "20", description = "Measured seconds per scenario.")
    int durationSeconds;

    @Option(names = "--system-warmup", defaultValue = "30", description = "Seconds of unmeasured load (half "
            + "uncontended-n, half spread) each system gets once before its first scenario, so that a service whose "
            + "code a JIT compiles is measured compiled, as it runs after minutes in production; 0 skips it.")
    int systemWarmupSeconds;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Map<String, LockLoad.Scenario> known = new LinkedHashMap<>();
        known.put("uncontended-1", new LockLoad.Scenario("uncontended-1", 1, 0));
        known.put("uncontended-n", new LockLoad.Scenario("uncontended-" + parallel, parallel, 0));
        known.put("contended", new LockLoad.Scenario("contended-" + clients + "x1", clients, 1));
        known.put("spread", new LockLoad.Scenario("spread-" + clients + "x" + locks, clients, locks));
        List<LockLoad.Scenario> selected = new ArrayList<>();
        for (String s : scenarios) {
            if (!known.containsKey(s)) {
                throw new IllegalArgumentException("Unknown scenario " + s + "; known: " + known.keySet());
            }
            selected.add(known.get(s));
        }
        workDir = workDir.toAbsolutePath().normalize();
        recreate(workDir);
        out.println("Machine: " + Machine.describe());
        out.println("Load average before: " + Machine.load() + " (1/5/15 min; other work on the machine skews the numbers)");
        LockPlatform platform = new LockPlatform(workDir, out);
        List<Latency> results = new ArrayList<>();
        for (String system : systems) {
            out.printf("%nStarting %s (logs in %s) ...%n", system, workDir.resolve("logs"));
            try (LockSystem locks = switch (system) {
                case "asgard" -> {
                    if (!Files.isRegularFile(lockJar)) {
                        throw new IllegalStateException("No packaged lock-service at " + lockJar.toAbsolutePath()
                                + "; build it: ./mvnw -q install -pl lock-service,bench -am -DskipTests");
                    }
                    yield platform.asgard(lockJar, durable, jvmOptions, new DeviceTokenSigner());
                }
                case "etcd" -> platform.etcd();
                case "redis" -> platform.redis(Math.max(clients, parallel));
                default -> throw new IllegalArgumentException("Unknown system " + system + "; known: asgard, etcd, redis");
            }) {
                if (systemWarmupSeconds > 0) {
                    // The first scenario used to pay for lock-service's JIT compilation (C2 busy for tens of seconds
                    // on two cores): uncontended-1 ran at 554 ops/s after a 10 s warm-up and 836 after 45 s.
                    out.printf("  warm-up: %d s of uncontended-n and spread, not measured%n", systemWarmupSeconds);
                    long half = TimeUnit.SECONDS.toNanos(systemWarmupSeconds) / 2;
                    LockLoad.run(locks, known.get("uncontended-n"), half, TimeUnit.SECONDS.toNanos(1));
                    LockLoad.run(locks, known.get("spread"), half, TimeUnit.SECONDS.toNanos(1));
                }
                for (LockLoad.Scenario scenario : selected) {
                    LockLoad.Result result = LockLoad.run(locks, scenario, TimeUnit.SECONDS.toNanos(warmupSeconds),
                            TimeUnit.SECONDS.toNanos(durationSeconds));
                    Latency l = result.latency();
                    String load = Machine.load();
                    out.printf("  %-28s %8.0f ops/s  p50 %7.2f ms  p99 %7.2f ms  max %7.1f ms  errors %d"
                            + "  violations %d  load %s  CPU %s%s%n", l.name(), l.perSecond(), l.p50(), l.p99(), l.max(),
                            l.errors(), result.violations(), load, CpuSampler.format(result.cores()),
                            result.firstError() == null ? "" : "  first error: " + result.firstError());
                    results.add(new Latency(l.name(), l.count(), l.errors(), l.seconds(), l.p50(), l.p90(), l.p99(),
                            l.max(), l.note() + (result.violations() > 0 ? ", " + result.violations()
                                    + " MUTUAL-EXCLUSION VIOLATIONS" : "") + "; load " + load.split(" ")[0] + "; CPU "
                                    + CpuSampler.format(result.cores())));
                }
            }
        }
        out.println("\nLoad average after: " + Machine.load());
        out.println();
        Summary.print(out, results);
        ratios(results);
        return 0;
    }

    /** Asgard against etcd per scenario: throughput ratio and p99 ratio. */
    private void ratios(List<Latency> results) {
        Map<String, Latency> byName = new LinkedHashMap<>();
        results.forEach(r -> byName.put(r.name(), r));
        boolean header = false;
        for (Latency r : results) {
            if (!r.name().startsWith("asgard ")) {
                continue;
            }
            String scenario = r.name().substring("asgard ".length());
            Latency etcd = byName.get("etcd " + scenario);
            if (etcd == null) {
                continue;
            }
            if (!header) {
                out.println("\n| scenario | asgard/etcd ops/s | asgard/etcd p50 | asgard/etcd p99 |");
                out.println("|---|---|---|---|");
                header = true;
            }
            out.printf("| %s | %.2f | %.2f | %.2f |%n", scenario, r.perSecond() / etcd.perSecond(), r.p50() / etcd.p50(),
                    r.p99() / etcd.p99());
        }
    }

    private static void recreate(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(dir);
    }
}
