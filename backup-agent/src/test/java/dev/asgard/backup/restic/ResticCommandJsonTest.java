package dev.asgard.backup.restic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Parsers of ls, diff, forget, cat lock, check and prune output: recorded from restic 0.14.0, and the shapes of
 * newer versions (message_type on ls lines, ids in forget reasons, extra fields).
 */
class ResticCommandJsonTest {

    private static final String SNAP_1 = "87a32dc5c47a2507e5f61f7db524487a9cc4ab740d23f912cded09b3556ab0ee";
    private static final String SNAP_2 = "a019cc997f8ab971c235920c3d134870ec3822b4afa34d804a571ad5f628ddd9";

    @Test
    void parsesLsOf014() {
        List<String> lines = List.of(
                "{\"time\":\"2026-11-22T06:44:32.663981976Z\",\"tree\":\"9405\",\"paths\":[\"/tmp/rs/src\"],"
                        + "\"hostname\":\"h1\",\"username\":\"root\",\"tags\":[\"t1\"],\"id\":\"" + SNAP_1
                        + "\",\"short_id\":\"87a32dc5\",\"struct_type\":\"snapshot\"}",
                "{\"name\":\"src\",\"type\":\"dir\",\"path\":\"/src\",\"uid\":0,\"gid\":0,\"mode\":2147484141,"
                        + "\"permissions\":\"drwxr-xr-x\",\"mtime\":\"2026-11-22T06:44:32.648423031Z\","
                        + "\"atime\":\"2026-11-22T06:44:32.648423031Z\",\"ctime\":\"2026-11-22T06:44:32.648423031Z\","
                        + "\"struct_type\":\"node\"}",
                "{\"name\":\"a.txt\",\"type\":\"file\",\"path\":\"/src/a.txt\",\"uid\":1000,\"gid\":100,\"size\":6,"
                        + "\"mode\":420,\"permissions\":\"-rw-r--r--\",\"mtime\":\"2026-11-22T06:44:32.648423031Z\","
                        + "\"atime\":\"2026-11-22T06:44:32.648423031Z\",\"ctime\":\"2026-11-22T06:44:32.648423031Z\","
                        + "\"struct_type\":\"node\"}",
                "{\"name\":\"link\",\"type\":\"symlink\",\"path\":\"/src/link\",\"uid\":0,\"gid\":0,"
                        + "\"mode\":134218239,\"permissions\":\"Lrwxrwxrwx\",\"mtime\":\"2026-11-22T06:44:32Z\","
                        + "\"struct_type\":\"node\"}");
        ResticTree tree = ResticJson.tree(lines);
        assertEquals(SNAP_1, tree.snapshot().id());
        assertEquals(3, tree.nodes().size());
        ResticNode dir = tree.nodes().get(0);
        assertEquals("dir", dir.type());
        assertEquals(0755, dir.mode());
        assertEquals("/", dir.parent());
        ResticNode file = tree.nodes().get(1);
        assertEquals("a.txt", file.name());
        assertEquals(6, file.size());
        assertEquals(0644, file.mode());
        assertEquals(1000, file.uid());
        assertEquals("/src", file.parent());
        assertEquals(Instant.parse("2026-11-22T06:44:32.648423031Z"), file.mtime());
        assertEquals(0777, tree.nodes().get(2).mode());
        assertNull(tree.nodes().get(2).atime());
    }

    @Test
    void parsesLsOfNewerVersions() {
        List<String> lines = List.of(
                "{\"time\":\"2026-11-22T07:44:32.66+01:00\",\"tree\":\"9405\",\"paths\":[\"/srv\"],\"hostname\":\"nas\","
                        + "\"id\":\"" + SNAP_2 + "\",\"short_id\":\"a019cc99\",\"program_version\":\"restic 0.17.3\","
                        + "\"message_type\":\"snapshot\",\"struct_type\":\"snapshot\"}",
                "{\"name\":\"bin\",\"type\":\"file\",\"path\":\"/srv/bin\",\"uid\":0,\"gid\":0,\"size\":12,"
                        + "\"mode\":8390125,\"permissions\":\"-rwsr-xr-x\",\"mtime\":\"2026-11-22T06:00:00Z\","
                        + "\"inode\":1234,\"device_id\":2049,\"links\":1,\"user\":\"root\",\"group\":\"root\","
                        + "\"message_type\":\"node\",\"struct_type\":\"node\"}",
                "{\"name\":\"ln\",\"type\":\"symlink\",\"path\":\"/srv/ln\",\"linktarget\":\"bin\",\"mode\":134218239,"
                        + "\"message_type\":\"node\"}",
                "not json");
        ResticTree tree = ResticJson.tree(lines);
        assertEquals(Instant.parse("2026-11-22T06:44:32.66Z"), tree.snapshot().time());
        assertEquals(2, tree.nodes().size());
        assertEquals(04755, tree.nodes().get(0).mode(), "setuid kept");
        assertEquals("root", tree.nodes().get(0).user());
        assertEquals("bin", tree.nodes().get(1).linkTarget());
    }

