package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.ResticFailure;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;

class RunOutcomesTest {

    private static final ResticRepo REPO = new ResticRepo("s3:https://s3.example.net/b", "repo-password-1",
            Map.of("AWS_SECRET_ACCESS_KEY", "aws-secret-value"), Map.of());
    private static final RunOutcomes.Observed NOTHING = new RunOutcomes.Observed(null, null, List.of(), false, false);

    @Test
    void transientFailuresAreRetriedOthersNot() {
        RunService.Finish locked = RunOutcomes.of(result(1, "Fatal: unable to create lock in backend: repository is "
                + "already locked exclusively by PID 42 on nas by root (UID 0, GID 0)"), NOTHING, REPO, List.of());
        assertEquals("REPOSITORY_LOCKED", locked.failureKind());
        assertTrue(locked.transientFailure());
        assertTrue(locked.hint().contains("PID 42"));
        RunService.Finish unreachable = RunOutcomes.of(result(1, "Fatal: dial tcp: connection refused"), NOTHING,
                REPO, List.of());
        assertEquals("BACKEND_UNREACHABLE", unreachable.failureKind());
        assertTrue(unreachable.transientFailure());
        RunService.Finish password = RunOutcomes.of(result(1, "Fatal: wrong password or no key found"), NOTHING,
                REPO, List.of());
        assertEquals("WRONG_PASSWORD", password.failureKind());
        assertFalse(password.transientFailure());
        RunService.Finish missing = RunOutcomes.of(result(1, "Fatal: all target directories/files do not exist"),
                NOTHING, REPO, List.of("/srv/gone"));
        assertEquals("SOURCE_MISSING", missing.failureKind());
        assertFalse(missing.transientFailure());
        assertTrue(missing.hint().contains("/srv/gone"));
    }

    @Test
    void aLostRepositoryLockFailsTheRunTransientlyUnlessACancelWasAsked() {
        dev.asgard.commons.error.AsgardException lost = LockServiceGuard.lostError("backup/repo/r", "backup 1",
                new LeaseKeeper.Loss(RepositoryGuard.LossReason.EXPIRED, "lock-service: lease ran out"));
        RunService.Finish f = RunOutcomes.lockLost(lost, new RunOutcomes.Observed(null, null, List.of("/x"), false,
                false));
        assertEquals("FAILED", f.state());
        assertEquals("LOCK_LOST", f.failureKind());
        assertTrue(f.transientFailure(), "retried by the job's retry policy");
        assertTrue(f.message().contains("backup/repo/r") && f.message().contains("EXPIRED"), f.message());
        assertTrue(f.hint().contains("lock-service"), f.hint());
        assertEquals(List.of("/x"), f.unreadable());
        RunService.Finish cancelled = RunOutcomes.lockLost(lost, new RunOutcomes.Observed(null, null, List.of(),
                true, false));
        assertEquals("CANCELLED", cancelled.state());
        assertEquals(null, cancelled.failureKind());
    }

    @Test
    void secretsAreRemovedFromMessages() {
        RunService.Finish f = RunOutcomes.of(result(1, "Fatal: odd error mentioning repo-password-1 and "
                + "aws-secret-value"), NOTHING, REPO, List.of());
        assertFalse(f.message().contains("repo-password-1"));
        assertFalse(f.message().contains("aws-secret-value"));
    }

    @Test
    void successNeedsASummaryAndCancelDuringShutdownIsAnInterruption() {
        BackupMessage.Summary summary = new BackupMessage.Summary(1, 0, 0, 1, 0, 0, 1, 1, 10, 1, 10, 0.5, "abc");
        assertEquals("SUCCEEDED", RunOutcomes.of(result(0, ""), new RunOutcomes.Observed(null, summary, List.of(),
                false, false), REPO, List.of()).state());
        assertEquals("PARTIAL", RunOutcomes.of(result(3, ""), new RunOutcomes.Observed(null, summary,
                List.of("/x"), false, false), REPO, List.of()).state());
        assertEquals("FAILED", RunOutcomes.of(result(0, ""), NOTHING, REPO, List.of()).state());
        ResticResult cancelled = new ResticResult(130, dev.asgard.backup.restic.ResticOutcome.CANCELLED, List.of(), "",
                Duration.ZERO);
        assertEquals("CANCELLED", RunOutcomes.of(cancelled, new RunOutcomes.Observed(null, null, List.of(), true,
                false), REPO, List.of()).state());
        RunService.Finish shutdown = RunOutcomes.of(cancelled, new RunOutcomes.Observed(null, null, List.of(), false,
                true), REPO, List.of());
        assertEquals("INTERRUPTED", shutdown.state());
        assertTrue(shutdown.transientFailure());
    }

    private static ResticResult result(int exit, String stderr) {
        return new ResticResult(exit, ResticFailure.classify(exit, stderr), List.of(), stderr, Duration.ZERO);
    }
}
