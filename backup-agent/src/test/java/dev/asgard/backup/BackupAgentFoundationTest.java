package dev.asgard.backup;

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

    @Override
    protected String grpcServiceName() {
        return "asgard.backup.v1.BackupService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.backup.v1.BackupServiceGrpc.getGetRepositoryMethod();
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
