package dev.asgard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The backup-agent's admin REST API as the bench uses it: repositories, jobs, runs, a run's Server-Sent Events and
 * cancel, with an admin token signed by the bench.
 */
final class BackupAgentApi {

    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED", "INTERRUPTED");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TOKEN_LIFE = Duration.ofMinutes(30);

    private final String baseUrl;
    private final AdminTokens admin;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private String token;
    private long tokenNanos;

    BackupAgentApi(String baseUrl, AdminTokens admin) {
        this.baseUrl = baseUrl;
        this.admin = admin;
    }

    /** @return the id of a new local repository, initialised ({@code POST /repositories}, then {@code /init}) */
    String localRepository(String name, String path, String password) {
        JsonNode repo = send("POST", "/api/v1/repositories", Map.of("name", name, "backend", "local", "url", path,
                "password", password), 201);
        String id = repo.path("id").asText();
        send("POST", "/api/v1/repositories/" + id + "/init", null, 200);
        return id;
    }

    void deleteRepository(String id) {
        send("DELETE", "/api/v1/repositories/" + id, null, 204);
    }

    /** @return the id of a new job without schedule, retention or retries, backing up {@code paths} */
    String job(String name, String repositoryId, List<String> paths) {
        JsonNode job = send("POST", "/api/v1/jobs", Map.of("name", name, "repositoryId", repositoryId, "paths", paths,
                "retryPolicy", Map.of("maxAttempts", 1)), 201);
        return job.path("id").asText();
    }

    void deleteJob(String id) {
        send("DELETE", "/api/v1/jobs/" + id, null, 204);
    }

    /** @return the run as the 202 answer shows it */
    JsonNode startRun(String jobId) {
        return send("POST", "/api/v1/jobs/" + jobId + "/runs", null, 202);
    }

    /** @return the run as the answer shows it (CANCELLING, or already ended) */
    JsonNode cancel(String runId) {
        return send("POST", "/api/v1/runs/" + runId + "/cancel?reason=bench", null, 200);
    }

    JsonNode run(String runId) {
        return send("GET", "/api/v1/runs/" + runId, null, 200);
    }

    /** Follows {@code GET /runs/{id}/events} on a virtual thread until the stream ends or {@link Watch#close()}. */
    Watch watch(String runId) {
        HttpRequest request = request("/api/v1/runs/" + runId + "/events").header("Accept", "text/event-stream")
                .GET().build();
        Watch watch = new Watch();
        watch.reader = Thread.ofVirtual().name("sse-" + runId).start(() -> {
            try {
                HttpResponse<Stream<String>> response = http.send(request, HttpResponse.BodyHandlers.ofLines());
                if (response.statusCode() != 200) {
                    watch.failure = "SSE answered " + response.statusCode();
                    return;
                }
                watch.body = response.body();
                StringBuilder data = new StringBuilder();
                for (String line : (Iterable<String>) watch.body::iterator) {
                    if (line.startsWith("data:")) {
                        data.append(line.substring(5).strip());
                    } else if (line.isEmpty() && !data.isEmpty()) {
                        watch.events.add(new Event(System.nanoTime(), JSON.readTree(data.toString())));
                        watch.received.incrementAndGet();
                        data.setLength(0);
                    }
                }
            } catch (IOException e) {
                if (!watch.closed) {
                    watch.failure = "SSE failed: " + e.getMessage();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!watch.closed) {
                    watch.failure = "SSE failed: " + e;
                }
            }
        });
        return watch;
    }

    /**
     * @param nanos {@link System#nanoTime()} when the bench received it
     * @param run the run view it carried
     */
    record Event(long nanos, JsonNode run) {

        String state() {
            return run.path("state").asText();
        }
    }

    /** One run's event stream. */
    static final class Watch implements AutoCloseable {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        final AtomicInteger received = new AtomicInteger();
        volatile Thread reader;
        volatile Stream<String> body;
        volatile String failure;
        volatile boolean closed;

        /** @return the first event (from now on) that matches, or throws after the timeout */
        Event await(Predicate<Event> condition, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                Event e = events.poll(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200))),
                        TimeUnit.NANOSECONDS);
                if (e != null && condition.test(e)) {
                    return e;
                }
                if (e == null && failure != null) {
                    throw new IllegalStateException(failure);
                }
                if (e == null && left <= 0) {
                    throw new IllegalStateException("No matching run event within " + timeout);
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            Stream<String> b = body;
            if (b != null) {
                b.close();
            }
            if (reader != null) {
                reader.interrupt();
            }
        }
    }

    private JsonNode send(String method, String path, Object body, int expected) {
        try {
            HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            HttpRequest request = request(path).header("Content-Type", "application/json")
                    .method(method, publisher).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != expected) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + token());
    }

    private synchronized String token() {
        if (token == null || System.nanoTime() - tokenNanos > TOKEN_LIFE.toNanos()) {
            token = admin.admin();
            tokenNanos = System.nanoTime();
        }
        return token;
    }
}
