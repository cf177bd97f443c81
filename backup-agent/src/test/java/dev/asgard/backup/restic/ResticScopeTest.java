package dev.asgard.backup.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResticScope} with the real restic: stopping a scope stops the restic processes its thread started in it the
 * way cancel does (SIGINT, restic removes its own repository lock), and any started in it afterwards; processes of
 * other threads and after the scope are left alone.
 */
class ResticScopeTest {

    @TempDir
    Path tmp;

    @Test
    void stoppingAScopeStopsItsResticAndResticRemovesItsLock() throws Exception {
        Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(2), Duration.ofSeconds(10),
                tmp.resolve("cache")));
        ResticRepo repo = ResticRepo.of(tmp.resolve("repo").toString(), "scope-test-password");
        restic.init(repo).orThrow();
        // A sparse file: restic reads 64 GiB of zeros for minutes without using disk space.
        Path big = Files.createDirectories(tmp.resolve("big"));
        try (RandomAccessFile f = new RandomAccessFile(big.resolve("sparse.bin").toFile(), "rw")) {
            f.setLength(64L * 1024 * 1024 * 1024);
        }
        Path small = Files.createDirectories(tmp.resolve("small"));
        Files.writeString(small.resolve("a.txt"), "a");

        ResticExecution elsewhere;
        ResticExecution inside;
        ResticExecution late;
        try (ResticScope scope = ResticScope.open()) {
            CountDownLatch reading = new CountDownLatch(1);
            inside = restic.backup(repo, List.of(big.toString()), List.of(), m -> {
                if (m instanceof BackupMessage.Status) {
                    reading.countDown();
                }
            }, null);
            // Started by another thread while the scope is open: not the scope's.
            ResticExecution[] other = new ResticExecution[1];
            Thread t = Thread.ofVirtual().start(() -> other[0] = restic.backup(repo, List.of(big.toString()),
                    List.of(), m -> { }, null));
            t.join();
            elsewhere = other[0];
            reading.await();
            assertFalse(restic.lockIds(repo).isEmpty(), "the running backup holds a restic lock");

            scope.stopAll();
            assertTrue(scope.stopped());
            assertEquals(ResticOutcome.CANCELLED, inside.await().outcome());
            late = restic.backup(repo, List.of(big.toString()), List.of(), m -> { }, null);
            assertEquals(ResticOutcome.CANCELLED, late.await().outcome(), "started after the stop: stopped at once");
        }
        assertFalse(elsewhere.result().isDone(), "another thread's restic runs on");
        elsewhere.cancel();
        assertEquals(ResticOutcome.CANCELLED, elsewhere.await().outcome());
        assertEquals(List.of(), restic.lockIds(repo), "restic removed its own locks when stopped");
        ResticExecution after = restic.backup(repo, List.of(small.toString()), List.of(), m -> { }, null);
        assertEquals(ResticOutcome.SUCCESS, after.await().outcome(), "the closed scope no longer stops anything");
    }
}
