package dev.asgard.lock;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.LockAcquired;
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
class LockServiceFoundationTest extends ServiceFoundationContract {

    @Override
    protected String grpcServiceName() {
        return "asgard.lock.v1.LockService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.lock.v1.LockServiceGrpc.getTryAcquireMethod();
    }

    @Override
    protected io.grpc.Status.Code authenticatedOutcome() {
        // TryAcquire with an empty request: the contract's device ids are not UUIDs, which lock owners must be.
        return io.grpc.Status.Code.PERMISSION_DENIED;
    }

    @Override
    protected String topic() {
        return Topics.LOCK_EVENTS;
    }

    @Override
    protected String sampleEventType() {
        return "asgard.lock.lock.acquired";
    }

    @Override
    protected Message sampleEvent(String entityId) {
        return LockAcquired.newBuilder()
                .setLockName(entityId)
                .setChangeTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
                .build();
    }
}
