package dev.asgard.deploy.process;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tiny wrapper process that ties a child's life to the launcher's: it runs the command given on
 * its command line and terminates that command (and everything the command started) as soon as its
 * own standard input reaches end-of-file. The launcher keeps the write end of that pipe open, so the
 * pipe closes when the launcher closes it on purpose or when the launcher dies in any way, even by
 * SIGKILL, and the child never outlives it.
 *
 * <p>The guard ignores SIGINT, and so does the command it starts (an ignored signal stays ignored
 * across exec, and the JVM keeps it that way): a Ctrl-C in the terminal reaches every process of the
 * foreground group, but only the launcher should act on it and stop the platform in order.
 *
 * <p>Usage: {@code java -cp <launcher> dev.asgard.deploy.process.ProcessGuard <grace-seconds> <command...>}.
 * Exits with the command's exit code.
 */
public final class ProcessGuard {

    private ProcessGuard() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: ProcessGuard <grace-seconds> <command...>");
            System.exit(2);
        }
        Duration grace = Duration.ofSeconds(Long.parseLong(args[0]));
        List<String> command = Arrays.asList(args).subList(1, args.length);
        ignoreInterrupt();

        Process child;
        try {
            child = new ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            child.getOutputStream().close();
        } catch (IOException e) {
            System.err.println("Cannot start " + command.get(0) + ": " + e.getMessage());
            System.exit(127);
            return;
        }

        AtomicBoolean terminated = new AtomicBoolean();
        Runnable terminate = () -> {
            if (terminated.compareAndSet(false, true)) {
                ProcessTree.terminate(child.toHandle(), grace);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(terminate, "guard-shutdown"));
        Thread watcher = new Thread(() -> {
            awaitEndOfInput(System.in);
            terminate.run();
        }, "guard-stdin");
        watcher.setDaemon(true);
        watcher.start();

        System.exit(child.waitFor());
    }

    private static void awaitEndOfInput(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // nothing is ever sent; only the end of the stream matters
            }
        } catch (IOException e) {
            // a broken pipe means the launcher is gone as well
        }
    }

    private static void ignoreInterrupt() {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), sun.misc.SignalHandler.SIG_IGN);
        } catch (IllegalArgumentException e) {
            // INT already ignored (for example started in the background by a shell): nothing to do
        }
    }
}
