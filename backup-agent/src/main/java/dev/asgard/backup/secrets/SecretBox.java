package dev.asgard.backup.secrets;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.BackupConfig;
import dev.asgard.commons.security.KeyFiles;

/**
 * Encrypts repository secrets at rest: AES-256-GCM with a random 12-byte nonce per seal. Sealed form:
 * {@code 0x01 || len(keyId) || keyId || nonce || ciphertext+tag}; the key id lets keys rotate (old ids stay
 * decryptable through {@code previous-keys}). The caller's context (row id and column) is the associated data,
 * so a ciphertext copied into another row or column does not open.
 */
public final class SecretBox {

    private static final Logger LOG = Logger.getLogger(SecretBox.class);
    private static final byte FORMAT = 1;
    private static final int KEY_BYTES = 32;
    private static final String WHAT = "backup secrets key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String currentId;
    private final Map<String, SecretKeySpec> keys;

    /**
     * @param currentId id of the key new seals use
     * @param keys all keys by id (raw 32 bytes), including the current one
     */
    public SecretBox(String currentId, Map<String, byte[]> keys) {
        if (currentId.isEmpty() || currentId.getBytes(StandardCharsets.UTF_8).length > 32) {
            throw new IllegalArgumentException("the secrets key id must be 1 to 32 bytes");
        }
        Map<String, SecretKeySpec> specs = new LinkedHashMap<>();
        keys.forEach((id, raw) -> {
            if (raw.length != KEY_BYTES) {
                throw new IllegalArgumentException("secrets key '" + id + "' must be 32 bytes, not " + raw.length);
            }
            specs.put(id, new SecretKeySpec(raw.clone(), "AES"));
        });
        if (!specs.containsKey(currentId)) {
            throw new IllegalArgumentException("no key for the current key id " + currentId);
        }
        this.currentId = currentId;
        this.keys = Map.copyOf(specs);
    }

    /**
     * Builds the box from the configuration: the key value, else the key file, else a file generated at first
     * start (development and tests; production must provide a key, the same on every replica).
     *
     * @param config the settings
     * @return the box
     */
    public static SecretBox from(BackupConfig.Secrets config) {
        byte[] current;
        if (config.key().isPresent() && !config.key().get().isBlank()) {
            current = KeyFiles.decode(config.key().get(), "asgard.backup.secrets.key", WHAT);
        } else if (config.keyFile().isPresent()) {
            current = KeyFiles.read(config.keyFile().get(), WHAT);
        } else {
            Path file = config.generatedKeyFile();
            if (KeyFiles.generateIfMissing(file, KEY_BYTES, WHAT)) {
                LOG.warnf("No backup secrets key configured: generated one in %s. Production must provide one "
                        + "(asgard.backup.secrets.key from a Secret, or key-file).", file);
            }
            current = KeyFiles.read(file, WHAT);
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        config.previousKeys().forEach((id, b64) -> keys.put(id,
                KeyFiles.decode(b64, "asgard.backup.secrets.previous-keys." + id, WHAT)));
        keys.put(config.keyId(), current);
        return new SecretBox(config.keyId(), keys);
    }

    /** @return a new random key, base64 */
    public static String generateBase64() {
        return KeyFiles.randomBase64(KEY_BYTES);
    }

    /**
     * @param context associated data, e.g. "repository/{id}/password"
     * @param plaintext the secret
     * @return the sealed bytes
     */
    public byte[] seal(String context, byte[] plaintext) {
        byte[] id = currentId.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(2 + id.length + NONCE_BYTES + sealed.length).put(FORMAT)
                    .put((byte) id.length).put(id).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * @param context the associated data it was sealed with
     * @param sealed the sealed bytes
     * @return the secret
     * @throws SecretBoxException when the key id is unknown, the context differs or the bytes were altered
     */
    public byte[] open(String context, byte[] sealed) {
        ByteBuffer in = ByteBuffer.wrap(sealed);
        try {
            if (in.get() != FORMAT) {
                throw new SecretBoxException("unknown secret format");
            }
            byte[] id = new byte[in.get() & 0xff];
            in.get(id);
            String keyId = new String(id, StandardCharsets.UTF_8);
            SecretKeySpec key = keys.get(keyId);
            if (key == null) {
                throw new SecretBoxException("secret sealed with unknown key id '" + keyId
                        + "': add it to asgard.backup.secrets.previous-keys");
            }
            byte[] nonce = new byte[NONCE_BYTES];
            in.get(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(sealed, in.position(), in.remaining());
        } catch (java.nio.BufferUnderflowException e) {
            throw new SecretBoxException("secret too short");
        } catch (GeneralSecurityException e) {
            throw new SecretBoxException("secret does not open (wrong key or altered bytes)");
        }
    }

    /** @return the id of the key new seals use */
    public String currentKeyId() {
        return currentId;
    }

    /** A secret that cannot be opened. Never carries the secret. */
    public static final class SecretBoxException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SecretBoxException(String message) {
            super(message);
        }
    }
}
