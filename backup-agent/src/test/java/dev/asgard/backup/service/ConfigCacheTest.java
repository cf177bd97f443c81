package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.secrets.SecretBox;

/** The sealed configuration copy: round trip, no secret in the file, bound to its agent, and who owns a job. */
class ConfigCacheTest {

    private static final String PASSWORD = "repo-password-" + UUID.randomUUID();

    @TempDir
    Path dir;

    private final SecretBox box = box();

    private static SecretBox box() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return new SecretBox("k1", Map.of("k1", key));
    }

    private ConfigCache.Document document() {
        BackupRepository r = new BackupRepository();
        r.id = UUID.randomUUID();
        r.backend = "local";
        r.url = "/srv/restic";
        r.passwordCiphertext = box.seal(r.passwordContext(), PASSWORD.getBytes(StandardCharsets.UTF_8));
        BackupJob j = new BackupJob();
        j.id = UUID.randomUUID();
        j.name = "home";
        j.repositoryId = r.id;
        j.paths = new String[] {"/home"};
        j.excludes = new String[] {"*.tmp"};
        j.tags = new String[] {"daily"};
        j.scheduleIntervalMs = 3_600_000L;
        j.createdAt = Instant.parse("2026-01-01T00:00:00Z");
        j.nextRunAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        return new ConfigCache.Document("agent-1", Instant.now(), List.of(ConfigCache.CachedJob.of(j)),
                List.of(ConfigCache.CachedRepository.of(r)));
    }

    @Test
    void copyRoundTripsAndKeepsTheRepositorySecretsSealed() throws Exception {
        ConfigCache.Document doc = document();
        ConfigCache cache = new ConfigCache(dir.resolve("cache.bin"), box, "agent-1");
        cache.write(doc);

        ConfigCache.Document read = cache.read().orElseThrow();
        assertEquals(doc.jobs(), read.jobs());
        ConfigCache.CachedRepository repo = read.repositories().get(0);
        assertArrayEquals(doc.repositories().get(0).passwordCiphertext(), repo.passwordCiphertext());
        BackupRepository opened = repo.toRepository();
        assertEquals(PASSWORD, new RepositorySecretStore(box).openPassword(opened));
        BackupJob job = read.jobs().get(0).toJob();
        assertEquals(BackupArgs.of(doc.jobs().get(0).toJob()), BackupArgs.of(job));
        assertTrue(job.schedule().isPresent());
    }

    @Test
    void fileHoldsNeitherThePasswordNorPlainJsonAndIsPrivate() throws Exception {
        Path file = dir.resolve("sub").resolve("cache.bin");
        new ConfigCache(file, box, "agent-1").write(document());
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(PASSWORD));
        assertFalse(text.contains("\"jobs\""), "sealed, not plain JSON");
        assertFalse(text.contains("/home"));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void copyOfAnotherAgentDoesNotOpen() throws Exception {
        Path file = dir.resolve("cache.bin");
        new ConfigCache(file, box, "agent-1").write(document());
        assertThrows(SecretBox.SecretBoxException.class, () -> new ConfigCache(file, box, "agent-2").read());
        assertThrows(SecretBox.SecretBoxException.class, () -> new ConfigCache(file, box(), "agent-1").read());
        assertTrue(new ConfigCache(dir.resolve("missing.bin"), box, "agent-1").read().isEmpty());
    }

    @Test
    void anAgentOwnsOnlyJobsWhoseLatestExecutedRunWasItsOwn() {
        assertTrue(ConfigCache.owns("agent-1", null, "agent-1"));
        assertFalse(ConfigCache.owns("agent-1", null, "agent-2"));
        assertFalse(ConfigCache.owns("agent-1", null, null), "an unbound job that never ran belongs to no agent");
        assertTrue(ConfigCache.owns("agent-1", "agent-1", null), "a job bound to this agent is its own");
        assertFalse(ConfigCache.owns("agent-1", "agent-2", "agent-1"), "the binding wins over the last run");
    }

    @Test
    void nextPlannedStartIsReplacedInTheCopy() {
        ConfigCache.Document doc = document();
        Instant later = Instant.parse("2030-01-01T00:00:00Z");
        ConfigCache.Document updated = doc.with(doc.jobs().get(0).withNextRunAt(later));
        assertEquals(later, updated.jobs().get(0).nextRunAt());
        assertEquals(doc.jobs().get(0).paths(), updated.jobs().get(0).paths());
    }
}
