package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.config.SchemaConfig;

/** The schema migration's tries and back-off when PostgreSQL is down at start (no Quarkus, no database). */
class SchemaMigrationTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final SchemaConfig CONFIG = new SchemaConfig() {
        @Override
        public Duration retryInitial() {
            return Duration.ofSeconds(1);
        }

        @Override
        public Duration retryMax() {
            return Duration.ofSeconds(4);
        }

        @Override
        public Duration probeTimeout() {
            return Duration.ofSeconds(10);
        }
    };

    /** Tries that fail with the queued failures, in order, then succeed. */
    private static final class Tries implements SchemaMigration.Attempt {
        final Deque<Exception> failures = new ArrayDeque<>();
        int count;

        Tries(Exception... failures) {
            this.failures.addAll(List.of(failures));
        }

        @Override
        public void run() throws Exception {
            count++;
            Exception e = failures.poll();
            if (e != null) {
                throw e;
            }
        }
    }

    private static SchemaMigration migration(Tries tries) {
        return new SchemaMigration(tries, CONFIG, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static Exception refused() {
        return new FlywayException("Unable to obtain connection from database", new SQLException(
                "Connection to 127.0.0.1:5432 refused", "08001", new ConnectException("Connection refused")));
    }

    @Test
    void migratesAtStartWhenPostgresAnswers() {
        Tries tries = new Tries();
        SchemaMigration m = migration(tries);
        assertTrue(m.tryAtStart());
        assertTrue(m.migrated());
        assertEquals(1, tries.count);
        assertEquals(Optional.empty(), m.unreachableSince());
    }

    @Test
    void postgresDownAtStartIsTriedAgainWithADoublingBackOffUntilItAnswers() {
        Tries tries = new Tries(refused(), refused(), refused(), refused(), refused());
        SchemaMigration m = migration(tries);
        assertFalse(m.tryAtStart(), "the start goes on without PostgreSQL");
        assertFalse(m.migrated());
        assertEquals(Optional.of(NOW), m.unreachableSince());
        List<Duration> waits = new ArrayList<>();
        List<Optional<Instant>> seen = new ArrayList<>();
        m.retry(d -> {
            waits.add(d);
            seen.add(m.unreachableSince());
        });
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4), Duration.ofSeconds(4)), waits);
        assertTrue(seen.stream().allMatch(s -> s.equals(Optional.of(NOW))), "the outage counts from the first try");
        assertEquals(6, tries.count);
        assertTrue(m.migrated());
        assertEquals(Optional.empty(), m.unreachableSince());
        assertEquals(Optional.empty(), m.error());
    }

    @Test
    void aMigrationThatFailsWhilePostgresAnswersFailsTheStart() {
        SchemaMigration m = migration(new Tries(new FlywayException("Validate failed: checksum mismatch")));
        IllegalStateException e = assertThrows(IllegalStateException.class, m::tryAtStart);
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        assertFalse(m.migrated());
    }

    @Test
    void aMigrationThatFailsInTheBackgroundIsReportedAndTriedAgainAtTheLongestWait() {
        Tries tries = new Tries(refused(), new FlywayException("Validate failed: checksum mismatch\nmore lines"),
                new FlywayException("Validate failed: checksum mismatch\nmore lines"));
        SchemaMigration m = migration(tries);
        assertFalse(m.tryAtStart());
        List<Duration> waits = new ArrayList<>();
        List<Optional<String>> errors = new ArrayList<>();
        m.retry(d -> {
            waits.add(d);
            errors.add(m.error());
        });
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(4), Duration.ofSeconds(4)), waits);
        assertEquals(Optional.of("Validate failed: checksum mismatch"), errors.get(1));
        assertTrue(m.migrated());
        assertEquals(Optional.empty(), m.error());
    }

    @Test
    void aStopEndsTheTries() {
        Tries tries = new Tries(refused(), refused(), refused(), refused());
        SchemaMigration m = migration(tries);
        assertFalse(m.tryAtStart());
        List<Duration> waits = new ArrayList<>();
        m.retry(d -> {
            waits.add(d);
            if (waits.size() == 2) {
                m.onStop(null);
            }
        });
        assertEquals(2, waits.size());
        assertEquals(2, tries.count, "no try after the stop");
        assertFalse(m.migrated());
    }

    @Test
    void outagesAreRefusedConnectionsStartingServersAndProbesWithoutAnswer() {
        assertTrue(SchemaMigration.isOutage(refused()));
        assertTrue(SchemaMigration.isOutage(new SQLException("the database system is starting up", "57P03")));
        assertTrue(SchemaMigration.isOutage(new io.smallrye.mutiny.TimeoutException()));
        assertFalse(SchemaMigration.isOutage(new SQLException("password authentication failed", "28P01")));
        assertFalse(SchemaMigration.isOutage(new FlywayException("Validate failed")));
    }

    @Test
    void theWaitDoublesUpToTheLongest() {
        assertEquals(Duration.ofSeconds(2), SchemaMigration.next(Duration.ofSeconds(1), Duration.ofSeconds(30)));
        assertEquals(Duration.ofSeconds(30), SchemaMigration.next(Duration.ofSeconds(20), Duration.ofSeconds(30)));
    }
}
