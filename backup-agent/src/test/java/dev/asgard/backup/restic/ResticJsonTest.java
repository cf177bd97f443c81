package dev.asgard.backup.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/** restic JSON parsing, with 0.14 output and the extra fields of newer versions. */
class ResticJsonTest {

    @Test
    void parsesSnapshotsOf014AndIgnoresNewerFields() {
        String json = """
                [{"time":"2026-11-22T05:20:47.386200917Z","tree":"3f87","paths":["/tmp/rt/src"],"hostname":"vm",
                "username":"root","id":"4627d8c15275b584","short_id":"4627d8c1"},
                {"time":"2026-11-22T06:00:00Z","parent":"4627d8c15275b584","tree":"aa","paths":["/a","/b"],
                "hostname":"nas","username":"backup","tags":["daily"],"program_version":"restic 0.17.3",
                "summary":{"backup_start":"2026-11-22T06:00:00Z","files_new":3},"id":"99887766554433","short_id":"99887766"}]
                """;
        List<ResticSnapshot> s = ResticJson.snapshots(json);
        assertEquals(2, s.size());
        assertEquals("4627d8c1", s.get(0).shortId());
        assertEquals(Instant.parse("2026-11-22T05:20:47.386200917Z"), s.get(0).time());
        assertEquals(List.of(), s.get(0).tags());
        assertEquals(List.of("daily"), s.get(1).tags());
        assertEquals("4627d8c15275b584", s.get(1).parent());
        assertEquals(List.of("/a", "/b"), s.get(1).paths());
    }

    @Test
    void parsesGroupedSnapshotsAndEmptyOutput() {
        String grouped = """
                [{"group_key":{"hostname":"vm"},"snapshots":[{"time":"2026-11-22T06:00:00Z","id":"abc","paths":["/x"]}]}]
                """;
        assertEquals("abc", ResticJson.snapshots(grouped).get(0).id());
        assertTrue(ResticJson.snapshots("[]").isEmpty());
        assertTrue(ResticJson.snapshots("").isEmpty());
    }

    @Test
    void parsesStatsInBothModes() {
        ResticStats restore = ResticJson.stats("{\"total_size\":9,\"total_file_count\":3,\"snapshots_count\":1}");
        assertEquals(9, restore.totalSize());
        assertEquals(3, restore.totalFileCount());
        assertEquals(1, restore.snapshotsCount());
        ResticStats raw = ResticJson.stats("""
                {"total_size":1049,"total_uncompressed_size":2000,"compression_ratio":1.9,"compression_progress":100,
                "compression_space_saving":47.5,"total_blob_count":4,"snapshots_count":1,"new_field":{"x":1}}""");
        assertEquals(2000, raw.totalUncompressedSize());
        assertEquals(1.9, raw.compressionRatio());
        assertEquals(4, raw.totalBlobCount());
    }

    @Test
    void parsesBackupLines() {
        BackupMessage.Status st = assertInstanceOf(BackupMessage.Status.class, ResticJson.backupLine(
                "{\"message_type\":\"status\",\"seconds_elapsed\":1,\"seconds_remaining\":4,\"percent_done\":0.25,"
                        + "\"total_files\":10,\"files_done\":2,\"total_bytes\":4000,\"bytes_done\":1000,"
                        + "\"error_count\":1,\"current_files\":[\"/big\"],\"unknown\":true}"));
        assertEquals(0.25, st.percentDone());
        assertEquals(2, st.filesDone());
        assertEquals(1000, st.bytesDone());
        assertEquals(4, st.secondsRemaining());
        assertEquals(List.of("/big"), st.currentFiles());
        assertEquals(1, st.errorCount());

        BackupMessage.Summary sum = assertInstanceOf(BackupMessage.Summary.class, ResticJson.backupLine(
                "{\"message_type\":\"summary\",\"files_new\":2,\"files_changed\":1,\"files_unmodified\":5,"
                        + "\"dirs_new\":1,\"dirs_changed\":0,\"dirs_unmodified\":0,\"data_blobs\":2,\"tree_blobs\":2,"
                        + "\"data_added\":1049,\"data_added_packed\":900,\"total_files_processed\":8,"
                        + "\"total_bytes_processed\":9,\"total_duration\":0.21,\"backup_start\":\"x\","
                        + "\"snapshot_id\":\"4627d8c1\"}"));
        assertEquals(2, sum.filesNew());
        assertEquals(1049, sum.dataAdded());
        assertEquals("4627d8c1", sum.snapshotId());
        assertEquals(0.21, sum.totalDuration());
    }

