package dev.asgard.backup.restic;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

/**
 * A running restic process. Stdout lines go to a listener (progress) or are kept; stderr is captured for
 * classification. {@link #cancel()} sends SIGINT so restic removes its lock and exits by itself.
 */
public final class ResticExecution {

    private static final Logger LOG = Logger.getLogger(ResticExecution.class);

    private enum Stop { NONE, CANCELLED, TIMED_OUT }

    private final Process process;
    private final long startNanos = System.nanoTime();
    private final Duration gracePeriod;
    private final AtomicReference<Stop> stop = new AtomicReference<>(Stop.NONE);
    private final List<String> kept = Collections.synchronizedList(new ArrayList<>());
    private final Object listenerLock = new Object();
    private final StringBuilder stderr = new StringBuilder();
    private final CompletableFuture<ResticResult> result = new CompletableFuture<>();
    private final Thread stdoutPump;
    private final Thread stderrPump;

    ResticExecution(Process process, Consumer<String> lineListener, Duration timeout, Duration gracePeriod) {
        this.process = process;
        this.gracePeriod = gracePeriod;
        this.stdoutPump = Thread.ofVirtual().name("restic-stdout-" + process.pid())
                .start(() -> pump(process.getInputStream(), line -> {
                    if (lineListener == null || !deliver(lineListener, line)) {
                        if (kept.size() < ResticRunner.MAX_KEPT_LINES) {
                            kept.add(line);
                        }
                    }
                }));
        this.stderrPump = Thread.ofVirtual().name("restic-stderr-" + process.pid())
                .start(() -> pump(process.getErrorStream(), line -> {
                    appendStderr(line);
                    // restic --json writes its per-file error objects to stderr (0.14: "could not read"), not to
                    // stdout: the listener gets them too, so unreadable files are seen as they happen.
                    if (lineListener != null && line.startsWith("{") && line.contains("\"message_type\":\"error\"")) {
                        deliver(lineListener, line);
                    }
                }));
        Thread.ofVirtual().name("restic-wait-" + process.pid()).start(() -> awaitExit(timeout));
    }

    /** Lines reach the listener one at a time, from the stdout and the stderr pump alike. */
    private boolean deliver(Consumer<String> listener, String line) {
        try {
            synchronized (listenerLock) {
                listener.accept(line);
            }
            return true;
        } catch (RuntimeException e) {
            LOG.debugf(e, "restic line listener failed");
            return true;
        }
    }

    private void appendStderr(String line) {
        synchronized (stderr) {
            if (stderr.length() < ResticRunner.MAX_STDERR_CHARS) {
                stderr.append(line).append('\n');
            }
        }
    }

    private static void pump(InputStream in, Consumer<String> sink) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                sink.accept(line);
            }
        } catch (IOException e) {
            // The process went away; what was read is kept.
        }
    }

    private void awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                if (stop.compareAndSet(Stop.NONE, Stop.TIMED_OUT)) {
                    interrupt();
                }
            }
            int exit = process.waitFor();
            stdoutPump.join();
            stderrPump.join();
            String err;
            synchronized (stderr) {
                err = stderr.toString();
            }
            ResticOutcome outcome = switch (stop.get()) {
                case CANCELLED -> ResticOutcome.CANCELLED;
                case TIMED_OUT -> ResticOutcome.TIMED_OUT;
                case NONE -> ResticFailure.classify(exit, err);
            };
            result.complete(new ResticResult(exit, outcome, List.copyOf(kept), err,
                    Duration.ofNanos(System.nanoTime() - startNanos)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            result.completeExceptionally(e);
        }
    }

    /** @return restic's stdin, for executions started with {@link ResticRunner#startPiped} */
    public java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    /** @return the process id */
    public long pid() {
        return process.pid();
    }

    /** @return completes when restic has exited and its output is read */
    public CompletableFuture<ResticResult> result() {
        return result;
    }

    /**
     * @return the result, waiting for restic to exit
     * @throws InterruptedException when interrupted
     */
    public ResticResult await() throws InterruptedException {
        try {
            return result.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("restic execution failed", e.getCause());
        }
    }

    /**
     * Asks restic to stop: SIGINT (restic then removes its lock and exits), and if it is still running after
     * the grace period, SIGTERM, then SIGKILL (both may leave a stale lock: restic 0.14 handles only SIGINT, so
     * the grace period should be generous; an upload throttled by --limit-upload delays the exit by seconds). Returns at once; {@link #result()} completes with
     * {@link ResticOutcome#CANCELLED}.
     */
    public void cancel() {
        if (stop.compareAndSet(Stop.NONE, Stop.CANCELLED)) {
            Thread.ofVirtual().name("restic-cancel-" + process.pid()).start(this::interrupt);
        }
    }

    private void interrupt() {
        if (!process.isAlive()) {
            return;
        }
        // Java has no SIGINT API: Process.destroy() is SIGTERM, which restic 0.14 does not catch (it would die
        // holding its lock). kill(1) with the pid sends the signal restic handles like Ctrl-C.
        sendSigint(process.pid());
        try {
            if (!process.waitFor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("restic (pid %d) ignored SIGINT for %s: terminating it", process.pid(), gracePeriod);
                process.destroy();
                if (!process.waitFor(1, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static void sendSigint(long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warnf("cannot send SIGINT to restic (pid %d): %s", pid, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
