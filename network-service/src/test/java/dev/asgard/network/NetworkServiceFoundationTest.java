package dev.asgard.network;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.NetworkCreated;
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
class NetworkServiceFoundationTest extends ServiceFoundationContract {

    @Override
    protected String grpcServiceName() {
        return "asgard.network.v1.NetworkService";
    }

    @Override
    protected io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod() {
        return dev.asgard.proto.network.v1.NetworkServiceGrpc.getGetNetworkMethod();
    }

    @Override
    protected String topic() {
        return Topics.NETWORK_EVENTS;
    }

    @Override
    protected String sampleEventType() {
        return "asgard.network.network.created";
    }

    @Override
    protected Message sampleEvent(String entityId) {
        return NetworkCreated.newBuilder()
                .setNetworkId(entityId)
                .setChangeTime(Timestamp.newBuilder().setSeconds(System.currentTimeMillis() / 1000))
                .build();
    }
}
