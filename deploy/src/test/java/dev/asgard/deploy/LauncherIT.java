package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asgard.deploy.process.ProcessTree;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Runs the packaged launcher as a user would ({@code java -jar deploy/target/asgard-launcher.jar}):
 * real PostgreSQL, Kafka, Keycloak and the five packaged services on their standard ports. The
 * steps build on each other: start, use, stop with SIGTERM, start again on the same data without
 * Keycloak, and end that run with SIGKILL.
 *
 * <p>Needs the services packaged (the reactor builds them before this module) and ports 8081-8085,
 * 8180, 15432, 19092 and 19093 free.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherIT {

    private static final Duration FIRST_START = Duration.ofMinutes(8);
    private static final Duration STOP = Duration.ofMinutes(2);
    private static final String MARKER_TOPIC = "asgard.launcher-it.marker";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String marker = UUID.randomUUID().toString();

    private Path launcherJar;
    private Path work;
    private Path dataDir;
    private LauncherRun run;
    private String firstRunAdminToken;

    @BeforeAll
    void preconditions() throws IOException {
        launcherJar = Path.of(System.getProperty("asgard.launcher.jar", "target/asgard-launcher.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(launcherJar), "the launcher is packaged: " + launcherJar);
        AsgardHome home = AsgardHome.locate();
        List<String> missing = ServiceSpec.ALL.stream().filter(s -> !Files.isRegularFile(home.serviceJar(s)))
                .map(ServiceSpec::name).toList();
        if (!missing.isEmpty()) {
            fail("LauncherIT runs the packaged services; build them first (./mvnw install). Missing: " + missing);
        }
        try {
            PortChecker.requireFree(allPorts());
        } catch (LauncherException e) {
            fail("LauncherIT needs the platform's standard ports. " + e.getMessage());
        }
        work = Path.of(System.getProperty("asgard.it.work", "target/launcher-it")).toAbsolutePath();
        dataDir = work.resolve("data");
        deleteTree(dataDir);
    }

    @AfterAll
    void stopWhatIsLeft() {
        if (run != null && run.process().isAlive()) {
            ProcessTree.terminate(run.process().toHandle(), Duration.ofSeconds(30));
        }
    }

    @Test
    @Order(1)
    void firstStartBringsUpEveryServiceAndKeycloak() throws Exception {
        run = LauncherRun.start(launcherJar, work.resolve("first-run.txt"), "start", "--no-build", "--data-dir",
                dataDir.toString());
        run.awaitLine(StartupReport.READY_LINE::equals, FIRST_START);

        for (ServiceSpec service : ServiceSpec.ALL) {
            HttpResponse<String> ready = get(service.readinessUrl(), null);
            assertEquals(200, ready.statusCode(), service.name() + " readiness: " + ready.body());
            assertEquals("UP", json.readTree(ready.body()).path("status").asText(), service.name());
        }
        assertEquals(200, get("http://127.0.0.1:8180/realms/asgard/.well-known/openid-configuration", null).statusCode());
        for (String secret : List.of("admin-password", "viewer-password", "postgres-password", "keycloak-admin-password")) {
            assertEquals(PosixFilePermissions.fromString("rw-------"),
                    Files.getPosixFilePermissions(dataDir.resolve("secrets").resolve(secret)), secret);
        }
    }

    @Test
    @Order(2)
    void keycloakTokenOpensTheAdminApiAndNoTokenGets401() throws Exception {
        firstRunAdminToken = token("admin", secret("admin-password"));
        String viewerToken = token("viewer", secret("viewer-password"));
        for (ServiceSpec service : ServiceSpec.ALL) {
            HttpResponse<String> about = get(service.aboutUrl(), firstRunAdminToken);
            assertEquals(200, about.statusCode(), service.name() + " with an admin token: " + about.body());
            assertTrue(about.body().contains(service.name()), about.body());
            assertEquals(401, get(service.aboutUrl(), null).statusCode(), service.name() + " without a token");
        }
        assertEquals(200, get(ServiceSpec.ALL.get(0).aboutUrl(), viewerToken).statusCode(), "viewer reads");
    }

    @Test
    @Order(3)
    void printedTokenCommandWorksAsPrinted() throws Exception {
        String command = run.awaitLine(line -> line.startsWith("  TOKEN=$(curl "), Duration.ZERO).strip();
        Process shell = new ProcessBuilder("bash", "-c", command + "; printf %s \"$TOKEN\"").start();
        String token = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, shell.waitFor());
        assertEquals(200, get(ServiceSpec.ALL.get(0).aboutUrl(), token).statusCode(), "token from: " + command);
    }

    @Test
    @Order(4)
    void dataWrittenNowIsStoredInPostgresAndKafka() throws Exception {
        try (Connection db = database(); Statement sql = db.createStatement()) {
            sql.execute("CREATE TABLE launcher_it_marker (value text primary key)");
            sql.execute("INSERT INTO launcher_it_marker VALUES ('" + marker + "')");
        }
        try (Admin admin = Admin.create(kafkaProperties())) {
            admin.createTopics(List.of(new NewTopic(MARKER_TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafkaProperties(), new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(MARKER_TOPIC, "marker", marker)).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(5)
    void sigtermStopsEverythingAndLeavesNoProcess() throws Exception {
        List<ProcessHandle> tree = runningTree(true);

        run.process().destroy();

        assertTrue(run.process().waitFor(STOP.toSeconds(), TimeUnit.SECONDS), "the launcher exits after SIGTERM");
        assertEquals(143, run.process().exitValue(), "exit code after SIGTERM and an orderly stop");
        assertNotNull(run.awaitLine("Stopped."::equals, Duration.ZERO));
        expectNothingLeft(tree, Duration.ofSeconds(10));
    }

    @Test
    @Order(6)
    void secondStartWithoutKeycloakFindsTheDataAndKeepsTheAdminApiClosed() throws Exception {
        run = LauncherRun.start(launcherJar, work.resolve("second-run.txt"), "start", "--no-build", "--no-keycloak",
                "--data-dir", dataDir.toString());
        run.awaitLine(StartupReport.READY_LINE::equals, FIRST_START);
        assertNotNull(run.awaitLine(line -> line.contains("The admin API is CLOSED"), Duration.ZERO));

        try (Connection db = database(); Statement sql = db.createStatement();
                ResultSet rows = sql.executeQuery("SELECT value FROM launcher_it_marker")) {
            assertTrue(rows.next(), "the row written in the first run is still there");
            assertEquals(marker, rows.getString(1));
        }
        assertEquals(marker, readMarkerRecord(), "the Kafka record written in the first run is still there");

        for (ServiceSpec service : ServiceSpec.ALL) {
            assertEquals(200, get(service.readinessUrl(), null).statusCode(), service.name());
            assertEquals(401, get(service.aboutUrl(), null).statusCode(), service.name() + " without a token");
            assertEquals(401, get(service.aboutUrl(), firstRunAdminToken).statusCode(),
                    service.name() + " must not accept a token it cannot verify");
        }
    }

    @Test
    @Order(7)
    void sigkillOfTheLauncherTakesEveryChildWithIt() throws Exception {
        List<ProcessHandle> tree = runningTree(false);

        run.process().destroyForcibly();

        assertTrue(run.process().waitFor(30, TimeUnit.SECONDS));
        // No shutdown code runs on SIGKILL: the guards and the PostgreSQL/Kafka watchdogs see their
        // pipe from the launcher close and end their processes (services get their grace period).
        expectNothingLeft(tree, Duration.ofSeconds(40));
    }

    /** The launcher's current process tree, after checking that it holds what it should. */
    private List<ProcessHandle> runningTree(boolean withKeycloak) {
        List<ProcessHandle> tree = run.process().toHandle().descendants().toList();
        assertTrue(count(tree, "quarkus-run.jar") >= ServiceSpec.ALL.size() + (withKeycloak ? 1 : 0),
                "the services (and Keycloak) run under the launcher: " + describe(tree));
        assertTrue(count(tree, "postgres") >= 1, "PostgreSQL runs under the launcher: " + describe(tree));
        assertTrue(count(tree, "kafka") >= 1, "Kafka runs under the launcher: " + describe(tree));
        return tree;
    }

    private static void expectNothingLeft(List<ProcessHandle> tree, Duration wait) {
        if (!ProcessTree.awaitGone(tree, wait)) {
            fail("processes survived the launcher: " + describe(tree.stream().filter(ProcessTree::isRunning).toList()));
        }
        for (Map.Entry<Integer, String> port : allPorts().entrySet()) {
            assertTrue(PortChecker.isFree(port.getKey()), port.getValue() + " released port " + port.getKey());
        }
    }

    private static Map<Integer, String> allPorts() {
        Map<Integer, String> ports = new LinkedHashMap<>();
        ServiceSpec.ALL.forEach(s -> ports.put(s.port(), s.name()));
        ports.put(LocalPorts.KEYCLOAK, "Keycloak");
        ports.put(LocalPorts.POSTGRES, "PostgreSQL");
        ports.put(LocalPorts.KAFKA, "Kafka");
        ports.put(LocalPorts.KAFKA_CONTROLLER, "Kafka controller");
        return ports;
    }

    private String token(String username, String password) throws Exception {
        String form = "grant_type=password&client_id=asgard-cli&username=" + username + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:8180/realms/asgard/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "token for " + username + ": " + response.body());
        return json.readTree(response.body()).path("access_token").asText();
    }

    private HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String secret(String name) throws IOException {
        return Files.readString(dataDir.resolve("secrets").resolve(name));
    }

    private Connection database() throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + LocalPorts.POSTGRES + "/asgard", "postgres",
                secret("postgres-password"));
    }

    private static Properties kafkaProperties() {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", LocalPorts.HOST + ":" + LocalPorts.KAFKA);
        return properties;
    }

    private static String readMarkerRecord() {
        Properties properties = kafkaProperties();
        properties.put("enable.auto.commit", "false");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties, new StringDeserializer(),
                new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(MARKER_TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    return record.value();
                }
            }
            return null;
        }
    }

    private static long count(List<ProcessHandle> processes, String commandLinePart) {
        return processes.stream().filter(p -> commandLine(p).contains(commandLinePart)).count();
    }

    private static String describe(List<ProcessHandle> processes) {
        return processes.stream().map(p -> "\n  " + p.pid() + " " + commandLine(p)).reduce("", String::concat);
    }

    private static String commandLine(ProcessHandle p) {
        return p.info().commandLine().orElseGet(() -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
                        StandardCharsets.UTF_8).replace('\0', ' ');
            } catch (IOException e) {
                return "(gone)";
            }
        });
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
