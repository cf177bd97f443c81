package dev.asgard.backup.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Timestamp;

import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.backup.v1.BackupServiceGrpc;
import dev.asgard.proto.backup.v1.BrowseSnapshotRequest;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.backup.v1.CheckRepositoryRequest;
import dev.asgard.proto.backup.v1.DiffChange;
import dev.asgard.proto.backup.v1.DiffSnapshotsRequest;
import dev.asgard.proto.backup.v1.DiffSnapshotsResponse;
import dev.asgard.proto.backup.v1.ForgetByPolicyRequest;
import dev.asgard.proto.backup.v1.ForgetByPolicyResponse;
import dev.asgard.proto.backup.v1.ForgetSnapshotRequest;
import dev.asgard.proto.backup.v1.GetRepositoryStatsRequest;
import dev.asgard.proto.backup.v1.GetSnapshotRequest;
import dev.asgard.proto.backup.v1.ListSnapshotsRequest;
import dev.asgard.proto.backup.v1.NodeType;
import dev.asgard.proto.backup.v1.PolicyDecision;
import dev.asgard.proto.backup.v1.RepositoryStats;
import dev.asgard.proto.backup.v1.RetentionPolicy;
import dev.asgard.proto.backup.v1.Snapshot;
import dev.asgard.proto.backup.v1.SnapshotNode;
import dev.asgard.proto.backup.v1.StatsMode;
import dev.asgard.proto.backup.v1.UnlockRepositoryRequest;
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
import io.restassured.http.ContentType;

