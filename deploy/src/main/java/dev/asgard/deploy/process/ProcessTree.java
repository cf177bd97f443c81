package dev.asgard.deploy.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Stops a process together with everything it started: first politely (SIGTERM) to the whole
 * tree, then, after a grace period, forcibly (SIGKILL) to whatever is left.
 *
 * <p>The tree is snapshotted before anything is signalled: once a parent exits, its children are
 * re-parented and no longer show up as its descendants.
 */
public final class ProcessTree {

    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private ProcessTree() {
    }

    /** The process and all its current descendants, parent first. */
    public static List<ProcessHandle> snapshot(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        root.descendants().forEach(tree::add);
        return tree;
    }

    /**
     * Terminates the process and its descendants.
     *
     * @return true when everything ended within the grace period, false when something had to be killed
     */
    public static boolean terminate(ProcessHandle root, Duration grace) {
        return terminate(snapshot(root), grace);
    }

    /** Terminates the given processes: SIGTERM, wait up to {@code grace}, then SIGKILL the rest. */
    public static boolean terminate(List<ProcessHandle> processes, Duration grace) {
        processes.forEach(ProcessHandle::destroy);
        if (awaitGone(processes, grace)) {
            return true;
        }
        processes.stream().filter(ProcessTree::isRunning).forEach(ProcessHandle::destroyForcibly);
        awaitGone(processes, KILL_WAIT);
        return false;
    }

    /** Waits until none of the processes runs any more; true when that happened before the timeout. */
    public static boolean awaitGone(List<ProcessHandle> processes, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (processes.stream().anyMatch(ProcessTree::isRunning)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the process still runs. A zombie (exited, not yet reaped by a parent that is not
     * ours) counts as gone: it holds no resources and cannot be signalled away.
     */
    public static boolean isRunning(ProcessHandle process) {
        return process.isAlive() && !isZombie(process.pid());
    }

    private static boolean isZombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            int end = stat.lastIndexOf(')');
            return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
