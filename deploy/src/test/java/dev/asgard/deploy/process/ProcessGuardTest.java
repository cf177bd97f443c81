package dev.asgard.deploy.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs real guard processes around real commands ({@code sleep}, {@code sh}). */
class ProcessGuardTest {

    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private Process pipeline;

    @AfterEach
    void cleanUp() {
        if (pipeline != null) {
            ProcessTree.terminate(pipeline.toHandle(), Duration.ZERO);
        }
    }

    @Test
    void stopEndsTheCommandAndTheGuard() throws Exception {
        ManagedProcess process = ManagedProcess.start("sleeper", List.of("sleep", "300"), Map.of(), dir, dir.resolve("s.log"),
                Duration.ofSeconds(5));
        ProcessHandle sleep = awaitDescendant(process.handle(), "sleep");

        process.stop();

        assertFalse(ProcessTree.isRunning(sleep), "the command is gone");
        assertFalse(process.isAlive(), "the guard is gone");
        assertTrue(Files.readString(dir.resolve("s.log")).contains("starting sleeper"), "the log has the start banner");
    }

    @Test
    void commandThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws Exception {
        ManagedProcess process = ManagedProcess.start("stubborn", List.of("sh", "-c", "trap '' TERM; sleep 300"), Map.of(),
                dir, dir.resolve("t.log"), Duration.ofSeconds(1));
        ProcessHandle sleep = awaitDescendant(process.handle(), "sleep");

        process.stop();

        assertFalse(ProcessTree.isRunning(sleep));
        assertFalse(process.isAlive());
    }

    @Test
    void commandDiesWhenTheProcessHoldingTheGuardsInputIsKilled() throws Exception {
        // 'sleep 600' stands in for the launcher: it holds the write end of the guard's input pipe.
        String guard = String.join(" ", ManagedProcess.javaExecutable().toString(), "-cp",
                System.getProperty("java.class.path"), ProcessGuard.class.getName(), "5", "sleep", "301");
        pipeline = new ProcessBuilder("sh", "-c", "sleep 600 | " + guard).start();
        ProcessHandle launcherStandIn = awaitDescendant(pipeline.toHandle(), "sleep 600");
        ProcessHandle command = awaitDescendant(pipeline.toHandle(), "sleep 301");

        launcherStandIn.destroyForcibly();

        assertTrue(pipeline.waitFor(15, java.util.concurrent.TimeUnit.SECONDS), "guard exits once its input is gone");
        assertTrue(ProcessTree.awaitGone(List.of(command), Duration.ofSeconds(5)), "the guarded command is gone");
    }

    @Test
    void terminalInterruptReachesNeitherTheGuardNorItsCommand() throws Exception {
        ManagedProcess process = ManagedProcess.start("sleeper", List.of("sleep", "300"), Map.of(), dir, dir.resolve("i.log"),
                Duration.ofSeconds(5));
        ProcessHandle sleep = awaitDescendant(process.handle(), "sleep");
        // The command exists, so the guard ignored SIGINT before starting it.
        signal("INT", process.handle().pid());
        signal("INT", sleep.pid());
        Thread.sleep(1000);

        assertTrue(process.isAlive(), "guard ignores SIGINT");
        assertTrue(ProcessTree.isRunning(sleep), "command inherits the ignored SIGINT");
        process.stop();
    }

    @Test
    void guardExitsWithTheCommandsExitCode() throws Exception {
        ManagedProcess process = ManagedProcess.start("exit7", List.of("sh", "-c", "echo hello; exit 7"), Map.of(), dir,
                dir.resolve("e.log"), Duration.ofSeconds(5));
        assertTrue(process.awaitExit(STARTUP));
        assertEquals(Optional.of(7), process.exitCode());
        assertTrue(Files.readString(dir.resolve("e.log")).contains("hello"), "command output goes to the log");
    }

    private static ProcessHandle awaitDescendant(ProcessHandle root, String commandLinePrefix) throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> match = root.descendants()
                    .filter(p -> commandLine(p).startsWith(commandLinePrefix))
                    .findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no descendant '" + commandLinePrefix + "' of " + root.pid());
    }

    private static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"))).replace('\0', ' ')
                    .strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor());
    }
}
