package dev.asgard.registry.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.FieldViolation;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;

/** The per-device thresholds and their validation, without the application. */
class HeartbeatPolicyTest {

    /** The defaults: 30 s, inactive after 2, offline after 5. */
    private static final DeviceConfig GLOBAL = new DeviceConfig() {
        @Override
        public Duration heartbeatInterval() {
            return Duration.ofSeconds(30);
        }

        @Override
        public int inactiveAfterMissed() {
            return 2;
        }

        @Override
        public int offlineAfterMissed() {
            return 5;
        }

        @Override
        public int sweepBatchSize() {
            return 500;
        }

        @Override
        public String sweepInterval() {
            return "5s";
        }

        @Override
        public String ephemeralCleanupInterval() {
            return "30s";
        }

        @Override
        public int ephemeralCleanupBatchSize() {
            return 100;
        }

        @Override
        public HeartbeatBatch heartbeatBatch() {
            throw new UnsupportedOperationException("not used by the policy");
        }
    };

    @Test
    void theDevicesOwnValuesWinFieldByField() {
        Device device = new Device();
        assertEquals(Duration.ofSeconds(30), HeartbeatPolicy.interval(device, GLOBAL));
        device.heartbeatIntervalSeconds = 10;
        device.offlineAfterMissed = 4;
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(Duration.ofSeconds(10), HeartbeatPolicy.interval(device, GLOBAL));
        assertEquals(now.minusSeconds(20), HeartbeatPolicy.inactiveBefore(device, GLOBAL, now));
        assertEquals(now.minusSeconds(40), HeartbeatPolicy.offlineBefore(device, GLOBAL, now));
    }

    @Test
    void validValuesAndNullsPass() {
        assertEquals(List.of(), HeartbeatPolicy.validate(null, null, null, GLOBAL));
        assertEquals(List.of(), HeartbeatPolicy.validate(5, 1, 2, GLOBAL));
        assertEquals(List.of(), HeartbeatPolicy.validate(3600, null, 6, GLOBAL));
        assertEquals(List.of(), HeartbeatPolicy.validate(null, 4, null, GLOBAL));
    }

    @Test
    void outOfRangeValuesAreFieldViolations() {
        assertEquals(List.of("heartbeatIntervalSeconds"), fields(HeartbeatPolicy.validate(4, null, null, GLOBAL)));
        assertEquals(List.of("heartbeatIntervalSeconds"), fields(HeartbeatPolicy.validate(3601, null, null, GLOBAL)));
        assertEquals(List.of("inactiveAfterMissed"), fields(HeartbeatPolicy.validate(null, 0, 3, GLOBAL)));
    }

    @Test
    void offlineMustComeAfterInactiveWhateverValueIsGlobal() {
        assertEquals(List.of("offlineAfterMissed"), fields(HeartbeatPolicy.validate(null, 3, 3, GLOBAL)));
        // Only offline given: compared with the global inactive (2).
        assertEquals(List.of("offlineAfterMissed"), fields(HeartbeatPolicy.validate(null, null, 2, GLOBAL)));
        // Only inactive given: compared with the global offline (5).
        assertEquals(List.of("inactiveAfterMissed"), fields(HeartbeatPolicy.validate(null, 5, null, GLOBAL)));
        AsgardException e = assertThrows(AsgardException.class, () -> HeartbeatPolicy.requireValid(1, 5, 2, GLOBAL));
        assertEquals(List.of("heartbeatIntervalSeconds", "offlineAfterMissed"), fields(e.violations()));
    }

    private static List<String> fields(List<FieldViolation> violations) {
        return violations.stream().map(FieldViolation::field).toList();
    }
}