/** The snapshot and maintenance RPCs over a real gRPC channel, on real restic repositories. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class SnapshotGrpcTest {

    private static final String PASSWORD = "grpc-Test-passw0rd-" + UUID.randomUUID();

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private BackupServiceGrpc.BackupServiceBlockingStub stub;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        stub = BackupServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(DeviceTokens.credentials(dev.asgard.testsupport.TestTokens.admin()))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void snapshotsAndMaintenanceOverGrpc() throws Exception {
        Path base = Files.createTempDirectory("asgard-grpc-snap");
        String url = base.resolve("repo").toString();
        String repoId = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(new HashMap<>(Map.of("name", "grpc-" + UUID.randomUUID().toString().substring(0, 8),
                        "backend", "local", "url", url, "password", PASSWORD)))
                .when().post("/api/v1/repositories").then().statusCode(201).extract().path("id");
        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/repositories/" + repoId + "/init").then()
                .statusCode(200);
        Path src = Files.createDirectories(base.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "one\n");
        Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(2), Duration.ofSeconds(5),
                Path.of("target/restic-cache")));
        ResticRepo repo = ResticRepo.of(url, PASSWORD);
        String jobId = UUID.randomUUID().toString();
        backup(restic, repo, src, List.of("--tag", "asgard-job=" + jobId));
        Files.writeString(src.resolve("b.txt"), "two\n");
        backup(restic, repo, src, List.of());
        List<ResticSnapshot> made = restic.snapshots(repo);
        String first = made.get(0).id();
        String second = made.get(1).id();

        List<Snapshot> all = stub.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId).build())
                .getSnapshotsList();
        assertEquals(List.of(second, first), all.stream().map(Snapshot::getSnapshotId).toList());
        assertEquals(repoId, all.get(0).getRepositoryId());
        Snapshot ofJob = stub.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId)
                .setJobId(jobId).build()).getSnapshots(0);
        assertEquals(first, ofJob.getSnapshotId());
        assertEquals(jobId, ofJob.getJobId());
        Timestamp secondTime = all.get(0).getTime();
        assertEquals(List.of(second), stub.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId)
                .setTakenAfter(secondTime).build()).getSnapshotsList().stream().map(Snapshot::getSnapshotId).toList());
        assertEquals(List.of(first), stub.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId)
                .setTakenBefore(secondTime).build()).getSnapshotsList().stream().map(Snapshot::getSnapshotId).toList());

        assertEquals(first, stub.getSnapshot(GetSnapshotRequest.newBuilder().setRepositoryId(repoId)
                .setSnapshotId(first.substring(0, 8)).build()).getSnapshot().getSnapshotId());
        List<SnapshotNode> nodes = stub.browseSnapshot(BrowseSnapshotRequest.newBuilder().setRepositoryId(repoId)
                .setSnapshotId(second).setPath(src.toString()).build()).getNodesList();
        assertEquals(List.of("a.txt", "b.txt"), nodes.stream().map(SnapshotNode::getName).toList());
        assertEquals(NodeType.NODE_TYPE_FILE, nodes.get(0).getType());
        assertEquals(0644, nodes.get(0).getMode());
        DiffSnapshotsResponse diff = stub.diffSnapshots(DiffSnapshotsRequest.newBuilder().setRepositoryId(repoId)
                .setBaseSnapshotId(first).setTargetSnapshotId(second).build());
        assertEquals(src + "/b.txt", diff.getEntries(0).getPath());
        assertEquals(DiffChange.DIFF_CHANGE_ADDED, diff.getEntries(0).getChange());
        assertEquals(1, diff.getStats().getFilesAdded());

        ForgetByPolicyResponse preview = stub.forgetByPolicy(ForgetByPolicyRequest.newBuilder().setRepositoryId(repoId)
                .setPolicy(RetentionPolicy.newBuilder().setKeepLast(1)).setDryRun(true).build());
        assertTrue(preview.getDryRun());
        assertEquals(1, preview.getRemoveCount());
        PolicyDecision kept = preview.getDecisionsList().stream().filter(PolicyDecision::getKeep).findFirst()
                .orElseThrow();
        assertEquals(second, kept.getSnapshot().getSnapshotId());
        assertTrue(kept.getReasonsList().contains("last snapshot"));

        assertEquals(CheckOutcome.CHECK_OUTCOME_PASSED, stub.checkRepository(CheckRepositoryRequest.newBuilder()
                .setRepositoryId(repoId).setReadData(true).setReadDataSubset("1/2").build()).getResult().getOutcome());
        assertEquals(0, stub.unlockRepository(UnlockRepositoryRequest.newBuilder().setRepositoryId(repoId).build())
                .getRemovedLockCount());
        RepositoryStats stats = stub.getRepositoryStats(GetRepositoryStatsRequest.newBuilder().setRepositoryId(repoId)
                .setMode(StatsMode.STATS_MODE_RAW_DATA).build()).getStats();
        assertEquals(StatsMode.STATS_MODE_RAW_DATA, stats.getMode());
        assertTrue(stats.getTotalSizeBytes() > 0);

        assertEquals(first, stub.forgetSnapshot(ForgetSnapshotRequest.newBuilder().setRepositoryId(repoId)
                .setSnapshotId(first).build()).getSnapshotId());
        assertEquals(1, stub.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId).build())
                .getSnapshotsCount());

        // errors carry stable reasons and field violations
        StatusRuntimeException badRepo = assertThrows(StatusRuntimeException.class, () -> stub.listSnapshots(
                ListSnapshotsRequest.newBuilder().setRepositoryId("nope").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badRepo.getStatus().getCode());
        assertEquals("INVALID_REPOSITORY_ID", GrpcErrors.reason(badRepo).orElseThrow());
        StatusRuntimeException badId = assertThrows(StatusRuntimeException.class, () -> stub.getSnapshot(
                GetSnapshotRequest.newBuilder().setRepositoryId(repoId).setSnapshotId("xyz").build()));
        assertEquals("INVALID_SNAPSHOT_ID", GrpcErrors.reason(badId).orElseThrow());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> stub.getSnapshot(
                GetSnapshotRequest.newBuilder().setRepositoryId(repoId).setSnapshotId(first).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        StatusRuntimeException emptyPolicy = assertThrows(StatusRuntimeException.class, () -> stub.forgetByPolicy(
                ForgetByPolicyRequest.newBuilder().setRepositoryId(repoId).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, emptyPolicy.getStatus().getCode());
        assertTrue(GrpcErrors.badRequest(emptyPolicy).orElseThrow().getFieldViolationsList().stream()
                .anyMatch(v -> v.getField().equals("policy")));
        StatusRuntimeException badSubset = assertThrows(StatusRuntimeException.class, () -> stub.checkRepository(
                CheckRepositoryRequest.newBuilder().setRepositoryId(repoId).setReadData(true)
                        .setReadDataSubset("200%").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badSubset.getStatus().getCode());
        StatusRuntimeException badJob = assertThrows(StatusRuntimeException.class, () -> stub.listSnapshots(
                ListSnapshotsRequest.newBuilder().setRepositoryId(repoId).setJobId("x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, badJob.getStatus().getCode());

        var anonymous = BackupServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                () -> anonymous.listSnapshots(ListSnapshotsRequest.newBuilder().setRepositoryId(repoId).build()))
                .getStatus().getCode());
        assertFalse(all.toString().contains(PASSWORD));
    }

    private static void backup(Restic restic, ResticRepo repo, Path src, List<String> args) throws Exception {
        List<String> id = new ArrayList<>();
        restic.backup(repo, List.of(src.toString()), args, m -> {
            if (m instanceof BackupMessage.Summary s) {
                id.add(s.snapshotId());
            }
        }, null).await().orThrow();
        Thread.sleep(20);
    }
}
