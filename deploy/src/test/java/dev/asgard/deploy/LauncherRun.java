package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The real launcher ({@code java -jar asgard-launcher.jar ...}) run as a child process. Its output
 * goes straight to a transcript file, which is read from there: a pipe read by a thread can lose the
 * last lines when the JDK drains it at process exit.
 */
final class LauncherRun {

    private final Process process;
    private final Path transcript;
    private int echoed;

    private LauncherRun(Process process, Path transcript) {
        this.process = process;
        this.transcript = transcript;
    }

    static LauncherRun start(Path launcherJar, Path transcript, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", launcherJar.toString()));
        command.addAll(List.of(args));
        Files.createDirectories(transcript.getParent());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(transcript.toFile())
                .start();
        process.getOutputStream().close();
        return new LauncherRun(process, transcript);
    }

    Process process() {
        return process;
    }

    /**
     * Waits for a line matching the predicate: up to the timeout while the launcher runs, not at all
     * once it has exited (its output is then complete). Fails with the output so far.
     */
    String awaitLine(Predicate<String> predicate, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean exited = !process.isAlive();
            List<String> lines = lines();
            Optional<String> match = lines.stream().filter(predicate).findFirst();
            if (match.isPresent()) {
                return match.get();
            }
            if (exited) {
                fail("the launcher exited (code " + process.exitValue() + ") without printing the expected line:\n"
                        + String.join("\n", lines));
            }
            if (System.nanoTime() - deadline > 0) {
                fail("the launcher did not print the expected line within " + timeout.toSeconds() + " s:\n"
                        + String.join("\n", lines));
            }
            Thread.sleep(200);
        }
    }

    /** The complete lines so far; new ones are also echoed to the test's own output, for the build log. */
    List<String> lines() {
        try {
            String text = new String(Files.readAllBytes(transcript), StandardCharsets.UTF_8);
            List<String> lines = text.substring(0, text.lastIndexOf('\n') + 1).lines().toList();
            for (; echoed < lines.size(); echoed++) {
                System.out.println("[launcher] " + lines.get(echoed));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
