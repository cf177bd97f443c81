package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.service.RepositoryGuard.Mode;
import dev.asgard.commons.error.AsgardException;

/** The in-process repository guard: exclusive excludes everything, shared holders coexist, repositories apart. */
class LocalRepositoryGuardTest {

    private final LocalRepositoryGuard guard = new LocalRepositoryGuard(Duration.ofMillis(200));
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void anExclusiveHolderKeepsOthersOutUntilItIsDone() throws Exception {
        UUID repo = UUID.randomUUID();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> check = pool.submit(() -> guard.hold(repo, Mode.EXCLUSIVE, "check", () -> {
            holding.countDown();
            await(release);
            return "checked";
        }));
        assertTrue(holding.await(5, TimeUnit.SECONDS));

        AsgardException busy = assertThrows(AsgardException.class,
                () -> guard.hold(repo, Mode.SHARED, "backup", () -> "x"));
        assertEquals("REPOSITORY_BUSY", busy.reason());
        assertTrue(busy.getMessage().contains("check"), busy.getMessage());
        assertThrows(AsgardException.class, () -> guard.hold(repo, Mode.EXCLUSIVE, "unlock", () -> "x"));
        assertEquals("other", guard.hold(UUID.randomUUID(), Mode.EXCLUSIVE, "check", () -> "other"),
                "another repository is not affected");

        release.countDown();
        assertEquals("checked", check.get(5, TimeUnit.SECONDS));
        assertEquals("after", guard.hold(repo, Mode.EXCLUSIVE, "unlock", () -> "after"));
    }

    @Test
    void sharedHoldersCoexistAndKeepExclusiveOut() throws Exception {
        UUID repo = UUID.randomUUID();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<String> backup = pool.submit(() -> guard.hold(repo, Mode.SHARED, "backup", () -> {
            holding.countDown();
            await(release);
            return "backed up";
        }));
        assertTrue(holding.await(5, TimeUnit.SECONDS));
        assertEquals("second", guard.hold(repo, Mode.SHARED, "backup", () -> "second"));
        assertThrows(AsgardException.class, () -> guard.hold(repo, Mode.EXCLUSIVE, "prune", () -> "x"));
        release.countDown();
        assertEquals("backed up", backup.get(5, TimeUnit.SECONDS));
    }

    @Test
    void aFailingHolderReleases() {
        UUID repo = UUID.randomUUID();
        assertThrows(IllegalStateException.class, () -> guard.hold(repo, Mode.EXCLUSIVE, "check", () -> {
            throw new IllegalStateException("restic crashed");
        }));
        assertEquals("ok", guard.hold(repo, Mode.EXCLUSIVE, "check", () -> "ok"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
