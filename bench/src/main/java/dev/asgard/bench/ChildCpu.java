package dev.asgard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of a process's ended and reaped children ({@code cutime + cstime} of {@code /proc/<pid>/stat}): how the
 * bench counts the CPU of a restic process that is gone by the time it is measured, its own and the agent's alike.
 * A child counts only once its parent has waited for it, which both do before they report the backup's end.
 */
final class ChildCpu {

    /** USER_HZ: the unit of the stat times, 100 on every Linux the bench runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private ChildCpu() {
    }

    /** @return seconds of CPU the reaped children of {@code pid} used, NaN when unreadable */
    static double of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // The command name (field 2) may contain spaces; the fields after it start with the state (field 3).
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
