package dev.asgard.registry;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testcontract.ServiceFoundationContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RegistryServiceFoundationTest extends ServiceFoundationContract {

    @Override
    protected String grpcServiceName() {
        return "asgard.registry.v1.RegistryService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.registry.v1.RegistryServiceGrpc.getGetDeviceMethod();
    }

    @Override
    protected io.grpc.Status.Code authenticatedOutcome() {
        // GetDevice with an empty request names no device of the caller's.
        return io.grpc.Status.Code.PERMISSION_DENIED;
    }

    @Override
    protected String topic() {
        return Topics.REGISTRY_EVENTS;
    }

    @Override
    protected String sampleEventType() {
        return "asgard.registry.device.registered";
    }

    @Override
    protected Message sampleEvent(String entityId) {
        return DeviceRegistered.newBuilder()
                .setDeviceId(entityId)
                .setChangeTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
                .build();
    }
}
