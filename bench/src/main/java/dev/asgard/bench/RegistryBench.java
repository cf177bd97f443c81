package dev.asgard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import dev.asgard.deploy.ServiceLauncher;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code registry}: enrolment rate, heartbeat throughput and latency, and ListDevices latency at 100 000 devices,
 * against a real registry-service on real PostgreSQL and Kafka.
 */
@Command(name = "registry", mixinStandardHelpOptions = true, sortOptions = false, showDefaultValues = true,
        description = "Benchmarks registry-service (enrol, heartbeat, list-devices) and prints a summary table.")
final class RegistryBench implements Callable<Integer> {

    private static final Set<String> SCENARIOS = Set.of("enrol", "heartbeat", "list-devices");

    @Option(names = "--scenarios", split = ",", defaultValue = "enrol,heartbeat,list-devices",
            description = "Scenarios to run, comma-separated: enrol, heartbeat, list-devices.")
    List<String> scenarios;

    @Option(names = "--registry-jar", defaultValue = "registry-service/target/quarkus-app/quarkus-run.jar",
            description = "The packaged registry.")
    Path registryJar;

    @Option(names = "--work-dir", defaultValue = "bench/target/registry-run",
            description = "Logs and state of the run; emptied first.")
    Path workDir;

    @Option(names = "--durable", description = "PostgreSQL with fsync and synchronous commit, as in production "
            + "(default: throwaway settings, as the tests use).")
    boolean durable;

    @Option(names = "--registry-jvm-options", split = " ",
            defaultValue = ServiceLauncher.JVM_OPTIONS_TEXT,
            description = "JVM options of the registry, space-separated (default: the launcher's).")
    List<String> registryJvmOptions;

    @Option(names = "--jfr", description = "Record a JFR profile of the registry into <work-dir>/registry.jfr.")
    boolean jfr;

    @Option(names = "--devices", defaultValue = "1000",
            description = "Devices enrolled over gRPC; they also send the heartbeats.")
    int devices;

    @Option(names = "--enrol-concurrency", defaultValue = "4",
            description = "Enrolments and credential exchanges in flight.")
    int enrolConcurrency;

    @Option(names = "--join-tokens", defaultValue = "1",
            description = "Join tokens the devices share, round robin: 1 = one for the whole fleet.")
    int joinTokens;

    @Option(names = "--channels", defaultValue = "4", description = "gRPC channels shared by the devices.")
    int channels;

    @Option(names = "--in-flight", defaultValue = "64",
            description = "Heartbeats in flight at most.")
    int inFlight;

    @Option(names = "--rates", split = ",", defaultValue = "0,5000",
            description = "Heartbeat runs: 0 = unpaced (throughput ceiling), N = paced at N per second.")
    List<Double> rates;

    @Option(names = "--warmup", defaultValue = "10", description = "Seconds of warm-up before each heartbeat run.")
    int warmupSeconds;

    @Option(names = "--duration", defaultValue = "30", description = "Measured seconds of each heartbeat run.")
    int durationSeconds;

    @Option(names = "--list-devices", defaultValue = "100000",
            description = "Devices inserted directly for list-devices.")
    int listDevices;

    @Option(names = "--list-calls", defaultValue = "300", description = "Measured calls per filter.")
    int listCalls;

    @Option(names = "--list-concurrency", defaultValue = "1,2,4", split = ",",
            description = "ListDevices calls in flight; each value is one measured round over all filters.")
    List<Integer> listConcurrency;