    @Test
    void parsesErrorLinesOfOldAndNewVersions() {
        BackupMessage.Error old = assertInstanceOf(BackupMessage.Error.class, ResticJson.backupLine(
                "{\"message_type\":\"error\",\"error\":{},\"during\":\"archival\",\"item\":\"/secret\"}"));
        assertEquals("/secret", old.item());
        assertEquals("", old.message());
        BackupMessage.Error neu = assertInstanceOf(BackupMessage.Error.class, ResticJson.backupLine(
                "{\"message_type\":\"error\",\"error\":{\"message\":\"open /secret: permission denied\"},"
                        + "\"during\":\"archival\",\"item\":\"/secret\"}"));
        assertEquals("open /secret: permission denied", neu.message());
    }

    @Test
    void keepsUnknownAndBrokenLines() {
        assertInstanceOf(BackupMessage.Other.class,
                ResticJson.backupLine("{\"message_type\":\"verbose_status\",\"action\":\"new\"}"));
        assertInstanceOf(BackupMessage.Other.class, ResticJson.backupLine("not json"));
        assertFalse(ResticJson.backupLine("[1]") instanceof BackupMessage.Status);
    }

    @Test
    void parsesVersions() {
        assertEquals(new ResticVersion(0, 14, 0),
                ResticVersion.parse("restic 0.14.0 compiled with go1.19.8 on linux/amd64\n"));
        assertEquals(new ResticVersion(0, 17, 3),
                ResticVersion.parse("{\"message_type\":\"version\",\"version\":\"0.17.3\",\"go_version\":\"go1.23\"}"));
        assertTrue(new ResticVersion(0, 18, 0).supported());
        assertFalse(new ResticVersion(0, 13, 1).supported());
    }

    @Test
    void parsesRestoreLinesOfNewerVersionsAnd014sPlainVerifyLine() {
        assertEquals(new RestoreMessage.Status(0.5, 10, 4, 1, 2000, 1000, 3), ResticJson.restoreLine(
                "{\"message_type\":\"status\",\"seconds_elapsed\":3,\"percent_done\":0.5,\"total_files\":10,"
                        + "\"files_restored\":4,\"files_skipped\":1,\"total_bytes\":2000,\"bytes_restored\":1000,"
                        + "\"bytes_skipped\":10}"));
        assertEquals(new RestoreMessage.Summary(10, 9, 1, 2000, 1990, 7), ResticJson.restoreLine(
                "{\"message_type\":\"summary\",\"seconds_elapsed\":7,\"total_files\":10,\"files_restored\":9,"
                        + "\"files_skipped\":1,\"files_deleted\":0,\"total_bytes\":2000,\"bytes_restored\":1990}"));
        assertEquals(new RestoreMessage.Error("/src/a", "mkdir: not a directory"), ResticJson.restoreLine(
                "{\"message_type\":\"error\",\"error\":{\"message\":\"mkdir: not a directory\"},"
                        + "\"during\":\"restore\",\"item\":\"/src/a\"}"));
        assertEquals(new RestoreMessage.Verified(3), ResticJson.restoreLine(
                "finished verifying 3 files in /tmp/t (took 0s)"));
        assertInstanceOf(RestoreMessage.Other.class, ResticJson.restoreLine("restoring <Snapshot 87b26064 ...> to t"));
        assertInstanceOf(RestoreMessage.Other.class, ResticJson.restoreLine(
                "{\"message_type\":\"verbose_status\",\"action\":\"restored\",\"item\":\"/x\"}"));
    }
}
