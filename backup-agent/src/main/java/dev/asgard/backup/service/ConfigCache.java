package dev.asgard.backup.service;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.secrets.SecretBox;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The agent's last-known-good copy of its scheduled jobs and their repositories, for backups while PostgreSQL is
 * unreachable ({@link OfflineMode}). The document is JSON sealed with {@link SecretBox} (context
 * {@code config-cache/<agent id>}), written atomically with mode 0600. Repository secrets inside it stay exactly
 * as stored in PostgreSQL, i.e. sealed with their own contexts: they are opened only to build restic's environment,
 * as online. Pure apart from the file it reads and writes.
 */
public final class ConfigCache {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private final Path file;
    private final SecretBox box;
    private final String agentId;

    /**
     * @param file the cache file
     * @param box seals the document
     * @param agentId this agent (part of the sealing context: another agent's copy does not open)
     */
    public ConfigCache(Path file, SecretBox box, String agentId) {
        this.file = file;
        this.box = box;
        this.agentId = agentId;
    }

    /**
     * The copy.
     *
     * @param agentId the agent it was written for
     * @param writtenAt when
     * @param jobs the jobs this agent runs while PostgreSQL is down
     * @param repositories their repositories
     */
    @RegisterForReflection
    public record Document(String agentId, Instant writtenAt, List<CachedJob> jobs,
            List<CachedRepository> repositories) {

        /**
         * @param id a repository id
         * @return it, if the copy holds it
         */
        public Optional<CachedRepository> repository(UUID id) {
            return repositories.stream().filter(r -> r.id().equals(id)).findFirst();
        }

        /**
         * @param job a job of this copy with a new planned start
         * @return the copy with it replaced
         */
        public Document with(CachedJob job) {
            return new Document(agentId, writtenAt, jobs.stream().map(j -> j.id().equals(job.id()) ? job : j)
                    .toList(), repositories);
        }
    }

    /**
     * The settings of a job that a backup needs (files jobs only), and its planned start.
     *
     * @param id the job
     * @param name its name (for logs)
     * @param repositoryId its repository
     * @param paths sources
     * @param excludes exclude patterns
     * @param excludeCaches --exclude-caches
     * @param excludeIfPresent --exclude-if-present
     * @param oneFileSystem --one-file-system
     * @param excludeLargerThanBytes --exclude-larger-than (0: off)
     * @param tags extra tags
     * @param host --host (empty: restic's default)
     * @param scheduleCron cron expression, or null
     * @param scheduleIntervalMs interval, or null
     * @param timeZone the cron expression's zone
     * @param scheduleAnchorAt the interval's anchor, or null
     * @param createdAt the job's creation (the anchor when none is set)
     * @param runTimeoutMs the run timeout, or null
     * @param nextRunAt the next planned start
     */
    @RegisterForReflection
    public record CachedJob(UUID id, String name, UUID repositoryId, List<String> paths, List<String> excludes,
            boolean excludeCaches, List<String> excludeIfPresent, boolean oneFileSystem, long excludeLargerThanBytes,
            List<String> tags, String host, String scheduleCron, Long scheduleIntervalMs, String timeZone,
            Instant scheduleAnchorAt, Instant createdAt, Long runTimeoutMs, Instant nextRunAt, String missedRunMode,
            Long missedRunGraceMs) {

        /**
         * @param j a files job with a schedule
         * @return its copy
         */
        public static CachedJob of(BackupJob j) {
            return new CachedJob(j.id, j.name, j.repositoryId, List.of(j.paths), List.of(j.excludes), j.excludeCaches,
                    List.of(j.excludeIfPresent), j.oneFileSystem, j.excludeLargerThanBytes, List.of(j.tags), j.host,
                    j.scheduleCron, j.scheduleIntervalMs, j.timeZone, j.scheduleAnchorAt, j.createdAt, j.runTimeoutMs,
                    j.nextRunAt, j.missedRunMode, j.missedRunGraceMs);
        }

        /** @return a detached job with these settings (for {@link BackupArgs} and the schedule) */
        public BackupJob toJob() {
            BackupJob j = new BackupJob();
            j.id = id;
            j.name = name;
            j.repositoryId = repositoryId;
            j.paths = paths.toArray(String[]::new);
            j.excludes = excludes.toArray(String[]::new);
            j.excludeCaches = excludeCaches;
            j.excludeIfPresent = excludeIfPresent.toArray(String[]::new);
            j.oneFileSystem = oneFileSystem;
            j.excludeLargerThanBytes = excludeLargerThanBytes;
            j.tags = tags.toArray(String[]::new);
            j.host = host;
            j.scheduleCron = scheduleCron;
            j.scheduleIntervalMs = scheduleIntervalMs;
            j.timeZone = timeZone;
            j.scheduleAnchorAt = scheduleAnchorAt;
            j.createdAt = createdAt;
            j.runTimeoutMs = runTimeoutMs;
            j.nextRunAt = nextRunAt;
            // Copies written before these fields existed: the defaults (run-once, 5 minutes).
            if (missedRunMode != null) {
                j.missedRunMode = missedRunMode;
            }
            if (missedRunGraceMs != null) {
                j.missedRunGraceMs = missedRunGraceMs;
            }
            return j;
        }

        /**
         * @param next the next planned start
         * @return this job with it
         */
        public CachedJob withNextRunAt(Instant next) {
            return new CachedJob(id, name, repositoryId, paths, excludes, excludeCaches, excludeIfPresent,
                    oneFileSystem, excludeLargerThanBytes, tags, host, scheduleCron, scheduleIntervalMs, timeZone,
                    scheduleAnchorAt, createdAt, runTimeoutMs, next, missedRunMode, missedRunGraceMs);
        }
    }

