package dev.asgard.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asgard.deploy.process.LogTail;
import dev.asgard.deploy.process.ManagedProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Polls readiness URLs until every one answers "ready", failing fast when a process dies on the way
 * and, after the timeout, naming whatever is still not ready together with its log.
 */
public final class ReadinessWaiter {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(500);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final int LOG_LINES = 15;

    /**
     * Something to wait for.
     *
     * @param process the process that should become ready
     * @param url the URL to poll
     * @param smallRyeHealth true for a SmallRye Health endpoint (200 with status UP), false when any 200 will do
     */
    public record Target(ManagedProcess process, String url, boolean smallRyeHealth) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Waits until every target is ready.
     *
     * @param progress told "name ready after N s" (counted from the process' start) as each target becomes ready
     * @return the time each target took from its start, by process name, in the order they became ready
     * @throws LauncherException when a process ends or the timeout passes first
     */
    public Map<String, Duration> awaitAll(List<Target> targets, Duration timeout, Consumer<String> progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Duration> readyAfter = new LinkedHashMap<>();
        Map<Target, String> lastAnswer = new LinkedHashMap<>();
        List<Target> pending = new ArrayList<>(targets);
        while (!pending.isEmpty()) {
            for (Target target : List.copyOf(pending)) {
                failIfEnded(target);
                String answer = probe(target);
                if (answer == null) {
                    Duration took = target.process().age();
                    readyAfter.put(target.process().name(), took);
                    progress.accept("%-17s ready after %s".formatted(target.process().name(), seconds(took)));
                    pending.remove(target);
                } else {
                    lastAnswer.put(target, answer);
                }
            }
            if (pending.isEmpty()) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw timedOut(pending, lastAnswer, timeout);
            }
            sleep();
        }
        return readyAfter;
    }

    /** Returns null when ready, otherwise a short description of the answer. */
    String probe(Target target) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(target.url())).timeout(REQUEST_TIMEOUT).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200 && (!target.smallRyeHealth() || isUp(response.body()))) {
                return null;
            }
            return "HTTP " + response.statusCode() + " " + abbreviate(response.body());
        } catch (IOException e) {
            return "no answer (" + e.getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted while waiting for " + target.process().name());
        }
    }

    private boolean isUp(String body) {
        try {
            return "UP".equals(json.readTree(body).path("status").asText());
        } catch (IOException e) {
            return false;
        }
    }

    private static void failIfEnded(Target target) {
        ManagedProcess process = target.process();
        if (!process.isAlive()) {
            throw new LauncherException(process.name() + " exited (code " + process.exitCode().orElse(-1)
                    + ") before it became ready. Last lines of " + process.logFile() + ":\n" + tail(process));
        }
    }

    private static LauncherException timedOut(List<Target> pending, Map<Target, String> lastAnswer, Duration timeout) {
        StringBuilder message = new StringBuilder("Not ready after " + timeout.toSeconds() + " s:");
        for (Target target : pending) {
            message.append("\n  ").append(target.process().name()).append(": ").append(target.url()).append(" -> ")
                    .append(lastAnswer.getOrDefault(target, "not asked yet"))
                    .append("\n  log: ").append(target.process().logFile()).append("\n").append(tail(target.process()));
        }
        message.append("\nA slow machine may need more time: --timeout SECONDS.");
        return new LauncherException(message.toString());
    }

    private static String tail(ManagedProcess process) {
        List<String> lines = LogTail.lastLines(process.logFile(), LOG_LINES);
        return lines.isEmpty() ? "    (log is empty)" : "    " + String.join("\n    ", lines);
    }

    private static String abbreviate(String body) {
        String flat = body.replaceAll("\\s+", " ").strip();
        return flat.length() > 200 ? flat.substring(0, 197) + "..." : flat;
    }

    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL_INTERVAL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted while waiting for readiness");
        }
    }
}
