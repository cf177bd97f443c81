package dev.asgard.registry.keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jboss.logging.Logger;

import dev.asgard.commons.security.KeyFiles;

import dev.asgard.registry.config.RegistryConfig;

/**
 * The key that encrypts signing keys at rest: AES-256-GCM, a random 12-byte nonce per seal, the kid as associated
 * data. Sealed form: {@code nonce || ciphertext || tag}.
 */
public final class MasterKey {

    private static final Logger LOG = Logger.getLogger(MasterKey.class);
    private static final int KEY_BYTES = 32;
    private static final String WHAT = "signing-key master key";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private MasterKey(byte[] key) {
        if (key.length != KEY_BYTES) {
            throw new IllegalArgumentException("the signing-key master key must be 32 bytes, not " + key.length);
        }
        this.key = new SecretKeySpec(key, "AES");
    }

    /**
     * @param raw 32 bytes
     * @return the master key
     */
    public static MasterKey of(byte[] raw) {
        return new MasterKey(raw.clone());
    }

    /** @return a new random key, base64 (tests, first start in development) */
    public static String generateBase64() {
        return KeyFiles.randomBase64(KEY_BYTES);
    }

    /**
     * Resolves the master key: the configured value, else the configured file, else a file generated at first
     * start (development: production must provide one, since a key on the pod's disk dies with the pod and
     * differs between replicas).
     *
     * @param config the settings
     * @return the key
     */
    public static MasterKey resolve(RegistryConfig.SigningKeys config) {
        if (config.masterKey().isPresent() && !config.masterKey().get().isBlank()) {
            return new MasterKey(
                    KeyFiles.decode(config.masterKey().get(), "asgard.registry.signing-keys.master-key", WHAT));
        }
        if (config.masterKeyFile().isPresent()) {
            return new MasterKey(KeyFiles.read(config.masterKeyFile().get(), WHAT));
        }
        Path file = config.generatedMasterKeyFile();
        if (KeyFiles.generateIfMissing(file, KEY_BYTES, WHAT)) {
            LOG.warnf("No signing-key master key configured: generated one in %s. Production must provide one "
                    + "(asgard.registry.signing-keys.master-key from a Secret, or master-key-file), the same on "
                    + "every replica.", file);
        }
        return new MasterKey(KeyFiles.read(file, WHAT));
    }

    /**
     * @param kid the key id, bound as associated data
     * @param plaintext the private key encoding
     * @return nonce || ciphertext || tag
     */
    public byte[] seal(String kid, byte[] plaintext) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unavailable", e);
        }
    }

    /**
     * @param kid the key id it was sealed for
     * @param sealed nonce || ciphertext || tag
     * @return the plaintext
     * @throws GeneralSecurityException when the master key or the kid is wrong or the bytes were altered
     */
    public byte[] open(String kid, byte[] sealed) throws GeneralSecurityException {
        if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new GeneralSecurityException("sealed signing key too short");
        }
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOf(sealed, NONCE_BYTES)));
        cipher.updateAAD(kid.getBytes(StandardCharsets.UTF_8));
        return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    }
}
