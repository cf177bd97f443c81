package dev.asgard.commons.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

    @Test
    void aGeneratedKeyFileIsOwnerOnlyAndKeptOnceItExists(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("nested/key");
        assertTrue(KeyFiles.generateIfMissing(file, 32, "test key"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        byte[] key = KeyFiles.read(file, "test key");
        assertEquals(32, key.length);
        assertFalse(KeyFiles.generateIfMissing(file, 32, "test key"));
        assertArrayEquals(key, KeyFiles.read(file, "test key"));
    }

    @Test
    void aKeyThatIsNotBase64NamesWhereItCameFrom() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyFiles.decode("not base64!", "some.property", "test key"));
        assertEquals("the test key in some.property is not base64", e.getMessage());
        assertEquals(16, KeyFiles.decode(" " + KeyFiles.randomBase64(16) + "\n", "x", "test key").length);
    }
}
