package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.asgard.backup.restic.BackupMessage;

/** The journal of runs made while PostgreSQL was down: lines, a torn last line, removal of reconciled entries. */
class OfflineJournalTest {

    @TempDir
    Path dir;

    private static OfflineJournal.Entry entry(String state) {
        Instant t = Instant.parse("2026-11-22T10:00:00.123456Z");
        BackupMessage.Summary summary = "SUCCEEDED".equals(state)
                ? new BackupMessage.Summary(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1.5, "abcdef0123456789") : null;
        return new OfflineJournal.Entry(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), t, t.plusSeconds(1),
                t.plusSeconds(3), state, summary, summary == null ? "REPOSITORY_UNREACHABLE" : null,
                summary == null ? "unreachable" : null, summary == null ? "check the disk" : null, summary == null,
                summary == null ? 1 : 0, List.of("/a"), t.plusSeconds(60));
    }

    @Test
    void entriesRoundTripThroughLines() {
        OfflineJournal.Entry ok = entry("SUCCEEDED");
        OfflineJournal.Entry failed = entry("FAILED");
        String line = OfflineJournal.format(ok);
        assertFalse(line.contains("\n"));
        assertEquals(List.of(ok, failed), OfflineJournal.parse(List.of(line, OfflineJournal.format(failed), "")));
    }

    @Test
    void aLineTornByACrashIsSkipped() {
        OfflineJournal.Entry ok = entry("SUCCEEDED");
        String torn = OfflineJournal.format(entry("SUCCEEDED")).substring(0, 40);
        assertEquals(List.of(ok), OfflineJournal.parse(List.of(OfflineJournal.format(ok), torn)));
    }

    @Test
    void appendedEntriesAreReadBackAndRemovedOnlyWhenReconciled() throws Exception {
        OfflineJournal journal = new OfflineJournal(dir.resolve("j").resolve("journal.jsonl"));
        assertTrue(journal.isEmpty());
        OfflineJournal.Entry a = entry("SUCCEEDED");
        OfflineJournal.Entry b = entry("FAILED");
        journal.append(a);
        journal.append(b);
        assertFalse(journal.isEmpty());
        assertEquals(List.of(a, b), journal.read());

        journal.remove(Set.of(a.runId()));
        assertEquals(List.of(b), journal.read());
        journal.remove(Set.of(b.runId()));
        assertTrue(journal.isEmpty());
        assertFalse(Files.exists(journal.file()));
    }
}
