package dev.asgard.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.backup.v1.BackupServiceGrpc;
import dev.asgard.proto.backup.v1.ForgetSnapshotRequest;
import dev.asgard.proto.backup.v1.ListSnapshotsRequest;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.http.TestHTTPResource;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.BackupRunStarted;
import dev.asgard.testcontract.ServiceFoundationContract;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class BackupAgentFoundationTest extends ServiceFoundationContract {

    @TestHTTPResource("/")
    URL root;

    @Override
    protected String grpcServiceName() {
        return "asgard.backup.v1.BackupService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.backup.v1.BackupServiceGrpc.getGetRepositoryMethod();
    }

    /** BackupService takes administrator (Keycloak) tokens, not device tokens: checked below instead. */
    @Override
    protected boolean takesDeviceTokens() {
        return false;
    }

    @Test
    void backupServiceTakesAdministratorTokensWithRolesByMethod() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            ListSnapshotsRequest get = ListSnapshotsRequest.newBuilder().setRepositoryId(UUID.randomUUID().toString()).build();
            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class,
                    () -> BackupServiceGrpc.newBlockingStub(channel).listSnapshots(get));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
            assertEquals("ADMIN_TOKEN_MISSING", GrpcErrors.reason(anonymous).orElse(null));

            StatusRuntimeException device = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, DeviceTokens.forDevice("device-" + UUID.randomUUID())).listSnapshots(get));
            assertEquals(Status.Code.UNAUTHENTICATED, device.getStatus().getCode());
            assertEquals("ADMIN_TOKEN_INVALID", GrpcErrors.reason(device).orElse(null));

            StatusRuntimeException expired = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, TestTokens.expired()).listSnapshots(get));
            assertEquals("ADMIN_TOKEN_INVALID", GrpcErrors.reason(expired).orElse(null));

            // A viewer reads (the repository does not exist: past authentication), but does not change anything.
            StatusRuntimeException notFound = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, TestTokens.viewer()).listSnapshots(get));
            assertEquals(Status.Code.NOT_FOUND, notFound.getStatus().getCode());
            StatusRuntimeException viewerWrites = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, TestTokens.viewer()).forgetSnapshot(ForgetSnapshotRequest.newBuilder()
                            .setRepositoryId(UUID.randomUUID().toString()).setSnapshotId("0123abcd").build()));
            assertEquals(Status.Code.PERMISSION_DENIED, viewerWrites.getStatus().getCode());
            assertEquals("ADMIN_ROLE_REQUIRED", GrpcErrors.reason(viewerWrites).orElse(null));
            StatusRuntimeException noRole = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, TestTokens.withRoles("other")).listSnapshots(get));
            assertEquals(Status.Code.PERMISSION_DENIED, noRole.getStatus().getCode());

            StatusRuntimeException adminPasses = assertThrows(StatusRuntimeException.class,
                    () -> stub(channel, TestTokens.admin()).forgetSnapshot(ForgetSnapshotRequest.newBuilder()
                            .setRepositoryId(UUID.randomUUID().toString()).setSnapshotId("0123abcd").build()));
            assertEquals(Status.Code.NOT_FOUND, adminPasses.getStatus().getCode());
        } finally {
            channel.shutdownNow();
        }
    }

    private static BackupServiceGrpc.BackupServiceBlockingStub stub(ManagedChannel channel, String token) {
        return BackupServiceGrpc.newBlockingStub(channel).withCallCredentials(DeviceTokens.credentials(token))
                .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    protected String topic() {
        return Topics.BACKUP_EVENTS;
    }

    @Override
    protected String sampleEventType() {
        return "asgard.backup.run.started";
    }

    @Override
    protected Message sampleEvent(String entityId) {
        return BackupRunStarted.newBuilder()
                .setRunId(entityId)
                .setChangeTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
                .build();
    }
}
