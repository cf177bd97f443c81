package dev.asgard.deploy;

import dev.asgard.deploy.ReadinessWaiter.Target;
import dev.asgard.deploy.keycloak.KeycloakAdminClient;
import dev.asgard.deploy.keycloak.KeycloakDistribution;
import dev.asgard.deploy.keycloak.KeycloakServer;
import dev.asgard.deploy.keycloak.RealmUser;
import dev.asgard.deploy.process.ManagedProcess;
import dev.asgard.deploy.process.ProcessTree;
import dev.asgard.infra.EmbeddedPostgres;
import dev.asgard.infra.KafkaBroker;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The whole local platform: starts PostgreSQL and Kafka, the five services and Keycloak, waits
 * until all are ready, and stops them again in reverse order (services, Keycloak, Kafka,
 * PostgreSQL), forcibly when they do not stop in time.
 */
public final class LocalPlatform implements AutoCloseable {

    private static final String DATABASE = "asgard";
    private static final String KEYCLOAK_DATABASE = "keycloak";

    private final LaunchOptions options;
    private final AsgardHome home;
    private final LauncherInfo info;
    private final PrintStream out;

    private final List<ManagedProcess> services = new ArrayList<>();
    private ManagedProcess keycloak;
    private KafkaBroker kafka;
    private EmbeddedPostgres postgres;
    private boolean stopping;

    public LocalPlatform(LaunchOptions options, AsgardHome home, LauncherInfo info, PrintStream out) {
        this.options = options;
        this.home = home;
        this.info = info;
        this.out = out;
    }

    /** Starts everything and returns once every readiness probe answers UP. */
    public void start() {
        long begin = System.nanoTime();
        new ArtifactBuilder(home).ensureBuilt(options.build(), out::println);
        PortChecker.requireFree(requiredPorts());
        DataLayout layout = new DataLayout(options.dataDir()).create();
        SecretStore secrets = new SecretStore(layout.secrets());
        out.println("Starting Asgard " + info.asgardVersion() + " (data in " + layout.root() + ")");

        KeycloakDistribution distribution = options.keycloak() ? keycloakDistribution(layout) : null;
        Map<String, String> keycloakEnvironment = options.keycloak() ? keycloakEnvironment(secrets) : Map.of();
        startInfrastructure(layout, secrets, distribution, keycloakEnvironment);
        postgres.createDatabaseIfMissing(DATABASE);
        InfraEndpoints infra = new InfraEndpoints(postgres.jdbcUrl(DATABASE), postgres.reactiveUrl(DATABASE),
                postgres.username(), postgres.password(), kafka.bootstrapServers(), KeycloakServer.realmUrl());

        List<Target> targets = new ArrayList<>();
        if (distribution != null) {
            ManagedProcess server = startKeycloak(distribution, keycloakEnvironment, layout);
            targets.add(new Target(server, KeycloakServer.readinessUrl(), false));
        } else {
            out.println("  Keycloak not started (--no-keycloak): the admin API stays closed (401).");
        }
        ServiceLauncher launcher = new ServiceLauncher(home, layout, infra);
        for (ServiceSpec service : ServiceSpec.ALL) {
            ManagedProcess process = launcher.start(service);
            register(() -> services.add(process), process::stop);
            targets.add(new Target(process, service.readinessUrl(), true));
        }

        new ReadinessWaiter().awaitAll(targets, options.readyTimeout(), line -> out.println("  " + line));
        if (options.keycloak()) {
            ensureRealmUsers(secrets);
        }
        out.println("Started in " + ReadinessWaiter.seconds(Duration.ofNanos(System.nanoTime() - begin)) + ".");
        new StartupReport(layout, secrets, options.keycloak(), postgres.username()).lines().forEach(out::println);
    }

