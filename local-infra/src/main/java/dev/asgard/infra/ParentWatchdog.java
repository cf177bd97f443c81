package dev.asgard.infra;

import java.util.ArrayList;
import java.util.List;

/**
 * Wraps a native server command in a POSIX shell that stops the server when its standard input reaches end of file,
 * i.e. when the JVM that started it closes the pipe or dies (even by SIGKILL). Used for PostgreSQL; the Kafka
 * broker JVM has the same watchdog in Java ({@code dev.asgard.infra.kafka.KafkaBrokerMain}).
 */
final class ParentWatchdog {

    /*
     * fd 3 keeps the pipe from the JVM; the server gets /dev/null as stdin and does not inherit fd 3, so only the
     * watcher subshell reads it. When read returns EOF the watcher sends the stop signal. The main shell waits for
     * the server (looping, because a trapped signal interrupts wait), then ends the watcher so nothing lingers.
     * "$1" is the stop signal, the remaining arguments are the server command.
     */
    private static final String SCRIPT = """
            signal="$1"; shift
            exec 3<&0 </dev/null
            "$@" 3<&- &
            server=$!
            ( while read -r _ <&3; do :; done; kill -s "$signal" "$server" 2>/dev/null ) &
            watcher=$!
            exec 3<&-
            trap 'kill -s "$signal" "$server" 2>/dev/null' TERM INT HUP
            while :; do
              wait "$server"; status=$?
              kill -0 "$server" 2>/dev/null || break
            done
            kill "$watcher" 2>/dev/null
            exit "$status"
            """;

    private ParentWatchdog() {
    }

    /**
     * @param stopSignal the signal name that asks the server for a clean stop (for PostgreSQL {@code INT}, its
     *        "fast shutdown")
     * @param command the server command, started as a child of the shell
     * @return the command line to start
     */
    static List<String> wrap(String stopSignal, List<String> command) {
        List<String> wrapped = new ArrayList<>();
        wrapped.add("/bin/sh");
        wrapped.add("-c");
        wrapped.add(SCRIPT);
        wrapped.add("asgard-watchdog");
        wrapped.add(stopSignal);
        wrapped.addAll(command);
        return wrapped;
    }
}
