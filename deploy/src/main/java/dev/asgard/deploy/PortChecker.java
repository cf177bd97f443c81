package dev.asgard.deploy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Checks that the platform's ports are free before anything starts, and names the process that
 * holds a busy one (from {@code /proc} on Linux), so the user sees at once what is in the way.
 */
public final class PortChecker {

    private static final String LISTEN = "0A";

    private PortChecker() {
    }

    /**
     * Fails when any of the ports is in use, listing every busy port, what Asgard wanted it for and
     * who holds it.
     *
     * @param purposes port to what Asgard runs on it, for example 8081 to registry-service
     */
    public static void requireFree(Map<Integer, String> purposes) {
        List<String> busy = new ArrayList<>();
        new LinkedHashMap<>(purposes).forEach((port, purpose) -> {
            if (!isFree(port)) {
                busy.add("  port " + port + " (" + purpose + ") is in use by " + owner(port).orElse("another process"));
            }
        });
        if (!busy.isEmpty()) {
            throw new LauncherException("Cannot start: ports are already in use.\n" + String.join("\n", busy)
                    + "\nStop what holds them (an earlier ./asgard still running?), then start again."
                    + " `ss -ltnp` lists who listens where.");
        }
    }

    /** Whether a listening socket could be opened on the port (on every address). */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Describes the process listening on the port ({@code pid 123: java -jar ...}), when it can be found. */
    public static Optional<String> owner(int port) {
        OptionalLong inode = listeningInode(port);
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        return pidOwningSocket(inode.getAsLong()).map(PortChecker::describe);
    }

    private static OptionalLong listeningInode(int port) {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].endsWith(":" + hexPort) && LISTEN.equals(f[3])) {
                        return OptionalLong.of(Long.parseLong(f[9]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // no /proc (not Linux) or an unexpected format: the owner stays unknown
            }
        }
        return OptionalLong.empty();
    }

    private static Optional<Long> pidOwningSocket(long inode) {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> isNumeric(p.getFileName().toString()))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        if (target.equals(Files.readSymbolicLink(fd).toString())) {
                            return Optional.of(Long.parseLong(proc.getFileName().toString()));
                        }
                    }
                } catch (IOException e) {
                    // another user's process or one that just exited
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static String describe(long pid) {
        String command = ProcessHandle.of(pid)
                .flatMap(p -> p.info().commandLine().or(() -> p.info().command()))
                .orElse("(command unknown)")
                .replaceAll("\\s+", " ");
        if (command.length() > 160) {
            command = command.substring(0, 157) + "...";
        }
        return "pid " + pid + ": " + command;
    }

    private static boolean isNumeric(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit);
    }
}