    @Test
    void lsOfAMissingPathHasTheSnapshotOnly() {
        ResticTree tree = ResticJson.tree(List.of("{\"time\":\"2026-11-22T06:44:32Z\",\"id\":\"" + SNAP_1
                + "\",\"struct_type\":\"snapshot\"}"));
        assertEquals(SNAP_1, tree.snapshot().id());
        assertTrue(tree.nodes().isEmpty());
        assertNull(ResticJson.tree(List.of()).snapshot());
    }

    @Test
    void parsesDiffOf014AndNewer() {
        ResticDiff diff = ResticJson.diff(List.of(
                "{\"message_type\":\"change\",\"path\":\"/src/a.txt\",\"modifier\":\"M\"}",
                "{\"message_type\":\"change\",\"path\":\"/src/c.txt\",\"modifier\":\"+\"}",
                "{\"message_type\":\"change\",\"path\":\"/src/sub/b.txt\",\"modifier\":\"-\"}",
                "{\"message_type\":\"statistics\",\"source_snapshot\":\"87a32dc5\",\"target_snapshot\":\"a019cc99\","
                        + "\"changed_files\":1,\"added\":{\"files\":1,\"dirs\":0,\"others\":0,\"data_blobs\":2,"
                        + "\"tree_blobs\":3,\"bytes\":1716},\"removed\":{\"files\":1,\"dirs\":2,\"others\":0,"
                        + "\"data_blobs\":2,\"tree_blobs\":3,\"bytes\":1706}}"));
        assertEquals(3, diff.changes().size());
        assertEquals(new ResticDiff.Change("/src/a.txt", "M"), diff.changes().get(0));
        assertEquals(new ResticDiff.Stats(1, 1, 1, 0, 2, 1716, 1706), diff.stats());

        // newer versions: a "U" modifier with --metadata, extra fields, unknown message types
        ResticDiff newer = ResticJson.diff(List.of(
                "{\"message_type\":\"change\",\"path\":\"/x/\",\"modifier\":\"U\",\"new\":1}",
                "{\"message_type\":\"verbose_status\",\"action\":\"x\"}",
                "{\"message_type\":\"statistics\",\"changed_files\":0,\"added\":{\"files\":0,\"bytes\":0},"
                        + "\"removed\":{\"files\":0,\"bytes\":0},\"source_snapshot\":\"a\",\"target_snapshot\":\"b\"}"));
        assertEquals("U", newer.changes().get(0).modifier());
        assertEquals(ResticDiff.Stats.NONE, newer.stats());
        assertEquals(ResticDiff.Stats.NONE, ResticJson.diff(List.of()).stats());
    }

    @Test
    void parsesForgetOf014WithReasonsMatchedByTime() {
        // restic 0.14 forget --json --dry-run --keep-last 1: reasons carry the snapshot without its id.
        String json = "[{\"tags\":null,\"host\":\"h1\",\"paths\":[\"/tmp/rs/src\"],\"keep\":[{\"time\":"
                + "\"2026-11-22T06:44:33.409809565Z\",\"parent\":\"" + SNAP_1 + "\",\"tree\":\"92bd\",\"paths\":"
                + "[\"/tmp/rs/src\"],\"hostname\":\"h1\",\"username\":\"root\",\"tags\":[\"t2\"],\"id\":\"" + SNAP_2
                + "\",\"short_id\":\"a019cc99\"}],\"remove\":[{\"time\":\"2026-11-22T06:44:32.663981976Z\",\"tree\":"
                + "\"9405\",\"paths\":[\"/tmp/rs/src\"],\"hostname\":\"h1\",\"username\":\"root\",\"tags\":[\"t1\"],"
                + "\"id\":\"" + SNAP_1 + "\",\"short_id\":\"87a32dc5\"}],\"reasons\":[{\"snapshot\":{\"time\":"
                + "\"2026-11-22T06:44:33.409809565Z\",\"tree\":\"92bd\",\"paths\":[\"/tmp/rs/src\"],\"hostname\":\"h1\"},"
                + "\"matches\":[\"last snapshot\"],\"counters\":{}}]},"
                + "{\"tags\":null,\"host\":\"h2\",\"paths\":null,\"keep\":[{\"time\":\"2026-11-22T06:44:50Z\",\"tree\":"
                + "\"92bd\",\"hostname\":\"h2\",\"id\":\"2ac8\",\"short_id\":\"2ac8\"}],\"remove\":null,\"reasons\":"
                + "[{\"snapshot\":{\"time\":\"2026-11-22T06:44:50Z\",\"tree\":\"92bd\"},\"matches\":[\"last snapshot\"],"
                + "\"counters\":{}}]}]\nloading indexes...\ntotal prune:           5 blobs / 968 B\n";
        List<ResticForgetGroup> groups = ResticJson.forget(json);
        assertEquals(2, groups.size());
        ResticForgetGroup g = groups.get(0);
        assertEquals("h1", g.host());
        assertEquals(List.of(SNAP_2), g.keep().stream().map(ResticSnapshot::id).toList());
        assertEquals(List.of(SNAP_1), g.remove().stream().map(ResticSnapshot::id).toList());
        assertEquals(List.of("last snapshot"), g.reasons().get(SNAP_2));
        assertTrue(groups.get(1).remove().isEmpty());
        assertEquals(List.of("last snapshot"), groups.get(1).reasons().get("2ac8"));
        assertEquals(968, ResticJson.prunedBytes(json));
    }

