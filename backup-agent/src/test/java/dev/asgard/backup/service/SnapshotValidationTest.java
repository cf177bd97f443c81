package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.FieldViolation;
import dev.asgard.commons.error.Validation;

/** Input rules of snapshot and maintenance requests. */
class SnapshotValidationTest {

    @Test
    void snapshotIds() {
        assertEquals("4627d8c1", SnapshotValidation.snapshotId("s", "4627D8C1"));
        assertEquals("a".repeat(64), SnapshotValidation.snapshotId("s", "a".repeat(64)));
        for (String bad : new String[] {null, "", "4627d8c", "a".repeat(65), "latest", "4627d8c1 ", "../x", "zzzzzzzz"}) {
            if (bad != null && bad.strip().matches("[0-9a-fA-F]{8,64}")) {
                continue;
            }
            AsgardException e = assertThrows(AsgardException.class, () -> SnapshotValidation.snapshotId("s", bad));
            assertEquals("INVALID_SNAPSHOT_ID", e.reason());
        }
    }

    @Test
    void paths() {
        for (String ok : List.of("/", "/srv", "/srv/data/file.txt", "/with space/x")) {
            assertTrue(fields(v -> SnapshotValidation.path(v, "path", ok)).isEmpty(), ok);
        }
        for (String bad : List.of("", "srv", "/a/../b", "/a/./b", "/a//b", "/x\n", "/" + "a".repeat(5000))) {
            assertEquals(List.of("path"), fields(v -> SnapshotValidation.path(v, "path", bad)), bad);
        }
        assertEquals("/srv", SnapshotValidation.normalise("/srv/"));
        assertEquals("/", SnapshotValidation.normalise("/"));
    }

    @Test
    void policies() {
        assertTrue(fields(v -> SnapshotValidation.policy(v, policy(1, null), false)).isEmpty());
        assertTrue(fields(v -> SnapshotValidation.policy(v, policy(0, "2y6m3d12h"), false)).isEmpty());
        assertEquals(List.of("policy"), fields(v -> SnapshotValidation.policy(v, policy(0, null), false)));
        assertTrue(fields(v -> SnapshotValidation.policy(v, policy(0, null), true)).isEmpty(),
                "an empty policy only when explicitly allowed");
        assertEquals(List.of("keepLast"), fields(v -> SnapshotValidation.policy(v, policy(-1, "1d"), false)));
        for (String within : List.of("7x", "d", "1d2y", "-1d", "1.5d", "7 d")) {
            assertEquals(List.of("keepWithin"), fields(v -> SnapshotValidation.policy(v, policy(1, within), false)),
                    within);
        }
    }

    @Test
    void readDataSubsets() {
        for (String ok : List.of("10%", "100%", "0.5%", "1/5", "5/5")) {
            assertTrue(fields(v -> SnapshotValidation.readDataSubset(v, ok)).isEmpty(), ok);
        }
        for (String bad : List.of("0%", "101%", "0/5", "6/5", "1G", "x", "10")) {
            assertEquals(List.of("readDataSubset"), fields(v -> SnapshotValidation.readDataSubset(v, bad)), bad);
        }
    }

    @Test
    void filtersAndGrouping() {
        assertTrue(fields(v -> SnapshotValidation.filter(v, "nas-1.lan", List.of("daily", "asgard-job=x"),
                List.of("/srv"))).isEmpty());
        assertEquals(List.of("host", "tags[0]", "paths[0]"),
                fields(v -> SnapshotValidation.filter(v, "bad host", List.of("a,b"), List.of("rel"))));
        assertEquals(List.of("groupBy"), fields(v -> SnapshotValidation.groupBy(v, List.of("host", "colour"))));
        assertEquals("restore-size", SnapshotValidation.statsMode(null));
        assertEquals("raw-data", SnapshotValidation.statsMode("raw-data"));
        assertThrows(AsgardException.class, () -> SnapshotValidation.statsMode("RAW"));
    }

    private static ResticPolicy policy(int keepLast, String within) {
        return new ResticPolicy(keepLast, 0, 0, 0, 0, 0, within, List.of());
    }

    private static List<String> fields(java.util.function.Consumer<Validation> rule) {
        Validation v = Validation.create();
        rule.accept(v);
        return v.violations().stream().map(FieldViolation::field).toList();
    }
}