    private Map<Integer, String> requiredPorts() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        ports.put(LocalPorts.POSTGRES, "PostgreSQL");
        ports.put(LocalPorts.KAFKA, "Kafka");
        ports.put(LocalPorts.KAFKA_CONTROLLER, "Kafka controller");
        if (options.keycloak()) {
            ports.put(LocalPorts.KEYCLOAK, "Keycloak");
        }
        ServiceSpec.ALL.forEach(s -> ports.put(s.port(), s.name()));
        return ports;
    }

    /**
     * Starts PostgreSQL and Kafka, and prepares Keycloak (unpack and build, first start only), all
     * three at once: none needs the others for that.
     */
    private void startInfrastructure(DataLayout layout, SecretStore secrets, KeycloakDistribution distribution,
            Map<String, String> keycloakEnvironment) {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .dataDirectory(layout.postgres())
                .port(LocalPorts.POSTGRES)
                .logFile(layout.log("postgres"))
                .password(secrets.getOrCreate(StartupReport.POSTGRES_PASSWORD))
                .build();
        KafkaBroker broker = KafkaBroker.builder()
                .dataDirectory(layout.kafka())
                .port(LocalPorts.KAFKA)
                .controllerPort(LocalPorts.KAFKA_CONTROLLER)
                .logFile(layout.log("kafka"))
                .build();
        register(() -> postgres = pg, pg);
        register(() -> kafka = broker, broker);
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
            tasks.add(CompletableFuture.runAsync(() -> timed("PostgreSQL", "ready", layout.log("postgres"), pg::start),
                    starter));
            tasks.add(CompletableFuture.runAsync(() -> timed("Kafka", "ready", layout.log("kafka"), broker::start),
                    starter));
            if (distribution != null && !distribution.isReady()) {
                out.println("  Preparing Keycloak " + info.keycloakVersion() + " (first start only: unpack and build) ...");
                tasks.add(CompletableFuture.runAsync(() -> timed("Keycloak", "prepared", layout.log("keycloak"),
                        () -> distribution.prepare(keycloakEnvironment, layout.log("keycloak"))), starter));
            }
            CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof LauncherException le ? le : new LauncherException(e.getMessage(), e);
        }
    }

    private void timed(String name, String outcome, Path logFile, Runnable task) {
        long begin = System.nanoTime();
        try {
            task.run();
        } catch (LauncherException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new LauncherException(name + " did not start: " + e.getMessage() + "\nSee " + logFile, e);
        }
        out.println("  %-17s %s after %s".formatted(name, outcome,
                ReadinessWaiter.seconds(Duration.ofNanos(System.nanoTime() - begin))));
    }

    private KeycloakDistribution keycloakDistribution(DataLayout layout) {
        return new KeycloakDistribution(home.keycloakZip(info.keycloakVersion()), info.keycloakVersion(),
                layout.keycloak());
    }

    private Map<String, String> keycloakEnvironment(SecretStore secrets) {
        return KeycloakServer.environment(System.getProperty("java.home"),
                secrets.getOrCreate(StartupReport.POSTGRES_PASSWORD), StartupReport.KEYCLOAK_ADMIN_USER,
                secrets.getOrCreate(StartupReport.KEYCLOAK_ADMIN_PASSWORD));
    }

    private ManagedProcess startKeycloak(KeycloakDistribution distribution, Map<String, String> environment,
            DataLayout layout) {
        postgres.createDatabaseIfMissing(KEYCLOAK_DATABASE);
        ManagedProcess server = new KeycloakServer(distribution).start(postgres.jdbcUrl(KEYCLOAK_DATABASE),
                postgres.username(), environment, layout.log("keycloak"));
        register(() -> keycloak = server, server::stop);
        return server;
    }

    private void ensureRealmUsers(SecretStore secrets) {
        KeycloakAdminClient admin = new KeycloakAdminClient(LocalPorts.keycloakUrl())
                .login(StartupReport.KEYCLOAK_ADMIN_USER, secrets.getOrCreate(StartupReport.KEYCLOAK_ADMIN_PASSWORD));
        admin.ensureUser(KeycloakServer.REALM, new RealmUser("admin", secrets.getOrCreate(StartupReport.ADMIN_PASSWORD),
                "asgard-admin", "Asgard", "Administrator"));
        admin.ensureUser(KeycloakServer.REALM, new RealmUser("viewer", secrets.getOrCreate(StartupReport.VIEWER_PASSWORD),
                "asgard-viewer", "Asgard", "Viewer"));
    }

    /**
     * Records a started component so that {@link #close()} stops it; when a stop is already under
     * way (Ctrl-C during start-up), stops it at once instead.
     */
    private synchronized void register(Runnable record, AutoCloseable component) {
        if (stopping) {
            stopQuietly("late component", component);
            throw new LauncherException("Stopped while starting.");
        }
        record.run();
    }

    /**
     * Watches the started processes until the JVM shuts down, reporting any that ends on its own
     * (the others keep running; Ctrl-C stops everything). Never returns normally.
     */
    public void watch() throws InterruptedException {
        List<ManagedProcess> watched = new ArrayList<>(services);
        if (keycloak != null) {
            watched.add(keycloak);
        }
        while (true) {
            Thread.sleep(1000);
            for (ManagedProcess process : List.copyOf(watched)) {
                if (!process.isAlive() && !isStopping()) {
                    out.println("WARNING: " + process.name() + " exited (code " + process.exitCode().orElse(-1)
                            + "); see " + process.logFile());
                    watched.remove(process);
                }
            }
        }
    }

    /** Whether {@link #close()} has begun. */
    public synchronized boolean isStopping() {
        return stopping;
    }

    /** Stops everything that was started, in reverse order. Safe to call more than once and from a shutdown hook. */
    @Override
    public void close() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        if (postgres == null) {
            return;
        }
        out.println("Stopping Asgard ...");
        if (!services.isEmpty()) {
            stopInParallel(services);
        }
        if (keycloak != null) {
            stopQuietly("Keycloak", keycloak::stop);
        }
        if (kafka != null) {
            stopQuietly("Kafka", kafka);
        }
        stopQuietly("PostgreSQL", postgres);
        killLeftovers();
        out.println("Stopped.");
    }

    private void stopInParallel(List<ManagedProcess> processes) {
        try (ExecutorService stopper = Executors.newVirtualThreadPerTaskExecutor()) {
            processes.forEach(p -> stopper.submit(() -> stopQuietly(p.name(), p::stop)));
        }
    }

    private void stopQuietly(String name, AutoCloseable component) {
        try {
            component.close();
        } catch (Exception e) {
            out.println("WARNING: stopping " + name + " failed: " + e.getMessage());
        }
    }

    private void killLeftovers() {
        List<ProcessHandle> leftovers = ProcessHandle.current().descendants().filter(ProcessTree::isRunning).toList();
        if (!leftovers.isEmpty()) {
            out.println("WARNING: killing " + leftovers.size() + " process(es) that did not stop: "
                    + leftovers.stream().map(p -> Long.toString(p.pid())).toList());
            ProcessTree.terminate(leftovers, Duration.ofSeconds(2));
        }
    }
}
