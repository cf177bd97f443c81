package dev.asgard.deploy;

import dev.asgard.deploy.process.ManagedProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts one Asgard service as its own JVM from its packaged application, configured through the
 * standard Quarkus environment variables, with its output in {@code logs/<service>.log}.
 */
public final class ServiceLauncher {

    /**
     * JVM options of every service. The {@code --add-opens} is needed on JDK 24+ (Quarkus' worker
     * threads reset thread locals through it); the heap bound keeps five services and Keycloak
     * within a laptop's memory. G1 with a 10 ms pause goal and no class unloading in its concurrent
     * cycles (the services' classes are loaded once; a full GC still unloads): with the defaults, G1's
     * young and remark pauses of 5-30 ms on a busy 2-core machine were the p99 of heartbeats and device
     * lists (docs/benchmarks.md, registry runs 8-10: heartbeats at 5 000/s p99 18-20 ms with the defaults,
     * 8 ms with these; ZGC gave 6-11 ms but ~50 % more resident memory).
     */
    public static final String JVM_OPTIONS_TEXT = "--add-opens java.base/java.lang=ALL-UNNAMED -Xms64m -Xmx384m"
            + " -XX:MaxGCPauseMillis=10 -XX:-ClassUnloadingWithConcurrentMark -XX:+ExitOnOutOfMemoryError";

    /** {@link #JVM_OPTIONS_TEXT} as arguments (the text is what the bench takes as its default). */
    static final List<String> JVM_OPTIONS = List.of(JVM_OPTIONS_TEXT.split(" "));
    private static final Duration GRACE = Duration.ofSeconds(15);

    private final AsgardHome home;
    private final DataLayout layout;
    private final InfraEndpoints infra;

    public ServiceLauncher(AsgardHome home, DataLayout layout, InfraEndpoints infra) {
        this.home = home;
        this.layout = layout;
        this.infra = infra;
    }

    /** Starts the service; it becomes ready later (see {@link ReadinessWaiter}). */
    public ManagedProcess start(ServiceSpec service) {
        return ManagedProcess.start(service.name(), command(service), environment(service),
                layout.services().resolve(service.name()), layout.log(service.name()), GRACE);
    }

    List<String> command(ServiceSpec service) {
        List<String> command = new ArrayList<>();
        command.add(ManagedProcess.javaExecutable().toString());
        command.addAll(JVM_OPTIONS);
        command.add("-jar");
        command.add(home.serviceJar(service).toString());
        return command;
    }

    Map<String, String> environment(ServiceSpec service) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", LocalPorts.HOST);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(service.port()));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", infra.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", infra.reactiveUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", infra.databaseUser());
        env.put("QUARKUS_DATASOURCE_PASSWORD", infra.databasePassword());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        env.put("QUARKUS_OIDC_AUTH_SERVER_URL", infra.oidcServerUrl());
        // The registry's master key (it seals the device-token signing keys) is generated on first start
        // and kept with the other local secrets, so a second start can open the keys sealed by the first.
        env.put("ASGARD_REGISTRY_SIGNING_KEYS_GENERATED_MASTER_KEY_FILE",
                layout.secrets().resolve("registry-master.key").toString());
        if ("backup-agent".equals(service.name())) {
            // Restores write only under the data folder's restores/ unless configured otherwise.
            env.put("ASGARD_BACKUP_RESTORE_ALLOWED_ROOTS", layout.restores().toString());
        }
        // Plain-text logs: the files under logs/ are read by people. Production keeps JSON logs; the
        // prefixed form is needed because a %prod setting outranks an unprofiled one.
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("_PROD_QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        return env;
    }
}
