package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.asgard.deploy.ReadinessWaiter.Target;
import dev.asgard.deploy.process.ManagedProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Polls real HTTP endpoints and watches real processes. */
class ReadinessWaiterTest {

    @TempDir
    Path dir;

    private final List<ManagedProcess> processes = new ArrayList<>();
    private HttpServer server;

    @AfterEach
    void cleanUp() {
        processes.forEach(ManagedProcess::stop);
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void returnsOnceTheHealthEndpointSaysUp() throws IOException {
        String url = serve(200, "{\"status\": \"UP\", \"checks\": []}");
        Map<String, Duration> ready = new ReadinessWaiter().awaitAll(
                List.of(new Target(sleeper("lock-service"), url, true)), Duration.ofSeconds(20), line -> { });
        assertEquals(List.of("lock-service"), List.copyOf(ready.keySet()));
    }

    @Test
    void processThatExitsFailsAtOnceWithTheEndOfItsLog() {
        ManagedProcess process = start("registry-service", "echo 'Flyway: schema registry is broken'; exit 3");
        LauncherException e = assertThrows(LauncherException.class, () -> new ReadinessWaiter().awaitAll(
                List.of(new Target(process, "http://127.0.0.1:" + closedPort() + "/q/health/ready", true)),
                Duration.ofMinutes(5), line -> { }));
        assertTrue(e.getMessage().startsWith("registry-service exited (code 3) before it became ready"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("registry-service.log").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("Flyway: schema registry is broken"), e.getMessage());
    }

    @Test
    void timeoutNamesWhatIsNotReadyWithItsLastAnswerAndLog() throws IOException {
        String url = serve(503, "{\"status\": \"DOWN\", \"checks\": [{\"name\": \"Kafka\", \"status\": \"DOWN\"}]}");
        LauncherException e = assertThrows(LauncherException.class, () -> new ReadinessWaiter().awaitAll(
                List.of(new Target(sleeper("backup-agent"), url, true)), Duration.ofSeconds(1), line -> { }));
        assertTrue(e.getMessage().startsWith("Not ready after 1 s:"), e.getMessage());
        assertTrue(e.getMessage().contains("backup-agent: " + url + " -> HTTP 503"), e.getMessage());
        assertTrue(e.getMessage().contains("\"name\": \"Kafka\""), e.getMessage());
        assertTrue(e.getMessage().contains("log: " + dir.resolve("backup-agent.log")), e.getMessage());
    }

    @Test
    void anyOkAnswerIsEnoughWhenTheTargetIsNotAHealthEndpoint() throws IOException {
        String url = serve(200, "{\"issuer\": \"http://127.0.0.1:8180/realms/asgard\"}");
        Map<String, Duration> ready = new ReadinessWaiter().awaitAll(
                List.of(new Target(sleeper("keycloak"), url, false)), Duration.ofSeconds(20), line -> { });
        assertEquals(1, ready.size());
    }

    private ManagedProcess sleeper(String name) {
        return start(name, "sleep 300");
    }

    private ManagedProcess start(String name, String script) {
        ManagedProcess process = ManagedProcess.start(name, List.of("sh", "-c", script), Map.of(), dir,
                dir.resolve(name + ".log"), Duration.ofSeconds(2));
        processes.add(process);
        return process;
    }

    private String serve(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/q/health/ready", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/q/health/ready";
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
