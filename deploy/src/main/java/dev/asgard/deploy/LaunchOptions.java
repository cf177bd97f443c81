package dev.asgard.deploy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * What the user asked for on the command line: {@code start [--data-dir DIR] [--no-keycloak]
 * [--no-build] [--timeout SECONDS]} or {@code help}.
 *
 * @param command what to do
 * @param dataDir absolute data folder (PostgreSQL, Kafka, Keycloak, logs, secrets)
 * @param keycloak whether to start Keycloak; without it the admin API stays closed (401)
 * @param build whether missing service applications may be built before starting
 * @param readyTimeout how long to wait for every readiness probe to answer UP
 */
public record LaunchOptions(Command command, Path dataDir, boolean keycloak, boolean build, Duration readyTimeout) {

    /** The launcher's sub-commands. */
    public enum Command { START, HELP }

    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(5);

    /** The text printed for {@code help} and after a usage error. */
    public static final String USAGE = """
            Usage: ./asgard [start] [options]
                   ./asgard help

            Starts PostgreSQL, Kafka, Keycloak and the five Asgard services on this machine and
            waits until all are ready. Ctrl-C stops everything.

            Options:
              --data-dir DIR     where data, logs and generated secrets live (default: .asgard/ in the repository)
              --no-keycloak      do not start Keycloak (faster); the admin API then answers 401 to everyone
              --no-build         never build; fail if a service application is missing
              --build            (./asgard script only) rebuild everything with Maven before starting
              --timeout SECONDS  how long to wait for readiness (default: 300)
              -h, --help         show this text
            """;

    /**
     * Parses the arguments.
     *
     * @param args the command line, without the program name
     * @param defaultDataDir the data folder used when {@code --data-dir} is absent
     * @throws UsageException when an argument is unknown, repeated or lacks its value
     */
    public static LaunchOptions parse(List<String> args, Path defaultDataDir) throws UsageException {
        Command command = null;
        boolean help = false;
        Path dataDir = null;
        boolean keycloak = true;
        boolean build = true;
        Duration timeout = DEFAULT_READY_TIMEOUT;
        Iterator<String> it = args.iterator();
        while (it.hasNext()) {
            String arg = it.next();
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            String inlineValue = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
            switch (name) {
                case "--data-dir" -> {
                    if (dataDir != null) {
                        throw new UsageException("--data-dir is given twice");
                    }
                    dataDir = Path.of(value(name, inlineValue, it)).toAbsolutePath().normalize();
                }
                case "--timeout" -> timeout = seconds(value(name, inlineValue, it));
                case "--no-keycloak" -> keycloak = flag(name, inlineValue, false);
                case "--no-build" -> build = flag(name, inlineValue, false);
                case "-h", "--help" -> help = true;
                case "start" -> command = setCommand(command, Command.START, arg);
                case "help" -> command = setCommand(command, Command.HELP, arg);
                default -> throw new UsageException(arg.startsWith("-")
                        ? "unknown option " + arg
                        : "unknown command " + arg + " (expected start or help)");
            }
        }
        if (help) {
            command = Command.HELP;
        }
        return new LaunchOptions(command == null ? Command.START : command,
                dataDir == null ? defaultDataDir.toAbsolutePath().normalize() : dataDir, keycloak, build, timeout);
    }

    private static Command setCommand(Command current, Command next, String arg) throws UsageException {
        if (current != null && current != next) {
            throw new UsageException("give one command, not both " + current.name().toLowerCase() + " and " + arg);
        }
        return next;
    }

    private static String value(String name, String inlineValue, Iterator<String> it) throws UsageException {
        if (inlineValue != null) {
            if (inlineValue.isBlank()) {
                throw new UsageException(name + " needs a value");
            }
            return inlineValue;
        }
        if (!it.hasNext()) {
            throw new UsageException(name + " needs a value");
        }
        String next = it.next();
        if (next.startsWith("--")) {
            throw new UsageException(name + " needs a value, got option " + next);
        }
        return next;
    }

    private static boolean flag(String name, String inlineValue, boolean value) throws UsageException {
        if (inlineValue != null) {
            throw new UsageException(name + " takes no value");
        }
        return value;
    }

    private static Duration seconds(String text) throws UsageException {
        try {
            long seconds = Long.parseLong(text);
            if (seconds <= 0) {
                throw new UsageException("--timeout must be a positive number of seconds, got " + text);
            }
            return Duration.ofSeconds(seconds);
        } catch (NumberFormatException e) {
            throw new UsageException("--timeout must be a number of seconds, got " + text);
        }
    }
}
