package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.backup.v1.BackendType;
import dev.asgard.proto.backup.v1.BackupServiceGrpc;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.backup.v1.CreateRepositoryRequest;
import dev.asgard.proto.backup.v1.GetRepositoryRequest;
import dev.asgard.proto.backup.v1.InitRepositoryRequest;
import dev.asgard.proto.backup.v1.Repository;
import dev.asgard.proto.backup.v1.RepositorySecrets;
import dev.asgard.proto.backup.v1.Schedule;
import dev.asgard.proto.backup.v1.UpdateRepositoryRequest;
import dev.asgard.proto.events.v1.RepositoryCheckCompleted;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * Scheduled checks against real restic repositories. Time is simulated the way the job scheduler's tests do it:
 * {@link CheckScheduler#checkDue(Instant)} is called with a time after a "downtime".
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class CheckSchedulerTest {

    static final String PASSWORD = "check-schedule-" + UUID.randomUUID();

    @TestHTTPResource("/")
    URL url;

    @Inject
    CheckScheduler scheduler;

    @Inject
    RepositoryService service;

    @Inject
    RepositoryGuard guard;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private ManagedChannel channel;
    private BackupServiceGrpc.BackupServiceBlockingStub admin;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(url.getHost(), url.getPort()).usePlaintext().build();
        admin = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.admin()))
                .withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aCheckMissedDuringADowntimeRunsOnceOnOneOfTwoReplicasAndIsRecorded() throws Throwable {
        Repository repo = repository(Schedule.newBuilder().setCron("@hourly").build(), true);
        UUID id = UUID.fromString(repo.getRepositoryId());
        Instant planned = stored(id).nextCheckAt;
        assertNotNull(planned, "a schedule plans the first check");
        assertTrue(planned.isAfter(Instant.now().minusSeconds(5)) && planned.isBefore(Instant.now().plusSeconds(3601)),
                planned.toString());

        Repository before = admin.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id.toString())
                .build()).getRepository();

        // Every agent was down for five hours (five hourly checks missed); two replicas tick at the same moment.
        Instant later = Instant.now().plus(Duration.ofHours(5));
        List<CheckReport> reports = new ArrayList<>();
        ExecutorService replicas = Executors.newFixedThreadPool(2);
        try {
            Callable<List<CheckReport>> tick = () -> {
                try {
                    return VertxContextSupport.subscribeAndAwait(() -> scheduler.checkDue(later));
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            };
            for (Future<List<CheckReport>> f : replicas.invokeAll(List.of(tick, tick))) {
                reports.addAll(f.get(120, TimeUnit.SECONDS));
            }
        } finally {
            replicas.shutdownNow();
        }
        List<CheckReport> ours = reports.stream().filter(r -> r.repositoryId().equals(id.toString())).toList();
        assertEquals(1, ours.size(), "one check for all missed times, on one replica: " + reports);
        assertEquals(CheckReport.Outcome.PASSED, ours.get(0).outcome(), ours.toString());
        assertTrue(ours.get(0).readData(), "the repository's check_read_data applies");
        assertEquals("50%", ours.get(0).readDataSubset());

        Repository after = admin.getRepository(GetRepositoryRequest.newBuilder().setRepositoryId(id.toString())
                .build()).getRepository();
        assertEquals(CheckOutcome.CHECK_OUTCOME_PASSED, after.getState().getLastCheckOutcome());
        assertTrue(after.getState().hasLastCheckTime());
        assertEquals(before.getRevision(), after.getRevision(),
                "a check is an observation: an administrator's expected_revision stays valid");
        assertEquals(before.getUpdateTime(), after.getUpdateTime());
        RestAssured.given().auth().oauth2(TestTokens.viewer()).get("/api/v1/repositories/" + id).then()
                .statusCode(200).body("state.lastCheckOutcome", org.hamcrest.Matchers.equalTo("passed"))
                .body("checkSchedule.cron", org.hamcrest.Matchers.equalTo("@hourly"));
        Instant next = stored(id).nextCheckAt;
        assertTrue(next.isAfter(later), "the next check is planned after the downtime, not at a missed time");

        // Nothing is due again at that time.
        List<CheckReport> again = VertxContextSupport.subscribeAndAwait(() -> scheduler.checkDue(later));
        assertTrue(again.stream().noneMatch(r -> r.repositoryId().equals(id.toString())), again.toString());

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> id.toString().equals(r.key()) && scheduledCheck(r), Duration.ofSeconds(60));
        RepositoryCheckCompleted event = RepositoryCheckCompleted.parseFrom(seen.get(seen.size() - 1).value());
        assertEquals(CheckOutcome.CHECK_OUTCOME_PASSED, event.getResult().getOutcome());
    }

    @Test
    void aCheckThatCannotRunIsRecordedAsFailedAndARemovedScheduleIsNeverDue() throws Throwable {
        Repository repo = repository(Schedule.newBuilder().setInterval(com.google.protobuf.Duration.newBuilder()
                .setSeconds(3600)).build(), false);
        UUID id = UUID.fromString(repo.getRepositoryId());
        // Not initialised: the scheduled check runs and records that it could not.
        Instant later = Instant.now().plus(Duration.ofHours(2));
        List<CheckReport> reports = VertxContextSupport.subscribeAndAwait(() -> scheduler.checkDue(later));
        assertEquals(List.of(CheckReport.Outcome.FAILED), reports.stream()
                .filter(r -> r.repositoryId().equals(id.toString())).map(CheckReport::outcome).toList());
        assertEquals(CheckOutcome.CHECK_OUTCOME_FAILED, admin.getRepository(GetRepositoryRequest.newBuilder()
                .setRepositoryId(id.toString()).build()).getRepository().getState().getLastCheckOutcome());

        Repository unscheduled = admin.updateRepository(UpdateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setRepositoryId(id.toString()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("check_schedule")).build()).getRepository();
        assertTrue(!unscheduled.hasCheckSchedule());
        assertNull(stored(id).nextCheckAt);
        Instant muchLater = later.plus(Duration.ofDays(30));
        List<CheckReport> none = VertxContextSupport.subscribeAndAwait(() -> scheduler.checkDue(muchLater));
        assertTrue(none.stream().noneMatch(r -> r.repositoryId().equals(id.toString())), none.toString());
    }

    @Test
    void aCheckThatFindsItsRepositoryBusyIsDueAgainAMinuteLaterAndThenRuns() throws Throwable {
        Repository repo = repository(Schedule.newBuilder().setCron("@daily").build(), true);
        UUID id = UUID.fromString(repo.getRepositoryId());
        Instant later = Instant.now().plus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // A long backup holds the repository (shared); the check needs it alone.
        Thread backup = new Thread(() -> guard.hold(id, RepositoryGuard.Mode.SHARED, "backup", () -> {
            held.countDown();
            try {
                return release.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }));
        backup.start();
        try {
            assertTrue(held.await(30, TimeUnit.SECONDS));
            List<CheckReport> busy = VertxContextSupport.subscribeAndAwait(() -> scheduler.checkDue(later));
            assertTrue(busy.stream().noneMatch(r -> r.repositoryId().equals(id.toString())), busy.toString());
            assertEquals(later.plus(CheckScheduler.BUSY_RETRY), stored(id).nextCheckAt, "not skipped: due again soon");
        } finally {
            release.countDown();
            backup.join(30_000);
        }
        List<CheckReport> reports = VertxContextSupport.subscribeAndAwait(
                () -> scheduler.checkDue(later.plus(CheckScheduler.BUSY_RETRY)));
        assertEquals(List.of(CheckReport.Outcome.PASSED), reports.stream()
                .filter(r -> r.repositoryId().equals(id.toString())).map(CheckReport::outcome).toList());
        assertTrue(stored(id).nextCheckAt.isAfter(later.plus(CheckScheduler.BUSY_RETRY)));
    }

    private Repository repository(Schedule schedule, boolean init) throws Exception {
        Path dir = Files.createTempDirectory("asgard-check-schedule");
        String name = "sched-" + UUID.randomUUID().toString().substring(0, 8);
        Repository repo = admin.createRepository(CreateRepositoryRequest.newBuilder()
                .setRepository(Repository.newBuilder().setName(name).setBackend(BackendType.BACKEND_TYPE_LOCAL)
                        .setUrl(dir.resolve("r").toString()).setCheckSchedule(schedule).setCheckReadData(true)
                        .setCheckReadDataSubset("50%"))
                .setSecrets(RepositorySecrets.newBuilder().setPassword(PASSWORD)).build()).getRepository();
        if (init) {
            admin.initRepository(InitRepositoryRequest.newBuilder().setRepositoryId(repo.getRepositoryId()).build());
            // Something to read: one snapshot taken through restic directly.
            Path src = Files.createDirectories(dir.resolve("src"));
            Files.writeString(src.resolve("a.txt"), "scheduled check " + UUID.randomUUID());
            dev.asgard.backup.restic.Restic restic = new dev.asgard.backup.restic.Restic(
                    new dev.asgard.backup.restic.ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5),
                            null));
            restic.backup(dev.asgard.backup.restic.ResticRepo.of(dir.resolve("r").toString(), PASSWORD),
                    List.of(src.toString()), List.of(), m -> {
                    }, null).await();
        }
        RestAssured.given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON)
                .get("/api/v1/repositories/" + repo.getRepositoryId()).then().statusCode(200)
                .body("nextCheckTime", org.hamcrest.Matchers.notNullValue());
        return repo;
    }

    private BackupRepository stored(UUID id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> service.get(id));
    }

    private static boolean scheduledCheck(ConsumerRecord<String, byte[]> r) {
        try {
            return RepositoryCheckCompleted.parseFrom(r.value()).getScheduled();
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }
}
