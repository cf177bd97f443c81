package dev.asgard.registry.service;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * The wire form of a join token and its hashing. A token reads {@code ajt1.<id>.<secret>}: the id finds the
 * row, the secret (256 random bits, base64url) proves possession and is compared by its SHA-256 in constant
 * time. The prefix makes a leaked token recognisable to secret scanners and lets the format evolve.
 */
public final class JoinTokenSecrets {

    /** Prefix and format version of every join token. */
    public static final String PREFIX = "ajt1";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SECRET_BYTES = 32;

    private JoinTokenSecrets() {
    }

    /** A freshly generated token: its id, the secret to show once, and the hash to store. */
    public record Generated(UUID id, String token, byte[] secretSha256) {
    }

    /** @return a new token with a random id and secret */
    public static Generated generate() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        UUID id = UUID.randomUUID();
        String encodedSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        return new Generated(id, PrefixedSecret.format(PREFIX, id, encodedSecret), sha256(encodedSecret));
    }

    /**
     * @param token what a device presented
     * @return its parts, or empty when it is not a join token at all
     */
    public static Optional<PrefixedSecret> parse(String token) {
        return PrefixedSecret.parse(PREFIX, token);
    }

    /**
     * @param secret the presented secret
     * @param storedSha256 the stored hash
     * @return whether they match, compared in constant time
     */
    public static boolean matches(String secret, byte[] storedSha256) {
        return MessageDigest.isEqual(sha256(secret), storedSha256);
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
