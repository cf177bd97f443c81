package dev.asgard.registry.service;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * A device credential: {@code adc1.<credential id>.<secret>}. The secret is 256 random bits, shown to the
 * device once; only its Argon2id hash is stored. Hashing is deliberately slow, so it is done here, off the
 * event loop, before the enrolment transaction starts.
 *
 * @param id credential id
 * @param credential the full credential to hand to the device
 * @param hash the Argon2id hash of the secret to store
 */
public record NewCredential(UUID id, String credential, String hash) {

    /** Prefix and format version of device credentials. */
    public static final String PREFIX = "adc1";

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param hasher the hash to use
     * @return a fresh credential (blocking: runs Argon2id)
     */
    public static NewCredential generate(CredentialHasher hasher) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        UUID id = UUID.randomUUID();
        return new NewCredential(id, PrefixedSecret.format(PREFIX, id, encoded), hasher.hash(encoded));
    }

    /**
     * @param credential what a device presented
     * @return its parts, or empty when it is not a device credential
     */
    public static Optional<PrefixedSecret> parse(String credential) {
        return PrefixedSecret.parse(PREFIX, credential);
    }
}
