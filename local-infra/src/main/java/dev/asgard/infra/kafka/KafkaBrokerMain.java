package dev.asgard.infra.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;

/**
 * Main class of the Kafka broker child JVM, in front of {@code kafka.Kafka}. It does two things Kafka's own main
 * does not:
 * <ul>
 * <li>parent-death watchdog: it reads standard input, a pipe from the parent JVM, and exits the JVM (which runs
 * Kafka's shutdown hook, a clean broker stop) at end of file, i.e. when the parent closes the pipe or dies, even by
 * SIGKILL. If the clean stop hangs, the JVM is halted after a grace period;</li>
 * <li>formatting: with {@code --format <cluster-id>} it formats the log directories (KRaft storage) in this same
 * JVM before starting the broker, which saves a second JVM start.</li>
 * </ul>
 * Usage: {@code KafkaBrokerMain [--format <cluster-id>] <server.properties>}.
 *
 * <p>This class runs on the broker classpath, where none of local-infra is present: it is copied there on its own,
 * so it must stay a single class (no nested or anonymous classes) that uses only the JDK and Kafka by reflection.
 */
public final class KafkaBrokerMain {

    private static final long HALT_AFTER_MILLIS = 20_000;

    private KafkaBrokerMain() {
    }

    /**
     * @param args {@code [--format <cluster-id>] <server.properties>}
     * @throws Throwable whatever the broker throws at start-up; the JVM then exits with an error
     */
    public static void main(String[] args) throws Throwable {
        if (args.length != 1 && !(args.length == 3 && "--format".equals(args[0]))) {
            System.err.println("Usage: KafkaBrokerMain [--format <cluster-id>] <server.properties>");
            System.exit(2);
        }
        watchParent(System.in);
        String config = args[args.length - 1];
        if (args.length == 3) {
            format(args[1], config);
        }
        invoke("kafka.Kafka", "main", new Class<?>[] {String[].class}, (Object) new String[] {config});
    }

    private static void watchParent(InputStream pipe) {
        Thread watchdog = new Thread(() -> {
            byte[] buffer = new byte[256];
            try {
                while (pipe.read(buffer) >= 0) {
                    // The parent never writes; anything it might is ignored.
                }
            } catch (IOException e) {
                // A broken pipe means the same as end of file: the parent is gone.
            }
            Thread halt = new Thread(() -> {
                try {
                    Thread.sleep(HALT_AFTER_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.println("Kafka did not stop within " + HALT_AFTER_MILLIS + " ms after the parent left; halting");
                Runtime.getRuntime().halt(1);
            }, "asgard-parent-watchdog-halt");
            halt.setDaemon(true);
            halt.start();
            System.err.println("Parent JVM closed the pipe or died: stopping the Kafka broker");
            System.exit(0);
        }, "asgard-parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    private static void format(String clusterId, String config) throws Throwable {
        // kafka-storage.sh format, without exiting the JVM: StorageTool.execute returns the exit code.
        String[] args = {"format", "--cluster-id", clusterId, "--config", config, "--ignore-formatted"};
        Object exitCode = invoke("kafka.tools.StorageTool", "execute",
                new Class<?>[] {String[].class, PrintStream.class}, args, System.out);
        if (!Integer.valueOf(0).equals(exitCode)) {
            System.err.println("Formatting the Kafka log directories failed with exit code " + exitCode);
            System.exit(1);
        }
    }

    private static Object invoke(String className, String method, Class<?>[] types, Object... args) throws Throwable {
        try {
            return Class.forName(className).getMethod(method, types).invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
