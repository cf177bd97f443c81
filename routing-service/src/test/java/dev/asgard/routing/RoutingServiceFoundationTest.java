package dev.asgard.routing;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.SessionOpened;
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
class RoutingServiceFoundationTest extends ServiceFoundationContract {

    @Override
    protected String grpcServiceName() {
        return "asgard.routing.v1.RoutingService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.routing.v1.RoutingServiceGrpc.getSendMethod();
    }

    @Override
    protected String topic() {
        return Topics.ROUTING_EVENTS;
    }

    @Override
    protected String sampleEventType() {
        return "asgard.routing.session.opened";
    }

    @Override
    protected Message sampleEvent(String entityId) {
        return SessionOpened.newBuilder()
                .setDeviceId(entityId)
                .setChangeTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
                .build();
    }
}