    @Option(names = "--page-size", defaultValue = "50", description = "ListDevices page size.")
    int pageSize;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed of the inserted fleet.")
    long seed;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        for (String scenario : scenarios) {
            if (!SCENARIOS.contains(scenario)) {
                throw new IllegalArgumentException("Unknown scenario " + scenario + "; known: " + SCENARIOS);
            }
        }
        if (!Files.isRegularFile(registryJar)) {
            out.println("No packaged registry at " + registryJar.toAbsolutePath() + ". Build it first:\n"
                    + "  ./mvnw -q install -pl registry-service,bench -am -DskipTests");
            return 2;
        }
        // The registry runs in the work directory: paths handed to it must not be relative to ours.
        workDir = workDir.toAbsolutePath().normalize();
        out.println("Machine: " + Machine.describe());
        out.println("Load average before: " + Machine.load()
                + " (1/5/15 min; other work on the machine skews the numbers)");
        out.println("Scenarios: " + scenarios + "\n");
        List<Latency> results = new ArrayList<>();
        recreate(workDir);
        AdminTokens admin = new AdminTokens();
        List<String> jvmOptions = new ArrayList<>(registryJvmOptions);
        if (jfr) {
            jvmOptions.add("-XX:StartFlightRecording=filename=" + workDir.resolve("registry.jfr")
                    + ",settings=profile,dumponexit=true");
        }
        out.println("Starting PostgreSQL, Kafka and registry-service (logs in " + workDir.resolve("logs") + ") ...");
        try (BenchPlatform platform = new BenchPlatform(out)) {
            Runtime.getRuntime().addShutdownHook(new Thread(platform::close, "bench-stop"));
            platform.start(registryJar, workDir, durable, jvmOptions, admin);
            List<ManagedChannel> grpc = channels(platform.port(), channels);
            try {
                run(platform, admin, grpc, results);
            } finally {
                for (ManagedChannel channel : grpc) {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            out.println("\nLoad average after: " + Machine.load());
            out.println("Stopping ...");
        }
        out.println();
        Summary.print(out, results);
        if (jfr) {
            out.println("\nProfile: " + workDir.resolve("registry.jfr") + " (jfr view hot-methods <file>)");
        }
        return 0;
    }

    private void run(BenchPlatform platform, AdminTokens admin, List<ManagedChannel> grpc, List<Latency> results)
            throws Exception {
        CpuSampler cpu = new CpuSampler();
        DeviceFleet fleet = new DeviceFleet(platform.httpUrl(), admin.admin(), grpc.get(0));
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < joinTokens; i++) {
            tokens.add(fleet.createJoinToken());
        }
        boolean heartbeat = scenarios.contains("heartbeat");
        boolean list = scenarios.contains("list-devices");
        int toEnrol = heartbeat || scenarios.contains("enrol") ? devices : 1;

        out.printf("%nEnrol (%s): %d devices over gRPC, %d in flight, %d join token(s) (Argon2id hashing of each"
                + " credential dominates) ...%n", now(), toEnrol, enrolConcurrency, joinTokens);
        CpuSampler.Sample before = cpu.sample();
        Batch<EnrollResponse> enrolled = fleet.enrol(tokens, "bench-" + Long.toString(System.currentTimeMillis(), 36),
                toEnrol, enrolConcurrency);
        String enrolCpu = CpuSampler.format(CpuSampler.cores(before, cpu.sample()));
        Latency enrolment = Latency.of("enrol", enrolled.latency(), enrolled.errorCount(), enrolled.seconds(),
                enrolConcurrency + " in flight, " + joinTokens + " join token(s), " + fleet.retries() + " retried after ABORTED"
                        + (enrolled.errors().isEmpty() ? "" : ", " + enrolled.errorSummary()));
        out.printf("  %d enrolled in %.1f s: %.1f enrolments/s, p50 %.1f ms, p99 %.1f ms (%s); CPU %s%n",
                enrolment.count(), enrolment.seconds(), enrolment.perSecond(), enrolment.p50(), enrolment.p99(),
                enrolment.note(), enrolCpu);
        if (scenarios.contains("enrol")) {
            results.add(enrolment);
        }
        List<DeviceFleet.SimDevice> sims = DeviceFleet.devices(enrolled);
        if (sims.isEmpty()) {
            throw new IllegalStateException("No device enrolled: " + enrolled.errorSummary()
                    + "; see " + platform.registryLog());
        }

        List<DeviceFleet.SimDevice> ready = exchange(fleet, sims, results);
        if (heartbeat) {
            heartbeats(grpc, ready, cpu, results);
        }
        if (list) {
            listDevices(platform, fleet, ready.get(0), grpc.get(0), results);
        }
    }

