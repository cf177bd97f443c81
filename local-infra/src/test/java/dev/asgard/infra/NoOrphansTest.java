package dev.asgard.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The servers die with the JVM that started them, however that JVM ends. */
class NoOrphansTest {

    @Test
    void postgresAndKafkaDieWhenTheirJvmIsKilledWithSigkill() throws Exception {
        Process helper = helper(List.of(), "servers");
        try {
            awaitLine(helper, "READY", Duration.ofMinutes(3));
            List<ProcessHandle> children = helper.descendants().toList();
            assertTrue(children.stream().anyMatch(p -> command(p).endsWith("/bin/postgres")),
                    "postgres runs under the helper: " + describe(children));
            assertTrue(children.stream().anyMatch(p -> command(p).endsWith("/bin/java")),
                    "the Kafka JVM runs under the helper: " + describe(children));
            List<Path> tempDirs = TestProcesses.tempDirectoriesOf(helper.pid());
            assertEquals(2, tempDirs.size(), tempDirs.toString());

            helper.destroyForcibly();
            assertTrue(helper.waitFor(10, TimeUnit.SECONDS));

            List<ProcessHandle> left = TestProcesses.awaitGone(children, Duration.ofSeconds(30));
            assertTrue(left.isEmpty(), "still running after the parent was killed: " + describe(left));

            // A killed JVM cannot delete its directories; the next start on this machine does.
            TempDirectories.sweepStale();
            tempDirs.forEach(dir -> assertFalse(Files.exists(dir), dir + " is swept"));
        } finally {
            helper.destroyForcibly();
        }
    }

    @Test
    void postgresCanRunAsNobodyThroughSetprivWhenStartedByRoot(@TempDir Path dir) throws Exception {
        assumeTrue(isRoot(dir), "only root needs another OS user for PostgreSQL");
        // JUnit makes the folder private to root; nobody must be able to pass through it.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process helper = helper(List.of("-D" + PostgresRunAs.MODE_PROPERTY + "=setpriv"), "pg-roundtrip",
                dir.resolve("pg").toString());
        try {
            String line = awaitLine(helper, "OK", Duration.ofMinutes(2));
            assertEquals("OK SETPRIV kept", line);
            assertNotEquals(0, Files.getAttribute(dir.resolve("pg/pgdata"), "unix:uid"),
                    "the data directory belongs to nobody, not root");
        } finally {
            helper.destroyForcibly();
        }
    }

    private static Process helper(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServersHelperMain.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Returns the first output line starting with {@code prefix}; fails with the whole output otherwise. */
    private static String awaitLine(Process process, String prefix, Duration timeout) throws InterruptedException {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // The process was killed; what was read is enough.
            }
            lines.add("<end of output>");
        });
        reader.setDaemon(true);
        reader.start();
        StringBuilder output = new StringBuilder();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                continue;
            }
            if (line.startsWith(prefix)) {
                return line;
            }
            output.append(line).append('\n');
            if (line.equals("<end of output>")) {
                break;
            }
        }
        return fail("The helper JVM did not print " + prefix + ". Its output:\n" + output);
    }

    private static boolean isRoot(Path dir) throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(dir, "unix:uid"));
    }

    private static String command(ProcessHandle process) {
        return process.info().command().orElse("");
    }

    private static String describe(List<ProcessHandle> processes) {
        return processes.stream().map(TestProcesses::describe).toList().toString();
    }
}
