package dev.asgard.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * The broker classpath that the build wrote into the jar: Kafka's jars as paths relative to a local Maven
 * repository ({@code $M2_REPO/org/apache/kafka/...}). The repository is the one of the build when it still has the
 * jars, else {@code -Dmaven.repo.local}, else {@code ~/.m2/repository}.
 */
final class KafkaBrokerClasspath {

    static final String CLASSPATH_RESOURCE = "dev/asgard/infra/kafka/kafka-broker.classpath";
    static final String BUILD_RESOURCE = "dev/asgard/infra/build.properties";
    static final String REPOSITORY_PLACEHOLDER = "$M2_REPO";

    private KafkaBrokerClasspath() {
    }

    /** @return the broker jars, all existing */
    static List<Path> jars() {
        return jarsIn(candidateRepositories());
    }

    /** @return the broker jars in the first of {@code repositories} that has them all */
    static List<Path> jarsIn(List<Path> repositories) {
        List<String> entries = entries();
        for (Path repository : repositories) {
            List<Path> jars = resolve(entries, repository);
            if (jars.stream().allMatch(Files::isRegularFile)) {
                return jars;
            }
        }
        List<Path> missing = resolve(entries, repositories.get(0)).stream().filter(p -> !Files.isRegularFile(p)).toList();
        throw new InfraException("The Kafka broker jars are not in any local Maven repository looked at " + repositories
                + " (missing e.g. " + missing.get(0) + "). Build local-infra on this machine"
                + " (./mvnw -pl local-infra install), which downloads them.");
    }

    /** @return the Kafka version local-infra was built against */
    static String kafkaVersion() {
        return buildProperties().getProperty("kafka.version");
    }

    static List<String> entries() {
        String text = resourceText(CLASSPATH_RESOURCE).trim();
        if (text.isEmpty()) {
            throw new InfraException(CLASSPATH_RESOURCE + " is empty: local-infra was built without its broker classpath");
        }
        return Arrays.stream(text.split(java.io.File.pathSeparator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static List<Path> resolve(List<String> entries, Path repository) {
        List<Path> jars = new ArrayList<>(entries.size());
        for (String entry : entries) {
            jars.add(entry.startsWith(REPOSITORY_PLACEHOLDER)
                    ? Path.of(repository + entry.substring(REPOSITORY_PLACEHOLDER.length()))
                    : Path.of(entry));
        }
        return jars;
    }

    private static List<Path> candidateRepositories() {
        Set<Path> candidates = new LinkedHashSet<>();
        String built = buildProperties().getProperty("local.repository", "");
        if (!built.isBlank()) {
            candidates.add(Path.of(built));
        }
        String override = System.getProperty("maven.repo.local", "");
        if (!override.isBlank()) {
            candidates.add(Path.of(override));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".m2", "repository"));
        return List.copyOf(candidates);
    }

    private static Properties buildProperties() {
        Properties properties = new Properties();
        try (InputStream in = open(BUILD_RESOURCE)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + BUILD_RESOURCE, e);
        }
        return properties;
    }

    private static String resourceText(String name) {
        try (InputStream in = open(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + name, e);
        }
    }

    static InputStream open(String name) {
        InputStream in = KafkaBrokerClasspath.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new InfraException(name + " is missing from the classpath: local-infra was not built by Maven");
        }
        return in;
    }
}
