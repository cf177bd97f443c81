package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.eclipse.microprofile.config.ConfigProvider;

/** Checks shared by the two Quarkus applications (two test profiles, two sets of class loaders) of this module. */
final class SharedServers {

    private SharedServers() {
    }

    /**
     * The application got the JVM's servers, and the JVM runs exactly one PostgreSQL and one Kafka broker, whichever
     * profile started first.
     */
    static void assertOneServerOfEachForTheWholeJvm() {
        assertEquals(TestServers.postgres().jdbcUrl(PostgresResource.DEFAULT_DATABASE),
                ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class));
        assertEquals(TestServers.kafka().bootstrapServers(),
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        assertEquals(1, ProcessHandle.current().descendants()
                .filter(p -> isPostgres(p) && p.parent().filter(SharedServers::isPostgres).isEmpty())
                .count(), "postmasters started by this JVM");
        assertEquals(1, ProcessHandle.current().descendants()
                .filter(p -> commandLine(p).contains("dev.asgard.infra.kafka.KafkaBrokerMain"))
                .count(), "Kafka broker JVMs started by this JVM");
    }

    /** The full command line: ProcessHandle.Info cuts it, and the broker's main class follows a long classpath. */
    private static String commandLine(ProcessHandle process) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(process.pid()), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return process.info().commandLine().orElse("");
        }
    }

    private static boolean isPostgres(ProcessHandle process) {
        return process.info().command().orElse("").endsWith("/bin/postgres");
    }
}
