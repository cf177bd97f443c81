package dev.asgard.backup.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ResticRunner} and {@link Restic} against the real restic binary and temporary local repositories. */
class ResticRunnerTest {

    private static final String PASSWORD = "correct horse battery staple 42";

    @TempDir
    Path tmp;

    private Restic restic;
    private ResticRepo repo;

    @BeforeEach
    void setUp() throws IOException {
        restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(2), Duration.ofMillis(1500),
                tmp.resolve("cache")));
        repo = ResticRepo.of(tmp.resolve("repo").toString(), PASSWORD);
    }

    @Test
    void installedVersionIsSupported() {
        ResticVersion v = restic.version();
        assertTrue(v.supported(), "restic " + v + " is older than " + ResticVersion.MINIMUM);
    }

    @Test
    void initBackupSnapshotsStats() throws Exception {
        assertEquals(ResticOutcome.SUCCESS, restic.init(repo).outcome());
        assertEquals(ResticOutcome.ALREADY_INITIALIZED, restic.init(repo).outcome());
        Path src = Files.createDirectories(tmp.resolve("src/sub"));
        Files.writeString(src.resolve("a.txt"), "alpha");
        Files.writeString(src.getParent().resolve("b.txt"), "bravo!");

        List<BackupMessage> lines = new CopyOnWriteArrayList<>();
        ResticResult r = restic.backup(repo, List.of(tmp.resolve("src").toString()), List.of("--tag", "t1"),
                lines::add, null).await();

        assertEquals(ResticOutcome.SUCCESS, r.outcome(), r.stderr());
        assertTrue(lines.stream().anyMatch(BackupMessage.Status.class::isInstance), "status lines: " + lines);
        BackupMessage.Summary summary = lines.stream().filter(BackupMessage.Summary.class::isInstance)
                .map(BackupMessage.Summary.class::cast).findFirst().orElseThrow();
        assertEquals(2, summary.filesNew());
        assertEquals(11, summary.totalBytesProcessed());
        assertNotNull(summary.snapshotId());

        List<ResticSnapshot> snapshots = restic.snapshots(repo);
        assertEquals(1, snapshots.size());
        assertTrue(snapshots.get(0).id().startsWith(summary.snapshotId()));
        assertEquals(List.of("t1"), snapshots.get(0).tags());
        ResticStats stats = restic.stats(repo, "restore-size");
        assertEquals(1, stats.snapshotsCount());
        assertEquals(11, stats.totalSize());
    }

    @Test
    void classifiesWrongPasswordMissingRepositoryAndMissingSources() {
        restic.init(repo).orThrow();
        ResticResult wrong = restic.runner().run(ResticRepo.of(repo.url(), "not the password"),
                List.of("snapshots", "--json"), null);
        assertEquals(ResticOutcome.WRONG_PASSWORD, wrong.outcome());
        assertFalse(wrong.outcome().isTransient());

        ResticResult missing = restic.runner().run(ResticRepo.of(tmp.resolve("nothing").toString(), PASSWORD),
                List.of("snapshots", "--json"), null);
        assertEquals(ResticOutcome.REPOSITORY_NOT_FOUND, missing.outcome());

        ResticResult noSource = restic.runner().run(repo,
                List.of("backup", "--json", tmp.resolve("no/such/dir").toString()), null);
        assertEquals(ResticOutcome.SOURCE_MISSING, noSource.outcome());

        ResticResult unreachable = restic.runner().run(ResticRepo.of("rest:http://127.0.0.1:1/x", PASSWORD),
                List.of("snapshots", "--json"), null);
        assertEquals(ResticOutcome.BACKEND_UNREACHABLE, unreachable.outcome(), unreachable.stderr());
        assertTrue(unreachable.outcome().isTransient());
    }

    @Test
    void secretsOnlyInTheEnvironment() {
        ResticRepo s3 = new ResticRepo("s3:https://s3.example.net/bucket", PASSWORD,
                Map.of("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "s3cr3t/key"),
                Map.of("s3.region", "eu-west-1"));
        ResticRunner runner = new ResticRunner("restic", Duration.ofSeconds(10), Duration.ofSeconds(1), null);
        List<String> cmd = runner.commandLine(s3, List.of("snapshots", "--json"));
        assertEquals(List.of("restic", "-o", "s3.region=eu-west-1", "snapshots", "--json"), cmd);
        assertFalse(String.join(" ", cmd).contains(PASSWORD));
        assertFalse(s3.toString().contains(PASSWORD) || s3.toString().contains("s3cr3t"));

        // The child sees the secrets and nothing else of the agent's environment.
        ResticRunner env = new ResticRunner("env", Duration.ofSeconds(10), Duration.ofSeconds(1), null);
        ResticRepo noOptions = new ResticRepo(s3.url(), s3.password(), s3.backendSecrets(), Map.of());
        String out = env.run(noOptions, List.of(), null).stdoutText();
        assertTrue(out.contains("RESTIC_PASSWORD=" + PASSWORD));
        assertTrue(out.contains("AWS_SECRET_ACCESS_KEY=s3cr3t/key"));
        assertTrue(out.contains("RESTIC_REPOSITORY=s3:https://s3.example.net/bucket"));
        for (String line : out.split("\n")) {
            String name = line.substring(0, Math.max(0, line.indexOf('=')));
            assertTrue(List.of("PATH", "HOME", "TMPDIR", "LANG", "TZ", "XDG_CACHE_HOME", "RESTIC_REPOSITORY",
                    "RESTIC_PASSWORD", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY").contains(name),
                    "unexpected variable " + name);
        }
    }

    @Test
    void cancelWithSigintLeavesNoLockAndTheNextBackupSucceeds() throws Exception {
        restic.init(repo).orThrow();
        CountDownLatch progress = new CountDownLatch(2);
        ResticExecution exec = restic.backupStdin(repo, "slow.bin", List.of(), m -> {
            if (m instanceof BackupMessage.Status) {
                progress.countDown();
            }
        }, null);
        Thread feeder = slowFeeder(exec);
        assertTrue(progress.await(20, TimeUnit.SECONDS), "no progress from restic");
        assertEquals(1, restic.lockIds(repo).size(), "a running backup holds a lock");

        long t0 = System.nanoTime();
        exec.cancel();
        ResticResult r = exec.result().get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        feeder.join(5000);

        assertEquals(ResticOutcome.CANCELLED, r.outcome());
        assertEquals(130, r.exitCode(), "restic exits 130 after handling SIGINT");
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "cancel took " + took);
        assertEquals(List.of(), restic.lockIds(repo), "restic left a lock behind");
        assertTrue(restic.snapshots(repo).isEmpty());

        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("small.txt"), "small");
        ResticResult second = restic.backup(repo, List.of(src.toString()), List.of(), m -> {
        }, null).await();
        assertEquals(ResticOutcome.SUCCESS, second.outcome(), second.stderr());
        assertEquals(1, restic.snapshots(repo).size());
    }

    @Test
    void lockedRepositoryNamesTheHolder() throws Exception {
        restic.init(repo).orThrow();
        CountDownLatch progress = new CountDownLatch(1);
        ResticExecution exec = restic.backupStdin(repo, "slow.bin", List.of(), m -> progress.countDown(), null);
        Thread feeder = slowFeeder(exec);
        try {
            assertTrue(progress.await(20, TimeUnit.SECONDS));
            // check wants an exclusive lock, which the backup's shared lock blocks.
            ResticResult check = restic.runner().run(repo, List.of("check"), null);
            assertEquals(ResticOutcome.LOCKED, check.outcome(), check.stderr());
            ResticLockHolder holder = check.lockHolder().orElseThrow();
            assertEquals(exec.pid(), holder.pid());
            assertTrue(check.hint().contains("PID " + exec.pid()));
        } finally {
            exec.cancel();
            exec.await();
            feeder.join(5000);
        }
    }

    @Test
    void timeoutStopsResticCleanly() throws Exception {
        restic.init(repo).orThrow();
        ResticExecution exec = restic.backupStdin(repo, "slow.bin", List.of(), m -> {
        }, Duration.ofSeconds(2));
        Thread feeder = slowFeeder(exec);
        ResticResult r = exec.await();
        feeder.join(5000);
        assertEquals(ResticOutcome.TIMED_OUT, r.outcome());
        assertTrue(r.outcome().isTransient());
        assertEquals(List.of(), restic.lockIds(repo));
    }

    /** Writes 256 KiB of random data every 50 ms into restic's stdin until restic goes away. */
    private static Thread slowFeeder(ResticExecution exec) {
        return Thread.ofVirtual().start(() -> {
            Random random = new Random(42);
            byte[] chunk = new byte[256 * 1024];
            try (OutputStream out = exec.stdin()) {
                for (int i = 0; i < 2400; i++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException e) {
                // restic exited: the pipe broke.
            }
        });
    }
}