    @Test
    void parsesForgetOfNewerVersionsWithIdsInReasons() {
        String json = "[{\"tags\":[\"daily\"],\"host\":\"nas\",\"paths\":[\"/srv\"],\"keep\":[{\"time\":"
                + "\"2026-11-22T06:00:00Z\",\"id\":\"bbbb\",\"short_id\":\"bbbb\",\"program_version\":\"restic 0.17.3\"},"
                + "{\"time\":\"2026-11-21T06:00:00Z\",\"id\":\"aaaa\",\"short_id\":\"aaaa\"}],\"remove\":[],"
                + "\"reasons\":[{\"snapshot\":{\"time\":\"2026-11-21T06:00:00Z\",\"id\":\"aaaa\",\"short_id\":\"aaaa\"},"
                + "\"matches\":[\"daily snapshot\",\"weekly snapshot\"],\"counters\":{\"daily\":5}},"
                + "{\"snapshot\":{\"time\":\"2026-11-22T06:00:00Z\",\"id\":\"bbbb\"},\"matches\":[\"last snapshot\"]}]}]";
        ResticForgetGroup g = ResticJson.forget(json).get(0);
        assertEquals(List.of("daily"), g.tags());
        assertEquals(List.of("daily snapshot", "weekly snapshot"), g.reasons().get("aaaa"));
        assertEquals(List.of("last snapshot"), g.reasons().get("bbbb"));
        assertTrue(ResticJson.forget("").isEmpty());
    }

    @Test
    void parsesPrunedBytesInEveryUnit() {
        assertEquals(0, ResticJson.prunedBytes("nothing here"));
        assertEquals(1536, ResticJson.prunedBytes("total prune:   3 blobs / 1.500 KiB\n"));
        assertEquals(Math.round(2.25 * 1024 * 1024 * 1024), ResticJson.prunedBytes("total prune: 9 blobs / 2.250 GiB"));
    }

    @Test
    void parsesLock() {
        ResticLock lock = ResticJson.lock("f00d", "{\"time\":\"2026-11-22T06:50:01.123456789Z\",\"exclusive\":false,"
                + "\"hostname\":\"vm\",\"username\":\"root\",\"pid\":4242,\"uid\":0,\"gid\":0}");
        assertEquals("f00d", lock.id());
        assertFalse(lock.exclusive());
        assertEquals(4242, lock.pid());
        assertEquals("vm", lock.hostname());
        assertEquals(Instant.parse("2026-11-22T06:50:01.123456789Z"), lock.time());
    }

    @Test
    void checkErrorsKeepTheFindingsAndDropTheNoise() {
        // restic 0.14 check of a repository whose data pack was deleted (stdout + stderr)
        String out = """
                using temporary cache in /tmp/rs/cache/restic-check-cache-2311106848
                create exclusive lock for repository
                load indexes
                check all packs
                check snapshots, trees and blobs
                [0:00] 100.00%  3 / 3 snapshots

                pack 1818ff9da601979e275fdd63aa10fe5d419d60e7ac6bf2e0813b7581b8ca7f32: does not exist
                Load(<data/54b9af280e>, 0, 0) returned error, retrying after 552.330144ms: open /x: no such file
                error for tree 92bda638:
                  ReadFull(<data/54b9af280e>): open /x: no such file or directory
                Fatal: repository contains errors
                """;
        assertEquals(List.of("pack 1818ff9da601979e275fdd63aa10fe5d419d60e7ac6bf2e0813b7581b8ca7f32: does not exist",
                "error for tree 92bda638:", "ReadFull(<data/54b9af280e>): open /x: no such file or directory"),
                ResticJson.checkErrors(out));
        assertEquals(100, ResticJson.checkErrors("e\n".repeat(500)).size());
    }

    @Test
    void policyAndFilterFlags() {
        ResticPolicy p = new ResticPolicy(3, 0, 7, 0, 0, 1, "2d12h", List.of("keep"));
        assertEquals(List.of("--keep-last", "3", "--keep-daily", "7", "--keep-yearly", "1", "--keep-within", "2d12h",
                "--keep-tag", "keep"), p.args());
        assertFalse(p.isEmpty());
        assertTrue(new ResticPolicy(0, 0, 0, 0, 0, 0, null, null).isEmpty());
        assertEquals(List.of("--host", "nas", "--tag", "a,b", "--path", "/srv", "--path", "/etc"),
                new ResticSnapshotFilter("nas", List.of("a", "b"), List.of("/srv", "/etc")).args());
        assertTrue(ResticSnapshotFilter.ALL.args().isEmpty());
    }
}
