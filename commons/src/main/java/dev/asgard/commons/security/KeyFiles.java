package dev.asgard.commons.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Symmetric keys kept as base64 in configuration or in a file: the registry's signing-key master key and the
 * backup-agent's secrets key. A development start without a configured key generates one into a file readable by the
 * owner only; several processes racing to generate it end up using the same one.
 */
public final class KeyFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyFiles() {
    }

    /**
     * @param bytes key length
     * @return a new random key, base64
     */
    public static String randomBase64(int bytes) {
        byte[] raw = new byte[bytes];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /**
     * Creates the file (mode 0600, parent directories as needed) with a new key, unless it exists.
     *
     * @param file the key file
     * @param bytes key length
     * @param what what the key is, for error messages, such as {@code "backup secrets key"}
     * @return whether this call created it
     * @throws UncheckedIOException if it cannot be created
     */
    public static boolean generateIfMissing(Path file, int bytes, String what) {
        if (Files.exists(file)) {
            return false;
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Path created = Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(created, randomBase64(bytes) + "\n");
            return true;
        } catch (FileAlreadyExistsException e) {
            // Another process generated it first: use theirs.
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot generate the " + what + " file " + file, e);
        }
    }

    /**
     * @param file a file holding a base64 key
     * @param what what the key is, for error messages
     * @return the key
     * @throws UncheckedIOException if the file cannot be read; IllegalArgumentException if it is not base64
     */
    public static byte[] read(Path file, String what) {
        try {
            return decode(Files.readString(file, StandardCharsets.US_ASCII), file.toString(), what);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + what + " file " + file, e);
        }
    }

    /**
     * @param base64 a key as configured (surrounding white space ignored)
     * @param source where it came from (property name or file), for the error message
     * @param what what the key is
     * @return the key
     * @throws IllegalArgumentException if it is not base64
     */
    public static byte[] decode(String base64, String source, String what) {
        try {
            return Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + what + " in " + source + " is not base64", e);
        }
    }
}
