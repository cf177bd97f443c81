package dev.asgard.backup.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.asgard.backup.config.BackupConfig;

/** AES-256-GCM sealing of repository secrets, key ids and rotation. */
class SecretBoxTest {

    private static final byte[] SECRET = "hunter2-but-longer".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;

    @Test
    void sealsWithFreshNoncesAndOpensOnlyInItsContext() {
        SecretBox box = new SecretBox("k1", Map.of("k1", key()));
        byte[] a = box.seal("repository/1/password", SECRET);
        byte[] b = box.seal("repository/1/password", SECRET);
        assertFalse(java.util.Arrays.equals(a, b), "a random nonce per seal");
        assertFalse(HexFormat.of().formatHex(a).contains(HexFormat.of().formatHex(SECRET)));
        assertEquals(1, a[0], "format version");
        assertEquals("k1", new String(a, 2, a[1], StandardCharsets.UTF_8), "key id in the ciphertext");
        assertArrayEquals(SECRET, box.open("repository/1/password", a));
        assertThrows(SecretBox.SecretBoxException.class, () -> box.open("repository/2/password", a));
        a[a.length - 1] ^= 1;
        assertThrows(SecretBox.SecretBoxException.class, () -> box.open("repository/1/password", a));
        assertThrows(SecretBox.SecretBoxException.class, () -> box.open("x", new byte[3]));
    }

    @Test
    void rotatedKeysStillOpenOldSecrets() {
        byte[] oldKey = key();
        byte[] sealedWithOld = new SecretBox("k1", Map.of("k1", oldKey)).seal("c", SECRET);
        SecretBox rotated = new SecretBox("k2", Map.of("k1", oldKey, "k2", key()));
        assertArrayEquals(SECRET, rotated.open("c", sealedWithOld));
        byte[] sealedWithNew = rotated.seal("c", SECRET);
        assertEquals("k2", new String(sealedWithNew, 2, sealedWithNew[1], StandardCharsets.UTF_8));
        SecretBox.SecretBoxException e = assertThrows(SecretBox.SecretBoxException.class,
                () -> new SecretBox("k1", Map.of("k1", oldKey)).open("c", sealedWithNew));
        assertTrue(e.getMessage().contains("unknown key id 'k2'"));
    }

    @Test
    void keyFromValueFileOrGeneratedFile() throws Exception {
        String b64 = SecretBox.generateBase64();
        SecretBox fromValue = SecretBox.from(config(Optional.of(b64), Optional.empty(), tmp.resolve("gen.key")));
        Path file = Files.writeString(tmp.resolve("key"), b64 + "\n");
        SecretBox fromFile = SecretBox.from(config(Optional.empty(), Optional.of(file), tmp.resolve("gen.key")));
        assertArrayEquals(SECRET, fromFile.open("c", fromValue.seal("c", SECRET)));
        assertFalse(Files.exists(tmp.resolve("gen.key")));

        Path generated = tmp.resolve("dir/gen.key");
        SecretBox first = SecretBox.from(config(Optional.empty(), Optional.empty(), generated));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(generated)));
        SecretBox second = SecretBox.from(config(Optional.empty(), Optional.empty(), generated));
        assertArrayEquals(SECRET, second.open("c", first.seal("c", SECRET)), "the generated key is reused");
        assertThrows(IllegalArgumentException.class,
                () -> SecretBox.from(config(Optional.of(Base64.getEncoder().encodeToString(new byte[16])),
                        Optional.empty(), generated)));
        assertNotEquals(b64, Files.readString(generated).strip());
    }

    private static byte[] key() {
        return Base64.getDecoder().decode(SecretBox.generateBase64());
    }

    private static BackupConfig.Secrets config(Optional<String> key, Optional<Path> keyFile, Path generated) {
        return new BackupConfig.Secrets() {
            @Override
            public Optional<String> key() {
                return key;
            }

            @Override
            public Optional<Path> keyFile() {
                return keyFile;
            }

            @Override
            public String keyId() {
                return "k1";
            }

            @Override
            public Map<String, String> previousKeys() {
                return Map.of();
            }

            @Override
            public Path generatedKeyFile() {
                return generated;
            }
        };
    }
}
