package dev.asgard.backup.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.asgard.proto.backup.v1.FailureKind;

class RunMapperFailureKindTest {

    @Test
    void aStoredKindMapsToItsEnumAndAnUnknownOneToUnspecified() {
        assertEquals(FailureKind.FAILURE_KIND_LOCK_LOST, RunMapper.failureKind("LOCK_LOST"));
        assertEquals(FailureKind.FAILURE_KIND_WRONG_PASSWORD, RunMapper.failureKind("WRONG_PASSWORD"));
        assertEquals(FailureKind.FAILURE_KIND_UNSPECIFIED, RunMapper.failureKind("A_KIND_FROM_A_NEWER_AGENT"));
    }
}
