package dev.asgard.deploy.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asgard.deploy.LauncherException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeycloakDistributionTest {

    @TempDir
    Path dir;

    @Test
    void unzipDropsTheTopFolder() throws IOException {
        Path zip = zip(Map.of("keycloak-9.9/bin/kc.sh", "#!/bin/sh", "keycloak-9.9/lib/quarkus-run.jar", "jar"));
        KeycloakDistribution.unzipWithoutTopFolder(zip, dir.resolve("out"));
        assertEquals("#!/bin/sh", Files.readString(dir.resolve("out/bin/kc.sh")));
        assertTrue(Files.exists(dir.resolve("out/lib/quarkus-run.jar")));
    }

    @Test
    void entryEscapingTheTargetIsRefused() throws IOException {
        Path zip = zip(Map.of("keycloak-9.9/../../evil.sh", "rm -rf /"));
        assertThrows(IOException.class, () -> KeycloakDistribution.unzipWithoutTopFolder(zip, dir.resolve("out")));
        assertFalse(Files.exists(dir.resolve("evil.sh")));
    }

    @Test
    void distributionWithoutItsZipNamesTheMissingFile() {
        KeycloakDistribution distribution = new KeycloakDistribution(dir.resolve("missing.zip"), "9.9", dir);
        assertFalse(distribution.isReady());
        LauncherException e = assertThrows(LauncherException.class,
                () -> distribution.prepare(Map.of(), dir.resolve("keycloak.log")));
        assertTrue(e.getMessage().contains("missing.zip is missing"), e.getMessage());
    }

    private Path zip(Map<String, String> entries) throws IOException {
        Path zip = dir.resolve("dist.zip");
        try (OutputStream file = Files.newOutputStream(zip); ZipOutputStream out = new ZipOutputStream(file)) {
            for (Map.Entry<String, String> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return zip;
    }
}
