package dev.asgard.backup.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.backup.v1.BackupServiceGrpc;
import dev.asgard.proto.backup.v1.CancelRunRequest;
import dev.asgard.proto.backup.v1.CreateJobRequest;
import dev.asgard.proto.backup.v1.DeleteJobRequest;
import dev.asgard.proto.backup.v1.FileSource;
import dev.asgard.proto.backup.v1.GetJobRequest;
import dev.asgard.proto.backup.v1.GetRunRequest;
import dev.asgard.proto.backup.v1.Job;
import dev.asgard.proto.backup.v1.ListJobsRequest;
import dev.asgard.proto.backup.v1.ListRunsRequest;
import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.backup.v1.RunState;
import dev.asgard.proto.backup.v1.Schedule;
import dev.asgard.proto.backup.v1.StartRunRequest;
import dev.asgard.proto.backup.v1.UpdateJobRequest;
import dev.asgard.proto.backup.v1.WatchRunRequest;
import dev.asgard.proto.backup.v1.WatchRunResponse;
import dev.asgard.proto.backup.v1.RestoreRequest;
import dev.asgard.proto.backup.v1.RestoreSpec;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/** Jobs and runs over a real gRPC channel with administrator tokens. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class BackupGrpcServiceTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private BackupServiceGrpc.BackupServiceBlockingStub stub;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        stub = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.admin()))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void jobCrudStartWatchAndListRuns() throws Exception {
        Path src = Files.createTempDirectory("grpc-src");
        Files.writeString(src.resolve("a.txt"), "a");
        String repo = repository(true);
        Job created = stub.createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder()
                .setName("grpc-" + UUID.randomUUID().toString().substring(0, 8)).setRepositoryId(repo)
                .setFiles(FileSource.newBuilder().addPaths(src.toString())).setEnabled(true)
                .setSchedule(Schedule.newBuilder().setCron("0 3 * * *").setTimeZone("Europe/Berlin"))).build())
                .getJob();
        assertTrue(created.hasNextRunTime());
        assertEquals(100, created.getRunHistoryLimit());
        Job updated = stub.updateJob(UpdateJobRequest.newBuilder().setJob(Job.newBuilder()
                .setJobId(created.getJobId()).setSchedule(Schedule.newBuilder().setInterval(Duration.newBuilder()
                        .setSeconds(3600))).addTags("grpc"))
                .setUpdateMask(FieldMask.newBuilder().addPaths("schedule").addPaths("tags"))
                .setExpectedRevision(0).build()).getJob();
        assertEquals(3600, updated.getSchedule().getInterval().getSeconds());
        assertEquals(List.of("grpc"), updated.getTagsList());
        assertEquals(created.getFiles(), updated.getFiles(), "fields outside the mask stay");
        assertEquals(updated, stub.getJob(GetJobRequest.newBuilder().setJobId(created.getJobId()).build()).getJob());
        assertTrue(stub.listJobs(ListJobsRequest.newBuilder().setRepositoryId(repo).build()).getJobsList().stream()
                .anyMatch(j -> j.getJobId().equals(created.getJobId())));

        Run run = stub.startRun(StartRunRequest.newBuilder().setJobId(created.getJobId()).build()).getRun();
        Iterator<WatchRunResponse> watch = stub.watchRun(WatchRunRequest.newBuilder().setRunId(run.getRunId()).build());
        List<RunState> states = new ArrayList<>();
        watch.forEachRemaining(w -> states.add(w.getRun().getState()));
        assertEquals(RunState.RUN_STATE_SUCCEEDED, states.get(states.size() - 1), states.toString());
        Run done = stub.getRun(GetRunRequest.newBuilder().setRunId(run.getRunId()).build()).getRun();
        assertFalse(done.getBackupSummary().getSnapshotId().isEmpty());
        assertFalse(done.getRequestedBy().isEmpty() || done.getRequestedBy().equals("unknown"),
                "the administrator who started it: " + done.getRequestedBy());
        assertEquals(List.of(run.getRunId()), stub.listRuns(ListRunsRequest.newBuilder().setJobId(created.getJobId())
                .addStates(RunState.RUN_STATE_SUCCEEDED).build()).getRunsList().stream().map(Run::getRunId).toList());
        List<WatchRunResponse> again = new ArrayList<>();
        stub.watchRun(WatchRunRequest.newBuilder().setRunId(run.getRunId()).build()).forEachRemaining(again::add);
        assertEquals(1, again.size(), "an ended run is sent once");
        assertEquals(done, again.get(0).getRun());
        assertEquals(List.of(run.getRunId()), stub.listRuns(ListRunsRequest.newBuilder().setRepositoryId(repo)
                .setQueuedAfter(done.getQueueTime()).build()).getRunsList().stream().map(Run::getRunId).toList());
        assertEquals(0, stub.listRuns(ListRunsRequest.newBuilder().setRepositoryId(UUID.randomUUID().toString())
                .build()).getRunsCount());
        assertEquals(0, stub.listRuns(ListRunsRequest.newBuilder().setJobId(created.getJobId())
                .setQueuedBefore(done.getQueueTime()).build()).getRunsCount());
        // Cancelling an ended run returns it as it is.
        assertEquals(RunState.RUN_STATE_SUCCEEDED, stub.cancelRun(CancelRunRequest.newBuilder()
                .setRunId(run.getRunId()).build()).getRun().getState());
        stub.deleteJob(DeleteJobRequest.newBuilder().setJobId(created.getJobId()).build());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> stub.getJob(
                GetJobRequest.newBuilder().setJobId(created.getJobId()).build())).getStatus().getCode());
    }

    @Test
    void restoreIsQueuedWatchedAndListedByKind() throws Exception {
        Path src = Files.createTempDirectory("grpc-restore-src");
        Files.writeString(src.resolve("a.txt"), "restored over gRPC");
        String repo = repository(true);
        Job job = stub.createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder()
                .setName("grpc-r-" + UUID.randomUUID().toString().substring(0, 8)).setRepositoryId(repo)
                .setFiles(FileSource.newBuilder().addPaths(src.toString())).setEnabled(true)).build()).getJob();
        Run backup = stub.startRun(StartRunRequest.newBuilder().setJobId(job.getJobId()).build()).getRun();
        stub.watchRun(WatchRunRequest.newBuilder().setRunId(backup.getRunId()).build()).forEachRemaining(w -> {
        });
        String snapshot = stub.getRun(GetRunRequest.newBuilder().setRunId(backup.getRunId()).build()).getRun()
                .getBackupSummary().getSnapshotId();
        Path target = Path.of("target/restore-root").toAbsolutePath().resolve("grpc-" + UUID.randomUUID());
        RestoreRequest request = RestoreRequest.newBuilder().setRepositoryId(repo).setRequestId(UUID.randomUUID()
                .toString()).setRestore(RestoreSpec.newBuilder().setSnapshotId(snapshot)
                        .setTargetPath(target.toString()).addIncludePaths(src + "/a.txt").setVerify(true)).build();
        Run queued = stub.restore(request).getRun();
        assertEquals(RunKind.RUN_KIND_RESTORE, queued.getKind());
        assertEquals(queued.getRunId(), stub.restore(request).getRun().getRunId(), "same request_id, same run");
        List<RunState> states = new ArrayList<>();
        stub.watchRun(WatchRunRequest.newBuilder().setRunId(queued.getRunId()).build())
                .forEachRemaining(w -> states.add(w.getRun().getState()));
        assertEquals(RunState.RUN_STATE_SUCCEEDED, states.get(states.size() - 1), states.toString());
        Run done = stub.getRun(GetRunRequest.newBuilder().setRunId(queued.getRunId()).build()).getRun();
        assertEquals(1, done.getRestoreSummary().getFilesRestored());
        assertTrue(done.getRestore().getSnapshotId().startsWith(snapshot) && done.getRestore().getVerify());
        assertEquals("restored over gRPC", Files.readString(target.resolve(src.toString().substring(1))
                .resolve("a.txt")));
        assertEquals(List.of(queued.getRunId()), stub.listRuns(ListRunsRequest.newBuilder().setRepositoryId(repo)
                .setKind(RunKind.RUN_KIND_RESTORE).build()).getRunsList().stream().map(Run::getRunId).toList());

        StatusRuntimeException outside = assertThrows(StatusRuntimeException.class, () -> stub.restore(
                RestoreRequest.newBuilder().setRepositoryId(repo).setRestore(RestoreSpec.newBuilder()
                        .setSnapshotId(snapshot).setTargetPath("/var/tmp/elsewhere")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, outside.getStatus().getCode());
        assertEquals(List.of("targetPath"), GrpcErrors.badRequest(outside).orElseThrow().getFieldViolationsList()
                .stream().map(v -> v.getField()).toList());
        BackupServiceGrpc.BackupServiceBlockingStub viewer = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.viewer()));
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class,
                () -> viewer.restore(request)).getStatus().getCode());
    }

    @Test
    void badInputIsInvalidArgumentWithFieldViolationsAndNoTokenIsUnauthenticated() {
        String repo = repository(false);
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> stub.createJob(
                CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("Bad").setRepositoryId(repo)
                        .setSchedule(Schedule.newBuilder().setCron("99 * * * *"))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        List<String> fields = GrpcErrors.badRequest(bad).orElseThrow().getFieldViolationsList().stream()
                .map(v -> v.getField()).toList();
        assertTrue(fields.containsAll(List.of("name", "paths", "schedule.cron")), fields.toString());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> stub.getRun(GetRunRequest.newBuilder().setRunId("nope").build())).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> stub.startRun(
                StartRunRequest.newBuilder().setJobId(UUID.randomUUID().toString()).build())).getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> stub.updateJob(
                UpdateJobRequest.newBuilder().setJob(Job.newBuilder().setJobId(UUID.randomUUID().toString()))
                        .setUpdateMask(FieldMask.newBuilder().addPaths("revision")).build())).getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> stub.listRuns(
                ListRunsRequest.newBuilder().addStates(RunState.RUN_STATE_UNSPECIFIED).build())).getStatus().getCode());
        BackupServiceGrpc.BackupServiceBlockingStub anonymous = BackupServiceGrpc.newBlockingStub(channel);
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () -> anonymous.getRun(
                GetRunRequest.newBuilder().setRunId(UUID.randomUUID().toString()).build())).getStatus().getCode());
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> BackupServiceGrpc.newBlockingStub(channel).withCallCredentials(DeviceTokens.credentials(
                        DeviceTokens.forDevice("d"))).startRun(StartRunRequest.newBuilder()
                                .setJobId(UUID.randomUUID().toString()).build())).getStatus().getCode(),
                "a device token is no administrator token");
        BackupServiceGrpc.BackupServiceBlockingStub viewer = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(TestTokens.viewer()));
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, () -> viewer.startRun(
                StartRunRequest.newBuilder().setJobId(UUID.randomUUID().toString()).build())).getStatus().getCode());
        assertEquals(Status.Code.PERMISSION_DENIED, assertThrows(StatusRuntimeException.class, () -> viewer.cancelRun(
                CancelRunRequest.newBuilder().setRunId(UUID.randomUUID().toString()).build())).getStatus().getCode());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> viewer.getRun(
                GetRunRequest.newBuilder().setRunId(UUID.randomUUID().toString()).build())).getStatus().getCode(),
                "viewers read");
    }

    private static String repository(boolean init) {
        try {
            Path dir = Files.createTempDirectory("grpc-repo");
            String id = RestAssured.given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("name", "g-" + UUID.randomUUID().toString().substring(0, 8), "backend", "local",
                            "url", dir.resolve("r").toString(), "password", "grpc-password-123"))
                    .post("/api/v1/repositories").then().statusCode(201).extract().path("id");
            if (init) {
                RestAssured.given().auth().oauth2(TestTokens.admin()).post("/api/v1/repositories/" + id + "/init")
                        .then().statusCode(200);
            }
            return id;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
