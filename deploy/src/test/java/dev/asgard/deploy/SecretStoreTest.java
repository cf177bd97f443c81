package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretStoreTest {

    @TempDir
    Path dir;

    @Test
    void secretIsGeneratedOnceStoredOwnerOnlyAndReused() throws IOException {
        String first = new SecretStore(dir).getOrCreate("admin-password");
        Path file = dir.resolve("admin-password");
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        assertEquals(first, Files.readString(file), "stored without a line break");
        assertTrue(first.matches("[A-Za-z0-9]{24}"), first);
        assertEquals(first, new SecretStore(dir).getOrCreate("admin-password"));
        assertNotEquals(first, new SecretStore(dir).getOrCreate("viewer-password"));
    }

    @Test
    void existingSecretIsReadAndItsPermissionsTightened() throws IOException {
        Path file = dir.resolve("postgres-password");
        Files.writeString(file, "s3cret-value\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("s3cret-value", new SecretStore(dir).getOrCreate("postgres-password"));
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    }

    @Test
    void emptySecretFileIsAnError() throws IOException {
        Files.writeString(dir.resolve("x"), "  \n");
        assertThrows(LauncherException.class, () -> new SecretStore(dir).getOrCreate("x"));
    }

    @Test
    void dataLayoutMakesTheSecretsFolderPrivate() throws IOException {
        DataLayout layout = new DataLayout(dir.resolve("data")).create();
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(layout.secrets()));
        assertTrue(Files.isDirectory(layout.logs()));
        assertEquals(dir.resolve("data/logs/kafka.log"), layout.log("kafka"));
    }
}
