package dev.asgard.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Generated passwords kept in one file each (owner read/write only), created on first use and
 * reused on every later start, so the data that was initialised with them stays reachable.
 * Files hold the bare value without a line break, so {@code curl --data-urlencode password@FILE}
 * sends exactly the password.
 */
public final class SecretStore {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    private static final int LENGTH = 24;

    private final Path dir;
    private final SecureRandom random = new SecureRandom();

    public SecretStore(Path dir) {
        this.dir = dir;
    }

    /** The file a secret is (or will be) stored in. */
    public Path path(String name) {
        return dir.resolve(name);
    }

    /** Returns the stored secret, generating and storing a new random one the first time. */
    public String getOrCreate(String name) {
        Path file = path(name);
        try {
            if (Files.exists(file)) {
                return read(file);
            }
            String secret = generate();
            Path temp = Files.createTempFile(dir, "." + name, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.writeString(temp, secret, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot store the secret " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) throws IOException {
        if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (secret.isEmpty()) {
            throw new LauncherException("The secret file " + file + " is empty. Restore it, or delete the data folder "
                    + "to start from scratch.");
        }
        return secret;
    }

    private String generate() {
        StringBuilder sb = new StringBuilder(LENGTH);
        for (int i = 0; i < LENGTH; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
