package dev.asgard.backup.restic;

import java.util.ArrayList;
import java.util.List;

/**
 * The restic processes one thread starts while the scope is open, so that whoever opened it can stop them all the
 * way cancel does (SIGINT: restic removes its own lock and exits). A repository hold opens one around its work and
 * stops it when the repository's lock-service lock is lost: every restic call the work makes (backup, restore,
 * check, forget, prune, unlock, and the short listings around them) is covered without handing executions around.
 *
 * <p>Thread-bound: restic started on another thread is not collected. Scopes nest; a process belongs to every open
 * scope of its thread. A process started after {@link #stopAll()} is stopped at once.
 */
public final class ResticScope implements AutoCloseable {

    private static final ThreadLocal<ResticScope> CURRENT = new ThreadLocal<>();

    private final ResticScope outer;
    private final List<ResticExecution> executions = new ArrayList<>();
    private boolean stopped;
    private boolean closed;

    private ResticScope(ResticScope outer) {
        this.outer = outer;
    }

    /** @return a new scope, current on this thread until closed */
    public static ResticScope open() {
        ResticScope scope = new ResticScope(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** Called for every restic process started: it joins the open scopes of the starting thread. */
    static void started(ResticExecution execution) {
        for (ResticScope s = CURRENT.get(); s != null; s = s.outer) {
            s.add(execution);
        }
    }

    private void add(ResticExecution execution) {
        boolean stopNow;
        synchronized (this) {
            // Processes that ended need no stopping: forget them, so a long hold of many short calls stays small.
            executions.removeIf(e -> e.result().isDone());
            stopNow = stopped;
            if (!stopNow && !closed) {
                executions.add(execution);
            }
        }
        if (stopNow) {
            execution.cancel();
        }
    }

    /** Stops (SIGINT) every process of the scope still running, and any started later in it. Returns at once. */
    public void stopAll() {
        List<ResticExecution> running;
        synchronized (this) {
            stopped = true;
            running = List.copyOf(executions);
            executions.clear();
        }
        running.stream().filter(e -> !e.result().isDone()).forEach(ResticExecution::cancel);
    }

    /** @return whether {@link #stopAll()} was called */
    public synchronized boolean stopped() {
        return stopped;
    }

    /** Ends the scope on its thread (the enclosing scope is current again). Call on the thread that opened it. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            executions.clear();
        }
        if (CURRENT.get() == this) {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
