package dev.asgard.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {

    @Test
    void producesAndConsumesThroughAnAutoCreatedTopic() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.builder().build().start()) {
            assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"), kafka.bootstrapServers());
            String topic = "asgard.test." + UUID.randomUUID();

            produce(kafka, topic, "device-1", "registered");

            List<ConsumerRecord<String, String>> records = consume(kafka, topic, 1);
            assertEquals("device-1", records.get(0).key());
            assertEquals("registered", records.get(0).value());
        }
    }

    @Test
    void dataDirectoryKeepsTopicsRecordsAndTheClusterIdAcrossRestarts(@TempDir Path dir) throws Exception {
        String clusterId;
        try (KafkaBroker kafka = KafkaBroker.builder().dataDirectory(dir).build().start()) {
            clusterId = clusterId(kafka);
            produce(kafka, "asgard.registry.events", "device-1", "registered");
        }
        assertTrue(Files.exists(dir.resolve("data/meta.properties")), "the formatted storage is kept");

        try (KafkaBroker kafka = KafkaBroker.builder().dataDirectory(dir).build().start()) {
            assertEquals(clusterId, clusterId(kafka), "storage is not formatted again");
            try (Admin admin = admin(kafka)) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.contains("asgard.registry.events"), topics.toString());
            }
            List<ConsumerRecord<String, String>> records = consume(kafka, "asgard.registry.events", 1);
            assertEquals("registered", records.get(0).value());
        }
    }

    @Test
    void temporaryDataIsDeletedOnCloseAndTheLogIsReadable() throws Exception {
        List<Path> before = TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid());
        KafkaBroker kafka = KafkaBroker.builder().build().start();
        List<Path> during = TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid());
        Path mine = during.stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
        assertTrue(Files.readString(kafka.logFile()).contains("Kafka Server started"),
                "the broker logs through log4j2 into its log file");

        kafka.close();
        kafka.close();

        assertFalse(Files.exists(mine), mine + " is deleted");
        assertThrows(IllegalStateException.class, kafka::bootstrapServers);
    }

    @Test
    void aFailedStartReportsTheBrokerLog(@TempDir Path dir) throws Exception {
        try (KafkaBroker first = KafkaBroker.builder().build().start()) {
            int taken = Integer.parseInt(first.bootstrapServers().substring("127.0.0.1:".length()));
            KafkaBroker second = KafkaBroker.builder().port(taken).logFile(dir.resolve("second.log")).build();

            InfraException failure = assertThrows(InfraException.class, second::start);

            assertTrue(failure.getMessage().contains("Address already in use"), failure.getMessage());
        }
    }

    private static void produce(KafkaBroker kafka, String topic, String key, String value) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(topic, key, value)).get(60, TimeUnit.SECONDS);
        }
    }

    private static List<ConsumerRecord<String, String>> consume(KafkaBroker kafka, String topic, int count) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        assertEquals(count, records.size(), "records read back from " + topic);
        return records;
    }

    private static String clusterId(KafkaBroker kafka) throws Exception {
        try (Admin admin = admin(kafka)) {
            return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        }
    }

    private static Admin admin(KafkaBroker kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }
}
