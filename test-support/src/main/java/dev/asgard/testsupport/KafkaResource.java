package dev.asgard.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a Quarkus test application at the real Kafka broker of this test JVM ({@link TestServers#kafka()}).
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
 * class DeviceEventsTest { ... }
 * }</pre>
 *
 * Returned configuration: {@code kafka.bootstrap.servers}, which the SmallRye Kafka connector and the Kafka client
 * extension use by default. Dev Services are build-time settings that a test resource cannot change (Quarkus warns
 * "build time fixed"): services switch them off in {@code application.properties}
 * ({@code quarkus.devservices.enabled=false}).
 *
 * <p>{@link #stop()} leaves the broker running: one broker serves every test class and profile of the JVM and
 * stops when the JVM exits.
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", TestServers.kafka().bootstrapServers());
    }

    @Override
    public void stop() {
        // Shared by the whole test JVM: local-infra stops it when the JVM exits.
    }
}
