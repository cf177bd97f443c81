package dev.asgard.backup.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import dev.asgard.backup.restic.BackupMessage;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The runs this agent made while PostgreSQL was unreachable, one JSON object a line, synced to disk after each
 * entry; {@link OfflineReconciler} turns them into run rows when PostgreSQL answers again and only then removes
 * them. Holds no secret: messages are redacted as online ({@link RunOutcomes}).
 */
public final class OfflineJournal {

    private static final Logger LOG = Logger.getLogger(OfflineJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    /** @param file the journal file */
    public OfflineJournal(Path file) {
        this.file = file;
    }

    /**
     * A run made offline. The run id is chosen when the run starts and becomes the run row's id, so a
     * reconciliation repeated after a crash finds the row and does not insert it twice.
     *
     * @param runId the run
     * @param jobId its job
     * @param repositoryId the job's repository
     * @param scheduledAt the planned start it ran for
     * @param startedAt when restic started
     * @param finishedAt when it ended
     * @param state SUCCEEDED, PARTIAL, FAILED or CANCELLED
     * @param summary restic's summary (successes), or null
     * @param failureKind FailureKind without prefix, or null
     * @param message what went wrong, or null
     * @param hint what to do, or null
     * @param transientFailure whether retrying may help
     * @param exitCode restic's exit code, or null
     * @param unreadable unreadable paths
     * @param nextRunAt the job's next planned start after this run
     */
    @RegisterForReflection
    public record Entry(UUID runId, UUID jobId, UUID repositoryId, Instant scheduledAt, Instant startedAt,
            Instant finishedAt, String state, BackupMessage.Summary summary, String failureKind, String message,
            String hint, boolean transientFailure, Integer exitCode, List<String> unreadable, Instant nextRunAt) {
    }

    /**
     * @param e an entry
     * @return its line (without the line break)
     */
    static String format(Entry e) {
        try {
            return JSON.writeValueAsString(e);
        } catch (JsonProcessingException x) {
            throw new IllegalStateException("journal entry not writable as JSON", x);
        }
    }

    /**
     * Reads entries; a line that does not parse (the agent died while appending it) is skipped with a warning.
     *
     * @param lines the file's lines
     * @return the entries, in order
     */
    static List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(JSON.readValue(line, Entry.class));
            } catch (JsonProcessingException e) {
                LOG.warnf("skipping an unreadable line of the offline run journal: %s", e.getOriginalMessage());
            }
        }
        return entries;
    }

    /**
     * Appends an entry and forces it to disk.
     *
     * @param e the entry
     * @throws IOException when it cannot be written
     */
    public synchronized void append(Entry e) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException x) {
                Files.createFile(file);
            }
        }
        byte[] line = (format(e) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(line));
            ch.force(true);
        }
    }

    /**
     * @return the entries, empty when there is no journal
     * @throws IOException when it cannot be read
     */
    public synchronized List<Entry> read() throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** @return whether there is nothing to reconcile */
    public boolean isEmpty() {
        try {
            return !Files.exists(file) || Files.size(file) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes reconciled entries (the rest is rewritten atomically; entries appended meanwhile are kept).
     *
     * @param runIds the runs now in PostgreSQL
     * @throws IOException when the journal cannot be rewritten
     */
    public synchronized void remove(Set<UUID> runIds) throws IOException {
        if (runIds.isEmpty() || !Files.exists(file)) {
            return;
        }
        List<Entry> rest = read().stream().filter(e -> !runIds.contains(e.runId())).toList();
        if (rest.isEmpty()) {
            Files.delete(file);
            return;
        }
        StringBuilder text = new StringBuilder();
        rest.forEach(e -> text.append(format(e)).append('\n'));
        ConfigCache.writeAtomically(file, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** @return the journal file */
    public Path file() {
        return file;
    }
}