    private List<DeviceFleet.SimDevice> exchange(DeviceFleet fleet, List<DeviceFleet.SimDevice> sims,
            List<Latency> results) throws InterruptedException {
        Batch<ExchangeCredentialResponse> exchanged = fleet.exchange(sims, enrolConcurrency);
        List<DeviceFleet.SimDevice> ready = DeviceFleet.withTokens(sims, exchanged);
        if (results != null) {
            Latency latency = Latency.of("exchange-credential", exchanged.latency(), exchanged.errorCount(),
                    exchanged.seconds(), enrolConcurrency + " in flight, Argon2id verify"
                            + (exchanged.errors().isEmpty() ? "" : ", " + exchanged.errorSummary()));
            out.printf("  %d credentials exchanged for device tokens: %.1f/s, p50 %.1f ms, p99 %.1f ms%n",
                    latency.count(), latency.perSecond(), latency.p50(), latency.p99());
            results.add(latency);
        }
        if (ready.isEmpty()) {
            throw new IllegalStateException("No device got a token: " + exchanged.errorSummary());
        }
        return ready;
    }

    private void heartbeats(List<ManagedChannel> grpc, List<DeviceFleet.SimDevice> ready, CpuSampler cpu,
            List<Latency> results) throws InterruptedException {
        HeartbeatLoad load = new HeartbeatLoad(grpc, ready, inFlight);
        for (double rate : rates) {
            String name = rate > 0 ? "heartbeat @%.0f/s".formatted(rate) : "heartbeat max";
            out.printf("%nHeartbeat (%s): %d devices, %d channels, %d in flight, %s, %d s warm-up + %d s measured ...%n",
                    now(), ready.size(), grpc.size(), inFlight, rate > 0 ? "paced at %.0f/s".formatted(rate) : "unpaced",
                    warmupSeconds, durationSeconds);
            HeartbeatLoad.Result result = load.run(name, rate, Duration.ofSeconds(warmupSeconds),
                    Duration.ofSeconds(durationSeconds), cpu);
            Latency l = result.latency();
            out.printf("  %.0f heartbeats/s; p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.1f ms; errors %s%n",
                    l.perSecond(), l.p50(), l.p90(), l.p99(), l.max(), result.errors());
            out.println("  CPU during the measurement: " + CpuSampler.format(result.cores()) + "; load " + Machine.load());
            results.add(new Latency(l.name(), l.count(), l.errors(), l.seconds(), l.p50(), l.p90(), l.p99(), l.max(),
                    l.note() + "; CPU " + CpuSampler.format(result.cores())));
        }
    }

    private void listDevices(BenchPlatform platform, DeviceFleet fleet, DeviceFleet.SimDevice device,
            ManagedChannel channel, List<Latency> results) throws Exception {
        out.printf("%nList devices (%s): inserting %d devices (COPY) ...%n", now(), listDevices);
        long begin = System.nanoTime();
        DeviceSeeder.seed(platform.postgres(), listDevices, seed);
        // The caller sees only devices sharing a network with it (its token's networks claim): it joins all
        // seeded networks, then exchanges its credential again so that its token lists them (tokens also live
        // only 10 minutes, so it needs a fresh one anyway).
        DeviceSeeder.joinAllNetworks(platform.postgres(), device.id());
        List<DeviceFleet.SimDevice> caller = exchange(fleet, List.of(device), null);
        out.printf("  inserted and analysed in %.1f s; caller %s in all %d networks; %d calls per filter,"
                + " %s in flight, page size %d%n", (System.nanoTime() - begin) / 1e9, device.id(),
                DeviceSeeder.NETWORKS, listCalls, listConcurrency, pageSize);
        ListDevicesBench lists = new ListDevicesBench(channel, caller.get(0).token(), out);
        for (int concurrency : listConcurrency) {
            out.printf("  %d in flight:%n", concurrency);
            results.addAll(lists.run(listCalls, concurrency, pageSize, Math.max(10, listCalls / 10),
                    listConcurrency.size() > 1 ? " @" + concurrency : ""));
        }
    }

    /** @return the wall-clock time, to match the output with the logs and a JFR recording */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private static List<ManagedChannel> channels(int port, int count) {
        List<ManagedChannel> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor()
                    .maxInboundMessageSize(16 * 1024 * 1024).build());
        }
        return list;
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
