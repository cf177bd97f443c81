package dev.asgard.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The data folder's layout. Everything the platform keeps between starts lives here:
 * <pre>
 * &lt;data&gt;/postgres     PostgreSQL cluster (databases asgard and keycloak)
 * &lt;data&gt;/kafka        Kafka KRaft log and metadata
 * &lt;data&gt;/keycloak     unpacked Keycloak distribution (its data is in PostgreSQL)
 * &lt;data&gt;/services     working folder of each service process
 * &lt;data&gt;/logs         one log per process: postgres, kafka, keycloak, &lt;service&gt;
 * &lt;data&gt;/secrets      generated passwords, owner-only (0700 folder, 0600 files)
 * &lt;data&gt;/restores     where the backup-agent may restore snapshots to (its allowed restore root)
 * </pre>
 *
 * @param root the data folder
 */
public record DataLayout(Path root) {

    public Path postgres() {
        return root.resolve("postgres");
    }

    public Path kafka() {
        return root.resolve("kafka");
    }

    public Path keycloak() {
        return root.resolve("keycloak");
    }

    public Path services() {
        return root.resolve("services");
    }

    public Path logs() {
        return root.resolve("logs");
    }

    public Path secrets() {
        return root.resolve("secrets");
    }

    public Path restores() {
        return root.resolve("restores");
    }

    /** The log file of one process, for example {@code logs/registry-service.log}. */
    public Path log(String processName) {
        return logs().resolve(processName + ".log");
    }

    /** Creates the folders that do not exist yet; the secrets folder is readable by its owner only. */
    public DataLayout create() {
        try {
            Files.createDirectories(root);
            for (Path dir : new Path[] {postgres(), kafka(), keycloak(), services(), logs()}) {
                Files.createDirectories(dir);
            }
            Files.createDirectories(secrets());
            Files.setPosixFilePermissions(secrets(), PosixFilePermissions.fromString("rwx------"));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the data folder " + root + ": " + e.getMessage(), e);
        }
    }
}
