package dev.asgard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.HdrHistogram.Histogram;

import com.fasterxml.jackson.databind.JsonNode;

import dev.asgard.deploy.ServiceLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code backup}: backup-agent against bare restic on the same generated data set (issue 5). <b>overhead</b>:
 * pairs of full backups, one through the agent (a job run started over REST, followed over SSE) and one by restic
 * started straight from the bench with the agent's flags and environment, each into a freshly initialised local
 * repository, the order alternating from pair to pair. <b>cancel</b>: runs over a large sparse file cancelled
 * over REST once they report progress, timed until the bench sees CANCELLED; after each the repository must hold
 * no lock.
 */
@Command(name = "backup", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Benchmarks backup-agent against bare restic (overhead of a backup, cancel latency).")
final class BackupBench implements Callable<Integer> {

    @Option(names = "--scenarios", split = ",", defaultValue = "overhead,cancel",
            description = "Scenarios: overhead (agent vs bare restic), cancel (cancel latency).")
    List<String> scenarios;

    @Option(names = "--agent-jar", defaultValue = "backup-agent/target/quarkus-app/quarkus-run.jar",
            description = "The packaged backup-agent.")
    Path agentJar;

    @Option(names = "--work-dir", defaultValue = "bench/target/backup-run",
            description = "Logs, repositories, restic's cache and the sparse file; emptied first.")
    Path workDir;

    @Option(names = "--data-dir", defaultValue = "bench/target/backup-data",
            description = "The generated data set; reused when its marker matches --files, --size and --seed.")
    Path dataDir;

    @Option(names = "--files", defaultValue = "10000", description = "Files of the data set.")
    int files;

    @Option(names = "--size", defaultValue = "1GiB", description = "Total size of the data set (B, KiB, MiB, GiB).")
    String size;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the data set's sizes and contents.")
    long seed;

    @Option(names = "--pairs", defaultValue = "5", description = "Measured pairs of backups (agent, bare restic).")
    int pairs;

    @Option(names = "--cancels", defaultValue = "20", description = "Measured cancels.")
    int cancels;

    @Option(names = "--sparse-size", defaultValue = "64GiB", description = "Size of the sparse file the cancelled runs read.")
    String sparseSize;

    @Option(names = "--restic", defaultValue = "restic", description = "The restic binary of the agent and of the bare runs.")
    String restic;

    @Option(names = "--agent-jvm-options", split = " ",
            defaultValue = ServiceLauncher.JVM_OPTIONS_TEXT,
            description = "JVM options of the agent, space-separated (default: the launcher's).")
    List<String> jvmOptions;

    private final PrintStream out = System.out;
    private double idleCores;

    @Override
    public Integer call() throws Exception {
        for (String s : scenarios) {
            if (!List.of("overhead", "cancel").contains(s)) {
                throw new IllegalArgumentException("Unknown scenario " + s + "; known: overhead, cancel");
            }
        }
        if (!Files.isRegularFile(agentJar)) {
            throw new IllegalStateException("No packaged backup-agent at " + agentJar.toAbsolutePath()
                    + "; build it: ./mvnw -q install -pl backup-agent,bench -am -DskipTests");
        }
        workDir = workDir.toAbsolutePath().normalize();
        dataDir = dataDir.toAbsolutePath().normalize();
        BackupDataSet.delete(workDir);
        Files.createDirectories(workDir.resolve("repos"));
        Path cacheDir = workDir.resolve("restic-cache");
        out.println("Machine: " + Machine.describe());
        out.println("restic: " + resticVersion());
        out.println("Load average before: " + Machine.load() + " (1/5/15 min; other work on the machine skews the numbers)");

        long bytes = parseSize(size);
        long begin = System.nanoTime();
        boolean generated = BackupDataSet.ensure(dataDir, files, bytes, seed);
        out.printf("Data set %s: %d files, %s, seed %d, %s in %.1f s%n", dataDir, files, size, seed,
                generated ? "generated" : "reused", (System.nanoTime() - begin) / 1e9);

        AdminTokens admin = new AdminTokens();
        BareRestic bare = new BareRestic(restic, cacheDir);
        String password = Base64.getEncoder().encodeToString(SecureRandom.getSeed(18));
        out.printf("%nStarting PostgreSQL, Kafka and backup-agent (logs in %s) ...%n", workDir.resolve("logs"));
        try (BackupPlatform platform = new BackupPlatform(out).start(agentJar, workDir, restic, cacheDir, jvmOptions,
                admin)) {
            BackupAgentApi api = new BackupAgentApi(platform.httpUrl(), admin);
            BackupRuns backups = new BackupRuns(api, bare, platform, workDir.resolve("repos"), cacheDir, dataDir,
                    password);
            List<Pair> results = new ArrayList<>();
            if (scenarios.contains("overhead")) {
                results = overhead(backups);
            }
            List<Long> cancelNanos = new ArrayList<>();
            int violations = 0;
            if (scenarios.contains("cancel")) {
                violations = cancels(api, bare, password, cancelNanos);
            }
            out.println("\nLoad average after: " + Machine.load());
            if (!results.isEmpty()) {
                printPairs(results);
            }
            if (!cancelNanos.isEmpty()) {
                printCancels(cancelNanos, violations);
            }
        }
        return 0;
    }

    private List<Pair> overhead(BackupRuns backups) throws Exception {
        long begin = System.nanoTime();
        long read = BackupDataSet.warm(dataDir);
        out.printf("%noverhead: read the data set once (%.0f MiB in %.1f s) for a warm page cache%n", read / 1048576.0,
                (System.nanoTime() - begin) / 1e9);
        // Unrecorded: warms the agent's JIT and both paths through restic's cache and the page cache.
        BackupRuns.Agent wa = backups.agent("warmup");
        out.printf("  warm-up agent       %7.2f s  (restic %6.2f s)  load %s%n", wa.wallNanos() / 1e9,
                wa.resticSeconds(), Machine.load());
        BackupRuns.Bare wb = backups.bare("warmup");
        out.printf("  warm-up bare restic %7.2f s  (restic %6.2f s)  load %s%n", wb.wallNanos() / 1e9,
                wb.resticSeconds(), Machine.load());
        double idle = backups.idleAgentCpu(Duration.ofSeconds(10));
        idleCores = idle;
        out.printf("  agent JVM idle (10 s, no run): %.3f cores (outbox relay, scheduler tick, metrics, Kafka clients)%n",
                idle);
        List<Pair> results = new ArrayList<>();
        for (int i = 1; i <= pairs; i++) {
            boolean agentFirst = i % 2 == 1;
            BackupRuns.Agent a;
            BackupRuns.Bare b;
            if (agentFirst) {
                a = backups.agent("p" + i);
                b = backups.bare("p" + i);
            } else {
                b = backups.bare("p" + i);
                a = backups.agent("p" + i);
            }
            Pair p = new Pair(i, agentFirst ? "agent, restic" : "restic, agent", a, b, Machine.load());
            results.add(p);
            out.printf("  pair %d (%s): agent %.2f s (restic inside %.2f s), bare restic %.2f s (restic %.2f s),"
                    + " overhead %+.2f %%, agent JVM CPU %.2f s, load %s%n", i, p.order(), a.wallNanos() / 1e9,
                    a.resticSeconds(), b.wallNanos() / 1e9, b.resticSeconds(), p.overheadPercent(), a.agentCpuSeconds(),
                    p.load());
            out.printf("      agent timeline: POST→202 %.0f ms, queued→started %.0f ms, started→ended %.0f ms,"
                    + " ended→seen %.0f ms; SSE events %d; %d status lines from bare restic%n",
                    a.postMillis(), a.queuedToStartedMillis(), a.startedToEndedMillis(), a.endedToSeenMillis(),
                    a.events(), b.backup().statusLines());
            out.printf("      CPU: agent's restic %.2f s, bare restic %.2f s, agent JVM %.2f s (%.1f %% of its restic's)%n",
                    a.resticCpuSeconds(), b.cpuSeconds(), a.agentCpuSeconds(),
                    a.agentCpuSeconds() / a.resticCpuSeconds() * 100);
        }
        double after = backups.idleAgentCpu(Duration.ofSeconds(10));
        out.printf("  agent JVM idle after the pairs (10 s): %.3f cores%n", after);
        idleCores = (idle + after) / 2;
        return results;
    }

    private int cancels(BackupAgentApi api, BareRestic bare, String password, List<Long> nanos) throws Exception {
        Path sparseDir = workDir.resolve("sparse");
        Files.createDirectories(sparseDir);
        long sparse = parseSize(sparseSize);
        try (RandomAccessFile f = new RandomAccessFile(sparseDir.resolve("big.bin").toFile(), "rw")) {
            f.setLength(sparse);
        }
        Path repoDir = workDir.resolve("repos/cancel");
        String repo = api.localRepository("bench-cancel", repoDir.toString(), password);
        String job = api.job("bench-cancel", repo, List.of(sparseDir.toString()));
        out.printf("%ncancel: %d runs over a sparse file of %s, each cancelled once it reports progress%n", cancels,
                sparseSize);
        int violations = 0;
        for (int i = 1; i <= cancels; i++) {
            JsonNode run = api.startRun(job);
            String runId = run.path("id").asText();
            try (BackupAgentApi.Watch watch = api.watch(runId)) {
                BackupAgentApi.Event progress = watch.await(e -> "RUNNING".equals(e.state())
                        && e.run().path("progress").path("bytesDone").asLong() > 0, Duration.ofMinutes(2));
                long start = System.nanoTime();
                JsonNode answer = api.cancel(runId);
                long end;
                String state = answer.path("state").asText();
                if (BackupAgentApi.TERMINAL.contains(state)) {
                    end = System.nanoTime();
                } else {
                    BackupAgentApi.Event e = watch.await(x -> BackupAgentApi.TERMINAL.contains(x.state()),
                            Duration.ofMinutes(1));
                    end = e.nanos();
                    state = e.state();
                }
                List<String> locks = bare.locks(repoDir, password);
                if (!locks.isEmpty()) {
                    violations++;
                }
                if ("CANCELLED".equals(state)) {
                    nanos.add(end - start);
                }
                out.printf("  cancel %2d: %s after %.0f ms (progress %.1f GiB read), locks left %d, load %s%n", i,
                        state, (end - start) / 1e6, progress.run().path("progress").path("bytesDone").asLong()
                                / (double) (1L << 30), locks.size(), Machine.load());
            }
        }
        return violations;
    }

    private void printPairs(List<Pair> results) {
        out.println("\n| pair | order | agent s | bare restic s | overhead | agent: restic's own s | bare: restic's own s"
                + " | CPU s: agent's restic | CPU s: bare restic | CPU s: agent JVM | load (1 min) |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Pair p : results) {
            out.printf(Locale.ROOT, "| %d | %s | %.2f | %.2f | %+.2f %% | %.2f | %.2f | %.2f | %.2f | %.2f | %s |%n",
                    p.index(), p.order(), p.agent().wallNanos() / 1e9, p.bare().wallNanos() / 1e9, p.overheadPercent(),
                    p.agent().resticSeconds(), p.bare().resticSeconds(), p.agent().resticCpuSeconds(),
                    p.bare().cpuSeconds(), p.agent().agentCpuSeconds(), p.load().split(" ")[0]);
        }
        double agent = median(results.stream().mapToDouble(p -> p.agent().wallNanos() / 1e9).toArray());
        double bare = median(results.stream().mapToDouble(p -> p.bare().wallNanos() / 1e9).toArray());
        double agentRestic = median(results.stream().mapToDouble(p -> p.agent().resticSeconds()).toArray());
        double bareRestic = median(results.stream().mapToDouble(p -> p.bare().resticSeconds()).toArray());
        double perPair = median(results.stream().mapToDouble(Pair::overheadPercent).toArray());
        double agentResticCpu = median(results.stream().mapToDouble(p -> p.agent().resticCpuSeconds()).toArray());
        double bareCpu = median(results.stream().mapToDouble(p -> p.bare().cpuSeconds()).toArray());
        double jvmCpu = median(results.stream().mapToDouble(p -> p.agent().agentCpuSeconds()).toArray());
        out.printf(Locale.ROOT, "| median | | %.2f | %.2f | %+.2f %% | %.2f | %.2f | %.2f | %.2f | %.2f | |%n", agent,
                bare, (agent - bare) / bare * 100, agentRestic, bareRestic, agentResticCpu, bareCpu, jvmCpu);
        out.printf(Locale.ROOT, "%nOverhead of the medians %+.2f %%, median of the pairs' overheads %+.2f %% (target ≤ 3 %%)%n",
                (agent - bare) / bare * 100, perPair);
        double timeline = median(results.stream().mapToDouble(p -> p.agent().postMillis() + p.agent().queuedToStartedMillis()
                + p.agent().endedToSeenMillis()).toArray());
        out.printf(Locale.ROOT, "Agent outside restic (median): POST→202 + queued→started + ended→seen = %.0f ms;"
                + " wall minus restic's own duration: agent %.2f s, bare %.2f s%n", timeline, agent - agentRestic,
                bare - bareRestic);
        out.printf(Locale.ROOT, "CPU (medians): agent JVM %.2f s = %.1f %% of its restic's %.2f s (bare restic %.2f s);"
                + " its idle rate (mean of before and after) accounts for %.2f s of that%n", jvmCpu, jvmCpu / agentResticCpu * 100,
                agentResticCpu, bareCpu, idleCores * agent);
    }

    private void printCancels(List<Long> nanos, int violations) {
        Histogram h = Latency.newHistogram();
        nanos.forEach(h::recordValue);
        Latency l = Latency.of("cancel (" + sparseSize + " sparse)", h, cancels - nanos.size(), 0,
                "target p99 ≤ 2000 ms; " + violations + " runs left a lock");
        out.println();
        Summary.print(out, List.of(l));
    }

    private String resticVersion() {
        try {
            Process p = new ProcessBuilder(restic, "version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return v;
        } catch (IOException e) {
            throw new IllegalStateException("restic not found (" + restic + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    static long parseSize(String text) {
        String t = text.trim();
        long unit = 1;
        for (String[] u : new String[][] {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}}) {
            if (t.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                t = t.substring(0, t.length() - u[0].length()).trim();
                break;
            }
        }
        return Math.round(Double.parseDouble(t) * unit);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** One measured pair. */
    record Pair(int index, String order, BackupRuns.Agent agent, BackupRuns.Bare bare, String load) {

        double overheadPercent() {
            return (agent.wallNanos() - bare.wallNanos()) * 100.0 / bare.wallNanos();
        }
    }
}
