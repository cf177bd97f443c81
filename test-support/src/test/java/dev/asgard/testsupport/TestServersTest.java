package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import dev.asgard.infra.EmbeddedPostgres;

class TestServersTest {

    @Test
    void postgresResourceCreatesItsDatabaseAndReturnsWorkingConfig() throws Exception {
        PostgresResource resource = new PostgresResource();
        resource.init(Map.of(PostgresResource.DATABASE_ARG, "test_support_own"));

        Map<String, String> config = resource.start();

        assertEquals(Map.of(
                "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + TestServers.postgres().port()
                        + "/test_support_own",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + TestServers.postgres().port()
                        + "/test_support_own",
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", TestServers.postgres().password()), config);
        try (Connection connection = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT current_database()")) {
            assertTrue(rows.next());
            assertEquals("test_support_own", rows.getString(1));
        }
        resource.stop();
    }

    @Test
    void postgresResourceDefaultsToTheAsgardDatabaseAndKeepsTheServerAcrossStops() throws Exception {
        PostgresResource first = new PostgresResource();
        first.init(Map.of());
        String url = first.start().get("quarkus.datasource.jdbc.url");
        first.stop();

        PostgresResource second = new PostgresResource();
        second.init(Map.of());
        assertEquals(url, second.start().get("quarkus.datasource.jdbc.url"), "the same server serves the next start");
        assertTrue(url.endsWith("/asgard"), url);
        DriverManager.getConnection(url, "postgres", TestServers.postgres().password()).close();
    }

    @Test
    void kafkaResourceReturnsABrokerThatProducesAndConsumes() throws Exception {
        KafkaResource resource = new KafkaResource();
        Map<String, String> config = resource.start();
        assertEquals(Map.of("kafka.bootstrap.servers", TestServers.kafka().bootstrapServers()), config);
        String bootstrap = config.get("kafka.bootstrap.servers");

        String topic = "asgard.test-support." + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            producer.send(new ProducerRecord<>(topic, "lock-1", "acquired")).get(60, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "test-support",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName()))) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        assertEquals(1, records.size());
        assertEquals("lock-1", records.get(0).key());
        assertEquals("acquired", records.get(0).value());
        resource.stop();
    }

    /**
     * Quarkus loads test-support again for every test profile; the servers and the token key must still be one per
     * JVM. A second, child-first class loader plays the second Quarkus application here.
     */
    @Test
    void anotherClassLoaderGetsTheSameServersAndKey() throws Exception {
        int port = TestServers.postgres().port();
        String bootstrap = TestServers.kafka().bootstrapServers();
        String key = TestTokens.publicKeyBase64();

        try (URLClassLoader other = new ChildFirstLoader(
                TestServers.class.getProtectionDomain().getCodeSource().getLocation(),
                EmbeddedPostgres.class.getProtectionDomain().getCodeSource().getLocation())) {
            Class<?> servers = other.loadClass(TestServers.class.getName());
            assertNotSame(TestServers.class, servers, "a separate copy of the class");
            Object postgres = servers.getMethod("postgres").invoke(null);
            Object kafka = servers.getMethod("kafka").invoke(null);
            Object otherKey = other.loadClass(TestTokens.class.getName()).getMethod("publicKeyBase64").invoke(null);

            assertEquals(port, postgres.getClass().getMethod("port").invoke(postgres));
            assertEquals(bootstrap, kafka.getClass().getMethod("bootstrapServers").invoke(kafka));
            assertEquals(key, otherKey);
        }
    }

    /** Loads Asgard's classes itself (like a Quarkus application class loader) and the rest from its parent. */
    private static final class ChildFirstLoader extends URLClassLoader {

        ChildFirstLoader(URL... urls) {
            super("second-quarkus-app", urls, TestServersTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.asgard.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded == null) {
                    loaded = findClass(name);
                }
                if (resolve) {
                    resolveClass(loaded);
                }
                return loaded;
            }
        }
    }
}
