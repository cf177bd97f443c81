package dev.asgard.backup.service;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.restic.ResticExecution;

/**
 * Streams {@code pg_dump} into a running {@code restic backup --stdin}. Connection settings and the password go
 * to pg_dump only through its environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE), never its
 * command line. If pg_dump fails, restic is stopped with SIGINT before its input ends, so a truncated dump never
 * becomes a snapshot.
 */
final class PgDumpStream {

    private static final List<String> INHERITED = List.of("PATH", "HOME", "TMPDIR", "LANG", "TZ");
    private static final int MAX_STDERR = 16 * 1024;

    private final Process process;
    private final StringBuilder stderr = new StringBuilder();
    private final Thread stderrPump;
    private volatile Thread pump;
    private volatile Integer exitCode;

    private PgDumpStream(Process process) {
        this.process = process;
        this.stderrPump = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (stderr) {
                        if (stderr.length() < MAX_STDERR) {
                            stderr.append(line).append('\n');
                        }
                    }
                }
            } catch (IOException e) {
                // pg_dump went away; what was read is kept.
            }
        });
    }

    /**
     * @param binary the pg_dump executable
     * @param job the pg_dump job
     * @param password the database password, or null
     * @return the running pg_dump
     * @throws IOException when it cannot start
     */
    static PgDumpStream start(String binary, BackupJob job, String password) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(binary, "--format=" + job.pgFormat, "--no-password"));
        for (String s : job.pgSchemas) {
            cmd.add("--schema=" + s);
        }
        for (String t : job.pgExcludeTables) {
            cmd.add("--exclude-table=" + t);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        Map<String, String> keep = new java.util.TreeMap<>();
        INHERITED.forEach(n -> {
            if (env.get(n) != null) {
                keep.put(n, env.get(n));
            }
        });
        env.clear();
        env.putAll(keep);
        env.put("PGHOST", job.pgHost);
        env.put("PGPORT", Integer.toString(job.pgPort));
        env.put("PGUSER", job.pgUsername);
        // The database in the environment, not --dbname: a name containing '=' would be read as a connection string.
        env.put("PGDATABASE", job.pgDatabase);
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        if (job.pgSslMode != null) {
            env.put("PGSSLMODE", job.pgSslMode);
        }
        env.put("PGAPPNAME", "asgard-backup-agent");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new PgDumpStream(pb.start());
    }

    /**
     * Copies pg_dump's output into restic's stdin on a virtual thread; closes restic's stdin when pg_dump succeeded,
     * or stops restic first when it failed.
     *
     * @param restic the running {@code restic backup --stdin}
     */
    void feed(ResticExecution restic) {
        pump = Thread.ofVirtual().name("pg-dump-" + process.pid()).start(() -> {
            OutputStream out = restic.stdin();
            boolean copied = false;
            try (InputStream in = process.getInputStream()) {
                in.transferTo(out);
                copied = true;
            } catch (IOException e) {
                // restic stopped reading (cancelled or failed): pg_dump is of no use any more.
                process.destroy();
            }
            try {
                int code = process.waitFor();
                exitCode = code;
                if (code != 0 || !copied) {
                    restic.cancel();
                    restic.result().get(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                restic.cancel();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // restic's own result tells what happened.
            }
            try {
                out.close();
            } catch (IOException e) {
                // restic already exited.
            }
        });
    }

    /**
     * Waits for the pump and pg_dump.
     *
     * @return pg_dump's exit code (-1 when it was killed)
     * @throws InterruptedException when interrupted
     */
    int await() throws InterruptedException {
        if (pump != null) {
            pump.join();
        }
        stderrPump.join(5_000);
        return exitCode == null ? process.waitFor() : exitCode;
    }

    /** Stops pg_dump if it still runs. */
    void stop() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    /** @return the most telling stderr line */
    String message() {
        String all;
        synchronized (stderr) {
            all = stderr.toString();
        }
        String best = "";
        for (String line : all.split("\\R")) {
            if (line.contains("error") || line.contains("FATAL")) {
                return line.strip();
            }
            if (!line.isBlank()) {
                best = line.strip();
            }
        }
        return best.isEmpty() ? "pg_dump failed without a message" : best;
    }

    /** @return whether the failure was the database being unreachable (worth a retry) */
    boolean unreachable() {
        String m;
        synchronized (stderr) {
            m = stderr.toString().toLowerCase(Locale.ROOT);
        }
        return m.contains("could not connect") || m.contains("connection refused") || m.contains("timeout expired")
                || m.contains("could not translate host name") || m.contains("the database system is starting up")
                || m.contains("no route to host");
    }
}