    /**
     * A repository as stored: its secrets are the sealed ciphertexts of PostgreSQL, never opened here.
     *
     * @param id the repository
     * @param backend local, sftp, s3, rest or rclone
     * @param url restic's repository location
     * @param backendOptions restic -o options
     * @param passwordCiphertext the sealed password
     * @param secretsCiphertext the sealed backend secrets, or null
     */
    @RegisterForReflection
    public record CachedRepository(UUID id, String backend, String url, Map<String, String> backendOptions,
            byte[] passwordCiphertext, byte[] secretsCiphertext) {

        /**
         * @param r a stored repository
         * @return its copy
         */
        public static CachedRepository of(BackupRepository r) {
            return new CachedRepository(r.id, r.backend, r.url, new LinkedHashMap<>(r.backendOptions),
                    r.passwordCiphertext, r.secretsCiphertext);
        }

        /** @return a detached repository that {@link RepositorySecretStore} can open */
        public BackupRepository toRepository() {
            BackupRepository r = new BackupRepository();
            r.id = id;
            r.backend = backend;
            r.url = url;
            r.backendOptions = new LinkedHashMap<>(backendOptions);
            r.passwordCiphertext = passwordCiphertext;
            r.secretsCiphertext = secretsCiphertext;
            return r;
        }
    }

    /**
     * Which jobs an agent runs while PostgreSQL is down: those bound to it, and of the unbound ones those whose
     * latest executed run was its own. Several agents sharing a database then do not all run the same job during an
     * outage; an unbound job that never ran belongs to none.
     *
     * @param agentId this agent
     * @param boundTo the job's {@code agentId}, or null when unbound
     * @param lastExecutedBy the agent of the job's latest executed run, or null
     * @return whether this agent runs the job offline
     */
    public static boolean owns(String agentId, String boundTo, String lastExecutedBy) {
        if (boundTo != null) {
            return boundTo.equals(agentId);
        }
        return lastExecutedBy != null && lastExecutedBy.equals(agentId);
    }

    /** @return the sealing context of an agent's copy */
    static String context(String agentId) {
        return "config-cache/" + agentId;
    }

    /**
     * @param box the box
     * @param doc the copy
     * @return the sealed document
     */
    static byte[] seal(SecretBox box, Document doc) {
        try {
            return box.seal(context(doc.agentId()), JSON.writeValueAsBytes(doc));
        } catch (IOException e) {
            throw new IllegalStateException("the configuration copy cannot be written as JSON", e);
        }
    }

    /**
     * @param box the box
     * @param agentId the agent the copy must be for
     * @param sealed the sealed document
     * @return the copy
     * @throws SecretBox.SecretBoxException when it does not open (another key or agent, altered bytes)
     */
    static Document open(SecretBox box, String agentId, byte[] sealed) {
        try {
            return JSON.readValue(box.open(context(agentId), sealed), Document.class);
        } catch (IOException e) {
            throw new IllegalStateException("the configuration copy is not readable: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces the file atomically (temporary file in the same folder, then a move), readable by the owner only.
     *
     * @param doc the copy
     * @throws IOException when the file cannot be written
     */
    public void write(Document doc) throws IOException {
        writeAtomically(file, seal(box, doc));
    }

    /**
     * @return the copy, empty when there is none
     * @throws IOException when the file cannot be read
     * @throws SecretBox.SecretBoxException when it does not open
     */
    public Optional<Document> read() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(open(box, agentId, Files.readAllBytes(file)));
    }

    /** @return the cache file */
    public Path file() {
        return file;
    }

    /**
     * Writes a file atomically with mode 0600 (where the file system knows POSIX permissions).
     *
     * @param target the file
     * @param bytes its content
     * @throws IOException when it cannot be written
     */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            }
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
